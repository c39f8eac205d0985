"""Exports: tables with provenance (CSV, JSONL), the HTML report, the XLSX workbook and CSV per table."""

from insek_nlp.report.data import ReportData, ReportTable, collect_report
from insek_nlp.report.render import render_html, write_report, write_table_csv, write_xlsx
from insek_nlp.report.tables import export_table, neutralise_formula

__all__ = [
    "ReportData",
    "ReportTable",
    "collect_report",
    "export_table",
    "neutralise_formula",
    "render_html",
    "write_report",
    "write_table_csv",
    "write_xlsx",
]
