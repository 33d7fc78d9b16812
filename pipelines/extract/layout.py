"""Page layout: one walk over <body> that yields text units, anchors and the region of each.

Body text, steps and link blocks all read this one walk, so the tree is traversed once. A
region is a nav, sidebar, footer, breadcrumb or related-links block, recognised by generic
signals only: semantic tags, ARIA roles, common class/id tokens, a "相关内容" style heading
before a link list (or, under a related heading, a list of teaser cards: title link, excerpt,
date; never an ad or shop list), a "首页 >" trail. Nested regions take the outer label (a
menu inside a footer is footer), except that a breadcrumb inside a nav stays a breadcrumb.

Related-like blocks come in tiers (相关内容 > 推荐阅读 > 热门文章): the strongest on the page is
its related block, the weaker ones are sidebar widgets. When no heading or class names one, an
untitled list of article-title links right after the article (found from the text: most prose,
least link density) is taken for it. None of this depends on class names: with every class
and id replaced by a hash, the fixture corpus reads the same.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

from pipelines.extract.selectors import (
    AD_HOST_WORDS,
    AD_LABEL_RE,
    ARTICLE_HEADER_TOKENS,
    BLOCK_HEADING_FIRST_CHARS,
    BLOCK_HEADING_RE,
    BLOCK_TAGS,
    BOILERPLATE_MAX_SHARE,
    BOILERPLATE_PREFIXES,
    BOILERPLATE_SUBSTRINGS,
    BOILERPLATE_TOKENS,
    BOLD_TAGS,
    BREADCRUMB,
    BREADCRUMB_MAX_CHARS,
    BREADCRUMB_TEXT_RE,
    BREADCRUMB_WORDS,
    CLASS_PREFIXES,
    CLASS_SUBSTRINGS,
    CLASS_TOKEN_SPLIT_RE,
    CLASS_TOKENS,
    COMMENT_TOKENS,
    CONTAINER_TAGS,
    CONTENT_TAGS,
    FOOTER,
    HEADER_TOKENS,
    HEADING_TAGS,
    HOME_LINK_TEXTS,
    HOT,
    LABEL_PRIORITY,
    LIST_TITLE_MAX_CHARS,
    MIN_PARAGRAPH_CHARS,
    NAV,
    OVERLAY_TOKENS,
    PAGE_LINK_LEAD,
    PAGE_LINK_STRIP,
    PAGE_LINK_TEXT_RE,
    PAGINATION,
    PAGINATION_LINK_FIRST_CHARS,
    PAGINATION_LINK_RE,
    PAGINATION_MAX_LEVELS,
    PAGINATION_MAX_LINKS,
    PAGINATION_MAX_OTHER_CHARS,
    PAGINATION_TOKENS,
    POSITION_UTILITY_TOKENS,
    PRICE_RE,
    RECOMMEND,
    RELATED,
    RELATED_HEADING_MAX_CHARS,
    RELATED_TIERS,
    ROLE_LABELS,
    SHOP_MIN_PRICED_SHARE,
    SIDEBAR,
    SKIP_TAGS,
    TAG_LABELS,
    TEASER_MAX_CHARS,
    UNTITLED_MIN_LINK_SHARE,
    UNTITLED_MIN_LINKS,
    UNTITLED_MIN_MEAN_CHARS,
    WHOLE_WORD_TOKENS,
)
from pipelines.extract.text import collapse, link_text, text_content, visible_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from lxml.etree import _Element as Element

#: Pseudo-label of a site header (class "header", tag <header>): nav only outside the article.
_HEADER = "header"
#: A region holding more prose than this (and most of the page's) is the article, not a region.
_OVERSIZED_PROSE = 200
_OVERSIZED_SHARE = 0.5
_OVERSIZED_MAX_LINK_SHARE = 0.35
_LINK_LIST_MIN_SHARE = 0.5
#: A region with at least this many prose paragraphs, more prose than all the page outside
#: regions, is the article whatever its link density (a "sidebar-wrapper" around it all).
_OVERSIZED_PARAGRAPHS = 3
_PARAGRAPH_PROSE_CHARS = 80
_OVERSIZED_TEXT = 1000
_PAGE_TAGS = frozenset({"body", "html"})
#: Never a comment thread or boilerplate block, whatever their classes say.
NEVER_COMMENTS = frozenset({"html", "body", "main", "article"})
#: Widening the article's container to an ancestor: what the ancestor adds must be prose
#: (at most this share of link text) and at least this share of what it would then hold.
_WIDEN_MAX_LINK_SHARE = 0.25
_WIDEN_MIN_SHARE = 0.1
_WIDEN_MIN_PROSE = 10**9
#: ...or adds, over the levels climbed past since the last one taken, no more than this (a
#: header's title, byline and date; a photo's caption and a section heading).
_WIDEN_SKIP_MAX_CHARS = 300
#: A heading with this share of link text is a teaser's headline; a level adding this many
#: is a list of teasers.
_TEASER_LINK_SHARE = 0.8
_WIDEN_MAX_TEASERS = 2


@dataclass(slots=True)
class Unit:
    """A line of text as a reader sees it: the text of one block up to the next block or <br>."""

    text: str
    block: Element
    region: str | None
    region_element: Element | None
    link_chars: int
    bold_chars: int
    li: Element | None
    #: The line opens with a link (a list item's title link), not a link inside prose.
    leads_with_link: bool = False
    #: Characters outside links: set once, read many times by the container scoring.
    prose_chars: int = field(init=False)

    def __post_init__(self) -> None:
        self.prose_chars = max(0, len(self.text) - self.link_chars)


@dataclass(slots=True)
class Anchor:
    """An <a href> in document order with the region it sits in."""

    element: Element
    href: str
    region: str | None
    #: The element that opened the region (None in the body).
    region_element: Element | None = None
    pieces: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Visible text, whitespace collapsed."""
        return collapse("".join(self.pieces))


@dataclass(slots=True)
class Layout:
    """Units and anchors of a page's body in document order, and the article's container."""

    body: Element
    units: list[Unit]
    anchors: list[Anchor]
    #: The element holding the article text (`main_container`); the body until computed.
    container: Element | None = None


def is_same_page_href(href: str) -> bool:
    """True for "#top"-style and javascript: hrefs, which never lead to another page."""
    href = href.strip().lower()
    return not href or href.startswith(("#", "javascript:"))


@lru_cache(maxsize=8192)
def _token_label(token: str) -> str | None:
    """The region one class/id word names; cached, as words recur across pages ("col", "md")."""
    label = CLASS_TOKENS.get(token)
    if label is None:
        label = next((lab for sub, lab in CLASS_SUBSTRINGS if sub in token), None)
    if label is None:
        label = next((lab for pre, lab in CLASS_PREFIXES if token.startswith(pre)), None)
    return label


def _any_word_re(words: Iterable[str]) -> re.Pattern[str]:
    """A regex finding any of `words` as a substring (those holding a shorter one left out)."""
    ordered = sorted(set(words), key=lambda word: (len(word), word))
    kept = [word for i, word in enumerate(ordered) if not any(o in word for o in ordered[:i])]
    return re.compile("|".join(re.escape(word) for word in kept))


#: Every class/id word that names a region holds one of these: a value without any (most of
#: them: "col-md-8", "entry-content") is decided by one search instead of a split.
_REGION_WORD_RE = _any_word_re(
    [
        *CLASS_TOKENS,
        *(sub for sub, _ in CLASS_SUBSTRINGS),
        *(pre for pre, _ in CLASS_PREFIXES),
        *HEADER_TOKENS,
    ]
)


@lru_cache(maxsize=4096)
def _class_label(value: str) -> str | None:
    """The region a class + id value names; cached, as a page repeats its class strings."""
    lowered = value.lower()
    if _REGION_WORD_RE.search(lowered) is None:
        return None
    words = {word for word in CLASS_TOKEN_SPLIT_RE.split(lowered) if word}
    # Abbreviations ("ft", "hd") name a region alone or ending a compound ("ft", "g-ft"); in
    # the middle of one they are something else ("kb-ft-rob-reg": a font).
    if not WHOLE_WORD_TOKENS.isdisjoint(words):
        endings = {CLASS_TOKEN_SPLIT_RE.split(word.strip("-_"))[-1] for word in lowered.split()}
        words.difference_update(WHOLE_WORD_TOKENS.difference(endings))
    found: set[str] = set()
    for word in words:
        if word in HEADER_TOKENS:
            if not ARTICLE_HEADER_TOKENS.intersection(words):
                found.add(_HEADER)
            continue
        if word == "position" and POSITION_UTILITY_TOKENS.intersection(words):
            continue
        label = _token_label(word)
        if label is not None:
            found.add(label)
    best = next((label for label in LABEL_PRIORITY if label in found), None)
    return best or (_HEADER if _HEADER in found else None)


#: Every class/id word naming a comment thread or boilerplate holds one of these.
_NAMES_WORD_RE = _any_word_re(
    [*COMMENT_TOKENS, *BOILERPLATE_TOKENS, *BOILERPLATE_PREFIXES, *BOILERPLATE_SUBSTRINGS]
)


@lru_cache(maxsize=4096)
def class_names(attrs: str) -> tuple[bool, bool]:
    """Whether a class + id value names a comment thread ("comments", "respond"), and whether
    it names boilerplate (caption, byline, share buttons...); cached, as a page repeats its
    class strings."""
    attrs = attrs.lower()
    if _NAMES_WORD_RE.search(attrs) is None:
        return False, False
    words = [word for word in CLASS_TOKEN_SPLIT_RE.split(attrs) if word]
    comment = any(word in COMMENT_TOKENS for word in words)
    boilerplate = any(
        word in BOILERPLATE_TOKENS
        or word.startswith(BOILERPLATE_PREFIXES)
        or any(sub in word for sub in BOILERPLATE_SUBSTRINGS)
        for word in words
    )
    return comment, boilerplate


class _NotContent:
    """Whether an element sits in a comment thread, an overlay (cookie consent, pop-up), a
    form or a boilerplate block (author box, caption, share bar, sign-up): readers' text, site
    notices and an author's bio never make the article's container. Memoised along the
    ancestor chains of the lines asked about, so only those elements are looked at."""

    def __init__(self, *, threads: bool = True, page_chars: int = 0) -> None:
        self.memo: dict[Element, bool] = {}
        #: False: overlays only; comment threads, forms and boilerplate count as content.
        self.threads = threads
        #: Characters of the page's lines outside regions: a form or boilerplate-named block
        #: holding more than half of them wraps the page ("tag-social" on a post's wrapper).
        self.page_chars = page_chars

    def __contains__(self, el: Element) -> bool:
        chain: list[Element] = []
        node: Element | None = el
        inherited = False
        while node is not None:
            known = self.memo.get(node)
            if known is not None:
                inherited = known
                break
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):
            inherited = inherited or self._names_not_content(node)
            self.memo[node] = inherited
        return inherited

    def _names_not_content(self, el: Element) -> bool:
        tag = el.tag
        if not isinstance(tag, str) or tag in NEVER_COMMENTS:
            return False
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        comment, boilerplate = class_names(attrs) if attrs != " " else (False, False)
        if (
            (self.threads and comment)
            or (attrs != " " and _is_overlay(attrs))
            # A dialog by its markup (a consent box, a login form): <dialog>, role, aria-modal.
            or tag == "dialog"
            or el.get("role") in _DIALOG_ROLES
            or el.get("aria-modal") == "true"
        ):
            # A wrapper holding the article's <h1> ("post has-comments") is not a thread.
            return next(el.iter("h1"), None) is None
        # A form (sign-up, login, search) or a boilerplate block (author box, share bar)
        # holds labels, notices and bios, not the article: unless it wraps the page.
        if self.threads and (boilerplate or tag == "form"):
            return (
                next(el.iter("h1"), None) is None
                and len(collapse(visible_text(el))) <= BOILERPLATE_MAX_SHARE * self.page_chars
            )
        return False


_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})


@lru_cache(maxsize=4096)
def _is_overlay(attrs: str) -> bool:
    """A class + id value naming a cookie banner, consent dialog or pop-up."""
    return any(word in OVERLAY_TOKENS for word in CLASS_TOKEN_SPLIT_RE.split(attrs.lower()))


#: Tags whose own marks never make a region: <main>/<article> hold the article whatever their
#: classes say; <body>/<html> classes are page state ("one-sidebar", "section-in-nav").
_UNLABELLED_TAGS = CONTENT_TAGS | _PAGE_TAGS


def _own_label(el: Element, tag: str, *, in_content: bool) -> str | None:
    """The region an element marks by its tag, role, class/id or aria-label, if any."""
    if tag in _UNLABELLED_TAGS:
        return None
    tag_label = TAG_LABELS.get(tag)
    if tag_label is None and tag == "header" and not in_content:
        tag_label = NAV
    classes, ident = el.get("class"), el.get("id")
    if classes is None and ident is None and not el.attrib:
        return tag_label  # a bare <p>, <li>, <td>
    token_label = _class_label(f"{classes or ''} {ident or ''}") if classes or ident else None
    if token_label == _HEADER:
        token_label = None if in_content else NAV
    elif token_label == NAV and tag in HEADING_TAGS:
        token_label = None  # a section heading's anchor ("nav_schredder"), not a menu
    role_label = None
    role = el.get("role")
    if role:
        role = role.strip().lower()
        if role == "main":
            return None
        role_label = ROLE_LABELS.get(role)
        if role == "banner" and in_content:
            role_label = None
    crumb = _names_breadcrumb(el)
    if not crumb and role_label is None:
        if token_label is None or token_label == tag_label:
            if tag_label != BREADCRUMB:
                return tag_label
        elif tag_label is None and token_label != BREADCRUMB:
            return token_label  # the common labelled case: a class alone names the region
    found = {label for label in (token_label, role_label, tag_label) if label is not None}
    if crumb:
        found.add(BREADCRUMB)
    # A "position"/"location" class on a big block is a layout helper, not a breadcrumb trail.
    if BREADCRUMB in found and len(text_content(el)) > BREADCRUMB_MAX_CHARS:
        found.discard(BREADCRUMB)
    return next((label for label in LABEL_PRIORITY if label in found), None)


def _names_breadcrumb(el: Element) -> bool:
    """Whether an element's aria-label or schema.org itemtype names a breadcrumb trail."""
    aria, itemtype = el.get("aria-label"), el.get("itemtype")
    if not (aria or itemtype):
        return False
    marks = f"{aria or ''} {itemtype or ''}".lower()
    return any(word in marks for word in BREADCRUMB_WORDS)


def _nav_breadcrumb(el: Element, tag: str) -> str | None:
    """`_own_label` where only a breadcrumb counts (inside a nav, see `_combine`): BREADCRUMB
    or None, without the tag, role and priority work of the full label."""
    if tag in _UNLABELLED_TAGS:
        return None
    classes, ident = el.get("class"), el.get("id")
    classed = bool(classes or ident) and (
        _class_label(f"{classes or ''} {ident or ''}") == BREADCRUMB
    )
    if not (classed or _names_breadcrumb(el)):
        return None
    role = el.get("role")
    if role and role.strip().lower() == "main":
        return None
    return BREADCRUMB if len(text_content(el)) <= BREADCRUMB_MAX_CHARS else None


def _combine(outer: str | None, inner: str | None) -> bool:
    """Whether an element's own label replaces the label it sits in."""
    if inner is None or inner == outer:
        return False
    if outer is None:
        return True
    return outer == NAV and inner == BREADCRUMB


def _link_chars(el: Element) -> int:
    """Characters of link text in a subtree (an <a> counts itself)."""
    return sum(len(collapse(link_text(a))) for a in el.iter("a") if a.get("href") is not None)


def _is_link_list(el: Element) -> bool:
    """An element (or a lone <a>) whose visible text is mostly link text."""
    if el.tag == "a":
        href = el.get("href")
        return href is not None and not is_same_page_href(href)
    linked = _link_chars(el)
    if not linked:
        return False
    total = len(collapse(visible_text(el)))
    return linked / total >= _LINK_LIST_MIN_SHARE


def _title_link(item: Element) -> bool:
    """`item` holds a link to another page standing alone as a title: the whole text of its
    line (a heading, a list item) or wrapping a block of its own (a card)."""
    for a in item.iter("a"):
        href = a.get("href")
        if href is None or is_same_page_href(href):
            continue
        text = collapse(link_text(a))
        if len(text) < UNTITLED_MIN_MEAN_CHARS:
            continue
        if any(child.tag in BLOCK_TAGS for child in a.iterdescendants()):
            return True
        # The link's line: its nearest block, looked for inside the item only.
        line: Element | None = a
        while line is not None and line is not item:
            line = line.getparent()
            if line is not None and line.tag in BLOCK_TAGS:
                break
        if line is not None and collapse(visible_text(line)) == text:
            return True
    return False


def _is_teaser(el: Element) -> bool:
    """A teaser of another page: a title link, and little text besides (excerpt, date, tags)."""
    return len(collapse(visible_text(el))) <= TEASER_MAX_CHARS and _title_link(el)


def _is_teaser_list(el: Element) -> bool:
    """A teaser card, or an element whose every child holding text is one (<ul> of cards)
    and which holds no text of its own beside them (a link in a sentence is no card)."""
    if _is_teaser(el):
        return True
    stray = "".join([el.text or "", *(child.tail or "" for child in el)])
    if len(collapse(stray)) > 2 * len(el):  # separators ("|", "·") at most
        return False
    items = [
        child
        for child in el
        if isinstance(child.tag, str)
        and child.tag not in SKIP_TAGS
        and collapse(visible_text(child))
    ]
    return bool(items) and all(_is_teaser(item) for item in items)


def _list_after(start: Element, *, teasers: bool) -> list[Element]:
    """The link lists that follow `start` (up to the first sibling that is none); with
    `teasers`, lists of teaser cards too (excerpts make them less than half link text)."""
    found = []
    for sibling in start.itersiblings():
        if sibling.tag == "br" or (len(sibling) == 0 and not (sibling.text or "").strip()):
            continue  # line breaks and empty spacers ("<div class="clear"></div>")
        if not (_is_link_list(sibling) or (teasers and _is_teaser_list(sibling))):
            break
        found.append(sibling)
    return found


def _has_ad_label(el: Element) -> bool:
    """A text in `el` that is an ad label and nothing else ("Anzeige", "Sponsored", "广告")."""
    longest = 2 * RELATED_HEADING_MAX_CHARS
    return any(
        node.text and len(node.text) <= longest and AD_LABEL_RE.match(node.text)
        for node in el.iter()
    )


def _reads_as_ads(lists: list[Element], around: list[Element]) -> bool:
    """An ad or shop block: an ad label in the lists or `around` them (the heading's box), a
    sponsored link or one to an ad network, or most items showing a price on a line of their
    own. Such a list is never related, whatever heading stands over it. A label next to the
    list is not read: it is as often the label of the ad slot after it (meedia.de)."""
    if any(_has_ad_label(el) for el in (*around, *lists)):
        return True
    for el in lists:
        for a in el.iter("a"):
            href = (a.get("href") or "").lower()
            if "sponsored" in (a.get("rel") or "").lower().split() or any(
                word in href for word in AD_HOST_WORDS
            ):
                return True
    items = [
        item
        for el in lists
        for item in (el if len(el) else (el,))
        if isinstance(item.tag, str) and collapse(visible_text(item))
    ]
    priced = sum(1 for item in items if _shows_price(item))
    return len(items) >= 2 and priced >= SHOP_MIN_PRICED_SHARE * len(items)


def _shows_price(item: Element) -> bool:
    """A text of `item` is a price alone ("19,99 €", "ab $12"), as shop items show them."""
    for node in item.iter():
        for text in (node.text, node.tail if node is not item else None):
            if text and len(text) <= 40 and PRICE_RE.match(text):
                return True
    return False


def _mark_list_after(start: Element, label: str, marks: dict[Element, str]) -> None:
    """Mark the link lists that follow `start` (bare "相关内容:" text), unless they are ads."""
    lists = _list_after(start, teasers=label == RELATED)
    if not _reads_as_ads(lists, []):
        for el in lists:
            marks[el] = label


def _mark_heading_block(el: Element, label: str, marks: dict[Element, str]) -> None:
    """Mark the block announced by a "相关内容" / "热门文章" heading whose text is `el.text`:
    the heading and the link lists after it, or, under a related heading, the teaser cards
    after it (in a sidebar, an article's footer or the article text alike); never an ad or
    shop list."""
    if el.tag != "a" and _is_link_list(el):  # "<p>相关内容:<br><a>…</a>…</p>"
        if not _reads_as_ads([el], []):
            marks[el] = label
        return
    box = el
    parent = box.getparent()
    # Climb while the parent holds nothing but the heading ("<div><h3>相关内容</h3></div>").
    while (
        parent is not None
        and parent.tag not in ("body", "html")
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (box.tail or "").strip()
    ):
        box, parent = parent, parent.getparent()
    if el.tag == "a" and box.tag not in HEADING_TAGS:
        return  # a menu item named "热门文章" is not a heading
    lists = _list_after(box, teasers=label == RELATED)
    if _reads_as_ads(lists, [box]):
        return
    marks[box] = label
    for found in lists:
        marks[found] = label


def _mark_breadcrumb(home: Element, marks: dict[Element, str]) -> None:
    """Mark the smallest ancestor (up to 3 levels) of a 首页 link that reads "首页 > …"."""
    el = home.getparent()
    for _ in range(3):
        if el is None or el.tag in ("body", "html"):
            return
        text = text_content(el)
        if len(text) > BREADCRUMB_MAX_CHARS:
            return
        if BREADCRUMB_TEXT_RE.match(text):
            marks.setdefault(el, BREADCRUMB)
            return
        el = el.getparent()


def _page_link_text(anchor: Element) -> str:
    return _page_words(link_text(anchor))


def _page_words(text: str) -> str:
    """A link's text as page links are matched: collapsed, arrows and brackets stripped."""
    if len(text) > _PAGE_LINK_MAX_CHARS:
        return text  # no page link is this long: skip the collapsing
    return collapse(text).strip(PAGE_LINK_STRIP)


#: Longest raw text of a page link ("  Previous page  »" with its whitespace).
_PAGE_LINK_MAX_CHARS = 80


def _may_be_pagination_link(anchor: Element, text: str | None) -> bool:
    """False when the link's words cannot start as `PAGINATION_LINK_RE` needs: its own text,
    past spaces and arrows, opens with another character. (Its own text comes first in its
    visible text; a link whose own text is only spaces is read in full.)"""
    lead = text.lstrip(PAGE_LINK_LEAD) if text else ""
    if lead:
        return lead[0] in PAGINATION_LINK_FIRST_CHARS
    return len(anchor) > 0


def _reads_as_pagination(el: Element) -> bool:
    """Every link of `el` reads as a page link (numbers, 上一页, "Next page", arrows) and little
    text stands outside them."""
    anchors = [a for a in el.iter("a") if a.get("href") is not None]
    if not anchors or len(anchors) > PAGINATION_MAX_LINKS:
        return False
    if not all(PAGE_LINK_TEXT_RE.match(_page_link_text(a)) for a in anchors):
        return False
    other = len(collapse(visible_text(el))) - sum(len(collapse(link_text(a))) for a in anchors)
    return other <= PAGINATION_MAX_OTHER_CHARS


def _mark_pagination(anchor: Element, marks: dict[Element, str]) -> None:
    """Mark the widest ancestor (a few levels up) of a 下一页-style link that holds nothing but
    page links; the link alone when even its parent holds more."""
    block = anchor
    node = anchor.getparent()
    for _ in range(PAGINATION_MAX_LEVELS):
        if node is None or node.tag in _PAGE_TAGS or not _reads_as_pagination(node):
            break
        block = node
        node = node.getparent()
    marks.setdefault(block, PAGINATION)


@lru_cache(maxsize=4096)
def _names_pagination(value: str) -> bool:
    """A class or id value naming a pagination block ("pagination", "pager", "fenye"); each
    of those words holds "pag" or "fenye". Cached per value, as a page repeats them."""
    value = value.lower()
    if "pag" not in value and "fenye" not in value:
        return False
    return not PAGINATION_TOKENS.isdisjoint(CLASS_TOKEN_SPLIT_RE.split(value))


def _pagination_links(el: Element) -> bool:
    """A "pagination"/"pager"/"fenye"-named element holds at least two links, all page links."""
    return sum(1 for a in el.iter("a") if a.get("href")) >= 2 and _reads_as_pagination(el)


def structural_marks(body: Element) -> dict[Element, str]:
    """Regions found from content rather than markup: headings of related and popular lists,
    "首页 >" trails, "上一篇:/下一篇:" lines, pagination (上一页 1 2 3 下一页)."""
    return scan_body(body)[0]


def scan_body(body: Element) -> tuple[dict[Element, str], list[Element]]:
    """`structural_marks`, and the elements below `body` that hold the article by their markup
    (schema.org articleBody, <main>, role "main"): one plain iteration for both (an XPath
    over every text node costs several times more, and one for those elements alone costs
    more than reading two attributes in this loop)."""
    marks: dict[Element, str] = {}
    article_bodies: list[Element] = []
    longest = 3 * RELATED_HEADING_MAX_CHARS  # cheap length filter before the regex
    announces = BLOCK_HEADING_RE.match
    for el in body.iter():
        tag = el.tag
        text = el.text
        if tag == "a":
            if el.get("href") is not None and _may_be_pagination_link(el, text):
                # A childless link's text is its own (most links): no call to compute it.
                words = _page_link_text(el) if len(el) else _page_words(text or "")
                if PAGINATION_LINK_RE.match(words):
                    _mark_pagination(el, marks)
        elif tag in BLOCK_TAGS:
            # Inlined name test: a call per block costs more than the rare pagination check.
            classes, ident = el.get("class"), el.get("id")
            if (
                (classes and _names_pagination(classes)) or (ident and _names_pagination(ident))
            ) and _pagination_links(el):
                marks.setdefault(el, PAGINATION)
        if (
            tag == "main" or el.get("itemprop") == "articleBody" or el.get("role") == "main"
        ) and el is not body:
            article_bodies.append(el)
        # Whitespace alone never matches, and the regex backtracks over every space of it.
        if text and len(text) <= longest and (stripped := text.strip()):
            # The regex tries its many alternatives; one set lookup rules most texts out.
            may = stripped[0] in BLOCK_HEADING_FIRST_CHARS
            match = announces(text) if may else None
            if match is None:
                if stripped in HOME_LINK_TEXTS:
                    # The link itself, or the link around "<a><span>首页</span></a>".
                    home = el if tag == "a" else el.getparent()
                    if home is not None and home.tag == "a":
                        _mark_breadcrumb(home, marks)
            elif match["prevnext"]:
                if tag != "a":
                    marks.setdefault(el, NAV)
            else:
                _mark_heading_block(el, _tier(match), marks)
        tail = el.tail
        if (
            tail
            and len(tail) <= longest
            and not tail.isspace()
            and tail.lstrip()[:1] in BLOCK_HEADING_FIRST_CHARS
        ):
            match = announces(tail)
            if match is not None and not match["prevnext"]:
                # Bare "相关内容:" text, the links follow as siblings.
                _mark_list_after(el, _tier(match), marks)
    return marks, article_bodies


def _tier(match: re.Match[str]) -> str:
    if match["related"]:
        return RELATED
    return RECOMMEND if match["recommend"] else HOT


class _Walker:
    """State of one walk; a class only so the text buffer is not threaded through every call."""

    def __init__(self, marks: dict[Element, str], vetoed: set[Element]) -> None:
        self.marks = marks
        self.vetoed = vetoed
        #: Elements holding a related-heading block: a footer or sidebar among them is walked
        #: inside rather than taken whole, so that block keeps its label.
        self.hold_related = {
            ancestor
            for el, label in marks.items()
            if label == RELATED
            for ancestor in el.iterancestors()
        }
        self.units: list[Unit] = []
        self.anchors: list[Anchor] = []
        self.regions: list[tuple[str | None, Element | None]] = [(None, None)]
        self.blocks: list[Element] = []
        self.lis: list[Element | None] = [None]
        self.open_anchors: list[Anchor] = []
        self.content_depth = 0
        self.link_depth = 0
        self.bold_depth = 0
        self._reset()

    def _reset(self) -> None:
        self.buffer: list[str] = []
        self.buffer_link = 0
        self.buffer_bold = 0
        self.buffer_region: tuple[str | None, Element | None] = (None, None)
        self.buffer_li: Element | None = None
        self.buffer_leads_with_link = False
        self.buffer_has_text = False

    def add(self, text: str) -> None:
        """Append a text node to the current line (and to every open link)."""
        for anchor in self.open_anchors:
            anchor.pieces.append(text)
        self.buffer.append(text)
        if not self.buffer_has_text:
            if text.isspace():
                return
            self.buffer_has_text = True
            self.buffer_region = self.regions[-1]
            self.buffer_li = self.lis[-1]
            self.buffer_leads_with_link = self.link_depth > 0
        if self.link_depth or self.bold_depth:
            size = len(collapse(text))
            if self.link_depth:
                self.buffer_link += size
            if self.bold_depth:
                self.buffer_bold += size

    def flush(self) -> None:
        """End the current line: it becomes a unit of the innermost open block. (Nothing to
        do when the buffer is empty: a line with text always has its text in the buffer.)"""
        if not self.buffer_has_text:
            # Only spaces so far: the rest of the line state is still as `_reset` left it.
            if self.buffer:
                self.buffer = []
            return
        text = collapse("".join(self.buffer))
        region, region_element = self.buffer_region
        # Positional, in field order: keywords cost more, and a page has thousands of lines.
        self.units.append(
            Unit(
                text,
                self.blocks[-1],
                region,
                region_element,
                min(self.buffer_link, len(text)),  # link_chars
                min(self.buffer_bold, len(text)),  # bold_chars
                self.buffer_li,
                self.buffer_leads_with_link,
            )
        )
        self._reset()

    def _anchor(self, a: Element, href: str) -> Anchor:
        region, region_element = self.regions[-1]
        # "To Top" and javascript: links after a related list are not related articles.
        if region in RELATED_TIERS and is_same_page_href(href):
            region, region_element = None, None
        anchor = Anchor(a, href, region, region_element)
        self.anchors.append(anchor)
        return anchor

    def hidden(self, el: Element) -> int:
        """A subtree whose text is not read (script, template, or a whole region): record its
        links and return the characters of link text."""
        linked = 0
        for a in el.iter("a"):
            href = a.get("href")
            if href is not None:
                text = link_text(a)
                linked += len(collapse(text))
                self._anchor(a, href).pieces.append(text)
        return linked

    def region(self, el: Element) -> None:
        """A whole footer/sidebar/related/breadcrumb subtree at once: nothing inside can change
        its label, so one unit and its anchors are all it needs (most of a farm page's
        elements are in its related list)."""
        self.flush()
        linked = self.hidden(el)
        text = collapse(visible_text(el))
        if text:
            region, region_element = self.regions[-1]
            self.units.append(
                Unit(text, el, region, region_element, min(linked, len(text)), 0, None)
            )

    def start(self, el: Element, tag: str) -> bool:
        """Open an element; False when its whole subtree was taken as one region."""
        outer = self.regions[-1]
        label = self.marks.get(el)
        block = tag in BLOCK_TAGS
        if label is None and block:
            if outer[0] is None:
                label = _own_label(el, tag, in_content=self.content_depth > 0)
            elif outer[0] == NAV:
                label = _nav_breadcrumb(el, tag)  # the only label that splits a nav
        if label is not None and el in self.vetoed:
            label = None
        if label is None:  # most elements: the region goes on
            self.regions.append(outer)
        else:
            # A block announced by a related heading ("Related stories") in a sidebar, or
            # inside <article>/<main> in the article's footer, is the related block (news
            # templates put it in <footer class="article-footer">); the site's footer keeps
            # its "相关链接".
            in_article = self.content_depth > 0
            holds = outer[0] == SIDEBAR or (in_article and outer[0] == FOOTER)
            if _combine(outer[0], label) or (holds and label == RELATED):
                self.regions.append((label, el))
                if label != NAV and not (
                    el in self.hold_related and (label == SIDEBAR or in_article)
                ):
                    self.region(el)
                    self.regions.pop()
                    return False
            else:
                self.regions.append(outer)
        if block:
            if self.buffer:  # (most blocks open and close with no line pending: no call)
                self.flush()
            self.blocks.append(el)
            if tag in CONTENT_TAGS:
                self.content_depth += 1
            elif tag == "li":
                self.lis.append(el)
        elif tag == "br":
            self.flush()
        elif tag == "a":
            href = el.get("href")
            if href is not None:
                self.open_anchors.append(self._anchor(el, href))
                self.link_depth += 1
        elif tag in BOLD_TAGS:
            self.bold_depth += 1
        text = el.text
        if text:
            self.add(text)
        return True

    def end(self, el: Element, tag: str) -> None:
        """Close an element opened by `start`."""
        if tag in BLOCK_TAGS:
            if self.buffer:
                self.flush()
            self.blocks.pop()
            if tag in CONTENT_TAGS:
                self.content_depth -= 1
            elif tag == "li":
                self.lis.pop()
        elif tag == "a":
            if self.open_anchors and self.open_anchors[-1].element is el:
                self.open_anchors.pop()
                self.link_depth -= 1
        elif tag in BOLD_TAGS:
            self.bold_depth -= 1
        self.regions.pop()


def _walk(body: Element, marks: dict[Element, str], vetoed: set[Element]) -> Layout:
    walker = _Walker(marks, vetoed)
    start, end, add = walker.start, walker.end, walker.add  # called per element
    events = etree.iterwalk(body, events=("start", "end"))
    skipped: Element | None = None  # after skip_subtree() the next event is this element's end
    for event, el in events:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or tag in SKIP_TAGS:
                walker.hidden(el)
            elif start(el, tag):
                continue
            events.skip_subtree()
            skipped = el
            continue
        if el is skipped:
            skipped = None
        else:
            end(el, tag)
        tail = el.tail
        if tail and el is not body:
            add(tail)
    walker.flush()
    return Layout(body, walker.units, walker.anchors)


def _prose_paragraphs(el: Element, enough: int) -> int:
    """Paragraphs of prose (text outside links) in a subtree, counted up to `enough`."""
    found = 0
    for p in el.iter("p"):
        text = collapse(visible_text(p))
        if len(text) - _link_chars(p) >= _PARAGRAPH_PROSE_CHARS:
            found += 1
            if found >= enough:
                break
    return found


def _oversized_regions(layout: Layout, overlays: _NotContent) -> set[Element]:
    """Regions holding the article's prose. `overlays` (`_NotContent(threads=False)`) is the
    page's, kept across walks: it depends on the tree alone."""
    prose: dict[Element, int] = defaultdict(int)
    links: dict[Element, int] = defaultdict(int)
    for unit in layout.units:
        if unit.region_element is not None:
            prose[unit.region_element] += unit.prose_chars
            links[unit.region_element] += unit.link_chars
    if all(chars < _OVERSIZED_PROSE for chars in prose.values()):
        return set()  # no region is big enough, whatever the rest of the page holds
    total = sum(prose.values())
    # A cookie box's or a dialog's prose outside the regions is not the article's: it does not
    # make an article-sized "region" a region (a comment thread's still does: a short post's
    # author box is no article).
    for unit in layout.units:
        if unit.region_element is None and not (unit.prose_chars and unit.block in overlays):
            total += unit.prose_chars
    outside = total - sum(prose.values())
    prose_like = {
        el: chars
        for el, chars in prose.items()
        if links[el] < _OVERSIZED_MAX_LINK_SHARE * (chars + links[el])
    }
    most = max(prose.values(), default=0)
    # The most prose of the prose-like regions counts too: a blog post in a "widget Blog"
    # beside a sidebar whose many link lists hold even more text.
    most_prose_like = max(prose_like.values(), default=0)
    found = set()
    for el, chars in prose.items():
        if chars < _OVERSIZED_PROSE:
            continue
        if (chars > _OVERSIZED_SHARE * total and el in prose_like) or (
            chars > outside
            and (
                (
                    (chars == most or (el in prose_like and chars == most_prose_like))
                    and _prose_paragraphs(el, _OVERSIZED_PARAGRAPHS) >= _OVERSIZED_PARAGRAPHS
                )
                # Text between <br>s has no <p> to count: a long prose-like region will do.
                or (el in prose_like and chars == most_prose_like and chars >= _OVERSIZED_TEXT)
            )
        ):
            found.add(el)
    return found


def main_container(layout: Layout, *, skip_threads: bool = False) -> Element:
    """Return the element holding the article text: most prose, discounted by link density.

    Each prose line scores the element that holds it (its paragraph's parent, or the div the
    text sits in directly) in full and that element's parent by half, as Readability does.
    Lines of comment threads score nothing (a long thread under a short post), unless the
    page has no other prose.
    """
    page_chars = sum(len(unit.text) for unit in layout.units if unit.region is None)
    skipped = _NotContent(page_chars=page_chars) if skip_threads else None
    scores = _container_scores(layout, skipped)
    if not scores and skip_threads:
        scores = _container_scores(layout, None)
    if not scores:
        return layout.body
    totals: dict[Element, int] = defaultdict(int)
    linked: dict[Element, int] = defaultdict(int)
    chains: dict[Element, tuple[Element, ...]] = {}
    for unit in layout.units:
        if unit.region is not None:
            continue
        for el in _scored_chain(unit.block, scores, chains):
            totals[el] += len(unit.text)
            linked[el] += unit.link_chars

    def final(el: Element) -> float:
        """Score discounted by the share of the element's text inside links."""
        density = linked[el] / totals[el] if totals[el] else 0.0
        return scores[el] * (1.0 - density)

    return max(scores, key=final)


def _scored_chain(
    el: Element, scores: dict[Element, float], memo: dict[Element, tuple[Element, ...]]
) -> tuple[Element, ...]:
    """`el` and those of its ancestors that `scores` holds; memoised per element, so lines of
    one article climb their shared ancestors once."""
    chain: tuple[Element, ...] = ()
    path: list[Element] = []
    node: Element | None = el
    while node is not None:
        known = memo.get(node)
        if known is not None:
            chain = known
            break
        path.append(node)
        node = node.getparent()
    for node in reversed(path):
        if node in scores:
            chain = (node, *chain)
        memo[node] = chain
    return chain


def _is_teaser_item(unit: Unit) -> bool:
    """A list item opening with a link: a teaser (headline and excerpt) of another page,
    however long its excerpt; a news ticker of them is not the article."""
    return unit.li is not None and unit.leads_with_link


def _container_scores(layout: Layout, skipped: _NotContent | None) -> dict[Element, float]:
    scores: dict[Element, float] = defaultdict(float)
    for unit in layout.units:
        if (
            unit.region is not None
            or unit.prose_chars < MIN_PARAGRAPH_CHARS
            or (skipped is not None and unit.block in skipped)
            or _is_teaser_item(unit)
        ):
            continue
        holder = unit.block if unit.block.tag in CONTAINER_TAGS else unit.block.getparent()
        if holder is None:
            continue
        scores[holder] += unit.prose_chars
        grand = holder.getparent()
        if grand is not None:
            scores[grand] += unit.prose_chars / 2
    return scores


#: A list of like items (a listicle's entries, a forum thread's posts): at least this many
#: siblings of the same tag and class, each with this much prose and this share of link text at
#: most, searched this many levels up from the best element.
_ITEMS_MIN = 3
_ITEM_MIN_PROSE = 300
_ITEM_MAX_LINK_SHARE = 0.2
_ITEMS_MAX_LEVELS = 8


def _subtree_sums(layout: Layout) -> tuple[dict[Element, int], dict[Element, int]]:
    """Prose and link characters of the body lines (outside regions) inside each element.

    Each line counts for its block, then every element's sum is added to its parent's,
    deepest first: each ancestor is climbed to once, not once per line."""
    prose: dict[Element, int] = defaultdict(int)
    links: dict[Element, int] = defaultdict(int)
    depth: dict[Element, int] = {}
    parents: dict[Element, Element | None] = {}
    for unit in layout.units:
        if unit.region is not None:
            continue
        prose[unit.block] += unit.prose_chars
        links[unit.block] += unit.link_chars
        path: list[Element] = []
        node: Element | None = unit.block
        while node is not None and node not in depth:
            path.append(node)
            parent = node.getparent()
            parents[node] = parent
            node = parent
        level = depth[node] if node is not None else -1
        for el in reversed(path):
            level += 1
            depth[el] = level
    for el in sorted(depth, key=depth.__getitem__, reverse=True):
        parent = parents[el]
        if parent is not None:
            prose[parent] += prose[el]
            links[parent] += links[el]
    return prose, links


def _repeated_items(layout: Layout, best: Element) -> Element:
    """The parent of the like items the best element is one of, or the best element.

    A listicle's entries or a forum thread's posts are siblings of one tag and class, each
    with paragraphs of its own: the best-scored one is only one of them. Teaser cards are
    not such items: their excerpts are short and their headlines links."""
    prose, links = _subtree_sums(layout)
    node = best
    for _ in range(_ITEMS_MAX_LEVELS):
        parent = node.getparent()
        if parent is None or parent.tag in _PAGE_TAGS:
            break
        key = (node.tag, node.get("class"))
        items = [
            sibling
            for sibling in parent
            if (sibling.tag, sibling.get("class")) == key
            and prose[sibling] >= _ITEM_MIN_PROSE
            and links[sibling] <= _ITEM_MAX_LINK_SHARE * (prose[sibling] + links[sibling])
        ]
        if len(items) >= _ITEMS_MIN and node in items:
            return parent
        node = parent
    return best


def _widen_container(layout: Layout, best: Element) -> Element:
    """Climb from the best-scored element to the ancestor holding the whole article.

    Real templates split an article over sibling blocks (the lead in one div, the text in
    another, a fact table, a list of ingredients): an ancestor is taken while what it adds
    to the body, outside every region, is prose in some quantity with little link text.
    """
    chain: dict[Element, int] = {}
    el: Element | None = best
    while el is not None and el.tag not in _PAGE_TAGS:
        chain[el] = len(chain)
        el = el.getparent()
    if len(chain) < 2:
        return best
    depth = len(chain)
    prose = [0] * depth
    links = [0] * depth
    block_prose: list[dict[Element, int]] = [defaultdict(int) for _ in range(depth)]
    teasers = [0] * depth
    #: Per level, its lines as (index, prose, link chars): lines before all those held below
    #: a level are a lead.
    by_level: list[list[tuple[int, int, int]]] = [[] for _ in range(depth)]
    #: Per level, whether its last line was a headline link: a teaser card when the next line
    #: is its excerpt in prose (a card whose excerpt is a link too is all link text, which
    #: the link lines of the body leave out).
    headline = [False] * depth
    for node, index, unit in _level_lines(layout, chain):
        level = chain[node]
        if _is_teaser_item(unit):
            links[level] += len(unit.text)  # headline and excerpt: all of it about another page
            by_level[level].append((index, 0, len(unit.text)))
            continue
        by_level[level].append((index, unit.prose_chars, unit.link_chars))
        prose[level] += unit.prose_chars
        links[level] += unit.link_chars
        # A paragraph split into lines by <br>s is one paragraph: its lines share a block.
        block_prose[level][unit.block] += unit.prose_chars
        if headline[level] and unit.prose_chars > unit.link_chars:
            teasers[level] += 1
        headline[level] = (
            unit.block.tag in HEADING_TAGS
            and unit.link_chars >= _TEASER_LINK_SHARE * len(unit.text)
        )
    paragraphs = [
        sum(1 for chars in blocks.values() if chars >= _PARAGRAPH_PROSE_CHARS)
        for blocks in block_prose
    ]
    ancestors = list(chain)
    chosen = skipped = 0
    title_index = _title_line(layout)
    held_prose, held_links = prose[0], links[0]
    for level in range(1, depth):
        added_prose, added_links = prose[level], links[level]
        held_prose += added_prose
        held_links += added_links
        if not added_prose and not added_links:
            if not skipped:
                chosen = level  # a wrapper adding nothing (not the levels climbed past)
            continue
        # Headings that are links are teasers of other pages (headline and excerpt cards):
        # excerpts read as prose, but a level adding such cards is not the article.
        prose_like = (
            added_links <= _WIDEN_MAX_LINK_SHARE * (added_prose + added_links)
            and teasers[level] < _WIDEN_MAX_TEASERS
        )
        if (
            (paragraphs[level] >= 1 or added_prose >= _WIDEN_MIN_PROSE)
            and prose_like
            and added_prose >= _WIDEN_MIN_SHARE * held_prose
        ):
            chosen = level
            skipped = 0
            continue
        if teasers[level] < _WIDEN_MAX_TEASERS and _adds_lead(
            by_level[level], _first_line(by_level[:level]), title_index
        ):
            # The lead opens the article (under its title): nothing above it is the article's.
            chosen = level
            break
        # Levels adding only a few short lines (the article's header: title, byline, date; a
        # caption, a heading) are climbed past, not taken: the text may go on further up
        # (lead and text split over an <article>'s header and body, sections split by
        # pictures). Link lines or more text stop the climb.
        skipped += added_prose + added_links
        if not prose_like or skipped > _WIDEN_SKIP_MAX_CHARS:
            break
    return ancestors[chosen]


def _level_lines(layout: Layout, chain: dict[Element, int]) -> list[tuple[Element, int, Unit]]:
    """The body lines (outside regions) under an element of `chain`: the innermost such
    element, the line's index in the layout, the line."""
    found: list[tuple[Element, int, Unit]] = []
    for index, unit in enumerate(layout.units):
        if unit.region is not None:
            continue
        node: Element | None = unit.block
        while node is not None and node not in chain:
            node = node.getparent()
        if node is not None:
            found.append((node, index, unit))
    return found


def _first_line(levels: list[list[tuple[int, int, int]]]) -> int:
    """Index of the first line held by these levels."""
    return min((lines[0][0] for lines in levels if lines), default=0)


def _title_line(layout: Layout) -> int:
    """Index of the page's first <h1> line outside regions (a lead sits under it); -1 on a
    page without one (its title set in a lower heading): no line is then above the title."""
    return next(
        (
            i
            for i, unit in enumerate(layout.units)
            if unit.block.tag == "h1" and unit.region is None
        ),
        -1,
    )


def _adds_lead(lines: list[tuple[int, int, int]], held_first: int, title_index: int) -> bool:
    """A level's lines (index, prose, link chars) are the article's lead: prose, a paragraph of
    it with little link text, between the page's <h1> (line `title_index`) and every line held
    so far (a standfirst in a block of its own above the text), and after the text no more
    than a few short lines."""
    if any(index < title_index for index, _, _ in lines):
        return False
    lead = [(prose, linked) for index, prose, linked in lines if index < held_first]
    rest = [(prose, linked) for index, prose, linked in lines if index > held_first]
    lead_prose = sum(prose for prose, _ in lead)
    lead_links = sum(linked for _, linked in lead)
    rest_chars = sum(prose + linked for prose, linked in rest)
    return (
        any(prose >= _PARAGRAPH_PROSE_CHARS for prose, _ in lead)
        and lead_links <= _WIDEN_MAX_LINK_SHARE * (lead_prose + lead_links)
        and rest_chars <= _WIDEN_SKIP_MAX_CHARS
        and sum(linked for _, linked in rest) <= _WIDEN_MAX_LINK_SHARE * max(rest_chars, 1)
    )


def _following_elements(element: Element) -> Iterator[Element]:
    """Elements after `element`'s subtree in document order (siblings, then the parents')."""
    node: Element | None = element
    while node is not None and node.tag != "body":
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def _previous_text(element: Element) -> str:
    """Text of the element just before `element` (or before its only-child wrappers)."""
    node: Element | None = element
    while node is not None:
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None:
            return collapse(visible_text(previous))
        parent = node.getparent()
        if parent is None or (parent.text or "").strip() or len(parent) > 1:
            return collapse(parent.text or "") if parent is not None else ""
        node = parent
    return ""


def _untitled_list(anchors: list[Anchor], element: Element) -> bool:
    """A list of at least a few article-title links and little else: a related block shape."""
    if element.tag in ("ul", "ol"):
        items = [child for child in element if child.tag == "li"]
    elif element.tag in ("div", "p", "td", "dd"):
        items = [child for child in element if child.tag == "a"]
    else:
        return False
    if len(items) < UNTITLED_MIN_LINKS:
        return False
    texts = []
    for item in items:
        link = item if item.tag == "a" else next(item.iter("a"), None)
        if link is None or is_same_page_href(link.get("href") or ""):
            return False
        texts.append(collapse(link_text(link)))
    if sum(len(text) for text in texts) < UNTITLED_MIN_MEAN_CHARS * len(texts):
        return False
    total = len(collapse(visible_text(element)))
    if total == 0 or _link_chars(element) < UNTITLED_MIN_LINK_SHARE * total:
        return False
    inside = set(element.iter("a"))
    return all(anchor.region is None for anchor in anchors if anchor.element in inside)


def _untitled_related(layout: Layout, container: Element) -> Element | None:
    """The first untitled list of title links after the article, if nothing else is between.

    Only lists with no title line just before them count: a titled list the heading rules did
    not recognise ("最新文章") is some other widget. Prose between the article and the list
    means it belongs to something else.
    """
    for el in _following_elements(container):
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        if el.tag in ("p", "div") and len(el) == 0:
            text = collapse(el.text or "")
            if len(text) >= MIN_PARAGRAPH_CHARS and text[-1:] in "。.!！?？":
                return None  # a paragraph of prose: the article area goes on
        if _untitled_list(layout.anchors, el):
            title = _previous_text(el)
            if title and len(title) <= LIST_TITLE_MAX_CHARS:
                return None
            return el
    return None


def _relabel(layout: Layout, labels: dict[str, str]) -> None:
    for anchor in layout.anchors:
        if anchor.region in labels:
            anchor.region = labels[anchor.region]
    for unit in layout.units:
        if unit.region in labels:
            unit.region = labels[unit.region]


def resolve_related(layout: Layout, container: Element) -> None:
    """Settle which block is the page's related block.

    The strongest related-like label present (相关内容 > 推荐阅读 > 热门文章) becomes
    "related" and the weaker ones sidebar widgets. A page with only a popular-articles list (or
    nothing) may still carry an untitled related list right after the article.
    """
    present = {anchor.region for anchor in layout.anchors}
    if RELATED not in present and RECOMMEND not in present:
        untitled = _untitled_related(layout, container)
        if untitled is not None:
            inside = set(untitled.iter())
            for anchor in layout.anchors:
                if anchor.element in inside and not is_same_page_href(anchor.href):
                    anchor.region = RELATED
            for unit in layout.units:
                if unit.block in inside:
                    unit.region = RELATED
                    unit.region_element = untitled
            present.add(RELATED)
    strongest = next((tier for tier in RELATED_TIERS if tier in present), None)
    if strongest is not None and strongest != RELATED:
        _keep_nearest(layout, container, strongest)
    _relabel(layout, {tier: RELATED if tier == strongest else SIDEBAR for tier in RELATED_TIERS})


def _keep_nearest(layout: Layout, container: Element, tier: str) -> None:
    """Of several weak blocks ("推荐阅读" under the article, "推荐内容" in a sidebar), the one
    right after the article is its related block; the others become sidebar widgets."""
    first: dict[Element, int] = {}
    inside = set(container.iter())
    # A heading and the list it announces are marked apart: count the parts holding links.
    linked = {a.region_element for a in layout.anchors if a.region == tier}
    end = -1
    for index, unit in enumerate(layout.units):
        element = unit.region_element
        if unit.region == tier and element is not None and element in linked:
            first.setdefault(element, index)
        elif unit.region is None and unit.block in inside:
            end = index
    if len(first) < 2:
        return
    after = [el for el, index in first.items() if index > end]
    nearest = min(after, key=first.__getitem__) if after else max(first, key=first.__getitem__)
    for anchor in layout.anchors:
        if anchor.region == tier and anchor.region_element is not nearest:
            anchor.region = SIDEBAR
    for unit in layout.units:
        if (
            unit.region == tier
            and unit.region_element in linked
            and unit.region_element is not nearest
        ):
            unit.region = SIDEBAR


def _unwrap_noscript(body: Element) -> bool:
    """A site served whole inside <noscript> (a script builds the page for browsers): on a
    page without a line of text outside it, its <noscript> blocks become plain blocks."""
    holders = [el for el in body.iter("noscript") if len(el)]
    for el in holders:
        el.tag = "div"
    return bool(holders)


def _unwrap_article_noscript(body: Element) -> None:
    """A <noscript> holding paragraphs of prose is the article served for readers without
    scripts (a blog whose post waits in a script template): its blocks are plain blocks."""
    for el in list(body.iter("noscript")):
        if len(el) and _prose_paragraphs(el, _OVERSIZED_PARAGRAPHS) >= _OVERSIZED_PARAGRAPHS:
            el.tag = "div"


#: Form controls whose content is never text (SKIP_TAGS) but which a parser can wrap around
#: the article when the page leaves one unclosed.
_CONTROL_TAGS = frozenset({"button", "select", "option", "textarea"})


def _open_controls_around(article_bodies: list[Element]) -> None:
    """A <div> left unclosed in a menu <button> makes the parser nest the rest of the page,
    <main> too, in the button: a control holding the article is a plain block."""
    for found in article_bodies:
        for el in found.iterancestors():
            if el.tag in _CONTROL_TAGS:
                el.tag = "div"


def analyze_layout(root: Element) -> Layout:
    """Walk the body once into units and anchors, each tagged with its region (None = body),
    find the article's container and settle the related block.

    A "region" that turns out to hold most of the page's prose (a wrapper whose class happens
    to contain "side") is the article itself: it is dropped and the walk repeated.
    """
    body = root.find("body")
    if body is None:
        body = root
    _unwrap_article_noscript(body)
    marks, article_bodies = scan_body(body)
    _open_controls_around(article_bodies)
    # The schema.org articleBody, the page's main content and what holds them are the
    # article, whatever their classes say ("left-side" around a news story; a menu left
    # unclosed puts the <main> after it inside the <nav> for the parser).
    vetoed: set[Element] = {
        el for found in article_bodies for el in (found, *found.iterancestors())
    }
    layout = _walk(body, marks, vetoed)
    if not layout.units and _unwrap_noscript(body):
        marks = structural_marks(body)
        layout = _walk(body, marks, vetoed)
    overlays = _NotContent(threads=False)
    for _ in range(6):
        oversized = _oversized_regions(layout, overlays)
        if not oversized:
            break
        vetoed |= oversized
        layout = _walk(body, marks, vetoed)
    container = main_container(layout, skip_threads=True)
    resolve_related(layout, container)
    layout.container = _widen_container(layout, _repeated_items(layout, container))
    return layout
