"""Typed records, one class per dataset table; fields and order mirror `pipelines.store.schema`.

These are plain dataclasses with no Scrapy import, so extraction and tests can build them
anywhere. A test checks that every record's fields equal its Arrow schema's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RawPage:
    """A page as fetched: the input of extraction and the row of the `raw` table."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    encoding: str | None
    fetched_at: datetime
    depth: int = 0
    referrer: str | None = None
    elapsed_ms: float | None = None
    crawl_id: str = ""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One extracted page (row of `pages`)."""

    url: str
    final_url: str
    canonical_url: str | None
    status: int
    title: str | None
    published_at: datetime | None
    published_raw: str | None
    published_source: str | None
    body_text: str
    lang: str | None
    content_hash: str
    kind: str
    encoding: str | None
    fetched_at: datetime
    crawl_id: str
    extractor_version: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of an ordered procedure on a page (row of `steps`)."""

    page_url: str
    procedure: int
    procedure_title: str | None
    number: int
    heading: str | None
    text: str
    crawl_id: str
    extractor_version: str


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One `<a href>` on a page (row of `links`)."""

    source_url: str
    target_url: str | None
    href: str
    anchor_text: str
    block: str
    position: int
    internal: bool
    rel: list[str] = field(default_factory=list)
    crawl_id: str = ""
    extractor_version: str = ""


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One fetch attempt, successful or not (row of `fetches`)."""

    url: str
    final_url: str | None
    status: int | None
    error: str | None
    bytes: int
    elapsed_ms: float | None
    depth: int
    referrer: str | None
    fetched_at: datetime
    crawl_id: str
    # Last, with a default, so that rows built positionally before it existed stay valid.
    retries: int = 0
