"""Inline SVG charts for report.html: every label escaped, every bar carries its number, so
no chart needs colour to be read."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from reports.render import CATEGORY_ORDER, bar_chart_svg

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "bar_chart_svg",
    "cluster_sizes_svg",
    "published_svg",
    "sections_svg",
    "share_histogram_svg",
]

_SHADE = "#b3261e"


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{html.escape(label)}">'
    )


def sections_svg(sections: Sequence[tuple[str, dict[str, int]]], *, rows: int = 10) -> str:
    """Risky links by site section (first path segment) and category, as a grid of counts."""
    shown = list(sections[:rows])
    categories = [c for c in CATEGORY_ORDER if any(c in s for _, s in shown)]
    categories += sorted({c for _, s in shown for c in s} - set(categories))
    top = max((n for _, s in shown for n in s.values()), default=1)
    label_w, cell_w, cell_h = 150, 84, 24
    width = label_w + cell_w * max(1, len(categories))
    height = cell_h * (len(shown) + 1)
    parts = [_svg_open(width, height, "risky links by site section and category")]
    for j, category in enumerate(categories):
        x = label_w + j * cell_w
        parts.append(f'<text x="{x + 4}" y="16" font-size="12">{html.escape(category)}</text>')
    for i, (section, counts) in enumerate(shown, start=1):
        y = i * cell_h
        name = section if len(section) <= 20 else section[:19] + "…"
        shown_name = f"/{name}/" if section else "/ (top level)"
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="12"><title>{html.escape(section)}</title>'
            f"{html.escape(shown_name)}</text>"
        )
        for j, category in enumerate(categories):
            n = counts.get(category, 0)
            x = label_w + j * cell_w
            alpha = 0.08 + 0.6 * n / top if n else 0.0
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{_SHADE}" fill-opacity="{alpha:.2f}" stroke="#dde">'
                f"<title>/{html.escape(section)}/ {html.escape(category)}: {n:,}</title></rect>"
                f'<text x="{x + cell_w - 8}" y="{y + 16}" font-size="12" text-anchor="end">'
                f"{n:,}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _histogram(bins: Sequence[tuple[str, int]], label: str, *, width: int = 560) -> str:
    top = max((n for _, n in bins), default=1) or 1
    plot_h, bar_w = 120, (width - 20) // max(1, len(bins))
    height = plot_h + 40
    parts = [_svg_open(width, height, label)]
    for i, (name, n) in enumerate(bins):
        h = int(plot_h * n / top)
        x = 10 + i * bar_w
        parts.append(
            f'<rect x="{x}" y="{20 + plot_h - h}" width="{bar_w - 4}" height="{max(h, 1)}" '
            f'fill="#5f6368"><title>{html.escape(name)}: {n:,}</title></rect>'
            f'<text x="{x + (bar_w - 4) / 2}" y="{14 + plot_h - h}" font-size="11" '
            f'text-anchor="middle">{n:,}</text>'
            f'<text x="{x + (bar_w - 4) / 2}" y="{height - 6}" font-size="11" '
            f'text-anchor="middle">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def share_histogram_svg(shares: Sequence[float]) -> str:
    """Pages by the risky share of their related block, in ten bins of 10 %."""
    counts = [0] * 10
    for share in shares:
        counts[min(9, int(share * 10))] += 1
    bins = [(f"{i * 10}–{i * 10 + 10}%", n) for i, n in enumerate(counts)]
    return _histogram(bins, "pages by risky share of their related block")


def cluster_sizes_svg(sizes: dict[str, list[int]]) -> str:
    """Duplicate clusters by size (members), per field."""
    edges = [(2, "2"), (3, "3"), (4, "4"), (5, "5–9"), (10, "10–49"), (50, "50+")]
    bins: list[tuple[str, int]] = []
    for field_name in ("title", "body"):
        values = sizes.get(field_name, [])
        for k, (low, name) in enumerate(edges):
            high = edges[k + 1][0] if k + 1 < len(edges) else None
            n = sum(1 for v in values if v >= low and (high is None or v < high))
            bins.append((f"{field_name} {name}", n))
    return _histogram(bins, "duplicate clusters by size", width=760)


def published_svg(published: Sequence[tuple[str, int]]) -> str:
    """Pages by publish month (or year): when the farm produced what."""
    if not published:
        return _svg_open(300, 24, "no publish dates") + (
            '<text x="0" y="16" font-size="12">no page shows a publish date</text></svg>'
        )
    return _histogram(list(published), "pages by publish date", width=max(560, 44 * len(published)))
