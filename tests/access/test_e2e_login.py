"""End to end: the dashboard in server mode, signed in through a real OIDC flow (st.login
against the fake provider of tests/access/fake_oidc.py), driven by headless Chromium as two
coaches (neither sees the other's athletes) and a clinician, whose report download is recorded
in the audit log as a report.

Needs Debian's /usr/bin/chromium and the Authlib and httpx packages (Streamlit's auth extra).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.store import Store
from etl.store import access as A
from tests.access.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDC
from tests.access.world import run
from tests.browser import chromium, needs_chromium

REPO = Path(__file__).resolve().parents[2]
STARTUP_S = 120
RENDER_S = 120
FIRST, SECOND = "Annika Quist", "Bertil Zorn"

pytestmark = [
    pytest.mark.e2e,
    needs_chromium("run the end-to-end sign-in test"),
]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str) -> None:
    store = Store.open(url)
    for day, (athlete, source_id) in enumerate([(FIRST, "q1"), (FIRST, "q2"), (SECOND, "z1")],
                                              start=1):
        store.upsert_activity(athlete, run("file", source_id, day, 5000.0 + 1000 * day))
    A.add_user(store, "annika", "athlete", athlete=FIRST, email="annika@example.org")
    A.add_user(store, "bertil", "athlete", athlete=SECOND, email="bertil@example.org")
    A.add_user(store, "cara", "coach", email="cara@example.org")
    A.add_user(store, "bo", "coach", email="bo@example.org")
    A.add_user(store, "cleo", "clinician", email="cleo@example.org")
    A.grant(store.as_principal(A.principal_for(store, "annika")), "cara")
    A.grant(store.as_principal(A.principal_for(store, "annika")), "cleo")
    A.grant(store.as_principal(A.principal_for(store, "bertil")), "bo")


@pytest.fixture(scope="module")
def server_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seeded store of the server (its folder holds the server's home and log)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-login') / 'server.db'}"
    _seed(url)
    return url


@pytest.fixture(scope="module")
def server(server_db: str) -> Iterator[str]:
    pytest.importorskip("authlib", reason="st.login needs Authlib (pip install Authlib)")
    pytest.importorskip("httpx", reason="st.login needs httpx (pip install httpx)")
    url = server_db
    home = Path(url.removeprefix("sqlite:///")).parent
    oidc = FakeOIDC().start()
    port = _free_port()
    secrets_file = home / "secrets.toml"
    secrets_file.write_text(
        '[loadwatch]\nmode = "server"\n\n[auth]\n'
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\nserver_metadata_url = "{oidc.metadata_url}"\n')
    log = home / "server.log"
    env = {**os.environ, "LOADWATCH_HOME": str(home), "LOADWATCH_DB": url}
    env.pop("LOADWATCH_MODE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--secrets.files", str(secrets_file)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + STARTUP_S
            while True:
                if process.poll() is not None:
                    pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"the dashboard did not start:\n{log.read_text()}")
                    time.sleep(0.5)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            oidc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def _sign_in(browser: object, base: str, email: str) -> object:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base)
    page.get_by_role("button", name="Sign in").click(timeout=RENDER_S * 1000)
    page.wait_for_url("**/authorize?**", timeout=RENDER_S * 1000)
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/**", timeout=RENDER_S * 1000)
    return page


def _text_when(page: object, wanted: str) -> str:
    page.get_by_text(wanted).first.wait_for(timeout=RENDER_S * 1000)  # type: ignore[attr-defined]
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    return str(page.inner_text("body"))  # type: ignore[attr-defined]


def test_nobody_sees_data_before_signing_in(server: str, browser: object) -> None:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(server)
    text = _text_when(page, "Sign in to see the data shared with you")
    assert FIRST not in text and SECOND not in text


def test_two_coaches_see_only_their_own_athletes(server: str, browser: object) -> None:
    for email, user, mine, theirs in (("cara@example.org", "cara", FIRST, SECOND),
                                      ("bo@example.org", "bo", SECOND, FIRST)):
        page = _sign_in(browser, server, email)
        text = _text_when(page, f"Today: {mine}")
        assert f"Signed in as {user} (coach)" in text
        assert theirs not in text
        page.goto(f"{server}/?athlete={theirs.replace(' ', '+')}")  # guessing a name
        text = _text_when(page, f"Today: {mine}")
        assert theirs not in text
        page.goto(f"{server}/roster")
        text = _text_when(page, "Signed in as")
        assert theirs not in text


def test_an_unknown_address_is_refused(server: str, browser: object) -> None:
    page = _sign_in(browser, server, "mallory@example.org")
    text = _text_when(page, "not an active loadwatch user")
    assert FIRST not in text and SECOND not in text


def test_a_clinicians_report_download_is_audited(server: str, server_db: str,
                                                 browser: object) -> None:
    page = _sign_in(browser, server, "cleo@example.org")
    _text_when(page, f"Today: {FIRST}")
    page.goto(f"{server}/review")  # type: ignore[attr-defined]
    _text_when(page, f"Review: {FIRST}")
    with page.expect_download(timeout=RENDER_S * 1000) as download:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Download report (PDF)").click()  # type: ignore[attr-defined]
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    onset = dt.date.today()
    start = onset - dt.timedelta(days=7 * 8 - 1)
    rows = A.audit(Store.open(server_db), FIRST)
    reports = rows[rows["action"] == "report"]
    assert [(r.actor, r.actor_role, r.what, r.detail) for r in reports.itertuples()] == [
        ("cleo", "clinician", "reports", f"format=pdf; window={start}/{onset}")]
