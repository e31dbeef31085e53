"""Hill spikes, first steep exposure, hard days, intensity spikes and load-based recovery."""

from __future__ import annotations

import pytest

from risk.evidence import explain
from risk.flag import Flag
from risk.rules import recovery
from risk.rules.hills import hill_session_flags, hill_week_flags, steep_exposure_flags
from risk.rules.intensity import hard_runs, intensity_flags
from risk.rules.recovery import poor_recovery_flags
from risk.settings import RiskSettings
from tests.risk.flag_helpers import daily_frame, day, sessions_frame, weekly_runs

S = RiskSettings()


@pytest.mark.parametrize(("prior_m", "up_m", "flagged"), [
    (200, 220, False),   # exactly 1.10 x
    (200, 221, True),    # +10.5 %
    (50, 99, False),     # far above, but under 100 m
    (50, 100, True),     # 100 m is enough
    (0, 150, True),      # first hilly run after flat ones
])
def test_hill_session_spike(prior_m: float, up_m: float, flagged: bool) -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10, "up_m": prior_m},
                               {"date": "2024-03-10", "km": 10, "up_m": up_m}])
    flags = hill_session_flags(sessions, S)
    assert len(flags) == int(flagged)
    if flagged:
        (flag,) = flags
        assert (flag.kind, flag.category, flag.severity) == ("hill_spike", "session", "moderate")
        assert flag.value == up_m and flag.threshold == pytest.approx(1.1 * prior_m)
        assert f"{up_m:.0f} m" in flag.message and f"({prior_m:.0f} m)" in flag.message
        assert "plausible, not proven" in flag.message
        assert explain(flag.evidence_key).grade == "D"


def _hill_weeks(base_m: float, spike_m: float) -> list[dict[str, object]]:
    # Mondays 1, 8, 15, 22 Jan climb base_m, Monday 29 Jan climbs spike_m.
    return [*weekly_runs("2024-01-01", 4, {0: 10.0}, up_m=base_m),
            {"date": "2024-01-29", "km": 10.0, "up_m": spike_m}]


@pytest.mark.parametrize(("base_m", "spike_m", "flagged"), [
    (200, 349, False),   # > 1.3 x 200 = 260 but only 149 m more
    (200, 350, True),    # exactly 150 m more
    (600, 780, False),   # exactly 1.3 x
    (600, 781, True),
])
def test_hill_week_spike(base_m: float, spike_m: float, flagged: bool) -> None:
    daily = daily_frame(sessions_frame(_hill_weeks(base_m, spike_m)), until="2024-02-04")
    flags = hill_week_flags(daily, S)
    # On 29 Jan: 7 days = spike_m; the 21 days before (8, 15, 22 Jan) = 3 x base_m -> base_m/wk
    assert [(f.local_date, f.category) for f in flags] == (
        [(day("2024-01-29"), "week")] if flagged else [])
    if flagged:
        assert flags[0].value == spike_m
        assert flags[0].threshold == pytest.approx(1.3 * base_m)


def test_no_hill_week_spike_before_28_days_of_history() -> None:
    sessions = sessions_frame([{"date": "2024-01-01", "km": 10, "up_m": 100},
                               {"date": "2024-01-20", "km": 10, "up_m": 900}])
    assert hill_week_flags(daily_frame(sessions), S) == []


def test_first_steep_exposure() -> None:
    rows = [{"date": f"2024-01-{d:02d}", "km": 8} for d in range(1, 31, 3)]
    rows += [{"date": "2024-02-10", "km": 8, "steep_s": 120},   # first steep after 40 days
             {"date": "2024-02-12", "km": 8, "steep_s": 120},   # steep 2 days earlier
             {"date": "2024-03-10", "km": 8, "steep_s": 59},    # under the 60-s floor
             {"date": "2024-03-11", "km": 8, "steep_s": 60}]    # last steep 28 d before: out
    flags = steep_exposure_flags(sessions_frame(rows), S)
    assert [(f.local_date, f.category, f.severity) for f in flags] == [
        (day("2024-02-10"), "first_steep", "low"), (day("2024-03-11"), "first_steep", "low")]
    assert flags[0].value == pytest.approx(2.0) and "2 min" in flags[0].message


def test_steep_running_in_the_first_28_days_is_not_a_new_exposure() -> None:
    sessions = sessions_frame([{"date": "2024-01-01", "km": 8},
                               {"date": "2024-01-20", "km": 8, "steep_s": 300}])
    assert steep_exposure_flags(sessions, S) == []


def test_hard_runs_by_rpe_time_above_threshold_and_stress() -> None:
    rows = [{"date": f"2024-01-0{d}", "km": 8, "rtss": 50} for d in range(1, 6)]
    rows += [{"date": "2024-01-06", "km": 8, "rtss": 74},                # < 1.5 x 50
             {"date": "2024-01-07", "km": 8, "rtss": 75.5},              # >= 1.5 x median 50
             {"date": "2024-01-08", "km": 8, "rpe": 7},
             {"date": "2024-01-09", "km": 8, "rpe": 6.5, "above_s": 600},
             {"date": "2024-01-10", "km": 8, "above_s": 599}]
    runs = hard_runs(sessions_frame(rows), S)
    assert list(runs["is_hard"]) == [False] * 6 + [True, True, True, False]
    assert list(runs["hard_reason"])[6:9] == ["stress", "rpe", "time_above_threshold"]


def test_stress_median_needs_five_earlier_runs() -> None:
    rows = [{"date": f"2024-01-0{d}", "km": 8, "rtss": 50} for d in range(1, 5)]
    rows.append({"date": "2024-01-05", "km": 8, "rtss": 200})
    assert not hard_runs(sessions_frame(rows), S)["is_hard"].any()


def _daily_runs(hard_days: list[int], **extra: object) -> list[dict[str, object]]:
    return [{"date": f"2024-01-{d:02d}", "km": 5, **({"rpe": 8} if d in hard_days else {}),
             **extra} for d in range(1, 21)]


def test_more_than_three_hard_days_in_seven() -> None:
    three = sessions_frame(_daily_runs([10, 12, 14]))
    assert intensity_flags(three, daily_frame(three), S) == []
    four = sessions_frame(_daily_runs([10, 12, 14, 16]))
    (flag,) = intensity_flags(four, daily_frame(four), S)
    assert (flag.local_date, flag.category, flag.value) == (day("2024-01-16"), "hard_day_share",
                                                            4.0)
    assert flag.severity == "moderate" and "4 of the 7 days" in flag.message


@pytest.mark.parametrize(("spike_min", "flagged"), [(13, False), (19.9, False), (20, True)])
def test_time_above_threshold_week(spike_min: float, flagged: bool) -> None:
    # Mondays 1-22 Jan: 10 min above threshold; Monday 29 Jan: spike_min. The baseline week is
    # 10 min: 13 is exactly 1.3 x; 19.9 is 9.9 min more (< 10); 20 is 10 min more.
    rows = weekly_runs("2024-01-01", 4, {0: 10.0}, above_s=600)
    rows.append({"date": "2024-01-29", "km": 10.0, "above_s": 60 * spike_min})
    sessions = sessions_frame(rows)
    flags = [f for f in intensity_flags(sessions, daily_frame(sessions, until="2024-02-04"), S)
             if f.category == "time_above_threshold"]
    assert [f.local_date for f in flags] == ([day("2024-01-29")] if flagged else [])
    if flagged:
        assert flags[0].value == pytest.approx(20) and flags[0].threshold == pytest.approx(13)
        assert "20 min" in flags[0].message and "10 min" in flags[0].message


def test_back_to_back_hard_days_is_poor_recovery_once_per_streak() -> None:
    sessions = sessions_frame(_daily_runs([10, 11, 12]))
    flags = [f for f in poor_recovery_flags(sessions, daily_frame(sessions), S)
             if f.category == "back_to_back_hard"]
    assert [(f.local_date, f.value, f.severity) for f in flags] == [
        (day("2024-01-11"), 2.0, "moderate")]
    assert explain(flags[0].evidence_key).grade == "D"


def test_no_rest_day_for_ten_days() -> None:
    # Runs 1-5 Jan, a 5-min walk on 6 Jan (< 20 % of the 30-min median: rest), runs 7-16 Jan.
    rows = [{"date": f"2024-01-{d:02d}", "km": 5} for d in (1, 2, 3, 4, 5)]
    rows.append({"date": "2024-01-06", "km": 0.5, "sport": "Walk", "minutes": 5})
    rows += [{"date": f"2024-01-{d:02d}", "km": 5} for d in range(7, 17)]
    sessions = sessions_frame(rows)
    flags = [f for f in poor_recovery_flags(sessions, daily_frame(sessions), S)
             if f.category == "no_rest"]
    assert [(f.local_date, f.value) for f in flags] == [(day("2024-01-16"), 10.0)]
    assert "10 days in a row" in flags[0].message
    longer_walk = [r if r["date"] != "2024-01-06" else {**r, "minutes": 10} for r in rows]
    sessions = sessions_frame(longer_walk)
    flags = [f for f in poor_recovery_flags(sessions, daily_frame(sessions), S)
             if f.category == "no_rest"]
    assert [f.local_date for f in flags] == [day("2024-01-10")]
    marked = daily_frame(sessions_frame(rows), missing=["2024-01-12"])
    assert [f for f in poor_recovery_flags(sessions_frame(rows), marked, S)
            if f.category == "no_rest"] == []


def test_wellness_rule_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    def rule(wellness: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
        return [Flag("Ana", day("2024-01-02"), "poor_recovery", "low", 1.6, 1.5, "z",
                     "wellness", "recovery_load", category="wellness")]

    monkeypatch.setattr(recovery, "WELLNESS_RULE", [])
    recovery.install_wellness_rule(rule)
    sessions = sessions_frame([{"date": "2024-01-01", "km": 5}])
    wellness = pd.DataFrame({"athlete": ["Ana"], "local_date": [day("2024-01-02")]})
    flags = poor_recovery_flags(sessions, daily_frame(sessions), S, wellness)
    assert [f.category for f in flags] == ["wellness"]
    assert poor_recovery_flags(sessions, daily_frame(sessions), S) == []


def test_stubs_under_ten_minutes_do_not_drag_the_stress_median_down() -> None:
    # Five 40-min runs at rTSS 50 and six 1-min stubs at rTSS 1: the median stays 50, so a
    # 40-min run at rTSS 60 is not hard (with the stubs the median would be 1 -> hard).
    rows = [{"date": f"2024-01-0{d}", "km": 8, "rtss": 50, "minutes": 40} for d in range(1, 6)]
    rows += [{"date": "2024-01-06", "km": 0.2, "rtss": 1, "minutes": 1, "hour": h}
             for h in (6, 7, 8, 9, 10, 11)]
    rows += [{"date": "2024-01-08", "km": 8, "rtss": 60, "minutes": 40}]
    assert not hard_runs(sessions_frame(rows), S)["is_hard"].any()
