"""Benchmark farmaudit's extraction against trafilatura on the same pages, on one core.

Usage: .venv/bin/python bench/extract.py [--set corpus|demo|variants|all] [--per-article N]
                                         [--limit N] [--failures] [--by-kind]

Needs the `bench` extra (`pip install -e '.[bench]'`, for trafilatura). For each page set it
runs `pipelines.extract.extract` and `trafilatura.bare_extraction(..., with_metadata=True)` over
the same bytes, and prints for both tools: pages per second, title exact-match rate, publish
date accuracy (same calendar day in Beijing time; trafilatura's date string is compared by its
day) and body snippet recall (and exclusion); for farmaudit alone, step F1 and related-link F1.
Then what beautifulsoup4 costs and how often it runs.

Sets: `corpus` is tests/fixtures/pages/ (the 60-odd reviewed cases), `demo` the demo site's
article pages as served, `variants` the demo articles re-rendered in the corpus's templates with
random date forms, related headings and encodings (bench/synthetic_pages.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cms_pages import CORPUS, case_names, load_case
from bench.synthetic_pages import BenchPage, demo_pages, variant_pages
from pipelines.extract import decode, extract, parse
from pipelines.extract.publish_date import BEIJING
from pipelines.extract.text import collapse

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@dataclass(slots=True)
class Output:
    """What one tool extracted from one page, in comparable form."""

    title: str | None = None
    day: date | None = None
    body: str = ""
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Score:
    """Counts over a page set for one tool."""

    pages: int = 0
    seconds: float = 0.0
    errors: int = 0
    titles: int = 0
    dates: int = 0
    snippets: int = 0
    snippets_found: int = 0
    excluded: int = 0
    excluded_ok: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    related: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    #: (kind, value) → [pages, titles right, dates right], for pages that say how they were made.
    by_kind: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Pages per second."""
        return self.pages / self.seconds if self.seconds else 0.0


def _f1(counts: Counter[str]) -> float:
    tp, predicted, expected = counts["tp"], counts["predicted"], counts["expected"]
    if not predicted and not expected:
        return 1.0
    return 2 * tp / (predicted + expected) if predicted + expected else 0.0


def _matches(predicted: Sequence[Any], expected: Sequence[Any]) -> int:
    """Items in common, counting repeats (a multiset intersection)."""
    return sum((Counter(predicted) & Counter(expected)).values())


def _truth_day(truth: dict[str, Any]) -> date | None:
    value = truth["published_at"]
    return datetime.fromisoformat(value).astimezone(BEIJING).date() if value else None


# --- the two tools ---------------------------------------------------------------------------


def run_farmaudit(page: BenchPage) -> Output:
    """farmaudit's extraction of one page."""
    result = extract(page.raw)
    record = result.page
    return Output(
        title=record.title,
        day=record.published_at.astimezone(BEIJING).date() if record.published_at else None,
        body=record.body_text,
        steps=[(s.procedure, s.number, s.heading, s.text) for s in result.steps],
        related=[link.anchor_text for link in result.links if link.block == "related"],
    )


def run_trafilatura(page: BenchPage) -> Output:
    """trafilatura's bare_extraction of the same bytes, with metadata.

    Its date search gets the fetch day as the latest allowed date and asks for the original
    (publish) date, the fairest settings for this task.
    """
    from trafilatura import bare_extraction

    params = {
        "original_date": True,
        "extensive_search": True,
        "max_date": page.raw.fetched_at.astimezone(BEIJING).date().isoformat(),
    }
    doc = bare_extraction(
        page.raw.body,
        url=page.raw.url,
        with_metadata=True,
        date_extraction_params=params,
    )
    if doc is None:
        return Output()
    data = doc if isinstance(doc, dict) else doc.as_dict()
    raw_date = data.get("date")
    day = None
    if raw_date:
        try:
            day = date.fromisoformat(str(raw_date)[:10])
        except ValueError:
            day = None
    return Output(title=data.get("title"), day=day, body=data.get("text") or "")


# --- scoring ---------------------------------------------------------------------------------


def score(tool: Callable[[BenchPage], Output], pages: Sequence[BenchPage], *, full: bool) -> Score:
    """Run `tool` over `pages` (timed together, after a short warm-up) and score the outputs."""
    for page in pages[:3]:
        tool(page)
    gc.collect()
    outputs: list[Output | None] = []
    result = Score(pages=len(pages))
    start = time.perf_counter()
    for page in pages:
        try:
            outputs.append(tool(page))
        except Exception:  # a crash is a miss for the tool, counted and reported
            outputs.append(None)
            result.errors += 1
    result.seconds = time.perf_counter() - start
    for page, out in zip(pages, outputs, strict=True):
        _score_page(result, page, out or Output(), full=full)
    return result


def _score_page(result: Score, page: BenchPage, out: Output, *, full: bool) -> None:
    truth = page.truth
    missed = []
    title_ok = out.title is not None and collapse(out.title) == collapse(truth["title"])
    date_ok = out.day == _truth_day(truth)
    result.titles += title_ok
    result.dates += date_ok
    if not title_ok:
        missed.append(f"title {out.title!r}")
    if not date_ok:
        missed.append(f"date {out.day} (want {_truth_day(truth)})")
    for key in page.kind.items():
        counts = result.by_kind.setdefault(key, [0, 0, 0])
        counts[0] += 1
        counts[1] += title_ok
        counts[2] += date_ok
    body = collapse(out.body)
    for snippet in truth["body_with"]:
        result.snippets += 1
        if collapse(snippet) in body:
            result.snippets_found += 1
        else:
            missed.append(f"body lacks {snippet!r}")
    for snippet in truth["body_without"]:
        result.excluded += 1
        if collapse(snippet) not in body:
            result.excluded_ok += 1
    if full:
        expected_steps = [
            (s["procedure"], s["number"], s["heading"], s["text"]) for s in truth["steps"]
        ]
        tp = _matches(out.steps, expected_steps)
        result.steps.update(tp=tp, predicted=len(out.steps), expected=len(expected_steps))
        if tp != len(out.steps) or tp != len(expected_steps):
            missed.append(f"steps {tp}/{len(expected_steps)} of {len(out.steps)}")
        tp = _matches(out.related, truth["related"])
        result.related.update(tp=tp, predicted=len(out.related), expected=len(truth["related"]))
        if tp != len(out.related) or tp != len(truth["related"]):
            missed.append(f"related {tp}/{len(truth['related'])} of {len(out.related)}")
    if missed:
        result.misses.append(f"{page.name}: " + "; ".join(missed))


# --- beautifulsoup4 --------------------------------------------------------------------------


def bs4_figures(pages: Sequence[BenchPage]) -> list[str]:
    """How often extraction falls back to BeautifulSoup, and what parsing with it would cost."""
    from bs4 import BeautifulSoup

    calls = 0
    real = BeautifulSoup

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    # Count the calls of the repair path; extraction itself is unchanged.
    setattr(parse, "BeautifulSoup", counting)  # noqa: B010
    try:
        for page in pages:
            extract(page.raw)
    finally:
        setattr(parse, "BeautifulSoup", real)  # noqa: B010
    texts = [decode.decode_html(p.raw.body, p.raw.headers).text for p in pages]

    def per_page(fn: Callable[[str], object]) -> float:
        start = time.perf_counter()
        for text in texts:
            fn(text)
        return (time.perf_counter() - start) / len(texts) * 1000

    lxml_ms = per_page(parse.parse_html)
    soup_ms = per_page(lambda text: BeautifulSoup(text, "html.parser"))
    soup_lxml_ms = per_page(lambda text: BeautifulSoup(text, "lxml"))
    extract_ms = per_page_extract(pages)
    return [
        f"beautifulsoup4 repair path taken on {calls} of {len(pages)} pages",
        (
            f"parse per page: lxml {lxml_ms:.2f} ms (farmaudit's parse_html), "
            f"BeautifulSoup html.parser {soup_ms:.2f} ms, BeautifulSoup lxml {soup_lxml_ms:.2f} ms;"
            f" whole extract() {extract_ms:.2f} ms"
        ),
    ]


def per_page_extract(pages: Sequence[BenchPage]) -> float:
    """Mean milliseconds of one extract() call."""
    start = time.perf_counter()
    for page in pages:
        extract(page.raw)
    return (time.perf_counter() - start) / len(pages) * 1000


# --- report ----------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def table(name: str, pages: Sequence[BenchPage], farm: Score, traf: Score | None) -> list[str]:
    """Side-by-side figures of one page set."""
    rows = [("farmaudit", farm)] + ([("trafilatura", traf)] if traf is not None else [])
    lines = [
        f"## {name}: {len(pages)} pages",
        (
            f"{'tool':12} {'pages/s':>8} {'title':>7} {'date':>7} {'body rec':>8} "
            f"{'body excl':>9} {'step F1':>7} {'rel F1':>7} {'errors':>6}"
        ),
    ]
    for label, s in rows:
        full = label == "farmaudit"
        lines.append(
            f"{label:12} {s.rate:8.1f} {_pct(s.titles, s.pages):>7} {_pct(s.dates, s.pages):>7} "
            f"{_pct(s.snippets_found, s.snippets):>8} {_pct(s.excluded_ok, s.excluded):>9} "
            f"{(f'{_f1(s.steps):.3f}' if full else '-'):>7} "
            f"{(f'{_f1(s.related):.3f}' if full else '-'):>7} {s.errors:>6}"
        )
    if traf is not None and traf.rate:
        lines.append(f"farmaudit/trafilatura pages/s: {farm.rate / traf.rate:.1f}x")
    return lines


def kind_table(farm: Score, traf: Score | None) -> list[str]:
    """Title and date accuracy of both tools per template, date form and encoding."""
    if not farm.by_kind:
        return []
    lines = [f"{'':34} {'pages':>5}  title: farm  traf   date: farm  traf"]
    for key in sorted(farm.by_kind):
        pages, titles, dates = farm.by_kind[key]
        other = traf.by_kind.get(key, [0, 0, 0]) if traf is not None else [0, 0, 0]
        label = f"{key[0]}: {key[1]}"
        lines.append(
            f"{label:34} {pages:5}  {_pct(titles, pages):>11} {_pct(other[1], pages):>6}"
            f"  {_pct(dates, pages):>10} {_pct(other[2], pages):>6}"
        )
    return lines


def corpus_pages() -> list[BenchPage]:
    """The fixture corpus as benchmark pages."""
    out = []
    for name in case_names():
        case = load_case(CORPUS / name)
        out.append(BenchPage(f"corpus/{name}", case.raw, case.expected))
    return out


def machine() -> str:
    """nproc and the CPU model, for the record."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("corpus", "demo", "variants", "all"), default="all")
    parser.add_argument("--per-article", type=int, default=5, help="variants per demo article")
    parser.add_argument("--limit", type=int, help="use only the first N pages of each set")
    parser.add_argument("--failures", action="store_true", help="list farmaudit's misses")
    parser.add_argument("--no-trafilatura", action="store_true", help="farmaudit only")
    parser.add_argument(
        "--by-kind",
        action="store_true",
        help="variants: accuracy per template, date form, encoding",
    )
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue asks
    import trafilatura

    print(f"machine: {machine()}; one core; trafilatura {trafilatura.__version__}")
    sets: dict[str, Callable[[], list[BenchPage]]] = {
        "corpus": corpus_pages,
        "demo": demo_pages,
        "variants": lambda: variant_pages(args.per_article),
    }
    chosen = list(sets) if args.set == "all" else [args.set]
    for name in chosen:
        pages = sets[name]()[: args.limit]
        farm = score(run_farmaudit, pages, full=True)
        traf = None if args.no_trafilatura else score(run_trafilatura, pages, full=False)
        print()
        print("\n".join(table(name, pages, farm, traf)))
        kinds = kind_table(farm, traf) if args.by_kind else []
        if kinds:
            print("\n".join(kinds))
        if name == "corpus":
            print("\n".join(bs4_figures(pages)))
        if args.failures:
            for miss in farm.misses:
                print(f"  farmaudit miss: {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
