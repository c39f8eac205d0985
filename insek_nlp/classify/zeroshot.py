"""Theme classification without labelled data: from the taxonomy alone.

Three signals per text and theme, all from the taxonomy file:

- **terms**: compound-aware matches of the theme's terms (evidence with
  character positions: "Klimaanpassungsmaßnahmen" counts for "Klimaanpassung");
- **description**: embedding similarity to the theme's label and the first
  sentence of its description (later sentences draw boundaries to other themes
  and would blur the signal);
- **examples**: embedding similarity to the theme's example passages.

The signals are combined into a raw score and turned into probabilities. With
``self_train`` the classifier then reads the unlabelled texts it is asked
about, takes the ones it is most confident about as pseudo-labels and trains
the supervised classifier on them (transductive self-training; the data's own
labels are never used), which adapts the themes to the wording of the data.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Sequence

import numpy as np

from insek_nlp.classify.taxonomy import Taxonomy
from insek_nlp.errors import InputError

log = logging.getLogger(__name__)

# Weights of the raw score. Set a priori from what each signal measures (cosine
# similarities of this embedder live in roughly [0.1, 0.7]; one matched term is
# strong evidence), not tuned on an evaluation set.
W_DESCRIPTION = 1.0
W_EXAMPLES = 1.0
W_TERMS = 0.12
TEMPERATURE = 0.05  # softmax temperature for single-label probabilities
# Multi-label (draft passages): a theme is likely when its semantic score stands
# out from the text's median over all themes by MULTI_OFFSET; a matched term of
# the theme lowers that bar by TERM_BONUS. On Fachkonzept-style passages the
# vocabulary is the more reliable signal, the embedding alone only decides when
# the passage is very clearly about the theme.
MULTI_OFFSET = 0.34
TERM_BONUS = 0.14
MULTI_SCALE = 0.03


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text.strip(), flags=re.S)
    return (m.group(1) if m else text).strip()


class ZeroShotClassifier:
    """Classify texts into the themes of a taxonomy without labelled examples.

    Args:
        taxonomy: the themes.
        embedder: an Embedder (``encode(texts) -> unit vectors``).
        multi_label: passages may have several themes (drafts); otherwise one.
        self_train: adapt to the data by self-training on confident texts.
        seed: random state.
    """

    def __init__(self, taxonomy: Taxonomy, *, embedder, multi_label: bool = False, self_train: bool = True,
                 seed: int = 0) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.multi_label = multi_label
        self.self_train = self_train
        self.seed = seed

    # ------------------------------------------------------------------ fit

    def fit(self, texts: Sequence[str] = (), *, vectors: np.ndarray | None = None) -> "ZeroShotClassifier":
        """Build theme prototypes; with ``self_train`` and texts, adapt to them."""
        from insek_nlp.text import TermMatcher

        themes = list(self.taxonomy)
        if not themes:
            raise InputError("Die Taxonomie enthält keine Themen.")
        self.classes_ = [t.id for t in themes]
        descriptions = [f"{t.label}. {_first_sentence(t.description or '')}".strip() for t in themes]
        examples = [(k, ex) for k, t in enumerate(themes) for ex in t.examples]
        proto = self.embedder.encode(descriptions + [ex for _, ex in examples])
        self.desc_vectors_ = proto[: len(themes)]
        self.example_vectors_ = proto[len(themes):]
        self.example_theme_ = np.array([k for k, _ in examples], dtype=int)
        # Terms: a term shared by several themes is weaker evidence for each.
        owners: dict[str, set[int]] = {}
        for k, t in enumerate(themes):
            for term in t.terms:
                owners.setdefault(term.casefold(), set()).add(k)
        self.term_owner_ = owners
        self.matcher_ = TermMatcher([term for t in themes for term in t.terms])
        self.student_ = None
        texts = list(texts)
        if self.self_train and len(texts) >= 10 * len(themes):
            self._self_train(texts, vectors)
        return self

    def _self_train(self, texts: list[str], vectors: np.ndarray | None) -> None:
        from insek_nlp.classify.supervised import SupervisedClassifier

        E = self._encode(texts, vectors)
        P = self._prior_proba(texts, E)
        k = len(self.classes_)
        chosen: list[int] = []
        labels: list[tuple[str, ...]] = []
        if self.multi_label:
            for i, row in enumerate(P):
                labs = tuple(self.classes_[j] for j in np.flatnonzero(row >= 0.5))
                if labs or row.max() < 0.2:
                    chosen.append(i)
                    labels.append(labs)
        else:
            top = P.argmax(1)
            conf = P.max(1)
            # Per theme, the most confident third of the texts assigned to it (at
            # least a few), so that small themes are represented too.
            for j in range(k):
                idx = np.flatnonzero(top == j)
                if len(idx) == 0:
                    continue
                keep = idx[np.argsort(-conf[idx], kind="stable")][: max(5, math.ceil(len(idx) / 3))]
                chosen.extend(int(i) for i in keep)
            chosen.sort()
            labels = [(self.classes_[int(top[i])],) for i in chosen]
        present = {lab for labs in labels for lab in labs}
        if len(present) < 2:
            log.info("self-training skipped: pseudo-labels cover fewer than two themes")
            return
        student = SupervisedClassifier(embedder=None, multi_label=self.multi_label, seed=self.seed)
        student.fit([texts[i] for i in chosen], labels, vectors=E[chosen])
        self.student_ = student
        log.info("self-trained on %d of %d texts", len(chosen), len(texts))

    # ------------------------------------------------------------------ scoring

    def _encode(self, texts: list[str], vectors: np.ndarray | None) -> np.ndarray:
        if vectors is not None:
            return np.asarray(vectors, dtype=np.float32)
        return self.embedder.encode(texts)

    def term_hits(self, text: str) -> dict[str, list]:
        """Matched terms per theme id, with character offsets into ``text``."""
        out: dict[str, list] = {}
        for m in self.matcher_.find(text, overlapping=True):
            for k in self.term_owner_.get(m.term.casefold(), ()):
                out.setdefault(self.classes_[k], []).append(m)
        return out

    def _signals(self, texts: Sequence[str], E: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Semantic score (description + examples) and term evidence per text and theme."""
        k = len(self.classes_)
        sim_desc = E @ self.desc_vectors_.T
        sim_ex = np.zeros((len(texts), k), dtype=np.float32)
        if len(self.example_vectors_):
            all_ex = E @ self.example_vectors_.T
            for j in range(k):
                cols = np.flatnonzero(self.example_theme_ == j)
                if len(cols):
                    top = np.sort(all_ex[:, cols], axis=1)[:, -2:]
                    sim_ex[:, j] = top.mean(axis=1)
        terms = np.zeros((len(texts), k), dtype=np.float32)
        for i, text in enumerate(texts):
            seen: dict[int, set[str]] = {}
            for m in self.matcher_.find(text, overlapping=True):
                for j in self.term_owner_.get(m.term.casefold(), ()):
                    seen.setdefault(j, set()).add(m.term.casefold())
            for j, found in seen.items():
                # Distinct terms, diminishing: the third term adds less than the first.
                terms[i, j] = math.log1p(sum(1.0 / len(self.term_owner_[t]) for t in found))
        return W_DESCRIPTION * sim_desc + W_EXAMPLES * sim_ex, terms

    def raw_scores(self, texts: Sequence[str], E: np.ndarray) -> np.ndarray:
        """The combined raw score per text and theme (before calibration)."""
        semantic, terms = self._signals(texts, E)
        return semantic + W_TERMS * terms

    def _prior_proba(self, texts: list[str], E: np.ndarray) -> np.ndarray:
        semantic, terms = self._signals(texts, E)
        if not self.multi_label:
            z = (semantic + W_TERMS * terms) / TEMPERATURE
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            return p / p.sum(axis=1, keepdims=True)
        centred = semantic - np.median(semantic, axis=1, keepdims=True)
        margin = centred + TERM_BONUS * (terms > 0) - MULTI_OFFSET
        return 1.0 / (1.0 + np.exp(-margin / MULTI_SCALE))

    def predict_proba(self, texts: Sequence[str], *, vectors: np.ndarray | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        E = self._encode(texts, vectors)
        prior = self._prior_proba(texts, E)
        if self.student_ is None:
            return prior
        student = np.zeros_like(prior)
        sp = self.student_.predict_proba(texts, vectors=E)
        for j, c in enumerate(self.student_.classes_):
            student[:, self.classes_.index(c)] = sp[:, j]
        return 0.5 * prior + 0.5 * student
