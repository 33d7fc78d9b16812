"""Build the demo content-farm site in memory from the seeds.

Every distinct related-link title of the seeds becomes a generated article; seeds are served
in every template (content-farm mirrors), generated articles in one template each. Lists,
sidebars, prev/next and related blocks link everything into one graph reachable from `/`.
`robots.txt` and `sitemap.xml` need absolute URLs, so `DemoSite.respond` renders them per
request from the base URL the server saw.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import jinja2

from scraper.demo.filler import article_blocks, keywords, publish_raw, stable_hex, stable_int
from scraper.demo.seeds import Block, Seed, load_seeds

if TYPE_CHECKING:
    from collections.abc import Sequence

SITE_NAME: Final = "金融知识网"
TEMPLATES: Final = ("portal", "dede")
PER_PAGE: Final = 20
HTML_TYPE: Final = "text/html; charset=utf-8"
ROBOTS_DISALLOW: Final = ("/search", "/admin/")
ICP_URL: Final = "https://beian.miit.gov.cn/"
CONTACT_EMAIL: Final = "service@jrzs.example.com"
SEARCH_WORDS: Final = ("分期", "回收", "先享后付", "借款")
ADMIN_PATH: Final = "/admin/login.html"
_SIDEBAR_SIZE = 8
_RELATED_MIN, _RELATED_MAX = 20, 60
_EXCERPT_CHARS = 60
_PAGER_SPAN = 4


@dataclass(frozen=True, slots=True)
class DemoResponse:
    """One HTTP response of the demo site."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Category:
    """A column (栏目) of the site with its list pages under /list/<slug>/."""

    slug: str
    name: str
    #: Title substrings that put an article in this column; checked in CATEGORIES order.
    words: tuple[str, ...]

    @property
    def path(self) -> str:
        """First list page of the column."""
        return f"/list/{self.slug}/"


CATEGORIES: Final = (
    Category("xianxiang", "先享后付", ("先享后付",)),
    Category("huishou", "回收变现", ("回收", "e卡", "E卡")),
    Category("zuji", "租机租赁", ("租",)),
    Category("fenqi", "分期购物", ("分期", "首付")),
    Category("jiedai", "网贷借款", ("借", "贷", "还款", "花呗", "钱包", "催收", "征信", "额度")),
    Category("zixun", "综合资讯", ()),
)


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """What one article page shows: the ground truth an extractor should recover."""

    path: str
    template: str
    title: str
    #: As shown after "发布时间:", Beijing time.
    published_raw: str
    category: Category
    blocks: tuple[Block, ...]
    #: Anchor texts of the 相关内容 block, in order.
    related: tuple[str, ...]
    #: The seed's slug for seed pages, None for generated articles.
    seed_slug: str | None


@dataclass(frozen=True)
class DemoSite:
    """The whole site: responses by path, and what a crawler of it should find."""

    #: Path (with query) → response, for every servable HTML page.
    pages: dict[str, DemoResponse]
    #: Seed slug → template name → path.
    seed_pages: dict[str, dict[str, str]]
    #: Path → article shown there (seed pages once per template).
    articles: dict[str, ArticlePage]
    #: Home and column list pages, page 1 first.
    list_paths: tuple[str, ...]
    #: About/contact pages.
    other_paths: tuple[str, ...]
    #: Paths linked from pages that robots.txt disallows.
    disallowed_paths: tuple[str, ...]
    #: Every page a robots-obeying crawler reaches from `/`: lists, articles, others.
    crawl_paths: tuple[str, ...]
    not_found: DemoResponse
    robots_disallow: tuple[str, ...] = ROBOTS_DISALLOW

    @property
    def article_count(self) -> int:
        """Number of article pages (a seed counts once per template)."""
        return len(self.articles)

    def html_paths(self) -> list[str]:
        """Every HTML page a robots-obeying crawler starting at `/` fetches."""
        return list(self.crawl_paths)

    def robots_txt(self, base_url: str) -> str:
        """robots.txt with the sitemap at `base_url`."""
        return robots_txt(self.robots_disallow, base_url)

    def sitemap_xml(self, base_url: str) -> str:
        """A sitemaps.org urlset of every `html_paths()` page under `base_url`."""
        rows = []
        for path in self.crawl_paths:
            loc = xml_escape(_absolute(base_url, path))
            article = self.articles.get(path)
            lastmod = f"<lastmod>{article.published_raw[:10]}</lastmod>" if article else ""
            rows.append(f"  <url><loc>{loc}</loc>{lastmod}</url>")
        return "\n".join(
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                *rows,
                "</urlset>",
                "",
            ]
        )

    def respond(self, path: str, base_url: str) -> DemoResponse:
        """The response for a request path (query included), 404 page when unknown."""
        path = path.partition("#")[0] or "/"
        if path == "/robots.txt":
            return DemoResponse(
                200, "text/plain; charset=utf-8", self.robots_txt(base_url).encode()
            )
        if path == "/sitemap.xml":
            body = self.sitemap_xml(base_url).encode()
            return DemoResponse(200, "application/xml; charset=utf-8", body)
        return self.pages.get(path, self.not_found)

    def fingerprint(self) -> str:
        """SHA-256 over every path and response: equal fingerprints mean identical sites."""
        digest = hashlib.sha256()
        for path in sorted(self.pages):
            response = self.pages[path]
            digest.update(f"{path}\n{response.status}\n{response.content_type}\n".encode())
            digest.update(hashlib.sha256(response.body).digest())
        digest.update(self.not_found.body)
        return digest.hexdigest()


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


@dataclass(frozen=True, slots=True)
class Link:
    """An <a href> as the templates show it."""

    href: str
    text: str


def excerpt(text: str) -> str:
    """A paragraph cut to a list-page teaser (also the article's meta description)."""
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "..."


def robots_txt(disallow: Sequence[str], base_url: str) -> str:
    """robots.txt disallowing `disallow` for every agent, naming the sitemap at `base_url`."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow)]
    return "\n".join([*lines, "", f"Sitemap: {_absolute(base_url, '/sitemap.xml')}", ""])


def other_pages(site_name: str, contact_email: str) -> list[tuple[str, str, list[str]]]:
    """(path, heading, paragraphs) of the about and contact pages of a site."""
    about = [
        (
            f"{site_name}专注于分享分期购物、消费金融、二手回收等方面的实用知识,"
            "内容来源于网络整理,仅供参考。"
        ),
        "如本站内容涉及您的合法权益,请通过联系我们页面告知,我们会在核实后及时处理。",
    ]
    contact = [
        f"商务合作与内容投诉请发送邮件至 {contact_email},我们会在3个工作日内回复。",
        "本站不提供任何借贷、回收或套现服务,请勿相信冒用本站名义的任何联系方式。",
    ]
    return [("/about.html", "关于我们", about), ("/contact.html", "联系我们", contact)]


#: The admin login page's page.html context (besides the chrome).
LOGIN_PAGE: Final[dict[str, Any]] = {
    "page_title": "管理员登录",
    "heading": "管理员登录",
    "paragraphs": ["请输入管理员账号和密码。"],
    "links": [],
    "login_form": True,
}
#: The 404 page's page.html context (besides the chrome).
NOT_FOUND_PAGE: Final[dict[str, Any]] = {
    "page_title": "404 页面不存在",
    "heading": "404 页面不存在",
    "paragraphs": ["您访问的页面不存在或已被删除,请返回首页继续浏览。"],
    "links": [],
}


@dataclass(slots=True, eq=False)
class _Entry:
    """One distinct article title and where it is served."""

    index: int
    title: str
    published_raw: str
    category: Category
    blocks: tuple[Block, ...]
    related: tuple[str, ...]
    seed_slug: str | None
    #: Template name → path, in TEMPLATES order.
    paths: dict[str, str]

    @property
    def primary(self) -> str:
        """Path used by lists: the first template the entry is served in."""
        return next(iter(self.paths.values()))

    def path_in(self, template: str) -> str:
        """Path of the copy in `template`, else the primary path."""
        return self.paths.get(template, self.primary)

    @property
    def excerpt(self) -> str:
        """The first paragraph cut to a list-page teaser."""
        return excerpt(next((b.text for b in self.blocks if b.kind == "paragraph"), self.title))


#: Spam links `planted` adds, one per seed page (portal template) in turn: (anchor, URL).
PLANTED_SPAM: Final = (
    ("京东e卡回收秒到账", "https://ka-huishou.example/e"),
    ("USDT高价回收 币圈交易所", "https://usdt-otc.example/buy"),
    ("网贷黑户也能借款 当天放款", "https://daikuan.example/apply"),
)


@functools.cache
def build_site(planted: int = 0) -> DemoSite:
    """The demo site built from the bundled seeds (cached; identical in every process).

    `planted` > 0 injects that many spam links into seed pages' related blocks (an attacker's
    edit between two nightly crawls), for `farmaudit audit NEW --since OLD` to find.
    """
    return make_site(load_seeds(), planted=planted)


def make_site(seeds: Sequence[Seed], *, planted: int = 0) -> DemoSite:
    """Build the demo site from `seeds` (uncached; for tests with hand-made seeds)."""
    if not seeds:
        raise ValueError("make_site needs at least one seed, got none")
    entries = _entries(seeds)
    return _Builder(entries, planted).build()


def planted_links(planted: int, seed_paths: Sequence[str]) -> list[tuple[str, str, str]]:
    """(page path, anchor, URL) of the first `planted` spam links, over `seed_paths` in turn."""
    links = []
    for i in range(planted):
        anchor, url = PLANTED_SPAM[i % len(PLANTED_SPAM)]
        suffix = f"?n={i}" if i >= len(PLANTED_SPAM) else ""  # each planted link distinct
        links.append((seed_paths[i % len(seed_paths)], anchor, url + suffix))
    return links


def category_for(title: str) -> Category:
    """The column a title files under: the first category with a word in the title."""
    return next((cat for cat in CATEGORIES if any(w in title for w in cat.words)), CATEGORIES[-1])


def _entries(seeds: Sequence[Seed]) -> list[_Entry]:
    """Seeds first (in every template), then each new related title in first-seen order."""
    entries: list[_Entry] = []
    seen: set[str] = set()
    for seed in seeds:
        index = len(entries)
        paths = {"portal": f"/article/{quote(seed.slug)}.html", "dede": _dede_path(index)}
        entries.append(
            _Entry(
                index,
                seed.title,
                seed.published_raw,
                category_for(seed.title),
                seed.blocks,
                tuple(seed.related),
                seed.slug,
                paths,
            )
        )
        seen.add(seed.title)
    pool: list[str] = []
    for seed in seeds:
        for title in seed.related:
            if title not in seen:
                seen.add(title)
                pool.append(title)
    for title in pool:
        index = len(entries)
        template = TEMPLATES[stable_int("template", title) % len(TEMPLATES)]
        path = (
            f"/article/{stable_hex('path', title)}.html"
            if template == "portal"
            else _dede_path(index)
        )
        size = _RELATED_MIN + stable_int("nrelated", title) % (_RELATED_MAX - _RELATED_MIN + 1)
        related = _sample(pool, title, size)
        entries.append(
            _Entry(
                index,
                title,
                publish_raw(title),
                category_for(title),
                article_blocks(title),
                related,
                None,
                {template: path},
            )
        )
    return entries


def _dede_path(index: int) -> str:
    return f"/html/{1001 + index}.html"


def _sample(pool: list[str], title: str, size: int) -> tuple[str, ...]:
    """Up to `size` distinct titles of `pool` other than `title`, picked by hash."""
    picked: list[str] = []
    chosen: set[str] = {title}
    budget = min(size, len(pool) - 1)
    attempt = 0
    while len(picked) < budget:
        candidate = pool[stable_int("related", title, str(attempt)) % len(pool)]
        attempt += 1
        if candidate not in chosen:
            chosen.add(candidate)
            picked.append(candidate)
    return tuple(picked)


@functools.cache
def environment(*, autoescape: bool = True) -> jinja2.Environment:
    """The Jinja2 environment of the site templates (one per process: templates compile once).

    Autoescape everything: titles and related links are scraped text, i.e. hostile. Only the
    farm site (`scraper.demo.farm`) asks for `autoescape=False`, handing in values it escaped.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("scraper.demo", "templates"),
        autoescape=autoescape,  # noqa: S701 - False only for the farm, which escapes its values
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


class _Builder:
    """Renders every page of one site; holds the link tables while it does."""

    def __init__(self, entries: list[_Entry], planted: int = 0) -> None:
        self.entries = entries
        self.planted = planted
        self.by_title = {entry.title: entry for entry in entries}
        self.env = environment()
        self.seeds = [entry for entry in entries if entry.seed_slug is not None]
        self.by_category: dict[str, list[_Entry]] = {cat.slug: [] for cat in CATEGORIES}
        for entry in _newest_first(entries):
            self.by_category[entry.category.slug].append(entry)
        self.nav = [Link("/", "首页")] + [Link(cat.path, cat.name) for cat in CATEGORIES]
        self.search_links = [Link(_search_path(word), word) for word in SEARCH_WORDS]
        # Position of each entry in its column, newest first: for 上一篇/下一篇.
        self.position = {
            id(entry): k for column in self.by_category.values() for k, entry in enumerate(column)
        }
        self.pages: dict[str, DemoResponse] = {}

    def _planted(self) -> list[tuple[str, str, str]]:
        return planted_links(self.planted, [e.paths["portal"] for e in self.seeds])

    def build(self) -> DemoSite:
        list_paths = self._render_lists()
        articles = self._render_articles()
        other_paths = self._render_others()
        disallowed = self._render_disallowed()
        not_found = self._page("page.html", status=404, **NOT_FOUND_PAGE)
        seed_pages = {
            entry.seed_slug: dict(entry.paths)
            for entry in self.seeds
            if entry.seed_slug is not None
        }
        return DemoSite(
            pages=self.pages,
            seed_pages=seed_pages,
            articles=articles,
            list_paths=tuple(list_paths),
            other_paths=tuple(other_paths),
            disallowed_paths=tuple(disallowed),
            not_found=not_found,
            crawl_paths=(*list_paths, *articles, *other_paths),
        )

    # -- shared chrome -------------------------------------------------------------------

    def _common(self, template: str) -> dict[str, Any]:
        return {
            "site_name": SITE_NAME,
            "nav": self.nav,
            "search_links": self.search_links,
            "admin_path": ADMIN_PATH,
            "icp_url": ICP_URL,
            "contact_email": CONTACT_EMAIL,
            "hot_seeds": [Link(e.path_in(template), e.title) for e in self.seeds],
            "friend_links": [],
        }

    def _sidebar(self, template: str, category: Category, current: str) -> list[Link]:
        """热门文章: the seeds (the farm's money pages), then a run of the column's articles."""
        links = [Link(e.path_in(template), e.title) for e in self.seeds][:_SIDEBAR_SIZE]
        column = [e for e in self.by_category[category.slug] if e.seed_slug is None]
        if column:
            start = stable_int("sidebar", current) % len(column)
            for k in range(len(column)):
                if len(links) >= _SIDEBAR_SIZE:
                    break
                entry = column[(start + k) % len(column)]
                href = entry.path_in(template)
                if href != current:
                    links.append(Link(href, entry.title))
        return links

    def _page(self, template_name: str, *, status: int = 200, **context: Any) -> DemoResponse:
        html = self.env.get_template(template_name).render(**self._common("portal"), **context)
        return DemoResponse(status, HTML_TYPE, html.encode("utf-8"))

    # -- lists ---------------------------------------------------------------------------

    def _render_lists(self) -> list[str]:
        paths = self._render_list(None, _newest_first(self.entries))
        for cat in CATEGORIES:
            if self.by_category[cat.slug]:
                paths.extend(self._render_list(cat, self.by_category[cat.slug]))
        return paths

    def _render_list(self, category: Category | None, entries: list[_Entry]) -> list[str]:
        pages = max(1, math.ceil(len(entries) / PER_PAGE))
        page_paths = [_list_path(category, number) for number in range(1, pages + 1)]
        for number, path in enumerate(page_paths, start=1):
            chunk = entries[(number - 1) * PER_PAGE : number * PER_PAGE]
            items = [
                {
                    "href": entry.primary,
                    "title": entry.title,
                    "date": entry.published_raw[:10],
                    "excerpt": entry.excerpt,
                }
                for entry in chunk
            ]
            name = category.name if category else "最新文章"
            page_title = name if number == 1 else f"{name} 第{number}页"
            if category is None and number == 1:
                page_title = "分期购物与消费金融知识分享"
            sidebar_cat = category or CATEGORIES[-1]
            self.pages[path] = self._page(
                "list.html",
                page_title=page_title,
                heading=name,
                category=category,
                items=items,
                pager=_pager(page_paths, number),
                sidebar=self._sidebar("portal", sidebar_cat, path),
                mirrors=[Link(e.path_in("dede"), e.title) for e in self.seeds],
            )
        return page_paths

    # -- articles ------------------------------------------------------------------------

    def _render_articles(self) -> dict[str, ArticlePage]:
        articles: dict[str, ArticlePage] = {}
        for entry in self.entries:
            column = self.by_category[entry.category.slug]
            position = self.position[id(entry)]
            newer = column[position - 1] if position > 0 else None
            older = column[position + 1] if position + 1 < len(column) else None
            for template, path in entry.paths.items():
                page = ArticlePage(
                    path=path,
                    template=template,
                    title=entry.title,
                    published_raw=entry.published_raw,
                    category=entry.category,
                    blocks=entry.blocks,
                    related=entry.related,
                    seed_slug=entry.seed_slug,
                )
                related = [
                    Link(self.by_title[title].path_in(template), title) for title in entry.related
                ]
                related += [
                    Link(url, anchor)
                    for page_path, anchor, url in self._planted()
                    if page_path == path
                ]
                html = self.env.get_template(f"article_{template}.html").render(
                    **self._common(template),
                    page=page,
                    related=related,
                    sidebar=self._sidebar(template, entry.category, path),
                    prev=Link(older.path_in(template), older.title) if older else None,
                    next=Link(newer.path_in(template), newer.title) if newer else None,
                    views=100 + stable_int("views", entry.title) % 9900,
                    keywords=",".join(keywords(entry.title)[:3]),
                    description=entry.excerpt,
                )
                self.pages[path] = DemoResponse(200, HTML_TYPE, html.encode("utf-8"))
                articles[path] = page
        return articles

    # -- other pages ---------------------------------------------------------------------

    def _render_others(self) -> list[str]:
        pages = other_pages(SITE_NAME, CONTACT_EMAIL)
        for path, heading, paragraphs in pages:
            self.pages[path] = self._page(
                "page.html", page_title=heading, heading=heading, paragraphs=paragraphs, links=[]
            )
        return [path for path, _, _ in pages]

    def _render_disallowed(self) -> list[str]:
        """Pages only a robots-ignoring crawler sees: search results and the admin login."""
        paths: list[str] = []
        for word in SEARCH_WORDS:
            path = _search_path(word)
            hits = [Link(e.primary, e.title) for e in self.entries if word in e.title][:PER_PAGE]
            self.pages[path] = self._page(
                "page.html",
                page_title=f"搜索:{word}",
                heading=f"“{word}”的搜索结果",
                paragraphs=[f"共找到 {len(hits)} 篇相关文章。"],
                links=hits,
            )
            paths.append(path)
        self.pages[ADMIN_PATH] = self._page("page.html", **LOGIN_PAGE)
        paths.append(ADMIN_PATH)
        return paths


def _newest_first(entries: list[_Entry]) -> list[_Entry]:
    return sorted(entries, key=lambda e: (e.published_raw, -e.index), reverse=True)


def _list_path(category: Category | None, number: int) -> str:
    if category is None:
        return "/" if number == 1 else f"/page/{number}.html"
    return category.path if number == 1 else f"{category.path}{number}.html"


def _search_path(word: str) -> str:
    return f"/search?q={quote(word)}"


def _pager(page_paths: list[str], number: int) -> dict[str, Any]:
    """Links of a DedeCMS-style pager: 首页 上一页 1 2 3 下一页 末页."""
    last = len(page_paths)
    return {
        "first": page_paths[0] if number > 1 else None,
        "prev": page_paths[number - 2] if number > 1 else None,
        "numbers": [
            (n, page_paths[n - 1] if n != number else None)
            for n in range(max(1, number - _PAGER_SPAN), min(last, number + _PAGER_SPAN) + 1)
        ],
        "next": page_paths[number] if number < last else None,
        "last": page_paths[-1] if number < last else None,
        "total": last,
    }
