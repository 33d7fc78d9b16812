"""A hostile test site: every fault a crawl must survive, on known URLs, with known outcomes.

`site.py` says what each URL does and what a crawl must record for it; `server.py` serves it
on 127.0.0.1 (`python -m tests.faultsite.server --port 0` prints `serving http://localhost:PORT/`).
"""
