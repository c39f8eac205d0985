"""``insek evaluate places``: precision and recall of the place tagger on a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

from insek_nlp.errors import InputError
from insek_nlp.places.gazetteer import Gazetteer
from insek_nlp.places.tagger import tag_places

__all__ = ["evaluate_places", "format_evaluation", "read_places_jsonl"]

_LOCATION_KEYS = ("ort", "location", "ortsteil_spalte")


def _names(value, line: int, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise InputError(f"Zeile {line}: „{key}“ muss eine Liste amtlicher Namen sein, nicht {type(value).__name__}.")


def read_places_jsonl(path: str | Path, *, gazetteer: Gazetteer | None = None) -> list[dict]:
    """Read ``{"text","ortsteile","stadtbezirke"[, "ort"]}`` lines and check the gold names.

    Raises:
        InputError: The file is missing or malformed, or names a place that is
            not an official Ortsteil/Stadtbezirk (all such names are listed).
    """
    gaz = gazetteer or Gazetteer.load()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"Die Datei {p} wurde nicht gefunden.", hint="Pfad zu einer JSONL-Datei angeben.")
    rows: list[dict] = []
    unknown: dict[str, list[int]] = {}
    with p.open(encoding="utf-8-sig") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                raise InputError(f"Zeile {lineno} von {p.name} ist kein gültiges JSON: {exc.msg}.",
                                 hint="Eine JSON-Zeile je Beitrag: {\"text\", \"ortsteile\", \"stadtbezirke\"}.") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise InputError(f"Zeile {lineno} von {p.name} hat kein Feld „text“.",
                                 hint="Eine JSON-Zeile je Beitrag: {\"text\", \"ortsteile\", \"stadtbezirke\"}.")
            row = {"text": obj["text"],
                   "ortsteile": _names(obj.get("ortsteile"), lineno, "ortsteile"),
                   "stadtbezirke": _names(obj.get("stadtbezirke"), lineno, "stadtbezirke"),
                   "ort": next((obj[k] for k in _LOCATION_KEYS if isinstance(obj.get(k), str)), None),
                   "line": lineno}
            for kind, key in (("ortsteil", "ortsteile"), ("stadtbezirk", "stadtbezirke")):
                for name in row[key]:
                    if not gaz.is_official(name, kind):
                        unknown.setdefault(name, []).append(lineno)
            rows.append(row)
    if unknown:
        listed = "; ".join(f"„{n}“ (Zeile {', '.join(map(str, ls[:5]))}{' …' if len(ls) > 5 else ''})"
                           for n, ls in sorted(unknown.items()))
        raise InputError(f"Unbekannte Ortsnamen im Goldstandard von {p.name}: {listed}.",
                         hint="Nur amtliche Schreibweisen verwenden, z. B. Ortsteil „Schleußig“, „Gohlis-Süd“; "
                              "Stadtbezirk „Nordost“, „Alt-West“.")
    if not rows:
        raise InputError(f"Die Datei {p} enthält keine Beiträge.")
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate_places(path: str | Path, *, details: bool = False, gazetteer: Gazetteer | None = None) -> dict:
    """Score the place tagger against gold Ortsteile and Stadtbezirke.

    Micro-averaged: true positives, false positives and false negatives are
    counted over the gold and predicted official names of every line.

    Args:
        path: JSONL file, one ``{"text", "ortsteile": […], "stadtbezirke": […]}``
            per line (official names; optional ``"ort"``: a location column value).
        details: Also return the lines with errors under ``"errors"``.

    Returns:
        ``{"n", "ortsteile": {"precision","recall","f1"}, "stadtbezirke": {…}}``.

    Raises:
        InputError: Unreadable file or gold names that are not official.
    """
    gaz = gazetteer or Gazetteer.load()
    rows = read_places_jsonl(path, gazetteer=gaz)
    counts = {"ortsteile": [0, 0, 0], "stadtbezirke": [0, 0, 0]}
    errors = []
    for row in rows:
        tags = tag_places(row["text"], location_field=row["ort"], gazetteer=gaz)
        pred = {"ortsteile": set(tags.ortsteile), "stadtbezirke": set(tags.stadtbezirke)}
        wrong = {}
        for key in counts:
            gold = set(row[key])
            c = counts[key]
            c[0] += len(gold & pred[key])
            c[1] += len(pred[key] - gold)
            c[2] += len(gold - pred[key])
            if gold != pred[key]:
                wrong[key] = {"false_positives": sorted(pred[key] - gold), "false_negatives": sorted(gold - pred[key])}
        if wrong:
            errors.append({"line": row["line"], "text": row["text"], **wrong})
    out = {"n": len(rows), **{k: _prf(*c) for k, c in counts.items()}}
    if details:
        out["errors"] = errors
    return out


def format_evaluation(result: dict) -> str:
    """A short German text of an :func:`evaluate_places` result, for the terminal."""

    def de(x: float) -> str:
        return f"{x:.3f}".replace(".", ",")

    lines = [f"Beiträge: {result['n']:,}".replace(",", "."),
             f"{'':14}{'Präzision':>10}{'Trefferquote':>14}{'F1':>8}"]
    for key, label in (("ortsteile", "Ortsteile"), ("stadtbezirke", "Stadtbezirke")):
        m = result[key]
        lines.append(f"{label:14}{de(m['precision']):>10}{de(m['recall']):>14}{de(m['f1']):>8}")
    for e in result.get("errors", []):
        parts = []
        for key in ("ortsteile", "stadtbezirke"):
            if key in e:
                fp, fn = e[key]["false_positives"], e[key]["false_negatives"]
                if fp:
                    parts.append("zu viel: " + ", ".join(fp))
                if fn:
                    parts.append("fehlt: " + ", ".join(fn))
        lines.append(f"Zeile {e['line']}: {'; '.join(parts)} – {e['text'][:80]}")
    return "\n".join(lines)
