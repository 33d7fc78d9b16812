"""The CLI: usage and input errors name the input; every command has help and docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
COMMANDS = sorted(main.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_documented(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"farmaudit {command}" in README, f"README.md does not document `farmaudit {command}`"


def test_malformed_start_url_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "www.example.org", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "command line:1: 'www.example.org' is not an absolute http(s) URL" in result.output
    assert not (tmp_path / "x").exists()


def test_url_file_error_gives_the_line(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://example.org/\nftp://example.org/\n", "utf-8")
    result = CliRunner().invoke(
        main, ["crawl", "--urls-file", str(seeds), "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert f"{seeds}:2: 'ftp://example.org/' is not an absolute http(s) URL" in result.output


def test_private_targets_need_allow_private(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "http://127.0.0.1:8000/", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "127.0.0.1 resolves to 127.0.0.1, a private or loopback address" in result.output


def test_wrong_option_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "https://example.org/", "--depth", "-1"])
    assert result.exit_code == 2
    assert "--depth" in result.output


def test_extract_names_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}: not a farmaudit dataset (no crawl.json)" in result.output


def test_schema_prints_every_table() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    for table in ("raw/", "pages/", "steps/", "links/", "fetches/"):
        assert table in result.output


def test_zero_delay_turns_pacing_off_and_the_default_keeps_it(tmp_path: Path) -> None:
    from scraper.crawl import CrawlOptions

    default = CrawlOptions(output=tmp_path).settings()
    assert default.getbool("AUTOTHROTTLE_ENABLED")
    assert default.getfloat("DOWNLOAD_DELAY") == 0.5
    slow = CrawlOptions(output=tmp_path, delay=2.0).settings()
    assert slow.getbool("AUTOTHROTTLE_ENABLED")
    assert slow.getfloat("DOWNLOAD_DELAY") == 2.0
    fast = CrawlOptions(output=tmp_path, delay=0.0).settings()
    assert not fast.getbool("AUTOTHROTTLE_ENABLED")
    assert fast.getfloat("DOWNLOAD_DELAY") == 0.0


def test_ctrl_c_outside_scrapy_says_interrupted_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scraper.crawl

    def interrupted(options: object) -> dict[str, object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(scraper.crawl, "run_crawl", interrupted)
    result = CliRunner().invoke(
        main, ["crawl", "http://127.0.0.1:9/", "--allow-private", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 130
    assert "interrupted" in result.output


def test_serve_demo_on_a_port_in_use_is_one_line_naming_it() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve-demo", "--port", str(port)])
    assert result.exit_code == 1
    assert (
        result.output.strip() == f"Error: cannot serve on 127.0.0.1:{port}: Address already in use"
    )
