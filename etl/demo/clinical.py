"""Symptom, wellness, injury and VISA-H logs for the demo squad, consistent with their loads.

:func:`add_clinical_stories` writes, through the same log API as real use
(:mod:`etl.store.log`), for the runners whose ``story`` the simulator set:

* ``"tendon"`` (the hill and speed block runner): a sit-bone niggle in the third week of the
  block that grows over its runs (worse sitting with a shrinking sit tolerance, uphill and
  fast, next-morning pain rising), an injury record from the run where pain during passes
  5/10, weekly VISA-H scores climbing back over six weeks, and easy-run check-ins while it
  settles;
* ``"bone_stress"`` (the session-spike runner): aching shin the day after the large session
  spike, then sharp pain on hopping and weight bearing that worsens through the next run, and
  an injury record;
* ``"nerve"``: burning and tingling buttock pain spreading past the knee, worse sitting and
  bending forward, over three weeks.

Every runner also logs ordinary soreness the day after some long or hard sessions (back of
the thigh, easing the day after) and morning wellness (Hooper items) over the last 120 days;
the story runners also around their episode, with fatigue and soreness rising with the pain.
Everything is entered by ``"demo (synthetic)"``. The same squad always gives the same logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.demo.profiles import SimulatedAthlete
from etl.demo.simulate import Squad
from etl.store import Store
from etl.store import log as L

ENTERED_BY = "demo (synthetic)"
WELLNESS_DAYS = 120
SORENESS_DAYS = 365
SORENESS_CHANCE = 0.25
SORENESS_GAP_DAYS = 10
#: How much better than their usual a runner feels on a morning (0 = usual): most mornings are
#: usual, some better; worse mornings come from the story's strain only.
_BETTER_POINTS, _BETTER_CHANCES = (0, 1, 2), (0.8, 0.15, 0.05)
_HARD_KINDS = ("long", "intervals", "hills", "tempo", "race")
_VISA_H_WEEKS: tuple[tuple[tuple[int, ...], str], ...] = (
    ((4, 5, 5, 4, 3, 5, 4, 8), "C"),       # 38
    ((5, 6, 6, 5, 4, 6, 4, 10), "B"),      # 46
    ((6, 7, 6, 6, 5, 6, 7, 12), "B"),      # 55
    ((7, 7, 7, 7, 6, 7, 7, 16), "B"),      # 64
    ((8, 8, 8, 7, 7, 8, 7, 21), "A"),      # 74
    ((9, 9, 8, 8, 8, 9, 10, 21), "A"),     # 82
)


@dataclass(frozen=True)
class ClinicalSummary:
    """How many entries :func:`add_clinical_stories` stored."""

    symptoms: int
    wellness: int
    injuries: int
    visa_h: int

    @property
    def total(self) -> int:
        return self.symptoms + self.wellness + self.injuries + self.visa_h


@dataclass
class _Log:
    athlete: SimulatedAthlete
    end: dt.date
    entries: list[L.Entry]
    strain: dict[dt.date, int]

    def add(self, entry: L.Entry) -> None:
        day = getattr(entry, "local_date", None) or getattr(entry, "injury_onset_date", None)
        if day is not None and day <= self.end:
            self.entries.append(entry)


def _runs(sessions: pd.DataFrame, name: str, first: dt.date, last: dt.date) -> list[dt.date]:
    mine = sessions[(sessions["athlete"] == name) & sessions["sport_type"].isin(
        ("Run", "TrailRun", "VirtualRun"))]
    days = sorted({d for d in mine["local_date"] if first <= d <= last})
    return days


def _tendon(log: _Log, sessions: pd.DataFrame) -> None:
    block = log.athlete.block("hill_block")
    if block is None:
        return
    first, last = block
    runs = _runs(sessions, log.athlete.name, first + dt.timedelta(days=14), last)
    onset: dt.date | None = None
    for i, day in enumerate(runs):
        during = min(2 + i, 7)
        aggravators: tuple[str, ...] = ("uphill",) if i == 0 else ("sitting", "uphill", "fast")
        if i >= 2:
            aggravators += ("hip_flexion_stretch",)
        log.add(L.SymptomEntry(
            local_date=day, pain_at_rest_nrs=min(i, 3), pain_during_run_nrs=during,
            pain_after_1h_nrs=max(during - 1, 1), pain_next_morning_nrs=min(1 + i, 5),
            pain_locations=("ischial_tuberosity",), body_side="left", pain_radiates="none",
            pain_character=("ache",) if i == 0 else ("ache", "tight"),
            pain_aggravators=aggravators, sit_tolerance_min=max(60 - 12 * i, 15),
            pain_onset="gradual", pain_timing=("next_day",) if i else ("during_run",),
            log_note="niggle at the sit bone after hill reps" if i == 0 else ""))
        for offset in range(2):
            log.strain[day + dt.timedelta(days=offset)] = min(1 + i // 2, 3)
        if during > 5 and onset is None:
            onset = day
    if onset is None:
        return
    log.add(L.InjuryRecord(onset, "ischial_tuberosity", "left",
                           "proximal hamstring tendon pain (physio assessment)", 28,
                           onset + dt.timedelta(days=42)))
    for week, (items, branch) in enumerate(_VISA_H_WEEKS):
        day = onset + dt.timedelta(days=3 + 7 * week)
        log.add(L.VisaHEntry(day, items, branch))
    for week in range(1, 6):
        check = _runs(sessions, log.athlete.name, onset + dt.timedelta(days=7 * week),
                      onset + dt.timedelta(days=7 * week + 6))
        if check:
            log.add(L.SymptomEntry(
                local_date=check[0], pain_during_run_nrs=max(4 - week, 0),
                pain_next_morning_nrs=max(3 - week, 0), pain_locations=("ischial_tuberosity",),
                body_side="left", pain_aggravators=("sitting",) if week < 3 else (),
                sit_tolerance_min=min(20 + 15 * week, 90), pain_onset="gradual",
                log_note="easy run, keeping pain under 5/10"))


def _bone_stress(log: _Log, sessions: pd.DataFrame) -> None:
    spikes = (log.athlete.events_of("session_spike_large")
              or log.athlete.events_of("session_spike_moderate"))
    if not spikes:
        return
    spike = spikes[0].start
    log.add(L.SymptomEntry(
        local_date=spike + dt.timedelta(days=1), pain_at_rest_nrs=2,
        pain_locations=("below_knee_calf",), body_side="right", pain_character=("ache",),
        pain_onset="gradual", pain_timing=("next_day",), log_note="shin aches after the long run"))
    after = _runs(sessions, log.athlete.name, spike + dt.timedelta(days=1),
                  spike + dt.timedelta(days=10))
    day = after[0] if after else spike + dt.timedelta(days=3)
    log.add(L.SymptomEntry(
        local_date=day, pain_at_rest_nrs=3, pain_during_run_nrs=6, pain_after_1h_nrs=5,
        pain_next_morning_nrs=5, pain_locations=("below_knee_calf",), body_side="right",
        pain_character=("sharp",), pain_aggravators=("hopping", "weight_bearing"),
        pain_onset="gradual", pain_timing=("worsens_during_run",),
        bone_risk_context=("recent_load_spike",), log_note="sharp spot on the shin, stopped"))
    for offset in range(4):
        log.strain[day + dt.timedelta(days=offset)] = 3
    log.add(L.InjuryRecord(day, "shin", "right", "", 49, day + dt.timedelta(days=56)))


def _nerve(log: _Log, sessions: pd.DataFrame, start: dt.date, days: int) -> None:
    first = start + dt.timedelta(days=int(days * 0.6))
    runs = _runs(sessions, log.athlete.name, first, first + dt.timedelta(days=21))[::2][:5]
    for i, day in enumerate(runs):
        log.add(L.SymptomEntry(
            local_date=day, pain_at_rest_nrs=2 + i % 2, pain_during_run_nrs=3 + min(i, 2),
            pain_after_1h_nrs=3, pain_next_morning_nrs=2 + i % 2,
            pain_locations=("deep_buttock", "posterior_thigh_mid", "below_knee_calf"),
            body_side="right", pain_radiates="past_knee",
            pain_character=("burning", "tingling") if i else ("burning",),
            pain_aggravators=("sitting", "bending_forward"), sit_tolerance_min=30,
            pain_onset="gradual", pain_timing=("constant",),
            log_note="burning down the back of the leg"))
        log.strain[day] = 2


def _soreness(log: _Log, sessions: pd.DataFrame, rng: np.random.Generator) -> None:
    first = log.end - dt.timedelta(days=SORENESS_DAYS)
    mine = sessions[(sessions["athlete"] == log.athlete.name)
                    & sessions["session_kind"].isin(_HARD_KINDS)]
    last_sore = first - dt.timedelta(days=SORENESS_GAP_DAYS)
    for day in sorted({d for d in mine["local_date"] if d > first}):
        if rng.random() >= SORENESS_CHANCE or (day - last_sore).days < SORENESS_GAP_DAYS:
            continue
        last_sore = day
        where = ("posterior_thigh_mid",) if rng.random() < 0.6 else ("posterior_thigh_upper",)
        for offset, pain in ((1, 3), (2, 1), (3, 0)):
            log.add(L.SymptomEntry(
                local_date=day + dt.timedelta(days=offset), pain_at_rest_nrs=pain,
                pain_locations=where, pain_character=("ache",) if offset == 1 else ("tight",),
                pain_timing=("next_day",), pain_onset="gradual",
                log_note="sore after yesterday's session" if offset == 1 else ""))


def _wellness(log: _Log, days: Iterable[dt.date], rng: np.random.Generator) -> None:
    base = rng.integers(2, 5, size=4)
    for day in sorted(set(days)):
        if rng.random() >= 0.85:
            continue  # not every morning gets logged
        items = base.copy()
        better = int(rng.choice(_BETTER_POINTS, p=_BETTER_CHANCES))
        items[rng.permutation(4)[:better]] -= 1
        extra = log.strain.get(day, 0)
        items += np.array([1, 1, 0, 1]) * extra
        items = np.clip(items, 1, 7)
        sleep, fatigue, stress, soreness = (int(v) for v in items)
        log.add(L.WellnessEntry(day, sleep, fatigue, stress, soreness))


def _story_window(log: _Log) -> list[dt.date]:
    if not log.strain:
        return []
    first, last = min(log.strain) - dt.timedelta(days=60), max(log.strain) + dt.timedelta(days=21)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def add_clinical_stories(store: Store, squad: Squad) -> ClinicalSummary:
    """Write the demo squad's symptom, wellness, injury and VISA-H logs into ``store``.

    Parameters
    ----------
    store
        The demo store (the squad's activities are normally stored already, so that pain
        flags can name the runs; the logs do not need them).
    squad
        The simulated squad (:func:`etl.demo.simulate.simulate_squad`).

    Returns
    -------
    ClinicalSummary
        Counts of what was stored.
    """
    config = squad.config
    sessions = squad.sessions_frame(recorded_only=True)
    counts = {"symptoms": 0, "wellness": 0, "injuries": 0, "visa_h": 0}
    for athlete in squad.athletes:
        rng = np.random.default_rng([config.seed, 4, athlete.index])
        log = _Log(athlete, config.end_date, [], {})
        if athlete.story == "tendon":
            _tendon(log, sessions)
        elif athlete.story == "bone_stress":
            _bone_stress(log, sessions)
        elif athlete.story == "nerve":
            _nerve(log, sessions, config.start_date, config.days)
        _soreness(log, sessions, rng)
        recent = [config.end_date - dt.timedelta(days=n) for n in range(WELLNESS_DAYS)]
        _wellness(log, [d for d in (*_story_window(log), *recent)
                        if config.start_date <= d <= config.end_date], rng)
        athlete_id = store.athlete_id(athlete.name, synthetic=True)
        L.add_many(store, athlete_id, log.entries, entered_by=ENTERED_BY)
        for entry in log.entries:
            counts[L.KINDS[type(entry)]] += 1
    return ClinicalSummary(counts["symptoms"], counts["wellness"], counts["injuries"],
                           counts["visa_h"])
