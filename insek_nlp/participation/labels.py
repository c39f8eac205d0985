"""Readable German labels for concerns: key phrases and a representative title.

Key phrases are lemmas, heads of compounds and two-word phrases
("Godesberger Allee") ranked by class-based TF-IDF (c-TF-IDF, as in BERTopic):
how typical a term is for one concern against all others. Stop words, numbers
and tokens that are not alphabetic never become a key term. The title is the
title (or the first line) of the comment closest to the concern's centre.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from insek_nlp.participation.clustering import UNASSIGNED, UNASSIGNED_LABEL

log = logging.getLogger(__name__)

_MIN_LEN = 3
_TITLE_LEN = 90
# Filler words of comments that the general stop list lets through.
_LABEL_STOP = frozenset({"siehe", "bitte", "leider", "handeln", "halten", "wäre", "sollte", "gerne", "eigentlich",
                         "danke", "hallo", "bzw", "usw", "etc"})
_WORDLIKE = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")


@dataclass(frozen=True, slots=True)
class ClusterLabel:
    """The label of one concern.

    Attributes:
        key_terms: Key phrases, most typical first (never stop words).
        title: Title of the most representative comment (or its first line).
        representative_index: Index (into the texts) of that comment; -1 if none.
    """

    key_terms: tuple[str, ...]
    title: str
    representative_index: int

    @property
    def text(self) -> str:
        """One line for tables: "Radweg · Godesberger Allee · schmal – „Titel“"."""
        terms = " · ".join(self.key_terms)
        if self.title and terms:
            return f"{terms} – „{self.title}“"
        return terms or self.title


def cluster_labels(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    vectors: np.ndarray | None = None,
    top_n: int = 4,
    terms: Sequence[Sequence[tuple[str, str]]] | None = None,
) -> dict[int, ClusterLabel]:
    """Labels of every concern in ``labels`` (``-1`` gets "nicht zugeordnet").

    Args:
        texts: The clustered texts.
        labels: Concern per text, as ``ConcernClusterer.labels_`` (or ``sub_labels_``
            of one concern's texts).
        titles: Comment titles, row-aligned; the first line of the text otherwise.
        vectors: Sentence embeddings, row-aligned; used to find the comment
            closest to the centre. Without them the comment sharing most key
            terms represents the concern.
        top_n: Key phrases per concern.
        terms: The texts' candidate terms from :func:`label_terms`, row-aligned;
            computed here when not given. Lemmatising is the costly part of
            labelling, so callers that label the same texts twice (main
            concerns, then the sub-concerns of each) compute them once.
    """
    labels = np.asarray(labels, dtype=int)
    if len(labels) != len(texts):
        from insek_nlp.errors import InputError

        raise InputError(f"{len(texts)} Texte, aber {len(labels)} Cluster-Nummern.",
                         hint="Bitte für jeden Text genau eine Cluster-Nummer übergeben.")
    if titles is not None and len(titles) != len(texts):
        titles = None
    ids = sorted(set(labels.tolist()))
    if not ids:
        return {}
    if terms is not None and len(terms) != len(texts):
        terms = None
    doc_terms = label_terms(texts) if terms is None else terms
    key_terms = _ctfidf_terms(doc_terms, labels, [c for c in ids if c != UNASSIGNED], top_n)
    out: dict[int, ClusterLabel] = {}
    for c in ids:
        idx = np.flatnonzero(labels == c)
        if c == UNASSIGNED:
            out[c] = ClusterLabel((), UNASSIGNED_LABEL, -1)
            continue
        key = key_terms.get(c, ())
        rep = _representative(idx, vectors, doc_terms, key)
        out[c] = ClusterLabel(key, _title(texts[rep], titles[rep] if titles is not None else None), int(rep))
    return out


def is_label_term(term: str) -> bool:
    """Whether a term may appear in a label: every word alphabetic, long enough, no stop word."""
    from insek_nlp.text import is_stopword

    words = term.split()
    if not words or is_stopword(term):
        return False
    return all(_WORDLIKE.match(w) and len(w) >= _MIN_LEN and not is_stopword(w) and w.casefold() not in _LABEL_STOP
               for w in words)


# -- internals ----------------------------------------------------------------

@lru_cache(maxsize=200_000)
def _term_ok(term: str) -> bool:
    return is_label_term(term)


def label_terms(texts: Sequence[str]) -> list[list[tuple[str, str]]]:
    """Candidate label terms per text: (key, display) of each content lemma, compound head and adjacent pair.

    Identical texts (copy-paste campaigns) are lemmatised once and share one list.
    """
    from insek_nlp.text import is_stopword
    from insek_nlp.text.pipeline import _is_alpha, german_pipeline

    texts = [t or "" for t in texts]
    unique = list(dict.fromkeys(texts))
    nlp = german_pipeline()
    # Lemmas are per token: sentence boundaries are not needed here (same lemmas, about half the time).
    skip = [name for name in ("sentencizer", "insek_sentence_fixes") if name in nlp.pipe_names]
    out: list[list[tuple[str, str]]] = []
    for doc in nlp.pipe(unique, batch_size=256, disable=skip):
        items: list[tuple[str, str]] = []
        prev: tuple[str, str] | None = None
        for tok in doc:
            if tok.is_space:
                continue
            text = tok.text
            lemma = tok.lemma_ or text
            if not (_is_alpha(text) and not (is_stopword(text) or is_stopword(lemma)) and _term_ok(lemma)
                    and _term_ok(text)):
                prev = None
                continue
            key = lemma.casefold()
            items.append((key, lemma if lemma[:1].isupper() == text[:1].isupper() else text))
            items.append(("=" + key, text))  # surface forms, to check the lemma is a real word
            if prev is not None:
                items.append((prev[0] + " " + key, prev[1] + " " + text))
            prev = (key, text)
        out.append(items)
    if len(unique) == len(texts):
        return out
    row = {t: i for i, t in enumerate(unique)}
    return [out[row[t]] for t in texts]


def _ctfidf_terms(doc_terms, labels: np.ndarray, clusters: list[int], top_n: int) -> dict[int, tuple[str, ...]]:
    counts: dict[int, Counter] = {c: Counter() for c in clusters}
    docfreq: dict[int, Counter] = {c: Counter() for c in clusters}
    shows: dict[str, Counter] = defaultdict(Counter)
    total = Counter()
    for items, c in zip(doc_terms, labels.tolist()):
        if c not in counts:
            continue
        for key, disp in items:
            counts[c][key] += 1
            shows[key][disp] += 1
            total[key] += 1
        docfreq[c].update({k for k, _ in items})
    if not clusters:
        return {}
    n_docs = sum(1 for c in labels.tolist() if c in counts)
    df_all = Counter()
    for c in clusters:
        df_all.update(docfreq[c])
    out: dict[int, tuple[str, ...]] = {}
    for c in clusters:
        size = int((labels == c).sum())
        min_df = 2 if size >= 6 else 1
        scored = []
        for key, df in docfreq[c].items():
            if df < min_df or key.startswith("="):
                continue
            share = df / size
            if len(clusters) == 1:
                # one concern only (a single comment, one campaign): nothing to contrast, the commonest terms
                score = share * (1.15 if " " in key else 1.0)
                scored.append((score, key))
                continue
            lift = share / (df_all[key] / n_docs)
            if lift <= 1.0:
                continue
            # typical for the concern (share of its comments) and specific to it (lift)
            score = share * math.log(lift) * (1.15 if " " in key else 1.0)
            scored.append((score, key))
        scored.sort(key=lambda s: (-s[0], s[1]))
        chosen: list[str] = []
        for _, key in scored:
            if any(_overlaps(key, k) for k in chosen):
                continue
            chosen.append(key)
            if len(chosen) >= top_n:
                break
        out[c] = tuple(_display(k, shows) for k in chosen)
    return out


def _overlaps(a: str, b: str) -> bool:
    """Same words, one phrase inside the other, or one word part of the other ("Schlagloch", "Loch")."""
    wa, wb = a.split(), b.split()
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    return any(x.endswith(y) or y.endswith(x) or (min(len(x), len(y)) >= 5 and (x.startswith(y) or y.startswith(x)))
               for x in wa for y in wb)


def _display(key: str, shows: dict[str, Counter]) -> str:
    if " " in key:
        return shows[key].most_common(1)[0][0]
    lemma = shows[key].most_common(1)[0][0]
    surface = shows.get("=" + key)
    # lookup lemmas are sometimes wrong ("Streifen" → "Streife"): show the lemma
    # only when people write it that way, else the commonest written form.
    if surface and lemma not in surface:
        return surface.most_common(1)[0][0]
    return lemma


def _representative(idx: np.ndarray, vectors, doc_terms, key_terms: tuple[str, ...]) -> int:
    if vectors is not None and len(vectors):
        V = np.asarray(vectors, dtype=np.float64)[idx]
        norms = np.linalg.norm(V, axis=1, keepdims=True)
        V = V / np.where(norms > 0, norms, 1.0)
        centre = V.mean(axis=0)
        sims = V @ centre
        return int(idx[int(np.argmax(np.round(sims, 9)))])
    keys = {k.casefold() for k in key_terms}
    hits = [len(keys & {k for k, _ in doc_terms[i]}) for i in idx]
    return int(idx[int(np.argmax(hits))])


def _title(text: str, title: str | None) -> str:
    t = (title or "").strip()
    if not t:
        t = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    t = " ".join(t.split())
    if len(t) > _TITLE_LEN:
        cut = t[:_TITLE_LEN].rsplit(" ", 1)[0]
        t = cut + " …"
    return t


__all__ = ["ClusterLabel", "cluster_labels", "is_label_term", "label_terms"]
