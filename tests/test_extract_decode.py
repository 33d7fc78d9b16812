"""Decoding: which encoding a page is read with (BOM > header > meta > UTF-8 > GB18030)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.extract import extract
from pipelines.extract.decode import decode_html, sniff_cjk
from pipelines.store.records import RawPage

TITLE = "小米商城分期付款流程详解"
# 镕 is in GBK but not in GB2312: a page declared gb2312 still shows it (read as GB18030).
BODY = f"<title>{TITLE}</title><p>朱镕基说分期付款要谨慎。</p>"
META_GBK = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
META_GB2312 = '<meta charset="gb2312">'
META_UTF8 = '<meta charset="utf-8">'


def _html(meta: str = "") -> str:
    return f"<html><head>{meta}{BODY}</head><body><p>{TITLE}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        # GBK page, charset only in <meta>
        (_html(META_GBK).encode("gbk"), "text/html", "gb18030"),
        # GBK page, charset only in the HTTP header
        (_html().encode("gbk"), "text/html; charset=GBK", "gb18030"),
        # GBK page, charset nowhere: not valid UTF-8, so the GB18030 fallback
        (_html().encode("gbk"), "text/html", "gb18030"),
        # gb2312 declared, GBK-only characters used: read as the superset GB18030
        (_html(META_GB2312).encode("gbk"), "text/html", "gb18030"),
        # header says utf-8 (a server default), meta says gbk: the body only decodes as GBK
        (_html(META_GBK).encode("gbk"), "text/html; charset=utf-8", "gb18030"),
        # header says gbk, meta says utf-8, the body is valid UTF-8: UTF-8 wins
        (_html(META_UTF8).encode("utf-8"), "text/html; charset=gbk", "utf-8"),
        # UTF-8 with a BOM: the BOM beats a contradicting header
        (b"\xef\xbb\xbf" + _html().encode("utf-8"), "text/html; charset=gbk", "utf-8"),
        # UTF-8, nothing declared: valid UTF-8 is UTF-8
        (_html().encode("utf-8"), "", "utf-8"),
        # UTF-16 with a BOM
        (b"\xff\xfe" + _html().encode("utf-16-le"), "text/html", "utf-16-le"),
    ],
)
def test_decode_chinese_page(body: bytes, content_type: str, encoding: str) -> None:
    decoded = decode_html(body, {"content-type": content_type} if content_type else {})
    assert decoded.encoding == encoding
    assert TITLE in decoded.text
    assert "朱镕基" in decoded.text
    assert "\ufeff" not in decoded.text


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        # header and meta disagree, both decode (ASCII): the header wins, as in browsers
        (b'<meta charset="iso-8859-2"><p>plain</p>', "text/html; charset=utf-8", "utf-8"),
        # latin-1 is read as windows-1252, the way browsers do
        ("<p>café</p>".encode("latin-1"), "text/html; charset=ISO-8859-1", "cp1252"),
        # an unknown charset label is ignored
        (b"<p>plain</p>", "text/html; charset=x-unknown", "utf-8"),
    ],
)
def test_decode_declarations(body: bytes, content_type: str, encoding: str) -> None:
    assert decode_html(body, {"content-type": content_type}).encoding == encoding


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    # Declared UTF-8, mostly UTF-8, one stray byte: nothing decodes strictly, the declaration
    # is trusted and the bad byte becomes U+FFFD.
    body = f"<p>{TITLE}</p>".encode() + b"\xff\xfe\xfd" + "尾".encode()[:2]
    decoded = decode_html(body, {"content-type": "text/html; charset=utf-8"})
    assert decoded.encoding == "utf-8"
    assert TITLE in decoded.text
    assert "\ufffd" in decoded.text


def test_extract_reports_the_encoding_and_reads_gbk_text() -> None:
    raw = RawPage(
        url="http://demo.test/a.html",
        final_url="http://demo.test/a.html",
        status=200,
        headers={"content-type": "text/html"},
        body=f"<html><head>{META_GBK}<title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
        "<p>朱镕基说分期付款要谨慎。</p></body></html>".encode("gbk"),
        encoding="cp1252",  # what a crawler guessed; extraction decides for itself
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    page = extract(raw).page
    assert (page.encoding, page.title) == ("gb18030", TITLE)
    assert "朱镕基" in page.body_text


PROSE = "小米商城作为知名电子产品零售商,为顾客提供了便利的分期付款服务。" * 3
TRADITIONAL = "小米商城作為知名電子產品零售商,為顧客提供了便利的分期付款服務。" * 3


@pytest.mark.parametrize(
    ("body", "headers", "encoding"),
    [
        # a Java server's default iso-8859-1 header on a GBK page with no meta: the bytes decide
        (
            f"<p>{PROSE}</p>".encode("gbk"),
            {"content-type": "text/html; charset=ISO-8859-1"},
            "gb18030",
        ),
        # ...and with a gb2312 meta, the meta decides
        (
            f"{META_GB2312}<p>{PROSE}</p>".encode("gbk"),
            {"content-type": "text/html; charset=iso-8859-1"},
            "gb18030",
        ),
        # the meta lies: gb2312 declared, UTF-8 bytes
        (f"{META_GB2312}<p>{PROSE}</p>".encode(), {"content-type": "text/html"}, "utf-8"),
        # Big5 with nothing declared: GB18030 would decode it without an error, as nonsense
        (f"<p>{TRADITIONAL}</p>".encode("big5"), {"content-type": "text/html"}, "big5"),
        # the header's name in any case
        (f"<p>{PROSE}</p>".encode("gbk"), {"Content-Type": "text/html; charset=gbk"}, "gb18030"),
        # a UTF-16 label without a BOM is wrong (browsers read such pages as UTF-8)
        (b"<p>plain</p>", {"content-type": "text/html; charset=utf-16"}, "utf-8"),
    ],
)
def test_wrong_or_missing_declarations(body: bytes, headers: dict[str, str], encoding: str) -> None:
    decoded = decode_html(body, headers)
    assert decoded.encoding == encoding
    assert "\ufffd" not in decoded.text


@pytest.mark.parametrize(
    ("body", "codec"),
    [
        (PROSE.encode("gbk"), "gb18030"),
        (TRADITIONAL.encode("big5"), "big5"),
        # Latin-1 text: accented letters next to ASCII form no CJK pairs
        ("Café, crème brûlée et déjà-vu à gogo, élève ".encode("latin-1") * 3, None),
        # too few non-ASCII bytes to tell
        ("<p>分期</p>".encode("gbk"), None),
    ],
)
def test_sniff_cjk(body: bytes, codec: str | None) -> None:
    assert sniff_cjk(body) == codec


def test_a_long_utf8_page_with_a_stray_byte_stays_utf8() -> None:
    # A spliced page: valid UTF-8 but for one byte. Read as GB18030 it would all be garbage.
    body = f"<p>{PROSE * 4}</p>".encode() + b"\xff" + f"<p>{PROSE}</p>".encode()
    decoded = decode_html(body, {"content-type": "text/html"})
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 1
    assert PROSE in decoded.text
