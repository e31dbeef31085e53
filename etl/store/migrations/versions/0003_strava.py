"""Strava tokens, sync state and webhook events

Revision ID: 0003_strava
Revises: 0002_log
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_strava"
down_revision = "0002_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
