"""loadwatch.analysis: store + risk, athlete settings, the stream-metrics caches, access."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from etl.errors import AccessDenied, StoreError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store, metrics_cache
from etl.store import tables as T
from loadwatch import analysis
from loadwatch.analysis import UnknownAthleteError, analyse
from risk.errors import SettingsError

D0 = dt.date(2024, 1, 1)


def streams(minutes: int = 30, hr: float = 150.0, climb_m_per_s: float = 0.0) -> pd.DataFrame:
    t = np.arange(0.0, minutes * 60 + 1.0)
    return pd.DataFrame({"time_s": t, "distance_m": 3.0 * t, "altitude_m": 100 + climb_m_per_s * t,
                         "heart_rate_bpm": hr, "cadence_spm": 170.0, "speed_mps": 3.0,
                         "grade_pct": np.nan, "is_moving": True})


def add(store: Store, athlete: str, day: int, km: float, samples: pd.DataFrame | None = None,
        *, source_id: str | None = None, name: str = "run") -> int:
    start = dt.datetime.combine(D0 + dt.timedelta(day), dt.time(7))
    record = ActivityRecord(
        source="file", source_id=source_id or f"{athlete}-{day}", sport_type="Run",
        start_time_utc=start.replace(tzinfo=dt.UTC), start_time_local=start, timezone="UTC",
        distance_m=km * 1000, moving_time_s=km * 333.3, elapsed_time_s=km * 340, name=name)
    result = store.upsert_activity(athlete, ParsedActivity(
        record, samples if samples is not None else empty_streams()))
    return result.activity_id


def cache_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(T.stream_metrics)).scalar())


@pytest.fixture(autouse=True)
def _fresh_memory_cache() -> None:
    analysis._MEMORY.clear()


def test_stream_metrics_are_computed_once_then_cached(store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = add(store, "Ann", 0, 5.4, streams(climb_m_per_s=0.05))
    add(store, "Ann", 2, 6.0)
    first = analyse(store, with_flags=False)
    row = first.sessions.set_index("activity_id").loc[run_id]
    # 30 min at HR 150 with the estimated settings (rest 60, max 190 default): per-sample TRIMP
    assert row["trimp_au"] > 0 and not row["trimp_is_estimated"]
    assert row["up_vert_m"] == pytest.approx(0.05 * 1800, abs=0.5)
    assert cache_rows(store) == 1

    def refuse(*_: object) -> dict[str, float]:
        raise AssertionError("stream metrics recomputed although cached")

    monkeypatch.setattr(analysis, "summarise_streams", refuse)
    again = analyse(store, with_flags=False)  # memory hit
    analysis._MEMORY.clear()
    third = analyse(store, with_flags=False)  # cache-table hit
    for result in (again, third):
        pd.testing.assert_frame_equal(result.sessions, first.sessions)


def test_an_edited_activity_is_recomputed(store: Store) -> None:
    run_id = add(store, "Ann", 0, 5.4, streams(hr=150.0))
    before = analyse(store, with_flags=False).sessions.set_index("activity_id").loc[
        run_id, "trimp_au"]
    add(store, "Ann", 0, 5.4, streams(hr=170.0), name="edited")  # same source id, new content
    after = analyse(store, with_flags=False).sessions.set_index("activity_id").loc[
        run_id, "trimp_au"]
    assert after > before


def test_nan_metrics_survive_the_cache_as_nan(store: Store) -> None:
    no_hr = streams()
    no_hr["heart_rate_bpm"] = np.nan
    run_id = add(store, "Ann", 0, 5.4, no_hr)
    analyse(store, with_flags=False)
    analysis._MEMORY.clear()
    versions = metrics_cache.activity_versions(store, [run_id])
    settings = analyse(store, with_flags=False).athlete_settings["Ann"]
    key = analysis._cache_key(settings, versions[run_id])
    cached = metrics_cache.get_metrics(store, {run_id: key})[run_id]
    assert np.isnan(cached["trimp_au"]) and cached["up_vert_m"] == pytest.approx(0.0)


def test_athlete_settings_come_from_the_store(store: Store) -> None:
    add(store, "Ann", 0, 10.0)
    store.set_athlete("Ann", sex="F", settings={"max_hr_bpm": 200, "rest_hr_bpm": 48,
                                                "other_module_key": "kept"})
    result = analyse(store)
    settings = result.athlete_settings["Ann"]
    assert list(result.flags.columns)[:3] == ["athlete", "local_date", "kind"]
    assert analyse(store, with_flags=False).flags.empty
    assert (settings.sex, settings.max_hr_bpm, settings.rest_hr_bpm) == ("F", 200.0, 48.0)
    assert "max_hr_bpm" not in settings.estimated and "threshold_hr_bpm" in settings.estimated
    assert settings.threshold_hr_bpm == pytest.approx(48 + 0.85 * 152)


def test_invalid_stored_settings_name_the_athlete(store: Store) -> None:
    add(store, "Ann", 0, 10.0)
    store.set_athlete("Ann", settings={"rest_hr_bpm": 300})
    with pytest.raises(SettingsError, match=r"athlete 'Ann'.*correct the athlete's settings"):
        analyse(store)
    assert len(store.activities()) == 1


def test_window_is_cut_after_computing_on_the_whole_history(store: Store) -> None:
    for day in range(40):
        add(store, "Ann", day, 5.0 + day % 3)
    whole = analyse(store, with_flags=False).daily.set_index("local_date")
    part = analyse(store, with_flags=False, since=D0 + dt.timedelta(35),
                   until=D0 + dt.timedelta(45))
    assert part.daily["local_date"].tolist() == [D0 + dt.timedelta(d) for d in range(35, 46)]
    day36 = part.daily.set_index("local_date").loc[D0 + dt.timedelta(36)]
    assert day36["acwr_uncoupled"] == pytest.approx(whole.loc[D0 + dt.timedelta(36),
                                                              "acwr_uncoupled"])
    assert set(part.sessions["local_date"]) <= {D0 + dt.timedelta(d) for d in range(35, 46)}


def test_unknown_athlete(store: Store) -> None:
    add(store, "Ann", 0, 10.0)
    with pytest.raises(UnknownAthleteError, match=r"no athlete called 'Zoe'.*known: Ann"):
        analyse(store, ["Zoe"])


class NobodyMayRead(Store):
    def authorize(self, athlete_ids, kind):  # type: ignore[no-untyped-def, override]
        return []


def test_access_is_checked(store: Store) -> None:
    run_id = add(store, "Ann", 0, 5.4, streams())
    closed = NobodyMayRead(store.engine)
    with pytest.raises(AccessDenied, match="athlete 'Ann'"):
        analyse(closed, ["Ann"])
    assert analyse(closed).daily.empty
    assert metrics_cache.activity_versions(closed, [run_id]) == {}
    assert metrics_cache.get_metrics(closed, {run_id: "k"}) == {}


@pytest.mark.postgres
def test_analysis_and_cache_on_postgresql(pg_store: Store) -> None:
    no_hr = streams()
    no_hr["heart_rate_bpm"] = np.nan
    run_id = add(pg_store, "Ann", 0, 5.4, no_hr)
    add(pg_store, "Ann", 1, 6.0)
    first = analyse(pg_store, with_flags=False)
    analysis._MEMORY.clear()
    second = analyse(pg_store, with_flags=False)
    pd.testing.assert_frame_equal(first.daily, second.daily)
    assert cache_rows(pg_store) == 1
    assert np.isnan(second.sessions.set_index("activity_id").loc[run_id, "trimp_au"])


def test_cache_round_trip_with_lists_and_nan(store: Store) -> None:
    run_id = add(store, "Ann", 0, 5.4, streams())
    payload = {"trimp_au": float("nan"), "up_vert_m": 12.5, "windows": [[0.0, 3.0], [60.0, 3.1]]}
    assert metrics_cache.put_metrics(store, {run_id: ("key-1", payload)}) == 1
    got = metrics_cache.get_metrics(store, {run_id: "key-1"})[run_id]
    assert np.isnan(got["trimp_au"]) and got["up_vert_m"] == 12.5
    assert got["windows"] == [[0.0, 3.0], [60.0, 3.1]]
    assert metrics_cache.get_metrics(store, {run_id: "other key"}) == {}
    with pytest.raises(StoreError, match="longer than 64 characters"):
        metrics_cache.put_metrics(store, {run_id: ("x" * 65, payload)})
