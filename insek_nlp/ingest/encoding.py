"""Decoding text files whose encoding nobody wrote down.

German exports come as UTF-8, UTF-8 with BOM (Excel's "CSV UTF-8"), cp1252
(Excel's plain "CSV") or latin-1. We try them in that order; the first strict
decode wins. cp1252 and latin-1 differ only in 0x80–0x9F, where cp1252 has
„ “ – € and latin-1 has control characters, so cp1252 is preferred.
"""

from __future__ import annotations

import codecs
import unicodedata

_ENCODINGS = ("utf-8", "cp1252", "latin-1")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to NFC text; return ``(text, encoding name)``.

    UTF-16 with BOM is honoured too (some Windows tools write it).
    """
    if data.startswith(codecs.BOM_UTF8):
        return unicodedata.normalize("NFC", data[len(codecs.BOM_UTF8):].decode("utf-8", "replace")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return unicodedata.normalize("NFC", data.decode("utf-16", "replace")), "utf-16"
    for enc in _ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return unicodedata.normalize("NFC", text), enc
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover
