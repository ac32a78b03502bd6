"""The first visit's short path (issue 12): where a client contributor stands on it, per
membership. NULL: no path (everyone who joined before it existed, vendor people, viewers).

Revision ID: 5d1a9e7c3b42
Revises: 7b2e4c91d0a6
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "5d1a9e7c3b42"
down_revision: str | None = "7b2e4c91d0a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "membership",
        sa.Column("welcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("membership", "welcome")
