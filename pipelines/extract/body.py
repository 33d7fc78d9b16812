"""Body text: the units of the main content container, outside every region."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from pipelines.extract.layout import main_container
from pipelines.extract.selectors import (
    ARTICLE_MIN_CHARS,
    CLASS_TOKEN_SPLIT_RE,
    COMMENT_TOKENS,
    DATE_RE,
    HEADING_TAGS,
    LIST_ARTICLE_PARAGRAPH_CHARS,
    LIST_ARTICLE_PARAGRAPHS,
    LIST_MAX_PROSE_RATIO,
    LIST_MIN_ITEM_SHARE,
    LIST_MIN_ITEMS,
    META_LINE_RE,
    PROSE_PUNCTUATION,
    PUBLISHED_LABEL_RE,
)
from pipelines.extract.text import collapse

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from pipelines.extract.layout import Layout, Unit

__all__ = ["Content", "content_hash", "extract_content", "is_heading_unit", "main_container"]

#: Longest line that can be the "发布时间: … 来源: …" metadata line.
_META_LINE_MAX_CHARS = 160
#: Never a comment thread, whatever their classes say.
_NEVER_COMMENTS = frozenset({"html", "body", "main", "article"})
#: Comment threads are dropped from the body only when the rest keeps this share of its text.
_MIN_KEPT_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Content:
    """The main content container and its text units (regions, title and metadata removed)."""

    container: Element
    units: list[Unit]

    @property
    def text(self) -> str:
        """Body text: unit texts joined by newlines."""
        return "\n".join(unit.text for unit in self.units)

    def is_link_list(self) -> bool:
        """The main content is a list of links (titles of other pages), not prose.

        Counted are lines that open with a link, as list items do; keyword links inside
        sentences do not make an article a list.
        """
        leading = [unit for unit in self.units if unit.leads_with_link]
        if len(leading) < LIST_MIN_ITEMS or len(leading) < LIST_MIN_ITEM_SHARE * len(self.units):
            return False
        # An article that ends in a list of links still reads as prose: paragraphs far longer
        # than a list's excerpts, and most of the text.
        prose = [unit.prose_chars for unit in self.units if not unit.leads_with_link]
        listed = sum(len(unit.text) for unit in leading)
        return not (
            sum(prose) >= LIST_MAX_PROSE_RATIO * listed
            and sum(1 for chars in prose if chars >= LIST_ARTICLE_PARAGRAPH_CHARS)
            >= LIST_ARTICLE_PARAGRAPHS
        )


def _is_title_unit(unit: Unit, title: str | None) -> bool:
    return unit.block.tag == "h1" and (title is None or unit.text == title or title in unit.text)


def is_meta_line(text: str) -> bool:
    """A short "发布时间:… 来源:… 作者:…" line, or a byline stating when the page was
    published ("By A · Published on May 31, 2024"): page metadata, not body text."""
    if len(text) > _META_LINE_MAX_CHARS:
        return False
    if META_LINE_RE.match(text) is not None:
        return True
    if PUBLISHED_LABEL_RE.search(text) is None or DATE_RE.search(text) is None:
        return False
    return not any(char in PROSE_PUNCTUATION for char in DATE_RE.sub("", text))


def _comment_elements(container: Element) -> set[Element]:
    """Elements inside a comment thread or reply form ("comments", "respond"): readers'
    text, not the article's (their links keep their block)."""
    found: set[Element] = set()
    for el in _elements(_COMMENT_NAMED, container):
        if el in found or el.tag in _NEVER_COMMENTS:
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if any(word in COMMENT_TOKENS for word in CLASS_TOKEN_SPLIT_RE.split(attrs) if word):
            found.update(el.iter())
    return found


def _elements(xpath: etree.XPath, node: Element) -> list[Element]:
    """The elements an XPath selects under node (its typed result)."""
    found = xpath(node)
    return [el for el in found if isinstance(el, etree._Element)] if isinstance(found, list) else []


#: Elements whose class or id may name a comment thread (checked word by word after).
_COMMENT_NAMED = etree.XPath(
    "descendant-or-self::*["
    + " or ".join(
        f"contains(@{attr}, '{word}')"
        for word in ("omment", "OMMENT", "espond", "eplies", "isqus", "inglun")
        for attr in ("class", "id")
    )
    + "]"
)


def extract_content(layout: Layout, title: str | None) -> Content:
    """Return the main content: its container and the units inside it that are article text."""
    container = layout.container if layout.container is not None else main_container(layout)
    inside = set(container.iter())
    units = [
        unit
        for unit in layout.units
        if unit.region is None
        and unit.block in inside
        and not _is_title_unit(unit, title)
        and not is_meta_line(unit.text)
    ]
    comments = _comment_elements(container)
    if comments:
        kept = [unit for unit in units if unit.block not in comments]
        # A wrapper merely named after comments ("has-comments") holding most of the text
        # is the article's, not a thread.
        if sum(len(u.text) for u in kept) >= _MIN_KEPT_SHARE * sum(len(u.text) for u in units):
            units = kept
    return Content(container, units)


def is_heading_unit(unit: Unit) -> bool:
    """A unit that is a heading by markup: <h2>-<h6>, or a paragraph entirely in bold."""
    if unit.block.tag in HEADING_TAGS:
        return True
    return unit.bold_chars >= len(unit.text) > 0 and len(unit.text) <= 40


def page_kind(*, title: str | None, body_chars: int, dated: bool, link_list: bool) -> str:
    """list when the main content is a list of links; article when titled with a substantial
    body (or a date); other otherwise (login forms, short about pages, empty documents)."""
    if link_list:
        return "list"
    if title and (body_chars >= ARTICLE_MIN_CHARS or dated):
        return "article"
    return "other"


def content_hash(text: str) -> str:
    """SHA-1 hex of the text after NFKC normalisation and whitespace collapsing."""
    normalised = collapse(unicodedata.normalize("NFKC", text))
    return hashlib.sha1(normalised.encode("utf-8"), usedforsecurity=False).hexdigest()
