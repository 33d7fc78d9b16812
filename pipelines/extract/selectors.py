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
#: End tags of <body> and <html>: a browser ignores them (what follows still shows, in the
#: body), libxml2 drops everything after a </html> and puts what follows a </body> outside
#: the body. Pages assembled from included parts carry them mid-page; they are dropped first.
#: Spelled case by case: with re.IGNORECASE the scan over a whole page is twice as slow.
DOCUMENT_END_TAGS_RE = re.compile(r"</(?:[bB][oO][dD][yY]|[hH][tT][mM][lL])\s*>")
#: C0 control characters other than tab/newline/CR, which lxml refuses in a str.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# --- decode --------------------------------------------------------------------------------

#: Used when nothing is declared and the body is not valid UTF-8 (the farms this tool audits
#: are Chinese; GB18030 is the superset of GB2312 and GBK).
FALLBACK_ENCODING = "gb18030"
#: Single-byte Western codecs (as `codecs.lookup` names them). They decode any byte, so a
#: wrong "charset=iso-8859-1" (a Java server default) on a GBK page gives garbage without a
#: single U+FFFD: when declared on a non-ASCII body, the bytes are sniffed first.
WESTERN_SINGLE_BYTE = frozenset(
    {"ascii", "cp1252", "iso8859-1", "iso8859-15", "cp1250", "iso8859-2", "latin-1"}
)
#: Byte pairs of GB2312 (hanzi rows B0-F7 and symbol rows A1-A9, both bytes >= A1): nearly all
#: of a simplified-Chinese GBK text, about half of a Big5 text, none of a Latin-1 text.
GB2312_PAIR_RE = re.compile(rb"[\xb0-\xf7][\xa1-\xfe]|[\xa1-\xa9][\xa1-\xfe]")
#: Byte pairs of Big5's symbols and frequent hanzi (lead A1-C6; trail 40-7E or A1-FE).
BIG5_PAIR_RE = re.compile(rb"[\xa1-\xc6][\x40-\x7e\xa1-\xfe]")
#: Share of non-ASCII bytes that must form such pairs for the sniffer to name the codec.
CJK_SNIFF_MIN_SHARE = 0.8
#: A body is UTF-8 with a few bad bytes when U+FFFD is at most this share of its non-ASCII
#: characters (a truncated or spliced page), not another encoding.
MOSTLY_UTF8_MAX_BAD_SHARE = 0.01
#: Fewer non-ASCII bytes than this are too few to tell GB from Big5 from Latin-1.
CJK_SNIFF_MIN_BYTES = 16

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
        "amp-sidebar",
    }
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BOLD_TAGS = frozenset({"b", "strong"})
#: Containers of the article itself: never a nav/sidebar/footer region.
CONTENT_TAGS = frozenset({"main", "article"})
#: Block tags that hold paragraphs rather than being one: text directly inside them scores them
#: as the article's container.
CONTAINER_TAGS = frozenset(
    {"div", "section", "article", "main", "td", "body", "blockquote", "center", "form"}
)

#: Region labels (a subset of `pipelines.store.schema.LINK_BLOCKS`; "body" is the default).
NAV = "nav"
SIDEBAR = "sidebar"
FOOTER = "footer"
BREADCRUMB = "breadcrumb"
RELATED = "related"
#: Links between the pages of one listing or article: 上一页/下一页/末页, "1 2 3 »", "Next page".
PAGINATION = "pagination"
#: A weaker related signal ("推荐阅读", "推荐内容"): the related block of a page without a
#: "相关…" one; next to one it is a recommendation widget (DedeCMS puts 推荐内容 in its sidebar).
RECOMMEND = "recommend"
#: The weakest related signal ("热门文章", class "hot"): a popular-articles list is the page's
#: related block only when the page has nothing stronger; otherwise it is a sidebar widget.
HOT = "hot"
#: Related-like labels, strongest first; the strongest present on a page becomes "related".
RELATED_TIERS = (RELATED, RECOMMEND, HOT)
#: When one element carries several signals, the more specific label wins.
LABEL_PRIORITY = (BREADCRUMB, RELATED, FOOTER, SIDEBAR, NAV, RECOMMEND, HOT)

#: Semantic tags (and AMP's menu drawer) and what they mark. `header` is handled apart (only
#: outside the article).
TAG_LABELS = {"nav": NAV, "aside": SIDEBAR, "footer": FOOTER, "amp-sidebar": NAV}
#: ARIA landmark roles.
ROLE_LABELS = {
    "navigation": NAV,
    "menubar": NAV,
    "menu": NAV,
    "banner": NAV,
    "contentinfo": FOOTER,
    "complementary": SIDEBAR,
}
#: Abbreviated region tokens taken only alone or at the end of a class or id word ("ft",
#: "g-ft"; not "kb-ft-rob-reg").
WHOLE_WORD_TOKENS = frozenset({"ft", "hd"})
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
#: Class/id tokens of a comment thread or reply form: kept out of the body text.
COMMENT_TOKENS = frozenset(
    {"comment", "comments", "commentlist", "respond", "replies", "disqus", "pinglun"}
)
#: Class/id tokens of a cookie banner, consent dialog or pop-up: never the article's container
#: (a GDPR dialog can hold more prose than a short post).
OVERLAY_TOKENS = frozenset(
    {"cookie", "cookies", "consent", "gdpr", "popup", "modal", "overlay", "lightbox", "dialog"}
)
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
    r"相[关關](?:内容|內容|文章|阅读|閱讀|推荐|推薦|链接|鏈接|资讯|資訊|新闻|新聞|问题|問題|攻略|帖子"
    r"|报道|報導|報道|专题|專題)?"
    r"|猜你喜[欢歡]|你可能(?:还|還)?喜[欢歡]|延伸[阅閱][读讀]|[扩擴]展[阅閱][读讀]"
    r"|related(?:\s+(?:posts?|articles?|content|stories|reading|links|news|coverage))?"
    r"|you\s+(?:may|might)\s+also\s+like|further\s+reading"
    r"|mehr\s+zum\s+thema|lesen\s+sie\s+(?:auch|mehr)|das(?:\s+thema)?\s+könnte\s+(?:sie|dich)"
    r"\s+auch\s+interessieren|schon\s+gelesen\s*\?|(?:ähnliche|verwandte|passende)\s+(?:artikel|beiträge|nachrichten)"
    r"|(?:à\s+)?lire\s+aussi|sur\s+le\s+même\s+sujet|articles?\s+(?:liés|similaires)"
    r"|(?:noticias|artículos|notas|matérias)?\s*relacionad[oa]s|te\s+puede\s+interesar"
    r"|(?:lee|lea|leia|veja|ver)\s+(?:también|tambien|também)|vous\s+aimerez\s+aussi"
    r"|zobacz\s+(?:też|także|również)|leggi\s+anche|see\s+also|siehe\s+auch"
    r"|auch\s+interessant|explore\s+further"
)
_RECOMMEND_HEADING = (
    r"(?:精彩|为你|為你|编辑|編輯)?推[荐薦](?:阅读|閱讀|文章|内容|內容)?"
    r"|recommended(?:\s+(?:for\s+you|posts?|articles?|reading))?"
    r"|more\s+(?:stories|news|articles)|read\s+(?:more|also)"
    r"|weitere\s+(?:artikel|beiträge|meldungen|nachrichten|videos|themen)"
    r"(?:\s+aus\s+der\s+\w+)?|weiterlesen"
    r"|empfehlungen\s+(?:aus\s+)?der\s+redaktion|más\s+(?:información|noticias)"
)
_HOT_HEADING = (
    r"(?:热门|熱門|热点|熱點|排行|最热|最熱|人气|人氣)"
    r"(?:文章|推荐|推薦|阅读|閱讀|内容|內容|资讯|資訊|排行|排行榜|榜)?"
    r"|popular(?:\s+(?:posts?|articles?))?|most\s+read"
)
#: A short text that announces a block: group `related` ("相关内容:", "猜你喜欢", "Related
#: posts"), group `recommend` ("推荐阅读"), group `hot` (a popular-articles list), group
#: `prevnext` ("上一篇:" opening a previous/next link). One regex, one match call per text node.
#: The leading spaces are taken possessively (`\s*+`): a plain `\s*` gives them back one at a
#: time, trying every alternative again after each. Same matches: an alternative that can
#: open with spaces opens with its own `\s*` ("relacionados"), so it matches after all of
#: them as well (a test compares it with the plain form).
BLOCK_HEADING_RE = re.compile(
    rf"^\s*+(?:(?P<related>{_RELATED_HEADING})|(?P<recommend>{_RECOMMEND_HEADING})"
    rf"|(?P<hot>{_HOT_HEADING}))\s*[:：]?\s*$"
    r"|^\s*+(?P<prevnext>上一篇|下一篇|上一页|下一页|上一頁|下一頁|previous|next)\s*[:：]",
    re.IGNORECASE,
)
#: The letters `BLOCK_HEADING_RE` can match first after its leading spaces (same flags, so the
#: same case folding). tests/test_extract_prefilters.py checks it against the regex.
BLOCK_HEADING_START_RE = re.compile(
    r"\s*[相猜你延扩擴精为為编編推热熱排最人上下adeflmnprstvwyzàä]", re.IGNORECASE
)
#: The same as a set of characters (every case form the regex accepts: "ſ" is an "s"), for a
#: one-lookup test of a text's first non-space character; most short texts fail it.
BLOCK_HEADING_FIRST_CHARS = frozenset(
    char
    for char in {
        *map(chr, range(0x250)),  # Latin, with every case form of the listed letters
        "\u212a",  # KELVIN SIGN, a "k" to re.IGNORECASE
        *"相猜你延扩擴精为為编編推热熱排最人上下",
    }
    if BLOCK_HEADING_START_RE.fullmatch(char)
)
#: A link text that can only be pagination: it starts the search for the pagination block.
PAGINATION_LINK_RE = re.compile(
    r"^(?:上一[页頁]|下一[页頁]|[末尾][页頁]|最后一?[页頁]|最後一?[頁页]|前一[页頁]|后一[页頁]"
    r"|(?:next|previous|prev|older|newer)\s+(?:page|posts|entries|articles)|page\s+suivante)$",
    re.IGNORECASE,
)
#: The characters `PAGINATION_LINK_RE` can match first (same flags, every case form), for a
#: one-lookup test before a link's text is collapsed and matched: most links fail it.
#: tests/test_extract_prefilters.py checks both against the regex.
PAGINATION_LINK_START_RE = re.compile(r"[上下末尾最前后nop]", re.IGNORECASE)
PAGINATION_LINK_FIRST_CHARS = frozenset(
    char for char in "上下末尾最前后nopNOP" if PAGINATION_LINK_START_RE.fullmatch(char)
)
#: Any link text a pagination block holds: the words above, 首页, page numbers, arrows.
PAGE_LINK_TEXT_RE = re.compile(
    r"^(?:\d{1,5}|第\s*\d{1,5}\s*[页頁]|首[页頁]|第一[页頁]|上一[页頁]|下一[页頁]|[末尾][页頁]"
    r"|最[后後]一?[页頁]|前一[页頁]|[后後]一[页頁]|first|last|next|prev|previous|older|newer"
    r"|(?:first|last|next|previous|prev|older|newer)\s+(?:page|posts|entries|articles)"
    r"|page\s+\d{1,5}|page\s+suivante|page\s+précédente)?$",
    re.IGNORECASE,
)
#: Arrows and ellipses around or instead of a page link's words ("« Prev", "下一页>>", "…").
PAGE_LINK_STRIP = " \t\n\r«»‹›<>←→…．.·|[]【】()（）"
#: What `collapse` then `.strip(PAGE_LINK_STRIP)` remove from the front of a link's text: every
#: character str.split() takes for a space, and the arrows and brackets.
PAGE_LINK_LEAD = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + PAGE_LINK_STRIP
)
#: A pagination block is found up to this many ancestors above its first word link, holds at
#: most this many links and this much text outside them ("共 12 页", "第 3/12 页").
PAGINATION_MAX_LEVELS = 4
PAGINATION_MAX_LINKS = 60
PAGINATION_MAX_OTHER_CHARS = 40
#: Class/id tokens of a pagination block, taken only when its links all read as page links.
PAGINATION_TOKENS = frozenset(
    {"pagination", "pager", "pagenav", "pagelist", "paging", "pages", "fenye", "pagebar"}
)
#: Longest block heading ("相关内容:") looked for; longer text nodes are not tested.
RELATED_HEADING_MAX_CHARS = 24
#: Link texts that open a breadcrumb trail.
HOME_LINK_TEXTS = frozenset(
    {"首页", "首頁", "网站首页", "網站首頁", "主页", "主頁", "返回首页", "home", "Home", "HOME"}
)
#: "首页 > 分类 > 文章", optionally after "当前位置:".
BREADCRUMB_TEXT_RE = re.compile(
    r"^\s*(?:(?:当前位置|當前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在位置|位置)"
    r"\s*[:：]?\s*)?"
    r"(?:首页|首頁|网站首页|主页|主頁|home)\s*(?:>|›|»|/|→|＞|->|>>|\\)",
    re.IGNORECASE,
)
#: Longest text a breadcrumb trail can have.
BREADCRUMB_MAX_CHARS = 300
#: An untitled related block (no heading, no class): a list after the main content of at least
#: this many links to titles (mean anchor text at least this long), mostly link text.
UNTITLED_MIN_LINKS = 4
UNTITLED_MIN_MEAN_CHARS = 8
UNTITLED_MIN_LINK_SHARE = 0.6
#: A line this short before a list is its title ("最新文章"), so the list is not untitled.
LIST_TITLE_MAX_CHARS = 16
#: A teaser of another page under a related heading: a title link standing alone on its line
#: (at least `UNTITLED_MIN_MEAN_CHARS` long) with at most this much text in all (an excerpt,
#: a date, topic tags), so a list of cards is announced as well as a list of bare links.
TEASER_MAX_CHARS = 500
#: An ad or shop list is never related, whatever its heading: a visible ad label on a line of
#: its own, a sponsored link, a link to an ad network, or a price in most of its items.
#: Leading spaces taken possessively (`^\s*+`), as in BLOCK_HEADING_RE: no alternative opens
#: with a space, so the same matches without retrying each alternative once per space.
AD_LABEL_RE = re.compile(
    r"^\s*+(?:anzeigen?|werbung|sponsored(?:\s+(?:links?|content|stories|posts?))?|gesponsert"
    r"|advertisement|promoted(?:\s+(?:links?|content|stories))?|publicité|publicidad"
    r"|ads\s+by\s+\w+|广告|廣告|推广|推廣)\s*[:：]?\s*$",
    re.IGNORECASE,
)
AD_HOST_WORDS = (
    "outbrain.",
    "taboola.",
    "plista.",
    "ligatus.",
    "doubleclick.",
    "googleadservices.",
    "adform.",
    "criteo.",
)
#: A price standing alone on its line, as shop items show it ("19,99 €", "ab $12", "EUR 5").
#: Leading spaces taken possessively (`^\s*+`), as in BLOCK_HEADING_RE: no alternative opens
#: with a space, so the same matches without retrying each alternative once per space.
PRICE_RE = re.compile(
    r"^\s*+(?:(?:ab|from|nur|only|preis|price|prix)\s*:?\s*)?"
    r"(?:[€$£¥￥]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|\$|£|EUR|USD|CHF)|(?:EUR|USD|CHF)\s?\d[\d.,]*)"
    r"\s*\*?\s*$",
    re.IGNORECASE,
)
#: Share of a list's items showing a price that makes it a shop list.
SHOP_MIN_PRICED_SHARE = 0.5

# --- title ---------------------------------------------------------------------------------

#: <meta> keys (property/name, lower-case) of a social-card title, best first.
OG_TITLE_KEYS = ("og:title", "twitter:title")
#: Separators between an article title and the site name ("标题_站名", "Title | Site", "A - B");
#: a hyphen needs spaces or a Chinese neighbour so "Wi-Fi" stays whole.
TITLE_SEPARATORS_RE = re.compile(
    r"\s*(?:_|\||｜|–|—+|»)\s*|\s+(?:-{1,2}|·)\s+|(?<=[\u4e00-\u9fff])-|-(?=[\u4e00-\u9fff])"
)
#: Headings that may show the title when no <h1> does; a shorter text is never taken for one.
SUB_TITLE_TAGS = ("h2", "h3")
MIN_TITLE_CHARS = 2
#: A bracketed type in front of a forum subject: "[分期购物] 标题", "【原创】标题".
SUBJECT_TAG_RE = re.compile(r"^\s*[\[【［〔(（][^\]】］〕)）]{1,16}[\]】］〕)）]\s*")
#: What follows the h1 text in a <title> that only adds the site name.
TITLE_SUFFIX_START_RE = re.compile(r"^\s*[_|｜\-–—»·]")

# --- JSON-LD (title and date) --------------------------------------------------------------

#: <script type> of JSON-LD blocks (compared lower-case, parameters dropped).
JSONLD_TYPE = "application/ld+json"

# --- publish date --------------------------------------------------------------------------

#: meta name/property/itemprop values (lower-case) that give the publish time; the first of
#: them in document order wins, as in htmldate.
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
    "article.published",
    "published_time",
    "published-date",
    "og:pubdate",
    "originalpublicationdate",
    "citation_publication_date",
    "citation_date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "dc.date.published",
    "date",
)
#: Class/id words of an element holding the publish date as its text or title attribute
#: (hAtom's <abbr class="published" title="…">, WordPress's "entry-date", "post-date").
#: Matched against class/id tokens; tokens containing "date" or "datum" count too.
PUBLISHED_CLASS_WORDS = frozenset({"published", "pubdate", "posted", "timestamp", "time"})
#: Class/id substrings of a short metadata line that may hold the publish date ("postmeta",
#: "entry-meta", "byline", Drupal's "submitted"), read after the date-marked elements.
META_LINE_CLASS_WORDS = ("meta", "byline", "submitted")
#: Class/itemprop words on a <time> that mean "updated", never the publish date.
UPDATED_WORDS = ("updated", "modified", "datemodified", "update", "lastmod")

#: A day, or two digits run into the time that follows (date and time in two adjacent
#: <span>s read as "2019-09-0919:32").
_DAY_THEN_TIME = r"\d{1,2}(?!\d)|\d{2}(?=\d{1,2}\s*[:：]\s*\d{2})"
_DATE_NUMERIC = (
    r"(?P<y>(?:19|20)\d{2})\s*(?P<s1>[-/.])\s*(?P<m>\d{1,2})\s*(?P=s1)\s*"
    rf"(?P<d>{_DAY_THEN_TIME})"
    r"(?:(?:T|\s+|\s*日\s*|)(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}))?)?"
)
_DATE_CJK = (
    r"(?P<cy>(?:19|20)\d{2})\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日"
    r"(?:\s*(?P<cH>\d{1,2})\s*[:：时]\s*(?P<cM>\d{2})(?:\s*[:：分]\s*(?P<cS>\d{2}))?)?"
)
#: Month names and abbreviations: English, then German, French, Spanish, Italian and Dutch
#: spellings that English ones do not already open ("Juli" is "jul...", "März" is not), then
#: Russian stems ("15 августа 2016": "март" before "мая", both open with "ма").
_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
    r"|mär|mai|okt|dez|fév|avr|juin|juil|août|aout|déc|ene|abr|ago|dic|gen|mag|giu|lug|ott|mei"
    r"|янв|фев|март|апр|мая|май|июн|июл|авг|сен|окт|ноя|дек"
)
#: The characters besides its upper and lower case that re.IGNORECASE takes for a letter
#: opening a month's stem (tests/test_extract_prefilters.py checks them all).
_EXTRA_CASE_FORMS = {"s": "ſ", "с": "ᲃ", "о": "ᲂ", "д": "ᲁ"}


def _by_first_letter(alternatives: str) -> str:
    """`alternatives` ("jan|feb|…", for re.IGNORECASE) grouped by first letter, each group
    behind that letter's case forms as a case-sensitive class: "(?-i:[Jj])(?:an|un|…)|…".

    A search tries an IGNORECASE alternation's words one by one at every position (about 45
    months); a group opening with a case-sensitive class is skipped on one character test.
    Same matches: a character opens at most one group, and a group keeps its words' order.
    """
    groups: dict[str, list[str]] = {}
    for word in alternatives.split("|"):
        groups.setdefault(word[0].lower(), []).append(word[1:])
    return "|".join(
        f"(?-i:[{''.join(sorted({letter, letter.upper(), *_EXTRA_CASE_FORMS.get(letter, '')}))}])"
        f"(?:{'|'.join(rests)})"
        for letter, rests in groups.items()
    )


#: Letters that may follow a month's stem ("Juli", "décembre", "августа").
_MONTH_TAIL = r"[a-zäéûа-яё]*"
_MONTH_STEM = _by_first_letter(_MONTHS)
_DATE_EN = (
    rf"(?P<em>{_MONTH_STEM}){_MONTH_TAIL}\.?\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    r"(?P<ey>(?:19|20)\d{2})"
    rf"|(?P<fd>\d{{1,2}})(?:st|nd|rd|th|\.|er)?\s*(?:de\s+)?(?P<fm>{_MONTH_STEM}){_MONTH_TAIL}"
    r"\.?,?\s+"
    r"(?:de\s+)?(?P<fy>(?:19|20)\d{2})"
)
#: Day-first numeric dates with dots or slashes, as European pages write them ("22.12.2012",
#: "15.2.2018, 19:51", "17/03/2020"); with slashes, a first number that cannot be a month
#: ("12/31/2024") makes it month-first; "11/01/2023", where either order reads, is no date.
_DATE_DMY = (
    r"(?<![\d./])(?P<xd>\d{1,2})(?P<xs>[./])\s?(?P<xm>\d{1,2})(?P=xs)\s?(?P<xy>(?:19|20)\d{2})"
    r"(?![\d./])"
    r"(?:,?\s+(?P<xH>\d{1,2}):(?P<xM>\d{2}))?"
)
#: Day-first dates with a two-digit year ("31.10.23", "02.12.19 14:30"), as German pages
#: write them under a title ("Kultur, 2.11.22"): read only where a date is expected (next to
#: the title heading, under a label, in a date-marked element), never in running text.
SHORT_YEAR_DATE_RE = re.compile(
    r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d{2})(?![\d.])"
    r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?"
)
#: Year-first dates with a two-digit year ("18-03-08 23:16", Baidu's "发布时间：18-03-08"):
#: read only under a publish-date label, where nothing else reads that way.
SHORT_YMD_DATE_RE = re.compile(
    rf"(?<![\d\-/.])(?P<y>\d{{2}})-(?P<m>0?[1-9]|1[0-2])-(?P<d>{_DAY_THEN_TIME})"
    r"(?:\s*(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d))?"
)
#: Any date (with optional time and zone) as written on a page.
DATE_RE = re.compile(rf"{_DATE_NUMERIC}|{_DATE_CJK}|{_DATE_DMY}|{_DATE_EN}", re.IGNORECASE)
#: The same without English month names, for text that has none (five times faster).
NUMERIC_DATE_RE = re.compile(rf"{_DATE_NUMERIC}|{_DATE_CJK}|{_DATE_DMY}", re.IGNORECASE)


def may_hold_date(text: str) -> bool:
    """False when `text` cannot hold a `DATE_RE` date: every form spells its year 19xx or
    20xx, and two substring tests cost far less than the regex over a long line."""
    return "19" in text or "20" in text


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
    "mär": 3,
    "mai": 5,
    "okt": 10,
    "dez": 12,
    "fév": 2,
    "avr": 4,
    "juin": 6,
    "juil": 7,
    "août": 8,
    "aout": 8,
    "déc": 12,
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
    "gen": 1,
    "mag": 5,
    "giu": 6,
    "lug": 7,
    "ott": 10,
    "mei": 5,
    "янв": 1,
    "фев": 2,
    "март": 3,
    "апр": 4,
    "мая": 5,
    "май": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
#: Years, months and days written out relative to the fetch: "3天前", "5小时前", "昨天 08:12",
#: "刚刚", "2 days ago". Resolved against fetched_at in Beijing time. A day name counts only
#: with a clock time ("今天 08:12", "Yesterday at 10:30"): a bare "Today" is a menu item or a
#: "word of the day" heading far more often than a timestamp, and would become the fetch date.
RELATIVE_DATE_RE = re.compile(
    r"(?P<n>\d{1,3})\s*(?P<unit>秒|分钟|分鐘|小时|小時|天|周|週|星期)\s*前"
    r"|(?P<day>今天|昨天|前天)\s*(?P<rH>\d{1,2})\s*[:：]\s*(?P<rM>\d{2})"
    r"|(?P<now>刚刚|剛剛|just\s+now)"
    r"|(?P<en_n>\d{1,3}|an?)\s+(?P<en_unit>minute|hour|day|week)s?\s+ago"
    r"|\b(?P<en_day>today|yesterday),?\s+(?:at\s+)?(?P<eH>\d{1,2}):(?P<eM>\d{2})\b",
    re.IGNORECASE,
)
#: Words one of which every RELATIVE_DATE_RE match contains (a cheap test before the regex).
RELATIVE_DATE_WORDS = (
    "前",
    "今天",
    "昨天",
    "刚刚",
    "剛剛",
    "ago",
    "today",
    "yesterday",
    "just now",
)
#: Days shown without a year ("05-31", "5月31日 08:12"): the year is the fetch's, or the one
#: before when that would put the date after the fetch.
MONTH_DAY_RE = re.compile(
    r"(?:(?<![\d\-/.年])(?P<m>0[1-9]|1[0-2])[-/](?P<d>0[1-9]|[12]\d|3[01])(?![\d\-/])"
    r"|(?<![\d年])(?P<cm>1[0-2]|[1-9])\s*月\s*(?P<cd>[12]\d|3[01]|[1-9])\s*日)"
    r"(?:\s*(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d))?"
)
#: Maps the relative units to seconds (days and weeks count whole calendar days).
RELATIVE_UNIT_SECONDS = {
    "秒": 1,
    "分钟": 60,
    "分鐘": 60,
    "minute": 60,
    "小时": 3600,
    "小時": 3600,
    "hour": 3600,
}
RELATIVE_UNIT_DAYS = {"天": 1, "day": 1, "周": 7, "週": 7, "星期": 7, "week": 7}
RELATIVE_DAY_NAMES = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}
#: A label that announces the publish date; "时间"/"日期"/"date" alone need a colon.
PUBLISHED_LABEL_RE = re.compile(
    r"(?:[发發](?:布|佈|表)(?:时间|時間|日期|于|於)|[发發](?:布|佈|表)\s*[:：]|发稿时间|发稿日期"
    r"|录入时间|錄入時間|上传时间|上傳時間|出版日期|刊发时间"
    r"|published(?:\s+on)?|posted(?:\s+on)?|(?<![新改])(?:时间|時間|日期)\s*[:：]|date\s*[:：]"
    r"|(?:mitteilung|meldung|beitrag|artikel|nachricht)\s+vom|erstellt\s+am|datum\s*[:：])"
    r"\s*[:：]?\s*",
    re.IGNORECASE,
)
#: Labels that are strong enough to trust anywhere on the page, not only near the heading.
STRONG_PUBLISHED_LABEL_RE = re.compile(
    r"(?:[发發](?:布|佈|表)(?:时间|時間|日期|于|於)|published(?:\s+on)?"
    r"|veröffentlicht(?:\s+am)?|publié\s+le|publicado\s+el|pubblicato\s+il)\s*[:：]?\s*",
    re.IGNORECASE,
)
#: Labels of a Chinese article's info line ("2015-07-04 08:44:22 来源: 网易财经", "出处：快科技
#: 作者：…"): a date on the same short line is the article's own, as a labelled one is.
BYLINE_LABEL_RE = re.compile(
    r"(?:来源|來源|出处|出處|稿源|作者|记者|記者|编辑|編輯|字号|字號|浏览|瀏覽|点击|點擊|阅读|閱讀)"
    r"\s*(?:次数|次數|量)?\s*[:：]"
)
#: Words just before a date that make it an update date, not the publish date.
UPDATED_LABEL_RE = re.compile(
    r"(?:更新|修改|修订|修訂|编辑|編輯|updated|modified|last\s+edited|编辑于)"
    r"\s*(?:时间|時間|日期|于|於|on)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
#: Sentence punctuation: a date inside a line with it is part of the prose ("自2024年3月15日起,
#: …"), not the line that states when the page was published.
PROSE_PUNCTUATION = frozenset(",，。;；!！?？")
#: Characters of text read after (and before) the title heading when looking for a date.
DATE_WINDOW_AFTER = 400
DATE_WINDOW_BEFORE = 80
BARE_DATE_WINDOW_AFTER = 160
#: Words one of which every STRONG_PUBLISHED_LABEL_RE match holds (lower-case; a cheap test
#: before the regex on every line of the page).
STRONG_LABEL_WORDS = (
    "发布",
    "发表",
    "發布",
    "發佈",
    "發表",
    "published",
    "veröffentlicht",
    "publié",
    "publicado",
    "pubblicato",
)
#: JSON-LD keys of a creation date, tried after the page's text (a video's upload date).
JSONLD_CREATED_KEYS = ("dateCreated", "uploadDate")
#: A publish-date key in a page's inline JSON state (Next.js, Shopify, review widgets).
SCRIPT_DATE_RE = re.compile(
    r'"(?:datePublished|publishedDate|published_at|publishDate|publishedAt|publish_date'
    r'|createdAt|created_at|dateCreated|uploadDate)"\s*:\s*"(?P<value>[^"]{8,40})"'
)
#: Words in a <meta> key that may name a creation date ("five_hundred_pixels:uploaded"), and
#: words that rule it out: the loose meta rule, after the known keys and the text.
LOOSE_META_WORDS = ("date", "time", "publish", "created", "uploaded", "issued")
LOOSE_META_EXCLUDED = ("modif", "updat", "expir", "revis", "edit", "end", "reading", "valid")
#: Attribute values read by the whole-page date search: tooltips (<abbr title="…">).
PAGE_DATE_ATTRIBUTES = etree.XPath("//body//*[self::abbr or self::span]/@title")
#: Dates in URL paths: /2024/05/31/, /20240531/, 2024-05-31, /2024/0531/, /2017/7/12/.
#: Day-first dates in URL paths with dashes: /meldungen/29-10-2021.
URL_DMY_DATE_RE = re.compile(
    r"(?<![\d-])(?P<d>0[1-9]|[12]\d|3[01])-(?P<m>0[1-9]|1[0-2])-(?P<y>(?:19|20)\d{2})(?![\d-])"
)
URL_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-/_]?)(?P<m>0[1-9]|1[0-2])(?:(?P=sep)|/)?"
    r"(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
    r"|(?<![^/])(?P<sy>(?:19|20)\d{2})/(?P<sm>[1-9]|1[0-2])/(?P<sd>[1-9]|[12]\d|3[01])(?=/)"
)

# --- body ----------------------------------------------------------------------------------

#: A line that only states publish/source/author metadata, kept out of the body text.
#: Leading spaces taken possessively (`^\s*+`), as in BLOCK_HEADING_RE: no alternative opens
#: with a space, so the same matches without retrying each alternative once per space.
META_LINE_RE = re.compile(
    r"^\s*+(?:[发發](?:布|佈|表)(?:时间|時間|日期|于|於)|更新时间|更新時間|时间|時間|日期|来源|來源"
    r"|作者|编辑|編輯|责任编辑|浏览|瀏覽|阅读|閱讀|点击|點擊"
    r"|published|posted|updated|date|by)\s*[:：]",
    re.IGNORECASE,
)
#: Blocks inside the article that are not its text (trafilatura discards them the same way):
#: image captions and galleries, bylines and author boxes, share buttons, newsletter sign-ups,
#: cookie banners, tag lists. Whole class/id tokens, substrings of longer tokens
#: ("sharedaddy", "imageEmbedCaption"), and tags. Their links keep their block.
BOILERPLATE_TAGS = frozenset({"figure", "figcaption"})
BOILERPLATE_TOKENS = frozenset(
    {
        "caption",
        "captions",
        "gallery",
        "byline",
        "bylines",
        "author",
        "authors",
        "share",
        "sharing",
        "social",
        "newsletter",
        "signup",
        "subscribe",
        "consent",
        "cookie",
        "cookies",
        "gdpr",
        "recirc",
        "recirculation",
        "credit",
        "credits",
        "tags",
    }
)
BOILERPLATE_SUBSTRINGS = ("caption", "gallery", "newsletter", "signup", "sharing")
BOILERPLATE_PREFIXES = ("share",)
#: A boilerplate-named block holding more than this share of the article's text is not one
#: (a wrapper classed "has-gallery" around the whole article).
BOILERPLATE_MAX_SHARE = 0.5
#: A byline line ("By Jo Miller", "Von Tim Ehlers · 26. Oktober 2023"): a short line opening
#: with the word, then capitalised names up to a separator or the end; kept out of the body
#: text like the metadata lines.
BYLINE_RE = re.compile(r"^(?:by|von|par|por|di|door|af)\s+(?P<names>[^·|•–—]+)", re.IGNORECASE)
BYLINE_CONNECTORS = frozenset({"and", "und", "et", "y", "e", "en", "og", "&"})
BYLINE_MAX_CHARS = 60
#: A line of the article's container that is mostly link text with at most this many other
#: characters ("Lea también: …", "Zurück zur Übersicht") points elsewhere: not body text.
LINK_LINE_MIN_SHARE = 0.5
LINK_LINE_MAX_PROSE = 25
#: A URL or e-mail address written out in a line ("http://www.openpetition.de",
#: "info@example.org"): the article's text, even when the line is its link.
SPELLED_ADDRESS_RE = re.compile(
    r"https?://\S|\bwww\.\w|\w@\w+(?:[.-]\w+)*\.[a-z]{2,}", re.IGNORECASE
)
#: Furniture lines inside the article: an ad label alone (dashes around it: "- Anzeige -"),
#: a photo credit or source line, a date standing alone (with its label and clock time, at
#: most this many letters besides: "Aktualisiert: 11.04.2020, 10:27").
AD_LABEL_STRIP = " -–—*|"
CREDIT_LINE_MAX_CHARS = 100
CREDIT_LINE_RE = re.compile(
    r"^\(?(?:photos?|fotos?|bild(?:er)?|images?|credits?|crédits?(?:\s+photos?)?|titelbild"
    r"|quelle|source|fuente)\s*:|©|\(c\)",
    re.IGNORECASE,
)
#: A caption line ending in its picture's credit ("… | © Augusta National/Getty Images",
#: "… (Foto: Getty)", "… (mlharing / iStock.com)"), up to this many characters.
CAPTION_CREDIT_MAX_CHARS = 300
CAPTION_CREDIT_RE = re.compile(
    r"(?:©|\(c\)|\b(?:fotos?|photos?|bild|images?|credits?|quelle|source)\s*:)\s*[^.!?:©]{1,60}"
    r"\)?\s*$|(?:getty\s*images|istock(?:photo)?(?:\.com)?|shutterstock(?:\.com)?)\s*\)?\s*$",
    re.IGNORECASE,
)
#: Every `CAPTION_CREDIT_RE` match holds "©", "(c)", a colon or a stock agency's name (same
#: flags, so the same case folding): a line with none of them is no credit, tested far cheaper.
_STOCK_AGENCY_RE = re.compile("getty|istock|shutterstock", re.IGNORECASE)
_STOCK_AGENCIES = ("getty", "istock", "shutterstock")
#: The only characters that re.IGNORECASE takes for one of those letters but str.lower() does
#: not turn into it (ſ is an "s", ı and İ are an "i"); tests/test_extract_prefilters.py checks.
_UNLOWERED_CASE_FORMS = ("ſ", "ı", "İ")
#: The characters a `CAPTION_CREDIT_RE` match holds at most one of: its marker's "©" or ":"
#: (the credit after the marker holds none) or the "." of an agency's ".com".
CAPTION_CREDIT_STOPS = ".!?:©"


def may_be_caption_credit(text: str) -> bool:
    """False when `CAPTION_CREDIT_RE` cannot match `text`."""
    # A match runs to the end but for spaces, and none ends in ".", "!" or "?": the credit
    # after a marker holds none of them, the agencies' names end in letters.
    last = text.rstrip()[-1:]
    if not last or last in ".!?":
        return False
    return "©" in text or "(" in text or ":" in text or _names_stock_agency(text)


def _names_stock_agency(text: str) -> bool:
    """`_STOCK_AGENCY_RE.search(text)`; the regex tries its three names at every position,
    three substring tests of the lower-cased text cost a fraction of that."""
    if any(form in text for form in _UNLOWERED_CASE_FORMS):
        return _STOCK_AGENCY_RE.search(text) is not None
    lowered = text.lower()
    return any(name in lowered for name in _STOCK_AGENCIES)


def caption_credit_start(text: str) -> int:
    """Where a `CAPTION_CREDIT_RE` search of `text` can start: a match holds at most one of
    `CAPTION_CREDIT_STOPS`, so none starts before the second-last of them. The regex tries
    every start position, the credit is at the end of a caption."""
    last = max(map(text.rfind, CAPTION_CREDIT_STOPS))
    if last <= 0:
        return 0
    return max(text.rfind(char, 0, last) for char in CAPTION_CREDIT_STOPS) + 1


#: A line announcing the author's bio or the press contact ("Über den Autor", "Kontakt:",
#: "Pressekontakt", "About the author"): it and the lines under it, to the next heading, are
#: not the article's text.
ABOUT_HEADING_RE = re.compile(
    r"^(?:über\s+(?:den\s+autor|die\s+autorin)|zum\s+autor|zur\s+autorin|about\s+the\s+authors?"
    r"|sobre\s+el\s+autor|à\s+propos\s+de\s+l.auteur|(?:presse)?kontakt|ansprechpartner(?:in)?"
    r"|press\s+contacts?|media\s+contacts?)\s*[:：]?$",
    re.IGNORECASE,
)
#: A copyright notice ending the article's text ("© 2022, Example News. This article is the
#: copyrighted property of …", "Copyright 2023 … All rights reserved."), up to this many
#: characters: the site's, not the article's.
COPYRIGHT_LINE_MAX_CHARS = 300
COPYRIGHT_LINE_RE = re.compile(
    r"©|\bcopyright\b|all\s+rights\s+reserved|alle\s+rechte\s+vorbehalten"
    r"|derechos\s+reservados|droits\s+réservés|tutti\s+i\s+diritti\s+riservati",
    re.IGNORECASE,
)
DATE_LINE_MAX_CHARS = 60
#: Longest heading read as announcing a section (longer ones are leads in heading type).
ANNOUNCING_HEADING_MAX_CHARS = 80
DATE_LINE_MAX_LETTERS = 14
CLOCK_TIME_RE = re.compile(r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:uhr|h|am|pm)?", re.IGNORECASE)
#: A lead between the title <h1> and the article's container: up to this many prose lines of
#: at least this many characters outside links (and this share of link text at most), with at
#: most this many characters of other lines (byline, date, caption) between them and the <h1>.
LEAD_MAX_LINES = 3
#: A heading other than <h1> is the article's title when it reads as the page's title: the
#: same text, or one holding the other of at least this many characters.
TITLE_MATCH_MIN_CHARS = 20
LEAD_MIN_PROSE = 40
LEAD_MAX_LINK_SHARE = 0.25
LEAD_MAX_SKIPPED_CHARS = 300
#: ...and neither in a caption, share bar or byline block (its element or this many levels up).
LEAD_BOILERPLATE_LEVELS = 4
#: Shortest non-link text of a unit that counts as prose when scoring containers.
MIN_PARAGRAPH_CHARS = 12
#: Body text (characters) from which a titled page is an article.
ARTICLE_MIN_CHARS = 200
#: A list page: its main content has at least this many lines that open with a link, and they
#: are at least this share of its lines.
LIST_MIN_ITEMS = 3
LIST_MIN_ITEM_SHARE = 0.3
#: ...unless it reads as an article: at least this many paragraphs of this much prose, and
#: this many times the text of the link lines (a list's excerpts are short and one per item).
LIST_ARTICLE_PARAGRAPHS = 3
LIST_ARTICLE_PARAGRAPH_CHARS = 300
LIST_MAX_PROSE_RATIO = 3

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
#: Longest step heading (the words before the colon); Latin-script headings are measured in
#: words ("Sign in to your account").
STEP_HEADING_MAX_CHARS = 20
STEP_HEADING_MAX_CHARS_LATIN = 60
STEP_HEADING_MAX_WORDS = 8
#: <ul type> values that make the browser number the items.
ORDERED_UL_TYPES = frozenset({"1", "a", "A", "i", "I"})
#: Colons that end a step heading.
STEP_COLON_RE = re.compile(r"[:：]")
#: Fewest steps that make a procedure.
MIN_STEPS = 2
#: A paragraph this short, without sentence punctuation, reads as a heading.
HEADING_LIKE_MAX_CHARS = 30
SENTENCE_END_CHARS = "。.!！;；,，…"
#: How a sentence ends; a step line ending so is text, never a heading over the next paragraph.
SENTENCE_ENDS = ("。", ".", "!", "！", ";", "；")
#: A list item with more of its text inside links than this is a link, not a step.
STEP_MAX_LINK_SHARE = 0.5

# --- links ---------------------------------------------------------------------------------

#: Elements inside a link whose alt/title (an <svg>'s <title> child) name an image link.
IMAGE_TAGS = ("img", "amp-img", "svg")

# --- lang ----------------------------------------------------------------------------------

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA_HANGUL_RE = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
#: `LATIN_RE` beyond ASCII, and every byte but the ASCII letters: the two halves of a count
#: of Latin letters that costs a fifth of `LATIN_RE.findall`.
LATIN_EXTENDED_RE = re.compile(r"[\u00c0-\u024f]")
NOT_ASCII_LETTER_BYTES = bytes(
    b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha()
)
#: Fewest letters needed to guess a language.
LANG_MIN_LETTERS = 10
ZH_MIN_SHARE = 0.5
EN_MIN_SHARE = 0.8

#: Words that say a page or a list is a procedure (in its title or the heading over the list):
#: an ordered list elsewhere (references, track lists, rankings) is not a list of steps.
PROCEDURE_WORDS_RE = re.compile(
    r"步骤|步驟|方法|流程|操作|教程|攻略|指南|如何|怎么|怎样|怎麼|怎樣|教你|办理|辦理|开通|開通"
    r"|申请|申請|设置|設置|使用|注册|註冊|安装|安裝|做法|技巧|须知"
    r"|\bhow\s+to\b|\bsteps?\b|\bguide\b|\btutorial\b|\binstructions?\b|\bdirections\b"
    r"|\bmethod\b|\brecipe\b|\bpreparation\b|zubereitung|anleitung|schritt|préparation"
    r"|étapes|preparación|pasos|preparo|istruzioni|procedura",
    re.IGNORECASE,
)
#: A step that refers to an earlier step by number ("aus Schritt 2", "repeat step 3").
STEP_REFERENCE_RE = re.compile(
    r"\b(?:schritt|step|étape|etapa|paso|passo)\s*(?P<n>\d{1,2})\b|第\s*(?P<cn>\d{1,2})\s*步",
    re.IGNORECASE,
)
#: A line opening with an explicit step marker ("Step 1", "第一步", "步骤一").
STEP_LINE_RE = re.compile(r"(?:^|\n)\s*(?:step\s*1\b|第一步|步骤\s*[1一１])", re.IGNORECASE)
#: Class/id tokens of an unnumbered <ul> that holds steps ("directions", "instructions").
STEP_LIST_TOKENS = frozenset({"directions", "instructions", "steps", "preparation", "method"})
