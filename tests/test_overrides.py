"""`--set NAME=VALUE`: unknown names refused with the closest known ones, values typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import main
from scraper.overrides import SettingError, parse_overrides


def test_known_settings_are_typed_from_their_defaults() -> None:
    values = parse_overrides(
        [
            "DOWNLOAD_TIMEOUT=10",
            "DOWNLOAD_DELAY=0.25",
            "ROBOTSTXT_OBEY=false",
            "FARMAUDIT_BATCH_PAGES= 50 ",
            "USER_AGENT=my-bot/1.0 (+https://example.org/bot)",
            "FARMAUDIT_OUTPUT=datasets/x",
            'DEFAULT_REQUEST_HEADERS={"Accept-Language": "zh-CN"}',
        ]
    )
    assert values == {
        "DOWNLOAD_TIMEOUT": 10,
        "DOWNLOAD_DELAY": 0.25,
        "ROBOTSTXT_OBEY": False,
        "FARMAUDIT_BATCH_PAGES": 50,
        "USER_AGENT": "my-bot/1.0 (+https://example.org/bot)",
        "FARMAUDIT_OUTPUT": "datasets/x",
        "DEFAULT_REQUEST_HEADERS": {"Accept-Language": "zh-CN"},
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("DOWNLOAD_TIMOUT=5", "unknown setting DOWNLOAD_TIMOUT; did you mean DOWNLOAD_TIMEOUT"),
        ("FARMAUDIT_BATCH_PAGE=5", "did you mean FARMAUDIT_BATCH_PAGES"),
        ("download_timeout=5", "did you mean DOWNLOAD_TIMEOUT"),
        ("NO_SUCH_THING_AT_ALL=1", "unknown setting NO_SUCH_THING_AT_ALL"),
        ("DOWNLOAD_TIMEOUT", "expected NAME=VALUE"),
        ("=5", "expected NAME=VALUE"),
        ("DOWNLOAD_TIMEOUT=abc", "DOWNLOAD_TIMEOUT='abc': expected a number"),
        ("ROBOTSTXT_OBEY=maybe", "expected true or false"),
        ("DEFAULT_REQUEST_HEADERS=[1]", "expected a JSON object"),
    ],
)
def test_bad_pairs_are_refused_naming_the_input(pair: str, message: str) -> None:
    with pytest.raises(SettingError, match=r"^--set ") as caught:
        parse_overrides([pair])
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("DOWNLOAD_TIMOUT=5", "did you mean DOWNLOAD_TIMEOUT"),
        ("DOWNLOAD_TIMEOUT=soon", "expected a number"),
    ],
)
def test_crawl_and_worker_refuse_a_bad_set_as_a_usage_error(
    tmp_path: Path, pair: str, message: str
) -> None:
    out = tmp_path / "out"
    for args in (
        ["crawl", "https://example.org/", "--out", str(out), "--set", pair],
        ["worker", "--redis", "redis://127.0.0.1:1/0", "--out", str(out), "--set", pair],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
        assert not out.exists()
