"""Collect ``benchmarks/out/*.json`` into ``benchmarks/results.json`` and ``benchmarks/results.md``.

    .venv/bin/python benchmarks/results.py

Called by ``benchmarks/run.py`` after the scripts ran; can be run alone to
rebuild the summary from existing outputs. Only figures that a script wrote
are reported (a missing script or a part skipped for lack of
``../shared/data`` gives no row). Both files are committed as the latest
measured record; the README's Benchmarks section copies the Markdown table.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def machine() -> dict:
    """CPU model, cores, RAM, Python, date (UTC) of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 ** 2, 1)
    except (OSError, ValueError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram, "python": platform.python_version(),
            "machine": platform.machine(), "date": time.strftime("%Y-%m-%d", time.gmtime())}


_USED = ("ingest", "embed", "classify", "cluster", "bertopic", "duplicates", "places", "conflicts", "report", "scale")


def _previous() -> dict:
    """The committed ``results.json`` (its ``inputs`` are the benchmark outputs it was written from)."""
    try:
        return json.loads((HERE / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_PREVIOUS = _previous()
_USED_INPUTS: dict[str, dict] = {}
_USED_TIMES: dict[str, str] = {}


def _stamp(path: Path) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(path.stat().st_mtime))


def _load(name: str) -> dict:
    """A benchmark's output: ``out/NAME.json``, or the one ``results.json`` was written from when that is
    newer or the file is missing (a fresh checkout, or a benchmark run elsewhere), so that re-running one
    benchmark never drops or ages the others' results."""
    p = OUT / f"{name}.json"
    kept = _PREVIOUS.get("inputs", {}).get(name)
    kept_time = _PREVIOUS.get("sources", {}).get(f"{name}.json", "")
    try:
        data, when = json.loads(p.read_text(encoding="utf-8")), _stamp(p)
    except (OSError, ValueError):
        data, when = None, ""
    if kept is not None and (data is None or when < kept_time):
        data, when = kept, kept_time
    if data is None:
        return {}
    if name in _USED:
        _USED_INPUTS[name], _USED_TIMES[f"{name}.json"] = data, when
    return data


# Which benchmark output a row comes from, by the start of its name (rows of a source whose output is
# nowhere to be found are carried over from results.json).
_ROW_SOURCE = (("Ingestion", "ingest"), ("Embeddings, 1,000", "embed"), ("Embeddings", "classify"),
               ("Theme", "classify"), ("Concerns vs. BERTopic", "bertopic"), ("Concerns", "cluster"),
               ("Campaigns", "duplicates"), ("Places", "places"), ("Goal conflicts", "conflicts"),
               ("Report", "report"), ("Masking", "report"), ("100,000 comments", "scale"))


def row_source(benchmark: str) -> str:
    return next((src for prefix, src in _ROW_SOURCE if benchmark.startswith(prefix)), "")


def _carry_over(s: dict[str, list[dict]]) -> None:
    """Keep the rows of results.json whose benchmark output is not here (run elsewhere, not re-run)."""
    missing = {src for src in _USED if src not in _USED_INPUTS}
    for sec, old_rows in ((k, v) for k, v in _PREVIOUS.items() if k in s):
        kept = [r for r in old_rows if row_source(r["benchmark"]) in missing]
        if kept:
            order = {src: i for i, src in enumerate(_USED)}
            s[sec] = sorted(s[sec] + kept, key=lambda r: order.get(row_source(r["benchmark"]), len(order)))
    for src in missing:
        name = f"{src}.json"
        if name in _PREVIOUS.get("sources", {}) and any(
                row_source(r["benchmark"]) == src for sec in s.values() for r in sec):
            _USED_TIMES[name] = _PREVIOUS["sources"][name]


def _get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _n(x, digits: int = 1) -> str:
    """A number in English notation with thousands separators."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and digits == 0):
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def summary() -> dict[str, list[dict]]:
    """Rows per section: ``{"benchmark", "result"}`` (both strings) plus the raw numbers under ``values``."""
    s: dict[str, list[dict]] = {"speed": [], "quality": [], "scale": []}

    def row(section: str, bench: str, text: str, **values) -> None:
        s[section].append({"benchmark": bench, "result": text, "values": values})

    ing = _load("ingest")
    for r in ing.get("rows", []):
        if r.get("pages_per_s") and r.get("backend") == "pdfium" and "AES" not in r["input"]:
            row("speed", f"Ingestion, 83-page PDF ({r['input']}, pdfium)",
                f"{_n(r['pages_per_s'])} pages/s", pages_per_s=r["pages_per_s"])
            break
    for r in ing.get("rows", []):
        if r.get("comments_per_s"):
            row("speed", f"Ingestion, {r['input']}", f"{_n(r['comments_per_s'], 0)} comments/s "
                f"({_n(r['comments'])} in {r['seconds_median']} s)", comments_per_s=r["comments_per_s"])
    emb = _load("embed")
    for key, r in _get(emb, "rows").items() if _get(emb, "rows") else ():
        if key.startswith("insek-nlp USEmEmbedder, first"):
            row("speed", f"Embeddings, {emb['data']['n']:,} Bonn comments (default embedder)",
                f"{_n(r['texts_per_s'])} texts/s (package as shipped: "
                f"{_n(emb['rows'][emb['reference']]['texts_per_s'])})", texts_per_s=r["texts_per_s"])
    cl = _load("classify")
    sp = cl.get("speed")
    if sp:
        row("speed", f"Embeddings, {_n(sp['passages'])} draft passages, first run",
            f"{_n(sp['embed_texts_per_s'], 0)} texts/s ({_n(sp['embed_first_run_seconds'])} s)",
            texts_per_s=sp["embed_texts_per_s"])
        row("speed", f"Theme scores, {_n(sp['passages'])} passages, cached embeddings",
            f"{_n(sp['classify_cached_seconds'])} s", seconds=sp["classify_cached_seconds"])
    c = _load("cluster")
    if c.get("bonn"):
        row("speed", f"Concerns, Bonn ({_n(c['bonn']['n'])} comments)", f"{c['bonn']['seconds']} s "
            f"(second run {_get(c, 'bonn_second_run', 'seconds')} s)", seconds=c["bonn"]["seconds"])
    dup = _load("duplicates")
    if _get(dup, "synthetic", "stats", "seconds") is not None:
        row("speed", f"Campaigns and duplicates, {_n(dup['synthetic']['n'])} comments",
            f"{dup['synthetic']['stats']['seconds']} s", seconds=dup["synthetic"]["stats"]["seconds"])
    pl = _load("places")
    if pl.get("speed"):
        row("speed", f"Places, {_n(pl['speed']['comments'])} comments", f"{pl['speed']['seconds']} s",
            seconds=pl["speed"]["seconds"])
    co = _load("conflicts")
    if co.get("speed"):
        v = co["speed"]
        row("speed", f"Goal conflicts, {_n(v['passages'])} passages ({_n(v['all_pairs'])} pairs)",
            f"{v['seconds_without_embedding']} s without embedding, {v['embed_seconds_uncached']} s embedding",
            seconds=v["seconds_without_embedding"], embed_seconds=v["embed_seconds_uncached"])
    rep = _load("report")
    if rep.get("report"):
        r = rep["report"]
        parts = ", ".join(f"{k.upper()} {r[k]['seconds']} s" for k in ("html", "xlsx", "csv") if k in r)
        row("speed", "Report, demo corpus", f"analysis run {r['run_seconds']} s; {parts}",
            **{k: r[k]["seconds"] for k in ("html", "xlsx", "csv") if k in r}, run_seconds=r["run_seconds"])
    if rep.get("masking_speed"):
        m = rep["masking_speed"]
        row("speed", f"Masking personal data, {_n(m['comments'])} comments", f"{m['seconds']} s",
            seconds=m["seconds"])

    names = {"bonn-supervised": "Bonn, 8 categories, supervised 5-fold CV",
             "bonn-zero-shot": "Bonn, zero-shot (raddialog-bonn.yaml)",
             "ottensen-supervised": "Ottensen, 12 labels, supervised multi-label 5-fold CV",
             "fachkonzept-zero-shot": "Fachkonzept passages, INSEK taxonomy, zero-shot multi-label"}
    for r in cl.get("quality", []):
        if r["name"] in names:
            row("quality", f"Themes: {names[r['name']]} (n {_n(r['n_test'])})",
                f"macro-F1 {r['macro_f1']:.3f}, micro-F1 {r['micro_f1']:.3f}",
                macro_f1=r["macro_f1"], micro_f1=r["micro_f1"])
    am = cl.get("bonn_active_mean")
    if am:
        last = am[-1]
        row("quality", f"Themes: Bonn, active learning (20 seeds, steps of 20), at {last['labels']} labels",
            f"macro-F1 {last['active_macro_f1']:.3f} (random sampling {last['random_macro_f1']:.3f})",
            macro_f1=last["active_macro_f1"], random_macro_f1=last["random_macro_f1"])
    if c.get("bonn"):
        b = c["bonn"]
        row("quality", "Concerns: Bonn, NMI with the human level-2 categories",
            f"NMI {b['nmi']:.3f}, {b['n_clusters']} concerns, {b['unassigned_share']:.1%} not assigned, "
            f"{b['seconds']} s", nmi=b["nmi"], unassigned_share=b["unassigned_share"], seconds=b["seconds"])
    bt = _load("bertopic")
    for name in ("bonn", "ottensen"):
        r = bt.get(name)
        if r:
            o, t = r["ours"], r["bertopic"]
            row("quality", f"Concerns vs. BERTopic {bt.get('bertopic_version', '')}: {name} "
                f"({_n(r['n'])} comments, same embeddings)",
                f"ours NMI {o['nmi']:.3f}, {o['outlier_share']:.1%} unassigned, {o['n_topics']} topics, "
                f"{o['seconds']} s; BERTopic NMI {t['nmi']:.3f}, {t['outlier_share']:.1%} outliers, "
                f"{t['n_topics']} topics, {t['seconds']} s",
                ours_nmi=o["nmi"], bertopic_nmi=t["nmi"], ours_seconds=o["seconds"], bertopic_seconds=t["seconds"])
    if _get(dup, "synthetic", "campaign_precision") is not None:
        d = dup["synthetic"]
        row("quality", f"Campaigns: planted campaign in {_n(d['n'])} comments",
            f"precision {d['campaign_precision']:.2f}, recall {d['campaign_recall']:.2f}; "
            f"near-duplicate pairs recall {d['repost_recall']:.2f}",
            precision=d["campaign_precision"], recall=d["campaign_recall"])
    if co.get("fit"):
        f = co["fit"]
        lofo = ", ".join(f"{k.removeprefix('zielkonflikte-').removesuffix('.jsonl')} {v['auc']:.3f}"
                         for k, v in f["leave_one_file_out"].items())
        row("quality", f"Goal conflicts, each training file scored by a model of the others (n {f['n']})",
            f"AUC {lofo}; 5-fold CV AUC {f['cv_auc']:.3f}, F1 {f['cv_f1']:.3f}", cv_auc=f["cv_auc"], cv_f1=f["cv_f1"])
    for key, label in (("zielkonflikte-dev", "dev (fitted on)"), ("zielkonflikte-holdout", "holdout"),
                       ("zielkonflikte-holdout-b", "second holdout")):
        r = co.get(key)
        if r:
            row("quality", f"Goal conflicts, {label} pairs (n {r['n']})",
                f"P {r['precision']:.3f}, R {r['recall']:.3f}, F1 {r['f1']:.3f}, AUC {r['auc']:.3f}",
                precision=r["precision"], recall=r["recall"], f1=r["f1"], auc=r["auc"])
    if co.get("demo"):
        d = co["demo"]
        drafts = sorted(k for k in d.get("planted_rank", {}) if "-" not in k)  # K1…K6: between two drafts
        ranks = ", ".join(f"{k} {d['planted_rank'][k]}" for k in drafts if d["planted_rank"][k] is not None)
        row("quality", "Goal conflicts, demo corpus (conflicts planted between drafts)",
            f"{d['planted_found']} of {len(drafts)} found (ranks {ranks}); of the top 10 flags "
            f"{d.get('top10_planted_main_pair', '–')} are a planted conflict by their own pair of passages, "
            f"{d['top10_planted']} counting the pairs grouped under them ({d.get('top10_distinct', '–')} distinct); "
            f"{d['flags']} flags",
            found=d["planted_found"], planted=len(drafts), top10=d["top10_planted"],
            top10_own_pair=d.get("top10_planted_main_pair"))
    t = pl.get("test")
    if t:
        row("quality", f"Places, held-out comments (n {t['n']})",
            f"Ortsteile P {t['ortsteile']['precision']:.3f} / R {t['ortsteile']['recall']:.3f}; "
            f"Stadtbezirke P {t['stadtbezirke']['precision']:.3f} / R {t['stadtbezirke']['recall']:.3f}",
            ortsteile=t["ortsteile"], stadtbezirke=t["stadtbezirke"])

    sc = _load("scale")
    if sc.get("runs"):
        n = sc["n"]
        ing_s = sc.get("ingest")
        if ing_s and ing_s.get("comments") == n:
            row("scale", f"{_n(n)} comments: ingest (CSV {ing_s['csv_mb']} MB, 4 drafts, 2 notes)",
                f"{ing_s['seconds']} s, peak {_n(ing_s['peak_rss_mb'], 0)} MB", seconds=ing_s["seconds"],
                peak_rss_mb=ing_s["peak_rss_mb"])
        fr = sc.get("first_run")
        if fr:
            row("scale", f"{_n(n)} comments: first run, embedding {_n(fr['texts'])} distinct texts "
                f"(load {fr['load']})", f"{_n(fr['embedding_seconds'], 0)} s, {_n(fr['texts_per_s'])} texts/s",
                seconds=fr["embedding_seconds"], texts_per_s=fr["texts_per_s"])
        first = 1 if fr and sc.get("keep") else 0
        for i, r in enumerate(sc["runs"], 1 + first):
            ec = r.get("embedding_cache") or {}
            st = ", ".join(f"{k.split(':')[0]} {v:,.0f} s" for k, v in (r.get("stage_seconds") or {}).items())
            steps = (r.get("participation_seconds") or {}).items()
            ps = ", ".join(f"{k.replace('_', ' ')} {v:,.0f} s" for k, v in steps if v >= 10)
            row("scale", f"{_n(n)} comments: analysis run {i} ({_n(ec.get('misses') or 0)} texts embedded; "
                f"{_n(ec.get('hits') or 0)} cache hits over all stages; load {sc['loadavg_before'][0]:.1f} → "
                f"{sc['loadavg_after'][0]:.1f})",
                f"{_n(r['seconds'], 0)} s ({st}; participation: {ps}), peak {_n(r['peak_rss_mb'], 0)} MB",
                seconds=r["seconds"], peak_rss_mb=r["peak_rss_mb"], stage_seconds=r.get("stage_seconds"))
    return s


def write_results() -> str:
    """Write ``results.json`` and ``results.md``; return the Markdown."""
    # per script: the latest run recorded here, else the one results.json remembers
    runs = {**_PREVIOUS.get("scripts", {}), **_load("run")}
    m = machine()
    s = summary()
    _carry_over(s)
    md = [f"Measured on {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
          f"{m['date']} (shared machine: load average during the runs in the last table).", ""]
    titles = {"speed": "Speed", "quality": "Quality (real data in `../shared/data` and the project's own sets)",
              "scale": "Scale (`bench_scale.py`, run by hand)"}
    for sec, rows in s.items():
        if not rows:
            continue
        md += [f"**{titles[sec]}**", "", "| benchmark | result |", "|---|---|"]
        md += [f"| {r['benchmark']} | {r['result']} |" for r in rows]
        md.append("")
    if runs:
        md += ["**Per script** (wall clock, CPU seconds, peak resident memory of the process, load average "
               "before → after)", "", "| script | seconds | CPU seconds | peak RSS (MB) | load | finished |",
               "|---|---|---|---|---|---|"]
        for name, r in runs.items():
            flag = "" if r["exit_code"] == 0 else f" (exit {r['exit_code']})"
            if r.get("note"):
                flag += f" ({r['note']})"
            cpu = _n(r["cpu_seconds"]) if "cpu_seconds" in r else "–"
            md.append(f"| {name}{flag} | {_n(r['seconds'])} | {cpu} | {_n(r['peak_rss_mb'], 0)} | "
                      f"{r['loadavg_before'][0]:.1f} → {r['loadavg_after'][0]:.1f} | {r['finished']} |")
        md.append("")
    sources = dict(sorted(_USED_TIMES.items()))
    if sources:
        md += ["Written from " + ", ".join(f"`{k}` ({v})" for k, v in sources.items()) + ".", ""]
    text = "\n".join(md)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    record = {"machine": m, "scripts": runs, "sources": sources, **s,
              "inputs": {k: _USED_INPUTS[k] for k in sorted(_USED_INPUTS)}}
    (HERE / "results.json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return text


if __name__ == "__main__":
    print(write_results())
    sys.exit(0)
