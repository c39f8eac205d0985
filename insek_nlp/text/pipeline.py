"""spaCy pipeline factory, sentences and lemmas.

No trained German pipeline is installable offline here, so we build on
``spacy.blank("de")`` (German tokenizer and its abbreviation exceptions) with the
rule-based sentencizer and spaCy's lookup lemmatizer, whose table comes from the
installed package ``spacy-lookups-data`` (never downloaded). Two small
components of ours complete it: gendered forms that the tokenizer splits
("Bürger:innen") become one token, and words missing from the lemma table get a
lemma anyway (case variants, new ss spelling, compounds: "Radwegen" → "Radweg").
spaCy is imported on first use only.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

# German abbreviations that end in a period but do not end a sentence, beyond
# spaCy's own tokenizer exceptions; common in planning documents.
_ABBREVIATIONS = ("ca.", "bzw.", "ggf.", "inkl.", "insb.", "vgl.", "sog.", "Nr.", "Abb.", "Tab.", "Kap.", "Str.",
                  "evtl.", "gem.", "lt.", "zzgl.", "u.a.", "z.B.", "d.h.", "o.ä.", "u.ä.", "max.", "min.", "Mio.",
                  "Mrd.", "Tsd.", "Jh.", "Anl.", "Abs.", "Art.", "ff.", "bspw.", "i.d.R.", "u.U.")
_GENDER_MARKS = frozenset(":/*_·(")
_YEAR_END = re.compile(r"^(?:1[89]|2[01])\d\d\.$")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text with its lemma.

    Attributes:
        text: The word as written.
        lemma: Its lemma as written ("Wohnungen" → "Wohnung", "gebaut" → "bauen",
            "Radwegen" → "Radweg", "Bürger*innen" → "Bürger").
        norm: Its matching key (:func:`~insek_nlp.text.normalize.match_key`).
        start: Start offset in the text.
        end: End offset in the text (``text[start:end]``).
        is_stop: Whether the word or its lemma is a stop word (:mod:`.stopwords`).
        is_alpha: Whether the word consists of letters only (gender marks and
            hyphens inside allowed).
    """

    text: str
    lemma: str
    norm: str
    start: int
    end: int
    is_stop: bool
    is_alpha: bool


def _register_components() -> None:
    from spacy.language import Language

    if not Language.has_factory("insek_gender_merge"):
        Language.component("insek_gender_merge", func=_merge_gendered)
    if not Language.has_factory("insek_sentence_fixes"):
        Language.component("insek_sentence_fixes", func=_fix_sentences)
    if not Language.has_factory("insek_lemma_fallback"):
        Language.component("insek_lemma_fallback", func=_fallback_lemmas)


def _merge_gendered(doc: "Doc") -> "Doc":
    """Merge "Bürger" ":" "innen" (and "/innen", "(innen)") into one token."""
    spans = []
    i, n = 0, len(doc)
    while i + 2 < n:
        a, mark, b = doc[i], doc[i + 1], doc[i + 2]
        if (a.is_alpha and mark.text in _GENDER_MARKS and not a.whitespace_ and not mark.whitespace_
                and b.lower_ in ("in", "innen")):
            end = i + 3
            if mark.text == "(":
                if end < n and doc[end].text == ")" and not b.whitespace_:
                    end += 1
                else:
                    i += 1
                    continue
            spans.append(doc[i:end])
            i = end
        else:
            i += 1
    if spans:
        with doc.retokenize() as retokenizer:
            for span in spans:
                retokenizer.merge(span)
    return doc


def _fix_sentences(doc: "Doc") -> "Doc":
    """A year with the full stop attached ("bis 2030.") ends a sentence before a capital."""
    for tok in doc[:-1]:
        nxt = doc[tok.i + 1]
        if _YEAR_END.match(tok.text) and nxt.text[:1].isupper():
            nxt.is_sent_start = True
    return doc


def _fallback_lemmas(doc: "Doc") -> "Doc":
    for tok in doc:
        text = tok.text
        if text[:1].isalpha() and (tok.lemma_ == text or "ß" in tok.lemma_):
            lemma = display_lemma(text)
            if lemma != tok.lemma_:
                tok.lemma_ = lemma
    return doc


@lru_cache(maxsize=200_000)
def display_lemma(word: str) -> str:
    """The lemma of one word as written, for display and labels.

    Uses the lemma table (also for other capitalisation and the new ss spelling),
    then the head of a compound ("Radwegen" → "Radweg"); gender marks and soft
    hyphens are dropped first ("Bürger*innen" → "Bürger").
    """
    from insek_nlp.text._lexicon import lexicon
    from insek_nlp.text.compounds import compound_lemma
    from insek_nlp.text.normalize import strip_gender

    base = strip_gender(word)
    if not base:
        return word
    lemma = lexicon().lemma(base)
    if lemma is not None:
        return lemma
    return compound_lemma(base) if len(base) >= 6 else base


def _blank_german() -> "Language":
    import spacy
    from spacy.symbols import ORTH

    _register_components()
    nlp = spacy.blank("de")
    for abbr in _ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])
    nlp.add_pipe("insek_gender_merge")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("insek_sentence_fixes")
    return nlp


@lru_cache(maxsize=1)
def german_pipeline() -> "Language":
    """Return the shared German pipeline: tokenizer, sentencizer and lookup lemmatizer.

    Built once per process (about two seconds, most of it loading the lemma
    table); later calls return the same object.
    """
    from spacy.lookups import Lookups

    from insek_nlp.text._lexicon import lemma_table

    started = time.perf_counter()
    nlp = _blank_german()
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("insek_lemma_fallback")
    # The table spaCy's own initialisation would load from spacy-lookups-data's
    # entry point, loaded once by us and shared with the compound splitter.
    lookups = Lookups()
    lookups.add_table("lemma_lookup", lemma_table())
    lemmatizer.initialize(lookups=lookups)
    logger.debug("German pipeline ready in %.2f s", time.perf_counter() - started)
    return nlp


@lru_cache(maxsize=1)
def _sentence_pipeline() -> "Language":
    # Sentences need no lemmas: no lemma table, fast to build (ingestion uses it).
    return _blank_german()


def split_sentences(text: str) -> list[str]:
    """Split German text into sentences, keeping the original characters."""
    if not text.strip():
        return []
    doc = _sentence_pipeline()(text)
    return [s.text_with_ws for s in doc.sents if s.text.strip()]


def _tokens(doc: "Doc") -> list[Token]:
    from insek_nlp.text.normalize import match_key
    from insek_nlp.text.stopwords import is_stopword

    out = []
    for tok in doc:
        if tok.is_space:
            continue
        text = tok.text
        lemma = tok.lemma_ or text
        out.append(Token(
            text=text,
            lemma=lemma,
            norm=match_key(text),
            start=tok.idx,
            end=tok.idx + len(text),
            is_stop=is_stopword(text) or is_stopword(lemma),
            is_alpha=_is_alpha(text),
        ))
    return out


@lru_cache(maxsize=100_000)
def _is_alpha(text: str) -> bool:
    from insek_nlp.text.normalize import strip_gender

    core = strip_gender(text).replace("-", "")
    return core.isalpha()


def lemmatize(text: str) -> list[Token]:
    """Tokens of ``text`` with lemmas and offsets (white space left out)."""
    return _tokens(german_pipeline()(text))


def lemmatize_many(texts: Iterable[str], *, batch_size: int = 256) -> Iterator[list[Token]]:
    """:func:`lemmatize` for many texts, streamed through ``nlp.pipe`` (much faster)."""
    for doc in german_pipeline().pipe(texts, batch_size=batch_size):
        yield _tokens(doc)
