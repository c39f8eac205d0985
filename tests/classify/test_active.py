"""Active learning: which items a reviewer should label next."""

from __future__ import annotations

import numpy as np
import pytest

from insek_nlp.classify.active import select_batch, uncertainty

SURE = [0.96, 0.02, 0.02]
UNSURE = [0.34, 0.33, 0.33]


def _unit(rows: list[list[float]]) -> np.ndarray:
    V = np.asarray(rows, dtype=np.float32)
    return V / np.linalg.norm(V, axis=1, keepdims=True)


def test_uncertainty_values() -> None:
    P = np.array([SURE, UNSURE, [0.5, 0.5, 0.0]])
    np.testing.assert_allclose(uncertainty(P), [1 - 0.94, 1 - 0.01, 1.0], atol=1e-9)
    M = np.array([[0.9, 0.1], [0.5, 0.0], [0.6, 0.95]])
    # multi-label: the label closest to 0.5 decides
    np.testing.assert_allclose(uncertainty(M, multi_label=True), [0.2, 1.0, 0.8], atol=1e-9)
    assert uncertainty(np.zeros((0, 3))).shape == (0,)


def test_returns_k_distinct_pool_indices_deterministically() -> None:
    rng = np.random.default_rng(7)
    P = rng.dirichlet([1, 1, 1], size=40)
    V = _unit(rng.normal(size=(40, 8)).tolist())
    pool = list(range(3, 40, 2))
    first = select_batch(P, pool, 5, vectors=V)
    assert len(first) == len(set(first)) == 5
    assert set(first) <= set(pool)
    assert first == sorted(first)
    for _ in range(3):
        assert select_batch(P, pool, 5, vectors=V) == first
    assert select_batch(P, pool, 5) == select_batch(P, pool, 5)


def test_prefers_uncertain_items() -> None:
    P = np.array([SURE, UNSURE, SURE, UNSURE, SURE, [0.45, 0.45, 0.10], SURE])
    assert select_batch(P, range(7), 3) == [1, 3, 5]
    # with vectors the batch is drawn from the uncertain candidates too
    V = _unit(np.eye(7).tolist())
    # the tie (margin 0) comes first, then the earlier of the two near-ties
    assert select_batch(P, range(7), 2, vectors=V, candidates_factor=1) == [1, 5]
    # the certain items come last: only once the uncertain ones are taken
    assert select_batch(P, [0, 2, 3], 1) == [3]


def test_ties_are_broken_by_index() -> None:
    P = np.tile(UNSURE, (6, 1))
    assert select_batch(P, [5, 4, 3, 2, 1, 0], 2) == [0, 1]


def test_spreads_over_the_embedding_space() -> None:
    # Two clusters, every item equally uncertain: a batch of two takes one from each.
    P = np.tile(UNSURE, (8, 1))
    a, b = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    V = _unit([a, [1, 0.01, 0], [1, 0, 0.01], [1, 0.01, 0.01], b, [0.01, 1, 0], [0, 1, 0.01], [0.01, 1, 0.01]])
    batch = select_batch(P, range(8), 2, vectors=V)
    assert len(batch) == 2
    assert sum(i < 4 for i in batch) == 1 and sum(i >= 4 for i in batch) == 1
    # without vectors uncertainty and index decide alone: both from the first cluster
    assert select_batch(P, range(8), 2) == [0, 1]


def test_identical_vectors_never_give_duplicates() -> None:
    # Copy-paste campaigns give identical texts, hence identical vectors.
    P = np.tile(UNSURE, (6, 1))
    V = _unit([[1.0, 1.0, 0.0]] * 6)
    batch = select_batch(P, range(6), 3, vectors=V)
    assert len(batch) == len(set(batch)) == 3


def test_rare_themes_get_candidates() -> None:
    # Equal uncertainty; item 0 leans to theme 0 (10 labels so far), item 1 to theme 1 (none yet).
    P = np.array([[0.40, 0.35, 0.25], [0.35, 0.40, 0.25]])
    assert select_batch(P, [0, 1], 1) == [0]  # index decides without counts
    assert select_batch(P, [0, 1], 1, labelled_counts=np.array([10.0, 0.0, 0.0])) == [1]


def test_multi_label_selection_prefers_scores_near_half() -> None:
    P = np.array([[0.95, 0.02], [0.48, 0.9], [0.1, 0.05], [0.7, 0.55]])
    assert select_batch(P, range(4), 2, multi_label=True) == [1, 3]


@pytest.mark.parametrize("k", [4, 5, 10])
def test_k_at_least_pool_size_returns_whole_pool(k: int) -> None:
    P = np.tile(UNSURE, (10, 1))
    assert select_batch(P, [9, 2, 7, 4], k) == [2, 4, 7, 9]


def test_nothing_to_select() -> None:
    P = np.tile(UNSURE, (4, 1))
    assert select_batch(P, range(4), 0) == []
    assert select_batch(P, range(4), -1) == []
    assert select_batch(P, [], 3) == []
