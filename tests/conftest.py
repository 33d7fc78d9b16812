"""Shared fixtures: the demo site served over real HTTP on 127.0.0.1 by a subprocess."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="session")
def demo_server() -> Iterator[str]:
    """Base URL of `python -m scraper.demo.server --port 0`, running for the whole session."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.demo.server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("serving http://127.0.0.1:"), f"demo server said {line!r}"
        yield line.removeprefix("serving ")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def farmaudit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the farmaudit CLI in a subprocess (Twisted's reactor starts once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "scraper.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def crawled(demo_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site crawled once per session with `farmaudit crawl` into a temporary folder."""
    out = tmp_path_factory.mktemp("e2e") / "demo"
    result = farmaudit(
        "crawl",
        demo_server,
        "--sitemap",
        demo_server + "sitemap.xml",
        "--allow-private",
        "--delay",
        "0",
        "--concurrency",
        "16",
        "--depth",
        "20",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"rows written to {out}" in result.stdout
    return out
