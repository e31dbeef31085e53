"""Who is in the simulated squad: levels, habits (roles) and the ground truth of each runner.

Every runner has a *level* (beginner to sub-elite: speed, volume, runs per week) and a *role*:
``clean`` runners progress gently and should trigger none of the spike flags; the other roles
plant the patterns the risk module must catch (SCIENCE.md sections 2-6). The ground truth of
what was planted, and when, travels with the runner as :class:`SimulatedAthlete`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

#: Marker carried by every simulated name, activity and summary.
SYNTHETIC_LABEL = "synthetic"

LEVELS: tuple[str, ...] = ("beginner", "recreational", "intermediate", "advanced", "sub_elite")

#: The repeating order of roles; four in twelve runners are clean.
ROLES: tuple[str, ...] = (
    "clean", "session_spike", "hill_speed", "clean", "weekly_camp", "overstride", "clean",
    "speed_block", "monotony", "clean", "data_gap", "illness_return",
)

#: Flag kinds (risk.flag.KINDS) each role produces on purpose.
PLANTED: dict[str, frozenset[str]] = {
    "clean": frozenset(),
    "session_spike": frozenset({"session_spike"}),
    "hill_speed": frozenset({"hill_spike", "intensity_spike", "poor_recovery"}),
    "weekly_camp": frozenset({"weekly_spike", "acwr_high"}),
    "overstride": frozenset({"overstride"}),
    "speed_block": frozenset({"intensity_spike", "poor_recovery"}),
    "monotony": frozenset({"monotony_high", "poor_recovery"}),
    "data_gap": frozenset({"data_gap"}),
    "illness_return": frozenset({"acwr_low", "weekly_spike"}),
}

#: Clinical stories for the symptom log (etl.demo.clinical), each on the first runner of a role.
STORY_ROLES: dict[str, str] = {
    "session_spike": "bone_stress",
    "hill_speed": "tendon",
    "overstride": "nerve",
}

TIMEZONES: tuple[str, ...] = (
    "Europe/London", "Europe/Oslo", "America/New_York", "Australia/Sydney",
    "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo",
)


@dataclass(frozen=True)
class LevelSpec:
    """Training habits of a level.

    Speeds in m/s, volumes in km per week, durations in seconds.
    """

    threshold_speed_mps: tuple[float, float]
    weekly_km_start: float
    weekly_km_peak: float
    runs_per_week: int
    workouts_per_week: int
    longest_run_km: float
    weekly_threshold_s: float
    race_km: tuple[float, ...]


LEVEL_SPECS: dict[str, LevelSpec] = {
    "beginner": LevelSpec((2.6, 2.9), 12.0, 22.0, 3, 0, 10.0, 0.0, (5.0, 10.0)),
    "recreational": LevelSpec((3.0, 3.3), 22.0, 36.0, 4, 1, 18.0, 900.0, (10.0, 21.0975)),
    "intermediate": LevelSpec((3.4, 3.8), 38.0, 58.0, 5, 2, 26.0, 1500.0, (21.0975, 42.195)),
    "advanced": LevelSpec((4.0, 4.4), 55.0, 80.0, 6, 2, 30.0, 2100.0, (10.0, 21.0975, 42.195)),
    "sub_elite": LevelSpec((4.7, 5.1), 90.0, 125.0, 6, 2, 32.0, 2700.0, (21.0975, 42.195)),
}


@dataclass(frozen=True)
class Event:
    """Something that happened to a runner over ``start``..``end`` (local dates, inclusive).

    ``kind`` is one of ``race``, ``taper``, ``illness``, ``session_spike_moderate``,
    ``session_spike_large``, ``weekly_spike``, ``hill_block``, ``speed_block``,
    ``monotony_block``, ``data_gap``, ``overstride_run``. Runs that happened but were not
    recorded (watch not worn) are kept with the sessions, see ``Squad.unrecorded()``.
    """

    kind: str
    start: dt.date
    end: dt.date
    detail: str = ""


@dataclass(frozen=True)
class SimulatedAthlete:
    """One simulated runner and the ground truth behind their data.

    Parameters
    ----------
    name
        Store name, always marked synthetic, e.g. ``"Sim Runner 01 (beginner, synthetic)"``.
    profile
        Level, one of :data:`LEVELS`.
    sex
        ``"F"`` or ``"M"``.
    max_hr, rest_hr
        Maximum and resting heart rate [1/min].
    threshold_speed_mps
        Speed the runner can hold for about an hour [m/s] (SCIENCE.md 3.5).
    planted
        Flag kinds (risk.flag.KINDS) deliberately produced; empty for clean runners.
    role
        Habit that plants them, one of :data:`ROLES`.
    story
        Clinical story for the symptom log: ``"tendon"``, ``"bone_stress"``, ``"nerve"`` or ``""``.
    timezone
        IANA zone of the local times.
    cadence_base_spm, cadence_slope_spm_per_mps
        Own flat-ground cadence at 3 m/s [steps/min] and its rise per m/s.
    events
        What happened when (:class:`Event`), in date order.
    index
        Position in the squad (0-based).
    """

    name: str
    profile: str
    sex: str
    max_hr: float
    rest_hr: float
    threshold_speed_mps: float
    planted: frozenset[str]
    role: str
    story: str
    timezone: str
    cadence_base_spm: float
    cadence_slope_spm_per_mps: float
    events: tuple[Event, ...] = ()
    index: int = 0

    @property
    def is_clean(self) -> bool:
        return not self.planted

    @property
    def max_hr_bpm(self) -> float:
        return self.max_hr

    @property
    def rest_hr_bpm(self) -> float:
        return self.rest_hr

    def settings(self) -> dict[str, object]:
        """The runner's physiology under the names of the athlete settings the risk engine
        reads from the store (``max_hr_bpm``, ``rest_hr_bpm``, ``threshold_speed_mps``)."""
        return {"max_hr_bpm": self.max_hr, "rest_hr_bpm": self.rest_hr,
                "threshold_speed_mps": self.threshold_speed_mps}

    def events_of(self, kind: str) -> tuple[Event, ...]:
        """The events of one kind, in date order."""
        return tuple(e for e in self.events if e.kind == kind)

    def block(self, kind: str) -> tuple[dt.date, dt.date] | None:
        """First and last day of the first event of ``kind`` (e.g. ``"hill_block"``), if any."""
        found = self.events_of(kind)
        return (found[0].start, found[0].end) if found else None


def athlete_name(index: int, level: str) -> str:
    """The store name of runner ``index``: numbered, with level, visibly synthetic."""
    return f"Sim Runner {index + 1:02d} ({level.replace('_', '-')}, {SYNTHETIC_LABEL})"


def make_athlete(index: int, rng: np.random.Generator) -> SimulatedAthlete:
    """Draw the physiology and habits of runner ``index`` (events are added by the planner)."""
    level = LEVELS[index % len(LEVELS)]
    role = ROLES[index % len(ROLES)]
    spec = LEVEL_SPECS[level]
    first_of_role = index < len(ROLES)
    story = STORY_ROLES.get(role, "") if first_of_role else ""
    sex = "F" if rng.random() < 0.45 else "M"
    age = float(rng.uniform(22, 55))
    max_hr = round(208.0 - 0.7 * age + float(rng.normal(0, 4)))
    rest_hr = round({"beginner": 64, "recreational": 58, "intermediate": 52, "advanced": 48,
                     "sub_elite": 44}[level] + float(rng.normal(0, 3)))
    low, high = spec.threshold_speed_mps
    threshold = round(float(rng.uniform(low, high)) * (0.94 if sex == "F" else 1.0), 3)
    return SimulatedAthlete(
        name=athlete_name(index, level), profile=level, sex=sex, max_hr=float(max_hr),
        rest_hr=float(rest_hr), threshold_speed_mps=threshold, planted=PLANTED[role], role=role,
        story=story, timezone=TIMEZONES[index % len(TIMEZONES)],
        cadence_base_spm=round(float(rng.uniform(158, 176)), 1),
        cadence_slope_spm_per_mps=round(float(rng.uniform(6.0, 10.0)), 2), index=index,
    )
