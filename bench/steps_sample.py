"""List real pages for judging steps: every page farmaudit finds steps on, and pages that may
hold a procedure it misses (a procedure word in the title, "Step 1"/"Schritt 1" or a recipe's
"Zubereitung"/"Directions" heading in the text).

Usage: .venv/bin/python bench/steps_sample.py --corpus PATH [--corpus PATH ...]

One block per page: corpus, URL, title, the number of steps and their first words, or the
reason a page without steps was listed. The verdicts (a procedure or not; its steps found or
not) are judged by reading these lines and the page; they are in bench/realpages/README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_real import load_corpus, raw_page

from pipelines.extract import extract

#: Words in a title, or lines in a text, that suggest a procedure is shown.
MAYBE_PROCEDURE_RE = re.compile(
    r"\bhow\s+to\b|anleitung|\brezept|\brecipe|so\s+geht|tutorial|schritt\s+für\s+schritt"
    r"|step\s+by\s+step|\bstep\s*1\b|\bschritt\s*1\b|zubereitung|\bdirections\b|instructions",
    re.IGNORECASE,
)


def main() -> int:
    """Print one block per listed page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    args = parser.parse_args()
    seen: set[str] = set()
    for path in args.corpus:
        kind, pages = load_corpus(path)
        for page in pages:
            if page.url in seen:
                continue
            seen.add(page.url)
            result = extract(raw_page(page))
            title = result.page.title or ""
            if result.steps:
                print(f"{kind}\t{page.url}\t{title[:80]!r}\tsteps={len(result.steps)}")
                for step in result.steps[:3]:
                    print(f"    {step.number}. {(step.heading or '')[:30]} {step.text[:70]!r}")
                continue
            match = MAYBE_PROCEDURE_RE.search(title) or MAYBE_PROCEDURE_RE.search(
                result.page.body_text
            )
            if match is not None:
                print(f"{kind}\t{page.url}\t{title[:80]!r}\tsteps=0\tmaybe={match.group(0)!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
