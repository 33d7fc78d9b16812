"""Body text, content hash, page kind, language and canonical URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import extract
from pipelines.extract.body import content_hash, is_furniture_line, is_meta_line
from pipelines.extract.lang import detect_lang
from pipelines.store.records import PageRecord, RawPage

URL = "http://demo.test/a/1.html"
P1 = (
    "小米商城作为知名电子产品零售商,不仅以其丰富的产品线和高性价比著称,"
    "还为顾客提供了便利的分期付款服务。"
)
P2 = (
    "在当今数字化消费时代,电商平台为消费者提供了多样化的支付方式,"
    "分期付款已成为许多消费者青睐的方式。"
)
P3 = (
    "总结,小米商城的分期付款服务为消费者提供了灵活便捷的支付方式,但正确合理地使用这一服务至关重要。"
)


def _page(html: str, *, url: str = URL) -> PageRecord:
    raw = RawPage(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode(),
        encoding=None,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return extract(raw).page


ARTICLE_PAGE = f"""<html><head><title>分期付款流程_网</title></head><body>
<div id="hd"><a href="/">网站</a><div class="nav"><a href="/list/">分期栏目导航</a></div></div>
<div class="place">当前位置:<a href="/">首页</a> &gt; 正文</div>
<div class="mainbox"><h1>分期付款流程</h1>
<div class="info">发布时间:2024-05-31 03:58:55 来源:网络 作者:admin</div>
<div class="content"><p>{P1}</p><h3>一、分期流程</h3><p>{P2}</p>
<ol><li>登录账号:首先登录。</li><li>选择商品:加入购物车。</li></ol><p>{P3}</p>
<script>var tracking = "不是正文";</script><style>.x{{color:red}}</style></div>
<div class="xgwz"><h3>相关内容</h3><ul><li><a href="/r.html">相关文章标题</a></li></ul></div></div>
<div class="sidebar"><p>侧栏的一段介绍文字,不属于正文内容的部分,应当被排除在外。</p></div>
<div id="ft"><p>Copyright 2024 某某网站 版权所有 本站内容来源于网络</p></div>
</body></html>"""


def test_body_text_is_the_article_only() -> None:
    page = _page(ARTICLE_PAGE)
    assert page.body_text.split("\n") == [
        P1,
        "一、分期流程",
        P2,
        "登录账号:首先登录。",
        "选择商品:加入购物车。",
        P3,
    ]


@pytest.mark.parametrize(
    "fragment",
    [
        "网站",
        "分期栏目导航",
        "当前位置",
        "发布时间",
        "相关内容",
        "相关文章标题",
        "侧栏",
        "Copyright",
        "tracking",
    ],
)
def test_body_text_leaves_out(fragment: str) -> None:
    assert fragment not in _page(ARTICLE_PAGE).body_text


def test_body_text_splits_lines_at_br() -> None:
    page = _page(f"<h1>标题</h1><div>{P1}<br>{P2}<br/><br>{P3}</div>")
    assert page.body_text.split("\n") == [P1, P2, P3]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # full-width and half-width forms are one text after NFKC
        ("分期付款,流程ＡＢＣ１２３", "分期付款,流程ABC123"),
        # whitespace runs, newlines and ideographic spaces collapse
        ("分期  付款\n\n流程", "分期 付款 流程"),
        ("分期\u3000付款", "分期 付款"),
    ],
)
def test_content_hash_normalises(a: str, b: str) -> None:
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a + "。")


def test_content_hash_is_sha1_hex_of_the_page_body() -> None:
    assert content_hash("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    page = _page(ARTICLE_PAGE)
    assert page.content_hash == content_hash(page.body_text)


LIST_ITEMS = "".join(
    f'<li><a href="/a/{k}.html">分期付款文章标题第{k}篇</a> <span>2024-05-{k + 10:02d}</span>'
    f"<p>这是文章摘要,介绍分期付款的流程和注意事项,共计六十个字左右的摘要内容。</p></li>"
    for k in range(12)
)


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        # a titled page with a substantial body
        (ARTICLE_PAGE, "article"),
        # a titled page with a short body but a date
        ("<h1>通知</h1><p>发布时间:2024-05-31</p><p>系统维护一小时。</p>", "article"),
        # a list of article links with dates and excerpts
        (f"<h1>最新文章</h1><ul>{LIST_ITEMS}</ul>", "list"),
        # an article ending in a list of links (more of them than its paragraphs) is not a list
        (
            "<h1>分期付款全攻略</h1>"
            + (
                "<p>"
                + "分期付款已成为许多消费者青睐的购物方式之一,本文详细介绍办理流程。" * 10
                + "</p>"
            )
            * 3
            + "<ul>"
            + "".join(
                f'<li><a href="/a/{k}.html">分期付款文章标题第{k}篇</a></li>' for k in range(8)
            )
            + "</ul>",
            "article",
        ),
        # a short page without a date
        ("<h1>关于我们</h1><p>本站分享分期知识。</p>", "other"),
        # a login form among many navigation links
        (
            "<nav>" + "".join(f'<a href="/c/{k}">栏目{k}</a>' for k in range(30)) + "</nav>"
            '<h1>管理员登录</h1><form><input name="u"></form>',
            "other",
        ),
        # nothing
        ("", "other"),
    ],
)
def test_kind(html: str, kind: str) -> None:
    assert _page(html).kind == kind


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("小米商城分期付款流程详解,本文将详细介绍。", "zh"),
        # Chinese with some Latin words is still Chinese
        ("小米商城APP的分期付款功能,支持花呗和信用卡分期等方式。", "zh"),
        ("How to pay in instalments on the Mi store, step by step.", "en"),
        # Japanese kana: neither
        ("これは日本語の文章です。分期付款について説明します。", None),
        # mixed half and half: neither
        ("分期付款 installment payment 分期付款 installment", None),
        # too little text
        ("OK", None),
        ("", None),
    ],
)
def test_detect_lang(text: str, lang: str | None) -> None:
    assert detect_lang(text) == lang


def test_lang_falls_back_to_the_title() -> None:
    assert _page("<title>小米商城分期付款流程详解</title>").lang == "zh"


@pytest.mark.parametrize(
    ("head", "canonical"),
    [
        ('<link rel="canonical" href="/a/1.html?from=x#top">', "http://demo.test/a/1.html?from=x"),
        ('<link rel="Canonical" href="https://m.demo.test/1">', "https://m.demo.test/1"),
        ('<link rel="alternate canonical" href="b.html">', "http://demo.test/a/b.html"),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ('<link rel="alternate" href="/x">', None),
        ("", None),
    ],
)
def test_canonical_url(head: str, canonical: str | None) -> None:
    assert _page(f"<html><head>{head}</head><body><p>x</p></body></html>").canonical_url == (
        canonical
    )


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        ("发布时间:2024-05-31 01:43:35 来源:金融知识网", True),
        ("By Jamie Chen · Published on May 31, 2024 · Updated June 2, 2024", True),
        # a sentence that mentions publishing is body text
        ("本文发布于2024年5月31日,介绍了分期付款的流程。", False),
        ("Published works on credit, like this one, are rare.", False),
    ],
)
def test_meta_lines(line: str, meta: bool) -> None:
    assert is_meta_line(line) is meta


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("- Anzeige -", True),
        ("Advertisement", True),
        ("Crédits photos : Bestimage", True),
        ("Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO", True),
        ("Aktualisiert: 11.04.2020, 10:27", True),
        ("Dienstag, 4. Juni 2019, 15:54", True),
        ("2024年5月31日", True),
        # Prose that names a date or a source is the article's.
        ("Am 4. Juni 2019 stimmte der Rat mit sechs zu drei Stimmen für den Radweg.", False),
        ("The advertisement ran in three papers before the vote.", False),
        ("Quellen in der Verwaltung bestätigten den Plan, der im Frühjahr beginnt.", False),
    ],
)
def test_furniture_lines(line: str, *, furniture: bool) -> None:
    assert is_furniture_line(line) is furniture


def test_link_lines_and_headings_over_them_leave_the_body() -> None:
    # Inside the article's text block: a "Lea también:" pointer, a back link, and a heading over
    # two teaser links at its end (none of them a related heading the layout knows). A link
    # inside a sentence stays.
    sentences = [
        (
            "El concejo municipal aprobó el martes la construcción de carriles protegidos para "
            "bicicletas a lo largo de la calle principal, tras dos años de debate."
        ),
        (
            "Los comerciantes temen perder plazas de aparcamiento, mientras que los ciclistas "
            "celebran una ruta más segura hacia el trabajo y la escuela."
        ),
        (
            "Las obras comenzarán en primavera y durarán unos cinco meses, por tramos, para que "
            "todas las tiendas sigan siendo accesibles desde la calle."
        ),
    ]
    html = f"""<html><head><title>Carriles bici en la calle principal</title></head><body>
<div class="menu"><a href="/">Inicio</a> <a href="/ciudad/">Ciudad</a></div>
<div class="story"><h1>Carriles bici en la calle principal</h1>
<p>{sentences[0]}</p>
<p>Lea también: <a href="/n/2.html">Suben las tarifas del autobús en enero</a></p>
<p>{sentences[1]} El plan completo está <a href="/plan.pdf">en la web del ayuntamiento</a>.</p>
<p>{sentences[2]}</p>
<p><a href="/ciudad/">Volver al listado de noticias</a></p>
<h3>Más de la redacción</h3>
<p><a href="/n/3.html">Nuevas normas de aparcamiento en el casco antiguo</a></p>
<p><a href="/n/4.html">El puente de la calle del Molino, reparado antes de plazo</a></p>
</div></body></html>"""
    lines = _page(html).body_text.split("\n")
    assert lines == [
        sentences[0],
        f"{sentences[1]} El plan completo está en la web del ayuntamiento.",
        sentences[2],
    ]
