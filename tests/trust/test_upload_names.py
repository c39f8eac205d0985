"""Uploaded file names cannot escape the project folder (the UI copies uploads into it).

The library itself never copies inputs (see test_ingest_safety); the review UI
saves uploads under ``<project>/eingang`` with :func:`app.views.safe_file_name`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trust.conftest import fuzz

views = pytest.importorskip("app.views")

_HOSTILE = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["..", ".", "/", "\\", "etc", "passwd", "C:", "~", "\x00", " ", "insek.db", "ä" * 40,
                              "中" * 90, ".csv", ".pdf", "\u202e", "\n"]), max_size=12).map("".join),
)


@fuzz(100)
@given(name=_HOSTILE, ext=st.sampled_from(["", ".csv", ".pdf", ".docx", ".xlsx", ".md"]))
def test_safe_file_name_stays_in_its_folder(tmp_path_factory, name: str, ext: str) -> None:
    safe = views.safe_file_name(name + ext)
    assert safe and safe not in (".", "..") and not safe.startswith(".")
    assert not any(ch in safe for ch in "/\\\x00\n\u202e") and ".." not in safe
    assert len(safe.encode("utf-8")) <= 240  # every common file system takes it
    folder = Path("/projekt/eingang")
    assert (folder / safe).resolve().parent == folder.resolve()
    if ext and not (name + ext).rstrip(" .").endswith(("/", "\\")):
        assert safe.endswith(ext), (name + ext, safe)  # the extension picks the reader: never cut off


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "...csv", "insek.db", "a" * 240 + ".csv",
                                  "中" * 80 + ".csv", "beiträge\u202eVSC.csv", "-rf .csv"])
def test_saved_uploads_land_in_the_upload_folder(tmp_path: Path, name: str) -> None:
    src_dir = tmp_path / "browser-tmp"
    src_dir.mkdir()
    src = src_dir / Path(name).name if "/" in name else src_dir / name
    try:
        src.write_text("Titel;Beitrag\nA;Mehr Bäume bitte\n", encoding="utf-8")
    except OSError as exc:
        pytest.skip(f"file system refuses the name: {exc}")
    if not src.is_file():
        pytest.skip("not a file name here")
    project = tmp_path / "projekt"
    [saved] = views.save_uploads(project, [src])
    assert saved.parent == (project / "eingang").resolve()
    assert saved.read_text(encoding="utf-8").startswith("Titel;Beitrag")
    assert not (project / "insek.db").exists()  # an upload named insek.db never replaces the store
    if src.suffix == ".csv":
        assert saved.suffix == ".csv"
