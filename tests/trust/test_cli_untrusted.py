"""Text from files and citizens reaches the terminal as it is: brackets are never rich markup.

A comment title "[/b]" once crashed the CLI summary (rich's MarkupError), and a
file named "[bold]x.csv" was shown as "x.csv".
"""

from __future__ import annotations

from pathlib import Path

from insek_nlp.cli import main
from tests.conftest import build_csv


def test_markup_in_file_names_and_comments_is_printed_verbatim(tmp_path: Path, capsys) -> None:
    rows = [("1", "03.02.2025", "[/b] Titel", "Ein Beitrag mit [red]Klammern[/red] und [/] darin.", "Lindenau"),
            ("2", "04.02.2025", "Zweiter", "Noch ein Beitrag mit [link=http://x]Link[/link].", "Plagwitz")]
    path = build_csv(tmp_path / "[bold]beiträge[red].csv", rows)
    assert main(["ingest", str(path), "--project", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "[bold]beiträge[red].csv" in out.replace("\n", "")
    assert main(["status", "--project", str(tmp_path / "p")]) == 0
    assert "[bold]beiträge[red].csv" in capsys.readouterr().out.replace("\n", "")


def test_error_messages_with_brackets_are_printed_verbatim(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "[red]kaputt.csv"
    bad.write_text("[/red];[/]\n1;2\n3;4\n", encoding="utf-8")  # no text column: the message lists the columns
    assert main(["ingest", str(bad), "--project", str(tmp_path / "p"), "--strict"]) == 1
    out = capsys.readouterr().out.replace("\n", "")
    assert "[red]kaputt.csv" in out and "„[/red]“, „[/]“" in out
    missing = tmp_path / "[/]fehlt.yaml"
    assert main(["coverage", "--project", str(tmp_path / "p"), "--taxonomy", str(missing)]) == 2
    assert "[/]fehlt.yaml" in capsys.readouterr().out.replace("\n", "")
