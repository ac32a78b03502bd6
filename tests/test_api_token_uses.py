"""The token-use log: every request made with a working token is written down (time, method,
the route's path template, status, address), refusals included, by one insert after the
answer; the person reads each token's uses on /me a page at a time; the scheduler forgets
them after the retention."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.apitokens import repository as tokens_repo
from app.models import ApiToken, ApiTokenUse, AuditEvent, TokenScope, utcnow
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.test_api import API, bearer, make_action, token_of
from tests.testclient import TestClient


def _uses(session: Session, token_id: int) -> list[ApiTokenUse]:
    session.expire_all()
    return list(
        session.exec(
            select(ApiTokenUse)
            .where(ApiTokenUse.token_id == token_id)
            .order_by(col(ApiTokenUse.id))
        ).all()
    )


def _token(session: Session, secret: str) -> ApiToken:
    return session.exec(select(ApiToken).where(ApiToken.prefix == secret[:9])).one()


def test_every_request_with_a_token_is_written_down_refusals_included(
    client: TestClient, session: Session, world: World
):
    reader = token_of(session, world.members["sponsor"], TokenScope.READ)
    token = _token(session, reader)
    action = make_action(session, world)
    account = f"{API}/accounts/{world.account.id}"
    events = session.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    assert client.get(f"{account}/actions", headers=bearer(reader)).status_code == 200
    assert client.get(f"{API}/accounts/999999", headers=bearer(reader)).status_code == 404
    changed = client.patch(
        f"{account}/actions/{action.id}", json={"status": "done"}, headers=bearer(reader)
    )
    assert changed.status_code == 403  # read-only
    assert client.get(f"{API}/accounts", headers=bearer("jp_not-a-token")).status_code == 401

    uses = _uses(session, token.id or 0)
    assert [(u.method, u.route, u.status) for u in uses] == [
        ("GET", "/accounts/{account_id}/actions", 200),
        ("GET", "/accounts/{account_id}", 404),
        ("PATCH", "/accounts/{account_id}/actions/{action_id}", 403),
    ]
    assert {u.client_ip for u in uses} == {"testclient"}
    assert all(utcnow() - u.used_at < timedelta(minutes=1) for u in uses)
    # Uses are not on the hash-chained trail (making the token is).
    assert session.exec(select(sa.func.count()).select_from(AuditEvent)).one() == events


def test_a_use_costs_one_insert_after_the_answer(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
):
    secret = token_of(session, world.members["lead"])
    url = f"{API}/accounts/{world.account.id}/priorities"
    client.get(url, headers=bearer(secret))  # the first use also writes last_used_at
    count_queries.statements.clear()
    assert client.get(url, headers=bearer(secret)).status_code == 200
    writes = [s for s in count_queries.statements if not s.lstrip().upper().startswith("SELECT")]
    uses = [s for s in writes if "api_token_use" in s]
    assert len(uses) == 1
    assert uses[0].lstrip().upper().startswith("INSERT")
    # Besides it, only the rate limit's count (as before): last_used_at waits a minute.
    assert [s for s in writes if "api_token_use" not in s and "api_rate_window" not in s] == []


def test_the_person_reads_each_token_s_uses_on_me_a_page_at_a_time(
    client: TestClient, session: Session, world: World
):
    lead = world.members["lead"]
    secret = token_of(session, lead)
    token = _token(session, secret)
    session.execute(
        sa.insert(ApiTokenUse),
        [
            {
                "token_id": token.id,
                "used_at": utcnow() - timedelta(hours=n + 1),
                "method": "GET",
                "route": f"/accounts/{{account_id}}/old-{n}",
                "status": 200,
                "client_ip": "203.0.113.9",
            }
            for n in range(tokens_repo.USES_PAGE + 5)
        ],
    )
    session.commit()
    assert client.get(f"{API}/accounts", headers=bearer(secret)).status_code == 200
    sign_in(client, session, lead)
    me = client.get("/me")
    assert f'href="/me/tokens/{token.id}/uses"' in me.text
    first = client.get(f"/me/tokens/{token.id}/uses")
    assert first.status_code == 200
    assert "GET /accounts</code>" in first.text  # the real request's row
    assert "203.0.113.9" in first.text
    assert first.text.count("<tr>") == tokens_repo.USES_PAGE + 1  # with the head's row
    older = first.text.split("uses?before=")[1].split('"')[0]
    second = client.get(f"/me/tokens/{token.id}/uses?before={older}")
    assert second.status_code == 200
    assert second.text.count("<tr>") == 6 + 1  # 56 uses in all
    assert "?before=" not in second.text
    assert "Latest uses" in second.text
    # Another person's token is not found, like a missing one.
    sign_in(client, session, world.members["team"])
    assert client.get(f"/me/tokens/{token.id}/uses").status_code == 404
    assert client.get("/me/tokens/999999/uses").status_code == 404


def test_a_token_never_used_says_so(client: TestClient, session: Session, world: World):
    lead = world.members["lead"]
    token = _token(session, token_of(session, lead))
    sign_in(client, session, lead)
    page = client.get(f"/me/tokens/{token.id}/uses")
    assert page.status_code == 200
    assert "has not been used in the last 90 days" in page.text


def test_the_daily_purge_forgets_uses_older_than_the_retention(
    app: FastAPI, session: Session, world: World
):
    token = _token(session, token_of(session, world.members["lead"]))
    now = utcnow()
    for days in (1, 89, 91, 400):
        session.add(
            ApiTokenUse(
                token_id=token.id or 0,
                used_at=now - timedelta(days=days),
                method="GET",
                route="/accounts",
                status=200,
            )
        )
    session.commit()
    app.state.scheduler.run_daily()  # the purge (app.purge), once a UTC day
    kept = sorted((now - u.used_at).days for u in _uses(session, token.id or 0))
    assert kept == [1, 89]
