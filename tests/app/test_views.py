"""The content of the UI's tabs, computed without a browser (app.views, app.render, app.events.guard)."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pandas as pd
import pytest
from ui_support import EMAIL, FORMULA_TEXT, XSS_TEXT, XSS_TITLE, build_project

from app import render, views
from insek_nlp import Store
from insek_nlp.errors import InputError

gr = pytest.importorskip("gradio", reason="gradio is not installed (pip install 'insek-nlp[ui]')")


@pytest.fixture(scope="module")
def view(tmp_path_factory) -> views.ProjectView:
    """A project of its own: the browser tests add files to theirs."""
    return views.ProjectView(build_project(tmp_path_factory.mktemp("views")))


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    (".versteckt.csv", "versteckt.csv"),
    ("Beiträge <2025>.csv", "Beiträge _2025_.csv"),
    ("a..b.csv", "a.b.csv"),
    ("", "datei"),
    ("..", "datei"),
])
def test_safe_file_name(name, expected):
    assert views.safe_file_name(name) == expected


def test_uploads_stay_inside_the_project_folder(tmp_path):
    src = tmp_path / "upload" / "..evil.csv"
    src.parent.mkdir()
    src.write_text("Titel;Text\nA;B\n", encoding="utf-8")
    [saved] = views.save_uploads(tmp_path / "projekt", [src])
    assert saved.parent == (tmp_path / "projekt" / "eingang").resolve()
    assert saved.name == "evil.csv" and saved.read_text(encoding="utf-8").startswith("Titel")


def test_highlight_escapes_text_and_marks_spans():
    text = "<b>Klimaanpassung</b> & Hitze"
    out = render.highlight(text, [(3, 17, "Begriff: Klimaanpassung"), (24, 29, "Begriff: Hitze"), (5, 9, "überlappt")])
    assert out == ('&lt;b&gt;<mark class="treffer" title="Begriff: Klimaanpassung">Klimaanpassung</mark>&lt;/b&gt; '
                   '&amp; <mark class="treffer" title="Begriff: Hitze">Hitze</mark>')
    assert render.highlight("<img src=x onerror=alert(1)>", []) == "&lt;img src=x onerror=alert(1)&gt;"


def test_german_formats():
    assert render.de_int(10000) == "10.000"
    assert render.de_float(0.5) == "0,50"
    assert render.de_date("2025-02-03") == "03.02.2025"
    assert render.parse_de_date("3.2.2025") == "2025-02-03"
    assert render.parse_de_date("") is None
    with pytest.raises(ValueError):
        render.parse_de_date("31.02.2025")


def test_bad_filter_date_is_a_german_error():
    with pytest.raises(InputError, match="kein gültiges Datum") as info:
        views.make_filter("Alle", "Alle", "Alle", "32.13.2025", "", "")
    assert "TT.MM.JJJJ" in info.value.hint


def test_filters_select_the_right_comments(view):
    index = views.comment_index(view, "insek-querschnittsthemen")
    assert index is not None and len(index.frame) == 14

    def ids(**kw):
        f = views.make_filter(kw.get("bezirk"), kw.get("ortsteil"), None, kw.get("von"), kw.get("bis"), kw.get("q"))
        return sorted(index.frame[views.filter_mask(index, f)]["nr"].astype(int))

    assert ids(bezirk="Süd") == [2, 4, 5]  # Südvorstadt, Connewitz
    assert ids(ortsteil="Connewitz") == [4, 5]
    assert ids(von="10.02.2025", bis="13.02.2025") == [5, 6, 7, 8]
    assert ids(q="straßenbahn GRÜNAU") == [7]
    assert ids(bezirk="Süd", q="miete") == [5]


def test_concern_tree_and_detail_escape_citizen_text(view):
    index = views.comment_index(view, "insek-querschnittsthemen")
    f = views.CommentFilter()
    mask = views.filter_mask(index, f)
    tree = views.concern_tree_html(index, mask, f)
    assert "<script" not in tree and "<img" not in tree
    assert "Kampagne: 6 gleichlautend" in tree
    xss_id = index.frame.loc[index.frame["nr"] == "3", "id"].item()
    card = views.comment_detail_html(index, xss_id)
    assert render.esc(XSS_TITLE) in card and render.esc(XSS_TEXT) in card
    assert "<script" not in card and "<img" not in card
    for c in index.concerns:
        html = views.concern_detail_html(index, c["id"], mask)
        assert "<script" not in html and "<img" not in html


def test_campaign_both_counts(view):
    index = views.comment_index(view, "insek-querschnittsthemen")
    [camp] = [g for g in index.campaigns if g["kind"] == "Kampagne"]
    assert len(camp["members"]) == 6
    html = views.campaigns_html(index)
    assert "<td class='zahl'>6</td><td class='zahl'>1</td>" in html
    assert "14 Beiträge, 9 verschiedene Stimmen" in html


def test_coverage_grid_colours_gaps(view):
    grid = views.coverage_grid(view, "insek-querschnittsthemen")
    frame = grid.frame.data
    assert list(frame.columns)[0] == "Thema" and len(frame) == len(grid.theme_ids) + 1
    html = grid.frame.to_html()
    assert "#f8d0cc" in html  # gaps ("fehlt") in red
    draft_col = 1 + next(i for i, d in enumerate(grid.doc_ids) if d.startswith("entwurf-gruen"))
    growth = frame.iloc[grid.theme_ids.index("wachstum"), draft_col]
    assert not growth.startswith("fehlt")
    html, choices = views.cell_passages(view, "insek-querschnittsthemen", grid.run_id,
                                        grid.doc_ids[draft_col - 1], "wachstum")
    assert '<mark class="treffer" title="Begriff: Wachstum">Wachstum</mark>' in html
    assert choices and all(key.startswith("passage:") for _, key in choices)


def test_two_reviewers_at_once_are_both_kept(view):
    key = "comment:" + views.comment_index(view, None).frame["id"].iloc[0]
    barrier = threading.Barrier(2)

    def decide(name: str, themes: list[str]) -> None:
        barrier.wait()
        views.save_theme_label(view, key, themes, reviewer=name)

    threads = [threading.Thread(target=decide, args=("Prüfer A", ["gesundheit"])),
               threading.Thread(target=decide, args=("Prüferin B", ["wachstum", "bestand"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = Store.open(view.folder).reviews("theme", key)
    assert sorted(r.reviewer for r in history[-2:]) == ["Prüfer A", "Prüferin B"]
    html, current = views.item_detail(view, "insek-querschnittsthemen", key)
    assert "Prüfer A" in html and "Prüferin B" in html
    assert current == [t for t in history[-1].label.split(",")]


def test_places_tables_show_forgotten_areas(view):
    bez, ot, chart = views.places_frames(view)
    assert list(bez["Stadtbezirk"]) == views.stadtbezirke()
    sued = bez.set_index("Stadtbezirk").loc["Süd"]
    assert sued["Beiträge"] == 3 and sued["Abschnitte in Entwürfen/Protokollen"] == 0
    assert sued["Hinweis"] == "kein Entwurf nennt diesen Ort"
    summary = views.places_summary_html(bez, ot)
    assert "Kein Entwurf nennt die Stadtbezirke" in summary and "Süd" in summary
    assert set(chart["Quelle"]) == {"Bürgerbeiträge", "Entwurfsabschnitte"}


def test_every_csv_export_neutralises_formulas(view, tmp_path):
    for what in [w for w in views.EXPORT_TABLES if not w.startswith("bericht_")]:
        path = views.export_csv(view, what, "insek-querschnittsthemen", tmp_path)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        assert rows, what
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), (what, cell)
    with (tmp_path / "beitraege.csv").open(encoding="utf-8-sig", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh, delimiter=";")]
    assert "'" + FORMULA_TEXT in texts


def test_write_csv_neutralises_header_and_cells(tmp_path):
    frame = pd.DataFrame({"=Kopf": ["=1+1", "+49 341", "-5", "@SUMME(A1)", "normal", 3]})
    views.write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["'=Kopf", "'=1+1", "'+49 341", "'-5", "'@SUMME(A1)", "normal", "3"]


def test_guard_turns_errors_into_german_messages():
    from app.events import guard

    @guard
    def fails():
        raise InputError("Es wurden keine Dateien ausgewählt.", hint="Bitte Dateien auswählen.")

    with pytest.raises(gr.Error) as info:
        fails()
    assert info.value.message == "Es wurden keine Dateien ausgewählt. Bitte Dateien auswählen."

    @guard
    def crashes():
        raise KeyError("x")

    with pytest.raises(gr.Error, match="Unerwarteter Fehler"):
        crashes()


def test_shown_filter_answers_the_same_values_once_per_session(view):
    """An event with the values the content already answers (a change the server made) re-sends nothing."""
    from types import SimpleNamespace

    from app.events import ShownFilter

    index = views.comment_index(view, "insek-querschnittsthemen")
    sued = views.make_filter("Süd", "Alle", "Alle", "", "", "")
    a, b = SimpleNamespace(session_hash="a"), SimpleNamespace(session_hash="b")
    shown = ShownFilter(max_sessions=2)
    assert shown.claim(a, index, sued, None) is True
    assert shown.claim(a, index, sued, None) is False  # e.g. the Ortsteil reset by the server
    assert shown.claim(b, index, sued, None) is True  # another browser tab has its own content
    assert shown.claim(a, index, sued, "1") is True  # another concern
    assert shown.claim(a, index, views.make_filter("West", None, None, "", "", ""), "1") is True
    shown.shown(a, index, views.CommentFilter(), None)  # a tab visit or reset shows everything
    assert shown.claim(a, index, views.CommentFilter(), None) is False
    assert shown.claim(a, index, sued, None) is True
    view.clear_cache()
    assert shown.claim(a, views.comment_index(view, "insek-querschnittsthemen"), sued, None) is True  # new data
    shown.forget(a)  # the answer failed: the same values are computed again
    assert shown.claim(a, index, sued, None) is True
    assert shown.claim(None, index, sued, None) is True  # no session: always answer
    shown.claim(SimpleNamespace(session_hash="c"), index, sued, None)
    assert len(shown._shown) == 2  # bounded: the oldest session is dropped


def test_ingest_uploads_reports_every_file(tmp_path):
    from ui_support import write_csv

    view = views.ProjectView(tmp_path / "neu")
    good = write_csv(tmp_path / "in" / "beitraege.csv")
    bad = tmp_path / "in" / "kaputt.pdf"
    bad.write_bytes(b"%PDF-1.4 kaputt")
    results = views.ingest_uploads(view, [good, bad], None)
    assert [r.outcome for r in results] == ["added", "failed"]
    html = views.ingest_results_html(results)
    assert "1 von 2 Dateien konnten nicht gelesen werden" in html and "kaputt.pdf" in html
    with pytest.raises(InputError, match="keine Dateien"):
        views.ingest_uploads(view, [], None)
    with pytest.raises(InputError, match="keine lesbaren Dateien"):
        views.run_project_analysis(views.ProjectView(tmp_path / "leer"), None)


def test_cli_app_command_defaults_to_localhost():
    from insek_nlp.cli import build_parser

    args = build_parser().parse_args(["app", "--project", "p"])
    assert (args.host, args.port, args.auth) == ("127.0.0.1", 7860, None)
    args = build_parser().parse_args(["demo", "--port", "8000", "--auth", "planung:geheim"])
    assert (args.host, args.port, args.auth, args.no_app) == ("127.0.0.1", 8000, "planung:geheim", False)


def test_serve_refuses_malformed_auth(tmp_path):
    from app import serve

    with pytest.raises(InputError, match="BENUTZER:PASSWORT"):
        serve(tmp_path / "p", auth="nur-ein-name")


def test_conflicts_listed_shown_and_decided(view):
    from app import conflicts_view

    summary, frame, choices = conflicts_view.conflict_list(view)
    n = len(choices)
    assert n >= 1 and f"{n} offen, 0 bestätigt, 0 verworfen" in summary
    # building on the open space between the blocks reduces the green space the other text keeps
    assert list(frame["Rang"]) == list(range(1, n + 1))
    assert set(frame["Art"]) == {"Gegenläufige Ziele für dasselbe Objekt"}
    key = choices[0][1]
    html = conflicts_view.conflict_detail(view, key)
    assert html.count("class='karte'") == 2 and "Grünau-Mitte" in html
    assert "<li>Gegenstand: Grün- und Freiflächen</li>" in html  # the object's label, not its id
    assert '<mark class="treffer" title="Begriff: Kühlinsel">Kühlinsel</mark>' in html
    note = "<img src=x onerror=alert(1)> nicht relevant"
    assert "verworfen" in conflicts_view.decide(view, key, "verworfen", note=note, reviewer="Prüfer A")
    html = conflicts_view.conflict_detail(view, key)
    assert render.esc(note) in html and "<img" not in html
    assert conflicts_view.conflict_list(view, "verworfen")[1]["Prüfer/in"].tolist() == ["Prüfer A"]
    assert key not in [k for _, k in conflicts_view.conflict_list(view, "offen")[2]]
    with pytest.raises(InputError):
        conflicts_view.decide(view, None, "bestätigt", note=None, reviewer=None)
    with pytest.raises(InputError):
        conflicts_view.decide(view, "gibt-es-nicht", "bestätigt", note=None, reviewer=None)


def test_own_taxonomy_upload_is_validated(tmp_path):
    from insek_nlp.errors import TaxonomyError

    view = views.ProjectView(tmp_path / "p")
    good = tmp_path / "rad.yaml"
    good.write_text("id: rad\nname: Radverkehr\nlanguage: de\nthemes:\n"
                    "  - id: radwege\n    label: Radwege\n    description: Wege für den Radverkehr.\n"
                    "    terms: [Radweg, Radspur]\n"
                    "  - id: parken\n    label: Fahrradparken\n    description: Abstellen von Rädern.\n"
                    "    terms: [Fahrradständer, Bügel]\n", encoding="utf-8")
    tax_id, spec = views.save_taxonomy_upload(view, good)
    assert tax_id == "rad" and Path(spec).parent == (tmp_path / "p" / "taxonomien").resolve()
    assert (f"{Path(spec).name} (eigene Datei)", spec) in views.taxonomy_choices(view)
    assert views.load_project_taxonomy(view, "rad").ids == ("radwege", "parken")
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("id: kaputt\nname: K\nthemes:\n  - id: a\n    description: ohne Label\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="Zeile"):
        views.save_taxonomy_upload(view, bad)
    assert not (tmp_path / "p" / "taxonomien" / "kaputt.yaml").exists()


def test_personal_data_is_masked_everywhere_users_look(view, tmp_path):
    index = views.comment_index(view, "insek-querschnittsthemen")
    assert not index.frame["text"].str.contains(EMAIL, regex=False).any()
    row = index.frame[index.frame["nr"] == "2"].iloc[0]
    assert "[E-Mail]" in row["text"]
    assert EMAIL not in views.comment_detail_html(index, row["id"])
    f = views.CommentFilter()
    mask = views.filter_mask(index, f)
    for c in index.concerns:
        assert EMAIL not in views.concern_detail_html(index, c["id"], mask)
    html, _ = views.item_detail(view, "insek-querschnittsthemen", "comment:" + row["id"])
    assert EMAIL not in html and 'class="maskiert"' in html and "[E-Mail]" in html
    for what in ("beitraege", "anliegen", "kampagnen", "bericht_html", "bericht_xlsx"):
        path = views.export_csv(view, what, "insek-querschnittsthemen", tmp_path / what)
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        assert EMAIL.encode() not in data, what


def test_highlight_masks_personal_data_and_drops_marks_touching_it():
    text = "Radweg gefährlich, Anna Schmidt, anna@example.org"
    out = render.highlight(text, [(0, 6, "Begriff: Radweg"), (33, 37, "Begriff: anna")],
                           masks=[(33, 49, "[E-Mail]")])
    assert out.startswith('<mark class="treffer" title="Begriff: Radweg">Radweg</mark>')
    assert "anna@" not in out and '<span class="maskiert" title="persönliche Angabe verborgen">[E-Mail]</span>' in out


def test_cache_builds_once_for_simultaneous_users(tmp_path):
    import time

    view = views.ProjectView(tmp_path / "p")
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.2)
        return len(calls)

    results = []
    threads = [threading.Thread(target=lambda: results.append(view.cached(("k",), build))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and results == [1, 1, 1]
