"""List real pages with a visible related-articles heading and how farmaudit labels the block.

Usage: .venv/bin/python bench/related_sample.py --corpus PATH [--corpus PATH ...] [--limit N]
       [--sample N] [--url URL --show]

A page is sampled when an element's own short text is a related-articles heading ("Related
stories", "Mehr zum Thema", "Lesen Sie auch", "À lire aussi", …). The block it announces is
taken as the links of the first element after the heading (or after the wrapper holding only
the heading) that holds at least two links, as a reader sees the list under a heading. Printed
per page: the heading, the block's link count, how many of them farmaudit labels related, and
how many links farmaudit labels related outside the block, with their first anchor texts; the
verdicts are judged by reading these lines and the page (bench/realpages/README.md).

A page found in two corpora counts once (its first line). `--sample N` prints the hand-judged
sample instead: the first N pages by SHA-1 of their URL, leaving out the pages whose heading
announces the site's latest articles ("More stories", "Weitere Artikel", "Read more"). The
totals (block links labelled related, pages at 0.90 or more, links labelled related outside
the blocks) go to stderr, for all pages and for the sample.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_real import load_corpus

from pipelines.extract.decode import decode_html
from pipelines.extract.layout import analyze_layout
from pipelines.extract.parse import parse_html
from pipelines.extract.text import collapse, text_content

HEADING_RE = re.compile(
    r"^(?:related(?:\s+(?:stories|articles|posts|content|news|coverage|links|reading))?"
    r"|more\s+(?:stories|news|articles)|you\s+(?:may|might)\s+also\s+like|read\s+(?:more|also)"
    r"|ähnliche\s+(?:artikel|beiträge)|mehr\s+zum\s+thema|lesen\s+sie\s+auch"
    r"|das\s+könnte\s+sie\s+auch\s+interessieren|weitere\s+(?:artikel|beiträge|meldungen)"
    r"|verwandte\s+(?:artikel|beiträge)|à\s+lire\s+aussi|lire\s+aussi|sur\s+le\s+même\s+sujet"
    r"|articles?\s+(?:similaires|liés)|noticias\s+relacionadas|artículos\s+relacionados"
    r"|相[关關](?:内容|文章|阅读|报道|新闻)|猜你喜[欢歡]|延伸[阅閱][读讀])\s*[:：]?$",
    re.IGNORECASE,
)


#: Headings of the site's latest articles, not related ones: left out of `--sample`.
LATEST_RE = re.compile(
    r"^(?:more\s+(?:stories|news|articles)|read\s+(?:more|also)"
    r"|weitere\s+(?:artikel|beiträge|meldungen))\s*[:：]?$",
    re.IGNORECASE,
)


def _totals(rows: list[tuple[str, str, int, int, int]]) -> str:
    """Block links labelled related, pages at 0.90 or more, related links outside the blocks."""
    block = sum(row[2] for row in rows)
    hit = sum(row[3] for row in rows)
    good = sum(1 for row in rows if row[3] >= 0.9 * row[2])
    outside = sum(row[4] for row in rows)
    share = hit / block if block else 0.0
    return (
        f"{len(rows)} pages: {hit} of {block} block links labelled related ({share:.2f}); "
        f"{good} pages at 0.90 or more; {outside} links labelled related outside the blocks"
    )


def _block_after(heading):  # type: ignore[no-untyped-def]
    box = heading
    parent = box.getparent()
    while parent is not None and parent.tag not in ("body", "html") and len(parent) == 1:
        box, parent = parent, parent.getparent()
    for sibling in box.itersiblings():
        links = [a for a in sibling.iter("a") if a.get("href")]
        if len(links) >= 2:
            return links
        if collapse(text_content(sibling)):
            return []
    return []


def main() -> int:
    """Print one line per sampled page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--url", action="append", default=[], help="only these pages")
    parser.add_argument("--show", action="store_true", help="print the links, for judging")
    parser.add_argument("--sample", type=int, default=0, help="the judged sample of N pages")
    args = parser.parse_args()
    sampled = 0
    #: Per page (first corpus holding it): heading, block links, related, outside, lines.
    found: dict[str, tuple[str, int, int, int, list[str]]] = {}
    for path in args.corpus:
        kind, pages = load_corpus(path)
        for page in pages:
            if args.url and page.url not in args.url:
                continue
            root = parse_html(decode_html(page.body, {}).text)
            body = root.find("body")
            if body is None:
                continue
            heading = next(
                (
                    el
                    for el in body.iter()
                    if isinstance(el.tag, str)
                    and el.tag not in ("a", "script", "style")
                    and el.text
                    and len(el.text) < 48
                    and HEADING_RE.match(collapse(el.text))
                    and not collapse("".join(t for c in el for t in (c.text or "", c.tail or "")))
                ),
                None,
            )
            if heading is None:
                continue
            block = _block_after(heading)
            if not block:
                continue
            layout = analyze_layout(root)
            region = {a.element: a.region for a in layout.anchors}
            inside = set(block)
            hit = sum(1 for a in block if region.get(a) == "related")
            outside = [
                a.text[:70]
                for a in layout.anchors
                if a.region == "related" and a.element not in inside
            ]
            lines = [
                (
                    f"{kind}\t{page.url}\theading={collapse(heading.text)!r}\tblock={len(block)}"
                    f"\trelated_in_block={hit}\trelated_outside={len(outside)}"
                )
            ]
            if args.show:
                for a in block:
                    mark = "R" if region.get(a) == "related" else str(region.get(a) or "body")
                    lines.append(f"    block [{mark}] {collapse(text_content(a))[:70]}")
                lines.extend(f"    related outside the block: {text}" for text in outside)
            if args.sample:
                heading_text = collapse(heading.text)
                found.setdefault(page.url, (heading_text, len(block), hit, len(outside), lines))
                continue
            sampled += 1
            print("\n".join(lines))
            if args.limit and sampled >= args.limit:
                return 0
    if args.sample:
        rows = [(url, *found[url][:4]) for url in found]
        order = sorted(
            rows, key=lambda row: hashlib.sha1(row[0].encode(), usedforsecurity=False).hexdigest()
        )
        chosen = [row for row in order if not LATEST_RE.match(row[1])][: args.sample]
        for row in sorted(chosen):
            print("\n".join(found[row[0]][4]))
        print(f"all: {_totals(rows)}", file=sys.stderr)
        print(f"sample: {_totals(chosen)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
