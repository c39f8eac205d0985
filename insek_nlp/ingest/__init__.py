"""Ingestion: source files → stored documents, passages and comments.

:func:`ingest` reads a batch of files (drafts as PDF, comment exports as
CSV/XLSX/JSONL, workshop notes as DOCX/Markdown/text). Each file is stored in
its own transaction, so a failure in one never touches the others; a file
that cannot be read is still recorded with a German message saying what is
wrong and what to do.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from insek_nlp.errors import IngestError, InputError
from insek_nlp.ingest.base import MAX_FILE_MB_DEFAULT, Extraction
from insek_nlp.ingest.passages import blocks_to_passages
from insek_nlp.store import Store
from insek_nlp.types import Comment, DocumentKind, IngestResult, Problem

log = logging.getLogger(__name__)

DRAFT_EXTENSIONS = {".pdf"}
TABLE_EXTENSIONS = {".csv", ".tsv", ".xlsx", ".xlsm", ".jsonl", ".ndjson"}
NOTE_EXTENSIONS = {".docx", ".md", ".markdown", ".txt"}
SUPPORTED_EXTENSIONS = DRAFT_EXTENSIONS | TABLE_EXTENSIONS | NOTE_EXTENSIONS


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Options that change how files are read.

    ``columns`` maps column roles (text, title, id, created, location, lat,
    lon, category, author, url) to column names of comment tables.
    """

    kind: DocumentKind | None = None
    columns: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    sheet: str | int | None = None
    password: str | None = None
    max_mb: float = MAX_FILE_MB_DEFAULT
    max_pages: int = 2000
    pdf_backend: str = "auto"


def document_key(path: Path) -> str:
    """Stable identifier of a logical document across versions: its file name as a slug."""
    name = unicodedata.normalize("NFKD", path.name.casefold())
    name = name.replace("ß", "ss")
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9.]+", "-", name).strip("-.") or "dokument"


def guess_kind(path: Path) -> DocumentKind:
    ext = path.suffix.lower()
    if ext in DRAFT_EXTENSIONS:
        return "draft"
    if ext in TABLE_EXTENSIONS:
        return "comments"
    if ext in NOTE_EXTENSIONS:
        return "notes"
    raise IngestError(
        f"Das Dateiformat „{ext or path.name}“ wird nicht unterstützt.",
        hint="Möglich sind PDF (Entwürfe), CSV/XLSX/JSONL (Beiträge) und DOCX/Markdown/TXT (Protokolle).",
        code="unsupported",
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus supported files inside named folders (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS
                              and not f.name.startswith((".", "~$"))))
        else:
            out.append(p)
    return out


def read_file(path: Path, kind: DocumentKind, options: IngestOptions) -> Extraction:
    """Read one file with the reader its extension calls for."""
    ext = path.suffix.lower()
    if ext in DRAFT_EXTENSIONS:
        from insek_nlp.ingest.pdf import read_pdf

        return read_pdf(path, password=options.password, backend=options.pdf_backend,  # type: ignore[arg-type]
                        max_pages=options.max_pages)
    if ext in TABLE_EXTENSIONS or (kind == "comments" and ext == ".txt"):
        from insek_nlp.ingest.tables import read_table

        return read_table(path, columns=options.columns or None, sheet=options.sheet)
    if ext == ".docx":
        from insek_nlp.ingest.notes import read_docx

        return read_docx(path)
    if ext in (".md", ".markdown"):
        from insek_nlp.ingest.notes import read_markdown

        return read_markdown(path)
    if ext == ".txt":
        from insek_nlp.ingest.notes import read_plain_text

        return read_plain_text(path)
    guess_kind(path)  # raises the "unsupported" error
    raise AssertionError("unreachable")  # pragma: no cover


def _sha256(path: Path, *, max_bytes: float | None = None) -> tuple[str, int]:
    """Content hash and size. Files above ``max_bytes`` are refused unread, so they get a
    cheap fingerprint (``"gross:"`` + hash of size, first and last MiB) instead of a full hash."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        return _fingerprint(path, size), size
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fingerprint(path: Path, size: int) -> str:
    h = hashlib.sha256(str(size).encode() + b"\0")
    with path.open("rb") as fh:
        h.update(fh.read(1 << 20))
        fh.seek(max(size - (1 << 20), 0))
        h.update(fh.read(1 << 20))
    return "gross:" + h.hexdigest()


def _status_for(ext: Extraction) -> str:
    return "warning" if any(p.severity in ("warning", "error") for p in ext.problems) else "ok"


def ingest_file(store: Store, path: str | Path, options: IngestOptions = IngestOptions()) -> IngestResult:
    """Read and store one file. Never raises for a bad file: the result says what happened."""
    path = Path(path)
    if not path.is_file():
        return IngestResult(str(path), "failed", None, f"„{path}“ gibt es nicht oder es ist keine Datei.")
    kind_error: IngestError | None = None
    try:
        kind = options.kind or guess_kind(path)
    except IngestError as exc:
        kind, kind_error = "notes", exc
    key = document_key(path)
    try:
        sha, size = _sha256(path, max_bytes=options.max_mb * 1024 * 1024)
    except OSError as exc:
        return IngestResult(str(path), "failed", None, f"„{path.name}“ kann nicht gelesen werden: {exc.strerror}.")
    versions = store.document_versions(key)
    # Compare with the version analysis works on, not with any older one: a file
    # reverted to earlier bytes must become a new version again.
    current = next((d for d in reversed(versions) if d.readable), None)
    if current is not None and current.sha256 == sha and current.kind == kind:
        return IngestResult(str(path), "unchanged", current,
                            f"„{path.name}“ ist unverändert (Version {current.version}).")
    latest = versions[-1] if versions else None
    replace_id = None
    if latest is not None and not latest.readable and latest.kind == kind and (
            latest.sha256 == sha or (latest.sha256.startswith("gross:") and latest.size == size
                                     and latest.sha256 == _fingerprint(path, size))):
        replace_id = latest.id  # same bytes failed last time: try again (e.g. now with a password)
    if kind_error is not None:
        return _record_failure(store, path, kind, kind_error, sha=sha, size=size, replace_id=replace_id)
    if size > options.max_mb * 1024 * 1024:
        exc = IngestError(
            f"„{path.name}“ ist {_de_number(size / 1024 / 1024)} MB groß; die Grenze liegt bei "
            f"{_de_number(options.max_mb)} MB.",
            hint="Bitte die Datei aufteilen oder die Grenze erhöhen (--max-mb).",
            code="too_large",
        )
        return _record_failure(store, path, kind, exc, sha=sha, size=size, replace_id=replace_id)
    try:
        ext = read_file(path, kind, options)
    except IngestError as exc:
        return _record_failure(store, path, kind, exc, sha=sha, size=size, replace_id=replace_id)
    except MemoryError as exc:
        err = IngestError(f"„{path.name}“ ist zu groß, um im Speicher verarbeitet zu werden.",
                          hint="Bitte die Datei aufteilen.", code="too_large")
        log.error("memory error reading %s: %s", path, exc)
        return _record_failure(store, path, kind, err, sha=sha, size=size, replace_id=replace_id)
    except Exception as exc:  # a reader bug must not stop the batch
        log.exception("unexpected error reading %s", path)
        err = IngestError(
            f"Beim Lesen von „{path.name}“ ist ein unerwarteter Fehler aufgetreten ({type(exc).__name__}: {exc}).",
            hint="Bitte die Datei prüfen oder erneut exportieren; andere Dateien sind nicht betroffen.",
            code="unexpected",
        )
        return _record_failure(store, path, kind, err, sha=sha, size=size, replace_id=replace_id)

    version = (max((d.version for d in versions), default=0) + 1) if not replace_id else None
    doc_id_hint = f"{key}@{version}" if version else replace_id
    assert doc_id_hint is not None
    passages, fulltext = blocks_to_passages(doc_id_hint, ext.blocks) if ext.blocks else ([], "")
    comments = [
        Comment(doc_id=doc_id_hint, row=r.row, text=r.text, title=r.title, external_id=r.external_id,
                created=r.created, location=r.location, lat=r.lat, lon=r.lon, category=r.category,
                author=r.author, url=r.url, metadata=r.metadata)
        for r in ext.comments
    ]
    if kind == "comments" and not comments and not passages:
        err = IngestError(f"„{path.name}“ enthält keine Beiträge.",
                          hint="Bitte prüfen, ob die richtige Tabelle bzw. das richtige Blatt gewählt wurde.",
                          code="empty")
        return _record_failure(store, path, kind, err, sha=sha, size=size, replace_id=replace_id)
    status = _status_for(ext)
    message = _summary_message(path, kind, ext, passages, comments)
    problems = [Problem(doc_id_hint, p.severity, p.code, p.message, p.location) for p in ext.problems]
    doc = store.add_document(
        key=key, path=str(path.resolve()), name=path.name, sha256=sha, size=size, kind=kind, title=ext.title,
        pages=ext.pages, status=status, message=message, extractor=ext.extractor, passages=passages,
        comments=comments, problems=problems, fulltext=fulltext, columns=ext.columns, replace_id=replace_id,
    )
    if doc.id != doc_id_hint:  # pragma: no cover - a concurrent writer took the version number
        log.warning("document id changed from %s to %s by a concurrent ingest", doc_id_hint, doc.id)
    outcome = "new_version" if doc.version > 1 else "added"
    return IngestResult(str(path), outcome, doc, message, tuple(problems))


def _de_number(value: float) -> str:
    """A file size in MB as German text: 1,5 / 0,001 (small limits stay visible)."""
    text = f"{value:.1f}".removesuffix(".0") if value >= 0.1 else f"{value:.2g}"
    return text.replace(".", ",")


def _summary_message(path: Path, kind: str, ext: Extraction, passages, comments) -> str:
    if kind == "comments" or comments:
        msg = f"{len(comments)} Beitr{'ag' if len(comments) == 1 else 'äge'} eingelesen"
    else:
        pages = f" von {ext.pages} Seite{'' if ext.pages == 1 else 'n'}" if ext.pages else ""
        msg = f"{len(passages)} Abschnitt{'' if len(passages) == 1 else 'e'}{pages} eingelesen"
    n_warn = sum(p.severity != "info" for p in ext.problems)
    if n_warn:
        msg += f"; {n_warn} Hinweis{'e' if n_warn > 1 else ''} – siehe insek status"
    return msg + "."


def _record_failure(store: Store, path: Path, kind: str, exc: IngestError, *, sha: str | None = None,
                    size: int | None = None, replace_id: str | None = None) -> IngestResult:
    """Record a file that could not be read, so that status shows it."""
    message = str(exc)
    if sha is None:
        try:
            sha, size = _sha256(path)
        except OSError:
            return IngestResult(str(path), "failed", None, message)
    key = document_key(path)
    doc = store.add_document(
        key=key, path=str(path.resolve()), name=path.name, sha256=sha, size=size or 0, kind=kind,
        title=path.stem, pages=exc.pages, status=exc.status if exc.status in ("failed", "no_text", "encrypted") else "failed",
        message=message, extractor=None, replace_id=replace_id,
        problems=[Problem("", "error", exc.code, exc.message, None)],
    )
    log.info("could not ingest %s: %s", path, message)
    return IngestResult(str(path), "failed", doc, message, (Problem(doc.id, "error", exc.code, exc.message),))


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    options: IngestOptions = IngestOptions(),
    *,
    progress: Callable[[int, int, Path], None] | None = None,
) -> list[IngestResult]:
    """Ingest a batch of files and folders; every file gets a result, in order."""
    files = expand_paths(paths)
    if not files:
        raise InputError("Keine Dateien zum Einlesen gefunden.",
                         hint="Bitte Dateien oder Ordner mit PDF-, CSV-, XLSX-, DOCX- oder Markdown-Dateien angeben.")
    results = []
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path)
        results.append(ingest_file(store, path, options))
    if progress:
        progress(len(files), len(files), files[-1])
    return results


__all__ = [
    "IngestOptions",
    "document_key",
    "expand_paths",
    "guess_kind",
    "ingest",
    "ingest_file",
    "read_file",
]
