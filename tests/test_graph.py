"""DuckDB queries of the link graph that outgrow their memory limit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from reports import graph


def test_a_query_past_duckdbs_memory_limit_is_run_again_with_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 1M pages the link targets' result and sort did not spill within 400 MB.
    con = duckdb.connect(
        config={"memory_limit": "2MB", "threads": 1, "temp_directory": str(tmp_path)}
    )
    schema = pa.schema([("n", pa.int64()), ("s", pa.string())])
    sql = (
        "SELECT range AS n, repeat('x', 50) || range::VARCHAR AS s FROM range(300000) "
        "ORDER BY s DESC"
    )
    monkeypatch.setattr(graph, "_MEMORY_RETRIES", 0)
    with pytest.raises(duckdb.OutOfMemoryException):
        graph.fetch_table(con, sql, schema)
    monkeypatch.setattr(graph, "_MEMORY_RETRIES", 4)
    table = graph.fetch_table(con, sql, schema)
    assert table.num_rows == 300_000
    assert table.column("s")[0].as_py() == "x" * 50 + "99999"
    (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
    assert graph._bytes(str(limit)) > 2 * 10**6


def test_the_link_targets_memory_grows_with_the_links_past_the_default() -> None:
    # The 1M-page crawl's link targets failed at 400 MB, 762 MiB and 1.4 GiB before passing
    # at 2,867 MiB: a large crawl starts where the query fits, a small one at the default.
    per_link = graph.GRAPH_BYTES_PER_LINK
    assert graph.memory_for(13_437_103, per_link) == graph.GRAPH_MEMORY  # 100k pages
    at_1m = graph._bytes(graph.memory_for(134_341_635, per_link))
    assert 2_867 << 20 <= at_1m < 4 << 30
    # The pages query's result failed at 762 MiB and passed at 1,524 MiB on 1M pages.
    pages = graph.PAGES_BYTES_PER_PAGE
    assert graph.memory_for(100_000, pages) == graph.GRAPH_MEMORY
    assert 1_524 << 20 <= graph._bytes(graph.memory_for(1_000_000, pages)) < 2 << 30
    assert graph._bytes("381.4 MiB") == int(381.4 * (1 << 20))
    assert graph._bytes("400MB") == 400 * 10**6
    with pytest.raises(ValueError, match="not a DuckDB memory setting"):
        graph._bytes("lots")


def test_a_statement_past_the_limit_is_run_again_with_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report's per-target tables: distinct aggregates over every risky link, at 1M pages
    # past the report's 512 MB.
    con = duckdb.connect(
        config={"memory_limit": "2MB", "threads": 1, "temp_directory": str(tmp_path)}
    )
    create = (
        "CREATE TEMP TABLE t AS SELECT range % 1000 AS k, count(DISTINCT range) AS n, "
        "list(DISTINCT repeat('y', 40) || range::VARCHAR) AS texts FROM range(300000) GROUP BY 1"
    )
    monkeypatch.setattr(graph, "_MEMORY_RETRIES", 0)
    with pytest.raises(duckdb.OutOfMemoryException):
        graph.with_memory_retries(con, lambda: con.execute(create))
    monkeypatch.setattr(graph, "_MEMORY_RETRIES", 6)
    graph.with_memory_retries(con, lambda: con.execute(create))
    assert con.execute("SELECT count(*), sum(n) FROM t").fetchone() == (1000, 300_000)
