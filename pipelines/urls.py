"""URL normalisation shared by the crawler (what to follow) and extraction (link targets).

One function decides what a URL "is", so the crawl's seen-set, the links table and the audit's
joins all agree.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

FOLLOWABLE_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(href: str, base: str | None = None) -> str | None:
    """Resolve `href` against `base` and normalise it; None if it is not an http(s) URL.

    Lower-cases scheme and host, drops the default port and the fragment, percent-encodes
    non-ASCII path and query characters (as browsers send them). javascript:, data:, mailto:
    and anything unparsable give None, so no caller can follow them by accident.
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
    url = urlunsplit((scheme, netloc, path, parts.query, ""))
    return safe_url_string(url, encoding="utf-8")


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
