"""Title: og:title, then JSON-LD headline, then <h1>, then <title>, without the site name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.extract.jsonld import first_string
from pipelines.extract.meta import meta_contents
from pipelines.extract.selectors import (
    MIN_TITLE_CHARS,
    OG_TITLE_KEYS,
    SUB_TITLE_TAGS,
    SUBJECT_TAG_RE,
    TITLE_SEPARATORS_RE,
    TITLE_SUFFIX_START_RE,
)
from pipelines.extract.text import collapse, text_content

if TYPE_CHECKING:
    from lxml.etree import _Element as Element


def _h1_elements(root: Element) -> list[Element]:
    body = root.find("body")
    return list(body.iter("h1")) if body is not None else []


def _sub_heading_elements(root: Element) -> list[Element]:
    body = root.find("body")
    return list(body.iter(*SUB_TITLE_TAGS)) if body is not None else []


def _shown_in_head_title(text: str, head_title: str) -> bool:
    """The <title> is this text, or this text then a separator and more (the site name)."""
    if len(text) < MIN_TITLE_CHARS:
        return False
    if text == head_title:
        return True
    suffix = head_title[len(text) :]
    return head_title.startswith(text) and TITLE_SUFFIX_START_RE.match(suffix) is not None


def sub_heading_title(root: Element, head_title: str | None) -> str | None:
    """The <h2>/<h3> that <title> starts with, for pages whose title is not in an <h1>
    (DedeCMS puts the logo in the <h1> and the article title in an <h2>)."""
    if not head_title:
        return None
    for element in _sub_heading_elements(root):
        text = collapse(text_content(element))
        if text and _shown_in_head_title(text, head_title):
            return text
    return None


def _head_title(root: Element) -> str | None:
    """The document's <title> text (an SVG icon's <title> is not it)."""
    for title in root.iter("title"):
        if next(title.iterancestors("svg"), None) is None:
            return collapse(text_content(title)) or None
    return None


def h1_texts(root: Element) -> list[str]:
    """Return the non-empty texts of the body's <h1> elements, whitespace collapsed."""
    texts = (collapse(text_content(h1)) for h1 in _h1_elements(root))
    return [text for text in texts if text]


def title_heading(h1s: list[str], head_title: str | None) -> str | None:
    """Pick the article's h1: the one <title> starts with, else the longest (a logo h1 is short).

    A forum subject's h1 carries a bracketed type in front ("[分期购物] 标题"); when <title>
    starts with the subject alone, the subject is the title.
    """
    if not h1s:
        return None
    if head_title:
        variants = [*h1s, *(SUBJECT_TAG_RE.sub("", h1, count=1) for h1 in h1s)]
        prefixed = [text for text in variants if text and head_title.startswith(text)]
        if prefixed:
            return max(prefixed, key=len)
    return max(h1s, key=len)


def strip_site_name(title: str, h1: str | None) -> str:
    """Drop a site-name suffix: prefer the h1 when the title is the h1 plus a separator and more.

    Without an h1 to compare with, keep the first separator-delimited part when it is the
    longest (the site name is rarely longer than the article title).
    """
    if h1:
        if title != h1 and title.startswith(h1) and TITLE_SUFFIX_START_RE.match(title[len(h1) :]):
            return h1
        return title
    parts = _split_on_last_separator(title)
    if len(parts) > 1 and all(len(parts[0]) >= len(part) for part in parts[1:]):
        return parts[0]
    return title


def _split_on_last_separator(title: str) -> list[str]:
    """Split a <title> on the separator its last part is set off with ("A——B_栏目_站名" splits
    on "_" only, so a dash inside the article title stays)."""
    matches = list(TITLE_SEPARATORS_RE.finditer(title))
    if not matches:
        return [title]
    kind = matches[-1].group(0).strip() or matches[-1].group(0)
    parts, start = [], 0
    for match in matches:
        if (match.group(0).strip() or match.group(0)) == kind:
            parts.append(title[start : match.start()])
            start = match.end()
    parts.append(title[start:])
    return [part for part in parts if part]


def _shown_texts(root: Element) -> set[str]:
    """Texts of the body's leaf elements outside links, whitespace collapsed (a table
    layout's title cell; a logo or menu link is not a title)."""
    body = root.find("body")
    if body is None:
        return set()
    return {
        collapse(el.text)
        for el in body.iter()
        if len(el) == 0 and el.text and el.tag != "a" and next(el.iterancestors("a"), None) is None
    }


def _logo_heading_title(root: Element, h1: str | None, head_title: str) -> str | None:
    """The article's part of a "站名 - 标题" <title> when the page's heading is the site name
    (a logo <h1> holding a link or image) or a short word not in <title> ("显示"): a longer
    part of <title> that the page shows as an element's whole text."""
    parts = [collapse(part) for part in _split_on_last_separator(head_title)]
    if len(parts) < 2:
        return None
    if h1 is not None and h1 in parts and _is_logo_heading(root, h1):
        rest = [part for part in parts if part != h1 and len(part) > len(h1)]
    elif h1 is not None and h1 not in head_title and len(h1) <= _LOGO_MAX_CHARS:
        rest = [part for part in parts if len(part) > len(h1)]
    else:
        return None
    if not rest:
        return None
    shown = _shown_texts(root)
    found = [part for part in rest if part in shown]
    return max(found, key=len) if found else None


def _shown_part_title(root: Element, head_title: str) -> str | None:
    """On a page without any <h1> (an old table layout), the longest part of a "站名 - 标题"
    <title> that the page shows as an element's whole text (the title cell)."""
    parts = [collapse(part) for part in _split_on_last_separator(head_title)]
    if len(parts) < 2:
        return None
    shown = _shown_texts(root)
    found = [part for part in parts if len(part) >= MIN_TITLE_CHARS and part in shown]
    return max(found, key=len) if found else None


def _is_logo_heading(root: Element, text: str) -> bool:
    """An <h1> with this text that is a link or an image (the site's logo), not a heading."""
    for h1 in _h1_elements(root):
        if collapse(text_content(h1)) == text:
            return next(h1.iter("a", "img"), None) is not None
    return False


#: A heading this short that is not in <title> may be a logo or a button ("显示").
_LOGO_MAX_CHARS = 8


def extract_title(
    root: Element, jsonld: list[dict[str, Any]], *, meta: dict[str, str] | None = None
) -> str | None:
    """Return the article title (og:title > JSON-LD headline > h1 > <title>), or None.

    `meta` is the page's `meta_contents`, when the caller has it already."""
    head_title = _head_title(root)
    h1 = title_heading(h1_texts(root), head_title)
    if head_title and (h1 is None or not head_title.startswith(h1)):
        h1 = sub_heading_title(root, head_title) or h1
    if head_title and h1 is not None:
        h1 = _logo_heading_title(root, h1, head_title) or h1
    elif head_title and h1 is None:
        h1 = _shown_part_title(root, head_title)
    if meta is None:
        meta = meta_contents(root)
    og = next((text for key in OG_TITLE_KEYS if (text := collapse(meta.get(key, "")))), None)
    headline = first_string(jsonld, "headline")
    for candidate in (og, headline and collapse(headline), h1, head_title):
        if candidate:
            return strip_site_name(candidate, h1)
    return None


def title_element(root: Element, title: str | None) -> Element | None:
    """The heading that shows the title (an <h1>, else an <h2>/<h3> with exactly the title, else
    the first <h1>, else any element showing exactly the title), where the article starts."""
    h1s = [(h1, collapse(text_content(h1))) for h1 in _h1_elements(root)]
    if title:
        for h1, text in h1s:
            if text == title:
                return h1
        for element in _sub_heading_elements(root):
            if collapse(text_content(element)) == title:
                return element
        for h1, text in h1s:
            if text and (title.startswith(text) or text.startswith(title) or text.endswith(title)):
                return h1
    if h1s:
        return h1s[0][0]
    return _title_block(root, title) if title else None


def _title_block(root: Element, title: str) -> Element | None:
    """A page without headings shows its title in a plain element (`<div class="news_bt">`):
    the first element outside links whose whole text is the title."""
    body = root.find("body")
    if body is None:
        return None
    for element in body.iter():
        if len(element) or not element.text or element.tag in _NOT_TITLE_TAGS:
            continue
        if collapse(element.text) == title and not any(
            ancestor.tag == "a" for ancestor in element.iterancestors()
        ):
            return element
    return None


_NOT_TITLE_TAGS = frozenset({"a", "option", "script", "style", "textarea", "title"})
