"""Bundled, deterministic synthetic sites to crawl in tests and demos.

`seeds` parses the text renderings of real pages, `site` builds the demo content farm in
memory, `faults` is the fault site (every fault a crawl must survive, with the truth a crawl
is checked against), `server` serves either on 127.0.0.1 (`python -m scraper.demo.server
[--faults]`).
"""
