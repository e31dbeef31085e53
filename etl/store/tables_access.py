"""Tables of the access domain: users, grants and the append-only audit log.

``users``: who may sign in (server mode), with one role: athlete, coach, clinician or admin.
An athlete user is linked to the athlete record whose data is theirs (``athlete_id``); staff
may belong to a team. ``grants``: an athlete's permission for a named staff user (or for every
coach of a team) to read their data in a scope; withdrawing sets ``withdrawn_at`` (the row stays,
so the athlete can see who had access when). ``audit_log``: one row per staff view or export of
an athlete's data; rows are only ever inserted (triggers refuse UPDATE and DELETE).

``audit_log.athlete_id`` deliberately has no foreign key: the record of who looked at an
athlete's data outlives the data (and deleting it cannot silently cascade into the log).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from etl.store.base import UTCDateTime, metadata

ROLES: tuple[str, ...] = ("athlete", "coach", "clinician", "admin")
SCOPES: tuple[str, ...] = ("load", "load_symptoms", "full")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("email", String(320), unique=True),
    Column("role", String(20), nullable=False),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="SET NULL"), unique=True),
    Column("team", String(200)),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('athlete', 'coach', 'clinician', 'admin')", name="role"),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
    Column("grantee_user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("grantee_team", String(200)),
    Column("scope", String(20), nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("scope IN ('load', 'load_symptoms', 'full')", name="scope"),
    CheckConstraint("(grantee_user_id IS NULL) <> (grantee_team IS NULL)", name="one_grantee"),
    Index("ix_grants_athlete", "athlete_id"),
    Index("ix_grants_grantee_user_id", "grantee_user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("athlete_id", Integer, nullable=False),
    Column("action", String(20), nullable=False),
    Column("what", String(40), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_audit_log_athlete_at", "athlete_id", "occurred_at"),
)
