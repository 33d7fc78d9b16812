"""Dates a title names (a conflict rule beside step 4 of `reports.neardup`).

A lottery draw, a match or a notice is one article per day: 威力彩开奖了!12/1中奖号码出炉… and
…11/3中奖号码出炉… share every other word. Two titles that both name a date, but not the same
dates, are two articles; a title naming a date against one naming none is left to the
verifier. The verifier's number rules look at the main title only, and a farm often puts the
date in the subtitle.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

# Month and day: 12/1, 2024/11/3, 7月4日, 7月4号; not inside a longer number (24/7, 1/10000).
# Not 11-3 or 3.15: ranges (12-13岁) and versions read the same.
_DATE = re.compile(
    r"(?<![0-9.])(1[0-2]|0?[1-9])(?:/|\s*月\s*)(3[01]|[12][0-9]|0?[1-9])(?:\s*[日号])?(?![0-9])"
)


def date_conflicts(texts: list[str], pairs: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Per pair: both texts name dates, and not the same set."""
    signature = np.zeros(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        # Most titles hold neither mark: two substring tests skip them.
        if "/" in text or "月" in text:
            days = {(int(m), int(d)) for m, d in _DATE.findall(text)}
            if days:
                signature[row] = hash(frozenset(days)) | 1  # never 0: 0 is no date
    a, b = signature[pairs[:, 0]], signature[pairs[:, 1]]
    out: NDArray[np.bool_] = (a != 0) & (b != 0) & (a != b)
    return out
