"""The tokenizer's two paths: on code points (the default stopwords) and by regex."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.offtopic.config import DEFAULT_STOPWORDS, OfftopicConfig
from reports.offtopic.tokens import _END, Tokenizer

# Overlapping stopwords (及时 / 时间 / 间隔 / 注意事项), one character alone, an ASCII word,
# and pieces that make them up, with punctuation, "_", digits and a plane-15 character (the
# range folded ASCII words are given).
_STOPWORDS = ("及时", "时间", "间隔", "注意事项", "注意", "的", "app", "分期付款", "付款")
_PIECES = [*_STOPWORDS, "及", "时", "间", "隔", "注", "意", "事", "项", "分", "期", "付", "款"]
_PIECES += [
    "小米",
    "商城",
    "京东e卡",
    "ap",
    "apps",
    "x app",
    "_",
    "，",
    " ",
    "-",
    "12",
    "\U000f0005",
]


def _regex_codes(tok: Tokenizer, texts: list[str]) -> list[int]:
    joined = _END.join(tok._units(t) for t in texts) + _END
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).tolist()


def _no_gap_runs(codes: list[int]) -> list[int]:
    # A run of gaps splits the same n-grams as one gap.
    return [c for i, c in enumerate(codes) if c != 0 or i == 0 or codes[i - 1] != 0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), max_size=5))
def test_code_points_and_regex_make_the_same_units(texts: list[str]) -> None:
    tok = Tokenizer(OfftopicConfig(stopwords=_STOPWORDS))
    assert tok._stopwords is not None  # the code-point path is the one tested
    fast = tok._codes(texts, tok._stopwords).tolist()
    assert _no_gap_runs(fast) == _no_gap_runs(_regex_codes(tok, texts))


def test_the_default_stopwords_take_the_code_point_path_and_others_the_regex() -> None:
    assert Tokenizer(OfftopicConfig(stopwords=DEFAULT_STOPWORDS))._stopwords is not None
    # A stopword with punctuation in it, or ASCII beside other letters, is left to the regex.
    for odd in ("app store", "e卡", "a-b"):
        tok = Tokenizer(OfftopicConfig(stopwords=(*_STOPWORDS, odd)))
        assert tok._stopwords is None
        assert tok.grams([f"小米{odd}商城"]).bucket.size > 0


def test_overlapping_stopwords_are_taken_left_to_right() -> None:
    tok = Tokenizer(OfftopicConfig(stopwords=_STOPWORDS))
    assert tok._stopwords is not None
    # 及时 is taken first, so 时间 is not, and 间 stays; 间隔 then starts at 间.
    units = tok._codes(["及时间隔开", "及时间开"], tok._stopwords).tolist()
    kept = "".join(chr(c) if c > 1 else "|" for c in units)
    assert kept == "||||开|||间开|"
