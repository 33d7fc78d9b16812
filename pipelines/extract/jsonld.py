"""JSON-LD blocks of a page, flattened to a list of objects (shared by title and date)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipelines.extract.selectors import JSONLD_TYPE

if TYPE_CHECKING:
    from lxml.etree import _Element as Element


def _flatten(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        for item in node:
            _flatten(item, out)
    elif isinstance(node, dict):
        out.append(node)
        graph = node.get("@graph")
        if graph is not None:
            _flatten(graph, out)


def jsonld_objects(root: Element) -> list[dict[str, Any]]:
    """Return every JSON object in the page's ld+json scripts (lists and @graph flattened)."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != JSONLD_TYPE:
            continue
        source = (script.text or "").strip()
        if not source:
            continue
        try:
            data = json.loads(source)
        except json.JSONDecodeError:  # broken JSON-LD is common; the other sources still apply
            continue
        _flatten(data, objects)
    return objects


def first_string(objects: list[dict[str, Any]], key: str) -> str | None:
    """Return the first non-empty string value of `key` among the objects."""
    for obj in objects:
        value = obj.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
