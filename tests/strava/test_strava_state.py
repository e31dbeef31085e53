"""Store functions of the Strava domain and the 0003_strava migration."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.config import Config

from etl.store import strava_state as state
from etl.store.engine import MIGRATIONS, current_tables

STRAVA_TABLES = {"strava_connections", "sync_state", "strava_activities", "webhook_events",
                 "strava_rate_usage"}


def test_migration_downgrades_and_upgrades(store):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002_log")
    assert not STRAVA_TABLES & current_tables(store.engine)
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert current_tables(store.engine) >= STRAVA_TABLES


def test_sync_state_round_trip_in_a_transaction(store):
    athlete = store.athlete_id("ada")
    assert state.get_sync_state(store, athlete).cursor_after is None
    moment = dt.datetime(2026, 1, 5, 7, 30, tzinfo=dt.UTC)
    with store.transaction() as conn:
        state.write_sync_state(conn, athlete, cursor_after=moment, backfill_before=moment)
    with store.transaction() as conn:
        state.write_sync_state(conn, athlete, backfill_complete=True)
    current = state.get_sync_state(store, athlete)
    assert current.cursor_after == moment and current.backfill_complete
    state.reset_sync_state(store, athlete)
    assert state.get_sync_state(store, athlete).cursor_after is None


def test_cursor_rolls_back_with_the_rows(store):
    athlete = store.athlete_id("ada")
    moment = dt.datetime(2026, 1, 5, 7, 30, tzinfo=dt.UTC)
    try:
        with store.transaction() as conn:
            state.write_sync_state(conn, athlete, cursor_after=moment)
            state.mark_activity(conn, 1, athlete, status="stored")
            raise RuntimeError("killed mid-transaction")
    except RuntimeError:
        pass
    assert state.get_sync_state(store, athlete).cursor_after is None
    assert state.activity_states(store, [1]) == {}


def test_events_log(store):
    event = {"object_type": "activity", "aspect_type": "create", "object_id": 12_345_678_901,
             "owner_id": 134815, "subscription_id": 120475, "event_time": 1516126040,
             "updates": {}}
    first = state.record_event(store, event)
    state.record_event(store, dict(event, aspect_type="delete"))
    assert [e.aspect_type for e in state.pending_events(store)] == ["create", "delete"]
    state.mark_event(store, first, processed=True)
    assert [e.object_id for e in state.pending_events(store)] == [12_345_678_901]
    assert state.event_count(store, processed=True) == 1


def test_rate_usage_snapshot(store):
    seen = dt.datetime(2026, 1, 5, 7, 30, tzinfo=dt.UTC)
    usage = state.RateUsage(200, 2000, 5, 148, 100, 1000, 5, 148, seen)
    state.save_rate_usage(store, "k", usage)
    state.save_rate_usage(store, "k", usage)
    assert state.load_rate_usage(store, "k") == usage
    assert state.load_rate_usage(store, "other") is None


def test_forget_strava_clears_tokens_cursors_and_bookkeeping(store):
    athlete = store.athlete_id("ada")
    state.save_connection(store, athlete, strava_athlete_id=7, scopes=("read",), tokens=b"x",
                          expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with store.transaction() as conn:
        state.write_sync_state(conn, athlete, backfill_complete=True)
        state.mark_activity(conn, 99, athlete, status="stored")
    assert state.connection_by_strava_id(store, 7).athlete == "ada"
    state.forget_strava(store, athlete)
    assert state.get_connection(store, athlete) is None
    assert not state.get_sync_state(store, athlete).backfill_complete
    assert state.activity_states(store, [99]) == {}
