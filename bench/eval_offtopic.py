"""ROC AUC of the off-topic scorer against a character-bigram TF-IDF baseline, same run.

Reads `tests/fixtures/offtopic/pairs.csv` (labelled source page × related link pairs) and
`sources.csv` (the source pages' text). Both scorers get the same IDF corpus: every source
page (title and body) plus every link title as a page of its own, like a crawl in which the
targets were fetched. Label 1 is "related"; a higher score must mean more related.

    .venv/bin/python bench/eval_offtopic.py                # the held-out test split
    .venv/bin/python bench/eval_offtopic.py --split dev    # the split the defaults were tuned on

Tune on dev only; test is read to report, never to choose.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports.offtopic import OfftopicConfig, TopicModel, is_offtopic
from reports.textnorm import normalize_text

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "offtopic"
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class Pair:
    """One labelled (source page, link) pair."""

    source_seed: str
    anchor_text: str
    label: int
    split: str
    source: str


@dataclass(frozen=True)
class Source:
    """A source page's text."""

    title: str
    body: str


def load_pairs(path: Path = FIXTURES / "pairs.csv") -> list[Pair]:
    """The labelled pairs, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Pair(r["source_seed"], r["anchor_text"], int(r["label"]), r["split"], r["source"])
            for r in csv.DictReader(handle)
        ]


def load_sources(path: Path = FIXTURES / "sources.csv") -> dict[str, Source]:
    """source_seed → title and body."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["source_seed"]: Source(r["title"], r["body"]) for r in csv.DictReader(handle)}


def corpus(
    pairs: list[Pair], sources: dict[str, Source], targets: dict[str, str] | None = None
) -> list[str]:
    """The dataset's "title\\nbody" documents: sources, then each distinct link's page."""
    docs = [f"{s.title}\n{s.body}" for s in sources.values()]
    docs += [f"{a}\n{(targets or {}).get(a, '')}" for a in sorted({p.anchor_text for p in pairs})]
    return docs


def demo_targets(pairs: list[Pair]) -> dict[str, str]:
    """Link title → body of its generated demo article (the filler the demo site serves)."""
    from scraper.demo.filler import article_blocks

    bodies = {}
    for title in sorted({p.anchor_text for p in pairs}):
        lines = []
        for block in article_blocks(title):
            steps = block.steps if block.is_procedure else ()
            lines.extend([f"{s.label}{s.text}" for s in steps] or [block.text])
        bodies[title] = "\n".join(lines)
    return bodies


def score_pairs(
    model: TopicModel,
    pairs: list[Pair],
    sources: dict[str, Source],
    targets: dict[str, str] | None = None,
) -> np.ndarray:
    """The model's relatedness of every pair, one `score_links` call per source page.

    With `targets` (link title → body) every target counts as crawled, titled as its anchor.
    """
    scores = np.zeros(len(pairs))
    by_source: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_source.setdefault(pair.source_seed, []).append(i)
    for key, indexes in by_source.items():
        source = sources[key]
        anchors = [pairs[i].anchor_text for i in indexes]
        scores[indexes] = model.score_links(
            source.title,
            source.body,
            anchors,
            anchors if targets else None,
            [targets[a] for a in anchors] if targets else None,
        )
    return scores


def baseline_scores(pairs: list[Pair], sources: dict[str, Source]) -> np.ndarray:
    """Cosine of character-bigram TF-IDF vectors: source title+body against the anchor."""

    def bigrams(text: str) -> Counter[str]:
        text = normalize_text(text)
        return Counter(
            text[i : i + 2] for i in range(len(text) - 1) if not text[i : i + 2].isspace()
        )

    docs = corpus(pairs, sources)
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(bigrams(doc).keys())
    n = len(docs)

    def vector(text: str) -> dict[str, float]:
        weights = {g: c * (math.log((n + 1) / (df[g] + 1)) + 1) for g, c in bigrams(text).items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    source_vectors = {k: vector(f"{s.title}\n{s.body}") for k, s in sources.items()}
    out = np.zeros(len(pairs))
    for i, pair in enumerate(pairs):
        src = source_vectors[pair.source_seed]
        out[i] = sum(w * src.get(g, 0.0) for g, w in vector(pair.anchor_text).items())
    return out


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if not n_pos or not n_neg:
        raise ValueError(f"roc_auc needs both classes, got {n_pos} positives, {n_neg} negatives")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class Result:
    """AUCs and the off-topic flag's precision and recall on one selection of pairs."""

    name: str
    pairs: int
    related: int
    auc: float
    baseline_auc: float
    precision: float
    recall: float


def evaluate(
    split: str = "test", config: OfftopicConfig | None = None, *, with_targets: bool = False
) -> tuple[list[Result], np.ndarray, list[Pair]]:
    """Score every pair; results for the seed pairs and for all pairs of `split`."""
    config = config or OfftopicConfig()
    pairs = load_pairs()
    sources = load_sources()
    targets = demo_targets(pairs) if with_targets else None
    model = TopicModel.fit(corpus(pairs, sources, targets), config)
    ours = score_pairs(model, pairs, sources, targets)
    base = baseline_scores(pairs, sources)
    results = []
    for name, kinds in (("seed", {"seed"}), ("all", {"seed", "demo"})):
        sel = np.array([(split in ("all", p.split)) and p.source in kinds for p in pairs])
        labels = np.array([p.label for p in pairs])[sel]
        flagged = np.array([is_offtopic(s, config) for s in ours[sel]])
        offtopic = labels == 0
        true_flags = int((flagged & offtopic).sum())
        results.append(
            Result(
                name=f"{split}/{name}",
                pairs=int(sel.sum()),
                related=int(labels.sum()),
                auc=roc_auc(labels, ours[sel]),
                baseline_auc=roc_auc(labels, base[sel]),
                precision=true_flags / max(int(flagged.sum()), 1),
                recall=true_flags / max(int(offtopic.sum()), 1),
            )
        )
    return results, ours, pairs


def links_per_second(config: OfftopicConfig | None = None, repeat: int = 20) -> float:
    """Throughput of `score_links` over the fixture's pages, fitting excluded."""
    pairs = load_pairs()
    sources = load_sources()
    model = TopicModel.fit(corpus(pairs, sources), config or OfftopicConfig())
    start = time.perf_counter()
    for _ in range(repeat):
        score_pairs(model, pairs, sources)
    return repeat * len(pairs) / (time.perf_counter() - start)


def main() -> None:
    """Print AUCs, the difference to the baseline, precision/recall and speed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=SPLITS, default="test")
    parser.add_argument("--speed", action="store_true", help="also measure links per second")
    parser.add_argument(
        "--targets",
        action="store_true",
        help="score links with their demo-site target pages as crawled (filler bodies)",
    )
    args = parser.parse_args()
    config = OfftopicConfig()
    results, _, _ = evaluate(args.split, config, with_targets=args.targets)
    print(f"threshold {config.threshold}: a link below it is flagged off-topic")
    header = ("pairs", "n", "rel", "AUC", "base", "diff", "P(off)", "R(off)")
    print("{:<10} {:>5} {:>4} {:>6} {:>6} {:>7} {:>7} {:>7}".format(*header))
    for r in results:
        print(
            f"{r.name:<10} {r.pairs:>5} {r.related:>4} {r.auc:>6.3f} {r.baseline_auc:>6.3f} "
            f"{r.auc - r.baseline_auc:>+7.3f} {r.precision:>7.3f} {r.recall:>7.3f}"
        )
    if args.speed:
        print(f"speed: {links_per_second(config):,.0f} links/s (score_links, one page at a time)")


if __name__ == "__main__":
    main()
