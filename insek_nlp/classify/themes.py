"""The theme stage of an analysis run: every passage and comment gets theme scores.

Zero-shot from the taxonomy always runs; once reviewers have labelled enough
items (``reviews`` with target type ``theme``), a supervised model learns from
them and its scores are blended in, and labelled items keep their reviewed
themes. Scores and evidence (matched terms with positions, most similar
labelled examples) go to the store, per run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from insek_nlp.classify.taxonomy import Taxonomy
from insek_nlp.store import Store
from insek_nlp.types import Review

log = logging.getLogger(__name__)

THEME_THRESHOLD = 0.5
"""A text belongs to a theme from this score on."""
STORE_MIN_SCORE = 0.05
MIN_REVIEWED = 20  # reviewer labels needed before the supervised model is trained
REVIEW_TARGET = "theme"


@dataclass(frozen=True, slots=True)
class Item:
    """A text to classify: ``kind`` is "passage" or "comment"."""

    kind: str
    id: str
    text: str


def project_items(store: Store, *, include_previous_versions: bool = True) -> list[Item]:
    """Passages (not headings) of drafts and notes, and comments, of the project.

    Previous versions of drafts are included so that coverage can show what
    changed between versions.
    """
    docs = store.documents(current=True)
    ids = [d.id for d in docs if d.kind != "comments"]
    if include_previous_versions:
        current = {d.id for d in docs}
        ids += [d.id for d in store.documents(kind="draft") if d.readable and d.id not in current]
    items = [Item("passage", p.id, p.text) for p in store.passages(ids) if p.kind != "heading"]
    items += [Item("comment", c.id, c.full_text) for c in store.comments() if c.full_text.strip()]
    return items


def theme_label_key(item_kind: str, item_id: str) -> str:
    return f"{item_kind}:{item_id}"


def reviewed_labels(store: Store, taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """Latest reviewer decision per item: the theme ids it has (possibly none)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, review in store.current_reviews(REVIEW_TARGET).items():
        if review.decision not in ("labelled", "bestätigt", "korrigiert"):
            continue
        labels = tuple(t for t in (review.label or "").split(",") if t and t in taxonomy)
        out[key] = labels
    return out


def label_item(store: Store, item_kind: str, item_id: str, theme_ids: Sequence[str], *, reviewer: str | None = None,
               note: str | None = None) -> Review:
    """Record a reviewer's theme labels for one passage or comment."""
    return store.add_review(Review(REVIEW_TARGET, theme_label_key(item_kind, item_id), "labelled",
                                   ",".join(theme_ids), note, reviewer))


def classify_items(
    items: Sequence[Item],
    taxonomy: Taxonomy,
    embedder,
    *,
    reviewed: dict[str, tuple[str, ...]] | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, list[dict], dict]:
    """Score items against the taxonomy; return (scores, evidence per item, info)."""
    from insek_nlp.classify.zeroshot import ZeroShotClassifier

    texts = [it.text for it in items]
    if progress:
        progress("Satzvektoren")
    E = embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    if progress:
        progress("Themen (ohne Trainingsdaten)")
    zs = ZeroShotClassifier(taxonomy, embedder=embedder, multi_label=True, self_train=False, seed=seed).fit()
    P = zs.predict_proba(texts, vectors=E) if texts else np.zeros((0, len(taxonomy)))
    classes = zs.classes_
    info = {"method": "zero-shot", "reviewed": 0}
    reviewed = reviewed or {}
    keys = [theme_label_key(it.kind, it.id) for it in items]
    labelled_idx = [i for i, k in enumerate(keys) if k in reviewed]
    sup = None
    if len(labelled_idx) >= MIN_REVIEWED and len({t for i in labelled_idx for t in reviewed[keys[i]]}) >= 2:
        from insek_nlp.classify.supervised import SupervisedClassifier

        if progress:
            progress("Themen (aus Prüfentscheidungen gelernt)")
        sup = SupervisedClassifier(multi_label=True, seed=seed).fit(
            [texts[i] for i in labelled_idx], [reviewed[keys[i]] for i in labelled_idx], vectors=E[labelled_idx])
        S = np.zeros_like(P)
        sp = sup.predict_proba(texts, vectors=E)
        for j, c in enumerate(sup.classes_):
            S[:, classes.index(c)] = sp[:, j]
        P = 0.5 * P + 0.5 * S
        info = {"method": "zero-shot + überwacht", "reviewed": len(labelled_idx)}
    for i in labelled_idx:  # a reviewed item has exactly its reviewed themes
        P[i] = [1.0 if c in reviewed[keys[i]] else 0.0 for c in classes]
    evidence: list[dict] = []
    lab_vectors = E[labelled_idx] if labelled_idx else None
    labelled = set(labelled_idx)
    for i, it in enumerate(items):
        hits = zs.term_hits(it.text)
        ev: dict = {}
        for theme, matches in hits.items():
            ev[theme] = {"terms": [[m.term, m.start, m.end, m.surface] for m in matches[:12]]}
        if lab_vectors is not None and i not in labelled:
            sims = lab_vectors @ E[i]
            for j in np.argsort(-sims)[:3]:
                src = labelled_idx[int(j)]
                for theme in reviewed[keys[src]]:
                    ev.setdefault(theme, {}).setdefault("examples", []).append([keys[src], round(float(sims[j]), 3)])
        evidence.append(ev)
    return P, evidence, info


def run_themes(store: Store, run_id: int, taxonomy: Taxonomy, embedder, *, seed: int = 0,
               progress: Callable[[str], None] | None = None) -> dict:
    """Classify all project items for one run and store the scores; return a summary."""
    items = project_items(store)
    reviewed = reviewed_labels(store, taxonomy)
    P, evidence, info = classify_items(items, taxonomy, embedder, reviewed=reviewed, seed=seed, progress=progress)
    classes = list(taxonomy.ids)
    rows = []
    uncertain = 0
    for i, it in enumerate(items):
        if P.shape[1] and P[i].max() < THEME_THRESHOLD:
            uncertain += 1
        for j, c in enumerate(classes):
            if P[i, j] >= STORE_MIN_SCORE or c in evidence[i]:
                rows.append((it.kind, it.id, c, round(float(P[i, j]), 4), evidence[i].get(c, {})))
    store.put_theme_scores(run_id, taxonomy.id, rows)
    return {"taxonomy": taxonomy.id, "taxonomy_sha256": taxonomy.sha256, "items": len(items),
            "uncertain": uncertain, **info}


def next_suggestions(store: Store, taxonomy: Taxonomy, embedder, *, k: int = 10, kind: str | None = None,
                     run_id: int | None = None) -> list[tuple[Item, dict[str, float]]]:
    """The items a reviewer should label next ("Nächste Vorschläge"), with their current scores.

    Active learning over the latest run's scores: the most uncertain items,
    spread over the embedding space, preferring themes with few reviewer
    labels. Items already reviewed are never suggested.
    """
    from insek_nlp.classify.active import select_batch

    run_id = run_id or store.latest_theme_run(taxonomy.id)
    items = [it for it in project_items(store, include_previous_versions=False) if kind is None or it.kind == kind]
    if not items or run_id is None:
        return []
    reviewed = reviewed_labels(store, taxonomy)
    classes = list(taxonomy.ids)
    scores = {**store.theme_scores(run_id, taxonomy.id, "passage"), **store.theme_scores(run_id, taxonomy.id, "comment")}
    P = np.array([[scores.get(it.id, {}).get(c, (0.0, {}))[0] for c in classes] for it in items], dtype=float)
    pool = [i for i, it in enumerate(items) if theme_label_key(it.kind, it.id) not in reviewed]
    counts = np.array([sum(c in labs for labs in reviewed.values()) for c in classes], dtype=float)
    vectors = embedder.encode([it.text for it in items])
    chosen = select_batch(P, pool, k, vectors=vectors, labelled_counts=counts, multi_label=True)
    return [(items[i], {c: float(P[i, j]) for j, c in enumerate(classes) if P[i, j] >= STORE_MIN_SCORE})
            for i in chosen]
