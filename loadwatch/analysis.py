"""The one place where the store meets the risk engine.

:func:`analyse` reads activities (and their streams, through a two-level cache of stream
metrics) from a :class:`~etl.store.Store`, then runs the pure functions of ``risk``:
session frame, daily frame, context metrics and flags. The CLI, the dashboard, the reports and
the model all call it instead of joining store and risk themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from etl.errors import AccessDenied, StoreError
from etl.store import Store, metrics_cache
from etl.store.log import LogFrames, log_frames
from etl.store.store import ACTIVITY_COLUMNS
from loadwatch import columns as C
from risk.athlete import FIELD_NAMES, AthleteSettings, estimate_squad_settings
from risk.context import context_metrics
from risk.daily import daily_frame
from risk.flag import flags_frame
from risk.overstride import SESSION_WINDOW_COLUMNS, attach_flat_steady, flat_steady_summary
from risk.session import STREAM_METRICS, summarise_streams
from risk.sessions import session_frame
from risk.symptoms import injury_windows
from risk.triage import ClinicalAssessment, assess, hints_frame, merge_flags

#: Bump when :func:`risk.session.summarise_streams` changes, so cached rows are recomputed.
METRICS_VERSION = "2"
#: Entries of the in-memory stream-metrics cache before it is cleared.
MEMORY_CACHE_LIMIT = 200_000

_MEMORY: dict[tuple[str, int], tuple[str, dict[str, float]]] = {}


class UnknownAthleteError(StoreError):
    """An athlete name the store does not know."""


@dataclass(frozen=True)
class Analysis:
    """Everything the product shows about a set of athletes.

    Attributes
    ----------
    sessions : DataFrame
        :func:`risk.sessions.session_frame` rows (activities within ``since..until``).
    daily : DataFrame
        :func:`risk.daily.daily_frame` with :func:`risk.context.context_metrics` columns
        (days within ``since..until``; computed on the whole history before them).
    flags : DataFrame
        :func:`risk.flag.flags_frame` of the flags within ``since..until``.
    athlete_settings : dict of str to AthleteSettings
        The settings each athlete's loads were computed with.
    load : str
        Load measure of the context metrics.
    """

    sessions: pd.DataFrame
    daily: pd.DataFrame
    flags: pd.DataFrame
    athlete_settings: dict[str, AthleteSettings]
    load: str = "distance_km"
    since: dt.date | None = None
    until: dt.date | None = None
    notes: tuple[str, ...] = field(default=())
    hints: pd.DataFrame = field(default_factory=lambda: hints_frame([]))


def athlete_names(store: Store, athletes: Sequence[str] | None) -> list[str]:
    """The athletes to analyse: the given names (checked) or every athlete the reader may see.

    Raises
    ------
    UnknownAthleteError
        For a name the store does not know (the message lists the known names).
    AccessDenied
        For a known athlete the store's principal may not read.
    """
    known = store.athletes()
    visible = set(known["athlete"].astype(str)) if not known.empty else set()
    if athletes is None:
        return sorted(visible)
    names: list[str] = []
    for name in athletes:
        if name in visible:
            names.append(name)
            continue
        try:
            athlete_id = store.athlete_id(name, create=False)
        except StoreError:
            choices = ", ".join(sorted(visible)) or "none yet"
            raise UnknownAthleteError(
                f"no athlete called {name!r} in {store.url} (known: {choices}); "
                "import data with `loadwatch import PATH --athlete NAME`") from None
        if not store.authorize([athlete_id], "activities"):
            raise AccessDenied(f"you may not read the data of athlete {name!r}; ask them to "
                               "grant you access")
        names.append(name)
    return names


def settings_for_athletes(store: Store, activities: pd.DataFrame,
                          names: Sequence[str]) -> dict[str, AthleteSettings]:
    """Athlete settings from the stored sex and overrides, the rest estimated from activities.

    The ``settings`` JSON of an athlete may hold any of ``max_hr_bpm``, ``rest_hr_bpm``,
    ``threshold_hr_bpm``, ``threshold_speed_mps``; other keys belong to other modules.
    """
    rows = store.athletes()
    info = {str(r["athlete"]): r for r in rows.to_dict(orient="records")}
    given: dict[str, dict[str, Any]] = {}
    for name in names:
        row = info.get(name, {})
        stored: Mapping[str, Any] = row.get("settings") or {}
        given[name] = {k: float(stored[k]) for k in FIELD_NAMES
                       if k != "sex" and stored.get(k) is not None}
        given[name]["sex"] = row.get("sex") if row.get("sex") in ("M", "F") else None
    return estimate_squad_settings(activities, given, names)


def _cache_key(settings: AthleteSettings, version: str) -> str:
    text = f"{METRICS_VERSION}|{settings.key()}|{version}"
    return hashlib.sha256(text.encode()).hexdigest()


def stream_metrics_frame(store: Store, activities: pd.DataFrame,
                         settings: Mapping[str, AthleteSettings]) -> pd.DataFrame:
    """Stream metrics of every activity with streams, from memory, the cache table or fresh.

    Returns a frame indexed by ``activity_id`` with the columns of
    :data:`risk.session.STREAM_METRICS`.
    """
    if activities.empty:
        return pd.DataFrame(columns=list(STREAM_METRICS), dtype=float)
    with_streams = activities[activities[C.HAS_STREAMS].astype(bool)]
    owner = dict(zip(with_streams[C.ACTIVITY_ID].astype(int),
                     with_streams[C.ATHLETE].astype(str), strict=True))
    versions = metrics_cache.activity_versions(store, owner)
    wanted = {i: _cache_key(settings[owner[i]], v) for i, v in versions.items()}
    found: dict[int, dict[str, float]] = {}
    for activity_id, key in wanted.items():
        hit = _MEMORY.get((store.url, activity_id))
        if hit is not None and hit[0] == key:
            found[activity_id] = hit[1]
    misses = {i: k for i, k in wanted.items() if i not in found}
    if misses:
        stored = metrics_cache.get_metrics(store, misses)
        found.update(stored)
        fresh: dict[int, tuple[str, dict[str, float]]] = {}
        for activity_id, key in misses.items():
            if activity_id in stored:
                continue
            streams = store.streams(activity_id)
            metrics = {**summarise_streams(streams, settings[owner[activity_id]]),
                       **flat_steady_summary(streams)}
            found[activity_id] = metrics
            fresh[activity_id] = (key, metrics)
        if fresh:
            metrics_cache.put_metrics(store, fresh)
    if len(_MEMORY) + len(found) > MEMORY_CACHE_LIMIT:
        _MEMORY.clear()
    for activity_id, metrics in found.items():
        _MEMORY[(store.url, activity_id)] = (wanted[activity_id], metrics)
    frame = pd.DataFrame.from_dict(found, orient="index",
                                   columns=[*STREAM_METRICS, *SESSION_WINDOW_COLUMNS],
                                   dtype=float)
    frame.index.name = C.ACTIVITY_ID
    return frame


def risk_overrides(store: Store, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Threshold overrides kept in each athlete's settings under ``"risk"``.

    ``{setting: value}`` or ``{setting: {"value": v, "by": who, "reason": why}}`` per athlete
    (see :mod:`risk.settings`); the flags list every override that shaped them.
    """
    rows = store.athletes()
    found: dict[str, dict[str, Any]] = {}
    for row in rows.to_dict(orient="records"):
        stored = row.get("settings") or {}
        if str(row["athlete"]) in names and isinstance(stored, Mapping) and stored.get("risk"):
            found[str(row["athlete"])] = dict(stored["risk"])
    return found


def _compute_flags(sessions: pd.DataFrame, daily: pd.DataFrame, settings: Any,
                   athlete_settings: dict[str, AthleteSettings],
                   injuries: pd.DataFrame | None = None,
                   overrides: dict[str, dict[str, Any]] | None = None) -> pd.DataFrame:
    """Flags from :mod:`risk.flags` when that module is present, else an empty flags frame."""
    try:
        from risk.flags import compute_flags
        from risk.settings import RiskSettings
    except ModuleNotFoundError as exc:
        if exc.name not in ("risk.flags", "risk.settings"):
            raise
        return flags_frame([])
    chosen = settings if settings is not None else RiskSettings()
    return flags_frame(compute_flags(sessions, daily, chosen, athlete_settings, overrides,
                                     injuries=injuries))


def _clinical(log: LogFrames, sessions: pd.DataFrame,
              load_flags: pd.DataFrame) -> ClinicalAssessment:
    """Symptom, wellness and triage rules (:func:`risk.triage.assess`) on the stored log."""
    return assess(log.symptoms, log.wellness, log.visa_h, sessions=sessions,
                  load_flags=load_flags)


def _within(frame: pd.DataFrame, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    if frame.empty or (since is None and until is None):
        return frame.reset_index(drop=True)
    days = pd.to_datetime(frame[C.LOCAL_DATE])
    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= days >= pd.Timestamp(since)
    if until is not None:
        keep &= days <= pd.Timestamp(until)
    return frame[keep].reset_index(drop=True)


def analyse(store: Store, athletes: Sequence[str] | None = None, *,
            since: dt.date | None = None, until: dt.date | None = None,
            load: str = "distance_km", settings: Any = None,
            missing_days: pd.DataFrame | None = None, with_flags: bool = True) -> Analysis:
    """Sessions, daily context metrics and flags for ``athletes`` (default: all readable).

    Parameters
    ----------
    store : Store
        Where the activities live; every read passes its access rules.
    athletes : sequence of str, optional
        Athlete names; ``None`` for every athlete the reader may see.
    since, until : date, optional
        Days to return. Metrics are always computed on the whole history up to ``until``
        (windows and exponential averages need it); ``until`` also extends each athlete's
        daily series with rest days up to that date. Without ``until`` each series ends on the
        athlete's last activity.
    load : str, default "distance_km"
        Load measure of the context metrics (see :data:`risk.context.LOAD_MEASURES`).
    settings : RiskSettings, optional
        Thresholds for the context metrics and the flags (defaults of SCIENCE.md section 9).
    missing_days : DataFrame, optional
        ``athlete``, ``local_date`` of days trained but not recorded.
    with_flags : bool, default True
        False skips the flag rules and the symptom log (``flags`` and ``hints`` come back
        empty): for callers that only need the metrics, such as ``loadwatch risk``.

    Returns
    -------
    Analysis

    Raises
    ------
    StoreError, AccessDenied
        For an unknown athlete or one the reader may not see.
    SettingsError
        For an unknown load measure or invalid athlete settings.
    """
    names = athlete_names(store, athletes)
    if athletes is None:  # every readable athlete: one query, grouped by athlete as below
        activities = store.activities(until=until).sort_values(
            C.ATHLETE, kind="stable", ignore_index=True)
    else:
        frames = [f for f in (store.activities(name, until=until) for name in names)
                  if not f.empty]
        activities = (pd.concat(frames, ignore_index=True) if frames
                      else pd.DataFrame(columns=list(ACTIVITY_COLUMNS)))
    athlete_settings = settings_for_athletes(store, activities, names)
    metrics = stream_metrics_frame(store, activities, athlete_settings)
    sessions = session_frame(attach_flat_steady(activities, metrics), metrics, athlete_settings)
    daily = context_metrics(daily_frame(sessions, until=until, missing_days=missing_days),
                            load=load, settings=settings)
    if not with_flags:
        return Analysis(sessions=_within(sessions, since, until),
                        daily=_within(daily, since, until), flags=flags_frame([]),
                        athlete_settings=athlete_settings, load=load, since=since, until=until)
    log = log_frames(store, list(names), until=until)
    flags = _compute_flags(sessions, daily, settings, athlete_settings,
                           injuries=injury_windows(log.injuries),
                           overrides=risk_overrides(store, names))
    clinical = _clinical(log, sessions, flags)
    flags = merge_flags(flags, clinical.flags)
    return Analysis(
        sessions=_within(sessions, since, until),
        daily=_within(daily, since, until),
        flags=_within(flags, since, until),
        athlete_settings=athlete_settings,
        load=load, since=since, until=until,
        hints=_within(clinical.hints, since, until),
    )
