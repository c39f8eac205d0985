"""German compounds: splitting, compound lemmas and term matching.

The rule (every comparison on :func:`~insek_nlp.text.normalize.match_key` keys with
umlauts spelled out, so "ü" = "ue", "ß" = "ss", gender forms collapsed):

A term matches a word when

1. **word**: the word is the term, up to inflection. The term is taken as a lemma
   (or lemmatised if the table does not list it as one: "Radwege" → "Radweg");
   the word matches by its lemma ("Bäume" → "Baum"; a compound's lemma is its
   modifier plus the lemma of its head: "Radwegen" → "Radweg") or, when the
   lemma table does not know it, by dropping one noun ending (-e, -n, -en, -s,
   -es, -ns, -ens). Nouns and verbs stay apart: "gebaut" does not match "Bau".
2. **head**: the word ends with the term (up to inflection) and what comes before
   is a real modifier: known words, optionally followed by a linking element
   (Fugen-s/-es/-e/-n/-en/-er/-ens/-ns) or a hyphen: "Bürgerbeteiligung" →
   "Beteiligung", "Straßenbäume" → "Baum", "Karl-Heine-Straße" → "Straße". A bare
   verbal particle ("Ausbau", "Vorrat", "Beirat") is no modifier: such words are
   derivations, not compounds.
3. **modifier / part**: the word starts with the term (or contains it right after
   a real modifier), followed by a linking element or nothing and then known
   words: "Klimaanpassungsmaßnahmen" → "Klimaanpassung", "Radwegenetz" →
   "Radweg", "Kaltluftentstehungsgebiet" → "Kaltluft".

"Known words" are the forms of spacy-lookups-data's lemma table, the frequent
capitalised words of its frequency list (nouns the table lacks), verb stems and
nouns without their final -e as they appear in compounds ("Geh-", "Schul-"),
-ung nouns of known verbs, and the terms themselves; never determiners, pronouns
or derivational suffixes (-ung, -heit, -schaft …). Parts of three letters may
only open or close a word; inside, parts need four ("Baumaßnahmen" is
"Bau|maßnahmen", not "Baum|aß|nahmen").

Guards against false hits:

- **short terms**: a term of one or two letters matches whole words only; of
  three letters, whole words or heads ("Stadtrat", not "Beratung", "Ratgeber",
  "Radverkehr"); from four letters on, every position above. Terms of six or
  more letters may also follow an unknown modifier of three or more letters
  ("Einbahnstraße" → "Straße"): long endings rarely match by accident.
- **lexicalised words**: no compound reading when the whole word is clearly
  more frequent than its sides (log probability more than ``LEXICALISED`` above
  their mean, after Koehn & Knight 2003): "Alternative" is not "Alter" + "native",
  "Richtlinien" not "richt" + "Linien", "Transporter" not "Tran" + "Sporter".
- **known non-nouns**: a word written in lower case that the lemma table knows
  (a verb, adjective, adverb: "zugeparkt", "schlichtweg") only matches as a
  whole word.

Multi-word terms ("wachsende Stadt") match consecutive words separated only by
white space, each word up to inflection; the first word may also be a compound
head and the last a compound modifier ("öffentlichen Nahverkehrsangebot" for
"öffentlicher Nahverkehr"). Coordinations with a hyphen are completed before
matching: in "Fuß- und Radverkehr", "Fuß-" is read as "Fußverkehr"; in
"Verkehrsplanung und -steuerung", "-steuerung" as "Verkehrssteuerung".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from insek_nlp.text._lexicon import UNSEEN, fold, frequencies, lexicon
from insek_nlp.text.normalize import _align, match_key

__all__ = ["CompoundSplitter", "TermMatch", "TermMatcher", "compound_lemma", "split_compound"]

MatchKind = Literal["word", "head", "modifier", "part", "phrase"]

# Linking elements between compound parts; "" first so the plain split is tried first.
FUGEN = ("", "s", "es", "e", "n", "en", "er", "ens", "ns")
# Inflection endings a word unknown to the lexicon may carry.
INFLECTIONS = ("e", "n", "en", "s", "es", "ns", "ens")
# A compound reading is dropped when the whole word is this much (natural log)
# more frequent than its sides on average: it is lexicalised ("Alternative" is
# not "Alter" + "native", "Richtlinien" not "richt" + "Linien").
LEXICALISED = 1.0
# Longer "words" (URLs, run-together text) are not analysed as compounds.
MAX_COMPOUND = 64
# A modifier that is only one of these makes a derivation, not a compound.
PARTICLES = frozenset(fold(w) for w in (
    "ab an auf aus bei durch ein hinter mit nach neben ober um unter über vor weg wider zu zer ver ent emp "
    "miss wieder zurück zusammen fort her hin los nieder hei ge be er"
).split())
# Never compound parts: function words and derivational suffixes that the
# frequency list also holds as "words".
NON_PARTS = frozenset(fold(w) for w in (
    "der die das dem den des ein eine einer eines einem einen sie ihr ihm ihn ihre wir uns mir mich dich "
    "sich ich du er es man dies diese dieser dass und oder aber als wie was wer wen wem "
    "ung ungen heit heiten keit keiten schaft schaften lich lichen isch ische tum tums nis nisse "
    "ling linge chen lein ion ionen tion tionen ität itäten ismus ist isten ier ieren tung tungen "
    "sten ern ens end ende enden ender endes ig ige igen ung"
).split())
DERIVED_TAILS = ("heit", "heiten", "keit", "keiten", "igkeit", "igkeiten")
_CONJUNCTIONS = frozenset(("und", "oder", "bzw", "sowie", "als", "auch", "&"))
_KIND_RANK = {"word": 0, "phrase": 0, "head": 1, "modifier": 2, "part": 3}


def _function_words() -> frozenset[str]:
    from insek_nlp.text.stopwords import spacy_stop_words

    return frozenset(fold(w) for w in spacy_stop_words())


class CompoundSplitter:
    """Lexicon-based analysis of German compounds, on folded keys (see :func:`fold`).

    Args:
        extra_words: Further known words (any case), e.g. the terms of a taxonomy.

    Results are memoised per instance; one instance serves any number of words.
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self.extra_words = tuple(extra_words)
        self._lex = lexicon()
        self._freq = frequencies()
        self._extra = frozenset(match_key(w, fold_umlauts=True) for w in self.extra_words)
        self._part: dict[str, bool] = {}
        self._chain: dict[str, bool] = {}
        self._prefix: dict[str, bool] = {}
        self._inner_memo: dict[str, bool] = {}
        self._lemma: dict[tuple[str, bool], str] = {}

    # -- the lexicon -----------------------------------------------------------------

    def known(self, s: str) -> bool:
        """Whether ``s`` (folded) is a known word form."""
        return self._lex.knows(s) or s in self._freq.nouns or s in self._extra

    def logp(self, s: str) -> float:
        """Log probability of a folded form; :data:`UNSEEN` when rare or unknown."""
        return self._freq.get(s)

    def side_logp(self, s: str, *, at: Literal["start", "inside", "end"] = "inside") -> float:
        """Log probability of one side of a compound; a linking element after a
        modifier (``at="start"``) or before a tail (``at="end"``) does not count."""
        best = self._freq.get(s)
        for f in FUGEN[1:]:
            if len(s) - len(f) >= 3:
                if at == "start" and s.endswith(f):
                    best = max(best, self._freq.get(s[: -len(f)]))
                elif at == "end" and s.startswith(f):
                    best = max(best, self._freq.get(s[len(f):]))
        return best

    def is_part(self, s: str) -> bool:
        """Whether ``s`` can be one part of a compound (no linking element)."""
        hit = self._part.get(s)
        if hit is None:
            hit = self._part[s] = self._is_part(s)
        return hit

    def _is_part(self, s: str) -> bool:
        if len(s) < 3 or s in NON_PARTS or "-" in s:
            return False
        if self.known(s):
            return True
        if self._lex.others.get(s + "en") == s + "en" or (len(s) >= 4 and (self.known(s + "e") or self.known(s + "n"))):
            return True          # "geh" (gehen), "schul" (Schule) as in "Gehweg", "Schulweg"
        if len(s) >= 6 and s.endswith("ung"):
            stem = s[:-3]        # "anpassung" ← "anpassen", "versiegelung" ← "versiegeln"
            return self.known(stem + "en") or self.known(stem + "n")
        return False

    def is_final(self, s: str) -> bool:
        """A last part, possibly inflected ("maßnahmen", "radwegen")."""
        if self.is_part(s):
            return True
        return any(s.endswith(x) and len(s) - len(x) >= 3 and self.is_part(s[: -len(x)]) for x in INFLECTIONS)

    # -- sequences of parts ----------------------------------------------------------
    #
    # A part of three letters may only open or close a word ("Neu|bau", "Wohnungs|bau");
    # inside, parts need four letters or more: otherwise "Baumaßnahmen" (folded
    # "baumassnahmen") would read "Baum|ass|nahmen".

    def chain(self, s: str) -> bool:
        """Whether ``s`` is the start of a word made of parts, each inner part ≥ 4 letters."""
        hit = self._chain.get(s)
        if hit is None:
            if "-" in s:
                hit = all(s.split("-"))
            else:
                hit = self.is_part(s) or any(
                    self.prefix_ok(s[:k]) and self._inner(s[k:]) for k in range(3, len(s) - 3)
                )
            self._chain[s] = hit
        return hit

    def prefix_ok(self, s: str) -> bool:
        """Whether ``s`` can stand before another part: a chain plus optional linking element."""
        hit = self._prefix.get(s)
        if hit is None:
            if s.endswith("-"):
                hit = len(s) > 1
            else:
                hit = any(
                    s.endswith(f) and len(s) - len(f) >= 3 and self.chain(s[: len(s) - len(f)]) for f in FUGEN
                )
            self._prefix[s] = hit
        return hit

    def _inner(self, s: str) -> bool:
        return len(s) >= 4 and self.is_part(s)

    def _inner_chain(self, s: str) -> bool:
        hit = self._inner_memo.get(s)
        if hit is None:
            if "-" in s:
                hit = all(s.split("-"))
            else:
                hit = self._inner(s) or any(
                    self._inner_prefix(s[:k]) and self._inner(s[k:]) for k in range(4, len(s) - 3)
                )
            self._inner_memo[s] = hit
        return hit

    def _inner_prefix(self, s: str) -> bool:
        if s.endswith("-"):
            return len(s) > 1
        return any(s.endswith(f) and len(s) - len(f) >= 4 and self._inner_chain(s[: len(s) - len(f)]) for f in FUGEN)

    def tail_ok(self, s: str) -> bool:
        """Whether ``s`` can follow a modifier inside a word: optional linking element,
        then parts (inner ones ≥ 4 letters), the last one possibly inflected."""
        if s.startswith("-"):
            return len(s) > 1
        if "-" in s:        # "Schul|te-Str": what comes before the hyphen must be a tail itself
            before = s[: s.index("-")]
            return all(s.split("-")) and (before in FUGEN or before.isdigit() or self.tail_ok(before))
        for f in FUGEN:
            if not s.startswith(f):
                continue
            rest = s[len(f):]
            if len(rest) < 3:
                continue
            if self.is_final(rest) or any(
                self._inner_prefix(rest[:k]) and self.is_final(rest[k:]) for k in range(4, len(rest) - 2)
            ):
                return True
        return False

    def is_particle(self, prefix: str) -> bool:
        """Whether a modifier is only a verbal particle (optionally with a linking element)."""
        return prefix in PARTICLES or any(
            prefix.endswith(f) and prefix[: len(prefix) - len(f)] in PARTICLES for f in FUGEN[1:]
        )

    # -- lemmas and splits -------------------------------------------------------------

    def lemma(self, w: str, *, noun: bool = True) -> str:
        """Folded lemma of a folded word: lemma table, else modifier + lemma of the head.

        ``noun`` prefers the noun reading where folding merged two ("gefahren").
        """
        hit = self._lemma.get((w, noun))
        if hit is None:
            hit = self._lemma[(w, noun)] = self._compute_lemma(w, noun)
        return hit

    def _compute_lemma(self, w: str, noun: bool) -> str:
        direct = self._lex.lemma_key(w, noun=noun)
        if direct is not None or len(w) > MAX_COMPOUND:
            return w if direct is None else direct
        if "-" in w:
            cut = w.rindex("-") + 1
            return w[:cut] + self.lemma(w[cut:], noun=noun) if cut < len(w) else w
        for i in range(3, len(w) - 2):
            head = self._lex.lemma_key(w[i:], noun=noun)
            if head is not None and self.prefix_ok(w[:i]):
                return w[:i] + head
        return w

    def split(self, w: str) -> list[tuple[int, int]]:
        """Best split of a folded word into parts, as (start, end) spans; linking
        elements stay with the part before them. Fewest parts win, ties go to the
        split found first (longest first part)."""
        n = len(w)
        if n > MAX_COMPOUND:
            return [(0, n)]
        best: dict[int, list[tuple[int, int]]] = {0: []}
        for start in range(n):
            spans = best.get(start)
            if spans is None:
                continue
            for end in range(n, start + 2, -1):
                segment = w[start:end]
                if end == n:
                    if spans and self.is_final(segment):
                        old = best.get(n)
                        if old is None or len(spans) + 1 < len(old):
                            best[n] = spans + [(start, n)]
                    continue
                if not (self.is_part(segment) if start == 0 else self._inner(segment)):
                    continue
                for f in FUGEN:
                    nxt = end + len(f)
                    if w.startswith(f, end) and nxt <= n - 3:
                        old = best.get(nxt)
                        if old is None or len(spans) + 1 < len(old):
                            best[nxt] = spans + [(start, nxt)]
        return best.get(n) or [(0, n)]

    def first_boundary(self, w: str) -> int | None:
        """Where the first part of a compound ends (after its linking element), if any."""
        spans = self.split(w)
        if len(spans) < 2 or self.is_particle(w[: spans[0][1]]):
            return None
        return spans[0][1]

    def last_boundary(self, w: str) -> int | None:
        """Where the head of a compound starts, if any."""
        spans = self.split(w)
        return spans[-1][0] if len(spans) >= 2 else None

    def clear(self) -> None:
        """Forget memoised results (they grow with the vocabulary seen)."""
        self._part.clear()
        self._chain.clear()
        self._prefix.clear()
        self._inner_memo.clear()
        self._lemma.clear()


_DEFAULT: CompoundSplitter | None = None


def _default_splitter() -> CompoundSplitter:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = CompoundSplitter()
    return _DEFAULT


def split_compound(word: str) -> list[str]:
    """Split a German compound into its parts as written.

    Linking elements stay with the part before them; a word that is not a
    compound (or cannot be split with the lexicon) comes back whole.

    Example:
        >>> split_compound("Klimaanpassungsmaßnahmen")
        ['Klima', 'anpassungs', 'maßnahmen']
    """
    key, starts, ends = _align(word, True)
    if not key:
        return [word] if word else []
    if "-" in key:
        return [p for p in re.split(r"(?<=[-\u2010\u2011])", word) if p]
    spans = _default_splitter().split(key)
    return [word[starts[s]:ends[e - 1]] for s, e in spans]


def compound_lemma(word: str) -> str:
    """Lemma of a (compound) word as written: modifier as is, head lemmatised.

    "Radwegen" → "Radweg", "Klimaanpassungsmaßnahmen" → "Klimaanpassungsmaßnahme",
    "barrierefreie" → "barrierefrei"; the word itself when neither it nor a head
    is in the lexicon.
    """
    lex = lexicon()
    direct = lex.lemma(word)
    if direct is not None:
        return direct
    if len(word) > MAX_COMPOUND:
        return word
    splitter = _default_splitter()
    noun = not word[:1].islower()
    for i in range(3, len(word) - 2):
        head = word[i:]
        if not head[0].isalpha():
            continue
        lemma = lex.lemma(head[0].upper() + head[1:]) if noun else lex.lemma(head)
        if lemma is None:
            continue
        if splitter.prefix_ok(match_key(word[:i], fold_umlauts=True)):
            if word[i - 1].isalpha() and head[0].islower():
                lemma = lemma[0].lower() + lemma[1:]
            return word[:i] + lemma
    return word


# -- term matching ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TermMatch:
    """One occurrence of a term in a text.

    Attributes:
        term: The term as given to :class:`TermMatcher`.
        start: Start offset in the original text.
        end: End offset in the original text (``text[start:end] == surface``).
        surface: The matched words as written (whole words, also for compound parts).
        kind: How it matched: ``word`` (the term, inflected), ``head`` / ``modifier``
            / ``part`` (inside a compound), ``phrase`` (a multi-word term).
    """

    term: str
    start: int
    end: int
    surface: str
    kind: MatchKind = "word"


_LETTER = r"[^\W\d_]"
_ALNUM = r"[^\W_]"
_CH = r"(?:[^\W_]|[\u00ad\u200b\u200c\u200d\u2060])"
_HY = "-\u2010\u2011"
_PAIR = re.compile(
    rf"""
    (?<!{_ALNUM})(?P<s>{_LETTER}{{2,}}?)[Ii]nnen[ \t\u00a0]+(?:und|oder|bzw\.|sowie|&)[ \t\u00a0\n]+(?P=s)(?:n|s)?(?!{_ALNUM})
  | (?<!{_ALNUM})(?P<t>{_LETTER}{{2,}})n?[ \t\u00a0]+(?:und|oder|bzw\.|&)[ \t\u00a0\n]+(?P=t)innen(?!{_ALNUM})
    """,
    re.VERBOSE,
)
_WORD = re.compile(
    rf"""
    (?:(?<![^\s(\[„"'‚‘“»«/])[{_HY}](?={_LETTER}))?                  # "-steuerung" after "und"
    {_CH}+
    (?:
        (?:[*:_·\u2217\u2022]|/-?)[Ii]n(?:nen)?(?!{_ALNUM})            # Bürger*innen, Bürger/-innen
      | \([Ii]n(?:nen)?\)                                            # Bürger(innen)
      | [*:_·\u2217\u2022](?=[Ii]nnen{_LETTER}){_CH}+                # Bürger*innenbeteiligung
      | [{_HY}]{_CH}+                                                # Stadt-Umland
    )*
    (?:[{_HY}](?!{_CH}))?                                            # "Rad-" in "Rad- und Fußverkehr"
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[int, int, str]]:
    """Words of ``text`` as (start, end, surface); "Bürgerinnen und Bürger" is one word."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if "nnen" not in text:
        return tokens
    pairs = [(m.start(), m.end(), m.group()) for m in _PAIR.finditer(text)]
    if not pairs:
        return tokens
    merged: list[tuple[int, int, str]] = []
    i = 0
    for token in tokens:
        while i < len(pairs) and pairs[i][1] <= token[0]:
            i += 1
        if i < len(pairs) and pairs[i][0] <= token[0] < pairs[i][1]:
            if token[0] == pairs[i][0]:
                merged.append(pairs[i])
            continue
        merged.append(token)
    return merged


_GAP_LIST = re.compile(r"[\s,/]*")


@dataclass(slots=True)
class _Unit:
    key: str
    letters: int
    noun: bool


@dataclass(slots=True)
class _Term:
    text: str
    units: tuple[int, ...]
    length: int            # letters of the key, to prefer specific terms


class TermMatcher:
    """Find terms in German text, inflected and inside compounds.

    Args:
        terms: Terms and phrases as a planner writes them ("Klimaanpassung",
            "wachsende Stadt", "Rad- und Fußverkehr"). Duplicates are dropped.

    The index is built once here (the lexicon loads on first use, a few seconds
    per process); :meth:`find` is then fast. See the module docstring for the
    matching rule.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = tuple(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
        self._units: list[_Unit] = []
        self._unit_ids: dict[str, int] = {}
        self._terms: list[_Term] = []
        self._single: dict[int, list[int]] = {}          # unit → single-word terms
        self._phrases: dict[int, list[int]] = {}         # first unit → phrase terms
        self._whole: dict[str, set[int]] = {}            # form → units
        self._heads: dict[str, set[int]] = {}            # form → units (≥ 3 letters)
        self._mods: dict[str, list[tuple[str, int]]] = {}  # first 3 chars → (form, unit) (≥ 4 letters)
        self._cache: dict[tuple[str, bool, bool], tuple[tuple[int, str], ...]] = {}
        self._surfaces: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {}   # as written → key, analysis
        self._closed = lexicon().is_lowercase_word
        self._functions = _function_words()
        words = []
        for term in self.terms:
            words += [tok for _, _, tok in _tokenize(term)]
        self._splitter = CompoundSplitter(w.strip("-\u2010\u2011") for w in words)
        for term in self.terms:
            self._add_term(term)

    # -- building ------------------------------------------------------------------

    def _add_term(self, term: str) -> None:
        tokens = [tok for _, _, tok in _tokenize(term)]
        if not tokens:
            return
        units = tuple(self._unit(tok) for tok in tokens)
        length = sum(self._units[u].letters for u in units)
        tid = len(self._terms)
        self._terms.append(_Term(term, units, length))
        if len(units) == 1:
            self._single.setdefault(units[0], []).append(tid)
        else:
            self._phrases.setdefault(units[0], []).append(tid)

    def _unit(self, token: str) -> int:
        key = match_key(token, fold_umlauts=True)
        uid = self._unit_ids.get(key)
        if uid is not None:
            return uid
        uid = len(self._units)
        letters = sum(c.isalpha() for c in match_key(token))
        unit = _Unit(key, letters, token[:1].isupper())
        self._units.append(unit)
        self._unit_ids[key] = uid
        sp = self._splitter
        lex = lexicon()
        truncated = key.startswith("-") or key.endswith("-")
        forms = {key}
        if not truncated:
            # "Stadt-Umland" also as "Stadtumland", but "S-Bahn" not as "Sbahn"
            joined = key.replace("-", "") if all(len(p) >= 3 for p in key.split("-")) else key
            forms.add(joined)
            # A term is taken as a lemma; only a form the lexicon does not list as a
            # lemma gets lemmatised ("Radwege" → "Radweg", but "Alter" stays "Alter").
            if token not in lex.lemmas:
                forms |= {sp.lemma(key, noun=unit.noun), sp.lemma(joined, noun=unit.noun)}
        for form in forms:
            self._whole.setdefault(form, set()).add(uid)
        if key in self._functions or truncated:
            return uid          # "und" in "Rad- und Fußverkehr": only as itself
        if letters >= 3:
            for form in forms:
                self._heads.setdefault(form, set()).add(uid)
        if letters >= 4:
            mods = {f for f in forms if len(f) >= 4} if unit.noun else {key, joined}
            lower = token.lower()
            if unit.noun and lower.endswith("e") and letters >= 5 and lower[:-1] + "en" in lex.lemmas:
                mods.add(key[:-1])  # a verb stem as modifier: "Schule" → "Schulweg", "Miete" → "Mietpreis"
            for form in mods:
                self._mods.setdefault(form[:3], []).append((form, uid))
        return uid

    # -- analysing one word ----------------------------------------------------------

    def _analyse(self, w: str, closed: bool = False, lower: bool = False) -> tuple[tuple[int, str], ...]:
        """Units matching the folded word ``w``.

        ``closed``: the word is a known verb, adjective or other non-noun as written,
        so it is not split; ``lower``: it is written in lower case.
        """
        cache_key = (w, closed, lower)
        hit = self._cache.get(cache_key)
        if hit is None:
            if len(self._cache) > 500_000:
                self._cache.clear()
                self._splitter.clear()
            hit = self._cache[cache_key] = self._compute(w, closed, lower)
        return hit

    def _compute(self, w: str, closed: bool, lower: bool) -> tuple[tuple[int, str], ...]:
        found: dict[int, str] = {}

        def add(uid: int, kind: str) -> None:
            old = found.get(uid)
            if old is None or _KIND_RANK[kind] < _KIND_RANK[old]:
                found[uid] = kind

        if w in self._functions or len(w) < 3:
            for uid in self._whole.get(w, ()):
                if self._units[uid].key == w:
                    add(uid, "word")
            return tuple(sorted(found.items()))
        sp = self._splitter
        lex = sp._lex
        # 1. the whole word, inflected
        cands = {w, sp.lemma(w, noun=not lower)}
        if "-" in w and not w.endswith("-") and not w.startswith("-"):
            joined = w.replace("-", "")
            cands |= {joined, sp.lemma(joined, noun=not lower)}
        if not lex.knows(w):
            cands |= {w[: -len(x)] for x in INFLECTIONS if w.endswith(x) and len(w) - len(x) >= 3}
        for c in cands:
            for uid in self._whole.get(c, ()):
                add(uid, "word")
        if closed or w.startswith("-") or w.endswith("-") or len(w) > MAX_COMPOUND:
            return tuple(sorted(found.items()))
        n = len(w)
        word_logp = sp.logp(w)

        def lexicalised(prefix: str, middle: str, rest: str) -> bool:
            if word_logp == UNSEEN:
                return False
            sides = [sp.side_logp(middle)]
            if prefix:
                sides.append(sp.side_logp(prefix, at="start"))
            if rest:
                sides.append(sp.side_logp(rest, at="end"))
            return word_logp - sum(sides) / len(sides) > LEXICALISED

        # 2. a compound head
        heads = self._heads
        for i in range(3, n - 2):
            h = w[i:]
            if h[0] == "-" or (lower and (h in self._functions or h in lex.others)):
                continue            # "weswegen", "reingefahren": not a noun head
            uids = set(heads.get(h, ()))
            lem = lex.lemma_key(h)
            if lem is not None:
                uids.update(heads.get(lem, ()))
            else:
                for x in INFLECTIONS:
                    if h.endswith(x) and len(h) - len(x) >= 3:
                        uids.update(heads.get(h[: -len(x)], ()))
            if not uids:
                continue
            prefix = w[:i]
            if sp.is_particle(prefix) or lexicalised(prefix, h, ""):
                continue
            strict = sp.prefix_ok(prefix)
            for uid in uids:
                if strict or (self._units[uid].letters >= 6 and len(prefix.replace("-", "")) >= 3):
                    add(uid, "head")
        # 3. a modifier or inner part
        mods = self._mods
        for p in range(0, n - 3):
            entries = mods.get(w[p:p + 3])
            if not entries:
                continue
            for form, uid in entries:
                if not w.startswith(form, p):
                    continue
                j = p + len(form)
                if j >= n or (uid in found and _KIND_RANK[found[uid]] <= _KIND_RANK["modifier"]):
                    continue
                prefix, rest = w[:p], w[j:]
                if p > 0 and (sp.is_particle(prefix) or not sp.prefix_ok(prefix)):
                    continue
                if not (sp.tail_ok(rest) or (not self._units[uid].noun and rest in DERIVED_TAILS)):
                    continue
                if lexicalised(prefix, form, rest):
                    continue
                add(uid, "modifier" if p == 0 else "part")
        return tuple(sorted(found.items()))

    # -- finding -----------------------------------------------------------------------

    def find(self, text: str, *, overlapping: bool = False) -> list[TermMatch]:
        """All term occurrences in ``text``.

        Args:
            text: The original text (offsets refer to it).
            overlapping: Keep every match. By default overlaps are resolved: the
                longest span wins, then the closer kind (word, head, modifier,
                part: a compound is what its head says), then the longer term,
                then the term given first.

        Returns:
            Matches ordered by start offset, then end, then term order.
        """
        if not self._terms or not text:
            return []
        tokens = _tokenize(text)
        if not tokens:
            return []
        surfaces = self._surfaces
        keys, analyses = [], []
        for _, _, tok in tokens:
            hit = surfaces.get(tok)
            if hit is None:
                if len(surfaces) > 500_000:
                    surfaces.clear()
                key = match_key(tok, fold_umlauts=True)
                hit = surfaces[tok] = (key, self._analyse(key, self._closed(tok), tok[:1].islower()))
            keys.append(hit[0])
            analyses.append(hit[1])
        self._complete_coordinations(text, tokens, keys, analyses)
        found: list[tuple[int, int, int, str]] = []        # (start, end, term id, kind)
        for k, analysis in enumerate(analyses):
            for uid, kind in analysis:
                for tid in self._single.get(uid, ()):
                    found.append((tokens[k][0], tokens[k][1], tid, kind))
                for tid in self._phrases.get(uid, ()):
                    if kind in ("word", "head"):
                        end = self._phrase_end(text, tokens, analyses, k, self._terms[tid].units)
                        if end is not None:
                            found.append((tokens[k][0], end, tid, "phrase"))
        if not overlapping:
            found = self._resolve(found)
        found.sort(key=lambda f: (f[0], f[1], f[2]))
        return [TermMatch(self._terms[tid].text, s, e, text[s:e], kind) for s, e, tid, kind in found]

    def _phrase_end(self, text, tokens, analyses, k, units) -> int | None:
        last = len(units) - 1
        for offset in range(1, len(units)):
            j = k + offset
            if j >= len(tokens):
                return None
            gap = text[tokens[j - 1][1]:tokens[j][0]]
            if not gap.isspace() or gap.count("\n") > 1:
                return None
            allowed = ("word", "modifier") if offset == last else ("word",)
            if not any(uid == units[offset] and kind in allowed for uid, kind in analyses[j]):
                return None
        return tokens[k + last][1]

    def _complete_coordinations(self, text, tokens, keys, analyses) -> None:
        """Read "Fuß-" in "Fuß- und Radverkehr" as "Fußverkehr", "-steuerung" likewise."""
        sp = self._splitter
        for k, key in enumerate(keys):
            if key.endswith("-") and len(key) > 1:
                j = k + 1
                while j < len(tokens) and j - k <= 6:
                    gap = text[tokens[j - 1][1]:tokens[j][0]]
                    if _GAP_LIST.fullmatch(gap) is None:
                        break
                    if keys[j] in _CONJUNCTIONS or keys[j].endswith("-"):
                        j += 1
                        continue
                    cut = sp.first_boundary(keys[j]) if "-" not in keys[j] else None
                    if cut is not None:
                        extra = self._analyse(key[:-1] + keys[j][cut:])
                        analyses[k] = _merge(analyses[k], extra)
                    break
            elif key.startswith("-") and len(key) > 1:
                j = k - 1
                while j >= 0 and k - j <= 6:
                    gap = text[tokens[j][1]:tokens[j + 1][0]]
                    if _GAP_LIST.fullmatch(gap) is None:
                        break
                    if keys[j] in _CONJUNCTIONS or keys[j].startswith("-"):
                        j -= 1
                        continue
                    cut = sp.last_boundary(keys[j]) if "-" not in keys[j] else None
                    if cut is not None:
                        extra = self._analyse(keys[j][:cut] + key[1:])
                        analyses[k] = _merge(analyses[k], extra)
                    break

    def _resolve(self, found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
        order = sorted(
            found,
            key=lambda f: (-(f[1] - f[0]), _KIND_RANK[f[3]], -self._terms[f[2]].length, f[2], f[0]),
        )
        taken: list[tuple[int, int]] = []
        kept = []
        for f in order:
            if any(f[0] < e and s < f[1] for s, e in taken):
                continue
            taken.append((f[0], f[1]))
            kept.append(f)
        return kept


def _merge(a: Sequence[tuple[int, str]], b: Sequence[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    best: dict[int, str] = dict(a)
    for uid, kind in b:
        if uid not in best or _KIND_RANK[kind] < _KIND_RANK[best[uid]]:
            best[uid] = kind
    return tuple(sorted(best.items()))
