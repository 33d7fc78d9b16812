"""The farm spider: fetch, keep in scope, follow, and record raw pages. It parses no article fields.

    scrapy crawl farm -a urls=https://example.org/ -s FARMAUDIT_OUTPUT=datasets/example
    scrapy crawl farm -a urls_file=seeds.txt -a sitemap=https://example.org/sitemap.xml ...

Resume comes from the dataset itself: URLs with a fetch row are done, link targets of fetched
pages that are not done form the frontier (see `pipelines.dataset.resume_state`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from pipelines.dataset import CrawlManifest, new_crawl_id, prepare_output, resume_state
from pipelines.records import FetchRecord, RawPage
from pipelines.urls import host_of, normalize_url
from scraper.discover import base_href, iter_hrefs
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
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_ERROR_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    # Scrapy's own download errors (2.14+), then the Twisted ones older paths still raise.
    (CannotResolveHostError, "dns"),
    (DownloadTimeoutError, "timeout"),
    (DownloadConnectionRefusedError, "refused"),
    (ResponseDataLossError, "truncated"),
    (DownloadFailedError, "reset"),
    (DNSLookupError, "dns"),
    (TimeoutError, "timeout"),
    (TCPTimedOutError, "timeout"),
    (ConnectionRefusedError, "refused"),
    (ConnectionLost, "reset"),
    (ResponseFailed, "reset"),
    (ResponseNeverReceived, "reset"),
    (ConnectError, "connect"),
)


def crawl_request(
    urls: list[str],
    sitemaps: list[str],
    *,
    max_depth: int,
    max_pages: int,
    allow_private: bool,
) -> CrawlManifest:
    """The manifest of a new crawl of `urls` and `sitemaps`, after checking every target."""
    if not urls and not sitemaps:
        raise TargetError("no start URL given: pass URLs, a URL file or a sitemap URL")
    if max_depth < 0:
        raise TargetError(f"max depth {max_depth!r} must be 0 or more")
    if max_pages < 0:
        raise TargetError(f"max pages {max_pages!r} must be 0 (no limit) or more")
    if not allow_private:
        for url in urls + sitemaps:
            check_public(url)
    return CrawlManifest(
        crawl_id=new_crawl_id(),
        start_urls=urls,
        sitemap_urls=sitemaps,
        allowed_hosts=allowed_hosts_for(urls + sitemaps),
        max_depth=max_depth,
        max_pages=max_pages or None,
        created_at=datetime.now(UTC).isoformat(),
        farmaudit_version=FARMAUDIT_VERSION,
    )


class FarmSpider(scrapy.Spider):
    """Crawls the start sites' hosts breadth-first and yields a RawPage per HTML page."""

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
        self.manifest: CrawlManifest
        self.already_finished = False
        self._seen: set[str] = set()
        self._scheduled = 0
        self._start_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Check the targets and prepare the dataset before the first request."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        """Build the crawl request from arguments and settings; prepare or resume the dataset."""
        settings = crawler.settings
        output = settings.get("FARMAUDIT_OUTPUT")
        if not output:
            raise TargetError("FARMAUDIT_OUTPUT is not set: pass -s FARMAUDIT_OUTPUT=datasets/NAME")
        urls = parse_url_lines(self._urls_arg.replace(",", " ").split(), "-a urls")
        if self._urls_file:
            urls += read_url_file(Path(self._urls_file))
        sitemaps = parse_url_lines(self._sitemap_arg.replace(",", " ").split(), "-a sitemap")
        wanted = crawl_request(
            list(dict.fromkeys(urls)),
            sitemaps,
            max_depth=settings.getint("FARMAUDIT_MAX_DEPTH"),
            max_pages=settings.getint("FARMAUDIT_MAX_PAGES"),
            allow_private=settings.getbool("FARMAUDIT_ALLOW_PRIVATE"),
        )
        root = Path(output)
        self.manifest = prepare_output(
            root, wanted, overwrite=settings.getbool("FARMAUDIT_OVERWRITE")
        )
        self.already_finished = self.manifest.status == "finished"
        self._allowed = frozenset(self.manifest.allowed_hosts)
        self._start_urls = set(self.manifest.start_urls)
        self._root = root

    # --- what to fetch -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """Start URLs and sitemaps, or on resume the frontier recorded in the dataset."""
        if self.already_finished:
            logger.info("%s is already finished; nothing to do", self.manifest.describe())
            return
        state = resume_state(self._root) if self.manifest.runs > 1 else None
        if state is not None:
            self._seen.update(state.done)
            logger.info(
                "resuming %s: %d URLs done, %d in the frontier",
                self.manifest.crawl_id,
                len(state.done),
                len(state.frontier),
            )
        for url in self.manifest.sitemap_urls:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error)
        for url in self.manifest.start_urls:
            if request := self._request(url, depth=0, referrer=None):
                yield request
        if state is not None:
            for url, depth, referrer in state.frontier:
                if depth > self.manifest.max_depth or not self._in_scope(url):
                    continue
                if request := self._request(url, depth=depth, referrer=referrer):
                    yield request

    def _in_scope(self, url: str) -> bool:
        return host_of(url) in self._allowed

    def _request(self, url: str, *, depth: int, referrer: str | None) -> scrapy.Request | None:
        if url in self._seen:
            return None
        self._seen.add(url)
        limit = self.manifest.max_pages
        if limit is not None and self._scheduled >= limit:
            return None
        self._scheduled += 1
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"depth": depth, "farm_referrer": referrer},
        )

    def parse_sitemap(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        """Follow the URLs of a sitemap or sitemap index that are in scope."""
        for entry in Sitemap(response.body):
            url = normalize_url(entry.get("loc", ""), response.url)
            if url is None or not self._in_scope(url):
                continue
            if url.endswith((".xml", ".xml.gz")):
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error)
            elif request := self._request(url, depth=0, referrer=response.url):
                yield request

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
        fetched_at = datetime.now(UTC)
        final_url = normalize_url(response.url) or response.url
        self._seen.add(final_url)
        if not isinstance(response, TextResponse) or "html" not in headers.get(
            "content-type", "text/html"
        ):
            yield FetchRecord(
                url=original,
                final_url=final_url,
                status=response.status,
                error="not_html",
                bytes=len(response.body),
                elapsed_ms=_elapsed(meta),
                depth=depth,
                referrer=referrer,
                fetched_at=fetched_at,
                crawl_id=self.manifest.crawl_id,
            )
            return
        yield RawPage(
            url=original,
            final_url=final_url,
            status=response.status,
            headers=headers,
            body=response.body,
            encoding=response.encoding,
            fetched_at=fetched_at,
            depth=depth,
            referrer=referrer,
            elapsed_ms=_elapsed(meta),
            crawl_id=self.manifest.crawl_id,
        )
        if depth >= self.manifest.max_depth:
            return
        yield from self._follow(response.text, final_url, depth + 1)

    def _follow(self, markup: str, page_url: str, depth: int) -> Iterator[scrapy.Request]:
        # Filter before building Requests: most of a farm page's ~100 links are already seen,
        # and a Request costs far more than a set lookup.
        base = base_href(markup)
        base_url = normalize_url(base, page_url) if base else page_url
        stats = self.crawler.stats
        assert stats is not None
        for href in iter_hrefs(markup):
            url = normalize_url(href, base_url)
            if url is None or url in self._seen:
                continue
            if not self._in_scope(url):
                self._seen.add(url)
                stats.inc_value("farmaudit/offsite_links")
                continue
            if request := self._request(url, depth=depth, referrer=page_url):
                yield request

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        """Turn a failed fetch into a fetches row (it is data, not only a log line)."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        kind = _error_kind(failure)
        url = request.meta.get("redirect_urls", [request.url])[0]
        if url in self._start_urls or request.callback == self.parse_sitemap:
            stats = self.crawler.stats
            assert stats is not None
            failures = stats.get_value("farmaudit/start_failures", [])
            stats.set_value(
                "farmaudit/start_failures", [*failures, f"{url}: {kind} ({failure.value})"]
            )
        yield FetchRecord(
            url=url,
            final_url=normalize_url(response.url) if response is not None else None,
            status=response.status if response is not None else None,
            error=kind,
            bytes=len(response.body) if response is not None else 0,
            elapsed_ms=_elapsed(request.meta),
            depth=int(request.meta.get("depth", 0)),
            referrer=request.meta.get("farm_referrer"),
            fetched_at=datetime.now(UTC),
            crawl_id=self.manifest.crawl_id,
        )


def _elapsed(meta: dict[str, Any]) -> float | None:
    latency = meta.get("download_latency")
    return round(latency * 1000, 3) if latency is not None else None


def _error_kind(failure: Failure) -> str:
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        return "robots" if "robots.txt" in str(error) else "ignored"
    for error_type, kind in _ERROR_KINDS:
        if isinstance(error, error_type):
            return kind
    return type(error).__name__.lower()
