"""The audit on a small planted dataset whose every finding is known in advance."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import CrawlManifest, write_manifest
from pipelines.store.records import FetchRecord, LinkRecord, PageRecord
from pipelines.store.schema import AUDIT_TABLES
from reports.audit import AuditError, read_findings, run_audit
from reports.fail_on import parse_fail_on
from scraper.cli import main
from scraper.demo.site import build_site

if TYPE_CHECKING:
    from pathlib import Path

WHEN = datetime(2024, 5, 30, tzinfo=UTC)
A = "http://a.cn/a.html"  # a how-to page whose related block is all gray-market links
B = "http://a.cn/b.html"  # a crawled cash-out page
C = "http://a.cn/c.html"  # linked, failed with 404
E = "http://a.cn/e.html"  # linked, redirected to B
CASINO = "http://casino.example/"

PAGES = {
    A: ("小米商城分期付款流程详解", "登录小米商城账号,选择分期付款,确认订单信息后完成支付。"),
    B: ("京东e卡回收全攻略:轻松三步实现卡券变现", "京东e卡回收平台,高价回收,当天到账。"),
}
# (source, target, anchor, block)
LINKS = [
    (A, B, "京东e卡回收全攻略:轻松三步实现价值回归", "related"),
    (A, B, "高价回收京东E卡", "related"),
    (A, C, "网贷逾期协商还款技巧", "related"),
    (A, CASINO, "澳门赌场在线娱乐", "related"),
    # B again, with tracking parameters: still the crawled page B.
    (A, B + "?utm_source=farm&spm=a1", "京东e卡回收,高价秒到账", "related"),
    (A, E, "小米商城分期还款指南", "body"),
    (B, A, "首页", "nav"),
]


def _dataset(root: Path) -> Path:
    write_manifest(root, CrawlManifest("c1", [A], [], ["a.cn"], 2, None, WHEN.isoformat(), "0"))
    writer = DatasetWriter(root, writer_id="w1")
    writer.add(
        "pages",
        [
            PageRecord(url, url, None, 200, title, WHEN, "x", "text", body, "zh", "0" * 40,
                       "article", "utf-8", WHEN, "c1", "1")
            for url, (title, body) in PAGES.items()
        ],
    )  # fmt: skip
    positions: dict[tuple[str, str], int] = {}
    rows = []
    for source, target, anchor, block in LINKS:
        positions[source, block] = positions.get((source, block), 0) + 1
        internal = target.startswith("http://a.cn/")
        rows.append(
            LinkRecord(source, target, target, anchor, block, positions[source, block],
                       internal, [], "c1", "1")
        )  # fmt: skip
    writer.add("links", rows)
    writer.add(
        "fetches",
        [
            FetchRecord(A, A, 200, None, 100, 1.0, 0, None, WHEN, "c1"),
            FetchRecord(B, B, 200, None, 100, 1.0, 1, A, WHEN, "c1"),
            FetchRecord(C, C, 404, "http_404", 10, 1.0, 1, A, WHEN, "c1"),
            FetchRecord(E, B, 200, None, 100, 1.0, 1, A, WHEN, "c1"),
        ],
    )
    writer.close()
    return root


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _dataset(tmp_path_factory.mktemp("audit") / "planted")
    run_audit(root)
    return root


def test_every_link_gets_a_category_with_evidence(audited: Path) -> None:
    links = read_findings(audited, "link_findings").to_pandas()
    by_anchor = links.set_index("anchor_text")
    assert by_anchor.loc["高价回收京东E卡", "category"] == "cashout"
    assert by_anchor.loc["网贷逾期协商还款技巧", "category"] == "lending"
    assert by_anchor.loc["澳门赌场在线娱乐", "category"] == "gambling"
    assert by_anchor.loc["首页", "category"] == "none"
    evidence = " ".join(by_anchor.loc["高价回收京东E卡", "evidence"])
    assert "回收" in evidence and "(+" in evidence
    assert bool(by_anchor.loc["高价回收京东E卡", "target_crawled"])
    assert not bool(by_anchor.loc["网贷逾期协商还款技巧", "target_crawled"])
    assert bool(by_anchor.loc["京东e卡回收,高价秒到账", "target_crawled"])


def test_page_findings_flag_a_mostly_risky_related_block(audited: Path) -> None:
    pages = read_findings(audited, "page_findings").to_pandas().set_index("url")
    assert pages.loc[A, "related_links"] == 5
    assert pages.loc[A, "risky_links"] == 5
    assert bool(pages.loc[A, "mostly_risky"])
    assert pages.loc[A, "top_category"] == "cashout"  # three of the five
    assert pages.loc[A, "out_links"] == 6
    # Counted by crawl key: the link with tracking parameters leads to B as well.
    assert (pages.loc[B, "in_links"], pages.loc[B, "in_related"]) == (3, 3)
    assert pages.loc[B, "category"] == "cashout"
    assert pages.loc[A, "category"] == "none"


def test_link_targets_show_failed_redirected_and_external(audited: Path) -> None:
    targets = read_findings(audited, "link_targets").to_pandas().set_index("target_url")
    assert targets.loc[C, "fetch_error"] == "http_404"
    assert not bool(targets.loc[C, "crawled"])
    assert targets.loc[E, "redirected_to"] == B
    assert targets.loc[CASINO, "domain"] == "casino.example"
    assert not bool(targets.loc[CASINO, "internal"])
    assert targets.loc[B, "in_links"] == 2
    tagged = targets.loc[B + "?utm_source=farm&spm=a1"]
    assert bool(tagged["crawled"]) and tagged["in_links"] == 1


def test_respun_anchor_clusters_with_the_crawled_title(audited: Path) -> None:
    dups = read_findings(audited, "duplicate_clusters").to_pandas()
    titles = dups[dups["field"] == "title"]
    cluster = titles[titles["text"] == "京东e卡回收全攻略:轻松三步实现价值回归"]["cluster_id"]
    assert len(cluster) == 1
    members = titles[titles["cluster_id"] == cluster.iloc[0]]
    assert set(members["text"]) == {
        "京东e卡回收全攻略:轻松三步实现价值回归",
        "京东e卡回收全攻略:轻松三步实现卡券变现",
    }
    assert members["is_representative"].sum() == 1
    assert set(members["url"].dropna()) == {B}


def test_anchor_variants(audited: Path) -> None:
    anchors = read_findings(audited, "anchor_findings").to_pandas()
    row = anchors[(anchors["finding"] == "target_many_anchors") & (anchors["key"] == B)]
    assert row["variants"].tolist() == [2]


@pytest.mark.parametrize("table", sorted(AUDIT_TABLES))
def test_findings_load_in_pandas_with_the_documented_schema(audited: Path, table: str) -> None:
    frame = pd.read_parquet(audited / "audit" / table)
    schema = AUDIT_TABLES[table]
    assert list(frame.columns) == schema.names
    part = sorted((audited / "audit" / table).glob("part-*.parquet"))[0]
    assert pq.read_schema(part).metadata == schema.metadata
    for field in schema:
        if str(field.type) in ("int32", "double", "bool"):
            assert str(frame[field.name].dtype) in ("int32", "float64", "bool"), field.name


def test_reports_are_written(audited: Path) -> None:
    md = (audited / "audit" / "report.md").read_text("utf-8")
    assert "## Summary" in md and "| cashout |" in md
    assert (audited / "audit" / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_fail_on_exits_1_naming_the_condition(audited: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(audited), "--fail-on", "spam_share>0.5"])
    assert result.exit_code == 1
    assert "--fail-on: spam_share 1 > 0.5" in result.output
    ok = CliRunner().invoke(main, ["audit", str(audited), "--fail-on", "risky_pages>5"])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("spam_share>>0.2", "is not METRIC OP NUMBER"),
        ("spam>0.2", "unknown metric 'spam'"),
        ("spam_share>0.2,", "'' is not METRIC OP NUMBER"),
    ],
)
def test_bad_fail_on_expressions_are_named(expression: str, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        parse_fail_on(expression)


def test_audit_of_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a farmaudit dataset" in result.output


def _demo_rows() -> tuple[list[PageRecord], list[LinkRecord]]:
    """Pages and related links with the demo site's titles, bodies and related anchors: many
    near-duplicate bodies, so clusters depend on order when the audit follows crawl order."""
    site = build_site()
    pages, links = [], []
    for path, article in sorted(site.articles.items()):
        url = "http://demo.cn" + path
        body = "\n".join(block.text for block in article.blocks if block.text)
        pages.append(
            PageRecord(url, url, None, 200, article.title, WHEN, "x", "text", body, "zh",
                       "0" * 40, "article", "utf-8", WHEN, "c1", "1")
        )  # fmt: skip
        for position, anchor in enumerate(article.related, start=1):
            target = f"http://demo.cn/related/{position}.html"
            links.append(
                LinkRecord(url, target, target, anchor, "related", position, True, [], "c1", "1")
            )
    return pages, links


def _write_parts(root: Path, pages: list[PageRecord], links: list[LinkRecord], parts: int) -> None:
    write_manifest(root, CrawlManifest("c1", [A], [], ["demo.cn"], 2, None, WHEN.isoformat(), "0"))
    writer = DatasetWriter(root, writer_id="w1")
    for k in range(parts):
        writer.add("pages", pages[k::parts])
        writer.add("links", links[k::parts])
        writer.commit()
    writer.close()


def _audit_outputs(root: Path) -> dict[str, object]:
    run_audit(root)
    tables: dict[str, object] = {
        name: sorted(map(repr, read_findings(root, name).to_pylist())) for name in AUDIT_TABLES
    }
    for report in ("report.md", "report.html"):
        text = (root / "audit" / report).read_text(encoding="utf-8")
        tables[report] = [line for line in text.splitlines() if "generated 20" not in line]
    return tables


def test_audit_outputs_do_not_depend_on_crawl_order(tmp_path: Path) -> None:
    pages, links = _demo_rows()
    _write_parts(tmp_path / "a" / "demo", pages, links, parts=3)
    shuffle = random.Random(7).shuffle
    shuffle(pages)
    shuffle(links)
    _write_parts(tmp_path / "b" / "demo", pages, links, parts=4)
    first = _audit_outputs(tmp_path / "a" / "demo")
    second = _audit_outputs(tmp_path / "b" / "demo")
    assert first["duplicate_clusters"], "the demo bodies should make duplicate clusters"
    for name in first:
        assert first[name] == second[name], name


# A lender template filled by a farm (one family: the verifier alone pairs 小花钱包 / 小米钱包, two
# names one character apart in a long shared template), a member seen only as a related
# anchor, one with markup in its name, and a re-spun title that stays a duplicate.
FAMILY = {
    "http://a.cn/f1.html": "小花钱包平台的安全性分析",
    "http://a.cn/f2.html": "小米钱包平台的安全性分析",
    "http://a.cn/f3.html": "58好借平台的安全性分析",
    "http://a.cn/f4.html": "<i>借呗平台的安全性分析",
    "http://a.cn/r1.html": "京东e卡回收全攻略:轻松三步实现卡券变现",
    "http://a.cn/r2.html": "京东e卡回收全攻略:轻松三步实现价值回归",
}
FAMILY_ANCHOR = "京东白条平台的安全性分析"


@pytest.fixture(scope="module")
def family_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("families") / "farm"
    write_manifest(root, CrawlManifest("c1", [A], [], ["a.cn"], 2, None, WHEN.isoformat(), "0"))
    writer = DatasetWriter(root, writer_id="w1")
    writer.add(
        "pages",
        [
            PageRecord(url, url, None, 200, title, WHEN, "x", "text", f"{title}。正文{k}。", "zh",
                       "0" * 40, "article", "utf-8", WHEN, "c1", "1")
            for k, (url, title) in enumerate(FAMILY.items())
        ],
    )  # fmt: skip
    source = next(iter(FAMILY))
    writer.add(
        "links",
        [
            LinkRecord(source, "http://a.cn/f5.html", "http://a.cn/f5.html", FAMILY_ANCHOR,
                       "related", 1, True, [], "c1", "1")
        ],
    )  # fmt: skip
    writer.close()
    run_audit(root)
    return root


def test_template_siblings_are_one_spam_family_not_duplicates(family_audit: Path) -> None:
    [family] = read_findings(family_audit, "spam_families").to_pylist()
    assert family["template"] == "{}平台的安全性分析"
    assert family["members"] == 5
    members = dict(
        zip(family["texts"], zip(family["slots"], family["urls"], strict=True), strict=True)
    )
    assert members["小米钱包平台的安全性分析"] == ("小米钱包", "http://a.cn/f2.html")
    assert members[FAMILY_ANCHOR] == ("京东白条", None)  # seen only as anchor text
    assert members["<i>借呗平台的安全性分析"][0] == "<i>借呗"
    dups = read_findings(family_audit, "duplicate_clusters").to_pandas()
    titles = dups[dups["field"] == "title"]
    # The re-spin is still a duplicate; no sibling of the family is one.
    assert set(titles["text"]) == {FAMILY["http://a.cn/r1.html"], FAMILY["http://a.cn/r2.html"]}


def test_spam_families_are_in_both_reports_escaped(family_audit: Path) -> None:
    md = (family_audit / "audit" / "report.md").read_text("utf-8")
    assert "- 1 spam families" in md
    section = md.split("## Spam families (1 of 1)", 1)[1].split("##", 1)[0]
    assert r"\{\}平台的安全性分析" in section and "小米钱包" in section
    assert r"\<i\>借呗" in section
    html = (family_audit / "audit" / "report.html").read_text("utf-8")
    assert "<i>借呗" not in html  # embedded as JSON with < escaped, shown via textContent
    assert "Spam families" in html and "平台的安全性分析" in html
    with (family_audit / "audit" / "spam_families.csv").open(encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["template"] == "{}平台的安全性分析" and row["members"] == "5"
