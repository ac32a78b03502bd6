"""Reminders and digests: a person's choice per kind of notice, the notices given (each once),
the scheduler's claimed job runs, and the extra headers an e-mail carries to SMTP.

Revision ID: b1e7d4c2a9f0
Revises: b7d2e4f19a60
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "b1e7d4c2a9f0"
down_revision: str | None = "b7d2e4f19a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DELIVERY = "delivery IN ('immediate', 'daily', 'weekly', 'off')"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "notice_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("kind", _text(40), nullable=False),
        sa.Column("delivery", _text(20), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(DELIVERY, name=op.f("ck_notice_preference_delivery")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notice_preference_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_preference")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notice_preference_user_id")),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("kind", _text(40), nullable=False),
        sa.Column("key", _text(120), nullable=False),
        sa.Column("message", _text(500), nullable=False),
        sa.Column("link", _text(500), nullable=False),
        sa.Column("delivery", _text(20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("digested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(DELIVERY, name=op.f("ck_notice_delivery")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_notice_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notice_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_notice_user_id")),
    )
    op.create_index("ix_notice_digest", "notice", ["user_id", "delivery", "digested_at"])
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", _text(60), nullable=False),
        sa.Column("slot", _text(40), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job", "slot", name=op.f("uq_job_run_job")),
    )
    # Plain ALTER TABLE on both databases (see the time-zones migration).
    op.add_column(
        "outbox_message", sa.Column("headers", sa.JSON(), nullable=False, server_default="{}")
    )
    op.add_column(
        "outbox_message",
        sa.Column("unsubscribe", _text(80), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("outbox_message", "unsubscribe")
    op.drop_column("outbox_message", "headers")
    op.drop_table("job_run")
    op.drop_index("ix_notice_digest", table_name="notice")
    op.drop_table("notice")
    op.drop_table("notice_preference")
