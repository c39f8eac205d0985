"""Goal conflicts (Zielkonflikte) between drafts, with evidence for reviewers."""

from insek_nlp.conflicts.detect import DEFAULT_THRESHOLD, ConflictDetector, PairScore, Profile
from insek_nlp.conflicts.knowledge import ConflictKnowledge, default_knowledge, load_knowledge
from insek_nlp.conflicts.review import conflict_flags, review_conflict
from insek_nlp.conflicts.statements import Statement, find_statements, is_goal_sentence

__all__ = [
    "DEFAULT_THRESHOLD",
    "ConflictDetector",
    "ConflictKnowledge",
    "PairScore",
    "Profile",
    "Statement",
    "conflict_flags",
    "default_knowledge",
    "find_statements",
    "is_goal_sentence",
    "load_knowledge",
    "review_conflict",
]
