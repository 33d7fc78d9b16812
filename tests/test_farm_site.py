"""The farm site (`scraper.demo.farm`): the demo site at scale, through the demo templates."""

from __future__ import annotations

import urllib.request
from collections import Counter

import pytest

from scraper.demo.farm import (
    FIRST_ARTICLE,
    MAX_BYTES,
    MIN_BYTES,
    SITE_NAME,
    FarmSite,
    page_path,
)
from scraper.demo.server import serve_demo

PAGES = 200


@pytest.fixture(scope="module")
def site() -> FarmSite:
    return FarmSite(PAGES)


def test_a_page_is_a_pure_function_of_seed_and_id(site: FarmSite) -> None:
    again = FarmSite(PAGES)
    for page_id in (0, 3, FIRST_ARTICLE, 42, PAGES - 1):
        assert site.render(page_id) == again.render(page_id)
    assert FarmSite(PAGES, seed=1).render(42) != site.render(42)


def test_every_path_maps_back_to_its_page(site: FarmSite) -> None:
    paths = site.html_paths()
    assert len(set(paths)) == PAGES + 2
    assert [site.page_id(p) for p in paths[:PAGES]] == list(range(PAGES))
    assert paths[PAGES:] == ["/about.html", "/contact.html"]
    assert site.page_id("/html/7.html") is None  # odd ids are portal pages
    assert site.page_id(page_path(PAGES)) is None


def test_pages_weigh_30_to_60_kb_and_carry_about_100_related_links(site: FarmSite) -> None:
    for page_id in range(0, PAGES, 7):
        assert MIN_BYTES - 100 <= len(site.render(page_id)) <= MAX_BYTES
    for page_id in range(FIRST_ARTICLE, PAGES, 11):
        assert 90 <= len(site.related(page_id)) <= 110
        assert page_id not in site.related(page_id)


def test_truth_plants_categories_and_near_duplicates() -> None:
    site = FarmSite(3000)
    truths = [site.truth(i) for i in site.articles]
    categories = Counter(t.category for t in truths)
    assert {"seed", "cashout", "lending", "none"} <= set(categories)
    respins = [t for t in truths if t.respin]
    assert respins
    for truth in respins:
        assert truth.family < truth.page_id
        assert truth.title != site.truth(truth.family).title


def test_pages_render_through_the_demo_templates(site: FarmSite) -> None:
    dede, portal, home = site.render(42), site.render(43), site.render(0)
    assert '<div class="xgwz">\n      <h3>相关内容</h3>'.encode() in dede
    assert b'<section class="related-posts">' in portal
    assert b'<ul class="post-list">' in home
    for page in (dede, portal, home):
        assert f"{SITE_NAME}".encode() in page
        assert page.count(b"</head>") == 1
        assert b'<div class="friend-links">' in page


def test_escaping_the_values_once_renders_what_autoescaping_renders(site: FarmSite) -> None:
    # The farm hands escaped values to a non-autoescaping environment, for speed.
    slow = FarmSite(PAGES, autoescape=True)
    for page_id in range(0, PAGES, 3):
        assert site.render(page_id) == slow.render(page_id), page_id
    for path in ("/about.html", "/contact.html", "/admin/login.html", "/no-such-page"):
        assert site.respond(path, "http://h") == slow.respond(path, "http://h"), path


def test_article_truth_is_what_the_page_shows(site: FarmSite) -> None:
    article = site.article(43)
    page = site.render(43).decode()
    assert f'<h1 class="article-title">{article.title}</h1>' in page
    assert f"发布时间:{article.published_raw}" in page
    assert len(article.related) == len(site.related(43))
    assert all(f">{title}</a>" in page for title in article.related)
    assert article.related[0] != article.title


def test_other_pages_robots_and_404(site: FarmSite) -> None:
    for path in ("/about.html", "/contact.html", "/admin/login.html"):
        assert site.respond(path, "http://h").status == 200
    assert site.respond("/search?q=x", "http://h").status == 404
    robots = site.respond("/robots.txt", "http://h:1/").body.decode()
    assert "Disallow: /search" in robots
    assert "Disallow: /admin/" in robots
    assert "Sitemap: http://h:1/sitemap.xml" in robots
    sitemap = site.respond("/sitemap.xml", "http://h:1").body.decode()
    assert sitemap.count("<loc>") == len(site.html_paths())
    assert site.respond("/html/42.html?utm_source=x", "http://h").body == site.render(42)


def test_the_demo_server_serves_a_farm() -> None:
    farm = FarmSite(PAGES)
    with serve_demo(site=farm) as server:
        with urllib.request.urlopen(server.base_url + "html/42.html", timeout=10) as response:
            assert response.read() == farm.render(42)
        with urllib.request.urlopen(server.base_url + "sitemap.xml", timeout=10) as response:
            assert response.read().count(b"<loc>") == PAGES + 2
