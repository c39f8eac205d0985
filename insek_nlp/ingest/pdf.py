"""Reading Fachkonzept drafts from PDF.

Extraction uses PDFium (``pypdfium2``) when it is installed — it reads a
60-page draft in well under a second, AES-encrypted or not — and falls back to
``pypdf`` otherwise. Both produce :class:`Line` objects; everything after that
(headers/footers, table of contents, hyphenation, paragraphs, headings, lists)
is backend-independent and lives in this module.
"""

from __future__ import annotations

import logging
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from insek_nlp.errors import IngestError
from insek_nlp.ingest.base import Block, Extraction
from insek_nlp.ingest.headings import looks_like_toc_line, match_heading, match_list_item

log = logging.getLogger(__name__)

MAX_PAGES_DEFAULT = 2000
Backend = Literal["auto", "pdfium", "pypdf"]

_LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}
# Characters that mark a hyphen at a line end: ASCII hyphen, PDFium's generated
# hyphen markers (U+FFFE, U+0002), soft hyphen, Unicode hyphen.
_LINE_END_HYPHENS = "-\ufffe\x02\u00ad\u2010"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_KEEP_HYPHEN_BEFORE = {"und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "wie", "u.", "&", "noch"}
_PAGE_NUMBER = re.compile(
    r"^(?:(?:Seite|S\.|Page)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:von|/|of)\s*\d{1,4})?$", re.IGNORECASE
)
_SENTENCE_END = (".", "!", "?", ":", "“", "\"", ")", "…")


@dataclass(slots=True)
class Line:
    """One visual text line (or several joined by PDFium's own dehyphenation).

    Geometry is in PDF points with the origin bottom-left; ``None`` when the
    backend gives none (pypdf).
    """

    text: str
    page: int
    top: float | None = None
    bottom: float | None = None  # bottom of the line's last character
    left: float | None = None
    right: float | None = None
    size: float | None = None
    cells: list[str] | None = None
    cell_x: list[float] | None = None
    rules: tuple[float, ...] = ()  # y positions of horizontal rules on the page (table borders)


def read_pdf(
    path: Path,
    *,
    password: str | None = None,
    backend: Backend = "auto",
    max_pages: int = MAX_PAGES_DEFAULT,
) -> Extraction:
    """Read a PDF draft into blocks with page numbers and section paths.

    Raises:
        IngestError: for encrypted (wrong or missing password), corrupt, empty
            or text-less (scanned) files, with a German message and hint.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise IngestError(f"„{path.name}“ kann nicht geöffnet werden ({exc.strerror}).",
                          hint="Bitte Pfad und Leserechte prüfen.", code="unreadable") from exc
    if b"%PDF" not in head:
        from insek_nlp.ingest.tables import _content_kind  # noqa: PLC2701 - shared sniffing

        what = {"zip": "eine Word- oder Excel-Datei (bzw. ein ZIP-Archiv)", "ole": "eine alte Office-Datei",
                "image": "ein Bild", "html": "eine HTML-Seite", "archive": "ein komprimiertes Archiv"}.get(
            _content_kind(head) or "", "")
        raise IngestError(
            f"„{path.name}“ ist keine PDF-Datei ({what + ', ' if what else ''}der PDF-Kopf fehlt).",
            hint="Bitte prüfen, ob die Datei die richtige Endung hat, oder sie erneut als PDF exportieren.",
            code="not_pdf",
        )
    if backend == "auto":
        backend = "pdfium" if _pdfium_available() else "pypdf"
    if backend == "pdfium":
        pages, page_sizes, meta_title, images, broken = _lines_pdfium(path, password, max_pages)
        extractor = "pdfium"
    else:
        pages, page_sizes, meta_title, images, broken = _lines_pypdf(path, password, max_pages)
        extractor = "pypdf"

    ext = Extraction(pages=len(pages), extractor=extractor)
    if broken and len(broken) == len(pages):
        raise _corrupt_error(path, "no page could be loaded")
    if broken:
        ext.warn("unreadable_pages", "Seiten sind beschädigt und konnten nicht gelesen werden – ihr Inhalt fehlt "
                 "in der Analyse.", _pages_label(broken))
    _check_text_layer(path, pages, images, ext)
    pages = [[_clean_line(ln) for ln in page] for page in pages]
    pages = [[ln for ln in page if ln.text.strip()] for page in pages]
    _remove_running_lines(pages, page_sizes)
    toc_pages = _toc_pages(pages)
    if toc_pages:
        ext.info("toc_skipped", "Inhaltsverzeichnis erkannt und übersprungen.", _pages_label(toc_pages))
    lines = [ln for i, page in enumerate(pages) if i + 1 not in toc_pages for ln in page]
    ext.blocks = _build_blocks(lines)
    if not ext.blocks:
        raise IngestError(
            f"In „{path.name}“ wurde kein verwertbarer Text gefunden.",
            hint="Enthält die Datei nur Bilder oder Formularfelder? Dann bitte eine Textfassung exportieren.",
            code="empty",
            status="failed",
            pages=len(pages),
        )
    ext.title = _title(meta_title, ext.blocks, pages, path)
    return ext


# --------------------------------------------------------------------------- backends


def _pdfium_available() -> bool:
    try:
        import pypdfium2  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        return False
    return True


def _password_error(path: Path, given: str | None) -> IngestError:
    if given:
        msg = f"Das angegebene Passwort öffnet „{path.name}“ nicht."
    else:
        msg = f"„{path.name}“ ist mit einem Passwort geschützt."
    return IngestError(
        msg,
        hint="Bitte eine ungeschützte Fassung hochladen oder das Passwort angeben (insek ingest --password …).",
        code="encrypted",
        status="encrypted",
    )


def _corrupt_error(path: Path, detail: str) -> IngestError:
    log.info("corrupt PDF %s: %s", path, detail)
    return IngestError(
        f"„{path.name}“ ist beschädigt oder unvollständig und kann nicht gelesen werden.",
        hint="Bitte die Datei erneut exportieren (z. B. „Als PDF speichern“) und noch einmal hochladen.",
        code="corrupt",
    )


def _too_many_pages(path: Path, n: int, max_pages: int) -> IngestError:
    return IngestError(
        f"„{path.name}“ hat {n} Seiten; die Grenze liegt bei {max_pages} Seiten.",
        hint="Bitte das Dokument in Teile aufteilen oder die Grenze erhöhen (--max-pages).",
        code="too_large",
        pages=n,
    )


def _lines_pdfium(path: Path, password: str | None, max_pages: int):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _password_error(path, password) from exc
        raise _corrupt_error(path, str(exc)) from exc
    try:
        n = len(doc)
        if n > max_pages:
            raise _too_many_pages(path, n, max_pages)
        try:
            meta_title = (doc.get_metadata_dict().get("Title") or "").strip()
        except Exception:  # metadata is optional; a broken info dict must not stop reading
            meta_title = ""
        pages: list[list[Line]] = []
        sizes: list[tuple[float, float]] = []
        images: list[bool] = []
        broken: list[int] = []
        for i in range(n):
            try:
                page = doc[i]
            except pdfium.PdfiumError as exc:  # a damaged page must not stop reading the others (as with pypdf)
                log.warning("PDFium could not load page %d of %s: %s", i + 1, path, exc)
                broken.append(i + 1)
                pages.append([])
                sizes.append((595.0, 842.0))
                images.append(False)
                continue
            try:
                sizes.append(tuple(page.get_size()))
                tp = page.get_textpage()
                lines = _page_lines_pdfium(tp, raw, i + 1)
                if any(ln.cells for ln in lines):
                    rules = _horizontal_rules(page, raw)
                    for ln in lines:
                        ln.rules = rules
                pages.append(lines)
                images.append(
                    not lines and any(obj.type == raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))
                )
                tp.close()
            finally:
                page.close()
        return pages, sizes, meta_title, images, broken
    finally:
        doc.close()


def _page_lines_pdfium(tp, raw, page_no: int) -> list[Line]:
    """Physical lines of one page with geometry; table rows get their cells."""
    text = tp.get_text_range()
    sep = "\r\n" if "\r\n" in text else "\n"
    rects = []
    for k in range(tp.count_rects()):
        l, b, r, t = tp.get_rect(k)
        rects.append((l, b, r, t, tp.get_text_bounded(l, b, r, t)))
    lines: list[Line] = []
    offset = 0
    for raw_line in text.split(sep):
        # PDFium joins a line ending in a hyphen with the next one and marks the
        # join with U+FFFE/U+0002; split there again so each physical line keeps
        # its own geometry (and a footer is never glued to the last body line).
        seg_start = 0
        for m in list(re.finditer(r"[\ufffe\x02]", raw_line)) + [None]:
            seg_end = m.start() if m else len(raw_line)
            segment = raw_line[seg_start:seg_end] + ("-" if m else "")
            if segment.strip() and segment.strip() != "-":
                first = offset + seg_start + (len(segment) - len(segment.lstrip()))
                last = offset + seg_start + len(segment.rstrip()) - 1
                if m:
                    last = offset + m.start()  # the hyphen marker itself has a box
                l0, b0, r0, t0 = tp.get_charbox(first)
                l1, b1, r1, t1 = tp.get_charbox(last)
                size = max(raw.FPDFText_GetFontSize(tp.raw, first), raw.FPDFText_GetFontSize(tp.raw, last))
                ln = Line(segment, page_no, top=max(t0, t1), bottom=min(b0, b1), left=l0, right=r1, size=size or None)
                found = _cells(ln, rects)
                if found:
                    ln.cell_x, ln.cells = [c[0] for c in found], [c[1] for c in found]
                lines.append(ln)
            seg_start = seg_end + 1 if m else seg_end
        offset += len(raw_line) + len(sep)
    return lines


def _horizontal_rules(page, raw) -> tuple[float, ...]:
    """Heights of horizontal lines and box edges drawn on a page (table borders)."""
    ys: list[float] = []
    for obj in page.get_objects(max_depth=3):
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        try:
            l, b, r, t = obj.get_bounds()
        except Exception:  # a broken path object must not stop reading
            continue
        if r - l < 15:
            continue
        if t - b < 2.5:
            ys.append((t + b) / 2)
        elif t - b < 400:
            ys.extend((b, t))
    merged: list[float] = []
    for y in sorted(ys):
        if not merged or y - merged[-1] > 1.5:
            merged.append(y)
    return tuple(merged)


def _cells(ln: Line, rects) -> list[tuple[float, str]] | None:
    """The cells of a table row: text runs of this line separated by wide gaps."""
    if ln.top is None or ln.bottom is None or ln.left is None or ln.right is None:
        return None
    mid_lo, mid_hi = ln.bottom - 2, ln.top + 2
    runs = sorted(
        (r for r in rects if mid_lo <= (r[1] + r[3]) / 2 <= mid_hi and r[0] >= ln.left - 2 and r[2] <= ln.right + 2),
        key=lambda r: r[0],
    )
    if len(runs) < 2:
        return None
    if len(runs[0][4].strip()) <= 4 and match_list_item(runs[0][4].strip() + " x"):
        return None  # a bullet or enumerator set apart from its text, not a table cell
    cells = [runs[0]]
    gaps = []
    for r in runs[1:]:
        gap = r[0] - cells[-1][2]
        if gap > 8:
            cells.append(r)
            gaps.append(gap)
        else:  # same cell, a run in another font
            prev = cells[-1]
            cells[-1] = (prev[0], min(prev[1], r[1]), r[2], max(prev[3], r[3]), prev[4].rstrip() + " " + r[4].strip())
    if len(cells) < 2:
        return None
    return [(c[0], " ".join(c[4].split())) for c in cells]


def _lines_pypdf(path: Path, password: str | None, max_pages: int):
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            if not reader.decrypt(password or ""):
                raise _password_error(path, password)
        n = len(reader.pages)
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise _password_error(path, password) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _corrupt_error(path, str(exc)) from exc
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise _corrupt_error(path, repr(exc)) from exc
    if n > max_pages:
        raise _too_many_pages(path, n, max_pages)
    meta_title = ""
    try:
        meta_title = ((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        meta_title = ""
    pages: list[list[Line]] = []
    sizes: list[tuple[float, float]] = []
    images: list[bool] = []
    broken: list[int] = []
    for i, page in enumerate(reader.pages):
        try:
            text = page.extract_text() or ""
            box = page.mediabox
            sizes.append((float(box.width), float(box.height)))
        except Exception as exc:
            log.warning("pypdf could not read page %d of %s: %s", i + 1, path, exc)
            broken.append(i + 1)
            text = ""
            sizes.append((595.0, 842.0))
        pages.append([Line(t, i + 1) for t in text.split("\n") if t.strip()])
        try:
            images.append(not text.strip() and bool(page.images))
        except Exception:
            images.append(False)
    return pages, sizes, meta_title, images, broken


# --------------------------------------------------------------------------- cleaning


def _clean_line(line: Line) -> Line:
    text = line.text
    for lig, rep in _LIGATURES.items():
        if lig in text:
            text = text.replace(lig, rep)
    text = text.translate(_INVISIBLE).replace("\u00a0", " ").replace("\t", " ")
    text = re.sub(r"[\ufffe\x02]", "-", text)
    text = unicodedata.normalize("NFC", text)
    line.text = text.rstrip()
    return line


def _norm_running(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()


def _remove_running_lines(pages: list[list[Line]], sizes: list[tuple[float, float]]) -> None:
    """Drop running headers, footers and page numbers in place."""
    n_pages = len(pages)
    edge = 3  # lines considered at the top and at the bottom of each page

    def candidates(page: list[Line], idx: int) -> list[int]:
        height = sizes[idx][1] if idx < len(sizes) else 842.0
        out = []
        for j, ln in enumerate(page):
            near_edge = j < edge or j >= len(page) - edge
            if ln.top is not None:
                near_edge = near_edge and (ln.top > height * 0.88 or (ln.bottom or 0) < height * 0.12)
            if near_edge:
                out.append(j)
        return out

    counts: Counter[str] = Counter()
    for i, page in enumerate(pages):
        seen = {_norm_running(page[j].text) for j in candidates(page, i)}
        counts.update(seen)
    threshold = max(2, int(n_pages * 0.4 + 0.5))
    for i, page in enumerate(pages):
        drop = set()
        for j in candidates(page, i):
            text = " ".join(page[j].text.split())
            if _PAGE_NUMBER.match(text) or (n_pages >= 3 and counts[_norm_running(text)] >= threshold):
                drop.add(j)
        if drop:
            pages[i] = [ln for j, ln in enumerate(page) if j not in drop]


def _toc_pages(pages: list[list[Line]]) -> set[int]:
    toc = set()
    for i, page in enumerate(pages):
        texts = [" ".join(ln.text.split()) for ln in page]
        if len(texts) < 3:
            continue
        n_toc = sum(looks_like_toc_line(t) for t in texts)
        titled = any(re.match(r"^(Inhalts?verzeichnis|Inhalt|Gliederung)\b", t, re.IGNORECASE) for t in texts[:4])
        if n_toc / len(texts) >= 0.5 or (titled and n_toc / len(texts) >= 0.3):
            toc.add(i + 1)
    return toc


def _check_text_layer(path: Path, pages: list[list[Line]], images: list[bool], ext: Extraction) -> None:
    n = len(pages)
    if n == 0:
        raise IngestError(
            f"„{path.name}“ enthält keine Seiten.",
            hint="Bitte die Datei erneut exportieren.",
            code="empty",
            pages=0,
        )
    chars = [sum(len(ln.text.strip()) for ln in page) for page in pages]
    empty = [i + 1 for i, c in enumerate(chars) if c < 5]
    if len(empty) == n:
        if any(images):
            raise IngestError(
                f"„{path.name}“ hat keine Textebene – OCR erforderlich (vermutlich ein Scan).",
                hint="Bitte die Datei mit Texterkennung (OCR) erzeugen lassen, z. B. mit ocrmypdf, und erneut hochladen.",
                code="no_text",
                status="no_text",
                pages=n,
            )
        raise IngestError(
            f"„{path.name}“ enthält nur leere Seiten.",
            hint="Bitte prüfen, ob die richtige Datei gewählt wurde.",
            code="empty",
            pages=n,
        )
    scanned = [p for p in empty if images[p - 1]]
    if scanned:
        ext.warn(
            "no_text_pages",
            "Seiten ohne Textebene (Scan?) – ihr Inhalt fehlt in der Analyse; OCR erforderlich.",
            _pages_label(scanned),
        )


def _pages_label(pages) -> str:
    pages = sorted(pages)
    return ("Seite " if len(pages) == 1 else "Seiten ") + ", ".join(map(str, pages))


# --------------------------------------------------------------------------- blocks


def _join_hyphenated(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two line fragments where ``left`` ends in a hyphen.

    German rule: a line-end hyphen before a lowercase continuation is a
    syllable break ("Ver-" + "fahrens"); before an uppercase letter, a digit,
    or a conjunction ("Rad-" + "und Fußverkehr") it is a real hyphen. When the
    document itself uses the joined word with a hyphen elsewhere, keep it.
    """
    stem = left[:-1]
    right = right.lstrip()
    next_word = right.split(" ", 1)[0] if right else ""
    prev_word = stem.rsplit(" ", 1)[-1]
    conjunction = next_word.rstrip(",.;:") in _KEEP_HYPHEN_BEFORE
    keep = (
        not next_word
        or not next_word[0].islower()
        or conjunction
        or (prev_word[-1:].isdigit())
        or (len(prev_word) == 1 and prev_word.isupper())  # "E-" + "Mobilität"
    )
    if not keep:
        hyphenated = (prev_word + "-" + next_word).strip(",.;:()„“\"").casefold()
        joined = (prev_word + next_word).strip(",.;:()„“\"").casefold()
        if hyphenated in vocabulary and joined not in vocabulary:
            keep = True
    if not keep:
        return stem + right
    # A suspended hyphen ("Rad- und Fußverkehr") keeps its space before the conjunction.
    return stem + ("- " if conjunction else "-") + right


def _vocabulary(lines: list[Line]) -> set[str]:
    words: set[str] = set()
    for ln in lines:
        for w in ln.text.split():
            words.add(w.strip(",.;:()„“\"").casefold())
    return words


def _body_size(lines: list[Line]) -> float | None:
    sizes = [round(ln.size, 1) for ln in lines if ln.size]
    if not sizes:
        return None
    return Counter(sizes).most_common(1)[0][0]


def _line_gaps(lines: list[Line]) -> float | None:
    gaps = []
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and a.bottom is not None and b.top is not None:
            gap = a.bottom - b.top
            if 0 <= gap < 40:
                gaps.append(gap)
    return statistics.median(gaps) if gaps else None


def _build_blocks(lines: list[Line]) -> list[Block]:
    """Group cleaned lines into headings, paragraphs and list items."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    vocab = _vocabulary(lines)
    body = _body_size(lines)
    gap_normal = _line_gaps(lines)
    rights = [ln.right for ln in lines if ln.right is not None]
    lefts = [ln.left for ln in lines if ln.left is not None]
    text_right = statistics.quantiles(rights, n=10)[-1] if len(rights) >= 10 else (max(rights) if rights else None)
    text_left = min(lefts) if lefts else None
    heading_sizes = sorted({round(ln.size, 1) for ln in lines if ln.size and body and ln.size >= body * 1.25}, reverse=True)
    # Without geometry (pypdf) the length of a full line stands in for the right margin.
    full_len = max(70.0, statistics.quantiles([len(ln.text) for ln in lines], n=10)[-2]) if len(lines) >= 10 else 80.0

    blocks: list[Block] = []
    section: list[tuple[int, str]] = []
    cur: dict | None = None  # {"kind", "text", "page", "left"}

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            text = " ".join(cur["text"].split())
            if text:
                blocks.append(Block(cur["kind"], text, tuple(s for _, s in section), cur["page"], cur.get("level", 0)))
        cur = None

    prev: Line | None = None
    skip_until = 0
    last_table: Line | None = None  # header row of the last table, for tables running over a page break
    open_heading: Line | None = None  # the last line of the heading just read (it may wrap)
    for idx, ln in enumerate(lines):
        if idx < skip_until:
            continue
        text = " ".join(ln.text.split())
        if ln.cells and len(ln.cells) >= 2 and match_heading(text) is None:
            end = _table_end(lines, idx, text_left, text_right)
            continued = (
                last_table is not None and cur is None and blocks and blocks[-1].kind == "table_row"
                and last_table.page < ln.page and ln.cell_x is not None
                and all(any(abs(x - c) < 6 for c in (last_table.cell_x or [])) for x in ln.cell_x)
            )
            if continued and last_table is not None and ln.cells == last_table.cells:
                continued = False  # the header row repeated on the new page
            if end > idx + 1 or continued:
                flush()
                header = last_table if continued and last_table is not None else ln
                body_lines = lines[idx:end] if continued else lines[idx + 1:end]
                for row, page in _table_rows(header, body_lines):
                    blocks.append(Block("table_row", row, tuple(s for _, s in section), page))
                last_table = header
                skip_until = end
                prev = lines[end - 1]
                continue
        gap_break = False
        if prev is not None and gap_normal is not None and prev.page == ln.page:
            if prev.bottom is not None and ln.top is not None:
                gap_break = (prev.bottom - ln.top) > max(gap_normal * 1.8, gap_normal + 3)
        big = bool(ln.size and body and ln.size >= body * 1.25)
        heading = match_heading(text)
        if (heading is not None and not big and match_list_item(text) is not None
                and ln.left is not None and text_left is not None and ln.left > text_left + 2):
            heading = None  # an indented enumerated line ("1. Planung …") is a list item
        if heading is None and big and len(text) <= 110 and not text.endswith((".", ",", ";")):
            level = heading_sizes.index(round(ln.size, 1)) + 1 if round(ln.size, 1) in heading_sizes else 1
            heading = (level, text)
        if (open_heading is not None and prev is open_heading and blocks and blocks[-1].kind == "heading"
                and not gap_break and ln.page == prev.page and match_list_item(text) is None
                and (heading is None or big) and _wrapped(prev, ln, text_right)):
            # A long heading wrapped over two lines: the first line reached the margin,
            # the second has the heading's font size.
            last = blocks[-1]
            title = last.text + " " + text
            section[-1] = (section[-1][0], title)
            blocks[-1] = Block("heading", title, tuple(s for _, s in section), last.page, last.level)
            open_heading = ln
            prev = ln
            continue
        open_heading = None
        no_geometry_heading = ln.top is None and len(text) <= 0.75 * full_len
        if heading is not None and (gap_break or prev is None or _ends_block(prev, text_right) or big or cur is None
                                    or cur["kind"] == "heading" or _left_of_item(ln, cur) or no_geometry_heading):
            flush()
            level, title = heading
            while section and section[-1][0] >= level:
                section.pop()
            section.append((level, title))
            cur = {"kind": "heading", "text": title, "page": ln.page, "left": ln.left, "level": level}
            flush()
            open_heading = ln
            prev = ln
            continue
        item = match_list_item(text)
        if item is not None:
            flush()
            marker, item_text = item
            keep_marker = marker[0].isalnum() or marker[0] == "("
            cur = {"kind": "list_item", "text": (marker + " " + item_text) if keep_marker else item_text,
                   "page": ln.page, "left": ln.left}
            prev = ln
            continue
        if cur is not None and not gap_break and not _starts_new_paragraph(prev, ln, cur, text_right, text_left, full_len):
            if cur["text"].endswith(tuple(_LINE_END_HYPHENS)) and len(cur["text"]) > 1 and cur["text"][-2].isalnum():
                cur["text"] = _join_hyphenated(cur["text"], text, vocab)
            else:
                cur["text"] += " " + text
        else:
            flush()
            cur = {"kind": "paragraph", "text": text, "page": ln.page, "left": ln.left}
        prev = ln
    flush()
    return blocks


def _table_end(lines: list[Line], start: int, text_left: float | None, text_right: float | None) -> int:
    """Index after the last line of the table whose header row is ``lines[start]``.

    The table goes on while lines are table rows or narrow cell fragments on the
    same page; a heading, a full-width text line or a page change ends it.
    """
    head = lines[start]
    if head.cell_x is None:
        return start + 1
    first_col, last_col = head.cell_x[0], head.cell_x[-1]
    full = (text_right - text_left) if (text_left is not None and text_right is not None) else None
    end = start + 1
    while end < len(lines):
        ln = lines[end]
        if ln.page != head.page or (not ln.cells and match_heading(" ".join(ln.text.split())) is not None):
            break
        if not ln.cells:
            if ln.left is None or ln.right is None or full is None:
                break
            width = ln.right - ln.left
            if ln.left < first_col - 3 or width > 0.6 * full or ln.left > last_col + 150:
                break
        end += 1
    # Trailing non-cell lines below the lowest rule under the header row (a ruled
    # table's bottom border) are text after the table, not wrapped cells. One rule
    # alone may just underline the header, so it takes two.
    below = [y for y in head.rules if head.bottom is not None and y < head.bottom]
    if len(below) >= 2:
        last = max(k for k in range(start, end) if lines[k].cells)
        end = next((k for k in range(last + 1, end) if (lines[k].top or 0) < min(below)), end)
    return end


def _column(x: float, cols: list[float]) -> int:
    idx = 0
    for i, c in enumerate(cols):
        if x >= c - 4:
            idx = i
    return idx


def _table_rows(header: Line, lines: list[Line]) -> list[tuple[str, int]]:
    """Rebuild rows of a table whose cells may wrap over several lines.

    Column positions come from the header row. Rows are anchored on the entries
    of the first column; every other fragment joins the row whose anchor is
    vertically nearest (cells may be top- or middle-aligned).
    """
    if not lines:
        return []
    cols = header.cell_x or []
    names = header.cells or []
    fragments: list[tuple[float, int, str]] = []  # (vertical centre, column, text)
    for ln in lines:
        centre = ((ln.top or 0) + (ln.bottom or 0)) / 2
        if ln.cells and ln.cell_x:
            for x, cell in zip(ln.cell_x, ln.cells):
                fragments.append((centre, _column(x, cols), cell))
        else:
            fragments.append((centre, _column(ln.left or 0, cols), " ".join(ln.text.split())))
    pitch = _line_pitch(lines)
    top = max((ln.top or 0) for ln in lines) + 2
    bottom = min((ln.bottom or 0) for ln in lines) - 2
    rules = [y for y in lines[0].rules if bottom <= y <= top]
    if len(rules) >= 2:
        bands = [(hi, lo) for hi, lo in zip([top] + rules[::-1], rules[::-1] + [bottom]) if hi - lo > 2]
        groups = [(hi, lo, []) for hi, lo in bands]
        for centre, col, text in fragments:
            if col == 0:
                r = min(range(len(groups)), key=lambda i: _distance(groups[i], centre))
                groups[r][2].append(text)
    else:
        groups = _row_groups(fragments, pitch)
    rows: list[list[list[str]]] = [[[] for _ in cols] for _ in groups]
    for centre, col, text in fragments:
        if col == 0:
            continue
        r = min(range(len(groups)), key=lambda i: _distance(groups[i], centre))
        rows[r][col].append(text)
    for r, (hi, lo, texts) in enumerate(groups):
        rows[r][0] = texts
    out = []
    for row in rows:
        cells = [_join_cell(parts) for parts in row]
        if any(cells):
            out.append((_row_text(names, cells), lines[0].page))
    return out


def _line_pitch(lines: list[Line]) -> float:
    tops = sorted({round(ln.top, 1) for ln in lines if ln.top is not None}, reverse=True)
    diffs = [a - b for a, b in zip(tops, tops[1:]) if a - b > 3]
    return statistics.median(diffs) if diffs else 12.0


def _row_groups(fragments: list[tuple[float, int, str]], pitch: float) -> list[tuple[float, float, list[str]]]:
    """Group first-column fragments into rows: ``(top centre, bottom centre, texts)``.

    A first-column cell may wrap over several lines. Lines of one cell are at
    most ~1.5 line pitches apart, and only one of them shares its height with
    values of other columns (top- or middle-aligned); a line that has values of
    its own while its group already has some starts a new row.
    """
    first = sorted((f for f in fragments if f[1] == 0), key=lambda f: -f[0])
    others = [f[0] for f in fragments if f[1] != 0]
    if not first:
        return [(c, c, []) for c in sorted({f[0] for f in fragments}, reverse=True)]

    def has_values(centre: float) -> bool:
        return any(abs(o - centre) < pitch * 0.4 for o in others)

    groups: list[list] = []  # [hi, lo, texts, valued]
    for centre, _, text in first:
        valued = has_values(centre)
        if groups and groups[-1][1] - centre <= pitch * 1.5 and not (valued and groups[-1][3]):
            g = groups[-1]
            g[1] = centre
            g[2].append(text)
            g[3] = g[3] or valued
        else:
            groups.append([centre, centre, [text], valued])
    return [(g[0], g[1], g[2]) for g in groups]


def _distance(group: tuple[float, float, list[str]], centre: float) -> float:
    hi, lo, _ = group
    if lo <= centre <= hi:
        return 0.0
    return min(abs(centre - hi), abs(centre - lo))


def _join_cell(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and part[:1].islower():
            text = text[:-1] + part
        else:
            text = (text + " " + part).strip()
    return text


def _row_text(header: list[str], cells: list[str]) -> str:
    """A table row as "Spalte: Wert; …" (headers name the values for later stages)."""
    if len(header) != len(cells):
        return " | ".join(cells)
    return "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells) if c)


def _wrapped(prev: Line, ln: Line, text_right: float | None) -> bool:
    """Whether ``ln`` continues the heading line ``prev`` (same size, previous line ran to the margin)."""
    if prev.right is None or text_right is None or prev.size is None or ln.size is None:
        return False
    if not (prev.right >= text_right - 60 and abs(prev.size - ln.size) < 0.5 and not prev.text.rstrip().endswith(".")):
        return False
    # A full-width line at body size is more likely the first line of a paragraph.
    return ln.right is not None and ln.right < text_right - 40


def _ends_block(prev: Line, text_right: float | None) -> bool:
    """Whether the previous line looks like the last line of its block."""
    t = prev.text.rstrip()
    if not t.endswith(_SENTENCE_END):
        return False
    if prev.right is None or text_right is None:
        return True
    return prev.right < text_right - 40


def _starts_new_paragraph(prev: Line | None, ln: Line, cur: dict, text_right: float | None,
                          text_left: float | None, full_len: float = 80) -> bool:
    if prev is None:
        return True
    if cur["kind"] == "heading":
        return True
    if cur["kind"] == "list_item":
        # Continuation lines of a list item are indented past the left margin.
        if _left_of_item(ln, cur):
            return True
        if ln.left is not None and text_left is not None:
            return ln.left <= text_left + 2 and _ends_block(prev, text_right)
        return _ends_block(prev, text_right)
    if ln.page != prev.page:
        # A paragraph running over a page break continues unless the last line closed it.
        return _ends_block(prev, text_right) and prev.right is not None
    if prev.right is None:
        # No geometry: a short previous line that closes a sentence ends the paragraph.
        return prev.text.rstrip().endswith(_SENTENCE_END) and len(prev.text) < 0.8 * full_len
    return _ends_block(prev, text_right)


def _left_of_item(ln: Line, cur: dict | None) -> bool:
    """Whether ``ln`` starts left of the current list item's (indented) marker, so the list has ended."""
    return (
        cur is not None and cur["kind"] == "list_item" and ln.left is not None and cur["left"] is not None
        and ln.left < cur["left"] - 2
    )


def _title(meta_title: str, blocks: list[Block], pages: list[list[Line]], path: Path) -> str:
    if meta_title and len(meta_title) > 3 and not meta_title.lower().endswith((".docx", ".doc", ".indd")):
        return meta_title
    first_page = [b for b in blocks if b.page == 1 and b.kind == "heading"]
    if first_page:
        return first_page[0].text
    return path.stem.replace("_", " ")
