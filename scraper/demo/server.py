"""Serve the demo site, the fault site or a farm site over HTTP on 127.0.0.1.

`serve_demo()` runs the server in a daemon thread for tests; `python -m scraper.demo.server`
prints one line, `serving http://HOST:PORT/`, then serves until SIGINT or SIGTERM (the
Scrapy mockserver shape: a parent reads the port from the first stdout line). With `--faults`
it serves the fault site (`scraper.demo.faults`) and names it `http://localhost:PORT/`; with
`--pages N [--seed S]` the demo site at scale (`scraper.demo.farm`). Every response is one
write: head and body together.
"""

from __future__ import annotations

import argparse
import io
import re
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeAlias
from urllib.parse import urlsplit

from scraper.demo.farm import FarmSite
from scraper.demo.faults import (
    Action,
    CutShort,
    FaultSite,
    Reply,
    Reset,
    Stall,
    Trickle,
)
from scraper.demo.site import DemoResponse, DemoSite, build_site

if TYPE_CHECKING:
    from types import FrameType, TracebackType

#: What the server serves: the demo site, the fault site or a farm site of any size.
Site: TypeAlias = DemoSite | FaultSite | FarmSite

# Host headers go into robots.txt and sitemap.xml, so only plain host[:port] values are used.
_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the in-memory site, carrying out the fault site's actions."""

    site: ClassVar[Site]
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(include_body=True)

    def do_HEAD(self) -> None:
        self._answer(include_body=False)

    def _answer(self, *, include_body: bool) -> None:
        target = self.path
        if not target.startswith("/"):  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.site.respond(target or "/", self._base_url())
        if isinstance(response, DemoResponse):
            headers = (("Content-Type", response.content_type),)
            self._send(response.status, headers, response.body, include_body=include_body)
            return
        try:
            self._carry_out(response, include_body=include_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout): expected

    def _send(
        self,
        status: int,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        *,
        include_body: bool = True,
    ) -> None:
        # One write for head and body: the head written alone, then the body, leaves a small
        # segment unacknowledged that Nagle holds back until the client's delayed ACK, about
        # 40 ms per request on a keep-alive connection. So the head is collected, not sent.
        socket_file = self.wfile
        self.wfile = head = io.BytesIO()
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
        finally:
            self.wfile = socket_file
        self.wfile.write(head.getvalue() + body if include_body else head.getvalue())

    def _carry_out(self, action: Action, *, include_body: bool) -> None:
        if isinstance(action, Reply):
            self._send(action.status, action.headers, action.body, include_body=include_body)
        elif isinstance(action, Stall):
            time.sleep(action.seconds)
            self._carry_out(action.reply, include_body=include_body)
        elif isinstance(action, Reset):
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif isinstance(action, CutShort):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(action.length))
            self.end_headers()
            self.wfile.write(action.body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif isinstance(action, Trickle):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(action.length))
            self.end_headers()
            sent = 0
            while sent + len(action.chunk) < action.length:
                self.wfile.write(action.chunk)
                self.wfile.flush()
                sent += len(action.chunk)
                time.sleep(action.every)
            self.close_connection = True
        else:
            self.send_response(200)
            for name, value in action.headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(action.body), 16 * 1024):
                self.wfile.write(action.body[start : start + 16 * 1024])
            self.close_connection = True

    def _base_url(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST_HEADER.match(host):
            # The socket the request came in on, as the client reached it.
            address, port = self.connection.getsockname()[:2]
            host = f"[{address}]:{port}" if ":" in str(address) else f"{address}:{port}"
        return f"http://{host}/"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: a crawl makes hundreds of requests."""


class SiteHTTPServer(ThreadingHTTPServer):
    """A threaded server with a listen backlog for a crawler's burst of connections.

    The standard library's backlog of 5 drops the SYNs of a crawl that opens a dozen
    connections at once; the client then waits a second for its SYN retransmit, which a
    short DOWNLOAD_TIMEOUT turns into timeouts and retries that the site never caused.
    """

    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up (timeouts; the fault site resets on purpose)."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class SiteServer:
    """A site served by a `SiteHTTPServer` in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, site: Site | None = None) -> None:
        handler = type("SiteHandler", (_Handler,), {"site": site or build_site()})
        self._httpd = SiteHTTPServer((host, port), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="site-server", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        """Root URL with a trailing slash, e.g. "http://127.0.0.1:8123/"."""
        host, port = self._httpd.server_address[:2]
        host = str(host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def serve_demo(host: str = "127.0.0.1", port: int = 0, site: Site | None = None) -> SiteServer:
    """Start serving the demo site, or `site` (port 0: any free port); use as a context manager."""
    return SiteServer(host, port, site)


def main(argv: list[str] | None = None) -> None:
    """Serve the demo (or fault) site until SIGINT/SIGTERM, after printing `serving <base_url>`."""
    parser = argparse.ArgumentParser(prog="python -m scraper.demo.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--faults", action="store_true", help="serve the fault site, as http://localhost:PORT/"
    )
    which.add_argument(
        "--pages", type=int, help="serve a farm site of this many pages (scraper.demo.farm)"
    )
    parser.add_argument("--seed", type=int, default=0, help="the farm site's seed (default 0)")
    parser.add_argument(
        "--plant-spam",
        type=int,
        default=0,
        help="inject this many spam links into the demo's seed pages (default 0)",
    )
    args = parser.parse_args(argv)
    site: Site | None = None
    if args.faults:
        site = FaultSite()
    elif args.pages is not None:
        site = FarmSite(args.pages, args.seed)
    elif args.plant_spam:
        site = build_site(args.plant_spam)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with serve_demo(args.host, args.port, site) as server:
        url = server.base_url
        if args.faults:
            url = url.replace(args.host, "localhost", 1)
        sys.stdout.write(f"serving {url}\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
