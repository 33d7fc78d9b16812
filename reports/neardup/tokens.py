"""Title units (step 2 of `reports.neardup`): lexicons, character classes, hashing, and
the unit stream of each title (characters, tokens, numbers, fillers, aspects, places)."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from reports.neardup.config import DedupConfig, DedupError
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from numpy.typing import NDArray


#: The filler lexicon shipped with the package.
BUNDLED_FILLERS = Path(__file__).parents[1] / "dedup" / "title_fillers.toml"
#: The aspect lexicon shipped with the package.
BUNDLED_ASPECTS = Path(__file__).parents[1] / "dedup" / "title_aspects.toml"
#: The place lexicon shipped with the package.
BUNDLED_PLACES = Path(__file__).parents[1] / "dedup" / "title_places.toml"
#: The variant lexicon shipped with the package.
BUNDLED_VARIANTS = Path(__file__).parents[1] / "dedup" / "title_variants.toml"

_Int = TypeVar("_Int", bound=np.integer[Any])


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


def load_variants(path: Path | None = None) -> FillerLexicon:
    """Read a variant lexicon TOML (same format; a class's first word is its canonical one);
    None reads the bundled file."""
    return _load_lexicon(BUNDLED_VARIANTS if path is None else path, "variant")


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
            kinds = set(classify(codepoints(word)).tolist())
            if kinds not in ({HAN}, {WORD}) or (HAN in kinds and len(word) > _MAX_FILLER):
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

_DROP, HAN, WORD, SEP = 0, 1, 2, 3
# 丨 is a CJK character used as a bar (标题丨站名); 〖 and 〔 open a bracketed subtitle.
_SEPARATORS = ":|?!([—–―【〖〔丨"
# A hyphen or underscore starts a subtitle too (标题-副标题, 标题_站名), but not between two
# letters or digits (wi-fi, iphone-13 stay one name with its model).
_JOINERS = "-_"
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
_JOINER_CPS = np.array([ord(c) for c in _JOINERS], dtype=np.uint32)
# The first-character table keeps one bit per filler length in a uint8.
_MAX_FILLER = 7
# Unit codes stay below 2**40, so (row << 40 | code) orders rows first and then codes.
CODE_BITS = 40
_SENTINEL = (1 << CODE_BITS) - 1
_FILLER_BASE = _MAX_CP
_WORD_FLAG = 1 << (CODE_BITS - 1)
_WORD_MASK = _WORD_FLAG - 2
MUL = 0x100000001B3
U64 = 1 << 64


def class_of(cp: int) -> int:
    """Character class of one code point (`bmp_classes` tabulates the same rule)."""
    char = chr(cp)
    if char in _SEPARATORS:
        return SEP
    if any(lo <= cp <= hi for lo, hi in _HAN_RANGES):
        return HAN
    return WORD if unicodedata.category(char)[0] in "LNM" else _DROP


@functools.cache
def bmp_classes() -> NDArray[np.uint8]:
    table = np.array(
        [unicodedata.category(chr(cp))[0] in "LNM" for cp in range(0x10000)], dtype=np.uint8
    )
    table *= WORD
    for lo, hi in _HAN_RANGES:
        table[lo : min(hi, 0xFFFF) + 1] = HAN
    table[[ord(c) for c in _SEPARATORS]] = SEP
    return table


def classify(cps: NDArray[np.uint32]) -> NDArray[np.uint8]:
    """Character class of each code point: drop, Han (one unit each), word, separator.

    A hyphen or underscore is a separator unless both its neighbours are letters or digits
    (`_JOINERS`); otherwise the class depends on the code point alone (`class_of`).
    """
    out = np.empty(cps.size, dtype=np.uint8)
    bmp = cps < 0x10000
    out[bmp] = bmp_classes()[cps[bmp]]
    if not bmp.all():
        astral = cps[~bmp]
        values = sorted_unique(astral)
        classes = np.array([class_of(int(v)) for v in values], dtype=np.uint8)
        out[~bmp] = classes[np.searchsorted(values, astral)]
    joiner = np.flatnonzero(np.isin(cps, _JOINER_CPS))
    if joiner.size:
        prev = np.where(joiner > 0, out[np.maximum(joiner - 1, 0)], _DROP)
        nxt = np.where(joiner + 1 < cps.size, out[np.minimum(joiner + 1, cps.size - 1)], _DROP)
        out[joiner[(prev != WORD) | (nxt != WORD)]] = SEP
    return out


def codepoints(text: str) -> NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def mix(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser: spreads codes over 64 bits, so sums of them hash multisets."""
    with np.errstate(over="ignore"):
        x = values + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _word_hash(word: str) -> int:
    """Polynomial hash of a word: sum of code point * MUL**position, modulo 2**64."""
    return sum(ord(ch) * pow(MUL, k, U64) for k, ch in enumerate(word)) % U64


def _word_code_array(word_hashes: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Unit codes of letter/digit runs from their `_word_hash` values."""
    return np.uint64(_WORD_FLAG) | (mix(word_hashes) & np.uint64(_WORD_MASK))


def _word_code(word_hash: int) -> int:
    """Unit code of one letter/digit run from its `_word_hash`."""
    return int(_word_code_array(np.array([word_hash], dtype=np.uint64))[0])


def sorted_unique(values: NDArray[_Int]) -> NDArray[_Int]:
    """np.unique by sorting (numpy's hash-based unique is far slower on large int arrays)."""
    out = np.sort(values)
    keep = np.ones(out.size, dtype=bool)
    keep[1:] = out[1:] != out[:-1]
    return out[keep]


def ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
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
def filler_tables(path: Path | None, aspect_path: Path | None = None) -> _FillerTables:
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
    han = {w: c for w, c in words_of.items() if classify(codepoints(w))[0] == HAN}
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
def place_tables(path: Path | None) -> _FillerTables:
    """The place lexicon as match tables (one class per place; Chinese words only)."""
    places = load_places(path)
    if any(classify(codepoints(w))[0] != HAN for w in places.words):
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
class Chars:
    """All texts' code points in one array, with owner, class and each text's start."""

    cps: NDArray[np.uint32]
    tid: NDArray[np.int32]
    starts: NDArray[np.int64]
    cls: NDArray[np.uint8]


def chars(texts: Sequence[str], context: tuple[str, str] = ("", "")) -> Chars:
    """The texts' characters. `context`: the characters just before and after these texts
    when they are a chunk of a longer run of texts (the joiner rule of `classify` reads a
    joiner's neighbours, across texts too), so that a chunk's classes are the run's."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    head, tail = context
    cps = codepoints(head + "".join(texts) + tail)
    cls = classify(cps)[len(head) : cps.size - len(tail)]
    cps = cps[len(head) : cps.size - len(tail)]
    tid = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    return Chars(cps, tid, np.cumsum(lengths) - lengths, cls)


def text_chunks(texts: Sequence[str], chunk_chars: int) -> Iterator[tuple[int, int, Chars]]:
    """Runs of whole texts of about `chunk_chars` characters: first and past-last text, and
    their characters (as `chars(texts)` reads them)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if ends.size else 0
    cuts = np.searchsorted(ends, np.arange(chunk_chars, total, chunk_chars))
    edges = np.unique(np.concatenate(([0, len(texts)], cuts))).tolist()
    filled = np.flatnonzero(lengths)
    before = ""
    for a, b in itertools.pairwise(edges):
        after = filled[np.searchsorted(filled, b) :][:1].tolist()
        chunk = texts[a:b]
        yield a, b, chars(chunk, (before, texts[after[0]][0] if after else ""))
        before = next((t[-1] for t in reversed(chunk) if t), before)


def han_fillers(ch: Chars, tables: _FillerTables) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
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
                h += ch.cps[pos + k].astype(np.uint64) * np.uint64(pow(MUL, k, U64))
                ok &= (ch.cls[pos + k] == HAN) & (covered[pos + k] < 0)
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


def _word_runs(ch: Chars, tables: _FillerTables, found: NDArray[np.int16]) -> _Runs:
    """Runs of word characters, hashed; a letter/digit filler or aspect goes into `found`."""
    word_pos = np.flatnonzero(ch.cls == WORD)
    if word_pos.size == 0:
        return _Runs(word_pos, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool))
    # A run starts where the previous character is no word character of the same text.
    new = np.ones(word_pos.size, dtype=bool)
    new[1:] = (word_pos[1:] != word_pos[:-1] + 1) | (ch.tid[word_pos[1:]] != ch.tid[word_pos[:-1]])
    starts_in = np.flatnonzero(new)
    lengths = np.diff(np.append(starts_in, word_pos.size))
    offset = np.arange(word_pos.size) - np.repeat(starts_in, lengths)
    powers = np.full(int(lengths.max()), MUL, dtype=np.uint64)
    powers[0] = 1
    with np.errstate(over="ignore"):
        powers = np.cumprod(powers, dtype=np.uint64)
        run_hash = np.add.reduceat(ch.cps[word_pos].astype(np.uint64) * powers[offset], starts_in)
    first = word_pos[starts_in]
    cls = _lookup(tables.word_keys, tables.word_classes, run_hash)
    found[first] = cls
    return _Runs(first, _word_code_array(run_hash), cls < 0)


DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
DIGITS |= {"八": 8, "九": 9}
PLACES = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Characters that count what a number before them counts (十六岁, 两年, 三步, 十元).
COUNTERS = "岁元块年月天日期次个倍号周步名"
# Per BMP code point: 1 for a Chinese numeral character, 2 for a counter.
_NUMERAL_KIND = np.zeros(0x10000, dtype=np.uint8)
_NUMERAL_KIND[[ord(c) for c in (*DIGITS, *PLACES)]] = 1
_NUMERAL_KIND[[ord(c) for c in COUNTERS]] = 2
_MAX_NUMERAL = 8


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral (十六, 两千, 一百零五, 二〇二四), or None if it is none."""
    if len(text) > 1 and all(c in DIGITS for c in text):
        return int("".join(str(DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    for c in text:
        if c in "零〇":
            digit = None  # a skipped place: 一百零五
        elif c in DIGITS:
            if digit is not None:
                return None
            digit = DIGITS[c]
        elif PLACES[c] == 10000:
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * PLACES[c]
            digit = None
    return total + section + (digit or 0)


def _numeral_runs(ch: Chars, covered: NDArray[np.bool_]) -> _Runs:
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
    at = ranges(starts, lengths)
    offset = at - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        run_hash = np.add.reduceat(
            ch.cps[at].astype(np.uint64) * (np.uint64(MUL) ** offset.astype(np.uint64)),
            np.cumsum(lengths) - lengths,
        )
    _, first, inverse = np.unique(run_hash, return_index=True, return_inverse=True)
    values = [
        chinese_number("".join(map(chr, ch.cps[starts[i] : ends[i] + 1].tolist())))
        for i in first.tolist()
    ]
    ok = np.array([v is not None for v in values])[inverse]
    codes = _word_code_array(
        np.array([_word_hash(str(v)) if v is not None else 0 for v in values], dtype=np.uint64)
    )[inverse]
    starts, lengths = starts[ok], lengths[ok]
    covered[ranges(starts + 1, lengths - 1)] = True
    return _Runs(starts, codes[ok], np.ones(starts.size, dtype=bool))


@dataclass(frozen=True)
class Units:
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
    # Per unit: main-title content (head or tail); per row: how many.
    main: NDArray[np.bool_]
    main_count: NDArray[np.int64]
    # Per row: negation characters (`NEGATIONS`) and numbers in the main title.
    negation_count: NDArray[np.int64]
    number_count: NDArray[np.int64]
    any_number_count: NDArray[np.int64]  # numbers anywhere in the title, subtitle included
    main_tid: NDArray[np.int32]  # main-title content units in text order: their row
    main_hash: NDArray[np.uint64]  # ... and their 64-bit hash
    # Per row: up to _PLACES_KEPT places its main title names, lowest ids first (-1 pads).
    places: NDArray[np.int64]


_PLACES_KEPT = 3
#: Characters that negate what follows (未激活, 不看征信, 无抵押, 没逾期, 非本人).
NEGATIONS = "未不无没非"
_NEGATION_CODES = np.array([ord(c) for c in NEGATIONS], dtype=np.uint64)


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


def split_points(ch: Chars, before: NDArray[np.int32], min_main: int) -> NDArray[np.int64]:
    """Per text, the position of the separator that ends its main title (its length if none)."""
    seps = np.flatnonzero(ch.cls == SEP)
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
        np.add.at(sig, tid[once], mix(codes[once]))
    np.add.at(count, tid[once], 1)
    return sig, count


@dataclass(frozen=True)
class _Stream:
    """Every unit of every text in text order: owner, packed code and level, main content."""

    tid: NDArray[np.int32]
    packed: NDArray[np.uint64]  # code << 4 | weight level
    main: NDArray[np.bool_]  # content unit of the main title
    token: NDArray[np.bool_]  # ... that is a letter/digit run
    number: NDArray[np.bool_]  # ... that is a number (24, 十六 before a counter)
    any_number: NDArray[np.bool_]  # a number anywhere in the title, subtitle included
    negation: NDArray[np.bool_]  # main-title content negating what follows (not 高不高)
    place_tid: NDArray[np.int32]  # places named in main titles: owner, in text order
    place: NDArray[np.int64]  # ... and place id


def _tokens(
    ch: Chars, tables: _FillerTables, found: NDArray[np.int16], covered: NDArray[np.bool_]
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
    later = ranges(multi + np.cumsum(extra) - extra + 1, extra)
    number = later - np.repeat(later[np.cumsum(extra) - extra] - 1, extra)
    return np.repeat(pos, count), later, number


def _unit_stream(texts: Sequence[str], tables: _FillerTables, cfg: DedupConfig) -> _Stream:
    """Cut normalised texts into weighted units, vectorised over all texts at once.

    A position emits: its character or letter/digit token (content); the class of a filler
    starting there; or, for an aspect word starting there, a marker of its class (weight 0)
    and then the characters of the class's canonical word (content), so that 所需条件 and
    具体要求 both become 要求 while a character swap (间时 for 时间) still leaves the same set.
    """
    ch = chars(texts)
    found, word_class = han_fillers(ch, tables)
    covered = word_class >= 0
    del word_class
    runs = _tokens(ch, tables, found, covered)
    content = ((ch.cls == HAN) & ~covered).astype(np.int32)
    content[runs.first[runs.token]] = 1
    matched = np.flatnonzero(found >= 0)
    content[matched] = tables.canon_len[found[matched]]
    # Content units before each position, counted from the start of all texts.
    before = np.zeros(ch.cps.size + 1, dtype=np.int32)
    np.cumsum(content, out=before[1:])
    split = split_points(ch, before, cfg.min_main_units)
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
    lead = ch.cps[at]
    numeric = is_token & (
        ((lead >= ord("0")) & (lead <= ord("9")))
        | ((lead < 0x10000) & (_NUMERAL_KIND[np.minimum(lead, 0xFFFF)] == 1))
    )
    negation = main & np.isin(lead, _NEGATION_CODES)
    negation[canonical] = False  # an aspect's canonical word stands for another word
    negation[_questions(ch, at[negation], np.flatnonzero(negation))] = False
    return _Stream(
        tid,
        codes,
        main,
        main & is_token,
        main & numeric,
        numeric,
        negation,
        ch.tid[place_at],
        place,
    )


def _questions(ch: Chars, at: NDArray[np.int64], units: NDArray[np.int64]) -> NDArray[np.int64]:
    """The `units` whose character (at `at`) sits between two equal characters of its text:
    不 or 没 there asks a question (高不高, 有没有) and negates nothing."""
    prev, nxt = np.maximum(at - 1, 0), np.minimum(at + 1, ch.cps.size - 1)
    own = ch.tid[at]
    asks = (ch.cps[prev] == ch.cps[nxt]) & (ch.tid[prev] == own) & (ch.tid[nxt] == own)
    out: NDArray[np.int64] = units[asks & (prev < at) & (nxt > at)]
    return out


def _places(ch: Chars, cfg: DedupConfig) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start position and id of every place name (longest first, no overlaps)."""
    found, _ = han_fillers(ch, place_tables(cfg.place_lexicon))
    at = np.flatnonzero(found >= 0)
    return at, found[at].astype(np.int64)


def title_units(texts: Sequence[str], tables: _FillerTables, cfg: DedupConfig) -> Units:
    """Each text's distinct weighted units, its main-title content and its token set."""
    n_texts = len(texts)
    stream = _unit_stream(texts, tables, cfg)
    main_tid = stream.tid[stream.main]
    main_hash = mix(stream.packed[stream.main] >> np.uint64(4))
    token_sig, token_count = _token_sets(
        stream.tid[stream.token], stream.packed[stream.token] >> np.uint64(4), n_texts
    )
    places = _place_rows(stream.place_tid, stream.place, n_texts)
    number_count = np.bincount(stream.tid[stream.number], minlength=n_texts)
    any_number_count = np.bincount(stream.tid[stream.any_number], minlength=n_texts)
    negation_count = np.bincount(stream.tid[stream.negation], minlength=n_texts)
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
    in_main_title = (levels.kind[level] == _CONTENT_KIND) & levels.main[level]
    tail = in_main_title & ~levels.head[level]
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
    return Units(
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
        main=in_main_title,
        main_count=np.bincount(
            np.searchsorted(offsets, np.flatnonzero(in_main_title), side="right") - 1,
            minlength=n_texts,
        ),
        negation_count=negation_count,
        number_count=number_count,
        any_number_count=any_number_count,
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
