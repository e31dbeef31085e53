"""The patterns planted on top of a gentle base plan, one function per role.

Each function edits the runner's sessions in place, returns the :class:`Event` records that
describe what was planted and when, and makes sure the planted sessions are recorded (the risk
module can only see what is in the data). The thresholds the patterns must cross are those of
SCIENCE.md sections 2-6 (session spike > 30 % and > 100 %, weekly > 30 %, hill and intensity
baselines x 1.3, monotony > 2, cadence 5 % below the runner's own baseline, data gaps).

References
----------
Frandsen JSB et al. How much running is too much? Br J Sports Med 2025;59(17):1203-1210.
doi:10.1136/bjsports-2024-109380 (session spike bands).
Nielsen RO et al. J Orthop Sports Phys Ther 2014;44(10):739-747. doi:10.2519/jospt.2014.5164
(weekly change > 30 %).
Foster C. Med Sci Sports Exerc 1998;30(7):1164-1168. doi:10.1097/00005768-199807000-00023
(monotony).
Heiderscheit BC et al. Med Sci Sports Exerc 2011;43(2):296-302.
doi:10.1249/MSS.0b013e3181ebedf4 (step rate; the overstride proxy of SCIENCE.md 6.3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from etl.demo import sessions as S
from etl.demo.plan import Habits, Session, make_hills, make_workout, round5
from etl.demo.profiles import Event, SimulatedAthlete

Planter = Callable[[SimulatedAthlete, list[Session], int, dt.date, Habits, np.random.Generator],
                   list[Event]]

#: Factors of the planted session spikes over the 30-day longest run (moderate, large band).
MODERATE_SPIKE = 1.5
LARGE_SPIKE = 2.15
#: Cadence of an overstriding run relative to the runner's own (SCIENCE.md 6.3: flag at -5 %).
OVERSTRIDE_FACTOR = 0.90
#: Training-camp week over the weekly mean of the three weeks before.
CAMP_FACTOR = 2.3


def _date(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=day)


def _monday_on_or_after(day: int, start: dt.date) -> int:
    return day + (7 - _date(start, day).weekday()) % 7


def recorded_runs(sessions: list[Session]) -> list[Session]:
    return [s for s in sessions if s.is_run and s.recorded]


def longest_before(sessions: list[Session], day: int, window: int = 30) -> float:
    """Longest recorded run on days ``day - window + 1`` .. ``day - 1`` [m]."""
    return max((s.distance_m for s in recorded_runs(sessions)
                if day - window < s.day < day), default=0.0)


def _runs_on(sessions: list[Session], day: int) -> list[Session]:
    return [s for s in sessions if s.day == day and s.is_run]


def _easy_run(day: int, habits: Habits, distance_m: float, start_s: int = 7 * 3600) -> Session:
    session = Session(day=day, kind=S.EASY, v_easy=habits.v_easy, roll_g=habits.roll_g,
                      roll_p=habits.roll_p, start_s=start_s)
    session.set_easy_distance(distance_m)
    return session


def _replace_day(sessions: list[Session], day: int, new: list[Session]) -> None:
    sessions[:] = [s for s in sessions if not (s.day == day and s.is_run)] + new


def _typical_easy_m(sessions: list[Session], day: int) -> float:
    easy = [s.distance_m for s in recorded_runs(sessions)
            if day - 28 <= s.day < day and s.kind == S.EASY]
    return float(np.median(easy)) if easy else 6000.0


def _weekly_time_above(sessions: list[Session], day: int, thr: float) -> float:
    runs = [s for s in recorded_runs(sessions) if day - 21 <= s.day < day]
    return sum(s.time_above(thr) for s in runs) / 3.0


def plant_session_spike(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                        start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """A moderate (x1.5) and, eleven weeks later, a large (x2.15) single-session spike."""
    events = []
    for at, factor, kind in ((0.45, MODERATE_SPIKE, "session_spike_moderate"),
                             (0.45 + 77 / days, LARGE_SPIKE, "session_spike_large")):
        day = int(days * at)
        candidates = [s for s in recorded_runs(sessions)
                      if s.day >= day and s.kind in (S.LONG, S.EASY)]
        if not candidates:
            continue
        target = candidates[0]
        lmax = longest_before(sessions, target.day)
        if lmax <= 0:
            continue
        target.kind, target.n_reps = S.LONG, 0
        target.easy_s = round5(factor * lmax / target.v_easy) + 60.0
        target.recorded = True
        events.append(Event(kind, _date(start, target.day), _date(start, target.day),
                            f"{target.distance_m / 1000:.1f} km after a 30-day longest of "
                            f"{lmax / 1000:.1f} km"))
    return events


def plant_weekly_camp(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                      start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Two 'training camp' weeks with extra easy runs: the week reaches 2.3 x the weekly mean
    of the three weeks before (weekly spike > 30 %, uncoupled ACWR >= 1.8)."""
    events = []
    for at in (0.4, 0.75):
        first = _monday_on_or_after(int(days * at), start)
        if first + 7 > days:
            continue
        easy_m = _typical_easy_m(sessions, first)
        usual = sum(s.distance_m for s in recorded_runs(sessions) if first - 21 <= s.day < first)
        for run in (s for s in sessions if s.is_run and first <= s.day < first + 7):
            run.recorded = True
        week = sum(s.distance_m for s in recorded_runs(sessions) if first <= s.day < first + 7)
        extra = max(CAMP_FACTOR * usual / 3.0 - week, 0.0)
        per_day = extra / 7.0
        added = []
        for day in range(first, first + 7):
            if not _runs_on(sessions, day):
                added.append(_easy_run(day, habits, min(per_day, 1.5 * easy_m)))
                continue
            added.append(_easy_run(day, habits, per_day, start_s=17 * 3600 + 1800))
        sessions.extend(added)
        events.append(Event("weekly_spike", _date(start, first), _date(start, first + 6),
                            "training camp: extra easy runs every day"))
    return events


def plant_hill_speed(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                     start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Four weeks of steep hill repeats, back-to-back intervals and hilly trail long runs."""
    first = _monday_on_or_after(int(days * 0.55), start)
    last = min(first + 27, days - 1)
    base_tat = max(_weekly_time_above(sessions, first, athlete.threshold_speed_mps), 600.0)
    for week_start in range(first, last + 1, 7):
        long_m = max((s.distance_m for s in _runs_on(sessions, week_start + 6)), default=12000.0)
        hills = make_hills(week_start + 1, athlete, habits, grade=0.11, reps=10)
        intervals = make_workout(week_start + 2, S.INTERVALS, athlete, habits, 2.0 * base_tat,
                                 rng)
        trail = Session(day=week_start + 5, kind=S.TRAIL, sport=S.TRAIL_RUN,
                        v_easy=habits.v_easy * 0.9, roll_g=0.06, roll_p=1200.0,
                        start_s=8 * 3600 + 1800)
        trail.set_easy_distance(0.9 * long_m)
        for session in (hills, intervals, trail):
            if session.day <= last:
                session.rpe = 7.0 if session.kind != S.TRAIL else 6.0
                _replace_day(sessions, session.day, [session])
        if week_start + 6 <= last:
            _replace_day(sessions, week_start + 6, [])
    note = "11 % hill repeats, intervals the next day, trail long runs"
    return [Event("hill_block", _date(start, first), _date(start, last), note),
            Event("speed_block", _date(start, first), _date(start, last), note)]


def plant_speed_block(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                      start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Three weeks of intervals on Tuesday and Wednesday and a Friday tempo: 3x the usual."""
    first = _monday_on_or_after(int(days * 0.6), start)
    last = min(first + 20, days - 1)
    base_tat = max(_weekly_time_above(sessions, first, athlete.threshold_speed_mps), 900.0)
    for week_start in range(first, last + 1, 7):
        for offset, kind in ((1, S.INTERVALS), (2, S.INTERVALS), (4, S.TEMPO)):
            day = week_start + offset
            if day > last:
                continue
            session = make_workout(day, kind, athlete, habits, base_tat, rng)
            session.rpe = 8.0
            _replace_day(sessions, day, [session])
    return [Event("speed_block", _date(start, first), _date(start, last),
                  "intervals on consecutive days and a tempo run every week")]


def plant_monotony(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                   start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Four weeks of the same easy run every day: no rest day, monotony far above 2."""
    first = _monday_on_or_after(int(days * 0.45), start)
    last = min(first + 27, days - 1)
    weekly = sum(s.distance_m for s in recorded_runs(sessions) if first - 21 <= s.day < first) / 3
    daily_m = max(weekly / 7.0, 3000.0)
    sessions[:] = [s for s in sessions if not first <= s.day <= last]
    for day in range(first, last + 1):
        run = _easy_run(day, habits, daily_m * float(rng.uniform(0.985, 1.015)))
        run.rpe = 3.0
        sessions.append(run)
    return [Event("monotony_block", _date(start, first), _date(start, last),
                  f"{daily_m / 1000:.1f} km every day, no rest day")]


def plant_overstride(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                     start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """From 40 % of the history on, a quarter of the flat easy and long runs with cadence 10 %
    below the runner's own."""
    events = []
    for session in recorded_runs(sessions):
        if (session.day >= int(days * 0.4) and session.kind in (S.EASY, S.LONG)
                and rng.random() < 0.25):
            session.cad_factor = OVERSTRIDE_FACTOR
            events.append(Event("overstride_run", _date(start, session.day),
                                _date(start, session.day), "cadence 10 % below own baseline"))
    return events


def plant_data_gap(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                   start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Six weeks of training with a broken watch: the runs happened but are not recorded."""
    first = int(days * 0.5)
    last = min(first + 41, days - 1)
    for session in sessions:
        if first <= session.day <= last:
            session.recorded = False
    return [Event("data_gap", _date(start, first), _date(start, last),
                  "watch broken: six weeks of runs not recorded")]


def plant_illness_return(athlete: SimulatedAthlete, sessions: list[Session], days: int,
                         start: dt.date, habits: Habits, rng: np.random.Generator) -> list[Event]:
    """Three weeks ill, one short test jog, then straight back to the full plan."""
    first = int(days * 0.55)
    last = min(first + 20, days - 1)
    back = last + 1
    sessions[:] = [s for s in sessions if not first <= s.day <= back + 2]
    if back < days:
        sessions.append(_easy_run(back, habits, 3000.0))
    for session in sessions:
        if back + 3 <= session.day <= back + 10:
            session.recorded = True
    return [Event("illness", _date(start, first), _date(start, last),
                  "three weeks ill, then an abrupt return")]


PLANTERS: dict[str, Planter] = {
    "session_spike": plant_session_spike,
    "weekly_camp": plant_weekly_camp,
    "hill_speed": plant_hill_speed,
    "speed_block": plant_speed_block,
    "monotony": plant_monotony,
    "overstride": plant_overstride,
    "data_gap": plant_data_gap,
    "illness_return": plant_illness_return,
}
