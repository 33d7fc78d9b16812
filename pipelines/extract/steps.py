"""Steps: ordered procedures in the main content.

A procedure is an <ol> (or <ul type="1">) of two or more items, or a run of two or more lines
numbered consecutively from 1 in one marker style ("1." "1、" "(1)" "①" "Step 1" "第一步"
"步骤一"). "一、" section headings are not steps; a heading just before a procedure is its title.
Lines between two numbered lines belong to the earlier step; a heading ends the run. Sub-steps
(a nested list, or "(1)" lines inside a "1." step) stay in their step's text. Link lists
(related blocks, menus) are never procedures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.extract.body import is_heading_unit
from pipelines.extract.selectors import (
    CHINESE_DIGITS,
    CIRCLED_NUMBERS,
    CJK_RE,
    CLASS_TOKEN_SPLIT_RE,
    HEADING_LIKE_MAX_CHARS,
    HEADING_LINE_MARKERS,
    MIN_STEPS,
    ORDERED_UL_TYPES,
    PROCEDURE_WORDS_RE,
    SENTENCE_END_CHARS,
    SENTENCE_ENDS,
    STEP_COLON_RE,
    STEP_HEADING_MAX_CHARS,
    STEP_HEADING_MAX_CHARS_LATIN,
    STEP_HEADING_MAX_WORDS,
    STEP_LINE_RE,
    STEP_LIST_TOKENS,
    STEP_MARKER_RE,
    STEP_MAX_LINK_SHARE,
    STEP_REFERENCE_RE,
)
from pipelines.extract.text import collapse

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from pipelines.extract.layout import Unit


def reads_as_procedure(
    steps: list[Step], *, title: str | None, body_text: str, howto: bool
) -> bool:
    """Evidence that the numbered lists found are steps: HowTo markup, a title or a heading
    over the list that names a procedure ("如何…", "操作步骤", "How to", "Zubereitung"), or
    lines opening with "Step 1" / "第一步". Without it an <ol> is a reference list, a track
    list or a ranking."""
    if not steps or howto:
        return True
    texts = [f"{s.heading or ''} {s.text}" for s in steps]
    if all(len(text.split()) < _NAME_MAX_WORDS and not CJK_RE.search(text) for text in texts):
        return False  # a list of names ("Aryna Sabalenka", "Iga Swiatek"), not of actions
    if title and PROCEDURE_WORDS_RE.search(title):
        return True
    if any(s.procedure_title and PROCEDURE_WORDS_RE.search(s.procedure_title) for s in steps):
        return True
    if len(steps) <= _REFERRING_MAX_STEPS and any(
        int(match["n"] or match["cn"]) < step.number
        for step, text in zip(steps, texts, strict=True)
        for match in STEP_REFERENCE_RE.finditer(text)
    ):
        return True  # "die dwg aus Schritt 2 …" in step 3: items that refer back to steps
    return STEP_LINE_RE.search(body_text) is not None


#: Latin-script list items all shorter than this many words are names, not steps.
_NAME_MAX_WORDS = 3
#: A list this long referring to "step 2" is a numbered discussion, not a procedure.
_REFERRING_MAX_STEPS = 20


def howto_steps(jsonld: list[dict[str, Any]]) -> list[Step]:
    """Steps from JSON-LD HowTo / Recipe markup (HowToStep objects, HowToSection lists, or
    plain strings), for pages whose steps are not in a numbered list."""
    for obj in jsonld:
        kind = str(obj.get("@type", ""))
        if "HowTo" not in kind and "Recipe" not in kind:
            continue
        raw = obj.get("step") or obj.get("recipeInstructions")
        items: list[Any] = raw if isinstance(raw, list) else [raw] if raw else []
        flat: list[Any] = []
        for item in items:
            inner = item.get("itemListElement") if isinstance(item, dict) else None
            flat.extend(inner if isinstance(inner, list) else [item])
        texts: list[tuple[str | None, str]] = []
        for item in flat:
            if isinstance(item, str):
                text, name = collapse(item), None
            elif isinstance(item, dict):
                text = collapse(str(item.get("text") or ""))
                name = collapse(str(item.get("name") or "")) or None
            else:
                continue
            if text:
                texts.append((None if name is None or text.startswith(name) else name, text))
        if len(texts) >= MIN_STEPS:
            title = obj.get("name")
            procedure_title = collapse(title) if isinstance(title, str) else None
            return [
                Step(1, procedure_title or None, number, heading, text)
                for number, (heading, text) in enumerate(texts, start=1)
            ]
    return []


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


def fits_heading(text: str) -> bool:
    """Short enough to be a step heading: 20 characters, or a few words of Latin script."""
    if len(text) <= STEP_HEADING_MAX_CHARS:
        return True
    return (
        text.isascii()
        and len(text) <= STEP_HEADING_MAX_CHARS_LATIN
        and len(text.split()) <= STEP_HEADING_MAX_WORDS
    )


def split_heading(style: str, rest: str, following: list[str]) -> tuple[str | None, str]:
    """Return (heading, text) of a step line and the paragraphs that follow it.

    "第一步:登录账户" + paragraph: the heading is the line, the text the paragraph.
    "1. 登录账号: 首先…": the heading is the words before the colon (if short), the text the rest.
    """
    heading_line = _is_heading_line(style, rest)
    rest = rest.strip(" :：.、-")
    tail = "\n".join(following)
    if following and heading_line and fits_heading(rest):
        return (rest or None), tail
    colon = STEP_COLON_RE.search(rest)
    if colon is not None and colon.start() > 0 and fits_heading(rest[: colon.start()].strip()):
        heading = rest[: colon.start()].strip()
        text = rest[colon.end() :].strip()
        if text or tail:
            return heading, "\n".join(part for part in (text, tail) if part)
    return None, "\n".join(part for part in (rest, tail) if part)


def _top_item(li: Element) -> Element:
    """The outermost list item around `li`: a nested list's lines belong to its parent item."""
    top = li
    for ancestor in li.iterancestors("li"):
        top = ancestor
    return top


def _entries(units: list[Unit]) -> list[_Entry]:
    entries: list[_Entry] = []
    tops: dict[Element, Element] = {}
    for unit in units:
        li = unit.li
        if li is not None:
            if li not in tops:
                tops[li] = _top_item(li)
            li = tops[li]
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


def is_ordered_list(element: Element) -> bool:
    """An <ol>, or a <ul type="1"> (how Discuz renders [list=1]): a list the browser numbers."""
    if element.tag == "ol":
        return True
    if element.tag != "ul":
        return False
    if (element.get("type") or "").strip() in ORDERED_UL_TYPES:
        return True
    # <ul class="directions">: a recipe's or a guide's steps styled without numbers.
    attrs = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return attrs != " " and not STEP_LIST_TOKENS.isdisjoint(CLASS_TOKEN_SPLIT_RE.split(attrs))


def _ol_start(list_element: Element) -> int:
    start = (list_element.get("start") or "1").strip()
    return int(start) if start.isdigit() else 1


def _ordered_list_runs(entries: list[_Entry]) -> list[_Run]:
    runs: list[_Run] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        list_element = entry.list_element
        if list_element is None or not is_ordered_list(list_element):
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


@dataclass(slots=True)
class _SubRun:
    """Numbered lines of another style inside a step ("1. …" then "(1) …" "(2) …")."""

    style: str
    number: int
    start: int  # index of its first entry
    kept: int  # pending lines before it


class _MarkerRuns:
    """Runs of consecutively numbered lines, in one pass over the entries.

    Lines numbered from 1 in another style inside a step ("1. …" then "(1) …" "(2) …") are
    its sub-steps, kept in its text as shown, if the outer numbering then goes on; otherwise
    the run ends before them and they are read again as a procedure of their own.
    """

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.runs: list[_Run] = []
        self.current: _Run | None = None
        self.pending: list[str] = []  # unnumbered lines after the current step
        self.sub: _SubRun | None = None

    def close(self) -> None:
        """End the current run; keep it if it has enough steps."""
        run = self.current
        if run is not None and len(run.items) >= MIN_STEPS:
            _trim_last(run, self.pending)
            self.runs.append(run)
        self.current, self.pending, self.sub = None, [], None

    def rewind(self) -> int:
        """End the run before its unfinished sub-steps; return where to read them again."""
        assert self.sub is not None
        start = self.sub.start
        del self.pending[self.sub.kept :]
        self.close()
        return start

    def _relation(self, style: str, number: int) -> str:
        current, sub = self.current, self.sub
        if current is None:
            return "new"
        if style == current.style:
            return "next" if number == current.items[-1].number + 1 else "new"
        if (sub is None and number == 1) or (
            sub is not None and style == sub.style and number == sub.number + 1
        ):
            return "sub"
        return "new"

    def step(self, index: int) -> int:
        """Read entry `index`; return the index of the next entry to read."""
        entry = self.entries[index]
        in_ol = entry.list_element is not None and is_ordered_list(entry.list_element)
        marker = None if in_ol else parse_marker(entry.text)
        if marker is not None and entry.link_share > STEP_MAX_LINK_SHARE:
            marker = None
        if marker is None:
            if self.current is None:
                return index + 1
            if in_ol or entry.heading or is_heading_like(entry.text):
                if self.sub is not None:
                    return self.rewind()
                self.close()
            elif entry.link_share <= STEP_MAX_LINK_SHARE:
                self.pending.extend(entry.texts)
            return index + 1
        style, number, rest = marker
        relation = self._relation(style, number)
        if relation == "next" and self.current is not None:
            self.current.items[-1].following.extend(self.pending)
            self.current.items.append(_Item(number, style, rest, entry.texts[1:]))
            self.current.end = index
            self.pending, self.sub = [], None
        elif relation == "sub":
            if self.sub is None:
                self.sub = _SubRun(style, number, index, len(self.pending))
            self.sub.number = number
            self.pending.extend(entry.texts)
        elif self.sub is not None:
            return self.rewind()
        else:
            self.close()
            if number == 1:
                self.current = _Run(
                    index, index, style, [_Item(number, style, rest, entry.texts[1:])]
                )
        return index + 1

    def read(self) -> list[_Run]:
        """Every run of the entries, in order."""
        index = 0
        while index < len(self.entries) or (self.current is not None and self.sub is not None):
            index = self.rewind() if index >= len(self.entries) else self.step(index)
        self.close()
        return self.runs


def _is_heading_line(style: str, line: str) -> bool:
    """A step line that is only a heading ("第一步:登录账户"), its text being what follows: a
    heading marker, or a short line with no colon that does not end like a sentence."""
    if style in HEADING_LINE_MARKERS:
        return True
    if line.rstrip().endswith(SENTENCE_ENDS):
        return False
    rest = line.strip(" :：.、-")
    return fits_heading(rest) and not STEP_COLON_RE.search(rest)


def _trim_last(run: _Run, pending: list[str]) -> None:
    """Nothing marks where the last step ends: a heading line takes the one paragraph under
    it, a step with its own text takes none, so the conclusion after a procedure stays out."""
    last = run.items[-1]
    if not last.following and pending and _is_heading_line(last.style, last.rest):
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
    runs = sorted(
        _ordered_list_runs(entries) + _MarkerRuns(entries).read(), key=lambda run: run.start
    )
    steps: list[Step] = []
    floor = 0
    for procedure, run in enumerate(runs, start=1):
        title = _procedure_title(entries, run.start, floor)
        floor = run.end + 1
        for item in run.items:
            heading, text = split_heading(item.style, item.rest, item.following)
            steps.append(Step(procedure, title, item.number, heading, text))
    return steps
