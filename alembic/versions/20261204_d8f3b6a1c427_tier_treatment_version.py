"""Each tier's treatment carries a version, so that an admin's save based on an older treatment
is refused (409) instead of silently replacing another admin's change. Rows saved before start
at version 1.

Revision ID: d8f3b6a1c427
Revises: c4e8a2f6b913
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "d8f3b6a1c427"
down_revision: str | None = "c4e8a2f6b913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tier_treatment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("tier_treatment", schema=None) as batch_op:
        batch_op.drop_column("version")
