"""Goal and measure statements in draft text, with their objects and directions.

A statement is a sentence that sets a goal or a measure: modal verbs and
gerundives ("soll … gesichert werden", "ist … auszubauen", "sind … zu
erhalten"), goal formulas ("Ziel ist …", "Vorrang hat …", "wird angestrebt"),
planned quantities ("rund 450 Wohnungen", "40 ha") and the nominal style of
measure lists ("Ausbau der …", "Erhalt von …").

Directions are read from German cue words (``mehr``: build, develop, extend;
``weniger``: reduce, remove, restrict; ``erhalten``: protect, keep, keep free).
Negated development ("von Bebauung freizuhalten", "keine weitere
Versiegelung") counts as ``erhalten``, and the development word inside it is
not read as ``mehr``. Each object term takes the directions of cues close to
it in its sentence (and of its own word: "Nachverdichtung" is ``mehr``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from insek_nlp.conflicts.knowledge import Direction

__all__ = ["Cue", "Statement", "direction_cues", "find_statements", "is_goal_sentence"]

# Negated development: read as "erhalten", and blanked before "mehr" cues are searched.
_KEEP_FREE = [
    r"(?:von|vor)\s+(?:jeglicher\s+|jeder\s+|weiterer\s+|einer\s+)?(?:baulichen?\s+)?"
    r"(?:bebauung|überbauung|versiegelung|inanspruchnahme|nutzung)\s+(?:dauerhaft\s+)?"
    r"(?:frei\w*|zu\s+schützen|zu\s+bewahren|geschützt|bewahrt)",
    r"\b(?:keine|ohne|kein)\s+(?:weitere[nr]?\s+)?(?:zusätzliche[nr]?\s+)?(?:bauliche[nr]?\s+)?"
    r"(?:bebauung|überbauung|versiegelung|neuversiegelung|inanspruchnahme|neubau\w*|erweiterung\w*|ausweisung\w*|"
    r"flächeninanspruchnahme|ausbau\w*|bauflächen|bauvorhaben)",
    r"\bnicht\s+(?:weiter\s+|mehr\s+)?(?:bebaut|überbaut|versiegelt|bebaubar|ausgebaut|erweitert|in\s+anspruch\s+genommen)",
    r"\bunbebaut\w*",
    r"\bnetto-null\w*",
]
_CUES: dict[Direction, list[str]] = {
    "mehr": [
        r"\b(?:neu\s*)?(?:ge)?bau(?:en|t|te|ten)\b", r"\bzu\s+bauen\b", r"\berricht\w*", r"neubau\w*",
        r"\bbebau(?:en|t|ung\w*)\b", r"\bbebaubar\w*", r"\bentwickel\w*", r"\bentwicklung\w*", r"\bzu\s+entwickeln\b",
        r"ausbau\w*", r"\bauszubauen\b", r"\bausgebaut\b", r"\berweiter\w*", r"\bschaff\w*", r"\bgeschaffen\b",
        r"\bzu\s+schaffen\b", r"\bauszuweisen\b", r"\bausweis(?:en|ung\w*)\b", r"\baktivier\w*", r"verdicht\w*",
        r"aufstock\w*", r"\berhöh\w*", r"\bsteiger\w*", r"\bansied\w*", r"\bansiedl\w*", r"\bzusätzlich\w*",
        r"\bentsteh\w*", r"\brealisier\w*", r"\bverlänger\w*", r"\bausweit\w*", r"\bausgeweitet\b",
        r"\bauszuweiten\b", r"\bintensiv\w*", r"\bstärk(?:en|t|ung)\b", r"\bzu\s+stärken\b", r"\bgestärkt\b",
        r"\bförder(?:n|t|ung)\b", r"\bzu\s+fördern\b", r"\bgefördert\b", r"\berschließ\w*", r"\berschlossen\b",
        r"\bumbau\w*", r"\bumzubauen\b", r"\bumgebaut\b", r"(?-i:\bneue[nrs]?\b)", r"\bmehr\b", r"\banleg\w*",
        r"\bangelegt\b", r"\bpflanz\w*", r"\bgepflanzt\b", r"\beinricht\w*", r"\beingerichtet\b", r"\binvestier\w*",
        r"\bermöglich\w*", r"\bzuzulassen\b", r"\bzugelassen\b", r"\bbereitzustellen\b", r"\bbereitstell\w*",
        r"\bfinanzier\w*", r"\bnutzbar\s+(?:zu\s+)?mach\w*", r"\berrichtet\b", r"\bverbreiter\w*", r"\bvergrößer\w*",
        r"\bbeleb\w*", r"\berhöhung\b", r"\bausdehn\w*", r"\bergänz\w*", r"\bvorantreib\w*", r"\bvoranzutreiben\b",
        r"\bausbauen\b", r"\bausbaus\b", r"\bherstell\w*", r"\bherzustellen\b", r"\bumnutz\w*", r"\baufwert\w*",
        r"\bmodernisier\w*", r"\bsanier\w*", r"\bdämm\w*", r"\bnachrüst\w*", r"\bbeleucht\w*", r"\bausleucht\w*",
        r"\binanspruchnahme\b", r"\bin\s+anspruch\s+genommen\b", r"\bbelegen\b", r"\bzu\s+nutzen\b", r"\bgenutzt\b",
        r"\bnutzen\b", r"\bvorgesehen\w*", r"\bvorzusehen\b", r"\bgeplant\w*",
    ],
    "weniger": [
        r"\breduzier\w*", r"\breduktion\w*", r"\bverringer\w*", r"\bsenk(?:en|t|ung)\b", r"\bzu\s+senken\b",
        r"\bgesenkt\b", r"\bbegrenz\w*", r"\bbeschränk\w*", r"rückbau\w*", r"\bzurückgebaut\b",
        r"\bzurückzubauen\b", r"\bentfall\w*", r"\bentfällt\b", r"\bwegfall\w*", r"\bwegfällt\b",
        r"\bfallen\s+(?:\w+\s+){0,2}weg\b", r"\bentfern\w*", r"\babbau\w*", r"\babzubauen\b", r"\babgebaut\b",
        r"\bvermeid\w*", r"\bvermieden\b", r"\bverzicht\w*", r"\bminimier\w*", r"\beinschränk\w*",
        r"\beinzuschränken\b", r"\beingeschränkt\b", r"\bminder(?:n|t|ung)\b", r"minderung\w*", r"\bzu\s+mindern\b",
        r"\bgemindert\b", r"entsiegel\w*", r"\bkonsolidier\w*", r"konsolidierung\w*", r"\beinspar\w*",
        r"\beinzusparen\b", r"\bsparen\b", r"\bkürz\w*", r"\bgekürzt\b", r"\bverlager\w*", r"\bauszulagern\b",
        r"\bzurückzunehmen\b", r"\bzurückgenommen\b", r"\bzurückstell\w*", r"\bzurückgestellt\b", r"\bdeckel\w*",
        r"\bschrittweise\s+auf\w*", r"\bverdräng\w*", r"\bumgewidmet\b", r"\bumzuwidmen\b", r"\bumwidm\w*",
        r"\bverbot\w*", r"\bverbiet\w*", r"\bbeenden\b", r"\baufgegeben\b", r"\baufzugeben\b", r"\baufgeb\w*",
    ],
    "erhalten": [
        r"\berhalt(?:en|ung)?\b", r"\berhält\b", r"\bzu\s+erhalten\b", r"erhalt\b", r"\bbewahr\w*",
        r"\bsicher(?:n|t|ung|zustellen|gestellt)\b", r"\bgesichert\b", r"\bzu\s+sichern\b", r"sicherung\w*",
        r"\bschütz\w*", r"\bzu\s+schützen\b", r"\bgeschützt\b", r"schutz\b", r"schutzes\b", r"\bfreihalt\w*", r"\bfreizuhalten\b",
        r"\bfreigehalten\b", r"\bfrei\s+zu\s+halten\b", r"\boffenzuhalten\b", r"\boffen\s+zu\s+halten\b",
        r"\bbeibehalt\w*", r"\bbeizubehalten\b", r"\bbeibehalten\b", r"\bbleib\w*", r"\bbestehen\s+bleib\w*",
        r"\bweiterhin\b", r"\bunverändert\b", r"\bdauerhaft\b", r"\bpflegen\b", r"\bzu\s+pflegen\b",
        r"\bverteidig\w*", r"\bvorrang\w*\s+(?:vor|für)\b", r"\bsichern\b", r"\bruhig\w*",
    ],
}
_KEEP_FREE_RE = re.compile("|".join(f"(?:{p})" for p in _KEEP_FREE), re.IGNORECASE)
_CUE_RE = {d: re.compile("|".join(f"(?:{p})" for p in ps), re.IGNORECASE) for d, ps in _CUES.items()}

# "wird"/"werden"/"kann" alone is also the passive of description ("wird auf 3 % geschätzt"): such a
# sentence sets a measure only with a direction word ("werden … angelegt", "wird … gesichert").
_WEAK_GOAL_RE = re.compile(r"\b(?:wird|werden|können|kann)\b", re.IGNORECASE)
# The planning process itself ("wird veröffentlicht", "werden weitergeleitet") is not a goal about the city.
_PROCESS_RE = re.compile(
    r"\b(?:weitergeleitet|weiterleiten|veröffentlicht|zugeschickt|zugesandt|übergeben|informiert|eingeladen|"
    r"diskutiert|vorgestellt|protokolliert|dokumentiert|beantwortet|rückmeldung|ergebnisprotokoll|fließen\s+in)\b",
    re.IGNORECASE)
_GOAL_RE = re.compile(
    r"\b(?:soll(?:en|te|ten)?|muss|müssen)\b"
    r"|\b(?:ist|sind|bleibt|bleiben)\b.{0,140}?\bzu\s+[a-zäöüß]+en\b|\b\w+zu\w+en\b"
    r"|\bziel\w*\s+(?:ist|sind|der|des|bleibt)\b|\bvorrang\b|\bangestrebt\b|\bstreb\w*\s.{0,80}\ban\b|\bvorgesehen\b"
    r"|\bgeplant\b|\bbis\s+(?:zum\s+jahr\s+)?20\d\d\b|\bkünftig\b|\bzukünftig\b|\bvorrangig\b|\bwir\s+wollen\b"
    # what participants of a workshop ask for: their goals, to be set against the drafts'
    r"|\bmöchte[nt]?\b|\bwünsch(?:en|t|te|ten)\b|\bgewünscht\b|\bforder(?:n|t|te|ten)\b|\bgefordert\b"
    r"|\bverlang(?:en|t|te|ten)\b|\bplädier\w*|\bsprach(?:en)?\s+sich\b|\bsprechen\s+sich\b|\bspricht\s+sich\b"
    r"|^(?:anliegen|vorschlag|vorschläge|forderung|forderungen|wunsch|wünsche|empfehlung|ziel)\s*:"
    r"|^(?:[-–•]\s*)?(?:ausbau|erhalt|sicherung|schaffung|entwicklung|stärkung|reduzierung|reduktion|freihaltung|"
    r"errichtung|neubau|umbau|umgestaltung|aufwertung|ausweisung|erschließung|förderung|begrenzung|entsiegelung|"
    r"verlängerung|ausweitung|einrichtung|bau|aktivierung|anlage|pflanzung|sanierung|modernisierung|schutz|"
    r"bewahrung|konsolidierung)\b",
    re.IGNORECASE | re.DOTALL,
)
# A quantity sets a goal only with a direction word: "Es entstehen rund 400 Wohnungen" does,
# "Die P+R-Anlagen bieten etwa 3.400 Stellplätze" describes the present.
_QUANTITY_GOAL_RE = re.compile(
    r"\b(?:rund|etwa|ca\.|bis\s+zu|mindestens|insgesamt|weitere)\s+\d[\d.,]*\s*(?:ha|hektar|wohnungen|"
    r"wohneinheiten|we|stellplätze|parkplätze|arbeitsplätze|bäume|mio\.|millionen|prozent|%|km|plätze)\b",
    re.IGNORECASE)
# Reported plans and fears ("Im Stadtteil kursieren Hinweise, dass … gebaut werden sollen", "befürchten, dass …"):
# what somebody says may happen, not a goal of the text.
_REPORTED_RE = re.compile(
    r"\b(?:hinweise?|gerüchte?|befürcht\w*|(?<!dafür\s)sorgen?|angst|kritisier\w*|bemängel\w*|beklag\w*|berichte\w*|"
    r"vermut\w*|heißt\s+es)\b[^.;:]{0,60}?\bdass\b",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÄÖÜ„\"(\d-])|\n+")


@dataclass(frozen=True, slots=True)
class Cue:
    """A direction word found in a text (``start``/``end`` are offsets in the text)."""

    direction: Direction
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence of a passage, with its direction cues; ``goal`` when it sets a goal or measure."""

    start: int
    end: int
    text: str
    goal: bool
    cues: tuple[Cue, ...]


def is_goal_sentence(sentence: str, *, has_direction: bool | None = None) -> bool:
    """Whether a sentence sets a goal or a measure (modal, gerundive, goal formula, quantity, nominal style,
    or a demand in workshop notes: "möchte … erhalten", "gewünscht werden", "fordern").

    Questions ("Wo wird Neubau geprüft?"), the planning process ("Die Hinweise werden
    weitergeleitet") and reported plans or fears ("Hinweise, dass … gebaut werden sollen") set nothing; a bare "wird"/"werden" and a bare quantity ("rund 6.500
    Wohnungen") need a direction word.
    """
    sentence = sentence.strip()
    if not sentence or sentence.endswith("?") or _PROCESS_RE.search(sentence) or _REPORTED_RE.search(sentence):
        return False
    if _GOAL_RE.search(sentence):
        return True
    if _WEAK_GOAL_RE.search(sentence) or _QUANTITY_GOAL_RE.search(sentence):
        return bool(direction_cues(sentence)) if has_direction is None else has_direction
    return False


def direction_cues(text: str) -> list[Cue]:
    """Direction words in a text, negated development read as ``erhalten``."""
    cues: list[Cue] = []
    blanked = list(text)
    for m in _KEEP_FREE_RE.finditer(text):
        cues.append(Cue("erhalten", m.start(), m.end(), m.group()))
        blanked[m.start():m.end()] = " " * (m.end() - m.start())
    rest = "".join(blanked)
    for direction, rx in _CUE_RE.items():
        for m in rx.finditer(rest):
            if m.group().strip():
                cues.append(Cue(direction, m.start(), m.end(), m.group()))
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def find_statements(text: str) -> list[Statement]:
    """The sentences of a passage with their direction cues; goal/measure sentences marked."""
    cues = direction_cues(text)
    out = []
    for s, e in _sentences(text):
        sent = text[s:e]
        own = tuple(c for c in cues if s <= c.start < e)
        out.append(Statement(s, e, sent, is_goal_sentence(sent, has_direction=bool(own)), own))
    return out
