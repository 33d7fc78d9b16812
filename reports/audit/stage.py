"""The shape every audit stage has, the work folder its tables go to, and the journal.

A stage has a name, the dataset tables it reads, the earlier stages whose tables it reads,
the tables it writes (Parquet parts under the work folder `DATASET/.audit-work/`) and a
function that does the work and returns its counts. Stages share nothing in memory: what a
later stage needs of an earlier one is in that stage's tables.

The work folder holds a marker (`WORK_MARKER`, proof that farmaudit made it, so it may delete
it) and a journal (`JOURNAL`) of the stages finished, keyed by the dataset's crawl state and
the audit's config: an interrupted audit resumes after its last finished stage, and an audit
of changed data or options starts over.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import duckdb

from pipelines.store.commits import write_json_atomic, write_text_atomic
from pipelines.store.dataset import part_files
from pipelines.store.ownership import refuse_foreign
from reports.audit.config import AuditError
from reports.graph import view_parts
from reports.neardup.bodies import usable_cores

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from concurrent.futures import ProcessPoolExecutor

    import pyarrow as pa

    from reports.audit.config import AuditConfig


T = TypeVar("T")

#: The audit's work folder, hidden in the dataset folder (its name is in ownership's list).
WORK_DIR = ".audit-work"
WORK_MARKER = "farmaudit-audit-work"
JOURNAL = "stages.json"


@dataclass(frozen=True, slots=True)
class StageCounts:
    """What one stage did: rows read, rows written per table, seconds."""

    rows_in: int
    rows_out: dict[str, int]
    seconds: float = 0.0

    def describe(self) -> str:
        """One line: rows in, rows out per table, seconds."""
        out = ", ".join(f"{table} {rows:,}" for table, rows in self.rows_out.items())
        return f"{self.rows_in:,} rows in; {out or 'nothing'} out; {self.seconds:.1f} s"


class Runner:
    """Runs a stage's independent tasks: here, one after the other, in this process.

    `reports.audit.dask_runner.DaskRunner` runs them as tasks on Dask workers instead. A task
    is a module-level function of picklable arguments that writes its own output files (named
    by its arguments, written atomically), so a task run twice, or retried after its worker
    died, leaves the same files.
    """

    name = "this process"
    #: Stages during which the later stages that do not read their tables run beside them,
    #: in other processes (`side`); none here: one stage after the other.
    beside: tuple[str, ...] = ()
    #: Whether global steps should split into tasks by key (`reports.audit.shuffle`): worth
    #: it only when the tasks run on many workers.
    shuffles = False
    #: DuckDB threads for the report, which runs in this process with nothing beside it:
    #: the cores this process may use (DuckDB's own default), as with `--jobs N` the N cores
    #: given. 100k pages, the report alone: 2 threads 35 s wall and 61 CPU s, 1 thread 54
    #: and 55 (2026-12-06); its queries order every tie, so the rows do not depend on it.
    report_threads = usable_cores()

    def map(
        self,
        task: Callable[..., T],
        items: Sequence[tuple[Any, ...]],
        *,
        label: str,
        tick: Callable[[int], None] | None = None,
    ) -> list[T]:
        """`task(*item)` for every item, results in item order; `tick(done)` after each."""
        results = []
        for done, item in enumerate(items, 1):
            results.append(task(*item))
            if tick is not None:
                tick(done)
        return results

    def everywhere(self, call: Callable[[], object]) -> None:
        """`call()` in every process that runs tasks (here: this one)."""
        call()

    def side(self, call: Callable[..., T], items: Sequence[tuple[Any, ...]]) -> Side[T]:
        """`call(*item)` for each item in order, beside this process's own work: here, at
        once (done when this returns); `ProcessRunner` runs them in other processes
        meanwhile, one after the other."""
        return Side(values=[call(*item) for item in items])


@dataclass(slots=True)
class Side(Generic[T]):
    """Work started by `Runner.side`: its results, waited for by `results()`."""

    futures: list[Any] = field(default_factory=list)  # concurrent.futures.Future objects
    values: list[Any] = field(default_factory=list)
    #: Shut down once the results are in (the pool the work ran in).
    pool: Any = None

    def results(self) -> list[T]:
        """The work's results in order (waiting for them; an exception raised here)."""
        if self.futures:
            try:
                self.values = [future.result() for future in self.futures]
            finally:
                self.futures = []
                self.close()
        return self.values

    def close(self) -> None:
        """End the process the work runs in (after it: running work is not interrupted)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class ProcessRunner(Runner):
    """Runs a stage's tasks on `jobs` worker processes of this machine (`farmaudit audit
    --jobs N`), started for the stage and ended with it: what the tasks cached per process
    (the pages' profiles, the model) goes with them, so `everywhere` has nothing to reach
    but this process. Workers are spawned, not forked (DuckDB and Arrow threads in this
    process must not be copied mid-state)."""

    #: Stages whose tasks run in this process, not on the workers: each `links` task needs
    #: every page's profile and the verdicts found so far (0.8 GB a process at 100k pages),
    #: so N workers would hold N copies; the stages that do not read `link_findings` run
    #: beside it instead (`side`, see `reports.audit.run`).
    at_home = ("links",)

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise AuditError(f"--jobs {jobs}: expected at least 1")
        self.jobs = jobs
        self.name = f"{jobs} local processes"
        self.report_threads = jobs
        self.beside = ("links",) if jobs > 1 else ()

    def side(self, call: Callable[..., T], items: Sequence[tuple[Any, ...]]) -> Side[T]:
        if self.jobs == 1:
            return super().side(call, items)
        # Each item in a fresh process: the next does not start from the last one's high
        # water mark (at 100k pages the graph after duplicates in one process: 669 MB
        # against 530 alone, beside `links` at its own peak).
        pool = _spawned_pool(1, tasks_per_process=1)
        return Side(futures=[pool.submit(call, *item) for item in items], pool=pool)

    def map(
        self,
        task: Callable[..., T],
        items: Sequence[tuple[Any, ...]],
        *,
        label: str,
        tick: Callable[[int], None] | None = None,
    ) -> list[T]:
        from concurrent.futures import as_completed

        if self.jobs == 1 or len(items) < 2 or label in self.at_home:
            return super().map(task, items, label=label, tick=tick)
        with _spawned_pool(min(self.jobs, len(items))) as pool:
            futures = [pool.submit(task, *item) for item in items]
            try:
                return results_in_order(futures, as_completed, tick)
            finally:
                for future in futures:
                    future.cancel()


def _spawned_pool(workers: int, tasks_per_process: int | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes (see `ProcessRunner`: never forked), each
    replaced after `tasks_per_process` tasks when given."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=tasks_per_process,
    )


def results_in_order(
    futures: list[Any],
    completed: Callable[[list[Any]], Iterable[Any]],
    tick: Callable[[int], None] | None,
) -> list[Any]:
    """The futures' results in submission order, `tick(done)` as each completes (in the
    order `completed` yields them); a task's exception is raised here."""
    for done, _future in enumerate(completed(futures), 1):
        if tick is not None:
            tick(done)
    return [future.result() for future in futures]


def _silent(_message: str) -> None:
    pass


@dataclass(slots=True)
class StageContext:
    """What a stage is given: the dataset, the work folder, the config, a progress callback,
    and the runner of its tasks."""

    root: Path
    work: Path
    config: AuditConfig
    say: Callable[[str], None]
    runner: Runner = field(default_factory=Runner)

    def for_task(self) -> StageContext:
        """This context as a task receives it: picklable (no callback, no runner), its paths
        absolute (a worker's working folder is not this process's)."""
        return StageContext(self.root.resolve(), self.work.resolve(), self.config, _silent)

    def table_dir(self, table: str) -> Path:
        """The folder of a work table."""
        return self.work / table

    def parts(self, table: str) -> list[Path]:
        """A work table's part files, in name order."""
        return sorted(self.table_dir(table).glob("part-*.parquet"))

    def view(self, con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema) -> None:
        """Make work table `table` a view of `con` (an empty table when it has no parts)."""
        view_parts(con, table, self.parts(table), schema)


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the audit (see the module docstring)."""

    name: str
    reads: tuple[str, ...]
    needs: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[StageContext], tuple[int, dict[str, int]]] = field(repr=False)


def audit_key(root: Path, config: AuditConfig, stages: tuple[str, ...] = ()) -> str:
    """The crawl state (every committed part of the tables the audit reads, by name and size),
    the audit config (lexicon files by content) and the stages' names, hashed: a journal of
    another key is stale (a farmaudit with other stages does not resume this one's work)."""
    digest = hashlib.sha256(" ".join(stages).encode())
    for table in ("pages", "links", "fetches"):
        for path in part_files(root, table):
            digest.update(f"{table}/{path.name}:{path.stat().st_size}\n".encode())
    digest.update(repr(config).encode())
    for lexicon in config.lexicon_paths:
        digest.update(Path(lexicon).read_bytes())
    return digest.hexdigest()[:32]


class Journal:
    """The stages finished in the work folder, for one audit key."""

    def __init__(self, work: Path, key: str) -> None:
        self.path = work / JOURNAL
        self.key = key
        self.finished: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text())
            if data.get("key") == key:
                self.finished = dict(data.get("finished", {}))

    def done(self, name: str) -> bool:
        """Whether stage `name` finished under this key."""
        return name in self.finished

    def record(self, name: str, counts: StageCounts) -> None:
        """Note stage `name` as finished (written atomically: a kill keeps the old journal)."""
        self.finished[name] = {
            "rows_in": counts.rows_in,
            "rows_out": counts.rows_out,
            "seconds": round(counts.seconds, 3),
        }
        self._write()

    def forget(self, names: list[str]) -> None:
        """Stages whose tables are now stale (an earlier stage was re-run)."""
        for name in names:
            self.finished.pop(name, None)
        self._write()

    def counts(self, name: str) -> StageCounts:
        """The recorded counts of a finished stage."""
        data = self.finished[name]
        return StageCounts(data["rows_in"], dict(data["rows_out"]), data["seconds"])

    def _write(self) -> None:
        write_json_atomic({"key": self.key, "finished": self.finished}, self.path)


def open_work(root: Path) -> Path:
    """The work folder of the dataset at `root`, made (with its marker) if missing.

    An existing folder without the marker was not made by farmaudit: refused, not used.
    """
    work = root / WORK_DIR
    if work.exists() and not (work / WORK_MARKER).is_file():
        refuse_foreign(work, [f"{WORK_DIR}/ (no {WORK_MARKER} marker)"], "use it")
    work.mkdir(exist_ok=True)
    marker = work / WORK_MARKER
    if not marker.exists():
        write_text_atomic("made by farmaudit audit; deleted and remade by it\n", marker)
    return work


def clear_tables(work: Path, tables: tuple[str, ...]) -> None:
    """Delete a stage's earlier output (a killed run may have left some parts): the work
    folder is farmaudit's (its marker says so), and these are its table folders."""
    if not (work / WORK_MARKER).is_file():
        raise AuditError(f"{work}: no {WORK_MARKER} marker; refusing to delete in it")
    for table in tables:
        shutil.rmtree(work / table, ignore_errors=True)


def run_stage(stage: Stage, ctx: StageContext, journal: Journal) -> StageCounts:
    """Run one stage: clear its old tables, run it, record its counts in the journal."""
    ctx.say(f"stage {stage.name}: started")
    clear_tables(ctx.work, stage.writes)
    started = time.perf_counter()
    rows_in, rows_out = stage.run(ctx)
    counts = StageCounts(rows_in, rows_out, time.perf_counter() - started)
    release_memory()
    journal.record(stage.name, counts)
    ctx.say(f"stage {stage.name}: done, {counts.describe()}")
    return counts


def release_memory(*, collect: bool = True) -> None:
    """Hand what the stage freed back to the system: stages share nothing in memory, so the
    next one should not start on top of this one's freed but still mapped heap.

    `collect=False` skips the full garbage collection, for callers whose garbage reference
    counting frees (Arrow tables, arrays): a full collection walks every live object."""
    if collect:
        gc.collect()
    with contextlib.suppress(ImportError):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()  # Arrow's own allocator keeps freed pages
    if sys.platform.startswith("linux"):
        # Another C library (musl): no malloc_trim, the memory is simply kept.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB. Linux's VmHWM where there is one: a
    spawned process's `ru_maxrss` starts at its parent's size when it forked (a graph
    stage beside `links` at 100k pages read 783 MB, its own peak being far lower)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    scale = 1 if sys.platform.startswith("linux") else 1024  # kilobytes; bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def batches_progress(
    say: Callable[[str], None], stage: str, total: int, every: int = 10, unit: str = "parts"
) -> Callable[[int], None]:
    """A callback saying "<stage>: i/total parts, elapsed, time left" every `every` and at
    the last (time left from the pace so far, once there is one)."""
    start = time.monotonic()

    def tick(done: int) -> None:
        if done == total or done % every == 0:
            elapsed = time.monotonic() - start
            left = elapsed / done * (total - done) if done else 0.0
            eta = f", about {_duration(left)} left" if done < total and elapsed >= 1 else ""
            say(f"stage {stage}: {done:,}/{total:,} {unit}, {_duration(elapsed)}{eta}")

    return tick


def _duration(seconds: float) -> str:
    """12 s, 3 min 05 s, 1 h 02 min: the shape of a progress line."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def later_stages(stages: tuple[Stage, ...], name: str) -> list[str]:
    """The stages that read, directly or not, the tables of stage `name`."""
    stale = {name}
    for stage in stages:
        if any(n in stale for n in stage.needs):
            stale.add(stage.name)
    return [s.name for s in stages if s.name in stale and s.name != name]


def iter_parts(paths: list[Path], columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Record batches of Parquet parts, part by part."""
    import pyarrow.parquet as pq

    for path in paths:
        yield from pq.ParquetFile(path).iter_batches(batch_size=2048, columns=columns)
