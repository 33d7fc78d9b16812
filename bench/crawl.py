"""farmaudit's whole crawl against a bare Scrapy spider, on the same generated site, in one run.

    .venv/bin/python -m bench.crawl [--pages 5000] [--concurrency 32] [--profile DIR]

One farmsite server (`bench.farmsite`) serves a farm site (`scraper.demo.farm`) of --pages
pages (and its about and contact pages) on 127.0.0.1. First the
server is measured alone (cold article pages over 32 keep-alive connections). Then two crawls
of the whole site start at `/`, each in its own subprocess so that its CPU time and peak RSS
(`os.wait4`) are its own:

- farmaudit: `farmaudit crawl URL --allow-private --delay 0 --concurrency C --depth D --out
  TMP` (fetch, robots.txt, scope and dedup by crawl key, extraction, Parquet batches);
- bare: a plain `scrapy.Spider` whose callback is `yield from response.follow_all(css="a")`,
  Scrapy's default settings (fingerprint dupefilter, offsite middleware) with the same
  concurrency and no delay, no item pipeline.

Both log at WARNING. Pages per second are pages over the subprocess's wall time (interpreter
start to exit). With --profile DIR each crawl runs once more under py-spy (raw stacks in DIR),
and the samples are split by stage: Scrapy download and engine, Request creation, href
scanning, URL normalisation, extraction, Parquet writing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import (
    ROOT,
    BenchError,
    Measured,
    print_machine,
    print_table,
    python_module,
    run_measured,
)
from bench.farmsite import LoadResult, load, load_paths, server_stats
from scraper.demo.farm import FarmSite

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

_NOT_FETCHED = ("mailto:", "javascript:", "tel:", "data:")
_CRAWLED = re.compile(r"crawled ([\d,]+) pages in ([\d.]+) s")


# --- the bare spider (runs in its own process: `python -m bench.crawl bare URL`) ------------


def run_bare_spider(url: str, concurrency: int, stats_path: Path) -> None:
    """Crawl from `url` following every <a>, with Scrapy's defaults; write its stats as JSON."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.Spider):
        """Follows every link; keeps nothing."""

        name = "bare"

        def parse(self, response: Any) -> Any:
            """Every <a href> becomes a Request; Scrapy's dupefilter drops the seen ones."""
            # follow_all(css="a") raises "Missing scheme" at the first mailto: link, which
            # drops the page's remaining links and logs a traceback per page: skip those
            # schemes, as any working spider must.
            hrefs = response.css("a::attr(href)").getall()
            yield from response.follow_all([h for h in hrefs if not h.startswith(_NOT_FETCHED)])

    host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, start_urls=[url], allowed_domains=[host])
    process.start()
    elapsed = time.monotonic() - started
    assert crawler.stats is not None
    stats = {
        key: value
        for key, value in crawler.stats.get_stats().items()
        if isinstance(value, (int, float, str))
    }
    stats["bench/crawl_s"] = elapsed
    stats_path.write_text(json.dumps(stats, indent=1, sort_keys=True))


# --- the server ---------------------------------------------------------------------------


@contextlib.contextmanager
def farmsite_server(pages: int, seed: int) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run `python -m bench.farmsite serve` for the block; yield its base URL and process."""
    proc = subprocess.Popen(
        python_module("bench.farmsite", "serve", "--pages", str(pages), "--seed", str(seed)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("serving http://"):
            raise BenchError(f"farmsite server said {line!r} instead of 'serving URL'")
        yield line.removeprefix("serving "), proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def server_cpu(url: str) -> float:
    """The server's CPU seconds so far."""
    return float(asyncio.run(server_stats(url))["cpu_s"])


# --- the measured crawls ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrawlFigures:
    """One side's crawl: pages fetched and what the process cost."""

    name: str
    pages: int
    run: Measured
    #: Seconds inside the crawl itself (engine start to stop), as the crawler reports it.
    crawl_s: float
    #: Server CPU seconds spent while this crawl ran.
    server_cpu_s: float

    @property
    def pages_per_s(self) -> float:
        """Pages per second of process wall time."""
        return self.pages / self.run.wall_s if self.run.wall_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        """Process CPU milliseconds (user + system) per page."""
        return 1000 * self.run.cpu_s / self.pages if self.pages else 0.0

    @property
    def server_busy(self) -> float:
        """Share of one core the server used during the crawl."""
        return self.server_cpu_s / self.run.wall_s if self.run.wall_s else 0.0


def farmaudit_argv(url: str, out: Path, concurrency: int, depth: int) -> list[str]:
    """The farmaudit crawl command, as a user would type it (`--delay 0`: no pacing, like
    the bare spider; it turns AutoThrottle off too)."""
    return python_module(
        "scraper.cli",
        "crawl",
        url,
        "--allow-private",
        "--delay",
        "0",
        "--concurrency",
        str(concurrency),
        "--depth",
        str(depth),
        "--out",
        str(out),
    )


def bare_argv(url: str, concurrency: int, stats: Path) -> list[str]:
    """The bare spider command."""
    return python_module(
        "bench.crawl", "bare", url, "--concurrency", str(concurrency), "--stats", str(stats)
    )


@dataclass(frozen=True, slots=True)
class Side:
    """One crawler of the comparison: its name and how to run and count it."""

    name: str
    farmaudit: bool

    def argv(self, url: str, work: Path, args: argparse.Namespace) -> list[str]:
        """The command of this side, writing under `work`."""
        if self.farmaudit:
            out = work / "farmaudit"
            return farmaudit_argv(url, out, args.concurrency, args.depth)
        return bare_argv(url, args.concurrency, work / "bare-stats.json")

    def crawl(self, url: str, work: Path, args: argparse.Namespace) -> CrawlFigures:
        """Crawl the whole site once and measure it."""
        shutil.rmtree(work / "farmaudit", ignore_errors=True)
        cpu0 = server_cpu(url)
        run = run_measured(self.argv(url, work, args)).check()
        server = server_cpu(url) - cpu0
        if self.farmaudit:
            from pipelines.store.dataset import read_table

            pages = read_table(work / "farmaudit", "pages", ["url"]).num_rows
            match = _CRAWLED.search(run.stdout)
            return CrawlFigures(
                self.name, pages, run, float(match[2]) if match else run.wall_s, server
            )
        stats = json.loads((work / "bare-stats.json").read_text())
        # HTML pages with status 200, as farmaudit counts them (bare also fetches what 404s).
        pages = int(stats.get("downloader/response_status_count/200", 0))
        return CrawlFigures(self.name, pages, run, float(stats["bench/crawl_s"]), server)


FARMAUDIT = Side("farmaudit", farmaudit=True)
BARE = Side("bare Scrapy", farmaudit=False)
SIDES = {"farmaudit": FARMAUDIT, "bare": BARE}


# --- profiles -----------------------------------------------------------------------------

#: Stages of a crawl's CPU time that are units of work: a sample goes to the first of them
#: (in this order) with a frame anywhere in its stack matching one of its patterns.
WORK_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # py-spy counts a thread blocked on a lock as active: Twisted's thread pool waiting.
    ("idle (thread pool wait)", ("Condition.wait (", "_threadworker.py")),
    ("imports and start-up", ("<frozen importlib._bootstrap",)),
    # Scrapy re-reads and re-parses a callback's source whenever its bound method falls out
    # of a weak cache (scrapy.utils.misc.is_generator_with_return_value).
    (
        "callback source check (Scrapy: inspect + ast.parse)",
        ("is_generator_with_return_value", "warn_on_generator_with_return_value"),
    ),
    ("extraction (pipelines.extract)", ("/pipelines/extract/",)),
    ("Parquet writing (records → Arrow → zstd)", ("/pipelines/store/commits.py", "/pyarrow/")),
    ("item pipeline, other", ("/pipelines/components.py", "/pipelines/store/dataset.py")),
    ("href scanning (scraper.discover)", ("/scraper/discover.py",)),
    ("HTML parse + CSS select (parsel)", ("/parsel/", "/scrapy/selector/")),
    ("Request creation", ("/scrapy/http/request/",)),
    ("URL normalise / join", ("/pipelines/store/urls.py", "urljoin", "/w3lib/url.py")),
    ("dupefilter + fingerprints", ("/scrapy/dupefilters.py", "/scrapy/utils/request.py")),
    ("response decoding", ("/scrapy/http/response/", "/w3lib/encoding.py")),
)
#: Scrapy's plumbing: a sample left over goes to the deepest frame matching one of these.
PLUMBING_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("spider callback, other", ("/scraper/spiders/", "BareSpider.parse")),
    ("spider middlewares", ("/scrapy/spidermiddlewares/", "/scrapy/core/spidermw.py")),
    (
        "downloader middlewares",
        ("/scrapy/downloadermiddlewares/", "/scraper/middlewares.py", "downloader/middleware.py"),
    ),
    ("scheduler and queues", ("/scrapy/core/scheduler.py", "/scrapy/pqueues.py", "/queuelib/")),
    (
        "HTTP download (handler, Twisted web and TCP)",
        (
            "/scrapy/core/downloader/",
            "/scrapy/core/http11",
            "/twisted/web/",
            "/twisted/internet/tcp.py",
            "/twisted/internet/abstract.py",
            "/twisted/protocols/",
        ),
    ),
    ("engine, scraper, signals", ("/scrapy/core/", "/scrapy/signalmanager.py", "/pydispatch/")),
)
#: Everything else: the asyncio loop, Twisted's reactor and Deferreds, Scrapy's async glue.
EVENT_LOOP = "event loop and async glue (asyncio, Twisted, scrapy.utils)"
IDLE = WORK_STAGES[0][0]


def stage_of(frames: Sequence[str]) -> str:
    """The stage a sampled stack (root first) belongs to."""
    for name, patterns in WORK_STAGES:
        if any(p in frame for frame in frames for p in patterns):
            return name
    for frame in reversed(frames):
        for name, patterns in PLUMBING_STAGES:
            if any(p in frame for p in patterns):
                return name
    return EVENT_LOOP


def stage_breakdown(raw: Path) -> Counter[str]:
    """Samples per stage in a py-spy raw (collapsed stacks) file."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            counts[stage_of(stack.split(";"))] += int(number)
    return counts


def top_functions(raw: Path, prefix: str, limit: int = 12) -> list[tuple[str, float]]:
    """Leaf-most frames under `prefix` (a path fragment) with their share of busy samples."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        frames = stack.split(";")
        if stage_of(frames) == IDLE:
            continue
        total += int(number)
        ours = [f for f in frames if prefix in f]
        if ours:
            counts[ours[-1].replace(prefix, "")] += int(number)
    return [(frame, n / total) for frame, n in counts.most_common(limit)] if total else []


def profile(argv: Sequence[str], out: Path, rate: int = 200) -> Path:
    """Run `argv` under `py-spy record` (raw collapsed stacks, full file names) into `out`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    cmd = [spy, "record", "--format", "raw", "--full-filenames", "-r", str(rate), "-o", str(out)]
    run_measured([*cmd, "--", *argv]).check()
    return out


def print_profile(name: str, raw: Path, cpu_ms_per_page: float) -> None:
    """Print one crawl's CPU split by stage: share of busy samples, and that share of the
    CPU ms per page measured without the profiler (py-spy's pauses inflate wall time)."""
    counts = stage_breakdown(raw)
    idle = counts.pop(IDLE, 0)
    total = sum(counts.values())
    print(f"\n{name}: {total:,} busy samples, {idle:,} idle ones left out ({raw})")
    rows = [
        (stage, f"{n / total:.1%}", cpu_ms_per_page * n / total)
        for stage, n in counts.most_common()
    ]
    print_table(["stage", "share of CPU", "CPU ms per page"], rows)


# --- the benchmark ------------------------------------------------------------------------


def run_benchmark(args: argparse.Namespace) -> int:
    """Serve the site, measure the server alone, then each crawler; print the figures."""
    print_machine(f"crawl: farmaudit vs a bare Scrapy spider, {args.pages:,}-page site")
    load_before = os.getloadavg()
    expected = len(FarmSite(args.pages, args.seed).html_paths())
    sides = [SIDES[name] for name in args.sides.split(",")]
    with contextlib.ExitStack() as stack:
        if args.keep:
            work = Path(args.keep)
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-crawl-")))
        url, _ = stack.enter_context(farmsite_server(args.pages, args.seed))
        print(f"site: {url} serves {expected:,} HTML pages (seed {args.seed})")
        alone = load(url, load_paths(args.pages, args.server_requests, args.seed), args.concurrency)
        best: dict[str, CrawlFigures] = {}
        for round_ in range(args.rounds):
            # Alternate the order, so that a neighbour's load spike hits both sides alike.
            for side in sides if round_ % 2 == 0 else sides[::-1]:
                figures = side.crawl(url, work, args)
                print(
                    f"  round {round_ + 1} {side.name}: {figures.pages:,} pages in "
                    f"{figures.run.wall_s:.1f} s, {figures.cpu_ms_per_page:.2f} CPU ms/page",
                    flush=True,
                )
                if side.name not in best or figures.pages_per_s > best[side.name].pages_per_s:
                    best[side.name] = figures
        _print_results(alone, [best[side.name] for side in sides], expected, args.rounds)
        if args.profile:
            folder = Path(args.profile)
            folder.mkdir(parents=True, exist_ok=True)
            for side in sides:
                stem = next(key for key, value in SIDES.items() if value is side)
                shutil.rmtree(work / "farmaudit", ignore_errors=True)
                raw = profile(side.argv(url, work, args), folder / f"{stem}.txt", args.profile_rate)
                print_profile(f"{side.name} profile", raw, best[side.name].cpu_ms_per_page)
            if FARMAUDIT in sides:
                print("\nfarmaudit, hottest functions of our packages (leaf-most frame):")
                for frame, share in top_functions(folder / "farmaudit.txt", str(ROOT) + "/"):
                    print(f"  {share:6.1%}  {frame}")
    load_after = os.getloadavg()
    print(
        f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} on "
        f"{os.cpu_count()} CPUs: other work on the machine slows the wall-clock figures"
    )
    return 0


def _print_results(
    alone: LoadResult, sides: list[CrawlFigures], expected: int, rounds: int
) -> None:
    print(
        f"\nserver alone: {alone.requests:,} cold article pages over keep-alive connections: "
        f"{alone.pages_per_s:,.0f} pages/s with the client on the same machine; "
        f"{alone.server_cpu_ms:.3f} server CPU ms/page, i.e. {alone.capacity:,.0f} pages/s "
        "per core"
    )
    rows = [
        (
            side.name,
            side.pages,
            side.run.wall_s,
            side.pages_per_s,
            side.cpu_ms_per_page,
            f"{side.run.cpu_s / side.run.wall_s:.0%}" if side.run.wall_s else "-",
            side.run.peak_rss_mb,
            f"{side.server_busy:.0%}",
        )
        for side in sides
    ]
    best = f" (best of {rounds} rounds)" if rounds > 1 else ""
    print(f"\ncrawls of the whole site{best}:")
    print_table(
        [
            "crawler",
            "pages",
            "wall s",
            "pages/s",
            "CPU ms/page",
            "CPU busy",
            "peak RSS MB",
            "server busy",
        ],
        rows,
    )
    for side in sides:
        # The bare spider fetches `/` twice: Scrapy's start requests bypass the dupefilter.
        if side.pages < expected:
            print(f"warning: {side.name} fetched {side.pages:,} pages; the site has {expected:,}")
    bare = sides[-1]
    if bare.name != BARE.name:
        return
    print()
    for side in sides[:-1]:
        ratio = side.pages_per_s / bare.pages_per_s if bare.pages_per_s else float("nan")
        cpu = bare.cpu_ms_per_page / side.cpu_ms_per_page if side.cpu_ms_per_page else 0.0
        label = "farmaudit/bare" if side.name == "farmaudit" else f"{side.name}/bare"
        print(
            f"{label} pages/s: {ratio:.2f}x (goal >= 2x); bare/farmaudit CPU per page: {cpu:.2f}x"
        )
    fastest = max(side.pages_per_s for side in sides)
    print(
        f"server headroom: alone it serves {alone.capacity:,.0f} pages/s per core, "
        f"{alone.capacity / max(fastest, 1):.0f}x the fastest crawl"
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.crawl [options]`, or `bare URL` (the bare spider's own process)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bare"]:
        bare = argparse.ArgumentParser(prog="python -m bench.crawl bare")
        bare.add_argument("command")
        bare.add_argument("url")
        bare.add_argument("--concurrency", type=int, default=32)
        bare.add_argument("--stats", type=Path, required=True)
        ns = bare.parse_args(argv)
        run_bare_spider(ns.url, ns.concurrency, ns.stats)
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.crawl", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--pages", type=int, default=3000, help="site size (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="site generator seed")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--depth", type=int, default=50, help="farmaudit --depth (bare: none)")
    parser.add_argument(
        "--server-requests", type=int, default=3000, help="pages fetched to time the server"
    )
    parser.add_argument("--rounds", type=int, default=1, help="crawls per side; best is kept")
    parser.add_argument(
        "--sides",
        default="farmaudit,bare",
        help="crawlers to run, comma-separated, bare last: farmaudit, bare",
    )
    parser.add_argument("--keep", help="folder for the crawl outputs (default: a temp folder)")
    parser.add_argument("--profile", help="also profile both crawls with py-spy into this folder")
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples per second")
    return run_benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
