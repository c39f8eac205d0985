"""Event wiring of the review UI: what happens when a user clicks, selects or types.

Handlers call :mod:`app.views` (and through it the public API of
:mod:`insek_nlp`). Every handler runs inside :func:`guard`: an
:class:`InsekError` becomes a German ``gr.Error`` with its hint, anything
unexpected a German message too, never a bare traceback.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from app import views
from app.layout import Layout
from app.render import de_int, message
from insek_nlp.errors import InsekError

log = logging.getLogger(__name__)


def guard(fn: Callable) -> Callable:
    """Turn errors into visible German messages."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except InsekError as exc:
            raise gr.Error(f"{exc.message} {exc.hint or ''}".strip(), title="Fehler", print_exception=False) from exc
        except Exception as exc:  # a UI action must never end without a message
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error(f"Unerwarteter Fehler ({type(exc).__name__}: {exc}). Die Daten im Projekt sind nicht "
                           "verändert worden; bitte die Seite neu laden und es erneut versuchen.",
                           title="Fehler") from exc

    return wrapper


def _reviewer(name: str | None, request: gr.Request | None) -> str | None:
    name = (name or "").strip()
    if name:
        return name
    return getattr(request, "username", None) if request is not None else None


def wire(ui: Layout, view: views.ProjectView, blocks: gr.Blocks) -> None:
    """Connect all events; called inside the ``gr.Blocks`` context after :func:`build_layout`."""
    _wire_project(ui, view, blocks)
    _wire_themes(ui, view)
    _wire_comments(ui, view)
    if ui.conflicts is not None:
        _wire_conflicts(ui, view)
    _wire_places(ui, view)
    _wire_export(ui, view)


# --------------------------------------------------------------------------- Projekt


def _wire_project(ui: Layout, view: views.ProjectView, blocks: gr.Blocks) -> None:
    t = ui.project

    @guard
    def show_project(request: gr.Request):
        choices = views.taxonomy_choices(view)
        analysed = [spec for _, spec in views.analysed_taxonomies(view)]
        selected = [s for _, s in choices if s in analysed] or ["insek-querschnittsthemen"]
        user = getattr(request, "username", None)
        return (views.project_summary_html(view), views.documents_frame(view), views.problems_html(view),
                views.run_summary_html(view), views.run_manifest(view),
                gr.update(choices=choices, value=selected), gr.update(value=user) if user else gr.update())

    outputs = [t.summary, t.documents, t.problems, t.run_result, t.manifest, t.taxonomies, ui.reviewer]
    t.tab.select(show_project, outputs=outputs)
    blocks.load(show_project, outputs=outputs)

    @guard
    def do_ingest(files, kind, progress=gr.Progress()):
        progress(0.0, desc="Dateien werden gespeichert …")

        def tick(i: int, n: int, path: Path) -> None:
            progress(i / max(n, 1), desc=f"Einlesen: {path.name} ({i + 1 if i < n else n} von {n})")

        results = views.ingest_uploads(view, [f if isinstance(f, str) else f.name for f in (files or [])], kind, tick)
        return (views.ingest_results_html(results), views.project_summary_html(view), views.documents_frame(view),
                views.problems_html(view), None)

    t.ingest_btn.click(do_ingest, inputs=[t.files, t.kind],
                       outputs=[t.ingest_result, t.summary, t.documents, t.problems, t.files])

    @guard
    def add_taxonomy(file, selected):
        if not file:
            return gr.update(), ""
        tax_id, spec = views.save_taxonomy_upload(view, file if isinstance(file, str) else file.name)
        choices = views.taxonomy_choices(view)
        return (gr.update(choices=choices, value=list(dict.fromkeys([*(selected or []), spec]))),
                message(f"Themenkatalog „{tax_id}“ geprüft und gespeichert.", "ok"))

    t.taxonomy_file.upload(add_taxonomy, inputs=[t.taxonomy_file, t.taxonomies], outputs=[t.taxonomies, t.run_result])

    @guard
    def do_run(taxonomies, progress=gr.Progress()):
        views.run_project_analysis(view, taxonomies, lambda f, msg: progress(f, desc=msg))
        progress(1.0, desc="Fertig")
        return (message("Analyse abgeschlossen.", "ok") + views.run_summary_html(view), views.run_manifest(view),
                views.project_summary_html(view))

    t.run_btn.click(do_run, inputs=[t.taxonomies], outputs=[t.run_result, t.manifest, t.summary])


# --------------------------------------------------------------------------- Themenabdeckung


def _wire_themes(ui: Layout, view: views.ProjectView) -> None:
    t = ui.themes

    @guard
    def show_grid(spec: str | None):
        choices = views.analysed_taxonomies(view)
        if not choices:
            return (gr.update(choices=[], value=None),
                    message("Noch kein Analyselauf. Bitte im Reiter „Projekt“ Dateien einlesen und die Analyse "
                            "starten.", "info"), views.empty_frame("Thema"), None, gr.update(choices=[], value=[]))
        specs = [s for _, s in choices]
        spec = spec if spec in specs else specs[0]
        grid = views.coverage_grid(view, spec)
        tax = views.load_project_taxonomy(view, spec)
        meta = {"spec": spec, "themes": list(grid.theme_ids), "docs": list(grid.doc_ids), "run": grid.run_id}
        n = len(grid.doc_ids)
        widths = ["300px"] + [f"{max(120, min(220, 900 // max(n, 1)))}px"] * n  # themes wrap; documents side by side
        return (gr.update(choices=choices, value=spec), grid.legend, gr.update(value=grid.frame, column_widths=widths),
                meta,
                gr.update(choices=[(th.label, th.id) for th in tax]))

    outs = [t.taxonomy, t.legend, t.grid, t.grid_meta, t.item_themes]
    t.tab.select(show_grid, inputs=[t.taxonomy], outputs=outs)
    t.refresh_btn.click(show_grid, inputs=[t.taxonomy], outputs=outs)
    t.taxonomy.input(show_grid, inputs=[t.taxonomy], outputs=outs)

    @guard
    def select_cell(meta, evt: gr.SelectData):
        if not meta or evt.index is None:
            return gr.update(), gr.update()
        row, col = evt.index[0], evt.index[1]
        if col == 0 or row >= len(meta["themes"]):
            return (message("Bitte eine Zelle mit einem Dokument anklicken (nicht die Themenspalte).", "info"),
                    gr.update())
        doc_id, theme_id = meta["docs"][col - 1], meta["themes"][row]
        html, choices = views.cell_passages(view, meta["spec"], meta["run"], doc_id, theme_id)
        return html, gr.update(choices=choices, value=None)

    t.grid.select(select_cell, inputs=[t.grid_meta], outputs=[t.cell, t.item])

    @guard
    def show_item(key, meta):
        if not key or not meta:
            return "", gr.update(value=[])
        html, current = views.item_detail(view, meta["spec"], key)
        return html, gr.update(value=current)

    t.item.change(show_item, inputs=[t.item, t.grid_meta], outputs=[t.item_html, t.item_themes])

    @guard
    def save(key, themes, note, reviewer, meta, request: gr.Request):
        result = views.save_theme_label(view, key, themes or [], reviewer=_reviewer(reviewer, request), note=note)
        html, current = views.item_detail(view, meta["spec"], key)
        return message(result, "ok"), html, ""

    t.save_btn.click(save, inputs=[t.item, t.item_themes, t.note, ui.reviewer, t.grid_meta],
                     outputs=[t.save_result, t.item_html, t.note])

    @guard
    def suggest(meta, progress=gr.Progress()):
        if not meta:
            raise gr.Error("Bitte zuerst einen Themenkatalog mit Analyselauf wählen.", title="Hinweis")
        progress(0.2, desc="Vorschläge werden berechnet …")
        items = views.suggestions(view, meta["spec"])
        if not items:
            gr.Info("Keine weiteren Vorschläge: alle Textstellen sind geprüft.")
        return gr.update(choices=items, value=None), items

    t.suggest_btn.click(suggest, inputs=[t.grid_meta], outputs=[t.suggestions, t.suggest_items])

    def pick_suggestion(key, items):
        if not key:
            return gr.update()
        return gr.update(choices=[tuple(i) for i in items or []], value=key)

    t.suggestions.input(pick_suggestion, inputs=[t.suggestions, t.suggest_items], outputs=[t.item])

    @guard
    def retrain(meta, progress=gr.Progress()):
        specs = [meta["spec"]] if meta else None
        views.run_project_analysis(view, specs, lambda f, msg: progress(f, desc=msg))
        run = view.latest_run()
        stage = next((s for k, s in run.manifest.get("stages", {}).items() if k.startswith("themes:")), {})
        return message(f"Neu berechnet (Analyselauf {run.id}, {stage.get('method', '')}, "
                       f"{de_int(stage.get('reviewed', 0))} geprüfte Textstellen).", "ok")

    t.retrain_btn.click(retrain, inputs=[t.grid_meta], outputs=[t.retrain_result]).then(
        show_grid, inputs=[t.taxonomy], outputs=outs)


# --------------------------------------------------------------------------- Bürgerbeiträge


class ShownFilter:
    """Per browser session: which filter and concern the Bürgerbeiträge content on screen answers.

    The filter dropdowns listen to ``.change``, which also fires when the
    server sets a value: "Filter zurücksetzen" sets them to "Alle", a new
    Stadtbezirk resets the Ortsteil. Those events carry the values the content
    already answers. The first event to :meth:`claim` values computes the
    answer; an event with the same values gets ``False`` and re-sends nothing
    (``gr.skip()``), so the browser receives and renders the concern tree and
    the comments table once.
    """

    def __init__(self, max_sessions: int = 1000) -> None:
        self._lock = threading.Lock()
        self._shown: OrderedDict[str, tuple] = OrderedDict()
        self.max_sessions = max_sessions

    @staticmethod
    def _session(request: gr.Request | None) -> str | None:
        return getattr(request, "session_hash", None) if request is not None else None

    def _put(self, session: str, value: tuple) -> None:
        self._shown[session] = value
        self._shown.move_to_end(session)
        while len(self._shown) > self.max_sessions:
            self._shown.popitem(last=False)

    def claim(self, request: gr.Request | None, index: views.CommentIndex, f: views.CommentFilter,
              concern: str | None) -> bool:
        """True if the content must be (re)computed for these values; then they count as shown."""
        session = self._session(request)
        if session is None:
            return True
        with self._lock:
            old = self._shown.get(session)
            if old is not None and old[0] is index and old[1:] == (f, concern):
                return False
            self._put(session, (index, f, concern))
        return True

    def shown(self, request: gr.Request | None, index: views.CommentIndex | None, f: views.CommentFilter,
              concern: str | None) -> None:
        """Record what the content shows now (after a tab visit or a reset)."""
        session = self._session(request)
        if session is not None and index is not None:
            with self._lock:
                self._put(session, (index, f, concern))

    def forget(self, request: gr.Request | None) -> None:
        session = self._session(request)
        if session is not None:
            with self._lock:
                self._shown.pop(session, None)


def _wire_comments(ui: Layout, view: views.ProjectView) -> None:
    t = ui.comments
    filters = [t.bezirk, t.ortsteil, t.theme, t.date_from, t.date_to, t.query]
    on_screen = ShownFilter()

    def current_index():
        tax = views.analysed_taxonomies(view)
        return views.comment_index(view, tax[0][1] if tax else None)

    def content(index, f, concern):
        mask = views.filter_mask(index, f)
        frame, note = views.comments_frame(index, mask, concern)
        return (views.concern_tree_html(index, mask, f), views.concern_detail_html(index, concern, mask), frame,
                note, gr.update(choices=views.comment_choices(index, mask, concern), value=None))

    @guard
    def show_tab(bezirk, ortsteil, theme, date_from, date_to, query, concern, request: gr.Request):
        """The tab's content, filtered as the filter fields say (all comments if a date there is not valid:
        "Filter anwenden" reports it)."""
        index = current_index()
        empty = message("Noch keine Anliegen: bitte im Reiter „Projekt“ Beiträge einlesen und die Analyse starten.",
                        "info")
        if index is None:
            on_screen.forget(request)
            return (empty, "", views.empty_frame(*views.COMMENT_COLUMNS), "", gr.update(), gr.update(), gr.update(),
                    gr.update(), gr.update(), "", "", gr.update())
        bezirke, ortsteile, themes = views.filter_choices(view, index)
        concerns = views.concern_choices(index)
        ids = [c for _, c in concerns]
        concern = concern if concern in ids else None
        try:
            f = views.make_filter(bezirk, ortsteil, theme, date_from, date_to, query)
        except InsekError:
            f = views.CommentFilter()
        tree, detail, frame, note, moves = content(index, f, concern)
        on_screen.shown(request, index, f, concern)
        return (tree, detail, frame, note, gr.update(choices=concerns, value=concern), gr.update(choices=concerns),
                gr.update(choices=concerns), moves, gr.update(choices=themes), views.campaigns_html(index),
                views.unanswered_html(index), gr.update(choices=bezirke))

    tab_outputs = [t.tree, t.detail, t.comments, t.comments_note, t.concern, t.merge_with, t.move_to, t.move_comment,
                   t.theme, t.campaigns, t.unanswered, t.bezirk]
    t.tab.select(show_tab, inputs=[*filters, t.concern], outputs=tab_outputs)

    def answer(request, bezirk, ortsteil, theme, date_from, date_to, query, concern):
        """The filtered content, or None when the content on screen already answers these values."""
        index = current_index()
        if index is None:
            return (gr.update(),) * 5
        f = views.make_filter(bezirk, ortsteil, theme, date_from, date_to, query)
        if not on_screen.claim(request, index, f, concern):
            return None
        try:
            return content(index, f, concern)
        except Exception:
            on_screen.forget(request)  # nothing new was shown: the same values may be asked again
            raise

    @guard
    def apply(bezirk, ortsteil, theme, date_from, date_to, query, concern, request: gr.Request):
        out = answer(request, bezirk, ortsteil, theme, date_from, date_to, query, concern)
        return (gr.skip(),) * 5 if out is None else out

    apply_outputs = [t.tree, t.detail, t.comments, t.comments_note, t.move_comment]
    # Filtering is light work on cached data: only the latest of quick successive changes counts.
    # (Through the queue all the same: only queued events show a gr.Error, e.g. for a bad date.)
    fast = {"trigger_mode": "always_last", "show_progress": "minimal"}
    # Dropdowns: .change, one event per new value. Gradio 6's .input fires twice per choice (on the click and
    # again on blur) and on every blur without a choice.
    for comp in (t.ortsteil, t.theme, t.concern):
        comp.change(apply, inputs=[*filters, t.concern], outputs=apply_outputs, **fast)
    for comp in (t.date_from, t.date_to, t.query):
        comp.submit(apply, inputs=[*filters, t.concern], outputs=apply_outputs, **fast)
    t.apply_btn.click(apply, inputs=[*filters, t.concern], outputs=apply_outputs, **fast)

    @guard
    def show_comment(evt: gr.SelectData):
        index = current_index()
        row = evt.row_value or []
        return views.comment_detail_html(index, row[-1] if row else None) if index else ""

    t.comments.select(show_comment, outputs=[t.comment_detail])

    @guard
    def bezirk_changed(bezirk, theme, date_from, date_to, query, concern, request: gr.Request):
        """A new Stadtbezirk resets the Ortsteil (to those of the Bezirk) and filters, in one answer."""
        out = answer(request, bezirk, views.ALL, theme, date_from, date_to, query, concern)
        if out is None:
            return (gr.skip(),) * 6
        return gr.update(choices=views.ortsteile_of(bezirk), value=views.ALL), *out

    t.bezirk.change(bezirk_changed, inputs=[t.bezirk, t.theme, t.date_from, t.date_to, t.query, t.concern],
                    outputs=[t.ortsteil, *apply_outputs], **fast)

    @guard
    def reset(concern, request: gr.Request):
        index = current_index()
        out = content(index, views.CommentFilter(), concern) if index else (gr.update(),) * 5
        on_screen.shown(request, index, views.CommentFilter(), concern)
        return (views.ALL, gr.update(choices=views.ortsteile_of(None), value=views.ALL), views.ALL, "", "", "", *out)

    t.reset_btn.click(reset, inputs=[t.concern], outputs=[*filters, *apply_outputs])

    def editor(action: str):
        @guard
        def run_edit(concern, name, other, comment, move_to, reviewer, request: gr.Request):
            target = move_to if action == "move" else other
            return message(views.edit_concern(view, action, concern, other=target, name=name, comment_id=comment,
                                              reviewer=_reviewer(reviewer, request)), "ok")

        return run_edit

    edit_inputs = [t.concern, t.new_name, t.merge_with, t.move_comment, t.move_to, ui.reviewer]
    t.rename_btn.click(editor("rename"), inputs=edit_inputs, outputs=[t.edit_result])
    t.merge_btn.click(editor("merge"), inputs=edit_inputs, outputs=[t.edit_result])
    t.split_btn.click(editor("split"), inputs=edit_inputs, outputs=[t.edit_result])
    t.move_btn.click(editor("move"), inputs=edit_inputs, outputs=[t.edit_result])


# --------------------------------------------------------------------------- Zielkonflikte


def _wire_conflicts(ui: Layout, view: views.ProjectView) -> None:
    from app import conflicts_view

    t = ui.conflicts
    assert t is not None

    @guard
    def show(status, selected):
        summary, frame, choices = conflicts_view.conflict_list(view, status or None)
        keys = [k for _, k in choices]
        selected = selected if selected in keys else (keys[0] if keys else None)
        detail = conflicts_view.conflict_detail(view, selected) if selected else ""
        return summary, frame, keys, gr.update(choices=choices, value=selected), detail

    outs = [t.summary, t.flags, t.flag_keys, t.flag, t.detail]
    t.tab.select(show, inputs=[t.status_filter, t.flag], outputs=outs)
    t.refresh_btn.click(show, inputs=[t.status_filter, t.flag], outputs=outs)
    t.status_filter.input(show, inputs=[t.status_filter, t.flag], outputs=outs)

    @guard
    def pick(key):
        return conflicts_view.conflict_detail(view, key) if key else ""

    t.flag.input(pick, inputs=[t.flag], outputs=[t.detail])

    @guard
    def pick_row(keys, evt: gr.SelectData):
        if not keys or evt.index is None or evt.index[0] >= len(keys):
            return gr.update(), gr.update()
        key = keys[evt.index[0]]
        return gr.update(value=key), conflicts_view.conflict_detail(view, key)

    t.flags.select(pick_row, inputs=[t.flag_keys], outputs=[t.flag, t.detail])

    def decide(status: str):
        @guard
        def run(key, note, reviewer, request: gr.Request):
            text = conflicts_view.decide(view, key, status, note=note, reviewer=_reviewer(reviewer, request))
            return message(text, "ok"), conflicts_view.conflict_detail(view, key), ""

        return run

    for btn, status in ((t.confirm_btn, "bestätigt"), (t.dismiss_btn, "verworfen"), (t.reopen_btn, "offen")):
        btn.click(decide(status), inputs=[t.flag, t.note, ui.reviewer], outputs=[t.review_result, t.detail, t.note]
                  ).then(show, inputs=[t.status_filter, t.flag], outputs=outs)


# --------------------------------------------------------------------------- Orte


def _wire_places(ui: Layout, view: views.ProjectView) -> None:
    t = ui.places

    @guard
    def show():
        frames = views.places_frames(view)
        if frames is None:
            cols = ("Beiträge", "Abschnitte in Entwürfen/Protokollen", "Hinweis")
            return (message("Noch kein Analyselauf: bitte im Reiter „Projekt“ die Analyse starten.", "info"),
                    None, None, views.empty_frame("Stadtbezirk", *cols), views.empty_frame("Ortsteil", *cols))
        bez, ot, chart = frames
        return (views.places_summary_html(bez, ot), chart[chart["Quelle"] == "Bürgerbeiträge"],
                chart[chart["Quelle"] == "Entwurfsabschnitte"], views.styled_places(bez), views.styled_places(ot))

    t.tab.select(show, outputs=[t.summary, t.chart_comments, t.chart_drafts, t.bezirke, t.ortsteile])


# --------------------------------------------------------------------------- Export


def _wire_export(ui: Layout, view: views.ProjectView) -> None:
    t = ui.export

    @guard
    def export(what, meta, progress=gr.Progress()):
        progress(0.1, desc="Tabelle wird geschrieben …")
        folder = Path(tempfile.mkdtemp(prefix="insek-export-"))
        path = views.export_csv(view, what, (meta or {}).get("spec"), folder)
        return str(path), message(f"„{path.name}“ ist bereit zum Herunterladen.", "ok")

    t.export_btn.click(export, inputs=[t.table, ui.themes.grid_meta], outputs=[t.file, t.result])
