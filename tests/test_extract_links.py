"""Links: one record per <a href> in document order, each in one block, positions per block."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.extract import extract
from pipelines.extract.links import site_key
from pipelines.store.records import LinkRecord, RawPage
from pipelines.store.urls import Resolver, normalize_url

URL = "http://www.demo.test/a/page.html"
ARTICLE = (
    "<p>小米商城作为知名电子产品零售商,不仅以其丰富的产品线和高性价比著称,还为顾客提供了便利的"
    "分期付款服务。本文将详细介绍在小米商城中如何使用分期付款功能。</p>"
    "<p>在当今数字化消费时代,电商平台为消费者提供了多样化的支付方式,以满足不同用户的购物需求,"
    "分期付款已成为许多消费者青睐的购物方式之一。</p>"
)
RELATED_TITLES = ["京东e卡回收全攻略", "先享后付自动还款全攻略", "放心借官方客服电话查询"]


def _links(html: str, *, url: str = URL) -> list[LinkRecord]:
    raw = RawPage(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode(),
        encoding=None,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return extract(raw).links


def _blocks(html: str) -> list[tuple[str, int, str]]:
    return [(link.block, link.position, link.anchor_text) for link in _links(html)]


def _related(html: str) -> list[str]:
    return [link.anchor_text for link in _links(html) if link.block == "related"]


def _items(titles: list[str]) -> str:
    return "".join(f'<li><a href="/r/{k}.html">{t}</a></li>' for k, t in enumerate(titles))


PORTAL = f"""<html><body id="top">
<header class="site-header"><div class="logo"><a href="/">金融知识网</a></div>
  <nav class="main-nav"><a href="/">首页</a><a href="/list/fenqi/">分期购物</a></nav>
  <div class="hot-search">热门搜索:<a href="/search?q=1">分期</a></div></header>
<div class="site-main"><main class="content-area">
  <nav class="breadcrumb" aria-label="breadcrumb"><a href="/">首页</a> &gt;
    <a href="/list/">分期</a></nav>
  <article class="post"><header class="entry-header"><h1>小米商城分期付款流程详解</h1>
    <div class="post-meta">发布时间:2024-05-31 03:58:55
      分类:<a href="/list/">分期</a></div></header>
    <div class="entry-content">{ARTICLE}<p>详见<a href="/help.html">帮助中心</a>。</p></div>
    <nav class="post-nav"><a href="/p.html" rel="prev">上一篇文章</a></nav></article>
  <section class="related-posts"><h2>相关内容:</h2><ul>{_items(RELATED_TITLES)}</ul></section>
  <a class="back-to-top" href="#top">To Top</a>
</main>
<aside class="widget-area"><section class="widget widget-hot"><h3>热门文章</h3>
  <ul><li><a href="/hot/1.html">热门一</a></li></ul></section></aside></div>
<footer class="site-footer"><a href="/about.html">关于我们</a>
  <a href="mailto:service@demo.test">投稿邮箱</a>
  <a href="javascript:void(0)">加入收藏</a>
  <a href="https://beian.miit.gov.cn/" rel="NoFollow noopener">京ICP备2024012345号-1</a></footer>
</body></html>"""

DEDE = f"""<html><body><a name="top" id="top"></a>
<div id="hd"><div class="top"><a href="javascript:void(0)">设为首页</a></div>
  <div id="navMenu"><ul><li><a href="/"><span>首页</span></a></li></ul></div>
  <div class="tags"><strong>热门标签:</strong><a href="/tag/1">分期</a></div></div>
<div class="mainbox">
  <div class="place"><strong>当前位置:</strong><a href="/">首页</a> &gt;
    <a href="/list/">分期</a></div>
  <div class="pleft"><div class="viewbox">
    <div class="arc_title"><h1>小米商城分期付款流程详解</h1></div>
    <div class="info"><span>发布时间:2024-05-31 03:58:55</span></div>
    <div class="content">{ARTICLE}</div>
    <div class="context"><ul><li>上一篇:<a href="/p.html">上一篇文章</a></li></ul></div></div>
    <div class="xgwz"><h3>相关内容</h3><ul class="c1">{_items(RELATED_TITLES)}</ul></div>
    <div class="totop"><a href="#top">To Top</a></div></div>
  <div class="pright"><div class="hot"><h3>热门文章</h3>
    <ul><li><a href="/hot/1.html">热门一</a></li>
    </ul></div></div></div>
<div id="ft"><p><a href="/about.html">关于我们</a></p></div>
</body></html>"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # HTML5 landmarks, generic class tokens, aria-label="breadcrumb"
        (
            PORTAL,
            [
                ("nav", 1, "金融知识网"),
                ("nav", 2, "首页"),
                ("nav", 3, "分期购物"),
                ("nav", 4, "分期"),
                ("breadcrumb", 1, "首页"),
                ("breadcrumb", 2, "分期"),
                ("body", 1, "分期"),
                ("body", 2, "帮助中心"),
                ("nav", 5, "上一篇文章"),
                ("related", 1, RELATED_TITLES[0]),
                ("related", 2, RELATED_TITLES[1]),
                ("related", 3, RELATED_TITLES[2]),
                ("body", 3, "To Top"),
                ("sidebar", 1, "热门一"),
                ("footer", 1, "关于我们"),
                ("footer", 2, "投稿邮箱"),
                ("footer", 3, "加入收藏"),
                ("footer", 4, "京ICP备2024012345号-1"),
            ],
        ),
        # DedeCMS div soup: #hd, .place + "当前位置:首页 >", .xgwz, "上一篇:", #ft; the
        # "热门文章" box is a sidebar because the page has a 相关内容 block
        (
            DEDE,
            [
                ("nav", 1, "设为首页"),
                ("nav", 2, "首页"),
                ("nav", 3, "分期"),
                ("breadcrumb", 1, "首页"),
                ("breadcrumb", 2, "分期"),
                ("nav", 4, "上一篇文章"),
                ("related", 1, RELATED_TITLES[0]),
                ("related", 2, RELATED_TITLES[1]),
                ("related", 3, RELATED_TITLES[2]),
                ("body", 1, "To Top"),
                ("sidebar", 1, "热门一"),
                ("footer", 1, "关于我们"),
            ],
        ),
        # bare markup, no classes: a "首页 >" trail and a "相关内容:" paragraph before a list
        (
            (
                '<div><a href="/">首页</a> &gt; <a href="/list/">分期</a> &gt; 正文</div>'
                f"<h1>标题</h1>{ARTICLE}<p>相关内容:</p><ul>{_items(RELATED_TITLES[:2])}</ul>"
                '<p><a href="#">To Top</a></p>'
            ),
            [
                ("breadcrumb", 1, "首页"),
                ("breadcrumb", 2, "分期"),
                ("related", 1, RELATED_TITLES[0]),
                ("related", 2, RELATED_TITLES[1]),
                ("body", 1, "To Top"),
            ],
        ),
        # bare text heading and <br>-separated links
        (
            (
                f"<h1>标题</h1>{ARTICLE}<div>相关内容:<br>"
                '<a href="/r/1.html">京东e卡回收全攻略</a><br>'
                '<a href="/r/2.html">先享后付自动还款全攻略</a>'
                '<br><a href="#top">To Top</a></div>'
            ),
            [
                ("related", 1, RELATED_TITLES[0]),
                ("related", 2, RELATED_TITLES[1]),
                ("body", 1, "To Top"),
            ],
        ),
        # related block before the article body
        (
            (
                f'<div class="tuijian"><h3>猜你喜欢</h3><ul>{_items(RELATED_TITLES[:2])}</ul></div>'
                f'<h1>标题</h1>{ARTICLE}<p>见<a href="/help.html">帮助</a></p>'
            ),
            [
                ("related", 1, RELATED_TITLES[0]),
                ("related", 2, RELATED_TITLES[1]),
                ("body", 1, "帮助"),
            ],
        ),
        # WordPress-like: role landmarks, widget sidebar, Jetpack related posts
        (
            (
                '<div id="page"><header id="masthead" class="site-header" role="banner">'
                '<a href="/" rel="home">站点</a>'
                '<nav id="site-navigation" class="main-navigation"><ul id="menu-main" class="menu">'
                '<li class="menu-item"><a href="/c/">分类</a></li></ul>'
                "</nav></header>"
                f'<div id="content" class="site-content"><div id="primary" class="content-area">'
                f'<article class="post type-post"><h1 class="entry-title">标题</h1>'
                f'<div class="entry-content">{ARTICLE}</div>'
                '<footer class="entry-footer"><a href="/tag/x/" rel="tag">标签</a></footer>'
                "</article>"
                f'<div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3>'
                f"<ul>{_items(RELATED_TITLES[:1])}</ul></div></div>"
                '<div id="secondary" class="widget-area" role="complementary">'
                '<section class="widget"><a href="/w/">最新</a></section></div></div>'
                '<footer id="colophon" class="site-footer" role="contentinfo">'
                '<a href="https://wordpress.org/">Powered</a></footer></div>'
            ),
            [
                ("nav", 1, "站点"),
                ("nav", 2, "分类"),
                ("footer", 1, "标签"),
                ("related", 1, RELATED_TITLES[0]),
                ("sidebar", 1, "最新"),
                ("footer", 2, "Powered"),
            ],
        ),
        # Discuz-like: "首页 ›" trail in div#pt, div#ft footer
        (
            (
                '<div id="hd"><a href="/">论坛</a></div>'
                '<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm">首页</a>'
                '<em>›</em><a href="forum.php">分期交流</a></div></div>'
                f'<div id="ct"><h1>标题</h1><div class="t_f">{ARTICLE}</div></div>'
                '<div id="ft"><a href="/archiver/">Archiver</a></div>'
            ),
            [
                ("nav", 1, "论坛"),
                ("breadcrumb", 1, "首页"),
                ("breadcrumb", 2, "分期交流"),
                ("footer", 1, "Archiver"),
            ],
        ),
    ],
)
def test_link_blocks(html: str, expected: list[tuple[str, int, str]]) -> None:
    assert _blocks(html) == expected


@pytest.mark.parametrize(
    ("html", "block"),
    [
        # whole tokens and substrings of class and id values
        ('<div class="site-footer__inner"><a href="/x">x</a></div>', "footer"),
        ('<div id="ft"><a href="/x">x</a></div>', "footer"),
        ('<div class="relatedPosts"><a href="/x">x</a></div>', "related"),
        ('<div class="xgwz"><a href="/x">x</a></div>', "related"),
        ('<ul class="breadcrumbs"><li><a href="/x">x</a></li></ul>', "breadcrumb"),
        ('<div id="navMenu"><a href="/x">x</a></div>', "nav"),
        ('<div class="position"><a href="/x">x</a></div>', "breadcrumb"),
        # ARIA roles and labels
        ('<div role="navigation"><a href="/x">x</a></div>', "nav"),
        ('<div role="contentinfo"><a href="/x">x</a></div>', "footer"),
        ('<ol aria-label="面包屑"><li><a href="/x">x</a></li></ol>', "breadcrumb"),
        # Bootstrap's position-relative is a CSS helper, not a breadcrumb
        ('<div class="position-relative"><a href="/x">x</a></div>', "body"),
        # "nav" inside a longer word ("canvas") is not a nav
        ('<div class="canvas-wrap"><a href="/x">x</a></div>', "body"),
        # <article> and <main> are the content, whatever their classes say
        ('<article class="post hot sidebar"><a href="/x">x</a></article>', "body"),
        # a class on an inline element does not make a region
        ('<p>见<a class="hot" href="/x">x</a></p>', "body"),
        # an article's own <header> is not site navigation
        ('<article><header><a href="/x">x</a></header></article>', "body"),
        ('<div class="entry-header"><a href="/x">x</a></div>', "body"),
        ('<header><a href="/x">x</a></header>', "nav"),
    ],
)
def test_class_tokens_and_landmarks(html: str, block: str) -> None:
    (link,) = _links(f"<h1>标题</h1>{ARTICLE}{html}")
    assert link.block == block


def test_related_list_is_exact_and_excludes_to_top() -> None:
    titles = [f"相关文章第{k}篇" for k in range(100)]
    html = (
        f'<h1>标题</h1>{ARTICLE}<div class="xgwz"><h3>相关内容</h3><ul>{_items(titles)}</ul>'
        '<a href="#top">To Top</a></div>'
    )
    links = _links(html)
    assert [link.anchor_text for link in links if link.block == "related"] == titles
    assert [link.position for link in links if link.block == "related"] == list(range(1, 101))
    to_top = [link for link in links if link.anchor_text == "To Top"]
    assert [(link.block, link.target_url) for link in to_top] == [("body", URL)]


@pytest.mark.parametrize(
    ("html", "related"),
    [
        # a "热门文章" list with no 相关内容 block on the page: it is the related block
        (
            f"<h1>标题</h1>{ARTICLE}<div><h3>热门文章</h3><ul>{_items(RELATED_TITLES)}</ul></div>",
            RELATED_TITLES,
        ),
        # ...but next to a real 相关内容 block it is a sidebar widget
        (
            (
                f"<h1>标题</h1>{ARTICLE}<div><h3>相关内容</h3><ul>{_items(RELATED_TITLES[:1])}</ul>"
                f'</div><div class="hot"><h3>热门文章</h3>'
                f"<ul>{_items(RELATED_TITLES[1:])}</ul></div>"
            ),
            RELATED_TITLES[:1],
        ),
        # an English heading
        (
            f"<h1>Title</h1>{ARTICLE}<h2>Related posts</h2><ul>{_items(RELATED_TITLES[:2])}</ul>",
            RELATED_TITLES[:2],
        ),
        # a menu item named 热门文章 does not make the menu a related block
        (
            (
                '<div><ul><li><a href="/hot/">热门文章</a></li>'
                '<li><a href="/new/">最新文章</a></li>'
                f"</ul></div><h1>标题</h1>{ARTICLE}"
            ),
            [],
        ),
        # German and French headings
        (
            f"<h1>Titel</h1>{ARTICLE}<h2>Mehr zum Thema</h2><ul>{_items(RELATED_TITLES[:2])}</ul>",
            RELATED_TITLES[:2],
        ),
        (
            f"<h1>Titre</h1>{ARTICLE}<h3>À lire aussi</h3><ul>{_items(RELATED_TITLES[:2])}</ul>",
            RELATED_TITLES[:2],
        ),
        # inside <article>, the article's own footer or aside holds its related block
        (
            (
                f"<article><h1>Title</h1>{ARTICLE}<footer class='article-footer'><aside>"
                f"<h2>Related stories</h2><ul>{_items(RELATED_TITLES)}</ul></aside>"
                "<p>Tags: <a href='/t/a'>a</a></p></footer></article>"
            ),
            RELATED_TITLES,
        ),
        # a sidebar widget under a related heading is the page's related block
        (
            (
                f"<h1>Title</h1>{ARTICLE}<aside><h3>Related Articles</h3>"
                f"<ul>{_items(RELATED_TITLES[:2])}</ul></aside>"
            ),
            RELATED_TITLES[:2],
        ),
        # a related heading inside the site's footer stays footer
        (
            (
                f"<h1>标题</h1>{ARTICLE}<footer><h3>相关内容</h3><ul>{_items(RELATED_TITLES)}</ul>"
                "</footer>"
            ),
            [],
        ),
    ],
)
def test_related_block_detection(html: str, related: list[str]) -> None:
    assert _related(html) == related


def _cards(titles: list[str], *, extra: str = "") -> str:
    """Teaser cards: a title link in a heading, a one-line excerpt (more text than links)."""
    return "".join(
        f'<li><h4><a href="/r/{k}.html">{t}</a></h4>'
        f"<p>这是一段关于{t}的摘要,介绍文章的主要内容和读者可以了解到的要点。</p>{extra}</li>"
        for k, t in enumerate(titles)
    )


@pytest.mark.parametrize(
    ("html", "related"),
    [
        # cards under a related heading in a sidebar, the article's footer, the article text
        (
            (
                f"<h1>Title</h1>{ARTICLE}<aside><h3>Related Articles</h3>"
                f"<ul>{_cards(RELATED_TITLES)}</ul></aside>"
            ),
            RELATED_TITLES,
        ),
        (
            (
                f"<article><h1>Title</h1>{ARTICLE}<footer><div><h2>Ähnliche Artikel</h2></div>"
                f"<ul>{_cards(RELATED_TITLES[:2])}</ul></footer></article>"
            ),
            RELATED_TITLES[:2],
        ),
        (
            (
                f"<article><h1>Title</h1>{ARTICLE}<section><h3>Lesen Sie auch</h3><article>"
                f'<h3><a href="/r/9.html">{RELATED_TITLES[0]}</a></h3><p>{"摘要" * 60}</p>'
                f"</article></section>{ARTICLE}</article>"
            ),
            RELATED_TITLES[:1],
        ),
        # prose under a related heading is not a card: a link inside a sentence
        (
            (
                f"<h1>Title</h1>{ARTICLE}<h2>Related</h2><p>更多内容请阅读"
                f'<a href="/r/1.html">{RELATED_TITLES[0]}</a>,'
                "文中详细介绍了办理流程和注意事项。</p>"
            ),
            [],
        ),
        # cards in the site's footer stay footer, as its link lists do
        (
            (
                f"<h1>标题</h1>{ARTICLE}<footer><h3>相关内容</h3><ul>{_cards(RELATED_TITLES)}</ul>"
                "</footer>"
            ),
            [],
        ),
        # ad lists under a related heading: an ad label, sponsored links, an ad network
        (
            f"<h1>Title</h1>{ARTICLE}<h3>Das könnte Sie auch interessieren</h3><ul>"
            + "".join(
                f'<li><a href="/r/{k}.html">{t}</a><span>Sponsored</span></li>'
                for k, t in enumerate(RELATED_TITLES)
            )
            + "</ul>",
            [],
        ),
        (
            f"<h1>Title</h1>{ARTICLE}<h3>Related stories</h3>"
            + "".join(
                f'<p><a rel="sponsored nofollow" href="https://ads.example/{k}">{t}</a></p>'
                for k, t in enumerate(RELATED_TITLES)
            ),
            [],
        ),
        (
            f"<h1>Title</h1>{ARTICLE}<h3>Related</h3><ul>"
            + "".join(
                f'<li><a href="https://paid.outbrain.com/network/redir?p={k}">{t}</a></li>'
                for k, t in enumerate(RELATED_TITLES)
            )
            + "</ul>",
            [],
        ),
        # ...but an ad slot's label after a related list is not the list's
        (
            (
                f"<h1>Title</h1>{ARTICLE}<div><h3>Mehr zum Thema</h3>"
                f"<ul>{_items(RELATED_TITLES)}</ul><section><p>Anzeige</p></section></div>"
            ),
            RELATED_TITLES,
        ),
        # a shop list: a price on its own line in most items
        (
            (
                f"<h1>Title</h1>{ARTICLE}<h3>相关推荐</h3>"
                f"<ul>{_cards(RELATED_TITLES, extra='<span class=price>¥ 199.00</span>')}</ul>"
            ),
            [],
        ),
        # ...but a price inside a title is an article about money
        (
            (
                f"<h1>Title</h1>{ARTICLE}<h3>Related</h3>"
                f"<ul>{_items(['Bitcoin tops $60,000', 'Gold at 2,000 € an ounce'])}</ul>"
            ),
            ["Bitcoin tops $60,000", "Gold at 2,000 € an ounce"],
        ),
    ],
)
def test_related_cards_and_ad_lists(html: str, related: list[str]) -> None:
    assert _related(html) == related


def test_a_region_holding_the_article_is_not_a_region() -> None:
    # A layout wrapper whose class happens to say "side" holds the whole article.
    html = (
        f'<div class="main-side-wrap"><h1>标题</h1>{ARTICLE}{ARTICLE}{ARTICLE}'
        '<p>详见<a href="/help.html">帮助中心</a>。</p></div>'
        '<div class="sidebar"><a href="/s.html">侧栏</a></div>'
    )
    raw = RawPage(
        url=URL,
        final_url=URL,
        status=200,
        headers={},
        body=html.encode(),
        encoding=None,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    result = extract(raw)
    assert [(link.block, link.anchor_text) for link in result.links] == [
        ("body", "帮助中心"),
        ("sidebar", "侧栏"),
    ]
    assert "小米商城作为知名电子产品零售商" in result.page.body_text


@pytest.mark.parametrize(
    ("href", "target", "internal"),
    [
        # relative, resolved against the page
        ("other.html", "http://www.demo.test/a/other.html", True),
        ("/b/c.html?x=1#frag", "http://www.demo.test/b/c.html?x=1", True),
        # the same site with or without www., any case
        ("http://DEMO.test/x", "http://demo.test/x", True),
        ("https://www.demo.test/x", "https://www.demo.test/x", True),
        # another site
        ("https://beian.miit.gov.cn/", "https://beian.miit.gov.cn/", False),
        ("//cdn.example.org/x.js", "http://cdn.example.org/x.js", False),
        # same-page links resolve to the page itself, without the fragment
        ("#top", URL, True),
        ("", URL, True),
        # other schemes have no target
        ("javascript:void(0)", None, False),
        ("mailto:service@demo.test", None, False),
        ("tel:+8610123", None, False),
        ("data:text/html,x", None, False),
        # non-ASCII path is percent-encoded
        ("/文章/1.html", "http://www.demo.test/%E6%96%87%E7%AB%A0/1.html", True),
    ],
)
def test_link_targets(href: str, target: str | None, internal: bool) -> None:
    (link,) = _links(f'<p><a href="{href}">x</a></p>')
    assert (link.href, link.target_url, link.internal) == (href, target, internal)


def test_base_href_is_honoured() -> None:
    html = '<head><base href="http://static.demo.test/sub/"></head><p><a href="x.html">x</a></p>'
    (link,) = _links(html)
    assert (link.target_url, link.internal) == ("http://static.demo.test/sub/x.html", False)


def test_link_fields() -> None:
    html = (
        '<p><a href="/a" rel="NoFollow  UGC">  分期\n   付款 </a>'
        '<a href="/b"><img src="x.png" alt="图片 说明"></a>'
        '<a href="/c" title="只有标题"></a>'
        '<a name="anchor-only">not a link</a>'
        '<a href="/d"><amp-img alt="AMP 图片"></amp-img></a></p>'
        '<noscript><a href="/e">无脚本</a></noscript>'
    )
    links = _links(html)
    assert [(link.anchor_text, link.rel, link.position) for link in links] == [
        ("分期 付款", ["nofollow", "ugc"], 1),
        ("图片 说明", [], 2),
        ("只有标题", [], 3),
        ("AMP 图片", [], 4),
        ("无脚本", [], 5),
    ]


def test_internal_compares_sites() -> None:
    assert site_key("WWW.Demo.Test") == site_key("demo.test") == "demo.test"
    assert site_key("m.demo.test") != site_key("demo.test")


_PATH_CHARS = st.sampled_from(
    [*list("abcXYZ019-._~/%?=&#:;@!$'()*+, é文"), "%e5", "%2F", "/../", "/./"]
)


@settings(deadline=None)  # a shared, loaded machine can take longer than 200 ms per example
@given(
    href=st.lists(_PATH_CHARS, max_size=12).map("".join),
    base=st.sampled_from(
        [
            "http://www.demo.test/a/page.html",
            "HTTP://Demo.TEST:80/a/b/",
            "https://demo.test:8443/x?y=1",
            "http://[::1]:8000/p",
            "http://127.0.0.1:8000/article/1.html",
            "http://demo.test",
            "http://demo.test/a//b/c.html",
            "http://demo.test/a/./b/../c/",
            "http://demo.test/a;p/b;q",
            "http://demo.test/%e5/x%2F/",
            "http://demo.test/文/",
            "http://demo.test/a/b#frag",
        ]
    ),
)
def test_resolver_agrees_with_normalize_url(href: str, base: str) -> None:
    # The fast paths (plain paths, plain relative paths, plain absolute URLs, fragments,
    # javascript: and the like) must give exactly what normalize_url gives.
    others = ("https://www.other.test", "http://other.test/", "https://a-b.c9.test:443/")
    for candidate in (
        href,
        "/" + href,
        "#" + href,
        "//other.test/" + href,
        " javascript:" + href,
        "Tel:" + href,
        base.split("?", maxsplit=1)[0] + href,
        "/".join(base.split("/")[:3]) + href,  # the base's origin, then no "/"
        *(other + href for other in others),
    ):
        target, _ = Resolver(base).resolve(candidate)
        assert target == normalize_url(candidate, base)


TITLES = [
    "京东e卡回收全攻略详解",
    "先享后付自动还款全攻略",
    "放心借官方客服电话查询",
    "美团月付开通条件说明",
]
OTHER = ["信用卡分期手续费怎么算", "花呗分期提前还款能退吗", "手机租赁平台押金多久退"]


@pytest.mark.parametrize(
    ("html", "related"),
    [
        # 推荐阅读 alone under the article is its related block
        (f"<h1>标题</h1>{ARTICLE}<div><h3>推荐阅读</h3><ul>{_items(TITLES)}</ul></div>", TITLES),
        # ...next to a 相关文章 block it is a widget (DedeCMS's sidebar 推荐内容)
        (
            (
                f"<h1>标题</h1>{ARTICLE}<div><h3>相关文章</h3><ul>{_items(TITLES)}</ul></div>"
                f"<div><div><strong>推荐内容</strong></div><ul>{_items(OTHER)}</ul></div>"
            ),
            TITLES,
        ),
        # two 推荐 blocks: the one right after the article is the related block
        (
            (
                f"<div><h1>标题</h1>{ARTICLE}<div><h3>推荐阅读</h3><ul>{_items(TITLES)}</ul></div>"
                f"</div><div><h3>推荐内容</h3><ul>{_items(OTHER)}</ul></div>"
            ),
            TITLES,
        ),
        # an untitled list of article links right after the article, beside a 热门文章 box
        (
            (
                f"<div><h1>标题</h1>{ARTICLE}</div><div><ul>{_items(TITLES)}</ul></div>"
                f"<div><h3>热门文章</h3><ul>{_items(OTHER)}</ul></div>"
            ),
            TITLES,
        ),
        # ...but a list under a title the rules do not know ("最新文章") is not untitled
        (
            f"<div><h1>标题</h1>{ARTICLE}</div><div><h3>最新文章</h3><ul>{_items(OTHER)}</ul></div>",
            [],
        ),
        # ...nor a list of short links (a pager, a tag cloud)
        (
            f"<div><h1>标题</h1>{ARTICLE}</div><ul>{_items(['1', '2', '3', '下一页'])}</ul>",
            [],
        ),
        # traditional Chinese headings
        (f"<h1>標題</h1>{ARTICLE}<h3>相關文章</h3><ul>{_items(TITLES)}</ul>", TITLES),
        (f"<h1>標題</h1>{ARTICLE}<h3>猜你喜歡</h3><ul>{_items(TITLES)}</ul>", TITLES),
    ],
)
def test_weak_and_untitled_related_blocks(html: str, related: list[str]) -> None:
    assert _related(html) == related


def test_amp_sidebar_is_navigation() -> None:
    html = (
        f'<amp-sidebar id="s" layout="nodisplay"><ul><li><a href="/x/">分类</a></li></ul>'
        f"</amp-sidebar><h1>标题</h1>{ARTICLE}"
    )
    assert [link.block for link in _links(html)] == ["nav"]


def _block_of(html: str) -> dict[str, str]:
    return {link.anchor_text: link.block for link in _links(f"<html><body>{html}</body></html>")}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # a DedeCMS list footer: words, numbers, "共N页" text; no class needed
        (
            "<h1>最新文章</h1>" + ARTICLE + '<div><a href="/l_1.html">首页</a>'
            '<a href="/l_1.html">上一页</a><a href="/l_1.html">1</a><b>2</b>'
            '<a href="/l_3.html">3</a><a href="/l_3.html">下一页</a>'
            '<a href="/l_9.html">末页</a> 共9页</div>',
            {
                "首页": "pagination",
                "上一页": "pagination",
                "1": "pagination",
                "3": "pagination",
                "下一页": "pagination",
                "末页": "pagination",
            },
        ),
        # numbered links only, in a class-named list; arrows count as page links
        (
            ARTICLE + '<ul class="pagination"><li><a href="?p=1">1</a></li>'
            '<li><a href="?p=2">2</a></li><li><a href="?p=2">Next »</a></li></ul>',
            {"1": "pagination", "2": "pagination", "Next »": "pagination"},
        ),
        # "Next page" inside a paragraph: the link alone, not the paragraph's other links
        (
            '<p>Read on: <a href="/b">the second part of this story</a> or go to the '
            '<a href="/p2">next page</a> now.</p>' + ARTICLE,
            {"the second part of this story": "body", "next page": "pagination"},
        ),
        # a "pages" class around links that are not page links is not pagination
        (
            ARTICLE + '<div class="pages"><a href="/x.html">京东e卡回收全攻略</a>'
            '<a href="/y.html">先享后付自动还款全攻略</a></div>',
            {"京东e卡回收全攻略": "body", "先享后付自动还款全攻略": "body"},
        ),
        # a numbered list of article links is not pagination either (no page word, no class)
        (
            ARTICLE + '<div><a href="/1.html">1</a> <a href="/2.html">2</a></div>',
            {"1": "body", "2": "body"},
        ),
    ],
)
def test_pagination_block(html: str, expected: dict[str, str]) -> None:
    assert _block_of(html) == expected
