"""One account navigation on every account page (partials/account_nav.html, app/accounts/nav.py):
once per page, first in it; the shared tabs for everyone, the vendor's internal pages as a group
marked internal that the client side never gets; the current page marked; no query of its own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app.accounts.nav import KEYS, AccountNav, account_nav
from app.models import Role
from app.permissions.policy import AccountAccess, Actor
from app.plans import repository as plans_repo
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.test_joint_reviews import scheduled
from tests.testclient import TestClient

NAV = re.compile(r'<nav class="account-nav".*?</nav>', re.DOTALL)
INTERNAL_PATHS = ("/scorecard", "/profile", "/relationships", "/opportunities", "/reviews")
INTERNAL_PATHS += ("/results", "/perception")
CLIENT_ROLES = ("sponsor", "member", "viewer")
VENDOR_ROLES = ("lead", "team", "mentor")
# (path under /accounts/N, the tab marked current); "{review}" is a scheduled joint review
SHARED_PAGES = (
    ("/plan", "/plan"),
    ("", ""),
    ("/joint-reviews", "/joint-reviews"),
    ("/joint-reviews/{review}", "/joint-reviews"),
)
INTERNAL_PAGES = tuple((path, path) for path in INTERNAL_PATHS)


def base(world: World) -> str:
    return f"/accounts/{world.account.id}"


def nav_of(html: str) -> str:
    """The page's one account navigation, which comes before its title."""
    found = NAV.findall(html)
    assert len(found) == 1, f"{len(found)} account navigations"
    assert html.index('<nav class="account-nav"') < html.index("<h1")
    return str(found[0])


def current_href(nav: str) -> str:
    marked = re.findall(r'href="([^"]+)" aria-current="page"', nav)
    assert len(marked) == 1, marked
    return str(marked[0])


@pytest.fixture
def review_id(session: Session, world: World) -> int:
    review = scheduled(session, world)
    assert review.id is not None
    return review.id


def get(client: TestClient, world: World, path: str, review_id: int) -> str:
    response = client.get(base(world) + path.format(review=review_id))
    assert response.status_code == 200, (path, response.status_code)
    return response.text


@pytest.mark.parametrize("role", VENDOR_ROLES)
def test_the_vendor_side_sees_the_shared_tabs_and_the_internal_group_on_every_page(
    client: TestClient, session: Session, world: World, review_id: int, role: str
) -> None:
    sign_in(client, session, world.members[role])
    for path, current in SHARED_PAGES + INTERNAL_PAGES:
        nav = nav_of(get(client, world, path, review_id))
        assert current_href(nav) == base(world) + current, path
        shared, internal = nav.split('class="account-nav-group account-nav-internal"')
        for label in ("Joint plan", "Joint reviews", "Account and members"):
            assert f">{label}</a>" in shared
        assert '<span class="badge badge-internal">Internal</span> only your side' in internal
        for tail in INTERNAL_PATHS:
            assert f'href="{base(world)}{tail}"' in internal
            assert f'href="{base(world)}{tail}"' not in shared


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_the_client_side_gets_the_shared_tabs_only_and_no_word_of_internal(
    client: TestClient, session: Session, world: World, review_id: int, role: str
) -> None:
    sign_in(client, session, world.members[role])
    for path, current in SHARED_PAGES:
        html = get(client, world, path, review_id)
        nav = nav_of(html)
        assert current_href(nav) == base(world) + current, path
        tabs = re.findall(r"<a [^>]*>([^<]+)</a>", nav)
        assert tabs == ["Joint plan", "Joint reviews", "Account and members"]
        assert "internal" not in nav.lower()
        assert "only your side" not in html.lower()
        for tail in INTERNAL_PATHS:
            assert f'href="{base(world)}{tail}"' not in html
    for tail in INTERNAL_PATHS:  # and the routes agree with the navigation
        assert client.get(base(world) + tail).status_code in (403, 404)


def test_the_period_pages_show_the_nav_with_the_plan_current(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    old = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert old is not None
    nav = nav_of(client.get(base(world) + "/plan/next").text)
    assert current_href(nav) == base(world) + "/plan"
    started = client.post(
        base(world) + "/plan/next",
        data={
            "csrf_token": CSRF,
            "period": "FY2099",
            "starts_on": "2099-01-01",
            "ends_on": "2099-12-31",
            "from_plan": str(old.id),
            "step": "confirm",
        },
    )
    assert started.status_code == 303, started.text
    for who in ("lead", "viewer"):
        sign_in(client, session, world.members[who])
        html = client.get(base(world) + f"/plans/{old.id}").text
        nav = nav_of(html)
        assert current_href(nav) == base(world) + "/plan"
        assert ("Internal" in nav) is (who == "lead")


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_the_audit_trail_shows_the_nav_with_no_tab_current(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    nav = nav_of(client.get(base(world) + "/audit").text)
    assert "aria-current" not in nav
    assert ("Internal" in nav) is (role == "lead")


def test_the_plan_head_names_the_period_and_no_longer_repeats_the_tabs(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    html = client.get(base(world) + "/plan").text
    head = html[html.index('<div class="page-head">') : html.index('<nav class="plan-nav"')]
    assert re.search(r"<h1>Plan [^<]+</h1>", head)
    assert world.account.name not in head
    assert "Reviews with the client" not in head
    assert "Account and members" not in head
    assert f"{world.account.name} · {world.account.name}" not in html


def test_the_builder_asks_the_policy_and_knows_every_page(world: World) -> None:
    access = AccountAccess(world.account, world.memberships["viewer"], is_workspace_admin=False)
    nav = account_nav(Actor.of(world.members["viewer"]), access, "plan")
    assert [t.label for t in nav.shared] == ["Joint plan", "Joint reviews", "Account and members"]
    assert nav.internal == ()
    assert [t.current for t in nav.shared] == [True, False, False]
    admin = AccountAccess(world.account, None, is_workspace_admin=True)
    full = account_nav(Actor.of(world.admin), admin, "")
    assert len(full.internal) == len(INTERNAL_PATHS)
    assert {t.key for t in full.shared + full.internal} == KEYS
    with pytest.raises(ValueError, match="Unknown account page"):
        account_nav(Actor.of(world.admin), admin, "nowhere")


@pytest.mark.parametrize("path", [p for p, _ in SHARED_PAGES + INTERNAL_PAGES])
def test_the_nav_adds_no_query_to_a_page(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    review_id: int,
    count_queries: QueryCounter,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    sign_in(client, session, world.members["lead"])
    get(client, world, path, review_id)  # warm
    count_queries.statements.clear()
    get(client, world, path, review_id)
    with_nav = count_queries.count

    def no_tabs(actor: Actor, access: AccountAccess, current: str) -> AccountNav:
        return AccountNav(access.account.name, (), ())

    globals_: dict[str, Any] = app.state.templates.env.globals
    monkeypatch.setitem(globals_, "account_nav", no_tabs)
    count_queries.statements.clear()
    get(client, world, path, review_id)
    assert count_queries.count == with_nav, count_queries.statements


def test_every_role_is_covered() -> None:
    assert set(VENDOR_ROLES + CLIENT_ROLES) == {r.value for r in Role}
