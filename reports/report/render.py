"""Render the report's data as report.html (template `reports/templates/analyst.html`) and
report.md. Rendering only: the numbers come from `reports.report.data`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports.render import md_escape, pct
from reports.report.charts import (
    bar_chart_svg,
    cluster_sizes_svg,
    link_graph_svg,
    published_svg,
    sections_svg,
    share_histogram_svg,
)

if TYPE_CHECKING:
    from pipelines.store.dataset import CrawlManifest
    from reports.report.data import ReportData

#: Table id → (title, note, [(column, label, kind)]). Kinds: url, text, cat, cats, int, pct,
#: score, list, bool, domain, time; the page formats each kind one way.
TABLES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "changes": (
        "What changed",
        (
            "Since the older audit given with --since: new and gone spam targets, new risky links "
            "(by page, target and anchor), new duplicate clusters. Empty without --since."
        ),
        [
            ("change", "change", "text"),
            ("category", "category", "cat"),
            ("source_url", "page", "url"),
            ("target_url", "target", "url"),
            ("domain", "domain", "domain"),
            ("text", "anchor or text", "text"),
            ("links", "links", "int"),
        ],
    ),
    "targets": (
        "Spam targets",
        (
            "Where the risky links point: one row per target and category, most linked first, "
            "with the anchor texts used for it (risky links of every block but pagination, and no "
            "page's link to itself) and when a page linking it was first and last fetched."
        ),
        [
            ("target_url", "target", "url"),
            ("domain", "domain", "domain"),
            ("category", "category", "cat"),
            ("links", "links", "int"),
            ("related", "in related", "int"),
            ("source_pages", "source pages", "int"),
            ("variants", "anchors", "int"),
            ("anchors", "anchor variants", "list"),
            ("score", "best score", "score"),
            ("first_seen", "first seen (UTC)", "time"),
            ("last_seen", "last seen (UTC)", "time"),
        ],
    ),
    "domains": (
        "Spam domains",
        "Domains the risky links point at. Click a domain for the pages linking it.",
        [
            ("domain", "domain", "domain"),
            ("links", "links", "int"),
            ("targets", "targets", "int"),
            ("source_pages", "source pages", "int"),
            ("categories", "categories", "cats"),
            ("first_seen", "first seen (UTC)", "time"),
            ("last_seen", "last seen (UTC)", "time"),
        ],
    ),
    "page_domains": (
        "Pages linking spam, by domain",
        "One row per source page, target domain and category.",
        [
            ("source_url", "source page", "url"),
            ("domain", "domain", "domain"),
            ("category", "category", "cat"),
            ("links", "links", "int"),
            ("targets", "targets", "int"),
        ],
    ),
    "pages": (
        "Pages",
        "Every audited page: its related block's risky and off-topic shares and its degrees.",
        [
            ("url", "page", "url"),
            ("title", "title", "text"),
            ("related_links", "related", "int"),
            ("risky_links", "risky", "int"),
            ("risky_share", "risky share", "pct"),
            ("offtopic_share", "off-topic share", "pct"),
            ("top_category", "top category", "cat"),
            ("in_links", "in links", "int"),
            ("out_links", "out links", "int"),
        ],
    ),
    "duplicates": (
        "Duplicate clusters",
        (
            "Exact and near-duplicate titles and bodies, one row per cluster (its kept member); "
            "list pages are left out of title duplicates. Members are in duplicate_clusters.csv "
            "and audit/duplicate_clusters/."
        ),
        [
            ("field", "field", "text"),
            ("cluster_id", "cluster", "int"),
            ("members", "members", "int"),
            ("match", "match", "text"),
            ("similarity", "similarity", "pct"),
            ("representative", "representative", "text"),
            ("url", "page", "url"),
        ],
    ),
    "families": (
        "Spam families",
        (
            "Titles filling one template with different names (cities, lenders, products): "
            "each is another article, so they are not duplicates, but together they are one "
            "spam pattern. One row per family, the slot marked {} in its template, the first "
            "slot values and one member. Every member is in audit/spam_families/."
        ),
        [
            ("template", "template", "text"),
            ("members", "members", "int"),
            ("slots", "slot values", "list"),
            ("example", "example title", "text"),
            ("url", "example page", "url"),
        ],
    ),
    "anchors": (
        "Anchor variants",
        (
            "Targets linked under several anchor texts, and anchor texts used for several targets "
            "(related and body blocks; navigation and pagination left out)."
        ),
        [
            ("finding", "finding", "text"),
            ("key", "target or anchor", "text"),
            ("variants", "variants", "int"),
            ("links", "links", "int"),
            ("examples", "examples", "list"),
        ],
    ),
    "link_targets": (
        "All link targets",
        "Every distinct target; internal ones not crawled first (with why).",
        [
            ("target_url", "target", "url"),
            ("domain", "domain", "domain"),
            ("internal", "internal", "bool"),
            ("in_links", "in links", "int"),
            ("in_related", "in related", "int"),
            ("source_pages", "source pages", "int"),
            ("crawled", "crawled", "bool"),
            ("fetch_error", "why not crawled", "text"),
            ("redirected_to", "redirected to", "url"),
        ],
    ),
}

#: What an evidence item's prefix means.
EVIDENCE_LEGEND = (
    ("term(+w)", "a lexicon term in the anchor text, with its weight"),
    ("title:term(+w)", "the term is in the crawled target page's title"),
    ("body:term(+w)", "the term is only in the target's body (half weight; never decides alone)"),
    ("exclude:phrase", "an exclusion phrase cancelled a term inside it"),
)

#: fetches.error → what it is, for the header.
ERROR_NAMES = {
    "robots": "refused by the site's robots.txt (not fetched, by the site's rule)",
    "trap": "skipped as a crawler trap",
    "off_scope": "redirected off the crawl's hosts",
    "duplicate": "redirected to a page fetched under another URL",
}

_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _json_text(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' left to end it early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json_script(value: Any) -> Markup:
    return Markup(_json_text(value))  # noqa: S704 - JSON with every markup character escaped


#: JSON bytes all tables together may embed in report.html, so the page stays under 1 MB
#: whatever the dataset's size; the rows past it are in each table's CSV and the page says
#: "N of M". Small tables take what they need, the rest is shared equally by the larger ones.
EMBED_BYTES = 800_000


def _budgets(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Each table's share of `total` bytes: smallest first, none more than an equal share."""
    budgets, left = {}, total
    pending = sorted(sizes, key=lambda name: (sizes[name], name))
    for k, name in enumerate(pending):
        budgets[name] = min(sizes[name], left // (len(pending) - k))
        left -= budgets[name]
    return budgets


def _table_specs(
    data: ReportData,
    budget: int = EMBED_BYTES,
    tables: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = TABLES,
) -> dict[str, Any]:
    rows_of: dict[str, list[list[Any]]] = {}
    sizes_of: dict[str, list[int]] = {}
    for name, (_title, _note, columns) in tables.items():
        rows = data.tables[name]
        index = [rows.columns.index(c) for c, _, _ in columns]
        rows_of[name] = [[r[i] for i in index] for r in rows.rows]
        # Measured as embedded (escaping makes hostile text longer), with its comma.
        sizes_of[name] = [len(_json_text(r).encode()) + 1 for r in rows_of[name]]
    budgets = _budgets({name: sum(sizes) for name, sizes in sizes_of.items()}, budget)
    specs: dict[str, Any] = {}
    for name, (title, note, columns) in tables.items():
        kept, used = 0, 0
        for size in sizes_of[name]:
            if used + size > budgets[name]:
                break
            used += size
            kept += 1
        specs[name] = {
            "title": title,
            "columns": [[label, kind] for _, label, kind in columns],
            "rows": rows_of[name][:kept],
            "total": data.tables[name].total,
            "csv": data.tables[name].csv,
            "note": note,
        }
    return specs


def fetch_outcomes(data: ReportData) -> list[tuple[int, str]]:
    """Each kind of target not crawled, named for what it is, with its count."""
    out = []
    for error, n in data.targets_by_error.items():
        name = ERROR_NAMES.get(error) or f"failed to fetch ({error})"
        out.append((n, f"linked URLs {name}"))
    if data.not_crawled:
        out.append((data.not_crawled, "internal URLs linked but not fetched (depth or page limit)"))
    if data.redirected:
        out.append((data.redirected, "linked URLs that redirect elsewhere"))
    if data.external_targets:
        out.append((data.external_targets, "external URL(s) (other sites; not crawled by design)"))
    return out


def _header(manifest: CrawlManifest | None) -> dict[str, Any]:
    if manifest is None:
        return {"site": "", "start_urls": [], "dates": "", "crawl_id": "", "runs": 0}
    started = manifest.created_at[:16].replace("T", " ")
    finished = (manifest.finished_at or "")[:16].replace("T", " ")
    return {
        "site": ", ".join(manifest.allowed_hosts) or ", ".join(manifest.start_urls),
        "start_urls": [*manifest.start_urls, *manifest.sitemap_urls],
        "dates": f"{started} – {finished or manifest.status} UTC",
        "crawl_id": manifest.crawl_id,
        "runs": manifest.runs,
    }


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report says about the run beside its findings."""

    dataset: str
    manifest: CrawlManifest | None
    generated_at: str = ""
    no_verdict: str | None = None
    #: Whether --since gave an older audit: without one the empty "What changed" is left out.
    compared: bool = True


def render_report_html(data: ReportData, legend: dict[str, str], ctx: ReportContext) -> str:
    """report.html: header and legend, charts, then the tables (embedded once as JSON)."""
    shown = {k: v for k, v in TABLES.items() if k != "changes" or ctx.compared}
    related = data.related_links or 1
    risky_related = related - data.related_categories.get("none", 0) if data.related_links else 0
    return _env.get_template("analyst.html").render(
        dataset=ctx.dataset,
        header=_header(ctx.manifest),
        generated_at=ctx.generated_at,
        no_verdict=ctx.no_verdict,
        d=data,
        legend=legend,
        evidence=EVIDENCE_LEGEND,
        outcomes=fetch_outcomes(data),
        risky_share=pct(risky_related / related),
        risky_pages=sum(1 for s in data.risky_shares if s >= 0.5),
        charts={
            "categories": Markup(bar_chart_svg(data.related_categories)),  # noqa: S704 - escaped parts
            "sections": Markup(sections_svg(data.sections)),  # noqa: S704 - escaped parts
            "shares": Markup(share_histogram_svg(data.risky_shares)),  # noqa: S704 - escaped parts
            "clusters": Markup(cluster_sizes_svg(data.cluster_sizes)),  # noqa: S704 - escaped parts
            "published": Markup(published_svg(data.published)),  # noqa: S704 - escaped parts
            "graph": Markup(link_graph_svg(data.graph)),  # noqa: S704 - escaped parts
        },
        graph=data.graph,
        tables=shown,
        specs=_json_script(_table_specs(data, tables=shown)),
    )


def _display_url(url: str | None) -> str:
    return unquote(url) if url else ""


def render_report_markdown(
    data: ReportData, legend: dict[str, str], ctx: ReportContext, *, top: int = 15
) -> str:
    """report.md: the summary an analyst pastes into a ticket; full tables are the CSVs."""
    h = _header(ctx.manifest)
    no_verdict = ctx.no_verdict
    related = data.related_links
    risky_related = related - data.related_categories.get("none", 0)
    out = [
        f"# farmaudit report: {md_escape(h['site'] or ctx.dataset)}",
        "",
        *([f"**{md_escape(no_verdict)}**", ""] if no_verdict else []),
        f"- start: {', '.join(md_escape(u) for u in h['start_urls'])}",
        (
            f"- crawl {md_escape(h['crawl_id'])}, {h['dates']}, {h['runs']} run(s); "
            f"generated {ctx.generated_at}"
        ),
        f"- {data.pages:,} pages, {data.links:,} links ({related:,} in related blocks)",
        "",
        "## Summary",
        "",
        (
            f"- {pct(risky_related / related if related else 0.0)} of related links are risky "
            f"({risky_related:,} of {related:,}); {data.risky_links:,} risky links in all blocks"
        ),
        (
            f"- {data.tables['targets'].total:,} spam targets on "
            f"{data.tables['domains'].total:,} domain(s)"
        ),
        (
            f"- {sum(1 for s in data.risky_shares if s >= 0.5):,} pages with a related block at "
            "least half risky"
        ),
        (
            f"- {len(data.cluster_sizes.get('title', [])):,} duplicate title clusters, "
            f"{len(data.cluster_sizes.get('body', [])):,} duplicate body clusters"
        ),
    ]
    families = data.tables["families"]
    out.append(
        f"- {families.total:,} spam families (titles filling one template with different names)"
    )
    out += [f"- {n:,} {what}" for n, what in fetch_outcomes(data)]
    out += [
        "",
        "| category | risky links | related links | meaning |",
        "| --- | ---: | ---: | --- |",
    ]
    for category, description in legend.items():
        n = data.categories.get(category, 0)
        r = data.related_categories.get(category, 0)
        out.append(f"| {category} | {n:,} | {r:,} | {md_escape(description)} |")
    changes = data.tables["changes"]
    if changes.total:
        out += ["", (f"## What changed since the older audit ({changes.total:,} changes; "
                "all in changes.csv)"), ""]  # fmt: skip
        out += [f"- {kind}: {n:,}" for kind, n in sorted(data.change_counts.items())]
        shown = changes.rows[:20]
        out += ["", f"First {len(shown)} of {changes.total:,}:", "",
                "| change | category | page | target | anchor or text |",
                "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for change, category, source, target, _domain, text, _links in shown:
            out.append(
                f"| {change} | {category} | {md_escape(_display_url(source))} "
                f"| {md_escape(_display_url(target))} | {md_escape(text)} |"
            )
    targets = data.tables["targets"]
    out += [
        "",
        (
            f"## Top spam targets ({len(targets.rows[:top])} of {targets.total:,}; "
            "all in spam_targets.csv)"
        ),
        "",
        (
            "| target | domain | category | links | source pages | first seen | last seen "
            "| anchor variants |"
        ),
        "| --- | --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    cols = {c: i for i, c in enumerate(targets.columns)}
    for row in targets.rows[:top]:
        anchors = " · ".join(md_escape(a) for a in row[cols["anchors"]] or [])
        url = md_escape(_display_url(row[cols["target_url"]]))
        out.append(
            f"| {url} | {md_escape(row[cols['domain']])} | {row[cols['category']]} "
            f"| {row[cols['links']]:,} | {row[cols['source_pages']]:,} "
            f"| {row[cols['first_seen']] or ''} | {row[cols['last_seen']] or ''} | {anchors} |"
        )
    domains = data.tables["domains"]
    out += [
        "",
        f"## Top spam domains ({len(domains.rows[:10])} of {domains.total:,})",
        "",
        "| domain | links | targets | source pages | categories | first seen | last seen |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for domain, links, n_targets, sources, categories, first, last in domains.rows[:10]:
        out.append(
            f"| {md_escape(domain)} | {links:,} | {n_targets:,} | {sources:,} "
            f"| {', '.join(categories)} | {first or ''} | {last or ''} |"
        )
    pages = data.tables["pages"]
    out += [
        "",
        f"## Worst pages ({len(pages.rows[:10])} of {pages.total:,})",
        "",
        "| page | title | risky | related | risky share |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for url, title, related_n, risky_n, share, *_ in pages.rows[:10]:
        out.append(
            f"| {md_escape(_display_url(url))} | {md_escape(title)} | {risky_n:,} "
            f"| {related_n:,} | {pct(share)} |"
        )
    if families.total:
        out += [
            "",
            f"## Spam families ({len(families.rows[:10])} of {families.total:,})",
            "",
            "| template | members | slot values |",
            "| --- | ---: | --- |",
        ]
        cols = {c: i for i, c in enumerate(families.columns)}
        for row in families.rows[:10]:
            slots = " · ".join(md_escape(s) for s in row[cols["slots"]] or [])
            more = " …" if row[cols["members"]] > len(row[cols["slots"]] or []) else ""
            out.append(
                f"| {md_escape(row[cols['template']])} | {row[cols['members']]:,} | {slots}{more} |"
            )
    out += ["", "## Full tables", "", "Beside this file (every row, formula-safe CSV):", ""]
    csvs = [t.csv for t in data.tables.values() if t.csv]
    out += [f"- {name}" for name in csvs]
    out.append("- risky_links.csv" + risky_csv_note(data))
    out += ["", "Evidence: " + "; ".join(f"`{k}` {v}" for k, v in EVIDENCE_LEGEND)]
    return "\n".join(out) + "\n"


def risky_csv_note(data: ReportData) -> str:
    """What risky_links.csv holds when a spreadsheet's row limit cut it ("" when whole).

    A crawl of 100k farm pages has millions of risky links: a CSV of all of them (2.8 GB for
    8.6M) opens in no spreadsheet and cost the report a third of its time to sort and write.
    """
    if data.risky_csv_rows >= data.risky_links:
        return ""
    return (
        f" (the first {data.risky_csv_rows:,} of {data.risky_links:,} risky links, by source "
        "page: a spreadsheet's row limit; every one is in link_findings/, Parquet, "
        "category other than none)"
    )
