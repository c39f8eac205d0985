"""Identical and near-identical comments, and copy-paste campaigns.

Three steps, none of them quadratic in the number of comments:

1. **Exact**: every text gets a normalised key (casefolded, gendered forms
   collapsed, umlauts spelled out, punctuation and emoji dropped, whitespace
   collapsed); equal keys are identical submissions. 10,000 copies of one text
   cost one dictionary entry.
2. **Candidates**: each distinct key that is long enough gets a MinHash signature
   over its character 5-grams; locality-sensitive hashing (bands of rows) puts
   similar keys into the same bucket. Only pairs sharing a bucket are looked at
   (a star and a chain per bucket, so a bucket of 5,000 near-copies costs
   10,000 comparisons, not 12.5 million).
3. **Verification**: a candidate pair is linked when the exact shingle Jaccard
   reaches ``threshold``, or when the shorter text is almost completely contained
   in the longer one (``containment``; an added greeting, sentence or signature
   such as "Familie K. aus Paunsdorf") and is not much shorter than it. Linked
   texts are joined with union-find.

Short texts ("Mehr Bäume!", "👍", "test") are only ever grouped with texts that
are identical to them, and such groups stay "identisch", however many there are.
Empty texts are never grouped; their ids are reported on the finder.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from insek_nlp.errors import InputError
from insek_nlp.text.normalize import strip_gender

__all__ = [
    "DuplicateFinder",
    "DuplicateGroup",
    "DuplicateKind",
    "campaign_counts",
    "duplicate_key",
    "find_duplicate_groups",
]

log = logging.getLogger(__name__)

DuplicateKind = Literal["identisch", "nahezu identisch", "Kampagne"]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# A superset of what strip_gender removes: gender marks, "-innen", "-erin", "BürgerIn", invisibles.
_MAYBE_GENDERED = re.compile(
    "[*:_\u00b7\u2217\u2022/(]-?[Ii]n|[a-z\u00e4\u00f6\u00fc\u00df]In|innen|erin"
    "|[\u00ad\u200b\u200c\u200d\u2060\ufeff]"
)
_PRIME = np.uint64(1_099_511_628_211)  # FNV-64 prime: spreads code points over 64 bits


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Submissions that are identical or copies of one template.

    Attributes:
        kind: "identisch" (same text after normalisation), "nahezu identisch"
            (2 to ``campaign_min`` − 1 near-copies, e.g. one person posting twice)
            or "Kampagne" (at least ``campaign_min`` copies of one template).
        members: The ids of the submissions, in input order.
        template_id: The most central member (the one closest to all others);
            for identical texts the first.
        similarity: Mean similarity of the members to the template (1.0 for
            identical texts); the pair similarity is the larger of shingle
            Jaccard and (for texts of similar length) containment.
        identical: Subsets of ``members`` (two or more ids) whose texts are
            identical after normalisation, e.g. the word-for-word copies inside
            a campaign.
    """

    kind: DuplicateKind
    members: tuple[str, ...]
    template_id: str
    similarity: float
    identical: tuple[tuple[str, ...], ...] = ()

    def __len__(self) -> int:
        return len(self.members)


def duplicate_key(text: str | None) -> str:
    """The normalised form under which two texts count as identical.

    Casefolded (ß → ss), gendered forms collapsed ("Mieter*innen" → "mieter"),
    umlauts spelled out ("für" and "fuer" agree), accents dropped, punctuation
    and emoji removed, whitespace collapsed. Texts without any letter or digit
    (e.g. "👍") keep their casefolded symbols, prefixed with a NUL, so they are
    identical only to themselves and never empty.

    Args:
        text: A comment (``None`` counts as empty).

    Returns:
        The key; ``""`` for an empty or whitespace-only text.
    """
    if not text or text.isspace():
        return ""
    # strip_gender is the costly part; skip it when no gendered form can be present.
    t = strip_gender(text) if _MAYBE_GENDERED.search(text) else text
    t = t.casefold().translate(_UMLAUTS)
    if not t.isascii():
        t = _COMBINING.sub("", unicodedata.normalize("NFKD", t))
    key = " ".join(_NON_WORD.sub(" ", t).split())
    if key:
        return key
    return "\x00" + " ".join(text.casefold().split())


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index becomes the root: results do not depend on pair order.
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fixed, platform-independent scrambling of uint64 values."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _window_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """64-bit hashes of all length-k windows of a code-point array (k ≤ its length)."""
    n = codes.size - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _PRIME + codes[j : j + n]
    return _mix64(h)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _shingles(key: str, k: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character k-grams of ``key``."""
    codes = _codes(key)
    return np.unique(_window_hashes(codes, min(k, codes.size)))


class _LazyShingles:
    """Exact shingle sets, computed on first use (only keys that get compared need them)."""

    def __init__(self, keys: list[str], k: int) -> None:
        self.keys, self.k = keys, k
        self._cache: dict[int, np.ndarray] = {}

    def __getitem__(self, i: int) -> np.ndarray:
        got = self._cache.get(i)
        if got is None:
            got = self._cache[i] = _shingles(self.keys[i], self.k)
        return got


class DuplicateFinder:
    """Finds identical texts, near-identical texts and campaigns.

    Args:
        threshold: Shingle Jaccard from which two texts are near-identical.
        containment: Share of the shorter text's shingles found in the longer one
            from which they are near-identical (template plus greeting, added
            sentence or signature), provided the shorter has at least
            ``min_length_ratio`` of the longer's shingles.
        min_length_ratio: See ``containment``.
        campaign_min: Group size from which near-identical texts are a "Kampagne".
        min_words: Texts with fewer words (after normalisation) are "short": only
            identical copies are grouped with them, and never as a campaign.
        shingle_size: Characters per shingle.
        num_perm: MinHash permutations (signature length).
        bands: LSH bands; ``num_perm / bands`` rows per band.
        seed: Seed of the MinHash permutations.

    Attributes (after ``fit``):
        groups_: The groups, ordered by their first member.
        empty_ids_: Ids of empty texts (never grouped).
        short_ids_: Ids of short, non-empty texts.
        stats_: Counts and timings of the run.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.6,
        containment: float = 0.85,
        min_length_ratio: float = 0.5,
        campaign_min: int = 5,
        min_words: int = 8,
        shingle_size: int = 5,
        num_perm: int = 128,
        bands: int = 32,
        seed: int = 20260301,
    ) -> None:
        self.threshold = threshold
        self.containment = containment
        self.min_length_ratio = min_length_ratio
        self.campaign_min = campaign_min
        self.min_words = min_words
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.bands = bands
        self.seed = seed

    # -- public -----------------------------------------------------------------

    def fit(self, texts: Sequence[str | None], ids: Sequence[str] | None = None) -> "DuplicateFinder":
        """Group ``texts``; results end up in ``groups_``.

        Args:
            texts: The comments (e.g. title and text joined).
            ids: One id per text; defaults to the positions "0", "1", ….

        Returns:
            ``self``.
        """
        self._validate()
        t0 = time.perf_counter()
        ids = [str(i) for i in range(len(texts))] if ids is None else [str(i) for i in ids]
        if len(ids) != len(texts):
            raise InputError(f"{len(texts)} Texte, aber {len(ids)} Kennungen.",
                             hint="Geben Sie für jeden Text genau eine Kennung an.")
        if len(set(ids)) != len(ids):
            raise InputError("Die Kennungen der Texte sind nicht eindeutig.",
                             hint="Jede Kennung darf nur einmal vorkommen.")

        # 1. exact keys
        by_key: dict[str, list[int]] = {}
        empty: list[int] = []
        seen: dict[str, str] = {}                             # raw text → key: copies cost a lookup
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                text = ""
            key = seen.get(text)
            if key is None:
                key = seen[text] = duplicate_key(text)
            if key:
                by_key.setdefault(key, []).append(i)
            else:
                empty.append(i)
        keys = list(by_key)                                   # distinct keys, by first occurrence
        members = [by_key[k] for k in keys]
        is_short = [k.startswith("\x00") or k.count(" ") + 1 < self.min_words for k in keys]
        long_idx = [u for u, s in enumerate(is_short) if not s]
        t1 = time.perf_counter()

        # 2. shingles, MinHash, LSH candidates (distinct long keys only)
        long_keys = [keys[u] for u in long_idx]
        sig, sizes = self._signatures(long_keys)
        shingles = _LazyShingles(long_keys, self.shingle_size)
        pairs = self._candidates(sig)
        n_candidates = len(pairs)
        t2 = time.perf_counter()

        # 3. verify, union-find over distinct long keys
        uf = _UnionFind(len(long_idx))
        pairs = self._prefilter(pairs, sig, sizes)
        n_verified = 0
        for a, b in pairs.tolist():
            if uf.find(a) == uf.find(b):
                continue
            n_verified += 1
            if self._linked(shingles[a], shingles[b]):
                uf.union(a, b)
        t3 = time.perf_counter()

        # 4. groups
        components: dict[int, list[int]] = {}
        for local in range(len(long_idx)):
            components.setdefault(uf.find(local), []).append(local)
        groups: list[tuple[int, DuplicateGroup]] = []
        for locals_ in components.values():
            n_members = sum(len(members[long_idx[j]]) for j in locals_)
            if n_members < 2:
                continue
            groups.append(self._group(locals_, long_idx, members, shingles, sig, ids))
        for u, short in enumerate(is_short):
            if short and len(members[u]) >= 2:
                m = tuple(ids[i] for i in members[u])
                groups.append((members[u][0], DuplicateGroup("identisch", m, m[0], 1.0, (m,))))
        groups.sort(key=lambda g: g[0])
        self.groups_ = [g for _, g in groups]
        self.empty_ids_ = tuple(ids[i] for i in empty)
        self.short_ids_ = tuple(ids[i] for u, s in enumerate(is_short) if s for i in members[u])
        self.stats_ = {
            "n_texts": len(texts),
            "n_empty": len(empty),
            "n_short": len(self.short_ids_),
            "n_distinct": len(keys),
            "n_candidate_pairs": n_candidates,
            "n_verified_pairs": n_verified,
            "n_groups": len(self.groups_),
            "seconds_exact": round(t1 - t0, 3),
            "seconds_candidates": round(t2 - t1, 3),
            "seconds_verify": round(t3 - t2, 3),
            "seconds": round(time.perf_counter() - t0, 3),
        }
        log.info("duplicates: %s", self.stats_)
        return self

    # -- steps ------------------------------------------------------------------

    def _validate(self) -> None:
        if not 0.0 < self.threshold <= 1.0 or not 0.0 < self.containment <= 1.0:
            raise InputError("threshold und containment müssen zwischen 0 und 1 liegen.")
        if self.campaign_min < 2:
            raise InputError("campaign_min muss mindestens 2 sein.")
        if self.bands < 1 or self.num_perm % self.bands:
            raise InputError("num_perm muss ein Vielfaches von bands sein.")

    def _signatures(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """MinHash signatures of ``keys`` and their number of shingle windows.

        Windows are hashed for a block of keys at once; repeated shingles need no
        removal, as they do not change a minimum.
        """
        n, k = len(keys), self.shingle_size
        sig = np.empty((n, self.num_perm), dtype=np.uint32)
        sizes = np.array([max(len(t) - k + 1, 1) for t in keys], dtype=np.int64)
        if n == 0:
            return sig, sizes
        rng = np.random.default_rng(self.seed)
        a = rng.integers(1, 2**63, size=self.num_perm, dtype=np.uint64) | np.uint64(1)
        b = rng.integers(0, 2**63, size=self.num_perm, dtype=np.uint64)
        shift = np.uint64(32)
        block = 2048
        for start in range(0, n, block):
            chunk = keys[start : start + block]
            if any(len(t) < k for t in chunk):          # only with a tiny min_words
                flat = np.concatenate([_window_hashes(c, min(k, c.size)) for c in map(_codes, chunk)])
            else:
                # One array for the whole block, a NUL between keys; drop windows across keys.
                codes = _codes("\x00".join(chunk))
                lengths = np.array([len(t) for t in chunk], dtype=np.int64)
                starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
                h = _window_hashes(codes, k)
                valid = np.zeros(codes.size + 1, dtype=np.int64)
                np.add.at(valid, starts, 1)
                np.add.at(valid, starts + lengths - k + 1, -1)
                flat = h[np.cumsum(valid)[: h.size] > 0]
            offsets = np.concatenate(([0], np.cumsum(sizes[start : start + block])[:-1]))
            for p in range(self.num_perm):
                hv = (flat * a[p] + b[p]) >> shift
                sig[start : start + len(chunk), p] = np.minimum.reduceat(hv, offsets)
        return sig, sizes

    def _candidates(self, sig: np.ndarray) -> np.ndarray:
        """Unique pairs (a < b) of keys sharing at least one LSH bucket."""
        n = sig.shape[0]
        if n < 2:
            return np.empty((0, 2), dtype=np.int64)
        rows = self.num_perm // self.bands
        found: list[np.ndarray] = []
        for band in range(self.bands):
            part = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
            h = np.full(n, 0x9E3779B97F4A7C15, dtype=np.uint64)
            for r in range(rows):
                h = _mix64(h ^ part[:, r])
            order = np.argsort(h, kind="stable")
            hs = h[order]
            same = hs[1:] == hs[:-1]                            # order[i+1] shares the bucket of order[i]
            if not same.any():
                continue
            run_start = np.flatnonzero(np.concatenate(([True], ~same)))
            first = np.repeat(order[run_start], np.diff(np.append(run_start, n)))
            pos = np.flatnonzero(same) + 1
            # a star (each member to the bucket's first) and a chain (each to its predecessor)
            star = np.stack([first[pos], order[pos]], axis=1)
            chain = np.stack([order[pos - 1], order[pos]], axis=1)
            found.extend((star, chain))
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        pairs = np.concatenate(found)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        pairs.sort(axis=1)
        codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
        return np.stack([codes // n, codes % n], axis=1)

    def _prefilter(self, pairs: np.ndarray, sig: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Drop candidate pairs whose estimated similarity is far below both thresholds."""
        if len(pairs) == 0:
            return pairs
        keep = np.zeros(len(pairs), dtype=bool)
        margin = 0.15   # about three standard errors of a 128-permutation estimate
        for start in range(0, len(pairs), 65536):
            p = pairs[start : start + 65536]
            jac = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
            na, nb = sizes[p[:, 0]], sizes[p[:, 1]]
            lo, hi = np.minimum(na, nb), np.maximum(na, nb)
            cont = jac / (1.0 + jac) * (na + nb) / np.maximum(lo, 1)
            ok_len = lo >= self.min_length_ratio * hi
            keep[start : start + len(p)] = (jac >= self.threshold - margin) | (
                ok_len & (cont >= self.containment - margin))
        return pairs[keep]

    def _similarity(self, a: np.ndarray, b: np.ndarray) -> tuple[float, float, bool]:
        inter = np.intersect1d(a, b, assume_unique=True).size
        lo, hi = min(a.size, b.size), max(a.size, b.size)
        jac = inter / (a.size + b.size - inter)
        cont = inter / lo if lo else 0.0
        return jac, cont, lo >= self.min_length_ratio * hi

    def _linked(self, a: np.ndarray, b: np.ndarray) -> bool:
        jac, cont, ok_len = self._similarity(a, b)
        return jac >= self.threshold or (ok_len and cont >= self.containment)

    def _pair_score(self, a: np.ndarray, b: np.ndarray) -> float:
        jac, cont, ok_len = self._similarity(a, b)
        return max(jac, cont) if ok_len else jac

    def _group(
        self,
        locals_: list[int],
        long_idx: list[int],
        members: list[list[int]],
        shingles: _LazyShingles,
        sig: np.ndarray,
        ids: list[str],
    ) -> tuple[int, DuplicateGroup]:
        counts = np.array([len(members[long_idx[j]]) for j in locals_], dtype=np.float64)
        if len(locals_) == 1:
            centre = 0
        else:
            # Centrality from signature agreement with (up to 256 evenly spaced) members,
            # weighted by their number of copies; ties → more copies, then earlier.
            refs = np.unique(np.linspace(0, len(locals_) - 1, min(len(locals_), 256)).astype(int))
            ref_sig = sig[[locals_[r] for r in refs]]
            score = np.zeros(len(locals_))
            for start in range(0, len(locals_), 512):
                block = sig[locals_[start : start + 512]]
                agree = (block[:, None, :] == ref_sig[None, :, :]).mean(axis=2)
                score[start : start + len(block)] = agree @ counts[refs]
            centre = int(np.lexsort((np.arange(len(locals_)), -counts, -np.round(score, 9)))[0])
        template_local = locals_[centre]
        sims = [1.0 if j == template_local else self._pair_score(shingles[template_local], shingles[j])
                for j in locals_]
        similarity = float(np.average(sims, weights=counts))
        rows = sorted(i for j in locals_ for i in members[long_idx[j]])
        member_ids = tuple(ids[i] for i in rows)
        identical = self._identical_subsets(locals_, long_idx, members, ids)
        if len(member_ids) >= self.campaign_min:
            kind: DuplicateKind = "Kampagne"
        elif len(locals_) == 1:
            kind = "identisch"
        else:
            kind = "nahezu identisch"
        template_id = ids[members[long_idx[template_local]][0]]
        return rows[0], DuplicateGroup(kind, member_ids, template_id, round(similarity, 4), identical)

    @staticmethod
    def _identical_subsets(
        locals_: list[int], long_idx: list[int], members: list[list[int]], ids: list[str]
    ) -> tuple[tuple[str, ...], ...]:
        subsets = [members[long_idx[j]] for j in locals_ if len(members[long_idx[j]]) >= 2]
        subsets.sort(key=lambda m: m[0])
        return tuple(tuple(ids[i] for i in m) for m in subsets)


def find_duplicate_groups(
    texts: Sequence[str | None],
    ids: Sequence[str] | None = None,
    *,
    threshold: float = 0.6,
    containment: float = 0.85,
    campaign_min: int = 5,
    min_words: int = 8,
) -> list[DuplicateGroup]:
    """Groups of identical and near-identical texts, and campaigns.

    Args:
        texts: The comments (title and text joined, as analysis reads them).
            Empty texts are never grouped.
        ids: One id per text; defaults to "0", "1", ….
        threshold: Shingle Jaccard from which two texts are near-identical.
        containment: Share of the shorter text found in a longer one of similar
            length (added greeting, sentence, signature) from which they are
            near-identical.
        campaign_min: Group size from which near-identical texts are a "Kampagne".
        min_words: Texts with fewer words are only grouped with identical copies,
            and never as a campaign.

    Returns:
        The groups, ordered by their first member. See :class:`DuplicateFinder`
        for the run's statistics and the ids of empty texts.
    """
    finder = DuplicateFinder(threshold=threshold, containment=containment,
                             campaign_min=campaign_min, min_words=min_words)
    return finder.fit(texts, ids).groups_


def campaign_counts(groups: Sequence[DuplicateGroup], n_total: int, *, n_empty: int = 0) -> dict[str, int]:
    """Both counts of a participation: all submissions, and campaigns counted once.

    Args:
        groups: Output of :func:`find_duplicate_groups`.
        n_total: Number of submissions (including empty ones, if ``n_empty`` is given).
        n_empty: Number of empty submissions, reported as given.

    Returns:
        ``n_total``; ``n_distinct_voices`` (every campaign and every group of
        identical texts counted once: ``n_total − Σ(len(g) − 1)`` over those
        groups); ``n_distinct_texts`` (near-identical groups counted once as well);
        per kind the number of groups and of submissions in them; ``n_empty``.
    """
    out: dict[str, int] = {"n_total": int(n_total), "n_empty": int(n_empty)}
    extra: dict[str, int] = {}
    for name, kind in (("campaign", "Kampagne"), ("identical", "identisch"), ("near_duplicate", "nahezu identisch")):
        of_kind = [g for g in groups if g.kind == kind]
        out[f"n_{name}_groups"] = len(of_kind)
        out[f"n_{name}_submissions"] = sum(len(g.members) for g in of_kind)
        extra[kind] = sum(len(g.members) - 1 for g in of_kind)
    out["n_distinct_voices"] = int(n_total) - extra["Kampagne"] - extra["identisch"]
    out["n_distinct_texts"] = out["n_distinct_voices"] - extra["nahezu identisch"]
    return out
