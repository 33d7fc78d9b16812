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


def _same(a: Request, b: Request) -> bool:
    return (a.url, a.priority, a.meta, a.callback, a.errback, a.dont_filter) == (
        b.url, b.priority, b.meta, b.callback, b.errback, b.dont_filter
    )  # fmt: skip


def test_page_requests_wait_as_tuples_and_come_back_equal(tmp_path: Path) -> None:
    spider, scheduler = _spider(tmp_path)
    queue = CompactFifoMemoryQueue.from_crawler(spider.crawler, "key")
    page = spider._page_request("http://127.0.0.1:9/a/1.html", depth=2, referrer="http://x/")
    queue.push(page)
    assert queue._items[0] == ("http://127.0.0.1:9/a/1.html", 2, "http://x/", False)
    # A retry carries state of its own (retry_times): kept as the Request it is.
    retry = page.replace(priority=page.priority - 1)
    retry.meta["retry_times"] = 1
    queue.push(retry)
    assert queue._items[1] is retry
    start = spider._page_request("http://127.0.0.1:9/", depth=0, referrer=None)
    start.meta["is_start_request"] = True
    queue.push(start)
    assert isinstance(queue._items[2], tuple)
    assert len(queue) == 3
    peeked = queue.peek()
    assert peeked is not None and _same(peeked, page)
    out = [queue.pop(), queue.pop(), queue.pop()]
    assert out[0] is not None and _same(out[0], page)
    assert out[1] is retry
    assert out[2] is not None and _same(out[2], start)
    assert queue.pop() is None and len(queue) == 0
    scheduler.close("finished")


def test_the_scheduler_hands_requests_back_breadth_first(tmp_path: Path) -> None:
    spider, scheduler = _spider(tmp_path)
    deep = [
        spider._page_request(f"http://127.0.0.1:9/d/{i}", depth=3, referrer="r") for i in range(3)
    ]
    shallow = spider._page_request("http://127.0.0.1:9/s", depth=1, referrer="r")
    for request in [*deep, shallow]:
        assert scheduler.enqueue_request(request)
    got = [scheduler.next_request() for _ in range(4)]
    assert [r.url for r in got if r is not None] == [shallow.url, *(r.url for r in deep)]
    assert all(r is not None and r.callback == spider.parse for r in got)
    assert not scheduler.has_pending_requests()
    scheduler.close("finished")
