"""Every table of Jointplan, in one place.

Rules kept here:
- every row of plan data carries ``account_id``: the account is the unit of access control;
- kinds are short strings guarded by CHECK constraints (one list of values in Python, one in SQL);
- relationships are ``lazy="raise"``: a query that needs related rows says so explicitly;
- times are timezone-aware UTC (``utcnow``); SQLModel stores them as UTC on both databases.
"""

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from app.kit.clock import DEFAULT_ZONE, clock

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
    """Now, aware, in UTC, from the app's one clock (``app.kit.clock``; tests move it)."""
    return clock.now()


# Ids that reach a client (URLs, anchors, audit rows, htmx targets, form actions) are drawn at
# random, so that a client cannot count the internal items (team-only comments, drafts, people
# and sections never sent, the vendor's notifications) nor other accounts' items between two ids
# it sees, as it could with a sequence. They lie in [2**32, 2**53): above the sequential ids an
# existing installation already has (no collision), and exact in JSON and JavaScript. They are
# BIGINT on PostgreSQL, and so is every foreign key to them (``_big_ids`` below). Being random,
# they say nothing about order either: "made earlier" is ``created_at`` (id only breaks ties).
RANDOM_ID_LOW, RANDOM_ID_HIGH = 2**32, 2**53


def random_id() -> int:
    return RANDOM_ID_LOW + secrets.randbelow(RANDOM_ID_HIGH - RANDOM_ID_LOW)


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
    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt; shown, and sent again on request
    CANCELLED = "cancelled"  # not worth sending any more: its invitation was withdrawn


class MailKind(StrEnum):
    """What an e-mail is for: decides who is shown its failure (DESIGN.md §5)."""

    INVITATION = "invitation"  # the inviter and the workspace's admins
    NOTIFICATION = "notification"  # nobody sent it personally: the workspace's admins
    PASSWORD_RESET = "password_reset"  # the person asks again; a vendor's admins see it
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "invitation": "Invitation",
            "notification": "Notification",
            "password_reset": "Password reset",
            "other": "Other",
        }[self.value]


class PlanStatus(StrEnum):
    DRAFT = "draft"  # being written; never agreed, or changed since the last agreement
    SUBMITTED = "submitted"  # the lead asked for agreement; waiting for the approvals
    AGREED = "agreed"  # the last agreed version is the plan as it stands


DEFAULT_VALUE_DIMENSIONS = (
    "Understanding of our business",
    "Quality of delivery",
    "Responsiveness",
    "Insight and innovation",
    "Value for money",
)


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # The dimensions clients rate the relationship on (DESIGN.md §3.3); the workspace may
    # change them. Ratings keep the dimension names they were given under.
    value_dimensions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_VALUE_DIMENSIONS), sa_type=sa.JSON
    )
    # The IANA time zone of the workspace's people who chose none (``app.kit.clock.zone_of``).
    time_zone: str = Field(
        default=DEFAULT_ZONE, max_length=64, sa_column_kwargs={"server_default": DEFAULT_ZONE}
    )
    # The ISO 4217 currency every money figure of its accounts is in (``app.kit.numbers``).
    currency: str = Field(default="EUR", max_length=3, sa_column_kwargs={"server_default": "EUR"})


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

    id: int | None = Field(default_factory=random_id, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id", index=True)
    workspace_role: str | None = Field(default=None, max_length=20)
    is_disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # The person's IANA time zone; "" means their workspace's (``app.kit.clock.zone_of``).
    time_zone: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    # How numbers and dates are written for them ("de-DE", ``app.kit.numbers.LOCALES``); ""
    # until their first sign-in adopts one from the browser's languages.
    locale: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})

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


class CalendarFeed(SQLModel, table=True):
    """A person's calendar feed (``/calendar/<token>.ics``): at most one per person. Only the
    token's SHA-256 is kept; rotating replaces it (the old address stops at once), turning the
    feed off removes the row."""

    __tablename__ = "calendar_feed"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class TokenScope(StrEnum):
    READ = "read"  # GET only
    WRITE = "write"  # everything the person may do


class ApiToken(SQLModel, table=True):
    """A personal access token for the JSON API (``app.apitokens``): it acts as its person,
    never more. Only the SHA-256 of the secret is kept; ``prefix`` is its first characters,
    shown so that the person can tell their tokens apart."""

    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint(_in("scope", TokenScope), name="scope"),
        sa.Index("ix_api_token_user", "user_id", "created_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    scope: str = Field(default=TokenScope.READ, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_used_at: datetime | None = None  # written at most once a minute
    revoked_at: datetime | None = None


class IdempotencyKey(SQLModel, table=True):
    """A create through the API sent with an ``Idempotency-Key``: the first answer, replayed
    to a retry of the same request with the same token within a day (``app.api.idempotency``).
    The unique constraint makes a concurrent duplicate wait for, then replay, the first."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)  # method, path and body of the first request
    status_code: int
    body: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)


class ApiTokenUse(SQLModel, table=True):
    """One request made with a personal access token (``app.apitokens``): when, the method
    and the route's path template (never its ids, query or body), the answer's status and the
    caller's address. Written by one insert after the answer (``app.api.uselog``); the
    person reads each token's latest uses on /me; older than ``api_token_use_days`` they are
    forgotten by the scheduler. Not on the hash-chained audit trail: a chain appends one event
    at a time under its head's lock, so a line per request would serialise every reader and
    bury the changes; making and revoking a token are on it."""

    __tablename__ = "api_token_use"
    __table_args__ = (
        sa.Index("ix_api_token_use_token", "token_id", "id"),
        sa.Index("ix_api_token_use_used_at", "used_at"),
    )

    # Many a day: 64 bits on PostgreSQL (SQLite's integer key is 64 bits already).
    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
    )
    token_id: int = Field(foreign_key="api_token.id")
    used_at: datetime = Field(default_factory=utcnow)
    method: str = Field(max_length=10)
    route: str = Field(max_length=200)
    status: int
    client_ip: str = Field(default="", max_length=45)


class ApiRateWindow(SQLModel, table=True):
    """How many requests a bearer token made in the current minute (``app.api.ratelimit``):
    one row per token, counted by one upsert per request and started again at 1 when a new
    minute begins; in the database so that every instance shares the count."""

    __tablename__ = "api_rate_window"

    token_hash: str = Field(primary_key=True, max_length=64)  # the SHA-256 of the bearer
    minute: int  # minutes since the epoch, UTC
    count: int


class Account(SQLModel, table=True):
    """The shared space between one workspace and one client organisation."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "name"),)

    id: int | None = Field(default_factory=random_id, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    client_org_id: int = Field(foreign_key="client_organisation.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    client_org: ClientOrganisation = Relationship(sa_relationship_kwargs=RAISE)
    workspace: Workspace = Relationship(sa_relationship_kwargs=RAISE)


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

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1
    # Where a client contributor who joined by invitation stands on the first visit's short
    # path (``app.welcome.progress``): None when there is no path to walk.
    welcome: str | None = Field(default=None, max_length=20)

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

    id: int | None = Field(default_factory=random_id, primary_key=True)
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
    # The inviter's personal note, for the invitee only: in their e-mail and on the page of
    # their link, never in the audit trail (which records only that a note was written).
    note: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Plan(SQLModel, table=True):
    """An account's plan for a period; exactly one plan of an account is current.

    Starting the next period (``app.periods``) closes this one: it stays, read-only, with its
    agreement, versions and reviews, and the new plan links back to it (``previous_id``)."""

    __table_args__ = (
        sa.CheckConstraint(_in("status", PlanStatus), name="status"),
        sa.CheckConstraint("review_cadence_months BETWEEN 1 AND 12", name="review_cadence"),
        sa.Index(
            "uq_plan_current",
            "account_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    period: str = Field(max_length=50)
    status: str = Field(default=PlanStatus.DRAFT, max_length=20)
    is_current: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1
    # Agreement (DESIGN.md §3.7): the lead submits; the sponsor and the lead approve what was
    # submitted (``submitted_hash`` is the digest of the plan's content at submission).
    agreed_version: int = 0  # the number of the last agreed version; 0: never agreed
    submitted_at: datetime | None = None
    submitted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_hash: str = Field(default="", max_length=64)
    sponsor_approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    sponsor_approved_at: datetime | None = None
    lead_approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    lead_approved_at: datetime | None = None
    # Reviews (DESIGN.md §3.8): the plan is reviewed every ``review_cadence_months``.
    review_cadence_months: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    # Periods (DESIGN.md §3.8): the dates the period runs, and the period it followed.
    starts_on: date | None = None
    ends_on: date | None = None
    previous_id: int | None = Field(default=None, foreign_key="plan.id")
    closed_at: datetime | None = None  # when the next period started (it is read-only since)


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


class PriorityStatus(StrEnum):
    ACTIVE = "active"  # one of the client's ranked priorities
    SUGGESTED = "suggested"  # a vendor's suggestion, waiting for the client's answer
    REJECTED = "rejected"  # a suggestion the client rejected (``answer_reason`` says why)


class Priority(SQLModel, table=True):
    """One of the client's ranked priorities for a plan (client-owned: only client people
    write it). Removal keeps the row (``removed_at``) so later links and history survive.

    A vendor *suggestion* is a row with status ``suggested`` and no rank: it is shown apart
    from the ranked list and becomes a priority only when a client person accepts it (as
    worded, or reworded); a rejected one stays as ``rejected`` with the client's reason.
    """

    __table_args__ = (
        sa.CheckConstraint(_in("importance", Importance), name="importance"),
        sa.CheckConstraint(_in("horizon", Horizon), name="horizon"),
        sa.CheckConstraint(_in("status", PriorityStatus), name="status"),
        sa.CheckConstraint("(status = 'active') = (rank IS NOT NULL)", name="rank_when_active"),
        sa.Index("ix_priority_plan_rank", "plan_id", "rank"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    status: str = Field(default=PriorityStatus.ACTIVE, max_length=20)
    rank: int | None = None
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
    # The item of the previous period this one was carried over from (``app.periods``).
    carried_from_id: int | None = Field(default=None, foreign_key="priority.id")
    # Suggestions: who suggested, and the client's answer.
    suggested_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime | None = None
    answer_reason: str = Field(default="", max_length=2000)

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class StrategyKind(StrEnum):
    """The sections of the client's strategy (DESIGN.md §3.1, §3.3), all client-owned."""

    GOAL = "goal"  # with a time horizon
    DRIVER = "driver"
    FOCUS = "focus"  # what top management focuses on; ``detail``: how it lands on departments
    CHALLENGE = "challenge"
    SUCCESS = "success"  # what success looks like
    ADVICE = "advice"  # what the vendor needs to do to succeed with the client

    @property
    def label(self) -> str:
        return STRATEGY_LABELS[self]


STRATEGY_LABELS = {
    StrategyKind.GOAL: "Goals",
    StrategyKind.DRIVER: "Strategic drivers",
    StrategyKind.FOCUS: "Top management focus",
    StrategyKind.CHALLENGE: "Challenges",
    StrategyKind.SUCCESS: "What success looks like",
    StrategyKind.ADVICE: "What you need to do to succeed with us",
}


class StrategyEntry(SQLModel, table=True):
    """One entry of a client strategy section (client-owned, always shared)."""

    __tablename__ = "strategy_entry"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", StrategyKind), name="kind"),
        sa.CheckConstraint("horizon IS NULL OR " + _in("horizon", Horizon), name="horizon"),
        sa.Index("ix_strategy_entry_plan_kind", "plan_id", "kind", "position"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    kind: str = Field(max_length=20)
    position: int = 0
    text: str = Field(max_length=500)
    detail: str = Field(default="", max_length=4000)
    horizon: str | None = Field(default=None, max_length=20)  # goals only
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1
    # The item of the previous period this one was carried over from (``app.periods``).
    carried_from_id: int | None = Field(default=None, foreign_key="strategy_entry.id")

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class SuggestionStatus(StrEnum):
    SUGGESTED = "suggested"  # waiting for the client's answer
    ACCEPTED = "accepted"  # an entry of the client's strategy now (``entry_id``)
    REJECTED = "rejected"  # the client said why not (``answer_reason``)


class StrategySuggestion(SQLModel, table=True):
    """A vendor's suggested entry for the client's strategy (a goal, a challenge, ...): shown
    to both sides as the vendor's words until a client contributor accepts it (as worded or
    reworded: it becomes a ``StrategyEntry``, ``entry_id``) or rejects it with a reason. Like a
    suggested priority, it never becomes the client's without that answer. Always shared."""

    __tablename__ = "strategy_suggestion"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", StrategyKind), name="kind"),
        sa.CheckConstraint(_in("status", SuggestionStatus), name="status"),
        sa.CheckConstraint("horizon IS NULL OR " + _in("horizon", Horizon), name="horizon"),
        sa.Index("ix_strategy_suggestion_plan", "plan_id", "status"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    kind: str = Field(max_length=20)
    text: str = Field(max_length=500)
    detail: str = Field(default="", max_length=4000)
    horizon: str | None = Field(default=None, max_length=20)  # goals only
    status: str = Field(default=SuggestionStatus.SUGGESTED, max_length=20)
    suggested_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime | None = None
    answer_reason: str = Field(default="", max_length=2000)
    entry_id: int | None = Field(default=None, foreign_key="strategy_entry.id")
    removed_at: datetime | None = None  # never set today; the shape every live item has
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class ValueRating(SQLModel, table=True):
    """The client's rating of the relationship, 0 to 10 overall and per dimension (client-owned):
    the value it sees today and, when the rater says, the value it expects the relationship to
    have in the future. Ratings are never edited: every rating is kept, and the latest is the
    current one."""

    __tablename__ = "value_rating"
    __table_args__ = (
        sa.CheckConstraint("overall BETWEEN 0 AND 10", name="overall_range"),
        sa.CheckConstraint(
            "future_overall IS NULL OR future_overall BETWEEN 0 AND 10",
            name="future_overall_range",
        ),
        sa.Index("ix_value_rating_plan_at", "plan_id", "rated_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    overall: int
    # {dimension name: 0..10}; a dimension left out was not rated.
    scores: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    # The value the client expects the relationship to have (None: not said; ratings given
    # before it was asked have none), overall and per dimension like ``scores``.
    future_overall: int | None = None
    future_scores: dict[str, int] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    comment: str = Field(default="", max_length=4000)
    rated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    rated_at: datetime = Field(default_factory=utcnow)
    # The joint review the client re-rated the relationship in (None: rated on the plan).
    joint_review_id: int | None = Field(default=None, foreign_key="joint_review.id")

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class InitiativeStatus(StrEnum):
    DRAFT = "draft"  # internal: the vendor is still shaping it
    PROPOSED = "proposed"  # shared: waiting for the client's answer
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PARKED = "parked"


class Initiative(SQLModel, table=True):
    """A vendor proposal answering client priorities (vendor-owned). A draft is internal;
    proposing it shares it; the client accepts, declines or parks it with a reason."""

    __table_args__ = (
        sa.CheckConstraint(_in("status", InitiativeStatus), name="status"),
        sa.CheckConstraint(_in("visibility", Visibility), name="visibility"),
        sa.CheckConstraint(
            "(status = 'draft') = (visibility = 'internal')", name="draft_is_internal"
        ),
        sa.Index("ix_initiative_plan", "plan_id", "id"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    value_for_client: str = Field(default="", max_length=2000)
    value_for_vendor: str = Field(default="", max_length=2000)
    status: str = Field(default=InitiativeStatus.DRAFT, max_length=20)
    visibility: str = Field(default=Visibility.INTERNAL, max_length=20)
    owner_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    proposed_at: datetime | None = None
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answer_reason: str = Field(default="", max_length=2000)
    removed_at: datetime | None = None
    version: int = 1
    # The item of the previous period this one was carried over from (``app.periods``).
    carried_from_id: int | None = Field(default=None, foreign_key="initiative.id")


class InitiativePriority(SQLModel, table=True):
    """Which client priorities an initiative answers (none: the initiative is *us-focused*)."""

    __tablename__ = "initiative_priority"
    # Joined to its initiative by (account, initiative): one index holding both, so that
    # SQLite's planner, without statistics, cannot pick the account's index and read every link
    # of the account for each initiative.
    __table_args__ = (
        sa.Index("ix_initiative_priority_account_item", "account_id", "initiative_id"),
    )

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    priority_id: int = Field(foreign_key="priority.id", primary_key=True, index=True)
    account_id: int = Field(foreign_key="account.id")


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in (ActionStatus.DONE, ActionStatus.CANCELLED)


class Action(SQLModel, table=True):
    """A joint action (co-owned): either side writes it; the owner is any member. Linked
    initiatives are never drafts, so an action never reveals an internal item."""

    __table_args__ = (
        sa.CheckConstraint(_in("status", ActionStatus), name="status"),
        sa.Index("ix_action_plan", "plan_id", "id"),
        sa.Index("ix_action_owner_status", "owner_id", "status"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    title: str = Field(max_length=200)  # what
    outcome: str = Field(default="", max_length=2000)  # for what outcome, and its measure
    owner_id: int | None = Field(default=None, foreign_key="app_user.id")
    due_on: date | None = None
    status: str = Field(default=ActionStatus.NOT_STARTED, max_length=20)
    priority_id: int | None = Field(default=None, foreign_key="priority.id")
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1
    # The item of the previous period this one was carried over from (``app.periods``).
    carried_from_id: int | None = Field(default=None, foreign_key="action.id")

    # The joint review whose minutes recorded it (None: added on the plan).
    joint_review_id: int | None = Field(default=None, foreign_key="joint_review.id")

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class CommentTarget(StrEnum):
    """What a comment thread hangs on: the column of ``Comment`` that is set."""

    PRIORITY = "priority_id"
    INITIATIVE = "initiative_id"
    ACTION = "action_id"
    RATING = "rating_id"
    STRATEGY = "strategy_kind"


_ONE_TARGET = (
    " + ".join(f"(CASE WHEN {t.value} IS NULL THEN 0 ELSE 1 END)" for t in CommentTarget) + " = 1"
)


class Comment(SQLModel, table=True):
    """A comment in the thread of exactly one item (typed foreign keys, one of them set; a
    strategy thread hangs on a section of the plan). Vendor users may mark a comment team-only
    (internal). Edits and deletions keep the row (``edited_at``, ``deleted_at``) and are on the
    audit trail."""

    __table_args__ = (
        sa.CheckConstraint(_ONE_TARGET, name="one_target"),
        sa.CheckConstraint(
            "strategy_kind IS NULL OR " + _in("strategy_kind", StrategyKind), name="strategy_kind"
        ),
        sa.CheckConstraint(_in("visibility", Visibility), name="visibility"),
        sa.Index("ix_comment_plan", "plan_id", "id"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    priority_id: int | None = Field(default=None, foreign_key="priority.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    rating_id: int | None = Field(default=None, foreign_key="value_rating.id", index=True)
    strategy_kind: str | None = Field(default=None, max_length=20)
    author_id: int = Field(foreign_key="app_user.id")
    body: str = Field(max_length=8000)
    visibility: str = Field(default=Visibility.SHARED, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    version: int = 1


class CommentTally(SQLModel, table=True):
    """How many live (not deleted) comments each thread of a plan has, per visibility: kept in
    the transaction of every comment added or deleted by one atomic upsert, so that the plan
    page reads a row per thread instead of counting every comment. ``thread`` is the thread's
    key (``priority-12``, ``strategy-goal``)."""

    __tablename__ = "comment_tally"
    __table_args__ = (sa.CheckConstraint(_in("visibility", Visibility), name="visibility"),)

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    thread: str = Field(primary_key=True, max_length=40)
    visibility: str = Field(primary_key=True, max_length=20)
    account_id: int = Field(foreign_key="account.id")
    count: int = 0


class AttachmentTarget(StrEnum):
    """What a file hangs on: the column of ``Attachment`` that is set (a comment's target
    columns, and a comment itself)."""

    PRIORITY = "priority_id"
    INITIATIVE = "initiative_id"
    ACTION = "action_id"
    COMMENT = "comment_id"
    STRATEGY = "strategy_kind"


_ONE_FILE_TARGET = (
    " + ".join(f"(CASE WHEN {t.value} IS NULL THEN 0 ELSE 1 END)" for t in AttachmentTarget)
    + " = 1"
)


class Attachment(SQLModel, table=True):
    """A file on one item of a plan (typed foreign keys, one of them set; a strategy section's
    files hang on the plan and the section's kind). Its visibility is its item's, read with the
    item (a draft initiative's files are internal until it is proposed). Its bytes are the blob
    ``sha256`` (``AttachmentBlob``), shared by every attachment of the same content. Deleting
    keeps the row (``deleted_at``, ``deleted_by_id``) for the audit trail."""

    __table_args__ = (
        sa.CheckConstraint(_ONE_FILE_TARGET, name="one_target"),
        sa.CheckConstraint(
            "strategy_kind IS NULL OR " + _in("strategy_kind", StrategyKind), name="strategy_kind"
        ),
        sa.Index("ix_attachment_plan", "plan_id", "created_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    priority_id: int | None = Field(default=None, foreign_key="priority.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    strategy_kind: str | None = Field(default=None, max_length=20)
    file_name: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64, index=True)
    uploaded_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    deleted_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class AttachmentBlob(SQLModel, table=True):
    """The stored bytes of one content (by SHA-256) and how many live attachments and agreed
    versions' files (``PlanVersion.snapshot["files"]``) refer to it:
    changed only by atomic increments and decrements, so that two simultaneous deletions of
    its last two attachments bring it to 0 exactly once; at 0 the bytes are removed, under this
    row's lock (``app.attachments.service.sweep``)."""

    __tablename__ = "attachment_blob"
    __table_args__ = (sa.CheckConstraint("refs >= 0", name="refs_not_negative"),)

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    refs: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class PlanVersion(SQLModel, table=True):
    """An agreed plan, frozen: the snapshot of its shared content when both sides approved."""

    __tablename__ = "plan_version"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    number: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    content_hash: str = Field(max_length=64)
    agreed_at: datetime = Field(default_factory=utcnow)
    submitted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    sponsor_approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    lead_approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class PerceivedPriority(SQLModel, table=True):
    """Internal: a priority the vendor believes the client has, in the vendor's ranking; linked
    to the client's own priority when the vendor sees they are the same."""

    __tablename__ = "perceived_priority"
    __table_args__ = (sa.Index("ix_perceived_priority_plan", "plan_id", "rank"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    rank: int
    title: str = Field(max_length=200)
    hypothesis: str = Field(default="", max_length=4000)  # why the vendor believes it
    priority_id: int | None = Field(default=None, foreign_key="priority.id")
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class PerceivedRating(SQLModel, table=True):
    """Internal: the value rating the vendor believes the client would give (kept over time)."""

    __tablename__ = "perceived_rating"
    __table_args__ = (
        sa.CheckConstraint("overall BETWEEN 0 AND 10", name="overall_range"),
        sa.Index("ix_perceived_rating_plan_at", "plan_id", "recorded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    overall: int
    scores: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    note: str = Field(default="", max_length=4000)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class JointReviewStatus(StrEnum):
    SCHEDULED = "scheduled"  # invited; minutes are written during and after the meeting
    CLOSED = "closed"  # held and closed by the lead: its minutes are frozen
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"scheduled": "Scheduled", "closed": "Closed", "cancelled": "Cancelled"}[self.value]


class JointReview(SQLModel, table=True):
    """The quarterly review meeting with the client (shared, DESIGN.md §3.8): when (``starts_at``
    in UTC, shown and sent in ``time_zone``), who is invited, its agenda, and its shared minutes
    (decisions, new actions, the client's new rating). ``uid`` and ``sequence`` are the calendar
    entry's: moving the meeting keeps the UID and bumps the sequence. Closing freezes the
    minutes into ``minutes``. The vendor's internal record (``Review``) points here."""

    __tablename__ = "joint_review"
    __table_args__ = (
        sa.CheckConstraint(_in("status", JointReviewStatus), name="status"),
        sa.CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration"),
        sa.CheckConstraint("(status = 'closed') = (held_on IS NOT NULL)", name="held_when_closed"),
        sa.Index("ix_joint_review_plan_starts", "plan_id", "starts_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    uid: str = Field(max_length=120, unique=True)
    sequence: int = 0
    starts_at: datetime
    time_zone: str = Field(max_length=64)
    duration_minutes: int = 60
    status: str = Field(default=JointReviewStatus.SCHEDULED, max_length=20)
    attendee_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    agenda: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    organizer_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1
    # The client's answer about its priorities during the review: who confirmed or re-ranked
    # them, when, and the ranking then (titles, in order).
    ranking: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    ranking_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    ranking_at: datetime | None = None
    # Closing: the day it was held (in its time zone) and the frozen minutes.
    held_on: date | None = None
    closed_at: datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    minutes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    cancelled_at: datetime | None = None
    cancelled_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    @property
    def visibility(self) -> str:
        return Visibility.SHARED

    @property
    def status_enum(self) -> JointReviewStatus:
        return JointReviewStatus(self.status)


class ReviewDecision(SQLModel, table=True):
    """A decision in a joint review's shared minutes (either side writes it while the review is
    open; versioned; removal keeps the row)."""

    __tablename__ = "review_decision"
    __table_args__ = (sa.Index("ix_review_decision_review", "joint_review_id", "created_at"),)

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    joint_review_id: int = Field(foreign_key="joint_review.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class Notification(SQLModel, table=True):
    """One entry of a person's in-app inbox (an e-mail copy goes through the outbox)."""

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at", "id"),)

    id: int | None = Field(default_factory=random_id, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    kind: str = Field(max_length=40)
    message: str = Field(max_length=500)
    link: str = Field(default="", max_length=500)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


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


class LiveEvent(SQLModel, table=True):
    """One change to an account's plan item, for the pages that have the plan open (``app.live``).

    Written by ``app.audit.service.record`` in the change's transaction, so an event exists
    exactly when its change committed. Two numberings per account, both without gaps: ``seq``
    counts every event (what the vendor side is sent), ``shared_seq`` only the shared ones (what
    the client side is sent), so that a client never sees a gap where an internal event was.
    """

    __tablename__ = "live_event"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "seq", name="uq_live_event_account_seq"),
        sa.UniqueConstraint("account_id", "shared_seq", name="uq_live_event_account_shared_seq"),
        sa.CheckConstraint(_in("visibility", Visibility), name="visibility"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    seq: int
    shared_seq: int | None = None
    section: str = Field(max_length=40)
    item_type: str = Field(max_length=40)
    item_id: str = Field(default="", max_length=64)
    visibility: str = Field(default=Visibility.SHARED, max_length=20)
    actor_name: str = Field(default="", max_length=200)
    # Who made it: a person's own change is never announced back to their own streams.
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    occurred_at: datetime = Field(default_factory=utcnow, index=True)


class LivePresence(SQLModel, table=True):
    """One open event stream: who has which page of an account open, on which instance. Each
    instance refreshes ``seen_at`` of its streams at every heartbeat; a row not refreshed for a
    few heartbeats (its instance stopped) no longer counts."""

    __tablename__ = "live_presence"
    __table_args__ = (sa.Index("ix_live_presence_account_page", "account_id", "page"),)

    stream: str = Field(primary_key=True, max_length=40)
    instance: str = Field(max_length=40, index=True)
    account_id: int = Field(foreign_key="account.id")
    user_id: int = Field(foreign_key="app_user.id")
    page: str = Field(max_length=40)
    seen_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """An e-mail written in the transaction that caused it and sent after commit, with retries."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint(_in("status", OutboxStatus), name="status"),
        sa.CheckConstraint(_in("kind", MailKind), name="kind"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_message_workspace", "workspace_id", "status"),
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
    # Whose mail it is, so that a failure reaches the people who can act on it: the workspace
    # (its admins' mail page), the account, the person who sent it (None: nobody personally)
    # and, for an invitation, the invitation its link belongs to.
    kind: str = Field(default=MailKind.OTHER, max_length=20)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    sender_id: int | None = Field(default=None, foreign_key="app_user.id")
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id", index=True)
    # After this the message is worth nothing (its link has expired): never sent again.
    expires_at: datetime | None = None
    failed_at: datetime | None = None
    # How often the dispatcher put it back in the queue by itself after SMTP answered again.
    auto_requeues: int = 0
    # Extra header lines carried to SMTP as they are.
    headers: dict[str, str] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    # "<kind> <user id>" of a notice e-mail: the dispatcher signs it into the one-click
    # unsubscribe link (``List-Unsubscribe`` headers and the body's last line) when it sends,
    # so the signing key never leaves the process and no link is stored.
    unsubscribe: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})

    # A calendar invitation sent with the text (an iCalendar object, ``text/calendar``; its
    # METHOD, REQUEST or CANCEL, is inside it); "" for none.
    calendar: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})

    @property
    def kind_enum(self) -> MailKind:
        return MailKind(self.kind)

    @property
    def visibility(self) -> str:
        """Which of the vendor's e-mails did not get through is the vendor's business."""
        return Visibility.INTERNAL


class WebhookEndpoint(SQLModel, table=True):
    """An HTTPS address a workspace admin registered for chosen kinds of events
    (``app.webhooks``). Its signing secret is kept sealed with the app's secret key (it must be
    read back to sign), shown once when made or renewed. ``internal``: it may receive the
    vendor's internal events (only a vendor admin marks it so); otherwise it gets shared
    events only, like a client. Removed endpoints keep their row for the audit trail."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (sa.Index("ix_webhook_endpoint_workspace", "workspace_id", "removed_at"),)

    id: int | None = Field(default_factory=random_id, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    # The admin who made it: only events this person may see are delivered.
    owner_id: int = Field(foreign_key="app_user.id")
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    kinds: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    internal: bool = False
    active: bool = True
    secret_sealed: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = None
    version: int = 1
    removed_at: datetime | None = None

    @property
    def visibility(self) -> str:
        """Which addresses the vendor sends its events to is the vendor's business."""
        return Visibility.INTERNAL


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: its body as it is sent, written in the transaction of the
    audited change and sent after commit by the webhook dispatcher, retried with backoff
    (``app.kit.outbox``). Its id is the delivery id the receiver sees (in the body and a
    header), the same on every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.CheckConstraint(_in("status", OutboxStatus), name="status"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_endpoint", "endpoint_id", "created_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    account_id: int = Field(foreign_key="account.id")
    verb: str = Field(max_length=80)
    body: str = Field(sa_type=sa.Text)
    # About an internal event: sent only while its endpoint is still marked internal.
    internal: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=OutboxStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status: int | None = None  # the receiver's HTTP status (None: no answer)
    last_duration_ms: int | None = None
    last_error: str = Field(default="", max_length=1000)

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class Delivery(StrEnum):
    """How a person wants one kind of notice: an e-mail of its own, in a digest, or not at all."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"

    @property
    def label(self) -> str:
        return {
            "immediate": "Right away",
            "daily": "Daily digest",
            "weekly": "Weekly digest",
            "off": "Off",
        }[self.value]


class NoticePreference(SQLModel, table=True):
    """A person's choice for one kind of notice (no row: the kind's default)."""

    __tablename__ = "notice_preference"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind"),
        sa.CheckConstraint(_in("delivery", Delivery), name="delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=40)
    delivery: str = Field(max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


class Notice(SQLModel, table=True):
    """A reminder given to a person, or a notification kept for their digest. Unique on
    (person, key): the key names what the notice is about and when ("action.overdue:<id>:
    <due date>"), so each is given once however many schedulers look, and ``digested_at`` marks
    it sent in a digest."""

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        sa.CheckConstraint(_in("delivery", Delivery), name="delivery"),
        sa.Index("ix_notice_digest", "user_id", "delivery", "digested_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    kind: str = Field(max_length=40)
    key: str = Field(max_length=120)
    message: str = Field(max_length=500)
    link: str = Field(default="", max_length=500)
    delivery: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    digested_at: datetime | None = None


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one time slot, claimed by inserting this row: of the
    instances that try, exactly one inserts it (unique (job, slot)) and runs the job."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60)
    slot: str = Field(max_length=40)
    started_at: datetime = Field(default_factory=utcnow)


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    STAKEHOLDERS = "stakeholders"


class ImportDraft(SQLModel, table=True):
    """An uploaded file's rows between its preview and its confirmation (``app.imports``): the
    confirmation applies exactly what was previewed, once, and only for its uploader. Drafts
    older than a day are not used and are deleted at the next upload."""

    __tablename__ = "import_draft"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ImportKind), name="kind"),
        sa.Index("ix_import_draft_uploader", "uploader_id", "created_at"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    kind: str = Field(max_length=20)
    workspace_id: int = Field(foreign_key="workspace.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")  # stakeholders
    uploader_id: int = Field(foreign_key="app_user.id")
    file_name: str = Field(default="", max_length=200)
    # The rows as read from the file: [{"row": n, "values": {column: text}}, ...]
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None  # confirmed: never applied again


# --------------------------------------------------------------------------------------------
# The vendor strategy workspace (DESIGN.md §4): internal to the vendor side, except the profile
# sections and stakeholder facts the lead deliberately sends to the client for validation.
# --------------------------------------------------------------------------------------------


class ScorecardHalf(StrEnum):
    """The two halves of the strategic account scorecard."""

    CURRENT = "current"  # current performance: sales, share of wallet, profitability…
    FUTURE = "future"  # future potential and fit: growth, cultural fit, access…

    @property
    def label(self) -> str:
        return {"current": "Current performance", "future": "Future potential and fit"}[self.value]


# Recommended attributes (name, half, weight, what a 5 means), balanced between the halves.
DEFAULT_SCORECARD = (
    ("Current sales", ScorecardHalf.CURRENT, 3, "What the account buys from us today"),
    ("Share of wallet", ScorecardHalf.CURRENT, 2, "Our share of what it spends in our field"),
    ("Profitability", ScorecardHalf.CURRENT, 2, "The margin we make serving it"),
    ("Growth potential", ScorecardHalf.FUTURE, 3, "How much more it could buy from us"),
    ("Cultural fit", ScorecardHalf.FUTURE, 2, "How well our ways of working match"),
    ("Access to executives", ScorecardHalf.FUTURE, 1, "Whether its leaders take our calls"),
    (
        "Access to decision making",
        ScorecardHalf.FUTURE,
        1,
        "Whether we are in the room when it decides",
    ),
)
SCORE_MIN, SCORE_MAX = 1, 5


class StrategicObjective(SQLModel, table=True):
    """One of the workspace's own strategic objectives (internal): stated first, before any
    account is selected; each scorecard attribute names the objective it serves."""

    __tablename__ = "strategic_objective"
    __table_args__ = (sa.Index("ix_strategic_objective_workspace", "workspace_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class ScorecardAttribute(SQLModel, table=True):
    """One attribute a workspace scores its accounts on (workspace-level, vendor only)."""

    __tablename__ = "scorecard_attribute"
    __table_args__ = (
        sa.CheckConstraint(_in("half", ScorecardHalf), name="half"),
        sa.CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
        sa.Index("ix_scorecard_attribute_workspace", "workspace_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=500)
    half: str = Field(max_length=20)
    weight: int = 1
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1
    # The workspace's strategic objective this attribute serves (None: none named yet).
    objective_id: int | None = Field(default=None, foreign_key="strategic_objective.id")

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class Tier(StrEnum):
    """Where an account's latest score puts it (current performance against future potential)."""

    STRATEGIC = "strategic"  # high and high: key-account treatment
    DEVELOP = "develop"  # small today, high potential: invest to grow
    MAINTAIN = "maintain"  # large today, low potential: serve well, efficiently
    OPPORTUNISTIC = "opportunistic"  # low and low

    @property
    def label(self) -> str:
        return TIER_LABELS[self]


TIER_LABELS = {
    Tier.STRATEGIC: "Strategic",
    Tier.DEVELOP: "Develop",
    Tier.MAINTAIN: "Maintain",
    Tier.OPPORTUNISTIC: "Opportunistic",
}
TIER_THRESHOLD = 3.0  # a half's weighted score at or above this is "high"


def tier_of(current: float, future: float) -> Tier:
    high_now, high_later = current >= TIER_THRESHOLD, future >= TIER_THRESHOLD
    if high_now and high_later:
        return Tier.STRATEGIC
    if high_later:
        return Tier.DEVELOP
    if high_now:
        return Tier.MAINTAIN
    return Tier.OPPORTUNISTIC


class AccountScore(SQLModel, table=True):
    """One scoring of an account on the workspace's scorecard (internal; never edited: every
    scoring is kept, the latest is the account's score). ``entries`` freezes each attribute as
    it was scored: ``[{attribute_id, name, half, weight, score, note}]``."""

    __tablename__ = "account_score"
    __table_args__ = (
        sa.CheckConstraint(_in("tier", Tier), name="tier"),
        sa.Index("ix_account_score_account_at", "account_id", "scored_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    current: float  # weighted mean of the current-performance half, 1..5
    future: float  # weighted mean of the future-potential half, 1..5
    tier: str = Field(max_length=20)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    note: str = Field(default="", max_length=4000)
    scored_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    scored_at: datetime = Field(default_factory=utcnow)

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class TierTreatment(SQLModel, table=True):
    """How a workspace treats the accounts of one tier (internal): the review cadence its
    plans default to and whether a mentor is required. One row per workspace and tier, set by
    a workspace admin; a tier without a row has ``DEFAULT_TREATMENT``."""

    __tablename__ = "tier_treatment"
    __table_args__ = (
        sa.CheckConstraint(_in("tier", Tier), name="tier"),
        sa.CheckConstraint("review_months BETWEEN 1 AND 12", name="review_months"),
        sa.UniqueConstraint("workspace_id", "tier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    tier: str = Field(max_length=20)
    review_months: int = 3
    mentor_required: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


# tier -> (months between reviews, mentor required) before an admin sets the tier's treatment.
DEFAULT_TREATMENT: dict[Tier, tuple[int, bool]] = {
    Tier.STRATEGIC: (3, True),
    Tier.DEVELOP: (3, False),
    Tier.MAINTAIN: (6, False),
    Tier.OPPORTUNISTIC: (12, False),
}


class PlannedHours(SQLModel, table=True):
    """The hours the account team plans to spend on an account in one quarter (internal).
    ``quarter`` is written ``2026-Q4``; one row per account and quarter."""

    __tablename__ = "planned_hours"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "quarter"),
        sa.CheckConstraint("hours BETWEEN 0 AND 100000", name="hours_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    quarter: str = Field(max_length=7)
    hours: int = 0
    note: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class KeyAccountWish(StrEnum):
    """The client's answer to "Do you want a key-account relationship with us?"."""

    YES = "yes"
    NOT_NOW = "not_now"
    NO = "no"

    @property
    def label(self) -> str:
        return {"yes": "Yes", "not_now": "Not now", "no": "No"}[self.value]


class KeyAccountAnswer(SQLModel, table=True):
    """The client sponsor's answer to whether the client wants a key-account relationship,
    in their own words (shared: asked in the plan, the client's own). One per account; a new
    answer replaces it, each change audited."""

    __tablename__ = "key_account_answer"
    __table_args__ = (
        sa.CheckConstraint(_in("answer", KeyAccountWish), name="answer"),
        sa.UniqueConstraint("account_id"),
    )

    # A random id: the client reads it (its audit events, the plan's live events).
    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    answer: str = Field(max_length=20)
    words: str = Field(default="", max_length=2000)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.SHARED


class ProfileKind(StrEnum):
    """The sections of an account profile (DESIGN.md §4.2)."""

    GOALS = "goals"
    MARKETS = "markets"
    TRENDS = "trends"
    COMPETITORS = "competitors"
    STRUCTURE = "structure"
    FINANCIALS = "financials"
    SWOT = "swot"
    VALUE_CHAIN = "value_chain"

    @property
    def label(self) -> str:
        return PROFILE_LABELS[self]


PROFILE_LABELS = {
    ProfileKind.GOALS: "Company goals",
    ProfileKind.MARKETS: "Markets and positioning",
    ProfileKind.TRENDS: "Industry trends",
    ProfileKind.COMPETITORS: "Competitors",
    ProfileKind.STRUCTURE: "Structure",
    ProfileKind.FINANCIALS: "Financial performance",
    ProfileKind.SWOT: "Strengths, weaknesses, opportunities, threats",
    ProfileKind.VALUE_CHAIN: "Value chain and where we add value",
}


class Validation(StrEnum):
    """Where a profile section or stakeholder stands with the client."""

    NONE = "none"  # never sent: internal
    PENDING = "pending"  # sent; the client has not answered
    CONFIRMED = "confirmed"  # the client said it is right
    CORRECTED = "corrected"  # the client corrected it (``client_correction``)


class ProfileSection(SQLModel, table=True):
    """One section of an account profile (vendor-owned, internal). Sending it for validation
    shares ``shared_body`` (the text as sent) — never ``body``, which the vendor may keep
    editing — and the client's answer."""

    __tablename__ = "profile_section"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "kind", name="uq_profile_section_account_kind"),
        sa.CheckConstraint(_in("kind", ProfileKind), name="kind"),
        sa.CheckConstraint(_in("validation", Validation), name="validation"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=20)
    body: str = Field(default="", max_length=8000)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1
    validation: str = Field(default=Validation.NONE, max_length=20)
    shared_body: str = Field(default="", max_length=8000)
    shared_at: datetime | None = None
    shared_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    client_correction: str = Field(default="", max_length=8000)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    @property
    def visibility(self) -> str:
        """Shared once sent for validation (and then only its shared fields are shown)."""
        return Visibility.INTERNAL if self.validation == Validation.NONE else Visibility.SHARED


class BuyingRole(StrEnum):
    ECONOMIC_BUYER = "economic_buyer"
    USER = "user"
    TECHNICAL = "technical"
    COACH = "coach"
    INFLUENCER = "influencer"
    GATEKEEPER = "gatekeeper"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Influence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Attitude(StrEnum):
    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    DETRACTOR = "detractor"
    UNKNOWN = "unknown"


class Strength(StrEnum):
    """How well someone of the vendor's team knows a stakeholder (``StakeholderContact``)."""

    STRONG = "strong"
    GOOD = "good"
    WEAK = "weak"
    NONE = "none"  # nobody on the team knows them


class Level(StrEnum):
    """Where a stakeholder sits in the client's organisation ('' = not recorded)."""

    EXECUTIVE = "executive"
    MANAGEMENT = "management"
    OPERATIONAL = "operational"
    UNKNOWN = ""


class Stakeholder(SQLModel, table=True):
    """A person of the client's decision-making group (internal). The lead may ask the client
    to confirm the *facts*: name, title and reporting line, as sent (``sent_*``). Every
    assessment (roles, influence, attitude, motivations, level, location, the team's contacts
    with them and the links between people) stays internal.

    ``roles`` is a list of ``BuyingRole`` values in the purchase ``decision`` the person takes
    part in; ``is_economic_buyer`` mirrors it so that the database allows one economic buyer per
    decision (``decision_key`` is the decision's name, case- and space-folded)."""

    __table_args__ = (
        sa.CheckConstraint(_in("influence", Influence), name="influence"),
        sa.CheckConstraint(_in("attitude", Attitude), name="attitude"),
        sa.CheckConstraint(_in("level", Level), name="level"),
        sa.CheckConstraint(_in("validation", Validation), name="validation"),
        sa.Index(
            "uq_stakeholder_economic_buyer",
            "account_id",
            "decision_key",
            unique=True,
            sqlite_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
            postgresql_where=sa.text("is_economic_buyer AND removed_at IS NULL"),
        ),
        sa.Index("ix_stakeholder_account", "account_id", "id"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    reports_to_id: int | None = Field(default=None, foreign_key="stakeholder.id")
    roles: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    decision: str = Field(default="", max_length=200)
    decision_key: str = Field(default="", max_length=200)
    is_economic_buyer: bool = False
    influence: str = Field(default=Influence.MEDIUM, max_length=20)
    attitude: str = Field(default=Attitude.UNKNOWN, max_length=20)
    motivations: str = Field(default="", max_length=4000)
    level: str = Field(default=Level.UNKNOWN, max_length=20)
    location: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1
    # Confirmation by the client: the facts as sent, and the answer.
    validation: str = Field(default=Validation.NONE, max_length=20)
    sent_name: str = Field(default="", max_length=200)
    sent_title: str = Field(default="", max_length=200)
    sent_reports_to: str = Field(default="", max_length=200)
    sent_at: datetime | None = None
    sent_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    client_correction: str = Field(default="", max_length=2000)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    @property
    def visibility(self) -> str:
        """Shared once sent for confirmation (and then only the ``sent_*`` facts are shown)."""
        return Visibility.INTERNAL if self.validation == Validation.NONE else Visibility.SHARED


class StakeholderContact(SQLModel, table=True):
    """Someone of the vendor's team in contact with a stakeholder (internal): how well they
    know them and when they last spoke. One row per team member and person (the unique
    constraint answers two simultaneous adds)."""

    __tablename__ = "stakeholder_contact"
    __table_args__ = (
        sa.CheckConstraint(_in("strength", Strength), name="strength"),
        sa.UniqueConstraint("stakeholder_id", "user_id", name="uq_stakeholder_contact_person_user"),
        sa.Index("ix_stakeholder_contact_account", "account_id"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    stakeholder_id: int = Field(foreign_key="stakeholder.id")
    user_id: int = Field(foreign_key="app_user.id")
    strength: str = Field(default=Strength.GOOD, max_length=20)
    last_contact_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class LinkKind(StrEnum):
    """How one stakeholder bears on another, beyond the reporting line."""

    INFLUENCES = "influences"
    BLOCKS = "blocks"
    KEEPS_US_FROM = "keeps_us_from"  # does not want us to talk to them


class StakeholderLink(SQLModel, table=True):
    """A link from one stakeholder to another (internal): "influences", "blocks", "does not
    want us to talk to". Once per pair and kind."""

    __tablename__ = "stakeholder_link"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", LinkKind), name="kind"),
        sa.CheckConstraint("from_id <> to_id", name="not_self"),
        sa.UniqueConstraint("from_id", "to_id", "kind", name="uq_stakeholder_link_pair_kind"),
        sa.Index("ix_stakeholder_link_account", "account_id"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    from_id: int = Field(foreign_key="stakeholder.id")
    to_id: int = Field(foreign_key="stakeholder.id")
    kind: str = Field(max_length=20)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class DepartmentTension(SQLModel, table=True):
    """A tension between two departments of the client (internal), either way round: the
    pair is kept by its folded names in order (``key_a`` < ``key_b``), once per account."""

    __tablename__ = "department_tension"
    __table_args__ = (
        sa.CheckConstraint("key_a < key_b", name="ordered"),
        sa.UniqueConstraint("account_id", "key_a", "key_b", name="uq_department_tension_pair"),
    )

    id: int | None = Field(default_factory=random_id, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    department_a: str = Field(max_length=200)
    department_b: str = Field(max_length=200)
    key_a: str = Field(max_length=200)
    key_b: str = Field(max_length=200)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    DROPPED = "dropped"


class BidReason(StrEnum):
    """Why a bid was won, lost or dropped (``app.results.schemas.BID_REASONS`` says it in words)."""

    PRICE = "price"
    OFFER = "offer"
    RELATIONSHIP = "relationship"
    COMPETITOR = "competitor"
    TIMING = "timing"
    NO_DECISION = "no_decision"
    CAPACITY = "capacity"
    OTHER = "other"


class Opportunity(SQLModel, table=True):
    """A sales opportunity in the account (internal), rated for return on time invested.
    Each rating is 1..5; ``size`` is in the workspace's currency, ``days`` the time to win it.
    Closed (won, lost or dropped), it is the account's bid record: ``bid_reason`` (one of
    ``BidReason``, required when lost or dropped), ``bid_note`` in the team's words and
    ``closed_on``, the day it was closed."""

    __table_args__ = (
        sa.CheckConstraint(_in("status", OpportunityStatus), name="status"),
        sa.CheckConstraint(f"bid_reason = '' OR {_in('bid_reason', BidReason)}", name="bid_reason"),
        sa.CheckConstraint("size >= 0", name="size_positive"),
        sa.CheckConstraint("days >= 1", name="days_positive"),
        *(
            sa.CheckConstraint(f"{rating} BETWEEN 1 AND 5", name=f"{rating}_range")
            for rating in (
                "profitability",
                "need",
                "growth",
                "importance",
                "history",
                "relationship",
            )
        ),
        sa.Index("ix_opportunity_account", "account_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    size: int = Field(default=0, sa_type=sa.BigInteger)  # money: beyond 32 bits
    days: int = 1
    profitability: int = 3
    need: int = 3
    growth: int = 3
    importance: int = 3
    history: int = 3
    relationship: int = 3
    status: str = Field(default=OpportunityStatus.OPEN, max_length=20)
    bid_reason: str = Field(default="", max_length=20)
    bid_note: str = Field(default="", max_length=1000)
    closed_on: date | None = None
    owner_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class OpportunityPriority(SQLModel, table=True):
    """Which client priorities an opportunity answers."""

    __tablename__ = "opportunity_priority"
    __table_args__ = (  # as ``InitiativePriority``'s
        sa.Index("ix_opportunity_priority_account_item", "account_id", "opportunity_id"),
    )

    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True)
    priority_id: int = Field(foreign_key="priority.id", primary_key=True, index=True)
    account_id: int = Field(foreign_key="account.id")


class AccountGoal(SQLModel, table=True):
    """The vendor's own goals for an account in one calendar year (internal): revenue and
    margin in whole units of the workspace's currency (as ``Opportunity.size``), share of
    wallet as a whole percentage of what the client spends on what we offer."""

    __tablename__ = "account_goal"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "year", name="uq_account_goal_year"),
        sa.CheckConstraint("revenue >= 0", name="revenue_positive"),
        sa.CheckConstraint("margin >= 0", name="margin_positive"),
        sa.CheckConstraint("share_of_wallet BETWEEN 0 AND 100", name="share_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    year: int
    revenue: int = Field(default=0, sa_type=sa.BigInteger)
    margin: int = Field(default=0, sa_type=sa.BigInteger)
    share_of_wallet: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class AccountActual(SQLModel, table=True):
    """What the account really brought in one quarter (internal): revenue and margin in whole
    units of the workspace's currency, share of wallet as a whole percentage."""

    __tablename__ = "account_actual"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "year", "quarter", name="uq_account_actual_quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        sa.CheckConstraint("revenue >= 0", name="revenue_positive"),
        sa.CheckConstraint("margin >= 0", name="margin_positive"),
        sa.CheckConstraint("share_of_wallet BETWEEN 0 AND 100", name="share_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    year: int
    quarter: int
    revenue: int = Field(default=0, sa_type=sa.BigInteger)
    margin: int = Field(default=0, sa_type=sa.BigInteger)
    share_of_wallet: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class Review(SQLModel, table=True):
    """A periodic review of a plan (internal): when, who, what changed, the client's latest
    value rating at that date and the perception gap then (``gap``, frozen when recorded), and
    the mentor's comments and sign-off."""

    __table_args__ = (
        sa.Index("ix_review_plan_held", "plan_id", "held_on"),
        # One internal record per joint review.
        sa.Index("uq_review_joint_review", "joint_review_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    held_on: date
    participants: str = Field(default="", max_length=1000)
    what_changed: str = Field(default="", max_length=8000)
    rating_id: int | None = Field(default=None, foreign_key="value_rating.id")
    gap: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    mentor_comment: str = Field(default="", max_length=4000)
    signed_off_at: datetime | None = None
    signed_off_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1
    # The joint review (shared) this internal record is of. The link points this way only:
    # nothing shared points at the internal record.
    joint_review_id: int | None = Field(default=None, foreign_key="joint_review.id")

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class MentorRequest(SQLModel, table=True):
    """The team asks the account's mentor to look at the plan or a major proposal (an
    initiative) — internal. Answered with the mentor's comment."""

    __tablename__ = "mentor_request"
    __table_args__ = (sa.Index("ix_mentor_request_open", "account_id", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    plan_id: int = Field(foreign_key="plan.id")
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    note: str = Field(default="", max_length=2000)
    requested_at: datetime = Field(default_factory=utcnow)
    requested_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answer: str = Field(default="", max_length=4000)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL


class CommitmentAnswer(StrEnum):
    """Where one asked person of the account team stands on the plan."""

    NONE = ""  # asked, not answered yet
    COMMITTED = "committed"
    CONCERN = "concern"  # with a comment saying what

    @property
    def label(self) -> str:
        return {"": "No answer yet", "committed": "Committed", "concern": "Raised a concern"}[
            self.value
        ]


class Commitment(SQLModel, table=True):
    """The lead asks the account team and the mentor to commit to the plan before it goes to
    the client (internal): one row per asked person per round. A new round leaves the earlier
    rows as they were (``current`` False); the audit trail keeps every answer."""

    __table_args__ = (
        sa.UniqueConstraint("plan_id", "round", "member_id", name="uq_commitment_round_member"),
        sa.CheckConstraint(_in("answer", CommitmentAnswer), name="answer"),
        sa.Index("ix_commitment_member_current", "member_id", "current"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    round: int = 1
    current: bool = True
    member_id: int = Field(foreign_key="app_user.id")
    asked_at: datetime = Field(default_factory=utcnow)
    asked_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answer: str = Field(default=CommitmentAnswer.NONE, max_length=20)
    comment: str = Field(default="", max_length=2000)
    answered_at: datetime | None = None
    version: int = 1
    # The plan's submission when the round was asked (None: it was not submitted then): the
    # round is open until the plan is submitted after it.
    submitted_at_asking: datetime | None = None

    @property
    def visibility(self) -> str:
        return Visibility.INTERNAL

    def is_open(self, plan: Plan) -> bool:
        """May the person still answer: the plan was not submitted since the round was asked."""
        return plan.status != PlanStatus.SUBMITTED or (
            self.submitted_at_asking is not None and self.submitted_at_asking == plan.submitted_at
        )


# The tables whose ids are random (``random_id``): BIGINT on PostgreSQL (SQLite's integers are
# 64-bit already), their primary keys and every column referring to them.
RANDOM_ID_TABLES = frozenset(
    {
        "account",
        "action",
        "api_token",
        "app_user",
        "attachment",
        "comment",
        "department_tension",
        "import_draft",
        "initiative",
        "invitation",
        "joint_review",
        "key_account_answer",
        "membership",
        "notification",
        "plan",
        "plan_version",
        "priority",
        "profile_section",
        "review_decision",
        "stakeholder",
        "stakeholder_contact",
        "stakeholder_link",
        "strategy_entry",
        "strategy_suggestion",
        "value_rating",
        "webhook_delivery",
        "webhook_endpoint",
    }
)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _big_ids() -> None:
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            referred = {fk.target_fullname.split(".")[0] for fk in column.foreign_keys}
            if (column.primary_key and table.name in RANDOM_ID_TABLES and not referred) or (
                referred & RANDOM_ID_TABLES
            ):
                column.type = BIG_ID


_big_ids()
