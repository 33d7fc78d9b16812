"""Inline SVG charts for report.html: every label escaped, every bar carries its number, so
no chart needs colour to be read."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from reports.render import CATEGORY_ORDER, bar_chart_svg

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reports.report.data import LinkGraph

__all__ = [
    "bar_chart_svg",
    "cluster_sizes_svg",
    "link_graph_svg",
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
    left_out = sections[rows:]
    height = cell_h * (len(shown) + 1 + (1 if left_out else 0))
    parts = [_svg_open(width, height, "risky links by site section and category")]
    if left_out:  # no silent cut-off
        rest = sum(sum(s.values()) for _, s in left_out)
        parts.append(
            f'<text x="0" y="{height - 6}" font-size="12">{len(shown)} of {len(sections):,} '
            f"sections shown; {len(left_out):,} more hold {rest:,} risky links</text>"
        )
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


def shorten(text: str, limit: int) -> str:
    """`text` cut in the middle to at most `limit` characters: both ends of a URL say most."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def section_label(section: str) -> str:
    """A site section (first path segment) as the report names it."""
    return f"/{section}/" if section else "/ (top level)"


def node_label(key: str, *, internal: bool) -> str:
    """A destination's label: a page of this site by its decoded path, a domain as it is."""
    if not internal:
        return key
    parts = urlsplit(key)
    return unquote(parts.path + ("?" + parts.query if parts.query else "")) or "/"


def link_graph_svg(graph: LinkGraph, *, width: int = 840) -> str:
    """Hubs (site sections) on the left, the destinations they feed on the right, one curve a
    (hub, destination) pair as thick as its risky links.

    Readable without colour: hubs are squares, another site's domain a circle, a page of this
    site a diamond; every node is labelled with its count and categories, every curve carries
    its count in a tooltip. Long labels are cut in the middle, the full text in <title>.
    Destinations are ordered by the mean position of their hubs, so curves cross little.
    """
    if not graph.edges:
        return _svg_open(300, 24, "no risky links") + (
            '<text x="0" y="16" font-size="12">no risky link to draw</text></svg>'
        )
    hub_rank = {section: i for i, (section, _, _) in enumerate(graph.hubs)}
    weight: dict[str, list[int]] = {}
    for section, node, n in graph.edges:
        w = weight.setdefault(node, [0, 0])
        w[0] += hub_rank.get(section, 0) * n
        w[1] += n
    nodes = sorted(
        graph.nodes, key=lambda d: (weight[d.key][0] / weight[d.key][1], -d.links, d.key)
    )
    row_h, top = 36, 40
    rows = max(len(graph.hubs), len(nodes))
    height = top + rows * row_h

    def spread(count: int, index: int) -> float:  # centre the shorter column
        return top + (rows - count) * row_h / 2 + index * row_h + row_h / 2

    hub_x, node_x = 250, width - 340
    hub_y = {s: spread(len(graph.hubs), i) for i, (s, _, _) in enumerate(graph.hubs)}
    node_y = {d.key: spread(len(nodes), i) for i, d in enumerate(nodes)}
    heaviest = max(n for _, _, n in graph.edges)
    parts = [_svg_open(width, height, "link graph: site sections and the spam targets they feed")]
    parts.append(
        f'<text x="{hub_x}" y="16" font-size="12" font-weight="600" text-anchor="end">'
        "■ site section: risky links, pages</text>"
        f'<text x="{node_x}" y="16" font-size="12" font-weight="600">'
        "● other site's domain  ◆ page of this site</text>"
    )
    labels = {d.key: node_label(d.key, internal=d.internal) for d in nodes}
    for section, node, n in graph.edges:
        y1, y2 = hub_y[section], node_y[node]
        mid = (hub_x + node_x) / 2
        stroke = 1 + 9 * n / heaviest
        parts.append(
            f'<path d="M{hub_x + 7},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
            f'{node_x - 7},{y2:.1f}" fill="none" stroke="#5f6368" stroke-opacity="0.45" '
            f'stroke-width="{stroke:.1f}"><title>{html.escape(section_label(section))} → '
            f"{html.escape(labels[node])}: {n:,} risky links</title></path>"
        )
    for section, links, pages in graph.hubs:
        y, name = hub_y[section], section_label(section)
        # A section's pages are the URLs holding "/section/"; top-level pages have no such key.
        goto = f' data-goto="page_domains" data-filter="{html.escape(name)}"' if section else ""
        parts.append(
            f'<g class="hub"{goto}>'
            f"<title>{html.escape(name)}: {links:,} risky links on {pages:,} pages</title>"
            f'<rect x="0" y="{y - 17:.1f}" width="{hub_x + 7}" height="32" fill="transparent"/>'
            f'<rect x="{hub_x - 6}" y="{y - 6:.1f}" width="12" height="12" fill="#1d2330"/>'
            f'<text x="{hub_x - 12}" y="{y - 3:.1f}" font-size="12" text-anchor="end">'
            f"{html.escape(shorten(name, 34))}</text>"
            f'<text x="{hub_x - 12}" y="{y + 11:.1f}" font-size="11" text-anchor="end" '
            f'fill="#556">{links:,} links · {pages:,} pages</text></g>'
        )
    for d in nodes:
        y, label = node_y[d.key], labels[d.key]
        if d.internal:
            shape = (
                f'<path d="M{node_x},{y - 7:.1f} l7,7 l-7,7 l-7,-7 z" fill="#fff" '
                'stroke="#1d2330" stroke-width="2"/>'
            )
            goto = f'data-goto="targets" data-filter="{html.escape(label)}"'
        else:
            shape = f'<circle cx="{node_x}" cy="{y:.1f}" r="6" fill="#1d2330"/>'
            goto = f'data-goto="page_domains" data-filter="{html.escape(d.key)}"'
        categories = ", ".join(d.categories[:2]) + (" …" if len(d.categories) > 2 else "")
        parts.append(
            f'<g class="node" {goto}><title>{html.escape(d.key)}: {d.links:,} risky links '
            f"({html.escape(', '.join(d.categories))})</title>"
            f'<rect x="{node_x - 8}" y="{y - 17:.1f}" width="{width - node_x + 8}" height="32" '
            f'fill="transparent"/>{shape}'
            f'<text x="{node_x + 12}" y="{y - 3:.1f}" font-size="12">'
            f"{html.escape(shorten(label, 44))}</text>"
            f'<text x="{node_x + 12}" y="{y + 11:.1f}" font-size="11" fill="#556">'
            f"{html.escape(categories)} · {d.links:,} links from these sections</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
