"""``loadwatch flags``: flag records from a real store, overrides kept with the athlete,
``--explain`` and usage errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store
from loadwatch.cli.main import main
from loadwatch.columns import GLOSSARY

D0 = dt.date(2024, 3, 1)


def add_run(store: Store, athlete: str, day: int, km: float) -> None:
    start = dt.datetime.combine(D0 + dt.timedelta(day), dt.time(7))
    record = ActivityRecord(
        source="manual", source_id=f"{athlete}-{day}", sport_type="Run",
        start_time_utc=start.replace(tzinfo=dt.UTC), start_time_local=start, timezone="UTC",
        distance_m=km * 1000, moving_time_s=km * 330, elapsed_time_s=km * 330)
    store.upsert_activity(athlete, ParsedActivity(record, empty_streams()))


@pytest.fixture
def squad(store: Store) -> Store:
    add_run(store, "Ann", 0, 10.0)      # 1 Mar
    add_run(store, "Ann", 9, 14.5)      # 10 Mar: +45 % over 10 km -> moderate session spike
    add_run(store, "Ben", 0, 8.0)
    add_run(store, "Ben", 2, 8.4)       # +5 %: nothing
    return store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_flag_records(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", squad.url, "flags", "--until", "2024-03-31",
                       "--kind", "session_spike", "--format", "json")
    assert code == 0
    (flag,) = json.loads(out)
    assert all(key in GLOSSARY for key in flag)
    assert (flag["athlete"], flag["local_date"], flag["kind"]) == ("Ann", "2024-03-10",
                                                                   "session_spike")
    assert (flag["category"], flag["severity"], flag["flag_evidence_grade"]) == (
        "moderate", "moderate", "A")
    assert flag["value"] == pytest.approx(45.0) and flag["threshold"] == 30
    assert "(14.5 km)" in flag["message"] and "(10.0 km)" in flag["message"]
    assert isinstance(flag["activity_id"], int)


def test_table_and_csv(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", squad.url, "flags", "--athlete", "Ann", "--until",
                       "2024-03-31", "--kind", "session_spike")
    assert code == 0 and "session_spike" in out and "45 % longer" in out
    code, out, _ = run(capsys, "--db", squad.url, "flags", "--athlete", "Ben", "--until",
                       "2024-03-31", "--kind", "session_spike", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("athlete,local_date,kind")
    assert len(out.splitlines()) == 1


def test_override_stored_with_the_athlete_is_effective_and_visible(
        squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    squad.set_athlete("Ann", settings={"risk": {"session_moderate_pct": {
        "value": 50, "by": "coach Jo", "reason": "marathon block"}}})
    code, out, _ = run(capsys, "--db", squad.url, "flags", "--until", "2024-03-31",
                       "--kind", "session_spike", "--format", "json")
    (flag,) = json.loads(out)
    assert code == 0 and (flag["category"], flag["severity"]) == ("small", "low")  # 45 <= 50
    code, out, _ = run(capsys, "--db", squad.url, "flags", "--settings", "--athlete", "Ann",
                       "--format", "json")
    rows = {row["setting"]: row for row in json.loads(out)}
    changed = rows["session_moderate_pct"]
    assert code == 0 and changed["is_overridden"] and changed["value"] == 50
    assert (changed["default"], changed["overridden_by"], changed["override_reason"]) == (
        30, "coach Jo", "marathon block")
    assert not rows["session_small_pct"]["is_overridden"]
    assert rows["session_small_pct"]["source"].startswith("Frandsen")


def test_bad_override_is_a_usage_error_naming_the_setting(
        squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    squad.set_athlete("Ann", settings={"risk": {"session_moderate": 50}})
    code, out, err = run(capsys, "--db", squad.url, "flags", "--until", "2024-03-31")
    assert code == 2 and out == ""
    assert "unknown risk setting 'session_moderate'" in err and "'Ann'" in err
    assert len(squad.activities()) == 4      # nothing lost


def test_explain_key_kind_and_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "flags", "--explain", "session_spike_frandsen2025")
    assert code == 0
    assert "evidence grade: A" in out and "Frandsen" in out
    assert "https://doi.org/10.1136/bjsports-2024-109380" in out
    code, out, _ = run(capsys, "flags", "--explain", "session_spike")
    assert code == 0 and out.count("evidence grade:") == 3
    code, out, _ = run(capsys, "flags", "--explain", "red_flag")
    assert code == 0 and out.count("evidence grade:") == 4 and "Warden" in out
    code, out, _ = run(capsys, "flags", "--explain", "pain_response")
    assert code == 0 and "Silbernagel" in out
    code, out, _ = run(capsys, "flags", "--explain", "--format", "json")
    listed = {row["evidence_key"]: row["grade"] for row in json.loads(out)}
    assert listed["weekly_spike_nielsen2014"] == "A" and listed["acwr_context"] == "C"
    assert listed["overstride_proxy"] == "D"


def test_usage_errors(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "flags", "--explain", "nope")
    assert code == 2 and "no evidence key 'nope'" in err
    code, _, err = run(capsys, "--db", squad.url, "flags", "--athlete", "Zed")
    assert code == 2 and "Zed" in err
    code, _, err = run(capsys, "--db", squad.url, "flags", "--since", "2024-04-01",
                       "--until", "2024-03-01")
    assert code == 2 and "swap them" in err


def test_analyse_keeps_the_flat_steady_summary_of_runs_with_streams(store: Store) -> None:
    import numpy as np
    import pandas as pd

    from etl.records import conform_streams
    from loadwatch.analysis import analyse

    start = dt.datetime(2024, 3, 1, 7)
    t = np.arange(600, dtype=float)
    streams = conform_streams(pd.DataFrame({
        "time_s": t, "distance_m": 3.0 * t, "altitude_m": 100.0, "cadence_spm": 170.0,
        "speed_mps": 3.0, "grade_pct": 0.0, "is_moving": True}))
    record = ActivityRecord(
        source="manual", source_id="flat-1", sport_type="Run",
        start_time_utc=start.replace(tzinfo=dt.UTC), start_time_local=start, timezone="UTC",
        distance_m=1800.0, moving_time_s=600.0, elapsed_time_s=600.0)
    store.upsert_activity("Ann", ParsedActivity(record, streams))
    (row,) = analyse(store, ["Ann"]).sessions.to_dict("records")
    assert row["flat_steady_speed_mps"] == pytest.approx(3.0)
    assert row["flat_steady_cadence_spm"] == pytest.approx(170.0)
    assert row["flat_steady_time_s"] >= 540.0
