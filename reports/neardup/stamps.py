"""Year stamps read away (before step 2 of `reports.neardup`).

A farm stamps a title with the year to look fresh: 2025年美团月付怎么关闭, 【2025 最新】手机借款…,
tp官方下载安卓最新版本2024, 卡债整合2025最新指南. Next year's copy carries the next year, and a
copy without the stamp asks the same question; read as a number, the stamp would set the
verifier's number rules against both. A stamp is a year that opens the title, stands alone in
brackets, or sits next to a freshness word (最新, 终极, 版); a year inside the title is the
date of an event (时光分期2022年放款失败 / 时光分期2023年放款失败 are two articles) and stays.
"""

from __future__ import annotations

import re

# Not inside a longer number, nor an amount or a count (2000元, 2020款).
_UNIT = r"(?:元|块|万|千|亿|美元|个|次|期|人|份|张|件|分|款|型|号)"
_YEAR = r"(?:199\d|20[0-3]\d)(?![0-9.,%])(?!\s*" + _UNIT + ")"
# A year with its 年, unless a month follows (2025年7月4日 is a date).
_YEAR_NIAN = _YEAR + r"(?:\s*年(?!\s*[0-9一二三四五六七八九十]))?"
_FRESH = r"(?:最新|终极|全新|版|更新)"
_ANY_YEAR = re.compile(r"(?:199|20[0-3])\d")
_STAMP = re.compile(
    # Opening the title: 2025年美团月付怎么关闭.
    r"(?:^|(?<=^[\[【(〖]))\s*" + _YEAR_NIAN + r"(?=\s*(?:[^\d年]|$))"
    # Next to a freshness word: 2025最新指南, 最新版本2024, 【2025 最新】.
    r"|(?<![0-9.,])" + _YEAR_NIAN + r"(?=\s*" + _FRESH + r")"
    r"|(?:(?<=最新)|(?<=终极)|(?<=全新)|(?<=版)|(?<=版本)|(?<=更新))\s*" + _YEAR + r"(?!\s*年)"
    # Alone in brackets: 【环联信贷报告2025】 keeps its words, 【2025】 goes.
    r"|(?<=[\[【(])\s*" + _YEAR + r"\s*(?=[\]】)])"
)


def drop_year_stamps(texts: list[str]) -> list[str]:
    """Normalised texts without their year stamps."""
    # Most titles hold no year at all: one cheap search skips them.
    return [_STAMP.sub("", t) if _ANY_YEAR.search(t) else t for t in texts]
