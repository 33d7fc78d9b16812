"""The `profiles` stage: what the links stage needs of every target page, made one task per
targets part, and `load_pages`, which reads it back once per process.

Per targets part N, in the work table folder `profiles/`:

- `part-N.parquet`: key, title and crawl id of the part's pages, in its row order;
- `part-N.npz`: their topic profiles (`TopicModel.page_table`, a few hundred numbers a page);
- `heads-N.sqlite`: the heads of their bodies, read by row only when a link's anchor and
  title already point at a risk category (point lookups on disk, not bodies in memory).

A task writes its three files atomically under names fixed by N, so a task run twice (a
retry after its worker died) leaves the same files.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.store.commits import write_table_atomic
from reports.audit.stage import batches_progress, iter_parts
from reports.audit.texts import forget_model, load_model
from reports.offtopic.model import concat_tables, table_arrays, table_from_arrays
from reports.spam import NONE, Lexicon, SpamVerdict, classify, classify_link, load_lexicons

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from reports.audit.stage import StageContext
    from reports.offtopic.model import PageTable


#: Characters of a target's body read for its spam verdict: what a page is about shows early.
TARGET_BODY_CHARS = 1500
_PROFILE_SLICE = 500  # pages profiled at once (their bodies are in memory only then)
_KEYS = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("crawl_id", pa.string()),
        pa.field("category", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class TargetText:
    """A crawled page as a link's verdict reads it: its title, and its body's head on demand."""

    title: str | None
    head: Callable[[], str]


def link_verdict(anchor: str, target: TargetText | None, lexicon: Lexicon) -> SpamVerdict:
    """A link's category: decided by its anchor and its target's title, backed by the body.

    The target's body may strengthen a verdict (more evidence, a higher score) but never
    decide one: farm bodies are spun filler that mentions every money keyword in passing.
    """
    if target is None:
        return classify(anchor, lexicon)
    head = classify_link(anchor, target.title, None, lexicon)
    if head.category == NONE:
        return head
    full = classify_link(anchor, target.title, target.head(), lexicon)
    return full if full.category == head.category else head


@functools.lru_cache(maxsize=2)
def _lexicon(paths: tuple[Path, ...]) -> Lexicon:
    """The lexicons, read once per process (a task runs many times in one worker)."""
    return load_lexicons(list(paths) or None)


def lexicon_of(ctx: StageContext) -> Lexicon:
    """The audit's lexicons (and model), read once per process."""
    return _lexicon(ctx.config.lexicon_paths)


def run_profiles(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """Profile every target page, one task per targets part."""
    parts = ctx.parts("targets")
    tick = batches_progress(ctx.say, "profiles", len(parts), every=max(1, len(parts) // 20))
    task_ctx = ctx.for_task()
    rows = ctx.runner.map(
        profile_part,
        [(task_ctx, n, path) for n, path in enumerate(parts)],
        label="profiles",
        tick=tick,
    )
    return sum(rows), {"profiles": sum(rows)}


def profile_part(ctx: StageContext, number: int, path: Path) -> int:
    """The task: profile targets part `path` into the three files of part `number`, with each
    page's own risk category (by its title and body head; the `pages` stage reports it)."""
    model = load_model(ctx)
    lexicon = lexicon_of(ctx)
    folder = ctx.table_dir("profiles")
    folder.mkdir(parents=True, exist_ok=True)
    keys: list[str] = []
    titles: list[str | None] = []
    crawl_ids: list[str | None] = []
    categories: list[str | None] = []
    tables = []
    heads: list[str] = []
    for batch in iter_parts([path], ["key", "title", "body", "crawl_id", "primary"]):
        for start in range(0, batch.num_rows, _PROFILE_SLICE):
            part = batch.slice(start, _PROFILE_SLICE)
            k, t, bodies, c, primary = (column.to_pylist() for column in part.columns)
            tables.append(
                model.page_table([(title or "", b) for title, b in zip(t, bodies, strict=True)])
            )
            part_heads = [b[:TARGET_BODY_CHARS] for b in bodies]
            categories += (
                # A redirect's final URL (not primary) is the same page under another key.
                _own_category(title, head, lexicon) if first else None
                for title, head, first in zip(t, part_heads, primary, strict=True)
            )
            heads += part_heads
            keys += k
            titles += t
            crawl_ids += c
    name = f"{number:05d}"
    if tables:
        _save_npz(table_arrays(concat_tables(tables)), folder / f"part-{name}.npz")
    _save_heads(heads, folder / f"heads-{name}.sqlite")
    table = pa.Table.from_pydict(
        {"key": keys, "title": titles, "crawl_id": crawl_ids, "category": categories}, _KEYS
    )
    write_table_atomic(table, folder / f"part-{name}.parquet")  # last: the part is complete
    return len(keys)


def _own_category(title: str | None, head: str, lexicon: Lexicon) -> str:
    return link_verdict("", TargetText(title, lambda: head), lexicon).category


def page_categories(ctx: StageContext) -> dict[str, str]:
    """Each page's own risk category by URL, as the profiles stage found it."""
    found: dict[str, str] = {}
    for path in sorted(ctx.table_dir("profiles").glob("part-*.parquet")):
        table = pq.read_table(path, columns=["key", "category"]).filter(
            pc.is_valid(pc.field("category"))
        )
        found.update(
            zip(table.column("key").to_pylist(), table.column("category").to_pylist(), strict=True)
        )
    return found


def _save_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as handle:
        np.savez(handle, allow_pickle=False, **arrays)
    tmp.replace(path)


def _save_heads(heads: list[str], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(tmp)) as db:
        db.execute("CREATE TABLE heads (row INTEGER PRIMARY KEY, head TEXT NOT NULL)")
        # SQLite numbers rows from 1, in insertion order: the part's rows from 0.
        db.executemany("INSERT INTO heads (head) VALUES (?)", ((h,) for h in heads))
        db.commit()
    tmp.replace(path)


@dataclass(slots=True)
class Pages:
    """What the links stage keeps of the target pages in memory: row by URL, title, crawl id,
    one table of their topic profiles, never their bodies; and the verdicts found so far."""

    row: dict[str, int]
    titles: list[str | None]
    crawl_ids: list[str]
    table: PageTable | None
    #: Where each profiles part starts, in rows, and its heads file.
    starts: np.ndarray
    head_files: list[Path]
    #: (anchor, target page row or -1) → verdict: farms repeat the same pairs on every page.
    verdicts: dict[tuple[str, int], SpamVerdict] = field(default_factory=dict)


_loaded: dict[str, tuple[tuple[object, ...], Pages]] = {}
_lock = threading.Lock()


def load_pages(ctx: StageContext) -> Pages:
    """The profiles of the dataset at `ctx`, read once per process and kept for the next task
    (until `forget_pages`, or profiles of other files or options)."""
    folder = ctx.table_dir("profiles")
    parts = sorted(folder.glob("part-*.parquet"))
    key = (repr(ctx.config), *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in parts))
    with _lock:
        cached = _loaded.get(str(folder))
        if cached is not None and cached[0] == key:
            return cached[1]
        _loaded.clear()  # one dataset's pages at a time
        pages = _read_pages(parts)
        _loaded[str(folder)] = (key, pages)
        return pages


def forget_pages() -> None:
    """Drop the pages `load_pages` keeps and the topic model (the links stage is over)."""
    with _lock:
        _loaded.clear()
    forget_model()


def _read_pages(parts: list[Path]) -> Pages:
    row: dict[str, int] = {}
    titles: list[str | None] = []
    crawl_ids: list[str] = []
    tables = []
    starts = []
    head_files = []
    for path in parts:
        keys = pq.read_table(path, columns=["key", "title", "crawl_id"])
        starts.append(len(titles))
        head_files.append(
            path.with_name(path.name.replace("part-", "heads-").replace(".parquet", ".sqlite"))
        )
        if keys.num_rows == 0:
            continue
        first = len(titles)  # keys are distinct: one row each
        row.update((k, first + i) for i, k in enumerate(keys.column("key").to_pylist()))
        titles += keys.column("title").to_pylist()
        crawl_ids += (c or "" for c in keys.column("crawl_id").to_pylist())
        with np.load(path.with_suffix(".npz")) as arrays:
            tables.append(table_from_arrays({k: arrays[k] for k in arrays.files}))
    table = concat_tables(tables) if tables else None
    return Pages(row, titles, crawl_ids, table, np.array(starts, dtype=np.int64), head_files)


class Heads:
    """Body heads by page row, from the parts' SQLite files (opened read-only on demand)."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.open: dict[int, sqlite3.Connection] = {}

    def get(self, row: int) -> str:
        part = int(np.searchsorted(self.pages.starts, row, side="right")) - 1
        db = self.open.get(part)
        if db is None:
            uri = f"{self.pages.head_files[part].resolve().as_uri()}?mode=ro"
            db = self.open[part] = sqlite3.connect(uri, uri=True)
        local = row - int(self.pages.starts[part]) + 1
        found = db.execute("SELECT head FROM heads WHERE row = ?", (local,)).fetchone()
        return str(found[0]) if found else ""

    def close(self) -> None:
        for db in self.open.values():
            db.close()
        self.open.clear()


@contextlib.contextmanager
def open_heads(pages: Pages) -> Iterator[Heads]:
    """Heads of `pages` for one task; its connections closed at the end."""
    heads = Heads(pages)
    try:
        yield heads
    finally:
        heads.close()
