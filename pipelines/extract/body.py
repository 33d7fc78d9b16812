"""Body text: the units of the main content container, outside every region."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.extract.layout import NEVER_COMMENTS, class_names, main_container
from pipelines.extract.selectors import (
    ABOUT_HEADING_RE,
    AD_LABEL_RE,
    AD_LABEL_STRIP,
    ANNOUNCING_HEADING_MAX_CHARS,
    ARTICLE_MIN_CHARS,
    BOILERPLATE_MAX_SHARE,
    BOILERPLATE_TAGS,
    BYLINE_CONNECTORS,
    BYLINE_MAX_CHARS,
    BYLINE_RE,
    CAPTION_CREDIT_MAX_CHARS,
    CAPTION_CREDIT_RE,
    CLOCK_TIME_RE,
    COPYRIGHT_LINE_MAX_CHARS,
    COPYRIGHT_LINE_RE,
    CREDIT_LINE_MAX_CHARS,
    CREDIT_LINE_RE,
    DATE_LINE_MAX_CHARS,
    DATE_LINE_MAX_LETTERS,
    DATE_RE,
    HEADING_TAGS,
    LEAD_BOILERPLATE_LEVELS,
    LEAD_MAX_LINES,
    LEAD_MAX_LINK_SHARE,
    LEAD_MAX_SKIPPED_CHARS,
    LEAD_MIN_PROSE,
    LINK_LINE_MAX_PROSE,
    LINK_LINE_MIN_SHARE,
    LIST_ARTICLE_PARAGRAPH_CHARS,
    LIST_ARTICLE_PARAGRAPHS,
    LIST_MAX_PROSE_RATIO,
    LIST_MIN_ITEM_SHARE,
    LIST_MIN_ITEMS,
    META_LINE_RE,
    PROSE_PUNCTUATION,
    PUBLISHED_LABEL_RE,
    SPELLED_ADDRESS_RE,
    TITLE_MATCH_MIN_CHARS,
    caption_credit_start,
    may_be_caption_credit,
    may_hold_date,
)
from pipelines.extract.text import collapse, without_invisible

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from pipelines.extract.layout import Layout, Unit

__all__ = ["Content", "content_hash", "extract_content", "is_heading_unit", "main_container"]

#: Longest line that can be the "发布时间: … 来源: …" metadata line.
_META_LINE_MAX_CHARS = 160


@dataclass(frozen=True, slots=True)
class Content:
    """The main content container and its text units (regions, title and metadata removed)."""

    container: Element
    units: list[Unit]

    @property
    def text(self) -> str:
        """Body text: unit texts joined by newlines, without the lines that read as the
        page's furniture (`is_furniture_line`) and the headings announcing only such lines."""
        return without_invisible("\n".join(unit.text for unit in body_units(self.units)))

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
    if len(text) <= BYLINE_MAX_CHARS and _is_byline(text):
        return True
    if (
        not may_hold_date(text)
        or PUBLISHED_LABEL_RE.search(text) is None
        or DATE_RE.search(text) is None
    ):
        return False
    return not any(char in PROSE_PUNCTUATION for char in DATE_RE.sub("", text))


def _is_byline(text: str) -> bool:
    """A byline ("By Jo Miller", "Von Tim Ehlers · 26. Oktober 2023"): capitalised names."""
    match = BYLINE_RE.match(text)
    if match is None:
        return False
    words = match["names"].split()
    return 0 < len(words) <= 6 and all(
        word[0].isupper() or word.lower() in BYLINE_CONNECTORS for word in words
    )


def _dropped_elements(container: Element, units: list[Unit]) -> set[Element]:
    """Elements inside the article whose text is not the article's: comment threads and reply
    forms ("comments", "respond"), and boilerplate blocks (captions, bylines, share buttons,
    sign-ups). Their links keep their block.

    A comment-named element holding the article's first line is the article's wrapper
    ("has-comments"); a boilerplate-named one holding most of its text is too.
    """
    first = units[0].block if units else None
    total = sum(len(unit.text) for unit in units)
    found: set[Element] = set()
    protected: set[Element] = set()
    for el in container.iter():
        tag = el.tag
        if el in found or not isinstance(tag, str) or tag in NEVER_COMMENTS:
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        comment, boilerplate = class_names(attrs) if attrs != " " else (False, False)
        boilerplate = boilerplate or tag in BOILERPLATE_TAGS
        if not comment and not boilerplate:
            continue
        if el in protected:
            continue
        inside = set(el.iter())
        if comment and first in inside:
            continue
        if not comment:
            held = sum(len(unit.text) for unit in units if unit.block in inside)
            if held > BOILERPLATE_MAX_SHARE * total:
                # The site names its article so ("gallery--paragraph"): the word says
                # nothing about the blocks inside either.
                protected.update(inside)
                continue
        found.update(inside)
    return found


def _is_link_line(unit: Unit) -> bool:
    """A line that is a link and little else ("Lea también: <a>…</a>", "Zurück zur Übersicht",
    a teaser's headline): a pointer to another page, not the article's text. Lines of lists
    and table cells are left alone (the article's own link lists and tables), and so is an
    address spelled out (a URL or e-mail address the article gives its reader)."""
    return (
        unit.link_chars >= LINK_LINE_MIN_SHARE * len(unit.text)
        and unit.prose_chars <= LINK_LINE_MAX_PROSE
        and unit.li is None
        and unit.block.tag not in _CELL_TAGS
        and SPELLED_ADDRESS_RE.search(unit.text) is None
    )


_CELL_TAGS = frozenset({"td", "th"})


def is_furniture_line(text: str) -> bool:
    """A line of the page's furniture rather than the article: an ad label ("Anzeige",
    "Advertisement"), a photo credit or source line ("© AFP", "Crédits photos : …"), or a date
    standing alone ("Aktualisiert: 11.04.2020, 10:27")."""
    if AD_LABEL_RE.match(text.strip(AD_LABEL_STRIP)):
        return True
    if len(text) <= CREDIT_LINE_MAX_CHARS and CREDIT_LINE_RE.search(text):
        return True
    if (
        len(text) <= CAPTION_CREDIT_MAX_CHARS
        and may_be_caption_credit(text)
        and CAPTION_CREDIT_RE.search(text, caption_credit_start(text))
    ):
        return True
    if len(text) > DATE_LINE_MAX_CHARS or not may_hold_date(text) or not DATE_RE.search(text):
        return False
    rest = CLOCK_TIME_RE.sub("", DATE_RE.sub("", text))
    return sum(char.isalpha() for char in rest) <= DATE_LINE_MAX_LETTERS


def body_units(units: list[Unit]) -> list[Unit]:
    """The units that are article text: without link lines and furniture lines, and without
    a heading left announcing nothing (the next kept line is a heading too, of the same or a
    higher rank, or there is none): "Auch interessant:" over a list of teaser links."""
    kept = [unit for unit in units if not _is_link_line(unit) and not is_furniture_line(unit.text)]
    kept = _without_about_blocks(kept)
    found: list[Unit] = []
    for unit in reversed(kept):
        if _announces(unit) and (not found or _outranks(found[-1], unit)):
            continue
        found.append(unit)
    found.reverse()
    # The site's copyright notice under the text is not the article's.
    while (
        len(found) > 1
        and len(found[-1].text) <= COPYRIGHT_LINE_MAX_CHARS
        and COPYRIGHT_LINE_RE.search(found[-1].text)
    ):
        found.pop()
    # A container of nothing but such lines keeps them: the page has no other text.
    return found or units


def _without_about_blocks(units: list[Unit]) -> list[Unit]:
    """`units` without the author's bio and the press contact: a line announcing one ("Über
    den Autor", "Pressekontakt:") and the lines under it, up to the next heading."""
    kept: list[Unit] = []
    inside = False
    for unit in units:
        if ABOUT_HEADING_RE.match(unit.text):
            inside = True
            continue
        if inside and unit.block.tag in HEADING_TAGS:
            inside = False
        if not inside:
            kept.append(unit)
    return kept


def _announces(unit: Unit) -> bool:
    """A heading that announces what follows: a short <h2>-<h6>, or a bold line ending in a
    colon ("Weitere Informationen:"). Long "headings" are leads set in heading type."""
    if unit.block.tag in HEADING_TAGS:
        return len(unit.text) <= ANNOUNCING_HEADING_MAX_CHARS
    return unit.li is None and is_heading_unit(unit) and unit.text.endswith((":", "："))


def _outranks(after: Unit, heading: Unit) -> bool:
    """`after` is a heading of the same or a higher rank than `heading` (a section heading
    followed by the next section's: nothing of its own between them)."""
    return _announces(after) and _rank(after) <= _rank(heading)


def _rank(unit: Unit) -> int:
    """1-6 for <h1>-<h6>; a bold line ranks below every heading."""
    tag = unit.block.tag
    return int(tag[1]) if tag in HEADING_TAGS else 7


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
    dropped = _dropped_elements(container, units)
    if dropped:
        units = [unit for unit in units if unit.block not in dropped]
    return Content(container, _lead_above(layout, inside, title) + units)


def _in_boilerplate(el: Element) -> bool:
    """`el` or one of its nearest ancestors is a caption, share bar, byline or the like."""
    node: Element | None = el
    for _ in range(LEAD_BOILERPLATE_LEVELS):
        if node is None or node.tag in NEVER_COMMENTS:
            return False
        attrs = f"{node.get('class') or ''} {node.get('id') or ''}"
        if node.tag in BOILERPLATE_TAGS or (attrs != " " and any(class_names(attrs))):
            return True
        node = node.getparent()
    return False


def _in_h1(block: Element) -> bool:
    """`block` is an <h1> or sits in one ("<h1><div>Title</div></h1>")."""
    node: Element | None = block
    for _ in range(_H1_LEVELS):
        if node is None:
            return False
        if node.tag == "h1":
            return True
        node = node.getparent()
    return False


#: Levels from a line's block up to the <h1> it may sit in.
_H1_LEVELS = 3


def _is_title_heading(unit: Unit, title: str | None) -> bool:
    """A heading below <h1> reading as the page's title (templates that set the title in an
    <h2> and keep the <h1> for the site's name)."""
    tag = unit.block.tag
    if title is None or tag not in HEADING_TAGS:
        return False
    shorter, longer = sorted((unit.text, title), key=len)
    return shorter == longer or (len(shorter) >= TITLE_MATCH_MIN_CHARS and shorter in longer)


def _lead_above(layout: Layout, inside: set[Element], title: str | None) -> list[Unit]:
    """The article's lead when it stands between the title heading and the container, outside
    both ("p.intro", "h2.article-deck" in the header block): the prose lines met walking up
    from the container's first line to the title, past a few short lines (byline, date,
    caption). Nothing when the walk does not reach the title: the lines belong to other
    blocks."""
    first = next(
        (i for i, unit in enumerate(layout.units) if unit.region is None and unit.block in inside),
        None,
    )
    if first is None:
        return []
    lead: list[Unit] = []
    skipped = 0
    for unit in reversed(layout.units[:first]):
        if unit.region is not None:
            continue
        if _in_h1(unit.block):
            return lead[::-1]
        if _is_title_heading(unit, title):
            # The title itself is not body text; a heading holding more (a kicker or a
            # subtitle besides) is, as it is inside a container.
            return lead[::-1] if unit.text == title else [unit, *lead[::-1]]
        if (
            unit.prose_chars >= LEAD_MIN_PROSE
            and unit.link_chars <= LEAD_MAX_LINK_SHARE * len(unit.text)
            and not is_meta_line(unit.text)
            and not is_furniture_line(unit.text)
            and PUBLISHED_LABEL_RE.match(unit.text) is None
            and not _in_boilerplate(unit.block)
            and len(lead) < LEAD_MAX_LINES
        ):
            lead.append(unit)
            continue
        skipped += len(unit.text)
        if skipped > LEAD_MAX_SKIPPED_CHARS:
            return []
    return []


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
    # NFKC leaves ASCII as it is; the check costs far less than the normalisation's scan.
    normalised = collapse(text if text.isascii() else unicodedata.normalize("NFKC", text))
    return hashlib.sha1(normalised.encode("utf-8"), usedforsecurity=False).hexdigest()
