"""Start targets are checked before a crawl starts, with errors naming the input."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scraper.targets import TargetError, allowed_hosts_for, check_public, read_url_file

if TYPE_CHECKING:
    from pathlib import Path


def test_url_file_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text("# seeds\nhttps://example.org/\n\nexample.net/page\n", "utf-8")
    with pytest.raises(TargetError, match=r"seeds.txt:4: 'example.net/page' is not an absolute"):
        read_url_file(path)


def test_url_file_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text("# c\n\nhttps://Example.org\n  http://a.cn/x  \n", "utf-8")
    assert read_url_file(path) == ["https://example.org/", "http://a.cn/x"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.1/",
    ],
)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetError, match="--allow-private"):
        check_public(url)


def test_public_literal_address_is_allowed() -> None:
    check_public("http://93.184.216.34/")  # a literal: no DNS lookup needed


def test_allowed_hosts_include_www_variant() -> None:
    assert allowed_hosts_for(["https://www.Example.org/a", "http://127.0.0.1:8000/"]) == [
        "127.0.0.1",
        "example.org",
        "www.example.org",
    ]
