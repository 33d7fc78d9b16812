"""Resume after any kill: the dataset is the journal.

`farmaudit crawl` of the demo site is killed with SIGKILL at random moments (seeded), then
stopped with SIGINT and with SIGTERM, and resumed each time by running the same command. At the
end every page of the site is in the dataset exactly once, every Parquet file reads, and every
part that was committed when a run died is still there with the same rows.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipelines.store.commits import DatasetWriter, hidden_name, read_markers
from pipelines.store.dataset import (
    JOURNAL_TABLES,
    read_table,
    verify_dataset,
    write_manifest,
)
from pipelines.store.records import FetchRecord, RawPage
from pipelines.store.schema import CRAWL_TABLES, PAGES
from pipelines.store.start import StartOptions, start
from pipelines.store.urls import crawl_key
from scraper.cli import main
from scraper.demo.site import build_site
from scraper.spiders.farm import crawl_request
from tests.conftest import farmaudit

if TYPE_CHECKING:
    from pathlib import Path

SEED = 5
SIGKILLS = 5
#: Small batches, so that parts commit several times a second and kills land among them.
BATCH = ("--set", "FARMAUDIT_BATCH_PAGES=8", "--set", "FARMAUDIT_BATCH_SECONDS=0.5")


def _args(site: str, out: Path) -> list[str]:
    return [
        "crawl",
        site,
        "--sitemap",
        site + "sitemap.xml",
        "--allow-private",
        # At most ~50 pages/s (two at a time, 20 ms apart): each run below is stopped within
        # ~1 s of its first commit, so seven runs fetch well under the 566 pages and every
        # stop lands mid-crawl, not after it.
        "--delay",
        "0.02",
        "--concurrency",
        "2",
        "--depth",
        "20",
        "--set",
        "AUTOTHROTTLE_ENABLED=False",
        *BATCH,
        "--out",
        str(out),
    ]


def _committed(out: Path) -> dict[tuple[str, str], int]:
    """Journal parts the commit markers say are committed: (table, part) → rows."""
    return {
        (table, stem): rows
        for marker in read_markers(out)
        for table, (stem, rows) in marker.parts.items()
        if table in JOURNAL_TABLES
    }


def _rows_on_disk(out: Path, table: str, stem: str) -> int | None:
    for name in (stem, hidden_name(stem)):  # hidden: marked, not renamed when the run died
        if (out / table / name).exists():
            return pq.read_metadata(out / table / name).num_rows
    return None


def _run_until(
    args: list[str], out: Path, sig: signal.Signals, rng: random.Random, most: float = 0.6
) -> int:
    """Start a crawl, let it commit at least one new batch, wait up to `most` s, signal it."""
    before = len(read_markers(out)) if out.exists() else 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and len(read_markers(out)) > before:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, most))
        if proc.poll() is None:
            proc.send_signal(sig)
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _check_after_stop(out: Path, kept: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Every part committed before is still there with its rows; every file reads."""
    verify_dataset(out)  # footers, contract, and markers against the parts they name
    for table in CRAWL_TABLES:
        read_table(out, table)
    for (table, stem), rows in kept.items():
        assert _rows_on_disk(out, table, stem) == rows, f"{table}/{stem} lost rows"
    return _committed(out)


@pytest.mark.e2e
def test_killed_crawls_resume_to_every_page_once(demo_server: str, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = _args(demo_server, out)
    rng = random.Random(SEED)
    kept: dict[tuple[str, str], int] = {}
    for _ in range(SIGKILLS):
        code = _run_until(args, out, signal.SIGKILL, rng)
        assert code == -signal.SIGKILL, "the crawl finished before it could be killed"
        kept = _check_after_stop(out, kept)
    for graceful in (signal.SIGINT, signal.SIGTERM):
        code = _run_until(args, out, graceful, rng)
        assert code == 130  # stopped, not done: a script must not take it for success
        manifest = json.loads((out / "crawl.json").read_text("utf-8"))
        assert manifest["status"] == "stopped: shutdown"
        assert not list(out.rglob("*.tmp"))  # the batch in hand was committed, nothing pending
        kept = _check_after_stop(out, kept)

    result = farmaudit(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming crawl" in result.stdout
    _check_after_stop(out, kept)
    manifest = json.loads((out / "crawl.json").read_text("utf-8"))
    assert (manifest["status"], manifest["runs"]) == ("finished", SIGKILLS + 3)

    site = build_site()
    raw = read_table(out, "raw", ["url", "final_url"]).to_pandas()
    paths = sorted(raw["final_url"].map(lambda u: urlsplit(u).path))
    assert paths == sorted(site.html_paths())  # every page, none twice, none extra
    assert not raw["url"].duplicated().any()
    assert not raw["final_url"].map(crawl_key).duplicated().any()
    pages = read_table(out, "pages", ["url"]).to_pandas()
    assert sorted(pages["url"]) == sorted(raw["url"])
    fetches = read_table(out, "fetches", ["url"]).to_pandas()
    assert not fetches["url"].duplicated().any()

    # A finished crawl: the same command says so and changes nothing.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = farmaudit(*args)
    assert again.returncode == 0
    assert "already finished" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


@pytest.mark.e2e
def test_the_page_budget_holds_across_a_kill(demo_server: str, tmp_path: Path) -> None:
    out = tmp_path / "budget"
    args = [*_args(demo_server, out)[:-2], "--max-pages-per-host", "60", "--out", str(out)]
    # Killed as soon as a batch is in: 60 pages take about a second.
    assert _run_until(args, out, signal.SIGKILL, random.Random(SEED), 0) == -signal.SIGKILL
    result = farmaudit(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    fetches = read_table(out, "fetches", ["url", "error"]).to_pandas()
    # The budget counts fetches, not robots.txt refusals (and this site has no traps).
    assert (fetches["error"] != "robots").sum() == 60
    assert (fetches["error"] == "robots").sum() > 0
    assert not fetches["url"].duplicated().any()


# --- a damaged dataset is refused, naming the file, and left as it was ------------------------

START = "http://127.0.0.1:9/"


def _stopped_crawl(root: Path) -> Path:
    """A crawl of START that was stopped after one batch: what `farmaudit crawl` resumes."""
    wanted = crawl_request([START], [], max_depth=5, max_pages=0, allow_private=True)
    manifest = start(StartOptions(root, wanted, overwrite=False)).manifest
    manifest.status = "stopped: shutdown"
    write_manifest(root, manifest)
    when = datetime(2024, 6, 1, tzinfo=UTC)
    writer = DatasetWriter(root, writer_id="w1")
    writer.add("raw", [RawPage(START, START, 200, {}, b"<html></html>", "utf-8", when)])
    writer.add("fetches", [FetchRecord(START, START, 200, None, 13, 1.0, 0, None, when, "c1")])
    writer.close()
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def _truncate(root: Path) -> Path:
    part = next((root / "fetches").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    return part


def _older_version(root: Path) -> Path:
    part = root / "pages" / "part-old-000001.parquet"
    part.parent.mkdir(exist_ok=True)
    old = PAGES.with_metadata({**PAGES.metadata, b"version": b"0"})
    pq.write_table(old.empty_table(), part)
    return part


@pytest.mark.parametrize(
    ("damage", "message"),
    [(_truncate, "unreadable Parquet file"), (_older_version, "written by schema version 0")],
)
@pytest.mark.parametrize("command", ["crawl", "extract"])
def test_a_damaged_part_stops_resume_and_extract_naming_it(
    tmp_path: Path, damage: Any, message: str, command: str
) -> None:
    root = _stopped_crawl(tmp_path / "ds")
    part = damage(root)
    before = _snapshot(root)
    args = ["crawl", START, "--allow-private", "--out", str(root)]
    result = CliRunner().invoke(main, args if command == "crawl" else ["extract", str(root)])
    assert result.exit_code == 1, result.output
    assert f"Error: {part}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _snapshot(root) == before


def test_corrupt_data_behind_a_good_footer_stops_resume_naming_it(tmp_path: Path) -> None:
    root = _stopped_crawl(tmp_path / "ds")
    part = next((root / "raw").glob("*.parquet"))
    data = bytearray(part.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    for i in range(4, len(data) - 8 - footer):  # every data page, not the footer
        data[i] ^= 0x5A
    part.write_bytes(bytes(data))
    before = _snapshot(root)
    result = farmaudit("crawl", START, "--allow-private", "--out", str(root))
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"Error: {part}: unreadable Parquet file" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(root) == before
