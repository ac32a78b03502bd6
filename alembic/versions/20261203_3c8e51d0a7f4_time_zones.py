"""Time zones: a workspace's (default for its people) and a person's own ("" = the workspace's).

Revision ID: 3c8e51d0a7f4
Revises: 5d1c7e3a9b42
Create Date: 2026-12-03 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "3c8e51d0a7f4"
down_revision: str | None = "5d1c7e3a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite has had ADD and DROP COLUMN since 3.35): a
    # batch copy of app_user would fail its foreign keys on SQLite once people exist.
    op.add_column(
        "workspace",
        sa.Column(
            "time_zone",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="UTC",
        ),
    )
    op.add_column(
        "app_user",
        sa.Column(
            "time_zone",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    op.drop_column("app_user", "time_zone")
    op.drop_column("workspace", "time_zone")
