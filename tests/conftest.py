"""Shared fixtures: the demo site served over real HTTP on 127.0.0.1 by a subprocess, and a
private redis-server for crawls across machines."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a private redis-server on a free 127.0.0.1 port, running for the whole session.

    Missing redis-server: a failure in CI (.ci/run installs it), a skip elsewhere.
    """
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/run installs Debian's package)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    for _ in range(3):  # a free port can be taken between the probe and redis binding it
        port = _free_port()
        # No persistence: the server lives as long as the session.
        options = ["--save", "", "--appendonly", "no", "--logfile", str(folder / "redis.log")]
        proc = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), *options],
            stdout=subprocess.DEVNULL,
        )
        if _answers_ping(port, proc):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail(f"redis-server did not start; see {folder / 'redis.log'}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return True
        except OSError:
            time.sleep(0.05)
    return False
