"""Deterministic large comment tables built from real citizen comments (for ``bench_scale.py``).

    .venv/bin/python benchmarks/scale_data.py --n 100000 --out benchmarks/out/scale/comments-100000.csv

Source: the real comments of the Bonn cycling dialogue and FreiRaum Ottensen in
``../shared/data`` (CC BY 4.0; the URL column of every generated row points to
the contribution its first sentence comes from). Never commit the output.

Every generated comment is one of:

- a **recombination** (about 89 %): the sentences of a real comment, one or two
  of them replaced by sentences of other comments of the same category (Bonn
  main category, Ottensen first topic), sometimes one dropped, sometimes with an
  opening phrase and a sentence naming a Leipzig Ortsteil (so that place tagging
  has work to do);
- a **repost** (about 5 %): a real comment verbatim, or with changed white space
  and case;
- a member of one of six **campaigns** (about 6 %, 3,000 down to 100 copies):
  a form letter with varied salutation, closing, and sometimes one personal
  sentence.

The same ``--n`` and ``--seed`` always give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

CAMPAIGNS = (
    (0.030, "Grünzug erhalten",
     "Ich fordere, dass der Grünzug am Stadtrand vollständig erhalten bleibt. Die Fläche ist eine wichtige "
     "Kaltluftschneise für die dicht bebauten Viertel und darf nicht für neue Wohnblöcke versiegelt werden. "
     "Bitte nehmen Sie den Schutz dieser Fläche ausdrücklich in das Fachkonzept Freiraum und Umwelt auf."),
    (0.015, "Tempo 30 vor Schulen",
     "Vor allen Schulen und Kitas muss ganztägig Tempo 30 gelten. Die Kinder überqueren jeden Morgen "
     "vierspurige Straßen, und die Ampelphasen sind viel zu kurz. Sichere Schulwege gehören in das "
     "Fachkonzept Mobilität."),
    (0.008, "Bezahlbare Mieten",
     "Die Mieten in meinem Viertel steigen so schnell, dass langjährige Bewohner wegziehen müssen. Ich "
     "erwarte, dass die Stadt eine soziale Erhaltungssatzung erlässt und städtische Flächen nur noch für "
     "geförderten Wohnungsbau vergibt."),
    (0.004, "Radweg an der Hauptstraße",
     "Entlang der Hauptstraße fehlt ein durchgehender, baulich getrennter Radweg. Jeden Tag werden Radfahrer "
     "von parkenden Autos und Lieferwagen in den Verkehr gedrängt. Bitte bauen Sie endlich eine geschützte "
     "Radspur."),
    (0.002, "Öffentliche Toiletten",
     "In den Parks und an den großen Plätzen gibt es kaum öffentliche Toiletten. Gerade ältere Menschen und "
     "Familien mit kleinen Kindern meiden deshalb längere Aufenthalte. Die Stadt sollte barrierefreie "
     "Toiletten aufstellen und reinigen lassen."),
    (0.001, "Nachtbus",
     "Am Wochenende fährt nach Mitternacht kaum noch ein Bus in die äußeren Ortsteile. Ein Nachtbusnetz "
     "mit festen Takten würde vielen Menschen den Heimweg ohne Auto ermöglichen."),
)
SALUTATIONS = ("", "", "Sehr geehrte Damen und Herren, ", "Hallo, ", "Liebe Stadtverwaltung, ", "Guten Tag! ")
CLOSINGS = ("", "", " Mit freundlichen Grüßen", " Viele Grüße", " Danke!", " Bitte handeln Sie jetzt.")
OPENERS = ("", "", "", "", "Mir ist aufgefallen: ", "Ein Hinweis: ", "Dazu mein Vorschlag: ", "Ehrlich gesagt: ")
PLACE_SENTENCES = ("Das betrifft vor allem {o}.", "So ist es jedenfalls in {o}.", "Ich wohne in {o} und sehe das "
                   "jeden Tag.", "Besonders schlimm ist es in {o}.")

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9\"„])")


def sentences(text: str) -> list[str]:
    """The sentences of a comment (line breaks count as spaces)."""
    return [s.strip() for s in _SENT.split(" ".join(text.split())) if s.strip()]


def load_sources() -> list[dict]:
    """Real comments: text, title, url, category (``bonn:<main category>`` / ``ottensen:<first topic>``)."""
    rows = []
    with open(SHARED / "cycling-dialogue-bonn.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if (r.get("text") or "").strip():
                rows.append({"text": r["text"], "title": r.get("title") or "", "url": r.get("URL") or "",
                             "cat": "bonn:" + (r.get("main_category_level1") or "")})
    with open(SHARED / "freiraum-ottensen.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        topics = [c for c in reader.fieldnames if c not in ("document_id", "title", "text", "url")]
        for r in reader:
            if (r.get("text") or "").strip():
                first = next((t for t in topics if str(r.get(t, "")).strip() in ("1", "1.0", "True", "true")), "none")
                rows.append({"text": r["text"], "title": r.get("title") or "", "url": r.get("url") or "",
                             "cat": "ottensen:" + first})
    return rows


def ortsteile() -> list[str]:
    from insek_nlp.places.gazetteer import Gazetteer

    return [p.name for p in Gazetteer.load().ortsteile]


def generate(n: int, seed: int = 0) -> list[dict]:
    """``n`` comment rows (``Nr.``, ``Eingangsdatum``, ``Titel``, ``Ihr Beitrag``, ``Ortsteil / Ort``, ``URL``)."""
    rng = random.Random(seed)
    src = load_sources()
    pools: dict[str, list[str]] = {}
    split = []
    for r in src:
        s = sentences(r["text"])
        split.append(s)
        pools.setdefault(r["cat"], []).extend(s)
    places = ortsteile()
    start = datetime(2026, 2, 1, 8, 0)
    kinds: list[tuple[str, int]] = []
    for ci, (share, _, _) in enumerate(CAMPAIGNS):
        kinds += [("campaign", ci)] * int(round(share * n))
    kinds += [("repost", -1)] * int(round(0.05 * n))
    kinds += [("mix", -1)] * (n - len(kinds))
    kinds = kinds[:n]
    rng.shuffle(kinds)
    out = []
    for i, (kind, ci) in enumerate(kinds):
        place = rng.choice(places) if rng.random() < 0.3 else ""
        created = start + timedelta(minutes=int(i * 86400 / max(n, 1)) + rng.randrange(60))  # over 60 days
        if kind == "campaign":
            _, title, body = CAMPAIGNS[ci]
            text = rng.choice(SALUTATIONS) + body + rng.choice(CLOSINGS)
            if rng.random() < 0.3:
                text += " " + rng.choice(pools[rng.choice(sorted(pools))])
            url = ""
        else:
            j = rng.randrange(len(src))
            base, sents = src[j], list(split[j])
            title, url = base["title"], base["url"]
            if kind == "repost":
                text = base["text"]
                if rng.random() < 0.5:
                    text = " ".join(text.split())
                if rng.random() < 0.2:
                    text = text.lower()
            else:
                pool = pools[base["cat"]]
                for _ in range(1 if rng.random() < 0.6 else 2):
                    pos = rng.randrange(len(sents) + 1)
                    if pos < len(sents) and len(sents) > 1:
                        sents[pos] = rng.choice(pool)
                    else:
                        sents.insert(pos, rng.choice(pool))
                if len(sents) > 2 and rng.random() < 0.3:
                    del sents[rng.randrange(1, len(sents))]
                text = rng.choice(OPENERS) + " ".join(sents)
                if place and rng.random() < 0.5:
                    text += " " + rng.choice(PLACE_SENTENCES).format(o=place)
        out.append({"Nr.": f"S-{i + 1:06d}", "Eingangsdatum": created.strftime("%d.%m.%Y %H:%M"), "Titel": title,
                    "Ihr Beitrag": text, "Ortsteil / Ort": place, "URL": url})
    return out


def write_csv(rows: list[dict], path: Path) -> str:
    """Write the rows as a semicolon CSV (UTF-8); return the file's SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(rows)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"{SHARED} fehlt: keine Daten.", file=sys.stderr)
        return 1
    out = args.out or ROOT / "benchmarks" / "out" / "scale" / f"comments-{args.n}.csv"
    print(out, write_csv(generate(args.n, args.seed), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
