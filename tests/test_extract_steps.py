"""Steps: ordered procedures in the main content, and what is not one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import extract
from pipelines.extract.body import extract_content
from pipelines.extract.layout import analyze_layout
from pipelines.extract.parse import parse_html
from pipelines.extract.steps import Step, chinese_number, extract_steps, parse_marker
from pipelines.store.records import RawPage

INTRO = "<p>小米商城为顾客提供了便利的分期付款服务,本文将详细介绍如何使用分期付款功能。</p>"
OUTRO = "<p>总结,正确合理地使用分期付款服务至关重要,请理性消费,维护个人信用记录。</p>"
RELATED = (
    '<div class="xgwz"><h3>相关内容</h3><ul>'
    '<li><a href="/1.html">放心借官方客服电话查询</a></li>'
    '<li><a href="/2.html">如何关闭微信中的微粒贷入口</a></li></ul></div>'
)

Row = tuple[int, int, str | None, str]


def _steps(body: str) -> list[Step]:
    root = parse_html(f"<html><body><h1>标题</h1>{INTRO}{body}{OUTRO}{RELATED}</body></html>")
    return extract_steps(extract_content(analyze_layout(root), "标题").units)


def _rows(body: str) -> list[Row]:
    return [(s.procedure, s.number, s.heading, s.text) for s in _steps(body)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # <ol> items "heading: text" (seed 000, 003)
        (
            "<ol><li>登录账号: 首先,确保你已登录。</li><li>进入个人中心:点击“我的”。</li></ol>",
            [(1, 1, "登录账号", "首先,确保你已登录。"), (1, 2, "进入个人中心", "点击“我的”。")],
        ),
        # <ol> items with the heading in <strong> and the text in a <p> of the <li>
        (
            (
                "<ol><li><p><strong>登录账号:</strong>首先登录。</p></li>"
                "<li><p><strong>选择商品:</strong>加入购物车。</p></li></ol>"
            ),
            [(1, 1, "登录账号", "首先登录。"), (1, 2, "选择商品", "加入购物车。")],
        ),
        # an item without a colon has no heading
        (
            "<ol><li>打开小米商城APP并登录账号。</li><li>点击我的订单。</li></ol>",
            [(1, 1, None, "打开小米商城APP并登录账号。"), (1, 2, None, "点击我的订单。")],
        ),
        # a heading longer than 20 characters is not a heading
        (
            (
                "<ol><li>这是一个非常非常长的句子开头而且它超过了二十个字符: 后文。</li>"
                "<li>第二项: 文本。</li></ol>"
            ),
            [
                (1, 1, None, "这是一个非常非常长的句子开头而且它超过了二十个字符: 后文。"),
                (1, 2, "第二项", "文本。"),
            ],
        ),
        # "<li>1. …</li>": the number written inside a numbered list is not repeated
        (
            "<ol><li>1. 登录账号:首先登录。</li><li>2. 选择商品:加入购物车。</li></ol>",
            [(1, 1, "登录账号", "首先登录。"), (1, 2, "选择商品", "加入购物车。")],
        ),
        # "1." paragraphs (seed 004)
        (
            (
                "<p>1. 选择心仪商品:首先浏览商品。</p><p>2. 进入结算页面:点击立即购买。</p>"
                "<p>3. 完成支付:按指引完成。</p>"
            ),
            [
                (1, 1, "选择心仪商品", "首先浏览商品。"),
                (1, 2, "进入结算页面", "点击立即购买。"),
                (1, 3, "完成支付", "按指引完成。"),
            ],
        ),
        # "1、", "(1)" and "①" markers
        (
            "<p>1、登录:打开APP。</p><p>2、下单:提交订单。</p>",
            [(1, 1, "登录", "打开APP。"), (1, 2, "下单", "提交订单。")],
        ),
        (
            "<p>(1)登录:打开APP。</p><p>(2)下单:提交订单。</p>",
            [(1, 1, "登录", "打开APP。"), (1, 2, "下单", "提交订单。")],
        ),
        (
            "<p>① 登录:打开APP。</p><p>② 下单:提交订单。</p>",
            [(1, 1, "登录", "打开APP。"), (1, 2, "下单", "提交订单。")],
        ),
        # "第一步:" headings, each followed by its paragraph (seed 001)
        (
            (
                "<h3>第一步:登录小米商城账户</h3><p>首先,确保你已安全登录。</p>"
                "<h3>第二步:进入个人中心</h3><p>登录后,点击“我的”。</p>"
            ),
            [
                (1, 1, "登录小米商城账户", "首先,确保你已安全登录。"),
                (1, 2, "进入个人中心", "登录后,点击“我的”。"),
            ],
        ),
        # ...in bold paragraphs, with two paragraphs under a step
        (
            (
                "<p><strong>第一步:登录账户</strong></p><p>首先登录。</p><p>推荐官方渠道。</p>"
                "<p><strong>第二步:进入个人中心</strong></p><p>点击“我的”。</p>"
            ),
            [
                (1, 1, "登录账户", "首先登录。\n推荐官方渠道。"),
                (1, 2, "进入个人中心", "点击“我的”。"),
            ],
        ),
        # "步骤一" and "Step 1"
        (
            "<h3>步骤一:登录</h3><p>打开APP登录。</p><h3>步骤二:下单</h3><p>提交订单。</p>",
            [(1, 1, "登录", "打开APP登录。"), (1, 2, "下单", "提交订单。")],
        ),
        (
            "<h3>Step 1: Sign in</h3><p>Open the app.</p><h3>Step 2: Order</h3><p>Pay.</p>",
            [(1, 1, "Sign in", "Open the app."), (1, 2, "Order", "Pay.")],
        ),
        # a paragraph between two numbered ones belongs to the earlier step
        (
            "<p>1. 登录:打开APP。</p><p>如果没有账号,先注册。</p><p>2. 下单:提交订单。</p>",
            [(1, 1, "登录", "打开APP。\n如果没有账号,先注册。"), (1, 2, "下单", "提交订单。")],
        ),
        # "一、" section headings are not steps; numbering must start at 1
        (
            "<h2>一、分期概况</h2><p>近期系统升级。</p><h2>二、还款方式</h2><p>多种途径。</p>",
            [],
        ),
        ("<p>3. 第三点:内容。</p><p>4. 第四点:内容。</p>", []),
        # one numbered paragraph is not a procedure
        ("<p>1. 登录:打开APP。</p><p>然后就好了。</p>", []),
        # a numbered list of links is a link list, not a procedure
        (
            (
                '<ol><li><a href="/a.html">京东e卡回收全攻略</a></li>'
                '<li><a href="/b.html">先享后付自动还款全攻略</a></li></ol>'
            ),
            [],
        ),
        (
            (
                '<p>1. <a href="/a.html">京东e卡回收全攻略</a></p>'
                '<p>2. <a href="/b.html">先享后付自动还款全攻略</a></p>'
            ),
            [],
        ),
        # a numbered menu in a nav is not content
        (
            '<nav><ol><li>首页: <a href="/">返回</a>首页</li><li>分类: 列表</li></ol></nav>',
            [],
        ),
    ],
)
def test_steps(body: str, expected: list[Row]) -> None:
    assert _rows(body) == expected


def test_two_procedures_with_their_titles() -> None:
    # Seed 004: two procedures, each under its own heading; numbering restarts at 1.
    steps = _steps(
        "<h2>小米商城分期购物流程</h2>"
        "<p>1. 选择心仪商品:浏览商品。</p><p>2. 完成支付:按指引完成。</p>"
        "<h2>备用金的使用方法</h2>"
        "<p>1. 了解资格:查看权限。</p><p>2. 及时还款:按时还款。</p>"
    )
    assert [(s.procedure, s.procedure_title, s.number, s.heading) for s in steps] == [
        (1, "小米商城分期购物流程", 1, "选择心仪商品"),
        (1, "小米商城分期购物流程", 2, "完成支付"),
        (2, "备用金的使用方法", 1, "了解资格"),
        (2, "备用金的使用方法", 2, "及时还款"),
    ]


def test_procedure_title_may_be_followed_by_an_intro_line() -> None:
    # Seed 002: "二、如何继续完成分期还款", an intro sentence, then the <ol>.
    steps = _steps(
        "<h2>二、如何继续完成分期还款</h2>"
        "<p>尽管还款入口有所调整,但小米商城已提供了多种途径确保用户能够顺利进行分期还款:</p>"
        "<ol><li>登录APP: 查看账单。</li><li>联系客服: 寻求帮助。</li></ol>"
    )
    assert {s.procedure_title for s in steps} == {"二、如何继续完成分期还款"}


def test_procedure_title_prefers_a_heading_element_over_a_short_line() -> None:
    steps = _steps(
        "<h2>二、如何还款</h2><p>具体步骤如下:</p>"
        "<ol><li>登录APP: 查看账单。</li><li>联系客服: 寻求帮助。</li></ol>"
    )
    assert {s.procedure_title for s in steps} == {"二、如何还款"}


def test_procedure_without_a_heading_has_no_title() -> None:
    steps = _steps("<ol><li>登录: 查看账单。</li><li>联系客服: 寻求帮助。</li></ol>")
    assert {s.procedure_title for s in steps} == {None}


def test_last_step_does_not_swallow_the_conclusion() -> None:
    # The page's closing paragraph follows the last numbered paragraph directly.
    rows = _rows("<p>1. 登录:打开APP。</p><p>2. 下单:提交订单。</p><p>通过以上步骤即可完成。</p>")
    assert rows[-1] == (1, 2, "下单", "提交订单。")


def test_last_heading_step_takes_its_paragraph_not_the_next_section() -> None:
    rows = _rows(
        "<h3>第一步:登录</h3><p>打开APP登录。</p><h3>第二步:下单</h3><p>提交订单。</p>"
        "<h3>重要提醒</h3><p>请理性消费。</p>"
    )
    assert rows == [(1, 1, "登录", "打开APP登录。"), (1, 2, "下单", "提交订单。")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. 登录", ("dot", 1, "登录")),
        ("12、下单", ("dun", 12, "下单")),
        ("(3) 付款", ("par", 3, "付款")),
        ("（3）付款", ("par", 3, "付款")),
        ("⑤ 收货", ("circ", 5, "收货")),
        ("第十二步:确认", ("cn", 12, "确认")),
        ("步骤二 提交", ("bz", 2, "提交")),
        ("Step 2: Pay", ("en", 2, "Pay")),
        # a decimal, a year and a section numeral are not markers
        ("1.5倍的利息", None),
        ("2024年5月", None),
        ("一、概况", None),
    ],
)
def test_parse_marker(text: str, expected: tuple[str, int, str] | None) -> None:
    assert parse_marker(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("7", 7), ("百", None)],
)
def test_chinese_number(value: str, expected: int | None) -> None:
    assert chinese_number(value) == expected


LOGIN = "登录账号: 首先,确保你已登录小米商城的个人账户。"
CENTER = "进入个人中心: 登录后,点击页面顶部的“我的”进入个人中心页面。"
SAVE = "保存信息: 完成填写后,点击“保存”按钮确认信息无误。"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Discuz renders [list=1] as <ul type="1">: numbered by the browser, a procedure
        (
            f'<ul type="1" class="litype_1"><li>{LOGIN}<li>{CENTER}</ul>',
            [
                (1, 1, "登录账号", "首先,确保你已登录小米商城的个人账户。"),
                (1, 2, "进入个人中心", "登录后,点击页面顶部的“我的”进入个人中心页面。"),
            ],
        ),
        # a nested <ol> stays in its parent step's text, one line per sub-step
        (
            (
                f"<ol><li>{LOGIN}<ol><li>打开小米商城APP。</li><li>点击登录。</li></ol></li>"
                f"<li>{CENTER}</li></ol>"
            ),
            [
                (
                    1,
                    1,
                    "登录账号",
                    "首先,确保你已登录小米商城的个人账户。\n打开小米商城APP。\n点击登录。",
                ),
                (1, 2, "进入个人中心", "登录后,点击页面顶部的“我的”进入个人中心页面。"),
            ],
        ),
        # "(1)" lines inside a "1." step, then step 2: sub-steps, kept as shown
        (
            (
                f"<p>1. {LOGIN}</p><p>(1) 打开小米商城APP。</p><p>(2) 点击登录。</p>"
                f"<p>2. {CENTER}</p><p>3. {SAVE}</p>"
            ),
            [
                (
                    1,
                    1,
                    "登录账号",
                    "首先,确保你已登录小米商城的个人账户。\n(1) 打开小米商城APP。\n(2) 点击登录。",
                ),
                (1, 2, "进入个人中心", "登录后,点击页面顶部的“我的”进入个人中心页面。"),
                (1, 3, "保存信息", "完成填写后,点击“保存”按钮确认信息无误。"),
            ],
        ),
        # ...but when the outer numbering never comes back they are a procedure of their own
        (
            f"<p>1. {LOGIN}</p><p>2. {CENTER}</p><p>① 打开小米商城APP。</p><p>② 点击登录。</p>",
            [
                (1, 1, "登录账号", "首先,确保你已登录小米商城的个人账户。"),
                (1, 2, "进入个人中心", "登录后,点击页面顶部的“我的”进入个人中心页面。"),
                (2, 1, None, "打开小米商城APP。"),
                (2, 2, None, "点击登录。"),
            ],
        ),
        # an English step heading is measured in words, not characters
        (
            (
                "<h3>Step 1: Sign in to your account</h3><p>Open the app and sign in.</p>"
                "<h3>Step 2: Choose installments at checkout</h3><p>Pick a plan of 3 months.</p>"
            ),
            [
                (1, 1, "Sign in to your account", "Open the app and sign in."),
                (1, 2, "Choose installments at checkout", "Pick a plan of 3 months."),
            ],
        ),
    ],
)
def test_list_types_sub_steps_and_latin_headings(body: str, expected: list[Row]) -> None:
    assert _rows(body) == expected


def _gated_steps(title: str, body: str) -> int:
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    raw = RawPage(
        url="http://demo.test/a.html",
        final_url="http://demo.test/a.html",
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode(),
        encoding=None,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    return len(extract(raw).steps)


PARAGRAPH = (
    "<p>" + "Die Planung mit fremden Dateien braucht eine klare Strategie im Büro. " * 3 + "</p>"
)


@pytest.mark.parametrize(
    ("title", "body", "steps"),
    [
        # a procedure word in the title, but the list is of names: not steps
        (
            "WTA Finals 2023: how to watch",
            PARAGRAPH + "<ol><li>Aryna Sabalenka</li><li>Iga Swiatek</li><li>Coco Gauff</li></ol>",
            0,
        ),
        # no procedure word anywhere, but the items refer to each other as steps
        (
            "Die Arbeit mit fremden DWG-Dateien",
            PARAGRAPH + "<ol><li>Das Original sicher abspeichern.</li>"
            "<li>Eine Kopie in das Projektverzeichnis legen.</li>"
            "<li>Die Datei aus Schritt 2 bereinigen und prüfen.</li></ol>",
            3,
        ),
        # neither: an ordered list of sources stays no steps
        (
            "Die Arbeit mit fremden DWG-Dateien",
            PARAGRAPH + "<ol><li>Handbuch AutoCAD 2017, Seite 12.</li>"
            "<li>Planungsrichtlinie der Stadt, Fassung 2016.</li></ol>",
            0,
        ),
    ],
)
def test_procedure_gate(title: str, body: str, steps: int) -> None:
    assert _gated_steps(title, body) == steps
