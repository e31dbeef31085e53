"""The worker that applies recorded webhook events (``loadwatch strava process-events``).

Events are recorded by :mod:`etl.strava.webhook` and applied here (or at the start of
``loadwatch strava sync``): activity create/update -> fetch and store; delete -> remove the
``strava_api`` alias (the run stays if an export or file also has it); athlete
deauthorisation -> delete the athlete's API-sourced data and tokens.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import requests

from etl.store import strava_state as state
from etl.store.store import Store
from etl.strava.client import Transport
from etl.strava.config import StravaSettings, load_settings
from etl.strava.connect import forget_athlete
from etl.strava.errors import RateLimitExceeded, ReconnectRequired, StravaResponseError
from etl.strava.ratelimit import rate_key
from etl.strava.sync import Syncer, make_client


@dataclass(frozen=True)
class EventsReport:
    """Events applied, events that could not be (with why), and events left for later."""

    processed: int
    failed: tuple[str, ...]
    pending: int


def _is_deauthorisation(event: state.WebhookEvent) -> bool:
    return event.object_type == "athlete" and \
        str(event.updates.get("authorized", "")).lower() == "false"


def process_events(store: Store, *, wait: bool = True, settings: StravaSettings | None = None,
                   transport: Transport | None = None,
                   session: requests.Session | None = None) -> EventsReport:
    """Apply every pending webhook event, grouped by Strava athlete."""
    settings = settings or load_settings()
    transport = transport or Transport()
    processed = 0
    failed: list[str] = []
    by_owner: dict[int, list[state.WebhookEvent]] = defaultdict(list)
    for event in state.pending_events(store, limit=100_000):
        by_owner[event.owner_id].append(event)
    for owner, events in by_owner.items():
        row = state.connection_by_strava_id(store, owner)
        if row is None:
            for event in events:
                note = f"no loadwatch athlete is connected to Strava athlete {owner}"
                state.mark_event(store, event.id, processed=True, error=note)
                processed += 1
            continue
        if any(_is_deauthorisation(e) for e in events):
            forget_athlete(store, row.athlete_id)
            for event in events:
                state.mark_event(store, event.id, processed=True,
                                 error=None if _is_deauthorisation(event) else
                                 "the athlete deauthorised loadwatch; event not applied")
                processed += 1
            continue
        if row.status != "active":
            failed.append(f"events of {row.athlete!r} wait: the Strava connection is {row.status}")
            continue
        client = make_client(store, row, settings=settings, transport=transport, wait=wait,
                             session=session)
        syncer = Syncer(store, row, client)
        try:
            syncer.events()
        except ReconnectRequired as exc:
            failed.append(str(exc))
            if state.get_connection(store, row.athlete_id) is not None:
                state.set_connection_status(store, row.athlete_id, "revoked")
        except (RateLimitExceeded, StravaResponseError) as exc:
            failed.append(str(exc))
        finally:
            syncer.flush()
            state.save_rate_usage(store, rate_key(settings), client.planner.snapshot())
        processed += syncer.counts.events
        failed.extend(syncer.counts.rejected)
    return EventsReport(processed, tuple(failed), state.event_count(store, processed=False))
