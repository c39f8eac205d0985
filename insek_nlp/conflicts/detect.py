"""Candidate goal conflicts between passages of different drafts.

Each passage gets a profile: its goal and measure statements, the trade-off
sides and objects they act on with their directions, the sites and Ortsteile
it names, and the words with which it names a conflict itself. A pair of
passages is scored from interpretable evidence:

- ``tradeoff``: one passage pursues side A of a known trade-off, the other side B;
- ``opposed``: both act on the same object in opposite directions
  (more ↔ less, less ↔ keep: "Stellplätze entfallen" ↔ "Kundenparkplätze erhalten");
- ``site``: both name the same site or street ("Rietzschke-Aue", "Georg-Schwarz-Straße");
  ``ortsteil``: the same Leipzig Ortsteil;
- ``explicit``: a passage names the conflict ("Zielkonflikt", "zulasten", "Nutzungskonkurrenz");
- ``similarity``: cosine similarity of the sentence embeddings;
- ``wording``: how both passages are worded together (goals with figures and
  obligations against reconciling or procedural text), a bag-of-words model
  fitted on labelled pairs (:mod:`insek_nlp.conflicts.wording`).

The evidence is combined by a logistic model with fixed weights, so the
score reads as a probability and the explanation can say what fired. Implicit
conflicts (neither text mentions the other goal) are found through the
trade-offs, opposed directions and shared places; similarity alone never
makes a flag. Candidate pairs are blocked by trade-off side, object, site,
Ortsteil and conflict words, never scored all against all.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from insek_nlp.conflicts.knowledge import ConflictKnowledge, Direction, default_knowledge
from insek_nlp.conflicts.statements import Statement, find_statements
from insek_nlp.conflicts.wording import WordCounts, WordingModel, default_wording
from insek_nlp.places import tag_places
from insek_nlp.text.compounds import TermMatcher

__all__ = ["ConflictDetector", "PairScore", "Profile", "DEFAULT_THRESHOLD", "DEFAULT_WEIGHTS", "TYPE_LABELS"]

DEFAULT_THRESHOLD = 0.5
# Logistic weights of the evidence. Set from planning reasoning (a known
# trade-off or opposed directions make a candidate; a shared site makes it
# likely) and checked against benchmarks/data/zielkonflikte-dev.jsonl with
# benchmarks/bench_conflicts.py; the held-out file is scored, never fitted.
DEFAULT_WEIGHTS: dict[str, float] = {
    "bias": -1.32,
    "tradeoff": 0.0,
    "opposed": 1.02,
    "site": 0.34,
    "ortsteil": 1.28,
    "explicit": 1.53,
    "similarity": -0.16,     # times (cosine − 0.3)
    "shared_nouns": 0.77,   # content nouns in common (Jaccard × 5, at most 1)
    "stance_opposed": 0.03, # one passage develops, the other protects or limits
    "hedges": -2.59,        # reconciling phrases ("außerhalb", "verträglich", "so angeordnet, dass")
    "aims_opposed": 0.62,   # one passage on the develop side of the embedding axis, the other on the protect side
    "strict": 0.49,         # absolute protection or exclusion in either passage, about the same thing
    "quantities": 0.98,     # concrete quantities (ha, Wohnungen, MW …), about the same thing
    "same_side": -0.6,      # both pursue the same side of a known trade-off, neither the other
    "aims_same": 0.21,      # both on the same side of that axis (agreeing aims), about the same thing
    "similar_related": -0.32,  # cosine − 0.3, about the same thing: similar texts on one site usually agree
    "aims_apart": -0.07,     # distance of the two passages on that axis
    "wording": 1.0,         # the wording model's log-odds (models/conflicts/wording.json, fitted jointly)
}
# The direction each piece of evidence may point, whatever the labelled pairs suggest: a known trade-off,
# opposed directions, a shared place, conflict words, strict wording and quantities never speak against a
# conflict; reconciling phrases and both pursuing the same side never for one (0: either way). The fit
# (benchmarks/bench_conflicts.py --fit) keeps the weights on these sides.
EVIDENCE_SIGNS: dict[str, int] = {
    "tradeoff": 1, "opposed": 1, "site": 1, "ortsteil": 1, "explicit": 1, "strict": 1, "quantities": 1,
    "hedges": -1, "same_side": -1,
}
TYPE_LABELS = {
    "benannt": "Im Entwurf benannter Zielkonflikt",
    "standort": "Unvereinbare Ziele am selben Ort",
    "gegenlaeufig": "Gegenläufige Ziele für dasselbe Objekt",
    "wissensbasis": "Typischer Zielkonflikt",
    "semantisch": "Ähnliche Ziele mit möglichem Konflikt",
}
_OPPOSED: frozenset[frozenset[str]] = frozenset({frozenset({"mehr", "weniger"}), frozenset({"weniger", "erhalten"})})
_VERB = {"mehr": "ausbauen oder neu schaffen", "weniger": "verringern", "erhalten": "erhalten"}

# Named sites: streets and squares written as one word ("Eisenbahnstraße"), any name with a
# hyphenated or adjectival first part ("Georg-Schwarz-Straße", "Karl-Heine-Kanal", "Torgauer Straße",
# "Lindenauer Hafen") and names in German quotes („Rietzschke-Aue“).
_STREET = r"straße|str\.|platz|allee|gasse|weg|ring|ufer|brücke|damm|steg"
_SUFFIX = (_STREET + r"|park|aue|kanal|see|markt|wiese|wald|gebiet|teich|hain|anger|graben|viertel|quartier|"
           r"areal|gelände|hafen|becken|siedlung|feld|flur|bad|garten|gärten|halle|stadion|campus|zentrum|höfe|"
           r"hof|insel|luppe|elster|pleiße|parthe|rietzschke|mühle|werk|werke|friedhof|berg|holz|busch|bahnhof")
_SITE_RE = re.compile(
    rf"\b(?:[A-ZÄÖÜ][\wäöüß]*-)+(?i:{_SUFFIX})\b"
    rf"|\b[A-ZÄÖÜ][a-zäöüß]+(?:{_STREET})\b"
    rf"|\b[A-ZÄÖÜ][a-zäöüß]+er\s+(?:[A-ZÄÖÜ][a-zäöüß]*(?:{_SUFFIX})|Straße|Platz|Allee|Weg|Ring|Park|Aue|Hafen|See)\b"
    r"|„([^“”\"]{3,40})[“”]",
    re.UNICODE,
)
# Common nouns the patterns above also catch.
_GENERIC_SITE = frozenset({
    "stellplatz", "spielplatz", "parkplatz", "arbeitsplatz", "sportplatz", "bolzplatz", "festplatz", "marktplatz",
    "stadtplatz", "quartiersplatz", "kitaplatz", "studienplatz", "ausbildungsplatz", "pflegeplatz", "schulplatz",
    "radweg", "gehweg", "fußweg", "feldweg", "schulweg", "wanderweg", "uferweg", "radfahrweg", "rundweg", "umweg",
    "fahrradstraße", "hauptstraße", "hauptverkehrsstraße", "einkaufsstraße", "wohnstraße", "nebenstraße",
    "sammelstraße", "anliegerstraße", "erschließungsstraße", "ortsumgehungsstraße", "bundesstraße", "landstraße",
    "kreisstraße", "staatsstraße", "geschäftsstraße", "ausfallstraße", "durchgangsstraße", "stadtstraße",
    "innenstadtring", "promenadenring", "weg", "ring", "ufer", "damm", "steg", "brücke", "allee", "straße", "platz",
    "gasse", "fußgängerbrücke", "radbrücke", "fahrweg", "zuweg", "hinweg", "ausweg", "mittelweg", "gehweg",
    "verkehrsweg", "wasserweg", "lieferweg", "fluchtweg", "rettungsweg", "baumallee", "hochwasserdamm",
})


_NOUN = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]{3,}(?:-[A-ZÄÖÜa-zäöüß][a-zäöüß]+)*\b")
# Planning vocabulary every passage shares: never evidence of a shared object.
_GENERIC_NOUN = frozenset("""
stadt leipzig ziel ziele jahr jahre jahren prozent euro bereich bereiche bereichen maßnahme maßnahmen entwicklung
stadtteil stadtteile stadtteilen quartier quartiere quartieren menschen einwohner bewohner bewohnerinnen bedarf
fläche flächen
teil rahmen grundlage konzept fachkonzept fachkonzepte planung planungen umsetzung stadtverwaltung verwaltung angebot
angebote ausbau erhalt sicherung stärkung förderung nutzung nutzungen zukunft richtung gebiet gebiete raum räume ort
orte beitrag bedeutung anteil zahl hälfte drittel viertel zeit zeitraum stadtgebiet stadtgebiets stadtrat mittel
möglichkeit möglichkeiten voraussetzung voraussetzungen qualität aufgabe aufgaben weise fall fälle frage fragen
thema themen ergebnis ergebnisse schritt schritte ende beginn anfang stelle stellen seite seiten grund gründe
zusammenhang punkt punkte form formen ansatz lage größe gesamt gesamtstadt wert werte stand blick sinne
leipziger leipzigs stadtteils quartiers einsatz rund etwa insbesondere zudem hierfür dafür dazu damit dabei
""".split())
_HEDGE = re.compile(
    r"verträglich|außerhalb|so\s+angeordnet|so\s+gestaltet|so\s+geplant|frei\s*bleib|im\s+einklang|abgestimmt|"
    r"in\s+abstimmung|gemeinsam\s+mit|ausgenommen|ausnahme|\bsoweit\b|\bsofern\b|vorrangig\s+auf|"
    r"\bstatt\s+(?:auf|in|an)\b|anstelle|anstatt|bereits\s+(?:genutzt|bebaut|versiegelt)|rücksicht|schonend|"
    r"behutsam|\bohne\s+(?:\w+\s+){0,4}zu\b|mehrfachnutzung|doppelnutzung|vereinbar|unter\s+beachtung|"
    r"unberührt|nicht\s+betroffen|im\s+einvernehmen|ergänzen\s+sich|kompensiert|abseits|nur\s+auf|"
    r"ausschließlich\s+auf|wieder\s*nutz|nachnutz",
    re.IGNORECASE)
# "unvereinbar", "nur schwer vereinbar", "nicht verträglich": the reconciling word negated names a conflict.
_NEGATED_HEDGE = re.compile(r"(?:\bun|\b(?:nicht|kaum|schwer|schwerlich|keineswegs)\s+(?:\w+\s+){0,3})$", re.IGNORECASE)


def count_hedges(text: str) -> int:
    """Reconciling phrases in a text, not counting negated ones ("nur schwer vereinbar")."""
    return sum(1 for m in _HEDGE.finditer(text) if not _NEGATED_HEDGE.search(text[max(0, m.start() - 30):m.start()]))


# Absolute protection or exclusion, and concrete quantities: goals that leave no room for the other.
_STRICT = re.compile(
    r"ausgeschlossen|auszuschließen|unzulässig|nicht\s+zulässig|ungeschmälert|uneingeschränkt|vollständig\s+"
    r"(?:zu\s+)?(?:erhalten|sichern|freizuhalten)|von\s+jeder|jeglich|dauerhaft|rund\s+um\s+die\s+uhr|"
    r"keine\s+(?:weitere|neue|zusätzliche)|tabu|vorrang|zwingend|unverzichtbar",
    re.IGNORECASE)
_QUANTITY = re.compile(
    r"\b\d[\d.,]*\s*(?:ha|hektar|wohnungen|wohneinheiten|we|stellplätze|parkplätze|mw|mwp|kw|gwh|mio\.|"
    r"millionen|euro|m²|quadratmeter|plätze|arbeitsplätze|bäume|meter|m|km|besucher\w*|veranstaltungen|"
    r"prozent|%|db)\b",
    re.IGNORECASE)


def noun_spans(text: str) -> list[tuple[str, int, int]]:
    """Content nouns of a text as (key, start, end); the key is lower case, ß folded, first 8 letters."""
    from insek_nlp.text.stopwords import STOPWORDS

    out = []
    for m in _NOUN.finditer(text):
        w = m.group().lower()
        if w in _GENERIC_NOUN or w in STOPWORDS or len(w) < 5:
            continue
        out.append((w.replace("ß", "ss")[:8], m.start(), m.end()))
    return out


_GENERIC_KEYS = frozenset(g.replace("ß", "ss") for g in _GENERIC_SITE)


def _site_key(surface: str) -> str:
    key = surface.lower().replace("str.", "straße").replace("ß", "ss")
    key = re.sub(r"[\s\-–]+", "-", key).strip("-")
    return key


def find_sites(text: str) -> dict[str, tuple[int, int, str]]:
    """Named sites in a text: normalised key → (start, end, surface) of the first mention."""
    out: dict[str, tuple[int, int, str]] = {}
    for m in _SITE_RE.finditer(text):
        start, end = (m.start(1), m.end(1)) if m.group(1) else (m.start(), m.end())
        surface = text[start:end]
        key = _site_key(surface)
        if key.replace("-", "") in _GENERIC_KEYS or len(key) < 5:
            continue
        out.setdefault(key, (start, end, surface))
    return out


_ON_SITE = re.compile(r"\b(?:auf|anstelle)\s+(?:(?:den|dem|der|die|das|einer?|einem|bisherigen|heutigen|"
                      r"vorhandenen|bestehenden|ehemaligen)\s+)*(?:[\w-]+\s+(?:und|oder)\s+)?[\w-]*$", re.IGNORECASE)
_BUILD = re.compile(r"bau|richt|entsteh|erschl|ausweis|verdicht|aufstock|ansied|realisier|angelegt|anleg", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r",\s|;|:\s|[()]|\s[–-]\s|\b(?:aber|während|wobei|damit|indem|weil|dass|sodass)\b")


def _directions(text: str, st: Statement, start: int, end: int) -> set[str]:
    """Directions that apply to a term at ``start:end`` of sentence ``st``.

    Its own word ("Nachverdichtung", "Lärmschutz"), the nearest direction word of
    its clause, and for goal sentences the sentence's final direction word (German
    puts the governing verb last: "… ist dauerhaft von Bebauung freizuhalten");
    a direction word inside another compound ("Lärmminderung") counts only for that.
    """
    inner = {c.direction for c in st.cues if c.start < end and c.end > start}
    # "Neubauten auf den Stellplatzflächen", "Anlagen auf Ackerflächen errichten": what is built on a
    # thing takes its place, so the thing decreases (planting trees on a green space does not).
    before = text[max(st.start, start - 40):start]
    if not inner and _ON_SITE.search(before) and any(
            c.direction == "mehr" and _BUILD.search(c.surface)
            and (start - c.end if c.end <= start else c.start - end) <= 60 for c in st.cues):
        return {"weniger"}
    # A direction word inside a compound ("Lärmminderung", "Radwegeausbau") has its own object:
    # it governs no other term of the clause.
    outer = [c for c in st.cues if not (c.start < end and c.end > start)
             and not (c.start > 0 and text[c.start - 1].isalpha())]
    if not outer:
        return inner
    def clause_of(pos: int) -> tuple[int, int]:
        left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, st.start, pos)
                    if m.end() <= pos), default=st.start)
        nxt = _CLAUSE_BREAK.search(text, end, st.end)
        return left, (nxt.start() if nxt else st.end)
    lo, hi = clause_of(start)
    same = [c for c in outer if lo <= c.start < hi]
    if same:
        inner.add(min(same, key=lambda c: (min(abs(c.start - end), abs(start - c.end)), c.start)).direction)
    if st.goal:
        inner.add(outer[-1].direction)
    return inner


@dataclass(frozen=True, slots=True)
class Hit:
    """A knowledge-base term in a passage, with the directions of its sentence around it."""

    term: str
    start: int
    end: int
    surface: str
    directions: frozenset[str]
    goal: bool


@dataclass(slots=True)
class Profile:
    """What the detector knows about one passage."""

    text: str
    statements: list[Statement]
    sides: dict[tuple[str, str], list[Hit]] = field(default_factory=dict)     # (tradeoff id, "a"|"b") → hits
    objects: dict[str, dict[str, list[Hit]]] = field(default_factory=dict)    # object id → direction → hits
    sites: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    ortsteile: frozenset[str] = frozenset()
    explicit: list[tuple[int, int, str]] = field(default_factory=list)
    terms: list[tuple[int, int, str]] = field(default_factory=list)         # every knowledge-base term found
    nouns: frozenset[str] = frozenset()        # content-noun keys (first 8 letters), for shared objects
    stance: float = 0.0                        # >0 develops/extends, <0 protects/limits (goal sentences)
    hedges: int = 0                            # reconciling phrases ("außerhalb", "verträglich", "so angeordnet")
    aim: float = 0.0                           # position on the embedding axis develop (+) ↔ protect (−)
    keys: list[frozenset[str]] = field(default_factory=list)  # per statement: its nouns, sites and Ortsteile
    strict: int = 0                            # absolute protection or exclusion ("ausgeschlossen", "dauerhaft")
    quantities: int = 0                        # concrete quantities (ha, Wohnungen, MW, Euro …)
    words: WordCounts | None = None            # vocabulary counts for the wording model

    @property
    def all_keys(self) -> frozenset[str]:
        return frozenset().union(*self.keys) if self.keys else frozenset()

    def keys_at(self, pos: int) -> frozenset[str]:
        for st, k in zip(self.statements, self.keys):
            if st.start <= pos < st.end:
                return k
        return frozenset()

    @property
    def n_goals(self) -> int:
        return sum(s.goal for s in self.statements)


@dataclass(frozen=True, slots=True)
class PairScore:
    """The score of a passage pair with its evidence.

    ``orientation`` is 1 when passage 1 carries side A of the trade-off and
    -1 when it carries side B (0 without a trade-off).
    """

    score: float
    type: str
    features: dict[str, float]
    tradeoff: str | None
    object: str | None
    sites: tuple[str, ...]
    ortsteile: tuple[str, ...]
    explicit: tuple[str, ...]
    cues_1: tuple[tuple[int, int, str], ...]
    cues_2: tuple[tuple[int, int, str], ...]
    orientation: int = 0


class ConflictDetector:
    """Scores passage pairs for goal conflicts and finds candidates among many passages.

    Args:
        knowledge: The trade-off knowledge base; the bundled one by default.
        threshold: Pairs scoring at least this are flags.
        weights: Logistic weights of the evidence (see :data:`DEFAULT_WEIGHTS`).
        use_places: Tag Leipzig Ortsteile (the gazetteer) as evidence.
        wording: The wording model (:mod:`insek_nlp.conflicts.wording`): the bundled
            one by default, ``False`` for none (its weight then counts nothing).
    """

    def __init__(self, knowledge: ConflictKnowledge | None = None, *, threshold: float = DEFAULT_THRESHOLD,
                 weights: dict[str, float] | None = None, use_places: bool = True,
                 wording: WordingModel | bool | None = None) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.weights = weights
        self.use_places = use_places
        self.wording = wording

    # -- set-up

    def fit(self, embedder=None) -> "ConflictDetector":
        """Compile the term matchers of the knowledge base (no labelled data needed).

        With an embedder, also embed the knowledge base's stance prototypes, so that
        :meth:`set_aims` can place passages on the develop ↔ protect axis.
        """
        kb = self.knowledge or default_knowledge()
        self.axis_ = None
        if embedder is not None and kb.stance_more and kb.stance_keep:
            more = _unit(np.asarray(embedder.encode(list(kb.stance_more)), dtype=np.float32))
            keep = _unit(np.asarray(embedder.encode(list(kb.stance_keep)), dtype=np.float32))
            axis = more.mean(0) - keep.mean(0)
            axis /= np.linalg.norm(axis) or 1.0
            self.axis_ = axis
            self.axis_center_ = float((more.mean(0) @ axis + keep.mean(0) @ axis) / 2)
        self.knowledge_ = kb
        self.weights_ = {**DEFAULT_WEIGHTS, **(self.weights or {})}
        if self.wording is False:
            self.wording_ = None
        else:
            self.wording_ = self.wording if isinstance(self.wording, WordingModel) else default_wording()
        terms: dict[str, list[tuple[str, str, str]]] = defaultdict(list)   # term → [(kind, id, side)]
        for t in kb.tradeoffs:
            for side_name, side in (("a", t.a), ("b", t.b)):
                for term in side.terms:
                    terms[term].append(("side", t.id, side_name))
        for o in kb.objects:
            for term in o.terms:
                terms[term].append(("object", o.id, ""))
        self.term_index_ = dict(terms)
        self.matcher_ = _matcher(tuple(terms))
        self.explicit_matcher_ = _matcher(kb.explicit) if kb.explicit else None
        return self

    def set_aims(self, profiles: Sequence[Profile], vectors: np.ndarray) -> None:
        """Place passages (unit vectors aligned with ``profiles``) on the develop ↔ protect axis."""
        if getattr(self, "axis_", None) is None:
            return
        aims = np.asarray(vectors, dtype=np.float32) @ self.axis_ - self.axis_center_
        for prof, a in zip(profiles, aims):
            prof.aim = float(a)

    def _ready(self) -> None:
        if not hasattr(self, "matcher_"):
            self.fit()

    # -- profiles

    def profile(self, text: str) -> Profile:
        """The statements, trade-off sides, objects, places and conflict words of one passage."""
        self._ready()
        statements = find_statements(text)
        prof = Profile(text, statements)
        kb = self.knowledge_
        sides = {(t.id, "a"): t.a for t in kb.tradeoffs} | {(t.id, "b"): t.b for t in kb.tradeoffs}
        prof.sites = find_sites(text)
        in_name = [(s, e) for s, e, _ in prof.sites.values()]
        if self.explicit_matcher_ is not None:
            prof.explicit = [(m.start, m.end, m.surface) for m in self.explicit_matcher_.find(text)]
        # A sentence that names a conflict ("steht im Spannungsfeld mit der Clubkultur") mentions the
        # other side; its terms are not this passage's own goals.
        naming = [(st.start, st.end) for st in statements if any(st.start <= a < st.end for a, _, _ in prof.explicit)]
        matches = self.matcher_.find(text, overlapping=True)
        # A compound is what its head says: "Parkplätze" is parking (an object of its own), not a park
        # ("Park" as its modifier); "Lärmminderung" still acts on noise.
        def objects_of(term: str) -> set[str]:
            return {ident for kind, ident, _ in self.term_index_.get(term, ()) if kind == "object"}

        headed: dict[tuple[int, int], set[str]] = defaultdict(set)
        for m in matches:
            if m.kind in ("word", "head"):
                headed[(m.start, m.end)] |= objects_of(m.term)
        for m in matches:
            if m.kind in ("modifier", "part") and headed.get((m.start, m.end)) and \
                    not objects_of(m.term) & headed[(m.start, m.end)]:
                continue
            st = next((s for s in statements if s.start <= m.start < s.end), None)
            if st is None or any(s <= m.start and m.end <= e for s, e in in_name):
                continue  # "Aue" in "Rietzschke-Aue" is a name, not a goal's object
            prof.terms.append((m.start, m.end, m.term))
            dirs = frozenset(_directions(text, st, m.start, m.end))
            if not dirs:
                continue
            hit = Hit(m.term, m.start, m.end, m.surface, dirs, st.goal)
            if (st.start, st.end) in naming:
                continue
            for kind, ident, side in self.term_index_.get(m.term, ()):
                if kind == "side":
                    if dirs & set(sides[(ident, side)].directions):
                        prof.sides.setdefault((ident, side), []).append(hit)
                else:
                    for d in dirs:
                        prof.objects.setdefault(ident, {}).setdefault(d, []).append(hit)
        places = tag_places(text) if self.use_places else None
        if places is not None:
            prof.ortsteile = frozenset(places.ortsteile)
        spans = noun_spans(text) + [(k, a, b) for k, (a, b, _) in prof.sites.items()]
        if places is not None:
            spans += [(f"ot:{m.name}", m.start, m.end) for m in places.mentions if m.kind == "ortsteil"]
        prof.nouns = frozenset(k for k, _, _ in spans if not k.startswith("ot:") and "-" not in k)
        prof.keys = [frozenset(k for k, a, _ in spans if st.start <= a < st.end) for st in statements]
        counts = {"mehr": 0, "weniger": 0, "erhalten": 0}
        for st in statements:
            if st.goal:
                for c in st.cues:
                    counts[c.direction] += 1
        prof.stance = (counts["mehr"] - counts["weniger"] - counts["erhalten"]) / (sum(counts.values()) + 1)
        prof.hedges = count_hedges(text)
        prof.strict = len(_STRICT.findall(text))
        prof.quantities = len(_QUANTITY.findall(text))
        if self.wording_ is not None:
            prof.words = self.wording_.counts(text)
        return prof

    # -- pair scoring

    def score_pair(self, p: Profile, q: Profile, similarity: float) -> PairScore:
        """Score two passage profiles; ``similarity`` is the cosine of their embeddings."""
        self._ready()
        w = self.weights_
        best_t, best_orient, best_t_hits = None, 0, ((), (), (0, 0))
        for t in self.knowledge_.tradeoffs:
            for orient, (s1, s2) in ((1, ("a", "b")), (-1, ("b", "a"))):
                h1, h2 = p.sides.get((t.id, s1)), q.sides.get((t.id, s2))
                if h1 and h2:
                    strength = (any(h.goal for h in h1) + any(h.goal for h in h2), len(h1) + len(h2))
                    if best_t is None or strength > best_t_hits[2]:
                        best_t, best_orient, best_t_hits = t.id, orient, (h1, h2, strength)
        best_o, o_hits = None, ((), ())
        for oid, dirs_p in p.objects.items():
            dirs_q = q.objects.get(oid)
            if not dirs_q:
                continue
            for d1, h1 in dirs_p.items():
                for d2, h2 in dirs_q.items():
                    if frozenset({d1, d2}) in _OPPOSED and not (set(dirs_p) & set(dirs_q)):
                        best_o, o_hits = (oid, d1, d2), (h1, h2)
        sites = tuple(sorted(set(p.sites) & set(q.sites)))
        orts = tuple(sorted(p.ortsteile & q.ortsteile))
        # A conflict word counts when its sentence names the other passage's side of the
        # trade-off (or the object, or a shared site): "steht im Zielkonflikt mit … Gewerbeflächen".
        other_terms: dict[int, set[str]] = {0: set(), 1: set()}
        if best_t:
            t = self.knowledge_.tradeoff(best_t)
            side_1, side_2 = (t.a, t.b) if best_orient > 0 else (t.b, t.a)
            other_terms = {0: set(side_2.terms), 1: set(side_1.terms)}
        if best_o:
            obj_terms = set(self.knowledge_.object(best_o[0]).terms)
            other_terms = {0: other_terms[0] | obj_terms, 1: other_terms[1] | obj_terms}

        def relevant(prof: Profile, other: Profile, wanted: set[str]) -> list[str]:
            """Conflict words whose sentence names the other side's terms or what the other passage is about."""
            out = []
            for s0, _, surface in prof.explicit:
                st = next((x for x in prof.statements if x.start <= s0 < x.end), None)
                if st is None:
                    continue
                if any(st.start <= a < st.end and term in wanted for a, _, term in prof.terms) or (
                        prof.keys_at(s0) & other.all_keys):
                    out.append(surface)
            return out

        explicit = tuple(dict.fromkeys(relevant(p, q, other_terms[0]) + relevant(q, p, other_terms[1])))
        t_strength = 0.0
        if best_t:
            goal_1, goal_2 = any(h.goal for h in best_t_hits[0]), any(h.goal for h in best_t_hits[1])
            t_strength = 1.0 if goal_1 and goal_2 else 0.6
        f = {
            "tradeoff": t_strength,
            "opposed": 1.0 if best_o else 0.0,
            "site": 1.0 if sites else 0.0,
            "ortsteil": (len(orts) / len(p.ortsteile | q.ortsteile)) if orts and not sites else 0.0,
            "explicit": 1.0 if explicit else 0.0,
            "similarity": float(similarity) - 0.3,
            "shared_nouns": min(1.0, 5 * len(p.nouns & q.nouns) / max(1, len(p.nouns | q.nouns))),
            "stance_opposed": min(2.0, max(0.0, -p.stance * q.stance) * 4),
            "hedges": min(1.0, (p.hedges + q.hedges) / max(1, len(p.statements) + len(q.statements)) * 2),
            "aims_opposed": min(2.0, max(0.0, -p.aim * q.aim) * 100),
            "strict": 0.0,         # absolute protection or exclusion in either passage, about the same thing
            "quantities": 0.0,     # concrete quantities (ha, Wohnungen, MW …), about the same thing
            "aims_same": 0.0,      # both on the same side of that axis (agreeing aims), about the same thing
            "similar_related": 0.0,  # cosine − 0.3, about the same thing: similar texts on one site usually agree
            "aims_apart": min(2.0, abs(p.aim - q.aim) * 10),
            "wording": (self.wording_.logit(p.words, q.words)
                        if self.wording_ is not None and p.words is not None and q.words is not None else 0.0),
        }
        # Opposite aims only matter about the same thing: a shared site, Ortsteil, object or trade-off.
        related = max(f["site"], min(1.0, 2 * f["ortsteil"]), f["shared_nouns"], f["tradeoff"], f["opposed"],
                      f["explicit"])
        f["aims_same"] = min(2.0, max(0.0, p.aim * q.aim) * 100)
        # Both pursue the same side of a trade-off (both plant trees, both protect the park) and neither the other.
        same = {k for k in p.sides if k in q.sides}
        f["same_side"] = 1.0 if same and not best_t else 0.0
        f["strict"] = min(1.0, (p.strict + q.strict) / 2)
        f["quantities"] = min(1.0, (min(p.quantities, 2) + min(q.quantities, 2)) / 4)
        f["similar_related"] = float(similarity) - 0.3
        for k in ("stance_opposed", "aims_opposed", "aims_apart", "aims_same", "similar_related", "strict", "quantities",
                  "same_side"):
            f[k] *= related
        z = w["bias"] + sum(w[k] * v for k, v in f.items())
        score = 1.0 / (1.0 + math.exp(-z))
        if explicit and (sites or best_t or best_o):
            kind = "benannt"
        elif sites and (best_t or best_o):
            kind = "standort"
        elif best_o:
            kind = "gegenlaeufig"
        elif best_t:
            kind = "wissensbasis"
        else:
            kind = "semantisch"
        cues_1: list[tuple[int, int, str]] = []
        cues_2: list[tuple[int, int, str]] = []
        if best_t:
            cues_1 += [(h.start, h.end, f"Begriff: {h.term}") for h in best_t_hits[0]]
            cues_2 += [(h.start, h.end, f"Begriff: {h.term}") for h in best_t_hits[1]]
        if best_o:
            cues_1 += [(h.start, h.end, f"Objekt: {h.term}") for h in o_hits[0]]
            cues_2 += [(h.start, h.end, f"Objekt: {h.term}") for h in o_hits[1]]
        for key in sites:
            s, e, _ = p.sites[key]
            cues_1.append((s, e, "Ort"))
            s, e, _ = q.sites[key]
            cues_2.append((s, e, "Ort"))
        if explicit:
            cues_1 += [(s, e, "Konfliktwort") for s, e, _ in p.explicit]
            cues_2 += [(s, e, "Konfliktwort") for s, e, _ in q.explicit]
        return PairScore(round(score, 6), kind, f, best_t, best_o[0] if best_o else None,
                         tuple(p.sites[k][2] for k in sites), orts, explicit,
                         tuple(sorted(set(cues_1))), tuple(sorted(set(cues_2))), best_orient)

    def wording_contributions(self, p: Profile, q: Profile, k: int = 4) -> tuple[list[str], list[str]]:
        """The words of the pair that speak most for a conflict and most against it (empty without wording model)."""
        if self.wording_ is None or p.words is None or q.words is None:
            return [], []
        return self.wording_.contributions(p.words, q.words, k)

    def explain(self, s: PairScore, p: Profile, q: Profile, name_1: str, name_2: str) -> str:
        """One German sentence saying why the pair was flagged."""
        where = ""
        if s.sites:
            where = f" – beide betreffen {', '.join(s.sites[:2])}"
        elif s.ortsteile:
            where = f" – beide betreffen {', '.join(s.ortsteile[:2])}"
        if s.tradeoff:
            t = self.knowledge_.tradeoff(s.tradeoff)
            first, second = (name_1, name_2) if s.orientation >= 0 else (name_2, name_1)
            head = f"{t.explanation.rstrip('.')} ({first} bzw. {second})"
            if s.type == "benannt":
                head = f"Der Text benennt den Konflikt selbst („{s.explicit[0]}“): {head[0].lower()}{head[1:]}"
            return f"{head}{where}."
        if s.object:
            o = self.knowledge_.object(s.object)
            d1 = next(iter(sorted(set(p.objects[s.object]) - set(q.objects[s.object]))), "mehr")
            d2 = next(iter(sorted(set(q.objects[s.object]) - set(p.objects[s.object]))), "weniger")
            return (f"{name_1} will {o.label} {_VERB[d1]}, {name_2} dagegen {_VERB[d2]}{where}.")
        if s.explicit:
            return f"Ein Text benennt einen Konflikt („{s.explicit[0]}“) bei ähnlichen Zielen{where}."
        return f"Ähnliche Ziele in beiden Texten, ein Konflikt ist möglich{where}."

    # -- candidates among many passages

    def candidate_pairs(self, profiles: Sequence[Profile], groups: Sequence[str],
                        vectors: np.ndarray | None = None, *, similar_k: int = 5) -> list[tuple[int, int]]:
        """Pairs worth scoring: passages of different groups (documents) sharing a block.

        Blocks: the two sides of a trade-off, an object with opposed directions, a
        named site, an Ortsteil (goal passages only), and conflict words (paired
        with their most similar passages in other documents).
        """
        self._ready()
        pairs: set[tuple[int, int]] = set()

        def add(xs: Iterable[int], ys: Iterable[int]) -> None:
            ys = list(ys)
            for i in xs:
                for j in ys:
                    if groups[i] != groups[j]:
                        pairs.add((i, j) if i < j else (j, i))

        side_index: dict[tuple[str, str], list[int]] = defaultdict(list)
        obj_index: dict[tuple[str, str], list[int]] = defaultdict(list)
        site_index: dict[str, list[int]] = defaultdict(list)
        ort_index: dict[str, list[int]] = defaultdict(list)
        explicit: list[int] = []
        for i, p in enumerate(profiles):
            for key in p.sides:
                side_index[key].append(i)
            for oid, dirs in p.objects.items():
                for d in dirs:
                    obj_index[(oid, d)].append(i)
            for key in p.sites:
                site_index[key].append(i)
            if p.n_goals:
                for o in p.ortsteile:
                    ort_index[o].append(i)
            if p.explicit:
                explicit.append(i)
        for t in self.knowledge_.tradeoffs:
            add(side_index.get((t.id, "a"), ()), side_index.get((t.id, "b"), ()))
        for o in self.knowledge_.objects:
            for d1, d2 in (("mehr", "weniger"), ("weniger", "erhalten")):
                add(obj_index.get((o.id, d1), ()), obj_index.get((o.id, d2), ()))
        for members in list(site_index.values()) + list(ort_index.values()):
            add(members, members)
        if vectors is not None and explicit and len(profiles) > 1:
            sims = vectors[explicit] @ vectors.T
            for row, i in enumerate(explicit):
                order = np.argsort(-sims[row], kind="stable")
                taken = 0
                for j in order:
                    if taken >= similar_k:
                        break
                    if groups[int(j)] != groups[i]:
                        add([i], [int(j)])
                        taken += 1
        return sorted(pairs)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=8)
def _matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


def pair_key(text_1: str, text_2: str) -> str:
    """A flag's stable key: the two passage texts, order-free."""
    h = sorted(hashlib.sha256(t.encode("utf-8")).hexdigest() for t in (text_1, text_2))
    return hashlib.sha256("|".join(h).encode()).hexdigest()[:20]


def quote_for(p: Profile, cues: Sequence[tuple[int, int, str]]) -> str:
    """The goal sentence of a passage that carries most of the evidence."""
    if not p.statements:
        return p.text.strip()
    def weight(st: Statement) -> tuple[int, int, int]:
        n = sum(1 for s, _, _ in cues if st.start <= s < st.end)
        return (n, int(st.goal), -st.start)
    best = max(p.statements, key=weight)
    return best.text.strip()
