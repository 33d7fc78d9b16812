# ruff: noqa: E501 - the page templates keep the long lines of the real pages they imitate.
"""CMS-like page templates and the fixture corpus reader, shared by tests and benchmarks.

The templates (WordPress, DedeCMS, Discuz!, AMP, bare, a modern site) render a `Page` (title,
body HTML, date line, related titles) the way those systems lay a page out; `render_blocks`
writes seed blocks as their article bodies. `tests/fixtures/pages/make_cases.py` builds the
extraction fixture corpus with them, `bench/synthetic_pages.py` the benchmark's variants.
`case_names()` and `load_case()` read the corpus folders back (`CORPUS`), for the tests and
`bench/extract.py` alike.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.store.records import RawPage

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from scraper.demo.seeds import Block, Step

#: The extraction fixture corpus: one folder per case (page.html, headers, meta, expected).
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
BEIJING = timezone(timedelta(hours=8))
SITE = "金融知识网"
NAV = (
    ("/", "首页"),
    ("/xianxiang/", "先享后付"),
    ("/huishou/", "回收变现"),
    ("/fenqi/", "分期购物"),
)
POPULAR = (
    "信用卡分期手续费怎么算最划算",
    "花呗分期提前还款能退利息吗",
    "手机租赁平台押金多久退还",
    "京东白条分期免息活动规则说明",
    "网贷逾期一天会上征信吗",
)
LATEST = (
    ("2024-06-01", "美团月付开通条件与额度说明"),
    ("2024-05-30", "抖音月付提前还款操作步骤"),
    ("2024-05-29", "拼多多先用后付关闭方法汇总"),
)
FOOTER_TEXT = "版权所有"  # in every Chinese template's footer, never in an article body


def esc(text: str) -> str:
    """Text as HTML character data."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Text as an HTML attribute value."""
    return html.escape(text, quote=True)


def beijing(text: str) -> str:
    """ "2024-05-31 01:43[:35]" shown in Beijing time, as the UTC ISO string expected."""
    shown = datetime.fromisoformat(text).replace(tzinfo=BEIJING)
    return shown.astimezone(UTC).isoformat()


# --- body rendering --------------------------------------------------------------------------


def step_words(step: Step, *, strong: bool = False) -> str:
    """A numbered item's words after its marker, the heading in bold when asked."""
    if step.heading is None:
        return esc(step.text)
    label = f"<strong>{esc(step.label)}</strong>" if strong else esc(step.label)
    return f"{label}{esc(step.gap)}{esc(step.text)}"


def render_blocks(blocks: Sequence[Block], style: str) -> str:
    """Seed blocks as article HTML in one of the styles: wp, dede, bare, discuz."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "paragraph":
            if style == "discuz":
                out.append(f"{esc(block.text)}<br />")
            elif style == "dede":
                out.append(f"<p>\u3000\u3000{esc(block.text)}</p>")
            else:
                out.append(f"<p>{esc(block.text)}</p>")
        elif block.kind == "heading":
            if style == "wp":
                out.append(f'<h2 class="wp-block-heading">{esc(block.text)}</h2>')
            elif style == "dede":
                out.append(f"<p><strong>{esc(block.text)}</strong></p>")
            elif style == "discuz":
                out.append(f"<strong>{esc(block.text)}</strong><br />")
            else:
                out.append(f"<h3>{esc(block.text)}</h3>")
        elif block.kind == "ordered_list":
            if style == "discuz":
                # Discuz renders [list=1] as <ul type="1">: an ordered list by attribute.
                items = "".join(f"<li>{step_words(s)}" for s in block.steps)
                out.append(f'<ul type="1" class="litype_1">{items}</ul>')
            elif style == "dede":
                items = "".join(f"<li><p>{step_words(s)}</p></li>" for s in block.steps)
                out.append(f'<ol class="list-paddingleft-2">{items}</ol>')
            else:
                items = "".join(
                    f"<li>{step_words(s, strong=style == 'wp')}</li>" for s in block.steps
                )
                out.append(f"<ol>{items}</ol>")
        elif block.kind == "numbered_paragraphs":
            for s in block.steps:
                line = f"{esc(s.marker)}{step_words(s)}"
                out.append(f"{line}<br />" if style == "discuz" else f"<p>{line}</p>")
        else:  # step_headings
            for s in block.steps:
                head = f"{esc(s.marker)}{esc(s.heading or '')}"
                if style == "discuz":
                    out.append(f"<strong>{head}</strong><br />")
                elif style in ("dede", "bare"):
                    out.append(f"<p><strong>{head}</strong></p>")
                else:
                    out.append(f"<h3>{head}</h3>")
                if s.text:
                    out.append(
                        f"{esc(s.text)}<br />" if style == "discuz" else f"<p>{esc(s.text)}</p>"
                    )
    return "\n".join(out)


# --- page templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """What a template puts on the page. HTML-valued fields are already escaped."""

    title: str
    body: str
    #: HTML shown in the article's byline / info line ("" for none).
    date: str = ""
    related: tuple[str, ...] = ()
    #: The related block's heading; None for an untitled block.
    related_heading: str | None = "相关内容"
    #: Extra <head> HTML (meta tags, JSON-LD).
    head: str = ""
    #: The <meta> charset label; None for no declaration in the page.
    charset: str | None = "utf-8"
    #: Template-specific switches (see each template).
    options: dict[str, Any] = field(default_factory=dict)


def charset_meta(page: Page, *, http_equiv: bool = False) -> str:
    """The page's own charset declaration."""
    if page.charset is None:
        return ""
    if http_equiv:
        return f'<meta http-equiv="Content-Type" content="text/html; charset={page.charset}" />'
    return f'<meta charset="{page.charset}">'


def link_items(titles: Sequence[str], href: Callable[[int], str], li: str = "<li>") -> str:
    """<li><a> items, one per title."""
    end = "</li>" if li.startswith("<li") else ""
    return "".join(
        f'{li}<a href="{attr(href(i))}" title="{attr(t)}">{esc(t)}</a>{end}'
        for i, t in enumerate(titles, start=1)
    )


def nav_links(prefix: str = "") -> str:
    """The site menu as bare links."""
    return "".join(f'<li><a href="{prefix}{href}">{esc(text)}</a></li>' for href, text in NAV)


def wordpress(page: Page) -> str:
    """A WordPress theme (twentyseventeen-like markup); YARPP puts related posts in the content."""
    heading = page.related_heading
    yarpp = ""
    if page.related:
        title = f"<h3>{esc(heading)}</h3>" if heading else ""
        items = link_items(page.related, lambda i: f"/{2024}/05/{10 + i % 18:02d}/post-{i}/")
        yarpp = (
            "<div class='yarpp yarpp-related yarpp-related-website yarpp-template-list'>"
            f"<!-- YARPP List -->{title}<ol>{items}</ol></div>"
        )
    recent = "".join(
        f'<li><a href="/2024/06/0{i}/p{i}/">{esc(t)}</a></li>' for i, t in enumerate(POPULAR, 1)
    )
    return f"""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
{charset_meta(page)}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page.title)} &#8211; {SITE}</title>
<meta name="robots" content="max-image-preview:large">
{page.head}
<link rel="stylesheet" id="wp-block-library-css" href="/wp-includes/css/dist/block-library/style.min.css?ver=6.5.3" media="all">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="post-template-default single single-post postid-1287 single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">跳至内容</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">{SITE}</a></p><p class="site-description">分享实用的金融小知识</p></div>
<nav id="site-navigation" class="main-navigation"><button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">菜单</button>
<div class="menu-main-container"><ul id="primary-menu" class="menu">{nav_links()}</ul></div></nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area">
<main id="main" class="site-main">
<article id="post-1287" class="post-1287 post type-post status-publish format-standard hentry category-fenqi">
<header class="entry-header">
<h1 class="entry-title">{esc(page.title)}</h1>
<div class="entry-meta">{page.date}<span class="byline"> 作者 <span class="author vcard"><a class="url fn n" href="/author/admin/">admin</a></span></span></div>
</header>
<div class="entry-content">
{page.body}
{yarpp}
</div>
<footer class="entry-footer"><span class="cat-links">分类 <a href="/category/fenqi/" rel="category tag">分期购物</a></span><span class="tags-links">标签 <a href="/tag/xiaomi/" rel="tag">小米商城</a></span></footer>
</article>
<nav class="navigation post-navigation" aria-label="文章"><h2 class="screen-reader-text">文章导航</h2><div class="nav-links"><div class="nav-previous"><a href="/2024/05/20/p-prev/" rel="prev"><span class="meta-nav">上一篇</span> <span class="post-title">{esc(POPULAR[0])}</span></a></div><div class="nav-next"><a href="/2024/06/01/p-next/" rel="next"><span class="meta-nav">下一篇</span> <span class="post-title">{esc(POPULAR[1])}</span></a></div></div></nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">发表回复</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">您的电子邮箱地址不会被公开。必填项已用*标注</p>
<p class="comment-form-comment"><label for="comment">评论 *</label><textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="发表评论"></p></form></div></div>
</main>
</div>
<aside id="secondary" class="widget-area">
<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="/"><label><span class="screen-reader-text">搜索:</span><input type="search" class="search-field" placeholder="搜索…" name="s"></label></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">近期文章</h2><ul>{recent}</ul></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info"><a href="https://cn.wordpress.org/">自豪地采用WordPress</a><span class="sep"> | </span>Copyright © 2024 {SITE} {FOOTER_TEXT}</div></footer>
</div>
<script src="/wp-content/themes/twentyseventeen/assets/js/global.js?ver=20211130" id="twentyseventeen-global-js"></script>
</body>
</html>
"""


def dede(page: Page) -> str:
    """A DedeCMS 织梦 article page: logo in an <h1>, the title in an <h2>, a "时间:" info line,
    the body in a table cell, 相关文章 in a <dl>, and a sidebar of 推荐内容 / 热点内容."""
    heading = page.related_heading
    related = ""
    if page.related:
        title = f"<dt><strong>{esc(heading)}</strong></dt>" if heading else ""
        items = link_items(
            page.related, lambda i: f"/a/fenqi/2024/05{10 + i % 18:02d}/{3000 + i}.html"
        )
        related = f'<div class="likearticle"><dl class="tbox">{title}<dd><ul class="d1 ico3">{items}</ul></dd></dl></div>'
    side_recommend = link_items(POPULAR[:3], lambda i: f"/a/jiedai/{2000 + i}.html")
    side_hot = link_items(POPULAR[2:], lambda i: f"/a/jiedai/{2100 + i}.html")
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_meta(page, http_equiv=True)}
<title>{esc(page.title)}_分期购物_{SITE}</title>
<meta name="keywords" content="小米商城,分期" />
<meta name="description" content="{attr(page.title)}" />
{page.head}
<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />
<script language="javascript" type="text/javascript" src="/include/dedeajax2.js"></script>
</head>
<body class="articleview">
<div class="header_top"><div class="w960 center"><span id="time" class="time">织梦CMS - 轻松建站从此开始!</span><div class="toplinks"><a href="/plus/heightsearch.php" target="_blank">高级搜索</a>|<a href="/data/sitemap.html" target="_blank">网站地图</a>|<a href="/tags.php">TAG标签</a></div></div></div>
<div class="header"><div class="top w960 center"><div class="title"><h1><a href="/"><img src="/templets/default/images/logo.gif" height="54" width="216" alt="{SITE}" /></a></h1></div>
<div class="banner"></div></div>
<div class="nav w960 center clear"><div class="menu"><ul>{nav_links()}</ul></div></div>
</div>
<div class="w960 center clear mt1">
<div class="pleft">
<div class="place"><strong>当前位置:</strong> <a href="/">主页</a> &gt; <a href="/a/fenqi/">分期购物</a> &gt; </div>
<div class="viewbox">
<div class="title"><h2>{esc(page.title)}</h2></div>
<div class="info">{page.date}<small>来源:</small>未知 <small>作者:</small>admin <small>点击:</small><script src="/plus/count.php?view=yes&amp;aid=3001&amp;mid=1" type="text/javascript" language="javascript"></script>次</div>
<div class="content"><table width="100%"><tr><td>
{page.body}
</td></tr></table></div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle"><div class="context"><ul><li>上一篇:<a href="/a/fenqi/2024/0527/2999.html">{esc(POPULAR[0])}</a> </li><li>下一篇:没有了 </li></ul></div>
<div class="actbox"><ul><li id="act-fav"><a href="/plus/stow.php?aid=3001" target="_blank">收藏</a></li><li id="act-err"><a href="/plus/erraddsave.php?aid=3001" target="_blank">挑错</a></li><li id="act-pnt"><a href="#" onclick="window.print();">打印</a></li></ul></div></div>
</div>
{related}
</div>
<div class="pright">
<div class="commend mt1"><dl class="tbox light"><dt class="light"><strong>推荐内容</strong></dt><dd class="light"><ul class="d4">{side_recommend}</ul></dd></dl></div>
<div class="hot mt1"><dl class="tbox light"><dt class="light"><strong>热点内容</strong></dt><dd class="light"><ul class="c1 ico2">{side_hot}</ul></dd></dl></div>
</div>
</div>
<div class="footer w960 center mt1 clear"><div class="footer_left"></div><div class="footer_body"><p class="powered">Powered by <a href="http://www.dedecms.com" title="织梦内容管理系统" target="_blank"><strong>DedeCMS</strong></a> &copy; 2004-2024 {SITE} {FOOTER_TEXT}</p><div class="copyright">Copyright &copy; 2002-2024 DEDECMS. 织梦科技 {FOOTER_TEXT}</div></div><div class="footer_right"></div></div>
</body>
</html>
"""


def discuz(page: Page) -> str:
    """A Discuz! X3.4 thread: the subject in <h1 class="ts"> after a [type] link, the first
    post in a table cell with <br /> lines, "发表于" dates and 相关帖子 under the post."""
    related = ""
    if page.related:
        items = link_items(
            page.related,
            lambda i: f"thread-{12300 + i}-1-1.html",
            li="<li>&#8226; ",
        )
        title = (
            f'<h3 class="pbm mbm bbda">{esc(page.related_heading)}</h3>'
            if page.related_heading
            else ""
        )
        related = f'<div class="mtw mbw">{title}<ul class="xl xl2 cl">{items}</ul></div>'
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_meta(page, http_equiv=True)}
<title>{esc(page.title)} - 分期购物 -  {SITE}论坛 -  Powered by Discuz!</title>
<meta name="keywords" content="{attr(page.title)}" />
<meta name="generator" content="Discuz! X3.4" />
{page.head}
<base href="https://bbs.jrzs.example/" />
<link rel="stylesheet" type="text/css" href="data/cache/style_1_common.css?Q8h" />
<script type="text/javascript">var STYLEID = '1', STATICURL = 'static/', charset = 'utf-8', discuz_uid = '0', cookiepre = 'jrzs_', SITEURL = 'https://bbs.jrzs.example/';</script>
</head>
<body id="nv_forum" class="pg_viewthread" onkeydown="if(event.keyCode==27) return false;">
<div id="toptb" class="cl"><div class="wp"><div class="z"><a href="javascript:;" onclick="setHomepage('https://bbs.jrzs.example/');">设为首页</a><a href="https://bbs.jrzs.example/" onclick="addFavorite(this.href, '{SITE}论坛');return false;">收藏本站</a></div></div></div>
<div id="hd"><div class="wp"><div class="hdc cl"><h2><a href="./" title="{SITE}论坛"><img src="static/image/common/logo.png" alt="{SITE}论坛" border="0" /></a></h2>
<div id="um"><p><a href="member.php?mod=logging&amp;action=login">登录</a> <a href="member.php?mod=register">立即注册</a></p></div></div>
<div id="nv"><ul><li class="a" id="mn_forum"><a href="forum.php" hidefocus="true" title="BBS">论坛<span>BBS</span></a></li><li id="mn_N12a7"><a href="misc.php?mod=ranklist" hidefocus="true" title="Ranklist">排行榜<span>Ranklist</span></a></li></ul></div>
</div></div>
<div id="wp" class="wp">
<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm" title="首页">{SITE}论坛</a> <em>&rsaquo;</em> <a href="forum.php">论坛</a> <em>&rsaquo;</em> <a href="forum-2-1.html">分期购物</a> <em>&rsaquo;</em> <a href="thread-12345-1-1.html">{esc(page.title)}</a></div></div>
<div id="ct" class="wp cl">
<div id="pgt" class="pgs mbm cl"><span class="y pgb"><a href="forum-2-1.html">返回列表</a></span></div>
<div id="postlist" class="pl bm">
<table cellspacing="0" cellpadding="0"><tr><td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">3821</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">0</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><a href="forum.php?mod=forumdisplay&amp;fid=2&amp;filter=typeid&amp;typeid=5">[分期购物]</a> <span id="thread_subject">{esc(page.title)}</span></h1>
<span class="xg1"><a href="thread-12345-1-1.html" onclick="return copyThreadUrl(this, '{SITE}论坛')">[复制链接]</a></span></td></tr></table>
<div id="post_98765"><table id="pid98765" class="plhin" summary="pid98765" cellspacing="0" cellpadding="0">
<tr><td class="pls" rowspan="2"><div id="favatar98765" class="pls favatar"><div class="pi"><div class="authi"><a href="space-uid-1.html" target="_blank" class="xw1">小编老王</a></div></div>
<div class="tns xg2"><table cellspacing="0" cellpadding="0"><tr><th><p><a href="home.php?mod=space&amp;uid=1&amp;do=thread" class="xi2">1287</a></p>主题</th><th><p><a href="home.php?mod=space&amp;uid=1&amp;do=thread&amp;type=reply" class="xi2">3</a></p>帖子</th><td><p><a href="home.php?mod=space&amp;uid=1&amp;do=profile" class="xi2">4212</a></p>积分</td></tr></table></div>
<p><em><a href="home.php?mod=spacecp&amp;ac=usergroup&amp;gid=1" target="_blank">管理员</a></em></p></div></td>
<td class="plc"><div class="pi"><div class="pti"><div class="authi"><img class="authicn vm" src="static/image/common/online_admin.gif" alt="" />
<em id="authorposton98765">{page.date}</em><span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid=12345&amp;page=1&amp;authorid=1" rel="nofollow">只看该作者</a>
</div></div><strong><a href="thread-12345-1-1.html" id="postnum98765"><em>楼主</em></a></strong></div>
<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_98765">
{page.body}
</td></tr></table></div></div></div></td></tr>
<tr><td class="plc plm">{related}</td></tr>
</table></div>
</div>
</div>
</div>
<div id="ft" class="wp cl"><div id="flk" class="y"><p><a href="archiver/">Archiver</a><span class="pipe">|</span><a href="forum.php?mobile=yes">手机版</a><span class="pipe">|</span><a href="forum.php?mod=misc&amp;action=showdarkroom">小黑屋</a><span class="pipe">|</span><strong><a href="https://bbs.jrzs.example/" target="_blank">{SITE}论坛</a></strong></p><p class="xs0">GMT+8, 2024-6-3 12:00<span id="debuginfo">, Processed in 0.051 second(s), 27 queries.</span></p></div>
<div id="frt"><p>Powered by <strong><a href="https://www.discuz.vip" target="_blank">Discuz!</a></strong> <em>X3.4</em></p><p class="xs0">&copy; 2001-2024 <a href="https://www.tencent.com" target="_blank">Comsenz Inc.</a> {FOOTER_TEXT}</p></div></div>
</body>
</html>
"""


def amp(page: Page) -> str:
    """An AMP article: <html ⚡>, amp-boilerplate, <amp-img>, <amp-sidebar> menu, JSON-LD."""
    heading = page.related_heading
    related = ""
    if page.related:
        title = f"<h2>{esc(heading)}</h2>" if heading else ""
        items = link_items(page.related, lambda i: f"/amp/article/{5000 + i}.html")
        related = f'<section class="amp-related">{title}<ul>{items}</ul></section>'
    return f"""<!doctype html>
<html ⚡ lang="zh-CN">
<head>
{charset_meta(page)}
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-sidebar" src="https://cdn.ampproject.org/v0/amp-sidebar-0.1.js"></script>
<title>{esc(page.title)}_{SITE}</title>
<link rel="canonical" href="https://www.jrzs.example/article/5001.html">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
{page.head}
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}}@keyframes -amp-start{{from{{visibility:hidden}}to{{visibility:visible}}}}</style><noscript><style amp-boilerplate>body{{-webkit-animation:none;animation:none}}</style></noscript>
<style amp-custom>body{{font-size:16px;line-height:1.8}}.amp-meta{{color:#999}}</style>
</head>
<body>
<amp-sidebar id="sidebar" layout="nodisplay" side="left"><ul>{nav_links("/amp")}</ul></amp-sidebar>
<header class="amp-header"><button on="tap:sidebar.toggle">☰</button><a href="/amp/" class="logo">{SITE}</a></header>
<article class="amp-article">
<h1>{esc(page.title)}</h1>
<div class="amp-meta">{page.date}<span>来源:{SITE}</span></div>
<amp-img src="/uploads/2024/05/cover-5001.jpg" width="640" height="360" layout="responsive" alt="{attr(page.title)}"></amp-img>
<div class="amp-content">
{page.body}
</div>
</article>
{related}
<footer class="amp-footer"><p>© 2024 {SITE} {FOOTER_TEXT} <a href="https://www.jrzs.example/article/5001.html">查看电脑版</a></p></footer>
</body>
</html>
"""


def bare(page: Page) -> str:
    """A page without a single class or id: the layout must be read from content alone."""
    heading = page.related_heading
    related = ""
    if page.related:
        title = f"<h3>{esc(heading)}</h3>" if heading else ""
        items = link_items(page.related, lambda i: f"/html/{7000 + i}.html")
        related = f"<div>{title}<ul>{items}</ul></div>"
    menu = " ".join(f'<a href="{href}">{esc(text)}</a>' for href, text in NAV)
    return f"""<html>
<head>
{charset_meta(page, http_equiv=True)}
<title>{esc(page.title)}-{SITE}</title>
{page.head}
</head>
<body>
<table width="960" align="center"><tr><td><font size="5"><b>{SITE}</b></font></td><td>{menu}</td></tr></table>
<div>您现在的位置:<a href="/">首页</a> &gt; <a href="/fenqi/">分期购物</a> &gt; 正文</div>
<h1>{esc(page.title)}</h1>
<div>{page.date}</div>
<div>
{page.body}
</div>
{related}
<hr>
<div><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a> | Copyright 2024 {SITE} {FOOTER_TEXT}</div>
</body>
</html>
"""


def modern(page: Page) -> str:
    """A generic Chinese CMS article (PbootCMS / 帝国CMS-like): header menu, crumbs, article box,
    related box under it, a right column of 热门文章 and dated 最新文章, footer.

    options: related_markup ("h3", "strong-br", "tit-span", "h2-dated", "b-ol", "ul"),
    related_first ("inline" between the info line and the body, "column" before the <h1>),
    footer_years, latest (show the dated 最新文章 box).
    """
    heading = page.related_heading
    markup = page.options.get("related_markup", "h3")
    related = ""
    if page.related:

        def href(i: int) -> str:
            return f"/fenqi/{900 + i}.html"

        if markup == "strong-br":
            links = "".join(
                f'<a href="{href(i)}">{esc(t)}</a><br/>' for i, t in enumerate(page.related, 1)
            )
            related = f'<div class="box"><strong>{esc(heading or "")}</strong><br/>{links}</div>'
        elif markup == "tit-span":
            related = f'<div class="box"><div class="tit"><span>{esc(heading or "")}</span></div><ul class="list">{link_items(page.related, href)}</ul></div>'
        elif markup == "h2-dated":
            items = "".join(
                f'<li><a href="{href(i)}">{esc(t)}</a><span class="time">2024-05-{i % 20 + 1:02d}</span></li>'
                for i, t in enumerate(page.related, 1)
            )
            related = (
                f'<div class="box"><h2>{esc(heading or "")}</h2><ul class="list">{items}</ul></div>'
            )
        elif markup == "b-ol":
            related = f'<div class="box"><div><b>{esc(heading or "")}:</b></div><ol>{link_items(page.related, href)}</ol></div>'
        elif markup == "ul":  # untitled: a list of article links and nothing else
            related = (
                f'<div class="box"><ul class="list">{link_items(page.related, href)}</ul></div>'
            )
        else:
            related = f'<div class="box"><div class="box-title"><h3>{esc(heading or "")}</h3></div><ul class="list">{link_items(page.related, href)}</ul></div>'
    first = page.options.get("related_first")
    hot = link_items(POPULAR, lambda i: f"/jiedai/{800 + i}.html")
    latest = "".join(
        f'<li><a href="/news/{600 + i}.html">{esc(t)}</a><span>{d}</span></li>'
        for i, (d, t) in enumerate(LATEST, 1)
    )
    latest_box = (
        f'<div class="box"><div class="box-title"><h3>最新文章</h3></div><ul class="list">{latest}</ul></div>'
        if page.options.get("latest", True)
        else ""
    )
    years = page.options.get("footer_years", "2016-2024")
    column = f'<div class="col-l">{related}</div>' if first == "column" else ""
    inline = related if first == "inline" else ""
    after = related if first is None else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset_meta(page)}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page.title)}-{SITE}</title>
<meta name="keywords" content="小米商城,分期付款">
{page.head}
<link rel="stylesheet" href="/static/css/style.css">
</head>
<body>
<div class="top-bar"><div class="wrap">欢迎访问{SITE}!<a href="/sitemap.xml">网站地图</a></div></div>
<div class="header"><div class="wrap"><a class="logo" href="/"><img src="/static/images/logo.png" alt="{SITE}"></a>
<ul class="nav">{nav_links()}</ul></div></div>
<div class="wrap main-wrap">
<div class="crumbs">当前位置:<a href="/">首页</a> &gt; <a href="/fenqi/">分期购物</a> &gt; 正文</div>
{column}
<div class="left-col">
<div class="article-box">
<h1 class="art-title">{esc(page.title)}</h1>
<div class="art-info">{page.date}<span>作者:小编</span><span>浏览:1024</span></div>
{inline}
<div class="art-body">
{page.body}
</div>
<div class="art-tags">标签:<a href="/tags/xiaomi/">小米商城</a> <a href="/tags/fenqi/">分期</a></div>
<div class="prev-next"><p>上一篇:<a href="/fenqi/899.html">{esc(POPULAR[3])}</a></p><p>下一篇:<a href="/fenqi/901.html">{esc(POPULAR[4])}</a></p></div>
</div>
{after}
</div>
<div class="right-col">
<div class="box"><div class="box-title"><h3>热门文章</h3></div><ul class="list">{hot}</ul></div>
{latest_box}
</div>
</div>
<div class="footer"><div class="wrap"><p><a href="/about/">关于我们</a>|<a href="/contact/">联系我们</a>|<a href="/disclaimer/">免责声明</a></p><p>Copyright © {years} {SITE} {FOOTER_TEXT} <a href="https://beian.miit.gov.cn/" rel="nofollow" target="_blank">京ICP备2024012345号</a></p></div></div>
</body>
</html>
"""


def jsonld(obj: dict[str, Any]) -> str:
    """A JSON-LD <script> block."""
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


_CLASS_OR_ID_RE = re.compile(r"""\b(class|id)\s*=\s*(["'])(.*?)\2""", re.DOTALL)


def obfuscate(page: str) -> str:
    """Every class and id value replaced by a meaningless token, as some farms do to defeat
    scrapers: what is left is tags, text and structure."""

    def token(match: re.Match[str]) -> str:
        digest = hashlib.sha256(match[3].encode()).hexdigest()[:6]
        return f'{match[1]}="c{digest}"'

    return _CLASS_OR_ID_RE.sub(token, page)


# --- expected fields and the corpus on disk ----------------------------------------------


def expected(
    *,
    title: str,
    published_at: str | None,
    published_raw: str | None,
    steps: list[dict[str, Any]],
    related: Sequence[str],
    body_with: Sequence[str],
    body_without: Sequence[str],
) -> dict[str, Any]:
    """The expected fields, every one of them named."""
    return {
        "title": title,
        "published_at": published_at,
        "published_raw": published_raw,
        "steps": steps,
        "related": list(related),
        "body_with": list(body_with),
        "body_without": list(body_without),
    }


@dataclass(frozen=True, slots=True)
class FixtureCase:
    """A case folder read back: the raw page and the expected fields."""

    name: str
    raw: RawPage
    expected: dict[str, Any]
    meta: dict[str, Any]


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def case_names() -> list[str]:
    """The case folders of the fixture corpus, sorted."""
    return sorted(path.parent.name for path in CORPUS.glob("*/expected.json"))


def load_case(folder: Path) -> FixtureCase:
    """Read a case folder into a RawPage (headers lower-cased, as the spider stores them)."""
    meta = _json(folder / "meta.json")
    headers = {name.lower(): value for name, value in _json(folder / "headers.json").items()}
    raw = RawPage(
        url=meta["url"],
        final_url=meta["url"],
        status=200,
        headers=headers,
        body=(folder / "page.html").read_bytes(),
        encoding=None,
        fetched_at=datetime.fromisoformat(meta["fetched_at"]),
        crawl_id="corpus",
    )
    return FixtureCase(folder.name, raw, _json(folder / "expected.json"), meta)
