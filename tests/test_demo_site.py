"""The bundled demo site: seeds, structure, determinism and the HTTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from scraper.demo.seeds import Block, Seed, Step, load_seeds, parse_seed
from scraper.demo.server import serve_demo
from scraper.demo.site import SITE_NAME, TEMPLATES, DemoSite, build_site, make_site

FIXTURES = Path(__file__).parent / "fixtures" / "seeds"
BASE = "http://demo.test/"
SEEDS = load_seeds()
SLUGS = [seed.slug for seed in SEEDS]

# Where each template puts the parts a test looks at.
RELATED_LINKS = {"portal": "section.related-posts li > a", "dede": "div.xgwz ul.c1 li > a"}
HEADING = {"portal": "h1.article-title", "dede": "div.arc_title h1"}
TITLE_SUFFIX = {"portal": f"_{SITE_NAME}", "dede": f" - {SITE_NAME}"}


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return build_site()


def _doc(site: DemoSite, path: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(site.pages[path].body)


def _robots(site: DemoSite) -> RobotFileParser:
    parser = RobotFileParser()
    parser.parse(site.robots_txt(BASE).splitlines())
    return parser


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- seeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_seed_parse_agrees_with_ground_truth(slug: str) -> None:
    expected = json.loads((FIXTURES / f"{slug}.expected.json").read_text(encoding="utf-8"))
    seed = next(s for s in SEEDS if s.slug == slug)
    steps = [
        {"procedure": n, "number": s.number, "heading": s.heading, "text": s.text}
        for n, procedure in enumerate(seed.procedures(), start=1)
        for s in procedure
    ]
    got = {
        "title": seed.title,
        "published_raw": seed.published_raw,
        "published_at": seed.published_at.isoformat(),
        "steps": steps,
        "related": seed.related,
    }
    assert got == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_ground_truth_files_are_canonical_json(slug: str) -> None:
    text = (FIXTURES / f"{slug}.expected.json").read_text(encoding="utf-8")
    canonical = json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False)
    assert text == canonical + "\n"


def test_seed_blocks_keep_every_body_line_and_their_kinds() -> None:
    seed = next(s for s in SEEDS if s.slug.startswith("002_"))
    assert [b.kind for b in seed.blocks] == [
        "paragraph",
        "heading",
        "paragraph",
        "heading",
        "paragraph",
        "ordered_list",
        "heading",
        "paragraph",
        "heading",
        "paragraph",
    ]
    first = seed.blocks[5].steps[0]
    # The ASCII colon and the space after it are kept as shown.
    assert (first.heading, first.colon, first.gap) == ("登录小米金融APP", ":", " ")
    source = (Path(__file__).parents[1] / "scraper/demo/seeds" / f"{seed.slug}.txt").read_text(
        encoding="utf-8"
    )
    assert f"  1. {first.line}" in source.splitlines()


def test_seed_004_has_two_numbered_paragraph_procedures() -> None:
    seed = next(s for s in SEEDS if s.slug.startswith("004_"))
    kinds = [b.kind for b in seed.blocks if b.is_procedure]
    assert kinds == ["numbered_paragraphs", "numbered_paragraphs"]
    assert [len(p) for p in seed.procedures()] == [6, 4]
    assert seed.procedures()[1][0].marker == "1. "


def test_parse_seed_names_the_file_and_line_on_a_bad_date() -> None:
    with pytest.raises(ValueError, match=r"x\.txt:3: expected '发布时间"):
        parse_seed("标题\n\n发布于 2024\n\n正文。\n\n相关内容:\nA\nTo Top", "x", source="x.txt")


# -- site structure ------------------------------------------------------------------------


def test_build_site_is_cached_and_two_builds_are_identical(site: DemoSite) -> None:
    assert build_site() is site
    again = make_site(load_seeds())
    assert again.pages == site.pages
    assert again.html_paths() == site.html_paths()
    assert again.fingerprint() == site.fingerprint()


def test_build_is_identical_across_processes(site: DemoSite) -> None:
    code = "from scraper.demo.site import build_site; print(build_site().fingerprint())"
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == site.fingerprint()


def test_counts(site: DemoSite) -> None:
    distinct = {title for seed in SEEDS for title in seed.related}
    assert len(distinct) == 500
    assert site.article_count == len(distinct) + len(SEEDS) * len(TEMPLATES)
    generated = [a for a in site.articles.values() if a.seed_slug is None]
    assert {a.title for a in generated} == distinct
    assert {a.template for a in generated} == set(TEMPLATES)
    assert all(20 <= len(a.related) <= 60 for a in generated)
    with_steps = [a for a in generated if any(b.is_procedure for b in a.blocks)]
    assert 0.25 < len(with_steps) / len(generated) < 0.42
    kinds = {b.kind for a in with_steps for b in a.blocks if b.is_procedure}
    assert kinds == {"ordered_list", "numbered_paragraphs", "step_headings"}
    assert set(site.html_paths()) == {*site.list_paths, *site.articles, *site.other_paths}
    assert len(site.html_paths()) == len(set(site.html_paths()))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("slug", SLUGS)
def test_every_seed_is_served_in_every_template(site: DemoSite, slug: str, template: str) -> None:
    seed = next(s for s in SEEDS if s.slug == slug)
    doc = _doc(site, site.seed_pages[slug][template])
    assert doc.findtext(".//title") == seed.title + TITLE_SUFFIX[template]
    assert [h.text_content() for h in doc.cssselect(HEADING[template])] == [seed.title]
    assert f"发布时间:{seed.published_raw}" in doc.text_content()
    anchors = doc.cssselect(RELATED_LINKS[template])
    assert [a.text_content() for a in anchors] == seed.related
    for anchor in anchors:
        assert site.articles[anchor.get("href")].title == anchor.text_content()
    # Every step's words appear as shown in one element of the body.
    body_texts = {" ".join(e.text_content().split()) for e in doc.iter("p", "li", "h2", "h3")}
    for procedure in seed.procedures():
        for step in procedure:
            if step.marker.startswith("第"):
                assert f"{step.marker}{step.heading}" in body_texts
                assert step.text in body_texts
            else:
                assert " ".join(f"{step.marker}{step.line}".split()) in body_texts


@pytest.mark.parametrize("template", TEMPLATES)
def test_article_chrome(site: DemoSite, template: str) -> None:
    path = site.seed_pages[SLUGS[0]][template]
    html = site.pages[path].body.decode("utf-8")
    doc = lxml.html.fromstring(html)
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert "https://beian.miit.gov.cn/" in hrefs
    assert any(h and h.startswith("mailto:") for h in hrefs)
    assert "javascript:void(0)" in hrefs
    assert "/admin/login.html" in hrefs
    assert any(h and h.startswith("/search?q=") for h in hrefs)
    # "To Top" comes after the related block and is not inside it.
    to_top = [a for a in doc.iter("a") if a.text_content() == "To Top"]
    assert [a.get("href") for a in to_top] == ["#top"]
    related = doc.cssselect(RELATED_LINKS[template])[-1]
    assert html.index("To Top") > html.index(related.get("href"))
    assert not any(a is to_top[0] for a in doc.cssselect(RELATED_LINKS[template]))
    assert html.index("To Top") > html.rindex("相关内容")


def test_every_page_is_reachable_from_home_and_no_link_is_dead(site: DemoSite) -> None:
    robots = _robots(site)
    seen = {"/"}
    queue = deque(["/"])
    disallowed_linked: set[str] = set()
    while queue:
        path = queue.popleft()
        response = site.respond(path, BASE)
        assert response.status == 200, path
        for anchor in lxml.html.fromstring(response.body).iter("a"):
            href = anchor.get("href")
            if href is None:
                continue
            url = urljoin(BASE + path.lstrip("/"), href)
            parts = urlsplit(url)
            if parts.scheme != "http" or parts.netloc != urlsplit(BASE).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            assert target in site.pages, f"{path} links to missing {target}"
            if not robots.can_fetch("*", url):
                disallowed_linked.add(target)
            elif target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == set(site.html_paths())
    assert disallowed_linked == set(site.disallowed_paths)


def test_robots_txt_disallows_exactly_the_disallowed_paths(site: DemoSite) -> None:
    text = site.robots_txt(BASE)
    assert "User-agent: *" in text
    assert "Sitemap: http://demo.test/sitemap.xml" in text
    robots = _robots(site)
    assert site.disallowed_paths
    for path in site.disallowed_paths:
        assert not robots.can_fetch("*", BASE.rstrip("/") + path), path
    for path in site.html_paths():
        assert robots.can_fetch("*", BASE.rstrip("/") + path), path


def test_sitemap_lists_exactly_html_paths(site: DemoSite) -> None:
    root = ET.fromstring(site.sitemap_xml(BASE))
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    assert root.tag == f"{namespace}urlset"
    locs = [loc.text for loc in root.iter(f"{namespace}loc")]
    assert locs == [BASE.rstrip("/") + path for path in site.html_paths()]


def test_unknown_path_is_a_404_html_page(site: DemoSite) -> None:
    response = site.respond("/no/such/page.html", BASE)
    assert response.status == 404
    assert response.content_type == "text/html; charset=utf-8"
    assert "页面不存在" in response.body.decode("utf-8")


def test_hostile_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    seed = Seed(
        slug="999_hostile",
        title=hostile,
        published_raw="2024-05-31 01:43:35",
        blocks=(
            Block("paragraph", text='<img src=x onerror="alert(2)">'),
            Block("ordered_list", steps=(Step(1, "", "<b>步骤</b>", ":", "", "&amp;"),)),
        ),
        related=['"><script>alert(3)</script>', "A & B"],
    )
    site = make_site([seed])
    for template, path in site.seed_pages["999_hostile"].items():
        html = site.pages[path].body.decode("utf-8")
        assert "<script>alert" not in html, template
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x" in html
        assert "&amp;amp;" in html
        doc = lxml.html.fromstring(html)
        assert [a.text_content() for a in doc.cssselect(RELATED_LINKS[template])] == seed.related
        assert doc.findtext(".//title") == hostile + TITLE_SUFFIX[template]


# -- HTTP ----------------------------------------------------------------------------------


def test_server_serves_the_site_over_http(site: DemoSite) -> None:
    opener = _no_proxy_opener()
    with serve_demo() as server:
        base = server.base_url
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        with opener.open(base, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.read() == site.pages["/"].body
        with opener.open(base + "robots.txt", timeout=10) as response:
            assert f"Sitemap: {base}sitemap.xml" in response.read().decode()
        with opener.open(base + "sitemap.xml", timeout=10) as response:
            assert f"<loc>{base}</loc>" in response.read().decode()
        head = urllib.request.Request(base + site.html_paths()[-1].lstrip("/"), method="HEAD")
        with opener.open(head, timeout=10) as response:
            assert response.status == 200
            assert response.read() == b""
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(base + "missing.html", timeout=10)
        assert caught.value.code == 404
        caught.value.close()


def test_server_module_prints_its_url_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper.demo.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:")
        base = line.split()[1]
        with _no_proxy_opener().open(base, timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert stdout == ""
    assert stderr == ""  # no access log lines
