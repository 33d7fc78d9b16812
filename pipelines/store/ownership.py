"""What farmaudit may delete: only files it can prove it wrote, whatever the flags.

A dataset folder holds farmaudit's manifest, its commit markers, its table folders of part
files and the audit folder; anything else in it (a user's notes, another tool's output) is
foreign. Replacing a dataset, a table folder or the audit folder first checks that it holds
nothing foreign, and refuses naming what it found if it does. Replacement moves the old
folder aside with one rename and deletes it only once the new one is in place.
"""

from __future__ import annotations

import re
import shutil
import uuid
from typing import TYPE_CHECKING

from pipelines.store.commits import COMMITS_DIR
from pipelines.store.dataset import MANIFEST, DatasetError
from pipelines.store.schema import CRAWL_TABLES

if TYPE_CHECKING:
    from pathlib import Path

#: The audit's folder (`reports.audit` writes it; named here so the data layer can check it).
AUDIT_DIR = "audit"
#: Names of the files farmaudit writes, each by the module that writes it.
_PART = re.compile(r"part-[\w.-]+\.parquet")
_MARKER = re.compile(r"[\w.-]+\.json")
_REPORT = re.compile(r"report\.(html|md)|[\w-]+\.csv")
#: Hidden names: atomic-write temporaries (`.<name>.<pid>-<hex>.tmp`, `.<part>.tmp`), writer
#: locks, staging folders (`.reextract-<hex>`, `.audit-<hex>`), folders moved aside, and the
#: audit's work folder (`.audit-work`, proven by its own marker before anything in it goes).
_HIDDEN = re.compile(
    r"\.[^/]+\.tmp|\.writer-[\w.-]+\.lock|\.(reextract|audit)-[0-9a-f]+|\.[^/]+\.old-[0-9a-f]+"
    r"|\.audit-work"
)


class ForeignFilesError(DatasetError):
    """A folder farmaudit was asked to replace holds files it did not write."""


def foreign_entries(root: Path) -> list[str]:
    """Paths under dataset folder `root` (relative, sorted) that farmaudit did not write."""
    foreign: list[str] = []
    if not root.is_dir():
        return foreign
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name == MANIFEST and entry.is_file():
            continue
        if _HIDDEN.fullmatch(name):
            continue
        if name == COMMITS_DIR and entry.is_dir():
            foreign += _unexpected(entry, _MARKER, f"{name}/")
        elif name in CRAWL_TABLES and entry.is_dir():
            foreign += table_foreign_entries(entry, f"{name}/")
        elif name == AUDIT_DIR and entry.is_dir():
            foreign += audit_foreign_entries(entry, f"{name}/")
        else:
            foreign.append(name + ("/" if entry.is_dir() else ""))
    return foreign


def audit_foreign_entries(folder: Path, prefix: str = "") -> list[str]:
    """Entries of an audit folder that the audit did not write (finding tables, reports)."""
    foreign: list[str] = []
    for entry in sorted(folder.iterdir()):
        if _HIDDEN.fullmatch(entry.name):
            continue
        if entry.is_dir():
            foreign += table_foreign_entries(entry, f"{prefix}{entry.name}/")
        elif not _REPORT.fullmatch(entry.name):
            foreign.append(prefix + entry.name)
    return foreign


def table_foreign_entries(folder: Path, prefix: str = "") -> list[str]:
    """Entries of a table folder that are not part files (none, if it does not exist)."""
    return _unexpected(folder, _PART, prefix) if folder.exists() else []


def _unexpected(folder: Path, allowed: re.Pattern[str], prefix: str) -> list[str]:
    return [
        prefix + entry.name + ("/" if entry.is_dir() else "")
        for entry in sorted(folder.iterdir())
        if entry.is_dir() or not (allowed.fullmatch(entry.name) or _HIDDEN.fullmatch(entry.name))
    ]


def refuse_foreign(folder: Path, foreign: list[str], action: str) -> None:
    """Raise ForeignFilesError naming up to five of `foreign`, if any."""
    if not foreign:
        return
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    raise ForeignFilesError(
        f"{folder} holds files farmaudit did not write ({shown}); refusing to {action}: "
        "move them out or choose another folder"
    )


def move_aside(folder: Path) -> Path:
    """Rename `folder` to a hidden sibling in one step and return the new path."""
    aside = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:6]}")
    folder.rename(aside)
    return aside


def swap_in(new: Path, current: Path, foreign: list[str]) -> None:
    """Put folder `new` where `current` is; the old one is deleted only once `new` is in place.

    `foreign` is what `current` holds that farmaudit did not write: then nothing is changed.
    """
    refuse_foreign(current, foreign, "replace it")
    aside = move_aside(current) if current.exists() else None
    new.rename(current)
    if aside is not None:
        shutil.rmtree(aside)
