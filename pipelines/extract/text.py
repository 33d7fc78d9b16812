"""Small text and tree helpers shared by the field modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

Element = etree._Element

_STRING = etree.XPath("string()")
#: Elements whose text is not shown.
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})


def collapse(text: str) -> str:
    """Collapse every run of whitespace (including U+3000 and NBSP) to one space and strip."""
    return " ".join(text.split())


#: Invisible format characters (soft hyphen, zero-width space, word joiner, BOM): hyphenation
#: hints and joins a reader never sees, which split the words they sit in.
_INVISIBLE_CHARS = "\u00ad\u200b\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))


def without_invisible(text: str) -> str:
    """`text` without soft hyphens and zero-width spaces ("Mit\u00adtel\u00adal\u00adter" reads
    "Mittelalter")."""
    # translate() looks every character up; four substring scans are far cheaper.
    if text.isascii() or not any(char in text for char in _INVISIBLE_CHARS):
        return text
    return text.translate(_INVISIBLE)


def text_content(element: Element) -> str:
    """All text inside an element (like lxml.html's text_content, for plain etree elements)."""
    return str(_STRING(element))


def visible_text(element: Element) -> str:
    """Text inside an element without script/style content (string() unless one is inside)."""
    if next(element.iter(*_HIDDEN_TAGS), None) is None:
        return str(_STRING(element))
    if next(element.iterancestors(*_HIDDEN_TAGS), None) is not None:
        return ""  # inside a <script> or <noscript>: all of it hidden
    # A walk that skips the hidden subtrees: an XPath testing every text node's ancestors for
    # them costs three times more.
    return "".join(_texts(element, _HIDDEN_TAGS))


def link_text(anchor: Element) -> str:
    """Visible text of a link; a childless <a> (the common case) needs no XPath.

    A <script> inside a link (a lazy-loaded <picture> whose <source srcset=…> markup waits in
    a script template) is not text: counted, it made a whole article read as link text."""
    if not len(anchor):
        return anchor.text or ""
    # Icons and images only ("<a><i class=icon></i> Next</a>"): the text is the link's own and
    # the children's tails, no XPath needed.
    parts = [anchor.text or ""]
    for child in anchor:
        if len(child) or child.text:
            return visible_text(anchor)
        parts.append(child.tail or "")
    return "".join(parts)


def strings(path: etree.XPath, node: Element) -> list[str]:
    """The text or attribute values an XPath selects, as plain strings."""
    result = path(node)
    if not isinstance(result, list):
        return []
    return [str(item) for item in result if isinstance(item, str)]


def _texts(element: Element, skip: frozenset[str]) -> Iterator[str]:
    """Text nodes inside `element` (not its tail) in document order, skipping `skip` subtrees.

    Iterative, so a page nested thousands of levels deep cannot exhaust the Python stack.
    """
    if not isinstance(element.tag, str) or element.tag in skip:
        return
    events = etree.iterwalk(element, events=("start", "end"))
    for event, node in events:
        if event == "start":
            if not isinstance(node.tag, str) or node.tag in skip:
                events.skip_subtree()  # its end event still comes, for the tail
            elif node.text:
                yield node.text
        elif node is not element and node.tail:
            yield node.tail


def _collect(texts: Iterable[str], limit: int) -> list[str]:
    out: list[str] = []
    size = 0
    for text in texts:
        out.append(text)
        size += len(text)
        if size >= limit:
            break
    return out


def _following(element: Element, skip: frozenset[str]) -> Iterator[str]:
    if element.tail:
        yield element.tail
    node: Element | None = element
    while node is not None:
        for sibling in node.itersiblings():
            yield from _texts(sibling, skip)
            if sibling.tail:
                yield sibling.tail
        node = node.getparent()


def _preceding(element: Element, skip: frozenset[str]) -> Iterator[str]:
    """Text nodes before `element`, nearest first."""
    node: Element | None = element
    while node is not None:
        for sibling in node.itersiblings(preceding=True):
            if sibling.tail:
                yield sibling.tail
            yield from reversed(list(_texts(sibling, skip)))
        node = node.getparent()
        if node is not None and node.text:
            yield node.text


def _flow(element: Element, skip: frozenset[str], blocks: frozenset[str]) -> Iterator[str | None]:
    """Text nodes inside `element` in document order; None marks a line break (the edge of a
    block element or a <br>). Skipped subtrees give neither text nor breaks."""
    if not isinstance(element.tag, str) or element.tag in skip:
        return
    events = etree.iterwalk(element, events=("start", "end"))
    for event, node in events:
        tag = node.tag
        skipped = not isinstance(tag, str) or tag in skip
        if event == "start":
            if skipped:
                events.skip_subtree()  # its end event still comes, for the tail
                continue
            if tag in blocks or tag == "br":
                yield None
            if node.text:
                yield node.text
        else:
            if not skipped and tag in blocks:
                yield None
            if node is not element and node.tail:
                yield node.tail


def _flow_following(
    element: Element, skip: frozenset[str], blocks: frozenset[str]
) -> Iterator[str | None]:
    """Text nodes and line breaks after `element` in document order."""
    yield None
    if element.tail:
        yield element.tail
    node: Element | None = element
    while node is not None:
        for sibling in node.itersiblings():
            yield from _flow(sibling, skip, blocks)
            if sibling.tail:
                yield sibling.tail
        node = node.getparent()
        if node is not None and node.tag in blocks:
            yield None


def _lines(flow: Iterable[str | None], limit: int) -> list[str]:
    """Join a text flow into lines (whitespace collapsed, empty ones dropped), about `limit`
    characters of them."""
    lines: list[str] = []
    size = 0
    buffer: list[str] = []
    for text in _with_end(flow):
        if text is not None:
            buffer.append(text)
            continue
        line = collapse("".join(buffer))
        buffer = []
        if line:
            lines.append(line)
            size += len(line)
            if size >= limit:
                break
    return lines


def _with_end(flow: Iterable[str | None]) -> Iterator[str | None]:
    yield from flow
    yield None


def lines_after(
    element: Element, limit: int, skip: frozenset[str], blocks: frozenset[str]
) -> list[str]:
    """The lines of text that follow `element`, as a reader sees them, about `limit`
    characters of them. The walk is lazy: its cost depends on the limit, not on the page."""
    return _lines(_flow_following(element, skip, blocks), limit)


def lines_start(
    element: Element, limit: int, skip: frozenset[str], blocks: frozenset[str]
) -> list[str]:
    """The first lines of text inside `element`, about `limit` characters of them."""
    return _lines(_flow(element, skip, blocks), limit)


def pieces_before(element: Element, limit: int, skip: frozenset[str]) -> list[str]:
    """The text nodes before `element` in document order, about `limit` characters of them."""
    texts = (collapse(text) for text in _preceding(element, skip))
    return list(reversed(_collect((text for text in texts if text), limit)))
