"""Privacy masking and reports: what is masked in real comments, how fast, and how long a report takes.

    .venv/bin/python benchmarks/bench_report.py [--n 10000] [--no-report]

- Masking: every title and text of the demo comments and, when ``../shared/data``
  (or ``$INSEK_SHARED_DATA``) is present, of the Bonn cycling dialogue and
  FreiRaum Ottensen: spans found per kind, and comments per second on ``--n``
  comments. The spans are written to ``benchmarks/out/report.json`` for
  inspection by hand (this is where false positives show).
- Report: the demo corpus ingested and analysed (default embedder), then the
  HTML, XLSX and CSV report timed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("INSEK_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "benchmarks" / "out"
DEMO = ROOT / "corpora" / "demo"

from insek_nlp.privacy import mask_personal_data  # noqa: E402


def corpora() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    demo = DEMO / "src" / "comments.jsonl"
    if demo.exists():
        rows = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines() if line.strip()]
        out["demo"] = [f"{r['titel']}\n{r['beitrag']}" for r in rows]
    for name, file in (("bonn", "cycling-dialogue-bonn.csv"), ("ottensen", "freiraum-ottensen.csv")):
        path = SHARED / file
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                out[name] = [f"{r['title']}\n{r['text']}" for r in csv.DictReader(fh)]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="comments for the masking speed")
    ap.add_argument("--no-report", action="store_true", help="skip the report timing (needs the demo analysis)")
    args = ap.parse_args()
    result: dict = {"masking": {}}
    texts_all: list[str] = []
    print("| corpus | comments | masked comments | e-mail | phone | IBAN | address | name |")
    print("|---|---|---|---|---|---|---|---|")
    for name, texts in corpora().items():
        kinds: Counter = Counter()
        spans = []
        changed = 0
        for i, t in enumerate(texts):
            r = mask_personal_data(t)
            changed += bool(r.spans)
            for s in r.spans:
                kinds[s.kind] += 1
                spans.append({"comment": i, "kind": s.kind, "text": s.text,
                              "context": t[max(0, s.start - 40):s.end + 20]})
        texts_all += texts
        result["masking"][name] = {"comments": len(texts), "masked_comments": changed, "kinds": dict(kinds),
                                   "spans": spans}
        print(f"| {name} | {len(texts):,} | {changed} | {kinds['email']} | {kinds['phone']} | {kinds['iban']} | "
              f"{kinds['address']} | {kinds['name']} |")
    if texts_all:
        # Distinct texts and an empty cache: the uncached cost (the cache only helps repeated renders).
        batch = [f"{texts_all[i % len(texts_all)]} ({i})" for i in range(args.n)]
        mask_personal_data.cache_clear()
        t0 = time.perf_counter()
        for t in batch:
            mask_personal_data(t)
        secs = time.perf_counter() - t0
        result["masking_speed"] = {"comments": args.n, "seconds": round(secs, 3)}
        print(f"\nmasking {args.n:,} comments: {secs:.2f} s ({args.n / secs:,.0f} per second)")

    if not args.no_report and (DEMO / "drafts").is_dir():
        from insek_nlp.demo import demo_inputs
        from insek_nlp.ingest import ingest
        from insek_nlp.pipeline import run_analysis
        from insek_nlp.report import write_report
        from insek_nlp.store import Store

        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "p") as store:
            ingest(demo_inputs(DEMO), store)
            t0 = time.perf_counter()
            run_analysis(store)
            run_s = time.perf_counter() - t0
            timing = {"run_seconds": round(run_s, 2)}
            print(f"\ndemo analysis run: {run_s:.1f} s")
            print("| report | seconds | size (KB) |")
            print("|---|---|---|")
            for suffix in ("html", "xlsx", "csv"):
                t0 = time.perf_counter()
                paths = write_report(store, Path(tmp) / f"bericht.{suffix}")
                secs = time.perf_counter() - t0
                size = sum(p.stat().st_size for p in paths) / 1024
                timing[suffix] = {"seconds": round(secs, 3), "kb": round(size, 1), "files": len(paths)}
                print(f"| {suffix} ({len(paths)} file{'s' if len(paths) > 1 else ''}) | {secs:.2f} | {size:,.0f} |")
            result["report"] = timing
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
