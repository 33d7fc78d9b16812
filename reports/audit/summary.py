"""The audit's headline numbers and the layout of its report (sections, tables, columns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from reports.render import AuditSummary
from reports.spam import NONE

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True, slots=True)
class LinkCounts:
    """The link findings' totals the summary reports: links, related links, off-topic
    related links, related links per category."""

    links: int
    related: int
    offtopic: int
    categories: dict[str, int]


_COUNTS_SQL = """
SELECT category, count(*)::BIGINT, count(*) FILTER (WHERE block = 'related')::BIGINT,
       count(*) FILTER (WHERE block = 'related' AND offtopic)::BIGINT
FROM link_findings GROUP BY category ORDER BY category
"""


def link_counts(con: duckdb.DuckDBPyConnection) -> LinkCounts:
    """The totals of the `link_findings` view of `con`."""
    links = related = offtopic = 0
    categories: dict[str, int] = {}
    for category, n, n_related, n_offtopic in con.execute(_COUNTS_SQL).fetchall():
        links += n
        related += n_related
        offtopic += n_offtopic
        if n_related:
            categories[category] = n_related
    return LinkCounts(links, related, offtopic, categories)


def audit_summary(
    root: Path,
    crawl_id: str,
    tally: LinkCounts,
    pages: pa.Table,
    duplicates: pa.Table,
    targets: pa.Table,
    min_pages: int = 1,
) -> AuditSummary:
    related = tally.related
    no_verdict = None
    if pages.num_rows < min_pages:
        no_verdict = (
            f"no verdict: {pages.num_rows:,} pages audited, fewer than the {min_pages:,} "
            "required; the crawl fetched too little to judge (see its fetches table)"
        )
    dup = duplicates.select(["field", "cluster_id"]).to_pylist()
    broken = targets.filter(
        pa.compute.and_(
            pa.compute.and_(
                targets.column("internal"), pa.compute.invert(targets.column("crawled"))
            ),
            pa.compute.is_null(targets.column("redirected_to")),
        )
    )
    return AuditSummary(
        dataset=root.name,
        crawl_id=crawl_id,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        pages=pages.num_rows,
        links=tally.links,
        related_links=related,
        spam_share=(related - tally.categories.get(NONE, 0)) / related if related else 0.0,
        offtopic_share=tally.offtopic / related if related else 0.0,
        risky_pages=sum(1 for v in pages.column("mostly_risky").to_pylist() if v),
        title_clusters=len({r["cluster_id"] for r in dup if r["field"] == "title"}),
        body_clusters=len({r["cluster_id"] for r in dup if r["field"] == "body"}),
        broken_targets=broken.num_rows,
        categories=dict(tally.categories),
        no_verdict=no_verdict,
    )
