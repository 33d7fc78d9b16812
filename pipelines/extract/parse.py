"""Text to an lxml tree, once per page; BeautifulSoup only repairs what lxml cannot read."""

from __future__ import annotations

from bs4 import BeautifulSoup
from lxml import etree

from pipelines.extract.selectors import CONTROL_CHARS_RE, XML_DECLARATION_RE

# Plain etree elements, not lxml.html's: its per-element Python class lookup costs more than
# the rest of the walk. Comments and processing instructions carry no text; dropping them at
# parse time keeps every later walk free of non-element nodes.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)
_EMPTY_DOCUMENT = "<html><head></head><body></body></html>"


def _lxml_parse(text: str) -> etree._Element | None:
    try:
        return etree.fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):  # bad characters, undecodable declarations
        return None


def parse_html(text: str) -> etree._Element:
    """Parse HTML text into an lxml tree with a <body>, repairing via BeautifulSoup if needed.

    lxml gives no root for an empty or comment-only document and refuses some broken input;
    BeautifulSoup's html.parser accepts anything and re-serialises it for a second lxml pass.
    """
    # lxml refuses a str that starts with an XML declaration naming an encoding.
    if text.lstrip().startswith("<?xml"):
        text = XML_DECLARATION_RE.sub("", text, count=1)
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
