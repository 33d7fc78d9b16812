"""End to end: a real Scrapy crawl of the demo site over HTTP on 127.0.0.1 into Parquet.

One crawl per session (the `crawled` fixture); every test reads the dataset it wrote.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.store.dataset import part_files, read_part, read_table
from pipelines.store.schema import CRAWL_TABLES, LINK_BLOCKS
from scraper.demo.site import build_site
from tests.conftest import farmaudit

pytestmark = pytest.mark.e2e
SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_page_the_site_serves_is_in_the_dataset_once(crawled: Path) -> None:
    site = build_site()
    pages = pd.read_parquet(crawled / "pages")
    assert sorted(pages["url"].map(_path)) == sorted(site.html_paths())
    raw = read_table(crawled, "raw", ["url"]).column("url").to_pylist()
    assert len(raw) == len(set(raw)) == len(site.html_paths())


def test_robots_disallowed_paths_are_recorded_not_fetched(crawled: Path) -> None:
    site = build_site()
    fetches = pd.read_parquet(crawled / "fetches")
    refused = set(fetches.loc[fetches["error"] == "robots", "url"].map(_path))
    assert refused  # the site links to them, so the crawler met them
    assert refused <= {p for p in refused if any(p.startswith(d) for d in site.disallowed_paths)}
    fetched = set(pd.read_parquet(crawled / "raw", columns=["url"])["url"].map(_path))
    assert not {p for p in fetched if any(p.startswith(d) for d in site.disallowed_paths)}


def test_crawl_stays_on_the_start_host(crawled: Path) -> None:
    hosts = {urlsplit(u).netloc for u in pd.read_parquet(crawled / "fetches")["url"]}
    assert len(hosts) == 1
    links = pd.read_parquet(crawled / "links")
    external = links[~links["internal"]]
    assert "https://beian.miit.gov.cn/" in set(external["target_url"])
    # javascript: and mailto: links are recorded with no target, never followed
    assert (
        links.loc[links["href"].str.startswith(("javascript:", "mailto:")), "target_url"]
        .isna()
        .all()
    )


def test_every_part_fits_the_contract_and_pandas_types(crawled: Path) -> None:
    for table, schema in CRAWL_TABLES.items():
        parts = part_files(crawled, table)
        assert parts, table
        for part in parts:
            read_part(part, schema)  # raises ContractError naming the part on any mismatch
            assert pq.read_schema(part).metadata == schema.metadata, part
    pages = pd.read_parquet(crawled / "pages")
    assert str(pages["published_at"].dtype) == "datetime64[us, UTC]"
    assert str(pd.read_parquet(crawled / "links")["position"].dtype) == "int32"
    assert set(pd.read_parquet(crawled / "links")["block"]) <= set(LINK_BLOCKS)
    assert not list(crawled.rglob("*.tmp"))
    assert json.loads((crawled / "crawl.json").read_text("utf-8"))["status"] == "finished"


@pytest.mark.parametrize("seed", sorted(p.name.split(".")[0] for p in SEEDS.glob("*.json")))
def test_seed_pages_carry_their_related_links_in_every_template(crawled: Path, seed: str) -> None:
    expected = json.loads((SEEDS / f"{seed}.expected.json").read_text("utf-8"))
    site = build_site()
    links = pd.read_parquet(crawled / "links")
    pages = pd.read_parquet(crawled / "pages")
    for template, path in site.seed_pages[seed].items():
        page = pages[pages["url"].map(_path) == path].iloc[0]
        assert page["title"] == expected["title"], template
        related = links[(links["source_url"] == page["url"]) & (links["block"] == "related")]
        ordered = related.sort_values("position")["anchor_text"].tolist()
        assert ordered == expected["related"], template


def test_reextract_from_raw_gives_identical_rows(crawled: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(crawled, copy)
    result = farmaudit("extract", str(copy))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("(+0 / -0 / ~0 changed)") == 3
    for table in ("pages", "steps", "links"):
        before = read_table(crawled, table).to_pandas()
        after = read_table(copy, table).to_pandas()
        key = list(before.columns[:4])
        before = before.sort_values(key, kind="stable").reset_index(drop=True)
        after = after.sort_values(key, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(before, after)


def test_rerunning_a_finished_crawl_changes_nothing(crawled: Path, demo_server: str) -> None:
    before = {p: p.stat().st_mtime_ns for p in crawled.rglob("*")}
    result = farmaudit(
        "crawl",
        demo_server,
        "--sitemap",
        demo_server + "sitemap.xml",
        "--allow-private",
        "--depth",
        "20",
        "--out",
        str(crawled),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "already finished" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in crawled.rglob("*")} == before


def test_a_different_crawl_into_the_same_folder_is_refused(crawled: Path) -> None:
    result = farmaudit("crawl", "http://127.0.0.1:9/", "--allow-private", "--out", str(crawled))
    assert result.returncode == 1
    assert f"Error: {crawled} already holds crawl" in result.stderr
    assert "--overwrite" in result.stderr


def test_unreachable_start_url_fails_naming_it(tmp_path: Path) -> None:
    result = farmaudit(
        "crawl", "http://127.0.0.1:9/", "--allow-private", "--out", str(tmp_path / "x")
    )
    assert result.returncode == 1
    assert "no page could be fetched" in result.stderr
    assert "http://127.0.0.1:9/: refused" in result.stderr
    assert not list((tmp_path / "x").rglob("*.parquet.tmp"))


def test_demo_command_crawls_the_site_and_says_where_the_data_is(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = farmaudit("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    count = len(build_site().html_paths())
    assert f"dataset: {out}/ ({count} pages; the site serves {count})" in result.stdout
