"""A dataset folder: new, resumed, finished or refused; resume state comes from its parts."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import pytest

from pipelines.reextract import reextract
from pipelines.store.commits import ContractError, DatasetWriter, live_writers
from pipelines.store.dataset import (
    CrawlManifest,
    DatasetError,
    fetch_outcomes,
    load,
    part_files,
    read_manifest,
    read_table,
    resume_state,
    verify_dataset,
    write_manifest,
)
from pipelines.store.records import FetchRecord, LinkRecord, RawPage
from pipelines.store.schema import PAGES
from pipelines.store.start import StartOptions, start

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
    assert start(StartOptions(out, manifest(), overwrite=False)).manifest.crawl_id == "c1"
    assert json.loads((out / "crawl.json").read_text("utf-8"))["status"] == "running"


def test_same_request_resumes_under_the_old_crawl_id(tmp_path: Path) -> None:
    start(StartOptions(tmp_path, manifest(), overwrite=False))
    resumed = start(StartOptions(tmp_path, manifest(crawl_id="c2"), overwrite=False)).manifest
    assert (resumed.crawl_id, resumed.runs) == ("c1", 2)


def test_finished_crawl_is_left_untouched(tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest(status="finished"))
    before = (tmp_path / "crawl.json").read_bytes()
    assert (
        start(StartOptions(tmp_path, manifest(crawl_id="c2"), overwrite=False)).manifest.status
        == "finished"
    )
    assert (tmp_path / "crawl.json").read_bytes() == before


def test_different_crawl_is_refused_unless_overwrite(tmp_path: Path) -> None:
    start(StartOptions(tmp_path, manifest(), overwrite=False))
    (tmp_path / "pages").mkdir()
    other = manifest(crawl_id="c9", start_urls=["http://b.cn/"], allowed_hosts=["b.cn"])
    with pytest.raises(DatasetError, match=r"already holds crawl c1 of http://a.cn/.*--overwrite"):
        start(StartOptions(tmp_path, other, overwrite=False))
    assert start(StartOptions(tmp_path, other, overwrite=True)).manifest.crawl_id == "c9"
    assert not (tmp_path / "pages").exists()
    assert read_manifest(tmp_path) == other


def test_folder_that_is_not_a_dataset_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    for overwrite in (False, True):
        with pytest.raises(DatasetError, match=r"did not write \(notes\.txt\); refusing to"):
            start(StartOptions(tmp_path, manifest(), overwrite=overwrite))
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


def test_garbled_manifest_is_named(tmp_path: Path) -> None:
    (tmp_path / "crawl.json").write_text("{not json", "utf-8")
    with pytest.raises(DatasetError, match=r"crawl.json: not a farmaudit crawl manifest"):
        read_manifest(tmp_path)


def _raw(url: str, depth: int) -> RawPage:
    return RawPage(url, url, 200, {}, b"<html></html>", "utf-8", WHEN, depth, None, 1.0, "c1")


def _fetch(
    url: str, error: str | None = None, final: str | None = None, depth: int = 0
) -> FetchRecord:
    return FetchRecord(url, final or url, 200, error, 10, 1.0, depth, None, WHEN, "c1")


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


def test_resume_state_compares_crawl_keys_and_keeps_unfetched_redirect_targets(
    tmp_path: Path,
) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    writer.add("raw", [_raw("http://a.cn/", 0)])
    writer.add(
        "fetches",
        [
            _fetch("http://a.cn/"),
            # Redirected to a URL claimed by a row that never committed (a kill): go there.
            _fetch("http://a.cn/old", "duplicate", final="http://a.cn/new", depth=1),
            # Redirected off the crawl's hosts: that target is never fetched.
            _fetch("http://a.cn/away", "off_scope", final="http://b.cn/", depth=1),
            _fetch("http://a.cn/cal?d=2099-01-01", "trap", depth=1),
        ],
    )
    writer.add(
        "links",
        [
            _link("http://a.cn/", "http://a.cn/?utm_source=feed"),  # the start URL: done
            _link("http://a.cn/", "http://a.cn/next?spm=1.2&page=2"),
        ],
    )
    writer.close()
    state = resume_state(tmp_path)
    assert "http://a.cn/new" not in state.done
    assert state.frontier == [
        ("http://a.cn/new", 1, None),
        ("http://a.cn/next?page=2", 1, "http://a.cn/"),
        ("http://b.cn/", 1, None),  # out of scope: the spider drops it
    ]
    # Traps were never requested, so they spend no page budget.
    assert state.tried == ["http://a.cn/", "http://a.cn/old", "http://a.cn/away"]


def test_max_pages_per_host_is_part_of_the_request(tmp_path: Path) -> None:
    start(StartOptions(tmp_path, manifest(max_pages_per_host=50), overwrite=False))
    with pytest.raises(DatasetError, match="already holds crawl c1"):
        start(StartOptions(tmp_path, manifest(max_pages_per_host=60), overwrite=False))
    # A manifest written before the field existed still reads.
    data = json.loads((tmp_path / "crawl.json").read_text("utf-8"))
    del data["max_pages_per_host"]
    (tmp_path / "crawl.json").write_text(json.dumps(data), "utf-8")
    assert read_manifest(tmp_path) == manifest()


def _dataset(root: Path) -> Path:
    write_manifest(root, manifest())
    for n in (1, 2):
        writer = DatasetWriter(root, writer_id=f"w{n}")
        writer.add("raw", [_raw(f"http://a.cn/{n}", 0)])
        writer.add("fetches", [_fetch(f"http://a.cn/{n}"), _fetch(f"http://a.cn/x{n}", "http_404")])
        writer.close()
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_verify_counts_parts_and_rows(tmp_path: Path) -> None:
    check = verify_dataset(_dataset(tmp_path))
    assert check.parts == {"raw": 2, "pages": 0, "steps": 0, "links": 0, "fetches": 2}
    assert check.rows["fetches"] == 4
    assert fetch_outcomes(tmp_path) == {"ok": 2, "http_404": 2}


def test_a_truncated_part_is_named_and_nothing_changes(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    part = root / "fetches" / "part-w2-000001.parquet"
    part.write_bytes(part.read_bytes()[:-100])
    before = _snapshot(root)
    with pytest.raises(ContractError, match=r"fetches/part-w2-000001\.parquet: unreadable Parquet"):
        verify_dataset(root)
    with pytest.raises(ContractError, match=r"part-w2-000001\.parquet: unreadable Parquet"):
        resume_state(root)
    assert _snapshot(root) == before


def test_a_part_of_an_older_schema_version_is_named(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    old = PAGES.with_metadata({**PAGES.metadata, b"version": b"0"})
    (root / "pages").mkdir()
    pq.write_table(old.empty_table(), root / "pages" / "part-old-000001.parquet")
    with pytest.raises(ContractError, match=r"part-old-000001\.parquet: 'pages' table written by "):
        verify_dataset(root)


def test_a_lost_committed_part_is_named(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    (root / "raw" / "part-w1-000001.parquet").unlink()
    with pytest.raises(
        ContractError, match=r"raw/part-w1-000001\.parquet: missing, but .*w1-000001"
    ):
        verify_dataset(root)


def test_a_part_with_other_rows_than_committed_is_named(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    other = tmp_path / "other"
    writer = DatasetWriter(other, writer_id="w1")
    writer.add("fetches", [_fetch("http://a.cn/1")])
    writer.close()
    (other / "fetches" / "part-w1-000001.parquet").replace(
        root / "fetches" / "part-w1-000001.parquet"
    )
    with pytest.raises(ContractError, match=r"part-w1-000001\.parquet: 1 rows, but .* records 2"):
        verify_dataset(root)


def test_readers_skip_nothing_silently(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    # A batch marked committed but not yet renamed (a kill in between) is read, not skipped.
    (root / "raw" / "part-w2-000001.parquet").rename(root / "raw" / ".part-w2-000001.parquet.tmp")
    assert [p.name for p in part_files(root, "raw")] == [
        "part-w1-000001.parquet",
        ".part-w2-000001.parquet.tmp",
    ]
    assert read_table(root, "raw").num_rows == 2
    # Uncommitted leftovers and metadata files are not parts.
    (root / "raw" / ".part-w3-000001.parquet.tmp").write_bytes(b"half")
    (root / "raw" / "_SUCCESS").write_bytes(b"")
    assert len(part_files(root, "raw")) == 2
    # Anything else in a table folder is an error naming it.
    (root / "raw" / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(DatasetError, match=r"raw/notes\.txt: not a part file"):
        read_table(root, "raw")


_HOLD_A_WRITER = """
import sys, time
from pathlib import Path
from pipelines.store.commits import DatasetWriter
writer = DatasetWriter(Path(sys.argv[1]), writer_id="w9")
print("writing", flush=True)
time.sleep(120)
"""


def test_a_dataset_another_process_writes_is_neither_resumed_nor_replaced(
    tmp_path: Path,
) -> None:
    # A second crawl (or re-extract) on a folder a live crawl writes would recover() away the
    # live crawl's hidden parts or swap tables under it: refused, naming the writer.
    out = tmp_path / "ds"
    start(StartOptions(out, manifest(), overwrite=False))
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_WRITER, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        assert live_writers(out) == ["w9"]
        with pytest.raises(DatasetError, match=r"being written by a running process \(writer w9\)"):
            start(StartOptions(out, manifest(), overwrite=False))
        with pytest.raises(DatasetError, match="writer w9"):
            start(StartOptions(out, manifest(crawl_id="c2", max_depth=9), overwrite=True))
        with pytest.raises(DatasetError, match="before you re-extract it"):
            reextract(out)
    finally:
        proc.kill()  # SIGKILL: no release; the kernel drops the flock
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    assert live_writers(out) == []  # and the stale lock file is gone
    assert not list((out / "_commits").glob(".writer-*"))
    assert start(StartOptions(out, manifest(), overwrite=False)).manifest.runs == 2


def test_a_writer_in_this_process_is_live_until_closed(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, writer_id="w1")
    assert live_writers(tmp_path) == ["w1"]
    with pytest.raises(ContractError, match="writer w1 is already writing"):
        DatasetWriter(tmp_path, writer_id="w1")
    writer.close()
    assert live_writers(tmp_path) == []
    writer.release()  # idempotent
