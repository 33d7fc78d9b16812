"""URL normalisation shared by the crawler (what to follow) and extraction (link targets).

One function decides what a URL "is", so the crawl's seen-set, the links table and the audit's
joins all agree.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

FOLLOWABLE_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _escaped_run(chars: str) -> str:
    """`(?:[chars]|%XX)*`, unrolled as `[chars]*+(?:%XX[chars]*+)*+`: the same strings, but
    sre takes a run of plain characters in one tight loop instead of a branch and a repeat
    frame per character (4x faster on a typical path). `chars` holds no "%", so the
    possessive runs never give back what a match would need; these patterns are only
    fullmatched, and a test checks them against the plain forms."""
    return rf"[{chars}]*+(?:%[0-9A-Fa-f]{{2}}[{chars}]*+)*+"


def _query(chars: str) -> str:
    """`(?:\\?(?:[chars]|%XX)+)?`: the lookahead keeps the run after "?" non-empty."""
    return rf"(?:\?(?=[{chars}%]){_escaped_run(chars)})?"


#: A path-absolute href that URL normalisation leaves unchanged, but for the case of its
#: percent-escapes and the unreserved characters they escape (checked by a property test).
_PLAIN_PATH = _escaped_run(r"A-Za-z0-9\-._~/")
_PLAIN_QUERY = _query(r"A-Za-z0-9\-._~=&")
PLAIN_PATH_RE = re.compile(rf"/(?!/){_PLAIN_PATH}{_PLAIN_QUERY}")
#: An absolute http(s) URL that normalisation leaves unchanged but for a "/" path and the
#: escapes as above: lower-case host labels, no port, no user info, a plain path.
#: Its path and query may hold the sub-delimiters normalisation keeps as they are too
#: ("web.archive.org/web/2018/https://…", "sharer.php?u=https://…"); not ";" (urljoin drops
#: an empty ";params") nor "'" (escaped in a query).
_ABSOLUTE_PATH = _escaped_run(r"A-Za-z0-9\-._~/!$&()*+,:=@")
_ABSOLUTE_QUERY = _query(r"A-Za-z0-9\-._~=&!$()*+,/:@")
#: A path-absolute href (or one of the page's own absolute URLs) as plain as that.
ABSOLUTE_PATH_RE = re.compile(rf"/(?!/){_ABSOLUTE_PATH}{_ABSOLUTE_QUERY}")
PLAIN_ABSOLUTE_RE = re.compile(
    r"(?P<origin>https?://(?P<host>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*))"
    rf"(?P<path>(?:/{_ABSOLUTE_PATH})?{_ABSOLUTE_QUERY})"
)
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize_url(href: str, base: str | None = None) -> str | None:
    """Resolve `href` against `base` and normalise it; None if it is not an http(s) URL.

    Lower-cases scheme and host, drops the default port and the fragment, percent-encodes
    non-ASCII path and query characters (as browsers send them) with upper-case hex, and
    unescapes unreserved characters, so raw and escaped forms of one path are one URL.
    javascript:, data:, mailto: and anything unparsable give None, so no caller can follow
    them by accident.
    """
    href = href.strip()
    if not href:
        return base and normalize_url(base)
    try:
        absolute = urljoin(base, href) if base else href
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in FOLLOWABLE_SCHEMES or not parts.hostname:
            return None
        port = parts.port
    except ValueError:  # invalid port, bad IPv6 literal
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal: brackets are part of the netloc
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    url = safe_url_string(urlunsplit((scheme, netloc, path, parts.query, "")), encoding="utf-8")
    return _escapes_normalised(url)


def _escapes_normalised(url: str) -> str:
    return _ESCAPE_RE.sub(_normal_escape, url) if "%" in url else url


def _normal_escape(match: re.Match[str]) -> str:
    """RFC 3986 6.2.2: upper-case hex, unreserved characters unescaped (%e6 = %E6, %7E = ~)."""
    code = int(match.group(1), 16)
    return chr(code) if code in _UNRESERVED else f"%{code:02X}"


class Resolver:
    """`normalize_url(href, base)` for one page, with a fast path for plain same-site paths.

    Most hrefs on a farm page are "/a/123.html": for those (ASCII path characters that need no
    escaping, no dot segments) the result is the base's origin plus the href without its
    fragment, which a property test checks against `normalize_url`. Everything else goes
    through `normalize_url`. The crawler and the link extractor both resolve every href of
    every page, so this is on the hot path twice.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        #: Results by href: a page repeats its hrefs (menus, "#" and "javascript:" links).
        self.memo: dict[str, tuple[str | None, str]] = {}
        normalized = normalize_url(base)
        #: The base's directory ("/a/b/" of "/a/b/c.html") when its path is plain, without
        #: dot segments or empty ones (which urljoin would resolve or drop): a plain relative
        #: href ("c/d.html") resolves to it plus the href.
        self.directory: str | None = None
        if normalized is None:
            self.origin: str | None = None
            self.host = ""
        else:
            scheme, _, rest = normalized.partition("://")
            self.origin = f"{scheme}://{rest.split('/', 1)[0]}"
            self.host = host_of(normalized)
            self.directory = _plain_directory(base)
        #: What every "#…" href resolves to: the base itself (the fragment goes).
        self.same_page: tuple[str | None, str] | None = None

    def resolve(self, href: str) -> tuple[str | None, str]:
        """Return (normalised absolute URL or None, its host)."""
        found = self.memo.get(href)
        if found is None:
            found = self.memo[href] = self._resolve(href)
        return found

    def _resolve(self, href: str) -> tuple[str | None, str]:
        if self.origin is not None:
            path = href.partition("#")[0]
            local = path[len(self.origin) :] if path.startswith(self.origin) else path
            if ABSOLUTE_PATH_RE.fullmatch(local) and "/." not in local:
                return _escapes_normalised(self.origin + local), self.host
            # A relative path: `path` as written ("https://host.de2019/" is no path of host.de).
            if self.directory is not None and path and path[0] not in "/.?":
                joined = self.directory + path
                if PLAIN_PATH_RE.fullmatch(joined) and "/." not in joined and "//" not in joined:
                    return _escapes_normalised(self.origin + joined), self.host
        stripped = href.strip()
        if stripped.startswith("#"):
            # urljoin keeps the base up to its fragment, whatever the fragment says.
            if self.same_page is None:
                self.same_page = self._slow(href)
            return self.same_page
        if stripped[:11].lower().startswith(_NEVER_HTTP):
            return None, ""  # their own scheme: never an http(s) URL
        if href.startswith("//") and self.origin is not None:
            # Scheme-relative ("//cdn.example.org/x"): urljoin gives it the base's scheme.
            href = self.origin.partition(":")[0] + ":" + href
        absolute = PLAIN_ABSOLUTE_RE.fullmatch(href.partition("#")[0])
        if absolute is not None and "/." not in absolute["path"]:
            # Another site's plain URL ("https://www.example.com/a/b.html"): already normal.
            path = absolute["path"]
            url = f"{absolute['origin']}{'' if path.startswith('/') else '/'}{path}"
            return _escapes_normalised(url), absolute["host"]
        return self._slow(href)

    def _slow(self, href: str) -> tuple[str | None, str]:
        target = normalize_url(href, self.base)
        return target, (host_of(target) if target is not None else "")


#: Hrefs opening with these schemes resolve to None (no http(s) URL); the commonest only.
_NEVER_HTTP = ("javascript:", "mailto:", "tel:")


def _plain_directory(base: str) -> str | None:
    """The directory of `base`'s path ("/a/b/" of "/a/b/c.html") when that path is plain: no
    characters to escape, no dot segments, no empty segments; else None."""
    try:
        path = urlsplit(base).path
    except ValueError:
        return None
    if not PLAIN_PATH_RE.fullmatch(path) or "/." in path or "//" in path:
        return None
    return path[: path.rfind("/") + 1]


def host_of(url: str) -> str:
    """Lower-case host of an absolute URL, without port ('' if none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def validate_start_url(url: str) -> str:
    """Return the normalised start URL or raise ValueError saying what is wrong with it."""
    normalized = normalize_url(url)
    if normalized is None:
        raise ValueError(
            f"{url!r} is not an absolute http(s) URL (expected e.g. https://example.org/)"
        )
    return normalized


# --- what the crawler counts as one page ---------------------------------------------------

#: Query parameters that only say where a click came from; the page is the same without them.
TRACKING_PARAMS = frozenset(
    {"gclid", "fbclid", "msclkid", "yclid", "dclid", "gbraid", "wbraid", "igshid", "spm"}
    | {"mc_cid", "mc_eid", "_hsenc", "_hsmi"}
)
TRACKING_PREFIXES = ("utm_",)
#: Session-id parameters: a new value per visit gives every page endless URLs.
SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sessionid", "session_id", "cfid"})
SESSION_PREFIXES = ("aspsessionid",)
#: Short generic names that are session ids only when the value looks like a token.
TOKEN_SESSION_PARAMS = frozenset({"sid"})
_SESSION_TOKEN = re.compile(
    r"[0-9a-f]{16,}|(?=[\w-]*\d)(?=[\w-]*[a-z])[\w-]{20,}", re.IGNORECASE | re.ASCII
)
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)


def crawl_key(url: str) -> str:
    """The URL the crawler requests and dedupes by: `url` without tracking and session ids.

    `url` is a `normalize_url` result. Tracking parameters (utm_*, gclid, spm, ...) and
    session ids (jsessionid, PHPSESSID, sid=<token>, ...) are dropped, other parameters keep
    their order and encoding. Trailing slashes are kept: `/a` and `/a/` may be different
    resources, and servers that treat them alike redirect one to the other.
    """
    if "?" not in url and ";" not in url:  # most farm URLs: nothing to drop, skip the parse
        return url
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path) if ";" in parts.path else parts.path
    query = parts.query
    if query:
        query = "&".join(pair for pair in query.split("&") if pair and not _volatile_param(pair))
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _volatile_param(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name = unquote(name).lower()
    return (
        name in TRACKING_PARAMS
        or name in SESSION_PARAMS
        or name.startswith(TRACKING_PREFIXES + SESSION_PREFIXES)
        or (name in TOKEN_SESSION_PARAMS and _SESSION_TOKEN.fullmatch(unquote(value)) is not None)
    )


# --- crawler traps ---------------------------------------------------------------------------

#: Limits past which a URL is taken for a machine-made trap rather than a page.
MAX_PATH_SEGMENTS = 16
MAX_URL_LENGTH = 1000
MAX_QUERY_PARAMS = 12
MAX_QUERY_LENGTH = 300
MAX_PARAM_REPEATS = 2

# Dates in paths need separators (2024-05-30, 2024/05/30): bare 8-digit path ids are common.
_PATH_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d\d([-/_.])(?:0?[1-9]|1[0-2])(?:\1(?:0?[1-9]|[12]\d|3[01]))?(?!\d)"
)
_QUERY_DATE = re.compile(
    r"(?<=[=&])(?:(?:19|20)\d\d[-/_.]?(?:0[1-9]|1[0-2])(?:[-/_.]?(?:0[1-9]|[12]\d|3[01]))?"
    r"|(?<=year=)\d{4}|(?<=month=)\d{1,2}|(?<=day=)\d{1,2})(?=&|$)",
    re.IGNORECASE,
)


def trap_reason(url: str) -> str | None:
    """Why `url` looks like a crawler trap (repeating path, ever-growing query), or None.

    Judged from the URL alone, so a resumed crawl judges it the same way.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"path deeper than {MAX_PATH_SEGMENTS} segments"
    counts = Counter(segments)
    segment, times = counts.most_common(1)[0] if counts else ("", 0)
    if times >= 3:
        return f"path segment {segment!r} repeats {times} times"
    for size in range(2, len(segments) // 2 + 1):
        for start in range(len(segments) - 2 * size + 1):
            run = segments[start : start + size]
            if run == segments[start + size : start + 2 * size]:
                return f"path segments {'/'.join(run)!r} repeat"
    if parts.query:
        if len(parts.query) > MAX_QUERY_LENGTH:
            return f"query longer than {MAX_QUERY_LENGTH} characters"
        pairs = [p for p in parts.query.split("&") if p]
        if len(pairs) > MAX_QUERY_PARAMS:
            return f"more than {MAX_QUERY_PARAMS} query parameters"
        names = Counter(unquote(p.partition("=")[0]) for p in pairs)
        name, times = names.most_common(1)[0]
        if times > MAX_PARAM_REPEATS:
            return f"query parameter {name!r} repeats {times} times"
    return None


def date_pattern(url: str) -> str | None:
    """`url` with its dates replaced by '{date}' (a calendar's page shape), None if undated.

    The crawler allows a budget of pages per shape: an endless calendar is one shape.
    """
    parts = urlsplit(url)
    path = _PATH_DATE.sub("{date}", parts.path)
    query = _QUERY_DATE.sub("{date}", parts.query) if parts.query else ""
    if path == parts.path and query == parts.query:
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
