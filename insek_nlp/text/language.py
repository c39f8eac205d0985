"""Which comments are not written in German.

The toolkit is German-first, but a participation gets comments in English,
Turkish, Arabic, Russian and other languages. They are kept and analysed like
all others (the default embedder is multilingual, so they join the concerns
they talk about); this module only notes their language, so that the overview
can say so and labels are built from German text.

Identification uses ``py3langid`` (the naive Bayes model of langid.py, shipped
inside the package, deterministic), restricted to the languages most often
written in German cities. A text counts as another language only when the
evidence is clear: enough letters, and either a confident model or a script
German is not written in (Arabic, Cyrillic, …). Short or mixed texts
("Radweg Godesberger Allee", "test", "👍") count as German.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from typing import Sequence

log = logging.getLogger(__name__)

GERMAN = "de"
LANGUAGES = ("de", "en", "tr", "ar", "ru", "uk", "pl", "fr", "es", "it", "pt", "nl", "ro", "bg", "cs", "hr", "sr",
             "sq", "vi", "fa", "el", "hu", "zh", "ku")
"""Languages the identifier chooses among (ISO 639-1); others count as the closest of these."""

LANGUAGE_NAMES = {
    "de": "Deutsch", "en": "Englisch", "tr": "Türkisch", "ar": "Arabisch", "ru": "Russisch", "uk": "Ukrainisch",
    "pl": "Polnisch", "fr": "Französisch", "es": "Spanisch", "it": "Italienisch", "pt": "Portugiesisch",
    "nl": "Niederländisch", "ro": "Rumänisch", "bg": "Bulgarisch", "cs": "Tschechisch", "hr": "Kroatisch",
    "sr": "Serbisch", "sq": "Albanisch", "vi": "Vietnamesisch", "fa": "Persisch", "el": "Griechisch",
    "hu": "Ungarisch", "zh": "Chinesisch", "ku": "Kurdisch",
}
"""German names of the languages, for the overview."""

_MIN_LETTERS = 20
_MIN_CONFIDENCE = 0.9
_FOREIGN_SCRIPT_SHARE = 0.5


@lru_cache(maxsize=1)
def _identifier():
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:  # optional in spirit: without it every text counts as German
        log.warning("py3langid is not installed: language of comments not identified")
        return None
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(ident.nb_classes)
    ident.set_languages([lang for lang in LANGUAGES if lang in known])
    return ident


def _letters(text: str) -> tuple[int, int]:
    """Letters in the text, and how many of them are not Latin."""
    n = foreign = 0
    for ch in text:
        if ch.isalpha():
            n += 1
            if ord(ch) > 0x24F and "LATIN" not in unicodedata.name(ch, "LATIN"):
                foreign += 1
    return n, foreign


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; ``"de"`` unless another language is clear.

    Args:
        text: Any text (``None`` or empty counts as German).
    """
    if not text:
        return GERMAN
    n, foreign = _letters(text)
    if n < _MIN_LETTERS:
        return GERMAN
    ident = _identifier()
    if ident is None:
        return GERMAN
    lang, confidence = ident.classify(text[:3000])
    if lang == GERMAN:
        return GERMAN
    if confidence >= _MIN_CONFIDENCE or foreign / n >= _FOREIGN_SCRIPT_SHARE:
        return lang
    return GERMAN


def detect_languages(texts: Sequence[str]) -> list[str]:
    """:func:`detect_language` for many texts (identical texts are identified once)."""
    memo: dict[str, str] = {}
    out = []
    for t in texts:
        t = t or ""
        lang = memo.get(t)
        if lang is None:
            lang = memo[t] = detect_language(t)
        out.append(lang)
    return out


__all__ = ["GERMAN", "LANGUAGES", "LANGUAGE_NAMES", "detect_language", "detect_languages"]
