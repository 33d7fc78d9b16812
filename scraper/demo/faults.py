"""The fault site: every fault a crawl must survive, on known URLs, with known outcomes.

`FaultSite.respond` returns an action (a reply, a reset, a cut-short body, a stall...) that
`scraper.demo.server` carries out on the socket, and logs the request. `expected(origin)` is
the truth a crawl is checked against: the pages it must hold exactly once, the fetches row of
every faulty URL, the trap families with their page counts, and what must never be requested.
`python -m scraper.demo.server --faults` serves it as `http://localhost:PORT/`, so that
`127.0.0.1` is another host of the same server: off-scope requests show up in the log with
that Host header. `GET /__log__` returns every request so far as JSON ({t, path, host}); it is
linked from nowhere.

The crawl these expectations are for starts at `origin + "/"` with the settings in
`CRAWL_SETTINGS` and the farmaudit defaults otherwise (RETRY_TIMES 2, REDIRECT_MAX_TIMES 10,
FARMAUDIT_TRAP_DATE_PAGES 30, FARMAUDIT_MAX_RETRY_AFTER 60).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Settings of the crawl the expectations are written for (--set NAME=VALUE).
CRAWL_SETTINGS = {
    "DOWNLOAD_TIMEOUT": "1",
    "DOWNLOAD_MAXSIZE": str(256 * 1024),
    "FARMAUDIT_MAX_OUTLINKS": str(80),  # MAX_OUTLINKS: above the home page's ~60 links
}
#: The hostile page links to this many dead URLs; a crawl follows MAX_OUTLINKS of them.
DEAD_LINKS = 400
MAX_OUTLINKS = 80
CRAWL_DEPTH = 40
RETRIES = 2  # RETRY_TIMES
DATE_PAGES = 30  # FARMAUDIT_TRAP_DATE_PAGES
MAX_QUERY_PARAMS = 12  # pipelines.store.urls.MAX_QUERY_PARAMS
SLOW_SECONDS = 3.0
CALENDAR_START = date(2024, 5, 30)

HTML = "text/html; charset=utf-8"
LOG_PATH = "/__log__"

# --- actions the server carries out -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """An ordinary response (Content-Length set from the body)."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", HTML),)


@dataclass(frozen=True, slots=True)
class Reset:
    """Read the request, then close the socket with a TCP reset and no response."""


@dataclass(frozen=True, slots=True)
class CutShort:
    """Announce `length` bytes, send `body` (shorter), then close."""

    body: bytes
    length: int


@dataclass(frozen=True, slots=True)
class Stall:
    """Wait `seconds` before replying (past the crawl's timeout)."""

    seconds: float
    reply: Reply


@dataclass(frozen=True, slots=True)
class Trickle:
    """Send the headers, then the body a few bytes at a time, too slowly to finish in time."""

    length: int
    chunk: bytes
    every: float


@dataclass(frozen=True, slots=True)
class Stream:
    """A body with no Content-Length, ended by closing the connection."""

    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", HTML),)


Action = Reply | Reset | CutShort | Stall | Trickle | Stream


@dataclass
class SiteState:
    """What the site remembers between requests: attempts per URL, session counter."""

    attempts: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, key: str) -> int:
        """1 on the first request for `key`, 2 on the second..."""
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            return self.attempts[key]

    def session_id(self) -> str:
        """A fresh session token, as a site hands one out per page view."""
        with self.lock:
            self.sessions += 1
            return hashlib.sha1(str(self.sessions).encode(), usedforsecurity=False).hexdigest()[:24]


class FaultSite:
    """The fault site as a server answers it: an action per request, and the request log."""

    def __init__(self) -> None:
        self.state = SiteState()
        self.log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()

    def respond(self, target: str, base_url: str) -> Action:
        """What to do for a GET of `target` (path and query) reached at `base_url`."""
        parts = urlsplit(target)
        origin = base_url.rstrip("/")
        with self._log_lock:
            if parts.path == LOG_PATH:
                return Reply(200, json.dumps(self.log).encode())
            self.log.append(
                {"t": time.monotonic(), "path": target, "host": origin.removeprefix("http://")}
            )
        return respond(parts.path, parts.query, origin, self.state)


# --- pages ------------------------------------------------------------------------------------


def page(
    title: str,
    paragraphs: Sequence[str],
    links: Sequence[tuple[str, str]] = (),
    *,
    related: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An article page: title, body paragraphs, body links, and a related block."""
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    rel = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in related)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><div class='article'><h1>{title}</h1>{body}<ul>{items}</ul></div>"
        f"<div class='related'><h3>相关内容</h3><ul>{rel}</ul></div></body></html>"
    ).encode()


def _text(n: int) -> list[str]:
    return [f"第{i}段：关于京东e卡回收的说明文字，内容仅用于测试抓取。" for i in range(1, n + 1)]


OK_PAGES = (1, 2, 3, 4, 5)
GBK_PAGE = (
    "<html><head><title>分期付款流程</title></head><body><h1>分期付款流程</h1>"
    "<p>第一步：登录账号。第二步：选择分期。</p></body></html>"
)
GBK_META_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    "<title>花呗还款说明</title></head><body><h1>花呗还款说明</h1><p>还款日前还清。</p>"
    "</body></html>"
)
MALFORMED = (
    b"<html><head><title>Broken <b>page</title><body><div><p>unclosed paragraph"
    b"<table><tr><td>cell<td>cell2</tr><div class=x id=y>nested <a href=/ok/5.html>five"
    b"<a href='/ok/4.html'>four</a></div></span></span><p>\xff\xfe stray bytes &amp &lt; &#xZZ;"
    b"<script>var s = '</div>';</script><!-- unclosed comment"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIG_BYTES = 400 * 1024
_BOMB = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)


def index(origin: str, sid: str) -> bytes:
    """The home page: one link to every fault, in an order the expectations rely on."""
    port = origin.rsplit(":", 1)[1]
    links = [(f"/ok/{n}.html", f"文章{n}") for n in OK_PAGES[:4]]
    links += [
        # After /ok/1.html, so that its target is claimed when the redirect arrives.
        ("/redirect/to-ok.html", "to ok"),
        # The directory first: the form without the slash redirects to it.
        ("/same/dir/", "dir"),
        ("/same/dir", "dir without slash"),
        ("/same/page.html?utm_source=feed&utm_medium=rss", "tracking"),
        ("/same/page.html#comments", "fragment"),
        (f"http://LOCALHOST:{port}/same/page.html", "host case"),
        ("/same/page.html?spm=a2c4g.11186623&utm_campaign=x", "spm"),
        *[(f"/status/{name}", name) for name in STATUS_PAGES],
        ("/slow.html", "slow"),
        ("/slow-body.html", "slow body"),
        ("/reset.html", "reset"),
        ("/truncated.html", "truncated"),
        ("/big.html", "big"),
        ("/big-stream.html", "big stream"),
        ("/gzip-bomb.html", "bomb"),
        ("/bad-gzip.html", "bad gzip"),
        ("/binary/photo.html", "photo"),
        ("/files/guide.pdf", "pdf"),
        ("/wrong-type/plain.html", "plain"),
        ("/wrong-type/octet.html", "octet"),
        ("/hostile/dead-links.html", "dead links"),
        (f"http://localhost:{int(port) + 1}/other-port.html", "same host, other port"),
        ("/charset/gbk-undeclared.html", "gbk"),
        ("/charset/gbk-says-utf8.html", "gbk as utf8"),
        ("/charset/meta-gbk.html", "meta gbk"),
        ("/malformed.html", "malformed"),
        ("/redirect/chain/1.html", "chain"),
        ("/redirect/loop-a.html", "loop"),
        ("/redirect/endless/1.html", "endless"),
        ("/redirect/offsite.html", "offsite redirect"),
        ("/redirect/meta-refresh.html", "meta refresh"),
        ("/redirect/meta-offsite.html", "meta refresh offsite"),
        ("/private/secret.html", "robots"),
        ("javascript:void(0)", "js"),
        ("JavaScript:alert(1)", "js2"),
        ("mailto:service@example.com", "mail"),
        ("data:text/html,<b>x</b>", "data"),
        ("tel:+8610123456", "tel"),
        (f"http://127.0.0.1:{port}/external.html", "same server, other host"),
        ("https://example.com/", "external"),
        (f"/trap/calendar?date={CALENDAR_START.isoformat()}", "calendar"),
        ("/trap/repeat/", "repeat"),
        ("/trap/grow", "grow"),
        ("/trap/sort?o=a", "sort"),
        (f"/session/page.html?sid={sid}", "session"),
        (f"/session/page.html;jsessionid={sid.upper()}", "jsession"),
    ]
    return page("故障站点首页", _text(1), links)


STATUS_PAGES = (
    "404.html",
    "500.html",
    "503-once.html",
    "503-once-no-header.html",
    "503-always.html",
    "429-once.html",
    "429-date.html",
    "429-too-long.html",
)


def respond(path: str, query: str, origin: str, state: SiteState) -> Action:
    """What to do for a GET of `path`?`query` on the site served at `origin`."""
    if path == "/":
        return Reply(200, index(origin, state.session_id()))
    if path == "/robots.txt":
        return Reply(
            200, b"User-agent: *\nDisallow: /private/\n", (("Content-Type", "text/plain"),)
        )
    if path.startswith("/ok/"):
        n = int(path.removeprefix("/ok/").removesuffix(".html"))
        related = [(f"/ok/{m}.html", f"文章{m}") for m in OK_PAGES[:4] if m != n]
        if n == 2:  # related links that 404
            related += [("/status/404.html", "gone"), ("/gone/old-article.html", "old")]
        return Reply(200, page(f"文章{n}", _text(3), related=related))
    if path.startswith("/gone/"):
        return Reply(404, page("404", ["not found"]))
    if path in ("/same/dir/", "/same/page.html"):
        return Reply(200, page(f"same {path}", _text(2)))
    if path == "/same/dir":
        return Reply(301, b"", (("Location", "/same/dir/"),))
    if path.startswith("/status/"):
        return _status(path.removeprefix("/status/"), state)
    if path == "/slow.html":
        return Stall(SLOW_SECONDS, Reply(200, page("slow", _text(1))))
    if path == "/slow-body.html":
        return Trickle(10_000, b"<p>" + b"x" * 50 + b"</p>", every=0.5)
    if path == "/reset.html":
        return Reset()
    if path == "/truncated.html":
        return CutShort(page("truncated", _text(20))[:1000], length=4000)
    if path == "/big.html":
        return Reply(200, page("big", ["x" * BIG_BYTES]))
    if path == "/big-stream.html":
        return Stream(page("big stream", ["y" * BIG_BYTES]))
    if path == "/gzip-bomb.html":
        return Reply(200, _BOMB, (("Content-Type", HTML), ("Content-Encoding", "gzip")))
    if path == "/bad-gzip.html":
        body = b"this is not gzip data at all " * 20
        return Reply(200, body, (("Content-Type", HTML), ("Content-Encoding", "gzip")))
    if path == "/binary/photo.html":
        return Reply(200, PNG)
    if path == "/files/guide.pdf":
        return Reply(200, PDF, (("Content-Type", "application/pdf"),))
    if path == "/wrong-type/plain.html":  # its link is not followed: not served as HTML
        body = page("plain", _text(2), related=[("/wrong-type/only-from-plain.html", "x")])
        return Reply(200, body, (("Content-Type", "text/plain"),))
    if path == "/hostile/dead-links.html":  # followed up to the outlink cap only
        dead = [(f"/hostile/dead/{n:04d}.html", str(n)) for n in range(DEAD_LINKS)]
        return Reply(200, page("dead links", _text(1), related=dead))
    if path.startswith("/hostile/dead/"):
        return Reply(404, page("404", ["not found"]))
    if path == "/wrong-type/octet.html":
        body = page("octet", _text(2))
        return Reply(200, body, (("Content-Type", "application/octet-stream"),))
    if path == "/charset/gbk-undeclared.html":
        return Reply(200, GBK_PAGE.encode("gbk"), (("Content-Type", "text/html"),))
    if path == "/charset/gbk-says-utf8.html":
        return Reply(200, GBK_PAGE.encode("gbk"), (("Content-Type", HTML),))
    if path == "/charset/meta-gbk.html":
        return Reply(200, GBK_META_PAGE.encode("gbk"), (("Content-Type", "text/html"),))
    if path == "/malformed.html":
        return Reply(200, MALFORMED, (("Content-Type", "text/html"),))
    if path.startswith("/redirect/"):
        return _redirect(path.removeprefix("/redirect/"), origin)
    if path.startswith("/private/"):
        return Reply(200, page("private", ["robots.txt forbids this"]))
    if path == "/trap/calendar":
        day = date.fromisoformat(dict(parse_qsl(query))["date"])
        links = [(f"?date={(day + timedelta(days=d)).isoformat()}", str(d)) for d in (-1, 1)]
        return Reply(200, page(f"calendar {day}", ["events"], links))
    if path.startswith("/trap/repeat/"):
        return Reply(200, page(f"repeat {path}", ["deeper"], [("a/b/", "deeper")]))
    if path == "/trap/grow":
        n = len(parse_qsl(query)) + 1
        more = f"{query}&f{n}=1" if query else f"f{n}=1"
        return Reply(200, page(f"grow {n}", ["filters"], [(f"?{more}", "more")]))
    if path == "/trap/sort":
        return Reply(200, page(f"sort {query}", ["sorted"], [(f"?{query}&o=a", "again")]))
    if path in ("/session/page.html", "/session/next.html"):
        other = "next" if path == "/session/page.html" else "page"
        links = [
            (f"{path}?sid={state.session_id()}", "self"),
            (f"/session/{other}.html?sid={state.session_id()}", other),
            (f"/session/{other}.html;jsessionid={state.session_id()}", other),
            (f"/session/{other}.html?PHPSESSID={state.session_id()}", other),
        ]
        return Reply(200, page(f"session {path}", ["per-visit ids"], links))
    return Reply(404, page("404", ["no such page"]))


def _status(name: str, state: SiteState) -> Action:
    attempt = state.attempt(name)
    ok = Reply(200, page(f"status {name}", _text(1)))
    if name == "404.html":
        return Reply(404, page("404", ["gone"]))
    if name == "500.html":
        return Reply(500, page("500", ["error"]))
    if name == "503-once.html":
        return ok if attempt > 1 else Reply(503, b"busy", (("Retry-After", "1"),))
    if name == "503-once-no-header.html":
        return ok if attempt > 1 else Reply(503, b"busy")
    if name == "503-always.html":
        return Reply(503, b"busy", (("Retry-After", "1"),))
    if name == "429-once.html":
        return ok if attempt > 1 else Reply(429, b"slow down", (("Retry-After", "1"),))
    if name == "429-date.html":
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
        return ok if attempt > 1 else Reply(429, b"slow down", (("Retry-After", when),))
    if name == "429-too-long.html":
        return Reply(429, b"come back tomorrow", (("Retry-After", "3600"),))
    return Reply(404, b"")


def _redirect(name: str, origin: str) -> Action:
    offsite = origin.replace("localhost", "127.0.0.1")
    targets = {
        "to-ok.html": (301, "/ok/1.html"),
        "chain/1.html": (301, "/redirect/chain/2.html"),
        "chain/2.html": (302, "/redirect/chain/3.html"),
        "chain/3.html": (307, "/redirect/final.html"),
        "loop-a.html": (302, "/redirect/loop-b.html"),
        "loop-b.html": (302, "/redirect/loop-a.html"),
        "offsite.html": (302, f"{offsite}/landing.html"),
    }
    if name in targets:
        status, location = targets[name]
        return Reply(status, b"", (("Location", location),))
    if name.startswith("endless/"):
        n = int(name.removeprefix("endless/").removesuffix(".html"))
        return Reply(302, b"", (("Location", f"/redirect/endless/{n + 1}.html"),))
    if name in ("final.html", "meta-target.html"):
        return Reply(200, page(name, _text(2)))
    if name == "meta-refresh.html":
        return Reply(200, _refresh("/redirect/meta-target.html"))
    if name == "meta-offsite.html":
        return Reply(200, _refresh(f"{offsite}/landing.html"))
    return Reply(404, b"")


def _refresh(url: str) -> bytes:
    return (
        f'<html><head><meta http-equiv="refresh" content="0; url={url}"><title>moved</title>'
        f'</head><body><a href="{url}">moved</a></body></html>'
    ).encode()


# --- what a crawl must record -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """The fetches row a URL must end as: error kind (None: a page), retries, final URL, status.

    `final` None means the URL itself; "" means no final URL. `status` None means no response.
    """

    error: str | None
    retries: int = 0
    final: str | None = None
    status: int | None = 200


@dataclass(frozen=True, slots=True)
class TrapFamily:
    """URLs under `prefix`: exactly `pages` fetched as pages, the rest recorded as traps."""

    prefix: str
    pages: int
    trap_urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Expected:
    """Everything a crawl of the fault site must show."""

    rows: dict[str, Row]
    families: tuple[TrapFamily, ...]
    never_requested: tuple[str, ...]  # substrings of request targets the server must not see
    other_hosts: tuple[str, ...]  # Host headers the server must not see

    @property
    def pages(self) -> set[str]:
        """Final URLs that must be in raw/ and pages/ exactly once (trap families aside)."""
        return {row.final or url for url, row in self.rows.items() if row.error is None}


def expected(origin: str) -> Expected:
    """The truth for a crawl of the site served at `origin` (e.g. "http://localhost:8123")."""
    o = origin
    offsite = origin.replace("localhost", "127.0.0.1")
    page_ok = Row(None)
    rows: dict[str, Row] = {
        f"{o}/": page_ok,
        **{f"{o}/ok/{n}.html": page_ok for n in OK_PAGES},
        f"{o}/redirect/to-ok.html": Row("duplicate", final=f"{o}/ok/1.html", status=301),
        f"{o}/same/dir/": page_ok,
        f"{o}/same/dir": Row("duplicate", final=f"{o}/same/dir/", status=301),
        # Tracking parameters, fragment and host case: one URL, requested clean.
        f"{o}/same/page.html": page_ok,
        f"{o}/status/404.html": Row("http_404", status=404),
        f"{o}/gone/old-article.html": Row("http_404", status=404),
        f"{o}/status/500.html": Row("http_500", retries=RETRIES, status=500),
        f"{o}/status/503-once.html": Row(None, retries=1),
        f"{o}/status/503-once-no-header.html": Row(None, retries=1),
        f"{o}/status/503-always.html": Row("http_503", retries=RETRIES, status=503),
        f"{o}/status/429-once.html": Row(None, retries=1),
        f"{o}/status/429-date.html": Row(None, retries=1),
        f"{o}/status/429-too-long.html": Row("http_429", retries=0, status=429),
        f"{o}/slow.html": Row("timeout", retries=RETRIES, final="", status=None),
        f"{o}/slow-body.html": Row("timeout", retries=RETRIES, final="", status=None),
        f"{o}/reset.html": Row("reset", retries=RETRIES, final="", status=None),
        f"{o}/truncated.html": Row("truncated", retries=RETRIES, final="", status=None),
        f"{o}/big.html": Row("too_large", final="", status=None),
        f"{o}/big-stream.html": Row("too_large", final="", status=None),
        f"{o}/gzip-bomb.html": Row("too_large", final="", status=None),
        f"{o}/bad-gzip.html": Row("decode_error", final="", status=None),
        f"{o}/binary/photo.html": Row("not_html"),
        f"{o}/files/guide.pdf": Row("not_html"),
        f"{o}/wrong-type/plain.html": page_ok,
        f"{o}/wrong-type/octet.html": page_ok,
        f"{o}/charset/gbk-undeclared.html": page_ok,
        f"{o}/charset/gbk-says-utf8.html": page_ok,
        f"{o}/charset/meta-gbk.html": page_ok,
        f"{o}/malformed.html": page_ok,
        f"{o}/redirect/chain/1.html": Row(None, final=f"{o}/redirect/final.html"),
        f"{o}/redirect/loop-a.html": Row(
            "redirect_loop", final=f"{o}/redirect/loop-a.html", status=302
        ),
        f"{o}/redirect/endless/1.html": Row(
            "too_many_redirects", final=f"{o}/redirect/endless/12.html", status=302
        ),
        f"{o}/redirect/offsite.html": Row("off_scope", final=f"{offsite}/landing.html", status=302),
        f"{o}/redirect/meta-refresh.html": Row(None, final=f"{o}/redirect/meta-target.html"),
        f"{o}/redirect/meta-offsite.html": Row(
            "off_scope", final=f"{offsite}/landing.html", status=200
        ),
        f"{o}/private/secret.html": Row("robots", final="", status=None),
        # Session ids are dropped from the URL: two pages, however many ids they hand out.
        f"{o}/session/page.html": page_ok,
        f"{o}/session/next.html": page_ok,
        f"{o}/trap/repeat/": page_ok,
        f"{o}/trap/repeat/a/b/": page_ok,
        f"{o}/trap/repeat/a/b/a/b/": Row("trap", final="", status=None),
        f"{o}/trap/sort?o=a": page_ok,
        f"{o}/trap/sort?o=a&o=a": page_ok,
        f"{o}/trap/sort?o=a&o=a&o=a": Row("trap", final="", status=None),
    }
    rows[f"{o}/hostile/dead-links.html"] = page_ok
    for n in range(MAX_OUTLINKS):
        rows[f"{o}/hostile/dead/{n:04d}.html"] = Row("http_404", status=404)
    grow = [f"f{n}=1" for n in range(1, MAX_QUERY_PARAMS + 2)]
    for n in range(MAX_QUERY_PARAMS + 1):
        rows[f"{o}/trap/grow" + (f"?{'&'.join(grow[:n])}" if n else "")] = page_ok
    rows[f"{o}/trap/grow?{'&'.join(grow)}"] = Row("trap", final="", status=None)
    return Expected(
        rows=rows,
        families=(TrapFamily(f"{o}/trap/calendar?date=", DATE_PAGES),),
        never_requested=(
            "utm_",
            "spm=",
            "sid=",
            "jsessionid",
            "PHPSESSID",
            "/private/",
            "/trap/repeat/a/b/a/b/",
            quote("o=a&o=a&o=a"),
            "o=a&o=a&o=a",
            f"f{MAX_QUERY_PARAMS + 1}=",
            "/redirect/endless/12.html",
            "/wrong-type/only-from-plain.html",  # linked only from a text/plain page
            # Past the outlink cap (MAX_OUTLINKS = 80 of DEAD_LINKS = 400): 0080 to 0399.
            *(f"/hostile/dead/00{d}" for d in range(8, 10)),
            *(f"/hostile/dead/0{d}" for d in range(1, 4)),
        ),
        other_hosts=(offsite.removeprefix("http://"),),
    )
