"""Rows of strings by a 64-bit hash, checked against the strings themselves.

The links stage looks up every batch's distinct URLs among the crawl's page keys. As a Python
dict of a million keys that took an eighth of the stage at 1M pages: each batch turned its
URLs into Python strings and each lookup missed the CPU caches. Here a batch's strings are
hashed column-wise from their Arrow buffers, found by binary search among the keys' sorted
hashes, and each candidate is compared with its key (Arrow): a hash collision, by chance or
crafted, costs a slower lookup, never a wrong row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from numpy.typing import NDArray

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: invertible modulo 2^64
_BASE_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))
_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
_CHUNK = 1 << 16  # keys hashed at once when indexing (their bytes as uint64: 8x)


def string_hashes(strings: pa.Array) -> NDArray[np.uint64]:
    """A 64-bit polynomial hash of each string's UTF-8 bytes (a null hashes as "")."""
    if strings.type != pa.string():
        strings = strings.cast(pa.string())
    n = len(strings)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    _, offsets_buffer, data_buffer = strings.buffers()
    assert offsets_buffer is not None
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=n + 1, offset=4 * strings.offset)
    low, high = int(offsets[0]), int(offsets[-1])
    if data_buffer is None or high == low:
        values = np.zeros(0, dtype=np.uint64)
    else:
        values = np.frombuffer(data_buffer, dtype=np.uint8, count=high - low, offset=low).astype(
            np.uint64
        )
    starts = (offsets[:-1] - low).astype(np.int64)
    ends = (offsets[1:] - low).astype(np.int64)
    # Byte i weighs BASE^i; a string's sum, times BASE^-start, is its hash from position 0.
    # Integer arrays wrap modulo 2^64 in numpy, which is the arithmetic wanted here.
    powers = np.full(len(values) + 1, _BASE, dtype=np.uint64)
    powers[0] = 1
    np.multiply.accumulate(powers, out=powers)
    inverse = np.full(len(values) + 1, _BASE_INVERSE, dtype=np.uint64)
    inverse[0] = 1
    np.multiply.accumulate(inverse, out=inverse)
    summed = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values * powers[:-1], out=summed[1:])
    hashed: NDArray[np.uint64] = (summed[ends] - summed[starts]) * inverse[starts]
    hashed = hashed * _MIX + (ends - starts).astype(np.uint64)
    return hashed ^ (hashed >> np.uint64(31))


def _search(
    sorted_keys: NDArray[np.generic], values: NDArray[np.generic]
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Per value, a position in `sorted_keys` (not empty) and whether the key there equals it."""
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    found: NDArray[np.bool_] = sorted_keys[at] == values
    return at, found


class KeyIndex:
    """Row numbers of distinct string keys (row i: `keys[i]`), looked up many at a time."""

    def __init__(self, keys: pa.Array) -> None:
        self.keys = keys
        hashes = np.concatenate(
            [np.zeros(0, dtype=np.uint64)]
            + [string_hashes(keys.slice(at, _CHUNK)) for at in range(0, len(keys), _CHUNK)]
        )
        self.order = np.argsort(hashes, kind="stable")
        self.sorted = hashes[self.order]
        self._by_key: dict[str, int] | None = None  # made on a hash collision only

    def rows(self, strings: pa.Array) -> NDArray[np.int64]:
        """Each string's row (-1: no such key, or a null)."""
        n = len(strings)
        rows = np.full(n, -1, dtype=np.int64)
        if n == 0 or not len(self.sorted):
            return rows
        at, found = _search(self.sorted, string_hashes(strings))
        hit = np.flatnonzero(found)
        if not len(hit):
            return rows
        candidates = self.order[at[hit]]
        same = pc.fill_null(
            pc.equal(self.keys.take(pa.array(candidates)), strings.take(pa.array(hit))), False
        ).to_numpy(zero_copy_only=False)
        rows[hit[same]] = candidates[same]
        # A hash shared with another key (or a null, hashed as ""): ask the strings.
        for i in hit[~same].tolist():
            text = strings[i].as_py()
            if text is not None:
                rows[i] = self._by_text().get(text, -1)
        return rows

    def _by_text(self) -> dict[str, int]:
        """Row by key, as a dict (made once)."""
        if self._by_key is None:
            self._by_key = {k: i for i, k in enumerate(self.keys.to_pylist())}
        return self._by_key


class IntMap:
    """int64 keys → int64 values, looked up many at a time: most in sorted arrays (binary
    search, no Python object per key), the latest additions in a dict until `settle` merges
    them in. The links stage's verdicts by (anchor, page) pair: at 1M pages a million pairs,
    of which a batch asks about ten thousand and adds a few hundred."""

    #: Additions held in the dict before `settle` sorts them in (each merge copies the arrays).
    MERGE = 1 << 15

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0, dtype=np.int64)
        self.fresh: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.keys) + len(self.fresh)

    def get_many(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        """Each key's value (-1: none)."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if len(self.keys):
            at, hit = _search(self.keys, keys)
            out[hit] = self.values[at[hit]]
        if self.fresh:
            missing = np.flatnonzero(out < 0)
            get = self.fresh.get
            out[missing] = [get(k, -1) for k in keys[missing].tolist()]
        return out

    def put(self, key: int, value: int) -> None:
        """Add a key (not already there); it is found at once, from the dict."""
        self.fresh[key] = value

    def settle(self) -> None:
        """Sort the dict's keys into the arrays once it holds `MERGE` of them."""
        if len(self.fresh) < self.MERGE:
            return
        keys = np.concatenate([self.keys, np.fromiter(self.fresh.keys(), dtype=np.int64)])
        values = np.concatenate([self.values, np.fromiter(self.fresh.values(), dtype=np.int64)])
        order = np.argsort(keys, kind="stable")
        self.keys, self.values = keys[order], values[order]
        self.fresh = {}
