"""compute_flags as a whole: evidence keys, kind selection, ordering, empty and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from risk.errors import FrameContractError, SettingsError
from risk.evidence import EVIDENCE, explain
from risk.evidence_load import KIND_EVIDENCE, LOAD_EVIDENCE_KEYS
from risk.flag import KINDS
from risk.flags import LOAD_KINDS, SPIKE_KINDS, compute_flags
from tests.risk.flag_helpers import daily_frame, day, sessions_frame


def test_every_load_kind_has_evidence_that_resolves() -> None:
    assert set(LOAD_KINDS) == set(KIND_EVIDENCE) and set(LOAD_KINDS) <= set(KINDS)
    assert set(SPIKE_KINDS) <= set(LOAD_KINDS)
    for keys in KIND_EVIDENCE.values():
        for key in keys:
            entry = explain(key)
            assert entry.grade in "ABCD" and entry.citation and entry.summary
    assert set(LOAD_EVIDENCE_KEYS) <= set(EVIDENCE)
    assert explain("session_spike_frandsen2025").doi == "10.1136/bjsports-2024-109380"


def test_flags_come_sorted_with_resolving_keys() -> None:
    sessions = sessions_frame([
        {"date": "2024-03-01", "km": 10.0}, {"date": "2024-03-02", "km": 25.0},   # large
        {"date": "2024-03-01", "km": 5.0, "athlete": "Ben"},
        {"date": "2024-03-02", "km": 6.0, "athlete": "Ben"}])                     # small
    flags = compute_flags(sessions, daily_frame(sessions))
    assert [(f.athlete, f.local_date, f.severity) for f in flags] == [
        ("Ana", day("2024-03-02"), "high"), ("Ben", day("2024-03-02"), "low")]
    assert all(f.evidence_key in EVIDENCE for f in flags)


def test_kind_selection_and_unknown_kind() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0},
                               {"date": "2024-03-02", "km": 25.0}])
    daily = daily_frame(sessions)
    assert compute_flags(sessions, daily, kinds=["weekly_spike"]) == []
    with pytest.raises(SettingsError, match="session_spikes"):
        compute_flags(sessions, daily, kinds=["session_spikes"])


def test_empty_frames_give_no_flags() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0}]).iloc[0:0]
    daily = daily_frame(sessions_frame([{"date": "2024-03-01", "km": 10.0}])).iloc[0:0]
    assert compute_flags(sessions, daily) == []


def test_missing_columns_are_named_with_the_fix() -> None:
    sessions = sessions_frame([{"date": "2024-03-01", "km": 10.0}])
    daily = daily_frame(sessions)
    with pytest.raises(FrameContractError, match=r"lacks column\(s\) monotony, strain"):
        compute_flags(sessions, daily.drop(columns=["monotony", "strain"]))
    with pytest.raises(FrameContractError, match="distance_km"):
        compute_flags(sessions.drop(columns=["distance_km"]), daily, kinds=["session_spike"])
    with pytest.raises(FrameContractError, match="load_status"):
        compute_flags(sessions, pd.DataFrame(daily.drop(columns=["load_status"])),
                      kinds=["data_gap"])
