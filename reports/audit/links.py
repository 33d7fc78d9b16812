"""The `links` stage: every link's risk category (`reports.spam`) and relatedness to its page
(`reports.offtopic`), batch by batch over the links table, written as link_findings parts.

One task per links part (`Runner.map`: in this process, or on Dask workers). What a task
needs of the pages is what the `profiles` stage made, read once per process
(`profiles.load_pages`): per page its title, crawl id and topic profile, never its body; the
head of a target's body, read only when the anchor and title already point at a risk
category, comes from the profiles' SQLite files.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import part_files, read_part
from pipelines.store.schema import CRAWL_TABLES, LINK_FINDINGS
from pipelines.store.urls import crawl_key
from reports.audit.profiles import (
    forget_pages,
    lexicon_of,
    link_verdict,
    load_pages,
)
from reports.audit.stage import batches_progress, release_memory
from reports.audit.texts import load_model
from reports.spam import NONE, Lexicon

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from numpy.typing import NDArray

    from reports.audit.profiles import Pages
    from reports.audit.stage import StageContext
    from reports.offtopic import OfftopicConfig, TopicModel
    from reports.offtopic.model import PageTable


LINK_BATCH = 16_384  # links scored at once: their (link, n-gram) arrays are the peak
#: (anchor, page row) verdicts kept per process: about 2 per page at farm scale (the 1M-page
#: bench crawl: 1,995,186 pairs), each met again in most links parts, so the cache must hold
#: them all; past this it starts over.
VERDICT_CACHE = 1 << 22
VERDICT_CHUNKS = 32  # chunks of the verdicts' Arrow table before they are combined


def run_links(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """Classify and score every link, one task per links part, writing link_findings parts."""
    parts = part_files(ctx.root, "links")
    tick = batches_progress(ctx.say, "links", len(parts), every=max(1, len(parts) // 20))
    task_ctx = ctx.for_task()
    try:
        counts = ctx.runner.map(
            links_part,
            [(task_ctx, n, path) for n, path in enumerate(parts)],
            label="links",
            tick=tick,
        )
    finally:
        ctx.runner.everywhere(forget_pages)  # the pages' profiles are not needed after this
    links = sum(counts)
    if links == 0:
        write_table_atomic(
            LINK_FINDINGS.empty_table(), ctx.table_dir("link_findings") / "part-00000.parquet"
        )
    return links, {"link_findings": links}


def links_part(ctx: StageContext, number: int, path: Path) -> int:
    """The task: classify and score the links of part `path`, written as link_findings parts
    `part-<number>-<batch>` (names fixed by the input: a retried task overwrites its own).

    Column-wise: a 10M-link crawl makes any per-link object or dict the bottleneck. Per batch
    the Python work is per distinct URL, anchor and (anchor, target) pair; per link it is
    numpy and Arrow.
    """
    lexicon = lexicon_of(ctx)
    model = load_model(ctx)
    pages = load_pages(ctx)
    columns = ["source_url", "target_url", "anchor_text", "block", "position", "internal"]
    out = ctx.table_dir("link_findings")
    links = 0
    # Batches are written by a thread while the next is scored: Parquet encoding and zstd
    # release the GIL (a tenth of the stage at 100k pages), and the audit has a core spare
    # once the work beside it is done. At most one write waits, so memory stays bounded.
    with ThreadPoolExecutor(1) as writer:
        writing: Future[None] | None = None
        for batch, table in enumerate(_part_findings(path, columns, pages, lexicon, model, ctx)):
            if writing is not None:
                writing.result()  # the last batch's, written while this one was scored
            name = f"part-{number:05d}-{batch:03d}.parquet"
            writing = writer.submit(write_table_atomic, table, out / name)
            links += table.num_rows
        if writing is not None:
            writing.result()
    # The part's batches are freed: handed back, so that the process holds its caches and
    # the pages, not the high-water mark of its parts (100k pages, 10 parts: 763 MB against
    # 889 MB). Reference counting has freed them: a full collection here would walk every
    # verdict and cached profile, 0.27 CPU s a part at 100k pages (27 s over 100 parts).
    release_memory(collect=False)
    return links


def _part_findings(
    path: Path,
    columns: list[str],
    pages: Pages,
    lexicon: Lexicon,
    model: TopicModel,
    ctx: StageContext,
) -> Iterator[pa.Table]:
    """The link findings of part `path`, batch by batch."""
    for data in iter_part(path, columns):
        rows = _target_rows(data.column("target_url"), pages)
        sources = _source_rows(data.column("source_url"), pages)
        anchors = data.column("anchor_text").dictionary_encode()
        anchor_texts = anchors.dictionary.to_pylist()
        anchor_of = anchors.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        # Each distinct anchor looked up once, in the model's cache of their profiles: its
        # row there numbers it for the verdicts too (at 1M pages most of a batch's anchors
        # are distinct, and each dictionary pass over them cost a tenth of the stage).
        anchor_rows = model.anchor_rows(anchor_texts)
        verdict_of = _verdicts(anchor_texts, anchor_of, anchor_rows, rows, pages, lexicon)
        relatedness = _relatedness(
            sources, anchor_texts, anchor_of, anchor_rows, rows, pages.table, model
        )
        has_source = sources >= 0
        table = _findings(
            data,
            relatedness,
            rows >= 0,
            # A link on a page without a page row has no crawl id: "" (row -1 is a null).
            pc.fill_null(pages.crawl_ids.take(pa.array(sources, mask=~has_source)), ""),
            verdict_of,
            _verdict_columns(pages),
            ctx.config.offtopic,
        )
        yield table


def _source_rows(urls: pa.Array, pages: Pages) -> NDArray[np.int64]:
    """The page holding each link, by its URL exactly; -1 when none."""
    return pages.rows_of(urls)


def _target_rows(urls: pa.Array, pages: Pages) -> NDArray[np.int64]:
    """The crawled page each link leads to: by URL, or by crawl key (tracking parameters
    off); -1 when none (or a null or empty URL). Crawl keys are made once per distinct URL
    not found as it is."""
    rows = _source_rows(urls, pages)
    missing = np.flatnonzero(rows < 0)
    if len(missing):
        encoded = urls.take(pa.array(missing)).dictionary_encode()
        keys = pa.array(
            [crawl_key(url) if url else None for url in encoded.dictionary.to_pylist()],
            pa.string(),
        )
        found = pages.rows_of(keys)
        by_value = np.append(found, -1)  # the last: null URLs
        index = pc.fill_null(encoded.indices, len(found)).to_numpy(zero_copy_only=False)
        rows[missing] = by_value[index]
    return rows


def _verdicts(
    anchor_texts: list[str],
    anchor_of: NDArray[np.int64],
    anchor_rows: tuple[NDArray[np.int64], int],
    rows: NDArray[np.int64],
    pages: Pages,
    lexicon: Lexicon,
) -> NDArray[np.int64]:
    """Each link's verdict as a row of `pages.verdict_table` (rows found in this batch wait
    in `pages.pending`). A verdict depends on the anchor and the target page only, so it is
    found once per (anchor, page row) pair and kept in `pages.verdicts` (by its row) for the
    next batches and tasks; equal verdicts share a row. An anchor is numbered by its row in
    the topic model's cache (`anchor_rows`: rows and their generation)."""
    if len(pages.verdicts) > VERDICT_CACHE:
        pages.forget_verdicts()  # bounded: a verdict found again costs one classification
    number_of, generation = anchor_rows
    if generation != pages.anchor_generation:  # the model's cache started over: new numbers
        pages.verdicts.clear()
        pages.anchor_generation = generation
    known, index_of = pages.verdicts, pages.found_index
    known.settle()
    pair = number_of[anchor_of] * (len(pages.titles) + 1) + (rows + 1)
    keys, first, pair_of = np.unique(pair, return_index=True, return_inverse=True)
    ids = known.get_many(keys)
    for i in np.flatnonzero(ids < 0).tolist():
        link = first[i]
        anchor, row = anchor_texts[anchor_of[link]], int(rows[link])
        text = pages.target(row, lexicon) if row >= 0 else None
        verdict = link_verdict(anchor, text, lexicon)
        # A `none` verdict's evidence is not written: all such verdicts are one row.
        flagged = verdict.category != NONE
        value = (verdict.category, verdict.score, verdict.evidence if flagged else ())
        digest = hashlib.blake2b(repr(value).encode(), digest_size=16).digest()
        number = index_of.get(digest)
        if number is None:
            number = len(index_of)
            index_of[digest] = number
            pages.pending.append(value)
        known.put(int(keys[i]), number)
        ids[i] = number
    per_link: NDArray[np.int64] = ids[pair_of.reshape(-1)]
    return per_link


def iter_part(path: Path, columns: list[str]) -> list[pa.RecordBatch]:
    """A links part in batches of LINK_BATCH rows."""
    table = read_part(path, CRAWL_TABLES["links"], columns)
    batches: list[pa.RecordBatch] = table.to_batches(max_chunksize=LINK_BATCH)
    return batches


_VERDICT_COLUMNS = ("category", "score", "evidence")


def _verdict_columns(pages: Pages) -> pa.Table:
    """The verdicts found so far in this process as Arrow columns (`pages.verdict_table`),
    extended by the rows pending: each verdict converted once, when first found (converting
    each batch's distinct verdicts again cost a tenth of the stage at 100k pages)."""
    table = pages.verdict_table
    if pages.pending:
        fresh = pages.pending
        fields = {f.name: f.type for f in LINK_FINDINGS}
        part = pa.table(
            {
                "category": pa.array([v[0] for v in fresh], fields["category"]),
                "score": pa.array([v[1] for v in fresh], fields["score"]),
                "evidence": pa.array([list(v[2]) for v in fresh], fields["evidence"]),
            }
        )
        # Chunks, the newest combined while it is at least as long as the one before (a
        # binary counter): a few dozen chunks at most, each row copied a few times. Combining
        # the whole table every batch copied it each time (past 300 MB at 1M pages), and
        # every 32 batches still cost a tenth of the stage's steady state.
        chunks = [] if table is None else _table_chunks(table)
        chunks.append(part)
        while len(chunks) > 1 and (
            len(chunks) > VERDICT_CHUNKS or chunks[-1].num_rows >= chunks[-2].num_rows
        ):
            newest = chunks.pop()
            chunks[-1] = pa.concat_tables([chunks[-1], newest]).combine_chunks()
        table = pa.concat_tables(chunks)
        pages.verdict_table = table
        pages.pending = []
    assert table is not None
    return table


def _table_chunks(table: pa.Table) -> list[pa.Table]:
    """The table's chunks as tables (its columns are chunked alike: made by `concat_tables`)."""
    return [pa.Table.from_batches([batch]) for batch in table.to_batches()]


def _findings(
    data: pa.RecordBatch,
    relatedness: NDArray[np.float64],
    target_crawled: NDArray[np.bool_],
    crawl_id: pa.Array,
    verdict_of: NDArray[np.int64],
    verdicts: pa.Table,
    config: OfftopicConfig,
) -> pa.Table:
    """A batch of link findings as an Arrow table of the link_findings schema: the link's own
    columns as read, and its verdict's (`verdicts` row `verdict_of[i]`) taken by index."""
    fields = {f.name: f.type for f in LINK_FINDINGS}
    by_verdict = _take_verdicts(verdicts, verdict_of)
    columns = {name: data.column(name) for name in data.schema.names} | by_verdict
    columns["relatedness"] = pa.array(relatedness, fields["relatedness"])
    # is_offtopic, column-wise
    columns["offtopic"] = pa.array(relatedness < config.threshold, fields["offtopic"])
    columns["target_crawled"] = pa.array(target_crawled, fields["target_crawled"])
    columns["crawl_id"] = crawl_id.cast(fields["crawl_id"])
    return pa.Table.from_arrays(
        [columns[name] for name in LINK_FINDINGS.names], schema=LINK_FINDINGS
    )


def _take_verdicts(verdicts: pa.Table, rows: NDArray[np.int64]) -> dict[str, pa.Array]:
    """The verdict columns at `rows`: each distinct row taken once, from the chunk that holds
    it, then spread to the links. A take on the chunked table itself concatenated its chunks
    each time (1M pages, a 1M-row table in 32 chunks: 68 ms a batch, against 25 ms)."""
    distinct, spread = np.unique(rows, return_inverse=True)
    spread_at = pa.array(spread.reshape(-1))
    out = {}
    for name in _VERDICT_COLUMNS:
        column = verdicts.column(name)
        bounds = np.cumsum([0, *(len(chunk) for chunk in column.chunks)])
        cuts = np.searchsorted(distinct, bounds)
        parts = [
            chunk.take(pa.array(distinct[cuts[k] : cuts[k + 1]] - bounds[k]))
            for k, chunk in enumerate(column.chunks)
            if cuts[k + 1] > cuts[k]
        ]
        found = pa.concat_arrays(parts) if parts else pa.array([], column.type)
        out[name] = found.take(spread_at)
    return out


def _relatedness(
    sources: NDArray[np.int64],
    anchor_texts: list[str],
    anchor_of: NDArray[np.int64],
    anchor_rows: tuple[NDArray[np.int64], int],
    targets: NDArray[np.int64],
    table: PageTable | None,
    model: TopicModel,
) -> NDArray[np.float64]:
    """Each link's relatedness to its source page (0 when the source has no page row)."""
    scores = np.zeros(len(sources), dtype=np.float64)
    scored = np.flatnonzero(sources >= 0)
    if len(scored) and table is not None:
        distinct, on = np.unique(sources[scored], return_inverse=True)
        scores[scored] = model.score_pages(
            table,
            distinct,
            on.reshape(-1).astype(np.int64),
            anchor_texts,
            targets[scored],
            link_anchor=anchor_of[scored],
            anchor_rows=anchor_rows,
        )
    return scores
