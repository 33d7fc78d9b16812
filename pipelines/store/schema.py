"""The Arrow schemas: the one definition of every dataset table.

Each field carries a `description` in its metadata and each schema a `name` and `version`;
both survive a Parquet round trip. `datasets/README.md` is rendered from this module
(`farmaudit schema --markdown`) and a test fails when it is stale.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"

#: Where a link sits on its page.
LINK_BLOCKS = ("related", "body", "nav", "sidebar", "breadcrumb", "footer", "pagination")
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
            "Which rule found the date: jsonld, meta, time, text, url; title (a date standing "
            "as a part of <title> or og:title of its own); script (a publish-date key in the "
            "page's inline JSON); page (the weakest: the most frequent date anywhere on the "
            "page, as htmldate's extensive search).",
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
    "One row per URL the crawl tried, failures and refusals (robots, trap) included; its "
    "retries and redirects are part of that row. A URL has at most one row.",
    [
        _field("url", pa.string(), "URL requested."),
        _field(
            "final_url",
            pa.string(),
            "URL after redirects (for off_scope and duplicate: the redirect target, not "
            "fetched); null when no response came.",
            nullable=True,
        ),
        _field("status", pa.int32(), "HTTP status; null when no response came.", nullable=True),
        _field(
            "error",
            pa.string(),
            "Why no page came of the fetch: timeout, reset, truncated, refused, dns, too_large, "
            "decode_error, not_html, robots, trap, off_scope (a redirect off the crawl's hosts), "
            "duplicate (a redirect to a URL fetched under another row), redirect_loop, "
            "too_many_redirects, http_<code>; null on success.",
            nullable=True,
        ),
        _field("bytes", pa.int64(), "Body bytes received."),
        _field("elapsed_ms", pa.float64(), "Download time in milliseconds.", nullable=True),
        _field("depth", pa.int32(), "Link hops from a start URL."),
        _field("referrer", pa.string(), "Page whose link led here.", nullable=True),
        _field("fetched_at", _TS, "When the attempt ended (UTC)."),
        _field("crawl_id", pa.string(), "Crawl that made the attempt."),
        _field("retries", pa.int32(), "Retries before this outcome (0: the first try ended it)."),
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

# --- audit findings (written by reports/, under datasets/<name>/audit/) ------------------------

LINK_FINDINGS = _schema(
    "link_findings",
    "One row per link of the crawl: its risk category with evidence, and how related it is to "
    "the page that carries it.",
    [
        _field("source_url", pa.string(), "Page holding the link (links.source_url)."),
        _field("target_url", pa.string(), "Normalised target (links.target_url).", nullable=True),
        _field("anchor_text", pa.string(), "Visible link text."),
        _field("block", pa.string(), "Block the link sits in (links.block)."),
        _field("position", pa.int32(), "Position within the block (links.position)."),
        _field("internal", pa.bool_(), "Target on the same host as the source."),
        _field(
            "category",
            pa.string(),
            "Risk category: cashout, lending, crypto, gambling, adult, legal or none.",
        ),
        _field(
            "score",
            pa.float64(),
            "Score of the winning category: the model's probability (0-1), or the sum of term "
            "weights when the lexicons decide alone.",
        ),
        _field(
            "evidence",
            pa.list_(pa.string()),
            "Matched lexicon terms with weights ('e卡回收(+3.0)'; from the target 'title:…', "
            "'body:…') and the model's strongest n-grams ('model:卡回收(+0.41)').",
        ),
        _field(
            "relatedness",
            pa.float64(),
            "0..1 similarity of the link (anchor, and target when crawled) to its source page.",
        ),
        _field("offtopic", pa.bool_(), "relatedness is below the off-topic threshold."),
        _field("target_crawled", pa.bool_(), "The target page is in the dataset's pages table."),
        _field("crawl_id", pa.string(), "Crawl the links come from."),
    ],
)

PAGE_FINDINGS = _schema(
    "page_findings",
    "One row per crawled page: its related block's spam and off-topic shares and its place in "
    "the link graph.",
    [
        _field("url", pa.string(), "Page URL (pages.url)."),
        _field("title", pa.string(), "Page title.", nullable=True),
        _field("category", pa.string(), "Risk category of the page's own title and body."),
        _field("related_links", pa.int32(), "Links in the page's related block."),
        _field("risky_links", pa.int32(), "Related links with a category other than none."),
        _field("risky_share", pa.float64(), "risky_links / related_links (0 when no block)."),
        _field("offtopic_share", pa.float64(), "Share of related links flagged off-topic."),
        _field("top_category", pa.string(), "Most frequent risk category in the related block."),
        _field("mostly_risky", pa.bool_(), "risky_share is at or above the page threshold."),
        _field("mostly_offtopic", pa.bool_(), "offtopic_share is at or above the page threshold."),
        _field("out_links", pa.int32(), "Links on the page."),
        _field("in_links", pa.int32(), "Links to the page from crawled pages."),
        _field("in_related", pa.int32(), "Links to the page from related blocks."),
        _field("crawl_id", pa.string(), "Crawl the page comes from."),
        _field(
            "published_at",
            _TS,
            "The page's publish time (pages.published_at), for the report's timeline.",
            nullable=True,
        ),
        _field("kind", pa.string(), "article, list or other (pages.kind)."),
    ],
)

DUPLICATE_CLUSTERS = _schema(
    "duplicate_clusters",
    "Exact and near-duplicate titles and article bodies, one row per cluster member.",
    [
        _field("field", pa.string(), "What was compared: title or body."),
        _field("cluster_id", pa.int32(), "Cluster number within the field."),
        _field("match", pa.string(), "exact (equal after normalisation) or near."),
        _field("text", pa.string(), "The member's title, or the first 200 characters of its body."),
        _field(
            "url",
            pa.string(),
            "Page of the member; null for a title seen only as anchor text.",
            nullable=True,
        ),
        _field("is_representative", pa.bool_(), "The member kept as the cluster's survivor."),
        _field("similarity", pa.float64(), "Lowest verified similarity inside the cluster."),
        _field("threshold", pa.float64(), "Similarity threshold the audit ran with."),
    ],
)

SPAM_FAMILIES = _schema(
    "spam_families",
    "Template families: titles that fill one template with different names (a city, a lender, "
    "a product), one row per family. Each member is a different article to the near-duplicate "
    "check, so members are not duplicate_clusters; together they are one spam finding.",
    [
        _field("family_id", pa.int32(), "Family number, largest family first."),
        _field(
            "template",
            pa.string(),
            "The shared template, normalised, with {} where the slot value goes.",
        ),
        _field("members", pa.int32(), "Distinct titles in the family (at least three)."),
        _field("slots", pa.list_(pa.string()), "Each member's slot value, in member order."),
        _field("texts", pa.list_(pa.string()), "Each member's title as first seen."),
        _field(
            "urls",
            pa.list_(pa.string()),
            "Each member's page; null for a title seen only as anchor text.",
        ),
    ],
)

ANCHOR_FINDINGS = _schema(
    "anchor_findings",
    "Targets linked under several anchor texts, and anchor texts pointing at several targets.",
    [
        _field("finding", pa.string(), "target_many_anchors or anchor_many_targets."),
        _field("key", pa.string(), "The target URL or the anchor text."),
        _field("variants", pa.int32(), "Distinct anchors (or targets) for the key."),
        _field("links", pa.int32(), "Links behind the finding."),
        _field("examples", pa.list_(pa.string()), "Up to five of the variants."),
    ],
)

LINK_TARGETS = _schema(
    "link_targets",
    "One row per distinct link target: how often it is linked and whether it was crawled.",
    [
        _field("target_url", pa.string(), "Normalised target URL."),
        _field("domain", pa.string(), "Host of the target."),
        _field("internal", pa.bool_(), "Linked as internal (same host as a source)."),
        _field("in_links", pa.int32(), "Links to it."),
        _field("in_related", pa.int32(), "Links to it from related blocks."),
        _field("source_pages", pa.int32(), "Distinct pages linking to it."),
        _field("crawled", pa.bool_(), "A page row exists for it."),
        _field(
            "fetch_error",
            pa.string(),
            "Why its fetch failed (fetches.error); null when fetched or never tried.",
            nullable=True,
        ),
        _field(
            "redirected_to",
            pa.string(),
            "Final URL when fetching it redirected elsewhere.",
            nullable=True,
        ),
        _field(
            "first_seen",
            _TS,
            "Earliest fetched_at of a page linking it; with --since, the older audit's "
            "first_seen when earlier, so a nightly crawl keeps when a target first appeared.",
            nullable=True,
        ),
        _field("last_seen", _TS, "Latest fetched_at of a page linking it.", nullable=True),
    ],
)

CHANGES = _schema(
    "changes",
    "What changed since an older audit of the same site (`farmaudit audit NEW --since OLD`): "
    "one row per new or gone spam target, new risky link and new duplicate cluster. Empty "
    "without --since.",
    [
        _field(
            "change",
            pa.string(),
            "new_spam_target, gone_spam_target, new_risky_link or new_duplicate_cluster.",
        ),
        _field("category", pa.string(), "Risk category (the field, for a duplicate cluster)."),
        _field("source_url", pa.string(), "Page holding the new risky link.", nullable=True),
        _field("target_url", pa.string(), "The spam target or the link's target.", nullable=True),
        _field("domain", pa.string(), "Host of target_url (empty for a cluster)."),
        _field(
            "text",
            pa.string(),
            "Anchor text of a new risky link, or a new cluster's representative text.",
        ),
        _field(
            "links",
            pa.int32(),
            "Risky links to the target (in the newer audit, or "
            "the older one for a gone target); cluster members for a cluster.",
        ),
        _field("since_crawl_id", pa.string(), "Crawl of the older audit compared against."),
    ],
)

#: Tables the audit writes under datasets/<name>/audit/, by folder name.
AUDIT_TABLES: dict[str, pa.Schema] = {
    "link_findings": LINK_FINDINGS,
    "page_findings": PAGE_FINDINGS,
    "duplicate_clusters": DUPLICATE_CLUSTERS,
    "spam_families": SPAM_FAMILIES,
    "anchor_findings": ANCHOR_FINDINGS,
    "link_targets": LINK_TARGETS,
    "changes": CHANGES,
}
