"""Re-extraction: rebuild pages, steps and links from the stored raw pages, without crawling.

New part files are written into a hidden staging folder, then each table folder is swapped in
by rename, so a reader sees either the old table or the new one, never a mix of parts.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.extract import extract
from pipelines.store.commits import DatasetWriter
from pipelines.store.dataset import (
    iter_batches,
    part_files,
    read_part,
    require_dataset,
    require_no_writers,
)
from pipelines.store.ownership import refuse_foreign, swap_in, table_foreign_entries
from pipelines.store.records import RawPage
from pipelines.store.schema import CRAWL_TABLES

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pyarrow as pa

EXTRACTED_TABLES = ("pages", "steps", "links")
#: Columns left out when telling changed rows from unchanged ones.
_IGNORED_COLUMNS = frozenset({"extractor_version"})
#: Columns that identify a row, so a row whose content moved is "changed", not removed+added.
ROW_KEYS = {
    "pages": ("url",),
    "steps": ("page_url", "procedure", "number"),
    "links": ("source_url", "block", "position"),
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TableChange:
    """Rows of one table before and after: how many were added, removed, or kept under the
    same key (`ROW_KEYS`) with different content."""

    table: str
    before: int
    after: int
    added: int
    removed: int
    changed: int = 0


@dataclass(frozen=True, slots=True)
class ReextractSummary:
    """What a re-extraction did."""

    pages: int
    failed: int
    changes: tuple[TableChange, ...]


def reextract(
    root: Path, *, progress: Callable[[int], None] | None = None, batch_pages: int = 500
) -> ReextractSummary:
    """Re-run extraction over `root`'s raw pages and swap the new tables in."""
    require_dataset(root)
    # A crawl still writing would add pages the swap below throws away.
    require_no_writers(root, "re-extract it")
    for name in EXTRACTED_TABLES:
        refuse_foreign(root / name, table_foreign_entries(root / name), "replace it")
    staging = root / f".reextract-{uuid.uuid4().hex[:8]}"
    tables = {name: CRAWL_TABLES[name] for name in EXTRACTED_TABLES}
    writer = DatasetWriter(staging, tables=tables)
    pages = failed = 0
    try:
        for batch in iter_batches(root, "raw", batch_size=batch_pages):
            for row in batch.to_pylist():
                row["headers"] = dict(row["headers"])  # Arrow maps come back as pairs
                raw = RawPage(**row)
                try:
                    result = extract(raw)
                except Exception:
                    # Reported per page with its traceback; one bad page must not stop the run.
                    logger.exception("extraction failed for %s", raw.url)
                    failed += 1
                    continue
                writer.add("pages", [result.page])
                writer.add("steps", result.steps)
                writer.add("links", result.links)
                pages += 1
            writer.commit()
            if progress is not None:
                progress(pages)
        writer.close()
        changes = tuple(_compare(root, staging, name) for name in EXTRACTED_TABLES)
        for name in EXTRACTED_TABLES:
            (staging / name).mkdir(exist_ok=True)  # a table with no rows is an empty folder
            swap_in(staging / name, root / name, table_foreign_entries(root / name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReextractSummary(pages, failed, changes)


_Digests = dict[bytes, Counter[bytes]]


def _digest(value: object, size: int) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=size).digest()


def _row_digests(root: Path, table: str) -> _Digests:
    """Row content digests grouped by row key digest (12 + 8 bytes a row, not the rows)."""
    schema = CRAWL_TABLES[table]
    columns = [f.name for f in schema if f.name not in _IGNORED_COLUMNS]
    key_at = [columns.index(name) for name in ROW_KEYS[table]]
    digests: _Digests = {}
    for path in part_files(root, table):
        part: pa.Table = read_part(path, schema, columns)
        for row in zip(*(part.column(c).to_pylist() for c in columns), strict=True):
            key = _digest(tuple(row[i] for i in key_at), 8)
            digests.setdefault(key, Counter())[_digest(row, 12)] += 1
    return digests


def _compare(root: Path, staging: Path, table: str) -> TableChange:
    before, after = _row_digests(root, table), _row_digests(staging, table)
    added = removed = changed = 0
    for key in before.keys() | after.keys():
        old, new = before.get(key, Counter()), after.get(key, Counter())
        same = (old & new).total()
        old_rest, new_rest = old.total() - same, new.total() - same
        changed += min(old_rest, new_rest)
        added += max(0, new_rest - old_rest)
        removed += max(0, old_rest - new_rest)
    return TableChange(
        table=table,
        before=sum(c.total() for c in before.values()),
        after=sum(c.total() for c in after.values()),
        added=added,
        removed=removed,
        changed=changed,
    )
