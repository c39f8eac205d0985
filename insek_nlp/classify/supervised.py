"""Theme classification learned from reviewer labels.

Lexical and semantic features complement each other on German participation
text (DESIGN: character TF-IDF alone 0.69 macro-F1 on the Bonn data, sentence
embeddings alone 0.64, both 0.70). The classifier is a small stacked ensemble:

* features: character 2–5-grams and word 1–2-grams of the whole text, plus
  character n-grams of its first line at half weight (participation comments
  usually start with a title that names the topic);
* base models, one score per label each: a linear SVM on the TF-IDF features,
  an NB-SVM (the same features scaled by per-label log-count ratios, Wang &
  Manning 2012; strong for rare labels), and a logistic regression on sentence
  embeddings when vectors are available;
* a combiner fitted on out-of-fold scores of the base models (inner
  cross-validation on the training data only): for one label per text a
  conditional logit (one weight per base model, one bias per label); for
  several labels per text a logistic regression per label and a per-label
  threshold that maximises F1 on the combiner's own out-of-fold probabilities.

One label per text: the probabilities use a partly balanced class prior (each
is multiplied by ``(n / (k·n_c))**balance`` and renormalised), so rare themes
are not drowned by frequent ones; ``balance="auto"`` picks the exponent on the
inner folds by the mean of macro- and micro-F1.

Measured with 5-fold CV (macro-F1 / micro-F1, USE vectors): Bonn cycling
dialogue (8 classes) 0.734 / 0.779, FreiRaum Ottensen (12 labels) 0.655 / 0.879;
the earlier late fusion of SVM and embedding model reached 0.717 / 0.752 and
0.633 / 0.857. A fit on 2,300 texts takes about 13 s on two shared cores.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from insek_nlp.errors import InputError

log = logging.getLogger(__name__)

# Fewer training texts than this (one label per text: also fewer than 10 per
# class): fixed combiner weights instead of weights fitted on inner CV, which
# measured worse there (Bonn, 8 classes, 30 / 60 training texts: macro-F1
# 0.08 / 0.24 fitted vs 0.25 / 0.41 fixed).
_MIN_STACK = 20
_MIN_STACK_PER_CLASS = 10
_MIN_POSITIVES = 3  # a label needs this many examples for a learned model of its own
_BALANCE_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
# Combiner weights (svm, nbsvm, embedding) when there is too little data to fit them;
# the order of magnitude the fitted weights take on real data.
_DEFAULT_WEIGHTS = (1.0, 1.5, 0.3)
# Precision of the Gaussian prior that pulls fitted combiner weights towards
# those defaults; a few hundred texts outweigh it.
_PRIOR_STRENGTH = 1.0
_TITLE_WEIGHT = 0.5
# The per-label combiner has one weight per base model: practically no penalty
# (it only keeps the weights finite when the scores separate the texts).
_COMBINER_C = 1e4
_NEAR_DUPLICATE = 0.8  # TF-IDF cosine above which a text counts as a copy of a rare label's example


@dataclass(frozen=True, slots=True)
class Prediction:
    """Scores of one text: label → probability, and the chosen labels."""

    scores: dict[str, float]
    labels: tuple[str, ...]


# ---------------------------------------------------------------------- features


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


class _Features:
    """TF-IDF of the text (char + word n-grams) and of its first line (char n-grams)."""

    def fit_transform(self, texts: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = 2 if len(texts) >= 50 else 1
        common = dict(sublinear_tf=True, dtype=np.float32, min_df=min_df)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=300_000, **common)
        self.word_ = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w[\w-]+\b", **common)
        self.title_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
        try:
            blocks = [self.char_.fit_transform(texts)]
        except ValueError:
            raise InputError("Die Texte sind leer; aus ihnen lässt sich nichts lernen.",
                             hint="Bitte die Textspalte prüfen.") from None
        self.word_ = self._fit_or_none(self.word_, texts, blocks, 1.0)
        self.title_ = self._fit_or_none(self.title_, [_first_line(t) for t in texts], blocks, _TITLE_WEIGHT)
        return self._stack(blocks)

    @staticmethod
    def _fit_or_none(vectorizer, texts, blocks, weight):
        try:
            blocks.append(vectorizer.fit_transform(texts) * weight)
        except ValueError:  # empty vocabulary (e.g. only one-letter words)
            return None
        return vectorizer

    @staticmethod
    def _stack(blocks):
        from scipy.sparse import hstack

        # float64 in canonical form: what liblinear works on; otherwise every one
        # of the many SVM fits converts and re-sorts its own copy.
        X = hstack(blocks, format="csr", dtype=np.float64)
        X.sum_duplicates()
        return X

    def transform(self, texts: list[str]):
        blocks = [self.char_.transform(texts)]
        if self.word_ is not None:
            blocks.append(self.word_.transform(texts))
        if self.title_ is not None:
            blocks.append(self.title_.transform([_first_line(t) for t in texts]) * _TITLE_WEIGHT)
        return self._stack(blocks)


def _normalise_rows(X):
    from sklearn.preprocessing import normalize

    return normalize(X, norm="l2", copy=True)


# ------------------------------------------------------------------ base models


def _scale_columns(X, r: np.ndarray):
    """``X @ diag(r)`` for a CSR matrix, without the index sort a sparse product costs."""
    out = X.copy()
    out.data *= r[out.indices].astype(out.dtype)
    return out


def _log_count_ratio(X, y: np.ndarray) -> np.ndarray:
    """NB log-count ratio of binary feature presence, positive vs. negative texts."""
    B = X.copy()
    B.data[:] = 1.0
    p = 1.0 + np.asarray(B[y == 1].sum(axis=0)).ravel()
    q = 1.0 + np.asarray(B[y == 0].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


class _BaseModels:
    """The base models for a set of binary or multi-class targets.

    ``Y`` is an (n, k) 0/1 matrix; ``single`` says whether each row has exactly
    one 1 (then the embedding model is multinomial). ``scores`` returns one
    (n, k) array per base model: SVM margins, NB-SVM margins, and embedding
    log-probabilities (single) or logits (multi-label). Columns whose label has
    no positive (or no negative) training example get a constant score.
    """

    def __init__(self, C: float, nb_C: float, emb_C: float, seed: int) -> None:
        self.C, self.nb_C, self.emb_C, self.seed = C, nb_C, emb_C, seed

    def _svm(self, C):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=C, class_weight="balanced", random_state=self.seed)

    def fit(self, X, E, Y: np.ndarray, single: bool) -> "_BaseModels":
        from sklearn.linear_model import LogisticRegression

        self.k_ = Y.shape[1]
        self.single_ = single
        self.svm_, self.nb_ = [], []
        for j in range(self.k_):
            y = Y[:, j]
            if y.min() == y.max():
                self.svm_.append(None)
                self.nb_.append(None)
                continue
            self.svm_.append(self._svm(self.C).fit(X, y))
            r = _log_count_ratio(X, y)
            self.nb_.append((r, self._svm(self.nb_C).fit(_scale_columns(X, r), y)))
        self.emb_ = None
        self.with_emb_ = E is not None
        if E is not None:
            if single:
                y = Y.argmax(axis=1)
                if len(np.unique(y)) >= 2:
                    self.emb_ = LogisticRegression(C=self.emb_C, max_iter=3000).fit(E, y)
            else:
                self.emb_ = [LogisticRegression(C=self.emb_C, max_iter=3000).fit(E, Y[:, j])
                             if Y[:, j].min() != Y[:, j].max() else None for j in range(self.k_)]
        return self

    def scores(self, X, E) -> list[np.ndarray]:
        n = X.shape[0]
        svm = np.full((n, self.k_), -3.0)
        nb = np.full((n, self.k_), -3.0)
        for j in range(self.k_):
            if self.svm_[j] is not None:
                svm[:, j] = self.svm_[j].decision_function(X)
                r, model = self.nb_[j]
                nb[:, j] = model.decision_function(_scale_columns(X, r))
        out = [svm, nb]
        if self.with_emb_:
            if self.single_:
                emb = np.full((n, self.k_), np.log(1e-4))
                if self.emb_ is None:  # one class only: no evidence either way
                    emb[:] = 0.0
                else:
                    emb[:, self.emb_.classes_] = self.emb_.predict_log_proba(E)
            else:
                emb = np.full((n, self.k_), -6.0)
                for j, m in enumerate(self.emb_):
                    if m is not None:
                        emb[:, j] = m.decision_function(E)
            out.append(emb)
        return out


# --------------------------------------------------------------------- combiners


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_conditional_logit(Z: np.ndarray, y: np.ndarray, k: int, prior: np.ndarray,
                           strength: float = _PRIOR_STRENGTH) -> tuple[np.ndarray, np.ndarray]:
    """Weights a (one per base model) and biases b (one per class) of softmax(Σ a_m Z_m + b).

    ``Z`` has shape (models, n, k). Maximum a posteriori with a Gaussian prior
    on the weights around ``prior`` (``strength`` is its precision; a few hundred
    texts outweigh it, a few dozen do not) and a faint one on the biases (keeps
    those of classes absent from ``y`` finite). Weights are non-negative: every
    base score is evidence *for* a class, and a negative weight would only fit
    the collinearity of the scores.
    """
    from scipy.optimize import minimize

    m, n = Z.shape[0], len(y)
    rows = np.arange(n)
    centre = np.concatenate([prior, np.zeros(k)])
    precision = np.concatenate([np.full(m, strength), np.full(k, 1e-2)])

    def loss(theta):
        a, b = theta[:m], theta[m:]
        P = _softmax(np.tensordot(a, Z, axes=1) + b)
        nll = -np.sum(np.log(P[rows, y] + 1e-12))
        G = P
        G[rows, y] -= 1.0
        grad = np.concatenate([[(G * Z[i]).sum() for i in range(m)], G.sum(axis=0)])
        d = theta - centre
        return (nll + precision @ (d * d)) / n, (grad + 2 * precision * d) / n

    bounds = [(0.0, None)] * m + [(None, None)] * k
    res = minimize(loss, centre, jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:m], res.x[m:]


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold that maximises F1 of ``p >= t`` (0.5 when nothing beats F1 = 0)."""
    best_f, best_t = 0.0, 0.5
    n_pos = float(y.sum())
    for t in np.arange(0.05, 0.9, 0.025):
        pred = p >= t
        denom = pred.sum() + n_pos
        f = 2.0 * float((pred & (y == 1)).sum()) / denom if denom else 0.0
        if f > best_f + 1e-9:
            best_f, best_t = f, float(t)
    return best_t


def _macro_micro(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Mean of macro-F1 (over classes present in y or pred) and accuracy (= micro-F1)."""
    f1 = []
    for c in range(k):
        tp = np.sum((pred == c) & (y == c))
        denom = np.sum(pred == c) + np.sum(y == c)
        if denom:
            f1.append(2.0 * tp / denom)
    return 0.5 * (float(np.mean(f1)) + float(np.mean(pred == y)))


# -------------------------------------------------------------------- classifier


class SupervisedClassifier:
    """Multi-class or multi-label text classifier from labelled examples.

    Args:
        embedder: an :class:`~insek_nlp.embed.Embedder`, or ``None`` for
            TF-IDF only (vectors passed to ``fit``/``predict`` are still used).
        multi_label: one binary decision per label instead of one label per text.
        C: regularisation of the TF-IDF SVM.
        nb_C: regularisation of the NB-SVM.
        embedding_C: regularisation of the logistic regression on embeddings.
        balance: one label per text only: exponent of the class-prior
            correction (0 = trust the data's class frequencies, best accuracy;
            1 = all classes equally likely, best macro-F1), or ``"auto"`` to
            choose it on the inner folds.
        inner_folds: folds of the inner cross-validation that fits the combiner.
        seed: random state for everything that draws.
    """

    def __init__(self, *, embedder=None, multi_label: bool = False, C: float = 0.3, nb_C: float = 0.1,
                 embedding_C: float = 16.0, balance: float | Literal["auto"] = "auto", inner_folds: int = 5,
                 seed: int = 0) -> None:
        self.embedder = embedder
        self.multi_label = multi_label
        self.C = C
        self.nb_C = nb_C
        self.embedding_C = embedding_C
        self.balance = balance
        self.inner_folds = inner_folds
        self.seed = seed

    # ------------------------------------------------------------------ fitting

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]], *, vectors: np.ndarray | None = None
            ) -> "SupervisedClassifier":
        """Learn from texts and their label sets.

        ``vectors`` may pass precomputed embeddings (row-aligned with texts).

        Raises:
            InputError: no texts, texts and labels of different length, or
                (one label per text) fewer than two distinct labels.
        """
        texts = [str(t) for t in texts]
        labels = [tuple(labs) for labs in labels]
        if len(texts) != len(labels):
            raise InputError("Texte und Labels haben unterschiedlich viele Einträge.")
        if not texts:
            raise InputError("Zum Lernen werden gelabelte Beispiele gebraucht; es gibt keine.")
        self.classes_ = sorted({lab for labs in labels for lab in labs})
        if not self.multi_label:
            keep = [i for i, labs in enumerate(labels) if labs]
            texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
            if vectors is not None:
                vectors = np.asarray(vectors)[keep]
        if len(self.classes_) < (1 if self.multi_label else 2):
            raise InputError(
                f"Zum Lernen werden mindestens zwei verschiedene Labels gebraucht; gefunden: {self.classes_}.",
                hint="Bitte Beispiele für weitere Themen labeln.",
            )
        E = self._vectors(texts, vectors)
        if E is not None and len(E) != len(texts):
            raise InputError("Vektoren und Texte haben unterschiedlich viele Zeilen.")
        from threadpoolctl import threadpool_limits

        # The models are small: multi-threaded BLAS only adds overhead here (a
        # 10× slower fit was measured on a busy 2-core machine).
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit(texts, labels, E)
        return self

    def _fit(self, texts: list[str], labels: list[tuple[str, ...]], E: np.ndarray | None) -> None:
        Y = self._binarise(labels)
        self.features_ = _Features()
        X = self.features_.fit_transform(texts)
        self.uses_embeddings_ = E is not None
        self.base_ = _BaseModels(self.C, self.nb_C, self.embedding_C, self.seed).fit(X, E, Y, not self.multi_label)
        oof = self._inner_scores(X, E, Y)
        if self.multi_label:
            self._fit_multi_label_combiner(oof, Y, X)
            self.balance_ = None
        else:
            self.thresholds_ = None
            self._fit_single_label_combiner(oof, Y.argmax(axis=1))

    def _binarise(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.classes_)}
        Y = np.zeros((len(labels), len(self.classes_)), dtype=np.int8)
        for i, labs in enumerate(labels):
            for lab in labs:
                if lab in index:
                    Y[i, index[lab]] = 1
        if not self.multi_label:  # first label wins when a single-label row carries several
            first = np.array([index[labs[0]] for labs in labels])
            Y[:] = 0
            Y[np.arange(len(labels)), first] = 1
        return Y

    def _vectors(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray | None:
        if vectors is not None:
            return np.asarray(vectors, dtype=np.float32)
        if self.embedder is None:
            return None
        return np.asarray(self.embedder.encode(texts), dtype=np.float32)

    def _inner_folds(self, Y: np.ndarray):
        from sklearn.model_selection import KFold, StratifiedKFold

        n = Y.shape[0]
        if n < _MIN_STACK or (not self.multi_label and n < _MIN_STACK_PER_CLASS * Y.shape[1]):
            return []
        if self.multi_label:
            return list(KFold(min(self.inner_folds, n), shuffle=True, random_state=self.seed).split(np.zeros(n)))
        y = Y.argmax(axis=1)
        counts = np.bincount(y)
        splits = int(min(self.inner_folds, max(2, counts[counts > 0].min())))
        if counts[counts > 0].min() < splits:  # stratification impossible for the rarest class: plain folds
            return list(KFold(splits, shuffle=True, random_state=self.seed).split(np.zeros(n)))
        return list(StratifiedKFold(splits, shuffle=True, random_state=self.seed).split(np.zeros(n), y))

    def _inner_scores(self, X, E, Y: np.ndarray) -> list[np.ndarray] | None:
        """Out-of-fold base-model scores on the training data (None: too little data).

        The TF-IDF vocabulary is the one fitted on all training texts: it uses no
        labels, and refitting it per fold would double the training time.
        """
        folds = self._inner_folds(Y)
        if not folds:
            return None
        oof = None
        for tr, te in folds:
            base = _BaseModels(self.C, self.nb_C, self.embedding_C, self.seed)
            base.fit(X[tr], None if E is None else E[tr], Y[tr], not self.multi_label)
            scores = base.scores(X[te], None if E is None else E[te])
            if oof is None:
                oof = [np.zeros((Y.shape[0], Y.shape[1])) for _ in scores]
            for o, s in zip(oof, scores):
                o[te] = s
        return oof

    def _fit_single_label_combiner(self, oof: list[np.ndarray] | None, y: np.ndarray) -> None:
        k = len(self.classes_)
        counts = np.bincount(y, minlength=k).astype(float)
        # Balanced class weight n/(k·n_c); classes without examples get the largest weight seen.
        w = np.where(counts > 0, len(y) / (k * np.maximum(counts, 1)), 0.0)
        w[counts == 0] = w.max()
        self.log_class_weight_ = np.log(w)
        if oof is None:
            m = 3 if self.uses_embeddings_ else 2
            self.weights_ = np.array(_DEFAULT_WEIGHTS[:m])
            self.biases_ = np.zeros(k)
            self.balance_ = 0.5 if self.balance == "auto" else float(self.balance)
            return
        Z = np.stack(oof)
        prior = np.array(_DEFAULT_WEIGHTS[: Z.shape[0]])
        self.weights_, self.biases_ = _fit_conditional_logit(Z, y, k, prior)
        if self.balance != "auto":
            self.balance_ = float(self.balance)
            return
        # Out-of-fold combiner logits (the combiner is cheap to refit), then the
        # prior-correction exponent with the best mean of macro- and micro-F1.
        from sklearn.model_selection import StratifiedKFold

        present = counts[counts > 0]
        if present.min() < 2:  # a class with one example cannot be split: the middle way
            self.balance_ = 0.5
            return
        n_splits = int(min(5, present.min()))
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.seed).split(np.zeros(len(y)), y)
        logits = np.zeros((len(y), k))
        for tr, te in folds:
            a, b = _fit_conditional_logit(Z[:, tr], y[tr], k, prior)
            logits[te] = np.tensordot(a, Z[:, te], axes=1) + b
        best = max(_BALANCE_GRID, key=lambda p: (_macro_micro(y, (logits + p * self.log_class_weight_).argmax(1), k),
                                                 -abs(p - 0.5)))
        self.balance_ = float(best)
        log.debug("combiner weights %s, balance %.2f", np.round(self.weights_, 3), self.balance_)

    def _fit_multi_label_combiner(self, oof: list[np.ndarray] | None, Y: np.ndarray, X) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        k = Y.shape[1]
        self.combiners_: list = []
        self.thresholds_ = np.full(k, 0.5)
        self.rare_: dict[int, object] = {}
        for j in range(k):
            y = Y[:, j].astype(int)
            n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
            if n_pos == 0 or n_neg == 0:
                self.combiners_.append(("constant", float(n_pos > 0)))
                continue
            if n_pos < _MIN_POSITIVES or oof is None:
                if n_pos < _MIN_POSITIVES and oof is not None:
                    # Too few examples to learn a rule: a text counts only if it nearly
                    # repeats one of them.
                    self.rare_[j] = _normalise_rows(X[y == 1])
                    self.combiners_.append(("rare", None))
                    self.thresholds_[j] = _NEAR_DUPLICATE
                    continue
                self.combiners_.append(("fixed", None))
                continue
            Zj = np.stack([s[:, j] for s in oof], axis=1)
            model = LogisticRegression(C=_COMBINER_C, max_iter=1000).fit(Zj, y)
            self.combiners_.append(("model", model))
            n_splits = min(3, n_pos, n_neg)
            p = np.zeros(len(y))
            for tr, te in StratifiedKFold(n_splits, shuffle=True, random_state=self.seed).split(Zj, y):
                p[te] = LogisticRegression(C=_COMBINER_C, max_iter=1000).fit(
                    Zj[tr], y[tr]).predict_proba(Zj[te])[:, 1]
            self.thresholds_[j] = _best_threshold(p, y)

    # ------------------------------------------------------------------ scoring

    def predict_proba(self, texts: Sequence[str], *, vectors: np.ndarray | None = None) -> np.ndarray:
        """Scores, shape (n, n_labels), columns in ``classes_`` order.

        One label per text: class probabilities of the stacked model under the
        partly balanced prior (rows sum to 1; the argmax is the prediction).
        Several labels: one probability per label, compared with ``thresholds_``.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        X = self.features_.transform(texts)
        E = self._vectors(texts, vectors) if self.uses_embeddings_ else None
        if self.uses_embeddings_ and E is None:
            raise InputError("Das Modell wurde mit Satzvektoren gelernt; für die Vorhersage fehlen sie.",
                             hint="Bitte denselben Embedder oder vorberechnete Vektoren übergeben.")
        scores = self.base_.scores(X, E)
        if not self.multi_label:
            L = np.tensordot(self.weights_, np.stack(scores), axes=1) + self.biases_
            return _softmax(L + self.balance_ * self.log_class_weight_)
        P = np.zeros((len(texts), len(self.classes_)))
        for j, (kind, model) in enumerate(self.combiners_):
            if kind == "constant":
                P[:, j] = model
            elif kind == "model":
                P[:, j] = model.predict_proba(np.stack([s[:, j] for s in scores], axis=1))[:, 1]
            elif kind == "rare":
                P[:, j] = np.clip((_normalise_rows(X) @ self.rare_[j].T).toarray().max(axis=1), 0.0, 1.0)
            else:  # little data: fixed weights on the base scores
                z = sum(w * s[:, j] for w, s in zip(_DEFAULT_WEIGHTS, scores))
                P[:, j] = 1.0 / (1.0 + np.exp(-z))
        return P

    def predict(self, texts: Sequence[str], *, vectors: np.ndarray | None = None) -> list[Prediction]:
        """The chosen label(s) and all label scores of each text."""
        P = self.predict_proba(texts, vectors=vectors)
        out = []
        for row in P:
            scores = {c: float(round(s, 6)) for c, s in zip(self.classes_, row)}
            if self.multi_label:
                chosen = tuple(c for c, s, t in zip(self.classes_, row, self.thresholds_) if s >= t)
            else:
                chosen = (self.classes_[int(np.argmax(row))],)
            out.append(Prediction(scores, chosen))
        return out
