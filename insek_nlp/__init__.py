"""insek-nlp: offline, German-first NLP for integrated urban development concepts.

Importing this package loads no model; heavy dependencies are imported where used.
"""

from __future__ import annotations

__version__ = "0.1.0"

from insek_nlp.errors import InsekError, IngestError, InputError, StoreError, TaxonomyError
from insek_nlp.ingest import IngestOptions, ingest, ingest_file
from insek_nlp.store import Store
from insek_nlp.types import Comment, Document, IngestResult, Passage, Problem, Review, Run

__all__ = [
    "Comment",
    "Document",
    "IngestError",
    "IngestOptions",
    "IngestResult",
    "InputError",
    "InsekError",
    "Passage",
    "Problem",
    "Review",
    "Run",
    "Store",
    "StoreError",
    "TaxonomyError",
    "__version__",
    "ingest",
    "ingest_file",
]
