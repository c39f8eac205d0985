"""The review UI in a real headless browser (Debian chromium via Playwright).

Each test drives the UI as a planner would and checks what the page shows and
what the project store keeps. Screenshots of every tab go to
``tests/app/screenshots/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from ui_support import EMAIL, FORMULA_TEXT, XSS_TEXT, XSS_TITLE, open_tab, pick, shot, write_csv

from insek_nlp import Store

pytestmark = pytest.mark.slow

TABS = [
    ("Projekt", "#projekt-kennzahlen .kennzahlen", "Dokumente im Projekt"),
    ("Themenabdeckung", "#heatmap table", "Lücken in Entwürfen"),
    ("Bürgerbeiträge", "#anliegen-baum details", "Anliegen (größte zuerst)"),
    ("Zielkonflikte", "#konflikt-detail .konflikt-seiten", "Markierter Zielkonflikt"),
    ("Orte", "#orte-bezirke table", "Stadtbezirke"),
    ("Export", "#export-tabelle", "Datei erstellen"),
]


def _draft_column(page) -> int:
    """Index of the draft's column in the heatmap (once the heatmap has its headers)."""
    page.locator("#heatmap [role=columnheader]").filter(has_text="Grün und Wohnen").first.wait_for(timeout=20_000)
    headers = page.locator("#heatmap [role=columnheader]").all_inner_texts()
    return next(i for i, h in enumerate(headers) if "Grün und Wohnen" in h)


def test_every_tab_opens_in_german_and_is_photographed(page):
    names = [t.inner_text() for t in page.get_by_role("tab").all()]
    for name, _, _ in TABS:
        assert name in names
    for name, ready, text in TABS:
        open_tab(page, name, ready)
        page.wait_for_timeout(300)  # let charts and tables settle before the picture
        assert page.get_by_text(text).first.is_visible(), name
        assert shot(page, f"tab-{name.lower()}").stat().st_size > 10_000
    # no English Gradio defaults left on the upload field
    open_tab(page, "Projekt", "#upload")
    assert "Datei hier ablegen" in page.locator("#upload").inner_text()


def test_coverage_heatmap_marks_gaps_and_a_cell_shows_its_passages(page):
    open_tab(page, "Themenabdeckung", "#heatmap table")
    # the draft covers growth ("Wachstum"): that cell is not a gap
    draft_col = _draft_column(page)
    row = page.locator("#heatmap [role=row]").filter(has_text="Umgang mit dem Wachstum der Stadt")
    cells = row.locator("[role=gridcell]")
    cells.nth(draft_col).wait_for(timeout=20_000)
    texts = [cells.nth(i).inner_text() for i in range(cells.count())]
    assert any(t.startswith("erwähnt") or t.startswith("stark") for t in texts[1:]), texts
    assert "fehlt" in page.locator("#heatmap").inner_text()
    # click the draft's cell of that theme
    cells.nth(draft_col).click()
    page.wait_for_selector("#zelle .karte", timeout=20_000)
    card = page.locator("#zelle .karte").first
    assert card.inner_text().startswith("S. 1 · 1 Ausgangslage")  # page and section of the passage
    assert "Wachstum" in card.locator("mark.treffer").all_inner_texts()  # the theme's terms highlighted


def test_correcting_a_theme_label_persists_after_reload(page, ui_project):
    open_tab(page, "Themenabdeckung", "#heatmap table")
    page.fill("#pruefer input, #pruefer textarea", "Prüferin Test")
    row = page.locator("#heatmap [role=row]").filter(has_text="Umgang mit dem Wachstum der Stadt")
    draft_col = _draft_column(page)
    row.locator("[role=gridcell]").nth(draft_col).click()
    page.wait_for_selector("#zelle .karte", timeout=20_000)
    chosen = pick(page, "textstelle")
    page.wait_for_selector("#textstelle-text .karte", timeout=20_000)
    assert "Noch nicht geprüft" in page.locator("#textstelle-text").inner_text()
    box = page.locator("#textstelle-themen label").filter(has_text="Gesundheit")
    box.click()
    page.click("#themen-speichern")
    page.wait_for_selector("#themen-ergebnis .meldung-ok", timeout=20_000)
    assert "Gespeichert" in page.locator("#themen-ergebnis").inner_text()

    page.reload()
    page.wait_for_selector("#projekt-kennzahlen .kennzahlen", timeout=30_000)
    open_tab(page, "Themenabdeckung", "#heatmap table")
    row = page.locator("#heatmap [role=row]").filter(has_text="Umgang mit dem Wachstum der Stadt")
    row.locator("[role=gridcell]").nth(draft_col).click()
    page.wait_for_selector("#zelle .karte", timeout=20_000)
    assert "geprüft:" in page.locator("#zelle").inner_text()
    pick(page, "textstelle", chosen.split(" – ")[-1][:30])
    page.wait_for_selector("#textstelle-text .karte", timeout=20_000)
    detail = page.locator("#textstelle-text").inner_text()
    assert "Prüferin Test" in detail and "Gesundheit" in detail
    assert page.locator("#textstelle-themen input[type=checkbox]:checked").count() >= 1
    shot(page, "themen-geprueft")

    with Store.open(ui_project, create=False) as store:
        reviews = [r for r in store.reviews("theme") if r.reviewer == "Prüferin Test"]
        runs_before = len(store.runs())
    assert reviews and "gesundheit" in reviews[-1].label.split(",")

    # the correction feeds the next run: the reviewed passage has exactly its reviewed themes
    page.click("#neu-trainieren")
    page.wait_for_selector("#neu-trainieren-ergebnis .meldung-ok", timeout=120_000)
    item_id = reviews[-1].target_id.split(":", 1)[1]
    with Store.open(ui_project, create=False) as store:
        assert len(store.runs()) == runs_before + 1
        run_id = store.latest_theme_run("insek-querschnittsthemen")
        scores = store.theme_scores(run_id, "insek-querschnittsthemen", "passage")[item_id]
    assert scores["gesundheit"][0] == 1.0


def test_confirming_a_goal_conflict_persists_after_reload(page, ui_project):
    open_tab(page, "Zielkonflikte", "#konflikt-detail .konflikt-seiten")
    summary = page.locator("#konflikte-uebersicht").inner_text()
    assert re.match(r"\d+ markierter? Zielkonflikte?: ", summary), summary  # one flag or more, German number
    detail = page.locator("#konflikt-detail")
    assert "Grünau-Mitte" in detail.inner_text()
    sides = detail.locator(".konflikt-seiten .karte")
    assert sides.count() == 2
    assert "Neubau" in sides.nth(0).locator("mark").all_inner_texts()  # the cues, highlighted
    assert "Kühlinsel" in sides.nth(1).locator("mark").all_inner_texts()
    page.fill("#pruefer input, #pruefer textarea", "Reviewer K")
    page.fill("#konflikt-notiz textarea, #konflikt-notiz input", "Im Lenkungskreis klären")
    page.click("#konflikt-bestaetigen")
    page.wait_for_selector("#konflikt-ergebnis .meldung-ok", timeout=20_000)
    shot(page, "konflikt-bestaetigt")

    page.reload()
    page.wait_for_selector("#projekt-kennzahlen .kennzahlen", timeout=30_000)
    open_tab(page, "Zielkonflikte", "#konflikt-detail .konflikt-seiten")
    text = page.locator("#konflikt-detail").inner_text()
    assert "bestätigt" in text and "Reviewer K" in text and "Im Lenkungskreis klären" in text
    assert "bestätigt" in page.locator("#konflikte-tabelle").inner_text()
    from insek_nlp.conflicts import conflict_flags

    with Store.open(ui_project, create=False) as store:
        flags = conflict_flags(store)
    assert (flags[0].status, flags[0].reviewer, flags[0].note) == ("bestätigt", "Reviewer K", "Im Lenkungskreis klären")
    assert "Aufstockung" in flags[0].a.text  # the planted conflict ranks first
    assert all(f.status == "offen" for f in flags[1:])


def test_hostile_comment_text_is_shown_as_text(page):
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    page.fill("#filter-suche input, #filter-suche textarea", "Rabet")
    page.click("#filter-anwenden")
    page.wait_for_function(
        "() => document.querySelector('#anliegen-baum').innerText.includes('1 von')", timeout=20_000)
    table = page.locator("#beitraege-tabelle").inner_text()
    assert XSS_TITLE in table and "<img src=x onerror=" in table
    # the comment in full (an HTML card): title and text as text
    page.locator("#beitraege-tabelle [role=gridcell][data-col='6']").first.click()
    page.wait_for_selector("#beitrag-detail .karte", timeout=20_000)
    card = page.locator("#beitrag-detail .karte").inner_text()
    assert XSS_TITLE in card and XSS_TEXT in card
    assert page.evaluate("() => window.__xss === undefined")
    page.fill("#filter-suche input, #filter-suche textarea", "")
    page.click("#filter-anwenden")
    page.wait_for_function("() => !document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')",
                           timeout=20_000)
    assert EMAIL not in page.content()
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script", has_text="__xss").count() == 0
    shot(page, "beitraege-gefiltert")


def test_campaign_is_flagged_with_both_counts(page):
    open_tab(page, "Bürgerbeiträge", "#kampagnen table")
    row = page.locator("#kampagnen tbody tr").filter(has_text="Kampagne")
    cells = row.locator("td").all_inner_texts()
    assert cells[1:3] == ["6", "1"]  # all submissions, counted as one voice
    assert "Kleingärten erhalten" in cells[4]
    assert "Kampagne: 6 gleichlautend" in page.locator("#anliegen-baum").inner_text()


def test_filters_by_place_and_date(page):
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    pick(page, "filter-bezirk", "Süd", exact=True)
    page.wait_for_function(
        "() => document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')", timeout=20_000)
    text = page.locator("#beitraege-tabelle").inner_text()
    assert "Connewitz" in text and "Grünau" not in text
    # back from another tab: still filtered as the fields say
    open_tab(page, "Orte", "#orte-bezirke table")
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    page.wait_for_timeout(500)
    assert "passen zum Filter" in page.locator("#anliegen-baum").inner_text()
    assert "Grünau" not in page.locator("#beitraege-tabelle").inner_text()
    page.fill("#filter-von input, #filter-von textarea", "07.02.2025")
    page.click("#filter-anwenden")
    page.wait_for_function("() => !document.querySelector('#beitraege-tabelle').innerText.includes('06.02.2025')",
                           timeout=20_000)
    assert "10.02.2025" in page.locator("#beitraege-tabelle").inner_text()
    page.fill("#filter-von input, #filter-von textarea", "32.13.2025")
    page.click("#filter-anwenden")
    page.get_by_text("kein gültiges Datum").first.wait_for(timeout=20_000)  # German error, no traceback


def test_one_dropdown_choice_computes_and_sends_the_content_once(page, monkeypatch):
    """One event per choice: Gradio's dropdown fires .input on the click and again on blur (also without a
    choice); the filters listen to .change, and values set by the server are not computed a second time."""
    from app import views

    calls = []
    tree_html = views.concern_tree_html
    monkeypatch.setattr(views, "concern_tree_html", lambda *a: calls.append(a[2]) or tree_html(*a))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or "") if "/queue/join" in r.url else None)
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    calls.clear()
    asked.clear()
    pick(page, "filter-bezirk", "Süd", exact=True)
    page.wait_for_function(
        "() => document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')", timeout=20_000)
    page.wait_for_timeout(500)
    assert len(asked) == 1 and '"Süd"' in asked[0]
    assert [f.bezirk for f in calls] == ["Süd"]
    assert "Connewitz" in page.locator("#beitraege-tabelle").inner_text()
    # opening and leaving a dropdown without a choice asks nothing
    page.locator("#filter-ortsteil input").click()
    page.locator("#anliegen-baum").click(position={"x": 5, "y": 5})
    page.wait_for_timeout(500)
    assert len(asked) == 1 and len(calls) == 1
    pick(page, "filter-ortsteil", "Connewitz", exact=True)
    page.wait_for_function("() => !document.querySelector('#beitraege-tabelle').innerText.includes('Südvorstadt')",
                           timeout=20_000)
    assert [(f.bezirk, f.ortsteil) for f in calls] == [("Süd", None), ("Süd", "Connewitz")]
    # another Stadtbezirk: the server resets the Ortsteil, whose change event then has nothing new to show
    pick(page, "filter-bezirk", "West", exact=True)
    page.wait_for_function("() => document.querySelector('#filter-ortsteil input').value === 'Alle'", timeout=20_000)
    page.wait_for_timeout(500)
    assert [(f.bezirk, f.ortsteil) for f in calls][2:] == [("West", None)]
    assert "Connewitz" not in page.locator("#beitraege-tabelle").inner_text()
    page.click("text=Filter zurücksetzen")
    page.wait_for_function("() => !document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')",
                           timeout=20_000)
    page.wait_for_timeout(500)
    assert [f.active for f in calls][3:] == [False]


def test_a_stadtbezirk_chosen_with_the_keyboard_filters(page):
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    field = page.locator("#filter-bezirk input")
    field.click()
    field.press("Control+a")
    field.press_sequentially("Süd")  # the list narrows to Südost, Süd, Südwest (official order)
    page.locator("#filter-bezirk li[role=option][aria-label='Südwest']").wait_for(timeout=10_000)
    field.press("ArrowDown")
    field.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')", timeout=20_000)
    assert field.input_value() == "Süd"
    text = page.locator("#beitraege-tabelle").inner_text()
    assert "Connewitz" in text and "Grünau" not in text


def test_the_browser_keeps_no_copy_of_comments(page):
    """Gradio 6 records every call's inputs and outputs in localStorage ("run history") unless switched off:
    comment text and reviewer notes would stay in the browser, and writing it slowed every event."""
    open_tab(page, "Bürgerbeiträge", "#anliegen-baum details")
    page.fill("#filter-suche input, #filter-suche textarea", "Connewitz")
    page.click("#filter-anwenden")
    page.wait_for_function(
        "() => document.querySelector('#anliegen-baum').innerText.includes('passen zum Filter')", timeout=20_000)
    assert "Connewitz" in page.locator("#beitraege-tabelle").inner_text()
    page.wait_for_timeout(300)
    stored = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "Connewitz" not in stored and "run-history:v2" not in stored, stored[:300]


def test_csv_export_neutralises_formulas(page):
    open_tab(page, "Export", "#export-tabelle")
    page.locator("#export-tabelle label").filter(has_text="Bürgerbeiträge (mit Quelle").click()
    page.click("#export-erstellen")
    link = page.locator("#export-datei a").first
    link.wait_for(timeout=20_000)
    with page.expect_download() as info:
        link.click()
    data = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    header, body = rows[0], rows[1:]
    texts = [r[header.index("text")] for r in body]
    assert "'" + FORMULA_TEXT in texts
    assert not any(cell.startswith(("=", "+", "@")) for r in body for cell in r)
    assert any(XSS_TEXT == t for t in texts)  # exported unchanged apart from formulas …
    assert EMAIL not in data and any("[E-Mail]" in t for t in texts)  # … and personal data


def test_html_report_download(page):
    open_tab(page, "Export", "#export-tabelle")
    page.locator("#export-tabelle label").filter(has_text="Bericht als Webseite").click()
    page.click("#export-erstellen")
    link = page.locator("#export-datei a").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    html = open(info.value.path(), encoding="utf-8").read()
    assert html.lstrip().lower().startswith("<!doctype html") and "Themenabdeckung" in html
    assert "<script>window.__xss" not in html and "onerror=\"window" not in html
    assert EMAIL not in html


def test_upload_a_csv_and_run_the_analysis(page, tmp_path, ui_project):
    new = write_csv(tmp_path / "nachtrag-werkstatt.csv", [
        ("1", "01.03.2025", "Park", "Der Lene-Voigt-Park braucht mehr Bänke und Licht am Abend.", "Reudnitz-Thonberg"),
        ("2", "02.03.2025", "Schule", "Die Schulen in Paunsdorf sind überfüllt.", "Paunsdorf"),
    ])
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"das ist keine Excel-Datei")
    page.locator("#upload input[type=file]").set_input_files([str(new), str(broken)])
    page.wait_for_timeout(500)
    page.click("#einlesen")
    page.wait_for_selector("#einlese-ergebnis table", timeout=60_000)
    result = page.locator("#einlese-ergebnis").inner_text()
    assert "nachtrag-werkstatt.csv" in result and "2 Beiträge eingelesen" in result
    assert "kaputt.xlsx" in result and "Fehler" in result  # German message of the failed file, batch kept
    assert "nachtrag-werkstatt.csv" in page.locator("#dokumente").inner_text()
    page.click("#analyse-starten")
    page.wait_for_selector("#lauf-ergebnis .meldung-ok", timeout=180_000)
    assert "Analyse abgeschlossen" in page.locator("#lauf-ergebnis").inner_text()
    shot(page, "projekt-nach-lauf")
    with Store.open(ui_project, create=False) as store:
        assert (ui_project / "eingang" / "nachtrag-werkstatt.csv").is_file()
        assert len(store.comments()) == 16
        assert store.runs()[-1].status == "finished"
        assert store.runs()[-1].manifest["settings"]["embedder_spec"] == "hashing"
