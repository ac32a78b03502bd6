"""Relationships at every level: a stakeholder's contacts on the vendor's team (several, each
with its strength and last contact), their level and location, links between people beyond the
reporting line, and tensions between departments.

The one owner, strength and last contact a stakeholder had become a contact of that owner (a
strength without an owner said only that nobody knew them: no contact). The downgrade puts
back each person's strongest contact (the latest contacted among equals) as the owner.

Revision ID: c4e8a2f6b913
Revises: b5c1e7d3a9f2
Create Date: 2026-12-04 07:40:00
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "c4e8a2f6b913"
down_revision: str | None = "b5c1e7d3a9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AutoString = sqlmodel.sql.sqltypes.AutoString
UTC_TIME = sqlmodel.sql.sqltypes.UTCDateTime
STRENGTHS = "'strong', 'good', 'weak', 'none'"
RANK = {"strong": 0, "good": 1, "weak": 2, "none": 3}
ECONOMIC_BUYER = "is_economic_buyer AND removed_at IS NULL"


def _random_id() -> int:
    return 2**32 + secrets.randbelow(2**53 - 2**32)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _tables() -> None:
    op.create_table(
        "stakeholder_contact",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("stakeholder_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("strength", AutoString(length=20), nullable=False),
        sa.Column("last_contact_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.Column("updated_at", UTC_TIME(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"strength IN ({STRENGTHS})", name=op.f("ck_stakeholder_contact_strength")
        ),
        _fk("stakeholder_contact", "account_id", "account"),
        _fk("stakeholder_contact", "stakeholder_id", "stakeholder"),
        _fk("stakeholder_contact", "user_id", "app_user"),
        _fk("stakeholder_contact", "created_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_contact")),
        sa.UniqueConstraint(
            "stakeholder_id", "user_id", name=op.f("uq_stakeholder_contact_person_user")
        ),
    )
    op.create_index("ix_stakeholder_contact_account", "stakeholder_contact", ["account_id"])
    op.create_table(
        "stakeholder_link",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("from_id", BIG_ID, nullable=False),
        sa.Column("to_id", BIG_ID, nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.CheckConstraint(
            "kind IN ('influences', 'blocks', 'keeps_us_from')",
            name=op.f("ck_stakeholder_link_kind"),
        ),
        sa.CheckConstraint("from_id <> to_id", name=op.f("ck_stakeholder_link_not_self")),
        _fk("stakeholder_link", "account_id", "account"),
        _fk("stakeholder_link", "from_id", "stakeholder"),
        _fk("stakeholder_link", "to_id", "stakeholder"),
        _fk("stakeholder_link", "created_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_link")),
        sa.UniqueConstraint("from_id", "to_id", "kind", name=op.f("uq_stakeholder_link_pair_kind")),
    )
    op.create_index("ix_stakeholder_link_account", "stakeholder_link", ["account_id"])
    op.create_table(
        "department_tension",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("department_a", AutoString(length=200), nullable=False),
        sa.Column("department_b", AutoString(length=200), nullable=False),
        sa.Column("key_a", AutoString(length=200), nullable=False),
        sa.Column("key_b", AutoString(length=200), nullable=False),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.CheckConstraint("key_a < key_b", name=op.f("ck_department_tension_ordered")),
        _fk("department_tension", "account_id", "account"),
        _fk("department_tension", "created_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_tension")),
        sa.UniqueConstraint(
            "account_id", "key_a", "key_b", name=op.f("uq_department_tension_pair")
        ),
    )


def _economic_buyer_index() -> None:
    op.create_index(
        "uq_stakeholder_economic_buyer",
        "stakeholder",
        ["account_id", "decision_key"],
        unique=True,
        sqlite_where=sa.text(ECONOMIC_BUYER),
        postgresql_where=sa.text(ECONOMIC_BUYER),
    )


def upgrade() -> None:
    """The owners are read first; the stakeholder table is rebuilt on SQLite (batch) before
    any row refers to it, then the new tables are made and the contacts written."""
    bind = op.get_bind()
    old = sa.table(
        "stakeholder",
        *(sa.column(name) for name in ("id", "account_id", "owner_id", "strength")),
        sa.column("last_contact_on", sa.Date()),  # read as a date on SQLite too
    )
    owned = bind.execute(
        sa.select(old.c.id, old.c.account_id, old.c.owner_id, old.c.strength, old.c.last_contact_on)
        .where(old.c.owner_id.is_not(None))
        .order_by(old.c.id)
    ).all()
    op.drop_index("uq_stakeholder_economic_buyer", table_name="stakeholder")
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stakeholder_strength"), type_="check")
        batch_op.drop_constraint(op.f("fk_stakeholder_owner_id_app_user"), type_="foreignkey")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("strength")
        batch_op.drop_column("last_contact_on")
        batch_op.add_column(
            sa.Column("level", AutoString(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("location", AutoString(length=200), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            "level", "level IN ('executive', 'management', 'operational', '')"
        )
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.alter_column("level", server_default=None)
        batch_op.alter_column("location", server_default=None)
    _economic_buyer_index()
    _tables()
    now = datetime.now(UTC)
    contacts = sa.table(
        "stakeholder_contact",
        *(sa.column(name) for name in ("id", "account_id", "stakeholder_id", "user_id")),
        sa.column("strength"),
        sa.column("last_contact_on", sa.Date()),
        sa.column("created_at", UTC_TIME()),
        sa.column("updated_at", UTC_TIME()),
        sa.column("version"),
    )
    rows = [
        {
            "id": _random_id(),
            "account_id": account_id,
            "stakeholder_id": person_id,
            "user_id": owner_id,
            "strength": strength,
            "last_contact_on": last_contact_on,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for person_id, account_id, owner_id, strength, last_contact_on in owned
    ]
    if rows:
        op.bulk_insert(contacts, rows)


def downgrade() -> None:
    bind = op.get_bind()
    kept = sa.table(
        "stakeholder_contact",
        *(sa.column(name) for name in ("stakeholder_id", "user_id", "strength")),
        sa.column("last_contact_on", sa.Date()),
    )
    contacts = bind.execute(
        sa.select(kept.c.stakeholder_id, kept.c.user_id, kept.c.strength, kept.c.last_contact_on)
    ).all()
    # Each person's strongest contact, the latest contacted among equals.
    best: dict[int, tuple[tuple[int, int, int], int, str, date | None]] = {}
    for person_id, user_id, strength, last in contacts:
        key = (RANK.get(strength, 3), -(last.toordinal() if last else 0), user_id)
        if person_id not in best or key < best[person_id][0]:
            best[person_id] = (key, user_id, strength, last)
    # Nothing may refer to a stakeholder while SQLite rebuilds the table (batch).
    op.drop_table("department_tension")
    op.drop_index("ix_stakeholder_link_account", table_name="stakeholder_link")
    op.drop_table("stakeholder_link")
    op.drop_index("ix_stakeholder_contact_account", table_name="stakeholder_contact")
    op.drop_table("stakeholder_contact")
    op.drop_index("uq_stakeholder_economic_buyer", table_name="stakeholder")
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stakeholder_level"), type_="check")
        batch_op.drop_column("level")
        batch_op.drop_column("location")
        batch_op.add_column(sa.Column("owner_id", BIG_ID, nullable=True))
        batch_op.add_column(
            sa.Column("strength", AutoString(length=20), nullable=False, server_default="none")
        )
        batch_op.add_column(sa.Column("last_contact_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_stakeholder_owner_id_app_user"), "app_user", ["owner_id"], ["id"]
        )
        batch_op.create_check_constraint("strength", f"strength IN ({STRENGTHS})")
    with op.batch_alter_table("stakeholder", schema=None) as batch_op:
        batch_op.alter_column("strength", server_default=None)
    _economic_buyer_index()
    people = sa.table(
        "stakeholder",
        *(sa.column(name) for name in ("id", "owner_id", "strength")),
        sa.column("last_contact_on", sa.Date()),
    )
    for person_id, (_, user_id, strength, last) in best.items():
        bind.execute(
            people.update()
            .where(people.c.id == person_id)
            .values(owner_id=user_id, strength=strength, last_contact_on=last)
        )
