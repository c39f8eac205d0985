"""A deterministic text PDF writer for tests (fpdf2 core fonts, fixed creation date).

Shared by the fixtures in ``tests/conftest.py`` and the review-UI test project.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence


def build_pdf(
    path: Path,
    pages: Sequence[Sequence[tuple[str, str]]],
    *,
    title: str = "Fachkonzept Grün und Wohnen",
) -> Path:
    """Write a small text PDF with fpdf2 core fonts (cp1252, so umlauts work)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(datetime(2026, 3, 1, tzinfo=timezone.utc))
    pdf.set_title(title)
    for page in pages:
        pdf.add_page()
        for kind, text in page:
            if kind == "h1":
                pdf.set_font("Helvetica", "B", 16)
                pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            else:
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(4)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
