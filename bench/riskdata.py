"""The labelled real-world titles of `bench/realworld/` and their dev/test split by site.

Every script that trains or scores the risk classifier reads rows through `load_rows`, so the
split is decided in one place, `Row.split`. A row's site is its host without the leading
labels a farm varies (`www.`, `m.` ...): the registrable part, e.g. `m.maijiaw.com` and
`www.maijiaw.com` are one site, `a.b.com.cn` is `b.com.cn`.

The test split is the batches in `TEST_ORIGINS`: collected for the current release on sites no
earlier batch used (the collector's checker dropped every other site), labelled blind, scored
once. Every other row is dev. `load_rows` refuses a corpus where a site sits on both sides.
Until 2026-12-07 the split was a hash of the site (`hash_split_of`, 70 % dev); that test side
was scored three times (2026-12-05, -06, -07) and is now part of dev.

Gold labels: the first reviewer's (`labels_a.csv`, `labels_cN.csv`, every row); a row is
ambiguous when any reviewer who labelled it marked it so. Seed titles (the five seed pages'
related links, labelled blind under `bench/realworld/seeds/`) are loaded apart by
`load_seed_rows`: they are scored, not split.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

REALWORLD = Path(__file__).resolve().parent / "realworld"
CATEGORIES = ("cashout", "lending", "crypto", "gambling", "adult", "legal")
NONE = "none"
LABELS = (*CATEGORIES, NONE)
SPLITS = ("dev", "test")
#: The held-out batches of the current release (see the module docstring).
TEST_ORIGINS = frozenset({"c6", "c7"})
#: A second blind reviewer's labels of every held-out row (`second_labels`).
TEST_SECOND_REVIEWER = "labels_r10.csv"
DEV_PERCENT = 70
# Second-level labels under which a country domain registers names (com.cn, co.uk ...).
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "co", "ac"})


@dataclass(frozen=True)
class Row:
    """One labelled title."""

    id: str
    text: str
    host: str
    category: str
    ambiguous: bool
    source: str

    @property
    def site(self) -> str:
        """The site the row was found on (see `site_of`)."""
        return site_of(self.host)

    @property
    def origin(self) -> str:
        """The file the row came from: `cN` for `batches/cN.csv`, `titles` for `titles.csv`."""
        return origin_of(self.id)

    @property
    def split(self) -> str:
        """`test` for the rows of the held-out batches, else `dev`."""
        return "test" if self.origin in TEST_ORIGINS else "dev"


def site_of(host: str) -> str:
    """The registrable part of a host: its last two labels, three under com.cn-like suffixes."""
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def origin_of(row_id: str) -> str:
    """The batch a row came from: `c1`, `c2` ... for `batches/cN.csv`, `titles` for `titles.csv`."""
    head, sep, _ = row_id.partition("-")
    return head if sep else "titles"


def hash_split_of(host: str) -> str:
    """The split of releases up to 2026-12-07: `dev` for 70 % of sites by a hash, else `test`."""
    digest = hashlib.sha256(site_of(host).encode("utf-8")).digest()
    return "dev" if int.from_bytes(digest[:8], "big") % 100 < DEV_PERCENT else "test"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _labels(paths: list[Path]) -> tuple[dict[str, str], set[str]]:
    """id → category from the first file holding the id; ids any file marks ambiguous."""
    gold: dict[str, str] = {}
    ambiguous: set[str] = set()
    for path in paths:
        for line, row in enumerate(_read(path), start=2):
            category = row["category"].strip()
            if category not in LABELS:
                raise ValueError(f"{path}:{line}: category {category!r}, expected one of {LABELS}")
            gold.setdefault(row["id"], category)
            if row.get("ambiguous", "0").strip() == "1":
                ambiguous.add(row["id"])
    return gold, ambiguous


def load_rows(split: str = "all", root: Path = REALWORLD) -> list[Row]:
    """The labelled web titles in `split` (`dev`, `test` or `all`), in file order."""
    titles = _read(root / "titles.csv")
    label_files = [root / "labels_a.csv", root / "labels_b.csv"]
    # A batch's rows have no id column: row n of batches/c1.csv is "c1-n", its labels are in
    # labels_c1.csv (the ids the blind reviewers saw).
    for batch in sorted((root / "batches").glob("*.csv")) if (root / "batches").is_dir() else []:
        titles += [row | {"id": f"{batch.stem}-{n}"} for n, row in enumerate(_read(batch), 1)]
        label_files.append(root / f"labels_{batch.stem}.csv")
    gold, ambiguous = _labels([p for p in label_files if p.exists()])
    rows = [
        Row(t["id"], t["text"], t["host"], gold[t["id"]], t["id"] in ambiguous, "web")
        for t in titles
        if t["id"] in gold
    ]
    sides: dict[str, str] = {}
    for row in rows:
        other = sides.setdefault(row.site, row.split)
        if other != row.split:
            raise ValueError(f"site {row.site} has rows in both dev and test (row {row.id})")
    return [row for row in rows if split in ("all", row.split)]


def second_labels(root: Path = REALWORLD) -> dict[str, str]:
    """id → category by the second reviewer of the held-out batches (empty before one labels)."""
    path = root / TEST_SECOND_REVIEWER
    return _labels([path])[0] if path.exists() else {}


def load_seed_rows(root: Path = REALWORLD) -> list[Row]:
    """The seed pages' related titles with their blind labels (empty until they are labelled)."""
    folder = root / "seeds"
    path = folder / "labels.csv"
    if not path.exists():
        return []
    return [
        Row(
            r["id"],
            r["text"],
            r.get("source_page", "seed"),
            r["category"],
            r.get("ambiguous", "0") == "1",
            "seed",
        )
        for r in _read(path)
    ]
