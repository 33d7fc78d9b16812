"""The `farmaudit` command: thin wrappers, one stage function per command.

Exit codes: 0 success, 1 a data or input error (the message names the file, URL or line),
2 a usage error (click's default).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipelines.store.dataset import (
    CrawlManifest,
    fetch_outcomes,
    read_manifest,
    read_table,
    require_dataset,
    verify_dataset,
)
from pipelines.store.errors import FarmauditError
from pipelines.store.start import Plan, StartOptions, plan
from scraper.targets import parse_url_lines, read_url_file

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from reports.audit import AuditConfig, AuditResult
    from reports.audit.stage import Runner
    from scraper.crawl import CrawlOptions

DEFAULT_DEMO_OUT = Path("datasets/demo")
DEMO_DEPTH = 20  # deep enough for every page of the demo site
F = TypeVar("F", bound="Callable[..., Any]")


class _Failure(click.ClickException):
    exit_code = 1


def _fail_on_data_errors(func: F) -> F:
    """Turn our domain errors into a one-line message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FarmauditError as err:
            raise _Failure(str(err)) from err
        except OSError as err:  # a read-only folder, a full disk: one line naming the path
            where = f"{err.filename}: " if err.filename else ""
            raise _Failure(f"{where}{err.strerror or err}") from err
        except KeyboardInterrupt:
            # Ctrl-C outside Scrapy's own handler (start-up, the summary after the crawl):
            # files are written atomically, so stopping here loses nothing committed.
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="farmaudit")
def main() -> None:
    """Crawl content-farm sites into Parquet and audit their links.

    \b
    farmaudit demo                                  crawl the bundled demo site
    farmaudit crawl https://example.org/ --out datasets/example
    farmaudit crawl https://example.org/ --redis redis://HOST:6379/0 --out /shared/example
    farmaudit worker --redis redis://HOST:6379/0 --out /shared/example   (other machines)
    farmaudit extract datasets/example              re-extract from stored raw pages
    farmaudit schema                                print the data contract
    """


_crawl_options = [
    click.option(
        "--depth",
        "max_depth",
        type=click.IntRange(min=0),
        default=5,
        show_default=True,
        help="Link hops to follow from the start URLs.",
    ),
    click.option(
        "--max-pages",
        type=click.IntRange(min=0),
        default=0,
        help="Stop scheduling new pages after this many (0: no limit).",
    ),
    click.option(
        "--max-pages-per-host",
        type=click.IntRange(min=0),
        default=0,
        help="Stop scheduling new pages of one host after this many (0: no limit).",
    ),
    click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="NAME=VALUE",
        help="Scrapy or FARMAUDIT_ setting (repeatable), e.g. --set DOWNLOAD_TIMEOUT=10.",
    ),
    click.option(
        "--delay",
        type=click.FloatRange(min=0),
        default=None,
        help="Seconds between requests to one host (default 0.5, adapted by AutoThrottle); "
        "0 turns pacing off, AutoThrottle too: only for sites you run.",
    ),
    click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=None,
        help="Parallel requests per host (default 4).",
    ),
    click.option("-v", "--verbose", count=True, help="More log output (-v: INFO, -vv: DEBUG)."),
]


def _with_crawl_options(func: F) -> F:
    for option in reversed(_crawl_options):
        func = option(func)
    return func


def _log_level(verbose: int) -> str:
    return ("WARNING", "INFO", "DEBUG")[min(verbose, 2)]


_redis_help = "Redis holding the crawl's shared frontier, e.g. redis://HOST:6379/0."


@main.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--out",
    "output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Dataset folder to write, e.g. datasets/NAME. Re-running resumes an unfinished crawl.",
)
@click.option(
    "--urls-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="File of start URLs, one per line ('#' comments allowed).",
)
@click.option(
    "--sitemap", "sitemaps", multiple=True, help="Sitemap URL to start from (repeatable)."
)
@click.option("--overwrite", is_flag=True, help="Replace a different crawl already in --out.")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow loopback and private-network targets (refused by default).",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help=_redis_help + " Other machines join with `farmaudit worker`.",
)
@_with_crawl_options
@_fail_on_data_errors
def crawl(
    urls: tuple[str, ...],
    output: Path,
    urls_file: Path | None,
    sitemaps: tuple[str, ...],
    overwrite: bool,
    allow_private: bool,
    redis_url: str | None,
    max_depth: int,
    max_pages: int,
    max_pages_per_host: int,
    settings: tuple[str, ...],
    delay: float | None,
    concurrency: int | None,
    verbose: int,
) -> None:
    """Crawl URLS (and their site) politely into a Parquet dataset.

    Stays on the start URLs' hosts, obeys robots.txt, throttles per host and writes
    raw/, pages/, steps/, links/ and fetches/ under --out as it goes. With --redis, the
    frontier lives in Redis and `farmaudit worker` on other machines shares the work.

    \b
    Examples:
      farmaudit crawl https://example.org/ --out datasets/example
      farmaudit crawl --urls-file seeds.txt --depth 2 --out datasets/seeds
      farmaudit crawl --sitemap https://example.org/sitemap.xml --out datasets/example
      farmaudit crawl https://example.org/ --redis redis://10.0.0.5:6379/0 --out /shared/example
    """
    from scraper.crawl import CrawlOptions

    if not (urls or urls_file or sitemaps):
        raise click.UsageError("give at least one start URL, --urls-file or --sitemap")
    start = parse_url_lines(urls, "command line")
    if urls_file is not None:
        start += read_url_file(urls_file)
    maps = parse_url_lines(sitemaps, "--sitemap")
    options = CrawlOptions(
        output=output,
        urls=list(dict.fromkeys(start)),
        sitemaps=maps,
        max_depth=max_depth,
        max_pages=max_pages,
        max_pages_per_host=max_pages_per_host,
        delay=delay,
        concurrency=concurrency,
        overwrite=overwrite,
        allow_private=allow_private,
        log_level=_log_level(verbose),
        redis_url=redis_url,
        extra_settings=_parse_settings(settings),
    )
    _run_crawl(options)


@main.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help=_redis_help)
@click.option(
    "--out",
    "output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The crawl's dataset folder, as this machine mounts it (a shared filesystem).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy or FARMAUDIT_ setting (repeatable), e.g. --set FARMAUDIT_BATCH_PAGES=100.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v: INFO, -vv: DEBUG).")
@_fail_on_data_errors
def worker(redis_url: str, output: Path, settings: tuple[str, ...], verbose: int) -> None:
    """Work on a crawl started with `farmaudit crawl --redis`, from any machine.

    Takes URLs from the crawl's frontier in Redis and writes its own part files into the
    shared dataset folder; per-host politeness holds for all workers together. Stops when
    the whole crawl is done, or on Ctrl-C (handing its unfinished URLs back).

    \b
    Example:
      farmaudit crawl https://example.org/ --redis redis://10.0.0.5:6379/0 --out /shared/ex
      farmaudit worker --redis redis://10.0.0.5:6379/0 --out /shared/ex     (other machines)
    """
    from scraper.cluster.model import ClusterError, shared_settings
    from scraper.crawl import CrawlOptions

    overrides = _parse_settings(settings)  # a usage error before anything is read
    manifest = require_dataset(output)
    if manifest.status == "finished":
        click.echo(f"{output}: this crawl has already finished; nothing to do.")
        return
    shared = shared_settings(redis_url, manifest.crawl_id)
    if not shared:
        raise ClusterError(
            f"{redis_url} holds no crawl {manifest.crawl_id} (the crawl in {output}); start it "
            f"with `farmaudit crawl URL... --redis {redis_url} --out {output}`"
        )
    options = CrawlOptions(
        output=output,
        max_depth=manifest.max_depth,
        max_pages=manifest.max_pages or 0,
        max_pages_per_host=manifest.max_pages_per_host or 0,
        delay=float(shared["DOWNLOAD_DELAY"]),
        concurrency=int(shared["CONCURRENT_REQUESTS_PER_DOMAIN"]),
        autothrottle=bool(shared["AUTOTHROTTLE_ENABLED"]),
        log_level=_log_level(verbose),
        redis_url=redis_url,
        role="join",
        extra_settings={
            "FARMAUDIT_TRAP_DATE_PAGES": shared["FARMAUDIT_TRAP_DATE_PAGES"],
            **overrides,
        },
    )
    click.echo(f"joining crawl {manifest.crawl_id} of {output} on {redis_url}")
    _crawl_and_summarize(options)


@main.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help=_redis_help)
@click.option(
    "--out",
    "output",
    type=click.Path(path_type=Path, file_okay=False),
    help="Show only the crawl of this dataset (default: every crawl in the database).",
)
@_fail_on_data_errors
def status(redis_url: str, output: Path | None) -> None:
    """Show crawls on Redis: queue length, pages done, each worker's rate.

    \b
    Examples:
      farmaudit status --redis redis://10.0.0.5:6379/0
      farmaudit status --redis redis://10.0.0.5:6379/0 --out /shared/example
    """
    from scraper.cluster.status import describe_crawls, render_status

    crawl_id = require_dataset(output).crawl_id if output is not None else None
    click.echo(render_status(describe_crawls(redis_url, crawl_id)))


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    from scraper.overrides import SettingError, parse_overrides

    try:
        return parse_overrides(pairs)
    except SettingError as error:
        raise click.UsageError(str(error)) from None


def _run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Check targets and output, crawl, print the summary; fail when nothing could be fetched."""
    from scraper.cluster.model import crawl_is_live
    from scraper.spiders.farm import crawl_request

    wanted = crawl_request(
        options.urls,
        options.sitemaps,
        max_depth=options.max_depth,
        max_pages=options.max_pages,
        max_pages_per_host=options.max_pages_per_host,
        allow_private=options.allow_private,
    )
    live = (
        functools.partial(crawl_is_live, options.redis_url)
        if options.redis_url is not None
        else None
    )
    decided = plan(StartOptions(options.output, wanted, overwrite=options.overwrite, is_live=live))
    if decided is Plan.FINISHED:
        click.echo(f"{options.output}: this crawl has already finished; nothing to do.")
        return {}
    if decided is Plan.RESUME:
        verify_dataset(options.output)  # a damaged part is named before anything is written
    verb = {Plan.RESUME: "resuming", Plan.JOIN: "joining"}.get(decided, "starting")
    where = f" (frontier on {options.redis_url})" if options.redis_url else ""
    click.echo(f"{verb} crawl into {options.output}{where}")
    return _crawl_and_summarize(options)


def _crawl_and_summarize(options: CrawlOptions) -> dict[str, Any]:
    """Crawl and print this process's and the whole crawl's summary.

    Fails when nothing could be fetched, or when a worker lost its lease.
    """
    from scraper.crawl import run_crawl

    started = time.monotonic()
    stats = run_crawl(options)
    elapsed = time.monotonic() - started
    pages = int(stats.get("farmaudit/pages_extracted", 0))
    failures = stats.get("farmaudit/start_failures", [])
    who = f"worker {stats['farmaudit/worker']} " if "farmaudit/worker" in stats else ""
    click.echo(
        f"{who}crawled {pages:,} pages in {elapsed:.1f} s; "
        f"{int(stats.get('farmaudit/rows_written', 0)):,} rows written to {options.output}"
    )
    outcomes = fetch_outcomes(options.output)
    fetched = outcomes.pop("ok", 0)
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(outcomes.items()))
    click.echo(
        f"whole crawl: {fetched:,} pages fetched, {outcomes.total():,} URLs not"
        + (f" ({kinds})" if kinds else "")
    )
    reason = stats.get("finish_reason", "finished")
    if reason == "lease_lost":
        raise _Failure(
            f"worker {stats.get('farmaudit/worker')} lost its lease on {options.redis_url} (no "
            "heartbeat in time); the other workers took its pages over. Run it again to rejoin."
        )
    if reason != "finished" and options.redis_url is not None:
        click.echo(f"worker stopped ({reason}); the others go on; run it again to rejoin")
    elif reason != "finished":
        click.echo(f"crawl stopped ({reason}); run the same command again to resume it")
    if reason == "shutdown":  # Ctrl-C or SIGTERM: stopped, not done, whatever was committed
        sys.exit(130)
    if pages == 0 and failures:
        raise _Failure("no page could be fetched:\n  " + "\n  ".join(failures))
    return stats


@main.command()
@click.option(
    "--out",
    "output",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_DEMO_OUT,
    show_default=True,
    help="Dataset folder to (re)write.",
)
@click.option("-v", "--verbose", count=True, help="More log output.")
@_fail_on_data_errors
def demo(output: Path, verbose: int) -> None:
    """Serve the bundled demo site on 127.0.0.1, crawl it and write the dataset.

    \b
    Example:
      farmaudit demo
      python -c "import pandas as pd; print(pd.read_parquet('datasets/demo/pages'))"
    """
    from scraper.crawl import CrawlOptions
    from scraper.demo.server import serve_demo
    from scraper.demo.site import build_site

    existing = read_manifest(output) if output.is_dir() else None
    if existing is not None and not _is_demo_crawl(existing):
        raise _Failure(
            f"{output} holds {existing.describe()}, not a demo crawl; "
            "choose another --out folder for the demo"
        )
    site = build_site()
    with serve_demo() as server:
        click.echo(f"demo site serving {len(site.html_paths())} pages at {server.base_url}")
        options = CrawlOptions(
            output=output,
            urls=[server.base_url],
            sitemaps=[server.base_url + "sitemap.xml"],
            max_depth=DEMO_DEPTH,
            delay=0.0,
            concurrency=16,
            autothrottle=False,
            overwrite=True,
            allow_private=True,
            log_level=_log_level(verbose),
            progress_interval=2.0,
        )
        _run_crawl(options)
    pages = read_table(output, "pages", ["url"]).num_rows
    click.echo(f"dataset: {output}/ ({pages} pages; the site serves {len(site.html_paths())})")
    click.echo(f"  python -c \"import pandas as pd; print(pd.read_parquet('{output}/pages'))\"")
    _run_audit(output)


def _is_demo_crawl(manifest: CrawlManifest) -> bool:
    """Whether `manifest` is a crawl `farmaudit demo` made (it may replace only those)."""
    return (
        len(manifest.start_urls) == 1
        and manifest.start_urls[0].startswith("http://127.0.0.1:")
        and manifest.sitemap_urls == [manifest.start_urls[0] + "sitemap.xml"]
        and manifest.max_depth == DEMO_DEPTH
    )


@main.command("serve-demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8610, show_default=True, help="0: any."
)
@click.option(
    "--plant-spam",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Inject this many spam links into seed pages (try `audit NEW --since OLD` on it).",
)
def serve_demo_command(host: str, port: int, plant_spam: int) -> None:
    """Serve the bundled demo site until interrupted.

    \b
    Example:
      farmaudit serve-demo --port 8610 &
      farmaudit crawl http://127.0.0.1:8610/ --allow-private --out datasets/mydemo
    """
    from scraper.demo.server import main as serve_main

    try:
        serve_main(["--host", host, "--port", str(port), "--plant-spam", str(plant_spam)])
    except OSError as error:  # port in use, address not on this machine, no permission
        raise _Failure(f"cannot serve on {host}:{port}: {error.strerror or error}") from None


@main.command()
@click.argument("dataset", type=click.Path(path_type=Path, file_okay=False))
@_fail_on_data_errors
def extract(dataset: Path) -> None:
    """Re-extract pages, steps and links of DATASET from its stored raw pages.

    Runs the current extractor without crawling and swaps the new tables in atomically;
    prints rows added and removed per table.

    \b
    Example:
      farmaudit extract datasets/demo
    """
    from pipelines.reextract import reextract

    verify_dataset(dataset)  # a damaged part is named before anything is rewritten
    summary = reextract(dataset, progress=lambda n: click.echo(f"  {n:,} pages", err=True))
    click.echo(f"re-extracted {summary.pages:,} pages ({summary.failed} failed)")
    for change in summary.changes:
        click.echo(
            f"  {change.table}: {change.before:,} → {change.after:,} rows "
            f"(+{change.added:,} / -{change.removed:,} / ~{change.changed:,} changed)"
        )


# audit and classify take the same term lists.
_lexicon_option = click.option(
    "--lexicon",
    "lexicons",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Extra TOML term list (repeatable); a category of the same name replaces the bundled one.",
)


@main.command()
@click.argument("dataset", type=click.Path(path_type=Path, file_okay=False))
@_lexicon_option
@click.option(
    "--dup-threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Similarity at which two titles or bodies are near duplicates.",
)
@click.option(
    "--offtopic-threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Relatedness under which a link is off-topic for its page.",
)
@click.option(
    "--page-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Share of risky (or off-topic) related links that flags a page.",
)
@click.option(
    "--fail-on",
    help="Exit 1 when a condition holds, e.g. 'spam_share>0.2' or 'risky_pages>=1,spam_share>0.1'.",
)
@click.option(
    "--since",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="An older audited dataset of the same site: report (and --fail-on) what changed since.",
)
@click.option(
    "--min-pages",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Exit 1 with no verdict when the dataset holds fewer pages (an empty or failed crawl).",
)
@click.option(
    "--stage",
    metavar="NAME",
    help="Re-run one stage alone (targets, topics, profiles, links, graph, pages, duplicates, "
    "changes, report) on the tables of the earlier stages it reads.",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Run the audit's per-part tasks on Dask: local:N starts N local worker processes, "
    "tcp://HOST:8786 uses a running cluster (its workers must see DATASET at the same path). "
    "Needs the dask extra.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run the per-part tasks (profiles, links) on N local worker processes. Either way "
    "the report's DuckDB queries and the body MinHash use this process's cores, in threads.",
)
@_fail_on_data_errors
def audit(
    dataset: Path,
    lexicons: tuple[Path, ...],
    dup_threshold: float | None,
    offtopic_threshold: float | None,
    page_share: float,
    fail_on: str | None,
    since: Path | None,
    min_pages: int,
    stage: str | None,
    dask_address: str | None,
    jobs: int,
) -> None:
    """Audit DATASET's links: spam categories, off-topic links, duplicates, link graph.

    Writes findings as Parquet under DATASET/audit/ plus report.md and report.html. The
    audit runs in stages whose tables are kept in DATASET/.audit-work/: an interrupted audit
    resumes after its last finished stage, and --stage re-runs one stage alone.

    \b
    Examples:
      farmaudit audit datasets/demo
      farmaudit audit datasets/mysite --lexicon my-terms.toml --fail-on 'spam_share>0.2'
      farmaudit audit datasets/nightly --min-pages 500 --fail-on 'risky_pages>=1'
      farmaudit audit datasets/today --since datasets/yesterday --fail-on 'new_spam_links>0'
      farmaudit audit datasets/demo --stage duplicates --dup-threshold 0.8
      farmaudit audit datasets/big --jobs 2
      farmaudit audit datasets/big --dask local:2
      farmaudit audit /shared/crawls/farm --dask tcp://scheduler:8786
    """
    from reports.audit import AuditError
    from reports.fail_on import failed_conditions, parse_fail_on

    try:
        conditions = parse_fail_on(fail_on) if fail_on else []
    except AuditError as error:  # checked before any work: a usage error, exit 2
        message = str(error).removeprefix("--fail-on: ")
        raise click.BadParameter(message, param_hint="--fail-on") from None
    changed = [name for name, _, _ in conditions if name.startswith(("new_", "gone_"))]
    if changed and since is None:
        raise click.BadParameter(f"{changed[0]} needs --since OLD", param_hint="--fail-on")
    if stage is not None and conditions:
        raise click.BadParameter("needs the whole audit, not --stage", param_hint="--fail-on")
    config = _audit_config(
        lexicons, dup_threshold, offtopic_threshold, page_share, min_pages, since
    )
    if jobs > 1 and dask_address is not None:
        raise click.BadParameter("--jobs or --dask, not both", param_hint="--jobs")
    with _runner(dask_address, dataset, jobs) as runner:
        if stage is not None:
            _run_stage(dataset, stage, config, runner)
            return
        result = _run_audit(dataset, config, runner)
    if result.summary.no_verdict:
        raise _Failure(f"{dataset}: {result.summary.no_verdict}")
    if conditions:
        hits = failed_conditions(result.summary, conditions)
        if hits:
            raise _Failure("--fail-on: " + "; ".join(hits))


def _audit_config(
    lexicons: tuple[Path, ...],
    dup_threshold: float | None,
    offtopic_threshold: float | None,
    page_share: float,
    min_pages: int,
    since: Path | None,
) -> AuditConfig:
    from dataclasses import replace

    from reports.audit import AuditConfig

    config = AuditConfig(lexicon_paths=lexicons, min_pages=min_pages, since=since)
    config = replace(config, offtopic=replace(config.offtopic, page_share=page_share))
    if dup_threshold is not None:
        config = replace(config, dedup=replace(config.dedup, threshold=dup_threshold))
    if offtopic_threshold is not None:
        config = replace(config, offtopic=replace(config.offtopic, threshold=offtopic_threshold))
    return config


@contextlib.contextmanager
def _runner(address: str | None, dataset: Path, jobs: int = 1) -> Iterator[Runner | None]:
    """The runner of the audit's tasks: Dask's when --dask names one, local worker processes
    with --jobs N, else this process."""
    if address is None:
        if jobs > 1:
            from reports.audit.stage import ProcessRunner

            yield ProcessRunner(jobs)
            return
        yield None
        return
    from reports.audit.dask_runner import dask_runner

    click.echo(f"  connecting to Dask ({address})", err=True)
    with dask_runner(address, dataset) as runner:
        click.echo(f"  tasks run on {runner.name}", err=True)
        yield runner


def _run_stage(dataset: Path, stage: str, config: AuditConfig, runner: Runner | None) -> None:
    from reports.audit import run_audit_stage

    counts = run_audit_stage(
        dataset, stage, config, progress=lambda msg: click.echo(f"  {msg}", err=True), runner=runner
    )
    click.echo(f"stage {stage}: {counts.describe()}")
    if stage != "report":
        click.echo(f"`farmaudit audit {dataset}` runs the stages after it and writes the report")


def _run_audit(
    dataset: Path, config: AuditConfig | None = None, runner: Runner | None = None
) -> AuditResult:
    from reports.audit import run_audit

    result = run_audit(
        dataset, config, progress=lambda msg: click.echo(f"  {msg}", err=True), runner=runner
    )
    s = result.summary
    click.echo(
        f"audited {s.pages:,} pages, {s.links:,} links: {s.spam_share:.1%} of "
        f"{s.related_links:,} related links risky, {s.offtopic_share:.1%} off-topic, "
        f"{s.title_clusters:,} duplicate title clusters, {s.body_clusters:,} body clusters"
    )
    if config is not None and config.since is not None:
        click.echo(
            f"since {config.since}: {s.new_spam_links:,} new risky links, "
            f"{s.new_spam_targets:,} new and {s.gone_spam_targets:,} gone spam targets, "
            f"{s.new_duplicate_clusters:,} new duplicate clusters"
        )
    click.echo(f"report: {result.folder / 'report.html'} (and report.md)")
    return result


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="Output: CSV with a header, or one JSON object a line.",
)
@_lexicon_option
@click.option(
    "--lexicons-only",
    is_flag=True,
    help="Decide by the term lists alone, without the learned model.",
)
@_fail_on_data_errors
def classify(
    file: Path | None, output_format: str, lexicons: tuple[Path, ...], lexicons_only: bool
) -> None:
    """Classify texts (link anchors, page titles) into risk categories, one text a line.

    Reads FILE, or standard input when no FILE is given, as UTF-8; blank lines are skipped.
    Writes text, category (cashout, lending, crypto, gambling, adult, legal or none), score
    (the model's probability) and evidence (matched lexicon terms and the model's strongest
    character n-grams) to standard output. In CSV a text starting with =, +, - or @ gets a
    leading apostrophe, so a spreadsheet shows it instead of running it.

    \b
    Examples:
      farmaudit classify titles.txt > verdicts.csv
      printf '京东e卡回收\n红烧肉的做法\n' | farmaudit classify --format jsonl
      farmaudit classify anchors.txt --lexicon my-terms.toml --lexicons-only
    """
    from reports.spam import load_lexicons
    from reports.textlist import read_lines, write_verdicts

    if lexicons_only:
        lexicon = load_lexicons(list(lexicons), model=None)
    else:
        lexicon = load_lexicons(list(lexicons))
    out = sys.stdout
    if file is None:
        write_verdicts(read_lines(sys.stdin.buffer, "<stdin>"), lexicon, out, output_format)
        return
    if not file.exists():
        raise _Failure(f"{file}: no such file; expected a text file with one text a line")
    with file.open("rb") as handle:
        write_verdicts(read_lines(handle, str(file)), lexicon, out, output_format)


@main.command("extract-page")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--url", required=True, help="URL the page was served at (links resolve to it).")
@click.option(
    "--fetched-at",
    help="ISO time of the fetch, for relative dates like 3天前 (default: now; no zone: UTC).",
)
@click.option("--header", "headers", multiple=True, help="'Name: value' response header.")
@_fail_on_data_errors
def extract_page(file: Path, url: str, fetched_at: str | None, headers: tuple[str, ...]) -> None:
    """Print the records extracted from one saved page as JSON.

    \b
    Example:
      farmaudit extract-page page.html --url https://example.org/a.html \\
        --header 'Content-Type: text/html; charset=gbk'
    """
    from datetime import UTC, datetime

    from pipelines.extract import extract as extract_records
    from pipelines.store.records import RawPage
    from pipelines.store.urls import validate_start_url

    try:
        page_url = validate_start_url(url)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--url") from err
    header_map: dict[str, str] = {}
    for line in headers:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{line!r} is not 'Name: value'", param_hint="--header")
        header_map[name.strip().lower()] = value.strip()
    when = datetime.now(UTC)
    if fetched_at:
        try:
            when = datetime.fromisoformat(fetched_at)
        except ValueError as err:
            raise click.BadParameter(
                f"{fetched_at!r} is not an ISO time", param_hint="--fetched-at"
            ) from err
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    raw = RawPage(
        url=page_url,
        final_url=page_url,
        status=200,
        headers=header_map,
        body=file.read_bytes(),
        encoding=None,
        fetched_at=when,
    )
    result = extract_records(raw)
    out = {
        "page": _jsonable(result.page),
        "steps": [_jsonable(s) for s in result.steps],
        "links": [_jsonable(link) for link in result.links],
    }
    # page first: a page's hundred links would otherwise push it off the screen
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


def _jsonable(record: Any) -> dict[str, Any]:
    from dataclasses import fields

    out = {}
    for f in fields(record):
        value = getattr(record, f.name)
        out[f.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


@main.command()
@click.option("--markdown", is_flag=True, help="Print datasets/README.md as generated.")
@click.option(
    "--write", "write_path", type=click.Path(path_type=Path), help="Write the Markdown there."
)
def schema(markdown: bool, write_path: Path | None) -> None:
    """Print the data contract: every table, column, type and meaning.

    \b
    Examples:
      farmaudit schema
      farmaudit schema --write datasets/README.md
    """
    from pipelines.store.commits import write_text_atomic
    from pipelines.store.contract import render_contract, render_schema_text

    if write_path is not None:
        write_text_atomic(render_contract(), write_path)
        click.echo(f"wrote {write_path}")
    elif markdown:
        click.echo(render_contract(), nl=False)
    else:
        click.echo(render_schema_text())


if __name__ == "__main__":
    sys.exit(main())
