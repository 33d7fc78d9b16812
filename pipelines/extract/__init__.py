"""Extraction: pure functions from a fetched page (`RawPage`) to typed records.

`extract` decodes and parses once, walks the body once (`layout`), and composes one function
per field (`title`, `publish_date`, `body`, `steps`, `links`, `lang`). No Scrapy, no network,
no clock: the fetch time comes from the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.extract.body import content_hash, extract_content, page_kind
from pipelines.extract.decode import decode_html, holds_no_nul
from pipelines.extract.jsonld import jsonld_objects
from pipelines.extract.lang import detect_lang
from pipelines.extract.layout import analyze_layout
from pipelines.extract.links import base_url, canonical_url, extract_links
from pipelines.extract.meta import meta_contents
from pipelines.extract.parse import parse_html
from pipelines.extract.publish_date import extract_publish_date, url_date
from pipelines.extract.steps import extract_steps, howto_steps, reads_as_procedure
from pipelines.extract.title import extract_title, title_element
from pipelines.store.records import LinkRecord, PageRecord, RawPage, StepRecord

__all__ = ["EXTRACTOR_VERSION", "Extraction", "extract"]

_LISTING_REGIONS = frozenset(
    {"related", "sidebar", "nav", "recommend", "hot", "footer", "pagination", "breadcrumb"}
)

#: Written to every record; bump when extraction output changes for the same input.
EXTRACTOR_VERSION = "7"


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extracted from one page."""

    page: PageRecord
    steps: list[StepRecord]
    links: list[LinkRecord]


def extract(raw: RawPage) -> Extraction:
    """Extract the page record, its steps and its links from a fetched page."""
    decoded = decode_html(raw.body, raw.headers)
    root = parse_html(decoded.text, nul_free=holds_no_nul(raw.body, decoded))
    base = base_url(root, raw.final_url)
    jsonld = jsonld_objects(root)
    meta = meta_contents(root)  # read by the title and the date cascades alike
    title = extract_title(root, jsonld, meta=meta)
    heading = title_element(root, title)
    layout = analyze_layout(root)
    published = extract_publish_date(
        root,
        jsonld,
        heading=heading,
        url=raw.final_url,
        fetched_at=raw.fetched_at,
        lines=[u.text for u in layout.units if u.region is None and not u.link_chars],
        # Lines of lists (a related block, a sidebar, any <li>, a line opening with a title
        # link) carry other articles' dates; a footer's are the site's (copyright, "Stand").
        page_lines=[
            u.text
            for u in layout.units
            if u.region not in _LISTING_REGIONS and u.li is None and not u.leads_with_link
        ],
        all_lines=[u.text for u in layout.units],
        meta=meta,
    )
    content = extract_content(layout, title)
    body_text = content.text
    steps = extract_steps(content.units) or howto_steps(jsonld)
    howto = any(
        "HowTo" in str(obj.get("@type", "")) or "Recipe" in str(obj.get("@type", ""))
        for obj in jsonld
    )
    if not reads_as_procedure(steps, title=title, body_text=body_text, howto=howto):
        steps = []
    links = extract_links(
        layout.anchors,
        base=base,
        page_urls=(raw.url, raw.final_url),
        crawl_id=raw.crawl_id,
        extractor_version=EXTRACTOR_VERSION,
    )

    kind = page_kind(
        title=title,
        body_chars=len(body_text),
        dated=published.at is not None,
        link_list=content.is_link_list(),
    )
    if kind == "list" and published.source in ("text", "script", "page") and not published.labelled:
        # A list shows one date per item; none of them is the page's (a labelled one is, and
        # so is the one in its URL).
        published = url_date(raw.final_url, raw.fetched_at)
    page = PageRecord(
        url=raw.url,
        final_url=raw.final_url,
        canonical_url=canonical_url(root, base),
        status=raw.status,
        title=title,
        published_at=published.at,
        published_raw=published.raw,
        published_source=published.source,
        body_text=body_text,
        lang=detect_lang(body_text or title or ""),
        content_hash=content_hash(body_text),
        kind=kind,
        encoding=decoded.encoding,
        fetched_at=raw.fetched_at,
        crawl_id=raw.crawl_id,
        extractor_version=EXTRACTOR_VERSION,
    )
    step_records = [
        StepRecord(
            page_url=raw.url,
            procedure=step.procedure,
            procedure_title=step.procedure_title,
            number=step.number,
            heading=step.heading,
            text=step.text,
            crawl_id=raw.crawl_id,
            extractor_version=EXTRACTOR_VERSION,
        )
        for step in steps
    ]
    return Extraction(page=page, steps=step_records, links=links)
