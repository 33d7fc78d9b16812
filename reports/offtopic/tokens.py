"""Text to hashed unit n-grams: stopwords cut out, CJK characters and ASCII words as units."""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reports.offtopic.config import OfftopicConfig
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray


# Units are CJK (and other non-ASCII word) characters one by one and ASCII words whole; an
# ASCII word becomes one private-use character so all n-gram work runs on code points.
_ASCII_WORD = re.compile(r"[0-9a-z]+")
_NON_WORD = re.compile(r"[\W_]+")
_PRIVATE_BASE = 0xF0000
_PRIVATE_SPAN = 0xFFFD
# Plane 15, where folded words live: such characters in a text are gaps (\W) before folding.
_PLANE_15 = re.compile("[\U000f0000-\U000fffff]")
_CODE_POINTS = 0x110000
_GAP = "\x00"  # between runs of one text
_END = "\x01"  # between texts
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


@dataclass(frozen=True, slots=True)
class _Grams:
    """N-gram occurrences of a batch of texts: which text, which bucket."""

    text: NDArray[np.int64]
    bucket: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Weights:
    """Sparse weights of many texts, sorted by text then bucket."""

    text: NDArray[np.int64]
    bucket: NDArray[np.int64]
    weight: NDArray[np.float64]


def word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
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


@functools.cache
def _word_characters() -> NDArray[np.bool_]:
    r"""Per code point, whether the units keep it: `\w` but not "_", and plane 15 (the folded
    words; a text's own plane-15 characters are made gaps before folding)."""
    every = "".join(map(chr, range(_CODE_POINTS)))
    kept = re.sub(r"[\W_]", "\x00", every)
    table = np.frombuffer(kept.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != 0
    table[_PRIVATE_BASE : _PRIVATE_BASE + _PRIVATE_SPAN] = True
    return table


class _Stopwords:
    """Stopwords found on code points: at each position the longest one, left to right,
    none inside another already taken, as a regex alternation of them (longest first) scans.
    Only for words of word characters with no ASCII; ASCII words are folded whole."""

    #: Code points are below 2^21: up to three make an exact 63-bit key.
    PACKED = 3

    def __init__(self, words: Iterable[str]) -> None:
        codes = {tuple(map(ord, w)) for w in words}
        self.longest = max(map(len, codes), default=0)
        self.first = np.zeros(_CODE_POINTS, dtype=bool)
        self.first[[c[0] for c in codes]] = True
        #: Per length up to PACKED: the words' keys, sorted.
        self.keys = {
            k: np.sort(np.array([_packed(c) for c in codes if len(c) == k], dtype=np.uint64))
            for k in range(1, self.PACKED + 1)
        }
        #: Longer words, and the keys of their first PACKED code points.
        self.long = {c for c in codes if len(c) > self.PACKED}
        self.prefixes = np.sort(
            np.array(sorted({_packed(c[: self.PACKED]) for c in self.long}), dtype=np.uint64)
        )

    def gaps(self, codes: NDArray[np.uint64]) -> NDArray[np.bool_]:
        """Whether each code lies in a stopword taken."""
        size = len(codes)
        start = np.flatnonzero(self.first[codes])
        padded = np.concatenate([codes, np.zeros(self.longest, dtype=np.uint64)])  # 0: no word
        length = np.zeros(len(start), dtype=np.int64)
        key = np.zeros(len(start), dtype=np.uint64)
        for k in range(1, min(self.longest, self.PACKED) + 1):  # ascending: the longest wins
            key |= padded[start + (k - 1)] << np.uint64(21 * (k - 1))
            length[_among(key, self.keys[k])] = k
        if self.long:  # few positions open a longer word: checked one by one
            for i in np.flatnonzero(_among(key, self.prefixes)).tolist():
                at = int(start[i])
                for k in range(self.longest, self.PACKED, -1):
                    if tuple(padded[at : at + k].tolist()) in self.long:
                        length[i] = k
                        break
        found = np.flatnonzero(length)
        start, length = start[found], length[found]
        taken = _leftmost(start, length, self.longest)
        mark = np.zeros(size + 1, dtype=np.int64)
        mark[start[taken]] += 1
        mark[start[taken] + length[taken]] -= 1
        covered: NDArray[np.bool_] = np.cumsum(mark[:size]) > 0
        return covered


def _packed(codes: tuple[int, ...]) -> int:
    return sum(c << (21 * j) for j, c in enumerate(codes))


def _among(values: NDArray[np.uint64], sorted_keys: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Whether each value is one of `sorted_keys`."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    found: NDArray[np.bool_] = sorted_keys[at] == values
    return found


def _leftmost(
    start: NDArray[np.int64], length: NDArray[np.int64], longest: int
) -> NDArray[np.bool_]:
    """Which matches (sorted by start; each the longest there) a left-to-right scan takes: a
    match is taken unless a taken one before it reaches past its start. Decided a wave at a
    time: a match no live one reaches is taken, one a taken one reaches is not."""
    n = len(start)
    taken = np.zeros(n, dtype=bool)
    open_ = np.ones(n, dtype=bool)
    end = start + length
    while open_.any():
        live = np.where(open_ | taken, end, -1)
        hit = np.where(taken, end, -1)
        reached = np.zeros(n, dtype=bool)
        reached_taken = np.zeros(n, dtype=bool)
        for d in range(1, longest):  # starts are distinct, so only the previous few reach
            reached[d:] |= live[:-d] > start[d:]
            reached_taken[d:] |= hit[:-d] > start[d:]
        lost = open_ & reached_taken
        won = open_ & ~reached
        taken |= won
        open_ &= ~(won | lost)
    return taken


class Tokenizer:
    """Normalised text → hashed unit n-grams, many texts at a time."""

    def __init__(self, config: OfftopicConfig) -> None:
        words = {normalize_text(w) for w in config.stopwords if w.strip()}
        stop = word_pattern(words)
        # Stopwords and punctuation become gaps in one pass: two passes cost a third more,
        # and the runs of gaps the single pass may leave split no n-gram the two would not.
        self._gaps = (
            _NON_WORD if stop is None else re.compile(f"{stop.pattern}|{_NON_WORD.pattern}")
        )
        self._ngram_max = config.ngram_max
        self._shift = np.uint64(64 - config.buckets.bit_length() + 1)
        self._words: dict[str, str] = {}
        # On code points (`_codes`) when every stopword is an ASCII word (folded whole, to a
        # gap) or word characters without ASCII; else by the regex above, as before.
        folded = {w for w in words if _ASCII_WORD.fullmatch(w)}
        others = words - folded
        self._stopwords: _Stopwords | None = None
        if all(
            re.fullmatch(r"[^\W_]+", w)
            and not re.search(r"[\x00-\x7f]", w)
            and not _PLANE_15.search(w)
            for w in others
        ):
            self._stopwords = _Stopwords(others)
            self._words.update(dict.fromkeys(folded, _GAP))

    def _units(self, text: str) -> str:
        """Normalised text with stopwords and punctuation turned into gaps, ASCII words folded."""
        # Gaps first: the private-use characters standing for words are not \w.
        text = self._gaps.sub(_GAP, normalize_text(text))
        return _ASCII_WORD.sub(self._word, text)

    def _word(self, match: re.Match[str]) -> str:
        word = match.group()
        char = self._words.get(word)
        if char is None:
            char = chr(_PRIVATE_BASE + zlib.crc32(word.encode("ascii")) % _PRIVATE_SPAN)
            self._words[word] = char
        return char

    def _codes(self, texts: Sequence[str], stopwords: _Stopwords) -> NDArray[np.uint64]:
        """The texts' units as code points (0: a gap, 1: between texts), as `_units` makes
        them: words folded first, then punctuation and stopwords made gaps column-wise (the
        regex scan of every body took a quarter of the profiles stage)."""
        word = self._word
        joined = (
            _END.join(_ASCII_WORD.sub(word, _PLANE_15.sub(_GAP, normalize_text(t))) for t in texts)
            + _END
        )
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        gap = ~_word_characters()[codes] & (codes != 1)
        codes[gap] = 0
        if stopwords.longest:
            codes[stopwords.gaps(codes)] = 0
        return codes

    def grams(self, texts: Sequence[str]) -> _Grams:
        """Every n-gram occurrence of `texts` (1..ngram_max units, never across a gap)."""
        if self._stopwords is not None:
            codes = self._codes(texts, self._stopwords)
        else:
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


def counts(
    grams: _Grams, buckets: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (text, bucket) pairs of `grams` with their counts, sorted by text then bucket."""
    key = grams.text * buckets + grams.bucket
    uniq, counts = np.unique(key, return_counts=True)
    return uniq // buckets, uniq % buckets, counts.astype(np.int64)
