"""Precision and recall of title near-duplicate decisions on the labelled pairs.

    .venv/bin/python bench/eval_dedup.py [--split test|dev|all] [--threshold 0.66] [--errors]
        [--set FIELD=VALUE ...]

All titles of the chosen split go through `reports.neardup.find_pairs` at once (candidate
generation included, as in a crawl); a labelled pair is predicted a duplicate when find_pairs
returns it. The baseline is plain MinHash LSH on character 3-grams of the normalised title at
Jaccard 0.7: datasketch (128 permutations) when it is installed, else the exact 3-gram Jaccard,
which is what MinHash estimates. Tune on dev; test is held out (see tests/fixtures/dedup/README.md).
`--set` overrides any other `DedupConfig` field, for ablations (`--set swap_bucket=16`,
`--set aspect_lexicon=empty.toml`).
"""

from __future__ import annotations

import argparse
import ast
import csv
import dataclasses
from collections import Counter
from pathlib import Path

from reports.neardup import DedupConfig, find_pairs
from reports.textnorm import normalize_text

PAIRS = Path(__file__).resolve().parents[1] / "tests/fixtures/dedup/title_pairs.csv"
BASELINE_THRESHOLD = 0.7


def load_pairs(split: str) -> list[dict[str, str]]:
    """Rows of the labelled pairs file in `split` ("all" for every row)."""
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if split in ("all", r["split"])]


def predict_neardup(rows: list[dict[str, str]], config: DedupConfig) -> list[bool]:
    """find_pairs over every title of the rows; a row is positive when its pair is returned."""
    titles = sorted({t for r in rows for t in (r["a"], r["b"])})
    index = {t: i for i, t in enumerate(titles)}
    found = {(i, j) for i, j, _ in find_pairs(titles, config)}
    return [
        (min(index[r["a"]], index[r["b"]]), max(index[r["a"]], index[r["b"]])) in found
        for r in rows
    ]


def _trigrams(text: str) -> set[str]:
    norm = normalize_text(text)
    return {norm[i : i + 3] for i in range(max(1, len(norm) - 2))}


def predict_baseline(rows: list[dict[str, str]]) -> tuple[str, list[bool]]:
    """Plain character 3-gram MinHash LSH at 0.7 (datasketch), or exact 3-gram Jaccard."""
    try:
        from datasketch import (  # type: ignore[import-untyped,unused-ignore]
            MinHash,
            MinHashLSH,
        )
    except ImportError:
        return "exact 3-gram Jaccard >= 0.7", [
            len(_trigrams(r["a"]) & _trigrams(r["b"])) / len(_trigrams(r["a"]) | _trigrams(r["b"]))
            >= BASELINE_THRESHOLD
            for r in rows
        ]
    titles = sorted({t for r in rows for t in (r["a"], r["b"])})
    lsh = MinHashLSH(threshold=BASELINE_THRESHOLD, num_perm=128)
    hashes = {}
    for i, title in enumerate(titles):
        mh = MinHash(num_perm=128)
        mh.update_batch([g.encode() for g in _trigrams(title)])
        lsh.insert(str(i), mh)
        hashes[title] = mh
    index = {t: i for i, t in enumerate(titles)}
    return "datasketch MinHashLSH 3-gram, 128 perm, threshold 0.7", [
        str(index[r["b"]]) in lsh.query(hashes[r["a"]]) for r in rows
    ]


def score(rows: list[dict[str, str]], predicted: list[bool]) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, false positives, false negatives."""
    tp = sum(p and r["label"] == "1" for r, p in zip(rows, predicted, strict=True))
    fp = sum(p and r["label"] == "0" for r, p in zip(rows, predicted, strict=True))
    fn = sum(not p and r["label"] == "1" for r, p in zip(rows, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def _override(config: DedupConfig, settings: list[str]) -> DedupConfig:
    """`config` with FIELD=VALUE settings applied (values as Python literals, else paths)."""
    fields = {f.name: f for f in dataclasses.fields(DedupConfig)}
    changes: dict[str, object] = {}
    for setting in settings:
        name, _, raw = setting.partition("=")
        if name not in fields:
            raise SystemExit(f"--set {setting}: no DedupConfig field {name!r}")
        try:
            changes[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            changes[name] = Path(raw)  # the lexicon fields
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def main() -> None:
    """Print precision/recall for reports.neardup and the baseline, per split and kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "dev", "all"))
    parser.add_argument("--threshold", type=float, default=DedupConfig().threshold)
    parser.add_argument("--errors", action="store_true", help="list the misjudged pairs")
    parser.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", help="a DedupConfig field"
    )
    args = parser.parse_args()
    rows = load_pairs(args.split)
    config = _override(dataclasses.replace(DedupConfig(), threshold=args.threshold), args.set)
    labels = Counter(r["label"] for r in rows)
    print(f"split={args.split}: {len(rows)} pairs, {labels['1']} positive, {labels['0']} negative")
    ours = predict_neardup(rows, config)
    name, base = predict_baseline(rows)
    for method, predicted in ((f"neardup (threshold {config.threshold})", ours), (name, base)):
        precision, recall, tp, fp, fn = score(rows, predicted)
        print(
            f"  {method:55s} precision {precision:.3f}  recall {recall:.3f}  "
            f"(tp {tp}, fp {fp}, fn {fn})"
        )
    print("  per kind, share judged duplicate (neardup / baseline):")
    for kind in sorted({row["kind"] for row in rows}):
        idx = [i for i, row in enumerate(rows) if row["kind"] == kind]
        share_ours = sum(ours[i] for i in idx) / len(idx)
        share_base = sum(base[i] for i in idx) / len(idx)
        print(
            f"    {kind:17s} label {rows[idx[0]]['label']}  n={len(idx):3d}  "
            f"{share_ours:.2f} / {share_base:.2f}"
        )
    if args.errors:
        for row, judged in zip(rows, ours, strict=True):
            if judged != (row["label"] == "1"):
                print(f"  {'FP' if judged else 'FN'} {row['kind']}: {row['a']} | {row['b']}")


if __name__ == "__main__":
    main()
