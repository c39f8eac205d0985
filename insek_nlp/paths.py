"""Where the data the library ships (``models/``) and the demo corpus live."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from insek_nlp.errors import InputError


@lru_cache(maxsize=1)
def models_dir() -> Path:
    """The ``models/`` folder: ``$INSEK_MODELS``, or the one beside the package in a source checkout."""
    env = os.environ.get("INSEK_MODELS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "models" for p in here.parents[:3]]
    for c in candidates:
        if (c / "taxonomies").is_dir():
            return c
    raise InputError(
        "Der Ordner mit den mitgelieferten Modellen (models/) wurde nicht gefunden.",
        hint="Bitte insek-nlp aus dem Quellordner installieren (pip install -e .) oder INSEK_MODELS setzen.",
    )
