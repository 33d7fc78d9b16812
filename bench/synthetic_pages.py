"""Benchmark pages with ground truth, beyond the fixture corpus.

Two sets, both deterministic:

- `demo`: every article page of the bundled demo site (`scraper.demo.site.build_site()`) as
  served, with the truth the site records for it (`site.articles`).
- `variants`: each distinct demo article rendered again in the fixture corpus's CMS templates
  (WordPress, DedeCMS, Discuz!, AMP, bare, generic; some with every class and id obfuscated),
  with a date form, related heading and encoding drawn per page: the same combinations the
  corpus covers one at a time, over hundreds of different texts.

The truth is what each page shows, computed from the article and the chosen presentation;
nothing here runs the extractor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench import cms_pages as cms
from pipelines.store.records import RawPage
from scraper.demo.site import ArticlePage, build_site

if TYPE_CHECKING:
    from collections.abc import Callable

    from scraper.demo.seeds import Block

BASE = "http://127.0.0.1:8610"
DEMO_FETCHED_AT = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BenchPage:
    """A page as served and what it shows (the fields of the corpus's expected.json)."""

    name: str
    raw: RawPage
    truth: dict[str, Any]
    #: How the page was made (template, date form, encoding), for per-kind figures.
    kind: dict[str, str] = field(default_factory=dict)


def _paragraphs(blocks: tuple[Block, ...]) -> list[str]:
    return [block.text for block in blocks if block.kind == "paragraph"]


def article_truth(
    article: ArticlePage, published: tuple[str | None, str | None], without: list[str]
) -> dict[str, Any]:
    """The expected fields of a demo article shown with a given date."""
    procedures = [block.steps for block in article.blocks if block.is_procedure]
    texts = _paragraphs(article.blocks)
    with_ = list(dict.fromkeys([texts[0][:18], texts[len(texts) // 2][:18], texts[-1][-18:]]))
    related = list(article.related)
    return cms.expected(
        title=article.title,
        published_at=published[0],
        published_raw=published[1],
        steps=[
            {"procedure": k, "number": s.number, "heading": s.heading, "text": s.text}
            for k, steps in enumerate(procedures, start=1)
            for s in steps
        ],
        related=related,
        body_with=with_,
        body_without=[*related[:1], *related[-1:], *without],
    )


def demo_pages() -> list[BenchPage]:
    """Every article page of the demo site, as the site serves it."""
    site = build_site()
    out = []
    for path, article in site.articles.items():
        response = site.pages[path]
        raw = RawPage(
            url=BASE + path,
            final_url=BASE + path,
            status=response.status,
            headers={"content-type": response.content_type},
            body=response.body,
            encoding=None,
            fetched_at=DEMO_FETCHED_AT,
            crawl_id="bench",
        )
        shown = article.published_raw
        out.append(
            BenchPage(f"demo{path}", raw, article_truth(article, (cms.beijing(shown), shown), []))
        )
    return out


# --- variants --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Date:
    """How a page shows its date, and what the extractor should read from it."""

    html: str
    head: str
    url_date: str
    fetched_at: datetime
    published: tuple[str | None, str | None]


def _date_form(form: str, shown: str, rng: random.Random) -> _Date:
    """Present the Beijing wall time `shown` ("2024-05-31 01:43:35") in a date form."""
    when = datetime.fromisoformat(shown)
    y, m, d = when.year, when.month, when.day
    hm = f"{when:%H:%M}"
    day = f"{when:%Y-%m-%d}"
    iso = f"{when:%Y-%m-%dT%H:%M:%S}+08:00"
    exact = cms.beijing(shown)
    midnight = cms.beijing(day)
    # Fetched three days later at noon, Beijing time (04:00 UTC).
    fetched = datetime(y, m, d, 4, tzinfo=UTC) + timedelta(days=3)
    if form == "label":
        return _Date(f"<span>发布时间:{shown}</span>", "", "", fetched, (exact, shown))
    if form == "label-minutes":
        raw = f"{day} {hm}"
        return _Date(f"<small>时间:</small>{raw}", "", "", fetched, (cms.beijing(raw), raw))
    if form == "cjk":
        raw = f"{y}年{m}月{d}日 {hm}"
        return _Date(f"<span>{raw}</span>", "", "", fetched, (cms.beijing(f"{day} {hm}"), raw))
    if form == "cjk-padded":
        raw = f"{when:%Y}年{when:%m}月{when:%d}日"
        return _Date(f"<span>发布日期:{raw}</span>", "", "", fetched, (midnight, raw))
    if form == "slash":
        raw = f"{when:%Y/%m/%d}"
        return _Date(f"<span>{raw}</span>", "", "", fetched, (midnight, raw))
    if form == "month-day":
        raw = f"{when:%m-%d}"
        return _Date(f"<span>{raw}</span>", "", "", fetched, (midnight, raw))
    if form == "days-ago":
        n = rng.randint(2, 6)
        later = datetime(y, m, d, 4, tzinfo=UTC) + timedelta(days=n)
        return _Date(f"<span>{n}天前</span>", "", "", later, (midnight, f"{n}天前"))
    if form == "yesterday":
        later = datetime(y, m, d, 4, tzinfo=UTC) + timedelta(days=1)
        raw = f"昨天 {hm}"
        return _Date(
            f"<span>发布时间:{raw}</span>", "", "", later, (cms.beijing(f"{day} {hm}"), raw)
        )
    if form == "og-meta":
        head = f'<meta property="article:published_time" content="{iso}">'
        return _Date("", head, "", fetched, (exact, iso))
    if form == "jsonld":
        head = cms.jsonld(
            {"@context": "https://schema.org", "@type": "Article", "datePublished": iso}
        )
        return _Date("", head, "", fetched, (exact, iso))
    if form == "time":
        html = f'<span><time datetime="{iso}">{m}月{d}日</time></span>'
        return _Date(html, "", "", fetched, (exact, iso))
    if form == "url":
        raw = f"{when:%Y}/{when:%m%d}"
        return _Date("", "", raw, fetched, (midnight, raw))
    if form == "discuz":
        raw = f"{y}-{m}-{d} {hm}"
        return _Date(f"发表于 {raw}", "", "", fetched, (cms.beijing(f"{day} {hm}"), raw))
    return _Date("", "", "", fetched, (None, None))  # "none"


DATE_FORMS = (
    "label",
    "label-minutes",
    "cjk",
    "cjk-padded",
    "slash",
    "month-day",
    "days-ago",
    "yesterday",
    "og-meta",
    "jsonld",
    "time",
    "url",
    "none",
)
#: Template name → (renderer, body style, may the related block be untitled).
TEMPLATES: dict[str, tuple[Callable[[cms.Page], str], str, bool]] = {
    "wordpress": (cms.wordpress, "wp", False),
    "dede": (cms.dede, "dede", False),
    "discuz": (cms.discuz, "discuz", False),
    "amp": (cms.amp, "wp", False),
    "bare": (cms.bare, "bare", True),
    "modern": (cms.modern, "wp", True),
}
RELATED_HEADINGS = ("相关内容", "相关文章", "猜你喜欢", "推荐阅读", "延伸阅读", "相关阅读")
#: (codec, content-type header, meta charset) per encoding variant; meta None = none.
ENCODINGS = (
    ("utf-8", "text/html; charset=utf-8", "utf-8"),
    ("utf-8", "text/html", None),
    ("gbk", "text/html", "gbk"),
    ("gbk", "text/html", None),
    ("gbk", "text/html; charset=iso-8859-1", None),
    ("gbk", "text/html; charset=utf-8", "gb2312"),
)


def _variant(article: ArticlePage, index: int, rng: random.Random) -> BenchPage:
    template = rng.choice(sorted(TEMPLATES))
    render, style, untitled_ok = TEMPLATES[template]
    form = "discuz" if template == "discuz" and rng.random() < 0.5 else rng.choice(DATE_FORMS)
    date = _date_form(form, article.published_raw, rng)
    headings: list[str | None] = list(RELATED_HEADINGS)
    if untitled_ok:
        headings.append(None)
    heading = rng.choice(headings)
    codec, content_type, charset = rng.choice(ENCODINGS)
    obfuscated = rng.random() < 0.2
    options: dict[str, Any] = {"related_markup": "ul" if heading is None else "h3"}
    page = cms.Page(
        title=article.title,
        body=cms.render_blocks(article.blocks, style),
        date=date.html,
        related=article.related,
        related_heading=heading,
        head=date.head,
        charset=charset,
        options=options,
    )
    html = render(page)
    if obfuscated:
        html = cms.obfuscate(html)
    path = f"/{date.url_date}/{index}.html" if date.url_date else f"/a/{index}.html"
    url = f"https://www.variant{index % 7}.example{path}"
    body = html.encode(codec, errors="xmlcharrefreplace")
    raw = RawPage(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": content_type},
        body=body,
        encoding=None,
        fetched_at=date.fetched_at,
        crawl_id="bench",
    )
    name = f"variant-{index}-{template}{'-obf' if obfuscated else ''}-{form}-{codec}"
    declared = "declared" if charset or "charset" in content_type else "undeclared"
    kind = {
        "template": template + (" (obfuscated)" if obfuscated else ""),
        "date form": form,
        "encoding": f"{codec}, {declared}"
        if "iso-8859-1" not in content_type
        else f"{codec}, latin-1 header",
    }
    return BenchPage(name, raw, article_truth(article, date.published, [cms.FOOTER_TEXT]), kind)


def variant_pages(per_article: int = 5, seed: int = 4) -> list[BenchPage]:
    """`per_article` random presentations of each distinct demo article."""
    rng = random.Random(seed)
    seen: set[str] = set()
    articles = []
    for article in build_site().articles.values():
        if article.title not in seen:
            seen.add(article.title)
            articles.append(article)
    out: list[BenchPage] = []
    for article in articles:
        for _ in range(per_article):
            out.append(_variant(article, len(out), rng))
    return out
