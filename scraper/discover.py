"""Link discovery for following: hrefs found by a scanner, not by parsing the page.

The spider only needs where to go next. Building an lxml tree per page for that would parse
every page twice (extraction parses it once more), so this module scans the markup for `<a>`
and `<base>` href attributes with one compiled regex.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_A_HREF = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""",
    re.IGNORECASE | re.DOTALL,
)
_BASE_HREF = re.compile(
    r"""<base\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def iter_hrefs(markup: str) -> Iterator[str]:
    """Every `<a href>` value in `markup`, entity-decoded, in document order (comments skipped)."""
    if "<!--" in markup:
        markup = _COMMENT.sub("", markup)
    for match in _A_HREF.finditer(markup):
        value = match.group(1) or match.group(2) or match.group(3) or ""
        yield html.unescape(value) if "&" in value else value


def base_href(markup: str) -> str | None:
    """The `<base href>` of the page, if any."""
    match = _BASE_HREF.search(markup, 0, 20_000)  # <base> belongs in <head>
    if match is None:
        return None
    value = match.group(1) or match.group(2) or match.group(3) or ""
    return html.unescape(value) or None
