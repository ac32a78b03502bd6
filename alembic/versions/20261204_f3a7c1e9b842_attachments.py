"""Attachments: files on a plan's items (priorities, initiatives, actions, comments, strategy
sections), and the content-addressed blobs they share, counted by reference.

Revision ID: f3a7c1e9b842
Revises: f3b8a1d6c402
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "f3a7c1e9b842"
down_revision: str | None = "f3b8a1d6c402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TARGETS = ("priority_id", "initiative_id", "action_id", "comment_id", "strategy_kind")
ONE_TARGET = " + ".join(f"(CASE WHEN {t} IS NULL THEN 0 ELSE 1 END)" for t in TARGETS) + " = 1"
KINDS = "strategy_kind IS NULL OR strategy_kind IN ('goal', 'driver', 'focus', 'challenge', 'success', 'advice')"
ITEMS = (
    ("priority", "priority"),
    ("initiative", "initiative"),
    ("action", "action"),
    ("comment", "comment"),
)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "attachment_blob",
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("refs", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("refs >= 0", name=op.f("ck_attachment_blob_refs_not_negative")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blob")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("plan_id", BIG_ID, nullable=False),
        sa.Column("priority_id", BIG_ID, nullable=True),
        sa.Column("initiative_id", BIG_ID, nullable=True),
        sa.Column("action_id", BIG_ID, nullable=True),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("strategy_kind", _text(20), nullable=True),
        sa.Column("file_name", _text(255), nullable=False),
        sa.Column("content_type", _text(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("uploaded_by_id", BIG_ID, nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("deleted_by_id", BIG_ID, nullable=True),
        sa.CheckConstraint(ONE_TARGET, name=op.f("ck_attachment_one_target")),
        sa.CheckConstraint(KINDS, name=op.f("ck_attachment_strategy_kind")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_attachment_account_id_account")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_attachment_plan_id_plan")),
        *(
            sa.ForeignKeyConstraint(
                [f"{item}_id"], [f"{table}.id"], name=op.f(f"fk_attachment_{item}_id_{table}")
            )
            for item, table in ITEMS
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f("fk_attachment_uploaded_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["app_user.id"], name=op.f("fk_attachment_deleted_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_plan", "attachment", ["plan_id", "created_at"])
    for column in (
        "account_id",
        "priority_id",
        "initiative_id",
        "action_id",
        "comment_id",
        "sha256",
    ):
        op.create_index(f"ix_attachment_{column}", "attachment", [column])


def downgrade() -> None:
    op.drop_table("attachment")
    op.drop_table("attachment_blob")
