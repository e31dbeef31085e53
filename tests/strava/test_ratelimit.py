"""The rate-limit planner: header parsing, both windows, waiting, stopping, snapshots."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.store.strava_state import RateUsage
from etl.strava.errors import RateLimitExceeded
from etl.strava.ratelimit import RateLimitPlanner, parse_headers
from tests.strava.fake_strava import FakeClock

T0 = dt.datetime(2026, 3, 2, 23, 44, 30, tzinfo=dt.UTC).timestamp()


def test_headers_are_read_case_insensitively():
    recorded = {"X-Ratelimit-Limit": "200,2000", "X-Ratelimit-Usage": "5,148",
                "X-Readratelimit-Limit": "100,1000", "x-readratelimit-usage": " 5, 148"}
    assert parse_headers(recorded) == {"overall": ((200, 2000), (5, 148)),
                                       "read": ((100, 1000), (5, 148))}
    documented = {"X-RateLimit-Limit": "600,30000", "X-RateLimit-Usage": "314,27536"}
    assert parse_headers(documented) == {"overall": ((600, 30000), (314, 27536))}
    assert parse_headers({"X-RateLimit-Limit": "600", "X-RateLimit-Usage": "a,b"}) == {}


def test_waits_for_the_quarter_hour_when_the_15_minute_read_window_is_full():
    clock = FakeClock(T0)
    planner = RateLimitPlanner(clock=clock, sleep=clock.sleep)
    planner.observe({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "99,500",
                     "X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "99,500"})
    planner.before_request("GET /a")  # the 100th request of the window still fits
    assert clock.slept == []
    planner.before_request("GET /b")
    # 23:44:30 -> the window resets at 23:45:00: 30 s (+1 s margin)
    assert clock.slept == [31.0]
    assert planner.budget().read_15min_left == 99


def test_daily_window_waits_until_midnight_utc():
    clock = FakeClock(T0)
    planner = RateLimitPlanner(clock=clock, sleep=clock.sleep)
    planner.observe({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "3,1000"})
    planner.before_request("GET /a")
    # 23:44:30 -> midnight is 15 min 30 s away: 930 s (+1 s margin)
    assert clock.slept == [931.0]
    assert planner.budget().read_daily_left == 999


def test_overall_limit_counts_too():
    clock = FakeClock(T0)
    planner = RateLimitPlanner(clock=clock, sleep=clock.sleep, wait=False)
    planner.observe({"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "200,300",
                     "X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "10,300"})
    with pytest.raises(RateLimitExceeded, match="15-minute overall") as caught:
        planner.before_request("GET /api/v3/athlete")
    assert caught.value.resume_at == dt.datetime(2026, 3, 2, 23, 45, tzinfo=dt.UTC)
    assert "GET /api/v3/athlete" in str(caught.value) and "23:45:00 UTC" in str(caught.value)


def test_own_counting_without_headers_respects_the_default_read_limit():
    clock = FakeClock(T0)
    planner = RateLimitPlanner(clock=clock, sleep=clock.sleep, wait=False)
    for _ in range(100):
        planner.before_request("GET /x")
    with pytest.raises(RateLimitExceeded):
        planner.before_request("GET /x")
    clock.sleep(30)  # next window
    planner.before_request("GET /x")
    assert planner.sent == 101


def test_429_without_usage_headers_waits_for_the_next_window():
    clock = FakeClock(T0)
    planner = RateLimitPlanner(clock=clock, sleep=clock.sleep)
    planner.on_429({}, "GET /x")
    planner.before_request("GET /x")
    assert clock.slept == [31.0]


def test_snapshot_applies_only_within_its_windows():
    clock = FakeClock(T0)
    seen = dt.datetime.fromtimestamp(T0 - 60, dt.UTC)  # 23:43:30, same window and day
    snap = RateUsage(200, 2000, 50, 900, 100, 1000, 40, 800, seen)
    budget = RateLimitPlanner(clock=clock, snapshot=snap).budget()
    assert (budget.read_15min_left, budget.read_daily_left) == (60, 200)
    old = RateUsage(200, 2000, 50, 900, 100, 1000, 40, 800, seen - dt.timedelta(minutes=15))
    budget = RateLimitPlanner(clock=clock, snapshot=old).budget()
    assert (budget.read_15min_left, budget.read_daily_left) == (100, 200)
    yesterday = RateUsage(200, 2000, 50, 900, 100, 1000, 40, 800, seen - dt.timedelta(days=1))
    assert RateLimitPlanner(clock=clock, snapshot=yesterday).budget().requests_left == 100
