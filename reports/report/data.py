"""What the report shows, read from the audit's findings tables with DuckDB.

Reads only `audit/<table>/part-*.parquet` (never the crawl's pages or links): the report is
the audit's last stage and works from what the earlier stages wrote.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.store.commits import _write_atomic
from pipelines.store.schema import AUDIT_TABLES
from reports.graph import memory_for, spilling, view_parts, with_memory_retries

if TYPE_CHECKING:
    from pathlib import Path

#: Rows of one aggregated table read for report.html (the whole table is in its CSV); the
#: page embeds as many of them as its byte budget allows (render.EMBED_BYTES).
EMBED_ROWS = 5000
#: DuckDB's memory for the report: its largest work, sorting every risky link for
#: risky_links.csv, spills past this (the audit's peak is this process's RSS plus it).
REPORT_MEMORY = "512MB"
#: ... or this much per link, when that is more. On the 1M-page bench crawl (134M links) the
#: report failed at 488 and 976 MiB and passed at 1,952 MiB (2026-12-07), each failed attempt
#: running most of its query; and the spam-targets query spills less the more it has (100k
#: pages: 20.5 s at 60 MB, 8.3 s at 488 MiB). 15 bytes a link is 1,920 MiB at 1M pages,
#: with the process holding about 0.6 GB beside it: under the audit's 4 GB.
REPORT_BYTES_PER_LINK = 15
#: Anchor variants listed per spam target.
ANCHOR_VARIANTS = 5
#: Rows of risky_links.csv: a spreadsheet's limit (Excel and LibreOffice Calc open 1,048,576
#: rows, the header one of them). A crawl with more risky links (8.6M at 100k bench pages, a
#: 2.8 GB CSV no analyst can open) gets the first ones in the file's order, and the report
#: says so; every risky link stays in `audit/link_findings/` (Parquet, `category <> 'none'`).
RISKY_CSV_ROWS = 1_048_575

# A scraped cell opening with = + - @ (or a tab/CR) is a formula to a spreadsheet: quote it.
# A first-character test: the cells the regex '^[=+\-@\t\r]' matched, without a regex per cell.
_CSV_SAFE = (
    "CASE WHEN substr({0}, 1, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
    "THEN '''' || {0} ELSE {0} END"
)


@dataclass(frozen=True, slots=True)
class Rows:
    """An aggregated table: its first rows as lists, and how many rows it has in all."""

    columns: tuple[str, ...]
    rows: list[list[Any]]
    total: int
    csv: str | None = None


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A spam destination in the link graph: another site's domain, or a page of this site."""

    key: str
    internal: bool
    links: int
    categories: tuple[str, ...]


@dataclass(slots=True)
class LinkGraph:
    """The hubs (site sections) with the most risky outlinks and the destinations they feed.

    Only the top of each side is kept, so its size is bounded whatever the dataset's; the
    totals say how much is left out.
    """

    #: (section, risky links, pages), most links first.
    hubs: list[tuple[str, int, int]] = field(default_factory=list)
    #: Destinations fed by the hubs, most links first.
    nodes: list[GraphNode] = field(default_factory=list)
    #: (section, destination key, risky links).
    edges: list[tuple[str, str, int]] = field(default_factory=list)
    total_hubs: int = 0
    total_nodes: int = 0
    total_links: int = 0


@dataclass(slots=True)
class ReportData:
    """Everything the report shows, as plain Python values."""

    pages: int = 0
    links: int = 0
    related_links: int = 0
    risky_links: int = 0
    #: Rows written to risky_links.csv (`risky_links`, or RISKY_CSV_ROWS when there are more).
    risky_csv_rows: int = 0
    blocks: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    related_categories: dict[str, int] = field(default_factory=dict)
    targets_by_error: dict[str, int] = field(default_factory=dict)
    not_crawled: int = 0
    redirected: int = 0
    external_targets: int = 0
    sections: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    risky_shares: list[float] = field(default_factory=list)
    cluster_sizes: dict[str, list[int]] = field(default_factory=dict)
    #: (month or year, pages published then), oldest first.
    published: list[tuple[str, int]] = field(default_factory=list)
    tables: dict[str, Rows] = field(default_factory=dict)
    #: changes.change → rows (every row, not only the embedded ones).
    change_counts: dict[str, int] = field(default_factory=dict)
    graph: LinkGraph = field(default_factory=LinkGraph)


def connect(audit_folder: Path, *, threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per findings table found under `audit_folder`."""
    con = duckdb.connect(config=spilling(REPORT_MEMORY, threads))
    con.execute("SET TimeZone = 'UTC'")  # times are shown and written in UTC
    for table, schema in AUDIT_TABLES.items():
        view_parts(con, table, sorted((audit_folder / table).glob("part-*.parquet")), schema)
    links = _count(con, "link_findings")  # from the parts' footers
    limit = memory_for(links, REPORT_BYTES_PER_LINK, REPORT_MEMORY)
    con.execute(f"SET memory_limit = '{limit}'")
    return con


# A view, not a table: at 1M bench pages the risky links are 70M rows of URLs, anchors and
# evidence, and materialising them spilled over 30 GB to the temporary directory until the
# disk was full. Each query reads the link_findings columns it needs instead.
_RISKY = """
CREATE TEMP VIEW risky AS
SELECT source_url, target_url,
       coalesce(regexp_extract(target_url, '^[a-z]+://([^/:?#]+)', 1), '') AS domain,
       anchor_text, block, category, score, evidence, internal,
       coalesce(regexp_extract(source_url, '^[a-z]+://[^/]+/([^/?#]+)/', 1), '') AS section
FROM link_findings WHERE category <> 'none' AND target_url IS NOT NULL
"""

_CHANGES = """
SELECT change, category, source_url, target_url, domain, text, links FROM changes
ORDER BY change DESC, source_url NULLS FIRST, target_url NULLS FIRST, text
"""

# When a target was first and last linked: link_targets' first_seen/last_seen (fetch times
# of the linking pages, first_seen carried over from older audits by --since), to the minute.
_SEEN = """
CREATE TEMP TABLE seen AS
SELECT target_url, first_seen, last_seen FROM link_targets
WHERE target_url IN (SELECT target_url FROM risky)
"""

# Distinct source pages and anchor variants by grouping first, not count(DISTINCT …): at 1M
# bench pages the distinct aggregates over 70M risky links did not fit 2 GB of DuckDB memory
# (they do not spill); grouped rows do. Same rows, in the same order, at 100k. The source
# page is grouped by its 64-bit hash, not its URL: a third of the memory, so less to spill
# (100k pages at 60 MB: 13.5 s against 20.5 s); two pages of one target would have to share
# a hash to be counted once.
_TARGETS = """
WITH per_source AS (
    SELECT target_url, category, any_value(domain) AS domain, count(*) AS links,
           count(*) FILTER (WHERE block = 'related') AS related, max(score) AS score
    FROM risky GROUP BY target_url, category, hash(source_url)
),
-- Anchor variants say how the site names a target: page numbers and 上一页 of a pagination
-- block, and a page's links to itself ("To Top"), name nothing.
per_anchor AS (
    SELECT target_url, category, anchor_text FROM risky
    WHERE block <> 'pagination' AND source_url IS DISTINCT FROM target_url
          AND anchor_text IS NOT NULL
    GROUP BY target_url, category, anchor_text
),
variants AS (
    SELECT target_url, category, count(*) AS variants,
           list(anchor_text ORDER BY anchor_text)[1:$n] AS anchors
    FROM per_anchor GROUP BY target_url, category
),
targets AS (
    SELECT target_url, any_value(domain) AS domain, category, sum(links)::INTEGER AS links,
           sum(related)::INTEGER AS related, count(*)::INTEGER AS source_pages,
           max(score) AS score
    FROM per_source GROUP BY target_url, category
),
seen_by AS (
    SELECT target_url, min(first_seen) AS first_seen, max(last_seen) AS last_seen
    FROM seen GROUP BY target_url
)
SELECT t.target_url, t.domain, t.category, t.links, t.related, t.source_pages,
       coalesce(v.variants, 0)::INTEGER AS variants, v.anchors, t.score,
       strftime(s.first_seen, '%Y-%m-%d %H:%M') AS first_seen,
       strftime(s.last_seen, '%Y-%m-%d %H:%M') AS last_seen
FROM targets t LEFT JOIN variants v USING (target_url, category)
LEFT JOIN seen_by s USING (target_url)
ORDER BY links DESC, t.target_url, t.category
"""

_DOMAINS = """
WITH d AS (
    SELECT domain, count(*)::INTEGER AS links, count(DISTINCT target_url)::INTEGER AS targets,
           count(DISTINCT source_url)::INTEGER AS source_pages,
           list_sort(list(DISTINCT category)) AS categories
    FROM risky GROUP BY domain
),
s AS (
    SELECT r.domain, min(s.first_seen) AS first_seen, max(s.last_seen) AS last_seen
    FROM (SELECT DISTINCT domain, target_url FROM risky) r JOIN seen s USING (target_url)
    GROUP BY r.domain
)
SELECT d.*, strftime(s.first_seen, '%Y-%m-%d %H:%M') AS first_seen,
       strftime(s.last_seen, '%Y-%m-%d %H:%M') AS last_seen
FROM d LEFT JOIN s USING (domain) ORDER BY links DESC, domain
"""

# Distinct targets by grouping first, as _TARGETS: count(DISTINCT target_url) over the
# (page, domain, category) groups (9M at 1M bench pages) does not spill, grouped rows do. At
# 100k pages the old query failed at 57 MiB where this one passed; at 488 MiB 6.5 s against
# 7.8 s, the same rows in the same order. A domain is a function of its target, so grouping
# by the target's hash keeps the domain with it.
_PAGE_DOMAINS = """
WITH per_target AS (
    SELECT source_url, any_value(domain) AS domain, category, count(*) AS links
    FROM risky GROUP BY source_url, hash(target_url), category
)
SELECT source_url, domain, category, sum(links)::INTEGER AS links, count(*)::INTEGER AS targets
FROM per_target GROUP BY source_url, domain, category
ORDER BY links DESC, source_url, domain, category
"""

_PAGES = """
SELECT url, title, related_links, risky_links, risky_share, offtopic_share, top_category,
       in_links, out_links
FROM page_findings ORDER BY risky_links DESC, risky_share DESC, url
"""

_DUPLICATES = """
WITH sizes AS (
    SELECT field, cluster_id, count(*)::INTEGER AS members,
           min(similarity) AS similarity, any_value(match) AS match
    FROM duplicate_clusters GROUP BY field, cluster_id
)
SELECT d.field, d.cluster_id, s.members, s.match, s.similarity, d.text AS representative,
       d.url
FROM duplicate_clusters d JOIN sizes s USING (field, cluster_id)
WHERE d.is_representative
ORDER BY s.members DESC, d.field DESC, d.cluster_id
"""

# A family's first 12 slot values and first member (every member is in audit/spam_families/):
# a family of thousands stays one short row.
_FAMILIES = """
SELECT family_id, template, members, slots[1:12] AS slots, texts[1] AS example, urls[1] AS url
FROM spam_families ORDER BY members DESC, family_id
"""

_ANCHORS = """
SELECT finding, key, variants, links, examples FROM anchor_findings
ORDER BY finding DESC, variants DESC, links DESC, key
"""

_LINK_TARGETS = """
SELECT target_url, domain, internal, in_links, in_related, source_pages, crawled,
       fetch_error, redirected_to
FROM link_targets
ORDER BY (internal AND NOT crawled) DESC, in_links DESC, target_url
"""

#: Hubs and destinations drawn in the link graph.
GRAPH_HUBS = 8
GRAPH_NODES = 12

# A destination is the target's domain when it is another site's, the target page when it is
# on this site (a farm links its own spam pages; their one domain would say nothing).
_GRAPH_EDGES = """
CREATE TEMP TABLE graph_edges AS
SELECT section, CASE WHEN internal THEN target_url ELSE domain END AS node, internal, category,
       count(*)::INTEGER AS links
FROM risky GROUP BY ALL
"""

_GRAPH = """
WITH hubs AS (
    SELECT section, sum(links) AS links FROM graph_edges GROUP BY 1
    ORDER BY links DESC, section LIMIT $hubs
),
nodes AS (
    SELECT node, internal, sum(links) AS links FROM graph_edges SEMI JOIN hubs USING (section)
    GROUP BY 1, 2 ORDER BY links DESC, node LIMIT $nodes
)
SELECT e.section, e.node, e.internal, e.category, e.links
FROM graph_edges e SEMI JOIN hubs USING (section) SEMI JOIN nodes USING (node, internal)
ORDER BY e.section, e.node, e.category
"""

#: Embedded table → (query, CSV file name or None).
_QUERIES: dict[str, tuple[str, str]] = {
    "changes": (_CHANGES, "changes.csv"),
    "targets": (_TARGETS, "spam_targets.csv"),
    "domains": (_DOMAINS, "spam_domains.csv"),
    "page_domains": (_PAGE_DOMAINS, "spam_pages_by_domain.csv"),
    "pages": (_PAGES, "pages.csv"),
    "duplicates": (_DUPLICATES, "duplicate_clusters.csv"),
    "families": (_FAMILIES, "spam_families.csv"),
    "anchors": (_ANCHORS, "anchor_variants.csv"),
    "link_targets": (_LINK_TARGETS, "link_targets.csv"),
}

_RISKY_CSV = """
SELECT source_url, target_url, domain, anchor_text, block, category, score,
       array_to_string(evidence, ' ') AS evidence
FROM risky {where}
-- Every column: a page may carry the same link in two blocks (nav and body), and with more
-- than one DuckDB thread such ties would come out in any order.
ORDER BY source_url, target_url, anchor_text, block, category, score, evidence LIMIT $rows
"""

# The source page whose links bring risky_links.csv to its row limit: the rows sorted are
# those of the pages up to it (a few more than the limit), not every risky link.
_RISKY_LAST_SOURCE = """
WITH pages AS (SELECT source_url, count(*) AS n FROM risky GROUP BY source_url),
upto AS (
    SELECT source_url, sum(n) OVER (ORDER BY source_url ROWS UNBOUNDED PRECEDING) AS rows
    FROM pages
)
SELECT min(source_url) FROM upto WHERE rows >= $rows
"""


def read_report_data(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    embed_rows: int = EMBED_ROWS,
    risky_csv_rows: int = RISKY_CSV_ROWS,
) -> ReportData:
    """Aggregate the findings, write every full table as CSV under `out`, return the data."""
    data = ReportData()
    con.execute(_RISKY)
    con.execute(_SEEN)
    data.blocks = dict(
        con.execute(
            "SELECT block, count(*) FROM link_findings GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    )
    data.links = sum(data.blocks.values())
    data.related_links = data.blocks.get("related", 0)
    data.categories = dict(
        con.execute("SELECT category, count(*) FROM risky GROUP BY 1 ORDER BY 2 DESC").fetchall()
    )
    data.risky_links = sum(data.categories.values())
    data.related_categories = dict(
        con.execute(
            "SELECT category, count(*) FROM link_findings WHERE block = 'related' GROUP BY 1"
        ).fetchall()
    )
    data.pages = _count(con, "page_findings")
    data.targets_by_error = dict(
        con.execute(
            "SELECT fetch_error, count(*) FROM link_targets WHERE fetch_error IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    )
    not_crawled, redirected, external = con.execute(
        "SELECT count(*) FILTER (WHERE internal AND NOT crawled AND fetch_error IS NULL "
        "AND redirected_to IS NULL), count(*) FILTER (WHERE redirected_to IS NOT NULL), "
        "count(*) FILTER (WHERE NOT internal) FROM link_targets"
    ).fetchone() or (0, 0, 0)
    data.not_crawled, data.redirected, data.external_targets = not_crawled, redirected, external
    sections: dict[str, dict[str, int]] = {}
    for section, category, n in con.execute(
        "SELECT section, category, count(*) FROM risky GROUP BY 1, 2"
    ).fetchall():
        sections.setdefault(section, {})[category] = n
    data.sections = sorted(sections.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    data.risky_shares = [
        r[0]
        for r in con.execute(
            "SELECT risky_share FROM page_findings WHERE related_links > 0"
        ).fetchall()
    ]
    months = con.execute(
        "SELECT strftime(published_at, '%Y-%m'), count(*) FROM page_findings "
        "WHERE published_at IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if len(months) > 24:  # too many bars: by year
        years: dict[str, int] = {}
        for month, n in months:
            years[month[:4]] = years.get(month[:4], 0) + n
        months = sorted(years.items())
    data.published = [(str(m), int(n)) for m, n in months]
    for field_name, members in con.execute(
        "SELECT field, count(*) FROM duplicate_clusters GROUP BY field, cluster_id"
    ).fetchall():
        data.cluster_sizes.setdefault(field_name, []).append(members)
    data.graph = _link_graph(con)
    data.change_counts = dict(
        con.execute("SELECT change, count(*) FROM changes GROUP BY 1").fetchall()
    )
    for name, (sql, csv_name) in _QUERIES.items():
        # Materialised once: counted, embedded (the first rows) and written as CSV. Distinct
        # aggregates over every risky link (70M at 1M bench pages) may not fit the limit.
        create = f"CREATE TEMP TABLE t_{name} AS {sql}"
        variants = {"n": ANCHOR_VARIANTS} if "$n" in sql else None
        with_memory_retries(con, functools.partial(con.execute, create, variants))
        result = con.execute(f"SELECT * FROM t_{name}")  # noqa: S608 - constant names
        columns = tuple(d[0] for d in result.description or ())
        rows = [list(r) for r in result.fetchmany(embed_rows)]
        total = _count(con, f"t_{name}")
        data.tables[name] = Rows(columns, rows, total, csv_name)
        _write_csv(con, f"SELECT * FROM t_{name}", out / csv_name)  # noqa: S608 - constant names
        con.execute(f"DROP TABLE t_{name}")  # its memory to the next query
    data.risky_csv_rows = min(data.risky_links, risky_csv_rows)
    params: dict[str, object] = {"rows": data.risky_csv_rows}
    where = ""
    if data.risky_csv_rows < data.risky_links:
        row = con.execute(_RISKY_LAST_SOURCE, params).fetchone()
        if row and row[0] is not None:
            where, params["last"] = "WHERE source_url <= $last", str(row[0])
    # Its sort does not spill all of itself either (100k pages at 96 MiB: out of memory).
    risky_csv = _RISKY_CSV.format(where=where)
    with_memory_retries(
        con, functools.partial(_write_csv, con, risky_csv, out / "risky_links.csv", params)
    )
    return data


def _link_graph(con: duckdb.DuckDBPyConnection) -> LinkGraph:
    """The top hubs (sections by risky outlinks) and the top destinations they feed."""
    con.execute(_GRAPH_EDGES)
    graph = LinkGraph()
    totals = con.execute(
        "SELECT count(DISTINCT section), count(DISTINCT (node, internal)), "
        "coalesce(sum(links), 0) FROM graph_edges"
    ).fetchone() or (0, 0, 0)
    graph.total_hubs, graph.total_nodes, graph.total_links = (int(n) for n in totals)
    graph.hubs = [
        (str(section), int(links), int(pages))
        for section, links, pages in con.execute(
            "SELECT section, count(*), count(DISTINCT source_url) FROM risky GROUP BY 1 "
            "ORDER BY 2 DESC, 1 LIMIT $hubs",
            {"hubs": GRAPH_HUBS},
        ).fetchall()
    ]
    node_links: dict[tuple[str, bool], dict[str, int]] = {}
    edges: dict[tuple[str, str], int] = {}
    params = {"hubs": GRAPH_HUBS, "nodes": GRAPH_NODES}
    for section, node, internal, category, links in con.execute(_GRAPH, params).fetchall():
        by_category = node_links.setdefault((node, internal), {})
        by_category[category] = by_category.get(category, 0) + links
        edges[section, node] = edges.get((section, node), 0) + links
    nodes = [
        GraphNode(
            node,
            internal,
            sum(cats.values()),
            tuple(sorted(cats, key=lambda c: (-cats[c], c))),
        )
        for (node, internal), cats in node_links.items()
    ]
    graph.nodes = sorted(nodes, key=lambda n: (-n.links, n.key))
    graph.edges = [(section, node, n) for (section, node), n in sorted(edges.items())]
    return graph


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - constant names
    return int(row[0]) if row else 0


def _write_csv(
    con: duckdb.DuckDBPyConnection, sql: str, path: Path, params: dict[str, object] | None = None
) -> None:
    """The query's every row as CSV at `path` (atomically), scraped text formula-safe."""
    rel = con.sql(sql, params=params)
    safe = []
    for name, type_ in zip(rel.columns, rel.types, strict=True):
        quoted = '"' + name + '"'
        kind = str(type_)
        if kind == "VARCHAR":
            safe.append(_CSV_SAFE.format(quoted) + f" AS {quoted}")
        elif kind.endswith("[]"):
            safe.append(_CSV_SAFE.format(f"array_to_string({quoted}, ' · ')") + f" AS {quoted}")
        else:
            safe.append(quoted)
    query = f"SELECT {', '.join(safe)} FROM ({sql})"  # noqa: S608 - constant queries

    def write(tmp: Path) -> None:
        target = str(tmp).replace("'", "''")
        # One thread: with two, DuckDB 2.0.1 wrote the rows of an ordered table through this
        # CASE projection out of order (spam_pages_by_domain.csv at 100k bench pages: 44-113
        # places), and one thread wrote them no slower.
        (threads,) = con.execute("SELECT current_setting('threads')").fetchone() or (1,)
        con.execute("SET threads = 1")
        try:
            con.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER)", params)
        finally:
            con.execute(f"SET threads = {int(threads)}")

    _write_atomic(path, write)
