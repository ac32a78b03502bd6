"""Loads the demo once: the workspaces and the people who sign in, then each part of the story
in turn, each told by its data module and played through the services by its ``play_`` module.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.accounts import service as accounts
from app.demo import play_harbor, play_joint_reviews, play_portfolio, play_previous, play_workspace
from app.demo.people import (
    BRIGHTWELL,
    HARBOR,
    HARBOR_MEMBERS,
    NORTHPEAK,
    PASSWORD,
    PEOPLE,
    SIGN_INS,
    WORKSPACE_ZONES,
    WORKSPACES,
    NewAccount,
)
from app.demo.stage import Stage, open_account
from app.models import Account, Plan, User, Workspace
from app.users import service as users


def already_loaded(session: Session) -> bool:
    return session.exec(select(User).where(User.email == PEOPLE[0].email)).first() is not None


def load(session: Session) -> None:
    """Everything, in the order the story happens (the audit chains keep that order)."""
    workspaces = {
        name: Workspace(name=name, time_zone=WORKSPACE_ZONES[name]) for name in WORKSPACES
    }
    session.add_all(workspaces.values())
    session.flush()
    cast = {
        sign_in.key: users.create(
            session,
            email=sign_in.person.email,
            display_name=sign_in.person.name,
            password=PASSWORD,
            workspace_id=workspaces[sign_in.workspace].id if sign_in.workspace else None,
            workspace_role=sign_in.role if sign_in.workspace else None,
        )
        for sign_in in SIGN_INS
    }
    for sign_in in SIGN_INS:
        cast[sign_in.key].time_zone = sign_in.zone
    stage = Stage(session, cast=cast)
    harbor, plan = _open(stage, HARBOR)
    assert HARBOR.accepted_by is not None
    lead = stage[HARBOR.accepted_by]  # Harbor's lead adds everyone else
    for key, role in HARBOR_MEMBERS:
        accounts.add_member(session, actor=lead, account=harbor, user=stage[key], role=role)
    plan = play_previous.play(stage, account=harbor, plan=plan)  # FY2026, then FY2027 starts
    play_harbor.play(stage, account=harbor, plan=plan)
    play_joint_reviews.play(stage, account=harbor, plan=plan)
    portfolio = play_portfolio.play(stage)
    play_workspace.play(
        stage, workspace=workspaces[BRIGHTWELL], accounts={HARBOR.name: (harbor, plan), **portfolio}
    )
    _open(stage, NORTHPEAK)


def _open(stage: Stage, account: NewAccount) -> tuple[Account, Plan]:
    return open_account(
        stage,
        name=account.name,
        opened_by=stage[account.opened_by],
        lead_email=account.lead_email,
        period=account.period,
        lead=stage[account.accepted_by] if account.accepted_by else None,
    )


def sign_in_text(base_url: str, *, dev_mailbox: bool = False) -> str:
    width = max(len(person.email) for person in PEOPLE)
    lines = [f"Jointplan is at {base_url}/login — every demo login uses the password {PASSWORD!r}:"]
    lines += [f"  {person.email.ljust(width)}  {person.what}" for person in PEOPLE]
    lines.append(
        "Live plan: open Harbor Logistics' plan as lead@brightwell.example in one browser and as "
        'sponsor@harbor.example in another (a private window): each sees "Also here" name '
        "the other, and what one changes shows on the other's page without a reload."
    )
    if dev_mailbox:
        lines.append(
            f"Mail is not sent but kept at {base_url}/dev/mailbox (development only): signed in "
            f"as a workspace admin ({PEOPLE[0].email}), from this machine."
        )
    return "\n".join(lines)
