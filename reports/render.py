"""Render audit findings as report.md and a self-contained report.html.

Rendering only: the numbers come from `reports.audit`. Every scraped string is escaped, by
Jinja's autoescape in HTML and by `md_escape` in Markdown; the HTML makes no network request
(inline CSS, inline script, inline SVG, and a Content-Security-Policy that forbids fetching).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyarrow as pa

CATEGORY_ORDER = ("cashout", "lending", "crypto", "gambling", "adult", "legal", "none")
_CATEGORY_COLORS = {
    "cashout": "#d93025",
    "lending": "#f29900",
    "crypto": "#1a73e8",
    "gambling": "#9334e6",
    "adult": "#e52592",
    "legal": "#188038",
    "none": "#9aa0a6",
}


@dataclass(frozen=True, slots=True)
class ReportTable:
    """Rows of one findings table as shown in a report (possibly the first N of `total`)."""

    id: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    total: int
    source: str
    numeric: frozenset[str] = frozenset()

    @classmethod
    def from_arrow(
        cls, id_: str, table: pa.Table, columns: Sequence[str], *, limit: int, source: str
    ) -> ReportTable:
        """The first `limit` rows of `table`'s `columns`."""
        import pyarrow.types as pat

        head = table.select(list(columns)).slice(0, limit)
        numeric = frozenset(
            f.name for f in head.schema if pat.is_integer(f.type) or pat.is_floating(f.type)
        )
        return cls(id_, tuple(columns), head.to_pylist(), table.num_rows, source, numeric)


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A titled table of the report."""

    id: str
    title: str
    note: str
    table: ReportTable


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """The headline numbers of an audit, shown first in both reports."""

    dataset: str
    crawl_id: str
    generated_at: str
    pages: int
    links: int
    related_links: int
    spam_share: float
    offtopic_share: float
    risky_pages: int
    title_clusters: int
    body_clusters: int
    broken_targets: int
    categories: dict[str, int] = field(default_factory=dict)
    #: Why the numbers are no verdict (too few pages), shown as the report's headline.
    no_verdict: str | None = None
    #: Changes since the older audit of `--since` (0 without it).
    new_spam_links: int = 0
    new_spam_targets: int = 0
    gone_spam_targets: int = 0
    new_duplicate_clusters: int = 0

    def metrics(self) -> dict[str, float]:
        """The numbers `--fail-on` can test, by name."""
        return {
            "spam_share": self.spam_share,
            "offtopic_share": self.offtopic_share,
            "risky_pages": self.risky_pages,
            "title_clusters": self.title_clusters,
            "body_clusters": self.body_clusters,
            "broken_targets": self.broken_targets,
            "pages": self.pages,
            "related_links": self.related_links,
            "new_spam_links": self.new_spam_links,
            "new_spam_targets": self.new_spam_targets,
            "gone_spam_targets": self.gone_spam_targets,
            "new_duplicate_clusters": self.new_duplicate_clusters,
        }


def pct(value: float) -> str:
    """0.1234 → '12.3%'."""
    return f"{value * 100:.1f}%"


def fmt(value: Any) -> str:
    """A cell's text: floats to 3 places, lists joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return " · ".join(fmt(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def bar_chart_svg(counts: dict[str, int], *, width: int = 640) -> str:
    """An inline SVG bar chart of related links per category (labels escaped)."""
    rows = [(c, counts.get(c, 0)) for c in CATEGORY_ORDER if counts.get(c, 0)]
    rows += [(c, n) for c, n in sorted(counts.items()) if c not in CATEGORY_ORDER and n]
    total = sum(n for _, n in rows) or 1
    top = max((n for _, n in rows), default=1)
    bar_h, gap, label_w = 22, 6, 90
    height = max(1, len(rows)) * (bar_h + gap)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            'aria-label="related links by category">'
        )
    ]
    for i, (category, n) in enumerate(rows):
        y = i * (bar_h + gap)
        w = int((width - label_w - 130) * n / top)
        color = _CATEGORY_COLORS.get(category, "#5f6368")
        label = html.escape(category)
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="13">{label}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{color}">'
            f"<title>{label}: {n}</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13">'
            f"{n:,} ({pct(n / total)})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _table_html(table: ReportTable) -> Markup:
    return Markup(_env.get_template("table.html").render(t=table, fmt=fmt))  # noqa: S704 - the template autoescapes


def render_html(
    summary: AuditSummary, worst_pages: ReportTable, sections: Sequence[ReportSection]
) -> str:
    """report.html: summary and chart first, then one sortable, filterable table per section."""
    return _env.get_template("report.html").render(
        s=summary,
        chart=Markup(bar_chart_svg(summary.categories)),  # noqa: S704 - built from escaped parts
        tables={"worst_pages": worst_pages},
        sections=sections,
        table=_table_html,
        pct=pct,
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_escape(value: Any) -> str:
    """A cell's text safe inside a Markdown table: specials backslashed, newlines folded."""
    text = fmt(value).replace("\n", " ").replace("\r", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(table: ReportTable) -> str:
    lines = [
        "| " + " | ".join(table.columns) + " |",
        "| " + " | ".join("---:" if c in table.numeric else "---" for c in table.columns) + " |",
    ]
    lines += [
        "| " + " | ".join(md_escape(row[c]) for c in table.columns) + " |" for row in table.rows
    ]
    if table.total > len(table.rows):
        lines.append("")
        lines.append(
            f"Showing {len(table.rows)} of {table.total} rows; "
            f"the full table is in `audit/{table.source}/`."
        )
    return "\n".join(lines)


def render_markdown(
    summary: AuditSummary, worst_pages: ReportTable, sections: Sequence[ReportSection]
) -> str:
    """report.md: the same content as the HTML report, as Markdown tables."""
    s = summary
    out = [
        f"# farmaudit report: {md_escape(s.dataset)}",
        "",
        (
            f"crawl {md_escape(s.crawl_id)} · {s.pages} pages · {s.links} links "
            f"({s.related_links} in related blocks) · generated {s.generated_at}"
        ),
        "",
        *([f"**{md_escape(s.no_verdict)}**", ""] if s.no_verdict else []),
        "## Summary",
        "",
        f"- {pct(s.spam_share)} of related links are risky",
        f"- {pct(s.offtopic_share)} of related links are off-topic",
        f"- {s.risky_pages} pages with a mostly risky related block",
        f"- {s.title_clusters} duplicate title clusters, {s.body_clusters} duplicate body clusters",
        f"- {s.broken_targets} internal link targets failed or were not crawled",
        "",
        "| category | related links | share |",
        "| --- | ---: | ---: |",
    ]
    total = sum(s.categories.values()) or 1
    for category in CATEGORY_ORDER:
        if s.categories.get(category):
            n = s.categories[category]
            out.append(f"| {category} | {n} | {pct(n / total)} |")
    out += ["", "### Worst pages", "", _md_table(worst_pages)]
    for section in sections:
        out += ["", f"## {section.title}", "", section.note, "", _md_table(section.table)]
    return "\n".join(out) + "\n"
