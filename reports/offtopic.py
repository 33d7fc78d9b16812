"""How related a link is to the page that carries it, for short Chinese text.

Method (`TopicModel`, fitted once per dataset on its pages' "title\\nbody" documents):

1. Text is normalised (`reports.textnorm.normalize_text`: NFKC, casefold, trad→simp), then
   *aspect words* are cut out (`DEFAULT_STOPWORDS`: what a farm title asks about a service,
   such as 如何, 指南, 全攻略, 客服电话, 还款, 逾期, 额度, rather than which service it is), so
   "58借款提前还款指南" and "小米商城分期还款操作调整说明" stop matching on 还款 alone.
2. Units are CJK characters and whole ASCII words (so "iphone" never matches "php" on "ph");
   features are unit 1- and 2-grams inside runs of text, hashed into `buckets` slots (memory
   is bounded whatever the corpus size). IDF comes from the dataset's own titles, so the
   farm's boilerplate weighs little and its rare names weigh much; bodies are left out of the
   IDF because farm bodies repeat filler (贷款、分期等金融业务) that would sink exactly the
   words that tell topics apart.
3. The source page is a *salience* profile: idf × (title_weight × sublinear title tf +
   sublinear body tf), divided by its maximum and raised to `salience_power`, so the terms of
   the title and those the body repeats count most; the `page_terms` (64) heaviest n-grams
   are kept, the rest weigh little. The link's score is the share of its
   IDF mass found in that profile (an asymmetric coverage: how much of the link the page
   explains), in [0, 1]; a link matching only a side word of the page scores low.
4. A latent part catches links that share no characters with the page but belong to its
   topic in this dataset (借款 vs 贷款, a lender's brand vs 网贷): a truncated SVD (LSA) of the
   TF-IDF matrix of the dataset's titles (the first line of each document; a bounded hash
   sample of distinct titles on big crawls), randomised, over sparse rows. Its cosine,
   clipped at 0, is mixed in with `latent_weight`.
5. Topic families (`topics/families.toml`, data: generic words naming a broad subject, such
   as 贷款/借钱/备用金 for cash loans or 租机/买断 for phone rental) bridge texts that share
   a subject but no characters. A text's family evidence is its lexicon hits plus, weighted
   by `family_expand`, the idf-weighted mean over its n-grams of *family shares learned from
   the crawl*: at fit time every n-gram of the sampled titles gets the share of the titles
   holding it that name each family, so a brand the lexicon never lists (a loan app beside
   借款, 下款 and 催收) takes its family from the titles it appears in. The source page's
   profile comes from its title terms and its salience-weighted n-grams (not the body's
   lexicon hits: farm filler such as 贷款、分期等金融业务 names every family), its strongest
   family at 1; a link's family agreement is the share of its evidence in the page's
   families (evidence under 1 counts as 1, so weak hints score low). It is mixed in with
   `family_weight`, which also puts scores of different pages on one scale.
6. When the target was crawled, its title and body are scored the same way and averaged with
   the anchor's score using `target_weight`.

Related links score 0.19–0.33 (10th–90th percentile on the dev pairs), off-topic ones mostly
under 0.07 (90th percentile); the default threshold 0.1 sits between.
`is_offtopic` compares a score with `OfftopicConfig.threshold`; `block_verdict` turns a
related-links block into the page-level finding (mostly off-topic, mostly risky).

Measured by `bench/eval_offtopic.py` on `tests/fixtures/offtopic/pairs.csv`: ROC AUC 0.974
(seed pairs) and 0.988 (all pairs) on the dev split the defaults were tuned on, against 0.820
and 0.828 for a character-bigram TF-IDF cosine; on the held-out test split 0.995 and
0.988, against 0.930 and 0.815. Without the families (`family_weight=0`) the figures were
0.955 and 0.946 on dev, 0.981 and 0.908 on test.
"""

from __future__ import annotations

import re
import tomllib
import zlib
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipelines.store.errors import FarmauditError
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from numpy.typing import NDArray

#: Aspect words: what farm titles ask about any service (how-to words, customer service,
#: fees, repayment, credit checks, safety), not which service. Cut out before n-grams.
DEFAULT_STOPWORDS: tuple[str, ...] = (
    # How-to and listicle boilerplate.
    "如何", "怎么", "是否", "全攻略", "攻略", "指南", "教程", "解析", "详解", "全面", "说明",
    "介绍", "分析", "探讨", "探究", "揭秘", "推荐", "选择", "使用", "方法", "策略", "步骤",
    "流程", "操作", "注意事项", "问题", "原因", "影响", "后果", "查询", "功能",
    # Contacting and installing.
    "客服", "电话", "热线", "人工", "联系方式", "官网", "官方", "下载", "安装", "app",
    # Account and application steps.
    "申请", "审核", "开通", "关闭", "注销", "平台", "服务", "商城", "公司", "所属",
    # Money matters common to every finance service.
    "还款", "提前", "逾期", "协商", "额度", "到账", "扣款", "费用", "手续费", "利息", "利率",
    "征信", "信用", "时间",
    # Trust words.
    "安全", "可靠", "正规",
    # Function words.
    "的", "与", "和", "及",
)  # fmt: skip

# Units are CJK (and other non-ASCII word) characters one by one and ASCII words whole; an
# ASCII word becomes one private-use character so all n-gram work runs on code points.
_ASCII_WORD = re.compile(r"[0-9a-z]+")
_NON_WORD = re.compile(r"[\W_]+")
_PRIVATE_BASE = 0xF0000
_PRIVATE_SPAN = 0xFFFD
_GAP = "\x00"  # between runs of one text
_END = "\x01"  # between texts
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)
_RNG_SEED = 20240531
_PAGE_CACHE = 200_000  # page profiles kept between calls (each ~1.5 KB)
_ANCHOR_CACHE = 500_000  # link-text profiles kept between calls (each ~0.5 KB)
_PAGE_SLICE = 500  # pages whose bodies are tokenised at once
BUNDLED_FAMILIES = Path(__file__).with_name("topics") / "families.toml"


class OfftopicConfigError(FarmauditError):
    """An off-topic option out of range; the message names the option and the value."""


@dataclass(frozen=True)
class OfftopicConfig:
    """Options of the relatedness model and of the off-topic findings, with tuned defaults."""

    #: A link whose relatedness is below this is off-topic (tuned on the dev split).
    threshold: float = 0.1
    #: A related block is mostly off-topic (or mostly risky) when that share of its links is.
    page_share: float = 0.5
    #: Longest n-gram of units (1 = characters only).
    ngram_max: int = 2
    #: Weight of the source's title against its body in the salience profile.
    title_weight: float = 10.0
    #: Exponent on the max-normalised salience: higher keeps only the page's main terms.
    salience_power: float = 2.0
    #: LSA dimensions; 0 turns the latent part off.
    latent_dims: int = 10
    #: Weight of the latent cosine against the lexical coverage.
    latent_weight: float = 0.05
    #: Distinct titles used to fit the latent space (a deterministic hash sample beyond).
    latent_max_docs: int = 200_000
    #: Weight of the target page's score when the target was crawled.
    target_weight: float = 0.5
    #: A page's most salient n-grams kept for the lexical part (its title's and the body's
    #: most repeated; the rest weigh little and would cost a lookup per link).
    page_terms: int = 64
    #: Hash slots for n-grams (a power of two); the IDF table holds this many floats.
    buckets: int = 1 << 20
    #: Aspect words cut out of every text before n-grams.
    stopwords: tuple[str, ...] = DEFAULT_STOPWORDS
    #: Topic-family lexicon (TOML); None is the bundled `topics/families.toml`.
    family_lexicon: Path | None = None
    #: Weight of the family agreement against the lexical coverage; 0 turns it off.
    family_weight: float = 0.3
    #: Weight of the corpus-learned family associations against the lexicon's own terms.
    family_expand: float = 2.0
    #: Pseudo-count added to a term's title count when estimating its family shares.
    family_prior: float = 1.0

    def __post_init__(self) -> None:
        """Refuse values out of range, naming the option."""
        unit = {
            "threshold": self.threshold,
            "page_share": self.page_share,
            "latent_weight": self.latent_weight,
            "target_weight": self.target_weight,
            "family_weight": self.family_weight,
        }
        for name, value in unit.items():
            if not 0.0 <= value <= 1.0:
                raise OfftopicConfigError(f"offtopic {name}={value!r}: expected 0..1")
        if not 1 <= self.ngram_max <= 4:
            raise OfftopicConfigError(f"offtopic ngram_max={self.ngram_max!r}: expected 1..4")
        positive = {"title_weight": self.title_weight, "salience_power": self.salience_power}
        for name, value in positive.items():
            if not value > 0:
                raise OfftopicConfigError(f"offtopic {name}={value!r}: expected > 0")
        if self.latent_dims < 0 or self.latent_max_docs < 1:
            raise OfftopicConfigError(
                f"offtopic latent_dims={self.latent_dims!r}, latent_max_docs="
                f"{self.latent_max_docs!r}: expected >= 0 and >= 1"
            )
        if self.page_terms < 0:
            raise OfftopicConfigError(
                f"offtopic page_terms={self.page_terms!r}: expected >= 0 (0 keeps all)"
            )
        if self.buckets < 2 or self.buckets & (self.buckets - 1):
            raise OfftopicConfigError(f"offtopic buckets={self.buckets!r}: expected a power of 2")


@dataclass(frozen=True, slots=True)
class _Grams:
    """N-gram occurrences of a batch of texts: which text, which bucket."""

    text: NDArray[np.int64]
    bucket: NDArray[np.int64]


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
    length = np.array([len(p.bucket) for p in distinct], dtype=np.int64)
    latents = [p.latent for p in distinct if p.latent is not None]
    table = _ProfileTable(
        bucket=np.concatenate([p.bucket for p in distinct]),
        weight=np.concatenate([p.weight for p in distinct]),
        start=np.cumsum(length) - length,
        length=length,
        total=np.array([p.total for p in distinct]),
        latent=np.stack(latents) if len(latents) == len(distinct) else None,
        families=np.stack([p.families for p in distinct]),
        mass=np.array([p.mass for p in distinct]),
    )
    return ids, table


def _project(
    rows: _Weights, n: int, keys: NDArray[np.int64], vectors: NDArray[np.float32]
) -> NDArray[np.float64]:
    """(n, width): per text, the weighted sum of the vectors of its n-grams found in `keys`
    (sorted buckets, one row of `vectors` each); one scatter-add over (text, column) cells."""
    width = vectors.shape[1]
    if not len(keys) or not len(rows.bucket):
        return np.zeros((n, width))
    pos = np.minimum(np.searchsorted(keys, rows.bucket), len(keys) - 1)
    hit = keys[pos] == rows.bucket
    picked = vectors[pos[hit]].astype(np.float64)
    weight, text = rows.weight[hit], rows.text[hit]
    cell = (text[:, None] * width + np.arange(width)).ravel()
    summed = np.bincount(cell, weights=(weight[:, None] * picked).ravel(), minlength=n * width)
    return summed.reshape(n, width).astype(np.float64)  # bincount of nothing gives int64


@dataclass(frozen=True, slots=True)
class _Weights:
    """Sparse weights of many texts, sorted by text then bucket."""

    text: NDArray[np.int64]
    bucket: NDArray[np.int64]
    weight: NDArray[np.float64]


def _word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """A regex matching any of `words` (normalised), longest first; ASCII words only whole."""
    ordered = sorted(words, key=len, reverse=True)
    cjk = "|".join(re.escape(w) for w in ordered if not w.isascii())
    ascii_ = "|".join(re.escape(w) for w in ordered if w.isascii())
    parts = [cjk] if cjk else []
    if ascii_:
        parts.append(rf"(?<![0-9a-z])(?:{ascii_})(?![0-9a-z])")
    # The lookahead on first characters skips most positions without trying the words.
    first = "".join(sorted({re.escape(w[0]) for w in ordered}))
    return re.compile(f"(?=[{first}])(?:{'|'.join(parts)})") if parts else None


class _Tokenizer:
    """Normalised text → hashed unit n-grams, many texts at a time."""

    def __init__(self, config: OfftopicConfig) -> None:
        self._stop = _word_pattern({normalize_text(w) for w in config.stopwords if w.strip()})
        self._ngram_max = config.ngram_max
        self._shift = np.uint64(64 - config.buckets.bit_length() + 1)
        self._words: dict[str, str] = {}

    def _units(self, text: str) -> str:
        """Normalised text with stopwords and punctuation turned into gaps, ASCII words folded."""
        text = normalize_text(text)
        if self._stop is not None:
            text = self._stop.sub(_GAP, text)
        # Punctuation first: the private-use characters standing for words are not \w.
        text = _NON_WORD.sub(_GAP, text)
        return _ASCII_WORD.sub(self._word, text)

    def _word(self, match: re.Match[str]) -> str:
        word = match.group()
        char = self._words.get(word)
        if char is None:
            char = chr(_PRIVATE_BASE + zlib.crc32(word.encode("ascii")) % _PRIVATE_SPAN)
            self._words[word] = char
        return char

    def grams(self, texts: Sequence[str]) -> _Grams:
        """Every n-gram occurrence of `texts` (1..ngram_max units, never across a gap)."""
        joined = _END.join(self._units(t) for t in texts) + _END
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        is_unit = codes > 1
        text_of = np.cumsum(codes == 1) - (codes == 1)
        out_text: list[NDArray[np.int64]] = []
        out_bucket: list[NDArray[np.int64]] = []
        size = len(codes)
        mixed = np.zeros(size, dtype=np.uint64)
        valid = np.ones(size, dtype=bool)
        for n in range(1, self._ngram_max + 1):
            if size < n:
                break
            last = size - n + 1
            # h_n = (h_{n-1} xor code) * K_n, wrapping in uint64: cheap and well spread.
            mixed = (mixed[:last] ^ codes[n - 1 :]) * _MIX[n - 1]
            valid = valid[:last] & is_unit[n - 1 :]
            keep = np.flatnonzero(valid)
            out_text.append(text_of[keep].astype(np.int64))
            out_bucket.append((mixed[keep] >> self._shift).astype(np.int64))
        if not out_text:
            empty = np.zeros(0, dtype=np.int64)
            return _Grams(empty, empty)
        return _Grams(np.concatenate(out_text), np.concatenate(out_bucket))


class _Families:
    """Topic-family lexicon: texts → how strongly each family's own terms name it."""

    def __init__(self, path: Path | None) -> None:
        path = path or BUNDLED_FAMILIES
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise OfftopicConfigError(f"offtopic family_lexicon {path}: {err}") from err
        table = data.get("families", {})
        if not isinstance(table, dict):
            raise OfftopicConfigError(f"offtopic family_lexicon {path}: [families] is not a table")
        self.names: tuple[str, ...] = tuple(table)
        terms: dict[str, NDArray[np.float64]] = {}
        for index, (name, entries) in enumerate(table.items()):
            if not isinstance(entries, dict):
                raise OfftopicConfigError(
                    f"offtopic family_lexicon {path}: [families.{name}] is not a table"
                )
            for term, weight in entries.items():
                word = normalize_text(str(term)).strip()
                if not word or not isinstance(weight, int | float) or not 0 < weight <= 1:
                    raise OfftopicConfigError(
                        f"offtopic family_lexicon {path}: {name}.{term} = {weight!r}: "
                        "expected a word and a weight in (0, 1]"
                    )
                vector = terms.setdefault(word, np.zeros(len(self.names)))
                vector[index] = max(vector[index], float(weight))
        self._index = {word: i for i, word in enumerate(terms)}
        self._vectors = np.stack(list(terms.values())) if terms else np.zeros((0, len(self.names)))
        self._pattern = _word_pattern(terms)

    def __len__(self) -> int:
        return len(self.names)

    def hits(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """(texts × families): summed weights of the family terms found in each text."""
        out = np.zeros((len(texts), len(self.names)))
        if self._pattern is None:
            return out
        rows: list[int] = []
        terms: list[int] = []
        index = self._index
        for i, text in enumerate(texts):
            found = [index[word] for word in self._pattern.findall(normalize_text(text))]
            rows.extend([i] * len(found))
            terms.extend(found)
        if terms:
            np.add.at(out, np.array(rows), self._vectors[np.array(terms)])
        return out


def _counts(
    grams: _Grams, buckets: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (text, bucket) pairs of `grams` with their counts, sorted by text then bucket."""
    key = grams.text * buckets + grams.bucket
    uniq, counts = np.unique(key, return_counts=True)
    return uniq // buckets, uniq % buckets, counts.astype(np.int64)


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
        self._tok = _Tokenizer(config)
        self._families = _Families(config.family_lexicon)
        n_families = len(self._families)
        self.family_buckets = (
            family_buckets if family_buckets is not None else np.zeros(0, dtype=np.int64)
        )
        self.family_shares = (
            family_shares
            if family_shares is not None
            else np.zeros((0, n_families), dtype=np.float32)
        )
        # A page carries links and sits in many pages' related blocks, an anchor text is on
        # many pages: each profile is built once. Pages are keyed by hash, so the cache does
        # not hold their bodies.
        self._pages: dict[int, _Profile] = {}
        self._anchors: dict[str, _Profile] = {}

    @classmethod
    def fit(
        cls, documents: Iterable[str], config: OfftopicConfig | None = None, *, batch: int = 2000
    ) -> TopicModel:
        """Fit on "title\\nbody" documents; only the title line is read (IDF and the LSA)."""
        config = config or OfftopicConfig()
        tok = _Tokenizer(config)
        families = _Families(config.family_lexicon)
        df = np.zeros(config.buckets, dtype=np.int64)
        sample = _TitleSample(config.latent_max_docs)
        n_docs = 0
        for chunk in _chunks(documents, batch):
            # Titles only: farm bodies repeat boilerplate (贷款、分期等金融业务) that would
            # sink the IDF of the very words that tell topics apart.
            titles = [doc.split("\n", 1)[0] for doc in chunk]
            _, bucket, _ = _counts(tok.grams(titles), config.buckets)
            df += np.bincount(bucket, minlength=config.buckets)
            if config.latent_dims or config.family_weight:
                sample.add(titles)
            n_docs += len(chunk)
        idf = np.log((n_docs + 1) / (df + 1)) + 1.0
        sampled = sample.titles()
        latent_buckets, latent_vectors = _fit_latent(tok, sampled, idf, config)
        family_buckets, family_shares = _fit_families(tok, families, sampled, config)
        return cls(
            config, idf, latent_buckets, latent_vectors, n_docs, family_buckets, family_shares
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
        cfg = self.config
        # A page's profile is the same whether it carries the link or is its target.
        page_ids, pages = _table(self._page_profiles(list(sources)))
        on = page_ids[np.asarray(link_source, dtype=np.int64)]
        top = pages.families.max(axis=1, keepdims=True, initial=0.0)
        source_f = np.divide(pages.families, top, out=np.zeros_like(pages.families), where=top > 0)
        source = _Weights(
            np.repeat(np.arange(len(pages.length)), pages.length), pages.bucket, pages.weight
        )
        source_z = pages.latent
        anchor_ids, anchor_table = _table(self._anchor_profiles(anchors))
        scores = self._score(source, source_z, source_f, on, anchor_table, anchor_ids)
        crawled = np.array([i for i in range(n) if targets[i] is not None], dtype=np.int64)
        if len(crawled) and cfg.target_weight > 0:
            crawled_pages = [t for t in targets if t is not None]  # in the order of `crawled`
            target_ids, target_table = _table(self._page_profiles(crawled_pages))
            target_scores = self._score(
                source, source_z, source_f, on[crawled], target_table, target_ids
            )
            mixed = (1 - cfg.target_weight) * scores[crawled]
            scores[crawled] = mixed + cfg.target_weight * target_scores
        return scores

    # -- profiles --------------------------------------------------------------------------

    def _anchor_profiles(self, anchors: Sequence[str]) -> list[_Profile]:
        """Profiles of link texts: distinct n-grams weighted by IDF; cached by text."""
        cache = self._anchors
        missing = list(dict.fromkeys(a for a in anchors if a not in cache))
        if missing:
            if len(cache) + len(missing) > _ANCHOR_CACHE:
                cache.clear()
            text, bucket, _ = _counts(self._tok.grams(missing), self.config.buckets)
            rows = _Weights(text, bucket, self.idf[bucket])
            families = self._link_families(self._families.hits(missing), rows, len(missing))
            cache.update(zip(missing, self._profiles(rows, families, len(missing)), strict=True))
        return [cache[a] for a in anchors]

    def _page_profiles(self, pages: list[tuple[str, str]]) -> list[_Profile]:
        """Profiles of (title, body) pages: salience, latent and family evidence from every
        n-gram, the lexical part cut to the `page_terms` most salient; cached."""
        keys = [hash(page) for page in pages]
        cache = self._pages
        todo = {k: page for k, page in zip(keys, pages, strict=True) if k not in cache}
        if todo:
            if len(cache) + len(todo) > _PAGE_CACHE:
                cache.clear()
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
        self, rows: _Weights, families: NDArray[np.float64], n: int, keep: int = 0
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

    def _salience(self, titles: list[str], bodies: list[str]) -> _Weights:
        """Salience: idf × (title_weight·(1+ln tf_title) + (1+ln tf_body)), max → 1, ^power."""
        cfg = self.config
        t_text, t_bucket, t_count = _counts(self._tok.grams(titles), cfg.buckets)
        b_text, b_bucket, b_count = _counts(self._tok.grams(bodies), cfg.buckets)
        tf = np.concatenate(
            [
                cfg.title_weight * (1 + np.log(t_count.astype(np.float64))),
                1 + np.log(b_count.astype(np.float64)),
            ]
        )
        key = np.concatenate([t_text, b_text]) * cfg.buckets + np.concatenate([t_bucket, b_bucket])
        uniq, inverse = np.unique(key, return_inverse=True)
        text, bucket = uniq // cfg.buckets, uniq % cfg.buckets
        weight = np.bincount(inverse, weights=tf) * self.idf[bucket]
        top = np.zeros(len(titles))
        np.maximum.at(top, text, weight)
        return _Weights(text, bucket, (weight / top[text]) ** cfg.salience_power)

    def _expanded(self, rows: _Weights, n: int) -> NDArray[np.float64]:
        """Each text's family shares learned from the corpus, averaged over its n-grams."""
        out = _project(rows, n, self.family_buckets, self.family_shares)
        total = np.bincount(rows.text, weights=rows.weight, minlength=n)
        result: NDArray[np.float64] = np.divide(
            out, total[:, None], out=np.zeros_like(out), where=total[:, None] > 0
        )
        return result

    def _link_families(
        self, hits: NDArray[np.float64], rows: _Weights, n: int
    ) -> NDArray[np.float64]:
        """Family evidence of link texts: lexicon terms plus corpus-learned shares."""
        if not self.config.family_weight:
            return np.zeros((n, len(self._families)))
        expanded = self._expanded(rows, n)
        evidence: NDArray[np.float64] = np.minimum(hits, 1.0) + self.config.family_expand * expanded
        return evidence

    def _page_families(self, titles: list[str], rows: _Weights) -> NDArray[np.float64]:
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

    def _latent(self, rows: _Weights, n: int) -> NDArray[np.float64] | None:
        """Each text projected on the latent space, unit length (zero rows stay zero)."""
        if not len(self.latent_buckets) or not self.config.latent_weight:
            return None
        z = _project(rows, n, self.latent_buckets, self.latent_vectors)
        norm = np.linalg.norm(z, axis=1, keepdims=True)
        unit: NDArray[np.float64] = np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)
        return unit

    # -- scoring ---------------------------------------------------------------------------

    def _score(
        self,
        source: _Weights,
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
        term = table.start[ids][link] + np.arange(len(link)) - first[link]
        key = on[link] * cfg.buckets + table.bucket[term]
        source_key = source.text * cfg.buckets + source.bucket  # sorted: text, then bucket
        matched = np.zeros(n)
        if len(source_key) and len(key):
            pos = np.minimum(np.searchsorted(source_key, key), len(source_key) - 1)
            hit = source_key[pos] == key
            matched = np.bincount(
                link[hit], weights=table.weight[term[hit]] * source.weight[pos[hit]], minlength=n
            ).astype(np.float64)
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


class _TitleSample:
    """Distinct titles kept when their CRC-32 is below a limit that halves when full.

    Deterministic and independent of crawl order, with bounded memory.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.limit = 1 << 32
        self.kept: dict[str, int] = {}

    def add(self, titles: Iterable[str]) -> None:
        """Offer titles to the sample."""
        for title in titles:
            if not title.strip():
                continue
            code = zlib.crc32(title.encode("utf-8"))
            if code < self.limit:
                self.kept[title] = code
        while len(self.kept) > self.size:
            self.limit //= 2
            self.kept = {t: c for t, c in self.kept.items() if c < self.limit}

    def titles(self) -> list[str]:
        """The sampled titles in a fixed order."""
        return sorted(self.kept)


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _fit_latent(
    tok: _Tokenizer, titles: list[str], idf: NDArray[np.float64], config: OfftopicConfig
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Randomised truncated SVD of the L2-normalised TF-IDF title matrix; term vectors V_k."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, config.latent_dims), dtype=np.float32))
    if config.latent_dims == 0 or not titles:
        return empty
    doc, bucket, count = _counts(tok.grams(titles), config.buckets)
    # Terms seen in one title carry no co-occurrence: leave them out of the space.
    _, col, title_df = np.unique(bucket, return_inverse=True, return_counts=True)
    shared = title_df[col] >= 2
    doc, bucket, count = doc[shared], bucket[shared], count[shared]
    vocab, col = np.unique(bucket, return_inverse=True)
    _, row = np.unique(doc, return_inverse=True)
    n_rows, n_cols = int(row.max(initial=-1)) + 1, len(vocab)
    k = min(config.latent_dims, n_rows - 1, n_cols - 1)
    if k < 1:
        return empty
    val = (1 + np.log(count.astype(np.float64))) * idf[bucket]
    val /= np.sqrt(np.bincount(row, weights=val * val))[row]

    def product(
        out_index: NDArray[np.intp],
        in_index: NDArray[np.intp],
        size: int,
        dense: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """X @ dense (or X.T @ dense) for the sparse title matrix X, one column at a time."""
        return np.stack(
            [
                np.bincount(out_index, weights=val * dense[in_index, j], minlength=size)
                for j in range(dense.shape[1])
            ],
            axis=1,
        )

    rng = np.random.default_rng(_RNG_SEED)
    width = min(k + 10, n_cols)
    basis, _ = np.linalg.qr(product(row, col, n_rows, rng.standard_normal((n_cols, width))))
    for _ in range(2):  # power iterations: a TF-IDF spectrum decays slowly
        basis, _ = np.linalg.qr(product(col, row, n_cols, basis))
        basis, _ = np.linalg.qr(product(row, col, n_rows, basis))
    _, _, vt = np.linalg.svd(product(col, row, n_cols, basis).T, full_matrices=False)
    return vocab.astype(np.int64), vt[:k].T.astype(np.float32)


def _fit_families(
    tok: _Tokenizer, families: _Families, titles: list[str], config: OfftopicConfig
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Each n-gram's family shares over the titles holding it (lexicon terms as labels).

    A brand the lexicon does not know (a loan app, a recycler) takes the families of the
    titles it appears in: 借款, 下款 and 催收 beside it make it a lender.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, len(families)), dtype=np.float32))
    if not config.family_weight or not titles or not len(families):
        return empty
    labels = np.minimum(families.hits(titles), 1.0)
    doc, bucket, _ = _counts(tok.grams(titles), config.buckets)
    vocab, col, title_df = np.unique(bucket, return_inverse=True, return_counts=True)
    # Only terms seen in two titles or more, beside a family term: nothing is learned from
    # the others, and memory stays bounded by the labelled vocabulary.
    labelled = (title_df[col] >= 2) & (labels[doc].max(axis=1) > 0)
    doc, col = doc[labelled], col[labelled]
    terms, inverse = np.unique(col, return_inverse=True)
    shares = np.zeros((len(terms), len(families)), dtype=np.float32)
    for f in range(len(families)):
        shares[:, f] = np.bincount(inverse, weights=labels[doc, f], minlength=len(terms))
    shares /= (title_df[terms] + config.family_prior)[:, None].astype(np.float32)
    return vocab[terms].astype(np.int64), shares


def is_offtopic(score: float, config: OfftopicConfig | None = None) -> bool:
    """True when a relatedness score is below the configured threshold."""
    return score < (config or OfftopicConfig()).threshold


def block_verdict(
    link_scores: Sequence[float],
    risky_flags: Sequence[bool],
    config: OfftopicConfig | None = None,
) -> tuple[bool, bool, float, float]:
    """A related block's (mostly_offtopic, mostly_risky, offtopic_share, risky_share)."""
    config = config or OfftopicConfig()
    if len(link_scores) != len(risky_flags):
        raise ValueError(
            f"block_verdict: {len(link_scores)} scores but {len(risky_flags)} risky flags; "
            "expected one of each per link"
        )
    n = len(link_scores)
    if n == 0:
        return False, False, 0.0, 0.0
    offtopic_share = sum(is_offtopic(s, config) for s in link_scores) / n
    risky_share = sum(bool(f) for f in risky_flags) / n
    return (
        offtopic_share >= config.page_share,
        risky_share >= config.page_share,
        offtopic_share,
        risky_share,
    )
