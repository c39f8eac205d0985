"""Domain objects of insek-nlp: small, frozen, typed.

Everything that flows between pipeline stages is one of these dataclasses.
DataFrames appear only at the edges (tables in, exports out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

DocumentKind = Literal["draft", "comments", "notes"]
"""What a source file is: a Fachkonzept draft, a comment export, workshop notes."""

DocumentStatus = Literal["ok", "warning", "failed", "no_text", "encrypted"]
"""Outcome of ingesting one file version.

``ok``: read completely. ``warning``: read, but with problems worth a look
(skipped rows, unreadable pages). ``failed``: nothing could be read (corrupt,
empty, unsupported, too large). ``no_text``: a PDF without a text layer (scan,
needs OCR). ``encrypted``: protected by a password we do not have.
"""

PassageKind = Literal["heading", "paragraph", "list_item", "table_row"]

DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("draft", "comments", "notes")
READABLE_STATUSES: frozenset[str] = frozenset({"ok", "warning"})


@dataclass(frozen=True, slots=True)
class Document:
    """One stored version of a source file.

    ``key`` identifies the logical document across versions (a slug of the file
    name); ``id`` is ``"<key>@<version>"``.
    """

    id: str
    key: str
    version: int
    path: str
    name: str
    sha256: str
    size: int
    kind: DocumentKind
    title: str
    pages: int | None
    status: DocumentStatus
    message: str | None
    extractor: str | None
    ingested_at: str
    n_passages: int = 0
    n_comments: int = 0

    @property
    def readable(self) -> bool:
        return self.status in READABLE_STATUSES


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph-level unit of a draft or of workshop notes.

    ``section`` is the heading path, e.g. ``("2 Ziele", "2.2 Fachkonzepte")``;
    ``page`` is 1-based for PDFs and ``None`` otherwise; ``start``/``end`` are
    character offsets into the document's extracted full text.
    """

    doc_id: str
    ordinal: int
    text: str
    kind: PassageKind = "paragraph"
    section: tuple[str, ...] = ()
    page: int | None = None
    start: int | None = None
    end: int | None = None

    @property
    def id(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"


@dataclass(frozen=True, slots=True)
class Comment:
    """One citizen contribution from a comment export.

    ``row`` is the 1-based data row of the source table (header excluded), so a
    planner can find the comment in the original file. Columns without a known
    role are kept unchanged in ``metadata``.
    """

    doc_id: str
    row: int
    text: str
    title: str = ""
    external_id: str | None = None
    created: str | None = None
    location: str | None = None
    lat: float | None = None
    lon: float | None = None
    category: str | None = None
    author: str | None = None
    url: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.doc_id}#{self.row}"

    @property
    def full_text(self) -> str:
        """Title and text together, as analysis stages read them."""
        if self.title and not self.text.startswith(self.title):
            return f"{self.title}. {self.text}" if self.text else self.title
        return self.text


@dataclass(frozen=True, slots=True)
class Problem:
    """Something found while reading a file that the user should know about."""

    doc_id: str
    severity: Literal["info", "warning", "error"]
    code: str
    message: str  # German, user-facing
    location: str | None = None  # e.g. "Zeile 17", "Seite 3"


@dataclass(frozen=True, slots=True)
class Review:
    """A reviewer's decision on a target (a flag, a label, a cluster …).

    Reviews are appended, never overwritten: the latest per target counts, the
    history stays.
    """

    target_type: str
    target_id: str
    decision: str
    label: str | None = None
    note: str | None = None
    reviewer: str | None = None
    created_at: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """One analysis run and its manifest (versions, settings, input hashes)."""

    id: int
    started_at: str
    finished_at: str | None
    status: Literal["running", "finished", "failed", "interrupted"]  # interrupted: the process died
    manifest: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one input file."""

    path: str
    outcome: Literal["added", "new_version", "unchanged", "failed"]
    document: Document | None
    message: str  # German, user-facing
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class TermHit:
    """A taxonomy term found in a text: character offsets into the original text."""

    term: str
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class ThemeScore:
    """How strongly one text belongs to one theme, with the evidence for it.

    ``score`` is a calibrated probability in [0, 1]. ``terms`` are the
    taxonomy terms found in the text; ``examples`` the ids and similarities of
    the most similar labelled examples (empty for zero-shot).
    """

    theme_id: str
    score: float
    terms: tuple[TermHit, ...] = ()
    examples: tuple[tuple[str, float], ...] = ()
    method: str = ""


UNCERTAIN = "unsicher"
"""The bucket for texts no theme reaches the threshold for; never a theme id."""


ConflictStatus = Literal["offen", "bestätigt", "verworfen"]
CONFLICT_STATUSES: tuple[ConflictStatus, ...] = ("offen", "bestätigt", "verworfen")


@dataclass(frozen=True, slots=True)
class ConflictSide:
    """One passage of a flagged goal conflict.

    ``quote`` is the sentence that carries the goal; ``cues`` are
    ``(start, end, what)`` character spans in ``text`` that made the flag
    (terms of a trade-off side, direction words, places, conflict words).
    """

    passage_id: str
    doc_id: str
    doc_title: str
    page: int | None
    section: tuple[str, ...]
    text: str
    quote: str
    cues: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ConflictFlag:
    """A candidate goal conflict between two passages, ranked by ``score``.

    ``key`` depends only on the two passage texts, so a reviewer's decision
    holds across re-runs until one of the passages changes.
    """

    key: str
    rank: int
    score: float
    type: str
    type_label: str  # German
    a: ConflictSide
    b: ConflictSide
    explanation: str  # one German sentence
    evidence: Mapping[str, Any] = field(default_factory=dict)
    status: ConflictStatus = "offen"
    note: str | None = None
    reviewer: str | None = None
