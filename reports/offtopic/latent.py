"""The latent part: a randomised truncated SVD (LSA) of the titles' TF-IDF matrix."""

from __future__ import annotations

import zlib
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from reports.offtopic.config import OfftopicConfig
from reports.offtopic.tokens import Tokenizer, Weights, counts

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from numpy.typing import NDArray


_RNG_SEED = 20240531


class Projection:
    """Vectors by n-gram bucket for `project`: each bucket's row (-1: none) in a dense array
    over all buckets, and the vectors' columns as float64. A lookup by bucket is a gather,
    not a binary search of every n-gram (a third of `project` on farm bodies)."""

    def __init__(self, keys: NDArray[np.int64], vectors: NDArray[np.float32], buckets: int) -> None:
        self.width = int(vectors.shape[1])
        size = max(buckets, int(keys.max()) + 1) if len(keys) else 0
        self.row = np.full(size, -1, dtype=np.int32)
        self.row[keys] = np.arange(len(keys), dtype=np.int32)
        self.columns = np.ascontiguousarray(vectors.T, dtype=np.float64)


def project(rows: Weights, n: int, projection: Projection) -> NDArray[np.float64]:
    """(n, width): per text, the weighted sum of the vectors of its n-grams that have one.

    Column by column, each one scatter-add over the texts: the same sums, in the same order,
    as one scatter-add over (text, column) cells, without (n-grams × width) temporaries."""
    width = projection.width
    out = np.zeros((n, width))
    if not len(projection.row) or not len(rows.bucket):
        return out
    pos = projection.row[rows.bucket]
    hit = np.flatnonzero(pos >= 0)
    pos, weight, text = pos[hit], rows.weight[hit], rows.text[hit]
    for k in range(width):
        out[:, k] = np.bincount(text, weights=weight * projection.columns[k][pos], minlength=n)
    return out


class TitleSample:
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


def chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def fit_latent(
    tok: Tokenizer, titles: list[str], idf: NDArray[np.float64], config: OfftopicConfig
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Randomised truncated SVD of the L2-normalised TF-IDF title matrix; term vectors V_k."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, config.latent_dims), dtype=np.float32))
    if config.latent_dims == 0 or not titles:
        return empty
    doc, bucket, count = counts(tok.grams(titles), config.buckets)
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
