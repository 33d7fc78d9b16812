"""A crawl of the fault site: every expected page once, every fault as its expected fetches row.

One crawl per module (`fault_crawl`) through `farmaudit crawl` in a subprocess; the site knows
its own truth (`scraper.demo.faults.expected`), and its request log shows what the crawler
asked for and when.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import pandas as pd
import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from twisted.python.failure import Failure

from pipelines.store.commits import read_markers
from pipelines.store.dataset import fetch_outcomes, part_files, read_part, read_table
from pipelines.store.schema import CRAWL_TABLES
from pipelines.store.urls import crawl_key
from scraper.demo.faults import (
    CRAWL_DEPTH,
    CRAWL_SETTINGS,
    DATE_PAGES,
    DEAD_LINKS,
    LOG_PATH,
    MAX_OUTLINKS,
    Row,
    expected,
)
from scraper.fetcherrors import fetch_error_kind
from scraper.middlewares import RedirectStopped, parse_retry_after
from scraper.spiders.farm import _is_html
from tests.conftest import farmaudit

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# The expected rows, keyed by path, to name each test case (the port is known only later).
_PLACEHOLDER = "http://localhost:1"
CASES = sorted(url.removeprefix(_PLACEHOLDER) for url in expected(_PLACEHOLDER).rows)


@contextlib.contextmanager
def running_fault_site() -> Iterator[str]:
    """Run `python -m scraper.demo.server --faults` in a subprocess; yield its origin."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.demo.server", "--faults", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("serving http://localhost:"):
            raise RuntimeError(f"fault site said {line!r}")
        yield line.removeprefix("serving ").rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def request_log(origin: str) -> list[dict[str, Any]]:
    """Every request the fault site at `origin` has answered so far."""
    with urllib.request.urlopen(origin + LOG_PATH, timeout=10) as response:
        log: list[dict[str, Any]] = json.load(response)
    return log


class FaultCrawl(NamedTuple):
    origin: str
    out: Path
    stdout: str


@pytest.fixture(scope="module")
def fault_site() -> Iterator[str]:
    """Origin of the fault site served by a subprocess, e.g. http://localhost:8123."""
    with running_fault_site() as origin:
        yield origin


@pytest.fixture(scope="module")
def fault_crawl(fault_site: str, tmp_path_factory: pytest.TempPathFactory) -> FaultCrawl:
    """The fault site crawled once with `farmaudit crawl`."""
    out = tmp_path_factory.mktemp("faults") / "site"
    settings = [
        arg for name, value in CRAWL_SETTINGS.items() for arg in ("--set", f"{name}={value}")
    ]
    result = farmaudit(
        "crawl",
        fault_site + "/",
        "--allow-private",
        "--delay",
        "0",
        "--concurrency",
        "8",
        "--depth",
        str(CRAWL_DEPTH),
        *settings,
        "--out",
        str(out),
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return FaultCrawl(fault_site, out, result.stdout)


def _fetches(crawl: FaultCrawl) -> pd.DataFrame:
    frame = read_table(crawl.out, "fetches").to_pandas()
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.e2e
@pytest.mark.parametrize("path", CASES)
def test_fault_ends_as_its_expected_row(fault_crawl: FaultCrawl, path: str) -> None:
    url = fault_crawl.origin + path
    want: Row = expected(fault_crawl.origin).rows[url]
    fetches = _fetches(fault_crawl)
    rows = fetches[fetches["url"] == url]
    assert len(rows) == 1, f"{url}: {len(rows)} fetches rows"
    row = rows.iloc[0]
    final = url if want.final is None else (want.final or None)
    got = (row["error"], row["retries"], row["final_url"], row["status"])
    assert got == (want.error, want.retries, final, want.status)


@pytest.mark.e2e
def test_every_expected_page_is_in_the_dataset_exactly_once(fault_crawl: FaultCrawl) -> None:
    truth = expected(fault_crawl.origin)
    raw = read_table(fault_crawl.out, "raw", ["url", "final_url"]).to_pandas()
    pages = read_table(fault_crawl.out, "pages", ["final_url"]).to_pandas()
    fetches = _fetches(fault_crawl)
    calendar = truth.families[0].prefix
    for finals in (raw["final_url"], pages["final_url"]):
        keys = finals.map(crawl_key)
        assert not keys[keys.duplicated()].tolist()  # duplicates: none
        assert set(keys[~keys.str.startswith(calendar)]) == truth.pages  # lost or extra: none
    assert not raw["url"].duplicated().any()
    assert not fetches["url"].duplicated().any()
    # Every fetches row is an expected one, or a calendar day.
    unexpected = set(fetches["url"]) - set(truth.rows)
    assert {u for u in unexpected if not u.startswith(calendar)} == set()


@pytest.mark.e2e
def test_an_endless_calendar_gets_its_page_budget_then_traps(fault_crawl: FaultCrawl) -> None:
    family = expected(fault_crawl.origin).families[0]
    fetches = _fetches(fault_crawl)
    days = fetches[fetches["url"].str.startswith(family.prefix)]
    assert (days["error"].isna()).sum() == family.pages == DATE_PAGES
    assert (days["error"] == "trap").sum() >= 1
    assert set(days["error"].dropna()) == {"trap"}


@pytest.mark.e2e
def test_nothing_off_scope_tracking_or_trapped_was_requested(fault_crawl: FaultCrawl) -> None:
    truth = expected(fault_crawl.origin)
    log = request_log(fault_crawl.origin)
    for marker in truth.never_requested:
        assert [e["path"] for e in log if marker in e["path"]] == [], marker
    assert {e["host"] for e in log} == {urlsplit(fault_crawl.origin).netloc}
    # Each URL is requested once, plus its retries: nothing twice by accident.
    counts = Counter(e["path"] for e in log if not e["path"].startswith("/status/"))
    retried = {"/slow.html", "/slow-body.html", "/reset.html", "/truncated.html"}
    assert {p: n for p, n in counts.items() if n > 1 and p not in retried} == {}


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("path", "wait"),
    [
        ("/status/503-once.html", 1.0),  # Retry-After: 1
        ("/status/429-once.html", 1.0),  # Retry-After: 1
        ("/status/429-date.html", 1.0),  # Retry-After: an HTTP date 2 s ahead (1 s resolution)
        ("/status/503-once-no-header.html", 1.0),  # no header: FARMAUDIT_BACKOFF_SECONDS
        ("/status/503-always.html", 1.0),
    ],
)
def test_retries_wait_as_long_as_the_server_asked(
    fault_crawl: FaultCrawl, path: str, wait: float
) -> None:
    times = [e["t"] for e in request_log(fault_crawl.origin) if e["path"] == path]
    assert len(times) >= 2
    assert min(b - a for a, b in pairwise(times)) >= wait - 0.05


@pytest.mark.e2e
def test_a_retry_after_past_the_limit_is_not_waited_for(fault_crawl: FaultCrawl) -> None:
    log = request_log(fault_crawl.origin)
    assert [e["path"] for e in log].count("/status/429-too-long.html") == 1


@pytest.mark.e2e
def test_summary_counts_each_kind(fault_crawl: FaultCrawl) -> None:
    outcomes = fetch_outcomes(fault_crawl.out)
    pages = outcomes.pop("ok")
    line = next(x for x in fault_crawl.stdout.splitlines() if x.startswith("whole crawl: "))
    assert line.startswith(f"whole crawl: {pages:,} pages fetched, {outcomes.total():,} URLs not (")
    shown = dict(re.findall(r"(\w+) (\d+)", line.split(" (", 1)[1]))
    assert {k: int(v) for k, v in shown.items()} == dict(outcomes)
    kinds = {"timeout", "reset", "truncated", "too_large", "decode_error", "not_html", "robots"}
    kinds |= {"trap", "off_scope", "duplicate", "redirect_loop", "too_many_redirects"}
    assert kinds | {"http_404", "http_429", "http_500", "http_503"} == set(outcomes)


@pytest.mark.e2e
def test_scheme_and_off_scope_links_are_recorded_not_followed(fault_crawl: FaultCrawl) -> None:
    links = read_table(fault_crawl.out, "links").to_pandas()
    schemes = links[links["href"].str.match(r"(?i)(javascript|mailto|data|tel):")]
    assert len(schemes) == 5
    assert schemes["target_url"].isna().all()
    external = set(links.loc[~links["internal"], "target_url"])
    assert {
        "https://example.com/",
        fault_crawl.origin.replace("localhost", "127.0.0.1") + "/external.html",
    } <= external
    assert not set(_fetches(fault_crawl)["url"]) & external


@pytest.mark.e2e
def test_mislabelled_and_badly_encoded_pages_are_read(fault_crawl: FaultCrawl) -> None:
    pages = read_table(fault_crawl.out, "pages", ["url", "title"]).to_pandas()
    title = dict(zip(pages["url"].map(lambda u: urlsplit(u).path), pages["title"], strict=True))
    assert title["/charset/gbk-undeclared.html"] == "分期付款流程"
    assert title["/charset/gbk-says-utf8.html"] == "分期付款流程"
    assert title["/charset/meta-gbk.html"] == "花呗还款说明"
    assert (title["/wrong-type/plain.html"], title["/wrong-type/octet.html"]) == ("plain", "octet")


@pytest.mark.e2e
def test_every_part_reads(fault_crawl: FaultCrawl) -> None:
    for table, schema in CRAWL_TABLES.items():
        for part in part_files(fault_crawl.out, table):
            read_part(part, schema)
    assert not list(fault_crawl.out.rglob("*.tmp"))


@pytest.fixture
def fresh_fault_site() -> Iterator[str]:
    """A fault site of its own, for a test whose requests must not mix with `fault_crawl`'s."""
    with running_fault_site() as origin:
        yield origin


@pytest.mark.e2e
def test_a_killed_crawl_resumes_to_the_same_pages(fresh_fault_site: str, tmp_path: Path) -> None:
    origin = fresh_fault_site
    out = tmp_path / "killed"
    settings = [a for name, value in CRAWL_SETTINGS.items() for a in ("--set", f"{name}={value}")]
    args = [
        "crawl", origin + "/", "--allow-private", "--delay", "0", "--concurrency", "8",
        "--depth", str(CRAWL_DEPTH), *settings, "--set", "FARMAUDIT_BATCH_PAGES=4",
        "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "scraper.cli", *args], stdout=subprocess.DEVNULL)
    try:
        while proc.poll() is None and len(read_markers(out)) < 3:
            time.sleep(0.02)
        proc.kill()
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    result = farmaudit(*args, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    truth = expected(origin)
    fetches = _fetches(FaultCrawl(origin, out, result.stdout))
    raw = read_table(out, "raw", ["url", "final_url"]).to_pandas()
    keys = raw["final_url"].map(crawl_key)
    calendar = truth.families[0].prefix
    assert not keys[keys.duplicated()].tolist()
    assert set(keys[~keys.str.startswith(calendar)]) == truth.pages
    assert keys.str.startswith(calendar).sum() == DATE_PAGES
    assert not fetches["url"].duplicated().any()
    # Faults the site answers the same way every time end as the same rows.
    for url, want in truth.rows.items():
        if want.error is not None and not url.startswith(f"{origin}/status/5"):
            got = fetches.loc[fetches["url"] == url, "error"].tolist()
            assert got == [want.error], url


@pytest.mark.e2e
def test_budget_depth_and_robots_with_many_start_urls(
    fresh_fault_site: str, tmp_path: Path
) -> None:
    fault_site = fresh_fault_site
    # Several start URLs wait for robots.txt at once (Scrapy 2.19 let all but one through).
    starts = [f"{fault_site}{p}" for p in ("/", "/private/secret.html", "/ok/1.html", "/ok/2.html")]
    out = tmp_path / "budget"
    result = farmaudit(
        "crawl", *starts, "--allow-private", "--delay", "0", "--depth", "1",
        "--max-pages-per-host", "12", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    fetches = _fetches(FaultCrawl(fault_site, out, result.stdout))
    # The budget counts fetches: traps and robots.txt refusals spend none of it.
    assert (~fetches["error"].isin(["trap", "robots"])).sum() == 12
    assert fetches["depth"].max() == 1
    robots = fetches.loc[fetches["url"] == f"{fault_site}/private/secret.html", "error"]
    assert robots.tolist() == ["robots"]
    assert not [e for e in request_log(fault_site) if "/private/" in e["path"]]


# --- the pieces, without a crawl ----------------------------------------------------------------

NOW = datetime(2024, 5, 30, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        (b" 0 ", 0.0),
        (b"Thu, 30 May 2024 12:00:30 GMT", 30.0),
        ("Thu, 30 May 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        (b"soon", None),
        (b"-5", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: bytes | str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(
    ("content_type", "body", "html"),
    [
        ("text/html; charset=utf-8", b"<!DOCTYPE html><html></html>", True),
        ("text/html", b"\x89PNG\r\n\x1a\n\x00\x00", False),  # an image behind .html
        ("text/html", b"%PDF-1.4", False),
        ("text/html", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", True),  # UTF-16, has NULs
        ("text/plain", b"\xef\xbb\xbf  <html><head>", True),  # mislabelled HTML
        ("application/octet-stream", b"<!doctype html>", True),
        ("", b"<html>", True),
        ("text/plain", b"just text", False),
        ("application/json", b'{"a": "<html>"}', False),
        ("application/pdf", b"%PDF-1.4", False),
    ],
)
def test_what_counts_as_an_html_page(content_type: str, body: bytes, html: bool) -> None:
    assert _is_html(content_type, body) is html


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (CannotResolveHostError("no.such.host"), "dns"),
        (DownloadTimeoutError("took longer than 1.0 seconds"), "timeout"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (
            IgnoreRequest("... exceeded DOWNLOAD_MAXSIZE (262144 B) during decompression."),
            "too_large",
        ),
        (RedirectStopped("redirect_loop", "http://a.cn/", 302), "redirect_loop"),
        (OSError("Not a gzipped file"), "decode_error"),
        (KeyError("x"), "keyerror"),  # unknown errors keep their type's name
    ],
)
def test_error_kinds(error: Exception, kind: str) -> None:
    assert fetch_error_kind(Failure(error)) == kind


def test_a_hostile_page_cannot_fool_the_crawl(fault_crawl: FaultCrawl) -> None:
    """The dead-links page is followed up to the outlink cap; the same host on another port
    and the links of a page served as text/plain are not fetched (issue 13 §4)."""
    urls = set(_fetches(fault_crawl)["url"])
    dead = {url for url in urls if "/hostile/dead/" in url}
    assert len(dead) == MAX_OUTLINKS < DEAD_LINKS
    assert not [url for url in urls if "other-port" in url or "only-from-plain" in url]
    links = read_table(fault_crawl.out, "links").to_pandas()
    assert links["target_url"].str.contains("other-port").any()  # recorded as a link
