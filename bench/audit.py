"""The whole audit of synthetic crawl datasets: wall time and peak RSS at several sizes, slopes.

    .venv/bin/python -m bench.audit [--pages 10000] [--pages 10000,30000,100000] [--cache DIR]

For each size N a dataset is written directly with `pipelines.store.commits.DatasetWriter`
(no crawl), from the same model as the generated farm site (`scraper.demo.farm`): N pages
(home, six column lists, articles), about 135 links per page in the blocks extraction finds on
those pages (`page_links`, held equal to the extractor's output by a test: nav 10-12,
breadcrumb 2, body 6-7, related 90-110, sidebar 10, footer 5-6), related anchors being the
targets' titles with planted spam categories and near-duplicates, bodies of 800-3,000
characters, and FAILED_SHARE of the articles recorded as failed fetches (404) instead of
pages. Datasets are cached under --cache, keyed by size, seed and generator version.

`reports.audit.run_audit` then runs in a subprocess (`python -m bench.audit run DIR`), reaped with
`os.wait4` for its own CPU time and peak RSS. Inside, the audit's progress messages and a thin
wrapper around each of its stage functions record wall time, CPU time, RSS and the growth of the
peak per stage, so the output says where time and memory go. The slopes (least squares over the
sizes run) give the estimate for 1M pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import itertools
import json
import math
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import (
    Measured,
    cpu_seconds,
    current_rss_mb,
    linear_fit,
    peak_rss_mb,
    print_machine,
    print_table,
    process_pss_mb,
    process_rss_mb,
    python_module,
    run_measured,
)
from scraper.demo.farm import (
    COLUMNS,
    CONTACT,
    FIRST_ARTICLE,
    ICP_TEXT,
    ICP_URL,
    SITE_NAME,
    FarmSite,
    mix,
)
from scraper.demo.site import ADMIN_PATH

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pipelines.store.records import LinkRecord

#: Bump when the generated dataset changes, so that cached datasets are rebuilt.
GENERATOR_VERSION = "3"
HOST = "http://farm.example"
FAILED_SHARE = 0.005
BATCH_PAGES = 1000
CRAWL_ID = "20240701T000000Z-bench0"
_EPOCH = datetime(2024, 7, 1, tzinfo=UTC)
_BEIJING = timedelta(hours=8)
_S_FAIL = 101
_TARGET_GOALS = {"wall_s": 600.0, "peak_rss_mb": 4096.0}


# --- the dataset ----------------------------------------------------------------------------


def _url(site: FarmSite, page_id: int) -> str:
    return HOST + site.path(page_id)


def failed(site: FarmSite, page_id: int) -> bool:
    """Whether article `page_id` is recorded as a failed fetch (404) rather than a page."""
    return page_id >= FIRST_ARTICLE and mix(site.seed, page_id, _S_FAIL) % 10_000 < (
        FAILED_SHARE * 10_000
    )


def page_links(
    site: FarmSite, page_id: int
) -> Iterator[tuple[str, str | None, str, str, tuple[str, ...]]]:
    """(block, target URL or None, href, anchor, rel) of every link extraction finds on the
    page, in document order: the markup of the demo templates the farm renders through
    (`article_portal.html` for odd ids, `article_dede.html` for even ones, `list.html`)."""
    dede = page_id >= FIRST_ARTICLE and page_id % 2 == 0
    if dede:
        yield "nav", None, "javascript:void(0)", "设为首页", ()
        yield "nav", None, "javascript:void(0)", "加入收藏", ()
    yield "nav", HOST + "/", "/", SITE_NAME, ()
    yield "nav", HOST + "/", "/", "首页", ()
    for slug, name in COLUMNS:
        yield "nav", f"{HOST}/list/{slug}/", f"/list/{slug}/", name, ()
    yield "breadcrumb", HOST + "/", "/", "首页", ()
    if page_id < FIRST_ARTICLE:
        if page_id > 0:
            slug, name = COLUMNS[page_id - 1]
            yield "breadcrumb", f"{HOST}/list/{slug}/", f"/list/{slug}/", name, ()
        for target in site.list_items(page_id):
            yield "body", _url(site, target), site.path(target), site.title(target), ()
    else:
        column = site.category(page_id)
        yield "breadcrumb", HOST + column.path, column.path, column.name, ()
        if not dede:
            yield "body", HOST + column.path, column.path, column.name, ()
        for other, rel in ((page_id - 1, "prev"), (page_id + 1, "next")):
            if FIRST_ARTICLE <= other < site.pages:
                shown = () if dede else (rel,)
                yield "nav", _url(site, other), site.path(other), site.title(other), shown
        for target in site.related(page_id):
            yield "related", _url(site, target), site.path(target), site.title(target), ()
        yield "body", _url(site, page_id), "#top", "To Top", ()
    for target in site.sidebar(page_id):
        yield "sidebar", _url(site, target), site.path(target), site.title(target), ()
    for href, text in site.friends(page_id):
        yield "body", href, href, text, ()
    yield "footer", HOST + "/about.html", "/about.html", "关于我们", ()
    yield "footer", HOST + "/contact.html", "/contact.html", "联系我们", ()
    yield "footer", None, CONTACT, "联系邮箱" if dede else "投稿邮箱", ()
    if not dede:
        yield "footer", None, "javascript:void(0)", "加入收藏", ()
    admin_rel: tuple[str, ...] = () if dede else ("nofollow",)
    yield "footer", HOST + ADMIN_PATH, ADMIN_PATH, "后台管理" if dede else "管理登录", admin_rel
    icp_rel = ("nofollow",) if dede else ("nofollow", "noopener")
    yield "footer", ICP_URL, ICP_URL, ICP_TEXT, icp_rel


def build_dataset(root: Path, pages: int, seed: int, shards: int = 1) -> dict[str, int]:
    """Write the synthetic dataset of `pages` pages at `root`; return rows per table.

    With `shards` > 1, that many processes write alternate batches of BATCH_PAGES pages, each
    as its own writer (as a distributed crawl's processes do): the same rows, in other parts.
    """
    from pipelines.store.dataset import CrawlManifest, write_manifest

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    write_manifest(
        root,
        CrawlManifest(
            crawl_id=CRAWL_ID,
            start_urls=[HOST + "/"],
            sitemap_urls=[],
            allowed_hosts=["farm.example", "www.farm.example"],
            max_depth=50,
            max_pages=None,
            created_at=_EPOCH.isoformat(),
            farmaudit_version="bench",
            status="finished",
        ),
    )
    if shards == 1:
        return _build_shard(root, pages, seed, 0, 1)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(shards) as pool:
        futures = [pool.submit(_build_shard, root, pages, seed, k, shards) for k in range(shards)]
        parts = [future.result() for future in futures]
    return {table: sum(part[table] for part in parts) for table in parts[0]}


def _build_shard(root: Path, pages: int, seed: int, shard: int, shards: int) -> dict[str, int]:
    """Write the batches `shard`, `shard + shards`, ... of the dataset as writer bench[-K]."""
    from pipelines.store.commits import DatasetWriter
    from pipelines.store.records import FetchRecord, LinkRecord, PageRecord

    site = FarmSite(pages, seed)
    writer = DatasetWriter(root, writer_id="bench" if shards == 1 else f"bench-{shard}")
    counts = {"pages": 0, "links": 0, "fetches": 0}
    for page_id in range(pages):
        if page_id // BATCH_PAGES % shards != shard:
            continue
        url = _url(site, page_id)
        fetched_at = _EPOCH + timedelta(seconds=page_id)
        ok = not failed(site, page_id)
        writer.add(
            "fetches",
            [
                FetchRecord(
                    url=url,
                    final_url=url,
                    status=200 if ok else 404,
                    error=None if ok else "http_404",
                    bytes=45_000 if ok else 29,
                    elapsed_ms=3.0,
                    depth=0 if page_id == 0 else 1 + page_id % 4,
                    referrer=None if page_id == 0 else HOST + "/",
                    fetched_at=fetched_at,
                    crawl_id=CRAWL_ID,
                )
            ],
        )
        counts["fetches"] += 1
        if ok:
            writer.add("pages", [_page_record(site, page_id, url, fetched_at, PageRecord)])
            links = _link_records(site, page_id, url, LinkRecord)
            writer.add("links", links)
            counts["pages"] += 1
            counts["links"] += len(links)
        if (page_id + 1) % BATCH_PAGES == 0:
            writer.commit()
    writer.close()
    return counts


def _page_record(site: FarmSite, page_id: int, url: str, fetched_at: datetime, record: Any) -> Any:
    article = page_id >= FIRST_ARTICLE
    if article:
        body = "\n".join([*site.body(page_id), *site.steps(page_id)])
        shown = site.published(page_id)
        published = datetime.fromisoformat(shown).replace(tzinfo=UTC) - _BEIJING
    else:
        body = "\n".join(site.title(i) for i in range(FIRST_ARTICLE, min(site.pages, 107)))
        shown, published = None, None
    return record(
        url=url,
        final_url=url,
        canonical_url=None,
        status=200,
        title=site.title(page_id),
        published_at=published,
        published_raw=shown,
        published_source="text" if article else None,
        body_text=body,
        lang="zh",
        content_hash=hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest(),
        kind="article" if article else "list",
        encoding="utf-8",
        fetched_at=fetched_at,
        crawl_id=CRAWL_ID,
        extractor_version="1",
    )


def _link_records(site: FarmSite, page_id: int, url: str, record: Any) -> list[LinkRecord]:
    positions: dict[str, int] = {}
    out = []
    for block, target, href, anchor, rel in page_links(site, page_id):
        positions[block] = positions.get(block, 0) + 1
        out.append(
            record(
                source_url=url,
                target_url=target,
                href=href,
                anchor_text=anchor,
                block=block,
                position=positions[block],
                internal=target is not None and target.startswith(HOST),
                rel=list(rel),
                crawl_id=CRAWL_ID,
                extractor_version="1",
            )
        )
    return out


def cached_dataset(cache: Path, pages: int, seed: int) -> tuple[Path, float, dict[str, int]]:
    """The dataset of `pages` pages under `cache`, built unless cached; (root, build s, rows)."""
    root = cache / f"audit-{pages}-s{seed}-v{GENERATOR_VERSION}"
    stamp = root / "_bench.json"
    if stamp.exists():
        info = json.loads(stamp.read_text())
        return root, float(info["build_s"]), dict(info["rows"])
    started = time.perf_counter()
    rows = build_dataset(root, pages, seed)
    elapsed = time.perf_counter() - started
    stamp.write_text(json.dumps({"build_s": elapsed, "rows": rows}))
    return root, elapsed, rows


# --- inside the audit process ---------------------------------------------------------------


@dataclass(slots=True)
class StageRecord:
    """One measured span of the audit."""

    name: str
    wall_s: float
    cpu_s: float
    rss_after_mb: float
    peak_growth_mb: float
    result: str = ""


def _describe(value: Any) -> str:
    """What a stage returned, by size: rows and Arrow bytes, entries, or its containers."""
    nbytes = getattr(value, "nbytes", None)
    rows = getattr(value, "num_rows", None)
    if nbytes is not None and rows is not None:
        return f"{rows:,} rows, {nbytes / 1e6:,.1f} MB Arrow"
    if isinstance(value, (dict, list)):
        return f"{len(value):,} entries"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        sizes = [
            f"{f.name} {len(getattr(value, f.name)):,}"
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), (dict, list, set))
        ]
        return ", ".join(sizes)
    return ""


def _instrument(records: list[StageRecord], depth: list[int]) -> list[str]:
    """Wrap the audit's stages and the heavy functions inside them to time and weigh each call."""
    import reports.audit.links as links_module
    import reports.audit.profiles as profiles_module
    import reports.audit.run as audit_module
    import reports.audit.stages as stages_module
    from reports import graph
    from reports.offtopic import TopicModel

    def timed_call(original: Any, label: str) -> Any:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            # Every call is recorded, indented by how deep it is: a stage, then its parts.
            level = depth[0]
            depth[0] += 1
            wall, cpu, peak = time.perf_counter(), _cpu_seconds(), peak_rss_mb()
            try:
                result = original(*args, **kwargs)
            finally:
                depth[0] -= 1
            if level <= 1:
                records.append(
                    StageRecord(
                        ". " * level + label,
                        time.perf_counter() - wall,
                        _cpu_seconds() - cpu,
                        current_rss_mb(),
                        peak_rss_mb() - peak,
                        _describe(result),
                    )
                )
            return result

        return timed

    wrapped = []
    # Each stage as a whole (the run reads reports.audit.run.STAGES when it starts).
    audit_module.STAGES = tuple(
        dataclasses.replace(stage, run=timed_call(stage.run, f"stage {stage.name}"))
        for stage in audit_module.STAGES
    )
    wrapped += [f"stage {stage.name}" for stage in audit_module.STAGES]
    # Inside the stages: where a stage's time goes.
    for owner, name, label in (
        (profiles_module, "profile_part", "profiles: a targets part"),
        (links_module, "load_pages", "links: loading the pages' profiles"),
        (links_module, "links_part", "links: a links part"),
        (graph, "link_targets", "graph.link_targets"),
        (graph, "anchor_findings", "graph.anchor_findings"),
        (stages_module, "title_findings", "duplicates: title_findings"),
        (stages_module, "_sign_bodies", "duplicates: signing the bodies"),
        (stages_module.BodySigner, "clusters", "duplicates: body clusters"),
        (stages_module, "_member_heads", "duplicates: member heads"),
        (audit_module, "write_reports", "report: write_reports"),
    ):
        setattr(owner, name, timed_call(getattr(owner, name), label))
        wrapped.append(f"{owner.__name__}.{name}")
    fit = TopicModel.fit
    TopicModel.fit = timed_call(fit, "TopicModel.fit")  # type: ignore[method-assign]
    wrapped.append("TopicModel.fit")
    return wrapped


def audit_child(root: Path, out: Path, jobs: int = 1) -> None:
    """Run the audit of `root` in this process (its per-part tasks on `jobs` worker
    processes); write progress spans and stage calls to `out`."""
    from reports.audit import AUDIT_DIR, run_audit
    from reports.audit.stage import WORK_DIR, ProcessRunner

    shutil.rmtree(root / AUDIT_DIR, ignore_errors=True)
    shutil.rmtree(root / WORK_DIR, ignore_errors=True)  # a fresh audit, not a resumed one
    started = time.perf_counter()
    calls: list[StageRecord] = []
    wrapped = _instrument(calls, [0])
    marks: list[tuple[str, float, float, float, float]] = []

    def progress(message: str) -> None:
        marks.append(
            (message, time.perf_counter(), _cpu_seconds(), current_rss_mb(), peak_rss_mb())
        )

    progress("start")
    tree = _TreePeak()
    result = run_audit(root, progress=progress, runner=ProcessRunner(jobs) if jobs > 1 else None)
    tree.stop()
    progress("end")
    spans = [
        {
            "name": f"{a[0]} → {b[0]}" if a[0] != "start" else f"set-up → {b[0]}",
            "wall_s": b[1] - a[1],
            "cpu_s": b[2] - a[2],
            "rss_after_mb": b[3],
            "peak_after_mb": b[4],
        }
        for a, b in itertools.pairwise(marks)
    ]
    summary = result.summary
    out.write_text(
        json.dumps(
            {
                "wall_s": time.perf_counter() - started,
                "jobs": jobs,
                # This process and its workers together (sampled), the figure to hold to the
                # memory goal when tasks run in worker processes.
                "tree_peak_mb": tree.peak_mb,
                "tree_peak_pss_mb": tree.peak_pss_mb,
                "tree_peak_at": tree.peak_at,
                # Stages run in another process beside `links` (`--jobs N`): their own figures.
                "beside": [m[0] for m in marks if " done beside," in m[0]],
                "spans": spans,
                "calls": [
                    {
                        "name": c.name,
                        "wall_s": c.wall_s,
                        "cpu_s": c.cpu_s,
                        "rss_after_mb": c.rss_after_mb,
                        "peak_growth_mb": c.peak_growth_mb,
                        "result": c.result,
                    }
                    for c in calls
                ],
                "wrapped": wrapped,
                "tables": result.tables,
                "summary": {
                    "pages": summary.pages,
                    "links": summary.links,
                    "spam_share": summary.spam_share,
                    "title_clusters": summary.title_clusters,
                    "body_clusters": summary.body_clusters,
                    "categories": summary.categories,
                },
            },
            ensure_ascii=False,
            indent=1,
        )
    )


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its ended worker processes (reaped at the end of
    each stage that runs them)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return cpu_seconds() + children.ru_utime + children.ru_stime


class _TreePeak:
    """The peak of this process's RSS plus its children's, sampled every 0.2 s in a thread
    (the kernel's peak figures are per process: worker processes would go uncounted)."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        #: Seconds into the audit of the sampled peak, and each process's RSS (MB) then.
        self.peak_at: tuple[float, list[int]] = (0.0, [])
        #: The peak of the processes' PSS summed (shared pages counted once).
        self.peak_pss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import os

        me = os.getpid()
        started = time.monotonic()
        ticks = 0
        while not self._stop.wait(0.2):
            ticks += 1
            tree = [me, *_children(me)]
            rss = [process_rss_mb(pid) for pid in tree]
            if sum(rss) > self.peak_mb:
                self.peak_mb = sum(rss)
                # When, and which processes: the audit's own first, then its workers.
                self.peak_at = (round(time.monotonic() - started, 1), [round(r) for r in rss])
            # PSS every 2 s: the kernel walks a process's page tables for it (in a 3 GB audit
            # at 1M pages, reading it every 0.2 s took a twentieth of the samples).
            if ticks % 10 == 1:
                pss = sum(process_pss_mb(pid) for pid in tree)
                self.peak_pss_mb = max(self.peak_pss_mb, pss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, peak_rss_mb())


def _children(pid: int) -> list[int]:
    """The child processes of `pid`, and theirs (Linux /proc; none elsewhere)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(k) for k in task.read_text().split()]
            except (OSError, ValueError):
                continue
            found += kids
            todo += kids
    return found


# --- the benchmark --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRun:
    """One size's figures."""

    pages: int
    rows: dict[str, int]
    build_s: float
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    detail: dict[str, Any]


def measure(
    root: Path, pages: int, rows: dict[str, int], build_s: float, args: argparse.Namespace
) -> AuditRun | Measured:
    """Run the audit of `root` in a subprocess and measure it; the run itself if it was killed."""
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        out = Path(tmp) / "detail.json"
        run = run_measured(
            python_module(
                "bench.audit", "run", str(root), "--json", str(out), "--jobs", str(args.jobs)
            ),
            timeout_s=args.timeout,
            rss_limit_mb=args.rss_limit_gb * 1024,
        )
        if run.killed:
            return run
        run.check()
        detail = json.loads(out.read_text())
    return AuditRun(pages, rows, build_s, run.wall_s, run.cpu_s, run.peak_rss_mb, detail)


def _print_detail(run: AuditRun) -> None:
    print(f"\nwhere the time and memory go at {run.pages:,} pages (progress spans):")
    print_table(
        ["span", "wall s", "CPU s", "RSS after MB", "peak after MB"],
        [
            (s["name"], s["wall_s"], s["cpu_s"], s["rss_after_mb"], s["peak_after_mb"])
            for s in run.detail["spans"]
        ],
    )
    calls: dict[str, list[float]] = {}
    results: dict[str, str] = {}
    for c in run.detail["calls"]:
        acc = calls.setdefault(c["name"], [0.0, 0.0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += c["wall_s"]
        acc[2] += c["cpu_s"]
        acc[3] = max(acc[3], c["peak_growth_mb"])
        acc[4] = c["rss_after_mb"]
        results[c["name"]] = c["result"]
    print("\nstages, and parts of them (peak growth: how far the process peak rose):")
    print_table(
        ["function", "calls", "wall s", "CPU s", "peak growth MB", "RSS after MB", "returns"],
        [
            (name, int(v[0]), v[1], v[2], v[3], v[4], results[name])
            for name, v in calls.items()  # in the order first called: a stage, then its parts
        ],
    )


def run_benchmark(args: argparse.Namespace) -> int:
    """Build (or reuse) each dataset, audit it, print the figures and the slopes."""
    sizes = sorted({int(p) for p in str(args.pages).split(",")})
    print_machine(f"audit: whole audit of synthetic datasets of {', '.join(map(str, sizes))} pages")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    runs: list[AuditRun] = []
    for pages in sizes:
        saved = cache / f"audit-{pages}-s{args.seed}-result.json"
        if args.reuse_results and saved.exists():
            run = AuditRun(**json.loads(saved.read_text()))
            print(f"{pages:,} pages: figures of an earlier run, from {saved}")
            runs.append(run)
            continue
        root, build_s, rows = cached_dataset(cache, pages, args.seed)
        print(
            f"dataset {root}: {rows['pages']:,} pages, {rows['links']:,} links "
            f"(built in {build_s:.0f} s)",
            flush=True,
        )
        measured = measure(root, pages, rows, build_s, args)
        if not args.keep_datasets and pages > args.keep_below:
            shutil.rmtree(root, ignore_errors=True)
        if not isinstance(measured, AuditRun):
            print(
                f"  audit of {pages:,} pages killed after {measured.wall_s:.0f} s "
                f"({measured.cpu_s:.0f} CPU s, peak RSS {measured.peak_rss_mb:,.0f} MB): "
                f"{measured.killed}",
                flush=True,
            )
            continue
        run = measured
        runs.append(run)
        saved.write_text(json.dumps(dataclasses.asdict(run), ensure_ascii=False, indent=1))
        s = run.detail["summary"]
        print(
            f"  audited in {run.wall_s:.1f} s, peak RSS {run.peak_rss_mb:,.0f} MB; found "
            f"{s['spam_share']:.1%} of related links risky, {s['title_clusters']:,} title "
            f"clusters, {s['body_clusters']:,} body clusters",
            flush=True,
        )
    if not runs:
        return 1
    print()
    print_table(
        ["pages", "links", "audit wall s", "CPU s", "peak RSS MB", "ms/page", "KB RSS/page"],
        [
            (
                r.rows["pages"],
                r.rows["links"],
                r.wall_s,
                r.cpu_s,
                r.peak_rss_mb,
                1000 * r.wall_s / r.rows["pages"],
                1024 * r.peak_rss_mb / r.rows["pages"],
            )
            for r in runs
        ],
    )
    _print_slopes(runs)
    detail = next((r for r in runs if r.pages == args.detail_at), runs[-1])
    _print_detail(detail)
    return 0


def _print_slopes(runs: list[AuditRun]) -> None:
    xs = [float(r.rows["pages"]) for r in runs]
    for label, key, unit in (("wall time", "wall_s", "s"), ("peak RSS", "peak_rss_mb", "MB")):
        ys = [float(getattr(r, key)) for r in runs]
        intercept, slope = linear_fit(xs, ys)
        goal = _TARGET_GOALS[key]
        line = f"\n{label}: {slope * 1000:,.2f} {unit} per 1,000 pages + {intercept:,.1f} {unit}"
        if len(runs) >= 2 and ys[-2] > 0 and xs[-1] != xs[-2]:
            exponent = math.log(ys[-1] / ys[-2]) / math.log(xs[-1] / xs[-2])
            line += f"; growth exponent between the two largest sizes {exponent:.2f}"
        print(line)
        at_100k = intercept + slope * 100_000
        at_1m = intercept + slope * 1_000_000
        print(
            f"  linear estimate: 100k pages {at_100k:,.0f} {unit} (goal < {goal:,.0f} {unit}), "
            f"1M pages {at_1m:,.0f} {unit}"
        )


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.audit [options]`, or `run DIR --json OUT` (the audit's own process)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        child = argparse.ArgumentParser(prog="python -m bench.audit run")
        child.add_argument("command")
        child.add_argument("root", type=Path)
        child.add_argument("--json", type=Path, required=True)
        child.add_argument("--jobs", type=int, default=1)
        ns = child.parse_args(argv)
        audit_child(ns.root, ns.json, ns.jobs)
        return 0
    if argv[:1] == ["build"]:
        build = argparse.ArgumentParser(prog="python -m bench.audit build")
        build.add_argument("command")
        build.add_argument("root", type=Path)
        build.add_argument("--pages", type=int, default=10_000)
        build.add_argument("--seed", type=int, default=0)
        build.add_argument("--shards", type=int, default=1, help="writer processes")
        ns = build.parse_args(argv)
        print(build_dataset(ns.root, ns.pages, ns.seed, ns.shards))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument(
        "--pages", default="10000", help="dataset sizes, comma-separated (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "farmaudit-bench"),
        help="where datasets are built and reused (default: $TMPDIR/farmaudit-bench)",
    )
    parser.add_argument(
        "--keep-below",
        type=int,
        default=30_000,
        help="keep cached datasets up to this many pages (larger ones are deleted after use)",
    )
    parser.add_argument("--keep-datasets", action="store_true", help="keep every dataset")
    parser.add_argument(
        "--detail-at", type=int, default=30_000, help="size whose per-stage split is printed"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per audit")
    parser.add_argument(
        "--rss-limit-gb",
        type=float,
        default=12.0,
        help="kill an audit whose RSS passes this (default 12 GB: the machine is shared)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes for the per-part tasks"
    )
    parser.add_argument(
        "--reuse-results",
        action="store_true",
        help="use the saved figures of sizes already measured (from --cache) instead of rerunning",
    )
    return run_benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
