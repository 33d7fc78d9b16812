"""Candidate title pairs (steps 3 and 5 of `reports.neardup`): the deletion neighbourhood of
each main title, and typo pairs (one character deleted, doubled or moved past the subject)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from reports.neardup.config import DedupConfig
from reports.neardup.tokens import (
    HAN,
    MUL,
    U64,
    WORD,
    Units,
    codepoints,
    filler_tables,
    han_fillers,
    mix,
    ranges,
    sorted_unique,
    split_points,
    text_chunks,
)

_Key = TypeVar("_Key", np.uint64, np.int32)
_Int = TypeVar("_Int", np.int64, np.int32, np.uint64)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


#: Sorted keys `_add_groups` groups at once (typo keys pair 3-4 times over: some 150 bytes a
#: key while grouping), and move keys `_maybe_repeated` counts at once.
GROUP_SLICE = 1 << 18
#: Units `_deletion_keys` sums at once (a few 8-byte arrays of this size).
CHUNK_UNITS = 1 << 20
#: Keys `_key_pairs` joins in one pass, about (some 40 bytes a key, sorting and grouping).
PASS_KEYS = 1 << 22
#: Text pairs `candidate_pairs` expands from group pairs at once (some 50 bytes a pair).
EXPAND_PAIRS = 1 << 20
_LOW = np.uint64(0xFFFFFFFF)


def _deletion_keys(
    owner_of: NDArray[np.int64],
    hashes: NDArray[np.uint64],
    total: NDArray[np.uint64],
    cfg: DedupConfig,
    chunk_units: int = CHUNK_UNITS,
) -> list[NDArray[np.uint64]]:
    """Per deletion count d = 1..max_edits: each owner's multiset hash minus d adjacent units,
    packed with the owner (`_pack`) and sorted.

    `owner_of` names the owner of each unit hash (an owner's units are contiguous, in text
    order) and `total[owner]` is the sum of its unit hashes. The units are summed
    `chunk_units` at a time.
    """
    size = np.bincount(owner_of, minlength=total.size)
    out = []
    with np.errstate(over="ignore"):
        for d in range(1, cfg.max_edits + 1):
            m = max(owner_of.size - d + 1, 0)
            parts = []
            for lo in range(0, m, chunk_units):
                hi = min(lo + chunk_units, m)
                owner = owner_of[lo:hi]
                removed = hashes[lo:hi].copy()
                for k in range(1, d):
                    removed += hashes[lo + k : hi + k]
                ok = (owner == owner_of[lo + d - 1 : hi + d - 1]) & (
                    size[owner] - d >= cfg.min_remaining
                )
                parts.append(_pack(total[owner[ok]] - removed[ok], owner[ok]))
                del owner, removed, ok
            keys = _join(parts) if parts else np.zeros(0, dtype=np.uint64)
            keys.sort()
            out.append(keys)
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


def _pack(keys: NDArray[np.uint64], owners: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Keys cut to their top 32 bits, the owner (< 2**32) in the low bits: sorted, these are
    by key, then owner."""
    shift = np.uint64(32)
    out: NDArray[np.uint64] = ((keys >> shift) << shift) | owners.astype(np.uint64)
    return out


def _packed_sort(
    sets: Sequence[NDArray[np.uint64]],
) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """The packed keys of the sets, sorted: their keys (top 32 bits) and owners."""
    packed = np.concatenate(sets)
    packed.sort()
    return packed >> np.uint64(32), packed & _LOW


def _key_pairs(
    zero: NDArray[np.uint64],
    keysets: list[NDArray[np.uint64]],
    cfg: DedupConfig,
    pass_keys: int = PASS_KEYS,
) -> NDArray[np.int64]:
    """Distinct owner pairs (low, high), ascending, sharing a key within the deletion budget
    (keys cut to 32 bits).

    `zero[owner]` is each owner's undeleted key, `keysets[d - 1]` its keys with d deletions
    (`_deletion_keys`). Keys with d <= max_edits // 2 are joined with each other; a key with
    more deletions is looked up among keys with at most max_edits - d; two-deletion keys are
    also joined with each other in buckets of at most `swap_bucket`. Cut keys can collide; a
    collision only adds a candidate for the verifier.

    Equal keys only meet, so the keys are joined one range of top bits at a time, about
    `pass_keys` keys a pass: each pass finds, in the same order, what one pass over all keys
    finds in that range.
    """
    first = _pack(zero, np.arange(zero.size, dtype=np.int64))
    first.sort()
    sets = [first, *keysets]
    bits = 0
    while sum(s.size for s in sets) >> bits > pass_keys:
        bits += 1
    found = _Codes(zero.size)
    for part in range(1 << bits):
        # Each set is sorted, so a range of top bits is a slice of it.
        lo = np.uint64(part << (64 - bits)) if bits else None
        hi = np.uint64((part + 1) << (64 - bits)) if bits and part + 1 < 1 << bits else None
        cut = [s[_bound(s, lo) : _bound(s, hi, s.size)] for s in sets]
        a, b = _part_pairs(cut, cfg)
        found.add(np.concatenate(a), np.concatenate(b))
        del a, b
    return found.rows()


def _bound(s: NDArray[np.uint64], value: np.uint64 | None, default: int = 0) -> int:
    return default if value is None else int(np.searchsorted(s, value))


def _part_pairs(
    sets: list[NDArray[np.uint64]], cfg: DedupConfig
) -> tuple[list[NDArray[np.uint64]], list[NDArray[np.uint64]]]:
    """`_key_pairs` on packed, sorted key sets (zero deletions first)."""
    half = cfg.max_edits // 2
    key, owner = _packed_sort(sets[: half + 1])
    left, right = group_pairs(key, cfg.title_bucket)
    found_a, found_b = [owner[left]], [owner[right]]
    del key, owner, left, right
    for d in range(half + 1, cfg.max_edits + 1):
        target, target_owner = _packed_sort(sets[: cfg.max_edits - d + 1])
        if target.size == 0 or sets[d].size == 0:
            continue
        # A bitmap of the targets' top bits drops most queries before the binary search.
        bits = min(26, max(8, (target.size * 8).bit_length()))
        present = np.zeros(1 << bits, dtype=bool)
        present[target >> np.uint64(32 - bits)] = True
        query = sets[d] >> np.uint64(32)
        hit = present[query >> np.uint64(32 - bits)]
        query, owners = query[hit], sets[d][hit] & _LOW
        lo = np.searchsorted(target, query, side="left")
        count = np.minimum(np.searchsorted(target, query, side="right") - lo, cfg.title_bucket)
        found_a.append(np.repeat(owners, count))
        found_b.append(target_owner[ranges(lo, count)])
    if cfg.swap_bucket >= 2 and cfg.max_edits >= 2:
        # Two replaced on each side: only small buckets, big ones are siblings.
        key, owner = _packed_sort(sets[2:3])
        left, right = group_pairs(key, cfg.swap_bucket, skip=True)
        found_a.append(owner[left])
        found_b.append(owner[right])
    return found_a, found_b


def unique_pairs(a: NDArray[np.int64], b: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Distinct unordered pairs of different items as rows (low, high), ascending."""
    return _as_rows(sorted_unique(_codes(a, b, n)), n)


def _codes(a: NDArray[_Int], b: NDArray[_Int], n: int) -> NDArray[np.int64]:
    """Unordered pairs of different items as codes low * n + high (repeats kept)."""
    a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
    ok = a != b
    a, b = a[ok], b[ok]
    out: NDArray[np.int64] = np.minimum(a, b) * n + np.maximum(a, b)
    return out


def _as_rows(code: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    return np.stack((code // n, code % n), axis=1)


#: Pair codes `_Codes` holds unmerged, at least: a merge also walks the merged codes, so it
#: waits until the new ones outnumber them, or this many.
MERGE_CODES = 1 << 22


class _Codes:
    """Distinct pairs of items (< n) found a part at a time, merged as they pile up (a pair
    is often found many times over: a few merged copies of the codes stay, not the repeats)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.merged = np.zeros(0, dtype=np.int64)
        self.new: list[NDArray[np.int64]] = []
        self.pending = 0

    def add(self, a: NDArray[_Int], b: NDArray[_Int]) -> None:
        self.new.append(_codes(a, b, self.n))
        self.pending += self.new[-1].size
        if self.pending > max(self.merged.size, MERGE_CODES):
            self._merge()

    def _merge(self) -> None:
        new = sorted_unique(np.concatenate(self.new)) if self.new else self.merged[:0]
        self.new, self.pending = [], 0
        if not self.merged.size:
            self.merged = new
            return
        # Both sorted: the new codes not merged yet go in at their places.
        at = np.searchsorted(self.merged, new)
        fresh = self.merged[np.minimum(at, self.merged.size - 1)] != new
        new, at = new[fresh], at[fresh]
        out = np.empty(self.merged.size + new.size, dtype=np.int64)
        slot = at + np.arange(new.size)
        old = np.ones(out.size, dtype=bool)
        old[slot] = False
        out[slot] = new
        out[old] = self.merged
        self.merged = out

    def rows(self) -> NDArray[np.int64]:
        """`unique_pairs` of all pairs added."""
        self._merge()
        return _as_rows(self.merged, self.n)


def candidate_pairs(
    units: Units,
    n_texts: int,
    cfg: DedupConfig,
    *,
    pass_keys: int = PASS_KEYS,
    chunk_units: int = CHUNK_UNITS,
    expand_pairs: int = EXPAND_PAIRS,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Distinct text pairs (a < b) whose main titles are within the deletion budget, each unit
    counted once; and per text, whether its main title repeats a unit.

    A keyword-stuffed title says its subject twice (京东卡e卡回收电子卡全面指南 repeats 卡), so
    counted with repeats it is too far from a plain re-spin (京东e卡回收全攻略) for the keys.
    `pass_keys`, `chunk_units` and `expand_pairs` bound the memory; they do not change the
    pairs.
    """
    t, h = units.main_tid, units.main_hash
    repeats = np.zeros(n_texts, dtype=bool)
    if t.size == 0:
        return np.zeros((0, 2), dtype=np.int64), repeats
    # Later copies of a unit are dropped, unless right after a copy (转转, 的的: a doubled
    # name or a typo, which the other channels read).
    order = np.lexsort((h, t))
    ts, hs = t[order], h[order]
    later = np.zeros(order.size, dtype=bool)
    later[1:] = (ts[1:] == ts[:-1]) & (hs[1:] == hs[:-1])
    del ts, hs
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
    keysets = _deletion_keys(group_of[t[keep]], h[keep], mains, cfg, chunk_units)
    del keep, t, h
    pairs = _key_pairs(mains, keysets, cfg, pass_keys)
    del keysets
    return _member_pairs(pairs, group[order], texts[order], cfg.title_bucket, expand_pairs), repeats


def _member_pairs(
    pairs: NDArray[np.int64],
    group: NDArray[np.int64],
    members: NDArray[np.int32],
    max_bucket: int,
    expand_pairs: int,
) -> NDArray[np.int64]:
    """Text pairs (a < b) of the group pairs: all pairs inside a group, and members x members
    across a paired group (the two first members only when that product exceeds max_bucket).
    `members`: the texts by group, `group` theirs (ascending)."""
    sizes = np.bincount(group)
    start = np.cumsum(sizes) - sizes
    left, right = group_pairs(group, max_bucket)
    p, q = pairs[:, 0], pairs[:, 1]
    full = sizes[p] * sizes[q] <= max_bucket
    width = np.where(full, sizes[q], 1)
    count = np.where(full, sizes[p] * sizes[q], 1)
    out: NDArray[Any] = np.empty((left.size + int(count.sum()), 2), dtype=members.dtype)
    _put_pairs(out, 0, members[left], members[right])
    at = left.size
    # Group pairs are expanded about `expand_pairs` text pairs at a time, into the output.
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(expand_pairs, int(ends[-1:].sum()), expand_pairs))
    for lo, hi in itertools.pairwise([0, *cuts.tolist(), p.size]):
        c = count[lo:hi]
        which = np.repeat(np.arange(lo, hi), c)
        k = np.arange(which.size) - np.repeat(np.cumsum(c) - c, c)
        a = members[start[p[which]] + k // width[which]]
        b = members[start[q[which]] + k % width[which]]
        at = _put_pairs(out, at, a, b)
    return out


def _put_pairs(out: NDArray[_Int], at: int, a: NDArray[_Int], b: NDArray[_Int]) -> int:
    """Writes the pairs (low, high) into `out` from row `at`; returns the row after them."""
    out[at : at + a.size, 0] = np.minimum(a, b)
    out[at : at + a.size, 1] = np.maximum(a, b)
    return at + a.size


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
    found = _Codes(n_texts)
    _add_groups(found, key[order], owner[order], cfg.title_bucket, GROUP_SLICE)
    return found.rows()


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


#: Characters `typo_pairs` reads at once: its per-character arrays (some 15 of 8 bytes) stay
#: tens of MB; only the keys past the head (20 bytes a character) are kept for all texts.
TYPO_CHUNK_CHARS = 1 << 18


def typo_pairs(
    texts: Sequence[str],
    cfg: DedupConfig,
    *,
    chunk_chars: int = TYPO_CHUNK_CHARS,
    slice_keys: int = GROUP_SLICE,
) -> NDArray[np.int64]:
    """Text pairs (a < b) whose main-title character strings are one typo apart.

    The main title's letters, digits and Chinese characters form a string, taken twice: as
    it is, and without the filler words found intact (so that a typo also matches a copy
    with an adjective added or a template word swapped). The first `head_units` characters
    of a string are left alone. A pair is found when deleting one character after them from
    one string gives the other (a deletion or a doubled character), or deleting the same
    character from both, at different places, gives one string (two neighbours swapped, or
    a character moved). A character replaced is not a typo here: it is as often another
    name (杭州 / 广州, 小花钱包 / 小米钱包).

    The texts are read `chunk_chars` characters at a time and the move keys grouped
    `slice_keys` at a time; the keys are the same, in the same order, whatever the chunks and
    slices, so the pairs are too.
    """
    tables = filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon)
    # Per chunk: its texts, and which of its characters each of the two strings keeps.
    chunks = []
    for lo, hi, ch in text_chunks(texts, chunk_chars):
        raw = (ch.cls == HAN) | (ch.cls == WORD)
        before = np.zeros(ch.cps.size + 1, dtype=np.int32)
        np.cumsum(raw, out=before[1:])
        split = split_points(ch, before, cfg.min_main_units)
        del before
        main = raw & (np.arange(ch.cps.size) < split[ch.tid])
        _, word_class = han_fillers(ch, tables)
        filler = word_class >= 0
        filler[filler] = ~tables.is_aspect[word_class[filler]]
        chunks.append((lo, hi, main, main & ~filler))
        del ch, raw, main, word_class, filler
    found = _Codes(len(texts))
    for v in (0, 1):
        _one_typo(texts, [(lo, hi, keep[v]) for lo, hi, *keep in chunks], cfg, slice_keys, found)
    return found.rows()


def _one_typo(
    texts: Sequence[str],
    chunks: list[tuple[int, int, NDArray[np.bool_]]],
    cfg: DedupConfig,
    slice_keys: int,
    found: _Codes,
) -> None:
    """Adds to `found` the owner pairs one typo apart on the strings of the kept characters
    (`typo_pairs`), the kept characters given per chunk of texts (first and past-last text,
    a mask)."""
    fulls, has, deleted, moved, owner = [], [], [], [], []
    for lo, hi, keep in chunks:
        cps = codepoints("".join(texts[lo:hi]))
        tid = np.repeat(np.arange(hi - lo, dtype=np.int32), [len(t) for t in texts[lo:hi]])
        f, d, m, o = _typo_keys(cps, tid, hi - lo, keep, cfg)
        fulls.append(f)
        has.append(np.bincount(tid[keep], minlength=hi - lo) > 0)
        deleted.append(d)
        moved.append(m)
        owner.append(o + np.int32(lo))
    if not any(h.any() for h in has):
        return
    at = np.concatenate(has)
    full_keys, full_owner = _sorted_by_key(mix(np.concatenate(fulls)[at]), np.flatnonzero(at))
    del fulls, has, at
    # A deletion: one text's string minus a character is another text's string. A bitmap of
    # the keys' top bits drops most queries before the binary search.
    bits = _top_bits(full_keys.size)
    shift = np.uint64(64 - bits)
    present = np.zeros(1 << bits, dtype=bool)
    present[full_keys >> shift] = True
    for d, o in zip(deleted, owner, strict=True):
        hit = present[d >> shift]
        query, query_owner = d[hit], o[hit]
        lo = np.searchsorted(full_keys, query, side="left")
        count = np.minimum(np.searchsorted(full_keys, query, side="right") - lo, cfg.title_bucket)
        found.add(np.repeat(query_owner, count), full_owner[ranges(lo, count)])
    del deleted, present, full_keys, full_owner
    # A swap or move: the same character deleted from both gives one string.
    _pair_moves(_join(moved), _join(owner), cfg.title_bucket, slice_keys, found)


def _typo_keys(
    cps: NDArray[np.uint32],
    tid: NDArray[np.int32],
    n: int,
    keep_mask: NDArray[np.bool_],
    cfg: DedupConfig,
) -> tuple[NDArray[np.uint64], NDArray[np.uint64], NDArray[np.uint64], NDArray[np.int32]]:
    """Of one chunk's strings of kept characters: each text's string hash (0 for an empty
    one), and per deletable position the key of the string without it, the key of that and
    the character deleted, and the text."""
    keep = np.flatnonzero(keep_mask)
    if keep.size == 0:
        empty = np.zeros(0, dtype=np.uint64)
        return np.zeros(n, dtype=np.uint64), empty, empty, np.zeros(0, dtype=np.int32)
    tid = tid[keep]
    length = np.bincount(tid, minlength=n)
    start = np.cumsum(length) - length
    k = (np.arange(keep.size) - start[tid]).astype(np.int32)
    value = mix(cps[keep].astype(np.uint64))
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
        owner = tid[where]
        moved = mix(deleted ^ value[where])
    return full, mix(deleted), moved, owner


def _join(parts: list[NDArray[_Key]]) -> NDArray[_Key]:
    """np.concatenate(parts), emptying the list as it goes (the parts are freed early)."""
    out = np.empty(sum(p.size for p in parts), dtype=parts[0].dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at : at + part.size] = part
        at += part.size
    return out


def _pair_moves(
    moved: NDArray[np.uint64],
    owner: NDArray[np.int32],
    max_bucket: int,
    slice_keys: int,
    found: _Codes,
) -> None:
    """Adds to `found` the owner pairs of equal move keys (`group_pairs` on the keys sorted
    as they come)."""
    # The keys come in text order, as from one pass over all texts: the sort below (not
    # stable) then orders equal keys as it did, and a group above max_bucket keeps its star.
    repeated = _maybe_repeated(moved, slice_keys)
    keys = moved[repeated]
    del moved
    owner = owner[repeated]
    del repeated
    order = np.argsort(keys)
    keys = keys[order]
    owner = owner[order]
    del order
    _add_groups(found, keys, owner, max_bucket, slice_keys)


def _add_groups(
    found: _Codes,
    keys: NDArray[np.uint64],
    owner: NDArray[_Int],
    max_bucket: int,
    slice_keys: int,
) -> None:
    """Adds to `found` the owner pairs of equal sorted keys (`group_pairs`), grouped a slice of
    about `slice_keys` keys at a time, each cut moved back to its group's start."""
    cuts: NDArray[np.intp] = np.searchsorted(
        keys, keys[np.arange(slice_keys, keys.size, slice_keys)]
    )
    for lo, hi in itertools.pairwise([0, *cuts.tolist(), keys.size]):
        left, right = group_pairs(keys[lo:hi], max_bucket)
        found.add(owner[lo:hi][left], owner[lo:hi][right])


def _sorted_by_key(
    keys: NDArray[np.uint64], owners: NDArray[np.int64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    order = np.argsort(keys)
    return keys[order], owners[order]


def _top_bits(size: int) -> int:
    return min(26, max(8, (size * 4).bit_length()))


def _maybe_repeated(keys: NDArray[np.uint64], slice_keys: int) -> NDArray[np.bool_]:
    """Whether each key's top bits are some other key's (a superset of the repeats), counted
    `slice_keys` keys at a time."""
    bits = min(22, _top_bits(keys.size))  # bincount holds 8 bytes per bucket
    shift = np.uint64(64 - bits)
    slices = [slice(lo, lo + slice_keys) for lo in range(0, keys.size, slice_keys)]
    count = np.zeros(1 << bits, dtype=np.int64)
    for at in slices:
        count += np.bincount((keys[at] >> shift).astype(np.intp), minlength=1 << bits)
    out = np.empty(keys.size, dtype=bool)
    for at in slices:
        out[at] = count[(keys[at] >> shift).astype(np.intp)] >= 2
    return out
