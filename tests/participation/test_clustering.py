"""Concerns: determinism, automatic and fixed k, two levels, "nicht zugeordnet", labels, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from insek_nlp.errors import InputError
from insek_nlp.participation.clustering import UNASSIGNED, ConcernClusterer, k_range
from insek_nlp.participation.labels import ClusterLabel, cluster_labels, is_label_term
from insek_nlp.text import is_stopword

TOPICS = [
    ("Radweg", "Der Radweg an der {s} ist viel zu schmal und voller Schlaglöcher, bitte verbreitern."),
    ("Ampel", "Die Ampelschaltung an der {s} ist für Radfahrer viel zu lang, die Grünphase zu kurz."),
    ("Parken", "Auf dem Radweg der {s} parken ständig Autos, die Falschparker müssen abgeschleppt werden."),
    ("Beleuchtung", "Nachts ist die Unterführung an der {s} völlig dunkel, die Beleuchtung fehlt."),
    ("Fahrradständer", "Am Bahnhof {s} fehlen Fahrradständer, die Abstellanlagen sind immer überfüllt."),
    ("Baum", "Die Baumwurzeln heben den Belag an der {s} an, das Pflaster ist gefährlich uneben."),
]
STREETS = ["Hauptstraße", "Kaiserstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Mühlweg", "Schulstraße"]


def corpus(per_topic: int = 40, dim: int = 48, seed: int = 0, spread: float = 0.35):
    """Texts from six concerns with embedding-like vectors: one direction per concern plus noise."""
    rng = np.random.RandomState(seed)
    centres = rng.randn(len(TOPICS), dim)
    texts, vecs, gold = [], [], []
    for t, (_, template) in enumerate(TOPICS):
        for i in range(per_topic):
            texts.append(template.format(s=STREETS[(i + t) % len(STREETS)]) + f" Hinweis {i}.")
            vecs.append(centres[t] + spread * rng.randn(dim))
            gold.append(t)
    return texts, np.array(vecs), np.array(gold)


@pytest.fixture(scope="module")
def fitted():
    texts, V, gold = corpus()
    return texts, V, gold, ConcernClusterer(seed=0).fit(texts, vectors=V)


def test_finds_the_planted_concerns(fitted):
    from sklearn.metrics import normalized_mutual_info_score

    texts, V, gold, model = fitted
    assert model.labels_.shape == (len(texts),)
    assert model.centroids_.shape == (model.n_clusters_, V.shape[1])
    assigned = model.labels_ >= 0
    assert normalized_mutual_info_score(gold[assigned], model.labels_[assigned]) > 0.9


def test_deterministic(fitted):
    texts, V, _, model = fitted
    again = ConcernClusterer(seed=0).fit(texts, vectors=V)
    assert np.array_equal(model.labels_, again.labels_)
    assert np.array_equal(model.sub_labels_, again.sub_labels_)
    assert np.allclose(model.centroids_, again.centroids_)


def test_unassigned_stays_within_share():
    texts, V, _ = corpus(per_topic=30)
    rng = np.random.RandomState(1)
    # 40 scattered outliers among 180 comments: more than 10 %, so the cap must bite
    texts = texts + [f"Irgendwas ganz anderes Nummer {i}" for i in range(40)]
    V = np.vstack([V, 3 * rng.randn(40, V.shape[1])])
    model = ConcernClusterer(seed=0, max_unassigned=0.10).fit(texts, vectors=V)
    share = float((model.labels_ == UNASSIGNED).mean())
    assert 0.0 < share <= 0.10
    assert (model.sub_labels_[model.labels_ == UNASSIGNED] == UNASSIGNED).all()
    none = ConcernClusterer(seed=0, max_unassigned=0.0).fit(texts, vectors=V)
    assert (none.labels_ >= 0).all()


def test_auto_k_within_range():
    texts, V, _ = corpus(per_topic=60)
    model = ConcernClusterer(seed=0).fit(texts, vectors=V)
    lo, hi = k_range(len(texts))
    assert lo <= model.n_clusters_ <= hi
    assert set(model.k_scores_) <= set(range(lo, hi + 1))
    assert k_range(300) == (4, 20)
    assert k_range(20) == (4, 4) and k_range(50) == (4, 4) and k_range(150) == (4, 10) and k_range(401) == (4, 26)
    assert k_range(2314) == (15, 40)
    assert k_range(30_000) == (30, 40)
    assert k_range(1) == (1, 1) and k_range(12)[0] <= k_range(12)[1]


def test_override_n_clusters(fitted):
    texts, V, _, _ = fitted
    model = ConcernClusterer(n_clusters=3, n_sub=2, seed=0).fit(texts, vectors=V)
    assert model.n_clusters_ == 3
    assert model.k_scores_ == {}
    for c in range(3):
        assert set(model.sub_labels_[model.labels_ == c]) == {0, 1}


def test_two_levels(fitted):
    texts, V, _, model = fitted
    assigned = model.labels_ >= 0
    assert (model.sub_labels_[assigned] >= 0).all()
    for c in range(model.n_clusters_):
        subs = model.sub_labels_[model.labels_ == c]
        assert sorted(set(subs)) == list(range(len(set(subs))))  # dense numbering inside each concern


def test_labels_have_no_stop_words_and_a_representative(fitted):
    texts, V, gold, model = fitted
    labels = cluster_labels(texts, model.labels_, vectors=V)
    assert set(labels) == set(model.labels_.tolist())
    for c, lab in labels.items():
        assert isinstance(lab, ClusterLabel)
        if c == UNASSIGNED:
            assert lab.title == "nicht zugeordnet"
            continue
        assert 1 <= len(lab.key_terms) <= 4
        for term in lab.key_terms:
            assert not is_stopword(term) and all(not is_stopword(w) and w.isalpha() for w in term.split())
        assert model.labels_[lab.representative_index] == c
        assert lab.title == texts[lab.representative_index].splitlines()[0][: len(lab.title)].rstrip(" …") or lab.title
    joined = " ".join(t for lab in labels.values() for t in lab.key_terms).casefold()
    assert "ampel" in joined and "fahrradständer" in joined


def test_labels_prefer_given_titles():
    texts = ["Der Radweg ist zu schmal.", "Radweg zu schmal und holprig.", "Ampel zu lang rot.", "Die Ampel ist zu lang rot."]
    labels = cluster_labels(texts, [0, 0, 1, 1], titles=["Schmal", "Holprig", "Rot", "Ampel"], top_n=2)
    assert labels[0].title in {"Schmal", "Holprig"} and labels[1].title in {"Rot", "Ampel"}
    assert "Radweg" in labels[0].key_terms or "schmal" in labels[0].key_terms


def test_is_label_term():
    assert is_label_term("Radweg") and is_label_term("Godesberger Allee")
    assert not is_label_term("der") and not is_label_term("und Radweg") and not is_label_term("B9")


def test_empty_and_single_input():
    empty = ConcernClusterer().fit([], vectors=np.zeros((0, 8)))
    assert empty.labels_.shape == (0,) and empty.n_clusters_ == 0
    assert cluster_labels([], []) == {}
    one = ConcernClusterer().fit(["Nur ein Kommentar."], vectors=np.ones((1, 8)))
    assert one.labels_.tolist() == [0] and one.sub_labels_.tolist() == [0] and one.n_clusters_ == 1
    two = ConcernClusterer().fit(["Radweg schmal", "Ampel rot"], vectors=np.eye(2))
    assert (two.labels_ >= 0).all()


def test_mismatch_and_bad_options_raise():
    with pytest.raises(InputError):
        ConcernClusterer().fit(["a", "b"], vectors=np.zeros((3, 4)))
    with pytest.raises(InputError):
        ConcernClusterer(n_clusters=0).fit(["a", "b"], vectors=np.eye(2))
    with pytest.raises(InputError):
        ConcernClusterer(max_unassigned=1.5).fit(["a", "b"], vectors=np.eye(2))


def test_ten_thousand_identical_vectors():
    texts = ["Park retten!"] * 10_000
    V = np.tile(np.linspace(0, 1, 16), (10_000, 1))
    model = ConcernClusterer(seed=0).fit(texts, vectors=V)
    assert model.n_clusters_ == 1 and (model.labels_ == 0).all()
    labels = cluster_labels(texts[:50], model.labels_[:50], vectors=V[:50])
    assert labels[0].representative_index == 0


def test_hashing_embedder_end_to_end():
    from insek_nlp.embed import get_embedder

    texts, _, gold = corpus(per_topic=15)
    V = get_embedder("hashing").encode(texts)
    model = ConcernClusterer(seed=0).fit(texts, vectors=V)
    assert model.n_clusters_ >= 2
    assert float((model.labels_ < 0).mean()) <= 0.10


@pytest.mark.slow
def test_large_input_is_fitted_on_a_sample_and_assigned(monkeypatch):
    """Above _FIT_SAMPLE comments: vocabulary, SVD, k and start centres from a sample, then all assigned."""
    from sklearn.metrics import normalized_mutual_info_score

    import insek_nlp.participation.clustering as clustering

    monkeypatch.setattr(clustering, "_FIT_SAMPLE", 600)
    monkeypatch.setattr(clustering, "SUB_SAMPLE", 200)
    texts, V, gold = corpus(per_topic=300)  # 1,800 comments, three times the sample
    a = ConcernClusterer(seed=0, n_clusters=6).fit(texts, vectors=V)
    b = ConcernClusterer(seed=0, n_clusters=6).fit(texts, vectors=V)
    assert np.array_equal(a.labels_, b.labels_) and np.array_equal(a.sub_labels_, b.sub_labels_)
    kept = a.labels_ >= 0
    assert kept.mean() >= 0.9
    assert normalized_mutual_info_score(gold[kept], a.labels_[kept]) > 0.95
    assert a.features_.shape[0] == len(texts)
    auto = ConcernClusterer(seed=0).fit(texts, vectors=V)
    lo, hi = k_range(len(texts))
    assert lo <= auto.n_clusters_ <= hi and set(auto.k_scores_) and (auto.sub_labels_[auto.labels_ >= 0] >= 0).all()
