"""Parquet writing: records to contract-checked Arrow tables, committed in atomic batches.

A dataset table is a folder of part files `part-<writer>-<seq>.parquet`. One batch writes a
part into each table it has rows for, under hidden temporary names; then a marker
`_commits/<writer>-<seq>.json` is written (atomically) naming the parts; then the parts are
renamed into place. The marker is the truth: `recover()` finishes the renames of a marked
batch and deletes the leftovers of an unmarked one, so after a kill the tables never disagree
about which pages are done, and no reader ever sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store.errors import FarmauditError
from pipelines.store.schema import CRAWL_TABLES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

COMMITS_DIR = "_commits"
_TMP_SUFFIX = ".tmp"
#: `_commits/.writer-<id>.lock`: held (flock) by a live writer; see `live_writers`.
_LOCK_PREFIX = ".writer-"
_LOCK_SUFFIX = ".lock"


class ContractError(FarmauditError):
    """Rows or files that do not fit the Arrow contract; the message names table and column."""


def records_to_table(records: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Build an Arrow table from dataclass records, checking every column against `schema`.

    pyarrow alone would silently null a missing attribute and accept null in a non-nullable
    field; here a missing field, a wrong type or a null where none is allowed raises
    ContractError naming the table, the column and the first offending row.
    """
    table_name = (schema.metadata or {}).get(b"name", b"?").decode()
    columns = []
    for field in schema:
        try:
            values = [getattr(record, field.name) for record in records]
        except AttributeError as err:
            raise ContractError(
                f"table {table_name!r}: record {type(records[0]).__name__} has no field "
                f"{field.name!r} required by the contract"
            ) from err
        try:
            column = pa.array(values, type=field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as err:
            bad = _first_bad_value(values, field.type)
            raise ContractError(
                f"table {table_name!r}, column {field.name!r}: {err}; first bad value {bad!r} "
                f"(contract type {field.type})"
            ) from err
        if not field.nullable and column.null_count:
            row = next(i for i, v in enumerate(values) if v is None)
            raise ContractError(
                f"table {table_name!r}, column {field.name!r} is null in row {row} "
                f"({_describe(records[row])}) but the contract does not allow nulls"
            )
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _first_bad_value(values: list[Any], type_: pa.DataType) -> Any:
    for value in values:
        try:
            pa.array([value], type=type_)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return value
    return None


def _describe(record: Any) -> str:
    for key in ("url", "source_url", "page_url"):
        if hasattr(record, key):
            return f"{key}={getattr(record, key)!r}"
    return type(record).__name__


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call `write` on a hidden temporary file next to `path`, then rename it over `path`.

    The temporary name is unique per call, so two processes writing the same file (workers
    updating crawl.json) never write into each other's temporary file; a failed write
    leaves `path` as it was and removes its temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_TMP_SUFFIX}")
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` as zstd Parquet via a hidden temporary file and a rename."""
    _write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json_atomic(data: Mapping[str, Any], path: Path) -> None:
    """Write `data` as UTF-8 JSON to `path` via a temporary file and a rename."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write_atomic(path, lambda tmp: tmp.write_text(text, "utf-8"))


@dataclass(frozen=True, slots=True)
class BatchCommit:
    """What one committed batch wrote: table → (part file name, row count)."""

    writer: str
    seq: int
    parts: dict[str, tuple[str, int]]


class DatasetWriter:
    """Buffers records per table and commits them as one atomic batch of part files.

    Life cycle as in Scrapy's exporters: construct, `add()` per item, `commit()` when a batch is
    full, `close()` at the end (commits what is left).
    """

    def __init__(
        self,
        root: Path,
        *,
        writer_id: str | None = None,
        tables: Mapping[str, pa.Schema] = CRAWL_TABLES,
    ) -> None:
        self.root = root
        self.writer_id = writer_id or uuid.uuid4().hex[:8]
        self.tables = dict(tables)
        self._buffers: dict[str, list[Any]] = {name: [] for name in self.tables}
        self._seq = max((m.seq for m in read_markers(root, self.writer_id)), default=0)
        self.rows_written = 0
        self.batches_written = 0
        self._lock: int | None = _hold_writer_lock(root, self.writer_id)

    def add(self, table: str, records: Iterable[Any]) -> None:
        """Queue records for `table` in the current batch."""
        try:
            self._buffers[table].extend(records)
        except KeyError:
            raise ContractError(
                f"unknown table {table!r}; expected one of {sorted(self.tables)}"
            ) from None

    @property
    def pending_rows(self) -> int:
        """Rows queued and not yet committed."""
        return sum(len(rows) for rows in self._buffers.values())

    def commit(self) -> BatchCommit | None:
        """Write every non-empty buffer as one batch; None if there was nothing to write."""
        if not self.pending_rows:
            return None
        # Build every table first: a contract error must not leave half a batch on disk.
        built = {
            name: records_to_table(rows, self.tables[name])
            for name, rows in self._buffers.items()
            if rows
        }
        self._seq += 1
        stem = f"part-{self.writer_id}-{self._seq:06d}.parquet"
        parts: dict[str, tuple[str, int]] = {}
        for name, table in built.items():
            tmp = self.root / name / f".{stem}{_TMP_SUFFIX}"
            tmp.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, tmp, compression="zstd")
            parts[name] = (stem, table.num_rows)
        batch = BatchCommit(self.writer_id, self._seq, parts)
        write_json_atomic(
            {"writer": batch.writer, "seq": batch.seq, "parts": parts},
            self.root / COMMITS_DIR / f"{self.writer_id}-{self._seq:06d}.json",
        )
        _finish_renames(self.root, parts)
        for rows in self._buffers.values():
            rows.clear()
        self.rows_written += sum(count for _, count in parts.values())
        self.batches_written += 1
        return batch

    def close(self) -> None:
        """Commit what is still buffered, then say this writer is done (`release`)."""
        self.commit()
        self.release()

    def release(self) -> None:
        """Drop the writer's liveness lock (buffered rows are not written); idempotent."""
        if self._lock is not None:
            _writer_lock_path(self.root, self.writer_id).unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None


def _writer_lock_path(root: Path, writer_id: str) -> Path:
    return root / COMMITS_DIR / f"{_LOCK_PREFIX}{writer_id}{_LOCK_SUFFIX}"


def _hold_writer_lock(root: Path, writer_id: str) -> int:
    """An open descriptor holding an exclusive flock on the writer's lock file.

    The kernel drops the lock when the process dies, however it dies, so a lock that can be
    taken belongs to a writer that is gone (`live_writers`).
    """
    path = _writer_lock_path(root, writer_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ContractError(
            f"{root}: writer {writer_id} is already writing this dataset (another process)"
        ) from None
    return fd


def live_writers(root: Path) -> list[str]:
    """Ids of the writers whose process is writing `root` now; stale lock files are removed."""
    folder = root / COMMITS_DIR
    if not folder.is_dir():
        return []
    live = []
    for path in sorted(folder.glob(f"{_LOCK_PREFIX}*{_LOCK_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # released meanwhile
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            live.append(path.name[len(_LOCK_PREFIX) : -len(_LOCK_SUFFIX)])
        else:
            path.unlink(missing_ok=True)  # its writer died without releasing it
        finally:
            os.close(fd)
    return live


def _finish_renames(root: Path, parts: Mapping[str, Sequence[Any]]) -> None:
    for table, (stem, _) in parts.items():
        tmp = root / table / f".{stem}{_TMP_SUFFIX}"
        if tmp.exists():
            tmp.replace(root / table / stem)


@dataclass(frozen=True, slots=True)
class CommitMarker:
    """One `_commits/<writer>-<seq>.json` marker: the parts its batch committed,
    table → (name, rows)."""

    path: Path
    writer: str
    seq: int
    parts: dict[str, tuple[str, int]]

    def part_path(self, root: Path, table: str) -> Path:
        """Where this batch's `table` part is: its final name, or its hidden name when the
        writer was killed between the marker and the rename."""
        stem = self.parts[table][0]
        final = root / table / stem
        if final.exists() or not (root / table / hidden_name(stem)).exists():
            return final
        return root / table / hidden_name(stem)


def read_markers(root: Path, writer: str | None = None) -> list[CommitMarker]:
    """Every commit marker of the dataset at `root` (only `writer`'s when given), in name
    order; ContractError naming a marker that cannot be read. The one parser of markers."""
    commits = root / COMMITS_DIR
    if not commits.is_dir():
        return []
    markers = []
    for path in sorted(commits.glob("*.json")):
        try:
            writer_id, seq = path.stem.rsplit("-", 1)
            if writer is not None and writer_id != writer:
                continue
            data = json.loads(path.read_text("utf-8"))
            parts = {table: (str(stem), int(rows)) for table, (stem, rows) in data["parts"].items()}
            markers.append(CommitMarker(path, writer_id, int(seq), parts))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
            raise ContractError(f"{path}: unreadable commit marker ({err!r})") from err
    return markers


def hidden_name(stem: str) -> str:
    """The temporary name a part is written under before its batch is committed."""
    return f".{stem}{_TMP_SUFFIX}"


def recover(root: Path) -> tuple[int, int]:
    """Finish marked batches and drop unmarked leftovers; return (parts finished, parts dropped)."""
    finished = dropped = 0
    marked: set[tuple[str, str]] = set()
    for marker in read_markers(root):
        for table, (stem, _) in marker.parts.items():
            marked.add((table, stem))
            if (root / table / hidden_name(stem)).exists():
                finished += 1
        _finish_renames(root, marker.parts)
    for table in CRAWL_TABLES:
        for tmp in (root / table).glob(f".*{_TMP_SUFFIX}"):
            stem = tmp.name[1 : -len(_TMP_SUFFIX)]
            if (table, stem) not in marked:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                dropped += 1
    # Half-written markers and manifests of a killed writer: the rename never happened.
    for leftover in [
        *(root / COMMITS_DIR).glob(f".*{_TMP_SUFFIX}"),
        *root.glob(f".*{_TMP_SUFFIX}"),
    ]:
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return finished, dropped


def write_text_atomic(text: str, path: Path) -> None:
    """Write UTF-8 text to `path` via a temporary file and a rename."""
    _write_atomic(path, lambda tmp: tmp.write_text(text, "utf-8"))
