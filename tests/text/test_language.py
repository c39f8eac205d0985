"""Language of comments: other languages only when the evidence is clear."""

from __future__ import annotations

import pytest

from insek_nlp.text import detect_language, detect_languages


@pytest.mark.parametrize("text, lang", [
    ("It is almost impossible to get an appointment at the Bürgerbüro or the foreigners' office.", "en"),
    ("Eisenbahnstraße'de on iki yıldır bir dükkanımız var. Yazın sokak çok sıcak oluyor, hiç ağaç yok.", "tr"),
    ("الشارع في حي الشرق حار جدا في الصيف ولا توجد أشجار كافية", "ar"),
    ("Велосипедная дорожка слишком узкая, и на ней постоянно паркуются машины.", "ru"),
    ("Der Radweg an der Karl-Liebknecht-Straße ist gefährlich und ständig zugeparkt.", "de"),
    ("Die Mieten in Connewitz steigen so stark, dass Familien wegziehen müssen.", "de"),
])
def test_languages(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "test", "👍", "Mehr Bäume!", "Radweg Godesberger Allee", "Ampel Adenauerallee",
                                  "Bürger*innen-Beteiligung"])
def test_short_or_unclear_texts_count_as_german(text: str) -> None:
    assert detect_language(text) == "de"


def test_many_texts_in_order() -> None:
    texts = ["The bus to Grünau runs far too rarely in the evening, please add more buses."] * 3 + [
        "Der Bus nach Grünau fährt abends viel zu selten, bitte öfter fahren lassen."]
    assert detect_languages(texts) == ["en", "en", "en", "de"]
