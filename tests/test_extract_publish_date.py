"""Publish date: jsonld > meta > <time> > text near the heading > URL, then plausibility.

Times without a zone are Beijing time (UTC+8); every result is UTC. Update dates never count.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import extract
from pipelines.extract.publish_date import parse_date
from pipelines.records import RawPage

FETCHED_AT = datetime(2025, 1, 1, tzinfo=UTC)
H1 = "<h1>小米商城分期付款流程详解</h1>"
PROSE = "<p>" + "小米商城为顾客提供了便利的分期付款服务,本文将详细介绍操作流程。" * 3 + "</p>"


def _ld(value: str) -> str:
    return f'<script type="application/ld+json">{{"@type": "Article", {value}}}</script>'


def _published(html: str, url: str = "http://demo.test/a.html") -> tuple[str | None, ...]:
    raw = RawPage(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=f"<html><body>{html}</body></html>".encode(),
        encoding=None,
        fetched_at=FETCHED_AT,
    )
    page = extract(raw).page
    at = page.published_at.isoformat() if page.published_at else None
    return at, page.published_raw, page.published_source


@pytest.mark.parametrize(
    ("html", "url", "expected"),
    [
        # JSON-LD datePublished, with its own zone
        (
            _ld('"datePublished": "2024-05-31T01:43:35+08:00"') + H1 + PROSE,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31T01:43:35+08:00", "jsonld"),
        ),
        # JSON-LD beats meta; dateModified is never read
        (
            _ld('"dateModified": "2024-06-09", "datePublished": "2024-05-31"')
            + '<meta property="article:published_time" content="2024-01-01">'
            + H1,
            "",
            ("2024-05-30T16:00:00+00:00", "2024-05-31", "jsonld"),
        ),
        # meta article:published_time in UTC
        (
            '<meta property="article:published_time" content="2024-05-30T17:43:35Z">' + H1,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-30T17:43:35Z", "meta"),
        ),
        # meta name="pubdate" without a zone: Beijing time
        (
            '<meta name="PubDate" content="2024-05-31 01:43:35">' + H1,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "meta"),
        ),
        # modification meta only: no date
        ('<meta property="article:modified_time" content="2024-05-31">' + H1 + PROSE, "", None),
        # <time datetime> without a zone: Beijing time
        (
            H1 + '<time datetime="2024-05-31 01:43:35">5月31日</time>' + PROSE,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "time"),
        ),
        # an "updated" <time> comes first in the page but is skipped
        (
            H1 + '<time class="updated" datetime="2024-06-09T10:00:00+08:00">更新</time>'
            '<time itemprop="datePublished" datetime="2024-05-31T01:43:35+08:00">发布</time>',
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31T01:43:35+08:00", "time"),
        ),
        # "发布时间:" under the heading (the seeds' format): Beijing to UTC
        (
            H1 + "<p>发布时间:2024-05-31 01:43:35</p>" + PROSE,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "text"),
        ),
        # split over elements, full-width colon, followed by more metadata
        (
            H1 + "<div><span>发布时间：</span><span>2024-05-31 01:43:35</span>"
            "<span>来源:网络</span></div>",
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "text"),
        ),
        # "发布日期" with a Chinese date and minutes only
        (
            H1 + "<p>发布日期:2024年5月31日 01:43</p>",
            "",
            ("2024-05-30T17:43:00+00:00", "2024年5月31日 01:43", "text"),
        ),
        # bare "时间:" label with slashes and no time of day: midnight Beijing
        (
            H1 + "<p>作者:admin 时间:2024/05/31</p>",
            "",
            ("2024-05-30T16:00:00+00:00", "2024/05/31", "text"),
        ),
        # updated date beside the published one: the published one, whatever the order
        (
            H1 + "<p>更新时间:2024-06-09 10:00:00 发布时间:2024-05-31 01:43:35</p>",
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "text"),
        ),
        # an update date alone is not a publish date
        (H1 + "<p>最后更新:2024-06-09</p>" + PROSE, "", None),
        (H1 + "<p>更新时间:2024-06-09</p>" + PROSE, "", None),
        # an unlabelled date right under the heading
        (
            H1 + "<p>2024-05-31</p>" + PROSE,
            "",
            ("2024-05-30T16:00:00+00:00", "2024-05-31", "text"),
        ),
        # ...but not one deep in the prose
        (H1 + PROSE * 3 + "<p>活动截止2024-05-31</p>", "", None),
        # an English page
        (
            "<h1>How to pay in instalments</h1><p>Published: May 31, 2024</p>",
            "",
            ("2024-05-30T16:00:00+00:00", "May 31, 2024", "text"),
        ),
        # the URL, when the page shows nothing
        (
            H1 + PROSE,
            "http://demo.test/2024/05/31/a.html",
            ("2024-05-30T16:00:00+00:00", "2024/05/31", "url"),
        ),
        (
            "<h1>x</h1>",
            "http://demo.test/html/20240531/12.html",
            ("2024-05-30T16:00:00+00:00", "20240531", "url"),
        ),
        # after fetched_at + 1 day: implausible, the next source is used
        (
            _ld('"datePublished": "2030-01-01"') + H1 + "<p>发布时间:2024-05-31 01:43:35</p>",
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31 01:43:35", "text"),
        ),
        # ...up to a day of clock skew is fine
        (
            H1 + "<p>发布时间:2025-01-01 20:00:00</p>",
            "",
            ("2025-01-01T12:00:00+00:00", "2025-01-01 20:00:00", "text"),
        ),
        # before 1995: implausible
        (H1 + "<p>发布时间:1990-01-01</p>", "", None),
        # an impossible date is no date
        (H1 + "<p>发布时间:2024-02-31</p>", "", None),
        # no date anywhere: never guessed
        (H1 + PROSE, "", None),
    ],
)
def test_publish_date(html: str, url: str, expected: tuple[str, str, str] | None) -> None:
    got = _published(html, url or "http://demo.test/a.html")
    assert got == (expected or (None, None, None))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # no zone: Beijing
        ("2024-05-31 01:43:35", datetime(2024, 5, 30, 17, 43, 35, tzinfo=UTC)),
        ("2024-05-31T01:43:35", datetime(2024, 5, 30, 17, 43, 35, tzinfo=UTC)),
        # explicit zones are honoured
        ("2024-05-31T01:43:35Z", datetime(2024, 5, 31, 1, 43, 35, tzinfo=UTC)),
        ("2024-05-31T01:43:35+0800", datetime(2024, 5, 30, 17, 43, 35, tzinfo=UTC)),
        ("2024-05-31 01:43:35 -05:00", datetime(2024, 5, 31, 6, 43, 35, tzinfo=UTC)),
        # Chinese, dotted and English forms
        ("2024年05月31日 01时43分", datetime(2024, 5, 30, 17, 43, tzinfo=UTC)),
        ("2024.5.31", datetime(2024, 5, 30, 16, 0, tzinfo=UTC)),
        ("31 May 2024", datetime(2024, 5, 30, 16, 0, tzinfo=UTC)),
        # not dates
        ("昨天", None),
        ("2024-13-01", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_list_pages_do_not_take_an_item_date() -> None:
    items = "".join(
        f'<li><a href="/a/{k}.html">分期文章标题第{k}篇</a> <span>2024-05-{k + 10:02d}</span></li>'
        for k in range(10)
    )
    assert _published(f"<h1>最新文章</h1><ul>{items}</ul>") == (None, None, None)
