"""List real pages with a visible related-articles heading and how farmaudit labels the block.

Usage: .venv/bin/python bench/related_sample.py --corpus PATH [--corpus PATH ...] [--limit N]

A page is sampled when an element's own short text is a related-articles heading ("Related
stories", "Mehr zum Thema", "Lesen Sie auch", "À lire aussi", …). The block it announces is
taken as the links of the first element after the heading (or after the wrapper holding only
the heading) that holds at least two links, as a reader sees the list under a heading. Printed
per page: the heading, the block's link count, how many of them farmaudit labels related, and
how many links farmaudit labels related outside the block, with their first anchor texts; the
verdicts are judged by reading these lines and the page (bench/realpages/README.md).
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    sampled = 0
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
            sampled += 1
            print(
                f"{kind}\t{page.url}\theading={collapse(heading.text)!r}\tblock={len(block)}"
                f"\trelated_in_block={hit}\trelated_outside={len(outside)}"
            )
            if args.show:
                for a in block:
                    mark = "R" if region.get(a) == "related" else str(region.get(a) or "body")
                    print(f"    block [{mark}] {collapse(text_content(a))[:70]}")
                for text in outside:
                    print(f"    related outside the block: {text}")
            if args.limit and sampled >= args.limit:
                return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
