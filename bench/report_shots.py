"""Screenshots of a report.html at 1400 and 800 px wide, and its first paint in Chromium.

    python -m bench.report_shots datasets/demo/audit/report.html --out docs/shots

Drives Debian's chromium through playwright as the browser tests do (same flags: no
background networking). Prints first contentful paint (ms) per width, from the page's own
performance timeline, and when the page's tables were built (its 'report-rendered' mark);
writes report-1400.png and report-800.png (the first screen, 900 px high) into --out.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

# Without the background-networking flags Chromium tries to reach Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Waits for the entry: it may be reported just after the load event.
_PAINT = """() => new Promise(resolve => {
  new PerformanceObserver(list => {
    const e = list.getEntriesByName('first-contentful-paint')[0];
    if (e) { resolve(e.startTime); }
  }).observe({type: 'paint', buffered: true});
})"""

# When the report's script marked <html data-rendered> (its tables built), read after the fact.
_READY = """() => performance.getEntriesByName('report-rendered')[0].startTime"""


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; print first paint per width."""
    parser = argparse.ArgumentParser(prog="python -m bench.report_shots", description=__doc__)
    parser.add_argument("report", type=Path, help="a report.html")
    parser.add_argument("--out", type=Path, default=Path("docs/shots"), help="folder for PNGs")
    parser.add_argument("--widths", default="1400,800", help="comma-separated widths in px")
    parser.add_argument("--no-shots", action="store_true", help="only measure first paint")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        sys.stderr.write(f"{args.report}: no such report.html\n")
        return 2
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.stderr.write("chromium is not installed (apt-get install chromium)\n")
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    size = args.report.stat().st_size
    print(f"{args.report}: {size:,} bytes")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width in (int(w) for w in args.widths.split(",")):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(args.report.resolve().as_uri())
                page.wait_for_load_state("load")
                paint = page.evaluate(_PAINT)
                page.wait_for_selector("html[data-rendered]", state="attached")  # tables built
                ready = page.evaluate(_READY)
                print(
                    f"width {width}px: first contentful paint {paint:.0f} ms, "
                    f"tables rendered at {ready:.0f} ms"
                )
                if not args.no_shots:
                    shot = args.out / f"report-{width}.png"
                    page.screenshot(path=str(shot), full_page=False)
                    print(f"  wrote {shot}")
                page.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
