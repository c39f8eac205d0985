"""End-to-end test of the bundled demo corpus (slow: reads all demo files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from insek_nlp.demo import run_demo
from insek_nlp.store import Store

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "demo"
DRAFTS = ("fachkonzept-freiraum-und-umwelt.pdf", "fachkonzept-mobilitaet.pdf",
          "fachkonzept-wirtschaft-und-arbeit.pdf", "fachkonzept-wohnen.pdf")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "drafts").is_dir(), reason="corpora/demo/drafts is not built"),
]


def _passage_signature(store: Store) -> list[tuple]:
    docs = {d.id: d.name for d in store.documents(current=True)}
    return [(docs[p.doc_id], p.ordinal, p.kind, p.section, p.page, p.start, p.end, p.text)
            for p in store.passages(list(docs))]


def test_demo_ingests_corpus_deterministically(tmp_path: Path) -> None:
    project = tmp_path / "p"
    summary = run_demo(project, corpus=CORPUS)

    with Store.open(project, create=False) as store:
        drafts = {d.name: d for d in store.documents(kind="draft", current=True)}
        assert sorted(drafts) == sorted(DRAFTS)
        for name, doc in drafts.items():
            assert (doc.status, doc.pages) == ("ok", 12), name
            assert doc.n_passages > 80, name
            assert doc.title.startswith("Fachkonzept"), name
            fulltext = store.fulltext(doc.id)
            for p in store.passages([doc.id]):
                assert fulltext[p.start:p.end] == p.text
                assert p.page is not None and 1 <= p.page <= 12
        assert {name: d["pages"] for name, d in summary["documents"].items() if name in DRAFTS} == dict.fromkeys(
            DRAFTS, 12)

        if (CORPUS / "beitraege").is_dir():
            n_comments = len(store.comments())
            assert 380 <= n_comments <= 420
            assert summary["comments"] == n_comments
        if (CORPUS / "notes").is_dir():
            notes = store.documents(kind="notes", current=True)
            assert len(notes) == 2
            assert all(d.status == "ok" and d.n_passages > 0 for d in notes)

        versions = store.counts()["versions"]
        first = _passage_signature(store)
        failed = [d.name for d in store.documents() if not d.readable]
        assert failed == []

    run_demo(project, corpus=CORPUS)  # a second run over the same corpus changes nothing
    with Store.open(project, create=False) as store:
        assert store.counts()["versions"] == versions
        assert _passage_signature(store) == first

    other = tmp_path / "q"
    run_demo(other, corpus=CORPUS)  # a fresh project gives the very same passages
    with Store.open(other, create=False) as store:
        assert _passage_signature(store) == first


def test_demo_prints_german_summary(tmp_path: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    run_demo(tmp_path / "p", corpus=CORPUS, console=console)
    text = console.export_text()
    assert "insek-nlp Demo" in text
    assert "Eingelesene Dateien" in text and "Aufbau der Entwürfe und Protokolle" in text
    for name in DRAFTS:
        assert name in text
    # the planted conflict with the strongest evidence is in the short list of the summary
    assert "Zielkonflikte:" in text and "Zielkonflikte – " in text and "Rietzschke-Aue" in text
