"""Session spike (Frandsen 2025), same-day extension, return after a break, weekly spike."""

from __future__ import annotations

import datetime as dt

import pytest

from risk.evidence import explain
from risk.rules.volume import session_spike_flags, spike_band, weekly_spike_flags
from risk.settings import RiskSettings
from tests.risk.flag_helpers import daily_frame, day, sessions_frame, weekly_runs

S = RiskSettings()


def test_spike_message_names_both_distances_and_the_percentage() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-10", "km": 14.5}])
    (flag,) = session_spike_flags(sessions, S)
    # 100 * (14.5 - 10) / 10 = 45 % -> (30, 100] -> moderate
    assert (flag.kind, flag.category, flag.severity) == ("session_spike", "moderate", "moderate")
    assert flag.value == pytest.approx(45.0)
    assert flag.threshold == 30
    assert flag.local_date == day("2024-03-10")
    assert flag.activity_id == 2
    assert "(14.5 km)" in flag.message and "45 %" in flag.message and "(10.0 km)" in flag.message
    assert "at most 11.0 km" in flag.advice
    assert explain(flag.evidence_key).grade == "A"


@pytest.mark.parametrize(("km", "band", "severity"), [
    (11.0, None, None),          # exactly +10 %: reference
    (11.01, "small", "low"),     # +10.1 %
    (13.0, "small", "low"),      # exactly +30 %: still small
    (13.01, "moderate", "moderate"),
    (20.0, "moderate", "moderate"),  # exactly +100 %: still moderate
    (20.01, "large", "high"),
])
def test_band_boundaries(km: float, band: str | None, severity: str | None) -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-02", "km": km}])
    flags = session_spike_flags(sessions, S)
    if band is None:
        assert flags == []
    else:
        assert [(f.category, f.severity) for f in flags] == [(band, severity)]


def test_band_function_on_exact_thresholds() -> None:
    assert [spike_band(p, S) for p in (0, 10, 10.5, 30, 30.5, 100, 100.5)] == [
        "reference", "reference", "small", "small", "moderate", "moderate", "large"]


def test_window_is_the_30_days_strictly_before_the_start() -> None:
    # 20 km exactly 30 days (same hour) before: outside (t - 30 d, t); 10 km 29 days before.
    sessions = sessions_frame([{"date": "2024-03-01", "km": 20.0},
                               {"date": "2024-03-02", "km": 10.0},
                               {"date": "2024-03-31", "km": 12.0}])
    flags = session_spike_flags(sessions, S)
    assert [(f.local_date, f.category) for f in flags] == [(day("2024-03-31"), "small")]
    assert flags[0].value == pytest.approx(20.0)


def test_earlier_run_on_the_same_day_counts_as_prior() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0, "hour": 7},
                               {"date": "2024-03-01", "km": 12.0, "hour": 18}])
    (flag,) = session_spike_flags(sessions, S)
    assert flag.activity_id == 2 and flag.category == "small" and flag.value == pytest.approx(20)


def test_only_runs_count() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-02", "km": 60.0, "sport": "Ride"},
                               {"date": "2024-03-03", "km": 25.0, "sport": "Walk"},
                               {"date": "2024-03-04", "km": 10.5, "sport": "TrailRun"}])
    assert session_spike_flags(sessions, S) == []


def test_same_day_sum_is_flagged_as_an_extension() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-05", "km": 6.0, "hour": 7},
                               {"date": "2024-03-05", "km": 6.0, "hour": 18}])
    (flag,) = session_spike_flags(sessions, S)
    # 6 + 6 = 12 km against 10 km: +20 % -> small; no single run was a spike.
    assert (flag.category, flag.severity, flag.local_date) == ("same_day_sum", "low",
                                                               day("2024-03-05"))
    assert flag.value == pytest.approx(20.0)
    assert "12.0 km" in flag.message and "extension" in flag.message
    assert explain(flag.evidence_key).grade == "D"


def test_same_day_sum_within_10_percent_or_explained_by_one_run_is_not_repeated() -> None:
    within = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                             {"date": "2024-03-05", "km": 5.0, "hour": 7},
                             {"date": "2024-03-05", "km": 6.0, "hour": 18}])
    assert session_spike_flags(within, S) == []
    explained = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                                {"date": "2024-03-05", "km": 14.0, "hour": 7},
                                {"date": "2024-03-05", "km": 1.0, "hour": 18}])
    assert [f.category for f in session_spike_flags(explained, S)] == ["moderate"]


def test_return_after_break_has_no_percentage() -> None:
    sessions = sessions_frame([{"date": "2024-01-01", "km": 10.0},
                               {"date": "2024-03-01", "km": 8.0},
                               {"date": "2024-03-03", "km": 8.0}])
    (flag,) = session_spike_flags(sessions, S)
    assert (flag.category, flag.severity, flag.value) == ("return_after_break", "low", None)
    assert flag.local_date == day("2024-03-01")
    assert "%" not in flag.message and "8.0 km" in flag.message
    assert "shorter" in flag.advice
    assert explain(flag.evidence_key).grade == "D"


def test_first_run_in_the_data_is_not_judged() -> None:
    assert session_spike_flags(sessions_frame([{"date": "2024-01-01", "km": 30.0}]), S) == []


def test_overridden_band_changes_the_verdict() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-02", "km": 12.0}])
    assert len(session_spike_flags(sessions, S)) == 1
    assert session_spike_flags(sessions, S.with_overrides({"session_small_pct": 25})) == []


def _weeks(km: float) -> list[dict[str, object]]:
    # Three steady weeks (5 km Monday and Thursday: every 7-day window holds 10 km), then a
    # week with ``km`` on Monday and Thursday.
    return (weekly_runs("2024-01-01", 3, {0: 5.0, 3: 5.0})
            + weekly_runs("2024-01-22", 1, {0: km, 3: km}))


def test_weekly_spike_exactly_30_percent_is_not_flagged() -> None:
    daily = daily_frame(sessions_frame(_weeks(6.5)), until="2024-01-28")
    assert weekly_spike_flags(daily, S) == []


def test_weekly_spike_just_above_30_percent() -> None:
    daily = daily_frame(sessions_frame(_weeks(6.6)), until="2024-01-28")
    (flag,) = weekly_spike_flags(daily, S)
    # Thursday 25 Jan: Fri 19 .. Thu 25 = 6.6 + 6.6 = 13.2 km; Fri 12 .. Thu 18 = 10 km: +32 %
    assert flag.local_date == day("2024-01-25")
    assert flag.value == pytest.approx(32.0)
    assert (flag.severity, flag.threshold) == ("low", 30)
    assert "13.2 km" in flag.message and "10.0 km" in flag.message and "32 %" in flag.message
    assert explain(flag.evidence_key).grade == "A"


def test_weekly_spike_above_60_percent_is_moderate() -> None:
    daily = daily_frame(sessions_frame(_weeks(8.5)), until="2024-01-28")
    flags = weekly_spike_flags(daily, S)
    # Monday 22 Jan: 5 + 8.5 = 13.5 vs 10 (+35 %) starts the stretch; it is one episode.
    assert [(f.local_date, f.severity) for f in flags] == [(day("2024-01-22"), "low")]
    assert flags[0].value == pytest.approx(35.0)
    alone = daily_frame(sessions_frame(weekly_runs("2024-01-01", 4, {0: 5.0})
                                       + weekly_runs("2024-01-01", 3, {3: 5.0})
                                       + [{"date": "2024-01-25", "km": 7.0}]),
                        until="2024-01-28")
    # Thursday 25 Jan: Fri 19 .. Thu 25 = 5 (Mon 22) + 7 = 12 vs 10: +20 %: nothing.
    assert weekly_spike_flags(alone, S) == []
    big = daily_frame(sessions_frame(weekly_runs("2024-01-01", 4, {0: 5.0})
                                     + weekly_runs("2024-01-01", 3, {3: 5.0})
                                     + [{"date": "2024-01-25", "km": 12.0}]),
                      until="2024-01-28")
    (flag,) = weekly_spike_flags(big, S)
    # Thursday 25 Jan: 5 (Mon 22) + 12 = 17 vs 10 (Mon 15 + Thu 18): +70 % -> moderate
    assert (flag.local_date, flag.severity) == (day("2024-01-25"), "moderate")


def test_no_weekly_ratio_after_an_empty_week_or_across_missing_days() -> None:
    sessions = sessions_frame([{"date": "2024-01-01", "km": 5.0},
                               {"date": "2024-01-20", "km": 5.0}])
    assert weekly_spike_flags(daily_frame(sessions), S) == []
    marked = daily_frame(sessions_frame(_weeks(8.5)), until="2024-01-28",
                         missing=["2024-01-17"])
    assert weekly_spike_flags(marked, S) == []


def test_empty_previous_week_is_zero_not_a_rolling_sum_residue() -> None:
    # With these distances pandas' rolling sums leave 8.9e-16 km in the empty previous week
    # of the last day; read as a base it would make a 5-km run a 5.6e17 % weekly spike.
    km = [3.7, 5.2, 0, 0, 4.6, 0, 0, 0, 0, 0, 6.6, 3.2, 5.6, 0, 0, 0, 3.1, 0, 4.3, 5.5, 5.8,
          0, 0, 3.1] + [0] * 15 + [5.0]
    start = day("2024-01-01")
    rows = [{"date": (start + dt.timedelta(days=i)).isoformat(), "km": v}
            for i, v in enumerate(km) if v]
    flagged = [f.local_date for f in weekly_spike_flags(daily_frame(sessions_frame(rows)), S)]
    assert start + dt.timedelta(days=len(km) - 1) not in flagged
    assert day("2024-01-15") in flagged          # a real spike earlier on: 15.4 vs 9.8 km
