"""Title: og:title > JSON-LD headline > h1 > <title>, without the site-name suffix."""

from __future__ import annotations

import pytest

from pipelines.extract.jsonld import jsonld_objects
from pipelines.extract.parse import parse_html
from pipelines.extract.title import extract_title, title_element

LD = '<script type="application/ld+json">{}</script>'


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # og:title beats everything else
        (
            (
                '<head><meta property="og:title" content="OG 标题"><title>T_站</title></head>'
                "<body><h1>H1 标题</h1></body>"
            ),
            "OG 标题",
        ),
        # JSON-LD headline when there is no og:title
        (
            "<head>" + LD.format('{"@type": "Article", "headline": "LD 标题"}') + "</head>"
            "<body><h1>H1 标题</h1></body>",
            "LD 标题",
        ),
        # ...also inside an @graph
        (
            LD.format('{"@graph": [{"@type": "WebSite"}, {"headline": "图中标题"}]}')
            + "<h1>H1</h1>",
            "图中标题",
        ),
        # broken JSON-LD is skipped, not fatal
        (LD.format('{"headline": "坏的",}') + "<h1>H1 标题</h1>", "H1 标题"),
        # h1 beats <title>
        (
            "<title>分期付款_金融知识网</title><h1>小米商城分期付款流程详解</h1>",
            "小米商城分期付款流程详解",
        ),
        # <title> = h1 + "_" + site name: the h1, i.e. the suffix stripped
        ("<title>分期付款流程详解_金融知识网</title><h1>分期付款流程详解</h1>", "分期付款流程详解"),
        # ... with " - " (DedeCMS) and "|" separators
        (
            "<title>分期付款流程详解 - 金融知识网</title><h1>分期付款流程详解</h1>",
            "分期付款流程详解",
        ),
        (
            "<title>分期付款流程详解 | 金融知识网</title><h1>分期付款流程详解</h1>",
            "分期付款流程详解",
        ),
        # og:title carrying the site name is cut back to the h1 too
        (
            (
                '<meta property="og:title" content="分期付款流程详解–金融知识网">'
                "<h1>分期付款流程详解</h1>"
            ),
            "分期付款流程详解",
        ),
        # a title that merely starts like the h1 (no separator) is kept whole
        (
            '<meta property="og:title" content="分期付款流程详解大全"><h1>分期付款流程详解</h1>',
            "分期付款流程详解大全",
        ),
        # a logo h1 and the article h1: the one <title> starts with
        (
            (
                "<title>文章标题很长_金融知识网</title><header><h1>金融知识网</h1></header>"
                "<article><h1>文章标题很长</h1></article>"
            ),
            "文章标题很长",
        ),
        # no h1: <title> without its site-name suffix (the longer first part)
        ("<title>小米商城分期付款流程详解_金融知识网</title><p>x</p>", "小米商城分期付款流程详解"),
        ("<title>小米商城分期付款流程详解-金融网</title><p>x</p>", "小米商城分期付款流程详解"),
        # ...but a hyphen inside a word is not a separator
        ("<title>Wi-Fi setup guide</title><p>x</p>", "Wi-Fi setup guide"),
        # ...and a suffix longer than the first part is not taken for a site name
        (
            "<title>分期 - 小米商城分期付款流程详解</title><p>x</p>",
            "分期 - 小米商城分期付款流程详解",
        ),
        # whitespace is collapsed
        ("<h1>  小米\n   商城 </h1>", "小米 商城"),
        # an empty og:title falls through
        ('<meta property="og:title" content="  "><h1>H1 标题</h1>', "H1 标题"),
        # an SVG icon's <title> is not the page title
        ("<body><svg><title>icon</title></svg><p>x</p></body>", None),
        # nothing at all
        ("<p>只有正文</p>", None),
    ],
)
def test_title(html: str, expected: str | None) -> None:
    root = parse_html(html)
    assert extract_title(root, jsonld_objects(root)) == expected


def test_title_element_is_the_h1_showing_the_title() -> None:
    root = parse_html("<h1>金融知识网</h1><div><h1>文章标题</h1></div>")
    element = title_element(root, "文章标题")
    assert element is not None
    assert element.text == "文章标题"
    assert title_element(parse_html("<p>x</p>"), None) is None


def test_title_element_without_headings_is_the_element_showing_the_title() -> None:
    root = parse_html(
        '<a href="/a.html">文章标题</a><div class="bt">文章标题</div><div>2024-05-23 出处：网</div>'
    )
    element = title_element(root, "文章标题")
    assert element is not None
    assert (element.tag, element.get("class")) == ("div", "bt")
    assert title_element(parse_html("<p>另一篇文章</p>"), "文章标题") is None


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # a forum subject's h1 carries its thread type; <title> confirms the bare subject
        (
            (
                "<title>小米商城分期还款说明 - 分期购物 - 论坛</title>"
                '<h1><a href="/f">[分期购物]</a> <span>小米商城分期还款说明</span></h1>'
            ),
            "小米商城分期还款说明",
        ),
        # ...without that confirmation the h1 stays as shown
        ("<h1>[分期购物] 小米商城分期还款说明</h1>", "[分期购物] 小米商城分期还款说明"),
        # DedeCMS: a logo image in the only h1, the title in an h2 that <title> starts with
        (
            (
                "<title>南昌_分期购物_金融知识网</title>"
                '<h1><a href="/"><img alt="金融知识网"></a></h1><div><h2>南昌</h2></div>'
            ),
            "南昌",
        ),
        # no heading: the <title> is split on the separator of its last part only
        (
            "<title>电商加盟平台——如何选择合适的项目?_分期购物_金融知识网</title><p>x</p>",
            "电商加盟平台——如何选择合适的项目?",
        ),
    ],
)
def test_title_without_a_plain_h1(html: str, expected: str) -> None:
    root = parse_html(html)
    assert extract_title(root, jsonld_objects(root)) == expected


def test_title_element_may_be_an_h2() -> None:
    root = parse_html('<h1><img alt="logo"></h1><div><h2>文章标题</h2></div>')
    element = title_element(root, "文章标题")
    assert element is not None
    assert element.tag == "h2"
