"""Find Leipzig's Ortsteile and Stadtbezirke in German text.

Matching is dictionary-based and deterministic: the text is split into words,
each word gets its match key (case, ß/ss, umlauts, gender suffixes folded), and
the longest phrase of the gazetteer starting at each word wins ("Grünau-Nord"
before "Grünau"). Context rules keep ordinary words out:

- Stadtbezirk names (Mitte, Ost, Süd …) and "Zentrum" count in free text only
  inside a phrase that makes them places ("Stadtbezirk Mitte", "Leipzig-Ost",
  "im Leipziger Osten", "Leipziger Zentrum"); in a location column they count alone.
- Names that are also words or surnames need a capital letter ("Wahren"), and a
  single place word directly after "Herr", "Frau", "Familie", "Dr." … is a person.
- Adjectival forms ("Connewitzer") do not count before "Straße", "Weg", "Allee":
  streets are often named after the place they lead to.

Every Ortsteil found implies its Stadtbezirk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from insek_nlp.places.gazetteer import Gazetteer, Variant, word_key

__all__ = ["PlaceMention", "PlaceTags", "tag_comment", "tag_many", "tag_places"]

# A word; soft hyphens and zero-width characters inside it are part of it (match_key drops them).
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[\u00ad\u200b\u200c\u200d\u2060])*")
_JOIN = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2013]{1,3}")     # between words of one phrase
_SAME_SENTENCE = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2013\"'„“”‚‘’(]{0,4}")
# A single place word right after these is a surname ("Herr Lindenau", "Frau Plagwitz").
_CONJ = frozenset({"und", "sowie", "oder", "bzw"})
_COMMA = re.compile(r"\s*,\s*")
_PERSON = frozenset({"herr", "herrn", "frau", "familie", "fam", "dr", "prof", "kollege", "kollegin",
                     "buergermeister", "buergermeisterin", "stadtrat", "stadtraetin",
                     "nachbar", "nachbarin", "tochter", "sohn", "enkel", "enkelin"})


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """One place found in a text.

    Attributes:
        name: Official name of the place.
        kind: ``"ortsteil"`` or ``"stadtbezirk"``.
        start: Start offset in the searched string (``text[start:end] == surface``).
        end: End offset.
        surface: The words as written ("Connewitzer", "im Leipziger Osten" → "Leipziger Osten").
        source: ``"text"``, or ``"location"`` when found in the location field
            (offsets then refer to the location field).
    """

    name: str
    kind: Literal["ortsteil", "stadtbezirk"]
    start: int
    end: int
    surface: str
    source: Literal["text", "location"] = "text"


@dataclass(frozen=True, slots=True)
class PlaceTags:
    """The places of one text.

    Attributes:
        ortsteile: Official Ortsteil names, in the order of their numbers.
        stadtbezirke: Official Stadtbezirk names named directly or implied by an Ortsteil.
        mentions: Where each place was found (an ambiguous word such as "Grünau"
            gives one mention per Ortsteil it may mean).
    """

    ortsteile: tuple[str, ...] = ()
    stadtbezirke: tuple[str, ...] = ()
    mentions: tuple[PlaceMention, ...] = ()


def _allowed(v: Variant, tokens: list[tuple[int, int, str]], keys: list[str], text: str,
             i: int, n: int, location: bool) -> bool:
    if v.rule == "location" and not location:
        return False
    if location:
        return True
    first = tokens[i][2]
    if v.rule == "title" and not first[0].isupper():
        return False
    if i > 0:
        prev = keys[i - 1]
        if v.ortsteile and n == 1 and prev in _PERSON and first[0].isupper():
            return False
        if prev in v.not_preceded_by and _SAME_SENTENCE.fullmatch(text, tokens[i - 1][1], tokens[i][0]):
            return False
    j = i + n
    if j < len(tokens) and v.not_followed_by and keys[j] in v.not_followed_by:
        if _SAME_SENTENCE.fullmatch(text, tokens[j - 1][1], tokens[j][0]):
            return False
    return True


def _find(text: str, gaz: Gazetteer, *, location: bool) -> list[PlaceMention]:
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    keys = [word_key(t[2]) for t in tokens]
    max_len = gaz.max_len
    index = gaz.index
    source = "location" if location else "text"
    out: list[PlaceMention] = []
    i, total = 0, len(tokens)
    while i < total:
        longest = max_len.get(keys[i])
        if not longest:
            i += 1
            continue
        step = 1
        for n in range(min(longest, total - i), 0, -1):
            cands = index.get(tuple(keys[i:i + n]))
            if not cands:
                continue
            if n > 1 and not all(_JOIN.fullmatch(text, tokens[k][1], tokens[k + 1][0])
                                 for k in range(i, i + n - 1)):
                continue
            ok = [v for v in cands if _allowed(v, tokens, keys, text, i, n, location)]
            if not ok:
                continue
            start, end = tokens[i][0], tokens[i + n - 1][1]
            surface = text[start:end]
            seen: set[tuple[str, str]] = set()
            for v in ok:
                for name in v.ortsteile:
                    if ("ortsteil", name) not in seen:
                        seen.add(("ortsteil", name))
                        out.append(PlaceMention(name, "ortsteil", start, end, surface, source))
                for name in v.stadtbezirke:
                    if ("stadtbezirk", name) not in seen:
                        seen.add(("stadtbezirk", name))
                        out.append(PlaceMention(name, "stadtbezirk", start, end, surface, source))
            step = n
            if not location and n > 1 and any(v.kind in ("stadtbezirk", "phrase") and v.stadtbezirke for v in ok):
                step += _coordinated(text, tokens, keys, i + n, gaz, out)
            break
        i += step
    return out


def _coordinated(text: str, tokens: list[tuple[int, int, str]], keys: list[str], j: int,
                 gaz: Gazetteer, out: list[PlaceMention]) -> int:
    """Bare Stadtbezirk names coordinated with a matched phrase.

    "Stadtbezirke Ost und Südost", "im Leipziger Osten und Westen".

    Returns how many tokens were consumed.
    """
    consumed = 0
    while j < len(tokens):
        gap = text[tokens[j - 1][1]:tokens[j][0]]
        k = j
        if keys[k] in _CONJ and (_JOIN.fullmatch(gap) or _COMMA.fullmatch(gap)) and k + 1 < len(tokens):
            k += 1
        elif not _COMMA.fullmatch(gap):
            break
        for n in (2, 1):
            cands = gaz.index.get(tuple(keys[k:k + n])) if k + n <= len(tokens) else None
            names = [b for v in cands or () if v.rule == "location" and v.kind in ("stadtbezirk", "phrase")
                     for b in v.stadtbezirke]
            if names and (n == 1 or _JOIN.fullmatch(text, tokens[k][1], tokens[k + 1][0])):
                start, end = tokens[k][0], tokens[k + n - 1][1]
                out += [PlaceMention(b, "stadtbezirk", start, end, text[start:end]) for b in dict.fromkeys(names)]
                consumed += k + n - j
                j = k + n
                break
        else:
            break
    return consumed


def tag_places(text: str, *, location_field: str | None = None, gazetteer: Gazetteer | None = None) -> PlaceTags:
    """The Leipzig Ortsteile and Stadtbezirke a text talks about.

    Args:
        text: A comment or passage.
        location_field: The value of a location column of the export, if any
            ("Plagwitz/Lindenau", "Gohlis Süd", "Ost"); bare Stadtbezirk names count there.
        gazetteer: Defaults to the shipped Leipzig gazetteer.

    Returns:
        Official Ortsteil and Stadtbezirk names (each Ortsteil implies its
        Stadtbezirk) and the mentions they were found at.
    """
    gaz = gazetteer or Gazetteer.load()
    mentions = _find(text or "", gaz, location=False)
    if location_field and location_field.strip():
        mentions += _find(location_field, gaz, location=True)
    ortsteile = gaz.sort_names(m.name for m in mentions if m.kind == "ortsteil")
    bezirke = [m.name for m in mentions if m.kind == "stadtbezirk"]
    bezirke += [gaz.place(o).stadtbezirk for o in ortsteile]
    return PlaceTags(ortsteile, gaz.sort_names(bezirke), tuple(mentions))


def tag_many(texts: Iterable[str], location_fields: Sequence[str | None] | None = None, *,
             gazetteer: Gazetteer | None = None) -> list[PlaceTags]:
    """:func:`tag_places` for many texts (``location_fields`` aligned with ``texts``)."""
    gaz = gazetteer or Gazetteer.load()
    texts = list(texts)
    locs = list(location_fields) if location_fields is not None else [None] * len(texts)
    if len(locs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(locs)} location fields")
    return [tag_places(t, location_field=loc, gazetteer=gaz) for t, loc in zip(texts, locs)]


def tag_comment(comment, *, gazetteer: Gazetteer | None = None) -> PlaceTags:
    """:func:`tag_places` for a :class:`~insek_nlp.types.Comment` (title, text and its location column)."""
    return tag_places(comment.full_text, location_field=comment.location, gazetteer=gazetteer)
