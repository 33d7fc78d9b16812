"""Agreement of the two blind reviewers on the rows both labelled: accuracy and Cohen's kappa.

.venv/bin/python bench/realworld/agreement.py
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _labels(name: str) -> dict[str, tuple[str, bool]]:
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        return {r["id"]: (r["category"], r["ambiguous"] == "1") for r in csv.DictReader(f)}


def kappa(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa) of label pairs."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    return observed, (observed - expected) / (1 - expected)


def main() -> None:
    a, b = _labels("labels_a.csv"), _labels("labels_b.csv")
    print("titles.csv: reviewer A against reviewer B")
    report(a, b, sorted(set(a) & set(b), key=int))
    # The batches: R1/R2/R3 labelled c1/c2/c3 whole; R4 labelled 100 seeded rows of each.
    first = _labels("labels_c1.csv") | _labels("labels_c2.csv") | _labels("labels_c3.csv")
    second = _labels("labels_r4.csv")
    print("batches c1-c3: R1/R2/R3 against R4")
    report(first, second, sorted(second))
    # Batch c4: R5 labelled it whole, R6 150 seeded rows.
    print("batch c4: R5 against R6")
    r6 = _labels("labels_r6.csv")
    report(_labels("labels_c4.csv"), r6, sorted(r6))
    # Batch c5: R7 labelled it whole, R8 150 seeded rows.
    print("batch c5: R7 against R8")
    r8 = _labels("labels_r8.csv")
    report(_labels("labels_c5.csv"), r8, sorted(r8))
    # The held-out batches c6 and c7 (2026-12-08): R9 and R10 each labelled every row.
    print("batches c6-c7: R9 against R10")
    r10 = _labels("labels_r10.csv")
    report(_labels("labels_c6.csv") | _labels("labels_c7.csv"), r10, list(r10))


def report(
    a: dict[str, tuple[str, bool]], b: dict[str, tuple[str, bool]], common: list[str]
) -> None:
    """Print agreement and kappa of `a` and `b` on `common`, with and without ambiguous rows."""
    views = {
        "all rows": common,
        "neither marked ambiguous": [i for i in common if not (a[i][1] or b[i][1])],
    }
    for name, ids in views.items():
        observed, k = kappa([(a[i][0], b[i][0]) for i in ids])
        print(f"{name}: {len(ids)} rows, agreement {observed:.3f}, kappa {k:.3f}")
    spam = [(a[i][0] != "none", b[i][0] != "none") for i in common]
    observed, k = kappa([(str(x), str(y)) for x, y in spam])
    print(f"spam vs none, all rows: agreement {observed:.3f}, kappa {k:.3f}")


if __name__ == "__main__":
    main()
