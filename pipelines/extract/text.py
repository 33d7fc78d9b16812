"""Small text and tree helpers shared by the field modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

Element = etree._Element

_STRING = etree.XPath("string()")
_VISIBLE_TEXT = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)


def collapse(text: str) -> str:
    """Collapse every run of whitespace (including U+3000 and NBSP) to one space and strip."""
    return " ".join(text.split())


def text_content(element: Element) -> str:
    """All text inside an element (like lxml.html's text_content, for plain etree elements)."""
    return str(_STRING(element))


def visible_text(element: Element) -> str:
    """Text inside an element without script/style content (string() unless one is inside)."""
    if next(element.iter("script", "style", "noscript", "template"), None) is None:
        return str(_STRING(element))
    return "".join(strings(_VISIBLE_TEXT, element))


def link_text(anchor: Element) -> str:
    """Text of a link; a childless <a> (the common case) needs no XPath."""
    if len(anchor):
        return str(_STRING(anchor))
    return anchor.text or ""


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


def text_after(element: Element, limit: int, skip: frozenset[str]) -> str:
    """About `limit` characters of the text that follows `element` in document order.

    Text nodes are joined with spaces, so "<span>2024-05-31</span><span>12:00</span>" stays
    two tokens. The walk is lazy: its cost depends on the limit, not on the page.
    """
    return collapse(" ".join(_collect(_following(element, skip), limit)))[:limit]


def text_before(element: Element, limit: int, skip: frozenset[str]) -> str:
    """About `limit` characters of the text that precedes `element` in document order."""
    return collapse(" ".join(reversed(_collect(_preceding(element, skip), limit))))[-limit:]


def text_start(element: Element, limit: int, skip: frozenset[str]) -> str:
    """About the first `limit` characters of the text inside `element`."""
    return collapse(" ".join(_collect(_texts(element, skip), limit)))[:limit]
