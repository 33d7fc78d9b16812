"""Verified pairs to clusters: exact groups, star or single linkage, `Cluster`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reports.neardup.config import ClusterKind, DedupConfig
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Cluster:
    """Input indices judged duplicates of each other, with the survivor and the weakest link."""

    #: Position of the cluster when clusters are ordered by representative.
    cluster_id: int
    #: Indices into the input, ascending; at least two.
    members: tuple[int, ...]
    #: The survivor: the smallest member index (the first text seen).
    representative: int
    #: 1.0 for "exact"; for "near", the lowest similarity among the verified pairs that
    #: joined the cluster (its weakest link; members not directly paired may score lower).
    similarity: float
    #: "exact": all members are equal after `normalize_text`; "near": otherwise.
    kind: ClusterKind


@dataclass(frozen=True)
class Edges:
    """Verified pairs between distinct texts: a < b and their similarity."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    sim: NDArray[np.float64]


NO_EDGES = Edges(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))


def exact_groups(texts: Sequence[str]) -> tuple[list[str], NDArray[np.int64]]:
    """Distinct normalised texts in first-seen order and, per input, its distinct-text index."""
    seen: dict[str, int] = {}
    ids = [seen.setdefault(normalize_text(text), len(seen)) for text in texts]
    return list(seen), np.array(ids, dtype=np.int64)


def single_links(n: int, edges: Edges) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Connected components (label = smallest member) and each one's weakest edge."""
    label = np.arange(n, dtype=np.int64)
    while edges.a.size:
        la, lb = label[edges.a], label[edges.b]
        differ = la != lb
        if not differ.any():
            break
        # Hook the larger root under the smaller one, then jump pointers to the roots.
        np.minimum.at(label, np.maximum(la, lb)[differ], np.minimum(la, lb)[differ])
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    weakest = np.full(n, np.inf)
    np.minimum.at(weakest, label[edges.a], edges.sim)
    return label, weakest


def star_links(n: int, edges: Edges) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Star clusters (label = centre) and each one's weakest member-to-centre edge.

    Same result as: for each text in first-seen order, if no centre has taken it, it becomes
    a centre and takes its neighbours not yet taken. Done in rounds: a text decides once all
    its earlier neighbours have, so a round settles at least the earliest undecided text.
    """
    label = np.arange(n, dtype=np.int64)
    weakest = np.full(n, np.inf)
    order = np.lexsort((edges.a, edges.b))
    u, v, sim = edges.a[order], edges.b[order], edges.sim[order]
    state = np.zeros(n, dtype=np.int8)  # 0 undecided, 1 centre, 2 member
    while u.size:
        live = state[u] != 2
        u, v, sim = u[live], v[live], sim[live]
        has_earlier = np.zeros(n, dtype=bool)
        has_earlier[v] = True
        centre = u[(state[u] == 0) & ~has_earlier[u]]
        state[centre] = 1
        first = np.ones(v.size, dtype=bool)
        first[1:] = v[1:] != v[:-1]
        take = first & (state[u] == 1)
        label[v[take]] = u[take]
        state[v[take]] = 2
        np.minimum.at(weakest, u[take], sim[take])
        pending = state[v] == 0
        u, v, sim = u[pending], v[pending], sim[pending]
    return label, weakest


def clusters_from_labels(
    ids: NDArray[np.int64], label: NDArray[np.int64], weakest: NDArray[np.float64]
) -> list[Cluster]:
    """Clusters over inputs from per-distinct-text labels and per-label weakest links."""
    comp = label[ids]
    members = np.flatnonzero(np.bincount(comp, minlength=label.size)[comp] >= 2)
    if members.size == 0:
        return []
    members = members[np.argsort(comp[members], kind="stable")]
    starts = np.flatnonzero(np.diff(comp[members], prepend=-1))
    ends = np.append(starts[1:], members.size).tolist()
    low = weakest[comp[members[starts]]]
    exact = np.isinf(low).tolist()
    flat = members.tolist()
    # A label is its cluster's first-seen text, so groups come in representative order.
    return [
        Cluster(
            cluster_id=k,
            members=tuple(flat[start:end]),
            representative=flat[start],
            similarity=1.0 if is_exact else sim,
            kind="exact" if is_exact else "near",
        )
        for k, (start, end, sim, is_exact) in enumerate(
            zip(starts.tolist(), ends, low.tolist(), exact, strict=True)
        )
    ]


def link_clusters(ids: NDArray[np.int64], edges: Edges, cfg: DedupConfig) -> list[Cluster]:
    n_distinct = int(ids.max()) + 1 if ids.size else 0
    links = star_links if cfg.linkage == "star" else single_links
    return clusters_from_labels(ids, *links(n_distinct, edges))
