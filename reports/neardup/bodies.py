"""Body near-duplicates (`cluster_texts`): character shingles, MinHash, LSH."""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.candidates import group_pairs, unique_pairs
from reports.neardup.config import DedupConfig
from reports.neardup.linkage import NO_EDGES, Cluster, Edges, link_clusters
from reports.neardup.tokens import HAN, MUL, WORD, chars, mix, sorted_unique
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


def _shingles(texts: Sequence[str], size: int) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Hashed character shingles of each text (punctuation and spaces dropped), with owners."""
    ch = chars(texts)
    keep = (ch.cls == HAN) | (ch.cls == WORD)
    cps, tid = ch.cps[keep], ch.tid[keep]
    kept = np.bincount(tid, minlength=len(texts))
    last = np.cumsum(kept)[tid] - 1
    # A text shorter than one shingle is one shingle of what it has.
    span = np.minimum(size, kept[tid])
    pos = np.flatnonzero(np.arange(cps.size) + span - 1 <= last)
    span = span[pos]
    code = cps.astype(np.uint64)
    h = np.zeros(pos.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        # Every full window at once, by Horner's rule over contiguous slices (no gathers).
        windows = max(cps.size - size + 1, 0)
        rolled = code[:windows].copy()
        for k in range(1, size):
            rolled *= np.uint64(MUL)
            rolled += code[k : windows + k]
        full = span == size
        h[full] = rolled[pos[full]]
        del rolled
        # The few texts shorter than a shingle: the same rule over what they have.
        short = np.flatnonzero(~full)
        start, length, part = pos[short], span[short], np.zeros(short.size, dtype=np.uint64)
        for k in range(size):
            term = code[np.minimum(start + k, max(cps.size - 1, 0))]
            part = np.where(k < length, part * np.uint64(MUL) + term, part)
        h[short] = part
    return mix(h), tid[pos]


#: Shingles hashed at once by `_minhash`: its two work arrays (2 x 256 KB) stay in the CPU's
#: cache through the 128 permutations, about 3.5x faster than whole slices at once.
MINHASH_BLOCK = 1 << 15


def _minhash(
    hashes: NDArray[np.uint64], owners: NDArray[np.int64], n: int, cfg: DedupConfig
) -> NDArray[np.uint64]:
    """MinHash signatures (n, text_num_perm) from hashes grouped by ascending owner."""
    rng = np.random.default_rng(cfg.seed)
    mult = rng.integers(1, 1 << 63, cfg.text_num_perm, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 1 << 63, cfg.text_num_perm, dtype=np.uint64)
    sig = np.full((n, cfg.text_num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    if hashes.size == 0:
        return sig
    new = np.ones(owners.size, dtype=bool)
    new[1:] = owners[1:] != owners[:-1]
    rows, seg = owners[new], np.flatnonzero(new)
    found = np.empty((rows.size, cfg.text_num_perm), dtype=np.uint64)
    # Blocks of whole owners, about MINHASH_BLOCK hashes each (a longer owner is one block).
    cuts = sorted_unique(
        np.append(np.searchsorted(seg, np.arange(0, hashes.size, MINHASH_BLOCK)), seg.size)
    ).tolist()
    ends = [*seg.tolist(), hashes.size]
    longest = max(ends[last] - ends[first] for first, last in itertools.pairwise(cuts))

    def permute(perms: range) -> None:
        """Fill `found`'s columns `perms`: each block's minimum per owner."""
        work = np.empty((2, longest), dtype=np.uint64)
        shift = np.uint64(29)
        with np.errstate(over="ignore"):
            for first, last in itertools.pairwise(cuts):
                lo, hi = ends[first], ends[last]
                block, x, y = hashes[lo:hi], work[0, : hi - lo], work[1, : hi - lo]
                starts = seg[first:last] - lo
                for p in perms:
                    np.multiply(block, mult[p], out=x)
                    x += add[p]
                    np.right_shift(x, shift, out=y)
                    x ^= y
                    np.minimum.reduceat(x, starts, out=found[first:last, p])

    # Each thread takes its own permutations (columns of `found`): numpy lets go of the GIL
    # inside each operation. 1M bench pages, one process on 2 cores: the duplicates stage ran
    # 425 CPU s in 383 s of wall time, with identical signatures.
    threads = min(usable_cores(), cfg.text_num_perm)
    if threads == 1:
        permute(range(cfg.text_num_perm))
    else:
        perms = [range(k, cfg.text_num_perm, threads) for k in range(threads)]
        list(_pool().map(permute, perms))
    sig[rows] = found
    return sig


@functools.cache
def usable_cores() -> int:
    """Cores this process may use (its CPU affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(usable_cores(), thread_name_prefix="minhash")


#: Texts shingled at once: the shingle arrays take ~100 bytes per character, so a crawl's
#: bodies go through in slices and only the signatures (text_num_perm × 8 bytes each) stay.
TEXT_SLICE = 1000


def _signatures(
    distinct: Sequence[str], cfg: DedupConfig
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """MinHash signatures of every text, and the texts that have any shingle.

    Each minimum is kept as its low 32 bits: half the memory (1M bodies: 512 MB, not 1 GB),
    and two different minima agree by chance once in 4 billion, far below MinHash's own error.
    """
    sig = np.empty((len(distinct), cfg.text_num_perm), dtype=np.uint32)
    rows = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(distinct), TEXT_SLICE):
        part = distinct[start : start + TEXT_SLICE]
        hashes, owners = _shingles(part, cfg.text_shingle)
        sig[start : start + len(part)] = _minhash(hashes, owners, len(part), cfg).astype(np.uint32)
        rows.append(sorted_unique(owners).astype(np.int64) + start)
    return sig, np.concatenate(rows)


#: Candidate pairs whose signatures `_text_edges` compares at once.
AGREE_PAIRS = 1 << 14


def _text_edges(
    n: int,
    sig: NDArray[np.uint32],
    rows: NDArray[np.int64],
    cfg: DedupConfig,
    sig_row: NDArray[np.int64] | None = None,
) -> Edges:
    """Verified pairs among `n` distinct texts from their signatures (`rows`: with shingles;
    text i's signature is `sig[sig_row[i]]`, or `sig[i]` without `sig_row`)."""
    if n < 2:
        return NO_EDGES
    at = np.arange(n, dtype=np.int64) if sig_row is None else sig_row
    width = cfg.text_num_perm // cfg.text_bands
    found_a, found_b = [], []
    with_shingles = at[rows]
    for band in range(cfg.text_bands):
        block = sig[with_shingles, band * width : (band + 1) * width].astype(np.uint64)
        key = mix(block[:, 0] ^ np.uint64(band))
        for r in range(1, width):
            key = mix(key ^ block[:, r])
        order = np.argsort(key, kind="stable")
        left, right = group_pairs(key[order], cfg.max_bucket)
        found_a.append(rows[order[left]])
        found_b.append(rows[order[right]])
    pairs = unique_pairs(np.concatenate(found_a), np.concatenate(found_b), n)
    est = np.empty(len(pairs))
    # The pairs' signatures are gathered a block at a time: all at once, two copies of
    # 512 bytes per pair (with 8-byte minima, 100k pages: +320 MB, the stage's peak).
    for lo in range(0, len(pairs), AGREE_PAIRS):
        part = pairs[lo : lo + AGREE_PAIRS]
        est[lo : lo + len(part)] = (sig[at[part[:, 0]]] == sig[at[part[:, 1]]]).mean(axis=1)
    ok = est >= cfg.text_threshold
    return Edges(pairs[ok, 0], pairs[ok, 1], est[ok])


class BodySigner:
    """Body clusters from texts given batch by batch (`add`), holding no text between batches.

    Per distinct text (after `normalize_text`) it keeps a 16-byte digest and its MinHash
    signature (`text_num_perm` x 4 bytes); per input, its distinct text and its place in the
    reading order. Batches may come in any order (a table's parts): `clusters()` equals
    `cluster_texts` of all the texts sorted by their place, so a crawl's bodies need not be
    sorted or held (texts with equal digests are taken as equal: a 128-bit collision is not
    expected).
    """

    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self._cfg = config
        self._seen: dict[bytes, int] = {}
        self._slots: list[NDArray[np.int64]] = []
        self._places: list[NDArray[np.int64]] = []
        self._sigs: list[NDArray[np.uint32]] = []
        self._rows: list[NDArray[np.int64]] = []
        self._count = 0

    def add(self, texts: Sequence[str], places: NDArray[np.int64] | None = None) -> None:
        """Take texts with their distinct places in the reading order (default: after all
        the texts given so far, in their order)."""
        seen = self._seen
        first = len(seen)
        new: list[str] = []
        slots = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            norm = normalize_text(text)
            digest = hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16)
            slot = seen.setdefault(digest.digest(), len(seen))
            if slot == first + len(new):
                new.append(norm)
            slots[i] = slot
        self._slots.append(slots)
        if places is None:
            places = np.arange(self._count, self._count + len(texts), dtype=np.int64)
        self._places.append(np.asarray(places, dtype=np.int64))
        self._count += len(texts)
        if new:
            sig, rows = _signatures(new, self._cfg)
            self._sigs.append(sig)
            self._rows.append(rows + first)

    def places(self) -> NDArray[np.int64]:
        """The places of all texts given, ascending: a cluster member `i` is `places()[i]`."""
        return np.sort(np.concatenate([np.zeros(0, dtype=np.int64), *self._places]))

    def clusters(self) -> list[Cluster]:
        """Clusters of exact and near-duplicate texts over every input so far, members as
        indices in reading order; no singletons."""
        empty = np.zeros(0, dtype=np.int64)
        slots = np.concatenate([empty, *self._slots])
        slots = slots[np.argsort(np.concatenate([empty, *self._places]), kind="stable")]
        # Distinct texts renumbered in the order their first copy is read.
        _, first_read = np.unique(slots, return_index=True)
        by_first = np.argsort(first_read, kind="stable")
        rank = np.empty(by_first.size, dtype=np.int64)
        rank[by_first] = np.arange(by_first.size)
        ids = rank[slots]
        if by_first.size < 2:
            return link_clusters(ids, NO_EDGES, self._cfg)
        # One copy of the signatures, by slot (the batches' arrays joined, then dropped);
        # the text of rank r reads row by_first[r], never a reordered second copy.
        sig = np.concatenate(self._sigs)
        self._sigs = [sig]
        rows = np.sort(rank[np.concatenate(self._rows)])
        edges = _text_edges(by_first.size, sig, rows, self._cfg, sig_row=by_first)
        return link_clusters(ids, edges, self._cfg)


def cluster_texts(texts: Sequence[str], config: DedupConfig = DedupConfig()) -> list[Cluster]:
    """Clusters of exact and near-duplicate bodies (shingle MinHash + LSH); no singletons."""
    signer = BodySigner(config)
    signer.add(texts)
    return signer.clusters()
