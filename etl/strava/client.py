"""The Strava HTTP client: stravalib for the protocol, our own transport, planner and retries.

stravalib has no base-URL option (``ApiV3.resolve_url`` always builds
``https://www.strava.com/...``), so the :class:`requests.Session` handed to it carries a
transport adapter that rewrites ``https://www.strava.com`` to the configured base URL
(``LOADWATCH_STRAVA_URL``) and applies a default timeout. stravalib's default rate limiter
(which sleeps until midnight) is replaced by :class:`~etl.strava.ratelimit.RateLimitPlanner`,
and stravalib's own environment-driven token refresh is switched off: refreshed tokens must
be persisted (Strava rotates refresh tokens), which :class:`StravaClient` does through
``on_refresh``.

Every request is named in errors as ``METHOD /path`` (never with tokens or secrets).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from stravalib import Client
from stravalib import exc as strava_exc

from etl.strava.config import STRAVA_ORIGIN, StravaSettings
from etl.strava.errors import MalformedResponse, NotFound, ReconnectRequired, StravaResponseError
from etl.strava.ratelimit import RateLimitPlanner
from etl.strava.tokens import TokenPair

REFRESH_MARGIN_S = 300.0
MAX_429_WAITS = 5


@dataclass(frozen=True)
class Transport:
    """How requests are timed: clock, sleep, timeout, retries of 5xx/timeouts with backoff."""

    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 2.0


@dataclass(frozen=True)
class Credentials:
    """The tokens of one athlete and how to persist renewed ones."""

    athlete: str
    tokens: TokenPair
    expires_at: dt.datetime
    on_refresh: Callable[[TokenPair, dt.datetime], None]


class BaseURLAdapter(HTTPAdapter):
    """Send requests meant for https://www.strava.com to ``base_url``, with a default timeout."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        super().__init__()
        self.base_url = base_url
        self.timeout_s = timeout_s

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        url = request.url or ""
        if url.startswith(STRAVA_ORIGIN):
            request.url = self.base_url + url[len(STRAVA_ORIGIN):]
        return super().send(request, stream=stream,
                            timeout=self.timeout_s if timeout is None else timeout,
                            verify=verify, cert=cert, proxies=proxies)


def make_session(settings: StravaSettings, timeout_s: float) -> requests.Session:
    """A session whose requests to Strava go to ``settings.base_url``."""
    session = requests.Session()
    session.mount(STRAVA_ORIGIN, BaseURLAdapter(settings.base_url, timeout_s))
    return session


@contextlib.contextmanager
def quiet_stravalib() -> Iterator[None]:
    """stravalib warns on the root logger about credentials we deliberately keep from it."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def _epoch_to_utc(value: object) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(value), dt.UTC)  # type: ignore[arg-type]


class StravaClient:
    """Strava API v3 calls used by loadwatch, rate-limit aware and retrying.

    Parameters
    ----------
    settings
        Base URL and application credentials.
    planner
        Decides when requests may go out; shared by every request of this client.
    credentials
        The athlete's tokens (``None`` for application-level calls such as subscriptions
        and the OAuth code exchange).
    transport
        Clock, sleep, timeout and retry settings.
    session
        A requests session to use instead of :func:`make_session` (tests).
    """

    def __init__(self, settings: StravaSettings, planner: RateLimitPlanner, *,
                 credentials: Credentials | None = None, transport: Transport | None = None,
                 session: requests.Session | None = None) -> None:
        self.settings = settings
        self.planner = planner
        self.transport = transport or Transport()
        self.credentials = credentials
        self.requests_sent = 0
        http = session or make_session(settings, self.transport.timeout_s)
        with quiet_stravalib():
            self.api = Client(access_token=credentials.tokens.access_token if credentials else None,
                              rate_limiter=planner.observe,  # type: ignore[arg-type]
                              requests_session=http)
        self.api.protocol.client_id = None
        self.api.protocol.client_secret = None

    # -- tokens ------------------------------------------------------------------------
    def _refresh(self, request: str) -> None:
        creds = self.credentials
        if creds is None:
            raise ReconnectRequired("?", f"{request} needs an athlete's tokens")
        client_id, secret = self.settings.credentials()
        try:
            with quiet_stravalib():
                info = self.api.refresh_access_token(client_id, secret, creds.tokens.refresh_token)
        except strava_exc.Fault as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (400, 401, 403):
                raise ReconnectRequired(
                    creds.athlete, f"Strava refused to renew the access token (HTTP {status}): "
                    "access was revoked or the app was removed on Strava") from None
            raise StravaResponseError("POST /oauth/token", f"token refresh failed: {exc}",
                                      status) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise StravaResponseError("POST /oauth/token",
                                      f"no answer from {self.settings.base_url} ({exc}); "
                                      "check the network and run the sync again") from None
        except (ValueError, KeyError, TypeError):
            raise StravaResponseError("POST /oauth/token",
                                      "the token answer is not the JSON Strava documents; "
                                      "try again later") from None
        tokens = TokenPair(str(info["access_token"]), str(info["refresh_token"]))
        expires_at = _epoch_to_utc(info["expires_at"])
        self.credentials = Credentials(creds.athlete, tokens, expires_at, creds.on_refresh)
        self.api.access_token = tokens.access_token
        creds.on_refresh(tokens, expires_at)

    def _refresh_if_due(self, request: str) -> None:
        creds = self.credentials
        if creds is not None and creds.expires_at.timestamp() - self.transport.clock() \
                < REFRESH_MARGIN_S:
            self._refresh(request)

    # -- requests ----------------------------------------------------------------------
    def call(self, method: str, path: str, *, auth: bool = True, data: dict[str, Any] | None = None,
             **params: Any) -> Any:
        """Send one API request (path below /api/v3) and return its decoded JSON.

        Waits for the rate-limit planner, refreshes tokens before expiry and once on 401,
        retries 5xx and timeouts with exponential backoff, waits out 429s.
        """
        request = f"{method} {_full_path(path)}"
        refreshed = False
        attempt = 0
        waits_429 = 0
        while True:
            self.planner.before_request(request)
            if auth:
                self._refresh_if_due(request)  # after any wait: the token may expire meanwhile
            self.requests_sent += 1
            try:
                return self._send(method, path, data, params)
            except strava_exc.AccessUnauthorized:
                if not auth or refreshed or self.credentials is None:
                    athlete = self.credentials.athlete if self.credentials else "?"
                    raise ReconnectRequired(
                        athlete, f"{request} was refused (HTTP 401) even with fresh tokens") \
                        from None
                self._refresh(request)
                refreshed = True
            except strava_exc.ObjectNotFound:
                raise NotFound(request, "not found on Strava (deleted, or never visible to "
                               "this athlete)", 404) from None
            except strava_exc.Fault as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status == 429 and waits_429 < MAX_429_WAITS:
                    waits_429 += 1
                    headers = exc.response.headers if exc.response is not None else {}
                    self.planner.on_429(headers, request)
                    continue
                if status is not None and status >= 500 and attempt < self.transport.retries:
                    self.transport.sleep(self.transport.backoff_s * 2 ** attempt)
                    attempt += 1
                    continue
                raise StravaResponseError(request, _fault_reason(exc, status), status) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt < self.transport.retries:
                    self.transport.sleep(self.transport.backoff_s * 2 ** attempt)
                    attempt += 1
                    continue
                raise StravaResponseError(
                    request, f"no answer from {self.settings.base_url} after {attempt + 1} "
                    f"attempts ({type(exc).__name__}); check the network (or "
                    "LOADWATCH_STRAVA_URL) and run the sync again") from None
            except ValueError:
                raise MalformedResponse(
                    request, "the answer is not valid JSON; nothing of it was stored; run the "
                    "sync again later (if it persists, Strava or the configured "
                    "LOADWATCH_STRAVA_URL is misbehaving)") from None

    def _send(self, method: str, path: str, data: dict[str, Any] | None,
              params: dict[str, Any]) -> Any:
        protocol = self.api.protocol
        url = STRAVA_ORIGIN + _full_path(path)
        if method == "GET":
            return protocol.get(url, **params)
        if method == "POST":
            return protocol.post(url, data=data, **params)
        if method == "DELETE":
            return protocol.delete(url, data=data, **params)
        raise ValueError(f"unsupported method {method}")

    # -- endpoints ---------------------------------------------------------------------
    def deauthorize(self) -> Any:
        """Revoke this application's access for the connected athlete."""
        return self.call("POST", "/oauth/deauthorize")

    def athlete(self) -> Any:
        return self.call("GET", "/athlete")

    def activities_page(self, page: int, per_page: int, *, after: int | None = None,
                        before: int | None = None) -> Any:
        """One page of the athlete's activities (newest first; oldest first with ``after``)."""
        return self.call("GET", "/athlete/activities", page=page, per_page=per_page,
                         after=after, before=before)

    def activity(self, activity_id: int) -> Any:
        return self.call("GET", f"/activities/{int(activity_id)}")

    def streams(self, activity_id: int, keys: tuple[str, ...]) -> Any:
        return self.call("GET", f"/activities/{int(activity_id)}/streams",
                         keys=",".join(keys), key_by_type="true")

    def list_subscriptions(self) -> Any:
        client_id, secret = self.settings.credentials()
        return self.call("GET", "/push_subscriptions", auth=False, client_id=client_id,
                         client_secret=secret)

    def create_subscription(self, callback_url: str, verify_token: str) -> Any:
        client_id, secret = self.settings.credentials()
        return self.call("POST", "/push_subscriptions", auth=False, data={
            "client_id": client_id, "client_secret": secret, "callback_url": callback_url,
            "verify_token": verify_token})

    def delete_subscription(self, subscription_id: int) -> Any:
        client_id, secret = self.settings.credentials()
        return self.call("DELETE", f"/push_subscriptions/{int(subscription_id)}", auth=False,
                         client_id=client_id, client_secret=secret)

    def exchange_code(self, code: str) -> tuple[TokenPair, dt.datetime, dict[str, Any]]:
        """Trade an authorisation code for tokens; also returns the summary athlete."""
        client_id, secret = self.settings.credentials()
        request = "POST /oauth/token"
        try:
            with quiet_stravalib():
                info, athlete = self.api.protocol.exchange_code_for_token(
                    client_id, secret, code, return_athlete=True)
        except strava_exc.Fault as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise StravaResponseError(
                request, f"Strava refused the authorisation code (HTTP {status}); codes work "
                "once and expire quickly: run `loadwatch strava connect` again", status) \
                from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise StravaResponseError(request, f"no answer from {self.settings.base_url} "
                                      f"({type(exc).__name__}); check the network") from None
        except (ValueError, KeyError, TypeError):
            raise StravaResponseError(request, "the token answer is not the JSON Strava "
                                      "documents; try again later") from None
        if not isinstance(athlete, dict) or not isinstance(athlete.get("id"), int):
            raise StravaResponseError(request, "the token answer names no athlete id; "
                                      "try again later")
        tokens = TokenPair(str(info["access_token"]), str(info["refresh_token"]))
        return tokens, _epoch_to_utc(info["expires_at"]), athlete


def _full_path(path: str) -> str:
    return path if path.startswith("/oauth/") else "/api/v3" + path


def _fault_reason(exc: strava_exc.Fault, status: int | None) -> str:
    if isinstance(exc, strava_exc.ApplicationInactive):
        return str(exc)
    if status == 429:
        return ("Strava keeps answering 429 Too Many Requests; wait for the next 15-minute "
                "window and run the sync again")
    if status is not None and status >= 500:
        return (f"Strava answered HTTP {status} repeatedly (server trouble); run the sync "
                "again later")
    return f"Strava answered HTTP {status}: {exc}"
