"""Joint reviews: the quarterly review meeting with the client (its calendar entry, agenda and
shared minutes), the decisions of its minutes, and the links to it from a value rating, an
action and the vendor's internal review record; an e-mail may carry a calendar invitation.

Revision ID: 7b1e4c2d9a60
Revises: b1e7d4c2a9f0
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "7b1e4c2d9a60"
down_revision: str | None = "b1e7d4c2a9f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = "status IN ('scheduled', 'closed', 'cancelled')"
# The columns that point at a joint review: (table, index it gets).
LINKS = (("value_rating", None), ("action", None), ("review", "uq_review_joint_review"))


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "joint_review",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("plan_id", BIG_ID, nullable=False),
        sa.Column("uid", _string(120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("time_zone", _string(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("status", _string(20), nullable=False),
        sa.Column("attendee_ids", sa.JSON(), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("organizer_id", BIG_ID, nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("ranking_by_id", BIG_ID, nullable=True),
        sa.Column("ranking_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", BIG_ID, nullable=True),
        sa.Column("minutes", sa.JSON(), nullable=False),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_by_id", BIG_ID, nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_joint_review_status")),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 15 AND 480", name=op.f("ck_joint_review_duration")
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (held_on IS NOT NULL)",
            name=op.f("ck_joint_review_held_when_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_joint_review_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_joint_review_plan_id_plan")
        ),
        *(
            sa.ForeignKeyConstraint(
                [column], ["app_user.id"], name=op.f(f"fk_joint_review_{column}_app_user")
            )
            for column in ("organizer_id", "ranking_by_id", "closed_by_id", "cancelled_by_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_review")),
        sa.UniqueConstraint("uid", name=op.f("uq_joint_review_uid")),
    )
    op.create_index(
        op.f("ix_joint_review_account_id"), "joint_review", ["account_id"], unique=False
    )
    op.create_index("ix_joint_review_plan_starts", "joint_review", ["plan_id", "starts_at"])
    op.create_table(
        "review_decision",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("joint_review_id", BIG_ID, nullable=False),
        sa.Column("text", _string(2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_review_decision_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["joint_review_id"],
            ["joint_review.id"],
            name=op.f("fk_review_decision_joint_review_id_joint_review"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_review_decision_created_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
    )
    op.create_index(
        op.f("ix_review_decision_account_id"), "review_decision", ["account_id"], unique=False
    )
    op.create_index(
        "ix_review_decision_review", "review_decision", ["joint_review_id", "created_at"]
    )
    # ADD COLUMN with its reference on both databases: a batch copy of these tables would trip
    # the foreign keys that point at them on SQLite (which takes a named inline reference).
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, index in LINKS:
        name = op.f(f"fk_{table}_joint_review_id_joint_review")
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN joint_review_id INTEGER "
                f"CONSTRAINT {name} REFERENCES joint_review (id)"
            )
        else:
            op.add_column(table, sa.Column("joint_review_id", BIG_ID, nullable=True))
            op.create_foreign_key(name, table, "joint_review", ["joint_review_id"], ["id"])
        if index:
            op.create_index(index, table, ["joint_review_id"], unique=True)
    op.add_column(
        "outbox_message", sa.Column("calendar", sa.Text(), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("outbox_message", "calendar")
    for table, index in reversed(LINKS):
        if index:
            op.drop_index(index, table_name=table)
        if op.get_bind().dialect.name != "sqlite":
            name = op.f(f"fk_{table}_joint_review_id_joint_review")
            op.drop_constraint(name, table, type_="foreignkey")
        # SQLite drops the column with its inline reference; a batch copy of the table would
        # turn the other inline references (e.g. carried_from_id) into table constraints that
        # a later plain DROP COLUMN cannot drop.
        op.drop_column(table, "joint_review_id")
    op.drop_index("ix_review_decision_review", table_name="review_decision")
    op.drop_index(op.f("ix_review_decision_account_id"), table_name="review_decision")
    op.drop_table("review_decision")
    op.drop_index("ix_joint_review_plan_starts", table_name="joint_review")
    op.drop_index(op.f("ix_joint_review_account_id"), table_name="joint_review")
    op.drop_table("joint_review")
