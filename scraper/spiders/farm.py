"""The farm spider: fetch, keep in scope, follow, and record raw pages. It parses no article fields.

    scrapy crawl farm -a urls=https://example.org/ -s FARMAUDIT_OUTPUT=datasets/example
    scrapy crawl farm -a urls_file=seeds.txt -a sitemap=https://example.org/sitemap.xml ...

Every URL the crawl tries ends as one fetches row: a page, or a failure with its kind (see
`pipelines.store.schema.FETCHES`). URLs are requested and deduplicated by their crawl key
(`pipelines.store.urls.crawl_key`: no tracking or session parameters), and Scrapy's fingerprint
dupefilter is off, since it would drop redirect hops and repeats without a row.

What to fetch, once each and within the budgets, is the frontier's call (`scraper.frontier`:
the seen set, the page budgets, resume from the dataset, the outlink cap), chosen once by
FARMAUDIT_FRONTIER: `LocalFrontier` in this process, or with FARMAUDIT_REDIS_URL set the shared
`scraper.cluster.frontier.RedisFrontier` several processes work on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy.http import TextResponse
from scrapy.utils.misc import build_from_crawler, load_object
from w3lib.encoding import html_to_unicode

from pipelines.components import ConfigError, FetchedPage, output_root
from pipelines.store.dataset import CrawlManifest, new_crawl_id
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.start import StartOptions, start
from pipelines.store.urls import Resolver, crawl_key, normalize_url
from scraper.cluster.components import cluster_settings
from scraper.cluster.model import new_worker_id
from scraper.discover import base_href, iter_hrefs
from scraper.fetcherrors import fetch_error_kind
from scraper.middlewares import RedirectStopped
from scraper.settings import FARMAUDIT_VERSION
from scraper.targets import (
    TargetError,
    allowed_hosts_for,
    check_public,
    parse_url_lines,
    read_url_file,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from scraper.frontier import Frontier

logger = logging.getLogger(__name__)

#: Content types under which an HTML body is still taken for a page (mislabelled farms).
_SNIFFED_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream"})
#: File signatures that mark a body as binary whatever its Content-Type says.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<!--")


def crawl_request(
    urls: list[str],
    sitemaps: list[str],
    *,
    max_depth: int,
    max_pages: int,
    allow_private: bool,
    max_pages_per_host: int = 0,
    private_flag: str = "--allow-private",
) -> CrawlManifest:
    """The manifest of a new crawl of `urls` and `sitemaps`, after checking every target."""
    if not urls and not sitemaps:
        raise TargetError("no start URL given: pass URLs, a URL file or a sitemap URL")
    if max_depth < 0:
        raise TargetError(f"max depth {max_depth!r} must be 0 or more")
    if max_pages < 0:
        raise TargetError(f"max pages {max_pages!r} must be 0 (no limit) or more")
    if max_pages_per_host < 0:
        raise TargetError(f"max pages per host {max_pages_per_host!r} must be 0 (no limit) or more")
    if not allow_private:
        for url in urls + sitemaps:
            check_public(url, private_flag)
    return CrawlManifest(
        crawl_id=new_crawl_id(),
        start_urls=urls,
        sitemap_urls=sitemaps,
        allowed_hosts=allowed_hosts_for(urls + sitemaps),
        max_depth=max_depth,
        max_pages=max_pages or None,
        created_at=datetime.now(UTC).isoformat(),
        farmaudit_version=FARMAUDIT_VERSION,
        max_pages_per_host=max_pages_per_host or None,
    )


class FarmSpider(scrapy.Spider):
    """Crawls the start sites' hosts breadth-first and yields a page or a fetch row per URL.

    What to fetch next is its frontier's call (FARMAUDIT_FRONTIER, `scraper.frontier`).
    """

    name = "farm"

    def __init__(
        self,
        urls: str = "",
        urls_file: str = "",
        sitemap: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._urls_arg = urls
        self._urls_file = urls_file
        self._sitemap_arg = sitemap
        self.frontier: Frontier
        self.manifest: CrawlManifest
        #: Why the crawl was refused before it touched the dataset (`scrapy crawl` only: the
        #: CLI checks the targets itself), or None.
        self.refused: str | None = None
        self._pages_before = 0

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Project settings; on Redis, also the shared frontier and the worker components."""
        super().update_settings(settings)
        if settings.get("FARMAUDIT_REDIS_URL"):
            settings.setdict(cluster_settings(settings), priority="spider")
            if not settings.get("FARMAUDIT_WRITER_ID"):
                settings.set("FARMAUDIT_WRITER_ID", new_worker_id(), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Check the targets and prepare the dataset before the first request."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        """Build the crawl request from arguments and settings; prepare or resume the dataset."""
        settings = crawler.settings
        root = output_root(settings)
        _check_settings(settings)
        frontier_class = load_object(settings["FARMAUDIT_FRONTIER"])
        self.frontier = build_from_crawler(frontier_class, crawler)
        wanted = None
        if not self.frontier.joins:
            urls = parse_url_lines(self._urls_arg.replace(",", " ").split(), "-a urls")
            if self._urls_file:
                urls += read_url_file(Path(self._urls_file))
            sitemaps = parse_url_lines(self._sitemap_arg.replace(",", " ").split(), "-a sitemap")
            try:
                wanted = crawl_request(
                    list(dict.fromkeys(urls)),
                    sitemaps,
                    max_depth=settings.getint("FARMAUDIT_MAX_DEPTH"),
                    max_pages=settings.getint("FARMAUDIT_MAX_PAGES"),
                    max_pages_per_host=settings.getint("FARMAUDIT_MAX_PAGES_PER_HOST"),
                    allow_private=settings.getbool("FARMAUDIT_ALLOW_PRIVATE"),
                    private_flag="-s FARMAUDIT_ALLOW_PRIVATE=true",
                )
            except TargetError as err:
                # One line, not a traceback; the dataset is left untouched.
                logger.error("%s", err)
                self.refused = str(err)
                return
        overwrite = settings.getbool("FARMAUDIT_OVERWRITE")
        started = start(
            StartOptions(root, wanted, overwrite=overwrite, is_live=self.frontier.is_live)
        )
        self.frontier.open(self, started, root)
        self.manifest = self.frontier.manifest
        # For the progress line (stats exist only once the crawl starts): earlier runs' pages.
        self._pages_before = len(started.resume.tried) if started.resume is not None else 0
        self._start_urls = {crawl_key(url) for url in self.manifest.start_urls}

    @property
    def already_finished(self) -> bool:
        """Whether the crawl was finished before this process started: nothing to do."""
        return self.refused is not None or self.frontier.already_finished

    # --- what to fetch -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """What the frontier starts with: start URLs and sitemaps, or a resumed frontier."""
        if self.refused is not None:
            return
        if self.already_finished:
            logger.info("%s is already finished; nothing to do", self.manifest.describe())
            return
        stats = self.crawler.stats
        if stats is not None:  # the progress line's total and counts across resumes
            stats.set_value("farmaudit/pages_before", self._pages_before)
            if self.manifest.max_pages:
                stats.set_value("farmaudit/pages_limit", self.manifest.max_pages)
        for item in self.frontier.start():
            yield item

    def closed(self, reason: str) -> None:
        """Add the frontier's last counts to the crawl's stats."""
        self.frontier.flush_stats()

    def redirect_verdict(self, request: scrapy.Request, target: str) -> str | None:
        """Why a redirect of `request` to `target` is not followed, or None (then claim it)."""
        normalized = normalize_url(target)
        if normalized is None:
            return "off_scope"
        key = crawl_key(normalized)
        if not self.frontier.in_scope(key):
            return "off_scope"
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if normalized in {normalize_url(url) for url in chain}:
            return "redirect_loop"
        # Same key within the chain: a server adding a session id to its own URL.
        if key not in {crawl_key(url) for url in chain} and not self.frontier.claim(key):
            return "duplicate"
        return None

    def parse_sitemap(self, response: scrapy.http.Response) -> Iterator[Any]:
        """Follow the URLs of a sitemap or sitemap index that are in scope."""
        yield from self.frontier.read_sitemap(response)

    # --- what came back ------------------------------------------------------------------

    def parse(self, response: scrapy.http.Response) -> Iterator[Any]:
        """Record the page; follow its in-scope links that were not seen before."""
        meta = response.meta
        depth = int(meta.get("depth", 0))
        original = meta.get("redirect_urls", [response.url])[0]
        referrer = meta.get("farm_referrer")
        headers = {
            key.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
            for key, values in response.headers.items()
        }
        final_url = normalize_url(response.url) or response.url
        retries = int(meta.get("retry_times", 0))
        if not _is_html(headers.get("content-type", ""), response.body):
            yield self.row(
                original,
                "not_html",
                depth=depth,
                referrer=referrer,
                final_url=final_url,
                status=response.status,
                size=len(response.body),
                elapsed_ms=_elapsed(meta),
                retries=retries,
            )
            return
        if isinstance(response, TextResponse):
            encoding, text = response.encoding, response.text
        else:  # HTML served as application/octet-stream
            encoding, text = html_to_unicode(headers.get("content-type"), response.body)
        raw = RawPage(
            url=original,
            final_url=final_url,
            status=response.status,
            headers=headers,
            body=response.body,
            encoding=encoding,
            fetched_at=datetime.now(UTC),
            depth=depth,
            referrer=referrer,
            elapsed_ms=_elapsed(meta),
            crawl_id=self.manifest.crawl_id,
        )
        # Links first: on Redis, a page's row settles its lease, so everything the page leads
        # to (its links in the frontier, its trap rows) must be recorded by then.
        # A page served as text/plain (or another non-HTML type) is kept, not followed.
        mime = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if depth < self.manifest.max_depth and (not mime or "html" in mime):
            yield from list(self._follow(text, final_url, depth + 1))
        yield FetchedPage(raw, retries)

    def _follow(self, markup: str, page_url: str, depth: int) -> Iterator[Any]:
        base = base_href(markup)
        # A <base href> that is no http(s) URL is ignored, as browsers do.
        base_url = (normalize_url(base, page_url) if base else None) or page_url
        resolve = Resolver(base_url).resolve
        urls = (url for href in iter_hrefs(markup) if (url := resolve(href)[0]) is not None)
        return self.frontier.follow(urls, depth=depth, referrer=page_url)

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        """Turn a failed fetch into a fetches row (it is data, not only a log line)."""
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        response = getattr(error, "response", None)
        kind = fetch_error_kind(failure)
        url = request.meta.get("redirect_urls", [request.url])[0]
        if kind == "robots" and request.callback == self.parse:
            self.frontier.refund(url)
        if url in self._start_urls or request.callback == self.parse_sitemap:
            stats = self.crawler.stats
            assert stats is not None
            failures = stats.get_value("farmaudit/start_failures", [])
            stats.set_value("farmaudit/start_failures", [*failures, f"{url}: {kind} ({error})"])
        final_url: str | None
        status: int | None
        if isinstance(error, RedirectStopped):
            final_url, status = normalize_url(error.target) or error.target, error.status
        elif response is not None:
            final_url, status = normalize_url(response.url), response.status
        else:  # failed after redirects: the URL that failed
            final_url, status = (request.url if request.url != url else None), None
        yield self.row(
            url,
            kind,
            depth=int(request.meta.get("depth", 0)),
            referrer=request.meta.get("farm_referrer"),
            final_url=final_url,
            status=status,
            size=len(response.body) if response is not None else 0,
            elapsed_ms=_elapsed(request.meta),
            retries=int(request.meta.get("retry_times", 0)),
        )

    def row(
        self,
        url: str,
        error: str,
        *,
        depth: int,
        referrer: str | None,
        final_url: str | None = None,
        status: int | None = None,
        size: int = 0,
        elapsed_ms: float | None = None,
        retries: int = 0,
    ) -> FetchRecord:
        return FetchRecord(
            url=url,
            final_url=final_url,
            status=status,
            error=error,
            bytes=size,
            elapsed_ms=elapsed_ms,
            depth=depth,
            referrer=referrer,
            fetched_at=datetime.now(UTC),
            crawl_id=self.manifest.crawl_id,
            retries=retries,
        )


#: Numeric settings and their least allowed value, checked before the dataset is touched.
_MINIMUM = {
    "FARMAUDIT_TRAP_DATE_PAGES": 0,
    "FARMAUDIT_MAX_RETRY_AFTER": 0,
    "FARMAUDIT_BACKOFF_SECONDS": 0,
    "FARMAUDIT_BATCH_PAGES": 1,
    "FARMAUDIT_BATCH_SECONDS": 0.001,
}


def _check_settings(settings: BaseSettings) -> None:
    for name, least in _MINIMUM.items():
        try:
            value = settings.getfloat(name)
        except ValueError as err:
            raise ConfigError(f"{name}={settings.get(name)!r} is not a number") from err
        if value < least:
            raise ConfigError(f"{name}={settings.get(name)!r} must be {least} or more")


def _elapsed(meta: dict[str, Any]) -> float | None:
    latency = meta.get("download_latency")
    return round(latency * 1000, 3) if latency is not None else None


def _is_html(content_type: str, body: bytes) -> bool:
    """Whether a response is an HTML page: by its Content-Type, corrected by sniffing the body.

    Binary bodies behind text/html (images, archives, PDFs) are not pages; HTML served as
    text/plain or application/octet-stream is.
    """
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC) or (b"\x00" in head and not head.startswith(_UTF16_BOMS)):
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    if "html" in mime:
        return True
    if mime in _SNIFFED_TYPES:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return start.startswith(_HTML_STARTS)
    return False
