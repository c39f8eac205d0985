"""The personal data planted in the demo comments (corpora/demo/README.md) is masked in exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from insek_nlp.ingest import ingest
from insek_nlp.report import export_table
from insek_nlp.store import Store

COMMENTS = Path(__file__).resolve().parents[2] / "corpora" / "demo" / "beitraege" / "beitraege-leipzig-weiter-denken.csv"
PLANTED = {"B-0173": "[E-Mail]", "B-0223": "[E-Mail]", "B-0287": "[E-Mail]", "B-0377": "[E-Mail]",
           "B-0146": "[Telefon]", "B-0278": "[Telefon]", "B-0383": "[Telefon]"}

pytestmark = pytest.mark.skipif(not COMMENTS.is_file(), reason="demo comments not present")


def test_planted_personal_data_is_masked(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p") as store:
        ingest([COMMENTS], store)
        out = tmp_path / "beitraege.jsonl"
        assert export_table(store, "comments", out) == 401
        originals = {c.external_id: c.text for c in store.comments()}
    rows = {r["external_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for nr, mask in PLANTED.items():
        assert mask in rows[nr]["text"], nr
        assert rows[nr]["text"] != originals[nr]  # the store keeps the original
    everything = out.read_text(encoding="utf-8")
    assert not re.search(r"[\w.-]+@[\w-]+\.[a-z]{2,}", everything)  # no e-mail address left
    for phone in ("0341/555 91 40", "555-2718", "0341 5558723"):
        assert phone not in everything
    # Ordinary planning text stays untouched: only a handful of comments change at all.
    changed = [nr for nr, r in rows.items() if r["text"] != originals[nr]]
    assert set(PLANTED) <= set(changed) and len(changed) <= len(PLANTED) + 5
    assert rows["B-0046"]["text"].endswith("Mit freundlichen Grüßen\n[Name], Grünau-Mitte")
