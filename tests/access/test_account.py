"""An athlete exports and deletes all of their data; tokens are encrypted at rest; deauthorising
Strava deletes API-sourced data."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from etl.errors import AccessDenied
from etl.store import Store, log, strava_state
from etl.store import access as A
from etl.store import tables as T
from etl.store.account import delete_athlete_data, export_athlete_data
from etl.store.schema import metadata
from etl.strava import tokens
from etl.strava.connect import forget_athlete
from tests.access.world import World, run

ACCESS = "ya29-access-3f9c1d0e7b"
REFRESH = "rt-refresh-8a1b2c3d4e"


@pytest.fixture
def world(world: World) -> World:
    store = world.store
    strava_state.save_connection(
        store, world.ids["Ann"], strava_athlete_id=4242, scopes=("read", "activity:read_all"),
        tokens=tokens.encrypt(tokens.TokenPair(ACCESS, REFRESH)),
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    return world


def _zip(store: Store, athlete: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    export_athlete_data(store, athlete, buffer)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_the_athlete_exports_everything(world: World) -> None:
    archive = _zip(world.as_user("ann"), "Ann")
    names = set(archive.namelist())
    assert {"README.txt", "activities.csv", "symptoms.csv", "wellness.csv", "injuries.csv",
            "visa_h.csv", "rpe.csv", "grants.csv", "audit.csv"} <= names
    samples = {f"streams/{world.activity[k]}.csv" for k in ("file-1", "api-2", "api-3")}
    assert samples <= names
    activities = pd.read_csv(archive.open("activities.csv"))
    assert sorted(activities["distance_m"]) == [5000.0, 8000.0, 10000.0]
    assert set(activities["athlete"]) == {"Ann"}
    assert len(pd.read_csv(archive.open("symptoms.csv"))) == 1
    assert len(pd.read_csv(archive.open("grants.csv"))) == 3
    assert len(pd.read_csv(archive.open(f"streams/{world.activity['file-1']}.csv"))) == 11


def test_export_cells_cannot_start_a_formula(world: World) -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    world.store.upsert_activity("Ann", run("file", "file-evil", 9, 4000.0, name=evil))
    archive = _zip(world.store, "Ann")
    names = pd.read_csv(archive.open("activities.csv"))["name"].tolist()
    assert "'" + evil in names and evil not in names


def test_who_may_export(world: World) -> None:
    for user in ("ben", "cora", "dan", "root"):
        with pytest.raises(AccessDenied):
            _zip(world.as_user(user), "Ann")
    archive = _zip(world.as_user("cleo"), "Ann")
    assert "grants.csv" not in archive.namelist()  # the athlete's own records stay theirs
    assert sorted(pd.read_csv(archive.open("activities.csv"))["distance_m"]) == [5000.0, 10000.0]


def _rows_of(store: Store, athlete_id: int, activity_ids: list[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            for column, values in (("athlete_id", [athlete_id]), ("activity_id", activity_ids),
                                   ("id", [athlete_id] if table.name == "athletes" else [])):
                if column in table.c and values:
                    count = conn.execute(select(func.count()).select_from(table).where(
                        table.c[column].in_(values))).scalar()
                    if count:
                        found[f"{table.name}.{column}"] = int(count)
    return found


def test_the_athlete_deletes_everything(world: World) -> None:
    store = world.store
    ann_id, ann_runs = world.ids["Ann"], [world.activity[k] for k in ("file-1", "api-2", "api-3")]
    world.as_user("cora").activities("Ann")  # an audit row about Ann
    strava_state.record_event(store, {"object_type": "activity", "aspect_type": "create",
                                      "object_id": 77, "owner_id": 4242,
                                      "subscription_id": 1, "event_time": 1, "updates": {}})
    store.log_import("ann.zip", "Ann", imported=3, updated=0, duplicates=0, rejected=0,
                     messages=[], started_at=dt.datetime.now(dt.UTC))
    assert _rows_of(store, ann_id, ann_runs)
    ben_before = (len(store.activities("Ben")), len(log.history(store, "symptoms", athlete="Ben")))

    report = delete_athlete_data(world.as_user("ann"), "Ann")

    assert _rows_of(store, ann_id, ann_runs) == {}
    assert sorted(report.activity_ids) == sorted(ann_runs)
    assert report.rows["webhook_events"] == 1 and report.rows["import_log"] == 1
    assert store.ids_of(["Ann"]) == []
    assert "ann" not in set(A.users(store)["user"])
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T.activity_aliases)).scalar() == 1
    assert (len(store.activities("Ben")), len(log.history(store, "symptoms", athlete="Ben"))) \
        == ben_before
    assert A.audit(store).query("athlete == 'Ann'").empty  # kept, but no longer Ann's to read


def test_nobody_else_deletes_and_nothing_is_lost(world: World) -> None:
    before = world.store.data_version()
    for user in ("ben", "cora", "cleo", "root"):
        with pytest.raises(AccessDenied):
            delete_athlete_data(world.as_user(user), "Ann")
    assert world.store.data_version() == before


def test_tokens_are_not_in_the_database_file(world: World, tmp_path: Path) -> None:
    world.store.engine.dispose()  # checkpoint the WAL into the file
    data = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    for secret in (ACCESS, REFRESH):
        assert secret.encode() not in data
    row = strava_state.get_connection(world.store, world.ids["Ann"])
    assert row is not None
    assert tokens.decrypt(row.tokens, "Ann") == tokens.TokenPair(ACCESS, REFRESH)


def test_deauthorising_strava_deletes_api_sourced_data(world: World) -> None:
    store = world.store
    before = store.data_version()
    removed = forget_athlete(store, world.ids["Ann"])
    assert removed == 2
    left = store.activities("Ann")
    assert sorted(left["distance_m"]) == [5000.0, 10000.0]
    assert set(left["source"]) == {"file", "strava_export"}
    assert store.streams(world.activity["api-2"]).empty
    assert store.streams(world.activity["api-3"]).empty  # its samples came through the API
    assert list(store.activities("Ann")["has_streams"]) == [True, False]
    assert strava_state.get_connection(store, world.ids["Ann"]) is None
    assert store.data_version() != before  # every dashboard cache misses from now on
