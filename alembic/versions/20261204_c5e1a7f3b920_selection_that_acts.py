"""Selection that acts: the workspace's strategic objectives (each scorecard attribute names the
one it serves), each tier's treatment, the account team's planned hours per quarter, and the
client sponsor's answer to whether the client wants a key-account relationship.

Revision ID: c5e1a7f3b920
Revises: b8e1d4f7a302
Create Date: 2026-12-04 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "c5e1a7f3b920"
down_revision: str | None = "b8e1d4f7a302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIERS = "tier IN ('strategic', 'develop', 'maintain', 'opportunistic')"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _at() -> sqlmodel.sql.sqltypes.UTCDateTime:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def _objectives() -> None:
    op.create_table(
        "strategic_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("title", _text(120), nullable=False),
        sa.Column("description", _text(1000), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _at(), nullable=False),
        sa.Column("updated_at", _at(), nullable=False),
        sa.Column("removed_at", _at(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_strategic_objective_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategic_objective")),
    )
    op.create_index(
        "ix_strategic_objective_workspace",
        "strategic_objective",
        ["workspace_id", "position"],
        unique=False,
    )
    with op.batch_alter_table("scorecard_attribute", schema=None) as batch_op:
        batch_op.add_column(sa.Column("objective_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scorecard_attribute_objective_id_strategic_objective"),
            "strategic_objective",
            ["objective_id"],
            ["id"],
        )


def _treatment() -> None:
    op.create_table(
        "tier_treatment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("tier", _text(20), nullable=False),
        sa.Column("review_months", sa.Integer(), nullable=False),
        sa.Column("mentor_required", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _at(), nullable=False),
        sa.CheckConstraint(TIERS, name=op.f("ck_tier_treatment_tier")),
        sa.CheckConstraint(
            "review_months BETWEEN 1 AND 12", name=op.f("ck_tier_treatment_review_months")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_tier_treatment_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_treatment")),
        sa.UniqueConstraint("workspace_id", "tier", name=op.f("uq_tier_treatment_workspace_id")),
    )


def _hours() -> None:
    op.create_table(
        "planned_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("quarter", _text(7), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("note", _text(500), nullable=False),
        sa.Column("updated_at", _at(), nullable=False),
        sa.Column("updated_by_id", BIG_ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("hours BETWEEN 0 AND 100000", name=op.f("ck_planned_hours_hours_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_planned_hours_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["app_user.id"],
            name=op.f("fk_planned_hours_updated_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_hours")),
        sa.UniqueConstraint("account_id", "quarter", name=op.f("uq_planned_hours_account_id")),
    )
    op.create_index(
        op.f("ix_planned_hours_account_id"), "planned_hours", ["account_id"], unique=False
    )


def _answers() -> None:
    op.create_table(
        "key_account_answer",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("answer", _text(20), nullable=False),
        sa.Column("words", _text(2000), nullable=False),
        sa.Column("answered_by_id", BIG_ID, nullable=True),
        sa.Column("answered_at", _at(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('yes', 'not_now', 'no')", name=op.f("ck_key_account_answer_answer")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_key_account_answer_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["app_user.id"],
            name=op.f("fk_key_account_answer_answered_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_account_answer")),
        sa.UniqueConstraint("account_id", name=op.f("uq_key_account_answer_account_id")),
    )


def upgrade() -> None:
    _objectives()
    _treatment()
    _hours()
    _answers()


def downgrade() -> None:
    op.drop_table("key_account_answer")
    op.drop_index(op.f("ix_planned_hours_account_id"), table_name="planned_hours")
    op.drop_table("planned_hours")
    op.drop_table("tier_treatment")
    with op.batch_alter_table("scorecard_attribute", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scorecard_attribute_objective_id_strategic_objective"),
            type_="foreignkey",
        )
        batch_op.drop_column("objective_id")
    op.drop_index("ix_strategic_objective_workspace", table_name="strategic_objective")
    op.drop_table("strategic_objective")
