"""Near-duplicate clusters of titles (re-spins, not template siblings) and of article bodies.

A content farm re-spins a title by swapping its subtitle ("京东e卡回收全攻略:轻松三步实现卡券变现"
→ "…:轻松三步实现价值回归"), template words (解析 → 详解, 与 → 和), synonyms (可靠性 → 安全性),
width, case or script, or a character or two. It also fills one template with many subjects
("X平台的安全性分析"); those siblings are different articles. Character n-gram MinHash cannot
tell them apart on ten-character titles: the re-spin above has a 3-gram Jaccard of 0.64, while
siblings sharing a long template often score higher.

Titles, in five steps (`cluster_titles`, `find_pairs`):

1. Exact: texts equal after `normalize_text` are one item; later steps see distinct texts only.
2. Units: a text becomes a sequence of units: a Chinese character, a run of other letters or
   digits ("iphone", "13"), a Chinese number before a counter (十六岁, 两年: the token "16",
   "2", like digits), a filler class from `dedup/title_fillers.toml` (解析, 详解 and 分析 are
   one unit), or an aspect word from `dedup/title_aspects.toml`: a word naming the question
   asked about the subject (条件, 流程, 价格, 所在地...). An aspect word becomes a marker of its
   class (weight 0) and the characters of its class's canonical word, so 具体要求 and 所需条件
   (具体, 所需 are fillers) both read 要求, and 所在地 and 地理位置 both read 位置; the
   characters, not one class unit, keep a character swap (间时 for 时间) as cheap as before.
   Fillers and aspects match together, longest first. The first separator (one of
   `:|?!([—–―【`) after `min_main_units` content units ends the main title; the rest is the
   subtitle. Characters, tokens and canonical characters are content.
3. Candidates, by deletion neighbourhood instead of MinHash (a ten-character title has too few
   and too common n-grams for LSH bands to separate it from its siblings): each text emits
   hashes of its main-title content multiset with 0, 1 or 2 adjacent units deleted. Texts
   sharing a hash with at most `max_edits` deletions between them are candidates, so main
   titles that differ by one unit, or by an inserted or dropped run of two, are always found.
   A run of two replaced on both sides counts only in buckets of at most `swap_bucket` texts
   (off by default: synonyms are aspect classes, and a replaced word is rejected below).
   Identical main titles (subtitle or filler swaps, reordering, reworded aspects) share the
   undeleted hash. Texts without main-title content (all filler) only get exact duplicates.
4. Verifier: weighted Jaccard of the two unit sets. A content unit weighs 1, a filler
   `filler_weight`; units after the separator are multiplied by `subtitle_weight`, the first
   `head_units` content units of the main title by `head_weight` (a Chinese title opens with its
   subject). A pair is rejected when its main titles conflict: both hold letter/digit tokens but
   not the same set (苹果12 vs 苹果13, Pro vs Pro Max, 两年 vs 三年), or both name aspects but
   share none (X的利息 vs X的条件: same subject, another question; a title whose main title
   names none is judged by its subtitle's, but two subtitles alone never conflict, since a
   spun subtitle says anything). It is also rejected when the main titles say two units or
   more past their first `head_units` content units (the subject), none of which occurs
   anywhere in the other title, and the two share no aspect either: the same subject, asked
   something the aspect lexicon does not name (小花钱包 / 小花钱包退费指南,
   民生易贷APP还款指南 / 民生易贷平台介绍), which the heavy head would otherwise carry over the
   threshold. One such unit is a typo, not a question. Last, it is rejected when both main
   titles name places from `dedup/title_places.toml` but share none (杭州 / 广州, 长春 / 长沙:
   one character apart, two places). A pair is a near-duplicate at `threshold` or above.
5. Typos (`_typo_pairs`): a character deleted, doubled or swapped inside a lexicon word breaks
   the word (时间解析 → 时解间析 leaves neither 时间 nor 解析), so such a re-spin is neither a
   candidate nor above the threshold. Each main title is also read as a plain string of its
   letters, digits and Chinese characters, once as it is and once without its intact filler
   words (so a typo also meets a copy with an adjective added or 解析 → 详解); past its first
   `head_units` characters (the subject), one character deleted from one string giving the
   other, or the same character deleted from both at different places giving one string (a
   swap or a move), makes a pair, found by hashing each string with each such character
   deleted. These pairs pass at `threshold` unless a conflict rule of step 4 rejects them. A
   replaced character is not a typo here: it is as often another name (小花钱包 / 小米钱包).

Known limits: rewordings outside the aspect lexicon that share few characters (上征信 /
查询征信报告, 落寞 / 衰落) are missed; the verifier compares sets of units, so two subjects with
the same characters but one, in another order (第按认易贷 / 按第易贷), or one holding a
one-character filler word (免或易贷 / 免请贷: 或 weighs as filler), pass in a long shared
template, as do siblings whose subjects differ by one character where no lexicon names them
(小花钱包 / 小米钱包); a typo past the subject that inserts 不 reads as a typo, not a negation;
two typos, or a typo and an adjective inside one lexicon word, are missed; the normaliser maps
the common traditional characters but not those that are also simplified ones (乾, 著), which
stay one character off.

Bodies (`cluster_texts`): character shingles of `text_shingle` characters (punctuation and
spaces dropped), MinHash with `text_num_perm` permutations, LSH with `text_bands` bands; a
candidate pair is kept when its MinHash-estimated Jaccard similarity reaches `text_threshold`.

Clusters: verified pairs link distinct texts. With `linkage="star"` (default), texts are taken
in first-seen order; one that no earlier text has taken becomes a representative and takes
every verified neighbour not yet taken, so every member was verified against its
representative and no chain forms (`Cluster.similarity`: the weakest member-representative
pair). With `linkage="single"`, clusters are connected components (union-find): A~B and B~C
join A and C even when they do not match (`similarity`: the weakest verified pair). Single
linkage keeps families spun from one another whole, but also chains template siblings through
one-character subject differences: on 200k synthetic titles (bench/dedup.py, planted families
of at most 4, measured before the place rule and the generator's subject spacing) it made 356
clusters of more than 10 titles, the largest 63, and a pair precision of 0.54 at recall 0.97,
against 0.69 at 0.94 for star, which is therefore the default.
Texts with no duplicate are left out (no singleton clusters), so every input index is in at
most one cluster. The representative (survivor) is the smallest input index: the first text
seen.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from pipelines.store.errors import FarmauditError
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

#: The filler lexicon shipped with the package.
BUNDLED_FILLERS = Path(__file__).with_name("dedup") / "title_fillers.toml"
#: The aspect lexicon shipped with the package.
BUNDLED_ASPECTS = Path(__file__).with_name("dedup") / "title_aspects.toml"
#: The place lexicon shipped with the package.
BUNDLED_PLACES = Path(__file__).with_name("dedup") / "title_places.toml"

_Int = TypeVar("_Int", bound=np.integer[Any])

ClusterKind = Literal["exact", "near"]
Linkage = Literal["star", "single"]


class DedupError(FarmauditError):
    """A bad `DedupConfig` value or filler lexicon; the message names the value or file."""


@dataclass(frozen=True)
class DedupConfig:
    """Title and body near-duplicate parameters; title defaults tuned on the dev split."""

    #: Titles: weighted Jaccard of the unit sets needed for a re-spin, in (0, 1].
    threshold: float = 0.68
    #: Titles: weight of a filler unit (template word), in [0, 1].
    filler_weight: float = 0.2
    #: Titles: factor on units after the main title's separator (the spun subtitle), in [0, 1].
    subtitle_weight: float = 0.1
    #: Titles: factor on the first `head_units` content units of the main title, >= 1.
    head_weight: float = 2.0
    head_units: int = 4
    #: Titles: content units needed before a separator for it to start a subtitle.
    min_main_units: int = 2
    #: Titles: deletions allowed between two candidates' main titles, 0 to 3 (module doc);
    #: 3 also finds three-character insertions, at about 2.4x the candidates.
    max_edits: int = 2
    #: Titles: largest bucket whose texts are paired on two deletions each (0: never). Off by
    #: default: two characters replaced on both sides are a replaced word, a subject or a
    #: question (手机/电脑, 南宁/昆明), unless they are synonyms, which aspect classes unify.
    swap_bucket: int = 0
    #: Titles: a deletion key is made only when this many main-title units remain.
    min_remaining: int = 3
    #: How verified pairs become clusters: "star" (each member verified against the
    #: representative, no chains) or "single" (connected components; chains allowed).
    linkage: Linkage = "star"
    #: Buckets larger than this are linked as a star to their first text instead of all
    #: pairs, so one huge family cannot make the pair count quadratic.
    max_bucket: int = 200
    #: Titles: units per title kept for the verifier (main title first, subtitle cut).
    max_units: int = 32
    #: Titles: filler lexicon file; None means the bundled one.
    filler_lexicon: Path | None = None
    #: Titles: aspect lexicon file; None means the bundled one.
    aspect_lexicon: Path | None = None
    #: Titles: place lexicon file; None means the bundled one.
    place_lexicon: Path | None = None
    #: Bodies: characters per shingle.
    text_shingle: int = 5
    #: Bodies: MinHash permutations and LSH bands (`text_num_perm` a multiple of the bands).
    text_num_perm: int = 128
    text_bands: int = 32
    #: Bodies: estimated Jaccard similarity of the shingle sets for a near-duplicate.
    text_threshold: float = 0.5
    #: Bodies: seed of the MinHash permutations.
    seed: int = 1

    def __post_init__(self) -> None:
        """Refuse values outside their range, naming the field."""
        checks = [
            ("threshold", 0 < self.threshold <= 1, "in (0, 1]"),
            ("filler_weight", 0 <= self.filler_weight <= 1, "in [0, 1]"),
            ("subtitle_weight", 0 <= self.subtitle_weight <= 1, "in [0, 1]"),
            ("head_weight", self.head_weight >= 1, ">= 1"),
            ("head_units", self.head_units >= 0, ">= 0"),
            ("min_main_units", self.min_main_units >= 1, ">= 1"),
            ("max_edits", 0 <= self.max_edits <= 3, "in 0..3"),
            ("swap_bucket", self.swap_bucket >= 0, ">= 0"),
            ("min_remaining", self.min_remaining >= 1, ">= 1"),
            ("max_bucket", self.max_bucket >= 2, ">= 2"),
            ("max_units", self.max_units >= 1, ">= 1"),
            ("linkage", self.linkage in ("star", "single"), "'star' or 'single'"),
            ("text_shingle", self.text_shingle >= 1, ">= 1"),
            ("text_num_perm", self.text_num_perm >= 1, ">= 1"),
            ("text_bands", 1 <= self.text_bands <= self.text_num_perm, "in 1..text_num_perm"),
            ("text_threshold", 0 < self.text_threshold <= 1, "in (0, 1]"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise DedupError(f"DedupConfig.{name}={getattr(self, name)!r}, expected {expected}")
        if self.text_num_perm % self.text_bands:
            raise DedupError(
                f"DedupConfig.text_num_perm={self.text_num_perm} is not a multiple of "
                f"text_bands={self.text_bands}"
            )


@dataclass(frozen=True, slots=True)
class Cluster:
    """Input indices judged duplicates of each other, with the survivor and the weakest link."""

    #: Position of the cluster when clusters are ordered by representative.
    cluster_id: int
    #: Indices into the input, ascending; at least two.
    members: tuple[int, ...]
    #: The survivor: the smallest member index (the first text seen).
    representative: int
    #: 1.0 for "exact"; for "near", the lowest similarity among the verified pairs that
    #: joined the cluster (its weakest link; members not directly paired may score lower).
    similarity: float
    #: "exact": all members are equal after `normalize_text`; "near": otherwise.
    kind: ClusterKind


@dataclass(frozen=True)
class FillerLexicon:
    """Filler or aspect words (normalised) mapped to their class index, and the class names."""

    classes: tuple[str, ...]
    words: Mapping[str, int]
    source: Path


def load_fillers(path: Path | None = None) -> FillerLexicon:
    """Read a filler lexicon TOML (`[classes]` name = [words]); None reads the bundled file."""
    return _load_lexicon(BUNDLED_FILLERS if path is None else path, "filler")


def load_aspects(path: Path | None = None) -> FillerLexicon:
    """Read an aspect lexicon TOML (same format as fillers); None reads the bundled file."""
    return _load_lexicon(BUNDLED_ASPECTS if path is None else path, "aspect")


def load_places(path: Path | None = None) -> FillerLexicon:
    """Read a place lexicon TOML (same format; every word is its own place, `classes` lists
    the words); None reads the bundled file."""
    grouped = _load_lexicon(BUNDLED_PLACES if path is None else path, "place")
    words = sorted(grouped.words, key=lambda w: (grouped.words[w], w))
    return FillerLexicon(tuple(words), {w: k for k, w in enumerate(words)}, grouped.source)


def _load_lexicon(source: Path, what: str) -> FillerLexicon:
    try:
        with source.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise DedupError(f"{source}: cannot read {what} lexicon: {err}") from err
    if set(data) != {"classes"} or not isinstance(data["classes"], dict):
        raise DedupError(f"{source}: expected one [classes] table, got keys {sorted(data)}")
    classes: list[str] = []
    words: dict[str, int] = {}
    for name, entries in data["classes"].items():
        if not isinstance(entries, list) or not all(isinstance(w, str) for w in entries):
            raise DedupError(f"{source}: class {name!r} must be a list of strings")
        for raw in entries:
            word = normalize_text(raw)
            kinds = set(_classify(_codepoints(word)).tolist())
            if kinds not in ({_HAN}, {_WORD}) or (_HAN in kinds and len(word) > _MAX_FILLER):
                raise DedupError(
                    f"{source}: {what} {raw!r} in class {name!r} must be all Chinese "
                    f"(at most {_MAX_FILLER} characters) or all letters and digits"
                )
            if word in words:
                other = classes[words[word]] if words[word] < len(classes) else name
                raise DedupError(f"{source}: {what} {raw!r} is in classes {other!r} and {name!r}")
            words[word] = len(classes)
        classes.append(name)
    return FillerLexicon(tuple(classes), words, source)


# ---------------------------------------------------------------------------------------------
# Characters and hashing

_DROP, _HAN, _WORD, _SEP = 0, 1, 2, 3
_SEPARATORS = ":|?!([—–―【"
_HAN_RANGES = (
    (0x3005, 0x3007),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)
_MAX_CP = 0x110000
# The first-character table keeps one bit per filler length in a uint8.
_MAX_FILLER = 7
# Unit codes stay below 2**40, so (row << 40 | code) orders rows first and then codes.
_CODE_BITS = 40
_SENTINEL = (1 << _CODE_BITS) - 1
_FILLER_BASE = _MAX_CP
_WORD_FLAG = 1 << (_CODE_BITS - 1)
_WORD_MASK = _WORD_FLAG - 2
_MUL = 0x100000001B3
_U64 = 1 << 64


def _class_of(cp: int) -> int:
    """Character class of one code point (`_bmp_classes` tabulates the same rule)."""
    if any(lo <= cp <= hi for lo, hi in _HAN_RANGES):
        return _HAN
    char = chr(cp)
    if char in _SEPARATORS:
        return _SEP
    return _WORD if unicodedata.category(char)[0] in "LNM" else _DROP


@functools.cache
def _bmp_classes() -> NDArray[np.uint8]:
    table = np.array(
        [unicodedata.category(chr(cp))[0] in "LNM" for cp in range(0x10000)], dtype=np.uint8
    )
    table *= _WORD
    for lo, hi in _HAN_RANGES:
        table[lo : min(hi, 0xFFFF) + 1] = _HAN
    table[[ord(c) for c in _SEPARATORS]] = _SEP
    return table


def _classify(cps: NDArray[np.uint32]) -> NDArray[np.uint8]:
    """Character class of each code point: drop, Han (one unit each), word, separator."""
    out = np.empty(cps.size, dtype=np.uint8)
    bmp = cps < 0x10000
    out[bmp] = _bmp_classes()[cps[bmp]]
    if not bmp.all():
        astral = cps[~bmp]
        values = _sorted_unique(astral)
        classes = np.array([_class_of(int(v)) for v in values], dtype=np.uint8)
        out[~bmp] = classes[np.searchsorted(values, astral)]
    return out


def _codepoints(text: str) -> NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _mix(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser: spreads codes over 64 bits, so sums of them hash multisets."""
    with np.errstate(over="ignore"):
        x = values + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _word_hash(word: str) -> int:
    """Polynomial hash of a word: sum of code point * _MUL**position, modulo 2**64."""
    return sum(ord(ch) * pow(_MUL, k, _U64) for k, ch in enumerate(word)) % _U64


def _word_code_array(word_hashes: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Unit codes of letter/digit runs from their `_word_hash` values."""
    return np.uint64(_WORD_FLAG) | (_mix(word_hashes) & np.uint64(_WORD_MASK))


def _word_code(word_hash: int) -> int:
    """Unit code of one letter/digit run from its `_word_hash`."""
    return int(_word_code_array(np.array([word_hash], dtype=np.uint64))[0])


def _sorted_unique(values: NDArray[_Int]) -> NDArray[_Int]:
    """np.unique by sorting (numpy's hash-based unique is far slower on large int arrays)."""
    out = np.sort(values)
    keep = np.ones(out.size, dtype=bool)
    keep[1:] = out[1:] != out[:-1]
    return out[keep]


def _ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of arange(start, start + length) for each pair."""
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())


@dataclass(frozen=True)
class _FillerTables:
    """Filler and aspect lexicons compiled for vectorised matching (aspect classes last)."""

    #: Chinese word lengths, longest first, with sorted word hashes and their classes.
    sizes: tuple[int, ...]
    keys: tuple[NDArray[np.uint64], ...]
    classes: tuple[NDArray[np.int64], ...]
    #: Per code point, bit k set when a Chinese word of length k starts with it, or has it
    #: second (bit 1 always, so that one-character words pass).
    first: NDArray[np.uint8]
    second: NDArray[np.uint8]
    #: Sorted hashes of the letter/digit words and their classes.
    word_keys: NDArray[np.uint64]
    word_classes: NDArray[np.int64]
    #: Per class: True for an aspect class, False for a filler class.
    is_aspect: NDArray[np.bool_]
    #: Per class: where its canonical word's unit codes start in `canon_codes`, and how many
    #: (0 for a filler class).
    canon_start: NDArray[np.int64]
    canon_len: NDArray[np.int32]
    canon_codes: NDArray[np.uint64]


def _match_tables(
    words: Mapping[str, int],
) -> tuple[
    tuple[int, ...],
    list[NDArray[np.uint64]],
    list[NDArray[np.int64]],
    NDArray[np.uint8],
    NDArray[np.uint8],
]:
    """Chinese words → lookup tables: word lengths (longest first), per length the sorted word
    hashes and their classes, and bit masks of the lengths a first / second character starts."""
    sizes = tuple(sorted({len(w) for w in words}, reverse=True))
    first = np.zeros(_MAX_CP, dtype=np.uint8)
    second = np.full(_MAX_CP, 1 << 1, dtype=np.uint8)
    keys, classes = [], []
    for size in sizes:
        table = sorted((_word_hash(w), c) for w, c in words.items() if len(w) == size)
        keys.append(np.array([h for h, _ in table], dtype=np.uint64))
        classes.append(np.array([c for _, c in table], dtype=np.int64))
        for w in words:
            if len(w) == size:
                first[ord(w[0])] |= 1 << size
                if size > 1:
                    second[ord(w[1])] |= 1 << size
    return sizes, keys, classes, first, second


@functools.cache
def _filler_tables(path: Path | None, aspect_path: Path | None = None) -> _FillerTables:
    fillers, aspects = load_fillers(path), load_aspects(aspect_path)
    both = sorted(fillers.words.keys() & aspects.words.keys())
    if both:
        raise DedupError(
            f"{both[0]!r} is both a filler ({fillers.source}) and an aspect ({aspects.source})"
        )
    n_fillers = len(fillers.classes)
    words_of = {**fillers.words, **{w: n_fillers + c for w, c in aspects.words.items()}}
    is_aspect = np.arange(n_fillers + len(aspects.classes)) >= n_fillers
    if is_aspect.size > np.iinfo(np.int16).max:
        raise DedupError(f"{is_aspect.size} filler and aspect classes, at most 32767")
    han = {w: c for w, c in words_of.items() if _classify(_codepoints(w))[0] == _HAN}
    # The canonical word of an aspect class is its first: a word of the class stands for it.
    canon: dict[int, list[int]] = {}
    for word, c in aspects.words.items():
        if n_fillers + c not in canon:
            canon[n_fillers + c] = (
                [ord(char) for char in word] if word in han else [_word_code(_word_hash(word))]
            )
    canon_len = np.zeros(is_aspect.size, dtype=np.int32)
    for c, codes in canon.items():
        canon_len[c] = len(codes)
    sizes, keys, classes, first, second = _match_tables(han)
    words = sorted((_word_hash(w), c) for w, c in words_of.items() if w not in han)
    return _FillerTables(
        sizes=sizes,
        keys=tuple(keys),
        classes=tuple(classes),
        first=first,
        second=second,
        word_keys=np.array([h for h, _ in words], dtype=np.uint64),
        word_classes=np.array([c for _, c in words], dtype=np.int64),
        is_aspect=is_aspect,
        canon_start=(np.cumsum(canon_len) - canon_len).astype(np.int64),
        canon_len=canon_len,
        canon_codes=np.array([code for c in sorted(canon) for code in canon[c]], dtype=np.uint64),
    )


@functools.cache
def _place_tables(path: Path | None) -> _FillerTables:
    """The place lexicon as match tables (one class per place; Chinese words only)."""
    places = load_places(path)
    if any(_classify(_codepoints(w))[0] != _HAN for w in places.words):
        raise DedupError(f"{places.source}: place names must be Chinese")
    if len(places.classes) > np.iinfo(np.int16).max:
        raise DedupError(f"{places.source}: {len(places.classes)} places, at most 32767")
    sizes, keys, classes, first, second = _match_tables(places.words)
    none = np.zeros(0, dtype=np.int64)
    return _FillerTables(
        sizes=sizes,
        keys=tuple(keys),
        classes=tuple(classes),
        first=first,
        second=second,
        word_keys=np.zeros(0, dtype=np.uint64),
        word_classes=none,
        is_aspect=np.zeros(len(places.classes), dtype=bool),
        canon_start=none,
        canon_len=np.zeros(0, dtype=np.int32),
        canon_codes=np.zeros(0, dtype=np.uint64),
    )


def _lookup(
    keys: NDArray[np.uint64], values: NDArray[np.int64], queries: NDArray[np.uint64]
) -> NDArray[np.int64]:
    """Value of each query in the sorted `keys`, or -1."""
    if keys.size == 0:
        return np.full(queries.size, -1, dtype=np.int64)
    idx = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return np.where(keys[idx] == queries, values[idx], -1)


# ---------------------------------------------------------------------------------------------
# Title units


@dataclass(frozen=True)
class _Chars:
    """All texts' code points in one array, with owner, class and each text's start."""

    cps: NDArray[np.uint32]
    tid: NDArray[np.int32]
    starts: NDArray[np.int64]
    cls: NDArray[np.uint8]


def _chars(texts: Sequence[str]) -> _Chars:
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = _codepoints("".join(texts))
    tid = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    return _Chars(cps, tid, np.cumsum(lengths) - lengths, _classify(cps))


def _han_fillers(ch: _Chars, tables: _FillerTables) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
    """Filler or aspect class at each match start, and at each character a match covers
    (-1 elsewhere)."""
    n = ch.cps.size
    found = np.full(n, -1, dtype=np.int16)
    covered = np.full(n, -1, dtype=np.int16)
    first = tables.first[ch.cps]
    starts = np.flatnonzero(first)
    # The length bits a word starting there may have, given its first two characters: most
    # starts fail on the second one, before any hashing.
    bits = first[starts]
    bits[starts + 1 < n] &= tables.second[ch.cps[starts[starts + 1 < n] + 1]]
    # Longest word first; a shorter match may not overlap an accepted longer one.
    for size, keys, classes in zip(tables.sizes, tables.keys, tables.classes, strict=True):
        pos = starts[(bits & np.uint8(1 << size)) > 0]
        pos = pos[pos + size <= n]
        pos = pos[ch.tid[pos] == ch.tid[pos + size - 1]]
        h = np.zeros(pos.size, dtype=np.uint64)
        ok = np.ones(pos.size, dtype=bool)
        with np.errstate(over="ignore"):
            for k in range(size):
                h += ch.cps[pos + k].astype(np.uint64) * np.uint64(pow(_MUL, k, _U64))
                ok &= (ch.cls[pos + k] == _HAN) & (covered[pos + k] < 0)
        cls = _lookup(keys, classes, h)
        ok &= cls >= 0
        hits, cls = pos[ok], cls[ok]
        # Overlapping matches of one length (超全新: 超全, 全新): the leftmost wins. Rare, so
        # the chains are walked in Python.
        overlap = np.flatnonzero(hits[1:] - hits[:-1] < size) + 1
        if overlap.size:
            keep = np.ones(hits.size, dtype=bool)
            last = -size
            for i in sorted({*overlap.tolist(), *(overlap - 1).tolist()}):
                if hits[i] - last < size:
                    keep[i] = False
                else:
                    last = int(hits[i])
            hits, cls = hits[keep], cls[keep]
        found[hits] = cls
        for k in range(size):
            covered[hits + k] = cls
    return found, covered


@dataclass(frozen=True)
class _Runs:
    """Runs of letters/digits: first position, unit code, and whether it is a token."""

    first: NDArray[np.int64]
    code: NDArray[np.uint64]
    token: NDArray[np.bool_]


def _word_runs(ch: _Chars, tables: _FillerTables, found: NDArray[np.int16]) -> _Runs:
    """Runs of word characters, hashed; a letter/digit filler or aspect goes into `found`."""
    word_pos = np.flatnonzero(ch.cls == _WORD)
    if word_pos.size == 0:
        return _Runs(word_pos, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool))
    # A run starts where the previous character is no word character of the same text.
    new = np.ones(word_pos.size, dtype=bool)
    new[1:] = (word_pos[1:] != word_pos[:-1] + 1) | (ch.tid[word_pos[1:]] != ch.tid[word_pos[:-1]])
    starts_in = np.flatnonzero(new)
    lengths = np.diff(np.append(starts_in, word_pos.size))
    offset = np.arange(word_pos.size) - np.repeat(starts_in, lengths)
    powers = np.full(int(lengths.max()), _MUL, dtype=np.uint64)
    powers[0] = 1
    with np.errstate(over="ignore"):
        powers = np.cumprod(powers, dtype=np.uint64)
        run_hash = np.add.reduceat(ch.cps[word_pos].astype(np.uint64) * powers[offset], starts_in)
    first = word_pos[starts_in]
    cls = _lookup(tables.word_keys, tables.word_classes, run_hash)
    found[first] = cls
    return _Runs(first, _word_code_array(run_hash), cls < 0)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_DIGITS |= {"八": 8, "九": 9}
_PLACES = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Characters that count what a number before them counts (十六岁, 两年, 三步, 十元).
_COUNTERS = "岁元块年月天日期次个倍号周步名"
# Per BMP code point: 1 for a Chinese numeral character, 2 for a counter.
_NUMERAL_KIND = np.zeros(0x10000, dtype=np.uint8)
_NUMERAL_KIND[[ord(c) for c in (*_DIGITS, *_PLACES)]] = 1
_NUMERAL_KIND[[ord(c) for c in _COUNTERS]] = 2
_MAX_NUMERAL = 8


def _chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral (十六, 两千, 一百零五, 二〇二四), or None if it is none."""
    if len(text) > 1 and all(c in _DIGITS for c in text):
        return int("".join(str(_DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    for c in text:
        if c in "零〇":
            digit = None  # a skipped place: 一百零五
        elif c in _DIGITS:
            if digit is not None:
                return None
            digit = _DIGITS[c]
        elif _PLACES[c] == 10000:
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _PLACES[c]
            digit = None
    return total + section + (digit or 0)


def _numeral_runs(ch: _Chars, covered: NDArray[np.bool_]) -> _Runs:
    """Chinese numbers before a counter (十六岁, 两年) as tokens of their digits ("16", "2").

    Marks the characters after each number's first in `covered`. A number right after an
    Arabic digit (2千元) is left alone.
    """
    kind = _NUMERAL_KIND[ch.cps & np.uint32(0xFFFF)]
    ends = np.flatnonzero((kind[:-1] == 1) & (kind[1:] == 2))
    ends = ends[(ch.tid[ends] == ch.tid[ends + 1]) & ~covered[ends] & (ch.cps[ends] <= 0xFFFF)]
    ends = ends[ch.cps[ends + 1] <= 0xFFFF]
    # Walk each number back to its first character (numbers are short).
    starts = ends.copy()
    for _ in range(_MAX_NUMERAL - 1):
        prev = np.maximum(starts - 1, 0)
        more = (
            (starts > 0)
            & (kind[prev] == 1)
            & (ch.tid[prev] == ch.tid[starts])
            & ~covered[prev]
            & (ch.cps[prev] <= 0xFFFF)
        )
        if not more.any():
            break
        starts[more] -= 1
    before = np.maximum(starts - 1, 0)
    after_digit = (
        (starts > 0)
        & (ch.tid[before] == ch.tid[starts])
        & (ch.cps[before] >= ord("0"))
        & (ch.cps[before] <= ord("9"))
    )
    starts, ends = starts[~after_digit], ends[~after_digit]
    if starts.size == 0:
        return _Runs(starts, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool))
    # Few distinct numbers occur (一, 两, 三, 十): each is parsed once.
    lengths = ends - starts + 1
    at = _ranges(starts, lengths)
    offset = at - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        run_hash = np.add.reduceat(
            ch.cps[at].astype(np.uint64) * (np.uint64(_MUL) ** offset.astype(np.uint64)),
            np.cumsum(lengths) - lengths,
        )
    _, first, inverse = np.unique(run_hash, return_index=True, return_inverse=True)
    values = [
        _chinese_number("".join(map(chr, ch.cps[starts[i] : ends[i] + 1].tolist())))
        for i in first.tolist()
    ]
    ok = np.array([v is not None for v in values])[inverse]
    codes = _word_code_array(
        np.array([_word_hash(str(v)) if v is not None else 0 for v in values], dtype=np.uint64)
    )[inverse]
    starts, lengths = starts[ok], lengths[ok]
    covered[_ranges(starts + 1, lengths - 1)] = True
    return _Runs(starts, codes[ok], np.ones(starts.size, dtype=bool))


@dataclass(frozen=True)
class _Units:
    """Per distinct text: its distinct units (sorted codes, weights) and main-title content."""

    offsets: NDArray[np.int64]  # row r's units are codes[offsets[r]:offsets[r + 1]]
    codes: NDArray[np.uint64]  # ascending within a row
    weights: NDArray[np.float64]  # a unit's weight, the heaviest of its copies
    total: NDArray[np.float64]  # sum of weights per row
    token_sig: NDArray[np.uint64]  # set hash of the letter/digit runs of the main title
    token_count: NDArray[np.int64]
    # Per unit: an aspect marker naming the question (of the main title, or of the subtitle
    # when the main title names none). Per row: how many, and whether the main title names one.
    question: NDArray[np.bool_]
    question_count: NDArray[np.int64]
    asks: NDArray[np.bool_]
    # Per unit: main-title content past the head (what the title says after its subject);
    # per row: how many. Per unit: an aspect marker, in the main title or the subtitle.
    tail: NDArray[np.bool_]
    marker: NDArray[np.bool_]
    tail_count: NDArray[np.int64]
    main_tid: NDArray[np.int32]  # main-title content units in text order: their row
    main_hash: NDArray[np.uint64]  # ... and their 64-bit hash
    # Per row: up to _PLACES_KEPT places its main title names, lowest ids first (-1 pads).
    places: NDArray[np.int64]


_PLACES_KEPT = 3


@dataclass(frozen=True)
class _Levels:
    """Weight levels of the (kind, subtitle, head) cases, heaviest first (main before sub)."""

    weight: NDArray[np.float64]  # per level
    kind: NDArray[np.uint8]  # per level: _FILLER_KIND, _CONTENT_KIND or _ASPECT_KIND
    main: NDArray[np.bool_]  # per level: in the main title
    head: NDArray[np.bool_]  # per level: among the first head_units content units
    of_case: NDArray[np.uint64]  # per case kind << 2 | sub << 1 | head: its level


_FILLER_KIND, _CONTENT_KIND, _ASPECT_KIND = 0, 1, 2


def _weight_table(cfg: DedupConfig) -> _Levels:
    """One level per case, so that a unit's level also tells its kind and place."""
    # An aspect marker only names the question: its canonical characters carry the weight.
    kind_weight = (cfg.filler_weight, 1.0, 0.0)
    cases = list(itertools.product(range(3), (0, 1), (0, 1)))
    weights = [
        kind_weight[kind] * (cfg.subtitle_weight if sub else 1.0) * (cfg.head_weight if head else 1)
        for kind, sub, head in cases
    ]
    # Rows keep the first (heaviest) copy of a unit; on a tie the main-title copy comes first.
    order = sorted(range(len(cases)), key=lambda k: (-weights[k], cases[k][1]))
    of_case = np.empty(len(cases), dtype=np.uint64)
    of_case[order] = np.arange(len(cases), dtype=np.uint64)
    return _Levels(
        weight=np.array([weights[k] for k in order], dtype=np.float64),
        kind=np.array([cases[k][0] for k in order], dtype=np.uint8),
        main=np.array([cases[k][1] == 0 for k in order], dtype=bool),
        head=np.array([cases[k][2] == 1 for k in order], dtype=bool),
        of_case=of_case,
    )


def _split_points(ch: _Chars, before: NDArray[np.int32], min_main: int) -> NDArray[np.int64]:
    """Per text, the position of the separator that ends its main title (its length if none)."""
    seps = np.flatnonzero(ch.cls == _SEP)
    splits = seps[before[seps] - before[ch.starts[ch.tid[seps]]] >= min_main]
    split_tid = ch.tid[splits]
    is_first = np.ones(splits.size, dtype=bool)
    is_first[1:] = split_tid[1:] != split_tid[:-1]
    out = np.full(ch.starts.size, ch.cps.size, dtype=np.int64)
    out[split_tid[is_first]] = splits[is_first]
    return out


def _distinct_rows(
    stream: list[_Stream], n_texts: int, max_units: int
) -> tuple[NDArray[np.int64], NDArray[np.uint64]]:
    """Row offsets and each text's first `max_units` packed units, sorted, one per code.

    Sorting orders a row by code and then heavier level first (a subtitle copy is lighter),
    so keeping the first copy gives each unit the weight of its heaviest copy. The stream is
    taken out of its list so that its arrays are freed once copied.
    """
    tid, packed = stream[0].tid, stream[0].packed
    stream.clear()
    rank = np.arange(tid.size, dtype=np.int32)
    rank -= np.searchsorted(tid, np.arange(n_texts, dtype=np.int32)).astype(np.int32)[tid]
    if rank.size and rank.max() >= max_units:
        keep = rank < max_units
        tid, rank, packed = tid[keep], rank[keep], packed[keep]
    counts = np.bincount(tid, minlength=n_texts)
    width = max(int(counts.max()), 1) if n_texts else 1
    matrix = np.full((n_texts, width), np.uint64(_SENTINEL) << np.uint64(4), dtype=np.uint64)
    matrix[tid, rank] = packed
    del tid, rank, packed
    matrix.sort(axis=1)
    flat = matrix[np.arange(width) < counts[:, None]]
    del matrix
    offsets = np.zeros(n_texts + 1, dtype=np.int64)
    if flat.size == 0:
        return offsets, flat
    starts = np.cumsum(counts) - counts
    # Same code as the previous unit (codes sit above the 4 level bits), within a row.
    primary = np.ones(flat.size, dtype=bool)
    primary[1:] = (flat[1:] ^ flat[:-1]) >= 16
    primary[starts[counts > 0]] = True
    kept = np.cumsum(primary)
    offsets[1:] = kept[starts + counts - 1]
    offsets[1:][counts == 0] = 0
    np.maximum.accumulate(offsets, out=offsets)
    return offsets, flat[primary]


def _token_sets(
    tid: NDArray[np.int32], codes: NDArray[np.uint64], n_texts: int
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Per text, a hash of its set of letter/digit tokens and how many there are."""
    sig = np.zeros(n_texts, dtype=np.uint64)
    count = np.zeros(n_texts, dtype=np.int64)
    order = np.lexsort((codes, tid))
    tid, codes = tid[order], codes[order]
    once = np.ones(order.size, dtype=bool)
    once[1:] = (tid[1:] != tid[:-1]) | (codes[1:] != codes[:-1])
    with np.errstate(over="ignore"):
        np.add.at(sig, tid[once], _mix(codes[once]))
    np.add.at(count, tid[once], 1)
    return sig, count


@dataclass(frozen=True)
class _Stream:
    """Every unit of every text in text order: owner, packed code and level, main content."""

    tid: NDArray[np.int32]
    packed: NDArray[np.uint64]  # code << 4 | weight level
    main: NDArray[np.bool_]  # content unit of the main title
    token: NDArray[np.bool_]  # ... that is a letter/digit run
    place_tid: NDArray[np.int32]  # places named in main titles: owner, in text order
    place: NDArray[np.int64]  # ... and place id


def _tokens(
    ch: _Chars, tables: _FillerTables, found: NDArray[np.int16], covered: NDArray[np.bool_]
) -> _Runs:
    """Letter/digit runs and Chinese numbers, by position (see `_word_runs`, `_numeral_runs`)."""
    runs = _word_runs(ch, tables, found)
    numerals = _numeral_runs(ch, covered)
    if numerals.first.size == 0:
        return runs
    order = np.argsort(np.concatenate((runs.first, numerals.first)), kind="stable")
    return _Runs(
        *(
            np.concatenate(pair)[order]
            for pair in zip(dataclasses.astuple(runs), dataclasses.astuple(numerals), strict=True)
        )
    )


def _expand(
    emits: NDArray[np.int32],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each unit's position, given units per position; indices and k (1, 2...) of non-first ones."""
    pos = np.flatnonzero(emits)
    count = emits[pos]
    # Positions emitting more than one unit are few (aspect words), so a unit's index is its
    # position's plus the extra units emitted before it.
    multi = np.flatnonzero(count > 1)
    extra = (count[multi] - 1).astype(np.int64)
    later = _ranges(multi + np.cumsum(extra) - extra + 1, extra)
    number = later - np.repeat(later[np.cumsum(extra) - extra] - 1, extra)
    return np.repeat(pos, count), later, number


def _unit_stream(texts: Sequence[str], tables: _FillerTables, cfg: DedupConfig) -> _Stream:
    """Cut normalised texts into weighted units, vectorised over all texts at once.

    A position emits: its character or letter/digit token (content); the class of a filler
    starting there; or, for an aspect word starting there, a marker of its class (weight 0)
    and then the characters of the class's canonical word (content), so that 所需条件 and
    具体要求 both become 要求 while a character swap (间时 for 时间) still leaves the same set.
    """
    ch = _chars(texts)
    found, word_class = _han_fillers(ch, tables)
    covered = word_class >= 0
    del word_class
    runs = _tokens(ch, tables, found, covered)
    content = ((ch.cls == _HAN) & ~covered).astype(np.int32)
    content[runs.first[runs.token]] = 1
    matched = np.flatnonzero(found >= 0)
    content[matched] = tables.canon_len[found[matched]]
    # Content units before each position, counted from the start of all texts.
    before = np.zeros(ch.cps.size + 1, dtype=np.int32)
    np.cumsum(content, out=before[1:])
    split = _split_points(ch, before, cfg.min_main_units)
    content[matched] += 1
    at, canonical, k = _expand(content)
    del content
    tid = ch.tid[at]
    cls = found[at]
    is_class = cls >= 0
    is_class[canonical] = False
    class_at = np.flatnonzero(is_class)
    codes = ch.cps[at].astype(np.uint64)
    codes[class_at] = _FILLER_BASE + cls[class_at].astype(np.uint64)
    codes[canonical] = tables.canon_codes[tables.canon_start[cls[canonical]] + k - 1]
    token_start = np.zeros(ch.cps.size, dtype=bool)
    token_start[runs.first[runs.token]] = True
    is_token = token_start[at]
    del token_start
    runs_at = np.flatnonzero(is_token)
    codes[runs_at] = runs.code[np.searchsorted(runs.first, at[runs_at])]
    kind = np.full(at.size, _CONTENT_KIND, dtype=np.uint8)
    kind[class_at] = np.where(tables.is_aspect[cls[class_at]], _ASPECT_KIND, _FILLER_KIND)
    del cls, class_at
    sub = at > split[tid]
    main = (kind == _CONTENT_KIND) & ~sub
    rank = before[at] - before[ch.starts][tid]
    rank[canonical] += k - 1
    head = main & (rank < cfg.head_units)
    case = (kind << 2) | (sub.view(np.uint8) << 1) | head.view(np.uint8)
    codes <<= np.uint64(4)
    codes |= _weight_table(cfg).of_case[case]
    place_at, place = _places(ch, cfg)
    in_main = place_at < split[ch.tid[place_at]]
    place_at, place = place_at[in_main], place[in_main]
    return _Stream(tid, codes, main, main & is_token, ch.tid[place_at], place)


def _places(ch: _Chars, cfg: DedupConfig) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start position and id of every place name (longest first, no overlaps)."""
    found, _ = _han_fillers(ch, _place_tables(cfg.place_lexicon))
    at = np.flatnonzero(found >= 0)
    return at, found[at].astype(np.int64)


def _title_units(texts: Sequence[str], tables: _FillerTables, cfg: DedupConfig) -> _Units:
    """Each text's distinct weighted units, its main-title content and its token set."""
    n_texts = len(texts)
    stream = _unit_stream(texts, tables, cfg)
    main_tid = stream.tid[stream.main]
    main_hash = _mix(stream.packed[stream.main] >> np.uint64(4))
    token_sig, token_count = _token_sets(
        stream.tid[stream.token], stream.packed[stream.token] >> np.uint64(4), n_texts
    )
    places = _place_rows(stream.place_tid, stream.place, n_texts)
    # Handed over in a list so that _distinct_rows can free the stream before its big matrix.
    box = [stream]
    del stream
    offsets, flat = _distinct_rows(box, n_texts, cfg.max_units)
    levels = _weight_table(cfg)
    level = (flat & np.uint64(15)).astype(np.intp)
    weights = levels.weight[level]
    # Aspect markers are few: find them, then whether each text's main title names one.
    aspect = np.flatnonzero(levels.kind[level] == _ASPECT_KIND)
    in_main = levels.main[level[aspect]]
    tail = (levels.kind[level] == _CONTENT_KIND) & levels.main[level] & ~levels.head[level]
    marker = np.zeros(flat.size, dtype=bool)
    marker[aspect] = True
    del level
    flat >>= np.uint64(4)
    total = np.zeros(n_texts, dtype=np.float64)
    filled = offsets[1:] > offsets[:-1]
    if weights.size:
        total[filled] = np.add.reduceat(weights, offsets[:-1][filled])
    row = np.searchsorted(offsets, aspect, side="right") - 1
    asks = np.zeros(n_texts, dtype=bool)
    asks[row[in_main]] = True
    asked = in_main | ~asks[row]
    question = np.zeros(flat.size, dtype=bool)
    question[aspect[asked]] = True
    return _Units(
        offsets=offsets,
        codes=flat,
        weights=weights,
        total=total,
        token_sig=token_sig,
        token_count=token_count,
        question=question,
        question_count=np.bincount(row[asked], minlength=n_texts),
        asks=asks,
        tail=tail,
        marker=marker,
        tail_count=np.bincount(
            np.searchsorted(offsets, np.flatnonzero(tail), side="right") - 1, minlength=n_texts
        ),
        main_tid=main_tid,
        main_hash=main_hash,
        places=places,
    )


def _place_rows(tid: NDArray[np.int32], place: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Per text, up to _PLACES_KEPT distinct places it names, lowest ids first (-1 pads)."""
    out = np.full((n, _PLACES_KEPT), -1, dtype=np.int64)
    if tid.size == 0:
        return out
    order = np.lexsort((place, tid))
    tid, place = tid[order], place[order]
    once = np.ones(tid.size, dtype=bool)
    once[1:] = (tid[1:] != tid[:-1]) | (place[1:] != place[:-1])
    tid, place = tid[once], place[once]
    rank = np.arange(tid.size) - np.searchsorted(tid, tid)
    keep = rank < _PLACES_KEPT
    out[tid[keep], rank[keep]] = place[keep]
    return out


# ---------------------------------------------------------------------------------------------
# Candidates: deletion neighbourhood of the main title's content multiset


def _deletion_keys(
    owner_of: NDArray[np.int64],
    hashes: NDArray[np.uint64],
    total: NDArray[np.uint64],
    cfg: DedupConfig,
) -> list[tuple[NDArray[np.uint64], NDArray[np.int64]]]:
    """Per deletion count d = 1..max_edits: each owner's multiset hash minus d adjacent units.

    `owner_of` names the owner of each unit hash (an owner's units are contiguous, in text
    order) and `total[owner]` is the sum of its unit hashes.
    """
    size = np.bincount(owner_of, minlength=total.size)
    out = []
    with np.errstate(over="ignore"):
        for d in range(1, cfg.max_edits + 1):
            m = max(owner_of.size - d + 1, 0)
            owner = owner_of[:m]
            removed = np.zeros(m, dtype=np.uint64)
            for k in range(d):
                removed += hashes[k : m + k]
            ok = (owner == owner_of[d - 1 : d - 1 + m]) & (size[owner] - d >= cfg.min_remaining)
            out.append((total[owner[ok]] - removed[ok], owner[ok]))
    return out


def _group_pairs(
    sorted_keys: NDArray[np.uint64] | NDArray[np.int64], max_bucket: int, *, skip: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Index pairs (i < j) of equal sorted keys; a group above max_bucket is a star or skipped."""
    # Most keys are alone: work on the entries that equal a neighbour only.
    same = sorted_keys[1:] == sorted_keys[:-1]
    in_group = np.zeros(sorted_keys.size, dtype=bool)
    in_group[1:] = same
    in_group[:-1] |= same
    idx = np.flatnonzero(in_group)
    if idx.size == 0:
        return idx, idx
    new = np.ones(idx.size, dtype=bool)
    new[1:] = sorted_keys[idx[1:]] != sorted_keys[idx[:-1]]
    group_start = np.flatnonzero(new)
    sizes = np.diff(np.append(group_start, idx.size))
    size = np.repeat(sizes, sizes)
    rank = np.arange(idx.size) - np.repeat(group_start, sizes)
    big = 0 if skip else np.where(rank == 0, size - 1, 0)
    partners = np.where(size > max_bucket, big, size - rank - 1)
    left = np.repeat(np.arange(idx.size), partners)
    right = _ranges(np.arange(1, idx.size + 1), partners)
    return idx[left], idx[right]


def _packed_sort(
    sets: Sequence[tuple[NDArray[np.uint64], NDArray[np.int64]]],
) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Keys cut to their top 32 bits, sorted, and the entries' owners (< 2**32) in that order."""
    shift = np.uint64(32)
    packed = np.concatenate([((k >> shift) << shift) | o.astype(np.uint64) for k, o in sets])
    packed.sort()
    return packed >> shift, packed & np.uint64(0xFFFFFFFF)


def _key_pairs(
    zero: NDArray[np.uint64],
    keysets: list[tuple[NDArray[np.uint64], NDArray[np.int64]]],
    cfg: DedupConfig,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Owner pairs sharing a key within the deletion budget (keys cut to 32 bits).

    `zero[owner]` is each owner's undeleted key, `keysets[d - 1]` its keys with d deletions.
    Keys with d <= max_edits // 2 are joined with each other; a key with more deletions is
    looked up among keys with at most max_edits - d; two-deletion keys are also joined with
    each other in buckets of at most `swap_bucket`. Cut keys can collide; a collision only
    adds a candidate for the verifier.
    """
    sets = [(zero, np.arange(zero.size, dtype=np.int64)), *keysets]
    half = cfg.max_edits // 2
    key, owner = _packed_sort(sets[: half + 1])
    left, right = _group_pairs(key, cfg.max_bucket)
    found_a, found_b = [owner[left]], [owner[right]]
    for d in range(half + 1, cfg.max_edits + 1):
        keys, owners = sets[d]
        target, target_owner = _packed_sort(sets[: cfg.max_edits - d + 1])
        if target.size == 0 or keys.size == 0:
            continue
        # A bitmap of the targets' top bits drops most queries before the binary search.
        bits = min(26, max(8, (target.size * 8).bit_length()))
        present = np.zeros(1 << bits, dtype=bool)
        present[target >> np.uint64(32 - bits)] = True
        query = keys >> np.uint64(32)
        hit = present[query >> np.uint64(32 - bits)]
        query, owners = query[hit], owners[hit]
        lo = np.searchsorted(target, query, side="left")
        count = np.minimum(np.searchsorted(target, query, side="right") - lo, cfg.max_bucket)
        found_a.append(np.repeat(owners, count).astype(np.uint64))
        found_b.append(target_owner[_ranges(lo, count)])
    if cfg.swap_bucket >= 2 and cfg.max_edits >= 2:
        # Two replaced on each side: only small buckets, big ones are siblings.
        key, owner = _packed_sort(sets[2:3])
        left, right = _group_pairs(key, cfg.swap_bucket, skip=True)
        found_a.append(owner[left])
        found_b.append(owner[right])
    return np.concatenate(found_a).astype(np.int64), np.concatenate(found_b).astype(np.int64)


def _unique_pairs(a: NDArray[np.int64], b: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """Distinct unordered pairs of different items as rows (low, high), ascending."""
    ok = a != b
    code = _sorted_unique(np.minimum(a[ok], b[ok]) * n + np.maximum(a[ok], b[ok]))
    return np.stack((code // n, code % n), axis=1)


def _candidate_pairs(units: _Units, n_texts: int, cfg: DedupConfig) -> NDArray[np.int64]:
    """Distinct text pairs (a < b) whose main titles are within the deletion budget."""
    t, h = units.main_tid, units.main_hash
    if t.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    new = np.ones(t.size, dtype=bool)
    new[1:] = t[1:] != t[:-1]
    texts, first = t[new], np.flatnonzero(new)
    with np.errstate(over="ignore"):
        zero = np.add.reduceat(h, first)
    # Texts with the same main-title multiset form a group; keys are made once per group.
    order = np.argsort(zero, kind="stable")
    is_new = np.ones(order.size, dtype=bool)
    is_new[1:] = zero[order[1:]] != zero[order[:-1]]
    group = np.empty(order.size, dtype=np.int64)
    group[order] = np.cumsum(is_new) - 1
    mains = zero[order[is_new]]
    group_of = np.full(n_texts, -1, dtype=np.int64)
    group_of[texts] = group
    is_rep = np.zeros(n_texts, dtype=bool)
    is_rep[texts[order[is_new]]] = True
    keep = is_rep[t]
    keysets = _deletion_keys(group_of[t[keep]], h[keep], mains, cfg)
    ga, gb = _key_pairs(mains, keysets, cfg)
    pairs = _unique_pairs(ga, gb, mains.size)
    # Texts: all pairs inside a group, and members x members across a paired group (the two
    # first members only when that product exceeds max_bucket).
    members = texts[order]
    sizes = np.bincount(group, minlength=mains.size)
    start = np.cumsum(sizes) - sizes
    left, right = _group_pairs(group[order], cfg.max_bucket)
    p, q = pairs[:, 0], pairs[:, 1]
    full = sizes[p] * sizes[q] <= cfg.max_bucket
    width = np.where(full, sizes[q], 1)
    count = np.where(full, sizes[p] * sizes[q], 1)
    which = np.repeat(np.arange(p.size), count)
    k = np.arange(which.size) - np.repeat(np.cumsum(count) - count, count)
    a = np.concatenate((members[left], members[start[p[which]] + k // width[which]]))
    b = np.concatenate((members[right], members[start[q[which]] + k % width[which]]))
    return np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1)


# ---------------------------------------------------------------------------------------------
# Typos: one character deleted, doubled or moved, past the subject


def _typo_pairs(texts: Sequence[str], cfg: DedupConfig) -> NDArray[np.int64]:
    """Text pairs (a < b) whose main-title character strings are one typo apart.

    The main title's letters, digits and Chinese characters form a string, taken twice: as
    it is, and without the filler words found intact (so that a typo also matches a copy
    with an adjective added or a template word swapped). The first `head_units` characters
    of a string are left alone. A pair is found when deleting one character after them from
    one string gives the other (a deletion or a doubled character), or deleting the same
    character from both, at different places, gives one string (two neighbours swapped, or
    a character moved). A character replaced is not a typo here: it is as often another
    name (杭州 / 广州, 小花钱包 / 小米钱包).
    """
    ch = _chars(texts)
    raw = (ch.cls == _HAN) | (ch.cls == _WORD)
    before = np.zeros(ch.cps.size + 1, dtype=np.int32)
    np.cumsum(raw, out=before[1:])
    split = _split_points(ch, before, cfg.min_main_units)
    del before
    main = raw & (np.arange(ch.cps.size) < split[ch.tid])
    tables = _filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon)
    _, word_class = _han_fillers(ch, tables)
    filler = word_class >= 0
    filler[filler] = ~tables.is_aspect[word_class[filler]]
    found = [_one_typo(ch, main, cfg), _one_typo(ch, main & ~filler, cfg)]
    a, b = (np.concatenate(side) for side in zip(*found, strict=True))
    return _unique_pairs(a, b, len(texts))


def _one_typo(
    ch: _Chars, keep_mask: NDArray[np.bool_], cfg: DedupConfig
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Owner pairs one typo apart on the strings of the kept characters (`_typo_pairs`)."""
    keep = np.flatnonzero(keep_mask)
    n = ch.starts.size
    if keep.size == 0:
        return keep, keep
    tid = ch.tid[keep]
    length = np.bincount(tid, minlength=n)
    start = np.cumsum(length) - length
    k = (np.arange(keep.size) - start[tid]).astype(np.int32)
    value = _mix(ch.cps[keep].astype(np.uint64))
    del keep
    powers = np.full(int(length.max()), _MUL, dtype=np.uint64)
    powers[0] = 1
    has = length > 0
    with np.errstate(over="ignore"):
        powers = np.cumprod(powers, dtype=np.uint64)
        inverse = np.uint64(pow(_MUL, -1, _U64))
        terms = value * powers[k]
        pre = np.cumsum(terms, dtype=np.uint64)  # inclusive, across texts
        offset = np.zeros(n, dtype=np.uint64)
        offset[has] = pre[start[has]] - terms[start[has]]  # what precedes each text
        pre -= offset[tid]  # inclusive prefix hash within the text
        full = np.zeros(n, dtype=np.uint64)
        full[has] = pre[start[has] + length[has] - 1]
        where = np.flatnonzero(
            (k >= cfg.head_units) & (length[tid] - 1 >= max(cfg.min_remaining, 1))
        )
        del k
        # The string with a position deleted: its prefix, then the rest moved down one place.
        pre, terms = pre[where], terms[where]
        deleted = (pre - terms) + (full[tid[where]] - pre) * inverse
        del pre, terms
        owner = tid[where].astype(np.int64)
        moved = _mix(deleted ^ value[where])
        del value, where, tid
        deleted = _mix(deleted)
    # A deletion: one text's string minus a character is another text's string.
    full_keys, full_owner = _sorted_by_key(_mix(full[has]), np.flatnonzero(has))
    probe = _maybe_in(deleted, full_keys)
    query, query_owner = deleted[probe], owner[probe]
    del deleted, probe
    lo = np.searchsorted(full_keys, query, side="left")
    count = np.minimum(np.searchsorted(full_keys, query, side="right") - lo, cfg.max_bucket)
    a = [np.repeat(query_owner, count)]
    b = [full_owner[_ranges(lo, count)]]
    # A swap or move: the same character deleted from both gives one string.
    probe = _maybe_repeated(moved)
    move_keys, move_owner = _sorted_by_key(moved[probe], owner[probe])
    left, right = _group_pairs(move_keys, cfg.max_bucket)
    a.append(move_owner[left])
    b.append(move_owner[right])
    return np.concatenate(a), np.concatenate(b)


def _sorted_by_key(
    keys: NDArray[np.uint64], owners: NDArray[np.int64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    order = np.argsort(keys)
    return keys[order], owners[order]


def _top_bits(size: int) -> int:
    return min(26, max(8, (size * 4).bit_length()))


def _maybe_in(queries: NDArray[np.uint64], keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Positions of the queries whose top bits some key has (a superset of the matches)."""
    bits = _top_bits(keys.size)
    shift = np.uint64(64 - bits)
    present = np.zeros(1 << bits, dtype=bool)
    present[keys >> shift] = True
    return np.flatnonzero(present[queries >> shift])


def _maybe_repeated(keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Positions of the keys whose top bits another key has (a superset of the repeats)."""
    bits = min(22, _top_bits(keys.size))  # bincount holds 8 bytes per bucket
    top = (keys >> np.uint64(64 - bits)).astype(np.int64)
    return np.flatnonzero(np.bincount(top, minlength=1 << bits)[top] >= 2)


# ---------------------------------------------------------------------------------------------
# Verifier


def _verify(units: _Units, pairs: NDArray[np.int64], chunk: int = 1 << 14) -> NDArray[np.float64]:
    """Weighted Jaccard of each pair's unit sets; 0 where their main titles conflict."""
    sims = np.zeros(len(pairs), dtype=np.float64)
    shift = np.uint64(_CODE_BITS)
    sizes = np.diff(units.offsets)
    for lo in range(0, len(pairs), chunk):
        a, b = pairs[lo : lo + chunk, 0], pairs[lo : lo + chunk, 1]
        local = np.arange(a.size, dtype=np.int64)
        row_a = np.repeat(local, sizes[a])
        ia = _ranges(units.offsets[a], sizes[a])
        ib = _ranges(units.offsets[b], sizes[b])
        # Rows are sorted by code, so the keys (pair << 40 | code) of each side are sorted.
        ka = (row_a.astype(np.uint64) << shift) | units.codes[ia]
        kb = (np.repeat(local, sizes[b]).astype(np.uint64) << shift) | units.codes[ib]
        if kb.size:
            found = np.minimum(np.searchsorted(kb, ka), kb.size - 1)
            hit = kb[found] == ka
            at = ib[found]  # the matching unit of b, where hit
        else:
            at, hit = ia, np.zeros(ia.size, dtype=bool)
        inter = np.bincount(
            row_a,
            weights=np.where(hit, np.minimum(units.weights[ia], units.weights[at]), 0.0),
            minlength=a.size,
        ).astype(np.float64, copy=False)  # bincount of nothing is int
        union = units.total[a] + units.total[b] - inter
        sim = np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
        conflict = (
            (units.token_count[a] > 0)
            & (units.token_count[b] > 0)
            & (units.token_sig[a] != units.token_sig[b])
        )
        # Both name their question, but not a common one: another question about the subject.
        # Two subtitles alone do not count: a spun subtitle is free to say anything.
        asked = np.flatnonzero(units.question[ia])
        shared = np.bincount(
            row_a[asked], weights=hit[asked] & units.question[at[asked]], minlength=a.size
        )
        conflict |= (
            (units.question_count[a] > 0)
            & (units.question_count[b] > 0)
            & (units.asks[a] | units.asks[b])
            & (shared == 0)
        )
        # Past their subjects the main titles share nothing and no aspect is common: the same
        # subject, another question (X / X退费指南, X还款指南 / X平台介绍). Shared means the unit
        # occurs anywhere in the other title, so a question moved into the subtitle counts.
        tail_shared = np.bincount(
            row_a,
            weights=hit & (units.tail[ia] | units.tail[at] | units.marker[ia]),
            minlength=a.size,
        )
        conflict |= (units.tail_count[a] + units.tail_count[b] >= 2) & (tail_shared == 0)
        conflict |= _place_conflict(units.places[a], units.places[b])
        sims[lo : lo + chunk] = np.where(conflict, 0.0, sim)
    return sims


def _place_conflict(pa: NDArray[np.int64], pb: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Both main titles name places (rows of place ids, -1 pads) but share none."""
    same: NDArray[np.bool_] = (pa[:, :, None] == pb[:, None, :]) & (pa[:, :, None] >= 0)
    shared = same.any(axis=(1, 2))
    out: NDArray[np.bool_] = (pa[:, 0] >= 0) & (pb[:, 0] >= 0) & ~shared
    return out


# ---------------------------------------------------------------------------------------------
# Exact groups, components, clusters


@dataclass(frozen=True)
class _Edges:
    """Verified pairs between distinct texts: a < b and their similarity."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    sim: NDArray[np.float64]


_NO_EDGES = _Edges(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))


def _exact_groups(texts: Sequence[str]) -> tuple[list[str], NDArray[np.int64]]:
    """Distinct normalised texts in first-seen order and, per input, its distinct-text index."""
    seen: dict[str, int] = {}
    ids = [seen.setdefault(normalize_text(text), len(seen)) for text in texts]
    return list(seen), np.array(ids, dtype=np.int64)


def _title_edges(distinct: list[str], cfg: DedupConfig) -> _Edges:
    if len(distinct) < 2:
        return _NO_EDGES
    # Typo pairs first: their arrays are freed before the units are built.
    typos = _typo_pairs(distinct, cfg)
    units = _title_units(distinct, _filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon), cfg)
    pairs = _candidate_pairs(units, len(distinct), cfg)
    sims = _verify(units, pairs)
    ok = sims >= cfg.threshold
    pairs, sims = pairs[ok], sims[ok]
    # Typo pairs pass unless a conflict rule rejects them (similarity 0), at `threshold` at
    # least.
    typo_sims = _verify(units, typos)
    hit = typo_sims > 0
    pairs = np.concatenate((pairs, typos[hit]))
    sims = np.concatenate((sims, np.maximum(typo_sims[hit], cfg.threshold)))
    # One edge per pair, the highest similarity.
    code = pairs[:, 0] * len(distinct) + pairs[:, 1]
    order = np.lexsort((-sims, code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = code[order[1:]] != code[order[:-1]]
    order = order[first]
    return _Edges(pairs[order, 0], pairs[order, 1], sims[order])


def _single_links(n: int, edges: _Edges) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Connected components (label = smallest member) and each one's weakest edge."""
    label = np.arange(n, dtype=np.int64)
    while edges.a.size:
        la, lb = label[edges.a], label[edges.b]
        differ = la != lb
        if not differ.any():
            break
        # Hook the larger root under the smaller one, then jump pointers to the roots.
        np.minimum.at(label, np.maximum(la, lb)[differ], np.minimum(la, lb)[differ])
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    weakest = np.full(n, np.inf)
    np.minimum.at(weakest, label[edges.a], edges.sim)
    return label, weakest


def _star_links(n: int, edges: _Edges) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Star clusters (label = centre) and each one's weakest member-to-centre edge.

    Same result as: for each text in first-seen order, if no centre has taken it, it becomes
    a centre and takes its neighbours not yet taken. Done in rounds: a text decides once all
    its earlier neighbours have, so a round settles at least the earliest undecided text.
    """
    label = np.arange(n, dtype=np.int64)
    weakest = np.full(n, np.inf)
    order = np.lexsort((edges.a, edges.b))
    u, v, sim = edges.a[order], edges.b[order], edges.sim[order]
    state = np.zeros(n, dtype=np.int8)  # 0 undecided, 1 centre, 2 member
    while u.size:
        live = state[u] != 2
        u, v, sim = u[live], v[live], sim[live]
        has_earlier = np.zeros(n, dtype=bool)
        has_earlier[v] = True
        centre = u[(state[u] == 0) & ~has_earlier[u]]
        state[centre] = 1
        first = np.ones(v.size, dtype=bool)
        first[1:] = v[1:] != v[:-1]
        take = first & (state[u] == 1)
        label[v[take]] = u[take]
        state[v[take]] = 2
        np.minimum.at(weakest, u[take], sim[take])
        pending = state[v] == 0
        u, v, sim = u[pending], v[pending], sim[pending]
    return label, weakest


def _clusters(
    ids: NDArray[np.int64], label: NDArray[np.int64], weakest: NDArray[np.float64]
) -> list[Cluster]:
    """Clusters over inputs from per-distinct-text labels and per-label weakest links."""
    comp = label[ids]
    members = np.flatnonzero(np.bincount(comp, minlength=label.size)[comp] >= 2)
    if members.size == 0:
        return []
    members = members[np.argsort(comp[members], kind="stable")]
    starts = np.flatnonzero(np.diff(comp[members], prepend=-1))
    ends = np.append(starts[1:], members.size).tolist()
    low = weakest[comp[members[starts]]]
    exact = np.isinf(low).tolist()
    flat = members.tolist()
    # A label is its cluster's first-seen text, so groups come in representative order.
    return [
        Cluster(
            cluster_id=k,
            members=tuple(flat[start:end]),
            representative=flat[start],
            similarity=1.0 if is_exact else sim,
            kind="exact" if is_exact else "near",
        )
        for k, (start, end, sim, is_exact) in enumerate(
            zip(starts.tolist(), ends, low.tolist(), exact, strict=True)
        )
    ]


def _link(ids: NDArray[np.int64], edges: _Edges, cfg: DedupConfig) -> list[Cluster]:
    n_distinct = int(ids.max()) + 1 if ids.size else 0
    links = _star_links if cfg.linkage == "star" else _single_links
    return _clusters(ids, *links(n_distinct, edges))


def find_pairs(
    titles: Sequence[str], config: DedupConfig = DedupConfig()
) -> list[tuple[int, int, float]]:
    """Input index pairs (i < j, ascending) judged duplicates: exact (1.0) or verified re-spins.

    Pairs are direct decisions, not the transitive closure that `cluster_titles` builds; an
    exact group of k titles yields k * (k - 1) / 2 pairs.
    """
    distinct, ids = _exact_groups(titles)
    edges = _title_edges(distinct, config)
    by_id: dict[int, list[int]] = {}
    for index, d in enumerate(ids.tolist()):
        by_id.setdefault(d, []).append(index)
    pairs = [(i, j, 1.0) for group in by_id.values() for i, j in itertools.combinations(group, 2)]
    for a, b, sim in zip(edges.a.tolist(), edges.b.tolist(), edges.sim.tolist(), strict=True):
        pairs.extend((min(i, j), max(i, j), sim) for i in by_id[a] for j in by_id[b])
    return sorted(pairs)


def cluster_titles(titles: Sequence[str], config: DedupConfig = DedupConfig()) -> list[Cluster]:
    """Clusters of exact and near-duplicate titles (re-spins); singletons are left out."""
    distinct, ids = _exact_groups(titles)
    return _link(ids, _title_edges(distinct, config), config)


# ---------------------------------------------------------------------------------------------
# Bodies


def _shingles(texts: Sequence[str], size: int) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Hashed character shingles of each text (punctuation and spaces dropped), with owners."""
    ch = _chars(texts)
    keep = (ch.cls == _HAN) | (ch.cls == _WORD)
    cps, tid = ch.cps[keep], ch.tid[keep]
    kept = np.bincount(tid, minlength=len(texts))
    last = np.cumsum(kept)[tid] - 1
    # A text shorter than one shingle is one shingle of what it has.
    span = np.minimum(size, kept[tid])
    pos = np.flatnonzero(np.arange(cps.size) + span - 1 <= last)
    h = np.zeros(pos.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(size):
            term = cps[np.minimum(pos + k, max(cps.size - 1, 0))].astype(np.uint64)
            h = np.where(k < span[pos], h * np.uint64(_MUL) + term, h)
    return _mix(h), tid[pos]


def _minhash(
    hashes: NDArray[np.uint64], owners: NDArray[np.int64], n: int, cfg: DedupConfig
) -> NDArray[np.uint64]:
    """MinHash signatures (n, text_num_perm) from hashes grouped by ascending owner."""
    rng = np.random.default_rng(cfg.seed)
    mult = rng.integers(1, 1 << 63, cfg.text_num_perm, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 1 << 63, cfg.text_num_perm, dtype=np.uint64)
    sig = np.full((n, cfg.text_num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    if hashes.size == 0:
        return sig
    new = np.ones(owners.size, dtype=bool)
    new[1:] = owners[1:] != owners[:-1]
    rows, seg = owners[new], np.flatnonzero(new)
    with np.errstate(over="ignore"):
        for p in range(cfg.text_num_perm):
            x = hashes * mult[p] + add[p]
            sig[rows, p] = np.minimum.reduceat(x ^ (x >> np.uint64(29)), seg)
    return sig


#: Texts shingled at once: the shingle arrays take ~100 bytes per character, so a crawl's
#: bodies go through in slices and only the signatures (text_num_perm × 8 bytes each) stay.
_TEXT_SLICE = 1000


def _signatures(
    distinct: list[str], cfg: DedupConfig
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """MinHash signatures of every text, and the texts that have any shingle."""
    sig = np.empty((len(distinct), cfg.text_num_perm), dtype=np.uint64)
    rows = []
    for start in range(0, len(distinct), _TEXT_SLICE):
        part = distinct[start : start + _TEXT_SLICE]
        hashes, owners = _shingles(part, cfg.text_shingle)
        sig[start : start + len(part)] = _minhash(hashes, owners, len(part), cfg)
        rows.append(_sorted_unique(owners) + start)
    return sig, np.concatenate(rows)


def _text_edges(distinct: list[str], cfg: DedupConfig) -> _Edges:
    n = len(distinct)
    if n < 2:
        return _NO_EDGES
    sig, rows = _signatures(distinct, cfg)
    width = cfg.text_num_perm // cfg.text_bands
    found_a, found_b = [], []
    for band in range(cfg.text_bands):
        block = sig[rows, band * width : (band + 1) * width]
        key = _mix(block[:, 0] ^ np.uint64(band))
        for r in range(1, width):
            key = _mix(key ^ block[:, r])
        order = np.argsort(key, kind="stable")
        left, right = _group_pairs(key[order], cfg.max_bucket)
        found_a.append(rows[order[left]])
        found_b.append(rows[order[right]])
    pairs = _unique_pairs(np.concatenate(found_a), np.concatenate(found_b), n)
    est = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    ok = est >= cfg.text_threshold
    return _Edges(pairs[ok, 0], pairs[ok, 1], est[ok])


def cluster_texts(texts: Sequence[str], config: DedupConfig = DedupConfig()) -> list[Cluster]:
    """Clusters of exact and near-duplicate bodies (shingle MinHash + LSH); no singletons."""
    distinct, ids = _exact_groups(texts)
    return _link(ids, _text_edges(distinct, config), config)
