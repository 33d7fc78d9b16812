"""Golden tests: the demo site's seed pages, in every template, against the seeds' ground truth.

One test per seed × template × field, so a failure reads `test_seed_field[003-dede-steps]`.
The expected values (`tests/fixtures/seeds/<slug>.expected.json`) describe what the seed text
shows, independent of any template; every template must yield the same.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelines.extract import Extraction, extract
from pipelines.store.records import RawPage
from scraper.demo.seeds import beijing_to_utc
from scraper.demo.site import TEMPLATES, build_site

SEEDS_DIR = Path(__file__).parent / "fixtures" / "seeds"
BASE = "http://127.0.0.1:8000"
FETCHED_AT = datetime(2025, 1, 1, tzinfo=UTC)
FIELDS = ("title", "published_raw", "published_at", "steps", "related")
SLUGS = sorted(path.name.removesuffix(".expected.json") for path in SEEDS_DIR.glob("*.json"))


def _raw(path: str) -> RawPage:
    response = build_site().pages[path]
    return RawPage(
        url=BASE + path,
        final_url=BASE + path,
        status=response.status,
        headers={"content-type": response.content_type},
        body=response.body,
        encoding=None,
        fetched_at=FETCHED_AT,
        crawl_id="golden",
    )


@functools.cache
def _extracted(path: str) -> Extraction:
    return extract(_raw(path))


def actual_fields(extraction: Extraction) -> dict[str, Any]:
    """The golden fields of an extraction, shaped like the expected JSON."""
    page = extraction.page
    return {
        "title": page.title,
        "published_raw": page.published_raw,
        "published_at": page.published_at.isoformat() if page.published_at else None,
        "steps": [
            {"procedure": s.procedure, "number": s.number, "heading": s.heading, "text": s.text}
            for s in extraction.steps
        ],
        "related": [link.anchor_text for link in extraction.links if link.block == "related"],
    }


def _expected(slug: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SEEDS_DIR / f"{slug}.expected.json").read_text(encoding="utf-8")
    )
    return data


CASES = [
    pytest.param(slug, template, field, id=f"{slug.split('_')[0]}-{template}-{field}")
    for slug in SLUGS
    for template in TEMPLATES
    for field in FIELDS
]


def test_every_seed_has_ground_truth() -> None:
    assert SLUGS, f"no expected files in {SEEDS_DIR}"
    assert set(build_site().seed_pages) == set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS, ids=[slug.split("_")[0] for slug in SLUGS])
def test_expected_file_has_no_unexpected_fields(slug: str) -> None:
    assert sorted(_expected(slug)) == sorted(FIELDS)


@pytest.mark.parametrize(("slug", "template", "field"), CASES)
def test_seed_field(slug: str, template: str, field: str) -> None:
    path = build_site().seed_pages[slug][template]
    assert actual_fields(_extracted(path))[field] == _expected(slug)[field]


# -- every generated article of the demo site, against what the site says it shows ----------


def _article_truth(path: str) -> dict[str, Any]:
    article = build_site().articles[path]
    procedures = [block.steps for block in article.blocks if block.is_procedure]
    return {
        "title": article.title,
        "published_raw": article.published_raw,
        "published_at": beijing_to_utc(article.published_raw).isoformat(),
        "steps": [
            {"procedure": k, "number": s.number, "heading": s.heading, "text": s.text}
            for k, steps in enumerate(procedures, start=1)
            for s in steps
        ],
        "related": list(article.related),
    }


@pytest.mark.parametrize("field", FIELDS)
def test_demo_articles_field(field: str) -> None:
    wrong = [
        path
        for path in build_site().articles
        if actual_fields(_extracted(path))[field] != _article_truth(path)[field]
    ]
    assert not wrong, f"{len(wrong)} article pages differ in {field}, first: {wrong[:5]}"


def test_demo_page_kinds() -> None:
    site = build_site()
    kinds = {path: _extracted(path).page.kind for path in site.pages}
    assert {kinds[path] for path in site.articles} == {"article"}
    assert {kinds[path] for path in site.list_paths} == {"list"}
    assert {kinds[path] for path in site.other_paths} == {"other"}
