"""Coverage audit: which themes each draft covers, where, how strongly, what is missing.

Read from the theme scores of an analysis run. For every document (drafts,
workshop notes, and comment exports for the participation team) and theme:
the number and share of passages (or comments) assigned to the theme, the
strength (mean score of its three strongest passages), the strongest passages
with page and section, and a level:

- ``stark`` (strong): at least 3 passages and at least 5 % of the document;
- ``erwähnt`` (mentioned): at least one passage, or at least two different
  terms of the theme in the document (a draft that speaks of
  "Klimaanpassungsmaßnahmen" and "Hitzeinseln" does not miss the theme; one
  stray term is not enough);
- ``fehlt`` (missing): neither.

Gaps are the themes a document does not address (``fehlt``) or only mentions.
For drafts with an earlier version, the change per theme is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from insek_nlp.classify.taxonomy import Taxonomy
from insek_nlp.classify.themes import THEME_THRESHOLD
from insek_nlp.errors import InputError
from insek_nlp.store import Store
from insek_nlp.types import Document

Level = Literal["stark", "erwähnt", "fehlt"]
STRONG_MIN_PASSAGES = 3
STRONG_MIN_SHARE = 0.05
TOP_PASSAGES = 3


@dataclass(frozen=True, slots=True)
class PassageRef:
    """One of the strongest passages of a theme in a document."""

    target_id: str
    score: float
    text: str
    page: int | None = None
    section: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CoverageCell:
    doc_id: str
    theme_id: str
    n: int
    share: float
    strength: float
    level: Level
    top: tuple[PassageRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ThemeChange:
    """How a theme's coverage changed between two versions of a document."""

    key: str
    theme_id: str
    old_version: int
    new_version: int
    old_n: int
    new_n: int
    old_level: Level
    new_level: Level


@dataclass(frozen=True, slots=True)
class CoverageReport:
    taxonomy: Taxonomy
    run_id: int
    documents: tuple[Document, ...]
    cells: dict[tuple[str, str], CoverageCell] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # doc_id → number of units
    changes: tuple[ThemeChange, ...] = ()
    uncertain: dict[str, int] = field(default_factory=dict)  # doc_id → units without any theme

    def cell(self, doc_id: str, theme_id: str) -> CoverageCell:
        return self.cells[(doc_id, theme_id)]

    def gaps(self, doc_id: str) -> list[tuple[str, Level]]:
        """Themes the document misses or only mentions, in taxonomy order."""
        return [(t.id, self.cells[(doc_id, t.id)].level) for t in self.taxonomy
                if self.cells[(doc_id, t.id)].level != "stark"]


MENTION_MIN_TERMS = 2


def _level(n: int, share: float, has_terms: bool) -> Level:
    if n >= STRONG_MIN_PASSAGES and share >= STRONG_MIN_SHARE:
        return "stark"
    if n >= 1 or has_terms:
        return "erwähnt"
    return "fehlt"


def coverage(store: Store, taxonomy: Taxonomy, *, run_id: int | None = None, include_comments: bool = True
             ) -> CoverageReport:
    """Build the coverage report from the latest (or a given) run's theme scores.

    Raises:
        InputError: no analysis run has scored this taxonomy yet.
    """
    run_id = run_id or store.latest_theme_run(taxonomy.id)
    if run_id is None:
        raise InputError(
            f"Für die Taxonomie „{taxonomy.name}“ gibt es noch keinen Analyselauf.",
            hint="Bitte zuerst insek run --project … ausführen.",
        )
    current = store.documents(current=True)
    current_ids = {d.id for d in current}
    docs = [d for d in current if d.kind != "comments" or include_comments]
    previous = [d for d in store.documents(kind="draft") if d.readable and d.id not in current_ids]
    passage_scores = store.theme_scores(run_id, taxonomy.id, "passage")
    comment_scores = store.theme_scores(run_id, taxonomy.id, "comment")
    cells: dict[tuple[str, str], CoverageCell] = {}
    totals: dict[str, int] = {}
    uncertain: dict[str, int] = {}
    for d in docs + previous:
        if d.kind == "comments":
            units = [(c.id, c.full_text, None, ()) for c in store.comments([d.id])]
            scores = comment_scores
        else:
            units = [(p.id, p.text, p.page, p.section) for p in store.passages([d.id]) if p.kind != "heading"]
            scores = passage_scores
        totals[d.id] = len(units)
        uncertain[d.id] = sum(1 for uid, *_ in units
                              if max((s for s, _ in scores.get(uid, {}).values()), default=0.0) < THEME_THRESHOLD)
        for theme in taxonomy:
            assigned = []
            doc_terms: set[str] = set()
            for uid, text, page, section in units:
                sc, ev = scores.get(uid, {}).get(theme.id, (0.0, {}))
                doc_terms.update(t[0].casefold() for t in ev.get("terms", []))
                if sc >= THEME_THRESHOLD:
                    terms = tuple(dict.fromkeys(t[3] for t in ev.get("terms", [])))
                    assigned.append(PassageRef(uid, sc, text, page, tuple(section), terms))
            assigned.sort(key=lambda r: (-r.score, r.target_id))
            n = len(assigned)
            share = n / len(units) if units else 0.0
            strength = sum(r.score for r in assigned[:TOP_PASSAGES]) / TOP_PASSAGES if assigned else 0.0
            cells[(d.id, theme.id)] = CoverageCell(d.id, theme.id, n, round(share, 4), round(strength, 3),
                                                   _level(n, share, len(doc_terms) >= MENTION_MIN_TERMS), tuple(assigned[:TOP_PASSAGES]))
    changes = []
    for old in previous:
        new = next((d for d in docs if d.key == old.key), None)
        if new is None:
            continue
        for theme in taxonomy:
            a, b = cells[(old.id, theme.id)], cells[(new.id, theme.id)]
            if a.n != b.n or a.level != b.level:
                changes.append(ThemeChange(new.key, theme.id, old.version, new.version, a.n, b.n, a.level, b.level))
    # Previous versions only feed the change list.
    cells = {k: v for k, v in cells.items() if k[0] in {d.id for d in docs}}
    return CoverageReport(taxonomy, run_id, tuple(docs), cells, {d.id: totals[d.id] for d in docs}, tuple(changes),
                          {d.id: uncertain[d.id] for d in docs})
