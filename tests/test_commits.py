"""Parquet writing: contract checks, atomic batches, recovery after a kill, typed read-back."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.store.commits import (
    COMMITS_DIR,
    ContractError,
    DatasetWriter,
    read_markers,
    recover,
    write_json_atomic,
)
from pipelines.store.dataset import read_part, read_table
from pipelines.store.records import FetchRecord, LinkRecord, PageRecord
from pipelines.store.schema import FETCHES, LINKS, PAGES

if TYPE_CHECKING:
    from pathlib import Path

WHEN = datetime(2024, 5, 30, 17, 43, 35, tzinfo=UTC)


def page(url: str = "http://a.cn/1.html", **changes: object) -> PageRecord:
    record = PageRecord(
        url=url,
        final_url=url,
        canonical_url=None,
        status=200,
        title="小米商城分期付款流程详解",
        published_at=WHEN,
        published_raw="2024-05-31 01:43:35",
        published_source="text",
        body_text="正文",
        lang="zh",
        content_hash="0" * 40,
        kind="article",
        encoding="utf-8",
        fetched_at=WHEN,
        crawl_id="c1",
        extractor_version="1",
    )
    return dataclasses.replace(record, **changes)


def link(position: int) -> LinkRecord:
    return LinkRecord(
        source_url="http://a.cn/1.html",
        target_url=f"http://a.cn/{position}.html",
        href=f"/{position}.html",
        anchor_text="京东e卡回收全攻略",
        block="related",
        position=position,
        internal=True,
        rel=["nofollow"],
        crawl_id="c1",
        extractor_version="1",
    )


def test_batch_writes_one_part_per_table_and_a_marker(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page()])
    writer.add("links", [link(1), link(2)])
    batch = writer.commit()
    assert batch is not None
    assert batch.parts == {
        "pages": ("part-w1-000001.parquet", 1),
        "links": ("part-w1-000001.parquet", 2),
    }
    assert (tmp_path / COMMITS_DIR / "w1-000001.json").exists()
    assert not list(tmp_path.rglob(".*.tmp"))
    assert writer.commit() is None  # nothing pending, nothing written


def test_pandas_reads_tables_with_contract_types(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page()])
    writer.add("links", [link(1)])
    writer.close()
    pages = pd.read_parquet(tmp_path / "pages")
    assert str(pages["published_at"].dtype) == "datetime64[us, UTC]"
    assert pages.loc[0, "published_at"] == pd.Timestamp("2024-05-30T17:43:35Z")
    assert str(pages["status"].dtype) == "int32"
    links = pd.read_parquet(tmp_path / "links")
    assert list(links.loc[0, "rel"]) == ["nofollow"]
    assert pq.read_schema(next((tmp_path / "pages").glob("*.parquet"))).equals(
        PAGES, check_metadata=True
    )


def test_sequence_continues_after_restart(tmp_path: Path) -> None:
    first = DatasetWriter(tmp_path, writer_id="w1")
    first.add("pages", [page()])
    first.close()
    second = DatasetWriter(tmp_path, writer_id="w1")
    second.add("pages", [page("http://a.cn/2.html")])
    batch = second.commit()
    assert batch is not None and batch.seq == 2
    assert read_table(tmp_path, "pages").num_rows == 2


def test_null_in_non_nullable_column_names_column_and_row(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page(), page("http://a.cn/bad.html", body_text=None)])
    with pytest.raises(ContractError, match=r"column 'body_text' is null in row 1 .*bad\.html"):
        writer.commit()
    assert not (tmp_path / "pages").exists()  # nothing half-written


def test_wrong_type_names_column_and_value(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page(status="200")])
    with pytest.raises(ContractError, match=r"column 'status'.*first bad value '200'"):
        writer.commit()


def test_record_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("links", [page()])
    with pytest.raises(ContractError, match="has no field 'source_url'"):
        writer.commit()
    with pytest.raises(ContractError, match="unknown table 'nope'"):
        writer.add("nope", [page()])


def test_recover_rolls_marked_batches_forward_and_drops_unmarked(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page()])
    writer.add("links", [link(1)])
    writer.close()
    # A kill after the marker but before the renames: the parts are still hidden.
    (tmp_path / "links" / "part-w1-000001.parquet").rename(
        tmp_path / "links" / ".part-w1-000001.parquet.tmp"
    )
    # A kill before the marker: leftovers of batch 2 that must disappear.
    orphan = tmp_path / "pages" / ".part-w1-000002.parquet.tmp"
    orphan.write_bytes(b"half a file")
    assert recover(tmp_path) == (1, 1)
    assert (tmp_path / "links" / "part-w1-000001.parquet").exists()
    assert not orphan.exists()
    assert read_table(tmp_path, "links").num_rows == 1


def test_recover_removes_half_written_markers_and_manifests(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page()])
    writer.close()
    (tmp_path / COMMITS_DIR / ".w1-000002.json.tmp").write_text('{"par', "utf-8")
    (tmp_path / ".crawl.json.tmp").write_text("{", "utf-8")
    recover(tmp_path)
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []
    assert [m.path.name for m in read_markers(tmp_path)] == ["w1-000001.json"]


def test_a_garbled_marker_is_named_and_nothing_is_touched(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("pages", [page()])
    writer.close()
    orphan = tmp_path / "pages" / ".part-w1-000002.parquet.tmp"
    orphan.write_bytes(b"half")
    (tmp_path / COMMITS_DIR / "w1-000002.json").write_text('{"parts": {"pages": [', "utf-8")
    with pytest.raises(ContractError, match=r"w1-000002\.json: unreadable commit marker"):
        recover(tmp_path)
    assert orphan.read_bytes() == b"half"  # nothing dropped on a guess


def test_corrupt_and_foreign_parts_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "part-x.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ContractError, match=r"part-x\.parquet: unreadable Parquet file"):
        read_part(bad, PAGES)
    foreign = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"a": [1]}), foreign)
    with pytest.raises(ContractError, match=r"foreign\.parquet: not a farmaudit 'pages' table"):
        read_part(foreign, PAGES)
    old = tmp_path / "old.parquet"
    pq.write_table(PAGES.with_metadata({b"name": b"pages", b"version": b"0"}).empty_table(), old)
    with pytest.raises(ContractError, match="schema version 0, this farmaudit reads version 1"):
        read_part(old, PAGES)
    wrong = tmp_path / "wrong.parquet"
    changed = LINKS.set(LINKS.get_field_index("position"), pa.field("position", pa.string()))
    pq.write_table(changed.empty_table(), wrong)
    with pytest.raises(ContractError, match="column 'position' is string, contract: int32"):
        read_part(wrong, LINKS)


fetch_rows = st.builds(
    FetchRecord,
    url=st.text(min_size=1, max_size=30),
    final_url=st.none() | st.text(max_size=30),
    status=st.none() | st.integers(100, 599),
    error=st.none() | st.sampled_from(["timeout", "robots", "http_404"]),
    bytes=st.integers(0, 2**40),
    elapsed_ms=st.none() | st.floats(0, 1e6, allow_nan=False),
    depth=st.integers(0, 50),
    referrer=st.none() | st.text(max_size=30),
    fetched_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    crawl_id=st.text(max_size=10),
    retries=st.integers(0, 10),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(fetch_rows, min_size=1, max_size=20))
def test_write_then_read_is_identity(tmp_path_factory: pytest.TempPathFactory, rows: list) -> None:
    root = tmp_path_factory.mktemp("roundtrip")
    writer = DatasetWriter(root, writer_id="w1")
    writer.add("fetches", rows)
    writer.close()
    back = read_table(root, "fetches")
    assert back.schema.equals(FETCHES, check_metadata=True)
    assert [FetchRecord(**r) for r in back.to_pylist()] == rows


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "crawl.json"
    write_json_atomic({"status": "running"}, target)
    with pytest.raises(TypeError):
        write_json_atomic({"status": object()}, target)  # not JSON: fails mid-write
    assert json.loads(target.read_text("utf-8")) == {"status": "running"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.json"]


def test_concurrent_atomic_writes_of_one_file_do_not_collide(tmp_path: Path) -> None:
    # Workers sharing a dataset folder rewrite crawl.json at once; each write must land whole.
    target = tmp_path / "crawl.json"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(50):
                write_json_atomic({"writer": n, "i": i, "pad": "x" * 5000}, target)
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert json.loads(target.read_text("utf-8"))["i"] == 49
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.json"]
