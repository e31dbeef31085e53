"""Strava API sync: OAuth connect, encrypted tokens, rate-limit aware resumable sync, webhooks.

Public entry points: :func:`etl.strava.oauth.authorization_url`,
:func:`etl.strava.connect.exchange_code`, :func:`status` (here),
:func:`etl.strava.sync.sync` and :func:`etl.strava.events.process_events`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from etl.errors import StoreError
from etl.store import strava_state as state
from etl.store.store import Store
from etl.strava.config import load_settings
from etl.strava.ratelimit import Budget, RateLimitPlanner, rate_key


@dataclass(frozen=True)
class ConnectionStatus:
    """One athlete's Strava connection, sync position and the rate-limit budget left."""

    athlete: str
    strava_athlete_id: int
    status: str
    scopes: tuple[str, ...]
    token_expires_at: dt.datetime
    last_sync_at: dt.datetime | None
    cursor_after: dt.datetime | None
    backfill_before: dt.datetime | None
    backfill_complete: bool
    api_activities: int
    pending_events: int
    budget: Budget

    def as_row(self) -> dict[str, object]:
        """A flat row for tables and JSON (column names as in the CLI output)."""
        return {
            "athlete": self.athlete, "strava_athlete_id": self.strava_athlete_id,
            "status": self.status, "scopes": ",".join(self.scopes),
            "token_expires_at": self.token_expires_at, "last_sync_at": self.last_sync_at,
            "cursor_after": self.cursor_after, "backfill_before": self.backfill_before,
            "is_backfill_complete": self.backfill_complete,
            "api_activities": self.api_activities, "pending_events": self.pending_events,
            "read_15min_left": self.budget.read_15min_left,
            "read_daily_left": self.budget.read_daily_left,
            "overall_15min_left": self.budget.overall_15min_left,
            "overall_daily_left": self.budget.overall_daily_left,
        }


def status(store: Store, athlete: str | None = None) -> list[ConnectionStatus]:
    """The Strava connections in ``store`` (of ``athlete`` only, when given)."""
    settings = load_settings()
    snapshot = state.load_rate_usage(store, rate_key(settings))
    budget = RateLimitPlanner(snapshot=snapshot).budget()
    rows = state.connections(store)
    if athlete is not None:
        rows = [r for r in rows if r.athlete == athlete]
        if not rows:
            try:
                store.athlete_id(athlete, create=False)
            except StoreError:
                raise StoreError(f"no athlete called {athlete!r}; connect one with "
                                 f"`loadwatch strava connect --athlete {athlete!r}`") from None
    pending = state.pending_events(store, limit=100_000)
    out = []
    for row in rows:
        sync_state = state.get_sync_state(store, row.athlete_id)
        out.append(ConnectionStatus(
            athlete=row.athlete, strava_athlete_id=row.strava_athlete_id, status=row.status,
            scopes=row.scopes, token_expires_at=row.expires_at,
            last_sync_at=sync_state.last_sync_at, cursor_after=sync_state.cursor_after,
            backfill_before=sync_state.backfill_before,
            backfill_complete=sync_state.backfill_complete,
            api_activities=len(state.api_source_ids(store, row.athlete_id)),
            pending_events=sum(1 for e in pending if e.owner_id == row.strava_athlete_id),
            budget=budget))
    return out


__all__ = ["ConnectionStatus", "status"]
