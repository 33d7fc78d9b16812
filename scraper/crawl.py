"""Run one farm crawl in this process: options → Scrapy settings → CrawlerProcess."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from pipelines.store.errors import FarmauditError
from scraper import settings as default_settings
from scraper.spiders.farm import FarmSpider

if TYPE_CHECKING:
    from pathlib import Path

    from twisted.python.failure import Failure


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """Everything `farmaudit crawl` can set; each option maps to one Scrapy setting."""

    output: Path
    urls: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    max_depth: int = 5
    max_pages: int = 0
    max_pages_per_host: int = 0
    delay: float | None = None
    concurrency: int | None = None
    autothrottle: bool = True
    overwrite: bool = False
    allow_private: bool = False
    batch_pages: int = 200
    log_level: str = "WARNING"
    progress_interval: float = 5.0
    #: Redis holding the shared frontier (several machines); None: this process alone.
    redis_url: str | None = None
    #: On Redis: "seed" starts or resumes the crawl, "join" works on one already seeded.
    role: str = "seed"
    extra_settings: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> Settings:
        """Scrapy settings for this crawl: the project defaults plus these options."""
        settings = Settings()
        settings.setmodule(default_settings, priority="project")
        values: dict[str, Any] = {
            "FARMAUDIT_OUTPUT": str(self.output),
            "FARMAUDIT_OVERWRITE": self.overwrite,
            "FARMAUDIT_ALLOW_PRIVATE": self.allow_private,
            "FARMAUDIT_MAX_DEPTH": self.max_depth,
            "FARMAUDIT_MAX_PAGES": self.max_pages,
            "FARMAUDIT_MAX_PAGES_PER_HOST": self.max_pages_per_host,
            "FARMAUDIT_BATCH_PAGES": self.batch_pages,
            "FARMAUDIT_PROGRESS_INTERVAL": self.progress_interval,
            "FARMAUDIT_PROGRESS_TO_STDERR": True,
            # An explicit zero delay asks for no pacing at all (a site you own, a benchmark);
            # AutoThrottle would still hold each host to latency / target concurrency.
            "AUTOTHROTTLE_ENABLED": self.autothrottle and self.delay != 0,
            "LOG_LEVEL": self.log_level,
        }
        if self.delay is not None:
            values["DOWNLOAD_DELAY"] = self.delay
        if self.concurrency is not None:
            values["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
            values["CONCURRENT_REQUESTS"] = max(16, self.concurrency)
        if self.redis_url is not None:
            values["FARMAUDIT_REDIS_URL"] = self.redis_url
            values["FARMAUDIT_REDIS_ROLE"] = self.role
        values.update(self.extra_settings)
        settings.setdict(values, priority="cmdline")
        return settings


def run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Crawl until done (or stopped) and return the crawl's stats.

    A FarmauditError raised while the crawl starts (a damaged dataset found on resume, a bad
    setting) is raised again here, instead of ending as a Scrapy log line.
    """
    process = CrawlerProcess(options.settings())
    crawler = process.create_crawler(FarmSpider)
    failures: list[Failure] = []
    started = process.crawl(
        crawler, urls=" ".join(options.urls), sitemap=" ".join(options.sitemaps)
    )
    started.addErrback(failures.append)
    process.start()
    for failure in failures:
        if isinstance(failure.value, FarmauditError):
            raise failure.value
        failure.raiseException()
    assert crawler.stats is not None
    stats: dict[str, Any] = crawler.stats.get_stats()
    return stats
