"""How a crawl starts on its output folder: new, resumed, already finished, replaced, or
joined (its frontier lives in Redis and workers are on it). The one place that decides.

`plan` only reads, so the CLI can say what will happen before Scrapy starts; `start` decides
the same way and then prepares the folder (recovering a killed run, bumping `runs`).
"""

from __future__ import annotations

import enum
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.store.commits import recover
from pipelines.store.dataset import (
    MANIFEST,
    CrawlManifest,
    DatasetError,
    ResumeState,
    fetch_outcomes,
    read_manifest,
    require_dataset,
    require_no_writers,
    resume_state,
    write_manifest,
)
from pipelines.store.ownership import foreign_entries, move_aside, refuse_foreign

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


#: crawl.json's status of a crawl that ran out of work without fetching a page.
FAILED = "failed: no page fetched"
#: crawl.json's `extra` key naming the old dataset an overwrite moved aside (a sibling
#: folder) until the new one commits a fetched page; kept in the manifest so that a killed
#: run settles it later.
REPLACES = "replaces"


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
        # Whatever the flags: a folder holding anything farmaudit did not write is not replaced.
        foreign = foreign_entries(root)
        if existing is None and foreign:
            refuse_foreign(root, foreign, f"write a crawl into it (it holds no {MANIFEST})")
        refuse_foreign(root, foreign, "replace the crawl in it")
        if options.overwrite:
            return Plan.OVERWRITE
        if existing is None:
            raise DatasetError(
                f"{root} holds leftover farmaudit tables but no {MANIFEST}; "
                "pass --overwrite to replace them or choose another --out folder"
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
    a finished or joined one is left as it is; an overwrite moves the old dataset aside (see
    `settle_replacement`).
    """
    root, wanted = options.root, options.wanted
    decided = plan(options)
    if decided in (Plan.FINISHED, Plan.JOIN):
        return Start(decided, require_dataset(root))
    assert wanted is not None  # a worker always joins
    if decided is Plan.RESUME:
        existing = require_dataset(root)
        # first: a damaged dataset fails unchanged
        resume = resume_state(root, retry_failed=existing.status == FAILED)
        require_no_writers(root, "resume or replace it")
        recover(root)  # finishes killed batches; crawl.json stays as read above
        existing.runs += 1
        existing.status = "running"
        write_manifest(root, existing)
        return Start(decided, existing, resume)
    if decided is Plan.OVERWRITE:
        require_no_writers(root, "resume or replace it")
        wanted.extra[REPLACES] = move_aside(root).name  # one rename: never half-old in place
    root.mkdir(parents=True, exist_ok=True)
    write_manifest(root, wanted)
    return Start(decided, wanted)


def settle_replacement(root: Path) -> bool:
    """At the end of a run that overwrote a dataset: keep the new one or put the old one back.

    The old dataset is deleted once the new one has committed a fetched page; while it has
    none (the new crawl fetched nothing, or stopped first) the old one is put back. Returns
    False when it was put back. Both folders were checked to hold only farmaudit's files, so
    deleting either deletes nothing of the user's.
    """
    manifest = read_manifest(root)
    if manifest is None or REPLACES not in manifest.extra:
        return True
    replaced = root.with_name(str(manifest.extra[REPLACES]))
    if fetch_outcomes(root)["ok"] or not replaced.exists():
        if replaced.exists():
            refuse_foreign(replaced, foreign_entries(replaced), "delete the replaced dataset")
            shutil.rmtree(replaced)
        del manifest.extra[REPLACES]
        write_manifest(root, manifest)
        return True
    refuse_foreign(root, foreign_entries(root), "put the replaced dataset back")
    discarded = move_aside(root)
    replaced.rename(root)
    shutil.rmtree(discarded)
    return False
