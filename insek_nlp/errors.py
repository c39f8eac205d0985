"""The exception hierarchy of insek-nlp.

Messages are German: they reach planners through the CLI and the UI. Every
error says what is wrong and, in ``hint``, what to do next.
"""

from __future__ import annotations


class InsekError(Exception):
    """Base class of all errors the toolkit raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class IngestError(InsekError):
    """A source file could not be read (or only partly)."""

    code = "ingest"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        code: str | None = None,
        status: str = "failed",
        pages: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint, code=code)
        self.status = status
        self.pages = pages


class InputError(InsekError):
    """Arguments or options that do not fit (wrong column name, bad path …)."""

    code = "input"


class StoreError(InsekError):
    """The project store cannot be opened or is inconsistent."""

    code = "store"


class TaxonomyError(InsekError):
    """A taxonomy file is malformed."""

    code = "taxonomy"


class KnowledgeBaseError(InsekError):
    """A conflict knowledge-base file (``models/conflicts/*.yaml``) is malformed."""

    code = "knowledge"


class DependencyError(InsekError):
    """An optional dependency is missing; the hint names the extra to install."""

    code = "dependency"


__all__ = [
    "DependencyError",
    "KnowledgeBaseError",
    "IngestError",
    "InputError",
    "InsekError",
    "StoreError",
    "TaxonomyError",
]
