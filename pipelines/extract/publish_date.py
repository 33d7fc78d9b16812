"""Publish date: a cascade of candidates (JSON-LD, meta, <time>, text, URL), then a validator.

Candidates are tried in order and the first plausible one wins: not after fetched_at plus a
day, not before 1995. A time shown without a zone is Beijing time (UTC+8; China has no DST).
Update/modification dates are never candidates. No date found means all three fields are None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from pipelines.extract.jsonld import first_string
from pipelines.extract.meta import meta_contents
from pipelines.extract.selectors import (
    BARE_DATE_WINDOW_AFTER,
    DATE_RE,
    DATE_WINDOW_AFTER,
    DATE_WINDOW_BEFORE,
    LABELLED_DATE_TEXT,
    MONTH_NUMBERS,
    PUBLISHED_LABEL_RE,
    PUBLISHED_META_KEYS,
    SKIP_TAGS,
    STRONG_PUBLISHED_LABEL_RE,
    UPDATED_LABEL_RE,
    UPDATED_WORDS,
    URL_DATE_RE,
)
from pipelines.extract.text import collapse, strings, text_after, text_before, text_start

if TYPE_CHECKING:
    from collections.abc import Iterator

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
    groups = match.groupdict()
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
    if groups["ey"]:
        month = MONTH_NUMBERS[groups["em"].lower()]
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


def _jsonld_candidates(jsonld: list[dict[str, Any]]) -> Iterator[PublishDate]:
    raw = first_string(jsonld, "datePublished")
    if raw:
        yield PublishDate(parse_date(raw), raw, "jsonld")


def _meta_candidates(root: Element) -> Iterator[PublishDate]:
    found = meta_contents(root)
    for key in PUBLISHED_META_KEYS:
        raw = found.get(key)
        if raw:
            yield PublishDate(parse_date(raw), raw, "meta")


def _is_updated_time(element: Element) -> bool:
    marks = " ".join(
        element.get(attr) or "" for attr in ("class", "itemprop", "id", "name")
    ).lower()
    return any(word in marks for word in UPDATED_WORDS)


def _time_candidates(root: Element) -> Iterator[PublishDate]:
    body = root.find("body")
    found = body.iter("time") if body is not None else iter(())
    times = [el for el in found if el.get("datetime") and not _is_updated_time(el)]
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
            yield PublishDate(parse_date(raw), raw, "time")


def _dates_in(text: str, *, labelled_only: bool, strong: bool = False) -> Iterator[PublishDate]:
    label_re = STRONG_PUBLISHED_LABEL_RE if strong else PUBLISHED_LABEL_RE
    for match in DATE_RE.finditer(text):
        before = text[max(0, match.start() - 16) : match.start()]
        if UPDATED_LABEL_RE.search(before):
            continue
        if labelled_only and not _ends_with_label(before, label_re):
            continue
        parsed = _from_match(match)
        if parsed is not None:
            yield PublishDate(_to_utc(parsed), match.group(0).strip(), "text")


def _ends_with_label(before: str, label_re: re.Pattern[str]) -> bool:
    return any(m.end() == len(before) for m in label_re.finditer(before))


def _heading_windows(root: Element, heading: Element | None) -> tuple[str, str]:
    """Text around the title heading: a wide window for labelled dates, a narrow one for bare."""
    if heading is None:
        body = root.find("body")
        before = ""
        after = text_start(body, DATE_WINDOW_AFTER, SKIP_TAGS) if body is not None else ""
    else:
        before = text_before(heading, DATE_WINDOW_BEFORE, SKIP_TAGS)
        after = text_after(heading, DATE_WINDOW_AFTER, SKIP_TAGS)
    return f"{before} {after}", f"{before} {after[:BARE_DATE_WINDOW_AFTER]}"


def _text_candidates(root: Element, heading: Element | None) -> Iterator[PublishDate]:
    wide, narrow = _heading_windows(root, heading)
    yield from _dates_in(wide, labelled_only=True)
    # A bare date in running prose is too weak; only right next to the heading does it count.
    yield from _dates_in(narrow, labelled_only=False)
    for text in strings(LABELLED_DATE_TEXT, root):
        yield from _dates_in(collapse(str(text)), labelled_only=True, strong=True)


def _url_candidates(url: str) -> Iterator[PublishDate]:
    path = url.split("://", 1)[-1].partition("/")[2]
    for match in URL_DATE_RE.finditer(path):
        value = _build(match["y"], match["m"], match["d"], None, None, None)
        if value is not None:
            yield PublishDate(_to_utc(value), match.group(0), "url")


def extract_publish_date(
    root: Element,
    jsonld: list[dict[str, Any]],
    *,
    heading: Element | None,
    url: str,
    fetched_at: datetime,
) -> PublishDate:
    """Return the first plausible publish date of the cascade jsonld > meta > time > text > url.

    `heading` is the title's <h1>; text dates are looked for next to it first.
    """
    cascade = (
        _jsonld_candidates(jsonld),
        _meta_candidates(root),
        _time_candidates(root),
        _text_candidates(root, heading),
        _url_candidates(url),
    )
    for candidates in cascade:
        for candidate in candidates:
            if candidate.at is not None and is_plausible(candidate.at, fetched_at):
                return candidate
    return NO_DATE
