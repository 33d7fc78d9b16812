"""The crawl frontier: which URLs the farm spider fetches, once each, within its budgets.

The spider finds URLs (start URLs, sitemap entries, a page's links) and hands them to its
frontier; the frontier decides what becomes a request, a trap row, or nothing, and builds the
requests. One implementation is chosen per crawl from FARMAUDIT_FRONTIER, as Scrapy chooses its
scheduler (`scrapy.utils.misc.load_object`, built with `from_crawler`):

- `LocalFrontier` (the default): the seen set and the page budgets live in this process, the
  requests wait in Scrapy's scheduler (breadth-first, see `scraper.queues`), and a resumed
  crawl rebuilds all of it from the dataset (`pipelines.store.dataset.resume_state`).
- `scraper.cluster.frontier.RedisFrontier` (set by `cluster_settings` with --redis): the seen
  set, the budgets and the queue live in Redis and several processes share them.

Both cap the links followed from one page (FARMAUDIT_MAX_OUTLINKS): the new in-scope links past
the cap are not followed from that page; they are counted (`farmaudit/outlinks_capped`, and the
pages that hit the cap in `farmaudit/outlinks_capped_pages`), not recorded as rows.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from typing import TYPE_CHECKING, Any, Protocol, Self

import scrapy
from scrapy.utils.sitemap import Sitemap

from pipelines.store.urls import crawl_key, date_pattern, host_of, normalize_url, trap_reason
from scraper.cluster.model import PAGE, SITEMAP, Entry
from scraper.targets import allowed_sites_for, site_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from pipelines.store.dataset import CrawlManifest, ResumeState
    from pipelines.store.records import FetchRecord
    from pipelines.store.start import Start

logger = logging.getLogger(__name__)

#: A packed page request: (url, depth, referrer, Referer header, start request?).
Packed = tuple[str, int, str | None, bytes | None, bool]

#: The meta of a page request as `page_request` makes it (scraper.queues packs those).
_PAGE_META_KEYS = frozenset({"depth", "farm", "farm_referrer"})
_START_PAGE_META_KEYS = _PAGE_META_KEYS | {"is_start_request"}


class FrontierSpider(Protocol):
    """What a frontier needs of its spider: the callbacks of its requests and its rows."""

    def parse(self, response: Response) -> Iterator[Any]: ...

    def parse_sitemap(self, response: Response) -> Iterator[Any]: ...

    def on_error(self, failure: Failure) -> Iterator[Any]: ...

    def row(self, url: str, error: str, *, depth: int, referrer: str | None) -> FetchRecord: ...


class Frontier(ABC):
    """The frontier of one crawl process; the spider calls it, Scrapy's queues pack with it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.date_pages = settings.getint("FARMAUDIT_TRAP_DATE_PAGES")
        self.max_outlinks = settings.getint("FARMAUDIT_MAX_OUTLINKS")
        #: Crawl keys requested, recorded, offered or claimed: never requested again from here.
        self.seen: set[str] = set()
        self.manifest: CrawlManifest
        self.already_finished = False
        self._spider: FrontierSpider | None = None
        self._allowed: frozenset[str] = frozenset()
        self.sitemaps: set[str] = set()
        # Counts added to the stats now and then (seeding happens before the crawler has stats,
        # and a counter is cheaper than a stats call per link).
        self.early_stats: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """The frontier named by FARMAUDIT_FRONTIER for `crawler`."""
        return cls(crawler)

    # --- starting ------------------------------------------------------------------------

    @property
    def joins(self) -> bool:
        """Whether this process works on a crawl someone else started (no start URLs needed)."""
        return False

    @property
    def is_live(self) -> Callable[[str], bool] | None:
        """Whether a crawl id is being worked on elsewhere right now (None: only here)."""
        return None

    @abstractmethod
    def open(self, spider: FrontierSpider, started: Start, root: Path) -> None:
        """Take the crawl `started` decided on: resume it, seed it, or join it."""

    def adopt(self, manifest: CrawlManifest) -> None:
        """Work under `manifest`: its scope and budgets."""
        self.manifest = manifest
        self.already_finished = manifest.status == "finished"
        # By site (host and port), from the start URLs: manifest.allowed_hosts has no ports.
        self._allowed = allowed_sites_for(manifest.start_urls + manifest.sitemap_urls)
        self.sitemaps = {crawl_key(url) for url in manifest.sitemap_urls}

    @abstractmethod
    def start(self) -> Iterator[Any]:
        """The spider's first requests and rows."""

    @property
    def spider(self) -> FrontierSpider:
        """The spider this frontier was opened for."""
        assert self._spider is not None, "the frontier is not open"
        return self._spider

    # --- what to fetch -------------------------------------------------------------------

    def in_scope(self, url: str) -> bool:
        """Whether `url` is on one of the crawl's sites (the same host on another port is
        another site)."""
        return site_of(url) in self._allowed

    def follow(self, urls: Iterable[str], *, depth: int, referrer: str) -> Iterator[Any]:
        """Requests (or trap rows) for the links of page `referrer` that are new and in scope,
        at most FARMAUDIT_MAX_OUTLINKS of them."""
        fresh: list[Entry] = []
        capped: set[str] = set()
        for url in urls:
            key = crawl_key(url)
            if key in self.seen:
                continue
            if not self.in_scope(key):
                # Counted, not recorded: never fetched, and the links table holds them already.
                self.seen.add(key)
                self.early_stats["farmaudit/offsite_links"] += 1
                continue
            if self.max_outlinks and len(fresh) >= self.max_outlinks:
                capped.add(key)  # not seen: another page may still lead to it
                continue
            self.seen.add(key)
            fresh.append(Entry(key, depth, referrer, PAGE))
        if capped:
            self.note_capped(referrer, len(capped))
        return self.admit(fresh)

    def note_capped(self, referrer: str | None, count: int) -> None:
        """Count the links of `referrer` not followed past FARMAUDIT_MAX_OUTLINKS."""
        self.early_stats["farmaudit/outlinks_capped"] += count
        self.early_stats["farmaudit/outlinks_capped_pages"] += 1
        logger.info(
            "not following %d more links of %s (FARMAUDIT_MAX_OUTLINKS=%d)",
            count,
            referrer,
            self.max_outlinks,
        )

    @abstractmethod
    def admit(self, entries: list[Entry]) -> Iterator[Any]:
        """Requests or trap rows for fresh entries (already marked seen here)."""

    def resumed_entries(self, state: ResumeState) -> list[Entry]:
        """The frontier a resumed crawl recorded, in scope, within depth and the outlink cap."""
        per_referrer: Counter[str | None] = Counter()
        entries = []
        for url, depth, referrer in state.frontier:
            if depth > self.manifest.max_depth or not self.in_scope(url):
                continue
            if self.max_outlinks and referrer is not None:
                per_referrer[referrer] += 1
                if per_referrer[referrer] > self.max_outlinks:
                    continue
            entries.append(Entry(url, depth, referrer, PAGE))
        return entries

    def sitemap_entries(self, response: Response) -> Iterator[Entry]:
        """The in-scope entries of a sitemap or sitemap index: nested sitemaps and pages."""
        for item in Sitemap(response.body):
            url = normalize_url(item.get("loc", ""), response.url)
            if url is None or not self.in_scope(url):
                continue
            if url.endswith((".xml", ".xml.gz")):
                yield Entry(url, 0, None, SITEMAP)
            else:
                if self.crawler.stats is not None:  # the progress line's total
                    self.crawler.stats.inc_value("farmaudit/sitemap_pages")
                yield Entry(url, 0, response.url, PAGE)

    @abstractmethod
    def read_sitemap(self, response: Response) -> Iterator[Any]:
        """Requests or rows for what a fetched sitemap lists."""

    def claim(self, key: str) -> bool:
        """Mark `key` seen (a redirect target); True if it was not seen before."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    @abstractmethod
    def refund(self, url: str) -> None:
        """`url` was scheduled but not fetched (robots.txt refused it): give back its budget."""

    def trap_text(self, key: str) -> str:
        """Why `key` was taken for a trap."""
        return trap_reason(key) or f"more than {self.date_pages} pages shaped {date_pattern(key)}"

    def flush_stats(self) -> None:
        """Add the counts gathered so far to the crawl's stats."""
        stats = self.crawler.stats
        if stats is None:
            return
        for name, count in self.early_stats.items():
            stats.inc_value(name, count)
        self.early_stats.clear()

    # --- requests ------------------------------------------------------------------------

    def request_for(self, entry: Entry) -> scrapy.Request:
        """The request for a frontier entry."""
        if entry.kind == SITEMAP:
            return self.sitemap_request(entry.url)
        return self.page_request(entry.url, depth=entry.depth, referrer=entry.referrer)

    def sitemap_request(self, url: str) -> scrapy.Request:
        """The request for a sitemap."""
        spider = self.spider
        return scrapy.Request(
            url, callback=spider.parse_sitemap, errback=spider.on_error, dont_filter=True
        )

    def page_request(self, key: str, *, depth: int, referrer: str | None) -> scrapy.Request:
        """The request for a page at `depth` found on `referrer`."""
        spider = self.spider
        return scrapy.Request(
            key,
            callback=spider.parse,
            errback=spider.on_error,
            dont_filter=True,  # deduplicated by the frontier, by crawl key
            priority=-depth,  # breadth-first, also for a resumed frontier
            meta={
                "depth": depth,
                "depth_reset": depth == 0,  # sitemap entries start at depth 0
                "farm": True,
                "farm_referrer": referrer,
            },
        )

    # --- compact scheduler entries (scraper.queues) ---------------------------------------

    def pack_request(self, request: scrapy.Request) -> Packed | None:
        """(url, depth, referrer, Referer header, start?) for a request `page_request` made
        and nobody changed since but Scrapy's spider middlewares (DepthMiddleware pops
        `depth_reset`, RefererMiddleware sets the Referer header); else None (a retry or
        redirect adds meta keys, so it stays a Request)."""
        meta = request.meta
        keys = meta.keys()
        start = "is_start_request" in keys
        if not (keys == _PAGE_META_KEYS or (start and keys == _START_PAGE_META_KEYS)):
            return None
        depth = meta["depth"]
        headers = request.headers
        referer = headers.get(b"Referer") if len(headers) == 1 else None
        spider = self.spider
        if not (
            request.callback == spider.parse
            and request.errback == spider.on_error
            and request.method == "GET"
            and request.dont_filter
            and request.priority == -depth
            and meta["farm"] is True
            and meta.get("is_start_request", True) is True
            and not request.body
            and (not headers or (referer is not None and len(headers.getlist(b"Referer")) == 1))
            and not request.cookies
            and not request.cb_kwargs
            and not request.flags
        ):
            return None
        return (request.url, depth, meta["farm_referrer"], referer, start)

    def unpack_request(self, packed: Packed) -> scrapy.Request:
        """The request `pack_request` packed."""
        url, depth, referrer, referer, start = packed
        request = self.page_request(url, depth=depth, referrer=referrer)
        del request.meta["depth_reset"]  # as DepthMiddleware left it
        if referer is not None:
            request.headers[b"Referer"] = referer
        if start:
            request.meta["is_start_request"] = True
        return request


class LocalFrontier(Frontier):
    """The frontier of a crawl in one process: seen set and budgets here, requests in Scrapy's
    scheduler; on resume, rebuilt from what the dataset holds."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Page budgets: requests scheduled in all, per host and per calendar shape.
        self._scheduled = 0
        self._per_host: Counter[str] = Counter()
        self._per_date_pattern: Counter[str] = Counter()
        self._resume: ResumeState | None = None

    def open(self, spider: FrontierSpider, started: Start, root: Path) -> None:
        """Take a new, resumed or finished crawl."""
        self._spider = spider
        self._resume = started.resume
        self.adopt(started.manifest)

    def start(self) -> Iterator[Any]:
        """Start URLs and sitemaps, or on resume the frontier recorded in the dataset."""
        state = self._resume
        if state is not None:
            self.seen.update(state.done)
            for url in state.tried:
                if url not in self.sitemaps:
                    self._count(url)
            logger.info(
                "resuming %s: %d URLs done, %d in the frontier",
                self.manifest.crawl_id,
                len(state.done),
                len(state.frontier),
            )
        for url in self.sitemaps:
            if url not in self.seen:  # a sitemap that failed has its row already
                yield self.sitemap_request(url)
        for url in self.manifest.start_urls:
            if item := self._request(url, depth=0, referrer=None):
                yield item
        if state is not None:
            for entry in self.resumed_entries(state):
                if item := self._request(entry.url, depth=entry.depth, referrer=entry.referrer):
                    yield item

    def admit(self, entries: list[Entry]) -> Iterator[Any]:
        """A request or trap row per entry within the budgets."""
        for entry in entries:
            if item := self._admit(entry.url, depth=entry.depth, referrer=entry.referrer):
                yield item

    def read_sitemap(self, response: Response) -> Iterator[Any]:
        """Requests for a sitemap's nested sitemaps and its new pages."""
        for entry in self.sitemap_entries(response):
            if entry.kind == SITEMAP:
                yield self.sitemap_request(entry.url)
            elif item := self._request(entry.url, depth=0, referrer=entry.referrer):
                yield item

    def _count(self, url: str) -> None:
        self._scheduled += 1
        self._per_host[host_of(url)] += 1
        if pattern := date_pattern(url):
            self._per_date_pattern[pattern] += 1

    def refund(self, url: str) -> None:
        """--max-pages counts fetched pages: a robots.txt refusal gives its budget back."""
        self._scheduled -= 1
        self._per_host[host_of(url)] -= 1

    def _request(
        self, url: str, *, depth: int, referrer: str | None
    ) -> scrapy.Request | FetchRecord | None:
        """A request for `url`, a trap row instead, or None when seen or over a budget."""
        key = crawl_key(url)
        if key in self.seen:
            return None
        self.seen.add(key)
        return self._admit(key, depth=depth, referrer=referrer)

    def _admit(
        self, key: str, *, depth: int, referrer: str | None
    ) -> scrapy.Request | FetchRecord | None:
        stats = self.early_stats
        if reason := self._trap(key):
            stats["farmaudit/traps"] += 1
            logger.info("not following %s: %s", key, reason)
            return self.spider.row(key, "trap", depth=depth, referrer=referrer)
        limit = self.manifest.max_pages
        if limit is not None and self._scheduled >= limit:
            stats["farmaudit/skipped/max_pages"] += 1
            return None
        host_limit = self.manifest.max_pages_per_host
        if host_limit is not None and self._per_host[host_of(key)] >= host_limit:
            stats["farmaudit/skipped/max_pages_per_host"] += 1
            return None
        self._count(key)
        return self.page_request(key, depth=depth, referrer=referrer)

    def _trap(self, key: str) -> str | None:
        if reason := trap_reason(key):
            return reason
        pattern = date_pattern(key)
        if pattern and self.date_pages and self._per_date_pattern[pattern] >= self.date_pages:
            return f"more than {self.date_pages} pages shaped {pattern} (a calendar)"
        return None
