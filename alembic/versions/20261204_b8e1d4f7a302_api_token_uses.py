"""Each request made with a personal access token (the token-use log on /me).

Revision ID: b8e1d4f7a302
Revises: c15a3e7b9d01
Create Date: 2026-12-04 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "b8e1d4f7a302"
down_revision: str | None = "c15a3e7b9d01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_token_use",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("token_id", BIG_ID, nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("route", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_api_token_use_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token_use")),
    )
    op.create_index("ix_api_token_use_token", "api_token_use", ["token_id", "id"])
    op.create_index("ix_api_token_use_used_at", "api_token_use", ["used_at"])


def downgrade() -> None:
    op.drop_index("ix_api_token_use_used_at", table_name="api_token_use")
    op.drop_index("ix_api_token_use_token", table_name="api_token_use")
    op.drop_table("api_token_use")
