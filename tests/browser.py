"""Debian's Chromium for the end-to-end tests: where it is, how it starts, the skip without it.

Playwright's Python package drives /usr/bin/chromium (Debian packages ``chromium`` and
``chromium-driver``); no browser is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def needs_chromium(purpose: str) -> pytest.MarkDecorator:
    """Skip, saying what to install, when Debian's Chromium is absent."""
    return pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: install "
                              f"Debian's chromium to {purpose}")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
