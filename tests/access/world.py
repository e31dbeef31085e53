"""A small multi-user world for the access tests.

Two athletes, Ann and Ben, each with runs and one log entry of every kind; users for each
role. Ann grants coach Cora load only, coach Dan load and symptoms (through the team
"harriers"), and clinician Cleo everything; Ben grants nobody.

Ann's runs: ``file-1`` (a file), ``api-2`` (Strava API only) and ``api-3`` (Strava API, also
imported from her Strava export as ``exp-3``). Ben's run: ``file-9``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store, log
from etl.store import access as A

DAY = dt.date(2024, 5, 6)


def run(source: str, source_id: str, day: int, distance_m: float, *,
        samples: bool = True, name: str = "Morning Run") -> ParsedActivity:
    start = dt.datetime(2024, 5, day, 7, 0, tzinfo=dt.UTC)
    record = ActivityRecord(
        source=source, source_id=source_id, sport_type="Run", start_time_utc=start,
        start_time_local=start.replace(tzinfo=None), timezone="UTC", distance_m=distance_m,
        moving_time_s=distance_m / 3.0, elapsed_time_s=distance_m / 3.0, name=name)
    if not samples:
        return ParsedActivity(record, empty_streams())
    n = 11
    streams = empty_streams().reindex(range(n))
    streams["time_s"] = np.arange(n, dtype=float) * 10.0
    streams["distance_m"] = np.linspace(0.0, 300.0, n)
    streams["heart_rate_bpm"] = 150.0
    return ParsedActivity(record, pd.DataFrame(streams))


@dataclass(frozen=True)
class World:
    store: Store
    ids: dict[str, int]
    activity: dict[str, int]

    def as_user(self, user: str, *, staff_sees_strava_api: bool = False) -> Store:
        settings = A.DeploymentSettings("server", staff_sees_strava_api)
        return self.store.as_principal(A.principal_for(self.store, user, settings=settings))


def build(store: Store) -> World:
    """Fill ``store`` (local principal) with the world described above."""
    activity = {
        "file-1": store.upsert_activity("Ann", run("file", "file-1", 1, 5000.0)).activity_id,
        "api-2": store.upsert_activity("Ann", run("strava_api", "api-2", 2, 8000.0,
                                                  name="Secret API run")).activity_id,
        "api-3": store.upsert_activity("Ann", run("strava_api", "api-3", 3, 10000.0)).activity_id,
        "file-9": store.upsert_activity("Ben", run("file", "file-9", 4, 6000.0)).activity_id,
    }
    merged = store.upsert_activity("Ann", run("strava_export", "exp-3", 3, 10000.0,
                                              samples=False))
    assert merged.activity_id == activity["api-3"]
    for name in ("Ann", "Ben"):
        log.add(store, name, log.SymptomEntry(local_date=DAY, pain_during_run_nrs=4,
                                              pain_locations=("ischial_tuberosity",)))
        log.add(store, name, log.WellnessEntry(local_date=DAY, sleep_hooper=2, fatigue_hooper=3,
                                               stress_hooper=2, soreness_hooper=4))
        log.add(store, name, log.InjuryRecord(injury_onset_date=DAY,
                                              injury_region="ischial_tuberosity"))
        log.add(store, name, log.VisaHEntry(local_date=DAY,
                                            visa_h_items=(8, 8, 8, 8, 8, 8, 7, 20),
                                            visa_h_item8_branch="A"))
    log.set_rpe(store, activity["file-1"], 5)
    log.set_rpe(store, activity["file-9"], 6)
    A.add_user(store, "ann", "athlete", athlete="Ann", email="ann@example.org")
    A.add_user(store, "ben", "athlete", athlete="Ben", email="ben@example.org")
    A.add_user(store, "cora", "coach")
    A.add_user(store, "dan", "coach", team="harriers")
    A.add_user(store, "cleo", "clinician")
    A.add_user(store, "root", "admin")
    ann = store.as_principal(A.principal_for(store, "ann"))
    A.grant(ann, "cora")
    A.grant(ann, team="harriers", symptoms=True)
    A.grant(ann, "cleo")
    ids = {name: store.athlete_id(name, create=False) for name in ("Ann", "Ben")}
    return World(store, ids, activity)
