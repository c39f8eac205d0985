"""Labelled files for evaluation and training: texts with their human labels.

Any table the comment reader understands (CSV in any common encoding and
delimiter, XLSX, JSONL) works. Labels come from one column (``--labels``;
several values split on ``;``/``,`` or a JSON list with ``--multi-label``) or
from yes/no columns, one per label (``--label-columns``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from insek_nlp.errors import InputError

log = logging.getLogger(__name__)

_TRUE = {"1", "1.0", "true", "wahr", "ja", "yes", "y", "x", "j"}
_FALSE = {"", "0", "0.0", "false", "falsch", "nein", "no", "n", "-"}


@dataclass(frozen=True, slots=True)
class LabelledData:
    """Texts and their label sets, in file order."""

    texts: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    multi_label: bool
    source: str
    ids: tuple[str, ...] = ()
    skipped: int = 0  # rows without any label (single-label) or without text
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(sorted({lab for labs in self.labels for lab in labs}))

    def counts(self) -> Counter:
        return Counter(lab for labs in self.labels for lab in labs)

    def subset(self, idx: Sequence[int]) -> "LabelledData":
        return LabelledData(
            tuple(self.texts[i] for i in idx), tuple(self.labels[i] for i in idx), self.multi_label, self.source,
            tuple(self.ids[i] for i in idx) if self.ids else (), 0, self.notes,
        )

    def map_labels(self, mapping: Mapping[str, str]) -> "LabelledData":
        """Rename label values (e.g. data labels → taxonomy ids); unmapped values stay."""
        labels = tuple(tuple(dict.fromkeys(mapping.get(lab, lab) for lab in labs)) for labs in self.labels)
        return replace(self, labels=labels)


def _split_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return [str(v).strip() for v in parsed if str(v).strip()]
        except json.JSONDecodeError:
            pass
    sep = ";" if ";" in text else ","
    return [v.strip() for v in text.split(sep) if v.strip()]


def _is_true(value: Any, column: str, path: Path) -> bool:
    text = str(value).strip().casefold() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(
        f"Spalte „{column}“ in „{path.name}“ enthält den Wert „{value}“; erwartet sind Ja/Nein-Werte (1/0, ja/nein).",
        hint="Für eine Spalte mit Kategorienamen bitte --labels SPALTE statt --label-columns verwenden.",
    )


def load_labelled(
    path: str | Path,
    *,
    text_cols: Sequence[str],
    label_col: str | None = None,
    label_columns: Sequence[str] | None = None,
    multi_label: bool = False,
    sheet: str | int | None = None,
) -> LabelledData:
    """Read a labelled file.

    Raises:
        InputError: a named column does not exist (the message lists the
            columns that do), or neither ``label_col`` nor ``label_columns``
            is given.
    """
    from insek_nlp.ingest.tables import read_table
    from insek_nlp.errors import IngestError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"Die Datei „{path}“ gibt es nicht.", hint="Bitte den Pfad prüfen.")
    if not text_cols:
        raise InputError("Keine Textspalte angegeben.", hint="Bitte --text SPALTE[,SPALTE] angeben.")
    if (label_col is None) == (not label_columns):
        raise InputError("Bitte genau eine Art von Labels angeben: --labels SPALTE oder --label-columns S1,S2,….")
    try:
        ext = read_table(path, columns={"text": list(text_cols) if len(text_cols) > 1 else text_cols[0]}, sheet=sheet)
    except IngestError as exc:
        raise InputError(exc.message, hint=exc.hint) from exc
    role_of_column = {col: role for role, col in ext.columns.items()}
    available = set(role_of_column) | {k for r in ext.comments for k in r.metadata}
    wanted = [label_col] if label_col else list(label_columns or [])
    missing = [c for c in wanted if c not in available]
    if missing:
        shown = ", ".join(sorted(available)[:40])
        raise InputError(
            f"Die Spalte „{missing[0]}“ gibt es in „{path.name}“ nicht.",
            hint=f"Vorhandene Spalten: {shown}.",
        )

    def cell(record, column: str) -> Any:
        role = role_of_column.get(column)
        if role is not None and role != "text":
            return getattr(record, "external_id" if role == "id" else role, None)
        return record.metadata.get(column)

    texts: list[str] = []
    labels: list[tuple[str, ...]] = []
    ids: list[str] = []
    skipped = 0
    multi = multi_label or bool(label_columns)
    for rec in ext.comments:
        text = rec.text if not rec.title or rec.title in rec.text else f"{rec.title}. {rec.text}"
        if label_col:
            values = _split_values(cell(rec, label_col)) if multi_label else (
                [str(cell(rec, label_col)).strip()] if cell(rec, label_col) not in (None, "") else [])
        else:
            values = [c for c in wanted if _is_true(cell(rec, c), c, path)]
        if not text.strip() or (not values and not multi):
            skipped += 1
            continue
        texts.append(text)
        labels.append(tuple(dict.fromkeys(values)))
        ids.append(rec.external_id or str(rec.row))
    notes = tuple(p.message for p in ext.problems if p.severity != "info")
    if skipped:
        log.info("%d rows of %s without text or label were skipped", skipped, path)
    return LabelledData(tuple(texts), tuple(labels), multi, str(path), tuple(ids), skipped, notes)
