"""The report an analyst acts on: report.html, report.md and CSVs, from the findings tables.

`write_reports(audit_folder, dataset_root, config)` is the audit's last stage. It reads only
the findings tables under `audit_folder` (DuckDB over their Parquet parts) and the dataset's
crawl.json, never a page's text, and writes into `audit_folder`:

- report.html: one self-contained page (inline CSS, script and SVG; a CSP forbids fetching).
  Tables are embedded once as JSON and rendered by the page in steps; filter and sort work on
  every embedded row; a table longer than the page embeds (`EMBED_BYTES` for all tables) says
  "N of M" and links its CSV. Every scraped string reaches the DOM as text (textContent),
  never as markup.
- report.md: a summary to paste into a ticket (under 200 lines).
- *.csv: every row of every table, formula-safe for spreadsheets; risky_links.csv up to a
  spreadsheet's row limit (`RISKY_CSV_ROWS`; past it the first rows, and the report says so:
  every risky link is in the link_findings table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.store.commits import write_text_atomic
from pipelines.store.dataset import read_manifest
from reports.report.data import EMBED_ROWS, RISKY_CSV_ROWS, connect, read_report_data
from reports.report.render import ReportContext, render_report_html, render_report_markdown
from reports.spam import category_descriptions, load_lexicons

if TYPE_CHECKING:
    from pathlib import Path

    from reports.audit.config import AuditConfig

__all__ = ["ReportSummary", "write_reports"]


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What `write_reports` wrote, and the headline counts it showed."""

    html: Path
    markdown: Path
    csvs: tuple[Path, ...]
    pages: int
    risky_links: int
    spam_targets: int


def write_reports(
    audit_folder: Path,
    dataset_root: Path,
    config: AuditConfig | None = None,
    *,
    generated_at: str = "",
    no_verdict: str | None = None,
    embed_rows: int = EMBED_ROWS,
    risky_csv_rows: int = RISKY_CSV_ROWS,
    threads: int = 1,
) -> ReportSummary:
    """Write report.html, report.md and the CSVs into `audit_folder` from its findings
    (`threads`: DuckDB's, for the queries over the findings)."""
    manifest = read_manifest(dataset_root)
    lexicon = load_lexicons(list(config.lexicon_paths) if config else None)
    con = connect(audit_folder, threads=threads)
    try:
        data = read_report_data(
            con, audit_folder, embed_rows=embed_rows, risky_csv_rows=risky_csv_rows
        )
    finally:
        con.close()
    legend = category_descriptions(lexicon)
    html_path = audit_folder / "report.html"
    md_path = audit_folder / "report.md"
    compared = bool(config and config.since)
    ctx = ReportContext(dataset_root.name, manifest, generated_at, no_verdict, compared)
    write_text_atomic(render_report_html(data, legend, ctx), html_path)
    write_text_atomic(render_report_markdown(data, legend, ctx), md_path)
    csvs = tuple(audit_folder / t.csv for t in data.tables.values() if t.csv)
    return ReportSummary(
        html=html_path,
        markdown=md_path,
        csvs=(*csvs, audit_folder / "risky_links.csv"),
        pages=data.pages,
        risky_links=data.risky_links,
        spam_targets=data.tables["targets"].total,
    )
