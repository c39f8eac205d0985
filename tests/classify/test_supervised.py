"""Supervised theme classification from labelled examples (stacked TF-IDF + embedding models)."""

from __future__ import annotations

import numpy as np
import pytest

from insek_nlp.classify.supervised import Prediction, SupervisedClassifier
from insek_nlp.embed import HashingEmbedder
from insek_nlp.errors import InputError

_VERKEHR = [
    "Der Radweg an der {ort} ist viel zu schmal.",
    "An der {ort} fehlt eine sichere Radspur.",
    "Die Ampel an der {ort} schaltet für Radfahrer zu spät.",
    "Autos parken ständig auf dem Radweg in der {ort}.",
    "Die Straßenbahn in der {ort} fährt zu selten.",
]
_GRUEN = [
    "Im Park an der {ort} fehlen Bänke und Schatten.",
    "Mehr Bäume für die {ort}, bitte.",
    "Die Grünfläche an der {ort} verwildert.",
    "Der Spielplatz in der {ort} braucht Bäume.",
    "Die Wiese an der {ort} sollte ein Park werden.",
]
_ORTE = ["Hauptstraße", "Bahnhofstraße", "Marktstraße", "Schulstraße", "Gartenstraße"]


def _texts(templates: list[str]) -> list[str]:
    return [t.format(ort=o) for t in templates for o in _ORTE]


VERKEHR, GRUEN = _texts(_VERKEHR), _texts(_GRUEN)  # 25 each
TEXTS = VERKEHR + GRUEN
LABELS = [("verkehr",)] * len(VERKEHR) + [("gruen",)] * len(GRUEN)
NEW_VERKEHR = "Der Radweg am Bahnhof ist gefährlich schmal, Radfahrer brauchen eine Radspur."
NEW_GRUEN = "Der Park braucht mehr Bäume, Bänke und Schatten."


@pytest.fixture(scope="module")
def single() -> SupervisedClassifier:
    return SupervisedClassifier(seed=0).fit(TEXTS, LABELS)


@pytest.fixture(scope="module")
def multi() -> SupervisedClassifier:
    both = [f"{v} {g}" for v, g in zip(VERKEHR[:10], GRUEN[:10])]
    texts = TEXTS + both
    labels = LABELS + [("verkehr", "gruen")] * len(both)
    return SupervisedClassifier(multi_label=True, seed=0).fit(texts, labels)


def test_learns_an_obvious_split(single: SupervisedClassifier) -> None:
    preds = single.predict([NEW_VERKEHR, NEW_GRUEN])
    assert [p.labels for p in preds] == [("verkehr",), ("gruen",)]
    assert single.classes_ == ["gruen", "verkehr"]
    assert preds[0].scores["verkehr"] > 0.7
    assert isinstance(preds[0], Prediction)


def test_single_label_probabilities_sum_to_one_in_class_order(single: SupervisedClassifier) -> None:
    P = single.predict_proba([NEW_VERKEHR, NEW_GRUEN, "Heute ist schönes Wetter."])
    assert P.shape == (3, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    assert P[0, single.classes_.index("verkehr")] > P[0, single.classes_.index("gruen")]
    preds = single.predict([NEW_VERKEHR])
    assert preds[0].scores == {c: pytest.approx(float(p), abs=1e-6) for c, p in zip(single.classes_, P[0])}
    assert single.thresholds_ is None
    assert 0.0 <= single.balance_ <= 1.0


def test_multi_label_uses_per_label_thresholds(multi: SupervisedClassifier) -> None:
    assert multi.thresholds_.shape == (2,)
    assert np.all((multi.thresholds_ > 0) & (multi.thresholds_ < 1))
    texts = [NEW_VERKEHR, NEW_GRUEN, f"{NEW_VERKEHR} {NEW_GRUEN}"]
    P = multi.predict_proba(texts)
    assert P.shape == (3, 2) and np.all((P >= 0) & (P <= 1))
    preds = multi.predict(texts)
    for row, pred in zip(P, preds):
        assert pred.labels == tuple(c for c, s, t in zip(multi.classes_, row, multi.thresholds_) if s >= t)
    assert preds[0].labels == ("verkehr",)
    assert preds[1].labels == ("gruen",)
    assert set(preds[2].labels) == {"verkehr", "gruen"}


def test_same_input_gives_the_same_output() -> None:
    a = SupervisedClassifier(seed=3).fit(TEXTS, LABELS).predict_proba([NEW_VERKEHR, NEW_GRUEN])
    b = SupervisedClassifier(seed=3).fit(TEXTS, LABELS).predict_proba([NEW_VERKEHR, NEW_GRUEN])
    np.testing.assert_array_equal(a, b)


def test_embeddings_from_embedder_or_passed_vectors_agree() -> None:
    emb = HashingEmbedder(64)
    with_embedder = SupervisedClassifier(embedder=emb).fit(TEXTS, LABELS)
    assert with_embedder.uses_embeddings_ and len(with_embedder.weights_) == 3
    with_vectors = SupervisedClassifier().fit(TEXTS, LABELS, vectors=emb.encode(TEXTS))
    new = [NEW_VERKEHR, NEW_GRUEN]
    np.testing.assert_allclose(with_embedder.predict_proba(new),
                               with_vectors.predict_proba(new, vectors=emb.encode(new)))
    with pytest.raises(InputError):
        with_vectors.predict_proba(new)  # fitted with vectors, none given, no embedder


def test_few_examples_still_work() -> None:
    texts = VERKEHR[:4] + GRUEN[:4]
    clf = SupervisedClassifier().fit(texts, [("verkehr",)] * 4 + [("gruen",)] * 4)
    assert [p.labels for p in clf.predict([NEW_VERKEHR, NEW_GRUEN])] == [("verkehr",), ("gruen",)]


def test_rare_label_only_for_near_copies_of_its_example() -> None:
    rare = "Die Laterne an der Hauptstraße ist seit Wochen kaputt."
    texts = TEXTS + [rare]
    labels = LABELS + [("verkehr", "licht")]
    clf = SupervisedClassifier(multi_label=True).fit(texts, labels)
    preds = clf.predict([rare.replace("Wochen", "Monaten"), NEW_GRUEN])
    assert "licht" in preds[0].labels
    assert "licht" not in preds[1].labels


def test_one_class_is_an_error() -> None:
    with pytest.raises(InputError, match="zwei verschiedene Labels"):
        SupervisedClassifier().fit(VERKEHR, [("verkehr",)] * len(VERKEHR))


def test_empty_or_mismatched_input_is_an_error() -> None:
    with pytest.raises(InputError):
        SupervisedClassifier().fit([], [])
    with pytest.raises(InputError):
        SupervisedClassifier().fit(TEXTS, LABELS[:-1])


def test_predict_on_empty_list(single: SupervisedClassifier, multi: SupervisedClassifier) -> None:
    assert single.predict([]) == []
    assert single.predict_proba([]).shape == (0, 2)
    assert multi.predict([]) == []
