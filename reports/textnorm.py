"""Text normalisation shared by the audits: one notion of "the same text" for spam and dedup.

Chinese spam titles mix full-width and half-width forms (ｅ卡 / e卡, ：/ :), letter case
(E卡 / e卡) and, on some farms, traditional characters. NFKC folds the width forms, casefold
the case, and a small table maps the traditional characters that matter to these lexicons.
"""

from __future__ import annotations

import re
import unicodedata

# Traditional → simplified for characters that occur in the risk lexicons and in re-spun titles.
# A full converter (OpenCC) is heavy; these cover the terms we match on. Each line pair is
# aligned character for character (the second pair was added for the spam lexicons).
_TRAD_TO_SIMP = str.maketrans(
    "現貸錢額購備機賭場幣還債證東轉讓價門網會員產實體戶帳賬號習寶壓約娛樂擔與為優點開關億萬線個們這裡後來時間問題處費務協執訴訟詐騙經濟簽區塊鏈礦槓桿淨專業紅倫"
    "書買賣倉傳決雙變唄圍獎對當戲報擬掛數無舊顯檢氣滿熱狀環禮紀絡續聯規視計記詞請責貨資贏達過銅銀隨預頻馬黃團徵條籌級虛權砲註歐臺兌輸審盤錄復複",
    "现贷钱额购备机赌场币还债证东转让价门网会员产实体户账账号习宝压约娱乐担与为优点开关亿万线个们这里后来时间问题处费务协执诉讼诈骗经济签区块链矿杠杆净专业红伦"
    "书买卖仓传决双变呗围奖对当戏报拟挂数无旧显检气满热状环礼纪络续联规视计记词请责货资赢达过铜银随预频马黄团征条筹级虚权炮注欧台兑输审盘录复复",
)
# str.translate walks every character through a dict; most text holds no traditional
# character at all, and one regex search is cheaper than that walk (the spam audit normalises
# millions of link texts).
_TRAD_CHARS = re.compile("[" + "".join(chr(c) for c in _TRAD_TO_SIMP) + "]")


def normalize_text(text: str) -> str:
    """NFKC, casefold, traditional→simplified for lexicon characters, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if _TRAD_CHARS.search(folded):
        folded = folded.translate(_TRAD_TO_SIMP)
    # split() splits on the same Unicode whitespace as r"\s+" and drops it at both ends.
    return " ".join(folded.split())
