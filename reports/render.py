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

if TYPE_CHECKING:
    pass

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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_escape(value: Any) -> str:
    """A cell's text safe inside a Markdown table: specials backslashed, newlines folded."""
    text = fmt(value).replace("\n", " ").replace("\r", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)
