"""Cheap tests that skip a costly check must never skip a case the costly check accepts."""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipelines.extract import layout, selectors
from pipelines.extract.parse import parse_html
from pipelines.extract.selectors import (
    _DATE_CJK,
    _DATE_DMY,
    _DATE_EN,
    _DATE_NUMERIC,
    BLOCK_HEADING_FIRST_CHARS,
    BLOCK_HEADING_RE,
    BLOCK_HEADING_START_RE,
    BLOCK_TAGS,
    BOILERPLATE_PREFIXES,
    BOILERPLATE_SUBSTRINGS,
    BOILERPLATE_TOKENS,
    BREADCRUMB,
    CAPTION_CREDIT_RE,
    CLASS_PREFIXES,
    CLASS_SUBSTRINGS,
    CLASS_TOKENS,
    COMMENT_TOKENS,
    DATE_RE,
    HEADER_TOKENS,
    PAGE_LINK_LEAD,
    PAGE_LINK_STRIP,
    PAGINATION_LINK_FIRST_CHARS,
    PAGINATION_LINK_RE,
    PAGINATION_LINK_START_RE,
    PAGINATION_TOKENS,
    caption_credit_start,
    may_be_caption_credit,
    may_hold_date,
)
from pipelines.extract.text import link_text, visible_text


def _first_chars(items: Any) -> tuple[set[str], bool]:
    """The literal characters a parsed regex sequence can start with, and whether it can match
    the empty string (enough of sre's node kinds for the heading regex; others fail)."""
    found: set[str] = set()
    for op, arg in items:
        if op is sre.AT:
            continue
        if op is sre.LITERAL:
            found.add(chr(arg))
            return found, False
        if op is sre.IN:
            for kind, value in arg:
                assert kind in (sre.LITERAL, sre.CATEGORY), kind
                found.add(chr(value) if kind is sre.LITERAL else str(value))
            return found, False
        if op is sre.BRANCH:
            nullable = False
            for branch in arg[1]:
                chars, empty = _first_chars(branch)
                found |= chars
                nullable |= empty
            if not nullable:
                return found, False
        elif op is sre.SUBPATTERN:
            chars, empty = _first_chars(arg[3])
            found |= chars
            if not empty:
                return found, False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _, sub = arg
            chars, empty = _first_chars(sub)
            found |= chars
            if low > 0 and not empty:
                return found, False
        else:
            raise AssertionError(f"node {op} not handled")
    return found, True


def test_heading_start_covers_every_heading_first_letter() -> None:
    parsed = sre_parse.parse(BLOCK_HEADING_RE.pattern, BLOCK_HEADING_RE.flags)
    chars, nullable = _first_chars(list(parsed))
    assert not nullable
    assert BLOCK_HEADING_START_RE.flags == BLOCK_HEADING_RE.flags
    letters = chars - {"CATEGORY_SPACE"}  # the leading \s*, in both regexes
    listed = set(re.findall(r"\[([^\]]*)\]", BLOCK_HEADING_START_RE.pattern)[0])
    assert letters <= listed


def test_heading_first_chars_are_every_character_the_start_regex_accepts() -> None:
    accepted = {
        char for char in map(chr, range(0x110000)) if BLOCK_HEADING_START_RE.fullmatch(char)
    }
    assert accepted == BLOCK_HEADING_FIRST_CHARS
    assert {"ſ", "S", "À"} <= accepted
    # `\s` and str.lstrip() agree on what a space is.
    spaces = [chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c))]
    assert spaces == [chr(c) for c in range(0x110000) if chr(c).isspace()]


def test_pagination_link_start_covers_every_first_letter() -> None:
    parsed = sre_parse.parse(PAGINATION_LINK_RE.pattern, PAGINATION_LINK_RE.flags)
    chars, nullable = _first_chars(list(parsed))
    assert not nullable
    assert PAGINATION_LINK_START_RE.flags == PAGINATION_LINK_RE.flags
    listed = set(re.findall(r"\[([^\]]*)\]", PAGINATION_LINK_START_RE.pattern)[0])
    assert chars <= listed
    accepted = {
        char for char in map(chr, range(0x110000)) if PAGINATION_LINK_START_RE.fullmatch(char)
    }
    assert accepted == PAGINATION_LINK_FIRST_CHARS


def test_pagination_lead_is_what_collapsing_and_stripping_remove() -> None:
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(PAGE_LINK_LEAD) == spaces | set(PAGE_LINK_STRIP)


@pytest.mark.parametrize(
    ("html", "pagination"),
    [
        ('<a href="/p/2">下一页</a>', True),
        ('<a href="/p/2"> \u3000« Next page</a>', True),
        ('<a href="/p/2">>> 尾页</a>', True),
        ('<a href="/p/2"><span>下一页</span></a>', True),
        ('<a href="/p/2"> <i class="icon"></i>Older posts</a>', True),
        ('<a href="/p/2">NEXT\n   PAGE</a>', True),
        ('<a href="/p/2">Page suivante</a>', True),
        ('<a href="/a.html">小米商城分期付款流程详解</a>', False),
        ('<a href="/a.html"> Read more</a>', False),
        ('<a href="/a.html"></a>', False),
    ],
)
def test_pagination_link_prefilter_passes_every_page_link(html: str, pagination: bool) -> None:
    anchor = parse_html(f"<body>{html}</body>").find(".//a")
    assert anchor is not None
    words = layout._page_link_text(anchor)
    assert bool(PAGINATION_LINK_RE.match(words)) is pagination
    if pagination:
        assert layout._may_be_pagination_link(anchor, anchor.text)
    elif not len(anchor):
        assert not layout._may_be_pagination_link(anchor, anchor.text)


_HEADING_TEXTS = [
    "相关文章",
    " Related posts:",
    "ſur le même sujet",
    "下一篇:",
    "Most read",
    "À lire aussi",
]


@pytest.mark.parametrize("text", _HEADING_TEXTS)
def test_heading_start_passes_headings(text: str) -> None:
    assert BLOCK_HEADING_RE.match(text)
    assert BLOCK_HEADING_START_RE.match(text)
    assert text.lstrip()[:1] in BLOCK_HEADING_FIRST_CHARS


@pytest.mark.parametrize(
    "value",
    [
        *CLASS_TOKENS,
        "site-header",
        "relatedposts",
        "navMenu",
        "col-md-8 entry-content",
        "post-header",
        "position-relative",
        "xg-Footer__inner",
    ],
)
def test_class_label_prefilter_is_exact(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    filtered = layout._class_label.__wrapped__(value)
    monkeypatch.setattr(layout, "_REGION_WORD_RE", re.compile(""))  # finds a word anywhere
    assert layout._class_label.__wrapped__(value) == filtered


def test_prefilters_find_every_listed_word() -> None:
    region_words = [
        *CLASS_TOKENS,
        *(sub for sub, _ in CLASS_SUBSTRINGS),
        *(pre for pre, _ in CLASS_PREFIXES),
        *HEADER_TOKENS,
    ]
    assert all(layout._REGION_WORD_RE.search(word) for word in region_words)
    names_words = [
        *COMMENT_TOKENS,
        *BOILERPLATE_TOKENS,
        *BOILERPLATE_PREFIXES,
        *BOILERPLATE_SUBSTRINGS,
    ]
    assert all(layout._NAMES_WORD_RE.search(word) for word in names_words)


@pytest.mark.parametrize(
    "value", [*COMMENT_TOKENS, "sharedaddy", "imageEmbedCaption", "byline", "entry-content"]
)
def test_class_names_prefilter_is_exact(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    filtered = layout.class_names.__wrapped__(value)
    monkeypatch.setattr(layout, "_NAMES_WORD_RE", re.compile(""))
    assert layout.class_names.__wrapped__(value) == filtered


def test_every_date_form_spells_a_full_year() -> None:
    # may_hold_date skips text without "19" or "20": each DATE_RE form needs its year.
    forms = [_DATE_NUMERIC, _DATE_CJK, _DATE_DMY, *_DATE_EN.split("|(?P<fd>")]
    assert all(re.search(r"\(\?P<\w+>\(\?:19\|20\)\\d\{2\}\)", form) for form in forms)
    assert DATE_RE.pattern == "|".join([_DATE_NUMERIC, _DATE_CJK, _DATE_DMY, _DATE_EN])
    assert not may_hold_date("12. Mai, 10:30") and may_hold_date("12. Mai 2019")


_VISIBLE_XPATH = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)


def test_visible_text_walk_agrees_with_the_xpath() -> None:
    root = parse_html(
        "<html><body><div id=a>one <b>two<script>var x;</script> three</b> four"
        "<style>p{}</style><p>five<noscript><i>six</i> seven</noscript> eight</p></div>"
        "<noscript><div id=b>hidden <span>too<script>s</script></span></div></noscript>"
        "<template><p id=c>t</p></template><script id=d>s</script></body></html>"
    )
    for el in root.iter():
        # The XPath as visible_text used it: only with a hidden element inside.
        if next(el.iter("script", "style", "noscript", "template"), None) is None:
            expected = "".join(el.itertext())
        else:
            expected = "".join(str(text) for text in _VISIBLE_XPATH(el))
        assert visible_text(el) == expected, el.get("id") or el.tag


@pytest.mark.parametrize(
    "html",
    [
        '<a href="/x"><i class="icon"></i> Next <img src="a.png"> page</a>',
        '<a href="/x"><span>Title</span> more</a>',
        '<a href="/x">A<script>var s;</script> B<br>C</a>',
        '<a href="/x"><img src="a.png"></a>',
    ],
)
def test_link_text_of_icon_links_is_the_visible_text(html: str) -> None:
    anchor = next(parse_html(f"<html><body><p>{html}</p></body></html>").iter("a"))
    assert link_text(anchor) == visible_text(anchor)


def test_pagination_words_hold_pag_or_fenye() -> None:
    # _names_pagination reads class and id apart and skips values without either substring.
    assert all("pag" in word or "fenye" in word for word in PAGINATION_TOKENS)
    assert layout._pagination_links.__doc__
    assert not layout._names_pagination("page-header") and layout._names_pagination("Pager")


def test_nav_breadcrumb_is_own_label_reduced_to_breadcrumbs() -> None:
    root = parse_html(
        "<html><body><nav><div class='breadcrumb'>Home &gt; News</div>"
        "<ol aria-label='Breadcrumb'><li>Home</li></ol><div class='crumbs' role='main'>x</div>"
        f"<div class='position'>{'long text ' * 40}</div><aside class='breadcrumb'>a</aside>"
        "<div class='sidebar'>s</div><header>h</header><div>plain</div></nav></body></html>"
    )
    for el in root.iter():
        if el.tag in BLOCK_TAGS:
            for in_content in (False, True):
                full = layout._own_label(el, el.tag, in_content=in_content)
                expected = BREADCRUMB if full == BREADCRUMB else None
                assert layout._nav_breadcrumb(el, el.tag) == expected, el.get("class") or el.tag


@pytest.mark.parametrize(
    "line",
    [
        "Ein Bild (Foto: dpa)",
        "Die Halle | © X/Getty Images",
        "Sonnenaufgang / iStock.com",
        "Sonnenaufgang / istoc\u212a.com",  # KELVIN SIGN: a "k" to re.IGNORECASE
        "Crowd at the stadium Shutterstock",
        "Source: AFP",
        "Die Halle © ",  # the credit after the marker may be a single space
        "Bild:\n",
    ],
)
def test_caption_credit_prefilter_passes_credits(line: str) -> None:
    assert CAPTION_CREDIT_RE.search(line)
    assert may_be_caption_credit(line)
    assert CAPTION_CREDIT_RE.search(line, caption_credit_start(line))


# Pieces of captions and credits, with the characters the credit regex treats apart.
_CAPTION_PIECES = st.sampled_from(
    [
        *" \n.!?:©()|/-_éſıİ\u212aaZ9",
        "(c)",
        "(C)",
        "Foto",
        "photos",
        "Bild",
        "source",
        "quelle",
        "getty",
        "Getty Images",
        "iStock",
        "istockphoto",
        "Shutterstock",
        ".com",
        "ıstock",
        "ſhutterstock",
        "İSTOCK",
        "getty  images",
        "x" * 30,
    ]
)


@settings(max_examples=500)
@given(st.lists(_CAPTION_PIECES, max_size=14))
def test_caption_credit_prefilter_and_start_keep_every_match(pieces: list[str]) -> None:
    """`may_be_caption_credit` passes every line the regex matches, a search from
    `caption_credit_start` finds a match whenever one from 0 does, and the agency test is the
    agency regex."""
    text = "".join(pieces)
    found = CAPTION_CREDIT_RE.search(text) is not None
    assert may_be_caption_credit(text) or not found
    assert (CAPTION_CREDIT_RE.search(text, caption_credit_start(text)) is not None) == found
    agency = selectors._STOCK_AGENCY_RE.search(text) is not None
    assert selectors._names_stock_agency(text) == agency


def test_lower_folds_the_agency_letters_as_the_regex_does() -> None:
    """For every character but `_UNLOWERED_CASE_FORMS`, str.lower() gives an agency name's
    letter exactly when re.IGNORECASE takes it for that letter, and lower-cases no other
    character into several that could be part of a name."""
    everything = "".join(map(chr, range(0x110000)))
    for letter in set("".join(selectors._STOCK_AGENCIES)):
        taken = set(re.findall(letter, everything, re.IGNORECASE))
        lowered = {char for char in everything if char.lower() == letter}
        assert taken - lowered == set(selectors._UNLOWERED_CASE_FORMS) & taken
        assert lowered <= taken
    expanding = [char for char in everything if len(char.lower()) > 1]
    assert [char for char in expanding if re.search("[a-z]", char.lower())] == ["İ"]


def test_new_link_record_is_the_dataclass_init() -> None:
    """The slot-setting constructor takes the record's fields, in order, and builds an equal
    record (repr and frozenness included)."""
    import dataclasses
    import inspect

    from pipelines.extract.links import new_link_record
    from pipelines.store.records import LinkRecord

    names = [field.name for field in dataclasses.fields(LinkRecord)]
    assert list(inspect.signature(new_link_record).parameters) == names
    values = dict(
        zip(names, ["s", None, "h", "t", "body", 3, False, ["nofollow"], "c", "7"], strict=True)
    )
    fast, slow = new_link_record(**values), LinkRecord(**values)  # type: ignore[arg-type]
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.href = "x"  # type: ignore[misc]


@pytest.mark.parametrize("spaces", ["", " ", "\n\t  ", "\u3000 "])
@pytest.mark.parametrize(
    "text",
    [
        *_HEADING_TEXTS,
        "relacionados",
        " relacionadas :",
        "Noticias relacionadas",
        "next: more",
        "Related posts and more",
        "Weitere Artikel aus der Region",
        "The end",
        "",
    ],
)
def test_heading_regex_takes_leading_spaces_as_the_plain_form_does(spaces: str, text: str) -> None:
    """`^\\s*+` (possessive, so a failing text is not retried once per leading space) gives
    the same matches and groups as the plain `^\\s*`."""
    plain = re.compile(BLOCK_HEADING_RE.pattern.replace(r"^\s*+", r"^\s*"), BLOCK_HEADING_RE.flags)
    assert plain.pattern != BLOCK_HEADING_RE.pattern
    ours, theirs = BLOCK_HEADING_RE.match(spaces + text), plain.match(spaces + text)
    assert (ours and (ours.regs, ours.lastindex)) == (theirs and (theirs.regs, theirs.lastindex))


def test_month_groups_open_with_every_case_form_of_their_letter() -> None:
    """Each group of `_by_first_letter` opens with exactly the characters re.IGNORECASE takes
    for its letter."""
    everything = "".join(map(chr, range(0x110000)))
    for letter in {word[0] for word in selectors._MONTHS.split("|")}:
        taken = set(re.findall(letter, everything, re.IGNORECASE))
        forms = {letter, letter.upper(), *selectors._EXTRA_CASE_FORMS.get(letter, "")}
        assert forms == taken, letter


_PLAIN_DATE_RE = re.compile(
    DATE_RE.pattern.replace(selectors._MONTH_STEM, selectors._MONTHS), DATE_RE.flags
)
_DATE_PIECES = st.sampled_from(
    [
        *" .,/-:0123456789年月日TZ+",
        "2019",
        "20",
        "19",
        "12",
        "5th",
        "de ",
        *selectors._MONTHS.split("|"),
        "Sept",
        "ſep",
        "ᲂкт",
        "MÄRZ",
        "Juli",
        "août",
        "ября",
        "xyz",
    ]
)


@settings(max_examples=1000)
@given(st.lists(_DATE_PIECES, max_size=12))
def test_date_regex_with_grouped_months_matches_as_the_plain_form(pieces: list[str]) -> None:
    text = "".join(pieces)
    ours = [(m.regs, m.lastindex) for m in DATE_RE.finditer(text)]
    assert ours == [(m.regs, m.lastindex) for m in _PLAIN_DATE_RE.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "15 августа 2016",
        "Sept. 5th, 2020",
        "5. März 2021 12:00",
        "1 de enero de 2020",
        "ſep 1 2020",
    ],
)
def test_date_regex_with_grouped_months_reads_dates(text: str) -> None:
    match = DATE_RE.search(text)
    plain = _PLAIN_DATE_RE.search(text)
    assert match is not None and plain is not None
    assert (match.regs, match.groupdict()) == (plain.regs, plain.groupdict())


_POSSESSIVE_REGEXES = {
    name: getattr(selectors, name) for name in ["AD_LABEL_RE", "PRICE_RE", "META_LINE_RE"]
}
_LABEL_PIECES = st.sampled_from(
    [
        *" \n\t\u3000:：.,$€19*",
        "ſponsored",
        "ANZEIGE",
        "Werbung",
        "ads by x",
        "ab",
        "Preis: 12,99",
        "EUR 5",
        "published",
        "By",
        "发布时间",
        "广告",
        "x",
    ]
)


@pytest.mark.parametrize("name", sorted(_POSSESSIVE_REGEXES))
@settings(max_examples=300)
@given(st.lists(_LABEL_PIECES, max_size=6))
def test_possessive_leading_spaces_match_as_the_plain_form(name: str, pieces: list[str]) -> None:
    regex = _POSSESSIVE_REGEXES[name]
    plain = re.compile(regex.pattern.replace(r"^\s*+", r"^\s*"), regex.flags)
    assert plain.pattern != regex.pattern
    text = "".join(pieces)
    ours, theirs = regex.match(text), plain.match(text)
    assert (ours and (ours.regs, ours.lastindex)) == (theirs and (theirs.regs, theirs.lastindex))


def test_nul_faithful_codecs_decode_nothing_but_a_nul_byte_to_nul() -> None:
    """Every codec in NUL_FAITHFUL_CODECS decodes no byte, byte pair or (GB18030) four-byte
    sequence without a NUL byte to U+0000, so `holds_no_nul` may skip the text scan."""
    from pipelines.extract.decode import NUL_FAITHFUL_CODECS

    others = range(1, 256)
    for codec in NUL_FAITHFUL_CODECS:
        assert "\x00" not in bytes(others).decode(codec, errors="replace"), codec
        for lead in others:
            for trail in others:
                pair = bytes((lead, trail))
                assert "\x00" not in pair.decode(codec, errors="replace"), (codec, pair)
    units = bytes(
        byte
        for b1 in range(0x81, 0xFF)
        for b2 in range(0x30, 0x3A)
        for b3 in range(0x81, 0xFF)
        for b4 in range(0x30, 0x3A)
        for byte in (b1, b2, b3, b4)
    )
    assert "\x00" not in units.decode("gb18030", errors="replace")


def test_holds_no_nul_only_for_faithful_codecs_without_nul_bytes() -> None:
    from pipelines.extract.decode import Decoded, decode_html, holds_no_nul

    def check(body: bytes, headers: dict[str, str]) -> bool:
        decoded = decode_html(body, headers)
        said = holds_no_nul(body, decoded)
        assert not said or "\x00" not in decoded.text
        return said

    assert check("<p>Grüße</p>".encode(), {})
    assert not check(b"<p>a\x00b</p>", {})
    assert not check("\ufeff<p>x</p>".encode("utf-16"), {})
    # A codec that makes NULs of other bytes is never trusted.
    assert not holds_no_nul(b"+AAA-", Decoded("\x00", "utf-7"))
