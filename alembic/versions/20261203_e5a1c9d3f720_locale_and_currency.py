"""Locales and currencies: a person's locale ("" until their first sign-in adopts the browser's)
and a workspace's currency (ISO 4217, EUR unless an admin sets another).

Revision ID: e5a1c9d3f720
Revises: c4a9e2f7b318
Create Date: 2026-12-03 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "e5a1c9d3f720"
down_revision: str | None = "c4a9e2f7b318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases, as the time zones' migration does (a batch copy of
    # app_user would fail its foreign keys on SQLite once people exist).
    op.add_column(
        "workspace",
        sa.Column(
            "currency",
            sqlmodel.sql.sqltypes.AutoString(length=3),
            nullable=False,
            server_default="EUR",
        ),
    )
    op.add_column(
        "app_user",
        sa.Column(
            "locale",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    op.drop_column("app_user", "locale")
    op.drop_column("workspace", "currency")
