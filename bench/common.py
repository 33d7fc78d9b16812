"""Shared helpers of the bench scripts: measured subprocesses, peak RSS, CPU time, machine info.

A measured command runs as its own child and is reaped with `os.wait4`, which returns the
rusage of that one child (and the grandchildren it waited for), so the CPU time and peak RSS of
a crawl are its own, not mixed with the server's or the bench's.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: The project root: benches run their children from here (`python -m bench.NAME`).
ROOT = Path(__file__).resolve().parent.parent
_MB = 1024 * 1024
# ru_maxrss is in kilobytes on Linux and in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024
_POLL_S = 0.005
_RSS_POLL_S = 0.25
_LIBRARIES = ("scrapy", "twisted", "lxml", "pyarrow", "duckdb")


class BenchError(RuntimeError):
    """A bench step failed; the message names the command and what it printed."""


@dataclass(frozen=True, slots=True)
class Measured:
    """One finished child process: exit code, wall time, CPU time, peak RSS and its output."""

    argv: tuple[str, ...]
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    #: Why the bench killed the child ("" when it ended on its own).
    killed: str = ""

    @property
    def cpu_s(self) -> float:
        """User plus system CPU seconds."""
        return self.user_s + self.sys_s

    def check(self) -> Measured:
        """Self, or BenchError with the command and the tail of its stderr when it failed."""
        if self.killed:
            raise BenchError(f"{' '.join(self.argv)} was killed: {self.killed}")
        if self.returncode != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-30:])
            shown = tail or self.stdout[-2000:]
            raise BenchError(f"{' '.join(self.argv)} exited with {self.returncode}:\n{shown}")
        return self


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
    rss_limit_mb: float | None = None,
) -> Measured:
    """Run `argv` to completion and measure its wall time, CPU time and peak RSS.

    The child is killed past `timeout_s`, or when its RSS passes `rss_limit_mb` (so that a
    runaway run cannot push the shared machine into swap or the OOM killer); `killed` then
    says why.
    """
    # Output goes to files, not pipes: a child that prints a lot must never block on a full
    # pipe while we sit in wait4.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env) if env else None, stdout=out, stderr=err
        )
        deadline = None if timeout_s is None else started + timeout_s
        killed = ""
        next_rss_check = started
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if deadline is not None and now > deadline:
                killed = f"timeout after {timeout_s:.0f} s"
            elif rss_limit_mb is not None and now >= next_rss_check:
                next_rss_check = now + _RSS_POLL_S
                rss = process_rss_mb(proc.pid)
                if rss > rss_limit_mb:
                    killed = f"RSS {rss:,.0f} MB over the {rss_limit_mb:,.0f} MB limit"
            if killed:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(_POLL_S)
        wall = time.perf_counter() - started
        # Popen must not try to reap the child again.
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Measured(
        argv=tuple(argv),
        returncode=proc.returncode,
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss * _MAXRSS_UNIT / _MB,
        stdout=stdout,
        stderr=stderr,
        killed=killed,
    )


def process_rss_mb(pid: int) -> float:
    """Resident set size of process `pid` now, in MB (0 when /proc cannot tell)."""
    return _proc_mb(Path(f"/proc/{pid}/status"), "VmRSS:")


def process_pss_mb(pid: int) -> float:
    """Proportional set size of process `pid` now, in MB: its resident pages, each shared one
    divided among the processes sharing it (summed over a process tree: its memory, with no
    shared library counted twice); 0 when /proc cannot tell."""
    return _proc_mb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")


def _proc_mb(path: Path, key: str) -> float:
    """The kB figure on a /proc file's `key` line, in MB (0 when it cannot be read)."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs `python -m module args` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_UNIT / _MB


def current_rss_mb() -> float:
    """Resident set size of this process now, in MB (the peak where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / _MB


def cpu_seconds() -> float:
    """User plus system CPU seconds used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_model() -> str:
    """The CPU's model name as the OS reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float:
    """Physical memory in GB (0 when unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError):
        return 0.0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout


def code_version() -> str:
    """The commit measured, and how many tracked files differ from it (work in progress)."""
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        dirty = _git("status", "--porcelain", "--untracked-files=no").splitlines()
    except OSError:
        return "unknown (no git)"
    return (commit or "unknown") + (f" + {len(dirty)} modified files" if dirty else "")


def machine_info() -> dict[str, str]:
    """What the figures were measured on: date, CPUs, memory, Python and library versions."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(cpus),
        "cpu": cpu_model(),
        "memory": f"{memory_gb():.0f} GB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": ", ".join(f"{name} {_version(name)}" for name in _LIBRARIES),
        "code": code_version(),
    }


def print_machine(title: str) -> None:
    """Print a header naming the benchmark and the machine."""
    print(f"# {title}")
    for key, value in machine_info().items():
        print(f"{key:>9}: {value}")
    argv = getattr(sys, "orig_argv", sys.argv)
    print(f"  command: {' '.join([Path(argv[0]).name, *argv[1:]])}")
    print()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as a Markdown table (pasteable into docs/benchmarks.md)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares (intercept, slope) of ys over xs; slope 0 for fewer than two points."""
    n = len(xs)
    if n < 2:
        return (ys[0] if ys else 0.0), 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my - slope * mx, slope
