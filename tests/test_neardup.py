"""Near-duplicate titles and bodies: reports.neardup against examples, properties and labels."""

from __future__ import annotations

import collections
import csv
import dataclasses
import hashlib
import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench import dedup
from reports import textnorm
from reports.neardup import (
    BodySigner,
    Cluster,
    DedupConfig,
    DedupError,
    bodies,
    candidates,
    cluster_texts,
    cluster_titles,
    find_pairs,
    fold_variants,
    linkage,
    load_aspects,
    load_fillers,
    load_places,
    load_variants,
    prefixes,
    tokens,
    verify,
)
from reports.neardup.titles import _verified
from reports.textnorm import normalize_text

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests/fixtures/dedup/title_pairs.csv"
FULL_WIDTH = {c: chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def load_pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def is_pair(a: str, b: str, config: DedupConfig | None = None) -> bool:
    return any((i, j) == (0, 1) for i, j, _ in find_pairs([a, b], config or DedupConfig()))


# (a, b, duplicate?) — the cases from the issue, then the rules they stand for.
EXAMPLES = [
    # A re-spun subtitle: 3-gram Jaccard only 0.64, still the same article.
    ("京东e卡回收全攻略:轻松三步实现卡券变现", "京东e卡回收全攻略:轻松三步实现价值回归", True),
    # One template, different subjects: siblings.
    ("如何关闭饿了么优选的先享后付功能", "如何关闭淘宝先享后付的免密支付功能", False),
    ("58借钱平台的安全性分析", "玖富借条平台的安全性分析", False),
    ("小花钱包平台的安全性分析", "民生易贷平台的安全性分析", False),
    # Same subject, another question: the 转转信用回收预付款 family.
    ("转转信用回收预付款流程详解", "转转信用回收预付款延期还款指南", False),
    ("转转信用回收预付款流程详解", "转转信用回收预付款额度问题解决方案", False),
    # Filler synonyms are free: 与/及, 解析/详解.
    ("恒小花借款APP下载及安装教程", "恒小花借款APP下载与安装教程", True),
    ("回收宝预付款到账流程详解", "回收宝预付款到账流程解析", True),
    # A subtitle dropped.
    ("租机归还指南:确保顺利结束租赁流程", "租机归还指南", True),
    # Numbers and model words must agree.
    ("苹果12二手回收价格指南", "苹果13二手回收价格指南", False),
    ("京东e卡1000元回收价值解析", "京东e卡500元回收价值解析", False),
    ("全新未拆封iPhone 13 Pro Max回收指南", "全新未拆封iPhone 13 Pro回收指南", False),
    # A place filling the template is a subject, even one character away from another.
    ("南宁实体店分期购买手机指南", "昆明实体店分期购买手机指南", False),
    ("杭州笔记本电脑回收平台推荐", "广州笔记本电脑回收平台推荐", False),
    ("长春实体店分期购买iPad的具体要求", "长沙实体店分期购买iPad的具体要求", False),
    # ... but naming one place, or the same one, is no conflict.
    ("广东深圳笔记本电脑回收平台推荐", "深圳笔记本电脑回收平台推荐", True),
    # A two-character synonym in a long title: an aspect class (行情/报价 ask for the price).
    ("全新未拆封苹果手机回收行情解析", "全新未拆封苹果手机回收报价解析", True),
    # Reworded questions: aspect synonyms, their spin modifiers fillers (具体, 所需).
    ("实体店分期购买手机的具体要求", "实体店分期购买手机所需条件详解", True),
    ("实体店分期购买手机所需条件详解", "门店分期购买手机所需条件详解", True),
    ("小赢卡贷公司总部所在地", "小赢卡贷总公司总部地理位置解析", True),
    ("民生易贷审核时间解析", "民生易贷审核需要多长时间", True),
    # Same subject, another question, even when both are one aspect word after a long subject.
    ("零首付分期购买苹果手机的利息", "零首付分期购买苹果手机的条件", False),
    ("回收全新未激活苹果手机的平台选择与注意事项", "回收全新未激活苹果手机的价格指南", False),
    # ... and when one title asks it in its subtitle.
    ("分期购买手机:零利率优势全解析", "分期购买手机的利弊分析", False),
    # Two subtitles with different aspects are a spun tail, not two questions.
    ("京东e卡回收全攻略:安全高效变现已不是难题", "京东e卡回收全攻略:附详细操作流程", True),
    # Two characters replaced on both sides are a replaced word (手机/电脑: a subject past the
    # head), not a spin; one character is a typo or a variant.
    ("分期购买手机的利弊分析", "分期购买电脑的利弊分析", False),
    ("支付宝租机审核未通过的常见原因分析", "支付宝租机审核不通过的常见原因分析", True),
    # Chinese numbers before a counter are their digits, and must agree like digits.
    ("十六岁零首付分期手机的利息真相", "16岁零首付分期手机的利息真相", True),
    ("微粒贷逾期两年能否只还本金", "微粒贷逾期三年能否只还本金", False),
    # Same subject, another question outside the aspect lexicon: past the subject (the head),
    # the main titles share nothing and no aspect is common.
    ("小花钱包", "小花钱包退费指南", False),
    ("民生易贷APP还款指南", "民生易贷平台介绍", False),
    ("我来数科(我来贷)现今是否仍在发放贷款", "我来数科投诉:有效途径与相关部门解析", False),
    # ... but one character past the subject is a typo, not a question.
    ("寄其花回收全攻略:新手也能轻松上手", "寄其花回全攻略:轻松三步实现卡券变现", True),
    # What a lender lends is a platform word (借款APP / APP, 贷款服务 / 平台); 有什么 a filler.
    ("我来数科平台的合法性与规范性探究", "我来数科贷款服务的合法性探讨", True),
    ("支付宝租机拒收对信用的影响", "支付宝租机拒收对信用有什么影响", True),
    # One typo past the subject, even inside a lexicon word: a character deleted, doubled,
    # or two swapped; also with an adjective added or a template word swapped.
    ("务防私易贷审核时间解析", "务防私易贷审核时解间析", True),
    ("登避易商城提现到账需要多久", "登避易商城提现到账需多要久", True),
    ("在延贷还款失败的解决办法", "在延贷还款失败的解决决办法", True),
    ("标挑借借钱逾期一天有影响吗", "标挑借借钱逾期一有影响吗", True),
    ("最新短专花卸载后重新下载软件的步骤指南", "短专花卸载后重新下载软件的骤指南", True),
    ("详细全面比私借借款是否上征信系统分析", "比私借借款是否上信系统分析", True),
    # ... but not a typo that a conflict rule rejects.
    ("全新未拆封iPhone 13回收指南", "全新未拆封iPhone 1回收指南", False),
]


@pytest.mark.parametrize(
    ("a", "b", "duplicate"), EXAMPLES, ids=[f"{'dup' if d else 'not'}-{a}" for a, _, d in EXAMPLES]
)
def test_examples(a: str, b: str, duplicate: bool) -> None:
    assert is_pair(a, b) is duplicate
    assert is_pair(b, a) is duplicate


def test_exact_duplicates_after_normalisation_are_their_own_kind() -> None:
    titles = [
        "京东e卡回收全攻略:轻松三步实现卡券变现",
        "租机套现风险警示",
        "京东Ｅ卡回收全攻略：轻松三步实现卡券变现",  # full-width, upper case
        "京东e卡回收全攻略:轻松三步实现卡券变现",
    ]
    assert cluster_titles(titles) == [
        Cluster(cluster_id=0, members=(0, 2, 3), representative=0, similarity=1.0, kind="exact")
    ]
    assert find_pairs(titles) == [(0, 2, 1.0), (0, 3, 1.0), (2, 3, 1.0)]


def test_width_and_script_variants_join_near_clusters() -> None:
    # A traditional copy is an exact duplicate once normalised; with its subtitle dropped, near.
    titles = [
        "如何关闭京东先享后付功能",
        "如何關閉京東先享後付功能",
        "如何关闭京东先享后付功能:三步搞定",
    ]
    [cluster] = cluster_titles(titles)
    assert cluster.members == (0, 1, 2)
    assert cluster.kind == "near"
    assert 0.68 <= cluster.similarity < 1
    assert find_pairs(titles[:2]) == [(0, 1, 1.0)]
    # 乾 is left out of the table (乾坤 keeps it in simplified text): one character off, near.
    [(i, j, sim)] = find_pairs(["信用卡还款干货大全", "信用卡还款乾货大全"])
    assert (i, j) == (0, 1)
    assert 0.68 <= sim < 1


def test_traditional_table_never_rewrites_a_simplified_character() -> None:
    table = textnorm._TRAD_TO_SIMP
    assert not {chr(v) for v in table.values()} & {chr(k) for k in table}
    assert normalize_text("閑魚信用回收預付款扣款機制詳解") == "闲鱼信用回收预付款扣款机制详解"
    assert normalize_text("干货乾坤") == "干货乾坤"


def test_clusters_cover_each_index_once_and_survivor_is_the_first() -> None:
    titles = [
        "微粒贷逾期两年:真实案例剖析与启示",  # 0, alone
        "京东e卡回收全攻略:轻松三步实现价值回归",  # 1
        "京东e卡回收全攻略:轻松几步变现金",  # 2
        "如何关闭淘宝先享后付的免密支付功能",  # 3, alone
        "京东e卡回收全攻略:轻松三步实现卡券变现",  # 4
        "回收宝预付款到账流程解析",  # 5
        "回收宝预付款到账流程详解",  # 6
    ]
    clusters = cluster_titles(titles)
    assert [c.members for c in clusters] == [(1, 2, 4), (5, 6)]
    assert [c.representative for c in clusters] == [1, 5]
    assert [c.cluster_id for c in clusters] == [0, 1]
    assert all(c.kind == "near" and 0.68 <= c.similarity <= 1 for c in clusters)


def test_linkage_star_does_not_chain_but_single_does() -> None:
    # Edges 0-1 and 1-2 only: single linkage joins all three, star stops at 0's neighbours.
    edges = linkage.Edges(np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.8]))
    ids = np.arange(3)
    single = linkage.clusters_from_labels(ids, *linkage.single_links(3, edges))
    star = linkage.clusters_from_labels(ids, *linkage.star_links(3, edges))
    assert [(c.members, c.similarity) for c in single] == [((0, 1, 2), 0.8)]
    assert [(c.members, c.similarity) for c in star] == [((0, 1), 0.9)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 25),
    edges=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=60),
)
def test_star_rounds_match_the_sequential_rule(n: int, edges: list[tuple[int, int]]) -> None:
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges if a != b and max(a, b) < n})
    adjacent = collections.defaultdict(set)
    for a, b in pairs:
        adjacent[a].add(b)
        adjacent[b].add(a)
    expected = list(range(n))
    taken = [False] * n
    for x in range(n):
        if not taken[x]:
            taken[x] = True
            for y in sorted(adjacent[x]):
                if not taken[y]:
                    taken[y] = True
                    expected[y] = x
    arrays = linkage.Edges(
        np.array([a for a, _ in pairs], dtype=np.int64),
        np.array([b for _, b in pairs], dtype=np.int64),
        np.ones(len(pairs)),
    )
    assert linkage.star_links(n, arrays)[0].tolist() == expected


def _seed_titles() -> list[str]:
    titles = []
    for path in sorted((ROOT / "scraper/demo/seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        start = lines.index("相关内容:") + 1
        titles += [line.strip() for line in lines[start:] if line.strip() not in ("", "To Top")]
    return titles


SEED_TITLES = _seed_titles()


@settings(max_examples=50, deadline=None)
@given(
    title=st.sampled_from(SEED_TITLES),
    others=st.lists(st.sampled_from(SEED_TITLES), max_size=12),
    variant=st.sampled_from(["full_width", "upper", "spaces", "ideographic_space"]),
    position=st.integers(0, 12),
)
def test_width_variant_always_shares_the_cluster(
    title: str, others: list[str], variant: str, position: int
) -> None:
    changed = {
        "full_width": title.translate(FULL_WIDTH),
        "upper": title.upper(),
        "spaces": f"  {title} ",
        "ideographic_space": "\u3000" + title,
    }[variant]
    titles = [*others, title]
    titles.insert(min(position, len(titles)), changed)
    i, j = titles.index(changed), len(titles) - 1 - titles[::-1].index(title)
    together = [c for c in cluster_titles(titles) if i in c.members]
    assert len(together) == 1
    assert j in together[0].members


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=30) | st.sampled_from(SEED_TITLES), max_size=30))
def test_cluster_invariants_on_any_text(titles: list[str]) -> None:
    clusters = cluster_titles(titles)
    seen = [i for c in clusters for i in c.members]
    assert len(seen) == len(set(seen))
    for k, c in enumerate(clusters):
        assert c.cluster_id == k
        assert len(c.members) >= 2
        assert list(c.members) == sorted(c.members)
        assert c.representative == c.members[0]
        norm = {normalize_text(titles[i]) for i in c.members}
        assert (c.kind == "exact") == (len(norm) == 1)
        assert 0 < c.similarity <= 1
    assert [c.representative for c in clusters] == sorted(c.representative for c in clusters)


def _reference_numbers(text: str, covered: list[bool]) -> dict[int, tuple[int, str]]:
    """Chinese numbers before a counter, written plainly: start -> (end, digits)."""

    def numeral(i: int) -> bool:
        return text[i] in tokens.DIGITS or text[i] in tokens.PLACES

    out = {}
    for end in range(len(text) - 1):
        if not (numeral(end) and not covered[end] and text[end + 1] in tokens.COUNTERS):
            continue
        start = end
        while start > 0 and end - start < 7 and numeral(start - 1) and not covered[start - 1]:
            start -= 1
        if start > 0 and "0" <= text[start - 1] <= "9":
            continue
        value = tokens.chinese_number(text[start : end + 1])
        if value is not None:
            out[start] = (end, str(value))
    return out


def _reference_matches(text: str, chinese: set[str]) -> tuple[dict[int, str], list[bool]]:
    """Lexicon words found in a text, longest first, leftmost first: start -> word."""
    matched: dict[int, str] = {}
    covered = [False] * len(text)
    for size in sorted({len(w) for w in chinese}, reverse=True):
        for i in range(len(text) - size + 1):
            if text[i : i + size] in chinese and not any(covered[i : i + size]):
                matched[i] = text[i : i + size]
                covered[i : i + size] = [True] * size
    return matched, covered


def _reference_units(
    title: str,
    config: DedupConfig,
    split_at: list[int] | None = None,
    starts: list[int | None] | None = None,
) -> list[tuple[object, str, bool]]:
    """Units of a title written plainly: (unit, kind, after the separator).

    kind is "content", "filler" or "aspect" (the marker of an aspect class; its canonical
    word's characters follow it as content). `split_at` receives the position of the
    separator that ends the main title, if any; `starts` each unit's position in the
    normalised text (None for an aspect's canonical word, which the text does not hold).
    """
    fillers, aspects = load_fillers(), load_aspects()
    n_fillers = len(fillers.classes)
    words = {**fillers.words, **{w: n_fillers + c for w, c in aspects.words.items()}}
    canonical: dict[int, str] = {}
    for word, c in aspects.words.items():
        canonical.setdefault(n_fillers + c, word)
    text = normalize_text(title)
    matched, covered = _reference_matches(text, {w for w in words if not w.isascii()})
    numbers = _reference_numbers(text, covered)
    kinds = tokens.classify(tokens.codepoints(text)).tolist()
    units: list[tuple[object, str, bool]] = []
    at: list[int | None] = []  # each unit's start, None for canonical words
    i, content, split = 0, 0, False

    def emit(unit: object, kind: str, start: int | None) -> None:
        nonlocal content
        units.append((unit, kind, split))
        at.append(start)
        content += kind == "content" and not split

    def lexical(word: str, start: int) -> None:
        c = words[word]
        if c not in canonical:
            emit(("class", c), "filler", start)
            return
        emit(("class", c), "aspect", start)
        for unit in canonical[c] if not canonical[c].isascii() else [("word", canonical[c])]:
            emit(unit, "content", None)

    while i < len(text):
        if i in matched:
            lexical(matched[i], i)
            i += len(matched[i])
        elif i in numbers:
            emit(("word", numbers[i][1]), "content", i)
            i = numbers[i][0] + 1
        elif kinds[i] == tokens.WORD:
            j = i
            while j < len(text) and kinds[j] == tokens.WORD:
                j += 1
            if text[i:j] in words:
                lexical(text[i:j], i)
            else:
                emit(("word", text[i:j]), "content", i)
            i = j
        else:
            if kinds[i] == tokens.HAN:
                emit(text[i], "content", i)
            elif kinds[i] == tokens.SEP and content >= config.min_main_units and not split:
                split = True
                if split_at is not None:
                    split_at.append(i)
            i += 1
    if starts is not None:
        starts.extend(at[: config.max_units])
    return units[: config.max_units]


def _reference_places(title: str, config: DedupConfig) -> set[int]:
    """The places a main title names (at most the three lowest ids, as the verifier keeps)."""
    places = load_places()
    text = normalize_text(title)
    split_at: list[int] = []
    _reference_units(title, config, split_at)
    end = split_at[0] if split_at else len(text)
    matched, _ = _reference_matches(text, set(places.words))
    return set(sorted({places.words[w] for i, w in matched.items() if i < end})[:3])


def _reference_similarity(a: str, b: str, config: DedupConfig) -> float:
    """The verifier written plainly, one title at a time, to check the vectorised one."""

    @dataclasses.dataclass
    class Title:
        weights: dict[object, float] = dataclasses.field(default_factory=dict)
        tokens: set[object] = dataclasses.field(default_factory=set)
        main_questions: set[object] = dataclasses.field(default_factory=set)
        sub_questions: set[object] = dataclasses.field(default_factory=set)
        # Per unit: whether its heaviest copy is main-title content past the head.
        tail: dict[object, bool] = dataclasses.field(default_factory=dict)
        # Per unit: whether its heaviest copy is main-title content.
        main: dict[object, bool] = dataclasses.field(default_factory=dict)
        negates: bool = False
        numbers: bool = False  # in the main title
        any_numbers: bool = False  # in the main title or the subtitle

    def asks(text: str, i: int) -> bool:
        """不 or 没 between two equal characters asks (高不高, 有没有) and negates nothing."""
        return 0 < i < len(text) - 1 and text[i - 1] == text[i + 1]

    def cut(title: str) -> Title:
        out = Title()
        rank = 0
        text, starts = normalize_text(title), list[int | None]()
        units = _reference_units(title, config, starts=starts)
        for (unit, kind, sub), start in zip(units, starts, strict=True):
            w = {"content": 1.0, "filler": config.filler_weight, "aspect": 0.0}[kind]
            tail = False
            out.any_numbers |= (
                kind == "content" and isinstance(unit, tuple) and "0" <= str(unit[1])[:1] <= "9"
            )
            if sub:
                w *= config.subtitle_weight
                if kind == "aspect":
                    out.sub_questions.add(unit)
            elif kind == "aspect":
                out.main_questions.add(unit)
            elif kind == "content":
                out.negates |= (
                    isinstance(unit, str)
                    and unit in tokens.NEGATIONS
                    and start is not None
                    and not asks(text, start)
                )
                w *= config.head_weight if rank < config.head_units else 1.0
                tail = rank >= config.head_units
                rank += 1
                if isinstance(unit, tuple):
                    out.tokens.add(unit)
                    out.numbers |= "0" <= str(unit[1])[:1] <= "9"
            if unit not in out.weights or w > out.weights[unit]:
                out.tail[unit] = not sub and kind == "content" and tail
                out.main[unit] = not sub and kind == "content"
            out.weights[unit] = max(out.weights.get(unit, 0.0), w)
        return out

    ta, tb = cut(a), cut(b)
    if ta.tokens and tb.tokens and ta.tokens != tb.tokens:
        return 0.0
    pa, pb = _reference_places(a, config), _reference_places(b, config)
    if pa and pb and not pa & pb:
        return 0.0
    if ta.negates != tb.negates:
        return 0.0
    # A main-title number against a title with none, not even in its subtitle.
    if (ta.numbers and not tb.any_numbers) or (tb.numbers and not ta.any_numbers):
        return 0.0
    qa = ta.main_questions or ta.sub_questions
    qb = tb.main_questions or tb.sub_questions
    if qa and qb and (ta.main_questions or tb.main_questions) and not qa & qb:
        return 0.0
    tails = {u for t in (ta, tb) for u, is_tail in t.tail.items() if is_tail}
    markers_a = ta.main_questions | ta.sub_questions
    markers_b = tb.main_questions | tb.sub_questions
    shared = ta.weights.keys() & tb.weights.keys()
    if len(tails) >= 2 and not tails & shared and not markers_a & markers_b:
        return 0.0
    keys = ta.weights.keys() | tb.weights.keys()
    inter = sum(min(ta.weights.get(k, 0), tb.weights.get(k, 0)) for k in keys)
    union = sum(max(ta.weights.get(k, 0), tb.weights.get(k, 0)) for k in keys)
    sim = inter / union if union else 1.0
    # A bare name (main-title subject only: no tail, filler, question or subtitle) pairs only
    # with a copy that reads the same.
    if any(all(t.main.values()) and not any(t.tail.values()) for t in (ta, tb)) and sim < 1.0:
        return 0.0
    return sim


@settings(max_examples=60, deadline=None)
@given(
    a=st.sampled_from(SEED_TITLES) | st.text(max_size=20),
    b=st.sampled_from(SEED_TITLES) | st.text(max_size=20),
)
# Overlapping fillers of one length: 超全/全新, 详解/解析 (the leftmost wins).
@example(a="超全新着商城下款难易度分析", b="城咩贷下款难易度分析")
@example(a="转居技优品对比详解析:异同与选择建议", b="转居技优品对比分析:异同与选择建议")
# Letter/digit runs: a filler word, tokens in the main title and in the subtitle.
@example(a="恒小花借款APP下载:iOS 13", b="恒小花借款软件下载:ios 14")
# Aspects: synonyms, a character swap, questions in the main title or only in the subtitle.
@example(a="实体店分期购买手机的具体要求", b="门店分期购买手机所需条件详解")
@example(a="防逻借自动扣款时长说明", b="防逻借自动扣款间时说明:附详细操作步骤")
@example(a="分期购买手机:零利率优势全解析", b="分期购买手机的利弊分析")
# Chinese numbers: before a counter, after a digit, too long, inside a filler (一览).
@example(a="十六岁零首付分期手机的利息真相", b="2十六岁一二三四五六七八九年,一览一天")
# 有没有 asks and negates nothing; the other title negates nothing either.
@example(a="小赢卡贷公司总部所在地", b="如何知道自己有没有被公安立案")
# A number in one subtitle, another in the other main title; a bare name.
@example(a="京东年卡费用调整引关注:先享后付从99元涨至149元", b="欠钱强制拘留15天出来后呢?")
@example(a="小花钱包", b="私人电影院多少钱一般")
def test_vectorised_verifier_matches_plain_reference(a: str, b: str) -> None:
    config = DedupConfig()
    texts = [normalize_text(a), normalize_text(b)]
    if texts[0] == texts[1]:
        return
    units = tokens.title_units(texts, tokens.filler_tables(None), config)
    [sim] = verify.verify(units, np.array([[0, 1]]))
    assert sim == pytest.approx(_reference_similarity(a, b, config))


def test_dev_split_precision_and_recall_floor() -> None:
    # Measured on dev: precision 1.000, recall 0.961 (bench/eval_dedup.py --split dev). It was
    # 0.987 before 平台 became an aspect: two of the three misses pair a platform title with a
    # guide (全新未拆封手机回收攻略 / 回收未拆封手机的优选平台全攻略), which the seeds' independent
    # reviewers do not group (bench/realworld/seeds/).
    rows = [r for r in load_pairs() if r["split"] == "dev"]
    titles = sorted({t for r in rows for t in (r["a"], r["b"])})
    index = {t: i for i, t in enumerate(titles)}
    found = {(i, j) for i, j, _ in find_pairs(titles)}
    predicted = [tuple(sorted((index[r["a"]], index[r["b"]]))) in found for r in rows]
    truth = [r["label"] == "1" for r in rows]
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    precision = tp / sum(predicted)
    recall = tp / sum(truth)
    assert precision >= 0.97
    assert recall >= 0.95


def test_labelled_pairs_file_is_well_formed() -> None:
    rows = load_pairs()
    assert list(rows[0]) == ["a", "b", "label", "kind", "split"]
    labels = collections.Counter(r["label"] for r in rows)
    assert labels["1"] >= 150
    assert labels["0"] >= 150
    assert set(labels) == {"0", "1"}
    pairs = [frozenset((r["a"], r["b"])) for r in rows]
    assert len(set(pairs)) == len(pairs)
    assert all(r["a"] != r["b"] for r in rows)
    for r in rows:
        digest = hashlib.sha256(f"{r['a']}\t{r['b']}".encode()).digest()
        assert r["split"] == ("dev" if digest[0] % 2 == 0 else "test"), r
    positive = {"respin", "width_variant", "few_edits", "tail_swap"}
    for r in rows:
        assert (r["kind"] in positive) == (r["label"] == "1"), r
    # Kinds taken from real seed titles use seed titles only.
    seeds = set(SEED_TITLES)
    for r in rows:
        if r["kind"] in ("respin", "template_sibling", "same_subject", "unrelated"):
            assert {r["a"], r["b"]} <= seeds, r


def test_config_refuses_bad_values_naming_the_field() -> None:
    with pytest.raises(DedupError, match=r"DedupConfig.threshold=1.5, expected in \(0, 1\]"):
        DedupConfig(threshold=1.5)
    with pytest.raises(DedupError, match="text_num_perm=100 is not a multiple of text_bands=32"):
        DedupConfig(text_num_perm=100)
    with pytest.raises(DedupError, match="linkage"):
        DedupConfig(linkage="average")  # type: ignore[arg-type]


def test_filler_lexicon_can_be_replaced_and_is_validated(tmp_path: Path) -> None:
    lexicon = tmp_path / "fillers.toml"
    lexicon.write_text('[classes]\nexplain = ["解析", "详解"]\n', encoding="utf-8")
    no_aspects = tmp_path / "aspects.toml"
    no_aspects.write_text("[classes]\n", encoding="utf-8")
    config = DedupConfig(filler_lexicon=lexicon, aspect_lexicon=no_aspects)
    assert is_pair("回收宝预付款到账流程详解", "回收宝预付款到账流程解析", config)
    # 与/及 are no longer fillers, so they count as content characters.
    assert tokens.filler_tables(lexicon, no_aspects).sizes == (2,)
    twice = tmp_path / "twice.toml"
    twice.write_text('[classes]\na = ["解析"]\nb = ["解析"]\n', encoding="utf-8")
    with pytest.raises(DedupError, match=r"twice.toml: filler '解析' is in classes 'a' and 'b'"):
        load_fillers(twice)
    mixed = tmp_path / "mixed.toml"
    mixed.write_text('[classes]\na = ["app下载"]\n', encoding="utf-8")
    with pytest.raises(DedupError, match="must be all Chinese"):
        load_fillers(mixed)
    with pytest.raises(DedupError, match="cannot read filler lexicon"):
        load_fillers(tmp_path / "missing.toml")


def test_aspect_lexicon_can_be_replaced_and_is_validated(tmp_path: Path) -> None:
    lexicon = tmp_path / "aspects.toml"
    lexicon.write_text('[classes]\ntime = ["时间", "时长"]\n', encoding="utf-8")
    config = DedupConfig(aspect_lexicon=lexicon)
    assert is_pair("民生易贷审核时间说明", "民生易贷审核时长说明", config)
    # 条件 and 要求 are no longer one aspect: two words replaced, another question.
    assert is_pair("实体店分期购买手机的具体要求", "实体店分期购买手机所需条件", config) is False
    assert load_aspects(lexicon).classes == ("time",)
    both = tmp_path / "both.toml"
    both.write_text('[classes]\nexplain = ["解析"]\n', encoding="utf-8")
    with pytest.raises(DedupError, match="'解析' is both a filler"):
        tokens.filler_tables(None, both)
    with pytest.raises(DedupError, match="cannot read aspect lexicon"):
        load_aspects(tmp_path / "missing.toml")
    # The bundled lexicons load and do not overlap.
    assert tokens.filler_tables(None, None).is_aspect.any()


def test_place_lexicon_can_be_replaced_and_is_validated(tmp_path: Path) -> None:
    a, b = "杭州笔记本电脑回收平台推荐", "广州笔记本电脑回收平台推荐"
    assert is_pair(a, b) is False
    lexicon = tmp_path / "places.toml"
    lexicon.write_text('[classes]\nnorth = ["北京"]\n', encoding="utf-8")
    # Without 杭州 and 广州 as places, one character apart reads as a typo.
    assert is_pair(a, b, DedupConfig(place_lexicon=lexicon))
    # Every word is its own place; the classes only group them.
    assert load_places().words["杭州"] != load_places().words["宁波"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[classes]\nx = ["abc"]\n', encoding="utf-8")
    with pytest.raises(DedupError, match="place names must be Chinese"):
        tokens.place_tables(bad)
    # A place named only in the subtitle is no conflict.
    assert is_pair("笔记本电脑回收平台推荐:杭州", "笔记本电脑回收平台推荐:广州")


def test_typo_pairs_leave_the_subject_alone() -> None:
    # A character deleted from the subject (the first head_units characters) is another name.
    texts = ["定导易贷审核时间解析", "定易贷审核时间解析", "定导易贷审核时解间析"]
    found = candidates.typo_pairs(texts, DedupConfig()).tolist()
    assert found == [[0, 2]]


@pytest.mark.parametrize("config", [DedupConfig(), DedupConfig(title_bucket=2, swap_bucket=3)])
def test_typo_and_candidate_pairs_in_small_chunks_and_passes_are_those_of_one(
    config: DedupConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Generated re-spins with typos planted, and joiners at the texts' edges (a joiner's
    # class reads its neighbours, across texts too). A title_bucket of 2 caps and stars most
    # groups, where the order of equal keys decides which pairs are kept.
    titles, _ = dedup.generate_titles(3000, 0)
    rng = random.Random(1)
    typos = []
    for title in rng.sample(titles, 600):
        at = rng.randrange(4, max(len(title) - 1, 5))
        deleted, doubled = title[:at] + title[at + 1 :], title[:at] + title[at] + title[at:]
        swapped = title[:at] + title[at + 1 : at + 2] + title[at] + title[at + 2 :]
        typos.append(rng.choice((deleted, doubled, swapped)))
    texts = [*sorted(set(titles + typos)), "京东e卡回收a", "-b京东e卡回收全攻略-", "", "c"]
    rows = [normalize_text(t) for t in texts]
    whole = candidates.typo_pairs(rows, config, chunk_chars=1 << 40, slice_keys=1 << 40)
    units = tokens.title_units(rows, tokens.filler_tables(None), config)
    pairs, repeats = candidates.candidate_pairs(
        units, len(rows), config, pass_keys=1 << 40, chunk_units=1 << 40
    )
    # Found pairs merged every few hundred codes, not once at the end.
    monkeypatch.setattr(candidates, "MERGE_CODES", 200)
    split = candidates.typo_pairs(rows, config, chunk_chars=300, slice_keys=100)
    assert len(whole) > 300
    assert whole.dtype == split.dtype
    assert np.array_equal(whole, split)
    split_pairs, split_repeats = candidates.candidate_pairs(
        units, len(rows), config, pass_keys=2000, chunk_units=300, expand_pairs=7
    )
    assert len(pairs) > 1000
    assert pairs.dtype == split_pairs.dtype
    assert np.array_equal(pairs, split_pairs)
    assert np.array_equal(repeats, split_repeats)
    kept, sims = _verified(units, pairs, repeats, config)
    split_kept, split_sims = _verified(units, pairs, repeats, config, block=500)
    assert len(kept) > 300
    assert np.array_equal(kept, split_kept)
    assert np.array_equal(sims, split_sims)


def test_aspect_word_stands_for_its_class_canonical_characters() -> None:
    texts = [normalize_text(t) for t in ("58好借客服联系方式", "58好借客服电话", "58好借客服热线")]
    units = tokens.title_units(texts, tokens.filler_tables(None), DedupConfig())
    rows = [units.codes[units.offsets[r] : units.offsets[r + 1]].tolist() for r in range(3)]
    assert rows[0] == rows[1] == rows[2]
    assert ord("电") in rows[0]
    assert ord("联") not in rows[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [("十六", 16), ("二十", 20), ("一百零五", 105), ("两千", 2000), ("一万五千", 15000),
     ("二〇二四", 2024), ("十二万", 120000), ("零", 0), ("二十一二", None)],
)  # fmt: skip
def test_chinese_numbers(text: str, value: int | None) -> None:
    assert tokens.chinese_number(text) == value


def test_bundled_class_table_matches_the_per_character_rule() -> None:
    table = tokens.bmp_classes()
    assert [tokens.class_of(cp) for cp in range(0x10000)] == table.tolist()


def _body(seed: int) -> str:
    lines = sorted((ROOT / "scraper/demo/seeds").glob("*.txt"))[seed].read_text("utf-8")
    lines_list = lines.splitlines()
    return "\n".join(lines_list[3 : lines_list.index("相关内容:")])


def test_bodies_cluster_spun_copies_not_other_articles() -> None:
    spun = _body(0)
    for old, new in [("用户", "消费者"), ("确保", "保证"), ("重要", "关键"), ("信息", "资料")]:
        spun = spun.replace(old, new)
    bodies = [
        _body(0),
        _body(1),
        spun,
        _body(2),
        _body(1),
        _body(0).replace("小米商城", "华为商城"),
    ]
    clusters = cluster_texts(bodies)
    assert [(c.members, c.kind) for c in clusters] == [((0, 2, 5), "near"), ((1, 4), "exact")]


def test_bodies_are_shingled_in_slices_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slices of 2 put the copies of one article in different slices, and one text has no
    # shingle at all: the clusters must not depend on where the slices fall.
    spun = _body(0).replace("用户", "消费者").replace("确保", "保证")
    bodies = [_body(0), "。", _body(1), spun, _body(2), _body(1), _body(0)]
    whole = cluster_texts(bodies)
    assert whole
    monkeypatch.setattr("reports.neardup.bodies.TEXT_SLICE", 2)
    assert cluster_texts(bodies) == whole
    # Candidate pairs compared one at a time: the same similarities.
    monkeypatch.setattr("reports.neardup.bodies.AGREE_PAIRS", 1)
    assert cluster_texts(bodies) == whole


def test_bodies_given_batch_by_batch_cluster_as_all_at_once() -> None:
    # The audit streams bodies through a BodySigner: an exact copy and a spun copy in later
    # batches than their first text, and a batch with nothing new, give the same clusters.
    spun = _body(0).replace("用户", "消费者").replace("确保", "保证")
    bodies = [_body(0), "。", _body(1), spun, _body(2), " ".join(_body(1).split()), _body(0)]
    whole = cluster_texts(bodies)
    assert [(c.members, c.kind) for c in whole] == [((0, 3, 6), "near"), ((2, 5), "exact")]
    signer = BodySigner()
    for start, end in [(0, 2), (2, 3), (3, 3), (3, 6), (6, 7)]:
        signer.add(bodies[start:end])
    assert signer.clusters() == whole
    # Parts read out of order, with places (a table's `pos`, not contiguous): the copy read
    # first is not the first in reading order, yet it is the representative.
    places = [10, 11, 15, 20, 21, 30, 40]
    signer = BodySigner()
    for start, end in [(5, 7), (2, 5), (0, 2)]:
        signer.add(bodies[start:end], np.array(places[start:end]))
    assert signer.clusters() == whole
    assert signer.places().tolist() == places


@pytest.mark.parametrize("block", [1, 7, 1 << 15])
def test_minhash_blocks_give_each_text_the_minimum_of_every_permutation(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # Blocks smaller than a text, cutting between texts, and one block for all: each
    # signature entry is the minimum over the text's shingles of that permutation's hash.
    monkeypatch.setattr(bodies, "MINHASH_BLOCK", block)
    cfg = DedupConfig(text_num_perm=8, text_bands=2)
    texts = [_body(0)[:40], "。", "ab", _body(1)[:25], _body(2)[:60]]
    hashes, owners = bodies._shingles(texts, cfg.text_shingle)
    sig = bodies._minhash(hashes, owners, len(texts), cfg)
    rng = np.random.default_rng(cfg.seed)
    mult = rng.integers(1, 1 << 63, cfg.text_num_perm, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 1 << 63, cfg.text_num_perm, dtype=np.uint64)
    mask = (1 << 64) - 1
    for text in range(len(texts)):
        mine = [int(h) for h, o in zip(hashes, owners, strict=True) if o == text]
        for p in range(cfg.text_num_perm):
            values = [(h * int(mult[p]) + int(add[p])) & mask for h in mine]
            expected = min((x ^ (x >> 29) for x in values), default=mask)
            assert int(sig[text, p]) == expected
    assert int(sig[1, 0]) == mask  # "。" has no shingle


def test_body_signature_rows_are_int64_so_pair_codes_do_not_overflow() -> None:
    # Pairs are coded as low * n + high: with int32 rows (the shingle owners' dtype) the code
    # wrapped past about 21,500 distinct bodies at n = 100k and LSH pairs came out wrong.
    _, rows = bodies._signatures(["abcdefg", "hijklmn"], DedupConfig())
    assert rows.dtype == np.int64
    pairs = candidates.unique_pairs(rows[[1]] * 0 + 30_000, rows[[1]] * 0 + 99_000, 99_514)
    assert pairs.tolist() == [[30_000, 99_000]]


def test_empty_and_tiny_inputs() -> None:
    assert cluster_titles([]) == []
    assert find_pairs([]) == []
    assert cluster_titles(["京东e卡回收全攻略"]) == []
    # Texts without letters have no shingles: only exact copies (here: empty) are clustered.
    assert cluster_texts(["", "。", " "]) == [
        Cluster(cluster_id=0, members=(0, 2), representative=0, similarity=1.0, kind="exact")
    ]


def test_generator_smoke_run() -> None:
    titles, families = dedup.generate_titles(3000, seed=1)
    assert (titles, families) == dedup.generate_titles(3000, seed=1)
    assert len(titles) == len(set(titles)) == 3000
    planted = sum(n * (n - 1) // 2 for n in collections.Counter(families).values())
    assert planted > 1000
    labels, _ = dedup.run_neardup(titles)
    precision, recall = dedup.pair_scores(labels, families)
    assert precision > 0.8
    assert recall > 0.9


def test_generator_keeps_names_whole_and_apart() -> None:
    rng = random.Random(3)
    names = dedup._subjects(rng, 400)
    near = [dedup._neighbourhood(name) for name in names]
    assert sum(len(n) for n in near) == len(set().union(*near))  # no two one edit apart
    filled = dedup._fill("{s}与{t}对比分析:异同与选择建议", rng, names)
    s, t = filled.values
    for _ in range(200):
        spun = dedup._respin(filled, rng)
        assert s in spun
        assert t in spun
    truth = dedup.generate_truth(2000, seed=2)
    pairs = [(i, j) for i, j, _ in find_pairs(truth.titles)]
    false_pos, missed = dedup.error_pairs(truth, pairs)
    assert len(false_pos) < 0.05 * len(pairs)
    assert all(truth.families[i] == truth.families[j] for i, j in missed)


def test_find_pairs_expands_exact_groups_over_near_pairs() -> None:
    titles = ["回收宝预付款到账流程详解", "回收宝预付款到帐流程解析", "回收宝预付款到账流程详解"]
    assert [(i, j) for i, j, _ in find_pairs(titles)] == [(0, 1), (0, 2), (1, 2)]
    config = dataclasses.replace(DedupConfig(), threshold=1.0)
    assert [(i, j) for i, j, _ in find_pairs(titles, config)] == [(0, 2)]
    assert list(itertools.chain.from_iterable(c.members for c in cluster_titles(titles))) == [
        0,
        1,
        2,
    ]


# ---------------------------------------------------------------------------------------------
# Issue 12 part 4: subtitles, negations, coping words, same-subject candidates


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # A subtitle after 〖, a hyphen, 丨 or an underscore is spin, like one after ":".
        ("网贷逾期被起诉了该怎么办〖律师解答〗", "网贷逾期被起诉了怎么应对-专家说法汇总"),
        ("京东白条提现方法丨2024最新", "京东白条提现方法_本站整理"),
        # 未通过 / 不通过 negate alike.
        ("支付宝租机审核未通过的常见原因分析", "支付宝租机审核不通过的常见原因分析"),
        # 高不高, 有没有 ask a question (like 是否); they negate nothing.
        ("分期购买手机的利息到底高不高", "分期购买手机的利息到底是否高"),
        ("京东白条分期有没有手续费", "京东白条分期是否有手续费"),
        # A number one main title names is in the other's subtitle: still said by both.
        ("京东先享后付年卡涨价:从99元涨至149元", "京东先享后付年卡涨价149元详情解析"),
        ("零首付分期购机攻略:24期免息", "零首付24期分期购机攻略"),
        # 之路 / 之道 end a spun title like 攻略 does.
        ("零首付分期购买手机全解析", "探索零首付分期手机的便捷之路"),
    ],
)
def test_respins_with_new_separators_and_words_pair(a: str, b: str) -> None:
    assert [(i, j) for i, j, _ in find_pairs([a, b])] == [(0, 1)]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # A hyphen between letters or digits joins a model name: no subtitle, the tokens differ.
        ("iphone-13回收价格", "iphone-14回收价格"),
        # One negates, the other does not: opposite questions.
        ("全新苹果13激活后回收价格解析", "苹果13全新未激活手机回收价格解析"),
        ("不看征信的网贷口子推荐", "看征信的网贷口子推荐"),
        # One names a term (an amount, a model), the other asks in general.
        ("零首付24期分期购机:灵活消费新选择", "零首付分期购机攻略:轻松拥有心仪手机"),
        ("京东白条分十二期还款流程", "京东白条分期还款流程"),
    ],
)
def test_model_hyphen_and_negation_keep_titles_apart(a: str, b: str) -> None:
    assert find_pairs([a, b]) == []


def test_hyphen_is_a_separator_unless_between_letters_or_digits() -> None:
    classes = tokens.classify(tokens.codepoints("wi-fi密码-怎么改_ab_c-"))
    assert [i for i, c in enumerate(classes.tolist()) if c == tokens.SEP] == [7, 11, 16]


def test_same_subject_candidates_pair_a_reworded_question() -> None:
    titles = [
        "小花钱包退费指南",
        "小花钱包服务费退款政策解析",
        "小花钱包客服电话",
        "小花钱包还款流程",
    ]
    # Same subject (小花钱), the same question (退费 / 退款), and all 小花钱包退费指南 says is in
    # the other: a re-spin. The other two ask other questions about the subject.
    assert [(i, j) for i, j, _ in find_pairs(titles)] == [(0, 1)]
    assert find_pairs(titles, DedupConfig(subject_units=0)) == []
    # Another subject asking the same question is a sibling, not a candidate.
    assert find_pairs(["小花钱包退费指南", "小米钱包服务费退款政策解析"]) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # A question asked on top of the common one (优势 besides 利率): another article.
        ("分期购买手机:零利率优势全解析", "分期购买手机的月利息计算概览"),
        # Each says something the other does not: two lines (招聘 / 客服), two things (手机 / 电脑).
        ("成都智荟生活物业招聘电话查询指南", "成都智荟生活物业服务热线"),
        ("分期购买手机的利弊分析", "分期购买电脑的利弊分析"),
    ],
)
def test_same_subject_candidates_keep_other_questions_apart(a: str, b: str) -> None:
    # Explicit, so that the test still means this channel if its default changes.
    assert find_pairs([a, b], DedupConfig(subject_units=3, subject_threshold=0.6)) == []


def test_same_subject_reword_within_the_other_title_pairs() -> None:
    # Seeds' pairs both reviewers grouped; neither is within the deletion neighbourhood.
    assert is_pair("回收手机信用预付平台全解析", "回收手机先付款平台的运作模式与用户指南")
    # With an implied prefix: in this crawl 智荟 mostly follows 成都, which also stands alone.
    crawl = [
        "成都智荟生活物业服务热线",
        "智荟生活服务电话客服查询指南",
        "成都智荟生活物业招聘电话查询指南",
        "成都京东e卡回收全攻略",
    ]
    assert [(i, j) for i, j, _ in find_pairs(crawl)] == [(0, 1)]


def test_subject_fields_are_checked() -> None:
    with pytest.raises(DedupError, match="subject_units"):
        DedupConfig(subject_units=-1)
    with pytest.raises(DedupError, match="subject_threshold"):
        DedupConfig(subject_threshold=0)


# ---------------------------------------------------------------------------------------------
# Issue 12 part 4, third session: variant wordings folded to one


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Seeds' pair both reviewers grouped: an unopened phone named two ways.
        ("全新未拆封苹果手机回收报价指南", "回收全新未激活苹果手机的价格指南"),
        # Prepayment recycling named two ways, with a filler swap.
        ("回收宝预付款到账流程详解", "回收宝信用预付到账流程解析"),
    ],
)
def test_variant_wordings_pair(a: str, b: str) -> None:
    assert [(i, j) for i, j, _ in find_pairs([a, b])] == [(0, 1)]


def test_variant_folding_keeps_other_things_apart() -> None:
    # 激活后 against 未激活: folding 未激活 to 未拆封 keeps its negation (激活 is no variant).
    assert find_pairs(["全新苹果13激活后回收价格解析", "苹果13全新未激活手机回收价格解析"]) == []
    # A prepaid card (预付卡) is not prepayment (预付款): not folded.
    folded = fold_variants(["回收手机先付款平台", "全新未开封iphone", "物业服务热线", "预付卡回收"])
    assert folded == ["回收手机预付款平台", "全新未拆封iphone", "物业客服电话", "预付卡回收"]


def test_variant_lexicon_can_be_replaced_and_is_validated(tmp_path: Path) -> None:
    a, b = "回收宝预付款到账流程详解", "回收宝信用预付到账流程解析"
    empty = tmp_path / "none.toml"
    empty.write_text("[classes]\n", encoding="utf-8")
    assert find_pairs([a, b], DedupConfig(variant_lexicon=empty)) == []
    assert load_variants().words["先付款"] == load_variants().words["预付款"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[classes]\nx = ["e卡"]\n', encoding="utf-8")
    with pytest.raises(DedupError, match="variant 'e卡'"):
        load_variants(bad)


def test_plain_how_to_wording_is_filler() -> None:
    # 最简单 and 处理方法 say "a guide" like 全攻略 (the seeds' reviewers group the two).
    assert is_pair("e卡回收的最简单处理方法详解", "e卡回收全攻略:轻松几步变现金")


# ---------------------------------------------------------------------------------------------
# Implied prefixes: 京东 before e卡


E_CARD_CRAWL = [
    "京东e卡回收全攻略:轻松几步变现金",
    "京东e卡面额回收到账时间详解",
    "成都京东e卡回收全攻略",
    "京东先享后付还款指南",
    "e卡回收的最简单处理方法详解",
    "京东年卡费用详解",
]


def test_a_prefix_the_crawl_implies_is_read_away() -> None:
    # In this crawl e卡 follows 京东 in three titles of four, 京东 also stands alone, and one
    # title starts at e卡: 京东e卡… is also read as e卡…. 成都 before 京东 is no such prefix.
    readings = prefixes.implied_prefixes(E_CARD_CRAWL, DedupConfig())
    assert readings.owner.tolist() == [0, 1]
    assert readings.texts == ["e卡回收全攻略:轻松几步变现金", "e卡面额回收到账时间详解"]
    found = [(i, j) for i, j, _ in find_pairs(E_CARD_CRAWL)]
    assert (0, 4) in found
    assert (2, 4) not in found
    assert (0, 4) not in [
        (i, j) for i, j, _ in find_pairs(E_CARD_CRAWL, DedupConfig(implied_share=1))
    ]


def test_a_prefix_is_not_implied_without_the_crawl_saying_so() -> None:
    # Two titles alone: 京东 never stands without e卡, so nothing says it is a name of its own.
    assert (
        prefixes.implied_prefixes(E_CARD_CRAWL[:1] + E_CARD_CRAWL[4:5], DedupConfig()).texts == []
    )
    # 京东e卡 once against e卡 in four titles: the card is mostly named without 京东.
    crawl = [*E_CARD_CRAWL[1:], "e卡回收平台推荐", "e卡转让指南", "e卡余额查询"]
    assert prefixes.implied_prefixes(crawl, DedupConfig()).owner.tolist() == []


def test_a_reading_pairs_only_beside_titles_that_start_where_it_does() -> None:
    readings = prefixes.implied_prefixes(E_CARD_CRAWL, DedupConfig())
    n = len(E_CARD_CRAWL)
    # Rows: the six titles, then the readings of titles 0 and 1 (rows 6 and 7).
    pairs = np.array([[4, 6], [3, 6], [2, 7], [0, 4], [6, 7]])
    out, sims = readings.as_titles(pairs, np.array([0.9, 0.8, 0.7, 0.6, 0.5]))
    # e卡… (row 6) beside e卡回收的最简单… is title 0's pair; beside 京东先享… (3) or 成都京东…
    # (2) it is not, and two readings never pair.
    assert out.tolist() == [[0, 4], [0, 4]]
    assert sims.tolist() == [0.9, 0.6]
    assert readings.title_lead.size == n


# ---------------------------------------------------------------------------------------------
# Keyword-stuffed titles: each unit counted once in the candidate keys


def test_keyword_stuffed_title_meets_a_plain_respin() -> None:
    # Seeds' pair both reviewers grouped: 京东卡e卡回收电子卡 says 卡 three times.
    assert is_pair("京东卡e卡回收电子卡全面指南", "京东e卡回收全攻略:轻松几步变现金")
    # A doubled name (转转) is no stuffing: a one-character variant still pairs.
    assert is_pair("转转回收预付款即时到账服务详解", "转转回收预付款即时到帐服务详解")


def test_keyword_stuffed_pair_must_be_one_within_the_other() -> None:
    # Counted once, 话与借条…打电话… holds 话 twice; its subject (话与借条) is not the other's
    # (卡文借条) although 话 occurs there: two lenders (bench/dedup.py siblings).
    a, b = "话与借条还款日是否会打电话给联系人?", "卡文借条还款日是否会打电话给联系人?"
    assert find_pairs([a, b]) == []
    # Within the other title, but its subject is not the other's subject: rejected too.
    units = tokens.title_units(
        [normalize_text(a), normalize_text(b)], tokens.filler_tables(None), DedupConfig()
    )
    assert verify.verify(units, np.array([[0, 1]]), contained=True).tolist() == [0.0]


# Three articles of one news column (web titles of the realworld set).
_COLUMN = [
    "電子消費券|唔係所有網購都用到? 合資格本地網購平台一覽 淘寶/Gmarket/Amazon都唔用得!",
    "電子消費券|領展加碼送總值1,700萬元優惠 消費換家電香米兼可抽大獎",
    "電子消費券|7月4日接受電子登記 登記程序身分認證一文睇清",
]


def test_articles_of_one_column_are_not_duplicates() -> None:
    assert find_pairs(_COLUMN) == []
    # The column stays the articles' subtitle: an article copied without it is still one.
    copied = [*_COLUMN, "7月4日接受電子登記 登記程序身分認證一文睇清"]
    assert [(i, j) for i, j, _ in find_pairs(copied)] == [(2, 3)]


def test_a_head_before_slogans_is_no_column() -> None:
    # Slogans that also follow other titles, or are short, leave the head the main title.
    titles = [
        "京东e卡回收全攻略:轻松三步实现价值回归",
        "京东e卡回收全攻略:轻松三步实现卡券变现",
        "京东e卡回收全攻略:安全高效变现已不是难题",
        "小花钱包退费指南:安全高效变现已不是难题",
    ]
    assert (0, 1) in {(i, j) for i, j, _ in find_pairs(titles)}
    assert DedupConfig(column_titles=0).column_titles == 0
    with pytest.raises(DedupError, match="column_ratio"):
        DedupConfig(column_ratio=0)


def test_a_year_stamp_is_no_number() -> None:
    # Web titles the blind reviewers grouped: the stamp says the copy is fresh, not which article.
    titles = ["2025年美团月付怎么关闭 步骤详解", "美团月付怎么关闭?"]
    assert [(i, j) for i, j, _ in find_pairs(titles)] == [(0, 1)]
    # A year inside the title dates an event (the project's labels: two articles), and a year
    # before 元 is an amount.
    events = [
        "时光分期2022年放款失败:原因剖析与应对策略",
        "时光分期2023年放款失败:原因剖析与应对策略",
    ]
    assert find_pairs(events) == []
    assert find_pairs(["讨户制花2000元回收价值解析", "讨户制花回收价值解析"]) == []


def test_a_bare_name_is_no_respin_of_an_article_about_it() -> None:
    # Web titles neither blind reviewer grouped: a topic page and articles on baccarat.
    titles = [
        "百家乐",
        "百家樂:以智慧和運氣為基礎的經典博彩遊戲",
        "全面解析百家樂:如何在賭場中掌握勝算與策略",
        "行业资讯",
        "行业资讯| 港府《稳定币条例》通过的战略意义与解读",
    ]
    pairs = {(i, j) for i, j, _ in find_pairs(titles)}
    assert not pairs & {(0, 1), (0, 2), (3, 4)}
    # A copy that reads the same once its year stamp is away is still one.
    assert [(i, j) for i, j, _ in find_pairs(["百家乐", "【2025】百家乐"])] == [(0, 1)]


@pytest.mark.parametrize(
    "titles",
    [
        # Cash taken out of a credit line, worded 取现 and 提现 (withdraw variants).
        ["分付额度取现步骤详解:让你轻松掌握方法", "分付额度提现操作步骤及注意事项"],
        # Ways of doing it, worded 渠道, 方式, 操作方式 (fillers, like 方法).
        ["了解京东e卡回收渠道与操作方式", "了解京东e卡回收的具体方式和流程"],
    ],
)
def test_web_rewordings_the_reviewers_grouped(titles: list[str]) -> None:
    assert [(i, j) for i, j, _ in find_pairs(titles)] == [(0, 1)]


def test_two_draw_dates_are_two_articles() -> None:
    # Web titles neither blind reviewer grouped: the date sits in the subtitle.
    draws = [
        "威力彩開獎了！12/1中獎號碼出爐、威力彩直播、中獎怎麼看、分配方式、如何領一次看？",
        "威力彩開獎了！11/3中獎號碼出爐、威力彩直播、中獎怎麼看、分配方式、如何領一次看？",
    ]
    assert find_pairs(draws) == []
    # The same day written twice, and a title naming no day, are left to the verifier.
    same_day = [draws[0], draws[0].replace("12/1", "12月1日") + " "]
    assert [(i, j) for i, j, _ in find_pairs(same_day)] == [(0, 1)]
