"""The report: HTML (escaped, self-contained), XLSX workbook and CSV per table, masked by default."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import lxml.html
import openpyxl
import pytest

from insek_nlp.classify.themes import label_item
from insek_nlp.cli import main
from insek_nlp.conflicts import conflict_flags, review_conflict
from insek_nlp.errors import InputError
from insek_nlp.ingest import IngestOptions, ingest
from insek_nlp.participation import rename_concern
from insek_nlp.pipeline import run_analysis
from insek_nlp.report import collect_report, render_html, write_report
from insek_nlp.store import Store

CAMPAIGN = ("Ich spreche mich gegen die Bebauung der Rietzschke-Aue an der Torgauer Straße aus. Die Aue ist für "
            "das Stadtklima im Leipziger Osten unverzichtbar und muss frei bleiben.")
SCRIPT = "<script>alert(1)</script> Bitte den Radweg in der Karl-Liebknecht-Straße sanieren."
IMG = '<img src=x onerror="alert(2)"> Mehr Bäume in der Eisenbahnstraße, bitte!'
FORMULA = "=HYPERLINK(\"http://example.org\";\"klick\") Mehr Grün in Grünau"
EMAIL = "anna.schmidt@example.org"
PHONE = "0341 5558723"


def _comments_csv(path: Path) -> Path:
    rows = [["Nr", "Titel", "Beitrag", "Ortsteil", "Link", "Quelle"]]
    for i in range(6):
        rows.append([f"K{i}", "Aue retten", f"{CAMPAIGN} Gruß{'!' * (i % 2)}", "Paunsdorf",
                     f"https://beteiligung.example/k{i}", "Online-Formular"])
    topics = [
        ("Radweg", "Der Radweg in der Karl-Liebknecht-Straße ist viel zu schmal und ständig zugeparkt.", "Südvorstadt"),
        ("Bäume", "In der Eisenbahnstraße fehlen Bäume, im Sommer ist es unerträglich heiß.", "Volkmarsdorf"),
        ("Mieten", "Die Mieten in Connewitz steigen so stark, dass Familien wegziehen müssen.", ""),
        ("Schule", "Die Grundschule in Grünau braucht dringend mehr Platz und eine neue Turnhalle.", "Grünau"),
    ]
    extras = ["Seit Jahren ärgert mich das.", "Bitte endlich handeln!", "Meine Nachbarn sehen das genauso.",
              "Das betrifft vor allem ältere Menschen.", "Kinder sind besonders gefährdet."]
    for i in range(16):
        title, text, ort = topics[i % 4]
        rows.append([f"T{i}", title, f"{extras[i % 5]} {text} {extras[(i * 3 + 1) % 5]}", ort,
                     f"https://beteiligung.example/t{i}", "Werkstatt"])
    rows.append(["X1", "<b>Sicherheit</b>", SCRIPT, "Zentrum-Süd", "https://beteiligung.example/x1", "Online-Formular"])
    rows.append(["X2", "Sicherheit", SCRIPT, "Zentrum-Süd", "https://beteiligung.example/x2", "Online-Formular"])
    rows.append(["X3", "Bild", IMG, "Volkmarsdorf", "https://beteiligung.example/x3", "Online-Formular"])
    rows.append(["X6", "Bild", IMG, "Volkmarsdorf", "https://beteiligung.example/x6", "Online-Formular"])
    rows.append(["X4", "=Formel", FORMULA, "Grünau-Mitte", "https://beteiligung.example/x4", "Online-Formular"])
    rows.append(["X5", "Kontakt", f"Zur Schule in Grünau: schreiben Sie mir an {EMAIL} oder rufen Sie an: {PHONE}.",
                 "Grünau", "https://beteiligung.example/x5", "E-Mail"])
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


DRAFT = """# Fachkonzept Grün

## 1 Stadtklima

Die Rietzschke-Aue im Leipziger Osten bleibt als Kaltluftentstehungsgebiet von Bebauung frei, damit das
Stadtklima in Paunsdorf und Sellerhausen geschützt wird.

## 2 Radverkehr

Der Radweg in der Karl-Liebknecht-Straße in der Südvorstadt wird verbreitert und gegen Falschparker geschützt.
"""


NOTE = "=abwägen <script>alert(3)</script>"
WOHNEN = """# Fachkonzept Wohnen

## 4.1 Wohnungsneubau

Auf der Brachfläche „Rietzschke-Aue“ an der Torgauer Straße in Sellerhausen-Stünz sollen bis 2030 rund
450 Wohnungen entstehen, davon 30 Prozent mietpreisgebunden. Die Stadt wird den Bebauungsplan zügig aufstellen.
"""

FREIRAUM = """# Fachkonzept Freiraum und Umwelt

## 3.2 Kaltluft

Die Brachfläche „Rietzschke-Aue“ an der Torgauer Straße ist ein Kaltluftentstehungsgebiet mit sehr hoher
Bedeutung für die angrenzenden Quartiere. Sie ist dauerhaft von Bebauung freizuhalten und als Teil des
Grünzugs zu sichern.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bericht")
    draft = root / "entwurf-gruen.md"
    draft.write_text(DRAFT, encoding="utf-8")
    (root / "wohnen.md").write_text(WOHNEN, encoding="utf-8")
    (root / "freiraum.md").write_text(FREIRAUM, encoding="utf-8")
    with Store.open(root / "p") as store:
        results = ingest([_comments_csv(root / "beitraege.csv")], store)
        results += ingest([draft, root / "wohnen.md", root / "freiraum.md"], store, IngestOptions(kind="draft"))
        assert [r.outcome for r in results] == ["added"] * 4
        assert store.documents(kind="draft")
        run_analysis(store, embedder="hashing")
        comment = next(c for c in store.comments() if c.external_id == "T0")
        label_item(store, "comment", comment.id, ["gesundheit"], reviewer="Prüferin A", note="<i>geprüft</i>")
        run_id = store.runs()[-1].id
        biggest = next(c for c in store.concerns(run_id) if c["parent"] is None and c["id"] != "-1")
        rename_concern(store, run_id, biggest["id"], "Umbenannt =SUMME(A1)", reviewer="Prüfer B")
        flag = next(f for f in conflict_flags(store) if "Rietzschke-Aue" in f.a.text and "Rietzschke-Aue" in f.b.text)
        review_conflict(store, flag.key, "bestätigt", note=NOTE, reviewer="Prüferin C")
    return root / "p"


@pytest.fixture(scope="module")
def html(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, lxml.html.HtmlElement]:
    out = tmp_path_factory.mktemp("html") / "bericht.html"
    with Store.open(project) as store:
        assert write_report(store, out) == [out]
    text = out.read_text(encoding="utf-8")
    return text, lxml.html.fromstring(text)


def test_html_sections_and_manifest(html) -> None:
    text, doc = html
    assert doc.get("lang") == "de"
    headings = [h.text_content().strip() for h in doc.iter("h2")]
    assert headings == ["Überblick", "Themenabdeckung", "Bürgerbeiträge", "Zielkonflikte", "Orte",
                        "Prüfentscheidungen"]
    overview = doc.get_element_by_id("ueberblick").text_content()
    assert "hashing" in overview  # the embedder of the run
    assert "INSEK Leipzig 2030 – Querschnittsthemen" in overview or "Querschnittsthemen" in overview
    assert "entwurf-gruen.md" in overview and "beitraege.csv" in overview
    assert "@media print" in text


def test_html_is_self_contained_with_charts(html) -> None:
    text, doc = html
    assert len(doc.xpath("//svg")) >= 3  # heatmap, concerns, places
    assert not doc.xpath("//script | //link | //img | //iframe | //object")
    assert not doc.xpath("//@src | //@onerror | //@onload")
    assert "http://" not in text.split("<body>")[0]  # no external resources in the head


def test_html_escapes_citizen_text(html) -> None:
    text, doc = html
    body = doc.text_content()
    assert "<script>alert(1)</script>" in body  # shown as text …
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # … because it is escaped
    assert "<script>" not in text
    assert IMG in body  # the duplicate pair's text, shown in the campaign table
    assert "<img" not in text and not doc.xpath("//@onerror")


def test_html_masks_personal_data(html) -> None:
    text, doc = html
    assert EMAIL not in text and PHONE not in text
    assert "sind maskiert" in doc.text_content()


def test_html_places_and_reviews(html) -> None:
    _, doc = html
    places = doc.get_element_by_id("orte").text_content()
    for bezirk in ("Mitte", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Alt-West", "Nordwest", "Nord"):
        assert bezirk in places
    assert "Paunsdorf" in places and "weder Beiträge noch Entwurf" in places
    reviews = doc.get_element_by_id("pruefungen").text_content()
    assert "Themen-Label" in reviews and "Prüferin A" in reviews and "<i>geprüft</i>" in reviews
    assert "Anliegen bearbeitet" in reviews and "umbenannt" in reviews


def test_html_conflicts_side_by_side(html, project: Path) -> None:
    text, doc = html
    section = doc.get_element_by_id("zielkonflikte")
    with Store.open(project) as store:
        flags = conflict_flags(store)
    tables = section.findall(".//table")
    assert len(tables) == len(flags) >= 1
    confirmed = [t for t in tables if "bestätigt" in t.find(".//thead").text_content()]
    assert len(confirmed) == 1
    sides = [th.text_content() for th in confirmed[0].iter("th") if th.get("class") == "side"]
    assert len(sides) == 2 and {"Fachkonzept Wohnen", "Fachkonzept Freiraum und Umwelt"} <= {
        s.split(" – ")[0] for s in sides}
    marks = confirmed[0].findall(".//mark")
    assert marks and all(m.get("title") for m in marks)  # the evidence, highlighted with what it is
    assert "Rietzschke-Aue" in {m.text_content() for m in marks}
    assert NOTE in confirmed[0].text_content() and "<script>alert(3)" not in text
    assert "Prüferin C" in confirmed[0].text_content()


def test_highlight_escapes_and_merges_spans() -> None:
    from insek_nlp.report.render import highlight

    out = highlight("<b>Aue</b> und Wiese", [(3, 6, "Ort"), (3, 6, "Begriff"), (15, 20, "Begriff: Wiese"),
                                             (16, 18, "innen")])
    assert str(out) == ('&lt;b&gt;<mark title="Ort; Begriff">Aue</mark>&lt;/b&gt; und '
                        '<mark title="Begriff: Wiese">Wiese</mark>')


def test_html_campaign_has_both_counts(project: Path) -> None:
    with Store.open(project) as store:
        data = collect_report(store)
    campaign = next(g for g in data.campaigns if g["kind"] == "Kampagne")
    assert (campaign["n"], campaign["counted"]) == (6, 1)
    main_concerns = [c for c in data.concerns if c["main"]]
    assert sum(c["size"] for c in main_concerns) == 28
    doc = lxml.html.fromstring(render_html(data))
    rows = [[td.text_content().strip() for td in tr.iter("td")]
            for tr in doc.get_element_by_id("beitraege").iter("tr")]
    assert ["Kampagne", "6", "1"] in [r[:3] for r in rows]


XLSX_HEADERS = {
    "Abdeckung": ["Dokument", "Art", "Thema", "Themen-ID", "Abschnitte", "Anteil (%)", "Stärke", "Stufe", "Lücke",
                  "stärkste Stellen"],
    "Orte": ["Ebene", "Stadtbezirk", "Ortsteil", "Nr.", "Beiträge", "Abschnitte in Entwürfen",
             "Abschnitte in Protokollen", "Hinweis"],
    "Prüfentscheidungen": ["Art", "Gegenstand", "Entscheidung", "Label / Inhalt", "Notiz", "Prüfer/in", "Zeitpunkt"],
}


def _sheet_dicts(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_xlsx_workbook(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bericht.xlsx"
    with Store.open(project) as store:
        write_report(store, out)
    wb = openpyxl.load_workbook(out)
    assert {"Überblick", "Abdeckung", "Anliegen", "Kampagnen", "Beiträge", "Orte", "Prüfentscheidungen"} <= set(
        wb.sheetnames)
    for name, header in XLSX_HEADERS.items():
        assert [c.value for c in wb[name][1]] == header
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c].width >= 6 for c in "ABC")
    comments = {r["Nr."]: r for r in _sheet_dicts(wb["Beiträge"])}
    assert len(comments) == 28
    assert comments["X4"]["Text"] == "'" + FORMULA  # neutralised
    assert comments["X4"]["Titel"] == "'=Formel"
    assert comments["X1"]["Text"] == SCRIPT  # a spreadsheet shows text as text
    assert comments["X5"]["Text"] == "Zur Schule in Grünau: schreiben Sie mir an [E-Mail] oder rufen Sie an: [Telefon]."
    assert comments["K3"]["URL (Quelle)"] == "https://beteiligung.example/k3"
    url_col = list(comments["K3"]).index("URL (Quelle)") + 1
    linked = [c for c in wb["Beiträge"].iter_rows(min_row=2, min_col=url_col, max_col=url_col) for c in c]
    assert all(c.hyperlink is not None and c.hyperlink.target == c.value for c in linked)
    assert comments["K3"]["Herkunft/Lizenz"] == "Quelle: Online-Formular"
    assert comments["K3"]["Kampagne/Dublette"].startswith("Kampagne")
    assert comments["T0"]["Themen-Prüfung"].startswith("labelled: gesundheit")
    concerns = _sheet_dicts(wb["Anliegen"])
    renamed = [r for r in concerns if r["Titel"] == "Umbenannt =SUMME(A1)"]  # starts with a letter: unchanged
    assert len(renamed) == 1 and renamed[0]["Prüfung"] == "umbenannt"
    assert all(not str(v).startswith("=") for r in concerns for v in r.values() if isinstance(v, str))
    places = _sheet_dicts(wb["Orte"])
    assert len(places) == 10 + 63
    paunsdorf = next(r for r in places if r["Ortsteil"] == "Paunsdorf")
    assert paunsdorf["Beiträge"] >= 6 and paunsdorf["Abschnitte in Entwürfen"] >= 1
    reviews = _sheet_dicts(wb["Prüfentscheidungen"])
    assert {r["Art"] for r in reviews} == {"Themen-Label", "Anliegen bearbeitet", "Zielkonflikt"}
    conflicts = _sheet_dicts(wb["Zielkonflikte"])
    assert [c.value for c in wb["Zielkonflikte"][1]][:6] == ["Rang", "Art", "Wert", "Status", "Prüfer/in", "Notiz"]
    assert [r["Rang"] for r in conflicts] == list(range(1, len(conflicts) + 1))
    confirmed = [r for r in conflicts if r["Status"] == "bestätigt"]
    assert len(confirmed) == 1 and confirmed[0]["Prüfer/in"] == "Prüferin C"
    assert confirmed[0]["Notiz"] == "'" + NOTE  # neutralised
    assert "Rietzschke-Aue" in confirmed[0]["Text A"] and "Rietzschke-Aue" in confirmed[0]["Text B"]
    assert confirmed[0]["Hinweise A"]


def test_csv_per_table(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bericht.csv"
    with Store.open(project) as store:
        paths = write_report(store, out)
    names = [p.name for p in paths]
    assert names[:4] == ["bericht-abdeckung.csv", "bericht-anliegen.csv", "bericht-kampagnen.csv",
                         "bericht-beitraege.csv"]
    assert "bericht-orte.csv" in names and "bericht-pruefungen.csv" in names
    assert not out.exists()
    raw = (tmp_path / "bericht-beitraege.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    by_nr = {r["Nr."]: r for r in rows}
    assert by_nr["X4"]["Text"] == "'" + FORMULA
    assert EMAIL not in raw.decode("utf-8-sig")
    assert by_nr["X5"]["URL (Quelle)"] == "https://beteiligung.example/x5"


def test_unmasked_keeps_original(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "intern.xlsx"
    with Store.open(project) as store:
        write_report(store, out, masked=False)
    comments = {r["Nr."]: r for r in _sheet_dicts(openpyxl.load_workbook(out)["Beiträge"])}
    assert EMAIL in comments["X5"]["Text"] and PHONE in comments["X5"]["Text"]


def test_cli_report(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.csv"
    assert main(["report", "--project", str(project), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "CSV-Dateien geschrieben" in printed and "cli-beitraege.csv" in printed
    assert main(["report", "--project", str(project), "--out", str(tmp_path / "x.html"), "--unmasked"]) == 0
    printed = capsys.readouterr().out
    assert "Achtung: Export ohne Maskierung" in printed
    assert "unmaskierter Bericht" in (tmp_path / "x.html").read_text(encoding="utf-8")
    assert main(["report", "--project", str(project), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "Unbekanntes Berichtsformat" in capsys.readouterr().out
    assert not (tmp_path / "x.pdf").exists()


def test_cli_export_unmasked(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    masked, raw = tmp_path / "m.jsonl", tmp_path / "r.jsonl"
    assert main(["export", "comments", "--project", str(project), "--out", str(masked)]) == 0
    assert "Achtung" not in capsys.readouterr().out
    assert main(["export", "comments", "--project", str(project), "--out", str(raw), "--unmasked"]) == 0
    assert "Achtung: Export ohne Maskierung" in capsys.readouterr().out
    assert EMAIL not in masked.read_text(encoding="utf-8") and "[E-Mail]" in masked.read_text(encoding="utf-8")
    assert EMAIL in raw.read_text(encoding="utf-8")


def test_no_run_is_a_clear_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "leer") as store:
        with pytest.raises(InputError, match="keinen abgeschlossenen Analyselauf"):
            write_report(store, tmp_path / "b.html")
    assert not (tmp_path / "b.html").exists()


def test_html_coverage_gaps(html) -> None:
    _, doc = html
    section = doc.get_element_by_id("abdeckung")
    text = section.text_content()
    assert "Lücken je Entwurf" in text and "Fachkonzept Grün" in text
    gap_rows = [tr for tr in section.iter("tr") if "Fachkonzept Grün" in tr.text_content()]
    assert gap_rows and "Internationales" in gap_rows[0].text_content()  # the draft never speaks of it


def test_chart_labels_are_escaped() -> None:
    from insek_nlp.report.charts import coverage_heatmap, grouped_bars

    svg = grouped_bars([("<script>x</script>", [3, 1])], [("a&b", "#000"), ("c", "#fff")], title="<t>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    tree = lxml.html.fromstring(f"<div>{svg}</div>")
    assert len(tree.xpath("//rect")) == 4  # two legend boxes, two bars
    heat = coverage_heatmap({"documents": [{"id": "d", "label": "<b>D</b>", "kind": "draft"}],
                             "themes": [("t", "Thema")],
                             "cells": {("d", "t"): {"level": "fehlt", "n": 0}}})
    assert "<b>" not in heat and "fehlt 0" in heat


def test_unknown_run_is_a_clear_error(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        with pytest.raises(InputError, match="Analyselauf 99"):
            write_report(store, tmp_path / "b.html", run_id=99)
