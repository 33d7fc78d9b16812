"""The audit's stages after `links`: graph, pages, duplicates, changes, and the list of all.

Each reads the dataset's tables and earlier stages' tables (DuckDB over Parquet, or part by
part) and writes its own; see `reports.audit.stage` for their shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from pipelines.store.commits import records_to_table, write_table_atomic
from pipelines.store.schema import (
    CHANGES,
    DUPLICATE_CLUSTERS,
    LINK_FINDINGS,
    PAGE_FINDINGS,
    SPAM_FAMILIES,
)
from reports import graph
from reports.audit.links import run_links
from reports.audit.profiles import run_profiles
from reports.audit.shuffle import run_graph_shuffled
from reports.audit.stage import Stage
from reports.audit.texts import TARGETS, iter_targets, run_targets, run_topics
from reports.neardup import BodySigner, Cluster, DedupConfig, TemplateFamily, title_findings
from reports.report.since import carry_first_seen, compare_audits
from reports.spam import NONE

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import duckdb
    from numpy.typing import NDArray

    from reports.audit.stage import StageContext


def findings_connection(ctx: StageContext) -> duckdb.DuckDBPyConnection:
    """DuckDB over the dataset (`pages`, `links`, `fetches`) and the work tables so far."""
    con = graph.connect(ctx.root)
    ctx.view(con, "targets", TARGETS)
    ctx.view(con, "link_findings", LINK_FINDINGS)
    return con


def run_graph(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """link_targets and anchor_findings, in DuckDB straight over the links table, or as a
    shuffle by key when the runner's tasks run on many workers."""
    if ctx.runner.shuffles:
        targets, anchors, rows_in = run_graph_shuffled(ctx)
    else:
        con = graph.connect(ctx.root)
        try:
            rows_in = int(con.execute("SELECT count(*) FROM links").fetchall()[0][0])
            # The anchors' query runs within the same limit: at 1M it ran after the retries
            # had raised it, so what it needs alone is not measured.
            con.execute(
                f"SET memory_limit = '{graph.memory_for(rows_in, graph.GRAPH_BYTES_PER_LINK)}'"
            )
            targets = graph.link_targets(con)
            anchors = graph.anchor_findings(con)
        finally:
            con.close()
    if ctx.config.since:  # a target's first sighting survives from one nightly audit to the next
        targets = carry_first_seen(targets, ctx.config.since)
    write_table_atomic(targets, ctx.table_dir("link_targets") / "part-0.parquet")
    write_table_atomic(anchors, ctx.table_dir("anchor_findings") / "part-0.parquet")
    return rows_in, {"link_targets": targets.num_rows, "anchor_findings": anchors.num_rows}


#: One row per primary page with a place in the link graph: its related block counted by
#: category (`block_counts_verdict` in SQL: the shares, and whether they reach `page_share`),
#: the most frequent risky category (a tie goes to the first name), its own category (from
#: the profiles stage) and its degrees; most risky links first.
_PAGES_SQL = f"""
WITH degrees AS (SELECT DISTINCT * FROM ({graph.DEGREES_SQL})),
counted AS (
    SELECT source_url, category, count(*) AS n, count(*) FILTER (WHERE offtopic) AS off
    FROM link_findings WHERE block = 'related' GROUP BY source_url, category
),
blocks AS (
    SELECT source_url, sum(n) AS related, sum(off) AS offtopic,
           coalesce(sum(n) FILTER (WHERE category <> $none), 0) AS risky,
           first(category ORDER BY n DESC, category) FILTER (WHERE category <> $none) AS top
    FROM counted GROUP BY source_url
),
shares AS (
    SELECT t.key, t.title, t.crawl_id, t.published_at, t.kind, d.out_links, d.in_links,
           d.in_related, coalesce(b.related, 0) AS related, coalesce(b.risky, 0) AS risky,
           coalesce(b.top, $none) AS top,
           CASE WHEN b.related > 0 THEN b.risky / b.related ELSE 0.0 END AS risky_share,
           CASE WHEN b.related > 0 THEN b.offtopic / b.related ELSE 0.0 END AS offtopic_share
    FROM targets t JOIN degrees d ON d.url = t.key
    LEFT JOIN blocks b ON b.source_url = t.key
    WHERE t."primary"
)
SELECT s.key AS url, s.title, coalesce(p.category, $none) AS category,
       s.related AS related_links, s.risky AS risky_links, s.risky_share, s.offtopic_share,
       s.top AS top_category,
       s.related > 0 AND s.risky_share >= $share AS mostly_risky,
       s.related > 0 AND s.offtopic_share >= $share AS mostly_offtopic,
       s.out_links, s.in_links, s.in_related, s.crawl_id, s.published_at, s.kind
FROM shares s LEFT JOIN (SELECT key, category FROM profiles WHERE category IS NOT NULL) p
    ON p.key = s.key
ORDER BY risky_links DESC, risky_share DESC, url
"""  # noqa: S608 - a constant query


def run_pages(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """page_findings: each page's related block (from link_findings), its degrees, and its
    own category (found by the profiles stage), in one DuckDB query: no page is held in
    Python (at 1M pages, Python rows took 2.9 GB)."""
    con = findings_connection(ctx)
    try:
        ctx.view(con, "profiles", _PROFILE_CATEGORIES)
        rows_in = int(con.execute("SELECT count(DISTINCT url) FROM pages").fetchall()[0][0])
        con.execute(f"SET memory_limit = '{graph.memory_for(rows_in, graph.PAGES_BYTES_PER_PAGE)}'")
        params = {"none": NONE, "share": ctx.config.offtopic.page_share}
        table = graph.fetch_table(con, _PAGES_SQL, PAGE_FINDINGS, params)
    finally:
        con.close()
    write_table_atomic(table, ctx.table_dir("page_findings") / "part-0.parquet")
    return rows_in, {"page_findings": table.num_rows}


#: The columns of the profiles parts the pages stage reads (the empty view, when none).
_PROFILE_CATEGORIES = pa.schema([("key", pa.string()), ("category", pa.string())])


@dataclass(frozen=True, slots=True)
class _DupRow:
    field: str
    cluster_id: int
    match: str
    text: str
    url: str | None
    is_representative: bool
    similarity: float
    threshold: float


# The crawl's own links (link_findings holds the same anchors, one row per link): so the
# stage needs only `targets`, and runs beside `links` (`Runner.beside`).
_ANCHORS_SQL = """
SELECT DISTINCT anchor_text FROM links WHERE block = 'related' AND anchor_text <> ''
"""


def run_duplicates(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """duplicate_clusters: exact and near-duplicate titles (pages' and related anchors') and
    bodies (`reports.neardup`); spam_families: the titles' template families."""
    config = ctx.config.dedup
    con = graph.connect(ctx.root)
    ctx.view(con, "targets", TARGETS)
    try:
        anchors = sorted(str(row[0]) for row in con.execute(_ANCHORS_SQL).fetchall())
        # Pages in reading order (`pos`), primary only; list pages share titles by design
        # (最新文章, 第N页): they are no title duplicates.
        titles: list[tuple[str, str | None]] = [
            (str(t), str(k))
            for k, t in con.execute(
                'SELECT key, title FROM targets WHERE "primary" AND title IS NOT NULL '
                "AND title <> '' AND kind IS DISTINCT FROM 'list' ORDER BY pos"
            ).fetchall()
        ]
        known = {t for t, _ in titles}
        for anchor in anchors:
            if anchor not in known:
                titles.append((anchor, None))
                known.add(anchor)
        del known, anchors
        rows: list[_DupRow] = []
        # Template siblings are one spam family each, not duplicates of one another.
        title_clusters, families = title_findings([t for t, _ in titles], config)
        rows += _cluster_rows("title", title_clusters, titles, config.threshold)
        family_rows = [_family_row(k, family, titles) for k, family in enumerate(families)]
        del titles
    finally:
        con.close()
    signer = _sign_bodies(ctx, config)
    body_clusters = signer.clusters()
    places = signer.places()
    del signer
    heads = _member_heads(ctx, places, body_clusters)
    rows += _cluster_rows("body", body_clusters, heads, config.threshold)
    table = records_to_table(rows, DUPLICATE_CLUSTERS) if rows else DUPLICATE_CLUSTERS.empty_table()
    write_table_atomic(table, ctx.table_dir("duplicate_clusters") / "part-0.parquet")
    fams = (
        records_to_table(family_rows, SPAM_FAMILIES) if family_rows else SPAM_FAMILIES.empty_table()
    )
    write_table_atomic(fams, ctx.table_dir("spam_families") / "part-0.parquet")
    return len(places), {"duplicate_clusters": table.num_rows, "spam_families": fams.num_rows}


@dataclass(frozen=True, slots=True)
class _FamilyRow:
    family_id: int
    template: str
    members: int
    slots: list[str]
    texts: list[str]
    urls: list[str | None]


def _family_row(
    family_id: int, family: TemplateFamily, items: list[tuple[str, str | None]]
) -> _FamilyRow:
    return _FamilyRow(
        family_id=family_id,
        template=family.template,
        members=len(family.members),
        slots=list(family.slots),
        texts=[items[m][0] for m in family.members],
        urls=[items[m][1] for m in family.members],
    )


def _sign_bodies(ctx: StageContext, config: DedupConfig) -> BodySigner:
    """The primary pages' non-blank bodies through a `BodySigner` part by part, in reading
    order by `pos`: no body is held past its batch, and none is sorted."""
    signer = BodySigner(config)
    for batch in iter_targets(ctx, ["pos", "body"], primary_only=True):
        bodies = batch.column("body").to_pylist()
        keep = [i for i, body in enumerate(bodies) if body.strip()]
        signer.add([bodies[i] for i in keep], batch.column("pos").to_numpy()[keep])
        del bodies
    return signer


#: Characters of a body shown for its cluster member (`duplicate_clusters.text`).
_BODY_HEAD = 200


def _member_heads(
    ctx: StageContext, places: NDArray[np.int64], clusters: list[Cluster]
) -> dict[int, tuple[str, str | None]]:
    """Per cluster member (input index), its body's head and its key, read again by `pos`."""
    members = np.array([m for c in clusters for m in c.members], dtype=np.int64)
    wanted = np.sort(places[members])
    heads: dict[int, tuple[str, str | None]] = {}
    for batch in iter_targets(ctx, ["pos", "key", "body"], primary_only=True):
        pos = batch.column("pos").to_numpy()
        picked = batch.filter(pa.array(np.isin(pos, wanted)))
        for at, key, body in zip(*(c.to_pylist() for c in picked.columns), strict=True):
            heads[int(np.searchsorted(places, at))] = (body[:_BODY_HEAD], key)
    return heads


def _cluster_rows(
    field_name: str,
    clusters: Iterable[Cluster],
    items: Sequence[tuple[str, str | None]] | Mapping[int, tuple[str, str | None]],
    threshold: float,
) -> list[_DupRow]:
    rows = []
    for cluster in clusters:
        for member in cluster.members:
            text, url = items[member]
            rows.append(
                _DupRow(
                    field=field_name,
                    cluster_id=cluster.cluster_id,
                    match=cluster.kind,
                    text=text,
                    url=url,
                    is_representative=member == cluster.representative,
                    similarity=float(cluster.similarity),
                    threshold=threshold,
                )
            )
    return rows


def run_changes(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """changes: what changed since the older audit `--since` names (none without it)."""
    since = ctx.config.since
    changes = compare_audits(ctx.work, since) if since else None
    table = changes.table if changes else CHANGES.empty_table()
    write_table_atomic(table, ctx.table_dir("changes") / "part-0.parquet")
    return 0, {"changes": table.num_rows}


_FINDINGS = ("page_findings", "duplicate_clusters", "anchor_findings", "link_targets")


def stages(run_report: object) -> tuple[Stage, ...]:
    """The audit's stages in order; `run_report` is the last (it lives with the orchestration)."""
    return (
        Stage("targets", ("pages",), (), ("targets",), run_targets),
        Stage("topics", (), ("targets",), ("topics",), run_topics),
        Stage("profiles", (), ("targets", "topics"), ("profiles",), run_profiles),
        Stage("links", ("links",), ("topics", "profiles"), ("link_findings",), run_links),
        Stage(
            "graph",
            ("pages", "links", "fetches"),
            (),
            ("link_targets", "anchor_findings"),
            run_graph,
        ),
        Stage(
            "pages",
            ("pages", "links"),
            ("targets", "profiles", "links"),
            ("page_findings",),
            run_pages,
        ),
        Stage(
            "duplicates",
            ("links",),
            ("targets",),
            ("duplicate_clusters", "spam_families"),
            run_duplicates,
        ),
        Stage("changes", (), ("links", "duplicates"), ("changes",), run_changes),
        Stage(
            "report",
            (),
            ("links", "graph", "pages", "duplicates", "changes"),
            (),
            run_report,  # type: ignore[arg-type]
        ),
    )
