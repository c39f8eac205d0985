"""Participation stage: concerns (clusters), labels, summaries, duplicates and campaigns."""

from __future__ import annotations

from insek_nlp.participation.duplicates import (
    DuplicateFinder,
    DuplicateGroup,
    DuplicateKind,
    campaign_counts,
    duplicate_key,
    find_duplicate_groups,
)

__all__ = [
    "DuplicateFinder",
    "DuplicateGroup",
    "DuplicateKind",
    "campaign_counts",
    "duplicate_key",
    "find_duplicate_groups",
]
