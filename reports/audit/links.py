"""The `links` stage: every link's risk category (`reports.spam`) and relatedness to its page
(`reports.offtopic`), batch by batch over the links table, written as link_findings parts.

One task per links part (`Runner.map`: in this process, or on Dask workers). What a task
needs of the pages is what the `profiles` stage made, read once per process
(`profiles.load_pages`): per page its title, crawl id and topic profile, never its body; the
head of a target's body, read only when the anchor and title already point at a risk
category, comes from the profiles' SQLite files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import part_files, read_part
from pipelines.store.schema import CRAWL_TABLES, LINK_FINDINGS
from pipelines.store.urls import crawl_key
from reports.audit.profiles import (
    Heads,
    TargetText,
    forget_pages,
    lexicon_of,
    link_verdict,
    load_pages,
    open_heads,
)
from reports.audit.stage import batches_progress
from reports.audit.texts import load_model
from reports.offtopic import OfftopicConfig, is_offtopic
from reports.spam import NONE, SpamVerdict

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from reports.audit.stage import StageContext
    from reports.offtopic import TopicModel
    from reports.offtopic.model import PageTable


LINK_BATCH = 16_384  # links scored at once: their (link, n-gram) arrays are the peak


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

    Column-wise: a 10M-link crawl makes any per-link object or dict the bottleneck.
    """
    lexicon = lexicon_of(ctx)
    model = load_model(ctx)
    pages = load_pages(ctx)
    verdicts = pages.verdicts
    columns = ["source_url", "target_url", "anchor_text", "block", "position", "internal"]
    out = ctx.table_dir("link_findings")
    links = 0
    with open_heads(pages) as heads:
        for batch, data in enumerate(iter_part(path, columns)):
            source, target, anchor = (
                data.column(name).to_pylist()
                for name in ("source_url", "target_url", "anchor_text")
            )
            rows = [_target_row(t, pages.row) for t in target]
            row_verdicts = []
            for a, t, row in zip(anchor, target, rows, strict=True):
                pair = (a, t if row >= 0 else None)
                verdict = verdicts.get(pair)
                if verdict is None:
                    text = None
                    if row >= 0:
                        text = TargetText(pages.titles[row], _head_of(heads, row))
                    verdict = verdicts[pair] = link_verdict(a, text, lexicon)
                row_verdicts.append(verdict)
            sources = [pages.row.get(s, -1) for s in source]
            relatedness = _relatedness(sources, anchor, rows, pages.table, model)
            table = _findings(
                data,
                {
                    "relatedness": relatedness,
                    "target_crawled": [r >= 0 for r in rows],
                    "crawl_id": [pages.crawl_ids[r] if r >= 0 else "" for r in sources],
                },
                row_verdicts,
                ctx.config.offtopic,
            )
            write_table_atomic(table, out / f"part-{number:05d}-{batch:03d}.parquet")
            links += table.num_rows
    return links


def iter_part(path: Path, columns: list[str]) -> list[pa.RecordBatch]:
    """A links part in batches of LINK_BATCH rows."""
    table = read_part(path, CRAWL_TABLES["links"], columns)
    batches: list[pa.RecordBatch] = table.to_batches(max_chunksize=LINK_BATCH)
    return batches


def _head_of(heads: Heads, row: int) -> Callable[[], str]:
    return lambda: heads.get(row)


def _findings(
    data: pa.RecordBatch,
    scored: dict[str, list[Any]],
    verdicts: list[SpamVerdict],
    config: OfftopicConfig,
) -> pa.Table:
    """A batch of link findings as an Arrow table of the link_findings schema: the link's own
    columns as read, each distinct verdict converted once and taken by index."""
    number: dict[int, int] = {}
    distinct: list[SpamVerdict] = []
    index = []
    for verdict in verdicts:
        i = number.get(id(verdict))
        if i is None:
            i = number[id(verdict)] = len(distinct)
            distinct.append(verdict)
        index.append(i)
    taken = pa.array(index, pa.int64())
    fields = {f.name: f.type for f in LINK_FINDINGS}
    by_verdict = {
        "category": pa.array([v.category for v in distinct], fields["category"]).take(taken),
        "score": pa.array([v.score for v in distinct], fields["score"]).take(taken),
        "evidence": pa.array(
            [list(v.evidence) if v.category != NONE else [] for v in distinct], fields["evidence"]
        ).take(taken),
    }
    columns = {name: data.column(name) for name in data.schema.names} | by_verdict
    columns["relatedness"] = pa.array(scored["relatedness"], fields["relatedness"])
    columns["offtopic"] = pa.array(
        [is_offtopic(r, config) for r in scored["relatedness"]], fields["offtopic"]
    )
    columns["target_crawled"] = pa.array(scored["target_crawled"], fields["target_crawled"])
    columns["crawl_id"] = pa.array(scored["crawl_id"], fields["crawl_id"])
    return pa.Table.from_arrays(
        [columns[name] for name in LINK_FINDINGS.names], schema=LINK_FINDINGS
    )


def _target_row(target: str | None, rows: dict[str, int]) -> int:
    """The crawled page a link leads to: by URL, or by crawl key (tracking parameters off);
    -1 when none."""
    if not target:
        return -1
    row = rows.get(target)
    if row is None:
        row = rows.get(crawl_key(target), -1)
    return row


def _relatedness(
    sources: list[int],
    anchor: list[str],
    targets: list[int],
    table: PageTable | None,
    model: TopicModel,
) -> list[float]:
    """Each link's relatedness to its source page (0 when the source has no page row)."""
    numbers: dict[int, int] = {}
    distinct: list[int] = []
    scored: list[int] = []
    on: list[int] = []
    for i, row in enumerate(sources):
        if row < 0:
            continue
        number = numbers.get(row)
        if number is None:
            number = numbers[row] = len(distinct)
            distinct.append(row)
        scored.append(i)
        on.append(number)
    scores = [0.0] * len(sources)
    if scored and table is not None:
        values = model.score_pages(
            table,
            np.array(distinct, dtype=np.int64),
            np.array(on, dtype=np.int64),
            [anchor[i] for i in scored],
            np.array([targets[i] for i in scored], dtype=np.int64),
        ).tolist()
        for i, value in zip(scored, values, strict=True):
            scores[i] = value
    return scores
