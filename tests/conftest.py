"""Shared fixtures: a fresh project store and tiny source files built in ``tmp_path``.

The builders are deterministic (fixed PDF creation date, fixed text), so the
same call gives the same bytes and tests can reason about versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import pytest

from insek_nlp.store import Store
from pdf_builder import build_pdf as write_text_pdf

REPO = Path(__file__).resolve().parents[1]

# A 2-page draft: (kind, text) per block; "h1" is a heading in a larger bold font.
DRAFT_PAGES: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("h1", "1 Ausgangslage"),
        ("p", "Leipzig wächst: Seit 2011 sind mehr als 100.000 Menschen zugezogen. Das Wachstum verlangt "
              "neue Wohnungen, Schulen und Grünflächen in allen Ortsteilen."),
        ("p", "Die Straßenbäume in Grünau und Schönefeld leiden unter Hitze und Trockenheit; "
              "Kaltluftschneisen müssen frei bleiben."),
    ),
    (
        ("h1", "2 Ziele"),
        ("p", "Bis 2030 sollen 10.000 Wohnungen entstehen, davon ein Drittel mietpreisgebunden. "
              "Die Nachverdichtung schont Freiflächen und nutzt Baulücken."),
        ("p", "Öffentliche Plätze werden barrierefrei umgestaltet, damit ältere Menschen "
              "und Familien sie gleichermaßen nutzen können."),
    ),
)

CSV_HEADER = ("Nr", "Datum", "Titel", "Beitrag", "Ortsteil")
CSV_ROWS: tuple[tuple[str, ...], ...] = (
    ("1", "03.02.2025", "Bäume", "Mehr Straßenbäume in der Eisenbahnstraße, bitte!", "Volkmarsdorf"),
    ("2", "04.02.2025", "Radweg", "Der Radweg an der Karl-Liebknecht-Straße ist gefährlich.", "Südvorstadt"),
    ("3", "05.02.2025", "Spielplatz", "Der Spielplatz im Rabet braucht Schatten für heiße Tage.",
     "Neustadt-Neuschönefeld"),
)

NOTE_MD = """# 1 Werkstatt Grünau

Die Werkstatt fand am 12. März 2026 im Stadtteilzentrum statt. Rund 40 Bürgerinnen und Bürger
diskutierten über Grünflächen, Nachverdichtung und den Nahverkehr.

## 1.1 Ergebnisse

- Mehr Bänke und Schatten im Park am Schwarzen Berg
- Die Straßenbahnlinie 8 soll häufiger fahren

Die Teilnehmenden lehnten eine Bebauung der Wiesen zwischen den Wohnblöcken mehrheitlich ab.
"""


def build_pdf(
    path: Path,
    pages: Sequence[Sequence[tuple[str, str]]] = DRAFT_PAGES,
    *,
    title: str = "Fachkonzept Grün und Wohnen",
) -> Path:
    """Write a small text PDF with fpdf2 core fonts (cp1252, so umlauts work)."""
    return write_text_pdf(path, pages, title=title)


def build_csv(
    path: Path,
    rows: Sequence[Sequence[str]] = CSV_ROWS,
    *,
    header: Sequence[str] = CSV_HEADER,
    encoding: str = "cp1252",
) -> Path:
    """Write a comment export as German Excel does: semicolons, cp1252, CRLF."""
    lines = [";".join(header)] + [";".join(r) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def build_note(path: Path, text: str = NOTE_MD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path):
    """A fresh, empty project store."""
    with Store.open(tmp_path / "projekt") as s:
        yield s


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    """One file of each kind in ``tmp_path/eingang``: a PDF draft, a CSV export, a Markdown note."""
    folder = tmp_path / "eingang"
    return {
        "draft": build_pdf(folder / "entwurf.pdf"),
        "comments": build_csv(folder / "beitraege.csv"),
        "notes": build_note(folder / "werkstatt.md"),
    }


@pytest.fixture
def draft_pages() -> tuple[tuple[tuple[str, str], ...], ...]:
    """The blocks of the draft ``build_pdf`` writes by default, page by page."""
    return DRAFT_PAGES


@pytest.fixture
def csv_rows() -> tuple[tuple[str, ...], ...]:
    """The data rows (Nr, Datum, Titel, Beitrag, Ortsteil) ``build_csv`` writes by default."""
    return CSV_ROWS


@pytest.fixture
def pdf_builder() -> Callable[..., Path]:
    return build_pdf


@pytest.fixture
def csv_builder() -> Callable[..., Path]:
    return build_csv


@pytest.fixture
def note_builder() -> Callable[..., Path]:
    return build_note
