"""The audit: read a crawl's Parquet tables, compute findings, write audit/ tables and reports.

The audit is a list of stages of one shape (`stage.Stage`: a name, the tables it reads, the
earlier stages it needs, the tables it writes, its counts), run in order by `run.run_audit`
in the work folder `DATASET/.audit-work/`, each holding a bounded batch in memory:

1. targets (`texts`): every page's text under its URL (and a redirect's final URL), spilled.
2. topics (`texts`): the topic model fitted on the pages' titles (`reports.offtopic`).
3. links (`links`): every link's risk category (`reports.spam`) and relatedness, batch by batch.
4. graph (`stages`): link targets and anchor variants in DuckDB (`reports.graph`).
5. pages (`stages`): per page, its related block's shares (link findings aggregated in
   DuckDB), its degrees and its own category.
6. duplicates (`stages`): exact and near-duplicate titles and bodies (`reports.neardup`).
7. changes (`stages`): what changed since an older audit (`--since`).
8. report (`run`): the summary (`summary`) and the report (`reports.report`) from the
   findings alone; the findings and reports are swapped in as `audit/`.

A journal of finished stages lets an interrupted audit resume, and `run_audit_stage` re-runs
one stage alone.
"""

from reports.audit.config import AUDIT_DIR, AuditConfig, AuditError
from reports.audit.run import (
    STAGE_NAMES,
    AuditResult,
    read_findings,
    run_audit,
    run_audit_stage,
)

__all__ = [
    "AUDIT_DIR",
    "STAGE_NAMES",
    "AuditConfig",
    "AuditError",
    "AuditResult",
    "read_findings",
    "run_audit",
    "run_audit_stage",
]
