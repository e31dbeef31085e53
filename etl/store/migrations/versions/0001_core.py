"""core tables: athletes, activities, aliases, streams, import log

Revision ID: 0001_core
Revises:
"""

import sqlalchemy as sa
from alembic import op

from etl.store.base import UTCDateTime

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sex", sa.String(1)),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("is_synthetic", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_athletes"),
        sa.UniqueConstraint("name", name="uq_athletes_name"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("sport_type", sa.String(40), nullable=False),
        sa.Column("start_time_utc", UTCDateTime, nullable=False),
        sa.Column("start_time_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("distance_m", sa.Float),
        sa.Column("moving_time_s", sa.Float),
        sa.Column("elapsed_time_s", sa.Float),
        sa.Column("elevation_gain_m", sa.Float),
        sa.Column("avg_heart_rate_bpm", sa.Float),
        sa.Column("max_heart_rate_bpm", sa.Float),
        sa.Column("avg_cadence_spm", sa.Float),
        sa.Column("perceived_exertion", sa.Float),
        sa.Column("relative_effort", sa.Float),
        sa.Column("device", sa.String(200)),
        sa.Column("file_name", sa.Text),
        sa.Column("is_manual", sa.Boolean, nullable=False),
        sa.Column("has_streams", sa.Boolean, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name="fk_activities_athlete_id_athletes"),
        sa.UniqueConstraint("source", "source_id", name="uq_activities_source_source_id"),
    )
    op.create_index("ix_activities_athlete_start", "activities", ["athlete_id", "start_time_utc"])
    op.create_index("ix_activities_athlete_date", "activities", ["athlete_id", "local_date"])
    op.create_table(
        "activity_aliases",
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("has_streams", sa.Boolean, nullable=False),
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("seen_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("source", "source_id", name="pk_activity_aliases"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name="fk_activity_aliases_activity_id_activities"),
    )
    op.create_index("ix_activity_aliases_activity", "activity_aliases", ["activity_id"])
    op.create_table(
        "streams",
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("sample_count", sa.Integer, nullable=False),
        sa.Column("time_s", sa.LargeBinary, nullable=False),
        sa.Column("distance_m", sa.LargeBinary),
        sa.Column("altitude_m", sa.LargeBinary),
        sa.Column("heart_rate_bpm", sa.LargeBinary),
        sa.Column("cadence_spm", sa.LargeBinary),
        sa.Column("speed_mps", sa.LargeBinary),
        sa.Column("grade_pct", sa.LargeBinary),
        sa.Column("is_moving", sa.LargeBinary),
        sa.PrimaryKeyConstraint("activity_id", name="pk_streams"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name="fk_streams_activity_id_activities"),
    )
    op.create_table(
        "stream_metrics",
        sa.Column("activity_id", sa.Integer, nullable=False),
        sa.Column("settings_key", sa.String(64), nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name="pk_stream_metrics"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name="fk_stream_metrics_activity_id_activities"),
    )
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("athlete", sa.String(200)),
        sa.Column("imported", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_log"),
    )


def downgrade() -> None:
    for name in ("import_log", "stream_metrics", "streams", "activity_aliases", "activities", "athletes"):
        op.drop_table(name)
