"""End to end: ``loadwatch demo`` serves the dashboard; headless Chromium drives every page.

Needs Debian's /usr/bin/chromium (Playwright's Python package drives it; no browser download).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium, needs_chromium
from tests.factories.fit import steady_samples
from tests.factories.gpx import gpx_document

PAGES = ("", "load", "activities", "log", "roster", "review", "data", "settings")
STARTUP_S = 300
RENDER_S = 180

pytestmark = [
    pytest.mark.e2e,
    needs_chromium("run the end-to-end dashboard test"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_server(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"loadwatch demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the dashboard did not start within {STARTUP_S} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    """``loadwatch demo --port P --athletes 6 --days 150`` in a private LOADWATCH_HOME."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="loadwatch-e2e-") as home:
        log = Path(home) / "server.log"
        env = {**os.environ, "LOADWATCH_HOME": home}
        env.pop("LOADWATCH_DB", None)
        with log.open("wb") as out:
            # its own process group: `loadwatch demo` runs streamlit as a child process
            process = subprocess.Popen(
                [sys.executable, "-m", "loadwatch", "demo", "--port", str(port), "--athletes",
                 "6", "--days", "150"], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_for_server(url, process, log)
                yield url
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def settle(page: object, timeout_s: float = RENDER_S) -> None:
    """Wait until the page finished running: footer shown, no spinner, no running widget."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    while time.monotonic() < deadline:
        busy = (page.locator('[data-testid="stStatusWidget"]').count()  # type: ignore[attr-defined]
                + page.locator('[data-testid="stSpinner"]').count()  # type: ignore[attr-defined]
                + page.locator('[data-testid="stSkeleton"]').count())  # type: ignore[attr-defined]
        done = page.get_by_text("Not a medical device").count()  # type: ignore[attr-defined]
        if not busy and done:
            page.wait_for_timeout(300)  # type: ignore[attr-defined]
            return
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    pytest.fail(f"page {page.url} did not finish rendering in {timeout_s} s")  # type: ignore[attr-defined]


def no_exception_box(page: object) -> None:
    boxes = page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    if boxes.count():
        pytest.fail(f"Streamlit exception on {page.url}: {boxes.first.inner_text()}")  # type: ignore[attr-defined]


def _nav(page: object, slug: str) -> None:
    """Click the sidebar link to page ``slug``."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{slug}"]').click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/{slug}**")  # type: ignore[attr-defined]


def _choose(page: object, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox or multiselect labelled ``label``."""
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


def test_demo_dashboard_in_chromium(demo_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1800})  # type: ignore[attr-defined]
    for name in PAGES:
        page.goto(f"{demo_server}/{name}")
        settle(page)
        no_exception_box(page)
        assert page.locator("h1").count() >= 1
    assert page.get_by_text("synthetic", exact=False).count() > 0

    # coach: open an athlete from the roster
    page.goto(f"{demo_server}/roster")
    settle(page)
    athlete = "Sim Runner 04 (advanced, synthetic)"
    _choose(page, "Open athlete", "Sim Runner 04")
    page.get_by_role("button", name="Open Load page").click()
    page.wait_for_url("**/load**", timeout=RENDER_S * 1000)
    settle(page)
    no_exception_box(page)
    assert page.locator("h1").first.inner_text().startswith(f"Load: {athlete}")

    # runner: log a symptom and see the triage hint
    _nav(page, "log")
    settle(page)
    _choose(page, "Where does it hurt?", "sit bone")
    _choose(page, "What makes it worse?", "sitting")
    page.get_by_role("button", name="Save symptom entry").click()
    page.get_by_text("Saved the symptom entry").wait_for(timeout=RENDER_S * 1000)
    settle(page)
    page.get_by_text("What this pattern suggests").wait_for(timeout=RENDER_S * 1000)
    no_exception_box(page)

    # data: upload a file, then download a CSV export
    _nav(page, "data")
    settle(page)
    with tempfile.TemporaryDirectory() as folder:
        start = dt.datetime.combine(dt.date.today(), dt.time(6), tzinfo=dt.UTC)
        gpx = Path(folder) / "e2e-run.gpx"
        gpx.write_text(gpx_document(start, steady_samples(1200, 3.1, step_s=5)))
        page.locator('input[type="file"]').set_input_files(str(gpx))
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Everything was stored").wait_for(timeout=RENDER_S * 1000)
    settle(page)
    no_exception_box(page)
    with page.expect_download(timeout=RENDER_S * 1000) as download:
        page.get_by_role("button", name=f"Activities of {athlete} (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        assert exported.readline().startswith("activity_id,athlete")

    # clinician: the review page and its printable report
    _nav(page, "review")
    settle(page)
    no_exception_box(page)
    with page.expect_download(timeout=RENDER_S * 1000) as download:
        page.get_by_role("button", name="Download report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert athlete in report and "not a diagnosis" in report.lower()
    page.close()
