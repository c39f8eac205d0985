"""Tests for the ``insek`` command line, called in-process (and once as a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from insek_nlp import __version__
from insek_nlp.cli import main
from insek_nlp.store import Store


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # rich wraps at 80 columns when not on a terminal; wide output keeps messages on one line.
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def project(tmp_path: Path, sources: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> Path:
    """A project with the three source files ingested through the CLI."""
    project = tmp_path / "projekt"
    assert main(["ingest", str(tmp_path / "eingang"), "--project", str(project)]) == 0
    capsys.readouterr()
    return project


def test_ingest_prints_german_table(tmp_path: Path, sources: dict[str, Path], capsys) -> None:
    project = tmp_path / "projekt"
    code = main(["ingest", str(tmp_path / "eingang"), "--project", str(project)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Eingelesene Dateien" in out
    for name in ("entwurf.pdf", "beitraege.csv", "werkstatt.md"):
        assert name in out
    assert "3 Beiträge eingelesen." in out and "6 Abschnitte von 2 Seiten eingelesen." in out
    assert out.count("neu") >= 3 and "Entwurf" in out and "Protokoll" in out
    with Store.open(project, create=False) as store:
        assert store.counts()["documents"] == 3

    assert main(["ingest", str(tmp_path / "eingang"), "--project", str(project)]) == 0
    assert capsys.readouterr().out.count("unverändert") >= 3


def test_ingest_with_failed_file_exit_code_and_strict(tmp_path: Path, sources: dict[str, Path], capsys) -> None:
    broken = tmp_path / "eingang" / "kaputt.pdf"
    broken.write_bytes(b"kein PDF")
    args = ["ingest", str(tmp_path / "eingang"), "--project", str(tmp_path / "p")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Fehler" in out and "keine PDF-Datei" in out
    assert "1 von 4 Dateien konnten nicht gelesen werden" in out
    assert main(args + ["--strict"]) == 1


def test_ingest_kind_and_column_options(tmp_path: Path, csv_builder, capsys) -> None:
    table = csv_builder(tmp_path / "export.txt", encoding="utf-8")
    project = tmp_path / "p"
    assert main(["ingest", str(table), "--project", str(project), "--kind", "comments", "--text-col", "Titel"]) == 0
    assert "3 Beiträge eingelesen." in capsys.readouterr().out
    with Store.open(project, create=False) as store:
        assert [c.text for c in store.comments()] == ["Bäume", "Radweg", "Spielplatz"]


def test_status_lists_documents_and_problems(tmp_path: Path, project: Path, capsys) -> None:
    assert main(["status", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    for name in ("entwurf.pdf", "beitraege.csv", "werkstatt.md"):
        assert name in out
    assert "3 Dokumente (3 Versionen)" in out and "3 Beiträge" in out
    assert "Keine Probleme gefunden." in out

    (tmp_path / "eingang" / "kaputt.pdf").write_bytes(b"%PDF-1.4\nkaputt")
    main(["ingest", str(tmp_path / "eingang" / "kaputt.pdf"), "--project", str(project)])
    capsys.readouterr()
    assert main(["status", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Probleme" in out and "kaputt.pdf (V1)" in out and "beschädigt" in out
    assert "fehlgeschlagen" in out


def test_status_on_missing_project_is_a_german_error(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "kein-projekt"
    assert main(["status", "--project", str(missing)]) == 2
    captured = capsys.readouterr()
    assert "Fehler:" in captured.out and "gibt es noch kein Projekt" in captured.out
    assert "insek ingest" in captured.out  # the hint says what to do next
    assert "Traceback" not in captured.out + captured.err
    assert not missing.exists()


def test_status_on_corrupt_project_is_a_german_error(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "kaputt"
    broken.mkdir()
    (broken / "insek.db").write_bytes(b"\x00\xff" * 4096)
    assert main(["status", "--project", str(broken)]) == 2
    captured = capsys.readouterr()
    assert "Fehler:" in captured.out and "Projektdatenbank" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_export_writes_file(tmp_path: Path, project: Path, capsys) -> None:
    out = tmp_path / "aus" / "beitraege.jsonl"
    assert main(["export", "comments", "--project", str(project), "--out", str(out)]) == 0
    assert "3 Zeilen nach" in capsys.readouterr().out
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["source"], r["row"]) for r in rows] == [("beitraege.csv", 1), ("beitraege.csv", 2),
                                                        ("beitraege.csv", 3)]

    csv_out = tmp_path / "abschnitte.csv"
    assert main(["export", "passages", "--project", str(project), "--out", str(csv_out)]) == 0
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbfpassage_id;")


def test_export_errors_exit_2(tmp_path: Path, project: Path, capsys) -> None:
    assert main(["export", "comments", "--project", str(project), "--out", str(tmp_path / "x.docx")]) == 2
    out = capsys.readouterr().out
    assert "Fehler:" in out and "Unbekanntes Exportformat" in out
    assert main(["export", "comments", "--project", str(tmp_path / "nichts"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "gibt es noch kein Projekt" in capsys.readouterr().out


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"insek-nlp {__version__}"


def test_no_command_prints_help(capsys) -> None:
    assert main([]) == 0
    assert "usage: insek" in capsys.readouterr().out


def test_help_as_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "insek_nlp.cli", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "usage: insek" in proc.stdout
    for command in ("ingest", "status", "export", "demo"):
        assert command in proc.stdout
    assert proc.stderr == ""
