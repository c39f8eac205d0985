"""Builders for the PDF reader tests: small drafts rendered with fpdf2 at test time.

Every builder writes one PDF to ``path`` and returns it. The layout follows
``corpora/build.py`` (A4, Helvetica in Windows-1252, 10 pt body text, bold
numbered headings, bullets in their own cell, ``pdf.table()`` tables) so the
reader meets the same geometry as in the demo drafts. No binary fixture is
committed.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

FIXED_DATE = datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc)
HEADER = "INSEK Leipzig 2030 · Fachkonzept Test · Entwurf"
BODY = 10
LH = 4.9  # body line height in mm, as in corpora/build.py
SHY = "\u00ad"

# Filler sentences: long enough to wrap, German, ending in a full stop.
SENTENCES = [
    "Die Stadt Leipzig wächst seit Jahren und braucht bezahlbaren Wohnraum in allen Stadtteilen.",
    "Grünflächen, Straßenbäume und Wasserflächen kühlen die Quartiere an heißen Sommertagen spürbar ab.",
    "Die Beteiligung der Öffentlichkeit begleitet alle Schritte der Fortschreibung des Konzeptes.",
    "Neue Schulen, Kitas und Sportstätten entstehen dort, wo der Bedarf am größten ist.",
]


def text_of(n: int, start: int = 0) -> str:
    """``n`` filler sentences (cycling), joined with spaces."""
    return " ".join(SENTENCES[(start + i) % len(SENTENCES)] for i in range(n))


class Draft(FPDF):
    """A4 draft with an optional running header and footer on every page."""

    def __init__(self, *, header: str | None = None, footer: str | None = None) -> None:
        super().__init__(format="A4")
        self.running_header = header
        self.running_footer = footer  # a format string with {n} (page) and {nb} (alias of the page count)
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=22)
        self.set_creation_date(FIXED_DATE)  # deterministic bytes

    def header(self) -> None:
        if self.running_header is None:
            return
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, self.running_header, align="L")
        self.ln(9)

    def footer(self) -> None:
        if self.running_footer is None:
            return
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, self.running_footer.format(n=self.page_no(), nb="{nb}"), align="C")

    # -- content helpers, same sizes and spacing as corpora/build.py

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 14, 2: 12, 3: 11}.get(level, 11)
        self.ln(6 if level == 1 else 4)
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def para(self, text: str, *, align: str = "J", w: float = 0) -> None:
        self.set_font("Helvetica", "", BODY)
        self.multi_cell(w, LH, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.ln(2.5)

    def item(self, marker: str, text: str) -> None:
        """A list item with its marker in a cell of its own, text indented (as build.py)."""
        self.set_font("Helvetica", "", BODY)
        x0 = self.l_margin
        self.set_x(x0 + 4)
        self.cell(6, LH, marker)
        old = self.l_margin
        self.set_left_margin(x0 + 10)
        self.multi_cell(0, LH, text, align="J", new_x="LMARGIN", new_y="NEXT")
        self.set_left_margin(old)
        self.ln(1.2)


CHAPTERS = ["Eins", "Zwei", "Drei", "Vier"]


def closing_sentence(n: int) -> str:
    """The last paragraph of page ``n`` of :func:`running_draft` (different on every page)."""
    return f"Das Kapitel {CHAPTERS[n - 1]} schließt hier."


def running_draft(path: Path, footer: str = "Seite {n} von {nb}") -> Path:
    """Four pages, each with the running header, a footer, a heading and two paragraphs."""
    pdf = Draft(header=HEADER, footer=footer)
    for n in range(1, 5):
        pdf.add_page()
        pdf.heading(f"{n} Kapitel {CHAPTERS[n - 1]}")
        pdf.para(text_of(3, n))
        pdf.para(closing_sentence(n))
    pdf.output(str(path))
    return path


HYPHEN_WORDS = ["Stadtentwicklungskonzept", "Verfahrens", "Klimaanpassungsmaßnahmen", "Bürgerbeteiligung"]
HYPHEN_SENTENCE = (
    "Das Stadtentwicklungskonzept beschreibt den Stand des Verfahrens und nennt Klimaanpassungsmaßnahmen "
    "sowie die Bürgerbeteiligung im Jahr 2026."
)
REAL_HYPHENS = (
    "Der Ausbau von Rad- und Fußverkehr stärkt die Stadt-Umland-Kooperation in der Region, und die "
    "E-Mobilität wird mit 30-jährigen Verträgen gefördert. Auch die blau-grüne Infrastruktur wächst."
)


def hyphenation_draft(path: Path) -> Path:
    """Soft-hyphenated long words in a narrow justified column, and real hyphens at forced line ends."""
    import pyphen

    dic = pyphen.Pyphen(lang="de_DE")

    def shy(text: str) -> str:
        return " ".join(dic.inserted(w, hyphen=SHY) if len(w) >= 8 and w.isalpha() else w for w in text.split())

    pdf = Draft()
    pdf.add_page()
    pdf.heading("1 Trennungen")
    # In a 30 mm justified column fpdf2 breaks each of the long words at a soft
    # hyphen and draws a visible "-" at the line end; checked here so that the
    # test cannot pass because a word happened to fit on one line.
    pdf.set_font("Helvetica", "", BODY)
    lines = pdf.multi_cell(30, LH, shy(HYPHEN_SENTENCE), align="J", dry_run=True, output="LINES")
    stems = [ln.split()[-1][:-1] for ln in lines if ln.endswith("-")]
    broken = {w for w in HYPHEN_WORDS for stem in stems if w.startswith(stem) and stem != w}
    assert broken == set(HYPHEN_WORDS), lines
    pdf.para(shy(HYPHEN_SENTENCE), w=30)
    # Real hyphens at line ends, the line breaks written explicitly (left-aligned).
    pdf.para(
        "Der Ausbau von Rad-\nund Fußverkehr stärkt die Stadt-\nUmland-Kooperation in der Region, und die E-\n"
        "Mobilität wird mit 30-\njährigen Verträgen gefördert. Auch die blau-\ngrüne Infrastruktur wächst.",
        align="L",
    )
    pdf.para("Eine blau-grüne Infrastruktur kühlt die Stadt. Die Bürger-\nbeteiligung beginnt im Mai.", align="L")
    pdf.output(str(path))
    return path


def headings_draft(path: Path) -> Path:
    """Numbered headings of every style across three pages."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("1 Einleitung")
    pdf.para(text_of(2, 0))
    pdf.heading("2 Ziele")
    pdf.para(text_of(2, 1))
    pdf.heading("2.1 Leitbild", level=2)
    pdf.para("Das Leitbild beschreibt die Stadt im Jahr 2030.")
    pdf.add_page()
    pdf.heading("2.2 Fachkonzepte", level=2)
    pdf.para(text_of(2, 2))
    pdf.heading("C. Handlungsfelder")
    pdf.heading("C.1. Wohnen", level=2)
    pdf.para("Wohnen bleibt in allen Stadtteilen bezahlbar.")
    pdf.add_page()
    pdf.heading("§ 3 Geltungsbereich")
    pdf.para("Das Konzept gilt für das gesamte Stadtgebiet.")
    pdf.heading("Anlage 2 Maßnahmenübersicht")
    pdf.para("Die Übersicht nennt alle Maßnahmen mit Ortsteil und Zeitraum.")
    pdf.output(str(path))
    return path


def lists_draft(path: Path, *, punctuated: bool = True) -> Path:
    """Bullet lists (marker cell and typed "- "), a numbered list, then a closing paragraph.

    With ``punctuated=False`` no list item ends in a full stop, so only the
    geometry tells where the list ends and the closing paragraph begins.
    """
    end = "." if punctuated else ""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("3 Maßnahmen")
    # Body text first, so that the line spacing statistics look like those of a real draft.
    pdf.para(text_of(8))
    pdf.para(text_of(8, 2))
    pdf.para("Folgende Maßnahmen sind vorgesehen:")
    pdf.item("•", "Ausbau der Radwege im Leipziger Osten" + end)
    pdf.item("•", "Neue Straßenbäume in der Eisenbahnstraße und in der Wurzner Straße, ergänzt um Sitzbänke, "
                  "Trinkbrunnen und schattige Aufenthaltsorte für ältere Menschen" + end)
    pdf.para("- Sanierung der Schulen in Grünau" + end)
    pdf.para("Die Umsetzung erfolgt in zwei Stufen:")
    pdf.item("1.", "Planung und Beteiligung bis 2027" + end)
    pdf.item("2.", "Bau und Inbetriebnahme bis 2030" + end)
    pdf.para("Die Kosten trägt überwiegend die Stadt Leipzig.")
    pdf.output(str(path))
    return path


TOC_ENTRIES = [("1 Einleitung", 3), ("1.1 Anlass", 3), ("2 Ziele", 3), ("2.1 Leitbild", 4), ("3 Umsetzung", 4)]


def toc_draft(path: Path) -> Path:
    """Title page, a table of contents on page 2, body text on pages 3 and 4."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("Fachkonzept Testen")
    pdf.para("Stadt Leipzig, Entwurf zur Beteiligung.")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Inhalt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for name, page in TOC_ENTRIES:
        width = pdf.epw - 10
        dots = "." * int((width - pdf.get_string_width(name) - 4) / pdf.get_string_width("."))
        pdf.cell(width, 6, f"{name} {dots}", new_x="RIGHT")
        pdf.cell(10, 6, str(page), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.heading("1 Einleitung")
    pdf.heading("1.1 Anlass", level=2)
    pdf.para(text_of(2))
    pdf.heading("2 Ziele")
    pdf.para(text_of(2, 1))
    pdf.add_page()
    pdf.heading("2.1 Leitbild", level=2)
    pdf.para(text_of(1, 2))
    pdf.heading("3 Umsetzung")
    pdf.para(text_of(1, 3))
    pdf.output(str(path))
    return path


def paragraphs_draft(path: Path) -> Path:
    """One paragraph wrapped over several lines, then a second one after vertical space."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("1 Absätze")
    pdf.para(text_of(4))
    pdf.para(text_of(3, 1))
    pdf.output(str(path))
    return path


# One sentence without any full stop inside, long enough to run over a page break.
RUNNING_SENTENCE = " ".join(
    f"der Abschnitt {i} beschreibt Wege, Plätze und Höfe im Quartier, "
    "die gemeinsam mit den Menschen vor Ort gestaltet werden,"
    for i in range(1, 40)
)


def page_break_draft(path: Path) -> Path:
    """A paragraph that starts on page 1 and ends on page 2, with header and footer on three pages."""
    pdf = Draft(header=HEADER, footer="Seite {n} von {nb}")
    pdf.add_page()
    pdf.heading("1 Quartiere")
    pdf.para(text_of(12))
    pdf.para("Im Quartier gilt: " + RUNNING_SENTENCE + " und alle Ergebnisse werden veröffentlicht.")
    pdf.para("Ein neuer Absatz beginnt nach dem Seitenumbruch.")
    pdf.add_page()
    pdf.heading("2 Schluss")
    pdf.para(text_of(2))
    pdf.output(str(path))
    return path


TABLE_ROWS = [
    ["Maßnahme", "Ortsteil", "Zeitraum"],
    ["Wohnungsneubau Rietzschke-Aue mit rund 450 Wohnungen, einer Kindertagesstätte und Läden",
     "Paunsdorf", "2026–2032"],
    ["Sanierung Stadtteilpark", "Grünau-Mitte", "2027–2029"],
    ["Neue Grundschule", "Plagwitz", "2028"],
]


def table_draft(path: Path) -> Path:
    """A bordered ``pdf.table()`` whose first body cell wraps over two lines, with text around it."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("Anlage 1 Maßnahmenübersicht")
    pdf.para("Die folgende Tabelle fasst die Maßnahmen zusammen.")
    pdf.set_font("Helvetica", "", 9)
    assert pdf.get_string_width(TABLE_ROWS[1][0]) > pdf.epw * 0.5, "the first cell must wrap"
    pdf.ln(1)
    with pdf.table(col_widths=(50, 30, 20), text_align="LEFT", line_height=4.6,
                   headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=True) as table:
        for row in TABLE_ROWS:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.ln(4)
    pdf.para("Die Tabelle wird jährlich fortgeschrieben.")
    pdf.output(str(path))
    return path


def simple_draft(
    path: Path, *, pages: int = 1, title: str | None = None, first_heading: str | None = "1 Einleitung"
) -> Path:
    """``pages`` pages of plain text; optional metadata title and first heading."""
    pdf = Draft()
    if title is not None:
        pdf.set_title(title)
    for n in range(pages):
        pdf.add_page()
        if n == 0 and first_heading:
            pdf.heading(first_heading)
        pdf.para(f"Seite {n + 1} des Entwurfs. " + text_of(2, n))
    pdf.output(str(path))
    return path


def repeated_top_line_draft(path: Path) -> Path:
    """Three pages with a running header whose body text starts with the same line on every page."""
    pdf = Draft(header=HEADER, footer="Seite {n} von {nb}")
    for n in range(1, 4):
        pdf.add_page()
        pdf.para(text_of(3))
        pdf.heading(f"{n} Kapitel {CHAPTERS[n - 1]}")
        pdf.para(closing_sentence(n))
    pdf.output(str(path))
    return path


WRAPPED_HEADING = (
    "4.2 Handlungsfeld 2: Bezahlbares Wohnen, soziale Mischung und Schutz vor Verdrängung in den Altbauquartieren"
)


def wrapped_heading_draft(path: Path) -> Path:
    """A 12 pt numbered heading too long for one line."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("4 Handlungsfelder")
    pdf.para(text_of(8))
    pdf.set_font("Helvetica", "B", 12)
    assert pdf.get_string_width(WRAPPED_HEADING) > pdf.epw, "the heading must wrap"
    pdf.heading(WRAPPED_HEADING, level=2)
    pdf.para(text_of(8, 1))
    pdf.output(str(path))
    return path


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    """A small opaque RGB PNG (a colour gradient), built with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 6 % 256, y * 8 % 256, 128)) for x in range(width)) for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def image_page(pdf: FPDF) -> None:
    pdf.add_page()
    pdf.image(io.BytesIO(png_bytes()), x=30, y=40, w=120)


def image_only_pdf(path: Path) -> Path:
    """A one-page "scan": an image and no text layer."""
    pdf = Draft()
    image_page(pdf)
    pdf.output(str(path))
    return path


def mixed_scan_pdf(path: Path) -> Path:
    """Three pages; page 2 is an image without text."""
    pdf = Draft()
    pdf.add_page()
    pdf.heading("1 Vorwort")
    pdf.para(text_of(2))
    image_page(pdf)
    pdf.add_page()
    pdf.heading("2 Ausblick")
    pdf.para(text_of(2, 2))
    pdf.output(str(path))
    return path


def blank_pdf(path: Path) -> Path:
    pdf = Draft()
    pdf.add_page()
    pdf.output(str(path))
    return path


def no_pages_pdf(path: Path) -> Path:
    """A syntactically valid PDF without a single page."""
    from pypdf import PdfWriter

    with path.open("wb") as fh:
        PdfWriter().write(fh)
    return path


def damage_page(src: Path, out: Path, page: int) -> Path:
    """A copy of ``src`` whose page object ``page`` (1-based) no longer says ``/Type /Page``."""
    data = src.read_bytes()
    k = [m.start() for m in re.finditer(rb"/Type /Page\n", data)][page - 1]
    out.write_bytes(data[:k] + b"/Type /Pagx\n" + data[k + len(b"/Type /Page\n"):])
    return out


def encrypt(src: Path, out: Path, *, user_password: str, owner_password: str = "owner") -> Path:
    """An AES-256 encrypted copy of ``src``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    with out.open("wb") as fh:
        writer.write(fh)
    return out


def random_bytes(path: Path, n: int = 4096, seed: int = 7) -> Path:
    data = random.Random(seed).randbytes(n)
    assert b"%PDF" not in data
    path.write_bytes(data)
    return path


def footer_text(footer: str, n: int, nb: int) -> str:
    """The footer of page ``n`` of ``nb`` as rendered."""
    return footer.format(n=n, nb=nb)
