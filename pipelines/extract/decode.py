"""Bytes to text: which encoding a page is in, decided once per page."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import TYPE_CHECKING

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from pipelines.extract.selectors import FALLBACK_ENCODING

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


def declared_encodings(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return the (HTTP header, <meta>) charsets as codec names; gb2312/gbk read as gb18030."""
    # w3lib maps labels the way browsers do (gb2312/gbk -> gb18030, latin-1 -> cp1252).
    header = http_content_type_encoding(headers.get("content-type"))
    meta = html_body_declared_encoding(body)
    return (
        _codec_name(header) if header else None,
        _codec_name(meta) if meta else None,
    )


def decode_html(body: bytes, headers: Mapping[str, str]) -> Decoded:
    """Decode a body: BOM, then header charset, then <meta> charset, then UTF-8, else GB18030.

    A declared charset is used only if the body decodes under it without errors, so a server
    default of utf-8 on a GBK page falls through to the page's own declaration. When header and
    meta disagree and both decode, valid UTF-8 wins (multi-byte UTF-8 is never an accident),
    otherwise the header does, as in browsers.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        name = _codec_name(bom_encoding) or "utf-8"
        return Decoded(body[len(bom) :].decode(name, errors="replace"), name)

    header, meta = declared_encodings(body, headers)
    declared = [enc for enc in (header, meta) if enc]
    if header and meta and header != meta and "utf-8" in declared and not body.isascii():
        declared.sort(key=lambda enc: enc != "utf-8")
    candidates = list(dict.fromkeys([*declared, "utf-8", FALLBACK_ENCODING]))
    for encoding in candidates:
        text = _strict(body, encoding)
        if text is not None:
            return Decoded(text, encoding)
    # Nothing decodes cleanly: trust the declaration (or the fallback) and mark bad bytes.
    encoding = declared[0] if declared else FALLBACK_ENCODING
    return Decoded(body.decode(encoding, errors="replace"), encoding)
