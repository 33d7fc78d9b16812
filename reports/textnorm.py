"""Text normalisation shared by the audits: one notion of "the same text" for spam and dedup.

Chinese spam titles mix full-width and half-width forms (ｅ卡 / e卡, ：/ :), letter case
(E卡 / e卡) and, on some farms, traditional characters. NFKC folds the width forms, casefold
the case, and a small table maps the traditional characters that matter to these lexicons.
"""

from __future__ import annotations

import re
import unicodedata

# Traditional → simplified for characters that occur in the risk lexicons and in re-spun titles.
# A full converter (OpenCC) is heavy; these cover the terms we match on.
_TRAD_TO_SIMP = str.maketrans(
    "現貸錢額購備機賭場幣還債證東轉讓價門網會員產實體戶帳賬號習寶壓約娛樂擔與為優點開關億萬線個們這裡後來時間問題處費務協執訴訟詐騙經濟簽區塊鏈礦槓桿淨專業紅倫",
    "现贷钱额购备机赌场币还债证东转让价门网会员产实体户账账号习宝压约娱乐担与为优点开关亿万线个们这里后来时间问题处费务协执诉讼诈骗经济签区块链矿杠杆净专业红伦",
)
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, casefold, traditional→simplified for lexicon characters, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TRAD_TO_SIMP)
    return _SPACE.sub(" ", folded).strip()
