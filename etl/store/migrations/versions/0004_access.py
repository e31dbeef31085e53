"""users, grants and audit log

Revision ID: 0004_access
Revises: 0003_strava
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_access"
down_revision = "0003_strava"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
