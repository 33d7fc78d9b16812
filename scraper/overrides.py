"""`--set NAME=VALUE`: known setting names only, values checked against the setting's type.

A mistyped name (`DOWNLOAD_TIMOUT=5`) would otherwise be ignored silently by Scrapy, and a bad
value (`DOWNLOAD_TIMEOUT=abc`) would fail mid-crawl with a traceback; both are refused before
the crawl starts, naming the input and what was expected.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from scrapy.settings import default_settings

from scraper import settings as farm_settings

#: Settings whose default is None or whose type the default does not show.
_TYPES: dict[str, type] = {
    "FARMAUDIT_OUTPUT": str,
    "FARMAUDIT_REDIS_URL": str,
    "FARMAUDIT_WRITER_ID": str,
    "JOBDIR": str,
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SettingError(ValueError):
    """A `--set` pair that names no known setting or holds a value of the wrong type."""


def known_settings() -> dict[str, Any]:
    """Every setting name a crawl understands, with its default (Scrapy's, then ours)."""
    names: dict[str, Any] = {}
    for module in (default_settings, farm_settings):
        names.update((name, getattr(module, name)) for name in dir(module) if name.isupper())
    return names


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Turn `NAME=VALUE` strings into typed settings; SettingError names the first bad one."""
    known = known_settings()
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = (part.strip() for part in pair.partition("="))
        if not sep or not name:
            raise SettingError(f"--set {pair!r}: expected NAME=VALUE, e.g. DOWNLOAD_TIMEOUT=10")
        if name not in known:
            close = difflib.get_close_matches(name.upper(), known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SettingError(f"--set {pair!r}: unknown setting {name}{hint}")
        values[name] = _typed(name, raw, known[name])
    return values


def _typed(name: str, raw: str, default: Any) -> Any:
    kind = _TYPES.get(name) or (type(default) if default is not None else str)
    try:
        if kind is bool:
            lowered = raw.lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError
            return lowered in _TRUE
        if kind in (int, float):  # Scrapy reads several int-defaulted settings as floats
            number = float(raw)
            return int(number) if kind is int and number.is_integer() else number
        if kind in (dict, list):
            value = json.loads(raw)
            if not isinstance(value, kind):
                raise ValueError
            return value
    except ValueError:
        expected = {
            bool: "true or false",
            int: "a number",
            float: "a number",
            dict: 'a JSON object, e.g. {"name": 1}',
            list: 'a JSON list, e.g. ["a"]',
        }[kind]
        raise SettingError(f"--set {name}={raw!r}: expected {expected}") from None
    return raw
