"""The `graph` stage as a shuffle by key, for runners whose tasks run on many workers (Dask).

On one machine the graph stage is one DuckDB query over every link (`reports.graph`). Spread
over workers it is the same queries on slices of the links that hold every row of a key:

1. map, one task per links part: the part's links, projected, written partitioned twice, by
   a bucket of the target URL and by a bucket of the anchor text (`md5` of the key modulo the
   bucket count: the same bucket in every process and DuckDB version);
2. reduce, one task per bucket: `graph.link_targets` and the targets half of
   `graph.anchor_findings` over the links of a target bucket, the anchors half over the links
   of an anchor bucket (pages and fetches, smaller, are read whole by every task);
3. here: the reduced parts ordered as the one-machine queries order them.

Each map task writes its own folder (`map-<part>`, swapped in whole), each reduce task its own
parts: a retried task leaves the same files.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import TYPE_CHECKING

import pyarrow as pa

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import part_files
from pipelines.store.schema import ANCHOR_FINDINGS, CRAWL_TABLES, LINK_TARGETS
from reports import graph
from reports.audit.stage import batches_progress

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import duckdb

    from reports.audit.stage import StageContext

_SHUFFLE = "graph_shuffle"
_KEYS = {"target": "target_url", "anchor": "anchor_text"}
_COLUMNS = ("source_url", "target_url", "anchor_text", "block", "internal")
_MAX_BUCKETS = 64


def buckets_for(parts: int) -> int:
    """Buckets for a links table of `parts` parts: a few parts' worth of links each."""
    return max(1, min(_MAX_BUCKETS, parts // 2))


def run_graph_shuffled(ctx: StageContext) -> tuple[pa.Table, pa.Table, int]:
    """link_targets and anchor_findings (ordered as `graph` orders them) and the links read."""
    parts = part_files(ctx.root, "links")
    buckets = buckets_for(len(parts))
    folder = ctx.table_dir(_SHUFFLE)
    shutil.rmtree(folder, ignore_errors=True)  # a killed run's slices (the work folder's own)
    task_ctx = ctx.for_task()
    tick = batches_progress(ctx.say, "graph", len(parts), every=max(1, len(parts) // 10))
    started = time.perf_counter()
    links = sum(
        ctx.runner.map(
            map_links,
            [(task_ctx, n, path, buckets) for n, path in enumerate(parts)],
            label="graph map",
            tick=tick,
        )
    )
    mapped = time.perf_counter()
    size = sum(f.stat().st_size for f in folder.rglob("*.parquet"))
    ctx.runner.map(reduce_bucket, [(task_ctx, b) for b in range(buckets)], label="graph reduce")
    ctx.say(
        f"stage graph: {links:,} links shuffled into {buckets} buckets by target and anchor "
        f"({size / 1e6:,.1f} MB of slices): map {mapped - started:.1f} s, "
        f"reduce {time.perf_counter() - mapped:.1f} s"
    )
    con = graph.connect(ctx.root)
    try:
        targets = _ordered(con, folder, "link_targets", graph.TARGETS_ORDER, LINK_TARGETS)
        anchors = _ordered(con, folder, "anchor_findings", graph.ANCHORS_ORDER, ANCHOR_FINDINGS)
    finally:
        con.close()
    shutil.rmtree(folder, ignore_errors=True)  # the work folder's own table folder
    return targets, anchors, links


def map_links(ctx: StageContext, number: int, path: Path, buckets: int) -> int:
    """The map task: links part `path` written partitioned by target and by anchor bucket."""
    root = ctx.table_dir(_SHUFFLE)
    final = root / f"map-{number:05d}"
    tmp = root / f".map-{number:05d}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    con = graph.connect(ctx.root)
    try:
        source = "read_parquet(" + graph.sql_path(path) + ")"
        rows = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]  # noqa: S608 - quoted path
        for name, key in _KEYS.items():
            con.execute(
                f"COPY (SELECT {', '.join(_COLUMNS)}, "  # noqa: S608 - constant names, quoted paths
                f"(md5_number(coalesce({key}, '')) % {buckets})::INTEGER AS b FROM {source}) "
                f"TO {graph.sql_path(tmp / name)} (FORMAT parquet, PARTITION_BY (b))"
            )
    finally:
        con.close()
    shutil.rmtree(final, ignore_errors=True)  # an earlier attempt of this same task
    tmp.replace(final)
    return int(rows)


#: Per shuffle key, the queries over one bucket and the findings table each adds rows to.
_REDUCE: dict[str, tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection], pa.Table]], ...]] = {
    "target": (
        ("link_targets", lambda con: graph.link_targets(con, ordered=False)),
        ("anchor_findings", graph.target_anchors),
    ),
    "anchor": (("anchor_findings", graph.anchor_targets),),
}
_LINKS = CRAWL_TABLES["links"]
_SLICE = pa.schema([_LINKS.field(name) for name in _COLUMNS])


def reduce_bucket(ctx: StageContext, bucket: int) -> int:
    """The reduce task: the graph's queries over the links of bucket `bucket`."""
    root = ctx.table_dir(_SHUFFLE)
    rows = 0
    for name, queries in _REDUCE.items():
        slices = sorted(root.glob(f"map-*/{name}/b={bucket}/*.parquet"))
        con = graph.connect(ctx.root)
        try:
            con.execute("DROP VIEW links")
            graph.view_parts(con, "links", slices, _SLICE)
            for table_name, query in queries:
                table = query(con)
                write_table_atomic(table, root / table_name / f"{name}-{bucket:05d}.parquet")
                rows += table.num_rows
        finally:
            con.close()
    return rows


def _ordered(
    con: duckdb.DuckDBPyConnection, folder: Path, table: str, order: str, schema: pa.Schema
) -> pa.Table:
    """A findings table from its reduced parts, in the one-machine query's order."""
    parts = sorted((folder / table).glob("*.parquet"))
    if not parts:
        return schema.empty_table()
    listed = ", ".join(graph.sql_path(p) for p in parts)
    sql = f"SELECT * FROM read_parquet([{listed}]) ORDER BY {order}"  # noqa: S608 - quoted paths, constant order
    return graph.fetch_table(con, sql, schema)
