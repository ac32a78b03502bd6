"""Links to priorities: the account's index of a link table also holds the item, so the join of
items to their links is one index search per item on SQLite (without statistics its planner
chose the account's own index and read every link of the account for each item).

Revision ID: d8c3f1a6b925
Revises: a3f8c2d91e57
Create Date: 2026-12-03 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d8c3f1a6b925"
down_revision: str | None = "a3f8c2d91e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("initiative_priority", "initiative_id"), ("opportunity_priority", "opportunity_id"))


def upgrade() -> None:
    for table, item in TABLES:
        op.create_index(f"ix_{table}_account_item", table, ["account_id", item])
        op.drop_index(f"ix_{table}_account_id", table_name=table)


def downgrade() -> None:
    for table, _item in TABLES:
        op.create_index(f"ix_{table}_account_id", table, ["account_id"])
        op.drop_index(f"ix_{table}_account_item", table_name=table)
