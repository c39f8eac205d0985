"""Readers for workshop notes: DOCX, Markdown and plain text.

Each reader turns one file into an :class:`~insek_nlp.ingest.base.Extraction`
whose ``blocks`` follow the reading order: headings (with their level and the
heading path), paragraphs, list items and table rows. Table rows are written as
``"Spalte: Wert; Spalte: Wert"`` so that each row reads as a passage of its own.

Messages of the raised :class:`~insek_nlp.errors.IngestError` are German: they
reach planners through the CLI and the UI.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from insek_nlp.errors import DependencyError, IngestError
from insek_nlp.ingest.base import Block, Extraction
from insek_nlp.ingest.encoding import decode_text
from insek_nlp.ingest.headings import match_heading, match_list_item
from insek_nlp.types import PassageKind

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocxDocument
    from markdown_it.token import Token

__all__ = ["read_docx", "read_markdown", "read_plain_text"]

logger = logging.getLogger(__name__)

# Archive-bomb guard for DOCX (a DOCX is a ZIP archive).
MAX_DOCX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_DOCX_COMPRESSION_RATIO = 200
# Below this many uncompressed bytes the ratio says nothing dangerous.
_RATIO_CHECK_MIN_BYTES = 1024 * 1024

_MAX_HEADING_LEVEL = 6

_NO_TEXT_MESSAGE = "Die Datei enthält keinen Text."

# Soft hyphen and zero-width characters: invisible, but they split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# A soft hyphen at a line end marks a word broken across lines.
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\r?\n[ \t]*(?=\w)")


def _clean(text: str) -> str:
    """NFC, invisible characters removed, whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    return " ".join(text.split())


def _is_bullet_marker(marker: str) -> bool:
    """True for "•", "-", "–" …; False for enumerators like "1.", "a)", "(iv)"."""
    return marker[-1] not in ".)"


def _list_item_text(text: str) -> str:
    """Strip a bullet from the start of ``text``; keep enumerators ("1.", "a)")."""
    m = match_list_item(text)
    if m and _is_bullet_marker(m[0]):
        return m[1].strip()
    return text


# --------------------------------------------------------------------------- shared


@dataclass(slots=True)
class _BlockBuilder:
    """Collects blocks and keeps track of the heading path."""

    blocks: list[Block] = field(default_factory=list)
    _path: list[tuple[int, str]] = field(default_factory=list)

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._path)

    def heading(self, text: str, level: int) -> None:
        text = _clean(text)
        if not text:
            return
        level = min(max(level, 1), _MAX_HEADING_LEVEL)
        # A heading of level k closes every open heading of level >= k.
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))
        self.blocks.append(Block("heading", text, self.section, None, level))

    def add(self, kind: PassageKind, text: str) -> None:
        text = _clean(text)
        if text:
            self.blocks.append(Block(kind, text, self.section, None, 0))

    def first_top_heading(self) -> str | None:
        return next((b.text for b in self.blocks if b.kind == "heading" and b.level == 1), None)


def _read_bytes(path: Path) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(
            f"Die Datei „{path.name}“ wurde nicht gefunden.",
            hint="Bitte den Pfad prüfen.",
            code="not_found",
        ) from exc
    except IsADirectoryError as exc:
        raise IngestError(
            f"„{path.name}“ ist ein Ordner, keine Datei.",
            hint="Bitte die einzelnen Dateien im Ordner angeben.",
            code="not_a_file",
        ) from exc
    except OSError as exc:
        raise IngestError(
            f"Die Datei „{path.name}“ konnte nicht gelesen werden ({exc.strerror or exc}).",
            hint="Bitte prüfen, ob die Datei geöffnet werden darf und nicht von einem anderen Programm gesperrt ist.",
            code="unreadable",
        ) from exc


_NOT_TEXT = {
    "pdf": ("ist eine PDF-Datei", "PDF-Entwürfe mit der Endung .pdf einlesen."),
    "zip": ("ist ein Word-/Excel-Dokument oder ein ZIP-Archiv",
            "Word-Dateien mit der Endung .docx, Excel-Tabellen mit .xlsx einlesen."),
    "ole": ("ist eine alte Office-Datei (.doc/.xls) oder passwortgeschützt",
            "In Word oder Excel öffnen und als .docx bzw. .xlsx (ohne Kennwort) speichern."),
    "archive": ("ist ein komprimiertes Archiv", "Das Archiv zuerst entpacken und die enthaltenen Dateien einlesen."),
    "image": ("ist ein Bild", "Protokolle als Text (DOCX, Markdown, TXT) einlesen; Fotos von Stellwänden bitte abtippen."),
    "binary": ("ist keine Textdatei (sie enthält Binärdaten)",
               "Bitte die richtige Datei wählen oder sie als Text (UTF-8) speichern."),
}


def _decode_notes(path: Path, data: bytes) -> tuple[str, str]:
    """Bytes of a Markdown/text file → (text, encoding); refuse binary files renamed to .md/.txt."""
    from insek_nlp.ingest.tables import _content_kind, _looks_binary  # noqa: PLC2701 - shared sniffing

    kind = _content_kind(data[:4096])
    if kind in _NOT_TEXT:
        what, hint = _NOT_TEXT[kind]
        raise IngestError(f"„{path.name}“ {what}, obwohl die Endung {path.suffix.lower() or '(keine)'} lautet.",
                          hint=hint, code="wrong_format")
    text, encoding = decode_text(data)
    if _looks_binary(text):
        what, hint = _NOT_TEXT["binary"]
        raise IngestError(f"„{path.name}“ {what}.", hint=hint, code="wrong_format")
    return text, encoding


def _no_text_error(path: Path, hint: str) -> IngestError:
    return IngestError(_NO_TEXT_MESSAGE, hint=hint, code="no_text", status="failed")


def _finish(path: Path, builder: _BlockBuilder, extraction: Extraction, title: str | None, hint: str) -> Extraction:
    if not builder.blocks:
        raise _no_text_error(path, hint)
    extraction.blocks = builder.blocks
    extraction.title = _clean(title or "") or builder.first_top_heading() or Path(path).stem
    logger.info(
        "read %s with %s: %d blocks, title %r",
        Path(path).name,
        extraction.extractor,
        len(extraction.blocks),
        extraction.title,
    )
    return extraction


# --------------------------------------------------------------------------- DOCX

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W_NS}}}{tag}"


_W_P, _W_TBL, _W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = (_w(t) for t in ("p", "tbl", "sdt", "sdtContent", "customXml"))
_W_TR, _W_TC, _W_R, _W_T = (_w(t) for t in ("tr", "tc", "r", "t"))
_W_INS, _W_DEL, _W_MOVE_FROM = _w("ins"), _w("del"), _w("moveFrom")
_W_TXBX = _w("txbxContent")
# Subtrees that carry no visible text of the paragraph itself.
_DOCX_SKIP = frozenset(
    {_W_DEL, _W_MOVE_FROM, f"{{{_MC_NS}}}Fallback", _w("pPr"), _w("rPr"), _w("instrText"), _w("delText")}
)
_DOCX_HINT = "Bitte die Datei in Word oder LibreOffice öffnen und als Word-Dokument (.docx) speichern."

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|ueberschrift)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "titel"})
_LIST_STYLE = re.compile(r"list|liste|aufzählung", re.IGNORECASE)
_MAX_BOLD_HEADING_CHARS = 120


def _de_int(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _check_docx_container(path: Path, data: bytes) -> None:
    """Reject what python-docx must not open: non-ZIPs, old Word files, archive bombs."""
    name = Path(path).name
    if not data.strip():
        raise _no_text_error(path, "Die Datei ist leer. Bitte die richtige Datei auswählen.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE compound file: either a password-protected DOCX (Word wraps it in
        # an encrypted container) or an old binary .doc.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise IngestError(
                f"„{name}“ ist passwortgeschützt (verschlüsselt) und kann nicht gelesen werden.",
                hint="Bitte den Kennwortschutz in Word entfernen (Datei › Informationen › Dokument schützen) "
                "und die Datei erneut als .docx speichern.",
                code="encrypted",
                status="encrypted",
            )
        raise IngestError(
            f"„{name}“ ist passwortgeschützt oder im alten Word-Format (.doc) gespeichert "
            "und kann nicht gelesen werden.",
            hint="Bitte als .docx speichern (in Word: Datei › Speichern unter › Word-Dokument) "
            "und einen Kennwortschutz vorher entfernen.",
            code="encrypted_or_old_format",
        )
    if data.startswith(b"%PDF"):
        raise IngestError(
            f"„{name}“ ist eine PDF-Datei, keine Word-Datei (.docx).",
            hint="Bitte als .docx speichern oder die PDF-Datei als Entwurf einlesen (--kind draft).",
            code="not_docx",
        )
    if data.lstrip().startswith(b"{\\rtf"):
        raise IngestError(
            f"„{name}“ ist eine RTF-Datei, keine Word-Datei (.docx).",
            hint=_DOCX_HINT,
            code="not_docx",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise IngestError(
            f"„{name}“ ist beschädigt oder keine Word-Datei (.docx).",
            hint="Bitte als .docx speichern (in Word oder LibreOffice: Speichern unter › Word-Dokument) "
            "und die neue Datei einlesen.",
            code="corrupt",
        ) from exc
    with archive:
        infos = archive.infolist()
        members = {info.filename for info in infos}
        total = sum(info.file_size for info in infos)
        ratio = total / max(len(data), 1)
        if total > MAX_DOCX_UNCOMPRESSED_BYTES or (
            total > _RATIO_CHECK_MIN_BYTES and ratio > MAX_DOCX_COMPRESSION_RATIO
        ):
            logger.warning(
                "refusing %s: %d bytes uncompressed from %d bytes (ratio %.0f)", name, total, len(data), ratio
            )
            raise IngestError(
                f"„{name}“ wird nicht geöffnet: entpackt wäre sie {_de_int(total / 1024 / 1024)} MB groß "
                f"(Verdichtung {_de_int(ratio)}:1). Das ist für ein Word-Dokument unplausibel "
                "und kann den Rechner lahmlegen.",
                hint="Bitte die Datei prüfen und, falls sie echt ist, in Word neu als .docx speichern "
                "(eingebettete Bilder und Objekte vorher verkleinern).",
                code="archive_bomb",
            )
        what = None
        if "content.xml" in members and "mimetype" in members:
            what = "eine OpenDocument-Datei (z. B. .odt)"
        elif any(m.startswith("xl/") for m in members):
            what = "eine Excel-Datei"
        elif any(m.startswith("ppt/") for m in members):
            what = "eine PowerPoint-Datei"
        elif "[Content_Types].xml" not in members:
            what = "ein ZIP-Archiv"
        if what:
            raise IngestError(
                f"„{name}“ ist {what}, keine Word-Datei (.docx).",
                hint=_DOCX_HINT,
                code="not_docx",
            )


def _on(el: Any) -> bool:
    """Value of an OOXML on/off property element (``<w:b/>``, ``<w:b w:val="0"/>``)."""
    if el is None:
        return False
    return el.get(_w("val"), "true").lower() not in {"0", "false", "off", "none"}


@dataclass(slots=True)
class _Inline:
    text: str = ""
    runs: list[Any] = field(default_factory=list)
    boxes: list[Any] = field(default_factory=list)
    tracked_changes: bool = False


def _inline(p: Any) -> _Inline:
    """Visible text of a ``w:p`` (tracked insertions accepted, deletions dropped).

    Unlike ``Paragraph.text`` this also reads runs inside ``w:ins``, fields and
    content controls. Text boxes are returned separately so they become blocks
    of their own.
    """
    out = _Inline()
    parts: list[str] = []

    def visit(el: Any) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _DOCX_SKIP:
                if tag in (_W_DEL, _W_MOVE_FROM):
                    out.tracked_changes = True
                continue
            if tag == _W_TXBX:
                out.boxes.append(child)
                continue
            if tag == _W_T:
                parts.append(child.text or "")
            elif tag == _w("tab"):
                parts.append("\t")
            elif tag in (_w("br"), _w("cr")):
                parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            elif tag == _W_R:
                rpr = child.find(_w("rPr"))
                if rpr is not None and _on(rpr.find(_w("vanish"))):
                    continue  # hidden text
                out.runs.append(child)
                visit(child)
            else:
                if tag == _W_INS:
                    out.tracked_changes = True
                visit(child)

    visit(p)
    out.text = "".join(parts)
    return out


def _style_chain(style: Any) -> Iterator[Any]:
    seen = 0
    while style is not None and seen < 10:
        yield style
        style = style.base_style
        seen += 1


def _style_heading_level(style: Any) -> int | None:
    for s in _style_chain(style):
        name = (s.name or "").strip()
        m = _HEADING_STYLE.match(name) or _HEADING_STYLE.match(s.style_id or "")
        if m:
            return max(int(m.group(1)), 1)
        if name.lower() in _TITLE_STYLES:
            return 1
        lvl = s.element.find(f"{_w('pPr')}/{_w('outlineLvl')}")
        if lvl is not None:
            level = _outline_level(lvl)
            if level is not None:
                return level
    return None


def _outline_level(el: Any) -> int | None:
    try:
        value = int(el.get(_w("val"), ""))
    except ValueError:
        return None
    return value + 1 if 0 <= value <= 8 else None  # 9 = body text


def _has_numbering(ppr: Any) -> bool:
    if ppr is None:
        return False
    num_id = ppr.find(f"{_w('numPr')}/{_w('numId')}")
    return num_id is not None and num_id.get(_w("val"), "0") != "0"


def _style_is_list(style: Any) -> bool:
    return any(
        _LIST_STYLE.search(s.name or "") or _has_numbering(s.element.find(_w("pPr"))) for s in _style_chain(style)
    )


def _style_bold(style: Any) -> bool | None:
    for s in _style_chain(style):
        bold = getattr(getattr(s, "font", None), "bold", None)
        if bold is not None:
            return bold
    return None


def _all_bold(paragraph: Any, runs: list[Any]) -> bool:
    from docx.text.run import Run

    text_runs = [Run(r, paragraph) for r in runs]
    text_runs = [r for r in text_runs if r.text.strip()]
    if not text_runs:
        return False
    para_bold = _style_bold(paragraph.style)
    for run in text_runs:
        bold = run.bold
        if bold is None and run.element.rPr is not None and run.element.rPr.rStyle is not None:
            bold = _style_bold(run.style)
        if bold is None:
            bold = para_bold
        if not bold:
            return False
    return True


class _DocxWalker:
    def __init__(self, document: DocxDocument, builder: _BlockBuilder) -> None:
        self.document = document
        self.builder = builder
        self.tracked_changes = False

    def walk(self, children: Iterable[Any]) -> None:
        for el in children:
            tag = el.tag
            if tag == _W_P:
                self.paragraph(el)
            elif tag == _W_TBL:
                self.table(el)
            elif tag == _W_SDT:
                content = el.find(_W_SDT_CONTENT)
                if content is not None:
                    self.walk(content)
            elif tag in (_W_CUSTOM_XML, _W_INS):
                self.walk(el)

    def paragraph(self, p: Any) -> None:
        from docx.text.paragraph import Paragraph

        inline = _inline(p)
        self.tracked_changes |= inline.tracked_changes
        text = _clean(inline.text)
        if text:
            paragraph = Paragraph(p, self.document)
            kind, level, text = self._classify(paragraph, p, inline, text)
            if kind == "heading":
                self.builder.heading(text, level)
            else:
                self.builder.add(kind, text)
        for box in inline.boxes:
            self.walk(box)

    def _classify(self, paragraph: Any, p: Any, inline: _Inline, text: str) -> tuple[PassageKind, int, str]:
        ppr = p.find(_w("pPr"))
        style = paragraph.style
        level = _style_heading_level(style)
        if level is None and ppr is not None:
            lvl = ppr.find(_w("outlineLvl"))
            if lvl is not None:
                level = _outline_level(lvl)
        if level is not None:
            return "heading", level, text
        if _style_is_list(style) or _has_numbering(ppr):
            return "list_item", 0, _list_item_text(text)
        if len(text) <= _MAX_BOLD_HEADING_CHARS:
            found = match_heading(text)
            if found and _all_bold(paragraph, inline.runs):
                return "heading", found[0], found[1]
        if match_list_item(text):
            return "list_item", 0, _list_item_text(text)
        return "paragraph", 0, text

    def table(self, tbl: Any) -> None:
        rows: list[list[tuple[int, int, str]]] = []  # per row: (grid column, span, text)
        for tr in tbl.iterchildren(_W_TR):
            col = _grid_before(tr)
            cells: list[tuple[int, int, str]] = []
            for tc in _row_cells(tr):
                span = _grid_span(tc)
                vmerge = tc.find(f"{_w('tcPr')}/{_w('vMerge')}")
                # A vertically merged cell is written once, in its first row.
                if vmerge is None or vmerge.get(_w("val"), "continue") != "continue":
                    cells.append((col, span, _cell_text(tc)))
                col += span
            rows.append(cells)
        first = next(tbl.iterchildren(_W_TR), None)
        marked = first is not None and _on(first.find(f"{_w('trPr')}/{_w('tblHeader')}"))
        _emit_table(self.builder, rows, header_flag=marked)


def _grid_before(tr: Any) -> int:
    el = tr.find(f"{_w('trPr')}/{_w('gridBefore')}")
    try:
        return int(el.get(_w("val"), "0")) if el is not None else 0
    except ValueError:
        return 0


def _grid_span(tc: Any) -> int:
    el = tc.find(f"{_w('tcPr')}/{_w('gridSpan')}")
    try:
        return max(int(el.get(_w("val"), "1")), 1) if el is not None else 1
    except ValueError:
        return 1


def _row_cells(tr: Any) -> Iterator[Any]:
    for el in tr:
        if el.tag == _W_TC:
            yield el
        elif el.tag in (_W_SDT, _W_CUSTOM_XML):  # cells wrapped in content controls
            container = el.find(_W_SDT_CONTENT) if el.tag == _W_SDT else el
            if container is not None:
                yield from (c for c in container if c.tag == _W_TC)


def _cell_text(tc: Any) -> str:
    return _clean(" ".join(_inline(p).text for p in tc.iter(_W_P)))


_NUMERIC_CELL = re.compile(r"^[\d\s.,:;%/€$+\-–—()]+$")


def _looks_like_header(rows: list[list[tuple[int, int, str]]]) -> bool:
    """First row of a table as column labels: short, distinct, not numbers or sentences."""
    if len(rows) < 2 or not rows[0]:
        return False
    texts = [text for _, _, text in rows[0]]
    if any(not t for t in texts) or len(set(texts)) != len(texts):
        return False
    for t in texts:
        if len(t) > 60 or len(t.split()) > 8 or _NUMERIC_CELL.match(t):
            return False
        if t.endswith((".", ";", "!")) and not t.endswith(("Nr.", "Str.", "ca.", "bzw.")):
            return False
    return True


def _emit_table(builder: _BlockBuilder, rows: list[list[tuple[int, int, str]]], *, header_flag: bool) -> None:
    """One ``table_row`` block per data row, labelled by the header row if there is one."""
    rows = [r for r in rows if any(text for _, _, text in r)]
    if not rows:
        return
    header = rows[0] if (header_flag and len(rows) > 1) or _looks_like_header(rows) else None
    for row in rows[1:] if header else rows:
        parts: list[str] = []
        for col, span, text in row:
            if not text:
                continue
            labels = [h for h_col, h_span, h in header or () if h_col < col + span and col < h_col + h_span]
            # A cell across several labelled columns (e.g. a group row) gets no label.
            label = labels[0] if len(labels) == 1 else ""
            parts.append(f"{label}: {text}" if label else text)
        builder.add("table_row", "; ".join(parts))


def read_docx(path: Path) -> Extraction:
    """Read workshop notes from a Word document (.docx).

    Args:
        path: The .docx file.

    Returns:
        An extraction with heading, paragraph, list-item and table-row blocks in
        document order; ``extractor`` is ``"docx"``.

    Raises:
        IngestError: The file is empty, corrupt, not a DOCX (an old .doc, a PDF,
            an encrypted file), implausibly large when unpacked, or has no text.
    """
    path = Path(path)
    data = _read_bytes(path)
    _check_docx_container(path, data)
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - a core dependency
        from insek_nlp.errors import DependencyError

        raise DependencyError(
            "Zum Lesen von Word-Dateien fehlt das Paket python-docx.",
            hint="Bitte `pip install insek-nlp` erneut ausführen (python-docx ist eine Grundabhängigkeit).",
        ) from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml and zip errors alike
        logger.debug("python-docx could not open %s", path, exc_info=True)
        raise IngestError(
            f"„{path.name}“ ist beschädigt oder keine gültige Word-Datei (.docx).",
            hint="Bitte die Datei in Word oder LibreOffice öffnen, als .docx speichern und die neue Datei einlesen.",
            code="corrupt",
        ) from exc

    builder = _BlockBuilder()
    extraction = Extraction(extractor="docx")
    walker = _DocxWalker(document, builder)
    try:
        walker.walk(document.element.body)
    except Exception as exc:
        logger.debug("failed walking %s", path, exc_info=True)
        raise IngestError(
            f"„{path.name}“ konnte nicht vollständig gelesen werden: der Inhalt ist beschädigt.",
            hint="Bitte die Datei in Word oder LibreOffice öffnen, als .docx speichern und erneut einlesen.",
            code="corrupt",
        ) from exc
    if walker.tracked_changes:
        extraction.info(
            "tracked_changes",
            "Die Datei enthält nachverfolgte Änderungen; gelesen wurde der Stand mit allen Änderungen angenommen.",
        )
    try:
        core_title = document.core_properties.title or ""
    except Exception:  # a broken docProps/core.xml must not stop the text
        logger.debug("no core properties in %s", path, exc_info=True)
        core_title = ""
    return _finish(
        path,
        builder,
        extraction,
        core_title,
        "Die Word-Datei enthält keinen lesbaren Text (vielleicht nur Bilder oder eingescannte Seiten). "
        "Bitte eine Datei mit Text verwenden.",
    )


# --------------------------------------------------------------------------- Markdown

_FRONT_MATTER_LINE = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*:\s*(.*?)\s*$")


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split ``---``-delimited ``key: value`` front matter from the top of ``text``."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        stripped = line.strip()
        if stripped in {"---", "..."}:
            return meta, "\n".join(lines[i + 1 :])
        if not stripped or stripped.startswith("#"):
            continue
        m = _FRONT_MATTER_LINE.match(line)
        if not m:
            return {}, text  # not front matter: leave it to Markdown (a thematic break)
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[m.group(1).lower()] = value
    return {}, text


def _inline_md(token: Token) -> str:
    """Text of an inline token without markup (emphasis, links, code ticks)."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in {"text", "code_inline", "html_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_md(child) or child.content)
    return "".join(parts)


@dataclass(slots=True)
class _MdItem:
    prefix: str
    parts: list[str] = field(default_factory=list)
    emitted: bool = False


class _MarkdownWalker:
    def __init__(self, builder: _BlockBuilder) -> None:
        self.builder = builder
        self.items: list[_MdItem] = []
        self.quote_depth = 0
        self.table: list[tuple[bool, list[str]]] | None = None  # (is header row, cells)
        self.row: list[str] | None = None
        self.row_is_header = False

    def _flush_item(self) -> None:
        """Emit the innermost open list item (its own text) before anything nested."""
        if self.items and not self.items[-1].emitted:
            item = self.items[-1]
            item.emitted = True
            text = _clean(" ".join(item.parts))
            if text:
                self.builder.add("list_item", f"{item.prefix}{text}" if item.prefix else _list_item_text(text))

    def walk(self, tokens: list[Token]) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            t = tok.type
            inline = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else None
            if t == "heading_open":
                self._flush_item()
                text = _inline_md(inline) if inline else ""
                if self.quote_depth or self.items:
                    self._text_block(text)
                else:
                    self.builder.heading(text, int(tok.tag[1:]))
                i += 3 if inline else 2
                continue
            if t == "paragraph_open":
                text = _inline_md(inline) if inline else ""
                if self.items and not self.items[-1].emitted:
                    self.items[-1].parts.append(text)
                else:
                    self._text_block(text)
                i += 3 if inline else 2
                continue
            if t in {"bullet_list_open", "ordered_list_open"}:
                self._flush_item()
            elif t == "list_item_open":
                self._flush_item()
                prefix = f"{tok.info}{tok.markup} " if tok.info else ""  # keep enumerators, drop bullets
                self.items.append(_MdItem(prefix))
            elif t == "list_item_close":
                self._flush_item()
                self.items.pop()
            elif t == "blockquote_open":
                self._flush_item()
                self.quote_depth += 1
            elif t == "blockquote_close":
                self.quote_depth -= 1
            elif t in {"fence", "code_block", "html_block"}:
                self._flush_item()
                self._text_block(tok.content)  # kept as plain text, never interpreted
            elif t == "table_open":
                self._flush_item()
                self.table = []
            elif t == "tr_open":
                self.row = []
                self.row_is_header = False
            elif t in {"th_open", "td_open"}:
                if self.row is not None:
                    self.row.append(_clean(_inline_md(inline)) if inline else "")
                    self.row_is_header |= t == "th_open"
            elif t == "tr_close":
                if self.table is not None and self.row is not None:
                    self.table.append((self.row_is_header, self.row))
                self.row = None
            elif t == "table_close":
                self._emit_table()
                self.table = None
            i += 1
        self._flush_item()

    def _text_block(self, text: str) -> None:
        self.builder.add("paragraph", text)

    def _emit_table(self) -> None:
        if not self.table:
            return
        rows: list[list[tuple[int, int, str]]] = [
            [(col, 1, text) for col, text in enumerate(cells)] for _, cells in self.table
        ]
        has_header = self.table[0][0] and any(text for _, _, text in rows[0])
        if not has_header:
            rows = [r for (is_header, _), r in zip(self.table, rows) if not is_header]
        _emit_table(self.builder, rows, header_flag=bool(has_header))


def read_markdown(path: Path) -> Extraction:
    """Read workshop notes written in Markdown.

    Front matter (``---`` / ``key: value`` lines / ``---``) is read for ``title``.
    HTML is kept as plain text, never rendered.

    Args:
        path: The .md file (any common encoding).

    Returns:
        An extraction with heading, paragraph, list-item and table-row blocks;
        ``extractor`` is ``"markdown"``.

    Raises:
        IngestError: The file cannot be read or has no text.
    """
    from markdown_it import MarkdownIt

    path = Path(path)
    text, encoding = _decode_notes(path, _read_bytes(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    meta, body = _split_front_matter(text)
    md = MarkdownIt("commonmark").enable("table")
    builder = _BlockBuilder()
    _MarkdownWalker(builder).walk(md.parse(body))
    extraction = Extraction(extractor="markdown")
    if encoding not in {"utf-8", "utf-8-sig"}:
        extraction.info("encoding", f"Die Datei ist nicht in UTF-8 gespeichert; gelesen als {encoding}.")
    return _finish(
        path,
        builder,
        extraction,
        meta.get("title"),
        "Bitte prüfen, ob die richtige Datei gewählt wurde und ob sie gespeichert ist.",
    )


# --------------------------------------------------------------------------- plain text

_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
_RULE = re.compile(r"^\s*(?:([-=*_~#])\s*){3,}$")
_ATX = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")
_CONJUNCTIONS = frozenset({"und", "oder", "bzw.", "bzw", "sowie", "u.", "o.", "&"})
_MAX_UNDERLINED_CHARS = 110


def _join_lines(lines: list[str]) -> str:
    """Join the lines of one block, undoing hyphenation at line ends.

    "Klima-" + "anpassung" → "Klimaanpassung"; "Rad-" + "und Fußwege" → "Rad- und
    Fußwege"; "Grünau-" + "Mitte" → "Grünau-Mitte".
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith(("-", "\u2010")) and len(out) > 1 and out[-2].isalpha():
            first_word = line.split()[0]
            if first_word.lower() in _CONJUNCTIONS:
                out = f"{out} {line}"
            elif line[0].islower():
                out = out[:-1] + line
            else:
                out = out + line
        else:
            out = f"{out} {line}"
    return out


def _heading_line(line: str) -> tuple[int, str] | None:
    m = _ATX.match(line.strip())
    if m:
        return len(m.group(1)), m.group(2)
    return match_heading(line)


def _text_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _emit_text_lines(builder: _BlockBuilder, lines: list[str]) -> None:
    """Paragraphs and list items of one block (headings already taken out)."""
    n_markers = sum(1 for line in lines if match_list_item(line))
    kind: PassageKind | None = None
    buffer: list[str] = []
    prefix = ""

    def flush() -> None:
        nonlocal buffer, kind, prefix
        if buffer and kind:
            text = _join_lines(buffer)
            builder.add(kind, f"{prefix}{text}" if prefix else text)
        buffer, kind, prefix = [], None, ""

    for line in lines:
        if _RULE.match(line):
            flush()
            continue
        item = match_list_item(line)
        if item is not None and kind == "paragraph" and n_markers < 2 and not buffer[-1].endswith(":"):
            # "… am\n3. März 2026 …", "… Stadt\n– so hieß es – …": a lone marker
            # inside running text starts a list only after a line that announces one.
            item = None
        if item is not None:
            flush()
            marker, text = item
            kind = "list_item"
            prefix = "" if _is_bullet_marker(marker) else f"{marker} "  # keep enumerators
            buffer = [text]
        else:
            kind = kind or "paragraph"
            buffer.append(line)  # continuation lines belong to the open item
    flush()


def _is_underlined(line: str, next_line: str | None) -> str | None:
    """The underline character ("=" or "-") if ``line`` is a short setext-style heading."""
    if next_line is None:
        return None
    m = _UNDERLINE.match(next_line)
    if not m or len(m.group(1)) < 3 or _UNDERLINE.match(line) or _RULE.match(line):
        return None
    stripped = line.strip()
    if len(stripped) > _MAX_UNDERLINED_CHARS or stripped.endswith((".", ",", ";")) or match_list_item(line):
        return None
    return m.group(1)[0]


def _one_line_heading(blocks: list[list[str]], index: int) -> tuple[int, str] | None:
    line = blocks[index][0]
    found = _heading_line(line)
    item = match_list_item(line)
    if found and item and not _is_bullet_marker(item[0]):
        # "1. Begrüßung" between other list items is an item, not a heading.
        neighbours = [blocks[j][0] for j in (index - 1, index + 1) if 0 <= j < len(blocks)]
        if any(match_list_item(n) for n in neighbours):
            return None
    return found


def read_plain_text(path: Path) -> Extraction:
    """Read workshop notes from a plain-text file.

    Blocks are separated by blank lines. A one-line block that reads as a
    numbered heading ("2.1 Station A") or a Markdown ``#`` heading, and a short
    line underlined with ``===``/``---``, are headings; lines starting with a
    bullet or an enumerator are list items.

    Args:
        path: The .txt file (UTF-8, cp1252, latin-1 or UTF-16 with BOM).

    Returns:
        An extraction whose ``extractor`` names the encoding, e.g. ``"text (utf-8)"``.

    Raises:
        IngestError: The file cannot be read or has no text.
    """
    path = Path(path)
    text, encoding = _decode_notes(path, _read_bytes(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _SOFT_HYPHEN_BREAK.sub("", text).translate(_INVISIBLE)
    blocks = _text_blocks(text)
    builder = _BlockBuilder()
    for index, lines in enumerate(blocks):
        if len(lines) == 1:
            found = _one_line_heading(blocks, index)
            if found:
                builder.heading(found[1], found[0])
                continue
        pending: list[str] = []
        i = 0
        while i < len(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            underline = None if pending else _is_underlined(lines[i], nxt)
            if underline:
                _emit_text_lines(builder, pending)
                pending = []
                numbered = match_heading(lines[i])
                level = numbered[0] if numbered else (1 if underline == "=" else 2)
                builder.heading(lines[i], level)
                i += 2  # the heading and its underline
                continue
            pending.append(lines[i])
            i += 1
        _emit_text_lines(builder, pending)
    extraction = Extraction(extractor=f"text ({encoding})")
    return _finish(
        path,
        builder,
        extraction,
        None,
        "Bitte prüfen, ob die richtige Datei gewählt wurde und ob sie gespeichert ist.",
    )
