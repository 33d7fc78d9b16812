"""A bundled, deterministic content-farm site to crawl in tests and demos.

`seeds` parses the text renderings of real pages, `site` builds the whole site in memory,
`server` serves it on 127.0.0.1 (`python -m scraper.demo.server`).
"""
