"""Tables of the Strava domain: connections (encrypted tokens), sync state, per-activity sync
bookkeeping, the durable webhook event log and the last seen rate-limit usage.

Tokens are stored only as Fernet ciphertext (see :mod:`etl.strava.tokens`).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from etl.store.base import UTCDateTime, metadata

strava_connections = Table(
    "strava_connections",
    metadata,
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True),
    Column("strava_athlete_id", BigInteger, nullable=False, unique=True),
    Column("scopes", String(200), nullable=False),
    Column("tokens", LargeBinary, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("connected_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(20), primary_key=True),
    Column("cursor_after", UTCDateTime),
    Column("backfill_before", UTCDateTime),
    Column("backfill_complete", Boolean, nullable=False, default=False),
    Column("last_sync_at", UTCDateTime),
    Column("last_result", JSON),
)

strava_activities = Table(
    "strava_activities",
    metadata,
    Column("strava_id", BigInteger, primary_key=True, autoincrement=False),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("start_time_utc", UTCDateTime),
    Column("summary_sha256", String(64)),
    Column("status", String(20), nullable=False),
    Column("error", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_strava_activities_athlete_status", "athlete_id", "status"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("object_type", String(20), nullable=False),
    Column("aspect_type", String(20), nullable=False),
    Column("object_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("subscription_id", BigInteger, nullable=False),
    Column("event_time", BigInteger, nullable=False),
    Column("updates", JSON, nullable=False),
    Column("processed", Boolean, nullable=False, default=False),
    Column("processed_at", UTCDateTime),
    Column("error", Text),
    Index("ix_webhook_events_processed", "processed", "id"),
)

strava_rate_usage = Table(
    "strava_rate_usage",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("limit_15min", Integer, nullable=False),
    Column("limit_daily", Integer, nullable=False),
    Column("usage_15min", Integer, nullable=False),
    Column("usage_daily", Integer, nullable=False),
    Column("read_limit_15min", Integer, nullable=False),
    Column("read_limit_daily", Integer, nullable=False),
    Column("read_usage_15min", Integer, nullable=False),
    Column("read_usage_daily", Integer, nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
)
