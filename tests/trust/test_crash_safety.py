"""Crash safety: a real ``insek`` process is killed (SIGKILL) during ingestion
and during an analysis run; the store stays consistent, no reviewer decision
is lost, and the next run completes. Concurrent writers lose no update.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from insek_nlp.demo import demo_inputs, find_corpus
from insek_nlp.ingest import ingest
from insek_nlp.pipeline import DEFAULT_TAXONOMY, run_analysis
from insek_nlp.store import DB_NAME, Store
from insek_nlp.types import Review
from tests.conftest import REPO, build_csv, build_note, build_pdf
from tests.trust.conftest import snapshot

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process checks are POSIX")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _insek(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "insek_nlp.cli", *args], cwd=REPO, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _query(db: Path, sql: str) -> list[tuple]:
    """Read with a separate plain connection (what a second program would see)."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # table not created yet
        return []
    finally:
        conn.close()


def _wait_until(proc: subprocess.Popen, check, timeout: float = 240.0, step: float = 0.05) -> bool:
    """Poll ``check()`` until it is true (→ True) or the process ends (→ False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(step)
    proc.kill()
    raise AssertionError("the process neither reached the point nor ended")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _integrity(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


# --------------------------------------------------------------------------- killed ingestion


@pytest.mark.slow
def test_kill_during_ingest_leaves_whole_documents(tmp_path: Path) -> None:
    inbox = tmp_path / "eingang"
    rows = [(str(i), "03.02.2025", f"Titel {i}", f"Beitrag Nummer {i} über Bäume und Radwege in Lindenau.",
             "Lindenau") for i in range(1, 301)]
    n_files = 120
    for i in range(n_files):
        if i % 3 == 2:
            build_note(inbox / f"notiz-{i:03d}.md", f"# Protokoll {i}\n\nAbsatz eins zu {i}.\n\nAbsatz zwei zu {i}.\n")
        else:
            build_csv(inbox / f"beitraege-{i:03d}.csv", rows)
    project = tmp_path / "projekt"
    db = project / DB_NAME
    proc = _insek("ingest", str(inbox), "--project", str(project))
    reached = _wait_until(proc, lambda: (_query(db, "SELECT COUNT(*) FROM documents") or [(0,)])[0][0] >= 15)
    assert reached, "ingestion finished before it could be interrupted"
    _kill(proc)

    _integrity(db)
    with Store.open(project) as store:
        docs = store.documents()
        assert 15 <= len(docs) < n_files, "killed mid-way"
        for d in docs:  # every stored document is complete: all rows or all paragraphs, never part of them
            assert d.status == "ok", (d.name, d.status)
            if d.kind == "comments":
                assert d.n_comments == 300, (d.name, d.n_comments)
            else:
                assert d.n_passages == 3, (d.name, d.n_passages)
        stored = {d.name for d in docs}

    # the same command again completes the batch; what was stored is unchanged
    proc = _insek("ingest", str(inbox), "--project", str(project))
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-2000:]
    with Store.open(project) as store:
        docs = store.documents()
        assert len(docs) == n_files and all(d.version == 1 and d.status == "ok" for d in docs)
        assert store.counts()["comments"] == 300 * sum(1 for i in range(n_files) if i % 3 != 2)
    assert out.decode().count("unverändert") >= len(stored)


# --------------------------------------------------------------------------- killed run


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("crash") / "projekt"
    with Store.open(project) as store:
        results = ingest(demo_inputs(find_corpus()), store)
        assert all(r.outcome == "added" for r in results)
    return project


@pytest.mark.slow
def test_kill_during_run_then_next_run_completes(demo_project: Path) -> None:
    project, db = demo_project, demo_project / DB_NAME
    with Store.open(project) as store:
        first = [store.add_review(Review("comment", f"beitraege-leipzig-weiter-denken.csv@1#{i}", "label",
                                         label="gesundheit", reviewer="Frau A")) for i in range(1, 6)]
        before = snapshot(store)
        comment_ids = [c.id for c in store.comments()]

    proc = _insek("run", "--project", str(project))
    written: list[Review] = list(first)
    # a reviewer keeps deciding while the run writes; the run is killed once it has stored results
    with Store.open(project) as reviewer:
        def results_stored() -> bool:
            if len(written) < 400:
                written.append(reviewer.add_review(Review(
                    "comment", comment_ids[len(written) % len(comment_ids)], "label", label="wachstum",
                    note=f"Entscheidung {len(written)}", reviewer="Herr B")))
            return bool(_query(db, "SELECT 1 FROM theme_scores s JOIN runs r ON r.id = s.run_id "
                                   "WHERE r.status = 'running' LIMIT 1"))

        reached = _wait_until(proc, results_stored, step=0.02)
    assert reached, "the run finished before it could be killed: " + proc.stderr.read().decode()[-2000:]
    _kill(proc)

    _integrity(db)
    # what another program sees before anyone opens the project: a run left 'running', never 'finished'
    assert _query(db, "SELECT status FROM runs") == [("running",)]
    with Store.open(project) as store:
        runs = store.runs()
        assert [r.status for r in runs] == ["interrupted"] and runs[0].finished_at
        assert store.latest_theme_run(DEFAULT_TAXONOMY) is None
        assert store.latest_participation_run() is None and store.latest_conflict_run() is None
        after = snapshot(store)
        assert after["documents"] == before["documents"] and after["comments"] == before["comments"]
        assert after["passages"] == before["passages"]
        got = [(r.id, r.target_id, r.label, r.note) for r in store.reviews()]
        assert got == [(r.id, r.target_id, r.label, r.note) for r in written]
        assert len(got) > len(first)
        cached = store.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]

        manifest = run_analysis(store)  # the next run completes …
        assert [r.status for r in store.runs()] == ["interrupted", "finished"]
        assert store.latest_theme_run(DEFAULT_TAXONOMY) == manifest["run_id"]
        assert store.latest_conflict_run() == manifest["run_id"]
        # … and reuses the sentence vectors the killed run had stored
        assert manifest["embedding_cache"]["hits"] >= cached > 0
        assert [(r.id, r.target_id, r.label, r.note) for r in store.reviews()] == got
    _integrity(db)


def test_open_marks_only_dead_runs_interrupted(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        alive = store.start_run({"x": 1})  # this process: alive
        dead = store.start_run({"x": 2})
        foreign = store.start_run({"x": 3})
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        store.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (child.pid, dead))
        store.conn.execute("UPDATE runs SET pid = 1, host = 'anderer-rechner' WHERE id = ?", (foreign,))
        store.finish_run(store.start_run({"x": 4}))
    with Store.open(tmp_path / "p") as store:
        assert [(r.id, r.status) for r in store.runs()] == [
            (alive, "running"), (dead, "interrupted"), (foreign, "running"), (foreign + 1, "finished")]


# --------------------------------------------------------------------------- concurrent writers


@pytest.mark.slow
def test_reviews_while_a_run_writes_lose_nothing(tmp_path: Path) -> None:
    """Two reviewers (threads, one connection each) write while ``insek run`` writes its results."""
    inbox = tmp_path / "eingang"
    build_pdf(inbox / "entwurf.pdf")
    build_csv(inbox / "beitraege.csv", [(str(i), "03.02.2025", f"Titel {i}",
                                         f"Mehr Bäume und sichere Radwege in Ortsteil {i % 7}, bitte Nr. {i}.",
                                         "Plagwitz") for i in range(1, 121)])
    build_note(inbox / "werkstatt.md")
    project = tmp_path / "projekt"
    with Store.open(project) as store:
        ingest([inbox], store)
        ids = [c.id for c in store.comments()]
    proc = _insek("run", "--project", str(project))
    stop = threading.Event()
    written: dict[str, list[int]] = {"A": [], "B": []}
    errors: list[BaseException] = []

    def reviewer(name: str) -> None:
        try:
            with Store.open(project) as s:
                i = 0
                while not stop.is_set():
                    r = s.add_review(Review("comment", ids[i % len(ids)], "label", label="anpassung",
                                            note=f"{name}-{i}", reviewer=name))
                    written[name].append(r.id)
                    i += 1
                    time.sleep(0.005)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in written]
    for t in threads:
        t.start()
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert proc.returncode == 0, err.decode()[-2000:]
    with Store.open(project) as store:
        assert [r.status for r in store.runs()] == ["finished"]
        notes = {r.note for r in store.reviews()}
        for name, rids in written.items():
            assert len(rids) > 20, "the reviewers wrote while the run was going"
            assert {f"{name}-{i}" for i in range(len(rids))} <= notes
        assert len(store.reviews()) == sum(map(len, written.values()))
        run_id = store.runs()[0].id
        assert store.latest_theme_run(DEFAULT_TAXONOMY) == store.latest_participation_run() == run_id
        assert store.concern_members(run_id).keys() == set(ids)  # every comment got its concern
    _integrity(project / DB_NAME)


def test_a_locked_store_gives_a_german_error_and_loses_nothing(tmp_path: Path) -> None:
    """A writer that waits longer than the timeout gets a StoreError, never a raw sqlite3 error."""
    from insek_nlp.errors import StoreError

    with Store.open(tmp_path / "p") as store:
        store.add_review(Review("comment", "a#1", "label", label="anpassung"))
    blocker = sqlite3.connect(tmp_path / "p" / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        waiting = Store(tmp_path / "p" / DB_NAME, timeout=0.3)
        with pytest.raises(StoreError) as info:
            waiting.add_review(Review("comment", "a#2", "label", label="wachstum"))
        assert info.value.code == "locked" and "gesperrt" in info.value.message
        waiting.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Store.open(tmp_path / "p") as store:
        store.add_review(Review("comment", "a#2", "label", label="wachstum"))  # once free, it works
        assert [r.target_id for r in store.reviews()] == ["a#1", "a#2"]
