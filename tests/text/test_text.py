"""The German language layer: sentences, lemmas, normalisation, compounds, term matching, stop words.

Offline: everything loads from the installed spacy-lookups-data. The lexicon is
built once per session (a few seconds), the matchers once per module.
"""

from __future__ import annotations

import pytest

from insek_nlp.text import (
    STOPWORDS,
    TermMatcher,
    Token,
    compound_lemma,
    display_lemma,
    is_stopword,
    lemmatize,
    lemmatize_many,
    match_key,
    normalize_text,
    split_compound,
    split_sentences,
    strip_gender,
)

# -- sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Wir brauchen z. B. mehr Bäume bzw. Grünflächen im Quartier.",
        "Geplant sind ca. 450 Wohnungen im Baufeld Nr. 5 an der Str. des 18. Oktober.",
        "Nach § 3 Abs. 2 BauGB gilt das u. a. für Vorhaben im Außenbereich.",
        "Die Stadt plant ggf. weitere Maßnahmen, d. h. mehr Radwege, vgl. Kap. 4.",
        "Die Bürger*innen und Anwohner:innen wurden im 19. Jh. befragt.",
    ],
)
def test_abbreviations_do_not_split_sentences(sentence):
    assert split_sentences(sentence) == [sentence]


def test_sentences_split_at_real_ends_and_keep_characters():
    text = "Leipzig wächst bis 2030. Die Nachfrage steigt! Was tun? Mehr Wohnungen, z. B. im Osten."
    sentences = split_sentences(text)
    assert sentences == [
        "Leipzig wächst bis 2030. ",
        "Die Nachfrage steigt! ",
        "Was tun? ",
        "Mehr Wohnungen, z. B. im Osten.",
    ]
    assert "".join(sentences) == text
    assert split_sentences("  \n ") == []


# -- lemmas ----------------------------------------------------------------------------


def _lemmas(text: str) -> dict[str, str]:
    return {t.text: t.lemma for t in lemmatize(text)}


def test_lemmas_of_common_words():
    lemmas = _lemmas("Die Wohnungen wurden gebaut, die Bäume gefällt und die Flüsse renaturiert.")
    assert lemmas["Wohnungen"] == "Wohnung"
    assert lemmas["Bäume"] == "Baum"
    assert lemmas["gebaut"] == "bauen"
    assert lemmas["wurden"] == "werden"
    assert lemmas["Flüsse"] == "Fluss"        # the table's old "Fluß", in today's spelling


def test_lemmas_beyond_the_table():
    lemmas = _lemmas("mehr radwegen statt Radwegen, Klimaanpassungsmaßnahmen und barrierefreie Bürger*innen-Büros")
    assert lemmas["Radwegen"] == "Radweg"                       # compound: head lemmatised
    assert lemmas["radwegen"] == "radweg"                       # lower case as written
    assert lemmas["Klimaanpassungsmaßnahmen"] == "Klimaanpassungsmaßnahme"
    assert lemmas["barrierefreie"] == "barrierefrei"
    assert display_lemma("WOHNUNGEN") == "Wohnung"
    assert display_lemma("Bürger:innen") == "Bürger"


def test_tokens_carry_offsets_norms_and_flags():
    text = "Die Bürger:innen fordern\nmehr Straßenbäume."
    tokens = lemmatize(text)
    assert all(isinstance(t, Token) for t in tokens)
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert not any(t.text.isspace() for t in tokens)
    by_text = {t.text: t for t in tokens}
    assert by_text["Bürger:innen"].lemma == "Bürger"            # one token, not three
    assert by_text["Bürger:innen"].norm == "bürger"
    assert by_text["Bürger:innen"].is_alpha
    assert by_text["Straßenbäume"].lemma == "Straßenbaum"
    assert by_text["Straßenbäume"].norm == "strassenbäume"
    assert by_text["Die"].is_stop and by_text["mehr"].is_stop
    assert not by_text["Straßenbäume"].is_stop
    assert not by_text["."].is_alpha


def test_lemmatize_many_matches_lemmatize():
    texts = ["Die Bäume wurden gepflanzt.", "", "Mehr Radwege bitte!"]
    many = list(lemmatize_many(texts))
    assert many == [lemmatize(t) for t in texts]
    assert many[1] == []


# -- normalisation ---------------------------------------------------------------------

GENDERED = [
    "Bürger*innen", "Bürger:innen", "Bürger_innen", "BürgerInnen", "Bürger/innen", "Bürger/-innen",
    "Bürger(innen)", "Bürgerinnen", "Bürger*in", "Bürgerinnen und Bürger", "Bürger und Bürgerinnen",
]


@pytest.mark.parametrize("form", GENDERED)
def test_gendered_forms_share_the_key_of_the_base_form(form):
    assert match_key(form) == match_key("Bürger") == "bürger"
    assert match_key(form, fold_umlauts=True) == "buerger"


def test_more_gendered_forms():
    assert match_key("Radfahrer:innen") == match_key("Radfahrer") == "radfahrer"
    assert match_key("Anwohner*innen") == "anwohner"
    assert match_key("Bürger*innenbeteiligung") == match_key("Bürgerbeteiligung")
    assert strip_gender("BürgerInnen") == "Bürger"
    # not gendered: left alone
    for word in ("innen", "Termin", "beginnen", "Rinnen", "LinkedIn"):
        assert match_key(word) == word.casefold()


def test_sharp_s_umlauts_and_invisible_characters():
    assert match_key("Straße") == match_key("STRASSE") == match_key("Strasse") == "strasse"
    assert match_key("Maßnahme") == "massnahme"
    assert match_key("für") == "für"                               # umlauts kept by default …
    assert match_key("für", fold_umlauts=True) == match_key("fuer", fold_umlauts=True) == "fuer"
    assert match_key("Öffentlichkeit", fold_umlauts=True) == "oeffentlichkeit"
    assert match_key("Klima\u00adanpassung") == "klimaanpassung"  # soft hyphen
    assert match_key("u\u0308ber") == "über"                      # decomposed umlaut
    assert match_key("  Wachsende   Stadt ") == "wachsende stadt"


def test_normalize_text_maps_back_to_the_original():
    text = "Die Bürger*innen, Bürgerinnen und Bürger sowie Anwohner:innen fordern Klima\u00adanpassung an der Großen Straße."
    norm = normalize_text(text)
    assert norm.text == (
        "die bürger, bürger sowie anwohner fordern klimaanpassung an der grossen strasse."
    )
    assert len(norm.starts) == len(norm.ends) == len(norm.text)

    def original(word: str, occurrence: int = 0) -> str:
        start = -1
        for _ in range(occurrence + 1):
            start = norm.text.index(word, start + 1)
        s, e = norm.to_original(start, start + len(word))
        return text[s:e]

    assert original("bürger") == "Bürger*innen"
    assert original("bürger", 1) == "Bürgerinnen und Bürger"
    assert original("anwohner") == "Anwohner:innen"
    assert original("klimaanpassung") == "Klima\u00adanpassung"
    assert original("grossen strasse") == "Großen Straße"
    ss = norm.text.index("grossen") + 3
    assert text[slice(*norm.to_original(ss, ss + 1))] == "ß"       # each "s" comes from the "ß"
    assert norm.to_original(ss, ss + 2) == norm.to_original(ss, ss + 1)
    assert norm.to_original(0, 0) == (0, 0)
    with pytest.raises(ValueError):
        norm.to_original(5, 500)


def test_normalize_text_folds_umlauts_on_request():
    norm = normalize_text("Grünflächen für Bürger:innen", fold_umlauts=True)
    assert norm.text == "gruenflaechen fuer buerger"
    s, e = norm.to_original(0, len("gruenflaechen"))
    assert (s, e) == (0, len("Grünflächen"))


# -- compounds -------------------------------------------------------------------------


def test_split_compound():
    assert split_compound("Kaltluftentstehungsgebiet") == ["Kaltluft", "entstehungs", "gebiet"]
    assert split_compound("Bürgerbeteiligung") == ["Bürger", "beteiligung"]
    assert split_compound("Straßenbäume") == ["Straßen", "bäume"]
    assert split_compound("Beratung") == ["Beratung"]
    assert split_compound("Stadt-Umland") == ["Stadt-", "Umland"]


def test_compound_lemma():
    assert compound_lemma("Radwegen") == "Radweg"
    assert compound_lemma("Fahrradstraßen") == "Fahrradstraße"
    assert compound_lemma("Kaltluftentstehungsgebiet") == "Kaltluftentstehungsgebiet"


TERMS = [
    "Klimaanpassung", "Radweg", "Wohnungsneubau", "Kaltluft", "Fahrradstraße", "Beteiligung", "Wohnung",
    "Verkehr", "Rat", "Bau", "Ei", "Park", "Parken", "Baum", "Weg", "Schule", "barrierefrei",
    "wachsende Stadt", "Rad- und Fußverkehr", "Stadt-Umland", "öffentlicher Nahverkehr", "Fußverkehr",
    "Verkehrssteuerung", "Bürger", "Radfahrer", "Anwohner", "Maßnahme",
]


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return TermMatcher(TERMS)


def _terms(matcher: TermMatcher, word: str) -> set[str]:
    """Every term found in ``word`` (overlaps kept)."""
    return {m.term for m in matcher.find(word, overlapping=True)}


@pytest.mark.parametrize(
    ("word", "term", "kind"),
    [
        ("Klimaanpassungsmaßnahmen", "Klimaanpassung", "modifier"),
        ("Radwegenetz", "Radweg", "modifier"),
        ("Wohnungsneubauvorhaben", "Wohnungsneubau", "modifier"),
        ("Kaltluftentstehungsgebiet", "Kaltluft", "modifier"),
        ("Fahrradstraßen", "Fahrradstraße", "word"),
        ("Bürgerbeteiligung", "Beteiligung", "head"),
        ("Wohnungsbau", "Wohnung", "modifier"),
        ("Verkehrsberuhigung", "Verkehr", "modifier"),
        ("Radwege", "Radweg", "word"),
        ("Radwegen", "Radweg", "word"),
        ("Fahrradweges", "Radweg", "head"),
        ("Maßnahmen", "Maßnahme", "word"),
        ("Parkanlage", "Park", "modifier"),
        ("Stadtpark", "Park", "head"),
        ("Anwohnerparken", "Parken", "head"),
        ("Stadtrat", "Rat", "head"),
        ("Neubau", "Bau", "head"),
        ("Straßenbäume", "Baum", "head"),
        ("Bäume", "Baum", "word"),
        ("Gehweg", "Weg", "head"),
        ("Schulweg", "Schule", "modifier"),
        ("Barrierefreiheit", "barrierefrei", "modifier"),
        ("barrierefreie", "barrierefrei", "word"),
        ("Eier", "Ei", "word"),
        ("Klima\u00adanpassung", "Klimaanpassung", "word"),
        ("Bürger*innen", "Bürger", "word"),
        ("Radfahrer:innen", "Radfahrer", "word"),
        ("Anwohner*innen", "Anwohner", "word"),
        ("FahrradfahrerInnen", "Radfahrer", "head"),
        ("Stadtumland", "Stadt-Umland", "word"),
        ("Stadt-Umland-Beziehungen", "Stadt-Umland", "modifier"),
    ],
)
def test_term_matches_inflected_and_inside_compounds(matcher, word, term, kind):
    found = {(m.term, m.kind) for m in matcher.find(word, overlapping=True)}
    assert (term, kind) in found


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("Beratung", "Rat"),
        ("Radverkehr", "Rat"),
        ("Vorrat", "Rat"),          # a particle is no modifier
        ("Beirat", "Rat"),
        ("Ratsversammlung", "Rat"),  # short terms: whole words and heads only
        ("Baum", "Bau"),
        ("Bauer", "Bau"),
        ("Ausbau", "Bau"),
        ("Baustelle", "Bau"),
        ("Baumaßnahmen", "Baum"),    # "Bau|maßnahmen", not "Baum|aß|nahmen"
        ("Eisenbahn", "Ei"),
        ("Bäckerei", "Ei"),
        ("Parkanlage", "Parken"),
        ("Parkplatz", "Parken"),
        ("Umweg", "Weg"),
        ("weswegen", "Weg"),
        ("Alternative", "Park"),
        ("gebaut", "Bau"),           # a verb is not the noun
        ("zugeparkt", "Parken"),     # a known verb form is not split
    ],
)
def test_no_false_hits_of_short_terms(matcher, word, term):
    assert term not in _terms(matcher, word)


def test_lexicalised_words_are_not_split():
    matcher = TermMatcher(["Alter", "Linie", "Sport"])
    assert matcher.find("Alternative Routen, Richtlinien und Transporter") == []
    assert [m.surface for m in matcher.find("Das Alter, die Bahnlinie, der Schulsport")] == [
        "Alter", "Bahnlinie", "Schulsport",
    ]


def test_multi_word_terms(matcher):
    text = "Die wachsenden Stadt braucht mehr Rad- und Fußverkehr und ein öffentlichen Nahverkehrsangebot."
    found = [(m.term, m.surface, m.kind) for m in matcher.find(text)]
    assert ("wachsende Stadt", "wachsenden Stadt", "phrase") in found
    assert ("Rad- und Fußverkehr", "Rad- und Fußverkehr", "phrase") in found
    assert ("öffentlicher Nahverkehr", "öffentlichen Nahverkehrsangebot", "phrase") in found
    # not across punctuation or with words in between
    assert not any(m.kind == "phrase" for m in matcher.find("wachsende, Stadt"))
    assert not any(m.kind == "phrase" for m in matcher.find("wachsende schöne Stadt"))


def test_coordinations_with_hyphen_are_completed(matcher):
    found = [(m.term, m.surface) for m in matcher.find("Fuß- und Radverkehr; Verkehrsplanung und -steuerung")]
    assert ("Fußverkehr", "Fuß-") in found
    assert ("Verkehr", "Radverkehr") in found
    assert ("Verkehrssteuerung", "-steuerung") in found


def test_offsets_map_to_the_original_text(matcher):
    text = (
        "Die Bürger*innen und Radfahrer:innen, Bürgerinnen und Bürger sowie Anwohner/-innen wünschen "
        "Klima\u00adanpassungs\u00admaßnahmen, Straßen\u00adbäume und Rad- und Fußverkehr in der wachsenden Stadt."
    )
    matches = matcher.find(text)
    assert matches
    for m in matches:
        assert text[m.start:m.end] == m.surface
    surfaces = {m.surface: m.term for m in matches}
    assert surfaces["Bürger*innen"] == "Bürger"
    assert surfaces["Radfahrer:innen"] == "Radfahrer"
    assert surfaces["Bürgerinnen und Bürger"] == "Bürger"
    assert surfaces["Anwohner/-innen"] == "Anwohner"
    assert surfaces["Klima\u00adanpassungs\u00admaßnahmen"] == "Maßnahme"   # the head decides
    assert surfaces["Straßen\u00adbäume"] == "Baum"
    assert surfaces["Rad- und Fußverkehr"] == "Rad- und Fußverkehr"      # the longest span wins
    assert surfaces["wachsenden Stadt"] == "wachsende Stadt"


def test_matches_are_ordered_non_overlapping_and_deterministic(matcher):
    text = "Klimaanpassungsmaßnahmen für Radwege, Radwege und Stadtparks."
    first = matcher.find(text)
    assert first == TermMatcher(TERMS).find(text) == matcher.find(text)
    starts = [(m.start, m.end) for m in first]
    assert starts == sorted(starts)
    assert all(a[1] <= b[0] for a, b in zip(starts, starts[1:]))
    every = matcher.find(text, overlapping=True)
    assert {m.term for m in every if m.surface == "Klimaanpassungsmaßnahmen"} == {"Klimaanpassung", "Maßnahme"}
    assert len(every) > len(first)


def test_umlaut_spellings_match(matcher):
    assert [m.term for m in matcher.find("Fahrradstrassen und Buergerbeteiligung")] == [
        "Fahrradstraße", "Beteiligung",
    ]


def test_matcher_edge_cases():
    assert TermMatcher([]).find("Radweg") == []
    assert TermMatcher(["Radweg"]).find("") == []
    m = TermMatcher(["Radweg", "Radweg", " ", "radweg "])
    assert m.terms == ("Radweg", "radweg")
    assert [x.term for x in m.find("Radweg")] == ["Radweg"]


# -- stop words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["und", "Die", "sowie", "bzw.", "ggf.", "z. B.", "z.B.", "u. a.", "insbesondere", "Stadt Leipzig",
     "Leipzig", "Stadt", "Rahmen", "Bereich", "Maßnahme", "Maßnahmen", "bitte", "finde", "sollte", "mehr",
     "Vorschlag", "Beitrag", "Idee", "  MEHR "],
)
def test_stop_words(word):
    assert is_stopword(word)


@pytest.mark.parametrize(
    "word",
    ["Radweg", "Klimaanpassungsmaßnahme", "Innenstadt", "wachsende Stadt", "Mittel", "Menschen", "Kosten",
     "Grünfläche", "Bürger*innen", "", "  "],
)
def test_content_words_are_not_stop_words(word):
    assert not is_stopword(word)


def test_stop_words_check_token_text_and_lemma():
    tokens = {t.text: t for t in lemmatize("Die Maßnahmen wurden gebaut")}
    assert is_stopword(tokens["Maßnahmen"])          # lemma "Maßnahme" is listed
    assert not is_stopword(tokens["gebaut"])
    assert "massnahme" in STOPWORDS                  # stored casefolded: ß as ss
    assert all(w == w.casefold() for w in STOPWORDS)
