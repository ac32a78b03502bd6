"""Invitations: the inviter's personal note to the invitee.

Revision ID: c4a9e2f7b318
Revises: 5d1a9e7c3b42
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "c4a9e2f7b318"
down_revision: str | None = "5d1a9e7c3b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases, as for the time zones: a batch copy of the table
    # would fail its foreign keys on SQLite once rows exist.
    op.add_column(
        "invitation",
        sa.Column(
            "note",
            sqlmodel.sql.sqltypes.AutoString(length=1000),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    op.drop_column("invitation", "note")
