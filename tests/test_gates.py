"""Gates that cannot pass on nothing: a crawl that fetched nothing is failed and retryable, and
an audit of an empty crawl fails instead of reporting "0.0% risky"."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import CrawlManifest, read_manifest, read_table, write_manifest
from pipelines.store.records import FetchRecord
from pipelines.store.start import FAILED
from scraper.cli import main
from scraper.demo.server import serve_demo
from tests.conftest import farmaudit
from tests.test_audit import WHEN, A, audited

__all__ = ["audited"]  # the planted, audited dataset of tests/test_audit.py, as a fixture here

if TYPE_CHECKING:
    from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.e2e
def test_a_crawl_that_fetched_nothing_is_failed_and_retried_when_the_site_is_back(
    tmp_path: Path,
) -> None:
    port = _free_port()
    site = f"http://127.0.0.1:{port}/"
    out = tmp_path / "out"
    args = (
        "crawl",
        site,
        "--allow-private",
        "--delay",
        "0",
        "--max-pages",
        "30",
        "--out",
        str(out),
    )

    down = farmaudit(*args)
    assert down.returncode == 1
    assert f"no page could be fetched:\n  {site}: refused" in down.stdout + down.stderr
    manifest = read_manifest(out)
    assert manifest is not None and manifest.status == FAILED

    with serve_demo(port=port):
        back = farmaudit(*args)
    assert back.returncode == 0, back.stdout + back.stderr[-2000:]
    assert "already finished" not in back.stdout
    assert "resuming crawl" in back.stdout
    manifest = read_manifest(out)
    assert manifest is not None and manifest.status == "finished"
    fetches = read_table(out, "fetches", ["url", "error"]).to_pylist()
    start_rows = [row["error"] for row in fetches if row["url"] == site]
    # the failed row is kept beside the retry (parts are read by writer, not by time)
    assert sorted(start_rows, key=lambda error: error or "") == [None, "refused"]
    # --max-pages counts fetched pages: the demo's robots.txt refusals do not spend it.
    assert read_table(out, "pages", ["url"]).num_rows == 30
    assert any(row["error"] == "robots" for row in fetches)

    again = farmaudit(*args)
    assert again.returncode == 0
    assert "already finished; nothing to do" in again.stdout


@pytest.mark.e2e
def test_failed_urls_are_retried_up_to_a_limit(tmp_path: Path) -> None:
    site = f"http://127.0.0.1:{_free_port()}/"
    out = tmp_path / "out"
    args = ("crawl", site, "--allow-private", "--delay", "0", "--out", str(out))
    for _ in range(4):
        farmaudit(*args)
    fetches = read_table(out, "fetches", ["url", "error"]).to_pylist()
    assert [row["error"] for row in fetches] == ["refused"] * 3


def _failed_crawl(root: Path) -> Path:
    """What a crawl of a site that was down leaves: a manifest and one failed fetch row."""
    write_manifest(root, CrawlManifest("c1", [A], [], ["a.cn"], 2, None, WHEN.isoformat(), "0"))
    writer = DatasetWriter(root, writer_id="w1")
    writer.add("fetches", [FetchRecord(A, None, None, "refused", 0, 1.0, 0, None, WHEN, "c1")])
    writer.close()
    return root


def test_audit_of_a_crawl_that_fetched_nothing_fails_even_with_fail_on(tmp_path: Path) -> None:
    root = _failed_crawl(tmp_path / "down")
    result = CliRunner().invoke(main, ["audit", str(root), "--fail-on", "spam_share>0.2"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {root}: no verdict: 0 pages audited, fewer than the 1 required; the crawl "
        "fetched too little to judge (see its fetches table)"
    )
    md = (root / "audit" / "report.md").read_text("utf-8")
    assert md.splitlines()[2].startswith("**no verdict: 0 pages audited")  # under the title
    html = (root / "audit" / "report.html").read_text("utf-8")
    assert 'class="no-verdict" role="alert">no verdict: 0 pages audited' in html


def test_min_pages_is_a_floor_under_the_verdict(audited: Path) -> None:
    floor = CliRunner().invoke(main, ["audit", str(audited), "--min-pages", "1000"])
    assert floor.exit_code == 1
    assert "pages audited, fewer than the 1,000 required" in floor.output
    ok = CliRunner().invoke(main, ["audit", str(audited), "--min-pages", "2"])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    ("expression", "message"),
    [("spam>0.2", "unknown metric 'spam'"), ("spam_share>>0.2", "is not METRIC OP NUMBER")],
)
def test_a_bad_fail_on_is_a_usage_error_before_any_work(
    tmp_path: Path, expression: str, message: str
) -> None:
    root = _failed_crawl(tmp_path / "down")
    result = CliRunner().invoke(main, ["audit", str(root), "--fail-on", expression])
    assert result.exit_code == 2
    assert "--fail-on" in result.output and message in result.output
    assert not (root / "audit").exists()


def test_crawl_without_a_start_url_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "give at least one start URL" in result.output
    assert not (tmp_path / "x").exists()
