"""The frontier of a crawl on Redis (FARMAUDIT_FRONTIER, set by `cluster_settings`).

The seen set, the budgets and the queue live in Redis and several processes share them: the
spider's URLs are offered to Redis instead of becoming requests here, and the requests come
from the shared frontier (`scraper.cluster.components.LeasedQueue` calls `request_for`).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from pipelines.store.dataset import fetch_outcomes
from pipelines.store.start import Plan
from pipelines.store.urls import crawl_key
from scraper.cluster.components import worker_info
from scraper.cluster.model import (
    SITEMAP,
    Budgets,
    Cluster,
    ClusterError,
    Entry,
    crawl_is_live,
    inflight_field,
    shared_values,
)
from scraper.frontier import Frontier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from pipelines.store.dataset import CrawlManifest, ResumeState
    from pipelines.store.records import FetchRecord
    from pipelines.store.start import Start
    from scraper.frontier import FrontierSpider

logger = logging.getLogger(__name__)

#: The stat each verdict of the shared frontier counts under.
_VERDICT_STATS = {
    "queued": "farmaudit/redis/queued",
    "seen": "farmaudit/redis/seen_elsewhere",
    "trap": "farmaudit/traps",
    "max_pages": "farmaudit/skipped/max_pages",
    "max_pages_per_host": "farmaudit/skipped/max_pages_per_host",
}


class RedisFrontier(Frontier):
    """The shared frontier in Redis: seeds or joins the crawl, offers URLs, builds the requests
    for the entries this worker leases."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.url: str = settings["FARMAUDIT_REDIS_URL"]
        if not self.url:
            raise ClusterError(
                "FARMAUDIT_FRONTIER is the Redis frontier but FARMAUDIT_REDIS_URL is not set"
            )
        self._cluster: Cluster | None = None
        self._seed_rows: list[FetchRecord] = []

    @property
    def cluster(self) -> Cluster:
        """The crawl in Redis this worker works on."""
        assert self._cluster is not None, "the frontier is not open"
        return self._cluster

    @property
    def joins(self) -> bool:
        """A worker (FARMAUDIT_REDIS_ROLE=join) works on the crawl its folder holds."""
        return bool(self.crawler.settings.get("FARMAUDIT_REDIS_ROLE") == "join")

    @property
    def is_live(self) -> Callable[[str], bool] | None:
        """Whether Redis holds the crawl running or finished (then it is joined, not resumed)."""
        return partial(crawl_is_live, self.url)

    def _connect(self, crawl_id: str) -> Cluster:
        settings = self.crawler.settings
        return Cluster.connect(
            self.url,
            crawl_id,
            worker_id=settings["FARMAUDIT_WRITER_ID"],
            lease_seconds=settings.getfloat("FARMAUDIT_REDIS_LEASE"),
        )

    def open(self, spider: FrontierSpider, started: Start, root: Path) -> None:
        """Join a live crawl, or seed a new or resumed one into Redis and join it."""
        self._spider = spider
        if started.plan is Plan.JOIN:
            self._join(root, started.manifest)
            return
        self.adopt(started.manifest)
        if not self.already_finished:
            self._seed(root, started.resume)

    def _join(self, root: Path, manifest: CrawlManifest, cluster: Cluster | None = None) -> None:
        """Work on the crawl of the dataset at `root` whose frontier Redis holds."""
        cluster = cluster or self._connect(manifest.crawl_id)
        if not cluster.exists():
            raise ClusterError(
                f"{cluster.url} holds no crawl {manifest.crawl_id} (the crawl in {root}); "
                f"start it with `farmaudit crawl URL... --redis {cluster.url} --out {root}`"
            )
        cluster.load()
        self.adopt(manifest)
        self.already_finished = self.already_finished or cluster.status() == "finished"
        self._cluster = cluster
        if not self.already_finished:
            cluster.join(worker_info())
            logger.info("worker %s joined %s", cluster.worker_id, manifest.describe())

    def _seed(self, root: Path, state: ResumeState | None) -> None:
        """Put the crawl's seeds (or, resumed, the dataset's frontier) into Redis, then join."""
        settings = self.crawler.settings
        manifest = self.manifest
        cluster = self._connect(manifest.crawl_id)
        budgets = Budgets(
            manifest.max_pages or 0, manifest.max_pages_per_host or 0, self.date_pages
        )
        shared = shared_values(settings)
        buckets = settings.getint("FARMAUDIT_REDIS_SEEN_BUCKETS")
        if not cluster.create(
            manifest, dataset=root.resolve(), budgets=budgets, settings=shared, buckets=buckets
        ):
            self._join(root, manifest, cluster)  # another seeder was first
            return
        self._cluster = cluster
        entries: list[Entry] = []
        if state is not None:
            cluster.mark_seen(state.done)
            outcomes = fetch_outcomes(root)
            cluster.set_counters(
                (url for url in state.tried if url not in self.sitemaps),
                pages=outcomes["ok"],
                fetches=outcomes.total(),
            )
            self.seen.update(state.done)
        done = state.done if state is not None else frozenset()
        entries += [Entry(url, 0, None, SITEMAP) for url in sorted(self.sitemaps - done)]
        entries += [Entry(crawl_key(url), 0) for url in manifest.start_urls]
        if state is not None:
            entries += self.resumed_entries(state)
        self._seed_rows = self._offer(entries)
        cluster.mark_running()
        cluster.join(worker_info())
        logger.info("seeded %s into %s", manifest.describe(), cluster.url)

    def start(self) -> Iterator[Any]:
        """The trap rows of seeding; the requests come from the shared frontier."""
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("farmaudit/worker", self.cluster.worker_id)
        self.flush_stats()
        yield from self._seed_rows
        self._seed_rows = []

    def admit(self, entries: list[Entry]) -> Iterator[Any]:
        """Offer a page's fresh links to Redis (one round trip); their trap rows."""
        # Seen here means offered; whether anyone else saw it first is Redis's call.
        return iter(self._offer(entries)) if entries else iter(())

    def _offer(self, entries: list[Entry]) -> list[FetchRecord]:
        """Offer entries to the shared frontier; the trap rows of those Redis turned away."""
        rows = []
        for entry, verdict in zip(entries, self.cluster.offer(entries), strict=True):
            self.early_stats[_VERDICT_STATS[verdict]] += 1
            if verdict == "trap":
                logger.info("not following %s: %s", entry.url, self.trap_text(entry.url))
                rows.append(
                    self.spider.row(entry.url, "trap", depth=entry.depth, referrer=entry.referrer)
                )
        return rows

    def read_sitemap(self, response: Response) -> Iterator[Any]:
        """Offer a sitemap's entries, then settle the sitemap's lease."""
        entries = []
        for entry in self.sitemap_entries(response):
            if entry.kind == SITEMAP:
                entries.append(entry)
            elif (key := crawl_key(entry.url)) not in self.seen:
                self.seen.add(key)
                entries.append(Entry(key, 0, entry.referrer))
        yield from self._offer(entries)
        # No row records a sitemap that was read: its lease ends once its entries are queued.
        sitemap = response.meta.get("redirect_urls", [response.url])[0]
        self.cluster.release([inflight_field(sitemap, SITEMAP)], seq=None, pages=0, fetches=0)

    def refund(self, url: str) -> None:
        """Nothing to give back here: Redis's Lua scripts spend the shared budgets, once."""

    def claim(self, key: str) -> bool:
        """Mark `key` seen; True if no worker had seen it before."""
        return super().claim(key) and self.cluster.claim(key)
