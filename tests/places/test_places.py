"""Leipzig gazetteer and place tagging (offline, fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insek_nlp.errors import InputError
from insek_nlp.places import Gazetteer, Place, PlaceTags, evaluate_places, tag_comment, tag_many, tag_places
from insek_nlp.places.build_gazetteer import STADTBEZIRKE, build, parse_ttl
from insek_nlp.types import Comment

REPO = Path(__file__).resolve().parents[2]
TTL = REPO.parent / "shared" / "data" / "leipzig-administrative-gliederung.ttl"
GRUENAU = ("Grünau-Ost", "Grünau-Mitte", "Grünau-Siedlung", "Lausen-Grünau", "Grünau-Nord")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def tags(text: str, **kw) -> PlaceTags:
    return tag_places(text, **kw)


# --- the gazetteer -------------------------------------------------------------

def test_official_names_and_counts(gaz):
    assert [b.name for b in gaz.stadtbezirke] == [
        "Mitte", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Alt-West", "Nordwest", "Nord"]
    assert len(gaz.ortsteile) == 63
    assert len({o.name for o in gaz.ortsteile}) == 63
    assert gaz.place("Schleußig") == Place("ortsteil", "Schleußig", "50", "Südwest")
    assert gaz.place("Nordost") == Place("stadtbezirk", "Nordost", "1", "Nordost")
    assert "CC0" in gaz.attribution and "Leipzig Open Data" in gaz.attribution


def test_number_first_digit_is_stadtbezirk(gaz):
    for o in gaz.ortsteile:
        assert len(o.number) == 2
        assert o.stadtbezirk == STADTBEZIRKE[int(o.number[0])]
    assert [o.name for o in gaz.ortsteile_of("West")] == [
        "Schönau", "Grünau-Ost", "Grünau-Mitte", "Grünau-Siedlung", "Lausen-Grünau", "Grünau-Nord", "Miltitz"]
    assert gaz.place("Zentrum").number == "00"
    assert gaz.place("Wiederitzsch") == Place("ortsteil", "Wiederitzsch", "95", "Nord")
    assert sum(len(gaz.ortsteile_of(b.name)) for b in gaz.stadtbezirke) == 63


def test_every_variant_has_a_note_and_official_targets(gaz):
    names = {p.name for p in gaz.ortsteile + gaz.stadtbezirke}
    for v in gaz.variants:
        assert v.note, v.surface
        assert set(v.ortsteile + v.stadtbezirke) <= names
        assert v.rule in ("any", "title", "location")


def test_unknown_place_name(gaz):
    with pytest.raises(InputError, match="Schleussig"):
        gaz.place("Schleussig")


@pytest.mark.skipif(not TTL.is_file(), reason="../shared/data not present")
def test_build_from_ttl_reproduces_shipped_file(tmp_path):
    ortsteile, bezirke = parse_ttl(TTL.read_text(encoding="utf-8"))
    assert (len(ortsteile), len(bezirke)) == (63, 10)
    out = tmp_path / "g.json"
    build(TTL, REPO / "models" / "places" / "variants.yaml", out)
    shipped = json.loads((REPO / "models" / "places" / "leipzig-gazetteer.json").read_text(encoding="utf-8"))
    assert json.loads(out.read_text(encoding="utf-8")) == shipped


# --- tagging -------------------------------------------------------------------

@pytest.mark.parametrize("text, ortsteil", [
    ("Radwege in Schleussig", "Schleußig"),
    ("Radwege in Schleußig", "Schleußig"),
    ("radwege in schleußig", "Schleußig"),
    ("Spielplatz in Gohlis Süd", "Gohlis-Süd"),
    ("Spielplatz in Gohlis-Sued", "Gohlis-Süd"),
    ("Bänke in Reudnitz", "Reudnitz-Thonberg"),
    ("Bahnhof Sellerhausen", "Sellerhausen-Stünz"),
    ("in Lössnig", "Lößnig"),
    ("in Leipzig-Connewitz", "Connewitz"),
    ("im Waldstraßenviertel", "Zentrum-Nordwest"),
    ("am Connewitzer Kreuz", "Connewitz"),
    ("in der Südvorstadt", "Südvorstadt"),
    ("die Leipziger Innenstadt", "Zentrum"),
    ("Grünau-Nord", "Grünau-Nord"),
    ("von Knauthain in die Stadt", "Knautkleeberg-Knauthain"),
    ("in Leutsch", "Leutzsch"),
])
def test_variants(text, ortsteil):
    assert ortsteil in tags(text).ortsteile


@pytest.mark.parametrize("text, ortsteil", [
    ("Wir Grünauer fühlen uns vergessen.", None),
    ("Die Connewitzer wollen Tempo 30.", "Connewitz"),
    ("Als Lindenauerin wünsche ich mir mehr Grün.", "Lindenau"),
    ("Den Lindenauern fehlt ein Park.", "Lindenau"),
    ("Die Plagwitzer Industriebrachen", "Plagwitz"),
    ("Grünaus Plattenbauten", None),
])
def test_adjectival_and_genitive_forms(text, ortsteil):
    got = tags(text).ortsteile
    assert got == (GRUENAU if ortsteil is None else (ortsteil,))


def test_adjectival_form_before_street_word_is_not_the_place():
    # Streets are often named after the place they lead to.
    assert tags("Die Connewitzer Straße ist laut.").ortsteile == ()
    assert tags("Stau auf der Gohliser Str. am Morgen").ortsteile == ()


def test_ortsteil_implies_stadtbezirk():
    t = tags("Plagwitz und Lindenau sind zu teuer.")
    assert t.ortsteile == ("Plagwitz", "Lindenau")
    assert t.stadtbezirke == ("Südwest", "Alt-West")


@pytest.mark.parametrize("text, bezirk", [
    ("Im Leipziger Osten braucht es Grün.", "Ost"),
    ("im Leipziger Nordosten", "Nordost"),
    ("im Osten Leipzigs", "Ost"),
    ("im Süden von Leipzig", "Süd"),
    ("Im Stadtbezirk Nordwest fehlt ein Jugendclub.", "Nordwest"),
    ("Stadtbezirk Nord-Ost", "Nordost"),
    ("Leipzig-Mitte hat genug Cafés.", "Mitte"),
    ("In Leipzig-Ost fehlen Ärzte.", "Ost"),
    ("Der Stadtbezirksbeirat Süd tagt.", "Süd"),
    ("Im Stadtbezirk Alt-West", "Alt-West"),
])
def test_district_phrases(text, bezirk):
    t = tags(text)
    assert t.stadtbezirke == (bezirk,)
    assert t.ortsteile == ()


def test_coordinated_stadtbezirke():
    assert tags("In den Stadtbezirken Ost und Südost, sowie Nord fehlt es an Kitas.").stadtbezirke == (
        "Ost", "Südost", "Nord")


def test_ambiguous_short_names():
    assert tags("Ich wohne in Grünau.").ortsteile == GRUENAU
    assert tags("Ich wohne in Grünau.").stadtbezirke == ("West",)
    assert tags("Ich wohne in Gohlis.").ortsteile == ("Gohlis-Süd", "Gohlis-Mitte", "Gohlis-Nord")
    assert tags("Schönefeld wächst.").ortsteile == ("Schönefeld-Abtnaundorf", "Schönefeld-Ost")
    # the longer official name wins over the ambiguous short one
    assert tags("Lausen-Grünau und Grünau-Mitte").ortsteile == ("Grünau-Mitte", "Lausen-Grünau")


@pytest.mark.parametrize("text", [
    "In der Mitte der Straße parken ständig Lieferwagen.",
    "Das Zentrum für Familien muss bleiben.",
    "Im Zentrum der Diskussion steht der Klimaschutz.",
    "Der Osten Europas ist wichtig für den Handel.",
    "Im Süden Deutschlands ist es anders.",
    "Im Sommer fahren alle an die Nordsee.",
    "Ostdeutschland wird benachteiligt.",
    "Die Ost-West-Verbindung ist schlecht.",
    "Mitte Mai wurde gesperrt.",
    "Herr Lindenau vom Bürgerverein hat es angesprochen.",
    "Frau Plagwitz pflegt das Beet.",
    "Wir müssen die Interessen der Anwohner wahren.",
    "Die wahren Kosten sind höher.",
    "Ich komme aus der Dresdner Neustadt.",
    "Neustadt an der Weinstraße ist schön.",
    "Vom Flughafen Schönefeld nach Berlin.",
    "Das Einkaufszentrum am Stadtrand.",
    "Nord, Süd, Ost und West: überall fehlen Radwege.",
])
def test_no_false_hits_on_ordinary_words(text):
    t = tags(text)
    assert (t.ortsteile, t.stadtbezirke) == ((), ()), t.mentions


def test_wahren_as_place():
    assert tags("Wahren braucht einen Supermarkt.").ortsteile == ("Wahren",)
    assert tags("In Wahren fehlt ein Arzt.").stadtbezirke == ("Nordwest",)


def test_location_field():
    t = tags("Mehr Tempo-30-Zonen vor Schulen!", location_field="Plagwitz/Lindenau")
    assert t.ortsteile == ("Plagwitz", "Lindenau")
    assert {m.source for m in t.mentions} == {"location"}
    assert tags("Zu wenig Grün.", location_field="Gohlis Süd").ortsteile == ("Gohlis-Süd",)
    assert tags("Zu wenig Grün.", location_field="im Leipziger Osten").stadtbezirke == ("Ost",)
    # bare Stadtbezirk names and "Zentrum" count in a location column, not in free text
    assert tags("Zu wenig Grün.", location_field="Mitte").stadtbezirke == ("Mitte",)
    assert tags("Zu wenig Grün.", location_field="Zentrum").ortsteile == ("Zentrum",)
    assert tags("Zu wenig Grün.", location_field="04229 Leipzig") == PlaceTags()
    # text and column together
    t = tags("Bitte mehr davon in Connewitz.", location_field="Südvorstadt")
    assert t.ortsteile == ("Südvorstadt", "Connewitz")


def test_tag_comment_uses_location():
    c = Comment(doc_id="d", row=1, text="Der Spielplatz ist kaputt.", title="Spielplatz", location="Grünau")
    assert tag_comment(c).ortsteile == GRUENAU


def test_offsets_point_at_surface():
    text = "Wir Grünauer und die Leute in Schleussig, im Leipziger Osten und am Connewitzer Kreuz."
    t = tags(text, location_field="Plagwitz/Lindenau")
    assert t.mentions
    for m in t.mentions:
        src = text if m.source == "text" else "Plagwitz/Lindenau"
        assert src[m.start:m.end] == m.surface
    surfaces = {m.surface for m in t.mentions if m.source == "text"}
    assert surfaces == {"Grünauer", "Schleussig", "Leipziger Osten", "Connewitzer"}


def test_offsets_with_gender_forms_and_soft_hyphen():
    text = "Liebe Connewitzer*innen und Plagwitzerinnen, auch Schleu\u00adßig!"
    t = tags(text)
    for m in t.mentions:
        assert text[m.start:m.end] == m.surface
    assert t.ortsteile == ("Connewitz", "Schleußig", "Plagwitz")


def test_empty_and_odd_input():
    assert tags("") == PlaceTags()
    assert tags("   ", location_field="  ") == PlaceTags()
    assert tags("1234 !!! ???") == PlaceTags()
    long = "Connewitz " + "blabla " * 10_000
    assert tags(long).ortsteile == ("Connewitz",)


def test_tag_many_aligned():
    out = tag_many(["in Connewitz", "nichts", "hier"], ["", None, "Grünau-Ost"])
    assert [o.ortsteile for o in out] == [("Connewitz",), (), ("Grünau-Ost",)]
    with pytest.raises(ValueError):
        tag_many(["a", "b"], ["x"])


def test_speed():
    import time

    texts = [f"Kommentar {i}: In Connewitz und im Leipziger Osten fehlen Radwege, sagt Herr Müller."
             for i in range(2000)]
    t0 = time.perf_counter()
    tag_many(texts)
    assert time.perf_counter() - t0 < 2.0


# --- evaluate ------------------------------------------------------------------

def _write(tmp_path: Path, rows: list[dict]) -> Path:
    p = tmp_path / "orte.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return p


def test_evaluate_places_micro_average(tmp_path):
    p = _write(tmp_path, [
        {"text": "In Connewitz fehlen Radwege.", "ortsteile": ["Connewitz"], "stadtbezirke": ["Süd"]},
        {"text": "Ich wohne in Gohlis.", "ortsteile": ["Gohlis-Süd"], "stadtbezirke": ["Nord"]},
        {"text": "Mehr Bänke!", "ortsteile": ["Plagwitz"], "stadtbezirke": ["Südwest"], "ort": "Plagwitz"},
        {"text": "In der Mitte der Straße", "ortsteile": [], "stadtbezirke": []},
        {"text": "Hier fehlt alles.", "ortsteile": ["Lindenau"], "stadtbezirke": ["Alt-West"]},
    ])
    r = evaluate_places(p)
    assert set(r) == {"n", "ortsteile", "stadtbezirke"}
    assert r["n"] == 5
    # Ortsteile: tp 3 (Connewitz, Gohlis-Süd, Plagwitz), fp 2 (Gohlis-Mitte, -Nord), fn 1 (Lindenau)
    assert r["ortsteile"]["precision"] == pytest.approx(0.6)
    assert r["ortsteile"]["recall"] == pytest.approx(0.75)
    assert r["ortsteile"]["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35, abs=1e-4)
    # Stadtbezirke: tp 3, fp 0, fn 1
    assert r["stadtbezirke"] == {"precision": 1.0, "recall": 0.75, "f1": pytest.approx(0.8571, abs=1e-4)}
    detailed = evaluate_places(p, details=True)
    assert [e["line"] for e in detailed["errors"]] == [2, 5]


def test_evaluate_places_unknown_gold_names(tmp_path):
    p = _write(tmp_path, [
        {"text": "x", "ortsteile": ["Schleussig", "Connewitz"], "stadtbezirke": ["Nord-Ost"]},
        {"text": "y", "ortsteile": ["Gohlis"], "stadtbezirke": []},
    ])
    with pytest.raises(InputError) as exc:
        evaluate_places(p)
    msg = str(exc.value)
    assert "Schleussig" in msg and "Nord-Ost" in msg and "Gohlis" in msg and "Connewitz" not in msg
    assert "Unbekannte Ortsnamen" in msg


def test_evaluate_places_bad_files(tmp_path):
    with pytest.raises(InputError, match="nicht gefunden"):
        evaluate_places(tmp_path / "fehlt.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "ortsteile": []}\nkein json\n', encoding="utf-8")
    with pytest.raises(InputError, match="Zeile 2"):
        evaluate_places(bad)
    wrong_kind = _write(tmp_path, [{"text": "a", "ortsteile": ["Süd"], "stadtbezirke": []}])
    with pytest.raises(InputError, match="Süd"):
        evaluate_places(wrong_kind)


def test_benchmark_file_is_valid():
    path = REPO / "benchmarks" / "data" / "orte-kommentare.jsonl"
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 150
    assert sum(x["split"] == "test" for x in lines) == 90
    r = evaluate_places(path)
    assert r["n"] == 150
    assert r["ortsteile"]["precision"] >= 0.95 and r["ortsteile"]["recall"] >= 0.90
