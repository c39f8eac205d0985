"""Exporting stored passages and comments with their provenance.

Personal data in comments is masked by default (:mod:`insek_nlp.privacy`).

CSV is written as German Excel expects it (UTF-8 with BOM, semicolons); every
cell that a spreadsheet would run as a formula is neutralised, because citizen
text is untrusted. JSONL keeps values unchanged.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterator, Literal

from insek_nlp.errors import InputError
from insek_nlp.store import Store

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would evaluate with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


PASSAGE_COLUMNS = ("passage_id", "doc_id", "document", "title", "version", "kind", "ordinal", "passage_kind",
                   "section", "page", "start", "end", "text")
COMMENT_COLUMNS = ("comment_id", "doc_id", "source", "row", "external_id", "title", "text", "created", "location",
                   "lat", "lon", "category", "author", "url", "metadata")


def _passage_rows(store: Store) -> Iterator[dict[str, Any]]:
    docs = {d.id: d for d in store.documents(current=True) if d.kind != "comments"}
    for p in store.passages(list(docs)):
        d = docs[p.doc_id]
        yield {
            "passage_id": p.id, "doc_id": p.doc_id, "document": d.name, "title": d.title, "version": d.version,
            "kind": d.kind, "ordinal": p.ordinal, "passage_kind": p.kind, "section": " › ".join(p.section),
            "page": p.page, "start": p.start, "end": p.end, "text": p.text,
        }


def _comment_rows(store: Store, *, masked: bool = True) -> Iterator[dict[str, Any]]:
    from insek_nlp.privacy import mask_comment

    docs = {d.id: d for d in store.documents(kind="comments", current=True)}
    for c in store.comments(list(docs)):
        if masked:
            c = mask_comment(c)
        yield {
            "comment_id": c.id, "doc_id": c.doc_id, "source": docs[c.doc_id].name, "row": c.row,
            "external_id": c.external_id, "title": c.title, "text": c.text, "created": c.created,
            "location": c.location, "lat": c.lat, "lon": c.lon, "category": c.category, "author": c.author,
            "url": c.url, "metadata": dict(c.metadata),
        }


def export_table(store: Store, what: Literal["passages", "comments"], out: Path, *, masked: bool = True) -> int:
    """Write all current passages or comments to ``out`` (.jsonl or .csv); return the row count.

    Personal data in comments (e-mail, phone, IBAN, postal address, names) is
    masked unless ``masked=False`` (an authorised export; see :mod:`insek_nlp.privacy`).
    """
    out = Path(out)
    rows = _passage_rows(store) if what == "passages" else _comment_rows(store, masked=masked)
    suffix = out.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InputError(f"Unbekanntes Exportformat „{out.suffix}“.", hint="Bitte .jsonl oder .csv als Endung wählen.")
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = out.with_name(out.name + ".part")
    columns = PASSAGE_COLUMNS if what == "passages" else COMMENT_COLUMNS
    try:
        with tmp.open("w", encoding="utf-8-sig" if suffix == ".csv" else "utf-8", newline="") as fh:
            if suffix == ".jsonl":
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
            else:
                writer = csv.DictWriter(fh, fieldnames=list(columns), delimiter=";", quoting=csv.QUOTE_MINIMAL)
                writer.writeheader()
                for row in rows:
                    if "metadata" in row:
                        row["metadata"] = json.dumps(row["metadata"], ensure_ascii=False) if row["metadata"] else ""
                    writer.writerow({k: neutralise_formula(v) for k, v in row.items()})
                    n += 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)  # never leave a half-written export under the real name
    return n
