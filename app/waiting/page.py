"""What the home's "Waiting for you" needs: for each of the person's accounts, what waits for
their answer or action, each kind with its count, its items and a link to where it is answered.

Which kinds a person is asked about in an account is the policy's answer for their standing
there (``decide``): suggestions and proposals to answer, items to check and value ratings are
the client's contributors'; the plan's approval is the sponsor's and the lead's slot; actions
and mentions are the person's own. A kind the person may not answer is not even queried, so a
client never sees the vendor's internal items or how many there are. A fixed number of queries
whatever the number of accounts and items (see ``app.waiting.repository``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import Request
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.accounts.repository import AccountSummary
from app.kit.pages import Context, Fragment, Page
from app.models import Membership, ProfileKind, Role, Side
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.waiting import repository as repo
from app.waiting import view
from app.waiting.view import AccountWaiting, Kind


@dataclass
class Waiting:
    """Everything waiting for the person, by account (accounts with nothing left out)."""

    accounts: list[AccountWaiting] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(a.total for a in self.accounts)


def access_of(actor: Actor, summary: AccountSummary) -> AccountAccess:
    """The person's standing in one of their accounts, from the row the home loaded already."""
    account = summary.account
    membership = None
    if summary.role is not None:
        assert account.id is not None
        membership = Membership(account_id=account.id, user_id=actor.id, role=summary.role)
    return AccountAccess(account, membership, actor.is_admin_of(account.workspace_id))


def _allowed(accesses: dict[int, AccountAccess], actor: Actor, verb: Verb) -> list[int]:
    return [aid for aid, access in accesses.items() if may(actor, access, verb)]


def _by_account(kinds: Sequence[Kind]) -> dict[int, list[Kind]]:
    found: dict[int, list[Kind]] = defaultdict(list)
    for kind in kinds:
        found[kind.account_id].append(kind)
    return found


def waiting_for(db: Session, actor: Actor, summaries: Sequence[AccountSummary]) -> Waiting:
    """What waits for ``actor`` in the accounts of ``summaries`` (the home's list)."""
    accesses = {s.account.id or 0: access_of(actor, s) for s in summaries}
    kinds: list[Kind] = [
        *view.suggestions(
            repo.suggestions(db, account_ids=_allowed(accesses, actor, Verb.SUGGESTIONS_ANSWER))
        ),
        *view.strategy_suggestions(
            repo.strategy_suggestions(
                db, account_ids=_allowed(accesses, actor, Verb.SUGGESTIONS_ANSWER)
            )
        ),
        *view.proposals(
            repo.proposals(db, account_ids=_allowed(accesses, actor, Verb.INITIATIVES_ANSWER))
        ),
        *view.to_check(
            repo.to_check(db, account_ids=_allowed(accesses, actor, Verb.VALIDATION_ANSWER)),
            labels={k.value: k.label for k in ProfileKind},
        ),
    ]
    approving = _allowed(accesses, actor, Verb.PLAN_APPROVE)
    rating = _allowed(accesses, actor, Verb.VALUE_RATE)
    plans = repo.current_plans(db, account_ids=sorted(set(approving) | set(rating)))
    roles = {aid: access.role for aid, access in accesses.items()}
    kinds += view.approvals(repo.submitted(plans), roles, set(approving))
    committing = _allowed(accesses, actor, Verb.COMMITMENT_ANSWER)
    kinds += view.commitments(repo.commitments(db, user_id=actor.id, account_ids=committing))
    kinds += view.ratings([p for p in plans if p.plan.account_id in rating], actor)
    kinds += view.actions(repo.actions(db, user_id=actor.id), actor.today())
    kinds += view.mentions(repo.mentions(db, user_id=actor.id))
    grouped = _by_account(kinds)
    return Waiting(
        [
            AccountWaiting(s.account.id or 0, s.account.name, s.role, view.ordered(grouped[aid]))
            for s in summaries
            if (aid := s.account.id or 0) in grouped
        ]
    )


# The panel on its own: what an answer given from the home gets back with htmx.
PANEL = Fragment("waiting/_panel.html")
HOME = "home.html"


def home_context(db: Session, actor: Actor) -> Context:
    """The home: the person's accounts, by side, and what waits for them."""
    accounts = accounts_repo.list_for_user(db, user=actor.user)
    vendor = [a for a in accounts if a.role is None or Role(a.role).side is Side.VENDOR]
    client = [a for a in accounts if a.role is not None and Role(a.role).side is Side.CLIENT]
    return {
        "vendor_accounts": vendor,
        "client_accounts": client,
        "waiting": waiting_for(db, actor, accounts),
    }


def home_page(request: Request, db: Session, actor: Actor) -> Page:
    """The home as a responder: an answer given from "Waiting for you" gets the panel again
    (htmx) or goes back to the home with a flash message (``Page.done``, ``Page.refused``)."""
    return Page(request, HOME, lambda: home_context(db, actor), url="/")
