"""A minimal FIT writer for tests: small, valid activity files with a correct CRC.

``FitWriter`` encodes definition and data messages (little-endian, normal headers);
:func:`fit_activity` builds a whole activity (file_id, timer events, records, one session per
:class:`FitSession`, activity) from samples, with pauses, a local time offset, multisport
sessions, and helpers to damage the result (:func:`with_bad_crc`, :func:`truncated`).
Enumerations (sport names, event types) are looked up in fitdecode's profile, so the files
use the same numbers real devices write.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from fitdecode import profile

from etl.readers.fit_crc import fit_crc

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)

# base type: (code, struct format, invalid value)
ENUM = (0x00, "B", 0xFF)
UINT8 = (0x02, "B", 0xFF)
UINT16 = (0x84, "H", 0xFFFF)
UINT32 = (0x86, "I", 0xFFFFFFFF)
UINT32Z = (0x8C, "I", 0)

MESG_FILE_ID, MESG_SESSION, MESG_RECORD, MESG_EVENT, MESG_ACTIVITY = 0, 18, 20, 21, 34


def enum_value(type_name: str, name: str) -> int:
    """The number fitdecode's profile gives ``name`` in enumeration ``type_name``."""
    for number, label in profile.FIELD_TYPES[type_name].enum.items():
        if label == name:
            return int(number)
    raise KeyError(f"{name!r} is not a {type_name} value")


def fit_time(moment: dt.datetime) -> int:
    """Seconds since the FIT epoch (1989-12-31T00:00:00Z)."""
    return int((moment - FIT_EPOCH).total_seconds())


class FitWriter:
    """Encode FIT messages; :meth:`to_bytes` adds the 14-byte header and the file CRC."""

    def __init__(self) -> None:
        self._body = bytearray()
        self._layouts: dict[int, list[tuple[int, tuple[int, str, int]]]] = {}

    def define(self, local: int, global_number: int,
               fields: Sequence[tuple[int, tuple[int, str, int]]]) -> None:
        """Definition message: ``fields`` is a list of (field number, base type)."""
        self._body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_number, len(fields))
        for number, base in fields:
            self._body += struct.pack("<BBB", number, struct.calcsize("<" + base[1]), base[0])
        self._layouts[local] = list(fields)

    def data(self, local: int, values: Sequence[int | None]) -> None:
        """Data message for the last definition of ``local``; None writes the invalid value."""
        layout = self._layouts[local]
        self._body.append(local)
        for (_number, base), value in zip(layout, values, strict=True):
            self._body += struct.pack("<" + base[1], base[2] if value is None else value)

    def data_compressed(self, local: int, timestamp: int, values: Sequence[int | None]) -> None:
        """Data message with a compressed-timestamp header (local 0-3; the low 5 bits of
        ``timestamp`` go into the header, the rest comes from the last full timestamp)."""
        layout = self._layouts[local]
        self._body.append(0x80 | (local << 5) | (timestamp & 0x1F))
        for (_number, base), value in zip(layout, values, strict=True):
            self._body += struct.pack("<" + base[1], base[2] if value is None else value)

    def to_bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x10, 2132, len(self._body), b".FIT")
        header += struct.pack("<H", fit_crc(header))
        content = header + bytes(self._body)
        return content + struct.pack("<H", fit_crc(content))


@dataclass(frozen=True)
class Sample:
    """One recorded sample; ``t_s`` is seconds after the activity start."""

    t_s: float
    distance_m: float | None = None
    altitude_m: float | None = None
    heart_rate_bpm: int | None = None
    cadence_spm: float | None = None
    speed_mps: float | None = None


@dataclass(frozen=True)
class FitSession:
    """One session of a FIT activity.

    ``offset_s`` is the session start after the activity start; ``pauses`` are
    (stop, restart) times in seconds after the session start, during which no samples are
    written and the timer is stopped.
    """

    samples: Sequence[Sample]
    sport: str = "running"
    sub_sport: str = "generic"
    offset_s: float = 0.0
    pauses: Sequence[tuple[float, float]] = ()
    total_ascent_m: int | None = None
    workout_rpe: float | None = None
    elapsed_s: float | None = None
    """Overrides the elapsed time written in the session (default: last - first sample)."""


def steady_samples(duration_s: int, speed_mps: float = 3.0, *, step_s: int = 1,
                   altitude: Sequence[float] | None = None, heart_rate_bpm: int | None = 150,
                   cadence_spm: float | None = 170.0) -> list[Sample]:
    """A steady run: distance = speed x time, constant HR and cadence, optional altitude."""
    samples = []
    for index, t in enumerate(range(0, duration_s + 1, step_s)):
        samples.append(Sample(
            t_s=float(t), distance_m=speed_mps * t,
            altitude_m=None if altitude is None else float(altitude[index % len(altitude)]),
            heart_rate_bpm=heart_rate_bpm, cadence_spm=cadence_spm, speed_mps=speed_mps))
    return samples


def _scaled(value: float | None, scale: float, offset: float = 0.0) -> int | None:
    return None if value is None else round((value + offset) * scale)


def _cadence_parts(spm: float | None) -> tuple[int | None, int | None]:
    """Steps per minute -> FIT per-leg cadence and its 1/128 fraction."""
    if spm is None:
        return None, None
    per_leg = spm / 2.0
    whole = int(per_leg)
    return whole, round((per_leg - whole) * 128)


def fit_activity(start: dt.datetime, sessions: Sequence[FitSession] | None = None, *,
                 samples: Sequence[Sample] | None = None, sport: str = "running",
                 sub_sport: str = "generic", pauses: Sequence[tuple[float, float]] = (),
                 local_offset: dt.timedelta | None = None, total_ascent_m: int | None = None,
                 workout_rpe: float | None = None, manufacturer: str = "garmin",
                 product: int = 3113) -> bytes:
    """A complete FIT activity file.

    Either pass ``sessions`` or the samples and options of a single session. Session totals
    (elapsed, timer, distance, HR, cadence) are computed from the samples, so tests can work
    out expected values by hand.
    """
    if sessions is None:
        sessions = [FitSession(samples or steady_samples(600), sport, sub_sport, 0.0, pauses,
                               total_ascent_m, workout_rpe)]
    base = fit_time(start)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16), (3, UINT32Z),
                                    (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), enum_value("manufacturer", manufacturer),
                    product, 12345, base])
    writer.define(1, MESG_EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    writer.define(2, MESG_RECORD, [(253, UINT32), (5, UINT32), (78, UINT32), (73, UINT32),
                                   (3, UINT8), (4, UINT8), (53, UINT8)])
    timer, start_type = enum_value("event", "timer"), enum_value("event_type", "start")
    stop_all = enum_value("event_type", "stop_all")
    end = base
    for session in sessions:
        s0 = base + int(session.offset_s)
        writer.data(1, [s0, timer, start_type])
        for sample in session.samples:
            if any(stop < sample.t_s < restart for stop, restart in session.pauses):
                continue
            for _stop, restart in session.pauses:
                if sample.t_s == restart:
                    writer.data(1, [s0 + int(restart), timer, start_type])
            cadence, fraction = _cadence_parts(sample.cadence_spm)
            writer.data(2, [s0 + int(sample.t_s), _scaled(sample.distance_m, 100),
                            _scaled(sample.altitude_m, 5, 500), _scaled(sample.speed_mps, 1000),
                            sample.heart_rate_bpm, cadence, fraction])
            for stop, _restart in session.pauses:
                if sample.t_s == stop:
                    writer.data(1, [s0 + int(stop), timer, stop_all])
        last = s0 + int(session.samples[-1].t_s)
        writer.data(1, [last, timer, stop_all])
        end = max(end, last)
    writer.define(3, MESG_SESSION, [
        (253, UINT32), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32), (5, ENUM), (6, ENUM),
        (16, UINT8), (17, UINT8), (18, UINT8), (92, UINT8), (22, UINT16), (193, UINT8),
        (254, UINT16)])
    for index, session in enumerate(sessions):
        writer.data(3, _session_values(base, index, session))
    writer.define(4, MESG_ACTIVITY, [(253, UINT32), (0, UINT32), (1, UINT16), (2, ENUM),
                                     (3, ENUM), (4, ENUM), (5, UINT32)])
    timer_total = sum(_timer_s(s) for s in sessions)
    local = None if local_offset is None else end + int(local_offset.total_seconds())
    writer.data(4, [end, _scaled(timer_total, 1000), len(sessions), 0,
                    enum_value("event", "activity"), enum_value("event_type", "stop"), local])
    return writer.to_bytes()


def _elapsed_s(session: FitSession) -> float:
    if session.elapsed_s is not None:
        return session.elapsed_s
    return session.samples[-1].t_s - session.samples[0].t_s


def _timer_s(session: FitSession) -> float:
    return _elapsed_s(session) - sum(restart - stop for stop, restart in session.pauses)


def _session_values(base: int, index: int, session: FitSession) -> list[int | None]:
    kept = [s for s in session.samples
            if not any(stop < s.t_s < restart for stop, restart in session.pauses)]
    s0 = base + int(session.offset_s)
    elapsed = _elapsed_s(session)
    rates = [s.heart_rate_bpm for s in kept if s.heart_rate_bpm is not None]
    cadences = [s.cadence_spm for s in kept if s.cadence_spm is not None]
    avg_cad, avg_frac = _cadence_parts(sum(cadences) / len(cadences) if cadences else None)
    distance = next((s.distance_m for s in reversed(kept) if s.distance_m is not None), None)
    return [
        s0 + int(elapsed), s0, _scaled(elapsed, 1000), _scaled(_timer_s(session), 1000),
        _scaled(distance, 100), enum_value("sport", session.sport),
        enum_value("sub_sport", session.sub_sport),
        round(sum(rates) / len(rates)) if rates else None, max(rates) if rates else None,
        avg_cad, avg_frac, session.total_ascent_m,
        None if session.workout_rpe is None else round(session.workout_rpe * 10), index]


def with_bad_crc(data: bytes) -> bytes:
    """The same file with its trailing CRC flipped (contents intact)."""
    return data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]])


def truncated(data: bytes, keep: int | None = None) -> bytes:
    """The file cut off in the middle of its data (default: 60 % of it kept)."""
    return data[: keep if keep is not None else int(len(data) * 0.6)]
