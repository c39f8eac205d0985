"""Personal data in citizen comments: recognise it and mask it (DSGVO).

Citizens write their e-mail address, phone number, bank details, postal
address or name into comments. The store keeps every comment as submitted;
what users see (UI, reports, exports) is masked by default:

    >>> mask_personal_data("Bitte melden: anna.schmidt@example.org, Tel. 0341 5558723").text
    'Bitte melden: [E-Mail], Tel. [Telefon]'

Recognised:

- e-mail addresses (also "name (at) example.org");
- phone numbers in German formats (``+49 341 …``, ``0341/555 91 40``,
  ``(0341) 555-2718``, mobile ``0176 …``), validated with Google's
  libphonenumber (``phonenumbers``), plus short local numbers right after a cue
  such as "Tel." or "erreichen Sie mich unter";
- IBANs, only with a valid checksum (``python-stdnum``);
- postal addresses: street with house number ("Musterstraße 12", optionally
  followed by "04109 Leipzig") and postcode with town ("04109 Leipzig"). A
  street name alone is a place, not an address, and stays;
- names: self-introductions ("Ich heiße Max Mustermann", "Mein Name ist …"),
  names after a salutation ("Frau Sommer" → "Frau [Name]") and signatures
  after a closing ("Mit freundlichen Grüßen, Anna Schmidt"). Leipzig place
  names are never masked as names ("Grüße aus Lindenau" stays).

Ordinary planning text is left alone: years, dates, "Tempo 30",
"Straßenbahnlinie 11", "§ 34", "Seite 3", "Bebauungsplan Nr. 123", counts
("450 Wohnungen an der Torgauer Straße").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal, Mapping

__all__ = [
    "MASKS",
    "MaskResult",
    "PersonalDataSpan",
    "find_personal_data",
    "mask_comment",
    "mask_personal_data",
    "mask_text",
    "mask_value",
]

Kind = Literal["email", "phone", "iban", "address", "name"]

MASKS: dict[str, str] = {
    "email": "[E-Mail]",
    "phone": "[Telefon]",
    "iban": "[IBAN]",
    "address": "[Adresse]",
    "name": "[Name]",
}
"""The German placeholder that replaces each kind of personal data."""


@dataclass(frozen=True, slots=True)
class PersonalDataSpan:
    """One piece of personal data: character offsets into the original text."""

    kind: Kind
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and what was masked (offsets into the original text)."""

    text: str
    spans: tuple[PersonalDataSpan, ...] = ()

    @property
    def masked(self) -> bool:
        return bool(self.spans)


# --------------------------------------------------------------------------- patterns

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+(?:@|\s?[\(\[]at[\)\]]\s?)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"(?:\.|\s?[\(\[]dot[\)\]]\s?)[A-Za-z]{2,}\b",
    re.IGNORECASE,
)

_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}", re.IGNORECASE)

# A run that may hold a phone number: at least six digits with separators in between.
_PHONE_HINT = re.compile(r"\d[\d\s/().+-]{4,}\d")
_PHONE_CUE = re.compile(
    r"\b(?:Tel(?:efon)?\.?(?:-?Nr\.?)?|Telefonnummer|Rufnummer|Handy(?:nummer)?|Mobil(?:nummer)?|Fax|"
    r"(?:erreichbar|erreichen\s+(?:Sie\s+)?(?:mich|uns))\s+unter|anrufen\s+unter)\s*:?\s*"
    r"(?P<num>\+?\(?\d[\d\s/()-]{3,}\d)",
    re.IGNORECASE,
)

_STREET_SUFFIX = (r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig|chaussee|promenade|pfad|"
                  r"zeile|anger|winkel|markt)")
_CAP = r"[A-ZÄÖÜ][\wäöüß]*"
_STREET = re.compile(
    rf"(?<![\w-])(?:{_CAP}(?:-{_CAP})*-?(?i:{_STREET_SUFFIX})"  # Musterstraße, Georg-Schwarz-Str., Karl-Heine-Weg
    rf"|(?:{_CAP}\s)?(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Ring|Gasse|Markt)"
    rf"(?:\s(?:des|der|am|an\sder|zum|zur|vom)\s(?:\d+\.|{_CAP})(?:\s(?:\d+\.|{_CAP}))?)?)"  # Straße des 18. Oktober
    r"[ \t](?P<num>\d{1,3}(?:\s?[a-zA-Z](?![\wäöüß]))?(?:\s?[-–/]\s?\d{1,3}[a-zA-Z]?)?)"
    r"(?![\d.,]\d)"
)
# What may follow a house number: the end, punctuation, a postcode, a lowercase word.
_MONTHS = r"(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)"
_AFTER_HOUSE_NUMBER = re.compile(
    rf"(?![A-Za-zÄÖÜäöüß])(?!\.\s*{_MONTHS})\s*(?:$|[,;:)\]!?\n]|\.(?!\d)|\d{5}\b|(?-i:[a-zäöüß]))")
_UNIT_AFTER = re.compile(r"\s*(?:%|m\b|cm\b|km\b|qm\b|ha\b|m²|mal\b|x\b|€|euro\b)", re.IGNORECASE)

_POSTCODE = re.compile(
    r"(?<![\d.,/-])(?:D-?\s?)?(?P<plz>\d{5})\s+(?P<town>[A-ZÄÖÜ][a-zäöüß]+(?:[- ][A-ZÄÖÜ][a-zäöüß]+)?)")
_TOWNS = {
    "Leipzig", "Markkleeberg", "Taucha", "Markranstädt", "Schkeuditz", "Borsdorf", "Machern", "Brandis", "Naunhof",
    "Grimma", "Wurzen", "Delitzsch", "Eilenburg", "Zwenkau", "Borna", "Halle", "Dresden", "Chemnitz", "Berlin",
    "Hamburg", "München", "Köln", "Frankfurt", "Magdeburg", "Erfurt", "Bonn",
}

_NAME_TOKEN = r"(?:[A-ZÄÖÜ][a-zäöüßéèáàçñ]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàçñ]+)?|[A-ZÄÖÜ]\.)"
_PARTICLE = r"(?:von|van|de|zu|vom|von\sder|van\sder|di|da|el|al)"
_NAME = rf"{_NAME_TOKEN}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_TOKEN}){{0,3}}"
_TITLES = r"(?:(?:Dr|Prof|Dipl\.-Ing)\.[ \t]*)*"

_SELF_INTRO = re.compile(
    rf"\b(?i:ich\s+hei(?:ß|ss)e|mein\s+Name\s+(?:ist|lautet)|mein\s+Name:|Name:|hier\s+schreib(?:t|en))"
    rf"\s+{_TITLES}(?P<name>{_NAME})"
)
# "Ich bin Anna Schmidt, …": only two or three name-like words closed by punctuation, "und" or "aus".
_I_AM = re.compile(
    rf"\b(?i:ich\s+bin)[ \t]+(?P<name>{_NAME_TOKEN}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_TOKEN}){{1,2}})"
    r"(?=[ \t]*(?:$|[,.;:!?)\n]|und\b|aus\b|von\b|vom\b|wohne\b))"
)
_SALUTATION = re.compile(
    rf"(?<![\w])(?P<pre>\w+\s+)?(?:(?P<hon>Frau|Herrn?)[ \t]+{_TITLES}(?P<name>{_NAME})"
    rf"|(?:Familie|Fam\.)[ \t]+(?P<family>{_NAME_TOKEN}))"
)
_CLOSING = re.compile(
    r"(?:mit\s+)?(?:freundlichen|besten|lieben|herzlichen|viele[n]?|beste|liebe|herzliche|solidarische[n]?|"
    r"sonnige|schöne)\s+Grü(?:ß|ss)en?|\bMfG\b|\bLG\b|\bVG\b|\bGruß\b|\bGrüße\b|\bDanke\s+und\s+Grü(?:ß|ss)e",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"[ \t]*[,!.]?[ \t]*(?:\r?\n)*[ \t]*(?:(?:Ihr|Ihre|Euer|Eure|dein|deine)[ \t]+)?"
    r"(?:(?:Frau|Herr|Familie|Fam\.)[ \t]+)?"
    rf"{_TITLES}(?P<name>{_NAME})(?=[ \t]*(?:$|[,\n(]|\s+aus\b|\s+\([\w -]+\)))"
)
# Words that start a signature line but are not names.
_NOT_NAMES = {
    "Anwohner", "Anwohnerin", "Anwohnerinnen", "Anwohnende", "Bürger", "Bürgerin", "Bürgerinnen", "Nachbar",
    "Nachbarin", "Nachbarn", "Nachbarinnen", "Familie", "Eltern", "Mutter", "Vater", "Team", "Verein", "Initiative",
    "Gruppe", "Elternrat", "Seniorenbeirat", "Vorstand", "Ihr", "Ihre", "Euer", "Eure", "Ein", "Eine", "Einer",
    "Alle", "Wir", "Ich", "Die", "Der", "Das", "Den", "Dem", "Und", "Aus", "Von", "Bitte", "Danke", "Vielen",
    "Viele", "Gruß", "Grüße", "Oberbürgermeister", "Oberbürgermeisterin", "Bürgermeister", "Bürgermeisterin",
    "Stadtrat", "Stadträtin", "Stadträte", "Präsident", "Präsidentin", "Direktor", "Direktorin", "Minister",
    "Ministerin", "Kollege", "Kollegin", "Kollegen", "Leipzig", "Leipziger", "Leipzigerin", "Stadt", "Rietzschke",
    "Rietzschke-Aue", "Mitglied", "Mitglieder", "Sprecher", "Sprecherin", "Vorsitzende", "Vorsitzender",
}
_ARTICLES = {"eine", "einer", "einen", "meine", "meiner", "meinen", "die", "der", "den", "dem", "keine", "jede",
             "jeder", "unsere", "unserer", "seine", "seiner", "ihre", "ihrer", "deine", "alte", "ältere", "junge",
             "jungen", "älteren", "alten", "liebe", "diese", "dieser", "jene", "welche", "manche", "viele"}


@lru_cache(maxsize=1)
def _place_words() -> frozenset[str]:
    """Leipzig place names (and their parts) that must never be masked as a name."""
    words: set[str] = set(_TOWNS)
    try:
        from insek_nlp.places.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        for place in list(gaz.ortsteile) + list(gaz.stadtbezirke):
            words.add(place.name)
            words.update(re.findall(r"[^\W\d_]+", place.name))
        for variant in getattr(gaz, "variants", ()):
            surface = getattr(variant, "surface", "")
            words.update(w for w in re.findall(r"[^\W\d_]+", surface) if w[:1].isupper())
    except Exception:  # the gazetteer only sharpens the name rules; masking works without it
        pass
    return frozenset(words)


def _is_place_word(token: str) -> bool:
    """A Leipzig place or a word derived from one ("Grünauer", "Connewitzerin")."""
    places = _place_words()
    token = token.rstrip(".")
    if token in places:
        return True
    for suffix in ("er", "erin", "erinnen", "ern"):
        if token.endswith(suffix) and token[: -len(suffix)] in places:
            return True
    return False


def _is_name(name: str) -> bool:
    tokens = [t for t in re.split(r"[ \t]+", name) if t]
    if not tokens or tokens[0] in _NOT_NAMES:
        return False
    return not all(_is_place_word(t) or t in _NOT_NAMES for t in tokens)


def _is_strict_name(name: str) -> bool:
    """For cues as weak as "Ich bin": no token may be a role word, a place or a common noun ending."""
    tokens = [t for t in re.split(r"[ \t]+", name) if t and not re.fullmatch(_PARTICLE, t)]
    nouns = ("ung", "heit", "keit", "schaft", "tion", "ismus", "tät", "nis", "ent", "ant", "ist", "erin", "innen")
    return all(t not in _NOT_NAMES and not _is_place_word(t) and not t.endswith(nouns) for t in tokens)


def _trim_name(name: str) -> str:
    """Cut a name at the first token that is a role word or a place (e.g. "Anna Schmidt Leipzig")."""
    tokens = re.split(r"([ \t]+)", name)
    out = []
    places = _place_words()
    for i in range(0, len(tokens), 2):
        tok = tokens[i]
        if out and (tok in _NOT_NAMES or tok in places):
            break
        out.append(tok)
        if i + 1 < len(tokens):
            out.append(tokens[i + 1])
    return "".join(out).rstrip()


# --------------------------------------------------------------------------- detection


def _emails(text: str) -> list[PersonalDataSpan]:
    return [PersonalDataSpan("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]


def _ibans(text: str) -> list[PersonalDataSpan]:
    from stdnum import iban

    out = []
    for m in _IBAN_CANDIDATE.finditer(text):
        raw = m.group()
        # Longest prefix with a valid checksum that ends at a group or word boundary.
        positions = [i for i, ch in enumerate(raw) if ch != " "]
        compact = raw.replace(" ", "").upper()
        for n in range(min(len(compact), 34), 14, -1):
            end = positions[n - 1] + 1
            if end < len(raw) and raw[end] != " ":
                continue
            if iban.is_valid(compact[:n]):
                out.append(PersonalDataSpan("iban", m.start(), m.start() + end, raw[:end]))
                break
    return out


def _phones(text: str, taken: list[tuple[int, int]]) -> list[PersonalDataSpan]:
    out: list[PersonalDataSpan] = []
    if _PHONE_HINT.search(text):
        import phonenumbers

        for m in phonenumbers.PhoneNumberMatcher(text, "DE", leniency=phonenumbers.Leniency.VALID):
            out.append(PersonalDataSpan("phone", m.start, m.end, m.raw_string))
    for m in _PHONE_CUE.finditer(text):
        num = m.group("num").rstrip(" -/(")
        if sum(ch.isdigit() for ch in num) >= 5:
            start = m.start("num")
            out.append(PersonalDataSpan("phone", start, start + len(num), num))
    return [s for s in out if not _overlaps(s, taken)]


def _addresses(text: str) -> list[PersonalDataSpan]:
    out = []
    for m in _STREET.finditer(text):
        after = text[m.end():]
        if _UNIT_AFTER.match(after) or not _AFTER_HOUSE_NUMBER.match(after):
            continue  # "Torgauer Straße 450 Wohnungen" is a count, not a house number
        end = m.end()
        if re.search(r"[-–/]", m.group("num")) and not re.match(r"[ \t]*,?[ \t]*\d{5}", after):
            continue  # "Römerstraße 248-367": a stretch of road, not one address
        plz = re.match(r"[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?(?:D-?\s?)?\d{5}[ \t]+[A-ZÄÖÜ][\wäöüß-]+", after)
        if plz:
            end += plz.end()
        out.append(PersonalDataSpan("address", m.start(), end, text[m.start():end]))
    for m in _POSTCODE.finditer(text):
        town = m.group("town").split()[0].split("-")[0]
        if m.group("plz").startswith("0") or town in _place_words():
            out.append(PersonalDataSpan("address", m.start(), m.end(), m.group()))
    return out


def _names(text: str) -> list[PersonalDataSpan]:
    out = []

    def add(start: int, name: str) -> None:
        name = _trim_name(name)
        if name and _is_name(name):
            out.append(PersonalDataSpan("name", start, start + len(name), name))

    for m in _SELF_INTRO.finditer(text):
        add(m.start("name"), m.group("name"))
    for m in _I_AM.finditer(text):
        if _is_strict_name(m.group("name")):
            add(m.start("name"), m.group("name"))
    for m in _SALUTATION.finditer(text):
        pre = (m.group("pre") or "").strip().casefold()
        if pre in _ARTICLES:
            continue  # "eine Frau Anfang 70", "meine Frau Altenpflegerin"
        group = "name" if m.group("name") else "family"
        add(m.start(group), m.group(group))
    for m in _CLOSING.finditer(text):
        s = _SIGNATURE.match(text, m.end())
        if s:
            add(s.start("name"), s.group("name"))
    return out


def _overlaps(span: PersonalDataSpan, taken: list[tuple[int, int]]) -> bool:
    return any(span.start < e and s < span.end for s, e in taken)


_PRIORITY = {"email": 0, "iban": 1, "phone": 2, "address": 3, "name": 4}


def find_personal_data(text: str) -> list[PersonalDataSpan]:
    """All pieces of personal data in ``text``, sorted, without overlaps."""
    if not text:
        return []
    found = _emails(text) + _ibans(text)
    found += _phones(text, [(s.start, s.end) for s in found])
    found += _addresses(text) + _names(text)
    # Overlaps: the earlier-ranked kind wins, then the longer span.
    found.sort(key=lambda s: (_PRIORITY[s.kind], -(s.end - s.start), s.start))
    kept: list[PersonalDataSpan] = []
    for s in found:
        if not _overlaps(s, [(k.start, k.end) for k in kept]):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


@lru_cache(maxsize=65_536)
def mask_personal_data(text: str) -> MaskResult:
    """Replace personal data in ``text`` by German placeholders ("[E-Mail]", "[Telefon]", …).

    Results are cached (a UI renders the same comments again and again).

    Args:
        text: Any text, typically a citizen comment.

    Returns:
        The masked text and the spans found (offsets into the original text).
    """
    spans = find_personal_data(text or "")
    if not spans:
        return MaskResult(text or "", ())
    parts = []
    pos = 0
    for s in spans:
        parts.append(text[pos:s.start])
        parts.append(MASKS[s.kind])
        pos = s.end
    parts.append(text[pos:])
    return MaskResult("".join(parts), tuple(spans))


def mask_text(text: str | None) -> str | None:
    """The masked text only (``None`` stays ``None``): the helper for UI and exports."""
    if text is None:
        return None
    return mask_personal_data(text).text


# Metadata columns whose whole value is personal data.
_PERSONAL_COLUMN = re.compile(
    r"e-?mail|telefon|phone|handy|mobil|iban|kontonummer|adresse|anschrift|address|"
    r"vorname|nachname|\bname\b|autor|author|verfasser|absender|kontakt|contact",
    re.IGNORECASE,
)


def mask_value(column: str, value: Any) -> Any:
    """Mask one metadata value: whole value for personal columns ("E-Mail", "Name" …), else its text."""
    if not isinstance(value, str) or not value.strip():
        return value
    if _PERSONAL_COLUMN.search(column or ""):
        if _EMAIL.fullmatch(value.strip()):
            return MASKS["email"]
        if re.search(r"tel|phone|handy|mobil|fax", column, re.IGNORECASE):
            return MASKS["phone"]
        if re.search(r"iban|konto", column, re.IGNORECASE):
            return MASKS["iban"]
        if re.search(r"adress|anschrift", column, re.IGNORECASE):
            return MASKS["address"]
        if re.search(r"mail", column, re.IGNORECASE):
            return MASKS["email"]
        return MASKS["name"]
    return mask_personal_data(value).text


def mask_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: mask_value(k, v) for k, v in metadata.items()}


def mask_comment(comment):
    """A copy of a :class:`~insek_nlp.types.Comment` with personal data masked.

    Text and title are masked, the author (a name or user name) is replaced by
    "[Name]", metadata values are masked; the URL (source attribution) stays.
    """
    return replace(
        comment,
        text=mask_personal_data(comment.text).text,
        title=mask_personal_data(comment.title).text if comment.title else comment.title,
        author=MASKS["name"] if comment.author else comment.author,
        metadata=mask_metadata(comment.metadata),
    )


__all__ += ["mask_metadata"]
