"""The account's own results (internal): yearly goals, quarterly actuals, and the bid record
of closed opportunities (the reason, the team's note, the day it was closed).

Revision ID: b5c1e7d3a9f2
Revises: c5e1a7f3b920
Create Date: 2026-12-04 07:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "b5c1e7d3a9f2"
down_revision: str | None = "c5e1a7f3b920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
REASONS = (
    "bid_reason = '' OR bid_reason IN ('price', 'offer', 'relationship', 'competitor', "
    "'timing', 'no_decision', 'capacity', 'other')"
)


def _figures(table: str) -> list[Any]:
    """The columns and checks goals and actuals share."""
    return [
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("margin", sa.BigInteger(), nullable=False),
        sa.Column("share_of_wallet", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("revenue >= 0", name=op.f(f"ck_{table}_revenue_positive")),
        sa.CheckConstraint("margin >= 0", name=op.f(f"ck_{table}_margin_positive")),
        sa.CheckConstraint(
            "share_of_wallet BETWEEN 0 AND 100", name=op.f(f"ck_{table}_share_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f(f"fk_{table}_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f(f"fk_{table}_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "account_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *_figures("account_goal"),
        sa.UniqueConstraint("account_id", "year", name="uq_account_goal_year"),
    )
    op.create_table(
        "account_actual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        *_figures("account_actual"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_account_actual_quarter_range")),
        sa.UniqueConstraint("account_id", "year", "quarter", name="uq_account_actual_quarter"),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "bid_reason",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "bid_note",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_opportunity_bid_reason"), REASONS)
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.alter_column("bid_reason", server_default=None)
        batch_op.alter_column("bid_note", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_opportunity_bid_reason"), type_="check")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("bid_note")
        batch_op.drop_column("bid_reason")
    op.drop_table("account_actual")
    op.drop_table("account_goal")
