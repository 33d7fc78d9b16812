"""Score the spam lexicons against the hand-labelled titles in tests/fixtures/labels/.

Usage: .venv/bin/python bench/eval_spam.py [--split test|dev|all] [--lexicon FILE ...] [--speed]

Prints precision, recall and support per category, a confusion summary and every
misclassified title with its evidence. The default split is `test`, the half the lexicons were
not tuned on; tune on `dev` (see tests/fixtures/labels/README.md).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from reports.spam import NONE, Lexicon, SpamVerdict, classify, load_lexicons

if TYPE_CHECKING:
    from collections.abc import Sequence

LABELS = Path(__file__).resolve().parent.parent / "tests/fixtures/labels/related_titles.csv"
SPLITS = ("dev", "test")
LABEL_COLUMNS = ["title", "category", "split", "source"]


class LabelledTitle(NamedTuple):
    """One row of the labels file."""

    title: str
    category: str
    split: str
    source: str


@dataclass(frozen=True)
class CategoryScore:
    """Precision and recall of one category; `support` counts gold titles."""

    category: str
    true_positives: int
    predicted: int
    support: int

    @property
    def precision(self) -> float:
        """Share of titles put in the category that belong there (1.0 when none were)."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of the category's titles that were found (1.0 when it has none)."""
        return self.true_positives / self.support if self.support else 1.0


@dataclass(frozen=True)
class Evaluation:
    """Scores per category, gold→predicted counts, and the misclassified rows."""

    scores: dict[str, CategoryScore]
    confusion: Counter[tuple[str, str]]
    errors: list[tuple[LabelledTitle, SpamVerdict]]
    total: int


def split_of(title: str) -> str:
    """The split a title belongs to: `dev` when sha256(title)'s first byte is even, else `test`."""
    return "dev" if hashlib.sha256(title.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def load_labels(path: Path = LABELS, split: str = "all") -> list[LabelledTitle]:
    """Rows of the labels CSV in `split` (`dev`, `test` or `all`); checks columns and splits."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != LABEL_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames!r}, expected {LABEL_COLUMNS!r}")
        rows = [LabelledTitle(r["title"], r["category"], r["split"], r["source"]) for r in reader]
    for line, row in enumerate(rows, start=2):
        if row.split != split_of(row.title):
            raise ValueError(
                f"{path}:{line}: split {row.split!r} for {row.title!r}, hash rule says "
                f"{split_of(row.title)!r}"
            )
    return [row for row in rows if split in ("all", row.split)]


def evaluate(rows: Sequence[LabelledTitle], lexicon: Lexicon) -> Evaluation:
    """Classify every row's title and score the verdicts against the labels."""
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[tuple[LabelledTitle, SpamVerdict]] = []
    for row in rows:
        verdict = classify(row.title, lexicon)
        confusion[row.category, verdict.category] += 1
        if verdict.category != row.category:
            errors.append((row, verdict))
    categories = [*lexicon.category_names, NONE]
    scores = {
        name: CategoryScore(
            name,
            true_positives=confusion[name, name],
            predicted=sum(n for (_, pred), n in confusion.items() if pred == name),
            support=sum(n for (gold, _), n in confusion.items() if gold == name),
        )
        for name in categories
    }
    return Evaluation(scores, confusion, errors, len(rows))


def format_report(evaluation: Evaluation, split: str) -> str:
    """Plain-text report: metrics table, confusion summary, misclassified titles."""
    correct = evaluation.total - len(evaluation.errors)
    lines = [
        f"split={split} titles={evaluation.total} accuracy={correct / evaluation.total:.3f}",
        "",
        f"{'category':<10} {'precision':>9} {'recall':>7} {'support':>8} {'predicted':>9}",
    ]
    for score in evaluation.scores.values():
        lines.append(
            f"{score.category:<10} {score.precision:>9.3f} {score.recall:>7.3f} "
            f"{score.support:>8} {score.predicted:>9}"
        )
    lines += ["", "confusion (gold -> predicted, errors only):"]
    off_diagonal = [(k, n) for k, n in evaluation.confusion.most_common() if k[0] != k[1]]
    lines += [f"  {gold:>8} -> {pred:<8} {n}" for (gold, pred), n in off_diagonal] or ["  none"]
    lines += ["", f"misclassified ({len(evaluation.errors)}):"]
    for row, verdict in sorted(evaluation.errors, key=lambda e: (e[0].category, e[0].title)):
        evidence = ", ".join(verdict.evidence) or "-"
        lines.append(
            f"  gold={row.category:<8} got={verdict.category:<8} {row.title}  [{evidence}]"
        )
    return "\n".join(lines)


def measure_speed(titles: Sequence[str], lexicon: Lexicon, count: int = 100_000) -> float:
    """Titles classified per second over `count` titles cycled from `titles`."""
    batch = [titles[i % len(titles)] for i in range(count)]
    start = time.perf_counter()
    for title in batch:
        classify(title, lexicon)
    return count / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="test")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument(
        "--lexicon", type=Path, action="append", default=[], help="extra lexicon TOML file"
    )
    parser.add_argument("--speed", action="store_true", help="also time 100k classifications")
    args = parser.parse_args(argv)
    lexicon = load_lexicons(args.lexicon)
    rows = load_labels(args.labels, args.split)
    print(format_report(evaluate(rows, lexicon), args.split))
    if args.speed:
        rate = measure_speed([row.title for row in rows], lexicon)
        print(f"\nspeed: {rate:,.0f} titles/second (100,000 titles, one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
