"""The joint review with the client (issue 11 §3, DESIGN.md §3.8): scheduling with a calendar
invitation (the .ics read back with a calendar library), moving it (same UID, SEQUENCE + 1),
cancelling it, the shared minutes (decisions with stale-edit refusal, new actions, the client's
new rating stamped with the review, its priorities confirmed or re-ranked), closing it (minutes
frozen, the next review due a cadence after), and the vendor's internal record linked to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session, col, select

from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.jointreviews import service
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.kit import numbers
from app.kit.clock import clock
from app.kit.dates import add_months
from app.models import (
    Action,
    AuditEvent,
    Delivery,
    JointReview,
    JointReviewStatus,
    OutboxMessage,
    Plan,
    Priority,
    Review,
    ReviewDecision,
    ValueRating,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

POST = {"X-CSRF-Token": CSRF}
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ZONE = "America/New_York"


@pytest.fixture(autouse=True)
def _fixed_time() -> None:
    clock.set(NOW)  # put back after each test by conftest's ``_clock_back``


def plan_of(session: Session, world: World) -> Plan:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def base(world: World) -> str:
    return f"/accounts/{world.account.id}/joint-reviews"


def schedule_form(world: World, *, on: str = "2027-03-04", at: str = "10:00") -> dict[str, object]:
    people = ("lead", "sponsor", "member")
    return {
        "on": on,
        "at": at,
        "time_zone": ZONE,
        "duration": "90",
        "attendees": [str(world.members[r].id) for r in people],
    }


def scheduled(session: Session, world: World) -> JointReview:
    """A review scheduled by the lead on 4 March 2027, 10:00 New York time."""
    review = service.schedule(
        session,
        actor=world.members["lead"],
        account=world.account,
        plan=plan_of(session, world),
        checked=CheckedSchedule(
            CheckedTime(datetime(2027, 3, 4, 10, 0, tzinfo=ZoneInfo(ZONE)), ZONE, 90),
            tuple(world.members[r].id for r in ("lead", "sponsor", "member")),  # type: ignore[misc]
        ),
    )
    session.commit()
    return review


def invitations(session: Session, review: JointReview) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.calendar != "")
            .where(col(OutboxMessage.account_id) == review.account_id)
            .order_by(col(OutboxMessage.id))
        ).all()
    )


def event_of(ics: str) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


# --- Scheduling and the invitation ---------------------------------------------------------------


def test_the_lead_schedules_a_review_and_every_attendee_gets_a_calendar_invitation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(base(world), data=schedule_form(world), headers=POST)
    assert response.status_code == 303, response.text
    review = session.exec(select(JointReview)).one()
    assert response.headers["location"] == f"{base(world)}/{review.id}"
    assert review.starts_at == datetime(2027, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York
    assert review.sequence == 0
    assert review.status == JointReviewStatus.SCHEDULED

    mails = invitations(session, review)
    assert sorted(m.to_address for m in mails) == sorted(
        world.members[r].email for r in ("lead", "sponsor", "member")
    )
    assert all(m.subject.startswith("Invitation: joint review of Own account") for m in mails)
    calendar, event = event_of(mails[0].calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == review.uid  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    start = event.decoded("DTSTART")  # type: ignore[attr-defined]
    assert event["DTSTART"].params["TZID"] == ZONE  # type: ignore[index]
    assert (start.hour, start.minute, start.tzinfo.key) == (10, 0, ZONE)
    assert event.decoded("DTEND") - start == timedelta(minutes=90)  # type: ignore[attr-defined]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [ZONE]
    assert str(event["ORGANIZER"]) == f"mailto:{world.members['lead'].email}"  # type: ignore[index]
    attendees = {str(a) for a in event["ATTENDEE"]}  # type: ignore[index]
    assert attendees == {f"mailto:{world.members[r].email}" for r in ("lead", "sponsor", "member")}
    events = session.exec(
        select(AuditEvent).where(AuditEvent.verb == "joint_review.scheduled")
    ).all()
    assert [e.visibility for e in events] == ["shared"]


def test_a_time_that_has_passed_or_an_unknown_zone_is_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    form = schedule_form(world, on="2027-02-28") | {"time_zone": "Mars/Olympus"}
    response = client.post(base(world), data=form, headers=POST)
    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.text
    assert 'value="Mars/Olympus"' in response.text
    assert session.exec(select(JointReview)).all() == []
    form = schedule_form(world, on="2027-02-28")
    response = client.post(base(world), data=form, headers=POST)
    assert response.status_code == 422
    assert "this one has passed" in response.text


def test_the_agenda_starts_from_the_clients_goals_and_priorities_and_shows_no_draft(
    session: Session, world: World
) -> None:
    plan = plan_of(session, world)
    sponsor = world.members["sponsor"]
    strategy.create(
        session, actor=sponsor, plan=plan, values=StrategyValues(kind="goal", text="Grow in Spain")
    )
    priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title="Cut costs"))
    initiatives.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=InitiativeValues(title="Secret draft idea"),
    )
    review = scheduled(session, world)
    headings = [part["heading"] for part in review.agenda]
    assert headings == [
        "The client's goals and priorities",
        "Progress on initiatives and actions",
        "The client's value rating",
    ]
    assert review.agenda[0]["items"][:2] == ["Goal: Grow in Spain", "Priority 1: Cut costs"]
    assert "Secret draft idea" not in str(review.agenda)
    assert "Secret draft idea" not in invitations(session, review)[0].calendar


# --- Moving and cancelling -----------------------------------------------------------------------


def test_moving_keeps_the_uid_and_bumps_the_sequence(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["lead"])
    form = {"on": "2027-03-05", "at": "14:30", "time_zone": "Europe/Paris", "duration": "60"}
    response = client.post(
        f"{base(world)}/{review.id}/move", data=form | {"version": "1"}, headers=POST
    )
    assert response.status_code == 303, response.text
    session.refresh(review)
    assert review.sequence == 1
    assert review.version == 2
    updates = [m for m in invitations(session, review) if m.subject.startswith("New time")]
    assert len(updates) == 3
    calendar, event = event_of(updates[0].calendar)
    assert str(event["UID"]) == review.uid
    assert int(event["SEQUENCE"]) == 1
    assert str(calendar["METHOD"]) == "REQUEST"
    start = event.decoded("DTSTART")  # type: ignore[attr-defined]
    assert (start.hour, start.minute, start.tzinfo.key) == (14, 30, "Europe/Paris")

    # The same form again, based on the old version: someone moved it meanwhile.
    form["at"] = "16:00"
    response = client.post(
        f"{base(world)}/{review.id}/move", data=form | {"version": "1"}, headers=POST
    )
    assert response.status_code == 409
    assert f"{world.members['lead'].email} changed this review meanwhile" in response.text
    assert 'value="16:00"' in response.text


def test_cancelling_sends_a_cancel_with_the_same_uid(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["lead"])
    response = client.post(
        f"{base(world)}/{review.id}/cancel", data={**CONFIRMATION, "version": "1"}, headers=POST
    )
    assert response.status_code == 303
    session.refresh(review)
    assert review.status == JointReviewStatus.CANCELLED
    assert review.sequence == 1
    cancels = [m for m in invitations(session, review) if m.subject.startswith("Cancelled")]
    assert len(cancels) == 3
    calendar, event = event_of(cancels[0].calendar)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == review.uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"  # type: ignore[index]
    # Nothing more happens in a cancelled review.
    response = client.post(
        f"{base(world)}/{review.id}/decisions",
        data={**CONFIRMATION, "text": "Too late"},
        headers=POST,
    )
    assert response.status_code == 409
    assert "This review was cancelled" in response.text


def test_the_calendar_file_is_downloaded_by_any_member(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["viewer"])
    response = client.get(f"{base(world)}/{review.id}/invite.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    _, event = event_of(response.text)
    assert str(event["UID"]) == review.uid  # type: ignore[index]
    assert event["DTSTART"].params["TZID"] == ZONE  # type: ignore[index]


# --- The shared minutes --------------------------------------------------------------------------


def test_the_client_re_rates_in_the_review_and_the_rating_is_stamped_with_it(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["sponsor"])
    dims = list(world.workspace.value_dimensions)
    page = client.get(f"{base(world)}/{review.id}").text
    assert 'name="future_overall"' in page  # the plan's rating form, the future with it
    form = {
        "overall": "8",
        "dimension": dims,
        "score": ["9"] + [""] * (len(dims) - 1),
        "future_overall": "9",
        "future_score": ["10"] + [""] * (len(dims) - 1),
    }
    response = client.post(f"{base(world)}/{review.id}/rating", data=form, headers=HTMX)
    assert response.status_code == 200
    assert "8 out of 10" in response.text
    assert "rated in this review" in response.text
    assert "who expects <strong>9 out of 10</strong> in the future" in response.text
    rating = session.exec(select(ValueRating)).one()
    assert rating.joint_review_id == review.id
    assert (rating.overall, rating.future_overall, rating.future_scores) == (8, 9, {dims[0]: 10})
    sign_in(client, session, world.members["viewer"])
    assert (
        client.post(f"{base(world)}/{review.id}/rating", data=form, headers=POST).status_code == 403
    )


def test_the_client_confirms_or_re_ranks_its_priorities_in_the_review(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plan_of(session, world)
    made = [
        priorities.create(
            session, actor=world.members["sponsor"], plan=plan, values=PriorityValues(title=t)
        )
        for t in ("First", "Second", "Third")
    ]
    review = scheduled(session, world)
    sign_in(client, session, world.members["member"])
    form = {"ids": [str(p.id) for p in made], "position": ["3", "1", "2"]}
    response = client.post(f"{base(world)}/{review.id}/priorities", data=form, headers=HTMX)
    assert response.status_code == 200, response.text
    assert "Saved the new ranking" in response.text
    session.expire_all()
    assert review.ranking == ["Second", "Third", "First"]
    ranks = {p.title: p.rank for p in session.exec(select(Priority)).all()}
    assert ranks == {"Second": 1, "Third": 2, "First": 3}
    form = {"ids": [str(p.id) for p in made], "position": [str(ranks[p.title]) for p in made]}
    response = client.post(f"{base(world)}/{review.id}/priorities", data=form, headers=HTMX)
    assert "Confirmed your priorities as ranked" in response.text
    verbs = session.exec(
        select(AuditEvent.verb).where(col(AuditEvent.verb).startswith("joint_review.priorities"))
    ).all()
    assert verbs == ["joint_review.priorities_reranked", "joint_review.priorities_confirmed"]


def test_decisions_and_actions_are_recorded_by_both_sides_and_a_stale_edit_names_who(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["member"])
    path = f"{base(world)}/{review.id}"
    assert (
        client.post(f"{path}/decisions", data={"text": "Pilot in Spain"}, headers=POST).status_code
        == 303
    )
    decision = session.exec(select(ReviewDecision)).one()
    response = client.post(
        f"{path}/actions",
        data={"title": "Draft the pilot plan", "owner_id": str(world.members["team"].id)},
        headers=POST,
    )
    assert response.status_code == 303
    action = session.exec(select(Action)).one()
    assert action.joint_review_id == review.id
    assert action.plan_id == review.plan_id

    sign_in(client, session, world.members["lead"])
    edit = {"text": "Pilot in Spain and Portugal", "version": "1"}
    assert (
        client.post(f"{path}/decisions/{decision.id}", data=edit, headers=POST).status_code == 303
    )
    sign_in(client, session, world.members["member"])
    mine = {"text": "Pilot in Spain, from May", "version": "1"}
    response = client.post(f"{path}/decisions/{decision.id}", data=mine, headers=HTMX)
    assert response.status_code == 409
    assert f"{world.members['lead'].email} changed this decision meanwhile" in response.text
    assert 'value="Pilot in Spain, from May"' in response.text
    session.refresh(decision)
    assert decision.text == "Pilot in Spain and Portugal"
    assert decision.version == 2


# --- Closing -------------------------------------------------------------------------------------


def test_closing_freezes_the_minutes_and_the_next_review_follows_the_cadence(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    service.add_decision(session, actor=world.members["sponsor"], review=review, text="Go ahead")
    session.commit()
    sign_in(client, session, world.members["lead"])
    path = f"{base(world)}/{review.id}"
    early = client.post(f"{path}/close", data={**CONFIRMATION, "version": "1"}, headers=POST)
    assert early.status_code == 409
    assert "close it once it has been held" in early.text

    clock.advance(timedelta(days=3, hours=8))  # 4 March, 17:00 UTC: the meeting has begun
    sign_in(client, session, world.members["lead"])
    assert (
        client.post(
            f"{path}/close", data={**CONFIRMATION, "version": "1"}, headers=POST
        ).status_code
        == 303
    )
    session.refresh(review)
    assert review.status == JointReviewStatus.CLOSED
    assert review.held_on == date(2027, 3, 4)
    assert [d["text"] for d in review.minutes["decisions"]] == ["Go ahead"]

    decision = session.exec(select(ReviewDecision)).one()
    sign_in(client, session, world.members["sponsor"])
    refused = client.post(
        f"{path}/decisions/{decision.id}",
        data={**CONFIRMATION, "text": "Changed", "version": "1"},
        headers=HTMX,
    )
    assert refused.status_code == 409
    assert "its minutes are frozen" in refused.text
    refused = client.post(
        f"{path}/decisions", data={**CONFIRMATION, "text": "One more"}, headers=HTMX
    )
    assert refused.status_code == 409
    page = client.get(path)
    assert page.status_code == 200
    assert "Go ahead" in page.text
    assert "frozen" in page.text
    assert 'action="' + f"{path}/decisions" not in page.text  # no forms on frozen minutes

    listing = client.get(base(world))
    due = add_months(date(2027, 3, 4), plan_of(session, world).review_cadence_months)
    assert f"Due on <strong>{numbers.date(due)}</strong>" in listing.text
    assert "Review of 4 Mar 2027" in listing.text


def test_the_internal_record_points_at_the_joint_review_and_never_shows_to_the_client(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    clock.advance(timedelta(days=4))
    service.close(session, actor=world.members["lead"], review=review, expected_version=1)
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    assert (
        client.post(
            f"/accounts/{world.account.id}/reviews/from-joint/{review.id}", headers=POST
        ).status_code
        == 403
    )
    sign_in(client, session, world.members["lead"])
    response = client.post(
        f"/accounts/{world.account.id}/reviews/from-joint/{review.id}", headers=POST
    )
    assert response.status_code == 303
    record = session.exec(select(Review)).one()
    assert record.joint_review_id == review.id
    assert record.held_on == date(2027, 3, 4)
    again = client.post(
        f"/accounts/{world.account.id}/reviews/from-joint/{review.id}", headers=POST
    )
    assert again.status_code == 409
    assert f"reviews#review-{record.id}" in client.get(f"{base(world)}/{review.id}").text
    sign_in(client, session, world.members["sponsor"])
    page = client.get(f"{base(world)}/{review.id}").text
    assert f"review-{record.id}" not in page
    assert "internal" not in page.lower()


def test_the_review_page_runs_a_fixed_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    review = scheduled(session, world)
    sign_in(client, session, world.members["sponsor"])
    path = f"{base(world)}/{review.id}"
    client.get(path)
    before = count_queries.count
    client.get(path)
    few = count_queries.count - before
    for i in range(5):
        service.add_decision(session, actor=world.members["member"], review=review, text=f"D{i}")
    session.commit()
    before = count_queries.count
    client.get(path)
    assert count_queries.count - before == few


# --- Points found in review: unsubscribe, the lead's day, stale removal, the due day --------------


def test_every_invitation_carries_the_one_click_unsubscribe_of_its_kind(
    client: TestClient, session: Session, world: World
) -> None:
    from app.mail.unsubscribe import NOTICE_HEADER
    from app.notifications import preferences
    from app.notifications.service import choose

    sponsor = world.members["sponsor"]
    choose(session, user=sponsor, wanted={preferences.JOINT_REVIEW_INVITED: Delivery.OFF})
    session.commit()
    review = scheduled(session, world)
    mails = invitations(session, review)
    kind = preferences.JOINT_REVIEW_INVITED
    assert preferences.is_unsubscribable(kind)
    assert {m.unsubscribe for m in mails} == {
        f"{kind} {world.members[r].id}" for r in ("lead", "member")
    }  # the sponsor turned them off
    assert all(m.headers[NOTICE_HEADER] == kind for m in mails)
    assert preferences.BY_NAME[kind].choices == (Delivery.IMMEDIATE, Delivery.OFF)


def test_the_agenda_counts_overdue_actions_as_of_the_leads_own_day(
    client: TestClient, session: Session, world: World
) -> None:
    from app.actions import service as actions
    from app.actions.schemas import CheckedAction

    clock.set(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))  # 1 March in UTC, 28 February in New York
    lead = world.members["lead"]
    lead.time_zone = ZONE
    session.add(lead)
    actions.create(
        session,
        actor=lead,
        plan=plan_of(session, world),
        checked=CheckedAction("Due in New York today", "", None, date(2027, 2, 28), "not_started"),
    )
    session.commit()
    sign_in(client, session, lead)
    response = client.post(base(world), data=schedule_form(world), headers=POST)
    assert response.status_code == 303, response.text
    review = session.exec(select(JointReview)).one()
    [progress] = [part for part in review.agenda if part["heading"].startswith("Progress")]
    assert "1 open (0 overdue)" in " ".join(progress["items"])


def test_removing_a_decision_refuses_a_stale_version(
    client: TestClient, session: Session, world: World
) -> None:
    review = scheduled(session, world)
    decision = service.add_decision(
        session, actor=world.members["sponsor"], review=review, text="Go ahead"
    )
    session.commit()
    path = f"{base(world)}/{review.id}/decisions/{decision.id}"
    sign_in(client, session, world.members["lead"])
    edit = {"text": "Go ahead in May", "version": "1"}
    assert client.post(path, data={**CONFIRMATION, **edit}, headers=POST).status_code == 303
    sign_in(client, session, world.members["member"])  # still reading the first text
    refused = client.post(f"{path}/remove", data={**CONFIRMATION, "version": "1"}, headers=HTMX)
    assert refused.status_code == 409
    assert f"{world.members['lead'].email} changed this decision meanwhile" in refused.text
    session.refresh(decision)
    assert decision.removed_at is None
    page = client.get(f"{base(world)}/{review.id}")
    assert 'name="version" value="2"' in page.text  # the remove form sends the version it shows
    assert (
        client.post(
            f"{path}/remove", data={**CONFIRMATION, "version": "2"}, headers=POST
        ).status_code
        == 303
    )
    session.refresh(decision)
    assert decision.removed_at is not None


def test_the_next_review_is_due_a_cadence_after_the_first_day_of_the_period(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plan_of(session, world)
    plan.starts_on = date(2027, 1, 10)  # the plan was made later, on 1 March
    session.add(plan)
    session.commit()
    sign_in(client, session, world.members["lead"])
    listing = client.get(base(world))
    due = add_months(date(2027, 1, 10), plan.review_cadence_months)
    assert f"Due on <strong>{numbers.date(due)}</strong>" in listing.text


def test_reviews_schedule_does_not_re_export_the_date_math() -> None:
    from app.kit import dates
    from app.reviews import schedule

    assert not hasattr(schedule, "next_review_on")
    assert not hasattr(schedule, "add_months")
    assert dates.next_review_on.__module__ == "app.kit.dates"
