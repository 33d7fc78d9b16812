"""Selector strings, tag sets, keyword lists and patterns used by extraction, grouped by field.

Nothing here names a particular site's class: every signal is generic (semantic tags, ARIA
roles, common class/id tokens, heading words). XPath expressions are compiled once at import.
"""

from __future__ import annotations

import re

from lxml import etree

# --- parse -------------------------------------------------------------------------------

#: An XML declaration in front of HTML; lxml refuses it in a str, so it is dropped first.
XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: C0 control characters other than tab/newline/CR, which lxml refuses in a str.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# --- decode --------------------------------------------------------------------------------

#: Used when nothing is declared and the body is not valid UTF-8 (the farms this tool audits
#: are Chinese; GB18030 is the superset of GB2312 and GBK).
FALLBACK_ENCODING = "gb18030"

# --- layout: blocks, regions --------------------------------------------------------------

#: Content of these elements is never text.
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "select",
        "option",
        "textarea",
        "button",
        "head",
        "title",
        "meta",
        "link",
    }
)
#: Elements that start a new line of text (a "unit") when they open and close.
BLOCK_TAGS = frozenset(
    {
        "html",
        "body",
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "nav",
        "aside",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "legend",
        "address",
        "center",
        "hr",
        "details",
        "summary",
        "menu",
    }
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BOLD_TAGS = frozenset({"b", "strong"})
#: Containers of the article itself: never a nav/sidebar/footer region.
CONTENT_TAGS = frozenset({"main", "article"})

#: Region labels (a subset of `pipelines.schema.LINK_BLOCKS`; "body" is the default).
NAV = "nav"
SIDEBAR = "sidebar"
FOOTER = "footer"
BREADCRUMB = "breadcrumb"
RELATED = "related"
#: A weak related signal ("热门文章", class "hot"): a popular-articles list is the page's related
#: block only when the page has no stronger one; otherwise it is a sidebar widget.
HOT = "hot"
#: When one element carries several signals, the more specific label wins.
LABEL_PRIORITY = (BREADCRUMB, RELATED, FOOTER, SIDEBAR, NAV, HOT)

#: Semantic tags and what they mark. `header` is handled apart (only outside the article).
TAG_LABELS = {"nav": NAV, "aside": SIDEBAR, "footer": FOOTER}
#: ARIA landmark roles.
ROLE_LABELS = {
    "navigation": NAV,
    "menubar": NAV,
    "menu": NAV,
    "banner": NAV,
    "contentinfo": FOOTER,
    "complementary": SIDEBAR,
}
#: Splits class and id values into lower-case tokens ("site-footer__inner" -> site, footer, inner).
CLASS_TOKEN_SPLIT_RE = re.compile(r"[^a-z0-9]+")
#: Whole class/id tokens and the region they mark.
CLASS_TOKENS = {
    # nav
    "nav": NAV,
    "navbar": NAV,
    "nav1": NAV,
    "navigation": NAV,
    "menu": NAV,
    "menus": NAV,
    "mainmenu": NAV,
    "topnav": NAV,
    "subnav": NAV,
    "daohang": NAV,
    # breadcrumb
    "breadcrumb": BREADCRUMB,
    "breadcrumbs": BREADCRUMB,
    "crumb": BREADCRUMB,
    "crumbs": BREADCRUMB,
    "position": BREADCRUMB,
    "weizhi": BREADCRUMB,
    "place": BREADCRUMB,
    "location": BREADCRUMB,
    # footer
    "footer": FOOTER,
    "foot": FOOTER,
    "ft": FOOTER,
    "copyright": FOOTER,
    "colophon": FOOTER,
    # sidebar
    "sidebar": SIDEBAR,
    "side": SIDEBAR,
    "aside": SIDEBAR,
    "widget": SIDEBAR,
    "rightbar": SIDEBAR,
    "leftbar": SIDEBAR,
    # related
    "related": RELATED,
    "relate": RELATED,
    "xgwz": RELATED,
    "xglj": RELATED,
    "xgtj": RELATED,
    "xiangguan": RELATED,
    "tuijian": RELATED,
    "recommend": RELATED,
    "yarpp": RELATED,
    # weak related
    "hot": HOT,
    "hots": HOT,
    "remen": HOT,
    "popular": HOT,
    "paihang": HOT,
    "ranking": HOT,
}
#: Class/id substrings that mark a region even inside a longer token ("relatedposts").
CLASS_SUBSTRINGS = (
    ("breadcrumb", BREADCRUMB),
    ("crumb", BREADCRUMB),
    ("related", RELATED),
    ("xiangguan", RELATED),
    ("tuijian", RELATED),
    ("recommend", RELATED),
    ("footer", FOOTER),
    ("sidebar", SIDEBAR),
)
#: Class/id token prefixes that mark a region ("navMenu", "navbox", "navigation").
CLASS_PREFIXES = (("nav", NAV),)
#: Utility classes that make "position" a CSS helper ("position-relative"), not a breadcrumb.
POSITION_UTILITY_TOKENS = frozenset({"relative", "absolute", "fixed", "sticky", "static"})
#: Class/id tokens of a page header: site navigation, unless the same attribute also says it
#: is the article's own header ("entry-header", "article-header").
HEADER_TOKENS = frozenset({"header", "hd", "masthead", "topbar"})
ARTICLE_HEADER_TOKENS = frozenset({"entry", "post", "article", "content", "title", "main"})
#: aria-label / itemtype words that mark breadcrumbs.
BREADCRUMB_WORDS = ("breadcrumb", "面包屑")

_RELATED_HEADING = (
    r"相关(?:内容|文章|阅读|推荐|链接|资讯|新闻|问题|攻略|帖子)?|猜你喜欢|你可能(?:还)?喜欢"
    r"|推荐(?:阅读|文章|内容)|延伸阅读|扩展阅读"
    r"|related(?:\s+(?:posts?|articles?|content|stories|reading|links))?"
    r"|you\s+(?:may|might)\s+also\s+like|further\s+reading"
)
_HOT_HEADING = (
    r"(?:热门|热点|排行|最热|人气)(?:文章|推荐|阅读|内容|资讯|排行|排行榜|榜)?"
    r"|popular(?:\s+(?:posts?|articles?))?|most\s+read"
)
#: A short text that announces a block: group `related` ("相关内容:", "猜你喜欢", "Related
#: posts"), group `hot` (a popular-articles list: related only when nothing stronger is on the
#: page), group `prevnext` ("上一篇:" opening a previous/next link). One regex, one match call
#: per text node.
BLOCK_HEADING_RE = re.compile(
    rf"^\s*(?:(?P<related>{_RELATED_HEADING})|(?P<hot>{_HOT_HEADING}))\s*[:：]?\s*$"
    r"|^\s*(?P<prevnext>上一篇|下一篇|上一页|下一页|previous|next)\s*[:：]",
    re.IGNORECASE,
)
#: Longest block heading ("相关内容:") looked for; longer text nodes are not tested.
RELATED_HEADING_MAX_CHARS = 24
#: Link texts that open a breadcrumb trail.
HOME_LINK_TEXTS = frozenset({"首页", "网站首页", "主页", "返回首页", "home", "Home", "HOME"})
#: "首页 > 分类 > 文章", optionally after "当前位置:".
BREADCRUMB_TEXT_RE = re.compile(
    r"^\s*(?:(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在位置|位置)\s*[:：]?\s*)?"
    r"(?:首页|网站首页|主页|home)\s*(?:>|›|»|/|→|＞|->|>>|\\)",
    re.IGNORECASE,
)
#: Longest text a breadcrumb trail can have.
BREADCRUMB_MAX_CHARS = 300

# --- title ---------------------------------------------------------------------------------

#: <meta> keys (property/name, lower-case) of a social-card title, best first.
OG_TITLE_KEYS = ("og:title", "twitter:title")
#: Separators between an article title and the site name ("标题_站名", "Title | Site", "A - B");
#: a hyphen needs spaces or a Chinese neighbour so "Wi-Fi" stays whole.
TITLE_SEPARATORS_RE = re.compile(
    r"\s*(?:_|\||｜|–|—+|»)\s*|\s+(?:-{1,2}|·)\s+|(?<=[\u4e00-\u9fff])-|-(?=[\u4e00-\u9fff])"
)
#: What follows the h1 text in a <title> that only adds the site name.
TITLE_SUFFIX_START_RE = re.compile(r"^\s*[_|｜\-–—»·]")

# --- JSON-LD (title and date) --------------------------------------------------------------

#: <script type> of JSON-LD blocks (compared lower-case, parameters dropped).
JSONLD_TYPE = "application/ld+json"

# --- publish date --------------------------------------------------------------------------

#: meta name/property/itemprop values (lower-case) that give the publish time, best first.
PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
)
#: Class/itemprop words on a <time> that mean "updated", never the publish date.
UPDATED_WORDS = ("updated", "modified", "datemodified", "update", "lastmod")

_DATE_NUMERIC = (
    r"(?P<y>(?:19|20)\d{2})\s*(?P<s1>[-/.])\s*(?P<m>\d{1,2})\s*(?P=s1)\s*(?P<d>\d{1,2})(?!\d)"
    r"(?:(?:T|\s+|\s*日\s*)(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}))?)?"
)
_DATE_CJK = (
    r"(?P<cy>(?:19|20)\d{2})\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日"
    r"(?:\s*(?P<cH>\d{1,2})\s*[:：时]\s*(?P<cM>\d{2})(?:\s*[:：分]\s*(?P<cS>\d{2}))?)?"
)
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_EN = (
    rf"(?P<em>{_MONTHS})[a-z]*\.?\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ey>(?:19|20)\d{{2}})"
    rf"|(?P<fd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<fm>{_MONTHS})[a-z]*\.?,?\s+(?P<fy>(?:19|20)\d{{2}})"
)
#: Any date (with optional time and zone) as written on a page.
DATE_RE = re.compile(rf"{_DATE_NUMERIC}|{_DATE_CJK}|{_DATE_EN}", re.IGNORECASE)
MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
#: A label that announces the publish date; "时间"/"日期"/"date" alone need a colon.
PUBLISHED_LABEL_RE = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发布于|发表于|发稿时间|上传时间|出版日期|刊发时间"
    r"|published(?:\s+on)?|posted(?:\s+on)?|(?<![新改])(?:时间|日期)\s*[:：]|date\s*[:：])"
    r"\s*[:：]?\s*",
    re.IGNORECASE,
)
#: Labels that are strong enough to trust anywhere on the page, not only near the heading.
STRONG_PUBLISHED_LABEL_RE = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发布于|发表于|published(?:\s+on)?)\s*[:：]?\s*",
    re.IGNORECASE,
)
#: Words just before a date that make it an update date, not the publish date.
UPDATED_LABEL_RE = re.compile(
    r"(?:更新|修改|修订|编辑|updated|modified|last\s+edited|编辑于)\s*(?:时间|日期|于|on)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
#: Characters of text read after (and before) the title heading when looking for a date.
DATE_WINDOW_AFTER = 400
DATE_WINDOW_BEFORE = 80
BARE_DATE_WINDOW_AFTER = 160
#: Text nodes anywhere in the body that carry a strong publish label.
LABELLED_DATE_TEXT = etree.XPath(
    "//body//text()[contains(., '发布') or contains(., '发表')"
    " or contains(translate(., 'PUBLISHED', 'published'), 'published')]"
)
#: Dates in URL paths: /2024/05/31/, /20240531/, 2024-05-31, /2024/0531/.
URL_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-/_]?)(?P<m>0[1-9]|1[0-2])(?:(?P=sep)|/)?"
    r"(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)

# --- body ----------------------------------------------------------------------------------

#: A line that only states publish/source/author metadata, kept out of the body text.
META_LINE_RE = re.compile(
    r"^\s*(?:发布时间|发布日期|发表时间|发表日期|发布于|发表于|更新时间|时间|日期|来源|作者|编辑"
    r"|责任编辑|浏览|阅读|点击|published|posted|updated|date|by)\s*[:：]",
    re.IGNORECASE,
)
#: Shortest non-link text of a unit that counts as prose when scoring containers.
MIN_PARAGRAPH_CHARS = 12
#: Body text (characters) from which a titled page is an article.
ARTICLE_MIN_CHARS = 200
#: A list page: its main content has at least this many lines that open with a link, and they
#: are at least this share of its lines.
LIST_MIN_ITEMS = 3
LIST_MIN_ITEM_SHARE = 0.3

# --- steps ---------------------------------------------------------------------------------

#: Ordered step markers, each a named group so a run keeps one marker style.
STEP_MARKER_RE = re.compile(
    r"^\s*(?:"
    r"(?P<cn>第\s*(?P<cn_n>[0-9一二三四五六七八九十两]{1,3})\s*步)\s*[:：.、,，]?"
    r"|(?P<bz>步骤\s*(?P<bz_n>[0-9一二三四五六七八九十]{1,3}))\s*[:：.、,，]?"
    r"|(?P<en>step\s*(?P<en_n>\d{1,2}))\s*[:：.、)\-]?"
    r"|(?P<par>[(（]\s*(?P<par_n>\d{1,2})\s*[)）])\s*[:：.、]?"
    r"|(?P<circ>(?P<circ_n>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]))\s*[:：.、]?"
    r"|(?P<dot>(?P<dot_n>\d{1,2})\s*[.．](?![0-9]))"
    r"|(?P<dun>(?P<dun_n>\d{1,2})\s*、)"
    r"|(?P<paren>(?P<paren_n>\d{1,2})\s*[)）])"
    r")\s*",
    re.IGNORECASE,
)
#: Marker styles whose item is a heading line followed by the step's paragraph(s).
HEADING_LINE_MARKERS = frozenset({"cn", "bz", "en"})
CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CHINESE_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
#: Longest step heading (the words before the colon).
STEP_HEADING_MAX_CHARS = 20
#: Colons that end a step heading.
STEP_COLON_RE = re.compile(r"[:：]")
#: Fewest steps that make a procedure.
MIN_STEPS = 2
#: A paragraph this short, without sentence punctuation, reads as a heading.
HEADING_LIKE_MAX_CHARS = 30
SENTENCE_END_CHARS = "。.!！;；,，…"
#: A list item with more of its text inside links than this is a link, not a step.
STEP_MAX_LINK_SHARE = 0.5

# --- links ---------------------------------------------------------------------------------

IMAGE_TEXT = etree.XPath(
    ".//img/@alt | .//img/@title | .//amp-img/@alt | .//amp-img/@title | .//svg/title/text()"
)
#: A path-absolute href that URL normalisation leaves unchanged (checked by a property test).
PLAIN_PATH_RE = re.compile(
    r"/(?!/)(?:[A-Za-z0-9\-._~/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~=&]|%[0-9A-Fa-f]{2})+)?"
)

# --- lang ----------------------------------------------------------------------------------

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA_HANGUL_RE = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
#: Fewest letters needed to guess a language.
LANG_MIN_LETTERS = 10
ZH_MIN_SHARE = 0.5
EN_MIN_SHARE = 0.8
