"""Reports: hostile scraped text is shown as text; the HTML works in a real headless browser."""

from __future__ import annotations

import csv
import json
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.report_worst import HOSTILE, TOTAL_ROWS, worst_case_html
from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import CrawlManifest, write_manifest
from pipelines.store.records import LinkRecord, PageRecord
from reports.audit import read_findings, run_audit
from reports.audit.config import AuditConfig
from reports.report import write_reports
from reports.report.charts import link_graph_svg
from reports.report.data import GRAPH_NODES, GraphNode, LinkGraph
from reports.report.render import _budgets
from reports.report.since import carry_first_seen
from scraper.demo.site import PLANTED_SPAM, build_site
from tests.browser import open_file
from tests.conftest import farmaudit

SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_ANCHOR = '<img src=x onerror="alert(2)">京东e卡回收'
WHEN = datetime(2024, 5, 30, tzinfo=UTC)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_report_markdown_and_html_escape_the_planted_strings(tmp_path: Path) -> None:
    _planted_dataset(tmp_path)
    run_audit(tmp_path)
    html = (tmp_path / "audit" / "report.html").read_text("utf-8")
    assert SCRIPT_TITLE not in html  # embedded as JSON with < escaped, shown via textContent
    assert "<img" not in html
    md = (tmp_path / "audit" / "report.md").read_text("utf-8")
    assert r"\<img src=x onerror=" + '"' + r"alert\(2\)" + '"' + r"\>京东e卡回收" in md
    assert md.startswith("# farmaudit report: a.cn\n")
    assert len(md.splitlines()) < 200


def test_csv_beside_the_report_holds_every_risky_link_formula_safe(tmp_path: Path) -> None:
    _planted_dataset(tmp_path, extra_anchor=("=HYPERLINK(1)京东e卡回收", "http://c.cn/x"))
    run_audit(tmp_path)
    rows = _read_csv(tmp_path / "audit" / "risky_links.csv")
    findings = read_findings(tmp_path, "link_findings").to_pylist()
    risky = [r for r in findings if r["category"] != "none"]
    assert len(rows) == len(risky) >= 3
    assert {r["domain"] for r in rows} >= {"a.cn", "b.cn", "c.cn"}
    assert "'=HYPERLINK(1)京东e卡回收" in {r["anchor_text"] for r in rows}


@pytest.mark.parametrize("limit", [1, 3, 4])
def test_risky_links_csv_past_a_spreadsheets_row_limit_holds_the_first_rows(
    tmp_path: Path, limit: int
) -> None:
    # Page 1 has 3 risky links, page 2 two: the limit falls inside page 1's links (1), on its
    # last (3) and inside page 2's (4); the rows written are the first of the whole list.
    _planted_dataset(
        tmp_path,
        extra_anchor=("=HYPERLINK(1)京东e卡回收", "http://c.cn/x"),
        extra_links=(("http://a.cn/2.html", "京东e卡回收高价平台", "http://c.cn/y", "related"),),
    )
    run_audit(tmp_path)
    audit = tmp_path / "audit"
    every = _read_csv(audit / "risky_links.csv")
    assert len(every) == 5
    assert [r["source_url"] for r in every].count("http://a.cn/1.html") == 3
    summary = write_reports(audit, tmp_path, risky_csv_rows=limit)
    assert _read_csv(audit / "risky_links.csv") == every[:limit]
    assert summary.risky_links == 5
    md = (audit / "report.md").read_text("utf-8")
    assert f"- risky_links.csv (the first {limit:,} of 5 risky links, by source page" in md
    html = (audit / "report.html").read_text("utf-8")
    assert f"risky_links.csv holds the first {limit:,} of them" in html


def test_a_bounded_table_says_n_of_m_and_links_its_csv(tmp_path: Path) -> None:
    _planted_dataset(tmp_path)
    run_audit(tmp_path)
    audit = tmp_path / "audit"
    write_reports(audit, tmp_path, embed_rows=1)
    with open_file(audit / "report.html") as (page, log):
        status = page.locator("#status-targets").inner_text()
        assert "this report holds 1 of 2 rows" in status
        assert page.locator("#status-targets a").get_attribute("href") == "spam_targets.csv"
    assert log.console_errors == []


def _planted_dataset(
    root: Path,
    extra_anchor: tuple[str, str] | None = None,
    *,
    fetched: tuple[datetime, datetime] = (WHEN, WHEN),
    extra_links: tuple[tuple[str, str, str, str], ...] = (),
) -> None:
    """Two pages of a.cn (fetched at `fetched`); page 1 links three risky targets (and
    `extra_anchor`), page 2 links b.cn; `extra_links` are (source, anchor, target, block)."""
    write_manifest(
        root,
        CrawlManifest("c1", ["http://a.cn/"], [], ["a.cn"], 2, None, WHEN.isoformat(), "0"),
    )
    writer = DatasetWriter(root, writer_id="w1")
    pages = [
        ("http://a.cn/1.html", SCRIPT_TITLE, "小米商城分期付款流程详解,登录账号后选择分期付款。"),
        ("http://a.cn/2.html", "京东e卡回收全攻略", "高价回收京东e卡,当天到账,套现无忧。"),
    ]
    writer.add(
        "pages",
        [
            PageRecord(url, url, None, 200, title, WHEN, "x", "text", body, "zh", "0" * 40,
                       "article", "utf-8", at, "c1", "1")
            for (url, title, body), at in zip(pages, fetched, strict=True)
        ],
    )  # fmt: skip
    anchors = [(IMG_ANCHOR, "http://a.cn/2.html"), ("分期付款注意事项", "http://a.cn/3.html"),
               ("京东e卡回收高价平台", "http://b.cn/")]  # fmt: skip
    if extra_anchor:
        anchors.append(extra_anchor)
    links = [("http://a.cn/1.html", anchor, target, "related") for anchor, target in anchors]
    links.append(("http://a.cn/2.html", "京东e卡回收高价平台", "http://b.cn/", "related"))
    links += extra_links
    writer.add(
        "links",
        [
            LinkRecord(source, target, target, anchor, block, i + 1,
                       target.startswith("http://a.cn"), [], "c1", "1")
            for i, (source, anchor, target, block) in enumerate(links)
        ],
    )  # fmt: skip
    writer.close()


def test_target_anchor_variants_leave_out_pagination_and_self_links(tmp_path: Path) -> None:
    spam_page = "http://a.cn/2.html"
    _planted_dataset(
        tmp_path,
        extra_links=(
            ("http://a.cn/1.html", "下一页", spam_page, "pagination"),
            (spam_page, "To Top", spam_page, "footer"),
            ("http://a.cn/1.html", "e卡回收攻略", spam_page, "sidebar"),
        ),
    )
    run_audit(tmp_path)
    targets = _read_csv(tmp_path / "audit" / "spam_targets.csv")
    row = next(r for r in targets if r["target_url"] == spam_page)
    assert int(row["links"]) == 4  # every risky link is counted...
    assert row["anchors"] == f"{IMG_ANCHOR} · e卡回收攻略"
    assert int(row["variants"]) == 2  # ...but only the names the site gives the target


def test_planted_hostile_strings_render_as_text_in_a_browser(tmp_path: Path) -> None:
    _planted_dataset(tmp_path)
    result = run_audit(tmp_path)
    report = result.folder / "report.html"
    with open_file(report) as (page, log):
        body = page.inner_text("body")
        assert SCRIPT_TITLE in body
        assert IMG_ANCHOR in body
        assert page.locator("img").count() == 0
        # The link graph: the top-level section feeds a.cn's pages (diamonds) and b.cn (circle).
        assert page.locator("#chart-graph g.hub").count() == 1
        assert page.locator("#chart-graph g.node circle").count() == 1
        page.locator("#chart-graph g.node", has_text="b.cn").click()
        assert page.input_value("input[data-table=page_domains]") == "b.cn"
        assert page.locator("#page_domains tbody tr").count() == 2  # pages 1 and 2
    assert log.dialogs == []  # nothing ran
    assert log.console_errors == []
    assert log.requests == [report.resolve().as_uri()]


LONG_URL = "http://a.cn/" + "借款攻略" * 20 + ".html?q=%E5%80%9F%E6%AC%BE"


def test_link_graph_escapes_labels_cuts_them_with_the_full_text_in_title() -> None:
    graph = LinkGraph(
        hubs=[("<b>x</b>", 5, 2), ("", 3, 1)],
        nodes=[
            GraphNode(LONG_URL, True, 4, ("lending", "cashout", "adult")),
            GraphNode("evil.example", False, 4, ("crypto",)),
        ],
        edges=[("<b>x</b>", "evil.example", 4), ("<b>x</b>", LONG_URL, 1), ("", LONG_URL, 3)],
        total_hubs=2,
        total_nodes=2,
        total_links=8,
    )
    svg = link_graph_svg(graph)
    assert "<b>" not in svg
    root = ET.fromstring(svg)  # well-formed: every scraped string escaped
    ns = "{http://www.w3.org/2000/svg}"
    groups = {g.get("class"): [] for g in root.iter(f"{ns}g")}
    for g in root.iter(f"{ns}g"):
        groups[g.get("class")].append(g)
    hubs, nodes = groups["hub"], groups["node"]
    assert [g.get("data-filter") for g in hubs] == ["/<b>x</b>/", None]  # top level: no key
    # Shapes, not colour, tell a domain (circle) from a page of this site (diamond path).
    assert [g.find(f"{ns}circle") is not None for g in nodes] == [True, False]
    page = nodes[1]
    label = page.findall(f"{ns}text")[0].text or ""
    full_path = "/" + "借款攻略" * 20 + ".html?q=借款"
    assert len(label) == 44 and "…" in label and label.endswith("q=借款")
    assert page.get("data-filter") == full_path
    assert LONG_URL in (page.findtext(f"{ns}title") or "")
    assert "lending, cashout …" in "".join(t.text or "" for t in page.findall(f"{ns}text"))
    # Destinations follow their hubs: evil.example (first hub only) sits above the page.
    y = [float(g.findall(f"{ns}text")[0].get("y") or 0) for g in nodes]
    assert y[0] < y[1]
    curves = [p for p in root.iter(f"{ns}path") if p.find(f"{ns}title") is not None]
    assert len(curves) == 3
    assert "/ (top level) → " + full_path + ": 3 risky links" in [
        c.findtext(f"{ns}title") for c in curves
    ]


T0 = datetime(2024, 5, 1, tzinfo=UTC)
T1 = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
T2 = datetime(2024, 6, 2, 9, 15, tzinfo=UTC)


def test_targets_first_and_last_seen_and_since_keeps_the_first_sighting(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    _planted_dataset(old, fetched=(T0, T0))
    _planted_dataset(new, PLANTED, fetched=(T1, T2))  # b.cn linked from page 1 and page 2

    def seen(url: str) -> tuple[datetime, datetime]:
        rows = read_findings(new, "link_targets").to_pylist()
        row = next(r for r in rows if r["target_url"] == url)
        return row["first_seen"], row["last_seen"]

    run_audit(old)
    run_audit(new)
    assert seen("http://b.cn/") == (T1, T2)
    run_audit(new, AuditConfig(since=old))
    assert seen("http://b.cn/") == (T0, T2)  # the older audit saw it first
    assert seen(PLANTED[1]) == (T1, T1)  # new: first seen in this crawl
    targets = {r["target_url"]: r for r in _read_csv(new / "audit" / "spam_targets.csv")}
    assert (targets["http://b.cn/"]["first_seen"], targets["http://b.cn/"]["last_seen"]) == (
        "2024-05-01 00:00",
        "2024-06-02 09:15",
    )
    domains = {r["domain"]: r for r in _read_csv(new / "audit" / "spam_domains.csv")}
    assert domains["spam.cn"]["first_seen"] == "2024-06-01 08:30"
    md = (new / "audit" / "report.md").read_text("utf-8")
    assert "| b.cn | 2 | 1 | 2 | cashout | 2024-05-01 00:00 | 2024-06-02 09:15 |" in md


@pytest.mark.e2e
def test_demo_report_leads_with_targets_and_filters_every_row_in_chromium(crawled: Path) -> None:
    result = farmaudit("audit", str(crawled))
    assert result.returncode == 0, result.stderr[-3000:]
    report = crawled / "audit" / "report.html"
    assert f"report: {report}" in result.stdout
    assert report.stat().st_size < 1_000_000
    findings = read_findings(crawled, "link_findings")
    crypto = sum(
        1
        for c, t in zip(
            findings.column("category").to_pylist(),
            findings.column("target_url").to_pylist(),
            strict=True,
        )
        if c == "crypto" and t is not None
    )
    assert crypto > 0
    with open_file(report) as (page, log):
        assert page.locator("#site").inner_text() == "127.0.0.1"  # the header names the site
        assert "robots.txt" in page.locator("#outcomes").inner_text()
        for chart in ("categories", "sections", "shares", "clusters", "published"):
            assert page.locator(f"#chart-{chart} svg rect").count() >= 2, chart
        assert page.locator("#targets tbody tr").count() == 100  # rendered in steps
        graph_note = page.locator("#chart-graph .note").inner_text()
        assert re.search(rf"{GRAPH_NODES} of [\d,]+ destinations", graph_note), graph_note
        assert page.locator("#chart-graph g.hub").count() >= 2
        assert page.locator("#chart-graph g.node").count() == GRAPH_NODES
        assert page.locator("#chart-graph path title").count() >= GRAPH_NODES  # the curves

        def cells(table: str, index: int) -> list[str]:
            return page.eval_on_selector_all(
                f"#{table} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)"
            )

        def show_all(table: str) -> None:
            more = page.locator(f"button.more[data-table={table}]")
            for _ in range(100):  # bounded: a button that never hides fails below, not hangs
                if not more.is_visible():
                    return
                more.click()
            raise AssertionError(f"{table}: 'show more rows' never ran out")

        page.fill("input[data-table=targets]", "crypto")
        show_all("targets")
        status = page.locator("#status-targets").inner_text()
        assert "this report holds" not in status  # no cut-off: every target is embedded
        shown = zip(cells("targets", 2), cells("targets", 3), strict=True)
        assert sum(int(n.replace(",", "")) for c, n in shown if c == "crypto") == crypto

        # Sorting orders every row, not the rendered ones only.
        page.locator("#pages thead th", has_text="in links").click()
        show_all("pages")
        ascending = [int(v.replace(",", "")) for v in cells("pages", 7)]
        assert len(ascending) == len(read_findings(crawled, "page_findings"))
        assert ascending == sorted(ascending)

        # Two clicks: a category to its domains, a domain to the pages linking it.
        page.locator("#legend button", has_text="lending").click()
        assert page.input_value("input[data-table=domains]") == "lending"
        page.locator("#domains tbody button").first.click()
        assert page.input_value("input[data-table=page_domains]") == "127.0.0.1"
        assert page.locator("#page_domains tbody tr").count() > 0
        # A page of the site in the link graph leads to its row among the spam targets.
        page.locator("#chart-graph g.node", has_text="/list/jiedai/").click()
        assert page.input_value("input[data-table=targets]") == "/list/jiedai/"
        assert page.locator("#targets tbody tr").count() >= 1
    assert log.console_errors == []
    assert log.requests == [report.resolve().as_uri()]


PLANTED = ("京东e卡回收秒到账", "http://spam.cn/x")


def test_since_finds_exactly_the_planted_link_and_fail_on_gates_on_it(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    _planted_dataset(old)
    _planted_dataset(new, extra_anchor=PLANTED)
    run_audit(old)
    result = farmaudit("audit", str(new), "--since", str(old), "--fail-on", "new_spam_links>0")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "--fail-on: new_spam_links 1 > 0" in result.stderr
    changes = read_findings(new, "changes").to_pylist()
    assert [(r["change"], r["source_url"], r["target_url"], r["text"]) for r in changes] == [
        ("new_risky_link", "http://a.cn/1.html", PLANTED[1], PLANTED[0]),
        ("new_spam_target", None, PLANTED[1], ""),
    ]
    md = (new / "audit" / "report.md").read_text("utf-8")
    assert "new_risky_link: 1" in md
    # The page leads with what changed when compared, and leaves the section out otherwise.
    assert 'id="t-changes"' in (new / "audit" / "report.html").read_text("utf-8")
    assert 'id="t-changes"' not in (old / "audit" / "report.html").read_text("utf-8")
    # Counted over every change, not only the rows the page embeds.
    write_reports(new / "audit", new, embed_rows=1)
    md = (new / "audit" / "report.md").read_text("utf-8")
    assert "- new_risky_link: 1\n- new_spam_target: 1\n" in md
    assert "First 1 of 2:" in md
    # The same crawl compared with itself: nothing changed.
    again = farmaudit("audit", str(old), "--since", str(old), "--fail-on", "new_spam_links>0")
    assert again.returncode == 0, again.stderr[-2000:]
    assert read_findings(old, "changes").num_rows == 0


def test_fail_on_a_change_without_since_is_a_usage_error(tmp_path: Path) -> None:
    result = farmaudit("audit", str(tmp_path), "--fail-on", "new_spam_links>0")
    assert result.returncode == 2
    assert "new_spam_links needs --since OLD" in result.stderr


def _crawl_demo(out: Path, port: int, plant: int) -> str:
    """Serve the demo on `port` (planting `plant` spam links) and crawl it into `out`."""
    command = [sys.executable, "-m", "scraper.demo.server", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--plant-spam", str(plant)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("serving ")
        assert base == f"http://127.0.0.1:{port}/", base
        result = farmaudit(
            "crawl", base, "--sitemap", base + "sitemap.xml", "--allow-private",
            "--delay", "0", "--concurrency", "16", "--depth", "20", "--out", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    return base


@pytest.mark.e2e
def test_since_on_two_demo_crawls_finds_exactly_the_planted_links(tmp_path: Path) -> None:
    with socket.socket() as sock:  # one port for both crawls: the same site, a day apart
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    old, new = tmp_path / "old", tmp_path / "new"
    _crawl_demo(old, port, 0)
    base = _crawl_demo(new, port, len(PLANTED_SPAM))
    assert farmaudit("audit", str(old)).returncode == 0
    result = farmaudit("audit", str(new), "--since", str(old), "--fail-on", "new_spam_links>0")
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"new_spam_links {len(PLANTED_SPAM)} > 0" in result.stderr
    clean, planted = build_site(), build_site(len(PLANTED_SPAM))
    changed_pages = {
        base + p.lstrip("/") for p in clean.pages if clean.pages[p] != planted.pages[p]
    }
    changes = read_findings(new, "changes").to_pylist()
    links = [r for r in changes if r["change"] == "new_risky_link"]
    assert {(r["target_url"], r["text"]) for r in links} == {(u, a) for a, u in PLANTED_SPAM}
    assert {r["source_url"] for r in links} == changed_pages
    assert len(links) == len(PLANTED_SPAM)
    targets = [r["target_url"] for r in changes if r["change"] == "new_spam_target"]
    assert sorted(targets) == sorted(u for _, u in PLANTED_SPAM)
    assert len(changes) == 2 * len(PLANTED_SPAM)  # nothing gone, no new duplicate cluster


def test_report_html_stays_under_1mb_and_says_n_of_m_however_big_the_dataset() -> None:
    page = worst_case_html()
    assert len(page.encode()) < 1_000_000, len(page.encode())
    assert HOSTILE not in page
    assert "8 of 300 sections" in page and "12 of 5,000 destinations" in page
    assert "10 of 300 sections shown; 290 more hold" in page  # the sections chart's cut-off
    specs = json.loads(page.split('id="report-data">')[1].split("</script>")[0])
    for name, spec in specs.items():
        assert 0 < len(spec["rows"]) < spec["total"] == TOTAL_ROWS, name  # the page: "N of M"


def test_embed_budget_gives_small_tables_all_they_need_and_shares_the_rest() -> None:
    budgets = _budgets({"changes": 2, "domains": 10, "pages": 500, "targets": 900}, 1000)
    assert budgets == {"changes": 2, "domains": 10, "pages": 494, "targets": 494}
    assert _budgets({"a": 100, "b": 200}, 1000) == {"a": 100, "b": 200}  # all fit: all kept


def test_since_against_an_audit_from_before_first_seen_keeps_this_crawls(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    _planted_dataset(old, fetched=(T0, T0))
    _planted_dataset(new, fetched=(T1, T2))
    run_audit(old)
    part = old / "audit" / "link_targets" / "part-0.parquet"
    before = pq.read_table(part).drop_columns(["first_seen", "last_seen"])  # the older contract
    pq.write_table(before, part)
    run_audit(new)
    targets = read_findings(new, "link_targets")
    assert carry_first_seen(targets, old).equals(targets)


def test_csv_keeps_the_querys_order_with_two_duckdb_threads(tmp_path: Path) -> None:
    """The report's connection may have two threads (one process on two cores); its CSVs keep
    the order their queries set (DuckDB 2.0.1 wrote such rows out of order in parallel)."""
    import duckdb

    from reports.report.data import _write_csv

    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "CREATE TABLE pages_by_domain AS SELECT "
        "CASE WHEN i % 97 = 0 THEN '=HYPERLINK(' || i || ')' "
        "ELSE 'http://farm.example/html/' || i || '.html' END AS source_url, "
        "['cashout', 'lending', 'crypto'][1 + i % 3] AS category, (i * 7919) % 40 AS links "
        "FROM range(400000) t(i)"
    )
    order = "ORDER BY links DESC, source_url"
    _write_csv(con, f"SELECT * FROM pages_by_domain {order}", tmp_path / "pages.csv")
    rows = _read_csv(tmp_path / "pages.csv")
    expected = con.execute(f"SELECT source_url, links FROM pages_by_domain {order}").fetchall()
    assert len(rows) == len(expected) == 400_000
    for row, (url, links) in zip(rows, expected, strict=True):
        assert row["source_url"] == ("'" + url if url.startswith("=") else url)
        assert int(row["links"]) == links
    assert con.execute("SELECT current_setting('threads')").fetchone() == (2,)
