"""Live updates: the durable table of events sent to open plan pages, and who has a page open.

Revision ID: 7b2e4c91d0a6
Revises: 7b1e4c2d9a60
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "7b2e4c91d0a6"
down_revision: str | None = "7b1e4c2d9a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Ids of accounts and people are random 53-bit numbers: BIGINT on PostgreSQL.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "live_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("shared_seq", sa.Integer(), nullable=True),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("item_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=True),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_live_event_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_live_event_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_live_event_actor_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_event")),
        sa.UniqueConstraint("account_id", "seq", name="uq_live_event_account_seq"),
        sa.UniqueConstraint("account_id", "shared_seq", name="uq_live_event_account_shared_seq"),
    )
    op.create_index(op.f("ix_live_event_occurred_at"), "live_event", ["occurred_at"])
    op.create_table(
        "live_presence",
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("page", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_live_presence_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_live_presence_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_live_presence")),
    )
    op.create_index(op.f("ix_live_presence_instance"), "live_presence", ["instance"])
    op.create_index("ix_live_presence_account_page", "live_presence", ["account_id", "page"])


def downgrade() -> None:
    op.drop_index("ix_live_presence_account_page", table_name="live_presence")
    op.drop_index(op.f("ix_live_presence_instance"), table_name="live_presence")
    op.drop_table("live_presence")
    op.drop_index(op.f("ix_live_event_occurred_at"), table_name="live_event")
    op.drop_table("live_event")
