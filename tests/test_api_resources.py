"""The API's resources of the plan beyond actions (periods, strategy, suggestions, ratings,
initiatives, an action's comments, the audit trail) and the vendor's internal ones (scorecard,
profile, stakeholders, opportunities, reviews): what each side gets, pages, and a fixed number
of queries whatever the account holds."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from app.api import paging
from app.api.problems import BadRequest
from app.comments import repository as comments_repo
from app.models import (
    AccountScore,
    AuditEvent,
    Comment,
    Initiative,
    Opportunity,
    Priority,
    PriorityStatus,
    ProfileSection,
    Review,
    Stakeholder,
    StakeholderContact,
    StrategyEntry,
    ValueRating,
    Visibility,
)
from app.plans import repository as plans_repo
from tests.conftest import QueryCounter
from tests.factories import World
from tests.test_api import API, bearer, is_problem, make_action, token_of
from tests.testclient import TestClient

VENDOR_ONLY = ("scorecard", "profile", "stakeholders", "opportunities", "reviews")
PLAN_LISTS = ("periods", "strategy", "suggestions", "ratings", "initiatives", "audit")


def plant(session: Session, world: World, n: int = 1) -> dict[str, Any]:
    """``n`` of each thing the new resources list, one internal initiative among them."""
    account_id = world.account.id or 0
    plan = plans_repo.current(session, account_id=account_id)
    assert plan is not None
    assert plan.id is not None
    lead, sponsor = world.members["lead"], world.members["sponsor"]
    on_plan = {"account_id": account_id, "plan_id": plan.id}
    for k in range(n):
        session.add(StrategyEntry(**on_plan, kind="goal", position=k, text=f"Goal {k}"))
        session.add(
            Priority(
                **on_plan,
                status=PriorityStatus.SUGGESTED,
                title=f"Suggested {k}",
                suggested_by_id=lead.id,
            )
        )
        session.add(ValueRating(**on_plan, overall=4, scores={"speed": 3}, rated_by_id=sponsor.id))
        session.add(
            Initiative(
                **on_plan, title=f"Shared {k}", visibility=Visibility.SHARED, status="proposed"
            )
        )
        session.add(Initiative(**on_plan, title=f"Draft {k}", visibility=Visibility.INTERNAL))
        stake = Stakeholder(
            account_id=account_id, name=f"Stake {k}", level="management", location="Oslo"
        )
        session.add(stake)
        session.flush()
        assert stake.id is not None
        for user, strength in ((lead, "strong"), (world.members["team"], "weak")):
            assert user.id is not None
            session.add(
                StakeholderContact(
                    account_id=account_id,
                    stakeholder_id=stake.id,
                    user_id=user.id,
                    strength=strength,
                    last_contact_on=date(2026, 11, 2),
                )
            )
        session.add(Opportunity(account_id=account_id, title=f"Opp {k}", owner_id=lead.id))
        session.add(AccountScore(account_id=account_id, current=3.5, future=4, tier="strategic"))
        session.add(Review(**on_plan, held_on=date(2026, 11, 1 + k), what_changed="More"))
    session.add(ProfileSection(account_id=account_id, kind="goals", body="Our view"))
    session.commit()
    return on_plan


def get(client: TestClient, secret: str, path: str) -> Any:
    response = client.get(f"{API}/accounts/{path}", headers=bearer(secret))
    assert response.status_code == 200, (path, response.text)
    return response.json()


def test_the_plan_resources_as_each_side_sees_them(
    client: TestClient, session: Session, world: World
):
    plant(session, world)
    account = world.account.id
    vendor = token_of(session, world.members["lead"])
    viewer = token_of(session, world.members["viewer"])
    for secret in (vendor, viewer):
        assert get(client, secret, f"{account}/periods")["items"][0]["is_current"] is True
        assert [e["text"] for e in get(client, secret, f"{account}/strategy")["items"]] == [
            "Goal 0"
        ]
        [suggestion] = get(client, secret, f"{account}/suggestions")["items"]
        assert (suggestion["title"], suggestion["status"]) == ("Suggested 0", "suggested")
        assert get(client, secret, f"{account}/ratings")["items"][0]["scores"] == {"speed": 3}
    titles = {i["title"] for i in get(client, vendor, f"{account}/initiatives")["items"]}
    assert titles == {"Shared 0", "Draft 0"}
    titles = {i["title"] for i in get(client, viewer, f"{account}/initiatives")["items"]}
    assert titles == {"Shared 0"}


def test_vendor_internal_resources_are_a_404_for_a_client(
    client: TestClient, session: Session, world: World
):
    plant(session, world)
    account = world.account.id
    vendor = token_of(session, world.members["mentor"])
    sponsor = token_of(session, world.members["sponsor"])
    assert get(client, vendor, f"{account}/scorecard")["latest"]["tier"] == "strategic"
    assert get(client, vendor, f"{account}/profile")["sections"][0]["body"] == "Our view"
    [stake] = get(client, vendor, f"{account}/stakeholders")["items"]
    # The strongest contact is still the owner, as before contacts; every contact is listed.
    assert stake["owner"]["id"] == world.members["lead"].id
    assert (stake["strength"], stake["last_contact_on"]) == ("strong", "2026-11-02")
    assert [(c["person"]["id"], c["strength"]) for c in stake["contacts"]] == [
        (world.members["lead"].id, "strong"),
        (world.members["team"].id, "weak"),
    ]
    assert (stake["level"], stake["location"]) == ("management", "Oslo")
    assert get(client, vendor, f"{account}/opportunities")["items"][0]["title"] == "Opp 0"
    assert get(client, vendor, f"{account}/reviews")["items"][0]["what_changed"] == "More"
    missing = client.get(f"{API}/accounts/999999/scorecard", headers=bearer(sponsor))
    for name in VENDOR_ONLY:
        refused = client.get(f"{API}/accounts/{account}/{name}", headers=bearer(sponsor))
        assert is_problem(refused, 404) == is_problem(missing, 404), name


def test_comments_of_an_action_a_page_at_a_time(client: TestClient, session: Session, world: World):
    action = make_action(session, world)
    lead, member = world.members["lead"], world.members["member"]
    on_plan = {"account_id": action.account_id, "plan_id": action.plan_id}
    total = comments_repo.PAGE + 5
    for k in range(total):
        session.add(
            Comment(**on_plan, action_id=action.id, author_id=member.id, body=f"Comment {k}")
        )
    session.add(
        Comment(
            **on_plan,
            action_id=action.id,
            author_id=lead.id,
            body="Team only",
            visibility=Visibility.INTERNAL,
        )
    )
    session.commit()
    url = f"{API}/accounts/{world.account.id}/actions/{action.id}/comments"

    def all_pages(secret: str) -> list[str]:
        bodies: list[str] = []
        cursor = None
        while True:
            page = client.get(
                url, params={"cursor": cursor} if cursor else {}, headers=bearer(secret)
            )
            assert page.status_code == 200, page.text
            bodies = [c["body"] for c in page.json()["items"]] + bodies
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return bodies

    client_bodies = all_pages(token_of(session, member))
    assert len(client_bodies) == total
    assert "Team only" not in client_bodies
    assert "Team only" in all_pages(token_of(session, lead))
    is_problem(
        client.get(url, params={"cursor": "%%"}, headers=bearer(token_of(session, lead))), 400
    )


def test_the_audit_trail_a_page_at_a_time_shared_events_only_for_a_client(
    client: TestClient, session: Session, world: World
):
    make_action(session, world)
    url = f"{API}/accounts/{world.account.id}/audit"
    vendor, sponsor = (
        token_of(session, world.members["lead"]),
        token_of(session, world.members["sponsor"]),
    )

    def events(secret: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = client.get(url, params=params, headers=bearer(secret)).json()
            assert len(page["items"]) <= 3
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    everything, shared = events(vendor), events(sponsor)
    assert len(shared) > 3
    assert len(everything) >= len(shared)
    assert any(e["verb"] == "action.created" for e in shared)
    assert not any(e["verb"].startswith("api_token") for e in shared)  # internal events


def test_the_audit_trail_s_cursor_is_sealed_and_a_keyset(
    client: TestClient, session: Session, world: World
):
    """The cursor holds no readable place (a client could count the internal events between
    two sequence numbers), cannot be changed or carried to another account, and an event
    made between two pages neither repeats nor hides one (a keyset, not an offset)."""
    make_action(session, world)
    sponsor = token_of(session, world.members["sponsor"])
    url = f"{API}/accounts/{world.account.id}/audit"
    first = client.get(url, params={"limit": 2}, headers=bearer(sponsor)).json()
    cursor = first["next_cursor"]
    assert cursor is not None
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    seqs = session.exec(select(AuditEvent.seq).where(AuditEvent.account_id == world.account.id))
    assert not any(str(seq).encode() in raw for seq in seqs.all() if seq > 9)
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    is_problem(client.get(url, params={"cursor": tampered}, headers=bearer(sponsor)), 400)
    made_up = paging.encode("1")
    is_problem(client.get(url, params={"cursor": made_up}, headers=bearer(sponsor)), 400)
    secret = client.app.state.settings.resolved_secret_key  # type: ignore[attr-defined]
    here = f"audit:{world.account.id}"
    assert paging.unseal(cursor, paging.number, secret=secret, context=here)
    with pytest.raises(BadRequest):  # another account's list
        paging.unseal(
            cursor, paging.number, secret=secret, context=f"audit:{world.other_account.id}"
        )

    second = client.get(url, params={"limit": 2}, headers=bearer(sponsor)).json()
    make_action(session, world, "Made between two pages")  # a newer shared event
    after = client.get(
        url, params={"limit": 2, "cursor": second["next_cursor"]}, headers=bearer(sponsor)
    ).json()
    whole = client.get(url, params={"limit": 6}, headers=bearer(sponsor)).json()["items"]
    assert second["items"] + after["items"] == whole[1:5]


def test_each_list_costs_the_same_whatever_the_account_holds(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
):
    lead = token_of(session, world.members["lead"])
    account = world.account.id
    action = make_action(session, world)
    urls = [f"{account}/{name}" for name in (*PLAN_LISTS, *VENDOR_ONLY)]
    urls.append(f"{account}/actions/{action.id}/comments")
    get(client, lead, urls[0])  # the token's first use is written down once

    def queries() -> list[int]:
        counted = []
        for url in urls:
            count_queries.statements.clear()
            get(client, lead, url)
            counted.append(count_queries.count)
        return counted

    few = queries()
    plant(session, world, n=4)
    assert queries() == few
    counted = dict(zip(urls, few, strict=True))
    # Each: the use, one insert. The stakeholders also read the team's contacts: one more.
    assert counted.pop(f"{account}/stakeholders") <= 8, counted
    assert max(counted.values()) <= 7, counted
