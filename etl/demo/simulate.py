"""A seeded simulator of a running squad, the data behind ``loadwatch demo`` and the benchmarks.

:func:`simulate_squad` plans every runner (:mod:`etl.demo.plan`), plants their role's patterns
(:mod:`etl.demo.planting`), summarises every session in closed form (:mod:`etl.demo.sessions`)
and keeps the ground truth (:class:`~etl.demo.profiles.SimulatedAthlete`). Activities come out
as :class:`~etl.records.ParsedActivity` with streams (:meth:`Squad.iter_activities`) for the
store, or all at once as a frame shaped like ``Store.activities()`` plus the stream-derived
columns (:func:`activities_frame`) for the risk engine. Everything is labelled synthetic.

The same configuration always gives the same squad; the first ``n`` runners of a larger squad
are the runners of a squad of ``n``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from etl.demo import sessions as S
from etl.demo import vocabulary as V
from etl.demo.plan import Session, draw_habits, keep_gentle, plan_base
from etl.demo.planting import PLANTERS
from etl.demo.profiles import (
    LEVEL_SPECS,
    SYNTHETIC_LABEL,
    TIMEZONES,
    SimulatedAthlete,
    athlete_name,
    make_athlete,
)
from etl.demo.streams import session_streams
from etl.errors import ConfigurationError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store.store import ACTIVITY_COLUMNS
from loadwatch import columns as C

DEVICE = "loadwatch simulator"
SOURCE = "file"
DAYS_PER_YEAR = 365.25
#: Runners planned one by one; further runners replay these plans at their own pace
#: (:func:`_variant`), which keeps squads of thousands fast to simulate.
PLANNED_RUNNERS = 48


@dataclass(frozen=True, kw_only=True)
class SquadConfig:
    """What to simulate.

    Parameters
    ----------
    end_date
        Last simulated day (the CLI uses yesterday); the history ends here.
    athletes
        Number of runners.
    years
        Length of the history [years of 365.25 days].
    seed
        Seed of every random draw.
    stream_interval_s
        Sampling interval of the streams [s]: 1 or 5.
    with_streams
        Build sample streams (False: summaries only, much faster).
    """

    end_date: dt.date
    athletes: int = 24
    years: float = 2.0
    seed: int = 7
    stream_interval_s: float = 5.0
    with_streams: bool = True

    def __post_init__(self) -> None:
        if self.athletes < 1:
            raise ConfigurationError(f"a squad needs at least 1 athlete, not {self.athletes}")
        if self.days < 28:
            raise ConfigurationError(
                f"{self.years} years is {self.days} days; simulate at least 28 days")
        if self.stream_interval_s not in (1.0, 5.0):
            raise ConfigurationError(
                f"stream interval {self.stream_interval_s} s is not supported; use 1 or 5")

    @property
    def days(self) -> int:
        return round(self.years * DAYS_PER_YEAR)

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.days - 1)


@dataclass(frozen=True)
class Squad:
    """A simulated squad: runners, every session (recorded or not) and their summaries.

    ``params`` and ``summary`` hold one element per session, ordered by UTC start time;
    ``recorded`` sessions are the data, the others are ground truth only (watch not worn).
    """

    config: SquadConfig
    athletes: list[SimulatedAthlete]
    params: S.SessionParams
    summary: S.Summary
    start_time_utc: pd.DatetimeIndex
    start_time_local: pd.DatetimeIndex
    source_ids: np.ndarray
    _by_name: dict[str, SimulatedAthlete] = field(default_factory=dict, repr=False)

    def athlete(self, name: str) -> SimulatedAthlete:
        """The runner called ``name``."""
        return self._by_name[name]

    @property
    def recorded(self) -> np.ndarray:
        return self.params.recorded

    def iter_activities(self, athlete: str | None = None
                        ) -> Iterator[tuple[str, ParsedActivity]]:
        """Yield ``(athlete name, ParsedActivity)`` for every recorded session, in time order.

        Streams are built on the fly when ``config.with_streams``.
        """
        wanted = None if athlete is None else self.athlete(athlete).index
        for i in np.flatnonzero(self.params.recorded):
            if wanted is not None and self.params.athlete[i] != wanted:
                continue
            yield self.athletes[int(self.params.athlete[i])].name, self.activity(int(i))

    def activity(self, i: int) -> ParsedActivity:
        """Session ``i`` as a record with (optionally) its streams."""
        p, s = self.params, self.summary
        runner = self.athletes[int(p.athlete[i])]
        sport = int(p.sport[i])

        def value(array: np.ndarray) -> float | None:
            number = float(array[i])
            return None if np.isnan(number) else number

        record = ActivityRecord(
            source=SOURCE, source_id=str(self.source_ids[i]), sport_type=S.SPORTS[sport],
            start_time_utc=self.start_time_utc[i].to_pydatetime(),
            start_time_local=self.start_time_local[i].to_pydatetime(),
            timezone=runner.timezone, distance_m=value(s.distance_m),
            moving_time_s=float(s.moving_time_s[i]), elapsed_time_s=float(s.elapsed_time_s[i]),
            elevation_gain_m=value(s.up_vert_m), avg_heart_rate_bpm=value(s.avg_heart_rate_bpm),
            max_heart_rate_bpm=value(s.max_heart_rate_bpm),
            avg_cadence_spm=value(s.avg_cadence_spm), perceived_exertion=value(p.rpe),
            name=f"{S.TITLES[int(p.kind[i])]} ({SYNTHETIC_LABEL})", device=DEVICE,
            extra={"synthetic": True},
        )
        if not self.config.with_streams or sport == S.WEIGHTS:
            return ParsedActivity(record, empty_streams())
        rng = np.random.default_rng([self.config.seed, int(p.athlete[i]), int(p.day[i]), i])
        streams = session_streams(p, i, s, self.config.stream_interval_s, rng)
        return ParsedActivity(record, streams)

    def sessions_frame(self, *, recorded_only: bool = False) -> pd.DataFrame:
        """Ground truth per session: athlete, local_date, kind, sport_type, recorded, summary."""
        p = self.params
        frame = pd.DataFrame({
            C.ATHLETE: [self.athletes[a].name for a in p.athlete],
            C.LOCAL_DATE: [d.date() for d in self.start_time_local],
            "session_kind": [S.KINDS[k] for k in p.kind],
            C.SPORT_TYPE: [S.SPORTS[k] for k in p.sport],
            "is_recorded": p.recorded,
            C.DISTANCE_M: self.summary.distance_m,
            C.MOVING_TIME_S: self.summary.moving_time_s,
            V.TIME_ABOVE_THRESHOLD_S: self.summary.time_above_threshold_s,
            V.UP_VERT_M: self.summary.up_vert_m,
        })
        return frame[frame["is_recorded"]].reset_index(drop=True) if recorded_only else frame

    def unrecorded(self) -> pd.DataFrame:
        """Sessions that happened but are absent from the data (the watch was not worn)."""
        frame = self.sessions_frame()
        return frame[~frame["is_recorded"]].reset_index(drop=True)


def _simulate_athlete(index: int, config: SquadConfig
                      ) -> tuple[SimulatedAthlete, list[Session]]:
    rng = np.random.default_rng([config.seed, index])
    athlete = make_athlete(index, rng)
    habits = draw_habits(athlete, rng)
    days, start = config.days, config.start_date
    sessions, events, race_days = plan_base(athlete, days, start, habits, rng)
    fallback = LEVEL_SPECS[athlete.profile].longest_run_km * 600.0
    keep_gentle(sessions, days, athlete, race_days, start, events, fallback)
    planter = PLANTERS.get(athlete.role)
    if planter is not None:
        events.extend(planter(athlete, sessions, days, start, habits, rng))
    sessions = [s for s in sessions if 0 <= s.day < days and s.easy_s + s.n_reps > 0]
    sessions.sort(key=lambda s: (s.day, s.start_s))
    _space_out(sessions)
    raced = {s.day for s in sessions if s.kind == S.RACE and s.recorded}
    events = [e for e in events if e.kind != "race" or (e.start - start).days in raced]
    events.sort(key=lambda e: (e.start, e.kind, e.end))
    return replace(athlete, events=tuple(events)), sessions


def _space_out(sessions: list[Session]) -> None:
    """Start a session no earlier than 30 min after the previous one of the day ended."""
    previous_day, free_at = -1, 0.0
    for session in sessions:
        if session.day != previous_day:
            previous_day, free_at = session.day, 0.0
        if session.start_s < free_at:
            session.start_s = int(np.ceil(free_at / 60.0)) * 60
        moving = session.easy_s + session.n_reps * (session.rep_s + session.rec_s)
        free_at = session.start_s + moving + session.n_pause * session.pause_s + 1800.0


def _to_params(athlete: SimulatedAthlete, sessions: list[Session]) -> S.SessionParams:
    names = S.SessionParams.field_names()
    own = {"athlete", "threshold", "max_hr", "rest_hr", "cad_base", "cad_slope"}
    columns = {name: [getattr(s, name) for s in sessions] for name in names if name not in own}
    count = len(sessions)
    return S.SessionParams(
        athlete=np.full(count, athlete.index, dtype=np.int64),
        threshold=np.full(count, athlete.threshold_speed_mps),
        max_hr=np.full(count, athlete.max_hr), rest_hr=np.full(count, athlete.rest_hr),
        cad_base=np.full(count, athlete.cadence_base_spm),
        cad_slope=np.full(count, athlete.cadence_slope_spm_per_mps),
        **{name: np.asarray(values, dtype=_dtype(name)) for name, values in columns.items()},
    )


def _dtype(name: str) -> str:
    if name in ("day", "start_s", "sport", "kind", "n_reps", "n_pause"):
        return "int64"
    if name in ("recorded", "has_hr"):
        return "bool"
    return "float64"


def _local_times(config: SquadConfig, athletes: list[SimulatedAthlete],
                 p: S.SessionParams) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    start = np.datetime64(config.start_date, "s")
    local = (start + p.day.astype("timedelta64[D]") + p.start_s.astype("timedelta64[s]"))
    local_index = pd.DatetimeIndex(local.astype("datetime64[ns]"))
    utc = np.empty(len(local), dtype="datetime64[ns]")
    zones = np.array([a.timezone for a in athletes])[p.athlete] if len(local) else np.array([])
    for zone in sorted(set(zones.tolist())):
        mask = zones == zone
        aware = local_index[mask].tz_localize(zone, ambiguous="NaT",
                                              nonexistent="shift_forward")
        utc[mask] = aware.tz_convert("UTC").tz_localize(None).to_numpy()
    return pd.DatetimeIndex(utc).tz_localize("UTC"), local_index


def _variant(base: SimulatedAthlete, params: S.SessionParams, index: int,
             config: SquadConfig) -> tuple[SimulatedAthlete, S.SessionParams]:
    """Runner ``index`` of a large squad: the plan of runner ``base`` at its own pace.

    Every speed (and the threshold speed) is scaled by one factor in 0.9-1.0, so distances
    and vertical shrink with it while durations, ratios and planted patterns stay: a clean
    plan stays clean (the rules' absolute minimums are only harder to reach), a planted one
    keeps its pattern. Heart rates, cadence and timezone are the runner's own.
    """
    rng = np.random.default_rng([config.seed, index, 1])
    factor = float(rng.uniform(0.9, 1.0))
    max_hr = float(round(base.max_hr + rng.normal(0, 4)))
    rest_hr = float(round(min(base.rest_hr + rng.normal(0, 3), max_hr - 90)))
    cadence = round(base.cadence_base_spm + float(rng.normal(0, 3)), 1)
    athlete = replace(base, name=athlete_name(index, base.profile), index=index, story="",
                      threshold_speed_mps=round(base.threshold_speed_mps * factor, 3),
                      max_hr=max_hr, rest_hr=rest_hr, cadence_base_spm=cadence,
                      timezone=TIMEZONES[index % len(TIMEZONES)])
    own = params.take(np.arange(len(params)))
    count = len(own)
    own.athlete = np.full(count, index, dtype=np.int64)
    for name in ("v_easy", "v_rep", "v_rec"):
        setattr(own, name, getattr(own, name) * factor)
    running = own.sport <= S.VIRTUAL_RUN
    own.v_easy = np.where(running, own.v_easy, params.v_easy)
    own.threshold = np.full(count, athlete.threshold_speed_mps)
    own.max_hr, own.rest_hr = np.full(count, max_hr), np.full(count, rest_hr)
    own.cad_base = np.full(count, cadence)
    return athlete, own


def simulate_squad(config: SquadConfig) -> Squad:
    """Simulate the squad described by ``config`` (deterministic for a given config)."""
    athletes: list[SimulatedAthlete] = []
    parts: list[S.SessionParams] = []
    for index in range(config.athletes):
        if index < PLANNED_RUNNERS:
            athlete, sessions = _simulate_athlete(index, config)
            athletes.append(athlete)
            parts.append(_to_params(athlete, sessions))
        else:
            base = index % PLANNED_RUNNERS
            athlete, own = _variant(athletes[base], parts[base], index, config)
            athletes.append(athlete)
            parts.append(own)
    params = S.SessionParams.concat(parts)
    utc, local = _local_times(config, athletes, params)
    order = np.lexsort((params.start_s, params.athlete, utc.asi8))
    params = params.take(order)
    utc, local = utc[order], local[order]
    within_day = pd.Series(np.ones(len(order), dtype=int)).groupby(
        [params.athlete, params.day]).cumsum().to_numpy()
    source_ids = (f"sim{config.seed}-" + pd.Series(params.athlete).astype(str).str.zfill(4)
                  + "-" + pd.Series(params.day).astype(str).str.zfill(5) + "-"
                  + pd.Series(within_day).astype(str)).to_numpy(dtype=object)
    return Squad(config=config, athletes=athletes, params=params,
                 summary=S.summarise(params), start_time_utc=utc, start_time_local=local,
                 source_ids=source_ids, _by_name={a.name: a for a in athletes})


def activities_frame(squad: Squad) -> pd.DataFrame:
    """The recorded sessions as a frame shaped like ``Store.activities()``.

    Besides :data:`etl.store.store.ACTIVITY_COLUMNS` it carries the per-session values the
    risk engine would otherwise take from streams (:data:`etl.demo.vocabulary.STREAM_DERIVED`),
    so the engine can run on thousands of runners without streams. ``activity_id`` numbers
    the rows from 1 in time order (what a fresh store would assign).
    """
    p, s = squad.params, squad.summary
    keep = np.flatnonzero(p.recorded)
    sport = p.sport[keep]
    names = np.array([a.name for a in squad.athletes], dtype=object)
    zones = np.array([a.timezone for a in squad.athletes], dtype=object)
    titles = np.array([f"{S.TITLES[k]} ({SYNTHETIC_LABEL})" for k in range(len(S.KINDS))],
                      dtype=object)
    moving = s.moving_time_s[keep]
    distance = s.distance_m[keep]
    local = squad.start_time_local[keep]
    frame = pd.DataFrame({
        C.ACTIVITY_ID: np.arange(1, len(keep) + 1, dtype=np.int64),
        C.ATHLETE: names[p.athlete[keep]],
        C.SOURCE: SOURCE,
        C.SOURCE_ID: squad.source_ids[keep],
        C.NAME: titles[p.kind[keep]],
        C.SPORT_TYPE: np.array(S.SPORTS, dtype=object)[sport],
        C.START_TIME_UTC: squad.start_time_utc[keep],
        C.START_TIME_LOCAL: local,
        C.TIMEZONE: zones[p.athlete[keep]],
        C.LOCAL_DATE: local.normalize().date,
        C.DISTANCE_M: distance,
        C.MOVING_TIME_S: moving,
        C.ELAPSED_TIME_S: s.elapsed_time_s[keep],
        C.ELEVATION_GAIN_M: s.up_vert_m[keep],
        C.AVG_SPEED_MPS: distance / np.where(moving > 0, moving, np.nan),
        C.AVG_HEART_RATE_BPM: s.avg_heart_rate_bpm[keep],
        C.MAX_HEART_RATE_BPM: s.max_heart_rate_bpm[keep],
        C.AVG_CADENCE_SPM: s.avg_cadence_spm[keep],
        C.PERCEIVED_EXERTION: p.rpe[keep],
        C.RELATIVE_EFFORT: np.nan,
        C.DEVICE: DEVICE,
        C.FILE_NAME: None,
        C.IS_MANUAL: False,
        C.HAS_STREAMS: squad.config.with_streams & (sport != S.WEIGHTS),
    })
    frame = frame[list(ACTIVITY_COLUMNS)]
    for name in V.STREAM_DERIVED:
        frame[name] = getattr(s, name)[keep]
    return frame
