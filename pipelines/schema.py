"""The Arrow schemas: the one definition of every dataset table.

Each field carries a `description` in its metadata and each schema a `name` and `version`;
both survive a Parquet round trip. `datasets/README.md` is rendered from this module
(`farmaudit schema --markdown`) and a test fails when it is stale.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"

#: Where a link sits on its page.
LINK_BLOCKS = ("related", "body", "nav", "sidebar", "breadcrumb", "footer")
#: What a page is.
PAGE_KINDS = ("article", "list", "other")

_TS = pa.timestamp("us", tz="UTC")


def _field(name: str, type_: pa.DataType, description: str, *, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def _schema(name: str, description: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={"name": name, "version": SCHEMA_VERSION, "description": description},
    )


RAW = _schema(
    "raw",
    "Every page as fetched, so that all other tables can be re-extracted without crawling.",
    [
        _field("url", pa.string(), "URL requested."),
        _field("final_url", pa.string(), "URL after redirects."),
        _field("status", pa.int32(), "HTTP status code."),
        _field(
            "headers",
            pa.map_(pa.string(), pa.string()),
            "Response headers, lower-case names; repeated headers joined with ', '.",
        ),
        _field("body", pa.binary(), "Response body bytes as received (zstd in the Parquet file)."),
        _field(
            "encoding",
            pa.string(),
            "Encoding the crawler detected (header, BOM, meta or guess).",
            nullable=True,
        ),
        _field("fetched_at", _TS, "When the response arrived (UTC)."),
        _field("depth", pa.int32(), "Link hops from a start URL."),
        _field("referrer", pa.string(), "Page whose link led here.", nullable=True),
        _field("elapsed_ms", pa.float64(), "Download time in milliseconds.", nullable=True),
        _field("crawl_id", pa.string(), "Crawl that fetched the page (see crawl.json)."),
    ],
)

PAGES = _schema(
    "pages",
    "One row per fetched HTML page: the extracted article fields.",
    [
        _field("url", pa.string(), "URL requested."),
        _field("final_url", pa.string(), "URL after redirects."),
        _field(
            "canonical_url",
            pa.string(),
            'The page\'s `<link rel="canonical">`, resolved; null when absent.',
            nullable=True,
        ),
        _field("status", pa.int32(), "HTTP status code."),
        _field(
            "title",
            pa.string(),
            "Article title without the site-name suffix; null when none is found.",
            nullable=True,
        ),
        _field(
            "published_at",
            _TS,
            "Publish time in UTC. Times shown without a zone are read as Beijing time (UTC+8); "
            "null when the page shows no date.",
            nullable=True,
        ),
        _field("published_raw", pa.string(), "The publish date string as shown.", nullable=True),
        _field(
            "published_source",
            pa.string(),
            "Which rule found the date: jsonld, meta, time, text, url.",
            nullable=True,
        ),
        _field("body_text", pa.string(), "Main text, paragraphs joined by newlines."),
        _field("lang", pa.string(), "Language guess: zh, en or null.", nullable=True),
        _field("content_hash", pa.string(), "SHA-1 of the normalised body text."),
        _field("kind", pa.string(), "article, list or other."),
        _field("encoding", pa.string(), "Encoding the body was decoded with.", nullable=True),
        _field("fetched_at", _TS, "When the response arrived (UTC)."),
        _field("crawl_id", pa.string(), "Crawl that fetched the page."),
        _field("extractor_version", pa.string(), "Version of the extractor that wrote the row."),
    ],
)

STEPS = _schema(
    "steps",
    "One row per step of each ordered procedure on a page.",
    [
        _field("page_url", pa.string(), "URL of the page (pages.url)."),
        _field("procedure", pa.int32(), "1-based index of the procedure on the page."),
        _field(
            "procedure_title",
            pa.string(),
            "Heading that introduces the procedure, when there is one.",
            nullable=True,
        ),
        _field("number", pa.int32(), "Step number within the procedure, from 1."),
        _field(
            "heading",
            pa.string(),
            "Short step heading (the words before the colon, e.g. 登录账号).",
            nullable=True,
        ),
        _field("text", pa.string(), "Step text after the heading."),
        _field("crawl_id", pa.string(), "Crawl that fetched the page."),
        _field("extractor_version", pa.string(), "Version of the extractor that wrote the row."),
    ],
)

LINKS = _schema(
    "links",
    "One row per `<a href>` on a page, in document order.",
    [
        _field("source_url", pa.string(), "URL of the page holding the link (pages.url)."),
        _field(
            "target_url",
            pa.string(),
            "href resolved against the page and normalised (fragment dropped); null for "
            "javascript:, data: and unparsable hrefs.",
            nullable=True,
        ),
        _field("href", pa.string(), "The href attribute as written."),
        _field("anchor_text", pa.string(), "Visible link text, whitespace collapsed."),
        _field("block", pa.string(), "Where the link sits: " + ", ".join(LINK_BLOCKS) + "."),
        _field("position", pa.int32(), "1-based position of the link within its block."),
        _field("internal", pa.bool_(), "Target is on the same host as the source."),
        _field("rel", pa.list_(pa.string()), "Tokens of the rel attribute (nofollow, ...)."),
        _field("crawl_id", pa.string(), "Crawl that fetched the page."),
        _field("extractor_version", pa.string(), "Version of the extractor that wrote the row."),
    ],
)

FETCHES = _schema(
    "fetches",
    "One row per fetch attempt that ended, failures included.",
    [
        _field("url", pa.string(), "URL requested."),
        _field("final_url", pa.string(), "URL after redirects.", nullable=True),
        _field("status", pa.int32(), "HTTP status; null when no response came.", nullable=True),
        _field(
            "error",
            pa.string(),
            "Why the fetch failed (timeout, dns, refused, reset, http_<code>, ...); null on "
            "success.",
            nullable=True,
        ),
        _field("bytes", pa.int64(), "Body bytes received."),
        _field("elapsed_ms", pa.float64(), "Download time in milliseconds.", nullable=True),
        _field("depth", pa.int32(), "Link hops from a start URL."),
        _field("referrer", pa.string(), "Page whose link led here.", nullable=True),
        _field("fetched_at", _TS, "When the attempt ended (UTC)."),
        _field("crawl_id", pa.string(), "Crawl that made the attempt."),
    ],
)

#: Tables a crawl writes, by folder name.
CRAWL_TABLES: dict[str, pa.Schema] = {
    "raw": RAW,
    "pages": PAGES,
    "steps": STEPS,
    "links": LINKS,
    "fetches": FETCHES,
}
