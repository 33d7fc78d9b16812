"""Serve the fault site on 127.0.0.1, carrying out each fault on the socket.

`python -m tests.faultsite.server --port 0` prints one line, `serving http://localhost:PORT/`,
then serves until SIGINT or SIGTERM (the shape of the demo server). The site is reached as
`localhost`, so that `127.0.0.1` is another host of the same server: off-scope requests show
up in the log with that Host header.

`GET /__log__` returns every request so far as JSON ({t, path, host}), for checks on what was
(never) requested and how long a client waited before retrying. It is linked from nowhere.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from scraper.demo.server import SiteHTTPServer
from tests.faultsite.site import (
    CutShort,
    Reply,
    Reset,
    SiteState,
    Stall,
    Stream,
    Trickle,
    respond,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

LOG_PATH = "/__log__"


class FaultHandler(BaseHTTPRequestHandler):
    """Answers GET from `site.respond`, faults included."""

    state: ClassVar[SiteState]
    log: ClassVar[list[dict[str, Any]]]
    log_lock: ClassVar[threading.Lock]
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        host = self.headers.get("Host", "")
        if parts.path == LOG_PATH:
            with self.log_lock:
                self._send(Reply(200, json.dumps(self.log).encode(), ()))
            return
        with self.log_lock:
            self.log.append({"t": time.monotonic(), "path": self.path, "host": host})
        action = respond(parts.path, parts.query, f"http://{host}", self.state)
        try:
            self._carry_out(action)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout): expected

    def _carry_out(self, action: Any) -> None:
        if isinstance(action, Reply):
            self._send(action)
        elif isinstance(action, Stall):
            time.sleep(action.seconds)
            self._send(action.reply)
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
        elif isinstance(action, Stream):
            self.send_response(200)
            for name, value in action.headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(action.body), 16 * 1024):
                self.wfile.write(action.body[start : start + 16 * 1024])
            self.close_connection = True

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


class FaultServer(SiteHTTPServer):
    """The demo's threaded server (room for a crawl's burst of connections), quiet about
    clients hanging up on it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients time out and hang up on purpose here."""


def serve(host: str = "127.0.0.1", port: int = 0) -> FaultServer:
    """A fault site server bound to `host`:`port` (0: any free port), not yet serving."""
    handler = type(
        "Handler",
        (FaultHandler,),
        {"state": SiteState(), "log": [], "log_lock": threading.Lock()},
    )
    return FaultServer((host, port), handler)


@contextlib.contextmanager
def running() -> Iterator[str]:
    """Run `python -m tests.faultsite.server --port 0` in a subprocess; yield its origin."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faultsite.server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("serving http://localhost:"):
            raise RuntimeError(f"fault site said {line!r}")
        yield line.removeprefix("serving ").rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def request_log(origin: str) -> list[dict[str, Any]]:
    """Every request the site at `origin` has answered so far."""
    with urllib.request.urlopen(origin + LOG_PATH, timeout=10) as response:
        log: list[dict[str, Any]] = json.load(response)
    return log


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT/SIGTERM, after printing `serving http://localhost:PORT/`."""
    parser = argparse.ArgumentParser(prog="python -m tests.faultsite.server")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    args = parser.parse_args(argv)
    server = serve(port=args.port)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    thread = threading.Thread(target=server.serve_forever, name="fault-site", daemon=True)
    thread.start()
    sys.stdout.write(f"serving http://localhost:{server.server_address[1]}/\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
