"""Steps: ordered procedures in the main content.

A procedure is an <ol> of two or more items, or a run of two or more lines numbered
consecutively from 1 in one marker style ("1." "1、" "(1)" "①" "Step 1" "第一步" "步骤一").
"一、" section headings are not steps; a heading just before a procedure is its title. Lines
between two numbered lines belong to the earlier step; a heading ends the run. Link lists
(related blocks, menus) are never procedures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.extract.body import is_heading_unit
from pipelines.extract.selectors import (
    CHINESE_DIGITS,
    CIRCLED_NUMBERS,
    HEADING_LIKE_MAX_CHARS,
    HEADING_LINE_MARKERS,
    MIN_STEPS,
    SENTENCE_END_CHARS,
    STEP_COLON_RE,
    STEP_HEADING_MAX_CHARS,
    STEP_MARKER_RE,
    STEP_MAX_LINK_SHARE,
)

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from pipelines.extract.layout import Unit


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its procedure (1-based on the page), number, short heading and text."""

    procedure: int
    procedure_title: str | None
    number: int
    heading: str | None
    text: str


@dataclass(slots=True)
class _Entry:
    """A paragraph, heading, or whole list item of the main content, in document order."""

    texts: list[str]
    link_chars: int
    heading: bool
    list_element: Element | None = None
    li: Element | None = None

    @property
    def text(self) -> str:
        """The entry's first line (a list item's first paragraph)."""
        return self.texts[0]

    @property
    def link_share(self) -> float:
        """Share of the entry's characters inside links."""
        size = sum(len(text) for text in self.texts)
        return self.link_chars / size if size else 0.0


@dataclass(slots=True)
class _Item:
    number: int
    style: str
    rest: str
    following: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Run:
    start: int  # index of the first entry
    end: int  # index of the last entry
    style: str
    items: list[_Item]


def chinese_number(value: str) -> int | None:
    """Read 1-99 written as digits or Chinese numerals ("三", "十二", "二十一")."""
    if value.isdigit():
        return int(value)
    if "十" in value:
        tens, _, units = value.partition("十")
        tens_value = CHINESE_DIGITS.get(tens, -1) if tens else 1
        units_value = CHINESE_DIGITS.get(units, -1) if units else 0
        if tens_value < 0 or units_value < 0:
            return None
        return tens_value * 10 + units_value
    if len(value) == 1 and value in CHINESE_DIGITS:
        return CHINESE_DIGITS[value]
    return None


def parse_marker(text: str) -> tuple[str, int, str] | None:
    """Split a numbered line into (marker style, number, rest); None when it is not numbered."""
    match = STEP_MARKER_RE.match(text)
    if match is None:
        return None
    style = next(
        name for name in ("cn", "bz", "en", "par", "circ", "dot", "dun", "paren") if match[name]
    )
    raw = match[f"{style}_n"]
    number = CIRCLED_NUMBERS.index(raw) + 1 if style == "circ" else chinese_number(raw)
    if number is None:
        return None
    return style, number, text[match.end() :].strip()


def is_heading_like(text: str) -> bool:
    """A short line without sentence punctuation ("重要提醒", "注意事项:") reads as a heading."""
    text = text.strip()
    return 0 < len(text) <= HEADING_LIKE_MAX_CHARS and not any(
        char in text for char in SENTENCE_END_CHARS
    )


def split_heading(style: str, rest: str, following: list[str]) -> tuple[str | None, str]:
    """Return (heading, text) of a step line and the paragraphs that follow it.

    "第一步:登录账户" + paragraph: the heading is the line, the text the paragraph.
    "1. 登录账号: 首先…": the heading is the words before the colon (if short), the text the rest.
    """
    rest = rest.strip(" :：.、-")
    tail = "\n".join(following)
    heading_line = style in HEADING_LINE_MARKERS or not STEP_COLON_RE.search(rest)
    if following and heading_line and len(rest) <= STEP_HEADING_MAX_CHARS:
        return (rest or None), tail
    colon = STEP_COLON_RE.search(rest)
    if colon is not None and 0 < colon.start() <= STEP_HEADING_MAX_CHARS:
        heading = rest[: colon.start()].strip()
        text = rest[colon.end() :].strip()
        if text or tail:
            return heading, "\n".join(part for part in (text, tail) if part)
    return None, "\n".join(part for part in (rest, tail) if part)


def _entries(units: list[Unit]) -> list[_Entry]:
    entries: list[_Entry] = []
    for unit in units:
        li = unit.li
        list_element = li.getparent() if li is not None else None
        if li is not None and entries and entries[-1].li is li:
            entries[-1].texts.append(unit.text)
            entries[-1].link_chars += unit.link_chars
            continue
        entries.append(
            _Entry(
                texts=[unit.text],
                link_chars=unit.link_chars,
                heading=is_heading_unit(unit),
                list_element=list_element,
                li=li,
            )
        )
    return entries


def _ol_start(list_element: Element) -> int:
    start = (list_element.get("start") or "1").strip()
    return int(start) if start.isdigit() else 1


def _ordered_list_runs(entries: list[_Entry]) -> list[_Run]:
    runs: list[_Run] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        list_element = entry.list_element
        if list_element is None or list_element.tag != "ol":
            index += 1
            continue
        end = index
        while end < len(entries) and entries[end].list_element is list_element:
            end += 1
        group = entries[index:end]
        number = _ol_start(list_element)
        if (
            number == 1
            and len(group) >= MIN_STEPS
            and all(item.link_share <= STEP_MAX_LINK_SHARE for item in group)
        ):
            items = []
            for offset, item in enumerate(group):
                rest = item.text
                marker = parse_marker(rest)
                if marker is not None and marker[1] == number + offset:
                    rest = marker[2]  # "<li>1. 登录</li>": the number is already in the list
                items.append(_Item(number + offset, "ol", rest, item.texts[1:]))
            runs.append(_Run(index, end - 1, "ol", items))
        index = end
    return runs


def _marker_runs(entries: list[_Entry]) -> list[_Run]:
    runs: list[_Run] = []
    current: _Run | None = None
    pending: list[str] = []  # unnumbered lines after the current step

    def close() -> None:
        """End the current run; keep it if it has enough steps."""
        nonlocal current
        if current is not None and len(current.items) >= MIN_STEPS:
            _trim_last(current, pending)
            runs.append(current)
        current = None

    for index, entry in enumerate(entries):
        in_ol = entry.list_element is not None and entry.list_element.tag == "ol"
        marker = None if in_ol else parse_marker(entry.text)
        if marker is not None and entry.link_share > STEP_MAX_LINK_SHARE:
            marker = None
        if marker is not None:
            style, number, rest = marker
            following = entry.texts[1:]
            if (
                current is not None
                and style == current.style
                and number == current.items[-1].number + 1
            ):
                current.items[-1].following.extend(pending)
                current.items.append(_Item(number, style, rest, following))
                current.end = index
                pending = []
                continue
            close()
            pending = []
            if number == 1:
                current = _Run(index, index, style, [_Item(number, style, rest, following)])
            continue
        if current is None:
            continue
        if in_ol or entry.heading or is_heading_like(entry.text):
            close()
            pending = []
            continue
        if entry.link_share <= STEP_MAX_LINK_SHARE:
            pending.extend(entry.texts)
    close()
    return runs


def _is_heading_line(item: _Item) -> bool:
    """A step line that is only a heading ("第一步:登录账户"), its text being what follows."""
    rest = item.rest.strip(" :：.、-")
    return item.style in HEADING_LINE_MARKERS or (
        len(rest) <= STEP_HEADING_MAX_CHARS and not STEP_COLON_RE.search(rest)
    )


def _trim_last(run: _Run, pending: list[str]) -> None:
    """Nothing marks where the last step ends: a heading line takes the one paragraph under
    it, a step with its own text takes none, so the conclusion after a procedure stays out."""
    last = run.items[-1]
    if not last.following and pending and _is_heading_line(last):
        last.following.append(pending[0])


def _procedure_title(entries: list[_Entry], start: int, floor: int) -> str | None:
    """The heading just before a procedure (an intro line may sit between), markup first."""
    window = [entries[k] for k in range(max(floor, start - 2), start)]
    for accept in (lambda e: e.heading, lambda e: is_heading_like(e.text)):
        for entry in reversed(window):
            if accept(entry):
                return entry.text.rstrip(" :：")
    return None


def extract_steps(units: list[Unit]) -> list[Step]:
    """Return the steps of every procedure in the main content's units, in document order."""
    entries = _entries(units)
    runs = sorted(_ordered_list_runs(entries) + _marker_runs(entries), key=lambda run: run.start)
    steps: list[Step] = []
    floor = 0
    for procedure, run in enumerate(runs, start=1):
        title = _procedure_title(entries, run.start, floor)
        floor = run.end + 1
        for item in run.items:
            heading, text = split_heading(item.style, item.rest, item.following)
            steps.append(Step(procedure, title, item.number, heading, text))
    return steps
