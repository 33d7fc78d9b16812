"""Score farmaudit's extraction on public real-page corpora, against the gold and the peers.

Usage: .venv/bin/python bench/extract_real.py --corpus PATH [--corpus PATH ...]
                                              [--limit N] [--failures FIELD] [--json OUT]
                                              [--no-peers]

Each PATH is a corpus checked out from its public repository (bench/realpages/README.md says
which commit and how); its kind is recognised from the files it holds:

- `aeb`: scrapinghub/article-extraction-benchmark (`ground-truth.json`, `html/*.html.gz`):
  gold article body; scored by character 4-gram F1.
- `htmldate`: adbar/htmldate (`tests/eval_default.json`, `tests/eval_mediacloud_2020.json`,
  pages in `tests/{test_set,cache,eval}`): gold publish date.
- `trafilatura`: adbar/trafilatura (`tests/evaldata.json`, pages in `tests/{cache,eval}`):
  gold title and date, and with/without snippets for the body (trafilatura's own test:
  a "with" snippet found is a true positive, a "without" one found a false positive).
- `zh`: the Chinese article pages `bench/zhpages.py build` writes (`manifest.csv`,
  `pages/<id>.html`); gold publish dates from `--zh-gold FILE` (the reviewer's labels.csv:
  id,published_date,note; a date, or `none` when the page shows none). Printed for the dev
  split (pages whose site's SHA-1 hex starts 0-a), the test split (the rest) and all.

For every page it runs, over the same bytes and in the same run, farmaudit's `extract`,
trafilatura's `bare_extraction(with_metadata=True)` and (when the corpus has dates)
htmldate's `find_date(original_date=True, extensive_search=True)`, and prints per corpus and
tool: pages/s, slowest page, empty bodies, skip-link bodies, body F1, title exact, date
same-day and no-date rates, and farmaudit's page kinds and pages with steps. Pages are
deduplicated by their bytes within a corpus. A date counts as right when its calendar day
equals the gold's (farmaudit's instant read in Beijing time, in UTC, or in the zone its raw
string states: "2023-11-08T22:05:41-05:00" is the 8th on the page and in the gold; the Beijing
and UTC reading alone is printed too).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.extract import extract
from pipelines.extract.publish_date import BEIJING
from pipelines.store.records import RawPage

#: Fetch time given to every page (relative dates resolve against it).
FETCHED_AT = datetime(2026, 12, 1, tzinfo=UTC)
SKIP_LINK_RE = re.compile(r"^\s*(skip to|jump to|zum inhalt|click to copy|springe zu)", re.I)


@dataclass(slots=True)
class Page:
    """One corpus page and its gold."""

    url: str
    body: bytes
    gold_body: str | None = None
    gold_with: list[str] = field(default_factory=list)
    gold_without: list[str] = field(default_factory=list)
    gold_title: str | None = None
    gold_date: date | None = None
    #: zh corpus: the manifest id and the site, which decides the page's split.
    page_id: str = ""
    site: str = ""


@dataclass(slots=True)
class Result:
    """What one tool returned for one page."""

    seconds: float
    title: str | None = None
    days: tuple[date, ...] = ()
    body: str = ""
    kind: str = ""
    steps: int = 0
    related: int = 0


def norm(text: str) -> str:
    """Whitespace collapsed (trafilatura's normalisation for snippet matching)."""
    return re.sub(r"\s+", " ", text).strip()


def ngram_f1(predicted: str, gold: str, n: int = 4) -> float:
    """Character n-gram F1 (multiset) of two texts, whitespace collapsed."""
    a, b = norm(predicted), norm(gold)
    if not a or not b:
        return float(a == b)
    pa = Counter(a[i : i + n] for i in range(max(len(a) - n + 1, 1)))
    pb = Counter(b[i : i + n] for i in range(max(len(b) - n + 1, 1)))
    common = sum((pa & pb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pa.values()), common / sum(pb.values())
    return 2 * precision * recall / (precision + recall)


def _gold_day(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# --- corpora ---------------------------------------------------------------------------------


def _find(root: Path, dirs: tuple[str, ...], name: str) -> Path | None:
    for sub in dirs:
        path = root / sub / name
        if path.is_file():
            return path
    return None


def split_of(site: str) -> str:
    """The zh corpus's split of a site: dev when its SHA-1 hex starts 0-a, else test."""
    return (
        "dev"
        if hashlib.sha1(site.encode(), usedforsecurity=False).hexdigest()[0] <= "a"
        else "test"
    )


def read_zh_gold(path: Path) -> dict[str, date | None]:
    """The reviewer's labels: id -> publish day, None for `none`; unlabelled ids left out."""
    gold: dict[str, date | None] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = (row.get("published_date") or "").strip()
            if value.lower() == "none":
                gold[row["id"]] = None
            elif value:
                gold[row["id"]] = date.fromisoformat(value[:10])
    return gold


def load_zh(path: Path, gold_path: Path | None) -> list[Page]:
    """The zh corpus's pages; a page without a URL of its own gets a neutral one on its site."""
    gold = read_zh_gold(gold_path) if gold_path else {}
    pages = []
    with (path / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            url = row["url"] or f"https://{row['site']}/article.html"
            body = (path / "pages" / f"{row['id']}.html").read_bytes()
            day = gold.get(row["id"])
            pages.append(Page(url, body, gold_date=day, page_id=row["id"], site=row["site"]))
    return pages


def load_corpus(path: Path, zh_gold: Path | None = None) -> tuple[str, list[Page]]:
    """Recognise the corpus at path and load its pages (deduplicated by their bytes)."""
    pages: list[Page] = []
    if (path / "manifest.csv").is_file() and (path / "pages").is_dir():
        kind = "zh"
        pages = load_zh(path, zh_gold)
    elif (path / "ground-truth.json").is_file():
        kind = "aeb"
        gold = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
        for key, item in sorted(gold.items()):
            file = path / "html" / f"{key}.html.gz"
            pages.append(Page(item["url"], gzip.decompress(file.read_bytes()), item["articleBody"]))
    elif (path / "tests" / "eval_default.json").is_file():
        kind = "htmldate"
        for name in ("eval_default.json", "eval_mediacloud_2020.json"):
            gold = json.loads((path / "tests" / name).read_text(encoding="utf-8"))
            for url, item in gold.items():
                file = _find(path / "tests", ("test_set", "cache", "eval"), item["file"])
                if file is not None:
                    pages.append(Page(url, file.read_bytes(), gold_date=_gold_day(item["date"])))
    elif (path / "tests" / "evaldata.json").is_file():
        kind = "trafilatura"
        gold = json.loads((path / "tests" / "evaldata.json").read_text(encoding="utf-8"))
        for url, item in sorted(gold.items()):
            file = _find(path / "tests", ("cache", "eval"), item["file"])
            if file is None:
                continue
            pages.append(
                Page(
                    url,
                    file.read_bytes(),
                    gold_with=list(item["with"]),
                    gold_without=list(item["without"]),
                    gold_title=item.get("title") or None,
                    gold_date=_gold_day(item.get("date")),
                )
            )
    else:
        raise SystemExit(f"{path}: not a corpus this script knows (see --help)")
    seen: set[str] = set()
    unique = []
    for page in pages:
        digest = hashlib.sha1(page.body, usedforsecurity=False).hexdigest()
        if digest not in seen:
            seen.add(digest)
            unique.append(page)
    return kind, unique


# --- the tools -------------------------------------------------------------------------------


def raw_page(page: Page) -> RawPage:
    """The corpus page as a fetched page: its bytes, no headers, fetched at FETCHED_AT."""
    return RawPage(
        url=page.url,
        final_url=page.url,
        status=200,
        headers={},
        body=page.body,
        encoding=None,
        fetched_at=FETCHED_AT,
    )


def run_farmaudit(page: Page) -> Result:
    """farmaudit's extraction of the page's bytes."""
    raw = raw_page(page)
    start = time.perf_counter()
    result = extract(raw)
    seconds = time.perf_counter() - start
    record = result.page
    days: tuple[date, ...] = ()
    if record.published_at is not None:
        days = (
            record.published_at.astimezone(BEIJING).date(),
            record.published_at.astimezone(UTC).date(),
            *_own_zone_day(record.published_raw),
        )
    return Result(
        seconds,
        title=record.title,
        days=days,
        body=record.body_text,
        kind=record.kind,
        steps=len(result.steps),
        related=sum(1 for link in result.links if link.block == "related"),
    )


def _own_zone_day(raw: str | None) -> tuple[date, ...]:
    """The calendar day of a raw ISO 8601 string written with its own zone ("…T22:05-05:00"):
    the day the page itself states, which the peers return and the gold records."""
    try:
        value = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return ()
    return (value.date(),) if value.tzinfo is not None else ()


def run_trafilatura(page: Page) -> Result:
    """trafilatura's bare_extraction with metadata (its date via htmldate, original date)."""
    from trafilatura import bare_extraction

    params = {"original_date": True, "extensive_search": True, "max_date": "2026-12-01"}
    start = time.perf_counter()
    try:
        doc = bare_extraction(
            page.body, url=page.url, with_metadata=True, date_extraction_params=params
        )
    except Exception:  # a peer's crash is an empty result
        doc = None
    seconds = time.perf_counter() - start
    if doc is None:
        return Result(seconds)
    data = doc if isinstance(doc, dict) else doc.as_dict()
    day = _gold_day(data.get("date"))
    return Result(
        seconds, title=data.get("title"), days=(day,) if day else (), body=data.get("text") or ""
    )


def run_htmldate(page: Page) -> Result:
    """htmldate's find_date as its own evaluation calls it (original date, extensive)."""
    from htmldate import find_date

    start = time.perf_counter()
    try:
        found = find_date(page.body, url=page.url, original_date=True, extensive_search=True)
    except Exception:  # as above
        found = None
    seconds = time.perf_counter() - start
    day = _gold_day(found)
    return Result(seconds, days=(day,) if day else ())


# --- scoring ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """Counts over one corpus for one tool."""

    pages: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    empty: int = 0
    skip_link: int = 0
    f1_sum: float = 0.0
    f1_pages: int = 0
    snippets: Counter[str] = field(default_factory=Counter)
    #: The same counts per half of the corpus by the SHA-1 of the page's URL ("0-b": the
    #: pages tuned on, "c-f": the held-out rest).
    split_snippets: dict[str, Counter[str]] = field(default_factory=dict)
    titles: int = 0
    title_pages: int = 0
    dates: int = 0
    #: Right on the Beijing or UTC day alone (farmaudit; without the raw string's own zone).
    dates_strict: int = 0
    no_date: int = 0
    date_pages: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    with_steps: int = 0

    def add(self, page: Page, result: Result, *, body: bool) -> dict[str, Any]:
        """Count one page; return its per-page scores."""
        self.pages += 1
        self.seconds += result.seconds
        self.slowest = max(self.slowest, result.seconds)
        row: dict[str, Any] = {"url": page.url, "seconds": round(result.seconds, 4)}
        if page.page_id:
            row["id"] = page.page_id
        if body:
            text = norm(result.body)
            self.empty += not text
            self.skip_link += bool(text) and len(text) < 80 and bool(SKIP_LINK_RE.match(text))
            row["body_chars"] = len(text)
            if page.gold_body is not None:
                f1 = ngram_f1(result.body, page.gold_body)
                self.f1_sum += f1
                self.f1_pages += 1
                row["f1"] = round(f1, 3)
            if page.gold_with:
                tp = sum(1 for w in page.gold_with if norm(w) in text)
                fp = sum(1 for w in page.gold_without if norm(w) in text)
                counts = {
                    "tp": tp,
                    "fp": fp,
                    "fn": len(page.gold_with) - tp,
                    "tn": len(page.gold_without) - fp,
                }
                self.snippets.update(counts)
                self.split_snippets.setdefault(url_half(page.url), Counter()).update(counts)
                row["snippets"] = (tp, len(page.gold_with), fp, len(page.gold_without))
            if page.gold_title:
                self.title_pages += 1
                ok = norm(result.title or "") == norm(page.gold_title)
                self.titles += ok
                row["title_ok"] = ok
                row["title"] = result.title
        if page.gold_date is not None:
            self.date_pages += 1
            ok = page.gold_date in result.days
            self.dates += ok
            self.dates_strict += page.gold_date in result.days[:2]
            self.no_date += not result.days
            row["date_ok"] = ok
            row["date"] = result.days[0].isoformat() if result.days else None
            row["gold_date"] = page.gold_date.isoformat()
        self.kinds[result.kind] += 1
        self.with_steps += result.steps > 0
        row["kind"] = result.kind
        row["steps"] = result.steps
        return row

    def snippet_f1(self) -> float:
        """trafilatura's with/without F1."""
        return snippet_f1(self.snippets)


def snippet_f1(counts: Counter[str]) -> float:
    """trafilatura's with/without F1 from counts of tp, fp and fn."""
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    if not tp:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def url_half(url: str) -> str:
    """ "0-b" when the SHA-1 of the URL starts with 0-b (about 3/4 of the pages: the pages body
    rules are tuned on), "c-f" otherwise (held out)."""
    first = hashlib.sha1(url.encode("utf-8"), usedforsecurity=False).hexdigest()[0]
    return "c-f" if first in "cdef" else "0-b"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def report(kind: str, tallies: dict[str, Tally]) -> None:
    """Print one corpus's table."""
    print(f"\n## {kind} ({next(iter(tallies.values())).pages} unique pages)\n")
    header = (
        "| tool | pages/s | slowest s | empty body | skip-link body | body F1 | "
        "title exact | date same-day | no date | kinds (farmaudit) | with steps |"
    )
    print(header)
    print("| --- |" + " ---: |" * 10)
    for tool, t in tallies.items():
        rate = t.pages / t.seconds if t.seconds else 0.0
        body = tool != "htmldate"
        if t.f1_pages:
            f1 = f"{t.f1_sum / t.f1_pages:.3f} (4-gram)"
        elif t.snippets:
            f1 = f"{t.snippet_f1():.3f} (snippets)"
        else:
            f1 = "-"
        kinds = (
            ", ".join(f"{k} {v}" for k, v in sorted(t.kinds.items()))
            if tool == "farmaudit"
            else "-"
        )
        print(
            f"| {tool} | {rate:.1f} | {t.slowest:.2f} | "
            f"{_pct(t.empty, t.pages) if body else '-'} | "
            f"{t.skip_link if body else '-'} | {f1 if body else '-'} | "
            f"{_pct(t.titles, t.title_pages) if body else '-'} | "
            f"{_pct(t.dates, t.date_pages)} | {_pct(t.no_date, t.date_pages)} | {kinds} | "
            f"{t.with_steps if tool == 'farmaudit' else '-'} |"
        )
    for tool, t in tallies.items():
        if t.split_snippets:
            halves = ", ".join(
                f"{half} {snippet_f1(t.split_snippets[half]):.3f}"
                for half in sorted(t.split_snippets)
            )
            print(f"\n{tool} snippet F1 by URL SHA-1: {halves}")
    fa = tallies["farmaudit"]
    if fa.date_pages:
        print(
            f"\nfarmaudit date same-day on the Beijing or UTC day only (not the raw string's own "
            f"zone): {_pct(fa.dates_strict, fa.date_pages)}"
        )
    if "trafilatura" in tallies and fa.seconds:
        tr = tallies["trafilatura"]
        ratio = (fa.pages / fa.seconds) / (tr.pages / tr.seconds) if tr.seconds else 0.0
        print(f"\nfarmaudit / trafilatura pages/s: {ratio:.1f}x")


def main(argv: list[str] | None = None) -> int:
    """Run the corpora."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each corpus")
    parser.add_argument("--no-peers", action="store_true", help="farmaudit alone (faster)")
    parser.add_argument("--json", type=Path, help="write per-page scores (JSON lines) here")
    parser.add_argument(
        "--zh-gold", type=Path, help="gold publish dates of the zh corpus (id,published_date,note)"
    )
    parser.add_argument(
        "--failures",
        choices=("body", "date", "title", "kind", "steps"),
        help="list farmaudit's failing pages for this field",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)
    out = args.json.open("w", encoding="utf-8") if args.json else None
    for path in args.corpus:
        kind, pages = load_corpus(path, args.zh_gold)
        if args.limit:
            pages = pages[: args.limit]
        dated = any(page.gold_date for page in pages)
        tools = {"farmaudit": run_farmaudit}
        if not args.no_peers:
            tools["trafilatura"] = run_trafilatura
            if dated:
                tools["htmldate"] = run_htmldate
        # The zh corpus is scored over all pages and per split (dev: tuned on; test: held out).
        groups = ("all", "dev", "test") if kind == "zh" else ("all",)
        tallies = {group: {name: Tally() for name in tools} for group in groups}
        failures: list[str] = []
        for page in pages:
            rows = {}
            counted = [g for g in groups if g in ("all", split_of(page.site))]
            for name, tool in tools.items():
                result = tool(page)
                for group in counted:
                    rows[name] = tallies[group][name].add(page, result, body=name != "htmldate")
            row = rows["farmaudit"]
            if out is not None:
                print(json.dumps({"corpus": kind, **row}, ensure_ascii=False), file=out)
            failures.extend(_failure(args.failures, row))
        if kind == "zh":
            _zh_counts(pages, args.zh_gold)
        for group in groups:
            report(kind if group == "all" else f"{kind} {group}", tallies[group])
        if failures:
            print(f"\nfarmaudit failures ({args.failures}), {len(failures)}:")
            for line in failures:
                print("  " + line)
    if out is not None:
        out.close()
    return 0


def _zh_counts(pages: list[Page], gold_path: Path | None) -> None:
    """How many zh pages have a gold date, 'none', or no label, per split."""
    gold = read_zh_gold(gold_path) if gold_path else {}
    for group in ("dev", "test"):
        in_split = [p for p in pages if split_of(p.site) == group]
        dated = sum(1 for p in in_split if p.gold_date is not None)
        nones = sum(1 for p in in_split if p.page_id in gold and gold[p.page_id] is None)
        print(
            f"zh {group}: {len(in_split)} pages from {len({p.site for p in in_split})} sites, "
            f"{dated} with a gold date, {nones} 'none', {len(in_split) - dated - nones} unlabelled"
        )


def _failure(field_name: str | None, row: dict[str, Any]) -> list[str]:
    url = row["url"]
    if field_name == "body" and (row.get("body_chars") == 0 or row.get("f1", 1) < 0.5):
        return [f"{url} chars={row.get('body_chars')} f1={row.get('f1')} {row.get('snippets')}"]
    if field_name == "body" and "snippets" in row:
        tp, n_with, fp, _ = row["snippets"]
        if tp < n_with or fp:
            return [f"{url} snippets with {tp}/{n_with} without-found {fp}"]
    if field_name == "date" and row.get("date_ok") is False:
        name = f"{row['id']} {url}" if "id" in row else url
        return [f"{name} got={row['date']} gold={row['gold_date']}"]
    if field_name == "title" and row.get("title_ok") is False:
        return [f"{url} got={row['title']!r}"]
    if field_name == "kind" and row["kind"] != "article":
        return [f"{url} kind={row['kind']}"]
    if field_name == "steps" and row["steps"]:
        return [f"{url} steps={row['steps']}"]
    return []


if __name__ == "__main__":
    raise SystemExit(main())
