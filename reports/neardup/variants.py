"""Variant wordings folded to one (before step 2 of `reports.neardup`): each word of a class
in `dedup/title_variants.toml` is replaced by the class's canonical word, so a re-spin that names
its subject another way (预付款 / 先付款 / 信用预付) reads the same to every later step."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from reports.neardup.tokens import load_variants

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path


@functools.cache
def _folder(path: Path | None) -> Callable[[str], str] | None:
    """A function replacing every variant word in a normalised text, or None (no words)."""
    lexicon = load_variants(path)
    canonical: dict[int, str] = {}
    for word, c in lexicon.words.items():
        canonical.setdefault(c, word)
    swap = {w: canonical[c] for w, c in lexicon.words.items() if canonical[c] != w}
    if not swap:
        return None
    # Longest first, so that a variant holding another (全新未拆封 / 未拆封) wins.
    pattern = re.compile("|".join(map(re.escape, sorted(swap, key=len, reverse=True))))
    # Most titles hold no variant: a cheap test on the words' first characters skips them.
    starts = re.compile("[" + re.escape("".join(sorted({w[0] for w in swap}))) + "]")

    def fold(text: str) -> str:
        if not starts.search(text):
            return text
        return pattern.sub(lambda m: swap[m.group(0)], text)

    return fold


def fold_variants(texts: Sequence[str], path: Path | None = None) -> list[str]:
    """Normalised texts with each variant word replaced by its class's canonical word."""
    fold = _folder(path)
    return list(texts) if fold is None else [fold(t) for t in texts]
