"""The JSON API (/api/v1) and its personal access tokens: who a token is, what it may do,
errors as problem+json, pages of actions, ETag/If-Match, Idempotency-Key, and the token
section of /me."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.actions import service as actions
from app.actions.schemas import ActionForm, CheckedAction, Link
from app.api import common, idempotency
from app.api import schemas as api_schemas
from app.api.app import create_api
from app.api.problems import PreconditionFailed, PreconditionRequired
from app.apitokens import repository as tokens_repo
from app.apitokens import service as tokens
from app.apitokens.schemas import CheckedToken
from app.auth.deps import OptionalActor
from app.initiatives.schemas import InitiativeForm
from app.models import (
    Action,
    ApiToken,
    AuditEvent,
    Comment,
    IdempotencyKey,
    Notification,
    TokenScope,
    User,
    utcnow,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.users import service as users
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import race
from tests.testclient import TestClient

API = "/api/v1"
PROBLEM = "application/problem+json"


def token_of(session: Session, user: User, scope: TokenScope = TokenScope.WRITE) -> str:
    _token, secret = tokens.create(
        session, actor=user, checked=CheckedToken("Test token", scope, 90)
    )
    session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_action(session: Session, world: World, title: str = "Ship the pilot") -> Action:
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    action = actions.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        checked=CheckedAction(title, "", None, None, "not_started", Link()),
    )
    session.commit()
    return action


def is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def test_accounts_as_a_vendor_and_a_client(client: TestClient, session: Session, world: World):
    lead = token_of(session, world.members["lead"])
    listed = client.get(f"{API}/accounts", headers=bearer(lead))
    assert listed.status_code == 200
    [account] = listed.json()["items"]
    assert account["id"] == world.account.id
    assert (account["role"], account["side"]) == ("lead", "vendor")

    sponsor = token_of(session, world.members["sponsor"])
    one = client.get(f"{API}/accounts/{world.account.id}", headers=bearer(sponsor))
    assert one.status_code == 200
    assert (one.json()["role"], one.json()["side"]) == ("sponsor", "client")
    assert "set-cookie" not in one.headers

    plan = client.get(f"{API}/accounts/{world.account.id}/plan", headers=bearer(sponsor))
    assert plan.status_code == 200
    assert plan.json()["is_current"] is True


def test_a_non_member_gets_the_404_of_a_missing_account(
    client: TestClient, session: Session, world: World
):
    lead = token_of(session, world.members["lead"])
    other = client.get(f"{API}/accounts/{world.other_account.id}", headers=bearer(lead))
    missing = client.get(f"{API}/accounts/999999", headers=bearer(lead))
    assert is_problem(other, 404) == is_problem(missing, 404)
    assert is_problem(client.get(f"{API}/accounts/abc", headers=bearer(lead)), 404)


def test_without_a_token_401_and_a_browser_session_is_ignored(
    client: TestClient, session: Session, world: World
):
    body = is_problem(client.get(f"{API}/accounts"), 401)
    assert "Bearer" in body["detail"]
    sign_in(client, session, world.members["lead"])
    assert client.get("/me").status_code == 200  # the cookie works on pages
    response = client.get(f"{API}/accounts")
    is_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    is_problem(client.get(f"{API}/accounts", headers=bearer("jp_not-a-token")), 401)
    is_problem(client.get(f"{API}/accounts", headers={"Authorization": "Basic eDp5"}), 401)


def test_in_the_api_no_session_cookie_names_anyone_even_where_no_token_is_checked(
    app: FastAPI, client: TestClient, session: Session, world: World
):
    """Every request of the API is marked as one whose person is its token's (``TokenOnly``),
    so who is asking (``optional_actor``) is no one until a token is checked, whatever session
    cookie came along: here on a route of the API that checks none (every real one does,
    first). The same route outside the API names the cookie's person."""
    sign_in(client, session, world.members["lead"])

    def probe(actor: OptionalActor) -> dict[str, int | None]:
        return {"actor": actor.id if actor else None}

    api = create_api(app.state, [])
    api.add_api_route("/probe", probe)
    outside = FastAPI()
    outside.state = app.state
    outside.add_api_route("/probe", probe)
    for answering, expected in ((api, None), (outside, world.members["lead"].id)):
        with TestClient(answering, base_url="http://testserver", cookies=client.cookies) as c:
            assert c.get("/probe").json() == {"actor": expected}


@pytest.mark.parametrize("how", ["revoked", "expired", "disabled"])
def test_a_token_stops_at_once(client: TestClient, session: Session, world: World, how: str):
    lead = world.members["lead"]
    secret = token_of(session, lead)
    url = f"{API}/accounts/{world.account.id}"
    assert client.get(url, headers=bearer(secret)).status_code == 200
    token = session.exec(select(ApiToken).where(ApiToken.user_id == lead.id)).one()
    if how == "revoked":
        tokens.revoke(session, actor=lead, token=token)
    elif how == "expired":
        token.expires_at = utcnow() - timedelta(seconds=1)
        session.add(token)
    else:
        users.set_disabled(session, actor=world.admin, user=lead, disabled=True)
    session.commit()
    is_problem(client.get(url, headers=bearer(secret)), 401)


def test_a_read_token_may_only_read(client: TestClient, session: Session, world: World):
    action = make_action(session, world)
    secret = token_of(session, world.members["lead"], TokenScope.READ)
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}"
    got = client.get(url, headers=bearer(secret))
    assert got.status_code == 200
    headers = bearer(secret) | {"If-Match": got.headers["etag"]}
    is_problem(client.patch(url, json={"status": "done"}, headers=headers), 403)
    is_problem(client.post(f"{url}/comments", json={"body": "Hi"}, headers=headers), 403)
    session.refresh(action)
    assert action.status == "not_started"


def test_actions_a_page_at_a_time(client: TestClient, session: Session, world: World):
    made = [make_action(session, world, f"Action {n}") for n in range(5)]
    secret = token_of(session, world.members["viewer"])
    url = f"{API}/accounts/{world.account.id}/actions?limit=2"
    seen: list[int] = []
    pages = 0
    while url:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        url = f"{API}/accounts/{world.account.id}/actions?limit=2&cursor={cursor}" if cursor else ""
    assert seen == [a.id for a in made]
    assert pages == 3
    bad = client.get(
        f"{API}/accounts/{world.account.id}/actions?cursor=zzz", headers=bearer(secret)
    )
    is_problem(bad, 400)
    too_many = client.get(
        f"{API}/accounts/{world.account.id}/actions?limit=101", headers=bearer(secret)
    )
    assert is_problem(too_many, 422)["errors"][0]["field"] == "limit"


def test_a_page_of_actions_costs_the_same_whatever_the_plan_holds(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
):
    secret = token_of(session, world.members["sponsor"])
    base = f"{API}/accounts/{world.account.id}"
    urls = (f"{base}/actions?limit=5", f"{base}/priorities", f"{API}/accounts")
    client.get(urls[0], headers=bearer(secret))  # the token's first use is written down once

    def queries() -> list[int]:
        counted = []
        for url in urls:
            count_queries.statements.clear()
            assert client.get(url, headers=bearer(secret)).status_code == 200
            counted.append(count_queries.count)
        return counted

    few = queries()
    for n in range(12):
        make_action(session, world, f"Action {n}")
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    for n in range(5):
        priorities.create(
            session, actor=world.members["sponsor"], plan=plan, values=PriorityValues(f"P{n}")
        )
    session.commit()
    assert queries() == few
    # The rate limit's lookup and count, the token, the account, the plan, the page, and the
    # use written down after the answer (one insert).
    assert few[0] <= 7, few


def test_changing_an_action_needs_its_etag(client: TestClient, session: Session, world: World):
    action = make_action(session, world)
    member = world.members["member"]
    secret = token_of(session, member)
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}"
    etag = client.get(url, headers=bearer(secret)).headers["etag"]
    assert etag == '"v1"'
    change = {"status": "in_progress", "due_on": "2027-03-31", "owner_id": world.members["lead"].id}

    is_problem(client.patch(url, json=change, headers=bearer(secret)), 428)
    is_problem(client.patch(url, json=change, headers=bearer(secret) | {"If-Match": '"v9"'}), 412)
    changed = client.patch(url, json=change, headers=bearer(secret) | {"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"v2"'
    assert (changed.json()["status"], changed.json()["due_on"]) == ("in_progress", "2027-03-31")
    # The stale ETag is refused now; nothing was overwritten.
    again = {"status": "done"}
    is_problem(client.patch(url, json=again, headers=bearer(secret) | {"If-Match": etag}), 412)

    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.item_id == str(action.id))
        .order_by(col(AuditEvent.seq).desc())
    ).first()
    assert event is not None
    assert event.verb == "action.updated"
    assert event.actor_id == member.id
    assert event.actor_label == f"{member.email} (through the API)", event.actor_label
    # The same notifications as the page: the new owner hears about it.
    told = session.exec(
        select(Notification).where(Notification.user_id == world.members["lead"].id)
    ).all()
    assert any("Ship the pilot" in n.message for n in told)


def test_a_change_is_checked_as_the_page_checks_it(
    client: TestClient, session: Session, world: World
):
    action = make_action(session, world)
    secret = token_of(session, world.members["member"])
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}"
    headers = bearer(secret) | {"If-Match": '"v1"'}
    wrong = client.patch(
        url,
        json={"title": "", "owner_id": world.outsider.id if world.outsider else 1},
        headers=headers,
    )
    fields = {e["field"] for e in is_problem(wrong, 422)["errors"]}
    assert fields == {"title", "owner_id"}
    is_problem(client.patch(url, json={"status": "finished"}, headers=headers), 422)
    is_problem(client.patch(url, json={"colour": "red"}, headers=headers), 422)
    is_problem(client.patch(url, json={"due_on": "1999-01-01"}, headers=headers), 422)
    session.refresh(action)
    assert action.version == 1


def test_mentor_and_viewer_may_not_change_actions(
    client: TestClient, session: Session, world: World
):
    action = make_action(session, world)
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}"
    for role in ("viewer", "mentor"):
        secret = token_of(session, world.members[role])
        headers = bearer(secret) | {"If-Match": '"v1"'}
        is_problem(client.patch(url, json={"status": "done"}, headers=headers), 403)


def test_a_retried_comment_is_made_once(client: TestClient, session: Session, world: World):
    action = make_action(session, world)
    secret = token_of(session, world.members["sponsor"])
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}/comments"
    headers = bearer(secret) | {"Idempotency-Key": "retry-1"}
    first = client.post(url, json={"body": "Done by Friday?"}, headers=headers)
    assert first.status_code == 201, first.text
    second = client.post(url, json={"body": "Done by Friday?"}, headers=headers)
    assert (second.status_code, second.json()) == (201, first.json())
    comments = session.exec(select(Comment).where(Comment.action_id == action.id)).all()
    assert len(comments) == 1
    other = client.post(url, json={"body": "Something else"}, headers=headers)
    assert is_problem(other, 422)["errors"][0]["field"] == "Idempotency-Key"
    # Without a key, each request makes its own comment; a day later the key is free again.
    assert client.post(url, json={"body": "Again"}, headers=bearer(secret)).status_code == 201
    kept = session.exec(select(IdempotencyKey)).one()
    kept.created_at = utcnow() - timedelta(hours=25)
    session.add(kept)
    session.commit()
    later = client.post(url, json={"body": "Done by Friday?"}, headers=headers)
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]


def test_a_client_may_not_write_team_only_comments(
    client: TestClient, session: Session, world: World
):
    action = make_action(session, world)
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}/comments"
    client_token = token_of(session, world.members["member"])
    body = {"body": "Internal?", "team_only": True}
    is_problem(client.post(url, json=body, headers=bearer(client_token)), 403)
    team = token_of(session, world.members["team"])
    made = client.post(url, json=body, headers=bearer(team))
    assert made.status_code == 201
    assert made.json()["team_only"] is True
    is_problem(client.post(url, json={"body": "  "}, headers=bearer(team)), 422)


def test_a_use_is_written_down_at_most_once_a_minute(
    client: TestClient, session: Session, world: World
):
    secret = token_of(session, world.members["lead"])
    token = session.exec(select(ApiToken)).one()
    assert token.last_used_at is None
    client.get(f"{API}/accounts", headers=bearer(secret))
    session.refresh(token)
    first = token.last_used_at
    assert first is not None
    client.get(f"{API}/accounts", headers=bearer(secret))
    session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = utcnow() - tokens_repo.TOUCH_AFTER - timedelta(seconds=1)
    session.add(token)
    session.commit()
    client.get(f"{API}/accounts", headers=bearer(secret))
    session.refresh(token)
    assert token.last_used_at is not None
    assert token.last_used_at > first


def test_the_openapi_document_needs_no_token(client: TestClient):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/accounts/{account_id}/actions/{action_id}" in document["paths"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/openapi.json").status_code == 404  # the main app has none
    is_problem(client.get(f"{API}/no/such/thing"), 404)


# ---------------------------------------------------------------------------------------------
# The token section of /me
# ---------------------------------------------------------------------------------------------


def test_a_token_is_made_on_me_and_shown_once(client: TestClient, session: Session, world: World):
    lead = world.members["lead"]
    sign_in(client, session, lead)
    made = client.post(
        "/me/tokens",
        data={"name": "CRM sync", "scope": "write", "days": "30"},
        headers={"X-CSRF-Token": CSRF},
    )
    assert made.status_code == 200
    secret = re.search(r'value="(jp_[^"]+)"', made.text)
    assert secret is not None
    assert "won't see it again" in made.text
    page = client.get("/me")
    assert "CRM sync" in page.text
    assert secret.group(1) not in page.text
    assert client.get(f"{API}/accounts", headers=bearer(secret.group(1))).status_code == 200
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "api_token.created")).one()
    assert event.actor_id == lead.id
    assert secret.group(1) not in str(event.changes)

    refused = client.post(
        "/me/tokens",
        data={"name": "", "scope": "all", "days": "9999"},
        headers={"X-CSRF-Token": CSRF},
    )
    assert refused.status_code == 422
    assert "Choose what the token may do" in refused.text


def test_revoking_a_token_asks_first(client: TestClient, session: Session, world: World):
    lead = world.members["lead"]
    secret = token_of(session, lead)
    token = session.exec(select(ApiToken)).one()
    sign_in(client, session, lead)
    url = f"/me/tokens/{token.id}/revoke"
    asked = client.post(url, headers={"X-CSRF-Token": CSRF})
    assert asked.status_code == 200
    assert "Revoke" in asked.text
    assert client.get(f"{API}/accounts", headers=bearer(secret)).status_code == 200
    done = client.post(url, data=CONFIRMATION, headers={"X-CSRF-Token": CSRF})
    assert done.status_code == 303
    is_problem(client.get(f"{API}/accounts", headers=bearer(secret)), 401)
    assert session.exec(select(AuditEvent).where(AuditEvent.verb == "api_token.revoked")).one()
    # Another person's token is not found, like a missing one.
    sign_in(client, session, world.members["team"])
    assert client.post(url, data=CONFIRMATION, headers={"X-CSRF-Token": CSRF}).status_code == 404


def test_duplicates_sent_at_the_same_moment_make_one_comment(live_server: LiveServer):
    """Retries that overlap (a client that timed out and sent again at once) wait for the
    first on the key's unique constraint, then answer what it made: one comment."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        plan = plans_repo.current(session, account_id=account.id or 0)
        assert plan is not None
        action = actions.create(
            session,
            actor=admin,
            plan=plan,
            checked=CheckedAction("Ship it", "", None, None, "not_started", Link()),
        )
        secret = token_of(session, admin)
        url = f"{live_server.url}{API}/accounts/{account.id}/actions/{action.id}/comments"
    headers = bearer(secret) | {"Idempotency-Key": "one-and-only"}

    def post() -> httpx.Response:
        return httpx.post(url, json={"body": "Once only"}, headers=headers, timeout=30)

    answers = race([post] * 4)
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    with Session(live_server.db.engine) as session:
        made = session.exec(select(Comment).where(Comment.action_id == action.id)).all()
        assert len(made) == 1


def test_a_key_claimed_meanwhile_answers_what_the_first_made(live_server: LiveServer):
    """The constraint's path itself: a second claim of a key whose first claim has not
    committed yet waits for it, then replays its answer (not a second create)."""
    with live_server.db.session() as session:
        admin = factories.make_user(session, password=None)
        token_of(session, admin)
        token_id = session.exec(select(ApiToken.id)).one()
    fingerprint = idempotency.request_hash("POST", "/x", "{}")
    first = live_server.db.session()
    claimed = idempotency.claim(first, token_id=token_id, key="k", fingerprint=fingerprint)
    assert isinstance(claimed, IdempotencyKey)
    idempotency.keep(first, claimed, 201, {"id": 1})
    second: list[object] = []

    def claim_again() -> None:
        with live_server.db.session() as session:
            second.append(
                idempotency.claim(session, token_id=token_id, key="k", fingerprint=fingerprint)
            )
            session.commit()

    waiting = threading.Thread(target=claim_again)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()  # it waits for the first claim's transaction
    first.commit()
    first.close()
    waiting.join(timeout=30)
    assert second == [idempotency.Stored(201, {"id": 1})]


def test_changes_sent_at_the_same_moment_one_wins(live_server: LiveServer):
    """Four changes based on the same ETag, at once: the row lock lets one through, the
    others see its new version and get 412; nothing is overwritten silently."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        plan = plans_repo.current(session, account_id=account.id or 0)
        assert plan is not None
        action = actions.create(
            session,
            actor=admin,
            plan=plan,
            checked=CheckedAction("Ship it", "", None, None, "not_started", Link()),
        )
        secret = token_of(session, admin)
        url = f"{live_server.url}{API}/accounts/{account.id}/actions/{action.id}"
    headers = bearer(secret) | {"If-Match": '"v1"'}

    def change(title: str) -> Callable[[], httpx.Response]:
        return lambda: httpx.patch(url, json={"title": title}, headers=headers, timeout=30)

    answers = race([change(f"Version {n}") for n in range(4)])
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412]
    [won] = [a for a in answers if a.status_code == 200]
    with Session(live_server.db.engine) as session:
        saved = session.exec(select(Action).where(Action.id == action.id)).one()
        assert (saved.title, saved.version) == (won.json()["title"], 2)


def test_without_a_token_every_address_answers_401_alike(client: TestClient):
    for url in (
        f"{API}/accounts/1",
        f"{API}/accounts/99999999999999999999999",
        f"{API}/accounts/x",
    ):
        is_problem(client.get(url), 401)


def test_a_client_token_gets_the_same_404_for_what_the_client_cannot_see(
    client: TestClient, session: Session, world: World
):
    """Actions are never internal (``Action.visibility``: a linked initiative is never a
    draft), so what a client may not see through the action routes is another account's
    action: asked through the client's own account, the same bytes as a missing one."""
    own = make_action(session, world)
    plan = plans_repo.current(session, account_id=world.other_account.id or 0)
    assert plan is not None
    elsewhere = actions.create(
        session,
        actor=world.admin,
        plan=plan,
        checked=CheckedAction("Not theirs", "", None, None, "not_started", Link()),
    )
    session.commit()
    secret = token_of(session, world.members["sponsor"])
    base = f"{API}/accounts/{world.account.id}/actions"
    assert client.get(f"{base}/{own.id}", headers=bearer(secret)).status_code == 200
    hidden = client.get(f"{base}/{elsewhere.id}", headers=bearer(secret))
    missing = client.get(f"{base}/999999", headers=bearer(secret))
    assert hidden.content == missing.content
    is_problem(hidden, 404)
    listed = client.get(base, headers=bearer(secret)).json()["items"]
    assert [item["id"] for item in listed] == [own.id]
    comment = client.post(
        f"{base}/{elsewhere.id}/comments", json={"body": "Hello?"}, headers=bearer(secret)
    )
    is_problem(comment, 404)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"v3"', True),
        ("*", True),
        (' "v1", "v3" ', True),
        ('"v1",,"v3"', True),  # empty list elements are allowed
        ('W/"v3"', False),  # weak: never matches in the strong comparison If-Match uses
        ('W/"v3", "v2"', False),
        ('"v2"', False),
        ('"3"', False),
        ("v3", False),  # not quoted: no entity-tag
        ('"v3" junk', False),
        ("", False),
    ],
)
def test_if_match_compares_as_rfc_9110_says(header: str, matches: bool):
    if matches:
        assert common.expected_version(header, 3) == 3
    else:
        with pytest.raises(PreconditionFailed):
            common.expected_version(header, 3)
    with pytest.raises(PreconditionRequired):
        common.expected_version(None, 3)


def test_if_match_star_a_list_and_a_weak_etag_through_the_api(
    client: TestClient, session: Session, world: World
):
    secret = token_of(session, world.members["lead"])
    action = make_action(session, world)
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}"

    def change(if_match: str, status: str) -> Any:
        return client.patch(
            url, json={"status": status}, headers=bearer(secret) | {"If-Match": if_match}
        )

    is_problem(change('W/"v1"', "done"), 412)
    assert change("*", "blocked").headers["etag"] == '"v2"'
    assert change('"v1", "v2"', "in_progress").headers["etag"] == '"v3"'
    is_problem(change('"v1", W/"v3"', "done"), 412)
    session.refresh(action)
    assert (action.version, action.status) == (3, "in_progress")


def test_a_change_puts_only_the_fields_it_sent_onto_the_page_s_form():
    form = InitiativeForm("Pilot", "In Madrid", "", "", "5", ("1", "2"))
    sent = api_schemas.InitiativeChange.model_validate(
        {"title": "Pilot, larger", "owner_id": None, "priority_ids": [3]}
    )
    out = common.with_sent(form, sent)
    assert (out.title, out.description, out.owner_id, out.priority_ids) == (
        "Pilot, larger",
        "In Madrid",
        "",
        ("3",),
    )
    cleared = api_schemas.InitiativeChange.model_validate({"priority_ids": None})
    assert common.with_sent(InitiativeForm(priority_ids=("1",)), cleared).priority_ids == ()
    action = common.with_sent(
        ActionForm(),
        api_schemas.ActionChange.model_validate({"status": "done", "due_on": "2027-01-31"}),
    )
    assert (action.status, action.due_on, action.title) == ("done", "2027-01-31", "")
