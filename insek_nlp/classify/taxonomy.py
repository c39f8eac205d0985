"""Theme taxonomies: the YAML files that say which themes exist and how to recognise them.

A taxonomy is a small YAML file (format in ``DESIGN.md``, "Taxonomy files"):
top-level ``id``, ``name``, ``language`` and a list of ``themes``, each with a
stable ``id``, a German ``label``, a ``description``, matching ``terms``,
optional ``examples`` and an optional ``parent``. Benchmark taxonomies may add
a ``label_map`` that maps the label values (or label column names) of a
labelled data set to theme ids.

Users write these files by hand, so every problem is reported in German with
the file and the line (taken from PyYAML's node tree, ``yaml.compose``), and
with a hint on how to fix it. Unknown fields are logged as warnings and kept
in :attr:`Taxonomy.warnings`; they do not stop the run.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from insek_nlp.errors import TaxonomyError
from insek_nlp.paths import models_dir

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_TAXONOMY",
    "Taxonomy",
    "Theme",
    "default_taxonomy",
    "list_taxonomies",
    "load_taxonomy",
]

DEFAULT_TAXONOMY = "insek-querschnittsthemen"
"""Name of the bundled taxonomy :func:`default_taxonomy` loads."""

THEME_ID_PATTERN = re.compile(r"[a-z0-9_]+")
TAXONOMY_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")

_REQUIRED_TOP = ("id", "name", "language", "themes")
_OPTIONAL_TOP = ("source", "description", "version", "label_map")
_THEME_FIELDS = ("id", "label", "description", "terms", "examples", "parent")
_SUFFIXES = (".yaml", ".yml")

_YAML_HINT = (
    "Häufige Ursachen: Einrückung mit Tabulatoren statt Leerzeichen, fehlendes Leerzeichen nach ':' "
    "oder '-', ein Doppelpunkt oder '#' in einem Text ohne Anführungszeichen."
)
_ID_HINT = "Erlaubt sind nur Kleinbuchstaben a–z, Ziffern und '_' (keine Umlaute, Leer- oder Bindestriche)."


# --------------------------------------------------------------------------- domain objects


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme of a taxonomy.

    Attributes:
        id: Stable identifier (``[a-z0-9_]+``); what labels, stores and exports use.
        label: Human-readable German name.
        description: A few German sentences: what belongs to the theme and where it ends.
        terms: Lemmas and phrases that indicate the theme (stripped, without
            case-insensitive duplicates, in file order).
        examples: Short example passages.
        parent: Id of the parent theme, or ``None``.
    """

    id: str
    label: str
    description: str = ""
    terms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A validated set of themes, loaded from one YAML file.

    Attributes:
        id: Identifier of the taxonomy, e.g. ``"insek-querschnittsthemen"``.
        name: Human-readable name.
        language: Language code of labels and terms (``"de"``).
        themes: The themes in file order.
        path: The file it was loaded from (absolute), or ``None`` if built in code.
        sha256: SHA-256 of the file bytes; run manifests record it.
        source: Where the taxonomy comes from (free text), if the file says so.
        label_map: Optional mapping from label values of a data set to theme ids.
        warnings: Problems that did not stop loading (unknown fields, themes without terms).
    """

    id: str
    name: str
    language: str
    themes: tuple[Theme, ...]
    path: str | None = None
    sha256: str = ""
    source: str | None = None
    label_map: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    warnings: tuple[str, ...] = field(default=(), compare=False, hash=False)

    @property
    def ids(self) -> tuple[str, ...]:
        """Theme ids in file order."""
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id.

        Raises:
            TaxonomyError: if the taxonomy has no such theme.
        """
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise TaxonomyError(
            f"Die Taxonomie '{self.id}' hat kein Thema '{theme_id}'.",
            hint="Vorhandene Themen: " + ", ".join(self.ids) + ".",
        )

    def __contains__(self, theme_id: object) -> bool:
        return any(t.id == theme_id for t in self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def children(self, theme_id: str) -> tuple[Theme, ...]:
        """The direct children of a theme (themes whose ``parent`` is ``theme_id``)."""
        return tuple(t for t in self.themes if t.parent == theme_id)

    def ancestors(self, theme_id: str) -> tuple[str, ...]:
        """Ids of the parent, grandparent, … of a theme (nearest first)."""
        out: list[str] = []
        parent = self.theme(theme_id).parent
        while parent is not None:
            out.append(parent)
            parent = self.theme(parent).parent
        return tuple(out)

    def map_label(self, value: object) -> str | None:
        """Map a label value from a data set to a theme id, or ``None`` if it matches nothing.

        Tries, in order: the ``label_map`` (exact, then case-insensitive), a theme
        id, a theme label (case-insensitive).
        """
        text = str(value).strip()
        if not text:
            return None
        if text in self.label_map:
            return self.label_map[text]
        folded = text.casefold()
        for key, theme_id in self.label_map.items():
            if key.casefold() == folded:
                return theme_id
        for t in self.themes:
            if t.id == text or t.id == folded:
                return t.id
        for t in self.themes:
            if t.label.casefold() == folded:
                return t.id
        return None


# --------------------------------------------------------------------------- public API


def load_taxonomy(path_or_name: str | PathLike[str]) -> Taxonomy:
    """Load and validate a taxonomy file.

    Args:
        path_or_name: Path of a YAML file, or the name of a bundled taxonomy
            (see :func:`list_taxonomies`), e.g. ``"insek-fachthemen"``.

    Raises:
        TaxonomyError: the file is missing, not valid YAML, or breaks a rule of the format;
            the German message names the file and the line.
    """
    path = _resolve(path_or_name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaxonomyError(
            f"Die Taxonomie-Datei {path} kann nicht gelesen werden: {exc.strerror or exc}.",
            hint="Bitte Zugriffsrechte prüfen.",
        ) from exc
    return _parse(data, path)


def default_taxonomy() -> Taxonomy:
    """The bundled INSEK Querschnittsthemen (``insek-querschnittsthemen``)."""
    return load_taxonomy(DEFAULT_TAXONOMY)


def list_taxonomies() -> list[str]:
    """Names of the bundled taxonomies (files in ``models/taxonomies``), sorted."""
    folder = models_dir() / "taxonomies"
    names = {p.stem for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file()}
    return sorted(names)


# --------------------------------------------------------------------------- locating the file


def _resolve(path_or_name: str | PathLike[str]) -> Path:
    path = Path(path_or_name)
    if path.is_file():
        return path.resolve()
    if path.is_dir():
        raise TaxonomyError(
            f"{path} ist ein Ordner, keine Taxonomie-Datei.",
            hint="Bitte den Pfad einer YAML-Datei angeben, z. B. meine-themen.yaml.",
        )
    text = str(path_or_name)
    looks_like_name = "/" not in text and "\\" not in text
    if looks_like_name:
        stem = text[: -len(path.suffix)] if path.suffix in _SUFFIXES else text
        folder = models_dir() / "taxonomies"
        for suffix in _SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate.resolve()
    try:
        bundled = ", ".join(list_taxonomies()) or "(keine)"
    except Exception:  # noqa: BLE001 - the hint must not hide the real problem
        bundled = "(Ordner models/taxonomies nicht gefunden)"
    raise TaxonomyError(
        f"Taxonomie-Datei nicht gefunden: {text}",
        hint=(
            "Bitte den Pfad prüfen (relativ zum aktuellen Ordner oder absolut) oder eine mitgelieferte "
            f"Taxonomie per Name wählen: {bundled}."
        ),
    )


# --------------------------------------------------------------------------- parsing and validation


class _Checker:
    """Validates the node tree of one file; knows the file name for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        self._loader = yaml.SafeLoader("")

    # -- messages

    def where(self, node: yaml.Node | None) -> str:
        return f"Datei {self.path}, Zeile {_line(node)}"

    def fail(self, node: yaml.Node | None, message: str, hint: str | None = None) -> TaxonomyError:
        return TaxonomyError(f"{self.where(node)}: {message}", hint=hint)

    def fail_theme(self, who: str, node: yaml.Node | None, message: str, hint: str | None = None) -> TaxonomyError:
        return TaxonomyError(f"{who}: {message} ({self.where(node)})", hint=hint)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        logger.warning("%s", message)

    # -- node helpers

    def value(self, node: yaml.Node) -> Any:
        try:
            return self._loader.construct_document(node)
        except yaml.YAMLError as exc:  # e.g. an unknown tag such as !!python/object
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"YAML-Fehler: {problem}", hint=_YAML_HINT) from exc

    def mapping(self, node: yaml.MappingNode, who: str | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys (as text) → (key node, value node); duplicate keys are an error."""
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            key = str(key) if key is not None else ""
            if key in out:
                first = _line(out[key][0])
                message = f"Feld '{key}' steht doppelt (Zeilen {first} und {_line(key_node)})"
                hint = "Bitte die beiden Einträge zusammenführen."
                if who:
                    raise self.fail_theme(who, key_node, message, hint)
                raise self.fail(key_node, message + ".", hint)
            out[key] = (key_node, value_node)
        return out

    def string_list(self, who: str, fname: str, node: yaml.Node) -> list[tuple[str, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail_theme(
                who, node, f"Feld '{fname}' muss eine Liste von Texten sein, nicht {_kind(node, self)}",
                hint=f"Schreibweise: {fname}: [Begriff eins, Begriff zwei] oder je Zeile '- Begriff'.",
            )
        out: list[tuple[str, yaml.Node]] = []
        for item in node.value:
            value = self.value(item) if isinstance(item, yaml.ScalarNode) else None
            if not isinstance(item, yaml.ScalarNode) or not isinstance(value, str):
                raise self.fail_theme(
                    who, item,
                    f"Feld '{fname}' muss eine Liste von Texten sein; Eintrag {_kind(item, self)} ist kein Text",
                    hint="Zahlen, ja/nein-Wörter (yes, no, on, off) und Texte mit ':' bitte in "
                    "Anführungszeichen setzen.",
                )
            out.append((value, item))
        return out

    def text(self, who: str, fname: str, node: yaml.Node, *, required: bool) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else node
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail_theme(who, node, f"Feld '{fname}' ist leer")
            return None
        if not isinstance(value, str):
            raise self.fail_theme(
                who, node, f"Feld '{fname}' muss ein Text sein, nicht {_kind(node, self)}",
                hint="Bitte den Wert in Anführungszeichen setzen.",
            )
        return " ".join(value.split())


def _parse(data: bytes, path: Path) -> Taxonomy:
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaxonomyError(
            f"Datei {path}, Zeile {line}: die Datei ist nicht UTF-8-kodiert.",
            hint="Bitte im Editor als UTF-8 speichern.",
        ) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or str(exc)
        raise TaxonomyError(f"Datei {path}, Zeile {line}: YAML-Fehler: {problem}", hint=_YAML_HINT) from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"Datei {path}, Zeile 1: YAML-Fehler: {exc}", hint=_YAML_HINT) from exc
    except RecursionError as exc:  # PyYAML composes nested nodes recursively
        raise TaxonomyError(f"Datei {path}: die Datei ist zu tief verschachtelt, um eine Taxonomie zu sein.",
                            hint=_YAML_HINT) from exc

    c = _Checker(path)
    if root is None:
        raise TaxonomyError(
            f"Datei {path}, Zeile 1: die Datei ist leer.",
            hint="Eine Taxonomie braucht mindestens 'id', 'name', 'language' und eine Liste 'themes'.",
        )
    if not isinstance(root, yaml.MappingNode):
        raise c.fail(
            root, f"oben in der Datei wird eine Zuordnung (Feld: Wert) erwartet, gefunden: {_kind(root, c)}.",
            hint="Die Datei beginnt mit Zeilen wie 'id: meine-themen' und 'name: …'.",
        )
    top = c.mapping(root, None)

    for key in _REQUIRED_TOP:
        if key not in top:
            raise c.fail(
                root, f"Pflichtfeld '{key}' fehlt.",
                hint="Oben in der Datei müssen 'id', 'name', 'language' und 'themes' stehen.",
            )
    for key, (key_node, _) in top.items():
        if key not in _REQUIRED_TOP and key not in _OPTIONAL_TOP:
            c.warn(f"{c.where(key_node)}: unbekanntes Feld '{key}' wird ignoriert.")

    tax_id = _top_text(c, top, "id")
    if not TAXONOMY_ID_PATTERN.fullmatch(tax_id):
        raise c.fail(
            top["id"][1], f"die Taxonomie-ID '{tax_id}' ist ungültig.",
            hint="Erlaubt sind Kleinbuchstaben a–z, Ziffern, '_', '-' und '.', z. B. 'raddialog-bonn'.",
        )
    name = _top_text(c, top, "name")
    language = _top_text(c, top, "language")
    source = _top_text(c, top, "source") if "source" in top else None

    themes_node = top["themes"][1]
    if not isinstance(themes_node, yaml.SequenceNode):
        if isinstance(themes_node, yaml.ScalarNode) and c.value(themes_node) is None:
            raise c.fail(themes_node, "die Taxonomie enthält keine Themen.",
                         hint="Unter 'themes:' mindestens ein Thema mit '- id: …' und 'label: …' eintragen.")
        raise c.fail(
            themes_node, f"'themes' muss eine Liste sein, gefunden: {_kind(themes_node, c)}.",
            hint="Jedes Thema beginnt mit '- id: …' (Bindestrich, eingerückt unter 'themes:').",
        )
    if not themes_node.value:
        raise c.fail(themes_node, "die Taxonomie enthält keine Themen.",
                     hint="Unter 'themes:' mindestens ein Thema mit '- id: …' und 'label: …' eintragen.")

    themes: list[Theme] = []
    lines: dict[str, yaml.Node] = {}  # theme id → theme node
    parent_nodes: dict[str, yaml.Node] = {}
    for number, node in enumerate(themes_node.value, start=1):
        theme = _theme(c, node, number, lines, parent_nodes)
        themes.append(theme)

    _check_parents(c, themes, lines, parent_nodes)
    label_map = _label_map(c, top, {t.id for t in themes})

    return Taxonomy(
        id=tax_id,
        name=name,
        language=language,
        themes=tuple(themes),
        path=str(path),
        sha256=sha,
        source=source,
        label_map=MappingProxyType(label_map),
        warnings=tuple(c.warnings),
    )


def _top_text(c: _Checker, top: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> str:
    node = top[key][1]
    value = c.value(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str) or not value.strip():
        raise c.fail(node, f"Feld '{key}' muss ein nicht leerer Text sein.")
    return " ".join(value.split())


def _theme(
    c: _Checker,
    node: yaml.Node,
    number: int,
    lines: dict[str, yaml.Node],
    parent_nodes: dict[str, yaml.Node],
) -> Theme:
    who = f"Thema Nr. {number}"
    if not isinstance(node, yaml.MappingNode):
        raise c.fail_theme(
            who, node, f"ein Thema muss eine Zuordnung mit 'id' und 'label' sein, gefunden: {_kind(node, c)}",
            hint="Schreibweise: '- id: mein_thema' und darunter eingerückt 'label: Mein Thema'.",
        )
    fields = c.mapping(node, who)

    if "id" in fields:
        raw_id = c.value(fields["id"][1]) if isinstance(fields["id"][1], yaml.ScalarNode) else None
        shown = raw_id if isinstance(raw_id, str) else str(raw_id)
        who = f"Thema '{shown}'"
        if not isinstance(raw_id, str) or not THEME_ID_PATTERN.fullmatch(raw_id):
            suggestion = _slug(shown)
            hint = _ID_HINT + (f" Vorschlag: '{suggestion}'." if suggestion else "")
            raise c.fail_theme(who, fields["id"][1], f"ID '{shown}' ist ungültig", hint=hint)
        theme_id = raw_id
        if theme_id in lines:
            raise c.fail_theme(
                who, fields["id"][1],
                f"ID '{theme_id}' ist doppelt vergeben (Zeilen {_line(lines[theme_id])} und {_line(node)})",
                hint="Jede Themen-ID darf nur einmal vorkommen.",
            )
    else:
        label_node = fields.get("label", (None, None))[1]
        label_value = c.value(label_node) if isinstance(label_node, yaml.ScalarNode) else None
        if isinstance(label_value, str) and label_value.strip():
            who = f"Thema Nr. {number} ('{label_value.strip()}')"
        suggestion = _slug(label_value) if isinstance(label_value, str) else ""
        raise c.fail_theme(
            who, node, "Feld 'id' fehlt",
            hint="Jedes Thema braucht eine feste ID aus Kleinbuchstaben, Ziffern und '_'"
            + (f", z. B. 'id: {suggestion}'." if suggestion else "."),
        )

    if "label" not in fields:
        raise c.fail_theme(who, node, "Feld 'label' fehlt",
                           hint="Bitte eine lesbare Bezeichnung angeben, z. B. 'label: Gesundheit'.")
    label = c.text(who, "label", fields["label"][1], required=True)
    assert label is not None
    description = ""
    if "description" in fields:
        description = c.text(who, "description", fields["description"][1], required=False) or ""

    terms: list[str] = []
    seen: set[str] = set()
    if "terms" in fields:
        for value, _item in c.string_list(who, "terms", fields["terms"][1]):
            term = " ".join(unicodedata.normalize("NFC", value).split())
            key = term.casefold()
            if term and key not in seen:
                seen.add(key)
                terms.append(term)

    examples: list[str] = []
    if "examples" in fields:
        for value, _item in c.string_list(who, "examples", fields["examples"][1]):
            example = " ".join(unicodedata.normalize("NFC", value).split())
            if example and example not in examples:
                examples.append(example)

    parent: str | None = None
    if "parent" in fields:
        pnode = fields["parent"][1]
        pvalue = c.value(pnode) if isinstance(pnode, yaml.ScalarNode) else pnode
        if pvalue is not None:
            if not isinstance(pvalue, str) or not pvalue.strip():
                raise c.fail_theme(who, pnode, f"Feld 'parent' muss eine Themen-ID sein, nicht {_kind(pnode, c)}")
            parent = pvalue.strip()
            parent_nodes[theme_id] = pnode

    for key, (key_node, _) in fields.items():
        if key not in _THEME_FIELDS:
            c.warn(f"{who}: unbekanntes Feld '{key}' wird ignoriert ({c.where(key_node)}).")
    if not terms and not description and not examples:
        c.warn(f"{who}: nur ein Label, keine Begriffe, Beschreibung oder Beispiele – ohne Training "
               f"wird das Thema nur über sein Label erkannt ({c.where(node)}).")

    lines[theme_id] = node
    return Theme(
        id=theme_id,
        label=label,
        description=description,
        terms=tuple(terms),
        examples=tuple(examples),
        parent=parent,
    )


def _check_parents(
    c: _Checker, themes: list[Theme], lines: dict[str, yaml.Node], parent_nodes: dict[str, yaml.Node]
) -> None:
    parents = {t.id: t.parent for t in themes}
    for t in themes:
        if t.parent is not None and t.parent not in parents:
            raise c.fail_theme(
                f"Thema '{t.id}'", parent_nodes[t.id], f"unbekanntes Elternthema '{t.parent}'",
                hint="'parent' muss die ID eines Themas derselben Datei sein: " + ", ".join(parents) + ".",
            )
    done: set[str] = set()
    for t in themes:
        chain: list[str] = []
        current: str | None = t.id
        while current is not None and current not in done:
            if current in chain:
                cycle = chain[chain.index(current):] + [current]
                raise c.fail_theme(
                    f"Thema '{current}'", parent_nodes[current],
                    "die Elternbeziehungen bilden einen Kreis: " + " → ".join(f"'{x}'" for x in cycle),
                    hint="Mindestens ein 'parent' in diesem Kreis muss entfernt oder geändert werden.",
                )
            chain.append(current)
            current = parents[current]
        done.update(chain)


def _label_map(c: _Checker, top: dict[str, tuple[yaml.Node, yaml.Node]], ids: set[str]) -> dict[str, str]:
    if "label_map" not in top:
        return {}
    node = top["label_map"][1]
    if isinstance(node, yaml.ScalarNode) and c.value(node) is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise c.fail(
            node, f"'label_map' muss eine Zuordnung 'Label in den Daten: themen_id' sein, gefunden: {_kind(node, c)}."
        )
    out: dict[str, str] = {}
    for key, (key_node, value_node) in c.mapping(node, None).items():
        value = c.value(value_node) if isinstance(value_node, yaml.ScalarNode) else None
        if not isinstance(value, str) or value not in ids:
            raise c.fail(
                value_node, f"'label_map' ordnet '{key}' dem unbekannten Thema '{value}' zu.",
                hint="Rechts vom Doppelpunkt muss eine Themen-ID dieser Datei stehen: " + ", ".join(sorted(ids)) + ".",
            )
        out[key] = value
    return out


# --------------------------------------------------------------------------- small helpers


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None and node.start_mark is not None else 1


def _kind(node: yaml.Node, c: _Checker) -> str:
    if isinstance(node, yaml.MappingNode):
        return "eine Zuordnung"
    if isinstance(node, yaml.SequenceNode):
        return "eine Liste"
    value = c.value(node)
    if value is None:
        return "ein leerer Wert"
    if isinstance(value, bool):
        return f"der Wahrheitswert {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"die Zahl {value}"
    return f"'{value}'"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _slug(text: str | None) -> str:
    if not text:
        return ""
    lowered = text.strip().lower().translate(_UMLAUTS)
    ascii_only = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")
