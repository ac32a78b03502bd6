"""What the loaders share: the session, the people by key, and the few service calls more than
one part of the story makes (opening an account, rating the relationship, agreeing a plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app.accounts import service as accounts
from app.agreement import service as agreement
from app.demo.people import BRIGHTWELL, WORKSPACE_ZONES
from app.initiatives import service as initiatives
from app.invitations import service as invitations
from app.kit.clock import local_today, zone_named
from app.models import Account, Initiative, InitiativeStatus, Plan, User, Workspace, utcnow
from app.plans import repository as plans_repo
from app.value import service as value


@dataclass
class Stage:
    session: Session
    cast: dict[str, User]  # the people who sign in, by their key in app/demo/people.py

    def __getitem__(self, key: str) -> User:
        return self.cast[key]


def today() -> date:
    """Today where Brightwell's people are (the story's due dates count from it)."""
    return local_today(zone_named(WORKSPACE_ZONES[BRIGHTWELL]))


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def dimensions(session: Session, account: Account) -> list[str]:
    """The value dimensions of the account's workspace, in order."""
    workspace = session.get(Workspace, account.workspace_id)
    assert workspace is not None
    return list(workspace.value_dimensions)


def open_account(
    stage: Stage, *, name: str, opened_by: User, lead_email: str, period: str, lead: User | None
) -> tuple[Account, Plan]:
    """A new account and its first plan, the lead invited; ``lead`` accepts the invitation."""
    account, sent = accounts.create_account(
        stage.session,
        actor=opened_by,
        client_name=name,
        account_name=name,
        period=period,
        lead_email=lead_email,
        invitation_days=7,
    )
    if lead is not None:
        invitations.accept(stage.session, invitation=sent.invitation, account=account, user=lead)
    assert account.id is not None
    plan = plans_repo.current(stage.session, account_id=account.id)
    assert plan is not None
    return account, plan


def rate(
    stage: Stage,
    *,
    sponsor: User,
    account: Account,
    plan: Plan,
    days: int,
    overall: int,
    scores: dict[str, int],
    comment: str,
) -> None:
    """The client's value rating, dated ``days`` ago (the date is no part of its audit event)."""
    rating = value.rate(
        stage.session,
        actor=sponsor,
        account=account,
        plan=plan,
        overall=overall,
        scores=scores,
        comment=comment,
    )
    rating.rated_at = days_ago(days)
    stage.session.add(rating)


def propose(
    stage: Stage,
    *,
    initiative: Initiative,
    by: User,
    answer: tuple[User, InitiativeStatus, str] | None,
) -> None:
    """The vendor proposes the initiative; the client answers it (who, how, why), or not yet."""
    initiatives.propose(
        stage.session,
        actor=by,
        initiative=initiative,
        expected_version=initiative.version,
    )
    if answer is not None:
        client, status, reason = answer
        initiatives.answer(
            stage.session,
            actor=client,
            initiative=initiative,
            status=status,
            reason=reason,
            expected_version=initiative.version,
        )


def agree(stage: Stage, *, plan: Plan, submitted_by: User, sponsor: User, lead: User) -> None:
    """The lead submits the plan; the sponsor, then the lead approve it: a new agreed version."""
    session = stage.session
    agreement.submit(session, actor=submitted_by, plan=plan)
    agreement.approve(session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR)
    agreement.approve(session, actor=lead, plan=plan, slot=agreement.Slot.LEAD)
