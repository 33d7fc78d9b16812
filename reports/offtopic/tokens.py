"""Text to hashed unit n-grams: stopwords cut out, CJK characters and ASCII words as units."""

from __future__ import annotations

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


class Tokenizer:
    """Normalised text → hashed unit n-grams, many texts at a time."""

    def __init__(self, config: OfftopicConfig) -> None:
        stop = word_pattern({normalize_text(w) for w in config.stopwords if w.strip()})
        # Stopwords and punctuation become gaps in one pass: two passes cost a third more,
        # and the runs of gaps the single pass may leave split no n-gram the two would not.
        self._gaps = (
            _NON_WORD if stop is None else re.compile(f"{stop.pattern}|{_NON_WORD.pattern}")
        )
        self._ngram_max = config.ngram_max
        self._shift = np.uint64(64 - config.buckets.bit_length() + 1)
        self._words: dict[str, str] = {}

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


def counts(
    grams: _Grams, buckets: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (text, bucket) pairs of `grams` with their counts, sorted by text then bucket."""
    key = grams.text * buckets + grams.bucket
    uniq, counts = np.unique(key, return_counts=True)
    return uniq // buckets, uniq % buckets, counts.astype(np.int64)
