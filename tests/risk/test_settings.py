"""RiskSettings: every threshold has a source; overrides are effective and visible."""

from __future__ import annotations

import dataclasses

import pytest

from risk.errors import SettingsError
from risk.flags import compute_flags
from risk.settings import RiskSettings, describe_settings, setting_names, settings_for
from tests.risk.flag_helpers import daily_frame, sessions_frame


def test_defaults_follow_science_section_9() -> None:
    s = RiskSettings()
    assert (s.session_small_pct, s.session_moderate_pct, s.session_large_pct) == (10, 30, 100)
    assert s.weekly_spike_pct == 30 and s.same_day_sum_factor == 1.10
    assert (s.acwr_low, s.acwr_band_high, s.acwr_high) == (0.75, 1.44, 1.80)
    assert (s.hill_session_factor, s.hill_session_min_m) == (1.10, 100)
    assert (s.hill_week_factor, s.hill_week_min_delta_m) == (1.30, 150)
    assert (s.monotony_max, s.monotony_cap, s.strain_percentile) == (2.0, 10, 90)
    assert (s.no_rest_days, s.consecutive_hard_days, s.hard_days_max_per_7d) == (10, 2, 3)
    assert (s.overstride_deficit_pct, s.overstride_min_flat_s) == (-5, 300)
    assert s.injury_suppress_days == 28 and s.guidance_longest_factor == 1.10


def test_settings_are_frozen_and_every_threshold_has_a_source_and_unit() -> None:
    s = RiskSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.weekly_spike_pct = 50  # type: ignore[misc]
    table = describe_settings(s)
    assert list(table["setting"]) == list(setting_names())
    assert (table["source"].str.len() > 10).all()
    assert table["unit"].astype(bool).all()
    assert not table["is_overridden"].any()
    assert table.set_index("setting").at["session_small_pct", "source"].startswith("Frandsen")


def test_override_is_recorded_with_who_and_why() -> None:
    s = RiskSettings().with_overrides(
        {"weekly_spike_pct": {"value": 40, "by": "coach Jo", "reason": "base-building block"}},
        athlete="Ana")
    assert s.weekly_spike_pct == 40
    (override,) = s.overridden()
    assert (override.name, override.value, override.default) == ("weekly_spike_pct", 40, 30)
    assert (override.by, override.reason, override.athlete) == ("coach Jo",
                                                                "base-building block", "Ana")
    row = describe_settings(s).set_index("setting").loc["weekly_spike_pct"]
    assert bool(row["is_overridden"]) and row["overridden_by"] == "coach Jo"
    assert row["value"] == 40 and row["default"] == 30


def test_athlete_override_applies_on_top_of_the_squad_wide_one() -> None:
    overrides = {"*": {"session_small_pct": 15, "no_rest_days": 12},
                 "Ana": {"session_small_pct": {"value": 20, "by": "physio", "reason": "rehab"}}}
    ana = settings_for("Ana", None, overrides)
    ben = settings_for("Ben", None, overrides)
    assert (ana.session_small_pct, ana.no_rest_days) == (20, 12)
    assert (ben.session_small_pct, ben.no_rest_days) == (15, 12)
    assert {(o.name, o.athlete) for o in ana.overridden()} == {("session_small_pct", "Ana"),
                                                             ("no_rest_days", "*")}
    assert settings_for("Ana") == RiskSettings()


@pytest.mark.parametrize(("values", "words"), [
    ({"weekly_spike": 40}, ["unknown risk setting 'weekly_spike'", "Ana", "weekly_spike_pct"]),
    ({"weekly_spike_pct": "lots"}, ["'weekly_spike_pct'", "finite number", "'lots'", "30"]),
    ({"weekly_spike_pct": float("nan")}, ["finite number"]),
    ({"weekly_spike_pct": True}, ["finite number"]),
])
def test_bad_override_is_refused_with_a_clear_message(values: dict[str, object],
                                                      words: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_for("Ana", None, {"Ana": values})
    for word in words:
        assert word in str(caught.value)


def test_override_is_effective_in_compute_flags_and_listed_on_the_flag() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-02", "km": 12.0},
                               {"date": "2024-03-01", "km": 10.0, "athlete": "Ben"},
                               {"date": "2024-03-02", "km": 12.0, "athlete": "Ben"}])
    daily = daily_frame(sessions)
    overrides = {"Ana": {"session_small_pct": {"value": 25, "by": "coach Jo",
                                               "reason": "long runs planned"}}}
    flags = compute_flags(sessions, daily, None, None, overrides, kinds=["session_spike"])
    assert [(f.athlete, f.category) for f in flags] == [("Ben", "small")]
    plain = compute_flags(sessions, daily, None, None, None, kinds=["session_spike"])
    assert [f.athlete for f in plain] == ["Ana", "Ben"]
    loose = {"Ana": {"session_small_pct": {"value": 15, "by": "coach Jo", "reason": "x"}}}
    (ana, ben) = compute_flags(sessions, daily, None, None, loose, kinds=["session_spike"])
    assert ana.details["overrides"] == ["session_small_pct=15 (coach Jo: x)"]
    assert "overrides" not in ben.details
