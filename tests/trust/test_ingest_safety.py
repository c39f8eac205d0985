"""Bad files through the whole ingestion: wrong extensions, archive bombs, huge
uploads, hostile file names. Nothing crashes, and a failed file never removes
or changes what is already stored for other files (or the readable earlier
version of the same file).
"""

from __future__ import annotations

import io
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insek_nlp.ingest import IngestOptions, document_key, ingest, ingest_file
from insek_nlp.store import Store
from insek_nlp.types import Review
from tests.conftest import build_csv, build_note, build_pdf
from tests.trust.conftest import fuzz, looks_german, snapshot
from tests.trust.test_readers_fuzz import _good_docx, _good_xlsx


@lru_cache(maxsize=1)
def _good_bytes() -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        return {
            "pdf": build_pdf(t / "a.pdf").read_bytes(),
            "csv": build_csv(t / "a.csv").read_bytes(),
            "md": build_note(t / "a.md").read_bytes(),
            "xlsx": _good_xlsx(),
            "docx": _good_docx(),
        }


@pytest.fixture
def filled(tmp_path: Path, sources: dict[str, Path]):
    """A store holding a draft, a comment table and a note, plus one reviewer decision."""
    with Store.open(tmp_path / "projekt") as store:
        results = ingest(list(sources.values()), store)
        assert [r.outcome for r in results] == ["added"] * 3
        store.add_review(Review("comment", "beitraege.csv@1#1", "label", label="anpassung", reviewer="A"))
        yield store


def _assert_failed(result, *words: str) -> None:
    assert result.outcome == "failed", result.message
    assert looks_german(result.message), result.message
    for w in words:
        assert w.lower() in result.message.lower(), (w, result.message)


# --------------------------------------------------------------------------- wrong extensions

@pytest.mark.parametrize("real, ext, words", [
    ("pdf", ".csv", ["PDF-Datei"]), ("pdf", ".xlsx", ["PDF-Datei"]), ("pdf", ".docx", ["PDF-Datei"]),
    ("pdf", ".md", ["PDF-Datei"]), ("pdf", ".txt", ["PDF-Datei"]), ("pdf", ".jsonl", ["PDF-Datei"]),
    ("csv", ".pdf", ["keine PDF-Datei"]), ("csv", ".xlsx", ["Textdatei"]), ("csv", ".docx", ["keine Word-Datei"]),
    ("xlsx", ".docx", ["Excel"]), ("xlsx", ".csv", ["Excel"]), ("xlsx", ".pdf", ["keine PDF-Datei (eine Word- oder Excel-Datei"]),
    ("xlsx", ".md", ["Excel"]), ("docx", ".xlsx", ["Word-Dokument"]),
    ("docx", ".pdf", ["keine PDF-Datei (eine Word- oder Excel-Datei"]),
    ("docx", ".txt", ["Word"]), ("md", ".xlsx", ["Textdatei"]), ("md", ".docx", ["keine Word-Datei"]),
])
def test_wrong_extension_is_named(filled: Store, tmp_path: Path, real: str, ext: str, words: list[str]) -> None:
    before = snapshot(filled)
    path = tmp_path / f"falsch{ext}"
    path.write_bytes(_good_bytes()[real])
    _assert_failed(ingest_file(filled, path), *words)
    after = snapshot(filled)
    assert after["current"] == before["current"]
    assert after["passages"] == before["passages"] and after["comments"] == before["comments"]
    assert after["reviews"] == before["reviews"]


def test_unsupported_extension(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "beitraege.ods"
    path.write_bytes(b"PK\x03\x04 irgendwas")
    _assert_failed(ingest_file(filled, path), "nicht unterstützt")


# --------------------------------------------------------------------------- archive bombs


def _bomb(kind: str, megabytes: int = 40, members: int = 1) -> bytes:
    """A real ZIP that unpacks to ``megabytes`` MB of zeros (kilobytes on disk)."""
    base = _good_bytes()[kind]
    out = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    target = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != target:
                dst.writestr(info.filename, src.read(info.filename))
        for m in range(members):
            name = target if m == 0 else f"{target}.{m}"
            with dst.open(name, "w") as fh:
                for _ in range(megabytes // members):
                    fh.write(chunk)
    return out.getvalue()


@pytest.mark.parametrize("kind, ext, code", [("docx", ".docx", "archive_bomb"), ("xlsx", ".xlsx", "zip_bomb")])
@pytest.mark.parametrize("members", [1, 8])
def test_archive_bomb_refused_before_unpacking(filled: Store, tmp_path: Path, kind, ext, code, members) -> None:
    data = _bomb(kind, 40, members)
    assert len(data) < 200_000  # 40 MB of zeros pack into a few dozen KB
    path = tmp_path / f"bombe{ext}"
    path.write_bytes(data)
    before = snapshot(filled)
    t0 = time.perf_counter()
    result = ingest_file(filled, path)
    assert time.perf_counter() - t0 < 5
    _assert_failed(result, "nicht")
    assert [p.code for p in result.problems] == [code]
    after = snapshot(filled)
    assert after["current"] == before["current"] and after["comments"] == before["comments"]


def test_bomb_under_the_name_of_a_stored_file_keeps_the_good_version(filled: Store, tmp_path: Path) -> None:
    """A broken re-upload of a stored file becomes a failed version; analysis keeps the readable one."""
    before = snapshot(filled)
    folder = tmp_path / "eingang"
    (folder / "entwurf.pdf").write_bytes(_good_bytes()["pdf"][:400])  # truncated re-upload
    (folder / "beitraege.csv").write_bytes(_good_bytes()["xlsx"])  # a workbook saved under the CSV's name
    results = ingest([folder / "entwurf.pdf", folder / "beitraege.csv"], filled)
    assert [r.outcome for r in results] == ["failed", "failed"]
    after = snapshot(filled)
    assert after["current"] == before["current"]
    assert after["passages"] == before["passages"] and after["comments"] == before["comments"]
    for name in ("entwurf.pdf", "beitraege.csv"):
        versions = filled.document_versions(document_key(folder / name))
        assert [(v.version, v.status) for v in versions] == [(1, "ok"), (2, "failed")]


# --------------------------------------------------------------------------- random bad files into a filled store

_BAD_NAMES = ["entwurf.pdf", "beitraege.csv", "werkstatt.md", "neu.pdf", "neu.csv", "neu.xlsx", "neu.docx",
              "neu.md", "neu.jsonl", "neu.txt"]


@fuzz(40)
@given(name=st.sampled_from(_BAD_NAMES), data=st.one_of(
    st.binary(max_size=2048),
    st.sampled_from(sorted(_good_bytes())).flatmap(
        lambda k: st.integers(0, len(_good_bytes()[k]) - 1).map(lambda n, k=k: _good_bytes()[k][:n])),
))
def test_failed_file_changes_nothing_stored(tmp_path_factory, name: str, data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    sources = [build_pdf(tmp / "eingang" / "entwurf.pdf"), build_csv(tmp / "eingang" / "beitraege.csv"),
               build_note(tmp / "eingang" / "werkstatt.md")]
    with Store.open(tmp / "projekt") as store:
        ingest(sources, store)
        store.add_review(Review("comment", "beitraege.csv@1#1", "label", label="anpassung", reviewer="A"))
        _check_bad_upload(store, tmp, name, data)


def _check_bad_upload(store: Store, tmp: Path, name: str, data: bytes) -> None:
    filled = store
    before = snapshot(filled)
    path = tmp / "upload" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    result = ingest_file(filled, path)
    assert result.outcome in ("failed", "added", "new_version", "unchanged")
    assert looks_german(result.message)
    after = snapshot(filled)
    assert after["reviews"] == before["reviews"]
    if result.outcome == "failed":
        assert after["current"] == before["current"]
        assert after["passages"] == before["passages"] and after["comments"] == before["comments"]
        # every earlier version is still there, unchanged
        assert set(before["documents"]) <= set(after["documents"])
    else:  # a readable upload adds a version; the others stay as they were
        others = [d for d in before["documents"] if d[1] != document_key(path)]
        assert set(others) <= set(after["documents"])


# --------------------------------------------------------------------------- size limits


def test_500_mb_upload_refused_quickly(filled: Store, tmp_path: Path) -> None:
    """A 500 MB file (sparse: no real disk use) is refused with the limit in the message."""
    for name in ("riesig.csv", "riesig.pdf", "riesig.docx"):
        path = tmp_path / name
        with path.open("wb") as fh:
            fh.seek(500 * 1024 * 1024 - 1)
            fh.write(b"\0")
        assert path.stat().st_size == 500 * 1024 * 1024
        before = snapshot(filled)
        t0 = time.perf_counter()
        result = ingest_file(filled, path)
        elapsed = time.perf_counter() - t0
        _assert_failed(result, "500 MB", "50 MB")
        assert [p.code for p in result.problems] == ["too_large"]
        assert elapsed < 5, f"refusing a too large file took {elapsed:.1f} s"
        after = snapshot(filled)
        assert after["current"] == before["current"] and after["comments"] == before["comments"]
        path.unlink()


def test_limit_can_be_raised(filled: Store, tmp_path: Path) -> None:
    path = build_csv(tmp_path / "gross.csv", [(str(i), "03.02.2025", "T", "Mehr Bäume " * 20, "Lindenau")
                                             for i in range(3000)])
    assert path.stat().st_size > 512 * 1024
    _assert_failed(ingest_file(filled, path, IngestOptions(max_mb=0.5)), "0,5 MB")
    # the same file read with a higher limit replaces the failed record
    assert ingest_file(filled, path, IngestOptions(max_mb=5)).outcome == "added"
    assert [(v.version, v.status) for v in filled.document_versions("gross.csv")] == [(1, "ok")]


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize("name", [
    "...csv", "..\\..\\windows\\system32\\beitraege.csv", "$(rm -rf ~).csv", "a;b&c|d.csv",
    "\u202egnp.csv", "zeile\numbruch.csv", "\x1b[31mrot\x1b[0m.csv", "[bold]fett[red].csv",
    "ä" * 120 + ".csv", "x" * 250 + ".csv", " leer .csv", "-rf.csv",
])
def test_hostile_file_names_are_neutralised(tmp_path: Path, name: str) -> None:
    """Any file name is stored as a plain name, its key is a safe slug, and ingest writes no file."""
    inbox = tmp_path / "eingang"
    inbox.mkdir()
    try:
        path = inbox / name
        path.write_bytes(_good_bytes()["csv"])
    except OSError as exc:  # too long for this file system: nothing to test
        pytest.skip(f"file system refuses the name: {exc}")
    if not path.is_file():
        pytest.skip("not a file name on this file system")
    project = tmp_path / "projekt"
    before = {p for p in tmp_path.rglob("*")}
    with Store.open(project) as store:
        [result] = ingest([path], store)
        assert result.outcome in ("added", "failed")
        doc = result.document
        assert doc is not None and doc.name == path.name
        key = document_key(path)
        assert doc.key == key
        assert key and "/" not in key and "\\" not in key and ".." not in key and len(key) <= 260
        assert all(ch.isalnum() or ch in ".-" for ch in key) and key.isascii()
    written = {p for p in tmp_path.rglob("*")} - before
    # the only files ingestion creates are the project folder and its database
    assert {p.relative_to(project).as_posix() for p in written if p != project} <= {
        "insek.db", "insek.db-wal", "insek.db-shm"}


def test_document_key_of_traversal_names() -> None:
    for raw in ("../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "../", "....", "a\x00b.csv"):
        key = document_key(Path(raw.replace("\x00", "")))
        assert key and "/" not in key and "\\" not in key and not key.startswith(".")
        assert ".." not in key


def test_no_file_is_written_outside_the_project(tmp_path: Path, sources: dict[str, Path]) -> None:
    """Ingestion reads its inputs in place and only writes the project database."""
    project = tmp_path / "projekt"
    mtimes = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sources.values()}
    before = {p for p in tmp_path.rglob("*")}
    with Store.open(project) as store:
        ingest([tmp_path / "eingang"], store)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sources.values()} == mtimes
    new = {p for p in tmp_path.rglob("*")} - before
    assert {p.name for p in new} <= {"projekt", "insek.db", "insek.db-wal", "insek.db-shm"}
    assert all(p == project or p.parent == project for p in new)


def test_demo_fresh_removes_only_the_project_database(tmp_path: Path, monkeypatch) -> None:
    """``insek demo --fresh --project ORDNER`` must not delete other files kept in that folder."""
    from insek_nlp import demo

    project = tmp_path / "meine-dokumente"
    with Store.open(project) as store:
        store.add_review(Review("comment", "x#1", "label", label="anpassung"))
    keep = project / "wichtig.docx"
    keep.write_bytes(b"nicht loeschen")
    (project / "unterordner").mkdir()
    seen: dict[str, int] = {}

    def fake_ingest(paths, store, options):  # stop after the reset: only the deletion is tested here
        seen["reviews"] = store.counts()["reviews"]
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "ingest", fake_ingest)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(project, fresh=True)
    assert seen == {"reviews": 0}  # a fresh database …
    assert keep.read_bytes() == b"nicht loeschen" and (project / "unterordner").is_dir()  # … and nothing else gone
