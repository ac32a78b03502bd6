"""Import drafts: an uploaded file's rows (accounts or stakeholders) kept between the preview
and the confirmation, so that the confirmation applies exactly what was previewed, once.

Revision ID: f3b8a1d6c402
Revises: f3b9a7c1d2e8
Create Date: 2026-12-04 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "f3b8a1d6c402"
down_revision: str | None = "f3b9a7c1d2e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "import_draft",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("kind", _text(20), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("uploader_id", BIG_ID, nullable=False),
        sa.Column("file_name", _text(200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('accounts', 'stakeholders')", name=op.f("ck_import_draft_kind")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_import_draft_workspace_id_workspace")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_import_draft_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["app_user.id"], name=op.f("fk_import_draft_uploader_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_draft")),
    )
    op.create_index(
        "ix_import_draft_uploader", "import_draft", ["uploader_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_import_draft_uploader", table_name="import_draft")
    op.drop_table("import_draft")
