"""Exports: tables with provenance (CSV, JSONL); later the HTML report and XLSX workbook."""

from insek_nlp.report.tables import export_table, neutralise_formula

__all__ = ["export_table", "neutralise_formula"]
