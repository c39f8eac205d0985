"""Run every benchmark in this folder, one after another (``make bench``).

Each script prints its own Markdown table and writes ``benchmarks/out/*.json``.
Scripts that need ``../shared/data`` skip those parts when it is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_ingest.py", "bench_embed.py", "bench_classify.py", "bench_duplicates.py", "bench_places.py",
         "bench_cluster.py", "bench_bertopic.py", "bench_small.py", "bench_links.py", "bench_scale.py",
         "bench_conflicts.py", "bench_report.py", "bench_ui.py"]


def main() -> int:
    failed = []
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n## {name}\n", flush=True)
        if subprocess.call([sys.executable, str(script)]) != 0:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
