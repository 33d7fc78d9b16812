"""Crawls across machines on Redis: one frontier, many workers, nothing lost or fetched twice.

The Redis layer is tested against a private redis-server (the `redis_url` fixture). The
end-to-end tests run `farmaudit crawl --redis` and `farmaudit worker` as separate processes
against the demo site, served here by a counting wrapper: it logs every request path and the
most requests it worked on at once, so "fetched twice" and "polite across workers" are checked
where they matter, at the server.
"""

from __future__ import annotations

import itertools
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import pytest
import redis
from click.testing import CliRunner
from scrapy import Request, Spider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from scrapy_redis.scheduler import Scheduler

from pipelines.store.commits import COMMITS_DIR, DatasetWriter
from pipelines.store.dataset import read_manifest, read_table, verify_dataset
from pipelines.store.records import FetchRecord
from pipelines.store.start import StartOptions, start
from pipelines.store.urls import crawl_key
from reports.audit import read_findings
from scraper.cli import main
from scraper.cluster.components import cluster_settings
from scraper.cluster.model import Budgets, Cluster, Entry, LeaseLostError, fingerprint
from scraper.demo.server import SiteHTTPServer
from scraper.demo.site import DemoSite, build_site
from scraper.spiders.farm import crawl_request
from tests.conftest import farmaudit

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_DATABASES = itertools.count(1)
#: Seconds the counting server works on each request: long enough for requests to overlap.
LATENCY = 0.005


@pytest.fixture
def db(redis_url: str) -> str:
    """A Redis database of its own for one test (the server has 16)."""
    url = f"{redis_url.rsplit('/', 1)[0]}/{next(_DATABASES) % 16}"
    redis.Redis.from_url(url).flushdb()
    return url


# --- the Redis layer -----------------------------------------------------------------------


def _seeded(
    url: str, root: Path, *, worker: str = "w1", lease: float = 60.0, **budgets: int
) -> Cluster:
    manifest = crawl_request(
        ["http://a.example/"], [], max_depth=5, max_pages=0, allow_private=True
    )
    cluster = Cluster.connect(url, manifest.crawl_id, worker_id=worker, lease_seconds=lease)
    settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0.0}
    created = cluster.create(
        manifest, dataset=root, budgets=Budgets(**budgets), settings=settings, buckets=16
    )
    assert created
    cluster.mark_running()
    cluster.join({"host": "test", "pid": "0"})
    return cluster


def _other(cluster: Cluster, worker: str) -> Cluster:
    other = Cluster.connect(cluster.url, cluster.crawl_id, worker_id=worker)
    other.load()
    other.join({"host": "test", "pid": "1"})
    return other


def test_each_url_is_queued_once_for_all_workers_within_the_budgets(
    db: str, tmp_path: Path
) -> None:
    one = _seeded(db, tmp_path, max_pages=4, max_pages_per_host=2, date_pages=1)
    two = _other(one, "w2")
    offered = [
        Entry("http://a.example/1", 1),
        Entry("http://a.example/2", 1),
        Entry("http://a.example/3", 1),  # a third page of a.example
        Entry("http://b.example/x/x/x", 1),  # a trap by its shape
        Entry("http://b.example/day?d=2024-01-01", 1),
        Entry("http://b.example/day?d=2024-01-02", 1),  # a second page of one calendar
    ]
    assert one.offer(offered) == [
        "queued",
        "queued",
        "max_pages_per_host",
        "trap",
        "queued",
        "trap",
    ]
    # Whoever offers it next, a URL is seen: the seen set and the budgets are shared.
    assert two.offer([Entry("http://a.example/1", 2), Entry("http://c.example/", 1)]) == [
        "seen",
        "queued",
    ]
    assert two.offer([Entry("http://c.example/next", 1)]) == ["max_pages"]
    assert one.queue_length() == 4
    assert two.claim("http://a.example/redirected") is True
    assert one.claim("http://a.example/redirected") is False


def test_the_seen_set_is_packed_as_integer_sets(db: str, tmp_path: Path) -> None:
    cluster = _seeded(db, tmp_path)
    cluster.offer([Entry(f"http://a.example/{i}", 1) for i in range(200)])
    assert fingerprint("http://a.example/1", 16) == fingerprint("http://a.example/1", 16)
    encodings = {cluster.client.object("encoding", cluster.seen_key(b)) for b in range(16)}
    assert encodings == {"intset"}


def test_leased_entries_come_shallowest_first_and_are_released_once_committed(
    db: str, tmp_path: Path
) -> None:
    one = _seeded(db, tmp_path)
    one.offer([Entry("http://a.example/deep", 3), Entry("http://a.example/", 0)])
    first = one.lease()
    assert first == Entry("http://a.example/", 0)
    assert one.in_flight() == ["p http://a.example/"]
    assert not one.is_done()
    assert one.release(["p http://a.example/"], seq=1, pages=1, fetches=1) == 0
    assert one.lease() == Entry("http://a.example/deep", 3)
    assert one.lease() is None
    assert not one.is_done()  # one entry is still in flight
    one.release(["p http://a.example/deep"], seq=2, pages=1, fetches=1)
    assert one.is_done()


def _fetch_row(url: str) -> FetchRecord:
    when = datetime(2024, 6, 1, tzinfo=UTC)
    return FetchRecord(url, url, 200, None, 13, 1.0, 1, None, when, "c1")


def test_a_dead_workers_uncommitted_entries_are_requeued_and_it_is_fenced_off(
    db: str, tmp_path: Path
) -> None:
    dead = _seeded(db, tmp_path, worker="wdead", lease=1.5)
    urls = [f"http://a.example/{i}" for i in range(3)]
    dead.offer([Entry(url, 1) for url in urls])
    assert [dead.lease() for _ in urls] == [Entry(url, 1) for url in urls]
    # It committed the batch holding the first page's row, then died before releasing it.
    writer = DatasetWriter(tmp_path, writer_id="wdead")
    writer.add("fetches", [_fetch_row(urls[0])])
    writer.commit()
    alive = _other(dead, "walive")
    assert alive.reap(tmp_path) == 0  # its lease has not expired yet
    time.sleep(1.6)
    assert alive.reap(tmp_path) == 2
    assert alive.reap(tmp_path) == 0  # each entry goes back once
    assert sorted(entry.url for entry in iter(alive.lease, None)) == urls[1:]
    assert dead.in_flight() == []
    # Should it wake up: it can neither take work nor commit (the commit renews the lease).
    with pytest.raises(LeaseLostError):
        dead.lease()
    with pytest.raises(LeaseLostError, match="wdead lost its lease"):
        dead.heartbeat({})


def test_host_slots_and_delays_hold_for_all_workers_together(db: str, tmp_path: Path) -> None:
    one = _seeded(db, tmp_path)
    two = _other(one, "w2")
    host = "h.example"
    assert one.acquire_host(host, "t1", concurrency=1, delay=0, ttl=30) == 0
    assert two.acquire_host(host, "t2", concurrency=1, delay=0, ttl=30) > 0  # taken
    one.release_host(host, "t1")
    assert two.acquire_host(host, "t2", concurrency=1, delay=0.3, ttl=30) == 0
    # The delay worker two started holds for worker one as well.
    assert 0.2 < one.acquire_host(host, "t3", concurrency=2, delay=0.3, ttl=30) <= 0.3
    time.sleep(0.35)
    # A worker that died holding a slot frees it once its lease is gone.
    assert one.acquire_host(host, "t3", concurrency=1, delay=0, ttl=30) > 0
    two.client.delete(two.lease_key("w2"))
    assert one.acquire_host(host, "t3", concurrency=1, delay=0, ttl=30) == 0
    # A Retry-After pauses the host for everyone.
    one.release_host(host, "t3")
    two.pause_host(host, 0.5)
    assert 0.4 < one.acquire_host(host, "t4", concurrency=1, delay=0, ttl=30) <= 0.5


class _Frontier:
    """The part of RedisFrontier that LeasedQueue uses."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def request_for(self, entry: Entry) -> Request:
        return Request(entry.url, priority=-entry.depth, dont_filter=True)


class _Worker(Spider):
    """The part of FarmSpider that scrapy-redis's scheduler and LeasedQueue use."""

    name = "farm"

    def __init__(self, cluster: Cluster) -> None:
        super().__init__()
        self.frontier = _Frontier(cluster)


def test_the_scrapy_redis_scheduler_leases_and_keeps_continuations_local(
    db: str, tmp_path: Path
) -> None:
    cluster = _seeded(db, tmp_path)
    cluster.offer([Entry("http://a.example/deep", 2), Entry("http://a.example/", 0)])
    settings = cluster_settings(Settings({"FARMAUDIT_REDIS_URL": db}))
    scheduling = {k: v for k, v in settings.items() if k.startswith(("SCHEDULER", "DUPE", "REDIS"))}
    scheduler = Scheduler.from_crawler(get_crawler(_Worker, scheduling))
    scheduler.open(_Worker(cluster))
    first = scheduler.next_request()
    assert first.url == "http://a.example/"
    assert cluster.in_flight() == ["p http://a.example/"]
    retry = first.replace(priority=first.priority - 1)  # as RetryMiddleware hands it back
    assert scheduler.enqueue_request(retry)
    assert cluster.queue_length() == 1  # the retry stays with the worker holding the lease
    assert scheduler.next_request() is retry
    assert scheduler.next_request().url == "http://a.example/deep"
    assert not scheduler.has_pending_requests()
    scheduler.close("shutdown")
    assert sorted(cluster.in_flight()) == ["p http://a.example/", "p http://a.example/deep"]
    assert redis.Redis.from_url(db).exists(cluster.meta_key)  # SCHEDULER_PERSIST: no flush


def test_worker_names_a_crawl_redis_does_not_hold(db: str, tmp_path: Path) -> None:
    wanted = crawl_request(["http://a.example/"], [], max_depth=1, max_pages=0, allow_private=True)
    start(StartOptions(tmp_path / "ds", wanted, overwrite=False))
    result = CliRunner().invoke(main, ["worker", "--redis", db, "--out", str(tmp_path / "ds")])
    assert result.exit_code == 1, result.output
    assert f"Error: {db} holds no crawl {wanted.crawl_id} (the crawl in {tmp_path / 'ds'})" in (
        result.output
    )
    unreachable = "redis://127.0.0.1:1/0"
    result = CliRunner().invoke(main, ["status", "--redis", unreachable])
    assert result.exit_code == 1
    assert f"Error: {unreachable}: cannot reach Redis" in result.output
    result = CliRunner().invoke(main, ["status", "--redis", "http://127.0.0.1:1/"])
    assert result.exit_code == 1
    assert "is not a Redis URL" in result.output


# --- end to end: worker processes against the demo site ----------------------------------


class RequestLog:
    """What the counting server saw: requests per path, and the most worked on at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.active = 0
        self.max_active = 0

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.active = self.max_active = 0

    def enter(self, path: str) -> None:
        with self.lock:
            self.counts[path] += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class _CountingHandler(BaseHTTPRequestHandler):
    site: ClassVar[DemoSite]
    log: ClassVar[RequestLog]
    base_url: ClassVar[str]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        # Counted as working from the request until before the answer is sent, so that the
        # span sits inside the client's hold on its slot (which ends once the body arrives).
        self.log.enter(self.path)
        try:
            time.sleep(LATENCY)
            response = self.site.respond(self.path, self.base_url)
        finally:
            self.log.leave()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def counting_site() -> Iterator[tuple[str, RequestLog]]:
    """The demo site on 127.0.0.1 with a request log (reset per test)."""
    log = RequestLog()
    handler = type("Handler", (_CountingHandler,), {"site": build_site(), "log": log})
    httpd = SiteHTTPServer(("127.0.0.1", 0), handler)
    handler.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.base_url, log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def site(counting_site: tuple[str, RequestLog]) -> tuple[str, RequestLog]:
    """The counting demo site with an empty log."""
    counting_site[1].reset()
    return counting_site


def _crawl(site_url: str, out: Path, url: str, *settings: str) -> list[str]:
    sets = [arg for value in ("AUTOTHROTTLE_ENABLED=False", *settings) for arg in ("--set", value)]
    return [
        "crawl",
        site_url,
        "--sitemap",
        site_url + "sitemap.xml",
        "--allow-private",
        "--delay",
        "0",
        "--depth",
        "20",
        *sets,
        "--redis",
        url,
        "--out",
        str(out),
    ]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scraper.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_seeded(out: Path, url: str, seeder: subprocess.Popen[str]) -> Cluster:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert seeder.poll() is None, seeder.communicate()[1][-3000:]
        manifest = read_manifest(out) if out.exists() else None
        if manifest is not None:
            cluster = Cluster.connect(url, manifest.crawl_id)
            if cluster.status() == "running":
                return cluster
        time.sleep(0.05)
    pytest.fail("the crawl was not seeded within a minute")


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return out


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _assert_every_page_once(out: Path, single: Path | None = None) -> None:
    verify_dataset(out)
    raw = read_table(out, "raw", ["url", "final_url"]).to_pandas()
    assert sorted(raw["final_url"].map(_path)) == sorted(build_site().html_paths())
    assert not raw["final_url"].map(crawl_key).duplicated().any()
    fetches = read_table(out, "fetches", ["url", "error", "status"]).to_pandas()
    assert not fetches["url"].duplicated().any()
    pages = read_table(out, "pages", ["url"]).to_pandas()
    assert sorted(pages["url"]) == sorted(raw["url"])
    if single is not None:  # the union of the workers is the single-process crawl
        assert _outcomes(out) == _outcomes(single)


def _base(root: Path) -> str:
    """The site URL a crawl of the demo started from."""
    manifest = read_manifest(root)
    assert manifest is not None
    return manifest.start_urls[0]


def _link_findings(root: Path, base: str) -> list[str]:
    """Link findings with the site's address taken out of URLs and without the crawl id: the
    same site crawled twice, on two ports, gives the same rows."""
    rows = read_findings(root, "link_findings").drop_columns(["crawl_id"]).to_pylist()
    for row in rows:
        for key in ("source_url", "target_url"):
            row[key] = (row[key] or "").replace(base, "/")
    return sorted(map(repr, rows))


def _outcomes(root: Path) -> set[tuple[str, str, int]]:
    fetches = read_table(root, "fetches", ["url", "error", "status"]).to_pylist()
    return {(_path(f["url"]), f["error"] or "ok", f["status"] or 0) for f in fetches}


@pytest.mark.e2e
def test_two_workers_crawl_every_page_once_and_politely_together(
    crawled: Path, db: str, site: tuple[str, RequestLog], tmp_path: Path
) -> None:
    site_url, log = site
    out = tmp_path / "demo"
    started = time.monotonic()
    # Two requests per host for the whole cluster: without the shared slots, each worker
    # would send two at once, four in all.
    seeder = _start(*_crawl(site_url, out, db), "--concurrency", "2")
    cluster = _wait_until_seeded(out, db, seeder)
    worker = _start("worker", "--redis", db, "--out", str(out))
    reports = [_finish(seeder), _finish(worker)]
    elapsed = time.monotonic() - started

    _assert_every_page_once(out, crawled)
    pages = set(build_site().html_paths())
    assert {path: n for path, n in log.counts.items() if path in pages and n != 1} == {}
    assert pages <= set(log.counts)
    assert log.counts["/sitemap.xml"] == 1
    assert log.counts["/robots.txt"] <= 2  # each worker reads it once
    assert log.max_active == 2
    by_worker = Counter(p.name.split("-")[1] for p in (out / "raw").glob("part-*.parquet"))
    assert len(by_worker) == 2, by_worker  # both worked, each under its own part names
    assert read_manifest(out).status == "finished"  # type: ignore[union-attr]
    assert all("whole crawl: 566 pages fetched" in report for report in reports)

    status = farmaudit("status", "--redis", db, "--out", str(out))
    assert status.returncode == 0, status.stderr
    assert f"crawl {cluster.crawl_id} (finished)" in status.stdout
    assert "566 pages (571 fetch rows) committed" in status.stdout
    assert status.stdout.count(" left ") == 2
    again = farmaudit(*_crawl(site_url, out, db))
    assert "already finished" in again.stdout
    print(f"two workers: {len(pages)} pages in {elapsed:.1f} s, {dict(by_worker)} raw parts")

    # The crawl and the audit meet: the workers' shared dataset is audited where it lies by a
    # Dask cluster, and its findings are the single-process crawl's, audited in one process.
    audited = farmaudit("audit", str(out), "--dask", "local:2")
    assert audited.returncode == 0, audited.stderr[-3000:]
    assert "tasks run on a local Dask cluster of 2 workers" in audited.stderr
    single = tmp_path / "single" / "demo"
    shutil.copytree(crawled, single)
    alone = farmaudit("audit", str(single))
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert audited.stdout.splitlines()[0] == alone.stdout.splitlines()[0]
    assert _link_findings(out, site_url) == _link_findings(single, _base(single))


@pytest.mark.e2e
def test_a_worker_killed_mid_crawl_loses_no_page_and_records_none_twice(
    db: str, site: tuple[str, RequestLog], tmp_path: Path
) -> None:
    site_url, log = site
    out = tmp_path / "demo"
    # Small batches so that the victim has committed some and holds others when it dies;
    # a short lease so that its pages are requeued soon.
    settings = (
        "FARMAUDIT_BATCH_PAGES=8",
        "FARMAUDIT_BATCH_SECONDS=0.5",
        "FARMAUDIT_REDIS_LEASE=3",
    )
    started = time.monotonic()
    seeder = _start(*_crawl(site_url, out, db, *settings), "--concurrency", "8")
    cluster = _wait_until_seeded(out, db, seeder)
    victim = _start(
        "worker", "--redis", db, "--out", str(out), *(a for s in settings for a in ("--set", s))
    )
    seeder_id = str(cluster.client.hget(cluster.meta_key, "seeder"))
    deadline = time.monotonic() + 60
    victim_id = ""
    while time.monotonic() < deadline and victim.poll() is None:
        workers = {str(w) for w in cluster.client.smembers(cluster.workers_key)}
        victim_id = next(iter(workers - {seeder_id}), "")
        if victim_id and len(list((out / COMMITS_DIR).glob(f"{victim_id}-*.json"))) >= 2:
            break
        time.sleep(0.02)
    time.sleep(random.Random(7).uniform(0, 0.3))
    assert victim.poll() is None, "the worker finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    held = len(cluster.in_flight(victim_id))
    assert held, "the worker held no page when it died"
    _finish(seeder)
    elapsed = time.monotonic() - started

    _assert_every_page_once(out)
    assert read_manifest(out).status == "finished"  # type: ignore[union-attr]
    # Fetched again: at most the pages the victim had not committed; never more than twice.
    again = sorted(path for path, n in log.counts.items() if n > 1 and path != "/robots.txt")
    assert len(again) <= held
    assert max(log.counts.values()) <= 2
    status = farmaudit("status", "--redis", db, "--out", str(out))
    assert f"{victim_id}  " in status.stdout
    assert " reaped " in status.stdout
    print(
        f"killed worker held {held} pages, {len(again)} fetched again; "
        f"every page once in {elapsed:.1f} s"
    )
