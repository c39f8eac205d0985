"""Tests for ingestion through the public API: versions, failures, batches, passages and offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from insek_nlp.errors import InputError
from insek_nlp.ingest import IngestOptions, ingest, ingest_file
from insek_nlp.store import Store


def _assert_offsets(store: Store, doc_id: str) -> None:
    passages = store.passages([doc_id])
    fulltext = store.fulltext(doc_id)
    assert passages, doc_id
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    for p in passages:
        assert fulltext[p.start:p.end] == p.text, p


# --------------------------------------------------------------------------- versions


def test_first_ingest_stores_all_kinds(store: Store, sources: dict[str, Path], csv_rows) -> None:
    results = ingest(sources.values(), store)
    assert [r.outcome for r in results] == ["added", "added", "added"]
    by_kind = {r.document.kind: r.document for r in results}
    draft, comments, notes = by_kind["draft"], by_kind["comments"], by_kind["notes"]
    assert (draft.name, draft.pages, draft.status, draft.version) == ("entwurf.pdf", 2, "ok", 1)
    assert draft.title == "Fachkonzept Grün und Wohnen"  # from the PDF metadata
    assert draft.n_passages == 6 and results[0].message == "6 Abschnitte von 2 Seiten eingelesen."
    assert (comments.n_comments, comments.status) == (3, "ok")
    assert notes.n_passages >= 4 and notes.status == "ok"
    stored = store.comments([comments.id])
    assert [(c.row, c.external_id, c.created, c.title, c.text, c.location) for c in stored] == [
        (int(nr), nr, f"2025-02-0{int(nr) + 2}", titel, text, ort) for nr, _, titel, text, ort in csv_rows]


def test_reingesting_unchanged_files_adds_nothing(store: Store, sources: dict[str, Path]) -> None:
    first = ingest(sources.values(), store)
    before = store.documents()
    again = ingest(sources.values(), store)
    assert [r.outcome for r in again] == ["unchanged"] * 3
    assert [r.document.id for r in again] == [r.document.id for r in first]
    assert all("unverändert" in r.message for r in again)
    assert store.documents() == before


def test_changed_file_becomes_new_version_and_keeps_old(store: Store, sources: dict[str, Path], pdf_builder,
                                                        draft_pages) -> None:
    pdf = sources["draft"]
    v1 = ingest_file(store, pdf).document
    v1_passages = store.passages([v1.id])
    pages = [list(page) for page in draft_pages]
    pages[1].append(("p", "Neu im zweiten Entwurf: Der Stadtrat beschließt das Konzept im Herbst 2026."))
    pdf_builder(pdf, pages)

    result = ingest_file(store, pdf)
    assert result.outcome == "new_version"
    assert (result.document.id, result.document.version) == ("entwurf.pdf@2", 2)
    assert result.document.n_passages == v1.n_passages + 1
    assert [d.version for d in store.document_versions("entwurf.pdf")] == [1, 2]
    assert store.passages([v1.id]) == v1_passages  # version 1 and its passages stay stored
    assert [d.id for d in store.documents(current=True)] == ["entwurf.pdf@2"]
    assert store.passages()[-1].text == "Neu im zweiten Entwurf: Der Stadtrat beschließt das Konzept im Herbst 2026."
    assert ingest_file(store, pdf).outcome == "unchanged"


def test_file_reverted_to_earlier_bytes_becomes_current_again(store: Store, tmp_path: Path, note_builder) -> None:
    note = tmp_path / "protokoll.md"
    text_a = "# 1 Werkstatt\n\nFassung A: Die Teilnehmenden wünschen mehr Bäume in Connewitz.\n"
    text_b = "# 1 Werkstatt\n\nFassung B: Die Teilnehmenden wünschen mehr Radwege in Gohlis.\n"
    for text, outcome, version in ((text_a, "added", 1), (text_b, "new_version", 2), (text_a, "new_version", 3)):
        note_builder(note, text)
        result = ingest_file(store, note)
        assert (result.outcome, result.document.version) == (outcome, version)
    (current,) = store.documents(current=True)
    assert current.id == "protokoll.md@3"
    assert store.passages()[-1].text.startswith("Fassung A")


# --------------------------------------------------------------------------- failures


def test_corrupt_file_in_batch_does_not_stop_the_others(store: Store, sources: dict[str, Path],
                                                        tmp_path: Path) -> None:
    broken = tmp_path / "eingang" / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    results = ingest([sources["comments"], broken, sources["notes"]], store)

    assert [Path(r.path).name for r in results] == ["beitraege.csv", "kaputt.pdf", "werkstatt.md"]
    assert [r.outcome for r in results] == ["added", "failed", "added"]
    failed = results[1]
    assert failed.document is not None and failed.document.status == "failed"
    assert "beschädigt" in failed.message and "erneut exportieren" in failed.message
    assert failed.document.message == failed.message
    assert [(p.severity, p.code) for p in failed.problems] == [("error", "corrupt")]
    assert [(p.doc_id, p.code) for p in store.problems("kaputt.pdf@1")] == [("kaputt.pdf@1", "corrupt")]
    assert {d.name for d in store.documents(current=True)} == {"beitraege.csv", "werkstatt.md"}
    assert store.counts()["failed"] == 1

    again = ingest([broken], store)  # the same broken bytes again: no pile of failed versions
    assert again[0].outcome == "failed"
    assert [d.id for d in store.document_versions("kaputt.pdf")] == ["kaputt.pdf@1"]


def test_file_larger_than_limit_fails_but_is_recorded(store: Store, sources: dict[str, Path]) -> None:
    pdf = sources["draft"]
    result = ingest_file(store, pdf, IngestOptions(max_mb=0.001))
    assert result.outcome == "failed"
    assert "MB" in result.message and "0,001 MB" in result.message and "--max-mb" in result.message
    assert result.message.startswith("„entwurf.pdf“ ist ")  # the file name is not mangled
    doc = result.document
    assert (doc.name, doc.status, doc.size, doc.n_passages) == ("entwurf.pdf", "failed", pdf.stat().st_size, 0)
    assert result.problems[0].code == "too_large"
    ok = ingest_file(store, pdf)  # with the default limit the same bytes are read and replace the failure
    assert (ok.outcome, ok.document.id, ok.document.status) == ("added", "entwurf.pdf@1", "ok")


def test_unsupported_extension_fails_naming_the_formats(store: Store, tmp_path: Path) -> None:
    exe = tmp_path / "programm.exe"
    exe.write_bytes(b"MZ\x90\x00" * 10)
    result = ingest_file(store, exe)
    assert result.outcome == "failed"
    assert "„.exe“ wird nicht unterstützt" in result.message
    for fmt in ("PDF", "CSV", "XLSX", "JSONL", "DOCX", "Markdown", "TXT"):
        assert fmt in result.message
    assert result.document is not None and result.document.status == "failed"
    ingest_file(store, exe)
    assert [d.version for d in store.document_versions("programm.exe")] == [1]  # recorded once, not per retry


def test_missing_path_gives_failed_result_without_exception(store: Store, tmp_path: Path) -> None:
    missing = tmp_path / "nicht-da.pdf"
    (result,) = ingest([missing], store)
    assert (result.outcome, result.document) == ("failed", None)
    assert "gibt es nicht" in result.message
    assert store.documents() == []


def test_empty_batch_raises_input_error(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "leer"
    empty.mkdir()
    with pytest.raises(InputError) as info:
        ingest([empty], store)
    assert "Keine Dateien" in info.value.message


def test_folder_expansion_sorted_and_skips_lock_files(store: Store, tmp_path: Path, pdf_builder, csv_builder,
                                                      note_builder) -> None:
    folder = tmp_path / "ordner"
    note_builder(folder / "b-werkstatt.md")
    csv_builder(folder / "a-beitraege.csv")
    pdf_builder(folder / "unter" / "c-entwurf.pdf")
    csv_builder(folder / "~$a-beitraege.csv")  # Office lock file
    note_builder(folder / ".versteckt.md")
    (folder / "bild.png").write_bytes(b"\x89PNG")
    (folder / "programm.exe").write_bytes(b"MZ")
    seen: list[tuple[int, int, str]] = []
    results = ingest([folder], store, progress=lambda i, n, p: seen.append((i, n, p.name)))
    assert [Path(r.path).relative_to(folder).as_posix() for r in results] == [
        "a-beitraege.csv", "b-werkstatt.md", "unter/c-entwurf.pdf"]
    assert [r.outcome for r in results] == ["added"] * 3
    assert seen == [(0, 3, "a-beitraege.csv"), (1, 3, "b-werkstatt.md"), (2, 3, "c-entwurf.pdf"),
                    (3, 3, "c-entwurf.pdf")]


def test_kind_override(store: Store, tmp_path: Path, csv_builder, csv_rows) -> None:
    table = csv_builder(tmp_path / "export.txt", encoding="utf-8")
    as_notes = ingest_file(store, table)
    assert as_notes.document.kind == "notes" and as_notes.document.n_comments == 0
    as_comments = ingest_file(store, table, IngestOptions(kind="comments"))
    assert as_comments.outcome == "new_version"  # same bytes, other kind: a new version
    doc = as_comments.document
    assert (doc.kind, doc.n_comments, doc.n_passages) == ("comments", 3, 0)
    assert [c.text for c in store.comments()] == [r[3] for r in csv_rows]
    assert ingest_file(store, table, IngestOptions(kind="comments")).outcome == "unchanged"


def test_encrypted_pdf_retry_with_password_replaces_failed_version(store: Store, sources: dict[str, Path],
                                                                    tmp_path: Path) -> None:
    from pypdf import PdfWriter

    locked = tmp_path / "geschuetzt.pdf"
    writer = PdfWriter(clone_from=str(sources["draft"]))
    writer.encrypt(user_password="geheim", owner_password="o")
    writer.write(str(locked))

    first = ingest_file(store, locked)
    assert (first.outcome, first.document.status) == ("failed", "encrypted")
    assert "Passwort" in first.message and "--password" in first.message
    wrong = ingest_file(store, locked, IngestOptions(password="falsch"))
    assert wrong.outcome == "failed" and "angegebene Passwort" in wrong.message
    assert len(store.document_versions("geschuetzt.pdf")) == 1

    opened = ingest_file(store, locked, IngestOptions(password="geheim"))
    assert (opened.outcome, opened.document.id, opened.document.status) == ("added", "geschuetzt.pdf@1", "ok")
    versions = store.document_versions("geschuetzt.pdf")
    assert [(d.version, d.status) for d in versions] == [(1, "ok")]
    assert store.problems("geschuetzt.pdf@1") == []  # the failure's problem went with it
    plain = ingest_file(store, sources["draft"]).document
    assert [p.text for p in store.passages([opened.document.id])] == [p.text for p in store.passages([plain.id])]


# --------------------------------------------------------------------------- passages


def test_pdf_passages_have_pages_sections_and_exact_offsets(store: Store, sources: dict[str, Path],
                                                            draft_pages) -> None:
    doc = ingest_file(store, sources["draft"]).document
    passages = store.passages([doc.id])
    expected = [(kind, text, page) for page, blocks in enumerate(draft_pages, 1) for kind, text in blocks]
    assert [("h1" if p.kind == "heading" else "p", p.text, p.page) for p in passages] == expected
    assert [p.section for p in passages] == [("1 Ausgangslage",)] * 3 + [("2 Ziele",)] * 3
    _assert_offsets(store, doc.id)


def test_note_and_table_offsets_index_fulltext(store: Store, sources: dict[str, Path]) -> None:
    results = ingest(sources.values(), store)
    for r in results:
        if r.document.kind != "comments":
            _assert_offsets(store, r.document.id)
    notes = store.passages([r.document.id for r in results if r.document.kind == "notes"])
    assert notes[0].text == "1 Werkstatt Grünau" and notes[0].kind == "heading"
    assert {p.page for p in notes} == {None}
    assert ("1 Werkstatt Grünau", "1.1 Ergebnisse") in {p.section for p in notes}


def test_overlong_paragraph_is_split_at_sentence_ends(store: Store, tmp_path: Path, note_builder) -> None:
    sentences = [f"Satz {i} beschreibt die Entwicklung der Grünflächen im Leipziger Osten sehr genau."
                 for i in range(1, 37)]  # 36 sentences of 11 words: 396 words
    long = " ".join(sentences)
    note = note_builder(tmp_path / "lang.md", f"# 1 Befund\n\n{long}\n")
    doc = ingest_file(store, note).document
    paragraphs = [p for p in store.passages([doc.id]) if p.kind == "paragraph"]
    assert len(paragraphs) >= 3
    assert all(len(p.text.split()) <= 180 for p in paragraphs)
    assert all(p.text.endswith("sehr genau.") and p.text.startswith("Satz ") for p in paragraphs)
    assert " ".join(p.text for p in paragraphs) == long  # nothing lost, nothing doubled
    assert {p.section for p in paragraphs} == {("1 Befund",)}
    _assert_offsets(store, doc.id)


def test_tiny_fragment_is_merged_into_a_neighbour(store: Store, tmp_path: Path, note_builder) -> None:
    text = ("# 1 Werkstatt\n\nStand: März 2026\n\n"
            "Die Teilnehmenden diskutierten über neue Radwege in Reudnitz und Anger-Crottendorf.\n\n"
            "Sie wünschen sich sichere Abstellanlagen an allen Haltestellen der Linie 7.\n\n"
            "Ende der Sitzung.\n")
    doc = ingest_file(store, note_builder(tmp_path / "fragment.md", text)).document
    texts = [p.text for p in store.passages([doc.id])]
    assert texts == [
        "1 Werkstatt",
        "Stand: März 2026 Die Teilnehmenden diskutierten über neue Radwege in Reudnitz und Anger-Crottendorf.",
        "Sie wünschen sich sichere Abstellanlagen an allen Haltestellen der Linie 7. Ende der Sitzung.",
    ]
    _assert_offsets(store, doc.id)
