"""Open a page in the system's headless Chromium and record what it did (console, requests)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from bench.report_shots import CHROMIUM_ARGS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Page


@dataclass
class PageLog:
    """What the page did while open."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def chromium_path() -> str:
    """The system Chromium. Missing: a failure in CI (.ci/run installs it), a skip elsewhere."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def open_file(path: Path) -> Iterator[tuple[Page, PageLog]]:
    """Open a local HTML file in headless Chromium, logging console errors, requests, dialogs."""
    from playwright.sync_api import sync_playwright

    log = PageLog()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda m: log.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: log.console_errors.append(str(e)))
            page.on("request", lambda r: log.requests.append(r.url))

            def dismiss(dialog: object) -> None:
                log.dialogs.append(dialog.message)  # type: ignore[attr-defined]
                dialog.dismiss()  # type: ignore[attr-defined]

            page.on("dialog", dismiss)
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            # The report builds its tables after its first paint, then marks <html>.
            page.wait_for_selector("html[data-rendered]", state="attached")
            yield page, log
        finally:
            browser.close()
