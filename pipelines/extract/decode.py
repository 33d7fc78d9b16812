"""Bytes to text: which encoding a page is in, decided once per page."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import TYPE_CHECKING

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from pipelines.extract.selectors import (
    BIG5_PAIR_RE,
    CJK_SNIFF_MIN_BYTES,
    CJK_SNIFF_MIN_SHARE,
    FALLBACK_ENCODING,
    GB2312_PAIR_RE,
    MOSTLY_UTF8_MAX_BAD_SHARE,
    WESTERN_SINGLE_BYTE,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class Decoded:
    """A page body as text and the codec name it was decoded with."""

    text: str
    encoding: str


def _codec_name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A response header by case-insensitive name (the spider stores them lower-case)."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def declared_encodings(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return the (HTTP header, <meta>) charsets as codec names; gb2312/gbk read as gb18030."""
    # w3lib maps labels the way browsers do (gb2312/gbk -> gb18030, latin-1 -> cp1252).
    header = http_content_type_encoding(_header(headers, "content-type"))
    meta = html_body_declared_encoding(body)
    return (
        _codec_name(header) if header else None,
        _codec_name(meta) if meta else None,
    )


_ASCII = bytes(range(128))


def _non_ascii_bytes(body: bytes) -> int:
    return len(body.translate(None, _ASCII))


def _mostly_utf8(body: bytes) -> str | None:
    """The body as UTF-8 when nearly all of it is (a stray byte in a long UTF-8 page), else
    None; a GBK page read as UTF-8 is nearly all U+FFFD."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    if good >= CJK_SNIFF_MIN_BYTES and bad <= MOSTLY_UTF8_MAX_BAD_SHARE * good:
        return text
    return None


def sniff_cjk(body: bytes) -> str | None:
    """Name the CJK codec a non-UTF-8 body is in, from its byte pairs: gb18030, big5 or None.

    Simplified Chinese in GBK is almost all GB2312 pairs; Big5 text is only about half GB2312
    pairs but nearly all Big5 pairs, and it must decode as Big5 without errors. Latin-1 text is
    neither, and too few non-ASCII bytes decide nothing.
    """
    non_ascii = _non_ascii_bytes(body)
    if non_ascii < CJK_SNIFF_MIN_BYTES:
        return None
    if 2 * len(GB2312_PAIR_RE.findall(body)) >= CJK_SNIFF_MIN_SHARE * non_ascii:
        return FALLBACK_ENCODING
    if 2 * len(BIG5_PAIR_RE.findall(body)) >= CJK_SNIFF_MIN_SHARE * non_ascii and _strict(
        body, "big5"
    ):
        return "big5"
    return None


#: Codecs that decode no bytes but a NUL byte to U+0000 (tests/test_extract_prefilters.py
#: checks every byte and byte pair): a text they decoded from a body without a NUL byte holds
#: no NUL. Not so UTF-16 (a BOM), UTF-7 or unicode_escape, which a page may declare.
NUL_FAITHFUL_CODECS = frozenset(
    {"ascii", "utf-8", "gb18030", "big5", "cp1250", "cp1251", "cp1252", "iso8859-1", "iso8859-15"}
)


def holds_no_nul(body: bytes, decoded: Decoded) -> bool:
    """True when `decoded` (`decode_html` of `body`) has no U+0000: bytes.find scans a body for
    a NUL byte at memchr speed, where str.find of "\\x00" goes character by character through
    the two-byte text of most pages (so does ascii: the ascii-only path decodes as ascii)."""
    return decoded.encoding in NUL_FAITHFUL_CODECS and body.find(b"\x00") < 0


def decode_html(body: bytes, headers: Mapping[str, str]) -> Decoded:
    """Decode a body: BOM, then valid UTF-8, then the header, then <meta>, then a sniff.

    Valid multi-byte UTF-8 is never an accident, so it wins over any declaration (a meta
    copied from a GBK template lies), and so does UTF-8 with a rare stray byte. A declared
    charset is used only if the body decodes under it without errors, so a server default of
    utf-8 on a GBK page falls through to the page's own declaration; a declared single-byte
    Western charset decodes anything, so on a non-ASCII body it yields to the page's CJK
    declaration or to the byte sniff (`sniff_cjk`). With nothing declared, a non-UTF-8 body is
    GB18030 unless it sniffs as Big5.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        name = _codec_name(bom_encoding) or "utf-8"
        return Decoded(body[len(bom) :].decode(name, errors="replace"), name)

    ascii_only = body.isascii()
    if not ascii_only:
        text = _strict(body, "utf-8")
        if text is None:
            text = _mostly_utf8(body)
        if text is not None:
            return Decoded(text, "utf-8")
    header, meta = declared_encodings(body, headers)
    # Without a BOM a UTF-16 label is wrong (browsers read such pages as UTF-8).
    declared = list(
        dict.fromkeys(
            enc for enc in (header, meta) if enc and not enc.startswith(("utf-16", "utf-32"))
        )
    )
    western = None
    for encoding in declared:
        if encoding in WESTERN_SINGLE_BYTE and not ascii_only:
            western = western or encoding
            continue
        text = _strict(body, encoding)
        if text is not None:
            return Decoded(text, encoding)
    sniffed = None if ascii_only else sniff_cjk(body)
    if sniffed is not None:
        text = _strict(body, sniffed)
        if text is not None:
            return Decoded(text, sniffed)
    if western is not None:
        return Decoded(body.decode(western, errors="replace"), western)
    if ascii_only:
        return Decoded(body.decode("ascii"), declared[0] if declared else "utf-8")
    text = _strict(body, FALLBACK_ENCODING)
    if text is not None:
        return Decoded(text, FALLBACK_ENCODING)
    # Nothing decodes cleanly: trust the declaration (or the fallback) and mark bad bytes.
    encoding = declared[0] if declared else FALLBACK_ENCODING
    return Decoded(body.decode(encoding, errors="replace"), encoding)
