"""One crawl's frontier, seen set, budgets, leases and host slots in Redis: `Cluster`."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import redis
from scrapy_redis.connection import get_redis

from pipelines.store.commits import read_markers
from pipelines.store.dataset import read_part
from pipelines.store.errors import FarmauditError
from pipelines.store.schema import FETCHES
from pipelines.store.urls import date_pattern, host_of, trap_reason
from scraper.cluster import scripts

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from redis.typing import EncodableT, FieldT
    from scrapy.settings import BaseSettings

    from pipelines.store.dataset import CrawlManifest

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

PAGE = "p"
SITEMAP = "s"
#: Every crawl id a Redis database has held, for `farmaudit status`.
CRAWLS_KEY = "farmaudit:crawls"


def shared_values(settings: BaseSettings) -> dict[str, Any]:
    """The crawl-wide settings every worker adopts from the seeder, typed.

    Typed because `--set NAME=VALUE` gives strings, and bool("False") is True.
    """
    return {
        "DOWNLOAD_DELAY": settings.getfloat("DOWNLOAD_DELAY"),
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        "AUTOTHROTTLE_ENABLED": settings.getbool("AUTOTHROTTLE_ENABLED"),
        "FARMAUDIT_TRAP_DATE_PAGES": settings.getint("FARMAUDIT_TRAP_DATE_PAGES"),
    }


#: Entries offered to Redis per script call: big enough to amortise the round trip, small
#: enough not to hold the server for long.
_OFFER_CHUNK = 500
_SEED_CHUNK = 10_000


class ClusterError(FarmauditError):
    """Redis unreachable, a crawl it does not hold, a lost lease; the message says which."""


class LeaseLostError(ClusterError):
    """This worker's lease expired: others took over its entries, so it must not commit them."""


# --- the crawl in Redis --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One frontier entry: a URL (crawl key) to fetch, its depth, the page linking it, its kind."""

    url: str
    depth: int
    referrer: str | None = None
    kind: str = PAGE  # PAGE or SITEMAP

    def encode(self) -> str:
        """The frontier member: compact JSON, never pickle (any Redis client could write it)."""
        return json.dumps(
            [self.url, self.depth, self.referrer, self.kind],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, member: str) -> Entry:
        """The entry a frontier member encodes; ClusterError naming it when it is not one."""
        try:
            url, depth, referrer, kind = json.loads(member)
            return cls(str(url), int(depth), referrer, str(kind))
        except (ValueError, TypeError) as err:
            raise ClusterError(
                f"frontier entry {member!r} is not [url, depth, referrer, kind]"
            ) from err


def inflight_field(url: str, kind: str = PAGE) -> str:
    """The name of an entry in a worker's in-flight hash (the Lua scripts build the same)."""
    return f"{kind} {url}"


def journal_fields(url: str) -> tuple[str, str]:
    """In-flight fields a fetches row for `url` settles: the page, or a sitemap that failed."""
    return inflight_field(url, PAGE), inflight_field(url, SITEMAP)


def fingerprint(key: str, buckets: int) -> tuple[int, int]:
    """(bucket, member) of a crawl key in the seen set, from its BLAKE2b-128 hash.

    The first 32 bits pick the bucket, the last 64 are the member: a signed integer, so that
    Redis packs the bucket as an intset.
    """
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    bucket = int.from_bytes(digest[:4], "big") % buckets
    return bucket, int.from_bytes(digest[8:], "big", signed=True)


def new_worker_id() -> str:
    """A worker id: short, unique, and safe in part file names."""
    return "w" + uuid.uuid4().hex[:8]


@dataclass(frozen=True, slots=True)
class Budgets:
    """The page budgets of a crawl, held by Redis for all workers (0: no limit)."""

    max_pages: int = 0
    max_pages_per_host: int = 0
    date_pages: int = 0


class Cluster:
    """One crawl's frontier, seen set, budgets and workers in one Redis database (redis-py)."""

    def __init__(
        self,
        client: redis.Redis,
        url: str,
        crawl_id: str,
        *,
        worker_id: str = "",
        lease_seconds: float = 60.0,
    ) -> None:
        self.client = client
        self.url = url
        self.crawl_id = crawl_id
        self.worker_id = worker_id
        self.lease_ms = max(1, round(lease_seconds * 1000))
        self.prefix = f"farmaudit:{crawl_id}:"
        self.meta_key = self.prefix + "meta"
        self.queue_key = self.prefix + "queue"
        self.sitemaps_key = self.prefix + "sitemaps"
        self.counters_key = self.prefix + "counters"
        self.workers_key = self.prefix + "workers"
        self._create = client.register_script(scripts.CREATE)
        self._offer = client.register_script(scripts.OFFER)
        self._lease = client.register_script(scripts.LEASE)
        self._release = client.register_script(scripts.RELEASE)
        self._requeue = client.register_script(scripts.REQUEUE)
        self._done = client.register_script(scripts.DONE)
        self._heartbeat = client.register_script(scripts.HEARTBEAT)
        self._acquire = client.register_script(scripts.ACQUIRE)
        self._pause = client.register_script(scripts.PAUSE)
        self.buckets = 0
        self.finished_here = False
        self.budgets = Budgets()
        self.settings: dict[str, Any] = {}

    @classmethod
    def connect(
        cls, url: str, crawl_id: str, *, worker_id: str = "", lease_seconds: float = 60.0
    ) -> Self:
        """A client for crawl `crawl_id` on the Redis at `url`; ClusterError if unreachable."""
        return cls(client_for(url), url, crawl_id, worker_id=worker_id, lease_seconds=lease_seconds)

    # --- keys ---

    def seen_key(self, bucket: int) -> str:
        """The seen set holding fingerprints of `bucket`."""
        return f"{self.prefix}seen:{bucket:x}"

    def lease_key(self, worker: str) -> str:
        """The key whose TTL is `worker`'s lease."""
        return f"{self.prefix}lease:{worker}"

    def inflight_key(self, worker: str) -> str:
        """The hash of entries `worker` holds: field → frontier member."""
        return f"{self.prefix}inflight:{worker}"

    def worker_key(self, worker: str) -> str:
        """The hash describing `worker` (host, pid, progress)."""
        return f"{self.prefix}worker:{worker}"

    # --- the crawl ---

    def exists(self) -> bool:
        """Whether this Redis holds the crawl (seeded or being seeded)."""
        return bool(self.client.exists(self.meta_key))

    def status(self) -> str:
        """'seeding', 'running', 'finished', or '' when Redis holds no such crawl."""
        return str(self.client.hget(self.meta_key, "status") or "")

    def create(
        self,
        manifest: CrawlManifest,
        *,
        dataset: Path,
        budgets: Budgets,
        settings: dict[str, Any],
        buckets: int,
    ) -> bool:
        """Claim the seeding of a new crawl; False when another process holds it already.

        A crawl left in 'seeding' by a seeder whose lease expired is taken over: seeding is
        idempotent (offers skip what is seen), so seeding again completes it.
        """
        if buckets < 1:
            raise ClusterError(f"FARMAUDIT_REDIS_SEEN_BUCKETS={buckets!r} must be 1 or more")
        fields: dict[str, EncodableT] = {
            "status": "seeding",
            "seeder": self.worker_id,
            "manifest": json.dumps(
                {
                    "start_urls": manifest.start_urls,
                    "sitemap_urls": manifest.sitemap_urls,
                    "max_depth": manifest.max_depth,
                },
                ensure_ascii=False,
            ),
            "dataset": str(dataset),
            "created_at": datetime.now(UTC).isoformat(),
            "buckets": str(buckets),
            "budgets": json.dumps(
                [budgets.max_pages, budgets.max_pages_per_host, budgets.date_pages]
            ),
            "settings": json.dumps(settings),
        }
        self._register_lease()
        previous = self.client.hget(self.meta_key, "seeder")
        args: list[EncodableT] = [self.lease_key("")]
        for name, value in fields.items():
            args += [name, value]
        if not self._create(keys=[self.meta_key], args=args):
            return False
        if previous:
            logger.warning("seeder %s of crawl %s died; seeding it again", previous, self.crawl_id)
        self.client.sadd(CRAWLS_KEY, self.crawl_id)
        self.load()
        return True

    def load(self) -> None:
        """Read the crawl-wide values (buckets, budgets, shared settings) the seeder stored."""
        meta = self.client.hmget(self.meta_key, ["buckets", "budgets", "settings"])
        if meta[0] is None:
            raise ClusterError(f"{self.url} holds no crawl {self.crawl_id}")
        self.buckets = int(meta[0])
        self.budgets = Budgets(*json.loads(str(meta[1])))
        self.settings = json.loads(str(meta[2]))

    def mark_running(self) -> None:
        """Seeding is complete: workers may now conclude the crawl is over when idle."""
        self.client.hset(self.meta_key, "status", "running")

    def finish(self) -> bool:
        """Mark the crawl finished, free its frontier and seen set; True for the one that did.

        That worker alone then marks the dataset finished: workers on several machines writing
        crawl.json at once could clash.
        """
        if not self.client.hsetnx(self.meta_key, "finished_by", self.worker_id):
            return False
        self.finished_here = True
        finished_at = datetime.now(UTC).isoformat()
        self.client.hset(self.meta_key, mapping={"status": "finished", "finished_at": finished_at})
        self.client.unlink(self.queue_key, self.sitemaps_key)
        batch: list[str] = []
        for key in self.client.scan_iter(match=f"{self.prefix}seen:*", count=1000):
            batch.append(str(key))
            if len(batch) >= 1000:
                self.client.unlink(*batch)
                batch.clear()
        if batch:
            self.client.unlink(*batch)
        return True

    # --- the frontier ---

    def offer(self, entries: Sequence[Entry]) -> list[str]:
        """Enqueue the entries not seen before and within the budgets; a verdict per entry.

        Verdicts: 'queued', 'seen', 'trap', 'max_pages', 'max_pages_per_host'.
        """
        verdicts: list[str] = []
        b = self.budgets
        for start in range(0, len(entries), _OFFER_CHUNK):
            chunk = entries[start : start + _OFFER_CHUNK]
            keys: list[str] = [self.queue_key, self.counters_key]
            args: list[str | int] = [b.max_pages, b.max_pages_per_host, b.date_pages]
            for entry in chunk:
                if entry.kind == SITEMAP:
                    keys.append(self.sitemaps_key)
                    args += [entry.encode(), entry.url, entry.depth, "", "", SITEMAP]
                    continue
                bucket, member = fingerprint(entry.url, self.buckets)
                keys.append(self.seen_key(bucket))
                flag = "t" if trap_reason(entry.url) else PAGE
                pattern = date_pattern(entry.url) or ""
                args += [entry.encode(), member, entry.depth, host_of(entry.url), pattern, flag]
            verdicts += [str(v) for v in self._offer(keys=keys, args=args)]
        return verdicts

    def claim(self, key: str) -> bool:
        """Mark a crawl key seen (a redirect target); True if no one had seen it before."""
        bucket, member = fingerprint(key, self.buckets)
        added = bool(self.client.sadd(self.seen_key(bucket), member))
        if added:
            self.client.hincrby(self.counters_key, "seen", 1)
        return added

    def mark_seen(self, keys: Iterable[str]) -> int:
        """Add crawl keys already done (a resumed dataset) to the seen set; how many were new."""
        added = 0
        for chunk in _chunks(keys, _SEED_CHUNK):
            by_bucket: dict[int, list[int]] = {}
            for key in chunk:
                bucket, member = fingerprint(key, self.buckets)
                by_bucket.setdefault(bucket, []).append(member)
            pipe = self.client.pipeline(transaction=False)
            for bucket, members in by_bucket.items():
                pipe.sadd(self.seen_key(bucket), *members)
            added += sum(int(n) for n in pipe.execute())
        self.client.hincrby(self.counters_key, "seen", added)
        return added

    def set_counters(self, tried: Iterable[str], *, pages: int, fetches: int) -> None:
        """Budget counters of a resumed dataset: the rows it holds count against the budgets."""
        counts: Counter[str] = Counter()
        for url in tried:
            counts["scheduled"] += 1
            counts["host:" + host_of(url)] += 1
            if pattern := date_pattern(url):
                counts["date:" + pattern] += 1
        counts["pages"] = pages
        counts["fetches"] = fetches
        for chunk in _chunks(counts.items(), _SEED_CHUNK):
            self.client.hset(self.counters_key, mapping=dict(chunk))

    def queue_length(self) -> int:
        """Entries waiting in the frontier."""
        return int(self.client.zcard(self.queue_key))

    # --- this worker ---

    def _register_lease(self) -> None:
        self.client.set(self.lease_key(self.worker_id), "1", px=self.lease_ms)

    def join(self, info: dict[str, str]) -> None:
        """Register this worker and take its lease (before it leases any entry)."""
        self._register_lease()
        self.client.sadd(self.workers_key, self.worker_id)
        fields: dict[FieldT, EncodableT] = {"state": "alive", "joined": f"{time.time():.3f}"}
        fields.update(info)
        self.client.hset(self.worker_key(self.worker_id), mapping=fields)

    def heartbeat(self, progress: dict[str, str]) -> None:
        """Renew this worker's lease and publish its progress; LeaseLostError if it had expired."""
        args: list[EncodableT] = [self.lease_ms, "heartbeat", f"{time.time():.3f}"]
        for name, value in progress.items():
            args += [name, value]
        keys = [self.lease_key(self.worker_id), self.worker_key(self.worker_id)]
        try:
            renewed = self._heartbeat(keys=keys, args=args)
        except redis.RedisError as err:
            # Unsure whether others took its pages over, a worker must not commit them.
            raise LeaseLostError(self.lost_message(f"cannot renew it: {err}")) from err
        if not renewed:
            raise LeaseLostError(self.lost_message())

    def lost_message(self, cause: str = "") -> str:
        """What to say when this worker's lease has expired (or cannot be renewed)."""
        cause = cause or f"no heartbeat for {self.lease_ms / 1000:g} s"
        return (
            f"worker {self.worker_id} lost its lease on {self.url} ({cause}); other workers "
            "take over its unfinished pages"
        )

    def lease(self) -> Entry | None:
        """Take the shallowest frontier entry into this worker's in-flight hash; None if empty."""
        keys = [
            self.queue_key,
            self.inflight_key(self.worker_id),
            self.lease_key(self.worker_id),
        ]
        try:
            member = self._lease(keys=keys)
        except redis.ResponseError as err:
            if "LEASE_LOST" in str(err):
                raise LeaseLostError(self.lost_message()) from err
            raise
        return Entry.decode(str(member)) if member else None

    def release(self, fields: Sequence[str], *, seq: int | None, pages: int, fetches: int) -> int:
        """Give up in-flight entries whose rows are committed (batch `seq`); entries left."""
        me = self.worker_id
        keys = [self.inflight_key(me), self.worker_key(me), self.counters_key]
        args: list[str | int] = ["" if seq is None else seq, pages, fetches, *fields]
        return int(self._release(keys=keys, args=args))

    def in_flight(self, worker: str | None = None) -> list[str]:
        """Fields of the entries `worker` (default: this one) holds."""
        return [str(f) for f in self.client.hkeys(self.inflight_key(worker or self.worker_id))]

    def requeue(self, worker: str, fields: Sequence[str]) -> int:
        """Put `worker`'s in-flight entries named by `fields` back into the frontier."""
        total = 0
        for chunk in _chunks(fields, _OFFER_CHUNK):
            keys = [self.inflight_key(worker), self.queue_key]
            total += int(self._requeue(keys=keys, args=chunk))
        return total

    def leave(self) -> int:
        """Stop working: requeue what this worker holds, drop its lease; entries requeued."""
        requeued = self.requeue(self.worker_id, self.in_flight())
        self.client.delete(self.lease_key(self.worker_id))
        self.client.hset(self.worker_key(self.worker_id), "state", "left")
        return requeued

    # --- the cluster ---

    def is_done(self) -> bool:
        """Whether the crawl is over: seeded, nothing queued, no worker holding an entry."""
        keys = [self.meta_key, self.queue_key, self.workers_key]
        return bool(self._done(keys=keys, args=[self.prefix]))

    def reap(self, root: Path) -> int:
        """Requeue the entries of workers whose lease expired; how many went back.

        Entries whose rows a dead worker committed (its commit markers in the dataset at `root`
        are the truth) are done, not requeued.
        """
        workers = sorted(str(w) for w in self.client.smembers(self.workers_key))
        pipe = self.client.pipeline(transaction=False)
        for worker in workers:
            pipe.exists(self.lease_key(worker))
            pipe.hlen(self.inflight_key(worker))
        found = pipe.execute()
        requeued = 0
        for i, worker in enumerate(workers):
            alive, held = found[2 * i], found[2 * i + 1]
            if alive or not held or worker == self.worker_id:
                continue
            # One reaper per dead worker at a time; the requeue script is safe anyway.
            lock = f"{self.prefix}reaping:{worker}"
            if not self.client.set(lock, self.worker_id, nx=True, px=30_000):
                continue
            released = int(self.client.hget(self.worker_key(worker), "released_seq") or 0)
            done: set[str] = set()
            for url in committed_urls(root, worker, after_seq=released):
                done.update(journal_fields(url))
            fields = self.in_flight(worker)
            settled = [f for f in fields if f in done]
            if settled:
                self.client.hdel(self.inflight_key(worker), *settled)
            back = self.requeue(worker, [f for f in fields if f not in done])
            self.client.hset(self.worker_key(worker), "state", "reaped")
            logger.warning(
                "worker %s stopped sending heartbeats: %d of its pages requeued, %d were committed",
                worker,
                back,
                len(settled),
            )
            requeued += back
        return requeued

    # --- politeness ---

    def acquire_host(
        self, host: str, token: str, *, concurrency: int, delay: float, ttl: float
    ) -> float:
        """Take a download slot of `host` for the cluster: 0.0 when taken, else seconds to wait."""
        slots, next_start = _host_keys(host)
        args: list[EncodableT] = [
            f"{self.lease_key(self.worker_id)}|{token}",
            concurrency,
            round(delay * 1000),
            max(1, round(ttl * 1000)),
        ]
        return int(self._acquire(keys=[slots, next_start], args=args)) / 1000

    def release_host(self, host: str, token: str) -> None:
        """Free a download slot taken by `acquire_host`."""
        self.client.zrem(_host_keys(host)[0], f"{self.lease_key(self.worker_id)}|{token}")

    def pause_host(self, host: str, seconds: float) -> None:
        """No worker starts a request to `host` for `seconds` (it sent a Retry-After)."""
        if seconds > 0:
            self._pause(keys=[_host_keys(host)[1]], args=[max(1, round(seconds * 1000))])


def client_for(url: str) -> redis.Redis:
    """A redis-py client for `url`, checked with PING; ClusterError naming the URL otherwise."""
    try:
        client: redis.Redis = get_redis(
            url=url, decode_responses=True, socket_timeout=30, socket_connect_timeout=10
        )
        client.ping()
    except ValueError as err:
        raise ClusterError(
            f"--redis {url!r} is not a Redis URL (expected redis://HOST:PORT/DB): {err}"
        ) from err
    except redis.RedisError as err:
        raise ClusterError(f"{url}: cannot reach Redis ({err})") from err
    return client


def shared_settings(url: str, crawl_id: str) -> dict[str, Any]:
    """The Scrapy settings crawl `crawl_id` was seeded with, which every worker adopts."""
    cluster = Cluster.connect(url, crawl_id)
    if not cluster.exists():
        return {}
    cluster.load()
    return cluster.settings


def committed_urls(root: Path, writer: str, *, after_seq: int) -> set[str]:
    """URLs with a fetches row in `writer`'s batches committed after batch `after_seq`."""
    urls: set[str] = set()
    for marker in read_markers(root, writer):
        if marker.seq > after_seq and "fetches" in marker.parts:
            path = marker.part_path(root, "fetches")
            urls.update(read_part(path, FETCHES, ["url"]).column("url").to_pylist())
    return urls


def _host_keys(host: str) -> tuple[str, str]:
    # Not per crawl: every farmaudit crawl sharing this Redis is polite to a host together.
    return f"farmaudit:host:{host}:slots", f"farmaudit:host:{host}:next"


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def crawl_is_live(url: str, crawl_id: str) -> bool:
    """Whether the Redis at `url` holds crawl `crawl_id` running or finished: workers are on it."""
    return Cluster.connect(url, crawl_id).status() in ("running", "finished")
