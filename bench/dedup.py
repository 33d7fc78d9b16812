"""Synthetic content-farm titles with planted re-spins: speed, memory and accuracy of title dedup.

    .venv/bin/python bench/dedup.py [--n 20000] [--seed 0] [--methods neardup,datasketch,rensa]

`generate_titles(n, seed)` is deterministic. Base titles fill about 60 templates taken from the
seed pages ("{s}客服电话查询与使用指南", "如何关闭{s}的先享后付功能", "{c}{s}回收流程与注意事项",
"{s}{n}元回收价值解析" ...) with synthetic subjects (brand-like names drawn from the seed pages'
characters), cities and amounts, so every template has a large family of siblings that are
not duplicates. A third of the base titles get one to three planted re-spins, each made by one
or two of: full-width/case/spacing changes, a template-word synonym (解析 → 详解), a content-word
synonym (时间 → 时长), a character deleted, doubled or swapped, "的" inserted, a spin adjective
prepended, and a subtitle replaced, added or removed. A base title and its re-spins form a
family; the truth is "same family".

Each method runs in a fresh subprocess that regenerates the titles, so its peak RSS
(`resource.getrusage`, the whole process: interpreter, libraries, titles and the method) is its
own. Accuracy is pair precision/recall of the clusters: a pair is predicted when both titles
land in one cluster. The MinHash baselines use character 3-grams of the normalised title,
128 permutations, LSH at 0.7 and keep candidates whose estimated Jaccard is at least 0.7.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
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


def _subjects(rng: random.Random, count: int) -> list[str]:
    pool = _char_pool()
    names: set[str] = set()
    while len(names) < count:
        stem = "".join(rng.choice(pool) for _ in range(rng.choice((2, 2, 3))))
        names.add(stem + rng.choice(SUFFIXES))
    return sorted(names)


def _fill(template: str, rng: random.Random, subjects: list[str]) -> tuple[str, int]:
    """A title from `template` and how many leading characters hold its first slot value."""
    values = {
        "s": rng.choice(subjects),
        "t": rng.choice(subjects),
        "c": rng.choice(CITIES),
        "p": rng.choice(PRODUCTS),
        "n": rng.choice(AMOUNTS),
        "sub": rng.choice(SUBTITLES),
    }
    title = template.format(**values)
    # Re-spins edit template words, not names: edits stay after the first run of slots.
    first = template.index("{")
    protect = first
    run = re.match(r"(?:\{\w+\})+", template[first:])
    for slot in re.findall(r"\w+", run.group() if run else ""):
        protect += len(values[slot])
    return title, protect


def _respin(title: str, protect: int, rng: random.Random) -> str:
    """One planted re-spin of `title` (one or two random edits, never the title itself)."""
    for _ in range(20):
        spun = title
        for _ in range(rng.choice((1, 1, 1, 2))):
            spun = _edit(spun, protect, rng)
        if spun != title:
            return spun
    return title + "!"


def _edit(title: str, protect: int, rng: random.Random) -> str:
    op = rng.choice(("width", "synonym", "synonym", "typo", "de", "adjective", "tail", "tail"))
    head, sep, tail = title.partition(":")
    if op == "width":
        spun = title.translate(FULL_WIDTH) if rng.random() < 0.5 else title.upper()
        return spun.replace(":", " : ") if rng.random() < 0.3 else spun
    if op == "synonym":
        groups = [g for g in SYNONYMS if any(w in title for w in g)]
        if groups:
            group = rng.choice(groups)
            old = next(w for w in group if w in title)
            return title.replace(old, rng.choice([w for w in group if w != old]), 1)
        return title
    han = [i for i, ch in enumerate(head) if "\u4e00" <= ch <= "\u9fff" and i > protect]
    if op == "typo" and len(han) > 2:
        i = rng.choice(han)
        kind = rng.choice(("delete", "double", "swap"))
        if kind == "delete":
            return title[:i] + title[i + 1 :]
        if kind == "double":
            return title[:i] + title[i] + title[i:]
        return title[: i - 1] + title[i] + title[i - 1] + title[i + 1 :]
    if op == "de":
        spots = [title.find(w) for w in DE_BEFORE if title.find(w) > protect]
        if spots:
            i = rng.choice(spots)
            return title[:i] + "的" + title[i:]
        return title
    if op == "adjective":
        return rng.choice(ADJECTIVES) + title
    if op == "tail":
        if sep and rng.random() < 0.3:
            return head
        return head + ":" + rng.choice([s for s in SUBTITLES if s != tail])
    return title


def generate_titles(n: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """`n` shuffled titles and their family ids (a base title and its planted re-spins)."""
    rng = random.Random(seed)
    n_base = max(1, round(n / 1.7))
    subjects = _subjects(rng, max(50, n_base // 20))
    titles: list[str] = []
    families: list[int] = []
    seen: set[str] = set()
    mains: set[str] = set()
    family = -1
    while len(titles) < n:
        base, protect = _fill(rng.choice(TEMPLATES), rng, subjects)
        # Two bases differing only in their subtitle would be re-spins of each other.
        main = re.split(r"[:?]", base, maxsplit=1)[0]
        if main in mains:
            continue
        mains.add(main)
        family += 1
        group = [base]
        if rng.random() < 1 / 3:
            group += [_respin(base, protect, rng) for _ in range(rng.choice((1, 2, 3)))]
        for title in group[: n - len(titles)]:
            if title not in seen:
                seen.add(title)
                titles.append(title)
                families.append(family)
    order = list(range(n))
    rng.shuffle(order)
    return [titles[i] for i in order], [families[i] for i in order]


def pair_scores(labels: list[int], families: list[int]) -> tuple[float, float]:
    """Pair precision and recall of predicted cluster labels (-1: alone) against families."""
    lab = np.array(labels, dtype=np.int64)
    fam = np.array(families, dtype=np.int64)
    alone = lab < 0
    lab[alone] = lab.max(initial=0) + 1 + np.arange(int(alone.sum()))

    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    predicted = pairs(np.unique(lab, return_counts=True)[1])
    true = pairs(np.unique(fam, return_counts=True)[1])
    both = pairs(np.unique(lab * (fam.max() + 1) + fam, return_counts=True)[1])
    return (both / predicted if predicted else 1.0), (both / true if true else 1.0)


def _labels_from_pairs(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def _trigrams(title: str) -> list[str]:
    norm = normalize_text(title)
    return [norm[i : i + 3] for i in range(max(1, len(norm) - 2))]


# A run returns cluster labels (-1: alone) and the direct pairs it judged duplicates; either is
# None when the method does not produce it.
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
    return _labels_from_pairs(len(titles), pairs), pairs


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
    return _labels_from_pairs(len(titles), pairs), pairs


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


def edge_scores(pairs: list[tuple[int, int]], families: list[int]) -> tuple[float, float]:
    """Precision and recall of direct pairs against the planted families."""
    right = sum(families[i] == families[j] for i, j in pairs)
    true = sum(n * (n - 1) // 2 for n in Counter(families).values())
    return (right / len(pairs) if pairs else 1.0), (right / true if true else 1.0)


def worker(method: str, n: int, seed: int) -> dict[str, float | str | None]:
    """Generate, run one method, measure: called in a fresh subprocess per method."""
    titles, families = generate_titles(n, seed)
    before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    labels, pairs = METHODS[method](titles)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if method.startswith("neardup"):
        # Direct decisions, outside the timing: find_pairs repeats the work.
        pairs = [(i, j) for i, j, _ in find_pairs(titles)]
    cluster_p, cluster_r = pair_scores(labels, families) if labels else (None, None)
    edge_p, edge_r = edge_scores(pairs, families) if pairs is not None else (None, None)
    return {
        "method": method,
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "rss_before_mb": before,
        "cluster_precision": cluster_p,
        "cluster_recall": cluster_r,
        "pair_precision": edge_p,
        "pair_recall": edge_r,
    }


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
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.seed)))
        return
    _, families = generate_titles(args.n, args.seed)
    sizes = Counter(Counter(families).values())
    print(
        f"n={args.n} seed={args.seed}: {len(set(families))} families, "
        f"{sum(c * (s * (s - 1) // 2) for s, c in sizes.items())} planted pairs; "
        f"family sizes {dict(sorted(sizes.items()))}"
    )
    print(
        f"  {'method':14s} {'wall s':>7s} {'cpu s':>7s} {'peak MB':>8s}  cluster P / R   pair P / R"
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
            f"{_fmt(result['pair_precision'])} / {_fmt(result['pair_recall'])}"
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
