"""`farmaudit status`: what the crawls in a Redis database are doing, and its text."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scraper.cluster.model import CRAWLS_KEY, Cluster, ClusterError, client_for

if TYPE_CHECKING:
    from collections.abc import Sequence


logger = logging.getLogger(__name__)


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


def describe(cluster: Cluster) -> CrawlStatus:
    """Queue length, pages done and per-worker progress, for `farmaudit status`."""
    meta = {str(k): str(v) for k, v in cluster.client.hgetall(cluster.meta_key).items()}
    counters = {str(k): str(v) for k, v in cluster.client.hgetall(cluster.counters_key).items()}
    request = json.loads(meta.get("manifest", "{}"))
    workers: list[WorkerStatus] = []
    now = time.time()
    for worker in sorted(str(w) for w in cluster.client.smembers(cluster.workers_key)):
        info = {
            str(k): str(v) for k, v in cluster.client.hgetall(cluster.worker_key(worker)).items()
        }
        alive = bool(cluster.client.exists(cluster.lease_key(worker)))
        held = int(cluster.client.hlen(cluster.inflight_key(worker)))
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
        crawl_id=cluster.crawl_id,
        status=meta.get("status", "?"),
        seeds=request.get("start_urls", []) + request.get("sitemap_urls", []),
        dataset=meta.get("dataset", "?"),
        queued=cluster.queue_length(),
        in_flight=sum(w.in_flight for w in workers),
        seen=int(counters.get("seen", 0)),
        pages=int(counters.get("pages", 0)),
        fetches=int(counters.get("fetches", 0)),
        workers=workers,
    )


def crawl_ids(url: str) -> list[str]:
    """Ids of the crawls the Redis at `url` holds, newest first."""
    client = client_for(url)
    return sorted((str(c) for c in client.smembers(CRAWLS_KEY)), reverse=True)


def describe_crawls(url: str, crawl_id: str | None = None) -> list[CrawlStatus]:
    """The status of crawl `crawl_id` on the Redis at `url`, or of every crawl it holds."""
    ids = [crawl_id] if crawl_id else crawl_ids(url)
    statuses = []
    for one in ids:
        cluster = Cluster.connect(url, one)
        if not cluster.exists():
            raise ClusterError(f"{url} holds no crawl {one}")
        statuses.append(describe(cluster))
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
