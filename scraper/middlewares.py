"""Downloader middlewares: polite retries that honour Retry-After, guarded redirects, robots.

Each subclasses Scrapy's own middleware and replaces it in `scraper.settings`:

- `PoliteRetryMiddleware`: on 429 and 503 the host is paused for the Retry-After the server
  asked for (or an exponential backoff when it gave none) and the retry waits that long too.
  AutoThrottle alone only reacts to latency; it never reads Retry-After.
- `FarmRedirectMiddleware` / `FarmMetaRefreshMiddleware`: before following a redirect of a farm
  request, ask the spider. A redirect off the crawl's hosts, back into its own chain, or to a
  URL already fetched under another row stops with `RedirectStopped`, which the spider records
  as a fetches row (off_scope, redirect_loop, duplicate); so does a chain past
  REDIRECT_MAX_TIMES (too_many_redirects).
- `FarmRobotsTxtMiddleware`: every request waiting for a host's robots.txt gets its rules.
  Scrapy 2.19 awaits the shared Deferred with `maybe_deferred_to_future`, whose asFuture turns
  the result into None for the next waiter: only the first request queued behind robots.txt
  was checked, the others were let through (scrapy/scrapy#6802 dropped the relay that passed
  the result on). A resumed crawl starts many requests at once and hit this.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from pipelines.components import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: Statuses that ask a client to slow down.
BACKOFF_STATUSES = frozenset({429, 503})
#: A download slot's delay is raised to at least this, so that its pause takes effect
#: (Scrapy's downloader skips the pause check for a slot whose delay is 0).
_MIN_SLOT_DELAY = 0.001


class RedirectStopped(IgnoreRequest):
    """A redirect the crawl does not follow; `kind` is the error its fetches row records."""

    def __init__(self, kind: str, target: str, status: int) -> None:
        super().__init__(f"redirect to {target} not followed: {kind}")
        self.kind = kind
        self.target = target
        self.status = status


def parse_retry_after(value: bytes | str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or HTTP-date); None if absent
    or unreadable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that backs off on 429/503: the host pauses, the retry waits.

    A Retry-After longer than FARMAUDIT_MAX_RETRY_AFTER seconds is not waited for: the fetch
    gives up at once and is recorded as http_429 / http_503.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("FARMAUDIT_MAX_RETRY_AFTER")
        self.base_wait = settings.getfloat("FARMAUDIT_BACKOFF_SECONDS")
        if self.max_wait < 0 or self.base_wait < 0:
            raise ConfigError(
                f"FARMAUDIT_MAX_RETRY_AFTER={self.max_wait!r} and FARMAUDIT_BACKOFF_SECONDS="
                f"{self.base_wait!r} must be 0 or more (seconds)"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from settings; keep the crawler for stats and the downloader's slots."""
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        """Retry like RetryMiddleware; on 429/503 wait first, as long as the server asked."""
        if response.status not in BACKOFF_STATUSES or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        retries = int(request.meta.get("retry_times", 0))
        asked = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        wait = asked if asked is not None else self.base_wait * 2**retries
        stats = self.crawler.stats
        assert stats is not None
        if wait > self.max_wait:
            stats.inc_value("farmaudit/backoff/gave_up")
            logger.info(
                "%s: %d asks to wait %.0f s (over FARMAUDIT_MAX_RETRY_AFTER=%.0f); giving up",
                request.url,
                response.status,
                wait,
                self.max_wait,
            )
            return response
        self._pause_host(request, wait)
        stats.inc_value("farmaudit/backoff/count")
        retry = super().process_response(request, response)
        if isinstance(retry, Request) and wait > 0:
            await sleep(wait)
        return retry

    def _pause_host(self, request: Request, wait: float) -> None:
        # Other requests to the same host wait too: the server asked the client, not the URL.
        engine = self.crawler.engine
        key = request.meta.get("download_slot")
        slot = engine.downloader.slots.get(key) if engine is not None and key else None
        if slot is None:
            return
        slot.delay = max(slot.delay, _MIN_SLOT_DELAY)
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait)


def _guarded(
    follow: Callable[[Request, Request, Any], Request],
    crawler: Crawler,
    redirected: Request,
    request: Request,
    reason: Any,
) -> Request:
    # The spider decides (it owns scope and the seen set); other spiders redirect as usual.
    verdict_of: Callable[[Request, str], str | None] | None = getattr(
        crawler.spider, "redirect_verdict", None
    )
    if verdict_of is None or not request.meta.get("farm"):
        return follow(redirected, request, reason)
    status = reason if isinstance(reason, int) else 200  # meta refresh: a 200 page
    verdict = verdict_of(request, redirected.url)
    if verdict is not None:
        raise RedirectStopped(verdict, redirected.url, status)
    try:
        return follow(redirected, request, reason)
    except IgnoreRequest as err:  # "max redirections reached"
        raise RedirectStopped("too_many_redirects", redirected.url, status) from err


class FarmRedirectMiddleware(RedirectMiddleware):
    """RedirectMiddleware that asks the spider before following (see the module docstring)."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        return _guarded(super()._redirect, self.crawler, redirected, request, reason)


class FarmMetaRefreshMiddleware(MetaRefreshMiddleware):
    """MetaRefreshMiddleware that asks the spider before following."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        return _guarded(super()._redirect, self.crawler, redirected, request, reason)


class _QuietRobotsErrors(logging.Filter):
    """Scrapy logs a robots.txt that could not be fetched at ERROR with its traceback; the page
    request then fails the same way and becomes a fetches row (and, for a start URL, the
    CLI's one clean error). One INFO line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Error downloading"):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
            record.msg = "robots.txt not fetched for " + str(record.msg)
        return True


_QUIET_ROBOTS = _QuietRobotsErrors()


class FarmRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose waiters all get the parser (see the module docstring), and
    which reports a robots.txt it could not fetch in one INFO line, not an ERROR traceback."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        robots_logger = logging.getLogger(RobotsTxtMiddleware.__module__)
        if _QUIET_ROBOTS not in robots_logger.filters:
            robots_logger.addFilter(_QUIET_ROBOTS)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The parsed robots.txt of the request's host, fetched once per host."""
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def relay(result: RobotParser | None) -> RobotParser | None:
            mine.callback(result)
            return result  # unchanged, for the next waiter

        pending.addCallback(relay)
        return await maybe_deferred_to_future(mine)
