"""The German word lists behind lemmas and compound splitting.

Both come from the PyPI package ``spacy-lookups-data``, loaded once per process
from the installed package, never from the network:

- ``lemma_lookup``: about 355,000 inflected forms → 90,000 lemmas. Case-sensitive,
  partly in the old orthography ("Fluß"), and it lists only words that inflect:
  "Armut", "Mobilität" or "Hitze" are missing.
- ``lexeme_prob``: log probabilities of a million word forms from web text, noisy
  at the tail. Its frequent capitalised words fill the gaps of the lemma table
  (as known nouns for compound splitting), and its probabilities tell lexicalised
  words ("Alternative", "Richtlinien") from compounds to be split.

For matching, forms are folded (:func:`fold`: casefold, ß → ss, ä → ae …), which
also evens out the old and new orthography.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

logger = logging.getLogger(__name__)

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})

# Capitalised words of the frequency list at or above this log probability count
# as known nouns (≈ 87,000 forms); below it, the list is mostly typos and names.
NOUN_THRESHOLD = -15.5
# Frequencies are kept down to here (rarer words count as unseen).
FREQ_THRESHOLD = -16.5
UNSEEN = -20.0


def fold(s: str) -> str:
    """Key used for matching: casefold (ß → ss) and umlauts spelled out (ä → ae)."""
    return s.casefold().translate(_UMLAUTS)


class Lexicon:
    """The lemma table as written (for lemmas) and folded (for matching).

    Folded lemmas are kept apart by the case of the form, because folding merges
    nouns with other words: "Gefahren" is a form of "Gefahr", "gefahren" one of
    "fahren"; "Alter" is a noun, "alter" a form of "alt".
    """

    __slots__ = ("table", "lemmas", "nouns", "others")

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.lemmas = frozenset(table.values())
        nouns: dict[str, str] = {}
        others: dict[str, str] = {}
        for lemma in self.lemmas:      # a lemma is its own lemma, unless listed as a form
            (nouns if lemma[:1].isupper() else others)[fold(lemma)] = fold(lemma)
        for form, lemma in table.items():
            (nouns if form[:1].isupper() else others)[fold(form)] = fold(lemma)
        self.nouns = nouns
        self.others = others

    def knows(self, key: str) -> bool:
        """Whether the folded ``key`` is a form in the lemma table."""
        return key in self.nouns or key in self.others

    def lemma_key(self, key: str, *, noun: bool = True) -> str | None:
        """Folded lemma of a folded form, preferring the noun or the other reading."""
        first, second = (self.nouns, self.others) if noun else (self.others, self.nouns)
        hit = first.get(key)
        return hit if hit is not None else second.get(key)

    def is_lowercase_word(self, word: str) -> bool:
        """Whether ``word``, written in lower case, is a known verb, adjective or other non-noun."""
        return word[:1].islower() and (word in self.table or word in self.lemmas)

    def lemma(self, word: str) -> str | None:
        """The lemma of ``word`` as written, trying case and ss/ß variants; None if unknown.

        A word in lower case is looked up as written, then as an inflected adjective
        ("neue" → "neu", missing from the table), then capitalised ("wohnungen" →
        "Wohnung", nouns in sloppy comments).
        """
        for form in _variants(word):
            if form[:1].isupper() and word[:1].islower():
                stem = self._adjective(word)
                if stem is not None:
                    return stem
            lemma = self.table.get(form)
            if lemma is not None:
                return _modern_ss(word, lemma)
            if form in self.lemmas:
                return _modern_ss(word, form)
        return None

    def _adjective(self, word: str) -> str | None:
        for ending in ("e", "en", "er", "es", "em"):
            stem = word[: -len(ending)]
            if word.endswith(ending) and len(stem) >= 2 and stem in self.lemmas:
                return stem
        return None


def _variants(word: str) -> list[str]:
    forms = [word]
    if "ss" in word and "ß" not in word:
        # The table partly follows the old orthography: "Fluß", "daß", "muß".
        forms.append(word[::-1].replace("ss", "ß", 1)[::-1])
    if word[:1].isupper():
        more = [word.lower()]
        if word.isupper() and len(word) > 1:
            more.insert(0, word[:1] + word[1:].lower())
    elif word[:1].islower():
        more = [word[:1].upper() + word[1:]]
    else:
        more = []
    for form in more:
        forms.append(form)
        if "ss" in form and "ß" not in form:
            forms.append(form[::-1].replace("ss", "ß", 1)[::-1])
    return forms


def _modern_ss(word: str, lemma: str) -> str:
    # "Flüsse" → "Fluß" (old spelling in the table) → "Fluss"; keep "Straße", "Füße" → "Fuß".
    if "ß" in lemma and "ß" not in word and "ss" in word:
        return lemma.replace("ß", "ss")
    return lemma


def _lookups_path(table: str):
    import spacy  # noqa: F401  (registers the spacy_lookups entry point)
    from spacy.util import registry

    try:
        paths = registry.lookups.get("de")
    except Exception as exc:  # catalogue's RegistryError
        raise ImportError("The German lookup tables are missing: pip install spacy-lookups-data") from exc
    return paths[table]


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """The raw German ``lemma_lookup`` table (form → lemma)."""
    from spacy.util import load_language_data

    started = time.perf_counter()
    table = load_language_data(_lookups_path("lemma_lookup"))
    logger.debug("Loaded %d lemma forms in %.2f s", len(table), time.perf_counter() - started)
    return table


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shared :class:`Lexicon` (built on first use)."""
    started = time.perf_counter()
    lex = Lexicon(lemma_table())
    logger.debug("Built lexicon in %.2f s", time.perf_counter() - started)
    return lex


class Frequencies:
    """Folded word → log probability, and the set of known nouns."""

    __slots__ = ("logp", "nouns")

    def __init__(self, probs: dict[str, float]) -> None:
        logp: dict[str, float] = {}
        nouns = set()
        for form, p in probs.items():
            if p < FREQ_THRESHOLD or len(form) < 3 or not form.isalpha():
                continue
            key = fold(form)
            if p > logp.get(key, UNSEEN):
                logp[key] = p
            if p >= NOUN_THRESHOLD and len(form) >= 4 and form[0].isupper() and not form.isupper():
                nouns.add(key)
        self.logp = logp
        self.nouns = frozenset(nouns)

    def get(self, key: str) -> float:
        return self.logp.get(key, UNSEEN)


@lru_cache(maxsize=1)
def frequencies() -> Frequencies:
    """The shared :class:`Frequencies` (built on first use)."""
    from spacy.util import load_language_data

    started = time.perf_counter()
    freq = Frequencies(load_language_data(_lookups_path("lexeme_prob")))
    logger.debug("Built %d frequencies in %.2f s", len(freq.logp), time.perf_counter() - started)
    return freq
