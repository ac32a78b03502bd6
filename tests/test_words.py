"""Counts and names in words (app/kit/words.py), and the pages that use them."""

from __future__ import annotations

import html

import pytest
from sqlmodel import Session

from app.kit.words import all_of, plural, possessive
from app.models import ClientOrganisation
from tests.factories import World, sign_in
from tests.testclient import TestClient


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0 accounts"), (1, "1 account"), (2, "2 accounts"), (1200, "1,200 accounts")],
)
def test_plural_agrees_with_the_count(count: int, said: str) -> None:
    assert plural(count, "account") == said


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "client priority", "client priorities") == "1 client priority"
    assert plural(3, "client priority", "client priorities") == "3 client priorities"


@pytest.mark.parametrize(
    ("count", "said"),
    [(1, "the one account"), (2, "both accounts"), (5, "all 5 accounts")],
)
def test_all_of_never_says_all_one(count: int, said: str) -> None:
    assert all_of(count, "account") == said


@pytest.mark.parametrize(
    ("name", "said"),
    [("Sam", "Sam's"), ("Harbor Logistics", "Harbor Logistics'"), ("ACME PARTS", "ACME PARTS'")],
)
def test_possessive(name: str, said: str) -> None:
    assert possessive(name) == said


def test_the_plan_names_a_client_ending_in_s_properly(
    client: TestClient, session: Session, world: World
) -> None:
    org = session.get(ClientOrganisation, world.account.client_org_id)
    assert org is not None
    org.name = "Harbor Logistics"
    session.add(org)
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    page = html.unescape(client.get(f"/accounts/{world.account.id}/plan").text)
    assert "Harbor Logistics' priorities" in page
    assert "Logistics's" not in page


def test_an_account_named_like_its_client_does_not_say_the_name_twice(
    client: TestClient, session: Session, world: World
) -> None:
    org = session.get(ClientOrganisation, world.account.client_org_id)
    assert org is not None
    org.name = world.account.name
    session.add(org)
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(f"/accounts/{world.account.id}").text
    assert f"{world.account.name} · {world.account.name}" not in page
    assert "your role:" in page
    home = client.get("/").text
    assert f"{world.account.name} · " not in home.split(f">{world.account.name}</strong>", 1)[1]
