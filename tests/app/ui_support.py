"""Helpers of the UI tests: the small project they run on, and browser steps."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / "app" / "screenshots"  # gitignored; written for review

EMAIL = "anna.schmidt@example.org"  # personal data: never shown in the UI or exports
XSS_TITLE = "<script>window.__xss = 'script'</script>Spielplatz"
XSS_TEXT = "Der Spielplatz am Rabet <img src=x onerror=\"window.__xss='img'\"> braucht Schatten für heiße Tage."
FORMULA_TEXT = "=HYPERLINK(\"http://example.invalid\";\"Klick\") Der Radweg ist gefährlich"

COMMENTS = [
    ("1", "03.02.2025", "Bäume", "Mehr Straßenbäume in der Eisenbahnstraße, bitte! Die Hitze im Sommer ist enorm.",
     "Volkmarsdorf"),
    ("2", "04.02.2025", "Radweg", "Der Radweg an der Karl-Liebknecht-Straße ist gefährlich und zu schmal. "
     f"Rückfragen gern an {EMAIL}.", "Südvorstadt"),
    ("3", "05.02.2025", XSS_TITLE, XSS_TEXT, "Neustadt-Neuschönefeld"),
    ("4", "06.02.2025", "Formel", FORMULA_TEXT, "Connewitz"),
    ("5", "10.02.2025", "Miete", "Die Mieten in Connewitz steigen zu schnell, wir brauchen mehr Sozialwohnungen.",
     "Connewitz"),
    ("6", "11.02.2025", "Wohnen", "Bezahlbarer Wohnraum fehlt in Grünau nicht, aber die Wohnungen sind alt.",
     "Grünau-Mitte"),
    ("7", "12.02.2025", "Straßenbahn", "Die Straßenbahn nach Grünau muss öfter fahren, auch abends.",
     "Grünau-Nord"),
    ("8", "13.02.2025", "Schatten", "Mehr Bäume und Schatten auf den Spielplätzen im Leipziger Osten.",
     "Volkmarsdorf"),
] + [  # a copy-paste campaign: six submissions of one template, counted as one voice
    (str(9 + i), f"{14 + i}.02.2025", "Kleingärten erhalten",
     "Wir fordern, dass die Kleingartenanlagen in Schönefeld erhalten bleiben und nicht bebaut werden. "
     "Sie sind grüne Lunge und Treffpunkt für Familien.", "Schönefeld-Abtnaundorf")
    for i in range(6)
]

DRAFT = (
    (("h1", "1 Ausgangslage"),
     ("p", "Leipzig wächst: Seit 2011 sind mehr als 100.000 Menschen zugezogen. Das Wachstum verlangt neue Wohnungen, "
           "Schulen und Grünflächen in allen Ortsteilen."),
     ("p", "Die Straßenbäume in Grünau und Schönefeld leiden unter Hitze und Trockenheit; Kaltluftschneisen müssen "
           "frei bleiben. Klimaanpassung und Hitzevorsorge sind Daueraufgaben.")),
    (("h1", "2 Ziele"),
     ("p", "Bis 2030 sollen 10.000 Wohnungen entstehen, davon ein Drittel mietpreisgebunden. Die Nachverdichtung "
           "schont Freiflächen und nutzt Baulücken."),
     ("p", "Öffentliche Plätze werden barrierefrei umgestaltet, damit ältere Menschen und Familien sie gleichermaßen "
           "nutzen können."),
     ("p", "In Grünau-Mitte sollen durch Aufstockung und Neubau auf den Frei- und Stellplatzflächen zwischen den "
           "Wohnblöcken etwa 600 neue Wohnungen entstehen.")),
)

# a second draft whose goal contradicts the first one's (a goal conflict at the same site)
DRAFT_FREIRAUM = (
    (("h1", "3 Freiraum und Stadtklima"),
     ("p", "Die Grün- und Freiflächen zwischen den Wohnblöcken in Grünau-Mitte sind als Erholungsraum und Kühlinsel "
           "dauerhaft zu sichern und von jeder Bebauung freizuhalten."),
     ("p", "Kaltluftentstehungsgebiete und Kaltluftleitbahnen bleiben unbebaut; die Neuversiegelung wird bis 2030 "
           "auf netto null gesenkt.")),
)

NOTE = """# 1 Werkstatt Grünau

Rund 40 Bürgerinnen und Bürger diskutierten über Grünflächen, Nachverdichtung und den Nahverkehr.

## 1.1 Ergebnisse

- Mehr Bänke und Schatten im Park am Schwarzen Berg
- Die Straßenbahnlinie 8 soll häufiger fahren
"""


def write_pdf(path: Path, pages=DRAFT, title: str = "Fachkonzept Grün und Wohnen") -> Path:
    from pdf_builder import build_pdf

    return build_pdf(path, pages, title=title)


def write_csv(path: Path, rows=COMMENTS) -> Path:
    """A comment export as German Excel writes it (semicolons, quoted fields, UTF-8 with BOM)."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow(["Nr", "Datum", "Titel", "Beitrag", "Ortsteil"])
        w.writerows(rows)
    return path


def build_project(folder: Path) -> Path:
    """Ingest the draft, the comments and the note into ``folder/projekt`` and analyse them (hashing embedder)."""
    from insek_nlp import Store, ingest
    from insek_nlp.pipeline import run_analysis

    src = folder / "quellen"
    files = [write_pdf(src / "entwurf-gruen.pdf"), write_csv(src / "beitraege.csv"),
             write_pdf(src / "entwurf-freiraum.pdf", DRAFT_FREIRAUM, title="Fachkonzept Freiraum und Umwelt")]
    note = src / "werkstatt.md"
    note.write_text(NOTE, encoding="utf-8")
    files.append(note)
    project = folder / "projekt"
    with Store.open(project) as store:
        results = ingest(files, store)
        assert all(r.outcome == "added" for r in results), [r.message for r in results]
        run_analysis(store, embedder="hashing")
    return project


def open_tab(page, name: str, ready: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_selector(ready, timeout=30_000)


def pick(page, elem_id: str, option: str | None = None, *, exact: bool = False) -> str:
    """Choose an option of a Gradio dropdown: the first one, the one named ``option`` (``exact``) or the first
    containing it; return the option's label."""
    page.locator(f"#{elem_id} input").click()
    options = page.locator(f"#{elem_id} li[role=option]")
    options.first.wait_for(timeout=10_000)
    if option is None:
        target = options.first
    elif exact:
        target = page.locator(f"#{elem_id} li[role=option][aria-label='{option}']")
    else:
        target = options.filter(has_text=option).first
    label = target.get_attribute("aria-label") or target.inner_text()
    target.click()
    return label


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
