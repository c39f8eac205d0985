"""Reviewer edits of concerns that survive a re-run.

Cluster numbers change from run to run, so an edit is anchored to comments,
which do not: "the concern that contains comment X". Edits are reviews
(``target_type`` ``concern_edit``, appended, never overwritten) and are applied
in the order they were made after every clustering:

- ``merge``: the concern of the anchor absorbs the concern of ``with``;
- ``split``: the concern of the anchor is replaced by its sub-concerns;
- ``move``: the anchor comment moves to the concern of ``to``;
- ``rename``: the concern of the anchor gets ``name`` as its title.

An edit whose anchor comment no longer exists is skipped and reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from insek_nlp.errors import InputError
from insek_nlp.store import Store
from insek_nlp.types import Review

EDIT_TARGET = "concern_edit"


@dataclass(frozen=True, slots=True)
class AppliedEdits:
    labels: np.ndarray
    subs: np.ndarray
    names: dict[int, str]
    skipped: tuple[int, ...]  # review ids of edits whose anchors are gone


def _add(store: Store, anchor: str, decision: str, payload: dict, reviewer: str | None, note: str | None) -> Review:
    return store.add_review(Review(EDIT_TARGET, anchor, decision, json.dumps(payload, ensure_ascii=False), note,
                                   reviewer))


def _anchor(store: Store, run_id: int, concern_id: str) -> str:
    """The comment a concern is anchored to: its most representative member."""
    for c in store.concerns(run_id):
        if c["id"] == concern_id and c["representative"]:
            return c["representative"]
    members = [cid for cid, (con, _) in store.concern_members(run_id).items() if con == concern_id]
    if not members:
        raise InputError(f"Das Anliegen „{concern_id}“ gibt es im Analyselauf {run_id} nicht.")
    return sorted(members)[0]


def rename_concern(store: Store, run_id: int, concern_id: str, name: str, *, reviewer: str | None = None) -> Review:
    """Give a concern a name of the reviewer's choosing."""
    if not name.strip():
        raise InputError("Der neue Name des Anliegens ist leer.")
    return _add(store, _anchor(store, run_id, concern_id), "rename", {"name": name.strip()}, reviewer, None)


def merge_concerns(store: Store, run_id: int, concern_id: str, other_id: str, *, reviewer: str | None = None
                   ) -> Review:
    """Merge ``other_id`` into ``concern_id``."""
    if concern_id == other_id:
        raise InputError("Ein Anliegen kann nicht mit sich selbst zusammengeführt werden.")
    return _add(store, _anchor(store, run_id, concern_id), "merge", {"with": _anchor(store, run_id, other_id)},
                reviewer, None)


def split_concern(store: Store, run_id: int, concern_id: str, *, reviewer: str | None = None) -> Review:
    """Replace a concern by its sub-concerns."""
    return _add(store, _anchor(store, run_id, concern_id), "split", {}, reviewer, None)


def move_comment(store: Store, run_id: int, comment_id: str, to_concern_id: str, *, reviewer: str | None = None
                 ) -> Review:
    """Move one comment into another concern."""
    return _add(store, comment_id, "move", {"to": _anchor(store, run_id, to_concern_id)}, reviewer, None)


def apply_edits(store: Store, comment_ids: list[str], labels: np.ndarray, subs: np.ndarray) -> AppliedEdits:
    """Apply all concern edits, oldest first, to fresh cluster labels."""
    labels = np.asarray(labels).copy()
    subs = np.asarray(subs).copy()
    index = {cid: i for i, cid in enumerate(comment_ids)}
    skipped = []
    for review in store.reviews(EDIT_TARGET):
        payload = json.loads(review.label or "{}")
        i = index.get(review.target_id)
        if i is None:
            skipped.append(review.id)
            continue
        if review.decision == "rename":
            continue  # applied below, to the concern that holds the anchor after all other edits
        if review.decision == "merge":
            j = index.get(payload.get("with"))
            if j is None:
                skipped.append(review.id)
                continue
            src, dst = labels[j], labels[i]
            if src != dst:
                moved = labels == src
                subs[moved] = subs[moved] + (subs[labels == dst].max(initial=-1) + 1)
                labels[moved] = dst
        elif review.decision == "split":
            cluster = labels[i]
            free = int(labels.max(initial=-1)) + 1
            for k, sub in enumerate(sorted(set(subs[labels == cluster].tolist()) - {-1})):
                if k == 0:
                    continue  # the first sub-concern keeps the concern's number
                sel = (labels == cluster) & (subs == sub)
                labels[sel] = free
                subs[sel] = 0
                free += 1
        elif review.decision == "move":
            j = index.get(payload.get("to"))
            if j is None:
                skipped.append(review.id)
                continue
            labels[i], subs[i] = labels[j], subs[j]
    # Names follow the concern that holds their anchor after all edits.
    final_names: dict[int, str] = {}
    for review in store.reviews(EDIT_TARGET):
        if review.decision == "rename" and review.target_id in index:
            final_names[int(labels[index[review.target_id]])] = json.loads(review.label or "{}").get("name", "")
    return AppliedEdits(labels, subs, final_names, tuple(skipped))
