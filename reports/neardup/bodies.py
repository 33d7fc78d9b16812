"""Body near-duplicates (`cluster_texts`): character shingles, MinHash, LSH."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.candidates import group_pairs, unique_pairs
from reports.neardup.config import DedupConfig
from reports.neardup.linkage import NO_EDGES, Cluster, Edges, exact_groups, link_clusters
from reports.neardup.tokens import HAN, MUL, WORD, chars, mix, sorted_unique

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
    h = np.zeros(pos.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(size):
            term = cps[np.minimum(pos + k, max(cps.size - 1, 0))].astype(np.uint64)
            h = np.where(k < span[pos], h * np.uint64(MUL) + term, h)
    return mix(h), tid[pos]


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
    with np.errstate(over="ignore"):
        for p in range(cfg.text_num_perm):
            x = hashes * mult[p] + add[p]
            sig[rows, p] = np.minimum.reduceat(x ^ (x >> np.uint64(29)), seg)
    return sig


#: Texts shingled at once: the shingle arrays take ~100 bytes per character, so a crawl's
#: bodies go through in slices and only the signatures (text_num_perm × 8 bytes each) stay.
TEXT_SLICE = 1000


def _signatures(
    distinct: list[str], cfg: DedupConfig
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """MinHash signatures of every text, and the texts that have any shingle."""
    sig = np.empty((len(distinct), cfg.text_num_perm), dtype=np.uint64)
    rows = []
    for start in range(0, len(distinct), TEXT_SLICE):
        part = distinct[start : start + TEXT_SLICE]
        hashes, owners = _shingles(part, cfg.text_shingle)
        sig[start : start + len(part)] = _minhash(hashes, owners, len(part), cfg)
        rows.append(sorted_unique(owners) + start)
    return sig, np.concatenate(rows)


def _text_edges(distinct: list[str], cfg: DedupConfig) -> Edges:
    n = len(distinct)
    if n < 2:
        return NO_EDGES
    sig, rows = _signatures(distinct, cfg)
    width = cfg.text_num_perm // cfg.text_bands
    found_a, found_b = [], []
    for band in range(cfg.text_bands):
        block = sig[rows, band * width : (band + 1) * width]
        key = mix(block[:, 0] ^ np.uint64(band))
        for r in range(1, width):
            key = mix(key ^ block[:, r])
        order = np.argsort(key, kind="stable")
        left, right = group_pairs(key[order], cfg.max_bucket)
        found_a.append(rows[order[left]])
        found_b.append(rows[order[right]])
    pairs = unique_pairs(np.concatenate(found_a), np.concatenate(found_b), n)
    est = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    ok = est >= cfg.text_threshold
    return Edges(pairs[ok, 0], pairs[ok, 1], est[ok])


def cluster_texts(texts: Sequence[str], config: DedupConfig = DedupConfig()) -> list[Cluster]:
    """Clusters of exact and near-duplicate bodies (shingle MinHash + LSH); no singletons."""
    distinct, ids = exact_groups(texts)
    return link_clusters(ids, _text_edges(distinct, config), config)
