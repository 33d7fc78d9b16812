"""The audit's stages, each a function over the dataset's pages and links: link findings
(spam and off-topic), page findings, duplicates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipelines.store.commits import records_to_table, write_table_atomic
from pipelines.store.dataset import iter_batches
from pipelines.store.schema import DUPLICATE_CLUSTERS, LINK_FINDINGS, PAGE_FINDINGS
from pipelines.store.urls import crawl_key
from reports.audit.config import AuditConfig
from reports.neardup import Cluster, DedupConfig, cluster_texts, cluster_titles
from reports.offtopic import OfftopicConfig, TopicModel, block_verdict, is_offtopic
from reports.spam import NONE, Lexicon, SpamVerdict, classify, classify_link

if TYPE_CHECKING:
    from collections.abc import Iterable


#: Characters of a target's body read for its spam verdict: what a page is about shows early.
TARGET_BODY_CHARS = 1500


@dataclass(slots=True)
class _PageText:
    title: str | None
    body: str
    crawl_id: str
    primary: bool  # False for the alias under a redirect's final URL
    kind: str = "article"
    published_at: datetime | None = None


def read_pages(root: Path) -> dict[str, _PageText]:
    """url → text of every page; a redirected page is also found under its final URL."""
    rows = [
        row
        for batch in iter_batches(
            root,
            "pages",
            ["url", "final_url", "title", "body_text", "crawl_id", "kind", "published_at"],
        )
        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True)
    ]
    # In URL order, not crawl order: every later stage (the topic model's fit, duplicate
    # clusters and their representatives) then gives the same result for the same content.
    rows.sort(key=lambda row: row[0])
    pages: dict[str, _PageText] = {}
    for url, final_url, title, body, crawl_id, kind, published in rows:
        pages[url] = _PageText(title, body, crawl_id, True, kind, published)
        if final_url not in pages:
            pages[final_url] = _PageText(title, body, crawl_id, False, kind, published)
    return pages


def link_verdict(anchor: str, target: _PageText | None, lexicon: Lexicon) -> SpamVerdict:
    """A link's category: decided by its anchor and its target's title, backed by the body.

    The target's body may strengthen a verdict (more evidence, a higher score) but never
    decide one: farm bodies are spun filler that mentions every money keyword in passing.
    """
    if target is None:
        return classify(anchor, lexicon)
    head = classify_link(anchor, target.title, None, lexicon)
    if head.category == NONE:
        return head
    full = classify_link(anchor, target.title, target.body[:TARGET_BODY_CHARS], lexicon)
    return full if full.category == head.category else head


@dataclass(slots=True)
class _LinkBatch:
    """One batch of link findings as columns (the link_findings schema's order)."""

    source_url: list[str]
    target_url: list[str | None]
    anchor_text: list[str]
    block: list[str]
    position: list[int]
    internal: list[bool]
    verdicts: list[SpamVerdict]
    relatedness: list[float]
    target_crawled: list[bool]
    crawl_id: list[str]
    offtopic_config: OfftopicConfig

    def offtopic(self, i: int) -> bool:
        """Whether link `i` is off-topic."""
        return is_offtopic(self.relatedness[i], self.offtopic_config)

    def table(self) -> pa.Table:
        """The batch as an Arrow table of the link_findings schema."""
        verdicts = self.verdicts
        columns = self._own_columns() | {
            "category": [v.category for v in verdicts],
            "score": [v.score for v in verdicts],
            "evidence": [_evidence(v) for v in verdicts],
            "offtopic": [is_offtopic(r, self.offtopic_config) for r in self.relatedness],
        }
        return pa.Table.from_pydict(columns, schema=LINK_FINDINGS)

    def _own_columns(self) -> dict[str, list[Any]]:
        """The link_findings columns held as they are (the others come from the verdicts)."""
        return {
            "source_url": self.source_url,
            "target_url": self.target_url,
            "anchor_text": self.anchor_text,
            "block": self.block,
            "position": self.position,
            "internal": self.internal,
            "relatedness": self.relatedness,
            "target_crawled": self.target_crawled,
            "crawl_id": self.crawl_id,
        }


def _evidence(verdict: SpamVerdict) -> list[str]:
    return list(verdict.evidence) if verdict.category != NONE else []


@dataclass(slots=True)
class _PageTally:
    """A page's related block: each link's relatedness and riskiness, and their categories."""

    relatedness: list[float] = field(default_factory=list)
    risky: list[bool] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class LinkTally:
    """What later stages need from the link findings, gathered while they stream to disk."""

    links: int = 0
    related: int = 0
    offtopic: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    per_page: dict[str, _PageTally] = field(default_factory=dict)
    #: Distinct related-link anchors (candidates for title duplicates).
    anchors: set[str] = field(default_factory=set)

    def add(self, batch: _LinkBatch) -> None:
        """Count one batch of link findings."""
        self.links += len(batch.source_url)
        per_page = self.per_page
        anchors = self.anchors
        for i, block in enumerate(batch.block):
            if block != "related":
                continue
            verdict = batch.verdicts[i]
            category = verdict.category
            offtopic = batch.offtopic(i)
            self.related += 1
            self.categories[category] += 1
            self.offtopic += offtopic
            anchors.add(batch.anchor_text[i])
            page = per_page.get(batch.source_url[i])
            if page is None:
                page = per_page[batch.source_url[i]] = _PageTally()
            page.relatedness.append(batch.relatedness[i])
            page.risky.append(category != NONE)
            page.categories[category] += 1


def write_link_findings(
    root: Path,
    out: Path,
    pages: dict[str, _PageText],
    lexicon: Lexicon,
    model: TopicModel,
    config: AuditConfig,
) -> LinkTally:
    """Classify and score every link, writing link_findings part by part; return the tally.

    Column-wise: a 10M-link crawl makes any per-link object or dict the bottleneck.
    """
    tally = LinkTally()
    # Farms repeat the same anchor → target pairs on every page: classify each pair once.
    verdicts: dict[tuple[str, str | None], SpamVerdict] = {}
    columns = ["source_url", "target_url", "anchor_text", "block", "position", "internal"]
    for number, data in enumerate(iter_batches(root, "links", columns, batch_size=65_536)):
        source, target, anchor, block, position, internal = (c.to_pylist() for c in data.columns)
        targets = [_target_page(t, pages) for t in target]
        row_verdicts = []
        for a, t, page in zip(anchor, target, targets, strict=True):
            key = (a, t if page is not None else None)
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = link_verdict(a, page, lexicon)
            row_verdicts.append(verdict)
        batch = _LinkBatch(
            source_url=source,
            target_url=target,
            anchor_text=anchor,
            block=block,
            position=position,
            internal=internal,
            verdicts=row_verdicts,
            relatedness=_relatedness(source, anchor, targets, pages, model),
            target_crawled=[page is not None for page in targets],
            crawl_id=[page.crawl_id if (page := pages.get(s)) else "" for s in source],
            offtopic_config=config.offtopic,
        )
        tally.add(batch)
        write_table_atomic(batch.table(), out / "link_findings" / f"part-{number:05d}.parquet")
    if tally.links == 0:
        empty = LINK_FINDINGS.empty_table()
        write_table_atomic(empty, out / "link_findings" / "part-00000.parquet")
    return tally


def _target_page(target: str | None, pages: dict[str, _PageText]) -> _PageText | None:
    """The crawled page a link leads to: by URL, or by crawl key (tracking parameters off)."""
    if not target:
        return None
    return pages.get(target) or pages.get(crawl_key(target))


def _relatedness(
    source: list[str],
    anchor: list[str],
    targets: list[_PageText | None],
    pages: dict[str, _PageText],
    model: TopicModel,
) -> list[float]:
    """Each link's relatedness to its source page (0 when the source has no page row)."""
    numbers: dict[str, int] = {}
    sources: list[tuple[str, str]] = []
    scored: list[int] = []
    on: list[int] = []
    for i, url in enumerate(source):
        number = numbers.get(url)
        if number is None:
            page = pages.get(url)
            number = numbers[url] = -1 if page is None else len(sources)
            if page is not None:
                sources.append((page.title or "", page.body))
        if number >= 0:
            scored.append(i)
            on.append(number)
    scores = [0.0] * len(source)
    if scored:
        values = model.score_batch(
            sources,
            on,
            [anchor[i] for i in scored],
            [(t.title or "", t.body) if (t := targets[i]) else None for i in scored],
        ).tolist()
        for i, value in zip(scored, values, strict=True):
            scores[i] = value
    return scores


@dataclass(frozen=True, slots=True)
class _PageRow:
    url: str
    title: str | None
    category: str
    related_links: int
    risky_links: int
    risky_share: float
    offtopic_share: float
    top_category: str
    mostly_risky: bool
    mostly_offtopic: bool
    out_links: int
    in_links: int
    in_related: int
    crawl_id: str
    published_at: datetime | None
    kind: str


def page_findings_table(
    pages: dict[str, _PageText],
    tally: LinkTally,
    degrees: dict[str, tuple[int, int, int]],
    lexicon: Lexicon,
    config: AuditConfig,
) -> pa.Table:
    per_page = tally.per_page
    rows = []
    for url, (out_links, in_links, in_related) in degrees.items():
        page = pages[url]
        tallied = per_page.get(url) or _PageTally()
        mostly_offtopic, mostly_risky, offtopic_share, risky_share = block_verdict(
            tallied.relatedness, tallied.risky, config.offtopic
        )
        risky_cats = [(-k, c) for c, k in tallied.categories.items() if c != NONE]
        # The most frequent category; a tie goes to the first name, not the first link seen.
        top = min(risky_cats)[1] if risky_cats else NONE
        own = link_verdict("", page, lexicon)
        rows.append(
            _PageRow(
                url=url,
                title=page.title,
                category=own.category,
                related_links=len(tallied.risky),
                risky_links=sum(tallied.risky),
                risky_share=risky_share,
                offtopic_share=offtopic_share,
                top_category=top,
                mostly_risky=mostly_risky,
                mostly_offtopic=mostly_offtopic,
                out_links=out_links,
                in_links=in_links,
                in_related=in_related,
                crawl_id=page.crawl_id,
                published_at=page.published_at,
                kind=page.kind,
            )
        )
    rows.sort(key=lambda r: (-r.risky_links, -r.risky_share, r.url))
    return records_to_table(rows, PAGE_FINDINGS) if rows else PAGE_FINDINGS.empty_table()


@dataclass(frozen=True, slots=True)
class _DupRow:
    field: str
    cluster_id: int
    match: str
    text: str
    url: str | None
    is_representative: bool
    similarity: float
    threshold: float


def duplicates_table(
    pages: dict[str, _PageText], tally: LinkTally, config: DedupConfig
) -> pa.Table:
    # Members: every page (by its requested URL), plus related-link titles seen only as anchors.
    # List pages share titles by design (最新文章, 第N页): they are no title duplicates.
    page_items = [(url, p) for url, p in pages.items() if p.primary]
    titles: list[tuple[str, str | None]] = [
        (p.title, url) for url, p in page_items if p.title and p.kind != "list"
    ]
    known = {t for t, _ in titles}
    for anchor in sorted(tally.anchors):
        if anchor and anchor not in known:
            titles.append((anchor, None))
            known.add(anchor)
    rows: list[_DupRow] = []
    title_clusters = cluster_titles([t for t, _ in titles], config)
    rows += _cluster_rows("title", title_clusters, titles, config.threshold)
    bodies = [(p.body, url) for url, p in page_items if p.body.strip()]
    body_clusters = cluster_texts([b for b, _ in bodies], config)
    rows += _cluster_rows(
        "body", body_clusters, [(b[:200], u) for b, u in bodies], config.threshold
    )
    return records_to_table(rows, DUPLICATE_CLUSTERS) if rows else DUPLICATE_CLUSTERS.empty_table()


def _cluster_rows(
    field_name: str,
    clusters: Iterable[Cluster],
    items: list[tuple[str, str | None]],
    threshold: float,
) -> list[_DupRow]:
    rows = []
    for cluster in clusters:
        for member in cluster.members:
            text, url = items[member]
            rows.append(
                _DupRow(
                    field=field_name,
                    cluster_id=cluster.cluster_id,
                    match=cluster.kind,
                    text=text,
                    url=url,
                    is_representative=member == cluster.representative,
                    similarity=float(cluster.similarity),
                    threshold=threshold,
                )
            )
    return rows
