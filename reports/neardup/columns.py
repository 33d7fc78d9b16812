"""Column names read as subtitles (before step 2 of `reports.neardup`).

News and gossip sites head their articles with the name of a column or section:
电子消费券|领展加码送…, 安心出行|公院下周一起必须扫码…, 《時來運轉》運彩報報-水手新生代王牌復出….
Read as a main title, the column name makes every article of the column one main title with
another subtitle, and the verifier pairs them. A re-spin farm writes the other way round: an
article title and a short slogan after it (京东e卡回收全攻略:轻松三步实现卡券变现), and the same
slogans after many titles.

A head (the text before the first column separator) is a column when the crawl writes it before
at least `column_titles` different remainders that are each at least `column_ratio` times as
long as the head and follow no other head: a slogan recurs after many titles, an article title
does not. Such a title is read as remainder, "|", head: the article first, the column as its
subtitle.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.neardup.config import DedupConfig

# A column name is short and ends at a bar, colon, dash or underscore (a hyphen between two
# letters or digits is part of a word: iphone-13, and such a head is left alone). Not ? or !:
# a question before its answer is the title itself (老虎机怎么玩?全面解析…).
_HEAD = re.compile(r"([^|丨:—_\-]{2,16}?)\s*(?:[|丨:—]|(?<![a-z0-9])[-_]|[-_](?![a-z0-9]))\s*(.+)$")


def read_columns(texts: list[str], cfg: DedupConfig) -> list[str]:
    """Normalised texts with a column head moved behind the article title ("R|H")."""
    if cfg.column_titles <= 0:
        return texts
    cuts = [_HEAD.match(t) for t in texts]
    heads_of: defaultdict[str, set[str]] = defaultdict(set)
    for cut in cuts:
        if cut is not None:
            heads_of[cut.group(2)].add(cut.group(1))
    remainders: defaultdict[str, set[str]] = defaultdict(set)
    for cut in cuts:
        if cut is None:
            continue
        head, rest = cut.group(1), cut.group(2)
        # A remainder after two heads is a slogan, and a short one may be too.
        if len(heads_of[rest]) == 1 and len(rest) >= cfg.column_ratio * len(head):
            remainders[head].add(rest)
    columns = {head for head, rests in remainders.items() if len(rests) >= cfg.column_titles}
    if not columns:
        return texts
    return [
        t if cut is None or cut.group(1) not in columns else f"{cut.group(2)}|{cut.group(1)}"
        for t, cut in zip(texts, cuts, strict=True)
    ]
