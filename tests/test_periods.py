"""Plan periods (DESIGN.md §3.8, issue 11 §4): the lead starts the next period; open items carry
over by default as linked copies, each may be left behind; finished ones stay; the closed
period is read-only on every write route and stays readable by both sides, with its agreement
and versions; the new period starts with its own, empty agreement; one audit event per carried
item plus one for the rollover; the client is told without hearing of internal items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.agreement import repository as agreement_repo
from app.agreement import service as agreement
from app.agreement.service import Slot
from app.apitokens import service as api_tokens
from app.apitokens.schemas import CheckedToken
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.jointreviews import repository as minutes_repo
from app.models import (
    Action,
    ActionStatus,
    AuditEvent,
    Comment,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    JointReview,
    JointReviewStatus,
    Notification,
    OutboxMessage,
    PerceivedPriority,
    Plan,
    PlanStatus,
    PlanVersion,
    Priority,
    PriorityStatus,
    ReviewDecision,
    Role,
    Side,
    StrategyEntry,
    TokenScope,
    User,
    ValueRating,
    Visibility,
)
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.value import service as values_service
from tests import factories
from tests.conftest import CSRF
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_actions import rows_of
from tests.test_authorization_matrix import routes_of
from tests.test_concurrent_edits import _client as live_client
from tests.test_concurrent_edits import race
from tests.testclient import TestClient

DRAFT = "ZZDRAFT-internal-initiative"
TEAM_NOTE = "ZZTEAM-only-note"


@dataclass
class Story:
    """A plan FY2027 with items in every state, agreed once."""

    plan: Plan
    top: Priority  # active, rank 1
    second: Priority  # active, rank 2
    suggestion: Priority  # waiting for the client
    rejected: Priority
    draft: Initiative
    proposed: Initiative  # answers ``top``
    accepted: Initiative  # answers ``second``
    declined: Initiative
    parked: Initiative
    started: Action  # in progress, serves ``second``
    waiting: Action  # not started, serves ``proposed``
    done: Action
    cancelled: Action
    entry: StrategyEntry
    comment: Comment  # the sponsor's, on ``top``
    belief: PerceivedPriority

    def open_ids(self) -> set[int]:
        items = (self.top, self.second, self.suggestion, self.draft, self.proposed)
        more = (self.accepted, self.started, self.waiting)
        return {i.id for i in (*items, *more) if i.id is not None}


def _initiative(session: Session, world: World, plan: Plan, title: str, **kw: Any) -> Initiative:
    lead = world.members["lead"]
    return initiatives.create(
        session, actor=lead, plan=plan, values=InitiativeValues(title=title, **kw)
    )


def _shared(
    session: Session, world: World, item: Initiative, answer: InitiativeStatus | None = None
) -> Initiative:
    initiatives.propose(
        session, actor=world.members["lead"], initiative=item, expected_version=item.version
    )
    if answer is not None:
        initiatives.answer(
            session,
            actor=world.members["sponsor"],
            initiative=item,
            status=answer,
            reason="",
            expected_version=item.version,
        )
    return item


def _action(
    session: Session, world: World, plan: Plan, title: str, status: str, link: Link
) -> Action:
    return actions.create(
        session,
        actor=world.members["member"],
        plan=plan,
        checked=CheckedAction(title, "", None, None, status, link),
    )


def _priorities(session: Session, world: World, plan: Plan) -> list[Priority]:
    sponsor, lead = world.members["sponsor"], world.members["lead"]
    top = priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues("Cut dwell"))
    second = priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues("EU lanes"))
    gone = priorities.create(session, actor=sponsor, plan=plan, values=PriorityValues("Gone one"))
    priorities.remove(session, actor=sponsor, priority=gone)
    suggestion = priorities.suggest(
        session, actor=lead, plan=plan, values=PriorityValues("Greener fleet")
    )
    rejected = priorities.suggest(
        session, actor=lead, plan=plan, values=PriorityValues("Rejected idea")
    )
    priorities.reject(session, actor=sponsor, suggestion=rejected, reason="No", expected_version=1)
    return [top, second, suggestion, rejected]


def build_story(session: Session, world: World) -> Story:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    plan.period = "FY2027"
    session.add(plan)
    top, second, suggestion, rejected = _priorities(session, world, plan)
    assert top.id
    assert second.id
    draft = _initiative(session, world, plan, DRAFT)
    proposed = _shared(
        session, world, _initiative(session, world, plan, "Yard pilot", priority_ids=[top.id])
    )
    accepted = _shared(
        session,
        world,
        _initiative(session, world, plan, "Lane analytics", priority_ids=[second.id]),
        InitiativeStatus.ACCEPTED,
    )
    declined = _shared(
        session, world, _initiative(session, world, plan, "Declined one"), InitiativeStatus.DECLINED
    )
    parked = _shared(
        session, world, _initiative(session, world, plan, "Parked one"), InitiativeStatus.PARKED
    )
    started = _action(session, world, plan, "Map the lanes", "in_progress", Link(second.id))
    waiting = _action(session, world, plan, "Pilot kickoff", "not_started", Link(None, proposed.id))
    done = _action(session, world, plan, "Done action", "done", Link())
    cancelled = _action(session, world, plan, "Cancelled action", "cancelled", Link())
    entry = strategy.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=StrategyValues(kind="driver", text="Faster turns"),
    )
    values_service.rate(
        session,
        actor=world.members["sponsor"],
        account=world.account,
        plan=plan,
        overall=7,
        scores={},
        comment="Good year",
    )
    comment = _comment(session, world, top, "Shared thought", "sponsor")
    _comment(session, world, top, TEAM_NOTE, "lead", team_only=True)
    belief = perception.add_belief(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=BeliefValues(title="They want speed", priority_id=None),
    )
    agreement.submit(session, actor=world.members["lead"], plan=plan)
    agreement.approve(session, actor=world.members["sponsor"], plan=plan, slot=Slot.SPONSOR)
    agreement.approve(session, actor=world.members["lead"], plan=plan, slot=Slot.LEAD)
    session.commit()
    return Story(
        plan, top, second, suggestion, rejected, draft, proposed, accepted, declined, parked,
        started, waiting, done, cancelled, entry, comment, belief,
    )  # fmt: skip


def _comment(
    session: Session, world: World, item: Priority, body: str, who: str, team_only: bool = False
) -> Comment:
    assert item.id is not None
    target = comments_repo.find_target(
        session, account_id=item.account_id, item_type="priority", item_id=item.id
    )
    assert target is not None
    return comments.add(
        session, actor=world.members[who], target=target, body=body, team_only=team_only, people=[]
    )


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def form(story: Story, leave: list[int] | None = None, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": CSRF,
        "period": "FY2028",
        "starts_on": "2028-01-01",
        "ends_on": "2028-12-31",
        "from_plan": str(story.plan.id),
        "leave": [str(i) for i in leave or []],
        "step": "confirm",
    }
    return data | changes


def roll_over(client: TestClient, session: Session, world: World, story: Story, **kw: Any) -> Plan:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/next"), data=form(story, **kw))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == url(world, "/plan")
    session.expire_all()
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    assert plan.id != story.plan.id
    return plan


def rows(session: Session, model: Any, plan: Plan) -> list[Any]:
    return list(session.exec(select(model).where(model.plan_id == plan.id)).all())


@pytest.fixture
def story(session: Session, world: World) -> Story:
    return build_story(session, world)


# --- The form and its confirmation ---------------------------------------------------------


def test_the_form_lists_the_open_items_to_leave_behind(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan/next"))
    assert page.status_code == 200
    for item in (story.top, story.second, story.suggestion, story.draft, story.proposed):
        assert f'name="leave" value="{item.id}"' in page.text
    for item in (story.accepted, story.started, story.waiting):
        assert f'name="leave" value="{item.id}"' in page.text
    for title in ("Rejected idea", "Declined one", "Parked one", "Done action", "Gone one"):
        assert title not in page.text
    assert "checked" not in page.text  # everything open carries over unless ticked


def test_reviewing_the_choices_writes_nothing_and_asks_to_confirm(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    sign_in(client, session, world.members["lead"])
    before = len(session.exec(select(AuditEvent)).all())
    response = client.post(
        url(world, "/plan/next"), data=form(story, leave=[story.second.id or 0], step="")
    )
    assert response.status_code == 200
    assert "Start FY2028 now" in response.text
    assert "cannot be undone" in response.text
    assert "Left behind in FY2027" in response.text
    assert 'name="step" value="confirm"' in response.text
    session.expire_all()
    assert len(session.exec(select(AuditEvent)).all()) == before
    assert plans_repo.current(session, account_id=world.account.id).id == story.plan.id  # type: ignore[arg-type, union-attr]
    # Going back keeps the choices.
    back = client.post(
        url(world, "/plan/next"), data=form(story, leave=[story.second.id or 0], step="edit")
    )
    assert back.status_code == 200
    assert f'value="{story.second.id}" id="leave-{story.second.id}" checked' in back.text
    assert 'value="FY2028"' in back.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": ""}, "Enter the name of the new period."),
        ({"period": "fy2027"}, "There is already a period called"),
        ({"ends_on": "2027-06-30"}, "The period has to end after it starts."),
        ({"starts_on": "someday"}, "Enter the first day of the period as a date"),
    ],
)
def test_bad_input_is_refused_with_the_text_kept(
    client: TestClient,
    session: Session,
    world: World,
    story: Story,
    changes: dict[str, str],
    message: str,
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/next"), data=form(story, **changes))
    assert response.status_code == 422
    assert message in response.text
    for value in changes.values():
        assert f'value="{value}"' in response.text
    session.expire_all()
    assert plans_repo.current(session, account_id=world.account.id).id == story.plan.id  # type: ignore[arg-type, union-attr]


def test_an_item_to_leave_behind_must_be_an_open_item_of_the_plan(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/next"), data=form(story, leave=[story.done.id or 0]))
    assert response.status_code == 422
    assert "not open items of this plan" in response.text


# --- What carries over ---------------------------------------------------------------------


def test_open_items_carry_over_as_linked_copies_and_the_rest_stays(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    new = roll_over(client, session, world, story, leave=[story.second.id, story.waiting.id])
    carried = {p.carried_from_id: p for p in rows(session, Priority, new)}
    assert set(carried) == {story.top.id, story.suggestion.id}
    assert carried[story.top.id].rank == 1
    assert carried[story.top.id].title == "Cut dwell"
    assert carried[story.suggestion.id].status == PriorityStatus.SUGGESTED
    assert carried[story.suggestion.id].rank is None
    assert all(p.id not in {story.top.id, story.suggestion.id} for p in carried.values())

    initiatives_now = {i.carried_from_id: i for i in rows(session, Initiative, new)}
    assert set(initiatives_now) == {story.draft.id, story.proposed.id, story.accepted.id}
    assert initiatives_now[story.draft.id].visibility == Visibility.INTERNAL
    assert initiatives_now[story.accepted.id].status == InitiativeStatus.ACCEPTED
    links = session.exec(
        select(InitiativePriority).where(
            col(InitiativePriority.initiative_id).in_([i.id for i in initiatives_now.values()])
        )
    ).all()
    # The proposed one still answers the carried top priority; the accepted one answered the
    # priority left behind, so its link stays with the old period only.
    assert {(link.initiative_id, link.priority_id) for link in links} == {
        (initiatives_now[story.proposed.id].id, carried[story.top.id].id)
    }

    actions_now = {a.carried_from_id: a for a in rows(session, Action, new)}
    assert set(actions_now) == {story.started.id}
    assert actions_now[story.started.id].status == ActionStatus.IN_PROGRESS
    assert actions_now[story.started.id].priority_id is None  # its priority was left behind

    assert [e.text for e in rows(session, StrategyEntry, new)] == ["Faster turns"]
    assert rows(session, ValueRating, new) == []
    assert rows(session, Comment, new) == []
    assert rows(session, PerceivedPriority, new) == []


def test_the_old_period_stays_as_it_was_and_the_new_one_has_its_own_empty_agreement(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    version_before = session.exec(
        select(PlanVersion).where(PlanVersion.plan_id == story.plan.id)
    ).one()
    snapshot, items_before = dict(version_before.snapshot), len(rows(session, Priority, story.plan))
    new = roll_over(client, session, world, story)
    old = session.get(Plan, story.plan.id)
    assert old is not None
    assert not old.is_current
    assert old.closed_at is not None
    assert old.status == PlanStatus.AGREED
    assert old.agreed_version == 1
    assert len(rows(session, Priority, old)) == items_before
    version = session.exec(select(PlanVersion).where(PlanVersion.plan_id == old.id)).one()
    assert version.snapshot == snapshot
    assert (new.period, str(new.starts_on), str(new.ends_on)) == (
        "FY2028",
        "2028-01-01",
        "2028-12-31",
    )
    assert new.previous_id == old.id
    assert new.status == PlanStatus.DRAFT
    assert new.agreed_version == 0
    assert new.submitted_at is None
    assert new.sponsor_approved_by_id is None
    assert rows(session, PlanVersion, new) == []
    page = client.get(url(world, "/plan"))
    assert "Draft: not agreed yet." in page.text


def test_a_carried_actions_row_answer_names_the_period_it_came_from(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    """The answer to a status change that leaves a carried action open draws its row alone
    (app/actions/sections.py ``load_row``), with the link to its earlier discussion naming the
    period before, as the section draws it."""
    new = roll_over(client, session, world, story)
    [copy] = [a for a in rows(session, Action, new) if a.carried_from_id == story.started.id]
    answer = client.post(
        url(world, f"/actions/{copy.id}/status"),
        data={"status": "blocked", "version": str(copy.version)},
        headers={"HX-Request": "true", "X-CSRF-Token": CSRF},
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Reswap"] == "none"
    assert "Carried over from FY2027: earlier discussion" in answer.text
    section = client.get(
        url(world, "/plan/sections/actions?actions=all"), headers={"HX-Request": "true"}
    )
    assert rows_of(answer.text) == {copy.id: rows_of(section.text)[copy.id]}


def test_one_audit_event_per_carried_item_and_one_for_the_rollover(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    new = roll_over(client, session, world, story, leave=[story.waiting.id])
    events = session.exec(select(AuditEvent).where(AuditEvent.account_id == world.account.id)).all()
    started = [e for e in events if e.verb == "plan.period_started"]
    carried = [e for e in events if e.verb.endswith(".carried_over")]
    assert len(started) == 1
    assert started[0].item_id == str(new.id)
    copies = [
        *rows(session, Priority, new),
        *rows(session, Initiative, new),
        *rows(session, Action, new),
        *rows(session, StrategyEntry, new),
    ]
    assert len(carried) == len(copies) == 8
    assert {e.item_id for e in carried} == {str(c.id) for c in copies}
    draft = next(c for c in copies if getattr(c, "carried_from_id", 0) == story.draft.id)
    internal = [e for e in carried if e.visibility == Visibility.INTERNAL]
    assert [e.item_id for e in internal] == [str(draft.id)]


def test_the_client_is_told_without_hearing_of_internal_items(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    roll_over(client, session, world, story)
    sponsor = world.members["sponsor"]
    note = session.exec(
        select(Notification)
        .where(Notification.user_id == sponsor.id)
        .where(Notification.kind == "plan.period_started")
    ).one()
    # Three priorities (a suggestion too), the proposed and accepted initiatives (not the draft), two open actions.
    assert "FY2028" in note.message
    assert "2 initiatives" in note.message
    assert "3 priorities" in note.message
    assert "2 actions" in note.message
    assert DRAFT not in note.message
    mail = session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == sponsor.email)
    ).all()
    assert any("FY2028" in m.subject for m in mail)
    assert not any(DRAFT in m.body_text or DRAFT in m.subject for m in mail)
    assert session.exec(
        select(Notification).where(Notification.user_id == world.members["team"].id)
    ).all()


# --- The closed period: readable by both sides, read-only on every write route --------------


def test_both_sides_read_the_closed_period_with_its_agreement_and_versions(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    roll_over(client, session, world, story, leave=[story.second.id])
    old = url(world, f"/plans/{story.plan.id}")
    for who in ("sponsor", "viewer", "lead", "mentor"):
        sign_in(client, session, world.members[who])
        page = client.get(old)
        assert page.status_code == 200
        assert "FY2027 is a closed period" in page.text
        assert "EU lanes" in page.text  # left behind: still in its period
        assert "Add a priority" not in page.text
        assert "/remove" not in page.text
        assert "/edit" not in page.text
        assert "Start the next period" not in page.text
        # A closed period never changes: no event stream, no live section swapped in.
        assert "sse-connect" not in page.text
        assert "live.js" not in page.text
        assert (DRAFT in page.text) is (who in ("lead", "mentor"))
        versions = client.get(url(world, f"/plan/versions?period={story.plan.id}"))
        assert versions.status_code == 200
        assert "Version 1" in versions.text
        thread = client.get(url(world, f"/threads/priority/{story.top.id}"))
        assert "Shared thought" in thread.text
        assert (TEAM_NOTE in thread.text) is (who in ("lead", "mentor"))
        assert "comment-form" not in thread.text
    current = client.get(url(world, "/plan"))
    assert f'sse-connect="/accounts/{world.account.id}/events?after=' in current.text
    assert f'href="/accounts/{world.account.id}/plans/{story.plan.id}"' in current.text
    assert f"/threads/priority/{story.top.id}" in current.text  # the carried copy links back


def test_a_period_of_another_account_is_not_found(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    other = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert other is not None
    sign_in(client, session, world.members["lead"])
    assert client.get(url(world, f"/plans/{other.id}")).status_code == 404
    assert client.get(url(world, f"/plan/versions?period={other.id}")).status_code == 404


def _writes(story: Story) -> list[tuple[str, str, str, dict[str, str]]]:
    """(who, method, path under the account, form) for every write route of a plan item."""
    top, sug, entry, initiative = story.top.id, story.suggestion.id, story.entry.id, story.draft.id
    action, comment, plan = story.started.id, story.comment.id, story.plan.id
    priority_form = {"title": "Changed", "importance": "high", "horizon": "next", "version": "1"}
    return [
        ("sponsor", "GET", f"/priorities/{top}/edit", {}),
        ("sponsor", "POST", f"/priorities/{top}", priority_form),
        ("sponsor", "POST", f"/priorities/{top}/move", {"direction": "down"}),
        ("sponsor", "POST", f"/priorities/{top}/remove", {}),
        ("sponsor", "POST", f"/suggestions/{sug}/accept", {"version": "1"}),
        ("sponsor", "POST", f"/suggestions/{sug}/reject", {"version": "1", "reason": "No"}),
        ("sponsor", "POST", f"/suggestions/{sug}/reword", priority_form),
        ("sponsor", "POST", f"/strategy/{entry}", {"text": "Changed", "version": "1"}),
        ("sponsor", "POST", f"/strategy/{entry}/move", {"direction": "down"}),
        ("sponsor", "POST", f"/strategy/{entry}/remove", {}),
        ("lead", "POST", f"/initiatives/{initiative}", {"title": "Changed", "version": "1"}),
        ("lead", "POST", f"/initiatives/{initiative}/propose", {"version": "1"}),
        ("lead", "POST", f"/initiatives/{initiative}/remove", {}),
        ("sponsor", "POST", f"/initiatives/{story.proposed.id}/answer", {"status": "accepted", "version": "2"}),
        ("member", "POST", f"/actions/{action}", {"title": "Changed", "status": "done", "version": "1"}),
        ("member", "POST", f"/actions/{action}/status", {"status": "done", "version": "1"}),
        ("member", "POST", f"/actions/{action}/remove", {}),
        ("sponsor", "POST", f"/threads/priority/{top}", {"body": "Late comment"}),
        ("sponsor", "POST", f"/threads/strategy/{plan}?section=driver", {"body": "Late comment"}),
        ("sponsor", "POST", f"/comments/{comment}/edit", {"body": "Changed", "version": "1"}),
        ("sponsor", "POST", f"/comments/{comment}/delete", {}),
        ("lead", "POST", f"/perception/beliefs/{story.belief.id}", {"title": "Changed", "version": "1"}),
        ("lead", "POST", f"/perception/beliefs/{story.belief.id}/move", {"direction": "down"}),
        ("lead", "POST", f"/perception/beliefs/{story.belief.id}/remove", {}),
        # Answered from the home's "Waiting for you" (app/waiting/routes.py)
        ("sponsor", "POST", f"/waiting/suggestions/{sug}/accept", {"version": "1"}),
        ("sponsor", "POST", f"/waiting/suggestions/{sug}/reject", {"version": "1", "reason": "No"}),
        ("sponsor", "POST", f"/waiting/initiatives/{story.proposed.id}/answer", {"decision": "accept", "version": "2"}),
        ("member", "POST", f"/waiting/actions/{action}/status", {"status": "done", "version": "1"}),
    ]  # fmt: skip


WRITE_ROUTES = 28


def test_every_write_route_of_a_plan_item_is_listed(app: FastAPI) -> None:
    """The list above is checked against the router: a new item write route joins it."""
    markers = (
        "{priority_id}", "{suggestion_id}", "{entry_id}", "{initiative_id}", "{action_id}",
        "{comment_id}", "{belief_id}", "/threads/",
    )  # fmt: skip
    item_routes = {
        (method, path)
        for method, path in routes_of(app.routes)
        if method == "POST"
        and any(marker in path for marker in markers)
        and not path.startswith(API)  # the API's, below
    }
    assert len(item_routes) == WRITE_ROUTES - 2  # the edit page (GET) and the strategy thread
    api_writes = {
        (method, path)
        for method, path in routes_of(app.routes)
        if path.startswith(API) and method not in ("GET", "HEAD")
    }
    assert api_writes == API_WRITES, "a new API write joins API_WRITES and the test below"


API = "/api/v1"
# The API's changes of an item (each asked of the closed period below), and its creates, which
# always go to the current plan.
API_CREATES = {
    ("POST", f"{API}/accounts/{{account_id}}/{kind}")
    for kind in ("suggestions", "ratings", "initiatives", "strategy")
}


def _api_writes(story: Story) -> list[tuple[str, str, str, dict[str, str], Any]]:
    """(who, method, path under the account, JSON, the item for If-Match) for every API write
    of an item."""
    action, draft, proposed, sug = story.started, story.draft, story.proposed, story.suggestion
    return [
        ("member", "PATCH", f"/actions/{action.id}", {"status": "done"}, action),
        ("member", "POST", f"/actions/{action.id}/comments", {"body": "Late"}, None),
        ("lead", "PATCH", f"/initiatives/{draft.id}", {"title": "Changed"}, draft),
        ("lead", "POST", f"/initiatives/{draft.id}/propose", {}, draft),
        ("sponsor", "POST", f"/initiatives/{proposed.id}/answer", {"decision": "accept"}, proposed),
        ("sponsor", "POST", f"/suggestions/{sug.id}/accept", {}, sug),
        ("sponsor", "POST", f"/suggestions/{sug.id}/reject", {"reason": "No"}, sug),
        ("sponsor", "PATCH", f"/strategy/{story.entry.id}", {"text": "Changed"}, story.entry),
        ("sponsor", "POST", f"/threads/priority/{story.top.id}/comments", {"body": "Late"}, None),
    ]


API_ITEM_ROUTES = {
    ("PATCH", f"{API}/accounts/{{account_id}}/actions/{{action_id}}"),
    ("POST", f"{API}/accounts/{{account_id}}/actions/{{action_id}}/comments"),
    ("PATCH", f"{API}/accounts/{{account_id}}/initiatives/{{initiative_id}}"),
    ("POST", f"{API}/accounts/{{account_id}}/initiatives/{{initiative_id}}/propose"),
    ("POST", f"{API}/accounts/{{account_id}}/initiatives/{{initiative_id}}/answer"),
    ("POST", f"{API}/accounts/{{account_id}}/suggestions/{{suggestion_id}}/accept"),
    ("POST", f"{API}/accounts/{{account_id}}/suggestions/{{suggestion_id}}/reject"),
    ("PATCH", f"{API}/accounts/{{account_id}}/strategy/{{entry_id}}"),
    ("POST", f"{API}/accounts/{{account_id}}/threads/{{target}}/{{item_id}}/comments"),
}
API_WRITES = API_ITEM_ROUTES | API_CREATES


def test_the_closed_period_is_read_only_through_the_api(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    """The API's writes ask the same guards: every item of the closed period is 409 there too,
    and nothing is recorded."""
    roll_over(client, session, world, story)
    client.cookies.clear()
    writes = _api_writes(story)
    assert len(writes) == len(API_ITEM_ROUTES)
    secrets = {}
    for who in {w[0] for w in writes}:
        _token, secrets[who] = api_tokens.create(
            session,
            actor=world.members[who],
            checked=CheckedToken("Closed period", TokenScope.WRITE, 90),
        )
    session.commit()
    before = len(session.exec(select(AuditEvent)).all())
    for who, method, path, body, item in writes:
        headers = {"Authorization": f"Bearer {secrets[who]}"}
        if item is not None:
            headers["If-Match"] = f'"v{item.version}"'
        url = f"{API}/accounts/{world.account.id}{path}"
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 409, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    session.expire_all()
    assert len(session.exec(select(AuditEvent)).all()) == before


@pytest.mark.parametrize("index", range(WRITE_ROUTES))
def test_the_closed_period_is_read_only_on_every_write_route(
    client: TestClient, session: Session, world: World, story: Story, index: int
) -> None:
    roll_over(client, session, world, story)
    who, method, path, data = _writes(story)[index]
    before = len(session.exec(select(AuditEvent)).all())
    sign_in(client, session, world.members[who])
    response = client.request(
        method, url(world, path), data=data | {"csrf_token": CSRF} if method == "POST" else None
    )
    assert response.status_code == 409, (path, response.status_code, response.text[:300])
    assert "This period is closed" in response.text
    session.expire_all()
    assert len(session.exec(select(AuditEvent)).all()) == before


def test_an_internal_item_of_the_closed_period_stays_not_found_for_the_client(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    roll_over(client, session, world, story)
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, f"/threads/initiative/{story.draft.id}"),
        data={"csrf_token": CSRF, "body": "Hello"},
    )
    assert response.status_code == 404


def test_writes_after_the_rollover_go_to_the_new_period(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    new = roll_over(client, session, world, story)
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/priorities"),
        data={"csrf_token": CSRF, "title": "Fresh", "importance": "high", "horizon": "next"},
    )
    assert response.status_code == 303
    session.expire_all()
    assert "Fresh" in [p.title for p in rows(session, Priority, new)]
    assert "Fresh" not in [p.title for p in rows(session, Priority, story.plan)]


def test_starting_from_a_period_that_is_closed_meanwhile_is_a_conflict(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    roll_over(client, session, world, story)
    before = len(session.exec(select(AuditEvent)).all())
    response = client.post(url(world, "/plan/next"), data=form(story, period="FY2029"))
    assert response.status_code == 409
    assert "was started meanwhile" in response.text
    session.expire_all()
    assert len(session.exec(select(AuditEvent)).all()) == before


# --- Simultaneous requests (a real server, committed transactions) --------------------------


def _live_scene(server: LiveServer, roles: list[Role]) -> tuple[int, int, list[User]]:
    """An account whose people have ``roles``: (account id, current plan id, people)."""
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        people = []
        for i, role in enumerate(roles):
            person = factories.make_user(
                session,
                name=f"{role.label} {i}",
                password=None,
                workspace=workspace if role.side is Side.VENDOR else None,
            )
            factories.add_member(session, account=account, user=person, role=role, by=admin)
            people.append(person)
        assert account.id is not None
        plan = plans_repo.current(session, account_id=account.id)
        assert plan is not None
        assert plan.id is not None
        session.commit()
        return account.id, plan.id, people


def _next(plan_id: int, name: str) -> dict[str, str]:
    return {
        "csrf_token": CSRF,
        "period": name,
        "starts_on": "2028-01-01",
        "ends_on": "2028-12-31",
        "from_plan": str(plan_id),
        "step": "confirm",
    }


def test_simultaneous_rollovers_start_one_period(live_server: LiveServer) -> None:
    account_id, plan_id, leads = _live_scene(live_server, [Role.LEAD] * 4)
    clients = [live_client(live_server, lead) for lead in leads]
    path = f"/accounts/{account_id}/plan/next"
    try:
        answers = race(
            [
                partial(c.post, path, data=_next(plan_id, f"FY{2028 + i}"))
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303, 409, 409, 409], [a.text[:300] for a in answers]
    assert all("was started meanwhile" in a.text for a in answers if a.status_code == 409)
    with Session(live_server.db.engine) as session:
        plans = session.exec(select(Plan).where(Plan.account_id == account_id)).all()
        assert len(plans) == 2
        assert [p.id for p in plans if not p.is_current] == [plan_id]
        started = session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id)
            .where(AuditEvent.verb == "plan.period_started")
        ).all()
        assert len(started) == 1


def _race_the_rollover(
    clients: list[httpx.Client],
    path: str,
    plan_id: int,
    writes: list[Callable[[], httpx.Response]],
) -> list[httpx.Response]:
    """The first client (a lead) starts the next period while ``writes`` are sent, all at once:
    the answers in that order. Every client is closed after."""
    try:
        return race([partial(clients[0].post, path, data=_next(plan_id, "FY2028")), *writes])
    finally:
        for c in clients:
            c.close()


def test_a_change_racing_the_rollover_is_carried_over_or_made_in_the_new_period(
    live_server: LiveServer,
) -> None:
    """Priorities added while the lead starts the next period: each one is either made before
    (and carried over, under the same lock) or after (in the new period); none is lost in the
    closed period."""
    account_id, plan_id, people = _live_scene(live_server, [Role.LEAD] + [Role.MEMBER] * 4)
    clients = [live_client(live_server, p) for p in people]
    members = clients[1:]
    base = f"/accounts/{account_id}"
    adds = [
        partial(
            m.post,
            f"{base}/priorities",
            data={
                "csrf_token": CSRF,
                "title": f"Racer {i}",
                "importance": "high",
                "horizon": "now",
            },
        )
        for i, m in enumerate(members)
    ]
    answers = _race_the_rollover(clients, f"{base}/plan/next", plan_id, adds)
    assert [a.status_code for a in answers] == [303] * 5, [a.text[:300] for a in answers]
    with Session(live_server.db.engine) as session:
        new = plans_repo.current(session, account_id=account_id)
        assert new is not None
        assert new.id != plan_id
        in_new = session.exec(select(Priority).where(Priority.plan_id == new.id)).all()
        assert sorted(p.title for p in in_new) == [f"Racer {i}" for i in range(4)]
        assert sorted(p.rank or 0 for p in in_new) == [1, 2, 3, 4]
        in_old = session.exec(select(Priority).where(Priority.plan_id == plan_id)).all()
        carried = {p.carried_from_id for p in in_new if p.carried_from_id is not None}
        assert carried == {p.id for p in in_old}


def _discussed(server: LiveServer, plan_id: int, author: User) -> int:
    """A priority of the plan ``plan_id`` to comment on: its id."""
    with server.db.session() as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        priority = priorities.create(
            session, actor=author, plan=plan, values=PriorityValues(title="Discussed")
        )
        session.commit()
        assert priority.id is not None
        return priority.id


def test_actions_and_comments_racing_the_rollover_land_on_one_side_of_it(
    live_server: LiveServer,
) -> None:
    """Actions and comments lock the current plan in share mode (they run side by side), which
    still holds off the rollover's exclusive lock: an action is made before it (and carried
    over) or after it (in the new period); a comment on the old period's priority is made
    before it (its event comes first on the account's chain) or refused as the period closed."""
    account_id, plan_id, people = _live_scene(live_server, [Role.LEAD] + [Role.MEMBER] * 4)
    priority_id = _discussed(live_server, plan_id, people[1])
    clients = [live_client(live_server, p) for p in people]
    members = clients[1:]
    base = f"/accounts/{account_id}"
    writes = [
        partial(m.post, f"{base}/actions", data={"csrf_token": CSRF, "title": f"Racer {i}"})
        for i, m in enumerate(members[:2])
    ] + [
        partial(
            m.post,
            f"{base}/threads/priority/{priority_id}",
            data={"csrf_token": CSRF, "body": f"Said {i}"},
        )
        for i, m in enumerate(members[2:])
    ]
    answers = _race_the_rollover(clients, f"{base}/plan/next", plan_id, writes)
    assert [a.status_code for a in answers[:3]] == [303] * 3, [a.text[:300] for a in answers]
    assert all(a.status_code in (303, 409) for a in answers[3:]), [a.text[:300] for a in answers]
    with Session(live_server.db.engine) as session:
        new = plans_repo.current(session, account_id=account_id)
        assert new is not None
        assert new.id != plan_id
        in_new = session.exec(select(Action).where(Action.plan_id == new.id)).all()
        assert sorted(a.title for a in in_new) == ["Racer 0", "Racer 1"]
        in_old = session.exec(select(Action).where(Action.plan_id == plan_id)).all()
        assert {a.carried_from_id for a in in_new} - {None} == {a.id for a in in_old}
        events = session.exec(
            select(AuditEvent.verb, AuditEvent.seq)
            .where(AuditEvent.account_id == account_id)
            .where(col(AuditEvent.verb).in_(["comment.added", "plan.period_started"]))
        ).all()
        started = next(seq for verb, seq in events if verb == "plan.period_started")
        said = [seq for verb, seq in events if verb == "comment.added"]
        assert all(seq < started for seq in said)
        assert len(said) == sum(a.status_code == 303 for a in answers[3:])


def test_a_comment_does_not_wait_for_another_writer_holding_the_plan_in_share_mode(
    live_server: LiveServer,
) -> None:
    """While another transaction holds the current plan in share mode (an action or a comment
    being written), a comment is made at once; the rollover, which needs the plan
    exclusively, waits for it. (SQLite serialises every writer on its file lock instead.)"""
    if live_server.db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite's writers queue on BEGIN IMMEDIATE")
    account_id, plan_id, people = _live_scene(live_server, [Role.LEAD, Role.MEMBER])
    priority_id = _discussed(live_server, plan_id, people[1])
    lead, member = (live_client(live_server, p) for p in people)
    base = f"/accounts/{account_id}"
    holder = live_server.db.session()
    try:
        assert plans_repo.current(holder, account_id=account_id, lock=True, shared=True)
        said = member.post(
            f"{base}/threads/priority/{priority_id}",
            data={"csrf_token": CSRF, "body": "Not held up"},
            timeout=10,
        )
        assert said.status_code == 303, said.text[:300]
        with pytest.raises(httpx.ReadTimeout):
            lead.post(f"{base}/plan/next", data=_next(plan_id, "FY2028"), timeout=2)
    finally:
        holder.rollback()
        holder.close()
        lead.close()
        member.close()


def test_a_share_locked_plan_is_never_locked_exclusively_or_changed(
    session: Session, world: World
) -> None:
    """Two transactions that each hold the plan in share mode and then want it exclusively
    would wait for each other: the repository refuses the second lock, and a change of the
    plan's row, in a transaction that took the share lock (``SHARED_PERIOD_WRITES``)."""
    session.info["writes"] = True
    plan = plans_repo.current(session, account_id=world.account.id, lock=True, shared=True)
    assert plan is not None
    assert plan.id is not None
    with pytest.raises(plans_repo.SharedPlanLockError):
        plans_repo.lock_plan(session, plan_id=plan.id)
    with pytest.raises(plans_repo.SharedPlanLockError):
        agreement_repo.lock_plan(session, account_id=plan.account_id, plan_id=plan.id)
    plan.review_cadence_months = 6
    with pytest.raises(plans_repo.SharedPlanLockError):
        session.flush()
    session.rollback()
    session.info["writes"] = True
    plan = plans_repo.current(session, account_id=world.account.id, lock=True)
    assert plan is not None
    assert plan.id is not None
    plans_repo.lock_plan(session, plan_id=plan.id)  # an exclusive lock may be taken again
    plan.review_cadence_months = 6
    session.flush()


# --- The joint review still to be held, and what a copy takes -------------------------------------


def _review(session: Session, world: World, plan: Plan) -> JointReview:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from app.jointreviews import service as joint_reviews
    from app.jointreviews.schemas import CheckedSchedule, CheckedTime
    from app.kit.clock import now

    review = joint_reviews.schedule(
        session,
        actor=world.members["lead"],
        account=world.account,
        plan=plan,
        checked=CheckedSchedule(
            CheckedTime(now().astimezone(ZoneInfo("UTC")) + timedelta(days=3), "UTC", 60),
            (world.members["lead"].id, world.members["sponsor"].id),  # type: ignore[arg-type]
        ),
    )
    session.commit()
    return review


def test_a_joint_review_still_to_be_held_moves_with_the_plan(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    review = _review(session, world, story.plan)
    new = roll_over(client, session, world, story)
    session.refresh(review)
    assert review.plan_id == new.id  # the lead finds it with the plan, open
    assert review.status == JointReviewStatus.SCHEDULED
    moved = session.exec(
        select(AuditEvent)
        .where(AuditEvent.verb == "joint_review.moved_to_period")
        .where(AuditEvent.item_id == review.id)
    ).one()
    assert moved.changes == {"period": ["FY2027", "FY2028"]}
    page = client.get(url(world, f"/joint-reviews/{review.id}"))
    assert f"/joint-reviews/{review.id}/decisions" in page.text  # its minutes can be taken


def test_a_moved_reviews_minutes_list_the_carried_copies(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    from app.jointreviews import service as joint_reviews

    review = _review(session, world, story.plan)
    in_minutes = joint_reviews.add_action(
        session,
        actor=world.members["lead"],
        plan=story.plan,
        review=review,
        checked=CheckedAction("Agreed in the review", "", None, None, "not_started", Link()),
    )
    session.commit()
    new = roll_over(client, session, world, story)
    # The review moved with the plan, and the action recorded in its minutes carried over as
    # a copy of the new period: the minutes now list the copy (the one people work on), not
    # the closed period's original, and only once.
    [copy] = [a for a in rows(session, Action, new) if a.carried_from_id == in_minutes.id]
    assert copy.joint_review_id == review.id
    assert copy.title == "Agreed in the review"
    session.refresh(review)
    assert [a.id for a in minutes_repo.actions(session, review_id=review.id, plan_id=new.id)] == [
        copy.id
    ]


def test_a_review_left_in_a_closed_period_is_read_only(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    """As an earlier version left it: scheduled, in the period that was closed."""
    review = _review(session, world, story.plan)
    roll_over(client, session, world, story)
    session.refresh(review)
    review.plan_id = story.plan.id  # type: ignore[assignment]
    session.add(review)
    session.commit()
    page = client.get(url(world, f"/joint-reviews/{review.id}"))
    assert page.status_code == 200
    base = f"/joint-reviews/{review.id}"
    for form in ("/decisions", "/move", "/close", "/cancel", "/actions"):
        assert f'{base}{form}"' not in page.text
    refused = client.post(
        url(world, f"{base}/decisions"), data={"csrf_token": CSRF, "text": "Too late"}
    )
    assert refused.status_code == 409
    assert "closed period" in refused.text
    assert session.exec(select(ReviewDecision)).all() == []


def test_the_switcher_says_when_the_period_closed_in_the_readers_zone(
    client: TestClient, session: Session, world: World, story: Story
) -> None:
    from datetime import UTC, datetime, timedelta

    from app.kit.clock import clock

    clock.set(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))  # still 28 February in New York
    roll_over(client, session, world, story)
    sponsor = world.members["sponsor"]
    sponsor.time_zone = "America/New_York"
    session.add(sponsor)
    session.commit()
    clock.advance(timedelta(days=10))
    sign_in(client, session, sponsor)
    page = client.get(url(world, f"/plans/{story.plan.id}"))
    assert page.status_code == 200
    note = page.text[page.text.index('id="period-closed"') :]
    assert '<time datetime="2027-03-01T02:00:00+00:00" title="28 Feb 2027, 21:00 EST">' in note
    assert ">on 28 Feb 2027<" in note
