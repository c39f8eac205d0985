"""Recognising numbered headings and list items in German planning documents.

Shared by the PDF and plain-text readers. Headings in Fachkonzepte are
numbered ("2.2 Fachkonzepte", "C.1. Wohnen", "§ 3 Geltungsbereich",
"Anlage 2 Maßnahmenübersicht", "II. Ziele"); list items start with a bullet
or an enumerator ("1.", "a)", "–").
"""

from __future__ import annotations

import re

_MAX_HEADING_CHARS = 110
_MAX_HEADING_WORDS = 14

# "2", "2.2", "2.2.1", optionally followed by "." — then a capitalised word.
_DECIMAL = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?P<title>\S.*)$")
# "C", "C.1", "C.1.", "B.2.3" (a capital letter as top level)
_LETTERED = re.compile(r"^(?P<num>[A-H](?:\.\d{1,2}){1,3})\.?\s+(?P<title>\S.*)$")
_LETTER_ONLY = re.compile(r"^(?P<num>[A-H])[.)]\s+(?P<title>\S.*)$")
_ROMAN = re.compile(r"^(?P<num>(?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(?P<title>\S.*)$")
_PARAGRAPH = re.compile(r"^(?P<num>§\s?\d+[a-z]?)\s+(?P<title>\S.*)$")
_ANNEX = re.compile(
    r"^(?P<num>(?:Anlage|Anhang|Teil|Kapitel|Abschnitt)\s+(?:\d{1,2}|[A-H]|[IVX]{1,4})(?:\.\d{1,2})*)"
    r"(?:\s*[:.–-]\s*|\s+|$)(?P<title>.*)$"
)
_TOC_TAIL = re.compile(r"(?:\.{3,}|…|\s)\s*\d{1,3}\s*$")

_BULLETS = "•◦▪▫‣∙·●○■□➢►▶✓✔-–—*"
_BULLET = re.compile(rf"^[{re.escape(_BULLETS)}]\s+(?P<text>\S.*)$")
_ENUM = re.compile(r"^(?P<marker>\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])\s+(?P<text>\S.*)$")


def _plausible_title(title: str) -> bool:
    title = title.strip()
    if not title or len(title) > _MAX_HEADING_CHARS:
        return False
    if len(title.split()) > _MAX_HEADING_WORDS:
        return False
    first = title[0]
    if not (first.isupper() or first.isdigit() or first in "„\"'("):
        return False
    # A heading does not end like a sentence (a final colon or question is fine).
    if title.endswith((".", ";", ",")) and not title.endswith(("usw.", "ff.", "bzw.")):
        return False
    # Table-of-contents lines end in a page number.
    if _TOC_TAIL.search(title) and not re.search(r"\b(19|20)\d\d\s*$", title):
        return False
    return True


def match_heading(line: str) -> tuple[int, str] | None:
    """Return ``(level, heading text)`` if ``line`` reads as a numbered heading.

    Level 1 is the top. The heading text keeps its number ("2.2 Fachkonzepte")
    because planners cite sections by number.
    """
    line = " ".join(line.split())
    if not line or len(line) > _MAX_HEADING_CHARS + 12:
        return None
    m = _ANNEX.match(line)
    if m:
        title = m.group("title").strip()
        if title and not _plausible_title(title):
            return None
        if not title and len(line.split()) > 3:
            return None
        return 1, line
    m = _PARAGRAPH.match(line)
    if m and _plausible_title(m.group("title")):
        return 1, line
    m = _DECIMAL.match(line)
    if m and _plausible_title(m.group("title")):
        num = m.group("num")
        if int(num.split(".")[0]) == 0:
            return None
        # "1. Die Stadt soll …" is a list item, "1 Einleitung" / "1. Einleitung" a heading:
        # a single-number heading must be short.
        if "." not in num and len(m.group("title").split()) > 8:
            return None
        return num.count(".") + 1, line
    m = _LETTERED.match(line)
    if m and _plausible_title(m.group("title")):
        return m.group("num").count(".") + 1, line
    m = _LETTER_ONLY.match(line)
    if m and _plausible_title(m.group("title")) and len(m.group("title").split()) <= 8:
        return 1, line
    m = _ROMAN.match(line)
    if m and m.group("num") and _plausible_title(m.group("title")) and len(m.group("title").split()) <= 8:
        return 1, line
    return None


def match_list_item(line: str) -> tuple[str, str] | None:
    """Return ``(marker, text)`` if ``line`` starts a bullet or enumerated list item."""
    line = line.strip()
    m = _BULLET.match(line)
    if m:
        return line[0], m.group("text")
    if line and line[0] in "•◦▪‣●○■□➢►▶✓✔" and len(line) > 1:
        return line[0], line[1:].strip()
    m = _ENUM.match(line)
    if m:
        return m.group("marker"), m.group("text")
    return None


def looks_like_toc_line(line: str) -> bool:
    """A table-of-contents entry: text followed by dot leaders and/or a page number."""
    line = line.strip()
    if len(line) < 4:
        return False
    if re.search(r"(?:\.{4,}|…{2,}|(?:\. ){3,})\s*\d{1,3}$", line):
        return True
    return bool(re.match(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-H](?:\.\d{1,2})*\.?|Anlage\s+\d+)\s+\S.*\s\d{1,3}$", line))
