"""Synthetic content-farm titles with planted re-spins: speed, memory and accuracy of title dedup.

    .venv/bin/python bench/dedup.py [--n 20000] [--seed 0] [--methods neardup,datasketch,rensa]
    .venv/bin/python bench/dedup.py --n 200000 --errors 30   # neardup's errors, sampled

`generate_titles(n, seed)` is deterministic. Base titles fill about 60 templates taken from the
seed pages ("{s}客服电话查询与使用指南", "如何关闭{s}的先享后付功能", "{c}{s}回收流程与注意事项",
"{s}{n}元回收价值解析" ...) with synthetic subjects (brand-like names drawn from the seed pages'
characters), cities and amounts, so every template has a large family of siblings that are
not duplicates. A third of the base titles get one to three planted re-spins, each made by one
or two of: full-width/case/spacing changes, a template-word synonym (解析 → 详解), a content-word
synonym (时间 → 时长), a character deleted, doubled or swapped, "的" inserted, a spin adjective
prepended, and a subtitle replaced, added or removed. A base title and its re-spins form a
family; the truth is "same family".

Two rules keep that truth what a careful labeller would say (tests/fixtures/dedup/README.md):
- Names are never edited. While a title is re-spun, every slot value (subject, second subject,
  city, product, amount) stands behind one placeholder character, so no typo, synonym or "的"
  lands inside it; width and case changes, which a reader sees through, apply to the whole
  title afterwards. Typos also stay off the template words before the first name and the
  character right after it. (Until 2026-11-23 only the first run of slots was protected: a
  typo in the second subject of "{s}与{t}对比分析" made a planted re-spin that read exactly
  like a sibling with another second subject.)
- Subjects are at least two character edits apart: no two of them turn into each other by
  one character substituted, inserted, deleted or moved one place (富场分期 / 解场分期,
  定易贷 / 定导易贷). These are invented names; one character apart, a reader who does not know
  them reads the second as a typo of the first, so "different subject" is a truth nobody
  could label. Drawn at random from 800 characters, such neighbours grew denser with N (at
  200k most subjects had one), which is why precision fell with N before. Cities and
  products stay real names: 杭州 / 广州 are two places to any reader, and a verifier has to
  know that (neardup's place lexicon).

Each method runs in a fresh subprocess that regenerates the titles, so its peak RSS
(`resource.getrusage`, the whole process: interpreter, libraries, titles and the method) is its
own. The MinHash peers use character 3-grams of the normalised title, 128 permutations and LSH
at 0.7, and keep only the candidates whose MinHash-estimated Jaccard is at least 0.7, as a user
of those libraries would (an LSH candidate alone is not a decision).

Scoring, the same for every method. A pair of titles is
- positive: same family (a base title and its planted re-spins);
- negative: different families from one template (template siblings: another subject fills
  the template), or from different templates with a different subject (slot values other
  than the subtitle: another platform, city, product or amount, or a subject narrowed by one);
- unknown: different families, different templates, the same subject ("{s}借款是否上征信系统分析"
  / "{s}是否上征信?{sub}", "{s}客服电话查询与使用指南" / "{s}官方客服联系方式"). By the labelling
  rule of tests/fixtures/dedup/README.md some of these are re-spins (same subject, same
  question) and some are not (another question); the generator does not know which.
Precision is positives / (positives + negatives) among the predicted pairs, unknown pairs left
out of it (their count is printed); recall is predicted positives / planted pairs.
"pair P / R" scores each method's direct decisions: neardup's `find_pairs`, the peers' verified
candidates. "cluster P / R" scores every pair inside a predicted cluster; every method's clusters
come from the same star linkage (first-seen order: a title no earlier one has taken becomes a
representative and takes its verified neighbours not yet taken), neardup's own
`cluster_titles` for neardup, the same rule over the verified pairs for the peers (outside their
timing). `neardup-single` is neardup with connected components, for comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports.neardup import Cluster, DedupConfig, cluster_titles, find_pairs
from reports.textnorm import normalize_text
from scraper.demo.seeds import SEEDS_DIR

TEMPLATES = (
    "{s}客服电话查询与使用指南",
    "{s}是否为正规贷款平台",
    "如何关闭{s}的先享后付功能",
    "{s}逾期的后果与应对策略",
    "{s}额度解析:影响因素与提升策略",
    "{s}协商还款流程详解",
    "{s}所属公司简介",
    "{s}APP下载与安装教程",
    "{s}审核时间解析",
    "{s}提前还款手续费详解",
    "{c}{s}回收流程与注意事项",
    "{s}{n}元回收价值解析",
    "{s}借款是否上征信系统分析",
    "{s}还款日是否会打电话给联系人?",
    "{s}下款难易度分析",
    "{s}平台的安全性分析",
    "如何注销{s}账号并解绑银行卡",
    "{s}的利率及费用解析",
    "{s}逾期上门催收应对策略与法律权益解读",
    "高价回收{s}的优质平台推荐",
    "{s}回收全攻略:{sub}",
    "{s}借款服务的真实性和可靠性解析",
    "{s}申请被拒后如何恢复额度",
    "{s}一次性结清操作指南与注意事项",
    "{s}还款失败的解决办法",
    "{s}总公司总部地理位置解析",
    "{s}放款银行解析",
    "{s}自动扣款时间说明",
    "{s}服务费退款政策解析",
    "{s}投诉:有效途径与相关部门解析",
    "{c}实体店分期购买{p}的具体要求",
    "零首付分期购买{p}:{sub}",
    "全新未拆封{p}回收报价指南",
    "{c}{p}回收平台推荐",
    "{p}以旧换新的流程详解",
    "{s}先享后付额度的合理使用与规划",
    "{s}会员年卡{n}元详情解析",
    "{s}{n}元面额回收到账时间详解",
    "{c}{s}门店地址与营业时间",
    "{s}是否上征信?{sub}",
    "{s}催收电话频繁的应对方法",
    "{s}账号被冻结怎么办",
    "{s}借钱逾期一天有影响吗",
    "{s}分期免息活动规则说明",
    "{s}信用评估周期解析",
    "{s}与{t}对比分析:异同与选择建议",
    "{s}的借款体验与安全性分析",
    "{s}无法访问的原因及解决办法",
    "{s}会员注册指南",
    "{s}资金未到账的常见问题与解决方法",
    "{s}卸载后重新下载软件的步骤指南",
    "{c}{s}加盟费用多少钱",
    "{s}可靠吗?{sub}",
    "{s}最高能借多少钱",
    "{s}官方客服联系方式",
    "{s}提现到账需要多久",
    "{s}还款宽限期是几天",
    "{s}的年化利率计算方法",
    "{s}个人信息保护措施解析",
    "{s}与个人征信的关系解析",
)
SUBTITLES = (
    "轻松三步实现卡券变现",
    "安全高效变现已不是难题",
    "你需要知道的一切",
    "新手也能轻松上手",
    "一文读懂",
    "这些坑千万别踩",
    "专家给出答案",
    "真实案例告诉你",
    "附详细操作步骤",
    "省心省力的选择",
    "看完就明白了",
    "闲置资源一键变现",
)
SUFFIXES = ("借", "贷", "花", "钱包", "分期", "商城", "优品", "租机", "借条", "卡贷", "易贷", "宝")
CITIES = (
    "北京", "上海", "广州", "深圳", "成都", "重庆", "杭州", "南京", "武汉", "西安",
    "苏州", "天津", "长沙", "郑州", "东莞", "青岛", "沈阳", "宁波", "昆明", "合肥",
    "佛山", "福州", "无锡", "厦门", "济南", "温州", "南宁", "长春", "泉州", "石家庄",
    "贵阳", "南昌", "金华", "常州", "南通", "嘉兴", "太原", "徐州", "惠州", "珠海",
    "中山", "台州", "烟台", "兰州", "绍兴", "海口", "扬州", "沧州",
)  # fmt: skip
PRODUCTS = (
    "苹果手机", "华为手机", "小米手机", "iPhone 15", "iPhone 14", "荣耀9X", "OPPO Reno8",
    "笔记本电脑", "平板电脑", "单反相机", "洗衣机", "冰箱", "空调", "iPad", "游戏机", "智能手表",
)  # fmt: skip
AMOUNTS = ("100", "200", "500", "1000", "2000", "3000", "5000", "10000")
# Template-word synonyms (a spinner's thesaurus) and content-word synonyms.
SYNONYMS = (
    ("解析", "详解", "分析", "解读", "全解析"),
    ("指南", "攻略", "教程", "全攻略"),
    ("与", "和", "及"),
    ("如何", "怎么", "怎样"),
    ("是否", "是不是"),
    ("办法", "方法"),
    ("查询", "查看"),
    ("注意事项", "须知"),
    ("时间", "时长"),
    ("流程", "步骤"),
    ("费用", "收费"),
    ("电话", "热线"),
    ("安全性", "可靠性"),
    ("原因", "缘由"),
    ("技巧", "窍门"),
    ("推荐", "盘点"),
)
# Words a spinner may put "的" in front of.
DE_BEFORE = ("流程", "额度", "利率", "安全性", "费用", "时间", "影响", "后果", "方法", "规则")
ADJECTIVES = ("最新", "详细", "全面", "实用", "超全")
FULL_WIDTH = {c: chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _char_pool() -> list[str]:
    """The 800 most frequent Han characters of the seed pages, most frequent first."""
    counts: Counter[str] = Counter()
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        counts.update(ch for ch in path.read_text(encoding="utf-8") if "\u4e00" <= ch <= "\u9fff")
    return [ch for ch, _ in counts.most_common(800)]


def _neighbourhood(name: str) -> set[str]:
    """`name` and `name` with one character deleted: two names share an entry exactly when
    one character substituted, inserted, deleted or moved by one place turns one into the
    other."""
    return {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}


def _subjects(rng: random.Random, count: int) -> list[str]:
    """`count` brand-like names, no two within one character edit of each other (module doc)."""
    pool = _char_pool()
    names: set[str] = set()
    taken: set[str] = set()
    while len(names) < count:
        stem = "".join(rng.choice(pool) for _ in range(rng.choice((2, 2, 3))))
        name = stem + rng.choice(SUFFIXES)
        near = _neighbourhood(name)
        if near & taken:
            continue
        names.add(name)
        taken |= near
    return sorted(names)


# Slot values are hidden behind private-use characters while a title is re-spun, so that no
# edit lands inside a name (module doc).
_SLOT_BASE = 0xE000


@dataclass(frozen=True)
class _Filled:
    """A filled template: its title, the title with each slot value as one placeholder
    character, the values behind the placeholders, and the subject (slot, value) pairs."""

    title: str
    masked: str
    values: tuple[str, ...]
    subject: tuple[tuple[str, str], ...]


def _fill(template: str, rng: random.Random, subjects: list[str]) -> _Filled:
    """A title from `template`; its subject is the (slot, value) pairs of its slots other
    than the subtitle."""
    values = {
        "s": rng.choice(subjects),
        "t": rng.choice(subjects),
        "c": rng.choice(CITIES),
        "p": rng.choice(PRODUCTS),
        "n": rng.choice(AMOUNTS),
        "sub": rng.choice(SUBTITLES),
    }
    title = template.format(**values)
    slots = [slot for slot in re.findall(r"\{(\w+)\}", template) if slot != "sub"]
    masked = template.format(
        **{slot: chr(_SLOT_BASE + k) for k, slot in enumerate(slots)}, sub=values["sub"]
    )
    subject = tuple(sorted((slot, values[slot]) for slot in set(slots)))
    return _Filled(title, masked, tuple(values[slot] for slot in slots), subject)


def _unmask(masked: str, values: tuple[str, ...]) -> str:
    return re.sub(r"[\ue000-\ue0ff]", lambda m: values[ord(m.group()) - _SLOT_BASE], masked)


def _respin(filled: _Filled, rng: random.Random) -> str:
    """One planted re-spin of a title (one or two random edits, never the title itself)."""
    for _ in range(20):
        spun, width = filled.masked, None
        for _ in range(rng.choice((1, 1, 1, 2))):
            if rng.random() < 1 / 8:
                # Width, case and spacing apply to the names too: done after unmasking.
                width = (rng.random() < 0.5, rng.random() < 0.3)
            else:
                spun = _edit(spun, rng)
        title = _unmask(spun, filled.values)
        if width is not None:
            full, spaced = width
            title = title.translate(FULL_WIDTH) if full else title.upper()
            title = title.replace(":", " : ") if spaced else title
        if title != filled.title:
            return title
    return filled.title + "!"


def _edit(masked: str, rng: random.Random) -> str:
    """One edit of a masked title (slot values are single placeholder characters)."""
    op = rng.choice(("synonym", "synonym", "typo", "de", "adjective", "tail", "tail"))
    head, sep, tail = masked.partition(":")
    # Template words before the first name and the character right after it stay as they
    # are: typos go after the opening run of names.
    first = re.search(r"[\ue000-\ue0ff]+", masked)
    protect = first.end() if first else 0
    if op == "synonym":
        groups = [g for g in SYNONYMS if any(w in masked for w in g)]
        if groups:
            group = rng.choice(groups)
            old = next(w for w in group if w in masked)
            return masked.replace(old, rng.choice([w for w in group if w != old]), 1)
        return masked
    han = [i for i, ch in enumerate(head) if "\u4e00" <= ch <= "\u9fff" and i > protect]
    if op == "typo" and len(han) > 2:
        i = rng.choice(han)
        kind = rng.choice(("delete", "double", "swap"))
        if kind == "delete":
            return masked[:i] + masked[i + 1 :]
        if kind == "double":
            return masked[:i] + masked[i] + masked[i:]
        if "\u4e00" <= masked[i - 1] <= "\u9fff":
            return masked[: i - 1] + masked[i] + masked[i - 1] + masked[i + 1 :]
        return masked
    if op == "de":
        spots = [masked.find(w) for w in DE_BEFORE if masked.find(w) > protect]
        if spots:
            i = rng.choice(spots)
            return masked[:i] + "的" + masked[i:]
        return masked
    if op == "adjective":
        return rng.choice(ADJECTIVES) + masked
    if op == "tail":
        if sep and rng.random() < 0.3:
            return head
        return head + ":" + rng.choice([s for s in SUBTITLES if s != tail])
    return masked


def generate_titles(n: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """`n` shuffled titles and their family ids (a base title and its planted re-spins)."""
    truth = generate_truth(n, seed)
    return truth.titles, truth.families


@dataclass(frozen=True)
class Truth:
    """Generated titles with, per title, its family, its template and its subject (ids)."""

    titles: list[str]
    families: list[int]
    templates: list[int]
    subjects: list[int]


def generate_truth(n: int, seed: int = 0) -> Truth:
    """`generate_titles` with each title's template and subject, for scoring (module doc)."""
    rng = random.Random(seed)
    n_base = max(1, round(n / 1.7))
    subjects = _subjects(rng, max(50, n_base // 20))
    titles: list[str] = []
    families: list[int] = []
    templates: list[int] = []
    subject_ids: list[int] = []
    subject_id: dict[tuple[tuple[str, str], ...], int] = {}
    seen: set[str] = set()
    mains: set[str] = set()
    family = -1
    while len(titles) < n:
        template = rng.choice(TEMPLATES)
        filled = _fill(template, rng, subjects)
        base, subject = filled.title, filled.subject
        # Two bases differing only in their subtitle would be re-spins of each other.
        main = re.split(r"[:?]", base, maxsplit=1)[0]
        if main in mains:
            continue
        mains.add(main)
        family += 1
        group = [base]
        if rng.random() < 1 / 3:
            group += [_respin(filled, rng) for _ in range(rng.choice((1, 2, 3)))]
        for title in group[: n - len(titles)]:
            if title not in seen:
                seen.add(title)
                titles.append(title)
                families.append(family)
                templates.append(TEMPLATES.index(template))
                subject_ids.append(subject_id.setdefault(subject, len(subject_id)))
    order = list(range(n))
    rng.shuffle(order)
    return Truth(
        titles=[titles[i] for i in order],
        families=[families[i] for i in order],
        templates=[templates[i] for i in order],
        subjects=[subject_ids[i] for i in order],
    )


@dataclass(frozen=True)
class Score:
    """Predicted pairs by truth class (module doc) and the planted pairs."""

    positive: int
    sibling: int  # negative: same template
    other: int  # negative: different template and subject
    unknown: int  # different template, same subject: left out of precision
    planted: int

    @property
    def precision(self) -> float:
        judged = self.positive + self.sibling + self.other
        return self.positive / judged if judged else 1.0

    @property
    def recall(self) -> float:
        return self.positive / self.planted if self.planted else 1.0


def _planted(families: list[int]) -> int:
    return sum(k * (k - 1) // 2 for k in Counter(families).values())


def cluster_score(labels: list[int], truth: Truth) -> Score:
    """Every pair inside a predicted cluster (labels, -1: alone), by truth class."""
    lab = np.array(labels, dtype=np.int64)
    alone = lab < 0
    lab[alone] = lab.max(initial=0) + 1 + np.arange(int(alone.sum()))

    def pairs(*keys: list[int] | np.ndarray) -> int:
        rows = np.stack([np.asarray(k, dtype=np.int64) for k in keys], axis=1)
        counts = np.unique(rows, axis=0, return_counts=True)[1]
        return int((counts * (counts - 1) // 2).sum())

    # A family has one template and one subject, and two families with the same template and
    # subject would share their main title, which the generator refuses.
    same_family = pairs(lab, truth.families)
    same_subject = pairs(lab, truth.subjects)
    same_template = pairs(lab, truth.templates)
    return Score(
        positive=same_family,
        sibling=same_template - same_family,
        other=pairs(lab) - same_subject - (same_template - same_family),
        unknown=same_subject - same_family,
        planted=_planted(truth.families),
    )


def pair_score(pairs: list[tuple[int, int]], truth: Truth) -> Score:
    """Direct pair decisions, by truth class."""
    fam, tpl, sub = truth.families, truth.templates, truth.subjects
    counts = Counter(
        "positive" if fam[i] == fam[j]
        else "sibling" if tpl[i] == tpl[j]
        else "unknown" if sub[i] == sub[j]
        else "other"
        for i, j in pairs
    )  # fmt: skip
    return Score(
        positive=counts["positive"],
        sibling=counts["sibling"],
        other=counts["other"],
        unknown=counts["unknown"],
        planted=_planted(truth.families),
    )


def pair_scores(labels: list[int], families: list[int]) -> tuple[float, float]:
    """Pair precision and recall of cluster labels (-1: alone) against families alone.

    Every pair of different families counts as negative here (no template or subject known).
    """
    score = cluster_score(labels, Truth([""] * len(families), families, families, families))
    return score.precision, score.recall


def star_labels(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """Star clusters of verified pairs, neardup's default rule (-1: alone).

    In index order, a title that no earlier one has taken becomes a representative and takes
    every neighbour not yet taken; its label is the representative's index.
    """
    later: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        later[min(a, b)].append(max(a, b))
    labels = [-1] * n
    for i in range(n):
        if labels[i] >= 0 or not later[i]:
            continue
        taken = [j for j in later[i] if labels[j] < 0]
        if taken:
            labels[i] = i
            for j in taken:
                labels[j] = i
    return labels


def _trigrams(title: str) -> list[str]:
    norm = normalize_text(title)
    return [norm[i : i + 3] for i in range(max(1, len(norm) - 2))]


# A run returns cluster labels (-1: alone) and the direct pairs it judged duplicates; either is
# None when the method does not produce it (the worker makes star clusters of a peer's pairs).
Run = tuple[list[int] | None, list[tuple[int, int]] | None]


def _labels(clusters: list[Cluster], n: int) -> list[int]:
    labels = [-1] * n
    for cluster in clusters:
        for i in cluster.members:
            labels[i] = cluster.cluster_id
    return labels


def run_neardup(titles: list[str]) -> Run:
    """reports.neardup.cluster_titles (star linkage, the default)."""
    return _labels(cluster_titles(titles), len(titles)), None


def run_neardup_single(titles: list[str]) -> Run:
    """reports.neardup.cluster_titles with single linkage (connected components)."""
    return _labels(cluster_titles(titles, DedupConfig(linkage="single")), len(titles)), None


def run_datasketch(titles: list[str]) -> Run:
    """datasketch MinHashLSH (3-grams, 128 perm, 0.7); pairs verified by estimated Jaccard."""
    from datasketch import (  # type: ignore[import-untyped,unused-ignore]
        MinHash,
        MinHashLSH,
    )

    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    hashes = []
    for i, title in enumerate(titles):
        mh = MinHash(num_perm=128)
        mh.update_batch([g.encode() for g in set(_trigrams(title))])
        lsh.insert(i, mh)
        hashes.append(mh)
    pairs = [
        (i, j)
        for i, mh in enumerate(hashes)
        for j in lsh.query(mh)
        if j > i and mh.jaccard(hashes[j]) >= 0.7
    ]
    return None, pairs


def run_rensa(titles: list[str]) -> Run:
    """rensa RMinHashLSH (3-grams, 128 perm, 16 bands, 0.7); pairs verified by estimated Jaccard."""
    import rensa  # type: ignore[import-untyped,unused-ignore]

    hashes = rensa.RMinHash.from_token_sets([_trigrams(t) for t in titles], 128, 42)
    lsh = rensa.RMinHashLSH(0.7, 128, 16)
    lsh.insert_pairs(list(enumerate(hashes)))
    pairs = [
        (i, j)
        for i, found in enumerate(lsh.query_all(hashes))
        for j in found
        if j > i and hashes[i].jaccard(hashes[j]) >= 0.7
    ]
    return None, pairs


def run_rensa_flags(titles: list[str]) -> Run:
    """rensa's fastest path: digest matrix and one-shot LSH duplicate flags (no pairs)."""
    import rensa  # type: ignore[import-untyped,unused-ignore]

    matrix = rensa.RMinHash.digest_matrix_from_token_sets([_trigrams(t) for t in titles], 128, 42)
    rensa.RMinHashLSH(0.7, 128, 16).query_duplicate_flags_matrix_one_shot(matrix)
    return None, None


METHODS = {
    "neardup": run_neardup,
    "neardup-single": run_neardup_single,
    "datasketch": run_datasketch,
    "rensa": run_rensa,
    "rensa-flags": run_rensa_flags,
}
REQUIRES = {"datasketch": "datasketch", "rensa": "rensa", "rensa-flags": "rensa"}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(method: str, n: int, seed: int) -> dict[str, float | int | str | None]:
    """Generate, run one method, measure: called in a fresh subprocess per method."""
    truth = generate_truth(n, seed)
    titles = truth.titles
    before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    labels, pairs = METHODS[method](titles)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if method.startswith("neardup"):
        # Direct decisions, outside the timing: find_pairs repeats the work.
        pairs = [(i, j) for i, j, _ in find_pairs(titles)]
    elif labels is None and pairs is not None:
        labels = star_labels(n, pairs)  # outside the timing, as for find_pairs
    out: dict[str, float | int | str | None] = {
        "method": method,
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "rss_before_mb": before,
    }
    for name, score in (
        ("cluster", cluster_score(labels, truth) if labels is not None else None),
        ("pair", pair_score(pairs, truth) if pairs is not None else None),
    ):
        out[f"{name}_precision"] = score.precision if score else None
        out[f"{name}_recall"] = score.recall if score else None
        for field in ("positive", "sibling", "other", "unknown"):
            out[f"{name}_{field}"] = getattr(score, field) if score else None
    return out


def error_pairs(
    truth: Truth, pairs: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Judged false positives (sibling or other, module doc) and missed planted pairs."""
    fam, tpl, sub = truth.families, truth.templates, truth.subjects
    false_pos = [
        (i, j) for i, j in pairs if fam[i] != fam[j] and (tpl[i] == tpl[j] or sub[i] != sub[j])
    ]
    found = {(min(i, j), max(i, j)) for i, j in pairs}
    members: dict[int, list[int]] = {}
    for i, f in enumerate(fam):
        members.setdefault(f, []).append(i)
    missed = [
        (i, j)
        for group in members.values()
        for i, j in itertools.combinations(group, 2)
        if (i, j) not in found
    ]
    return false_pos, missed


def print_errors(truth: Truth, count: int, seed: int) -> None:
    """A random sample of neardup's false positive and missed pairs (`find_pairs`)."""
    pairs = [(i, j) for i, j, _ in find_pairs(truth.titles)]
    false_pos, missed = error_pairs(truth, pairs)
    rng = random.Random(seed)
    for name, found in (("false positives", false_pos), ("missed planted pairs", missed)):
        print(f"neardup {name}: {len(found)}, {min(count, len(found))} at random")
        for i, j in sorted(rng.sample(found, min(count, len(found)))):
            kind = (
                ""
                if name.startswith("missed")
                else (" [sibling]" if truth.templates[i] == truth.templates[j] else " [other]")
            )
            print(f"  {truth.titles[i]}  |  {truth.titles[j]}{kind}")


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "  n/a"


def main() -> None:
    """Run every requested method in its own subprocess and print a comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--methods", default="neardup,datasketch,rensa,rensa-flags", help=", ".join(METHODS)
    )
    parser.add_argument(
        "--errors",
        type=int,
        metavar="K",
        help="print K random false positive and K missed pairs of neardup, then stop",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.seed)))
        return
    truth = generate_truth(args.n, args.seed)
    if args.errors is not None:
        print_errors(truth, args.errors, args.seed)
        return
    families = truth.families
    sizes = Counter(Counter(families).values())
    print(
        f"n={args.n} seed={args.seed}: {len(set(families))} families, "
        f"{sum(c * (s * (s - 1) // 2) for s, c in sizes.items())} planted pairs; "
        f"family sizes {dict(sorted(sizes.items()))}"
    )
    print(
        f"  {'method':14s} {'wall s':>7s} {'cpu s':>7s} {'peak MB':>8s}  cluster P / R   pair P / R"
        "    direct pairs: planted / sibling / other / unknown"
    )
    results = []
    for method in args.methods.split(","):
        if method not in METHODS:
            parser.error(f"unknown method {method!r}, expected one of {', '.join(METHODS)}")
        if method in REQUIRES and importlib.util.find_spec(REQUIRES[method]) is None:
            print(f"  {method}: {REQUIRES[method]} is not installed, skipped")
            continue
        out = subprocess.run(
            [sys.executable, __file__, "--worker", method, "--n", str(args.n),
             "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(out.stdout.splitlines()[-1])
        results.append(result)
        print(
            f"  {method:14s} {result['seconds']:7.2f} {result['cpu_seconds']:7.2f} "
            f"{result['peak_rss_mb']:8.0f}  "
            f"{_fmt(result['cluster_precision'])} / {_fmt(result['cluster_recall'])}  "
            f"{_fmt(result['pair_precision'])} / {_fmt(result['pair_recall'])}    "
            + " / ".join(
                str(result[f"pair_{k}"]) for k in ("positive", "sibling", "other", "unknown")
            )
        )
    ours = next((r for r in results if r["method"] == "neardup"), None)
    for other in results:
        if ours and other["method"] in ("datasketch", "rensa", "rensa-flags"):
            print(
                f"  neardup / {other['method']}: time x{ours['seconds'] / other['seconds']:.2f}, "
                f"peak RSS x{ours['peak_rss_mb'] / other['peak_rss_mb']:.2f}"
            )


if __name__ == "__main__":
    main()
