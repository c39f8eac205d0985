"""The editable knowledge base of typical goal conflicts (``models/conflicts/*.yaml``).

The file names the objects that goals act on, the trade-offs between fields of
action (two sides with German cue terms and the directions a goal must have to
count for that side), and the words with which drafts name a conflict
themselves. Mistakes are reported with file and line, in German, as for
taxonomy files.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Literal

import yaml

from insek_nlp.errors import KnowledgeBaseError
from insek_nlp.paths import models_dir

__all__ = ["ConflictKnowledge", "Direction", "DIRECTIONS", "Side", "Tradeoff", "ConflictObject",
           "load_knowledge", "default_knowledge"]

Direction = Literal["mehr", "weniger", "erhalten"]
DIRECTIONS: tuple[Direction, ...] = ("mehr", "weniger", "erhalten")
DEFAULT_KNOWLEDGE = "zielkonflikte"
_ID = re.compile(r"^[a-z0-9_]+$")
_HINT = "Aufbau der Datei: siehe models/conflicts/zielkonflikte.yaml (Kommentar am Anfang)."


@dataclass(frozen=True, slots=True)
class ConflictObject:
    """Something goals act on (land, parking, budget …)."""

    id: str
    label: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a trade-off: its cue terms and the directions that count."""

    terms: tuple[str, ...]
    directions: tuple[Direction, ...]


@dataclass(frozen=True, slots=True)
class Tradeoff:
    """A typical conflict between two fields of action."""

    id: str
    label: str
    explanation: str
    a: Side
    b: Side


@dataclass(frozen=True, slots=True)
class ConflictKnowledge:
    """A validated knowledge-base file."""

    id: str
    name: str
    objects: tuple[ConflictObject, ...]
    tradeoffs: tuple[Tradeoff, ...]
    explicit: tuple[str, ...]
    path: str
    sha256: str
    stance_more: tuple[str, ...] = ()
    stance_keep: tuple[str, ...] = ()

    def tradeoff(self, tradeoff_id: str) -> Tradeoff:
        for t in self.tradeoffs:
            if t.id == tradeoff_id:
                return t
        raise KeyError(tradeoff_id)

    def object(self, object_id: str) -> ConflictObject:
        for o in self.objects:
            if o.id == object_id:
                return o
        raise KeyError(object_id)


def default_knowledge() -> ConflictKnowledge:
    """The bundled knowledge base ``models/conflicts/zielkonflikte.yaml``."""
    return load_knowledge(DEFAULT_KNOWLEDGE)


def load_knowledge(path_or_name: str | PathLike[str] = DEFAULT_KNOWLEDGE) -> ConflictKnowledge:
    """Load and validate a conflict knowledge-base file (path, or name of a bundled file).

    Raises:
        KnowledgeBaseError: the file is missing, not YAML, or breaks the format;
            the German message names the file and the line.
    """
    path = _resolve(path_or_name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"Die Datei {path} kann nicht gelesen werden: {exc.strerror or exc}.",
                                 hint="Bitte Zugriffsrechte prüfen.") from exc
    return _parse(data, path)


def _resolve(path_or_name: str | PathLike[str]) -> Path:
    path = Path(path_or_name)
    if path.is_file():
        return path.resolve()
    text = str(path_or_name)
    if "/" not in text and "\\" not in text:
        stem = text.removesuffix(".yaml").removesuffix(".yml")
        candidate = models_dir() / "conflicts" / f"{stem}.yaml"
        if candidate.is_file():
            return candidate.resolve()
    raise KnowledgeBaseError(f"Wissensbasis für Zielkonflikte nicht gefunden: {text}",
                             hint="Bitte den Pfad einer YAML-Datei angeben oder den Namen 'zielkonflikte'.")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._loader = yaml.SafeLoader("")

    def fail(self, node: yaml.Node | None, message: str, hint: str | None = _HINT) -> KnowledgeBaseError:
        line = node.start_mark.line + 1 if node is not None and node.start_mark is not None else 1
        return KnowledgeBaseError(f"Datei {self.path}, Zeile {line}: {message}", hint=hint)

    def value(self, node: yaml.Node):
        try:
            return self._loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"YAML-Fehler: {getattr(exc, 'problem', None) or exc}") from exc

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} muss eine Zuordnung (Feld: Wert) sein.")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            key = str(self.value(k))
            if key in out:
                raise self.fail(k, f"Feld '{key}' steht doppelt in {what}.")
            out[key] = (k, v)
        return out

    def text(self, fields: dict, key: str, what: str, parent: yaml.Node) -> str:
        if key not in fields:
            raise self.fail(parent, f"{what}: Feld '{key}' fehlt.")
        node = fields[key][1]
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what}: Feld '{key}' muss ein nicht leerer Text sein.")
        return " ".join(value.split())

    def strings(self, fields: dict, key: str, what: str, parent: yaml.Node) -> tuple[str, ...]:
        if key not in fields:
            raise self.fail(parent, f"{what}: Feld '{key}' fehlt.")
        node = fields[key][1]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what}: Feld '{key}' muss eine nicht leere Liste von Begriffen sein.")
        out = []
        for item in node.value:
            value = self.value(item) if isinstance(item, yaml.ScalarNode) else None
            if not isinstance(value, str) or not value.strip():
                raise self.fail(item, f"{what}: Eintrag in '{key}' ist kein Text.",
                                hint="Zahlen und ja/nein-Wörter bitte in Anführungszeichen setzen.")
            out.append(" ".join(value.split()))
        return tuple(dict.fromkeys(out))


def _parse(data: bytes, path: Path) -> ConflictKnowledge:
    r = _Reader(path)
    try:
        root = yaml.compose(data.decode("utf-8-sig"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(f"Datei {path}: die Datei ist nicht UTF-8-kodiert.",
                                 hint="Bitte als UTF-8 speichern.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise KnowledgeBaseError(f"Datei {path}, Zeile {line}: YAML-Fehler: {getattr(exc, 'problem', None) or exc}",
                                 hint="Bitte Einrückung und Doppelpunkte prüfen.") from exc
    except RecursionError as exc:  # PyYAML composes nested nodes recursively
        raise KnowledgeBaseError(f"Datei {path}: die Datei ist zu tief verschachtelt, um eine Wissensbasis zu sein.",
                                 hint=_HINT) from exc
    if root is None:
        raise KnowledgeBaseError(f"Datei {path}: die Datei ist leer.", hint=_HINT)
    top = r.mapping(root, "die Datei")
    kb_id = r.text(top, "id", "Datei", root)
    name = r.text(top, "name", "Datei", root)

    objects: list[ConflictObject] = []
    if "objects" in top:
        for key, (knode, vnode) in r.mapping(top["objects"][1], "'objects'").items():
            if not _ID.match(key):
                raise r.fail(knode, f"Objekt-ID '{key}' darf nur a-z, 0-9 und _ enthalten.")
            fields = r.mapping(vnode, f"Objekt '{key}'")
            objects.append(ConflictObject(key, r.text(fields, "label", f"Objekt '{key}'", vnode),
                                          r.strings(fields, "terms", f"Objekt '{key}'", vnode)))

    if "tradeoffs" not in top:
        raise r.fail(root, "Feld 'tradeoffs' fehlt.")
    tnode = top["tradeoffs"][1]
    if not isinstance(tnode, yaml.SequenceNode) or not tnode.value:
        raise r.fail(tnode, "Feld 'tradeoffs' muss eine nicht leere Liste sein.")
    tradeoffs: list[Tradeoff] = []
    seen: dict[str, int] = {}
    for node in tnode.value:
        fields = r.mapping(node, "ein Eintrag in 'tradeoffs'")
        tid = r.text(fields, "id", "Zielkonflikt", node)
        who = f"Zielkonflikt '{tid}'"
        if not _ID.match(tid):
            raise r.fail(fields["id"][1], f"{who}: die ID darf nur a-z, 0-9 und _ enthalten.")
        line = node.start_mark.line + 1
        if tid in seen:
            raise r.fail(node, f"{who}: die ID ist doppelt vergeben (Zeilen {seen[tid]} und {line}).")
        seen[tid] = line
        sides = []
        for s in ("a", "b"):
            if s not in fields:
                raise r.fail(node, f"{who}: Feld '{s}' (Seite {s.upper()}) fehlt.")
            snode = fields[s][1]
            sf = r.mapping(snode, f"{who}, Seite {s}")
            dirs = r.strings(sf, "directions", f"{who}, Seite {s}", snode)
            bad = [d for d in dirs if d not in DIRECTIONS]
            if bad:
                raise r.fail(sf["directions"][1], f"{who}, Seite {s}: unbekannte Richtung '{bad[0]}'.",
                             hint="Erlaubt sind: mehr, weniger, erhalten.")
            sides.append(Side(r.strings(sf, "terms", f"{who}, Seite {s}", snode), dirs))  # type: ignore[arg-type]
        tradeoffs.append(Tradeoff(tid, r.text(fields, "label", who, node), r.text(fields, "explanation", who, node),
                                  sides[0], sides[1]))
    explicit = r.strings(top, "explicit", "Datei", root) if "explicit" in top else ()
    more: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    if "stance" in top:
        snode = top["stance"][1]
        sf = r.mapping(snode, "'stance'")
        more = r.strings(sf, "mehr", "Feld 'stance'", snode)
        keep = r.strings(sf, "erhalten", "Feld 'stance'", snode)
    return ConflictKnowledge(kb_id, name, tuple(objects), tuple(tradeoffs), explicit, str(path),
                             hashlib.sha256(data).hexdigest(), more, keep)
