"""The `targets` and `topics` stages: the page texts the audit looks links up in, spilled as
Parquet, and the topic model fitted on them.

`targets` has one row per URL a link can be looked up by: every page under its URL
(`primary`), and a redirected page also under its final URL, unless a page has that URL.
`pos` is the order the audit reads them in (URL order, whatever the crawl order), so duplicate
clusters and their representatives are the same for the same content.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import part_files, read_part
from pipelines.store.schema import CRAWL_TABLES
from reports.audit.stage import iter_parts
from reports.offtopic import TopicModel

if TYPE_CHECKING:
    from collections.abc import Iterator

    from reports.audit.stage import StageContext


_PAGES = CRAWL_TABLES["pages"]
TARGETS = pa.schema(
    [
        pa.field("pos", pa.int64(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("primary", pa.bool_(), nullable=False),
        _PAGES.field("title"),
        pa.field("body", pa.string()),
        _PAGES.field("crawl_id"),
        _PAGES.field("kind"),
        _PAGES.field("published_at"),
    ]
)
_TEXT_COLUMNS = ["title", "body_text", "crawl_id", "kind", "published_at"]
MODEL_FILE = "model.npz"


def run_targets(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """Write the `targets` table: one pass over the page URLs for the order, one over the
    pages part by part for the texts (memory: the URLs and one part)."""
    parts = part_files(ctx.root, "pages")
    urls: list[tuple[str, str, int]] = []
    for path in parts:
        table = read_part(path, _PAGES, ["url", "final_url"])
        start = len(urls)
        urls += zip(
            table.column("url").to_pylist(),
            table.column("final_url").to_pylist(),
            range(start, start + table.num_rows),
            strict=True,
        )
    urls.sort(key=lambda row: row[0])  # stable: a URL crawled twice keeps its last row
    chosen: dict[str, tuple[int, bool]] = {}  # key → (row, primary), in reading order
    for url, final_url, row in urls:
        chosen[url] = (row, True)
        if final_url not in chosen:
            chosen[final_url] = (row, False)
    del urls
    keys = list(chosen)
    rows = np.fromiter((r for r, _ in chosen.values()), dtype=np.int64, count=len(keys))
    primary = np.fromiter((p for _, p in chosen.values()), dtype=np.bool_, count=len(keys))
    del chosen
    by_row = np.argsort(rows, kind="stable")
    sorted_rows = rows[by_row]
    written = 0
    offset = 0
    for number, path in enumerate(parts):
        table = read_part(path, _PAGES, _TEXT_COLUMNS)
        lo, hi = np.searchsorted(sorted_rows, [offset, offset + table.num_rows])
        picked = by_row[lo:hi]  # positions of the keys whose row is in this part
        texts = table.take(pa.array(rows[picked] - offset))
        out = pa.Table.from_arrays(
            [
                pa.array(picked, pa.int64()),
                pa.array([keys[i] for i in picked], pa.string()),
                pa.array(primary[picked]),
                texts.column("title"),
                texts.column("body_text"),
                texts.column("crawl_id"),
                texts.column("kind"),
                texts.column("published_at"),
            ],
            schema=TARGETS,
        )
        write_table_atomic(out, ctx.table_dir("targets") / f"part-{number:05d}.parquet")
        written += out.num_rows
        offset += table.num_rows
    if not parts:
        write_table_atomic(TARGETS.empty_table(), ctx.table_dir("targets") / "part-00000.parquet")
    return offset, {"targets": written}


def iter_targets(
    ctx: StageContext, columns: list[str], *, primary_only: bool = False
) -> Iterator[pa.RecordBatch]:
    """The targets table in batches (part order, not `pos` order)."""
    wanted = columns if not primary_only or "primary" in columns else [*columns, "primary"]
    for batch in iter_parts(ctx.parts("targets"), wanted):
        kept = batch.filter(batch.column("primary")) if primary_only else batch
        yield kept.select(columns)


def run_topics(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """Fit the topic model on the pages' titles (all it reads) and save its arrays."""
    titles = (
        (title or "") + "\n"
        for batch in iter_targets(ctx, ["title"], primary_only=True)
        for title in batch.column("title").to_pylist()
    )
    model = TopicModel.fit(titles, ctx.config.offtopic)
    folder = ctx.table_dir("topics")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{MODEL_FILE}.{os.getpid()}.tmp"
    with tmp.open("wb") as handle:
        np.savez(handle, allow_pickle=False, **model.arrays())
    tmp.replace(folder / MODEL_FILE)
    return model.documents, {"topics": 1}


_models: dict[str, tuple[tuple[object, ...], TopicModel]] = {}
_models_lock = threading.Lock()


def load_model(ctx: StageContext) -> TopicModel:
    """The topic model the `topics` stage saved, read once per process and kept for the next
    task: its anchor-profile cache then serves every part, not one (a fresh model per part
    rebuilt the profiles of every anchor a part holds, a cost growing with the site)."""
    path = ctx.table_dir("topics") / MODEL_FILE
    stat = path.stat()
    key = (repr(ctx.config.offtopic), stat.st_size, stat.st_mtime_ns)
    with _models_lock:
        cached = _models.get(str(path))
        if cached is not None and cached[0] == key:
            return cached[1]
        with np.load(path) as arrays:
            model = TopicModel.from_arrays(
                ctx.config.offtopic, {k: arrays[k] for k in arrays.files}
            )
        _models.clear()  # one dataset's model at a time
        _models[str(path)] = (key, model)
        return model


def forget_model() -> None:
    """Drop the model `load_model` keeps, and its caches."""
    with _models_lock:
        _models.clear()
