"""The API's writes of the client's strategy (same service, checks and audit events as the
plan page; If-Match, Idempotency-Key) and comment threads on every item that has one (a
priority, an initiative, an action, a value rating, a strategy section), an internal thread
the 404 of a missing one for the client side."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlmodel import Session, col, select

from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.models import AuditEvent, Comment, Role, StrategyEntry, Visibility
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests import factories
from tests.factories import World
from tests.live import LiveServer
from tests.test_api import API, bearer, is_problem, make_action, token_of
from tests.test_concurrent_edits import race
from tests.testclient import TestClient


def _last_event(session: Session, verb: str) -> AuditEvent:
    session.expire_all()
    return session.exec(
        select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id).desc())
    ).first() or AuditEvent(chain="", seq=0, item_type="", verb="", prev_hash="", hash="")


def test_a_client_contributor_adds_and_changes_a_strategy_entry(
    client: TestClient, session: Session, world: World
):
    sponsor = token_of(session, world.members["sponsor"])
    url = f"{API}/accounts/{world.account.id}/strategy"
    no_horizon = client.post(
        url, json={"kind": "goal", "text": "Double in Iberia"}, headers=bearer(sponsor)
    )
    assert {e["field"] for e in is_problem(no_horizon, 422)["errors"]} == {"horizon"}
    sent = {"kind": "goal", "text": "Double in Iberia", "horizon": "next"}
    retry = bearer(sponsor) | {"Idempotency-Key": "goal-1"}
    made = client.post(url, json=sent, headers=retry)
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"v1"'
    assert client.post(url, json=sent, headers=retry).json()["id"] == made.json()["id"]
    assert (
        len(
            session.exec(
                select(StrategyEntry).where(StrategyEntry.text == "Double in Iberia")
            ).all()
        )
        == 1
    )
    added = _last_event(session, "strategy.added")
    assert added.visibility == Visibility.SHARED
    assert added.actor_label.endswith("(through the API)")

    entry = f"{url}/{made.json()['id']}"
    changed = client.patch(
        entry, json={"detail": "Madrid first"}, headers=bearer(sponsor) | {"If-Match": '"v1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["detail"], changed.json()["text"]) == (
        "Madrid first",
        "Double in Iberia",
    )
    assert changed.headers["etag"] == '"v2"'
    assert _last_event(session, "strategy.updated").changes["detail"] == ["", "Madrid first"]
    is_problem(
        client.patch(entry, json={"text": "Old"}, headers=bearer(sponsor) | {"If-Match": '"v1"'}),
        412,
    )
    is_problem(client.patch(entry, json={"text": "No version"}, headers=bearer(sponsor)), 428)
    is_problem(
        client.patch(entry, json={"text": ""}, headers=bearer(sponsor) | {"If-Match": '"v2"'}), 422
    )
    # The vendor does not write the client's strategy, as on the page.
    lead = token_of(session, world.members["lead"])
    is_problem(client.post(url, json=sent, headers=bearer(lead)), 403)
    is_problem(
        client.patch(entry, json={"text": "Ours"}, headers=bearer(lead) | {"If-Match": '"v2"'}), 403
    )


def test_comments_on_every_kind_of_thread(client: TestClient, session: Session, world: World):
    sponsor_user, lead_user = world.members["sponsor"], world.members["lead"]
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    priority = priorities.create(
        session, actor=sponsor_user, plan=plan, values=PriorityValues("Grow")
    )
    action = make_action(session, world)
    session.commit()
    sponsor, lead = token_of(session, sponsor_user), token_of(session, lead_user)
    threads = f"{API}/accounts/{world.account.id}/threads"
    for where in (
        f"priority/{priority.id}/comments",
        f"action/{action.id}/comments",
        f"strategy/{plan.id}/comments?section=goal",
    ):
        said = client.post(
            f"{threads}/{where}", json={"body": f"On {where}"}, headers=bearer(sponsor)
        )
        assert said.status_code == 201, (where, said.text)
        assert said.json()["team_only"] is False
        page = client.get(f"{threads}/{where}", headers=bearer(sponsor))
        assert page.status_code == 200
        assert [c["body"] for c in page.json()["items"]] == [f"On {where}"]
    strategy = client.get(
        f"{threads}/strategy/{plan.id}/comments?section=goal", headers=bearer(lead)
    ).json()
    assert strategy["items"][0]["item_type"] == "strategy"
    assert strategy["items"][0]["section"] == "goal"
    assert _last_event(session, "comment.added").actor_label.endswith("(through the API)")
    # The action's own address lists the same thread.
    on_action = client.get(
        f"{API}/accounts/{world.account.id}/actions/{action.id}/comments", headers=bearer(lead)
    )
    assert [c["action_id"] for c in on_action.json()["items"]] == [action.id]
    # Team-only comments: the vendor's team only, and the client never reads them.
    is_problem(
        client.post(
            f"{threads}/priority/{priority.id}/comments",
            json={"body": "x", "team_only": True},
            headers=bearer(sponsor),
        ),
        403,
    )
    ours = client.post(
        f"{threads}/priority/{priority.id}/comments",
        json={"body": "Between us", "team_only": True},
        headers=bearer(lead),
    )
    assert ours.status_code == 201
    seen = client.get(f"{threads}/priority/{priority.id}/comments", headers=bearer(sponsor)).json()
    assert "Between us" not in str(seen)
    # An unknown kind, a section that is none, a missing item: the 404 of a missing thread.
    for where in (
        "stakeholder/1",
        f"strategy/{plan.id}",
        f"strategy/{plan.id}?section=x",
        "priority/999999",
    ):
        path, _, query = where.partition("?")
        is_problem(
            client.get(
                f"{threads}/{path}/comments" + (f"?{query}" if query else ""),
                headers=bearer(sponsor),
            ),
            404,
        )


def test_a_draft_s_thread_is_the_404_of_a_missing_one_for_the_client(
    client: TestClient, session: Session, world: World
):
    lead_user = world.members["lead"]
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    draft = initiatives.create(
        session,
        actor=lead_user,
        plan=plan,
        values=InitiativeValues("Our plan", "", "", "", None, ()),
    )
    session.commit()
    threads = f"{API}/accounts/{world.account.id}/threads"
    lead, sponsor = token_of(session, lead_user), token_of(session, world.members["sponsor"])
    url = f"{threads}/initiative/{draft.id}/comments"
    said = client.post(url, json={"body": "Draft notes"}, headers=bearer(lead))
    assert said.status_code == 201
    assert said.json()["team_only"] is True  # a comment on an internal item is internal
    missing = f"{threads}/initiative/999999/comments"
    assert is_problem(client.get(url, headers=bearer(sponsor)), 404) == is_problem(
        client.get(missing, headers=bearer(sponsor)), 404
    )
    is_problem(client.post(url, json={"body": "Hello?"}, headers=bearer(sponsor)), 404)
    comment = session.exec(select(Comment).where(Comment.body == "Draft notes")).one()
    assert comment.visibility == Visibility.INTERNAL


def test_strategy_changes_sent_at_the_same_moment_one_wins(live_server: LiveServer):
    """Four changes of one entry based on the same ETag, at once: the entry's row lock lets
    one through, the others see its new version and get 412."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        sponsor = factories.make_user(session, password=None)
        factories.add_member(session, account=account, user=sponsor, role=Role.SPONSOR, by=admin)
        secret = token_of(session, sponsor)
        base = f"{live_server.url}{API}/accounts/{account.id}/strategy"
    made = httpx.post(
        base, json={"kind": "driver", "text": "Costs"}, headers=bearer(secret), timeout=30
    )
    assert made.status_code == 201, made.text
    url = f"{base}/{made.json()['id']}"
    headers = bearer(secret) | {"If-Match": '"v1"'}

    def change(text: str) -> Callable[[], httpx.Response]:
        return lambda: httpx.patch(url, json={"text": text}, headers=headers, timeout=30)

    answers = race([change(f"Costs {n}") for n in range(4)])
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412]
    [won] = [a for a in answers if a.status_code == 200]
    with Session(live_server.db.engine) as session:
        saved = session.exec(
            select(StrategyEntry).where(StrategyEntry.id == made.json()["id"])
        ).one()
        assert (saved.text, saved.version) == (won.json()["text"], 2)
