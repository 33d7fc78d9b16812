"""A crawl's dataset folder: its manifest (crawl.json), contract-checked reads, resume state.

```
datasets/<name>/
  crawl.json        what was asked and how far it got; written first
  _commits/         one marker per committed batch (see pipelines.store.commits)
  raw/ pages/ steps/ links/ fetches/   folders of part-*.parquet
```

Readers skip nothing silently: a table folder holds part files only (hidden names are parts not
yet committed), and a part named by a commit marker must be there with its row count.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store.commits import (
    COMMITS_DIR,
    ContractError,
    live_writers,
    read_markers,
    write_json_atomic,
)
from pipelines.store.errors import FarmauditError
from pipelines.store.schema import CRAWL_TABLES, SCHEMA_VERSION
from pipelines.store.urls import crawl_key

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

MANIFEST = "crawl.json"
DATASETS_ROOT = Path("datasets")
#: Tables only ever appended to by a crawl: every part a marker names must stay. (pages, steps
#: and links are rebuilt by re-extraction, which swaps in parts of its own.)
JOURNAL_TABLES = ("raw", "fetches")
#: Fetch errors that say nothing lasting about the URL: a later run fetches it again.
RETRYABLE_ERRORS = frozenset({"dns", "timeout", "refused", "reset", "connect", "truncated"})
#: Rows a URL gets at most across runs when each failed in a passing way.
MAX_FETCH_RUNS = 3
#: Rows that spent no page budget: nothing was fetched (robots.txt said no, a trap URL).
_NOT_SPENT = frozenset({"robots", "trap"})
#: Fetch errors whose final_url was not fetched in that row (a redirect target left alone).
_UNFETCHED_TARGET = frozenset({"duplicate", "off_scope"})


class DatasetError(FarmauditError):
    """A folder that is not a usable dataset, or one that holds a different crawl."""


@dataclass(slots=True)
class CrawlManifest:
    """crawl.json: the request that defines a crawl, plus its progress."""

    crawl_id: str
    start_urls: list[str]
    sitemap_urls: list[str]
    allowed_hosts: list[str]
    max_depth: int
    max_pages: int | None
    created_at: str
    farmaudit_version: str
    schema_version: str = SCHEMA_VERSION
    status: str = "running"
    finished_at: str | None = None
    runs: int = 1
    max_pages_per_host: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def same_request(self, other: CrawlManifest) -> bool:
        """True when `other` asks for the same crawl (so it may resume this one)."""
        return (
            sorted(self.start_urls) == sorted(other.start_urls)
            and sorted(self.sitemap_urls) == sorted(other.sitemap_urls)
            and sorted(self.allowed_hosts) == sorted(other.allowed_hosts)
            and self.max_depth == other.max_depth
            and self.max_pages == other.max_pages
            and self.max_pages_per_host == other.max_pages_per_host
        )

    def describe(self) -> str:
        """One line naming the crawl for messages."""
        seeds = ", ".join((self.start_urls + self.sitemap_urls)[:3])
        return f"crawl {self.crawl_id} of {seeds} (depth {self.max_depth}, {self.status})"


def new_crawl_id() -> str:
    """A sortable, unique crawl id: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def read_manifest(root: Path) -> CrawlManifest | None:
    """The crawl.json of `root`, None if there is none; DatasetError if it is unreadable."""
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        return CrawlManifest(**data)
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a farmaudit crawl manifest ({err})") from err


def write_manifest(root: Path, manifest: CrawlManifest) -> None:
    """Write crawl.json atomically."""
    write_json_atomic(asdict(manifest), root / MANIFEST)


def require_no_writers(root: Path, action: str) -> None:
    """DatasetError when a live process is writing `root` (a crawl, a worker, a re-extract):
    recovering or swapping tables under it would drop the parts it is writing."""
    if writers := live_writers(root):
        raise DatasetError(
            f"{root} is being written by a running process (writer {', '.join(writers)}); "
            f"stop it or let it finish before you {action}"
        )


def part_files(root: Path, table: str) -> list[Path]:
    """The committed part files of `table`, in name order.

    Hidden files are parts not committed yet and are skipped, except those a commit marker
    names (a kill between marker and rename): they are committed, so they are returned. Names
    starting with '_' are metadata, as for pyarrow. Any other file that is not Parquet raises
    DatasetError naming it, rather than being skipped.
    """
    folder = root / table
    if not folder.is_dir():
        return []
    parts: list[Path] = []
    hidden = False
    for path in folder.iterdir():
        if path.name.startswith("."):
            hidden = True
        elif path.name.startswith("_"):
            continue
        elif path.suffix == ".parquet" and path.is_file():
            parts.append(path)
        else:
            raise DatasetError(
                f"{path}: not a part file; the {table}/ folder of a dataset holds only "
                "*.parquet parts (move the file elsewhere)"
            )
    if hidden:  # only after a kill: look for committed batches not yet renamed
        for marker in read_markers(root):
            if table in marker.parts:
                path = marker.part_path(root, table)
                if path.name.startswith("."):
                    parts.append(path)
    return sorted(parts, key=lambda p: p.name.lstrip("."))


def read_part(path: Path, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """Read one part file, failing with the file's name when it does not fit `schema`."""
    file_schema = read_part_schema(path)
    _check_schema(path, file_schema, schema)
    try:
        return pq.read_table(path, columns=columns, schema=schema)
    except (pa.ArrowException, OSError) as err:
        raise ContractError(f"{path}: unreadable Parquet file ({err})") from err


def read_part_schema(path: Path) -> pa.Schema:
    """The schema in a part's footer; ContractError naming the file when it is unreadable or
    cut short (a truncated file has no footer)."""
    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError) as err:
        raise ContractError(f"{path}: unreadable Parquet file ({err})") from err


def _check_schema(path: Path, found: pa.Schema, contract: pa.Schema) -> None:
    meta = contract.metadata or {}
    found_meta = found.metadata or {}
    name = meta.get(b"name", b"?").decode()
    if found_meta.get(b"name") != meta.get(b"name"):
        raise ContractError(
            f"{path}: not a farmaudit {name!r} table (schema name "
            f"{found_meta.get(b'name', b'<none>').decode()!r})"
        )
    if found_meta.get(b"version") != meta.get(b"version"):
        raise ContractError(
            f"{path}: {name!r} table written by schema version "
            f"{found_meta.get(b'version', b'?').decode()}, this farmaudit reads version "
            f"{meta.get(b'version', b'?').decode()}; re-crawl it, or read it with the farmaudit "
            "that wrote it"
        )
    for want in contract:
        idx = found.get_field_index(want.name)
        if idx < 0:
            raise ContractError(f"{path}: column {want.name!r} is missing (contract: {want.type})")
        got = found.field(idx)
        if not got.type.equals(want.type):
            raise ContractError(
                f"{path}: column {want.name!r} is {got.type}, contract: {want.type}"
            )


def iter_batches(
    root: Path, table: str, columns: list[str] | None = None, batch_size: int = 2048
) -> Iterator[pa.RecordBatch]:
    """Stream `table` of the dataset at `root` as record batches, part by part."""
    schema = CRAWL_TABLES[table]
    for path in part_files(root, table):
        yield from read_part(path, schema, columns).to_batches(max_chunksize=batch_size)


def read_table(root: Path, table: str, columns: list[str] | None = None) -> pa.Table:
    """The whole `table` of the dataset at `root`, checked against the contract."""
    schema = CRAWL_TABLES[table]
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    parts = [read_part(p, CRAWL_TABLES[table], columns) for p in part_files(root, table)]
    if not parts:
        return schema.empty_table()
    return pa.concat_tables(parts)


def require_dataset(root: Path) -> CrawlManifest:
    """The manifest of the dataset at `root`; DatasetError naming the folder if it is none."""
    if not root.is_dir():
        raise DatasetError(f"{root}: no such dataset folder")
    manifest = read_manifest(root)
    if manifest is None:
        raise DatasetError(f"{root}: not a farmaudit dataset (no {MANIFEST})")
    return manifest


def load(name: str | Path, table: str) -> pd.DataFrame:
    """`load("demo", "links")`: a table of `datasets/<name>` (or of a path) as a DataFrame."""
    root = Path(name)
    if not root.is_dir():
        root = DATASETS_ROOT / str(name)
    if table not in CRAWL_TABLES:
        raise DatasetError(f"unknown table {table!r}; expected one of {sorted(CRAWL_TABLES)}")
    require_dataset(root)
    frame: pd.DataFrame = read_table(root, table).to_pandas()
    return frame


def is_retryable(error: str | None) -> bool:
    """Whether a fetch that failed with `error` may succeed later (5xx, 429, network errors)."""
    if error is None:
        return False
    if error.startswith("http_"):
        return error == "http_429" or error.startswith("http_5")
    return error in RETRYABLE_ERRORS


@dataclass(frozen=True, slots=True)
class ResumeState:
    """What a resumed crawl must not fetch again, what it already spent, where it goes on."""

    done: frozenset[str]  # crawl keys with a row, and final URLs those rows fetched
    tried: list[str]  # URLs that spent page budget: rows but traps, robots and retries
    frontier: list[tuple[str, int, str | None]]  # (url, depth, referrer), shallowest first


def resume_state(root: Path, *, retry_failed: bool = False) -> ResumeState:
    """Derive the crawl state from committed parts: the dataset is the journal.

    Done = every URL with a fetch row (success, failure, robots or trap) and every final URL
    a row fetched; with `retry_failed` (a crawl that fetched nothing, run again), except URLs
    that failed only in passing ways (`is_retryable`) fewer than MAX_FETCH_RUNS times: those
    are tried again, their earlier rows kept. Frontier = link targets of fetched pages
    that are not done, at their source's depth + 1, plus redirect targets a row left to
    another row that never committed.
    All URLs are compared by crawl key. Scope and depth limits are applied by the caller.
    """
    done: set[str] = set()
    tried: list[str] = []
    targets: dict[str, tuple[int, str | None]] = {}
    failures: Counter[str] = Counter()  # crawl key -> rows that failed in a passing way
    retry_at: dict[str, tuple[int, str | None]] = {}
    settled: set[str] = set()  # keys with a row that is not a passing failure
    columns = ["url", "final_url", "error", "depth", "referrer"]
    for batch in iter_batches(root, "fetches", columns):
        for url, final_url, error, depth, referrer in zip(
            *(c.to_pylist() for c in batch.columns), strict=True
        ):
            key = crawl_key(url)
            done.add(key)
            if retry_failed and is_retryable(error):
                failures[key] += 1
                retry_at.setdefault(key, (depth, referrer))
            else:
                settled.add(key)
                if error not in _NOT_SPENT:
                    tried.append(url)
            if final_url is None:
                continue
            if error in _UNFETCHED_TARGET:
                targets.setdefault(crawl_key(final_url), (depth, referrer))
            else:
                done.add(crawl_key(final_url))
    depth_of: dict[str, int] = {}
    for batch in iter_batches(root, "raw", ["url", "final_url", "depth"]):
        for url, final_url, depth in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            depth_of[url] = depth
            depth_of.setdefault(final_url, depth)
    for key, count in failures.items():
        if key not in settled and count < MAX_FETCH_RUNS:
            done.discard(key)
            targets.setdefault(key, retry_at[key])
        elif key not in settled:
            tried.append(key)
    frontier: dict[str, tuple[int, str | None]] = {
        url: where for url, where in targets.items() if url not in done
    }
    for batch in iter_batches(root, "links", ["source_url", "target_url"]):
        for source, target in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            if target is None:
                continue
            key = crawl_key(target)
            if key in done:
                continue
            depth = depth_of.get(source, 0) + 1
            if key not in frontier or depth < frontier[key][0]:
                frontier[key] = (depth, source)
    ordered = sorted((d, url, src) for url, (d, src) in frontier.items())
    return ResumeState(frozenset(done), tried, [(url, d, src) for d, url, src in ordered])


@dataclass(frozen=True, slots=True)
class DatasetCheck:
    """What `verify_dataset` found: part files and rows per table."""

    parts: dict[str, int]
    rows: dict[str, int]


def verify_dataset(root: Path) -> DatasetCheck:
    """Check every part of the dataset at `root` without changing anything.

    Each part's footer must read and fit the contract (a truncated part has no footer), and
    every journal part a commit marker names must exist with the rows the marker recorded.
    Raises ContractError or DatasetError naming the file.
    """
    require_dataset(root)
    parts: dict[str, int] = {}
    rows: dict[str, int] = {}
    for table, schema in CRAWL_TABLES.items():
        files = part_files(root, table)
        parts[table] = len(files)
        rows[table] = 0
        for path in files:
            _check_schema(path, read_part_schema(path), schema)
            try:
                rows[table] += pq.read_metadata(path).num_rows
            except (pa.ArrowException, OSError) as err:
                raise ContractError(f"{path}: unreadable Parquet file ({err})") from err
    for marker in read_markers(root):
        for table, (_, count) in marker.parts.items():
            if table not in JOURNAL_TABLES:
                continue
            path = marker.part_path(root, table)
            if not path.exists():
                raise ContractError(
                    f"{path}: missing, but {marker.path} records it as committed with {count} rows"
                )
            found = pq.read_metadata(path).num_rows
            if found != count:
                raise ContractError(
                    f"{path}: {found} rows, but {marker.path} records {count} as committed"
                )
    return DatasetCheck(parts, rows)


def fetch_outcomes(root: Path) -> Counter[str]:
    """Rows of the dataset's fetches table by outcome: 'ok' or the error kind."""
    outcomes: Counter[str] = Counter()
    for batch in iter_batches(root, "fetches", ["error"]):
        outcomes.update(error or "ok" for error in batch.column(0).to_pylist())
    return outcomes


def commit_count(root: Path) -> int:
    """Number of committed batches in the dataset."""
    folder = root / COMMITS_DIR
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0
