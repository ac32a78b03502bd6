"""Reminders and digests (issue 11 §2): which reminders each job selects, that each is given
once, catch-up after downtime without a burst, and each person's choices (off, daily, weekly).

These tests call the jobs directly with the app's clock set (``app.kit.clock``); the race of two
schedulers and the simulated week on two instances with real SMTP are in
``test_reminders_week.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.schemas import CheckedAction
from app.config import Settings
from app.db import Database
from app.kit.clock import clock
from app.models import (
    Account,
    ActionStatus,
    Delivery,
    JointReview,
    JointReviewStatus,
    Membership,
    Notice,
    Notification,
    OutboxMessage,
    Plan,
    Role,
    User,
)
from app.notifications import preferences
from app.notifications.service import choose
from app.plans import repository as plans_repo
from app.reminders import jobs
from tests import factories
from tests.conftest import QueryCounter

BASE = "http://testserver"
# A Sunday, far from any change of daylight-saving time in Paris, New York or Tokyo.
SUNDAY = datetime(2027, 3, 7, tzinfo=UTC)


@dataclass
class Scene:
    account: Account
    plan: Plan
    lead: User  # Paris (the workspace's zone)
    mentor: User  # Tokyo (their own)
    sponsor: User  # New York (their own)


def make_scene(session: Session, *, at: datetime = SUNDAY - timedelta(days=1)) -> Scene:
    clock.set(at)
    workspace = factories.make_workspace(session)
    workspace.time_zone = "Europe/Paris"
    session.add(workspace)
    admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
    account = factories.make_account(session, admin=admin)
    lead = factories.make_user(session, name="Lena Lead", workspace=workspace, password=None)
    mentor = factories.make_user(session, name="Mo Mentor", workspace=workspace, password=None)
    mentor.time_zone = "Asia/Tokyo"
    sponsor = factories.make_user(session, name="Sam Sponsor", password=None)
    sponsor.time_zone = "America/New_York"
    session.add_all([mentor, sponsor])
    for person, role in ((lead, Role.LEAD), (mentor, Role.MENTOR), (sponsor, Role.SPONSOR)):
        factories.add_member(session, account=account, user=person, role=role, by=admin)
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    session.flush()
    return Scene(account, plan, lead, mentor, sponsor)


def add_action(
    session: Session, scene: Scene, owner: User, title: str, due_on: date | None, **kw: str
) -> int:
    action = actions.create(
        session,
        actor=scene.lead,
        plan=scene.plan,
        checked=CheckedAction(
            title=title,
            outcome="",
            owner_id=owner.id,
            due_on=due_on,
            status=kw.get("status", ActionStatus.NOT_STARTED.value),
        ),
    )
    assert action.id is not None
    return action.id


def run_at(session: Session, when: datetime) -> jobs.Report:
    clock.set(when)
    report = jobs.run(session, now=when)
    session.flush()
    return report


def given(session: Session, person: User) -> list[str]:
    """The reminders the person was given, as '<kind> <message>' in the order given."""
    rows = session.exec(
        select(Notice)
        .where(Notice.user_id == person.id)
        .where(col(Notice.key).not_like("notification:%"))
        .order_by(col(Notice.created_at), col(Notice.id))
    ).all()
    return [f"{n.kind} {n.message}" for n in rows]


def mails_to(session: Session, person: User) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == person.email)
            .where(OutboxMessage.unsubscribe != "")
            .where(col(OutboxMessage.headers).is_not(None))
            .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        ).all()
    )


def reminder_mails(session: Session, person: User) -> list[OutboxMessage]:
    """Reminder and digest e-mails (not the "made you the owner" notifications)."""
    return [
        m
        for m in mails_to(session, person)
        if m.headers.get(jobs.NOTICE_HEADER, "").split(".")[0]
        in ("action", "review", "plan", "digest")
        and m.headers.get(jobs.NOTICE_HEADER) != "action.assigned"
    ]


def test_action_reminders_select_due_soon_due_today_and_overdue_for_the_owner(
    session: Session,
) -> None:
    scene = make_scene(session)
    ny_sunday = date(2027, 3, 7)
    add_action(session, scene, scene.sponsor, "Due today", ny_sunday)
    add_action(session, scene, scene.sponsor, "In three days", ny_sunday + timedelta(3))
    add_action(session, scene, scene.sponsor, "In four days", ny_sunday + timedelta(4))
    add_action(session, scene, scene.sponsor, "Late", ny_sunday - timedelta(2))
    add_action(session, scene, scene.sponsor, "Finished", ny_sunday, status="done")
    add_action(session, scene, scene.sponsor, "No date", None)
    add_action(session, scene, scene.lead, "The lead's", ny_sunday + timedelta(1))

    # 12:00 UTC: 07:00 in New York, not yet the sponsor's 08:00; 13:00 in Paris.
    run_at(session, SUNDAY + timedelta(hours=12))
    assert given(session, scene.sponsor) == []
    assert given(session, scene.lead) == [
        "action.due_soon Your action “The lead's” in "
        f"{scene.account.name} is due in 1 day, on 08 Mar 2027."
    ]
    run_at(session, SUNDAY + timedelta(hours=13))  # 08:00 in New York
    assert sorted(given(session, scene.sponsor)) == sorted(
        [
            f"action.due_today Your action “Due today” in {scene.account.name} is due today.",
            f"action.due_soon Your action “In three days” in {scene.account.name} is due in "
            "3 days, on 10 Mar 2027.",
            f"action.overdue Your action “Late” in {scene.account.name} was due 05 Mar 2027 "
            "(2 days ago).",
        ]
    )
    # Each once: later that day and the next days add only what became due.
    run_at(session, SUNDAY + timedelta(hours=20))
    assert len(given(session, scene.sponsor)) == 3
    run_at(session, SUNDAY + timedelta(days=1, hours=13))
    # Monday: "Due today" is overdue now (once), "In four days" is now in three.
    assert sorted(g.split(" (")[0] for g in given(session, scene.sponsor)[3:]) == [
        f"action.due_soon Your action “In four days” in {scene.account.name} is due in 3 days, "
        "on 11 Mar 2027.",
        f"action.overdue Your action “Due today” in {scene.account.name} was due 07 Mar 2027",
    ]
    # Each reminder is in the inbox and went by e-mail (the default), with its unsubscribe.
    inbox = session.exec(select(Notification).where(Notification.user_id == scene.sponsor.id)).all()
    assert {n.kind for n in inbox} >= {"action.due_today", "action.due_soon", "action.overdue"}
    mails = [
        m for m in reminder_mails(session, scene.sponsor) if not m.unsubscribe.startswith("digest")
    ]
    assert len(mails) == 5
    assert all(
        m.unsubscribe == f"{m.headers[jobs.NOTICE_HEADER]} {scene.sponsor.id}" for m in mails
    )
    # The mentor owns nothing and the plan is new: nothing at all.
    assert given(session, scene.mentor) == []


def test_review_reminders_go_to_the_lead_and_the_mentor_and_a_stale_plan_to_the_lead(
    session: Session,
) -> None:
    # The plan began 80 days before: its first review (3 months on) is 12 days away.
    scene = make_scene(session, at=SUNDAY - timedelta(days=80))
    # Nothing was changed since either: the lead hears that too.
    run_at(session, SUNDAY + timedelta(hours=12))
    assert [g.split(" ")[0] for g in given(session, scene.lead)] == [
        "review.due_soon",
        "plan.stale",
    ]
    assert "(80 days)" in given(session, scene.lead)[1]
    assert [g.split(" ")[0] for g in given(session, scene.mentor)] == ["review.due_soon"]
    assert given(session, scene.sponsor) == []  # never told of the vendor's reviews
    # 20 days on: overdue, once; the stale plan is not told again.
    for day in range(1, 21):
        run_at(session, SUNDAY + timedelta(days=day, hours=12))
    lead_kinds = [g.split(" ")[0] for g in given(session, scene.lead)]
    assert lead_kinds == ["review.due_soon", "plan.stale", "review.overdue"]
    assert [g.split(" ")[0] for g in given(session, scene.mentor)] == [
        "review.due_soon",
        "review.overdue",
    ]
    assert given(session, scene.sponsor) == []


def test_a_review_held_with_the_client_resets_the_cadence_of_the_reminders(
    session: Session,
) -> None:
    """The plan began 80 days before, but its joint review with the client was held 10 days
    before: the next review is a cadence after that, so nothing is due or overdue."""
    scene = make_scene(session, at=SUNDAY - timedelta(days=80))
    assert scene.plan.id is not None
    assert scene.account.id is not None
    held = (SUNDAY - timedelta(days=10)).date()
    session.add(
        JointReview(
            account_id=scene.account.id,
            plan_id=scene.plan.id,
            uid="held-with-the-client@test",
            starts_at=SUNDAY - timedelta(days=10),
            time_zone="Europe/Paris",
            status=JointReviewStatus.CLOSED,
            held_on=held,
        )
    )
    session.flush()
    for day in range(0, 21):
        run_at(session, SUNDAY + timedelta(days=day, hours=12))
    kinds = {g.split(" ")[0] for g in given(session, scene.lead) + given(session, scene.mentor)}
    assert not kinds & {"review.due_soon", "review.overdue"}


def test_after_downtime_one_run_catches_up_without_a_burst(session: Session) -> None:
    scene = make_scene(session)
    add_action(session, scene, scene.lead, "Send the pricing", date(2027, 3, 10))
    run_at(session, SUNDAY + timedelta(hours=7))  # 08:00 in Paris: due in 3 days
    assert [g.split(" ")[0] for g in given(session, scene.lead)] == ["action.due_soon"]
    # Every instance is down from Monday to Friday; Saturday 11:00 UTC the first run: the
    # action is overdue now. One overdue reminder, not the "due today" it missed, nor one per
    # missed day; and nothing more on the days after.
    run_at(session, SUNDAY + timedelta(days=6, hours=11))
    run_at(session, SUNDAY + timedelta(days=6, hours=12))
    for day in (7, 8, 9):
        run_at(session, SUNDAY + timedelta(days=day, hours=9))
    assert [g.split(" ")[0] for g in given(session, scene.lead)] == [
        "action.due_soon",
        "action.overdue",
    ]
    assert "(3 days ago)" in given(session, scene.lead)[-1]


def test_a_kind_turned_off_gives_nothing_and_digests_go_once_at_eight_local(
    session: Session,
) -> None:
    scene = make_scene(session)
    choose(session, user=scene.sponsor, wanted={"action.due_soon": Delivery.OFF})
    choose(session, user=scene.sponsor, wanted={"action.overdue": Delivery.DAILY})
    choose(session, user=scene.lead, wanted={"action.due_soon": Delivery.WEEKLY})
    add_action(session, scene, scene.sponsor, "Soon", date(2027, 3, 9))
    add_action(session, scene, scene.sponsor, "Late one", date(2027, 3, 1))
    add_action(session, scene, scene.sponsor, "Late two", date(2027, 3, 2))
    add_action(session, scene, scene.lead, "Lead's soon", date(2027, 3, 9))

    # Every hour from Sunday 00:00 in New York (05:00 UTC: before 08:00 in Paris too) to Tuesday.
    for hour in range(5, 24 * 2 + 5):
        run_at(session, SUNDAY + timedelta(hours=hour))

    # Off: no record, no inbox entry, no e-mail.
    assert not any("“Soon”" in g for g in given(session, scene.sponsor))
    inbox = session.exec(
        select(Notification.kind).where(Notification.user_id == scene.sponsor.id)
    ).all()
    assert "action.due_soon" not in inbox
    # Daily: no e-mail of their own; one digest with both, at 08:00 in New York on Sunday.
    sponsor_mails = reminder_mails(session, scene.sponsor)
    daily = [m for m in sponsor_mails if m.headers[jobs.NOTICE_HEADER] == "digest.daily"]
    assert len(daily) == 1
    assert daily[0].created_at == SUNDAY + timedelta(hours=13)
    assert "Late one" in daily[0].body_text
    assert "Late two" in daily[0].body_text
    assert not [m for m in sponsor_mails if m.headers[jobs.NOTICE_HEADER] == "action.overdue"]
    # Weekly: kept until Monday 08:00 in Paris (07:00 UTC), with the week's summary.
    lead_mails = reminder_mails(session, scene.lead)
    assert [m.headers[jobs.NOTICE_HEADER] for m in lead_mails] == ["digest.weekly"]
    assert lead_mails[0].created_at == SUNDAY + timedelta(days=1, hours=7)
    assert "Lead's soon" in lead_mails[0].body_text
    # The sponsor's weekly digest (summary only: their open actions) Monday 08:00 New York.
    weekly = [m for m in sponsor_mails if m.headers[jobs.NOTICE_HEADER] == "digest.weekly"]
    assert [m.created_at for m in weekly] == [SUNDAY + timedelta(days=1, hours=13)]


def test_notifications_follow_the_persons_choice(session: Session) -> None:
    scene = make_scene(session)
    choose(session, user=scene.sponsor, wanted={"action.assigned": Delivery.DAILY})
    choose(session, user=scene.mentor, wanted={"action.assigned": Delivery.OFF})
    add_action(session, scene, scene.sponsor, "For the sponsor", None)
    add_action(session, scene, scene.mentor, "For the mentor", None)
    add_action(session, scene, scene.lead, "Own", None)  # the actor is never told
    assert not list(mails_to(session, scene.sponsor))
    assert not list(mails_to(session, scene.mentor))
    # Both are in their inboxes all the same; the sponsor's waits for the digest.
    for person in (scene.sponsor, scene.mentor):
        assert session.exec(select(Notification).where(Notification.user_id == person.id)).all()
    run_at(session, SUNDAY + timedelta(hours=13))
    digest = [
        m
        for m in mails_to(session, scene.sponsor)
        if m.headers[jobs.NOTICE_HEADER] == "digest.daily"
    ]
    assert len(digest) == 1
    assert "For the sponsor" in digest[0].body_text


def test_preferences_default_and_vendor_only_kinds(session: Session) -> None:
    scene = make_scene(session)
    chosen = preferences.chosen(session, user_id=scene.sponsor.id or 0)
    assert chosen["action.due_soon"] == Delivery.IMMEDIATE
    assert chosen[preferences.WEEKLY_SUMMARY] == Delivery.WEEKLY
    client_kinds = {k.name for k in preferences.kinds_for(scene.sponsor)}
    assert "review.due_soon" not in client_kinds
    assert "plan.stale" not in client_kinds
    assert "review.due_soon" in {k.name for k in preferences.kinds_for(scene.lead)}


def test_a_run_costs_the_same_queries_however_many_people_have_nothing_due(
    session: Session, count_queries: QueryCounter
) -> None:
    """No query per person: the people, their claims, their actions, plans, earlier notices,
    choices and digests are each loaded for everyone at once."""
    small = make_scene(session)
    add_action(session, small, small.sponsor, "Due", date(2027, 3, 8))
    session.flush()
    counts = []
    for extra in (0, 12):
        for _ in range(extra):
            make_scene(session)  # three more people each, nothing due
        start = len(count_queries.statements)
        clock.set(SUNDAY + timedelta(days=len(counts), hours=13))  # a new day for everyone
        # Only reads and the claims: the one reminder's writes are the same both times.
        jobs.run(session, now=SUNDAY + timedelta(days=len(counts), hours=13))
        session.flush()
        counts.append(
            sum(
                1
                for s in count_queries.statements[start:]
                if s.lstrip().upper().startswith("SELECT")
            )
        )
    assert counts[0] == counts[1]


# --- Carried actions, the zone a person lives in, whose mail it is --------------------------------


def _roll_over(session: Session, scene: Scene) -> Plan:
    from app.periods import service as periods
    from app.periods.schemas import NextPeriod

    assert scene.plan.id is not None
    rollover = periods.start_next(
        session,
        actor=scene.lead,
        current=scene.plan,
        values=NextPeriod("FY2028", date(2027, 3, 8), date(2028, 3, 7), scene.plan.id, frozenset()),
    )
    session.flush()
    return rollover.plan


def test_an_action_carried_into_the_next_period_is_not_reminded_again(session: Session) -> None:
    scene = make_scene(session)
    original = add_action(session, scene, scene.lead, "Map the lanes", date(2027, 3, 9))
    run_at(session, SUNDAY + timedelta(hours=12))  # 13:00 in Paris: due in 2 days
    assert [g.split(" ")[0] for g in given(session, scene.lead)] == ["action.due_soon"]

    new_plan = _roll_over(session, scene)  # the action is carried over as a copy (a new id)
    _roll_over(session, Scene(scene.account, new_plan, scene.lead, scene.mentor, scene.sponsor))
    run_at(session, SUNDAY + timedelta(days=1, hours=12))  # Monday, due tomorrow
    # The copy of the copy is the same action, due the same day: told once, not three times.
    assert [g.split(" ")[0] for g in given(session, scene.lead)] == ["action.due_soon"]
    run_at(session, SUNDAY + timedelta(days=2, hours=12))  # Tuesday: due today, told once
    kinds = [g.split(" ")[0] for g in given(session, scene.lead)]
    assert kinds == ["action.due_soon", "action.due_today"]
    keys = session.exec(select(Notice.key).where(Notice.user_id == scene.lead.id)).all()
    assert f"action.due_today:{original}:2027-03-09" in keys


def test_reminders_and_digests_name_the_workspace_the_mail_is_of(session: Session) -> None:
    scene = make_scene(session)
    add_action(session, scene, scene.lead, "Map the lanes", date(2027, 3, 9))
    choose(session, user=scene.sponsor, wanted={"action.due_soon": Delivery.DAILY})
    add_action(session, scene, scene.sponsor, "Sign the brief", date(2027, 3, 9))
    run_at(session, SUNDAY + timedelta(hours=14))
    [reminder] = reminder_mails(session, scene.lead)
    assert reminder.workspace_id == scene.account.workspace_id  # as every other notice e-mail
    [digest] = reminder_mails(session, scene.sponsor)
    assert digest.unsubscribe.startswith(preferences.DAILY_DIGEST)
    assert digest.workspace_id is None  # a client person's digest spans workspaces


def test_a_client_person_gets_reminders_in_the_zone_every_page_gives_them(
    session: Session,
) -> None:
    """A client person with no zone of their own lives in the zone of the workspace of the
    account they joined first (``users_repo.home_zone``), not the account made first."""
    scene = make_scene(session)
    sponsor = scene.sponsor
    sponsor.time_zone = ""
    session.add(sponsor)
    tokyo = factories.make_workspace(session)
    tokyo.time_zone = "Asia/Tokyo"
    tokyo_admin = factories.make_user(session, workspace=tokyo, admin=True, password=None)
    later = factories.make_account(session, admin=tokyo_admin)  # made after the Paris account
    joined_first = factories.add_member(
        session, account=later, user=sponsor, role=Role.SPONSOR, by=tokyo_admin
    )
    paris_membership = session.exec(
        select(Membership)
        .where(Membership.user_id == sponsor.id)
        .where(Membership.account_id == scene.account.id)
    ).one()
    paris_membership.created_at = joined_first.created_at + timedelta(days=1)
    session.add(paris_membership)
    session.flush()
    add_action(session, scene, sponsor, "Sign the brief", date(2027, 3, 9))
    # 23:00 UTC on Saturday is 08:00 on Sunday in Tokyo, and midnight in Paris.
    run_at(session, SUNDAY - timedelta(hours=1))
    assert [g.split(" ")[0] for g in given(session, sponsor)] == ["action.due_soon"]


def test_the_review_reminder_counts_from_the_first_day_of_the_period(session: Session) -> None:
    scene = make_scene(session, at=SUNDAY - timedelta(days=10))
    scene.plan.starts_on = date(2026, 12, 20)  # the period began before the plan was made
    session.add(scene.plan)
    run_at(session, SUNDAY + timedelta(hours=12))
    # Due on 20 March 2027: 13 days ahead, not 3 months after the day the plan was made.
    assert "is due on 20 Mar 2027" in given(session, scene.lead)[0]


def test_the_scheduler_starts_on_its_own_switch_not_with_the_mail_dispatcher(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance that sends no mail (``run_mailer=False``) still runs the reminders' jobs;
    the scheduler queues their mail for whichever instance's dispatcher sends it."""
    from app.main import create_app
    from tests.testclient import TestClient

    hourly = settings.model_copy(update={"scheduler_seconds": 3600})
    for run_scheduler, starts in ((True, 1), (False, 0)):
        app = create_app(hourly, db, run_mailer=False, run_scheduler=run_scheduler)
        started: list[bool] = []
        monkeypatch.setattr(app.state.scheduler, "start", lambda s=started: s.append(True))
        with TestClient(app):
            pass
        assert len(started) == starts
    off = create_app(settings.model_copy(update={"scheduler_seconds": 0}), db, run_mailer=False)
    monkeypatch.setattr(off.state.scheduler, "start", lambda: pytest.fail("started"))
    with TestClient(off):
        pass
