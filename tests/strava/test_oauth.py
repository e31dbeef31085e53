"""OAuth: the authorisation URL, the state check, the loopback callback, the code exchange."""

from __future__ import annotations

import socket
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from etl.errors import StoreError
from etl.store import strava_state as state
from etl.strava.config import load_settings
from etl.strava.connect import exchange_code
from etl.strava.errors import OAuthError, StravaResponseError
from etl.strava.oauth import authorization_url, check_callback, new_state, wait_for_callback
from tests.strava.fake_strava import CLIENT_ID, STRAVA_ATHLETE_ID


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_authorization_url_points_at_the_configured_server(make_fake):
    fake = make_fake([])
    url = authorization_url("abc123", redirect_uri="http://127.0.0.1:9999/callback")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == fake.base_url
    assert parts.path == "/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["client_id"] == [str(CLIENT_ID)]
    assert query["scope"] == ["read,activity:read_all"]
    assert query["state"] == ["abc123"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://127.0.0.1:9999/callback"]


def test_default_base_url_is_strava(strava_env):
    assert authorization_url("s").startswith("https://www.strava.com/oauth/authorize?")


def test_states_are_random():
    assert len({new_state() for _ in range(50)}) == 50


@pytest.mark.parametrize("query, fragment", [
    ("state=other&code=c&scope=read,activity:read_all", "wrong or missing state"),
    ("code=c", "wrong or missing state"),
    ("state=good&error=access_denied", "'access_denied'"),
    ("state=good&scope=read", "carried no code"),
    ("state=good&code=c&scope=read", "View data about your activities"),
])
def test_callback_checks(query, fragment):
    with pytest.raises(OAuthError, match=fragment):
        check_callback(query, "good")


def test_callback_accepts_granted_scopes():
    result = check_callback("state=good&code=c0de&scope=read,activity:read_all", "good")
    assert result.code == "c0de" and result.scopes == ("read", "activity:read_all")


def test_loopback_flow_through_the_fake_authorize_page(store, make_fake):
    make_fake([])
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    oauth_state = new_state()
    url = authorization_url(oauth_state, redirect_uri=redirect)
    ready = threading.Event()
    outcome: dict[str, object] = {}

    def wait() -> None:
        outcome["result"] = wait_for_callback(oauth_state, redirect, timeout_s=10, ready=ready)

    thread = threading.Thread(target=wait)
    thread.start()
    ready.wait(5)
    page = requests.get(url, timeout=5)  # the fake "browser" follows the redirect
    thread.join(10)
    assert page.status_code == 200 and "connected to Strava" in page.text
    result = outcome["result"]
    connection = exchange_code(store, "ada", result.code, scopes=result.scopes)
    assert connection.strava_athlete_id == STRAVA_ATHLETE_ID
    assert connection.scopes == ("read", "activity:read_all")
    row = state.get_connection(store, store.athlete_id("ada"))
    assert row is not None and row.status == "active"
    with pytest.raises(StravaResponseError, match="codes work once"):
        exchange_code(store, "ada", result.code, settings=load_settings())


def test_forged_callback_is_refused(make_fake):
    make_fake([])
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    ready = threading.Event()
    outcome: dict[str, object] = {}

    def wait() -> None:
        try:
            wait_for_callback("expected", redirect, timeout_s=10, ready=ready)
        except OAuthError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=wait)
    thread.start()
    ready.wait(5)
    page = requests.get(redirect, params={"state": "forged", "code": "x"}, timeout=5)
    thread.join(10)
    assert page.status_code == 400
    assert "wrong or missing state" in str(outcome["error"])


def test_non_loopback_redirect_is_refused():
    with pytest.raises(OAuthError, match="not a loopback address"):
        wait_for_callback("s", "https://example.org/callback", timeout_s=1)


def test_connect_names_the_athlete_after_the_strava_profile(store, make_fake):
    fake = make_fake([])
    connection = exchange_code(store, None, fake.issue_code())
    assert connection.athlete == "Ada Runner"


def test_same_strava_athlete_cannot_be_two_loadwatch_athletes(store, make_fake):
    fake = make_fake([])
    exchange_code(store, "ada", fake.issue_code())
    with pytest.raises(StoreError, match="already connected to loadwatch athlete 'ada'"):
        exchange_code(store, "someone-else", fake.issue_code())
