"""The flag record: one vocabulary used by the CLI, the dashboard and the reports.

Every flag carries athlete, date, kind, severity, value, threshold, a one-sentence
plain-language message and an evidence key that resolves (:mod:`risk.evidence`) to a citation
and an evidence grade (DESIGN.md section 6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

KINDS: tuple[str, ...] = (
    "red_flag", "pain_response", "session_spike", "weekly_spike", "hill_spike",
    "intensity_spike", "poor_recovery", "monotony_high", "overstride", "acwr_high", "acwr_low",
    "data_gap",
)
SEVERITIES: tuple[str, ...] = ("low", "moderate", "high", "urgent")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}

FLAG_COLUMNS: tuple[str, ...] = (
    "athlete", "local_date", "kind", "severity", "value", "threshold", "unit", "message",
    "evidence_key", "activity_id", "category", "advice",
)


@dataclass(frozen=True)
class Flag:
    """One flag.

    Parameters
    ----------
    athlete, local_date
        Whose and which local calendar day.
    kind
        One of :data:`KINDS`.
    severity
        One of :data:`SEVERITIES`.
    value, threshold, unit
        The measured value, the threshold it crossed, and their unit (e.g. ``"%"``).
    message
        One plain-language sentence, with absolute numbers where they help.
    evidence_key
        Key into :data:`risk.evidence.EVIDENCE`.
    activity_id
        The run that triggered it, for session-level rules.
    category
        Sub-kind, e.g. ``"moderate"`` for a session spike or ``"BONE_STRESS_POSSIBLE"``.
    advice
        What to do next, one sentence.
    """

    athlete: str
    local_date: dt.date
    kind: str
    severity: str
    value: float | None
    threshold: float | None
    unit: str
    message: str
    evidence_key: str
    activity_id: int | None = None
    category: str = ""
    advice: str = ""
    details: dict[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown flag kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")


def flags_frame(flags: Iterable[Flag]) -> pd.DataFrame:
    """Flags as a frame with :data:`FLAG_COLUMNS`, most urgent first within each day."""
    # Column by column from the attributes (asdict would deep-copy every flag's details).
    listed = list(flags)
    frame = pd.DataFrame({name: pd.Series([getattr(f, name) for f in listed])
                          for name in FLAG_COLUMNS})
    if frame.empty:
        return frame
    frame["_rank"] = frame["severity"].map(SEVERITY_RANK)
    frame["_kind"] = frame["kind"].map({k: i for i, k in enumerate(KINDS)})
    frame = frame.sort_values(["athlete", "local_date", "_rank", "_kind"],
                              ascending=[True, True, False, True], kind="stable")
    return frame.drop(columns=["_rank", "_kind"]).reset_index(drop=True)
