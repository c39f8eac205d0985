"""A fast, deterministic stand-in embedder for logic tests.

Character n-grams (3 and 4, within word boundaries) and whole words are hashed
into ``dim`` buckets with a sign (the "hashing trick"). Texts that share words
or word parts get similar vectors, so clustering and similarity logic behaves
sensibly, but there is no semantics: use it for tests, not for analysis.
"""

from __future__ import annotations

import unicodedata
import zlib
from typing import Sequence

import numpy as np

from insek_nlp.embed.base import check_batch_size, check_texts, l2_normalise
from insek_nlp.errors import InputError

_NGRAMS = (3, 4)
_EMPTY = "\x00leer"  # the feature of a text without any word


class HashingEmbedder:
    """Hashed character n-grams, L2-normalised; id ``hashing-<dim>``.

    Args:
        dim: Vector length (number of hash buckets).
    """

    def __init__(self, dim: int = 256) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
            raise InputError(
                f"Ungültige Dimension {dim!r} für den Hashing-Embedder.",
                hint="Bitte eine ganze Zahl ab 2 angeben, z. B. hashing:256.",
            )
        self.dim = dim

    @property
    def id(self) -> str:
        return f"hashing-{self.dim}"

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts; see :class:`insek_nlp.embed.Embedder` (``batch_size`` has no effect)."""
        texts = check_texts(texts)
        check_batch_size(batch_size)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(out, texts):
            for feature in _features(text):
                h = zlib.crc32(feature.encode("utf-8"))
                row[h % self.dim] += 1.0 if h & 0x80000000 else -1.0
            if not row.any():  # no features, or they cancelled out
                row[zlib.crc32(_EMPTY.encode()) % self.dim] = 1.0
        return l2_normalise(out)

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"


def _features(text: str) -> list[str]:
    words = unicodedata.normalize("NFC", text).casefold().split()
    feats = ["w:" + w for w in words]
    for w in words:
        padded = f" {w} "
        for n in _NGRAMS:
            feats.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return feats


__all__ = ["HashingEmbedder"]
