"""symptom, wellness, injury and VISA-H log

Revision ID: 0002_log
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

from etl.store.base import UTCDateTime

revision = "0002_log"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TABLES = ("symptom_entries", "wellness_entries", "injuries", "visa_h_scores", "rpe_entries")


def _versioned(table: str, *columns: sa.Column, constraints: tuple = ()) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_uid", sa.String(36), nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("supersedes", sa.Integer),
        sa.Column("is_retracted", sa.Boolean, nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", UTCDateTime, nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name=f"fk_{table}_athlete_id_athletes"),
        sa.ForeignKeyConstraint(["supersedes"], [f"{table}.id"],
                                name=f"fk_{table}_supersedes_{table}"),
        sa.UniqueConstraint("supersedes", name=f"uq_{table}_supersedes"),
        *constraints,
    )
    op.create_index(f"ix_{table}_entry_uid", table, ["entry_uid"])


def upgrade() -> None:
    _versioned(
        "symptom_entries",
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("activity_id", sa.Integer),
        sa.Column("pain_at_rest_nrs", sa.Float),
        sa.Column("pain_during_run_nrs", sa.Float),
        sa.Column("pain_after_1h_nrs", sa.Float),
        sa.Column("pain_next_morning_nrs", sa.Float),
        sa.Column("pain_locations", sa.JSON, nullable=False),
        sa.Column("body_side", sa.String(10)),
        sa.Column("pain_radiates", sa.String(20)),
        sa.Column("pain_character", sa.JSON, nullable=False),
        sa.Column("pain_aggravators", sa.JSON, nullable=False),
        sa.Column("sit_tolerance_min", sa.Float),
        sa.Column("pain_onset", sa.String(20)),
        sa.Column("pain_timing", sa.JSON, nullable=False),
        sa.Column("neuro_flags", sa.JSON, nullable=False),
        sa.Column("systemic_flags", sa.JSON, nullable=False),
        sa.Column("bone_risk_context", sa.JSON, nullable=False),
        sa.Column("acute_signs", sa.JSON, nullable=False),
        sa.Column("log_note", sa.Text, nullable=False),
        constraints=(sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], ondelete="SET NULL",
            name="fk_symptom_entries_activity_id_activities"),),
    )
    op.create_index("ix_symptom_entries_athlete_date", "symptom_entries",
                    ["athlete_id", "local_date"])
    _versioned(
        "wellness_entries",
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("sleep_hooper", sa.Integer, nullable=False),
        sa.Column("fatigue_hooper", sa.Integer, nullable=False),
        sa.Column("stress_hooper", sa.Integer, nullable=False),
        sa.Column("soreness_hooper", sa.Integer, nullable=False),
        sa.Column("log_note", sa.Text, nullable=False),
    )
    op.create_index("ix_wellness_entries_athlete_date", "wellness_entries",
                    ["athlete_id", "local_date"])
    _versioned(
        "injuries",
        sa.Column("injury_onset_date", sa.Date, nullable=False),
        sa.Column("injury_region", sa.String(40), nullable=False),
        sa.Column("body_side", sa.String(10)),
        sa.Column("clinician_diagnosis", sa.Text, nullable=False),
        sa.Column("days_lost", sa.Integer),
        sa.Column("injury_resolved_date", sa.Date),
        sa.Column("log_note", sa.Text, nullable=False),
    )
    op.create_index("ix_injuries_athlete_onset", "injuries", ["athlete_id", "injury_onset_date"])
    _versioned(
        "visa_h_scores",
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("visa_h_items", sa.JSON, nullable=False),
        sa.Column("visa_h_item8_branch", sa.String(1), nullable=False),
        sa.Column("visa_h_points", sa.Integer, nullable=False),
        sa.Column("log_note", sa.Text, nullable=False),
    )
    op.create_index("ix_visa_h_scores_athlete_date", "visa_h_scores",
                    ["athlete_id", "local_date"])
    _versioned(
        "rpe_entries",
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("perceived_exertion", sa.Float),
        sa.Column("log_note", sa.Text, nullable=False),
        constraints=(sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], ondelete="CASCADE",
            name="fk_rpe_entries_activity_id_activities"),),
    )
    op.create_index("ix_rpe_entries_activity", "rpe_entries", ["activity_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
