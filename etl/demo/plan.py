"""Planning one runner's two (or more) years: weeks, sessions, races, tapers, illness.

The plan is built in four steps:

1. a weekly volume that progresses with cut-back weeks, races with tapers and recovery weeks;
2. sessions from a weekly template (easy runs, a long run, workouts), plus cross-training,
   short illness breaks, days the watch was not worn, pauses, missing heart-rate straps, RPE;
3. :func:`keep_gentle`, a forward pass over the *recorded* runs that caps every run at
   1.08 x the longest run of the previous 30 days, every 7-day distance at 1.18 x the 7 days
   before, the 7-day time above threshold at 1.25 x and the 7-day uphill vertical at 1.25 x
   (or +140 m) the weekly mean of the 21 days before, and keeps each run below 95 m of
   ascent, so the base plan trips none of the spike rules (SCIENCE.md 2.1, 2.2, 4.2, 5.1);
4. the role's planted pattern (:mod:`etl.demo.planting`) on top of that base.

References
----------
Frandsen JSB et al. Br J Sports Med 2025;59(17):1203-1210. doi:10.1136/bjsports-2024-109380
(30-day longest run). Nielsen RO et al. J Orthop Sports Phys Ther 2014;44(10):739-747.
doi:10.2519/jospt.2014.5164 (7-day change). Foster C. Med Sci Sports Exerc
1998;30(7):1164-1168. doi:10.1097/00005768-199807000-00023 (monotony).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from etl.demo import sessions as S
from etl.demo.profiles import LEVEL_SPECS, Event, SimulatedAthlete

#: Caps of the forward pass (strictly inside the published thresholds).
SESSION_CAP = 1.08          # vs 1.10 x longest run of the previous 30 days (Frandsen 2025)
WEEK_CAP = 1.18             # vs 1.30 x the previous 7 days (Nielsen 2014); clean: < 20 %
BASELINE_CAP = 1.25         # vs 1.30 x the weekly mean of the 21 days before (hills, speed)
HILL_DELTA_CAP_M = 140.0    # vs a 150 m minimum increase for the weekly hill rule
SESSION_UP_CAP_M = 95.0     # vs the 100 m minimum of the session hill rule
CLEAN_RACE_SPEED = 0.98     # clean runners race no faster than this x threshold speed
MIN_EASY_S = 900.0
MIN_CLIMB_M = 6.0           # rolling climbs well above the 2 m hysteresis of risk.session
MIN_WARMUP_S = 600.0

#: Share of the week's distance in the long run, by runs per week.
LONG_SHARE: dict[int, float] = {3: 0.42, 4: 0.34, 5: 0.3, 6: 0.28}
#: Shortest run the forward pass keeps; a shorter cap drops the run from the plan [m].
MIN_RUN_M = 2000.0
#: Relative size of the easy runs of a week, in weekday order (keeps Foster monotony low).
EASY_WEIGHTS: tuple[float, ...] = (0.65, 1.3, 1.0)
#: Foster monotony (mean / SD of 7 daily distances, SD with ddof 0) the pass stays under.
MONOTONY_CAP = 1.85
#: Easy runs stay below this multiple of the median stress of earlier runs (hard: 1.5).
EASY_STRESS_CAP = 1.35
HARD_MIN_PRIOR = 5
#: Passes of :func:`keep_gentle` at most (it stops as soon as one changes nothing).
MAX_PASSES = 6

TEMPLATES: dict[tuple[int, int], dict[int, str]] = {
    (3, 0): {1: "E", 3: "E", 6: "L"},
    (4, 1): {1: "W1", 3: "E", 4: "E", 6: "L"},
    (5, 2): {0: "E", 1: "W1", 3: "W2", 4: "E", 6: "L"},
    (6, 2): {0: "E", 1: "W1", 2: "E", 3: "W2", 4: "E", 6: "L"},
}


def round5(seconds: float) -> float:
    """Round a duration to a multiple of 5 s (the coarsest stream interval)."""
    return float(5.0 * round(seconds / 5.0))


def floor5(seconds: float) -> float:
    return float(5.0 * math.floor(seconds / 5.0 + 1e-9))


@dataclass(slots=True)
class Session:
    """One planned session (mutable while planning; frozen into arrays afterwards)."""

    day: int
    kind: int
    sport: int = S.RUN
    start_s: int = 7 * 3600
    easy_s: float = 0.0
    warm_frac: float = 0.6
    v_easy: float = 0.0
    roll_g: float = 0.0
    roll_p: float = 1000.0
    n_reps: int = 0
    rep_s: float = 0.0
    v_rep: float = 0.0
    rep_g: float = 0.0
    rec_s: float = 0.0
    v_rec: float = 0.0
    n_pause: int = 0
    pause_s: float = 0.0
    cad_factor: float = 1.0
    rpe: float = float("nan")
    recorded: bool = True
    has_hr: bool = True

    @property
    def is_run(self) -> bool:
        return self.sport <= S.VIRTUAL_RUN

    @property
    def distance_m(self) -> float:
        return (self.easy_s * self.v_easy
                + self.n_reps * (self.rep_s * self.v_rep + self.rec_s * self.v_rec))

    def time_above(self, threshold: float) -> float:
        return self.n_reps * (self.rep_s * (self.v_rep > threshold)
                              + self.rec_s * (self.v_rec > threshold))

    @property
    def up_m(self) -> float:
        easy_d = self.easy_s * self.v_easy
        period = self.roll_p
        full = math.floor(easy_d / period)
        rest = easy_d - full * period
        roll = self.roll_g * (full * period / 2 + min(rest, period / 2))
        return roll + self.rep_g * self.n_reps * self.rep_s * self.v_rep

    def stress(self, threshold: float) -> float:
        """rTSS-like stress: 100 x hours x (fourth-power mean speed / threshold)^2."""
        moving = self.easy_s + self.n_reps * (self.rep_s + self.rec_s)
        if moving <= 0:
            return 0.0
        fourth = (self.easy_s * self.v_easy**4 + self.n_reps * (
            self.rep_s * self.v_rep**4 + self.rec_s * self.v_rec**4)) / moving
        return 100.0 * moving / 3600.0 * (fourth**0.25 / threshold) ** 2

    def scale_grades(self, factor: float) -> None:
        """Flatten the route by ``factor``, keeping rolling climbs above the 2 m hysteresis."""
        self.roll_g *= factor
        self.rep_g *= factor
        if self.roll_g > 0:
            self.roll_p = max(self.roll_p, 2 * MIN_CLIMB_M / self.roll_g)

    def set_easy_distance(self, distance_m: float, minimum_s: float = MIN_EASY_S) -> None:
        """Make this a steady run of (at most) ``distance_m`` at its easy speed."""
        self.easy_s = max(floor5(distance_m / self.v_easy), min(minimum_s, 300.0))
        if self.easy_s * self.v_easy > distance_m:
            self.easy_s = max(floor5(distance_m / self.v_easy), 5.0)

    def shrink_to(self, distance_m: float) -> None:
        """Shorten the session to at most ``distance_m`` (easy part first, then repetitions)."""
        if self.distance_m <= distance_m:
            return
        main = self.n_reps * (self.rep_s * self.v_rep + self.rec_s * self.v_rec)
        if self.n_reps and main + MIN_WARMUP_S * self.v_easy <= distance_m:
            self.easy_s = floor5((distance_m - main) / self.v_easy)
            return
        if self.n_reps:
            per_rep = self.rep_s * self.v_rep + self.rec_s * self.v_rec
            self.easy_s = min(self.easy_s, MIN_WARMUP_S)
            room = distance_m - self.easy_s * self.v_easy
            self.n_reps = max(int(room // per_rep), 0)
            if self.n_reps == 0:
                self.kind = S.EASY
                self.set_easy_distance(distance_m)
            return
        self.set_easy_distance(distance_m)


@dataclass(frozen=True)
class Habits:
    """Per-runner constants drawn once."""

    v_easy: float
    roll_g: float
    roll_p: float
    workout_tat_s: float
    p_rpe: float
    p_no_hr: float
    p_unrecorded: float
    p_ride: float
    p_weights: float
    p_walk: float


def draw_habits(athlete: SimulatedAthlete, rng: np.random.Generator) -> Habits:
    spec = LEVEL_SPECS[athlete.profile]
    roll_g = float(rng.uniform(0.004, 0.012))
    per_workout = spec.weekly_threshold_s / max(spec.workouts_per_week, 1)
    return Habits(
        v_easy=athlete.threshold_speed_mps * float(rng.uniform(0.74, 0.80)),
        roll_g=roll_g, roll_p=max(2 * MIN_CLIMB_M / roll_g, 600.0),
        workout_tat_s=round5(per_workout * float(rng.uniform(0.9, 1.1))),
        p_rpe=float(rng.choice([0.0, 0.3, 0.8])), p_no_hr=float(rng.choice([0.0, 0.0, 0.05, 0.3])),
        p_unrecorded=0.0 if athlete.is_clean else float(rng.choice([0.01, 0.02, 0.04])),
        p_ride=float(rng.choice([0.0, 0.3, 0.6])), p_weights=float(rng.choice([0.0, 0.4])),
        p_walk=float(rng.choice([0.0, 0.3])),
    )


def weekly_volume(athlete: SimulatedAthlete, weeks: int, rng: np.random.Generator,
                  race_weeks: list[int]) -> np.ndarray:
    """Planned running km per week: progression, cut-backs, tapers and post-race weeks."""
    spec = LEVEL_SPECS[athlete.profile]
    volume = np.empty(weeks)
    current = spec.weekly_km_start * float(rng.uniform(0.9, 1.1))
    peak = spec.weekly_km_peak * float(rng.uniform(0.9, 1.1))
    for week in range(weeks):
        if week % 4 == 3:
            volume[week] = current * 0.9
            continue
        current = min(peak, current * (1 + float(rng.uniform(0.02, 0.04))))
        volume[week] = current * float(rng.uniform(0.97, 1.0))
    for week in race_weeks:
        _ramp(volume, week - 1, (0.8, 0.3, 0.7, 0.82, 0.95))
    return volume


def _ramp(volume: np.ndarray, first_week: int, factors: tuple[float, ...]) -> None:
    """Multiply the weeks from ``first_week`` on by ``factors`` (a dip and a gradual return)."""
    for offset, factor in enumerate(factors):
        if 0 <= first_week + offset < len(volume):
            volume[first_week + offset] *= factor


def _rpe(kind: int, rng: np.random.Generator) -> float:
    low, high = {S.EASY: (2, 3), S.LONG: (4, 5), S.TEMPO: (6, 6), S.INTERVALS: (7, 8),
                 S.HILLS: (7, 8), S.RACE: (8, 9), S.RECOVERY: (1, 2), S.TRAIL: (5, 6),
                 S.RIDE_KIND: (3, 4), S.WALK_KIND: (1, 1), S.WEIGHTS_KIND: (4, 5)}[kind]
    return float(rng.integers(low, high + 1))


def make_workout(day: int, kind: int, athlete: SimulatedAthlete, habits: Habits,
                 tat_s: float, rng: np.random.Generator) -> Session:
    """A tempo or interval session with ``tat_s`` seconds above threshold speed."""
    thr = athlete.threshold_speed_mps
    session = Session(day=day, kind=kind, v_easy=habits.v_easy, roll_g=habits.roll_g,
                      roll_p=habits.roll_p, warm_frac=0.65)
    if kind == S.TEMPO:
        session.n_reps, session.rep_s = 2, max(round5(tat_s / 2), 60.0)
        session.v_rep, session.rec_s, session.v_rec = thr * 1.04, 120.0, thr * 0.6
    else:
        rep = float(rng.choice([180.0, 240.0, 300.0]))
        session.n_reps = max(round(tat_s / rep), 2)
        session.rep_s = round5(tat_s / session.n_reps)
        session.v_rep = thr * float(rng.uniform(1.08, 1.12))
        session.rec_s, session.v_rec = round5(session.rep_s * 0.6), thr * 0.55
    session.easy_s = 1500.0
    return session


def make_hills(day: int, athlete: SimulatedAthlete, habits: Habits, grade: float,
               reps: int) -> Session:
    """Uphill repetitions of 75 s at ``grade``, jogging back down the same way."""
    thr = athlete.threshold_speed_mps
    v_up = round(thr * 0.95 / (1 + 4.0 * grade), 3)
    v_down = round(thr * 0.6, 3)
    session = Session(day=day, kind=S.HILLS, v_easy=habits.v_easy, roll_g=habits.roll_g,
                      roll_p=habits.roll_p, warm_frac=0.6, n_reps=reps, rep_s=75.0, v_rep=v_up,
                      rep_g=grade, v_rec=v_down)
    session.rec_s = round5(75.0 * v_up / v_down)
    session.easy_s = 1500.0
    return session


def race_speed(athlete: SimulatedAthlete, distance_m: float) -> float:
    """Race speed from the hour-record distance, Riegel-like (exponent 0.07)."""
    thr = athlete.threshold_speed_mps
    return thr * (thr * 3600.0 / distance_m) ** 0.07


def plan_base(athlete: SimulatedAthlete, days: int, start: dt.date, habits: Habits,
              rng: np.random.Generator) -> tuple[list[Session], list[Event], dict[int, float]]:
    """Sessions of the base plan (before :func:`keep_gentle`) and its events.

    Returns the sessions, the events, and the preferred race distance per race day.
    """
    spec = LEVEL_SPECS[athlete.profile]
    offset = start.weekday()
    weeks = (days + offset) // 7 + 2
    clean = athlete.is_clean
    race_weeks: list[int] = []
    if spec.workouts_per_week and not (clean and athlete.profile == "beginner"):
        week = int(rng.integers(10, 16))
        while week < weeks - 2:
            race_weeks.append(week)
            week += int(rng.integers(12, 20))
    elif not clean:
        week = int(rng.integers(10, 16))
        while week < weeks - 2:
            race_weeks.append(week)
            week += int(rng.integers(14, 22))
    volume = weekly_volume(athlete, weeks, rng, race_weeks)
    template = TEMPLATES[(spec.runs_per_week, spec.workouts_per_week)]
    events: list[Event] = []
    ill = np.zeros(days, dtype=bool)
    for _ in range(0 if clean else int(rng.integers(0, 3))):
        first = int(rng.integers(40, max(days - 20, 41)))
        length = int(rng.integers(3, 6))
        ill[first:first + length] = True
        _ramp(volume, (offset + first) // 7, (0.6, 0.7, 0.82, 0.95))
        events.append(Event("illness", start + dt.timedelta(first),
                            start + dt.timedelta(min(first + length, days) - 1),
                            f"{length} days ill, no running"))
    race_days: dict[int, float] = {}
    for week in race_weeks:
        race_day = week * 7 + 6 - offset
        if 0 <= race_day < days and not ill[race_day]:
            race_days[race_day] = float(rng.choice(spec.race_km)) * 1000.0
            taper_first = max(race_day - 13, 0)
            events.append(Event("taper", start + dt.timedelta(taper_first),
                                start + dt.timedelta(race_day - 1), "two lighter weeks"))

    sessions: list[Session] = []
    workout_kinds = (S.TEMPO, S.INTERVALS)
    for day in range(days):
        weekday = (offset + day) % 7
        week = (offset + day) // 7
        slot = template.get(weekday)
        if ill[day]:
            continue
        if slot is None:
            _cross_training(sessions, day, weekday, slot, clean, habits, rng)
            continue
        week_km = float(volume[week])
        long_km = min(week_km * LONG_SHARE[spec.runs_per_week], spec.longest_run_km)
        workout_km = week_km * 0.18
        easy_days = [d for d, s in sorted(template.items()) if s == "E"]
        weights = EASY_WEIGHTS[:len(easy_days)]
        easy_weight = (weights[easy_days.index(weekday)] / (sum(weights) / len(weights))
                       if weekday in easy_days else 1.0)
        easy_km = max((week_km - long_km - workout_km * spec.workouts_per_week)
                      / max(len(easy_days), 1), 3.0) * easy_weight
        if day in race_days:
            session = Session(day=day, kind=S.RACE, v_easy=habits.v_easy, roll_g=habits.roll_g,
                              roll_p=habits.roll_p, start_s=9 * 3600)
        elif slot == "L":
            session = Session(day=day, kind=S.LONG, v_easy=habits.v_easy * float(
                rng.uniform(0.92, 1.0)),
                              roll_g=habits.roll_g, roll_p=habits.roll_p)
            session.set_easy_distance(long_km * 1000 * float(rng.uniform(0.97, 1.03)))
            session.start_s = int(rng.integers(8 * 60, 9 * 60 + 30)) * 60
        elif slot in ("W1", "W2"):
            kind = workout_kinds[(week + (slot == "W2")) % 2]
            tat = habits.workout_tat_s * float(rng.uniform(0.96, 1.04))
            session = make_workout(day, kind, athlete, habits, tat, rng)
            session.shrink_to(workout_km * 1000)
            main = session.distance_m - session.easy_s * session.v_easy
            session.easy_s = max(floor5((workout_km * 1000 - main) / habits.v_easy),
                                 MIN_EASY_S)
        else:
            session = Session(day=day, kind=S.EASY, v_easy=habits.v_easy * float(
                rng.uniform(0.93, 1.07)), roll_g=habits.roll_g, roll_p=habits.roll_p)
            session.set_easy_distance(easy_km * 1000 * float(rng.uniform(0.92, 1.08)))
        if session.kind != S.LONG:
            session.start_s = session.start_s if session.kind == S.RACE else int(
                rng.integers(6 * 60, 8 * 60 + 30)) * 60
        sessions.append(session)
        _cross_training(sessions, day, weekday, slot, clean, habits, rng)
    first_long = min((s.day for s in sessions if s.kind == S.LONG), default=0)
    sessions = [s for s in sessions if s.day >= first_long]
    for session in sessions:
        _decorate(session, habits, rng)
        if session.day == first_long:
            session.recorded = True
    return sessions, events, race_days


def _cross_training(sessions: list[Session], day: int, weekday: int, slot: str | None,
                    clean: bool, habits: Habits, rng: np.random.Generator) -> None:
    """Rides, strength sessions and walks: on easy days for clean runners, anywhere else."""
    easy_day = slot == "E"
    if weekday in (2, 4) and (easy_day or not clean) and rng.random() < habits.p_ride * 0.5:
        ride = Session(day=day, kind=S.RIDE_KIND, sport=S.RIDE,
                       v_easy=round(float(rng.uniform(6.0, 7.5)), 2), roll_g=0.006,
                       roll_p=2000.0, start_s=int(rng.integers(17 * 60 + 30, 19 * 60)) * 60)
        ride.easy_s = round5(float(rng.uniform(1800, 2700) if clean else rng.uniform(2400, 5400)))
        sessions.append(ride)
    if weekday in (0, 3) and (easy_day or not clean) and rng.random() < habits.p_weights:
        weights = Session(day=day, kind=S.WEIGHTS_KIND, sport=S.WEIGHTS, v_easy=0.0,
                          start_s=int(rng.integers(18 * 60, 20 * 60)) * 60)
        weights.easy_s = round5(float(rng.uniform(1800, 2700)))
        sessions.append(weights)
    if weekday == 5 and slot is None and not clean and rng.random() < habits.p_walk:
        walk = Session(day=day, kind=S.WALK_KIND, sport=S.WALK,
                       v_easy=round(float(rng.uniform(1.25, 1.55)), 2), roll_g=0.01,
                       roll_p=800.0, start_s=int(rng.integers(10 * 60, 16 * 60)) * 60)
        walk.easy_s = round5(float(rng.uniform(2400, 4200)))
        sessions.append(walk)


def _decorate(session: Session, habits: Habits, rng: np.random.Generator) -> None:
    """Pauses, RPE, heart-rate strap, watch worn or not."""
    if session.kind in (S.EASY, S.LONG, S.RECOVERY, S.TRAIL, S.WALK_KIND):
        session.n_pause = int(min(rng.poisson(0.8), 3))
    elif session.kind in (S.TEMPO, S.INTERVALS, S.HILLS):
        session.n_pause = int(rng.random() < 0.3)
    session.pause_s = round5(float(rng.uniform(15, 120))) if session.n_pause else 0.0
    if session.sport == S.WEIGHTS:
        session.n_pause = 0
    if rng.random() < habits.p_rpe:
        session.rpe = _rpe(session.kind, rng)
    session.has_hr = bool(rng.random() >= habits.p_no_hr)
    session.recorded = session.kind == S.RACE or bool(rng.random() >= habits.p_unrecorded)


def choose_race(athlete: SimulatedAthlete, preferred_m: float, longest_m: float,
                options: tuple[float, ...]) -> float | None:
    """The longest race distance up to ``preferred_m`` that fits ``SESSION_CAP x longest_m``.

    Clean runners also only race distances they run no faster than ``CLEAN_RACE_SPEED`` x
    their threshold speed (so a race is not a speed spike). ``None`` when nothing fits.
    """
    for distance in sorted(options, reverse=True):
        if distance > preferred_m or (longest_m > 0 and distance > SESSION_CAP * longest_m):
            continue
        if athlete.is_clean and race_speed(athlete, distance) > (
                CLEAN_RACE_SPEED * athlete.threshold_speed_mps):
            continue
        return distance
    return None


def set_race(session: Session, athlete: SimulatedAthlete, distance_m: float) -> None:
    """Make ``session`` a race over exactly ``distance_m`` (no warm-up inside the activity)."""
    session.kind = S.RACE
    session.easy_s = 0.0
    session.n_reps = 1
    session.rep_s = round5(distance_m / race_speed(athlete, distance_m))
    session.v_rep = distance_m / session.rep_s
    session.rec_s = 0.0
    session.v_rec = 0.0
    session.n_pause = 0
    session.pause_s = 0.0


def reduce_run(session: Session, distance_m: float) -> None:
    """Shorten a run to ``distance_m``; below :data:`MIN_RUN_M` the run is dropped.

    Races keep their distance (the pass picks a shorter race instead, see ``choose_race``).
    """
    if session.kind == S.RACE:
        return
    if distance_m < MIN_RUN_M:
        session.easy_s, session.n_reps = 0.0, 0
    else:
        session.shrink_to(distance_m)


def keep_gentle(sessions: list[Session], days: int, athlete: SimulatedAthlete,
                race_days: dict[int, float], start: dt.date,
                events: list[Event], long_fallback_m: float) -> None:
    """The forward pass: cap the recorded runs so none of the spike rules can fire.

    Clean runners get every cap; the others only the single-session cap and the choice of
    race distance (their illness breaks and unrecorded runs leave natural jumps in the data,
    on top of the patterns planted later).

    Works day by day and only ever shortens (or drops) runs or flattens their routes. A
    shortening of an earlier day can lower the 30-day longest run that a later run was
    already judged against, so passes repeat until one changes nothing. Decided races are
    added to ``events``.
    """
    pending = dict(race_days)
    for _ in range(MAX_PASSES):
        before = [(s.distance_m, s.up_m) for s in sessions if s.is_run]
        _forward_pass(sessions, days, athlete, pending, long_fallback_m)
        if before == [(s.distance_m, s.up_m) for s in sessions if s.is_run]:
            break
    for session in sessions:
        if session.kind == S.RACE and session.recorded:
            distance = session.distance_m
            events.append(Event("race", start + dt.timedelta(session.day),
                                start + dt.timedelta(session.day),
                                f"{distance / 1000:g} km race"))


def _forward_pass(sessions: list[Session], days: int, athlete: SimulatedAthlete,
                  pending: dict[int, float], long_fallback_m: float) -> None:
    thr = athlete.threshold_speed_mps
    by_day: dict[int, list[Session]] = {}
    for session in sessions:
        if session.is_run and session.recorded:
            by_day.setdefault(session.day, []).append(session)
    dist = [0.0] * days
    longest = [0.0] * days
    tat = [0.0] * days
    up = [0.0] * days
    options_m = tuple(km * 1000.0 for km in LEVEL_SPECS[athlete.profile].race_km)

    def refresh(day: int) -> None:
        runs = by_day.get(day, [])
        dist[day] = sum(s.distance_m for s in runs)
        longest[day] = max((s.distance_m for s in runs), default=0.0)
        tat[day] = sum(s.time_above(thr) for s in runs)
        up[day] = sum(s.up_m for s in runs)

    first = min(by_day, default=0)
    strict = athlete.is_clean
    stresses: list[float] = []
    for day in range(first, days):
        runs = by_day.get(day)
        if not runs:
            continue
        if strict:
            _keep_easy_easy(runs, stresses, thr)
        lmax = max(longest[max(day - 29, 0):day], default=0.0)
        for session in runs:
            if session.kind == S.RACE and (day in pending or session.distance_m > SESSION_CAP
                                           * lmax > 0):
                preferred = pending.pop(day, session.distance_m * 0.999)
                chosen = choose_race(athlete, preferred, lmax, options_m)
                if chosen is None:
                    session.kind, session.n_reps, session.rec_s = S.EASY, 0, 0.0
                    session.set_easy_distance(min(long_fallback_m, 0.6 * lmax
                                                  if lmax > 0 else long_fallback_m))
                else:
                    set_race(session, athlete, chosen)
            elif lmax > 0 and session.distance_m > SESSION_CAP * lmax:
                reduce_run(session, SESSION_CAP * lmax)
        if lmax > 0 and len(runs) > 1:
            total = sum(s.distance_m for s in runs)
            if total > SESSION_CAP * lmax:
                factor = SESSION_CAP * lmax / total
                for session in runs:
                    if session.kind != S.RACE:
                        reduce_run(session, session.distance_m * factor)
        refresh(day)
        history = day - first if strict else -1
        if history >= 13:
            _cap_window(day, by_day, dist, refresh, WEEK_CAP)
        if history >= 27:
            _cap_intensity(day, by_day, tat, refresh, thr)
            _cap_hills(day, by_day, up, refresh)
        if history >= 6:
            _vary(day, by_day, dist, refresh)
        for session in runs:
            if session.up_m > SESSION_UP_CAP_M:
                session.scale_grades(SESSION_UP_CAP_M / session.up_m * 0.98)
            bisect.insort(stresses, session.stress(thr))
        refresh(day)


def _keep_easy_easy(runs: list[Session], stresses: list[float], thr: float) -> None:
    """Shorten easy runs whose stress nears 1.5 x the median of all earlier runs (a 'hard
    day' by stress, SCIENCE.md 5.1), so only workouts, long runs and races are hard."""
    if len(stresses) < HARD_MIN_PRIOR:
        return
    count = len(stresses)
    median = (stresses[count // 2] + stresses[(count - 1) // 2]) / 2.0
    for session in runs:
        stress = session.stress(thr)
        if session.kind in EASY_KINDS and stress > EASY_STRESS_CAP * median:
            reduce_run(session, session.distance_m * EASY_STRESS_CAP * median / stress * 0.99)


#: What the weekly cap shortens: easy runs first, then the warm-up of workouts, then (only on
#: the day itself) the long run; races are left alone. Shortening earlier long runs would lower
#: the 30-day longest run for weeks.
EASY_KINDS = (S.EASY, S.RECOVERY)
WORKOUT_KINDS = (S.TEMPO, S.INTERVALS, S.HILLS)
LONG_KINDS = (S.LONG, S.TRAIL)


def _cap_window(day: int, by_day: dict[int, list[Session]], dist: list[float],
                refresh: Callable[[int], None], cap: float) -> None:
    previous = sum(dist[day - 13:day - 6])
    if previous <= 0 or sum(dist[day - 6:day + 1]) <= cap * previous:
        return
    for kinds in (EASY_KINDS, WORKOUT_KINDS, LONG_KINDS):
        for other in range(day, day - 7, -1):
            for session in by_day.get(other, []):
                excess = sum(dist[day - 6:day + 1]) - cap * previous
                if excess <= 0:
                    return
                if session.kind not in kinds or (kinds is LONG_KINDS and other != day):
                    continue
                if kinds is EASY_KINDS or other == day:
                    reduce_run(session, max(session.distance_m - excess, 0.0))
                else:
                    main = session.distance_m - session.easy_s * session.v_easy
                    floor = main + MIN_WARMUP_S * session.v_easy
                    session.shrink_to(max(session.distance_m - excess, floor))
                refresh(other)


def _monotony(values: list[float]) -> float:
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return mean / spread if spread > 0 else math.inf


def _vary(day: int, by_day: dict[int, list[Session]], dist: list[float],
          refresh: Callable[[int], None]) -> None:
    """Shorten the latest easy run of the 7 days to ``day`` while monotony is above the cap."""
    for other in range(day, day - 7, -1):
        window = dist[day - 6:day + 1]
        if sum(1 for d in window if d > 0) < 4 or _monotony(window) <= MONOTONY_CAP:
            return
        for session in by_day.get(other, []):
            if session.kind in EASY_KINDS:
                reduce_run(session, 0.6 * session.distance_m)
        refresh(other)


def _cap_intensity(day: int, by_day: dict[int, list[Session]], tat: list[float],
                   refresh: Callable[[int], None], thr: float) -> None:
    base = sum(tat[day - 27:day - 6]) / 3.0
    current = sum(tat[day - 6:day + 1])
    if current <= BASELINE_CAP * base:
        return
    allowed = BASELINE_CAP * base
    for other in range(day, day - 7, -1):
        for session in by_day.get(other, []):
            if current <= allowed:
                break
            own = session.time_above(thr)
            if own <= 0:
                continue
            keep = max(own - (current - allowed), 0.0)
            _limit_time_above(session, keep, thr)
            current -= own - session.time_above(thr)
        refresh(other)


def _limit_time_above(session: Session, keep_s: float, thr: float) -> None:
    if session.kind == S.RACE:
        session.v_rep = min(session.v_rep, thr * 0.97)
        return
    if keep_s < 60.0 * max(session.n_reps, 1):
        distance = session.distance_m
        session.n_reps = 0
        session.kind = S.EASY
        session.set_easy_distance(distance)
        return
    session.rep_s = floor5(keep_s / session.n_reps)
    if session.rec_s:
        session.rec_s = round5(session.rep_s * 0.6)


def _cap_hills(day: int, by_day: dict[int, list[Session]], up: list[float],
               refresh: Callable[[int], None]) -> None:
    base = sum(up[day - 27:day - 6]) / 3.0
    current = sum(up[day - 6:day + 1])
    if current <= BASELINE_CAP * base or current - base < HILL_DELTA_CAP_M:
        return
    allowed = max(BASELINE_CAP * base, base + HILL_DELTA_CAP_M * 0.95)
    for other in range(day, day - 7, -1):
        runs = by_day.get(other, [])
        own = sum(s.up_m for s in runs)
        if own <= 0 or current <= allowed:
            continue
        factor = max(own - (current - allowed), 0.0) / own
        for session in runs:
            session.scale_grades(factor)
        refresh(other)
        current = sum(up[day - 6:day + 1])
