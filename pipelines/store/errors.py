"""The base of farmaudit's input and data errors, so the CLI can report any of them alike."""

from __future__ import annotations


class FarmauditError(ValueError):
    """Bad input or data: a URL, file, column, option or setting. The message names it."""
