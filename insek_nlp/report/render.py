"""Render a :class:`ReportData` as a self-contained HTML page, an XLSX workbook or CSV files.

HTML: one file, German, charts as inline SVG, print CSS, no JavaScript; every
value goes through Jinja2's autoescaping, so a comment with ``<script>`` shows
as text. XLSX and CSV: German headers, reviewer decisions, the URL column of
comments for attribution, and formula neutralisation of every text cell.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insek_nlp.errors import InputError
from insek_nlp.report.data import ReportData, ReportTable, collect_report
from insek_nlp.report.tables import neutralise_formula
from insek_nlp.store import Store

if TYPE_CHECKING:
    from markupsafe import Markup

SUFFIXES = (".html", ".htm", ".xlsx", ".csv")


def _fmt(n: Any) -> str:
    if n is None or n == "":
        return "–"
    if isinstance(n, int):
        return f"{n:,}".replace(",", ".")
    return str(n)


def _dec(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}".replace(".", ",")


def highlight(text: str, spans: list[tuple[int, int, str]]) -> Markup:
    """``text`` escaped, with the cue spans marked (``<mark title="what">``); overlapping spans are merged."""
    from markupsafe import Markup, escape

    merged: dict[tuple[int, int], list[str]] = {}
    for start, end, what in spans:
        whats = merged.setdefault((start, end), [])
        if what not in whats:
            whats.append(what)
    parts: list[str] = []
    pos = 0
    for (start, end), whats in sorted(merged.items()):
        what = "; ".join(whats)
        if start < pos:
            if end <= pos:
                continue
            start = pos
        parts.append(str(escape(text[pos:start])))
        parts.append(f'<mark title="{escape(what)}">{escape(text[start:end])}</mark>')
        pos = end
    parts.append(str(escape(text[pos:])))
    return Markup("".join(parts))


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML document (German, printable)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from insek_nlp import __version__
    from insek_nlp.report.charts import coverage_heatmap, grouped_bars

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt=_fmt, dec=_dec, highlight=highlight)
    mains = [c for c in data.concerns if c["main"] and not c["unassigned"]]
    concern_chart = grouped_bars(
        [(f"{c['id']} {c['title']}", [c["size"], c["voices"] if c["voices"] is not None else c["size"]])
         for c in mains[:20]],
        [("alle Einsendungen", "#1f4e79"), ("verschiedene Stimmen", "#8fb3d9")], title="Beiträge je Anliegen")
    places_chart = grouped_bars(
        [(b["name"], [b["comments"], b["drafts"]]) for b in data.places],
        [("Bürgerbeiträge", "#1f4e79"), ("Abschnitte in Entwürfen", "#e07b00")],
        title="Bürgerbeiträge und Entwurfsabschnitte je Stadtbezirk")
    return env.get_template("report.html.j2").render(
        data=data, project_name=Path(data.project).name, version=__version__,
        heatmap=coverage_heatmap(data.coverage), concern_chart=concern_chart, places_chart=places_chart)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        # XLSX cannot hold control characters; a formula-looking cell is neutralised.
        value = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
        return neutralise_formula(value)
    return value


def write_xlsx(data: ReportData, out: Path) -> Path:
    """One sheet per table: German headers, frozen header row, filters, sensible widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    info = wb.create_sheet("Überblick")
    rows = [("Projekt", data.project), ("Analyselauf", data.run["id"]), ("abgeschlossen", data.run["finished"]),
            ("Satzvektoren", data.run["embedder"]), ("Taxonomie", data.taxonomy_name),
            ("Bericht erstellt", data.created), ("Bürgerbeiträge", data.counts["comments"]),
            ("Anliegen", data.counts["concerns"]), ("Anliegen ohne Antwort im Entwurf", data.counts["unanswered"]),
            ("Kampagnen", data.counts["campaigns"]),
            ("Datenschutz", "personenbezogene Angaben maskiert" if data.masked
             else "UNMASKIERT – enthält personenbezogene Daten, nur für befugte Personen")]
    rows.append(("Zielkonflikte", f"{len(data.conflicts)} (bestätigt: "
                 f"{sum(f['status'] == 'bestätigt' for f in data.conflicts)}, verworfen: "
                 f"{sum(f['status'] == 'verworfen' for f in data.conflicts)})"))
    for k, v in rows:
        info.append([k, _cell(v)])
    info["A1"].font = Font(bold=True)
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 80
    for table in data.tables:
        ws = wb.create_sheet((table.sheet or table.title)[:31].replace(":", ""))
        ws.append(list(table.columns))
        for row in table.rows:
            ws.append([_cell(v) for v in row])
        for i, col in enumerate(table.columns, start=1):
            c = ws.cell(row=1, column=i)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="E8EEF5")
            c.alignment = Alignment(wrap_text=True, vertical="top")
            width = table.widths[i - 1] if i - 1 < len(table.widths) else max(10, len(col) + 2)
            ws.column_dimensions[get_column_letter(i)].width = width
        for i, col in enumerate(table.columns, start=1):
            if col.startswith("URL"):  # clickable source links, only for plain web addresses
                for r in range(2, len(table.rows) + 2):
                    cell = ws.cell(row=r, column=i)
                    if isinstance(cell.value, str) and re.match(r"https?://[^\s\"<>]+$", cell.value):
                        cell.hyperlink = cell.value
                        cell.font = Font(color="0563C1", underline="single")
        ws.freeze_panes = "A2"
        if table.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        wb.save(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def write_table_csv(table: ReportTable, out: Path) -> Path:
    """One table as CSV the way German Excel reads it (UTF-8 with BOM, semicolons), formulas neutralised."""
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow(["" if v is None else _csv_value(v) for v in row])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def _csv_value(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:g}".replace(".", ",")  # German Excel reads "0,5" as a number
    return neutralise_formula(v)


def csv_paths(out: Path, data: ReportData) -> list[Path]:
    """Where the CSV files of ``out`` go: ``NAME-<table>.csv`` next to it."""
    return [out.with_name(f"{out.stem}-{t.key}.csv") for t in data.tables]


def write_report(store: Store, out: str | Path, *, run_id: int | None = None, taxonomy: str | None = None,
                 masked: bool = True) -> list[Path]:
    """Write the report of a run to ``out`` (.html, .xlsx, or .csv: one CSV per table next to it).

    Personal data in comments is masked unless ``masked=False`` (an authorised export).

    Returns:
        The files written.

    Raises:
        InputError: unknown file type, or no finished analysis run.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"Unbekanntes Berichtsformat „{out.suffix or out.name}“.",
                         hint="Bitte .html, .xlsx oder .csv als Endung wählen.")
    data = collect_report(store, run_id=run_id, taxonomy=taxonomy, masked=masked)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".html", ".htm"):
        tmp = out.with_name(out.name + ".part")
        try:
            tmp.write_text(render_html(data), encoding="utf-8")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(out)
        return [out]
    if suffix == ".xlsx":
        return [write_xlsx(data, out)]
    return [write_table_csv(t, p) for t, p in zip(data.tables, csv_paths(out, data))]
