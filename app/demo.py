"""Demo data: two vendor workspaces, a client, and one person per role, and the joint plan of
Harbor Logistics told as a story a newcomer understands at once.

Brightwell Systems sells dispatch and tracking software; Harbor Logistics is a regional
carrier that grew by buying two others and now runs three dispatch systems. The plan FY2027 has
the client's strategy and ranked priorities (one of them first suggested by Brightwell), value
ratings rising over three quarters, initiatives in every status, joint actions (one overdue, one
without an owner), threads with a mention and a team-only comment, what Brightwell believes
about Harbor (internal), an agreed version 1, and a few changes since.

Everything is made through the services, so the audit trail of the demo verifies like any other.
Only ``rated_at`` of the value ratings (and ``recorded_at`` of the believed ratings) is set
afterwards, so the trend spans quarters; neither is part of an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from app import demo_portfolio, demo_strategy
from app.accounts import repository as accounts_repo
from app.accounts import service as accounts
from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.actions.view import today
from app.agreement import service as agreement
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.config import Settings
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeForm
from app.invitations import service as invitations
from app.models import (
    Account,
    Action,
    ActionStatus,
    Horizon,
    Importance,
    Initiative,
    InitiativeStatus,
    Plan,
    Priority,
    Role,
    StrategyKind,
    User,
    Workspace,
    WorkspaceRole,
    utcnow,
)
from app.notifications import service as notifications
from app.perception import service as perception
from app.perception.schemas import BeliefForm
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.users import service as users
from app.value import service as value

PASSWORD = "jointplan-demo"

# (e-mail, name, what they are), in the order the sign-in list shows them.
PEOPLE = [
    ("admin@brightwell.example", "Alex Admin", "workspace admin, Brightwell Systems"),
    ("lead@brightwell.example", "Lena Lead", "account lead, Harbor Logistics"),
    ("team@brightwell.example", "Tom Team", "team member, Harbor Logistics"),
    ("mentor@brightwell.example", "Maya Mentor", "mentor, Harbor Logistics"),
    ("sponsor@harbor.example", "Sam Sponsor", "client sponsor, Harbor Logistics"),
    ("member@harbor.example", "Mia Member", "client member, Harbor Logistics"),
    ("viewer@harbor.example", "Victor Viewer", "client viewer, Harbor Logistics"),
    (
        "admin@kestrel.example",
        "Kim Kestrel",
        "workspace admin of another workspace, Kestrel Analytics",
    ),
]


def already_loaded(session: Session) -> bool:
    return session.exec(select(User).where(User.email == PEOPLE[0][0])).first() is not None


def load(session: Session) -> None:
    brightwell = Workspace(name="Brightwell Systems")
    kestrel = Workspace(name="Kestrel Analytics")
    session.add_all([brightwell, kestrel])
    session.flush()

    def person(
        i: int, workspace: Workspace | None = None, role: WorkspaceRole | None = None
    ) -> User:
        email, name, _ = PEOPLE[i]
        return users.create(
            session,
            email=email,
            display_name=name,
            password=PASSWORD,
            workspace_id=workspace.id if workspace else None,
            workspace_role=role if workspace else None,
        )

    admin = person(0, brightwell, WorkspaceRole.ADMIN)
    lead = person(1, brightwell, WorkspaceRole.MEMBER)
    team = person(2, brightwell, WorkspaceRole.MEMBER)
    mentor = person(3, brightwell, WorkspaceRole.MEMBER)
    sponsor, member, viewer = person(4), person(5), person(6)
    kestrel_admin = person(7, kestrel, WorkspaceRole.ADMIN)

    base_url = Settings().base_url
    harbor, sent = accounts.create_account(
        session,
        actor=admin,
        client_name="Harbor Logistics",
        account_name="Harbor Logistics",
        period="FY2027",
        lead_email=lead.email,
        base_url=base_url,
        invitation_days=7,
    )
    invitations.accept(session, invitation=sent.invitation, account=harbor, user=lead)
    for user, role in [
        (team, Role.TEAM),
        (mentor, Role.MENTOR),
        (sponsor, Role.SPONSOR),
        (member, Role.MEMBER),
        (viewer, Role.VIEWER),
    ]:
        accounts.add_member(session, actor=lead, account=harbor, user=user, role=role)
    cast = Cast(lead=lead, team=team, mentor=mentor, sponsor=sponsor, member=member)
    _harbor_story(session, account=harbor, cast=cast, base_url=base_url)

    portfolio = demo_portfolio.load(
        session, admin=admin, lead=lead, team=team, mentor=mentor, base_url=base_url
    )
    harbor_plan = plans_repo.current(session, account_id=harbor.id)  # type: ignore[arg-type]
    assert harbor_plan is not None
    demo_strategy.load(
        session,
        workspace=brightwell,
        admin=admin,
        lead=lead,
        team=team,
        mentor=mentor,
        sponsor=sponsor,
        accounts={"Harbor Logistics": (harbor, harbor_plan), **portfolio},
        base_url=base_url,
    )
    accounts.create_account(
        session,
        actor=kestrel_admin,
        client_name="Northpeak Foods",
        account_name="Northpeak Foods",
        period="FY2027",
        lead_email="lead@kestrel.example",
        base_url=base_url,
        invitation_days=7,
    )


# --- The joint plan of Harbor Logistics -------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The people of the Harbor Logistics account who act in the story."""

    lead: User  # Lena Lead, Brightwell's account lead
    team: User  # Tom Team, Brightwell's solution engineer on the account
    mentor: User  # Maya Mentor, coaches Lena
    sponsor: User  # Sam Sponsor, Harbor's COO
    member: User  # Mia Member, Harbor's head of IT


def _harbor_story(session: Session, *, account: Account, cast: Cast, base_url: str) -> None:
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    people = [m.user for m in accounts_repo.list_members(session, account_id=account.id)]
    _strategy(session, plan=plan, cast=cast)
    ranked = _priorities(session, plan=plan, cast=cast, base_url=base_url)
    _value(session, account=account, plan=plan, cast=cast, base_url=base_url)
    shared = _initiatives(session, plan=plan, cast=cast, ranked=ranked, base_url=base_url)
    workshop = _actions(
        session, plan=plan, cast=cast, ranked=ranked, pilot=shared, base_url=base_url
    )
    _threads(session, account=account, cast=cast, ranked=ranked, people=people, base_url=base_url)
    _perception(session, plan=plan, cast=cast, ranked=ranked)
    _agree_version_1(session, plan=plan, cast=cast, base_url=base_url)
    # Everyone had read their inbox by the time the plan was agreed.
    for user in people:
        notifications.mark_all_read(session, user=user)
    _changes_since_version_1(
        session, plan=plan, cast=cast, ranked=ranked, workshop=workshop, base_url=base_url
    )


def _strategy(session: Session, *, plan: Plan, cast: Cast) -> None:
    entries = [
        (
            StrategyKind.GOAL,
            "Most reliable regional carrier in the Nordics",
            "Measured by on-time delivery and claims per 1,000 shipments, against the two "
            "national carriers.",
            Horizon.LATER,
        ),
        (
            StrategyKind.GOAL,
            "Grow contract logistics 12% a year",
            "Warehousing plus transport for mid-sized retailers; today 18% of revenue.",
            Horizon.NEXT,
        ),
        (
            StrategyKind.DRIVER,
            "Large shippers consolidate to fewer carriers",
            "Three of our top ten customers ran tenders last year and kept two carriers each.",
            None,
        ),
        (
            StrategyKind.DRIVER,
            "EU emissions reporting (CSRD) covers us from the 2027 books",
            "Customers already ask for CO2 per shipment in their tenders.",
            None,
        ),
        (
            StrategyKind.DRIVER,
            "Too few drivers across the Nordics",
            "Driver turnover was 23% last year; every new driver costs about three months of "
            "lower productivity.",
            None,
        ),
        (
            StrategyKind.FOCUS,
            "Margin before growth this year",
            "Operations must cut cost per delivery without hurting on-time rates. IT may start "
            "no new platform until dispatch runs on one system.",
            None,
        ),
        (
            StrategyKind.CHALLENGE,
            "Three legacy dispatch systems after the acquisitions",
            "Harbor, Nordlink and Vestfrakt each kept their own dispatch. Planners re-key "
            "orders between them and nobody sees the whole fleet at once.",
            None,
        ),
        (
            StrategyKind.SUCCESS,
            "On-time delivery above 97% at every depot",
            "Measured weekly per depot and reported to the board each quarter.",
            None,
        ),
        (
            StrategyKind.SUCCESS,
            "Our top 50 customers track their shipments without calling us",
            "Calls to customer service about “where is my delivery” halved.",
            None,
        ),
        (StrategyKind.ADVICE, "Bring us ideas before we ask.", "", None),
        (
            StrategyKind.ADVICE,
            "Talk to operations, not only IT.",
            "The depot managers decide whether a tool is used; meet them at the depots.",
            None,
        ),
        (
            StrategyKind.ADVICE,
            "Be straight about delivery dates.",
            "A late date told early is fine; a surprise is not.",
            None,
        ),
    ]
    for kind, text, detail, horizon in entries:
        values = StrategyValues(kind.value, text, detail, horizon.value if horizon else None)
        strategy.create(session, actor=cast.sponsor, plan=plan, values=values)


def _priority_form(
    title: str, description: str, importance: Importance, horizon: Horizon, owner: User
) -> PriorityValues:
    return PriorityValues(
        title=title,
        description=description,
        importance=importance.value,
        horizon=horizon.value,
        owner_id=owner.id,
    )


def _priorities(session: Session, *, plan: Plan, cast: Cast, base_url: str) -> dict[str, Priority]:
    """The client's four ranked priorities (the fourth first suggested by Brightwell), one
    suggestion waiting for an answer and one rejected with a reason."""
    sponsor, member = cast.sponsor, cast.member
    visibility = priorities.create(
        session,
        actor=sponsor,
        plan=plan,
        values=_priority_form(
            "Real-time shipment visibility for our top 50 customers",
            "Customers see where their shipment is and a reliable arrival window, without "
            "calling us.",
            Importance.HIGH,
            Horizon.NOW,
            member,
        ),
    )
    cost = priorities.create(
        session,
        actor=sponsor,
        plan=plan,
        values=_priority_form(
            "Cut cost per delivery by 8%",
            "From 11.40 EUR to 10.50 EUR per delivery by the end of FY2027, mostly through "
            "fuller routes and fewer empty kilometres.",
            Importance.CRITICAL,
            Horizon.NOW,
            sponsor,
        ),
    )
    # Sam put cost first once the board had set the margin target.
    priorities.move(session, actor=sponsor, priority=cost, up=True)
    turnover = priorities.create(
        session,
        actor=sponsor,
        plan=plan,
        values=_priority_form(
            "Driver turnover below 15%",
            "From 23% last year: predictable shifts, fewer empty runs, less paperwork.",
            Importance.HIGH,
            Horizon.NEXT,
            sponsor,
        ),
    )

    emissions = priorities.suggest(
        session,
        actor=cast.lead,
        plan=plan,
        values=PriorityValues(
            title="Report CO2 per shipment",
            description="We believe your customers will ask for emissions per shipment soon.",
            importance=Importance.MEDIUM.value,
            horizon=Horizon.NEXT.value,
        ),
        base_url=base_url,
    )
    priorities.accept(
        session,
        actor=sponsor,
        suggestion=emissions,
        expected_version=emissions.version,
        values=_priority_form(
            "EU emissions reporting ready for the 2027 books",
            "CSRD-grade emissions per shipment and per customer, from the route data we "
            "already have.",
            Importance.MEDIUM,
            Horizon.NEXT,
            member,
        ),
        base_url=base_url,
    )

    priorities.suggest(
        session,
        actor=cast.team,
        plan=plan,
        values=PriorityValues(
            title="Automate customs paperwork for Norway shipments",
            description="Your planners spend about two hours a day on customs documents for "
            "cross-border loads.",
            importance=Importance.MEDIUM.value,
            horizon=Horizon.NEXT.value,
        ),
        base_url=base_url,
    )
    cloud = priorities.suggest(
        session,
        actor=cast.lead,
        plan=plan,
        values=PriorityValues(
            title="Move dispatch to the cloud this year",
            description="A cloud dispatch platform would end the server upgrades at the depots.",
            importance=Importance.HIGH.value,
            horizon=Horizon.NOW.value,
        ),
        base_url=base_url,
    )
    priorities.reject(
        session,
        actor=member,
        suggestion=cloud,
        reason="Not before the three dispatch systems are one. IT has no room for a second "
        "migration in 2027.",
        expected_version=cloud.version,
        base_url=base_url,
    )
    return {"cost": cost, "visibility": visibility, "turnover": turnover, "emissions": emissions}


# The workspace's default dimensions, in order: understanding of our business, quality of
# delivery, responsiveness, insight and innovation, value for money.
RATINGS = [
    (
        270,
        5,
        (4, 7, 5, 3, 5),
        "Good software, but you only show up when the renewal is due.",
    ),
    (
        180,
        6,
        (6, 7, 6, 5, 6),
        "Better since Lena started the monthly depot visits. Still no new ideas from you.",
    ),
    (
        45,
        7,
        (7, 7, 8, 6, 6),
        "The dispatch pilot proposal was the first idea we did not have to ask for.",
    ),
]


def _value(session: Session, *, account: Account, plan: Plan, cast: Cast, base_url: str) -> None:
    """Sam's ratings over three quarters: 5, 6, then 7."""
    workspace = session.get(Workspace, account.workspace_id)
    assert workspace is not None
    dimensions = list(workspace.value_dimensions)
    for days_ago, overall, scores, comment in RATINGS:
        rating = value.rate(
            session,
            actor=cast.sponsor,
            account=account,
            plan=plan,
            overall=overall,
            scores=dict(zip(dimensions, scores, strict=True)),
            comment=comment,
            base_url=base_url,
        )
        rating.rated_at = utcnow() - timedelta(days=days_ago)
        session.add(rating)
    session.flush()


def _initiative(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    title: str,
    description: str,
    for_client: str,
    for_us: str,
    owner: User,
    linked: list[Priority],
) -> Initiative:
    return initiatives.create(
        session,
        actor=actor,
        plan=plan,
        form=InitiativeForm(
            title=title,
            description=description,
            value_for_client=for_client,
            value_for_vendor=for_us,
        ),
        owner_id=owner.id,
        priority_ids=[p.id for p in linked if p.id is not None],
    )


def _propose(session: Session, *, actor: User, initiative: Initiative, base_url: str) -> None:
    initiatives.propose(
        session,
        actor=actor,
        initiative=initiative,
        expected_version=initiative.version,
        base_url=base_url,
    )


def _answer(
    session: Session,
    *,
    actor: User,
    initiative: Initiative,
    status: InitiativeStatus,
    reason: str,
    base_url: str,
) -> None:
    initiatives.answer(
        session,
        actor=actor,
        initiative=initiative,
        status=status,
        reason=reason,
        expected_version=initiative.version,
        base_url=base_url,
    )


def _initiatives(
    session: Session, *, plan: Plan, cast: Cast, ranked: dict[str, Priority], base_url: str
) -> Initiative:
    """One accepted, one waiting for an answer, one parked, one declined (us-focused) and one
    internal draft; returns the accepted one."""
    lead, team, sponsor = cast.lead, cast.team, cast.sponsor
    pilot = _initiative(
        session,
        actor=lead,
        plan=plan,
        title="One dispatch view across the three depots' systems",
        description="A single planning board that reads orders from the Harbor, Nordlink and "
        "Vestfrakt dispatch systems, piloted at the Gothenburg depot for 12 weeks.",
        for_client="Planners stop re-keying orders; fuller routes cut cost per delivery.",
        for_us="A reference for dispatch consolidation in the Nordics.",
        owner=lead,
        linked=[ranked["cost"], ranked["visibility"]],
    )
    _propose(session, actor=lead, initiative=pilot, base_url=base_url)
    _answer(
        session,
        actor=sponsor,
        initiative=pilot,
        status=InitiativeStatus.ACCEPTED,
        reason="Yes. Start in Gothenburg, where re-keying hurts most; IT will give you read "
        "access to the three systems.",
        base_url=base_url,
    )

    driver_app = _initiative(
        session,
        actor=team,
        plan=plan,
        title="Driver app with shift swaps and digital delivery notes",
        description="Drivers swap shifts and sign deliveries on the phone instead of paper.",
        for_client="Predictable shifts and less paperwork, the two reasons drivers leave most.",
        for_us="First customer of the driver app in logistics.",
        owner=team,
        linked=[ranked["turnover"]],
    )
    _propose(session, actor=lead, initiative=driver_app, base_url=base_url)
    _answer(
        session,
        actor=sponsor,
        initiative=driver_app,
        status=InitiativeStatus.PARKED,
        reason="Good idea, but HR renegotiates the driver contracts first. Ask us again after "
        "the summer.",
        base_url=base_url,
    )

    licences = _initiative(
        session,
        actor=lead,
        plan=plan,
        title="Upgrade all planners to Brightwell Analytics Premium",
        description="Premium licences for the 40 planners, with two days of training.",
        for_client="",
        for_us="Premium licence revenue in FY2027.",
        owner=lead,
        linked=[],
    )
    _propose(session, actor=lead, initiative=licences, base_url=base_url)
    _answer(
        session,
        actor=sponsor,
        initiative=licences,
        status=InitiativeStatus.DECLINED,
        reason="This serves your licence targets, not our priorities. Show us what it does for "
        "cost per delivery first.",
        base_url=base_url,
    )

    tracking = _initiative(
        session,
        actor=team,
        plan=plan,
        title="Live tracking page for the top 50 customers",
        description="A branded page per customer with every shipment, its last scan and a "
        "two-hour arrival window, fed by the drivers' scanners.",
        for_client="Fewer “where is my delivery” calls; a selling point in tenders.",
        for_us="Expands the tracking module to a second Nordic carrier.",
        owner=team,
        linked=[ranked["visibility"]],
    )
    _propose(session, actor=lead, initiative=tracking, base_url=base_url)

    _initiative(
        session,
        actor=team,
        plan=plan,
        title="Emissions data feed from the route planner",
        description="Draft: CO2 per shipment from planned and driven kilometres. Check the "
        "data quality with Mia before we propose it.",
        for_client="CSRD reporting without a separate tool.",
        for_us="Leads into the sustainability add-on.",
        owner=team,
        linked=[ranked["emissions"]],
    )
    return pilot


def _action(
    session: Session,
    *,
    actor: User,
    plan: Plan,
    title: str,
    outcome: str,
    owner: User | None,
    due_in_days: int | None,
    status: ActionStatus = ActionStatus.NOT_STARTED,
    link: Link | None = None,
    base_url: str,
) -> Action:
    due = today() + timedelta(days=due_in_days) if due_in_days is not None else None
    return actions.create(
        session,
        actor=actor,
        plan=plan,
        checked=CheckedAction(
            title=title,
            outcome=outcome,
            owner_id=owner.id if owner else None,
            due_on=due,
            status=status.value,
            link=link or Link(),
        ),
        base_url=base_url,
    )


def _actions(
    session: Session,
    *,
    plan: Plan,
    cast: Cast,
    ranked: dict[str, Priority],
    pilot: Initiative,
    base_url: str,
) -> Action:
    """Actions on both sides: some done, one overdue, one without an owner; returns Lena's
    workshop."""
    on_pilot = Link(initiative_id=pilot.id)
    _action(
        session,
        actor=cast.team,
        plan=plan,
        title="Map the data fields of the three dispatch systems",
        outcome="One field map the pilot's planning board can read from.",
        owner=cast.team,
        due_in_days=-30,
        status=ActionStatus.DONE,
        link=on_pilot,
        base_url=base_url,
    )
    _action(
        session,
        actor=cast.lead,
        plan=plan,
        title="Give Brightwell read access to the Gothenburg dispatch database",
        outcome="The pilot reads live orders from day one.",
        owner=cast.member,
        due_in_days=-10,
        status=ActionStatus.IN_PROGRESS,
        link=on_pilot,
        base_url=base_url,
    )
    _action(
        session,
        actor=cast.sponsor,
        plan=plan,
        title="List the top 50 customers and what each needs to see",
        outcome="A one-page list the tracking proposal can be checked against.",
        owner=cast.sponsor,
        due_in_days=-20,
        status=ActionStatus.DONE,
        link=Link(priority_id=ranked["visibility"].id),
        base_url=base_url,
    )
    workshop = _action(
        session,
        actor=cast.sponsor,
        plan=plan,
        title="Workshop with the depot managers on cost per delivery",
        outcome="The three biggest cost drivers per depot, agreed with the managers.",
        owner=cast.lead,
        due_in_days=21,
        link=Link(priority_id=ranked["cost"].id),
        base_url=base_url,
    )
    _action(
        session,
        actor=cast.sponsor,
        plan=plan,
        title="Collect the reasons drivers gave for leaving in the last 12 months",
        outcome="The top five reasons, counted, to test the driver app idea against.",
        owner=None,
        due_in_days=35,
        link=Link(priority_id=ranked["turnover"].id),
        base_url=base_url,
    )
    return workshop


def _threads(
    session: Session,
    *,
    account: Account,
    cast: Cast,
    ranked: dict[str, Priority],
    people: list[User],
    base_url: str,
) -> None:
    """A question with a mention and its answer, and a team-only note on the same priority."""
    assert account.id is not None
    assert ranked["visibility"].id is not None
    target = comments_repo.find_target(
        session, account_id=account.id, item_type="priority", item_id=ranked["visibility"].id
    )
    assert target is not None
    for author, body, team_only in [
        (
            cast.lead,
            "@Sam Sponsor do the top 50 need arrival times to the minute, or is a two-hour "
            "window enough?",
            False,
        ),
        (
            cast.sponsor,
            "A two-hour window is fine for most. The three pharma customers want 30 minutes.",
            False,
        ),
        (
            cast.team,
            "@Lena Lead 30 minutes means live GPS, not just scan events. That doubles the "
            "estimate; let's say so before we propose the tracking page.",
            True,
        ),
    ]:
        comments.add(
            session,
            actor=author,
            target=target,
            body=body,
            team_only=team_only,
            people=people,
            base_url=base_url,
        )
    strategy_advice = comments_repo.find_target(
        session,
        account_id=account.id,
        item_type="strategy",
        item_id=ranked["visibility"].plan_id,
        section=StrategyKind.ADVICE.value,
    )
    assert strategy_advice is not None
    comments.add(
        session,
        actor=cast.mentor,
        target=strategy_advice,
        body="Lena, read “talk to operations, not only IT” as a warning: book the depot "
        "visits before the next review.",
        team_only=True,
        people=people,
        base_url=base_url,
    )


def _perception(session: Session, *, plan: Plan, cast: Cast, ranked: dict[str, Priority]) -> None:
    """What Brightwell believes (internal): visibility and cost in the other order, a
    belief Harbor never stated, driver turnover missed, and a rating 8 against Harbor's 7."""
    beliefs = [
        (
            "Real-time visibility for key customers",
            "Their biggest customers asked for it in the last tender.",
            ranked["visibility"],
        ),
        (
            "Lower cost per delivery",
            "The board talks about margin, but operations talks about customers.",
            ranked["cost"],
        ),
        (
            "One dispatch platform instead of three",
            "Mia mentions the three systems in every meeting.",
            None,
        ),
        (
            "Emissions reporting for CSRD",
            "We suggested it and they took it.",
            ranked["emissions"],
        ),
    ]
    for title, hypothesis, priority in beliefs:
        perception.add_belief(
            session,
            actor=cast.lead,
            plan=plan,
            form=BeliefForm(title=title, hypothesis=hypothesis),
            priority_id=priority.id if priority else None,
        )
    believed = perception.record_rating(
        session,
        actor=cast.lead,
        plan=plan,
        overall=8,
        scores={
            "Understanding of our business": 8,
            "Quality of delivery": 8,
            "Responsiveness": 8,
            "Insight and innovation": 7,
            "Value for money": 7,
        },
        note="After the pilot was accepted we expect Sam to be happier than last quarter.",
    )
    believed.recorded_at = utcnow() - timedelta(days=30)
    session.add(believed)
    session.flush()


def _agree_version_1(session: Session, *, plan: Plan, cast: Cast, base_url: str) -> None:
    agreement.submit(session, actor=cast.lead, plan=plan, base_url=base_url)
    agreement.approve(
        session, actor=cast.sponsor, plan=plan, slot=agreement.Slot.SPONSOR, base_url=base_url
    )
    agreement.approve(
        session, actor=cast.lead, plan=plan, slot=agreement.Slot.LEAD, base_url=base_url
    )


def _changes_since_version_1(
    session: Session,
    *,
    plan: Plan,
    cast: Cast,
    ranked: dict[str, Priority],
    workshop: Action,
    base_url: str,
) -> None:
    """Sam moves driver turnover up and sharpens the visibility priority, Lena's workshop has
    started, and Mia adds an action for Tom."""
    turnover = ranked["turnover"]
    priorities.move(session, actor=cast.sponsor, priority=turnover, up=True)
    visibility = ranked["visibility"]
    priorities.update(
        session,
        actor=cast.sponsor,
        priority=visibility,
        values=_priority_form(
            visibility.title,
            "Customers see where their shipment is and a two-hour arrival window, without "
            "calling us; 30 minutes for the three pharma customers.",
            Importance.HIGH,
            Horizon.NOW,
            cast.member,
        ),
        expected_version=visibility.version,
    )
    actions.change_status(
        session,
        actor=cast.lead,
        action=workshop,
        status=ActionStatus.IN_PROGRESS,
        expected_version=workshop.version,
    )
    _action(
        session,
        actor=cast.member,
        plan=plan,
        title="Send the CSRD reporting template our auditors use",
        outcome="Brightwell knows which emissions figures the feed must produce.",
        owner=cast.team,
        due_in_days=14,
        link=Link(priority_id=ranked["emissions"].id),
        base_url=base_url,
    )


def sign_in_text(base_url: str, *, dev_mailbox: bool = False) -> str:
    width = max(len(email) for email, _, _ in PEOPLE)
    lines = [f"Jointplan is at {base_url}/login — every demo login uses the password {PASSWORD!r}:"]
    lines += [f"  {email.ljust(width)}  {what}" for email, _, what in PEOPLE]
    if dev_mailbox:
        lines.append(
            f"Mail is not sent but kept at {base_url}/dev/mailbox (development only): signed in "
            f"as a workspace admin ({PEOPLE[0][0]}), from this machine."
        )
    return "\n".join(lines)
