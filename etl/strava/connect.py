"""Connecting an athlete to Strava, using the stored connection, and forgetting it.

Tokens are encrypted (:mod:`etl.strava.tokens`) before they reach the store. Disconnecting,
in the app or by Strava's deauthorisation event, deletes the athlete's API-sourced activities
(runs also present from an export or file stay, as export/file runs) and the tokens, as
Strava's API agreement requires.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from etl.errors import StoreError
from etl.store import strava_state as state
from etl.store.store import Store
from etl.strava import tokens as crypto
from etl.strava.client import Credentials, StravaClient, Transport
from etl.strava.config import StravaSettings, load_settings
from etl.strava.errors import ReconnectRequired, StravaError
from etl.strava.ratelimit import RateLimitPlanner


@dataclass(frozen=True)
class Connection:
    """A stored Strava connection (without its tokens)."""

    athlete: str
    strava_athlete_id: int
    scopes: tuple[str, ...]
    expires_at: dt.datetime
    status: str


def _athlete_name(athlete: dict[str, object]) -> str:
    parts = [str(athlete.get(k) or "").strip() for k in ("firstname", "lastname")]
    name = " ".join(p for p in parts if p)
    return name or f"strava-{athlete['id']}"


def exchange_code(store: Store, athlete: str | None, code: str, *,
                  scopes: Sequence[str] = (), settings: StravaSettings | None = None,
                  transport: Transport | None = None) -> Connection:
    """Trade an authorisation ``code`` for tokens and store them encrypted.

    Parameters
    ----------
    store
        Where the connection is kept.
    athlete
        The loadwatch athlete to connect (created if missing); ``None`` names the athlete
        after the Strava profile ("Firstname Lastname").
    code
        The one-time code from the callback (or typed with ``--code``).
    scopes
        The scopes the callback reported as granted (stored for ``status``).
    """
    settings = settings or load_settings()
    transport = transport or Transport()
    code = code.strip()
    if not code:
        raise StravaError("the authorisation code is empty; copy the `code=` value from the "
                          "callback address")
    client = StravaClient(settings, RateLimitPlanner(clock=transport.clock, sleep=transport.sleep),
                          transport=transport)
    pair, expires_at, profile = client.exchange_code(code)
    name = athlete or _athlete_name(profile)
    athlete_id = store.athlete_id(name)
    granted = tuple(scopes) or ("read", "activity:read_all")
    state.save_connection(store, athlete_id, strava_athlete_id=int(profile["id"]),
                          scopes=granted, tokens=crypto.encrypt(pair), expires_at=expires_at)
    return Connection(name, int(profile["id"]), granted, expires_at, "active")


def connection_row(store: Store, athlete: str) -> state.ConnectionRow:
    """The stored connection of ``athlete`` or a clear "connect first" error."""
    try:
        athlete_id = store.athlete_id(athlete, create=False)
    except StoreError:
        athlete_id = None
    row = state.get_connection(store, athlete_id) if athlete_id is not None else None
    if row is None:
        raise ReconnectRequired(athlete, "no Strava connection is stored")
    if row.status != "active":
        raise ReconnectRequired(athlete, f"the connection is {row.status}")
    return row


def credentials_for(store: Store, row: state.ConnectionRow,
                    on_refresh: Callable[[], None] | None = None) -> Credentials:
    """Decrypted tokens of ``row`` that persist themselves (encrypted) when renewed."""

    def persist(pair: crypto.TokenPair, expires_at: dt.datetime) -> None:
        state.update_tokens(store, row.athlete_id, crypto.encrypt(pair), expires_at)
        if on_refresh is not None:
            on_refresh()

    return Credentials(row.athlete, crypto.decrypt(row.tokens, row.athlete), row.expires_at,
                       persist)


def forget_athlete(store: Store, athlete_id: int) -> int:
    """Delete API-sourced activities and the Strava connection of ``athlete_id``.

    Activities also present from another source keep that source; returns how many
    ``strava_api`` ids were removed.
    """
    removed = 0
    for source_id in state.api_source_ids(store, athlete_id):
        removed += int(store.delete_activity(state.SOURCE, source_id))
    state.forget_strava(store, athlete_id)
    return removed


def disconnect(store: Store, athlete: str, *, settings: StravaSettings | None = None,
               transport: Transport | None = None) -> int:
    """Revoke the app on Strava (best effort) and forget the athlete's API data and tokens."""
    athlete_id = store.athlete_id(athlete, create=False)
    row = state.get_connection(store, athlete_id)
    if row is not None and row.status == "active":
        settings = settings or load_settings()
        transport = transport or Transport()
        client = StravaClient(settings, RateLimitPlanner(clock=transport.clock,
                                                         sleep=transport.sleep),
                              credentials=credentials_for(store, row), transport=transport)
        with contextlib.suppress(StravaError):
            client.deauthorize()
    return forget_athlete(store, athlete_id)
