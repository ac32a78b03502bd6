"""Plan reviews (DESIGN.md §3.8): the cadence and when the next review is due, recording a review
with the client's rating and the perception gap frozen at that date, the mentor's comments and
sign-off, requests to the mentor, and the mentor's queue. All internal to the vendor side."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from app.accounts import service as accounts
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.kit import numbers
from app.kit.dates import add_months, next_review_on
from app.models import (
    Account,
    AuditEvent,
    Initiative,
    MentorRequest,
    Notification,
    OutboxMessage,
    PerceivedRating,
    Plan,
    Review,
    Role,
    ValueRating,
    utcnow,
)
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.reviews import chart, service
from app.reviews.schedule import ReviewState, review_state
from app.reviews.schemas import CheckedReview
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
POST = {"X-CSRF-Token": CSRF}
MARKER = "zq-review-marker-51c"
CLIENT_ROLES = ("sponsor", "member", "viewer")


def url(world: World, tail: str = "", account: Account | None = None) -> str:
    return f"/accounts/{(account or world.account).id}{tail}"


def today() -> date:
    return utcnow().date()


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def plan_of(session: Session, account: Account) -> Plan:
    plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def began(session: Session, account: Account, days_ago: int) -> Plan:
    """Make the account's plan begin ``days_ago`` days ago."""
    plan = plan_of(session, account)
    plan.created_at = noon(today() - timedelta(days=days_ago))
    session.add(plan)
    session.commit()
    return plan


def client_rating(
    session: Session, world: World, overall: int, on: date, scores: dict[str, int] | None = None
) -> ValueRating:
    plan = plan_of(session, world.account)
    rating = ValueRating(
        account_id=plan.account_id,
        plan_id=plan.id,  # type: ignore[arg-type]
        overall=overall,
        scores=scores or {},
        rated_by_id=world.members["sponsor"].id,
        rated_at=noon(on),
    )
    session.add(rating)
    session.commit()
    return rating


def believed_rating(
    session: Session, world: World, overall: int, on: date, scores: dict[str, int] | None = None
) -> PerceivedRating:
    plan = plan_of(session, world.account)
    rating = PerceivedRating(
        account_id=plan.account_id,
        plan_id=plan.id,  # type: ignore[arg-type]
        overall=overall,
        scores=scores or {},
        recorded_by_id=world.members["lead"].id,
        recorded_at=noon(on),
    )
    session.add(rating)
    session.commit()
    return rating


def held(
    session: Session,
    world: World,
    on: date | None = None,
    *,
    participants: str = "Ana (sponsor), Tom (lead)",
    what_changed: str = "Agreed the Spanish pilot",
    account: Account | None = None,
) -> Review:
    account = account or world.account
    review = service.record(
        session,
        actor=world.members["lead"] if account is world.account else world.admin,
        account=account,
        plan=plan_of(session, account),
        checked=CheckedReview(on or today(), participants, what_changed),
        dimensions=list(world.workspace.value_dimensions),
    )
    session.commit()
    return review


def ask(session: Session, world: World, note: str = "Please look at the plan") -> MentorRequest:
    made = service.ask(
        session,
        actor=world.members["team"],
        account=world.account,
        plan=plan_of(session, world.account),
        initiative=None,
        note=note,
    )
    session.commit()
    return made


def events(session: Session, prefix: str = "") -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith(prefix or "review."))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def reload(session: Session, row: Review | MentorRequest) -> Review | MentorRequest:
    session.expire_all()
    found = session.get(type(row), row.id)
    assert found is not None
    return found


# --- The schedule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the year, into a short month
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 2, 28), 12, date(2027, 2, 28)),
        (date(2027, 2, 28), 12, date(2028, 2, 28)),  # not the 29th: the 28th was the day
    ],
)
def test_months_are_added_by_the_calendar(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_the_next_review_counts_from_the_last_review_or_the_start() -> None:
    plan = Plan(account_id=1, period="2026", starts_on=date(2026, 1, 31))
    assert next_review_on(plan, last_held_on=None, zone=ZoneInfo("UTC")) == date(2026, 4, 30)
    assert next_review_on(plan, last_held_on=date(2026, 5, 20), zone=ZoneInfo("UTC")) == date(
        2026, 8, 20
    )


def test_due_and_overdue_boundaries() -> None:
    now = date(2026, 6, 15)
    assert review_state(now - timedelta(days=1), now) is ReviewState.OVERDUE
    assert review_state(now, now) is ReviewState.DUE
    assert review_state(now + timedelta(days=14), now) is ReviewState.DUE
    assert review_state(now + timedelta(days=15), now) is ReviewState.SCHEDULED
    plan = Plan(account_id=1, period="FY", created_at=noon(date(2026, 1, 31)))
    overdue = service.schedule_of(plan, last_held_on=None, today=date(2026, 5, 2))
    assert overdue.next_on == date(2026, 4, 30)
    assert (overdue.state, overdue.days, overdue.summary) == (
        ReviewState.OVERDUE,
        -2,
        "Overdue by 2 days",
    )
    assert service.schedule_of(plan, last_held_on=None, today=date(2026, 5, 1)).summary == (
        "Overdue by 1 day"
    )
    assert service.schedule_of(plan, last_held_on=None, today=date(2026, 4, 30)).summary == (
        "Due today"
    )
    assert service.schedule_of(plan, last_held_on=None, today=date(2026, 4, 16)).summary == (
        "Due in 14 days"
    )
    later = service.schedule_of(plan, last_held_on=None, today=date(2026, 4, 15))
    assert (later.state, later.summary) == (ReviewState.SCHEDULED, "In 15 days")


# --- The page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "admin"])
def test_the_vendor_side_reads_the_page(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    held(session, world, participants=f"{MARKER} people")
    ask(session, world)
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    page = client.get(url(world, "/reviews"))
    assert page.status_code == 200
    assert MARKER in page.text
    assert 'aria-current="page">Reviews</a>' in page.text
    writes = role in ("lead", "admin")
    assert ("Record the review" in page.text) is writes
    assert ("Change the cadence" in page.text) is writes
    assert ("/reviews/cadence" in page.text) is writes
    assert ("/sign-off" in page.text) is (role == "mentor")
    assert ("/answer" in page.text) is (role == "mentor")
    assert ("Ask the mentor" in page.text) is (role != "mentor")
    assert 'href="/reviews"' in page.text  # the queue, in the main navigation


def test_an_overdue_review_stands_out(client: TestClient, session: Session, world: World) -> None:
    plan = began(session, world.account, 100)
    due = add_months(plan.created_at.date(), 3)
    late = (today() - due).days
    assert late > 0
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/reviews")).text
    assert "review-due-overdue" in page
    assert f"Overdue by {late} day" in page
    assert "Overdue</span>" in page
    assert f"{numbers.date(due)}" in page
    assert "the day the plan began" in page


def test_a_review_soon_is_due_and_a_fresh_plan_is_scheduled(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/reviews")).text
    assert "review-due-scheduled" in page
    assert "Scheduled</span>" in page
    began(session, world.account, 85)
    page = client.get(url(world, "/reviews")).text
    assert "review-due-due" in page
    assert "Due soon</span>" in page


def test_the_cadence_is_its_own_version(client: TestClient, session: Session, world: World) -> None:
    """The form carries the cadence it showed: a change of the cadence meanwhile is refused,
    naming who made it; other changes of the plan (the client approving it) are not."""
    sign_in(client, session, world.members["lead"])
    for bad in ("13", "0", "abc", "²", ""):
        response = client.post(
            url(world, "/reviews/cadence"), data={"months": bad, "based_on": "3"}, headers=HTMX
        )
        assert response.status_code == 422, bad
        assert "Choose every 1 to 12 months." in response.text
    response = client.post(
        url(world, "/reviews/cadence"),
        data={"months": "6", "based_on": "3", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/reviews#schedule")
    session.expire_all()
    assert plan_of(session, world.account).review_cadence_months == 6
    (event,) = events(session, "review.cadence")
    assert event.visibility == "internal"
    assert event.changes == {"review_cadence_months": [3, 6]}

    # The client sponsor's approval changes the plan's version, not its cadence.
    plan = plan_of(session, world.account)
    plan.version += 1
    session.add(plan)
    session.commit()
    sign_in(client, session, world.admin)
    stale = client.post(
        url(world, "/reviews/cadence"), data={"months": "1", "based_on": "3"}, headers=HTMX
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed the cadence meanwhile" in stale.text
    assert '<option value="1" selected>' in stale.text  # the choice is kept
    assert 'name="based_on" value="6"' in stale.text  # saving again replaces it on purpose
    session.expire_all()
    assert plan_of(session, world.account).review_cadence_months == 6
    again = client.post(
        url(world, "/reviews/cadence"), data={"months": "1", "based_on": "6"}, headers=HTMX
    )
    assert again.status_code == 200
    assert "now reviewed every 1 month" in again.text


@pytest.mark.parametrize("role", ["team", "mentor"])
def test_only_leads_and_admins_write_reviews(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    review = held(session, world)
    sign_in(client, session, world.members[role])
    data = {"held_on": today().isoformat(), "participants": "x", "what_changed": "y"}
    assert client.post(url(world, "/reviews"), data=data, headers=HTMX).status_code == 403
    assert (
        client.post(url(world, "/reviews/cadence"), data={"months": "2"}, headers=HTMX).status_code
        == 403
    )
    assert client.get(url(world, f"/reviews/{review.id}/edit")).status_code == 403
    assert (
        client.post(url(world, f"/reviews/{review.id}"), data=data, headers=HTMX).status_code == 403
    )


# --- Recording -----------------------------------------------------------------------------------


def test_recording_chooses_the_clients_rating_by_the_date_of_the_review(
    client: TestClient, session: Session, world: World
) -> None:
    began(session, world.account, 60)
    early = client_rating(session, world, 4, today() - timedelta(days=50))
    middle = client_rating(session, world, 6, today() - timedelta(days=20))
    client_rating(session, world, 9, today() - timedelta(days=1))
    sign_in(client, session, world.members["lead"])

    def record(days_ago: int) -> Review:
        response = client.post(
            url(world, "/reviews"),
            data={
                "held_on": (today() - timedelta(days=days_ago)).isoformat(),
                "participants": f"Review {days_ago}",
                "what_changed": "Things moved",
                "csrf_token": CSRF,
            },
        )
        assert response.status_code == 303
        session.expire_all()
        return session.exec(select(Review).where(Review.participants == f"Review {days_ago}")).one()

    assert record(21).rating_id == early.id  # the day before the middle rating
    assert record(20).rating_id == middle.id  # rated that very day counts
    assert record(15).rating_id == middle.id  # nothing new since: the same rating
    page = client.get(url(world, "/reviews")).text
    history = page.split('id="history"')[1]
    assert "not re-rated since the previous review" in history
    assert "up 2" in history  # 4 -> 6
    assert "the first review" in history
    # The last review was 15 days ago; the client rated again since: the form says so.
    assert "is recorded with the review" in page


def test_without_a_rating_the_review_records_none_and_the_lead_is_prompted(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/reviews")).text
    assert "The client has not rated the relationship yet." in page
    response = client.post(
        url(world, "/reviews"),
        data={"held_on": today().isoformat(), "participants": "Us", "what_changed": "Little"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "The client had not rated the relationship by then" in response.text
    assert "None: the client had not rated the relationship by then." in response.text
    session.expire_all()
    (review,) = session.exec(select(Review)).all()
    assert review.rating_id is None
    assert review.gap["stated_overall"] is None
    # A rating from before the review, and nothing since: the next one is prompted to ask.
    began(session, world.account, 30)
    client_rating(session, world, 7, today() - timedelta(days=10))
    review.held_on = today() - timedelta(days=5)
    session.add(review)
    session.commit()
    page = client.get(url(world, "/reviews")).text
    assert "The client has not re-rated since the last review" in page


def test_the_gap_is_frozen_when_the_review_is_recorded(
    client: TestClient, session: Session, world: World
) -> None:
    """A hand-built plan: the client ranks A, B, C; the vendor believes B first, a pet theory
    second and A third; a suggestion was rejected; the ratings differ."""
    plan = plan_of(session, world.account)
    sponsor, lead = world.members["sponsor"], world.members["lead"]
    a, b, _c = (
        priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title=title))
        for title in ("A", "B", "C")
    )
    for title, linked in (("Our B", b.id), ("Pet theory", None), ("Our A", a.id)):
        perception.add_belief(
            session, actor=lead, plan=plan, values=BeliefValues(title=title, priority_id=linked)
        )
    suggestion = priorities.suggest(
        session, actor=lead, plan=plan, values=PriorityValues(title="S")
    )
    priorities.reject(
        session, actor=sponsor, suggestion=suggestion, reason="No", expected_version=1
    )
    dims = list(world.workspace.value_dimensions)
    believed_rating(session, world, 8, today(), {dims[0]: 9})
    believed_rating(session, world, 2, today() + timedelta(days=1))  # after the review: ignored
    client_rating(session, world, 5, today(), {dims[0]: 6, dims[1]: 7})
    sign_in(client, session, lead)
    response = client.post(
        url(world, "/reviews"),
        data={"held_on": today().isoformat(), "participants": "Both", "what_changed": "Much"},
        headers=HTMX,
    )
    assert response.status_code == 200
    session.expire_all()
    (review,) = session.exec(select(Review)).all()
    assert review.gap == {
        "believed_overall": 8,
        "stated_overall": 5,
        "missed_count": 1,
        "missed_titles": ["C"],
        "rejected_count": 1,
        "unmatched_count": 1,
        "matched_count": 2,
        "rank_differences": 2,
        "beliefs_count": 3,
        "dimensions": [
            {"name": dims[0], "believed": 9, "stated": 6, "difference": 3},
            {"name": dims[1], "believed": None, "stated": 7, "difference": None},
        ],
    }
    (event,) = events(session, "review.recorded")
    assert event.visibility == "internal"
    assert event.changes["gap"][1] == review.gap
    # Later changes to the plan do not rewrite the review.
    priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues(title="D"))
    session.commit()
    history = client.get(url(world, "/reviews")).text.split('id="history"')[1]
    assert "you believed 3 higher" in history
    assert "Priorities you missed: <strong>1</strong> (“C”)" in history
    assert "Ranked differently: <strong>2</strong> of 2 priorities" in history


def test_bad_input_keeps_the_text(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    tomorrow = (today() + timedelta(days=1)).isoformat()
    before = (today() - timedelta(days=1)).isoformat()  # the plan began today
    for held_on, participants, what, message in (
        (tomorrow, "P", "W", "cannot be later than today"),
        (before, "P", "W", "a review of it cannot be earlier"),
        ("2026-02-30", "P", "W", "This is not a date in the calendar."),
        ("yesterday", "P", "W", "Enter the date as year-month-day"),
        ("", "P", "W", "Enter the date of the review"),
        (today().isoformat(), "", "W", "Enter who took part."),
        (today().isoformat(), "P", "", "Enter what changed since the last review."),
        (today().isoformat(), "P" * 1001, "W", "Keep who took part under 1000 characters."),
        (today().isoformat(), "P", "W" * 8001, "under 8000 characters"),
    ):
        for headers in (HTMX, POST):
            response = client.post(
                url(world, "/reviews"),
                data={
                    "held_on": held_on,
                    "participants": participants + " typed-participants",
                    "what_changed": what + " typed-what",
                }
                if participants and what
                else {"held_on": held_on, "participants": participants, "what_changed": what},
                headers=headers,
            )
            assert response.status_code == 422, (held_on, message)
            assert message in response.text, message
            if participants and what:
                assert "typed-participants" in response.text
                assert "typed-what" in response.text
    session.expire_all()
    assert session.exec(select(Review)).all() == []


# --- Editing, stale edits, the lock --------------------------------------------------------------


def test_editing_a_review_refuses_a_stale_version_naming_who_and_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    began(session, world.account, 40)
    old = client_rating(session, world, 3, today() - timedelta(days=30))
    new = client_rating(session, world, 7, today() - timedelta(days=2))
    review = held(session, world)
    assert review.rating_id == new.id
    sign_in(client, session, world.members["lead"])
    form = client.get(url(world, f"/reviews/{review.id}/edit"))
    assert form.status_code == 200
    assert "Agreed the Spanish pilot" in form.text
    assert 'name="version" value="1"' in form.text
    earlier = (today() - timedelta(days=10)).isoformat()
    first = client.post(
        url(world, f"/reviews/{review.id}"),
        data={
            "held_on": earlier,
            "participants": "Lead's list",
            "what_changed": "Lead's account",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert first.status_code == 303
    saved = reload(session, review)
    assert isinstance(saved, Review)
    assert saved.rating_id == old.id  # a new date: the rating as it stood then
    assert saved.gap["stated_overall"] == 3
    assert saved.version == 2
    sign_in(client, session, world.admin)
    stale = client.post(
        url(world, f"/reviews/{review.id}"),
        data={
            "held_on": today().isoformat(),
            "participants": "Admin's list",
            "what_changed": "Admin's account",
            "version": "1",
            "csrf_token": CSRF,
        },
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this review meanwhile" in stale.text
    assert "Admin&#39;s list" in stale.text
    assert "Admin&#39;s account" in stale.text
    assert "Lead&#39;s account" in stale.text  # what is saved now
    assert 'name="version" value="2"' in stale.text
    assert reload(session, review).participants == "Lead's list"  # type: ignore[union-attr]
    bad = client.post(
        url(world, f"/reviews/{review.id}"),
        data={"held_on": "", "participants": "Kept", "what_changed": "Too", "version": "2"},
        headers=POST,
    )
    assert bad.status_code == 422
    assert "Kept" in bad.text
    (updated,) = events(session, "review.updated")
    assert updated.visibility == "internal"
    assert updated.changes["held_on"] == [today().isoformat(), earlier]
    assert updated.changes["rating_id"] == [new.id, old.id]


def test_a_signed_off_review_is_locked(client: TestClient, session: Session, world: World) -> None:
    review = held(session, world)
    sign_in(client, session, world.members["mentor"])
    signed = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": "Good review", "version": "1", "csrf_token": CSRF},
    )
    assert signed.status_code == 303
    mentor = world.members["mentor"].display_name
    sign_in(client, session, world.members["lead"])
    form = client.get(url(world, f"/reviews/{review.id}/edit"))
    assert form.status_code == 409
    assert f"{mentor} signed this review off" in form.text
    edit = client.post(
        url(world, f"/reviews/{review.id}"),
        data={
            **CONFIRMATION,
            "held_on": today().isoformat(),
            "participants": "Late addition",
            "what_changed": "Typed after the sign-off",
            "version": "2",
        },
        headers=POST,
    )
    assert edit.status_code == 409
    assert "can no longer be changed" in edit.text
    assert "Typed after the sign-off" in edit.text
    page = client.get(url(world, "/reviews")).text
    assert f"/reviews/{review.id}/edit" not in page
    assert "Signed off by" in page
    sign_in(client, session, world.members["mentor"])
    again = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": "Second thoughts", "version": "2"},
        headers=HTMX,
    )
    assert again.status_code == 409
    assert "can no longer be changed" in again.text
    assert "Second thoughts" in again.text  # shown back, not lost
    saved = reload(session, review)
    assert isinstance(saved, Review)
    assert saved.mentor_comment == "Good review"
    assert [e.verb for e in events(session)] == ["review.recorded", "review.signed_off"]


# --- The mentor's sign-off -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team", "admin", *CLIENT_ROLES])
def test_only_the_mentor_signs_off(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    review = held(session, world)
    request = ask(session, world)
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    response = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={"comment": "I approve", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 403
    answer = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": "Fine", "version": "1"},
        headers=HTMX,
    )
    assert answer.status_code == 403
    assert reload(session, review).signed_off_at is None  # type: ignore[union-attr]


def test_the_mentor_signs_off_and_the_lead_is_told(
    client: TestClient, session: Session, world: World
) -> None:
    review = held(session, world)
    sign_in(client, session, world.members["mentor"])
    empty = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "version": "1"},
        headers=HTMX,
    )
    assert empty.status_code == 422
    assert "Enter your comments on the review." in empty.text
    too_long = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": "x" * 4001 + "typed", "version": "1"},
        headers=HTMX,
    )
    assert too_long.status_code == 422
    assert "typed" in too_long.text
    # The lead changes the review while the mentor reads it.
    sign_in(client, session, world.members["lead"])
    client.post(
        url(world, f"/reviews/{review.id}"),
        data={
            **CONFIRMATION,
            "held_on": today().isoformat(),
            "participants": "Changed",
            "what_changed": "Changed",
            "version": "1",
        },
        headers=POST,
    )
    sign_in(client, session, world.members["mentor"])
    stale = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": "Based on the old text", "version": "1"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this review meanwhile" in stale.text
    assert "Based on the old text" in stale.text
    assert reload(session, review).signed_off_at is None  # type: ignore[union-attr]
    done = client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": f"Keep going {MARKER}", "version": "2"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert "Signed off the review of" in done.text
    saved = reload(session, review)
    assert isinstance(saved, Review)
    assert saved.signed_off_by_id == world.members["mentor"].id
    assert saved.signed_off_at is not None
    assert saved.mentor_comment == f"Keep going {MARKER}"
    signed = events(session, "review.signed_off")
    assert [e.visibility for e in signed] == ["internal"]
    notes = session.exec(select(Notification).where(Notification.kind == "review.signed_off")).all()
    assert [n.user_id for n in notes] == [world.members["lead"].id]
    assert notes[0].link == f"/accounts/{world.account.id}/reviews#review-{review.id}"


def test_recording_tells_the_mentors_only(
    client: TestClient, session: Session, world: World
) -> None:
    second_mentor = factories.make_user(session, workspace=world.workspace, name="Second Mentor")
    factories.add_member(
        session, account=world.account, user=second_mentor, role=Role.MENTOR, by=world.admin
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    response = client.post(
        url(world, "/reviews"),
        data={"held_on": today().isoformat(), "participants": "P", "what_changed": "W"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Mentor and Second Mentor are asked to comment and sign it off." in response.text
    notes = session.exec(select(Notification).where(Notification.kind == "review.recorded")).all()
    assert sorted(n.user_id for n in notes) == sorted(
        [world.members["mentor"].id, second_mentor.id]  # type: ignore[list-item]
    )
    (review,) = session.exec(select(Review)).all()
    assert {n.link for n in notes} == {f"/accounts/{world.account.id}/reviews#review-{review.id}"}


def test_an_account_without_a_mentor_says_so(
    client: TestClient, session: Session, world: World
) -> None:
    accounts.remove(session, actor=world.admin, membership=world.memberships["mentor"])
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/reviews")).text
    assert "This account has no mentor yet" in page
    response = client.post(
        url(world, "/reviews"),
        data={"held_on": today().isoformat(), "participants": "P", "what_changed": "W"},
        headers=HTMX,
    )
    assert "This account has no mentor yet: ask a lead to invite one" in response.text
    assert session.exec(select(Notification)).all() == []


# --- Requests to the mentor ----------------------------------------------------------------------


def test_the_team_asks_the_mentor_about_the_plan_or_an_initiative(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plan_of(session, world.account)
    draft = initiatives.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=InitiativeValues(title="Big draft"),
    )
    gone = initiatives.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=InitiativeValues(title="Dropped"),
    )
    initiatives.remove(session, actor=world.members["lead"], initiative=gone)
    foreign = initiatives.create(
        session,
        actor=world.admin,
        plan=plan_of(session, world.other_account),
        values=InitiativeValues(title="Elsewhere"),
    )
    session.commit()
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/reviews")).text
    assert f'<option value="{draft.id}"' in page
    assert f'<option value="{gone.id}"' not in page
    for subject in (str(gone.id), str(foreign.id), "xyz", "99999999999999999999"):
        bad = client.post(
            url(world, "/mentor-requests"),
            data={"subject": subject, "note": "Typed note"},
            headers=HTMX,
        )
        assert bad.status_code == 422, subject
        assert "Choose the plan or one of its initiatives." in bad.text
        assert "Typed note" in bad.text
    long = client.post(
        url(world, "/mentor-requests"), data={"subject": "plan", "note": "n" * 2001}, headers=HTMX
    )
    assert long.status_code == 422
    assert "under 2000 characters" in long.text
    for subject, note in (("plan", "Is the plan ambitious enough?"), (str(draft.id), "")):
        response = client.post(
            url(world, "/mentor-requests"),
            data={"subject": subject, "note": note, "csrf_token": CSRF},
        )
        assert response.status_code == 303
        assert "#request-" in response.headers["location"]
    session.expire_all()
    made = session.exec(select(MentorRequest).order_by(col(MentorRequest.id))).all()
    assert [(r.initiative_id, r.note, r.requested_by_id) for r in made] == [
        (None, "Is the plan ambitious enough?", world.members["team"].id),
        (draft.id, "", world.members["team"].id),
    ]
    notes = session.exec(
        select(Notification)
        .where(Notification.kind == "mentor.requested")
        .order_by(col(Notification.created_at), col(Notification.id))
    ).all()
    assert [n.user_id for n in notes] == [world.members["mentor"].id] * 2
    assert "the initiative “Big draft”" in notes[1].message
    assert [e.visibility for e in events(session, "mentor.")] == ["internal", "internal"]
    page = client.get(url(world, "/reviews")).text
    open_part = page.split("<h3>Open requests</h3>")[1]
    assert "The plan as a whole" in open_part
    assert "Initiative “Big draft”" in open_part
    sign_in(client, session, world.members["mentor"])
    assert (
        client.post(
            url(world, "/mentor-requests"), data={"subject": "plan"}, headers=HTMX
        ).status_code
        == 403
    )


def test_the_mentor_answers_a_request(client: TestClient, session: Session, world: World) -> None:
    request = ask(session, world, note="Look at the pricing")
    sign_in(client, session, world.members["mentor"])
    empty = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": " ", "version": "1"},
        headers=HTMX,
    )
    assert empty.status_code == 422
    assert "Enter your answer." in empty.text
    stale = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": "Typed answer", "version": "7"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "Typed answer" in stale.text
    response = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": "Price by outcome", "version": "1", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/reviews#request-{request.id}")
    saved = reload(session, request)
    assert isinstance(saved, MentorRequest)
    assert (saved.answer, saved.answered_by_id) == ("Price by outcome", world.members["mentor"].id)
    again = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": "Another thought", "version": "2"},
        headers=HTMX,
    )
    assert again.status_code == 409
    assert "answered this request" in again.text
    assert "Another thought" in again.text
    notes = session.exec(select(Notification).where(Notification.kind == "mentor.answered")).all()
    assert [n.user_id for n in notes] == [world.members["team"].id]
    page = client.get(url(world, "/reviews")).text
    assert "Price by outcome" in page.split("<h3>Answered</h3>")[1]
    assert [e.verb for e in events(session, "mentor.")] == ["mentor.requested", "mentor.answered"]
    assert {e.visibility for e in events(session, "mentor.")} == {"internal"}


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_roles_are_refused_everywhere(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    review = held(session, world, participants=MARKER)
    request = ask(session, world, note=MARKER)
    sign_in(client, session, world.members[role])
    for method, path in (
        ("GET", "/reviews"),
        ("POST", "/reviews"),
        ("POST", "/reviews/cadence"),
        ("GET", f"/reviews/{review.id}/edit"),
        ("POST", f"/reviews/{review.id}"),
        ("POST", f"/reviews/{review.id}/sign-off"),
        ("POST", "/mentor-requests"),
        ("POST", f"/mentor-requests/{request.id}/answer"),
    ):
        for headers in (HTMX, POST):
            response = client.request(
                method,
                url(world, path),
                data={"comment": "x", "answer": "x", "months": "2"} if method == "POST" else None,
                headers=headers,
            )
            assert response.status_code == 403, (method, path)
            assert MARKER not in response.text
    queue = client.get("/reviews")
    assert queue.status_code == 403
    assert MARKER not in queue.text
    plan_page = client.get(url(world, "/plan")).text
    assert 'href="/reviews"' not in plan_page  # no queue link for the client side
    assert "/reviews" not in plan_page


def test_other_accounts_are_not_found(client: TestClient, session: Session, world: World) -> None:
    theirs = held(session, world, account=world.other_account)
    their_request = service.ask(
        session,
        actor=world.admin,
        account=world.other_account,
        plan=plan_of(session, world.other_account),
        initiative=None,
        note="Theirs",
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    assert client.get(url(world, "/reviews", world.other_account)).status_code == 404
    assert client.get(url(world, "/reviews", world.foreign_account)).status_code == 404
    assert client.get(url(world, f"/reviews/{theirs.id}/edit")).status_code == 404
    assert (
        client.post(
            url(world, f"/reviews/{theirs.id}"), data={"version": "1"}, headers=HTMX
        ).status_code
        == 404
    )
    sign_in(client, session, world.members["mentor"])
    assert (
        client.post(
            url(world, f"/reviews/{theirs.id}/sign-off"),
            data={"comment": "x", "version": "1"},
            headers=HTMX,
        ).status_code
        == 404
    )
    assert (
        client.post(
            url(world, f"/mentor-requests/{their_request.id}/answer"),
            data={"answer": "x", "version": "1"},
            headers=HTMX,
        ).status_code
        == 404
    )
    assert (
        client.post(
            url(world, "/mentor-requests", world.other_account),
            data={"subject": "plan"},
            headers=HTMX,
        ).status_code
        == 404
    )


def test_an_item_pointing_into_another_account_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    """A review whose plan, or a request whose initiative, belongs to another account is 404:
    a real check, not an ``assert`` that ``python -O`` drops."""
    review = held(session, world)
    request = ask(session, world, note="About theirs")
    their_initiative = Initiative(
        account_id=world.other_account.id,  # type: ignore[arg-type]
        plan_id=plan_of(session, world.other_account).id,  # type: ignore[arg-type]
        title="Elsewhere",
        created_by_id=world.admin.id,
    )
    session.add(their_initiative)
    session.flush()
    review.plan_id = plan_of(session, world.other_account).id  # type: ignore[assignment]
    request.initiative_id = their_initiative.id
    session.add_all([review, request])
    session.commit()
    sign_in(client, session, world.members["lead"])
    assert client.get(url(world, f"/reviews/{review.id}/edit")).status_code == 404
    edited = client.post(
        url(world, f"/reviews/{review.id}"),
        data={"held_on": today().isoformat(), "participants": "x", "version": "1"},
        headers=HTMX,
    )
    assert edited.status_code == 404
    sign_in(client, session, world.members["mentor"])
    answered = client.post(
        url(world, f"/mentor-requests/{request.id}/answer"),
        data={"answer": "x", "version": "1"},
        headers=HTMX,
    )
    assert answered.status_code == 404
    assert reload(session, request).answered_at is None  # type: ignore[union-attr]


def test_internal_text_never_reaches_the_client_side(
    client: TestClient, session: Session, world: World
) -> None:
    """A marker in every internal field: it reaches no client role's plan page, audit page,
    inbox or e-mail."""
    plan = plan_of(session, world.account)
    draft = initiatives.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=InitiativeValues(title="Draft for the mentor"),
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    client.post(
        url(world, "/reviews"),
        data={
            **CONFIRMATION,
            "held_on": today().isoformat(),
            "participants": f"{MARKER}-participants",
            "what_changed": f"{MARKER}-what-changed",
        },
        headers=HTMX,
    )
    session.expire_all()
    (review,) = session.exec(select(Review)).all()
    client.post(
        url(world, f"/reviews/{review.id}"),
        data={
            **CONFIRMATION,
            "held_on": today().isoformat(),
            "participants": f"{MARKER}-participants-edited",
            "what_changed": f"{MARKER}-what-changed-edited",
            "version": "1",
        },
        headers=POST,
    )
    client.post(
        url(world, "/reviews/cadence"),
        data={**CONFIRMATION, "months": "4", "based_on": "3"},
        headers=HTMX,
    )
    sign_in(client, session, world.members["team"])
    for subject in ("plan", str(draft.id)):
        client.post(
            url(world, "/mentor-requests"),
            data={**CONFIRMATION, "subject": subject, "note": f"{MARKER}-note-{subject}"},
            headers=HTMX,
        )
    sign_in(client, session, world.members["mentor"])
    client.post(
        url(world, f"/reviews/{review.id}/sign-off"),
        data={**CONFIRMATION, "comment": f"{MARKER}-mentor-comment", "version": "2"},
        headers=HTMX,
    )
    session.expire_all()
    first = session.exec(select(MentorRequest).order_by(col(MentorRequest.id))).first()
    assert first is not None
    client.post(
        url(world, f"/mentor-requests/{first.id}/answer"),
        data={**CONFIRMATION, "answer": f"{MARKER}-answer", "version": "1"},
        headers=HTMX,
    )
    session.expire_all()
    saved = session.get(Review, review.id)
    assert saved is not None
    assert saved.mentor_comment == f"{MARKER}-mentor-comment"  # the chain of events ran
    assert session.get(MentorRequest, first.id).answer == f"{MARKER}-answer"  # type: ignore[union-attr]
    vendor_events = events(session, "review.") + events(session, "mentor.")
    assert len(vendor_events) == 7
    assert {e.visibility for e in vendor_events} == {"internal"}
    for role in CLIENT_ROLES:
        sign_in(client, session, world.members[role])
        for path in (url(world, "/plan"), url(world, "/audit"), "/inbox", "/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert MARKER not in response.text, (role, path)
            assert "review." not in response.text, (role, path)
            assert "mentor." not in response.text, (role, path)
    client_ids = [world.members[role].id for role in CLIENT_ROLES]
    assert (
        session.exec(select(Notification).where(col(Notification.user_id).in_(client_ids))).all()
        == []
    )
    client_emails = {world.members[role].email for role in CLIENT_ROLES}
    mails = session.exec(select(OutboxMessage)).all()
    assert not [m for m in mails if m.to_address in client_emails and MARKER in m.body_text]
    assert not [m for m in mails if m.to_address in client_emails and "review" in m.subject]
    # The vendor side did hear of it.
    assert {m.to_address for m in mails if "review" in m.subject.lower()} >= {
        world.members["mentor"].email,
        world.members["lead"].email,
    }


# --- Pictures -------------------------------------------------------------------------------------


def test_the_trend_chart() -> None:
    reviews = [
        chart.Reviewed(date(2026, 1, 10), 5, 8),
        chart.Reviewed(date(2026, 4, 12), None, 7),
        chart.Reviewed(date(2026, 7, 9), 7, 7),
    ]
    drawn = chart.build(reviews)
    assert len(drawn.client.points) == 2
    assert drawn.client.path.count("M") == 2  # the review without a rating breaks the line
    assert len(drawn.believed.points) == 3
    assert len(drawn.gaps) == 1  # only where both exist and differ
    assert [label.text for label in drawn.values] == ["5", "8", "7", "7"]
    assert [label.text for label in drawn.x_labels] == ["10 Jan 2026", "12 Apr 2026", "9 Jul 2026"]
    assert drawn.description == (
        "3 reviews; the client's rating: from 5 on 10 Jan 2026 to 7 on 9 Jul 2026; your believed "
        "rating: from 8 on 10 Jan 2026 to 7 on 9 Jul 2026; at the latest review you believed the "
        "client's rating exactly."
    )
    many = chart.build(
        [chart.Reviewed(date(2026, 1, 1) + timedelta(days=i), i % 11, 5) for i in range(30)]
    )
    assert many.values == ()  # too many to write: the table has them
    assert len(many.x_labels) == 3


def test_the_page_draws_the_trend(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    assert (
        "The trend appears here once the first review is recorded."
        in client.get(url(world, "/reviews")).text
    )
    believed_rating(session, world, 8, today())
    client_rating(session, world, 6, today())
    held(session, world)
    page = client.get(url(world, "/reviews")).text
    figure = page.split('<figure class="review-chart">')[1].split("</figure>")[0]
    assert 'role="img"' in figure
    assert '<title id="review-chart-title">' in figure
    assert '<desc id="review-chart-desc">1 review; the client&#39;s rating: 6 out of 10' in figure
    assert 'viewBox="0 0 320 232"' in figure
    assert "Client's rating (solid line, dots)" in figure
    assert "The same as a table" in page


# --- Query counts ---------------------------------------------------------------------------------


def test_the_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    began(session, world.account, 400)
    client_rating(session, world, 5, today() - timedelta(days=399))
    held(session, world, today() - timedelta(days=390))
    ask(session, world)
    sign_in(client, session, world.members["mentor"])
    client.get(url(world, "/reviews"))
    count_queries.statements.clear()
    assert client.get(url(world, "/reviews")).status_code == 200
    few = count_queries.count
    plan = plan_of(session, world.account)
    for i in range(39):
        client_rating(session, world, i % 11, today() - timedelta(days=380 - i * 9))
        review = held(session, world, today() - timedelta(days=379 - i * 9))
        if i % 2:
            review.signed_off_at = utcnow()
            review.signed_off_by_id = world.members["mentor"].id
            review.mentor_comment = "Fine"
            session.add(review)
        made = service.ask(
            session,
            actor=world.members["lead"],
            account=world.account,
            plan=plan,
            initiative=None,
            note=f"Request {i}",
        )
        if i % 3:
            made.answered_at, made.answered_by_id = utcnow(), world.members["mentor"].id
            session.add(made)
    session.commit()
    count_queries.statements.clear()
    page = client.get(url(world, "/reviews"))
    assert page.text.count('class="review') >= 40
    assert page.text.count('<li class="review') == 40
    assert count_queries.count == few
    assert few <= 12


# --- The mentor's queue ---------------------------------------------------------------------------


def test_the_queue_lists_what_waits_for_the_mentor(
    client: TestClient, session: Session, world: World
) -> None:
    began(session, world.account, 100)  # overdue
    review = held(session, world, today() - timedelta(days=99), participants="Waiting one")
    signed = held(session, world, today() - timedelta(days=98), participants="Signed one")
    signed.signed_off_at, signed.signed_off_by_id = utcnow(), world.members["mentor"].id
    session.add(signed)
    request = ask(session, world, note="Is the plan ambitious?")
    held(session, world, account=world.other_account)  # not mentored
    session.commit()
    sign_in(client, session, world.members["mentor"])
    page = client.get("/reviews")
    assert page.status_code == 200
    text = page.text
    waiting = text.split('id="waiting"')[1].split("</section>")[0]
    assert f"/accounts/{world.account.id}/reviews#review-{review.id}" in waiting
    assert f"#review-{signed.id}" not in waiting
    assert world.other_account.name not in text
    asked = text.split('id="requests"')[1].split("</section>")[0]
    assert f"#request-{request.id}" in asked
    assert "Is the plan ambitious?" in asked
    assert "The plan as a whole" in asked
    assert world.members["team"].display_name in asked
    due = text.split('id="due"')[1].split("</section>")[0]
    # The last review was 98 days ago, every 3 months: overdue.
    assert world.account.name in due
    assert "Overdue by" in due
    assert "review-due-overdue" in due
    # The workspace admin sees every account of the workspace, read-only.
    sign_in(client, session, world.admin)
    admin_page = client.get("/reviews").text
    assert "Every account of your workspace" in admin_page
    assert world.other_account.name in admin_page
    assert world.foreign_account.name not in admin_page
    # A lead who mentors nothing: the mentor's role explained.
    sign_in(client, session, world.members["lead"])
    lead_page = client.get("/reviews")
    assert lead_page.status_code == 200
    assert "You do not mentor any account yet." in lead_page.text
    assert "every few months" in lead_page.text
    # Another workspace's admin sees only their own workspace.
    sign_in(client, session, world.other_admin)
    other = client.get("/reviews").text
    assert world.account.name not in other
    assert world.other_account.name not in other
    assert "1 account covered." in other


def test_a_removed_mentor_no_longer_has_the_account_in_the_queue(
    client: TestClient, session: Session, world: World
) -> None:
    held(session, world)
    accounts.remove(session, actor=world.admin, membership=world.memberships["mentor"])
    session.commit()
    sign_in(client, session, world.members["mentor"])
    page = client.get("/reviews").text
    assert world.account.name not in page
    assert "You do not mentor any account yet." in page


def _mentored_accounts(session: Session, world: World, count: int, first: int = 0) -> None:
    mentor = world.members["mentor"]
    for n in range(first, first + count):
        account = factories.make_account(session, admin=world.admin, name=f"Queue account {n}")
        factories.add_member(
            session, account=account, user=mentor, role=Role.MENTOR, by=world.admin
        )
        plan = plan_of(session, account)
        plan.created_at = noon(today() - timedelta(days=100 + n))
        session.add(plan)
        initiative = Initiative(
            account_id=account.id,  # type: ignore[arg-type]
            plan_id=plan.id,  # type: ignore[arg-type]
            title=f"Initiative {n}",
        )
        session.add(initiative)
        session.flush()
        service.record(
            session,
            actor=world.admin,
            account=account,
            plan=plan,
            checked=CheckedReview(today(), "P", "W"),
            dimensions=[],
        )
        service.ask(
            session,
            actor=world.admin,
            account=account,
            plan=plan,
            initiative=initiative,
            note=f"Note {n}",
        )
    session.commit()


def test_the_queue_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    _mentored_accounts(session, world, 2)
    sign_in(client, session, world.members["mentor"])
    client.get("/reviews")
    count_queries.statements.clear()
    small = client.get("/reviews")
    assert small.status_code == 200
    few = count_queries.count
    _mentored_accounts(session, world, 58, first=2)
    count_queries.statements.clear()
    large = client.get("/reviews")
    assert large.text.count("Queue account") >= 60 * 2
    assert count_queries.count == few
    assert few <= 8


def test_the_navigation_links_the_queue_for_vendor_people_only(
    client: TestClient, session: Session, world: World
) -> None:
    for user, shown in (
        (world.members["mentor"], True),
        (world.members["team"], True),
        (world.admin, True),
        (world.members["sponsor"], False),
    ):
        sign_in(client, session, user)
        assert (
            '<a href="/reviews" title="Plan reviews and the mentor' in client.get("/").text
        ) is shown


def test_a_corrected_date_moves_the_ratings_but_not_the_frozen_beliefs(
    session: Session, world: World
) -> None:
    """The gap is frozen when the review is recorded; correcting its date later takes the
    ratings of the new day, but not the beliefs the team has recorded since."""
    began(session, world.account, 60)
    client_rating(session, world, 4, today() - timedelta(days=20))
    client_rating(session, world, 8, today() - timedelta(days=1))
    review = held(session, world)
    assert (review.gap["stated_overall"], review.gap["beliefs_count"]) == (8, 0)
    plan = plan_of(session, world.account)
    perception.add_belief(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=BeliefValues(title="Later", priority_id=None),
    )
    service.update(
        session,
        actor=world.members["lead"],
        plan=plan,
        review=review,
        checked=CheckedReview(today() - timedelta(days=10), review.participants, "Date fixed"),
        dimensions=list(world.workspace.value_dimensions),
        expected_version=review.version,
    )
    session.commit()
    assert review.gap["stated_overall"] == 4, "the rating as it stood on the corrected day"
    assert review.gap["beliefs_count"] == 0, "the beliefs stay as they were when recorded"
