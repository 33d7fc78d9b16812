"""Smoke tests of the benchmarks: tiny runs that must work and print their figures.

No timing is asserted: the figures depend on the machine. The full runs are `make bench`.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.audit import HOST, build_dataset, page_links
from bench.crawl import stage_of
from bench.farmsite import load, load_paths
from pipelines.extract import extract
from pipelines.store.records import RawPage
from scraper.demo.farm import FIRST_ARTICLE, FarmSite

ROOT = Path(__file__).resolve().parent.parent
PAGES = 200


def _bench(*args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def site() -> FarmSite:
    return FarmSite(PAGES)


def test_synthetic_links_match_the_blocks_extraction_finds(site: FarmSite) -> None:
    blocks = Counter(block for block, *_ in page_links(site, 42))
    assert 90 <= blocks["related"] <= 110
    assert set(blocks) == {"nav", "breadcrumb", "body", "related", "sidebar", "footer"}


@pytest.mark.parametrize("page_id", [0, 3, FIRST_ARTICLE, 8, 42, 43, PAGES - 1])
def test_audit_bench_links_are_what_extraction_finds_on_the_page(
    site: FarmSite, page_id: int
) -> None:
    # Home, a column, the first article (no 上一篇), DedeCMS and portal pages, the last one.
    url = HOST + site.path(page_id)
    raw = RawPage(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=site.render(page_id),
        encoding=None,
        fetched_at=datetime(2024, 7, 1, tzinfo=UTC),
        crawl_id="bench",
    )
    found = [
        (link.block, link.target_url, link.href, link.anchor_text, tuple(link.rel))
        for link in extract(raw).links
    ]
    assert found == list(page_links(site, page_id))


def test_the_server_serves_pages_robots_and_sitemap() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.farmsite", "serve", "--pages", str(PAGES)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("serving ")
        with urllib.request.urlopen(url + "robots.txt", timeout=10) as response:
            assert "Disallow: /admin/" in response.read().decode()
        with urllib.request.urlopen(url + "sitemap.xml", timeout=10) as response:
            assert response.read().count(b"<loc>") == PAGES + 2  # and about, contact
        with urllib.request.urlopen(url + "html/42.html", timeout=10) as response:
            assert response.read() == FarmSite(PAGES).render(42)
        result = load(url, load_paths(PAGES, 50), connections=4)
        assert result.requests == 50
        assert result.server_cpu_ms > 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_profile_stages_attribute_work_before_plumbing() -> None:
    reactor = "AsyncioSelectorReactor.run (/x/twisted/internet/asyncioreactor.py:1)"
    extract = "extract (/x/pipelines/extract/__init__.py:1)"
    request = "Request.__init__ (/x/scrapy/http/request/__init__.py:1)"
    middleware = "DepthMiddleware.get_processed_request (/x/scrapy/spidermiddlewares/depth.py:1)"
    assert stage_of([reactor, extract]).startswith("extraction")
    assert stage_of([reactor, middleware, request]) == "Request creation"
    assert stage_of([reactor, middleware]) == "spider middlewares"
    assert stage_of([reactor]).startswith("event loop")


@pytest.mark.e2e
def test_crawl_bench_prints_both_sides_and_the_ratio() -> None:
    pages = 100
    out = _bench(
        "bench.crawl", "--pages", str(pages), "--server-requests", "50", "--sides", "farmaudit,bare"
    )
    # The farm's pages and its about and contact pages.
    assert re.search(rf"\|\s+farmaudit \|\s+{pages + 2} \|", out), out
    assert re.search(r"\|\s+bare Scrapy \|\s+\d+ \|", out), out
    assert "farmaudit/bare pages/s:" in out
    assert "server alone:" in out
    assert "warning" not in out


def test_audit_bench_builds_a_dataset_and_prints_slopes(tmp_path: Path) -> None:
    rows = build_dataset(tmp_path / "direct", PAGES, seed=0)
    assert rows["pages"] <= PAGES
    assert rows["links"] > 100 * rows["pages"]
    small = 60
    out = _bench(
        "bench.audit",
        "--pages",
        f"{small},{small * 2}",
        "--cache",
        str(tmp_path / "cache"),
        "--detail-at",
        str(small),
    )
    assert "audit wall s" in out
    assert "per 1,000 pages" in out
    assert "1M pages" in out
    assert "stages, and parts of them" in out
    for stage in ("targets", "topics", "links", "graph", "pages", "duplicates", "report"):
        assert f"stage {stage} " in out, stage
    saved = json.loads((tmp_path / "cache" / f"audit-{small}-s0-result.json").read_text())
    assert saved["detail"]["summary"]["links"] == build_dataset(tmp_path / "d", small, 0)["links"]


def test_dask_bench_runs_both_audits_and_finds_the_same_rows(tmp_path: Path) -> None:
    root = tmp_path / "small"
    build_dataset(root, 120, seed=0)
    out = _bench("bench.audit_dask", str(root), "--workers", "1")
    assert "single process |" in out
    assert "Dask local:1 |" in out
    assert "speed-up" in out
    assert "the shuffle: " in out and "buckets by target and anchor" in out
    assert "local:1 link_findings: " in out and ", 0 only single-process, 0 only Dask" in out
    assert out.rstrip().endswith("findings identical")


def test_bench_imports_nothing_from_tests() -> None:
    """Shared code lives in the package or in bench/; tests may import bench, not the reverse."""
    offenders = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "tests"]
    assert not offenders
