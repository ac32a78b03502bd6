"""What the players share: the session, the people by key, and the few service calls more than
one part of the story makes (opening an account, agreeing a plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app.accounts import service as accounts
from app.agreement import service as agreement
from app.demo import read
from app.demo.entries import Agreement, NewAccount
from app.invitations import service as invitations
from app.kit.clock import local_today, zone_named
from app.models import Account, Plan, User, Workspace, utcnow
from app.plans import repository as plans_repo


@dataclass
class Stage:
    session: Session
    cast: dict[str, User]  # the people who act, by their key in the story's files

    def __getitem__(self, key: str) -> User:
        return self.cast[key]


def today() -> date:
    """Today where the first workspace's people are (the story's due dates count from it)."""
    return local_today(zone_named(read.cast().workspaces[0].time_zone))


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def dimensions(session: Session, account: Account) -> list[str]:
    """The value dimensions of the account's workspace, in order."""
    workspace = session.get(Workspace, account.workspace_id)
    assert workspace is not None
    return list(workspace.value_dimensions)


def open_account(stage: Stage, new: NewAccount) -> tuple[Account, Plan]:
    """A new account and its first plan, the lead invited; who accepts the invitation (if
    anyone) adds the members."""
    account, sent = accounts.create_account(
        stage.session,
        actor=stage[new.opened_by],
        client_name=new.name,
        account_name=new.name,
        period=new.period,
        lead_email=new.lead_email,
        invitation_days=7,
    )
    if new.accepted_by is not None:
        lead = stage[new.accepted_by]
        invitations.accept(stage.session, invitation=sent.invitation, account=account, user=lead)
        for member in new.members:
            accounts.add_member(
                stage.session, actor=lead, account=account, user=stage[member.who], role=member.role
            )
    assert account.id is not None
    plan = plans_repo.current(stage.session, account_id=account.id)
    assert plan is not None
    return account, plan


def agree(stage: Stage, *, plan: Plan, cast: Agreement) -> None:
    """The plan is submitted, then approved by the sponsor and the lead: a new agreed version."""
    session = stage.session
    agreement.submit(session, actor=stage[cast.submitted_by], plan=plan)
    agreement.approve(session, actor=stage[cast.sponsor], plan=plan, slot=agreement.Slot.SPONSOR)
    agreement.approve(session, actor=stage[cast.lead], plan=plan, slot=agreement.Slot.LEAD)
