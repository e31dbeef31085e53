"""FIT reader on generated files whose values are worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from etl.readers import read_activity
from loadwatch import columns as C
from tests.factories import FitSession, Sample, fit_activity, steady_samples


def paused_run() -> list[Sample]:
    """3 m/s for 200 s, a 60-s pause (timer stopped, nothing recorded), 3 m/s for 340 s."""
    first = [Sample(float(t), 3.0 * t, None, 150, 171.0, 3.0) for t in range(0, 201)]
    second = [Sample(float(t), 600.0 + 3.0 * (t - 260), None, 150, 171.0, 3.0)
              for t in range(260, 601)]
    return first + second


START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)


def test_pauses_totals_and_cadence() -> None:
    data = fit_activity(START, samples=paused_run(), pauses=[(200.0, 260.0)], workout_rpe=6.5)
    (parsed,) = read_activity(data, "paused.fit")
    record = parsed.record
    assert record.sport_type == "Run"
    assert record.start_time_utc == START
    assert record.distance_m == pytest.approx(1620.0)  # 600 m + 3 m/s x 340 s
    assert record.elapsed_time_s == pytest.approx(600.0)
    assert record.moving_time_s == pytest.approx(540.0)  # 600 s minus the 60-s pause
    assert record.avg_heart_rate_bpm == 150.0
    assert record.max_heart_rate_bpm == 150.0
    # 171 steps/min is written per leg as 85 + 64/128; read back doubled
    assert record.avg_cadence_spm == pytest.approx(171.0)
    assert record.perceived_exertion == pytest.approx(6.5)
    assert record.device == "garmin fr945"
    streams = parsed.streams
    assert len(streams) == 201 + 341
    assert np.allclose(streams[C.CADENCE_SPM], 171.0)
    assert np.allclose(streams[C.SPEED_MPS], 3.0)
    assert streams[C.TIME_S].iloc[-1] == 600.0
    # only the sample that ends the pause is not moving; the moving intervals add up to 540 s
    not_moving = streams.loc[~streams[C.IS_MOVING], C.TIME_S].tolist()
    assert not_moving == [260.0]
    gaps = np.diff(streams[C.TIME_S].to_numpy())
    assert gaps[streams[C.IS_MOVING].to_numpy()[1:]].sum() == pytest.approx(540.0)


@pytest.mark.parametrize(("start", "offset", "zone"), [
    (dt.datetime(2024, 5, 1, 21, 30, tzinfo=dt.UTC), dt.timedelta(hours=2), "UTC+02:00"),
    (dt.datetime(2024, 5, 2, 4, 30, tzinfo=dt.UTC), dt.timedelta(hours=-5), "UTC-05:00"),
    (dt.datetime(2024, 5, 1, 18, 0, tzinfo=dt.UTC), dt.timedelta(hours=5, minutes=30),
     "UTC+05:30"),
])
def test_a_run_at_2330_local_counts_for_that_local_date(start: dt.datetime,
                                                        offset: dt.timedelta, zone: str) -> None:
    data = fit_activity(start, samples=steady_samples(600), local_offset=offset)
    (parsed,) = read_activity(data, "late.fit")
    record = parsed.record
    assert record.start_time_utc == start
    assert record.start_time_local == dt.datetime(2024, 5, 1, 23, 30)
    assert record.local_date == dt.date(2024, 5, 1)
    assert record.timezone == zone


def test_without_local_timestamp_the_zone_is_utc() -> None:
    (parsed,) = read_activity(fit_activity(START, samples=steady_samples(60)), "a.fit")
    assert parsed.record.timezone == "UTC"
    assert parsed.record.start_time_local == dt.datetime(2024, 5, 1, 6, 0)


def test_multisport_gives_one_activity_per_session() -> None:
    ride = FitSession(steady_samples(300, 8.0, cadence_spm=90.0), "cycling", "mountain")
    run = FitSession(steady_samples(300, 3.0), "running", "trail", offset_s=400.0)
    data = fit_activity(START, [ride, run])
    first, second = read_activity(data, "multi.fit", source_id="abc")
    assert (first.record.sport_type, second.record.sport_type) == ("MountainBikeRide", "TrailRun")
    assert (first.record.source_id, second.record.source_id) == ("abc#0", "abc#1")
    assert first.record.start_time_utc == START
    assert second.record.start_time_utc == START + dt.timedelta(seconds=400)
    assert len(first.streams) == len(second.streams) == 301
    assert first.record.distance_m == pytest.approx(2400.0)
    assert second.record.distance_m == pytest.approx(900.0)
    # bike cadence is crank rpm, not steps: not reported as steps per minute
    assert first.record.avg_cadence_spm is None
    assert first.streams[C.CADENCE_SPM].isna().all()
    assert second.record.avg_cadence_spm == pytest.approx(170.0)
    default_ids = [p.record.source_id for p in read_activity(data, "multi.fit")]
    assert default_ids[0].endswith("#0") and default_ids[1].endswith("#1")
    assert default_ids[0][:-2] == default_ids[1][:-2] and len(default_ids[0]) == 18


@pytest.mark.parametrize(("sport", "sub_sport", "hint", "expected"), [
    ("running", "treadmill", None, "VirtualRun"),
    ("running", "generic", "TrailRun", "TrailRun"),
    ("running", "generic", "Ride", "Run"),
    ("generic", "generic", "Run", "Run"),
    ("walking", "generic", None, "Walk"),
    ("cycling", "generic", None, "Ride"),
])
def test_sport_mapping_and_hint(sport: str, sub_sport: str, hint: str | None,
                                expected: str) -> None:
    data = fit_activity(START, samples=steady_samples(60), sport=sport, sub_sport=sub_sport)
    (parsed,) = read_activity(data, "a.fit", sport_hint=hint)
    assert parsed.record.sport_type == expected


def test_elevation_gain_is_smoothed_and_device_ascent_kept() -> None:
    # plateaus of 100 samples: 100 -> 110 (+10), down to 104 (resets), up to 112 (+8) = 18 m
    profile = [100.0] * 100 + [110.0] * 100 + [104.0] * 100 + [112.0] * 101
    samples = [Sample(float(t), 3.0 * t, profile[t], 150, 170.0, 3.0) for t in range(401)]
    (parsed,) = read_activity(fit_activity(START, samples=samples, total_ascent_m=20), "a.fit")
    assert parsed.record.elevation_gain_m == pytest.approx(18.0)
    assert parsed.record.extra["device_total_ascent_m"] == 20.0
    assert np.allclose(parsed.streams[C.ALTITUDE_M], profile)


def test_without_altitude_the_device_ascent_is_used() -> None:
    data = fit_activity(START, samples=steady_samples(60), total_ascent_m=7)
    (parsed,) = read_activity(data, "a.fit")
    assert parsed.record.elevation_gain_m == 7.0
    assert parsed.streams[C.ALTITUDE_M].isna().all()
    assert parsed.streams[C.GRADE_PCT].isna().all()


def test_grade_from_altitude_over_distance() -> None:
    # FIT stores altitude in 0.2 m steps: climb exactly 0.2 m per 2 m forward = 10 %
    samples = [Sample(float(t), 2.0 * t, 100.0 + 0.2 * t, 150, 170.0, 2.0) for t in range(301)]
    (parsed,) = read_activity(fit_activity(START, samples=samples), "a.fit")
    assert np.allclose(parsed.streams[C.GRADE_PCT], 10.0)
    assert parsed.record.elevation_gain_m == pytest.approx(60.0)


def test_lean_and_stock_decoders_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.readers import fit_decoder

    data = fit_activity(START, samples=paused_run(), pauses=[(200.0, 260.0)],
                        local_offset=dt.timedelta(hours=1))
    (lean,) = read_activity(data, "a.fit")
    monkeypatch.setattr(fit_decoder.fitdecode, "__version__", "0.0-unchecked")
    (stock,) = read_activity(data, "a.fit")
    assert lean.record == stock.record
    assert lean.streams.equals(stock.streams)


def test_a_clock_jump_in_the_middle_is_undone() -> None:
    # the device clock jumps 10 days ahead after 300 s; recording goes on at 1 Hz
    jump = 10 * 86400.0
    samples = [Sample(float(t), 3.0 * t, 100.0, 150, 170.0, 3.0) for t in range(0, 301)]
    samples += [Sample(jump + t, 3.0 * t, 100.0, 150, 170.0, 3.0) for t in range(301, 601)]
    data = fit_activity(START, [FitSession(samples, elapsed_s=600.0)])
    (parsed,) = read_activity(data, "jump.fit")
    time_s = parsed.streams[C.TIME_S].to_numpy()
    assert time_s.tolist() == [float(t) for t in range(601)]
    assert parsed.streams[C.IS_MOVING].all()
    assert parsed.record.elapsed_time_s == 600.0
    warnings = parsed.record.extra["warnings"]
    assert isinstance(warnings, list) and "clock jumped 1 time" in warnings[0]


def test_sparse_smart_recording_is_moving_while_the_timer_runs() -> None:
    # one sample every 15 s (longer than the 10-s gap rule of timer-less files)
    samples = [Sample(float(t), 3.0 * t, None, 150, 170.0, 3.0) for t in range(0, 601, 15)]
    (parsed,) = read_activity(fit_activity(START, samples=samples), "sparse.fit")
    assert parsed.streams[C.IS_MOVING].all()
    assert parsed.record.moving_time_s == pytest.approx(600.0)


def test_factory_files_have_valid_checksums() -> None:
    import fitdecode

    from tests.factories import with_bad_crc

    data = fit_activity(START, samples=paused_run(), pauses=[(200.0, 260.0)])
    with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.RAISE) as reader:
        names = [f.name for f in reader if f.frame_type == fitdecode.FIT_FRAME_DATA]
    assert names.count("record") == 542 and names.count("session") == 1
    with pytest.raises(fitdecode.FitCRCError), fitdecode.FitReader(
            with_bad_crc(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        list(reader)


def test_compressed_timestamp_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.readers import fit_decoder
    from tests.factories.fit import (
        ENUM,
        MESG_EVENT,
        MESG_FILE_ID,
        MESG_RECORD,
        UINT8,
        UINT16,
        UINT32,
        FitWriter,
        enum_value,
        fit_time,
    )

    base = fit_time(START)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), 1, base])
    writer.define(1, MESG_EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    writer.data(1, [base, enum_value("event", "timer"), enum_value("event_type", "start")])
    writer.define(2, MESG_RECORD, [(5, UINT32), (3, UINT8)])
    # 0..99 s, 1 Hz, timestamps only in the 5-bit header offsets (rolling over every 32 s)
    for t in range(100):
        writer.data_compressed(2, base + t, [300 * t, 140 + t % 3])
    data = writer.to_bytes()
    (lean,) = read_activity(data, "compressed.fit")
    assert lean.streams[C.TIME_S].tolist() == [float(t) for t in range(100)]
    assert lean.record.distance_m == pytest.approx(297.0)
    assert lean.record.elapsed_time_s == pytest.approx(99.0)
    assert lean.record.max_heart_rate_bpm == 142.0
    monkeypatch.setattr(fit_decoder.fitdecode, "__version__", "0.0-unchecked")
    (stock,) = read_activity(data, "compressed.fit")
    assert lean.record == stock.record and lean.streams.equals(stock.streams)
