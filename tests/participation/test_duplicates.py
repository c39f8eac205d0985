"""Duplicates and campaigns: exact keys, near-copies, short texts, scale, the demo ground truth."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from insek_nlp.errors import InputError
from insek_nlp.participation import (
    DuplicateFinder,
    DuplicateGroup,
    campaign_counts,
    duplicate_key,
    find_duplicate_groups,
)
from insek_nlp.types import Comment

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "demo" / "src" / "comments.jsonl"

TEMPLATE = (
    "Ich spreche mich gegen die geplante Bebauung des Stadtteilparks an der Hauptstraße aus. "
    "Der Park ist die einzige größere Grünfläche im Viertel, Kinder spielen dort, ältere Menschen "
    "sitzen im Schatten. Bei Hitze kühlt er die umliegenden Straßen. Ich fordere die Stadt auf, "
    "den Park dauerhaft von Bebauung freizuhalten. Park retten!"
)
OTHER = [
    "Die Straßenbahn nach Grünau fährt abends viel zu selten, bitte den Takt auf zehn Minuten verdichten.",
    "Auf der Eisenbahnstraße fehlen Bäume und Bänke, im Sommer ist es dort unerträglich heiß.",
    "Der Radweg an der Karl-Liebknecht-Straße ist zu schmal und wird ständig von Lieferwagen zugeparkt.",
    "In Gohlis fehlen Kitaplätze, wir haben für unsere Tochter über ein Jahr auf einen Platz gewartet.",
    "Die Mieten im Leipziger Westen steigen so stark, dass Familien mit Kindern wegziehen müssen.",
]


def by_member(groups: list[DuplicateGroup]) -> dict[str, DuplicateGroup]:
    return {m: g for g in groups for m in g.members}


def test_identical_up_to_case_whitespace_punctuation_gender_umlauts() -> None:
    texts = [
        "Mehr Radwege für Bürger*innen in der Südvorstadt, bitte schnell umsetzen!",
        "mehr radwege fuer BürgerInnen   in der Suedvorstadt bitte schnell umsetzen",
        "Mehr Radwege für Bürgerinnen und Bürger in der Südvorstadt – bitte schnell umsetzen!!! 👍",
        OTHER[0],
    ]
    groups = find_duplicate_groups(texts, ["a", "b", "c", "d"])
    assert groups == [DuplicateGroup("identisch", ("a", "b", "c"), "a", 1.0, (("a", "b", "c"),))]
    assert duplicate_key(texts[0]) == duplicate_key(texts[1]) == duplicate_key(texts[2])


def test_template_with_small_edits_is_one_group() -> None:
    texts = [
        TEMPLATE,
        OTHER[0],
        TEMPLATE.replace("einzige größere", "einzig große"),                       # a changed word
        TEMPLATE.replace("Park retten!", "Park retten! Wir wohnen seit 20 Jahren hier."),  # added sentence
        OTHER[1],
    ]
    groups = find_duplicate_groups(texts, ["t", "o1", "e1", "e2", "o2"])
    assert len(groups) == 1
    (g,) = groups
    assert g.kind == "nahezu identisch"
    assert g.members == ("t", "e1", "e2")
    assert g.template_id == "t"
    assert 0.85 < g.similarity < 1.0
    assert g.identical == ()


def test_signatures_greetings_and_titles_form_a_campaign() -> None:
    variants = [
        "Park retten! " + TEMPLATE,
        "Keine Bebauung des Parks. " + TEMPLATE + "\n\nFamilie K. aus Paunsdorf",
        "Sehr geehrte Damen und Herren,\n" + TEMPLATE + "\nMit freundlichen Grüßen\nFamilie K. aus Paunsdorf",
        TEMPLATE + " M. Schubert",
        "Hände weg vom Park. " + TEMPLATE.replace("Ich spreche mich", "Auch ich spreche mich"),
        TEMPLATE + " 🌳",
    ]
    texts = OTHER[:2] + variants + OTHER[2:]
    ids = [f"c{i}" for i in range(len(texts))]
    groups = find_duplicate_groups(texts, ids)
    assert [g.kind for g in groups] == ["Kampagne"]
    assert groups[0].members == tuple(ids[2:8])
    assert find_duplicate_groups(texts, ids, campaign_min=7)[0].kind == "nahezu identisch"


def test_short_texts_are_never_linked_unless_identical() -> None:
    shorts = ["Mehr Bäume!", "Mehr Bänke!", "Mehr Bäume im Park!", "👍", "👎", "test", "Tests", "-", "Danke"]
    assert find_duplicate_groups(shorts) == []
    # Identical short texts: one "identisch" group, however many, never a campaign.
    texts = ["Mehr Bäume!"] * 12 + ["mehr bäume"] + ["👍"] * 3 + ["Mehr Bäume im Park!"]
    groups = find_duplicate_groups(texts)
    assert [(g.kind, len(g)) for g in groups] == [("identisch", 13), ("identisch", 3)]
    # A short text inside a long campaign text is not linked to it.
    groups = find_duplicate_groups(["Park retten!"] + [TEMPLATE + f" Nr. {i}" for i in range(6)])
    assert [(g.kind, len(g)) for g in groups] == [("Kampagne", 6)]
    assert "0" not in groups[0].members


def test_different_texts_on_the_same_topic_are_not_grouped() -> None:
    texts = [
        "Der Radweg an der Karl-Liebknecht-Straße ist zu schmal, bitte verbreitern und farbig markieren.",
        "Der Radweg an der Karl-Heine-Straße endet plötzlich an der Kreuzung, das ist gefährlich.",
        "Auf der Karl-Liebknecht-Straße parken Lieferwagen ständig auf dem Radweg, bitte kontrollieren.",
    ] + OTHER
    assert find_duplicate_groups(texts) == []


def test_ten_thousand_copies_are_one_campaign() -> None:
    texts = [OTHER[0]] * 10_000 + [OTHER[1]]
    finder = DuplicateFinder().fit(texts)
    assert [(g.kind, len(g), g.template_id) for g in finder.groups_] == [("Kampagne", 10_000, "0")]
    assert finder.stats_["n_distinct"] == 2


def test_thousands_of_near_copies_scale() -> None:
    rng = random.Random(7)
    words = TEMPLATE.split()
    texts = []
    for i in range(3000):
        w = list(words)
        w[rng.randrange(len(w))] = rng.choice(["sehr", "wirklich", "auch", "bitte"])
        texts.append(" ".join(w) + f" Unterschrift {i}")
    finder = DuplicateFinder().fit(texts + OTHER)
    assert [(g.kind, len(g)) for g in finder.groups_] == [("Kampagne", 3000)]
    # Star-and-chain buckets: comparisons grow with n, not n².
    assert finder.stats_["n_verified_pairs"] < 3 * 3000


def test_empty_texts_are_ignored_and_reported() -> None:
    texts = ["", "   ", None, OTHER[0], OTHER[0], "\n", TEMPLATE]
    finder = DuplicateFinder().fit(texts, list("abcdefg"))
    assert finder.groups_ == [DuplicateGroup("identisch", ("d", "e"), "d", 1.0, (("d", "e"),))]
    assert finder.empty_ids_ == ("a", "b", "c", "f")
    counts = campaign_counts(finder.groups_, len(texts), n_empty=len(finder.empty_ids_))
    assert counts["n_empty"] == 4
    assert counts["n_distinct_voices"] == 6
    assert find_duplicate_groups([]) == []
    assert find_duplicate_groups(["", ""]) == []
    assert find_duplicate_groups([OTHER[0]]) == []


def test_very_long_text_and_other_languages() -> None:
    long_text = " ".join(OTHER * 200)[:50_000]
    texts = [long_text, long_text + " P.S. Danke.", "This is an English comment about bike lanes in the city.",
             "Bu şehirde bisiklet yolları çok dar ve tehlikeli, lütfen genişletin."]
    groups = find_duplicate_groups(texts)
    assert [(g.kind, g.members) for g in groups] == [("nahezu identisch", ("0", "1"))]


def test_deterministic_and_order_independent() -> None:
    texts = OTHER + [TEMPLATE + f" Gruß {n}" for n in ("A", "B", "C")] + [OTHER[2].upper()]
    ids = [f"x{i}" for i in range(len(texts))]
    first = find_duplicate_groups(texts, ids)
    assert first == find_duplicate_groups(texts, ids)
    order = list(range(len(texts)))
    random.Random(3).shuffle(order)
    shuffled = find_duplicate_groups([texts[i] for i in order], [ids[i] for i in order])
    assert sorted(sorted(g.members) for g in shuffled) == sorted(sorted(g.members) for g in first)


def test_bad_ids_raise_input_error() -> None:
    with pytest.raises(InputError):
        find_duplicate_groups(["a", "b"], ["1"])
    with pytest.raises(InputError):
        find_duplicate_groups(["a", "b"], ["1", "1"])
    with pytest.raises(InputError):
        DuplicateFinder(num_perm=100, bands=32).fit(["a"])


def test_campaign_counts() -> None:
    groups = [
        DuplicateGroup("Kampagne", tuple("abcdef"), "a", 0.95),
        DuplicateGroup("identisch", ("g", "h"), "g", 1.0, (("g", "h"),)),
        DuplicateGroup("nahezu identisch", ("i", "j"), "i", 0.9),
    ]
    counts = campaign_counts(groups, 100)
    assert counts == {
        "n_total": 100, "n_empty": 0,
        "n_campaign_groups": 1, "n_campaign_submissions": 6,
        "n_identical_groups": 1, "n_identical_submissions": 2,
        "n_near_duplicate_groups": 1, "n_near_duplicate_submissions": 2,
        "n_distinct_voices": 100 - 5 - 1,
        "n_distinct_texts": 100 - 5 - 1 - 1,
    }


# -- the demo corpus ----------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_rows() -> list[dict]:
    if not DEMO.exists():
        pytest.skip("demo corpus source missing")
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]


def _demo_texts(rows: list[dict]) -> list[str]:
    return [Comment("demo", i, r["beitrag"], title=r["titel"]).full_text for i, r in enumerate(rows)]


def test_demo_campaign_found_complete(demo_rows: list[dict]) -> None:
    campaign = {r["id"] for r in demo_rows if "campaign:rietzschke" in r["plant"]}
    assert len(campaign) == 30
    finder = DuplicateFinder().fit(_demo_texts(demo_rows), [r["id"] for r in demo_rows])
    campaigns = [g for g in finder.groups_ if g.kind == "Kampagne"]
    assert len(campaigns) == 1
    (g,) = campaigns
    assert set(g.members) == campaign                     # complete, nothing extra
    assert g.template_id in campaign and g.similarity > 0.9
    # "Rietzschke-Aue bleibt grün." (short, same topic) stays outside.
    short_rietzschke = [r["id"] for r in demo_rows if r["titel"] == "Rietzschke-Aue bleibt!"]
    assert short_rietzschke and short_rietzschke[0] in finder.short_ids_
    assert not set(short_rietzschke) & set(g.members)


def test_demo_word_for_word_pairs(demo_rows: list[dict]) -> None:
    # B-0175/B-0251 and B-0195/B-0245 share the comment text word for word (titles differ).
    ids = [r["id"] for r in demo_rows]
    groups = find_duplicate_groups([r["beitrag"] for r in demo_rows], ids)
    (campaign,) = [g for g in groups if g.kind == "Kampagne"]
    subsets = [set(s) for s in campaign.identical]
    assert any({"B-0175", "B-0251"} <= s for s in subsets)
    assert any({"B-0195", "B-0245"} <= s for s in subsets)
    # With titles they are near-identical and still inside the one campaign.
    groups = find_duplicate_groups(_demo_texts(demo_rows), ids)
    member = by_member(groups)
    assert member["B-0175"] is member["B-0251"] is member["B-0195"] is member["B-0245"]
    assert member["B-0175"].kind == "Kampagne"


def test_demo_duplicate_pairs_and_no_false_groups(demo_rows: list[dict]) -> None:
    dup_pairs = [(r["id"], p[4:]) for r in demo_rows for p in r["plant"].split(",") if p.startswith("dup:")]
    assert len(dup_pairs) == 10
    groups = find_duplicate_groups(_demo_texts(demo_rows), [r["id"] for r in demo_rows])
    member = by_member(groups)
    found = [(a, b) for a, b in dup_pairs if a in member and member[a] is member.get(b)]
    assert len(found) == 10, f"found {len(found)}/10 dup pairs"
    # Every group is the campaign or exactly one planted pair: no false groups.
    planted = {frozenset(p) for p in dup_pairs}
    for g in groups:
        assert g.kind == "Kampagne" or frozenset(g.members) in planted, g
    # B-0345/B-0346 differ only in umlaut spelling ("fuer"/"für"): identical after normalisation.
    assert member["B-0346"].kind == "identisch"
    counts = campaign_counts(groups, len(demo_rows))
    assert counts["n_distinct_voices"] == 401 - 29 - 1
