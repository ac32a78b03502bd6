"""The demo tells the Harbor Logistics story through the services: every part of the joint plan
is there, its audit trail verifies, the draft stays internal, and the changes since the agreed
version 1 show."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import timedelta
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app import demo
from app.agreement import repository as agreement_repo
from app.agreement import snapshot
from app.agreement.diff import compare
from app.audit import service as audit
from app.demo import entries, read
from app.demo.stage import today as demo_today
from app.models import (
    Account,
    AccountActual,
    AccountGoal,
    AccountScore,
    Action,
    ActionStatus,
    Comment,
    Commitment,
    DepartmentTension,
    Initiative,
    InitiativePriority,
    JointReview,
    KeyAccountAnswer,
    MentorRequest,
    Notice,
    Notification,
    Opportunity,
    OpportunityStatus,
    OutboxMessage,
    PerceivedPriority,
    PerceivedRating,
    Plan,
    PlannedHours,
    PlanStatus,
    Priority,
    PriorityStatus,
    ProfileKind,
    ProfileSection,
    Review,
    ScorecardAttribute,
    Stakeholder,
    StakeholderContact,
    StakeholderLink,
    StrategicObjective,
    StrategyEntry,
    StrategyKind,
    StrategySuggestion,
    Tier,
    User,
    Validation,
    ValueRating,
    Visibility,
    utcnow,
)
from app.opportunities import scoring
from app.plans import repository as plans_repo
from app.reminders import jobs
from app.scorecard.hours import quarter_of
from tests import factories
from tests.testclient import TestClient

pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def harbor(loaded_demo: None, session: Session) -> tuple[Account, Plan]:
    """The demo, loaded once per session (``demo_template``, whose loading from an empty
    database is checked there), read in the test's transaction: loading it again for each of
    the story's tests cost about a second each."""
    assert demo.already_loaded(session)
    account = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    return account, plan


def person(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def test_the_story_is_all_there(session: Session, harbor: tuple[Account, Plan]) -> None:
    account, plan = harbor
    where = {"plan_id": plan.id}

    kinds = Counter(e.kind for e in session.exec(select(StrategyEntry).filter_by(**where)))
    assert all(kinds[kind] >= 1 for kind in StrategyKind), kinds
    assert kinds[StrategyKind.ADVICE] == 3

    everything = session.exec(select(Priority).filter_by(**where)).all()
    ranked = sorted(
        (p for p in everything if p.status == PriorityStatus.ACTIVE), key=lambda p: p.rank or 0
    )
    assert [p.rank for p in ranked] == [1, 2, 3, 4]
    assert ranked[0].title == "Cut cost per delivery by 8%"
    assert any(p.suggested_by_id for p in ranked), "one priority began as a vendor suggestion"
    [suggested] = session.exec(select(StrategySuggestion).filter_by(**where)).all()
    assert (suggested.kind, suggested.status) == ("challenge", "suggested"), "waits for Sam"
    statuses = Counter(p.status for p in everything)
    assert statuses[PriorityStatus.SUGGESTED] == 1
    assert statuses[PriorityStatus.REJECTED] == 1
    assert all(p.answer_reason for p in everything if p.status == PriorityStatus.REJECTED)

    ratings = session.exec(
        select(ValueRating).filter_by(**where).order_by(col(ValueRating.rated_at))
    ).all()
    # The last one Sam gave in the review of a month ago, stamped with it.
    assert [r.overall for r in ratings] == [5, 6, 7, 7]
    assert [r.joint_review_id is not None for r in ratings] == [False, False, False, True]
    assert (ratings[-1].rated_at - ratings[0].rated_at).days >= 180, "spans quarters"
    assert all(len(r.scores) == 5 and r.comment for r in ratings)
    # Since the second rating Sam says the value Harbor expects: the room it believes there is.
    assert [r.future_overall for r in ratings] == [None, 8, 9, 9]
    assert ratings[-1].future_scores["Insight and innovation"] == 9

    # The reviews with the client: one held a month ago, closed with its minutes frozen, and
    # the next one scheduled.
    joint = session.exec(
        select(JointReview).filter_by(**where).order_by(col(JointReview.starts_at))
    ).all()
    assert [r.status for r in joint] == ["closed", "scheduled"]
    assert len(joint[0].minutes["decisions"]) == 2
    assert len(joint[0].minutes["actions"]) == 1
    assert joint[0].minutes["rating"]["overall"] == 7
    assert joint[0].minutes["ranking"]
    linked = session.exec(select(Review).where(Review.joint_review_id == joint[0].id)).one()
    assert linked.held_on == joint[0].held_on, "the internal record of that meeting links to it"

    initiatives = session.exec(select(Initiative).filter_by(**where)).all()
    assert Counter(i.status for i in initiatives) == {
        "draft": 1,
        "proposed": 1,
        "accepted": 1,
        "declined": 1,
        "parked": 1,
    }
    linked = {link.initiative_id for link in session.exec(select(InitiativePriority))}
    by_status = {i.status: i for i in initiatives}
    assert by_status["declined"].id not in linked, "the declined one is us-focused"
    assert by_status["accepted"].answer_reason
    assert by_status["parked"].answer_reason
    assert by_status["draft"].visibility == Visibility.INTERNAL

    actions = session.exec(select(Action).filter_by(**where)).all()
    today = demo_today()  # the demo counts its due dates where its vendor people are
    assert sum(a.status == ActionStatus.DONE for a in actions) == 2
    overdue = [a for a in actions if a.due_on and a.due_on < today and a.status != "done"]
    assert len(overdue) == 1
    assert sum(a.owner_id is None for a in actions) == 1
    owners = {a.owner_id for a in actions if a.owner_id}
    assert person(session, "lead@brightwell.example").id in owners
    assert person(session, "sponsor@harbor.example").id in owners

    comments = session.exec(select(Comment).filter_by(**where)).all()
    assert any("@Sam Sponsor" in c.body for c in comments)
    assert any(c.visibility == Visibility.INTERNAL for c in comments)
    sponsor = person(session, "sponsor@harbor.example")
    mentions = session.exec(
        select(Notification).where(
            Notification.user_id == sponsor.id, Notification.kind == "mention"
        )
    ).all()
    assert len(mentions) == 1
    unread = session.exec(
        select(Notification)
        .where(Notification.user_id == sponsor.id)
        .where(col(Notification.read_at).is_(None))
    ).all()
    # The sponsor read everything by the agreement; since then one profile section waits.
    assert [(n.kind, n.link.rsplit("#", 1)[0]) for n in unread] == [
        ("validation.requested", f"/accounts/{account.id}/validation")
    ]
    assert "Markets and positioning" in unread[0].message

    beliefs = session.exec(select(PerceivedPriority).filter_by(**where)).all()
    assert len(beliefs) == 4
    assert sum(b.priority_id is None for b in beliefs) == 1
    believed = session.exec(
        select(PerceivedRating).filter_by(**where).order_by(col(PerceivedRating.recorded_at))
    ).all()
    assert [b.overall for b in believed] == [8, 7, 8], "believed before each review, and now"
    assert believed[-1].overall > ratings[-1].overall

    assert plan.agreed_version == 1
    assert plan.status == PlanStatus.AGREED
    assert account.name == "Harbor Logistics"


def test_changes_since_version_1_and_the_audit_trail(
    session: Session, harbor: tuple[Account, Plan]
) -> None:
    account, plan = harbor
    assert account.id is not None
    assert plan.id is not None
    last = agreement_repo.last_version(session, account_id=account.id, plan_id=plan.id)
    assert last is not None
    assert last.number == 1
    changes = compare(last.snapshot, snapshot.build(session, plan=plan))
    assert changes.section("priorities").moved
    assert changes.section("priorities").changed
    assert changes.section("actions").added
    assert changes.section("actions").changed
    assert changes.section("initiatives").count == 0
    # The draft never reached the agreed version.
    titles = [i["title"] for i in last.snapshot["sections"]["initiatives"]]
    assert len(titles) == 4
    assert "Emissions data feed from the route planner" not in titles

    reports = audit.verify_all(session)
    assert reports
    assert all(r.ok for r in reports), reports


def test_the_client_sees_the_story_but_not_the_draft(
    session: Session, client: TestClient, harbor: tuple[Account, Plan]
) -> None:
    account, _ = harbor
    factories.sign_in(client, session, person(session, "sponsor@harbor.example"))
    page = client.get(f"/accounts/{account.id}/plan")
    assert page.status_code == 200
    for seen in (
        "Most reliable regional carrier in the Nordics",
        "Cut cost per delivery by 8%",
        "One dispatch view across the three depots",
        "Live tracking page for the top 50 customers",
        "Talk to operations, not only IT.",
    ):
        assert seen in page.text, seen
    assert "Emissions data feed from the route planner" not in page.text
    changes = client.get(f"/accounts/{account.id}/plan/changes")
    assert changes.status_code == 200
    assert "What changed since version 1" in changes.text
    assert "Driver turnover below 15%" in changes.text

    lead = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    lead.cookies.set("jp_csrf", client.cookies["jp_csrf"])
    factories.sign_in(lead, session, person(session, "lead@brightwell.example"))
    assert (
        "Emissions data feed from the route planner"
        in lead.get(f"/accounts/{account.id}/plan").text
    )


def test_the_strategy_workspace_is_all_there(
    session: Session, harbor: tuple[Account, Plan]
) -> None:
    """Every tier on the portfolio (and one account not scored), Harbor's profile answered in
    part, opportunities in each class, reviews with one waiting for the mentor, her queue."""
    account, plan = harbor
    vendor = account.workspace_id
    accounts = session.exec(select(Account).where(Account.workspace_id == vendor)).all()
    assert len(accounts) == 6
    latest: dict[int, AccountScore] = {}
    for score in session.exec(select(AccountScore).order_by(col(AccountScore.scored_at))):
        latest[score.account_id] = score
    tiers = {a.name: latest[a.id].tier for a in accounts if a.id in latest}
    assert tiers == {
        "Harbor Logistics": Tier.STRATEGIC,
        "Alder Health": Tier.DEVELOP,
        "Corvid Retail": Tier.MAINTAIN,
        "Delta Marine": Tier.OPPORTUNISTIC,
        "Ember Energy": Tier.STRATEGIC,
    }, "every tier, and Fjord Foods not scored yet"
    corvid = next(a for a in accounts if a.name == "Corvid Retail")
    history = session.exec(
        select(AccountScore)
        .where(AccountScore.account_id == corvid.id)
        .order_by(col(AccountScore.scored_at))
    ).all()
    assert history[0].tier == Tier.STRATEGIC, "large, and sliding to maintain"

    sections = {
        s.kind: s.validation
        for s in session.exec(select(ProfileSection).where(ProfileSection.account_id == account.id))
    }
    assert len(sections) == len(ProfileKind)
    assert Counter(sections.values()) == {
        Validation.NONE: 5,
        Validation.CONFIRMED: 1,
        Validation.CORRECTED: 1,
        Validation.PENDING: 1,
    }

    found = session.exec(select(Opportunity).where(Opportunity.account_id == account.id)).all()
    classes = {
        r.item.title: r.klass
        for r in scoring.classify(o for o in found if o.status == OpportunityStatus.OPEN)
    }
    assert set(classes.values()) == set(scoring.Klass), classes

    held = session.exec(
        select(Review).where(Review.plan_id == plan.id).order_by(col(Review.held_on))
    ).all()
    assert len(held) == 3
    assert [r.signed_off_at is not None for r in held] == [True, True, False]
    assert held[-1].gap["stated_overall"] == 7
    people = session.exec(select(Stakeholder).where(Stakeholder.account_id == account.id)).all()
    assert len(people) >= 8
    assert Counter(p.validation for p in people if p.validation != Validation.NONE) == {
        Validation.CONFIRMED: 1,
        Validation.CORRECTED: 1,
        Validation.PENDING: 1,
    }
    known = {
        c.stakeholder_id
        for c in session.exec(
            select(StakeholderContact).where(StakeholderContact.account_id == account.id)
        ).all()
    }
    gaps = [p.name for p in people if p.influence == "high" and p.id not in known]
    assert len(gaps) >= 2, "influential people nobody on the team knows"
    # Relationships at every level: two contacts at different strengths on one person, a
    # "blocks" link, a tension between departments, levels and locations.
    strengths: dict[int, set[str]] = {}
    for c in session.exec(
        select(StakeholderContact).where(StakeholderContact.account_id == account.id)
    ).all():
        strengths.setdefault(c.stakeholder_id, set()).add(c.strength)
    assert any(len(found) >= 2 for found in strengths.values())
    kinds = {
        link.kind
        for link in session.exec(
            select(StakeholderLink).where(StakeholderLink.account_id == account.id)
        ).all()
    }
    assert "blocks" in kinds
    assert session.exec(
        select(DepartmentTension).where(DepartmentTension.account_id == account.id)
    ).first()
    assert {p.level for p in people} >= {"executive", "management", "operational"}
    assert len({p.location for p in people if p.location}) >= 2
    assert {p.attitude for p in people} >= {"supporter", "neutral", "detractor"}
    requests = session.exec(
        select(MentorRequest).where(MentorRequest.account_id == account.id)
    ).all()
    assert sorted(r.answered_at is None for r in requests) == [False, True]
    # The team's commitment: the mentor commits, the team member raises a concern.
    answers = session.exec(
        select(Commitment.answer, Commitment.comment)
        .where(Commitment.account_id == account.id)
        .where(col(Commitment.current))
    ).all()
    assert sorted(a for a, _ in answers) == ["committed", "concern"]
    assert next(c for a, c in answers if a == "concern").startswith("The Gothenburg pilot")


def test_selection_acts_in_the_demo(session: Session, harbor: tuple[Account, Plan]) -> None:
    """Two objectives stated, every recommended attribute serving one, the team's hours of
    this quarter on five accounts, and Sam's yes to a key-account relationship."""
    account, _ = harbor
    stated = session.exec(
        select(StrategicObjective).where(StrategicObjective.workspace_id == account.workspace_id)
    ).all()
    assert len(stated) == 2
    attributes = session.exec(
        select(ScorecardAttribute).where(ScorecardAttribute.workspace_id == account.workspace_id)
    ).all()
    assert {a.objective_id for a in attributes} == {o.id for o in stated}
    planned = session.exec(select(PlannedHours)).all()
    assert len(planned) == 5
    assert {p.quarter for p in planned} == {quarter_of(utcnow().date())}
    answer = session.exec(
        select(KeyAccountAnswer).where(KeyAccountAnswer.account_id == account.id)
    ).one()
    assert answer.answer == "yes"
    assert "plan it with you" in answer.words
    sponsor = person(session, "sponsor@harbor.example")
    assert answer.answered_by_id == sponsor.id


def test_harbor_has_goals_three_quarters_of_actuals_and_a_lost_bid_with_its_reason(
    session: Session, harbor: tuple[Account, Plan]
) -> None:
    account, _ = harbor
    now = demo_today()
    goals = session.exec(select(AccountGoal).where(AccountGoal.account_id == account.id)).all()
    assert now.year in {g.year for g in goals}
    actuals = session.exec(
        select(AccountActual).where(AccountActual.account_id == account.id)
    ).all()
    assert len(actuals) == 3
    latest = max((a.year, a.quarter) for a in actuals)
    assert latest == (now.year, (now.month - 1) // 3 + 1), "the current quarter is the last"
    assert {a.year for a in actuals} <= {g.year for g in goals}, "a goal for every quarter"
    found = session.exec(select(Opportunity).where(Opportunity.account_id == account.id)).all()
    (lost,) = [o for o in found if o.status == OpportunityStatus.LOST]
    assert (lost.bid_reason, lost.closed_on) == ("price", now)
    assert "Parcelnet" in lost.bid_note
    closed = [o for o in found if o.status != OpportunityStatus.OPEN]
    assert all(o.bid_reason for o in closed if o.status != OpportunityStatus.WON)


def test_harbor_has_a_previous_period_to_look_at(
    session: Session, client: TestClient, harbor: tuple[Account, Plan]
) -> None:
    account, plan = harbor
    previous = session.get(Plan, plan.previous_id)
    assert previous is not None
    assert (previous.period, plan.period) == ("FY2026", "FY2027")
    assert not previous.is_current
    assert previous.agreed_version == 1
    carried = session.exec(
        select(Action)
        .where(Action.plan_id == plan.id)
        .where(col(Action.carried_from_id).is_not(None))
    ).all()
    assert [a.title for a in carried] == ["Publish the monthly on-time delivery report"]
    factories.sign_in(client, session, person(session, "sponsor@harbor.example"))
    page = client.get(f"/accounts/{account.id}/plans/{previous.id}")
    assert page.status_code == 200
    assert "FY2026 is a closed period" in page.text
    assert "On-time delivery above 95% in every depot" in page.text
    current = client.get(f"/accounts/{account.id}/plan")
    assert "Carried over from FY2026" in current.text


def test_the_previous_periods_figures_leave_out_todays_confirmations(
    session: Session, client: TestClient, harbor: tuple[Account, Plan]
) -> None:
    """What the client confirmed of the profile and the map is the account's as it is today:
    the current plan's validation figure counts it, the closed period's does not, and says so."""
    account, plan = harbor
    factories.sign_in(client, session, person(session, "sponsor@harbor.example"))
    current = client.get(f"/accounts/{account.id}/plan").text
    old = client.get(f"/accounts/{account.id}/plans/{plan.previous_id}").text
    assert "profile sections confirmed" in current
    assert "count in the current period only" not in current
    assert "profile sections confirmed" not in old
    assert "the profile and the map count in the current period only" in old


def test_the_next_morning_sam_is_reminded_and_gets_the_news_in_a_digest(
    session: Session, harbor: tuple[Account, Plan]
) -> None:
    """The demo shows reminders and digests: an action of Sam's is due in two days, and Sam
    takes the plan's news in a daily digest; the next 08:00 where Sam lives brings both."""
    sam = person(session, "sponsor@harbor.example")
    waiting = session.exec(
        select(Notice).where(Notice.user_id == sam.id).where(col(Notice.digested_at).is_(None))
    ).all()
    assert waiting, "Sam's news waits for the digest"
    start = utcnow()
    for hour in range(0, 25):
        jobs.run(session, now=start + timedelta(hours=hour))
    mails = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == sam.email)
        .where(OutboxMessage.unsubscribe != "")
    ).all()
    kinds = Counter(m.headers.get(jobs.NOTICE_HEADER) for m in mails)
    assert kinds["action.due_soon"] == 1
    assert kinds["digest.daily"] == 1
    due_soon = next(m for m in mails if m.headers.get(jobs.NOTICE_HEADER) == "action.due_soon")
    assert "Send the opening hours of the three pilot depots" in due_soon.subject


# --- The story's files: read, checked, shipped ------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_every_story_file_ships_with_the_package() -> None:
    """The files are package data: an installed (not editable) Jointplan can load the demo."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["app.demo"]
    folder = ROOT / "app" / "demo"
    files = sorted(str(path.relative_to(folder)) for path in (folder / "story").iterdir())
    assert len(files) == 6
    assert [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)] == []


def test_the_sign_in_list_is_people_toml() -> None:
    cast = read.cast()
    assert [(p.email, p.name, p.what) for p in demo.PEOPLE] == [
        (s.email, s.name, s.what) for s in cast.sign_ins
    ]
    assert cast.password == demo.PASSWORD
    assert demo.PEOPLE[0].email == "admin@brightwell.example"


def harbor_text(**replaced: str) -> str:
    """harbor.toml with some of its lines replaced."""
    text = resources.files("app.demo").joinpath("story", "harbor.toml").read_text()
    for old, new in replaced.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def parse_harbor(text: str) -> entries.PlanStory:
    names = read.Names()
    read.read("people.toml", entries.Cast, names)
    return read.parse(text, entries.PlanStory, names, source="harbor.toml")


def test_the_story_as_it_ships_reads() -> None:
    story = read.story()
    assert [case.account.name for case in story.portfolio.cases] == [
        "Alder Health",
        "Corvid Retail",
        "Delta Marine",
        "Ember Energy",
        "Fjord Foods",
    ]
    assert parse_harbor(harbor_text()) == story.harbor


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'key = "leavers"\nby = "sponsor"',
            'key = "leavers"\nby = "sponsor"\nowner_email = "x@example.com"',
            "harbor.toml, actions[4] 'leavers': unknown key 'owner_email'",
        ),
        (
            'title = "Collect the reasons drivers gave for leaving in the last 12 months"\n',
            "",
            "harbor.toml, actions[4] 'leavers': missing key 'title'",
        ),
        (
            'owner = "team"\ndue_in_days = -30',
            'owner = "tam"\ndue_in_days = -30',
            "harbor.toml, actions[0] 'field_map'.owner: 'tam' names no person the story "
            "defines (known: admin, kestrel, lead, member, mentor, sponsor, team, viewer)",
        ),
        (
            'initiative = "pilot"\n\n[[actions]]\nkey = "read_access"',
            'initiative = "pliot"\n\n[[actions]]\nkey = "read_access"',
            "harbor.toml, actions[0] 'field_map'.initiative: 'pliot' names no initiative",
        ),
        (
            'status = "done"\ninitiative = "pilot"',
            'status = "finished"\ninitiative = "pilot"',
            "harbor.toml, actions[0] 'field_map'.status: 'finished' is not one of not_started, "
            "in_progress, blocked, done, cancelled",
        ),
        (
            "due_in_days = -30",
            'due_in_days = "a month ago"',
            "harbor.toml, actions[0] 'field_map'.due_in_days: 'a month ago' is not a whole number",
        ),
        (
            'key = "read_access"',
            'key = "field_map"',
            "harbor.toml, actions[1] 'field_map'.key: 'field_map' is defined twice",
        ),
        (
            'strategy = "advice"',
            'strategy = "advice"\npriority = "cost"',
            "harbor.toml, comments[3]: a comment takes exactly one of priority, strategy "
            "(got ['priority', 'strategy'])",
        ),
        (
            'strategy_by = "sponsor"\n',
            "",
            "harbor.toml, the file: strategy are written, but nobody is named to write them",
        ),
        ("[[strategy]]", "[[strategy]", "harbor.toml: not TOML"),
    ],
)
def test_a_wrong_story_fails_naming_the_file_and_the_entry(
    old: str, new: str, message: str
) -> None:
    with pytest.raises(read.StoryError) as failed:
        parse_harbor(harbor_text(**{old: new}))
    assert str(failed.value).startswith(message), str(failed.value)


def test_a_name_defined_by_an_earlier_file_is_known_and_a_sibling_s_is_not() -> None:
    """workspace.toml may name Harbor's priorities; previous.toml's stay its own."""
    story = read.story()
    assert story.workspace.opportunities[0].priority == "visibility"
    names = read.Names()
    read.read("people.toml", entries.Cast, names)
    read.read("previous.toml", entries.Previous, names.copy())
    text = harbor_text(**{'priority = "turnover"\n\n': 'priority = "on_time"\n\n'})
    with pytest.raises(read.StoryError, match="'on_time' names no priority"):
        read.parse(text, entries.PlanStory, names, source="harbor.toml")
