"""Implied prefixes (before step 2 of `reports.neardup`): a name the crawl nearly always puts
before another is left out of an alternative reading of the title.

A farm writes 京东e卡回收全攻略 and e卡回收的最简单处理方法详解 about one card: in its titles e卡
almost always follows 京东, so a title that starts at e卡 still means 京东e卡. Read as written, the
missing name shifts the heavy head (the subject) by two characters and the pair is lost. A
prefix X (the first `PREFIX_CHARS` letters, digits or Chinese characters of a main title) is
implied by the characters Y that follow it when the crawl says so: more than `implied_share`
of the titles that contain Y contain X right before it, at least two titles contain XY, some
title contains X without Y after it (X is a name of its own, 京东先享后付, not a piece of one
longer name), and some title starts its main title with Y (one says the name without X).
Such a title gets an alternative reading that starts at Y, and `Readings.as_titles` keeps its
pairs only with titles as written whose main title starts with Y too: the reading stands for
the title beside those that leave the prefix out, nowhere else (read against any title,
存者自卡贷… as 自卡贷… would meet the sibling 之调卡贷… one character apart). A place before a
name (成都京东e卡) is rarely implied: the crawl names the card without the city far more often
than with it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.config import DedupConfig
from reports.neardup.tokens import HAN, WORD, chars, mix, sorted_unique, split_points

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

#: Characters in an implied prefix and in what must follow it.
PREFIX_CHARS = 2
_CP_BITS = np.uint64(21)
#: An odd multiplier spreading bigram codes over the top bits (Fibonacci hashing).
_SPREAD = 0x9E3779B97F4A7C15


@dataclasses.dataclass(frozen=True)
class Readings:
    """Alternative readings of titles without an implied prefix (rows after the titles)."""

    texts: list[str]
    #: Per reading: the title it reads, and its first two characters (Y, as a bigram code).
    owner: NDArray[np.int64]
    lead: NDArray[np.uint64]
    #: Per title: the first two characters of its main title (0 when shorter).
    title_lead: NDArray[np.uint64]

    def as_titles(
        self, pairs: NDArray[np.int64], sims: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Row pairs as title pairs (low, high): two titles as written, or a reading and a
        title as written whose main title starts where the reading does; others are dropped."""
        n = self.title_lead.size
        if not self.texts:
            return pairs, sims
        title_of = np.concatenate((np.arange(n), self.owner))
        lead = np.concatenate((self.title_lead, self.lead))
        a, b = pairs[:, 0], pairs[:, 1]
        written = (a < n) & (b < n)
        beside = ((a < n) != (b < n)) & (lead[a] == lead[b])
        ta, tb = title_of[a], title_of[b]
        keep = (written | beside) & (ta != tb)
        out = np.stack((np.minimum(ta, tb), np.maximum(ta, tb)), axis=1)[keep]
        return out, sims[keep]


def implied_prefixes(texts: Sequence[str], cfg: DedupConfig) -> Readings:
    """Alternative readings of the titles that start with an implied prefix (module doc)."""
    n = len(texts)
    none = Readings([], np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(n, dtype=np.uint64))
    if cfg.implied_share >= 1 or n < 2:
        return none
    ch = chars(texts)
    raw = (ch.cls == HAN) | (ch.cls == WORD)
    before = np.zeros(ch.cps.size + 1, dtype=np.int32)
    np.cumsum(raw, out=before[1:])
    split = split_points(ch, before, cfg.min_main_units)
    main_len = before[np.minimum(split, ch.cps.size)] - before[ch.starts]
    pos = np.flatnonzero(raw)
    if pos.size < 2:
        return none
    tid = ch.tid[pos].astype(np.int64)
    cps = ch.cps[pos].astype(np.uint64)
    # Bigram of each character with the next one of the same text (0 at a text's end).
    same = np.zeros(pos.size, dtype=bool)
    same[:-1] = tid[1:] == tid[:-1]
    bigram = np.zeros(pos.size, dtype=np.uint64)
    bigram[:-1] = np.where(same[:-1], (cps[:-1] << _CP_BITS) | cps[1:], 0)
    first = np.minimum(np.searchsorted(tid, np.arange(n)), pos.size - 1)
    k = PREFIX_CHARS
    title_lead = np.where(main_len >= k, bigram[first], 0).astype(np.uint64)
    # Y must start some main title: one title says the name without the prefix.
    starts = sorted_unique(title_lead[title_lead > 0])
    texts_ok = np.flatnonzero(main_len >= 2 * k + 2)
    x_at = first[texts_ok]
    y = bigram[x_at + k]
    keep = _member(y, starts)
    texts_ok, x_at, y = texts_ok[keep], x_at[keep], y[keep]
    if texts_ok.size == 0:
        return dataclasses.replace(none, title_lead=title_lead)
    x = bigram[x_at]
    need = sorted_unique(np.concatenate((x, y)))
    # Titles containing each needed X or Y, and each needed XY (X right before Y).
    at_y = np.flatnonzero(_member(bigram, need))
    y_count = _texts_per_key(tid[at_y], bigram[at_y])
    at_xy = at_y[at_y >= k]
    at_xy = at_xy[tid[at_xy - k] == tid[at_xy]]
    xy_keys = _xy_key(bigram[at_xy - k], bigram[at_xy])
    xy_count = _texts_per_key(tid[at_xy], xy_keys)
    n_x, n_y = _lookup_count(y_count, x), _lookup_count(y_count, y)
    n_xy = _lookup_count(xy_count, _xy_key(x, y))
    implied = (n_xy >= 2) & (n_xy > cfg.implied_share * n_y) & (n_x > n_xy)
    owners = texts_ok[implied]
    cut = pos[x_at[implied] + k] - ch.starts[owners]
    return Readings(
        texts=[texts[t][c:] for t, c in zip(owners.tolist(), cut.tolist(), strict=True)],
        owner=owners.astype(np.int64),
        lead=y[implied],
        title_lead=title_lead,
    )


def _member(values: NDArray[np.uint64], sorted_keys: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Whether each value (not 0) is one of the sorted keys."""
    out = np.zeros(values.size, dtype=bool)
    if sorted_keys.size == 0:
        return out
    # A bitmap of hashed keys drops most values before the binary search.
    bits = np.uint64(64 - min(24, max(8, (sorted_keys.size * 8).bit_length())))
    with np.errstate(over="ignore"):
        present = np.zeros(1 << int(64 - bits), dtype=bool)
        present[(sorted_keys * np.uint64(_SPREAD)) >> bits] = True
        maybe = np.flatnonzero(present[(values * np.uint64(_SPREAD)) >> bits])
    at = np.minimum(np.searchsorted(sorted_keys, values[maybe]), sorted_keys.size - 1)
    out[maybe] = (sorted_keys[at] == values[maybe]) & (values[maybe] != 0)
    return out


def _xy_key(x: NDArray[np.uint64], y: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A 64-bit key of a bigram followed by a bigram (hashed: the four characters need 84 bits)."""
    with np.errstate(over="ignore"):
        out: NDArray[np.uint64] = mix(x) ^ y
    return out


def _texts_per_key(
    tid: NDArray[np.int64], keys: NDArray[np.uint64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Sorted distinct keys and how many texts hold each (a text counts once)."""
    order = np.lexsort((tid, keys))
    keys, tid = keys[order], tid[order]
    once = np.ones(keys.size, dtype=bool)
    once[1:] = (keys[1:] != keys[:-1]) | (tid[1:] != tid[:-1])
    keys = keys[once]
    new = np.ones(keys.size, dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(new)
    return keys[starts], np.diff(np.append(starts, keys.size))


def _lookup_count(
    table: tuple[NDArray[np.uint64], NDArray[np.int64]], queries: NDArray[np.uint64]
) -> NDArray[np.int64]:
    keys, counts = table
    if keys.size == 0:
        return np.zeros(queries.size, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return np.where(keys[at] == queries, counts[at], 0)
