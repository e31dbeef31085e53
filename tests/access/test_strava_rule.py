"""Strava's display rule: API-sourced runs reach staff only when the deployment allows it.

Ann has file-1 (5 km, a file), api-2 (8 km, Strava API only, named "Secret API run") and
api-3 (10 km, Strava API, also in her export as exp-3).
"""

from __future__ import annotations

import pandas as pd
import pytest

from etl.store import access as A
from loadwatch.analysis import analyse
from tests.access.world import World


def test_staff_see_file_and_exported_runs_only(world: World) -> None:
    for user in ("cora", "dan", "cleo"):
        staff = world.as_user(user)
        seen = staff.activities("Ann")
        assert sorted(seen["distance_m"]) == [5000.0, 10000.0], user
        assert "Secret API run" not in set(seen["name"])
        assert A.hidden_strava_runs(staff, "Ann") == 1


def test_the_athlete_sees_every_run(world: World) -> None:
    ann = world.as_user("ann")
    assert sorted(ann.activities("Ann")["distance_m"]) == [5000.0, 8000.0, 10000.0]
    assert len(ann.streams(world.activity["api-2"])) == 11
    assert A.hidden_strava_runs(ann, "Ann") == 0


def test_staff_never_see_samples_recorded_through_the_api(world: World) -> None:
    cleo = world.as_user("cleo")
    assert cleo.streams(world.activity["api-2"]).empty
    assert cleo.streams(world.activity["api-3"]).empty  # kept record (and samples) from the API
    assert len(cleo.streams(world.activity["file-1"])) == 11


def test_staff_analyses_and_loads_leave_api_runs_out(world: World) -> None:
    daily = analyse(world.as_user("cleo"), ["Ann"], load="distance_km").daily
    assert daily["distance_km"].sum() == pytest.approx(15.0)  # 5 km + 10 km, not the 8 km
    own = analyse(world.as_user("ann"), ["Ann"], load="distance_km").daily
    assert own["distance_km"].sum() == pytest.approx(23.0)


def test_deployment_setting_shows_api_runs_to_staff(world: World) -> None:
    cleo = world.as_user("cleo", staff_sees_strava_api=True)
    assert sorted(cleo.activities("Ann")["distance_m"]) == [5000.0, 8000.0, 10000.0]
    assert len(cleo.streams(world.activity["api-2"])) == 11
    assert A.hidden_strava_runs(cleo, "Ann") == 0


def test_the_notice_says_how_many_and_how_to_share() -> None:
    assert A.hidden_runs_notice(0) is None
    one = A.hidden_runs_notice(1)
    assert one is not None and one.startswith("1 run synced from Strava is hidden")
    three = A.hidden_runs_notice(3)
    assert three is not None and three.startswith("3 runs synced from Strava are hidden")
    assert "export" in three and "loadwatch import" in three


def test_values_derived_from_api_samples_stay_hidden_and_uncached(world: World) -> None:
    api_3, file_1 = world.activity["api-3"], world.activity["file-1"]
    staff = analyse(world.as_user("cleo"), ["Ann"]).sessions.set_index("activity_id")
    assert staff.loc[file_1, "time_above_threshold_s"] == pytest.approx(100.0)
    assert pd.isna(staff.loc[api_3, "time_above_threshold_s"])  # from API samples: hidden
    own = analyse(world.as_user("ann"), ["Ann"]).sessions.set_index("activity_id")
    assert own.loc[api_3, "time_above_threshold_s"] == pytest.approx(100.0)  # cache not spoilt
    again = analyse(world.as_user("cleo"), ["Ann"]).sessions.set_index("activity_id")
    assert pd.isna(again.loc[api_3, "time_above_threshold_s"])  # nor leaked from the cache
