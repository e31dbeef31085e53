"""The flag rules on the simulated demo squad: planted patterns are caught, clean runners are not
flagged for spikes (issue 3 item 9)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.demo.simulate import SquadConfig, activities_frame, simulate_squad
from risk.athlete import AthleteSettings
from risk.context import context_metrics
from risk.daily import daily_frame
from risk.evidence import explain
from risk.flag import flags_frame
from risk.flags import LOAD_KINDS, SPIKE_KINDS, compute_flags
from risk.sessions import session_frame


@pytest.fixture(scope="module")
def squad_flags() -> tuple[object, pd.DataFrame]:
    squad = simulate_squad(SquadConfig(end_date=dt.date(2025, 6, 30), with_streams=False))
    settings = {
        a.name: AthleteSettings(max_hr_bpm=a.max_hr, rest_hr_bpm=a.rest_hr,
                                threshold_hr_bpm=a.rest_hr + 0.85 * (a.max_hr - a.rest_hr),
                                threshold_speed_mps=a.threshold_speed_mps, sex=a.sex)
        for a in squad.athletes}
    sessions = session_frame(activities_frame(squad), None, settings)
    daily = context_metrics(daily_frame(sessions))
    return squad, flags_frame(compute_flags(sessions, daily, None, settings))


def test_every_load_kind_is_triggered_somewhere(squad_flags: tuple[object, pd.DataFrame]) -> None:
    _, flags = squad_flags
    assert set(LOAD_KINDS) <= set(flags["kind"])


def test_planted_patterns_are_caught(squad_flags: tuple[object, pd.DataFrame]) -> None:
    squad, flags = squad_flags
    missed = []
    for athlete in squad.athletes:  # type: ignore[attr-defined]
        found = set(flags.loc[flags["athlete"] == athlete.name, "kind"])
        missed += [(athlete.name, kind) for kind in athlete.planted if kind not in found]
    assert missed == []


def test_clean_runners_trigger_no_spike_flags(squad_flags: tuple[object, pd.DataFrame]) -> None:
    squad, flags = squad_flags
    clean = [a.name for a in squad.athletes if not a.planted]  # type: ignore[attr-defined]
    assert len(clean) >= 4
    spikes = flags[flags["athlete"].isin(clean) & flags["kind"].isin(SPIKE_KINDS)]
    assert spikes[["athlete", "local_date", "kind", "message"]].to_dict("records") == []


def test_flags_are_complete_records(squad_flags: tuple[object, pd.DataFrame]) -> None:
    _, flags = squad_flags
    assert flags["evidence_key"].map(lambda key: explain(key).grade).isin(list("ABCD")).all()
    assert flags["message"].str.len().gt(20).all() and flags["advice"].str.len().gt(10).all()
    assert not flags["message"].str.contains(r"\bnan\b|None", regex=True).any()
