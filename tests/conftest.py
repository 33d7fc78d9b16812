"""Shared fixtures: the demo site served over real HTTP on 127.0.0.1 by a subprocess."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


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


def farmaudit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the farmaudit CLI in a subprocess (Twisted's reactor starts once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "scraper.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
