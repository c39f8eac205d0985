"""The participation stage of an analysis run.

For the comments of a project: duplicate groups and campaigns, places
(Ortsteile, Stadtbezirke; drafts and notes are tagged too, so that the overview
shows which areas the drafts address), and concerns in two levels with German
labels. Results go to the store per run.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import numpy as np

from insek_nlp.store import Store

log = logging.getLogger(__name__)


EMBED_MAX_CHARS = 5000
"""Comments longer than this are embedded from their first 5,000 characters (noted in the summary);
everything else (duplicates, places, labels, quotes) uses the whole text."""


def has_content(text: str | None) -> bool:
    """Whether a comment says anything: at least one letter or digit (not only spaces, punctuation, emoji)."""
    return bool(text) and any(ch.isalnum() for ch in text)


def text_for_embedding(text: str, max_chars: int = EMBED_MAX_CHARS) -> str:
    """The text, or its first ``max_chars`` characters cut at a word boundary."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ", max_chars // 2)
    return cut[:space] if space > 0 else cut


def run_participation(store: Store, run_id: int, embedder, *, seed: int = 0,
                      progress: Callable[[str], None] | None = None) -> dict:
    """Analyse the project's comments for one run and store the results; return a summary.

    Every comment ends up in exactly one concern or in "nicht zugeordnet" (``-1``):
    comments without any letter or digit ("", "...", "👍") go to "nicht zugeordnet"
    unclustered; comments in other languages are clustered like all others (the
    embedder is multilingual) but give no label terms, and their language is
    noted; very long comments are embedded from their beginning (noted). The
    notes are in the summary of each concern (``notes``).
    """
    from insek_nlp.participation.clustering import ConcernClusterer
    from insek_nlp.participation.duplicates import campaign_counts, find_duplicate_groups
    from insek_nlp.participation.edits import apply_edits
    from insek_nlp.participation.labels import cluster_labels, label_terms
    from insek_nlp.places import tag_comment, tag_places
    from insek_nlp.text.language import GERMAN, detect_languages

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        seconds[step] = round(seconds.get(step, 0.0) + now - t0, 3)
        t0 = now

    comments = store.comments()
    texts = [c.full_text for c in comments]
    content = np.array([has_content(t) for t in texts], dtype=bool)
    idx_content = np.flatnonzero(content)
    n_empty = int(len(comments) - len(idx_content))
    lap("load")
    if progress:
        progress("Orte")
    places = []
    tagged: dict[tuple[str, str | None], object] = {}  # copies (campaigns) are tagged once
    for c in comments:
        tags = tagged.get((c.full_text, c.location))
        if tags is None:
            tags = tagged[(c.full_text, c.location)] = tag_comment(c)
        places.append(("comment", c.id, tags.ortsteile, tags.stadtbezirke))
    docs = [d.id for d in store.documents(current=True) if d.kind != "comments"]
    for p in store.passages(docs):
        tags = tag_places(p.text)
        places.append(("passage", p.id, tags.ortsteile, tags.stadtbezirke))
    lap("places")
    if progress:
        progress("Kampagnen und Dubletten")
    groups = find_duplicate_groups([texts[i] for i in idx_content], [comments[i].id for i in idx_content]) \
        if len(idx_content) else []
    counts = campaign_counts(groups, len(comments), n_empty=n_empty)
    duplicates = [(i, g.kind, g.template_id, g.members, round(float(g.similarity), 4)) for i, g in enumerate(groups)]
    lap("duplicates")
    concerns: list[tuple] = []
    members: list[tuple] = []
    summaries: dict[str, dict] = {}
    edits = None
    langs = [GERMAN] * len(comments)
    truncated: list[int] = []
    if len(comments):
        if progress:
            progress("Anliegen")
        labels = np.full(len(comments), -1, dtype=int)
        subs = np.full(len(comments), -1, dtype=int)
        E = None
        if len(idx_content):
            content_texts = [texts[i] for i in idx_content]
            for i in idx_content:
                if len(texts[i]) > EMBED_MAX_CHARS:
                    truncated.append(int(i))
            Ec = np.asarray(embedder.encode([text_for_embedding(t) for t in content_texts]), dtype=np.float32)
            E = np.zeros((len(comments), Ec.shape[1]), dtype=np.float32)
            E[idx_content] = Ec
            lap("embeddings")
            clusterer = ConcernClusterer(seed=seed).fit(content_texts, vectors=Ec)
            labels[idx_content] = clusterer.labels_
            subs[idx_content] = clusterer.sub_labels_
            lap("clustering")
            for i, lang in zip(idx_content, detect_languages(content_texts)):
                langs[i] = lang
            lap("languages")
        else:
            E = np.zeros((len(comments), int(getattr(embedder, "dim", 1) or 1)), dtype=np.float32)
        edits = apply_edits(store, [c.id for c in comments], labels, subs)
        labels, subs = edits.labels, edits.subs
        titles = [c.title for c in comments]
        if progress:
            progress("Beschriftungen der Anliegen")
        # Label terms come from German comments with content only; lemmatising is the
        # costly part of labelling, so it is done once for both levels.
        lap("edits")
        terms = label_terms([t if ok and lang == GERMAN else "" for t, ok, lang in zip(texts, content, langs)])
        lap("label_terms")
        main_labels = cluster_labels(texts, labels, titles=titles, vectors=E, terms=terms)
        for cid, lab in sorted(main_labels.items()):
            size = int((labels == cid).sum())
            rep = comments[lab.representative_index].id if lab.representative_index >= 0 else None
            concerns.append((str(cid), None, size, lab.key_terms, edits.names.get(int(cid), lab.title), rep))
            if cid < 0:
                continue
            idx = np.flatnonzero(labels == cid)
            sub_labels = cluster_labels([texts[i] for i in idx], subs[idx], titles=[titles[i] for i in idx],
                                        vectors=E[idx], terms=[terms[i] for i in idx])
            for sid, sl in sorted(sub_labels.items()):
                if sid < 0:
                    continue
                srep = comments[int(idx[sl.representative_index])].id if sl.representative_index >= 0 else None
                concerns.append((f"{cid}.{sid}", str(cid), int((subs[idx] == sid).sum()), sl.key_terms, sl.title,
                                 srep))
        for c, lab, sub in zip(comments, labels, subs):
            members.append((c.id, str(int(lab)), f"{int(lab)}.{int(sub)}" if lab >= 0 and sub >= 0 else None))
        lap("labels")
        if progress:
            progress("Zusammenfassungen und Bezüge zu den Entwürfen")
        summaries = summarise_concerns(store, run_id, comments, E, labels, groups, places, embedder)
        _add_notes(summaries, comments, labels, content, langs, truncated)
        lap("summaries")
    store.put_participation(run_id, concerns=concerns, members=members, duplicates=duplicates, places=places)
    if summaries:
        store.put_concern_summaries(run_id, summaries)
    lap("store")
    unanswered = sum(1 for cid, sm in summaries.items() if cid != "-1" and not sm["linked_passages"])
    other_languages: dict[str, int] = {}
    for lang in langs:
        if lang != GERMAN:
            other_languages[lang] = other_languages.get(lang, 0) + 1
    n_concerns = len({int(x) for _, x, _ in members} - {-1})
    return {"comments": int(len(idx_content)), "empty": n_empty, "concerns": n_concerns,
            "unassigned": sum(1 for _, x, _ in members if x == "-1"),
            "concerns_without_answer": unanswered, "edits_skipped": len(edits.skipped) if edits else 0,
            "other_languages": other_languages, "truncated_for_embedding": len(truncated),
            "duplicate_groups": len(groups), **{k: v for k, v in counts.items() if isinstance(v, (int, float))},
            "seconds": seconds}


def _add_notes(summaries: dict[str, dict], comments, labels: np.ndarray, content: np.ndarray, langs: list[str],
               truncated: list[int]) -> None:
    """Per concern: which members have no text, are in another language, or were embedded shortened."""
    from insek_nlp.text.language import GERMAN, LANGUAGE_NAMES

    notes: dict[str, list[dict]] = {}
    for i, c in enumerate(comments):
        ref = c.external_id or c.id
        note = None
        if not content[i]:
            note = {"comment": ref, "note": "ohne Text (nur Leerzeichen, Satz- oder Sonderzeichen)", "kind": "empty"}
        elif langs[i] != GERMAN:
            note = {"comment": ref, "note": f"Sprache: {LANGUAGE_NAMES.get(langs[i], langs[i])}", "kind": "language",
                    "language": langs[i]}
        if note:
            notes.setdefault(str(int(labels[i])), []).append(note)
    for i in truncated:
        c = comments[i]
        notes.setdefault(str(int(labels[i])), []).append(
            {"comment": c.external_id or c.id, "kind": "truncated",
             "note": f"{_de_int(len(c.full_text))} Zeichen; für die Ähnlichkeit zählen die ersten "
                     f"{_de_int(EMBED_MAX_CHARS)}, zitiert und gezählt wird der ganze Text"})
    for cid, sm in summaries.items():
        sm["notes"] = notes.get(cid, [])


def _de_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


LINK_MIN_SIMILARITY = 0.45
"""A draft passage answers a concern from this cosine similarity (concern centroid to passage) on."""
LINK_MARGIN = 0.1
"""Further links only within this score of the best one (a weak third link is mostly a wrong one)."""
PLACE_BONUS = 0.1
"""Added to the similarity of a passage that names one of the concern's Ortsteile."""
PLACE_SHARE = 0.2
"""An Ortsteil is the concern's own when at least this share of its comments (and two) name it."""
QUOTES = 3
LINKS = 3


def summarise_concerns(store: Store, run_id: int, comments, E: np.ndarray, labels: np.ndarray, groups, places,
                       embedder) -> dict[str, dict]:
    """Per main concern: central quotes (verbatim, with comment ids), counts, places, time span, themes,
    and the draft passages that respond to it (none = a concern no draft answers)."""
    from collections import Counter

    from insek_nlp.classify.themes import THEME_THRESHOLD

    place_of = {tid: (o, b) for tt, tid, o, b in places if tt == "comment"}
    passage_places = {tid: set(o) for tt, tid, o, b in places if tt == "passage"}
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
            if not has_content(comments[i].full_text):
                continue
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
            # A passage about the concern's own Ortsteile ranks higher: citizens name the place,
            # and a draft's general paragraph on the same topic is a weaker answer.
            home = {o for o, k in ortsteile.items() if k >= max(2.0, PLACE_SHARE * len(members))}
            bonus = np.array([PLACE_BONUS if home & passage_places.get(p.id, set()) else 0.0 for p in passages])
            score = np.where(sims >= LINK_MIN_SIMILARITY, sims + bonus, -np.inf)
            order = np.argsort(-score, kind="stable")[:LINKS]
            best = score[order[0]]
            for j in order:
                if not np.isfinite(score[j]) or score[j] < best - LINK_MARGIN:
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
