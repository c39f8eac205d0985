"""The Zielkonflikte tab's content: ranked goal-conflict flags, both passages side by side, decisions.

Uses :func:`insek_nlp.conflicts.conflict_flags` and
:func:`insek_nlp.conflicts.review_conflict`; no Gradio here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from app.render import badge, de_float, de_int, esc, highlight, message, n_of, where
from app.views import ProjectView

EVIDENCE_LABELS = {"tradeoff_label": "Abwägung", "ortsteile": "Gemeinsame Ortsteile", "sites": "Gemeinsame Orte",
                   "object_label": "Gegenstand", "explicit": "Im Text als Konflikt benannt",
                   "wording_for": "Wortwahl spricht für einen Konflikt", "wording_against": "Wortwahl spricht dagegen",
                   "related": "Weitere Textstellen"}
STATUS_KIND = {"offen": "neutral", "bestätigt": "fehler", "verworfen": "ok"}


def _flags(view: ProjectView, status: str | None = None) -> list[Any]:
    from insek_nlp.conflicts import conflict_flags

    return conflict_flags(view.store, status=status or None)


def _side_label(side) -> str:
    page = f", S. {side.page}" if side.page else ""
    return f"{side.doc_title}{page}"


def conflict_list(view: ProjectView, status: str | None = None) -> tuple[str, pd.DataFrame, list[tuple[str, str]]]:
    """Summary, the ranked table and (label, key) choices of the flags (optionally of one status)."""
    flags = _flags(view, status)
    everything = flags if not status else _flags(view)
    counts = Counter(f.status for f in everything)
    summary = (f"<p class='hinweis'>{n_of(len(everything), 'markierter Zielkonflikt', 'markierte Zielkonflikte')}: "
               + ", ".join(f"{de_int(counts.get(s, 0))} {s}" for s in ("offen", "bestätigt", "verworfen"))
               + ". Rang 1 ist der deutlichste Hinweis. Eine Zeile anklicken, um beide Textstellen zu sehen.</p>")
    if not everything:
        summary = message("Keine Zielkonflikte markiert – entweder gibt es noch keinen Analyselauf mit mindestens "
                          "zwei Entwürfen, oder die Entwürfe widersprechen sich nirgends erkennbar.", "info")
    frame = pd.DataFrame([{
        "Rang": f.rank, "Art": f.type_label, "Textstelle A": _side_label(f.a), "Textstelle B": _side_label(f.b),
        "Wert": de_float(f.score), "Status": f.status, "Prüfer/in": f.reviewer or "",
    } for f in flags], columns=["Rang", "Art", "Textstelle A", "Textstelle B", "Wert", "Status", "Prüfer/in"])
    choices = [(f"{f.rank}. {f.type_label}: {_side_label(f.a)} ↔ {_side_label(f.b)} ({f.status})", f.key)
               for f in flags]
    return summary, frame, choices


def _side_html(title: str, side) -> str:
    spans = [(s, e, term) for s, e, term in side.cues]
    return (f"<div class='karte'><div class='kopf'><b>{esc(title)}: {esc(side.doc_title)}</b><br>"
            f"{where(side.page, side.section)}</div><div class='text'>{highlight(side.text, spans)}</div></div>")


def conflict_detail(view: ProjectView, key: str) -> str:
    """One flag: explanation, both passages with the cues highlighted, the evidence, the decision so far."""
    flag = next((f for f in _flags(view) if f.key == key), None)
    if flag is None:
        return message("Dieser Zielkonflikt ist im aktuellen Analyselauf nicht mehr markiert.", "warnung")
    ev = dict(flag.evidence or {})
    named = [(label, ev.pop(key, None)) for key, label in EVIDENCE_LABELS.items()]
    ev.pop("tradeoff", None)
    if (flag.evidence or {}).get("object_label"):
        ev.pop("object", None)  # the id behind the label
    evidence = "".join(f"<li>{esc(label)}: {esc(_plain(v))}</li>" for label, v in named if v not in (None, "", [], (), {}))
    technical = "".join(f"<li>{esc(k)}: {esc(_plain(v))}</li>" for k, v in ev.items() if v not in (None, "", [], (), {}))
    if technical:
        evidence += f"<li><details><summary>technische Werte</summary><ul>{technical}</ul></details></li>"
    decided = (f"Status: {badge(flag.status, STATUS_KIND.get(flag.status, 'neutral'))}"
               + (f" · {esc(flag.reviewer)}" if flag.reviewer else "")
               + (f" · Notiz: {esc(flag.note)}" if flag.note else ""))
    return (f"<h4>{esc(flag.rank)}. {esc(flag.type_label)} <span class='hinweis'>(Wert {de_float(flag.score)})</span>"
            f"</h4><p>{esc(flag.explanation)}</p><p>{decided}</p>"
            f"<div class='konflikt-seiten'>{_side_html('A', flag.a)}{_side_html('B', flag.b)}</div>"
            + (f"<details><summary>Belege</summary><ul>{evidence}</ul></details>" if evidence else ""))


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return de_float(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def decide(view: ProjectView, key: str | None, status: str, *, note: str | None, reviewer: str | None) -> str:
    """Record a reviewer's decision on a flag (appended: two reviewers at once are both kept)."""
    from insek_nlp.conflicts import review_conflict
    from insek_nlp.errors import InputError

    if not key:
        raise InputError("Bitte zuerst einen markierten Zielkonflikt auswählen.")
    review_conflict(view.store, key, status, note=(note or "").strip() or None, reviewer=(reviewer or "").strip() or None)
    return {"bestätigt": "Als Zielkonflikt bestätigt.", "verworfen": "Als kein Zielkonflikt verworfen.",
            "offen": "Wieder als offen markiert."}[status] + " Die Entscheidung ist gespeichert."
