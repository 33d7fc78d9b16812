"""The audit's headline numbers and the layout of its report (sections, tables, columns)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from reports.audit.stages import LinkTally
from reports.render import AuditSummary, ReportSection, ReportTable
from reports.spam import NONE

if TYPE_CHECKING:
    pass


def audit_summary(
    root: Path,
    crawl_id: str,
    tally: LinkTally,
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


def report_sections(
    tally: LinkTally, tables: dict[str, pa.Table], limit: int
) -> tuple[ReportTable, list[ReportSection]]:
    pages = tables["page_findings"]
    worst = ReportTable.from_arrow(
        "worst_pages",
        pages,
        ["url", "title", "related_links", "risky_links", "risky_share", "top_category"],
        limit=20,
        source="page_findings",
    )
    risky = tally.risky_table()
    targets = tables["link_targets"]
    broken = targets.filter(
        pa.compute.and_(targets.column("internal"), pa.compute.invert(targets.column("crawled")))
    )
    sections = [
        ReportSection(
            "risky-links",
            "Risky links",
            "Related-block links put in a risk category, highest score first, with the terms "
            "that decided it (every link of every block is in audit/link_findings/).",
            ReportTable.from_arrow(
                "risky_links",
                risky,
                [
                    "source_url",
                    "anchor_text",
                    "block",
                    "category",
                    "score",
                    "evidence",
                    "relatedness",
                ],
                limit=limit,
                source="link_findings",
            ),
        ),
        ReportSection(
            "pages",
            "Pages",
            "Every crawled page: its related block's risky and off-topic shares and its degrees.",
            ReportTable.from_arrow(
                "pages",
                pages,
                [
                    "url",
                    "title",
                    "category",
                    "related_links",
                    "risky_share",
                    "offtopic_share",
                    "top_category",
                    "in_links",
                    "in_related",
                    "out_links",
                ],
                limit=limit,
                source="page_findings",
            ),
        ),
        ReportSection(
            "duplicates",
            "Duplicate titles and bodies",
            "Clusters of exact and near-duplicate titles (pages and related-link anchors) and "
            "article bodies; the representative is the member kept.",
            ReportTable.from_arrow(
                "duplicates",
                tables["duplicate_clusters"],
                ["field", "cluster_id", "match", "text", "url", "is_representative", "similarity"],
                limit=limit,
                source="duplicate_clusters",
            ),
        ),
        ReportSection(
            "anchors",
            "Anchor variants",
            "Targets linked under several anchor texts, and anchor texts used for several "
            "targets (related and body blocks).",
            ReportTable.from_arrow(
                "anchors",
                tables["anchor_findings"],
                ["finding", "key", "variants", "links", "examples"],
                limit=limit,
                source="anchor_findings",
            ),
        ),
        ReportSection(
            "targets",
            "Link targets",
            "Most linked targets; internal ones that failed or were never crawled are listed "
            f"first ({broken.num_rows} of them).",
            ReportTable.from_arrow(
                "targets",
                pa.concat_tables([broken, targets]),
                [
                    "target_url",
                    "domain",
                    "internal",
                    "in_links",
                    "in_related",
                    "crawled",
                    "fetch_error",
                    "redirected_to",
                ],
                limit=limit,
                source="link_targets",
            ),
        ),
    ]
    return worst, sections
