"""Webhook endpoints of a workspace and their deliveries (an outbox of HTTP requests).

Revision ID: a7e2c9d4f1b6
Revises: f3a7c1e9b842
Create Date: 2026-12-04 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "a7e2c9d4f1b6"
down_revision: str | None = "f3a7c1e9b842"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AutoString = sqlmodel.sql.sqltypes.AutoString
UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", BIG_ID, nullable=False),
        sa.Column("url", AutoString(length=2000), nullable=False),
        sa.Column("description", AutoString(length=200), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("secret_sealed", AutoString(length=500), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_webhook_endpoint_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_webhook_endpoint_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        "ix_webhook_endpoint_workspace", "webhook_endpoint", ["workspace_id", "removed_at"]
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("endpoint_id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("verb", AutoString(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(), nullable=False),
        sa.Column("claimed_until", UTC(), nullable=True),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("failed_at", UTC(), nullable=True),
        sa.Column("last_attempt_at", UTC(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", AutoString(length=1000), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_webhook_delivery_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_webhook_delivery_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_index(
        "ix_webhook_delivery_endpoint", "webhook_delivery", ["endpoint_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_endpoint", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_endpoint_workspace", table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
