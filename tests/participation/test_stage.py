"""The participation stage inside an analysis run: stored concerns, campaigns, places."""

from __future__ import annotations

from pathlib import Path

from insek_nlp.ingest import ingest
from insek_nlp.pipeline import run_analysis
from insek_nlp.store import Store

CAMPAIGN = ("Ich spreche mich gegen die Bebauung der Rietzschke-Aue an der Torgauer Straße aus. Die Aue ist für "
            "das Stadtklima im Leipziger Osten unverzichtbar und muss frei bleiben.")


def _csv(path: Path) -> Path:
    rows = ["Nr;Titel;Beitrag;Ortsteil"]
    for i in range(8):
        rows.append(f"K{i};Aue retten;{CAMPAIGN} Gruß {'!' * (i % 2)};Paunsdorf")
    topics = [
        ("Radweg", "Der Radweg in der Karl-Liebknecht-Straße ist viel zu schmal und ständig zugeparkt.", "Südvorstadt"),
        ("Bäume", "In der Eisenbahnstraße fehlen Bäume, im Sommer ist es unerträglich heiß.", "Volkmarsdorf"),
        ("Mieten", "Die Mieten in Connewitz steigen so stark, dass Familien wegziehen müssen.", ""),
        ("Schule", "Die Grundschule in Grünau braucht dringend mehr Platz und eine neue Turnhalle.", "Grünau"),
    ]
    extras = ["Seit Jahren ärgert mich das.", "Bitte endlich handeln!", "Meine Nachbarn sehen das genauso.",
              "Das betrifft vor allem ältere Menschen.", "Kinder sind besonders gefährdet.",
              "Ich wohne seit 1998 hier und sehe keine Besserung."]
    for i in range(24):
        title, text, ort = topics[i % 4]
        rows.append(f"T{i};{title};{extras[i % 6]} {text} {extras[(i * 5 + 1) % 6]};{ort}")
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def test_run_stores_campaign_concerns_and_places(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        ingest([_csv(tmp_path / "beitraege.csv")], store)
        manifest = run_analysis(store, embedder="hashing")
        stage = manifest["stages"]["participation"]
        run_id = manifest["run_id"]
        assert stage["comments"] == 32
        groups = store.duplicate_groups(run_id)
        ids = {c.id: c.external_id for c in store.comments()}
        campaign = [g for g in groups if g["kind"] == "Kampagne" and ids[g["template"]].startswith("K")]
        assert len(campaign) == 1 and sorted(ids[m] for m in campaign[0]["members"]) == [f"K{i}" for i in range(8)]
        assert stage["n_distinct_voices"] <= 32 - 7
        members = store.concern_members(run_id)
        assert len(members) == 32
        concerns = store.concerns(run_id)
        assert sum(c["size"] for c in concerns if c["parent"] is None) == 32
        assert all(c["key_terms"] for c in concerns if c["parent"] is None and c["id"] != "-1")
        places = store.item_places(run_id, "comment")
        by_text = {c.external_id: places[c.id] for c in store.comments()}
        assert by_text["K0"] == (["Paunsdorf"], ["Ost"])
        assert "Connewitz" in by_text["T2"][0]
        # Same input, same results.
        again = run_analysis(store, embedder="hashing")
        assert store.concern_members(again["run_id"]) == members


def test_concern_summaries_quote_count_and_link(tmp_path: Path) -> None:
    draft = tmp_path / "entwurf.md"
    draft.write_text("# 1 Radverkehr\n\nDer Radweg in der Karl-Liebknecht-Straße wird verbreitert und gegen "
                     "Falschparker geschützt, damit Radfahrende sicher fahren können.\n", encoding="utf-8")
    with Store.open(tmp_path / "p") as store:
        ingest([_csv(tmp_path / "beitraege.csv"), draft], store)
        manifest = run_analysis(store, embedder="hashing")
        run_id = manifest["run_id"]
        summaries = store.concern_summaries(run_id)
        main = [c for c in store.concerns(run_id) if c["parent"] is None]
        assert {c["id"] for c in main} == set(summaries)
        for c in main:
            s = summaries[c["id"]]
            assert s["comments"] == c["size"]
            assert 1 <= len(s["quotes"]) <= 3
            texts = {x.full_text for x in store.comments()}
            assert all(q["text"] in texts for q in s["quotes"])  # verbatim
        campaign = next(s for s in summaries.values() if s["campaign_copies"] == 8)
        assert len([q for q in campaign["quotes"] if "Rietzschke" in q["text"]]) == 1  # one quote per campaign
        assert "concerns_without_answer" in manifest["stages"]["participation"]


def test_concern_edits_survive_a_rerun(tmp_path: Path) -> None:
    from insek_nlp.participation.edits import merge_concerns, move_comment, rename_concern, split_concern

    with Store.open(tmp_path / "p") as store:
        ingest([_csv(tmp_path / "beitraege.csv")], store)
        run1 = run_analysis(store, embedder="hashing")["run_id"]
        members = store.concern_members(run1)
        ext = {c.id: c.external_id for c in store.comments()}
        by_ext = {v: k for k, v in ext.items()}
        campaign_concern = members[by_ext["K0"]][0]
        rename_concern(store, run1, campaign_concern, "Rietzschke-Aue freihalten", reviewer="a")
        # Move one campaign copy into the concern of a school comment.
        school = members[by_ext["T3"]][0]
        move_comment(store, run1, by_ext["K7"], school, reviewer="b")
        # Merge the Radweg concern into the Bäume concern, if they differ.
        rad, baum = members[by_ext["T0"]][0], members[by_ext["T1"]][0]
        if rad != baum:
            merge_concerns(store, run1, baum, rad, reviewer="a")

        run2 = run_analysis(store, embedder="hashing")["run_id"]
        m2 = store.concern_members(run2)
        names = {c["id"]: c["title"] for c in store.concerns(run2)}
        assert names[m2[by_ext["K0"]][0]] == "Rietzschke-Aue freihalten"
        assert m2[by_ext["K7"]][0] == m2[by_ext["T3"]][0]
        assert m2[by_ext["T0"]][0] == m2[by_ext["T1"]][0]
        # Both reviewers' decisions are kept in the history.
        assert len(store.reviews("concern_edit")) >= 2

        # Splitting turns sub-concerns into concerns; the split also survives.
        target = m2[by_ext["T0"]][0]
        subs = {s for cid, (con, s) in m2.items() if con == target}
        split_concern(store, run2, target)
        m3 = store.concern_members(run_analysis(store, embedder="hashing")["run_id"])
        before = [cid for cid, (con, _) in m2.items() if con == target]
        assert len({m3[c][0] for c in before}) == max(1, len(subs - {None}))
