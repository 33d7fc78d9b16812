"""The farm spider: fetch, keep in scope, follow, and record raw pages. It parses no article fields.

    scrapy crawl farm -a urls=https://example.org/ -s FARMAUDIT_OUTPUT=datasets/example
    scrapy crawl farm -a urls_file=seeds.txt -a sitemap=https://example.org/sitemap.xml ...

Every URL the crawl tries ends as one fetches row: a page, or a failure with its kind (see
`pipelines.store.schema.FETCHES`). URLs are requested and deduplicated by their crawl key
(`pipelines.store.urls.crawl_key`: no tracking or session parameters), and Scrapy's fingerprint
dupefilter is off, since it would drop redirect hops and repeats without a row.

Resume comes from the dataset itself: URLs with a fetch row are done, link targets of fetched
pages that are not done form the frontier, and the page budgets count the rows already there
(see `pipelines.store.dataset.resume_state`).

With FARMAUDIT_REDIS_URL set, the seen set, the budgets and the frontier live in Redis and
several processes share them (`scraper.cluster`): the spider offers the URLs it finds to
Redis instead of yielding requests, and its requests come from the shared frontier.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy.http import TextResponse
from scrapy.utils.sitemap import Sitemap
from w3lib.encoding import html_to_unicode

from pipelines.components import ConfigError, FetchedPage, output_root
from pipelines.store.dataset import (
    CrawlManifest,
    ResumeState,
    fetch_outcomes,
    new_crawl_id,
)
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.start import Plan, StartOptions, start
from pipelines.store.urls import (
    Resolver,
    crawl_key,
    date_pattern,
    host_of,
    normalize_url,
    trap_reason,
)
from scraper.cluster.components import cluster_settings, worker_info
from scraper.cluster.model import (
    PAGE,
    SITEMAP,
    Budgets,
    Cluster,
    ClusterError,
    Entry,
    crawl_is_live,
    inflight_field,
    new_worker_id,
    shared_values,
)
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
        max_pages_per_host=max_pages_per_host or None,
    )


class FarmSpider(scrapy.Spider):
    """Crawls the start sites' hosts breadth-first and yields a page or a fetch row per URL."""

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
        #: Crawl keys requested, recorded, or claimed by a redirect: never requested again.
        self._seen: set[str] = set()
        # Page budgets: requests scheduled in all, per host and per calendar shape.
        self._scheduled = 0
        self._per_host: Counter[str] = Counter()
        self._per_date_pattern: Counter[str] = Counter()
        self._resume: ResumeState | None = None
        self._date_pages = 0
        #: The shared frontier when the crawl runs on Redis (FARMAUDIT_REDIS_URL), else None.
        self.cluster: Cluster | None = None
        self._seed_rows: list[FetchRecord] = []
        # Verdicts of the shared frontier, added to the stats now and then (seeding happens
        # before the crawler has stats, and a counter is cheaper than a stats call per link).
        self._early_stats: Counter[str] = Counter()

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Project settings; on Redis, also the shared scheduler and the worker components."""
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
        self._date_pages = settings.getint("FARMAUDIT_TRAP_DATE_PAGES")
        on_redis = bool(settings.get("FARMAUDIT_REDIS_URL"))
        wanted = None
        if not (on_redis and settings.get("FARMAUDIT_REDIS_ROLE") == "join"):
            urls = parse_url_lines(self._urls_arg.replace(",", " ").split(), "-a urls")
            if self._urls_file:
                urls += read_url_file(Path(self._urls_file))
            sitemaps = parse_url_lines(self._sitemap_arg.replace(",", " ").split(), "-a sitemap")
            wanted = crawl_request(
                list(dict.fromkeys(urls)),
                sitemaps,
                max_depth=settings.getint("FARMAUDIT_MAX_DEPTH"),
                max_pages=settings.getint("FARMAUDIT_MAX_PAGES"),
                max_pages_per_host=settings.getint("FARMAUDIT_MAX_PAGES_PER_HOST"),
                allow_private=settings.getbool("FARMAUDIT_ALLOW_PRIVATE"),
            )
        live = partial(crawl_is_live, settings["FARMAUDIT_REDIS_URL"]) if on_redis else None
        overwrite = settings.getbool("FARMAUDIT_OVERWRITE")
        started = start(StartOptions(root, wanted, overwrite=overwrite, is_live=live))
        if started.plan is Plan.JOIN:
            self._join_cluster(settings, root, started.manifest)
            return
        self._resume = started.resume
        self._adopt(started.manifest)
        if on_redis and not self.already_finished:
            self._seed_cluster(settings, root)

    def _adopt(self, manifest: CrawlManifest) -> None:
        self.manifest = manifest
        self.already_finished = manifest.status == "finished"
        self._allowed = frozenset(manifest.allowed_hosts)
        self._start_urls = {crawl_key(url) for url in manifest.start_urls}
        self._sitemaps = {crawl_key(url) for url in manifest.sitemap_urls}

    # --- on Redis ------------------------------------------------------------------------

    def _connect(self, settings: BaseSettings, crawl_id: str) -> Cluster:
        return Cluster.connect(
            settings["FARMAUDIT_REDIS_URL"],
            crawl_id,
            worker_id=settings["FARMAUDIT_WRITER_ID"],
            lease_seconds=settings.getfloat("FARMAUDIT_REDIS_LEASE"),
        )

    def _join_cluster(
        self,
        settings: BaseSettings,
        root: Path,
        manifest: CrawlManifest,
        cluster: Cluster | None = None,
    ) -> None:
        """Work on the crawl of the dataset at `root` whose frontier Redis holds."""
        cluster = cluster or self._connect(settings, manifest.crawl_id)
        if not cluster.exists():
            raise ClusterError(
                f"{cluster.url} holds no crawl {manifest.crawl_id} (the crawl in {root}); "
                f"start it with `farmaudit crawl URL... --redis {cluster.url} --out {root}`"
            )
        cluster.load()
        self._adopt(manifest)
        self.already_finished = self.already_finished or cluster.status() == "finished"
        self.cluster = cluster
        if not self.already_finished:
            cluster.join(worker_info())
            logger.info("worker %s joined %s", cluster.worker_id, manifest.describe())

    def _seed_cluster(self, settings: BaseSettings, root: Path) -> None:
        """Put the crawl's seeds (or, resumed, the dataset's frontier) into Redis, then join."""
        cluster = self._connect(settings, self.manifest.crawl_id)
        budgets = Budgets(
            self.manifest.max_pages or 0, self.manifest.max_pages_per_host or 0, self._date_pages
        )
        shared = shared_values(settings)
        buckets = settings.getint("FARMAUDIT_REDIS_SEEN_BUCKETS")
        if not cluster.create(
            self.manifest, dataset=root.resolve(), budgets=budgets, settings=shared, buckets=buckets
        ):
            self._join_cluster(settings, root, self.manifest, cluster)  # another seeder was first
            return
        self.cluster = cluster
        entries: list[Entry] = []
        state = self._resume
        if state is not None:
            cluster.mark_seen(state.done)
            outcomes = fetch_outcomes(root)
            cluster.set_counters(
                (url for url in state.tried if url not in self._sitemaps),
                pages=outcomes["ok"],
                fetches=outcomes.total(),
            )
            self._seen.update(state.done)
        done = state.done if state is not None else frozenset()
        entries += [Entry(url, 0, None, SITEMAP) for url in sorted(self._sitemaps - done)]
        entries += [Entry(crawl_key(url), 0) for url in self.manifest.start_urls]
        if state is not None:
            entries += [
                Entry(url, depth, referrer)
                for url, depth, referrer in state.frontier
                if depth <= self.manifest.max_depth and self._in_scope(url)
            ]
        self._seed_rows = self._offer(entries)
        cluster.mark_running()
        cluster.join(worker_info())
        logger.info("seeded %s into %s", self.manifest.describe(), cluster.url)

    def _offer(self, entries: list[Entry]) -> list[FetchRecord]:
        """Offer entries to the shared frontier; the trap rows of those Redis turned away."""
        assert self.cluster is not None
        rows = []
        for entry, verdict in zip(entries, self.cluster.offer(entries), strict=True):
            self._early_stats[_VERDICT_STATS[verdict]] += 1
            if verdict == "trap":
                logger.info("not following %s: %s", entry.url, self._trap_text(entry.url))
                rows.append(
                    self._row(entry.url, "trap", depth=entry.depth, referrer=entry.referrer)
                )
        return rows

    def flush_stats(self) -> None:
        """Add the frontier verdicts counted so far to the crawl's stats."""
        stats = self.crawler.stats
        for name, count in self._early_stats.items():
            stats.inc_value(name, count)
        self._early_stats.clear()

    def _trap_text(self, key: str) -> str:
        return trap_reason(key) or f"more than {self._date_pages} pages shaped {date_pattern(key)}"

    def request_for(self, entry: Entry) -> scrapy.Request:
        """The request for a frontier entry leased from Redis."""
        if entry.kind == SITEMAP:
            return scrapy.Request(
                entry.url, callback=self.parse_sitemap, errback=self.on_error, dont_filter=True
            )
        return self._page_request(entry.url, depth=entry.depth, referrer=entry.referrer)

    # --- what to fetch -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """Start URLs and sitemaps, or on resume the frontier recorded in the dataset."""
        if self.already_finished:
            logger.info("%s is already finished; nothing to do", self.manifest.describe())
            return
        if self.cluster is not None:  # requests come from the shared frontier
            stats = self.crawler.stats
            assert stats is not None
            stats.set_value("farmaudit/worker", self.cluster.worker_id)
            self.flush_stats()
            for row in self._seed_rows:
                yield row
            self._seed_rows = []
            return
        state = self._resume
        if state is not None:
            self._seen.update(state.done)
            for url in state.tried:
                if url not in self._sitemaps:
                    self._count(url)
            logger.info(
                "resuming %s: %d URLs done, %d in the frontier",
                self.manifest.crawl_id,
                len(state.done),
                len(state.frontier),
            )
        for url in self._sitemaps:
            if url not in self._seen:  # a sitemap that failed has its row already
                yield scrapy.Request(
                    url, callback=self.parse_sitemap, errback=self.on_error, dont_filter=True
                )
        for url in self.manifest.start_urls:
            if item := self._request(url, depth=0, referrer=None):
                yield item
        if state is not None:
            for url, depth, referrer in state.frontier:
                if depth > self.manifest.max_depth or not self._in_scope(url):
                    continue
                if item := self._request(url, depth=depth, referrer=referrer):
                    yield item

    def _in_scope(self, url: str) -> bool:
        return host_of(url) in self._allowed

    def _count(self, url: str) -> None:
        self._scheduled += 1
        self._per_host[host_of(url)] += 1
        if pattern := date_pattern(url):
            self._per_date_pattern[pattern] += 1

    def _request(
        self, url: str, *, depth: int, referrer: str | None
    ) -> scrapy.Request | FetchRecord | None:
        """A request for `url`, a trap row instead, or None when seen or over a budget."""
        key = crawl_key(url)
        if key in self._seen:
            return None
        self._seen.add(key)
        stats = self.crawler.stats
        assert stats is not None
        if reason := self._trap(key):
            stats.inc_value("farmaudit/traps")
            logger.info("not following %s: %s", key, reason)
            return self._row(key, "trap", depth=depth, referrer=referrer)
        limit = self.manifest.max_pages
        if limit is not None and self._scheduled >= limit:
            stats.inc_value("farmaudit/skipped/max_pages")
            return None
        host_limit = self.manifest.max_pages_per_host
        if host_limit is not None and self._per_host[host_of(key)] >= host_limit:
            stats.inc_value("farmaudit/skipped/max_pages_per_host")
            return None
        self._count(key)
        return self._page_request(key, depth=depth, referrer=referrer)

    def _page_request(self, key: str, *, depth: int, referrer: str | None) -> scrapy.Request:
        return scrapy.Request(
            key,
            callback=self.parse,
            errback=self.on_error,
            dont_filter=True,  # deduplicated above, by crawl key
            priority=-depth,  # breadth-first, also for a resumed frontier
            meta={
                "depth": depth,
                "depth_reset": depth == 0,  # sitemap entries start at depth 0
                "farm": True,
                "farm_referrer": referrer,
            },
        )

    # --- compact scheduler entries (scraper.queues) ---------------------------------------

    def pack_request(
        self, request: scrapy.Request
    ) -> tuple[str, int, str | None, bytes | None, bool] | None:
        """(url, depth, referrer, Referer header, start?) for a request `_page_request` made
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
        if not (
            request.callback == self.parse
            and request.errback == self.on_error
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

    def unpack_request(
        self, packed: tuple[str, int, str | None, bytes | None, bool]
    ) -> scrapy.Request:
        """The request `pack_request` packed."""
        url, depth, referrer, referer, start = packed
        request = self._page_request(url, depth=depth, referrer=referrer)
        del request.meta["depth_reset"]  # as DepthMiddleware left it
        if referer is not None:
            request.headers[b"Referer"] = referer
        if start:
            request.meta["is_start_request"] = True
        return request

    def _trap(self, key: str) -> str | None:
        if reason := trap_reason(key):
            return reason
        pattern = date_pattern(key)
        if pattern and self._date_pages and self._per_date_pattern[pattern] >= self._date_pages:
            return f"more than {self._date_pages} pages shaped {pattern} (a calendar)"
        return None

    def redirect_verdict(self, request: scrapy.Request, target: str) -> str | None:
        """Why a redirect of `request` to `target` is not followed, or None (then claim it)."""
        normalized = normalize_url(target)
        if normalized is None:
            return "off_scope"
        key = crawl_key(normalized)
        if not self._in_scope(key):
            return "off_scope"
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if normalized in {normalize_url(url) for url in chain}:
            return "redirect_loop"
        # Same key within the chain: a server adding a session id to its own URL.
        if key not in {crawl_key(url) for url in chain} and not self._claim(key):
            return "duplicate"
        return None

    def _claim(self, key: str) -> bool:
        """Mark `key` seen; True if nobody (no worker, on Redis) had seen it before."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return self.cluster.claim(key) if self.cluster is not None else True

    def parse_sitemap(self, response: scrapy.http.Response) -> Iterator[Any]:
        """Follow the URLs of a sitemap or sitemap index that are in scope."""
        if self.cluster is not None:
            yield from self._offer_sitemap(response)
            return
        for entry in Sitemap(response.body):
            url = normalize_url(entry.get("loc", ""), response.url)
            if url is None or not self._in_scope(url):
                continue
            if url.endswith((".xml", ".xml.gz")):
                yield scrapy.Request(
                    url, callback=self.parse_sitemap, errback=self.on_error, dont_filter=True
                )
            elif item := self._request(url, depth=0, referrer=response.url):
                yield item

    def _offer_sitemap(self, response: scrapy.http.Response) -> Iterator[FetchRecord]:
        assert self.cluster is not None
        entries = []
        for item in Sitemap(response.body):
            url = normalize_url(item.get("loc", ""), response.url)
            if url is None or not self._in_scope(url):
                continue
            if url.endswith((".xml", ".xml.gz")):
                entries.append(Entry(url, 0, None, SITEMAP))
            elif (key := crawl_key(url)) not in self._seen:
                self._seen.add(key)
                entries.append(Entry(key, 0, response.url))
        yield from self._offer(entries)
        # No row records a sitemap that was read: its lease ends once its entries are queued.
        sitemap = response.meta.get("redirect_urls", [response.url])[0]
        self.cluster.release([inflight_field(sitemap, SITEMAP)], seq=None, pages=0, fetches=0)

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
            yield self._row(
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
        if depth < self.manifest.max_depth:
            yield from list(self._follow(text, final_url, depth + 1))
        yield FetchedPage(raw, retries)

    def _follow(self, markup: str, page_url: str, depth: int) -> Iterator[Any]:
        # Filter before building Requests: most of a farm page's ~100 links are already seen,
        # and a Request costs far more than a set lookup.
        base = base_href(markup)
        # A <base href> that is no http(s) URL is ignored, as browsers do.
        base_url = (normalize_url(base, page_url) if base else None) or page_url
        stats = self.crawler.stats
        assert stats is not None
        fresh: list[Entry] = []
        resolve = Resolver(base_url).resolve
        for href in iter_hrefs(markup):
            url = resolve(href)[0]
            if url is None:
                continue
            key = crawl_key(url)
            if key in self._seen:
                continue
            if not self._in_scope(key):
                # Counted, not recorded: never fetched, and the links table holds them already.
                self._seen.add(key)
                stats.inc_value("farmaudit/offsite_links")
                continue
            if self.cluster is not None:
                # Seen here means offered; whether anyone else saw it first is Redis's call.
                self._seen.add(key)
                fresh.append(Entry(key, depth, page_url, PAGE))
            elif item := self._request(key, depth=depth, referrer=page_url):
                yield item
        if fresh:  # one round trip per page, not per link
            yield from self._offer(fresh)

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        """Turn a failed fetch into a fetches row (it is data, not only a log line)."""
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        response = getattr(error, "response", None)
        kind = fetch_error_kind(failure)
        url = request.meta.get("redirect_urls", [request.url])[0]
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
        yield self._row(
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

    def _row(
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


#: The stat each verdict of the shared frontier counts under.
#: The meta of a page request as `_page_request` makes it (scraper.queues packs those).
_PAGE_META_KEYS = frozenset({"depth", "farm", "farm_referrer"})
_START_PAGE_META_KEYS = _PAGE_META_KEYS | {"is_start_request"}

_VERDICT_STATS = {
    "queued": "farmaudit/redis/queued",
    "seen": "farmaudit/redis/seen_elsewhere",
    "trap": "farmaudit/traps",
    "max_pages": "farmaudit/skipped/max_pages",
    "max_pages_per_host": "farmaudit/skipped/max_pages_per_host",
}

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
