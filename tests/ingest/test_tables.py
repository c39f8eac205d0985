"""Tests of the comment-table reader (CSV/TSV, XLSX, JSONL) through ``read_table``.

All fixtures are written into ``tmp_path`` by the tests themselves; the two
real exports from ``../shared/data`` are used when present.
"""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from insek_nlp.errors import IngestError, InputError
from insek_nlp.ingest.tables import ROLES, read_table


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _problem(extraction, code):
    found = [p for p in extraction.problems if p.code == code]
    assert len(found) == 1, f"expected one {code!r} problem, got {extraction.problems}"
    return found[0]


# --------------------------------------------------------------------------- CSV: encodings and delimiters


def test_roles_constant():
    assert ROLES == ("text", "title", "id", "created", "location", "lat", "lon", "category", "author", "url")


def test_cp1252_semicolon_with_umlauts_quotes_and_euro(tmp_path):
    csv_text = (
        "Nr;Datum;Titel;Beitrag;Ortsteil\r\n"
        "1;14.03.2026;Grünfläche;„Mehr Bäume“ im Viertel – kostet 5 €;Lindenau\r\n"
        '2;15.03.2026;Straße;"Tempo 30; bitte auch nachts";Gohlis-Süd\r\n'
    )
    path = _write(tmp_path / "beitraege.csv", csv_text, "cp1252")
    ext = read_table(path)
    assert ext.extractor == "csv (cp1252, ';')"
    assert ext.title == "beitraege"
    assert ext.columns == {"text": "Beitrag", "title": "Titel", "id": "Nr", "created": "Datum", "location": "Ortsteil"}
    first, second = ext.comments
    assert first.text == "„Mehr Bäume“ im Viertel – kostet 5 €"
    assert first.title == "Grünfläche"
    assert first.external_id == "1"
    assert first.created == "2026-03-14"
    assert first.location == "Lindenau"
    assert first.row == 1 and first.line == 2
    assert second.text == "Tempo 30; bitte auch nachts"
    assert second.location == "Gohlis-Süd"
    assert second.metadata == {}
    assert ext.problems == []


def test_utf8_bom_comma(tmp_path):
    path = _write(tmp_path / "export.csv", "\ufeffid,title,comment,district\n7,Park,Bänke fehlen,Mitte\n")
    ext = read_table(path)
    assert ext.extractor == "csv (utf-8-sig, ',')"
    assert ext.columns == {"text": "comment", "title": "title", "id": "id", "location": "district"}
    (c,) = ext.comments
    assert (c.external_id, c.title, c.text, c.location) == ("7", "Park", "Bänke fehlen", "Mitte")


def test_tab_separated(tmp_path):
    tsv = "Nr\tKommentar\tThema\n1\tZu laut, zu voll; zu eng\tVerkehr\n2\tMehr Grün\tUmwelt\n"
    path = _write(tmp_path / "export.tsv", tsv)
    ext = read_table(path)
    assert ext.extractor == "csv (utf-8, Tab)"
    assert [c.text for c in ext.comments] == ["Zu laut, zu voll; zu eng", "Mehr Grün"]
    assert [c.category for c in ext.comments] == ["Verkehr", "Umwelt"]


def test_pipe_separated_txt(tmp_path):
    path = _write(tmp_path / "export.txt", "Nr|Hinweis\n1|Ampel zu kurz\n2|Radweg, holprig\n")
    ext = read_table(path)
    assert ext.extractor == "csv (utf-8, '|')"
    assert [c.text for c in ext.comments] == ["Ampel zu kurz", "Radweg, holprig"]


def test_delimiter_not_fooled_by_punctuation_in_long_texts(tmp_path):
    # Commas and semicolons inside quoted texts, many of them: ';' is the real delimiter.
    rows = [f'{i};"Satz eins, Satz zwei, drei, vier; fünf, sechs";Ort {i}' for i in range(30)]
    path = _write(tmp_path / "x.csv", "Nr;Text;Ort\n" + "\n".join(rows) + "\n")
    ext = read_table(path)
    assert ext.extractor == "csv (utf-8, ';')"
    assert len(ext.comments) == 30
    assert ext.comments[0].text == "Satz eins, Satz zwei, drei, vier; fünf, sechs"


def test_excel_sep_line(tmp_path):
    path = _write(tmp_path / "x.csv", "sep=;\nNr;Text\n1;Hallo, Welt\n")
    ext = read_table(path)
    assert ext.extractor == "csv (utf-8, ';')"
    (c,) = ext.comments
    assert c.text == "Hallo, Welt" and c.line == 3 and c.row == 1


def test_quoted_multiline_fields_keep_line_numbers(tmp_path):
    csv_text = (
        'Nr,Titel,Text\r\n'
        '1,Erster,"Zeile eins\r\nZeile zwei\r\n\r\nAbsatz"\r\n'
        '2,Zweiter,"Ein ""Zitat"" hier"\r\n'
        '3,Dritter,einfach\r\n'
    )
    ext = read_table(_write(tmp_path / "multi.csv", csv_text))
    texts = [c.text for c in ext.comments]
    assert texts == ["Zeile eins\nZeile zwei\n\nAbsatz", 'Ein "Zitat" hier', "einfach"]
    assert [c.line for c in ext.comments] == [2, 6, 7]
    assert [c.row for c in ext.comments] == [1, 2, 3]


# --------------------------------------------------------------------------- roles


def test_german_header_names(tmp_path):
    csv_text = "Nr;Datum;Titel;Beitrag;Ortsteil\n12;14.03.2026 18:22;Spielplatz;Der Spielplatz ist kaputt.;Connewitz\n"
    ext = read_table(_write(tmp_path / "de.csv", csv_text))
    assert ext.columns == {"text": "Beitrag", "title": "Titel", "id": "Nr", "created": "Datum", "location": "Ortsteil"}
    (c,) = ext.comments
    assert c.created == "2026-03-14T18:22:00"
    assert (c.title, c.text) == ("Spielplatz", "Der Spielplatz ist kaputt.")


def test_english_header_names_and_all_roles(tmp_path):
    header = "ID,Created At,Subject,Message,Location,Latitude,Longitude,Category,Author,Link,Votes\n"
    row = '5,2026-03-14T18:22:00Z,Bench,"Please add benches",Plagwitz,51.3301,12.3301,Green,anna,https://x.de/5,12\n'
    ext = read_table(_write(tmp_path / "en.csv", header + row))
    assert ext.columns == {
        "text": "Message", "title": "Subject", "id": "ID", "created": "Created At", "location": "Location",
        "lat": "Latitude", "lon": "Longitude", "category": "Category", "author": "Author",
        "url": "Link",
    }
    (c,) = ext.comments
    assert c.created == "2026-03-14T18:22:00+00:00"
    assert (c.lat, c.lon) == (51.3301, 12.3301)
    assert (c.category, c.author, c.url) == ("Green", "anna", "https://x.de/5")
    assert c.metadata == {"Votes": "12"}


def test_role_names_case_and_accent_insensitive_and_compounds(tmp_path):
    header = "BEITRAGS-ID;erstellungsdatum;UEBERSCHRIFT;Anmerkungen;Strasse;Themenfeld\n"
    ext = read_table(_write(tmp_path / "x.csv", header + "A-1;1.2.2026;Titel;Eine Anmerkung;Karl-Heine-Str.;Grün\n"))
    assert ext.columns["id"] == "BEITRAGS-ID"
    assert ext.columns["created"] == "erstellungsdatum"
    assert ext.columns["text"] == "Anmerkungen"
    assert ext.columns["location"] == "Strasse"
    assert ext.columns["category"] == "Themenfeld"
    (c,) = ext.comments
    assert (c.external_id, c.created, c.location, c.category) == ("A-1", "2026-02-01", "Karl-Heine-Str.", "Grün")


def test_exact_match_beats_substring_and_no_column_gets_two_roles(tmp_path):
    # "Kommentar-ID" is the id (not the text); "Text" is the text; "Titel des Beitrags" the title.
    header = "Kommentar-ID,Titel des Beitrags,Text,Datum der Erstellung\n"
    ext = read_table(_write(tmp_path / "x.csv", header + "k1,Ein Titel,Der Text,02.01.2026\n"))
    assert ext.columns == {"text": "Text", "title": "Titel des Beitrags", "id": "Kommentar-ID",
                           "created": "Datum der Erstellung"}
    assert len(set(ext.columns.values())) == len(ext.columns)


def test_several_location_columns_are_joined(tmp_path):
    csv_text = "Stadtbezirk;Ortsteil;Text\nAlt-West;Lindenau;Mehr Licht\nMitte;;Ohne Ortsteil\n"
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert ext.columns["location"] == "Ortsteil + Stadtbezirk"
    assert [c.location for c in ext.comments] == ["Lindenau, Alt-West", "Mitte"]


def test_two_text_like_columns_pick_the_longer_and_keep_the_other(tmp_path):
    csv_text = "Hinweis;Kommentar\nkurz;Das ist der eigentliche, lange Kommentar zum Thema\n"
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert ext.columns["text"] == "Kommentar"
    (c,) = ext.comments
    assert c.metadata == {"Hinweis": "kurz"}
    assert "Hinweis" in _problem(ext, "text_columns").message


def test_columns_override(tmp_path):
    csv_text = "Frage;Antwort;Zusatz;Wo;Bezirk;Kennung\nWas fehlt?;Bäume;und Bänke;Lindenau;Alt-West;x7\n"
    path = _write(tmp_path / "x.csv", csv_text)
    ext = read_table(path, columns={"text": ["Antwort", "Zusatz"], "location": ["wo", "BEZIRK"], "title": "Frage"})
    (c,) = ext.comments
    assert c.text == "Bäume\n\nund Bänke"
    assert c.location == "Lindenau, Alt-West"
    assert c.title == "Was fehlt?"
    assert c.external_id == "x7"  # "Kennung" still detected
    assert ext.columns["text"] == "Antwort + Zusatz"
    assert ext.columns["location"] == "Wo + Bezirk"
    # a comma-separated string works as well (as typed on the command line)
    ext2 = read_table(path, columns={"text": "Antwort,Zusatz"})
    assert ext2.comments[0].text == "Bäume\n\nund Bänke"


def test_columns_override_errors(tmp_path):
    path = _write(tmp_path / "x.csv", "Nr;Text\n1;Hallo\n")
    with pytest.raises(IngestError) as err:
        read_table(path, columns={"text": "Beitrag"})
    assert err.value.code == "column_not_found"
    assert "„Beitrag“" in err.value.message and "„Nr“, „Text“" in err.value.message
    with pytest.raises(InputError):
        read_table(path, columns={"body": "Text"})
    with pytest.raises(InputError):
        read_table(path, columns={"text": "Text", "title": "Text"})


def test_no_text_column_lists_columns(tmp_path):
    path = _write(tmp_path / "x.csv", "Nr;Datum;Stimmen\n1;14.03.2026;3\n")
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "no_text_column"
    assert "„Nr“, „Datum“, „Stimmen“" in err.value.message
    assert "--text-col" in err.value.hint


def test_unassigned_columns_go_to_metadata_without_empty_values(tmp_path):
    ext = read_table(_write(tmp_path / "x.csv", "Nr;Text;Stimmen;Status\n1;A;3;\n2;B;;offen\n"))
    assert [c.metadata for c in ext.comments] == [{"Stimmen": "3"}, {"Status": "offen"}]


def test_formula_like_text_kept_verbatim(tmp_path):
    ext = read_table(_write(tmp_path / "x.csv", 'Nr;Text\n1;"=HYPERLINK(""http://x"";""klick"")"\n2;  +49 341 123  \n'))
    assert [c.text for c in ext.comments] == ['=HYPERLINK("http://x";"klick")', "+49 341 123"]


def test_text_word_as_head_keeps_the_column_for_text(tmp_path):
    # "Hinweis zum Ort" is a comment about a place, not a place.
    ext = read_table(_write(tmp_path / "x.csv", "Nr;Hinweis zum Ort;Ortsteil\n1;Zu dunkel hier;Gohlis\n"))
    assert ext.columns == {"text": "Hinweis zum Ort", "id": "Nr", "location": "Ortsteil"}


def test_unclosed_quote_is_reported(tmp_path):
    csv_text = 'Nr;Text\n1;gut\n2;"Hier fehlt das Ende\n3;weiter\n4;noch mehr\n'
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert [c.external_id for c in ext.comments] == ["1", "2"]
    problem = _problem(ext, "unclosed_quote")
    assert problem.location == "Zeile 3"
    assert "die restlichen 3 Zeilen" in problem.message


# --------------------------------------------------------------------------- rows that are not comments


def test_empty_rows_and_rows_without_text_are_reported(tmp_path):
    csv_text = (
        "Nr;Titel;Text;Ort\n"  # line 1
        "1;;Erster;A\n"  # 2
        "\n"  # 3 empty
        ";;;\n"  # 4 empty (only delimiters)
        "4;;;B\n"  # 5 data but no text/title
        "5;Nur Titel;;C\n"  # 6 a comment without text
        "6;;Letzter;D\n"  # 7
        ";;;\n"  # 8 trailing blank: not a problem
        "\n"
    )
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert [c.external_id for c in ext.comments] == ["1", "5", "6"]
    title_only = ext.comments[1]
    assert (title_only.title, title_only.text, title_only.row) == ("Nur Titel", "", 5)
    empty = _problem(ext, "empty_rows")
    assert empty.message == "2 leere Zeilen übersprungen (Zeilen 3, 4)."
    assert empty.severity == "info"
    no_text = _problem(ext, "rows_without_text")
    assert no_text.message.startswith("1 Zeile ohne Text und Titel übersprungen (Zeile 5).")
    assert no_text.severity == "warning"
    assert no_text.location == "Zeile 5"


def test_short_and_long_rows_are_kept_and_reported(tmp_path):
    csv_text = "Nr;Text;Ort;Status\n1;Kurz\n2;Normal;A;offen\n3;Lang;B;offen;Überschuss\n4\n"
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert [c.text for c in ext.comments] == ["Kurz", "Normal", "Lang"]
    assert ext.comments[2].metadata == {"Status": "offen", "Spalte 5": "Überschuss"}
    short = _problem(ext, "short_rows")
    assert short.severity == "warning"
    assert "(Zeile 2)" in short.message and short.location == "Zeile 2"
    assert "(Zeile 4)" in _problem(ext, "long_rows").message
    assert "(Zeile 5)" in _problem(ext, "rows_without_text").message  # "4" alone has no text


def test_only_header_is_an_error(tmp_path):
    with pytest.raises(IngestError) as err:
        read_table(_write(tmp_path / "x.csv", "Nr;Text\n"))
    assert err.value.code == "empty"


def test_text_column_empty_everywhere_is_an_error(tmp_path):
    with pytest.raises(IngestError) as err:
        read_table(_write(tmp_path / "x.csv", "Nr;Text;Ort\n1;;A\n2;;B\n"))
    assert err.value.code == "empty"
    assert "„Text“" in err.value.message


# --------------------------------------------------------------------------- values


def test_german_and_iso_dates(tmp_path):
    csv_text = (
        "Nr;Datum;Text\n"
        "1;14.03.2026;a\n"
        "2;14.03.2026 18:22;b\n"
        "3;14.3.26;c\n"
        "4;2026-03-14;d\n"
        "5;2026-03-14 18:22:05;e\n"
        "6;gestern;f\n"
        "7;31.02.2026;g\n"
        "8;;h\n"
        "9;14.03.2026, 9:05 Uhr;i\n"
    )
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert [c.created for c in ext.comments] == [
        "2026-03-14", "2026-03-14T18:22:00", "2026-03-14", "2026-03-14", "2026-03-14T18:22:05",
        "gestern", "31.02.2026", None, "2026-03-14T09:05:00",
    ]
    bad = _problem(ext, "bad_dates")
    assert bad.severity == "info"
    assert bad.message.startswith("2 Datumsangaben in Spalte „Datum“ nicht erkannt")
    assert "„gestern“" in bad.message and "Zeilen 7, 8" in bad.message


def test_coordinates_with_decimal_commas(tmp_path):
    csv_text = "Nr;Text;lat;lng\n1;a;51,3397;12,3731\n2;b;51.34;12.37\n3;c;abc;12,1\n4;d;95;12\n5;e;;\n"
    ext = read_table(_write(tmp_path / "x.csv", csv_text))
    assert [(c.lat, c.lon) for c in ext.comments] == [
        (51.3397, 12.3731), (51.34, 12.37), (None, 12.1), (None, 12.0), (None, None),
    ]
    bad = _problem(ext, "bad_coordinates")
    assert bad.message.startswith("2 ungültige Koordinaten")
    assert "Zeilen 4, 5" in bad.message


def test_crlf_inside_values_normalised_and_nfc(tmp_path):
    decomposed = "Gru\u0308n"  # "Grün" with a combining diaeresis
    path = tmp_path / "x.jsonl"
    record = {"text": f"  eins\r\nzwei {decomposed}  ", "titel": decomposed}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (c,) = read_table(path).comments
    assert c.text == "eins\nzwei Grün"
    assert c.title == "Grün"


# --------------------------------------------------------------------------- XLSX


def _set_cached_value(path: Path, cell: str, value: str) -> None:
    """Give an openpyxl-written formula the cached result Excel would store."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode("utf-8")
                xml, n = re.subn(rf'<c r="{cell}"><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                                 rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v></c>', xml)
                assert n == 1, xml
                data = xml.encode("utf-8")
            zout.writestr(info, data)


def _beitraege_workbook(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Beiträge"
    ws["A1"] = "INSEK-Beteiligung – Export vom 14.03.2026"
    ws.merge_cells("A1:H1")
    # row 2 empty; row 3: group headers
    ws["A3"] = "Beitrag"
    ws.merge_cells("A3:D3")
    ws["E3"] = "Ort"
    ws.merge_cells("E3:F3")
    header = ["Nr", "Datum", "Titel", "Beitrag", "Stadtteil", "Stadtbezirk", "Stimmen", "Notiz intern"]
    for col, name in enumerate(header, start=1):
        ws.cell(row=4, column=col, value=name)
    ws.cell(row=5, column=1, value=1)
    ws.cell(row=5, column=2, value=datetime(2026, 3, 14, 18, 22))
    ws.cell(row=5, column=3, value="Radweg")
    ws.cell(row=5, column=4, value="Der Radweg endet plötzlich.\r\nBitte verlängern.")
    ws.cell(row=5, column=5, value="Lindenau")
    ws.cell(row=5, column=6, value="Alt-West")
    ws.cell(row=5, column=7, value="=3+4")
    ws.cell(row=6, column=1, value=2)
    ws.cell(row=6, column=2, value=datetime(2026, 3, 15))
    formula_text = ws.cell(row=6, column=4, value='="Formel: "&C6')  # a text computed by a formula
    assert formula_text.data_type == "f"
    ws.cell(row=6, column=3, value="Park")
    literal = ws.cell(row=6, column=8, value="=SUMME(A1:A3)")
    literal.data_type = "s"  # a text cell that merely starts with "="
    # row 7 empty (reported), row 8 a comment, rows 9-12 formatted but blank (not reported)
    ws.cell(row=8, column=1, value=3)
    ws.cell(row=8, column=4, value="Mehr Bänke")
    ws.cell(row=8, column=5, value="Connewitz")
    for r in range(9, 13):
        ws.cell(row=r, column=1).font = Font(bold=True)
    wb.save(path)
    _set_cached_value(path, "G5", "7")
    _set_cached_value(path, "D6", "Formel: Park")
    return path


def test_xlsx_title_row_group_headers_dates_and_formulas(tmp_path):
    path = _beitraege_workbook(tmp_path / "beitraege.xlsx")
    ext = read_table(path)
    assert ext.extractor == "xlsx (Blatt 'Beiträge')"
    assert ext.columns == {
        "text": "Beitrag", "title": "Beitrag / Titel", "id": "Beitrag / Nr", "created": "Beitrag / Datum",
        "location": "Ort / Stadtteil + Ort / Stadtbezirk",
    }
    first, second, third = ext.comments
    assert (first.row, first.line) == (1, 5)
    assert first.external_id == "1"
    assert first.created == "2026-03-14T18:22:00"
    assert first.text == "Der Radweg endet plötzlich.\nBitte verlängern."
    assert first.location == "Lindenau, Alt-West"
    assert first.metadata == {"Stimmen": "7"}  # the formula's cached value, not "=3+4"
    assert second.created == "2026-03-15"
    assert second.text == "Formel: Park"
    assert second.metadata == {"Notiz intern": "=SUMME(A1:A3)"}  # verbatim, not neutralised
    assert (third.row, third.line, third.text, third.location) == (4, 8, "Mehr Bänke", "Connewitz")
    assert _problem(ext, "empty_rows").message == "1 leere Zeile übersprungen (Zeile 7)."
    assert _problem(ext, "header_row").location == "Zeile 4"
    assert {p.code for p in ext.problems} == {"empty_rows", "header_row"}


def test_xlsx_single_label_above_header_is_not_a_group(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["", "Ort", "", ""])
    ws.append(["Kommentar", "Ortsteil", "Stadtbezirk", "Stimmen"])
    ws.append(["Zu eng", "Gohlis", "Nord", 2])
    wb.save(tmp_path / "g.xlsx")
    ext = read_table(tmp_path / "g.xlsx")
    # a single label without a merge reads as a title, not as a group row
    assert ext.columns == {"text": "Kommentar", "location": "Ortsteil + Stadtbezirk"}
    assert ext.comments[0].metadata == {"Stimmen": "2"}


def test_xlsx_title_directly_above_header_is_not_a_group(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Bürgerbeteiligung Grünau, Export"
    ws.merge_cells("A1:B1")  # merged over part of the header only, but starting in column A
    ws["D1"] = None
    for col, name in enumerate(["Nr", "Beitrag", "Ortsteil", "Stimmen"], start=1):
        ws.cell(row=2, column=col, value=name)
    ws.append([1, "Mehr Schatten", "Grünau-Mitte", 3])
    wb.save(tmp_path / "t.xlsx")
    ext = read_table(tmp_path / "t.xlsx")
    assert ext.columns == {"text": "Beitrag", "id": "Nr", "location": "Ortsteil"}
    assert ext.comments[0].metadata == {"Stimmen": "3"}


def test_xlsx_single_merged_group_label(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["C1"] = "Ort"
    ws.merge_cells("C1:D1")
    ws.append(["Nr", "Anmerkung", "Stadtteil", "Stadtbezirk"])
    ws.append([1, "Zu laut", "Reudnitz", "Ost"])
    wb.save(tmp_path / "g.xlsx")
    ext = read_table(tmp_path / "g.xlsx")
    assert ext.columns["location"] == "Ort / Stadtteil + Ort / Stadtbezirk"
    assert ext.comments[0].location == "Reudnitz, Ost"


def _two_sheet_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    info = wb.active
    info.title = "Übersicht"
    info.append(["Export der Beteiligung"])
    data = wb.create_sheet("Beiträge")
    data.append(["ID", "Kommentar"])
    data.append([101, "Mehr Bäume"])
    data.append([102.0, "Weniger Autos"])
    wb.save(path)
    return path


def test_xlsx_sheet_by_name_and_number(tmp_path):
    path = _two_sheet_workbook(tmp_path / "zwei.xlsx")
    by_name = read_table(path, sheet="Beiträge")
    assert by_name.extractor == "xlsx (Blatt 'Beiträge')"
    assert [(c.external_id, c.text) for c in by_name.comments] == [("101", "Mehr Bäume"), ("102", "Weniger Autos")]
    by_number = read_table(path, sheet=2)
    assert [c.text for c in by_number.comments] == ["Mehr Bäume", "Weniger Autos"]
    assert read_table(path, sheet="beiträge").comments  # case-insensitive fallback


def test_xlsx_unknown_sheet_lists_sheets(tmp_path):
    path = _two_sheet_workbook(tmp_path / "zwei.xlsx")
    with pytest.raises(IngestError) as err:
        read_table(path, sheet="Kommentare")
    assert err.value.code == "sheet_not_found"
    assert "„Übersicht“, „Beiträge“" in err.value.message
    with pytest.raises(IngestError) as err:
        read_table(path, sheet=3)
    assert "„Übersicht“, „Beiträge“" in err.value.message


def test_xlsx_that_is_not_a_zip(tmp_path):
    path = _write(tmp_path / "export.xlsx", "Nr;Text\n1;Hallo\n")
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "wrong_format"
    assert ".csv" in err.value.hint


def test_xlsx_zip_bomb_refused(tmp_path):
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (40 * 1024 * 1024))
    assert path.stat().st_size < 200 * 1024
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "zip_bomb"
    assert "Kompressionsrate" in err.value.message


def test_docx_renamed_to_xlsx(tmp_path):
    path = tmp_path / "brief.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "wrong_format"
    assert "Word-Dokument" in err.value.message


# --------------------------------------------------------------------------- JSONL


def test_jsonl_with_malformed_line(tmp_path):
    lines = [
        json.dumps({"id": 1, "titel": "Park", "text": "Mehr Bänke", "ortsteile": ["Lindenau", "Plagwitz"],
                    "lat": 51.33}),
        '{"id": 2, "text": "kaputt',
        json.dumps({"id": 3, "text": "Licht fehlt", "stimmen": 4, "extra": {"a": 1}}),
        "",
        "[1, 2]",
        json.dumps({"id": 6, "text": "Zu laut\u2028hier"}, ensure_ascii=False),  # U+2028 is no line break in JSONL
    ]
    path = _write(tmp_path / "beitraege.jsonl", "\n".join(lines) + "\n")
    ext = read_table(path)
    assert ext.extractor == "jsonl"
    assert [(c.external_id, c.text, c.row, c.line) for c in ext.comments] == [
        ("1", "Mehr Bänke", 1, 1), ("3", "Licht fehlt", 3, 3), ("6", "Zu laut\u2028hier", 6, 6),
    ]
    first, second, _ = ext.comments
    assert first.title == "Park"
    assert first.location == "Lindenau, Plagwitz"
    assert first.lat == 51.33
    assert second.metadata == {"stimmen": "4", "extra": '{"a": 1}'}
    bad = _problem(ext, "bad_json")
    assert bad.severity == "warning"
    assert "(Zeilen 2, 5)" in bad.message


# --------------------------------------------------------------------------- wrong files


def test_pdf_renamed_to_csv(tmp_path):
    path = tmp_path / "entwurf.csv"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "wrong_format"
    assert "PDF" in err.value.message
    assert err.value.hint


def test_binary_file_as_csv(tmp_path):
    path = tmp_path / "daten.csv"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert err.value.code == "wrong_format"


def test_xlsx_renamed_to_csv(tmp_path):
    path = _two_sheet_workbook(tmp_path / "zwei.xlsx").rename(tmp_path / "zwei.csv")
    with pytest.raises(IngestError) as err:
        read_table(path)
    assert ".xlsx" in err.value.hint


def test_unknown_extension_and_empty_file(tmp_path):
    with pytest.raises(IngestError) as err:
        read_table(_write(tmp_path / "x.xls", "egal"))
    assert err.value.code == "unsupported" and ".xlsx" in err.value.hint
    with pytest.raises(IngestError) as err:
        read_table(_write(tmp_path / "leer.csv", ""))
    assert err.value.code == "empty"


# --------------------------------------------------------------------------- speed


def test_reads_many_rows_quickly(tmp_path):
    n = 20_000
    rows = "".join(f"{i};{i % 28 + 1}.3.2026;Titel {i};Beitrag Nummer {i} über Radwege, Bäume und Lärm;Lindenau;7\n"
                   for i in range(n))
    path = _write(tmp_path / "viel.csv", "Nr;Datum;Titel;Beitrag;Ortsteil;Stimmen\n" + rows, "cp1252")
    start = time.perf_counter()
    ext = read_table(path)
    elapsed = time.perf_counter() - start
    assert len(ext.comments) == n
    assert ext.comments[-1].created == "2026-03-08"
    assert elapsed < 2.0, f"{n} rows took {elapsed:.2f} s"


# --------------------------------------------------------------------------- real data


def _shared_data() -> Path | None:
    candidates = [Path(__file__).resolve().parents[2].parent / "shared" / "data"]
    if os.environ.get("INSEK_SHARED_DATA"):
        candidates.insert(0, Path(os.environ["INSEK_SHARED_DATA"]))
    return next((p for p in candidates if p.is_dir()), None)


def _real_file(name: str) -> Path:
    folder = _shared_data()
    if folder is None or not (folder / name).is_file():
        pytest.skip(f"{name} not available (../shared/data or INSEK_SHARED_DATA)")
    return folder / name


@pytest.mark.realdata
def test_real_bonn_cycling_dialogue():
    ext = read_table(_real_file("cycling-dialogue-bonn.csv"))
    assert len(ext.comments) == 2314
    assert ext.columns == {"text": "text", "title": "title", "id": "ID", "created": "created",
                           "category": "main_category_level1", "url": "URL"}
    assert ext.extractor == "csv (utf-8, ',')"
    first = ext.comments[0]
    assert (first.external_id, first.title, first.text) == ("B1440", "Radwege/ Radparkplätze", "")
    assert first.created == "2017-09-13T08:08:40+02:00"
    assert first.category == "level1_bicycle_parking"
    assert first.metadata["level2_no_or_too_few_parking_facilities"] == "1"
    assert first.metadata["dataset"] == "B"
    assert len({c.external_id for c in ext.comments}) == 2314
    assert sum(1 for c in ext.comments if not c.text) == 30  # title-only contributions are kept
    assert [p for p in ext.problems if p.severity != "info"] == []


@pytest.mark.realdata
def test_real_freiraum_ottensen():
    ext = read_table(_real_file("freiraum-ottensen.csv"))
    assert len(ext.comments) == 697
    assert ext.columns == {"text": "text", "title": "title", "id": "document_id", "url": "url"}
    first = ext.comments[0]
    assert first.external_id == "Ott262"
    assert first.text.startswith("Der Alma Wartenberg Platz ist ein wichtiger Ort für Begegnungen.\nMenschen")
    assert first.metadata["cycling"] == "1"
    assert len(first.metadata) == 12
    assert ext.problems == []
