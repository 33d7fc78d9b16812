"""Classify a list of texts without a crawl: one text a line in, CSV or JSON lines out.

The rows are `text, category, score, evidence` (evidence items joined by "; " in CSV, a list in
JSON). Blank lines are skipped. Each distinct text is classified once.

CSV is meant to be opened in a spreadsheet, so a cell that a spreadsheet would run as a formula
(it starts with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe, as
OWASP advises against CSV injection; JSON lines keep every text exactly.
"""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING

from pipelines.store.errors import FarmauditError
from reports.spam import classify_texts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from reports.spam import Lexicon, SpamVerdict

FORMATS = ("csv", "jsonl")
COLUMNS = ("text", "category", "score", "evidence")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Texts classified per chunk: output streams while memory stays bounded.
_CHUNK = 10_000


class InputError(FarmauditError):
    """Input that is not UTF-8 text; the message names the input and the line."""


def read_lines(stream: IO[bytes], name: str) -> Iterator[str]:
    """The non-blank lines of `stream` as text (UTF-8, a BOM dropped), stripped."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{name}: line {number} is not UTF-8 text (byte {raw[err.start]:#04x} at "
                f"column {err.start + 1}); expected one UTF-8 text per line"
            ) from None
        text = line.strip()
        if text:
            yield text


def write_verdicts(
    texts: Iterable[str], lexicon: Lexicon, out: IO[str], output_format: str = "csv"
) -> int:
    """Classify `texts` and write one row each to `out`; return the number of rows."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}; expected one of {FORMATS}")
    writer = csv.writer(out, lineterminator="\n").writerow if output_format == "csv" else None
    count = 0
    chunk: list[str] = []
    # The header waits for the first chunk: input that fails early writes nothing at all.
    for text in texts:
        chunk.append(text)
        if len(chunk) == _CHUNK:
            if writer is not None and not count:
                writer(list(COLUMNS))
            count += _write_chunk(chunk, lexicon, out, writer)
            chunk = []
    if writer is not None and not count:
        writer(list(COLUMNS))
    if chunk:
        count += _write_chunk(chunk, lexicon, out, writer)
    return count


def _write_chunk(
    texts: list[str], lexicon: Lexicon, out: IO[str], writer: Callable[[list[str]], object] | None
) -> int:
    for text, verdict in zip(texts, classify_texts(texts, lexicon), strict=True):
        if writer is not None:
            writer(_csv_row(text, verdict))
        else:
            out.write(json.dumps(_json_row(text, verdict), ensure_ascii=False) + "\n")
    return len(texts)


def _csv_row(text: str, verdict: SpamVerdict) -> list[str]:
    return [
        _cell(text),
        verdict.category,
        f"{verdict.score:g}",
        _cell("; ".join(verdict.evidence)),
    ]


def _json_row(text: str, verdict: SpamVerdict) -> dict[str, object]:
    return {
        "text": text,
        "category": verdict.category,
        "score": verdict.score,
        "evidence": list(verdict.evidence),
    }


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value
