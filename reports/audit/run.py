"""The audit's orchestration: run the stages in order in the work folder, resume an
interrupted audit, re-run one stage, and publish `audit/` through a staging folder."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store.commits import write_json_atomic
from pipelines.store.dataset import read_manifest, read_part, require_dataset
from pipelines.store.ownership import audit_foreign_entries, refuse_foreign, swap_in
from pipelines.store.schema import AUDIT_TABLES, DUPLICATE_CLUSTERS, LINK_TARGETS, PAGE_FINDINGS
from reports.audit.config import AUDIT_DIR, AuditConfig, AuditError
from reports.audit.stage import (
    Journal,
    Runner,
    Side,
    Stage,
    StageContext,
    StageCounts,
    audit_key,
    clear_tables,
    later_stages,
    open_work,
    peak_rss_mb,
    run_stage,
)
from reports.audit.stages import findings_connection, stages
from reports.audit.summary import audit_summary, link_counts
from reports.render import AuditSummary
from reports.report import write_reports

if TYPE_CHECKING:
    from collections.abc import Callable


_SUMMARY = "summary.json"


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Where the audit wrote its outputs, and its headline numbers."""

    folder: Path
    summary: AuditSummary
    tables: dict[str, int]


def run_report(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """The last stage: the summary, then report.html, report.md and the CSVs from the findings
    alone, written with the findings into a staging folder swapped in as `audit/`."""
    folder = ctx.root / AUDIT_DIR
    refuse_foreign(folder, _foreign(folder), "replace it")
    con = findings_connection(ctx)
    try:
        counts = link_counts(con)
    finally:
        con.close()
    pages = _work_table(ctx, "page_findings", PAGE_FINDINGS)
    duplicates = _work_table(ctx, "duplicate_clusters", DUPLICATE_CLUSTERS)
    targets = _work_table(ctx, "link_targets", LINK_TARGETS)
    manifest = read_manifest(ctx.root)
    crawl_id = manifest.crawl_id if manifest else ""
    summary = audit_summary(
        ctx.root, crawl_id, counts, pages, duplicates, targets, ctx.config.min_pages
    )
    if ctx.config.since:
        changed = _work_table(ctx, "changes", AUDIT_TABLES["changes"]).column("change").to_pylist()
        summary = dataclasses.replace(
            summary,
            new_spam_links=changed.count("new_risky_link"),
            new_spam_targets=changed.count("new_spam_target"),
            gone_spam_targets=changed.count("gone_spam_target"),
            new_duplicate_clusters=changed.count("new_duplicate_cluster"),
        )
    staging = ctx.root / f".{AUDIT_DIR}-{uuid.uuid4().hex[:8]}"
    try:
        for table in AUDIT_TABLES:
            _link_parts(ctx.table_dir(table), staging / table)
        write_reports(
            staging,
            ctx.root,
            ctx.config,
            generated_at=summary.generated_at,
            no_verdict=summary.no_verdict,
            threads=ctx.runner.report_threads,
        )
        swap_in(staging, folder, _foreign(folder))
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # this run's own folder, gone once swapped
    write_json_atomic(dataclasses.asdict(summary), ctx.work / _SUMMARY)
    return counts.links, {"report": 1}


STAGES: tuple[Stage, ...] = stages(run_report)
STAGE_NAMES = tuple(s.name for s in STAGES)
STAGE_BY_NAME = {s.name: s for s in STAGES}


def run_audit(
    root: Path,
    config: AuditConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    runner: Runner | None = None,
) -> AuditResult:
    """Audit the dataset at `root` and write `root/audit/` (tables, report.md, report.html).

    The stages write into the work folder `root/.audit-work/`; an audit interrupted there
    resumes after its last finished stage (same crawl state, same options), a finished one
    starts over. `audit/` is replaced only at the end, so a failed or killed audit leaves the
    previous one as it was. `runner` runs the stages' tasks (default: in this process; see
    `reports.audit.dask_runner` for Dask).
    """
    config = config or AuditConfig()
    say = progress or (lambda _msg: None)
    require_dataset(root)
    folder = root / AUDIT_DIR
    refuse_foreign(folder, _foreign(folder), "replace it")  # before the work, not after
    ctx, journal = _open(root, config, say, runner)
    if all(journal.done(name) for name in STAGE_NAMES):
        journal.forget(list(STAGE_NAMES))  # an audit run to its end: this is a new one
    beside: _Beside | None = None
    try:
        for stage in STAGES:
            if journal.done(stage.name):
                say(
                    f"stage {stage.name}: finished earlier, {journal.counts(stage.name).describe()}"
                )
                continue
            if beside is not None and stage.name in beside.names:
                continue  # running beside
            if beside is not None and set(stage.needs) & set(beside.names):
                beside.finish(journal)
                beside = None
            if stage.name in ctx.runner.beside:
                beside = _start_beside(ctx, journal, stage.name)
            run_stage(stage, ctx, journal)
        if beside is not None:
            beside.finish(journal)
            beside = None
    finally:
        if beside is not None:
            beside.side.close()
    return _result(ctx, journal)


_BESIDE_FIRST = ("duplicates",)


@dataclass(slots=True)
class _Beside:
    """The stages running in other processes beside one of this process (`Runner.beside`)."""

    names: list[str]
    side: Side[tuple[str, int, dict[str, int], float, float, float]]
    ctx: StageContext

    def finish(self, journal: Journal) -> None:
        """Wait for them; record each in the journal (this process alone writes it)."""
        for name, rows_in, rows_out, seconds, cpu_s, peak_mb in self.side.results():
            counts = StageCounts(rows_in, rows_out, seconds)
            journal.record(name, counts)
            self.ctx.say(
                f"stage {name}: done beside, {counts.describe()}; {cpu_s:.1f} CPU s, "
                f"process peak {peak_mb:,.0f} MB"
            )


def _start_beside(ctx: StageContext, journal: Journal, name: str) -> _Beside | None:
    """Start, in other processes one after the other, the unfinished stages after `name`
    that read none of its tables (directly or not) and whose own inputs are ready: on two
    cores, `graph` and `duplicates` run while `links` does."""
    stale = set(later_stages(STAGES, name))
    after = STAGE_NAMES[STAGE_NAMES.index(name) + 1 :]
    names = []
    for stage in STAGES:
        if stage.name not in after or journal.done(stage.name) or stage.name in stale:
            continue
        if not all(journal.done(n) or n in names for n in stage.needs):
            continue
        names.append(stage.name)
    if not names:
        return None
    # Duplicates first: its title clustering's peak (0.8 GB at 100k pages) then comes while
    # `links` is still loading, before that process has grown to its own.
    names.sort(key=lambda n: n not in _BESIDE_FIRST)
    for stage_name in names:
        ctx.say(f"stage {stage_name}: started beside {name}")
        clear_tables(ctx.work, STAGE_BY_NAME[stage_name].writes)
    task_ctx = ctx.for_task()
    return _Beside(names, ctx.runner.side(run_beside, [(task_ctx, n) for n in names]), ctx)


def run_beside(
    ctx: StageContext, name: str
) -> tuple[str, int, dict[str, int], float, float, float]:
    """The task: run stage `name` here; its counts, wall and CPU seconds and this process's
    peak RSS after it (MB)."""
    import time

    stage = STAGE_BY_NAME[name]
    wall, cpu = time.perf_counter(), time.process_time()
    rows_in, rows_out = stage.run(ctx)
    peak = peak_rss_mb()
    return (name, rows_in, rows_out, time.perf_counter() - wall, time.process_time() - cpu, peak)


def run_audit_stage(
    root: Path,
    name: str,
    config: AuditConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    runner: Runner | None = None,
) -> StageCounts:
    """Re-run stage `name` alone on the tables of the earlier stages it needs; the later
    stages that read its tables are marked unfinished (`run_audit` then redoes only those)."""
    stage = STAGE_BY_NAME.get(name)
    if stage is None:
        raise AuditError(f"--stage {name}: no such stage; the stages are {', '.join(STAGE_NAMES)}")
    config = config or AuditConfig()
    require_dataset(root)
    ctx, journal = _open(root, config, progress or (lambda _msg: None), runner)
    missing = [n for n in stage.needs if not journal.done(n)]
    if missing:
        raise AuditError(
            f"--stage {name} reads the tables of stage{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}, not finished for this dataset and these options; "
            f"run `farmaudit audit {root}` (it resumes where it stopped)"
        )
    counts = run_stage(stage, ctx, journal)
    journal.forget(later_stages(STAGES, name))
    return counts


def _open(
    root: Path, config: AuditConfig, say: Callable[[str], None], runner: Runner | None
) -> tuple[StageContext, Journal]:
    work = open_work(root)
    ctx = StageContext(root, work, config, say, runner or Runner())
    return ctx, Journal(work, audit_key(root, config, STAGE_NAMES))


def _result(ctx: StageContext, journal: Journal) -> AuditResult:
    summary = AuditSummary(**json.loads((ctx.work / _SUMMARY).read_text()))
    tables = {
        table: rows
        for name in STAGE_NAMES
        for table, rows in journal.counts(name).rows_out.items()
        if table in AUDIT_TABLES
    }
    return AuditResult(ctx.root / AUDIT_DIR, summary, tables)


def _work_table(ctx: StageContext, table: str, schema: pa.Schema) -> pa.Table:
    parts = ctx.parts(table)
    if not parts:
        return schema.empty_table()
    return pa.concat_tables([pq.read_table(p, schema=schema) for p in parts])


def _link_parts(source: Path, dest: Path) -> None:
    """Put a work table's parts into the staging folder: hard links (no copy) when the
    filesystem has them, so the work folder keeps its tables for `--stage`."""
    dest.mkdir(parents=True)
    for part in sorted(source.glob("part-*.parquet")):
        try:
            os.link(part, dest / part.name)
        except OSError:
            shutil.copy2(part, dest / part.name)


def _foreign(folder: Path) -> list[str]:
    return audit_foreign_entries(folder, f"{AUDIT_DIR}/") if folder.exists() else []


def read_findings(root: Path, table: str) -> pa.Table:
    """An audit table of the dataset at `root`, each part checked against its contract."""
    schema = AUDIT_TABLES[table]
    folder = root / AUDIT_DIR / table
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise AuditError(f"{folder}: no findings; run `farmaudit audit {root}` first")
    return pa.concat_tables([read_part(p, schema) for p in parts])
