"""How a crawl starts on its output folder: new, resumed, already finished, replaced, or
joined (its frontier lives in Redis and workers are on it). The one place that decides.

`plan` only reads, so the CLI can say what will happen before Scrapy starts; `start` decides
the same way and then prepares the folder (recovering a killed run, bumping `runs`).
"""

from __future__ import annotations

import enum
import shutil
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.store.commits import recover
from pipelines.store.dataset import (
    MANIFEST,
    CrawlManifest,
    DatasetError,
    ResumeState,
    read_manifest,
    require_dataset,
    require_no_writers,
    resume_state,
    write_manifest,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


class Plan(enum.Enum):
    NEW = "new"  # an empty or missing folder
    RESUME = "resume"  # the same crawl, stopped before the end: go on from its parts
    FINISHED = "finished"  # the same crawl, done: nothing to do, nothing changed
    OVERWRITE = "overwrite"  # another crawl or a non-dataset, replaced (--overwrite)
    JOIN = "join"  # the crawl the folder holds, worked on in Redis: work on it too


@dataclass(frozen=True, slots=True)
class StartOptions:
    root: Path
    #: The crawl asked for; None for a worker, which joins the crawl the folder holds.
    wanted: CrawlManifest | None
    overwrite: bool = False
    #: On Redis: whether Redis holds crawl `crawl_id` running or finished (then a stopped
    #: crawl is joined, not resumed: workers are writing, and the dataset is read back only
    #: when a crawl is seeded afresh). None: this process alone.
    is_live: Callable[[str], bool] | None = None


@dataclass(frozen=True, slots=True)
class Start:
    plan: Plan
    manifest: CrawlManifest  # the crawl to work under
    resume: ResumeState | None = None  # what the dataset holds, on RESUME


def plan(options: StartOptions) -> Plan:
    """What `start` will do with `options.root`. Writes nothing.

    Raises DatasetError naming the folder when it holds a different crawl or is not a dataset
    (and `overwrite` is not given), or, for a worker, when it holds no crawl.
    """
    root, wanted = options.root, options.wanted
    if wanted is None:
        require_dataset(root)
        return Plan.JOIN
    existing = read_manifest(root) if root.exists() else None
    if existing is not None and existing.same_request(wanted) and not options.overwrite:
        if existing.status == "finished":
            return Plan.FINISHED
        if options.is_live is not None and options.is_live(existing.crawl_id):
            return Plan.JOIN
        return Plan.RESUME
    if root.exists() and not root.is_dir():
        raise DatasetError(f"{root} is a file, not a dataset folder")
    if root.exists() and any(root.iterdir()):
        if options.overwrite:
            return Plan.OVERWRITE
        if existing is None:
            raise DatasetError(
                f"{root} is not empty and holds no {MANIFEST}: not a farmaudit dataset; "
                "choose an empty --out folder or pass --overwrite"
            )
        raise DatasetError(
            f"{root} already holds {existing.describe()}; pass --overwrite to replace it "
            "or choose another --out folder"
        )
    return Plan.NEW


def start(options: StartOptions) -> Start:
    """Make `options.root` ready for the crawl and say how it starts.

    A new crawl writes its manifest; a resumed one reads its state from the committed parts
    first (a damaged dataset fails naming the file, unchanged), then recovers a killed run;
    a finished or joined one is left as it is; an overwrite removes the old dataset first.
    """
    root, wanted = options.root, options.wanted
    decided = plan(options)
    if decided in (Plan.FINISHED, Plan.JOIN):
        return Start(decided, require_dataset(root))
    assert wanted is not None  # a worker always joins
    if decided is Plan.RESUME:
        resume = resume_state(root)  # first: a damaged dataset fails unchanged
        require_no_writers(root, "resume or replace it")
        recover(root)
        existing = require_dataset(root)
        existing.runs += 1
        existing.status = "running"
        write_manifest(root, existing)
        return Start(decided, existing, resume)
    if decided is Plan.OVERWRITE:
        require_no_writers(root, "resume or replace it")
        _remove_dataset(root)
    root.mkdir(parents=True, exist_ok=True)
    write_manifest(root, wanted)
    return Start(decided, wanted)


def _remove_dataset(root: Path) -> None:
    # Move aside first so that a crash mid-delete never leaves a half-old dataset in place.
    trash = root.with_name(f".{root.name}.old-{uuid.uuid4().hex[:6]}")
    root.rename(trash)
    shutil.rmtree(trash)
