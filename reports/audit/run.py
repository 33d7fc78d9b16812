"""The audit's orchestration: run the stages in order, write audit/ through a staging folder."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import read_part, require_dataset
from pipelines.store.ownership import audit_foreign_entries, refuse_foreign, swap_in
from pipelines.store.schema import AUDIT_TABLES, CHANGES
from reports import graph
from reports.audit.config import AUDIT_DIR, AuditConfig, AuditError
from reports.audit.stages import (
    duplicates_table,
    page_findings_table,
    read_pages,
    write_link_findings,
)
from reports.audit.summary import audit_summary
from reports.offtopic import TopicModel
from reports.render import AuditSummary
from reports.report import write_reports
from reports.report.since import carry_first_seen, compare_audits
from reports.spam import load_lexicons

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Where the audit wrote its outputs, and its headline numbers."""

    folder: Path
    summary: AuditSummary
    tables: dict[str, int]


def run_audit(
    root: Path, config: AuditConfig | None = None, *, progress: Callable[[str], None] | None = None
) -> AuditResult:
    """Audit the dataset at `root` and write `root/audit/` (tables, report.md, report.html).

    Everything is written into a hidden staging folder first and swapped in at the end, so a
    failed or killed audit leaves the previous audit/ as it was.
    """
    config = config or AuditConfig()
    say = progress or (lambda _msg: None)
    manifest = require_dataset(root)
    folder = root / AUDIT_DIR
    refuse_foreign(folder, _foreign(folder), "replace it")  # before the work, not after
    lexicon = load_lexicons(list(config.lexicon_paths) or None)
    staging = root / f".{AUDIT_DIR}-{uuid.uuid4().hex[:8]}"
    try:
        say("reading pages")
        pages = read_pages(root)
        model = TopicModel.fit(
            ((p.title or "") + "\n" + p.body for p in pages.values() if p.primary),
            config.offtopic,
        )
        say(f"classifying the links of {len(pages):,} pages")
        tally = write_link_findings(root, staging, pages, lexicon, model, config)
        say("link graph")
        con = graph.connect(root)
        targets = graph.link_targets(con)
        if config.since:  # a target's first sighting survives from one nightly audit to the next
            targets = carry_first_seen(targets, config.since)
        anchors = graph.anchor_findings(con)
        degrees = graph.page_degrees(con)
        con.close()
        page_findings = page_findings_table(pages, tally, degrees, lexicon, config)
        say("duplicates")
        duplicates = duplicates_table(pages, tally, config.dedup)
        tables = {
            "page_findings": page_findings,
            "duplicate_clusters": duplicates,
            "anchor_findings": anchors,
            "link_targets": targets,
        }
        staging_tables(staging, tables)
        changes = compare_audits(staging, config.since) if config.since else None
        tables["changes"] = changes.table if changes else CHANGES.empty_table()
        write_table_atomic(tables["changes"], staging / "changes" / "part-0.parquet")
        summary = audit_summary(
            root, manifest.crawl_id, tally, page_findings, duplicates, targets, config.min_pages
        )
        if changes:
            summary = replace(
                summary,
                new_spam_links=changes.count("new_risky_link"),
                new_spam_targets=changes.count("new_spam_target"),
                gone_spam_targets=changes.count("gone_spam_target"),
                new_duplicate_clusters=changes.count("new_duplicate_cluster"),
            )
        write_reports(
            staging,
            root,
            config,
            generated_at=summary.generated_at,
            no_verdict=summary.no_verdict,
        )
        swap_in(staging, folder, _foreign(folder))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = {name: t.num_rows for name, t in tables.items()} | {"link_findings": tally.links}
    return AuditResult(folder, summary, counts)


def staging_tables(staging: Path, tables: dict[str, pa.Table]) -> None:
    """Write `tables` into the staging folder (the comparison and the report read them)."""
    for name, table in tables.items():
        write_table_atomic(table, staging / name / "part-0.parquet")


def _foreign(folder: Path) -> list[str]:
    return audit_foreign_entries(folder, f"{AUDIT_DIR}/") if folder.exists() else []


def read_findings(root: Path, table: str) -> pa.Table:
    """An audit table of the dataset at `root`, each part checked against its contract."""
    schema = AUDIT_TABLES[table]
    folder = root / AUDIT_DIR / table
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise AuditError(f"{folder}: no findings; run `farmaudit audit {root}` first")
    return pa.concat_tables([read_part(p, schema) for p in parts])
