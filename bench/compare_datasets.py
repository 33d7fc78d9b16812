"""Compare two dataset folders table by table: `python bench/compare_datasets.py OLD NEW`.

Every folder holding Parquet parts (the crawl tables and the audit/ tables) is a table. Rows are
compared as multisets (sorted by all columns), so part and row order do not matter. Prints
`table: N vs M rows, +a -b` (rows only in NEW, only in OLD) per table; exit 1 on any difference.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq


def tables(root: Path) -> set[str]:
    """Table folders under `root` (relative paths), each holding part files."""
    return {
        str(folder.relative_to(root))
        for folder in {p.parent for p in root.rglob("*.parquet")}
        if not folder.name.startswith("_")
    }


def rows(folder: Path) -> Counter[str]:
    """The table's rows as a multiset of their repr (lists and nested values included)."""
    parts = sorted(folder.glob("*.parquet"))
    out: Counter[str] = Counter()
    for part in parts:
        for row in pq.read_table(part).to_pylist():
            out[repr(sorted(row.items()))] += 1
    return out


def main(old: Path, new: Path) -> int:
    differ = False
    for name in sorted(tables(old) | tables(new)):
        a, b = rows(old / name), rows(new / name)
        added, removed = sum((b - a).values()), sum((a - b).values())
        differ |= bool(added or removed)
        print(f"{name}: {a.total()} vs {b.total()} rows, +{added} -{removed}")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compare_datasets.py OLD NEW")
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
