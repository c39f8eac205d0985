"""Stop words for cluster labels and key phrases.

Three groups, all casefolded (so "ß" is stored as "ss"):

- **function words**: spaCy's German list, minus "mittel" (in planning texts
  "Mittel" are funds, a finance topic).
- **planning boilerplate**: abbreviations and connectives of administrative
  prose ("sowie", "bzw.", "ggf.", "z. B.", "insbesondere", "hinsichtlich"), and
  the nouns that appear in nearly every paragraph of an INSEK draft without
  telling one topic from another: the city itself ("Leipzig", "Stadt", "Stadt
  Leipzig"), frame words ("Rahmen", "Bereich", "Maßnahme", "Ziel", "Thema",
  "Konzept", "Möglichkeit", "Grundlage", "Zusammenhang"). A label "Maßnahme" or
  "Stadt" says nothing; compounds keep their meaning ("Klimaanpassungsmaßnahme",
  "Innenstadt" are not stop words) and so do phrases ("wachsende Stadt": only
  the phrases listed below are stop phrases).
- **participation boilerplate**: politeness and opinion frames of citizen
  comments ("bitte", "danke", "ich finde", "sollte", "mehr", "wichtig",
  "Vorschlag", "Beitrag", "Idee", "Problem").

Deliberately *not* stop words, although frequent: "Menschen" (as in "Menschen
mit Behinderung"), "Euro" and "Kosten" (finance), "Verkehr", "Wohnen", "Grün",
"Stadtteil", "Ortsteil", place names other than Leipzig.
"""

from __future__ import annotations

from typing import Protocol, Union

__all__ = ["STOPWORDS", "PLANNING_STOPWORDS", "PARTICIPATION_STOPWORDS", "is_stopword"]


def spacy_stop_words() -> frozenset[str]:
    """spaCy's German stop words, casefolded.

    Read from spaCy's data module without importing the spaCy package, so that
    importing :mod:`insek_nlp` stays fast.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        raise ImportError("spaCy is missing: pip install 'spacy>=3.7,<4'")
    path = Path(spec.origin).parent / "lang" / "de" / "stop_words.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # a plain set literal
    return frozenset(w.casefold() for w in namespace["STOP_WORDS"])


def _words(text: str) -> frozenset[str]:
    return frozenset(w.strip().casefold() for w in text.split("|") if w.strip())


PLANNING_STOPWORDS = _words(
    # abbreviations, with and without full stops, as tokens and as a whole
    "sowie|bzw|bzw.|ggf|ggf.|z.|b.|z.b.|z. b.|zb|u.|a.|u.a.|u. a.|ua|d.|h.|d.h.|d. h.|dh|o.|ä.|o.ä.|o. ä.|"
    "u.ä.|u. ä.|i.|r.|i.d.r.|i. d. r.|usw|usw.|etc|etc.|ca|ca.|vgl|vgl.|bspw|bspw.|evtl|evtl.|inkl|inkl.|"
    "insb|insb.|sog|sog.|nr|nr.|abs|abs.|s.|abb|abb.|tab|tab.|kap|kap.|gem.|lt.|zzgl.|max.|min.|§|%|"
    # connectives and hedges of administrative prose
    "insbesondere|hinsichtlich|bezüglich|diesbezüglich|entsprechend|entsprechende|entsprechenden|"
    "jeweils|jeweilige|jeweiligen|sowohl|zudem|hinaus|weiterhin|grundsätzlich|künftig|zukünftig|"
    "künftige|künftigen|zukünftige|zukünftigen|verstärkt|stärker|wesentlich|wesentliche|wesentlichen|"
    "derzeit|aktuell|aktuelle|aktuellen|bisherige|bisherigen|gesamte|gesamten|vorhandene|vorhandenen|"
    "sollen|soll|sollten|werden|wird|können|kann|erfolgen|erfolgt|dabei|hierbei|hierzu|somit|daher|"
    "ebenfalls|gleichzeitig|zugleich|vielmehr|lediglich|beispielsweise|gegebenenfalls|"
    # the city itself and frame nouns
    "leipzig|leipzigs|leipziger|stadt|städte|stadt leipzig|der stadt leipzig|"
    "rahmen|im rahmen|bereich|bereiche|bereichen|im bereich|maßnahme|maßnahmen|ziel|ziele|zielen|"
    "thema|themen|konzept|konzepte|fachkonzept|fachkonzepte|möglichkeit|möglichkeiten|grundlage|"
    "grundlagen|zusammenhang|hinblick|aspekt|aspekte|ansatz|ansätze|art|weise|form|sinne|sinn|"
    "beispiel|beispiele|insek"
)

PARTICIPATION_STOPWORDS = _words(
    "bitte|danke|dank|vielen|hallo|liebe|lieber|gruß|grüße|gerne|gern|"
    "finde|finden|fände|findet|meine|meiner|meinung|erachtens|meines erachtens|glaube|glauben|denke|denken|"
    "meinen|wünsche|wünschen|wunsch|würde|würden|wäre|wären|sollte|sollten|müsste|müssten|"
    "könnte|könnten|möchte|möchten|mögen|geben|gibt|gäbe|lassen|sagen|"
    "mehr|weniger|viel|viele|einfach|eigentlich|wirklich|endlich|unbedingt|dringend|leider|"
    "super|toll|prima|schön|gut|besser|schlecht|wichtig|sinnvoll|"
    "vorschlag|vorschläge|vorschlägen|beitrag|beiträge|idee|ideen|anregung|anregungen|anliegen|"
    "problem|probleme|situation|stelle|stellen|leute|dinge|ding|sache|sachen"
)

STOPWORDS: frozenset[str] = (spacy_stop_words() - {"mittel"}) | PLANNING_STOPWORDS | PARTICIPATION_STOPWORDS
"""All stop words and stop phrases, casefolded (ß as ss), single spaces between words."""


class _HasTextAndLemma(Protocol):
    text: str
    lemma: str


def is_stopword(token_or_lemma: Union[str, _HasTextAndLemma]) -> bool:
    """Whether a word, lemma or short phrase is a stop word for labels.

    Args:
        token_or_lemma: A string ("Maßnahmen", "z. B.", "Stadt Leipzig") or a
            :class:`~insek_nlp.text.pipeline.Token` (stop if its text or lemma is).

    Returns:
        True for stop words and listed stop phrases, compared casefolded, with
        runs of white space as one space; gendered forms are not stop words.
    """
    if not isinstance(token_or_lemma, str):
        return is_stopword(token_or_lemma.text) or is_stopword(token_or_lemma.lemma)
    key = " ".join(token_or_lemma.split()).casefold()
    if not key:
        return False
    if key in STOPWORDS:
        return True
    # "z.B." vs "z. B.": compare abbreviations without inner spaces as well
    return "." in key and key.replace(" ", "") in STOPWORDS
