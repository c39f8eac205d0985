"""Build the demo corpus from its editable sources, reproducibly.

    python corpora/build.py            # writes corpora/demo/{drafts,beitraege,notes}
    python corpora/build.py --check    # exit 1 if the committed files differ from a fresh build

Sources live in ``corpora/demo/src`` (format: ``src/FORMAT.md``). Drafts become
PDFs the way a planning office exports them: title page, table of contents,
running header, "Seite X von Y" footer, justified text with German
hyphenation, numbered headings, lists and tables. Comments become an Excel
"CSV UTF-8" export (BOM, semicolons, CRLF). The Grünau workshop notes become a
DOCX. Needs the ``dev`` extra (fpdf2, pyphen).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"
SRC = DEMO / "src"
FIXED_DATE = datetime(2026, 3, 16, 9, 0, 0, tzinfo=timezone.utc)
HEADER_STAND = "Entwurf (Stand: März 2026)"

# Characters outside Windows-1252 (the core PDF fonts) mapped to close equivalents.
_CP1252_FALLBACK = {"→": "->", "≥": ">=", "≤": "<=", "‑": "-", "−": "-", "≈": "ca.", "✓": "x", "·": "·",
                    "\u2009": " ", "\u202f": " ", "\u2011": "-", "ä": "ä"}


# --------------------------------------------------------------------------- source parsing


@dataclass
class Element:
    kind: str  # heading | paragraph | bullet | number | table
    text: str = ""
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    marker: str = ""


def parse_source(text: str) -> tuple[dict[str, str], list[Element]]:
    meta: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        for ln in lines[1:end]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                meta[k.strip()] = v.strip()
        lines = lines[end + 1:]
    elements: list[Element] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            elements.append(Element("paragraph", " ".join(s.strip() for s in para)))
            para.clear()

    i = 0
    while i < len(lines):
        ln = lines[i]
        s = ln.strip()
        if not s:
            flush()
        elif s.startswith("#"):
            flush()
            hashes = len(s) - len(s.lstrip("#"))
            elements.append(Element("heading", s[hashes:].strip(), level=hashes))
        elif s.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            elements.append(Element("table", rows=rows))
            continue
        elif re.match(r"^[-*]\s+", s):
            flush()
            elements.append(Element("bullet", re.sub(r"^[-*]\s+", "", s)))
        elif re.match(r"^\d+\.\s+", s):
            flush()
            m = re.match(r"^(\d+\.)\s+(.*)$", s)
            elements.append(Element("number", m.group(2), marker=m.group(1)))
        elif elements and elements[-1].kind in ("bullet", "number") and not para and ln.startswith("  "):
            elements[-1].text += " " + s  # continuation of a list item
        else:
            para.append(s)
        i += 1
    flush()
    return meta, elements


# --------------------------------------------------------------------------- PDF drafts


def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="de_DE")


def hyphenate(text: str, dic) -> str:
    """Insert soft hyphens into long words so the renderer can break them."""

    def one(m: re.Match) -> str:
        word = m.group(0)
        if len(word) < 8 or not word.isalpha():
            return word
        return dic.inserted(word, hyphen="\u00ad")

    return re.sub(r"[A-Za-zÄÖÜäöüß]{8,}", one, text)


def cp1252(text: str) -> str:
    for k, v in _CP1252_FALLBACK.items():
        text = text.replace(k, v)
    bad = sorted({ch for ch in text if ch not in ("\u00ad",) and not _in_cp1252(ch)})
    if bad:
        raise SystemExit(f"characters not renderable with the core fonts: {bad!r}")
    return text


def _in_cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def build_pdf(src: Path, out: Path, *, ttf: Path | None = None, ttf_bold: Path | None = None) -> None:
    """Render a draft source to PDF (core Helvetica, or an embedded TrueType font)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    meta, elements = parse_source(src.read_text(encoding="utf-8"))
    title = meta.get("title", src.stem)
    header = f"INSEK Leipzig 2030 · {title} · {HEADER_STAND}"
    dic = _hyphenator()

    class Draft(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font("Helvetica", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, cp1252(header), align="L")
            self.ln(9)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = Draft(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    if ttf is not None:
        pdf.add_font("Helvetica", "", str(ttf))  # the name stands in for the core font everywhere below
        pdf.add_font("Helvetica", "B", str(ttf_bold or ttf))
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author("Stadt Leipzig, Dezernat Stadtentwicklung und Bau")
    pdf.set_creator("insek-nlp corpora/build.py")
    pdf.set_producer("fpdf2")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=22)

    # Title page
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.ln(30)
    pdf.cell(0, 8, "Stadt Leipzig", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, cp1252("Integriertes Stadtentwicklungskonzept Leipzig 2030 (INSEK)"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font("Helvetica", "B", 24)
    pdf.multi_cell(0, 12, cp1252(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 8, cp1252(HEADER_STAND), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(60)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, cp1252("Herausgeber: Stadt Leipzig, Dezernat Stadtentwicklung und Bau, Stadtplanungsamt, "
                                "Abteilung Stadtentwicklungsplanung. Dieser Entwurf dient der Abstimmung in der "
                                "Verwaltung und der Beteiligung der Öffentlichkeit; er ist nicht beschlossen."))

    def render_toc(pdf: FPDF, outline) -> None:
        pdf.set_xy(pdf.l_margin, 29)
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, "Inhalt", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("Helvetica", "", 10)
        for section in outline:
            if pdf.get_y() > pdf.h - 30:
                pdf.add_page()
                pdf.set_xy(pdf.l_margin, 29)
            indent = 6 * (section.level)
            name = section.name
            pdf.set_x(pdf.l_margin + indent)
            width = pdf.epw - indent - 10
            dots = "." * max(3, int((width - pdf.get_string_width(name) - 4) / pdf.get_string_width(".")))
            pdf.cell(width, 6, f"{name} {dots}", new_x="RIGHT")
            pdf.cell(10, 6, str(section.page_number), align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    n_headings = sum(1 for el in elements if el.kind == "heading")
    pdf.insert_toc_placeholder(render_toc, pages=max(1, -(-n_headings // 40)))

    body = 10
    lh = 4.9
    for el in elements:
        if el.kind == "heading":
            size = {1: 14, 2: 12, 3: 11}.get(el.level, 11)
            if pdf.get_y() > pdf.h - 50:
                pdf.add_page()
            pdf.ln(4 if el.level > 1 else 6)
            pdf.start_section(cp1252(el.text), level=el.level - 1)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, size * 0.5, cp1252(el.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif el.kind == "paragraph":
            pdf.set_font("Helvetica", "", body)
            pdf.multi_cell(0, lh, cp1252(hyphenate(el.text, dic)), align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif el.kind in ("bullet", "number"):
            pdf.set_font("Helvetica", "", body)
            marker = "•" if el.kind == "bullet" else el.marker
            x0 = pdf.l_margin
            pdf.set_x(x0 + 4)
            pdf.cell(6, lh, marker)
            old = pdf.l_margin
            pdf.set_left_margin(x0 + 10)
            pdf.multi_cell(0, lh, cp1252(hyphenate(el.text, dic)), align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.set_left_margin(old)
            pdf.ln(1.2)
        elif el.kind == "table":
            pdf.set_font("Helvetica", "", 9)
            pdf.ln(1)
            with pdf.table(text_align="LEFT", line_height=4.6, headings_style=FontFace(emphasis="BOLD"),
                           first_row_as_headings=True) as table:
                for row in el.rows:
                    r = table.row()
                    for cell in row:
                        r.cell(cp1252(hyphenate(cell, dic)))
            pdf.ln(4)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))


# --------------------------------------------------------------------------- comments


def build_comments(src: Path, out: Path) -> None:
    rows = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(["Nr.", "Eingangsdatum", "Titel", "Ihr Beitrag", "Ortsteil / Ort", "Kategorie"])
    for r in rows:
        when = datetime.strptime(r["datum"], "%Y-%m-%d %H:%M").strftime("%d.%m.%Y %H:%M")
        text = r["beitrag"].replace("\n", "\r\n")  # Excel writes CRLF inside quoted cells too
        writer.writerow([r["id"], when, r["titel"], text, r["ort"], r["kategorie"]])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


# --------------------------------------------------------------------------- notes


def build_docx(src: Path, out: Path) -> None:
    import docx

    meta, elements = parse_source(src.read_text(encoding="utf-8"))
    d = docx.Document()
    d.core_properties.title = meta.get("title", src.stem)
    d.core_properties.author = "Büro für Beteiligung"
    d.core_properties.created = FIXED_DATE.replace(tzinfo=None)
    d.core_properties.modified = FIXED_DATE.replace(tzinfo=None)
    d.core_properties.last_modified_by = "Büro für Beteiligung"
    d.core_properties.revision = 1
    d.add_heading(meta.get("title", src.stem), level=0)
    for el in elements:
        if el.kind == "heading":
            d.add_heading(el.text, level=min(el.level, 3))
        elif el.kind == "paragraph":
            d.add_paragraph(el.text)
        elif el.kind == "bullet":
            d.add_paragraph(el.text, style="List Bullet")
        elif el.kind == "number":
            d.add_paragraph(el.text, style="List Number")
        elif el.kind == "table":
            table = d.add_table(rows=0, cols=max(len(r) for r in el.rows))
            table.style = "Table Grid"
            for row in el.rows:
                cells = table.add_row().cells
                for c, value in zip(cells, row):
                    c.text = value
    buf = io.BytesIO()
    d.save(buf)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so that builds are byte-identical."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 3, 16, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- main

DRAFT_NAMES = {
    "wohnen": "fachkonzept-wohnen.pdf",
    "freiraum-umwelt": "fachkonzept-freiraum-und-umwelt.pdf",
    "mobilitaet": "fachkonzept-mobilitaet.pdf",
    "wirtschaft-arbeit": "fachkonzept-wirtschaft-und-arbeit.pdf",
}


def targets() -> list[tuple[str, Path, Path]]:
    out = []
    for stem, name in DRAFT_NAMES.items():
        out.append(("pdf", SRC / "drafts" / f"{stem}.md", DEMO / "drafts" / name))
    out.append(("csv", SRC / "comments.jsonl", DEMO / "beitraege" / "beitraege-leipzig-weiter-denken.csv"))
    out.append(("docx", SRC / "notes" / "werkstatt-gruenau.md", DEMO / "notes" / "werkstatt-gruenau.docx"))
    out.append(("copy", SRC / "notes" / "werkstatt-mobilitaet-osten.md", DEMO / "notes" / "werkstatt-mobilitaet-osten.md"))
    return out


def build(dest_root: Path | None = None) -> list[Path]:
    written = []
    for kind, src, out in targets():
        if dest_root is not None:
            out = dest_root / out.relative_to(DEMO)
        if kind == "pdf":
            build_pdf(src, out)
        elif kind == "csv":
            build_comments(src, out)
        elif kind == "docx":
            build_docx(src, out)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(src.read_bytes())
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare a fresh build with the committed files")
    args = ap.parse_args(argv)
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            stale = []
            for out in build(Path(tmp)):
                committed = DEMO / out.relative_to(tmp)
                if not committed.exists() or committed.read_bytes() != out.read_bytes():
                    stale.append(str(committed.relative_to(HERE.parent)))
        if stale:
            print("out of date (run python corpora/build.py):", *stale, sep="\n  ")
            return 1
        print("demo corpus is up to date")
        return 0
    for out in build():
        print("wrote", out.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
