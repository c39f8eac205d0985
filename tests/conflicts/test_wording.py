"""The wording model of the conflict score: loading, scoring, fitting, vocabulary rules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from insek_nlp.conflicts import ConflictDetector
from insek_nlp.conflicts.wording import (WordingModel, default_wording, fit_pair_model, load_wording, place_words,
                                         shared_vocabulary, site_words)
from insek_nlp.errors import KnowledgeBaseError

CLASH = ("Auf der Brache an der Torgauer Straße sollen bis 2030 rund 450 Wohnungen entstehen.",
         "Die Brache an der Torgauer Straße ist dauerhaft von Bebauung freizuhalten.")
RECONCILED = ("Auf der bereits versiegelten Brache an der Torgauer Straße entstehen Wohnungen; der Park bleibt "
              "vollständig erhalten, die Planung wird gemeinsam mit dem Amt für Stadtgrün abgestimmt.",
              "Der Park an der Torgauer Straße bleibt erhalten; Wohnungsbau ist dort ausgenommen.")


def test_bundled_model_loads_and_is_consistent():
    m = default_wording()
    assert len(m.vocabulary) > 200
    assert len(m.vocabulary) == len(m.idf) == len(m.coef)
    assert len(set(m.vocabulary)) == len(m.vocabulary)
    assert not any(ch.isdigit() for w in m.vocabulary for ch in w)
    places = place_words()
    assert not any(part in places for w in m.vocabulary for part in w.split())  # no place names learnt
    assert not {"clara", "zetkin", "georg"} & {part for w in m.vocabulary for part in w.split()}  # nor sites


def test_site_words_are_the_words_only_site_names_use():
    texts = ["Der Clara-Zetkin-Park ist zu erhalten.", "Die digitale Plattform „Digitale Stadt“ wird ausgebaut."]
    words = site_words(texts)
    assert {"clara", "zetkin"} <= words
    assert "digitale" not in words and "park" not in words  # used outside a name too / a generic word


def test_logit_equals_scikit_learn_tfidf_of_the_pair():
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    m = default_wording()
    a, b = CLASH
    counts = CountVectorizer(vocabulary=m.vocabulary, ngram_range=m.ngram_range).transform([a]) + \
        CountVectorizer(vocabulary=m.vocabulary, ngram_range=m.ngram_range).transform([b])
    t = TfidfTransformer(sublinear_tf=True)
    t.fit(counts)
    t.idf_ = m.idf
    expected = float(t.transform(counts).toarray()[0] @ m.coef)
    assert m.logit(m.counts(a), m.counts(b)) == pytest.approx(expected, abs=1e-9)
    assert m.logit(m.counts(a), m.counts(b)) == pytest.approx(m.logit(m.counts(b), m.counts(a)))  # order-free
    empty = m.counts("")
    assert m.logit(empty, empty) == 0.0


def test_reconciling_wording_speaks_against_a_conflict():
    m = default_wording()
    clash = m.logit(*(m.counts(t) for t in CLASH))
    reconciled = m.logit(*(m.counts(t) for t in RECONCILED))
    assert reconciled < clash
    for_, against = m.contributions(*(m.counts(t) for t in RECONCILED))
    assert {"bleibt", "ausgenommen"} & set(against)


def test_fit_learns_words_and_shared_vocabulary_excludes_single_authors():
    author_1 = ["Die Fläche soll bebaut werden.", "Der Park soll bebaut werden.", "Der Park bleibt erhalten.",
                "Die Wiese bleibt erhalten.", "Herr Müller wohnt in Gohlis.", "Gohlis 2030."]
    author_2 = ["Hier soll bebaut werden.", "Dort soll bebaut werden.", "Alles bleibt erhalten.",
                "Das bleibt erhalten.", "Müller."]
    vocab = shared_vocabulary([author_1, author_2], (1, 2), min_df=2)
    assert {"soll", "bebaut", "soll bebaut", "bleibt erhalten"} <= set(vocab)
    assert "müller" not in vocab           # one author only
    assert "gohlis" not in shared_vocabulary([author_1, author_1])  # a place name
    assert "2030" not in shared_vocabulary([author_1, author_1], exclude=frozenset())  # digits
    a = ["Die Fläche soll bebaut werden."] * 6 + ["Der Park bleibt erhalten."] * 6
    b = ["Der Park bleibt erhalten."] * 6 + ["Die Wiese bleibt erhalten."] * 6
    y = np.array([1] * 6 + [0] * 6)
    bias, coef, model = fit_pair_model(a, b, np.zeros((12, 1)), y, vocab)
    assert coef.shape == (1,)
    assert model.coef[model.vocabulary.index("bebaut")] > 0 > model.coef[model.vocabulary.index("bleibt erhalten")]
    clash = bias + model.logit(model.counts(a[0]), model.counts(b[0]))
    agree = bias + model.logit(model.counts(a[-1]), model.counts(b[-1]))
    assert clash > 0 > agree
    # The written model loads back with the same scores.
    again = WordingModel(model.vocabulary, model.idf, model.coef)
    assert again.logit(again.counts(a[0]), again.counts(b[0])) == pytest.approx(clash - bias)


def test_round_trip_and_bad_files_name_the_problem(tmp_path):
    m = WordingModel(["bleibt", "soll"], np.array([1.5, 2.0]), np.array([-1.0, 1.0]))
    path = tmp_path / "w.json"
    path.write_text(m.to_json(note="test"), encoding="utf-8")
    back = load_wording(path)
    assert back.vocabulary == ["bleibt", "soll"] and back.coef.tolist() == [-1.0, 1.0]
    for body, message in [("{kaputt", "kein gültiges JSON"),
                          (json.dumps({"format": "anders"}), "insek-wording/1"),
                          (json.dumps({"format": "insek-wording/1", "entries": [["a", 1.0]]}), "Eintrag 1"),
                          (json.dumps({"format": "insek-wording/1", "entries": [["a", 1, 1], ["a", 1, 2]]}),
                           "doppelt")]:
        path.write_text(body, encoding="utf-8")
        with pytest.raises(KnowledgeBaseError, match=message) as info:
            load_wording(path)
        assert str(path) in str(info.value)
    with pytest.raises(KnowledgeBaseError, match="nicht gefunden"):
        load_wording(tmp_path / "fehlt.json")


def test_detector_without_wording_scores_no_words():
    det = ConflictDetector(wording=False).fit()
    p, q = det.profile(CLASH[0]), det.profile(CLASH[1])
    assert p.words is None
    assert det.score_pair(p, q, 0.5).features["wording"] == 0.0
    det = ConflictDetector().fit()
    p, q = det.profile(CLASH[0]), det.profile(CLASH[1])
    assert det.score_pair(p, q, 0.5).features["wording"] != 0.0


def test_sign_constraints_keep_evidence_on_its_side():
    a = ["Die Fläche soll bebaut werden."] * 6 + ["Der Park bleibt erhalten."] * 6
    b = ["Der Park bleibt erhalten."] * 6 + ["Die Wiese bleibt erhalten."] * 6
    y = np.array([1] * 6 + [0] * 6)
    against = np.array([[0.0]] * 6 + [[1.0]] * 6)  # this "evidence" only fires on the non-conflicts
    vocab = ["bebaut", "bleibt"]
    _, free, _ = fit_pair_model(a, b, against, y, vocab)
    _, bound, _ = fit_pair_model(a, b, against, y, vocab, signs=[1])
    assert free[0] < 0 and bound[0] == pytest.approx(0.0, abs=1e-9)
