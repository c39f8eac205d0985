"""Shared shapes of the ingestion stage.

Every reader turns one file into an :class:`Extraction`: either a list of
:class:`Block` (drafts, notes) or a list of :class:`CommentRecord` (comment
tables), plus the problems it met. The orchestrator (``ingest/__init__.py``)
turns blocks into passages and stores everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from insek_nlp.types import PassageKind

MAX_FILE_MB_DEFAULT = 50


@dataclass(frozen=True, slots=True)
class Block:
    """A structural unit of a text document before passage segmentation.

    ``section`` is the heading path the block stands under (for a heading: the
    path including itself). ``level`` is the heading depth (1 = top) for
    headings and 0 otherwise.
    """

    kind: PassageKind
    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    level: int = 0


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """One data row of a comment table, with column roles resolved.

    ``row`` is the 1-based data row number (header rows excluded), ``line``
    the physical line/row in the file where it starts (for messages).
    """

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
    metadata: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RawProblem:
    """A problem met while reading, before it is tied to a stored document."""

    severity: str  # "info" | "warning" | "error"
    code: str
    message: str  # German, user-facing
    location: str | None = None


@dataclass(slots=True)
class Extraction:
    """The result of reading one file."""

    title: str = ""
    pages: int | None = None
    blocks: list[Block] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    problems: list[RawProblem] = field(default_factory=list)
    extractor: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # role -> column name (tables)

    def warn(self, code: str, message: str, location: str | None = None) -> None:
        self.problems.append(RawProblem("warning", code, message, location))

    def info(self, code: str, message: str, location: str | None = None) -> None:
        self.problems.append(RawProblem("info", code, message, location))
