"""Text to an lxml tree, once per page; BeautifulSoup only repairs what lxml cannot read."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from lxml import etree

from pipelines.extract.selectors import (
    CONTROL_CHARS_RE,
    DOCUMENT_END_TAGS_RE,
    XML_DECLARATION_RE,
)

# Plain etree elements, not lxml.html's: its per-element Python class lookup costs more than
# the rest of the walk. Comments and processing instructions carry no text; dropping them at
# parse time keeps every later walk free of non-element nodes.
# The text is handed to libxml2 as UTF-8 bytes with the encoding named: given a str, lxml
# passes it in another form that libxml2 converts character by character (about a tenth of
# the parse). Naming the encoding also keeps a <meta charset> from re-decoding the page.
_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True, encoding="utf-8"
)
_EMPTY_DOCUMENT = "<html><head></head><body></body></html>"
#: libxml2 stops reading at 2,048 levels of nesting (even with huge_tree) and drops the rest of
#: the page; deeper markup is flattened to this depth first, keeping its text.
MAX_NESTING = 1000
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
_VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: Wrappers dropped first past the limit, so the paragraphs and links inside them stay tags.
_WRAPPER_TAGS = frozenset(
    [
        "div",
        "span",
        "font",
        "section",
        "article",
        "main",
        "aside",
        "center",
        "blockquote",
        "b",
        "i",
        "u",
        "em",
        "strong",
        "small",
        "big",
    ]
)


def _lxml_parse(text: str) -> etree._Element | None:
    try:
        root = etree.fromstring(_utf8(text), parser=_PARSER)
    except (etree.ParserError, ValueError):  # bad characters, undecodable declarations
        return None
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in _PARSER.error_log):
        return etree.fromstring(_utf8(flatten_deep_nesting(text)), parser=_PARSER)
    return root


def _utf8(text: str) -> bytes:
    # No decoder here yields a lone surrogate; were one there, it reads as U+FFFD.
    return text.encode("utf-8", "surrogatepass")


def flatten_deep_nesting(text: str, limit: int = MAX_NESTING) -> str:
    """`text` without the wrapper tags nested deeper than `limit`; their text stays in place.

    Past `limit` levels, wrappers (div, span, ...) are dropped; past `limit` + 64 any tag is.
    Only for pages past libxml2's depth limit, so a tag scanner is good enough: an end tag
    closes back to its matching start tag, as HTML parsers do with unclosed elements.
    """
    stack: list[tuple[str, bool]] = []  # (tag name, dropped)
    kept = 0  # depth counted in tags that stay
    out: list[str] = []
    last = 0
    for match in _TAG_RE.finditer(text):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        drop = False
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    drop = stack[index][1]
                    kept -= sum(not dropped for _, dropped in stack[index:])
                    del stack[index:]
                    break
        elif name not in _VOID_TAGS and not self_closing:
            drop = kept >= limit and (name in _WRAPPER_TAGS or kept >= limit + 64)
            stack.append((name, drop))
            kept += not drop
        if drop:
            out.append(text[last : match.start()])
            last = match.end()
    out.append(text[last:])
    return "".join(out)


def parse_html(text: str, *, nul_free: bool = False) -> etree._Element:
    """Parse HTML text into an lxml tree with a <body>, repairing via BeautifulSoup if needed.

    lxml gives no root for an empty or comment-only document and refuses some broken input;
    BeautifulSoup's html.parser accepts anything and re-serialises it for a second lxml pass.
    `nul_free` says the caller knows `text` holds no NUL (`decode.holds_no_nul`).
    """
    # lxml refuses a str that starts with an XML declaration naming an encoding.
    if text.lstrip().startswith("<?xml"):
        text = XML_DECLARATION_RE.sub("", text, count=1)
    # NUL bytes would end up as U+FFFD in the text. (str.find scans a page twice as fast as
    # `in` does for one character of a non-Latin-1 string.)
    if not nul_free and text.find("\x00") >= 0:
        text = text.replace("\x00", "")
    # A mid-page </html> would cut the page there; libxml2 closes both at the end anyway.
    text = DOCUMENT_END_TAGS_RE.sub("", text)
    root = _lxml_parse(text)
    if root is None:
        repaired = str(BeautifulSoup(CONTROL_CHARS_RE.sub("", text), "html.parser"))
        root = _lxml_parse(repaired) if repaired.strip() else None
    if root is None:
        root = etree.fromstring(_EMPTY_DOCUMENT, parser=_PARSER)
    if root.find("body") is None:
        # A frameset or head-only document: give every field a body to look in.
        etree.SubElement(root, "body")
    return root
