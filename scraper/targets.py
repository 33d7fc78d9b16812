"""Start targets: URL lists from the command line or a file, checked before any crawl starts."""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipelines.store.errors import FarmauditError
from pipelines.store.urls import host_of, normalize_url

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


class TargetError(FarmauditError):
    """A start URL or URL list that cannot be crawled; the message names it."""


def parse_url_lines(lines: Iterable[str], source: str) -> list[str]:
    """Normalised URLs of a URL list (blank lines and '#' comments skipped).

    A bad line raises TargetError naming `source` and the line number.
    """
    urls: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        url = normalize_url(text)
        if url is None:
            raise TargetError(
                f"{source}:{number}: {text!r} is not an absolute http(s) URL "
                "(expected e.g. https://example.org/)"
            )
        urls.append(url)
    return urls


def read_url_file(path: Path) -> list[str]:
    """The URLs listed in `path`, one per line."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TargetError(f"{path}: cannot read URL list ({err})") from err
    return parse_url_lines(text.splitlines(), str(path))


def check_public(url: str, flag: str = "--allow-private") -> None:
    """Refuse loopback, private, link-local and reserved targets (TargetError).

    So that a shared deployment cannot be pointed at its own network; callers skip this check
    when the user passes --allow-private (`flag`: how the user says so where they are).
    """
    host = host_of(url).strip("[]")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as err:
        raise TargetError(f"{url}: cannot resolve host {host!r} ({err})") from err
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_unspecified
        ):
            raise TargetError(
                f"{url}: {host} resolves to {address}, a private or loopback address; "
                f"pass {flag} to crawl it"
            )


def allowed_hosts_for(urls: Iterable[str]) -> list[str]:
    """The hosts a crawl from `urls` may visit: each start host with and without 'www.'."""
    hosts: set[str] = set()
    for url in urls:
        host = host_of(url)
        if not host:
            continue
        bare = host.removeprefix("www.")
        hosts.update({bare, "www." + bare} if not _is_ip(bare) else {bare})
    return sorted(hosts)


def site_of(url: str) -> str:
    """The site `url` belongs to: its host, with its port unless the scheme's default.

    The same host on another port is another site (another server), not crawled unless it is
    a start URL's site; http and https on their default ports are one site.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    return host if port is None or port in (80, 443) else f"{host}:{port}"


def allowed_sites_for(urls: Iterable[str]) -> frozenset[str]:
    """The sites (`site_of`) a crawl from `urls` may visit, each with and without 'www.'."""
    sites: set[str] = set()
    for url in urls:
        site = site_of(url)
        if not site:
            continue
        bare = site.removeprefix("www.")
        sites.update({bare, "www." + bare} if not _is_ip(bare.rsplit(":", 1)[0]) else {bare})
    return frozenset(sites)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
