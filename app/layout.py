"""The layout of the review UI: components only, no behaviour.

:func:`build_layout` must be called inside a ``gr.Blocks`` context; it returns
every component the event wiring (:mod:`app.events`) needs, grouped per tab.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.views import ALL, EXPORT_TABLES, stadtbezirke

INTRO = (
    "Prüfoberfläche für Fachkonzept-Entwürfe und Bürgerbeteiligung zum INSEK Leipzig. "
    "**Projekt**: Dateien einlesen und die Analyse starten · **Themenabdeckung**: welche Querschnittsthemen jeder "
    "Entwurf behandelt und wo Lücken sind · **Bürgerbeiträge**: Anliegen, Kampagnen, Filter nach Ort, Thema und "
    "Datum · **Zielkonflikte**: markierte Widersprüche zwischen Entwürfen prüfen · **Orte**: welche Stadtteile "
    "vorkommen und welche vergessen werden · **Export**: Bericht und Tabellen herunterladen."
)

UPLOAD_TYPES = [".pdf", ".csv", ".tsv", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".docx", ".md", ".markdown", ".txt"]


@dataclass
class ProjectTab:
    tab: gr.Tab
    summary: gr.HTML
    files: gr.File
    kind: gr.Dropdown
    ingest_btn: gr.Button
    ingest_result: gr.HTML
    taxonomies: gr.CheckboxGroup
    taxonomy_file: gr.File
    run_btn: gr.Button
    run_result: gr.HTML
    documents: gr.Dataframe
    problems: gr.HTML
    manifest: gr.JSON


@dataclass
class ThemesTab:
    tab: gr.Tab
    taxonomy: gr.Dropdown
    refresh_btn: gr.Button
    legend: gr.HTML
    grid: gr.Dataframe
    grid_meta: gr.State
    cell: gr.HTML
    item: gr.Dropdown
    item_html: gr.HTML
    item_themes: gr.CheckboxGroup
    note: gr.Textbox
    save_btn: gr.Button
    save_result: gr.HTML
    suggest_btn: gr.Button
    suggestions: gr.Radio
    suggest_items: gr.State
    retrain_btn: gr.Button
    retrain_result: gr.HTML


@dataclass
class CommentsTab:
    tab: gr.Tab
    bezirk: gr.Dropdown
    ortsteil: gr.Dropdown
    theme: gr.Dropdown
    date_from: gr.Textbox
    date_to: gr.Textbox
    query: gr.Textbox
    apply_btn: gr.Button
    reset_btn: gr.Button
    tree: gr.HTML
    concern: gr.Dropdown
    detail: gr.HTML
    comments_note: gr.Markdown
    comments: gr.Dataframe
    comment_detail: gr.HTML
    new_name: gr.Textbox
    rename_btn: gr.Button
    merge_with: gr.Dropdown
    merge_btn: gr.Button
    split_btn: gr.Button
    move_comment: gr.Dropdown
    move_to: gr.Dropdown
    move_btn: gr.Button
    edit_result: gr.HTML
    campaigns: gr.HTML
    unanswered: gr.HTML


@dataclass
class ConflictsTab:
    tab: gr.Tab
    status_filter: gr.Dropdown
    refresh_btn: gr.Button
    summary: gr.HTML
    flags: gr.Dataframe
    flag_keys: gr.State
    flag: gr.Dropdown
    detail: gr.HTML
    note: gr.Textbox
    confirm_btn: gr.Button
    dismiss_btn: gr.Button
    reopen_btn: gr.Button
    review_result: gr.HTML


@dataclass
class PlacesTab:
    tab: gr.Tab
    summary: gr.HTML
    chart_comments: gr.BarPlot
    chart_drafts: gr.BarPlot
    bezirke: gr.Dataframe
    ortsteile: gr.Dataframe


@dataclass
class ExportTab:
    tab: gr.Tab
    table: gr.Radio
    export_btn: gr.Button
    file: gr.File
    result: gr.HTML


@dataclass
class Layout:
    reviewer: gr.Textbox
    tabs: gr.Tabs
    project: ProjectTab
    themes: ThemesTab
    comments: CommentsTab
    conflicts: ConflictsTab | None
    places: PlacesTab
    export: ExportTab


def build_layout(*, with_conflicts: bool) -> Layout:
    with gr.Row(elem_id="kopfzeile"):
        gr.Markdown("# insek-nlp · Prüfoberfläche\n" + INTRO, elem_id="einleitung")
        reviewer = gr.Textbox(label="Ihr Name (wird mit jeder Prüfentscheidung gespeichert)", max_lines=1,
                              placeholder="z. B. A. Schmidt, Stadtplanungsamt", scale=0, min_width=280,
                              elem_id="pruefer")
    with gr.Tabs() as tabs:
        project = _project_tab()
        themes = _themes_tab()
        comments = _comments_tab()
        conflicts = _conflicts_tab() if with_conflicts else None
        places = _places_tab()
        export = _export_tab()
    return Layout(reviewer, tabs, project, themes, comments, conflicts, places, export)


def _project_tab() -> ProjectTab:
    with gr.Tab("Projekt", id="projekt", elem_id="tab-projekt") as tab:
        summary = gr.HTML(elem_id="projekt-kennzahlen")
        with gr.Row():
            with gr.Column(scale=3):
                gr.Markdown("### 1. Dateien einlesen\nEntwürfe als PDF, Beitragstabellen (CSV, XLSX, JSONL) und "
                            "Werkstatt-Protokolle (DOCX, Markdown, Text) – mehrere auf einmal. Eine geänderte Datei "
                            "mit gleichem Namen wird als neue Version gespeichert; die alte bleibt erhalten.")
                files = gr.File(label="Dateien", file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload")
                with gr.Row():
                    kind = gr.Dropdown(
                        [("automatisch (nach Dateiendung)", ""), ("Entwurf", "draft"), ("Beitragstabelle", "comments"),
                         ("Protokoll", "notes")], value="", label="Art der Dateien", scale=2)
                    ingest_btn = gr.Button("Einlesen", variant="primary", scale=1, elem_id="einlesen")
            with gr.Column(scale=2):
                gr.Markdown("### 2. Analyse starten\nOrdnet alle Abschnitte und Beiträge den Themen zu, bildet "
                            "Anliegen, erkennt Kampagnen und Orte. Prüfentscheidungen bleiben bei jedem Lauf erhalten.")
                taxonomies = gr.CheckboxGroup(label="Themenkataloge (Taxonomien)", elem_id="taxonomien")
                taxonomy_file = gr.File(label="Eigener Themenkatalog (YAML, optional)", file_types=[".yaml", ".yml"],
                                        elem_id="taxonomie-upload")
                run_btn = gr.Button("Analyse starten", variant="primary", elem_id="analyse-starten")
        ingest_result = gr.HTML(elem_id="einlese-ergebnis")
        run_result = gr.HTML(elem_id="lauf-ergebnis")
        gr.Markdown("### Dokumente im Projekt")
        documents = gr.Dataframe(interactive=False, wrap=True, elem_id="dokumente", max_height=420,
                                 column_widths=["170px", "80px", "95px", "230px", "75px", "105px", "90px", "160px",
                                                "320px"])
        problems = gr.HTML()
        with gr.Accordion("Technische Angaben zum letzten Analyselauf (Manifest)", open=False):
            gr.Markdown("Versionen, Einstellungen und Prüfsummen der Eingaben: damit lässt sich jedes Ergebnis "
                        "nachvollziehen.")
            manifest = gr.JSON(label="Manifest", elem_id="manifest")
    return ProjectTab(tab, summary, files, kind, ingest_btn, ingest_result, taxonomies, taxonomy_file, run_btn,
                      run_result, documents, problems, manifest)


def _themes_tab() -> ThemesTab:
    with gr.Tab("Themenabdeckung", id="themen", elem_id="tab-themen") as tab:
        with gr.Row():
            taxonomy = gr.Dropdown(label="Themenkatalog", scale=3, elem_id="themenkatalog")
            refresh_btn = gr.Button("Aktualisieren", scale=1)
        legend = gr.HTML(elem_id="legende")
        grid = gr.Dataframe(interactive=False, wrap=True, elem_id="heatmap", max_height=640, pinned_columns=1)
        grid_meta = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                cell = gr.HTML("<p class='hinweis'>Eine Zelle der Tabelle anklicken: dann erscheinen hier die "
                               "Textstellen mit Seite, Abschnitt und den gefundenen Begriffen.</p>", elem_id="zelle")
            with gr.Column(scale=2, elem_classes=["pruefbereich"]):
                gr.Markdown("### Themen prüfen\nEine Textstelle wählen, die richtigen Themen ankreuzen, speichern. "
                            "Jede Entscheidung wird mit Ihrem Namen gespeichert.")
                item = gr.Dropdown(label="Textstelle", elem_id="textstelle")
                item_html = gr.HTML(elem_id="textstelle-text")
                item_themes = gr.CheckboxGroup(label="Richtige Themen", elem_id="textstelle-themen")
                note = gr.Textbox(label="Notiz (optional)", max_lines=2)
                save_btn = gr.Button("Themen speichern", variant="primary", elem_id="themen-speichern")
                save_result = gr.HTML(elem_id="themen-ergebnis")
                with gr.Accordion("Nächste Vorschläge", open=True):
                    gr.Markdown("Textstellen, bei denen eine Prüfung dem Klassifikator am meisten hilft "
                                "(unsicher, vielfältig, seltene Themen zuerst).")
                    suggest_btn = gr.Button("Nächste Vorschläge holen", elem_id="vorschlaege-holen")
                    suggestions = gr.Radio(label="Vorschläge", elem_id="vorschlaege")
                    suggest_items = gr.State([])
                retrain_btn = gr.Button("Mit den Korrekturen neu berechnen", elem_id="neu-trainieren")
                retrain_result = gr.HTML(elem_id="neu-trainieren-ergebnis")
    return ThemesTab(tab, taxonomy, refresh_btn, legend, grid, grid_meta, cell, item, item_html, item_themes, note,
                     save_btn, save_result, suggest_btn, suggestions, suggest_items, retrain_btn, retrain_result)


def _comments_tab() -> CommentsTab:
    with gr.Tab("Bürgerbeiträge", id="beitraege", elem_id="tab-beitraege") as tab:
        with gr.Row(elem_classes=["filterzeile"]):
            bezirk = gr.Dropdown([ALL], value=ALL, label="Stadtbezirk", elem_id="filter-bezirk")
            ortsteil = gr.Dropdown([ALL], value=ALL, label="Ortsteil", elem_id="filter-ortsteil")
            theme = gr.Dropdown([ALL], value=ALL, label="Thema", elem_id="filter-thema")
            date_from = gr.Textbox(label="Datum von", placeholder="TT.MM.JJJJ", max_lines=1, elem_id="filter-von")
            date_to = gr.Textbox(label="Datum bis", placeholder="TT.MM.JJJJ", max_lines=1, elem_id="filter-bis")
            query = gr.Textbox(label="Volltextsuche", placeholder="Wörter im Beitrag", max_lines=1,
                               elem_id="filter-suche")
        with gr.Row():
            apply_btn = gr.Button("Filter anwenden", variant="primary", elem_id="filter-anwenden")
            reset_btn = gr.Button("Filter zurücksetzen")
        with gr.Row():
            with gr.Column(scale=3):
                gr.Markdown("### Anliegen (größte zuerst)")
                tree = gr.HTML(elem_id="anliegen-baum")
            with gr.Column(scale=2):
                concern = gr.Dropdown(label="Anliegen im Detail", elem_id="anliegen-wahl")
                detail = gr.HTML(elem_id="anliegen-detail")
        comments_note = gr.Markdown()
        comments = gr.Dataframe(interactive=False, wrap=True, elem_id="beitraege-tabelle", max_height=480,
                                column_widths=["70px", "95px", "140px", "70px", "110px", "160px", "420px", "160px",
                                               "110px"])
        comment_detail = gr.HTML(elem_id="beitrag-detail")
        with gr.Accordion("Anliegen bearbeiten (umbenennen, zusammenführen, aufteilen, Beitrag verschieben)",
                          open=False):
            gr.Markdown("Änderungen gelten für das oben gewählte Anliegen, werden gespeichert und bei jedem "
                        "weiteren Analyselauf wieder angewendet.")
            with gr.Row():
                new_name = gr.Textbox(label="Neuer Name", max_lines=1, scale=3)
                rename_btn = gr.Button("Umbenennen", scale=1)
            with gr.Row():
                merge_with = gr.Dropdown(label="Zusammenführen mit Anliegen", scale=3)
                merge_btn = gr.Button("Zusammenführen", scale=1)
            split_btn = gr.Button("In Unteranliegen aufteilen")
            with gr.Row():
                move_comment = gr.Dropdown(label="Beitrag (des oben gewählten Anliegens)", scale=3)
                move_to = gr.Dropdown(label="verschieben nach Anliegen", scale=2)
                move_btn = gr.Button("Verschieben", scale=1)
            edit_result = gr.HTML()
        with gr.Accordion("Kampagnen und Dubletten", open=True):
            campaigns = gr.HTML(elem_id="kampagnen")
        with gr.Accordion("Anliegen, auf die kein Entwurf antwortet", open=True):
            unanswered = gr.HTML(elem_id="unbeantwortet")
    return CommentsTab(tab, bezirk, ortsteil, theme, date_from, date_to, query, apply_btn, reset_btn, tree, concern,
                       detail, comments_note, comments, comment_detail, new_name, rename_btn, merge_with, merge_btn, split_btn,
                       move_comment, move_to, move_btn, edit_result, campaigns, unanswered)


def _conflicts_tab() -> ConflictsTab:
    with gr.Tab("Zielkonflikte", id="konflikte", elem_id="tab-konflikte") as tab:
        with gr.Row():
            status_filter = gr.Dropdown([("alle", ""), ("offen", "offen"), ("bestätigt", "bestätigt"),
                                         ("verworfen", "verworfen")], value="", label="Status", scale=1)
            refresh_btn = gr.Button("Aktualisieren", scale=0)
        summary = gr.HTML(elem_id="konflikte-uebersicht")
        flags = gr.Dataframe(interactive=False, wrap=True, elem_id="konflikte-tabelle", max_height=360)
        flag_keys = gr.State([])
        flag = gr.Dropdown(label="Markierter Zielkonflikt", elem_id="konflikt-wahl")
        detail = gr.HTML(elem_id="konflikt-detail")
        with gr.Row():
            note = gr.Textbox(label="Notiz zur Entscheidung (optional)", max_lines=3, scale=3, elem_id="konflikt-notiz")
            with gr.Column(scale=1):
                confirm_btn = gr.Button("Bestätigen", variant="primary", elem_id="konflikt-bestaetigen")
                dismiss_btn = gr.Button("Verwerfen", variant="stop", elem_id="konflikt-verwerfen")
                reopen_btn = gr.Button("Wieder öffnen", size="sm")
        review_result = gr.HTML(elem_id="konflikt-ergebnis")
    return ConflictsTab(tab, status_filter, refresh_btn, summary, flags, flag_keys, flag, detail, note, confirm_btn,
                        dismiss_btn, reopen_btn, review_result)


def _places_tab() -> PlacesTab:
    with gr.Tab("Orte", id="orte", elem_id="tab-orte") as tab:
        gr.Markdown("Wie viele Bürgerbeiträge und wie viele Abschnitte der Entwürfe und Protokolle einen Stadtbezirk "
                    "oder Ortsteil nennen – damit kein Stadtgebiet vergessen wird.")
        summary = gr.HTML(elem_id="orte-hinweise")
        with gr.Row():
            order = stadtbezirke()  # official order (0 Mitte … 9 Nord), not alphabetical
            chart_comments = gr.BarPlot(x="Stadtbezirk", y="Anzahl", title="Bürgerbeiträge je Stadtbezirk",
                                        x_title="Stadtbezirk", y_title="Beiträge", color="Quelle",
                                        color_map={"Bürgerbeiträge": "#2563eb"}, sort=order, x_label_angle=-40,
                                        height=320, elem_id="chart-beitraege")
            chart_drafts = gr.BarPlot(x="Stadtbezirk", y="Anzahl", title="Abschnitte in Entwürfen je Stadtbezirk",
                                      x_title="Stadtbezirk", y_title="Abschnitte", color="Quelle",
                                      color_map={"Entwurfsabschnitte": "#0f766e"}, sort=order, x_label_angle=-40,
                                      height=320, elem_id="chart-entwuerfe")
        gr.Markdown("### Stadtbezirke")
        bezirke = gr.Dataframe(interactive=False, elem_id="orte-bezirke", max_height=420)
        gr.Markdown("### Ortsteile")
        ortsteile = gr.Dataframe(interactive=False, elem_id="orte-ortsteile", max_height=520, show_search="filter")
    return PlacesTab(tab, summary, chart_comments, chart_drafts, bezirke, ortsteile)


def _export_tab() -> ExportTab:
    with gr.Tab("Export", id="export", elem_id="tab-export") as tab:
        gr.Markdown("Der **Bericht** fasst alle Ergebnisse des letzten Analyselaufs für Leserinnen und Leser ohne "
                    "das Werkzeug zusammen; die **Arbeitsmappe** enthält alle Tabellen. Einzelne Tabellen gibt es "
                    "als CSV für Excel (UTF-8, Semikolon). Zellen, die eine Tabellenkalkulation als Formel ausführen "
                    "würde (beginnend mit =, +, - oder @), werden mit einem Apostroph entschärft. Beiträge behalten "
                    "ihre Quelle (Datei, Zeile, URL); persönliche Angaben (E-Mail, Telefon, Namen, Adressen) sind "
                    "verborgen.")
        table = gr.Radio([(label, key) for key, label in EXPORT_TABLES.items()], value="bericht_html",
                         label="Was soll exportiert werden?", elem_id="export-tabelle")
        export_btn = gr.Button("Datei erstellen", variant="primary", elem_id="export-erstellen")
        file = gr.File(label="Herunterladen", interactive=False, elem_id="export-datei", height=140)
        result = gr.HTML()
    return ExportTab(tab, table, export_btn, file, result)
