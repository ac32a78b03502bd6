"""Comment tallies: how many live comments each thread of a plan has, per visibility, kept by
every comment added or deleted, so the plan page no longer counts every comment it shows.

Revision ID: a3f8c2d91e57
Revises: e5a1c9d3f720
Create Date: 2026-12-03 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "a3f8c2d91e57"
down_revision: str | None = "e5a1c9d3f720"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Ids of accounts and plans are random 53-bit numbers: BIGINT on PostgreSQL.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Every comment there is already, counted once under its thread's key as
# ``app.comments.repository.thread_key`` makes it (the one target column set, after its item
# type); written out here, as a migration does not import the app.
BACKFILL = """
INSERT INTO comment_tally (plan_id, thread, visibility, account_id, count)
SELECT plan_id,
    CASE
        WHEN priority_id IS NOT NULL THEN 'priority-' || CAST(priority_id AS VARCHAR)
        WHEN initiative_id IS NOT NULL THEN 'initiative-' || CAST(initiative_id AS VARCHAR)
        WHEN action_id IS NOT NULL THEN 'action-' || CAST(action_id AS VARCHAR)
        WHEN rating_id IS NOT NULL THEN 'rating-' || CAST(rating_id AS VARCHAR)
        ELSE 'strategy-' || strategy_kind
    END,
    visibility, account_id, count(*)
FROM comment
WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.create_table(
        "comment_tally",
        sa.Column("plan_id", BIG_ID, nullable=False),
        sa.Column("thread", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_comment_tally_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_comment_tally_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_comment_tally_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("plan_id", "thread", "visibility", name=op.f("pk_comment_tally")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("comment_tally")
