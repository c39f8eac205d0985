"""Collect what the report shows from the store: one object, rendered as HTML, XLSX or CSV.

Every table has German column headers and plain cell values (str, int, float,
None); the renderers only lay them out. Citizen text is masked here
(:mod:`insek_nlp.privacy`) unless an authorised export asks for the original.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from insek_nlp.errors import InputError
from insek_nlp.store import Store

log = logging.getLogger(__name__)

_KIND_DE = {"draft": "Entwurf", "comments": "Beiträge", "notes": "Protokoll"}
_REVIEW_TYPE_DE = {"theme": "Themen-Label", "concern_edit": "Anliegen bearbeitet", "conflict": "Zielkonflikt"}
# Metadata columns that say where a comment comes from (kept for attribution, e.g. CC BY).
_SOURCE_COLUMN = re.compile(r"quelle|source|herkunft|lizenz|licen[cs]e|kanal|channel|dataset|plattform|platform",
                            re.IGNORECASE)
_EDIT_DE = {"rename": "umbenannt", "merge": "zusammengeführt", "split": "aufgeteilt", "move": "Beitrag verschoben"}


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report: a file-name key, a sheet name, a German title, German headers, rows, column widths."""

    key: str
    sheet: str  # XLSX sheet name (at most 31 characters)
    title: str
    columns: tuple[str, ...]
    rows: list[list[Any]]
    widths: tuple[int, ...] = ()  # characters, for XLSX

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass(slots=True)
class ReportData:
    """Everything a report shows; built by :func:`collect_report`."""

    project: str
    created: str
    run: dict[str, Any]
    masked: bool
    taxonomy_name: str
    documents: list[dict[str, Any]]
    coverage: dict[str, Any]  # heatmap: documents, themes, cells
    concerns: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    places: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    counts: dict[str, Any]
    tables: list[ReportTable] = field(default_factory=list)

    def table(self, key: str) -> ReportTable:
        return next(t for t in self.tables if t.key == key)


def _de_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if len(iso) <= 10:
        return dt.strftime("%d.%m.%Y")
    if dt.tzinfo is not None:
        return dt.astimezone(timezone.utc).strftime("%d.%m.%Y %H:%M UTC")
    return dt.strftime("%d.%m.%Y %H:%M")


def _where(page: int | None, section) -> str:
    parts = []
    if page:
        parts.append(f"S. {page}")
    if section:
        parts.append(section[-1])
    return ", ".join(parts)


def collect_report(store: Store, *, run_id: int | None = None, taxonomy: str | None = None,
                   masked: bool = True) -> ReportData:
    """Gather the report of one analysis run (default: the latest finished one).

    Raises:
        InputError: the project has no finished analysis run.
    """
    from insek_nlp.classify.coverage import coverage
    from insek_nlp.classify.taxonomy import load_taxonomy
    from insek_nlp.classify.themes import THEME_THRESHOLD
    from insek_nlp.pipeline import DEFAULT_TAXONOMY
    from insek_nlp.privacy import mask_comment, mask_text

    runs = [r for r in store.runs() if r.status == "finished"]
    if run_id is not None:
        runs = [r for r in runs if r.id == run_id]
        if not runs:
            raise InputError(f"Einen abgeschlossenen Analyselauf {run_id} gibt es in diesem Projekt nicht.",
                             hint="Ohne --run gilt der letzte abgeschlossene Lauf.")
    if not runs:
        raise InputError("Für dieses Projekt gibt es noch keinen abgeschlossenen Analyselauf.",
                         hint="Bitte zuerst insek run --project … ausführen.")
    run = runs[-1]
    manifest = dict(run.manifest)
    tax_ids = list(manifest.get("taxonomies", {}))
    tax = load_taxonomy(taxonomy or (DEFAULT_TAXONOMY if DEFAULT_TAXONOMY in tax_ids or not tax_ids else tax_ids[0]))
    mask = mask_text if masked else (lambda t: t)

    docs = store.documents(current=True)
    doc_by_id = {d.id: d for d in docs}
    comments_all = store.comments()
    comments = [mask_comment(c) if masked else c for c in comments_all]
    comment_by_id = {c.id: c for c in comments}

    # ---------------------------------------------------------------- overview
    documents = [{"name": d.name, "title": d.title, "kind": _KIND_DE.get(d.kind, d.kind), "version": d.version,
                  "pages": d.pages, "passages": d.n_passages, "comments": d.n_comments, "sha256": d.sha256[:12],
                  "ingested": _de_date(d.ingested_at)} for d in docs]
    stages = manifest.get("stages", {})
    run_info = {"id": run.id, "started": _de_date(run.started_at), "finished": _de_date(run.finished_at),
                "embedder": manifest.get("embedder", ""), "taxonomies": manifest.get("taxonomies", {}),
                "versions": manifest.get("versions", {}), "settings": manifest.get("settings", {}),
                "participation": stages.get("participation", {})}

    # ---------------------------------------------------------------- coverage
    cov_rows: list[list[Any]] = []
    cov = {"documents": [], "themes": [(t.id, t.label) for t in tax], "cells": {}, "gaps": {}}
    try:
        report = coverage(store, tax, run_id=run.id)
    except InputError:
        report = None
    if report is not None:
        for d in report.documents:
            label = d.title or d.name if d.kind != "comments" else f"Beiträge: {d.name}"
            cov["documents"].append({"id": d.id, "label": label, "kind": d.kind, "total": report.totals[d.id],
                                     "uncertain": report.uncertain[d.id]})
            if d.kind != "comments":
                cov["gaps"][d.id] = {
                    "fehlt": [tax.theme(t).label for t, lvl in report.gaps(d.id) if lvl == "fehlt"],
                    "erwähnt": [tax.theme(t).label for t, lvl in report.gaps(d.id) if lvl == "erwähnt"],
                }
            for theme in tax:
                c = report.cell(d.id, theme.id)
                top = [{"where": _where(r.page, r.section), "score": r.score, "terms": list(r.terms),
                        "text": mask(r.text) if d.kind == "comments" else r.text} for r in c.top]
                cov["cells"][(d.id, theme.id)] = {"n": c.n, "share": c.share, "strength": c.strength,
                                                  "level": c.level, "top": top}
                cov_rows.append([label, _KIND_DE.get(d.kind, d.kind), theme.label, theme.id, c.n,
                                 round(c.share * 100, 1), c.strength, c.level,
                                 "ja" if c.level != "stark" and d.kind != "comments" else "",
                                 "; ".join(t["where"] for t in top if t["where"])])

    # ---------------------------------------------------------------- participation
    prun = run.id if store.item_places(run.id, "comment") or store.concerns(run.id) else None
    concerns_raw = store.concerns(prun) if prun else []
    summaries = store.concern_summaries(prun) if prun else {}
    members = store.concern_members(prun) if prun else {}
    groups = store.duplicate_groups(prun) if prun else []
    places = store.item_places(prun) if prun else {}
    comment_places = store.item_places(prun, "comment") if prun else {}
    titles = {c["id"]: c["title"] for c in concerns_raw}

    campaign_of: dict[str, dict] = {}
    campaigns = []
    for g in groups:
        tmpl = comment_by_id.get(g["template"])
        entry = {"id": g["id"], "kind": g["kind"], "n": len(g["members"]), "counted": 1,
                 "template": (tmpl.external_id or f"Zeile {tmpl.row}") if tmpl else g["template"],
                 "text": tmpl.full_text if tmpl else "", "similarity": g["similarity"],
                 "members": [(comment_by_id[m].external_id or m) if m in comment_by_id else m for m in g["members"]]}
        campaigns.append(entry)
        for m in g["members"]:
            campaign_of[m] = entry
    campaigns.sort(key=lambda e: (e["kind"] != "Kampagne", -e["n"], e["id"]))

    # Reviewer edits are anchored to comments: they belong to the concern that holds the anchor now.
    # Renames show at once (the clustering applies every edit again at the next run).
    edits_of: dict[str, list[str]] = {}
    renamed: dict[str, str] = {}
    for r in store.reviews("concern_edit"):
        concern_id = members.get(r.target_id, (None, None))[0]
        if concern_id is None:
            continue
        edits_of.setdefault(concern_id, []).append(_EDIT_DE.get(r.decision, r.decision))
        if r.decision == "rename":
            try:
                renamed[concern_id] = json.loads(r.label or "{}").get("name") or titles.get(concern_id, "")
            except (ValueError, AttributeError):
                pass

    concerns = []
    concern_rows = []
    for c in concerns_raw:
        sm = summaries.get(c["id"], {})
        links = sm.get("linked_passages", [])
        main = c["parent"] is None
        entry = {
            "id": c["id"], "parent": c["parent"], "main": main, "size": c["size"],
            "title": mask(renamed.get(c["id"], c["title"]) if main else c["title"]),
            "key_terms": c["key_terms"], "unassigned": c["id"] == "-1",
            "campaign_copies": sm.get("campaign_copies", 0),
            "quotes": [{"comment": q["comment"], "text": mask(q["text"])} for q in sm.get("quotes", [])],
            "ortsteile": sm.get("ortsteile", []), "stadtbezirke": sm.get("stadtbezirke", []),
            "first": _de_date(sm.get("first")), "last": _de_date(sm.get("last")),
            "themes": [(tax.theme(t).label if t in tax else t, n) for t, n in sm.get("themes", [])],
            "links": [{"document": lk["document"], "where": _where(lk.get("page"), lk.get("section")),
                       "similarity": lk["similarity"], "text": lk["text"]} for lk in links],
            "edits": list(dict.fromkeys(edits_of.get(c["id"], []))) if main else [],
        }
        entry["answered"] = bool(links)
        entry["voices"] = (entry["size"] - entry["campaign_copies"]
                           + len({campaign_of[m]["id"] for m, (con, _) in members.items()
                                  if con == c["id"] and m in campaign_of and campaign_of[m]["kind"] == "Kampagne"})
                           if main else None)
        concerns.append(entry)
        concern_rows.append([
            c["id"], "Hauptanliegen" if main else "Unteranliegen", c["parent"] or "", entry["title"],
            " · ".join(c["key_terms"]), c["size"], entry["campaign_copies"] if main else None,
            entry["voices"], ", ".join(f"{n} ({k})" for n, k in entry["ortsteile"]),
            ", ".join(f"{n} ({k})" for n, k in entry["stadtbezirke"]),
            " – ".join(x for x in (entry["first"], entry["last"]) if x),
            ", ".join(f"{n} ({k})" for n, k in entry["themes"]),
            "; ".join(f"{lk['document']}, {lk['where']}" for lk in entry["links"]),
            ("nein" if not links else "ja") if main and c["id"] != "-1" else "",
            " | ".join(f"{q['comment']}: {q['text']}" for q in entry["quotes"]),
            ", ".join(entry["edits"]),
        ])

    # ---------------------------------------------------------------- comments
    theme_scores: dict[str, dict[str, tuple[float, dict]]] = {}
    if store.latest_theme_run(tax.id) is not None:
        theme_scores = store.theme_scores(run.id, tax.id, "comment")
    theme_reviews = store.current_reviews("theme")
    comment_rows = []
    for c in comments:
        concern_id, sub_id = members.get(c.id, (None, None))
        ots, bzs = comment_places.get(c.id, ([], []))
        themes = [tax.theme(t).label for t, (sc, _) in sorted(theme_scores.get(c.id, {}).items(),
                                                                key=lambda kv: -kv[1][0])
                  if sc >= THEME_THRESHOLD and t in tax]
        rv = theme_reviews.get(f"comment:{c.id}")
        camp = campaign_of.get(c.id)
        comment_rows.append([
            c.id, doc_by_id[c.doc_id].name if c.doc_id in doc_by_id else c.doc_id, c.row, c.external_id or "",
            _de_date(c.created), c.title, c.text, c.location or "", ", ".join(ots), ", ".join(bzs), c.category or "",
            f"{concern_id}: {titles.get(concern_id, '')}" if concern_id else "", sub_id or "",
            f"{camp['kind']} {camp['id']} ({camp['n']} Beiträge)" if camp else "", ", ".join(themes),
            (f"{rv.decision}: {rv.label or ''}" + (f" ({rv.reviewer})" if rv.reviewer else "")) if rv else "",
            c.author or "", c.url or "",
            "; ".join(f"{k}: {v}" for k, v in c.metadata.items() if _SOURCE_COLUMN.search(k) and v not in (None, "")),
            json.dumps(dict(c.metadata), ensure_ascii=False) if c.metadata else "",
        ])

    # ---------------------------------------------------------------- places
    from insek_nlp.places import Gazetteer

    gaz = Gazetteer.load()
    kind_of_passage = {}
    for d in docs:
        if d.kind != "comments":
            kind_of_passage[d.id] = d.kind
    by: dict[str, Counter] = {"comment": Counter(), "draft": Counter(), "notes": Counter()}
    by_ot: dict[str, Counter] = {"comment": Counter(), "draft": Counter(), "notes": Counter()}
    for tid, (ots, bzs) in places.items():
        if tid in comment_places:
            kind = "comment"
        else:
            kind = kind_of_passage.get(tid.rsplit("#", 1)[0], "draft")
            kind = "notes" if kind == "notes" else "draft"
        by[kind].update(bzs)
        by_ot[kind].update(ots)
    place_rows = []
    place_list = []
    for b in gaz.stadtbezirke:
        entry = {"name": b.name, "level": "Stadtbezirk", "comments": by["comment"][b.name],
                 "drafts": by["draft"][b.name], "notes": by["notes"][b.name], "ortsteile": []}
        for o in gaz.ortsteile:
            if o.stadtbezirk != b.name:
                continue
            entry["ortsteile"].append({"name": o.name, "number": o.number, "comments": by_ot["comment"][o.name],
                                       "drafts": by_ot["draft"][o.name], "notes": by_ot["notes"][o.name]})
        place_list.append(entry)
        place_rows.append(["Stadtbezirk", b.name, "", b.number, entry["comments"], entry["drafts"], entry["notes"],
                           "kein Entwurf nennt diesen Stadtbezirk" if not entry["drafts"] else ""])
        for o in entry["ortsteile"]:
            hint = ""
            if not o["drafts"]:
                hint = "Beiträge, aber kein Entwurf" if o["comments"] else "weder Beiträge noch Entwurf"
            place_rows.append(["Ortsteil", b.name, o["name"], o["number"], o["comments"], o["drafts"], o["notes"],
                               hint])

    # ---------------------------------------------------------------- conflicts
    conflicts = _conflicts(store, run.id)
    conflict_rows = [
        [f["rank"], f["type_label"], round(f["score"], 3), f["status"], f["reviewer"], f["note"],
         f["a"]["doc_title"], f["a"]["where"], f["a"]["quote"], f["a"]["text"], ", ".join(f["a"]["cues"]),
         f["b"]["doc_title"], f["b"]["where"], f["b"]["quote"], f["b"]["text"], ", ".join(f["b"]["cues"]),
         f["explanation"], f["key"]] for f in conflicts]

    # ---------------------------------------------------------------- reviews
    reviews = []
    for r in store.reviews():
        reviews.append({"type": _REVIEW_TYPE_DE.get(r.target_type, r.target_type), "target": r.target_id,
                        "decision": _EDIT_DE.get(r.decision, r.decision), "label": r.label or "",
                        "note": r.note or "", "reviewer": r.reviewer or "", "created": _de_date(r.created_at)})
    review_rows = [[r["type"], r["target"], r["decision"], r["label"], r["note"], r["reviewer"], r["created"]]
                   for r in reviews]

    p = run_info["participation"]
    counts = {"documents": len(docs), "drafts": sum(d.kind == "draft" for d in docs),
              "notes": sum(d.kind == "notes" for d in docs), "comments": len(comments_all),
              "concerns": sum(1 for c in concerns if c["main"] and not c["unassigned"]),
              "unanswered": sum(1 for c in concerns if c["main"] and not c["unassigned"] and not c["answered"]),
              "campaigns": sum(1 for g in campaigns if g["kind"] == "Kampagne"),
              "voices": p.get("n_distinct_voices"), "reviews": len(reviews),
              "masked_comments": sum(1 for a, b in zip(comments_all, comments) if a != b) if masked else 0}

    tables = [
        ReportTable("abdeckung", "Abdeckung", "Themenabdeckung",
                    ("Dokument", "Art", "Thema", "Themen-ID", "Abschnitte", "Anteil (%)", "Stärke", "Stufe", "Lücke",
                     "stärkste Stellen"), cov_rows, (40, 10, 40, 14, 11, 11, 9, 10, 7, 50)),
        ReportTable("anliegen", "Anliegen", "Anliegen der Bürgerbeiträge",
                    ("Nr.", "Ebene", "übergeordnet", "Titel", "Schlüsselbegriffe", "Beiträge",
                     "davon Kampagnenkopien", "verschiedene Stimmen", "Ortsteile", "Stadtbezirke", "Zeitraum",
                     "Themen", "Antwort im Entwurf", "beantwortet", "typische Beiträge", "Prüfung"), concern_rows,
                    (6, 14, 12, 40, 40, 9, 12, 12, 30, 24, 24, 30, 50, 11, 80, 20)),
        ReportTable("kampagnen", "Kampagnen", "Kampagnen und Dubletten",
                    ("Nr.", "Art", "Beiträge (alle Einsendungen)", "als Stimmen gezählt", "Vorlage", "Ähnlichkeit",
                     "Text der Vorlage", "Beiträge der Gruppe"),
                    [[g["id"], g["kind"], g["n"], g["counted"], g["template"], g["similarity"], g["text"],
                      ", ".join(g["members"])] for g in campaigns], (6, 12, 14, 12, 12, 11, 80, 60)),
        ReportTable("beitraege", "Beiträge", "Bürgerbeiträge",
                    ("Beitrag-ID", "Quelle", "Zeile", "Nr.", "Datum", "Titel", "Text", "Ortsangabe", "Ortsteile",
                     "Stadtbezirke", "Kategorie", "Anliegen", "Unteranliegen", "Kampagne/Dublette", "Themen",
                     "Themen-Prüfung", "Verfasser/in", "URL (Quelle)", "Herkunft/Lizenz", "weitere Spalten"),
                    comment_rows, (26, 24, 7, 10, 16, 30, 80, 20, 24, 16, 18, 36, 12, 24, 30, 24, 16, 40, 30, 40)),
        ReportTable("zielkonflikte", "Zielkonflikte", "Zielkonflikte",
                    ("Rang", "Art", "Wert", "Status", "Prüfer/in", "Notiz", "Dokument A", "Stelle A", "Kernsatz A",
                     "Text A", "Hinweise A", "Dokument B", "Stelle B", "Kernsatz B", "Text B", "Hinweise B",
                     "Begründung", "Schlüssel"), conflict_rows,
                    (6, 22, 8, 11, 14, 30, 30, 24, 50, 70, 30, 30, 24, 50, 70, 30, 60, 20)),
        ReportTable("orte", "Orte", "Orte: Bürgerbeiträge und Entwurfstext",
                    ("Ebene", "Stadtbezirk", "Ortsteil", "Nr.", "Beiträge", "Abschnitte in Entwürfen",
                     "Abschnitte in Protokollen", "Hinweis"), place_rows, (12, 14, 26, 6, 10, 14, 14, 34)),
        ReportTable("pruefungen", "Prüfentscheidungen", "Prüfentscheidungen",
                    ("Art", "Gegenstand", "Entscheidung", "Label / Inhalt", "Notiz", "Prüfer/in", "Zeitpunkt"),
                    review_rows, (20, 40, 18, 40, 40, 16, 20)),
    ]
    return ReportData(
        project=str(store.path.parent), created=_de_date(datetime.now(timezone.utc).replace(microsecond=0).isoformat()),
        run=run_info, masked=masked, taxonomy_name=tax.name, documents=documents, coverage=cov, concerns=concerns,
        campaigns=campaigns, places=place_list, conflicts=conflicts, reviews=reviews, counts=counts, tables=tables,
    )


def _conflicts(store: Store, run_id: int) -> list[dict[str, Any]]:
    """The ranked goal-conflict flags of a run with the current reviewer decision of each."""
    from insek_nlp.conflicts import conflict_flags

    out = []
    for f in conflict_flags(store, run_id):
        sides = {}
        for name, s in (("a", f.a), ("b", f.b)):
            spans = [(int(c[0]), int(c[1]), str(c[2])) for c in s.cues
                     if len(c) >= 3 and 0 <= int(c[0]) < int(c[1]) <= len(s.text)]
            sides[name] = {"doc_title": s.doc_title, "where": _where(s.page, s.section), "text": s.text,
                           "quote": s.quote, "spans": spans, "cues": list(dict.fromkeys(w for _, _, w in spans)),
                           "passage_id": s.passage_id}
        out.append({"key": f.key, "rank": f.rank, "score": float(f.score), "type": f.type,
                    "type_label": f.type_label, "explanation": f.explanation, "status": f.status,
                    "note": f.note or "", "reviewer": f.reviewer or "", **sides})
    return out
