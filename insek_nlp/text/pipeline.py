"""spaCy pipeline factory.

No trained German pipeline is installable offline here, so we build on
``spacy.blank("de")`` (German tokenizer and its abbreviation exceptions) with
the rule-based sentencizer. spaCy is imported on first use only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

# German abbreviations that end in a period but do not end a sentence, beyond
# spaCy's own tokenizer exceptions; common in planning documents.
_ABBREVIATIONS = ("ca.", "bzw.", "ggf.", "inkl.", "insb.", "vgl.", "sog.", "Nr.", "Abb.", "Tab.", "Kap.", "Str.",
                  "evtl.", "gem.", "lt.", "zzgl.", "u.a.", "z.B.", "d.h.", "o.ä.", "u.ä.", "max.", "min.", "Mio.",
                  "Mrd.", "Tsd.", "Jh.", "Anl.", "Abs.", "Art.", "ff.", "bspw.", "i.d.R.", "u.U.")


@lru_cache(maxsize=1)
def german_pipeline() -> "Language":
    """Return the shared German pipeline (tokenizer + sentencizer)."""
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank("de")
    for abbr in _ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[str]:
    """Split German text into sentences, keeping the original characters."""
    if not text.strip():
        return []
    doc = german_pipeline()(text)
    return [s.text_with_ws for s in doc.sents if s.text.strip()]
