"""Gates that cannot pass on nothing: a crawl that fetched nothing is failed and retryable, and
an audit of an empty crawl fails instead of reporting "0.0% risky"."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import pytest

from pipelines.store.dataset import read_manifest, read_table
from pipelines.store.start import FAILED
from scraper.demo.server import serve_demo
from tests.conftest import farmaudit

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
    assert start_rows == ["refused", None]  # the failed row is kept beside the retry
    assert read_table(out, "pages", ["url"]).num_rows > 0

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
