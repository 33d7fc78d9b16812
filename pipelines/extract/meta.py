"""<meta> tags of a page as one dict, shared by the title and publish-date cascades."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

_KEY_ATTRIBUTES = ("property", "name", "itemprop")


def meta_contents(root: Element) -> dict[str, str]:
    """Map each <meta>'s property, name and itemprop (lower-case) to its content; first wins."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attribute in _KEY_ATTRIBUTES:
            key = (meta.get(attribute) or "").strip().lower()
            if key:
                found.setdefault(key, content)
    return found
