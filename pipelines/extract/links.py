"""Links: one record per <a href> in document order, with the block it sits in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.extract.selectors import IMAGE_TAGS
from pipelines.extract.text import collapse
from pipelines.store.records import LinkRecord
from pipelines.store.urls import Resolver, host_of, normalize_url

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml.etree import _Element as Element

    from pipelines.extract.layout import Anchor

#: Block of a link outside every region.
DEFAULT_BLOCK = "body"


def base_url(root: Element, final_url: str) -> str:
    """The URL relative links resolve against: <base href> (resolved) if present, else the page."""
    for base in root.iter("base"):
        href = base.get("href")
        resolved = normalize_url(href, final_url) if href is not None else None
        if resolved is not None:
            return resolved
    return final_url


def canonical_url(root: Element, base: str) -> str | None:
    """The page's <link rel="canonical"> resolved and normalised, or None."""
    for link in root.iter("link"):
        href = link.get("href")
        if href is None or "canonical" not in (link.get("rel") or "").lower().split():
            continue
        resolved = normalize_url(href, base)
        if resolved is not None:
            return resolved
    return None


_NEW = object.__new__
(
    _SET_SOURCE_URL,
    _SET_TARGET_URL,
    _SET_HREF,
    _SET_ANCHOR_TEXT,
    _SET_BLOCK,
    _SET_POSITION,
    _SET_INTERNAL,
    _SET_REL,
    _SET_CRAWL_ID,
    _SET_EXTRACTOR_VERSION,
) = (getattr(LinkRecord, name).__set__ for name in LinkRecord.__slots__)


def new_link_record(
    source_url: str,
    target_url: str | None,
    href: str,
    anchor_text: str,
    block: str,
    position: int,
    internal: bool,
    rel: list[str],
    crawl_id: str,
    extractor_version: str,
) -> LinkRecord:
    """`LinkRecord(...)` at half the cost: a frozen dataclass's __init__ sets each field
    through `object.__setattr__`, this through its slot directly, and a page has hundreds of
    links. Checked against the dataclass's own __init__ by a test."""
    record: LinkRecord = _NEW(LinkRecord)
    _SET_SOURCE_URL(record, source_url)
    _SET_TARGET_URL(record, target_url)
    _SET_HREF(record, href)
    _SET_ANCHOR_TEXT(record, anchor_text)
    _SET_BLOCK(record, block)
    _SET_POSITION(record, position)
    _SET_INTERNAL(record, internal)
    _SET_REL(record, rel)
    _SET_CRAWL_ID(record, crawl_id)
    _SET_EXTRACTOR_VERSION(record, extractor_version)
    return record


def site_key(host: str) -> str:
    """Host compared for "internal": lower-case, without a leading "www."."""
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def anchor_text(anchor: Anchor) -> str:
    """Visible text of a link; an image link's alt/title, or the link's own title, when empty."""
    text = anchor.text
    if text:
        return text
    for value in _image_texts(anchor.element):
        text = collapse(value)
        if text:
            return text
    return collapse(anchor.element.get("title") or anchor.element.get("aria-label") or "")


def _image_texts(element: Element) -> Iterator[str]:
    """alt/title of the images inside a link and its SVG icons' <title> texts, in document
    order (what the XPath `IMAGE_TEXT` selects, without an XPath call per link)."""
    for el in element.iter(*IMAGE_TAGS):
        if el.tag == "svg":
            for child in el:
                if child.tag == "title" and child.text:
                    yield child.text
            continue
        for name, value in el.attrib.items():
            if name in ("alt", "title"):
                yield str(value)


def extract_links(
    anchors: list[Anchor],
    *,
    base: str,
    page_urls: tuple[str, ...],
    crawl_id: str,
    extractor_version: str,
) -> list[LinkRecord]:
    """One record per anchor: target resolved against `base`, block and 1-based position in it,
    internal when on the same site as any of `page_urls` (the first is the source URL)."""
    sites = {site_key(host_of(url)) for url in page_urls} - {""}
    resolver = Resolver(base)
    positions: dict[str, int] = {}
    # Target and "internal" by href: a page repeats its hrefs (menus, "#", javascript:).
    targets: dict[str, tuple[str | None, bool]] = {}
    links: list[LinkRecord] = []
    for anchor in anchors:
        block = anchor.region or DEFAULT_BLOCK
        position = positions.get(block, 0) + 1
        positions[block] = position
        href = anchor.href
        found = targets.get(href)
        if found is None:
            target, host = resolver.resolve(href)
            found = targets[href] = (target, target is not None and site_key(host) in sites)
        links.append(
            new_link_record(
                page_urls[0],  # source_url
                found[0],  # target_url
                href,
                anchor_text(anchor),  # anchor_text
                block,
                position,
                found[1],  # internal
                (anchor.element.get("rel") or "").lower().split(),  # rel
                crawl_id,
                extractor_version,
            )
        )
    return links
