"""``insek run``, ``insek coverage`` and ``insek evaluate classify`` called in-process."""

from __future__ import annotations

import csv
import re
import json
from pathlib import Path

import pytest

from insek_nlp.cli import main
from insek_nlp.store import Store

DRAFT = """# 1 Klimaanpassung

Die Klimaanpassungsmaßnahmen im Leipziger Westen sollen Hitzeinseln verringern. Dachbegrünung und Fassadenbegrünung kühlen die Quartiere bei Hitze.

Gegen Starkregen wird das Prinzip der Schwammstadt angewandt: Entsiegelung, Versickerung und Regenwasserrückhalt auf Plätzen.

# 2 Digitalisierung

Eine urbane Datenplattform stellt Open Data bereit; Datenschutz und Datensouveränität haben Vorrang.

Die Digitalisierung der Verwaltung schreitet voran: Onlineanträge im Bürgerportal ersetzen den Gang ins Bürgeramt.
"""


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    draft = tmp_path / "fachkonzept-klima.md"
    draft.write_text(DRAFT, encoding="utf-8")
    project = tmp_path / "projekt"
    assert main(["ingest", str(draft), "--project", str(project), "--kind", "draft"]) == 0
    capsys.readouterr()
    return project


def test_run_then_coverage(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--project", str(project), "--embedder", "hashing"]) == 0
    out = capsys.readouterr().out
    assert "Analyselauf 1 abgeschlossen (Satzvektoren: hashing-256)." in out
    assert "Satzvektoren neu berechnet:" in out
    assert "Themen „insek-querschnittsthemen“: 4 Texte eingeordnet (zero-shot)" in out
    assert "Zielkonflikte: Nur ein Dokument mit Zielen" in out  # one draft: nothing to compare it with
    with Store.open(project, create=False) as store:
        (run,) = store.runs()
        assert run.status == "finished"

    assert main(["coverage", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Themenabdeckung – INSEK – Querschnittsthemen (Analyselauf 1)" in out
    assert "Internationales" in out and "Digitalisierung der Gesellschaft" in out
    assert "Fehlt:" in out and "unsicher (kein Thema)" in out
    assert "Traceback" not in out

    assert main(["coverage", "--project", str(project), "--details"]) == 0
    details = capsys.readouterr().out
    assert "Begriffe:" in details and "Schwammstadt" in details


def test_second_run_answers_from_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--project", str(project), "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["run", "--project", str(project), "--embedder", "hashing"]) == 0
    out = capsys.readouterr().out
    assert "Analyselauf 2 abgeschlossen" in out
    assert "Satzvektoren neu berechnet: 0, aus dem Cache:" in out


def test_coverage_before_any_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--project", str(project)]) == 2
    out = capsys.readouterr().out
    assert "Fehler:" in out and "noch keinen Analyselauf" in out
    assert "insek run" in out
    assert "Traceback" not in out


def test_run_without_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--project", str(tmp_path / "gibtsnicht"), "--embedder", "hashing"]) == 2
    out = capsys.readouterr().out
    assert "Fehler:" in out and "insek ingest" in out
    assert not (tmp_path / "gibtsnicht").exists()


def test_run_with_unknown_embedder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--project", str(project), "--embedder", "gibtsnicht"]) == 2
    out = capsys.readouterr().out
    assert "Fehler:" in out and "Unbekannter Embedder" in out


# --------------------------------------------------------------------------- evaluate classify


def _labelled_csv(path: Path) -> Path:
    subjects = {"verkehr": ["Der Radweg", "Die Straßenbahn", "Die Kreuzung"],
                "gruen": ["Der Park", "Der Spielplatz", "Die Wiese"],
                "wohnen": ["Die Miete", "Die Wohnung", "Der Neubau"]}
    predicates = {"verkehr": ["ist gefährlich", "ist zugeparkt"], "gruen": ["braucht Schatten", "braucht Bänke"],
                  "wohnen": ["ist zu teuer", "fehlt für Familien"]}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Nr", "Beitrag", "Kategorie"])
        n = 0
        for i in range(6):
            for lab in subjects:
                n += 1
                w.writerow([n, f"{subjects[lab][i % 3]} in Grünau {predicates[lab][i % 2]}.", lab])
    return path


def test_evaluate_classify_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _labelled_csv(tmp_path / "daten.csv")
    code = main(["evaluate", "classify", "--data", str(data), "--text", "Beitrag", "--labels", "Kategorie",
                 "--mode", "supervised", "--cv", "3", "--json", "--embedder", "hashing", "--cache", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out)  # exactly one JSON object, nothing else on stdout
    assert isinstance(result, dict)
    assert result["mode"] == "supervised"
    assert (result["n_train"], result["n_test"]) == (18, 18)
    assert set(result["per_label"]) == {"verkehr", "gruen", "wohnen"}
    assert result["curve"] == []
    assert (tmp_path / "insek.db").exists()  # the embedding cache


def test_evaluate_classify_active_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _labelled_csv(tmp_path / "daten.csv")
    code = main(["evaluate", "classify", "--data", str(data), "--text", "Beitrag", "--labels", "Kategorie",
                 "--mode", "active", "--cv", "2", "--budget", "9", "--seed-size", "3", "--step", "3", "--json",
                 "--embedder", "hashing", "--cache", str(tmp_path)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [p["labels"] for p in result["curve"]] == [3, 6, 9]
    assert [p["labels"] for p in result["baseline_random"]] == [3, 6, 9]


def test_evaluate_classify_human_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _labelled_csv(tmp_path / "daten.csv")
    code = main(["evaluate", "classify", "--data", str(data), "--text", "Beitrag", "--labels", "Kategorie",
                 "--cv", "3", "--embedder", "hashing", "--cache", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Modus: supervised – Trainingsbeispiele: 18, Testbeispiele: 18" in out
    assert "Makro-F1:" in out and "Je Label" in out


def test_evaluate_classify_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _labelled_csv(tmp_path / "daten.csv")
    base = ["evaluate", "classify", "--data", str(data), "--text", "Beitrag", "--json", "--embedder", "hashing",
            "--cache", str(tmp_path)]
    assert main(base + ["--labels", "Thema"]) == 2
    out = capsys.readouterr().out
    assert "Fehler:" in out and "„Thema“" in out and "Kategorie" in out
    assert main(base + ["--labels", "Kategorie", "--mode", "zero-shot"]) == 2
    assert "--taxonomy" in capsys.readouterr().out
    assert main(base) == 2
    assert "--labels" in capsys.readouterr().out


def test_coverage_details_of_a_pdf_draft_show_pages(tmp_path: Path, pdf_builder, capsys) -> None:
    pdf = pdf_builder(tmp_path / "entwurf.pdf")
    project = tmp_path / "projekt"
    assert main(["ingest", str(pdf), "--project", str(project)]) == 0
    assert main(["run", "--project", str(project), "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["coverage", "--project", str(project), "--details"]) == 0
    out = capsys.readouterr().out
    refs = [line for line in out.splitlines() if " – Begriffe: " in line]
    assert refs
    for line in refs:
        assert re.search(r": S\. [12], .*\(\d,\d\d\) – Begriffe: ", line), line
