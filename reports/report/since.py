"""What changed since an older audit of the same site: `farmaudit audit NEW --since OLD`.

Compares the two audits' findings tables only (DuckDB over their Parquet parts): spam targets
that appeared or went, risky links that are new (by source page, target and anchor), and
duplicate clusters whose representative text the older audit did not have. A nightly crawl
then shows an injection the day it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from pipelines.store.dataset import read_manifest
from pipelines.store.schema import CHANGES, LINK_TARGETS
from reports.graph import spilling
from reports.report.data import connect

if TYPE_CHECKING:
    from pathlib import Path

_DOMAIN = "coalesce(regexp_extract(target_url, '^[a-z]+://([^/:?#]+)', 1), '')"

_SQL = f"""
WITH new_risky AS (
    SELECT DISTINCT source_url, target_url, anchor_text, category FROM link_findings
    WHERE category <> 'none' AND target_url IS NOT NULL
),
old_risky AS (
    SELECT DISTINCT source_url, target_url, anchor_text, category FROM old_link_findings
    WHERE category <> 'none' AND target_url IS NOT NULL
),
new_targets AS (
    SELECT target_url, min(category) AS category, count(*) AS links FROM new_risky GROUP BY 1
),
old_targets AS (
    SELECT target_url, min(category) AS category, count(*) AS links FROM old_risky GROUP BY 1
),
new_reps AS (SELECT field, text, url, cluster_id FROM duplicate_clusters WHERE is_representative),
new_sizes AS (SELECT field, cluster_id, count(*) AS members FROM duplicate_clusters GROUP BY 1, 2),
old_texts AS (SELECT DISTINCT field, text FROM old_duplicate_clusters)
SELECT 'new_spam_target' AS change, category, NULL AS source_url, target_url,
       {_DOMAIN} AS domain, '' AS text, links
FROM new_targets WHERE target_url NOT IN (SELECT target_url FROM old_targets)
UNION ALL
SELECT 'gone_spam_target', category, NULL, target_url, {_DOMAIN}, '', links
FROM old_targets WHERE target_url NOT IN (SELECT target_url FROM new_targets)
UNION ALL
SELECT 'new_risky_link', n.category, n.source_url, n.target_url, {_DOMAIN}, n.anchor_text, 1
FROM new_risky n ANTI JOIN old_risky o USING (source_url, target_url, anchor_text)
UNION ALL
SELECT 'new_duplicate_cluster', r.field, r.url, NULL, '', r.text, s.members
FROM new_reps r JOIN new_sizes s USING (field, cluster_id)
ANTI JOIN old_texts o ON o.field = r.field AND o.text = r.text
ORDER BY change, source_url NULLS FIRST, target_url NULLS FIRST, text
"""  # noqa: S608 - constant SQL


@dataclass(frozen=True, slots=True)
class Changes:
    """The changes table and its counts by kind."""

    table: pa.Table
    since_crawl_id: str

    def count(self, change: str) -> int:
        """Rows of one kind of change."""
        return sum(1 for c in self.table.column("change").to_pylist() if c == change)


def compare_audits(new_audit: Path, old_dataset: Path) -> Changes:
    """The changes from `old_dataset`'s audit to the findings under `new_audit`."""
    from reports.audit.config import AUDIT_DIR, AuditError

    old_audit = old_dataset / AUDIT_DIR
    if not (old_audit / "link_findings").is_dir():
        raise AuditError(
            f"--since {old_dataset}: no audit findings there; "
            f"run `farmaudit audit {old_dataset}` first"
        )
    manifest = read_manifest(old_dataset)
    since = manifest.crawl_id if manifest else old_dataset.name
    con = connect(new_audit)
    try:
        for table in ("link_findings", "duplicate_clusters"):
            files = sorted(str(p) for p in (old_audit / table).glob("part-*.parquet"))
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files) or "''"
            con.execute(
                f"CREATE VIEW old_{table} AS SELECT * FROM read_parquet([{listed}])"  # noqa: S608 - constant names, quoted paths
            )
        result = con.sql(_SQL).to_arrow_table()
    finally:
        con.close()
    n = result.num_rows
    columns = [result.column(f.name).cast(f.type) for f in CHANGES if f.name != "since_crawl_id"]
    table = pa.Table.from_arrays([*columns, pa.array([since] * n, pa.string())], schema=CHANGES)
    return Changes(table, since)


_CARRY = """
SELECT t.* REPLACE (
    CASE WHEN o.first_seen IS NOT NULL AND (t.first_seen IS NULL OR o.first_seen < t.first_seen)
         THEN o.first_seen ELSE t.first_seen END AS first_seen)
FROM (SELECT *, row_number() OVER () AS row_ FROM targets) t
LEFT JOIN (SELECT target_url, min(first_seen) AS first_seen FROM old GROUP BY 1) o
USING (target_url)
ORDER BY t.row_
"""


def carry_first_seen(targets: pa.Table, old_dataset: Path) -> pa.Table:
    """`targets` (link_targets) with each first_seen moved back to the older audit's, if earlier.

    An older audit written before link_targets had first_seen, or none at all, changes nothing
    (compare_audits names a missing older audit).
    """
    from reports.audit.config import AUDIT_DIR

    files = sorted(
        str(p) for p in (old_dataset / AUDIT_DIR / "link_targets").glob("part-*.parquet")
    )
    if not files:
        return targets
    con = duckdb.connect(config=spilling())
    try:
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE VIEW old AS SELECT * FROM read_parquet([{listed}])")  # noqa: S608 - quoted paths
        if "first_seen" not in _columns(con, "old"):
            return targets
        con.register("targets", targets)
        result = con.sql(_CARRY).to_arrow_table()
    finally:
        con.close()
    return pa.Table.from_arrays(
        [result.column(f.name).cast(f.type) for f in LINK_TARGETS], schema=LINK_TARGETS
    )


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()}
