"""Core tables: athletes, activities, the aliases that de-duplicate them, streams, import log.

Streams are stored one row per activity, one compressed float64 array per channel
(see :mod:`etl.store.codec`); GPS coordinates are never stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from etl.store.base import UTCDateTime, metadata

athletes = Table(
    "athletes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("sex", String(1)),  # "F", "M" or NULL (unknown)
    Column("settings", JSON, nullable=False, default=dict),  # per-athlete overrides
    Column("is_synthetic", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("name", Text),
    Column("sport_type", String(40), nullable=False),
    Column("start_time_utc", UTCDateTime, nullable=False),
    Column("start_time_local", DateTime(timezone=False), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("distance_m", Float),
    Column("moving_time_s", Float),
    Column("elapsed_time_s", Float),
    Column("elevation_gain_m", Float),
    Column("avg_heart_rate_bpm", Float),
    Column("max_heart_rate_bpm", Float),
    Column("avg_cadence_spm", Float),
    Column("perceived_exertion", Float),
    Column("relative_effort", Float),
    Column("device", String(200)),
    Column("file_name", Text),
    Column("is_manual", Boolean, nullable=False, default=False),
    Column("has_streams", Boolean, nullable=False, default=False),
    Column("extra", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "source_id", name="uq_activities_source_source_id"),
    Index("ix_activities_athlete_start", "athlete_id", "start_time_utc"),
    Index("ix_activities_athlete_date", "athlete_id", "local_date"),
)

# Every (source, source_id) ever seen for an activity, so that a run arriving from a second
# source (or the same one again) resolves to the one stored activity.
activity_aliases = Table(
    "activity_aliases",
    metadata,
    Column("source", String(20), primary_key=True),
    Column("source_id", String(100), primary_key=True),
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("has_streams", Boolean, nullable=False, default=False),
    Column("content_sha256", String(64)),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_activity_aliases_activity", "activity_id"),
)

streams = Table(
    "streams",
    metadata,
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"),
           primary_key=True),
    Column("sample_count", Integer, nullable=False),
    Column("time_s", LargeBinary, nullable=False),
    Column("distance_m", LargeBinary),
    Column("altitude_m", LargeBinary),
    Column("heart_rate_bpm", LargeBinary),
    Column("cadence_spm", LargeBinary),
    Column("speed_mps", LargeBinary),
    Column("grade_pct", LargeBinary),
    Column("is_moving", LargeBinary),
)

# Per-activity values derived from the streams by ``risk.session`` (a cache: it can always be
# recomputed; ``settings_key`` identifies the athlete settings it was computed with).
stream_metrics = Table(
    "stream_metrics",
    metadata,
    Column("activity_id", Integer, ForeignKey("activities.id", ondelete="CASCADE"),
           primary_key=True),
    Column("settings_key", String(64), nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("input", Text, nullable=False),
    Column("athlete", String(200)),
    Column("imported", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("messages", JSON, nullable=False, default=list),
)
