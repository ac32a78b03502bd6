"""The vendor's suggestions through the API: the vendor suggests (a retried Idempotency-Key
makes one), the client accepts or rejects with If-Match, through the plan page's service."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import AuditEvent, Priority, PriorityStatus
from tests.factories import World
from tests.test_api import API, bearer, is_problem, token_of
from tests.testclient import TestClient


def suggest(client: TestClient, secret: str, world: World, title: str, key: str = "") -> dict:
    headers = bearer(secret) | ({"Idempotency-Key": key} if key else {})
    response = client.post(
        f"{API}/accounts/{world.account.id}/suggestions", json={"title": title}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"v1"'
    return dict(response.json())


def test_the_vendor_suggests_and_the_client_accepts(
    client: TestClient, session: Session, world: World
):
    lead = token_of(session, world.members["lead"])
    sponsor = token_of(session, world.members["sponsor"])
    first = suggest(client, lead, world, "Grow in Spain", key="k1")
    again = suggest(client, lead, world, "Grow in Spain", key="k1")
    assert again == first
    made = session.exec(select(Priority).where(Priority.title == "Grow in Spain")).all()
    assert len(made) == 1
    assert made[0].status == PriorityStatus.SUGGESTED

    url = f"{API}/accounts/{world.account.id}/suggestions/{first['id']}"
    is_problem(client.post(f"{url}/accept", headers=bearer(sponsor)), 428)
    is_problem(client.post(f"{url}/accept", headers=bearer(sponsor) | {"If-Match": '"v9"'}), 412)
    is_problem(client.post(f"{url}/accept", headers=bearer(lead) | {"If-Match": '"v1"'}), 403)
    accepted = client.post(f"{url}/accept", headers=bearer(sponsor) | {"If-Match": '"v1"'})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    assert accepted.headers["etag"] == f'"v{accepted.json()["version"]}"'
    late = client.post(
        f"{url}/reject", json={"reason": "No"}, headers=bearer(sponsor) | {"If-Match": '"v2"'}
    )
    is_problem(late, 409)
    verbs = session.exec(
        select(AuditEvent.verb).where(AuditEvent.item_id == str(first["id"]))
    ).all()
    assert "priority.suggested" in verbs or any("suggest" in v for v in verbs), verbs
    assert any("accept" in v for v in verbs), verbs


def test_the_client_rejects_with_a_reason(client: TestClient, session: Session, world: World):
    lead = token_of(session, world.members["lead"])
    member = token_of(session, world.members["member"])
    made = suggest(client, lead, world, "Open a Paris office")
    url = f"{API}/accounts/{world.account.id}/suggestions/{made['id']}/reject"
    headers = bearer(member) | {"If-Match": '"v1"'}
    empty = client.post(url, json={"reason": " "}, headers=headers)
    assert is_problem(empty, 422)["errors"][0]["field"] == "reason"
    rejected = client.post(url, json={"reason": "Not this year"}, headers=headers)
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["answer_reason"]) == (
        "rejected",
        "Not this year",
    )
    listed = client.get(f"{API}/accounts/{world.account.id}/suggestions", headers=bearer(lead))
    assert [s["status"] for s in listed.json()["items"]] == ["rejected"]


def test_a_client_cannot_suggest(client: TestClient, session: Session, world: World):
    sponsor = token_of(session, world.members["sponsor"])
    response = client.post(
        f"{API}/accounts/{world.account.id}/suggestions",
        json={"title": "Mine"},
        headers=bearer(sponsor),
    )
    is_problem(response, 403)
