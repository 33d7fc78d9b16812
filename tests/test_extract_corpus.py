"""The fixture corpus: every case of tests/fixtures/pages/ against its expected output.

One test per case × field, so a failure reads `test_case_field[gbk-undeclared-title]`; one test
per case rejects unexpected or missing fields. The folders are written by
`python -m tests.fixtures.pages.make_cases` (see its README); `--rerun CASE` prints the current
output beside the expected one for review.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from bench.cms_pages import FixtureCase, case_names, load_case
from pipelines.extract import Extraction, extract
from tests.fixtures.pages import make_cases
from tests.fixtures.pages.make_cases import fields_of

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIELDS = make_cases.FIELDS
CASES = case_names()
MIN_CASES = 40


@functools.cache
def _case(name: str) -> FixtureCase:
    return load_case(PAGES / name)


@functools.cache
def _extracted(name: str) -> Extraction:
    return extract(_case(name).raw)


def test_corpus_size() -> None:
    assert len(CASES) >= MIN_CASES, f"{len(CASES)} cases in {PAGES}, want at least {MIN_CASES}"


def test_corpus_is_what_the_generator_writes() -> None:
    # expected.json is reviewed through make_cases.py, never edited by hand or by the extractor.
    stale = make_cases.stale(make_cases.all_cases())
    assert not stale, f"run python -m tests.fixtures.pages.make_cases; stale: {stale[:5]}"


@pytest.mark.parametrize("name", CASES)
def test_case_has_exactly_the_expected_fields(name: str) -> None:
    case = _case(name)
    assert sorted(case.expected) == sorted(FIELDS)
    assert sorted(case.meta) == ["category", "fetched_at", "url", "why"]


@pytest.mark.parametrize(
    ("name", "field"),
    [pytest.param(name, field, id=f"{name}-{field}") for name in CASES for field in FIELDS],
)
def test_case_field(name: str, field: str) -> None:
    expected = _case(name).expected
    actual = fields_of(_extracted(name), expected)
    assert actual[field] == expected[field]


@pytest.mark.parametrize("name", ["gbk-undeclared", "gbk-header-latin1-only"])
def test_acceptance_gbk_without_or_with_a_wrong_charset_reads_as_chinese(name: str) -> None:
    # The acceptance: no declared charset, and a wrong declared charset.
    page = _extracted(name).page
    assert page.encoding == "gb18030"
    assert page.title is not None
    assert page.title.startswith("小米商城") or page.title.startswith("如何关闭")
    assert "小米商城" in page.body_text
    assert "\ufffd" not in page.body_text
