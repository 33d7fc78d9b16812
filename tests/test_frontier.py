"""The frontier a crawl is given, and what a hostile site cannot do to it (issue 13 §4): the
outlink cap, the scope by site (host and port), no links followed from non-HTML pages, fast
404s that do not hold AutoThrottle at its start delay, and clean errors for refused targets."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from scraper import settings as project_settings
from scraper.cluster.components import cluster_settings
from scraper.extensions import FarmAutoThrottle
from scraper.frontier import LocalFrontier
from scraper.spiders.farm import FarmSpider
from scraper.targets import allowed_sites_for, site_of
from tests.conftest import farmaudit

if TYPE_CHECKING:
    from pathlib import Path

ORIGIN = "http://127.0.0.1:9"


def _spider(tmp_path: Path, **overrides: Any) -> FarmSpider:
    settings = {
        name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()
    }
    settings |= {"FARMAUDIT_OUTPUT": str(tmp_path / "ds"), "FARMAUDIT_ALLOW_PRIVATE": True}
    settings |= overrides
    crawler = get_crawler(FarmSpider, settings)
    spider = FarmSpider.from_crawler(crawler, urls=ORIGIN + "/")
    crawler.spider = spider
    return spider


def _page(url: str, links: list[str], content_type: str = "text/html") -> HtmlResponse:
    body = "<html><body>" + "".join(f'<a href="{u}">x</a>' for u in links) + "</body></html>"
    request = Request(url, meta={"depth": 0, "farm": True, "farm_referrer": None})
    return HtmlResponse(
        url,
        body=body.encode(),
        headers={"Content-Type": content_type},
        request=request,
    )


def _followed(spider: FarmSpider, response: Response) -> list[str]:
    return [item.url for item in spider.parse(response) if isinstance(item, Request)]


def test_the_frontier_is_chosen_from_settings(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    assert type(spider.frontier) is LocalFrontier
    redis = cluster_settings(Settings({"FARMAUDIT_REDIS_URL": "redis://127.0.0.1:1/0"}))
    assert redis["FARMAUDIT_FRONTIER"] == "scraper.cluster.frontier.RedisFrontier"


def test_one_page_follows_at_most_max_outlinks(tmp_path: Path) -> None:
    spider = _spider(tmp_path, FARMAUDIT_MAX_OUTLINKS=50)
    dead = [f"/dead/{i}" for i in range(5000)]
    followed = _followed(spider, _page(ORIGIN + "/huge", [*dead, *dead[:10]]))
    assert followed == [ORIGIN + u for u in dead[:50]]
    spider.frontier.flush_stats()
    stats = spider.crawler.stats
    assert stats is not None
    assert stats.get_value("farmaudit/outlinks_capped") == 4950  # one count, no rows
    assert stats.get_value("farmaudit/outlinks_capped_pages") == 1
    # Not marked seen: another page may still lead to a link the cap skipped.
    assert _followed(spider, _page(ORIGIN + "/other", ["/dead/4999"])) == [ORIGIN + "/dead/4999"]


def test_the_default_cap_is_documented() -> None:
    assert project_settings.FARMAUDIT_MAX_OUTLINKS == 1000


def test_the_same_host_on_another_port_is_another_site(tmp_path: Path) -> None:
    assert site_of("http://a.example/") == site_of("https://a.example:443/x") == "a.example"
    assert site_of("http://127.0.0.1:9/") == "127.0.0.1:9"
    assert allowed_sites_for(["http://a.example:8080/"]) == {"a.example:8080", "www.a.example:8080"}
    spider = _spider(tmp_path)
    links = ["/in", "http://127.0.0.1:10/other-port", "http://127.0.0.1/no-port"]
    assert _followed(spider, _page(ORIGIN + "/", links)) == [ORIGIN + "/in"]
    # Recorded as a link (the links table has every <a href>), counted, not fetched.
    spider.frontier.flush_stats()
    assert spider.crawler.stats.get_value("farmaudit/offsite_links") == 2  # type: ignore[union-attr]
    request = Request(ORIGIN + "/r")
    assert spider.redirect_verdict(request, "http://127.0.0.1:10/") == "off_scope"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream"])
def test_a_page_not_served_as_html_yields_no_followed_links(
    tmp_path: Path, content_type: str
) -> None:
    spider = _spider(tmp_path)
    response = Response(
        ORIGIN + "/plain",
        body=b'<html><body><a href="/next">x</a></body></html>',
        headers={"Content-Type": content_type},
        request=Request(ORIGIN + "/plain", meta={"depth": 0, "farm": True}),
    )
    items = list(spider.parse(response))
    assert not [i for i in items if isinstance(i, Request)]
    assert len(items) == 1  # the page itself is still recorded
    assert _followed(spider, _page(ORIGIN + "/html", ["/next"])) == [ORIGIN + "/next"]


def _throttle(cls: type[AutoThrottle]) -> tuple[AutoThrottle, Any]:
    crawler = get_crawler(settings_dict={"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0.5})
    throttle = cls(crawler)
    throttle.mindelay, throttle.maxdelay = 0.5, 30.0
    return throttle, SimpleNamespace(delay=1.0)  # AUTOTHROTTLE_START_DELAY


@pytest.mark.parametrize(("cls", "status", "after"), [
    (AutoThrottle, 404, 1.0),  # Scrapy: 404s never lower the delay, it stays at the start
    (FarmAutoThrottle, 404, 0.5),  # here: a healthy server's fast answer, down to DOWNLOAD_DELAY
    (FarmAutoThrottle, 200, 0.5),
    (FarmAutoThrottle, 503, 1.0),  # a struggling server's fast errors still do not
    (FarmAutoThrottle, 429, 1.0),
])  # fmt: skip
def test_fast_404s_bring_autothrottle_down(
    cls: type[AutoThrottle], status: int, after: float
) -> None:
    throttle, slot = _throttle(cls)
    for _ in range(20):
        throttle._adjust_delay(slot, 0.002, Response("http://a.example/", status=status))
    assert slot.delay == pytest.approx(after, abs=0.01)
    # A slow page still raises it, whatever the status.
    throttle._adjust_delay(slot, 8.0, Response("http://a.example/", status=status))
    assert slot.delay >= 4.0


def test_the_project_uses_the_farm_autothrottle() -> None:
    extensions = project_settings.EXTENSIONS
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "scraper.extensions.FarmAutoThrottle" in extensions


@pytest.mark.e2e
def test_a_refused_start_url_is_one_clean_error(tmp_path: Path) -> None:
    out = tmp_path / "refused"
    result = farmaudit("crawl", "http://127.0.0.1:1/", "--allow-private", "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "Error" in line]
    assert errors == ["Error: no page could be fetched:"], result.stderr
    assert "http://127.0.0.1:1/: refused" in result.stderr


@pytest.mark.e2e
def test_scrapy_crawl_names_its_own_flag_for_a_private_target(tmp_path: Path) -> None:
    out = tmp_path / "private"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "crawl", "farm", "-a", "urls=http://127.0.0.1:9/",
         "-s", f"FARMAUDIT_OUTPUT={out}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].endswith(
        "http://127.0.0.1:9/: 127.0.0.1 resolves to 127.0.0.1, a private or loopback address; "
        "pass -s FARMAUDIT_ALLOW_PRIVATE=true to crawl it"
    )
    assert "--allow-private" not in result.stderr
    assert not out.exists()  # nothing touched
