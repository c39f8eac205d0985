"""From structural blocks to paragraph-level passages.

Passages are what every later stage classifies, clusters and compares: about
one paragraph each. Overlong paragraphs are split at sentence ends (about 120
words per passage); tiny paragraph fragments are merged into a neighbour of the
same section so that no passage is a lone "Stand: März 2026".
"""

from __future__ import annotations

from insek_nlp.ingest.base import Block
from insek_nlp.text import split_sentences
from insek_nlp.types import Passage

TARGET_WORDS = 120
FRAGMENT_WORDS = 6
_SEPARATOR = "\n\n"


def _split_long(block: Block, target_words: int) -> list[Block]:
    if len(block.text.split()) <= target_words * 1.5:
        return [block]
    chunks: list[str] = []
    current: list[str] = []
    words = 0
    for sentence in split_sentences(block.text):
        n = len(sentence.split())
        if current and words + n > target_words:
            chunks.append("".join(current).strip())
            current, words = [], 0
        current.append(sentence)
        words += n
    if current:
        tail = "".join(current).strip()
        # A short remainder joins the previous chunk rather than standing alone.
        if chunks and words < target_words / 3:
            chunks[-1] = chunks[-1] + " " + tail
        else:
            chunks.append(tail)
    return [Block(block.kind, c, block.section, block.page, block.level) for c in chunks if c]


def _merge_fragments(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    pending: Block | None = None  # a fragment waiting for the next paragraph
    for b in blocks:
        if pending is not None:
            if b.kind == "paragraph" and b.section == pending.section:
                b = Block(b.kind, pending.text + " " + b.text, b.section, pending.page, b.level)
            else:
                out.append(pending)
            pending = None
        is_fragment = b.kind == "paragraph" and len(b.text.split()) < FRAGMENT_WORDS
        if is_fragment:
            prev = out[-1] if out else None
            if prev is not None and prev.kind == "paragraph" and prev.section == b.section \
                    and not prev.text.rstrip().endswith((".", "!", "?")):
                out[-1] = Block(prev.kind, prev.text + " " + b.text, prev.section, prev.page, prev.level)
                continue
            pending = b
            continue
        out.append(b)
    if pending is not None:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "paragraph" and prev.section == pending.section:
            out[-1] = Block(prev.kind, prev.text + " " + pending.text, prev.section, prev.page, prev.level)
        else:
            out.append(pending)
    return out


def blocks_to_passages(doc_id: str, blocks: list[Block], *, target_words: int = TARGET_WORDS) -> tuple[list[Passage], str]:
    """Turn blocks into passages; return them and the document's full text.

    ``start``/``end`` of each passage index into the returned full text, in
    which passages are separated by blank lines.
    """
    units: list[Block] = []
    for b in _merge_fragments([b for b in blocks if b.text.strip()]):
        units.extend(_split_long(b, target_words) if b.kind in ("paragraph", "list_item") else [b])
    passages: list[Passage] = []
    parts: list[str] = []
    offset = 0
    for i, b in enumerate(units):
        text = b.text.strip()
        start = offset
        end = start + len(text)
        passages.append(Passage(doc_id, i, text, b.kind, b.section, b.page, start, end))
        parts.append(text)
        offset = end + len(_SEPARATOR)
    return passages, _SEPARATOR.join(parts)
