"""Client priorities: the client's ranked list for a plan.

Revision ID: 45f981943875
Revises: 8fd0d9d6737c
Create Date: 2026-11-23 10:58:24.188670
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "45f981943875"
down_revision: str | None = "8fd0d9d6737c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "priority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("importance", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("horizon", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("horizon IN ('now', 'next', 'later')", name=op.f("ck_priority_horizon")),
        sa.CheckConstraint(
            "importance IN ('critical', 'high', 'medium', 'low')",
            name=op.f("ck_priority_importance"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_priority_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_priority_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_priority_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_priority_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority")),
    )
    with op.batch_alter_table("priority", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_priority_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_priority_plan_rank", ["plan_id", "rank"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("priority", schema=None) as batch_op:
        batch_op.drop_index("ix_priority_plan_rank")
        batch_op.drop_index(batch_op.f("ix_priority_account_id"))

    op.drop_table("priority")
