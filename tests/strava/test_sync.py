"""Sync against the fake Strava: requests per activity, idempotency, changes, deletions,
merging with exports, bad answers, retries, tokens and rate limits."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store
from etl.store import strava_state as state
from etl.strava.client import Transport
from etl.strava.errors import ReconnectRequired, StravaResponseError
from etl.strava.sync import sync
from tests.strava.conftest import NOW, connect
from tests.strava.fake_strava import FakeClock, generate_history

RUNS = ("Run", "TrailRun")


def _expected(history: list[dict]) -> tuple[int, int]:
    """(detail requests, streams requests) for a first sync of ``history``."""
    runs = [a for a in history if a["sport_type"] in RUNS]
    return len(runs), sum(1 for a in runs if not a["manual"])


def test_first_sync_stores_everything_with_the_promised_request_count(store, make_fake,
                                                                     transport):
    history = generate_history(40, end=NOW)
    fake = make_fake(history)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    details, streams = _expected(history)
    counts = fake.counts()
    assert counts["list"] == 1
    assert counts["detail"] == details
    assert counts["streams"] == streams
    assert report.inserted == 40 and report.backfill_complete and not report.rejected
    logged = store.import_history().iloc[0]
    assert (logged["input"], logged["athlete"], logged["imported"]) == ("Strava API sync",
                                                                       "ada", 40)
    frame = store.activities("ada")
    assert len(frame) == 40
    assert set(frame["source"]) == {"strava_api"}
    assert not fake.violations


def test_mapping_of_a_synced_run(store, make_fake, transport):
    history = generate_history(6, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    first = history[0]
    row = store.activities("ada").set_index("source_id").loc[str(first["id"])]
    assert row["sport_type"] == "Run"
    assert row["distance_m"] == pytest.approx(first["distance"])
    assert row["avg_cadence_spm"] == pytest.approx(2 * first["average_cadence"])
    assert row["timezone"] == "Europe/Amsterdam"
    assert row["start_time_utc"] == pd.Timestamp(first["start_date"])
    assert row["start_time_local"] == pd.Timestamp(first["start_date_local"][:-1])
    assert row["device"] == "Garmin Forerunner 255"
    assert row["has_streams"]
    samples = store.streams(int(row["activity_id"]))
    assert len(samples) == 20
    assert samples["cadence_spm"].iloc[0] == 170.0  # 85 per leg -> 170 steps/min
    assert samples["time_s"].iloc[-1] == first["elapsed_time"]


def test_second_sync_costs_one_list_request_and_changes_nothing(store, make_fake, transport):
    fake = make_fake(generate_history(40, end=NOW))
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    before = store.activities("ada")
    fake.requests.clear()
    report = sync(store, "ada", transport=transport)
    assert fake.counts() == {"list": 1}
    assert report.inserted == 0 and report.skipped > 0
    pd.testing.assert_frame_equal(before, store.activities("ada"))


def test_new_changed_and_deleted_activities(store, make_fake, transport, clock):
    history = generate_history(20, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    newest = history[0]
    fresh = dict(newest, id=newest["id"] + 1000, name="New run",
                 start_date=(NOW + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 start_date_local=(NOW + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    fake.add(fresh)
    fake.change_sport(history[1]["id"], "VirtualRun")
    fake.change_sport(history[2]["id"], "Kitesurf")
    clock.sleep(4 * 3600)
    fake.requests.clear()
    report = sync(store, "ada", transport=transport)
    assert report.inserted == 1 and report.updated == 2
    frame = store.activities("ada").set_index("source_id")
    assert frame.loc[str(history[1]["id"]), "sport_type"] == "VirtualRun"
    assert frame.loc[str(history[2]["id"]), "sport_type"] == "Kitesurf"  # unknown: kept
    assert frame.loc[str(fresh["id"]), "name"] == "New run"
    # a detail for the new and the changed run, streams only for the new one (the change of
    # sport type leaves the samples alone: they are reused); nothing for the non-run
    assert fake.counts()["detail"] == 2 and fake.counts()["streams"] == 1
    changed = frame.loc[str(history[1]["id"])]
    assert changed["has_streams"] and len(store.streams(int(changed["activity_id"]))) == 20
    assert state.failed_activities(store, store.athlete_id("ada")) == []


def test_detail_404_deletes_the_activity(store, make_fake, transport):
    history = generate_history(10, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    target = history[4]["id"]
    fake.fail(rf"/api/v3/activities/{target}", "status", status=404)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert report.deleted == 1 and report.inserted == 9
    assert str(target) not in set(store.activities("ada")["source_id"])


def test_manual_runs_import_from_summary_without_streams(store, make_fake, transport):
    history = generate_history(8, end=NOW, run_fraction=1.0, manual_every=4)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    frame = store.activities("ada").set_index("source_id")
    manual = [a for a in history if a["manual"]]
    assert len(manual) == 2
    for summary in manual:
        assert frame.loc[str(summary["id"]), "is_manual"]
        assert not frame.loc[str(summary["id"]), "has_streams"]
    assert fake.counts()["streams"] == 6


def test_run_from_an_export_is_merged_not_duplicated(store, make_fake, transport):
    history = generate_history(5, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    twin = history[2]
    start = dt.datetime.fromisoformat(twin["start_date"]) + dt.timedelta(seconds=20)
    store.upsert_activity("ada", ParsedActivity(ActivityRecord(
        source="strava_export", source_id="999", sport_type="Run", start_time_utc=start,
        start_time_local=start.replace(tzinfo=None), timezone="UTC",
        distance_m=twin["distance"] * 1.01, name="From export"), empty_streams()))
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert report.merged == 1 and report.inserted == 4
    frame = store.activities("ada")
    assert len(frame) == 5
    merged = frame[frame["source"] == "strava_api"].set_index("source_id").loc[str(twin["id"])]
    assert merged["has_streams"]
    assert sorted(store.aliases(int(merged["activity_id"]))) == [
        ("strava_api", str(twin["id"])), ("strava_export", "999")]


def test_malformed_detail_is_rejected_alone_and_retried_next_time(store, make_fake, transport):
    history = generate_history(10, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    bad = history[3]["id"]
    fake.fail(rf"/api/v3/activities/{bad}", "malformed")
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert len(report.rejected) == 1
    assert f"GET /api/v3/activities/{bad}" in report.rejected[0]
    assert "not valid JSON" in report.rejected[0]
    ids = set(store.activities("ada")["source_id"])
    assert str(bad) not in ids and len(ids) == 9
    report = sync(store, "ada", transport=transport)
    assert report.inserted == 1 and not report.rejected
    assert str(bad) in set(store.activities("ada")["source_id"])


def test_wrong_shape_streams_store_nothing_of_that_activity(store, make_fake, transport):
    history = generate_history(4, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    bad = history[0]["id"]
    fake.fail(rf"/api/v3/activities/{bad}/streams", "shape",
              body={"time": {"data": [0, 1, 2]}, "heartrate": {"data": [150, 151]}})
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert "differ in length" in report.rejected[0]
    assert str(bad) not in set(store.activities("ada")["source_id"])


def test_malformed_list_stops_with_a_clear_error_and_keeps_what_was_stored(store, make_fake,
                                                                           transport, clock):
    history = generate_history(5, end=NOW, run_fraction=0.0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    fake.fail(r"/api/v3/athlete/activities", "malformed")
    with pytest.raises(StravaResponseError, match="GET /api/v3/athlete/activities"):
        sync(store, "ada", transport=transport)
    assert len(store.activities("ada")) == 5


def test_server_errors_and_timeouts_are_retried_with_backoff(store, make_fake, clock):
    transport = Transport(clock=clock, sleep=clock.sleep, timeout_s=0.5, retries=3,
                          backoff_s=1.0)
    history = generate_history(3, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history, timeout_delay_s=1.5)
    fake.fail(r"/api/v3/athlete/activities", "status", status=503, times=2)
    fake.fail(rf"/api/v3/activities/{history[0]['id']}", "timeout")
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert report.inserted == 3
    assert clock.slept[:3] == [1.0, 2.0, 1.0]  # backoff 1 s, 2 s (list), 1 s (detail)


def test_persistent_server_errors_stop_with_a_clear_message(store, make_fake, transport):
    fake = make_fake(generate_history(3, end=NOW))
    fake.fail(r"/api/v3/athlete/activities", "status", status=500, times=10)
    connect(store, fake, transport)
    with pytest.raises(StravaResponseError, match="HTTP 500 repeatedly"):
        sync(store, "ada", transport=transport)


def test_expired_token_is_refreshed_before_the_request_and_persisted(store, make_fake,
                                                                     transport, clock):
    fake = make_fake(generate_history(3, end=NOW, run_fraction=0.0))
    connect(store, fake, transport)
    old = state.get_connection(store, store.athlete_id("ada"))
    clock.sleep(21600)
    sync(store, "ada", transport=transport)
    new = state.get_connection(store, store.athlete_id("ada"))
    assert new.expires_at > old.expires_at and new.tokens != old.tokens
    assert fake.counts()["token"] == 2  # code exchange, one refresh


def test_401_refreshes_once_then_succeeds(store, make_fake, transport):
    fake = make_fake(generate_history(3, end=NOW, run_fraction=0.0))
    connect(store, fake, transport)
    fake.expire_access_tokens()
    report = sync(store, "ada", transport=transport)
    assert report.inserted == 3
    assert fake.counts()["token"] == 2


def test_revoked_access_asks_to_reconnect(store, make_fake, transport):
    fake = make_fake(generate_history(3, end=NOW, run_fraction=0.0))
    connect(store, fake, transport)
    fake.revoke()
    with pytest.raises(ReconnectRequired, match="strava connect --athlete 'ada'"):
        sync(store, "ada", transport=transport)
    assert state.get_connection(store, store.athlete_id("ada")).status == "revoked"
    with pytest.raises(ReconnectRequired, match="the connection is revoked"):
        sync(store, "ada", transport=transport)


def test_429_waits_for_the_next_window(store, make_fake, transport, clock):
    fake = make_fake(generate_history(3, end=NOW, run_fraction=0.0))
    fake.fail(r"/api/v3/athlete/activities", "status", status=429)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert report.inserted == 3
    # NOW is 06:00:07; the next 15-minute window opens at 06:15:00 (+1 s margin)
    assert clock() >= dt.datetime(2026, 3, 2, 6, 15, tzinfo=dt.UTC).timestamp()
    assert clock.slept == [pytest.approx(14 * 60 + 53 + 1)]


def test_no_wait_stops_with_a_resume_time_and_resumes_later(store, make_fake, transport,
                                                            clock):
    history = generate_history(30, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history, read_limits=(25, 1000))
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport, wait=False)
    assert report.resume_at == dt.datetime(2026, 3, 2, 6, 15, tzinfo=dt.UTC)
    assert "15-minute read request limit" in report.stopped
    assert 0 < report.inserted < 30
    clock.sleep(15 * 60)
    report = sync(store, "ada", transport=transport, wait=False)
    clock.sleep(15 * 60)
    report = sync(store, "ada", transport=transport, wait=False)
    assert report.stopped is None and report.backfill_complete
    assert len(store.activities("ada")) == 30
    assert not fake.violations


def test_request_budget_stops_resumably(store, make_fake, transport):
    history = generate_history(30, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport, max_requests=11)
    assert report.stopped and report.requests == 11
    assert report.inserted == 5  # 1 list + 5 x (detail + streams)
    newest = store.activities("ada")["start_time_utc"].max()
    assert newest == pd.Timestamp(history[0]["start_date"])  # newest first
    while not sync(store, "ada", transport=transport, max_requests=20).backfill_complete:
        pass
    frame = store.activities("ada")
    assert len(frame) == 30 and frame["source_id"].is_unique
    details, streams = _expected(history)
    assert fake.counts()["detail"] == details and fake.counts()["streams"] == streams


def test_full_sync_walks_history_again_without_refetching(store, make_fake, transport):
    fake = make_fake(generate_history(20, end=NOW))
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    fake.requests.clear()
    report = sync(store, "ada", transport=transport, full=True)
    assert fake.counts() == {"list": 1}
    assert report.skipped == 20 and report.backfill_complete


def test_sync_without_connection_says_connect_first(store, strava_env):
    with pytest.raises(ReconnectRequired, match="no Strava connection is stored"):
        sync(store, "nobody", transport=Transport())


def test_progress_is_reported(store, make_fake, transport):
    fake = make_fake(generate_history(5, end=NOW, run_fraction=0.0))
    connect(store, fake, transport)
    seen = []
    sync(store, "ada", transport=transport, progress=lambda d, t, m: seen.append((d, t, m)))
    assert seen[-1] == (5, 5, "history")


def test_sync_on_postgresql(pg_store: Store, make_fake, transport, clock: FakeClock):
    history = generate_history(12, end=NOW)
    fake = make_fake(history)
    connect(pg_store, fake, transport)
    report = sync(pg_store, "ada", transport=transport)
    assert report.inserted == 12
    assert len(pg_store.activities("ada")) == 12
    again = sync(pg_store, "ada", transport=transport, full=True)
    assert again.skipped == 12 and again.requests == 1


def test_full_sync_removes_activities_deleted_without_a_webhook(store, make_fake, transport):
    history = generate_history(10, end=NOW, run_fraction=0.0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    gone = history[6]["id"]
    fake.delete(gone)
    fake.requests.clear()
    report = sync(store, "ada", transport=transport, full=True)
    assert report.deleted == 1 and fake.counts() == {"list": 1, "detail": 1}
    assert str(gone) not in set(store.activities("ada")["source_id"])


def test_summary_without_start_is_rejected_and_moves_no_cursor(store, make_fake, transport):
    history = generate_history(8, end=NOW, run_fraction=0.0)
    broken = history[3]["id"]
    history[3] = dict(history[3], start_date="not a date")
    fake = make_fake(history)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport)
    assert len(report.rejected) == 1 and "'start_date' = 'not a date'" in report.rejected[0]
    assert report.inserted == 7 and report.backfill_complete
    current = state.get_sync_state(store, store.athlete_id("ada"))
    assert current.backfill_before == dt.datetime.fromisoformat(history[7]["start_date"])
    assert state.failed_activities(store, store.athlete_id("ada")) == [broken]


def test_cropped_run_fetches_its_streams_again(store, make_fake, transport):
    history = generate_history(3, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    cropped = history[0]["distance"] - 500.0
    fake.activities[history[0]["id"]]["distance"] = cropped
    fake.requests.clear()
    report = sync(store, "ada", transport=transport)
    assert report.updated == 1 and fake.counts() == {"list": 1, "detail": 1, "streams": 1}
    row = store.activities("ada").set_index("source_id").loc[str(history[0]["id"])]
    assert row["distance_m"] == pytest.approx(cropped)
