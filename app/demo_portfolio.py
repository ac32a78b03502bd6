"""Demo data, part two: Brightwell's other accounts, so the portfolio has something to sort.

Harbor Logistics (app/demo.py) is the strategic account told in full. Next to it Lena Lead
runs five more, each a recognisable case of key-account practice: a small account with high
potential (Alder Health), a large one with little future fit (Corvid Retail), a small one with
little of either (Delta Marine), a second strategic one whose review is overdue (Ember Energy)
and a new one nobody has scored yet (Fjord Foods). Each has a client sponsor who stated a few
priorities and rated the relationship, Brightwell's initiatives and actions (some overdue), and
what Brightwell believes the client would rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.accounts import service as accounts
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.actions.view import today
from app.agreement import service as agreement
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.invitations import service as invitations
from app.models import (
    Account,
    ActionStatus,
    InitiativeStatus,
    Plan,
    Priority,
    Role,
    User,
    Workspace,
    utcnow,
)
from app.perception import service as perception
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.users import service as users
from app.value import service as value


@dataclass(frozen=True)
class Case:
    """One account of the portfolio, as the demo sets it up."""

    name: str
    sponsor: tuple[str, str]  # e-mail, name
    started_days_ago: int  # when the plan began (its first review is due a cadence later)
    priorities: tuple[str, ...]
    ratings: tuple[tuple[int, int], ...]  # (days ago, overall 0..10), oldest first
    believed: int | None  # what Brightwell believes the client would rate now
    # (title, index of the priority it answers or None, the client's answer or None)
    initiatives: tuple[tuple[str, int | None, InitiativeStatus | None], ...] = ()
    actions: tuple[tuple[str, int], ...] = ()  # (title, due in days: negative is overdue)
    agreed: bool = False
    mentor: bool = True  # Maya Mentor reviews this account too


CASES = (
    Case(
        name="Alder Health",
        sponsor=("sponsor@alder.example", "Ada Alder"),
        started_days_ago=120,
        priorities=(
            "Digital triage in every clinic by 2028",
            "Cut agency staffing costs",
            "One patient record across the merged trusts",
        ),
        ratings=((75, 6),),
        believed=5,
        initiatives=(
            ("Triage pilot in two clinics", 0, InitiativeStatus.ACCEPTED),
            ("Rostering analytics", 1, None),
        ),
        actions=(("Agree the pilot clinics", 10), ("Send the data-protection answers", -6)),
    ),
    Case(
        name="Corvid Retail",
        sponsor=("sponsor@corvid.example", "Cora Corvid"),
        started_days_ago=80,
        priorities=("Keep the stores' systems running through peak", "Lower licence costs"),
        ratings=((200, 7), (60, 6)),
        believed=7,
        initiatives=(
            ("Peak-season support desk", 0, InitiativeStatus.ACCEPTED),
            ("Upgrade to the analytics suite", None, InitiativeStatus.DECLINED),
        ),
        actions=(("Renewal terms to procurement", -12), ("Peak readiness check", 20)),
        agreed=True,
    ),
    Case(
        name="Delta Marine",
        sponsor=("sponsor@delta.example", "Dev Delta"),
        started_days_ago=30,
        priorities=("Replace the port booking system",),
        ratings=((20, 4),),
        believed=6,
        initiatives=(("Booking system replacement", 0, None),),
        mentor=False,
    ),
    Case(
        name="Ember Energy",
        sponsor=("sponsor@ember.example", "Eli Ember"),
        started_days_ago=160,
        priorities=(
            "Connect 40,000 smart meters to field service",
            "Safety incidents down a third",
            "Field teams paperless",
        ),
        ratings=((150, 6), (90, 7), (30, 8)),
        believed=7,
        initiatives=(
            ("Meter-to-dispatch integration", 0, InitiativeStatus.ACCEPTED),
            ("Safety checklists on the tablet", 1, InitiativeStatus.ACCEPTED),
            ("Paperless work orders", 2, None),
        ),
        actions=(
            ("Integration test with the meter head-end", 7),
            ("Safety checklist sign-off", -3),
            ("Train the north region", -20),
        ),
        agreed=True,
    ),
    Case(
        name="Fjord Foods",
        sponsor=("sponsor@fjord.example", "Frida Fjord"),
        started_days_ago=10,
        priorities=(),
        ratings=(),
        believed=None,
        mentor=False,
    ),
)
PASSWORD_FREE = None  # the portfolio's client sponsors do not sign in to the demo


def load(
    session: Session, *, admin: User, lead: User, team: User, mentor: User, base_url: str
) -> dict[str, tuple[Account, Plan]]:
    """Every case's account and current plan, by name."""
    made: dict[str, tuple[Account, Plan]] = {}
    for case in CASES:
        made[case.name] = _account(
            session, case, admin=admin, lead=lead, team=team, mentor=mentor, base_url=base_url
        )
    return made


def _account(
    session: Session,
    case: Case,
    *,
    admin: User,
    lead: User,
    team: User,
    mentor: User,
    base_url: str,
) -> tuple[Account, Plan]:
    account, sent = accounts.create_account(
        session,
        actor=admin,
        client_name=case.name,
        account_name=case.name,
        period="FY2027",
        lead_email=lead.email,
        base_url=base_url,
        invitation_days=7,
    )
    invitations.accept(session, invitation=sent.invitation, account=account, user=lead)
    email, name = case.sponsor
    sponsor = users.create(session, email=email, display_name=name, password=PASSWORD_FREE)
    accounts.add_member(session, actor=lead, account=account, user=sponsor, role=Role.SPONSOR)
    accounts.add_member(session, actor=lead, account=account, user=team, role=Role.TEAM)
    if case.mentor:
        accounts.add_member(session, actor=lead, account=account, user=mentor, role=Role.MENTOR)
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    plan.created_at = utcnow() - timedelta(days=case.started_days_ago)
    session.add(plan)

    ranked: list[Priority] = [
        priorities.create(
            session,
            actor=sponsor,
            plan=plan,
            values=PriorityValues(title=title, owner_id=sponsor.id),
        )
        for title in case.priorities
    ]
    workspace = session.get(Workspace, account.workspace_id)
    assert workspace is not None
    dimensions = list(workspace.value_dimensions)
    for days_ago, overall in case.ratings:
        rating = value.rate(
            session,
            actor=sponsor,
            account=account,
            plan=plan,
            overall=overall,
            scores=dict.fromkeys(dimensions, overall),
            comment="",
            base_url=base_url,
        )
        rating.rated_at = utcnow() - timedelta(days=days_ago)
        session.add(rating)
    if case.believed is not None:
        perception.record_rating(
            session,
            actor=lead,
            plan=plan,
            overall=case.believed,
            scores=dict.fromkeys(dimensions, case.believed),
            note="",
        )
    ids = [p.id for p in ranked if p.id is not None]
    for title, answers, answer in case.initiatives:
        made = initiatives.create(
            session,
            actor=lead,
            plan=plan,
            values=InitiativeValues(
                title=title,
                owner_id=lead.id,
                priority_ids=[ids[answers]] if answers is not None else [],
            ),
        )
        initiatives.propose(
            session, actor=lead, initiative=made, expected_version=made.version, base_url=base_url
        )
        if answer is not None:
            initiatives.answer(
                session,
                actor=sponsor,
                initiative=made,
                status=answer,
                reason="Discussed in the quarterly meeting.",
                expected_version=made.version,
                base_url=base_url,
            )
    for title, due_in_days in case.actions:
        actions.create(
            session,
            actor=lead,
            plan=plan,
            checked=CheckedAction(
                title=title,
                outcome="",
                owner_id=team.id,
                due_on=today() + timedelta(days=due_in_days),
                status=ActionStatus.IN_PROGRESS.value,
                link=Link(priority_id=ids[0]) if ids else Link(),
            ),
            base_url=base_url,
        )
    if case.agreed:
        agreement.submit(session, actor=lead, plan=plan, base_url=base_url)
        agreement.approve(
            session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR, base_url=base_url
        )
        agreement.approve(
            session, actor=lead, plan=plan, slot=agreement.Slot.LEAD, base_url=base_url
        )
    session.flush()
    return account, plan
