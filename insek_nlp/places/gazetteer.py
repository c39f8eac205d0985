"""Leipzig's Stadtbezirke and Ortsteile, and the variants people write for them.

The data live in ``models/places/leipzig-gazetteer.json`` (generated from the
Leipzig Open Data TTL, CC0 1.0, by :mod:`insek_nlp.places.build_gazetteer`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from insek_nlp.errors import InputError
from insek_nlp.text.normalize import match_key

__all__ = ["Gazetteer", "Place", "Variant", "gazetteer_path", "word_key"]

PlaceKind = Literal["ortsteil", "stadtbezirk"]
Rule = Literal["any", "title", "location"]

_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """Matching key of one word: casefolded, ß → ss, umlauts spelled out, gender suffix dropped."""
    return match_key(word, fold_umlauts=True)


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The word keys of a phrase; hyphens and spaces both separate words."""
    return tuple(word_key(w) for w in _WORD.findall(phrase))


@dataclass(frozen=True, slots=True)
class Place:
    """An official Leipzig Stadtbezirk or Ortsteil.

    Attributes:
        kind: ``"ortsteil"`` or ``"stadtbezirk"``.
        name: Official spelling (DESIGN), e.g. "Schleußig", "Südwest".
        number: Official number: two digits for an Ortsteil ("50"), one for a
            Stadtbezirk ("5"); the first digit of an Ortsteil's number is its Stadtbezirk.
        stadtbezirk: The Stadtbezirk it lies in (a Stadtbezirk names itself).
    """

    kind: PlaceKind
    name: str
    number: str
    stadtbezirk: str


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of writing a place, as the tagger matches it."""

    surface: str
    keys: tuple[str, ...]
    ortsteile: tuple[str, ...]
    stadtbezirke: tuple[str, ...]
    rule: Rule
    kind: str
    note: str
    not_preceded_by: frozenset[str] = field(default_factory=frozenset)
    not_followed_by: frozenset[str] = field(default_factory=frozenset)


def gazetteer_path() -> Path:
    from insek_nlp.paths import models_dir

    return models_dir() / "places" / "leipzig-gazetteer.json"


class Gazetteer:
    """The official places and their variants, indexed for matching.

    Use :meth:`load` (cached) rather than the constructor.
    """

    def __init__(self, data: dict) -> None:
        self.attribution: str = data.get("attribution", "")
        self.stadtbezirke: tuple[Place, ...] = tuple(
            Place("stadtbezirk", b["name"], str(b["number"]), b["name"]) for b in data["stadtbezirke"])
        self.ortsteile: tuple[Place, ...] = tuple(
            Place("ortsteil", o["name"], str(o["number"]), o["stadtbezirk"]) for o in data["ortsteile"])
        self._by_name = {p.name: p for p in self.ortsteile + self.stadtbezirke}
        self._order = {p.name: i for i, p in enumerate(self.ortsteile + self.stadtbezirke)}
        variants = []
        for v in data["variants"]:
            keys = phrase_keys(v["surface"])
            if not keys:
                continue
            variants.append(Variant(
                surface=v["surface"], keys=keys,
                ortsteile=tuple(v.get("ortsteile", ())), stadtbezirke=tuple(v.get("stadtbezirke", ())),
                rule=v.get("rule", "any"), kind=v.get("kind", "variant"), note=v.get("note", ""),
                not_preceded_by=frozenset(v.get("not_preceded_by", ())),
                not_followed_by=frozenset(v.get("not_followed_by", ())),
            ))
        self.variants: tuple[Variant, ...] = tuple(variants)
        # keys → variants with these keys; first key → longest phrase length starting with it
        self.index: dict[tuple[str, ...], tuple[Variant, ...]] = {}
        for v in variants:
            self.index[v.keys] = self.index.get(v.keys, ()) + (v,)
        self.max_len: dict[str, int] = {}
        for k in self.index:
            self.max_len[k[0]] = max(self.max_len.get(k[0], 0), len(k))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Gazetteer":
        """The gazetteer shipped in ``models/places`` (or at ``path``); cached per path."""
        return _load(str(Path(path).resolve()) if path is not None else str(gazetteer_path()))

    def place(self, name: str) -> Place:
        """The place with this official name.

        Raises:
            InputError: ``name`` is not an official Ortsteil or Stadtbezirk name.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise InputError(f"„{name}“ ist kein amtlicher Name eines Leipziger Ortsteils oder Stadtbezirks.",
                             hint="Amtliche Schreibweise verwenden, z. B. „Schleußig“, „Gohlis-Süd“, „Südwest“.") from None

    def is_official(self, name: str, kind: str | None = None) -> bool:
        p = self._by_name.get(name)
        return p is not None and (kind is None or p.kind == kind)

    def ortsteile_of(self, stadtbezirk: str) -> tuple[Place, ...]:
        """The Ortsteile of a Stadtbezirk, in the order of their numbers."""
        self.place(stadtbezirk)
        return tuple(o for o in self.ortsteile if o.stadtbezirk == stadtbezirk)

    def sort_names(self, names) -> tuple[str, ...]:
        """Official names in the order of their numbers, without duplicates."""
        return tuple(sorted(set(names), key=self._order.__getitem__))


@lru_cache(maxsize=4)
def _load(path: str) -> Gazetteer:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"Das Ortsverzeichnis {p} fehlt.",
                         hint="insek-nlp aus dem Quellordner installieren oder "
                              "`python -m insek_nlp.places.build_gazetteer` ausführen.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"Das Ortsverzeichnis {p} ist nicht lesbar: {exc}") from exc
    return Gazetteer(data)
