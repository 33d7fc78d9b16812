"""The audit on Dask: a real local cluster gives the single-process findings, also when a
worker is killed in the middle of a task; bad --dask addresses are one-line errors."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipelines.store.ownership import foreign_entries
from reports.audit import run_audit
from reports.audit.dask_runner import dask_runner
from scraper.cli import main
from tests.test_audit import _demo_rows, _write_parts
from tests.test_audit_stages import _findings

distributed = pytest.importorskip("distributed")
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo site's articles and related links in eight committed batches: eight tasks
    per split stage."""
    pages, links = _demo_rows()
    root = tmp_path / "demo"
    _write_parts(root, pages, links, parts=8)
    return root


@pytest.fixture
def expected(demo: Path, tmp_path: Path) -> dict[str, list[str]]:
    """The findings of the single-process audit of the same dataset."""
    alone = tmp_path / "alone" / "demo"
    shutil.copytree(demo, alone)
    run_audit(alone)
    return _findings(alone)


def test_a_local_cluster_of_two_workers_gives_the_same_findings(
    demo: Path, expected: dict[str, list[str]]
) -> None:
    said: list[str] = []
    with dask_runner("local:2", demo) as runner:
        run_audit(demo, progress=said.append, runner=runner)
    assert _findings(demo) == expected
    assert len(expected["link_findings"]) > 1000
    assert "stage links: 8/8 parts" in " ".join(said)
    assert foreign_entries(demo) == []


class _KillOnce(WorkerPlugin):
    """A worker plugin: the first worker to start a `links_part` task dies at once (SIGKILL,
    no clean-up), once per audit (a marker file says it happened)."""

    name = "kill-once"

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish == "executing" and str(key).startswith("links_part-"):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_task_still_gives_the_same_findings(
    demo: Path, expected: dict[str, list[str]], tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},  # not 8787: another cluster may have it
    )
    with cluster, distributed.Client(cluster) as client:
        client.register_plugin(_KillOnce(marker))
        with dask_runner(cluster.scheduler_address, demo) as runner:
            run_audit(demo, runner=runner)
    assert marker.exists()  # a worker did die in the middle of a links task
    assert _findings(demo) == expected


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("local:x", "expected local:N"),
        ("local:0", "expected local:N"),
        ("scheduler", "expected local:N or a scheduler address"),
        ("tcp://127.0.0.1:9", "cannot reach the scheduler"),
    ],
)
def test_a_bad_dask_address_is_a_one_line_error(demo: Path, address: str, message: str) -> None:
    result = CliRunner().invoke(main, ["audit", str(demo), "--dask", address])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert message in lines[-1]
    assert address in lines[-1]
    assert not (demo / "audit").exists()
