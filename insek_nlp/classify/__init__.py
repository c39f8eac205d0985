"""Classification stage: theme taxonomies, theme classifiers, coverage audit."""

from __future__ import annotations

from insek_nlp.classify.taxonomy import (
    DEFAULT_TAXONOMY,
    Taxonomy,
    Theme,
    default_taxonomy,
    list_taxonomies,
    load_taxonomy,
)

__all__ = [
    "DEFAULT_TAXONOMY",
    "Taxonomy",
    "Theme",
    "default_taxonomy",
    "list_taxonomies",
    "load_taxonomy",
]
