"""Ingestion speed: PDF drafts (plain and AES-encrypted) and comment tables.

    .venv/bin/python benchmarks/bench_ingest.py [--pages 60] [--repeat 3]

Builds a ~60-page draft from the demo corpus sources (the four Fachkonzepte
rendered as one document, as planning offices publish them), encrypts a copy
with AES-256 and an empty user password, and times the full ``ingest_file``
path (extraction, cleaning, passages with spaCy sentence splitting, SQLite
write) with each PDF backend. Also reads the real comment exports from
``../shared/data`` when present. Prints a Markdown table and writes
``benchmarks/out/ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "corpora"))
SHARED = ROOT.parent / "shared" / "data"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core


def build_long_draft(out: Path, pages: int, ttf: Path | None = None) -> int:
    import build  # corpora/build.py
    import pypdfium2

    sources = sorted((ROOT / "corpora" / "demo" / "src" / "drafts").glob("*.md"))
    body = []
    for i, src in enumerate(sources):
        _, _, text = src.read_text(encoding="utf-8").partition("\n---\n")
        # Renumber top-level chapters so headings stay unique in the long document.
        body.append(text.replace("\n# ", f"\n# {i + 1}.").replace("\n## ", "\n## ").strip())
    combined = "---\ntitle: Integriertes Stadtentwicklungskonzept – Fachkonzepte (Sammelband)\n---\n\n"
    repeat = 1
    while True:
        src = out.with_suffix(".md")
        src.write_text(combined + "\n\n".join(body * repeat), encoding="utf-8")
        build.build_pdf(src, out, ttf=ttf, ttf_bold=ttf.with_name(ttf.stem + '-Bold.ttf') if ttf else None)
        n = len(pypdfium2.PdfDocument(str(out)))
        if n >= pages:
            return n
        repeat += 1


def encrypt(src: Path, out: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password="", owner_password="eigentuemer", algorithm="AES-256")
    with out.open("wb") as fh:
        writer.write(fh)


def time_ingest(path: Path, backend: str, repeat: int) -> dict:
    from insek_nlp.ingest import IngestOptions, ingest_file
    from insek_nlp.store import Store

    times = []
    result = None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(tmp)
            t0 = time.perf_counter()
            result = ingest_file(store, path, IngestOptions(pdf_backend=backend))
            times.append(time.perf_counter() - t0)
            store.close()
    assert result is not None and result.document is not None and result.document.readable, result
    pages = result.document.pages or 0
    best = min(times)
    return {"seconds_median": round(statistics.median(times), 3), "seconds_best": round(best, 3),
            "pages": pages, "pages_per_s": round(pages / statistics.median(times), 1),
            "passages": result.document.n_passages}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    # Warm imports (spaCy, pdfium) so that timings show steady-state work.
    from insek_nlp.text import split_sentences

    split_sentences("Warm. Up.")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "sammelband.pdf"
        n = build_long_draft(plain, args.pages)
        enc = Path(tmp) / "sammelband-aes.pdf"
        encrypt(plain, enc)
        inputs = [("PDF, Standardschrift", plain), ("PDF, Standardschrift, AES-256 (leeres Passwort)", enc)]
        if DEJAVU.exists():
            ttf_plain = Path(tmp) / "sammelband-ttf.pdf"
            build_long_draft(ttf_plain, args.pages, DEJAVU)
            ttf_enc = Path(tmp) / "sammelband-ttf-aes.pdf"
            encrypt(ttf_plain, ttf_enc)
            inputs += [("PDF, eingebettete TrueType-Schrift", ttf_plain),
                       ("PDF, eingebettete TrueType-Schrift, AES-256", ttf_enc)]
        for label, path in inputs:
            for backend in ("pdfium", "pypdf"):
                r = time_ingest(path, backend, args.repeat)
                rows.append({"input": label, "backend": backend, **r})
    for name in ("cycling-dialogue-bonn.csv", "freiraum-ottensen.csv"):
        f = SHARED / name
        if f.exists():
            from insek_nlp.ingest.tables import read_table

            t0 = time.perf_counter()
            ext = read_table(f)
            dt = time.perf_counter() - t0
            rows.append({"input": name, "backend": "csv", "seconds_median": round(dt, 3),
                         "comments": len(ext.comments), "comments_per_s": round(len(ext.comments) / dt)})
    machine = {"python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
               "cpus": __import__("os").cpu_count()}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2, ensure_ascii=False))
    print(f"| Eingabe | Backend | Seiten / Beiträge | Sekunden (Median) | pro Sekunde |")
    print("|---|---|---|---|---|")
    for r in rows:
        amount = r.get("pages", r.get("comments"))
        rate = r.get("pages_per_s", r.get("comments_per_s"))
        print(f"| {r['input']} | {r['backend']} | {amount} | {r['seconds_median']} | {rate} |")
    print(f"\nMaschine: {machine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
