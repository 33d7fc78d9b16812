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

from pipelines.dataset import iter_batches, part_files, read_part, require_dataset
from pipelines.extract import extract
from pipelines.parquet import DatasetWriter
from pipelines.records import RawPage
from pipelines.schema import CRAWL_TABLES

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pyarrow as pa

EXTRACTED_TABLES = ("pages", "steps", "links")
#: Columns left out when telling changed rows from unchanged ones.
_IGNORED_COLUMNS = frozenset({"extractor_version"})

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TableChange:
    """Rows of one table before and after, and how many were added or removed."""

    table: str
    before: int
    after: int
    added: int
    removed: int


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
            _swap(root / name, staging / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReextractSummary(pages, failed, changes)


def _swap(current: Path, new: Path) -> None:
    old = current.with_name(f".{current.name}.old-{uuid.uuid4().hex[:6]}")
    if current.exists():
        current.rename(old)
    if new.exists():
        new.rename(current)
    else:
        current.mkdir()
    shutil.rmtree(old, ignore_errors=True)


def _row_digests(root: Path, table: str) -> Counter[bytes]:
    schema = CRAWL_TABLES[table]
    columns = [f.name for f in schema if f.name not in _IGNORED_COLUMNS]
    digests: Counter[bytes] = Counter()
    for path in part_files(root, table):
        part: pa.Table = read_part(path, schema, columns)
        for row in zip(*(part.column(c).to_pylist() for c in columns), strict=True):
            digests[hashlib.blake2b(repr(row).encode(), digest_size=12).digest()] += 1
    return digests


def _compare(root: Path, staging: Path, table: str) -> TableChange:
    before, after = _row_digests(root, table), _row_digests(staging, table)
    return TableChange(
        table=table,
        before=before.total(),
        after=after.total(),
        added=(after - before).total(),
        removed=(before - after).total(),
    )
