"""Initiatives through the API: the vendor's draft (internal: a client's token does not see
it), its change and proposal with If-Match, the client's answer, all through the page's
service (audit events, the client told of the proposal)."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import AuditEvent, Initiative, Notification
from tests.factories import World
from tests.test_api import API, bearer, is_problem, token_of
from tests.testclient import TestClient


def test_draft_change_propose_and_answer(client: TestClient, session: Session, world: World):
    lead = token_of(session, world.members["lead"])
    sponsor = token_of(session, world.members["sponsor"])
    base = f"{API}/accounts/{world.account.id}/initiatives"
    made = client.post(
        base,
        json={"title": "Pilot in Spain", "owner_id": world.members["team"].id},
        headers=bearer(lead) | {"Idempotency-Key": "i-1"},
    )
    assert made.status_code == 201, made.text
    again = client.post(
        base,
        json={"title": "Pilot in Spain", "owner_id": world.members["team"].id},
        headers=bearer(lead) | {"Idempotency-Key": "i-1"},
    )
    assert again.json() == made.json()
    assert len(session.exec(select(Initiative)).all()) == 1
    url = f"{base}/{made.json()['id']}"
    assert client.get(base, headers=bearer(sponsor)).json()["items"] == []  # a draft: internal
    is_problem(
        client.post(f"{url}/answer", json={"decision": "accept"}, headers=bearer(sponsor)), 404
    )

    is_problem(client.patch(url, json={"title": "X"}, headers=bearer(lead)), 428)
    changed = client.patch(
        url, json={"title": "Pilot in Madrid"}, headers=bearer(lead) | {"If-Match": '"v1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Pilot in Madrid"
    is_problem(
        client.patch(url, json={"title": "Old"}, headers=bearer(lead) | {"If-Match": '"v1"'}), 412
    )
    bad_owner = client.patch(
        url,
        json={"owner_id": world.members["sponsor"].id},
        headers=bearer(lead) | {"If-Match": changed.headers["etag"]},
    )
    assert is_problem(bad_owner, 422)["errors"][0]["field"] == "owner_id"

    proposed = client.post(
        f"{url}/propose", headers=bearer(lead) | {"If-Match": changed.headers["etag"]}
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed"
    assert [i["title"] for i in client.get(base, headers=bearer(sponsor)).json()["items"]] == [
        "Pilot in Madrid"
    ]
    sponsor_news = session.exec(
        select(Notification).where(Notification.user_id == world.members["sponsor"].id)
    ).all()
    assert any("Pilot in Madrid" in n.message for n in sponsor_news)

    headers = bearer(sponsor) | {"If-Match": proposed.headers["etag"]}
    no_reason = client.post(f"{url}/answer", json={"decision": "park"}, headers=headers)
    assert is_problem(no_reason, 422)["errors"][0]["field"] == "reason"
    is_problem(
        client.post(
            f"{url}/answer",
            json={"decision": "accept"},
            headers=bearer(lead) | {"If-Match": proposed.headers["etag"]},
        ),
        403,
    )
    accepted = client.post(f"{url}/answer", json={"decision": "accept"}, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    late = client.patch(
        url,
        json={"title": "Too late"},
        headers=bearer(lead) | {"If-Match": accepted.headers["etag"]},
    )
    is_problem(late, 409)
    verbs = set(
        session.exec(
            select(AuditEvent.verb).where(AuditEvent.item_id == str(made.json()["id"]))
        ).all()
    )
    assert {"initiative.created", "initiative.proposed"} <= verbs, verbs
