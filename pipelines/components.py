"""Scrapy item pipeline: the only module of `pipelines` that knows Scrapy.

A thin adapter: each page the spider yields (`FetchedPage`) is recorded (raw + fetches),
extracted with the pure `pipelines.extract.extract`, and queued for the `DatasetWriter`, which
commits a batch across all tables every FARMAUDIT_BATCH_PAGES pages or FARMAUDIT_BATCH_SECONDS
seconds. All rows of one page go into one batch, so after a kill the tables agree on it; a
stop (SIGINT, SIGTERM) commits what is queued before the crawl ends.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.extract import extract
from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import fetch_outcomes, read_manifest, write_manifest
from pipelines.store.errors import FarmauditError
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.start import FAILED, settle_replacement

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from pipelines.store.commits import BatchCommit

logger = logging.getLogger(__name__)


class ConfigError(FarmauditError):
    """A required setting is missing or invalid; the message names it."""


def output_root(settings: BaseSettings) -> Path:
    """The dataset folder of the crawl (FARMAUDIT_OUTPUT); ConfigError when it is not set."""
    output = settings.get("FARMAUDIT_OUTPUT")
    if not output:
        raise ConfigError(
            "FARMAUDIT_OUTPUT is not set: pass -s FARMAUDIT_OUTPUT=datasets/NAME "
            "(or use `farmaudit crawl URL --out datasets/NAME`)"
        )
    return Path(output)


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched HTML page as the spider hands it over: its raw row and the retries it took."""

    raw: RawPage
    retries: int = 0


class DatasetPipeline:
    """Records, extracts and stores every fetched page in the dataset at FARMAUDIT_OUTPUT."""

    def __init__(
        self,
        crawler: Crawler,
        output: Path,
        batch_pages: int,
        batch_seconds: float,
        writer_id: str | None = None,
    ):
        self.crawler = crawler
        self.output = output
        self.batch_pages = batch_pages
        self.batch_seconds = batch_seconds
        self.writer = DatasetWriter(output, writer_id=writer_id)
        self._pages_in_batch = 0
        self._last_commit = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read and check the settings; a missing output is an error, not a disabled stage."""
        if getattr(crawler.spider, "refused", None):  # nothing to record, no folder to touch
            raise NotConfigured("the spider refused the crawl")
        settings = crawler.settings
        output = output_root(settings)
        batch_pages = settings.getint("FARMAUDIT_BATCH_PAGES")
        batch_seconds = settings.getfloat("FARMAUDIT_BATCH_SECONDS")
        if batch_pages < 1 or batch_seconds <= 0:
            raise ConfigError(
                f"FARMAUDIT_BATCH_PAGES={batch_pages!r} and FARMAUDIT_BATCH_SECONDS="
                f"{batch_seconds!r} must be positive"
            )
        # Workers of one crawl on several machines share the folder: each names its own parts.
        writer_id = settings.get("FARMAUDIT_WRITER_ID") or None
        pipeline = cls(crawler, output, batch_pages, batch_seconds, writer_id)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any) -> Any:
        """Queue the rows of one item; commit the batch when it is full."""
        stats = self.crawler.stats
        assert stats is not None
        if isinstance(item, FetchRecord):
            self.writer.add("fetches", [item])
            stats.inc_value(f"farmaudit/fetch_errors/{item.error}")
        elif isinstance(item, (FetchedPage, RawPage)):
            page = item if isinstance(item, FetchedPage) else FetchedPage(item)
            self._add_page(page.raw, page.retries)
            self._pages_in_batch += 1
        else:
            return item
        if (
            self._pages_in_batch >= self.batch_pages
            or time.monotonic() - self._last_commit >= self.batch_seconds
        ):
            self._commit()
        return item

    def _add_page(self, raw: RawPage, retries: int) -> None:
        stats = self.crawler.stats
        assert stats is not None
        self.writer.add("raw", [raw])
        self.writer.add("fetches", [fetch_row(raw, retries)])
        try:
            result = extract(raw)
        except Exception:
            # One hostile page must not end a long crawl; its raw row is kept for re-extraction.
            logger.exception("extraction failed for %s", raw.url)
            stats.inc_value("farmaudit/extract_errors")
            return
        self.writer.add("pages", [result.page])
        self.writer.add("steps", result.steps)
        self.writer.add("links", result.links)
        stats.inc_value("farmaudit/pages_extracted")

    def _commit(self) -> BatchCommit | None:
        batch = self.writer.commit()
        self._pages_in_batch = 0
        self._last_commit = time.monotonic()
        if batch is not None:
            stats = self.crawler.stats
            assert stats is not None
            stats.set_value("farmaudit/rows_written", self.writer.rows_written)
            stats.set_value("farmaudit/batches_written", self.writer.batches_written)
        return batch

    def close_spider(self) -> None:
        """Commit what is buffered; the writer is done."""
        try:
            self._commit()
        finally:
            self.writer.release()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Mark the manifest finished only when the crawl ran out of work having fetched pages.

        A crawl that fetched no page is `failed`, so running it again retries it (the site may
        be back) instead of saying it is finished.
        """
        manifest = read_manifest(self.output)
        if manifest is None:
            return
        if reason != "finished":
            manifest.status = f"stopped: {reason}"
        elif fetch_outcomes(self.output)["ok"] == 0:
            manifest.status = FAILED
        else:
            manifest.status = "finished"
        manifest.finished_at = datetime.now(UTC).isoformat()
        write_manifest(self.output, manifest)
        if not settle_replacement(self.output):
            logger.warning(
                "%s: the new crawl committed nothing; the dataset it was to replace is back",
                self.output,
            )


def fetch_row(raw: RawPage, retries: int = 0) -> FetchRecord:
    """The fetches row of a successful fetch."""
    return FetchRecord(
        url=raw.url,
        final_url=raw.final_url,
        status=raw.status,
        error=None,
        bytes=len(raw.body),
        elapsed_ms=raw.elapsed_ms,
        depth=raw.depth,
        referrer=raw.referrer,
        fetched_at=raw.fetched_at,
        crawl_id=raw.crawl_id,
        retries=retries,
    )
