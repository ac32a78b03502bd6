"""Loads the demo once: the workspaces and the people who sign in, then each part of the story
in turn, each read from its file under ``story/`` and played through the services by its
``play_`` module.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlmodel import Session, select

from app.demo import play_joint_reviews, play_plan, play_portfolio, play_previous, play_workspace
from app.demo import read as reader
from app.demo.stage import Stage, open_account
from app.models import User, Workspace
from app.users import service as users


class Listed(NamedTuple):
    email: str
    name: str
    what: str  # as the sign-in list describes them


PASSWORD = reader.cast().password
# (e-mail, name, what they are), in the order the sign-in list shows them.
PEOPLE = tuple(Listed(s.email, s.name, s.what) for s in reader.cast().sign_ins)


def already_loaded(session: Session) -> bool:
    return session.exec(select(User).where(User.email == PEOPLE[0].email)).first() is not None


def load(session: Session) -> None:
    """Everything, in the order the story happens (the audit chains keep that order)."""
    story = reader.story()
    cast = story.cast
    workspaces = {w.name: Workspace(name=w.name, time_zone=w.time_zone) for w in cast.workspaces}
    session.add_all(workspaces.values())
    session.flush()
    stage = Stage(session, cast={})
    for sign_in in cast.sign_ins:
        workspace = workspaces[sign_in.workspace] if sign_in.workspace else None
        stage.cast[sign_in.key] = users.create(
            session,
            email=sign_in.email,
            display_name=sign_in.name,
            password=cast.password,
            workspace_id=workspace.id if workspace else None,
            workspace_role=sign_in.role if workspace else None,
        )
    for sign_in in cast.sign_ins:
        stage[sign_in.key].time_zone = sign_in.zone
    harbor, plan = open_account(stage, cast.harbor)
    plan = play_previous.play(stage, account=harbor, plan=plan, previous=story.previous)
    made = play_plan.play(
        stage, account=harbor, plan=plan, story=story.harbor, order=story.harbor.order
    )
    play_joint_reviews.play(stage, story.joint_reviews, account=harbor, plan=plan)
    accounts = {cast.harbor.name: (harbor, plan), **play_portfolio.play(stage, story.portfolio)}
    play_workspace.play(
        stage,
        story.workspace,
        workspace=workspaces[cast.workspaces[0].name],
        accounts=accounts,
        harbor=made,
    )
    open_account(stage, cast.elsewhere)


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
