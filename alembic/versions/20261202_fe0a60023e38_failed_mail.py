"""Failed mail: outbox rows say whose they are (workspace, account, sender, invitation) and
when they failed, so failures are shown and sent again; a withdrawn invitation's e-mail is
cancelled.

Revision ID: fe0a60023e38
Revises: 9efceac8b116
Create Date: 2026-12-02 21:25:50.561583
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "fe0a60023e38"
down_revision: str | None = "9efceac8b116"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('pending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sent', 'failed', 'cancelled')"
KINDS = "kind IN ('invitation', 'notification', 'password_reset', 'other')"


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        # Mail queued before this revision says nothing about whose it is: "other".
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="other",
            )
        )
        batch_op.add_column(sa.Column("workspace_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sender_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("auto_requeues", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index("ix_outbox_message_workspace", ["workspace_id", "status"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_invitation_id_invitation"),
            "invitation",
            ["invitation_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_account_id_account"), "account", ["account_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_workspace_id_workspace"),
            "workspace",
            ["workspace_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_sender_id_app_user"), "app_user", ["sender_id"], ["id"]
        )
        batch_op.drop_constraint(batch_op.f("ck_outbox_message_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_message_status"), NEW_STATUSES)
        batch_op.create_check_constraint(batch_op.f("ck_outbox_message_kind"), KINDS)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("auto_requeues", server_default=None)


def downgrade() -> None:
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_message_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_outbox_message_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_message_status"), OLD_STATUSES)
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_sender_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_workspace_id_workspace"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_account_id_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_invitation_id_invitation"), type_="foreignkey"
        )
        batch_op.drop_index("ix_outbox_message_workspace")
        batch_op.drop_index(batch_op.f("ix_outbox_message_invitation_id"))
        batch_op.drop_column("auto_requeues")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("invitation_id")
        batch_op.drop_column("sender_id")
        batch_op.drop_column("account_id")
        batch_op.drop_column("workspace_id")
        batch_op.drop_column("kind")
