"""Every table of Jointplan, in one place.

Rules kept here:
- every row of plan data carries ``account_id``: the account is the unit of access control;
- kinds are short strings guarded by CHECK constraints (one list of values in Python, one in SQL);
- relationships are ``lazy="raise"``: a query that needs related rows says so explicitly;
- times are timezone-aware UTC (``utcnow``); SQLModel stores them as UTC on both databases.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

# Constraint names are fixed so that migrations and models agree on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RAISE = {"lazy": "raise"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: type[StrEnum]) -> str:
    listed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({listed})"


class Side(StrEnum):
    VENDOR = "vendor"
    CLIENT = "client"


class Role(StrEnum):
    LEAD = "lead"
    TEAM = "team"
    MENTOR = "mentor"
    SPONSOR = "sponsor"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def side(self) -> Side:
        return Side.VENDOR if self in VENDOR_ROLES else Side.CLIENT

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


VENDOR_ROLES = frozenset({Role.LEAD, Role.TEAM, Role.MENTOR})
CLIENT_ROLES = frozenset({Role.SPONSOR, Role.MEMBER, Role.VIEWER})
ROLE_LABELS = {
    Role.LEAD: "Account lead",
    Role.TEAM: "Team member",
    Role.MENTOR: "Mentor",
    Role.SPONSOR: "Client sponsor",
    Role.MEMBER: "Client member",
    Role.VIEWER: "Client viewer",
}


class WorkspaceRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class IdentityKind(StrEnum):
    PASSWORD = "password"
    OIDC = "oidc"


class Visibility(StrEnum):
    SHARED = "shared"
    INTERNAL = "internal"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SHARED = "shared"
    AGREED = "agreed"


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class ClientOrganisation(SQLModel, table=True):
    """The client company, as one workspace knows it (names are the vendor's, so per workspace)."""

    __tablename__ = "client_organisation"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """One person, one login. Vendor staff belong to a workspace; client people to none."""

    __tablename__ = "app_user"
    __table_args__ = (
        sa.CheckConstraint(
            "(workspace_id IS NULL) = (workspace_role IS NULL)", name="workspace_role_set"
        ),
        sa.CheckConstraint(
            "workspace_role IS NULL OR " + _in("workspace_role", WorkspaceRole),
            name="workspace_role_kind",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id", index=True)
    workspace_role: str | None = Field(default=None, max_length=20)
    is_disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_workspace_admin(self) -> bool:
        return self.workspace_role == WorkspaceRole.ADMIN and not self.is_disabled


class SignInIdentity(SQLModel, table=True):
    """A way to sign in as a user: a password, or an OpenID Connect (issuer, subject) pair.

    A password identity uses the issuer ``jointplan:password`` and the user id as subject, so
    (issuer, subject) is unique for every kind.
    """

    __tablename__ = "sign_in_identity"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject"),
        sa.CheckConstraint(_in("kind", IdentityKind), name="kind"),
        sa.CheckConstraint(
            "(kind = 'password') = (password_hash IS NOT NULL)", name="password_hash_only"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=20)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class LoginAttempt(SQLModel, table=True):
    """Every password sign-in attempt, counted per e-mail and per address for throttling."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    ip: str = Field(max_length=64)
    succeeded: bool
    at: datetime = Field(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Account(SQLModel, table=True):
    """The shared space between one workspace and one client organisation."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    client_org_id: int = Field(foreign_key="client_organisation.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    client_org: ClientOrganisation = Relationship(sa_relationship_kwargs=RAISE)


class Membership(SQLModel, table=True):
    """A person's role in one account. Removal keeps the row (``removed_at``) for the record."""

    __table_args__ = (
        sa.CheckConstraint(_in("role", Role), name="role"),
        sa.Index(
            "uq_membership_active",
            "account_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1

    user: User = Relationship(sa_relationship_kwargs=RAISE)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Invitation(SQLModel, table=True):
    """An e-mailed, single-use, expiring link that makes its address a member of an account."""

    __table_args__ = (
        sa.CheckConstraint(_in("role", Role), name="role"),
        sa.Index(
            "uq_invitation_open",
            "account_id",
            "email",
            unique=True,
            sqlite_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    email: str = Field(max_length=320)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Plan(SQLModel, table=True):
    """An account's plan for a period; exactly one plan of an account is current."""

    __table_args__ = (
        sa.CheckConstraint(_in("status", PlanStatus), name="status"),
        sa.Index(
            "uq_plan_current",
            "account_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    period: str = Field(max_length=50)
    status: str = Field(default=PlanStatus.DRAFT, max_length=20)
    is_current: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1


class Importance(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Horizon(StrEnum):
    NOW = "now"
    NEXT = "next"
    LATER = "later"

    @property
    def label(self) -> str:
        return {
            "now": "Now (0–6 months)",
            "next": "Next (6–18 months)",
            "later": "Later (18+ months)",
        }[self.value]


class Priority(SQLModel, table=True):
    """One of the client's ranked priorities for a plan (client-owned: only client people
    write it). Removal keeps the row (``removed_at``) so later links and history survive."""

    __table_args__ = (
        sa.CheckConstraint(_in("importance", Importance), name="importance"),
        sa.CheckConstraint(_in("horizon", Horizon), name="horizon"),
        sa.Index("ix_priority_plan_rank", "plan_id", "rank"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    rank: int
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    importance: str = Field(default=Importance.HIGH, max_length=20)
    horizon: str = Field(default=Horizon.NEXT, max_length=20)
    owner_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1


class AuditEvent(SQLModel, table=True):
    """One change, in a SHA-256 hash chain per account (``account:<id>``) or ``global``.

    ``item_type``/``item_id`` name the changed row as text on purpose: audit rows outlive the
    items they describe, so they carry no foreign key to them.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.UniqueConstraint("chain", "seq", name="uq_audit_event_chain_seq"),
        sa.CheckConstraint(_in("visibility", Visibility), name="visibility"),
        sa.Index("ix_audit_event_account_seq", "account_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(max_length=40)
    seq: int
    occurred_at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_label: str = Field(default="", max_length=320)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    item_type: str = Field(max_length=40)
    item_id: str = Field(default="", max_length=64)
    verb: str = Field(max_length=60)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    visibility: str = Field(default=Visibility.SHARED, max_length=20)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The last link of each chain; locked while appending so concurrent writers queue."""

    __tablename__ = "audit_chain_head"

    chain: str = Field(primary_key=True, max_length=40)
    seq: int
    hash: str = Field(max_length=64)


class OutboxMessage(SQLModel, table=True):
    """An e-mail written in the transaction that caused it and sent after commit, with retries."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint(_in("status", OutboxStatus), name="status"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=OutboxStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    transport: str = Field(default="", max_length=20)
    last_error: str = Field(default="", max_length=1000)
