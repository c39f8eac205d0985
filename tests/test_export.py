"""Tests for exporting passages and comments (JSONL, CSV) with provenance."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from insek_nlp.errors import InputError
from insek_nlp.ingest import ingest
from insek_nlp.report import export_table, neutralise_formula
from insek_nlp.store import Store

HEADER = ("Nr", "Datum", "Titel", "Beitrag", "Ortsteil", "Link", "Stimmen")
ROWS = (
    ("1", "03.02.2025", "Bäume", "Mehr Straßenbäume in der Eisenbahnstraße 🌳", "Volkmarsdorf",
     "https://beteiligung.example/b/1", "12"),
    ("2", "04.02.2025", "=Formel", "=HYPERLINK(1) klick mich", "Lindenau", "https://beteiligung.example/b/2", "0"),
    ("3", "05.02.2025", "Telefon", "+49 341 123456 ruft niemand zurück", "Gohlis-Süd",
     "https://beteiligung.example/b/3", "3"),
    ("4", "06.02.2025", "Autos", "-Weniger Autos in der Innenstadt", "Zentrum", "https://beteiligung.example/b/4",
     "7"),
    ("5", "07.02.2025", "Antwort", "@Stadtverwaltung bitte antworten", "Connewitz",
     "https://beteiligung.example/b/5", "1"),
)
DANGEROUS = {"=HYPERLINK(1) klick mich", "+49 341 123456 ruft niemand zurück", "-Weniger Autos in der Innenstadt",
             "@Stadtverwaltung bitte antworten"}


@pytest.fixture
def filled(store: Store, tmp_path: Path, pdf_builder, csv_builder, note_builder) -> Store:
    folder = tmp_path / "eingang"
    files = [
        pdf_builder(folder / "entwurf.pdf"),
        csv_builder(folder / "beitraege.csv", ROWS, header=HEADER, encoding="utf-8"),  # emoji: not in cp1252
        note_builder(folder / "werkstatt.md"),
    ]
    results = ingest(files, store)
    assert [r.outcome for r in results] == ["added"] * 3
    return store


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel reads umlauts right
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") >= 5
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_passages_jsonl_has_provenance(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "export" / "abschnitte.jsonl"
    n = export_table(filled, "passages", out)
    rows = _read_jsonl(out)
    assert n == len(rows) == len(filled.passages())
    pdf_rows = [r for r in rows if r["document"] == "entwurf.pdf"]
    assert [r["page"] for r in pdf_rows] == [1, 1, 1, 2, 2, 2]
    assert pdf_rows[1]["section"] == "1 Ausgangslage"
    assert pdf_rows[1]["text"].startswith("Leipzig wächst: Seit 2011")
    assert pdf_rows[1]["passage_id"] == "entwurf.pdf@1#1"
    assert (pdf_rows[1]["version"], pdf_rows[1]["kind"], pdf_rows[1]["passage_kind"]) == (1, "draft", "paragraph")
    note_rows = [r for r in rows if r["document"] == "werkstatt.md"]
    assert {r["page"] for r in note_rows} == {None}
    assert "1 Werkstatt Grünau › 1.1 Ergebnisse" in {r["section"] for r in note_rows}
    assert all(r["document"] != "beitraege.csv" for r in rows)  # comments are not passages
    for r in rows:
        assert filled.fulltext(r["doc_id"])[r["start"]:r["end"]] == r["text"]


def test_passages_csv_has_provenance(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "abschnitte.csv"
    n = export_table(filled, "passages", out)
    rows = _read_csv(out)
    assert n == len(rows) == len(filled.passages())
    assert {"document", "page", "section", "text", "start", "end"} <= set(rows[0])
    first_para = next(r for r in rows if r["document"] == "entwurf.pdf" and r["passage_kind"] == "paragraph")
    assert (first_para["page"], first_para["section"]) == ("1", "1 Ausgangslage")
    assert first_para["text"].startswith("Leipzig wächst: Seit 2011 sind mehr als 100.000 Menschen zugezogen.")
    assert {r["page"] for r in rows if r["document"] == "werkstatt.md"} == {""}
    assert not list(tmp_path.glob("*.part"))  # no half-written file left behind


def test_comments_jsonl_keeps_values_unchanged(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "beitraege.jsonl"
    assert export_table(filled, "comments", out, masked=False) == 5
    rows = _read_jsonl(out)
    assert [(r["source"], r["row"], r["url"]) for r in rows] == [
        ("beitraege.csv", int(nr), link) for nr, *_, link, _ in ROWS]
    assert [r["text"] for r in rows] == [r[3] for r in ROWS]  # "=…", "+…", "-…", "@…" exactly as written
    assert rows[1]["title"] == "=Formel"
    assert rows[0]["text"] == "Mehr Straßenbäume in der Eisenbahnstraße 🌳"
    assert [r["metadata"] for r in rows] == [{"Stimmen": r[6]} for r in ROWS]
    assert (rows[0]["location"], rows[0]["created"], rows[0]["comment_id"]) == (
        "Volkmarsdorf", "2025-02-03", "beitraege.csv@1#1")


def test_comments_csv_neutralises_formulas(filled: Store, tmp_path: Path) -> None:
    out = tmp_path / "beitraege.csv"
    assert export_table(filled, "comments", out, masked=False) == 5
    rows = _read_csv(out)
    assert {"source", "row", "url", "text", "location"} <= set(rows[0])
    assert [(r["source"], r["row"], r["url"]) for r in rows] == [
        ("beitraege.csv", nr, link) for nr, *_, link, _ in ROWS]
    for exported, original in zip(rows, ROWS):
        text = original[3]
        assert exported["text"] == ("'" + text if text in DANGEROUS else text)
    assert rows[1]["title"] == "'=Formel"
    assert rows[0]["text"] == "Mehr Straßenbäume in der Eisenbahnstraße 🌳"
    assert json.loads(rows[0]["metadata"]) == {"Stimmen": "12"}


@pytest.mark.parametrize("name", ["beitraege.csv", "beitraege.jsonl"])
def test_comments_are_masked_by_default(filled: Store, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    export_table(filled, "comments", out)
    rows = _read_csv(out) if name.endswith(".csv") else _read_jsonl(out)
    assert rows[2]["text"] == "[Telefon] ruft niemand zurück"
    assert rows[2]["url"] == "https://beteiligung.example/b/3"  # source attribution stays
    assert filled.comments()[2].text == "+49 341 123456 ruft niemand zurück"  # the store keeps the original


def test_export_uses_current_versions_only(filled: Store, tmp_path: Path, pdf_builder, draft_pages) -> None:
    pages = [list(p) for p in draft_pages]
    pages[0][1] = ("p", "Zweite Fassung: Leipzig wächst langsamer als erwartet, der Zuzug geht zurück.")
    ingest([pdf_builder(tmp_path / "eingang" / "entwurf.pdf", pages)], filled)
    out = tmp_path / "abschnitte.jsonl"
    export_table(filled, "passages", out)
    pdf_rows = [r for r in _read_jsonl(out) if r["document"] == "entwurf.pdf"]
    assert {r["version"] for r in pdf_rows} == {2}
    assert pdf_rows[1]["text"].startswith("Zweite Fassung")


@pytest.mark.parametrize("name", ["export.xlsx", "export.txt", "export"])
def test_unknown_extension_raises_input_error(filled: Store, tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError) as info:
        export_table(filled, "comments", tmp_path / name)
    assert "Exportformat" in info.value.message and ".jsonl" in (info.value.hint or "")
    assert list(tmp_path.glob("export*")) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\tx", "'\tx"), ("\uff1dA1", "'\uff1dA1"),
    ("Bäume", "Bäume"), ("1-2", "1-2"), ("", ""), (-1, -1), (None, None),
])
def test_neutralise_formula(value, expected) -> None:
    assert neutralise_formula(value) == expected
