"""Publish date: a cascade of candidates (meta, JSON-LD, <time>, text, URL), then a validator.

Candidates are tried in order and the first plausible one wins: not after fetched_at plus a
day, not before 1995; a full date in the URL overrides one more than a week away from it, and
a UTC timestamp of another day than the URL's (the URL holds the publisher's day). A
time shown without a zone is Beijing time (UTC+8; China has no DST). Update/modification
dates are never candidates, nor is a bare "today". The last rules are htmldate's extensive
search, narrowed: a publish-date key in inline JSON ("script"), then the most frequent date on
the whole page outside sentences ("page"). No date found means all three fields are None.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.extract.jsonld import first_string
from pipelines.extract.meta import meta_contents
from pipelines.extract.selectors import (
    BARE_DATE_WINDOW_AFTER,
    BLOCK_TAGS,
    BYLINE_LABEL_RE,
    CLASS_TOKEN_SPLIT_RE,
    DATE_RE,
    DATE_WINDOW_AFTER,
    DATE_WINDOW_BEFORE,
    JSONLD_CREATED_KEYS,
    LOOSE_META_EXCLUDED,
    LOOSE_META_WORDS,
    META_LINE_CLASS_WORDS,
    MONTH_DAY_RE,
    MONTH_NUMBERS,
    NUMERIC_DATE_RE,
    PAGE_DATE_ATTRIBUTES,
    PROSE_PUNCTUATION,
    PUBLISHED_CLASS_WORDS,
    PUBLISHED_LABEL_RE,
    PUBLISHED_META_KEYS,
    RELATIVE_DATE_RE,
    RELATIVE_DATE_WORDS,
    RELATIVE_DAY_NAMES,
    RELATIVE_UNIT_DAYS,
    RELATIVE_UNIT_SECONDS,
    SCRIPT_DATE_RE,
    SHORT_YEAR_DATE_RE,
    SHORT_YMD_DATE_RE,
    SKIP_TAGS,
    STRONG_LABEL_WORDS,
    STRONG_PUBLISHED_LABEL_RE,
    TITLE_SEPARATORS_RE,
    UPDATED_LABEL_RE,
    UPDATED_WORDS,
    URL_DATE_RE,
    URL_DMY_DATE_RE,
    may_hold_date,
)
from pipelines.extract.text import (
    collapse,
    lines_after,
    lines_start,
    pieces_before,
    strings,
    text_content,
    visible_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from lxml.etree import _Element as Element

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
#: Allowed clock skew between the site's idea of "now" and the crawler's.
LATEST_SLACK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PublishDate:
    """A publish time in UTC, the string it was read from, and the rule that found it."""

    at: datetime | None
    raw: str | None
    source: str | None
    #: Found under a "发布时间:"/"Published" label or on a date-marked element: the page's
    #: own date even when its main content reads as a list.
    labelled: bool = False


NO_DATE = PublishDate(None, None, None)


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(UTC)


def _build(
    year: str, month: str | int, day: str, hour: str | None, minute: str | None, second: str | None
) -> datetime | None:
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:  # 2024-02-31, 25:00 ...
        return None


def _from_match(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()  # NUMERIC_DATE_RE has no English groups: use .get for those
    if groups["y"]:
        value = _build(groups["y"], groups["m"], groups["d"], groups["H"], groups["M"], groups["S"])
        tz = groups["tz"]
        if value is not None and tz:
            offset = datetime.fromisoformat(f"2000-01-01T00:00:00{tz}").tzinfo
            value = value.replace(tzinfo=offset)
        return value
    if groups["cy"]:
        return _build(
            groups["cy"], groups["cm"], groups["cd"], groups["cH"], groups["cM"], groups["cS"]
        )
    if groups.get("xy"):
        day, month = groups["xd"], groups["xm"]
        if groups["xs"] == "/":
            if int(month) > 12:  # 12/31/2024: month first after all
                day, month = month, day
            elif int(day) <= 12 and day.lstrip("0") != month.lstrip("0"):
                return None  # 11/01/2023: either order reads, so neither is trusted
        return _build(groups["xy"], month, day, groups["xH"], groups["xM"], None)
    if groups.get("ey"):
        month = MONTH_NUMBERS[groups["em"].lower()]  # its alternatives are the keys
        return _build(groups["ey"], month, groups["ed"], None, None, None)
    month = MONTH_NUMBERS[groups["fm"].lower()]
    return _build(groups["fy"], month, groups["fd"], None, None, None)


def parse_date(value: str) -> datetime | None:
    """Parse a date as pages write it (ISO 8601, 2024/05/31, 2024年5月31日 01:43, May 31, 2024).

    Returns an aware UTC datetime; a value without a zone is read as Beijing time.
    """
    value = value.strip()
    try:
        return _to_utc(datetime.fromisoformat(value))
    except ValueError:
        pass
    match = DATE_RE.search(value)
    if match is None:
        return None
    parsed = _from_match(match)
    return _to_utc(parsed) if parsed is not None else None


def is_plausible(value: datetime, fetched_at: datetime) -> bool:
    """A publish date is plausible between 1995 and one day after the page was fetched."""
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    return EARLIEST <= value <= fetched_at + LATEST_SLACK


def _jsonld_candidates(
    jsonld: list[dict[str, Any]], keys: tuple[str, ...] = ("datePublished",)
) -> Iterator[PublishDate]:
    for key in keys:
        raw = first_string(jsonld, key)
        if raw:
            yield PublishDate(parse_date(raw), raw, "jsonld")


def _meta_candidates(meta: dict[str, str]) -> Iterator[PublishDate]:
    for key, raw in meta.items():
        if key in _PUBLISHED_META_KEYS:
            yield PublishDate(parse_date(raw), raw, "meta")


_PUBLISHED_META_KEYS = frozenset(PUBLISHED_META_KEYS)


def _is_updated_time(element: Element) -> bool:
    marks = " ".join(
        element.get(attr) or "" for attr in ("class", "itemprop", "id", "name")
    ).lower()
    return any(word in marks for word in UPDATED_WORDS)


def _time_candidates(root: Element, url: str) -> Iterator[PublishDate]:
    body = root.find("body")
    found = body.iter("time") if body is not None else iter(())
    times = [
        el
        for el in found
        if el.get("datetime") and not _is_updated_time(el) and not _in_other_item(el, url)
    ]
    # An explicit published marker beats document order.
    times.sort(
        key=lambda el: (
            not (
                (el.get("itemprop") or "").lower() == "datepublished"
                or el.get("pubdate") is not None
                or "publish" in (el.get("class") or "").lower()
            )
        )
    )
    for element in times:
        raw = (element.get("datetime") or "").strip()
        if raw:
            yield _shown_date(element, PublishDate(parse_date(raw), raw, "time"))


def _in_other_item(el: Element, url: str) -> bool:
    """Inside a quotation (an embedded post), a link to another page or a list item whose
    first link goes to another page (a teaser, a comment): another item's time, not the
    page's. A permalink to the page itself is the page's."""
    for ancestor in el.iterancestors():
        if ancestor.tag == "blockquote":
            return True
        if ancestor.tag == "a" and _other_page(ancestor.get("href"), url):
            return True
        if ancestor.tag == "li":
            link = next(ancestor.iter("a"), None)
            if link is not None and _other_page(link.get("href"), url):
                return True
    return False


def _other_page(href: str | None, url: str) -> bool:
    """A link to another page than `url` (fragments, queries and a trailing slash aside)."""
    if not href or href.startswith("#"):
        return False
    try:
        target = urlsplit(urljoin(url, href.strip()))
        here = urlsplit(url)
    except ValueError:  # a malformed href (bad IPv6 literal) links nowhere
        return False
    return (target.netloc, target.path.rstrip("/")) != (here.netloc, here.path.rstrip("/"))


def _shown_date(element: Element, found: PublishDate) -> PublishDate:
    """The date a <time> shows when it is a full date of another day than its datetime
    attribute (`<time datetime="2019-07-03T10:18Z">Publié le 29 juin 2019</time>`: the
    attribute is a later edit's): the reader's date is the page's."""
    text = collapse(visible_text(element))
    if found.at is None or not text or len(text) > _MARKED_TEXT_MAX_CHARS:
        return found
    match = DATE_RE.search(text)
    parsed = _from_match(match) if match is not None else None
    if match is None or parsed is None:
        return found
    shown = parsed.date()
    if shown in (_own_zone_day(found.raw or ""), found.at.astimezone(BEIJING).date()):
        return found
    if found.at.astimezone(UTC).date() == shown:
        return found
    return PublishDate(_to_utc(parsed), match.group(0).strip(), "time")


def _itemprops(body: Element) -> list[tuple[Element, str]]:
    """Elements with a microdata itemprop or RDFa property ("schema:datePublished"), and its
    name lower-cased without a prefix."""
    return [
        (el, (el.get("itemprop") or el.get("property") or "").lower().rpartition(":")[2])
        for el in _elements(_ITEMPROP, body)
    ]


def _markup_candidates(
    root: Element,
    *,
    classed_only: bool,
    created_prop: str = "datepublished",
    fetched_at: datetime | None = None,
    props: dict[Element, list[tuple[Element, str]]] | None = None,
) -> Iterator[PublishDate]:
    """Dates marked up as the publish date on other elements than <time>: itemprop
    "datePublished" (content/datetime/title or text); or (`classed_only`) elements whose class
    or id names it ("published", "entry-date", "post-date", "datum") outside lists, their
    title attribute or short text. `props` keeps `_itemprops` by body between the steps that
    read it (the published and the created date)."""
    body = root.find("body")
    if body is None:
        return
    if classed_only:
        classed = [
            el
            for el in _date_named(body)
            if el.tag not in SKIP_TAGS
            and _names_publish_date(f"{el.get('class') or ''} {el.get('id') or ''}".lower())
            and not _in_list_item(el)
        ]
        marked: list[Element] = []
    else:
        if props is None:
            props = {}
        if body not in props:
            props[body] = _itemprops(body)
        marked = [el for el, prop in props[body] if prop == created_prop]
        classed = []
    for el in classed if classed_only else marked:
        if _is_updated_time(el):
            continue
        for raw in (el.get("content"), el.get("datetime"), el.get("title")):
            if raw and raw.strip():
                at = parse_date(raw)
                if at is not None:
                    yield PublishDate(at, raw.strip(), "time")
                    break
        else:
            text = collapse(visible_text(el))
            if 0 < len(text) <= _MARKED_TEXT_MAX_CHARS:
                match = DATE_RE.search(text)
                if match is not None:
                    parsed = _from_match(match)
                    at = _to_utc(parsed) if parsed is not None else None
                    yield PublishDate(at, match.group(0).strip(), "text", labelled=True)
                elif fetched_at is not None:
                    short = SHORT_YEAR_DATE_RE.search(text)
                    value = _short_year(short, fetched_at) if short is not None else None
                    if short is not None and value is not None:
                        raw = short.group(0).strip()
                        yield PublishDate(_to_utc(value), raw, "text", labelled=True)


def _meta_line_candidates(root: Element, fetched_at: datetime) -> Iterator[PublishDate]:
    """The first full date in a short metadata line marked by its class or id ("postmeta",
    "entry-meta", "byline", "submitted": htmldate's cues), outside lists; never one after
    an update label. Source "text", labelled: the page states it as its own."""
    body = root.find("body")
    if body is None:
        return
    for el in body.iter():
        marks = el.get("class"), el.get("id")
        if marks == (None, None) or not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        named = f"{marks[0] or ''} {marks[1] or ''}".lower()
        # A metadata line is a short element: a wrapper named "meta-…" is not.
        if not any(word in named for word in META_LINE_CLASS_WORDS):
            continue
        if len(el) > _META_LINE_MAX_CHILDREN or _in_list_item(el):
            continue
        text = collapse(visible_text(el))
        if not 0 < len(text) <= _MARKED_TEXT_MAX_CHARS:
            continue
        for item in find_dates(text, fetched_at, short_years=True):
            before = text[max(0, item.start - 16) : item.start]
            if item.at is not None and not UPDATED_LABEL_RE.search(before):
                yield PublishDate(item.at, item.raw, "text", labelled=True)
                break


_META_LINE_MAX_CHILDREN = 12


def _elements(xpath: etree.XPath, node: Element) -> list[Element]:
    """The elements an XPath selects under node (its typed result)."""
    found = xpath(node)
    return [el for el in found if isinstance(el, etree._Element)] if isinstance(found, list) else []


#: A class or id that may name a publish date (checked word by word after).
_DATE_NAMED_RE = re.compile("date|Date|DATE|atum|ublish|time|Time|osted")


def _date_named(body: Element) -> list[Element]:
    """Elements under `body` whose class or id may name a publish date, in document order (a
    plain iteration: an XPath of sixteen contains() per element cost several times more)."""
    search = _DATE_NAMED_RE.search
    found = []
    for el in body.iterdescendants():
        named, ident = el.get("class"), el.get("id")
        if (named and search(named)) or (ident and search(ident)):
            found.append(el)
    return found


_ITEMPROP = etree.XPath(".//*[@itemprop or @property]")


def _in_list_item(el: Element) -> bool:
    """Inside an <li> or a link: a date of another article in a list, not the page's."""
    return any(ancestor.tag in ("li", "a") for ancestor in el.iterancestors())


def _names_publish_date(attrs: str) -> bool:
    """A class/id value naming a publish date: "published", "entry-date", "itemPostDate",
    "post-meta-time", "datum"; never an update date."""
    words = [word for word in CLASS_TOKEN_SPLIT_RE.split(attrs) if word]
    if any(word in UPDATED_WORDS or "modif" in word or "update" in word for word in words):
        return False
    return bool(PUBLISHED_CLASS_WORDS.intersection(words)) or any(
        "date" in word or "datum" in word for word in words
    )


#: Longest text of a date-marked element read for its date ("Posted on May 31, 2024 by …").
_MARKED_TEXT_MAX_CHARS = 120


def _loose_candidates(lines: Sequence[str], fetched_at: datetime) -> Iterator[PublishDate]:
    """Last resort, as htmldate's extensive search: a full date (with its year) on a short
    metadata-like line of the page outside its regions (no link, no sentence around it),
    before the article's first paragraph of prose: dates further down belong to the text."""
    for line in lines:
        if len(line) >= _LOOSE_PROSE_CHARS and any(c in PROSE_PUNCTUATION for c in line):
            return
        if len(line) > _LOOSE_LINE_MAX_CHARS:
            continue
        for item in find_dates(line, fetched_at):
            if item.at is None or not _YEAR_RE.search(item.raw):
                continue
            before = line[max(0, item.start - 16) : item.start]
            if UPDATED_LABEL_RE.search(before):
                continue
            if _in_sentence(line, item.raw):
                continue
            yield PublishDate(item.at, item.raw, "text")


def _in_sentence(line: str, raw: str) -> bool:
    """A date inside a sentence: its line has sentence punctuation outside its dates and
    more than a few words beside it, or ends a sentence."""
    rest = line.replace(raw, "")
    return _is_prose(line, raw) and (
        len(rest) > _LOOSE_REST_MAX_CHARS or any(c in _SENTENCE_ENDS for c in rest)
    )


_LOOSE_LINE_MAX_CHARS = 120
#: A line with at most this much text beside its date is a date line whatever its commas.
_LOOSE_REST_MAX_CHARS = 30
_SENTENCE_ENDS = frozenset("。；;！!？?")
_LOOSE_PROSE_CHARS = 60
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")


@dataclass(frozen=True, slots=True)
class _Found:
    """A date written in a text: where, what it means, and whether its line is prose."""

    start: int
    raw: str
    at: datetime | None


def _relative(match: re.Match[str], fetched_at: datetime) -> datetime | None:
    """ "3天前", "昨天 08:12", "5小时前" against the fetch time (Beijing calendar days)."""
    now = fetched_at.astimezone(BEIJING)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if match["now"]:
        return now.replace(second=0, microsecond=0)
    count = match["n"] or match["en_n"]
    unit = (match["unit"] or match["en_unit"] or "").lower()
    if count is not None:
        number = 1 if count.lower() in ("a", "an") else int(count)
        if unit in RELATIVE_UNIT_SECONDS:
            ago = now - timedelta(seconds=number * RELATIVE_UNIT_SECONDS[unit])
            return ago.replace(second=0, microsecond=0)
        return today - timedelta(days=number * RELATIVE_UNIT_DAYS[unit])
    day = (match["day"] or match["en_day"] or "").lower()
    value = today - timedelta(days=RELATIVE_DAY_NAMES[day])
    hour, minute = int(match["rH"] or match["eH"]), int(match["rM"] or match["eM"])
    if hour > 23 or minute > 59:
        return None
    return value.replace(hour=hour, minute=minute)


def _month_day(match: re.Match[str], fetched_at: datetime) -> datetime | None:
    """ "05-31" or "5月31日 08:12" in the fetch's year, or the year before if that is later."""
    now = fetched_at.astimezone(BEIJING)
    month, day = (match["m"], match["d"]) if match["m"] else (match["cm"], match["cd"])
    for year in (now.year, now.year - 1):
        value = _build(str(year), month, day, match["H"], match["M"], None)
        if value is None:
            continue  # 02-29 outside a leap year
        value = value.replace(tzinfo=BEIJING)
        if value <= now + LATEST_SLACK:
            return value
    return None


def _short_year(match: re.Match[str], fetched_at: datetime) -> datetime | None:
    """ "31.10.23": the year of that century that is not after the fetch."""
    year = 2000 + int(match["y"])
    if year > fetched_at.year:
        year -= 100
    value = _build(str(year), match["m"], match["d"], match["H"], match["M"], None)
    return value.replace(tzinfo=BEIJING) if value is not None else None


def _raw(match: re.Match[str]) -> str:
    """A date as shown; a time run into the day ("18-03-0823:16", two <span>s side by side)
    set apart by a space."""
    raw = match.group(0).strip()
    hour = match.start("H") if "H" in match.re.groupindex and match["H"] else -1
    if hour > 0 and match.string[hour - 1].isdigit():
        return f"{match.string[match.start() : hour]} {match.string[hour : match.end()]}".strip()
    return raw


def find_dates(
    text: str, fetched_at: datetime, *, short_years: bool = False, labelled: bool = False
) -> list[_Found]:
    """Every date in `text` in order: full dates, then dates without a year and relative ones
    where they do not overlap a full date, and with `short_years` day-first dates with a
    two-digit year ("31.10.23"), with `labelled` year-first ones too ("18-03-08", read where
    a publish-date label stands before). Values are UTC (None when impossible)."""
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    # English month names cost most of the full regex; most windows have none.
    full = DATE_RE if any(month in lowered for month in MONTH_NUMBERS) else NUMERIC_DATE_RE
    for match in full.finditer(text) if may_hold_date(text) else ():
        parsed = _from_match(match)
        found.append(_Found(match.start(), _raw(match), _to_utc(parsed) if parsed else None))
        taken.append(match.span())
    loose: list[tuple[re.Pattern[str], Callable[[re.Match[str], datetime], datetime | None]]]
    loose = [(MONTH_DAY_RE, _month_day)]
    if short_years:
        loose.insert(0, (SHORT_YEAR_DATE_RE, _short_year))
    if labelled:
        loose.insert(0, (SHORT_YMD_DATE_RE, _short_year))
    # The relative regex is slow (alternatives at every position): run it only where one of
    # its words occurs.
    if any(word in lowered for word in RELATIVE_DATE_WORDS):
        loose.insert(0, (RELATIVE_DATE_RE, _relative))
    for regex, resolve in loose:
        for match in regex.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            value = resolve(match, fetched_at)
            found.append(_Found(start, _raw(match), _to_utc(value) if value else None))
            taken.append((start, end))
    found.sort(key=lambda item: item.start)
    return found


def _ends_with_label(before: str, label_re: re.Pattern[str]) -> bool:
    return any(m.end() == len(before) for m in label_re.finditer(before))


def _is_prose(line: str, raw: str) -> bool:
    """A date inside a sentence ("自2024年3月15日起,…") rather than on a metadata line: the
    line has sentence punctuation outside its dates."""
    rest = DATE_RE.sub("", line.replace(raw, ""))
    return any(char in PROSE_PUNCTUATION for char in rest)


def _candidates_in(
    pieces: list[str], fetched_at: datetime, *, label_re: re.Pattern[str] | None
) -> Iterator[PublishDate]:
    """Dates in consecutive text pieces: labelled ones when `label_re` is given, else the ones
    standing on a line of their own. Update dates never count."""
    text = " ".join(pieces)
    bounds: list[int] = []
    offset = 0
    for piece in pieces:
        bounds.append(offset)
        offset += len(piece) + 1
    for item in find_dates(text, fetched_at, short_years=True, labelled=label_re is not None):
        before = text[max(0, item.start - 16) : item.start]
        if UPDATED_LABEL_RE.search(before):
            continue
        if label_re is not None:
            if not _ends_with_label(before, label_re):
                continue
        else:
            index = bisect_right(bounds, item.start) - 1
            if _is_prose(pieces[index], item.raw):
                continue
            # A two-digit year ("31.05.24") only on a date line: in a sentence it is a
            # version number ("Version 1.2.12 erschien …").
            short_year = SHORT_YEAR_DATE_RE.fullmatch(item.raw) is not None
            if short_year and len(pieces[index]) - len(item.raw) > _LOOSE_REST_MAX_CHARS:
                continue
        yield PublishDate(item.at, item.raw, "text", labelled=label_re is not None)


def _lines_after_heading(root: Element, heading: Element | None) -> list[str]:
    """The lines after the title heading (the start of the body when there is none)."""
    if heading is not None:
        return lines_after(heading, DATE_WINDOW_AFTER, SKIP_TAGS, BLOCK_TAGS)
    body = root.find("body")
    return [] if body is None else lines_start(body, DATE_WINDOW_AFTER, SKIP_TAGS, BLOCK_TAGS)


def _narrow(lines: list[str]) -> list[str]:
    """The first lines, up to BARE_DATE_WINDOW_AFTER characters."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size >= BARE_DATE_WINDOW_AFTER:
            break
        out.append(line)
        size += len(line)
    return out


def _text_candidates(
    root: Element, heading: Element | None, fetched_at: datetime, all_lines: Sequence[str]
) -> Iterator[PublishDate]:
    """Labelled dates after the title heading, then just before it; then a bare date on a line
    of its own right next to it; then a strongly labelled date anywhere.

    The generator is lazy: the text before the heading is read only when the lines under it
    (where the info line usually is) hold no labelled date.
    """
    after = _lines_after_heading(root, heading)
    yield from _candidates_in(after, fetched_at, label_re=PUBLISHED_LABEL_RE)
    yield from _byline_candidates(after, fetched_at)
    before = [] if heading is None else pieces_before(heading, DATE_WINDOW_BEFORE, SKIP_TAGS)
    yield from _candidates_in(before, fetched_at, label_re=PUBLISHED_LABEL_RE)
    for line in [] if heading is None else _heading_sublines(heading):
        # A date opening the heading's own info line ("02.02.2022 • Verband, Presse").
        found = find_dates(line, fetched_at, short_years=True)
        if found and found[0].at is not None and not line[: found[0].start].strip(" •|·-–"):
            yield PublishDate(found[0].at, found[0].raw, "text")
    yield from _candidates_in([*before, *_narrow(after)], fetched_at, label_re=None)
    for line in all_lines:
        lowered = line.lower()
        if any(word in lowered for word in STRONG_LABEL_WORDS):
            yield from _candidates_in([line], fetched_at, label_re=STRONG_PUBLISHED_LABEL_RE)


def _byline_candidates(lines: Sequence[str], fetched_at: datetime) -> Iterator[PublishDate]:
    """The first date on a short info line under the title that names the source or author
    ("2015-07-04 08:44:22 来源: 网易财经"): the article's own date, labelled by its line."""
    for line in lines:
        if len(line) > _MARKED_TEXT_MAX_CHARS or not BYLINE_LABEL_RE.search(line):
            continue
        for item in find_dates(line, fetched_at):
            before = line[max(0, item.start - 16) : item.start]
            if item.at is not None and not UPDATED_LABEL_RE.search(before):
                yield PublishDate(item.at, item.raw, "text", labelled=True)
                break


def _heading_sublines(heading: Element) -> list[str]:
    """The lines a title heading holds under its title (`<h1>Title<br><small>02.02.2022 •
    Verband</small></h1>`): the heading's own info line."""
    return [
        line
        for child in heading
        if child.tag in _HEADING_SUBLINE_TAGS
        and 0 < len(line := collapse(visible_text(child))) <= _MARKED_TEXT_MAX_CHARS
    ]


_HEADING_SUBLINE_TAGS = frozenset({"small", "span", "time", "div", "p"})


def _url_candidates(url: str) -> Iterator[PublishDate]:
    path = url.split("://", 1)[-1].partition("/")[2]
    for match in URL_DATE_RE.finditer(path):
        if match["sy"]:
            value = _build(match["sy"], match["sm"], match["sd"], None, None, None)
        else:
            value = _build(match["y"], match["m"], match["d"], None, None, None)
        if value is not None:
            yield PublishDate(_to_utc(value), match.group(0), "url")
    for match in URL_DMY_DATE_RE.finditer(path):
        value = _build(match["y"], match["m"], match["d"], None, None, None)
        if value is not None:
            yield PublishDate(_to_utc(value), match.group(0), "url")


def url_date(url: str, fetched_at: datetime) -> PublishDate:
    """The first plausible full date in the URL's path, or NO_DATE."""
    fetched_at = _aware(fetched_at)
    return next(
        (c for c in _url_candidates(url) if c.at is not None and is_plausible(c.at, fetched_at)),
        NO_DATE,
    )


def _title_candidates(
    root: Element, meta: dict[str, str], fetched_at: datetime
) -> Iterator[PublishDate]:
    """A full date standing as a part of <title> or og:title of its own ("Story | DW |
    23.05.2011"): the site stamps the page with it. Source "title"."""
    titles = [collapse(text_content(el)) for el in root.iter("title")][:1]
    titles.append(meta.get("og:title", ""))
    for title in titles:
        for piece in TITLE_SEPARATORS_RE.split(title):
            part = piece.strip()
            if not part or len(part) > _TITLE_DATE_MAX_CHARS:
                continue
            for item in find_dates(part, fetched_at):
                if item.raw == part and item.at is not None:
                    yield PublishDate(item.at, item.raw, "title")


#: Longest part of a title that can be a date alone ("Mittwoch, 23. September 2015").
_TITLE_DATE_MAX_CHARS = 40


def _loose_meta_candidates(meta: dict[str, str]) -> Iterator[PublishDate]:
    """<meta> keys outside PUBLISHED_META_KEYS that still name a creation date
    ("five_hundred_pixels:uploaded", "citation_online_date"), in document order; never an
    update or expiry date."""
    for key, raw in meta.items():
        if key in PUBLISHED_META_KEYS or not any(word in key for word in LOOSE_META_WORDS):
            continue
        if any(word in key for word in LOOSE_META_EXCLUDED):
            continue
        at = parse_date(raw)
        if at is not None:
            yield PublishDate(at, raw, "meta")


def _script_candidates(root: Element) -> Iterator[PublishDate]:
    """A publish-date key in a page's inline JSON state ("publishedDate", "published_at",
    "createdAt"), the first in document order; source "script"."""
    for script in root.iter("script"):
        if script.get("src") is not None or not script.text:
            continue
        match = SCRIPT_DATE_RE.search(script.text, 0, _SCRIPT_MAX_CHARS)
        if match is not None:
            yield PublishDate(parse_date(match["value"]), match["value"], "script")


#: Characters of one script searched for a date key (state blobs run to megabytes).
_SCRIPT_MAX_CHARS = 200_000


def _page_candidates(
    root: Element, page_lines: Sequence[str], fetched_at: datetime
) -> Iterator[PublishDate]:
    """The weakest rule, htmldate's search of the whole page: every full date in the page's
    text outside lists and sentences and in tooltips (title attributes), counted per day; of the
    ten most frequent, the earliest two are compared and the earlier wins unless the later is
    of another year and at least half as frequent. Source "page"."""
    counts: dict[date, int] = defaultdict(int)
    first: dict[date, PublishDate] = {}

    def count(at: datetime | None, raw: str) -> None:
        if at is None or not is_plausible(at, fetched_at):
            return
        day = at.astimezone(BEIJING).date()
        counts[day] += 1
        first.setdefault(day, PublishDate(at, raw, "page"))

    for line in page_lines:
        if not may_hold_date(line):
            continue
        lowered = line.lower()
        full = DATE_RE if any(m in lowered for m in MONTH_NUMBERS) else NUMERIC_DATE_RE
        for match in full.finditer(line):
            before = line[max(0, match.start() - 16) : match.start()]
            raw = match.group(0).strip()
            if UPDATED_LABEL_RE.search(before) or (match.start() and _in_sentence(line, raw)):
                continue
            parsed = _from_match(match)
            count(_to_utc(parsed) if parsed else None, raw)
    # Link paths are left out: on a farm page they are the related articles' dates.
    for value in strings(PAGE_DATE_ATTRIBUTES, root):
        if len(value) <= _MARKED_TEXT_MAX_CHARS:
            count(parse_date(value), value.strip())
    if not counts:
        return
    frequent = sorted(sorted(counts, key=counts.__getitem__, reverse=True)[:10])[:2]
    best = frequent[0]
    if len(frequent) == 2:
        later = frequent[1]
        if counts[later] != counts[best] and (
            later.year != best.year and counts[later] / counts[best] > _LATER_MIN_SHARE
        ):
            best = later
    yield first[best]


#: htmldate's rule: a later date of another year wins when at least this share as frequent.
_LATER_MIN_SHARE = 0.5


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def extract_publish_date(
    root: Element,
    jsonld: list[dict[str, Any]],
    *,
    heading: Element | None,
    url: str,
    fetched_at: datetime,
    lines: Sequence[str] = (),
    page_lines: Sequence[str] = (),
    all_lines: Sequence[str] = (),
    meta: dict[str, str] | None = None,
) -> PublishDate:
    """Return the first plausible publish date of the cascade meta > jsonld > time > text >
    date-marked elements > metadata lines > created dates > url > title > script > loose meta
    > loose lines > page, checked against a date in the URL.

    `heading` is the title's <h1>; text dates are looked for next to it first. Dates without
    a year ("05-31") and relative ones ("3天前", "昨天 08:12") are read against `fetched_at`.
    `lines` are the page's text lines outside its regions (without links), for the last
    resort: a full date on a short line of its own. `page_lines` are its text lines outside
    lists (footer and body), for the weakest rule, a frequency count over the whole page;
    `all_lines` every line, where a strongly labelled date ("发布时间:") counts anywhere.
    `meta` is the page's `meta_contents`, when the caller has it already.
    """
    fetched_at = _aware(fetched_at)
    if meta is None:
        meta = meta_contents(root)
    props: dict[Element, list[tuple[Element, str]]] = {}
    cascade = (
        # <meta> first, in document order, as htmldate reads the header: where the two
        # disagree, the header agreed with the gold more often on the real-page corpora.
        _meta_candidates(meta),
        _jsonld_candidates(jsonld),
        _time_candidates(root, url),
        _markup_candidates(root, classed_only=False, props=props),
        _text_candidates(root, heading, fetched_at, all_lines),
        _markup_candidates(root, classed_only=True, fetched_at=fetched_at),
        _meta_line_candidates(root, fetched_at),
        # A creation or upload date (JSON-LD, microdata, RDFa) is the publish date of a page
        # that states none, after what its text says.
        _jsonld_candidates(jsonld, JSONLD_CREATED_KEYS),
        _markup_candidates(root, classed_only=False, created_prop="datecreated", props=props),
        _url_candidates(url),
        _title_candidates(root, meta, fetched_at),
        _script_candidates(root),
        _loose_meta_candidates(meta),
        _loose_candidates(lines, fetched_at),
        _page_candidates(root, page_lines, fetched_at),
    )
    for candidates in cascade:
        for candidate in candidates:
            if candidate.at is not None and is_plausible(candidate.at, fetched_at):
                found = candidate
                if found.source in _MARKUP_SOURCES:
                    found = _with_time(found, jsonld, fetched_at)
                    found = _in_page_zone(found, meta, jsonld, root, url)
                return _checked_against_url(found, url, fetched_at)
    return NO_DATE


def _with_time(
    found: PublishDate, jsonld: list[dict[str, Any]], fetched_at: datetime
) -> PublishDate:
    """A <meta> day without a time ("2023-11-08") gives way to JSON-LD's timestamp of the
    same publication, within a day of it ("2023-11-09T03:02:34-05:00"): the timestamp is
    the precise value, the bare day often the day in another zone."""
    if found.source != "meta" or not _DAY_ONLY_RE.match((found.raw or "").strip()):
        return found
    for other in _jsonld_candidates(jsonld):
        raw = other.raw or ""
        if (
            other.at is not None
            and found.at is not None
            and not _DAY_ONLY_RE.match(raw.strip())
            and is_plausible(other.at, fetched_at)
            and abs(other.at - found.at) <= _SAME_PUBLICATION
        ):
            return other
    return found


_DAY_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A bare day (read as Beijing midnight) and a timestamp anywhere on that day or the next
#: in any zone.
_SAME_PUBLICATION = timedelta(days=2)


#: Sources whose raw string is a machine timestamp, maybe written in UTC.
_MARKUP_SOURCES = frozenset({"meta", "jsonld", "time"})
_UTC_SUFFIX_RE = re.compile(r"(?:Z|[+-]00:?00)$", re.IGNORECASE)


def _in_page_zone(
    found: PublishDate,
    meta: dict[str, str],
    jsonld: list[dict[str, Any]],
    root: Element,
    url: str,
) -> PublishDate:
    """The same instant as the page writes it in its own zone: a UTC timestamp
    ("2022-05-04T00:53Z") gives way to another markup string of the same instant with an
    offset ("2022-05-03T21:53-03:00"), which states the day the page was published on."""
    if not found.raw or not _UTC_SUFFIX_RE.search(found.raw.strip()) or found.at is None:
        return found
    for other in (
        *_meta_candidates(meta),
        *_jsonld_candidates(jsonld),
        *_time_candidates(root, url),
    ):
        raw = (other.raw or "").strip()
        if (
            other.at is not None
            and abs(other.at - found.at) <= _SAME_INSTANT
            and _own_zone_day(raw) is not None
            and not _UTC_SUFFIX_RE.search(raw)
        ):
            return PublishDate(found.at, raw, found.source, found.labelled)
    return found


_SAME_INSTANT = timedelta(minutes=1)


def _own_zone_day(raw: str) -> date | None:
    """The calendar day of an ISO 8601 string with its own zone, as the page wrote it."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.date() if value.tzinfo is not None else None


def _checked_against_url(found: PublishDate, url: str, fetched_at: datetime) -> PublishDate:
    """A full date in the URL is set when the page is first published: a date found on the
    page more than a week away from it (a later edit shown as "datePublished", a date from the
    text) gives way to it; within a week it is the same publication (`_URL_AGREES`)."""
    if found.source == "url":
        return found
    in_url = next(
        (c for c in _url_candidates(url) if c.at is not None and is_plausible(c.at, fetched_at)),
        None,
    )
    if in_url is None or in_url.at is None or found.at is None:
        return found
    # A date read from the text on another day than the URL's is an event the story tells
    # of ("eröffnet am 18. Oktober"); markup dates agree within a week (zones, edits)...
    agrees = _TEXT_URL_AGREES if found.source in _TEXT_SOURCES else _URL_AGREES
    if abs(found.at - in_url.at) >= agrees:
        return in_url
    # ... except a UTC timestamp on another day than the URL's: UTC is not the publisher's
    # calendar, the URL's day is ("2023-11-09T03:28Z" for an evening story under
    # /2023/11/08/). A time written in the page's own zone keeps its day.
    raw = (found.raw or "").strip()
    if (
        found.source in _MARKUP_SOURCES
        and _UTC_SUFFIX_RE.search(raw)
        and _own_zone_day(raw) != in_url.at.astimezone(BEIJING).date()
    ):
        return in_url
    return found


#: A found date this close to the URL's is the same publication (another time zone, a date
#: shown in the page's own zone, a story updated over the following days).
_URL_AGREES = timedelta(days=7)
_TEXT_URL_AGREES = timedelta(days=1)
_TEXT_SOURCES = frozenset({"text", "page"})
