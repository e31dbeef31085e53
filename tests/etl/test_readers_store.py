"""What the readers produce is what the store accepts: records, JSON extras and streams round
trip, and the same file read twice (plain and gzipped) is stored once."""

from __future__ import annotations

import datetime as dt
import gzip

import numpy as np

from etl.readers import read_activity
from etl.store import Store
from loadwatch import columns as C
from tests.factories import FitSession, fit_activity, steady_samples, with_bad_crc

START = dt.datetime(2024, 5, 1, 21, 30, tzinfo=dt.UTC)


def test_parsed_activities_round_trip_through_the_store(store: Store) -> None:
    ride = FitSession(steady_samples(300, 8.0, cadence_spm=None), "cycling", "road")
    run = FitSession(steady_samples(600, 3.0), "running", "trail", offset_s=400.0)
    data = with_bad_crc(fit_activity(START, [ride, run], local_offset=dt.timedelta(hours=2)))
    parsed = read_activity(data, "multi.fit")
    results = [store.upsert_activity("ana", p) for p in parsed]
    assert [r.outcome for r in results] == ["inserted", "inserted"]
    frame = store.activities("ana")
    assert frame[C.SPORT_TYPE].tolist() == ["Ride", "TrailRun"]
    assert frame[C.TIMEZONE].tolist() == ["UTC+02:00", "UTC+02:00"]
    assert frame[C.LOCAL_DATE].astype(str).tolist() == ["2024-05-01", "2024-05-01"]
    stored = store.streams(results[1].activity_id)
    assert len(stored) == 601
    assert np.allclose(stored[C.CADENCE_SPM], 170.0)
    again = [store.upsert_activity("ana", p).outcome for p in read_activity(data, "multi.fit")]
    assert again == ["unchanged", "unchanged"]
    packed = [store.upsert_activity("ana", p) for p in read_activity(gzip.compress(data),
                                                                     "multi.fit.gz")]
    assert [r.activity_id for r in packed] == [r.activity_id for r in results]
    assert len(store.activities("ana")) == 2
