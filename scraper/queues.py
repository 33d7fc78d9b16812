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
    """FIFO memory queue (SCHEDULER_MEMORY_QUEUE) storing packable requests as tuples."""

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler
        self._items: deque[Request | tuple[Any, ...]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Scrapy builds one queue per priority (and per download slot); the key is unused."""
        return cls(crawler)

    def _packer(self) -> Packer | None:
        packer = getattr(self._crawler.spider, "frontier", None)
        return packer if hasattr(packer, "pack_request") else None

    def push(self, request: Request) -> None:
        """Queue a request, packed when the frontier can rebuild it."""
        packer = self._packer()
        packed = packer.pack_request(request) if packer is not None else None
        self._items.append(request if packed is None else packed)

    def _expand(self, item: Request | tuple[Any, ...]) -> Request:
        if isinstance(item, tuple):
            packer = self._packer()
            assert packer is not None  # only a packer made tuples
            return packer.unpack_request(item)
        return item

    def pop(self) -> Request | None:
        """The oldest request, or None when empty."""
        return self._expand(self._items.popleft()) if self._items else None

    def peek(self) -> Request | None:
        """The request `pop` would return, left in the queue."""
        return self._expand(self._items[0]) if self._items else None

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        """Nothing to persist: the frontier is rebuilt from the dataset on resume."""
        self._items.clear()
