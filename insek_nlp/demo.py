"""The bundled demo: the demo corpus ingested and analysed end to end.

The corpus (``corpora/demo``) is written by this project: four Fachkonzept
drafts as PDF, about 400 citizen comments as an Excel CSV export and two
workshop notes (DOCX, Markdown).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

from insek_nlp.errors import InputError
from insek_nlp.ingest import IngestOptions, ingest
from insek_nlp.store import DB_NAME, Store

log = logging.getLogger(__name__)

CORPUS_PARTS = ("drafts", "beitraege", "notes")


def find_corpus(corpus: Path | None = None) -> Path:
    """Locate the demo corpus: an explicit path, ``$INSEK_DEMO_CORPUS``, or the source checkout."""
    candidates = []
    if corpus is not None:
        candidates.append(Path(corpus))
    if os.environ.get("INSEK_DEMO_CORPUS"):
        candidates.append(Path(os.environ["INSEK_DEMO_CORPUS"]))
    here = Path(__file__).resolve()
    candidates += [p / "corpora" / "demo" for p in here.parents]
    candidates.append(Path.cwd() / "corpora" / "demo")
    for c in candidates:
        if c.is_dir() and any((c / part).is_dir() for part in CORPUS_PARTS):
            return c
    raise InputError(
        "Der Demo-Korpus wurde nicht gefunden.",
        hint="Bitte insek demo im Projektordner von insek-nlp aufrufen oder --corpus ORDNER angeben.",
    )


def demo_inputs(corpus: Path) -> list[Path]:
    return [corpus / part for part in CORPUS_PARTS if (corpus / part).is_dir()]


def run_demo(project: Path, *, console: Any | None = None, corpus: Path | None = None, fresh: bool = False) -> dict:
    """Ingest the demo corpus into ``project`` and print a summary; return the summary numbers."""
    corpus = find_corpus(corpus)
    project = Path(project)
    if fresh:  # only the project database: never other files someone keeps in that folder
        for suffix in ("", "-wal", "-shm", "-journal"):
            (project / (DB_NAME + suffix)).unlink(missing_ok=True)
    with Store.open(project) as store:
        results = ingest(demo_inputs(corpus), store, IngestOptions())
        summary = summarise(store)
        if console is not None:
            from insek_nlp.cli import _print_results, print_status

            from rich.markup import escape

            console.print(f"[bold]insek-nlp Demo[/bold] – Korpus: {escape(str(corpus))}")
            _print_results(console, results)
            print_status(store, console)
            _print_summary(console, summary)
        from insek_nlp.classify.coverage import coverage
        from insek_nlp.classify.taxonomy import load_taxonomy
        from insek_nlp.pipeline import DEFAULT_TAXONOMY, run_analysis

        if console is not None:
            with console.status("Analyse läuft …") as status:
                manifest = run_analysis(store, progress=lambda m: status.update(f"Analyse läuft: {m} …"))
        else:
            manifest = run_analysis(store)
        report = coverage(store, load_taxonomy(DEFAULT_TAXONOMY))
        summary["run"] = manifest["run_id"]
        summary["coverage"] = {d.name: {t.id: report.cell(d.id, t.id).level for t in report.taxonomy}
                               for d in report.documents}
        if console is not None:
            from insek_nlp.cli import print_coverage, print_participation, print_run, print_top_conflicts

            print_run(console, manifest)
            print_coverage(console, report)
            print_participation(console, store, manifest["run_id"])
            print_top_conflicts(console, store)
    return summary


def summarise(store: Store) -> dict:
    """Numbers a planner looks at first: what was read, how it is structured."""
    docs = store.documents(current=True)
    drafts = [d for d in docs if d.kind == "draft"]
    notes = [d for d in docs if d.kind == "notes"]
    passages = store.passages([d.id for d in drafts + notes])
    by_doc: dict[str, Counter] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, Counter())[p.kind] += 1
    comments = store.comments()
    dates = sorted(c.created for c in comments if c.created)
    return {
        "documents": {d.name: {"kind": d.kind, "title": d.title, "pages": d.pages, "passages": d.n_passages,
                               "kinds": dict(by_doc.get(d.id, {}))} for d in drafts + notes},
        "comments": len(comments),
        "comments_with_location": sum(1 for c in comments if c.location),
        "first_comment": dates[0] if dates else None,
        "last_comment": dates[-1] if dates else None,
        "problems": len([p for p in store.problems() if p.severity != "info"]),
    }


def _print_summary(console: Any, summary: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    from insek_nlp.cli import _fmt_int

    table = Table(title="Aufbau der Entwürfe und Protokolle")
    for col in ("Dokument", "Titel", "Seiten", "Überschriften", "Absätze", "Listenpunkte", "Tabellenzeilen"):
        table.add_column(col)
    for name, d in summary["documents"].items():
        k = d["kinds"]
        table.add_row(escape(name), escape(d["title"][:50]), str(d["pages"] or "–"), str(k.get("heading", 0)),
                      str(k.get("paragraph", 0)), str(k.get("list_item", 0)), str(k.get("table_row", 0)))
    console.print(table)
    n = summary["comments"]
    if n:
        def de_date(iso: str | None) -> str:
            if not iso:
                return "–"
            y, m, d = iso[:10].split("-")
            return f"{d}.{m}.{y}"

        console.print(
            f"Bürgerbeiträge: {_fmt_int(n)}, davon {_fmt_int(summary['comments_with_location'])} mit Ortsangabe; "
            f"Zeitraum {de_date(summary['first_comment'])} bis {de_date(summary['last_comment'])}."
        )
