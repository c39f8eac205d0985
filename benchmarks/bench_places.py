"""Place tagging: quality on the project's own Leipzig comments, and speed.

    .venv/bin/python benchmarks/bench_places.py [--errors] [--n 10000]

Quality: ``evaluate_places`` (the API behind ``insek evaluate places``) on
``benchmarks/data/orte-kommentare.jsonl``: 150 German citizen comments about
Leipzig written for this project (none from ``../shared`` or the demo corpus),
with gold Ortsteile/Stadtbezirke in official spelling. Lines carry ``"split"``:
60 ``dev`` comments were written first and used while building the gazetteer;
the 90 ``test`` comments were written afterwards, frozen, and not used for tuning.

Gold conventions: every Ortsteil mentioned as a place in Leipzig counts (also
"von Mockau in die Innenstadt"); ambiguous short names stand for all their
Ortsteile (Grünau → the five Grünau Ortsteile, Gohlis → three, Schönefeld and
Mockau → two); "Innenstadt" = Zentrum; "im Leipziger Osten/Westen/…", "Osten der
Stadt" → that Stadtbezirk; every Ortsteil implies its Stadtbezirk.

Speed: tagging 10,000 comments (the 150 texts repeated with a counter, so the
word cache is not all hits).

Writes ``benchmarks/out/places.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "orte-kommentare.jsonl"
OUT = ROOT / "benchmarks" / "out"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Place tagging benchmark")
    ap.add_argument("--errors", action="store_true", help="print the lines the tagger gets wrong")
    ap.add_argument("--n", type=int, default=10_000, help="comments for the speed test")
    args = ap.parse_args(argv)

    from insek_nlp.places import Gazetteer, evaluate_places, tag_places

    t0 = time.perf_counter()
    Gazetteer.load()
    load_s = time.perf_counter() - t0

    lines = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for split in ("dev", "test", "all"):
            subset = [x for x in lines if split == "all" or x.get("split") == split]
            path = Path(tmp) / f"{split}.jsonl"
            path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in subset), encoding="utf-8")
            results[split] = evaluate_places(path, details=True)

    texts = [f"{x['text']} ({i})" for i, x in enumerate(lines)]
    batch = [texts[i % len(texts)] + f" #{i}" for i in range(args.n)]
    t0 = time.perf_counter()
    for t in batch:
        tag_places(t)
    tag_s = time.perf_counter() - t0

    print("| split | n | Ortsteile P | R | F1 | Stadtbezirke P | R | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for split, r in results.items():
        o, b = r["ortsteile"], r["stadtbezirke"]
        print(f"| {split} | {r['n']} | {o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} "
              f"| {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} |")
    print(f"\ngazetteer load {load_s:.2f} s; tagging {args.n} comments {tag_s:.2f} s "
          f"({args.n / tag_s:,.0f} per second)")
    if args.errors:
        for split in ("dev", "test"):
            for e in results[split]["errors"]:
                print(split, json.dumps(e, ensure_ascii=False))

    OUT.mkdir(parents=True, exist_ok=True)
    summary = {split: {k: v for k, v in r.items() if k != "errors"} for split, r in results.items()}
    summary["speed"] = {"comments": args.n, "seconds": round(tag_s, 3), "load_seconds": round(load_s, 3)}
    (OUT / "places.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
