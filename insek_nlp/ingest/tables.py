"""Reading citizen comment exports: CSV/TSV, XLSX and JSONL tables → comment records.

Participation platforms and hand-kept spreadsheets export comments in many
shapes: Excel's cp1252 CSV with semicolons, UTF-8 with BOM, title rows and
merged group headers above the real header, German or English column names.
:func:`read_table` finds the header, maps columns to roles (text, title, id,
created, location, …) and turns every data row with a text or a title into a
:class:`~insek_nlp.ingest.base.CommentRecord`. Columns without a role are kept
in ``metadata``; nothing is dropped without a problem saying so.

Values are kept verbatim (stripped, line breaks normalised, NFC). Neutralising
spreadsheet formulas is the exporter's job, not the reader's.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import logging
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from insek_nlp.errors import IngestError, InputError
from insek_nlp.ingest.base import CommentRecord, Extraction
from insek_nlp.ingest.encoding import decode_text

logger = logging.getLogger(__name__)

__all__ = ["ROLES", "read_table"]

ROLES = ("text", "title", "id", "created", "location", "lat", "lon", "category", "author", "url")
"""Column roles a comment table can have; every other column goes to ``metadata``."""

_MULTI_ROLES = frozenset({"text", "location"})
_ROLE_LABEL = {"text": "Text", "title": "Titel", "id": "ID", "created": "Datum", "location": "Ort",
               "lat": "Breitengrad", "lon": "Längengrad", "category": "Kategorie", "author": "Autor", "url": "URL"}
_CLI_FLAG = {"text": "--text-col", "title": "--title-col", "id": "--id-col", "created": "--date-col",
             "location": "--location-col", "category": "--category-col", "author": "--author-col",
             "url": "--url-col"}

_CSV_EXT = frozenset({".csv", ".tsv", ".txt"})
_XLSX_EXT = frozenset({".xlsx", ".xlsm"})
_JSONL_EXT = frozenset({".jsonl", ".ndjson"})

_HEADER_SCAN_ROWS = 15
_SAMPLE_ROWS = 200  # data rows looked at when choosing between candidate text columns
_MAX_LISTED = 10  # row numbers listed in one problem message
_ZIP_MAX_TOTAL = 300 * 1024 * 1024
_ZIP_MAX_RATIO = 200
_ZIP_RATIO_MIN_SIZE = 1024 * 1024  # below this, a high ratio cannot hurt
_SNIFF_CHARS = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")

# --------------------------------------------------------------------------- column roles

# Header names per role, written as _norm() leaves them (casefolded, no accents, ß → ss,
# words separated by single spaces). Multi-word names match as whole phrases.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "text": ("text", "beitrag", "beitragstext", "kommentar", "kommentartext", "inhalt", "anmerkung", "hinweis",
             "nachricht", "beschreibung", "anregung", "anliegen", "vorschlag", "stellungnahme", "freitext",
             "comment", "content", "body", "message", "description"),
    "title": ("titel", "uberschrift", "betreff", "title", "subject", "headline"),
    "id": ("id", "nr", "nummer", "beitrags id", "beitragsnummer", "lfd nr", "laufende nummer", "document id",
           "kennung", "uuid"),
    "created": ("datum", "erstellt", "erstellt am", "zeitpunkt", "zeitstempel", "eingang", "eingangsdatum",
                "erstellungsdatum", "created", "created at", "date", "timestamp", "datetime"),
    "location": ("ortsteil", "stadtteil", "stadtbezirk", "bezirk", "ort", "quartier", "strasse", "adresse",
                 "anschrift", "standort", "location", "district", "address", "neighbourhood", "neighborhood"),
    "lat": ("lat", "latitude", "breitengrad"),
    "lon": ("lon", "lng", "longitude", "langengrad"),
    "category": ("kategorie", "thema", "themen", "rubrik", "themenfeld", "themenbereich", "handlungsfeld",
                 "category", "categories", "topic"),
    "author": ("name", "autor", "autorin", "verfasser", "verfasserin", "nutzer", "nutzername", "benutzer",
               "benutzername", "einreicher", "user", "username", "author"),
    "url": ("url", "uri", "link", "permalink", "weblink", "href"),
}
# Names that also match inside German compounds ("Beitragsinhalt", "Erstellungsdatum",
# "Ortsteilname"). Short or generic names (id, nr, ort, name, date …) match only as words.
_COMPOUND: dict[str, tuple[str, ...]] = {
    "text": ("text", "beitrag", "kommentar", "inhalt", "anmerkung", "hinweis", "nachricht", "beschreibung",
             "anregung", "vorschlag", "stellungnahme"),
    "title": ("titel", "uberschrift", "betreff"),
    "created": ("datum", "zeitpunkt", "zeitstempel"),
    "location": ("ortsteil", "stadtteil", "stadtbezirk", "bezirk", "quartier", "strasse", "adresse", "standort"),
    "category": ("kategorie", "thema", "rubrik"),
    "author": ("autor", "verfasser", "nutzer", "benutzer"),
    "url": ("link",),
}
# On equal scores the more specific role wins: in "Kommentar-ID" or "Datum des Beitrags"
# the text word only qualifies.
_ROLE_PRIORITY = ("id", "url", "lat", "lon", "created", "title", "category", "author", "location", "text")
_PLURAL_SUFFIXES = ("e", "en", "n", "s", "es")
_PREPOSITIONS = frozenset({"des", "der", "dem", "den", "die", "das", "zum", "zur", "vom", "von", "am", "im", "an",
                           "in", "fur", "uber", "of", "the", "for", "by", "at"})
# Finer places first when several location columns are joined ("Lindenau, Alt-West").
_LOCATION_RANK = {"strasse": 0, "adresse": 0, "anschrift": 0, "address": 0, "quartier": 1, "ortsteil": 2,
                  "stadtteil": 2, "ort": 2, "neighbourhood": 2, "neighborhood": 2, "standort": 2, "location": 2,
                  "stadtbezirk": 3, "bezirk": 3, "district": 3}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_NON_ALNUM = re.compile(r"[\W_]+")


def _norm(name: str) -> str:
    """Header name → casefolded ASCII-ish words: "Beitrags-ID" → "beitrags id", "Straße" → "strasse"."""
    name = _CAMEL.sub(" ", name)
    name = name.casefold().replace("ß", "ss")
    name = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    name = _LETTER_DIGIT.sub(" ", name)
    return " ".join(_NON_ALNUM.sub(" ", name).split())


@functools.lru_cache(maxsize=4096)
def _role_score(name: str, role: str) -> float:
    """How well a header name fits a role: 3 exact, 2 word (+0.25 as head word), 1.5/1 compound, 0 none."""
    norm = _norm(name)
    if not norm:
        return 0.0
    synonyms = _SYNONYMS[role]
    if norm in synonyms:
        return 3.0
    tokens = norm.split()
    words = [t for t in tokens if not t.isdigit()]
    if any(t in _PREPOSITIONS for t in words):
        head = words[0]  # "Datum der Erstellung", "Titel des Beitrags"
    else:
        head = words[-1] if words else ""  # "Beitrags-ID", "Ort / Stadtteil"
    padded = f" {norm} "
    best = 0.0
    for syn in synonyms:
        if " " in syn:
            if f" {syn} " in padded:
                best = max(best, 2.0 + 0.25 * (head in syn.split()))
            continue
        for tok in words:
            if tok == syn or (len(syn) >= 4 and tok[len(syn):] in _PLURAL_SUFFIXES and tok.startswith(syn)):
                best = max(best, 2.0 + 0.25 * (tok == head))
    if best:
        return best
    for syn in _COMPOUND.get(role, ()):
        for tok in words:
            if len(tok) > len(syn):
                if tok.endswith(syn):
                    best = max(best, 1.5)
                elif tok.startswith(syn):
                    best = max(best, 1.0)
    return best


def _location_rank(name: str) -> int:
    for tok in _norm(name).split():
        if tok in _LOCATION_RANK:
            return _LOCATION_RANK[tok]
    for syn, rank in _LOCATION_RANK.items():
        if any(tok.startswith(syn) or tok.endswith(syn) for tok in _norm(name).split()):
            return rank
    return 2


# --------------------------------------------------------------------------- values

_GERMAN_DATE = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})"
    r"(?:,?\s*(?:um\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*Uhr)?)?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLASH_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_EXCEL_SERIAL_RANGE = (20000.0, 80000.0)  # 1954 … 2119


def _clean(value: str) -> str:
    """Strip, normalise line breaks and NFC; otherwise verbatim."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value


def _iso(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        if moment.time() == time(0) and moment.tzinfo is None:
            return moment.date().isoformat()  # Excel stores plain dates as midnight
        return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return moment.isoformat()


def _to_str(value: Any) -> str:
    """Any cell value as the string users would read in the source."""
    if type(value) is str:  # the hot path: most cells are text
        if "\r" not in value and value.isascii():
            return value.strip()
        return _clean(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (datetime, date)):
        return _iso(value)
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (int, Decimal, timedelta)):
        return str(value)
    if isinstance(value, list):
        return ", ".join(s for s in (_to_str(v) for v in value) if s)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return _clean(str(value))


def parse_date(text: str) -> str | None:
    """German or ISO date (and time) → ISO 8601 string; ``None`` when not a date.

    "14.03.2026" → "2026-03-14"; "14.3.26 18:22" → "2026-03-14T18:22:00";
    ISO input keeps its time zone offset.
    """
    text = text.strip()
    try:
        m = _GERMAN_DATE.fullmatch(text)
        if m:
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                year += 2000 if year < 70 else 1900
            if m[4] is None:
                return date(year, month, day).isoformat()
            return datetime(year, month, day, int(m[4]), int(m[5]), int(m[6] or 0)).isoformat()
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text).isoformat()
        if _ISO_DATE.match(text):
            return _iso_with_time(datetime.fromisoformat(text))
        m = _SLASH_DATE.fullmatch(text)
        if m:
            if m[4] is None:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            return datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0)).isoformat()
    except ValueError:
        return None
    return None


def _iso_with_time(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def _parse_coordinate(value: Any, limit: float) -> float | None:
    """Decimal degrees, German decimal comma allowed; ``None`` when invalid or out of range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text:
            if "." in text or text.count(",") > 1:
                return None
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return number


# --------------------------------------------------------------------------- problems


def _rows_text(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_MAX_LISTED])
    more = ", …" if len(lines) > _MAX_LISTED else ""
    return f"{'Zeile' if len(lines) == 1 else 'Zeilen'} {shown}{more}"


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


@dataclass(slots=True)
class _Tally:
    """Rows of one kind of problem, collected while reading and reported once."""

    lines: list[int] = field(default_factory=list)
    example: str = ""

    def add(self, line: int, example: str = "") -> None:
        self.lines.append(line)
        if not self.example and example:
            self.example = example[:40]


# --------------------------------------------------------------------------- file checks


def _content_kind(head: bytes) -> str | None:
    """What the first bytes say a file is, for the formats people rename by mistake."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!")):
        return "archive"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()[:200].lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or (
            stripped.startswith(b"<?xml") and b"<html" in head[:2000].lower()):
        return "html"
    if stripped.startswith(b"<?xml"):
        return "xml"
    return None


def _wrong_content(path: Path, kind: str, expected: str) -> IngestError:
    described = {
        "pdf": ("ist eine PDF-Datei",
                "PDF-Entwürfe mit der Endung .pdf einlesen; Beiträge als CSV, XLSX oder JSONL exportieren."),
        "zip": ("ist eine Excel-Arbeitsmappe oder ein ZIP-Archiv",
                "Excel-Dateien mit der Endung .xlsx speichern bzw. umbenennen."),
        "ole": ("ist eine alte Excel-Datei (.xls) oder eine passwortgeschützte Arbeitsmappe",
                "In Excel öffnen und als .xlsx (ohne Kennwort) oder als CSV speichern."),
        "archive": ("ist ein komprimiertes Archiv", "Das Archiv zuerst entpacken und die enthaltene Tabelle einlesen."),
        "image": ("ist ein Bild", "Beiträge als CSV, XLSX oder JSONL exportieren."),
        "html": ("ist eine HTML-Seite", "Manche Portale speichern HTML unter .xls/.csv: die Datei in Excel öffnen "
                                        "und als .xlsx oder CSV speichern."),
        "xml": ("ist eine XML-Datei", "Die Daten als CSV, XLSX oder JSONL exportieren."),
        "binary": ("ist eine Binärdatei, keine Texttabelle",
                   "Beiträge als CSV (UTF-8), XLSX oder JSONL exportieren."),
        "text": ("ist eine Textdatei, keine Excel-Arbeitsmappe",
                 "Falls es eine CSV-Tabelle ist: die Endung in .csv ändern."),
    }[kind]
    return IngestError(
        f"„{path.name}“ {described[0]}, obwohl die Endung {expected} lautet.",
        hint=described[1],
        code="wrong_format",
    )


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    return "\x00" in sample or controls > max(2, len(sample) // 100)


def _decode(path: Path, data: bytes, expected: str) -> tuple[str, str]:
    """Bytes of a text table → (text, encoding), refusing what is not text."""
    kind = _content_kind(data[:4096])
    if kind is not None:
        raise _wrong_content(path, kind, expected)
    head = data[:4096]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 without BOM: every other byte of ASCII text is zero.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        pairs = max(1, len(head) // 2)
        if odd > 0.3 * pairs and even == 0:
            return unicodedata.normalize("NFC", data.decode("utf-16-le", "replace")), "utf-16-le"
        if even > 0.3 * pairs and odd == 0:
            return unicodedata.normalize("NFC", data.decode("utf-16-be", "replace")), "utf-16-be"
        raise _wrong_content(path, "binary", expected)
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise _wrong_content(path, "binary", expected)
    return text, encoding


def _empty_file(path: Path) -> IngestError:
    return IngestError(f"„{path.name}“ ist leer.", hint="Bitte den Export wiederholen.", code="empty")


# --------------------------------------------------------------------------- the generic table pipeline

Record = tuple[int, int, Sequence[Any]]
"""(physical line or sheet row, 1-based record number, values)."""


@dataclass(slots=True)
class _Header:
    names: list[str]  # full display names, unique
    leaves: list[str]  # the header cell alone, for role detection ("Stadtteil" of "Ort / Stadtteil")
    line: int  # physical line / sheet row of the header
    record: int  # record number of the header (data rows count from here)


@dataclass(slots=True)
class _Roles:
    single: dict[str, int]  # role -> column index
    text: list[int]
    location: list[int]
    display: dict[str, str]  # role -> column name(s) for the status display
    alternatives: list[int]  # further text-like columns left in metadata


def _is_header_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    value = value.strip()
    if not value or len(value) > 80:
        return False
    return not _norm(value).replace(" ", "").isdigit()


def _header_score(values: Sequence[Any]) -> float:
    cells = [v for v in values if _is_header_text(v)]
    if not cells:
        return 0.0
    matches = sum(1 for v in cells if max(_role_score(v, r) for r in ROLES) >= 2)
    return len(cells) + 2 * matches


def _detect_header(buffer: list[Record]) -> int:
    """Index in ``buffer`` of the header row: most text cells, best role-name matches, earliest on ties.

    Exports usually start with their header, so the first non-empty row gets a
    small head start when it has several cells (a one-cell title row does not).
    """
    best, best_score = -1, 0.0
    first = True
    for i, (_, _, values) in enumerate(buffer):
        score = _header_score(values)
        if first and score:
            first = False
            if sum(1 for v in values if _is_header_text(v)) >= 2:
                score += 1.5
        if score > best_score:
            best, best_score = i, score
    return best


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name)
    return out


def _header_names(
    header: Sequence[Any],
    above: Sequence[Any] | None,
    merges: Sequence[tuple[int, int, int, int]],
    header_row: int,
    unnamed: Callable[[int], str],
) -> tuple[list[str], list[str]]:
    """Display names and leaf names, prefixing group labels from the row above where it is one."""
    leaves = [" ".join(_to_str(v).split()) for v in header]
    width = max((i + 1 for i, v in enumerate(leaves) if v), default=0)
    groups = [""] * width
    if above is not None and width:
        above_vals = [" ".join(_to_str(v).split()) for v in above] + [""] * width
        filled = [i for i in range(width) if above_vals[i]]
        group_row = header_row - 1
        # A merge over part of the header width marks a group row; one over all of it is a title.
        partial = [
            (c1, c2) for (c1, r1, c2, r2) in merges
            if r1 <= group_row <= r2 and c2 > c1 and not (c1 <= 1 and c2 >= width)
        ]
        # Several short labels make a group row; a single one only when merged over part of the
        # header and not starting in the first column (there it is a title: "Export vom …").
        single_group = len(filled) == 1 and len(above_vals[filled[0]]) <= 40 and any(
            c1 - 1 == filled[0] > 0 for c1, _ in partial)
        is_group = all(len(above_vals[i]) <= 60 for i in filled) and (len(filled) >= 2 or single_group)
        if is_group:
            for i in filled:
                groups[i] = above_vals[i]
            for c1, c2 in partial:  # 1-based, inclusive
                label = above_vals[c1 - 1] if c1 - 1 < len(above_vals) else ""
                for i in range(c1 - 1, min(c2, width)):
                    groups[i] = label
    names, leaf_names = [], []
    for i in range(width):
        leaf, group = leaves[i], groups[i]
        if group and leaf and _norm(group) != _norm(leaf):
            name = f"{group} / {leaf}"
        else:
            name = leaf or group or unnamed(i)
        names.append(name)
        leaf_names.append(leaf or group or name)
    return _unique_names(names), leaf_names


def _find_column(wanted: str, header: _Header) -> int | None:
    for names in (header.names, header.leaves):
        if wanted in names:
            return names.index(wanted)
    key = _norm(wanted)
    for names in (header.names, header.leaves):
        normed = [_norm(n) for n in names]
        if key and key in normed:
            return normed.index(key)
    return None


def _resolve_overrides(
    columns: Mapping[str, str | Sequence[str]], header: _Header, path: Path
) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    used: dict[int, str] = {}
    for role, spec in columns.items():
        if role not in ROLES:
            raise InputError(
                f"Unbekannte Spaltenrolle „{role}“.",
                hint=f"Erlaubt sind: {', '.join(ROLES)}.",
                code="unknown_role",
            )
        if spec is None or spec == "" or spec == []:
            continue
        wanted = [spec] if isinstance(spec, str) else [str(s) for s in spec]
        indices: list[int] = []
        if role not in _MULTI_ROLES and len(wanted) > 1:
            wanted = [",".join(wanted)]  # the CLI splits on commas; the name itself may contain one
        for name in wanted:
            idx = _find_column(name, header)
            if idx is None and isinstance(spec, str) and "," in name:
                parts = [p.strip() for p in name.split(",") if p.strip()]
                found = [_find_column(p, header) for p in parts]
                if role in _MULTI_ROLES and all(f is not None for f in found):
                    indices.extend(f for f in found if f is not None)
                    continue
            if idx is None:
                listed = ", ".join(f"„{n}“" for n in header.names)
                raise IngestError(
                    f"Die Spalte „{name}“ (für {_ROLE_LABEL[role]}) gibt es in „{path.name}“ nicht. "
                    f"Vorhandene Spalten: {listed}.",
                    hint="Den Namen genau wie in der Kopfzeile angeben (Groß-/Kleinschreibung egal)"
                    + (f" mit {_CLI_FLAG[role]}." if role in _CLI_FLAG else "."),
                    code="column_not_found",
                )
            indices.append(idx)
        for idx in indices:
            if idx in used and used[idx] != role:
                raise InputError(
                    f"Die Spalte „{header.names[idx]}“ ist zwei Rollen zugeordnet "
                    f"({_ROLE_LABEL[used[idx]]} und {_ROLE_LABEL[role]}).",
                    hint="Jede Spalte nur einer Rolle zuordnen.",
                    code="column_twice",
                )
            used[idx] = role
        out[role] = list(dict.fromkeys(indices))
    return out


def _mean_length(sample: Sequence[Sequence[Any]], idx: int) -> float:
    lengths = [len(_to_str(r[idx])) for r in sample if idx < len(r)]
    return sum(lengths) / len(lengths) if lengths else 0.0


def _detect_roles(
    header: _Header,
    sample: Sequence[Sequence[Any]],
    overrides: dict[str, list[int]],
) -> _Roles:
    taken = {i for idx in overrides.values() for i in idx}
    single: dict[str, int] = {r: idx[0] for r, idx in overrides.items() if r not in _MULTI_ROLES}
    text = list(overrides.get("text", []))
    location = list(overrides.get("location", []))
    alternatives: list[int] = []

    candidates = []  # (score, -priority, -column, role, column)
    for col, leaf in enumerate(header.leaves):
        if col in taken:
            continue
        for role in ROLES:
            if role in overrides:
                continue
            score = _role_score(leaf, role)
            if not score and leaf != header.names[col]:
                # the group label ("Ort" over "Stadtteil", "Stadtbezirk") helps only when the cell itself says nothing
                score = _role_score(header.names[col], role) * 0.5
            if score:
                candidates.append((score, -_ROLE_PRIORITY.index(role), -col, role, col))
    candidates.sort(reverse=True)

    # A column keeps its strongest role; text is chosen last among columns still free,
    # by score and then by the longest values (the comment body is the longest column).
    text_cands: list[tuple[float, int]] = []
    reserved: set[int] = set()  # columns whose best role is text ("Hinweis zum Ort")
    for score, _, _, role, col in candidates:
        if col in taken or col in reserved:
            continue
        if role == "text":
            text_cands.append((score, col))
            reserved.add(col)
            continue
        if role == "location":
            location.append(col)
            taken.add(col)
        elif role not in single:
            single[role] = col
            taken.add(col)
    free_text = [(s, c) for s, c in text_cands if c not in taken]
    if not text and free_text:
        top = max(s for s, _ in free_text)
        best = max((c for s, c in free_text if s == top), key=lambda c: (_mean_length(sample, c), -c))
        text = [best]
        taken.add(best)
        alternatives = list(dict.fromkeys(c for s, c in free_text if c != best and s >= 2))
    if "location" not in overrides:
        location.sort(key=lambda c: (_location_rank(header.leaves[c]), c))

    display = {}
    for role in ROLES:
        if role == "text" and text:
            display[role] = " + ".join(header.names[c] for c in text)
        elif role == "location" and location:
            display[role] = " + ".join(header.names[c] for c in location)
        elif role in single:
            display[role] = header.names[single[role]]
    return _Roles(single=single, text=text, location=location, display=display, alternatives=alternatives)


@dataclass(slots=True)
class _Format:
    """What differs between CSV, XLSX and JSONL in the shared pipeline."""

    unnamed: Callable[[int], str]
    check_width: bool = False
    excel_dates: bool = False


def _build(
    path: Path,
    records: Iterator[Record],
    fmt: _Format,
    extraction: Extraction,
    *,
    columns: Mapping[str, str | Sequence[str]] | None,
    header_values: Sequence[str] | None = None,
    merges: Callable[[], Sequence[tuple[int, int, int, int]]] = tuple,
) -> None:
    """Header, roles and comment records for one table; fills ``extraction``."""
    # ---- header
    if header_values is None:
        buffer = list(itertools.islice(records, _HEADER_SCAN_ROWS))
        pos = _detect_header(buffer)
        if pos < 0:
            if not any(any(_to_str(v) for v in values) for _, _, values in buffer):
                raise _empty_file(path)
            raise IngestError(
                f"In „{path.name}“ wurde keine Kopfzeile mit Spaltennamen gefunden "
                f"(geprüft: die ersten {_HEADER_SCAN_ROWS} Zeilen).",
                hint="Die erste Zeile der Tabelle sollte die Spaltennamen enthalten, z. B. Nr, Datum, Titel, Beitrag.",
                code="no_header",
            )
        line, record_no, values = buffer[pos]
        above = None
        if pos > 0 and buffer[pos - 1][0] == line - 1 and any(_to_str(v) for v in buffer[pos - 1][2]):
            above = buffer[pos - 1][2]
        names, leaves = _header_names(values, above, merges() if above is not None else (), line, fmt.unnamed)
        header = _Header(names, leaves, line, record_no)
        if pos > 0:
            extraction.info(
                "header_row",
                f"Kopfzeile in Zeile {line} erkannt; die Zeilen darüber (Titel, Gruppenüberschriften) "
                "sind keine Beiträge.",
                f"Zeile {line}",
            )
        rest: Iterator[Record] = itertools.chain(buffer[pos + 1:], records)
    else:
        names = _unique_names([" ".join(_clean(h).split()) or fmt.unnamed(i) for i, h in enumerate(header_values)])
        header = _Header(names, list(names), 0, 0)
        rest = records
    width = len(header.names)

    # ---- roles
    sample_records = list(itertools.islice(rest, _SAMPLE_ROWS))
    rest = itertools.chain(sample_records, rest)
    overrides = _resolve_overrides(columns or {}, header, path)
    roles = _detect_roles(header, [v for _, _, v in sample_records], overrides)
    if not roles.text:
        listed = ", ".join(f"„{n}“" for n in header.names) or "(keine)"
        example = max(range(width), key=lambda c: _mean_length([v for _, _, v in sample_records], c), default=None)
        raise IngestError(
            f"In „{path.name}“ wurde keine Spalte mit dem Beitragstext erkannt. Gefundene Spalten: {listed}.",
            hint=(
                "Mit --text-col SPALTE angeben, welche Spalte den Text enthält (mehrere mit Komma trennen)"
                + (f", z. B. --text-col \"{header.names[example]}\"." if example is not None else ".")
            ),
            code="no_text_column",
        )
    extraction.columns = dict(roles.display)
    if roles.alternatives:
        alt = ", ".join(f"„{header.names[c]}“" for c in roles.alternatives)
        both = ",".join(header.names[c] for c in roles.text + roles.alternatives)
        extraction.info(
            "text_columns",
            f"Als Beitragstext gilt „{roles.display['text']}“; weitere mögliche Textspalten ({alt}) "
            "stehen in den Metadaten. "
            f"Zum Zusammenführen: --text-col \"{both}\".",
        )

    # ---- rows
    role_cols = set(roles.text) | set(roles.location) | set(roles.single.values())
    meta_cols = [(c, header.names[c]) for c in range(width) if c not in role_cols]
    text_cols, loc_cols = roles.text, roles.location
    title_col = roles.single.get("title")
    id_col = roles.single.get("id")
    created_col = roles.single.get("created")
    lat_col, lon_col = roles.single.get("lat"), roles.single.get("lon")
    simple = [(r, roles.single[r]) for r in ("category", "author", "url") if r in roles.single]

    empty, no_text, short, long_ = _Tally(), _Tally(), _Tally(), _Tally()
    pending_empty: list[int] = []  # blank rows count only when something follows them
    bad_dates, bad_coords = _Tally(), _Tally()
    comments = extraction.comments
    to_str = _to_str

    for line, record_no, values in rest:
        n = len(values)
        texts = [s for s in (to_str(values[c]) for c in text_cols if c < n) if s]
        text = "\n\n".join(texts)
        title = to_str(values[title_col]) if title_col is not None and title_col < n else ""
        if not text and not title:
            if any(to_str(v) for v in values):
                no_text.add(line)
            else:
                pending_empty.append(line)
            continue
        if pending_empty:
            empty.lines.extend(pending_empty)
            pending_empty.clear()
        if fmt.check_width and n != width:
            (short if n < width else long_).add(line)

        metadata: dict[str, Any] = {}
        for c, name in meta_cols:
            if c < n:
                v = to_str(values[c])
                if v:
                    metadata[name] = v
        for c in range(width, n):
            v = to_str(values[c])
            if v:
                metadata[fmt.unnamed(c)] = v

        created = None
        if created_col is not None and created_col < n:
            raw = values[created_col]
            created = _created(raw, fmt.excel_dates)
            if created is None:
                written = to_str(raw)
                if written:
                    bad_dates.add(line, written)
                    created = written
        location = None
        if loc_cols:
            parts = list(dict.fromkeys(s for s in (to_str(values[c]) for c in loc_cols if c < n) if s))
            location = ", ".join(parts) or None
        lat = lon = None
        for col, limit, which in ((lat_col, 90.0, "lat"), (lon_col, 180.0, "lon")):
            if col is None or col >= n:
                continue
            raw = values[col]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            number = _parse_coordinate(raw, limit)
            if number is None:
                bad_coords.add(line, to_str(raw))
            elif which == "lat":
                lat = number
            else:
                lon = number
        extra = {r: (to_str(values[c]) or None) if c < n else None for r, c in simple}
        external_id = (to_str(values[id_col]) or None) if id_col is not None and id_col < n else None

        comments.append(CommentRecord(
            row=record_no - header.record,
            text=text,
            title=title,
            external_id=external_id,
            created=created,
            location=location,
            lat=lat,
            lon=lon,
            category=extra.get("category"),
            author=extra.get("author"),
            url=extra.get("url"),
            metadata=metadata,
            line=line,
        ))

    # ---- problems, one per kind
    if empty.lines:
        where = _rows_text(empty.lines)
        counted = _count(len(empty.lines), "leere Zeile", "leere Zeilen")
        extraction.info("empty_rows", f"{counted} übersprungen ({where}).", where)
    if no_text.lines:
        extraction.warn(
            "rows_without_text",
            f"{_count(len(no_text.lines), 'Zeile', 'Zeilen')} ohne Text und Titel übersprungen "
            f"({_rows_text(no_text.lines)}). "
            "Falls der Beitrag dort in einer anderen Spalte steht: mit --text-col angeben.",
            _rows_text(no_text.lines),
        )
    if short.lines:
        extraction.warn(
            "short_rows",
            f"{_count(len(short.lines), 'Zeile hat', 'Zeilen haben')} weniger Felder als die Kopfzeile ({width}) "
            f"({_rows_text(short.lines)}); übernommen, fehlende Felder sind leer. "
            "Bitte prüfen, ob dort Trennzeichen oder Anführungszeichen fehlen.",
            _rows_text(short.lines),
        )
    if long_.lines:
        extraction.warn(
            "long_rows",
            f"{_count(len(long_.lines), 'Zeile hat', 'Zeilen haben')} mehr Felder als die Kopfzeile ({width}) "
            f"({_rows_text(long_.lines)}); übernommen, überzählige Felder stehen als „{fmt.unnamed(width)}“ "
            "usw. in den Metadaten. "
            "Bitte prüfen, ob ein Text ein nicht in Anführungszeichen gesetztes Trennzeichen enthält.",
            _rows_text(long_.lines),
        )
    if bad_dates.lines:
        extraction.info(
            "bad_dates",
            f"{_count(len(bad_dates.lines), 'Datumsangabe', 'Datumsangaben')} in Spalte "
            f"„{roles.display['created']}“ nicht erkannt "
            f"und unverändert übernommen (z. B. „{bad_dates.example}“; {_rows_text(bad_dates.lines)}). "
            "Erkannt werden z. B. 14.03.2026, 14.03.2026 18:22 und 2026-03-14.",
            _rows_text(bad_dates.lines),
        )
    if bad_coords.lines:
        cols = " / ".join(roles.display[r] for r in ("lat", "lon") if r in roles.display)
        extraction.warn(
            "bad_coordinates",
            f"{_count(len(bad_coords.lines), 'ungültige Koordinate', 'ungültige Koordinaten')} in „{cols}“ "
            f"ignoriert (z. B. „{bad_coords.example}“; {_rows_text(bad_coords.lines)}). "
            "Erwartet werden Dezimalgrad wie 51,3397 bzw. 12.3731.",
            _rows_text(bad_coords.lines),
        )
    if not comments:
        if no_text.lines:
            raise IngestError(
                f"„{path.name}“ enthält keine Beiträge: die Spalte „{roles.display['text']}“ ist in allen "
                f"{len(no_text.lines)} Datenzeilen leer.",
                hint="Mit --text-col die Spalte angeben, in der der Beitragstext steht.",
                code="empty",
            )
        raise IngestError(
            f"„{path.name}“ enthält nur die Kopfzeile, aber keine Beiträge.",
            hint="Bitte den Export wiederholen oder die richtige Datei bzw. das richtige Blatt wählen.",
            code="empty",
        )


def _created(raw: Any, excel_dates: bool) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, (datetime, date)):
        return _iso(raw)
    if excel_dates and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if _EXCEL_SERIAL_RANGE[0] <= raw <= _EXCEL_SERIAL_RANGE[1]:
            from openpyxl.utils.datetime import from_excel

            return _iso(from_excel(raw))
        return None
    text = raw if isinstance(raw, str) else _to_str(raw)
    if not text.strip():
        return None
    return parse_date(text)


# --------------------------------------------------------------------------- CSV

_SEP_LINE = re.compile(r'"?sep=(.)"?[ \t]*(?:\r\n|\r|\n|$)', re.IGNORECASE)


def _delimiter_label(delimiter: str) -> str:
    return "Tab" if delimiter == "\t" else repr(delimiter)


def _sniff_delimiter(text: str, preferred: str | None) -> str:
    """The delimiter among , ; tab | that splits the first records most consistently.

    csv.Sniffer is a good first guess but is misled by punctuation in long
    comments, so every candidate is checked by parsing the sample (quotes
    respected) and counting fields per record: the header's field count
    should recur in most records.
    """
    truncated = len(text) > _SNIFF_CHARS
    sample = text[:_SNIFF_CHARS]
    try:
        sniffed = csv.Sniffer().sniff(sample[:16384], delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best: tuple[tuple[float, int, int, int], str] | None = None
    for delim in _DELIMITERS:
        if delim not in sample:
            continue
        try:
            rows = [r for r in itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delim), 100) if r]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a record
        if not rows:
            continue
        counts = [len(r) for r in rows]
        mode = max(set(counts), key=lambda k: (counts.count(k), k))
        if counts[0] < 2 or mode < 2:
            continue  # the header (or a title row padded with delimiters) must be split too
        consistency = counts.count(mode) / len(counts)
        key = (round(consistency, 1), int(delim == sniffed) + int(delim == preferred), mode, -_DELIMITERS.index(delim))
        if best is None or key > best[0]:
            best = (key, delim)
    if best is not None:
        return best[1]
    if preferred:
        return preferred
    # A single column: pick a delimiter that does not occur, so nothing gets split.
    for delim in ("\t", "|", ";", ","):
        if delim not in sample:
            return delim
    return sniffed or ","


def _csv_records(text: str, delimiter: str, first_line: int, last: list[int]) -> Iterator[Record]:
    """Records with the line each starts on; ``last`` receives [start, end] of the final record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    start = first_line
    record_no = 0
    for values in reader:
        record_no += 1
        last[:] = [start, first_line + reader.line_num - 1]
        yield start, record_no, values
        start = first_line + reader.line_num


def _unclosed_quote(text: str, delimiter: str, first_line: int, last: list[int]) -> bool:
    """Whether the final record runs to the end of the file because a quote never closes.

    The lenient reader then silently reads the rest of the file as one field;
    a strict re-read of just that record tells.
    """
    if len(last) != 2 or last[1] - last[0] < 2:
        return False
    stream = io.StringIO(text, newline="")
    for _ in range(last[0] - first_line):
        stream.readline()
    try:
        for _ in csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _read_csv(path: Path, columns: Mapping[str, str | Sequence[str]] | None) -> Extraction:
    data = path.read_bytes()
    if not data.strip():
        raise _empty_file(path)
    text, encoding = _decode(path, data, path.suffix.lower())
    if text.startswith("\ufeff"):
        text = text[1:]
    first_line = 1
    forced = None
    m = _SEP_LINE.match(text)
    if m:  # Excel's "sep=;" hint line
        forced = m[1]
        text = text[m.end():]
        first_line = 2
    delimiter = forced or _sniff_delimiter(text, "\t" if path.suffix.lower() == ".tsv" else None)
    if csv.field_size_limit() < 64 * 1024 * 1024:
        csv.field_size_limit(64 * 1024 * 1024)  # long comments exceed the 128 KB default
    label = _delimiter_label(delimiter) if delimiter in text else "eine Spalte"
    extraction = Extraction(title=path.stem, extractor=f"csv ({encoding}, {label})")
    fmt = _Format(unnamed=lambda i: f"Spalte {i + 1}", check_width=True)
    try:
        last: list[int] = []
        _build(path, _csv_records(text, delimiter, first_line, last), fmt, extraction, columns=columns)
        if _unclosed_quote(text, delimiter, first_line, last):
            extraction.warn(
                "unclosed_quote",
                f"In Zeile {last[0]} beginnt ein Feld mit einem Anführungszeichen, das nie geschlossen wird: "
                f"die restlichen {last[1] - last[0] + 1} Zeilen der Datei wurden als ein einziges Feld gelesen. "
                "Bitte das Anführungszeichen prüfen (im Text verdoppeln: \"\") und die Datei erneut einlesen.",
                f"Zeile {last[0]}",
            )
    except csv.Error as exc:
        raise IngestError(
            f"„{path.name}“ ist als CSV-Tabelle nicht lesbar ({exc}).",
            hint="Bitte in Excel oder LibreOffice öffnen und erneut als CSV (UTF-8) speichern.",
            code="corrupt",
        ) from exc
    return extraction


# --------------------------------------------------------------------------- XLSX

_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


def _check_zip(path: Path) -> None:
    """Refuse non-workbooks and zip bombs before openpyxl unpacks anything."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise _empty_file(path)
    if not zipfile.is_zipfile(path):
        kind = _content_kind(head)
        if kind is None:
            kind = "binary" if b"\x00" in head else "text"
        if kind == "ole" and "EncryptedPackage".encode("utf-16-le") in path.read_bytes()[:1 << 20]:
            raise IngestError(
                f"„{path.name}“ ist mit einem Kennwort geschützt.",
                hint="In Excel öffnen, das Kennwort entfernen (Datei → Informationen → Arbeitsmappe schützen) "
                     "und erneut speichern.",
                code="encrypted",
                status="encrypted",
            )
        if kind == "zip":  # zip magic but unreadable directory
            raise IngestError(f"„{path.name}“ ist beschädigt (das ZIP-Verzeichnis fehlt).",
                              hint="Bitte die Datei erneut exportieren oder herunterladen.", code="corrupt")
        raise _wrong_content(path, kind, path.suffix.lower())
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"„{path.name}“ ist beschädigt ({exc}).",
                          hint="Bitte die Datei erneut exportieren oder herunterladen.", code="corrupt") from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > _ZIP_MAX_TOTAL or (total > _ZIP_RATIO_MIN_SIZE and total > _ZIP_MAX_RATIO * max(packed, 1)):
        size_mb = f"{total / 1024 / 1024:,.0f}".replace(",", ".")
        ratio = f"{total / max(packed, 1):,.0f}".replace(",", ".")
        raise IngestError(
            f"„{path.name}“ wäre entpackt {size_mb} MB groß (Kompressionsrate {ratio}:1); das ist für eine "
            "Beitragstabelle unplausibel, die Datei wird aus Sicherheitsgründen nicht geöffnet.",
            hint="Bitte die Datei prüfen; echte Exporte lassen sich als CSV speichern und so einlesen.",
            code="zip_bomb",
        )
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        what = "ein Word-Dokument" if "word/document.xml" in names else (
            "eine OpenDocument-Datei" if "content.xml" in names else "ein ZIP-Archiv, aber keine Excel-Arbeitsmappe")
        raise IngestError(f"„{path.name}“ ist {what}.",
                          hint="Beiträge als XLSX, CSV oder JSONL exportieren.", code="wrong_format")


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _merged_ranges(ws: Any, max_row: int) -> list[tuple[int, int, int, int]]:
    """Merged ranges touching the first rows, as (min_col, min_row, max_col, max_row), 1-based.

    openpyxl's read-only sheets do not expose merges; they sit at the end of
    the sheet XML, so the raw part is scanned in chunks.
    """
    try:
        source = ws._get_source()  # noqa: SLF001 - read-only sheets offer no public way
    except Exception:  # pragma: no cover - a future openpyxl without it: no group labels
        return []
    found: set[tuple[int, int, int, int]] = set()
    tail = b""
    with source:
        while chunk := source.read(1 << 20):
            buf = tail + chunk
            if b"mergeCell" in buf:
                for m in _MERGE_REF.finditer(buf):
                    c1, r1 = _column_index(m[1]), int(m[2])
                    c2, r2 = (_column_index(m[3]), int(m[4])) if m[3] else (c1, r1)
                    if r1 <= max_row:
                        found.add((c1, r1, c2, r2))
            tail = buf[-512:]
    return sorted(found)


def _xlsx_records(ws: Any) -> Iterator[Record]:
    for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield row_no, row_no, values


def _read_xlsx(path: Path, columns: Mapping[str, str | Sequence[str]] | None, sheet: str | int | None) -> Extraction:
    _check_zip(path)
    try:
        import openpyxl
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - a core dependency
        from insek_nlp.errors import DependencyError

        raise DependencyError("Zum Lesen von XLSX-Dateien fehlt das Paket openpyxl.",
                              hint="pip install openpyxl") from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise IngestError(
            f"„{path.name}“ lässt sich nicht als Excel-Arbeitsmappe öffnen ({type(exc).__name__}: {exc}).",
            hint="Bitte in Excel oder LibreOffice öffnen und erneut als .xlsx speichern.",
            code="corrupt",
        ) from exc
    try:
        names = list(wb.sheetnames)
        listed = ", ".join(f"„{n}“" for n in names)
        if sheet is None:
            title = wb.worksheets[0].title if wb.worksheets else names[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 1 <= sheet <= len(names):
                raise IngestError(
                    f"„{path.name}“ hat kein Blatt Nr. {sheet}; es gibt {len(names)}: {listed}.",
                    hint="Blattnummer ab 1 zählen oder den Blattnamen angeben (--sheet).",
                    code="sheet_not_found",
                )
            title = names[sheet - 1]
        else:
            wanted = str(sheet)
            key = wanted.strip().casefold()
            matches = [n for n in names if n == wanted] or [n for n in names if n.strip().casefold() == key]
            if not matches:
                raise IngestError(
                    f"Das Blatt „{wanted}“ gibt es in „{path.name}“ nicht. Vorhandene Blätter: {listed}.",
                    hint="Den Blattnamen genau wie in Excel angeben oder die Nummer (1 = erstes Blatt) mit --sheet.",
                    code="sheet_not_found",
                )
            title = matches[0]
        ws = wb[title]
        if getattr(ws, "iter_rows", None) is None:
            raise IngestError(f"Das Blatt „{title}“ in „{path.name}“ ist ein Diagramm, keine Tabelle.",
                              hint=f"Ein Tabellenblatt wählen (--sheet). Vorhandene Blätter: {listed}.",
                              code="sheet_not_found")
        ws.reset_dimensions()  # some exporters write a wrong <dimension>; read what is there
        extraction = Extraction(title=path.stem, extractor=f"xlsx (Blatt '{title}')")
        if sheet is None and len(names) > 1:
            extraction.info("sheet", f"„{path.name}“ hat {len(names)} Blätter ({listed}); "
                                     f"gelesen wurde „{title}“. Ein anderes Blatt mit --sheet wählen.")
        fmt = _Format(unnamed=lambda i: f"Spalte {get_column_letter(i + 1)}", excel_dates=True)
        try:
            _build(path, _xlsx_records(ws), fmt, extraction, columns=columns,
                   merges=lambda: _merged_ranges(ws, _HEADER_SCAN_ROWS))
        except (IngestError, InputError):
            raise
        except (zipfile.BadZipFile, zlib.error, SyntaxError, KeyError, ValueError, EOFError, OSError) as exc:
            # SyntaxError covers xml.etree's ParseError: a truncated or hand-edited sheet
            raise IngestError(
                f"„{path.name}“ ist beschädigt; das Blatt „{title}“ lässt sich nicht lesen "
                f"({type(exc).__name__}: {exc}).",
                hint="Bitte in Excel oder LibreOffice öffnen und erneut als .xlsx speichern.",
                code="corrupt",
            ) from exc
        return extraction
    finally:
        wb.close()


# --------------------------------------------------------------------------- JSONL


def _read_jsonl(path: Path, columns: Mapping[str, str | Sequence[str]] | None) -> Extraction:
    data = path.read_bytes()
    if not data.strip():
        raise _empty_file(path)
    text, encoding = _decode(path, data, path.suffix.lower())
    text = text.lstrip("\ufeff")
    objects: list[tuple[int, dict[str, Any]]] = []
    keys: dict[str, None] = {}
    bad = _Tally()
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            bad.add(line_no)
            continue
        if not isinstance(obj, dict):
            bad.add(line_no)
            continue
        objects.append((line_no, obj))
        for key in obj:
            keys.setdefault(key, None)
    extraction = Extraction(title=path.stem, extractor="jsonl")
    if bad.lines:
        extraction.warn(
            "bad_json",
            f"{_count(len(bad.lines), 'Zeile ist', 'Zeilen sind')} kein gültiges JSON-Objekt und "
            f"{'wurde' if len(bad.lines) == 1 else 'wurden'} übersprungen ({_rows_text(bad.lines)}). "
            "Jede Zeile muss ein Objekt sein, z. B. {\"text\": \"…\", \"titel\": \"…\"}.",
            _rows_text(bad.lines),
        )
    if not objects:
        raise IngestError(
            f"„{path.name}“ enthält keine lesbare JSON-Zeile.",
            hint="JSONL erwartet ein JSON-Objekt pro Zeile; eine JSON-Liste bitte als JSONL speichern.",
            code="corrupt",
        )
    header = list(keys)
    records = ((line_no, line_no, [obj.get(k) for k in header]) for line_no, obj in objects)
    fmt = _Format(unnamed=lambda i: f"Feld {i + 1}")
    _build(path, records, fmt, extraction, columns=columns, header_values=header)
    logger.debug("read %s as JSONL (%s)", path, encoding)
    return extraction


# --------------------------------------------------------------------------- entry point


def read_table(
    path: Path,
    *,
    columns: Mapping[str, str | Sequence[str]] | None = None,
    sheet: str | int | None = None,
) -> Extraction:
    """Read a comment export (CSV/TSV/TXT, XLSX/XLSM, JSONL/NDJSON) into comment records.

    Args:
        path: The file; its extension chooses the reader, its content must match.
        columns: Role → column name overrides (see :data:`ROLES`); "text" and
            "location" accept several names, whose values are joined. Roles not
            given are detected from the header.
        sheet: XLSX sheet by name or 1-based number; default the first sheet.

    Returns:
        An :class:`Extraction` with ``comments``, ``problems``, ``extractor``,
        ``columns`` (role → detected column) and ``title`` (the file stem).

    Raises:
        IngestError: unreadable, unsupported or mislabelled file, unknown
            sheet or column, no text column, no comments.
        InputError: ``columns`` names an unknown role or one column twice.
    """
    path = Path(path)
    ext = path.suffix.lower()
    readers: dict[str, Callable[[], Extraction]] = {
        **dict.fromkeys(_CSV_EXT, lambda: _read_csv(path, columns)),
        **dict.fromkeys(_XLSX_EXT, lambda: _read_xlsx(path, columns, sheet)),
        **dict.fromkeys(_JSONL_EXT, lambda: _read_jsonl(path, columns)),
    }
    if ext not in readers:
        hint = "Unterstützt werden CSV/TSV/TXT, XLSX/XLSM und JSONL."
        if ext in (".xls", ".ods", ".numbers"):
            hint = "Bitte in Excel oder LibreOffice öffnen und als .xlsx oder CSV speichern."
        elif ext == ".json":
            hint = "Bitte als JSONL speichern (ein JSON-Objekt pro Zeile, Endung .jsonl)."
        raise IngestError(f"Das Format „{ext or path.name}“ wird für Beitragstabellen nicht unterstützt.",
                          hint=hint, code="unsupported")
    try:
        extraction = readers[ext]()
    except OSError as exc:
        raise IngestError(f"„{path.name}“ kann nicht gelesen werden ({exc.strerror or exc}).",
                          hint="Bitte prüfen, ob die Datei existiert und lesbar ist.", code="unreadable") from exc
    if sheet is not None and ext not in _XLSX_EXT:
        logger.debug("sheet=%r ignored for %s", sheet, path.name)
    logger.info("%s: %d comments via %s, columns %s, %d problems", path.name, len(extraction.comments),
                extraction.extractor, extraction.columns, len(extraction.problems))
    return extraction
