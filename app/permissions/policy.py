"""``decide(actor, access, verb, item) -> allow | not_found | forbidden``.

Every route reaches data through a guard that calls ``decide``; nothing else grants access.
A person who is not a member of an account (and not an admin of its workspace) gets
``NOT_FOUND`` for everything under it, the same answer as for an id that does not exist.
Internal items are ``NOT_FOUND`` for the client side: a client cannot even learn they exist.
A closed period (an earlier plan of the account) is read-only: a verb that changes a plan's
content is ``CLOSED`` there (409, "changes go to the current period"), for everyone allowed it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from app.kit.clock import DEFAULT_ZONE, local_today, zone_named
from app.kit.numbers import DEFAULT_CURRENCY, DEFAULT_LOCALE, is_currency, is_locale
from app.models import Account, Membership, Role, Side, User, Visibility


class Decision(Enum):
    ALLOW = "allow"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CLOSED = "closed"  # allowed, but not on a closed period: it is read-only


class Verb(StrEnum):
    ACCOUNT_VIEW = "account.view"
    MEMBERS_MANAGE = "members.manage"
    INVITATIONS_VIEW = "invitations.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_VERIFY = "audit.verify"
    PLAN_VIEW = "plan.view"
    PERCEPTION_VIEW = "perception.view"  # the vendor's internal perception gap
    # Client-owned content: only client people who contribute (sponsor, member).
    PRIORITIES_WRITE = "priorities.write"
    STRATEGY_WRITE = "strategy.write"
    VALUE_RATE = "value.rate"
    SUGGESTIONS_ANSWER = "suggestions.answer"  # accept, reword or reject a vendor suggestion
    INITIATIVES_ANSWER = "initiatives.answer"  # accept, decline or park a proposal
    # Vendor-owned content: vendor people who contribute (lead, team; admins).
    PRIORITIES_SUGGEST = "priorities.suggest"
    STRATEGY_SUGGEST = "strategy.suggest"  # suggest an entry for the client's strategy
    INITIATIVES_WRITE = "initiatives.write"
    PERCEPTION_WRITE = "perception.write"
    # Co-owned: contributors of both sides.
    ACTIONS_WRITE = "actions.write"
    COMMENT = "comment"
    COMMENT_EDIT = "comment.edit"  # one's own comments only (checked against the item)
    COMMENT_TEAM_ONLY = "comment.team_only"  # vendor side: mark a comment internal
    # The joint review with the client (DESIGN.md §3.8): the lead schedules, moves, cancels and
    # closes it; contributors of both sides write its shared minutes (decisions).
    REVIEW_SCHEDULE = "review.schedule"
    REVIEW_MINUTES = "review.minutes"
    # Agreement: the lead submits; the lead and the client sponsor approve.
    PLAN_SUBMIT = "plan.submit"
    PLAN_APPROVE = "plan.approve"
    # The team's commitment before the plan goes to the client (internal): the vendor side
    # sees who committed; the lead asks; the account team and the mentor answer for themselves.
    COMMITMENT_VIEW = "commitment.view"
    COMMITMENT_ASK = "commitment.ask"
    COMMITMENT_ANSWER = "commitment.answer"
    # Periods: the lead closes the current period and starts the next one.
    PLAN_ROLLOVER = "plan.rollover"
    # The vendor strategy workspace (DESIGN.md §4): internal, vendor side only.
    INSIGHT_VIEW = "insight.view"  # scorecard, profile, relationship map, opportunities, reviews
    INSIGHT_WRITE = "insight.write"  # profile, stakeholders, opportunities (lead, team; admins)
    # The account's own goals and results (yearly goals, quarterly actuals, the bid record):
    # the whole vendor side reads them; the lead, the team and admins record them, as they
    # record the opportunities the results come from. The mentor coaches and only reads.
    RESULTS_VIEW = "results.view"
    RESULTS_WRITE = "results.write"
    ACCOUNT_SCORE = "account.score"  # score the account on the scorecard (lead; admins)
    VALIDATION_REQUEST = "validation.request"  # send profile sections / stakeholder facts
    STAKEHOLDERS_IMPORT = "stakeholders.import"  # the map's people from a file (lead; admins)
    # The team's contacts with people of the map, links between people, tensions between
    # departments (lead, team; admins): internal like the whole map.
    RELATIONSHIPS_WRITE = "relationships.write"
    REVIEW_WRITE = "review.write"  # record a review, set the cadence (lead; admins)
    MENTOR_ASK = "mentor.ask"  # ask the mentor to look at the plan or a proposal
    MENTOR_REVIEW = "mentor.review"  # the mentor's comments and sign-off
    HOURS_PLAN = "hours.plan"  # the team's planned hours per quarter (lead, team; admins)
    # Whether the client wants a key-account relationship: asked of the client sponsor in the
    # plan, answered in their own words; the vendor side reads the answer.
    KEY_ACCOUNT_ANSWER = "key_account.answer"
    # What the vendor sent to the client for validation: every role reads it (the vendor
    # side sees what the client sees); the client's contributors confirm or correct it.
    VALIDATION_VIEW = "validation.view"
    VALIDATION_ANSWER = "validation.answer"
    # Send a failed e-mail again: the person who sent it (checked against the item), and the
    # lead and admins for any of the account's mail.
    MAIL_SEND_AGAIN = "mail.send_again"


class WorkspaceVerb(StrEnum):
    ACCOUNTS_CREATE = "accounts.create"
    USERS_MANAGE = "users.manage"
    SETTINGS_MANAGE = "settings.manage"  # e.g. the value dimensions, the scorecard
    PORTFOLIO_VIEW = "portfolio.view"  # the portfolio dashboard and the mentor's queue
    MAIL_MANAGE = "mail.manage"  # the workspace's undelivered mail, and sending it again
    WEBHOOKS_MANAGE = "webhooks.manage"  # the workspace's webhook endpoints and deliveries


@dataclass(frozen=True)
class Actor:
    """The signed-in person making the request.

    The plain fields are copied at sign-in resolution so that pages rendered after a rollback
    (error pages) can still show who is signed in; services use ``user``.
    """

    user: User
    id: int
    email: str
    display_name: str
    workspace_id: int | None
    is_workspace_admin: bool
    # Unread notifications when the request began (the badge in the navigation); it comes
    # with the session lookup, so it costs no query of its own.
    unread: int = 0
    # The time zone the person lives in: "today", "overdue" and every shown time use it. Their
    # own, else their home zone (also from the session lookup: ``users_repo.home_zone``).
    zone: ZoneInfo = field(default_factory=lambda: zone_named(DEFAULT_ZONE))
    home_zone: str = ""  # the zone's name if they chose none ('' when there is none: UTC)
    # How numbers and dates are written for them (their own locale, else the default) and the
    # currency money is shown in (their workspace's: ``users_repo.home_currency``).
    locale: str = DEFAULT_LOCALE
    currency: str = DEFAULT_CURRENCY

    @classmethod
    def of(cls, user: User, *, unread: int = 0, home_zone: str = "", currency: str = "") -> Actor:
        assert user.id is not None
        return cls(
            user=user,
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            workspace_id=user.workspace_id,
            is_workspace_admin=user.is_workspace_admin,
            unread=unread,
            zone=zone_named(user.time_zone or home_zone),
            home_zone=home_zone,
            locale=user.locale if is_locale(user.locale) else DEFAULT_LOCALE,
            currency=currency if is_currency(currency) else DEFAULT_CURRENCY,
        )

    def today(self) -> date:
        """Today's date where the person is."""
        return local_today(self.zone)

    def is_admin_of(self, workspace_id: int) -> bool:
        return self.is_workspace_admin and self.workspace_id == workspace_id


@dataclass(frozen=True)
class AccountAccess:
    """An account together with the actor's standing in it, as loaded by the account guard."""

    account: Account
    membership: Membership | None
    is_workspace_admin: bool

    @property
    def account_id(self) -> int:
        assert self.account.id is not None
        return self.account.id

    @property
    def role(self) -> Role | None:
        return self.membership.role_enum if self.membership else None

    @property
    def side(self) -> Side | None:
        if self.membership:
            return self.membership.role_enum.side
        return Side.VENDOR if self.is_workspace_admin else None

    @property
    def is_vendor(self) -> bool:
        return self.side is Side.VENDOR

    @property
    def visibilities(self) -> tuple[str, ...]:
        """The visibilities of items this actor may see in the account."""
        if self.is_vendor:
            return (Visibility.SHARED, Visibility.INTERNAL)
        return (Visibility.SHARED,)


class HasVisibility(Protocol):
    @property
    def visibility(self) -> str: ...


class HasSender(Protocol):
    @property
    def visibility(self) -> str: ...

    @property
    def sender_id(self) -> int | None: ...


class HasAuthor(Protocol):
    @property
    def visibility(self) -> str: ...

    @property
    def author_id(self) -> int: ...


# What each standing in an account may do. "admin" is a workspace admin without a membership.
_VENDOR_READ = frozenset(
    {
        Verb.ACCOUNT_VIEW,
        Verb.INVITATIONS_VIEW,
        Verb.AUDIT_VIEW,
        Verb.AUDIT_VERIFY,
        Verb.PLAN_VIEW,
        Verb.PERCEPTION_VIEW,
        Verb.INSIGHT_VIEW,
        Verb.RESULTS_VIEW,
        Verb.VALIDATION_VIEW,
        Verb.COMMITMENT_VIEW,
    }
)
_CLIENT_READ = frozenset({Verb.ACCOUNT_VIEW, Verb.AUDIT_VIEW, Verb.PLAN_VIEW, Verb.VALIDATION_VIEW})
_DISCUSS = frozenset({Verb.COMMENT, Verb.COMMENT_EDIT})
_CLIENT_OWNED = frozenset(
    {
        Verb.PRIORITIES_WRITE,
        Verb.STRATEGY_WRITE,
        Verb.VALUE_RATE,
        Verb.SUGGESTIONS_ANSWER,
        Verb.INITIATIVES_ANSWER,
        Verb.VALIDATION_ANSWER,
    }
)
_CLIENT_CONTRIBUTOR = (
    _CLIENT_READ | _CLIENT_OWNED | _DISCUSS | {Verb.ACTIONS_WRITE, Verb.REVIEW_MINUTES}
)
_VENDOR_CONTRIBUTOR = (
    _VENDOR_READ
    | _DISCUSS
    | {
        Verb.COMMENT_TEAM_ONLY,
        Verb.PRIORITIES_SUGGEST,
        Verb.STRATEGY_SUGGEST,
        Verb.INITIATIVES_WRITE,
        Verb.PERCEPTION_WRITE,
        Verb.ACTIONS_WRITE,
        Verb.REVIEW_MINUTES,
        Verb.INSIGHT_WRITE,
        Verb.RESULTS_WRITE,
        Verb.RELATIONSHIPS_WRITE,
        Verb.MENTOR_ASK,
        Verb.HOURS_PLAN,
    }
)
# What the lead (and a workspace admin) does beyond the team: score the account, send profile
# sections and stakeholder facts to the client, record reviews, run the joint review.
_ACCOUNT_STEWARD = frozenset(
    {
        Verb.MEMBERS_MANAGE,
        Verb.ACCOUNT_SCORE,
        Verb.VALIDATION_REQUEST,
        Verb.STAKEHOLDERS_IMPORT,
        Verb.REVIEW_WRITE,
        Verb.REVIEW_SCHEDULE,
    }
)
# Whoever invited someone may send the invitation's e-mail again, even if their role on the
# vendor side changed since; the lead and admins may for any of the account's mail.
_SEND_AGAIN = frozenset({Verb.MAIL_SEND_AGAIN})
_ANY_SENDER = frozenset({Role.LEAD, "admin"})

_GRANTS: dict[Role | str, frozenset[Verb]] = {
    Role.LEAD: _VENDOR_CONTRIBUTOR
    | _ACCOUNT_STEWARD
    | _SEND_AGAIN
    | {Verb.PLAN_SUBMIT, Verb.PLAN_APPROVE, Verb.PLAN_ROLLOVER, Verb.COMMITMENT_ASK},
    # An admin runs the account's team but does not sign the plan (that is the lead's) nor
    # sign off its reviews (the mentor's).
    "admin": _VENDOR_CONTRIBUTOR | _ACCOUNT_STEWARD | _SEND_AGAIN,
    Role.TEAM: _VENDOR_CONTRIBUTOR | _SEND_AGAIN | {Verb.COMMITMENT_ANSWER},
    Role.MENTOR: _VENDOR_READ
    | _DISCUSS
    | _SEND_AGAIN
    | {Verb.COMMENT_TEAM_ONLY, Verb.MENTOR_REVIEW, Verb.COMMITMENT_ANSWER},
    Role.SPONSOR: _CLIENT_CONTRIBUTOR | {Verb.PLAN_APPROVE, Verb.KEY_ACCOUNT_ANSWER},
    Role.MEMBER: _CLIENT_CONTRIBUTOR,
    # A viewer reads the shared plan and joins its discussions (DESIGN.md §1): comments, and
    # edits or deletes their own comments; nothing of the plan itself.
    Role.VIEWER: _CLIENT_READ | _DISCUSS,
}
# Verbs about one's own item: allowed only on items the actor wrote.
_AUTHOR_ONLY = frozenset({Verb.COMMENT_EDIT})
# Verbs about what one sent: on others' items only for the standings in ``_ANY_SENDER``.
_SENDER_ONLY = frozenset({Verb.MAIL_SEND_AGAIN})

# Verbs that change a plan's content (its items, their comments, its agreement): refused on a
# closed period, which stays as it was when the next one started (``app.periods``). Reviews
# and mentor requests are the vendor's record about a period and may still be completed.
PERIOD_WRITES = frozenset(
    {
        Verb.PRIORITIES_WRITE,
        Verb.STRATEGY_WRITE,
        Verb.VALUE_RATE,
        Verb.SUGGESTIONS_ANSWER,
        Verb.INITIATIVES_ANSWER,
        Verb.PRIORITIES_SUGGEST,
        Verb.STRATEGY_SUGGEST,
        Verb.INITIATIVES_WRITE,
        Verb.PERCEPTION_WRITE,
        Verb.ACTIONS_WRITE,
        Verb.COMMENT,
        Verb.COMMENT_EDIT,
        Verb.COMMENT_TEAM_ONLY,
        Verb.PLAN_SUBMIT,
        Verb.PLAN_APPROVE,
        Verb.PLAN_ROLLOVER,
        Verb.COMMITMENT_ASK,
        Verb.COMMITMENT_ANSWER,
    }
)

# Of those, the verbs whose changes stay inside an item of the plan (a comment, an action)
# and never change the plan's own row: they lock the current plan's row in share mode, so that
# they run side by side with each other and still wait for (and hold off) a change of the plan
# itself, the start of the next period above all. Every other verb locks it exclusively. A
# transaction that took the share lock must not then lock the row exclusively (two such
# transactions would deadlock): ``app.plans.repository`` refuses it.
SHARED_PERIOD_WRITES = frozenset({Verb.ACTIONS_WRITE, Verb.COMMENT, Verb.COMMENT_EDIT})

_WORKSPACE_GRANTS = {
    "admin": frozenset(WorkspaceVerb),
    # Every vendor person of the workspace; what they see there is limited to their accounts.
    "member": frozenset({WorkspaceVerb.PORTFOLIO_VIEW}),
}


def decide(
    actor: Actor,
    access: AccountAccess | None,
    verb: Verb,
    item: HasVisibility | None = None,
    *,
    closed: bool = False,
) -> Decision:
    """``closed``: the item (or the plan the verb is about) belongs to a closed period."""
    if access is None:
        return Decision.NOT_FOUND
    standing: Role | str | None = access.role
    if standing is None:
        if not actor.is_admin_of(access.account.workspace_id):
            return Decision.NOT_FOUND
        standing = "admin"
    if item is not None and item.visibility not in access.visibilities:
        return Decision.NOT_FOUND
    if verb not in _GRANTS[standing]:
        return Decision.FORBIDDEN
    if item is not None and verb in _AUTHOR_ONLY and getattr(item, "author_id", None) != actor.id:
        return Decision.FORBIDDEN
    if (
        item is not None
        and verb in _SENDER_ONLY
        and standing not in _ANY_SENDER
        and getattr(item, "sender_id", None) != actor.id
    ):
        return Decision.FORBIDDEN
    if closed and verb in PERIOD_WRITES:
        return Decision.CLOSED
    return Decision.ALLOW


def decide_workspace(actor: Actor, workspace_id: int | None, verb: WorkspaceVerb) -> Decision:
    """Workspace-level verbs: admins of that workspace (creating accounts, managing users and
    settings); its other people only read their own portfolio."""
    if workspace_id is None:
        return Decision.FORBIDDEN
    if actor.is_admin_of(workspace_id) and verb in _WORKSPACE_GRANTS["admin"]:
        return Decision.ALLOW
    if actor.workspace_id == workspace_id and verb in _WORKSPACE_GRANTS["member"]:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def may(
    actor: Actor,
    access: AccountAccess,
    verb: Verb,
    item: HasVisibility | None = None,
    *,
    closed: bool = False,
) -> bool:
    """For templates' convenience (showing a button); routes still go through the guards."""
    return decide(actor, access, verb, item, closed=closed) is Decision.ALLOW


class Can(Mapping[str, bool]):
    """What the actor may do on the account, by verb name in lower case (``can.comment`` in a
    template): ``may`` is asked only of the verbs a page reads, once each."""

    def __init__(self, actor: Actor, access: AccountAccess, *, closed: bool = False) -> None:
        self._actor, self._access, self._closed = actor, access, closed
        self._known: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        known = self._known.get(name)
        if known is None:
            verb = _VERB_NAMES[name]  # KeyError: not a verb (a template sees it undefined)
            known = self._known[name] = may(self._actor, self._access, verb, closed=self._closed)
        return known

    def __iter__(self) -> Iterator[str]:
        return iter(_VERB_NAMES)

    def __len__(self) -> int:
        return len(_VERB_NAMES)


_VERB_NAMES = {verb.name.lower(): verb for verb in Verb}


__all__ = [
    "PERIOD_WRITES",
    "SHARED_PERIOD_WRITES",
    "AccountAccess",
    "Actor",
    "Can",
    "Decision",
    "HasSender",
    "HasVisibility",
    "Verb",
    "WorkspaceVerb",
    "decide",
    "decide_workspace",
    "may",
]
