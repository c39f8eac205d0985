"""``evaluate_classify``: the result objects of ``insek evaluate classify`` on small labelled files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from insek_nlp.classify.evaluate import evaluate_classify
from insek_nlp.errors import InputError

THEMES = ("verkehr", "gruen", "wohnen")
SUBJECTS = {
    "verkehr": ["Der Radweg", "Die Straßenbahn", "Die Bushaltestelle", "Der Radverkehr", "Die Kreuzung"],
    "gruen": ["Der Park", "Der Spielplatz", "Die Grünfläche", "Der Baum", "Die Wiese"],
    "wohnen": ["Die Miete", "Die Wohnung", "Der Neubau", "Die Sozialwohnung", "Das Wohnhaus"],
}
PREDICATES = {
    "verkehr": ["ist für Radfahrer gefährlich", "braucht einen dichteren Takt", "ist ständig zugeparkt",
                "muss sicherer werden für Fußgänger"],
    "gruen": ["braucht mehr Schatten und Bänke", "sollte öfter gepflegt und gemäht werden",
              "verdient neue Bäume und Blumen", "ist zu klein für die Kinder"],
    "wohnen": ["ist kaum noch bezahlbar", "steigt jedes Jahr weiter", "fehlt für junge Familien",
               "muss sozial gebunden bleiben"],
}
PLACES = ["in Connewitz", "in Grünau", "im Leipziger Osten"]
SECOND = {"verkehr": "gruen", "gruen": "wohnen", "wohnen": "verkehr"}
SECOND_TEXT = {"verkehr": "Auch der Radweg dort ist ein Thema.", "gruen": "Auch der Park dort ist ein Thema.",
               "wohnen": "Auch die Miete dort ist ein Thema."}

TAXONOMY_YAML = """\
id: mini-stadt
name: Kleine Stadt-Taxonomie
language: de
label_map:
  Grün: gruen
themes:
  - id: verkehr
    label: Verkehr und Mobilität
    description: Radverkehr, Straßenbahn, Busse und Straßen.
    terms: [Radweg, Straßenbahn, Bushaltestelle, Radverkehr, Kreuzung]
    examples: ["Der Radweg an der Hauptstraße ist zu schmal.", "Die Straßenbahn sollte öfter fahren."]
  - id: gruen
    label: Grün und Freiraum
    description: Parks, Bäume und Grünflächen in der Stadt.
    terms: [Park, Baum, Grünfläche, Spielplatz, Wiese]
    examples: ["Im Park fehlen Bänke und Schatten.", "Mehr Bäume für die Straße bitte."]
  - id: wohnen
    label: Wohnen
    description: Mieten, Wohnungen und Neubau.
    terms: [Miete, Wohnung, Neubau, Sozialwohnung, Wohnhaus]
    examples: ["Die Mieten steigen zu schnell.", "Wir brauchen mehr bezahlbare Wohnungen."]
"""


def _rows(n_per_theme: int = 20) -> list[tuple[str, str]]:
    """(text, label), the themes interleaved; each text names its theme's subject and predicate."""
    by_theme = {
        lab: [f"{SUBJECTS[lab][i % 5]} {PLACES[i % 3]} {PREDICATES[lab][i % 4]}." for i in range(n_per_theme)]
        for lab in THEMES
    }
    return [(by_theme[lab][i], lab) for i in range(n_per_theme) for lab in THEMES]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bewertung")
    rows = _rows()
    out = {"dir": d, "cache": d / "cache", "taxonomy": d / "mini.yaml"}
    out["taxonomy"].write_text(TAXONOMY_YAML, encoding="utf-8")
    out["all"] = _write_csv(d / "beitraege.csv", ["Nr", "Beitrag", "Kategorie"],
                            [[i + 1, t, lab] for i, (t, lab) in enumerate(rows)])
    # 5 texts per theme to test; each of their subjects and predicates also occurs in training
    test_idx = {g for g in range(len(rows)) if g // 3 in (2, 7, 13, 16, 19)}
    out["train"] = _write_csv(d / "train.csv", ["Nr", "Beitrag", "Kategorie"],
                              [[i + 1, t, lab] for i, (t, lab) in enumerate(rows) if i not in test_idx])
    out["small"] = _write_csv(d / "klein.csv", ["Nr", "Beitrag", "Kategorie"],
                              [[i + 1, t, lab] for i, (t, lab) in enumerate(rows[:16])])
    out["cv"] = _write_csv(d / "kreuz.csv", ["Nr", "Beitrag", "Kategorie"],
                           [[i + 1, t, lab] for i, (t, lab) in enumerate(rows[:27])])
    out["test"] = _write_jsonl(d / "test.jsonl", [{"Nr": i + 1, "Beitrag": t, "Kategorie": lab}
                                                  for i, (t, lab) in enumerate(rows) if i in test_idx])
    # Multi-label: 24 texts, every fourth has a second theme.
    multi = []
    for i, (text, lab) in enumerate(_rows(8)):
        labs = [lab]
        if i % 4 == 0:
            labs.append(SECOND[lab])
            text = f"{text} {SECOND_TEXT[lab]}"
        multi.append((text, labs))
    out["multi_columns"] = _write_csv(
        d / "mehrfach.csv", ["Beitrag", *THEMES],
        [[t, *("ja" if th in labs else "nein" for th in THEMES)] for t, labs in multi])
    out["multi_string"] = _write_jsonl(d / "mehrfach.jsonl", [{"Beitrag": t, "Themen": ";".join(labs)}
                                                              for t, labs in multi])
    out["multi_list"] = _write_jsonl(d / "mehrfach-liste.jsonl", [{"Beitrag": t, "Themen": labs} for t, labs in multi])
    out["multi_counts"] = {th: sum(th in labs for _, labs in multi) for th in THEMES}
    return out


def _run(files: dict, data: str = "all", **kw) -> dict:
    kw.setdefault("text_cols", ["Beitrag"])
    if "label_columns" not in kw:
        kw.setdefault("label_col", "Kategorie")
    return evaluate_classify(files[data], embedder="hashing", cache_dir=files["cache"], **kw)


def _check_contract(result: dict, labels: list[str]) -> None:
    """The keys DESIGN.md promises, with the right types and ranges."""
    for key in ("mode", "n_train", "n_test", "macro_f1", "micro_f1", "per_label", "curve"):
        assert key in result, key
    assert isinstance(result["n_train"], int) and isinstance(result["n_test"], int)
    assert 0.0 <= result["macro_f1"] <= 1.0 and 0.0 <= result["micro_f1"] <= 1.0
    assert list(result["per_label"]) == labels
    for metrics in result["per_label"].values():
        assert set(metrics) == {"precision", "recall", "f1", "support"}
        assert isinstance(metrics["support"], int)
        assert all(0.0 <= metrics[k] <= 1.0 for k in ("precision", "recall", "f1"))
    for point in result["curve"]:
        assert set(point) == {"labels", "macro_f1", "micro_f1"}
    json.dumps(result)  # the CLI prints it as one JSON object


# --------------------------------------------------------------------------- supervised


def test_supervised_with_test_file(files) -> None:
    result = _run(files, "train", mode="supervised", test=files["test"])
    _check_contract(result, ["gruen", "verkehr", "wohnen"])
    assert result["mode"] == "supervised"
    assert (result["n_train"], result["n_test"]) == (45, 15)
    assert result["curve"] == []
    assert {m["support"] for m in result["per_label"].values()} == {5}
    assert result["macro_f1"] >= 0.85 and result["micro_f1"] >= 0.85
    assert result["embedder"] == "hashing-256"
    assert "warnings" not in result


@pytest.fixture(scope="module")
def cv_result(files) -> dict:
    return _run(files, "cv", mode="supervised", cv=3)


def test_supervised_cross_validation(cv_result) -> None:
    result = cv_result
    _check_contract(result, ["gruen", "verkehr", "wohnen"])
    assert (result["n_train"], result["n_test"], result["cv"]) == (27, 27, 3)
    assert {lab: m["support"] for lab, m in result["per_label"].items()} == {"gruen": 9, "verkehr": 9, "wohnen": 9}
    assert result["macro_f1"] >= 0.9


def test_supervised_with_taxonomy_reports_every_theme_in_taxonomy_order(files, cv_result) -> None:
    result = _run(files, "cv", mode="supervised", cv=3, taxonomy=files["taxonomy"])
    _check_contract(result, ["verkehr", "gruen", "wohnen"])
    assert result["labels"] == ["verkehr", "gruen", "wohnen"]
    # the same folds and models as without taxonomy (deterministic), only the label order differs
    assert result["per_label"] == {lab: cv_result["per_label"][lab] for lab in ("verkehr", "gruen", "wohnen")}
    assert (result["macro_f1"], result["micro_f1"]) == (cv_result["macro_f1"], cv_result["micro_f1"])


def test_cv_needs_at_least_two_folds(files) -> None:
    with pytest.raises(InputError, match="--cv"):
        _run(files, mode="supervised", cv=1)


# --------------------------------------------------------------------------- zero-shot


def test_zero_shot_uses_only_the_taxonomy(files) -> None:
    result = _run(files, mode="zero-shot", taxonomy=files["taxonomy"])
    _check_contract(result, ["verkehr", "gruen", "wohnen"])
    assert result["mode"] == "zero-shot"
    assert (result["n_train"], result["n_test"]) == (0, 60)
    assert result["macro_f1"] >= 0.6  # every text names one theme term
    with_test = _run(files, "train", mode="zero-shot", taxonomy=files["taxonomy"], test=files["test"])
    assert (with_test["n_train"], with_test["n_test"]) == (0, 15)


def test_zero_shot_without_taxonomy_is_an_input_error(files) -> None:
    with pytest.raises(InputError, match="Taxonomie") as err:
        _run(files, mode="zero-shot")
    assert "--taxonomy" in (err.value.hint or "")


# --------------------------------------------------------------------------- active


def test_active_learning_curve(files) -> None:
    result = _run(files, mode="active", cv=2, budget=18, seed_size=6, step=6)
    _check_contract(result, ["gruen", "verkehr", "wohnen"])
    sizes = [6, 12, 18]
    assert [p["labels"] for p in result["curve"]] == sizes
    assert [p["labels"] for p in result["baseline_random"]] == sizes
    assert (result["n_train"], result["n_test"]) == (18, 60)
    # both strategies start from the same random seed labels
    assert result["curve"][0] == result["baseline_random"][0]
    assert result["curve"][-1]["macro_f1"] > result["curve"][0]["macro_f1"]
    assert result["macro_f1"] == result["curve"][-1]["macro_f1"]
    assert result["micro_f1"] == result["curve"][-1]["micro_f1"]
    # per_label covers every held-out text of all folds
    assert sum(m["support"] for m in result["per_label"].values()) == 60


def test_active_learning_with_test_file_and_uneven_step(files) -> None:
    result = _run(files, "train", mode="active", test=files["test"], budget=18, seed_size=6, step=5)
    assert [p["labels"] for p in result["curve"]] == [6, 11, 16, 18]
    assert (result["n_train"], result["n_test"]) == (18, 15)
    assert sum(m["support"] for m in result["per_label"].values()) == 15
    again = _run(files, "train", mode="active", test=files["test"], budget=18, seed_size=6, step=5)
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in result.items() if k != "seconds"}


def test_active_budget_is_capped_at_the_pool(files) -> None:
    # 16 texts in the pool: a budget of 200 cannot be spent
    result = _run(files, "small", mode="active", test=files["test"], budget=200, seed_size=6, step=6)
    assert [p["labels"] for p in result["curve"]] == [6, 12, 16]
    assert [p["labels"] for p in result["baseline_random"]] == [6, 12, 16]
    assert result["n_train"] == 16


def test_active_rejects_bad_sizes(files) -> None:
    with pytest.raises(InputError, match="seed-size"):
        _run(files, mode="active", cv=3, budget=10, seed_size=20, step=5)


# --------------------------------------------------------------------------- bad input


def test_labels_not_in_taxonomy_name_the_value(files, tmp_path: Path) -> None:
    rows = [[i + 1, t, lab] for i, (t, lab) in enumerate(_rows(5))]
    rows[3][2] = "Verkehrswende"
    rows[7][2] = "Grün"  # in the taxonomy's label_map: fine
    path = _write_csv(tmp_path / "falsch.csv", ["Nr", "Beitrag", "Kategorie"], rows)
    with pytest.raises(InputError) as err:
        evaluate_classify(path, text_cols=["Beitrag"], label_col="Kategorie", taxonomy=files["taxonomy"],
                          mode="supervised", cv=3, embedder="hashing", cache_dir=files["cache"])
    assert "„Verkehrswende“ (1×)" in err.value.message and "falsch.csv" in err.value.message
    assert "Grün" not in err.value.message.split(":", 1)[1]
    assert "verkehr, gruen, wohnen" in (err.value.hint or "")


def test_missing_label_column_names_it_and_lists_columns(files) -> None:
    with pytest.raises(InputError) as err:
        _run(files, label_col="Thema", mode="supervised")
    assert "„Thema“" in err.value.message
    hint = err.value.hint or ""
    assert "Kategorie" in hint and "Beitrag" in hint


def test_missing_text_column_is_an_input_error(files) -> None:
    with pytest.raises(InputError):
        _run(files, text_cols=["Text"], mode="supervised")


def test_class_with_one_example_runs_with_a_warning(files, tmp_path: Path) -> None:
    rows = [[i + 1, t, lab] for i, (t, lab) in enumerate(_rows(8))]
    rows.append([99, "Die Bibliothek in Grünau braucht längere Öffnungszeiten.", "kultur"])
    path = _write_csv(tmp_path / "selten.csv", ["Nr", "Beitrag", "Kategorie"], rows)
    result = evaluate_classify(path, text_cols=["Beitrag"], label_col="Kategorie", mode="supervised", cv=3,
                               embedder="hashing", cache_dir=files["cache"])
    assert result["n_train"] == 25
    assert result["per_label"]["kultur"]["support"] == 1
    assert any("„kultur“" in w and "1 Beispiel" in w for w in result["warnings"])
    assert not any("„gruen“" in w for w in result["warnings"])


# --------------------------------------------------------------------------- multi-label


@pytest.fixture(scope="module")
def by_columns(files) -> dict:
    return _run(files, "multi_columns", label_columns=list(THEMES), mode="supervised", cv=2)


def test_multi_label_from_yes_no_columns(files, by_columns) -> None:
    result = by_columns
    _check_contract(result, ["gruen", "verkehr", "wohnen"])
    assert (result["n_train"], result["n_test"], result["cv"]) == (24, 24, 2)
    assert {lab: m["support"] for lab, m in result["per_label"].items()} == files["multi_counts"]
    assert files["multi_counts"] == {"verkehr": 10, "gruen": 10, "wohnen": 10}
    # 12 training texts per fold: no quality bar, but some labels must be found
    assert result["micro_f1"] > 0.0


def test_multi_label_from_one_column(files, by_columns) -> None:
    # "a;b" strings: the same labels as the yes/no columns, hence the same folds and scores
    result = _run(files, "multi_string", label_col="Themen", multi_label=True, mode="supervised", cv=2)
    assert result["per_label"] == by_columns["per_label"]
    assert (result["macro_f1"], result["micro_f1"]) == (by_columns["macro_f1"], by_columns["micro_f1"])


def test_multi_label_value_formats_agree(files) -> None:
    from insek_nlp.classify.data import load_labelled

    columns = load_labelled(files["multi_columns"], text_cols=["Beitrag"], label_columns=list(THEMES))
    string = load_labelled(files["multi_string"], text_cols=["Beitrag"], label_col="Themen", multi_label=True)
    listed = load_labelled(files["multi_list"], text_cols=["Beitrag"], label_col="Themen", multi_label=True)
    assert columns.multi_label and string.multi_label and listed.multi_label
    assert columns.texts == string.texts == listed.texts
    as_sets = [[set(labs) for labs in d.labels] for d in (columns, string, listed)]
    assert as_sets[0] == as_sets[1] == as_sets[2]
    assert sum(len(labs) == 2 for labs in string.labels) == 6


def test_multi_label_zero_shot_with_taxonomy(files) -> None:
    result = _run(files, "multi_string", label_col="Themen", multi_label=True, mode="zero-shot",
                  taxonomy=files["taxonomy"])
    _check_contract(result, ["verkehr", "gruen", "wohnen"])
    assert result["n_test"] == 24
    assert {lab: m["support"] for lab, m in result["per_label"].items()} == files["multi_counts"]


def test_yes_no_column_with_other_values_is_an_input_error(files, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "kaputt.csv", ["Beitrag", "verkehr", "gruen"],
                      [["Der Radweg ist gefährlich.", "ja", "nein"], ["Der Park ist schön.", "vielleicht", "ja"]])
    with pytest.raises(InputError, match="vielleicht"):
        evaluate_classify(path, text_cols=["Beitrag"], label_columns=["verkehr", "gruen"], mode="supervised",
                          embedder="hashing", cache_dir=files["cache"])
