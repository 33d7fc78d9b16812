"""The scheduler keeps the spider's plain page requests as tuples and gives back equal ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler
from scrapy.utils.test import get_crawler

from scraper import settings as project_settings
from scraper.queues import CompactFifoMemoryQueue
from scraper.spiders.farm import FarmSpider

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Request


def _spider(tmp_path: Path) -> tuple[FarmSpider, Scheduler]:
    settings = {
        name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()
    }
    settings |= {"FARMAUDIT_OUTPUT": str(tmp_path / "ds"), "FARMAUDIT_ALLOW_PRIVATE": True}
    # The downloader-aware queue above ours needs a running engine; the plain priority queue
    # drives the same memory queues.
    settings["SCHEDULER_PRIORITY_QUEUE"] = "scrapy.pqueues.ScrapyPriorityQueue"
    crawler = get_crawler(FarmSpider, settings)
    spider = FarmSpider.from_crawler(crawler, urls="http://127.0.0.1:9/")
    crawler.spider = spider
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(spider)
    return spider, scheduler


def _page(spider: FarmSpider, url: str, depth: int, referrer: str | None) -> Request:
    """A page request as the scheduler gets it: DepthMiddleware has popped depth_reset."""
    request = spider.frontier.page_request(url, depth=depth, referrer=referrer)
    request.meta.pop("depth_reset")
    if referrer is not None:  # RefererMiddleware
        request.headers[b"Referer"] = referrer.encode()
    return request


def _same(a: Request, b: Request) -> bool:
    return (a.url, a.priority, a.meta, a.callback, a.errback, a.dont_filter, a.headers) == (
        b.url, b.priority, b.meta, b.callback, b.errback, b.dont_filter, b.headers
    )  # fmt: skip


def test_page_requests_wait_as_tuples_and_come_back_equal(tmp_path: Path) -> None:
    spider, scheduler = _spider(tmp_path)
    queue = CompactFifoMemoryQueue.from_crawler(spider.crawler, "key")
    page = _page(spider, "http://127.0.0.1:9/a/1.html", 2, "http://x/")
    # As page_request makes it, before the spider middlewares: not what gets scheduled.
    assert (
        spider.frontier.pack_request(spider.frontier.page_request(page.url, depth=2, referrer=None))
        is None
    )
    queue.push(page)
    packed = ("http://127.0.0.1:9/a/1.html", 2, "http://x/", b"http://x/", False)
    assert queue._groups["http://x/"][0] == packed
    # A retry carries state of its own (retry_times): kept as the Request it is.
    retry = page.replace(priority=page.priority - 1)
    retry.meta["retry_times"] = 1
    queue.push(retry)
    assert queue._groups["http://x/"][1] is retry
    start = _page(spider, "http://127.0.0.1:9/", 0, None)
    start.meta["is_start_request"] = True
    queue.push(start)
    assert isinstance(queue._groups[None][0], tuple)
    assert len(queue) == 3
    peeked = queue.peek()
    assert peeked is not None and _same(peeked, page)
    out = [queue.pop(), queue.pop(), queue.pop()]
    # Source pages take turns: http://x/'s first request, the start URL's, http://x/'s next.
    assert out[0] is not None and _same(out[0], page)
    assert out[1] is not None and _same(out[1], start)
    assert out[2] is retry
    assert queue.pop() is None and len(queue) == 0
    scheduler.close("finished")


def test_the_scheduler_hands_requests_back_breadth_first(tmp_path: Path) -> None:
    spider, scheduler = _spider(tmp_path)
    deep = [_page(spider, f"http://127.0.0.1:9/d/{i}", 3, "r") for i in range(3)]
    shallow = _page(spider, "http://127.0.0.1:9/s", 1, "r")
    for request in [*deep, shallow]:
        assert scheduler.enqueue_request(request)
    got = [scheduler.next_request() for _ in range(4)]
    assert [r.url for r in got if r is not None] == [shallow.url, *(r.url for r in deep)]
    # Rebuilt from tuples, not the objects queued.
    assert all(
        r is not None and r not in deep and _same(r, q) for r, q in zip(got[1:], deep, strict=True)
    )
    assert all(r is not None and r.callback == spider.parse for r in got)
    assert not scheduler.has_pending_requests()
    scheduler.close("finished")


def test_source_pages_take_turns_within_a_depth(tmp_path: Path) -> None:
    """One page's many links cannot hold back the links of the pages queued after it."""
    spider, scheduler = _spider(tmp_path)
    queue = CompactFifoMemoryQueue.from_crawler(spider.crawler, "key")
    for i in range(1000):
        queue.push(_page(spider, f"http://127.0.0.1:9/dead/{i}", 2, "http://127.0.0.1:9/huge"))
    for name in "abc":
        queue.push(_page(spider, f"http://127.0.0.1:9/{name}/1", 2, f"http://127.0.0.1:9/{name}"))
        queue.push(_page(spider, f"http://127.0.0.1:9/{name}/2", 2, f"http://127.0.0.1:9/{name}"))
    got = [r.url.removeprefix("http://127.0.0.1:9") for _ in range(8) if (r := queue.pop())]
    assert got == ["/dead/0", "/a/1", "/b/1", "/c/1", "/dead/1", "/a/2", "/b/2", "/c/2"]
    assert len(queue) == 998
    scheduler.close("finished")
