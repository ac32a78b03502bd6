"""Two (or more) people saving the same item at the same moment: exactly one wins, every other
one gets the conflict message, and nothing is overwritten silently (DESIGN.md §8).

The requests go to the app served on a real port, on a database whose transactions really
commit, released together by a barrier so that they overlap inside the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import httpx
import pytest
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.audit import service as audit
from app.audit.chain import chain_for
from app.auth import sessions
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.jointreviews import service as joint_reviews
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.models import (
    Account,
    AuditEvent,
    JointReview,
    JointReviewStatus,
    LiveEvent,
    Plan,
    ReviewDecision,
    Role,
    Side,
    User,
    utcnow,
)
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, send_session_csrf
from tests.live import LiveServer

WRITERS = 6


@dataclass
class Scene:
    account_id: int
    people: list[User]


def _scene(server: LiveServer, role: Role) -> Scene:
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        people = []
        for i in range(WRITERS):
            person = factories.make_user(
                session,
                name=f"Writer {i}",
                password=None,
                workspace=workspace if role.side is Side.VENDOR else None,
            )
            factories.add_member(session, account=account, user=person, role=role, by=admin)
            people.append(person)
        session.commit()
        assert account.id is not None
        return Scene(account.id, people)


def _client(server: LiveServer, person: User) -> httpx.Client:
    with server.db.session() as session:
        token = sessions.start(
            session, user=person, ip="127.0.0.1", user_agent="pytest", settings=server.settings
        )
        session.commit()
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    client.cookies.set(sessions.SESSION_COOKIE, token)
    client.cookies.set("jp_csrf", CSRF)
    return send_session_csrf(client, server.settings)


def race(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send the requests at once (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(requests))
    results: list[httpx.Response | None] = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


@dataclass(frozen=True)
class Case:
    """One editable item type: how to make the item, its edit path and form, who edits it."""

    name: str
    make: Callable[[Session, Plan, User], tuple[str, int]]  # -> (path under the account, version)
    form: Callable[[int], dict[str, str]]  # writer number -> the edit form's fields
    side: Role
    conflict: str  # the words of the conflict page
    same_author: bool = False  # comments: only their author edits them (in several tabs)


def _priority(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    item = priorities.create(session, actor=by, plan=plan, values=PriorityValues(title="Original"))
    return f"/priorities/{item.id}", item.version


def _entry(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    item = strategy.create(
        session, actor=by, plan=plan, values=StrategyValues(kind="driver", text="Original")
    )
    return f"/strategy/{item.id}", item.version


def _initiative(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    item = initiatives.create(
        session,
        actor=by,
        plan=plan,
        values=InitiativeValues(title="Original"),
    )
    return f"/initiatives/{item.id}", item.version


def _action(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    item = actions.create(
        session,
        actor=by,
        plan=plan,
        checked=CheckedAction("Original", "", None, None, "not_started", Link()),
    )
    return f"/actions/{item.id}", item.version


def _comment(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    priority = priorities.create(
        session, actor=by, plan=plan, values=PriorityValues(title="Discussed")
    )
    assert priority.id is not None
    target = comments_repo.find_target(
        session, account_id=plan.account_id, item_type="priority", item_id=priority.id
    )
    assert target is not None
    item = comments.add(
        session, actor=by, target=target, body="Original", team_only=False, people=[]
    )
    return f"/comments/{item.id}/edit", item.version


def _belief(session: Session, plan: Plan, by: User) -> tuple[str, int]:
    item = perception.add_belief(
        session, actor=by, plan=plan, values=BeliefValues(title="Original", priority_id=None)
    )
    return f"/perception/beliefs/{item.id}", item.version


CASES = [
    Case(
        "priority",
        _priority,
        lambda i: {"title": f"Version of writer {i}", "importance": "high", "horizon": "next"},
        Role.MEMBER,
        "changed this priority meanwhile",
    ),
    Case(
        "strategy entry",
        _entry,
        lambda i: {"text": f"Version of writer {i}"},
        Role.MEMBER,
        "changed this meanwhile",
    ),
    Case(
        "initiative",
        _initiative,
        lambda i: {"title": f"Version of writer {i}"},
        Role.TEAM,
        "changed this initiative meanwhile",
    ),
    Case(
        "action",
        _action,
        lambda i: {"title": f"Version of writer {i}", "status": "in_progress"},
        Role.MEMBER,
        "changed this action meanwhile",
    ),
    Case(
        "comment",
        _comment,
        lambda i: {"body": f"Version of writer {i}"},
        Role.MEMBER,
        "changed this comment meanwhile",
        same_author=True,
    ),
    Case(
        "belief",
        _belief,
        lambda i: {"title": f"Version of writer {i}"},
        Role.TEAM,
        "changed this belief meanwhile",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_concurrent_edits_of_one_item_one_wins(live_server: LiveServer, case: Case) -> None:
    scene = _scene(live_server, case.side)
    with live_server.db.session() as session:
        plan = plans_repo.current(session, account_id=scene.account_id)
        assert plan is not None
        path, version = case.make(session, plan, scene.people[0])
        session.commit()
    writers = [scene.people[0]] * WRITERS if case.same_author else scene.people
    clients = [_client(live_server, person) for person in writers]
    url = f"/accounts/{scene.account_id}{path}"
    try:
        responses = race(
            [
                partial(
                    c.post, url, data=case.form(i) | {"version": str(version), "csrf_token": CSRF}
                )
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for i, response in enumerate(responses):
        if response.status_code == 409:
            assert case.conflict in response.text
            assert f"Version of writer {i}" in response.text  # their text is kept
    item_id = path.split("/")[-1] if not path.endswith("/edit") else path.split("/")[-2]
    with Session(live_server.db.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == scene.account_id)
            .where(AuditEvent.item_id == item_id)
            .where(
                col(AuditEvent.verb).endswith("updated") | col(AuditEvent.verb).endswith("edited")
            )
        ).all()
        assert len(events) == 1, [e.verb for e in events]
        field = next(iter(events[0].changes))
        assert events[0].changes[field][1] == f"Version of writer {winner}"


def test_closing_a_joint_review_while_its_minutes_are_edited_loses_no_edit(
    live_server: LiveServer,
) -> None:
    """The lead closes a joint review while the client's people edit its decisions: each edit
    either lands before the close (and is in the frozen minutes) or finds the review closed
    (409, nothing written). The review's row lock orders them; no edit slips in after the
    snapshot."""
    scene = _scene(live_server, Role.MEMBER)
    with live_server.db.session() as session:
        lead = factories.make_user(session, name="Lead", password=None)
        account = session.get(Account, scene.account_id)
        assert account is not None
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=lead)
        plan = plans_repo.current(session, account_id=scene.account_id)
        assert plan is not None
        starts = utcnow() + timedelta(days=1)
        review = joint_reviews.schedule(
            session,
            actor=lead,
            account=account,
            plan=plan,
            checked=CheckedSchedule(CheckedTime(starts, "UTC", 60), (_id(scene.people[0]),)),
        )
        review.starts_at = utcnow() - timedelta(hours=1)  # the meeting was held
        decisions = [
            joint_reviews.add_decision(session, actor=person, review=review, text="Original")
            for person in scene.people
        ]
        session.commit()
        base = f"/accounts/{scene.account_id}/joint-reviews/{review.id}"
        version = review.version
    clients = [_client(live_server, person) for person in [lead, *scene.people]]
    edits = [
        partial(
            c.post,
            f"{base}/decisions/{d.id}",
            data={"text": f"Edit {i}", "version": "1", "csrf_token": CSRF},
        )
        for i, (c, d) in enumerate(zip(clients[1:], decisions, strict=True))
    ]
    closing = partial(
        clients[0].post,
        f"{base}/close",
        data={**CONFIRMATION, "version": str(version), "csrf_token": CSRF},
    )
    try:
        responses = race([closing, *edits])
    finally:
        for c in clients:
            c.close()
    assert responses[0].status_code == 303, responses[0].text
    with Session(live_server.db.engine) as session:
        closed = session.get(JointReview, review.id)
        assert closed is not None
        assert closed.status == JointReviewStatus.CLOSED
        frozen = {d["id"]: d["text"] for d in closed.minutes["decisions"]}
        for i, (response, decision) in enumerate(zip(responses[1:], decisions, strict=True)):
            saved = session.get(ReviewDecision, decision.id)
            assert saved is not None
            assert frozen[decision.id] == saved.text  # the snapshot is what the table holds
            if response.status_code == 303:
                assert saved.text == f"Edit {i}"
            else:
                assert response.status_code == 409, response.status_code
                assert "its minutes are frozen" in response.text
                assert saved.text == "Original"


def test_simultaneous_comments_on_one_thread_are_all_counted(live_server: LiveServer) -> None:
    """Every comment posted to a thread at the same moment is counted in its tally: the
    upsert adds to the row in one statement (PostgreSQL makes the second writer wait for the
    first one's commit, then adds to what it wrote), so no count is lost between a read and
    a write."""
    scene = _scene(live_server, Role.MEMBER)
    with live_server.db.session() as session:
        plan = plans_repo.current(session, account_id=scene.account_id)
        assert plan is not None
        priority = priorities.create(
            session, actor=scene.people[0], plan=plan, values=PriorityValues(title="Discussed")
        )
        session.commit()
        path = f"/accounts/{scene.account_id}/threads/priority/{priority.id}"
    clients = [_client(live_server, person) for person in scene.people]
    try:
        responses = race(
            [
                partial(c.post, path, data={"body": f"Writer {i}", "csrf_token": CSRF})
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    assert [r.status_code for r in responses] == [303] * WRITERS
    with Session(live_server.db.engine) as session:
        assert plan.id is not None
        counts = comments_repo.counts_for_plan(
            session, account_id=scene.account_id, plan_id=plan.id, visibilities=["shared"]
        )
        assert counts == {f"priority-{priority.id}": WRITERS}
        # Each change's audit event and live event were numbered under the chain head's lock
        # (on PostgreSQL in one statement with the event): no gap, no number twice.
        assert audit.verify_chain(session, chain_for(scene.account_id)).ok
        said = session.exec(
            select(LiveEvent.seq, LiveEvent.shared_seq)
            .where(LiveEvent.account_id == scene.account_id)
            .order_by(col(LiveEvent.seq))
        ).all()
        seqs = [seq for seq, _shared in said]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        shared = [number for _seq, number in said if number is not None]
        assert shared == list(range(shared[0], shared[0] + len(shared)))
        assert len(said) >= WRITERS


def _id(user: User) -> int:
    assert user.id is not None
    return user.id


pytestmark = pytest.mark.usefixtures("fast_hashing")
