"""The spider's href scanner finds what an HTML parser finds, without building a tree."""

from __future__ import annotations

import lxml.html

from scraper.discover import base_href, iter_hrefs

PAGE = """<html><head><base href="/base/"><title>t</title></head><body>
<a href="/a.html">A</a> <A HREF='b.html' class=x>B</A>
<a class="c" href=c.html>C</a>
<!-- <a href="/commented.html">no</a> -->
<a name="anchor">no href</a>
<a href="/q?x=1&amp;y=2">Q</a>
<a
   data-x="1"
   href="/multi-line.html">M</a>
<area href="/not-a-link.html">
</body></html>"""


def test_iter_hrefs_matches_lxml() -> None:
    found = list(iter_hrefs(PAGE))
    tree = lxml.html.fromstring(PAGE)
    assert found == tree.xpath("//a/@href")
    assert found == ["/a.html", "b.html", "c.html", "/q?x=1&y=2", "/multi-line.html"]


def test_base_href() -> None:
    assert base_href(PAGE) == "/base/"
    assert base_href("<html><body><a href='x'>x</a></body></html>") is None
