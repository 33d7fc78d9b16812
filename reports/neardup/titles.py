"""Title duplicates end to end (`find_pairs`, `cluster_titles`): exact groups, candidates,
verifier, linkage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.candidates import candidate_pairs, group_pairs, subject_pairs, typo_pairs
from reports.neardup.columns import read_columns
from reports.neardup.config import DedupConfig
from reports.neardup.dates import date_conflicts
from reports.neardup.linkage import NO_EDGES, Cluster, Edges, exact_groups, link_clusters
from reports.neardup.prefixes import implied_prefixes
from reports.neardup.stamps import drop_year_stamps
from reports.neardup.tokens import Units, filler_tables, title_units
from reports.neardup.variants import fold_variants
from reports.neardup.verify import verify

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


#: Candidate pairs `_verified` verifies at once: only the pairs that pass are kept for all
#: (a few 8-byte arrays of this size, and `verify`'s own chunks).
VERIFY_PAIRS = 1 << 20


def _verified(
    units: Units,
    pairs: NDArray[np.int64],
    repeats: NDArray[np.bool_],
    cfg: DedupConfig,
    block: int = VERIFY_PAIRS,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The candidate pairs at `threshold` or above, and their similarity (`verify`; a pair
    with a keyword-stuffed title must be one within the other), `block` pairs at a time."""
    kept, sims = [pairs[:0]], [np.zeros(0)]
    for lo in range(0, len(pairs), block):
        part = pairs[lo : lo + block]
        stuffed = repeats[part[:, 0]] | repeats[part[:, 1]]
        sim = np.zeros(len(part))
        sim[~stuffed] = verify(units, part[~stuffed])
        sim[stuffed] = verify(units, part[stuffed], contained=True)
        ok = sim >= cfg.threshold
        kept.append(part[ok])
        sims.append(sim[ok])
    return np.concatenate(kept), np.concatenate(sims)


def read_titles(distinct: list[str], cfg: DedupConfig) -> list[str]:
    """Distinct normalised titles as every later step reads them (step 1)."""
    # One wording per thing (预付款 / 先付款): every later step reads the folded text.
    distinct = fold_variants(distinct, cfg.variant_lexicon)
    # A column name (电子消费券|…) is the subtitle of the article title after it.
    distinct = read_columns(distinct, cfg)
    # A year stamp (2025年…, 【2025 最新】) says nothing of the article.
    return drop_year_stamps(distinct)


def title_edges(distinct: list[str], cfg: DedupConfig) -> Edges:
    """Verified pairs (a < b) between distinct normalised titles (`exact_groups`)."""
    if len(distinct) < 2:
        return NO_EDGES
    distinct = read_titles(distinct, cfg)
    # Rows past the titles read a title without a prefix the crawl implies (京东e卡… as e卡…).
    readings = implied_prefixes(distinct, cfg)
    n = len(distinct)
    rows = distinct + readings.texts
    # Typo pairs first: their arrays are freed before the units are built.
    typos = typo_pairs(rows, cfg)
    units = title_units(rows, filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon), cfg)
    # Candidates with each unit counted once, so that a keyword-stuffed title (京东卡e卡回收电子卡
    # repeats 卡) meets a plain re-spin; a pair with such a title must be one within the other.
    pairs, sims = _verified(units, *candidate_pairs(units, len(rows), cfg), cfg)
    # Same subject and a common question: the rest may be reworded further.
    subject = subject_pairs(units, len(rows), cfg)
    subject_sims = verify(units, subject, same_question=True)
    ok = subject_sims >= cfg.subject_threshold
    pairs = np.concatenate((pairs, subject[ok]))
    sims = np.concatenate((sims, np.maximum(subject_sims[ok], cfg.threshold)))
    del subject, subject_sims, ok
    # Typo pairs pass unless a conflict rule rejects them (similarity 0), at `threshold` at
    # least.
    typo_sims = verify(units, typos, numbers=False)
    # The units and the typo pairs are freed before the last, pair-wide steps.
    del units
    hit = typo_sims > 0
    pairs = np.concatenate((pairs, typos[hit]))
    sims = np.concatenate((sims, np.maximum(typo_sims[hit], cfg.threshold)))
    del typos, typo_sims, hit
    # Two days named, two articles (a draw, a match), wherever the date stands.
    keep = ~date_conflicts(rows, pairs)
    pairs, sims = pairs[keep], sims[keep]
    # A reading pairs, as its title, with titles that also start where it does (e卡… / e卡…).
    pairs, sims = readings.as_titles(pairs, sims)
    # One edge per pair, the highest similarity.
    code = pairs[:, 0] * n + pairs[:, 1]
    order = np.lexsort((-sims, code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = code[order[1:]] != code[order[:-1]]
    order = order[first]
    return Edges(pairs[order, 0], pairs[order, 1], sims[order])


@dataclass(frozen=True, slots=True)
class VerifiedTitles:
    """Titles read once: their distinct normalised texts, each input's distinct index
    (`exact_groups`) and the verified pairs between distinct texts (`title_edges`), for
    callers that need them twice (`title_findings`: families, then clusters)."""

    distinct: list[str]
    ids: NDArray[np.int64]
    edges: Edges


def verify_titles(titles: Sequence[str], config: DedupConfig = DedupConfig()) -> VerifiedTitles:
    """`VerifiedTitles` of the titles."""
    distinct, ids = exact_groups(titles)
    return VerifiedTitles(distinct, ids, title_edges(distinct, config))


def find_pairs(
    titles: Sequence[str], config: DedupConfig = DedupConfig()
) -> list[tuple[int, int, float]]:
    """Input index pairs (i < j, ascending) judged duplicates: exact (1.0) or verified re-spins.

    Pairs are direct decisions, not the transitive closure that `cluster_titles` builds; an
    exact group of k titles yields k * (k - 1) / 2 pairs.
    """
    i, j, sim = pair_arrays(titles, config)
    return list(zip(i.tolist(), j.tolist(), sim.tolist(), strict=True))


def pair_arrays(
    titles: Sequence[str], config: DedupConfig = DedupConfig()
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """`find_pairs` as arrays i, j, similarity (no Python tuple per pair)."""
    distinct, ids = exact_groups(titles)
    edges = title_edges(distinct, config)
    # Inputs by distinct text: exact copies pair with each other, and across each edge.
    order = np.argsort(ids, kind="stable")
    size = np.bincount(ids, minlength=len(distinct))
    start = np.cumsum(size) - size
    left, right = group_pairs(ids[order], max(ids.size, 2))
    count = size[edges.a] * size[edges.b]
    which = np.repeat(np.arange(count.size), count)
    k = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
    x = np.concatenate((order[left], order[start[edges.a[which]] + k // size[edges.b[which]]]))
    y = np.concatenate((order[right], order[start[edges.b[which]] + k % size[edges.b[which]]]))
    sim = np.concatenate((np.ones(left.size), edges.sim[which]))
    i, j = np.minimum(x, y), np.maximum(x, y)
    ascending = np.lexsort((j, i))
    return i[ascending], j[ascending], sim[ascending]


def cluster_titles(
    titles: Sequence[str],
    config: DedupConfig = DedupConfig(),
    *,
    apart: Sequence[int] | None = None,
    unnamed: Sequence[bool] | None = None,
    verified: VerifiedTitles | None = None,
) -> list[Cluster]:
    """Clusters of exact and near-duplicate titles (re-spins); singletons are left out.

    `apart`, one label per title: two different texts with the same label >= 0 are never
    linked (template siblings of one family, reported as a family instead); -1 is no label.
    `unnamed`, one flag per title: two texts both flagged may still be linked under one label
    (family members whose slot is question wording, 是什么 / 有哪些, not a name). Exact copies
    of a title are still one cluster. `verified`: `verify_titles(titles, config)`, when the
    caller has it already.
    """
    verified = verified or verify_titles(titles, config)
    distinct, ids, edges = verified.distinct, verified.ids, verified.edges
    if apart is not None and edges.a.size:
        label = np.full(len(distinct), -1, dtype=np.int64)
        np.maximum.at(label, ids, np.asarray(apart, dtype=np.int64))
        keep = (label[edges.a] < 0) | (label[edges.a] != label[edges.b])
        if unnamed is not None:
            flag = np.zeros(len(distinct), dtype=bool)
            flag[ids] = np.asarray(unnamed, dtype=bool)
            keep |= flag[edges.a] & flag[edges.b]
        edges = Edges(edges.a[keep], edges.b[keep], edges.sim[keep])
    return link_clusters(ids, edges, config)
