"""URL normalisation: one notion of "the same URL" for the crawl, the links table and audits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.store import urls
from pipelines.store.urls import (
    Resolver,
    crawl_key,
    date_pattern,
    normalize_url,
    trap_reason,
    validate_start_url,
)

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


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # tracking parameters go, the others keep their order and encoding
        ("http://a.cn/p?utm_source=feed&id=3&spm=a2c4g.1&x=%E4", "http://a.cn/p?id=3&x=%E4"),
        ("http://a.cn/p?UTM_Medium=rss", "http://a.cn/p"),
        ("http://a.cn/p?gclid=1&fbclid=2", "http://a.cn/p"),
        # session ids: by name, and a short generic name only when its value is a token
        ("http://a.cn/p?PHPSESSID=abc&page=2", "http://a.cn/p?page=2"),
        ("http://a.cn/p;jsessionid=0A1B2C?page=2", "http://a.cn/p?page=2"),
        ("http://a.cn/p?sid=4f1c2a9b8e7d6c5b4a39", "http://a.cn/p"),
        ("http://a.cn/list?sid=3", "http://a.cn/list?sid=3"),  # a section id, kept
        # a trailing slash is another resource; servers redirect between the two
        ("http://a.cn/dir", "http://a.cn/dir"),
        ("http://a.cn/dir/", "http://a.cn/dir/"),
        ("http://a.cn/p?q=&&a=1", "http://a.cn/p?q=&a=1"),
    ],
)
def test_crawl_key(url: str, key: str) -> None:
    assert crawl_key(url) == key


@given(st.text(alphabet="abuts_m=&;%1jsessionidSIDPHP", max_size=40))
def test_crawl_key_is_idempotent(tail: str) -> None:
    url = normalize_url(f"http://a.cn/p?{tail}")
    assert url is not None
    assert crawl_key(crawl_key(url)) == crawl_key(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://a.cn/article/000_4d2785fa8baf1d45.html", None),
        ("http://a.cn/list/huishou/2.html?page=2&sort=new", None),
        ("http://a.cn/a/a/", None),  # twice may be real
        ("http://a.cn/a/x/a/y/a/", "path segment 'a' repeats 3 times"),
        ("http://a.cn/t/a/b/a/b/", "path segments 'a/b' repeat"),
        ("http://a.cn/" + "d/" * 5, "path segment 'd' repeats 5 times"),
        ("http://a.cn/" + "/".join(f"s{i}" for i in range(17)), "path deeper than 16 segments"),
        ("http://a.cn/s?o=a&o=a&o=a", "query parameter 'o' repeats 3 times"),
        (
            "http://a.cn/s?" + "&".join(f"f{i}=1" for i in range(13)),
            "more than 12 query parameters",
        ),
        ("http://a.cn/s?q=" + "x" * 300, "query longer than 300 characters"),
        ("http://a.cn/" + "x" * 1000, "URL longer than 1000 characters"),
    ],
)
def test_trap_reason(url: str, reason: str | None) -> None:
    assert trap_reason(url) == reason


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://a.cn/cal?date=2024-05-30", "http://a.cn/cal?date={date}"),
        ("http://a.cn/cal?d=20240530&view=day", "http://a.cn/cal?d={date}&view=day"),
        ("http://a.cn/cal?year=2024&month=5", "http://a.cn/cal?year={date}&month={date}"),
        ("http://a.cn/archive/2024/05/30/", "http://a.cn/archive/{date}/"),
        ("http://a.cn/2024-05/", "http://a.cn/{date}/"),
        # an article id beside a date is its own shape: no calendar
        ("http://a.cn/2024/05/30/123.html", "http://a.cn/{date}/123.html"),
        # bare digits in a path are ids, not dates
        ("http://a.cn/html/20240530.html", None),
        ("http://a.cn/html/1203.html", None),
        ("http://a.cn/article/4d2785fa8baf1d45.html", None),
    ],
)
def test_date_pattern(url: str, pattern: str | None) -> None:
    assert date_pattern(url) == pattern


@pytest.mark.parametrize(
    "href",
    [
        "/文章/中文 名.html",  # raw, as CMS templates write Chinese file names
        "/%E6%96%87%E7%AB%A0/%E4%B8%AD%E6%96%87%20%E5%90%8D.html",  # as browsers send it
        "/%e6%96%87%e7%ab%a0/%e4%b8%ad%e6%96%87%20%e5%90%8d.html",  # lower-case escapes
        "http://Farm.Example:80/%e6%96%87%E7%AB%A0/中文%20名.html#comments",  # mixed
    ],
)
def test_raw_and_escaped_non_ascii_paths_are_one_url(href: str) -> None:
    expected = "http://farm.example/%E6%96%87%E7%AB%A0/%E4%B8%AD%E6%96%87%20%E5%90%8D.html"
    assert normalize_url(href, "http://farm.example/list/") == expected
    assert Resolver("http://farm.example/list/").resolve(href)[0] == expected


def test_escapes_of_unreserved_characters_are_unescaped_and_others_upper_cased() -> None:
    assert normalize_url("http://a.example/%7Euser/a%2fb?q=%41%2b") == (
        "http://a.example/~user/a%2Fb?q=A%2B"
    )


# The plain forms of the Resolver's patterns, before they were unrolled for speed.
_PLAIN_FORMS = {
    "PLAIN_PATH_RE": r"/(?!/)(?:[A-Za-z0-9\-._~/]|%[0-9A-Fa-f]{2})*"
    r"(?:\?(?:[A-Za-z0-9\-._~=&]|%[0-9A-Fa-f]{2})+)?",
    "ABSOLUTE_PATH_RE": r"/(?!/)(?:[A-Za-z0-9\-._~/!$&()*+,:=@]|%[0-9A-Fa-f]{2})*"
    r"(?:\?(?:[A-Za-z0-9\-._~=&!$()*+,/:@]|%[0-9A-Fa-f]{2})+)?",
    "PLAIN_ABSOLUTE_RE": r"(?P<origin>https?://(?P<host>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*))"
    r"(?P<path>(?:/(?:[A-Za-z0-9\-._~/!$&()*+,:=@]|%[0-9A-Fa-f]{2})*)?"
    r"(?:\?(?:[A-Za-z0-9\-._~=&!$()*+,/:@]|%[0-9A-Fa-f]{2})+)?)",
}
# Characters each pattern treats apart, a few of the ones they refuse, and escapes.
_URL_PIECES = st.sampled_from(
    [*"/?%&=.-_~!$()*+,:@;'# aZ09Fg", "%2", "%2f", "%E6", "%zz", "//", "/.", "?&", "é"]
)


@pytest.mark.parametrize("name", sorted(_PLAIN_FORMS))
@given(
    prefix=st.sampled_from(["", "/", "http://a.example", "https://a-b.c9.example"]),
    pieces=st.lists(_URL_PIECES, max_size=12),
)
def test_unrolled_url_patterns_match_what_their_plain_forms_match(
    name: str, prefix: str, pieces: list[str]
) -> None:
    """The unrolled patterns (possessive runs) accept exactly what the plain ones did, and
    PLAIN_ABSOLUTE_RE's groups are the same."""
    text = prefix + "".join(pieces)
    ours = getattr(urls, name).fullmatch(text)
    plain = re.compile(_PLAIN_FORMS[name]).fullmatch(text)
    assert (ours is None) == (plain is None)
    if ours is not None and plain is not None:
        assert ours.groupdict() == plain.groupdict()
