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
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.store.commits import write_table_atomic
from reports.audit.config import AuditError
from reports.audit.keyindex import IntMap, KeyIndex
from reports.audit.stage import batches_progress, iter_parts, release_memory
from reports.audit.texts import forget_model, load_model
from reports.offtopic.model import concat_tables, table_arrays, table_from_arrays
from reports.spam import (
    NONE,
    Lexicon,
    SpamVerdict,
    body_evidence,
    classify,
    classify_link,
    forget_verdicts,
    load_lexicons,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from numpy.typing import NDArray

    from reports.audit.stage import StageContext
    from reports.offtopic.model import PageTable


#: Characters of a target's body read for its spam verdict: what a page is about shows early.
TARGET_BODY_CHARS = 1500
_PROFILE_SLICE = 500  # pages profiled at once (their bodies are in memory only then)
#: A link verdict as the findings hold it: category, score, evidence.
VerdictRow = tuple[str, float, tuple[str, ...]]
_KEYS = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("crawl_id", pa.string()),
        pa.field("category", pa.string()),
        # The own category's terms in the body head (model lexicons; null when none): what
        # the links stage adds to a verdict of that category on a link to the page.
        pa.field("evidence", pa.list_(pa.string())),
        # The title's own verdict by the model (null without a model or a title; no evidence
        # on a `none` one): the links stage reads it for every link to the page instead of
        # classifying the title again. At 1M pages the titles outgrow the verdict cache, and
        # classifying them again per link part took a third of the links stage.
        pa.field("title_category", pa.string()),
        pa.field("title_score", pa.float64()),
        pa.field("title_evidence", pa.list_(pa.string())),
    ]
)
#: The title verdict's columns, absent from the parts of an older farmaudit (read as null).
_TITLE_COLUMNS = ("title_category", "title_score", "title_evidence")


@dataclass(frozen=True, slots=True)
class TargetText:
    """A crawled page as a link's verdict reads it: its title, and its body's head on demand."""

    title: str | None
    head: Callable[[], str]
    #: With a model lexicon: the body's terms of a category (`spam.body_evidence` of the
    #: head), when the caller keeps them; None: scanned from `head()`.
    evidence: Callable[[str], tuple[str, ...]] | None = None
    #: With a model lexicon: the title's own verdict, when the caller kept it (its evidence
    #: may be empty on a `none` verdict); None: the title is classified.
    verdict: SpamVerdict | None = None


def link_verdict(anchor: str, target: TargetText | None, lexicon: Lexicon) -> SpamVerdict:
    """A link's category: decided by its anchor and its target's title, backed by the body.

    The target's body may strengthen a verdict (more evidence, a higher score) but never
    decide one: farm bodies are spun filler that mentions every money keyword in passing.
    """
    if target is None:
        return classify(anchor, lexicon)
    head = classify_link(anchor, target.title, None, lexicon, title_verdict=target.verdict)
    if head.category == NONE:
        return head
    if lexicon.model is not None and target.evidence is not None:
        # What `classify_link` with the body does under a model: the body adds evidence only.
        shown = set(head.evidence)
        extra = tuple(e for e in target.evidence(head.category) if e not in shown)
        return SpamVerdict(head.category, head.score, head.evidence + extra)
    full = classify_link(anchor, target.title, target.head(), lexicon, title_verdict=target.verdict)
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
    evidence: list[list[str] | None] = []
    title_verdicts: list[SpamVerdict | None] = []
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
            for title, head, first in zip(t, part_heads, primary, strict=True):
                # A redirect's final URL (not primary) is the same page under another key.
                category, terms = _own_category(title, head, lexicon) if first else (None, None)
                categories.append(category)
                evidence.append(terms)
            # From the cache: the own category classified the titles (only a model's is kept).
            keep = lexicon.model is not None
            title_verdicts += (classify(title, lexicon) if title and keep else None for title in t)
            heads += part_heads
            keys += k
            titles += t
            crawl_ids += c
    name = f"{number:05d}"
    if tables:
        _save_npz(table_arrays(concat_tables(tables)), folder / f"part-{name}.npz")
    _save_heads(heads, folder / f"heads-{name}.sqlite")
    table = pa.Table.from_pydict(
        {
            "key": keys,
            "title": titles,
            "crawl_id": crawl_ids,
            "category": categories,
            "evidence": evidence,
            "title_category": [None if v is None else v.category for v in title_verdicts],
            "title_score": [None if v is None else v.score for v in title_verdicts],
            "title_evidence": [
                None if v is None or not v.flagged else list(v.evidence) for v in title_verdicts
            ],
        },
        _KEYS,
    )
    write_table_atomic(table, folder / f"part-{name}.parquet")  # last: the part is complete
    return len(keys)


def _own_category(title: str | None, head: str, lexicon: Lexicon) -> tuple[str, list[str] | None]:
    """A page's own category, and with a model lexicon that category's body evidence."""
    kept: dict[str, tuple[str, ...]] = {}

    def evidence(category: str) -> tuple[str, ...]:
        found = kept[category] = body_evidence(head, lexicon, category)
        return found

    text = TargetText(title, lambda: head, evidence if lexicon.model is not None else None)
    category = link_verdict("", text, lexicon).category
    terms = kept.get(category)
    return category, None if terms is None else list(terms)


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
    """What the links stage keeps of the target pages in memory: their keys (an Arrow array:
    a row is its index), title, crawl id, one table of their topic profiles, never their
    bodies; and the verdicts found so far."""

    keys: pa.Array
    titles: list[str | None]
    #: Per row, its crawl id ("" when none), as Arrow: taken by row per batch.
    crawl_ids: pa.Array
    table: PageTable | None
    #: Where each profiles part starts, in rows, and its heads file.
    starts: np.ndarray
    head_files: list[Path]
    #: Per row, its own category (None: not classified) and that category's body evidence.
    categories: list[str | None] = field(default_factory=list)
    evidence: list[tuple[str, ...] | None] = field(default_factory=list)
    #: Per row, its title's own verdict as the profiles found it (`title_verdict`): category
    #: (None: none kept), score, and a flagged verdict's evidence as Arrow (built on demand).
    title_categories: list[str | None] = field(default_factory=list)
    title_scores: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    title_evidence: pa.Array | None = None
    #: The topic model's generation of anchor rows the verdicts' keys are made of.
    anchor_generation: int = 0
    #: (anchor number, target page row or -1) as `anchor * (pages + 1) + row + 1` → its
    #: verdict's row in `verdict_table`: farms repeat the same pairs on every page. Integer
    #: keys: a 1M-page farm has about 2M pairs, and a (text, row) tuple key costs ~250 bytes.
    verdicts: IntMap = field(default_factory=IntMap)
    #: A verdict as written (category, score, evidence; no evidence on a `none` verdict),
    #: by a 128-bit digest → its row: equal verdicts share one. The digest, not the value:
    #: a farm's verdicts differ by their body evidence (1M pages: 119,392 distinct in three
    #: links parts), and as tuples of strings they took 2 KB each, six times their Arrow rows.
    found_index: dict[bytes, int] = field(default_factory=dict)
    #: Rows found since `verdict_table` was last extended (`links._verdict_columns`).
    pending: list[VerdictRow] = field(default_factory=list)
    #: The verdicts found so far as Arrow columns (category, score, evidence); None: none.
    verdict_table: pa.Table | None = None
    #: (row, category) → the body's evidence of a category other than the page's own.
    other_evidence: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict)
    #: Rows by key, made on first use (`rows_of`).
    _index: KeyIndex | None = None
    #: The heads files, opened once per process (`heads()`; closed by `forget_pages`).
    _heads: Heads | None = None

    def rows_of(self, urls: pa.Array) -> NDArray[np.int64]:
        """Each URL's row (-1: no page by that key, or a null URL), looked up once per
        distinct URL (`KeyIndex`: hashed column-wise, checked against the keys)."""
        if self._index is None:
            self._index = KeyIndex(self.keys)
        encoded = urls.dictionary_encode()
        found = self._index.rows(encoded.dictionary)
        by_value = np.append(found, -1)  # the last: null URLs
        index = pc.fill_null(encoded.indices, len(found)).to_numpy(zero_copy_only=False)
        rows: NDArray[np.int64] = by_value[index]
        return rows

    def heads(self) -> Heads:
        """The pages' body heads, read from their SQLite files (kept open for the next task)."""
        if self._heads is None:
            self._heads = Heads(self)
        return self._heads

    def forget_verdicts(self) -> None:
        """Drop the verdicts found so far (their cache is full)."""
        self.verdicts.clear()
        self.found_index.clear()
        self.pending.clear()
        self.verdict_table = None

    def target(self, row: int, lexicon: Lexicon) -> TargetText:
        """Page row `row` as a link's verdict reads it; its body's evidence from the profiles
        (its own category) or scanned once per category and kept."""

        def evidence(category: str) -> tuple[str, ...]:
            if category == self.categories[row]:
                own = self.evidence[row]
                if own is not None:
                    return own
            key = (row, category)
            found = self.other_evidence.get(key)
            if found is None:
                found = self.other_evidence[key] = body_evidence(
                    self.heads().get(row), lexicon, category
                )
            return found

        return TargetText(
            self.titles[row], lambda: self.heads().get(row), evidence, self.title_verdict(row)
        )

    def title_verdict(self, row: int) -> SpamVerdict | None:
        """Page row `row`'s title verdict, as the profiles stage kept it (None: not kept)."""
        category = self.title_categories[row] if self.title_categories else None
        if category is None:
            return None
        if category == NONE:
            return _NONE_TITLE
        assert self.title_evidence is not None
        evidence = self.title_evidence[row].as_py() or ()
        return SpamVerdict(category, float(self.title_scores[row]), tuple(evidence))

    def close(self) -> None:
        """Close the heads files."""
        if self._heads is not None:
            self._heads.close()
            self._heads = None


#: A title's `none` verdict as kept: its evidence is never shown (links write none without).
_NONE_TITLE = SpamVerdict(NONE, 0.0, ())

T = TypeVar("T")

_loaded: dict[str, tuple[tuple[object, ...], Pages]] = {}
_lock = threading.Lock()


def load_pages(ctx: StageContext) -> Pages:
    """The profiles of the dataset at `ctx`, read once per process and kept for the next task
    (until `forget_pages`, or profiles of other files or options)."""
    folder = ctx.table_dir("profiles")
    # One scandir and one stat per part: every links task asks, and a glob of Path objects
    # sorted and stat'ed twice took 0.15 s a task at 1M pages (1,000 parts: 150 s a stage).
    found: list[tuple[str, os.stat_result]] = []
    if folder.is_dir():
        with os.scandir(folder) as entries:
            found = sorted(
                (e.name, e.stat())
                for e in entries
                if e.name.startswith("part-") and e.name.endswith(".parquet")
            )
    key = (repr(ctx.config), *((name, st.st_size, st.st_mtime_ns) for name, st in found))
    with _lock:
        cached = _loaded.get(str(folder))
        if cached is not None and cached[0] == key:
            return cached[1]
        for _, old in _loaded.values():
            old.close()
        _loaded.clear()  # one dataset's pages at a time
        pages = _read_pages([folder / name for name, _ in found], ctx.config.offtopic.buckets)
        # Reading the parts and concatenating their tables left freed memory mapped (140 MB
        # at 100k pages): handed back before the links take the process's memory up again.
        release_memory()
        _loaded[str(folder)] = (key, pages)
        return pages


def forget_pages() -> None:
    """Drop the pages `load_pages` keeps and the topic model (the links stage is over)."""
    with _lock:
        for _, pages in _loaded.values():
            pages.close()
        _loaded.clear()
    forget_model()
    forget_verdicts()


def _read_pages(parts: list[Path], buckets: int) -> Pages:
    keys: list[pa.ChunkedArray] = []
    titles: list[str | None] = []
    crawl_ids: list[pa.ChunkedArray] = []
    categories: list[str | None] = []
    evidence: list[tuple[str, ...] | None] = []
    title_categories: list[str | None] = []
    title_scores: list[pa.ChunkedArray] = []
    title_evidence: list[pa.ChunkedArray] = []
    tables = []
    starts = []
    head_files = []
    # Categories and evidence terms are a few hundred strings repeated on every page: each
    # kept once, as each distinct evidence tuple (1M pages: 4.4M terms, 298 distinct, in
    # 351k distinct tuples; read as they come they took 570 MB).
    seen: dict[object, object] = {}

    def once(value: T) -> T:
        return seen.setdefault(value, value)  # type: ignore[return-value]

    for path in parts:
        part = _read_keys(path)
        starts.append(len(titles))
        head_files.append(
            path.with_name(path.name.replace("part-", "heads-").replace(".parquet", ".sqlite"))
        )
        if part.num_rows == 0:
            continue
        keys.append(part.column("key"))  # keys are distinct: one row each
        titles += part.column("title").to_pylist()
        crawl_ids.append(pc.fill_null(part.column("crawl_id"), ""))
        categories += (None if c is None else once(c) for c in part.column("category").to_pylist())
        evidence += (
            None if e is None else once(tuple(once(term) for term in e))
            for e in part.column("evidence").to_pylist()
        )
        title_categories += (
            None if c is None else once(c) for c in part.column("title_category").to_pylist()
        )
        title_scores.append(pc.fill_null(part.column("title_score"), 0.0))
        title_evidence.append(part.column("title_evidence"))
        tables.append(path.with_suffix(".npz"))
    return Pages(
        _concat(keys),
        titles,
        _concat(crawl_ids),
        _read_tables(tables, buckets) if tables else None,
        np.array(starts, dtype=np.int64),
        head_files,
        categories,
        evidence,
        title_categories,
        np.concatenate([s.to_numpy() for s in title_scores]) if title_scores else np.zeros(0),
        _concat(title_evidence, pa.list_(pa.string())),
    )


def _read_keys(path: Path) -> pa.Table:
    """A profiles part's keys table; the title verdict's columns null when the part was
    written by a farmaudit before them (its links then classify the titles)."""
    names = set(pq.read_schema(path).names)
    part = pq.read_table(path, columns=[f.name for f in _KEYS if f.name in names])
    for name in _TITLE_COLUMNS:
        if name not in names:
            part = part.append_column(
                _KEYS.field(name), pa.nulls(part.num_rows, _KEYS.field(name).type)
            )
    return part.select(_KEYS.names).cast(_KEYS)


#: Arrays of a page table with one entry per n-gram; the others have one row per page.
_TERM_ARRAYS = ("bucket", "weight")


def _read_tables(paths: list[Path], buckets: int) -> PageTable:
    """The parts' page tables as one, each array allocated once and filled part by part
    (concatenating the parts' tables held the whole table twice: 3.4 GB at 1M pages). The
    n-gram buckets are below `buckets`: as int32 when that fits, half the table's largest
    array (the scores add them to int64 keys, so they are the same)."""
    rows = terms = 0
    for path in paths:
        with np.load(path) as arrays:
            length = arrays["length"]
            rows, terms = rows + len(length), terms + int(length.sum())
    with np.load(paths[0]) as arrays:
        out = {
            name: np.empty(
                (terms if name in _TERM_ARRAYS else rows, *arrays[name].shape[1:]),
                np.int32 if name == "bucket" and buckets <= 1 << 31 else arrays[name].dtype,
            )
            for name in arrays.files
        }
    row = term = 0
    for path in paths:
        with np.load(path) as arrays:
            if set(arrays.files) != set(out):
                raise AuditError(
                    f"{path}: arrays {sorted(arrays.files)}, not {sorted(out)}; "
                    "re-run the audit's profiles stage (--stage profiles)"
                )
            n, t = len(arrays["length"]), int(arrays["length"].sum())
            for name in arrays.files:
                at = term if name in _TERM_ARRAYS else row
                out[name][at : at + (t if name in _TERM_ARRAYS else n)] = arrays[name]
            row, term = row + n, term + t
    out["start"] = np.cumsum(out["length"]) - out["length"]
    return table_from_arrays(out)


def _concat(chunks: list[pa.ChunkedArray], kind: pa.DataType | None = None) -> pa.Array:
    kind = kind or pa.string()
    if not chunks:
        return pa.array([], kind)
    return pa.chunked_array(
        [c for chunked in chunks for c in chunked.chunks], kind
    ).combine_chunks()


HEADS_CACHE_KB = 64  # SQLite page cache per open heads file


class Heads:
    """Body heads by page row, from the parts' SQLite files (each opened read-only once, on
    demand, and kept open until `close`)."""

    def __init__(self, pages: Pages) -> None:
        self.starts = pages.starts
        self.head_files = pages.head_files
        self.open: dict[int, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def get(self, row: int) -> str:
        part = int(np.searchsorted(self.starts, row, side="right")) - 1
        local = row - int(self.starts[part]) + 1
        with self._lock:  # tasks may share the pages (threads of one worker)
            db = self.open.get(part)
            if db is None:
                uri = f"{self.head_files[part].resolve().as_uri()}?mode=ro"
                db = self.open[part] = sqlite3.connect(uri, uri=True, check_same_thread=False)
                # Each connection's page cache is SQLite's default 2 MB: with a heads file
                # per part, a 1M-page audit's links stage held 1,000 of them. A lookup by
                # row reads a few pages; the operating system caches the files.
                db.execute(f"PRAGMA cache_size = -{HEADS_CACHE_KB}")
            found = db.execute("SELECT head FROM heads WHERE row = ?", (local,)).fetchone()
        return str(found[0]) if found else ""

    def close(self) -> None:
        with self._lock:
            for db in self.open.values():
                db.close()
            self.open.clear()
