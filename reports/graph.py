"""The link graph audit: degrees, link targets (crawled, failed, redirected), anchor variants.

Runs as DuckDB SQL straight over the dataset's Parquet parts, so memory stays bounded by
DuckDB's limit (it spills to disk) rather than by the number of links.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import pyarrow as pa

from pipelines.store.dataset import part_files
from pipelines.store.schema import ANCHOR_FINDINGS, CRAWL_TABLES, LINK_TARGETS
from pipelines.store.urls import crawl_key

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Blocks whose anchors speak for the site's content (nav and footer repeat site chrome).
CONTENT_BLOCKS = ("related", "body")
_EXAMPLES = 5


#: DuckDB's memory for the link graph and the stages' queries over the crawl: at 100k pages
#: (13.4M links) the graph's aggregations spill past it at no cost in CPU (12.8 CPU s and a
#: 531 MB process peak against 13.6 s and 1,093 MB at 1 GB; 256 MB: 14.3 s, 391 MB), and the
#: graph then fits beside the `links` stage's process (`--jobs 2`).
GRAPH_MEMORY = "400MB"
#: DuckDB memory per link that the link-targets query needs: its join and second aggregation
#: over the (target, source) pairs do not spill. Measured: 13.4M links (100k pages) failed at
#: 200 MB and passed at 400 MB; 134M links (1M pages) failed at 1.4 GiB and passed at
#: 2,867 MiB (23 bytes a link: 2,946 MiB). Starting there spares a large crawl the attempts
#: that fail (each ran most of the query).
GRAPH_BYTES_PER_LINK = 23
#: DuckDB memory per page that the pages stage's query needs: its result and sort do not
#: spill. Measured on the 1M-page bench crawl: failed at 381 and 762 MiB, passed at 1,524 MiB
#: (1,600 bytes a page), after about 200 s of failed attempts (2026-12-07).
PAGES_BYTES_PER_PAGE = 1600


def memory_for(items: int, bytes_each: int, least: str = GRAPH_MEMORY) -> str:
    """A DuckDB memory limit for a query that needs `bytes_each` per item (the link targets:
    `GRAPH_BYTES_PER_LINK` a link; the pages stage: `PAGES_BYTES_PER_PAGE` a page): `least`,
    or more when that is more (starting there spares a large crawl the attempts that fail)."""
    needed = items * bytes_each
    return least if needed <= _bytes(least) else f"{needed >> 20}MiB"


def spilling(
    memory_limit: str = "1GB", threads: int = 1
) -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings: `threads` (one: each thread adds its own sort and hash buffers, and
    on two shared cores a second one cost more CPU than it saved wall time; 10k-page report,
    2026-12-06), `memory_limit`, and spills under the system's temporary folder (DuckDB's
    default is `.tmp` in the working folder: the user's, not farmaudit's)."""
    spill = Path(tempfile.gettempdir()) / f"farmaudit-duckdb-{os.getpid()}"
    return {"memory_limit": memory_limit, "threads": threads, "temp_directory": str(spill)}


def connect(root: Path, *, memory_limit: str = GRAPH_MEMORY) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with views `pages`, `links`, `fetches` over the dataset's parts.

    DuckDB keeps to `memory_limit` by spilling large aggregations to its temporary
    directory (the system's), so a 10M-link crawl costs disk, not memory.
    """
    con = duckdb.connect(
        config={
            **spilling(memory_limit),
            # Row order of the aggregations is set by ORDER BY; keeping scan order costs memory.
            "preserve_insertion_order": False,
        }
    )
    # The page a link leads to is the one its crawl key names (tracking and session
    # parameters dropped): the crawl fetched and recorded it under that URL.
    con.create_function("crawl_key", crawl_key, ["VARCHAR"], "VARCHAR", side_effects=False)
    for table in ("pages", "links", "fetches"):
        view_parts(con, table, part_files(root, table), CRAWL_TABLES[table])
    return con


def view_parts(
    con: duckdb.DuckDBPyConnection, table: str, parts: Sequence[Path], schema: pa.Schema
) -> None:
    """Make `table` (a constant name) a view of `con` over the Parquet `parts`, or an empty
    table of `schema` when there are none."""
    if parts:
        # A view cannot take parameters: quote each path as an SQL string literal.
        listed = ", ".join(sql_path(p) for p in parts)
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listed}])")  # noqa: S608 - constant names, quoted paths
    else:
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB by name
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")  # noqa: S608 - constant


_TARGETS_SQL = """
WITH pairs AS (  -- one row per (target, source page): the distinct count without a set each
    SELECT target_url, source_url, bool_or(internal) AS internal, count(*) AS n,
           count(*) FILTER (WHERE block = 'related') AS related
    FROM links WHERE target_url IS NOT NULL GROUP BY target_url, source_url
),
seen AS (  -- when each source page was fetched: when its links were seen
    SELECT url, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
    FROM pages GROUP BY url
),
grouped AS (
    SELECT target_url, bool_or(internal) AS internal, sum(n)::INTEGER AS in_links,
           sum(related)::INTEGER AS in_related, count(*)::INTEGER AS source_pages,
           min(s.first_seen) AS first_seen, max(s.last_seen) AS last_seen
    FROM pairs LEFT JOIN seen s ON s.url = pairs.source_url GROUP BY target_url
),
targets AS (SELECT *, crawl_key(target_url) AS key FROM grouped),
crawled AS (SELECT url AS u FROM pages UNION SELECT final_url FROM pages),
failed AS (
    SELECT url, min(error) AS error FROM fetches WHERE error IS NOT NULL GROUP BY url
),
redirected AS (
    SELECT url, min(final_url) AS final_url FROM fetches
    WHERE final_url IS NOT NULL AND final_url <> url GROUP BY url
)
SELECT t.target_url,
       coalesce(regexp_extract(t.target_url, '^[a-z]+://([^/:?#]+)', 1), '') AS domain,
       t.internal, t.in_links, t.in_related, t.source_pages,
       c.u IS NOT NULL AS crawled,
       CASE WHEN c.u IS NULL THEN f.error END AS fetch_error,
       r.final_url AS redirected_to, t.first_seen, t.last_seen
FROM targets t
LEFT JOIN crawled c ON c.u = t.key
LEFT JOIN failed f ON f.url = t.key
LEFT JOIN redirected r ON r.url = t.key
"""
#: The order of link_targets rows (target_url is unique: a total order).
TARGETS_ORDER = "in_links DESC, target_url"


def link_targets(con: duckdb.DuckDBPyConnection, *, ordered: bool = True) -> pa.Table:
    """One row per distinct target: in-degree, crawled, fetch error, redirect, first/last seen.

    Each row depends only on its target's links (and the pages and fetches): run over the
    links of some targets (a shuffle bucket, unordered), it gives those targets' rows."""
    sql = _TARGETS_SQL + (f"ORDER BY {TARGETS_ORDER}" if ordered else "")
    return fetch_table(con, sql, LINK_TARGETS)


_CONTENT_SQL = """
WITH content AS (  -- distinct (target, anchor) pairs first: lists then hold each once
    SELECT target_url, anchor_text, count(*) AS n FROM links
    WHERE target_url IS NOT NULL AND anchor_text <> '' AND block IN $blocks
    GROUP BY target_url, anchor_text
)
"""
_BY_TARGET_SQL = """
SELECT 'target_many_anchors' AS finding, target_url AS key,
       count(*)::INTEGER AS variants, sum(n)::INTEGER AS links,
       list_sort(list(anchor_text))[1:$n] AS examples
FROM content GROUP BY target_url HAVING count(*) > 1
"""
_BY_ANCHOR_SQL = """
SELECT 'anchor_many_targets' AS finding, anchor_text AS key, count(*)::INTEGER AS variants,
       sum(n)::INTEGER AS links, list_sort(list(target_url))[1:$n] AS examples
FROM content GROUP BY anchor_text HAVING count(*) > 1
"""
#: The order of anchor_findings rows (a key is unique within its finding: a total order).
ANCHORS_ORDER = "finding DESC, variants DESC, links DESC, key"
_ANCHOR_PARAMS = {"blocks": CONTENT_BLOCKS, "n": _EXAMPLES}


def anchor_findings(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Targets under several anchors and anchors over several targets, in content blocks."""
    sql = f"{_CONTENT_SQL}{_BY_TARGET_SQL} UNION ALL {_BY_ANCHOR_SQL} ORDER BY {ANCHORS_ORDER}"
    return fetch_table(con, sql, ANCHOR_FINDINGS, _ANCHOR_PARAMS)


def target_anchors(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The targets half of `anchor_findings`, unordered: over the links of some targets (a
    shuffle bucket by target), those targets' rows."""
    return fetch_table(con, _CONTENT_SQL + _BY_TARGET_SQL, ANCHOR_FINDINGS, _ANCHOR_PARAMS)


def anchor_targets(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The anchors half of `anchor_findings`, unordered (a shuffle bucket by anchor text)."""
    return fetch_table(con, _CONTENT_SQL + _BY_ANCHOR_SQL, ANCHOR_FINDINGS, _ANCHOR_PARAMS)


#: url, out_links, in_links, in_related for every crawled page (`links` and `pages` views).
DEGREES_SQL = """
WITH outs AS (
    SELECT source_url AS url, count(*)::INTEGER AS out_links FROM links GROUP BY source_url
),
per_target AS (
    SELECT target_url, count(*) AS n, count(*) FILTER (WHERE block = 'related') AS related
    FROM links WHERE target_url IS NOT NULL GROUP BY target_url
),
ins AS (  -- by crawl key: a link with tracking parameters still points at the page
    SELECT crawl_key(target_url) AS url, sum(n)::INTEGER AS in_links,
           sum(related)::INTEGER AS in_related
    FROM per_target GROUP BY 1
)
SELECT p.url, coalesce(o.out_links, 0) AS out_links, coalesce(i.in_links, 0) AS in_links,
       coalesce(i.in_related, 0) AS in_related
FROM pages p LEFT JOIN outs o ON o.url = p.url LEFT JOIN ins i ON i.url = p.url
"""


def sql_path(path: Path) -> str:
    """`path` as an SQL string literal (a view or COPY cannot take it as a parameter)."""
    return "'" + str(path).replace("'", "''") + "'"


#: How often a query that ran out of DuckDB memory is run again with twice the memory.
_MEMORY_RETRIES = 4
_UNITS = {
    "": 1,
    "b": 1,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "kb": 1000,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
}


def _bytes(setting: str) -> int:
    """A DuckDB memory setting ("381.4 MiB", "1.0 GiB", "400MB") in bytes."""
    found = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", setting)
    if found is None:
        raise ValueError(f"not a DuckDB memory setting: {setting!r}")
    return int(float(found.group(1)) * _UNITS[found.group(2).lower()])


def with_memory_retries(con: duckdb.DuckDBPyConnection, work: Callable[[], _T]) -> _T:
    """`work()`, on `con`. Past DuckDB's memory limit (what does not spill: a result and its
    sort, distinct aggregates over tens of millions of rows) it is run again with twice the
    memory, up to `_MEMORY_RETRIES` times, with a warning each time."""
    for attempt in range(_MEMORY_RETRIES):
        try:
            return work()
        except duckdb.OutOfMemoryException:
            (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
            doubled = 2 * _bytes(str(limit))
            logger.warning(
                "DuckDB memory limit %s too small (attempt %d); retrying with %d MiB",
                limit,
                attempt + 1,
                doubled >> 20,
            )
            con.execute(f"SET memory_limit = '{doubled >> 20}MiB'")
    return work()


def fetch_table(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    schema: pa.Schema,
    params: dict[str, object] | None = None,
) -> pa.Table:
    """The query's rows as a table of `schema`, run `with_memory_retries` (a 1M-page crawl's
    link targets: the result and its sort do not spill, 2026-12-07)."""
    result = with_memory_retries(con, lambda: con.sql(sql, params=params or {}).to_arrow_table())
    return pa.Table.from_arrays(
        [result.column(i).cast(f.type) for i, f in enumerate(schema)], schema=schema
    )
