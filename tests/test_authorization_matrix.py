"""The authorization matrix (DESIGN.md §8), generated from the router.

Every route and method of the app that ``app.main.create_app`` builds (in development with the
development mailbox turned on, asked from the loopback address, so that its route is here too)
is asked by every standing
(anonymous, the workspace admin, each account role of both sides, another workspace's admin, a
removed member, an expired invitee) about every target that fits the route (own account, another
account of the same workspace, an account of another workspace, a missing id; for item routes
also an item of another account reached through the own account, a missing item, and an own item
under a missing account). What each cell must answer is written out by hand in ``MATRIX`` below;
it deliberately does not consult ``app.permissions.policy``.

- A route or method without an entry in ``MATRIX`` fails ``test_every_route_has_a_matrix_entry``;
  an entry for a route that no longer exists fails ``test_every_matrix_entry_is_a_route``.
- ``ALLOW``: exactly the status in ``ALLOWED_STATUS`` (a page 200, a change 303, and the few
  written-out exceptions). Request bodies are chosen so that allowed requests do the real thing
  (create, change, revoke, sign in).
- ``SIGN_IN``: a GET is sent to ``/login?next=<the path>`` (303); any other method gets 401.
- ``NOT_FOUND``: 404 whose page is byte-for-byte the page of the same request with missing ids
  (for an item reached through the own account: that account with a missing item id), so
  another account's items, and internal items, are indistinguishable from items that do not
  exist; for a route without ids, the page of an unknown address.
- ``FORBIDDEN``: 403. ``GONE``: 410 (spent or unknown one-time links).
- A refused request (401/403/404/410) writes no audit event.

Speed: the world is built once per session (per worker under xdist) in a database of its own,
every actor signed in once; every cell runs inside a transaction that is rolled back after it, so
every cell starts from exactly the freshly built world (the same guarantee the ``world`` fixture
gives) without rebuilding it or signing in again, and the 404 page a refused cell is compared
with is asked once per actor and address. Only the lead
has a password; while this module runs, argon2id uses its cheapest parameters (a test-side patch
of the hasher object, not of app code) because ~40 allowed cells set or check a password.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import Session, select
from starlette.routing import Mount

from app.accounts import service as accounts
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.agreement import commitment
from app.agreement import service as agreement
from app.apitokens import service as api_tokens
from app.apitokens.schemas import CheckedToken
from app.attachments import repository as attachments_repo
from app.auth import passwords, sessions
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.config import Settings
from app.db import Database, create_db_engine
from app.imports import reading
from app.imports import service as imports
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.invitations import service as invitations
from app.jointreviews import service as joint_reviews
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.mail import unsubscribe
from app.main import API_ROUTERS, DEV_ROUTERS, PRIVATE_ROUTERS, PUBLIC_ROUTERS, create_app
from app.models import (
    DEFAULT_VALUE_DIMENSIONS,
    Account,
    Attachment,
    AuditEvent,
    Delivery,
    ImportKind,
    Initiative,
    InitiativeStatus,
    Notification,
    OutboxMessage,
    OutboxStatus,
    PasswordReset,
    PlanVersion,
    ProfileKind,
    Role,
    ScorecardHalf,
    Stakeholder,
    TokenScope,
    User,
    Validation,
    Visibility,
    WebhookDelivery,
    utcnow,
)
from app.notifications import preferences
from app.notifications.service import notify
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues
from app.opportunities.scoring import RATINGS as OPPORTUNITY_RATINGS
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.profile import service as profile
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import objectives as scorecard_objectives
from app.scorecard import service as scorecard
from app.scorecard.hours import quarter_of
from app.scorecard.objectives import ObjectiveValues
from app.scorecard.schemas import AttributeValues
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import (
    CheckedContact,
    CheckedLink,
    CheckedStakeholder,
    CheckedTension,
)
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.tokens import new_token, token_hash
from app.users import service as users
from app.web.confirm import CONFIRMATION
from app.webhooks import service as webhooks
from app.webhooks.schemas import EndpointValues
from tests import factories
from tests.conftest import (
    CSRF,
    MATRIX_CELLS,
    RollbackDatabase,
    copy_engine,
    drop_engine,
    send_session_csrf,
)
from tests.masking import unmasked
from tests.testclient import TestClient

MISSING = 999_999
NEW_PASSWORD = "a brand new passphrase"

# --------------------------------------------------------------------------------------------
# Standings and outcomes
# --------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
ACTORS = (
    ANONYMOUS,
    "admin",  # admin of the workspace that owns "own account" and "other account"
    "lead",
    "team",
    "mentor",
    "sponsor",
    "member",
    "viewer",
    "other-workspace-admin",  # admin of the workspace that owns "foreign account"
    "removed-member",  # was a member of "own account", removed
    "expired-invitee",  # a login whose only invitation (to "own account") expired
)
SIGNED_IN = ACTORS[1:]
VENDOR_ROLES = "lead team mentor"
CLIENT_ROLES = "sponsor member viewer"


class Outcome(enum.Enum):
    ALLOW = "allow"
    SIGN_IN = "sign-in"
    NOT_FOUND = "404"
    FORBIDDEN = "403"
    GONE = "410"
    UNAUTHORIZED = "401"  # the API without a bearer token: a problem+json 401


ALLOW, SIGN_IN, NOT_FOUND, FORBIDDEN, GONE, UNAUTHORIZED = Outcome


@dataclass(frozen=True)
class Row:
    """Who gets what for one target of one route: named actors, then ``others`` for the rest of
    the signed-in actors, and ``anonymous``."""

    allow: str = ""
    forbid: str = ""
    not_found: str = ""
    others: Outcome = NOT_FOUND
    anonymous: Outcome = SIGN_IN

    def named(self) -> list[str]:
        return [*self.allow.split(), *self.forbid.split(), *self.not_found.split()]

    def outcome(self, actor: str) -> Outcome:
        if actor == ANONYMOUS:
            return self.anonymous
        if actor in self.allow.split():
            return ALLOW
        if actor in self.forbid.split():
            return FORBIDDEN
        if actor in self.not_found.split():
            return NOT_FOUND
        return self.others


# Public pages: everyone gets the same answer, signed in or not.
PUBLIC = Row(others=ALLOW, anonymous=ALLOW)
PUBLIC_404 = Row(others=NOT_FOUND, anonymous=NOT_FOUND)
PUBLIC_410 = Row(others=GONE, anonymous=GONE)
# Private pages about the signed-in person themselves.
ANY_SIGNED_IN = Row(others=ALLOW)
# Workspace administration: admins of their own workspace; everyone else is refused.
WORKSPACE_ADMINS = Row(allow="admin other-workspace-admin", others=FORBIDDEN)

# --------------------------------------------------------------------------------------------
# Targets: what the ids of a route point at
# --------------------------------------------------------------------------------------------

NO_TARGET = "-"
OWN_ACCOUNT = "own account"
OTHER_ACCOUNT = "other account"  # same workspace; the admin is its admin, no member is a member
FOREIGN_ACCOUNT = "foreign account"  # another workspace; its admin is other-workspace-admin
MISSING_ACCOUNT = "missing account"
OWN_ITEM = "own item"
SMUGGLED_ITEM = "other account's item via own account"
OTHER_ITEM = "other account's item"
FOREIGN_ITEM = "foreign account's item"
MISSING_ITEM = "missing item in own account"
OWN_INTERNAL_ITEM = "own internal item"  # e.g. a draft initiative: the client side gets 404
ORPHANED_ITEM = "own item via missing account"
WORKSPACE_USER = "user of own workspace"
FOREIGN_USER = "user of other workspace"
MISSING_USER = "missing user"
OPEN_INVITATION = "open invitation"
EXPIRED_INVITATION = "expired invitation"
UNKNOWN_TOKEN = "unknown token"
VALID_RESET = "valid reset link"
VALID_UNSUBSCRIBE = "valid unsubscribe link"  # the lead's, for mentions
VALID_CALENDAR = "valid calendar feed"  # the lead's calendar feed's secret address
UNKNOWN_PROVIDER = "unknown provider"
LEAD_NOTIFICATION = "the lead's notification"  # the lead's own; anyone else's is not found
MISSING_NOTIFICATION = "missing notification"
WORKSPACE_ATTRIBUTE = "scorecard attribute of own workspace"
FOREIGN_ATTRIBUTE = "scorecard attribute of other workspace"
MISSING_ATTRIBUTE = "missing scorecard attribute"
WORKSPACE_OBJECTIVE = "strategic objective of own workspace"
FOREIGN_OBJECTIVE = "strategic objective of other workspace"
MISSING_OBJECTIVE = "missing strategic objective"
WORKSPACE_MAIL = "undelivered mail of own workspace"
FOREIGN_MAIL = "undelivered mail of other workspace"
MISSING_MAIL = "missing mail"
WORKSPACE_WEBHOOK = "webhook endpoint of own workspace"
FOREIGN_WEBHOOK = "webhook endpoint of other workspace"
MISSING_WEBHOOK = "missing webhook endpoint"
LEAD_API_TOKEN = "the lead's API token"  # the lead's own; anyone else's is not found
MISSING_API_TOKEN = "missing API token"

# target -> (account key, item key); keys index the world's ids, None means "missing".
TARGETS: dict[str, tuple[str | None, str | None]] = {
    NO_TARGET: (None, None),
    OWN_ACCOUNT: ("own", None),
    OTHER_ACCOUNT: ("other", None),
    FOREIGN_ACCOUNT: ("foreign", None),
    MISSING_ACCOUNT: (None, None),
    OWN_ITEM: ("own", "own"),
    SMUGGLED_ITEM: ("own", "other"),
    OTHER_ITEM: ("other", "other"),
    FOREIGN_ITEM: ("foreign", "foreign"),
    MISSING_ITEM: ("own", None),
    OWN_INTERNAL_ITEM: ("own", "own-internal"),
    ORPHANED_ITEM: (None, "own"),
    WORKSPACE_USER: (None, "own"),
    FOREIGN_USER: (None, "foreign"),
    MISSING_USER: (None, None),
    OPEN_INVITATION: (None, "open"),
    EXPIRED_INVITATION: (None, "expired"),
    UNKNOWN_TOKEN: (None, None),
    VALID_RESET: (None, "valid"),
    VALID_UNSUBSCRIBE: (None, "unsubscribe"),
    VALID_CALENDAR: (None, "calendar"),
    UNKNOWN_PROVIDER: (None, None),
    LEAD_NOTIFICATION: (None, "lead"),
    MISSING_NOTIFICATION: (None, None),
    # Workspace-level items (world.items["attribute_id"]): no account in the path.
    WORKSPACE_ATTRIBUTE: (None, "own"),
    FOREIGN_ATTRIBUTE: (None, "foreign"),
    MISSING_ATTRIBUTE: (None, None),
    # Workspace-level items (world.items["objective_id"]), likewise.
    WORKSPACE_OBJECTIVE: (None, "own"),
    FOREIGN_OBJECTIVE: (None, "foreign"),
    MISSING_OBJECTIVE: (None, None),
    # Workspace-level mail (world.items["message_id"]): the own and foreign accounts' failed
    # invitation e-mails, on the admins' mail page.
    WORKSPACE_MAIL: (None, "own"),
    FOREIGN_MAIL: (None, "foreign"),
    MISSING_MAIL: (None, None),
    # Workspace-level webhook endpoints (world.items["endpoint_id"]), each with one delivery
    # (world.items["delivery_id"], same keys).
    WORKSPACE_WEBHOOK: (None, "own"),
    FOREIGN_WEBHOOK: (None, "foreign"),
    MISSING_WEBHOOK: (None, None),
    LEAD_API_TOKEN: (None, "lead"),
    MISSING_API_TOKEN: (None, None),
}


def account_rows(*, own: Row) -> dict[str, Row]:
    """An account route: the own account as given; the other account of the same workspace is
    reachable only by its admin, the foreign account only by its workspace's admin."""
    return {
        OWN_ACCOUNT: own,
        OTHER_ACCOUNT: Row(allow="admin"),
        FOREIGN_ACCOUNT: Row(allow="other-workspace-admin"),
        MISSING_ACCOUNT: Row(),
    }


def item_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """An item route under an account. A role without the verb is refused (403) before the item
    is looked at, so it learns nothing about item ids."""
    return {
        OWN_ITEM: Row(allow=allow, forbid=forbid),
        SMUGGLED_ITEM: Row(forbid=forbid),
        OTHER_ITEM: Row(allow="admin"),
        FOREIGN_ITEM: Row(allow="other-workspace-admin"),
        MISSING_ITEM: Row(forbid=forbid),
        ORPHANED_ITEM: Row(),
    }


def client_account_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """An account route for client-owned content: vendor standings (admins included) are
    refused before anything is looked up."""
    return {
        OWN_ACCOUNT: Row(allow=allow, forbid=forbid),
        OTHER_ACCOUNT: Row(forbid="admin"),
        FOREIGN_ACCOUNT: Row(forbid="other-workspace-admin"),
        MISSING_ACCOUNT: Row(),
    }


def client_item_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """An item route for client-owned content (see ``client_account_rows``)."""
    return {
        OWN_ITEM: Row(allow=allow, forbid=forbid),
        SMUGGLED_ITEM: Row(forbid=forbid),
        OTHER_ITEM: Row(forbid="admin"),
        FOREIGN_ITEM: Row(forbid="other-workspace-admin"),
        MISSING_ITEM: Row(forbid=forbid),
        ORPHANED_ITEM: Row(),
    }


def signing_rows(*, allow: str) -> dict[str, Row]:
    """Agreement (submit, approve, withdraw): only the named roles sign the plan. A workspace
    admin, who otherwise acts in every account of the workspace, is refused (403) too."""
    standings = f"admin {VENDOR_ROLES} {CLIENT_ROLES}".split()
    return {
        OWN_ACCOUNT: Row(
            allow=allow, forbid=" ".join(r for r in standings if r not in allow.split())
        ),
        OTHER_ACCOUNT: Row(forbid="admin"),
        FOREIGN_ACCOUNT: Row(forbid="other-workspace-admin"),
        MISSING_ACCOUNT: Row(),
    }


CLIENT_WRITERS = "sponsor member"
VENDOR_CONTRIBUTORS = "admin lead team"
NOT_CLIENT_WRITERS = f"admin {VENDOR_ROLES} viewer"
VENDOR_WRITERS = "admin lead team"
NOT_VENDOR_WRITERS = f"mentor {CLIENT_ROLES}"


def vendor_item_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """An item route for vendor-owned content whose items can be internal (e.g. a draft
    initiative): the client side is refused by the verb before the item is looked at."""
    return item_rows(allow=allow, forbid=forbid) | {
        OWN_INTERNAL_ITEM: Row(allow=allow, forbid=forbid)
    }


def client_answer_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """An item route where the client answers vendor content that can be internal: an internal
    item is 404 for the client people who may answer, exactly like a missing id."""
    return client_item_rows(allow=allow, forbid=forbid) | {
        OWN_INTERNAL_ITEM: Row(not_found=allow, forbid=forbid)
    }


def profile_kind_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """A route of one profile section, named by its kind under an account (``{kind}``: "goals"
    for an own/other/foreign item, an unknown kind for the missing one). Every account has the
    same kinds, so there is no other account's item to smuggle in; a role without the verb is
    refused before the kind is looked at."""
    return {
        OWN_ITEM: Row(allow=allow, forbid=forbid),
        OTHER_ITEM: Row(allow="admin"),
        FOREIGN_ITEM: Row(allow="other-workspace-admin"),
        MISSING_ITEM: Row(forbid=forbid),
        ORPHANED_ITEM: Row(),
    }


ACTION_WRITERS = "admin lead team sponsor member"
NOT_ACTION_WRITERS = "mentor viewer"


def thread_rows(*, allow: str, forbid: str) -> dict[str, Row]:
    """A comment thread: the item it hangs on is a priority of each account, and the own
    account's internal item a draft initiative (404 for the client side; a role without the
    verb is refused first)."""
    client_side = " ".join(role for role in CLIENT_ROLES.split() if role not in forbid.split())
    return item_rows(allow=allow, forbid=forbid) | {
        OWN_INTERNAL_ITEM: Row(allow=f"admin {VENDOR_ROLES}", forbid=forbid, not_found=client_side),
    }


def own_comment_rows() -> dict[str, Row]:
    """Editing or deleting a comment: only its author (the own account's shared comment is the
    client member's, its team-only comment the lead's; the viewer, who comments, edits only
    their own); a team-only comment is 404 for the client side; other accounts' comments are
    their client members', so even those accounts' admins are refused."""
    return {
        OWN_ITEM: Row(allow="member", forbid=f"admin {VENDOR_ROLES} sponsor viewer"),
        OWN_INTERNAL_ITEM: Row(
            allow="lead", forbid="admin team mentor", not_found="sponsor member viewer"
        ),
        SMUGGLED_ITEM: Row(),
        OTHER_ITEM: Row(forbid="admin"),
        FOREIGN_ITEM: Row(forbid="other-workspace-admin"),
        MISSING_ITEM: Row(),
        ORPHANED_ITEM: Row(),
    }


WORKSPACE_USER_ROWS = {
    WORKSPACE_USER: Row(allow="admin", not_found="other-workspace-admin", others=FORBIDDEN),
    FOREIGN_USER: Row(allow="other-workspace-admin", not_found="admin", others=FORBIDDEN),
    MISSING_USER: Row(not_found="admin other-workspace-admin", others=FORBIDDEN),
}
EVERY_ROLE = f"admin {VENDOR_ROLES} {CLIENT_ROLES}"
# A workspace's scorecard attribute: its own admins only; another workspace's attribute is not
# found, exactly like a missing one; everyone else is refused before any lookup.
ATTRIBUTE_ROWS = {
    WORKSPACE_ATTRIBUTE: Row(allow="admin", not_found="other-workspace-admin", others=FORBIDDEN),
    FOREIGN_ATTRIBUTE: Row(allow="other-workspace-admin", not_found="admin", others=FORBIDDEN),
    MISSING_ATTRIBUTE: Row(not_found="admin other-workspace-admin", others=FORBIDDEN),
}
# A workspace's strategic objective: its own admins only, like its scorecard attributes.
OBJECTIVE_ROWS = {
    WORKSPACE_OBJECTIVE: Row(allow="admin", not_found="other-workspace-admin", others=FORBIDDEN),
    FOREIGN_OBJECTIVE: Row(allow="other-workspace-admin", not_found="admin", others=FORBIDDEN),
    MISSING_OBJECTIVE: Row(not_found="admin other-workspace-admin", others=FORBIDDEN),
}

# A workspace's undelivered mail: its own admins only, like its scorecard attributes.
MAIL_ROWS = {
    WORKSPACE_MAIL: Row(allow="admin", not_found="other-workspace-admin", others=FORBIDDEN),
    FOREIGN_MAIL: Row(allow="other-workspace-admin", not_found="admin", others=FORBIDDEN),
    MISSING_MAIL: Row(not_found="admin other-workspace-admin", others=FORBIDDEN),
}
# A workspace's webhook endpoints and their deliveries: its own admins only, likewise.
WEBHOOK_ROWS = {
    WORKSPACE_WEBHOOK: Row(allow="admin", not_found="other-workspace-admin", others=FORBIDDEN),
    FOREIGN_WEBHOOK: Row(allow="other-workspace-admin", not_found="admin", others=FORBIDDEN),
    MISSING_WEBHOOK: Row(not_found="admin other-workspace-admin", others=FORBIDDEN),
}
# Sending an invitation's failed e-mail again: whoever sent it (the admin, here) and the lead;
# team and mentor see the invitation list but did not send it (403), and like everyone who
# passes the account guard they get 404 for another account's or a missing invitation; the
# client side is refused by the verb before anything is looked up.
SEND_AGAIN_ROWS = {
    OWN_ITEM: Row(allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"),
    SMUGGLED_ITEM: Row(forbid=CLIENT_ROLES),
    OTHER_ITEM: Row(allow="admin"),
    FOREIGN_ITEM: Row(allow="other-workspace-admin"),
    MISSING_ITEM: Row(forbid=CLIENT_ROLES),
    ORPHANED_ITEM: Row(),
}

# Reviews and the mentor: the lead (and admins) record reviews; only the account's mentor signs
# them off and answers requests, so a workspace admin is refused there too (like signing_rows).
REVIEW_WRITERS = "admin lead"
NOT_REVIEW_WRITERS = f"team mentor {CLIENT_ROLES}"
NOT_MENTORS = f"admin lead team {CLIENT_ROLES}"
# Any vendor person of a workspace reads their own queue; client logins have no workspace.
PORTFOLIO_READERS = Row(
    allow=f"admin other-workspace-admin {VENDOR_ROLES}",
    forbid=f"{CLIENT_ROLES} removed-member expired-invitee",
)


def mentor_rows() -> dict[str, Row]:
    """An item only the account's mentor acts on (sign off a review, answer a request): every
    other standing is refused before the item is looked up, admins in every account too."""
    return {
        OWN_ITEM: Row(allow="mentor", forbid=NOT_MENTORS),
        SMUGGLED_ITEM: Row(forbid=NOT_MENTORS),
        OTHER_ITEM: Row(forbid="admin"),
        FOREIGN_ITEM: Row(forbid="other-workspace-admin"),
        MISSING_ITEM: Row(forbid=NOT_MENTORS),
        ORPHANED_ITEM: Row(),
    }


def api_rows(rows: dict[str, Row]) -> dict[str, Row]:
    """An API route (``/api/v1``): who may is as on the pages, asked with each standing's
    bearer token instead of its session; without a token, 401 (no sign-in page to go to)."""
    return {
        target: Row(row.allow, row.forbid, row.not_found, row.others, UNAUTHORIZED)
        for target, row in rows.items()
    }


API = "/api/v1"
API_ACTION = f"{API}/accounts/{{account_id}}/actions/{{action_id}}"
API_SUGGESTION = f"{API}/accounts/{{account_id}}/suggestions/{{suggestion_id}}"
STRATEGY_SUGGESTION = "/accounts/{account_id}/strategy-suggestions/{strategy_suggestion_id}"
API_INITIATIVE = f"{API}/accounts/{{account_id}}/initiatives/{{initiative_id}}"
API_ENTRY = f"{API}/accounts/{{account_id}}/strategy/{{entry_id}}"
API_THREAD = f"{API}/accounts/{{account_id}}/threads/{{target}}/{{item_id}}/comments"

# --------------------------------------------------------------------------------------------
# THE MATRIX: (method, path) -> target -> Row. Written by hand; keep it in step with the routes.
# --------------------------------------------------------------------------------------------

MATRIX: dict[tuple[str, str], dict[str, Row]] = {
    # Public: sign-in and passwords
    ("GET", "/login"): {NO_TARGET: PUBLIC},
    ("POST", "/login"): {NO_TARGET: PUBLIC},
    ("GET", "/password/forgot"): {NO_TARGET: PUBLIC},
    ("POST", "/password/forgot"): {NO_TARGET: PUBLIC},
    ("GET", "/password/reset/{token}"): {VALID_RESET: PUBLIC, UNKNOWN_TOKEN: PUBLIC_410},
    ("POST", "/password/reset/{token}"): {VALID_RESET: PUBLIC, UNKNOWN_TOKEN: PUBLIC_410},
    # Public: invitations
    ("GET", "/invitations/{token}"): {
        OPEN_INVITATION: PUBLIC,
        EXPIRED_INVITATION: PUBLIC_410,
        UNKNOWN_TOKEN: PUBLIC_404,
    },
    ("POST", "/invitations/{token}"): {
        # The link is for newcomer@client.example, none of the signed-in actors: the page shows
        # them no form, and the route refuses them too (anonymous people accept by choosing a
        # password, as the invitee would).
        OPEN_INVITATION: Row(others=FORBIDDEN, anonymous=ALLOW),
        EXPIRED_INVITATION: PUBLIC_410,
        UNKNOWN_TOKEN: PUBLIC_404,
    },
    # Public: single sign-on (no provider is configured in tests)
    ("GET", "/auth/oidc/{provider_key}/start"): {UNKNOWN_PROVIDER: PUBLIC_404},
    ("GET", "/auth/oidc/{provider_key}/callback"): {UNKNOWN_PROVIDER: PUBLIC_404},
    # Development only, when turned on: the mailbox shows every e-mail (reset links included),
    # so only a workspace admin at the machine itself reads it; everyone else gets the 404 of
    # an unknown address (tests/test_dev_mailbox.py covers the other addresses and settings).
    ("GET", "/dev/mailbox"): {
        NO_TARGET: Row(allow="admin other-workspace-admin", anonymous=NOT_FOUND)
    },
    # Public: liveness and readiness, for load balancers and process managers
    ("GET", "/healthz"): {NO_TARGET: PUBLIC},
    ("GET", "/readyz"): {NO_TARGET: PUBLIC},
    # Public: the icon tools ask for when a page names none (pages link /static/favicon.svg)
    ("GET", "/favicon.ico"): {NO_TARGET: PUBLIC},
    # Private: the signed-in person
    ("GET", "/"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/logout"): {NO_TARGET: PUBLIC},  # signing out of an expired session still works
    ("GET", "/me"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/password"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/time-zone"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/locale"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/calendar"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/calendar/rotate"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/calendar/off"): {NO_TARGET: ANY_SIGNED_IN},
    # Personal access tokens for the API: one's own only
    ("POST", "/me/tokens"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/tokens/{token_id}/revoke"): {
        LEAD_API_TOKEN: Row(allow="lead"),
        MISSING_API_TOKEN: Row(),
    },
    ("GET", "/me/tokens/{token_id}/uses"): {
        LEAD_API_TOKEN: Row(allow="lead"),
        MISSING_API_TOKEN: Row(),
    },
    # The JSON API, with each standing's bearer token: exactly what the pages allow
    ("GET", f"{API}/openapi.json"): {NO_TARGET: PUBLIC},
    ("GET", f"{API}/accounts"): {NO_TARGET: Row(others=ALLOW, anonymous=UNAUTHORIZED)},
    ("GET", f"{API}/accounts/{{account_id}}"): api_rows(account_rows(own=Row(allow=EVERY_ROLE))),
    ("GET", f"{API}/accounts/{{account_id}}/plan"): api_rows(
        account_rows(own=Row(allow=EVERY_ROLE))
    ),
    ("GET", f"{API}/accounts/{{account_id}}/priorities"): api_rows(
        account_rows(own=Row(allow=EVERY_ROLE))
    ),
    ("GET", f"{API}/accounts/{{account_id}}/actions"): api_rows(
        account_rows(own=Row(allow=EVERY_ROLE))
    ),
    ("GET", API_ACTION): api_rows(item_rows(allow=EVERY_ROLE, forbid="")),
    ("PATCH", API_ACTION): api_rows(item_rows(allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS)),
    ("POST", f"{API_ACTION}/comments"): api_rows(item_rows(allow=EVERY_ROLE, forbid="")),
    **{
        ("GET", f"{API}/accounts/{{account_id}}/{name}"): api_rows(
            account_rows(own=Row(allow=EVERY_ROLE))
        )
        for name in ("periods", "strategy", "suggestions", "ratings", "initiatives", "audit")
    },
    ("GET", f"{API_ACTION}/comments"): api_rows(item_rows(allow=EVERY_ROLE, forbid="")),
    # Any item's thread, as the thread page: a draft initiative's is 404 for the client side.
    ("GET", API_THREAD): api_rows(thread_rows(allow=EVERY_ROLE, forbid="")),
    ("POST", API_THREAD): api_rows(thread_rows(allow=EVERY_ROLE, forbid="")),  # viewers too
    # The client's strategy: its contributors write it, as on the plan page.
    ("POST", f"{API}/accounts/{{account_id}}/strategy"): api_rows(
        client_account_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("PATCH", API_ENTRY): api_rows(
        client_item_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", f"{API}/accounts/{{account_id}}/suggestions"): api_rows(
        account_rows(own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}"))
    ),
    ("POST", f"{API_SUGGESTION}/accept"): api_rows(
        client_item_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", f"{API_SUGGESTION}/reject"): api_rows(
        client_item_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", f"{API}/accounts/{{account_id}}/ratings"): api_rows(
        client_account_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", f"{API}/accounts/{{account_id}}/initiatives"): api_rows(
        account_rows(own=Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS))
    ),
    ("PATCH", API_INITIATIVE): api_rows(
        vendor_item_rows(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("POST", f"{API_INITIATIVE}/propose"): api_rows(
        vendor_item_rows(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("POST", f"{API_INITIATIVE}/answer"): api_rows(
        client_answer_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    # The vendor's internal resources: a client's token gets the 404 of a missing account
    **{
        ("GET", f"{API}/accounts/{{account_id}}/{name}"): api_rows(
            account_rows(own=Row(allow=f"admin {VENDOR_ROLES}", not_found=CLIENT_ROLES))
        )
        for name in ("scorecard", "profile", "stakeholders", "opportunities", "reviews")
    },
    # Private: workspace administration
    ("GET", "/accounts/new"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/accounts"): {NO_TARGET: WORKSPACE_ADMINS},
    # Importing accounts from a file: the upload page, its template, the preview, the confirmation
    ("GET", "/admin/accounts/import"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/accounts/import/template.csv"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/accounts/import"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/accounts/import/confirm"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/users"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/users/{user_id}/disable"): WORKSPACE_USER_ROWS,
    ("POST", "/admin/users/{user_id}/enable"): WORKSPACE_USER_ROWS,
    ("GET", "/admin/value-dimensions"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/value-dimensions"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/time-zone"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/time-zone"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/currency"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/currency"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/mail"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/mail/{message_id}/send-again"): MAIL_ROWS,
    ("GET", "/admin/webhooks"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/webhooks/new"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/webhooks"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/webhooks/{endpoint_id}"): WEBHOOK_ROWS,
    ("GET", "/admin/webhooks/{endpoint_id}/edit"): WEBHOOK_ROWS,
    ("POST", "/admin/webhooks/{endpoint_id}"): WEBHOOK_ROWS,
    ("POST", "/admin/webhooks/{endpoint_id}/secret"): WEBHOOK_ROWS,
    ("POST", "/admin/webhooks/{endpoint_id}/remove"): WEBHOOK_ROWS,
    ("POST", "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/send-again"): WEBHOOK_ROWS,
    # Private: an account and what is under it
    ("GET", "/accounts/{account_id}"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/audit"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/audit/export.jsonl"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/audit/verify"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/invitations"): account_rows(
        own=Row(allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/invitations/{invitation_id}/revoke"): item_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/invitations/{invitation_id}/send-again"): SEND_AGAIN_ROWS,
    ("POST", "/accounts/{account_id}/members/{membership_id}/role"): item_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/members/{membership_id}/remove"): item_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    # Importing people to an account's relationship map from a file: the lead and admins
    **{
        (method, f"/accounts/{{account_id}}/relationships/import{tail}"): account_rows(
            own=Row(allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}")
        )
        for method, tail in (
            ("GET", ""),
            ("GET", "/template.csv"),
            ("POST", ""),
            ("POST", "/confirm"),
        )
    },
    # Private: the plan and the client's priorities (client-owned)
    ("GET", "/accounts/{account_id}/plan"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/plan/actions.csv"): account_rows(own=Row(allow=EVERY_ROLE)),
    # Live updates of the plan page: its event stream, who else has it open, one section.
    ("GET", "/accounts/{account_id}/events"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/presence"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/plan/sections/{section}"): account_rows(
        own=Row(allow=EVERY_ROLE)
    ),
    ("POST", "/accounts/{account_id}/priorities"): client_account_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("GET", "/accounts/{account_id}/priorities/{priority_id}/edit"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/priorities/{priority_id}"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/priorities/{priority_id}/move"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/priorities/{priority_id}/remove"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: the client's strategy and perceived value (client-owned)
    ("POST", "/accounts/{account_id}/strategy"): client_account_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("GET", "/accounts/{account_id}/strategy/{entry_id}/edit"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/strategy/{entry_id}"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/strategy/{entry_id}/move"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/strategy/{entry_id}/remove"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/ratings"): client_account_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: the first visit's short path (client contributors: priorities, then value)
    **{
        (method, f"/accounts/{{account_id}}/welcome{tail}"): client_account_rows(
            allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
        )
        for method, tail in (
            ("GET", ""),
            ("GET", "/value"),
            ("POST", "/priorities"),
            ("POST", "/value"),
            ("POST", "/skip"),
        )
    },
    # Private: initiatives (vendor-owned; drafts are internal; the client answers)
    ("POST", "/accounts/{account_id}/initiatives"): account_rows(
        own=Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("GET", "/accounts/{account_id}/initiatives/{initiative_id}/edit"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/propose"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/remove"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/answer"): client_answer_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: joint actions (co-owned: contributors of both sides write them)
    ("POST", "/accounts/{account_id}/actions"): account_rows(
        own=Row(allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS)
    ),
    ("GET", "/accounts/{account_id}/actions/{action_id}/edit"): item_rows(
        allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
    ),
    ("POST", "/accounts/{account_id}/actions/{action_id}"): item_rows(
        allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
    ),
    ("POST", "/accounts/{account_id}/actions/{action_id}/status"): item_rows(
        allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
    ),
    ("POST", "/accounts/{account_id}/actions/{action_id}/remove"): item_rows(
        allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
    ),
    ("GET", "/my/actions"): {NO_TARGET: ANY_SIGNED_IN},
    ("GET", "/my/actions.csv"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/accounts/{account_id}/priorities/order"): client_account_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: vendor suggestions of priorities (vendor contributors suggest, the client answers)
    ("POST", "/accounts/{account_id}/suggestions"): account_rows(
        own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/accept"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("GET", "/accounts/{account_id}/suggestions/{suggestion_id}/reword"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/reword"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/reject"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: vendor suggestions of strategy entries, answered like suggested priorities
    ("POST", "/accounts/{account_id}/strategy-suggestions"): account_rows(
        own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}")
    ),
    **{
        (method, f"{STRATEGY_SUGGESTION}/{answer}"): client_item_rows(
            allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
        )
        for method, answer in (
            ("POST", "accept"),
            ("GET", "reword"),
            ("POST", "reword"),
            ("POST", "reject"),
        )
    },
    # Private: the perception gap (vendor only; the client side is refused before any lookup)
    ("GET", "/accounts/{account_id}/perception"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/perception/beliefs"): account_rows(
        own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/perception/rating"): account_rows(
        own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("GET", "/accounts/{account_id}/perception/beliefs/{belief_id}/edit"): item_rows(
        allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/perception/beliefs/{belief_id}"): item_rows(
        allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/perception/beliefs/{belief_id}/move"): item_rows(
        allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/perception/beliefs/{belief_id}/remove"): item_rows(
        allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}"
    ),
    # Private: agreement (the lead submits; the client sponsor and the lead approve) and the
    # agreed versions (shared content only: every role of both sides reads them)
    ("POST", "/accounts/{account_id}/plan/submit"): signing_rows(allow="lead"),
    ("POST", "/accounts/{account_id}/plan/withdraw"): signing_rows(allow="lead"),
    ("POST", "/accounts/{account_id}/plan/approve"): signing_rows(allow="lead sponsor"),
    # The team's commitment (internal): the vendor side reads it; the lead asks; the account
    # team and the mentor answer for themselves (an admin is not asked, like signing_rows).
    ("GET", "/accounts/{account_id}/plan/commitment"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/plan/commitment/ask"): signing_rows(allow="lead"),
    ("POST", "/accounts/{account_id}/plan/commitment/answer"): signing_rows(allow="team mentor"),
    ("GET", "/accounts/{account_id}/plan/changes"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/plan/versions"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/plan/versions/{version_id}"): item_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    ("GET", "/accounts/{account_id}/plan/compare"): account_rows(own=Row(allow=EVERY_ROLE)),
    # Private: the PDF of the plan and of an agreed version (shared content only, like the
    # pages they print: every role of both sides)
    ("GET", "/accounts/{account_id}/plan.pdf"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("GET", "/accounts/{account_id}/plan/versions/{version_id}/plan.pdf"): item_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    # Private: a file an agreed version lists, with the version page's guard (every role)
    ("GET", "/accounts/{account_id}/plan/versions/{version_id}/files/{attachment_id}"): item_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    # Private: periods (the lead starts the next one; every role reads any period of the plan)
    ("GET", "/accounts/{account_id}/plan/next"): signing_rows(allow="lead"),
    ("POST", "/accounts/{account_id}/plan/next"): signing_rows(allow="lead"),
    ("GET", "/accounts/{account_id}/plans/{plan_id}"): item_rows(allow=EVERY_ROLE, forbid=""),
    # Private: comment threads (co-owned; the client viewer comments too, DESIGN.md §1) and the
    # person's inbox
    ("GET", "/accounts/{account_id}/threads/{target}/{item_id}"): thread_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    ("POST", "/accounts/{account_id}/threads/{target}/{item_id}"): thread_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    ("POST", "/accounts/{account_id}/comments/{comment_id}/edit"): own_comment_rows(),
    # Private: files on the plan's items (``{target}`` as for threads: each account's priority,
    # the own account's draft initiative as its internal item). Reading a file takes reading its
    # item (a draft's files are 404 for the client side); adding one, editing the item (a
    # priority: client writers; a draft: vendor writers), refused by the verb before any lookup.
    ("GET", "/accounts/{account_id}/files/{target}/{item_id}"): thread_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    ("POST", "/accounts/{account_id}/files/{target}/{item_id}"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    )
    | {OWN_INTERNAL_ITEM: Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)},
    ("GET", "/accounts/{account_id}/attachments/{attachment_id}"): thread_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    # Removing a file: its item's verb, known once the file is found (a missing file is 404
    # for everyone who reads the plan).
    ("POST", "/accounts/{account_id}/attachments/{attachment_id}/delete"): {
        OWN_ITEM: Row(allow=CLIENT_WRITERS, forbid=f"admin {VENDOR_ROLES} viewer"),
        OWN_INTERNAL_ITEM: Row(allow=VENDOR_WRITERS, forbid="mentor", not_found=CLIENT_ROLES),
        SMUGGLED_ITEM: Row(),
        OTHER_ITEM: Row(forbid="admin"),
        FOREIGN_ITEM: Row(forbid="other-workspace-admin"),
        MISSING_ITEM: Row(),
        ORPHANED_ITEM: Row(),
    },
    ("POST", "/accounts/{account_id}/comments/{comment_id}/delete"): own_comment_rows(),
    ("GET", "/inbox"): {NO_TARGET: ANY_SIGNED_IN},
    # What the person is told, and how: their own choices only.
    ("GET", "/me/notifications"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/me/notifications"): {NO_TARGET: ANY_SIGNED_IN},
    # One-click unsubscribe: the signed link authorises, whoever follows it (a mail client has
    # no session); anything but a genuine link is the ordinary 404.
    ("GET", "/unsubscribe/{token}"): {VALID_UNSUBSCRIBE: PUBLIC, UNKNOWN_TOKEN: PUBLIC_404},
    ("POST", "/unsubscribe/{token}"): {VALID_UNSUBSCRIBE: PUBLIC, UNKNOWN_TOKEN: PUBLIC_404},
    # A personal calendar feed: its secret address authorises, whoever follows it (a calendar
    # app has no session); an unknown, rotated or turned-off address is 404.
    ("GET", "/calendar/{token}.ics"): {VALID_CALENDAR: PUBLIC, UNKNOWN_TOKEN: PUBLIC_404},
    ("POST", "/inbox/read-all"): {NO_TARGET: ANY_SIGNED_IN},
    ("POST", "/inbox/{notification_id}/read"): {
        LEAD_NOTIFICATION: Row(allow="lead"),
        MISSING_NOTIFICATION: Row(),
    },
    # Private: opportunity targeting (vendor strategy workspace, internal: the vendor side reads,
    # lead, team and admins write; the client side is refused before any lookup)
    ("GET", "/accounts/{account_id}/opportunities"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/opportunities"): account_rows(
        own=Row(allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("GET", "/accounts/{account_id}/opportunities/{opportunity_id}/edit"): item_rows(
        allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/opportunities/{opportunity_id}"): item_rows(
        allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/opportunities/{opportunity_id}/remove"): item_rows(
        allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}"
    ),
    # Private: the account's own goals and results (internal: the vendor side reads, lead, team
    # and admins record them; the client side is refused before any lookup)
    ("GET", "/accounts/{account_id}/results"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/results/goals"): account_rows(
        own=Row(allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/results/actuals"): account_rows(
        own=Row(allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}")
    ),
    # Private: the strategic account scorecard (internal). The workspace's admins set up the
    # attributes; the vendor side reads an account's scores, the lead and admins score it.
    ("GET", "/admin/scorecard"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/scorecard/attributes"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/scorecard/defaults"): {NO_TARGET: WORKSPACE_ADMINS},
    ("GET", "/admin/scorecard/attributes/{attribute_id}/edit"): ATTRIBUTE_ROWS,
    ("POST", "/admin/scorecard/attributes/{attribute_id}"): ATTRIBUTE_ROWS,
    ("POST", "/admin/scorecard/attributes/{attribute_id}/remove"): ATTRIBUTE_ROWS,
    ("POST", "/admin/scorecard/attributes/{attribute_id}/move"): ATTRIBUTE_ROWS,
    ("GET", "/accounts/{account_id}/scorecard"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/scorecard"): account_rows(
        own=Row(allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}")
    ),
    # Selection that acts: the workspace's strategic objectives and each tier's treatment (its
    # admins), the team's planned hours (vendor contributors), the client sponsor's answer to
    # a key-account relationship (the sponsor alone; vendor standings are refused before any
    # lookup, admins included).
    ("POST", "/admin/scorecard/objectives"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/admin/scorecard/objectives/{objective_id}"): OBJECTIVE_ROWS,
    ("POST", "/admin/scorecard/objectives/{objective_id}/remove"): OBJECTIVE_ROWS,
    ("POST", "/admin/scorecard/objectives/{objective_id}/move"): OBJECTIVE_ROWS,
    ("POST", "/admin/scorecard/treatment"): {NO_TARGET: WORKSPACE_ADMINS},
    ("POST", "/accounts/{account_id}/scorecard/hours"): account_rows(
        own=Row(allow="admin lead team", forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/plan/key-account"): client_account_rows(
        allow="sponsor", forbid=f"admin {VENDOR_ROLES} member viewer"
    ),
    # Private: plan reviews and the mentor (vendor only; the client side is refused before any
    # lookup; only the account's mentor signs off and answers) and the mentor's queue
    ("GET", "/accounts/{account_id}/reviews"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/reviews/cadence"): account_rows(
        own=Row(allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/reviews"): account_rows(
        own=Row(allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS)
    ),
    ("GET", "/accounts/{account_id}/reviews/{review_id}/edit"): item_rows(
        allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS
    ),
    ("POST", "/accounts/{account_id}/reviews/{review_id}"): item_rows(
        allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS
    ),
    ("POST", "/accounts/{account_id}/reviews/{review_id}/sign-off"): mentor_rows(),
    ("POST", "/accounts/{account_id}/mentor-requests"): account_rows(
        own=Row(allow=VENDOR_CONTRIBUTORS, forbid=f"mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/mentor-requests/{request_id}/answer"): mentor_rows(),
    ("GET", "/reviews"): {NO_TARGET: PORTFOLIO_READERS},
    ("POST", "/accounts/{account_id}/reviews/from-joint/{joint_review_id}"): item_rows(
        allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS
    ),
    # Private: the joint review with the client (shared: every role reads it and its calendar
    # file; the lead and admins schedule, move, cancel and close it; contributors of both sides
    # write its minutes; the client's contributors re-rate and re-rank in it)
    ("GET", "/accounts/{account_id}/joint-reviews"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("POST", "/accounts/{account_id}/joint-reviews"): account_rows(
        own=Row(allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS)
    ),
    ("GET", "/accounts/{account_id}/joint-reviews/{joint_review_id}"): item_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    ("GET", "/accounts/{account_id}/joint-reviews/{joint_review_id}/invite.ics"): item_rows(
        allow=EVERY_ROLE, forbid=""
    ),
    **{
        ("POST", f"/accounts/{{account_id}}/joint-reviews/{{joint_review_id}}/{verb}"): item_rows(
            allow=REVIEW_WRITERS, forbid=NOT_REVIEW_WRITERS
        )
        for verb in ("move", "cancel", "close")
    },
    **{
        ("POST", f"/accounts/{{account_id}}/joint-reviews/{{joint_review_id}}/{tail}"): item_rows(
            allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
        )
        for tail in (
            "decisions",
            "decisions/{decision_id}",
            "decisions/{decision_id}/remove",
            "actions",
        )
    },
    **{
        ("POST", f"/accounts/{{account_id}}/joint-reviews/{{joint_review_id}}/{tail}"): (
            client_item_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
        )
        for tail in ("rating", "priorities")
    },
    # Private: the account profile (internal; the lead sends sections for validation) and the
    # client's validation page (what was sent: every role reads it; the client's contributors
    # answer; an unsent section is 404 for them, like a missing id)
    ("GET", "/accounts/{account_id}/profile"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/profile/{kind}"): profile_kind_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/profile/{kind}/adopt"): profile_kind_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/profile/{kind}/share"): profile_kind_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/profile/{kind}/withdraw"): profile_kind_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    ("GET", "/accounts/{account_id}/validation"): account_rows(own=Row(allow=EVERY_ROLE)),
    ("POST", "/accounts/{account_id}/validation/profile/{section_id}"): client_answer_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    # Private: the portfolio dashboard (every vendor person of a workspace reads it, limited to
    # their accounts; client people, removed or never let in, are refused)
    ("GET", "/portfolio"): {
        NO_TARGET: Row(
            allow=f"admin other-workspace-admin {VENDOR_ROLES}",
            forbid=f"{CLIENT_ROLES} removed-member expired-invitee",
        )
    },
    ("GET", "/portfolio.csv"): {
        NO_TARGET: Row(
            allow=f"admin other-workspace-admin {VENDOR_ROLES}",
            forbid=f"{CLIENT_ROLES} removed-member expired-invitee",
        )
    },
    # Private: the relationship map (vendor only; a stakeholder is internal until sent to the
    # client for confirmation: "own" items are sent ones, "own-internal" one never sent), and
    # the client's answer about the facts sent
    ("GET", "/accounts/{account_id}/relationships"): account_rows(
        own=Row(allow=f"admin {VENDOR_ROLES}", forbid=CLIENT_ROLES)
    ),
    ("POST", "/accounts/{account_id}/stakeholders"): account_rows(
        own=Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("GET", "/accounts/{account_id}/stakeholders/{stakeholder_id}/edit"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/remove"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/send"): vendor_item_rows(
        allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}"
    ),
    ("POST", "/accounts/{account_id}/stakeholders/send"): account_rows(
        own=Row(allow="admin lead", forbid=f"team mentor {CLIENT_ROLES}")
    ),
    ("POST", "/accounts/{account_id}/validation/stakeholders/{stakeholder_id}"): (
        client_answer_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    # Private: the team's contacts with people of the map, links between people, tensions
    # between departments (vendor writers only; all internal)
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/contacts"): vendor_item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/contacts/{contact_id}"): item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/contacts/{contact_id}/remove"): item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/relationships/links"): account_rows(
        own=Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/relationships/links/{link_id}/remove"): item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    ("POST", "/accounts/{account_id}/relationships/tensions"): account_rows(
        own=Row(allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/relationships/tensions/{tension_id}/remove"): item_rows(
        allow=VENDOR_WRITERS, forbid=NOT_VENDOR_WRITERS
    ),
    # Private: answered from the home's "Waiting for you": exactly as the pages' own routes
    ("POST", "/accounts/{account_id}/waiting/suggestions/{suggestion_id}/accept"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/waiting/suggestions/{suggestion_id}/reject"): client_item_rows(
        allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS
    ),
    ("POST", "/accounts/{account_id}/waiting/initiatives/{initiative_id}/answer"): (
        client_answer_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/waiting/validation/profile/{section_id}"): (
        client_answer_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/waiting/validation/stakeholders/{stakeholder_id}"): (
        client_answer_rows(allow=CLIENT_WRITERS, forbid=NOT_CLIENT_WRITERS)
    ),
    ("POST", "/accounts/{account_id}/waiting/plan/approve"): signing_rows(allow="lead sponsor"),
    ("POST", "/accounts/{account_id}/waiting/plan/commitment"): signing_rows(allow="team mentor"),
    ("POST", "/accounts/{account_id}/waiting/actions/{action_id}/status"): item_rows(
        allow=ACTION_WRITERS, forbid=NOT_ACTION_WRITERS
    ),
}

# What an allowed request answers, exactly: a page 200, a change 303 (back to its page with a
# flash message), except where written here. A route's value is one status, or one per target.
PAGE, CHANGED, CONFLICT = 200, 303, 409
# The world's initiatives (other than the own draft) already wait for the client's answer, which
# the client's answer route needs; proposing one again, or removing one the client has seen, is
# refused with 409 after every check of who may (the own draft shows the real thing: 303).
SEEN_INITIATIVE = {
    OWN_ITEM: CONFLICT,
    OTHER_ITEM: CONFLICT,
    FOREIGN_ITEM: CONFLICT,
    OWN_INTERNAL_ITEM: CHANGED,
}
ALLOWED_STATUS: dict[tuple[str, str], int | dict[str, int]] = {
    ("POST", "/me/tokens"): PAGE,  # the page that shows the new token, once
    ("PATCH", API_ACTION): dict.fromkeys((OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM), PAGE),
    ("POST", f"{API_ACTION}/comments"): dict.fromkeys((OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM), 201),
    ("POST", API_THREAD): dict.fromkeys(
        (OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM, OWN_INTERNAL_ITEM), 201
    ),
    ("POST", f"{API}/accounts/{{account_id}}/strategy"): {OWN_ACCOUNT: 201},
    ("PATCH", API_ENTRY): {OWN_ITEM: PAGE},
    # An upload without a file (the matrix posts no file) is refused after every check of who
    # may: "Choose a file" (tests/test_imports.py covers real uploads).
    ("POST", "/admin/accounts/import"): 422,
    ("POST", "/accounts/{account_id}/relationships/import"): dict.fromkeys(
        (OWN_ACCOUNT, OTHER_ACCOUNT, FOREIGN_ACCOUNT), 422
    ),
    # Nobody of the vendor is a member of the other and foreign accounts: their admin may add a
    # contact there, but has nobody of the team to name (tests/test_relationships.py adds them).
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/contacts"): {
        OWN_ITEM: CHANGED,
        OWN_INTERNAL_ITEM: CHANGED,
        OTHER_ITEM: 422,
        FOREIGN_ITEM: 422,
    },
    ("POST", f"{API}/accounts/{{account_id}}/suggestions"): dict.fromkeys(
        (OWN_ACCOUNT, OTHER_ACCOUNT, FOREIGN_ACCOUNT), 201
    ),
    ("POST", f"{API}/accounts/{{account_id}}/ratings"): {OWN_ACCOUNT: 201},
    ("POST", f"{API}/accounts/{{account_id}}/initiatives"): dict.fromkeys(
        (OWN_ACCOUNT, OTHER_ACCOUNT, FOREIGN_ACCOUNT), 201
    ),
    ("PATCH", API_INITIATIVE): dict.fromkeys(
        (OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM, OWN_INTERNAL_ITEM), PAGE
    ),
    ("POST", f"{API_INITIATIVE}/propose"): SEEN_INITIATIVE | {OWN_INTERNAL_ITEM: PAGE},
    ("POST", f"{API_INITIATIVE}/answer"): {OWN_ITEM: PAGE},
    ("POST", f"{API_SUGGESTION}/accept"): {OWN_ITEM: PAGE},
    ("POST", f"{API_SUGGESTION}/reject"): {OWN_ITEM: PAGE},
    # "If the address is known, a link is on its way": the same page whoever asks.
    ("POST", "/password/forgot"): PAGE,
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/propose"): SEEN_INITIATIVE,
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/remove"): SEEN_INITIATIVE,
    # Both workspaces already have attributes: the defaults are only for an empty scorecard
    # (tests/test_scorecard.py covers them being added).
    ("POST", "/admin/scorecard/defaults"): CONFLICT,
    # Unsubscribed: a page saying so (a mail client's POST follows no redirect).
    ("POST", "/unsubscribe/{token}"): {VALID_UNSUBSCRIBE: PAGE},
    # The feed's new address is shown on the page, once (only its hash is kept). Everyone's
    # feed is on already: turning it on again changes nothing and goes back to /me (303).
    ("POST", "/me/calendar/rotate"): PAGE,
    # A new endpoint's secret, and a renewed one, are shown on the page, once.
    ("POST", "/admin/webhooks"): PAGE,
    ("POST", "/admin/webhooks/{endpoint_id}/secret"): dict.fromkeys(
        (WORKSPACE_WEBHOOK, FOREIGN_WEBHOOK), PAGE
    ),
    # The world's joint reviews are still open: an internal record is made of a closed one
    # only (tests/test_joint_reviews.py covers it being made).
    ("POST", "/accounts/{account_id}/reviews/from-joint/{joint_review_id}"): dict.fromkeys(
        (OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM), CONFLICT
    ),
}


def allowed_status(method: str, path: str, actor: str, target: str) -> int:
    if (method, path) == ("GET", "/login") and actor != ANONYMOUS:
        return CHANGED  # a signed-in person is sent home
    given = ALLOWED_STATUS.get((method, path), PAGE if method == "GET" else CHANGED)
    return given[target] if isinstance(given, dict) else given


# --------------------------------------------------------------------------------------------
# The routes, as the app's router has them
# --------------------------------------------------------------------------------------------


def _walk(routes: list[Any], prefix: str, found: set[tuple[str, str]]) -> None:
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # an included router (FastAPI keeps it as _IncludedRouter)
            _walk(original.routes, prefix + route.include_context.prefix, found)
        elif isinstance(route, Mount) and route.path == "/static":
            continue
        elif isinstance(route, Mount) and route.path == API:  # the API's sub-application
            _walk(route.app.routes, prefix + route.path, found)  # type: ignore[attr-defined]
        elif isinstance(route, APIRoute):
            found.update((method, prefix + route.path) for method in route.methods)
        else:  # anything else (another mount, a websocket, a plain route) needs a decision
            found.add((type(route).__name__, prefix + getattr(route, "path", repr(route))))


def routes_of(routes: list[Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    _walk(routes, "", found)
    return found


# The matrix's app runs in development with the development mailbox on, so that every route
# that can exist is in the matrix; its requests come from the loopback address.
# A live event stream ends at once here (after what it has to send), so that a cell answers.
MATRIX_ENVIRONMENT: dict[str, Any] = {
    "environment": "development",
    "dev_mailbox": True,
    "live_stream_seconds": 0,
    # No heartbeat work (presence refreshed in a thread) on the matrix's one shared connection.
    "live_heartbeat_seconds": 3600,
}
LOOPBACK = ("127.0.0.1", 50000)


def _app_for_collection() -> FastAPI:
    settings = Settings(**MATRIX_ENVIRONMENT, secret_key="c" * 64, database_url="sqlite://")
    return create_app(settings, Database(create_db_engine("sqlite://")), run_mailer=False)


APP_ROUTES = routes_of(_app_for_collection().routes)


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    actor: str
    target: str
    expected: Outcome

    @property
    def id(self) -> str:
        target = "" if self.target == NO_TARGET else f" on {self.target}"
        return f"{self.method} {self.path} as {self.actor}{target} -> {self.expected.value}"


CELLS = [
    Cell(method, path, actor, target, row.outcome(actor))
    for method, path in sorted(APP_ROUTES, key=lambda r: (r[1], r[0]))
    if (method, path) in MATRIX
    for target, row in MATRIX[(method, path)].items()
    for actor in ACTORS
]

# --------------------------------------------------------------------------------------------
# The world, built and committed once per worker; each cell runs in a transaction rolled back
# after it
# --------------------------------------------------------------------------------------------


@dataclass
class MatrixWorld:
    actors: dict[str, int] = field(default_factory=dict)  # actor -> user id
    emails: dict[str, str] = field(default_factory=dict)  # actor -> e-mail
    accounts: dict[str, int] = field(default_factory=dict)  # own/other/foreign -> account id
    memberships: dict[str, tuple[int, int]] = field(default_factory=dict)  # -> (id, version)
    invitations: dict[str, int] = field(default_factory=dict)  # open lead invitation per account
    priorities: dict[str, tuple[int, int]] = field(default_factory=dict)  # -> (id, version)
    # Items of the plan's domains: path parameter (e.g. "initiative_id") -> key -> (id, version).
    # Keys: "own", "other", "foreign" (one per account) and "own-internal" (an internal item of
    # the own account, for routes whose items can be internal).
    items: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)  # "own:disable" etc. -> user id
    # What ``{target}`` of a thread path names for each item key (default: a priority).
    thread_targets: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # open/expired invitation, valid reset
    api_tokens: dict[str, str] = field(default_factory=dict)  # actor -> a write token's secret
    rankings: dict[str, list[int]] = field(default_factory=dict)  # active priorities, in order


def _new_account(session: Session, *, admin: User, name: str) -> tuple[int, int]:
    account, sent = accounts.create_account(
        session,
        actor=admin,
        client_name=f"{name} client",
        account_name=name,
        period="FY2027",
        lead_email=f"lead-of-{name.split()[0].lower()}@vendor.example",
        invitation_days=7,
    )
    assert account.id is not None
    assert sent.invitation.id is not None
    return account.id, sent.invitation.id


def _id(user: User) -> int:
    assert user.id is not None
    return user.id


def build_matrix_world(session: Session) -> MatrixWorld:
    """What ``factories.build_world`` makes, without password hashing (sign_in needs none; only
    the lead has a password, for the sign-in routes), plus items in every account."""
    world = MatrixWorld()

    def person(email: str, workspace: Any = None, *, admin: bool = False) -> User:
        return factories.make_user(
            session, email=email, workspace=workspace, admin=admin, password=None
        )

    workspace = factories.make_workspace(session, "Vendor")
    other_workspace = factories.make_workspace(session, "Other vendor")
    admin = person("admin@vendor.example", workspace, admin=True)
    other_admin = person("admin@other.example", other_workspace, admin=True)
    for key, name, by in (
        ("own", "Own account", admin),
        ("other", "Other account", admin),
        ("foreign", "Foreign account", other_admin),
    ):
        world.accounts[key], world.invitations[key] = _new_account(session, admin=by, name=name)
    account: dict[str, Account] = {}
    for key, id_ in world.accounts.items():
        found = session.get(Account, id_)
        assert found is not None
        account[key] = found

    roles: dict[str, User] = {"admin": admin, "other-workspace-admin": other_admin}
    for role in Role:
        vendor = role.side.value == "vendor"
        user = person(
            f"{role.value}@{'vendor' if vendor else 'client'}.example",
            workspace if vendor else None,
        )
        if role is Role.LEAD:
            users.set_password(session, user=user, password=factories.PASSWORD, audited=False)
        membership = factories.add_member(
            session, account=account["own"], user=user, role=role, by=admin
        )
        roles[role.value] = user
        if role is Role.MEMBER:
            assert membership.id is not None
            world.memberships["own"] = (membership.id, membership.version)

    removed = person("removed@client.example")
    membership = factories.add_member(
        session, account=account["own"], user=removed, role=Role.MEMBER, by=admin
    )
    accounts.remove(session, actor=admin, membership=membership)
    roles["removed-member"] = removed

    invitee = person("outsider@client.example")
    expired = invitations.invite(
        session,
        inviter=admin,
        account=account["own"],
        email=invitee.email,
        role=Role.MEMBER,
        days=7,
    )
    expired.invitation.expires_at = utcnow() - timedelta(days=1)
    session.add(expired.invitation)
    roles["expired-invitee"] = invitee
    world.tokens["expired"] = expired.link.rsplit("/", 1)[1]

    opened = invitations.invite(
        session,
        inviter=admin,
        account=account["own"],
        email="newcomer@client.example",
        role=Role.MEMBER,
        days=7,
    )
    world.tokens["open"] = opened.link.rsplit("/", 1)[1]

    # A client member in each of the other accounts: the items that must stay out of reach.
    for key, by in (("other", admin), ("foreign", other_admin)):
        client = person(f"client-of-{key}@client.example")
        membership = factories.add_member(
            session, account=account[key], user=client, role=Role.MEMBER, by=by
        )
        assert membership.id is not None
        world.memberships[key] = (membership.id, membership.version)

    # One client priority in each account.
    for key, by in (("own", admin), ("other", admin), ("foreign", other_admin)):
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        priority = priorities.create(
            session, actor=by, plan=plan, values=PriorityValues(title=f"{key} priority")
        )
        assert priority.id is not None
        world.priorities[key] = (priority.id, priority.version)
        entry = strategy.create(
            session,
            actor=by,
            plan=plan,
            values=StrategyValues(kind="driver", text=f"{key} strategic driver"),
        )
        assert entry.id is not None
        world.items.setdefault("entry_id", {})[key] = (entry.id, entry.version)

    # One proposed initiative in each account, answering its priority; a draft in the own one.
    for key, by in (("own", admin), ("other", admin), ("foreign", other_admin)):
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        made = initiatives.create(
            session,
            actor=by,
            plan=plan,
            values=InitiativeValues(
                title=f"{key} initiative",
                owner_id=_id(roles["lead"]) if key == "own" else None,
                priority_ids=[world.priorities[key][0]],
            ),
        )
        initiatives.propose(session, actor=by, initiative=made, expected_version=made.version)
        assert made.id is not None
        world.items.setdefault("initiative_id", {})[key] = (made.id, made.version)
        if key == "own":
            hidden = initiatives.create(
                session,
                actor=by,
                plan=plan,
                values=InitiativeValues(title="own draft initiative", owner_id=_id(roles["team"])),
            )
            assert hidden.id is not None
            world.items["initiative_id"]["own-internal"] = (hidden.id, hidden.version)

    # One joint action in each account, owned by nobody yet.
    for key, by in (("own", admin), ("other", admin), ("foreign", other_admin)):
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        action = actions.create(
            session,
            actor=by,
            plan=plan,
            checked=CheckedAction(f"{key} action", "", None, None, "not_started", Link()),
        )
        assert action.id is not None
        world.items.setdefault("action_id", {})[key] = (action.id, action.version)

    # A pending vendor suggestion and a believed priority (internal) in each account.
    suggestions: dict[str, tuple[int, int]] = {}
    strategy_suggestions: dict[str, tuple[int, int]] = {}
    beliefs: dict[str, tuple[int, int]] = {}
    for key, by in (("own", admin), ("other", admin), ("foreign", other_admin)):
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        suggestion = priorities.suggest(
            session, actor=by, plan=plan, values=PriorityValues(title=f"{key} suggestion")
        )
        assert suggestion.id is not None
        suggestions[key] = (suggestion.id, suggestion.version)
        for_strategy = strategy.suggest(
            session,
            actor=by,
            plan=plan,
            values=StrategyValues("challenge", f"{key} strategy suggestion"),
        )
        assert for_strategy.id is not None
        strategy_suggestions[key] = (for_strategy.id, for_strategy.version)
        belief = perception.add_belief(
            session,
            actor=by,
            plan=plan,
            values=BeliefValues(title=f"{key} belief", hypothesis="internal", priority_id=None),
        )
        assert belief.id is not None
        beliefs[key] = (belief.id, belief.version)
    world.items["suggestion_id"] = suggestions
    world.items["strategy_suggestion_id"] = strategy_suggestions
    world.items["belief_id"] = beliefs
    # An agreed version in each account; the own account then changed and is submitted again
    # (below, once its files are there), so that submitting, approving and withdrawing there do
    # the real thing.
    world.items["version_id"] = {}
    world.items["plan_id"] = {}
    for key, by in (("own", roles["lead"]), ("other", admin), ("foreign", other_admin)):
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        assert plan.id is not None
        world.items["plan_id"][key] = (plan.id, plan.version)
        agreement.submit(session, actor=by, plan=plan)
        agreement.approve(session, actor=by, plan=plan, slot=agreement.Slot.SPONSOR)
        frozen = agreement.approve(session, actor=by, plan=plan, slot=agreement.Slot.LEAD).version
        assert frozen is not None
        assert frozen.id is not None
        world.items["version_id"][key] = (frozen.id, frozen.number)
        if key == "own":
            later = priorities.create(
                session, actor=by, plan=plan, values=PriorityValues(title="Later")
            )
            assert later.id is not None
            world.rankings[key] = [world.priorities[key][0], later.id]

    _add_comment_items(
        session, world, roles, {"own": admin, "other": admin, "foreign": other_admin}
    )

    # People of each workspace for the admin pages: one to disable, one (disabled) to enable.
    for key, ws, by in (("own", workspace, admin), ("foreign", other_workspace, other_admin)):
        active = person(f"colleague@{key}.example", ws)
        dormant = person(f"dormant@{key}.example", ws)
        users.set_disabled(session, actor=by, user=dormant, disabled=True)
        world.users[f"{key}:disable"] = _id(active)
        world.users[f"{key}:enable"] = _id(dormant)

    reset_token = new_token()
    session.add(
        PasswordReset(
            user_id=_id(roles["lead"]),
            token_hash=token_hash(reset_token),
            expires_at=utcnow() + timedelta(days=1),  # valid however long the run takes
        )
    )
    world.tokens["valid"] = reset_token
    world.tokens["unsubscribe"] = unsubscribe.token(
        "s" * 64, kind="mention", user_id=_id(roles["lead"])
    )
    # Everyone has a calendar feed (so turning it off changes something); the lead's address
    # is the valid one.
    feeds = {actor: users.new_calendar_feed(session, actor=user) for actor, user in roles.items()}
    world.tokens["calendar"] = feeds["lead"]

    _add_scorecard_items(session, world, {"own": admin, "foreign": other_admin})
    _add_attachment_items(session, world, {"own": admin, "other": admin, "foreign": other_admin})
    # The own account's plan, changed since its version (a priority, files), is submitted again
    # once it holds all it will (a file on a shared item is part of what is agreed).
    own_plan = plans_repo.current(session, account_id=world.accounts["own"])
    assert own_plan is not None
    agreement.submit(session, actor=roles["lead"], plan=own_plan)

    for actor, user in roles.items():
        world.actors[actor] = _id(user)
        world.emails[actor] = user.email
    _add_api_tokens(session, world, roles)
    _add_opportunity_items(session, world, {"own": admin, "other": admin, "foreign": other_admin})
    _add_review_items(session, world, roles)
    _add_commitment_round(session, world, roles)
    _add_joint_review_items(session, world, roles)
    _add_profile_items(
        session, world, roles, {"own": admin, "other": admin, "foreign": other_admin}
    )
    _add_stakeholder_items(session, world, {"own": admin, "other": admin, "foreign": other_admin})
    _add_relationship_items(
        session, world, roles, {"own": admin, "other": admin, "foreign": other_admin}
    )
    _fail_invitation_mail(session, world)
    _add_import_drafts(session, world, roles)
    _add_webhooks(session, world, {"own": admin, "foreign": other_admin})
    session.flush()
    return world


def _add_api_tokens(session: Session, world: MatrixWorld, roles: dict[str, User]) -> None:
    """A read-and-write API token for every standing (the API's cells send it); the lead's is
    the target of the route that revokes a token."""
    for actor, user in roles.items():
        token, secret = api_tokens.create(
            session, actor=user, checked=CheckedToken(f"{actor} token", TokenScope.WRITE, 365)
        )
        world.api_tokens[actor] = secret
        if actor == "lead":
            assert token.id is not None
            world.items["token_id"] = {"lead": (token.id, 0)}


def _add_import_drafts(session: Session, world: MatrixWorld, roles: dict[str, User]) -> None:
    """A previewed import of each kind for each standing that may confirm one, in its own
    workspace or account (``world.tokens["draft:<kind>:<actor>:<account key>"]``)."""
    accounts_row = reading.Row(2, {"account_name": "Imported", "client_name": "Imported client"})
    for actor, lead in (("admin", "lead"), ("other-workspace-admin", "other-workspace-admin")):
        values = accounts_row.values | {"lead_email": roles[lead].email, "period": "FY2030"}
        by = roles[actor]
        assert by.workspace_id is not None
        draft = imports.keep(
            session,
            uploader=by,
            kind=ImportKind.ACCOUNTS,
            workspace_id=by.workspace_id,
            account_id=None,
            file_name="accounts.csv",
            rows=[reading.Row(2, values)],
        )
        world.tokens[f"draft:accounts:{actor}:-"] = str(draft.id)
    person = reading.Row(2, {"name": "Imported person", "title": "Buyer"})
    for actor, key in (
        ("lead", "own"),
        ("admin", "own"),
        ("admin", "other"),
        ("other-workspace-admin", "foreign"),
    ):
        by = roles[actor]
        account = session.get(Account, world.accounts[key])
        assert account is not None
        draft = imports.keep(
            session,
            uploader=by,
            kind=ImportKind.STAKEHOLDERS,
            workspace_id=account.workspace_id,
            account_id=account.id,
            file_name="people.csv",
            rows=[person],
        )
        world.tokens[f"draft:stakeholders:{actor}:{key}"] = str(draft.id)


def _fail_invitation_mail(session: Session, world: MatrixWorld) -> None:
    """The e-mails of the accounts' lead invitations were given up (SMTP was down), so that an
    allowed "Send again" really queues them again."""
    world.items["message_id"] = {}
    for key, invitation_id in world.invitations.items():
        mail = session.exec(
            select(OutboxMessage).where(OutboxMessage.invitation_id == invitation_id)
        ).one()
        mail.status, mail.failed_at = OutboxStatus.FAILED, utcnow()
        mail.attempts, mail.last_error = 6, "SMTPServerDisconnected: Connection unexpectedly closed"
        session.add(mail)
        assert mail.id is not None
        world.items["message_id"][key] = (mail.id, 1)


def _add_webhooks(session: Session, world: MatrixWorld, admins: dict[str, User]) -> None:
    """A webhook endpoint in each workspace with one delivered event, so that an allowed
    "Send again" really queues it again."""
    world.items["endpoint_id"], world.items["delivery_id"] = {}, {}
    for key, admin in admins.items():
        assert admin.workspace_id is not None
        endpoint, _ = webhooks.create(
            session,
            actor=admin,
            workspace_id=admin.workspace_id,
            values=EndpointValues("https://crm.example.com/hook", key, ["action.*"], False, True),
            app_key="s" * 64,
        )
        assert endpoint.id is not None
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            account_id=world.accounts[key],
            verb="action.created",
            body="{}",
            status=OutboxStatus.SENT,
            attempts=1,
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        world.items["endpoint_id"][key] = (endpoint.id, endpoint.version)
        world.items["delivery_id"][key] = (delivery.id, 0)


def _add_scorecard_items(session: Session, world: MatrixWorld, admins: dict[str, User]) -> None:
    """Two scorecard attributes in each workspace, one per half (so that accounts can be
    scored): the current-performance one is the target of the attribute routes; the other
    one's id is kept under "future_attribute" (no route has that parameter)."""
    world.items["attribute_id"], world.items["future_attribute"] = {}, {}
    for key, admin in admins.items():
        assert admin.workspace_id is not None
        for half, name, kept in (
            (ScorecardHalf.CURRENT, "Current sales", world.items["attribute_id"]),
            (ScorecardHalf.FUTURE, "Growth potential", world.items["future_attribute"]),
        ):
            attribute = scorecard.add_attribute(
                session,
                actor=admin,
                workspace_id=admin.workspace_id,
                values=AttributeValues(name, half, 2),
            )
            assert attribute.id is not None
            kept[key] = (attribute.id, attribute.version)
    # Two strategic objectives in each workspace: the second is the target of the objective
    # routes (so an allowed move up really moves it).
    world.items["objective_id"] = {}
    for key, admin in admins.items():
        assert admin.workspace_id is not None
        made = [
            scorecard_objectives.add_objective(
                session,
                actor=admin,
                workspace_id=admin.workspace_id,
                values=ObjectiveValues(title),
            )
            for title in ("First objective", "Second objective")
        ]
        assert made[1].id is not None
        world.items["objective_id"][key] = (made[1].id, made[1].version)


def _add_review_items(session: Session, world: MatrixWorld, roles: dict[str, User]) -> None:
    """A review waiting for sign-off and an open mentor request in each account (recorded by
    the own account's lead, the other accounts' admins)."""
    by = {"own": roles["lead"], "other": roles["admin"], "foreign": roles["other-workspace-admin"]}
    for key, actor in by.items():
        account = session.get(Account, world.accounts[key])
        assert account is not None
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        assert plan.id is not None
        review = reviews.record(
            session,
            actor=actor,
            account=account,
            plan=plan,
            checked=CheckedReview(utcnow().date(), f"{key} people", f"{key} changes"),
            dimensions=list(DEFAULT_VALUE_DIMENSIONS),
        )
        request = reviews.ask(
            session, actor=actor, account=account, plan=plan, initiative=None, note=f"{key} note"
        )
        assert review.id is not None
        assert request.id is not None
        world.items.setdefault("review_id", {})[key] = (review.id, review.version)
        world.items.setdefault("request_id", {})[key] = (request.id, request.version)


def _add_commitment_round(session: Session, world: MatrixWorld, roles: dict[str, User]) -> None:
    """The own account's lead asked its team and mentor to commit to the plan (the only
    account they are in), so that their answer does the real thing."""
    plan = plans_repo.current(session, account_id=world.accounts["own"])
    assert plan is not None
    commitment.ask(session, actor=roles["lead"], plan=plan)


def _add_joint_review_items(session: Session, world: MatrixWorld, roles: dict[str, User]) -> None:
    """A joint review in each account (scheduled by the own account's lead, the other
    accounts' admins), whose meeting began an hour ago (so that closing it does the real
    thing), with one decision in its minutes. The one person each review invites is kept as
    ``users["attendee:<key>"]``, for the form that schedules another."""
    by = {"own": roles["lead"], "other": roles["admin"], "foreign": roles["other-workspace-admin"]}
    for key, actor in by.items():
        account = session.get(Account, world.accounts[key])
        assert account is not None
        plan = plans_repo.current(session, account_id=world.accounts[key])
        assert plan is not None
        invited = (
            roles["sponsor"]
            if key == "own"
            else session.exec(
                select(User).where(User.email == f"client-of-{key}@client.example")
            ).one()
        )
        starts = utcnow() + timedelta(days=1)
        review = joint_reviews.schedule(
            session,
            actor=actor,
            account=account,
            plan=plan,
            checked=CheckedSchedule(CheckedTime(starts, "Europe/London", 60), (_id(invited),)),
        )
        review.starts_at = utcnow() - timedelta(hours=1)
        session.add(review)
        decision = joint_reviews.add_decision(
            session, actor=actor, review=review, text=f"{key} decision"
        )
        assert review.id is not None
        assert decision.id is not None
        world.items.setdefault("joint_review_id", {})[key] = (review.id, review.version)
        world.items.setdefault("decision_id", {})[key] = (decision.id, decision.version)
        world.users[f"attendee:{key}"] = _id(invited)


def _add_comment_items(
    session: Session, world: MatrixWorld, roles: dict[str, User], admins: dict[str, User]
) -> None:
    """Threads hang on each account's priority; the own account's internal thread on a draft
    initiative. A comment in each account by a client member, a team-only one by the own
    account's lead, and a notification of the lead."""
    plan = plans_repo.current(session, account_id=world.accounts["own"])
    assert plan is not None
    assert plan.id is not None
    draft = Initiative(
        account_id=plan.account_id,
        plan_id=plan.id,
        title="Draft initiative",
        status=InitiativeStatus.DRAFT,
        visibility=Visibility.INTERNAL,
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None
    world.items["item_id"] = dict(world.priorities) | {"own-internal": (draft.id, draft.version)}
    world.thread_targets["own-internal"] = "initiative"

    authors = {"own": roles["member"]}
    for key in ("other", "foreign"):
        authors[key] = session.exec(
            select(User).where(User.email == f"client-of-{key}@client.example")
        ).one()
    comment_ids: dict[str, tuple[int, int]] = {}
    for key, author in [*authors.items(), ("own-internal", roles["lead"])]:
        account_key = "own" if key == "own-internal" else key
        target = comments_repo.find_target(
            session,
            account_id=world.accounts[account_key],
            item_type="priority",
            item_id=world.priorities[account_key][0],
        )
        assert target is not None
        comment = comments.add(
            session,
            actor=author,
            target=target,
            body=f"{key} comment",
            team_only=key == "own-internal",
            people=[],
        )
        assert comment.id is not None
        comment_ids[key] = (comment.id, comment.version)
    world.items["comment_id"] = comment_ids

    [note] = notify(
        session,
        account_id=world.accounts["own"],
        recipient_ids=[roles["lead"].id],
        kind="mention",
        message="Someone mentioned you",
        link=f"/accounts/{world.accounts['own']}/plan",
        actor=admins["own"],
    )
    assert isinstance(note, Notification)
    assert note.id is not None
    world.items["notification_id"] = {"lead": (note.id, 0)}


def _add_attachment_items(session: Session, world: MatrixWorld, admins: dict[str, User]) -> None:
    """A file on each account's priority, and on the own account's draft initiative (internal):
    the ``{attachment_id}`` items, their bytes in the store the matrix's app uses."""
    found: dict[str, tuple[int, int]] = {}
    for key in ("own", "other", "foreign", "own-internal"):
        account_key = "own" if key == "own-internal" else key
        made = factories.attach(
            session,
            actor=admins[account_key],
            account_id=world.accounts[account_key],
            item_type=world.thread_targets.get(key, "priority"),
            item_id=world.items["item_id"][key][0],
            name=f"{key}.txt",
            data=f"{key} file".encode(),
        )
        assert made.id is not None
        found[key] = (made.id, 1)
        if key != "own-internal":
            _list_in_version(session, world.items["version_id"][key][0], made)
        else:
            # No version may list a file on an internal item; one more reference to its bytes
            # all the same, so that a cell deleting it leaves them for the cells that follow,
            # in whatever order a worker runs them.
            attachments_repo.reference_all(session, blobs=[(made.sha256, made.size)])
    world.items["attachment_id"] = found


def _list_in_version(session: Session, version_id: int, made: Attachment) -> None:
    """The agreed version lists the file and holds a reference to its bytes, as a version
    agreed with it would (the matrix's versions were agreed before the files existed): so a
    cell that deletes the file leaves its bytes for the version's cells."""
    version = session.get(PlanVersion, version_id)
    assert version is not None
    listed = {"id": made.id, "name": made.file_name, "size": made.size}
    listed |= {"content_type": made.content_type, "sha256": made.sha256}
    version.snapshot = {**version.snapshot, "files": {"action:0": [listed]}}
    session.add(version)
    attachments_repo.reference_all(session, blobs=[(made.sha256, made.size)])


def _add_profile_items(
    session: Session, world: MatrixWorld, roles: dict[str, User], admins: dict[str, User]
) -> None:
    """In each account, the profile's "goals" written, sent to the client and corrected by a
    client member (so that saving, sending again, withdrawing, using the correction and
    answering all do the real thing); in the own account also "markets", written and never sent
    (internal). ``{section_id}`` items are these sections; ``{kind}`` routes name "goals"."""
    sections: dict[str, tuple[int, int]] = {}
    for key, by in admins.items():
        account_id = world.accounts[key]
        goals = profile.save(
            session,
            actor=by,
            account_id=account_id,
            kind=ProfileKind.GOALS,
            section=None,
            body=f"{key} goals as the team sees them",
            expected_version=0,
        )
        assert goals is not None
        assert goals.id is not None
        profile.share(session, actor=by, section=goals, expected_version=goals.version)
        client = (
            roles["member"]
            if key == "own"
            else session.exec(
                select(User).where(User.email == f"client-of-{key}@client.example")
            ).one()
        )
        profile.answer(
            session,
            actor=client,
            section=goals,
            decision=Validation.CORRECTED,
            correction=f"{key} goals in the client's words",
            expected_version=profile.answer_version(goals),
        )
        sections[key] = (goals.id, goals.version)
        world.tokens[f"profile-answer:{key}"] = profile.answer_version(goals)
    markets = profile.save(
        session,
        actor=admins["own"],
        account_id=world.accounts["own"],
        kind=ProfileKind.MARKETS,
        section=None,
        body="own markets, internal",
        expected_version=0,
    )
    assert markets is not None
    assert markets.id is not None
    sections["own-internal"] = (markets.id, markets.version)
    world.items["section_id"] = sections


def _add_stakeholder_items(session: Session, world: MatrixWorld, admins: dict[str, User]) -> None:
    """A stakeholder sent to the client for confirmation in each account (with the string the
    client's answer is based on, in ``world.tokens``), and one never sent (internal) in the
    own account."""
    people: dict[str, tuple[int, int]] = {}
    for key, by in admins.items():
        person = stakeholders.add(
            session,
            actor=by,
            account_id=world.accounts[key],
            checked=CheckedStakeholder(name=f"{key} stakeholder", title="Head of Buying"),
        )
        stakeholders.send(session, actor=by, account_id=world.accounts[key], people=[person])
        assert person.id is not None
        people[key] = (person.id, person.version)
        world.tokens[f"stakeholder-answer:{key}"] = stakeholders.shared_version(person)
    hidden = stakeholders.add(
        session,
        actor=admins["own"],
        account_id=world.accounts["own"],
        checked=CheckedStakeholder(name="own internal stakeholder", motivations="internal"),
    )
    assert hidden.id is not None
    people["own-internal"] = (hidden.id, hidden.version)
    world.items["stakeholder_id"] = people


def _add_relationship_items(
    session: Session, world: MatrixWorld, roles: dict[str, User], admins: dict[str, User]
) -> None:
    """In each account: a second person of the map, a contact with the first person (of the
    own account's team member; elsewhere, of its admin), a link from the first person to the
    second ("influences"; ``world.tokens["link:<key>"]`` names both) and a tension."""
    for key, by in admins.items():
        first_id = world.items["stakeholder_id"][key][0]
        first = session.get(Stakeholder, first_id)
        assert first is not None
        second = stakeholders.add(
            session,
            actor=by,
            account_id=world.accounts[key],
            checked=CheckedStakeholder(name=f"{key} second stakeholder"),
        )
        assert second.id is not None
        world.tokens[f"link:{key}"] = f"{first_id} {second.id}"
        member = roles["team"] if key == "own" else by
        contact = stakeholders.add_contact(
            session,
            actor=by,
            person=first,
            user=member,
            checked=CheckedContact(_id(member), "weak", None),
        )
        link = stakeholders.add_link(
            session,
            actor=by,
            account_id=world.accounts[key],
            checked=CheckedLink(first_id, second.id, "influences"),
            names={first_id: first.name, second.id: second.name},
        )
        tension = stakeholders.add_tension(
            session,
            actor=by,
            account_id=world.accounts[key],
            checked=CheckedTension("Finance", "Operations"),
        )
        for param, row in (("contact_id", contact), ("link_id", link), ("tension_id", tension)):
            assert row.id is not None
            world.items.setdefault(param, {})[key] = (row.id, getattr(row, "version", 1))


@dataclass
class Matrix:
    connection: sa.Connection
    db: RollbackDatabase
    world: MatrixWorld
    client: TestClient
    sessions: dict[str, str]  # actor -> session token, signed in once for the whole matrix
    audit_events: int  # in the world as built, before any cell
    # (actor, method, url, body) -> the 404 of a request with missing ids, asked once
    references: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)
    # Every statement that wrote to the audit log since the cell began (``watch_audit_writes``)
    audit_writes: list[str] = field(default_factory=list)


# A statement that writes to the audit log, however it is sent (the ORM or plain SQL).
# A write to the audit log, also as the main statement after a WITH (PostgreSQL's append moves
# the chain's head in a WITH of the statement that inserts the event).
AUDIT_WRITE = re.compile(
    r'^\s*(?:WITH\b.*?\)\s*)?(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?audit_event"?\b', re.I | re.S
)


def watch_audit_writes(engine: sa.Engine, written: list[str]) -> None:
    """Note in ``written`` every statement on ``engine`` that writes to the audit log: every
    session of the matrix (the app's too) runs on its one connection, so a refused cell is
    checked to write nothing without a query of its own (issue 10: counting the events cost a
    query per cell)."""

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if AUDIT_WRITE.match(statement):
            written.append(statement)

    sa.event.listen(engine, "before_cursor_execute", watch)


def matrix_session(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """The matrix's world in a database of its own (a copy of the migrated schema), every actor
    signed in once: the session fixture ``matrix`` (tests/conftest.py), built once per session
    (per worker under xdist)."""
    patch = cheap_hashing()
    engine = copy_engine(template_engine, tmp_path_factory.mktemp("matrix"), "matrix")
    connection = engine.connect()
    built_world = connection.begin()
    try:
        db = RollbackDatabase(engine, connection)
        settings = Settings(
            **MATRIX_ENVIRONMENT,
            base_url="http://testserver",
            secret_key="s" * 64,
            database_url="sqlite://",
            smtp_host="",
        )
        with db.session() as session:
            world = build_matrix_world(session)
            signed_in = {
                actor: _sign_in(session, id_, settings) for actor, id_ in world.actors.items()
            }
            session.commit()
        built_world.commit()  # the matrix's own database: each cell's transaction rolls back to it
        app = create_app(settings, db, run_mailer=False)
        patch.undo()  # other modules' tests, on this worker too, hash at the real cost
        with TestClient(
            app, base_url="http://testserver", follow_redirects=False, client=LOOPBACK
        ) as client:
            send_session_csrf(client, settings)
            built = Matrix(connection, db, world, client, signed_in, audit_events(db))
            end_transaction(connection)
            watch_audit_writes(engine, built.audit_writes)
            yield built
    finally:
        end_transaction(connection)
        connection.close()
        drop_engine(engine)
        patch.undo()


def _sign_in(session: Session, user_id: int, settings: Settings) -> str:
    user = session.get(User, user_id)
    assert user is not None
    return sessions.start(
        session, user=user, ip="testclient", user_agent="pytest", settings=settings
    )


def cheap_hashing() -> pytest.MonkeyPatch:
    """The ~40 allowed cells that set or check a password would spend most of the run in
    argon2id's production cost; while the world is built and while a cell runs, hashes use the
    cheapest argon2id parameters instead (test-side only: the app's code and its real hasher are
    untouched outside the matrix)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    return patch


def end_transaction(connection: sa.Connection) -> None:
    """Roll back what a read outside any cell began (SQLAlchemy begins on first use)."""
    if connection.in_transaction():
        connection.rollback()


@contextmanager
def one_cell(matrix: Matrix) -> Iterator[Matrix]:
    """The world as built: a transaction around the cell, rolled back after it, cookies of
    nobody. A real transaction, not a savepoint in one long one: on PostgreSQL a savepoint that
    wrote keeps the lock on its subtransaction's id until the outer transaction ends, and
    thousands of writing cells filled the shared lock table; a rollback releases them all."""
    patch = cheap_hashing()
    end_transaction(matrix.connection)
    transaction = matrix.connection.begin()
    matrix.audit_writes.clear()
    matrix.client.cookies.clear()
    matrix.client.cookies.set("jp_csrf", CSRF)
    try:
        yield matrix
    finally:
        patch.undo()
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def fresh(matrix: Matrix) -> Iterator[Matrix]:
    """The world as built, for one test (``one_cell``)."""
    with one_cell(matrix) as built:
        yield built


# --------------------------------------------------------------------------------------------
# Turning a cell into a request
# --------------------------------------------------------------------------------------------


def resolve_path(path: str, target: str, world: MatrixWorld) -> str:
    account_key, item_key = TARGETS[target]
    values: dict[str, Any] = {}
    if "{account_id}" in path:
        values["account_id"] = world.accounts[account_key] if account_key else MISSING
    if "{membership_id}" in path:
        values["membership_id"] = world.memberships[item_key][0] if item_key else MISSING
    if "{invitation_id}" in path:
        values["invitation_id"] = world.invitations[item_key] if item_key else MISSING
    if "{priority_id}" in path:
        values["priority_id"] = world.priorities[item_key][0] if item_key else MISSING
    for param, ids in world.items.items():
        if f"{{{param}}}" in path:
            values[param] = ids[item_key][0] if item_key else MISSING
    if "{target}" in path:
        values["target"] = world.thread_targets.get(item_key or "", "priority")
    if "{kind}" in path:  # a profile section: every account has "goals"; the missing one is not
        values["kind"] = "goals" if item_key else "no-such-kind"
    if "{user_id}" in path:
        verb = path.rsplit("/", 1)[1]
        values["user_id"] = world.users[f"{item_key}:{verb}"] if item_key else MISSING
    if "{token}" in path:
        values["token"] = world.tokens[item_key] if item_key else new_token()
    if "{provider_key}" in path:
        values["provider_key"] = "nosuchprovider"
    if "{section}" in path:
        values["section"] = "priorities"
    return path.format(**values)


ID_PARAM = re.compile(r"\{(\w+_id)\}")


def missing_ids_path(path: str, *, account_id: int | None = None) -> str | None:
    """The same route with every numeric id pointing at nothing (None: the route has no ids);
    with ``account_id``, that account stays and only the ids under it point at nothing."""
    if not ID_PARAM.search(path):
        return None
    if account_id is not None:
        path = path.replace("{account_id}", str(account_id))
    return ID_PARAM.sub(str(MISSING), path)


Body = Callable[[MatrixWorld, str, str], dict[str, Any]]
# A body's file (name, bytes, type): sent as a multipart upload's ``file``.
FILE_FIELD = "__file__"


def _version(world: MatrixWorld, param: str, target: str) -> int:
    """The version of the target's item, so that an allowed edit is not refused as stale."""
    item = TARGETS[target][1]
    return world.items[param][item][1] if item else 1


def _next_period(world: MatrixWorld, actor: str, target: str) -> dict[str, Any]:
    """Start the next period of the target's account, confirmed (the real thing)."""
    account = TARGETS[target][0]
    return {
        "period": "FY2099",
        "starts_on": "2099-01-01",
        "ends_on": "2099-12-31",
        "from_plan": world.items["plan_id"][account][0] if account else MISSING,
        "step": "confirm",
    }


def _import_draft(kind: str) -> Body:
    """The confirmation of the actor's own draft of ``kind`` (for the target's account)."""

    def body(world: MatrixWorld, actor: str, target: str) -> dict[str, Any]:
        account = TARGETS[target][0] or "-"
        return {"draft": world.tokens.get(f"draft:{kind}:{actor}:{account}", str(MISSING))}

    return body


BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/admin/accounts/import/confirm"): _import_draft("accounts"),
    ("POST", "/accounts/{account_id}/relationships/import/confirm"): _import_draft("stakeholders"),
    ("POST", "/accounts/{account_id}/plan/next"): _next_period,
    ("POST", "/login"): lambda w, actor, target: {
        "email": w.emails["lead"],
        "password": factories.PASSWORD,
        "next": "/",
    },
    ("POST", "/password/forgot"): lambda w, actor, target: {"email": w.emails["lead"]},
    ("POST", "/password/reset/{token}"): lambda w, actor, target: {
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    },
    ("POST", "/invitations/{token}"): lambda w, actor, target: {
        "display_name": "New Comer",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    },
    ("POST", "/me/password"): lambda w, actor, target: {
        "current_password": factories.PASSWORD,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    },
    ("POST", "/me/time-zone"): lambda w, actor, target: {"time_zone": "Asia/Tokyo"},
    ("POST", "/admin/time-zone"): lambda w, actor, target: {"time_zone": "Europe/Paris"},
    ("POST", "/me/locale"): lambda w, actor, target: {"locale": "de-DE"},
    ("POST", "/admin/currency"): lambda w, actor, target: {"currency": "USD"},
    ("POST", "/admin/webhooks"): lambda w, actor, target: {
        "url": "https://crm.example.com/new",
        "kinds": ["priority.*", "action.*"],
        "active": "yes",
    },
    ("POST", "/admin/webhooks/{endpoint_id}"): lambda w, actor, target: {
        "url": "https://crm.example.com/changed",
        "kinds": ["priority.*"],
        "active": "yes",
        "version": _version(w, "endpoint_id", target),
    },
    ("POST", "/accounts"): lambda w, actor, target: {
        "client_name": "Matrix client",
        "account_name": "Matrix account",
        "period": "FY2028",
        "lead_email": "matrix-lead@vendor.example",
    },
    ("POST", "/accounts/{account_id}/invitations"): lambda w, actor, target: {
        "email": "invitee@client.example",
        "role": Role.SPONSOR.value,
        "second_sponsor": "yes",  # the account has its sponsor: the form asks to confirm
    },
    ("POST", "/accounts/{account_id}/members/{membership_id}/role"): lambda w, actor, target: {
        "role": Role.VIEWER.value,
        "version": w.memberships[item][1] if (item := TARGETS[target][1]) else 1,
    },
    ("POST", "/accounts/{account_id}/priorities"): lambda w, actor, target: {
        "title": "Matrix priority",
        "importance": "high",
        "horizon": "now",
    },
    ("POST", "/accounts/{account_id}/priorities/{priority_id}"): lambda w, actor, target: {
        "title": "Matrix priority, reworded",
        "importance": "critical",
        "horizon": "next",
        "version": w.priorities[item][1] if (item := TARGETS[target][1]) else 1,
    },
    ("POST", "/accounts/{account_id}/priorities/{priority_id}/move"): lambda w, actor, target: {
        "direction": "down",
    },
    ("POST", "/accounts/{account_id}/strategy"): lambda w, actor, target: {
        "kind": "goal",
        "text": "Matrix goal",
        "horizon": "now",
    },
    ("POST", "/accounts/{account_id}/strategy/{entry_id}"): lambda w, actor, target: {
        "text": "Matrix driver, reworded",
        "version": w.items["entry_id"][item][1] if (item := TARGETS[target][1]) else 1,
    },
    ("POST", "/accounts/{account_id}/strategy/{entry_id}/move"): lambda w, actor, target: {
        "direction": "up",
    },
    ("POST", "/accounts/{account_id}/ratings"): lambda w, actor, target: {
        "overall": "7",
        "dimension": list(DEFAULT_VALUE_DIMENSIONS),
        "score": ["8", "", "6", "", ""],
        "comment": "Matrix rating",
    },
    ("POST", "/accounts/{account_id}/welcome/priorities"): lambda w, actor, target: {
        "title": ["Matrix first", "Matrix second", "Matrix third", "", ""],
        "order": ["1", "2", "3", "4", "5"],
    },
    ("POST", "/accounts/{account_id}/welcome/value"): lambda w, actor, target: {
        "overall": "7",
        "advice": "Matrix advice",
    },
    ("POST", "/accounts/{account_id}/welcome/skip"): lambda w, actor, target: {
        "step": "priorities",
    },
    ("POST", "/accounts/{account_id}/initiatives"): lambda w, actor, target: {
        "title": "Matrix initiative",
        "owner_id": str(w.actors["lead"]) if target == OWN_ACCOUNT else "",
        "priority_ids": [str(w.priorities[key][0])] if (key := TARGETS[target][0]) else [],
    },
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}"): lambda w, actor, target: {
        "title": "Matrix initiative, revised",
        "owner_id": str(w.actors["lead"]) if TARGETS[target][0] == "own" else "",
        "version": _item_version(w, "initiative_id", target),
    },
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/propose"): lambda w, a, target: {
        "version": _item_version(w, "initiative_id", target),
    },
    ("POST", "/accounts/{account_id}/initiatives/{initiative_id}/answer"): lambda w, a, target: {
        "decision": "accept",
        "reason": "Matrix answer",
        "version": _item_version(w, "initiative_id", target),
    },
    ("POST", "/accounts/{account_id}/actions"): lambda w, actor, target: {
        "title": "Matrix action",
        "outcome": "Measured by the matrix",
        "status": "in_progress",
    },
    ("POST", "/accounts/{account_id}/actions/{action_id}"): lambda w, actor, target: {
        "title": "Matrix action, reworded",
        "status": "blocked",
        "version": w.items["action_id"][item][1] if (item := TARGETS[target][1]) else 1,
    },
    ("POST", "/accounts/{account_id}/actions/{action_id}/status"): lambda w, actor, target: {
        "status": "done",
        "version": w.items["action_id"][item][1] if (item := TARGETS[target][1]) else 1,
    },
    # The complete new order: the account's active priorities, reversed (a real move).
    ("POST", "/accounts/{account_id}/priorities/order"): lambda w, actor, target: {
        "ids": w.rankings.get(key, [w.priorities[key][0]])[::-1]
        if (key := TARGETS[target][0])
        else [1],
    },
    ("POST", "/accounts/{account_id}/strategy-suggestions"): lambda w, actor, target: {
        "kind": "challenge",
        "text": "Matrix strategy suggestion",
    },
    ("POST", f"{STRATEGY_SUGGESTION}/accept"): lambda w, a, t: {
        "version": _version(w, "strategy_suggestion_id", t),
    },
    ("POST", f"{STRATEGY_SUGGESTION}/reword"): lambda w, a, t: {
        "kind": "challenge",
        "text": "Matrix strategy suggestion, in the client's words",
        "version": _version(w, "strategy_suggestion_id", t),
    },
    ("POST", f"{STRATEGY_SUGGESTION}/reject"): lambda w, a, t: {
        "reason": "Not our challenge",
        "version": _version(w, "strategy_suggestion_id", t),
    },
    ("POST", "/accounts/{account_id}/suggestions"): lambda w, actor, target: {
        "title": "Matrix suggestion",
        "importance": "high",
        "horizon": "next",
    },
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/accept"): lambda w, a, t: {
        "version": _version(w, "suggestion_id", t),
    },
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/reword"): lambda w, a, t: {
        "title": "Matrix suggestion, in the client's words",
        "importance": "critical",
        "horizon": "now",
        "version": _version(w, "suggestion_id", t),
    },
    ("POST", "/accounts/{account_id}/suggestions/{suggestion_id}/reject"): lambda w, a, t: {
        "reason": "Not one of ours.",
        "version": _version(w, "suggestion_id", t),
    },
    ("POST", "/accounts/{account_id}/perception/beliefs"): lambda w, actor, target: {
        "title": "Matrix belief",
        "hypothesis": "Heard it in a meeting",
    },
    ("POST", "/accounts/{account_id}/perception/rating"): lambda w, actor, target: {
        "overall": "6",
        "note": "Matrix belief about the rating",
    },
    ("POST", "/accounts/{account_id}/perception/beliefs/{belief_id}"): lambda w, a, t: {
        "title": "Matrix belief, changed",
        "version": _version(w, "belief_id", t),
    },
    ("POST", "/accounts/{account_id}/perception/beliefs/{belief_id}/move"): lambda w, a, t: {
        "direction": "up",
    },
    ("POST", "/accounts/{account_id}/threads/{target}/{item_id}"): lambda w, actor, target: {
        "body": "Matrix comment",
    },
    ("POST", "/accounts/{account_id}/files/{target}/{item_id}"): lambda w, actor, target: {
        FILE_FIELD: ("matrix notes.txt", b"Notes from the matrix", "text/plain"),
    },
    ("POST", "/accounts/{account_id}/comments/{comment_id}/edit"): lambda w, actor, target: {
        "body": "Matrix comment, reworded",
        "version": w.items["comment_id"][item][1] if (item := TARGETS[target][1]) else 1,
    },
    ("POST", "/inbox/{notification_id}/read"): lambda w, actor, target: {"open": "1"},
    ("POST", "/me/notifications"): lambda w, actor, target: {
        kind.name: (Delivery.OFF if kind.name == "mention" else kind.default).value
        for kind in preferences.KINDS
    },
    ("POST", "/unsubscribe/{token}"): lambda w, actor, target: {"List-Unsubscribe": "One-Click"},
    ("POST", "/admin/value-dimensions"): lambda w, actor, target: {
        "dimensions": "Candour\nSpeed of delivery\nCommercial fairness",
        "current": list(DEFAULT_VALUE_DIMENSIONS),  # both workspaces are on the defaults
    },
    # Opportunity targeting: an allowed add or edit really saves (every rating given, the
    # owner and the linked priority of the target's own account).
    ("POST", "/accounts/{account_id}/opportunities"): lambda w, actor, target: {
        "title": "Matrix opportunity",
        "size": "120,000",
        "days": "20",
        **dict.fromkeys(OPPORTUNITY_RATINGS, "4"),
        "owner_id": str(w.actors["lead"]) if target == OWN_ACCOUNT else "",
        "priority_ids": [str(w.priorities[key][0])] if (key := TARGETS[target][0]) else [],
    },
    ("POST", "/accounts/{account_id}/opportunities/{opportunity_id}"): lambda w, a, target: {
        "title": "Matrix opportunity, won",
        "size": "150 000",
        "days": "10",
        **dict.fromkeys(OPPORTUNITY_RATINGS, "5"),
        "status": "won",
        "priority_ids": [str(w.priorities[key][0])] if (key := TARGETS[target][0]) else [],
        "version": _version(w, "opportunity_id", target),
    },
    # The account's goals and results: an allowed save really writes (a first save: version 0).
    ("POST", "/accounts/{account_id}/results/goals"): lambda w, actor, target: {
        "year": "2025",
        "revenue": "1,200,000",
        "margin": "300,000",
        "share_of_wallet": "40",
        "version": "0",
    },
    ("POST", "/accounts/{account_id}/results/actuals"): lambda w, actor, target: {
        "year": "2025",
        "quarter": "4",
        "revenue": "310,000",
        "margin": "70,000",
        "share_of_wallet": "35",
        "version": "0",
    },
    # The scorecard. Both workspaces have two attributes (so the defaults are refused with 409:
    # they are only for an empty scorecard; tests/test_scorecard.py covers them).
    ("POST", "/admin/scorecard/attributes"): lambda w, actor, target: {
        "name": "Matrix attribute",
        "half": "future",
        "weight": "3",
    },
    ("POST", "/admin/scorecard/attributes/{attribute_id}"): lambda w, actor, target: {
        "name": "Matrix attribute, renamed",
        "half": "current",
        "weight": "2",
        "description": "Matrix description",
        "version": _version(w, "attribute_id", target),
    },
    ("POST", "/admin/scorecard/attributes/{attribute_id}/move"): lambda w, actor, target: {
        "direction": "down",
    },
    ("POST", "/accounts/{account_id}/scorecard"): lambda w, actor, target: _scoring_body(w, target),
    ("POST", "/admin/scorecard/objectives"): lambda w, actor, target: {
        "title": "Matrix objective",
        "description": "Matrix description",
    },
    ("POST", "/admin/scorecard/objectives/{objective_id}"): lambda w, actor, target: {
        "title": "Matrix objective, renamed",
        "version": _version(w, "objective_id", target),
    },
    ("POST", "/admin/scorecard/objectives/{objective_id}/move"): lambda w, actor, target: {
        "direction": "up",
    },
    ("POST", "/admin/scorecard/treatment"): lambda w, actor, target: {
        "months_strategic": "2",
        "mentor_strategic": "on",
        "months_develop": "3",
        "months_maintain": "6",
        "months_opportunistic": "12",
        "version_strategic": "0",
        "version_develop": "0",
        "version_maintain": "0",
        "version_opportunistic": "0",
    },
    ("POST", "/accounts/{account_id}/scorecard/hours"): lambda w, actor, target: {
        "quarter": quarter_of(utcnow().date()),
        "hours": "120",
        "versions": f"{quarter_of(utcnow().date())}:0",
    },
    ("POST", "/accounts/{account_id}/plan/key-account"): lambda w, actor, target: {
        "answer": "yes",
        "words": "Matrix words",
        "based_on": "0",
    },
    # Reviews and the mentor
    ("POST", "/accounts/{account_id}/reviews/cadence"): lambda w, actor, target: {
        "months": "6",
        "based_on": "3",  # every plan starts quarterly
    },
    ("POST", "/accounts/{account_id}/reviews"): lambda w, actor, target: {
        "held_on": utcnow().date().isoformat(),
        "participants": "Matrix people",
        "what_changed": "Matrix changes",
    },
    ("POST", "/accounts/{account_id}/reviews/{review_id}"): lambda w, actor, target: {
        "held_on": utcnow().date().isoformat(),
        "participants": "Matrix people, corrected",
        "what_changed": "Matrix changes, corrected",
        "version": _version(w, "review_id", target),
    },
    ("POST", "/accounts/{account_id}/reviews/{review_id}/sign-off"): lambda w, a, target: {
        "comment": "Matrix sign-off",
        "version": _version(w, "review_id", target),
    },
    # The joint review with the client
    ("POST", "/accounts/{account_id}/joint-reviews"): lambda w, actor, target: {
        **_matrix_meeting(),
        "attendees": [str(w.users[f"attendee:{key}"])] if (key := TARGETS[target][0]) else [],
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/move"): lambda w, a, t: {
        **_matrix_meeting(),
        "version": _version(w, "joint_review_id", t),
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/cancel"): lambda w, a, t: {
        "version": _version(w, "joint_review_id", t),
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/close"): lambda w, a, t: {
        "version": _version(w, "joint_review_id", t),
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions"): lambda w, a, t: {
        "text": "Matrix decision",
    },
    (
        "POST",
        "/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions/{decision_id}",
    ): lambda w, a, t: {
        "text": "Matrix decision, reworded",
        "version": _version(w, "decision_id", t),
    },
    (
        "POST",
        "/accounts/{account_id}/joint-reviews/{joint_review_id}/decisions/{decision_id}/remove",
    ): lambda w, a, t: {"version": _version(w, "decision_id", t)},
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/actions"): lambda w, a, t: {
        "title": "Matrix review action",
        "outcome": "Agreed in the matrix review",
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/rating"): lambda w, a, t: {
        "overall": "8",
        "dimension": list(DEFAULT_VALUE_DIMENSIONS),
        "score": ["9", "", "", "", ""],
    },
    ("POST", "/accounts/{account_id}/joint-reviews/{joint_review_id}/priorities"): (
        lambda w, actor, target: {
            "ids": w.rankings.get(key, [w.priorities[key][0]])[::-1]
            if (key := TARGETS[target][0])
            else [1],
        }
    ),
    ("POST", "/accounts/{account_id}/plan/commitment/answer"): lambda w, actor, target: {
        "answer": "concern",
        "comment": "Matrix concern",
        "version": 1,
    },
    ("POST", "/accounts/{account_id}/waiting/plan/commitment"): lambda w, actor, target: {
        "answer": "committed",
        "version": 1,
    },
    ("POST", "/accounts/{account_id}/mentor-requests"): lambda w, actor, target: {
        "subject": "plan",
        "note": "Matrix request",
    },
    ("POST", "/accounts/{account_id}/mentor-requests/{request_id}/answer"): lambda w, a, t: {
        "answer": "Matrix answer",
        "version": _version(w, "request_id", t),
    },
    ("POST", "/accounts/{account_id}/profile/{kind}"): lambda w, actor, target: {
        "body": "Matrix words about the client",
        "version": _version(w, "section_id", target),
    },
    ("POST", "/accounts/{account_id}/profile/{kind}/share"): lambda w, actor, target: {
        "version": _version(w, "section_id", target),
    },
    ("POST", "/accounts/{account_id}/profile/{kind}/adopt"): lambda w, actor, target: {
        "version": _version(w, "section_id", target),
    },
    ("POST", "/accounts/{account_id}/validation/profile/{section_id}"): lambda w, a, target: {
        "decision": "confirm",
        "version": w.tokens.get(f"profile-answer:{TARGETS[target][1]}", "0"),
    },
    # The relationship map and the client's answer about the facts sent
    ("POST", "/accounts/{account_id}/stakeholders"): lambda w, actor, target: {
        "name": "Matrix stakeholder",
        "title": "Head of Fleet",
        "roles": ["coach"],
        "influence": "high",
        "attitude": "supporter",
        "strength": "good",
    },
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}"): lambda w, a, t: {
        "name": "Matrix stakeholder, renamed",
        "influence": "low",
        "attitude": "neutral",
        "strength": "weak",
        "version": _version(w, "stakeholder_id", t),
    },
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/send"): lambda w, a, t: {
        "version": _version(w, "stakeholder_id", t),
    },
    ("POST", "/accounts/{account_id}/stakeholders/send"): lambda w, actor, target: {
        "ids": [str(w.items["stakeholder_id"][key][0])] if (key := TARGETS[target][0]) else [],
        "versions": [f"{i}:{v}" for i, v in w.items["stakeholder_id"].values()],
    },
    ("POST", "/accounts/{account_id}/stakeholders/{stakeholder_id}/contacts"): lambda w, a, t: {
        "user_id": str(w.actors["lead"]),
        "strength": "strong",
        "last_contact_on": "2026-01-05",
    },
    ("POST", "/accounts/{account_id}/contacts/{contact_id}"): lambda w, a, t: {
        "strength": "strong",
        "last_contact_on": "2026-01-05",
        "version": _version(w, "contact_id", t),
    },
    ("POST", "/accounts/{account_id}/relationships/links"): lambda w, actor, target: {
        "from_id": w.tokens.get(f"link:{TARGETS[target][0]}", "0 0").split()[0],
        "to_id": w.tokens.get(f"link:{TARGETS[target][0]}", "0 0").split()[1],
        "kind": "blocks",
        "note": "Matrix link",
    },
    ("POST", "/accounts/{account_id}/relationships/tensions"): lambda w, actor, target: {
        "department_a": "Sales",
        "department_b": "Legal",
        "note": "Matrix tension",
    },
    ("POST", "/accounts/{account_id}/validation/stakeholders/{stakeholder_id}"): lambda w, a, t: {
        "decision": "correct",
        "correction": "Matrix correction: the title is Head of Purchasing",
        "version": w.tokens.get(f"stakeholder-answer:{TARGETS[t][1]}", ""),
    },
}
# The home's answers (app/waiting/routes.py) post what the pages' forms post.
for _page, _home in (
    ("suggestions/{suggestion_id}/accept", "waiting/suggestions/{suggestion_id}/accept"),
    ("suggestions/{suggestion_id}/reject", "waiting/suggestions/{suggestion_id}/reject"),
    ("initiatives/{initiative_id}/answer", "waiting/initiatives/{initiative_id}/answer"),
    ("validation/profile/{section_id}", "waiting/validation/profile/{section_id}"),
    (
        "validation/stakeholders/{stakeholder_id}",
        "waiting/validation/stakeholders/{stakeholder_id}",
    ),
    ("actions/{action_id}/status", "waiting/actions/{action_id}/status"),
):
    BODIES[("POST", f"/accounts/{{account_id}}/{_home}")] = BODIES[
        ("POST", f"/accounts/{{account_id}}/{_page}")
    ]


def _matrix_meeting() -> dict[str, str]:
    """A time for a joint review, a month from now."""
    return {
        "on": (utcnow() + timedelta(days=30)).date().isoformat(),
        "at": "10:30",
        "time_zone": "Europe/Paris",
        "duration": "45",
    }


def _scoring_body(world: MatrixWorld, target: str) -> dict[str, Any]:
    """A score for every attribute of the workspace that owns the target's account."""
    key = "foreign" if TARGETS[target][0] == "foreign" else "own"
    ids = [world.items["attribute_id"][key][0], world.items["future_attribute"][key][0]]
    return {
        "attribute": [str(i) for i in ids],
        "score": ["4", "2"],
        "attribute_note": ["Matrix note", ""],
        "note": "Matrix scoring",
    }


def _item_version(world: MatrixWorld, param: str, target: str) -> int:
    item = TARGETS[target][1]
    return world.items[param][item][1] if item else 1


Headers = Callable[[MatrixWorld, str, str], dict[str, str]]

# What an API cell sends besides its bearer token: a change's If-Match (the item's version),
# a create's Idempotency-Key.
API_HEADERS: dict[tuple[str, str], Headers] = {
    ("PATCH", API_ACTION): lambda w, actor, target: {
        "If-Match": f'"v{_version(w, "action_id", target)}"'
    },
    ("POST", f"{API_ACTION}/comments"): lambda w, actor, target: {
        "Idempotency-Key": f"matrix-{actor}-{target}"
    },
    ("POST", API_THREAD): lambda w, actor, target: {"Idempotency-Key": f"matrix-{actor}-{target}"},
    ("POST", f"{API}/accounts/{{account_id}}/strategy"): lambda w, actor, target: {
        "Idempotency-Key": f"matrix-{actor}-{target}"
    },
    ("PATCH", API_ENTRY): lambda w, actor, target: {
        "If-Match": f'"v{_version(w, "entry_id", target)}"'
    },
    ("POST", f"{API}/accounts/{{account_id}}/suggestions"): lambda w, actor, target: {
        "Idempotency-Key": f"matrix-{actor}-{target}"
    },
    ("POST", f"{API}/accounts/{{account_id}}/ratings"): lambda w, actor, target: {
        "Idempotency-Key": f"matrix-{actor}-{target}"
    },
    ("POST", f"{API}/accounts/{{account_id}}/initiatives"): lambda w, actor, target: {
        "Idempotency-Key": f"matrix-{actor}-{target}"
    },
    **{
        (method, path): lambda w, actor, target: {
            "If-Match": f'"v{_item_version(w, "initiative_id", target)}"'
        }
        for method, path in (
            ("PATCH", API_INITIATIVE),
            ("POST", f"{API_INITIATIVE}/propose"),
            ("POST", f"{API_INITIATIVE}/answer"),
        )
    },
    ("POST", f"{API_SUGGESTION}/accept"): lambda w, actor, target: {
        "If-Match": f'"v{_version(w, "suggestion_id", target)}"'
    },
    ("POST", f"{API_SUGGESTION}/reject"): lambda w, actor, target: {
        "If-Match": f'"v{_version(w, "suggestion_id", target)}"'
    },
}
BODIES[("POST", "/me/tokens")] = lambda w, actor, target: {
    "name": "Matrix token",
    "scope": "write",
    "days": "30",
}
BODIES[("PATCH", API_ACTION)] = lambda w, actor, target: {
    "status": "done",
    "due_on": "2027-06-30",
}
BODIES[("POST", f"{API_ACTION}/comments")] = lambda w, actor, target: {"body": "Matrix comment"}
BODIES[("POST", API_THREAD)] = lambda w, actor, target: {"body": "Matrix comment"}
BODIES[("POST", f"{API}/accounts/{{account_id}}/strategy")] = lambda w, actor, target: {
    "kind": "goal",
    "text": "Matrix goal",
    "horizon": "now",
}
BODIES[("PATCH", API_ENTRY)] = lambda w, actor, target: {"text": "Matrix driver, reworded"}
BODIES[("POST", f"{API}/accounts/{{account_id}}/suggestions")] = lambda w, actor, target: {
    "title": "Matrix suggestion"
}
BODIES[("POST", f"{API}/accounts/{{account_id}}/ratings")] = lambda w, actor, target: {
    "overall": 7,
    "scores": {DEFAULT_VALUE_DIMENSIONS[0]: 8},
}
BODIES[("POST", f"{API}/accounts/{{account_id}}/initiatives")] = lambda w, actor, target: {
    "title": "Matrix initiative",
    "owner_id": w.actors["lead"] if target == OWN_ACCOUNT else None,
    "priority_ids": [w.priorities[key][0]] if (key := TARGETS[target][0]) else [],
}
BODIES[("PATCH", API_INITIATIVE)] = lambda w, actor, target: {"title": "Matrix, revised"}
BODIES[("POST", f"{API_INITIATIVE}/answer")] = lambda w, actor, target: {"decision": "accept"}
BODIES[("POST", f"{API_SUGGESTION}/reject")] = lambda w, actor, target: {
    "reason": "Not one of ours."
}


def headers_of(world: MatrixWorld, cell: Cell) -> dict[str, str]:
    """An API cell's headers: the standing's bearer token (anonymous: none) and the route's."""
    if not cell.path.startswith(f"{API}/"):
        return {}
    more = API_HEADERS.get((cell.method, cell.path), lambda w, a, t: {})
    headers = more(world, cell.actor, cell.target)
    if cell.actor != ANONYMOUS:
        headers["Authorization"] = f"Bearer {world.api_tokens[cell.actor]}"
    return headers


def send(
    client: TestClient,
    method: str,
    url: str,
    data: dict[str, Any],
    *,
    confirmed: bool = True,
    headers: dict[str, str] | None = None,
) -> Any:
    """The cell's request. A change is sent as the person confirmed it (``app.web.confirm``:
    the question a route asks first is tested in tests/test_confirm.py). An API request sends
    JSON, with its token and headers, and no cookie."""
    if url.startswith(f"{API}/"):
        client.cookies.clear()
        if method == "GET":
            return client.get(url, headers=headers)
        return client.request(method, url, json=data, headers=headers)
    if method == "GET":
        return client.get(url)
    body = {**CONFIRMATION, **data} if confirmed else data
    files = {"file": body.pop(FILE_FIELD)} if FILE_FIELD in body else None
    return client.request(method, url, data=body, files=files, headers={"X-CSRF-Token": CSRF})


def audit_events(db: RollbackDatabase) -> int:
    with db.session(writes=False) as session:
        return int(session.exec(select(sa.func.count()).select_from(AuditEvent)).one())


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


# One test per route, every cell of it in turn (as tests/test_confirm.py groups its cells): a
# test item per cell cost about 2.5 ms of pytest's own setup and reporting on top of the cell's
# request, 30-45 s of CPU a run over the matrix's cells. Each cell still starts from the world as
# built (``one_cell``), every cell is asked even when one fails, and the failure names each
# failing cell with its own message; each test notes how many cells it asked and how many passed,
# and the run's summary adds them up (``MATRIX_CELLS``, tests/conftest.py).
CELLS_BY_ROUTE: dict[tuple[str, str], list[Cell]] = {}
for _cell in CELLS:
    CELLS_BY_ROUTE.setdefault((_cell.method, _cell.path), []).append(_cell)


@pytest.mark.parametrize(
    "cells", list(CELLS_BY_ROUTE.values()), ids=[f"{m} {p}" for m, p in CELLS_BY_ROUTE]
)
def test_route(cells: list[Cell], matrix: Matrix, request: pytest.FixtureRequest) -> None:
    failures = ask(cells, matrix)
    request.node.user_properties.append((MATRIX_CELLS, (len(cells), len(cells) - len(failures))))
    assert not failures, f"{len(failures)} of {len(cells)} cells failed:\n" + "\n".join(failures)


def ask(cells: list[Cell], matrix: Matrix) -> list[str]:
    """Each cell in turn, from the world as built; what failed, one line per failing cell."""
    failures: list[str] = []
    for cell in cells:
        with one_cell(matrix) as fresh:
            try:
                check_cell(cell, fresh)
            except Exception as failure:  # an error of the app's too: the next cell still runs
                failures.append(f"{cell.id}: {type(failure).__name__}: {failure}")
    return failures


def test_every_cell_is_in_one_route_test() -> None:
    grouped = [cell for cells in CELLS_BY_ROUTE.values() for cell in cells]
    assert sorted(grouped, key=lambda c: c.id) == sorted(CELLS, key=lambda c: c.id)
    assert len({cell.id for cell in CELLS}) == len(CELLS)
    assert set(CELLS_BY_ROUTE) == {(m, p) for m, p in APP_ROUTES if (m, p) in MATRIX}


def test_a_route_test_names_every_failing_cell_and_asks_the_rest(matrix: Matrix) -> None:
    """Two cells whose expected answer is wrong, between right ones: both are named, each with
    its own message, and the cells after a failure are still asked (and still pass)."""
    cells = CELLS_BY_ROUTE[("GET", "/accounts/{account_id}/plan")]
    allowed = next(c for c in cells if c.expected is ALLOW)
    refused = next(c for c in cells if c.expected is NOT_FOUND)
    wrong = [replace(allowed, expected=FORBIDDEN), replace(refused, expected=ALLOW)]
    failures = ask([allowed, wrong[0], refused, wrong[1], allowed], matrix)
    assert len(failures) == 2, failures
    assert failures[0].startswith(f"{wrong[0].id}: AssertionError: GET /accounts/"), failures
    assert ": 200" in failures[0]
    assert failures[1].startswith(f"{wrong[1].id}: AssertionError: GET /accounts/"), failures
    assert ": 404" in failures[1]


def check_cell(cell: Cell, fresh: Matrix) -> None:
    """The cell's request, sent as its standing, answers as the matrix says: the allowed status,
    or the refusal it names (a refused item exactly like a missing one), and a refused request
    wrote nothing to the audit log."""
    client, world = fresh.client, fresh.world
    if cell.actor != ANONYMOUS:
        client.cookies.set(sessions.SESSION_COOKIE, fresh.sessions[cell.actor])
    url = resolve_path(cell.path, cell.target, world)
    body = BODIES.get((cell.method, cell.path), lambda w, a, t: {})(world, cell.actor, cell.target)

    headers = headers_of(world, cell)
    response = send(client, cell.method, url, body, headers=headers)
    status = response.status_code
    where = f"{cell.method} {url} as {cell.actor}: {status}"

    if cell.expected is ALLOW:
        assert status == allowed_status(cell.method, cell.path, cell.actor, cell.target), where
        return
    if cell.expected is SIGN_IN:
        if cell.method == "GET":
            assert status == 303, where
            assert response.headers["location"] == f"/login?next={quote(url, safe='')}", where
        else:
            assert status == 401, where
    elif cell.expected is FORBIDDEN:
        assert status == 403, where
    elif cell.expected is GONE:
        assert status == 410, where
    elif cell.expected is UNAUTHORIZED:
        assert status == 401, where
        assert response.headers["content-type"] == "application/problem+json", where
    else:
        assert cell.expected is NOT_FOUND
        assert status == 404, where
        # An item refused in the person's own account answers exactly like a missing item
        # there; anywhere else, exactly like a missing account.
        own = TARGETS[cell.target][0] == "own" and cell.target != OWN_ACCOUNT
        reference_url = missing_ids_path(
            cell.path, account_id=world.accounts["own"] if own else None
        )
        if reference_url is None and cell.target == NO_TARGET:
            reference_url = "/no/such/address"
        if reference_url is not None and reference_url != url:
            reference = _reference(fresh, cell, reference_url, body, headers)
            assert reference.status_code == 404, f"{cell.method} {reference_url}"
            assert unmasked(response.text) == unmasked(reference.text), (
                f"{where}: distinguishable from a missing id"
            )
            assert response.headers["content-type"] == reference.headers["content-type"]
    assert fresh.audit_writes == [], f"{where}: a refused request wrote {fresh.audit_writes}"


def _reference(
    matrix: Matrix, cell: Cell, url: str, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    """The answer to ``url`` (missing ids) by the cell's actor with the cell's body, asked once:
    every cell starts from the same world and a refused request changes nothing, so it is the
    same answer every time."""
    key = (cell.actor, cell.method, url, repr(sorted(body.items())))
    if key not in matrix.references:
        matrix.references[key] = send(matrix.client, cell.method, url, body, headers=headers)
    return matrix.references[key]


def test_the_audit_watch_sees_what_counting_the_events_would(fresh: Matrix) -> None:
    """The refused cells' "wrote nothing" rests on ``watch_audit_writes``: an allowed change
    that is audited is seen by it (and the events counted grew), and so is plain SQL."""
    cell = next(
        c
        for c in CELLS
        if (c.method, c.path) == ("POST", "/accounts/{account_id}/priorities")
        and c.expected is ALLOW
    )
    fresh.client.cookies.set(sessions.SESSION_COOKIE, fresh.sessions[cell.actor])
    url = resolve_path(cell.path, cell.target, fresh.world)
    body = BODIES[(cell.method, cell.path)](fresh.world, cell.actor, cell.target)
    assert fresh.audit_writes == []

    assert send(fresh.client, "POST", url, body).status_code == 303
    assert audit_events(fresh.db) > fresh.audit_events
    assert any("INSERT INTO AUDIT_EVENT" in " ".join(w.upper().split()) for w in fresh.audit_writes)

    fresh.audit_writes.clear()
    with fresh.db.session() as session:
        session.execute(sa.text("DELETE FROM audit_event WHERE 1 = 0"))
    assert len(fresh.audit_writes) == 1


def test_a_cell_that_wrote_leaves_no_transaction_and_no_lock_behind(matrix: Matrix) -> None:
    """Each cell's changes end with it, and so do its locks: in one long transaction, each
    cell that wrote kept a lock until the end (on PostgreSQL, its subtransaction's id), and
    thousands of cells filled the server's shared lock table."""
    with one_cell(matrix) as built:
        built.connection.execute(sa.text("UPDATE workspace SET name = name || ' (cell)'"))
        held = locks_of(built.connection)
        assert held is None or held > 0  # the write took its locks (PostgreSQL counts them)
    assert not matrix.connection.in_transaction()
    assert locks_of(matrix.connection) in (None, 0)
    with one_cell(matrix) as built:  # and the next cell starts from the world as built
        names = built.connection.execute(sa.text("SELECT name FROM workspace")).scalars()
        assert not any(name.endswith(" (cell)") for name in names)


def locks_of(connection: sa.Connection) -> int | None:
    """The locks ``connection``'s server process holds, asked on a connection of its own (None:
    SQLite, which has no lock table to ask)."""
    if connection.dialect.name != "postgresql":
        return None
    pid = connection.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    watcher = sa.create_engine(connection.engine.url, poolclass=sa.NullPool)
    try:
        with watcher.connect() as watch:
            query = sa.text("SELECT count(*) FROM pg_locks WHERE pid = :pid")
            return int(watch.execute(query, {"pid": pid}).scalar_one())
    finally:
        watcher.dispose()


def test_every_route_has_a_matrix_entry() -> None:
    missing = sorted(APP_ROUTES - MATRIX.keys(), key=lambda r: (r[1], r[0]))
    assert not missing, f"routes without an authorization matrix entry: {missing}"


def test_every_matrix_entry_is_a_route() -> None:
    stale = sorted(MATRIX.keys() - APP_ROUTES, key=lambda r: (r[1], r[0]))
    assert not stale, f"matrix entries for routes that do not exist: {stale}"


def test_public_and_private_routers_are_in_the_matrix() -> None:
    """Every route of PUBLIC_ROUTERS answers anonymous people; every route of PRIVATE_ROUTERS
    sends them to sign in, whatever the target."""
    public = set().union(*(routes_of(list(r.routes)) for r in (*PUBLIC_ROUTERS, *DEV_ROUTERS)))
    public.add(("GET", f"{API}/openapi.json"))  # the API's description, without a token
    private = set().union(*(routes_of(list(r.routes)) for r in PRIVATE_ROUTERS))
    api = {(m, API + p) for r in API_ROUTERS for m, p in routes_of(list(r.routes))}
    assert public | private | api == APP_ROUTES
    assert not public & private
    assert not (public | private) & api
    for route in sorted(api):  # behind a bearer token: 401 without one, whatever the target
        assert route in MATRIX, route
        assert all(row.anonymous is UNAUTHORIZED for row in MATRIX[route].values()), route
    for route in sorted(public):
        assert route in MATRIX, route
        assert all(row.anonymous is not SIGN_IN for row in MATRIX[route].values()), route
    for route in sorted(private):
        assert route in MATRIX, route
        assert all(row.anonymous is SIGN_IN for row in MATRIX[route].values()), route


def test_matrix_is_well_formed() -> None:
    for route, rows in MATRIX.items():
        params = set(ID_PARAM.findall(route[1])) - {"user_id"}
        if "{kind}" in route[1]:  # a profile section's kind names an item like an id
            params.add("kind")
        assert rows, route
        for target, row in rows.items():
            assert target in TARGETS, (route, target)
            named = row.named()
            assert len(named) == len(set(named)), (route, target, "an actor named twice")
            assert set(named) <= set(SIGNED_IN), (route, target, set(named) - set(SIGNED_IN))
            has_item = TARGETS[target][1] is not None or target == MISSING_ITEM
            if params == {"account_id"}:
                assert target in (OWN_ACCOUNT, OTHER_ACCOUNT, FOREIGN_ACCOUNT, MISSING_ACCOUNT)
            elif len(params) == 2 and "account_id" in params:
                assert has_item or target == ORPHANED_ITEM, (route, target)
        if any(p in route[1] for p in ("{account_id}", "{user_id}", "{token}")):
            assert NO_TARGET not in rows, route


def test_every_route_is_asked_by_every_standing_about_every_kind_of_target() -> None:
    """Every route the app has (from its router, not from ``MATRIX``) is in the cells, asked by
    every standing about every target its path can point at: for an account, the own, another,
    a foreign and a missing one; for an item under an account, also another account's item
    through the own account, a missing item and an item under a missing account."""
    asked: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for cell in CELLS:
        asked.setdefault((cell.method, cell.path), set()).add((cell.actor, cell.target))
    assert set(asked) == APP_ROUTES
    for (method, path), cells in asked.items():
        targets = {target for _, target in cells}
        assert cells == {(a, t) for a in ACTORS for t in targets}, (method, path)
        assert targets >= _targets_needed(path), (method, path, _targets_needed(path) - targets)
    print(f"authorization matrix: {len(CELLS)} cells, {len(APP_ROUTES)} routes")


def _targets_needed(path: str) -> set[str]:
    accounts = {OWN_ACCOUNT, OTHER_ACCOUNT, FOREIGN_ACCOUNT, MISSING_ACCOUNT}
    items = {OWN_ITEM, OTHER_ITEM, FOREIGN_ITEM, MISSING_ITEM, ORPHANED_ITEM}
    # A plan section's name is a part of the plan page, not an item: the account is the target.
    params = set(re.findall(r"\{(\w+)\}", path)) - {"section"}
    if params == {"account_id"}:
        return accounts
    if "account_id" in params:  # an item under an account (a profile kind is no id to smuggle)
        return items if "kind" in params else items | {SMUGGLED_ITEM}
    if "user_id" in params:
        return {WORKSPACE_USER, FOREIGN_USER, MISSING_USER}
    if "attribute_id" in params:
        return {WORKSPACE_ATTRIBUTE, FOREIGN_ATTRIBUTE, MISSING_ATTRIBUTE}
    if "objective_id" in params:
        return {WORKSPACE_OBJECTIVE, FOREIGN_OBJECTIVE, MISSING_OBJECTIVE}
    if "message_id" in params:
        return {WORKSPACE_MAIL, FOREIGN_MAIL, MISSING_MAIL}
    if "endpoint_id" in params:
        return {WORKSPACE_WEBHOOK, FOREIGN_WEBHOOK, MISSING_WEBHOOK}
    if "notification_id" in params:
        return {LEAD_NOTIFICATION, MISSING_NOTIFICATION}
    if "token_id" in params:
        return {LEAD_API_TOKEN, MISSING_API_TOKEN}
    if "token" in params:
        return {UNKNOWN_TOKEN}
    if "provider_key" in params:
        return {UNKNOWN_PROVIDER}
    assert not params, path
    return {NO_TARGET}


def test_every_allowed_status_written_out_is_for_an_allowed_cell() -> None:
    allowed = {(c.method, c.path, c.target) for c in CELLS if c.expected is ALLOW}
    for (method, path), given in ALLOWED_STATUS.items():
        targets = given.keys() if isinstance(given, dict) else MATRIX[(method, path)].keys()
        assert all((method, path, t) in allowed for t in targets), (method, path)


def _add_opportunity_items(session: Session, world: MatrixWorld, admins: dict[str, User]) -> None:
    """An open opportunity in each account, linked to that account's priority."""
    world.items["opportunity_id"] = {}
    for key, by in admins.items():
        made = opportunities.add(
            session,
            actor=by,
            account_id=world.accounts[key],
            values=OpportunityValues(
                title=f"{key} opportunity",
                description="internal",
                size=100_000,
                days=10,
                ratings=dict.fromkeys(OPPORTUNITY_RATINGS, 3),
                owner_id=None,
                status="open",
                priority_ids=[world.priorities[key][0]],
            ),
        )
        assert made.id is not None
        world.items["opportunity_id"][key] = (made.id, made.version)
