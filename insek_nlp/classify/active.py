"""Active learning: which unlabelled items a reviewer should label next.

Uncertainty alone picks near-duplicates of one confusing text; diversity alone
ignores what the classifier already knows. The selection here takes the most
uncertain candidates (smallest margin between the two best themes, or
probabilities closest to 0.5 for multi-label), then picks a spread-out batch
among them (farthest-first in embedding space) and makes sure themes that have
few labels so far get candidates too.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def uncertainty(P: np.ndarray, *, multi_label: bool = False) -> np.ndarray:
    """Higher = less certain. Margin-based for single-label, entropy-like for multi-label."""
    if P.size == 0:
        return np.zeros(len(P))
    if multi_label:
        return 1.0 - np.abs(P - 0.5).min(axis=1) * 2
    top2 = np.sort(P, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def select_batch(
    P: np.ndarray,
    pool: Sequence[int],
    k: int,
    *,
    vectors: np.ndarray | None = None,
    labelled_counts: np.ndarray | None = None,
    multi_label: bool = False,
    candidates_factor: int = 4,
) -> list[int]:
    """Choose ``k`` items of ``pool`` (indices into ``P``/``vectors``) to label next.

    Deterministic: ties are broken by index.
    """
    pool = np.asarray(list(pool), dtype=int)
    if k <= 0 or len(pool) == 0:
        return []
    if len(pool) <= k:
        return sorted(pool.tolist())
    u = uncertainty(P[pool], multi_label=multi_label)
    if labelled_counts is not None and not multi_label and len(labelled_counts):
        # Prefer items predicted as themes with few labels so far.
        rarity = 1.0 / np.sqrt(1.0 + labelled_counts[np.argmax(P[pool], axis=1)])
        u = u * (0.5 + rarity)
    order = np.lexsort((pool, -u))
    cand = pool[order[: max(k, candidates_factor * k)]]
    if vectors is None:
        return sorted(cand[:k].tolist())
    V = vectors[cand]
    chosen = [0]
    dist = 1.0 - V @ V[0]
    dist[0] = -np.inf  # identical vectors (copy-paste texts) must not pick the first item twice
    while len(chosen) < k:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, 1.0 - V @ V[nxt])
        dist[chosen] = -np.inf
    return sorted(cand[chosen].tolist())
