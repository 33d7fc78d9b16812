"""The extraction entry point: its boundary (no Scrapy), the records it builds, bad documents."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from pipelines.extract import EXTRACTOR_VERSION, Extraction, extract
from pipelines.extract.parse import parse_html
from pipelines.store.records import RawPage

FETCHED_AT = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>小米商城分期付款流程详解_金融知识网</title>
<link rel="canonical" href="/article/003.html#x"></head><body>
<nav><a href="/">首页</a><a href="/list/">分期</a></nav>
<h1>小米商城分期付款流程详解</h1>
<p>发布时间:2024-05-31 03:58:55</p>
<p>小米商城作为知名电子产品零售商,不仅以其丰富的产品线和高性价比著称,还为顾客提供了便利的分期付款服务。</p>
<ol><li>登录账号:首先,确保您已注册并登录小米账号。</li><li>选择商品:挑选您心仪的商品加入购物车。</li></ol>
<div class="xgwz"><h3>相关内容</h3>
<ul><li><a href="a.html">放心借官方客服电话查询</a></li></ul></div>
<footer><a href="#top">To Top</a></footer>
</body></html>"""


def _raw(body: bytes, *, url: str = "http://demo.test/old", final_url: str = "") -> RawPage:
    return RawPage(
        url=url,
        final_url=final_url or url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=body,
        encoding=None,
        fetched_at=FETCHED_AT,
        crawl_id="crawl-7",
    )


def test_importing_extraction_does_not_import_scrapy() -> None:
    code = "import sys, pipelines.extract; assert 'scrapy' not in sys.modules, 'scrapy imported'"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_extractor_version_is_a_string() -> None:
    assert EXTRACTOR_VERSION == "7"


def test_records_carry_crawl_id_version_and_the_requested_url() -> None:
    # Redirected: records name the requested URL; links resolve against the final one.
    raw = _raw(ARTICLE.encode(), url="http://demo.test/old", final_url="http://demo.test/new/p")
    result = extract(raw)
    assert isinstance(result, Extraction)
    page = result.page
    assert (page.url, page.final_url) == ("http://demo.test/old", "http://demo.test/new/p")
    assert (page.crawl_id, page.extractor_version) == ("crawl-7", EXTRACTOR_VERSION)
    assert page.fetched_at == FETCHED_AT
    assert page.status == 200
    assert page.canonical_url == "http://demo.test/article/003.html"
    assert page.title == "小米商城分期付款流程详解"
    assert page.published_at == datetime(2024, 5, 30, 19, 58, 55, tzinfo=UTC)
    assert (page.kind, page.lang, page.encoding) == ("article", "zh", "utf-8")
    assert len(page.content_hash) == 40
    assert [(s.page_url, s.crawl_id, s.extractor_version) for s in result.steps] == [
        ("http://demo.test/old", "crawl-7", EXTRACTOR_VERSION)
    ] * 2
    assert {(link.source_url, link.crawl_id, link.extractor_version) for link in result.links} == {
        ("http://demo.test/old", "crawl-7", EXTRACTOR_VERSION)
    }
    related = [link for link in result.links if link.block == "related"]
    assert [link.target_url for link in related] == ["http://demo.test/new/a.html"]


def test_extraction_is_immutable() -> None:
    result = extract(_raw(ARTICLE.encode()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.page = result.page  # type: ignore[misc]


def test_same_input_same_output() -> None:
    assert extract(_raw(ARTICLE.encode())) == extract(_raw(ARTICLE.encode()))


@pytest.mark.parametrize(
    "body",
    [
        # empty body: lxml yields no root at all
        b"",
        # whitespace and comments only: no root either
        b"  \n <!-- nothing here -->  ",
        # NUL and control bytes that lxml refuses in text
        b"\x00\x01<p>\x00</p>",
        # an XML declaration naming an encoding, which lxml refuses in a str
        b"<?xml version='1.0' encoding='gbk'?><html><body><p>x</p></body></html>",
        # a frameset page: no body
        b"<html><frameset><frame src='a.html'></frameset></html>",
        # badly broken markup
        b"<<<>>><div <p <a href='x'>",
        # nesting far deeper than any stack: nothing recursive may walk it
        b"<div>" * 20000 + b"<h1>x</h1>" + b"</div>" * 20000,
    ],
)
def test_bad_documents_give_empty_records_not_errors(body: bytes) -> None:
    result = extract(_raw(body))
    assert result.page.kind in ("other", "list")
    assert result.steps == []
    assert isinstance(result.page.body_text, str)


def test_deeply_nested_page_is_read() -> None:
    # 1,500 levels of unclosed <div>: beyond libxml2's default depth limit of 256.
    html = "<div>" * 1500 + "<h1>标题</h1><p>发布时间:2024-05-31</p><p>正文。</p>"
    page = extract(_raw(html.encode())).page
    assert (page.title, page.published_raw, page.body_text) == ("标题", "2024-05-31", "正文。")


def test_empty_document_has_no_fields() -> None:
    page = extract(_raw(b"")).page
    assert (page.title, page.published_at, page.lang, page.body_text) == (None, None, None, "")
    assert page.kind == "other"


@pytest.mark.parametrize(
    ("text", "expected_body_text"),
    [
        # lxml's answer is kept when it has one
        ("<p>hello</p>", "hello"),
        # no root from lxml: BeautifulSoup repairs, lxml re-parses what it made of it
        ("<!--unclosed comment", "<!--unclosed comment"),
        ("<html", "<html"),
        # nothing to repair: an empty document
        ("<!-- only a comment -->", ""),
        ("", ""),
        # an XML declaration is dropped before parsing
        ("<?xml version='1.0' encoding='utf-8'?><p>x</p>", "x"),
        # a mid-page </html> or </body> (an included header's) does not end the body
        ("<p>head</p></body></html><p>article</p></html>", "headarticle"),
        ("<p>head</p></BODY ><p>article</p>", "headarticle"),
        # the text is already decoded: a <meta charset> naming another encoding changes nothing
        ('<meta charset="gb2312"><p>小米商城分期付款</p>', "小米商城分期付款"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=big5"><p>分期</p>', "分期"),
        ('<meta charset="iso-8859-1"><p>Müller über Straße</p>', "Müller über Straße"),
        # a lone surrogate (no decoder here makes one) does not end the text
        ("<p>a\ud800b</p>", "a\ufffd\ufffd\ufffdb"),
    ],
)
def test_parse_always_gives_a_body(text: str, expected_body_text: str) -> None:
    root = parse_html(text)
    body = root.find("body")
    assert body is not None
    assert "".join(str(text) for text in body.itertext()).strip() == expected_body_text


def _wrapped(levels: int, tag: str = "div") -> bytes:
    """ARTICLE with its article body inside `levels` nested wrappers, as broken CMS output is."""
    start = ARTICLE.index("<h1>")
    end = ARTICLE.index("<footer>")
    nested = f"<{tag} class=wrap>" * levels + ARTICLE[start:end] + f"</{tag}>" * levels
    return (ARTICLE[:start] + nested + ARTICLE[end:]).encode()


@pytest.mark.parametrize(("levels", "tag"), [(2500, "div"), (6000, "div"), (20000, "span")])
def test_markup_nested_past_the_parser_limit_keeps_the_text_and_links_at_the_bottom(
    levels: int, tag: str
) -> None:
    # libxml2 stops at 2,048 levels and would drop everything below; the page must not lose it.
    shallow = extract(_raw(_wrapped(3)))
    deep = extract(_raw(_wrapped(levels, tag)))
    assert deep.page.title == "小米商城分期付款流程详解"
    assert "分期付款服务" in deep.page.body_text
    assert [s.text for s in deep.steps] == [s.text for s in shallow.steps]
    assert [(link.anchor_text, link.block) for link in deep.links] == [
        (link.anchor_text, link.block) for link in shallow.links
    ]


def test_nul_bytes_do_not_lose_the_page_or_reach_the_text() -> None:
    body = ARTICLE.replace("小米商城作为", "小米\x00商城作为").replace("<h1>", "\x00<h1>").encode()
    extraction = extract(_raw(body))
    assert extraction.page.title == "小米商城分期付款流程详解"
    assert "小米商城作为知名电子产品零售商" in extraction.page.body_text
    assert "\x00" not in extraction.page.body_text
    assert "\ufffd" not in extraction.page.body_text
    assert [link.anchor_text for link in extraction.links] == [
        link.anchor_text for link in extract(_raw(ARTICLE.encode())).links
    ]
