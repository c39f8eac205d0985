"""Any local sentence-transformers model (``--embedder st:/path/to/model``).

For users with a better multilingual model or a GPU. Needs the ``st`` extra
(sentence-transformers and a CPU torch); loads strictly offline, never from a hub.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from insek_nlp.embed.base import check_batch_size, check_texts, l2_normalise
from insek_nlp.errors import DependencyError, InputError

log = logging.getLogger(__name__)

# Files that describe a model directory (a sentence-transformers one, or a plain
# transformers one that sentence-transformers wraps with mean pooling).
_MARKERS = ("modules.json", "config_sentence_transformers.json", "config.json")
# Files that do not change the vectors and stay out of the model hash.
_UNHASHED = {"README.md", ".gitattributes"}

_lock = threading.Lock()
_models: dict[Path, Any] = {}


class SentenceTransformerEmbedder:
    """A local sentence-transformers model directory.

    The model is loaded on the first ``encode`` (or ``dim``), once per process
    and directory. Its id is ``st:<folder name>@<hash of the model files>``, so
    a retrained model in the same place gets a new cache key.

    Args:
        path: The model directory (it holds ``modules.json`` or ``config.json``).
        device: Torch device, e.g. ``"cuda"``; default CPU.
    """

    def __init__(self, path: str | os.PathLike[str], *, device: str = "cpu") -> None:
        self.path = path
        self.device = device
        self._dir = _check_dir(path)
        self._id: str | None = None

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = f"st:{self._dir.name}@{model_hash(self._dir)[:12]}"
        return self._id

    @property
    def dim(self) -> int:
        model = self._model()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts; see :class:`insek_nlp.embed.Embedder`."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        model = self._model()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
            show_progress_bar=False,
        )
        # normalize again in float32: the model may compute in another precision
        return l2_normalise(np.array(vectors, dtype=np.float32))

    def _model(self) -> Any:
        model = _models.get(self._dir)
        if model is None:
            with _lock:
                model = _models.get(self._dir)
                if model is None:
                    model = _models[self._dir] = _load(self._dir, self.device)
        return model

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({str(self.path)!r})"


def _check_dir(path: str | os.PathLike[str]) -> Path:
    p = Path(path).expanduser()
    if not p.is_dir():
        raise InputError(
            f"Der Modellordner {str(path)!r} existiert nicht.",
            hint="Bitte den Pfad zu einem lokalen sentence-transformers-Modell angeben, z. B. st:/pfad/zum/modell.",
        )
    if not any((p / m).is_file() for m in _MARKERS):
        raise InputError(
            f"Der Ordner {str(path)!r} enthält kein sentence-transformers-Modell "
            "(modules.json oder config.json fehlt).",
            hint="Bitte den Ordner angeben, in dem die Modelldateien direkt liegen.",
        )
    return p.resolve()


def model_hash(directory: Path) -> str:
    """sha256 over the relative paths and contents of the files of a model directory."""
    h = hashlib.sha256()
    for f in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = f.relative_to(directory)
        if f.name in _UNHASHED or any(part.startswith(".") for part in rel.parts):
            continue
        h.update(rel.as_posix().encode("utf-8") + b"\x00")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\x00")
    return h.hexdigest()


def _load(directory: Path, device: str) -> Any:
    # Offline before the hub client is imported (it reads these once), and
    # local_files_only for the case that it already was.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DependencyError(
            "Für eigene Modelle (st:…) wird das Paket sentence-transformers benötigt; es ist nicht installiert "
            f"({exc}).",
            hint="Bitte installieren mit: pip install 'insek-nlp[st]'",
        ) from exc
    start = time.perf_counter()
    try:
        model = SentenceTransformer(str(directory), device=device, local_files_only=True)
    except ImportError as exc:  # e.g. torch missing behind sentence-transformers
        raise DependencyError(
            f"Eine Abhängigkeit von sentence-transformers fehlt ({exc}).",
            hint="Bitte installieren mit: pip install 'insek-nlp[st]'",
        ) from exc
    except Exception as exc:  # a broken or incomplete model folder
        raise InputError(
            f"Das Modell in {str(directory)!r} konnte nicht geladen werden ({type(exc).__name__}: {exc}).",
            hint="Bitte prüfen, ob der Ordner ein vollständiges sentence-transformers-Modell enthält.",
        ) from exc
    log.info("sentence-transformers model %s loaded in %.1f s", directory, time.perf_counter() - start)
    return model


__all__ = ["SentenceTransformerEmbedder", "model_hash"]
