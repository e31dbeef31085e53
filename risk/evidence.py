"""Evidence registry: every flag's evidence key resolves to a citation and a grade.

Grades (SCIENCE.md): A prospective cohort or RCT in runners with injury as outcome;
B team-sport cohort or lab biomechanics/physiology; C expert opinion, case reports,
narrative reviews, vendor conventions; D product heuristic with no published support.
"""

from __future__ import annotations

from dataclasses import dataclass

GRADES: dict[str, str] = {
    "A": "prospective cohort or RCT in runners, injury as the outcome",
    "B": "team-sport cohort, or lab biomechanics/physiology without injury as the outcome",
    "C": "expert opinion, case reports, narrative reviews or vendor conventions",
    "D": "product heuristic with no published support",
}


@dataclass(frozen=True)
class Evidence:
    """Where a rule comes from and how strong its support is."""

    key: str
    title: str
    citation: str
    grade: str
    summary: str
    doi: str = ""

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ValueError(f"evidence {self.key!r}: unknown grade {self.grade!r}")


EVIDENCE: dict[str, Evidence] = {}


def register(*entries: Evidence) -> None:
    """Add entries to :data:`EVIDENCE` (each key once)."""
    for entry in entries:
        if entry.key in EVIDENCE and EVIDENCE[entry.key] != entry:
            raise ValueError(f"evidence key {entry.key!r} registered twice")
        EVIDENCE[entry.key] = entry


def explain(key: str) -> Evidence:
    """The evidence behind ``key``; raises ``KeyError`` naming the known keys."""
    try:
        return EVIDENCE[key]
    except KeyError:
        known = ", ".join(sorted(EVIDENCE))
        raise KeyError(f"unknown evidence key {key!r}; known: {known}") from None
