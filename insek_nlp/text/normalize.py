"""Normalisation for matching (never for display).

:func:`match_key` turns a word or short phrase into the key that term matching
compares: casefolded (so ß → ss), soft hyphens and zero-width characters
removed, and gendered forms collapsed onto the base form ("Bürger*innen",
"Bürger:innen", "BürgerInnen", "Bürger/-innen", "Bürgerinnen und Bürger" →
"bürger"). With ``fold_umlauts=True`` umlauts are spelled out (ä → ae, ö → oe,
ü → ue) and other accents dropped, so "fuer" and "für" get the same key.

:func:`normalize_text` applies the same to a whole text and keeps, for every
character of the result, the span of the original it came from, so a match found
in the normalised text can be highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalizedText", "fold_umlauts", "match_key", "normalize_text", "strip_gender"]

_L = r"[^\W\d_]"          # a letter
_C = r"[^\W_]"            # a letter or digit
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"   # soft hyphen, zero-width (non-)joiners, BOM
_DASHES = {"\u2010": "-", "\u2011": "-"}              # hyphen and non-breaking hyphen
_MARK = "*:_·\u2217\u2022"                             # gender star, colon, gap, middle dot, …

# What to drop from a word; the rest is kept. Each pattern's group "drop" is removed.
_GENDER = re.compile(
    rf"""
    (?<={_L})(?P<drop>(?:[{_MARK}]|/-?)[Ii]n(?:nen)?)(?!{_C})      # Bürger*innen, Bürger/-innen, Bürger:in
  | (?<={_L})(?P<drop2>[{_MARK}][Ii]nnen)(?={_L})                  # Bürger*innenbeteiligung
  | (?<={_L})(?P<drop3>\([Ii]n(?:nen)?\))                          # Bürger(innen)
  | (?<=[a-zäöüß])(?<!Linked)(?P<drop4>In(?:nen)?)(?![a-zäöüß])               # BürgerIn, BürgerInnen
  | (?<=[a-zäöüß])(?P<drop5>Innen)(?=[a-zäöüß])                    # BürgerInnenbeteiligung
  | (?<={_L}{_L}er)(?P<drop6>in(?:nen)?)(?![^\W\d_])               # Bürgerinnen, Radfahrerin
    """,
    re.VERBOSE,
)
# "Bürgerinnen und Bürger", "Bürger und Bürgerinnen": keep the first stem, drop the rest.
_PAIR = re.compile(
    rf"""
    (?<!{_C})(?P<s>{_L}{{2,}}?)(?P<drop>[Ii]nnen[ \t\u00a0]+(?:und|oder|bzw\.|sowie|&)[ \t\u00a0\n]+(?P=s)(?:n|s)?)(?!{_C})
  | (?<!{_C})(?P<t>{_L}{{2,}})(?P<drop2>n?[ \t\u00a0]+(?:und|oder|bzw\.|&)[ \t\u00a0\n]+(?P=t)innen)(?!{_C})
    """,
    re.VERBOSE,
)
_NOT_FEMININE = ("glycerin",)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue"}


def _drop_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that normalisation removes (gender suffixes, invisibles)."""
    spans: list[tuple[int, int]] = []
    if "nnen" in text:
        for m in _PAIR.finditer(text):
            name = "drop" if m.group("drop") is not None else "drop2"
            spans.append(m.span(name))
    if any(c in text for c in "*:_·\u2217\u2022/(I") or "in" in text:
        for m in _GENDER.finditer(text):
            name = m.lastgroup or "drop"
            if name == "drop6":
                word_start = m.start() - 1
                while word_start > 0 and text[word_start - 1].isalpha():
                    word_start -= 1
                if text[word_start:m.end()].casefold() in _NOT_FEMININE:
                    continue
            spans.append(m.span(name))
    if not text.isascii():
        spans += [m.span() for m in _INVISIBLE_RE.finditer(text)]
    return spans


def _fold_char(out: str) -> str:
    out = "".join(_UMLAUTS.get(c, c) for c in out)
    if out.isascii():
        return out
    decomposed = unicodedata.normalize("NFD", out)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _align(text: str, fold: bool) -> tuple[str, list[int], list[int]]:
    """Normalise ``text``; return it with each output character's original span."""
    drop = bytearray(len(text))
    for s, e in _drop_spans(text):
        drop[s:e] = b"\x01" * (e - s)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending = -1          # start of dropped characters before anything was kept
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        if drop[i]:
            if ends:
                ends[-1] = j          # a dropped suffix belongs to the character before it
            elif pending < 0:
                pending = i
            i = j
            continue
        cluster = text[i:j]
        piece = _DASHES.get(cluster) or unicodedata.normalize("NFC", cluster).casefold()
        if fold:
            piece = _fold_char(piece)
        start = i
        if pending >= 0:
            start, pending = pending, -1
        for ch in piece:
            out.append(ch)
            starts.append(start)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


@lru_cache(maxsize=200_000)
def _key(word: str, fold: bool) -> str:
    if word.isascii() and word.isalpha():
        return word.casefold() if "In" not in word and "in" not in word else _align(word, fold)[0]
    return _align(word, fold)[0]


def match_key(word: str, *, fold_umlauts: bool = False) -> str:
    """The matching key of a word or short phrase.

    Args:
        word: A word ("Bürger*innen") or phrase ("Bürgerinnen und Bürger").
        fold_umlauts: Also spell out umlauts (ä → ae) and drop accents, so that
            "fuer" and "für" get the same key.

    Returns:
        The key: casefolded, ß → ss, gendered forms collapsed, invisibles removed,
        runs of whitespace as one space.
    """
    word = " ".join(word.split())
    return _key(word, fold_umlauts)


def fold_umlauts(key: str) -> str:
    """Spell out umlauts and drop accents of an already casefolded key ("für" → "fuer")."""
    return _fold_char(key)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised text with a map back to the original.

    Attributes:
        text: The normalised text.
        original: The text it was made from.
        starts: For each character of ``text``, where its source starts in ``original``.
        ends: For each character of ``text``, where its source ends in ``original``
            (a removed gender suffix or soft hyphen belongs to the character before it).
    """

    text: str
    original: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``text[start:end]`` to the span of ``original`` it came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside the normalised text of length {len(self.text)}")
        if start == end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def normalize_text(text: str, *, fold_umlauts: bool = False) -> NormalizedText:
    """Apply :func:`match_key`'s normalisation to a whole text, keeping an offset map.

    Whitespace and punctuation are kept (casefolded), so word boundaries survive.

    Args:
        text: The original text.
        fold_umlauts: As in :func:`match_key`.

    Returns:
        The normalised text with, per character, its source span in ``text``.
    """
    norm, starts, ends = _align(text, fold_umlauts)
    return NormalizedText(norm, text, tuple(starts), tuple(ends))


def strip_gender(word: str) -> str:
    """``word`` as written without gender suffixes and invisible characters.

    "Bürger*innen" → "Bürger", "BürgerInnen" → "Bürger", "Klima\\u00adanpassung" →
    "Klimaanpassung". Case and umlauts are kept; for display-side lemmas.
    """
    spans = _drop_spans(word)
    if not spans:
        return word
    keep = bytearray(b"\x01") * len(word)
    for s, e in spans:
        keep[s:e] = b"\x00" * (e - s)
    return "".join(c for c, k in zip(word, keep) if k)
