"""Build ``models/places/leipzig-gazetteer.json`` from the Leipzig Open Data TTL.

    python -m insek_nlp.places.build_gazetteer [--ttl PATH] [--variants PATH] [--out PATH]

Reads the 10 Stadtbezirke and 63 Ortsteile (with the city's Ortsteil numbers)
from ``../shared/data/leipzig-administrative-gliederung.ttl`` (CC0 1.0, Leipzig
Open Data), writes them with DESIGN's official spellings (Nordost, not
"Nord-Ost"), and adds the variants: parts of double names, adjectival forms
("Connewitzer"), district phrases ("im Leipziger Osten") and the hand-written
entries of ``models/places/variants.yaml``. The generated file is committed;
the TTL is not, so when it is absent the official part of the existing JSON is
reused and only the variants are rebuilt.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TTL = ROOT.parent / "shared" / "data" / "leipzig-administrative-gliederung.ttl"
DEFAULT_VARIANTS = ROOT / "models" / "places" / "variants.yaml"
DEFAULT_OUT = ROOT / "models" / "places" / "leipzig-gazetteer.json"

ATTRIBUTION = "Leipzig Open Data, CC0 1.0"

# DESIGN: first digit of the Ortsteil number = Stadtbezirk, in this order.
STADTBEZIRKE = ("Mitte", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Alt-West", "Nordwest", "Nord")
# The TTL's spellings of the Stadtbezirk names (after "Stadtbezirk ").
TTL_SPELLING = {"Nordost": "Nord-Ost", "Südost": "Süd-Ost", "Südwest": "Süd-West", "Nordwest": "Nord-West"}
# Compass nouns for the district phrases ("im Leipziger Osten").
COMPASS = {"Nordost": "Nordosten", "Ost": "Osten", "Südost": "Südosten", "Süd": "Süden",
           "Südwest": "Südwesten", "West": "Westen", "Nordwest": "Nordwesten", "Nord": "Norden"}
STREET_WORDS = ["strasse", "str", "weg", "allee", "chaussee", "landstrasse", "damm", "gasse", "ring", "steinweg"]
# Official names whose -er form would be odd or a common word.
NO_ADJECTIVAL_SUFFIX = ("-Nord", "-Süd", "-Ost", "-West", "-Mitte", "-Nordwest", "-Südost", "-Siedlung")
NO_ADJECTIVAL = {"Zentrum", "Südvorstadt", "Wahren"}

_BLOCK = re.compile(r"(?:^|\n)(?P<subject>\S+)\s*\n(?P<body>(?:[ \t]+.*\n?)+)")


def parse_ttl(text: str) -> tuple[list[dict], list[dict]]:
    """Ortsteile and Stadtbezirke of the TTL: ``([{name, number, uri}], [{name, label, ortsteil_ids}])``."""
    ortsteile, bezirke = [], []
    for m in _BLOCK.finditer(text):
        subject, body = m.group("subject"), m.group("body")
        label = re.search(r'rdfs:label\s+"([^"]+)"', body)
        if "a ld:Ortsteil" in body and label:
            num = re.search(r"StadtId/Ortsteil\.(\d{2})>", body)
            if not num:
                raise ValueError(f"no StadtId number for {subject}")
            ortsteile.append({"name": label.group(1), "number": num.group(1), "id": subject.split(":", 1)[-1]})
        elif "a ld:Stadtbezirk" in body and label:
            ids = re.findall(r"ldot:([\w-]+)", body)
            bezirke.append({"label": label.group(1), "ortsteil_ids": ids})
    return ortsteile, bezirke


def official_from_ttl(path: Path) -> dict:
    ortsteile, bezirke = parse_ttl(path.read_text(encoding="utf-8"))
    if len(ortsteile) != 63 or len(bezirke) != 10:
        raise ValueError(f"expected 63 Ortsteile and 10 Stadtbezirke, found {len(ortsteile)} and {len(bezirke)}")
    by_label = {b["label"].removeprefix("Stadtbezirk ").strip(): b for b in bezirke}
    out_bezirke = []
    for i, name in enumerate(STADTBEZIRKE):
        ttl_name = TTL_SPELLING.get(name, name)
        if ttl_name not in by_label:
            raise ValueError(f"Stadtbezirk {ttl_name!r} missing in the TTL")
        out_bezirke.append({"number": str(i), "name": name, "ttl_label": by_label[ttl_name]["label"]})
    members = {oid: b_name for b_name, b in by_label.items() for oid in b["ortsteil_ids"]}
    out_ortsteile = []
    for o in sorted(ortsteile, key=lambda o: o["number"]):
        bezirk = STADTBEZIRKE[int(o["number"][0])]
        # The first digit of the number and the TTL's containsOrtsteil must agree.
        if TTL_SPELLING.get(bezirk, bezirk) != members.get(o["id"]):
            raise ValueError(f"{o['name']}: number {o['number']} says {bezirk}, TTL says {members.get(o['id'])}")
        out_ortsteile.append({"number": o["number"], "name": o["name"], "stadtbezirk": bezirk,
                              "uri": f"http://leipzig-data.de/Data/Ortsteil/{o['id']}"})
    return {"stadtbezirke": out_bezirke, "ortsteile": out_ortsteile}


def _variant(surface: str, *, ortsteile=(), stadtbezirke=(), rule="any", kind, note, **extra) -> dict:
    v = {"surface": surface, "ortsteile": list(ortsteile), "stadtbezirke": list(stadtbezirke),
         "rule": rule, "kind": kind, "note": note}
    v.update({k: val for k, val in extra.items() if val})
    return v


def _adjectival(v: dict) -> list[dict]:
    """-er/-ern/-ers forms of a place name ("Connewitz" → "Connewitzer"); not before street words."""
    return [
        _variant(v["surface"] + suffix, ortsteile=v["ortsteile"], stadtbezirke=v["stadtbezirke"],
                 rule=v["rule"] if v["rule"] != "any" else "any", kind="adjectival",
                 note=f"Adjektiv-/Einwohnerform von {v['surface']} (auch -erin/-erinnen); "
                      "nicht vor Straße/Weg/Allee: Straßen heißen oft nach dem Ort, zu dem sie führen",
                 not_followed_by=STREET_WORDS, not_preceded_by=v.get("not_preceded_by"))
        for suffix in ("er", "ern", "ers")
    ]


def _genitive(v: dict) -> list[dict]:
    """Genitive -s form ("Grünaus Plattenbauten"); names ending in s/z/x/ß/sch take none."""
    surface = v["surface"]
    if surface.endswith(("s", "z", "x", "ß", "sch")):
        return []
    return [_variant(surface + "s", ortsteile=v["ortsteile"], stadtbezirke=v["stadtbezirke"], rule=v["rule"],
                     kind="genitive", note=f"Genitiv von {surface}", not_preceded_by=v.get("not_preceded_by"))]


def build_variants(official: dict, hand: list[dict]) -> list[dict]:
    hand_surfaces = {h["surface"].casefold() for h in hand}
    out: list[dict] = []
    for o in official["ortsteile"]:
        if o["name"].casefold() in hand_surfaces:
            continue  # the hand-written entry (e.g. "Wahren", "Zentrum") decides its rule
        v = _variant(o["name"], ortsteile=[o["name"]], kind="official", note="amtlicher Name")
        out.append(v)
        out += _genitive(v)
        if o["name"] not in NO_ADJECTIVAL and not o["name"].endswith(NO_ADJECTIVAL_SUFFIX):
            out += _adjectival(v)
    for h in hand:
        v = _variant(h["surface"], ortsteile=h.get("ortsteile", ()), stadtbezirke=h.get("stadtbezirke", ()),
                     rule=h.get("rule", "any"), kind=h.get("kind", "variant"), note=h["note"],
                     not_preceded_by=h.get("not_preceded_by"), not_followed_by=h.get("not_followed_by"))
        out.append(v)
        if h.get("genitive", h.get("adjectival")):
            out += _genitive(v)
        if h.get("adjectival"):
            out += _adjectival(v)
    for b in official["stadtbezirke"]:
        name = b["name"]
        spellings = sorted({name, TTL_SPELLING.get(name, name), name.replace("-", "")})
        for s in spellings:
            out.append(_variant(s, stadtbezirke=[name], rule="location", kind="stadtbezirk",
                                note="Name des Stadtbezirks; allein ein Alltagswort, daher nur in einer Ortsspalte"))
            for prefix in ("Stadtbezirk", "Stadtbezirke", "Stadtbezirken", "Stadtbezirks", "Bezirk",
                           "Stadtbezirksbeirat", "Stadtbezirksbeirats", "Leipzig"):
                out.append(_variant(f"{prefix} {s}", stadtbezirke=[name], kind="stadtbezirk",
                                    note=f"'{prefix} …' macht den Stadtbezirk eindeutig"))
        if name == "Alt-West":
            for s in ("Alt-West", "Altwest"):
                out.append(_variant(s, stadtbezirke=[name], kind="stadtbezirk",
                                    note="als Wort eindeutig der Stadtbezirk"))
        if name in COMPASS:
            c = COMPASS[name]
            out.append(_variant(c, stadtbezirke=[name], rule="location", kind="phrase",
                                note="Himmelsrichtung allein nur in einer Ortsspalte"))
            for phrase in (f"Leipziger {c}", f"{c} Leipzigs", f"{c} von Leipzig", f"{c} der Stadt"):
                out.append(_variant(phrase, stadtbezirke=[name], kind="phrase",
                                    note="Richtungsangabe mit Leipzig-Bezug → Stadtbezirk (Konvention; "
                                         "'Leipziger Osten' ist auch der Planungsraum mit den zehn Ortsteilen des Stadtbezirks Ost)"))
    known_o = {o["name"] for o in official["ortsteile"]}
    known_b = {b["name"] for b in official["stadtbezirke"]}
    for v in out:
        bad = [n for n in v["ortsteile"] if n not in known_o] + [n for n in v["stadtbezirke"] if n not in known_b]
        if bad:
            raise ValueError(f"variant {v['surface']!r} names unknown places: {bad}")
        if not v["ortsteile"] and not v["stadtbezirke"]:
            raise ValueError(f"variant {v['surface']!r} names no place")
    return out


def build(ttl: Path, variants: Path, out: Path) -> dict:
    if ttl.is_file():
        official = official_from_ttl(ttl)
    elif out.is_file():
        old = json.loads(out.read_text(encoding="utf-8"))
        official = {"stadtbezirke": old["stadtbezirke"], "ortsteile": old["ortsteile"]}
    else:
        raise FileNotFoundError(f"{ttl} not found and no existing {out} to reuse")
    hand = yaml.safe_load(variants.read_text(encoding="utf-8"))["variants"]
    data = {
        "id": "leipzig-gazetteer",
        "attribution": ATTRIBUTION,
        "source": "leipzig-administrative-gliederung.ttl – The Leipzig Open Data Project, http://leipzig-data.de",
        "license": "http://creativecommons.org/publicdomain/zero/1.0/",
        "generated_by": "python -m insek_nlp.places.build_gazetteer (do not edit by hand; edit models/places/variants.yaml)",
        "rules": {
            "any": "matches anywhere, case-insensitive, ß/ss and umlauts folded, hyphen = space",
            "title": "only with a capital first letter",
            "location": "only in a location column, never in free text",
        },
        **official,
        "variants": build_variants(official, hand),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ttl", type=Path, default=DEFAULT_TTL)
    ap.add_argument("--variants", type=Path, default=DEFAULT_VARIANTS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    data = build(args.ttl, args.variants, args.out)
    print(f"{args.out}: {len(data['stadtbezirke'])} Stadtbezirke, {len(data['ortsteile'])} Ortsteile, "
          f"{len(data['variants'])} variants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
