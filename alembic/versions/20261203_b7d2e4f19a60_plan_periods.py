"""Plan periods: a plan's dates, the period it followed and when it closed; the item of the
previous period a carried-over priority, initiative, action or strategy entry was copied from.

Revision ID: b7d2e4f19a60
Revises: 3c8e51d0a7f4
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "b7d2e4f19a60"
down_revision: str | None = "3c8e51d0a7f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# (table, column, the table it refers to)
LINKS = (
    ("plan", "previous_id", "plan"),
    ("priority", "carried_from_id", "priority"),
    ("initiative", "carried_from_id", "initiative"),
    ("action", "carried_from_id", "action"),
    ("strategy_entry", "carried_from_id", "strategy_entry"),
)


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: the new columns are nullable. SQLite adds the
    # reference inline (it cannot add a constraint to an existing table, and a batch copy of
    # these tables would fail the foreign keys that point at them).
    op.add_column("plan", sa.Column("starts_on", sa.Date(), nullable=True))
    op.add_column("plan", sa.Column("ends_on", sa.Date(), nullable=True))
    op.add_column(
        "plan", sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred in LINKS:
        if sqlite:
            name = _fk_name(table, column, referred)
            op.execute(
                f'ALTER TABLE "{table}" ADD COLUMN {column} INTEGER '
                f'CONSTRAINT {name} REFERENCES "{referred}" (id)'
            )
        else:
            op.add_column(table, sa.Column(column, BIG_ID, nullable=True))
            op.create_foreign_key(
                _fk_name(table, column, referred), table, referred, [column], ["id"]
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, referred in reversed(LINKS):
        if not sqlite:
            op.drop_constraint(_fk_name(table, column, referred), table, type_="foreignkey")
        op.drop_column(table, column)
    op.drop_column("plan", "closed_at")
    op.drop_column("plan", "ends_on")
    op.drop_column("plan", "starts_on")
