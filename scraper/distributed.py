"""Crawl across machines: one frontier in Redis, many workers, the dataset as the record.

`farmaudit crawl URL --redis redis://HOST:PORT/DB --out DATASET` seeds the frontier into Redis
and works on it; `farmaudit worker --redis ... --out DATASET` joins from any machine that mounts
DATASET. Each worker writes its own part files (`part-<worker>-<seq>.parquet`), so the dataset
reads as one. Redis only decides who fetches what next; what is done is what committed parts
hold (docs/distributed.md has the setup, the failure cases and the memory figures):

- Frontier: a sorted set scored by depth (breadth-first). URLs enter it through one Lua script
  that checks the seen set, the page budgets and the calendar-trap counter and enqueues in the
  same step, so no kill between "seen" and "queued" can lose a URL.
- Seen set (the dupefilter): 82-bit fingerprints of crawl keys, 64-bit integers sharded over
  FARMAUDIT_REDIS_SEEN_BUCKETS sets that Redis packs as intsets: about 1 GB for 100M URLs where
  scrapy-redis's hex SHA1 set takes about 10 GB. No Bloom filter: it would drop unseen URLs.
- Leases: a worker takes an entry into its own in-flight hash and gives it up only once the
  batch holding the entry's fetches row is committed. A worker's lease lives while it sends
  heartbeats; once it expires, another worker requeues the entries, except those the dead
  worker's commit markers show as committed. A worker that finds its own lease gone drops its
  uncommitted rows and stops, so nothing is recorded twice.
- Politeness: per-host concurrency slots and the next allowed start time live in Redis, on the
  Redis clock, so N workers are as polite as one.
- The end: the crawl is finished when it was fully seeded, its frontier is empty and no worker
  holds an entry.

scrapy-redis 0.9.1 provides the Scrapy scheduler; what it lacks is configured or added here: it
pops an entry for good (`LeasedQueue` leases it instead), flushes the shared queue when one
worker closes (SCHEDULER_PERSIST), pickles requests (SCHEDULER_SERIALIZER is json, and entries
are plain JSON), dedupes by request fingerprint in a separate round trip from the push (the
spider offers in one atomic script instead), needs a dupefilter with `from_spider` (Scrapy 2.19's
BaseDupeFilter has no `from_settings`: `NoDupeFilter`), and has no notion of politeness across
workers or of when a shared crawl is over (`HostGate`, `ClusterWorker`).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import json
import logging
import os
import socket
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import redis
from scrapy import signals
from scrapy.dupefilters import BaseDupeFilter
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.connection import get_redis
from scrapy_redis.queue import Base as RedisQueueBase

from pipelines.components import ConfigError, DatasetPipeline, FetchedPage
from pipelines.store.commits import DatasetWriter, read_markers
from pipelines.store.dataset import read_manifest, read_part
from pipelines.store.errors import FarmauditError
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.schema import FETCHES
from pipelines.store.urls import date_pattern, host_of, trap_reason
from scraper.middlewares import BACKOFF_STATUSES, parse_retry_after

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from redis.typing import EncodableT, FieldT
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from pipelines.store.commits import BatchCommit
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


# --- Redis scripts -------------------------------------------------------------------------

# Seen check, budgets and enqueue in one step. KEYS: queue, counters, then one seen set per
# entry. ARGV: max pages, max pages per host, date pages, then per entry: member, fingerprint,
# depth, host, date pattern ('' none), flag ('t' a trap by shape, 'p' page, 's' sitemap).
_OFFER = """
local max_pages, per_host, date_pages = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 0, (#ARGV - 3) / 6 - 1 do
  local a = 3 + i * 6
  local member, fp, depth = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local host, pattern, flag = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local verdict = 'queued'
  if redis.call('SADD', KEYS[3 + i], fp) == 0 then
    verdict = 'seen'
  elseif flag ~= 's' then
    redis.call('HINCRBY', KEYS[2], 'seen', 1)
    local function count(name) return tonumber(redis.call('HGET', KEYS[2], name) or '0') end
    local calendar = pattern ~= '' and date_pages > 0 and count('date:' .. pattern) >= date_pages
    if flag == 't' or calendar then
      verdict = 'trap'
    elseif max_pages > 0 and count('scheduled') >= max_pages then
      verdict = 'max_pages'
    elseif per_host > 0 and count('host:' .. host) >= per_host then
      verdict = 'max_pages_per_host'
    else
      redis.call('HINCRBY', KEYS[2], 'scheduled', 1)
      redis.call('HINCRBY', KEYS[2], 'host:' .. host, 1)
      if pattern ~= '' then redis.call('HINCRBY', KEYS[2], 'date:' .. pattern, 1) end
    end
  end
  if verdict == 'queued' then redis.call('ZADD', KEYS[1], depth, member) end
  out[#out + 1] = verdict
end
return out
"""

# Take the shallowest entry into this worker's in-flight hash. KEYS: queue, in-flight, lease.
_LEASE = """
if redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('LEASE_LOST') end
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local e = cjson.decode(popped[1])
redis.call('HSET', KEYS[2], e[4] .. ' ' .. e[1], popped[1])
return popped[1]
"""

# Give up entries whose rows are committed. KEYS: in-flight, worker, counters.
# ARGV: batch seq ('' none), pages, fetch rows, then in-flight fields.
_RELEASE = """
for i = 4, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[2], 'released_seq', ARGV[1]) end
for _, k in ipairs({KEYS[2], KEYS[3]}) do
  redis.call('HINCRBY', k, 'pages', ARGV[2])
  redis.call('HINCRBY', k, 'fetches', ARGV[3])
end
return redis.call('HLEN', KEYS[1])
"""

# Put in-flight entries back into the frontier (each once, however many callers race).
# KEYS: in-flight, queue. ARGV: fields.
_REQUEUE = """
local n = 0
for i = 1, #ARGV do
  local member = redis.call('HGET', KEYS[1], ARGV[i])
  if member then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZADD', KEYS[2], cjson.decode(member)[2], member)
    n = n + 1
  end
end
return n
"""

# Claim the seeding of a crawl: 1 unless another seeder holds it (one whose lease lives, or
# that finished seeding). KEYS: meta. ARGV: lease key prefix, then field/value pairs.
_CREATE = """
local seeder = redis.call('HGET', KEYS[1], 'seeder')
if seeder then
  local seeding = redis.call('HGET', KEYS[1], 'status') == 'seeding'
  if not seeding or redis.call('EXISTS', ARGV[1] .. seeder) == 1 then return 0 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""

# 1 when the crawl is over: seeded, nothing queued, nothing in flight. KEYS: meta, queue,
# workers. ARGV: the crawl's key prefix.
_DONE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'finished' then return 1 end
if status ~= 'running' or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[1] .. 'inflight:' .. w) > 0 then return 0 end
end
return 1
"""

# Renew this worker's lease and publish its progress. KEYS: lease, worker. ARGV: lease ms,
# then field/value pairs. 0 when the lease had already expired.
_HEARTBEAT = """
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1
"""

# A per-host download slot, for the whole cluster. KEYS: slots (token → expiry), next start.
# ARGV: token ('<lease key>|<id>'), concurrency, delay ms, slot TTL ms. 0 when a slot was
# taken, else milliseconds to wait before asking again. The Redis clock, not the workers'.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local lease = string.match(m, '^(.*)|')
    if lease and redis.call('EXISTS', lease) == 0 then redis.call('ZREM', KEYS[1], m) end
  end
  if redis.call('ZCARD', KEYS[1]) >= limit then return 50 end
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then return nxt - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""

# A host asked everyone to wait (429/503 Retry-After). KEYS: next start. ARGV: ms.
_PAUSE = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_, 'PX', ARGV[1])
end
return 0
"""


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


@dataclass(slots=True)
class WorkerStatus:
    """One worker as `farmaudit status` shows it."""

    worker: str
    host: str
    pid: str
    state: str  # alive, dead (lease expired, entries not yet requeued), left, reaped
    pages: int  # pages this worker committed
    rate: float  # pages/s over the last heartbeats
    average: float  # pages/s since it joined
    heartbeat_age: float | None  # seconds since its last heartbeat
    in_flight: int


@dataclass(slots=True)
class CrawlStatus:
    """A crawl in Redis as `farmaudit status` shows it."""

    crawl_id: str
    status: str
    seeds: list[str]
    dataset: str
    queued: int
    in_flight: int
    seen: int
    pages: int
    fetches: int
    workers: list[WorkerStatus] = field(default_factory=list)


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
        self._create = client.register_script(_CREATE)
        self._offer = client.register_script(_OFFER)
        self._lease = client.register_script(_LEASE)
        self._release = client.register_script(_RELEASE)
        self._requeue = client.register_script(_REQUEUE)
        self._done = client.register_script(_DONE)
        self._heartbeat = client.register_script(_HEARTBEAT)
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)
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

    # --- status ---

    def describe(self) -> CrawlStatus:
        """Queue length, pages done and per-worker progress, for `farmaudit status`."""
        meta = {str(k): str(v) for k, v in self.client.hgetall(self.meta_key).items()}
        counters = {str(k): str(v) for k, v in self.client.hgetall(self.counters_key).items()}
        request = json.loads(meta.get("manifest", "{}"))
        workers: list[WorkerStatus] = []
        now = time.time()
        for worker in sorted(str(w) for w in self.client.smembers(self.workers_key)):
            info = {str(k): str(v) for k, v in self.client.hgetall(self.worker_key(worker)).items()}
            alive = bool(self.client.exists(self.lease_key(worker)))
            held = int(self.client.hlen(self.inflight_key(worker)))
            state = info.get("state", "alive")
            if state == "alive" and not alive:
                state = "dead"
            joined = float(info.get("joined", now))
            pages = int(info.get("pages", 0))
            beat = float(info["heartbeat"]) if "heartbeat" in info else None
            until = now if state == "alive" else (beat or now)
            workers.append(
                WorkerStatus(
                    worker=worker,
                    host=info.get("host", "?"),
                    pid=info.get("pid", "?"),
                    state=state,
                    pages=pages,
                    rate=float(info.get("rate", 0.0)) if state == "alive" else 0.0,
                    average=pages / max(until - joined, 1e-9),
                    heartbeat_age=now - beat if beat is not None else None,
                    in_flight=held,
                )
            )
        return CrawlStatus(
            crawl_id=self.crawl_id,
            status=meta.get("status", "?"),
            seeds=request.get("start_urls", []) + request.get("sitemap_urls", []),
            dataset=meta.get("dataset", "?"),
            queued=self.queue_length(),
            in_flight=sum(w.in_flight for w in workers),
            seen=int(counters.get("seen", 0)),
            pages=int(counters.get("pages", 0)),
            fetches=int(counters.get("fetches", 0)),
            workers=workers,
        )


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


def crawl_ids(url: str) -> list[str]:
    """Ids of the crawls the Redis at `url` holds, newest first."""
    client = client_for(url)
    return sorted((str(c) for c in client.smembers(CRAWLS_KEY)), reverse=True)


def shared_settings(url: str, crawl_id: str) -> dict[str, Any]:
    """The Scrapy settings crawl `crawl_id` was seeded with, which every worker adopts."""
    cluster = Cluster.connect(url, crawl_id)
    if not cluster.exists():
        return {}
    cluster.load()
    return cluster.settings


def describe_crawls(url: str, crawl_id: str | None = None) -> list[CrawlStatus]:
    """The status of crawl `crawl_id` on the Redis at `url`, or of every crawl it holds."""
    ids = [crawl_id] if crawl_id else crawl_ids(url)
    statuses = []
    for one in ids:
        cluster = Cluster.connect(url, one)
        if not cluster.exists():
            raise ClusterError(f"{url} holds no crawl {one}")
        statuses.append(cluster.describe())
    return statuses


def render_status(statuses: Sequence[CrawlStatus]) -> str:
    """`farmaudit status` as text: one block per crawl, one line per worker."""
    if not statuses:
        return "no crawl in this Redis database"
    blocks = []
    for s in statuses:
        alive = [w for w in s.workers if w.state == "alive"]
        lines = [
            f"crawl {s.crawl_id} ({s.status}) of {', '.join(s.seeds[:3]) or '?'}",
            f"  dataset   {s.dataset}",
            f"  queue     {s.queued:,} URLs waiting, {s.in_flight:,} in flight",
            (
                f"  done      {s.pages:,} pages ({s.fetches:,} fetch rows) committed; "
                f"{s.seen:,} URLs seen"
            ),
            f"  workers   {len(alive)} alive, {sum(w.rate for w in alive):.1f} pages/s together",
        ]
        for w in s.workers:
            beat = f"{w.heartbeat_age:.1f} s ago" if w.heartbeat_age is not None else "never"
            lines.append(
                f"    {w.worker}  {w.host} pid {w.pid}  {w.state:<6}  {w.pages:>9,} pages  "
                f"{w.rate:6.1f} pages/s now, {w.average:6.1f} on average  "
                f"{w.in_flight:,} in flight  heartbeat {beat}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


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


# --- Scrapy components ---------------------------------------------------------------------


def cluster_settings(settings: BaseSettings) -> dict[str, Any]:
    """Settings that make a farm crawl a Redis worker (the spider applies them on Redis)."""
    pipelines = settings.getdict("ITEM_PIPELINES")
    priority = pipelines.pop("pipelines.components.DatasetPipeline", 300)
    pipelines["scraper.distributed.ClusterDatasetPipeline"] = priority
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    # Last before the download: a slot is held only while the request is on the wire.
    middlewares["scraper.distributed.HostGate"] = 950
    extensions = settings.getdict("EXTENSIONS")
    extensions["scraper.distributed.ClusterWorker"] = 600
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "scraper.distributed.LeasedQueue",
        # A worker that stops must not flush the frontier the others are working on.
        "SCHEDULER_PERSIST": True,
        # scrapy-redis pickles by default: unpickling what a shared server holds runs code.
        "SCHEDULER_SERIALIZER": "json",
        "DUPEFILTER_CLASS": "scraper.distributed.NoDupeFilter",
        "REDIS_URL": settings.get("FARMAUDIT_REDIS_URL"),
        "ITEM_PIPELINES": pipelines,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "EXTENSIONS": extensions,
    }


def _cluster_of(crawler: Crawler) -> Cluster:
    cluster: Cluster | None = getattr(crawler.spider, "cluster", None)
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
        self.cluster: Cluster = spider.cluster
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
        request: Request = self.spider.request_for(entry)
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
        self.root = Path(settings["FARMAUDIT_OUTPUT"])
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
    flush = getattr(crawler.spider, "flush_stats", None)
    if flush is not None:
        flush()


def _close(crawler: Crawler, reason: str) -> None:
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


def worker_info() -> dict[str, str]:
    """What `farmaudit status` shows of this process: host and pid."""
    return {"host": socket.gethostname(), "pid": str(os.getpid())}
