"""Demo data, part three: Brightwell's internal strategy workspace.

The workspace starts from the recommended scorecard; every account but the new one is scored,
some of them several times, so the portfolio's quadrant shows each tier and the two cases the
scorecard exists for: Corvid Retail, large today but sliding to "maintain", and Alder Health,
small today with high potential. Harbor Logistics gets the rest in full: a profile with two
sections the client answered (one confirmed, one corrected) and one waiting, opportunities in
every class, and three quarterly reviews — two signed off by Maya Mentor, one waiting for her —
with a request about the draft initiative still open in her queue.

Everything goes through the services (so the audit trail verifies); only the dates that a
story needs in the past (``scored_at``, ``recorded_at``, ``created_at`` of a plan) are set
afterwards, like the value ratings' dates in app/demo.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from app.models import (
    Account,
    Initiative,
    InitiativeStatus,
    OpportunityStatus,
    Plan,
    Priority,
    PriorityStatus,
    ProfileKind,
    ScorecardAttribute,
    Stakeholder,
    User,
    Validation,
    Workspace,
    utcnow,
)
from app.notifications import service as notifications
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues as CheckedOpportunity
from app.perception import service as perception
from app.profile import repository as profile_repo
from app.profile import service as profile
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import service as scorecard
from app.scorecard.schemas import CheckedEntry
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import CheckedStakeholder

# Scores per recommended attribute, in models.DEFAULT_SCORECARD's order: current sales, share
# of wallet, profitability | growth potential, cultural fit, access to executives, access to
# decision making. (days ago, scores, a note on one attribute)
SCORINGS: dict[str, list[tuple[int, tuple[int, ...], str]]] = {
    "Harbor Logistics": [
        (300, (3, 2, 3, 4, 4, 2, 2), "Three dispatch systems after two acquisitions."),
        (150, (4, 3, 3, 4, 4, 3, 3), "Monthly depot visits opened doors."),
        (20, (4, 3, 4, 5, 4, 4, 4), "The COO now chairs our quarterly review."),
    ],
    "Alder Health": [
        (200, (1, 2, 2, 4, 4, 3, 3), "A first pilot, three clinics."),
        (40, (2, 2, 2, 5, 4, 4, 4), "The merged trusts want one supplier for triage."),
    ],
    "Corvid Retail": [
        (330, (5, 4, 4, 3, 3, 3, 3), "Our largest licence base."),
        (180, (5, 4, 4, 3, 2, 2, 2), "New CFO buys on price."),
        (30, (5, 4, 3, 2, 2, 2, 1), "Procurement runs every decision now."),
    ],
    "Delta Marine": [(25, (2, 1, 2, 2, 3, 2, 1), "One project, no relationship beyond it.")],
    "Ember Energy": [
        (170, (3, 3, 3, 4, 3, 3, 3), "Smart-meter programme starting."),
        (60, (4, 3, 3, 4, 4, 3, 4), "Field service is now our biggest project."),
    ],
}

PROFILE: dict[ProfileKind, str] = {
    ProfileKind.GOALS: (
        "Be the most reliable regional carrier in the Nordics, measured against the two "
        "national carriers. Grow contract logistics 12% a year. Run Harbor, Nordlink and "
        "Vestfrakt as one company within two years."
    ),
    ProfileKind.MARKETS: (
        "Regional road freight across the Nordics; strongest in pharma and retail "
        "replenishment. Sells on reliability rather than price; contract logistics (warehousing "
        "plus transport for mid-sized retailers) is 18% of revenue."
    ),
    ProfileKind.TRENDS: (
        "Customers expect live tracking and arrival windows. Driver shortage pushes wages up. "
        "CSRD makes emissions reporting mandatory for their largest customers."
    ),
    ProfileKind.COMPETITORS: (
        "Two national carriers undercut on price; one regional rival already offers live tracking."
    ),
    ProfileKind.STRUCTURE: (
        "The COO (Sam Sponsor) runs operations and the three depots, each with its own "
        "dispatch lead; the head of IT (Mia Member) reports to the CFO."
    ),
    ProfileKind.FINANCIALS: (
        "Revenue grew 40% in two years through acquisitions; margin fell from 6% to 4% while "
        "the three companies run separately."
    ),
    ProfileKind.SWOT: (
        "Strengths: reliability, pharma accreditation.\n"
        "Weaknesses: three dispatch systems, no live tracking.\n"
        "Opportunities: CSRD reporting for customers, pharma growth.\n"
        "Threats: national carriers on price, driver turnover."
    ),
    ProfileKind.VALUE_CHAIN: (
        "Orders → planning → dispatch → delivery → proof and invoicing. We add most value in "
        "planning and dispatch (one view across depots) and in proof of delivery."
    ),
}
SWOT_CORRECTION = (
    "Strengths: reliability, pharma accreditation, and our depot teams' local knowledge.\n"
    "Weaknesses: three dispatch systems.\n"
    "Opportunities: CSRD reporting, pharma growth, the new cross-dock in Gothenburg.\n"
    "Threats: national carriers on price, driver turnover."
)

# (title, size, days to win, ratings: profitability, need, growth, importance, history,
# relationship; status; index of the Harbor priority it answers, by title fragment)
OPPORTUNITIES: list[tuple[str, int, int, tuple[int, ...], OpportunityStatus, str]] = [
    (
        "Cold-chain monitoring pilot",
        40_000,
        8,
        (4, 5, 4, 4, 4, 4),
        OpportunityStatus.OPEN,
        "visibility",
    ),
    (
        "Live tracking page roll-out",
        180_000,
        30,
        (4, 5, 4, 5, 4, 4),
        OpportunityStatus.OPEN,
        "visibility",
    ),
    (
        "Fleet telematics for all depots",
        420_000,
        120,
        (3, 3, 3, 4, 3, 3),
        OpportunityStatus.OPEN,
        "cost",
    ),
    ("Warehouse robotics programme", 300_000, 200, (2, 1, 2, 2, 2, 2), OpportunityStatus.OPEN, ""),
    ("Emissions feed for CSRD", 35_000, 10, (4, 4, 4, 3, 4, 4), OpportunityStatus.WON, "emissions"),
    ("Analytics Premium upgrade", 90_000, 25, (4, 1, 2, 2, 3, 3), OpportunityStatus.DROPPED, ""),
]

# Harbor's decision-making group: (key, name, title, department, manager key, roles, decision,
# influence, attitude, motivations, owner ("lead", "team" or None), strength, last contact in
# days ago or None).
DISPATCH = "Dispatch platform 2027"
PEOPLE = [
    (
        "ceo",
        "Henrik Dahl",
        "Chief Executive",
        "Board",
        None,
        [],
        "",
        "high",
        "neutral",
        "Wants the three companies to feel like one before he retires.",
        None,
        "none",
        None,
    ),
    (
        "coo",
        "Sam Sponsor",
        "Chief Operating Officer",
        "Operations",
        "ceo",
        ["economic_buyer"],
        DISPATCH,
        "high",
        "supporter",
        "Judged on on-time delivery; tired of re-keyed orders.",
        "lead",
        "strong",
        6,
    ),
    (
        "cfo",
        "Karin Berg",
        "Chief Financial Officer",
        "Finance",
        "ceo",
        ["influencer"],
        DISPATCH,
        "high",
        "detractor",
        "Margin first; sees software as a cost, not a lever.",
        None,
        "none",
        None,
    ),
    (
        "it",
        "Mia Member",
        "Head of IT",
        "IT",
        "cfo",
        ["technical"],
        DISPATCH,
        "medium",
        "supporter",
        "Wants one platform to run instead of three.",
        "team",
        "good",
        12,
    ),
    (
        "oslo",
        "Ola Nilsen",
        "Dispatch lead, Oslo",
        "Operations",
        "coo",
        ["user", "coach"],
        DISPATCH,
        "medium",
        "supporter",
        "Tells us honestly what the planners think.",
        "team",
        "strong",
        3,
    ),
    (
        "gbg",
        "Eva Lund",
        "Dispatch lead, Gothenburg",
        "Operations",
        "coo",
        ["user"],
        DISPATCH,
        "medium",
        "neutral",
        "Her depot's system is the newest; fears losing it.",
        "team",
        "weak",
        40,
    ),
    (
        "aarhus",
        "Jens Holm",
        "Dispatch lead, Aarhus",
        "Operations",
        "coo",
        ["user"],
        DISPATCH,
        "low",
        "detractor",
        "Came with Vestfrakt; loyal to its old supplier.",
        None,
        "none",
        None,
    ),
    (
        "esg",
        "Linnea Sand",
        "Sustainability manager",
        "Strategy",
        "ceo",
        ["economic_buyer"],
        "Emissions reporting",
        "medium",
        "supporter",
        "Owns the CSRD deadline.",
        "lead",
        "good",
        20,
    ),
    (
        "buy",
        "Per Ek",
        "Procurement manager",
        "Finance",
        "cfo",
        ["gatekeeper"],
        DISPATCH,
        "medium",
        "neutral",
        "Runs every tender over 50,000.",
        None,
        "none",
        None,
    ),
]
KARIN_CORRECTION = "Karin Berg is also Deputy CEO since March; she reports to the board."

# Harbor's quarterly reviews: (days ago, participants, what changed, signed off, the mentor's
# comment), and what Brightwell believed the rating would be before each.
REVIEWS = [
    (
        240,
        "Lena Lead, Tom Team, Sam Sponsor, Mia Member",
        "First joint review. Harbor ranked its priorities itself for the first time; "
        "visibility came first, not cost as we assumed.",
        "Good start. Stop leading with licences: Sam never mentioned them.",
    ),
    (
        150,
        "Lena Lead, Sam Sponsor, Mia Member",
        "The dispatch pilot was proposed and accepted. Harbor's rating went from 5 to 6.",
        "The pilot answers their first priority; keep the next proposals linked like this.",
    ),
    (
        30,
        "Lena Lead, Tom Team, Sam Sponsor",
        "Rating 7. Driver turnover moved up; we had missed it entirely. Agreed version 1.",
        "",
    ),
]
BELIEVED_BEFORE = [(250, 8), (160, 7)]


def load(
    session: Session,
    *,
    workspace: Workspace,
    admin: User,
    lead: User,
    team: User,
    mentor: User,
    sponsor: User,
    accounts: dict[str, tuple[Account, Plan]],
    base_url: str,
) -> None:
    """``accounts``: every Brightwell account and its current plan, by name."""
    assert workspace.id is not None
    attributes = scorecard.create_defaults(session, actor=admin, workspace_id=workspace.id)
    for name, scorings in SCORINGS.items():
        account, _ = accounts[name]
        _score(session, actor=lead, account=account, attributes=attributes, scorings=scorings)
    harbor, plan = accounts["Harbor Logistics"]
    _profile(session, account=harbor, lead=lead, sponsor=sponsor, base_url=base_url)
    _people(session, account=harbor, lead=lead, team=team, sponsor=sponsor, base_url=base_url)
    # Sam read those requests when he answered them; one section and one person still wait.
    notifications.mark_all_read(session, user=sponsor)
    _share_markets(session, account=harbor, lead=lead, base_url=base_url)
    _opportunities(session, account=harbor, plan=plan, lead=lead)
    _reviews(
        session,
        account=harbor,
        plan=plan,
        lead=lead,
        mentor=mentor,
        dimensions=list(workspace.value_dimensions),
        base_url=base_url,
    )
    for name in ("Ember Energy",):
        account, other_plan = accounts[name]
        reviews.record(
            session,
            actor=lead,
            account=account,
            plan=other_plan,
            checked=CheckedReview(
                utcnow().date() - timedelta(days=100),
                "Lena Lead, Eli Ember",
                "Integration scope agreed; field teams want the safety checklists first.",
            ),
            dimensions=list(workspace.value_dimensions),
            base_url=base_url,
        )
    session.flush()


def _score(
    session: Session,
    *,
    actor: User,
    account: Account,
    attributes: Sequence[ScorecardAttribute],
    scorings: list[tuple[int, tuple[int, ...], str]],
) -> None:
    assert account.id is not None
    for days_ago, scores, note in scorings:
        entries = [
            CheckedEntry(attribute=attribute, score=score, note=note if i == 0 else "")
            for i, (attribute, score) in enumerate(zip(attributes, scores, strict=True))
        ]
        made = scorecard.score_account(
            session, actor=actor, account_id=account.id, entries=entries, note=""
        )
        made.scored_at = utcnow() - timedelta(days=days_ago)
        session.add(made)


def _profile(
    session: Session, *, account: Account, lead: User, sponsor: User, base_url: str
) -> None:
    """Every section written; goals confirmed, the SWOT corrected, markets waiting."""
    assert account.id is not None
    sections = {}
    for kind, body in PROFILE.items():
        section = profile.save(
            session,
            actor=lead,
            account_id=account.id,
            kind=kind,
            section=None,
            body=body,
            expected_version=0,
        )
        assert section is not None
        sections[kind] = section

    def share(kind: ProfileKind) -> None:
        section = sections[kind]
        profile.share(
            session,
            actor=lead,
            section=section,
            expected_version=section.version,
            base_url=base_url,
        )

    share(ProfileKind.GOALS)
    share(ProfileKind.SWOT)
    # (the markets section is sent later: see _share_markets)
    for kind, decision, correction in (
        (ProfileKind.GOALS, Validation.CONFIRMED, ""),
        (ProfileKind.SWOT, Validation.CORRECTED, SWOT_CORRECTION),
    ):
        section = sections[kind]
        profile.answer(
            session,
            actor=sponsor,
            section=section,
            decision=decision,
            correction=correction,
            expected_version=profile.answer_version(section),
            base_url=base_url,
        )


def _share_markets(session: Session, *, account: Account, lead: User, base_url: str) -> None:
    assert account.id is not None
    section = profile_repo.get_for_write(session, account_id=account.id, kind=ProfileKind.MARKETS)
    assert section is not None
    profile.share(
        session, actor=lead, section=section, expected_version=section.version, base_url=base_url
    )


def _people(
    session: Session, *, account: Account, lead: User, team: User, sponsor: User, base_url: str
) -> None:
    """The map; Sam is asked to confirm three people: confirms Mia, corrects Karin, and has not
    answered about himself yet."""
    assert account.id is not None
    made: dict[str, Stakeholder] = {}
    owners = {"lead": lead.id, "team": team.id, None: None}
    for (
        key,
        name,
        title,
        department,
        manager,
        roles,
        decision,
        influence,
        attitude,
        motivations,
        owner,
        strength,
        contact,
    ) in PEOPLE:
        made[key] = stakeholders.add(
            session,
            actor=lead,
            account_id=account.id,
            checked=CheckedStakeholder(
                name=name,
                title=title,
                department=department,
                reports_to_id=made[manager].id if manager else None,
                roles=roles,
                decision=decision,
                influence=influence,
                attitude=attitude,
                motivations=motivations,
                owner_id=owners[owner],
                strength=strength,
                last_contact_on=utcnow().date() - timedelta(days=contact) if contact else None,
            ),
        )
    sent = [made["coo"], made["cfo"], made["it"]]
    stakeholders.send(session, actor=lead, account_id=account.id, people=sent, base_url=base_url)
    for person, correction in ((made["it"], ""), (made["cfo"], KARIN_CORRECTION)):
        stakeholders.answer(
            session,
            actor=sponsor,
            person=person,
            confirmed=not correction,
            correction=correction,
            expected=stakeholders.shared_version(person),
            base_url=base_url,
        )


def _opportunities(session: Session, *, account: Account, plan: Plan, lead: User) -> None:
    assert account.id is not None
    ranked = session.exec(
        select(Priority)
        .where(Priority.plan_id == plan.id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank), col(Priority.id))
    ).all()

    def answering(fragment: str) -> list[int]:
        return [
            p.id for p in ranked if fragment and fragment in p.title.lower() and p.id is not None
        ][:1]

    names = ("profitability", "need", "growth", "importance", "history", "relationship")
    for title, size, days, ratings, status, fragment in OPPORTUNITIES:
        opportunities.add(
            session,
            actor=lead,
            account_id=account.id,
            values=CheckedOpportunity(
                title=title,
                description="",
                size=size,
                days=days,
                ratings=dict(zip(names, ratings, strict=True)),
                owner_id=lead.id,
                status=status.value,
                priority_ids=answering(fragment),
            ),
        )


def _reviews(
    session: Session,
    *,
    account: Account,
    plan: Plan,
    lead: User,
    mentor: User,
    dimensions: list[str],
    base_url: str,
) -> None:
    """Three quarterly reviews over the plan's ten months; the last waits for the mentor."""
    plan.created_at = utcnow() - timedelta(days=300)
    session.add(plan)
    for days_ago, overall in BELIEVED_BEFORE:
        believed = perception.record_rating(
            session,
            actor=lead,
            plan=plan,
            overall=overall,
            scores=dict.fromkeys(dimensions, overall),
            note="",
        )
        believed.recorded_at = utcnow() - timedelta(days=days_ago)
        session.add(believed)
    session.flush()
    for days_ago, participants, what_changed, comment in REVIEWS:
        review = reviews.record(
            session,
            actor=lead,
            account=account,
            plan=plan,
            checked=CheckedReview(
                utcnow().date() - timedelta(days=days_ago), participants, what_changed
            ),
            dimensions=dimensions,
            base_url=base_url,
        )
        if comment:
            reviews.sign_off(
                session,
                actor=mentor,
                account=account,
                review=review,
                comment=comment,
                expected_version=review.version,
                base_url=base_url,
            )
    draft = session.exec(
        select(Initiative)
        .where(Initiative.plan_id == plan.id)
        .where(Initiative.status == InitiativeStatus.DRAFT)
        .order_by(col(Initiative.created_at), col(Initiative.id))
    ).first()
    answered = reviews.ask(
        session,
        actor=lead,
        account=account,
        plan=plan,
        initiative=None,
        note="Before we submit version 1: is the plan focused enough on their top three?",
        base_url=base_url,
    )
    reviews.answer(
        session,
        actor=mentor,
        account=account,
        request=answered,
        initiative=None,
        text="Yes. Drop the licence upgrade from the plan; it answers nothing they asked for.",
        expected_version=answered.version,
        base_url=base_url,
    )
    reviews.ask(
        session,
        actor=lead,
        account=account,
        plan=plan,
        initiative=draft,
        note="A big one: could you look at it before we propose it to Sam?",
        base_url=base_url,
    )
