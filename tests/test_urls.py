"""URL normalisation: one notion of "the same URL" for the crawl, the links table and audits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.urls import normalize_url, validate_start_url

BASE = "http://Example.COM:80/dir/page.html"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        # relative paths resolve against the page; host and scheme case folded, :80 dropped
        ("other.html", "http://example.com/dir/other.html"),
        ("../up.html#frag", "http://example.com/up.html"),
        # a fragment-only link is the page itself
        ("#top", "http://example.com/dir/page.html"),
        # non-ASCII paths are percent-encoded as browsers send them
        ("/文章/1.html", "http://example.com/%E6%96%87%E7%AB%A0/1.html"),
        # other schemes are never followed
        ("javascript:void(0)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("mailto:a@example.com", None),
        ("tel:+8610123", None),
        # unparsable ports are rejected rather than guessed
        ("http://example.com:99999/", None),
        ("https://example.com:443/a", "https://example.com/a"),
        ("//cdn.example.org/x", "http://cdn.example.org/x"),
    ],
)
def test_normalize_url(href: str, expected: str | None) -> None:
    assert normalize_url(href, BASE) == expected


def test_validate_start_url_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match=r"'example\.org' is not an absolute http"):
        validate_start_url("example.org")


@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["example.com", "Ex.org", "127.0.0.1", "a.b.cn"]),
    st.text(alphabet="abc/中文%?=&._-#", max_size=20),
)
def test_normalize_url_is_idempotent(scheme: str, host: str, tail: str) -> None:
    once = normalize_url(f"{scheme}://{host}/{tail}")
    assert once is not None
    assert normalize_url(once) == once
