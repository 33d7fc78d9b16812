"""The bench's fast server of the farm site (`scraper.demo.farm`), and its load client.

    python -m bench.farmsite serve --pages 100000 [--seed 0] [--port 0]
    python -m bench.farmsite stats --pages 100000      # planted shares, page sizes
    python -m bench.farmsite page --pages 1000 --id 42  # one page's HTML
    python -m bench.farmsite load URL --requests 5000   # the server's own pages/s

The site is `scraper.demo.farm.FarmSite`: the demo site at scale, its pages rendered through
the demo's Jinja2 templates when requested (see that module for what is planted in it). The
server here is asyncio over raw HTTP/1.1 with keep-alive, one write per response, and a small
LRU of the list, robots and sitemap responses (articles are rendered on every request, so the
server's measured cost is the cold one). `/__bench/stats` reports the server's own CPU time
and request count as JSON, so a bench can show the server was not the bottleneck.
`python -m scraper.demo.server --pages N` serves the same site from the demo's threaded
server, which is slower.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import signal
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from scraper.demo.farm import FIRST_ARTICLE, FarmSite, page_path

# --- the server -----------------------------------------------------------------------------


class FarmServer:
    """asyncio HTTP/1.1 (keep-alive) server of a FarmSite; a small LRU keeps recent pages."""

    def __init__(self, site: FarmSite, cache_pages: int = 2048) -> None:
        self.site = site
        self.cache: OrderedDict[str, bytes] = OrderedDict()
        self.cache_pages = cache_pages
        self.requests = 0
        self.bytes_sent = 0
        self.host = "127.0.0.1"
        self.port = 0

    def _stats(self) -> bytes:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return json.dumps(
            {
                "requests": self.requests,
                "bytes": self.bytes_sent,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
                "pages": self.site.pages,
                "seed": self.site.seed,
            }
        ).encode()

    def _answer(self, target: str, head_only: bool) -> bytes:
        """Status line, headers and (for GET) body of the response to `target`."""
        cached = self.cache.get(target)
        if cached is not None:
            self.cache.move_to_end(target)
            response = cached
        else:
            path = urlsplit(target).path if ("?" in target or "://" in target) else target
            if path == "/__bench/stats":
                body, status, ctype = self._stats(), 200, "application/json"
            else:
                found = self.site.respond(path, f"http://{self.host}:{self.port}")
                body, status, ctype = found.body, found.status, found.content_type
            reason = "OK" if status == 200 else "Not Found"
            response = (
                f"HTTP/1.1 {status} {reason}\r\nServer: farmsite\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            # Articles are rendered on every request, so the server's measured cost is the
            # cold one; only the few list, robots and sitemap responses are kept.
            page_id = self.site.page_id(path)
            if path != "/__bench/stats" and (page_id is None or page_id < FIRST_ARTICLE):
                self.cache[target] = response
                if len(self.cache) > self.cache_pages:
                    self.cache.popitem(last=False)
        if head_only:
            return response[: response.index(b"\r\n\r\n") + 4]
        return response

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve requests on one connection until the client closes it."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, _, headers = head.partition(b"\r\n")
                parts = line.split(b" ")
                if len(parts) != 3:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    break
                method, target, version = parts
                lowered = headers.lower()
                if b"content-length:" in lowered:  # a body we do not want: drop the connection
                    break
                self.requests += 1
                response = self._answer(target.decode("latin-1"), method == b"HEAD")
                self.bytes_sent += len(response)
                writer.write(response)
                await writer.drain()
                if version != b"HTTP/1.1" or b"connection: close" in lowered:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def serve(self, host: str, port: int, ready: asyncio.Event | None = None) -> None:
        """Listen on host:port (0: any free port), print `serving URL`, serve until cancelled."""
        server = await asyncio.start_server(self.handle, host, port, backlog=1024)
        sock = server.sockets[0]
        self.host, self.port = sock.getsockname()[:2]
        sys.stdout.write(f"serving http://{self.host}:{self.port}/\n")
        sys.stdout.flush()
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()


def serve(pages: int, seed: int, host: str, port: int) -> None:
    """Serve the site until SIGINT or SIGTERM."""
    app = FarmServer(FarmSite(pages, seed))

    async def main() -> None:
        task = asyncio.ensure_future(app.serve(host, port))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())


# --- a load client: the server's own pages per second ---------------------------------------


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What `load` measured: responses, bytes, wall time and the server's CPU time for them."""

    requests: int
    bytes: int
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float

    @property
    def pages_per_s(self) -> float:
        """Responses per wall second, with the client on the same machine."""
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU milliseconds per page."""
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0

    @property
    def capacity(self) -> float:
        """Pages per second one core of server could serve (1 / server CPU per page)."""
        return 1000 / self.server_cpu_ms if self.server_cpu_ms else 0.0


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> bytes:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return await reader.readexactly(length)


async def server_stats(url: str) -> dict[str, float]:
    """The server's `/__bench/stats` as a dict."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        body = await _get(reader, writer, parts.netloc, "/__bench/stats")
    finally:
        writer.close()
    stats: dict[str, float] = json.loads(body)
    return stats


async def _load(url: str, paths: list[str], connections: int) -> LoadResult:
    parts = urlsplit(url)
    before = await server_stats(url)
    queue = iter(paths)
    received = [0, 0]

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            for path in queue:
                body = await _get(reader, writer, parts.netloc, path)
                received[0] += 1
                received[1] += len(body)
        finally:
            writer.close()

    cpu0 = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - cpu0
    after = await server_stats(url)
    return LoadResult(received[0], received[1], wall, after["cpu_s"] - before["cpu_s"], client_cpu)


def load(url: str, paths: list[str], connections: int = 32) -> LoadResult:
    """GET every path once over `connections` keep-alive connections; measure the rate."""
    return asyncio.run(_load(url, paths, connections))


def load_paths(pages: int, requests: int, seed: int = 0, offset: int = 0) -> list[str]:
    """`requests` distinct article paths of the site (cold: not in the server's cache)."""
    site_ids = range(FIRST_ARTICLE, pages)
    count = min(requests, len(site_ids))
    step = max(1, len(site_ids) // count)
    ids = [site_ids[(offset + k * step) % len(site_ids)] for k in range(count)]
    return [page_path(i) for i in ids]


# --- command line -------------------------------------------------------------------------


def _stats(site: FarmSite, sample: int) -> None:
    counts: dict[str, int] = {}
    dups = 0
    ops: dict[str, int] = {}
    titles: dict[str, int] = {}
    for i in site.articles:
        truth = site.truth(i)
        counts[truth.category] = counts.get(truth.category, 0) + 1
        titles[truth.title] = titles.get(truth.title, 0) + 1
        if truth.respin:
            dups += 1
            for op in truth.respin.split("+"):
                ops[op] = ops.get(op, 0) + 1
    n = len(site.articles)
    print(f"site: {site.pages:,} pages ({n:,} articles), seed {site.seed}")
    for name, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<9} {count:>9,}  {count / n:6.1%}")
    print(f"  near-duplicate titles planted: {dups:,} ({dups / n:.1%}); ops {ops}")
    repeated = sum(c - 1 for c in titles.values() if c > 1)
    print(f"  exact repeats of a title (template collisions and respins): {repeated:,}")
    step = max(1, site.pages // sample)
    sizes = [len(site.render(i)) for i in range(0, site.pages, step)]
    links = [site.render(i).count(b"<a ") for i in range(FIRST_ARTICLE, site.pages, step)]
    print(
        f"  page bytes over {len(sizes)} pages: min {min(sizes):,} mean "
        f"{sum(sizes) // len(sizes):,} max {max(sizes):,}; <a> per article: min {min(links)} "
        f"mean {sum(links) / len(links):.0f} max {max(links)}"
    )


def main(argv: list[str] | None = None) -> None:
    """`serve`, `stats`, `page` or `load`; see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.farmsite", description=(__doc__ or "").split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "stats", "page"):
        p = sub.add_parser(name)
        p.add_argument("--pages", type=int, default=5000, help="pages of the site (default 5000)")
        p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
        if name == "serve":
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=0, help="0: any free port")
        if name == "stats":
            p.add_argument("--sample", type=int, default=500, help="pages rendered for sizes")
        if name == "page":
            p.add_argument("--id", type=int, required=True)
    p = sub.add_parser("load")
    p.add_argument("url", help="base URL of a running farmsite server")
    p.add_argument("--requests", type=int, default=5000)
    p.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.pages, args.seed, args.host, args.port)
    elif args.command == "stats":
        _stats(FarmSite(args.pages, args.seed), args.sample)
    elif args.command == "page":
        sys.stdout.buffer.write(FarmSite(args.pages, args.seed).render(args.id))
    else:
        pages = int(asyncio.run(server_stats(args.url))["pages"])
        result = load(args.url, load_paths(pages, args.requests), args.connections)
        print(
            f"{result.requests:,} pages, {result.bytes / 1e6:,.1f} MB in {result.wall_s:.2f} s: "
            f"{result.pages_per_s:,.0f} pages/s; server CPU {result.server_cpu_ms:.3f} ms/page "
            f"(one core: {result.capacity:,.0f} pages/s); client CPU {result.client_cpu_s:.1f} s"
        )


if __name__ == "__main__":
    main()
