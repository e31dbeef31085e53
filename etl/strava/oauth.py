"""OAuth 2 with Strava: the authorisation URL with a random ``state``, the loopback callback.

Flow (https://developers.strava.com/docs/authentication/): the user opens
:func:`authorization_url`, approves the scopes ``read,activity:read_all``, Strava redirects the
browser to ``redirect_uri?state=...&code=...&scope=...``; :func:`wait_for_callback` serves that
one request on 127.0.0.1, checks ``state`` in constant time and the granted scopes, and
returns the code for :func:`etl.strava.connect.exchange_code`.
"""

from __future__ import annotations

import hmac
import http.server
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

from stravalib import Client

from etl.strava.client import quiet_stravalib
from etl.strava.config import SCOPES, StravaSettings, load_settings
from etl.strava.errors import OAuthError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ACTIVITY_SCOPES = ("activity:read_all", "activity:read")


@dataclass(frozen=True)
class CallbackResult:
    """What the browser brought back: the one-time code and the scopes actually granted."""

    code: str
    scopes: tuple[str, ...]


def new_state() -> str:
    """A fresh unguessable ``state`` value (192 bits)."""
    return secrets.token_urlsafe(24)


def authorization_url(state: str, *, redirect_uri: str | None = None,
                      settings: StravaSettings | None = None) -> str:
    """The Strava page where the athlete approves ``read,activity:read_all``.

    Parameters
    ----------
    state
        A value from :func:`new_state`; the callback must bring it back unchanged.
    redirect_uri
        Where Strava sends the browser (default ``LOADWATCH_STRAVA_REDIRECT_URI`` or
        http://127.0.0.1:8765/callback). Its host must be an "Authorization Callback Domain"
        of the Strava API application.
    settings
        Defaults to :func:`~etl.strava.config.load_settings`.
    """
    settings = settings or load_settings()
    client_id, _ = settings.credentials()
    if not state:
        raise OAuthError("authorization_url needs a non-empty state (use new_state())")
    with quiet_stravalib():
        url = Client(rate_limit_requests=False).authorization_url(
            client_id=client_id, redirect_uri=redirect_uri or settings.redirect_uri,
            approval_prompt="auto", scope=list(SCOPES), state=state)  # type: ignore[arg-type]
    parts = urlsplit(url)
    base = urlsplit(settings.base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def check_callback(query: Mapping[str, list[str]] | str, expected_state: str) -> CallbackResult:
    """Validate the redirect's query: state, denial, code, scopes."""
    params = parse_qs(query) if isinstance(query, str) else dict(query)

    def one(name: str) -> str:
        values = params.get(name) or [""]
        return values[0]

    state = one("state")
    if not state or not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise OAuthError("the Strava callback carried a wrong or missing state (a stale tab or "
                         "a forged request); start again with `loadwatch strava connect`")
    if one("error"):
        raise OAuthError(f"Strava reported {one('error')!r}: access was not granted; run "
                         "`loadwatch strava connect` again and press Authorize")
    code = one("code")
    if not code:
        raise OAuthError("the Strava callback carried no code; run `loadwatch strava connect` "
                         "again")
    scopes = tuple(s for s in one("scope").split(",") if s)
    if scopes and not any(s in scopes for s in ACTIVITY_SCOPES):
        raise OAuthError(f"only the scopes {','.join(scopes)} were granted; loadwatch needs "
                         "'View data about your activities': connect again and leave that "
                         "box ticked")
    return CallbackResult(code=code, scopes=scopes)


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.expected_path:
            self.send_error(404, "not the loadwatch OAuth callback")
            return
        try:
            result = check_callback(parts.query, self.server.expected_state)
        except OAuthError as exc:
            self.server.outcome = exc
            self._page(400, f"loadwatch could not connect to Strava: {exc}")
        else:
            self.server.outcome = result
            self._page(200, "loadwatch is connected to Strava. You can close this window.")
        self.server.done.set()

    def _page(self, status: int, text: str) -> None:
        body = (f"<!doctype html><meta charset=utf-8><title>loadwatch</title><p>"
                f"{text.replace('&', '&amp;').replace('<', '&lt;')}</p>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class _CallbackServer(http.server.HTTPServer):
    def __init__(self, address: tuple[str, int], expected_path: str, expected_state: str) -> None:
        super().__init__(address, _CallbackHandler)
        self.expected_path = expected_path
        self.expected_state = expected_state
        self.outcome: CallbackResult | OAuthError | None = None
        self.done = threading.Event()


def wait_for_callback(state: str, redirect_uri: str, *, timeout_s: float = 300.0,
                      ready: threading.Event | None = None) -> CallbackResult:
    """Serve the loopback redirect once and return the checked code.

    ``redirect_uri`` must point at this machine (127.0.0.1, localhost or ::1) with an
    explicit port. ``ready`` is set once the server listens.
    """
    parts = urlsplit(redirect_uri)
    if parts.hostname not in LOOPBACK_HOSTS or not parts.port:
        raise OAuthError(f"redirect URI {redirect_uri!r} is not a loopback address with a port; "
                         "use e.g. http://127.0.0.1:8765/callback, or pass --code CODE")
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    try:
        server = _CallbackServer((host, parts.port), parts.path or "/", state)
    except OSError as exc:
        raise OAuthError(f"cannot listen on {host}:{parts.port} for the Strava callback "
                         f"({exc}); free the port or set LOADWATCH_STRAVA_REDIRECT_URI") from exc
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    if ready is not None:
        ready.set()
    try:
        if not server.done.wait(timeout_s):
            raise OAuthError(f"no Strava callback arrived within {timeout_s:.0f} s; run "
                             "`loadwatch strava connect` again, or copy the code from the "
                             "browser's address bar and pass --code CODE")
    finally:
        server.shutdown()
        server.server_close()
    outcome = server.outcome
    if isinstance(outcome, OAuthError):
        raise outcome
    if outcome is None:
        raise OAuthError("the Strava callback ended without a result; try again")
    return outcome
