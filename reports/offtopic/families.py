"""Topic families: the family lexicon (`topics/families.toml`) and the family shares
learned from a crawl's titles."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reports.offtopic.config import OfftopicConfig, OfftopicConfigError
from reports.offtopic.tokens import Tokenizer, counts, word_pattern
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


BUNDLED_FAMILIES = Path(__file__).parents[1] / "topics" / "families.toml"


class Families:
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
        self._pattern = word_pattern(terms)

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


def fit_families(
    tok: Tokenizer, families: Families, titles: list[str], config: OfftopicConfig
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Each n-gram's family shares over the titles holding it (lexicon terms as labels).

    A brand the lexicon does not know (a loan app, a recycler) takes the families of the
    titles it appears in: 借款, 下款 and 催收 beside it make it a lender.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, len(families)), dtype=np.float32))
    if not config.family_weight or not titles or not len(families):
        return empty
    labels = np.minimum(families.hits(titles), 1.0)
    doc, bucket, _ = counts(tok.grams(titles), config.buckets)
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
