"""Re-extraction: rebuilt tables are swapped in, with rows added, removed and changed counted."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench.cms_pages import CORPUS, load_case
from pipelines.extract import EXTRACTOR_VERSION, extract
from pipelines.reextract import reextract
from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import CrawlManifest, read_table, write_manifest

if TYPE_CHECKING:
    from pathlib import Path

CASES = ("dede-001", "wordpress-000", "bare-004")


def _dataset(root: Path) -> None:
    """A dataset whose extracted tables are out of date: one stale title, one link missing,
    one step too many."""
    write_manifest(
        root,
        CrawlManifest(
            crawl_id="c1",
            start_urls=["http://www.jrzs.example/"],
            sitemap_urls=[],
            allowed_hosts=["www.jrzs.example"],
            max_depth=3,
            max_pages=None,
            created_at=datetime(2024, 6, 3, tzinfo=UTC).isoformat(),
            farmaudit_version="0.1.0",
        ),
    )
    writer = DatasetWriter(root, writer_id="w1")
    for name in CASES:
        raw = load_case(CORPUS / name).raw
        result = extract(raw)
        page, steps, links = result.page, result.steps, result.links
        if name == "dede-001":
            page = dataclasses.replace(page, title="旧标题", extractor_version="1")
        if name == "wordpress-000":
            links = links[:-1]
        if name == "bare-004":
            steps = [*steps, dataclasses.replace(steps[-1], number=99)]
        writer.add("raw", [raw])
        writer.add("pages", [page])
        writer.add("steps", steps)
        writer.add("links", links)
    writer.close()


def test_reextract_counts_added_removed_and_changed_rows(tmp_path: Path) -> None:
    _dataset(tmp_path)
    summary = reextract(tmp_path)
    assert (summary.pages, summary.failed) == (3, 0)
    changes = {c.table: (c.added, c.removed, c.changed) for c in summary.changes}
    # The old title is a changed row; extractor_version alone would not count.
    assert changes == {"pages": (0, 0, 1), "steps": (0, 1, 0), "links": (1, 0, 0)}
    pages = read_table(tmp_path, "pages").to_pylist()
    assert {p["extractor_version"] for p in pages} == {EXTRACTOR_VERSION}
    assert "旧标题" not in {p["title"] for p in pages}


def test_reextract_twice_changes_nothing(tmp_path: Path) -> None:
    _dataset(tmp_path)
    reextract(tmp_path)
    summary = reextract(tmp_path)
    assert all((c.added, c.removed, c.changed) == (0, 0, 0) for c in summary.changes)
    assert not list(tmp_path.glob(".reextract-*"))
