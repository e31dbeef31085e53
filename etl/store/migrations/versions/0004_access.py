"""users, grants and audit log

Revision ID: 0004_access
Revises: 0003_strava

The audit log is append-only: on both SQLite and PostgreSQL a trigger refuses every UPDATE
and DELETE of its rows (on PostgreSQL only the table owner can TRUNCATE; run the service as
a role that does not own the tables, see docs/server-mode.md).
"""

import sqlalchemy as sa
from alembic import op

from etl.store.base import UTCDateTime

revision = "0004_access"
down_revision = "0003_strava"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
)
_PG_TRIGGER = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("athlete_id", sa.Integer),
        sa.Column("team", sa.String(200)),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("athlete_id", name="uq_users_athlete_id"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="SET NULL",
                                name="fk_users_athlete_id_athletes"),
        sa.CheckConstraint("role IN ('athlete', 'coach', 'clinician', 'admin')",
                           name="ck_users_role"),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("grantee_user_id", sa.Integer),
        sa.Column("grantee_team", sa.String(200)),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", UTCDateTime, nullable=False),
        sa.Column("withdrawn_at", UTCDateTime),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name="fk_grants_athlete_id_athletes"),
        sa.ForeignKeyConstraint(["grantee_user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_grants_grantee_user_id_users"),
        sa.CheckConstraint("scope IN ('load', 'load_symptoms', 'full')", name="ck_grants_scope"),
        sa.CheckConstraint("(grantee_user_id IS NULL) <> (grantee_team IS NULL)",
                           name="ck_grants_one_grantee"),
    )
    op.create_index("ix_grants_athlete", "grants", ["athlete_id"])
    op.create_index("ix_grants_grantee_user_id", "grants", ["grantee_user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_athlete_at", "audit_log", ["athlete_id", "occurred_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_index("ix_audit_log_athlete_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_grants_grantee_user_id", table_name="grants")
    op.drop_index("ix_grants_athlete", table_name="grants")
    op.drop_table("grants")
    op.drop_table("users")
