"""The audit: read a crawl's Parquet tables, compute findings, write audit/ tables and reports.

Stages (`stages`), each a function over Arrow data, run in order by `run.run_audit`; the
summary and the report layout are in `summary`, rendering in `reports.render`:
1. spam: every link's risk category from its anchor and, when crawled, its target's title and
   body (`reports.spam`); evidence kept per link.
2. off-topic: every link's relatedness to the page carrying it (`reports.offtopic`).
3. pages: per page, the related block's risky and off-topic shares, and its degrees.
4. duplicates: exact and near-duplicate titles and bodies (`reports.neardup`).
5. graph: link targets (crawled, failed, redirected) and anchor variants (`reports.graph`).

Links are processed one committed batch at a time (a batch's pages and links parts belong
together), so memory holds one batch of links plus a small per-page summary.
"""

from reports.audit.config import AUDIT_DIR, AuditConfig, AuditError
from reports.audit.run import AuditResult, read_findings, run_audit

__all__ = ["AUDIT_DIR", "AuditConfig", "AuditError", "AuditResult", "read_findings", "run_audit"]
