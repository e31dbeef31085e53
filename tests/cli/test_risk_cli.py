"""``loadwatch risk``: output formats, values worked out by hand, usage errors."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store
from loadwatch.cli.main import main
from loadwatch.columns import GLOSSARY

D0 = dt.date(2024, 1, 1)


def add_run(store: Store, athlete: str, day: int, km: float, *, n: int = 0,
            hr: float | None = None) -> None:
    start = dt.datetime.combine(D0 + dt.timedelta(day), dt.time(7, n))
    record = ActivityRecord(
        source="manual", source_id=f"{athlete}-{day}-{n}", sport_type="Run",
        start_time_utc=start.replace(tzinfo=dt.UTC), start_time_local=start, timezone="UTC",
        distance_m=km * 1000, moving_time_s=km * 300, elapsed_time_s=km * 300,
        avg_heart_rate_bpm=hr)
    store.upsert_activity(athlete, ParsedActivity(record, empty_streams()))


@pytest.fixture
def squad(store: Store) -> Store:
    # Ann: 10 km every day for 30 days, plus a 5 km double on day 29 (2024-01-30)
    for day in range(30):
        add_run(store, "Ann", day, 10.0, hr=150.0)
    add_run(store, "Ann", 29, 5.0, n=30)
    add_run(store, "Ben", 3, 8.0)
    return store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_rows_with_hand_worked_values(squad: Store, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    code, out, _ = run(capsys, "--db", squad.url, "risk", "--athlete", "Ann", "--since",
                       "2024-01-29", "--until", "2024-01-30", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["local_date"] for r in rows] == ["2024-01-29", "2024-01-30"]
    assert all(key in GLOSSARY for key in rows[0])
    day28, day29 = rows
    assert day28["acwr_uncoupled"] == pytest.approx(1.0)
    assert day28["acwr_state"] == "ok" and day28["load_measure"] == "distance_km"
    assert day29["distance_km"] == pytest.approx(15.0) and day29["run_count"] == 2
    # acute = (6 x 10 + 15) / 7 = 75/7 ; uncoupled chronic = 10 ; coupled = (210 + 75) / 28
    assert day29["acute_load"] == pytest.approx(75 / 7)
    assert day29["acwr_uncoupled"] == pytest.approx(75 / 70)
    assert day29["acwr_coupled"] == pytest.approx((75 / 7) / (285 / 28))
    assert day29["week_distance_km"] == pytest.approx(75.0)
    assert day29["ctl"] is None  # hidden for the first 42 days
    assert day29["monotony"] is not None


def test_csv_and_table(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", squad.url, "risk", "--until", "2024-01-30",
                       "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("athlete,local_date,load_status")
    assert len(lines) == 1 + 30 + 27  # Ann 30 days, Ben from day 3 to 2024-01-30
    code, out, _ = run(capsys, "--db", squad.url, "risk", "--athlete", "Ben", "--until",
                       "2024-01-05")
    assert code == 0
    assert "acwr_uncoupled" in out and "warming_up" in out and "Ben" in out


def test_load_measure_option(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", squad.url, "risk", "--athlete", "Ann", "--since",
                       "2024-01-30", "--until", "2024-01-30", "--load", "duration_min",
                       "--format", "json")
    assert code == 0
    (row,) = json.loads(out)
    # 75 km at 5 min/km in the last 7 days
    assert row["load_measure"] == "duration_min"
    assert row["acute_load"] == pytest.approx(75 * 5 / 7)


def test_until_adds_rest_days(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--db", squad.url, "risk", "--athlete", "Ann", "--since",
                       "2024-02-05", "--until", "2024-02-05", "--format", "json")
    (row,) = json.loads(out)
    assert row["load_status"] == "rest" and row["distance_km"] == 0.0
    # days 2024-01-30 .. 02-05: only the 15 km of 01-30
    assert row["week_distance_km"] == pytest.approx(15.0)


@pytest.mark.parametrize(("argv", "message"), [
    (["--athlete", "Zoe"], "no athlete called 'Zoe'"),
    (["--since", "30/01/2024"], "--since '30/01/2024' is not a date; use YYYY-MM-DD"),
    (["--since", "2024-02-01", "--until", "2024-01-01"], "is after --until"),
])
def test_usage_errors_exit_2_and_change_nothing(squad: Store, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], message: str) -> None:
    before = len(squad.activities())
    code, out, err = run(capsys, "--db", squad.url, "risk", *argv)
    assert code == 2
    assert message in err and out == ""
    assert len(squad.activities()) == before


def test_unknown_load_measure_is_refused_by_the_parser(
        squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--db", squad.url, "risk", "--load", "furlongs"])
    assert exc.value.code == 2
    assert "invalid choice: 'furlongs'" in capsys.readouterr().err


def test_empty_store(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", store.url, "risk", "--format", "json")
    assert code == 0 and json.loads(out) == []
    assert "no activities" in err


def test_json_has_no_nan(squad: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--db", squad.url, "risk", "--until", "2024-01-30", "--format",
                    "json")
    assert "NaN" not in out
    frame = pd.DataFrame(json.loads(out))
    assert frame.groupby("athlete").size().to_dict() == {"Ann": 30, "Ben": 27}


def test_a_late_evening_run_counts_for_its_local_day(store: Store,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # 23:30 on 2024-03-01 in New York (UTC-5) is 04:30 UTC on 2024-03-02
    local = dt.datetime(2024, 3, 1, 23, 30)
    record = ActivityRecord(
        source="manual", source_id="late", sport_type="Run",
        start_time_utc=(local + dt.timedelta(hours=5)).replace(tzinfo=dt.UTC),
        start_time_local=local, timezone="America/New_York", distance_m=12000.0,
        moving_time_s=3600.0)
    store.upsert_activity("Ann", ParsedActivity(record, empty_streams()))
    code, out, _ = run(capsys, "--db", store.url, "risk", "--until", "2024-03-02",
                       "--format", "json")
    assert code == 0
    rows = {r["local_date"]: r for r in json.loads(out)}
    assert rows["2024-03-01"]["distance_km"] == pytest.approx(12.0)
    assert rows["2024-03-02"]["distance_km"] == 0.0
    assert rows["2024-03-02"]["load_status"] == "rest"
