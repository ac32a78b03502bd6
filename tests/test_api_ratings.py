"""The client's value ratings through the API: rated through the plan page's service (its
checks, audit event and the lead's notification), once per Idempotency-Key."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import DEFAULT_VALUE_DIMENSIONS, AuditEvent, Notification, ValueRating
from tests.factories import World
from tests.test_api import API, bearer, is_problem, token_of
from tests.testclient import TestClient

FIRST = DEFAULT_VALUE_DIMENSIONS[0]


def test_a_client_contributor_rates(client: TestClient, session: Session, world: World):
    member = token_of(session, world.members["member"])
    url = f"{API}/accounts/{world.account.id}/ratings"
    sent = {"overall": 8, "scores": {FIRST: 9}, "comment": "Good quarter"}
    headers = bearer(member) | {"Idempotency-Key": "rate-1"}
    first = client.post(url, json=sent, headers=headers)
    assert first.status_code == 201, first.text
    assert client.post(url, json=sent, headers=headers).json() == first.json()
    [rating] = session.exec(select(ValueRating)).all()
    assert (rating.overall, rating.scores) == (8, {FIRST: 9})
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.verb == "value.rated")).first() is not None
    )
    lead_news = session.exec(
        select(Notification).where(Notification.user_id == world.members["lead"].id)
    ).all()
    assert any("8 out of 10" in n.message for n in lead_news)
    listed = client.get(url, headers=bearer(member)).json()["items"]
    assert [r["overall"] for r in listed] == [8]


def test_a_rating_is_checked_as_on_the_page(client: TestClient, session: Session, world: World):
    member = token_of(session, world.members["member"])
    url = f"{API}/accounts/{world.account.id}/ratings"
    too_high = client.post(url, json={"overall": 11}, headers=bearer(member))
    assert is_problem(too_high, 422)["errors"][0]["field"] == "overall"
    unknown = client.post(url, json={"overall": 5, "scores": {"Price": 3}}, headers=bearer(member))
    assert is_problem(unknown, 422)["errors"][0]["field"] == "scores.Price"
    bad = client.post(url, json={"overall": 5, "scores": {FIRST: 12}}, headers=bearer(member))
    assert is_problem(bad, 422)["errors"][0]["field"] == f"scores.{FIRST}"
    for role in ("viewer", "lead"):
        refused = client.post(
            url, json={"overall": 5}, headers=bearer(token_of(session, world.members[role]))
        )
        is_problem(refused, 403)
    assert session.exec(select(ValueRating)).all() == []


def test_a_rating_says_the_value_expected_in_the_future(
    client: TestClient, session: Session, world: World
):
    sponsor = token_of(session, world.members["sponsor"])
    url = f"{API}/accounts/{world.account.id}/ratings"
    sent = {"overall": 6, "future_overall": 9, "future_scores": {FIRST: 8}}
    made = client.post(url, json=sent, headers=bearer(sponsor))
    assert made.status_code == 201, made.text
    assert (made.json()["future_overall"], made.json()["future_scores"]) == (9, {FIRST: 8})
    [rating] = session.exec(select(ValueRating)).all()
    assert (rating.future_overall, rating.future_scores) == (9, {FIRST: 8})
    listed = client.get(url, headers=bearer(sponsor)).json()["items"]
    assert [(r["overall"], r["future_overall"]) for r in listed] == [(6, 9)]
    alone = client.post(
        url, json={"overall": 6, "future_scores": {FIRST: 8}}, headers=bearer(sponsor)
    )
    assert is_problem(alone, 422)["errors"][0]["field"] == "future_overall"
    unknown = client.post(
        url,
        json={"overall": 6, "future_overall": 7, "future_scores": {"Price": 3}},
        headers=bearer(sponsor),
    )
    assert is_problem(unknown, 422)["errors"][0]["field"] == "future_scores.Price"
    old = client.post(url, json={"overall": 5}, headers=bearer(sponsor)).json()
    assert (old["future_overall"], old["future_scores"]) == (None, {})
