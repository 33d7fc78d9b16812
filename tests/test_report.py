"""Reports: hostile scraped text is shown as text; the HTML works in a real headless browser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import CrawlManifest, write_manifest
from pipelines.store.records import LinkRecord, PageRecord
from reports.audit import run_audit
from reports.render import AuditSummary, ReportSection, ReportTable, render_html, render_markdown
from tests.browser import open_file
from tests.conftest import farmaudit

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_ANCHOR = '<img src=x onerror="alert(2)">京东e卡回收'
WHEN = datetime(2024, 5, 30, tzinfo=UTC)


def _summary() -> AuditSummary:
    return AuditSummary(
        dataset="planted",
        crawl_id="c1",
        generated_at="2024-06-01 00:00 UTC",
        pages=2,
        links=3,
        related_links=3,
        spam_share=2 / 3,
        offtopic_share=1 / 3,
        risky_pages=1,
        title_clusters=0,
        body_clusters=0,
        broken_targets=1,
        categories={"cashout": 2, "none": 1},
    )


def _table() -> ReportTable:
    rows = [
        {"title": SCRIPT_TITLE, "anchor_text": IMG_ANCHOR, "score": 3.0},
        {"title": "a | b", "anchor_text": "[x](javascript:alert(3))", "score": 1.5},
    ]
    return ReportTable("t", ("title", "anchor_text", "score"), rows, 2, "x", frozenset({"score"}))


def test_html_escapes_scraped_text() -> None:
    html = render_html(_summary(), _table(), [ReportSection("s", "S", "note", _table())])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert SCRIPT_TITLE not in html
    assert "<img" not in html


def test_markdown_escapes_scraped_text() -> None:
    md = render_markdown(_summary(), _table(), [])
    assert r"\<script\>alert\(1\)\</script\>" in md
    assert r"a \| b" in md  # a pipe would split the table cell
    assert r"\[x\]\(javascript:alert\(3\)\)" in md  # no live link
    assert "| cashout | 2 | 66.7% |" in md


def _planted_dataset(root: Path) -> None:
    write_manifest(
        root,
        CrawlManifest("c1", ["http://a.cn/"], [], ["a.cn"], 2, None, WHEN.isoformat(), "0"),
    )
    writer = DatasetWriter(root, writer_id="w1")
    pages = [
        ("http://a.cn/1.html", SCRIPT_TITLE, "小米商城分期付款流程详解,登录账号后选择分期付款。"),
        ("http://a.cn/2.html", "京东e卡回收全攻略", "高价回收京东e卡,当天到账,套现无忧。"),
    ]
    writer.add(
        "pages",
        [
            PageRecord(url, url, None, 200, title, WHEN, "x", "text", body, "zh", "0" * 40,
                       "article", "utf-8", WHEN, "c1", "1")
            for url, title, body in pages
        ],
    )  # fmt: skip
    anchors = [(IMG_ANCHOR, "http://a.cn/2.html"), ("分期付款注意事项", "http://a.cn/3.html"),
               ("京东e卡回收高价平台", "http://b.cn/")]  # fmt: skip
    writer.add(
        "links",
        [
            LinkRecord("http://a.cn/1.html", target, target, anchor, "related", i + 1,
                       target.startswith("http://a.cn"), [], "c1", "1")
            for i, (anchor, target) in enumerate(anchors)
        ],
    )  # fmt: skip
    writer.close()


def test_planted_hostile_strings_render_as_text_in_a_browser(tmp_path: Path) -> None:
    _planted_dataset(tmp_path)
    result = run_audit(tmp_path)
    report = result.folder / "report.html"
    with open_file(report) as (page, log):
        body = page.inner_text("body")
        assert SCRIPT_TITLE in body
        assert IMG_ANCHOR in body
        assert page.locator("img").count() == 0
    assert log.dialogs == []  # nothing ran
    assert log.console_errors == []
    assert log.requests == [report.resolve().as_uri()]


@pytest.mark.e2e
def test_demo_report_renders_sorts_and_filters_in_chromium(crawled: Path) -> None:
    result = farmaudit("audit", str(crawled))
    assert result.returncode == 0, result.stderr[-3000:]
    report = crawled / "audit" / "report.html"
    assert f"report: {report}" in result.stdout
    with open_file(report) as (page, log):
        assert page.locator("#summary h2").inner_text() == "Summary"
        assert page.locator("#summary svg rect").count() >= 2  # a bar per category
        rows = page.locator("#pages tbody tr")
        assert rows.count() > 100

        def column(name: str) -> list[str]:
            headers = page.locator("#pages thead th").all_inner_texts()
            index = [h.strip(" ▲▼") for h in headers].index(name)
            return page.eval_on_selector_all(
                "#pages tbody tr:not([hidden])",
                f"rows => rows.map(r => r.cells[{index}].getAttribute('data-v'))",
            )

        page.locator("#pages thead th", has_text="in_related").click()
        ascending = [float(v) for v in column("in_related")]
        assert ascending == sorted(ascending)
        page.locator("#pages thead th", has_text="in_related").click()
        descending = [float(v) for v in column("in_related")]
        assert descending == sorted(descending, reverse=True)

        page.fill("input[data-table=pages]", "/html/1001.html")
        visible = page.locator("#pages tbody tr:not([hidden])")
        assert visible.count() == 1
        assert "/html/1001.html" in visible.inner_text()
    assert log.console_errors == []
    assert log.requests == [report.resolve().as_uri()]


def test_report_table_keeps_types_for_sorting() -> None:
    table = pa.table({"url": ["a", "b"], "n": pa.array([2, 10], pa.int32())})
    shown = ReportTable.from_arrow("x", table, ["url", "n"], limit=1, source="x")
    assert shown.numeric == frozenset({"n"})
    assert (len(shown.rows), shown.total) == (1, 2)
