"""The vendor's suggested entries for the client's strategy, waiting for the client's answer.

Revision ID: d9e3b7a1c5f2
Revises: c4f1a8e2d7b3
Create Date: 2026-12-04 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "d9e3b7a1c5f2"
down_revision: str | None = "c4f1a8e2d7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "kind IN ('goal', 'driver', 'focus', 'challenge', 'success', 'advice')"
STATUSES = "status IN ('suggested', 'accepted', 'rejected')"
HORIZONS = "horizon IS NULL OR horizon IN ('now', 'next', 'later')"
TABLE = "strategy_suggestion"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _reference(column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{TABLE}_{column}_{referred}")
    )


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime()
    op.create_table(
        TABLE,
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("plan_id", BIG_ID, nullable=False),
        sa.Column("kind", _text(20), nullable=False),
        sa.Column("text", _text(500), nullable=False),
        sa.Column("detail", _text(4000), nullable=False),
        sa.Column("horizon", _text(20), nullable=True),
        sa.Column("status", _text(20), nullable=False),
        sa.Column("suggested_by_id", BIG_ID, nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.Column("answered_by_id", BIG_ID, nullable=True),
        sa.Column("answered_at", moment, nullable=True),
        sa.Column("answer_reason", _text(2000), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=True),
        sa.Column("removed_at", moment, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f(f"ck_{TABLE}_kind")),
        sa.CheckConstraint(STATUSES, name=op.f(f"ck_{TABLE}_status")),
        sa.CheckConstraint(HORIZONS, name=op.f(f"ck_{TABLE}_horizon")),
        _reference("account_id", "account"),
        _reference("plan_id", "plan"),
        _reference("suggested_by_id", "app_user"),
        _reference("answered_by_id", "app_user"),
        _reference("entry_id", "strategy_entry"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(op.f(f"ix_{TABLE}_account_id"), TABLE, ["account_id"], unique=False)
    op.create_index("ix_strategy_suggestion_plan", TABLE, ["plan_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_strategy_suggestion_plan", table_name=TABLE)
    op.drop_index(op.f(f"ix_{TABLE}_account_id"), table_name=TABLE)
    op.drop_table(TABLE)
