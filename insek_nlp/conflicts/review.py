"""Reading flags with their reviewer decisions, and recording decisions.

Decisions are reviews (``target_type`` ``conflict``, appended, never
overwritten) keyed by the flag's key, which depends only on the two passage
texts: a dismissed flag stays dismissed on every re-run until one of its
passages changes, and then comes back as a new, open flag.
"""

from __future__ import annotations

from insek_nlp.errors import InputError
from insek_nlp.store import Store
from insek_nlp.types import CONFLICT_STATUSES, ConflictFlag, ConflictSide, Review

TARGET = "conflict"

__all__ = ["conflict_flags", "review_conflict", "TARGET"]


def _side(d: dict) -> ConflictSide:
    return ConflictSide(d["passage_id"], d["doc_id"], d["doc_title"], d.get("page"), tuple(d.get("section", ())),
                        d["text"], d.get("quote", ""), tuple(tuple(c) for c in d.get("cues", ())))


def conflict_flags(store: Store, run_id: int | None = None, *, status: str | None = None) -> list[ConflictFlag]:
    """The ranked flags of a run (the latest by default), with the current reviewer decision of each.

    Args:
        store: The project store.
        run_id: A run id; the latest run with conflict detection when omitted.
        status: Only flags with this status ("offen", "bestätigt", "verworfen").
    """
    if status is not None and status not in CONFLICT_STATUSES:
        raise InputError(f"Unbekannter Status '{status}'.", hint="Erlaubt sind: offen, bestätigt, verworfen.")
    run_id = run_id if run_id is not None else store.latest_conflict_run()
    if run_id is None:
        return []
    decisions = store.current_reviews(TARGET)
    out = []
    for f in store.conflict_flags(run_id):
        r = decisions.get(f["key"])
        flag = ConflictFlag(f["key"], f["rank"], f["score"], f["type"], f["type_label"], _side(f["a"]), _side(f["b"]),
                            f["explanation"], f.get("evidence", {}),
                            r.decision if r else "offen", r.note if r else None, r.reviewer if r else None)
        if status is None or flag.status == status:
            out.append(flag)
    return out


def review_conflict(store: Store, key: str, status: str, *, note: str | None = None,
                    reviewer: str | None = None) -> Review:
    """Record a reviewer's decision on a flag ("offen", "bestätigt" or "verworfen") with an optional note."""
    if status not in CONFLICT_STATUSES:
        raise InputError(f"Unbekannter Status '{status}'.", hint="Erlaubt sind: offen, bestätigt, verworfen.")
    known = store.conn.execute("SELECT 1 FROM conflict_flags WHERE key = ? LIMIT 1", (key,)).fetchone()
    if not known:
        raise InputError(f"Einen Zielkonflikt mit dem Schlüssel '{key}' gibt es in diesem Projekt nicht.",
                         hint="Bitte die Liste neu laden (insek conflicts) und den Schlüssel von dort nehmen.")
    return store.add_review(Review(TARGET, key, status, note=(note or None), reviewer=reviewer))
