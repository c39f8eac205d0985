"""Tests for the workshop-note readers (DOCX, Markdown, plain text)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from insek_nlp.errors import IngestError
from insek_nlp.ingest.base import Block, Extraction
from insek_nlp.ingest.notes import read_docx, read_markdown, read_plain_text

docx = pytest.importorskip("docx")

from docx.oxml.ns import qn  # noqa: E402

DEMO_NOTES = Path(__file__).resolve().parents[2] / "corpora" / "demo" / "src" / "notes" / "werkstatt-mobilitaet-osten.md"


def _by_text(extraction: Extraction, text: str) -> Block:
    matches = [b for b in extraction.blocks if b.text == text]
    assert len(matches) == 1, f"{text!r} found {len(matches)} times in {[b.text for b in extraction.blocks]}"
    return matches[0]


# --------------------------------------------------------------------------- DOCX


def _build_docx(path: Path) -> Path:
    doc = docx.Document()
    doc.core_properties.title = "Werkstatt Grünau – Protokoll"
    doc.add_heading("1 Begrüßung", level=1)
    doc.add_paragraph("Die Werkstatt fand im Stadt\u00adteilzentrum statt.")
    doc.add_paragraph("")  # empty paragraph: skipped
    doc.add_paragraph("   ")  # whitespace only: skipped
    doc.add_heading("1.1 Teilnehmende", level=2)
    doc.add_paragraph("Anwohner:innen aus Grünau-Mitte", style="List Bullet")
    doc.add_paragraph("Vertreter\u200b der Verwaltung", style="List Bullet")
    doc.add_paragraph("• Schüler:innen der Oberschule")  # typed bullet, Normal style
    doc.add_heading("2 Ergebnisse", level=1)
    doc.add_paragraph("Mehr Bäume pflanzen", style="List Number")
    doc.add_paragraph("Spielplätze sanieren", style="List Number")
    doc.add_paragraph("3. Radwege ausbauen")  # typed enumerator: kept
    bold = doc.add_paragraph()
    bold.add_run("2.1 Station A").bold = True  # bold-only numbered line: a heading
    table = doc.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Maßnahme", "Ort", "Zeitraum"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["Baumpflanzungen", "Grünau-Mitte", "2027"]):
        cell.text = text
    for cell, text in zip(table.rows[2].cells, ["Spielplatz", "Grünau-Nord", ""]):
        cell.text = text
    doc.add_paragraph("2.2 Station B")  # numbered but not bold: a paragraph
    doc.add_heading("3 Ausblick", level=1)
    doc.add_paragraph("Das Protokoll wird verschickt.")
    doc.save(path)
    return path


def test_docx_blocks_in_reading_order(tmp_path: Path) -> None:
    ex = read_docx(_build_docx(tmp_path / "werkstatt.docx"))

    assert ex.extractor == "docx"
    assert ex.title == "Werkstatt Grünau – Protokoll"
    assert [(b.kind, b.text) for b in ex.blocks] == [
        ("heading", "1 Begrüßung"),
        ("paragraph", "Die Werkstatt fand im Stadtteilzentrum statt."),
        ("heading", "1.1 Teilnehmende"),
        ("list_item", "Anwohner:innen aus Grünau-Mitte"),
        ("list_item", "Vertreter der Verwaltung"),
        ("list_item", "Schüler:innen der Oberschule"),
        ("heading", "2 Ergebnisse"),
        ("list_item", "Mehr Bäume pflanzen"),
        ("list_item", "Spielplätze sanieren"),
        ("list_item", "3. Radwege ausbauen"),
        ("heading", "2.1 Station A"),
        ("table_row", "Maßnahme: Baumpflanzungen; Ort: Grünau-Mitte; Zeitraum: 2027"),
        ("table_row", "Maßnahme: Spielplatz; Ort: Grünau-Nord"),
        ("paragraph", "2.2 Station B"),
        ("heading", "3 Ausblick"),
        ("paragraph", "Das Protokoll wird verschickt."),
    ]
    assert all(b.page is None for b in ex.blocks)


def test_docx_sections_and_levels(tmp_path: Path) -> None:
    ex = read_docx(_build_docx(tmp_path / "werkstatt.docx"))

    h11 = _by_text(ex, "1.1 Teilnehmende")
    assert (h11.level, h11.section) == (2, ("1 Begrüßung", "1.1 Teilnehmende"))
    assert _by_text(ex, "1 Begrüßung").level == 1
    assert _by_text(ex, "Anwohner:innen aus Grünau-Mitte").section == ("1 Begrüßung", "1.1 Teilnehmende")
    # A level-1 heading closes the open level-2 heading.
    assert _by_text(ex, "Mehr Bäume pflanzen").section == ("2 Ergebnisse",)
    station = _by_text(ex, "2.1 Station A")
    assert (station.level, station.section) == (2, ("2 Ergebnisse", "2.1 Station A"))
    row = _by_text(ex, "Maßnahme: Baumpflanzungen; Ort: Grünau-Mitte; Zeitraum: 2027")
    assert row.section == ("2 Ergebnisse", "2.1 Station A")
    assert _by_text(ex, "Das Protokoll wird verschickt.").section == ("3 Ausblick",)
    assert all(b.level == 0 for b in ex.blocks if b.kind != "heading")


def test_docx_title_falls_back_to_first_top_heading_then_stem(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("Vorbemerkung")
    doc.add_heading("Zwischentitel", level=2)
    doc.add_heading("Ergebnisse der Werkstatt", level=1)
    doc.save(tmp_path / "a.docx")
    assert read_docx(tmp_path / "a.docx").title == "Ergebnisse der Werkstatt"

    doc = docx.Document()
    doc.add_paragraph("Nur ein Absatz.")
    doc.save(tmp_path / "notizen-plenum.docx")
    assert read_docx(tmp_path / "notizen-plenum.docx").title == "notizen-plenum"


def test_docx_german_styles_outline_level_and_numpr(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("Deckblatt", style="Title")
    p = doc.add_paragraph("Gliederungsebene zwei")
    p._p.get_or_add_pPr().append(_el("w:outlineLvl", val="1"))
    q = doc.add_paragraph("Automatisch nummeriert")
    num_pr = _el("w:numPr")
    num_pr.append(_el("w:ilvl", val="0"))
    num_pr.append(_el("w:numId", val="1"))
    q._p.get_or_add_pPr().append(num_pr)
    ueber = doc.styles.add_style("Überschrift 3", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("Eigene deutsche Überschrift", style=ueber)
    doc.save(tmp_path / "stile.docx")

    ex = read_docx(tmp_path / "stile.docx")
    assert [(b.kind, b.level, b.text) for b in ex.blocks] == [
        ("heading", 1, "Deckblatt"),
        ("heading", 2, "Gliederungsebene zwei"),
        ("list_item", 0, "Automatisch nummeriert"),
        ("heading", 3, "Eigene deutsche Überschrift"),
    ]
    assert ex.blocks[-1].section == ("Deckblatt", "Gliederungsebene zwei", "Eigene deutsche Überschrift")


def _el(tag: str, **attrs: str):
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def test_docx_merged_cells_not_repeated_and_headerless_table(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_heading("Übersicht", level=1)
    table = doc.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Station", "Vorschlag", "Stimmen"]):
        cell.text = text
    merged = table.cell(1, 0).merge(table.cell(2, 0))  # vertical merge
    merged.text = "A"
    table.cell(1, 1).text = "Bäume"
    table.cell(1, 2).text = "24"
    table.cell(2, 1).text = "Querungen"
    table.cell(2, 2).text = "25"
    wide = table.cell(3, 0).merge(table.cell(3, 2))  # horizontal merge: a group row
    wide.text = "Summe aller Stationen"
    numbers = doc.add_table(rows=2, cols=2)  # first row is data, not a header
    for r, values in enumerate([["2025", "31"], ["2026", "35"]]):
        for cell, text in zip(numbers.rows[r].cells, values):
            cell.text = text
    doc.save(tmp_path / "tabellen.docx")

    rows = [b.text for b in read_docx(tmp_path / "tabellen.docx").blocks if b.kind == "table_row"]
    assert rows == [
        "Station: A; Vorschlag: Bäume; Stimmen: 24",
        "Vorschlag: Querungen; Stimmen: 25",
        "Summe aller Stationen",
        "2025; 31",
        "2026; 35",
    ]


def test_docx_tracked_insertion_read_and_deletion_dropped(tmp_path: Path) -> None:
    doc = docx.Document()
    p = doc.add_paragraph("Mehr Bäume ")
    ins = _el("w:ins", id="1", author="Moderation")
    run = _el("w:r")
    t = _el("w:t")
    t.text = "und Bänke"
    run.append(t)
    ins.append(run)
    p._p.append(ins)
    deleted = _el("w:del", id="2", author="Moderation")
    drun = _el("w:r")
    dt = _el("w:delText")
    dt.text = " und Parkplätze"
    drun.append(dt)
    deleted.append(drun)
    p._p.append(deleted)
    doc.save(tmp_path / "aenderungen.docx")

    ex = read_docx(tmp_path / "aenderungen.docx")
    assert [b.text for b in ex.blocks] == ["Mehr Bäume und Bänke"]
    assert [p.code for p in ex.problems] == ["tracked_changes"]


def test_docx_text_box_read_once(tmp_path: Path) -> None:
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>Im Textfeld</w:t></w:r></w:p></w:txbxContent>"
    run = (
        f'<w:r xmlns:w="{w}" xmlns:mc="{mc}"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing>{box}</w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"  # the same text again, for old Word
        "</mc:AlternateContent></w:r>"
    )
    doc = docx.Document()
    doc.add_paragraph("Plakat").add_run().element.addnext(etree.fromstring(run))
    doc.add_paragraph("Danach")
    doc.save(tmp_path / "textfeld.docx")

    assert [b.text for b in read_docx(tmp_path / "textfeld.docx").blocks] == ["Plakat", "Im Textfeld", "Danach"]


def _error(reader, path: Path) -> IngestError:
    with pytest.raises(IngestError) as info:
        reader(path)
    return info.value


def test_docx_corrupt_truncated_file(tmp_path: Path) -> None:
    good = _build_docx(tmp_path / "gut.docx").read_bytes()
    bad = tmp_path / "kaputt.docx"
    bad.write_bytes(good[: len(good) // 2])

    err = _error(read_docx, bad)
    assert err.code == "corrupt"
    assert "beschädigt" in err.message
    assert err.hint and ".docx" in err.hint
    assert err.status == "failed"


def test_docx_broken_xml_inside_zip(tmp_path: Path) -> None:
    src = _build_docx(tmp_path / "gut.docx")
    bad = tmp_path / "kaputt.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]  # unclosed elements
            zout.writestr(info, data)

    err = _error(read_docx, bad)
    assert err.code == "corrupt"
    assert "beschädigt" in err.message


def test_docx_plain_zip_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "archiv.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notizen.txt", "Hallo")
    err = _error(read_docx, path)
    assert err.code == "not_docx"
    assert "ZIP-Archiv" in err.message and err.hint


def test_docx_pdf_renamed(tmp_path: Path) -> None:
    path = tmp_path / "protokoll.docx"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    err = _error(read_docx, path)
    assert err.code == "not_docx"
    assert "PDF" in err.message and "protokoll.docx" in err.message
    assert "Bitte als .docx speichern" in (err.hint or "")


def test_docx_ole_header_old_word_or_password(tmp_path: Path) -> None:
    path = tmp_path / "alt.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    err = _error(read_docx, path)
    assert "passwortgeschützt" in err.message and "alten Word-Format" in err.message
    assert "Bitte als .docx speichern" in (err.hint or "")
    assert err.status == "failed"


def test_docx_encrypted_ole_container(tmp_path: Path) -> None:
    path = tmp_path / "geheim.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le"))
    err = _error(read_docx, path)
    assert "passwortgeschützt" in err.message
    assert err.status == "encrypted" and err.code == "encrypted"


def test_docx_zip_bomb_by_ratio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx, "Document", _must_not_open)
    path = tmp_path / "bombe.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    assert path.stat().st_size < 100_000

    err = _error(read_docx, path)
    assert err.code == "archive_bomb"
    assert "MB" in err.message and err.hint


def test_docx_zip_bomb_by_declared_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx, "Document", _must_not_open)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>" * 100)
    data = bytearray(buf.getvalue())
    # Claim 400 MB for every member in the central directory.
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", data, pos + 24, 400 * 1024 * 1024)
        pos = data.find(b"PK\x01\x02", pos + 4)
    path = tmp_path / "gross.docx"
    path.write_bytes(bytes(data))

    err = _error(read_docx, path)
    assert err.code == "archive_bomb"


def _must_not_open(*args, **kwargs):
    raise AssertionError("python-docx must not open a suspicious archive")


def test_docx_empty_file_and_document_without_text(tmp_path: Path) -> None:
    empty = tmp_path / "leer.docx"
    empty.write_bytes(b"")
    err = _error(read_docx, empty)
    assert err.message == "Die Datei enthält keinen Text."
    assert err.hint

    doc = docx.Document()
    doc.add_paragraph("")
    doc.add_paragraph("\u00ad\u200b")
    doc.save(tmp_path / "ohne-text.docx")
    err = _error(read_docx, tmp_path / "ohne-text.docx")
    assert err.message == "Die Datei enthält keinen Text."
    assert err.code == "no_text"


def test_docx_missing_file(tmp_path: Path) -> None:
    err = _error(read_docx, tmp_path / "gibt-es-nicht.docx")
    assert "nicht gefunden" in err.message


# --------------------------------------------------------------------------- Markdown

MARKDOWN = """---
title: "Werkstatt Grünau: Ergebnisse"
datum: 2026-03-03
---

Einleitung
==========

Die Werkstatt war *gut* besucht und
die Stimmung **konstruktiv**.

## 1 Wünsche

- Mehr Bäume
  - an der Stuttgarter Allee
  - am Schönauer Park
- Sichere Querungen
  für Kinder

1. Erster Schritt
2. Zweiter Schritt

| Maßnahme | Ort | Zeitraum |
|---|---|---|
| Baumpflanzungen | Grünau-Mitte | 2027 |
| Spielplatz | | 2028 |

> Ein Zitat aus dem Plenum.

<script>alert(1)</script>

```
Code bleibt Text
```

Unterpunkt
----------

Letzter Absatz mit [Link](https://example.org) und `Code`.
"""


def test_markdown_blocks(tmp_path: Path) -> None:
    path = tmp_path / "werkstatt.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    ex = read_markdown(path)

    assert ex.extractor == "markdown"
    assert ex.title == "Werkstatt Grünau: Ergebnisse"
    assert [(b.kind, b.level, b.text) for b in ex.blocks] == [
        ("heading", 1, "Einleitung"),
        ("paragraph", 0, "Die Werkstatt war gut besucht und die Stimmung konstruktiv."),
        ("heading", 2, "1 Wünsche"),
        ("list_item", 0, "Mehr Bäume"),
        ("list_item", 0, "an der Stuttgarter Allee"),
        ("list_item", 0, "am Schönauer Park"),
        ("list_item", 0, "Sichere Querungen für Kinder"),
        ("list_item", 0, "1. Erster Schritt"),
        ("list_item", 0, "2. Zweiter Schritt"),
        ("table_row", 0, "Maßnahme: Baumpflanzungen; Ort: Grünau-Mitte; Zeitraum: 2027"),
        ("table_row", 0, "Maßnahme: Spielplatz; Zeitraum: 2028"),
        ("paragraph", 0, "Ein Zitat aus dem Plenum."),
        ("paragraph", 0, "<script>alert(1)</script>"),
        ("paragraph", 0, "Code bleibt Text"),
        ("heading", 2, "Unterpunkt"),
        ("paragraph", 0, "Letzter Absatz mit Link und Code."),
    ]
    assert _by_text(ex, "am Schönauer Park").section == ("Einleitung", "1 Wünsche")
    assert _by_text(ex, "Unterpunkt").section == ("Einleitung", "Unterpunkt")
    assert _by_text(ex, "Einleitung").section == ("Einleitung",)


def test_markdown_title_without_front_matter_and_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "notizen.md"
    path.write_bytes("Vorwort\n\n# Große Straße\n\nText über Straßenbäume.\n".encode("cp1252"))
    ex = read_markdown(path)
    assert ex.title == "Große Straße"
    assert ex.blocks[-1] == Block("paragraph", "Text über Straßenbäume.", ("Große Straße",), None, 0)

    path2 = tmp_path / "ohne-ueberschrift.md"
    path2.write_text("Nur Text, keine Überschrift.\n", encoding="utf-8")
    assert read_markdown(path2).title == "ohne-ueberschrift"


def test_markdown_thematic_break_is_not_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "trenner.md"
    path.write_text("---\n\nEin Absatz, der kein Schlüssel ist.\n\n---\n\nNoch einer.\n", encoding="utf-8")
    ex = read_markdown(path)
    assert [b.text for b in ex.blocks] == ["Ein Absatz, der kein Schlüssel ist.", "Noch einer."]


def test_markdown_empty(tmp_path: Path) -> None:
    path = tmp_path / "leer.md"
    path.write_text("---\ntitle: Leer\n---\n\n   \n", encoding="utf-8")
    err = _error(read_markdown, path)
    assert err.message == "Die Datei enthält keinen Text."


@pytest.mark.skipif(not DEMO_NOTES.exists(), reason="demo notes not present")
def test_markdown_demo_notes() -> None:
    ex = read_markdown(DEMO_NOTES)
    headings = [b for b in ex.blocks if b.kind == "heading"]
    assert ex.title.startswith("Werkstatt Mobilität")
    assert len(headings) >= 5
    assert all(b.text[0].isdigit() for b in headings)
    assert any(b.level == 2 and b.section[0][0].isdigit() and len(b.section) == 2 for b in headings)
    items = [b for b in ex.blocks if b.kind == "list_item"]
    assert len(items) >= 10
    assert not any(b.text.startswith(("- ", "* ")) for b in items)
    assert any(b.kind == "table_row" and "Vorschlag:" in b.text for b in ex.blocks)


# --------------------------------------------------------------------------- plain text

PLAIN = """Ergebnisprotokoll
=================

1 Ausgangslage

Die Teilnehmenden wünschen mehr Klima-
anpassung im Quartier, vor allem Rad-
und Fußwege sowie Grün in Grünau-
Mitte. Die Werkstatt fand am
3. März 2026 statt.

2.1 Wünsche der Anwohner

Genannt wurden:
- Bäume in der Straße
- Sichere Querungen an der
  Haltestelle
• Mehr Bänke

1. Erster Schritt
2. Zweiter Schritt
   mit Fortsetzung

Kosten: 5 €, Preise für Übernachtung.
"""


def test_plain_text_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "protokoll.txt"
    path.write_bytes(PLAIN.replace("\n", "\r\n").encode("cp1252"))
    ex = read_plain_text(path)

    assert ex.extractor == "text (cp1252)"
    assert ex.title == "Ergebnisprotokoll"
    assert [(b.kind, b.level, b.text) for b in ex.blocks] == [
        ("heading", 1, "Ergebnisprotokoll"),
        ("heading", 1, "1 Ausgangslage"),
        (
            "paragraph",
            0,
            "Die Teilnehmenden wünschen mehr Klimaanpassung im Quartier, vor allem Rad- und Fußwege "
            "sowie Grün in Grünau-Mitte. Die Werkstatt fand am 3. März 2026 statt.",
        ),
        ("heading", 2, "2.1 Wünsche der Anwohner"),
        ("paragraph", 0, "Genannt wurden:"),
        ("list_item", 0, "Bäume in der Straße"),
        ("list_item", 0, "Sichere Querungen an der Haltestelle"),
        ("list_item", 0, "Mehr Bänke"),
        ("list_item", 0, "1. Erster Schritt"),
        ("list_item", 0, "2. Zweiter Schritt mit Fortsetzung"),
        ("paragraph", 0, "Kosten: 5 €, Preise für Übernachtung."),
    ]
    assert _by_text(ex, "1 Ausgangslage").section == ("1 Ausgangslage",)
    assert _by_text(ex, "Mehr Bänke").section == ("1 Ausgangslage", "2.1 Wünsche der Anwohner")


def test_plain_text_utf8_title_from_stem_and_numbered_items_between_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "notizen-plenum.txt"
    path.write_text(
        "Ablauf:\n\n1. Begrüßung\n\n2. Kurzinput\n\nStadt\u00ad\nteil und Zero\u200bwidth.\n",
        encoding="utf-8",
    )
    ex = read_plain_text(path)
    assert ex.extractor == "text (utf-8)"
    assert ex.title == "notizen-plenum"
    assert [(b.kind, b.text) for b in ex.blocks] == [
        ("paragraph", "Ablauf:"),
        ("list_item", "1. Begrüßung"),
        ("list_item", "2. Kurzinput"),
        ("paragraph", "Stadtteil und Zerowidth."),
    ]


def test_plain_text_empty(tmp_path: Path) -> None:
    path = tmp_path / "leer.txt"
    path.write_bytes(b"")
    err = _error(read_plain_text, path)
    assert err.message == "Die Datei enthält keinen Text."
    assert err.hint

    path.write_text("\n \n\t\n", encoding="utf-8")
    assert _error(read_plain_text, path).code == "no_text"
