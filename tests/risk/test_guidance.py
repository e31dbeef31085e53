"""Forward guidance: next long run (1.10 x the 30-day longest) and the ACWR-band week."""

from __future__ import annotations

import pytest

from risk.evidence import explain
from risk.guidance import next_run_guidance
from risk.settings import RiskSettings
from tests.risk.flag_helpers import daily_frame, day, sessions_frame

# 1 Feb starts the history; six 15-km runs in the 21 days before 1 Apr (11-31 Mar) = 90 km.
ROWS = [{"date": "2024-02-01", "km": 5.0}, {"date": "2024-03-01", "km": 20.0}]
ROWS += [{"date": f"2024-03-{d}", "km": 15.0} for d in (12, 15, 18, 21, 24, 27)]


def test_next_long_run_is_ten_percent_over_the_30_day_longest() -> None:
    sessions = sessions_frame(ROWS)
    g = next_run_guidance(sessions, daily_frame(sessions), "Ana", day("2024-04-01"))
    # 20 km on 1 Mar is 31 days before 1 Apr: outside [2 Mar, 31 Mar]. Longest = 15 km.
    assert g.state == "ok"
    assert (g.longest_30d_km, g.longest_30d_date) == (15.0, day("2024-03-12"))
    assert g.max_next_run_km == pytest.approx(16.5)        # 1.10 x 15
    assert g.moderate_above_km == pytest.approx(19.5)      # 1.30 x 15
    assert g.large_above_km == pytest.approx(30.0)         # 2.00 x 15
    assert "at most 16.5 km" in g.message and "15.0 km on 2024-03-12" in g.message
    assert all(explain(key) for key in g.evidence_keys)


def test_acwr_band_for_the_coming_week() -> None:
    sessions = sessions_frame(ROWS)
    g = next_run_guidance(sessions, daily_frame(sessions), "Ana", day("2024-04-01"))
    # chronic = 90 km / 21 d; a week = 30 km; band 0.75-1.44 -> 22.5-43.2 km
    assert g.acwr_state == "ok"
    assert g.chronic_week_km == pytest.approx(30.0)
    assert (g.week_low_km, g.week_high_km) == (pytest.approx(22.5), pytest.approx(43.2))
    assert "22.5-43.2 km over the next 7 days" in g.acwr_message
    assert "Context, not a risk score" in g.acwr_message
    without_daily = next_run_guidance(sessions, None, "Ana", day("2024-04-01"))
    assert without_daily.week_high_km == pytest.approx(43.2)


def test_override_changes_the_guidance() -> None:
    sessions = sessions_frame(ROWS)
    settings = RiskSettings().with_overrides({"guidance_longest_factor": 1.05,
                                              "acwr_band_high": 1.2})
    g = next_run_guidance(sessions, None, "Ana", day("2024-04-01"), settings)
    assert g.max_next_run_km == pytest.approx(15.75)
    assert g.week_high_km == pytest.approx(36.0)


def test_return_after_break_gives_no_distance() -> None:
    sessions = sessions_frame([{"date": "2024-01-01", "km": 12.0}])
    g = next_run_guidance(sessions, None, "Ana", day("2024-03-01"))
    assert g.state == "return_after_break" and g.max_next_run_km is None
    assert "shorter than before your break" in g.message
    assert g.acwr_state == "insufficient_base" and g.week_high_km is None


def test_no_runs_and_warming_up() -> None:
    g = next_run_guidance(sessions_frame([{"date": "2024-03-01", "km": 5.0,
                                           "sport": "Ride"}]), None, "Ana", day("2024-03-02"))
    assert g.state == "no_runs" and g.longest_30d_km is None
    short = sessions_frame([{"date": f"2024-03-{d:02d}", "km": 8.0} for d in range(1, 20)])
    g = next_run_guidance(short, None, "Ana", day("2024-03-20"))
    assert g.state == "ok" and g.max_next_run_km == pytest.approx(8.8)
    assert g.acwr_state == "warming_up" and g.week_low_km is None


def test_insufficient_base_with_three_runs() -> None:
    rows = [{"date": "2024-02-01", "km": 30.0}]
    rows += [{"date": f"2024-03-{d}", "km": 10.0} for d in (12, 20, 28)]
    g = next_run_guidance(sessions_frame(rows), None, "Ana", day("2024-04-01"))
    # 30 km in 21 days is more than 1 km/day, but only 3 runs (< 4)
    assert g.acwr_state == "insufficient_base"
