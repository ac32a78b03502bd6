"""Agreement and versions (DESIGN.md §3.7): the lead submits, the client sponsor and the lead
approve, the agreed plan is frozen as version N; changes since show as a diff; versions compare.
Only shared content ever goes into a snapshot, a version page or a diff."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.accounts import repository as accounts_repo
from app.agreement import sections as agreement_sections
from app.agreement import service, snapshot
from app.agreement.service import Slot
from app.comments import repository as comments_repo
from app.db import Database
from app.models import (
    Action,
    AuditEvent,
    Comment,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    Notification,
    PerceivedPriority,
    PerceivedRating,
    Plan,
    PlanStatus,
    PlanVersion,
    Priority,
    StrategyEntry,
    User,
    ValueRating,
    Visibility,
)
from app.permissions.policy import Actor
from app.plans import page as plan_page
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import reset_database
from tests.masking import unmasked
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
SECRET = "ZZSECRETZZ"


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def current_plan(session: Session, world: World) -> Plan:
    session.expire_all()  # requests changed rows through their own sessions
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def add_priority(session: Session, world: World, title: str) -> Priority:
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=current_plan(session, world),
        values=PriorityValues(title=title, owner_id=world.members["sponsor"].id),
    )
    session.commit()
    return priority


def agree(session: Session, world: World) -> PlanVersion:
    """Submit and approve on both sides through the service: the next version."""
    plan = current_plan(session, world)
    service.submit(session, actor=world.members["lead"], plan=plan)
    service.approve(session, actor=world.members["sponsor"], plan=plan, slot=Slot.SPONSOR)
    approval = service.approve(session, actor=world.members["lead"], plan=plan, slot=Slot.LEAD)
    session.commit()
    assert approval.version is not None
    return approval.version


def versions(session: Session, world: World) -> list[PlanVersion]:
    session.expire_all()
    return list(
        session.exec(
            select(PlanVersion)
            .where(PlanVersion.account_id == world.account.id)
            .order_by(col(PlanVersion.number))
        ).all()
    )


def events(session: Session, verb: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
        )
    )


def post(client: TestClient, world: World, session: Session, who: str, verb: str) -> str:
    sign_in(client, session, world.members[who])
    response = client.post(url(world, f"/plan/{verb}"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200, response.text
    return response.text


def shared_content(session: Session, world: World) -> None:
    """One of every kind of shared content, written straight into the tables."""
    plan = current_plan(session, world)
    assert plan.id is not None
    assert world.account.id is not None
    ids = {"account_id": world.account.id, "plan_id": plan.id}
    priority = add_priority(session, world, "Grow in Asia")
    session.add(
        StrategyEntry(**ids, kind="goal", position=1, text="Double revenue", horizon="later")
    )
    session.add(ValueRating(**ids, overall=7, scores={"Responsiveness": 6}, comment="Solid"))
    initiative = Initiative(
        **ids,
        title="Regional pilot",
        status=InitiativeStatus.PROPOSED,
        visibility=Visibility.SHARED,
        value_for_client="Faster entry",
    )
    session.add(initiative)
    session.flush()
    session.add(
        InitiativePriority(
            initiative_id=initiative.id,  # type: ignore[arg-type]
            priority_id=priority.id,  # type: ignore[arg-type]
            account_id=world.account.id,
        )
    )
    session.add(
        Action(
            **ids, title="Kick-off workshop", outcome="Pilot scope agreed", due_on=date(2027, 3, 1)
        )
    )
    session.commit()


def internal_content(session: Session, world: World, marker: str = SECRET) -> None:
    """Internal rows of every kind, each carrying ``marker``."""
    plan = current_plan(session, world)
    assert plan.id is not None
    assert world.account.id is not None
    ids = {"account_id": world.account.id, "plan_id": plan.id}
    priority = session.exec(select(Priority).where(Priority.plan_id == plan.id)).first()
    assert priority is not None
    draft = Initiative(**ids, title=f"Draft {marker}", description=marker)
    session.add(draft)
    session.add(PerceivedPriority(**ids, rank=1, title=f"Perceived {marker}", hypothesis=marker))
    session.add(PerceivedRating(**ids, overall=3, note=f"Rating {marker}"))
    session.add(
        Comment(
            **ids,
            priority_id=priority.id,
            author_id=world.members["team"].id,  # type: ignore[arg-type]
            body=f"Team only {marker}",
            visibility=Visibility.INTERNAL,
        )
    )
    session.flush()
    comments_repo.recount(session, plan_id=plan.id)  # counted, to be sure no count leaks it
    # A draft initiative linked to a client priority must not show up on that priority either.
    session.add(
        InitiativePriority(
            initiative_id=draft.id,  # type: ignore[arg-type]
            priority_id=priority.id,  # type: ignore[arg-type]
            account_id=world.account.id,
        )
    )
    session.commit()


# --- the flow ---------------------------------------------------------------------------------


def test_submit_approve_freeze_change_and_agree_again(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world, "Grow in Asia")
    page = post(client, world, session, "lead", "submit")
    assert "Submitted by Account lead" in page
    assert "waiting for: client sponsor and account lead" in page
    assert 'id="agreement-withdraw"' in page

    sign_in(client, session, world.members["sponsor"])
    plan_page = client.get(url(world, "/plan")).text
    assert "Approve as client sponsor" in plan_page
    assert "Submit for agreement" not in plan_page  # the lead's button only
    page = post(client, world, session, "sponsor", "approve")
    assert "Approved as client sponsor. Waiting for the other approval." in page
    assert "waiting for: account lead" in page
    assert "Approve as" not in page  # the sponsor's slot is filled

    page = post(client, world, session, "lead", "approve")
    assert "the plan is frozen as version 1" in page
    assert re.search(r"Agreed as version 1 <time [^>]*>just now<", page)
    [v1] = versions(session, world)
    plan = current_plan(session, world)
    assert (plan.status, plan.agreed_version) == (PlanStatus.AGREED, 1)
    assert v1.number == 1
    assert v1.sponsor_approved_by_id == world.members["sponsor"].id
    assert v1.lead_approved_by_id == world.members["lead"].id
    assert v1.submitted_by_id == world.members["lead"].id
    [item] = v1.snapshot["sections"]["priorities"]
    assert item == {
        "key": f"priority:{priority.id}",
        "rank": 1,
        "title": "Grow in Asia",
        "description": "",
        "importance": "high",
        "horizon": "next",
        "owner": "Client sponsor",
    }
    assert v1.content_hash == snapshot.content_hash(v1.snapshot)  # survives the JSON round trip

    # Audit: shared events of the transitions.
    [submitted] = events(session, "plan.submitted")
    assert submitted.changes["status"] == ["draft", "submitted"]
    assert [e.changes for e in events(session, "plan.approved")] == [
        {"slot": [None, "sponsor"]},
        {"slot": [None, "lead"]},
    ]
    [agreed] = events(session, "plan.agreed")
    assert agreed.changes["version"] == [0, 1]
    verbs = ("plan.submitted", "plan.approved", "plan.agreed")
    assert {e.visibility for v in verbs for e in events(session, v)} == {"shared"}

    # Notifications: the sponsor is asked; everyone (but the last approver) hears of the agreement.
    notes = session.exec(select(Notification).where(Notification.account_id == world.account.id))
    by_kind: dict[str, set[int]] = {}
    for note in notes:
        by_kind.setdefault(note.kind, set()).add(note.user_id)
    assert by_kind["agreement.requested"] == {world.members["sponsor"].id}
    assert world.members["lead"].id in by_kind["agreement.approved"]
    assert by_kind["plan.agreed"] == {u.id for role, u in world.members.items() if role != "lead"}

    # A change after the agreement shows against version 1.
    sign_in(client, session, world.members["viewer"])
    summary = client.get(url(world, "/plan/changes?summary=1")).text
    assert "No changes since version 1" in summary
    priorities.update(
        session,
        actor=world.members["sponsor"],
        priority=priority,
        values=PriorityValues(
            title="Grow in Asia and Africa", owner_id=world.members["sponsor"].id
        ),
        expected_version=priority.version,
    )
    add_priority(session, world, "Hire locally")
    summary = client.get(url(world, "/plan/changes?summary=1")).text
    assert "2 changes since version 1" in summary
    changes = client.get(url(world, "/plan/changes"))
    assert changes.status_code == 200
    assert "What changed since version 1" in changes.text
    assert "Grow in Asia</del>" in changes.text
    assert "Grow in Asia and Africa</ins>" in changes.text
    assert "Hire locally" in changes.text

    # Version 2.
    post(client, world, session, "lead", "submit")
    post(client, world, session, "sponsor", "approve")
    assert "frozen as version 2" in post(client, world, session, "lead", "approve")
    v1, v2 = versions(session, world)
    assert v2.number == 2
    assert [p["title"] for p in v2.snapshot["sections"]["priorities"]] == [
        "Grow in Asia and Africa",
        "Hire locally",
    ]
    assert [e.changes["version"] for e in events(session, "plan.agreed")] == [[0, 1], [1, 2]]

    sign_in(client, session, world.members["member"])
    compared = client.get(url(world, f"/plan/compare?from={v1.id}&to={v2.id}"))
    assert compared.status_code == 200
    assert "2 changes." in compared.text
    assert "Grow in Asia</del>" in compared.text
    assert "Grow in Asia and Africa</ins>" in compared.text
    listing = client.get(url(world, "/plan/versions")).text
    assert "Version 2" in listing
    assert "Version 1" in listing
    assert "Client sponsor (client sponsor), Account lead (account lead)" in listing
    frozen = client.get(url(world, f"/plan/versions/{v1.id}")).text
    assert "Grow in Asia" in frozen
    assert "Africa" not in frozen  # version 1 is frozen as it was
    assert "Hire locally" not in frozen


def test_a_change_between_submission_and_approval_refuses_the_approval(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow")
    post(client, world, session, "lead", "submit")
    add_priority(session, world, "Added after the submission")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(url(world, "/plan/approve"), data={**CONFIRMATION, "csrf_token": CSRF})
    assert response.status_code == 409
    assert (
        "The plan changed after it was submitted; Account lead needs to submit it again."
        in response.text
    )
    plan = current_plan(session, world)
    assert plan.sponsor_approved_by_id is None
    assert events(session, "plan.approved") == []
    summary = client.get(url(world, "/plan/changes?summary=1")).text
    assert "The plan changed after it was submitted" in summary
    # Submitting again makes it approvable.
    post(client, world, session, "lead", "submit")
    assert "Waiting for the other approval" in post(client, world, session, "sponsor", "approve")


def test_approving_a_plan_that_is_not_submitted_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/approve"), headers=HTMX)
    assert response.status_code == 409
    assert "the account lead submits it first" in response.text
    assert response.headers["HX-Reswap"] == "none"
    assert '<div id="toasts" hx-swap-oob="beforeend">' in response.text


@pytest.mark.parametrize("role", ["member", "viewer", "team", "mentor", "admin"])
def test_only_the_sponsor_and_the_lead_approve(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    add_priority(session, world, "Grow")
    post(client, world, session, "lead", "submit")
    person = world.admin if role == "admin" else world.members[role]
    sign_in(client, session, person)
    assert client.post(url(world, "/plan/approve"), headers=HTMX).status_code == 403
    assert "Approve as" not in client.get(url(world, "/plan")).text
    plan = current_plan(session, world)
    assert (plan.sponsor_approved_by_id, plan.lead_approved_by_id) == (None, None)


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer", "team", "mentor", "admin"])
def test_only_the_lead_submits_and_withdraws(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    person = world.admin if role == "admin" else world.members[role]
    sign_in(client, session, person)
    assert client.post(url(world, "/plan/submit"), headers=HTMX).status_code == 403
    assert client.post(url(world, "/plan/withdraw"), headers=HTMX).status_code == 403
    assert "Submit for agreement" not in client.get(url(world, "/plan")).text
    assert current_plan(session, world).status == PlanStatus.DRAFT


def test_approving_twice_in_the_same_slot_is_harmless(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow")
    post(client, world, session, "lead", "submit")
    post(client, world, session, "sponsor", "approve")
    again = post(client, world, session, "sponsor", "approve")
    assert "You had already approved as client sponsor; nothing changed." in again
    assert len(events(session, "plan.approved")) == 1
    assert versions(session, world) == []
    assert current_plan(session, world).lead_approved_by_id is None


def test_withdrawing_makes_the_plan_a_draft_again(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow")
    post(client, world, session, "lead", "submit")
    post(client, world, session, "sponsor", "approve")
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/withdraw"), data={**CONFIRMATION, "csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/plan#agreement")
    plan = current_plan(session, world)
    assert plan.status == PlanStatus.DRAFT
    assert (plan.submitted_hash, plan.sponsor_approved_by_id) == ("", None)
    [withdrawn] = events(session, "plan.withdrawn")
    assert withdrawn.visibility == "shared"
    assert "Draft: not agreed yet." in client.get(url(world, "/plan")).text
    again = client.post(url(world, "/plan/withdraw"), data=CONFIRMATION, headers=HTMX)
    assert again.status_code == 409
    sign_in(client, session, world.members["sponsor"])
    assert (
        client.post(url(world, "/plan/approve"), data=CONFIRMATION, headers=HTMX).status_code == 409
    )


def test_submitting_an_unchanged_agreed_plan_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow")
    agree(session, world)
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/submit"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 409
    assert "Nothing changed since version 1 was agreed" in response.text
    assert current_plan(session, world).status == PlanStatus.AGREED


# --- only shared content ----------------------------------------------------------------------


def test_the_snapshot_holds_the_shared_plan(session: Session, world: World) -> None:
    shared_content(session, world)
    content = snapshot.build(session, plan=current_plan(session, world))["sections"]
    assert [e["text"] for e in content["strategy"]] == ["Double revenue"]
    assert content["strategy"][0]["order"] == 1
    assert content["value"] == [
        {"key": "value-rating", "overall": 7, "scores": {"Responsiveness": 6}, "comment": "Solid"}
    ]
    [initiative] = content["initiatives"]
    assert (initiative["title"], initiative["status"], initiative["priorities"]) == (
        "Regional pilot",
        "proposed",
        ["Grow in Asia"],
    )
    [action] = content["actions"]
    assert (action["title"], action["due_on"], action["status"]) == (
        "Kick-off workshop",
        "2027-03-01",
        "not_started",
    )


def test_internal_content_never_reaches_a_snapshot_a_version_or_a_diff(
    client: TestClient, session: Session, world: World
) -> None:
    shared_content(session, world)
    plan = current_plan(session, world)
    before = snapshot.content_hash(snapshot.build(session, plan=plan))
    internal_content(session, world)
    after = snapshot.build(session, plan=current_plan(session, world))
    assert snapshot.content_hash(after) == before  # internal rows do not change the content
    assert SECRET not in snapshot.canonical(after)
    v1 = agree(session, world)
    assert SECRET not in snapshot.canonical(v1.snapshot)
    add_priority(session, world, "A later priority")
    internal_content(session, world, marker=SECRET + "2")
    v2 = agree(session, world)
    for who in ("sponsor", "viewer", "lead"):
        sign_in(client, session, world.members[who])
        for path in (
            f"/plan/versions/{v1.id}",
            f"/plan/versions/{v2.id}",
            "/plan/versions",
            "/plan/changes",
            "/plan/changes?summary=1",
            f"/plan/compare?from={v1.id}&to={v2.id}",
            f"/plan/compare?from={v1.id}&to=current",
        ):
            response = client.get(url(world, path))
            assert response.status_code == 200, path
            assert SECRET not in response.text, (who, path)
    sign_in(client, session, world.members["viewer"])
    frozen = client.get(url(world, f"/plan/versions/{v1.id}")).text
    for shown in ("Double revenue", "Grow in Asia", "Regional pilot", "Kick-off workshop", "7/10"):
        assert shown in frozen
    compared = client.get(url(world, f"/plan/compare?from={v1.id}&to={v2.id}")).text
    assert "1 change." in compared  # the later priority; nothing about the internal rows


# --- pages: reading and bad parameters ----------------------------------------------------------


def test_a_version_of_another_account_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    other = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert other is not None
    service.submit(session, actor=world.admin, plan=other)
    service.approve(session, actor=world.admin, plan=other, slot=Slot.SPONSOR)
    foreign = service.approve(session, actor=world.admin, plan=other, slot=Slot.LEAD).version
    session.commit()
    assert foreign is not None
    sign_in(client, session, world.members["lead"])
    response = client.get(url(world, f"/plan/versions/{foreign.id}"))
    missing = client.get(url(world, "/plan/versions/999999"))
    assert response.status_code == missing.status_code == 404
    assert unmasked(response.text) == unmasked(missing.text)
    add_priority(session, world, "Grow")
    own = agree(session, world)
    smuggled = client.get(url(world, f"/plan/compare?from={foreign.id}&to={own.id}"))
    assert smuggled.status_code == 422
    assert "There is no agreed version with that id in this account" in smuggled.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=abc", "Choose an agreed version to compare from."),
        ("from=&to=current", "Choose an agreed version to compare from."),
        ("from=999999", "There is no agreed version with that id in this account"),
        ("from=99999999999999999999999", "Choose an agreed version to compare from."),
        ("from={v1}&to=later", "Choose an agreed version, or the current plan, to compare with."),
        ("from={v1}&to=999999", "There is no agreed version with that id to compare with."),
    ],
)
def test_bad_compare_parameters_get_a_clear_422(
    client: TestClient, session: Session, world: World, query: str, message: str
) -> None:
    add_priority(session, world, "Grow")
    v1 = agree(session, world)
    sign_in(client, session, world.members["viewer"])
    response = client.get(url(world, "/plan/compare?" + query.format(v1=v1.id)))
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert f"Version {v1.number} (agreed" in response.text  # the form to choose again


def test_the_pages_before_any_agreement(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["sponsor"])
    assert "never been agreed yet" in client.get(url(world, "/plan/changes")).text
    assert "Never agreed yet." in client.get(url(world, "/plan/changes?summary=1")).text
    assert "No version agreed yet" in client.get(url(world, "/plan/versions")).text
    compare = client.get(url(world, "/plan/compare"))
    assert compare.status_code == 200
    assert "nothing to compare" in compare.text
    page = client.get(url(world, "/plan")).text
    assert "Draft: not agreed yet." in page
    assert 'hx-trigger="load"' not in page  # nothing to summarise yet


def test_the_compare_page_defaults_to_the_last_version_against_the_current_plan(
    client: TestClient, session: Session, world: World
) -> None:
    add_priority(session, world, "Grow")
    agree(session, world)
    add_priority(session, world, "Hire")
    sign_in(client, session, world.members["team"])
    response = client.get(url(world, "/plan/compare"))
    assert response.status_code == 200
    assert "the current plan: 1 change." in response.text
    page = client.get(url(world, "/plan")).text
    assert re.search(r"Agreed as version 1 <time [^>]*>just now<", page)
    assert f'hx-get="/accounts/{world.account.id}/plan/changes?summary=1"' in page
    assert 'hx-trigger="load"' in page


# --- query counts -----------------------------------------------------------------------------


def fill_plan(session: Session, world: World, n: int, tag: str) -> None:
    plan = current_plan(session, world)
    assert plan.id is not None
    assert world.account.id is not None
    ids = {"account_id": world.account.id, "plan_id": plan.id}
    owner = world.members["member"].id
    for i in range(n):
        priority = priorities.create(
            session,
            actor=world.members["sponsor"],
            plan=plan,
            values=PriorityValues(title=f"{tag} priority {i}", owner_id=owner),
        )
        session.add(StrategyEntry(**ids, kind="driver", position=i, text=f"{tag} driver {i}"))
        initiative = Initiative(
            **ids,
            title=f"{tag} initiative {i}",
            status="proposed",
            visibility="shared",
            owner_id=owner,
        )
        session.add(initiative)
        session.flush()
        session.add(
            InitiativePriority(
                initiative_id=initiative.id,  # type: ignore[arg-type]
                priority_id=priority.id,  # type: ignore[arg-type]
                account_id=world.account.id,
            )
        )
        session.add(Action(**ids, title=f"{tag} action {i}", owner_id=owner))
        session.add(ValueRating(**ids, overall=i % 11))
    session.commit()


def test_the_pages_run_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    fill_plan(session, world, 1, "first")
    v1 = agree(session, world)
    fill_plan(session, world, 1, "second")
    v2 = agree(session, world)
    sign_in(client, session, world.members["viewer"])
    paths = [
        "/plan",
        "/plan/changes",
        "/plan/changes?summary=1",
        "/plan/versions",
        f"/plan/versions/{v1.id}",
        f"/plan/compare?from={v1.id}&to={v2.id}",
        f"/plan/compare?from={v1.id}&to=current",
    ]

    def counts() -> dict[str, int]:
        found = {}
        for path in paths:
            count_queries.statements.clear()
            assert client.get(url(world, path)).status_code == 200, path
            found[path] = count_queries.count
        return found

    counts()  # warm up
    few = counts()
    fill_plan(session, world, 25, "more")
    big = agree(session, world)
    paths[4] = f"/plan/versions/{big.id}"
    many = counts()
    assert list(many.values()) == list(few.values()), (few, many)
    assert all(n <= 11 for n in few.values()), few  # a snapshot's six queries included


def test_the_plan_page_section_costs_no_query(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add_priority(session, world, "Grow")
    agree(session, world)
    add_priority(session, world, "Hire")
    post(client, world, session, "lead", "submit")
    plan = current_plan(session, world)
    for role in ("sponsor", "lead", "viewer"):
        user = world.members[role]
        access = accounts_repo.load_access(
            session,
            account_id=world.account.id,  # type: ignore[arg-type]
            user_id=user.id,  # type: ignore[arg-type]
        )
        assert access is not None
        count_queries.statements.clear()
        context = agreement_sections.load(session, Actor.of(user), access, plan)
        assert count_queries.count == 0, count_queries.statements
        state = context["agreement"]
        assert state.is_submitted
        assert state.may_approve is (role in ("sponsor", "lead"))
        assert state.may_submit is (role == "lead")
    assert agreement_sections.load in plan_page.LOADERS
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert "Submitted by Account lead" in page
    assert "Approve as client sponsor" in page
    assert 'hx-trigger="load"' in page


# --- two approvals at once --------------------------------------------------------------------


def _approve_together(database: Database, plan_id: int, people: dict[Slot, int]) -> None:
    """The sponsor and the lead approve at the same moment, each in their own transaction."""
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def approve(slot: Slot) -> None:
        try:
            # Meet before the first query: on SQLite a writing transaction queues at its start.
            barrier.wait(timeout=10)
            with database.session() as s:
                user = s.get(User, people[slot])
                plan = s.get(Plan, plan_id)
                assert user is not None
                assert plan is not None
                service.approve(s, actor=user, plan=plan, slot=slot)
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(slot,)) for slot in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_two_approvals_arriving_together_freeze_exactly_one_version(
    live_engine: sa.Engine,
) -> None:
    reset_database(live_engine)
    database = Database(live_engine)
    with database.session() as session:
        world = factories.build_world(session)
        add_priority(session, world, "Grow")
        plan = current_plan(session, world)
        service.submit(session, actor=world.members["lead"], plan=plan)
        session.commit()
        account_id, plan_id = world.account.id, plan.id
        people = {slot: world.members[slot.value].id for slot in Slot}
    assert account_id is not None
    assert plan_id is not None

    for round_ in range(1, 4):
        _approve_together(database, plan_id, people)  # type: ignore[arg-type]
        with database.session() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None
            frozen = s.exec(
                select(PlanVersion)
                .where(PlanVersion.plan_id == plan_id)
                .order_by(col(PlanVersion.number))  # ids are random: no order of their own
            ).all()
            assert [v.number for v in frozen] == list(range(1, round_ + 1))
            assert (plan.status, plan.agreed_version) == (PlanStatus.AGREED, round_)
            assert plan.sponsor_approved_by_id == people[Slot.SPONSOR]
            assert plan.lead_approved_by_id == people[Slot.LEAD]
            agreed = s.exec(
                select(AuditEvent)
                .where(AuditEvent.account_id == account_id)
                .where(AuditEvent.verb == "plan.agreed")
            ).all()
            assert len(agreed) == round_
            # A change and a new submission for the next round.
            lead = s.get(User, people[Slot.LEAD])
            assert lead is not None
            s.add(Action(account_id=account_id, plan_id=plan_id, title=f"Round {round_}"))
            s.flush()
            service.submit(s, actor=lead, plan=plan)
            s.commit()
