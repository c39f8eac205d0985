"""Bad input through the participation stage: nothing crashes, nothing is lost, every case is noted.

Empty comments, comments in other languages, a single comment, 10,000 copies of
one text and a comment of 50,000 characters, each through ``run_participation``
(with the hashing embedder, cached in the store as in a real run) and, mixed
together, through ``insek run``.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from insek_nlp.cli import main
from insek_nlp.embed import CachedEmbedder, HashingEmbedder
from insek_nlp.ingest import ingest
from insek_nlp.participation.stage import EMBED_MAX_CHARS, run_participation
from insek_nlp.store import Store

GERMAN = [
    ("Radweg", "Der Radweg in der Karl-Liebknecht-Straße ist viel zu schmal und ständig zugeparkt."),
    ("Radweg Süd", "Auf dem Radweg in der Südvorstadt parken ständig Autos, das ist gefährlich für Radfahrer."),
    ("Bäume", "In der Eisenbahnstraße fehlen Straßenbäume, im Sommer ist es unerträglich heiß."),
    ("Hitze", "Mehr Straßenbäume und Schatten in der Eisenbahnstraße, die Hitze im Sommer ist schlimm."),
    ("Mieten", "Die Mieten in Connewitz steigen so stark, dass Familien aus dem Viertel wegziehen müssen."),
    ("Wohnen", "Bezahlbare Wohnungen fehlen in Connewitz, junge Familien finden keine Wohnung mehr."),
    ("Schule", "Die Grundschule in Grünau braucht dringend mehr Platz und eine neue Turnhalle."),
    ("Turnhalle", "Unsere Kinder in Grünau haben keine Turnhalle, die Schule platzt aus allen Nähten."),
]
FOREIGN = {
    "en": "The cycle lane on Karl-Liebknecht-Straße is far too narrow and cars are always parked on it, "
          "which makes cycling there really dangerous for children.",
    "tr": "Eisenbahnstraße'de on iki yıldır bir dükkanımız var. Yazın sokak çok sıcak oluyor, hiç ağaç yok "
          "ve gölge de yok, lütfen daha fazla ağaç dikin.",
    "ar": "الشارع في حي الشرق حار جدا في الصيف ولا توجد أشجار كافية. نرجو زراعة المزيد من الأشجار وتوفير الظل "
          "للأطفال وكبار السن.",
    "ru": "Велосипедная дорожка на улице Карла Либкнехта слишком узкая, и на ней постоянно паркуются машины. "
          "Пожалуйста, сделайте её безопаснее для детей.",
}


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Nr", "Titel", "Beitrag"])
        for i, (title, text) in enumerate(rows, 1):
            w.writerow([f"B{i}", title, text])
    return path


def _run(tmp_path: Path, rows: list[tuple[str, str]], embedder=None) -> tuple[Store, int, dict]:
    store = Store.open(tmp_path / "projekt")
    ingest([_write_csv(tmp_path / "beitraege.csv", rows)], store)
    run_id = store.start_run({"test": True})
    emb = CachedEmbedder(embedder or HashingEmbedder(), store)
    summary = run_participation(store, run_id, emb)
    store.finish_run(run_id)
    return store, run_id, summary


def _assert_nothing_lost(store: Store, run_id: int) -> None:
    """Every comment is a member of exactly one concern, and the concern sizes add up."""
    ids = {c.id for c in store.comments()}
    members = store.concern_members(run_id)
    assert set(members) == ids
    main_concerns = [c for c in store.concerns(run_id) if c["parent"] is None]
    assert sum(c["size"] for c in main_concerns) == len(ids)
    summaries = store.concern_summaries(run_id)
    assert {c["id"] for c in main_concerns} == set(summaries)
    assert sum(s["comments"] for s in summaries.values()) == len(ids)


def test_empty_comments_go_to_unassigned_with_a_note(tmp_path: Path) -> None:
    empty = [("", "..."), ("", "!!! ???"), ("", "👍"), ("", "-- ;-)"), ("…", "")]
    store, run_id, summary = _run(tmp_path, GERMAN + empty)
    _assert_nothing_lost(store, run_id)
    ext = {c.id: c.external_id for c in store.comments()}
    members = store.concern_members(run_id)
    empty_ids = {f"B{len(GERMAN) + i}" for i in range(1, len(empty) + 1)}
    assert {ext[cid] for cid, (concern, _) in members.items() if ext[cid] in empty_ids} == empty_ids
    assert all(members[cid] == ("-1", None) for cid in members if ext[cid] in empty_ids)
    assert summary["empty"] == len(empty) and summary["comments"] == len(GERMAN)
    unassigned = store.concern_summaries(run_id)["-1"]
    assert {n["comment"] for n in unassigned["notes"] if n["kind"] == "empty"} == empty_ids
    assert all(q["text"].strip("…. ") for q in unassigned["quotes"])  # no empty quote
    # The German comments are still clustered into real concerns.
    assert summary["concerns"] >= 2


def test_other_languages_are_kept_clustered_and_noted(tmp_path: Path) -> None:
    rows = GERMAN + [("", text) for text in FOREIGN.values()]
    store, run_id, summary = _run(tmp_path, rows)
    _assert_nothing_lost(store, run_id)
    assert summary["other_languages"] == {"en": 1, "tr": 1, "ar": 1, "ru": 1}
    notes = [n for s in store.concern_summaries(run_id).values() for n in s["notes"] if n["kind"] == "language"]
    by_comment = {n["comment"]: n["language"] for n in notes}
    first = len(GERMAN) + 1
    assert by_comment == {f"B{first + i}": lang for i, lang in enumerate(FOREIGN)}
    assert {n["note"] for n in notes} == {"Sprache: Englisch", "Sprache: Türkisch", "Sprache: Arabisch",
                                          "Sprache: Russisch"}
    # Labels come from German text only: no English, Turkish, Arabic or Cyrillic words.
    terms = [t for c in store.concerns(run_id) for t in c["key_terms"]]
    assert terms
    foreign_words = {w.casefold() for text in FOREIGN.values() for w in text.split()}
    assert not any(w.casefold() in foreign_words and w.casefold() not in {"karl-liebknecht-straße"}
                   for t in terms for w in t.split())
    assert all(t.isascii() or all(ch.isascii() or ch in "äöüÄÖÜß" for ch in t) for t in terms)


def test_a_single_comment_is_one_labelled_concern(tmp_path: Path) -> None:
    store, run_id, summary = _run(tmp_path, GERMAN[:1])
    _assert_nothing_lost(store, run_id)
    main_concerns = [c for c in store.concerns(run_id) if c["parent"] is None]
    assert [(c["id"], c["size"]) for c in main_concerns] == [("0", 1)]
    assert main_concerns[0]["title"] == "Radweg"
    assert {"Radweg", "schmal"} <= set(main_concerns[0]["key_terms"])
    assert summary["concerns"] == 1 and summary["unassigned"] == 0
    quotes = store.concern_summaries(run_id)["0"]["quotes"]
    assert [q["comment"] for q in quotes] == ["B1"]


def test_no_comments_at_all(tmp_path: Path) -> None:
    draft = tmp_path / "entwurf.md"
    draft.write_text("# 1 Radverkehr\n\nDer Radweg wird verbreitert.\n", encoding="utf-8")
    with Store.open(tmp_path / "p") as store:
        ingest([draft], store)
        run_id = store.start_run({})
        summary = run_participation(store, run_id, CachedEmbedder(HashingEmbedder(), store))
        assert summary["comments"] == 0 and summary["concerns"] == 0
        assert store.concern_members(run_id) == {} and store.concerns(run_id) == []


@pytest.mark.slow
def test_ten_thousand_copies_are_one_campaign_and_fast(tmp_path: Path) -> None:
    text = ("Ich spreche mich gegen die Bebauung der Rietzschke-Aue an der Torgauer Straße aus. Die Aue ist für "
            "das Stadtklima im Leipziger Osten unverzichtbar und muss frei bleiben.")
    started = time.perf_counter()
    store, run_id, summary = _run(tmp_path, [("Aue retten", text)] * 10_000)
    seconds = time.perf_counter() - started
    _assert_nothing_lost(store, run_id)
    groups = store.duplicate_groups(run_id)
    assert len(groups) == 1 and groups[0]["kind"] == "Kampagne" and len(groups[0]["members"]) == 10_000
    assert summary["n_total"] == 10_000 and summary["n_distinct_voices"] == 1
    main_concerns = [c for c in store.concerns(run_id) if c["parent"] is None]
    assert [c["size"] for c in main_concerns] == [10_000]
    assert "Torgauer Straße" in main_concerns[0]["key_terms"]
    s = store.concern_summaries(run_id)["0"]
    assert s["campaign_copies"] == 10_000 and len(s["quotes"]) == 1  # the campaign quoted once
    places = store.item_places(run_id, "comment")
    assert len({(tuple(o), tuple(b)) for o, b in places.values()}) == 1 and len(places) == 10_000
    assert seconds < 60, seconds  # a generous bound: about 10 s here; the stage must not be quadratic


class _RecordingEmbedder(HashingEmbedder):
    longest = 0

    def encode(self, texts, *, batch_size: int = 64) -> np.ndarray:
        type(self).longest = max([type(self).longest, *map(len, texts)])
        return super().encode(texts, batch_size=batch_size)


def test_a_50000_character_comment_is_embedded_shortened_but_kept_whole(tmp_path: Path) -> None:
    sentence = "Der Radweg in der Karl-Liebknecht-Straße ist zu schmal und wird ständig zugeparkt. "
    long_text = (sentence * (50_000 // len(sentence) + 1))[:50_000]
    store, run_id, summary = _run(tmp_path, GERMAN + [("Sehr lang", long_text)], embedder=_RecordingEmbedder())
    _assert_nothing_lost(store, run_id)
    assert 0 < _RecordingEmbedder.longest <= EMBED_MAX_CHARS
    assert summary["truncated_for_embedding"] == 1
    comment = next(c for c in store.comments() if c.external_id == f"B{len(GERMAN) + 1}")
    assert len(comment.text) == 50_000  # stored whole
    concern, _ = store.concern_members(run_id)[comment.id]
    s = store.concern_summaries(run_id)[concern]
    notes = [n for n in s["notes"] if n["kind"] == "truncated"]
    assert [n["comment"] for n in notes] == [comment.external_id]
    assert f"{len(comment.full_text):,} Zeichen".replace(",", ".") in notes[0]["note"]
    assert "ersten 5.000" in notes[0]["note"]
    assert all(q["text"] in {c.full_text for c in store.comments()} for q in s["quotes"])  # verbatim, whole


def test_insek_run_handles_all_bad_input_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentence = "Die Straßenbahn nach Grünau fährt abends viel zu selten. "
    rows = GERMAN + [("", "..."), ("", "👍")] + [("", t) for t in FOREIGN.values()] \
        + [("Lang", sentence * 1000)] + [("Kopie", GERMAN[0][1])] * 50
    _write_csv(tmp_path / "eingang" / "beitraege.csv", rows)
    project = tmp_path / "projekt"
    assert main(["ingest", str(tmp_path / "eingang"), "--project", str(project)]) == 0
    assert main(["run", "--project", str(project), "--embedder", "hashing"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Traceback" not in out
    assert "2 Beiträge ohne Text" in out
    assert "4 Beiträge in anderen Sprachen" in out and "Englisch 1" in out and "Russisch 1" in out
    assert "1 sehr lange Beiträge" in out
    with Store.open(project) as store:
        run_id = store.latest_participation_run()
        _assert_nothing_lost(store, run_id)
        assert len(store.comments()) == len(rows)
