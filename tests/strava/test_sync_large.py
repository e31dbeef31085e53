"""A 3,000-activity history under tight rate limits: the fake server fails the test if any
request arrives while a window is full. Windows pass in fake time, so this runs in seconds."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.strava.sync import PER_PAGE, sync
from tests.strava.conftest import NOW, connect
from tests.strava.fake_strava import generate_history


@pytest.mark.slow
def test_three_thousand_activities_never_exceed_the_limits(store, make_fake, transport, clock):
    history = generate_history(3000, end=NOW, run_fraction=0.04, manual_every=0)
    runs = sum(1 for a in history if a["sport_type"] == "Run")
    # read limits 40 per 15 min, 150 per day: the sync must span several fake days
    fake = make_fake(history, read_limits=(40, 150), limits=(60, 300))
    connect(store, fake, transport)
    waits: list[tuple[float, str]] = []
    report = sync(store, "ada", transport=transport, on_wait=lambda s, w: waits.append((s, w)))
    assert fake.violations == []
    assert report.backfill_complete and report.inserted == 3000
    lists = 3000 // PER_PAGE + 1  # full pages, then the empty one that ends the history
    # tokens: the code exchange, then one refresh when the 6-hour token expires (fake days)
    assert fake.counts() == {"list": lists, "detail": runs, "streams": runs, "token": 2}
    assert report.requests == lists + 2 * runs
    assert any(w == "daily read" for _, w in waits)
    assert any(w == "15-minute read" for _, w in waits)
    # no window ever saw more than its limit
    assert max(v for (kind, _), v in fake.usage.items() if kind == "w") <= 40
    assert max(v for (kind, _), v in fake.usage.items() if kind == "d") <= 150
    frame = store.activities("ada")
    assert len(frame) == 3000 and frame["source_id"].is_unique
    assert int(frame["has_streams"].sum()) == runs


def test_first_window_brings_the_last_six_weeks(store, make_fake, transport):
    history = generate_history(600, end=NOW, run_fraction=0.8, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    report = sync(store, "ada", transport=transport, wait=False)
    assert report.stopped and report.resume_at == dt.datetime(2026, 3, 2, 6, 15, tzinfo=dt.UTC)
    assert fake.counts()["list"] + fake.counts()["detail"] + fake.counts()["streams"] == 100
    frame = store.activities("ada")
    six_weeks_ago = pd.Timestamp(NOW - dt.timedelta(weeks=6))
    expected = {str(a["id"]) for a in history if pd.Timestamp(a["start_date"]) >= six_weeks_ago}
    assert expected <= set(frame["source_id"])
    assert frame["start_time_utc"].min() < six_weeks_ago
