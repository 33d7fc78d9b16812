"""Candidate title pairs (steps 3 and 5 of `reports.neardup`): the deletion neighbourhood of
each main title, and typo pairs (one character deleted, doubled or moved past the subject)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.config import DedupConfig
from reports.neardup.tokens import (
    HAN,
    MUL,
    U64,
    WORD,
    Chars,
    Units,
    chars,
    filler_tables,
    han_fillers,
    mix,
    ranges,
    sorted_unique,
    split_points,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


def _deletion_keys(
    owner_of: NDArray[np.int64],
    hashes: NDArray[np.uint64],
    total: NDArray[np.uint64],
    cfg: DedupConfig,
) -> list[tuple[NDArray[np.uint64], NDArray[np.int64]]]:
    """Per deletion count d = 1..max_edits: each owner's multiset hash minus d adjacent units.

    `owner_of` names the owner of each unit hash (an owner's units are contiguous, in text
    order) and `total[owner]` is the sum of its unit hashes.
    """
    size = np.bincount(owner_of, minlength=total.size)
    out = []
    with np.errstate(over="ignore"):
        for d in range(1, cfg.max_edits + 1):
            m = max(owner_of.size - d + 1, 0)
            owner = owner_of[:m]
            removed = np.zeros(m, dtype=np.uint64)
            for k in range(d):
                removed += hashes[k : m + k]
            ok = (owner == owner_of[d - 1 : d - 1 + m]) & (size[owner] - d >= cfg.min_remaining)
            out.append((total[owner[ok]] - removed[ok], owner[ok]))
    return out


def group_pairs(
    sorted_keys: NDArray[np.uint64] | NDArray[np.int64], max_bucket: int, *, skip: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Index pairs (i < j) of equal sorted keys; a group above max_bucket is a star or skipped."""
    # Most keys are alone: work on the entries that equal a neighbour only.
    same = sorted_keys[1:] == sorted_keys[:-1]
    in_group = np.zeros(sorted_keys.size, dtype=bool)
    in_group[1:] = same
    in_group[:-1] |= same
    idx = np.flatnonzero(in_group)
    if idx.size == 0:
        return idx, idx
    new = np.ones(idx.size, dtype=bool)
    new[1:] = sorted_keys[idx[1:]] != sorted_keys[idx[:-1]]
    group_start = np.flatnonzero(new)
    sizes = np.diff(np.append(group_start, idx.size))
    size = np.repeat(sizes, sizes)
    rank = np.arange(idx.size) - np.repeat(group_start, sizes)
    big = 0 if skip else np.where(rank == 0, size - 1, 0)
    partners = np.where(size > max_bucket, big, size - rank - 1)
    left = np.repeat(np.arange(idx.size), partners)
    right = ranges(np.arange(1, idx.size + 1), partners)
    return idx[left], idx[right]


def _packed_sort(
    sets: Sequence[tuple[NDArray[np.uint64], NDArray[np.int64]]],
) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Keys cut to their top 32 bits, sorted, and the entries' owners (< 2**32) in that order."""
    shift = np.uint64(32)
    packed = np.concatenate([((k >> shift) << shift) | o.astype(np.uint64) for k, o in sets])
    packed.sort()
    return packed >> shift, packed & np.uint64(0xFFFFFFFF)


def _key_pairs(
    zero: NDArray[np.uint64],
    keysets: list[tuple[NDArray[np.uint64], NDArray[np.int64]]],
    cfg: DedupConfig,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Owner pairs sharing a key within the deletion budget (keys cut to 32 bits).

    `zero[owner]` is each owner's undeleted key, `keysets[d - 1]` its keys with d deletions.
    Keys with d <= max_edits // 2 are joined with each other; a key with more deletions is
    looked up among keys with at most max_edits - d; two-deletion keys are also joined with
    each other in buckets of at most `swap_bucket`. Cut keys can collide; a collision only
    adds a candidate for the verifier.
    """
    sets = [(zero, np.arange(zero.size, dtype=np.int64)), *keysets]
    half = cfg.max_edits // 2
    key, owner = _packed_sort(sets[: half + 1])
    left, right = group_pairs(key, cfg.max_bucket)
    found_a, found_b = [owner[left]], [owner[right]]
    for d in range(half + 1, cfg.max_edits + 1):
        keys, owners = sets[d]
        target, target_owner = _packed_sort(sets[: cfg.max_edits - d + 1])
        if target.size == 0 or keys.size == 0:
            continue
        # A bitmap of the targets' top bits drops most queries before the binary search.
        bits = min(26, max(8, (target.size * 8).bit_length()))
        present = np.zeros(1 << bits, dtype=bool)
        present[target >> np.uint64(32 - bits)] = True
        query = keys >> np.uint64(32)
        hit = present[query >> np.uint64(32 - bits)]
        query, owners = query[hit], owners[hit]
        lo = np.searchsorted(target, query, side="left")
        count = np.minimum(np.searchsorted(target, query, side="right") - lo, cfg.max_bucket)
        found_a.append(np.repeat(owners, count).astype(np.uint64))
        found_b.append(target_owner[ranges(lo, count)])
    if cfg.swap_bucket >= 2 and cfg.max_edits >= 2:
        # Two replaced on each side: only small buckets, big ones are siblings.
        key, owner = _packed_sort(sets[2:3])
        left, right = group_pairs(key, cfg.swap_bucket, skip=True)
        found_a.append(owner[left])
        found_b.append(owner[right])
    return np.concatenate(found_a).astype(np.int64), np.concatenate(found_b).astype(np.int64)


def unique_pairs(a: NDArray[np.int64], b: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Distinct unordered pairs of different items as rows (low, high), ascending."""
    ok = a != b
    code = sorted_unique(np.minimum(a[ok], b[ok]) * n + np.maximum(a[ok], b[ok]))
    return np.stack((code // n, code % n), axis=1)


def candidate_pairs(
    units: Units, n_texts: int, cfg: DedupConfig
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Distinct text pairs (a < b) whose main titles are within the deletion budget, each unit
    counted once; and per text, whether its main title repeats a unit.

    A keyword-stuffed title says its subject twice (京东卡e卡回收电子卡全面指南 repeats 卡), so
    counted with repeats it is too far from a plain re-spin (京东e卡回收全攻略) for the keys.
    """
    t, h = units.main_tid, units.main_hash
    repeats = np.zeros(n_texts, dtype=bool)
    if t.size == 0:
        return np.zeros((0, 2), dtype=np.int64), repeats
    # Later copies of a unit are dropped, unless right after a copy (转转, 的的: a doubled
    # name or a typo, which the other channels read).
    order = np.lexsort((h, t))
    later = np.zeros(order.size, dtype=bool)
    later[1:] = (t[order[1:]] == t[order[:-1]]) & (h[order[1:]] == h[order[:-1]])
    drop = np.zeros(t.size, dtype=bool)
    drop[order[later]] = True
    doubled = np.zeros(t.size, dtype=bool)
    doubled[1:] = (t[1:] == t[:-1]) & (h[1:] == h[:-1])
    drop &= ~doubled
    if drop.any():
        repeats[t[drop]] = True
        t, h = t[~drop], h[~drop]
    new = np.ones(t.size, dtype=bool)
    new[1:] = t[1:] != t[:-1]
    texts, first = t[new], np.flatnonzero(new)
    with np.errstate(over="ignore"):
        zero = np.add.reduceat(h, first)
    # Texts with the same main-title multiset form a group; keys are made once per group.
    order = np.argsort(zero, kind="stable")
    is_new = np.ones(order.size, dtype=bool)
    is_new[1:] = zero[order[1:]] != zero[order[:-1]]
    group = np.empty(order.size, dtype=np.int64)
    group[order] = np.cumsum(is_new) - 1
    mains = zero[order[is_new]]
    group_of = np.full(n_texts, -1, dtype=np.int64)
    group_of[texts] = group
    is_rep = np.zeros(n_texts, dtype=bool)
    is_rep[texts[order[is_new]]] = True
    keep = is_rep[t]
    keysets = _deletion_keys(group_of[t[keep]], h[keep], mains, cfg)
    ga, gb = _key_pairs(mains, keysets, cfg)
    pairs = unique_pairs(ga, gb, mains.size)
    # Texts: all pairs inside a group, and members x members across a paired group (the two
    # first members only when that product exceeds max_bucket).
    members = texts[order]
    sizes = np.bincount(group, minlength=mains.size)
    start = np.cumsum(sizes) - sizes
    left, right = group_pairs(group[order], cfg.max_bucket)
    p, q = pairs[:, 0], pairs[:, 1]
    full = sizes[p] * sizes[q] <= cfg.max_bucket
    width = np.where(full, sizes[q], 1)
    count = np.where(full, sizes[p] * sizes[q], 1)
    which = np.repeat(np.arange(p.size), count)
    k = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
    a = np.concatenate((members[left], members[start[p[which]] + k // width[which]]))
    b = np.concatenate((members[right], members[start[q[which]] + k % width[which]]))
    return np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1), repeats


def subject_pairs(units: Units, n_texts: int, cfg: DedupConfig) -> NDArray[np.int64]:
    """Text pairs (a < b) whose main titles open with the same `subject_units` content units
    and ask the same set of aspects (at least one).

    A re-spin keeps its subject and rewords the question after it (小花钱包退费指南 /
    小花钱包服务费退款政策解析), often by more than the deletion neighbourhood reaches; a
    template sibling swaps the subject. These pairs are verified at `subject_threshold`, with
    `verify(..., same_question=True)`.
    """
    k = cfg.subject_units
    t, h = units.main_tid, units.main_hash
    if k == 0 or t.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    new = np.ones(t.size, dtype=bool)
    new[1:] = t[1:] != t[:-1]
    first = np.flatnonzero(new)
    length = np.diff(np.append(first, t.size))
    first, owner = first[length >= k], t[first[length >= k]]
    # The verifier asks for the same set of questions: titles asking none, or another set,
    # need not meet.
    asked = units.question_count[owner] > 0
    first, owner = first[asked], owner[asked]
    key = np.zeros(first.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            key = key * np.uint64(MUL) + h[first + j]
        key = mix(key) + _question_sets(units)[owner]
    order = np.argsort(key, kind="stable")
    left, right = group_pairs(key[order], cfg.max_bucket)
    return unique_pairs(
        owner[order][left].astype(np.int64), owner[order][right].astype(np.int64), n_texts
    )


def _question_sets(units: Units) -> NDArray[np.uint64]:
    """Per text, a hash of the set of aspect classes it asks (`Units.question`)."""
    at = np.flatnonzero(units.question)
    row = np.searchsorted(units.offsets, at, side="right") - 1
    out = np.zeros(units.offsets.size - 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.add.at(out, row, mix(units.codes[at] ^ np.uint64(0x5BD1E995)))
    return out


# ---------------------------------------------------------------------------------------------
# Typos: one character deleted, doubled or moved, past the subject


def typo_pairs(texts: Sequence[str], cfg: DedupConfig) -> NDArray[np.int64]:
    """Text pairs (a < b) whose main-title character strings are one typo apart.

    The main title's letters, digits and Chinese characters form a string, taken twice: as
    it is, and without the filler words found intact (so that a typo also matches a copy
    with an adjective added or a template word swapped). The first `head_units` characters
    of a string are left alone. A pair is found when deleting one character after them from
    one string gives the other (a deletion or a doubled character), or deleting the same
    character from both, at different places, gives one string (two neighbours swapped, or
    a character moved). A character replaced is not a typo here: it is as often another
    name (杭州 / 广州, 小花钱包 / 小米钱包).
    """
    ch = chars(texts)
    raw = (ch.cls == HAN) | (ch.cls == WORD)
    before = np.zeros(ch.cps.size + 1, dtype=np.int32)
    np.cumsum(raw, out=before[1:])
    split = split_points(ch, before, cfg.min_main_units)
    del before
    main = raw & (np.arange(ch.cps.size) < split[ch.tid])
    tables = filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon)
    _, word_class = han_fillers(ch, tables)
    filler = word_class >= 0
    filler[filler] = ~tables.is_aspect[word_class[filler]]
    found = [_one_typo(ch, main, cfg), _one_typo(ch, main & ~filler, cfg)]
    a, b = (np.concatenate(side) for side in zip(*found, strict=True))
    return unique_pairs(a, b, len(texts))


def _one_typo(
    ch: Chars, keep_mask: NDArray[np.bool_], cfg: DedupConfig
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Owner pairs one typo apart on the strings of the kept characters (`typo_pairs`)."""
    keep = np.flatnonzero(keep_mask)
    n = ch.starts.size
    if keep.size == 0:
        return keep, keep
    tid = ch.tid[keep]
    length = np.bincount(tid, minlength=n)
    start = np.cumsum(length) - length
    k = (np.arange(keep.size) - start[tid]).astype(np.int32)
    value = mix(ch.cps[keep].astype(np.uint64))
    del keep
    powers = np.full(int(length.max()), MUL, dtype=np.uint64)
    powers[0] = 1
    has = length > 0
    with np.errstate(over="ignore"):
        powers = np.cumprod(powers, dtype=np.uint64)
        inverse = np.uint64(pow(MUL, -1, U64))
        terms = value * powers[k]
        pre = np.cumsum(terms, dtype=np.uint64)  # inclusive, across texts
        offset = np.zeros(n, dtype=np.uint64)
        offset[has] = pre[start[has]] - terms[start[has]]  # what precedes each text
        pre -= offset[tid]  # inclusive prefix hash within the text
        full = np.zeros(n, dtype=np.uint64)
        full[has] = pre[start[has] + length[has] - 1]
        where = np.flatnonzero(
            (k >= cfg.head_units) & (length[tid] - 1 >= max(cfg.min_remaining, 1))
        )
        del k
        # The string with a position deleted: its prefix, then the rest moved down one place.
        pre, terms = pre[where], terms[where]
        deleted = (pre - terms) + (full[tid[where]] - pre) * inverse
        del pre, terms
        owner = tid[where].astype(np.int64)
        moved = mix(deleted ^ value[where])
        del value, where, tid
        deleted = mix(deleted)
    # A deletion: one text's string minus a character is another text's string.
    full_keys, full_owner = _sorted_by_key(mix(full[has]), np.flatnonzero(has))
    probe = _maybe_in(deleted, full_keys)
    query, query_owner = deleted[probe], owner[probe]
    del deleted, probe
    lo = np.searchsorted(full_keys, query, side="left")
    count = np.minimum(np.searchsorted(full_keys, query, side="right") - lo, cfg.max_bucket)
    a = [np.repeat(query_owner, count)]
    b = [full_owner[ranges(lo, count)]]
    # A swap or move: the same character deleted from both gives one string.
    probe = _maybe_repeated(moved)
    move_keys, move_owner = _sorted_by_key(moved[probe], owner[probe])
    left, right = group_pairs(move_keys, cfg.max_bucket)
    a.append(move_owner[left])
    b.append(move_owner[right])
    return np.concatenate(a), np.concatenate(b)


def _sorted_by_key(
    keys: NDArray[np.uint64], owners: NDArray[np.int64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    order = np.argsort(keys)
    return keys[order], owners[order]


def _top_bits(size: int) -> int:
    return min(26, max(8, (size * 4).bit_length()))


def _maybe_in(queries: NDArray[np.uint64], keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Positions of the queries whose top bits some key has (a superset of the matches)."""
    bits = _top_bits(keys.size)
    shift = np.uint64(64 - bits)
    present = np.zeros(1 << bits, dtype=bool)
    present[keys >> shift] = True
    return np.flatnonzero(present[queries >> shift])


def _maybe_repeated(keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Positions of the keys whose top bits another key has (a superset of the repeats)."""
    bits = min(22, _top_bits(keys.size))  # bincount holds 8 bytes per bucket
    top = (keys >> np.uint64(64 - bits)).astype(np.int64)
    return np.flatnonzero(np.bincount(top, minlength=1 << bits)[top] >= 2)
