"""Parse the seed pages: text renderings of real content-farm articles.

A seed file reads, line by line: the title; `发布时间:YYYY-MM-DD HH:MM:SS`; body paragraphs,
section headings and procedures separated by blank lines; `相关内容:` followed by one
related-link title per line; and a final `To Top`. Text is kept exactly as in the file,
punctuation included (the renderings use ASCII `,:?` where the site had full-width ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

BlockKind = Literal["paragraph", "heading", "ordered_list", "numbered_paragraphs", "step_headings"]

#: The kinds of block that hold a procedure.
PROCEDURE_KINDS: tuple[BlockKind, ...] = ("ordered_list", "numbered_paragraphs", "step_headings")

#: The seeds' clock: dates on the page are Beijing time.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

SEEDS_DIR = Path(__file__).parent / "seeds"

_DATE_LINE = re.compile(r"^发布时间[::]\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$")
_RELATED_LINE = re.compile(r"^相关内容[::]?$")
_END_LINE = "To Top"
# "  1. 登录账号: ..." (indented: an <ol> on the site) and "1. 选择心仪商品:..." (a <p> each).
_INDENTED_ITEM = re.compile(r"^[ \t\u3000]+(\d{1,2})[.、.]\s*(\S.*)$")
_NUMBERED_ITEM = re.compile(r"^(\d{1,2})[.、.]\s*(\D.*)$")
_STEP_HEADING = re.compile(r"^(第([一二三四五六七八九十]{1,3})步[::]\s*)(\S.*)$")
_LABEL = re.compile(r"^(?P<heading>[^::]+?)(?P<colon>[::])(?P<gap>\s*)(?P<text>.*)$")
_SENTENCE_PUNCT = frozenset("。,,;;!!")
_HEADING_MAX_CHARS = 30

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


class SeedFormatError(ValueError):
    """A seed file does not follow the seed text layout."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a procedure, split the way the page shows it."""

    number: int
    #: What precedes the step's words: "1. " for a numbered paragraph, "第一步:" for a step
    #: heading, "" for an <ol> item (the list numbers it).
    marker: str
    #: Words before the first colon ("登录账号"), or after "第一步:"; None when there is no colon.
    heading: str | None
    #: The colon after the heading as shown (":" or ":"); "" when there is none and for
    #: "第一步:" steps, whose colon is part of the marker.
    colon: str
    #: Whitespace shown between the colon and the text.
    gap: str
    #: What follows the colon, or the paragraph under a "第一步:" heading.
    text: str

    @property
    def label(self) -> str:
        """Heading and colon as shown ("登录账号:"), "" when the step has no heading."""
        return f"{self.heading}{self.colon}" if self.heading is not None else ""

    @property
    def line(self) -> str:
        """A numbered item's words after its marker as shown, e.g. "登录账号: 首先,..."."""
        return f"{self.label}{self.gap}{self.text}"


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body: a paragraph, a section heading or a procedure."""

    kind: BlockKind
    #: The paragraph or heading text; "" for procedures.
    text: str = ""
    steps: tuple[Step, ...] = ()

    @property
    def is_procedure(self) -> bool:
        """True for the three procedure kinds."""
        return self.kind in PROCEDURE_KINDS


@dataclass(frozen=True, slots=True)
class Seed:
    """A parsed seed page."""

    slug: str
    title: str
    published_raw: str
    blocks: tuple[Block, ...]
    related: list[str]

    @property
    def published_at(self) -> datetime:
        """The shown publish time read as Beijing time, in UTC."""
        return beijing_to_utc(self.published_raw)

    def procedures(self) -> list[tuple[Step, ...]]:
        """The steps of each procedure block, in page order."""
        return [block.steps for block in self.blocks if block.is_procedure]


def beijing_to_utc(raw: str) -> datetime:
    """Read "YYYY-MM-DD HH:MM:SS" as Beijing time and return the aware UTC datetime."""
    shown = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    return shown.astimezone(UTC)


def split_label(words: str) -> tuple[str | None, str, str, str]:
    """Split "登录账号: 首先..." into heading, colon, gap and text at the first colon."""
    match = _LABEL.match(words)
    if match is None or not match["heading"].strip():
        return None, "", "", words
    return match["heading"], match["colon"], match["gap"], match["text"]


def is_heading_line(line: str) -> bool:
    """A short line with no sentence punctuation is a section heading ("重要提醒", "一、...")."""
    return len(line) <= _HEADING_MAX_CHARS and not _SENTENCE_PUNCT.intersection(line)


def parse_seed(text: str, slug: str, *, source: str = "<seed>") -> Seed:
    """Parse one seed file's text into a `Seed`; `source` names the file in errors."""
    lines = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if len(numbered) < 3:
        raise SeedFormatError(f"{source}: expected a title, a date line and a body, got {text!r}")
    title = numbered[0][1].strip()
    date_no, date_line = numbered[1]
    date_match = _DATE_LINE.match(date_line.strip())
    if date_match is None:
        raise SeedFormatError(
            f"{source}:{date_no}: expected '发布时间:YYYY-MM-DD HH:MM:SS', got {date_line!r}"
        )
    related_at = next(
        (k for k, (_, line) in enumerate(numbered) if _RELATED_LINE.match(line.strip())), None
    )
    if related_at is None:
        raise SeedFormatError(f"{source}: no '相关内容:' line")
    end_no, end_line = numbered[-1]
    if end_line.strip() != _END_LINE:
        raise SeedFormatError(
            f"{source}:{end_no}: expected the last line {_END_LINE!r}, got {end_line!r}"
        )
    related = [line.strip() for _, line in numbered[related_at + 1 : -1]]
    blocks = _parse_body(numbered[2:related_at], source)
    return Seed(
        slug=slug,
        title=title,
        published_raw=date_match[1],
        blocks=tuple(blocks),
        related=related,
    )


def _parse_body(items: list[tuple[int, str]], source: str) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(items):
        line = items[i][1]
        if _INDENTED_ITEM.match(line):
            steps, i = _take_items(items, i, _INDENTED_ITEM, with_marker=False)
            blocks.append(Block("ordered_list", steps=steps))
        elif _NUMBERED_ITEM.match(line):
            steps, i = _take_items(items, i, _NUMBERED_ITEM, with_marker=True)
            blocks.append(Block("numbered_paragraphs", steps=steps))
        elif _STEP_HEADING.match(line.strip()):
            steps, i = _take_step_headings(items, i, source)
            blocks.append(Block("step_headings", steps=steps))
        else:
            words = line.strip()
            kind: BlockKind = "heading" if is_heading_line(words) else "paragraph"
            blocks.append(Block(kind, text=words))
            i += 1
    return blocks


def _take_items(
    items: list[tuple[int, str]], start: int, pattern: re.Pattern[str], *, with_marker: bool
) -> tuple[tuple[Step, ...], int]:
    """Collect consecutive numbered items; a number that does not continue starts a new list."""
    steps: list[Step] = []
    i = start
    while i < len(items):
        match = pattern.match(items[i][1])
        if match is None:
            break
        number = int(match[1])
        if steps and number != steps[-1].number + 1:
            break
        words = match[2].rstrip()
        marker = items[i][1][: match.start(2)] if with_marker else ""
        heading, colon, gap, text = split_label(words)
        steps.append(Step(number, marker, heading, colon, gap, text))
        i += 1
    return tuple(steps), i


def _take_step_headings(
    items: list[tuple[int, str]], start: int, source: str
) -> tuple[tuple[Step, ...], int]:
    """Collect "第一步:..." headings, each with the paragraph that follows it."""
    steps: list[Step] = []
    i = start
    while i < len(items):
        line_no, line = items[i]
        match = _STEP_HEADING.match(line.strip())
        if match is None:
            break
        number = _cn_number(match[2])
        if number is None:
            raise SeedFormatError(f"{source}:{line_no}: cannot read the step number in {line!r}")
        text = ""
        nxt = items[i + 1][1].strip() if i + 1 < len(items) else ""
        if nxt and not _STEP_HEADING.match(nxt) and not is_heading_line(nxt):
            text = nxt
            i += 1
        # The colon belongs to the marker ("第一步:"), so the heading is all that follows it.
        steps.append(Step(number, match[1], match[3].rstrip(), "", "", text))
        i += 1
    return tuple(steps), i


def _cn_number(numeral: str) -> int | None:
    """Read 一..九十九 as an int."""
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        high = _CN_DIGITS.get(tens, 0) if tens else 1
        low = _CN_DIGITS.get(ones, 0) if ones else 0
        return high * 10 + low if high else None
    return _CN_DIGITS.get(numeral)


def load_seed(path: Path) -> Seed:
    """Parse one seed file; the slug is the file stem."""
    return parse_seed(path.read_text(encoding="utf-8"), path.stem, source=str(path))


def load_seeds(folder: Path | None = None) -> list[Seed]:
    """Parse every `*.txt` seed in `folder` (default: the bundled seeds), sorted by slug."""
    folder = SEEDS_DIR if folder is None else folder
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise SeedFormatError(f"{folder}: no *.txt seed files")
    return [load_seed(path) for path in paths]
