"""The largest report.html farmaudit can write: every table at its row cap, hostile text.

    python -m bench.report_worst /tmp/worst/report.html
    python -m bench.report_shots /tmp/worst/report.html --no-shots

Every embedded table is filled with `EMBED_ROWS` rows of text full of < > & (each grows
sixfold when escaped into the page's JSON), 300 site sections, 40 publish years and a full
link graph, so the page's size and first paint are bounded here whatever the crawl's size.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reports.report.data import EMBED_ROWS, GRAPH_NODES, GraphNode, LinkGraph, ReportData, Rows
from reports.report.render import TABLES, ReportContext, render_report_html

HOSTILE = "<b>&借款</b>" * 30
_VALUES = {
    "url": "http://a.cn/" + HOSTILE,
    "domain": "a.cn",
    "int": 123456,
    "pct": 0.5,
    "score": 3.25,
    "bool": True,
    "list": [HOSTILE] * 5,
    "cats": ["cashout", "lending"],
    "cat": "cashout",
    "time": "2024-05-01 00:00",
    "text": HOSTILE,
}
#: Rows each table says it has in all.
TOTAL_ROWS = 100_000


def worst_case_data() -> ReportData:
    """Report data with every table, chart and the link graph at its largest."""
    data = ReportData(pages=100_000, links=10_000_000, related_links=5_000_000)
    for name, (_title, _note, columns) in TABLES.items():
        row = [_VALUES[kind] for _, _, kind in columns]
        rows = [list(row) for _ in range(EMBED_ROWS)]
        data.tables[name] = Rows(tuple(c for c, _, _ in columns), rows, TOTAL_ROWS, f"{name}.csv")
    data.sections = [(f"s{i}", {"cashout": 1000 - i}) for i in range(300)]
    data.risky_shares = [i / 100_000 for i in range(100_000)]
    data.published = [(str(y), 10) for y in range(1990, 2030)]
    data.graph = LinkGraph(
        hubs=[(f"s{i}", 1000 - i, 10) for i in range(8)],
        nodes=[GraphNode(f"d{j}.cn", False, 100 - j, ("crypto",)) for j in range(GRAPH_NODES)],
        edges=[(f"s{i}", f"d{j}.cn", 10) for i in range(8) for j in range(GRAPH_NODES)],
        total_hubs=300,
        total_nodes=5000,
        total_links=999_999,
    )
    return data


def worst_case_html() -> str:
    """The worst case rendered as report.html."""
    return render_report_html(
        worst_case_data(), {"cashout": "cash-out"}, ReportContext("big", None)
    )


def main(argv: list[str] | None = None) -> int:
    """Write the worst-case report.html; print its size."""
    parser = argparse.ArgumentParser(prog="python -m bench.report_worst", description=__doc__)
    parser.add_argument("out", type=Path, help="where to write report.html")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    page = worst_case_html()
    args.out.write_text(page, encoding="utf-8")
    print(f"{args.out}: {len(page.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
