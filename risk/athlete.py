"""Per-athlete physiology used by the load formulas: heart rates, threshold speed, sex.

:class:`AthleteSettings` is what TRIMP, HRSS, heart-rate zones and rTSS need.
:func:`estimate_athlete_settings` fills the values nobody entered from the athlete's own
sessions, and records which values were estimated so the dashboard can badge them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd

from loadwatch import columns as C
from risk.errors import SettingsError
from risk.loads import default_threshold_hr

#: Maximal heart rate when no session reports one [1/min] (an age-free default, grade D).
DEFAULT_MAX_HR_BPM = 190.0
#: Resting heart rate when none is given [1/min] (grade D).
DEFAULT_REST_HR_BPM = 60.0
#: Threshold speed when no run allows an estimate [m/s] (5:00 min/km, grade D).
DEFAULT_THRESHOLD_SPEED_MPS = 1000.0 / 300.0
#: Percentile of session maximum heart rates taken as the athlete's maximum.
MAX_HR_PERCENTILE = 98.0
#: Sessions with a maximum heart rate needed before the percentile is trusted.
MIN_HR_SESSIONS = 5
#: Runs of this moving duration [min] count as "about an hour" efforts for the threshold speed.
THRESHOLD_EFFORT_MIN = (40.0, 75.0)
#: Percentile of the average speed of those runs taken as the threshold speed.
THRESHOLD_SPEED_PERCENTILE = 95.0
#: Fallback: this fraction of the 95th percentile of all run average speeds.
SHORT_RUN_SPEED_FRAC = 0.95
SEXES = ("M", "F")


@dataclass(frozen=True)
class AthleteSettings:
    """The physiology behind an athlete's internal-load numbers.

    Parameters
    ----------
    max_hr_bpm, rest_hr_bpm : float
        Maximal and resting heart rate [1/min].
    threshold_hr_bpm : float
        Lactate-threshold heart rate [1/min]; default ``rest + 0.85 (max - rest)``
        (SCIENCE.md 3.5).
    threshold_speed_mps : float
        Functional threshold speed, about one hour's race speed [m/s] (rTSS, time above
        threshold).
    sex : {"M", "F", None}
        Selects Banister's TRIMP curve; ``None`` uses the mean of both curves (badge shown).
    estimated : tuple of str
        Names of the fields that were estimated from data or defaulted, not entered.
    """

    max_hr_bpm: float = DEFAULT_MAX_HR_BPM
    rest_hr_bpm: float = DEFAULT_REST_HR_BPM
    threshold_hr_bpm: float = default_threshold_hr(DEFAULT_REST_HR_BPM, DEFAULT_MAX_HR_BPM)
    threshold_speed_mps: float = DEFAULT_THRESHOLD_SPEED_MPS
    sex: str | None = None
    estimated: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.sex is not None and self.sex not in SEXES:
            raise SettingsError(f"athlete sex {self.sex!r} is not 'M', 'F' or None (unknown)")
        if not 25.0 <= self.rest_hr_bpm < self.max_hr_bpm <= 250.0:
            raise SettingsError(
                f"heart rates rest={self.rest_hr_bpm} and max={self.max_hr_bpm} bpm are not "
                "plausible; set 25 <= rest < max <= 250")
        if not self.rest_hr_bpm < self.threshold_hr_bpm <= self.max_hr_bpm:
            raise SettingsError(
                f"threshold heart rate {self.threshold_hr_bpm} bpm must lie between rest "
                f"({self.rest_hr_bpm}) and max ({self.max_hr_bpm})")
        if not 0.5 <= self.threshold_speed_mps <= 10.0:
            raise SettingsError(
                f"threshold speed {self.threshold_speed_mps} m/s is not plausible; "
                "give a speed in m/s between 0.5 and 10")

    @property
    def sex_is_unknown(self) -> bool:
        """True when TRIMP uses the mean of the male and female curves."""
        return self.sex is None

    def key(self) -> str:
        """A stable fingerprint of the values (not of ``estimated``), for caches."""
        values = {k: v for k, v in asdict(self).items() if k != "estimated"}
        text = ";".join(f"{k}={values[k]!r}" for k in sorted(values))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


FIELD_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(AthleteSettings) if f.name != "estimated")


def _athlete_keys(sessions: pd.DataFrame) -> pd.Series:
    if C.ATHLETE in sessions.columns:
        return sessions[C.ATHLETE]
    return pd.Series("", index=sessions.index, dtype=object)


def estimate_max_hr(sessions: pd.DataFrame) -> dict[str, float]:
    """Per athlete: 98th percentile of session maximum heart rates (80-250 bpm), when there
    are at least 5 such sessions."""
    if C.MAX_HEART_RATE_BPM not in sessions.columns or sessions.empty:
        return {}
    values = pd.to_numeric(sessions[C.MAX_HEART_RATE_BPM], errors="coerce")
    keep = values.between(80.0, 250.0, inclusive="neither")
    grouped = values[keep].groupby(_athlete_keys(sessions)[keep])
    counts = grouped.count()
    quantile = grouped.quantile(MAX_HR_PERCENTILE / 100.0)
    return {str(k): float(v) for k, v in quantile[counts >= MIN_HR_SESSIONS].items()}


def estimate_threshold_speed(sessions: pd.DataFrame) -> dict[str, float]:
    """Per athlete: threshold speed [m/s] from their runs (athletes without runs are absent).

    The 95th percentile of the average speed of runs lasting 40-75 min (the best "about an
    hour" efforts); with fewer than 3 such runs, 0.95 times the 95th percentile of all run
    average speeds (short runs are faster than an hour's effort). Grade D heuristic.
    """
    needed = {C.SPORT_TYPE, C.DISTANCE_M, C.MOVING_TIME_S}
    if not needed.issubset(sessions.columns) or sessions.empty:
        return {}
    runs = sessions[C.SPORT_TYPE].isin(C.RUNNING_SPORT_TYPES)
    moving = pd.to_numeric(sessions[C.MOVING_TIME_S], errors="coerce")
    speed = pd.to_numeric(sessions[C.DISTANCE_M], errors="coerce") / moving.where(moving > 0)
    plausible = runs & speed.between(1.0, 8.0)
    hour_like = plausible & (moving / 60.0).between(*THRESHOLD_EFFORT_MIN)
    keys = _athlete_keys(sessions)
    result: dict[str, float] = {}
    fallback = speed[plausible].groupby(keys[plausible]).quantile(0.95)
    result.update({str(k): SHORT_RUN_SPEED_FRAC * float(v) for k, v in fallback.items()})
    hour = speed[hour_like].groupby(keys[hour_like])
    best = hour.quantile(THRESHOLD_SPEED_PERCENTILE / 100.0)[hour.count() >= 3]
    result.update({str(k): float(v) for k, v in best.items()})
    return result


def estimate_squad_settings(sessions: pd.DataFrame,
                            given: Mapping[str, Mapping[str, Any]] | None = None,
                            names: Iterable[str] | None = None) -> dict[str, AthleteSettings]:
    """:func:`estimate_athlete_settings` for many athletes at once (one grouped pass).

    Parameters
    ----------
    sessions : DataFrame
        Activities of every athlete (``athlete`` column).
    given : mapping, optional
        Per athlete, the values they entered (``sex`` and the keyword arguments of
        :func:`estimate_athlete_settings`); the rest is estimated or defaulted.
    names : iterable of str, optional
        The athletes to return (default: those of ``sessions``); one without activities gets
        the defaults.

    Raises
    ------
    SettingsError
        For invalid given values; the message names the athlete.
    """
    if names is None:
        names = pd.unique(sessions[C.ATHLETE]) if C.ATHLETE in sessions.columns else []
    some = not sessions.empty and C.ATHLETE in sessions.columns
    max_hr = estimate_max_hr(sessions) if some else {}
    speed = estimate_threshold_speed(sessions) if some else {}
    result: dict[str, AthleteSettings] = {}
    for name in names:
        try:
            result[str(name)] = _settings(max_hr.get(str(name)), speed.get(str(name)),
                                          **(given or {}).get(str(name), {}))
        except SettingsError as exc:
            raise SettingsError(f"athlete {name!r}: {exc}; correct the athlete's settings") \
                from None
    return result


def _settings(max_hr: float | None, speed: float | None, *, sex: str | None = None,
              max_hr_bpm: float | None = None, rest_hr_bpm: float | None = None,
              threshold_hr_bpm: float | None = None,
              threshold_speed_mps: float | None = None) -> AthleteSettings:
    estimated: list[str] = []
    if max_hr_bpm is None:
        estimated.append("max_hr_bpm")
        max_hr_bpm = max_hr or DEFAULT_MAX_HR_BPM
    if rest_hr_bpm is None:
        estimated.append("rest_hr_bpm")
        rest_hr_bpm = DEFAULT_REST_HR_BPM
    if threshold_hr_bpm is None:
        estimated.append("threshold_hr_bpm")
        threshold_hr_bpm = default_threshold_hr(rest_hr_bpm, max_hr_bpm)
    if threshold_speed_mps is None:
        estimated.append("threshold_speed_mps")
        threshold_speed_mps = speed or DEFAULT_THRESHOLD_SPEED_MPS
    if sex is None:
        estimated.append("sex")
    return AthleteSettings(max_hr_bpm=float(max_hr_bpm), rest_hr_bpm=float(rest_hr_bpm),
                           threshold_hr_bpm=float(threshold_hr_bpm),
                           threshold_speed_mps=float(threshold_speed_mps), sex=sex,
                           estimated=tuple(estimated))


def estimate_athlete_settings(sessions: pd.DataFrame, *, sex: str | None = None,
                              max_hr_bpm: float | None = None, rest_hr_bpm: float | None = None,
                              threshold_hr_bpm: float | None = None,
                              threshold_speed_mps: float | None = None) -> AthleteSettings:
    """Athlete settings from given values, else estimated from the athlete's sessions.

    Defaults (documented in docs/metrics.md): maximum heart rate = 98th percentile of session
    maxima (at least 5 sessions), else 190 bpm; resting heart rate 60 bpm unless given;
    threshold heart rate = rest + 0.85 (max - rest) (SCIENCE.md 3.5); threshold speed from
    :func:`estimate_threshold_speed`, else 5:00 min/km; sex unknown unless given.

    Parameters
    ----------
    sessions : DataFrame
        One athlete's activities (columns of ``Store.activities()``); may be empty.
    sex, max_hr_bpm, rest_hr_bpm, threshold_hr_bpm, threshold_speed_mps
        Values the athlete entered; ``None`` means estimate.

    Returns
    -------
    AthleteSettings
        With ``estimated`` naming every value that was not given.
    """
    own = sessions.assign(**{C.ATHLETE: ""}) if not sessions.empty else sessions
    return _settings(estimate_max_hr(own).get(""), estimate_threshold_speed(own).get(""),
                     sex=sex, max_hr_bpm=max_hr_bpm, rest_hr_bpm=rest_hr_bpm,
                     threshold_hr_bpm=threshold_hr_bpm, threshold_speed_mps=threshold_speed_mps)
