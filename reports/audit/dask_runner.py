"""The audit's tasks on Dask (`farmaudit audit DATASET --dask ADDRESS`).

`local:N` starts a local cluster of N worker processes (one thread each) for this audit;
any other address (`tcp://scheduler:8786`) is a running cluster's scheduler. The stages whose
work splits by part (`profiles`, `links`) run their tasks on the workers; the global steps
(the graph, the page and duplicate findings, the report) stay in this process, in DuckDB over
the tables the tasks wrote. Workers read and write the dataset by its path, so it must sit on
a filesystem every worker mounts at the same path: a Redis-distributed crawl's shared dataset
folder is audited where it lies, without a copy.

A worker that dies mid-task has its tasks run again elsewhere (Dask's scheduler retries a
task whose worker died up to `distributed.scheduler.allowed-failures` times); a task writes
its files under names fixed by its input, atomically, so a retried task leaves the same files.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any, TypeVar

from reports.audit.config import AuditError
from reports.audit.stage import Runner, results_in_order

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from distributed import Client

T = TypeVar("T")


class DaskRunner(Runner):
    """Runs a stage's tasks on the workers of a Dask client."""

    shuffles = True

    def __init__(self, client: Client, name: str) -> None:
        self.client = client
        self.name = name

    def map(
        self,
        task: Callable[..., T],
        items: Sequence[tuple[Any, ...]],
        *,
        label: str,
        tick: Callable[[int], None] | None = None,
    ) -> list[T]:
        from distributed import as_completed

        # pure=False: a re-run stage submits new tasks, never reuses an earlier run's results.
        futures = [self.client.submit(task, *item, pure=False) for item in items]
        try:
            return results_in_order(futures, as_completed, tick)
        finally:
            self.client.cancel(futures)

    def everywhere(self, call: Callable[[], object]) -> None:
        self.client.run(call)


@contextlib.contextmanager
def dask_runner(address: str, root: Path) -> Iterator[DaskRunner]:
    """A runner on the cluster `address` names (see the module docstring), checked to see the
    dataset `root` from every worker; a local cluster is shut down at the end."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AuditError(
            f"--dask {address}: Dask is not installed; pip install 'farmaudit[dask]'"
        ) from None
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise AuditError(f"--dask {address}: expected local:N with N workers, e.g. local:2")
        cluster = LocalCluster(
            n_workers=int(count),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # No dashboard; the scheduler's HTTP routes on a free port, not on 8787 (another
            # cluster's, perhaps).
            scheduler_kwargs={"dashboard_address": ":0"},
            silence_logs=logging.ERROR,
        )
        with cluster, Client(cluster) as client:
            noun = "worker" if int(count) == 1 else "workers"
            yield _checked(DaskRunner(client, f"a local Dask cluster of {count} {noun}"), root)
        return
    if "://" not in address:
        raise AuditError(
            f"--dask {address}: expected local:N or a scheduler address such as "
            "tcp://scheduler:8786"
        )
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as error:
        raise AuditError(f"--dask {address}: cannot reach the scheduler ({error})") from None
    with client:
        yield _checked(DaskRunner(client, f"the Dask cluster at {address}"), root)


def _checked(runner: DaskRunner, root: Path) -> DaskRunner:
    """The runner, once every worker is seen to have the dataset at `root`'s path."""
    path = str(root.resolve())
    seen = runner.client.run(os.path.isdir, path)
    if not seen:
        raise AuditError(f"{runner.name} has no workers")
    blind = [worker for worker, ok in seen.items() if not ok]
    if blind:
        raise AuditError(
            f"{path}: not found on Dask worker {blind[0]} (the dataset must be on a "
            "filesystem every worker mounts at the same path)"
        )
    return runner
