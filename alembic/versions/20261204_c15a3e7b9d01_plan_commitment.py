"""The team's commitment to the plan before it goes to the client: one row per asked person
per round (internal).

Revision ID: c15a3e7b9d01
Revises: d9e3b7a1c5f2
Create Date: 2026-12-04 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "c15a3e7b9d01"
down_revision: str | None = "d9e3b7a1c5f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("plan_id", BIG_ID, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("member_id", BIG_ID, nullable=False),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("asked_by_id", BIG_ID, nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at_asking", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "answer IN ('', 'committed', 'concern')", name=op.f("ck_commitment_answer")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_commitment_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["app_user.id"], name=op.f("fk_commitment_asked_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["app_user.id"], name=op.f("fk_commitment_member_id_app_user")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_commitment_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
        sa.UniqueConstraint("plan_id", "round", "member_id", name="uq_commitment_round_member"),
    )
    op.create_index("ix_commitment_account_id", "commitment", ["account_id"])
    op.create_index("ix_commitment_plan_id", "commitment", ["plan_id"])
    op.create_index("ix_commitment_member_current", "commitment", ["member_id", "current"])


def downgrade() -> None:
    op.drop_index("ix_commitment_member_current", table_name="commitment")
    op.drop_index("ix_commitment_plan_id", table_name="commitment")
    op.drop_index("ix_commitment_account_id", table_name="commitment")
    op.drop_table("commitment")
