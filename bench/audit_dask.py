"""The audit on a local Dask cluster against the single-process audit of the same dataset.

    .venv/bin/python -m bench.audit build DIR --pages 100000     # a bench dataset, once
    .venv/bin/python -m bench.audit_dask DIR [--workers 1,2]

Runs the single-process audit of DIR, keeps its findings, then the audit on `--dask local:N`
for each N, each run in a child process (`os.wait4`: the driver's own CPU time and peak RSS;
each worker's CPU time and peak RSS read inside the workers before the cluster closes). Prints
per run the wall time, CPU seconds, peak RSS of the driver and of the largest worker, the
seconds of each stage (from the audit's journal), the speed-up of the split stages (profiles
and links) per worker, and what the split costs: each worker reads every page's profile once
(`load_pages`, timed here in process), and the graph stage becomes a shuffle by key (its map
and reduce seconds and the bytes of its slices, as the audit reports them). Then checks that
every findings table holds the same rows as the single-process one (DuckDB, EXCEPT ALL both
ways: order-free, duplicates counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import cpu_seconds, print_machine, print_table, python_module, run_measured

_SPLIT = ("profiles", "links")


def _worker_usage() -> dict[str, float]:
    """In a worker: its CPU seconds and peak RSS (MB) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def child(root: Path, dask: str | None, out: Path) -> None:
    """Run the audit of `root` (on `dask` when given) and write its figures to `out`."""
    from reports.audit import AUDIT_DIR, run_audit
    from reports.audit.stage import JOURNAL, WORK_DIR

    shutil.rmtree(root / AUDIT_DIR, ignore_errors=True)
    shutil.rmtree(root / WORK_DIR, ignore_errors=True)  # a fresh audit, not a resumed one
    started, cpu = time.perf_counter(), cpu_seconds()
    workers: dict[str, dict[str, float]] = {}
    if dask is None:
        run_audit(root, progress=lambda m: print(m, file=sys.stderr, flush=True))
    else:
        from reports.audit.dask_runner import dask_runner

        with dask_runner(dask, root) as runner:
            run_audit(root, progress=lambda m: print(m, file=sys.stderr, flush=True), runner=runner)
            workers = runner.client.run(_worker_usage)
    journal = json.loads((root / WORK_DIR / JOURNAL).read_text())["finished"]
    out.write_text(
        json.dumps(
            {
                "wall_s": time.perf_counter() - started,
                "driver_cpu_s": cpu_seconds() - cpu,
                "workers": list(workers.values()),
                "stages": {name: data["seconds"] for name, data in journal.items()},
            }
        )
    )


def _load_cost(root: Path) -> tuple[float, float]:
    """Seconds and MB of Python heap for one `load_pages` of the finished audit's profiles."""
    import tracemalloc

    from reports.audit.config import AuditConfig
    from reports.audit.profiles import forget_pages, load_pages
    from reports.audit.stage import WORK_DIR, StageContext

    ctx = StageContext(root, root / WORK_DIR, AuditConfig(), lambda _m: None)
    tracemalloc.start()
    started = time.perf_counter()
    load_pages(ctx)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    forget_pages()
    return seconds, peak / 1e6


def _differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per findings table: rows, rows only in a, rows only in b."""
    import duckdb

    from pipelines.store.schema import AUDIT_TABLES

    con = duckdb.connect()
    found = {}
    for table in AUDIT_TABLES:
        left, right = f"'{a / table}/part-*.parquet'", f"'{b / table}/part-*.parquet'"
        rows = con.execute(f"SELECT count(*) FROM read_parquet({left})").fetchall()[0][0]
        only = [
            con.execute(
                f"SELECT count(*) FROM (FROM read_parquet({x}) EXCEPT ALL FROM read_parquet({y}))"
            ).fetchall()[0][0]
            for x, y in ((left, right), (right, left))
        ]
        found[table] = (int(rows), int(only[0]), int(only[1]))
    return found


def _run(root: Path, dask: str | None, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        out = Path(tmp) / "figures.json"
        argv = ["child", str(root), "--json", str(out)] + (["--dask", dask] if dask else [])
        measured = run_measured(python_module("bench.audit_dask", *argv), timeout_s=timeout)
        measured.check()
        figures: dict[str, Any] = json.loads(out.read_text())
    figures["driver_peak_mb"] = measured.peak_rss_mb
    figures["shuffle"] = [line for line in measured.stderr.splitlines() if "shuffled into" in line]
    return figures


def run_benchmark(args: argparse.Namespace) -> int:
    from reports.audit import AUDIT_DIR, STAGE_NAMES

    root: Path = args.root
    print_machine("the audit on a local Dask cluster against one process")
    print(f"dataset: {root}")
    runs: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-dask-single-", dir=root.parent) as keep:
        single = Path(keep) / AUDIT_DIR
        runs.append(("single process", _run(root, None, args.timeout)))
        shutil.move(root / AUDIT_DIR, single)
        load_s, load_mb = _load_cost(root)
        checks = {}
        for n in args.workers:
            runs.append((f"Dask local:{n}", _run(root, f"local:{n}", args.timeout)))
            checks[n] = _differences(single, root / AUDIT_DIR)
    stages = [name for name in STAGE_NAMES if name in runs[0][1]["stages"]]
    print_table(
        ["run", "wall s", "driver CPU s", "workers CPU s", "driver peak MB", "worker peak MB"]
        + [f"{s} s" for s in stages],
        [
            [
                name,
                f"{f['wall_s']:.1f}",
                f"{f['driver_cpu_s']:.1f}",
                f"{sum(w['cpu_s'] for w in f['workers']):.1f}" if f["workers"] else "",
                f"{f['driver_peak_mb']:.0f}",
                f"{max(w['peak_mb'] for w in f['workers']):.0f}" if f["workers"] else "",
            ]
            + [f"{f['stages'].get(s, 0.0):.1f}" for s in stages]
            for name, f in runs
        ],
    )
    base = sum(runs[0][1]["stages"][s] for s in _SPLIT)
    for (name, figures), n in zip(runs[1:], args.workers, strict=True):
        split = sum(figures["stages"][s] for s in _SPLIT)
        print(
            f"{name}: split stages {split:.1f} s against {base:.1f} s: speed-up "
            f"{base / split:.2f}x, {base / split / n:.2f}x per worker"
        )
    for name, figures in runs[1:]:
        for line in figures["shuffle"]:
            print(f"{name}, the shuffle: {line.removeprefix('stage graph: ')}")
    print(
        f"the split's cost: each worker reads every page's profile once, "
        f"{load_s:.1f} s and {load_mb:.0f} MB of Python heap (load_pages, in process)"
    )
    same = True
    for n, tables in checks.items():
        for table, (rows, only_single, only_dask) in tables.items():
            same &= only_single == only_dask == 0
            print(
                f"local:{n} {table}: {rows:,} rows, {only_single} only single-process, "
                f"{only_dask} only Dask"
            )
    print("findings identical" if same else "FINDINGS DIFFER")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        parser = argparse.ArgumentParser(prog="bench.audit_dask child")
        parser.add_argument("command")
        parser.add_argument("root", type=Path)
        parser.add_argument("--json", type=Path, required=True)
        parser.add_argument("--dask")
        args = parser.parse_args(argv)
        child(args.root, args.dask, args.json)
        return 0
    parser = argparse.ArgumentParser(prog="bench.audit_dask", description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="a bench dataset (python -m bench.audit build)")
    parser.add_argument(
        "--workers",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[2],
        help="local cluster sizes, comma-separated (default 2)",
    )
    parser.add_argument("--timeout", type=float, default=7200.0, help="seconds per audit")
    return run_benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
