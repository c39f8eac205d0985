"""Run every benchmark in this folder, one after another (``make bench``), then collect the results.

    .venv/bin/python benchmarks/run.py [bench_x.py ...]

Each script prints its own Markdown table and writes ``benchmarks/out/*.json``.
Scripts that need ``../shared/data`` skip those parts when it is absent.
This runner records per script its wall-clock seconds, exit code and peak
resident memory (``ru_maxrss`` of the child process, from ``os.wait4``) and CPU
seconds (user + system; on a shared machine less noisy than wall time) in
``benchmarks/out/run.json``, and then writes ``benchmarks/results.json`` and
``benchmarks/results.md`` from all ``benchmarks/out/*.json`` (see
:mod:`results`). Naming scripts runs only those (the others keep their
earlier entries in ``run.json``).

``bench_scale.py`` (100,000 comments end to end, 20–60 minutes) is not in the
default order; run it by hand (see ``docs/scale.md``); its result is collected
when present.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ORDER = ["bench_ingest.py", "bench_embed.py", "bench_classify.py", "bench_duplicates.py", "bench_places.py",
         "bench_cluster.py", "bench_bertopic.py", "bench_small.py", "bench_links.py", "bench_participation_scale.py",
         "bench_conflicts.py", "bench_report.py", "bench_ui.py"]


def run_one(script: Path) -> dict:
    """Run one script as a child process; its seconds, exit code, peak RSS (MB) and the load around it."""
    load = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": round(time.perf_counter() - t0, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "exit_code": proc.returncode,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
            "loadavg_before": [round(x, 2) for x in load], "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv: list[str]) -> int:
    names = argv or ORDER
    OUT.mkdir(parents=True, exist_ok=True)
    runs_path = OUT / "run.json"
    runs = json.loads(runs_path.read_text(encoding="utf-8")) if runs_path.exists() else {}
    failed = []
    for name in names:
        script = HERE / name
        if not script.exists():
            print(f"{name}: gibt es nicht", file=sys.stderr)
            failed.append(name)
            continue
        print(f"\n## {name}\n", flush=True)
        runs[name] = run_one(script)
        runs_path.write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
        if runs[name]["exit_code"] != 0:
            failed.append(name)
    sys.path.insert(0, str(HERE))
    from results import write_results

    md = write_results()
    print("\n" + md)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
