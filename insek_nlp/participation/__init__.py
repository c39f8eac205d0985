"""Participation stage: concerns (clusters), labels, summaries, duplicates and campaigns."""

from __future__ import annotations

from insek_nlp.participation.cluster_eval import evaluate_cluster
from insek_nlp.participation.clustering import UNASSIGNED, UNASSIGNED_LABEL, ConcernClusterer, k_range
from insek_nlp.participation.duplicates import (
    DuplicateFinder,
    DuplicateGroup,
    DuplicateKind,
    campaign_counts,
    duplicate_key,
    find_duplicate_groups,
)

from insek_nlp.participation.edits import merge_concerns, move_comment, rename_concern, split_concern
from insek_nlp.participation.labels import ClusterLabel, cluster_labels, is_label_term, label_terms

__all__ = [
    "ClusterLabel",
    "ConcernClusterer",
    "UNASSIGNED",
    "UNASSIGNED_LABEL",
    "cluster_labels",
    "evaluate_cluster",
    "is_label_term",
    "k_range",
    "label_terms",
    "merge_concerns",
    "move_comment",
    "rename_concern",
    "split_concern",
    "DuplicateFinder",
    "DuplicateGroup",
    "DuplicateKind",
    "campaign_counts",
    "duplicate_key",
    "find_duplicate_groups",
]
