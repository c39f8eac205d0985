"""Two full demo runs give identical outputs; a full run opens no network connection.

Run A goes in this process with every network socket blocked; run B goes at
the same time in a child process (``insek demo --no-app --fresh``) with another
string-hash seed, so that set/dict order cannot leak into results. Then every
exported table and every stored result is compared, ignoring timestamps and
run ids.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from insek_nlp.demo import run_demo
from insek_nlp.pipeline import DEFAULT_TAXONOMY
from insek_nlp.report import export_table, write_report
from insek_nlp.store import Store
from tests.conftest import REPO

CORPUS = REPO / "corpora" / "demo"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "drafts").is_dir(), reason="corpora/demo/drafts is not built"),
]


class NetworkBlocked(OSError):
    pass


def _blocking(attempts: list[str], created: list[str]):
    """Patches that refuse every network socket and record every attempt to connect.

    ``created`` gets the callers that tried to create an internet socket (refused
    too), ``attempts`` every connection or name lookup tried.
    """
    real_socket = socket.socket

    class GuardedSocket(real_socket):  # keeps isinstance() working for sockets made elsewhere
        def __init__(self, family: int = -1, *args: Any, **kwargs: Any) -> None:
            if family in (socket.AF_INET, socket.AF_INET6, -1) and not kwargs.get("fileno"):
                frames = traceback.extract_stack()[:-1]
                created.append(" > ".join(f"{'/'.join(Path(f.filename).parts[-3:])}:{f.name}" for f in frames[-3:]))
                raise NetworkBlocked("network blocked by the test")
            super().__init__(family, *args, **kwargs)

    def refuse(what: str):
        def _refuse(*args: Any, **kwargs: Any):
            attempts.append(f"{what}{args[:2]}")
            raise NetworkBlocked(f"{what} blocked by the test")
        return _refuse

    real_connect = real_socket.connect
    real_connect_ex = real_socket.connect_ex

    def connect(self, address, *a):  # sockets created before the patch, or via 'from socket import socket'
        if self.family != socket.AF_UNIX:
            return refuse("connect")(address)
        return real_connect(self, address, *a)

    def connect_ex(self, address, *a):
        if self.family != socket.AF_UNIX:
            return refuse("connect_ex")(address)
        return real_connect_ex(self, address, *a)

    return [
        (socket, "socket", GuardedSocket),
        (socket, "create_connection", refuse("create_connection")),
        (socket, "getaddrinfo", refuse("getaddrinfo")),
        (socket, "gethostbyname", refuse("gethostbyname")),
        (real_socket, "connect", connect),
        (real_socket, "connect_ex", connect_ex),
    ]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("determinismus")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONHASHSEED"] = "4711"
    child = subprocess.Popen(
        [sys.executable, "-m", "insek_nlp.cli", "demo", "--no-app", "--fresh", "--project", str(tmp / "b")],
        cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    attempts: list[str] = []
    created: list[str] = []
    try:
        with pytest.MonkeyPatch.context() as mp:
            for target, name, value in _blocking(attempts, created):
                mp.setattr(target, name, value)
            # the patches work: nothing below can open a connection unnoticed
            with pytest.raises(OSError):
                socket.create_connection(("example.org", 80), timeout=1)
            with pytest.raises(OSError):
                socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probes = len(attempts)
            created.clear()
            summary = run_demo(tmp / "a", corpus=CORPUS, fresh=True)
    finally:
        out, err = child.communicate(timeout=900)
    assert child.returncode == 0, err.decode()[-3000:]
    return {"a": tmp / "a", "b": tmp / "b", "summary": summary, "attempts": attempts[probes:], "tmp": tmp,
            "created": created,
            "stdout_b": out.decode()}


def test_full_run_opens_no_network_connection(two_runs: dict[str, Any]) -> None:
    assert two_runs["attempts"] == []  # no connection, no name lookup
    # The only socket anything tried to create: urllib3's import-time IPv6 check (it binds to ::1, never
    # connects), pulled in by ``import spacy`` (spacy.cli imports requests). It was refused, and the run went on.
    assert all("urllib3/util/connection.py:_has_ipv6" in c for c in two_runs["created"]), two_runs["created"]
    summary = two_runs["summary"]
    assert summary["run"] >= 1 and 380 <= summary["comments"] <= 420
    with Store.open(two_runs["a"], create=False) as store:
        assert [r.status for r in store.runs()] == ["finished"]
        run = store.runs()[0].id
        assert store.latest_conflict_run() == store.latest_participation_run() == run
        assert store.conflict_flags(run) and store.concerns(run)


_VOLATILE = {"run_id", "run", "created_at", "started_at", "finished_at", "ingested_at", "seconds", "path"}


def _clean(value: Any) -> Any:
    """Drop run ids, timestamps and absolute paths, recursively."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _results(project: Path, tmp: Path, tag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Store.open(project, create=False) as store:
        for what in ("passages", "comments"):
            for ext in (".jsonl", ".csv"):
                f = tmp / f"{tag}-{what}{ext}"
                export_table(store, what, f)  # type: ignore[arg-type]
                out[f"export {what}{ext}"] = f.read_bytes()
        folder = tmp / f"{tag}-bericht"
        folder.mkdir()
        for f in write_report(store, folder / "bericht.csv"):  # the report's tables, one CSV each
            out[f"report {f.name}"] = f.read_bytes()
        run = store.latest_participation_run()
        assert run is not None and store.latest_conflict_run() == run
        theme_run = store.latest_theme_run(DEFAULT_TAXONOMY)
        out["themes"] = store.theme_scores(theme_run, DEFAULT_TAXONOMY)
        out["concerns"] = store.concerns(run)
        out["concern members"] = store.concern_members(run)
        out["concern summaries"] = _clean(store.concern_summaries(run))
        out["duplicate groups"] = store.duplicate_groups(run)
        out["places"] = store.item_places(run)
        out["conflict flags"] = _clean(store.conflict_flags(run))
        out["documents"] = [(d.key, d.version, d.sha256, d.kind, d.title, d.pages, d.status, d.message,
                             d.n_passages, d.n_comments) for d in store.documents()]
        out["problems"] = store.problems()
        manifest = store.runs()[-1].manifest
        out["manifest"] = _clean({k: v for k, v in manifest.items() if k != "embedding_cache"})
    return out


def test_two_demo_runs_give_identical_outputs(two_runs: dict[str, Any]) -> None:
    a = _results(two_runs["a"], two_runs["tmp"], "a")
    b = _results(two_runs["b"], two_runs["tmp"], "b")
    assert a.keys() == b.keys()
    assert sum(k.startswith("report ") for k in a) >= 5
    assert len(a["themes"]) > 500 and len(a["concerns"]) > 10 and a["conflict flags"] and a["duplicate groups"]
    differing = [k for k in a if a[k] != b[k]]
    assert differing == [], {k: _first_difference(a[k], b[k]) for k in differing}
    # the scores are really compared: conflict flags carry their scores, themes their evidence
    assert all(isinstance(f["score"], float) for f in a["conflict flags"])


def _first_difference(x: Any, y: Any, path: str = "") -> str:
    if type(x) is not type(y):
        return f"{path}: {type(x).__name__} vs {type(y).__name__}"
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y), key=str):
            if x.get(k) != y.get(k):
                return _first_difference(x.get(k), y.get(k), f"{path}/{k}")
    if isinstance(x, (list, tuple)) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            if u != v:
                return _first_difference(u, v, f"{path}[{i}]")
    if isinstance(x, bytes):
        lines_x, lines_y = x.splitlines(), y.splitlines()
        for i, (u, v) in enumerate(zip(lines_x, lines_y)):
            if u != v:
                return f"{path} line {i}: {u[:200]!r} vs {v[:200]!r}"
        return f"{path}: {len(lines_x)} vs {len(lines_y)} lines"
    return f"{path}: {json.dumps(x, default=str)[:300]} vs {json.dumps(y, default=str)[:300]}"
