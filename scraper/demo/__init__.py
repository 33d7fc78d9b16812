"""Bundled, deterministic synthetic sites to crawl in tests, demos and benchmarks.

One generator, three options: `site` builds the demo content farm in memory from the seeds
(`seeds` parses the text renderings of real pages), `farm` is the same site at any scale (a
page a pure function of seed and id, rendered on request through the same templates), and
`faults` is the fault site (every fault a crawl must survive, with the truth a crawl is
checked against). `server` serves any of them on 127.0.0.1 (`python -m scraper.demo.server
[--faults | --pages N]`).
"""
