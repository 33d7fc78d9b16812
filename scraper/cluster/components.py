"""The Scrapy components of a Redis worker: scheduler queue, dupefilter, host gate, item
pipeline and the worker extension, enabled together by `cluster_settings`."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import redis
from scrapy import signals
from scrapy.dupefilters import BaseDupeFilter
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.queue import Base as RedisQueueBase

from pipelines.components import ConfigError, DatasetPipeline, FetchedPage, output_root
from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import read_manifest
from pipelines.store.errors import FarmauditError
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.urls import host_of
from scraper.cluster.model import (
    Cluster,
    LeaseLostError,
    inflight_field,
    journal_fields,
)
from scraper.middlewares import BACKOFF_STATUSES, parse_retry_after

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from pipelines.store.commits import BatchCommit

logger = logging.getLogger(__name__)
# --- Scrapy components ---------------------------------------------------------------------


def cluster_settings(settings: BaseSettings) -> dict[str, Any]:
    """Settings that make a farm crawl a Redis worker (the spider applies them on Redis)."""
    pipelines = settings.getdict("ITEM_PIPELINES")
    priority = pipelines.pop("pipelines.components.DatasetPipeline", 300)
    pipelines["scraper.cluster.components.ClusterDatasetPipeline"] = priority
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    # Last before the download: a slot is held only while the request is on the wire.
    middlewares["scraper.cluster.components.HostGate"] = 950
    extensions = settings.getdict("EXTENSIONS")
    extensions["scraper.cluster.components.ClusterWorker"] = 600
    return {
        "FARMAUDIT_FRONTIER": "scraper.cluster.frontier.RedisFrontier",
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "scraper.cluster.components.LeasedQueue",
        # A worker that stops must not flush the frontier the others are working on.
        "SCHEDULER_PERSIST": True,
        # scrapy-redis pickles by default: unpickling what a shared server holds runs code.
        "SCHEDULER_SERIALIZER": "json",
        "DUPEFILTER_CLASS": "scraper.cluster.components.NoDupeFilter",
        "REDIS_URL": settings.get("FARMAUDIT_REDIS_URL"),
        "ITEM_PIPELINES": pipelines,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "EXTENSIONS": extensions,
    }


def _cluster_of(crawler: Crawler) -> Cluster:
    frontier = getattr(crawler.spider, "frontier", None)
    cluster: Cluster | None = getattr(frontier, "_cluster", None)
    if cluster is None:
        raise NotConfigured("the spider has no Redis cluster (FARMAUDIT_REDIS_URL is not set)")
    return cluster


class NoDupeFilter(BaseDupeFilter):
    """Filters nothing: the spider dedupes by crawl key in Redis before a request exists.

    scrapy-redis's scheduler builds its dupefilter with `from_spider`, or else calls
    `from_settings`, which Scrapy 2.19's BaseDupeFilter no longer has.
    """

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        """The filter for `spider` (it needs nothing from it)."""
        return cls()


class LeasedQueue(RedisQueueBase):  # type: ignore[misc]  # scrapy-redis has no type hints
    """scrapy-redis queue that leases: a popped entry stays this worker's until committed.

    Requests the engine hands back (retries, redirect hops) continue an entry this worker holds,
    so they stay in a local queue; only fresh entries come from Redis.
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.frontier = spider.frontier
        self.cluster: Cluster = spider.frontier.cluster
        self._local: list[tuple[int, int, Request]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        """Requests waiting here and in the shared frontier."""
        return len(self._local) + self.cluster.queue_length()

    def push(self, request: Request) -> None:
        """Keep a continuation of a leased request, highest priority first."""
        heapq.heappush(self._local, (-request.priority, next(self._order), request))

    def pop(self, timeout: int = 0) -> Request | None:
        """A local continuation, else the next leased frontier entry as a request."""
        if self._local:
            return heapq.heappop(self._local)[2]
        try:
            entry = self.cluster.lease()
        except LeaseLostError:
            return None  # the heartbeat stops the worker
        if entry is None:
            return None
        request: Request = self.frontier.request_for(entry)
        return request

    def clear(self) -> None:
        """Drop local continuations only: the frontier belongs to every worker."""
        self._local.clear()


class HostGate:
    """Downloader middleware: per-host concurrency and delay held in Redis for the cluster.

    The crawl's CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY (or the AutoThrottle delay of
    this worker's slot, if longer) hold for all workers together; a 429/503 Retry-After pauses
    the host for all of them.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.ttl = settings.getfloat("DOWNLOAD_TIMEOUT") + 30
        self.max_wait = settings.getfloat("FARMAUDIT_MAX_RETRY_AFTER")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Enabled by `cluster_settings`."""
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Wait until the host has a free slot and its delay has passed, on the Redis clock."""
        cluster = _cluster_of(self.crawler)
        shared = cluster.settings
        concurrency = int(shared.get("CONCURRENT_REQUESTS_PER_DOMAIN", 0))
        delay = max(float(shared.get("DOWNLOAD_DELAY", 0.0)), self._slot_delay(request))
        host = host_of(request.url)
        token = uuid.uuid4().hex[:12]
        while wait := cluster.acquire_host(
            host, token, concurrency=concurrency, delay=delay, ttl=self.ttl
        ):
            await sleep(min(wait, 1.0))
        request.meta["farm_host_slot"] = (host, token)

    def process_response(self, request: Request, response: Response) -> Response:
        """Free the slot; pass a server's Retry-After on to every worker."""
        self._free(request)
        if response.status in BACKOFF_STATUSES:
            wait = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            if wait is not None:
                _cluster_of(self.crawler).pause_host(host_of(request.url), min(wait, self.max_wait))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Free the slot of a download that failed."""
        self._free(request)

    def _free(self, request: Request) -> None:
        # Popped: a redirect or retry copies meta, and must take a slot of its own.
        slot = request.meta.pop("farm_host_slot", None)
        if slot is not None:
            _cluster_of(self.crawler).release_host(*slot)

    def _slot_delay(self, request: Request) -> float:
        engine = self.crawler.engine
        if engine is None:
            return 0.0
        downloader = engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return float(slot.delay) if slot is not None else 0.0


class ClusterDatasetPipeline(DatasetPipeline):
    """DatasetPipeline that settles leases: an entry is given up once its row is committed.

    Before each commit the worker renews its lease (the fence): once other workers may have
    taken its entries over, it drops the rows instead of recording them a second time.
    """

    def __init__(
        self,
        crawler: Crawler,
        output: Path,
        batch_pages: int,
        batch_seconds: float,
        writer_id: str | None = None,
    ):
        super().__init__(crawler, output, batch_pages, batch_seconds, writer_id)
        self._fields: list[str] = []
        self._pages = 0
        self._fetches = 0
        self.lost = False

    def process_item(self, item: Any) -> Any:
        """Note the in-flight fields the item's rows settle, then queue the rows."""
        if isinstance(item, FetchRecord):
            self._fields += journal_fields(item.url)
            self._fetches += 1
        elif isinstance(item, (FetchedPage, RawPage)):
            raw = item.raw if isinstance(item, FetchedPage) else item
            self._fields.append(inflight_field(raw.url))
            self._pages += 1
            self._fetches += 1
        return super().process_item(item)

    def _commit(self) -> BatchCommit | None:
        if not self.writer.pending_rows and not self._fields:
            return super()._commit()
        cluster = _cluster_of(self.crawler)
        try:
            if self.lost:
                raise LeaseLostError(cluster.lost_message())
            cluster.heartbeat({})
        except LeaseLostError as err:
            self._drop(str(err))
            return None
        batch = super()._commit()
        cluster.release(
            self._fields,
            seq=batch.seq if batch is not None else None,
            pages=self._pages,
            fetches=self._fetches,
        )
        self._fields.clear()
        self._pages = self._fetches = 0
        return batch

    def _drop(self, reason: str) -> None:
        dropped = self.writer.pending_rows
        # A fresh writer forgets the buffered rows; its sequence continues from the markers.
        self.writer.release()
        self.writer = DatasetWriter(self.output, writer_id=self.writer.writer_id)
        self._fields.clear()
        self._pages = self._fetches = self._pages_in_batch = 0
        if not self.lost:
            self.lost = True
            logger.error("%s; dropping %d uncommitted rows and stopping", reason, dropped)
            _close(self.crawler, "lease_lost")

    def flush(self) -> None:
        """Commit what is buffered now (the worker is idle and others wait for its entries)."""
        self._commit()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Mark the manifest finished when the whole crawl is; a worker stopping changes nothing."""
        cluster = _cluster_of(self.crawler)
        # One writer: the worker that found the crawl over (or one that joined it after).
        late = getattr(spider, "already_finished", False) and self.manifest_status() != "finished"
        if reason == "finished" and (cluster.finished_here or late):
            super().spider_closed(spider, reason)

    def manifest_status(self) -> str:
        """The status crawl.json records."""
        manifest = read_manifest(self.output)
        return manifest.status if manifest is not None else ""


class ClusterWorker:
    """Extension: heartbeats, requeueing dead workers' entries, waiting for work, the end.

    Idle means this worker has nothing to do; the crawl may not be over, since other workers'
    pages may still link to new URLs. An idle worker commits what it buffered, then polls
    the frontier until work comes or the crawl is over.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.root = output_root(settings)
        self.lease = settings.getfloat("FARMAUDIT_REDIS_LEASE")
        self.poll = settings.getfloat("FARMAUDIT_REDIS_POLL")
        if self.lease <= 0 or self.poll <= 0:
            raise ConfigError(
                f"FARMAUDIT_REDIS_LEASE={self.lease!r} and FARMAUDIT_REDIS_POLL={self.poll!r} "
                "must be positive (seconds)"
            )
        self._beat: Any = None
        self._poller: Any = None
        self._samples: deque[tuple[float, int]] = deque(maxlen=12)  # the last minute or so
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Enabled by `cluster_settings`."""
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def cluster(self) -> Cluster:
        """The spider's cluster."""
        return _cluster_of(self.crawler)

    def spider_opened(self, spider: Spider) -> None:
        """Start the heartbeat, every third of the lease (two may be late) or 5 s if sooner."""
        if getattr(spider, "already_finished", False):
            return  # it never joined
        self._beat = create_looping_call(self.beat)
        self._beat.start(min(self.lease / 3, 5.0), now=True)

    def beat(self) -> None:
        """Renew the lease, publish progress, requeue the entries of dead workers."""
        if self._closing:
            return
        _flush_stats(self.crawler)
        stats = self.crawler.stats
        assert stats is not None
        pages = int(stats.get_value("farmaudit/pages_extracted", 0))
        now = time.monotonic()
        self._samples.append((now, pages))
        then, before = self._samples[0]
        rate = (pages - before) / (now - then) if now > then else 0.0
        try:
            self.cluster.heartbeat({"fetched": str(pages), "rate": f"{rate:.2f}"})
        except LeaseLostError as err:
            self._lost(str(err))
            return
        self._reap()

    def _reap(self) -> None:
        # A failure here must not stop the heartbeat loop: it is tried again next time.
        try:
            self.cluster.reap(self.root)
        except (redis.RedisError, FarmauditError) as err:
            logger.error("could not requeue the pages of a dead worker: %s", err)

    def spider_idle(self, spider: Spider) -> None:
        """Commit, check whether the crawl is over; if not, keep the worker open and poll."""
        if self._closing or getattr(spider, "already_finished", False):
            return
        pipeline = self.crawler.get_item_pipeline(ClusterDatasetPipeline)
        if pipeline is not None:
            pipeline.flush()
            if pipeline.lost:
                return
        try:
            self._settle_orphans()
            if self._over():
                return
        except redis.RedisError as err:  # not over, as far as this worker can tell
            logger.warning("Redis: %s; trying again", err)
        if self._poller is None or not self._poller.running:
            self._poller = create_looping_call(self.wait_for_work)
            self._poller.start(self.poll, now=False)
        raise DontCloseSpider

    def wait_for_work(self) -> None:
        """While idle: hand the engine a frontier entry when one appears; close when all is done."""
        engine = self.crawler.engine
        if self._closing or engine is None or engine.spider is None:
            return
        try:
            if self.cluster.queue_length():
                # Another worker may take the entry first: then keep polling.
                scheduler = engine.scheduler
                queue = scheduler.queue if scheduler is not None else None  # type: ignore[attr-defined]
                request = queue.pop() if queue is not None else None
                if request is not None:
                    self._poller.stop()
                    engine.crawl(request)
                return
            self._reap()
            over = self._over()
        except redis.RedisError as err:
            logger.warning("Redis: %s; trying again", err)
            return
        if over:
            self._poller.stop()
            _close(self.crawler, "finished")

    def _over(self) -> bool:
        cluster = self.cluster
        if not cluster.is_done():
            return False
        if cluster.finish():
            logger.info("crawl %s is finished", cluster.crawl_id)
        return True

    def _settle_orphans(self) -> None:
        # Idle, with its batch committed, a worker still holding entries lost track of them
        # (a callback that raised, a request a middleware dropped without an errback).
        fields = self.cluster.in_flight()
        if not fields:
            return
        logger.warning(
            "%d leased URLs ended without a fetches row (first: %s); they are not retried "
            "in this run",
            len(fields),
            fields[0],
        )
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("farmaudit/redis/orphaned", len(fields))
        self.cluster.release(fields, seq=None, pages=0, fetches=0)

    def _lost(self, reason: str) -> None:
        pipeline = self.crawler.get_item_pipeline(ClusterDatasetPipeline)
        if pipeline is not None:
            pipeline.lost = True
        if not self._closing:
            logger.error("%s; stopping", reason)
            _close(self.crawler, "lease_lost")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the timers; hand back what this worker holds; leave the crawl."""
        self._closing = True
        if getattr(spider, "already_finished", False):
            return  # it never joined
        _flush_stats(self.crawler)
        for loop in (self._beat, self._poller):
            if loop is not None and loop.running:
                loop.stop()
        if reason == "lease_lost":
            return  # its entries are others' now
        with contextlib.suppress(redis.RedisError):
            requeued = self.cluster.leave()
            if requeued:
                logger.info("requeued %d unfinished URLs for the other workers", requeued)


def _flush_stats(crawler: Crawler) -> None:
    frontier = getattr(crawler.spider, "frontier", None)
    if frontier is not None:
        frontier.flush_stats()


def _close(crawler: Crawler, reason: str) -> None:
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


def worker_info() -> dict[str, str]:
    """What `farmaudit status` shows of this process: host and pid."""
    return {"host": socket.gethostname(), "pid": str(os.getpid())}
