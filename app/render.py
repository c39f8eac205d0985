"""Small, safe HTML and German formatting helpers for the review UI.

Citizen and draft text is untrusted: every piece of it goes through
:func:`esc` before it is put into HTML. Highlighting works on the raw text's
character offsets and escapes each segment separately, so a match never
splits an entity and a ``<script>`` in a comment stays text.
"""

from __future__ import annotations

import html
from typing import Iterable, Sequence


def esc(text: object) -> str:
    """HTML-escape any value (``None`` becomes an empty string)."""
    return html.escape("" if text is None else str(text), quote=True)


def highlight(text: str, spans: Iterable[tuple[int, int, str]], *, masks: Iterable[tuple[int, int, str]] = (),
              css_class: str = "treffer") -> str:
    """``text`` as escaped HTML with ``<mark>`` around the given ``(start, end, title)`` spans.

    ``masks`` are ``(start, end, placeholder)`` spans of personal data: they are replaced by their
    placeholder, and a highlight that touches one is dropped (it would reveal it). Overlapping or
    out-of-range highlights are skipped (the earlier one wins).
    """
    hidden = sorted((int(s), int(e), p) for s, e, p in masks)
    items = [(s, e, "mask", p) for s, e, p in hidden]
    items += [(int(s), int(e), "mark", t) for s, e, t in spans
              if not any(int(s) < me and ms < int(e) for ms, me, _ in hidden)]
    out: list[str] = []
    pos = 0
    for start, end, kind, label in sorted(items, key=lambda it: (it[0], it[2] != "mask", it[1])):
        if start < pos or end <= start or end > len(text):
            continue
        out.append(esc(text[pos:start]))
        if kind == "mask":
            out.append(f'<span class="maskiert" title="persönliche Angabe verborgen">{esc(label)}</span>')
        else:
            out.append(f'<mark class="{css_class}" title="{esc(label)}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def personal_data(text: str) -> list[tuple[int, int, str]]:
    """Spans of personal data in citizen text, with their German placeholder (for :func:`highlight`)."""
    from insek_nlp.privacy import MASKS, mask_personal_data

    return [(s.start, s.end, MASKS[s.kind]) for s in mask_personal_data(text or "").spans]


def masked(text: str | None) -> str:
    """Citizen text with personal data replaced ("[E-Mail]", "[Name]" …)."""
    from insek_nlp.privacy import mask_text

    return mask_text(text) or ""


def de_int(n: int | float | None) -> str:
    """German thousands separator: 10.000."""
    return "–" if n is None else f"{int(n):,}".replace(",", ".")


def n_of(n: int, singular: str, plural: str) -> str:
    """"1 Beitrag", "3 Beiträge" (German thousands separator)."""
    return f"{de_int(n)} {singular if n == 1 else plural}"


def de_float(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}".replace(".", ",")


def de_pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f} %"


def de_date(iso: str | None) -> str:
    """``2025-02-03…`` → ``03.02.2025``; anything else unchanged."""
    if not iso or len(iso) < 10 or iso[4] != "-" or iso[7] != "-":
        return iso or "–"
    return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"


def parse_de_date(value: str | None) -> str | None:
    """``TT.MM.JJJJ`` (or ISO) → ``JJJJ-MM-TT``; empty → ``None``.

    Raises:
        ValueError: not a date in one of these forms.
    """
    value = (value or "").strip()
    if not value:
        return None
    from datetime import date

    if "." in value:
        parts = value.split(".")
        if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
            d, m, y = (int(p) for p in parts)
            return date(y if y > 99 else 2000 + y, m, d).isoformat()
    else:
        return date.fromisoformat(value[:10]).isoformat()
    raise ValueError(value)


def section_text(section: Sequence[str]) -> str:
    return " › ".join(section) if section else "–"


def where(page: int | None, section: Sequence[str]) -> str:
    """Provenance of a passage as escaped HTML: "S. 3 · 2 Ziele › 2.1 Wohnen"."""
    parts = []
    if page:
        parts.append(f"S. {page}")
    if section:
        parts.append(section_text(section))
    return esc(" · ".join(parts) or "ohne Seitenangabe")


def badge(text: str, kind: str = "neutral") -> str:
    return f'<span class="badge badge-{esc(kind)}">{esc(text)}</span>'


def message(text: str, kind: str = "info") -> str:
    """A visible message box (info, ok, warnung, fehler); ``text`` is escaped."""
    return f'<div class="meldung meldung-{esc(kind)}">{esc(text)}</div>'
