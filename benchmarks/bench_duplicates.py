"""Duplicates and campaigns: speed at 30,000 comments, and how well a planted campaign is found.

    .venv/bin/python benchmarks/bench_duplicates.py [--n 30000] [--campaign 500] [--seed 1]

Builds N synthetic comments from the real Bonn cycling dialogue
(``../shared/data/cycling-dialogue-bonn.csv``, or ``$INSEK_SHARED_DATA``):

- background: 3–6 sentences (25–200 characters) drawn from different Bonn comments, each with small
  random edits (a dropped, swapped or misspelt word), under a Bonn title;
- re-posts: 2 % of the background posted a second time with one small edit or an
  added "Nachtrag" (planted pairs);
- short texts: 1 % from a list of one-liners ("Mehr Radwege!", "👍", …);
- a planted campaign: ``--campaign`` copies of one Bonn comment, each with a
  different title and 1–3 edits (changed word, greeting, signature, added
  sentence, case), scattered through the input.

Reports the campaign's precision and recall (the group holding most campaign
copies), how many groups the copies are split into, the recall of the re-post
pairs, the groups found in the background, and the time per step. Also times
10,000 copies of one text and runs on the 2,314 original Bonn comments. Writes
``benchmarks/out/duplicates.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("INSEK_SHARED_DATA", ROOT.parent / "shared" / "data"))

from insek_nlp.participation import DuplicateFinder, campaign_counts  # noqa: E402

SHORTS = ["Mehr Radwege!", "👍", "test", "Danke!", "Radwege, Radwege, Radwege.", "Tempo 30 überall.",
          "Mehr Fahrradständer", "Super Idee", "-", "Ampel zu kurz!"]
GREETINGS = ["Sehr geehrte Damen und Herren,", "Hallo liebe Stadtverwaltung,", "Guten Tag,"]
SIGNATURES = ["Familie K. aus Beuel", "M. Schubert", "Mit freundlichen Grüßen\nA. Meyer, Anwohnerin",
              "Viele Grüße aus Bad Godesberg", "Initiative Radfahren in Bonn"]
ADDED = ["Wir haben schon über 1.200 Unterschriften gesammelt.", "Ich fahre hier jeden Tag mit den Kindern.",
         "Bitte hören Sie auf die Menschen, die hier wohnen!", "Das ist wirklich dringend."]
FILLERS = ["wirklich", "sehr", "auch", "dringend", "leider", "endlich"]


def read_bonn() -> list[tuple[str, str]]:
    path = SHARED / "cycling-dialogue-bonn.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["title"].strip(), r["text"].strip()) for r in csv.DictReader(fh) if r["text"].strip()]


def small_edit(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) < 4:
        return text
    i = rng.randrange(len(words))
    op = rng.randrange(3)
    if op == 0:
        del words[i]
    elif op == 1:
        words.insert(i, rng.choice(FILLERS))
    else:
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]       # swapped letters, a typo
    return " ".join(words)


def build(n: int, n_campaign: int, seed: int) -> tuple[list[str], list[str], set[str], list[tuple[str, str]]]:
    rng = random.Random(seed)
    bonn = read_bonn()
    # Sentences of 25–200 characters, 3–6 per comment: no reused sentence dominates a comment,
    # so two background comments share at most a minor part of their text.
    sentences = [s for _, t in bonn for s in re.split(r"(?<=[.!?])\s+", t) if 25 < len(s) <= 200]
    titles = [t for t, _ in bonn if t]
    template_title, template = max((b for b in bonn if 450 <= len(b[1]) <= 700), key=lambda b: b[1])

    texts: list[str] = []
    kinds: list[str] = []
    n_back = n - n_campaign
    while len(texts) < n_back:
        r = rng.random()
        if r < 0.02 and texts:
            j = rng.randrange(len(texts))
            if kinds[j] == "back":
                base = texts[j]
                texts.append(small_edit(base, rng) if rng.random() < 0.5
                             else base + "\n\nNachtrag: " + rng.choice(sentences))
                kinds.append(f"repost:{j}")
                continue
        if r < 0.03:
            texts.append(rng.choice(SHORTS))
            kinds.append("short")
            continue
        body = " ".join(small_edit(s, rng) for s in rng.sample(sentences, rng.randint(3, 6)))
        texts.append(f"{rng.choice(titles)}. {body}")
        kinds.append("back")

    campaign: list[str] = []
    for _ in range(n_campaign):
        body = template
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(5)
            if op == 0:
                body = small_edit(body, rng)
            elif op == 1:
                body = rng.choice(GREETINGS) + "\n" + body
            elif op == 2:
                body = body + "\n\n" + rng.choice(SIGNATURES)
            elif op == 3:
                body = body + " " + rng.choice(ADDED)
            else:
                body = body.upper() if rng.random() < 0.2 else body.lower()
        title = rng.choice([template_title, template_title + "!", "Bitte unterstützen", rng.choice(titles)])
        campaign.append(f"{title}. {body}")
    positions = sorted(rng.sample(range(n), n_campaign))
    out_texts: list[str] = []
    out_kinds: list[str] = []
    back = iter(zip(texts, kinds))
    camp = iter(campaign)
    pos = set(positions)
    index_of_back: dict[int, int] = {}
    for i in range(n):
        if i in pos:
            out_texts.append(next(camp))
            out_kinds.append("campaign")
        else:
            t, k = next(back)
            index_of_back[len(index_of_back)] = i
            out_texts.append(t)
            out_kinds.append(k)
    ids = [f"S{i:05d}" for i in range(n)]
    reposts = [(ids[i], ids[index_of_back[int(k.split(":")[1])]])
               for i, k in enumerate(out_kinds) if k.startswith("repost:")]
    campaign_ids = {ids[i] for i, k in enumerate(out_kinds) if k == "campaign"}
    return out_texts, ids, campaign_ids, reposts


def evaluate(groups, campaign_ids: set[str], reposts: list[tuple[str, str]]) -> dict:
    member = {m: g for g in groups for m in g.members}
    holding = [g for g in groups if campaign_ids & set(g.members)]
    best = max(holding, key=lambda g: len(campaign_ids & set(g.members)), default=None)
    hit = len(campaign_ids & set(best.members)) if best else 0
    found_pairs = sum(1 for a, b in reposts if a in member and member[a] is member.get(b))
    repost_ids = {x for p in reposts for x in p}
    background = [g for g in groups if g is not best and not (set(g.members) & repost_ids)]
    return {
        "campaign_size": len(campaign_ids),
        "campaign_kind": best.kind if best else None,
        "campaign_precision": round(hit / len(best.members), 4) if best else 0.0,
        "campaign_recall": round(hit / len(campaign_ids), 4),
        "campaign_split_into_groups": len(holding),
        "campaign_similarity": best.similarity if best else None,
        "repost_pairs": len(reposts),
        "repost_pairs_found": found_pairs,
        "repost_recall": round(found_pairs / max(len(reposts), 1), 4),
        "groups": len(groups),
        "groups_by_kind": dict(Counter(g.kind for g in groups)),
        "background_groups_without_planted_relation": len(background),
        "background_groups_by_kind": dict(Counter(g.kind for g in background)),
        "background_groups_mean_similarity": round(sum(g.similarity for g in background) / len(background), 4)
        if background else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30_000)
    ap.add_argument("--campaign", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not (SHARED / "cycling-dialogue-bonn.csv").exists():
        print(f"skipped: {SHARED / 'cycling-dialogue-bonn.csv'} not found")
        return 0

    texts, ids, campaign_ids, reposts = build(args.n, args.campaign, args.seed)
    load_before = os.getloadavg()
    finder = DuplicateFinder().fit(texts, ids)
    synthetic = {"n": len(texts), **evaluate(finder.groups_, campaign_ids, reposts), "stats": finder.stats_,
                 "counts": campaign_counts(finder.groups_, len(texts))}

    start = time.perf_counter()
    copies = DuplicateFinder().fit([texts[0]] * 10_000)
    copies_result = {"seconds": round(time.perf_counter() - start, 3),
                     "groups": [(g.kind, len(g)) for g in copies.groups_]}

    bonn = [f"{t}. {x}" if t else x for t, x in read_bonn()]
    real = DuplicateFinder().fit(bonn)
    real_result = {"n": len(bonn), "groups_by_kind": dict(Counter(g.kind for g in real.groups_)),
                   "sizes": sorted((len(g) for g in real.groups_), reverse=True)[:10], "stats": real.stats_}

    result = {
        "synthetic": synthetic,
        "ten_thousand_copies": copies_result,
        "bonn_original": real_result,
        "settings": {k: getattr(finder, k) for k in ("threshold", "containment", "min_length_ratio",
                                                      "campaign_min", "min_words", "shingle_size",
                                                      "num_perm", "bands")},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_before": [round(x, 2) for x in load_before],
                    "load_after": [round(x, 2) for x in os.getloadavg()]},
    }
    out = ROOT / "benchmarks" / "out" / "duplicates.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
