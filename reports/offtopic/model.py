"""`TopicModel`: fitted on a dataset's pages, scores how related each link is to its page."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from reports.offtopic.config import OfftopicConfig
from reports.offtopic.families import Families, fit_families
from reports.offtopic.latent import Projection, TitleSample, chunks, fit_latent, project
from reports.offtopic.tokens import Tokenizer, Weights, counts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from numpy.typing import NDArray


_PAGE_CACHE = 200_000  # page profiles kept between calls (each ~1.5 KB)
#: Link-text profiles kept between calls. It must hold a crawl's distinct anchors: a farm
#: spins them, so every links part meets most of them (the 1M-page bench crawl: 954,729
#: distinct anchors, 578,716 in its first 1.2M links), and a cache that starts over profiles
#: them all again (a 500k cache at 1M pages: 5.6 s a links part against 1.4 at 100k).
_ANCHOR_CACHE = 2_000_000
_PAGE_SLICE = 500  # pages whose bodies are tokenised at once
#: Family evidence a page needs before its strongest family counts fully (a title hit is 1).
FAMILY_FLOOR = 1.0


@dataclass(frozen=True, slots=True)
class _Profile:
    """What scoring needs of one link text or target page, built once and cached."""

    #: Distinct n-gram buckets (sorted) and their weights, for the lexical coverage.
    bucket: NDArray[np.int64]
    weight: NDArray[np.float64]
    #: Sum of the weights of all the text's n-grams (a target keeps only its heaviest).
    total: float
    #: Unit vector in the latent space (None: latent part off).
    latent: NDArray[np.float64] | None
    #: Family evidence and its sum.
    families: NDArray[np.float64]
    mass: float


@dataclass(frozen=True, slots=True)
class _ProfileTable:
    """Distinct profiles of one scoring call, as arrays (row r's n-grams are
    bucket[start[r] : start[r] + length[r]])."""

    bucket: NDArray[np.int64]
    weight: NDArray[np.float64]
    start: NDArray[np.int64]
    length: NDArray[np.int64]
    total: NDArray[np.float64]
    latent: NDArray[np.float64] | None
    families: NDArray[np.float64]
    mass: NDArray[np.float64]


#: Many pages' profiles as arrays, as `TopicModel.page_table` returns it (opaque to callers).
PageTable = _ProfileTable


def _table(profiles: list[_Profile]) -> tuple[NDArray[np.int64], _ProfileTable]:
    """Each profile's row number, and the table of the distinct ones (by identity: the
    caches hand out one object per text)."""
    rows: dict[int, int] = {}
    distinct: list[_Profile] = []
    ids = np.empty(len(profiles), dtype=np.int64)
    for i, profile in enumerate(profiles):
        row = rows.get(id(profile))
        if row is None:
            row = rows[id(profile)] = len(distinct)
            distinct.append(profile)
        ids[i] = row
    return ids, _stack(distinct)


def _merged_unique(key: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """`np.unique(key, return_inverse=True)` for a key made of sorted runs (titles' keys, then
    bodies'): a stable sort merges the runs in linear time where quicksort starts over."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    first = np.empty(len(key), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(key), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _stack(profiles: list[_Profile]) -> _ProfileTable:
    """The profiles as one table, row i being profiles[i]."""
    length = np.array([len(p.bucket) for p in profiles], dtype=np.int64)
    latents = [p.latent for p in profiles if p.latent is not None]
    return _ProfileTable(
        bucket=np.concatenate([p.bucket for p in profiles]),
        weight=np.concatenate([p.weight for p in profiles]),
        start=np.cumsum(length) - length,
        length=length,
        total=np.array([p.total for p in profiles]),
        latent=np.stack(latents) if len(latents) == len(profiles) else None,
        families=np.stack([p.families for p in profiles]),
        mass=np.array([p.mass for p in profiles]),
    )


def concat_tables(tables: Sequence[PageTable]) -> PageTable:
    """Tables of profiles one after the other, as one table."""
    length = np.concatenate([t.length for t in tables])
    latents = [t.latent for t in tables]
    return _ProfileTable(
        bucket=np.concatenate([t.bucket for t in tables]),
        weight=np.concatenate([t.weight for t in tables]),
        start=np.cumsum(length) - length,
        length=length,
        total=np.concatenate([t.total for t in tables]),
        latent=None if any(z is None for z in latents) else np.concatenate(latents),  # type: ignore[arg-type]
        families=np.concatenate([t.families for t in tables]),
        mass=np.concatenate([t.mass for t in tables]),
    )


def table_arrays(table: PageTable) -> dict[str, NDArray[Any]]:
    """A page table as named arrays (`table_from_arrays` rebuilds it), to save with numpy."""
    arrays = {
        name: getattr(table, name)
        for name in ("bucket", "weight", "start", "length", "total", "families", "mass")
    }
    if table.latent is not None:
        arrays["latent"] = table.latent
    return arrays


def table_from_arrays(arrays: Mapping[str, NDArray[Any]]) -> PageTable:
    """The page table whose `table_arrays` these are."""
    return _ProfileTable(
        bucket=arrays["bucket"],
        weight=arrays["weight"],
        start=arrays["start"],
        length=arrays["length"],
        total=arrays["total"],
        latent=arrays.get("latent"),
        families=arrays["families"],
        mass=arrays["mass"],
    )


def _take(table: _ProfileTable, rows: NDArray[np.int64]) -> _ProfileTable:
    """The table of rows `rows` of `table`, in that order."""
    length = table.length[rows]
    start = np.cumsum(length) - length
    cell = np.repeat(table.start[rows] - start, length) + np.arange(int(length.sum()))
    return _ProfileTable(
        bucket=table.bucket[cell],
        weight=table.weight[cell],
        start=start,
        length=length,
        total=table.total[rows],
        latent=table.latent[rows] if table.latent is not None else None,
        families=table.families[rows],
        mass=table.mass[rows],
    )


class _TextProfiles:
    """Profiles of link texts cached by text as rows of one growing table: a batch's texts are
    looked up, the missing ones profiled at once and appended, and scoring reads the rows in
    place (no per-text objects to stack per batch). Bounded: past `limit` texts it starts
    over. A lock makes lookup, append and the view one step (tasks may share the model)."""

    def __init__(self, limit: int, buckets: int) -> None:
        self.limit = limit
        self.small_buckets = buckets <= 1 << 31
        self._lock = threading.Lock()
        #: Counts the resets: a row number read in one generation means nothing in the next.
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        self.generation += 1
        self.row: dict[str, int] = {}
        self._rows = 0
        self._terms = 0
        self._arrays: dict[str, NDArray[Any] | None] = {}

    def rows(
        self, texts: Sequence[str], profile: Callable[[list[str]], _ProfileTable]
    ) -> tuple[NDArray[np.int64], _ProfileTable, int]:
        """Each text's row, the table the rows are of, and the generation they belong to."""
        with self._lock:
            # One lookup per text, then one more for those just profiled: at 1M pages most
            # of a batch's anchors are distinct, and each pass over them costs 5 % of links.
            get = self.row.get
            ids = np.fromiter((get(t, -1) for t in texts), dtype=np.int64, count=len(texts))
            absent = np.flatnonzero(ids < 0)
            if len(absent):
                missing = list(dict.fromkeys(texts[i] for i in absent.tolist()))
                if len(self.row) + len(missing) > self.limit:
                    self._reset()
                    # The batch's texts that were cached went with the rest.
                    missing = list(dict.fromkeys(texts))
                    absent = np.arange(len(texts))
                self._append(missing, profile(missing))
                row = self.row
                ids[absent] = [row[texts[i]] for i in absent.tolist()]
            return ids, self._view(), self.generation

    def view(self, generation: int) -> _ProfileTable | None:
        """The table, when its rows are still those of `generation` (None: reset since)."""
        with self._lock:
            return self._view() if generation == self.generation else None

    def _append(self, texts: list[str], table: _ProfileTable) -> None:
        first, terms = self._rows, self._terms
        # Buckets are below `buckets` (2^20 by default): as int32 when that fits, half the
        # largest buffer (scoring adds them to int64 keys).
        bucket = table.bucket
        self._put("bucket", terms, bucket.astype(np.int32) if self.small_buckets else bucket)
        self._put("weight", terms, table.weight)
        for name in ("length", "total", "latent", "families", "mass"):
            self._put(name, first, getattr(table, name))
        self._put("start", first, table.start + terms)
        self.row.update(zip(texts, range(first, first + len(texts)), strict=True))
        self._rows += len(texts)
        self._terms += len(table.bucket)

    def _put(self, name: str, at: int, values: NDArray[Any] | None) -> None:
        """Write `values` at row `at` of buffer `name`, growing it by half when full (a
        million texts' profiles: doubling would leave up to half of it unused)."""
        if values is None:
            self._arrays[name] = None
            return
        buffer = self._arrays.get(name)
        end = at + len(values)
        if buffer is None or len(buffer) < end:
            grown = np.empty((max(end, at + at // 2, 1024), *values.shape[1:]), dtype=values.dtype)
            if buffer is not None:
                grown[:at] = buffer[:at]
            buffer = self._arrays[name] = grown
        buffer[at:end] = values

    def _view(self) -> _ProfileTable:
        rows, terms, arrays = self._rows, self._terms, self._arrays
        latent = arrays["latent"]
        return _ProfileTable(
            bucket=arrays["bucket"][:terms],  # type: ignore[index]
            weight=arrays["weight"][:terms],  # type: ignore[index]
            start=arrays["start"][:rows],  # type: ignore[index]
            length=arrays["length"][:rows],  # type: ignore[index]
            total=arrays["total"][:rows],  # type: ignore[index]
            latent=latent[:rows] if latent is not None else None,
            families=arrays["families"][:rows],  # type: ignore[index]
            mass=arrays["mass"][:rows],  # type: ignore[index]
        )


#: Cells (source pages × their distinct n-grams) past which a batch's source terms are
#: looked up by binary search instead of in a dense table (64 MB of weights).
_DENSE_CELLS = 1 << 23


class _SourceTerms:
    """The n-gram weights of a batch's source pages, for looking up many (page, n-gram)
    pairs. A farm batch has about 120 source pages sharing a few thousand n-grams: a dense
    (page, n-gram) table of weights answers each pair with two gathers, where a binary search
    of the sorted (page, n-gram) keys took a third of the links stage's scoring."""

    def __init__(self, source: Weights, pages: int, buckets: int) -> None:
        self.source = source
        self.buckets = buckets
        distinct = np.unique(source.bucket)
        self.dense: NDArray[np.float64] | None = None
        width = len(distinct) + 1  # the last column, all zeros: n-grams of no source page
        if len(distinct) and pages * width <= _DENSE_CELLS:
            self.width = width
            # int32 (width <= _DENSE_CELLS): half the cache lines of the table every n-gram
            # of a batch is looked up in.
            self.column: NDArray[np.int32] = np.full(buckets, width - 1, dtype=np.int32)
            self.column[distinct] = np.arange(len(distinct))
            self.dense = np.zeros(pages * width)
            self.dense[source.text * width + self.column[source.bucket]] = source.weight

    def matched(
        self,
        page: NDArray[np.int64],
        link: NDArray[np.int64],
        bucket: NDArray[np.integer[Any]],
        weight: NDArray[np.float64],
        n: int,
    ) -> NDArray[np.float64]:
        """Per link (of `n`), the sum over its n-grams (`link`, `bucket`, `weight`, and the
        link's page `page`: one entry each) of the n-gram's weight times its weight there."""
        source = self.source
        if not len(source.bucket) or not len(bucket):
            return np.zeros(n)
        if self.dense is not None:
            # A page without the n-gram has weight 0 there: adding 0.0 leaves each sum as the
            # binary search's, bit for bit, and no mask of hits is made.
            cell = page * self.width + self.column[bucket]
            return np.bincount(link, weights=weight * self.dense[cell], minlength=n).astype(
                np.float64
            )
        key = page * self.buckets + bucket
        source_key = source.text * self.buckets + source.bucket  # sorted: text, then bucket
        pos = np.minimum(np.searchsorted(source_key, key), len(source_key) - 1)
        hit = source_key[pos] == key
        return np.bincount(
            link[hit], weights=weight[hit] * source.weight[pos[hit]], minlength=n
        ).astype(np.float64)


class TopicModel:
    """Document frequencies and a latent space of one dataset; scores links against pages."""

    def __init__(
        self,
        config: OfftopicConfig,
        idf: NDArray[np.float64],
        latent_buckets: NDArray[np.int64],
        latent_vectors: NDArray[np.float32],
        documents: int,
        family_buckets: NDArray[np.int64] | None = None,
        family_shares: NDArray[np.float32] | None = None,
    ) -> None:
        """Use `fit`; this takes the fitted arrays as they are."""
        self.config = config
        self.idf = idf
        self.latent_buckets = latent_buckets
        self.latent_vectors = latent_vectors
        self.documents = documents
        self._tok = Tokenizer(config)
        self._families = Families(config.family_lexicon)
        n_families = len(self._families)
        self.family_buckets = (
            family_buckets if family_buckets is not None else np.zeros(0, dtype=np.int64)
        )
        self.family_shares = (
            family_shares
            if family_shares is not None
            else np.zeros((0, n_families), dtype=np.float32)
        )
        self._latent_projection = Projection(latent_buckets, latent_vectors, config.buckets)
        self._family_projection = Projection(
            self.family_buckets, self.family_shares, config.buckets
        )
        # A page carries links and sits in many pages' related blocks, an anchor text is on
        # many pages: each profile is built once. Pages are keyed by hash, so the cache does
        # not hold their bodies.
        self._pages: dict[int, _Profile] = {}
        self._anchors = _TextProfiles(_ANCHOR_CACHE, config.buckets)

    @classmethod
    def fit(
        cls, documents: Iterable[str], config: OfftopicConfig | None = None, *, batch: int = 2000
    ) -> TopicModel:
        """Fit on "title\\nbody" documents; only the title line is read (IDF and the LSA)."""
        config = config or OfftopicConfig()
        tok = Tokenizer(config)
        families = Families(config.family_lexicon)
        df = np.zeros(config.buckets, dtype=np.int64)
        sample = TitleSample(config.latent_max_docs)
        n_docs = 0
        for chunk in chunks(documents, batch):
            # Titles only: farm bodies repeat boilerplate (贷款、分期等金融业务) that would
            # sink the IDF of the very words that tell topics apart.
            titles = [doc.split("\n", 1)[0] for doc in chunk]
            _, bucket, _ = counts(tok.grams(titles), config.buckets)
            df += np.bincount(bucket, minlength=config.buckets)
            if config.latent_dims or config.family_weight:
                sample.add(titles)
            n_docs += len(chunk)
        idf = np.log((n_docs + 1) / (df + 1)) + 1.0
        sampled = sample.titles()
        latent_buckets, latent_vectors = fit_latent(tok, sampled, idf, config)
        family_buckets, family_shares = fit_families(tok, families, sampled, config)
        return cls(
            config, idf, latent_buckets, latent_vectors, n_docs, family_buckets, family_shares
        )

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The fitted arrays (`from_arrays` with the same config rebuilds the model)."""
        return {
            "idf": self.idf,
            "latent_buckets": self.latent_buckets,
            "latent_vectors": self.latent_vectors,
            "documents": np.array([self.documents], dtype=np.int64),
            "family_buckets": self.family_buckets,
            "family_shares": self.family_shares,
        }

    @classmethod
    def from_arrays(cls, config: OfftopicConfig, arrays: Mapping[str, NDArray[Any]]) -> TopicModel:
        """The model whose `arrays()` these are, fitted with `config`."""
        return cls(
            config,
            arrays["idf"],
            arrays["latent_buckets"],
            arrays["latent_vectors"],
            int(arrays["documents"][0]),
            arrays["family_buckets"],
            arrays["family_shares"],
        )

    def relatedness(
        self,
        source_title: str,
        source_body: str,
        anchor_text: str,
        target_title: str | None = None,
        target_body: str | None = None,
    ) -> float:
        """Relatedness in [0, 1] of one link (anchor, and target when crawled) to its page."""
        scores = self.score_links(
            source_title, source_body, [anchor_text], [target_title], [target_body]
        )
        return float(scores[0])

    def score_links(
        self,
        source_title: str,
        source_body: str,
        anchors: Sequence[str],
        target_titles: Sequence[str | None] | None = None,
        target_bodies: Sequence[str | None] | None = None,
    ) -> NDArray[np.float64]:
        """Relatedness in [0, 1] of each link of one page; the page's profile is built once."""
        n = len(anchors)
        titles = list(target_titles) if target_titles is not None else [None] * n
        bodies = list(target_bodies) if target_bodies is not None else [None] * n
        if len(titles) != n or len(bodies) != n:
            raise ValueError(
                f"score_links: {n} anchors but {len(titles)} target titles and "
                f"{len(bodies)} target bodies; expected one of each per anchor"
            )
        targets = [
            None if t is None and b is None else (t or "", b or "")
            for t, b in zip(titles, bodies, strict=True)
        ]
        return self.score_batch([(source_title, source_body)], [0] * n, anchors, targets)

    def score_batch(
        self,
        sources: Sequence[tuple[str, str]],
        link_source: Sequence[int],
        anchors: Sequence[str],
        targets: Sequence[tuple[str, str] | None],
    ) -> NDArray[np.float64]:
        """Relatedness in [0, 1] of many links of many pages at once.

        `sources` are the pages' (title, body); link i sits on page `link_source[i]`, reads
        `anchors[i]` and leads to `targets[i]` ((title, body) when crawled, else None).
        Anchors and target pages recur across a farm's pages (the same related block on
        thousands of them): their profiles are built once and cached, and the scoring runs
        as array operations over every (link, n-gram) of the batch.
        """
        n = len(anchors)
        if len(link_source) != n or len(targets) != n:
            raise ValueError(
                f"score_batch: {n} anchors, {len(link_source)} link sources and "
                f"{len(targets)} targets; expected one of each per link"
            )
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        # A page's profile is the same whether it carries the link or is its target.
        page_ids, pages = _table(self._page_profiles(list(sources)))
        on = page_ids[np.asarray(link_source, dtype=np.int64)]
        crawled = np.array([i for i in range(n) if targets[i] is not None], dtype=np.int64)
        crawled_pages = [t for t in targets if t is not None]  # in the order of `crawled`
        if crawled_pages and self.config.target_weight > 0:
            target_ids, target_table = _table(self._page_profiles(crawled_pages))
        else:
            target_ids, target_table = np.zeros(0, dtype=np.int64), pages
        return self._score_links(pages, on, anchors, crawled, target_table, target_ids)

    def page_table(self, pages: Sequence[tuple[str, str]]) -> PageTable:
        """The profiles of (title, body) pages as one table (row i: pages[i]), uncached: a
        caller scoring many batches keeps this table of every page instead of their texts."""
        profiles: list[_Profile] = []
        for start in range(0, len(pages), _PAGE_SLICE):
            part = pages[start : start + _PAGE_SLICE]
            titles = [t for t, _ in part]
            rows = self._salience(titles, [b for _, b in part])
            families = self._page_families(titles, rows)
            profiles += self._profiles(rows, families, len(part), self.config.page_terms)
        return _stack(profiles)

    def score_pages(
        self,
        pages: PageTable,
        sources: NDArray[np.int64],
        link_source: NDArray[np.int64],
        anchors: Sequence[str],
        targets: NDArray[np.int64],
        link_anchor: NDArray[np.int64] | None = None,
        anchor_rows: tuple[NDArray[np.int64], int] | None = None,
    ) -> NDArray[np.float64]:
        """`score_batch` over rows of a page table: the link's page is row
        `sources[link_source[i]]`, its target row `targets[i]` (-1: not crawled). The same
        scores, without building per-batch tables of profile objects.

        With `link_anchor`, `anchors` are distinct texts and link i reads
        `anchors[link_anchor[i]]` (a farm repeats each anchor on many pages of a batch).
        `anchor_rows` is what `anchor_rows(anchors)` gave, when the caller has it already."""
        n = len(anchors) if link_anchor is None else len(link_anchor)
        if len(link_source) != n or len(targets) != n:
            raise ValueError(
                f"score_pages: {n} anchors, {len(link_source)} link sources and "
                f"{len(targets)} targets; expected one of each per link"
            )
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        crawled = np.flatnonzero(targets >= 0)
        return self._score_links(
            _take(pages, sources),
            link_source,
            anchors,
            crawled,
            pages,
            targets[crawled],
            link_anchor,
            anchor_rows,
        )

    def anchor_rows(self, anchors: Sequence[str]) -> tuple[NDArray[np.int64], int]:
        """Each link text's row in this model's cache of link-text profiles (profiled now
        when missing), and the cache's generation: a text keeps its row, and no other text
        takes it, until the generation changes. A caller may key its own caches by them."""
        ids, _, generation = self._anchors.rows(anchors, self._text_profiles)
        return ids, generation

    def _score_links(
        self,
        pages: _ProfileTable,
        on: NDArray[np.int64],
        anchors: Sequence[str],
        crawled: NDArray[np.int64],
        target_table: _ProfileTable,
        target_ids: NDArray[np.int64],
        link_anchor: NDArray[np.int64] | None = None,
        anchor_rows: tuple[NDArray[np.int64], int] | None = None,
    ) -> NDArray[np.float64]:
        """Link i on page row on[i] of `pages`, reading anchors[i] (anchors[link_anchor[i]]
        when given); the links `crawled` lead to the rows `target_ids` of `target_table`."""
        cfg = self.config
        top = pages.families.max(axis=1, keepdims=True, initial=0.0)
        # Weak evidence stays weak: scaling the strongest family up to 1 would let a news page
        # with a trace of a family agree fully with every link of that family.
        source_f = pages.families / np.maximum(top, FAMILY_FLOOR)
        source = Weights(
            np.repeat(np.arange(len(pages.length)), pages.length), pages.bucket, pages.weight
        )
        source_z = pages.latent
        # The caller's rows, unless the cache started over since it read them.
        anchor_table = self._anchors.view(anchor_rows[1]) if anchor_rows else None
        if anchor_rows is not None and anchor_table is not None:
            anchor_ids = anchor_rows[0]
        else:
            anchor_ids, anchor_table, _ = self._anchors.rows(anchors, self._text_profiles)
        if link_anchor is not None:
            anchor_ids = anchor_ids[link_anchor]
        lookup = _SourceTerms(source, len(pages.length), cfg.buckets)
        scores = self._score(lookup, source_z, source_f, on, anchor_table, anchor_ids)
        if len(crawled) and cfg.target_weight > 0:
            target_scores = self._score(
                lookup, source_z, source_f, on[crawled], target_table, target_ids
            )
            mixed = (1 - cfg.target_weight) * scores[crawled]
            scores[crawled] = mixed + cfg.target_weight * target_scores
        return scores

    # -- profiles --------------------------------------------------------------------------

    def _text_profiles(self, texts: list[str]) -> _ProfileTable:
        """Profiles of link texts as a table: distinct n-grams weighted by IDF."""
        n = len(texts)
        text, bucket, _ = counts(self._tok.grams(texts), self.config.buckets)
        rows = Weights(text, bucket, self.idf[bucket])
        families = self._link_families(self._families.hits(texts), rows, n)
        length = np.bincount(rows.text, minlength=n)
        return _ProfileTable(
            bucket=rows.bucket,
            weight=rows.weight,
            start=np.cumsum(length) - length,
            length=length,
            total=np.bincount(rows.text, weights=rows.weight, minlength=n).astype(np.float64),
            latent=self._latent(rows, n),
            families=families,
            mass=families.sum(axis=1),
        )

    def _page_profiles(self, pages: list[tuple[str, str]]) -> list[_Profile]:
        """Profiles of (title, body) pages: salience, latent and family evidence from every
        n-gram, the lexical part cut to the `page_terms` most salient; cached."""
        keys = [hash(page) for page in pages]
        cache = self._pages
        todo = {k: page for k, page in zip(keys, pages, strict=True) if k not in cache}
        if todo:
            if len(cache) + len(todo) > _PAGE_CACHE:
                cache.clear()
                # The call's pages that were cached went with the rest.
                todo = dict(zip(keys, pages, strict=True))
            missing = list(todo.items())
            # In slices: n-gram arrays of whole bodies take ~100 bytes per character.
            for start in range(0, len(missing), _PAGE_SLICE):
                part = missing[start : start + _PAGE_SLICE]
                fresh_titles = [t for _, (t, _) in part]
                rows = self._salience(fresh_titles, [b for _, (_, b) in part])
                families = self._page_families(fresh_titles, rows)
                profiles = self._profiles(rows, families, len(part), self.config.page_terms)
                cache.update(zip((k for k, _ in part), profiles, strict=True))
        return [cache[key] for key in keys]

    def _profiles(
        self, rows: Weights, families: NDArray[np.float64], n: int, keep: int = 0
    ) -> list[_Profile]:
        """Split the rows of `n` texts into one profile each; `keep` > 0 keeps that many of
        each text's heaviest n-grams for the lexical part (its total still counts them all)."""
        latent = self._latent(rows, n)
        totals = np.bincount(rows.text, weights=rows.weight, minlength=n)
        masses = families.sum(axis=1)
        bounds = np.searchsorted(rows.text, np.arange(n + 1))
        out = []
        for i in range(n):
            part = slice(bounds[i], bounds[i + 1])
            bucket, weight = rows.bucket[part], rows.weight[part]
            if keep and len(bucket) > keep:
                top = np.sort(np.argpartition(weight, -keep)[-keep:])  # stays sorted by bucket
                bucket, weight = bucket[top], weight[top]
            out.append(
                _Profile(
                    bucket,
                    weight,
                    float(totals[i]),
                    latent[i] if latent is not None else None,
                    families[i],
                    float(masses[i]),
                )
            )
        return out

    def _salience(self, titles: list[str], bodies: list[str]) -> Weights:
        """Salience: idf × (title_weight·(1+ln tf_title) + (1+ln tf_body)), max → 1, ^power."""
        cfg = self.config
        t_text, t_bucket, t_count = counts(self._tok.grams(titles), cfg.buckets)
        b_text, b_bucket, b_count = counts(self._tok.grams(bodies), cfg.buckets)
        tf = np.concatenate(
            [
                cfg.title_weight * (1 + np.log(t_count.astype(np.float64))),
                1 + np.log(b_count.astype(np.float64)),
            ]
        )
        key = np.concatenate([t_text, b_text]) * cfg.buckets + np.concatenate([t_bucket, b_bucket])
        uniq, inverse = _merged_unique(key)
        text, bucket = uniq // cfg.buckets, uniq % cfg.buckets
        weight = np.bincount(inverse, weights=tf) * self.idf[bucket]
        top = np.zeros(len(titles))
        np.maximum.at(top, text, weight)
        return Weights(text, bucket, (weight / top[text]) ** cfg.salience_power)

    def _expanded(self, rows: Weights, n: int) -> NDArray[np.float64]:
        """Each text's family shares learned from the corpus, averaged over its n-grams."""
        out = project(rows, n, self._family_projection)
        total = np.bincount(rows.text, weights=rows.weight, minlength=n)
        result: NDArray[np.float64] = np.divide(
            out, total[:, None], out=np.zeros_like(out), where=total[:, None] > 0
        )
        return result

    def _link_families(
        self, hits: NDArray[np.float64], rows: Weights, n: int
    ) -> NDArray[np.float64]:
        """Family evidence of link texts: lexicon terms plus corpus-learned shares."""
        if not self.config.family_weight:
            return np.zeros((n, len(self._families)))
        expanded = self._expanded(rows, n)
        evidence: NDArray[np.float64] = np.minimum(hits, 1.0) + self.config.family_expand * expanded
        return evidence

    def _page_families(self, titles: list[str], rows: Weights) -> NDArray[np.float64]:
        """Family evidence of pages: title terms (max → 1) plus the corpus-learned shares."""
        n = len(titles)
        if not self.config.family_weight:
            return np.zeros((n, len(self._families)))
        cfg = self.config
        # Titles only: a farm body's filler (贷款、分期等金融业务) names every family; what
        # the body is about still counts through the corpus-learned shares of its n-grams.
        direct = self._families.hits(titles)
        top = direct.max(axis=1, keepdims=True, initial=0.0)
        direct = np.divide(direct, top, out=np.zeros_like(direct), where=top > 0)
        evidence: NDArray[np.float64] = direct + cfg.family_expand * self._expanded(rows, n)
        return evidence

    def _latent(self, rows: Weights, n: int) -> NDArray[np.float64] | None:
        """Each text projected on the latent space, unit length (zero rows stay zero)."""
        if not len(self.latent_buckets) or not self.config.latent_weight:
            return None
        z = project(rows, n, self._latent_projection)
        norm = np.linalg.norm(z, axis=1, keepdims=True)
        unit: NDArray[np.float64] = np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)
        return unit

    # -- scoring ---------------------------------------------------------------------------

    def _score(
        self,
        source: _SourceTerms,
        source_z: NDArray[np.float64] | None,
        source_f: NDArray[np.float64],
        on: NDArray[np.int64],
        table: _ProfileTable,
        ids: NDArray[np.int64],
    ) -> NDArray[np.float64]:
        """Score link i's profile `ids[i]` against source page `on[i]`: lexical coverage and
        latent cosine, mixed with the family agreement."""
        cfg = self.config
        n = len(ids)
        # Every (link, n-gram) pair, as a ragged gather from the table's concatenated rows.
        lengths = table.length[ids]
        link = np.repeat(np.arange(n), lengths)
        first = np.cumsum(lengths) - lengths
        # Repeated per link rather than gathered per pair: the same indexes, fewer passes.
        term = np.repeat(table.start[ids] - first, lengths) + np.arange(len(link))
        page = np.repeat(on, lengths)
        matched = source.matched(page, link, table.bucket[term], table.weight[term], n)
        total = table.total[ids]
        base: NDArray[np.float64] = np.divide(matched, total, out=np.zeros(n), where=total > 0)
        if source_z is not None and table.latent is not None:
            latent = np.maximum(np.einsum("ij,ij->i", table.latent[ids], source_z[on]), 0.0)
            base = (base + cfg.latent_weight * latent) / (1 + cfg.latent_weight)
        if not cfg.family_weight:
            return base
        agree = np.einsum("ij,ij->i", table.families[ids], source_f[on]) / np.maximum(
            table.mass[ids], 1.0
        )
        mixed: NDArray[np.float64] = (1 - cfg.family_weight) * base + cfg.family_weight * agree
        return mixed
