"""The `links` stage: every link's risk category (`reports.spam`) and relatedness to its page
(`reports.offtopic`), batch by batch over the links table, written as link_findings parts.

What a batch needs of the pages is held per page, small: its title, crawl id and topic
profile (a few hundred numbers), never its body. The head of a target's body, read only when
the anchor and title alone already point at a risk category, comes from an SQLite file of
heads made at the start of the stage (point lookups by URL, on disk).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipelines.store.commits import write_table_atomic
from pipelines.store.dataset import part_files, read_part
from pipelines.store.schema import CRAWL_TABLES, LINK_FINDINGS
from pipelines.store.urls import crawl_key
from reports.audit.stage import batches_progress
from reports.audit.texts import iter_targets, load_model
from reports.offtopic import OfftopicConfig, is_offtopic
from reports.spam import NONE, Lexicon, SpamVerdict, classify, classify_link, load_lexicons

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from reports.audit.stage import StageContext
    from reports.offtopic import TopicModel
    from reports.offtopic.model import PageProfile


#: Characters of a target's body read for its spam verdict: what a page is about shows early.
TARGET_BODY_CHARS = 1500
LINK_BATCH = 65_536
_PROFILE_SLICE = 500  # pages profiled at once (their bodies are in memory only then)
_HEADS = "heads.sqlite"


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


@dataclass(slots=True)
class _Page:
    """What the links stage keeps of a crawled page."""

    title: str | None
    crawl_id: str
    profile: PageProfile


class _Heads:
    """Body heads by URL, in an SQLite file of the work folder (made here, deleted at the end)."""

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE heads (key TEXT PRIMARY KEY, head TEXT NOT NULL)")

    def add(self, keys: list[str], heads: list[str]) -> None:
        self.db.executemany("INSERT INTO heads VALUES (?, ?)", zip(keys, heads, strict=True))

    def get(self, key: str) -> str:
        row = self.db.execute("SELECT head FROM heads WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else ""

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


def _read_pages(ctx: StageContext, model: TopicModel, heads: _Heads) -> dict[str, _Page]:
    """key → title, crawl id and profile of every target; the heads go to `heads`."""
    pages: dict[str, _Page] = {}
    columns = ["key", "title", "body", "crawl_id"]
    for batch in iter_targets(ctx, columns):
        for start in range(0, batch.num_rows, _PROFILE_SLICE):
            part = batch.slice(start, _PROFILE_SLICE)
            keys, titles, bodies, crawl_ids = (c.to_pylist() for c in part.columns)
            profiles = model.page_profiles(
                [(t or "", b) for t, b in zip(titles, bodies, strict=True)]
            )
            heads.add(keys, [b[:TARGET_BODY_CHARS] for b in bodies])
            for key, title, crawl_id, profile in zip(
                keys, titles, crawl_ids, profiles, strict=True
            ):
                pages[key] = _Page(title, crawl_id, profile)
    heads.db.commit()
    return pages


def run_links(ctx: StageContext) -> tuple[int, dict[str, int]]:
    """Classify and score every link, writing link_findings part by part.

    Column-wise: a 10M-link crawl makes any per-link object or dict the bottleneck.
    """
    lexicon = load_lexicons(list(ctx.config.lexicon_paths) or None)
    model = load_model(ctx)
    heads = _Heads(ctx.work / _HEADS)
    try:
        ctx.say("stage links: profiling the pages")
        pages = _read_pages(ctx, model, heads)
        return _classify(ctx, pages, heads, lexicon, model)
    finally:
        heads.close()


def _classify(
    ctx: StageContext,
    pages: dict[str, _Page],
    heads: _Heads,
    lexicon: Lexicon,
    model: TopicModel,
) -> tuple[int, dict[str, int]]:
    # Farms repeat the same anchor → target pairs on every page: classify each pair once.
    verdicts: dict[tuple[str, str | None], SpamVerdict] = {}
    columns = ["source_url", "target_url", "anchor_text", "block", "position", "internal"]
    parts = part_files(ctx.root, "links")
    tick = batches_progress(ctx.say, "links", len(parts), every=max(1, len(parts) // 20))
    out = ctx.table_dir("link_findings")
    number = links = 0
    for done, path in enumerate(parts, 1):
        for data in iter_part(path, columns):
            source, target, anchor, block, position, internal = (
                c.to_pylist() for c in data.columns
            )
            keys = [_target_key(t, pages) for t in target]
            row_verdicts = []
            for a, t, key in zip(anchor, target, keys, strict=True):
                pair = (a, t if key is not None else None)
                verdict = verdicts.get(pair)
                if verdict is None:
                    text = None
                    if key is not None:
                        text = TargetText(pages[key].title, _head_of(heads, key))
                    verdict = verdicts[pair] = link_verdict(a, text, lexicon)
                row_verdicts.append(verdict)
            relatedness = _relatedness(source, anchor, keys, pages, model)
            table = _findings(
                {
                    "source_url": source,
                    "target_url": target,
                    "anchor_text": anchor,
                    "block": block,
                    "position": position,
                    "internal": internal,
                    "relatedness": relatedness,
                    "target_crawled": [k is not None for k in keys],
                    "crawl_id": [p.crawl_id if (p := pages.get(s)) else "" for s in source],
                },
                row_verdicts,
                ctx.config.offtopic,
            )
            write_table_atomic(table, out / f"part-{number:05d}.parquet")
            number += 1
            links += table.num_rows
        tick(done)
    if links == 0:
        write_table_atomic(LINK_FINDINGS.empty_table(), out / "part-00000.parquet")
    return links, {"link_findings": links}


def iter_part(path: Path, columns: list[str]) -> list[pa.RecordBatch]:
    """A links part in batches of LINK_BATCH rows."""
    table = read_part(path, CRAWL_TABLES["links"], columns)
    batches: list[pa.RecordBatch] = table.to_batches(max_chunksize=LINK_BATCH)
    return batches


def _head_of(heads: _Heads, key: str) -> Callable[[], str]:
    return lambda: heads.get(key)


def _findings(
    own: dict[str, list[Any]], verdicts: list[SpamVerdict], config: OfftopicConfig
) -> pa.Table:
    """A batch of link findings as an Arrow table of the link_findings schema."""
    columns = own | {
        "category": [v.category for v in verdicts],
        "score": [v.score for v in verdicts],
        "evidence": [list(v.evidence) if v.category != NONE else [] for v in verdicts],
        "offtopic": [is_offtopic(r, config) for r in own["relatedness"]],
    }
    return pa.Table.from_pydict(
        {name: columns[name] for name in LINK_FINDINGS.names}, schema=LINK_FINDINGS
    )


def _target_key(target: str | None, pages: dict[str, _Page]) -> str | None:
    """The crawled page a link leads to: by URL, or by crawl key (tracking parameters off)."""
    if not target:
        return None
    if target in pages:
        return target
    key = crawl_key(target)
    return key if key in pages else None


def _relatedness(
    source: list[str],
    anchor: list[str],
    keys: list[str | None],
    pages: dict[str, _Page],
    model: TopicModel,
) -> list[float]:
    """Each link's relatedness to its source page (0 when the source has no page row)."""
    numbers: dict[str, int] = {}
    sources: list[PageProfile] = []
    scored: list[int] = []
    on: list[int] = []
    for i, url in enumerate(source):
        number = numbers.get(url)
        if number is None:
            page = pages.get(url)
            number = numbers[url] = -1 if page is None else len(sources)
            if page is not None:
                sources.append(page.profile)
        if number >= 0:
            scored.append(i)
            on.append(number)
    scores = [0.0] * len(source)
    if scored:
        values = model.score_profiles(
            sources,
            on,
            [anchor[i] for i in scored],
            [pages[k].profile if (k := keys[i]) is not None else None for i in scored],
        ).tolist()
        for i, value in zip(scored, values, strict=True):
            scores[i] = value
    return scores
