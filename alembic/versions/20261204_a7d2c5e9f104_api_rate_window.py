"""The API's rate limit: requests per token in the current minute.

Revision ID: a7d2c5e9f104
Revises: a7e2c9d4f1b6
Create Date: 2026-12-04 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "a7d2c5e9f104"
down_revision: str | None = "a7e2c9d4f1b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_rate_window",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_rate_window")),
    )


def downgrade() -> None:
    op.drop_table("api_rate_window")
