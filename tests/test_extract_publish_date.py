"""Publish date: meta > jsonld > <time> > text near the heading > URL, then plausibility.

Times without a zone are Beijing time (UTC+8); every result is UTC. Update dates never count.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import extract
from pipelines.extract.publish_date import parse_date
from pipelines.store.records import RawPage

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
        # meta beats JSON-LD (htmldate reads the header first); dateModified is never read
        (
            _ld('"dateModified": "2024-06-09", "datePublished": "2024-05-31"')
            + '<meta property="article:published_time" content="2024-01-01">'
            + H1,
            "",
            ("2023-12-31T16:00:00+00:00", "2024-01-01", "meta"),
        ),
        (
            _ld('"dateModified": "2024-06-09", "datePublished": "2024-05-31"') + H1,
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
        # ...but not one deep in the prose: only the weakest rule, a count over the whole
        # page, takes it, and says so
        (
            H1 + PROSE * 3 + "<p>活动截止2024-05-31</p>",
            "",
            ("2024-05-30T16:00:00+00:00", "2024-05-31", "page"),
        ),
        # ...and never one in the footer or inside a sentence
        (H1 + PROSE * 3 + "<footer><p>更新 2024-05-31 | 版权所有</p></footer>", "", None),
        (H1 + PROSE * 3 + "<p>本活动自2024年3月15日起开始,到月底为止。</p>", "", None),
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
        # RDFa property and JSON-LD creation dates, when the page states no publish date
        (
            H1
            + '<span property="schema:dateCreated" content="2024-05-31T04:45:46+00:00"></span>'
            + PROSE,
            "",
            ("2024-05-31T04:45:46+00:00", "2024-05-31T04:45:46+00:00", "time"),
        ),
        (
            _ld('"dateCreated": "2024-05-31"') + H1 + PROSE,
            "",
            ("2024-05-30T16:00:00+00:00", "2024-05-31", "jsonld"),
        ),
        # ...but after a labelled date in the text
        (
            _ld('"dateCreated": "2004-01-01"') + H1 + "<p>发布时间:2024-05-31</p>" + PROSE,
            "",
            ("2024-05-30T16:00:00+00:00", "2024-05-31", "text"),
        ),
        # a publish-date key in inline JSON state
        (
            H1
            + PROSE
            + '<script>window.__S={"id":3,"publishedDate":"2024-05-31T20:37:27Z"}</script>',
            "",
            ("2024-05-31T20:37:27+00:00", "2024-05-31T20:37:27Z", "script"),
        ),
        # a <meta> key that names an upload date
        (
            '<meta property="five_hundred_pixels:uploaded" content="2024-05-31T04:36:36-05:00">'
            + H1,
            "",
            ("2024-05-31T09:36:36+00:00", "2024-05-31T04:36:36-05:00", "meta"),
        ),
        # day-first with slashes; month-first when the first number cannot be a month;
        # neither when both orders read
        (H1 + "<p>17/03/2024</p>" + PROSE, "", ("2024-03-16T16:00:00+00:00", "17/03/2024", "text")),
        (H1 + "<p>03/17/2024</p>" + PROSE, "", ("2024-03-16T16:00:00+00:00", "03/17/2024", "text")),
        (H1 + "<p>03/11/2024</p>" + PROSE, "", None),
        # "Pressemitteilung vom 25. Januar 2024" opening the lead paragraph
        (
            H1 + "<p>Pressemitteilung vom 25. Januar 2024 | Berlin – Die Zusammenarbeit wird "
            "ausgebaut, sagte die Ministerin, und die Mittel steigen.</p>" + PROSE,
            "",
            ("2024-01-24T16:00:00+00:00", "25. Januar 2024", "text"),
        ),
        # a day-first date with dashes in the URL
        (
            H1 + PROSE,
            "http://demo.test/meldungen/29-10-2021",
            ("2021-10-28T16:00:00+00:00", "29-10-2021", "url"),
        ),
        # a date in the URL beats one on the page more than a week away (a later edit)...
        (
            _ld('"datePublished": "2024-09-01"') + H1,
            "http://demo.test/2024/05/31/a.html",
            ("2024-05-30T16:00:00+00:00", "2024/05/31", "url"),
        ),
        # ...not one within the week written in the page's own zone (a story updated the
        # next days)...
        (
            _ld('"datePublished": "2024-06-01T10:00:00+08:00"') + H1,
            "http://demo.test/2024/05/31/a.html",
            ("2024-06-01T02:00:00+00:00", "2024-06-01T10:00:00+08:00", "jsonld"),
        ),
        # ...but a UTC timestamp of another day: UTC is not the publisher's calendar, the URL
        # is (an evening story in New York, stamped the next day in UTC)
        (
            _ld('"datePublished": "2024-06-01T02:00:00Z"') + H1,
            "http://demo.test/2024/05/31/a.html",
            ("2024-05-30T16:00:00+00:00", "2024/05/31", "url"),
        ),
        # a UTC timestamp of the URL's day stays
        (
            _ld('"datePublished": "2024-05-31T22:00:00Z"') + H1,
            "http://demo.test/2024/05/31/a.html",
            ("2024-05-31T22:00:00+00:00", "2024-05-31T22:00:00Z", "jsonld"),
        ),
        # a UTC timestamp gives way to the same instant written in the page's zone
        (
            _ld('"datePublished": "2022-05-03T21:53:29-03:00"')
            + '<meta property="article:published_time" content="2022-05-04T00:53:29Z">'
            + H1,
            "",
            ("2022-05-04T00:53:29+00:00", "2022-05-03T21:53:29-03:00", "meta"),
        ),
        # <meta> keys in document order, as htmldate reads the header
        (
            '<meta name="date" content="2024-05-13T09:22:36Z">'
            '<meta property="article:published_time" content="2024-05-10T09:48:24Z">' + H1,
            "",
            ("2024-05-13T09:22:36+00:00", "2024-05-13T09:22:36Z", "meta"),
        ),
        # a <time> showing a full date of another day than its datetime: the shown date
        (
            H1 + '<time datetime="2024-06-02T10:18:46Z">Publié le 29 mai 2024</time>' + PROSE,
            "",
            ("2024-05-28T16:00:00+00:00", "29 mai 2024", "time"),
        ),
        # ...a shown day without a year or the same day: the datetime
        (
            H1 + '<time datetime="2024-05-31T01:43:35+08:00">5月31日</time>' + PROSE,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31T01:43:35+08:00", "time"),
        ),
        # a <time> in a quotation (an embedded post) or in a teaser linking elsewhere is not
        # the page's; one in a permalink to the page itself is
        (
            H1 + '<blockquote><time datetime="2024-03-12T19:30:12Z">12 mars</time></blockquote>'
            '<ul><li><a href="/other.html">Autre</a><time datetime="2024-04-01">1 avr.</time>'
            '</li></ul><a href="/a.html"><time datetime="2024-05-31T01:43:35+08:00">x</time></a>'
            + PROSE,
            "",
            ("2024-05-30T17:43:35+00:00", "2024-05-31T01:43:35+08:00", "time"),
        ),
        # a two-digit year next to the title heading...
        (
            H1 + "<div>Von: Anna Muster | 31.05.24</div>" + PROSE,
            "",
            ("2024-05-30T16:00:00+00:00", "31.05.24", "text"),
        ),
        # ...never in running text
        (
            H1 + "<p>Die Version 1.2.12 erschien mit vielen Neuerungen. Es ist die beste.</p>",
            "",
            None,
        ),
        # the date opening the heading's own info line beats a date in the first sentence
        (
            (
                "<h1>小米商城分期付款流程详解<br><small>02.05.2024 • Verein, Presse</small></h1>"
                "<p>Laut der am 28.04.2024 in Kraft getretenen Satzung darf der Verein feiern.</p>"
            ),
            "",
            ("2024-05-01T16:00:00+00:00", "02.05.2024", "text"),
        ),
        # "Erstellt am:" labels the date under the heading, not the teaser date before it
        (
            "<div><h3>Anderer Artikel</h3><span>01.06.2024 16:28</span></div>"
            + H1
            + "<small>Erstellt am: 30.05.2024 18:36 / sk</small>"
            + PROSE,
            "",
            ("2024-05-30T10:36:00+00:00", "30.05.2024 18:36", "text"),
        ),
        # a short metadata line ("entry-meta") after the text holds the date
        (
            H1
            + PROSE
            + '<div class="entry-meta">Von Christian am 03.05.2024, 11:51 | 0 Kommentare</div>'
            + "<p>Ein Satz am Ende, mit einem Komma und dem 07.05.2024 als Termin.</p>",
            "",
            ("2024-05-03T03:51:00+00:00", "03.05.2024, 11:51", "text"),
        ),
        # a bare <meta> day gives way to JSON-LD's timestamp of the same publication
        (
            _ld('"datePublished": "2023-11-09T03:02:34-05:00"')
            + '<meta name="dc.date" content="2023-11-08">'
            + H1,
            "",
            ("2023-11-09T08:02:34+00:00", "2023-11-09T03:02:34-05:00", "jsonld"),
        ),
        # the weakest rule: the most frequent date of the whole page, earliest of the top
        (
            H1 + PROSE * 3 + "<div><p>Beitrag 2019-03-02 | Impressum</p>"
            "<p>Beitrag 2019-03-02 | Kontakt</p>"
            "<p>Beitrag 2020-01-09 | AGB</p></div>",
            "",
            ("2019-03-01T16:00:00+00:00", "2019-03-02", "page"),
        ),
        # a date and its time in two <span>s read as one string: the day runs into the time
        (
            H1 + "<div>发布时间：<span>2024-05-27</span><span>19:32</span></div>" + PROSE,
            "",
            ("2024-05-27T11:32:00+00:00", "2024-05-27 19:32", "text"),
        ),
        # a two-digit year first ("24-05-28") under a publish-date label
        (
            H1 + "<div>发布时间：24-05-28<span>23:16</span></div>" + PROSE,
            "",
            ("2024-05-28T15:16:00+00:00", "24-05-28 23:16", "text"),
        ),
        # ...never without one: it could be a day-first or a month-first date as well
        (H1 + "<div>24-05-28 阅读 120</div>" + PROSE, "", None),
        # "发布：" labels the date; an editor's line is an info line too
        (
            "<div>2024年6月1日</div>" + H1 + "<div>发布：2024-05-29</div>" + PROSE,
            "",
            ("2024-05-28T16:00:00+00:00", "2024-05-29", "text"),
        ),
        (
            "<div>2024年6月1日</div>" + H1 + "<div>编辑：李明 2024-05-29 10:00</div>" + PROSE,
            "",
            ("2024-05-29T02:00:00+00:00", "2024-05-29 10:00", "text"),
        ),
        # the info line naming the source beats a bare date before the heading
        (
            "<div>2024年6月1日 星期六</div>"
            + H1
            + "<div>2024-05-30 08:44:22\u3000来源: 江城在线</div>"
            + PROSE,
            "",
            ("2024-05-30T00:44:22+00:00", "2024-05-30 08:44:22", "text"),
        ),
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
        # Russian month names (genitive), "март" and "мая" both opening with "ма"
        ("15 августа 2016, 13:43", datetime(2016, 8, 14, 16, 0, tzinfo=UTC)),
        ("3 марта 2020", datetime(2020, 3, 2, 16, 0, tzinfo=UTC)),
        ("1 мая 2019", datetime(2019, 4, 30, 16, 0, tzinfo=UTC)),
        # a two-digit year is read only where a date is expected, never by parse_date
        ("31.10.23", None),
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


def test_list_pages_keep_the_date_of_their_source_line() -> None:
    # A short item with links to other articles under it reads as a list; the date on the
    # line naming its source is still its own.
    items = "".join(f'<p><a href="/a/{k}.html">分期文章标题第{k}篇</a></p>' for k in range(6))
    html = f"{H1}<div>2024-05-30 08:44:22 来源: 江城在线</div><p>分期付款说明。</p>{items}"
    assert _published(html) == ("2024-05-30T00:44:22+00:00", "2024-05-30 08:44:22", "text")


NOON_BEIJING = datetime(2024, 6, 3, 4, tzinfo=UTC)  # 2024-06-03 12:00 in Beijing


def _published_at(html: str, fetched_at: datetime) -> tuple[str | None, ...]:
    raw = RawPage(
        url="http://demo.test/a.html",
        final_url="http://demo.test/a.html",
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=f"<html><body>{H1}{html}{PROSE}</body></html>".encode(),
        encoding=None,
        fetched_at=fetched_at,
    )
    page = extract(raw).page
    at = page.published_at.isoformat() if page.published_at else None
    return at, page.published_raw


@pytest.mark.parametrize(
    ("html", "fetched_at", "expected"),
    [
        # N days ago: that Beijing day, no time shown so midnight
        ("<p>3天前</p>", NOON_BEIJING, ("2024-05-30T16:00:00+00:00", "3天前")),
        # N hours ago: the fetch time minus N hours
        ("<p>5小时前</p>", NOON_BEIJING, ("2024-06-02T23:00:00+00:00", "5小时前")),
        # yesterday at a time, labelled
        ("<p>发布时间:昨天 08:12</p>", NOON_BEIJING, ("2024-06-02T00:12:00+00:00", "昨天 08:12")),
        # the day before yesterday, traditional label
        ("<p>發佈時間:前天 21:30</p>", NOON_BEIJING, ("2024-06-01T13:30:00+00:00", "前天 21:30")),
        # English
        ("<p>Posted 2 days ago</p>", NOON_BEIJING, ("2024-05-31T16:00:00+00:00", "2 days ago")),
        (
            "<p>Posted yesterday at 10:30</p>",
            NOON_BEIJING,
            ("2024-06-02T02:30:00+00:00", "yesterday at 10:30"),
        ),
        # a bare day name is a menu item or a heading ("Today's word"), never the fetch date
        ("<p>Today</p>", NOON_BEIJING, (None, None)),
        ("<p>发布时间:今天</p>", NOON_BEIJING, (None, None)),
        (
            "<p><a href='/today.html'>Today</a> | <a href='/archive.html'>Archive</a></p>",
            NOON_BEIJING,
            (None, None),
        ),
        # a month and day without a year: the fetch's year
        ("<p>05-31</p>", NOON_BEIJING, ("2024-05-30T16:00:00+00:00", "05-31")),
        ("<p>5月31日 08:12</p>", NOON_BEIJING, ("2024-05-31T00:12:00+00:00", "5月31日 08:12")),
        # ...or the year before, when the fetch's year puts it in the future
        (
            "<p>时间:12-30 18:20</p>",
            datetime(2025, 1, 2, 2, tzinfo=UTC),
            ("2024-12-30T10:20:00+00:00", "12-30 18:20"),
        ),
        # 02-29 fetched in a non-leap year: the year before, a leap year
        ("<p>02-29</p>", datetime(2025, 3, 1, tzinfo=UTC), ("2024-02-28T16:00:00+00:00", "02-29")),
        # a date inside a sentence under the heading is not the publish date
        ("<p>自2024年3月15日起,小米商城调整了分期规则。</p>", NOON_BEIJING, (None, None)),
        ("<p>今天我们来聊聊分期付款,很多用户都关心。</p>", NOON_BEIJING, (None, None)),
        # ...even split over inline elements
        ("<p>自<b>2024年3月15日</b>起,小米商城调整了分期规则。</p>", NOON_BEIJING, (None, None)),
        # a metadata line with several fields is not a sentence
        (
            "<div>小编 · 2024-05-31 12:00 · 阅读 1234</div>",
            NOON_BEIJING,
            ("2024-05-31T04:00:00+00:00", "2024-05-31 12:00"),
        ),
    ],
)
def test_relative_and_yearless_dates(
    html: str, fetched_at: datetime, expected: tuple[str | None, str | None]
) -> None:
    assert _published_at(html, fetched_at) == expected
