"""Normalised records that every source produces and the store accepts.

An :class:`ActivityRecord` is one activity's summary in the units of the column vocabulary
(:mod:`loadwatch.columns`); its samples travel beside it as a DataFrame with the columns of
``STREAM_COLUMNS`` (see :func:`empty_streams`). GPS coordinates are never part of a record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from loadwatch import columns as C


@dataclass(frozen=True)
class ActivityRecord:
    """One activity, normalised.

    Times are ``start_time_utc`` (aware, UTC) and ``start_time_local`` (naive wall time);
    ``local_date`` is the calendar day the activity counts for (SCIENCE.md section 0).
    Distances in metres, durations in seconds, cadence in steps per minute.
    """

    source: str
    source_id: str
    sport_type: str
    start_time_utc: dt.datetime
    start_time_local: dt.datetime
    timezone: str
    distance_m: float | None = None
    moving_time_s: float | None = None
    elapsed_time_s: float | None = None
    elevation_gain_m: float | None = None
    avg_heart_rate_bpm: float | None = None
    max_heart_rate_bpm: float | None = None
    avg_cadence_spm: float | None = None
    perceived_exertion: float | None = None
    relative_effort: float | None = None
    name: str | None = None
    device: str | None = None
    file_name: str | None = None
    is_manual: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source not in C.SOURCES:
            raise ValueError(f"unknown source {self.source!r}; expected one of {C.SOURCES}")
        if self.start_time_utc.tzinfo is None:
            raise ValueError("start_time_utc must be timezone-aware")

    @property
    def local_date(self) -> dt.date:
        return self.start_time_local.date()

    @property
    def is_run(self) -> bool:
        return self.sport_type in C.RUNNING_SPORT_TYPES

    @property
    def avg_speed_mps(self) -> float | None:
        if self.distance_m is None or not self.moving_time_s:
            return None
        return self.distance_m / self.moving_time_s

    def with_changes(self, **changes: object) -> ActivityRecord:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ParsedActivity:
    """What a reader returns: the record and its samples (possibly empty)."""

    record: ActivityRecord
    streams: pd.DataFrame


STREAM_DTYPES: dict[str, str] = {
    C.TIME_S: "float64",
    C.DISTANCE_M: "float64",
    C.ALTITUDE_M: "float64",
    C.HEART_RATE_BPM: "float64",
    C.CADENCE_SPM: "float64",
    C.SPEED_MPS: "float64",
    C.GRADE_PCT: "float64",
    C.IS_MOVING: "bool",
}


def empty_streams() -> pd.DataFrame:
    """A zero-row streams frame with the full schema."""
    return pd.DataFrame({name: pd.Series(dtype=t) for name, t in STREAM_DTYPES.items()})


def stream_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The stream channels of ``frame`` as arrays with the dtypes of :data:`STREAM_DTYPES`.

    Missing channels become NaN (``is_moving`` becomes True); unknown columns are dropped;
    non-numeric values become NaN.
    """
    count = len(frame)
    out: dict[str, np.ndarray] = {}
    for name, dtype in STREAM_DTYPES.items():
        if name not in frame.columns:
            out[name] = np.ones(count, dtype=bool) if dtype == "bool" else np.full(count, np.nan)
            continue
        values = frame[name].to_numpy()
        if dtype == "bool" or values.dtype.kind in "fiub":
            out[name] = values.astype(dtype)
        else:
            out[name] = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=dtype)
    return out


def conform_streams(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the stream columns, in order, with their dtypes.

    Missing channels become NaN (``is_moving`` becomes True); unknown columns are dropped.
    """
    return pd.DataFrame(stream_arrays(frame), index=pd.RangeIndex(len(frame)))
