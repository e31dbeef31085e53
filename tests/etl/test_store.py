"""The store: migrations, upsert idempotency, de-duplication across sources, streams."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store
from etl.store.engine import current_tables
from loadwatch import columns as C

START = dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)


def run(source: str = "file", source_id: str = "a", *, start: dt.datetime = START,
        distance: float = 10_000.0, rpe: float | None = None, name: str | None = None,
        samples: int = 0) -> ParsedActivity:
    record = ActivityRecord(
        source=source, source_id=source_id, sport_type="Run", start_time_utc=start,
        start_time_local=start.replace(tzinfo=None) + dt.timedelta(hours=2),
        timezone="Europe/Amsterdam", distance_m=distance, moving_time_s=3000.0,
        elapsed_time_s=3100.0, perceived_exertion=rpe, name=name)
    if samples:
        t = np.arange(samples, dtype=float)
        streams = pd.DataFrame({C.TIME_S: t, C.DISTANCE_M: t * 3.3, C.HEART_RATE_BPM: 150.0})
    else:
        streams = empty_streams()
    return ParsedActivity(record, streams)


def test_migrations_create_core_tables(store: Store) -> None:
    assert {"athletes", "activities", "activity_aliases", "streams", "import_log",
            "alembic_version"} <= current_tables(store.engine)


def test_same_input_twice_changes_nothing(store: Store) -> None:
    first = store.upsert_activity("ann", run(samples=10))
    second = store.upsert_activity("ann", run(samples=10))
    assert (first.outcome, second.outcome) == ("inserted", "unchanged")
    assert store.activity_count() == 1


def test_edited_input_updates_in_place(store: Store) -> None:
    first = store.upsert_activity("ann", run(name="Morning Run"))
    second = store.upsert_activity("ann", run(name="Long Run"))
    assert second.outcome == "updated" and second.activity_id == first.activity_id
    assert store.activities("ann")[C.NAME].tolist() == ["Long Run"]


def test_same_run_from_two_sources_is_stored_once_keeping_the_richer(store: Store) -> None:
    summary = store.upsert_activity("ann", run("strava_export", "1", rpe=6, name="Tempo"))
    detailed = store.upsert_activity(
        "ann", run("file", "x.fit", start=START + dt.timedelta(seconds=40), distance=10_150,
                   samples=20))
    assert detailed.outcome == "merged" and detailed.activity_id == summary.activity_id
    frame = store.activities("ann")
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row[C.SOURCE] == "file" and row[C.HAS_STREAMS]
    assert row[C.PERCEIVED_EXERTION] == 6 and row[C.NAME] == "Tempo"  # kept from the summary
    assert sorted(store.aliases(summary.activity_id)) == [("file", "x.fit"), ("strava_export", "1")]
    again = store.upsert_activity("ann", run("strava_export", "1", rpe=6, name="Tempo"))
    assert again.outcome == "unchanged" and store.activity_count() == 1


def test_poorer_twin_is_a_duplicate(store: Store) -> None:
    store.upsert_activity("ann", run("file", "x.fit", samples=20))
    poorer = store.upsert_activity(
        "ann", run("csv", "row-3", start=START + dt.timedelta(seconds=5)))
    assert poorer.outcome == "duplicate" and store.activity_count() == 1


@pytest.mark.parametrize(("shift_s", "distance"), [(61, 10_000.0), (0, 10_250.0)])
def test_runs_outside_the_tolerance_are_different_runs(store: Store, shift_s: int,
                                                       distance: float) -> None:
    store.upsert_activity("ann", run("file", "a"))
    store.upsert_activity("ann", run("csv", "b", start=START + dt.timedelta(seconds=shift_s),
                                     distance=distance))
    assert store.activity_count() == 2


def test_other_athlete_is_never_a_twin(store: Store) -> None:
    store.upsert_activity("ann", run("file", "a"))
    store.upsert_activity("bob", run("file", "b"))
    assert store.activity_count() == 2


def test_streams_round_trip(store: Store) -> None:
    result = store.upsert_activity("ann", run(samples=50))
    streams = store.streams(result.activity_id)
    assert list(streams.columns) == list(C.STREAM_COLUMNS)
    assert streams[C.DISTANCE_M].iloc[-1] == pytest.approx(49 * 3.3)
    assert streams[C.ALTITUDE_M].isna().all() and streams[C.IS_MOVING].all()


def test_delete_keeps_run_held_by_another_source(store: Store) -> None:
    kept = store.upsert_activity("ann", run("strava_api", "9", samples=5))
    store.upsert_activity("ann", run("strava_export", "9"))
    assert store.delete_activity("strava_api", "9")
    frame = store.activities("ann")
    assert frame[C.SOURCE].tolist() == ["strava_export"]
    assert store.delete_activity("strava_export", "9")
    assert store.activity_count() == 0 and store.streams(kept.activity_id).empty


def test_empty_store_gives_full_schema(store: Store) -> None:
    frame = store.activities()
    assert frame.empty and C.AVG_SPEED_MPS in frame.columns and C.LOCAL_DATE in frame.columns


@pytest.mark.postgres
def test_postgres_round_trip(pg_store: Store) -> None:
    first = pg_store.upsert_activity("ann", run("file", "a", samples=10))
    twin = pg_store.upsert_activity(
        "ann", run("strava_export", "a", start=START + dt.timedelta(seconds=30)))
    assert twin.outcome == "duplicate" and twin.activity_id == first.activity_id
    frame = pg_store.activities()
    assert len(frame) == 1 and frame[C.START_TIME_UTC].iloc[0] == pd.Timestamp(START)
    assert len(pg_store.streams(first.activity_id)) == 10
