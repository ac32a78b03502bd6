"""Random ids: the ids that reach a client are drawn at random in [2**32, 2**53) by the app
(``app.models.random_id``), so they become BIGINT on PostgreSQL, with every column referring to
them. SQLite's integers are 64-bit already: nothing changes there. Existing rows keep their ids.

The downgrade turns them back into INTEGER; once a random id is stored it refuses, saying why,
rather than letting PostgreSQL fail half-way.

Revision ID: 5d1c7e3a9b42
Revises: fe0a60023e38
Create Date: 2026-12-02 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5d1c7e3a9b42"
down_revision: str | None = "fe0a60023e38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> the columns holding a random id (its own, or one it refers to).
COLUMNS: dict[str, tuple[str, ...]] = {
    "app_user": ("id",),
    "account": ("id", "created_by_id"),
    "password_reset": ("user_id",),
    "sign_in_identity": ("user_id",),
    "user_session": ("user_id",),
    "account_score": ("account_id", "scored_by_id"),
    "audit_event": ("actor_id", "account_id"),
    "outbox_message": ("account_id", "sender_id", "invitation_id"),
    "invitation": ("id", "account_id", "invited_by_id", "accepted_user_id"),
    "membership": ("id", "account_id", "user_id"),
    "notification": ("id", "user_id", "account_id", "actor_id"),
    "opportunity": ("account_id", "owner_id", "created_by_id"),
    "plan": (
        "id",
        "account_id",
        "created_by_id",
        "submitted_by_id",
        "sponsor_approved_by_id",
        "lead_approved_by_id",
    ),
    "profile_section": ("id", "account_id", "updated_by_id", "shared_by_id", "answered_by_id"),
    "stakeholder": (
        "id",
        "account_id",
        "reports_to_id",
        "owner_id",
        "created_by_id",
        "sent_by_id",
        "answered_by_id",
    ),
    "initiative": ("id", "account_id", "plan_id", "owner_id", "created_by_id", "answered_by_id"),
    "perceived_rating": ("account_id", "plan_id", "recorded_by_id"),
    "plan_version": (
        "id",
        "account_id",
        "plan_id",
        "submitted_by_id",
        "sponsor_approved_by_id",
        "lead_approved_by_id",
    ),
    "priority": (
        "id",
        "account_id",
        "plan_id",
        "owner_id",
        "created_by_id",
        "suggested_by_id",
        "answered_by_id",
    ),
    "strategy_entry": ("id", "account_id", "plan_id", "created_by_id"),
    "value_rating": ("id", "account_id", "plan_id", "rated_by_id"),
    "action": (
        "id",
        "account_id",
        "plan_id",
        "owner_id",
        "priority_id",
        "initiative_id",
        "created_by_id",
    ),
    "initiative_priority": ("initiative_id", "priority_id", "account_id"),
    "mentor_request": (
        "account_id",
        "plan_id",
        "initiative_id",
        "requested_by_id",
        "answered_by_id",
    ),
    "opportunity_priority": ("priority_id", "account_id"),
    "perceived_priority": ("account_id", "plan_id", "priority_id", "created_by_id"),
    "review": ("account_id", "plan_id", "rating_id", "created_by_id", "signed_off_by_id"),
    "comment": (
        "id",
        "account_id",
        "plan_id",
        "priority_id",
        "initiative_id",
        "action_id",
        "rating_id",
        "author_id",
    ),
}


def _retype(to: str) -> None:
    """One ALTER TABLE per table with every column in it: PostgreSQL then rewrites each table and
    rebuilds its indexes once, not once per column (which also held a lock on every rebuilt index
    until the end: 2,500 locks, enough for two migrations at once to fill the lock table)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {to}' for column in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, columns in COLUMNS.items():
            rows = sa.table(table, *(sa.column(column) for column in columns))
            widest = sa.select(*(sa.func.max(column) for column in rows.columns))
            if any(value > 2**31 - 1 for value in bind.execute(widest).one() if value):
                raise RuntimeError(
                    f"Cannot downgrade: {table} holds ids beyond INTEGER (random ids); "
                    "restore a backup taken with the older version instead."
                )
    _retype("INTEGER")
