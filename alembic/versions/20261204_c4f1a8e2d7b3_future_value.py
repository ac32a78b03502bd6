"""The value the client expects the relationship to have: a rating's future overall and
per-dimension scores, optional (ratings given before keep none).

Revision ID: c4f1a8e2d7b3
Revises: a7d2c5e9f104
Create Date: 2026-12-04 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "c4f1a8e2d7b3"
down_revision: str | None = "a7d2c5e9f104"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


RANGE = "future_overall IS NULL OR future_overall BETWEEN 0 AND 10"
CHECK = "ck_value_rating_future_overall_range"


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch copy of value_rating would turn its inline
    # references (joint_review_id) into table constraints that an earlier downgrade's plain DROP
    # COLUMN cannot drop. SQLite takes the range check inline, on the column.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE value_rating ADD COLUMN future_overall INTEGER "
            f"CONSTRAINT {CHECK} CHECK ({RANGE})"
        )
    else:
        op.add_column("value_rating", sa.Column("future_overall", sa.Integer(), nullable=True))
        op.create_check_constraint(op.f(CHECK), "value_rating", RANGE)
    op.add_column(
        "value_rating", sa.Column("future_scores", sa.JSON(), nullable=False, server_default="{}")
    )


def downgrade() -> None:
    op.drop_column("value_rating", "future_scores")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(CHECK), "value_rating", type_="check")
    op.drop_column("value_rating", "future_overall")  # SQLite: with its inline check
