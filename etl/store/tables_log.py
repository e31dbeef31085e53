"""Tables of the log domain: symptoms, wellness, injuries, VISA-H scores and RPE entries.

Every log table is append-only. An edit inserts a new row (a *version*) that names the row it
replaces in ``supersedes``; the current version of an entry is the one no other row
supersedes. ``entry_uid`` is the same for every version of one entry, so a clinician can see
what was logged at the time and every later change, with who entered it and when
(``entered_by``, ``entered_at``). Withdrawing an entry is a version with ``is_retracted`` set.
The unique constraint on ``supersedes`` keeps each history a single line: two people editing
the same version at once cannot both win.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from etl.store.base import UTCDateTime, metadata


def _version_columns(table: str) -> list[Column[object]]:
    return [
        Column("id", Integer, primary_key=True),
        Column("entry_uid", String(36), nullable=False),
        Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"),
               nullable=False),
        Column("supersedes", Integer, ForeignKey(f"{table}.id")),
        Column("is_retracted", Boolean, nullable=False, default=False),
        Column("entered_by", String(200), nullable=False),
        Column("entered_at", UTCDateTime, nullable=False),
    ]


symptom_entries = Table(
    "symptom_entries",
    metadata,
    *_version_columns("symptom_entries"),
    Column("local_date", Date, nullable=False),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="SET NULL")),
    Column("pain_at_rest_nrs", Float),
    Column("pain_during_run_nrs", Float),
    Column("pain_after_1h_nrs", Float),
    Column("pain_next_morning_nrs", Float),
    Column("pain_locations", JSON, nullable=False),
    Column("body_side", String(10)),
    Column("pain_radiates", String(20)),
    Column("pain_character", JSON, nullable=False),
    Column("pain_aggravators", JSON, nullable=False),
    Column("sit_tolerance_min", Float),
    Column("pain_onset", String(20)),
    Column("pain_timing", JSON, nullable=False),
    Column("neuro_flags", JSON, nullable=False),
    Column("systemic_flags", JSON, nullable=False),
    Column("bone_risk_context", JSON, nullable=False),
    Column("acute_signs", JSON, nullable=False),
    Column("log_note", Text, nullable=False),
    UniqueConstraint("supersedes", name="uq_symptom_entries_supersedes"),
    Index("ix_symptom_entries_athlete_date", "athlete_id", "local_date"),
    Index("ix_symptom_entries_entry_uid", "entry_uid"),
)

wellness_entries = Table(
    "wellness_entries",
    metadata,
    *_version_columns("wellness_entries"),
    Column("local_date", Date, nullable=False),
    Column("sleep_hooper", Integer, nullable=False),
    Column("fatigue_hooper", Integer, nullable=False),
    Column("stress_hooper", Integer, nullable=False),
    Column("soreness_hooper", Integer, nullable=False),
    Column("log_note", Text, nullable=False),
    UniqueConstraint("supersedes", name="uq_wellness_entries_supersedes"),
    Index("ix_wellness_entries_athlete_date", "athlete_id", "local_date"),
    Index("ix_wellness_entries_entry_uid", "entry_uid"),
)

injuries = Table(
    "injuries",
    metadata,
    *_version_columns("injuries"),
    Column("injury_onset_date", Date, nullable=False),
    Column("injury_region", String(40), nullable=False),
    Column("body_side", String(10)),
    Column("clinician_diagnosis", Text, nullable=False),
    Column("days_lost", Integer),
    Column("injury_resolved_date", Date),
    Column("log_note", Text, nullable=False),
    UniqueConstraint("supersedes", name="uq_injuries_supersedes"),
    Index("ix_injuries_athlete_onset", "athlete_id", "injury_onset_date"),
    Index("ix_injuries_entry_uid", "entry_uid"),
)

visa_h_scores = Table(
    "visa_h_scores",
    metadata,
    *_version_columns("visa_h_scores"),
    Column("local_date", Date, nullable=False),
    Column("visa_h_items", JSON, nullable=False),
    Column("visa_h_item8_branch", String(1), nullable=False),
    Column("visa_h_points", Integer, nullable=False),
    Column("log_note", Text, nullable=False),
    UniqueConstraint("supersedes", name="uq_visa_h_scores_supersedes"),
    Index("ix_visa_h_scores_athlete_date", "athlete_id", "local_date"),
    Index("ix_visa_h_scores_entry_uid", "entry_uid"),
)

# Each RPE given through the log; the current value also sits on ``activities`` (the column
# that load computation reads), this table keeps who gave which value when.
rpe_entries = Table(
    "rpe_entries",
    metadata,
    *_version_columns("rpe_entries"),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"),
           nullable=False),
    Column("perceived_exertion", Float),
    Column("log_note", Text, nullable=False),
    UniqueConstraint("supersedes", name="uq_rpe_entries_supersedes"),
    Index("ix_rpe_entries_activity", "activity_id"),
    Index("ix_rpe_entries_entry_uid", "entry_uid"),
)

LOG_TABLES: dict[str, Table] = {
    "symptoms": symptom_entries,
    "wellness": wellness_entries,
    "injuries": injuries,
    "visa_h": visa_h_scores,
    "rpe": rpe_entries,
}
