"""Crawl progress: a live line while the crawl runs and a summary when it ends."""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def error_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Failed fetches by kind, from a crawl's stats."""
    prefix = "farmaudit/fetch_errors/"
    return {key[len(prefix) :]: int(v) for key, v in stats.items() if key.startswith(prefix)}


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    """'pages 1,120 of 5,000 (1,000 in earlier runs) | rows written 13,400 | errors 2 |
    robots refused 5 | 45.3 pages/s | ETA 1m26s' from a crawl's stats.

    The total is the page limit or the sitemap's page count (the smaller when both are
    known); counts include the pages earlier runs of a resumed crawl fetched; robots.txt
    refusals are the site's rule, not errors, and are counted apart.
    """
    pages = int(stats.get("farmaudit/pages_extracted", 0))
    before = int(stats.get("farmaudit/pages_before", 0))
    done = before + pages
    rows = int(stats.get("farmaudit/rows_written", 0))
    errors_by_kind = error_counts(stats)
    robots = errors_by_kind.pop("robots", 0)
    errors = sum(errors_by_kind.values()) + int(stats.get("farmaudit/extract_errors", 0))
    rate = pages / elapsed if elapsed > 0 else 0.0
    totals = [
        int(n)
        for n in (stats.get("farmaudit/pages_limit"), stats.get("farmaudit/sitemap_pages"))
        if n
    ]
    total = min(totals) if totals else None
    line = f"pages {done:,}"
    if total is not None:
        line += f" of {total:,}"
    if before:
        line += f" ({before:,} in earlier runs)"
    line += f" | rows written {rows:,} | errors {errors:,} | robots refused {robots:,}"
    line += f" | {rate:.1f} pages/s"
    if total is not None and rate > 0 and total > done:
        line += f" | ETA {_duration((total - done) / rate)}"
    return line


def _duration(seconds: float) -> str:
    """90.4 → '1m30s'; 4000 → '1h06m'."""
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole}s"


class ProgressLine:
    """Every FARMAUDIT_PROGRESS_INTERVAL seconds, say how far the crawl is; sum up at the end."""

    def __init__(self, stats: StatsCollector, interval: float, to_stderr: bool) -> None:
        self.stats = stats
        self.interval = interval
        self.to_stderr = to_stderr
        self.started = time.monotonic()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Optional component: an interval of 0 disables it."""
        interval = crawler.settings.getfloat("FARMAUDIT_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("FARMAUDIT_PROGRESS_INTERVAL is 0")
        assert crawler.stats is not None
        ext = cls(crawler.stats, interval, crawler.settings.getbool("FARMAUDIT_PROGRESS_TO_STDERR"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        """Start the timer."""
        self.started = time.monotonic()
        self.task = create_looping_call(self.report)
        self.task.start(self.interval, now=False)

    def report(self) -> None:
        """Print or log one progress line."""
        line = progress_line(self.stats.get_stats(), time.monotonic() - self.started)
        if self.to_stderr:
            print(f"[farmaudit] {line}", file=sys.stderr, flush=True)  # noqa: T201
        else:
            logger.info(line)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the timer and log the summary."""
        if self.task is not None and self.task.running:
            self.task.stop()
        stats = self.stats.get_stats()
        line = progress_line(stats, time.monotonic() - self.started)
        errors = ", ".join(f"{k} {v}" for k, v in sorted(error_counts(stats).items())) or "none"
        capped = int(stats.get("farmaudit/outlinks_capped", 0))
        if capped:
            pages = int(stats.get("farmaudit/outlinks_capped_pages", 0))
            errors += (
                f"; links not followed past FARMAUDIT_MAX_OUTLINKS: {capped:,} on {pages:,} pages"
            )
        logger.info("crawl %s: %s; failed fetches: %s", reason, line, errors)


#: Statuses that say the server is struggling: their (fast) latencies must not lower the delay.
_STRAINED = frozenset({408, 429})


class FarmAutoThrottle(AutoThrottle):
    """AutoThrottle whose delay also comes down on fast 404s and other client errors.

    Scrapy's AutoThrottle never lowers a slot's delay on a non-200 response (error pages are
    small and fast, and a struggling server answering 503s quickly must not be hit harder). So
    a run of dead links held the delay wherever it was, AUTOTHROTTLE_START_DELAY at the start
    (1 s: twice DOWNLOAD_DELAY) or higher after one slow page. Here only 5xx, 408 and 429 keep
    that rule; a 404 (or a redirect) is a healthy server's answer and counts like a 200.
    """

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        status = response.status
        if status >= 500 or status in _STRAINED:
            super()._adjust_delay(slot, latency, response)
            return
        target = latency / self.target_concurrency
        new_delay = max(target, (slot.delay + target) / 2.0)
        slot.delay = min(max(self.mindelay, new_delay), self.maxdelay)
