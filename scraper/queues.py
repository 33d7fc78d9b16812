"""A scheduler memory queue that holds the spider's plain page requests as small tuples.

On a content farm every page links to ~100 others, so after a few hundred pages nearly the
whole site waits in the scheduler. A `scrapy.Request` with its meta dict, headers and bound
callbacks costs about 1.5 KB; the same request as (url, depth, referrer) about 150 bytes, and
the referrer string is shared by all the links of a page. The spider's frontier
(`scraper.frontier`) says which requests it can rebuild (`pack_request`) and rebuilds them on
the way out (`unpack_request`); anything else (retries, redirects, sitemaps: requests with
state of their own) is kept as it is.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class Packer(Protocol):
    """What a frontier offers to have its requests stored compactly."""

    def pack_request(self, request: Request) -> tuple[Any, ...] | None:
        """A tuple `unpack_request` turns back into an equal request, or None."""

    def unpack_request(self, packed: tuple[Any, ...]) -> Request:
        """The request `pack_request` packed."""


class CompactFifoMemoryQueue:
    """Memory queue (SCHEDULER_MEMORY_QUEUE) storing packable requests as tuples, fair across
    source pages.

    Scrapy keeps one such queue per priority (the depth: breadth-first) and download slot.
    Within it, requests wait in one FIFO per source page (their referrer), and the pages take
    turns: one page's ten thousand links cannot hold back the links of the pages after it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler
        self._groups: dict[str | None, deque[Request | tuple[Any, ...]]] = {}
        self._turns: deque[str | None] = deque()  # source pages with requests waiting, in turn
        self._length = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Scrapy builds one queue per priority (and per download slot); the key is unused."""
        return cls(crawler)

    def _packer(self) -> Packer | None:
        packer = getattr(self._crawler.spider, "frontier", None)
        return packer if hasattr(packer, "pack_request") else None

    def push(self, request: Request) -> None:
        """Queue a request, packed when the frontier can rebuild it, behind its source page's."""
        packer = self._packer()
        packed = packer.pack_request(request) if packer is not None else None
        if packed is None:
            referrer = request.meta.get("farm_referrer")
            source = referrer if isinstance(referrer, str) else None
        else:
            source = packed[2]
        group = self._groups.get(source)
        if group is None:
            group = self._groups[source] = deque()
            self._turns.append(source)
        group.append(request if packed is None else packed)
        self._length += 1

    def _expand(self, item: Request | tuple[Any, ...]) -> Request:
        if isinstance(item, tuple):
            packer = self._packer()
            assert packer is not None  # only a packer made tuples
            return packer.unpack_request(item)
        return item

    def pop(self) -> Request | None:
        """The next source page's oldest request, or None when empty."""
        if not self._turns:
            return None
        source = self._turns.popleft()
        group = self._groups[source]
        item = group.popleft()
        if group:
            self._turns.append(source)
        else:
            del self._groups[source]
        self._length -= 1
        return self._expand(item)

    def peek(self) -> Request | None:
        """The request `pop` would return, left in the queue."""
        return self._expand(self._groups[self._turns[0]][0]) if self._turns else None

    def __len__(self) -> int:
        return self._length

    def close(self) -> None:
        """Nothing to persist: the frontier is rebuilt from the dataset on resume."""
        self._groups.clear()
        self._turns.clear()
        self._length = 0
