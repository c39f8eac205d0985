"""Embedding cache in the project store: a second run over the same texts costs nothing."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from typing import TYPE_CHECKING, Sequence

import numpy as np

from insek_nlp.embed.base import Embedder, check_batch_size, check_texts
from insek_nlp.errors import InputError

if TYPE_CHECKING:
    from insek_nlp.store import Store

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    """sha256 (hex) of the NFC-normalised text; no other normalisation."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an embedder with vectors stored per (embedder id, text hash).

    Only texts not yet in the store are embedded (each distinct text once, as
    its NFC form, so texts with the same hash always get the same vector) and
    written back in chunks, so an interrupted run keeps what it finished.

    Attributes:
        hits: Distinct texts answered from the store, summed over all calls.
        misses: Distinct texts that had to be embedded, summed over all calls.

    Args:
        inner: The embedder whose vectors are cached.
        store: The project store.
        chunk_size: Texts embedded and written per step.
    """

    def __init__(self, inner: Embedder, store: Store, *, chunk_size: int = 2048) -> None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise InputError(f"Ungültige Blockgröße {chunk_size!r}.", hint="Bitte eine ganze Zahl ab 1 angeben.")
        self.inner = inner
        self.store = store
        self.chunk_size = chunk_size
        self.hits = 0
        self.misses = 0

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts, from the store where possible; see :class:`insek_nlp.embed.Embedder`."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        dim, key = self.inner.dim, self.inner.id
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        found = {h: v for h, v in self.store.get_vectors(key, hashes).items() if v.shape == (dim,)}
        todo: dict[str, str] = {}  # hash -> NFC text, first occurrence order
        for h, t in zip(hashes, texts):
            if h not in found and h not in todo:
                todo[h] = unicodedata.normalize("NFC", t)
        self.hits += len(set(hashes)) - len(todo)
        self.misses += len(todo)
        items = list(todo.items())
        for start in range(0, len(items), self.chunk_size):
            chunk = items[start:start + self.chunk_size]
            vectors = np.asarray(self.inner.encode([t for _, t in chunk], batch_size=batch_size), dtype=np.float32)
            if vectors.shape != (len(chunk), dim):
                raise ValueError(f"{key} returned shape {vectors.shape}, expected {(len(chunk), dim)}")
            self.store.put_vectors(key, ((h, v) for (h, _), v in zip(chunk, vectors)))
            found.update((h, v) for (h, _), v in zip(chunk, vectors))
        if todo:
            log.info("%s: %d texts embedded, %d from the cache", key, len(todo), len(found) - len(todo))
        out = np.empty((len(texts), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            out[i] = found[h]
        return out

    def __repr__(self) -> str:
        return f"CachedEmbedder({self.inner!r})"


__all__ = ["CachedEmbedder", "text_hash"]
