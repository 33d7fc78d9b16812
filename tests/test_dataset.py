"""A dataset folder: new, resumed, finished or refused; resume state comes from its parts."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from pipelines.dataset import (
    CrawlManifest,
    DatasetError,
    load,
    prepare_output,
    read_manifest,
    resume_state,
    write_manifest,
)
from pipelines.parquet import DatasetWriter
from pipelines.records import FetchRecord, LinkRecord, RawPage

if TYPE_CHECKING:
    from pathlib import Path

WHEN = datetime(2024, 6, 1, tzinfo=UTC)


def manifest(**changes: object) -> CrawlManifest:
    base = CrawlManifest(
        crawl_id="c1",
        start_urls=["http://a.cn/"],
        sitemap_urls=[],
        allowed_hosts=["a.cn", "www.a.cn"],
        max_depth=3,
        max_pages=None,
        created_at=WHEN.isoformat(),
        farmaudit_version="0.1.0",
    )
    return dataclasses.replace(base, **changes)


def test_new_folder_gets_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert prepare_output(out, manifest(), overwrite=False).crawl_id == "c1"
    assert json.loads((out / "crawl.json").read_text("utf-8"))["status"] == "running"


def test_same_request_resumes_under_the_old_crawl_id(tmp_path: Path) -> None:
    prepare_output(tmp_path, manifest(), overwrite=False)
    resumed = prepare_output(tmp_path, manifest(crawl_id="c2"), overwrite=False)
    assert (resumed.crawl_id, resumed.runs) == ("c1", 2)


def test_finished_crawl_is_left_untouched(tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest(status="finished"))
    before = (tmp_path / "crawl.json").read_bytes()
    assert prepare_output(tmp_path, manifest(crawl_id="c2"), overwrite=False).status == "finished"
    assert (tmp_path / "crawl.json").read_bytes() == before


def test_different_crawl_is_refused_unless_overwrite(tmp_path: Path) -> None:
    prepare_output(tmp_path, manifest(), overwrite=False)
    (tmp_path / "pages").mkdir()
    other = manifest(crawl_id="c9", start_urls=["http://b.cn/"], allowed_hosts=["b.cn"])
    with pytest.raises(DatasetError, match=r"already holds crawl c1 of http://a.cn/.*--overwrite"):
        prepare_output(tmp_path, other, overwrite=False)
    assert prepare_output(tmp_path, other, overwrite=True).crawl_id == "c9"
    assert not (tmp_path / "pages").exists()
    assert read_manifest(tmp_path) == other


def test_folder_that_is_not_a_dataset_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(DatasetError, match=r"holds no crawl\.json: not a farmaudit dataset"):
        prepare_output(tmp_path, manifest(), overwrite=False)
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


def test_garbled_manifest_is_named(tmp_path: Path) -> None:
    (tmp_path / "crawl.json").write_text("{not json", "utf-8")
    with pytest.raises(DatasetError, match=r"crawl.json: not a farmaudit crawl manifest"):
        read_manifest(tmp_path)


def _raw(url: str, depth: int) -> RawPage:
    return RawPage(url, url, 200, {}, b"<html></html>", "utf-8", WHEN, depth, None, 1.0, "c1")


def _fetch(url: str, error: str | None = None) -> FetchRecord:
    return FetchRecord(url, url, 200, error, 10, 1.0, 0, None, WHEN, "c1")


def _link(source: str, target: str | None) -> LinkRecord:
    return LinkRecord(
        source, target, target or "javascript:", "t", "related", 1, True, [], "c1", "1"
    )


def test_resume_state_from_committed_parts(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("raw", [_raw("http://a.cn/", 0), _raw("http://a.cn/1", 1)])
    writer.add(
        "fetches",
        [_fetch("http://a.cn/"), _fetch("http://a.cn/1"), _fetch("http://a.cn/x", "http_404")],
    )
    writer.add(
        "links",
        [
            _link("http://a.cn/", "http://a.cn/1"),  # done
            _link("http://a.cn/", "http://a.cn/2"),  # frontier at depth 1
            _link("http://a.cn/1", "http://a.cn/2"),  # ...not depth 2
            _link("http://a.cn/1", "http://a.cn/3"),  # frontier at depth 2
            _link("http://a.cn/1", "http://a.cn/x"),  # failed: recorded, so done
            _link("http://a.cn/1", None),  # javascript: never followed
        ],
    )
    writer.close()
    state = resume_state(tmp_path)
    assert state.done == {"http://a.cn/", "http://a.cn/1", "http://a.cn/x"}
    assert state.frontier == [
        ("http://a.cn/2", 1, "http://a.cn/"),
        ("http://a.cn/3", 2, "http://a.cn/1"),
    ]


def test_load_reads_a_table_and_names_missing_datasets(tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest())
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("fetches", [_fetch("http://a.cn/")])
    writer.close()
    assert load(tmp_path, "fetches")["url"].tolist() == ["http://a.cn/"]
    assert load(tmp_path, "links").empty
    with pytest.raises(DatasetError, match="unknown table 'link'"):
        load(tmp_path, "link")
    with pytest.raises(DatasetError, match="no-such: no such dataset folder"):
        load(tmp_path / "no-such", "pages")
