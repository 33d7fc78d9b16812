"""Template families: titles that fill one template with different names (spam, not re-spins).

A farm fills "{}上门服务联系方式" with a hundred cities, or "{}平台的安全性分析" with every lender
it links. Each title is a different article to the near-duplicate verifier (another subject,
another place), yet together they are one finding: one template, many slot values.

`template_families` finds them. Each distinct normalised title is cut, at every place, into a
fixed prefix, a slot of 1 to `max_slot` characters and a fixed suffix; titles sharing the
prefix and the suffix (the slot may differ in length) share a template. A title goes to the
template it shares with the most titles (the longest fixed part on a tie), and a template
becomes a family when at least `min_members` titles with distinct slot values chose it and
its fixed part is at least `min_fixed` characters. Re-spins of one title are not separate
members: a member the verifier pairs (`title_edges`) with an earlier member of its family is
left out when their slot values read the same once filler and aspect words stand for their
class, so 还款流程 / 还款步骤 (one question reworded) do not count as two slot values, while
小花钱包 / 小米钱包 (two names the verifier cannot tell apart in a long shared template) stay
two members.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.config import DedupConfig
from reports.neardup.linkage import Cluster, exact_groups
from reports.neardup.titles import VerifiedTitles, cluster_titles, pair_arrays, verify_titles
from reports.neardup.tokens import MUL, codepoints, load_aspects, load_fillers, mix

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from numpy.typing import NDArray


#: Cuts `_slot_keys` counts at once (some 32 bytes a cut: key, cut and copies); above this
#: it spills them to temporary files of about this many cuts each.
PASS_CUTS = 1 << 22
#: Characters `_slot_keys` hashes at once (a few tens of 8-byte arrays of this size).
CHUNK_CHARS = 1 << 17


@dataclass(frozen=True, slots=True)
class TemplateFamily:
    """Titles that differ only in one slot of a shared template."""

    #: The template: the fixed prefix, "{}" for the slot, the fixed suffix (normalised text).
    template: str
    #: Input indices of the members, ascending: the first input of each distinct title.
    members: tuple[int, ...]
    #: Each member's slot value, in `members` order.
    slots: tuple[str, ...]


def template_families(
    titles: Sequence[str],
    *,
    min_members: int = 3,
    max_slot: int = 6,
    min_fixed: int = 5,
    pass_cuts: int = PASS_CUTS,
    chunk_chars: int = CHUNK_CHARS,
    verified: VerifiedTitles | None = None,
) -> list[TemplateFamily]:
    """Families of titles filling one template with different slot values, largest first.

    `pass_cuts` and `chunk_chars` bound the memory of the cuts (`_slot_keys`); they do not
    change the families. `verified`: `verify_titles(titles)`, when the caller has it already
    (else the members are verified among themselves)."""
    distinct, ids = (verified.distinct, verified.ids) if verified else exact_groups(titles)
    if len(distinct) < min_members:
        return []
    first_input = np.full(len(distinct), ids.size, dtype=np.int64)
    np.minimum.at(first_input, ids, np.arange(ids.size, dtype=np.int64))
    key, tid, start, stop = _slot_keys(
        distinct, max_slot, min_fixed, min_members, pass_cuts=pass_cuts, chunk_chars=chunk_chars
    )
    stop -= start  # the slot lengths, until the rows are chosen
    template, row = _best_template(key, tid, stop, len(distinct), min_members)
    del key, tid
    stop += start
    # Each text's own slot; the other cuts are freed before the pairs are searched.
    chosen = row >= 0
    slot_start, slot_stop = np.zeros((2, len(distinct)), dtype=np.int64)
    slot_start[chosen], slot_stop[chosen] = start[row[chosen]], stop[row[chosen]]
    del start, stop, row, chosen
    counts = np.bincount(template[template >= 0], minlength=1)
    in_family = np.flatnonzero((template >= 0) & (counts[np.maximum(template, 0)] >= min_members))
    # Re-spins of an earlier member of the same family are not members of their own.
    if verified is None:
        i, j, _ = pair_arrays([distinct[i] for i in in_family.tolist()])
        first, later = in_family[i], in_family[j]
    else:
        edges = verified.edges
        member = np.zeros(len(distinct), dtype=bool)
        member[in_family] = True
        both = member[edges.a] & member[edges.b]
        first, later = edges.a[both], edges.b[both]
    same = template[first] == template[later]
    # Each member's slot read once, as a number: a big farm pairs many members many times.
    reading_id: dict[str, int] = {}
    reading = np.full(len(distinct), -1, dtype=np.int64)
    for t in in_family.tolist():
        text = _slot_reading(distinct[t][slot_start[t] : slot_stop[t]])
        reading[t] = reading_id.setdefault(text, len(reading_id))
    respin = np.zeros(len(distinct), dtype=bool)
    respin[later[same][reading[first[same]] == reading[later[same]]]] = True
    kept = in_family[~respin[in_family]]
    kept = kept[np.argsort(template[kept], kind="stable")]
    bounds = np.flatnonzero(np.diff(template[kept])) + 1
    families = []
    for group in np.split(kept, bounds) if kept.size else []:
        texts = group.tolist()
        slots = [distinct[t][slot_start[t] : slot_stop[t]] for t in texts]
        if len(set(slots)) < min_members:
            continue
        lo, hi = int(slot_start[texts[0]]), int(slot_stop[texts[0]])
        by_input = sorted(zip(first_input[texts].tolist(), slots, strict=True))
        families.append(
            TemplateFamily(
                template=distinct[texts[0]][:lo] + "{}" + distinct[texts[0]][hi:],
                members=tuple(i for i, _ in by_input),
                slots=tuple(slot for _, slot in by_input),
            )
        )
    families.sort(key=lambda f: (-len(f.members), f.members[0]))
    return families


def title_findings(
    titles: Sequence[str], config: DedupConfig = DedupConfig()
) -> tuple[list[Cluster], list[TemplateFamily]]:
    """Duplicate clusters and template families of the titles, as the audit reports them:
    the siblings of a family are no duplicates of one another (exact copies still are)."""
    # One verification of all the titles serves both: the families' re-spins and the clusters.
    verified = verify_titles(titles, config)
    families = template_families(titles, verified=verified)
    family_of = [-1] * len(titles)
    unnamed = [False] * len(titles)
    for family_id, family in enumerate(families):
        for member, slot in zip(family.members, family.slots, strict=True):
            family_of[member] = family_id
            # A slot of question wording alone (是什么 / 有哪些, 该怎么办 / 怎么应对) names
            # nothing: two such members may be re-spins of one another, as the verifier decides.
            unnamed[member] = not _names_something(slot)
    clusters = cluster_titles(titles, config, apart=family_of, unnamed=unnamed, verified=verified)
    return clusters, families


@cache
def _class_words() -> tuple[dict[str, str], int]:
    """Bundled filler and aspect words → a marker of their class; the longest word's length."""
    words: dict[str, str] = {}
    for prefix, lexicon in (("f", load_fillers()), ("a", load_aspects())):
        words.update({w: f"\0{prefix}{k}\0" for w, k in lexicon.words.items()})
    return words, max(map(len, words), default=0)


def _names_something(slot: str) -> bool:
    """Whether the slot holds a letter, digit or Chinese character outside filler and aspect
    words."""
    return any(c.isalnum() for c in re.sub(r"\0[fa]\d+\0", "", _slot_reading(slot)))


# Farms repeat slot values (cities, lenders) across families and members: read each once.
@lru_cache(maxsize=1 << 16)
def _slot_reading(slot: str) -> str:
    """The slot with each filler or aspect word (longest first) replaced by its class: two
    slots reading the same ask one question in other words."""
    words, longest = _class_words()
    out, i = [], 0
    while i < len(slot):
        for n in range(min(longest, len(slot) - i), 0, -1):
            word = words.get(slot[i : i + n])
            if word is not None:
                out.append(word)
                i += n
                break
        else:
            out.append(slot[i])
            i += 1
    return "".join(out)


def _slot_keys(
    texts: list[str],
    max_slot: int,
    min_fixed: int,
    least: int,
    *,
    pass_cuts: int = PASS_CUTS,
    chunk_chars: int = CHUNK_CHARS,
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The (prefix, slot, suffix) cuts of the texts whose template key at least `least` cuts
    share: template key, text, slot start and end, by slot length then text then start.

    The key hashes the prefix and the suffix (with their lengths), not the slot, so slots of
    different lengths share a key. Start and end are offsets inside the text.

    Memory does not grow with the texts (but for the shared cuts): the texts are cut once,
    `chunk_chars` characters at a time, and when all cuts would pass `pass_cuts` the cuts
    are spilled to temporary files by the top bits of their keys, about `pass_cuts` a file;
    each file then counts its keys alone (all cuts of a key fall in one file) and keeps only
    the shared ones. Cutting the texts again for each range of keys instead made the work
    grow as the square of the texts (1M titles: 32 passes over all of them).
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    bits = 0
    while (total * max_slot) >> bits > pass_cuts:  # at most `max_slot` cuts a character
        bits += 1
    # Chunks of whole texts, about `chunk_chars` characters each.
    ends = starts + lengths
    edges = np.unique(
        np.concatenate(
            ([0, len(texts)], np.searchsorted(ends, np.arange(chunk_chars, total, chunk_chars)))
        )
    ).tolist()

    def chunks() -> Iterator[tuple[NDArray[np.uint64], NDArray[np.int64]]]:
        for a, b in itertools.pairwise(edges):
            key, at, slot = _cuts(texts[a:b], max_slot, min_fixed)
            # A cut as one number, ordered by slot length then position in all the texts.
            yield key, slot * total + starts[a] + at

    found_key, found_cut = [], []
    for key, cut in _by_top_bits(chunks(), bits):
        keep = _shared(key, least)
        found_key.append(key[keep])
        found_cut.append(cut[keep])
        del key, cut, keep
    key, cut = np.concatenate(found_key), np.concatenate(found_cut)
    del found_key, found_cut
    # The order one pass over all texts gives (`_best_template` breaks ties by it).
    order = np.argsort(cut)
    key, cut = key[order], cut[order]
    del order
    slot, at = np.divmod(cut, max(total, 1))
    del cut
    tid = np.searchsorted(starts, at, side="right") - 1  # empty texts share the next start
    pos = at - starts[tid]
    del at
    return key, tid, pos, pos + slot


_CUT = np.dtype([("key", "<u8"), ("cut", "<i8")])


def _by_top_bits(
    chunks: Iterable[tuple[NDArray[np.uint64], NDArray[np.int64]]], bits: int
) -> Iterator[tuple[NDArray[np.uint64], NDArray[np.int64]]]:
    """The (key, cut) chunks regrouped by the top `bits` bits of the key: one group per
    value, each read back from its own temporary file (no spill when `bits` is 0)."""
    if bits == 0:
        pairs = list(chunks)
        yield (
            np.concatenate([np.zeros(0, np.uint64), *(k for k, _ in pairs)]),
            np.concatenate([np.zeros(0, np.int64), *(c for _, c in pairs)]),
        )
        return
    with tempfile.TemporaryDirectory(prefix="farmaudit-cuts-") as spill:
        paths = [Path(spill) / f"{part}.bin" for part in range(1 << bits)]
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(path.open("wb")) for path in paths]
            for key, cut in chunks:
                part = key >> np.uint64(64 - bits)
                order = np.argsort(part)
                rows = np.empty(key.size, dtype=_CUT)
                rows["key"], rows["cut"] = key[order], cut[order]
                bounds = np.searchsorted(part[order], np.arange(len(files) + 1, dtype=np.uint64))
                for out, lo, hi in zip(files, bounds[:-1], bounds[1:], strict=True):
                    out.write(rows[lo:hi].tobytes())
                del part, order, rows
        for path in paths:
            rows = np.fromfile(path, dtype=_CUT)
            path.unlink()
            yield rows["key"].copy(), rows["cut"].copy()
            del rows


def _cuts(
    texts: list[str], max_slot: int, min_fixed: int
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
    """The (prefix, slot, suffix) cuts of the texts with a slot of 1 to `max_slot` characters
    and `min_fixed` fixed ones: key, first slot character (a position in the texts joined)
    and slot length, by slot length then position."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    ends = starts + lengths
    cps = codepoints("".join(texts)).astype(np.uint64)
    if not cps.size:
        return (
            np.empty(0, dtype=np.uint64),
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.int64),
        )
    tid = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    pos = np.arange(cps.size, dtype=np.int64) - starts[tid]
    span = lengths[tid]
    room = span - pos  # characters from here to the text's end
    value = mix(cps)
    powers = np.full(max(int(lengths.max()), 1), MUL, dtype=np.uint64)
    powers[0] = 1
    with np.errstate(over="ignore"):
        powers = np.cumprod(powers, dtype=np.uint64)
        # prefix[p]: hash of the text before p; suffix[p]: hash of the text from p on.
        terms = value * powers[pos]
        inclusive = np.cumsum(terms, dtype=np.uint64)
        prefix = inclusive - terms - _spread(inclusive - terms, starts, tid)
        back = value * powers[room - 1]
        from_end = np.cumsum(back[::-1], dtype=np.uint64)[::-1]
        suffix = from_end - _spread(from_end, ends, tid)
        del value, terms, inclusive, back, from_end
        # The key of the cut at p with a slot of k is head[p] * 3 + tail[p + k], each side
        # hashed with its length (the last tail: an empty suffix).
        head = mix(prefix ^ mix(pos.astype(np.uint64))) * np.uint64(3)
        tail = mix(suffix + room.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        tail = np.append(tail, mix(np.zeros(1, dtype=np.uint64)))
    del prefix, suffix
    keys, ats, slots = [], [], []
    for k in range(1, min(max_slot, cps.size) + 1):
        # Cuts at 0 .. size - k (no slot fits further on), with slices rather than gathers.
        n = cps.size + 1 - k
        with np.errstate(over="ignore"):
            key = head[:n] + np.where(room[:n] > k, tail[k:], tail[-1])
        ok = (room[:n] >= k) & (span[:n] - k >= min_fixed)
        p = np.flatnonzero(ok)
        keys.append(key[p])
        ats.append(p)
        slots.append(np.full(p.size, k, dtype=np.int64))
    return np.concatenate(keys), np.concatenate(ats), np.concatenate(slots)


def _shared(key: NDArray[np.uint64], least: int) -> NDArray[np.bool_]:
    """Whether each key is one at least `least` of the keys share (found on the sorted keys,
    so no per-key index is sorted)."""
    ordered = np.sort(key)
    # A key `least` keys share is equal to the key `least - 1` places further on.
    step = max(least - 1, 0)
    shared = np.unique(
        ordered[: ordered.size - step][ordered[step:] == ordered[: ordered.size - step]]
    )
    del ordered
    if not shared.size:
        return np.zeros(key.size, dtype=bool)
    found: NDArray[np.bool_] = (
        shared[np.minimum(np.searchsorted(shared, key), shared.size - 1)] == key
    )
    return found


def _spread(
    sums: NDArray[np.uint64], at: NDArray[np.int64], tid: NDArray[np.int64]
) -> NDArray[np.uint64]:
    """Per text t, `sums[at[t]]` (0 past the end), spread over the text's positions: the
    running sum at a text's first position, or the backward one just past its last."""
    base = np.zeros(at.size, dtype=np.uint64)
    inside = at < sums.size
    base[inside] = sums[at[inside]]
    return base[tid]


def _best_template(
    key: NDArray[np.uint64], tid: NDArray[np.int64], slot: NDArray[np.int64], n: int, least: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per text, its cut whose template the most texts share, the shortest slot on a tie,
    then the slot that starts first (stable sorts: cuts come by slot length, then position).

    Only templates shared by `least` texts or more count. Returns per text the template (a
    number shared by the texts choosing it; -1 for a text sharing no such template) and the
    row of the text's own cut.
    """
    # Temporaries are freed, or computed in place, as soon as they can be: at 1M titles the
    # cuts are some 24M, 190 MB an array.
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    del sorted_key
    group = np.cumsum(new)
    group -= 1
    del new
    size = np.bincount(group)[group]
    big = size >= least
    if not big.all():
        order, group, size = order[big], group[big], size[big]
    del big
    # One sort on a packed key: text, then most sharers, then shortest slot.
    packed = tid[order].astype(np.int64, copy=False)
    packed <<= 36
    np.subtract(np.int64(1 << 32) - 1, size, out=size)
    size <<= 4
    packed |= size
    del size
    packed |= np.minimum(slot[order], 15)
    rank = np.argsort(packed, kind="stable")
    del packed
    owner = tid[order[rank]]
    first = np.ones(rank.size, dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    chosen = rank[first]
    template = np.full(n, -1, dtype=np.int64)
    template[tid[order[chosen]]] = group[chosen]
    row = np.full(n, -1, dtype=np.int64)
    row[tid[order[chosen]]] = order[chosen]
    return template, row
