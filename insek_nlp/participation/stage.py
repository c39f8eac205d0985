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

    comments = [c for c in store.comments() if c.full_text.strip()]
    n_empty = len(store.comments()) - len(comments)
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
        labels = np.asarray(clusterer.labels_)
        subs = np.asarray(clusterer.sub_labels_)
        titles = [c.title for c in comments]
        main_labels = cluster_labels(texts, labels, titles=titles, vectors=E)
        for cid, lab in sorted(main_labels.items()):
            size = int((labels == cid).sum())
            rep = comments[lab.representative_index].id if lab.representative_index >= 0 else None
            concerns.append((str(cid), None, size, lab.key_terms, lab.title, rep))
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
    store.put_participation(run_id, concerns=concerns, members=members, duplicates=duplicates, places=places)
    return {"comments": len(comments), "empty": n_empty, "concerns": n_concerns, "unassigned": unassigned,
            "duplicate_groups": len(groups), **{k: v for k, v in counts.items() if isinstance(v, (int, float))}}
