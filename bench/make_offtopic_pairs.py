"""Rebuild tests/fixtures/offtopic/{pairs,sources}.csv from the hand-made topic families.

The labels come from `families.csv` (one topic family per related-link title, assigned by
reading each title) and `SEED_FAMILIES` (the five seed pages' topics, read from their text):
a pair is related when the source's and the link's families share a member. See the README
beside the fixtures for the rules. Run once after editing a family; review the diff.

    .venv/bin/python bench/make_offtopic_pairs.py
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from scraper.demo.seeds import Block, load_seeds
from scraper.demo.site import build_site

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "offtopic"

#: The seed pages' topics: all five explain buying on installment at Xiaomi Mall; 004 also
#: explains 备用金, Xiaomi's small cash credit line (the `jiedai` family).
SEED_FAMILIES = {
    "000_4d2785fa8baf1d45": "fenqi",
    "001_da7911dfc02b196a": "fenqi",
    "002_bdef24a7e869b4ec": "fenqi",
    "003_86b1c6e0eaef0098": "fenqi",
    "004_cbed280f5da66034": "fenqi|jiedai",
}
#: Generated demo articles used as extra source pages: how many per family, so that sources
#: other than installment pages are scored too.
DEMO_SOURCES = {
    "fenqi": 2,
    "xianxiang": 2,
    "kahuishou": 2,
    "jihuishou": 2,
    "zuji": 2,
    "jiedai": 2,
    "crypto": 1,
    "jiameng": 1,
}


def split_of(anchor: str) -> str:
    """dev or test by the first byte of SHA-256 of the anchor text."""
    return "dev" if hashlib.sha256(anchor.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def body_text(blocks: tuple[Block, ...]) -> str:
    """The article body as the extractor shows it: one line per paragraph, heading or step."""
    lines: list[str] = []
    for block in blocks:
        if block.is_procedure:
            lines.extend(f"{step.label}{step.text}" for step in block.steps)
        else:
            lines.append(block.text)
    return "\n".join(lines)


#: Families that are one subject for relevance. ../shared/LABELS.md (the rules independent
#: reviewers follow; they replace the README's where the two differ): on a page about buying
#: on installment, pay-later (先享后付) is on the subject.
SAME_SUBJECT = {"xianxiang": "fenqi"}


def related(source: str, anchor: str) -> int:
    """1 when the two family sets overlap (after merging `SAME_SUBJECT`)."""

    def subjects(families: str) -> set[str]:
        return {SAME_SUBJECT.get(f, f) for f in families.split("|")}

    return int(bool(subjects(source) & subjects(anchor)))


def main() -> None:
    """Write pairs.csv and sources.csv."""
    with (FIXTURES / "families.csv").open(encoding="utf-8", newline="") as handle:
        families = {row["title"]: row["family"] for row in csv.DictReader(handle)}
    sources: list[dict[str, str]] = []
    blocks: list[tuple[str, str, tuple[str, ...]]] = []
    for seed in load_seeds():
        family = SEED_FAMILIES[seed.slug]
        sources.append(
            {
                "source_seed": seed.slug,
                "source": "seed",
                "title": seed.title,
                "family": family,
                "body": body_text(seed.blocks),
            }
        )
        blocks.append((seed.slug, family, tuple(seed.related)))
    generated = [a for a in build_site().articles.values() if a.seed_slug is None]
    for family, count in DEMO_SOURCES.items():
        pool = sorted(
            (a for a in generated if families[a.title] == family),
            key=lambda a: hashlib.sha256(f"offtopic-source:{a.title}".encode()).hexdigest(),
        )
        for article in pool[:count]:
            slug = "demo_" + hashlib.sha256(article.title.encode("utf-8")).hexdigest()[:12]
            sources.append(
                {
                    "source_seed": slug,
                    "source": "demo",
                    "title": article.title,
                    "family": family,
                    "body": body_text(article.blocks),
                }
            )
            blocks.append((slug, family, article.related))
    with (FIXTURES / "sources.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(sources[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(sources)
    kinds = {row["source_seed"]: row["source"] for row in sources}
    fields = [
        "source_seed",
        "anchor_text",
        "label",
        "split",
        "source",
        "source_family",
        "anchor_family",
    ]
    with (FIXTURES / "pairs.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        for slug, family, anchors in blocks:
            for anchor in anchors:
                anchor_family = families[anchor]
                writer.writerow(
                    [
                        slug,
                        anchor,
                        related(family, anchor_family),
                        split_of(anchor),
                        kinds[slug],
                        family,
                        anchor_family,
                    ]
                )


if __name__ == "__main__":
    main()
