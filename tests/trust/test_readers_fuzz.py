"""Property-based bad-input tests for every reader.

Each reader gets random and damaged input and must either read it or raise an
``InsekError`` with a German message: never another exception type, never a
hang. Where the input is well-formed by construction, the tests also check
that what was written is what is read.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from insek_nlp.classify.taxonomy import load_taxonomy
from insek_nlp.conflicts.knowledge import load_knowledge
from insek_nlp.errors import InsekError, KnowledgeBaseError, TaxonomyError
from insek_nlp.ingest.notes import read_docx, read_markdown, read_plain_text
from insek_nlp.ingest.pdf import read_pdf
from insek_nlp.ingest.tables import read_table
from tests.conftest import REPO, build_pdf
from tests.trust.conftest import fuzz, read_or_refuse

FUZZ = fuzz(60)
FEW = fuzz(30)

TAXONOMY = REPO / "models" / "taxonomies" / "insek-querschnittsthemen.yaml"
KNOWLEDGE = REPO / "models" / "conflicts" / "zielkonflikte.yaml"

# Text as citizens type it: German letters, punctuation, the characters that
# break naive CSV/Markdown handling, emoji and the odd control character.
CITIZEN_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters="äöüÄÖÜß„“‚‘–—…€\"';,\t|#*_[]()<>=+-@`\n\r\u00a0\u200b",
)
citizen_text = st.text(CITIZEN_ALPHABET, min_size=0, max_size=120)


def _norm(text: str) -> str:
    """Readers NFC-normalise and strip; compare texts modulo whitespace."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _mutate(data: bytes, draw) -> bytes:
    """Truncate, flip, insert or delete bytes somewhere in ``data``."""
    op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "zero"]))
    n = len(data)
    pos = draw(st.integers(0, max(n - 1, 0)))
    if op == "truncate":
        return data[:pos]
    if op == "flip":
        k = draw(st.integers(1, 64))
        noise = draw(st.binary(min_size=k, max_size=k))
        return data[:pos] + noise + data[pos + k:]
    if op == "insert":
        return data[:pos] + draw(st.binary(min_size=1, max_size=256)) + data[pos:]
    if op == "delete":
        return data[:pos] + data[pos + draw(st.integers(1, 4096)):]
    return data[:pos] + b"\x00" * draw(st.integers(1, 2048)) + data[pos + 2048:]


@st.composite
def mutated(draw, base: bytes) -> bytes:
    data = base
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    return data


# --------------------------------------------------------------------------- PDF


@lru_cache(maxsize=1)
def _pdf_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return build_pdf(Path(tmp) / "entwurf.pdf").read_bytes()


@FUZZ
@given(data=st.binary(max_size=4096), header=st.booleans())
def test_pdf_random_bytes(tmp_path: Path, data: bytes, header: bool) -> None:
    path = _write(tmp_path, "entwurf.pdf", (b"%PDF-1.7\n" if header else b"") + data)
    result = read_or_refuse(lambda: read_pdf(path))
    assert isinstance(result, InsekError), "random bytes cannot be a readable draft"


@FUZZ
@given(st.data())
def test_pdf_damaged(tmp_path: Path, data) -> None:
    damaged = data.draw(mutated(_pdf_bytes()))
    path = _write(tmp_path, "entwurf.pdf", damaged)
    for backend in ("pdfium", "pypdf"):
        result = read_or_refuse(lambda: read_pdf(path, backend=backend))
        if not isinstance(result, InsekError):
            assert result.pages and result.blocks, "a PDF read without error must give text"


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_pdf_truncated_real_file(tmp_path: Path, cut: float) -> None:
    good = _pdf_bytes()
    path = _write(tmp_path, "entwurf.pdf", good[: int(len(good) * cut)])
    for backend in ("pdfium", "pypdf"):
        result = read_or_refuse(lambda: read_pdf(path, backend=backend))
        if not isinstance(result, InsekError):  # PDF readers may recover the pages before the cut
            assert result.blocks


# --------------------------------------------------------------------------- CSV

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


@FUZZ
@given(
    rows=st.lists(st.tuples(citizen_text, citizen_text), min_size=1, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(["\r\n", "\n"]),
    sep_line=st.booleans(),
)
def test_csv_well_formed_round_trip(tmp_path: Path, rows, delimiter, quoting, encoding, newline, sep_line) -> None:
    """A table written by a real CSV writer: every non-empty comment comes back verbatim (cleaned)."""
    if encoding in ("cp1252", "latin-1"):  # what these encodings cannot hold, Excel writes as '?'
        rows = [tuple(v.encode(encoding, "replace").decode(encoding) for v in r) for r in rows]
    if newline == "\n":  # csv.writer then leaves a bare CR unquoted: a line break to every reader, Excel too
        rows = [tuple(v.replace("\r", "\n") for v in r) for r in rows]
    buf = io.StringIO()
    if sep_line:
        buf.write(f"sep={delimiter}{newline}")
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(["Nr", "Titel", "Beitrag"])
    for i, (title, text) in enumerate(rows, start=1):
        writer.writerow([i, title, text])
    data = buf.getvalue().encode(encoding)
    if encoding in ("cp1252", "latin-1") and not data.isascii():
        # Bytes that are valid UTF-8 as well (e.g. "à" + two no-break spaces) are read as UTF-8, as every
        # reader of unlabelled text does: genuinely ambiguous, and too rare in real German text to guess.
        try:
            assume(data.decode("utf-8") == buf.getvalue())
        except UnicodeDecodeError:
            pass
    path = _write(tmp_path, "beitraege.csv", data)
    result = read_or_refuse(lambda: read_table(path))
    expected = [(_norm(title), _norm(text)) for title, text in rows if _norm(title) or _norm(text)]
    if isinstance(result, InsekError):
        # only a table without a single comment may be refused
        assert not expected, f"{result.code}: {result}"
        return
    assert result.columns.get("text") == "Beitrag" and result.columns.get("title") == "Titel"
    assert [(_norm(c.title), _norm(c.text)) for c in result.comments] == expected


@FUZZ
@given(
    lines=st.lists(st.lists(citizen_text, min_size=0, max_size=6), min_size=0, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t", "|", " "]),
    encoding=st.sampled_from(ENCODINGS + ["utf-16-le", "utf-32", "ascii"]),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
    formula=st.booleans(),
)
def test_csv_messy(tmp_path: Path, lines, delimiter, encoding, bom, formula) -> None:
    """Hand-made, unquoted, ragged tables in any encoding, stray BOMs, formula cells."""
    if formula:
        lines = [[f"=HYPERLINK(\"http://x\";\"{c}\")" if j == 0 else f"+{c}" for j, c in enumerate(line)]
                 for line in lines] + [["@SUM(A1:A9)", "-1+2", "=cmd|' /C calc'!A0"]]
    text = "\n".join(delimiter.join(line) for line in lines)
    path = _write(tmp_path, "beitraege.csv", bom + text.encode(encoding, "replace"))
    result = read_or_refuse(lambda: read_table(path))
    if not isinstance(result, InsekError):
        assert all(c.text or c.title for c in result.comments)
        # formulas are kept as text when reading; exports neutralise them
        assert all(isinstance(c.text, str) and "\x00" not in c.text for c in result.comments)


@FUZZ
@given(data=st.binary(max_size=2048), ext=st.sampled_from([".csv", ".tsv", ".jsonl"]))
def test_table_random_bytes(tmp_path: Path, data: bytes, ext: str) -> None:
    path = _write(tmp_path, "beitraege" + ext, data)
    read_or_refuse(lambda: read_table(path))


# --------------------------------------------------------------------------- XLSX

xlsx_cell = st.one_of(
    st.none(), citizen_text, st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.dates(), st.datetimes(),
    st.sampled_from(["=1+1", "=SUMME(A1:A3)", "=HYPERLINK(\"http://x\")", "+49 341 123", "-Mehr Bäume", "@Stadt"]),
)


def _xlsx(rows, *, merged_header: bool, sheet: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if merged_header:
        ws.append(["Beteiligung Leipzig", None, None, None])
        ws.merge_cells("A1:B1")
        ws.merge_cells("C1:D1")
    ws.append(["Nr", "Datum", "Titel", "Beitrag"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_SHEET = st.text(st.characters(codec="utf-8", categories=("L", "N"), include_characters=" -_"), min_size=1,
                 max_size=20).filter(lambda s: s.strip() and s == s.strip())


@FEW
@given(rows=st.lists(st.tuples(xlsx_cell, xlsx_cell, xlsx_cell, xlsx_cell), max_size=10),
       merged=st.booleans(), sheet=_SHEET)
def test_xlsx_generated(tmp_path: Path, rows, merged: bool, sheet: str) -> None:
    try:
        data = _xlsx(rows, merged_header=merged, sheet=sheet)
    except (ValueError, TypeError):  # openpyxl refuses some values (control characters) itself
        assume(False)
    path = _write(tmp_path, "beitraege.xlsx", data)
    result = read_or_refuse(lambda: read_table(path))
    if not isinstance(result, InsekError):
        assert all(c.text or c.title for c in result.comments)


@lru_cache(maxsize=1)
def _good_xlsx() -> bytes:
    return _xlsx([(i, "03.02.2025", f"Titel {i}", f"Mehr Bäume in der Straße Nummer {i}, bitte!")
                  for i in range(1, 30)], merged_header=True, sheet="Beiträge")


@FUZZ
@given(st.data())
def test_xlsx_damaged(tmp_path: Path, data) -> None:
    path = _write(tmp_path, "beitraege.xlsx", data.draw(mutated(_good_xlsx())))
    read_or_refuse(lambda: read_table(path))


def _rezip(base: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


@FEW
@given(part=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml",
                             "[Content_Types].xml", "xl/styles.xml"]),
       xml=st.one_of(st.binary(max_size=512), st.text(max_size=300).map(str.encode)))
def test_xlsx_garbage_parts(tmp_path: Path, part: str, xml: bytes) -> None:
    """A valid ZIP whose XML parts are garbage (hand-edited or broken exporters)."""
    path = _write(tmp_path, "beitraege.xlsx", _rezip(_good_xlsx(), {part: xml}))
    read_or_refuse(lambda: read_table(path))


_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b"]>")


def test_xlsx_entity_bomb(tmp_path: Path) -> None:
    """Billion laughs in a worksheet: refused or read, quickly, without expanding the entities."""
    sheet = _LAUGHS + (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                       b'<row r="1"><c r="A1" t="inlineStr"><is><t>Beitrag</t></is></c></row>'
                       b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                       b"</sheetData></worksheet>")
    path = _write(tmp_path, "beitraege.xlsx", _rezip(_good_xlsx(), {"xl/worksheets/sheet1.xml": sheet}))
    result = read_or_refuse(lambda: read_table(path), seconds=10)
    if not isinstance(result, InsekError):
        assert all(len(c.text) < 10_000 for c in result.comments)


# --------------------------------------------------------------------------- DOCX


def _docx(blocks) -> bytes:
    import docx

    doc = docx.Document()
    for kind, text in blocks:
        if kind == "heading":
            doc.add_heading(text, level=1)
        elif kind == "list":
            doc.add_paragraph(text, style="List Bullet")
        elif kind == "table":
            table = doc.add_table(rows=2, cols=2)
            table.cell(0, 0).text, table.cell(0, 1).text = "Thema", "Ergebnis"
            table.cell(1, 0).text, table.cell(1, 1).text = text[:10], text
        else:
            doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_XML_SAFE = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"),
                                  include_characters="äöüß„“–"), max_size=80)


@FEW
@given(blocks=st.lists(st.tuples(st.sampled_from(["heading", "para", "list", "table"]), _XML_SAFE), max_size=8))
def test_docx_generated(tmp_path: Path, blocks) -> None:
    path = _write(tmp_path, "werkstatt.docx", _docx(blocks))
    result = read_or_refuse(lambda: read_docx(path))
    written = [_norm(t) for _, t in blocks if _norm(t)]
    if isinstance(result, InsekError):
        assert not written, f"{result.code}: {result}"
    else:
        text = " ".join(_norm(b.text) for b in result.blocks)
        for t in written:  # every written text is read (table rows as "Ergebnis: …")
            assert t in text


@lru_cache(maxsize=1)
def _good_docx() -> bytes:
    return _docx([("heading", "1 Werkstatt Grünau"), ("para", "Rund 40 Bürgerinnen und Bürger diskutierten."),
                  ("list", "Mehr Bänke im Park"), ("table", "Schatten auf Spielplätzen")])


@FUZZ
@given(st.data())
def test_docx_damaged(tmp_path: Path, data) -> None:
    path = _write(tmp_path, "werkstatt.docx", data.draw(mutated(_good_docx())))
    read_or_refuse(lambda: read_docx(path))


@FEW
@given(xml=st.one_of(st.binary(max_size=512), st.text(max_size=300).map(str.encode)),
       part=st.sampled_from(["word/document.xml", "word/styles.xml", "[Content_Types].xml", "docProps/core.xml",
                             "word/_rels/document.xml.rels", "word/numbering.xml"]))
def test_docx_garbage_parts(tmp_path: Path, part: str, xml: bytes) -> None:
    path = _write(tmp_path, "werkstatt.docx", _rezip(_good_docx(), {part: xml}))
    read_or_refuse(lambda: read_docx(path))


def test_docx_entity_bomb(tmp_path: Path) -> None:
    body = _LAUGHS + (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                      b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    path = _write(tmp_path, "werkstatt.docx", _rezip(_good_docx(), {"word/document.xml": body}))
    result = read_or_refuse(lambda: read_docx(path), seconds=10)
    if not isinstance(result, InsekError):
        assert all(len(b.text) < 10_000 for b in result.blocks)


@FUZZ
@given(data=st.binary(max_size=4096), zip_magic=st.booleans())
def test_docx_random_bytes(tmp_path: Path, data: bytes, zip_magic: bool) -> None:
    path = _write(tmp_path, "werkstatt.docx", (b"PK\x03\x04" if zip_magic else b"") + data)
    result = read_or_refuse(lambda: read_docx(path))
    assert isinstance(result, InsekError)


# --------------------------------------------------------------------------- Markdown, plain text

MD_ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc"),
                            include_characters="#*_-+>`[]()!|~\n\t ---===")


@FUZZ
@given(text=st.text(MD_ALPHABET, max_size=600), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       front=st.booleans())
def test_markdown_any_text(tmp_path: Path, text: str, encoding: str, front: bool) -> None:
    if front:
        text = f"---\ntitle: {text[:20]}\n---\n{text}"
    path = _write(tmp_path, "werkstatt.md", text.encode(encoding, "replace"))
    result = read_or_refuse(lambda: read_markdown(path))
    if not isinstance(result, InsekError):
        assert result.blocks and all(b.text.strip() for b in result.blocks)


@pytest.mark.parametrize("text", [
    ">" * 50_000 + " tief verschachtelt\n",
    "".join("  " * i + "- Punkt\n" for i in range(1500)),
    "[" * 50_000 + "\n",
    "*a " * 30_000 + "\n",
    "|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n",
    "<details>" * 10_000 + "Text",
], ids=["quotes", "lists", "brackets", "emphasis", "wide-table", "html"])
def test_markdown_pathological(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "werkstatt.md", text.encode())
    read_or_refuse(lambda: read_markdown(path), seconds=30)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_plain_text_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, "notiz.txt", data)
    result = read_or_refuse(lambda: read_plain_text(path))
    if not isinstance(result, InsekError):
        assert all("\x00" not in b.text for b in result.blocks)


# --------------------------------------------------------------------------- JSONL

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | citizen_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(citizen_text, inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(objects=st.lists(st.one_of(st.dictionaries(st.sampled_from(["text", "titel", "ort", "datum", "id", "x"]),
                                                  json_value, max_size=5), json_value), max_size=10),
       garbage=st.lists(st.binary(max_size=40), max_size=3))
def test_jsonl_any_values(tmp_path: Path, objects, garbage) -> None:
    lines = [json.dumps(o, ensure_ascii=False).encode() for o in objects] + garbage
    path = _write(tmp_path, "beitraege.jsonl", b"\n".join(lines))
    result = read_or_refuse(lambda: read_table(path))
    if not isinstance(result, InsekError):
        assert all(isinstance(c.text, str) and (c.text or c.title) for c in result.comments)


def test_jsonl_deep_nesting(tmp_path: Path) -> None:
    """Deeply nested JSON (RecursionError in the json module) is a bad line, not a crash."""
    deep = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path = _write(tmp_path, "beitraege.jsonl", deep + '\n{"text": "Mehr Bäume für Grünau, bitte."}\n'.encode())
    result = read_table(path)
    assert [c.text for c in result.comments] == ["Mehr Bäume für Grünau, bitte."]
    assert [p.code for p in result.problems if p.severity == "warning"] == ["bad_json"]
    path.write_bytes(deep + b"\n")
    with pytest.raises(InsekError, match="keine lesbare JSON-Zeile"):
        read_table(path)


# --------------------------------------------------------------------------- taxonomy and knowledge-base YAML

yaml_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | citizen_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "name", "language", "themes", "label", "description", "terms", "examples", "parent",
                         "tradeoffs", "objects", "a", "b", "x"]), inner, max_size=5),
    max_leaves=20,
)


def _lines_mutated(text: str, draw) -> str:
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "indent", "dedent", "garble", "swap"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "garble":
            lines[i] = draw(st.text(max_size=30))
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@pytest.mark.parametrize("loader, error, base", [
    (load_taxonomy, TaxonomyError, TAXONOMY), (load_knowledge, KnowledgeBaseError, KNOWLEDGE),
], ids=["taxonomy", "knowledge"])
class TestYamlFiles:
    @FUZZ
    @given(value=yaml_value)
    def test_any_yaml_structure(self, tmp_path: Path, loader, error, base, value) -> None:
        path = _write(tmp_path, "datei.yaml", yaml.safe_dump(value, allow_unicode=True).encode())
        result = read_or_refuse(lambda: loader(path))
        if isinstance(result, InsekError):
            assert isinstance(result, error)

    @FUZZ
    @given(st.data())
    def test_edited_real_file(self, tmp_path: Path, loader, error, base, data) -> None:
        text = _lines_mutated(base.read_text(encoding="utf-8"), data.draw)
        path = _write(tmp_path, "datei.yaml", text.encode())
        result = read_or_refuse(lambda: loader(path))
        if isinstance(result, InsekError):
            assert isinstance(result, error)

    @FUZZ
    @given(data=st.binary(max_size=1024))
    def test_random_bytes(self, tmp_path: Path, loader, error, base, data: bytes) -> None:
        path = _write(tmp_path, "datei.yaml", data)
        result = read_or_refuse(lambda: loader(path))
        assert isinstance(result, error)

    @pytest.mark.parametrize("text", [
        "[" * 5000 + "]" * 5000,
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 3000)),
        "!!python/object/apply:os.system ['echo unsicher']\n",
        "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d]\nthemes: *e\ntradeoffs: *e\n",
    ], ids=["deep-flow", "deep-block", "python-tag", "alias-bomb"])
    def test_hostile(self, tmp_path: Path, loader, error, base, text: str) -> None:
        path = _write(tmp_path, "datei.yaml", text.encode())
        result = read_or_refuse(lambda: loader(path), seconds=10)
        assert isinstance(result, error)
