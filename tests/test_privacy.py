"""Masking personal data in citizen comments (insek_nlp.privacy)."""

from __future__ import annotations

import pytest

from insek_nlp.privacy import MASKS, find_personal_data, mask_comment, mask_personal_data, mask_text, mask_value
from insek_nlp.types import Comment

# (text, expected masked text)
POSITIVES = [
    ("Kontakt: vorstand@stadtteilleben-mockau.example.org", "Kontakt: [E-Mail]"),
    ("meine Mail ist: renate.kuehn58@beispiel-mail.de Die Kante", "meine Mail ist: [E-Mail] Die Kante"),
    ("Schreiben Sie an max.muster (at) example.org bitte", "Schreiben Sie an [E-Mail] bitte"),
    ("E-Mail: A.B-C_d+x@Stadt-Leipzig.DE.", "E-Mail: [E-Mail]."),
    ("rufen Sie mich gern an: 0341/555 91 40. Danke", "rufen Sie mich gern an: [Telefon]. Danke"),
    ("Frau Sommer, Tel. (0341) 555-2718.", "Frau [Name], Tel. [Telefon]."),
    ("Sie erreichen mich unter 0341 5558723 (vormittags).", "Sie erreichen mich unter [Telefon] (vormittags)."),
    ("Handy 0176 12345678 bitte", "Handy [Telefon] bitte"),
    ("mobil: 0151-234 567 89", "mobil: [Telefon]"),
    ("Ruf an: +49 341 1234567", "Ruf an: [Telefon]"),
    ("oder +49 (0)341 123 45 67 abends", "oder [Telefon] abends"),
    ("Tel.: 0341-1234567", "Tel.: [Telefon]"),
    ("Telefon 5558723", "Telefon [Telefon]"),
    ("Spenden an DE89 3704 0044 0532 0130 00 bitte", "Spenden an [IBAN] bitte"),
    ("IBAN: DE89370400440532013000.", "IBAN: [IBAN]."),
    ("Ich wohne in der Musterstraße 12, 04109 Leipzig und", "Ich wohne in der [Adresse] und"),
    ("Ich wohne Georg-Schwarz-Str. 14a.", "Ich wohne [Adresse]."),
    ("Anschrift: Straße des 18. Oktober 25, Leipzig", "Anschrift: [Adresse], Leipzig"),
    ("Postanschrift: 04103 Leipzig", "Postanschrift: [Adresse]"),
    ("Musterweg 3-5, 04109 Leipzig", "[Adresse]"),
    ("Ich heiße Max Mustermann und wohne in Gohlis.", "Ich heiße [Name] und wohne in Gohlis."),
    ("Mein Name ist Dr. Erika Musterfrau.", "Mein Name ist Dr. [Name]."),
    ("mein name ist Anna-Lena von Bergen, ich", "mein name ist [Name], ich"),
    ("Mit freundlichen Grüßen, Anna Schmidt", "Mit freundlichen Grüßen, [Name]"),
    ("Mit freundlichen Grüßen\nI. Hartmann, Grünau-Mitte", "Mit freundlichen Grüßen\n[Name], Grünau-Mitte"),
    ("Mit freundlichen Grüßen\nFamilie K. aus Paunsdorf", "Mit freundlichen Grüßen\nFamilie [Name] aus Paunsdorf"),
    ("Viele Grüße\nJonas Weber", "Viele Grüße\n[Name]"),
    ("Beste Grüße Marc Puchert, Tel. 0228 1234567", "Beste Grüße [Name], Tel. [Telefon]"),
    ("bitte an Herrn Müller weiterleiten", "bitte an Herrn [Name] weiterleiten"),
    ("Ich bin Anna Schmidt und wohne in Gohlis.", "Ich bin [Name] und wohne in Gohlis."),
    ("IBAN de89 3704 0044 0532 0130 00", "IBAN [IBAN]"),
]

# Ordinary planning text: nothing may be masked.
NEGATIVES = [
    "Tempo 30 in der Karl-Liebknecht-Straße, Straßenbahnlinie 11 ab 2026",
    "§ 34 BauGB, Seite 3, Bebauungsplan Nr. 123, am 12.03.2026 um 18:00 Uhr",
    "Auf der Brachfläche an der Torgauer Straße 450 Wohnungen bauen.",
    "In der Georg-Schwarz-Straße entfallen 140 Kfz-Stellplätze.",
    "Georg-Schwarz-Straße 140 Kfz-Stellplätze entfallen",
    "Die Linie 4 fährt über den Augustusplatz 10 Minuten zu spät.",
    "Über 12000 Menschen wohnen in Grünau, 3.500 netto, 1.300 Miete",
    "Drucksache VII-DS-01234, Beschluss vom 01.02.2026",
    "In der Eisenbahnstraße 120 Straßenbäume pflanzen.",
    "Ich bin Architekt und ich bin 74 Jahre alt.",
    "Ecke Ludwigstraße und am Lindenauer Markt 3 mal im Monat",
    "Grünau-Mitte 2030, Leipzig 2030, INSEK 2030",
    "Solidarische Grüße aus Lindenau",
    "Viele Grüße\nAnwohner der Eisenbahnstraße",
    "Meine Frau ist Altenpflegerin, ich arbeite im Lager.",
    "Herr Oberbürgermeister, bitte handeln Sie!",
    "eine Frau Anfang 70 mit Rollator",
    "IBAN DE89 3704 0044 0532 0130 01 hat eine falsche Prüfziffer",
    "Straße des 18. Oktober, Römerstraße 248-367, Barnerstraße 30er Zone",
    "Der Höhenunterschied zum Weg beträgt 10 - 15 cm.",
    "Die S1 soll im 15-Minuten-Takt fahren, die Linie 8 alle 10 Minuten.",
    "Zwischen 2020 und 2030 sollen 20.000 Wohnungen entstehen (Tabelle 4, Kapitel 3.2.1).",
    "Die Fläche umfasst 110 ha; Kosten 4,5 Mio. Euro; 40 ha in Seehausen.",
    "Haltestelle Permoserstraße, Karl-Heine-Kanal, Clara-Zetkin-Park, Connewitzer Kreuz",
    "Maßnahme K1: Rietzschke-Aue, Torgauer Straße; Zeitraum 2027–2030",
    "Der Stadtrat hat am 15.3.2024 mit 40 zu 20 Stimmen beschlossen.",
    "Am Mittwoch, 10.03.2026, 17:30–20:00 Uhr im Stadtteilzentrum",
    "Telefonisch war das Ordnungsamt nicht erreichbar.",
    "Schon 1990 bin ich nach Gohlis gezogen; 5. Stock ohne Fahrstuhl.",
    "PLZ-Bereich 04 umfasst Leipzig; 12345 Unterschriften wurden gesammelt.",
    "Ich bin Grünauer Urgestein. Ich bin Leipziger Bürgerin. Ich bin Connewitzerin aus Leidenschaft.",
    "Ich bin Mutter zweier Kinder und Lehrerin.",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES)
def test_positive(text: str, expected: str) -> None:
    assert mask_personal_data(text).text == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(text: str) -> None:
    result = mask_personal_data(text)
    assert result.spans == ()
    assert result.text == text


def test_enough_cases() -> None:
    assert len(POSITIVES) + len(NEGATIVES) >= 40


def test_spans_point_into_the_original() -> None:
    text = "Mail: a@b.de, Tel. 0341 5558723, Musterstraße 12, 04109 Leipzig"
    spans = find_personal_data(text)
    assert [s.kind for s in spans] == ["email", "phone", "address"]
    for s in spans:
        assert text[s.start:s.end] == s.text
    assert spans[2].text == "Musterstraße 12, 04109 Leipzig"
    assert mask_personal_data(text).masked


def test_street_without_number_keeps_place() -> None:
    text = "Die Musterstraße in Gohlis braucht Bäume."
    assert mask_personal_data(text).text == text


def test_mask_text_none_and_empty() -> None:
    assert mask_text(None) is None
    assert mask_text("") == ""


def test_mask_value_by_column() -> None:
    assert mask_value("E-Mail", "x@y.de") == MASKS["email"]
    assert mask_value("Telefon", "0341 1") == MASKS["phone"]
    assert mask_value("Name", "Anna Schmidt") == MASKS["name"]
    assert mask_value("Stadtteil", "Gohlis") == "Gohlis"
    assert mask_value("Hinweis", "Mail an a@b.de") == "Mail an [E-Mail]"
    assert mask_value("Anzahl", 3) == 3


def test_mask_comment_keeps_original_fields() -> None:
    c = Comment(doc_id="d@1", row=3, text="Ich heiße Max Mustermann.", title="Von a@b.de", author="maxm",
                url="https://example.org/1", metadata={"E-Mail": "m@x.de", "Quelle": "Online"})
    m = mask_comment(c)
    assert m.text == "Ich heiße [Name]."
    assert m.title == "Von [E-Mail]"
    assert m.author == "[Name]"
    assert m.url == "https://example.org/1"
    assert m.metadata == {"E-Mail": "[E-Mail]", "Quelle": "Online"}
    assert c.text == "Ich heiße Max Mustermann."  # the original is untouched
