"""The participation stage of an analysis run.

For the comments of a project: duplicate groups and campaigns, places
(Ortsteile, Stadtbezirke; drafts and notes are tagged too, so that the overview
shows which areas the drafts address), and concerns in two levels with German
labels. Results go to the store per run.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from insek_nlp.store import Store

log = logging.getLogger(__name__)


def run_participation(store: Store, run_id: int, embedder, *, seed: int = 0,
                      progress: Callable[[str], None] | None = None) -> dict:
    """Analyse the project's comments for one run and store the results; return a summary."""
    from insek_nlp.participation.clustering import ConcernClusterer
    from insek_nlp.participation.duplicates import campaign_counts, find_duplicate_groups
    from insek_nlp.participation.labels import cluster_labels
    from insek_nlp.places import tag_comment, tag_places

    all_comments = store.comments()
    comments = [c for c in all_comments if c.full_text.strip()]
    n_empty = len(all_comments) - len(comments)
    if progress:
        progress("Orte")
    places = []
    for c in comments:
        tags = tag_comment(c)
        places.append(("comment", c.id, tags.ortsteile, tags.stadtbezirke))
    docs = [d.id for d in store.documents(current=True) if d.kind != "comments"]
    for p in store.passages(docs):
        tags = tag_places(p.text)
        places.append(("passage", p.id, tags.ortsteile, tags.stadtbezirke))
    if progress:
        progress("Kampagnen und Dubletten")
    texts = [c.full_text for c in comments]
    groups = find_duplicate_groups(texts, [c.id for c in comments]) if comments else []
    counts = campaign_counts(groups, len(comments), n_empty=n_empty)
    duplicates = [(i, g.kind, g.template_id, g.members, round(float(g.similarity), 4)) for i, g in enumerate(groups)]
    concerns: list[tuple] = []
    members: list[tuple] = []
    n_concerns = 0
    unassigned = 0
    if len(comments) >= 2:
        if progress:
            progress("Anliegen")
        E = embedder.encode(texts)
        clusterer = ConcernClusterer(seed=seed).fit(texts, vectors=E)
        from insek_nlp.participation.edits import apply_edits

        edits = apply_edits(store, [c.id for c in comments], clusterer.labels_, clusterer.sub_labels_)
        labels, subs = edits.labels, edits.subs
        titles = [c.title for c in comments]
        main_labels = cluster_labels(texts, labels, titles=titles, vectors=E)
        for cid, lab in sorted(main_labels.items()):
            size = int((labels == cid).sum())
            rep = comments[lab.representative_index].id if lab.representative_index >= 0 else None
            concerns.append((str(cid), None, size, lab.key_terms, edits.names.get(int(cid), lab.title), rep))
            if cid < 0:
                continue
            idx = np.flatnonzero(labels == cid)
            sub_labels = cluster_labels([texts[i] for i in idx], subs[idx], titles=[titles[i] for i in idx],
                                        vectors=E[idx])
            for sid, sl in sorted(sub_labels.items()):
                if sid < 0:
                    continue
                srep = comments[int(idx[sl.representative_index])].id if sl.representative_index >= 0 else None
                concerns.append((f"{cid}.{sid}", str(cid), int((subs[idx] == sid).sum()), sl.key_terms, sl.title,
                                 srep))
        for c, lab, sub in zip(comments, labels, subs):
            members.append((c.id, str(int(lab)), f"{int(lab)}.{int(sub)}" if lab >= 0 and sub >= 0 else None))
        n_concerns = int(len(set(labels.tolist()) - {-1}))
        unassigned = int((labels == -1).sum())
        if progress:
            progress("Zusammenfassungen und Bezüge zu den Entwürfen")
        summaries = summarise_concerns(store, run_id, comments, E, labels, groups, places, embedder)
    store.put_participation(run_id, concerns=concerns, members=members, duplicates=duplicates, places=places)
    if len(comments) >= 2:
        store.put_concern_summaries(run_id, summaries)
        unanswered = sum(1 for cid, sm in summaries.items() if cid != "-1" and not sm["linked_passages"])
    else:
        unanswered = 0
    return {"comments": len(comments), "empty": n_empty, "concerns": n_concerns, "unassigned": unassigned,
            "concerns_without_answer": unanswered, "edits_skipped": len(edits.skipped) if len(comments) >= 2 else 0,
            "duplicate_groups": len(groups), **{k: v for k, v in counts.items() if isinstance(v, (int, float))}}


LINK_MIN_SIMILARITY = 0.45
"""A draft passage answers a concern from this cosine similarity (concern centroid to passage) on."""
QUOTES = 3
LINKS = 3


def summarise_concerns(store: Store, run_id: int, comments, E: np.ndarray, labels: np.ndarray, groups, places,
                       embedder) -> dict[str, dict]:
    """Per main concern: central quotes (verbatim, with comment ids), counts, places, time span, themes,
    and the draft passages that respond to it (none = a concern no draft answers)."""
    from collections import Counter

    from insek_nlp.classify.themes import THEME_THRESHOLD

    place_of = {tid: (o, b) for tt, tid, o, b in places if tt == "comment"}
    campaign_of: dict[str, int] = {}
    for i, g in enumerate(groups):
        if g.kind == "Kampagne":
            for m in g.members:
                campaign_of[m] = i
    theme_run = {}
    for tax_id in {r[0] for r in store.conn.execute("SELECT DISTINCT taxonomy FROM theme_scores WHERE run_id = ?",
                                                    (run_id,))}:
        theme_run.update({k: {t: v[0] for t, v in d.items()} for k, d in
                          store.theme_scores(run_id, tax_id, "comment").items()})
    docs = {d.id: d for d in store.documents(current=True) if d.kind == "draft"}
    passages = [p for p in store.passages(list(docs)) if p.kind != "heading" and len(p.text.split()) >= 8]
    P = embedder.encode([p.text for p in passages]) if passages else np.zeros((0, E.shape[1]), dtype=np.float32)
    out: dict[str, dict] = {}
    for cid in sorted(set(labels.tolist())):
        idx = np.flatnonzero(labels == cid)
        centroid = E[idx].mean(axis=0)
        norm = float(np.linalg.norm(centroid)) or 1.0
        centroid = centroid / norm
        order = idx[np.argsort(-(E[idx] @ centroid), kind="stable")]
        seen_campaigns: set[int] = set()
        quotes = []
        for i in order:  # central statements, one per campaign
            camp = campaign_of.get(comments[i].id)
            if camp is not None and camp in seen_campaigns:
                continue
            if camp is not None:
                seen_campaigns.add(camp)
            quotes.append({"comment": comments[i].external_id or comments[i].id, "text": comments[i].full_text})
            if len(quotes) == QUOTES:
                break
        members = [comments[i] for i in idx]
        authors = {c.author for c in members if c.author}
        ortsteile = Counter(o for c in members for o in place_of.get(c.id, ((), ()))[0])
        bezirke = Counter(b for c in members for b in place_of.get(c.id, ((), ()))[1])
        dates = sorted(c.created for c in members if c.created)
        themes = Counter(t for c in members for t, sc in theme_run.get(c.id, {}).items() if sc >= THEME_THRESHOLD)
        links = []
        if cid >= 0 and len(passages):
            sims = P @ centroid
            for j in np.argsort(-sims, kind="stable")[:LINKS]:
                if sims[j] < LINK_MIN_SIMILARITY:
                    break
                p = passages[int(j)]
                links.append({"passage": p.id, "document": docs[p.doc_id].title, "page": p.page,
                              "section": list(p.section), "similarity": round(float(sims[j]), 3),
                              "text": p.text[:300]})
        out[str(cid)] = {
            "comments": len(members),
            "distinct_submitters": len(authors) if authors else None,
            "campaign_copies": sum(1 for c in members if c.id in campaign_of),
            "quotes": quotes,
            "ortsteile": ortsteile.most_common(5),
            "stadtbezirke": bezirke.most_common(5),
            "first": dates[0] if dates else None,
            "last": dates[-1] if dates else None,
            "themes": themes.most_common(3),
            "linked_passages": links,
        }
    return out
