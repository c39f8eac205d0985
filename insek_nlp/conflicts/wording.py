"""How a pair of passages is worded: a bag-of-words component of the conflict score.

The hand-made evidence of :mod:`insek_nlp.conflicts.detect` (trade-offs, opposed
directions, shared places, hedges) tells *whether* two passages are about the
same thing. Whether their goals clash or agree shows mostly in the wording:
goals with figures and obligations ("ist … zu sichern", "soll … entstehen",
"vorgesehen") against reconciling or purely procedural text ("bleibt erhalten",
"ausgenommen", "wird gemeinsam mit … abgestimmt"). This module scores that with
a linear model over the words and word pairs of both passages together.

The model lives in ``models/conflicts/wording.json``: a vocabulary with one
inverse document frequency and one weight per entry. It is fitted on the
labelled pairs of ``benchmarks/data`` by ``benchmarks/bench_conflicts.py --fit
--write``; the vocabulary holds only words that *every* author of those files
used, so that no author's place names or turns of phrase are learnt.

A pair's representation is the sum of the two passages' word counts, with
sublinear term frequency, the idf and l2 normalisation (scikit-learn's
``TfidfTransformer(sublinear_tf=True)``). Because counts add up, each passage is
counted once and a pair costs one merge of two short arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import Sequence

import numpy as np

from insek_nlp.errors import KnowledgeBaseError
from insek_nlp.paths import models_dir

__all__ = ["WordingModel", "WordCounts", "default_wording", "load_wording", "WORDING_FILE"]

WORDING_FILE = "wording.json"
_HINT = "Die Datei wird von benchmarks/bench_conflicts.py --fit --write geschrieben; bitte neu erzeugen."


@dataclass(frozen=True, slots=True)
class WordCounts:
    """The vocabulary entries of one passage: sorted indices and their counts."""

    index: np.ndarray
    count: np.ndarray


class WordingModel:
    """A fitted bag-of-words model of conflict wording.

    Args:
        vocabulary: the words and word pairs (lower case, as scikit-learn's
            ``CountVectorizer`` tokenises them), in column order.
        idf: inverse document frequency per entry.
        coef: logistic weight per entry (already multiplied by ``scale``).
        ngram_range: the n-gram range the vocabulary was built with.
    """

    def __init__(self, vocabulary: list[str], idf: np.ndarray, coef: np.ndarray,
                 ngram_range: tuple[int, int] = (1, 2), *, source: str = "") -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        if not (len(vocabulary) == len(idf) == len(coef)):
            raise ValueError("vocabulary, idf and coef must have the same length")
        self.vocabulary = list(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.ngram_range = tuple(ngram_range)
        self.source = source
        self._vectorizer = CountVectorizer(vocabulary=self.vocabulary, ngram_range=self.ngram_range)

    def counts(self, text: str) -> WordCounts:
        """Count the vocabulary entries of one passage."""
        row = self._vectorizer.transform([text]).tocsr()
        order = np.argsort(row.indices)
        return WordCounts(row.indices[order].astype(np.int64), row.data[order].astype(np.float64))

    def count_matrix(self, texts: list[str]):
        """Counts of many passages as a sparse matrix (rows = texts)."""
        return self._vectorizer.transform(texts)

    def _weights(self, a: WordCounts, b: WordCounts) -> tuple[np.ndarray, np.ndarray]:
        idx = np.concatenate([a.index, b.index])
        cnt = np.concatenate([a.count, b.count])
        if not len(idx):
            return idx, cnt
        uniq, inverse = np.unique(idx, return_inverse=True)
        summed = np.zeros(len(uniq))
        np.add.at(summed, inverse, cnt)
        w = (1.0 + np.log(summed)) * self.idf[uniq]
        norm = np.sqrt(float(w @ w))
        return uniq, w / norm if norm else w

    def logit(self, a: WordCounts, b: WordCounts) -> float:
        """The wording's contribution to the pair's log-odds of a conflict."""
        idx, w = self._weights(a, b)
        return float(w @ self.coef[idx]) if len(idx) else 0.0

    def contributions(self, a: WordCounts, b: WordCounts, k: int = 4) -> tuple[list[str], list[str]]:
        """The k entries that speak most for a conflict, and the k that speak most against it."""
        idx, w = self._weights(a, b)
        if not len(idx):
            return [], []
        c = w * self.coef[idx]
        order = np.argsort(c, kind="stable")
        against = [self.vocabulary[idx[i]] for i in order[:k] if c[i] < 0]
        for_ = [self.vocabulary[idx[i]] for i in order[::-1][:k] if c[i] > 0]
        return for_, against

    def to_json(self, **meta) -> str:
        """The model as JSON (one vocabulary entry per line, so that changes read well in a diff)."""
        head = {"format": "insek-wording/1", **meta, "ngram_range": list(self.ngram_range)}
        lines = [json.dumps([w, round(float(i), 6), round(float(c), 6)], ensure_ascii=False)
                 for w, i, c in zip(self.vocabulary, self.idf, self.coef)]
        return json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "entries": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def load_wording(path: str | PathLike[str] | None = None) -> WordingModel:
    """Load a wording model (the bundled ``models/conflicts/wording.json`` by default).

    Raises:
        KnowledgeBaseError: the file is missing, not JSON, or breaks the format.
    """
    p = Path(path) if path is not None else models_dir() / "conflicts" / WORDING_FILE
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(f"Wortwahl-Modell nicht gefunden: {p}", hint=_HINT) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KnowledgeBaseError(f"Wortwahl-Modell {p}: kein gültiges JSON ({exc}).", hint=_HINT) from exc
    if not isinstance(doc, dict) or doc.get("format") != "insek-wording/1" or not isinstance(doc.get("entries"), list):
        raise KnowledgeBaseError(f"Wortwahl-Modell {p}: Format 'insek-wording/1' mit 'entries' erwartet.", hint=_HINT)
    vocab, idf, coef = [], [], []
    for n, e in enumerate(doc["entries"], 1):
        if not (isinstance(e, list) and len(e) == 3 and isinstance(e[0], str)
                and all(isinstance(x, (int, float)) for x in e[1:])):
            raise KnowledgeBaseError(f"Wortwahl-Modell {p}: Eintrag {n} ist nicht [Wort, idf, Gewicht].", hint=_HINT)
        vocab.append(e[0])
        idf.append(e[1])
        coef.append(e[2])
    if len(set(vocab)) != len(vocab):
        raise KnowledgeBaseError(f"Wortwahl-Modell {p}: Wörter kommen doppelt vor.", hint=_HINT)
    ngram = doc.get("ngram_range", [1, 2])
    return WordingModel(vocab, np.array(idf), np.array(coef), (int(ngram[0]), int(ngram[1])), source=str(p))


@lru_cache(maxsize=1)
def default_wording() -> WordingModel:
    """The bundled wording model (loaded once)."""
    return load_wording()


# Words of place names that are ordinary words too ("Mitte", "Süd", "Neustadt" keeps its place).
_GENERIC_PLACE_WORDS = frozenset("""
mitte nord süd ost west alt neu am an der die das den dem im in und bei vor auf von groß klein allee anger bezirk
center park siedlung stadt stadtbezirk stadtbezirke stadtbezirken stadtbezirks stadtbezirksbeirat ortsteil ortsteile
ortsteilen innenstadt stadtzentrum zentrum viertel vorstadt str straße norden osten süden westen nordost nordosten
nordwest nordwesten südost südosten südwest südwesten
""".split())


def place_words() -> frozenset[str]:
    """Lower-case words of Leipzig's Ortsteil and Stadtbezirk names and their variants ("eutritzscher")."""
    import re

    from insek_nlp.places.gazetteer import gazetteer_path

    doc = json.loads(gazetteer_path().read_text(encoding="utf-8"))
    names = [v["surface"] for v in doc["variants"]] + [o["name"] for o in doc["ortsteile"]] + [
        b["name"] for b in doc["stadtbezirke"]] + ["Leipzig", "Leipziger"]
    words = {w for n in names for w in re.findall(r"(?u)\b\w\w+\b", n.lower())}
    return frozenset(words - _GENERIC_PLACE_WORDS)


def site_words(texts: list[str]) -> frozenset[str]:
    """Lower-case words that occur in these texts only inside named sites ("Clara-Zetkin-Park" → clara,
    zetkin; "digitale" in a quoted project name stays, it is used elsewhere too)."""
    import re

    from insek_nlp.conflicts.detect import find_sites

    inside: set[str] = set()
    outside: set[str] = set()
    for t in texts:
        spans = sorted((a, b) for a, b, _ in find_sites(t).values())
        rest, last = [], 0
        for a, b in spans:
            inside.update(re.findall(r"(?u)\b\w\w+\b", t[a:b].lower()))
            rest.append(t[last:a])
            last = max(last, b)
        rest.append(t[last:])
        outside.update(re.findall(r"(?u)\b\w\w+\b", " ".join(rest).lower()))
    return frozenset(inside - outside - _GENERIC_PLACE_WORDS)


def shared_vocabulary(groups: list[list[str]], ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                      exclude: frozenset[str] | None = None) -> list[str]:
    """Entries that occur in at least ``min_df`` texts of *every* group (one group per author).

    Entries with digits or with a word of ``exclude`` (by default the words of
    Leipzig's place names: where two passages are is evidence of its own) are left out.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    exclude = place_words() if exclude is None else exclude
    shared: set[str] | None = None
    for texts in groups:
        words = set(CountVectorizer(ngram_range=ngram_range, min_df=min_df).fit(texts).vocabulary_)
        shared = words if shared is None else shared & words
    return sorted(w for w in (shared or ()) if not any(ch.isdigit() for ch in w)
                  and not any(part in exclude for part in w.split()))


def fit_pair_model(texts_a: list[str], texts_b: list[str], base: np.ndarray, y: np.ndarray, vocabulary: list[str], *,
                   ngram_range: tuple[int, int] = (1, 2), scale: float = 3.0, C: float = 1.0,
                   signs: Sequence[int] | None = None):
    """Fit the evidence weights and the wording model jointly (one L2-regularised logistic regression).

    ``base`` holds the detector's evidence features per pair; ``signs`` (one per
    column: +1, -1 or 0) keeps a weight non-negative or non-positive where
    planning logic says which way the evidence points (a shared site never speaks
    *against* a conflict, however the labelled pairs happen to be written).
    Returns the intercept, the evidence weights and the :class:`WordingModel`
    whose :meth:`~WordingModel.logit` adds the words' share with weight 1.
    """
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    vec = CountVectorizer(vocabulary=vocabulary, ngram_range=ngram_range)
    counts = vec.transform(texts_a) + vec.transform(texts_b)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    X = hstack([csr_matrix(base), tfidf.transform(counts) * scale]).tocsr()
    k, m = base.shape[1], X.shape[1]
    t = 2.0 * np.asarray(y, dtype=np.float64) - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:m], theta[m]
        margin = -t * (X @ w + b)
        grad_z = -t / (1.0 + np.exp(-margin))
        value = float(np.logaddexp(0.0, margin).sum() + 0.5 / C * (w @ w))
        return value, np.append(X.T @ grad_z + w / C, grad_z.sum())

    signs = list(signs) if signs is not None else [0] * k
    bounds = [(0.0, None) if sg > 0 else (None, 0.0) if sg < 0 else (None, None) for sg in signs]
    bounds += [(None, None)] * (m - k + 1)
    res = minimize(loss, np.zeros(m + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 10_000})
    w = res.x
    wording = WordingModel(vocabulary, tfidf.idf_, w[k:m] * scale, ngram_range)
    return float(w[m]), w[:k], wording
