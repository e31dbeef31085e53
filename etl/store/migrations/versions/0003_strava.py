"""Strava tokens, sync state and webhook events

Revision ID: 0003_strava
Revises: 0002_log
"""

import sqlalchemy as sa
from alembic import op

from etl.store.base import UTCDateTime

revision = "0003_strava"
down_revision = "0002_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strava_connections",
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("strava_athlete_id", sa.BigInteger, nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("tokens", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("connected_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("athlete_id", name="pk_strava_connections"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name="fk_strava_connections_athlete_id_athletes"),
        sa.UniqueConstraint("strava_athlete_id", name="uq_strava_connections_strava_athlete_id"),
    )
    op.create_table(
        "sync_state",
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("cursor_after", UTCDateTime),
        sa.Column("backfill_before", UTCDateTime),
        sa.Column("backfill_complete", sa.Boolean, nullable=False),
        sa.Column("last_sync_at", UTCDateTime),
        sa.Column("last_result", sa.JSON),
        sa.PrimaryKeyConstraint("athlete_id", "source", name="pk_sync_state"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name="fk_sync_state_athlete_id_athletes"),
    )
    op.create_table(
        "strava_activities",
        sa.Column("strava_id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("start_time_utc", UTCDateTime),
        sa.Column("summary_sha256", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("strava_id", name="pk_strava_activities"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name="fk_strava_activities_athlete_id_athletes"),
    )
    op.create_index("ix_strava_activities_athlete_status", "strava_activities",
                    ["athlete_id", "status"])
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("aspect_type", sa.String(20), nullable=False),
        sa.Column("object_id", sa.BigInteger, nullable=False),
        sa.Column("owner_id", sa.BigInteger, nullable=False),
        sa.Column("subscription_id", sa.BigInteger, nullable=False),
        sa.Column("event_time", sa.BigInteger, nullable=False),
        sa.Column("updates", sa.JSON, nullable=False),
        sa.Column("processed", sa.Boolean, nullable=False),
        sa.Column("processed_at", UTCDateTime),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
    )
    op.create_index("ix_webhook_events_processed", "webhook_events", ["processed", "id"])
    op.create_table(
        "strava_rate_usage",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("limit_15min", sa.Integer, nullable=False),
        sa.Column("limit_daily", sa.Integer, nullable=False),
        sa.Column("usage_15min", sa.Integer, nullable=False),
        sa.Column("usage_daily", sa.Integer, nullable=False),
        sa.Column("read_limit_15min", sa.Integer, nullable=False),
        sa.Column("read_limit_daily", sa.Integer, nullable=False),
        sa.Column("read_usage_15min", sa.Integer, nullable=False),
        sa.Column("read_usage_daily", sa.Integer, nullable=False),
        sa.Column("observed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_strava_rate_usage"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_processed", table_name="webhook_events")
    op.drop_index("ix_strava_activities_athlete_status", table_name="strava_activities")
    for name in ("strava_rate_usage", "webhook_events", "strava_activities", "sync_state",
                 "strava_connections"):
        op.drop_table(name)
