"""The conflict stage of an analysis run: flags between passages of different drafts.

Pairs are drafts × drafts and drafts × workshop notes (never notes × notes, and
never two passages of the same document). Flags are ranked by score; flags
that describe the same conflict at the same site between the same two
documents (a section and its row in the measures table) are shown once, with
the other passages as further evidence.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import replace
from typing import Callable

import numpy as np

from insek_nlp.conflicts.detect import TYPE_LABELS, ConflictDetector, pair_key, quote_for
from insek_nlp.conflicts.knowledge import ConflictKnowledge
from insek_nlp.store import Store
from insek_nlp.types import Passage

log = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 6_000  # longer passages are profiled in full but embedded from their start
# The pair model is fitted on labelled pairs that are nearly all about the same thing, so its score is
# P(conflict | same thing). Among all the passages of a project most candidate pairs are not, so the
# score is multiplied by how likely the pair is about the same thing, judged by what it shares: a named
# site, or an Ortsteil together with a known trade-off or conflict words: 1; an Ortsteil with opposed
# aims on one object, or a trade-off or conflict words together with content nouns in common: 0.85;
# anything else (a trade-off between passages that share neither a place nor a noun, or merely similar
# texts in the same Ortsteil): 0.6.
CORPUS_PRIOR = {"strong": 1.0, "some": 0.85, "weak": 0.6}
# A passage that names a conflict in general words pairs with many others; reviewers see its strongest few.
MAX_FLAGS_PER_PASSAGE = 3


def _anchor(s) -> str:
    rule = bool(s.tradeoff or s.explicit)
    if s.sites or (s.ortsteile and rule):
        return "strong"
    if s.ortsteile:  # the same Ortsteil: about the same thing only with a clash of aims on one object
        return "some" if s.object else "weak"
    return "some" if rule and s.features.get("shared_nouns", 0.0) > 0 else "weak"


# Sections of a protocol about the meeting itself, not about the city.
_PROCESS_SECTION = re.compile(
    r"nächste\s+schritte|ablauf|begrüßung|einführung|teilnehm|anwesend|tagesordnung|organisatorisch|verteiler|"
    r"inhaltsverzeichnis|impressum|anlass\s+und\s+auftrag|methodik|vorgehen",
    re.IGNORECASE)


def _process_section(p: Passage) -> bool:
    return bool(p.section) and bool(_PROCESS_SECTION.search(p.section[-1]))


def _doc_name(title: str, name: str) -> str:
    return f"„{title or name}“"


def run_conflicts(store: Store, run_id: int, embedder, *, knowledge: ConflictKnowledge | None = None,
                  threshold: float | None = None, progress: Callable[[str], None] | None = None) -> dict:
    """Find, rank and store the candidate goal conflicts of one run; return a summary."""
    docs = [d for d in store.documents(current=True) if d.kind in ("draft", "notes") and d.status != "failed"]
    drafts = [d for d in docs if d.kind == "draft"]
    summary: dict = {"flags": 0, "drafts": len(drafts), "notes": len(docs) - len(drafts)}
    if not drafts or len(docs) < 2:
        summary["message"] = ("Nur ein Dokument mit Zielen: Zielkonflikte werden zwischen mindestens zwei "
                              "Entwürfen (oder einem Entwurf und einem Werkstattprotokoll) gesucht.")
        store.put_conflict_flags(run_id, [])
        return summary
    by_id = {d.id: d for d in docs}
    same = defaultdict(list)
    for d in docs:
        same[d.sha256].append(d.name)
    twins = [names for names in same.values() if len(names) > 1]
    if twins:
        summary["identical_documents"] = twins
    passages: list[Passage] = [p for p in store.passages([d.id for d in docs])
                               if p.kind != "heading" and len(p.text.strip()) >= 40 and not _process_section(p)]
    if progress:
        progress("Zielkonflikte")
    detector = ConflictDetector(knowledge, **({"threshold": threshold} if threshold is not None else {})).fit(embedder)
    profiles = [detector.profile(p.text) for p in passages]
    groups = [p.doc_id for p in passages]
    vectors = None
    if passages:
        vectors = np.asarray(embedder.encode([p.text[:MAX_PASSAGE_CHARS] for p in passages]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms == 0, 1, norms)
        detector.set_aims(profiles, vectors)
    pairs = detector.candidate_pairs(profiles, groups, vectors)
    # notes × notes is not a conflict between drafts
    pairs = [(i, j) for i, j in pairs
             if "draft" in (by_id[groups[i]].kind, by_id[groups[j]].kind) and passages[i].text != passages[j].text]
    summary["passages"] = len(passages)
    summary["goal_statements"] = sum(p.n_goals for p in profiles)
    summary["candidates"] = len(pairs)
    if summary["goal_statements"] == 0:
        summary["message"] = "In den Entwürfen wurden keine Ziel- oder Maßnahmenaussagen gefunden."
    scored = []
    for i, j in pairs:
        if not (profiles[i].n_goals and profiles[j].n_goals):
            continue  # a conflict is between goals or measures
        sim = float(vectors[i] @ vectors[j]) if vectors is not None else 0.0
        s = detector.score_pair(profiles[i], profiles[j], sim)
        prior = CORPUS_PRIOR[_anchor(s)]
        s = replace(s, score=round(s.score * prior, 6))
        if s.score >= detector.threshold:
            if s.orientation < 0:  # side A of the trade-off first
                s = replace(s, cues_1=s.cues_2, cues_2=s.cues_1, orientation=1)
                i, j = j, i
            scored.append((s, i, j))
    scored.sort(key=lambda t: (-t[0].score, pair_key(passages[t[1]].text, passages[t[2]].text)))
    flags: list[dict] = []
    seen_group: dict[tuple, dict] = {}
    per_passage: dict[int, int] = defaultdict(int)
    for s, i, j in scored:
        pa, pb = passages[i], passages[j]
        da, db = by_id[pa.doc_id], by_id[pb.doc_id]
        # One flag per conflict, shown by its strongest pair, the other pairs kept as further evidence:
        # the same rule between the same two documents at the same site (or the same Ortsteile, or
        # without a place); a passage already flagged for the same rule about the same site or
        # Ortsteil (the conflict it names, seen from another passage; similar texts without a rule
        # join any such flag); a passage already flagged for the same rule against the same
        # document (the general measure behind a site-specific one).
        docs = tuple(sorted((da.key, db.key)))
        rule = s.tradeoff or s.object or s.type
        places = tuple(sorted(k.lower() for k in s.sites)) or tuple(s.ortsteile)
        keys = [("group", docs, rule, places)]
        keys += [("place", pid, place, rule) for pid in (pa.id, pb.id) for place in places]
        keys += [("rule", docs, pid, rule) for pid in (pa.id, pb.id)]
        # similar texts without a rule of their own join any flag of the same passage at the same place
        lookup = keys + ([("place", pid, place) for pid in (pa.id, pb.id) for place in places]
                         if s.type == "semantisch" else [])
        earlier = next((seen_group[k] for k in lookup if k in seen_group), None)
        if earlier is not None:
            earlier["evidence"]["related"].append(
                {"a": pa.id, "b": pb.id, "score": s.score, "pages": [pa.page, pb.page]})
            continue
        if per_passage[i] >= MAX_FLAGS_PER_PASSAGE or per_passage[j] >= MAX_FLAGS_PER_PASSAGE:
            continue
        per_passage[i] += 1
        per_passage[j] += 1
        name_a, name_b = _doc_name(da.title, da.name), _doc_name(db.title, db.name)
        words_for, words_against = detector.wording_contributions(profiles[i], profiles[j])
        flag = {
            "key": pair_key(pa.text, pb.text),
            "rank": 0,
            "score": s.score,
            "type": s.type,
            "type_label": TYPE_LABELS[s.type],
            "a": _side(pa, da, profiles[i], s.cues_1),
            "b": _side(pb, db, profiles[j], s.cues_2),
            "explanation": detector.explain(s, profiles[i], profiles[j], name_a, name_b),
            "evidence": {
                "tradeoff": s.tradeoff,
                "tradeoff_label": detector.knowledge_.tradeoff(s.tradeoff).label if s.tradeoff else None,
                "object": s.object,
                "object_label": detector.knowledge_.object(s.object).label if s.object else None,
                "sites": list(s.sites),
                "ortsteile": list(s.ortsteile),
                "explicit": list(s.explicit),
                "wording_for": words_for,
                "wording_against": words_against,
                "features": {k: round(v, 4) for k, v in s.features.items()},
                "related": [],
            },
        }
        for k in keys + [("place", pid, place) for pid in (pa.id, pb.id) for place in places]:
            seen_group.setdefault(k, flag)
        flags.append(flag)
    for rank, f in enumerate(flags, 1):
        f["rank"] = rank
    store.put_conflict_flags(run_id, flags)
    summary["flags"] = len(flags)
    summary["knowledge"] = detector.knowledge_.sha256[:12]
    summary["threshold"] = detector.threshold
    return summary


def _side(p: Passage, doc, prof, cues) -> dict:
    return {
        "passage_id": p.id,
        "doc_id": p.doc_id,
        "doc_title": doc.title or doc.name,
        "page": p.page,
        "section": list(p.section),
        "text": p.text,
        "quote": quote_for(prof, cues),
        "cues": [list(c) for c in cues],
    }
