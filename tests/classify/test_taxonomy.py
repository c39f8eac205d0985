"""Tests of taxonomy loading and validation (``insek_nlp.classify.taxonomy``).

The bundled taxonomies are checked for the ids the design fixes and for their
size; the benchmark taxonomies for a ``label_map`` that covers the labels of the
real data (skipped when ``../shared/data`` is absent). Every validation rule is
exercised with a small YAML file written into ``tmp_path``, asserting the German
message and the line it names.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import logging
import os
import re
from pathlib import Path

import pytest
import yaml

from insek_nlp.classify import (
    DEFAULT_TAXONOMY,
    Taxonomy,
    Theme,
    default_taxonomy,
    list_taxonomies,
    load_taxonomy,
)
from insek_nlp.errors import InsekError, TaxonomyError
from insek_nlp.paths import models_dir

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks" / "taxonomies"

QUERSCHNITT_IDS = (
    "finanzen", "wachstum", "anpassung", "region", "vielfalt", "segregation",
    "chancen", "demografie", "gesundheit", "digital", "bestand", "international",
)
FACH_IDS = (
    "wohnen", "wirtschaft_arbeit", "mobilitaet", "energie_klimaschutz", "freiraum_umwelt", "stadtklima",
    "bildung", "soziales", "kultur", "sport", "wissenschaft",
)
# Words that, matched compound-aware, hit far too much ("Park" → "Parkplatz", "Kunst" → "Kunststoff").
AMBIGUOUS = {"haushalt", "rat", "bau", "park", "pflege", "kunst", "handel", "sport", "gas", "tier",
             "rad", "see"}


def _shared_data() -> Path | None:
    candidates = [REPO.parent / "shared" / "data"]
    if os.environ.get("INSEK_SHARED_DATA"):
        candidates.insert(0, Path(os.environ["INSEK_SHARED_DATA"]))
    return next((c for c in candidates if c.is_dir()), None)


def _data_file(name: str) -> Path:
    folder = _shared_data()
    if folder is None or not (folder / name).is_file():
        pytest.skip(f"{name} not available (../shared/data or INSEK_SHARED_DATA)")
    return folder / name


def _write(tmp_path: Path, text: str, name: str = "themen.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> TaxonomyError:
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    return info.value


HEAD = "id: test\nname: Test\nlanguage: de\nthemes:\n"


# --------------------------------------------------------------------------- bundled taxonomies


def test_list_taxonomies_names_the_bundled_files():
    names = list_taxonomies()
    assert "insek-querschnittsthemen" in names
    assert "insek-fachthemen" in names
    assert names == sorted(names)


def test_default_taxonomy_is_the_querschnittsthemen():
    tax = default_taxonomy()
    assert DEFAULT_TAXONOMY == "insek-querschnittsthemen"
    assert tax.id == "insek-querschnittsthemen"
    assert tax.language == "de"
    assert tax.ids == QUERSCHNITT_IDS
    assert len(tax) == 12
    assert tax.path == str((models_dir() / "taxonomies" / "insek-querschnittsthemen.yaml").resolve())
    assert tax.source and "Ratsvorlage" in tax.source
    assert tax.warnings == ()


def test_fachthemen_ids():
    tax = load_taxonomy("insek-fachthemen")
    assert tax.id == "insek-fachthemen"
    assert tax.ids == FACH_IDS
    assert tax.theme("bildung").label == "Kommunale Bildungslandschaft"
    assert tax.theme("freiraum_umwelt").label == "Freiraum und Umwelt"
    assert tax.warnings == ()


@pytest.mark.parametrize("name", ["insek-querschnittsthemen", "insek-fachthemen"])
def test_bundled_themes_are_complete(name):
    tax = load_taxonomy(name)
    for theme in tax:
        assert re.fullmatch(r"[a-z0-9_]+", theme.id)
        assert theme.label.strip(), theme.id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„])", theme.description) if s]
        assert 1 <= len(sentences) <= 4, (theme.id, sentences)
        assert 25 <= len(theme.terms) <= 60, (theme.id, len(theme.terms))
        assert 4 <= len(theme.examples) <= 8, (theme.id, len(theme.examples))
        assert theme.parent is None
        short = {t.casefold() for t in theme.terms} & AMBIGUOUS
        assert not short, (theme.id, short)


@pytest.mark.parametrize(
    "path",
    [REPO / "models" / "taxonomies" / "insek-querschnittsthemen.yaml",
     REPO / "models" / "taxonomies" / "insek-fachthemen.yaml",
     BENCH / "raddialog-bonn.yaml",
     BENCH / "freiraum-ottensen.yaml"],
    ids=lambda p: p.stem,
)
def test_files_have_no_duplicate_terms(path):
    # The loader drops case-insensitive duplicates; the files themselves should not need that,
    # so that the term counts in the files are the real ones.
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tax = load_taxonomy(path)
    for raw_theme, theme in zip(raw["themes"], tax.themes):
        assert len(raw_theme["terms"]) == len(theme.terms), theme.id


def test_boundary_descriptions():
    tax = default_taxonomy()
    assert "Haushalte" in tax.theme("finanzen").description  # households are not the city budget
    assert "Klimaschutz" in tax.theme("anpassung").description  # protection vs adaptation
    assert not {"Haushalt", "Haushalte"} & set(tax.theme("finanzen").terms)


def test_load_by_name_with_suffix_and_by_path():
    by_name = load_taxonomy("insek-fachthemen.yaml")
    by_path = load_taxonomy(models_dir() / "taxonomies" / "insek-fachthemen.yaml")
    assert by_name == by_path


# --------------------------------------------------------------------------- benchmark taxonomies


def test_benchmark_taxonomies_load():
    bonn = load_taxonomy(BENCH / "raddialog-bonn.yaml")
    assert len(bonn) == 8
    assert set(bonn.label_map.values()) == set(bonn.ids)
    ottensen = load_taxonomy(BENCH / "freiraum-ottensen.yaml")
    assert len(ottensen) == 12
    assert set(ottensen.label_map.values()) == set(ottensen.ids)
    assert ottensen.ancestors("cycling") == ("non_motorized_transport",)
    assert {t.id for t in ottensen.children("motorized_transport")} == {
        "public_transport_local", "public_transport_long_distance", "commercial_transport"}
    for tax in (bonn, ottensen):
        assert tax.warnings == ()
        for theme in tax:
            assert len(theme.terms) >= 25 and len(theme.examples) >= 4 and theme.description, theme.id


@pytest.mark.realdata
def test_bonn_label_map_covers_the_data():
    path = _data_file("cycling-dialogue-bonn.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    labels = {r["main_category_level1"] for r in rows}
    tax = load_taxonomy(BENCH / "raddialog-bonn.yaml")
    assert len(labels) == 8
    assert {tax.map_label(v) for v in labels} == set(tax.ids)
    assert labels == set(tax.label_map)
    level1_columns = {c for c in rows[0] if c.startswith("level1_")}
    assert level1_columns == set(tax.label_map)


@pytest.mark.realdata
def test_ottensen_label_map_covers_the_data():
    path = _data_file("freiraum-ottensen.csv")
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    label_columns = header[4:]
    tax = load_taxonomy(BENCH / "freiraum-ottensen.yaml")
    assert len(label_columns) == 12
    assert set(label_columns) == set(tax.label_map)
    assert [tax.map_label(c) for c in label_columns] == list(tax.ids)


# --------------------------------------------------------------------------- the Taxonomy object


def test_taxonomy_object_api(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: Alpha\n  - id: b\n    label: Beta\n    parent: a\n")
    tax = load_taxonomy(path)
    assert isinstance(tax, Taxonomy)
    assert tax.ids == ("a", "b")
    assert [t.id for t in tax] == ["a", "b"]
    assert len(tax) == 2
    assert "a" in tax and "c" not in tax
    assert tax.theme("b") == Theme(id="b", label="Beta", parent="a")
    assert tax.ancestors("b") == ("a",)
    with pytest.raises(TaxonomyError, match="hat kein Thema 'c'"):
        tax.theme("c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tax.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        tax.label_map["x"] = "a"  # type: ignore[index]
    assert hash(tax) == hash(load_taxonomy(path))


def test_map_label(tmp_path):
    path = _write(tmp_path, "id: t\nname: T\nlanguage: de\nlabel_map:\n  Radweg kaputt: qualitaet\n  2: sonst\n"
                            "themes:\n  - id: qualitaet\n    label: Qualität\n  - id: sonst\n    label: Sonstiges\n")
    tax = load_taxonomy(path)
    assert dict(tax.label_map) == {"Radweg kaputt": "qualitaet", "2": "sonst"}
    assert tax.map_label("Radweg kaputt") == "qualitaet"
    assert tax.map_label("radweg KAPUTT") == "qualitaet"
    assert tax.map_label(2) == "sonst"
    assert tax.map_label("qualitaet") == "qualitaet"
    assert tax.map_label("Sonstiges") == "sonst"
    assert tax.map_label("unbekannt") is None
    assert tax.map_label("  ") is None


def test_terms_are_stripped_and_deduplicated_in_order(tmp_path):
    text = ('  - id: a\n    label: A\n    terms: [" Zuzug ", Wachstum, zuzug, "wachsende   Stadt", WACHSTUM, ""]\n'
            '    examples:\n      - "  Ein  Beispiel. "\n')
    path = _write(tmp_path, HEAD + text)
    theme = load_taxonomy(path).theme("a")
    assert theme.terms == ("Zuzug", "Wachstum", "wachsende Stadt")
    assert theme.examples == ("Ein Beispiel.",)


def test_block_lists_and_null_fields(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n    description:\n    terms:\n      - Eins\n"
                                   "      - Zwei\n    examples:\n    parent: null\n")
    theme = load_taxonomy(path).theme("a")
    assert theme == Theme(id="a", label="A", description="", terms=("Eins", "Zwei"), examples=(), parent=None)


def test_sha256_is_of_the_file_bytes_and_stable(tmp_path):
    text = HEAD + "  - id: a\n    label: Ä\n"
    path = _write(tmp_path, text)
    first = load_taxonomy(path)
    assert first.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert load_taxonomy(path).sha256 == first.sha256
    path.write_text(text + "    # nur ein Kommentar\n", encoding="utf-8")
    assert load_taxonomy(path).sha256 != first.sha256
    bundled = models_dir() / "taxonomies" / "insek-querschnittsthemen.yaml"
    assert default_taxonomy().sha256 == hashlib.sha256(bundled.read_bytes()).hexdigest()


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + "  - id: a\n    label: Grün\n").encode("utf-8"))
    assert load_taxonomy(path).theme("a").label == "Grün"


# --------------------------------------------------------------------------- validation errors


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n  - id: b\n    label: Mobilität: Rad\n")
    err = _error(path)
    assert err.message == f"Datei {path}, Zeile 8: YAML-Fehler: mapping values are not allowed here"
    assert "Anführungszeichen" in err.hint


def test_unsafe_tag_is_a_yaml_error(tmp_path):
    for tagged in ("!!python/name:os.system", "!include andere.yaml"):
        path = _write(tmp_path, HEAD + f"  - id: a\n    label: {tagged}\n")
        err = _error(path)
        assert err.message.startswith(f"Datei {path}, Zeile 6: YAML-Fehler: could not determine a constructor")


def test_tab_indentation_is_a_yaml_error(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n\tlabel: A\n")
    err = _error(path)
    assert err.message.startswith(f"Datei {path}, Zeile 6: YAML-Fehler: ")
    assert isinstance(err, InsekError) and err.code == "taxonomy"


@pytest.mark.parametrize("missing", ["id", "name", "language", "themes"])
def test_missing_top_level_field(tmp_path, missing):
    lines = {"id": "id: test", "name": "name: Test", "language": "language: de",
             "themes": "themes:\n  - id: a\n    label: A"}
    text = "# Kommentar\n" + "\n".join(v for k, v in lines.items() if k != missing) + "\n"
    path = _write(tmp_path, text)
    err = _error(path)
    assert err.message == f"Datei {path}, Zeile 2: Pflichtfeld '{missing}' fehlt."


def test_top_level_not_a_mapping(tmp_path):
    path = _write(tmp_path, "- id: a\n  label: A\n")
    assert _error(path).message.startswith(f"Datei {path}, Zeile 1: oben in der Datei wird eine Zuordnung")


def test_empty_file(tmp_path):
    path = _write(tmp_path, "# nur ein Kommentar\n")
    assert _error(path).message == f"Datei {path}, Zeile 1: die Datei ist leer."


def test_themes_not_a_list(tmp_path):
    path = _write(tmp_path, HEAD + "  gesundheit:\n    label: Gesundheit\n")
    err = _error(path)
    assert err.message == f"Datei {path}, Zeile 5: 'themes' muss eine Liste sein, gefunden: eine Zuordnung."


@pytest.mark.parametrize("themes", ["themes: []\n", "themes:\n"])
def test_empty_taxonomy(tmp_path, themes):
    path = _write(tmp_path, "id: test\nname: Test\nlanguage: de\n" + themes)
    assert _error(path).message == f"Datei {path}, Zeile 4: die Taxonomie enthält keine Themen."


def test_theme_missing_label(tmp_path):
    text = HEAD + "  - id: wachstum\n    label: Wachstum\n    terms: [Zuzug]\n  - id: gesundheit\n    terms: [Lärm]\n"
    path = _write(tmp_path, text)
    err = _error(path)
    assert err.message == f"Thema 'gesundheit': Feld 'label' fehlt (Datei {path}, Zeile 8)"
    assert "label:" in err.hint


def test_theme_empty_label(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: ''\n")
    assert _error(path).message == f"Thema 'a': Feld 'label' ist leer (Datei {path}, Zeile 6)"


def test_theme_missing_id(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n\n  - label: Grünflächen und Umwelt\n")
    err = _error(path)
    assert err.message == f"Thema Nr. 2 ('Grünflächen und Umwelt'): Feld 'id' fehlt (Datei {path}, Zeile 8)"
    assert "gruenflaechen_und_umwelt" in err.hint


def test_theme_not_a_mapping(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n  - Gesundheit\n")
    err = _error(path)
    assert err.message.startswith("Thema Nr. 2: ein Thema muss eine Zuordnung")
    assert err.message.endswith(f"(Datei {path}, Zeile 7)")


@pytest.mark.parametrize("bad, shown, suggestion", [
    ("Gesundheit", "Gesundheit", "gesundheit"),
    ("stadt-rand", "stadt-rand", "stadt_rand"),
    ("'grün'", "grün", "gruen"),
    ("2030", "2030", "2030"),
])
def test_invalid_theme_id(tmp_path, bad, shown, suggestion):
    path = _write(tmp_path, HEAD + f"  - id: a\n    label: A\n  - id: {bad}\n    label: X\n")
    err = _error(path)
    assert err.message == f"Thema '{shown}': ID '{shown}' ist ungültig (Datei {path}, Zeile 7)"
    assert f"Vorschlag: '{suggestion}'" in err.hint


def test_invalid_taxonomy_id(tmp_path):
    path = _write(tmp_path, "id: Meine Themen\nname: T\nlanguage: de\nthemes:\n  - id: a\n    label: A\n")
    assert _error(path).message == f"Datei {path}, Zeile 1: die Taxonomie-ID 'Meine Themen' ist ungültig."


def test_duplicate_theme_ids_name_both_lines(tmp_path):
    text = HEAD + "  - id: wachstum\n    label: A\n  - id: region\n    label: B\n  - id: wachstum\n    label: C\n"
    path = _write(tmp_path, text)
    err = _error(path)
    assert err.message == (f"Thema 'wachstum': ID 'wachstum' ist doppelt vergeben (Zeilen 5 und 9) "
                           f"(Datei {path}, Zeile 9)")


def test_duplicate_key_in_theme(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n    terms: [x]\n    terms: [y]\n")
    err = _error(path)
    assert err.message == f"Thema Nr. 1: Feld 'terms' steht doppelt (Zeilen 7 und 8) (Datei {path}, Zeile 8)"


def test_unknown_parent(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n  - id: b\n    label: B\n    parent: c\n")
    err = _error(path)
    assert err.message == f"Thema 'b': unbekanntes Elternthema 'c' (Datei {path}, Zeile 9)"
    assert "a, b" in err.hint


@pytest.mark.parametrize("text, line, cycle", [
    ("  - id: a\n    label: A\n    parent: b\n  - id: b\n    label: B\n    parent: a\n", 7, "'a' → 'b' → 'a'"),
    ("  - id: a\n    label: A\n    parent: a\n", 7, "'a' → 'a'"),
    ("  - id: x\n    label: X\n  - id: a\n    label: A\n    parent: c\n  - id: b\n    label: B\n    parent: a\n"
     "  - id: c\n    label: C\n    parent: b\n", 9, "'a' → 'c' → 'b' → 'a'"),
])
def test_parent_cycle(tmp_path, text, line, cycle):
    path = _write(tmp_path, HEAD + text)
    err = _error(path)
    assert err.message == (f"Thema 'a': die Elternbeziehungen bilden einen Kreis: {cycle} "
                           f"(Datei {path}, Zeile {line})")


@pytest.mark.parametrize("field", ["terms", "examples"])
def test_list_field_not_a_list(tmp_path, field):
    path = _write(tmp_path, HEAD + f"  - id: a\n    label: A\n    {field}: Zuzug, Wachstum\n")
    err = _error(path)
    assert err.message == (f"Thema 'a': Feld '{field}' muss eine Liste von Texten sein, nicht 'Zuzug, Wachstum' "
                           f"(Datei {path}, Zeile 7)")


@pytest.mark.parametrize("field", ["terms", "examples"])
def test_list_field_with_non_string_item(tmp_path, field):
    path = _write(tmp_path, HEAD + f"  - id: a\n    label: A\n    {field}:\n      - Zuzug\n      - 2030\n"
                                   f"      - [x]\n")
    err = _error(path)
    assert err.message == (f"Thema 'a': Feld '{field}' muss eine Liste von Texten sein; Eintrag die Zahl 2030 "
                           f"ist kein Text (Datei {path}, Zeile 9)")
    assert "Anführungszeichen" in err.hint


def test_yes_no_words_are_reported_as_not_text(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n    terms: [Zuzug, on]\n")
    assert "Eintrag der Wahrheitswert true ist kein Text" in _error(path).message


def test_label_not_text(tmp_path):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: [A, B]\n")
    err = _error(path)
    assert err.message == f"Thema 'a': Feld 'label' muss ein Text sein, nicht eine Liste (Datei {path}, Zeile 6)"


def test_label_map_to_unknown_theme(tmp_path):
    path = _write(tmp_path, "id: t\nname: T\nlanguage: de\nlabel_map:\n  Ampel: ampeln\n  Licht: licht\n"
                            "themes:\n  - id: ampeln\n    label: Ampeln\n")
    err = _error(path)
    assert err.message == f"Datei {path}, Zeile 6: 'label_map' ordnet 'Licht' dem unbekannten Thema 'licht' zu."


def test_unknown_fields_warn_but_load(tmp_path, caplog):
    path = _write(tmp_path, "id: t\nname: T\nlanguage: de\nautor: Amt 61\nthemes:\n"
                            "  - id: a\n    label: A\n    terms: [x]\n    farbe: grün\n")
    with caplog.at_level(logging.WARNING, logger="insek_nlp.classify.taxonomy"):
        tax = load_taxonomy(path)
    assert tax.ids == ("a",)
    assert tax.warnings == (
        f"Datei {path}, Zeile 4: unbekanntes Feld 'autor' wird ignoriert.",
        f"Thema 'a': unbekanntes Feld 'farbe' wird ignoriert (Datei {path}, Zeile 9).",
    )
    assert [r.getMessage() for r in caplog.records] == list(tax.warnings)


def test_label_only_theme_warns(tmp_path, caplog):
    path = _write(tmp_path, HEAD + "  - id: a\n    label: A\n")
    with caplog.at_level(logging.WARNING, logger="insek_nlp.classify.taxonomy"):
        tax = load_taxonomy(path)
    assert len(tax.warnings) == 1 and "nur ein Label" in tax.warnings[0] and "Zeile 5" in tax.warnings[0]


def test_file_not_found(tmp_path):
    missing = tmp_path / "gibt-es-nicht.yaml"
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(missing)
    assert info.value.message == f"Taxonomie-Datei nicht gefunden: {missing}"
    assert "insek-querschnittsthemen" in info.value.hint and "Pfad" in info.value.hint


def test_unknown_bundled_name():
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy("insek-gibtsnicht")
    assert info.value.message == "Taxonomie-Datei nicht gefunden: insek-gibtsnicht"
    assert "insek-fachthemen, insek-querschnittsthemen" in info.value.hint


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(TaxonomyError, match="ist ein Ordner"):
        load_taxonomy(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "  - id: a\n    label: Grünfläche\n").encode("latin-1"))
    err = _error(path)
    assert err.message == f"Datei {path}, Zeile 6: die Datei ist nicht UTF-8-kodiert."
