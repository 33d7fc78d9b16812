"""Title near-duplicates on real web titles from many sites, grouped by blind reviewers (#12).

    .venv/bin/python -m bench.neardup_web blocks        # writes the reviewers' blocks (once)
    .venv/bin/python -m bench.neardup_web score [--split dev|test|all] [--errors]
    .venv/bin/python -m bench.neardup_web verifier [--split dev|test|all]

The seed set (`bench/eval_neardup_real.py`) is 500 related titles of five pages of one farm.
This set is every labelled title of `bench/realworld/` (`bench.riskdata.load_rows`, 1,395
sites): page titles and anchors the collectors took from stored public pages.

`blocks` orders the titles so that similar ones sit together (the leaf order of an average-
linkage tree over character-bigram TF-IDF cosines, a peer's measure, not farmaudit's) and cuts
the order into blocks of `BLOCK_SIZE`. Two reviewers (helpers who never saw the project's code,
lexicons or clusters) group the near-duplicates inside each block from `../shared/LABELS.md`
alone; `blocks.csv` holds what they saw (block, item, text), `sources.csv` each item's row id
and host. A pair counts only inside one block: re-spins the ordering put in different blocks
are not judged (the recall measured is over pairs a lexical ordering brings together).

`score` runs `reports.neardup.title_findings` (default `DedupConfig`) over all titles at once,
as an audit would, and scores recall on the pairs both reviewers grouped and precision on the
predicted pairs among those and the pairs of one block neither grouped (a pair one grouped
and the other did not is unknown, left out). Splits are by site (`bench.riskdata.hash_split_of`):
a pair is dev or test when both titles are; pairs across the split are scored in "all" only.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import riskdata
from bench.eval_neardup_real import direct_pairs, minhash_pairs, tfidf_cosine, use_cosine
from reports.neardup import DedupConfig, title_findings

HERE = Path(__file__).resolve().parent / "realworld" / "neardup_web"
REVIEWERS = ("W1", "W2")
BLOCK_SIZE = 100

Pair = tuple[int, int]


def write_blocks() -> None:
    """Order the titles by similarity and write blocks.csv and sources.csv."""
    # scipy comes with the train extra (scikit-learn needs it).
    from scipy.cluster.hierarchy import leaves_list, linkage  # type: ignore[import-untyped,unused-ignore]
    from scipy.spatial.distance import squareform  # type: ignore[import-untyped,unused-ignore]

    rows = riskdata.load_rows()
    sims = tfidf_cosine([row.text for row in rows])
    distances = np.clip(1.0 - sims, 0.0, None)
    np.fill_diagonal(distances, 0.0)
    order = leaves_list(linkage(squareform(distances, checks=False), method="average"))
    HERE.mkdir(parents=True, exist_ok=True)
    with (
        (HERE / "blocks.csv").open("w", encoding="utf-8", newline="") as fh,
        (HERE / "sources.csv").open("w", encoding="utf-8", newline="") as src,
    ):
        out, ids = csv.writer(fh), csv.writer(src)
        out.writerow(["block", "item", "text"])
        ids.writerow(["block", "item", "row_id", "host"])
        for position, index in enumerate(order.tolist()):
            block, item = divmod(position, BLOCK_SIZE)
            out.writerow([block + 1, item + 1, rows[index].text])
            ids.writerow([block + 1, item + 1, rows[index].id, rows[index].host])
    print(f"{len(rows)} titles in {-(-len(rows) // BLOCK_SIZE)} blocks -> {HERE}")


def load_items() -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """(block, item) keys, texts and splits, in blocks.csv order."""
    with (HERE / "blocks.csv").open(encoding="utf-8", newline="") as fh:
        blocks = list(csv.DictReader(fh))
    with (HERE / "sources.csv").open(encoding="utf-8", newline="") as fh:
        hosts = {(int(r["block"]), int(r["item"])): r["host"] for r in csv.DictReader(fh)}
    keys = [(int(r["block"]), int(r["item"])) for r in blocks]
    return keys, [r["text"] for r in blocks], [riskdata.hash_split_of(hosts[k]) for k in keys]


def reviewer_pairs(reviewer: str, index: dict[tuple[int, int], int]) -> set[Pair]:
    """Index pairs a reviewer put in one group (groups are per block)."""
    groups: dict[tuple[int, str], list[int]] = {}
    with (HERE / reviewer / "groups.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            group = row["group"].strip()
            if group:
                key = (int(row["block"]), int(row["item"]))
                groups.setdefault((key[0], group), []).append(index[key])
    return {
        (min(a, b), max(a, b))
        for members in groups.values()
        for a, b in itertools.combinations(members, 2)
    }


def load_judgements() -> tuple[list[tuple[int, int]], list[str], list[str], set[Pair], set[Pair]]:
    """`load_items`, then the index pairs each reviewer grouped (`REVIEWERS` order)."""
    keys, texts, splits = load_items()
    index = {key: i for i, key in enumerate(keys)}
    first, second = (reviewer_pairs(r, index) for r in REVIEWERS)
    return keys, texts, splits, first, second


def score(split: str, errors: bool) -> None:
    """Print recall and precision of farmaudit and the peers on the pairs of `split`."""
    keys, texts, splits, first, second = load_judgements()
    both, either = first & second, first | second

    def in_split(pair: Pair) -> bool:
        a, b = pair
        return split == "all" or splits[a] == splits[b] == split

    def judged(pairs: set[Pair], only: str | None = None) -> set[Pair]:
        """Pairs inside one block (the only ones judged) of `only` or the split scored."""
        inside = {(min(a, b), max(a, b)) for a, b in pairs if keys[a][0] == keys[b][0]}
        if only is None:
            return {p for p in inside if in_split(p)}
        return {p for p in inside if splits[p[0]] == splits[p[1]] == only}

    clusters, _ = title_findings(texts, DedupConfig())
    clustered = {pair for c in clusters for pair in itertools.combinations(c.members, 2)}
    dev_both = judged(both, "dev")
    dev_unknown = judged(either - both, "dev")

    def tuned(sims: np.ndarray, floor: int) -> tuple[float, set[Pair]]:
        """The pairs at or above the cosine threshold of best F1 on dev (floor..0.95): the
        peer's ceiling when tuned."""
        rows, cols = np.nonzero(np.triu(sims >= floor / 100, k=1))
        scored = {(int(a), int(b)): float(sims[a, b]) for a, b in zip(rows, cols, strict=True)}

        def dev_f1(threshold: float) -> float:
            found = judged({p for p, sim in scored.items() if sim >= threshold}, "dev")
            tp = len(found & dev_both)
            fp = len(found - dev_both - dev_unknown)
            return 2 * tp / (2 * tp + fp + len(dev_both) - tp) if dev_both else 0.0

        best = max((t / 100 for t in range(floor, 100, 5)), key=dev_f1)
        return best, {p for p, sim in scored.items() if sim >= best}

    tfidf = tfidf_cosine(texts)
    best, tfidf_pairs = tuned(tfidf, 30)
    rows, cols = np.nonzero(np.triu(tfidf >= 0.5, k=1))
    methods: dict[str, set[Pair]] = {
        "farmaudit title_findings": clustered,
        "farmaudit find_pairs (no clusters)": direct_pairs(texts, DedupConfig()),
        "datasketch MinHashLSH 3-gram, 0.7": minhash_pairs(texts),
        "char-bigram TF-IDF cosine >= 0.5": set(zip(rows.tolist(), cols.tolist(), strict=True)),
        f"char-bigram TF-IDF cosine >= {best:.2f} (best on dev)": tfidf_pairs,
    }
    embedded = use_cosine(texts)
    if embedded is not None:  # a semantic-neighbour peer, zero-shot
        best, use_pairs = tuned(embedded, 50)
        methods[f"USE-m3 embedding cosine >= {best:.2f} (best on dev)"] = use_pairs
    positives, unknown = judged(both), judged(either - both)
    print(
        f"split={split}: reviewers grouped {len(first)} / {len(second)} pairs, both "
        f"{len(both)}; in split: {len(positives)} both, {len(unknown)} one"
    )
    for name, predicted in methods.items():
        found = judged(predicted)
        tp = len(found & positives)
        fp = len(found - positives - unknown)
        recall = tp / len(positives) if positives else float("nan")
        precision = tp / (tp + fp) if tp + fp else float("nan")
        print(
            f"  {name:<46} recall {recall:.3f}  precision {precision:.3f}  "
            f"(tp {tp}, fp {fp}, fn {len(positives) - tp})"
        )
    if errors:
        found = judged(clustered)
        for a, b in sorted(positives - found):
            print(f"  FN {texts[a]} | {texts[b]}")
        for a, b in sorted(found - positives - unknown):
            print(f"  FP {texts[a]} | {texts[b]}")


def verifier_ceiling(split: str) -> None:
    """The verifier alone, on every judged pair (no candidate generation): the recall it
    could reach at each threshold, and the pairs neither reviewer grouped that it would pass.

    Titles are read as `title_edges` reads them (variants folded, columns moved, year stamps
    dropped), without the implied-prefix readings."""
    from reports.neardup.titles import read_titles
    from reports.neardup.tokens import filler_tables, title_units
    from reports.neardup.verify import verify
    from reports.textnorm import normalize_text

    cfg = DedupConfig()
    keys, texts, splits, first, second = load_judgements()
    both, either = first & second, first | second
    members: dict[int, list[int]] = {}
    for i, (block, _) in enumerate(keys):
        members.setdefault(block, []).append(i)
    judged = [
        pair
        for block in members.values()
        for pair in itertools.combinations(block, 2)
        if split == "all" or splits[pair[0]] == splits[pair[1]] == split
    ]
    positives = np.array([p for p in judged if p in both], dtype=np.int64)
    negatives = np.array([p for p in judged if p not in either], dtype=np.int64)
    rows = read_titles([normalize_text(t) for t in texts], cfg)
    units = title_units(rows, filler_tables(cfg.filler_lexicon, cfg.aspect_lexicon), cfg)
    pos, neg = verify(units, positives), verify(units, negatives)
    print(
        f"split={split}: {len(positives)} pairs both reviewers grouped, {len(negatives)} pairs "
        "neither grouped (all inside one block)"
    )
    for threshold in sorted({0.3, 0.4, 0.5, cfg.threshold, 0.8}):
        print(
            f"  verifier >= {threshold:.2f}: recall {np.mean(pos >= threshold):.3f}, "
            f"pairs neither grouped passed {int(np.sum(neg >= threshold))}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("blocks", help="write the reviewers' blocks (run once)")
    scoring = sub.add_parser("score", help="score farmaudit on the reviewers' groups")
    scoring.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    scoring.add_argument("--errors", action="store_true", help="list misses and false pairs")
    ceiling = sub.add_parser("verifier", help="the verifier alone on every judged pair")
    ceiling.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    args = parser.parse_args(argv)
    if args.command == "blocks":
        write_blocks()
    elif args.command == "verifier":
        verifier_ceiling(args.split)
    else:
        score(args.split, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
