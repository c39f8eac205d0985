"""The German language layer: spaCy pipeline, lemmas, compounds, stop words, normalisation.

Importing this package loads nothing heavy: spaCy and the lookup tables of
``spacy-lookups-data`` load on first use (a few seconds, once per process).
"""

from insek_nlp.text.compounds import (
    CompoundSplitter,
    TermMatch,
    TermMatcher,
    compound_lemma,
    split_compound,
)
from insek_nlp.text.language import LANGUAGE_NAMES, detect_language, detect_languages
from insek_nlp.text.normalize import NormalizedText, fold_umlauts, match_key, normalize_text, strip_gender
from insek_nlp.text.pipeline import (
    Token,
    display_lemma,
    german_pipeline,
    lemmatize,
    lemmatize_many,
    split_sentences,
)
from insek_nlp.text.stopwords import STOPWORDS, is_stopword

__all__ = [
    "LANGUAGE_NAMES",
    "STOPWORDS",
    "CompoundSplitter",
    "NormalizedText",
    "TermMatch",
    "TermMatcher",
    "Token",
    "compound_lemma",
    "detect_language",
    "detect_languages",
    "display_lemma",
    "fold_umlauts",
    "german_pipeline",
    "is_stopword",
    "lemmatize",
    "lemmatize_many",
    "match_key",
    "normalize_text",
    "split_compound",
    "split_sentences",
    "strip_gender",
]
