"""FIT reader (Garmin's binary activity format), decoded with fitdecode.

fitfast (Rust) decodes first when it is installed (:mod:`etl.readers.fit_fast`, same
intermediate structure); any file it refuses is decoded here. ``record.extra["decoder"]`` says
which one read the file.

Speed matters here (FIT decoding is the bottleneck of a bulk import), so the decoder runs with
no data processor (timestamps stay integers, no per-field unit conversion) and without its
per-field checksum; the whole-file checksum is computed once by :mod:`etl.readers.fit_crc`.
Only the messages and fields listed below are looked at. A bad checksum does not stop the read;
it becomes a warning in ``record.extra["warnings"]``.

Field mapping (FIT message.field -> loadwatch):

- session.start_time -> start_time_utc; session.total_distance -> distance_m;
  session.total_timer_time -> moving_time_s (timer pauses excluded);
  session.total_elapsed_time -> elapsed_time_s; session.sport/sub_sport -> sport_type;
  session.avg/max_heart_rate; session.avg_(running_)cadence + avg_fractional_cadence (per leg)
  x 2 -> avg_cadence_spm; session.workout_rpe / 10 -> perceived_exertion;
  session.total_ascent -> extra["device_total_ascent_m"].
- activity.local_timestamp - activity.timestamp -> the local UTC offset (timezone
  ``UTC+hh:mm``).
- file_id.manufacturer + product -> device.
- record.timestamp/distance/enhanced_altitude (else altitude)/heart_rate/cadence
  (+ fractional_cadence, x 2)/enhanced_speed (else speed) -> streams; event timer start/stop
  -> is_moving. Positions are never read.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

import fitdecode
import numpy as np
import pandas as pd
from fitdecode.exceptions import FitError

from etl.errors import CorruptFileError, NoDataError, UnsupportedFileError
from etl.readers import common, sports
from etl.readers.content import Content, describe_content
from etl.readers.fit_crc import file_crc_problems
from etl.readers.fit_decoder import LeanFitReader, lean_reader_available
from etl.records import ActivityRecord, ParsedActivity
from loadwatch import columns as C

FIT_EPOCH_UNIX = 631065600
"""Unix time of the FIT epoch, 1989-12-31T00:00:00Z."""

FIT_RELATIVE_LIMIT = 0x10000000
"""FIT date_time values below this are seconds since the device powered on, not dates."""

_MESG_FILE_ID = 0
_MESG_SPORT = 12
_MESG_SESSION = 18
_MESG_RECORD = 20
_MESG_EVENT = 21
_MESG_DEVICE_INFO = 23
_MESG_ACTIVITY = 34

_RECORD_FIELDS: dict[str, int] = {
    "timestamp": 0, "distance": 1, "altitude": 2, "enhanced_altitude": 3, "speed": 4,
    "enhanced_speed": 5, "heart_rate": 6, "cadence": 7, "fractional_cadence": 8,
}
_RECORD_DEF_NUMS: dict[int, int] = {
    253: 0, 5: 1, 2: 2, 78: 3, 6: 4, 73: 5, 3: 6, 4: 7, 53: 8,
}
"""The same slots by FIT field number (record message of the FIT profile)."""
_SESSION_FIELDS = frozenset({
    "timestamp", "start_time", "total_elapsed_time", "total_timer_time", "total_distance",
    "sport", "sub_sport", "avg_heart_rate", "max_heart_rate", "avg_cadence",
    "avg_running_cadence", "avg_fractional_cadence", "total_ascent", "workout_rpe",
})
_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})


@dataclass
class _Decoded:
    """What one pass over the FIT messages collected (mutable while decoding)."""

    records: list[list[object]] = field(default_factory=list)
    sessions: list[dict[str, object]] = field(default_factory=list)
    timer: list[tuple[int, bool]] = field(default_factory=list)
    activity: dict[str, object] = field(default_factory=dict)
    file_id: dict[str, object] = field(default_factory=dict)
    creator: dict[str, object] = field(default_factory=dict)
    sport: dict[str, object] = field(default_factory=dict)
    decoder: str = "fitdecode"
    _matrix: np.ndarray | None = field(default=None, compare=False, repr=False)

    def samples(self) -> np.ndarray:
        """The record rows as an (n, 9) float array (None -> NaN), built once."""
        if self._matrix is None or len(self._matrix) != len(self.records):
            self._matrix = np.array(self.records, dtype="float64").reshape(
                len(self.records), len(_RECORD_FIELDS))
        return self._matrix


def read_fit(content: Content, *, source: str, source_id: str | None,
             sport_hint: str | None) -> list[ParsedActivity]:
    """Read every session of a FIT file.

    Raises
    ------
    UnsupportedFileError
        The content is not a FIT file.
    CorruptFileError
        The file is truncated or damaged.
    NoDataError
        The file holds no session and no samples, or no absolute date.
    """
    data = content.data
    if len(data) < 12 or data[8:12] != b".FIT":
        raise UnsupportedFileError(
            content.name, f"is not a FIT file (it looks like {describe_content(data)}); "
                          "check that the right file was chosen")
    from etl.readers.fit_fast import decode_fast  # here: fit_fast imports this module

    fast = decode_fast(data)  # None: no fitfast, or it refused the file; fitdecode reads it
    warnings = file_crc_problems(data) if fast is None else []  # fitfast checked every CRC
    try:
        decoded = decode_messages(content) if fast is None else fast
        sessions = decoded.sessions or [_session_from_records(content.name, decoded)]
        clock = _Clock.build(content.name, decoded, sessions, warnings)
        results = []
        several = len(sessions) > 1
        base_id = source_id or content.digest
        for index, session in enumerate(sessions):
            this_id = f"{base_id}#{index}" if several else base_id
            results.append(_parse_session(content, decoded, session, clock, warnings,
                                          source, this_id, sport_hint, several))
    except _DAMAGE as exc:
        raise CorruptFileError(
            content.name, f"file is truncated or damaged ({type(exc).__name__}: {exc}); "
                          "re-export it from the device or Strava") from exc
    return results


_DAMAGE = (FitError, AssertionError, struct.error, TypeError, ValueError, KeyError, IndexError,
           OverflowError, OSError, ZeroDivisionError)
"""What fitdecode and the arithmetic on its values raise on damaged bytes (fuzzed in tests)."""


_WANTED = frozenset({_MESG_FILE_ID, _MESG_SPORT, _MESG_SESSION, _MESG_RECORD, _MESG_EVENT,
                     _MESG_DEVICE_INFO, _MESG_ACTIVITY})


def decode_messages(content: Content, *, lean: bool = True) -> _Decoded:
    """One pass over the FIT messages, keeping the fields the reader uses.

    ``lean`` uses :class:`etl.readers.fit_decoder.LeanFitReader` (when the installed fitdecode
    is one it was checked against); ``lean=False`` runs the stock reader (for comparison).
    """
    out = _Decoded()
    options = {"processor": None, "check_crc": fitdecode.CrcCheck.DISABLED,
               "error_handling": fitdecode.ErrorHandling.IGNORE}
    reader = (LeanFitReader(content.data, wanted=_WANTED, **options,
                            rows=(_MESG_RECORD, _RECORD_DEF_NUMS, len(_RECORD_FIELDS),
                                  out.records))
              if lean and lean_reader_available()
              else fitdecode.FitReader(content.data, **options))
    record_fields = _RECORD_FIELDS
    data_frame = fitdecode.FIT_FRAME_DATA
    try:
        for frame in reader:
            if frame.frame_type != data_frame:
                continue
            number = frame.def_mesg.global_mesg_num
            if number == _MESG_RECORD and frame.fields:
                row: list[object] = [None] * len(record_fields)
                for item in frame.fields:
                    slot = record_fields.get(item.name)
                    if slot is None or not isinstance(item.value, int | float) \
                            or isinstance(item.value, bool):
                        continue
                    if item.field_def is not None or row[slot] is None:
                        row[slot] = item.value
                out.records.append(row)
            elif number == _MESG_EVENT:
                _timer_event(frame, out.timer)
            elif number == _MESG_SESSION:
                out.sessions.append(_values(frame, _SESSION_FIELDS))
            elif number == _MESG_ACTIVITY:
                out.activity = _values(frame, {"timestamp", "local_timestamp"})
            elif number == _MESG_FILE_ID and not out.file_id:
                out.file_id = _values(frame, {"manufacturer", "product", "garmin_product",
                                              "product_name", "time_created"})
            elif number == _MESG_DEVICE_INFO and not out.creator:
                info = _values(frame, {"device_index", "manufacturer", "product",
                                       "garmin_product", "product_name"})
                if info.get("device_index") in ("creator", 0):
                    out.creator = info
            elif number == _MESG_SPORT and not out.sport:
                out.sport = _values(frame, {"sport", "sub_sport"})
    except FitError as exc:
        raise CorruptFileError(
            content.name, f"file is truncated or damaged ({exc}); re-export it from the "
                          "device or Strava") from exc
    finally:
        reader.close()
    return out


def _values(frame: fitdecode.FitDataMessage, names: set[str] | frozenset[str]
            ) -> dict[str, object]:
    return {item.name: item.value for item in frame.fields
            if item.name in names and item.value is not None}


def _timer_event(frame: fitdecode.FitDataMessage, timer: list[tuple[int, bool]]) -> None:
    values = _values(frame, {"timestamp", "event", "event_type"})
    stamp = _int(values.get("timestamp"))
    if values.get("event") != "timer" or stamp is None:
        return
    kind = values.get("event_type")
    if kind == "start":
        timer.append((stamp, True))
    elif kind in _TIMER_STOPS:
        timer.append((stamp, False))


def _session_from_records(name: str, decoded: _Decoded) -> dict[str, object]:
    """A stand-in session for files without one (some apps write records only)."""
    stamps = decoded.samples()[:, 0]
    stamps = stamps[~np.isnan(stamps)]
    if not stamps.size:
        raise NoDataError(name, "holds no session and no timed samples; export the "
                                "activity again from the device or Strava")
    session: dict[str, object] = {"start_time": int(stamps.min()),
                                  "timestamp": int(stamps.max())}
    session.update({k: v for k, v in decoded.sport.items() if k in ("sport", "sub_sport")})
    return session


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value):
        return float(value)
    return None


@dataclass(frozen=True)
class _Clock:
    """How FIT timestamps of this file map to UTC and to local time."""

    shift_s: int
    """Added to a FIT timestamp to get seconds since the FIT epoch in UTC."""
    offset: dt.timedelta | None

    @staticmethod
    def build(name: str, decoded: _Decoded, sessions: list[dict[str, object]],
              warnings: list[str]) -> _Clock:
        stamp = _int(decoded.activity.get("timestamp"))
        local = _int(decoded.activity.get("local_timestamp"))
        first = _int(sessions[0].get("start_time"))
        if first is None:
            first = _first_record_time(decoded)
        if first is None:
            raise NoDataError(name, "has no start time; export the activity again from the "
                                    "device or Strava")
        if local is not None and local < FIT_RELATIVE_LIMIT:
            local = None
        if first >= FIT_RELATIVE_LIMIT:
            offset = None
            if local is not None and stamp is not None and stamp >= FIT_RELATIVE_LIMIT:
                offset = common.round_offset(local - stamp)
                if abs(offset) > dt.timedelta(hours=14):
                    warnings.append("the device's local time is more than 14 h from UTC; "
                                    "local time ignored, UTC used")
                    offset = None
            return _Clock(0, offset)
        if local is not None and stamp is not None:
            warnings.append("the device recorded no UTC date (times since power-on); the "
                            "local time it recorded is used as if it were UTC")
            return _Clock(local - stamp, None)
        raise NoDataError(name, "holds only times since the device was switched on and no "
                                "date; import it through a Strava export, which knows the date")

    def utc(self, fit_time: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(FIT_EPOCH_UNIX + fit_time + self.shift_s, dt.UTC)


def _parse_session(content: Content, decoded: _Decoded, session: dict[str, object],
                   clock: _Clock, warnings: list[str], source: str, source_id: str,
                   sport_hint: str | None, several: bool) -> ParsedActivity:
    start = _int(session.get("start_time"))
    if start is None:
        start = _first_record_time(decoded) or 0
    elapsed = _num(session.get("total_elapsed_time"))
    end = start + elapsed if elapsed is not None else _num(session.get("timestamp"))
    rows = _session_rows(decoded.samples(), start, end if several else None)
    file_sport = sports.sport_from_fit(session.get("sport", decoded.sport.get("sport")),
                                       session.get("sub_sport", decoded.sport.get("sub_sport")))
    has_sport = "sport" in session or "sport" in decoded.sport
    sport, sport_warning = sports.choose_sport(file_sport if has_sport else None, sport_hint)
    notes = list(warnings) + ([sport_warning] if sport_warning else [])
    foot = sport in sports.FOOT_SPORTS
    rows, jumps = _repair_clock_jumps(rows, elapsed)
    timer: list[tuple[float, bool]] = list(decoded.timer)
    if jumps:
        notes.append(f"the device clock jumped {len(jumps)} time(s) during the activity by more "
                     "than its whole duration; later sample times were shifted back")
        timer = [(t - sum(a for after, a in jumps if t >= after), state) for t, state in timer]
    streams = _streams(rows, start, foot, timer)
    from_streams = common.summarise(streams) if len(streams) else None
    start_utc = clock.utc(start)
    local, zone = common.local_times(start_utc, clock.offset)
    gain = from_streams.elevation_gain_m if from_streams else None
    device_ascent = _num(session.get("total_ascent"))
    if gain is None:
        gain = device_ascent
    extra: dict[str, object] = {"format": "fit", "decoder": decoded.decoder}
    if device_ascent is not None:
        extra["device_total_ascent_m"] = device_ascent
    if session.get("sub_sport") not in (None, "generic"):
        extra["sub_sport"] = str(session.get("sub_sport"))
    if notes:
        extra["warnings"] = notes
    record = ActivityRecord(
        source=source, source_id=source_id, sport_type=sport, start_time_utc=start_utc,
        start_time_local=local, timezone=zone,
        distance_m=_first(_num(session.get("total_distance")),
                          from_streams.distance_m if from_streams else None),
        moving_time_s=_first(_num(session.get("total_timer_time")),
                             from_streams.moving_time_s if from_streams else None),
        elapsed_time_s=_first(elapsed, from_streams.elapsed_time_s if from_streams else None),
        elevation_gain_m=gain,
        avg_heart_rate_bpm=_first(_num(session.get("avg_heart_rate")),
                                  from_streams.avg_heart_rate_bpm if from_streams else None),
        max_heart_rate_bpm=_first(_num(session.get("max_heart_rate")),
                                  from_streams.max_heart_rate_bpm if from_streams else None),
        avg_cadence_spm=_session_cadence(session, foot, from_streams),
        perceived_exertion=_rpe(session.get("workout_rpe")),
        device=_device(decoded),
        file_name=content.file_name,
        extra=extra,
    )
    return ParsedActivity(record, streams)


def _first_record_time(decoded: _Decoded) -> int | None:
    stamps = decoded.samples()[:, 0]
    stamps = stamps[~np.isnan(stamps)]
    return int(stamps[0]) if stamps.size else None


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _session_rows(samples: np.ndarray, start: int, end: float | None) -> np.ndarray:
    stamps = samples[:, 0]
    keep = ~np.isnan(stamps)
    if end is not None:
        keep &= (stamps >= start) & (stamps <= end)
    return samples[keep]


def _streams(rows: np.ndarray, start: int, foot: bool,
             timer: list[tuple[float, bool]]) -> pd.DataFrame:
    if not len(rows):
        return common.make_streams(np.zeros(0))
    slot = _RECORD_FIELDS
    stamps = rows[:, slot["timestamp"]]
    time_s = stamps - start
    altitude = rows[:, slot["enhanced_altitude"]]
    altitude = np.where(np.isnan(altitude), rows[:, slot["altitude"]], altitude)
    speed = rows[:, slot["enhanced_speed"]]
    speed = np.where(np.isnan(speed), rows[:, slot["speed"]], speed)
    cadence = None
    if foot:
        per_leg = rows[:, slot["cadence"]]
        fraction = np.nan_to_num(rows[:, slot["fractional_cadence"]], nan=0.0)
        cadence = 2.0 * (per_leg + fraction)
    frame = common.make_streams(
        time_s, distance_m=rows[:, slot["distance"]], altitude_m=altitude,
        heart_rate_bpm=rows[:, slot["heart_rate"]], cadence_spm=cadence, speed_mps=speed)
    if timer:
        slow = np.nan_to_num(frame[C.SPEED_MPS].to_numpy(), nan=np.inf) < common.MOVING_SPEED_MPS
        frame[C.IS_MOVING] = _timer_running(stamps, timer) & ~slow
    return frame


def _repair_clock_jumps(rows: np.ndarray, elapsed: float | None
                        ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Undo jumps of the device clock in the middle of an activity.

    A gap between two samples longer than the session's whole elapsed time cannot be a pause:
    the clock was reset (e.g. by a GPS time fix) while recording went on. Later samples are
    shifted back so the gap becomes the file's median sampling interval. Returns the repaired
    rows and, per jump, (first raw time after it, seconds removed) to shift events alike.
    """
    if elapsed is None or len(rows) < 3:
        return rows, []
    stamps = rows[:, 0]
    gaps = np.diff(stamps)
    jumps = gaps > max(elapsed, 1.0)
    if not jumps.any():
        return rows, []
    step = float(np.median(gaps[~jumps])) if (~jumps).any() else 1.0
    removed = np.where(jumps, gaps - step, 0.0)
    repaired = rows.copy()
    repaired[:, 0] = stamps - np.concatenate(([0.0], np.cumsum(removed)))
    where = np.flatnonzero(jumps)
    return repaired, [(float(stamps[i + 1]), float(removed[i])) for i in where]


def _timer_running(stamps: np.ndarray, timer: list[tuple[float, bool]]) -> np.ndarray:
    """True for samples that end an interval during which the device timer ran.

    The state that counts for a sample is the one set by the last timer event strictly before
    it, so the sample that ends a pause is not moving and the one at a stop still is (matching
    :func:`etl.readers.common.moving_time_s`, which sums the intervals ending at moving
    samples). All True without timer events.
    """
    if not timer:
        return np.ones(stamps.size, dtype=bool)
    times = np.array([t for t, _ in timer], dtype="float64")
    states = np.array([s for _, s in timer], dtype=bool)
    order = np.argsort(times, kind="stable")
    times, states = times[order], states[order]
    index = np.searchsorted(times, stamps, side="left") - 1
    return np.where(index >= 0, states[np.clip(index, 0, None)], True)


def _session_cadence(session: dict[str, object], foot: bool,
                     from_streams: common.StreamSummary | None) -> float | None:
    if not foot:
        return None
    per_leg = _num(session.get("avg_running_cadence", session.get("avg_cadence")))
    if per_leg is None:
        return from_streams.avg_cadence_spm if from_streams else None
    fraction = _num(session.get("avg_fractional_cadence")) or 0.0
    return 2.0 * (per_leg + fraction)


def _rpe(value: object) -> float | None:
    number = _num(value)
    if number is None or not 0 <= number <= 100:
        return None
    return number / 10.0


def _device(decoded: _Decoded) -> str | None:
    for info in (decoded.file_id, decoded.creator):
        maker = info.get("manufacturer")
        product = (info.get("product_name") or info.get("garmin_product")
                   or info.get("product"))
        parts = [str(p) for p in (maker, product) if p is not None and p != ""]
        if parts and parts != ["development"]:
            return " ".join(parts)
    return None
