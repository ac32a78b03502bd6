"""CSRF on every state change, no state change on GET, security headers and cookie flags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import Session, select
from starlette.datastructures import MutableHeaders

from app.actions import service as actions
from app.actions.schemas import CheckedAction, Link
from app.agreement import service as agreement
from app.agreement.service import Slot
from app.apitokens import service as api_tokens
from app.apitokens.schemas import CheckedToken
from app.auth.sessions import SESSION_COOKIE
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.comments.routes import THREAD
from app.config import Settings
from app.db import Database, DbSession, ReadOnlySessionError
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.invitations import service as invitations
from app.jointreviews import service as joint_reviews
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.main import PRIVATE_ROUTERS, PUBLIC_ROUTERS, create_app
from app.models import (
    OutboxMessage,
    PasswordReset,
    ProfileKind,
    Role,
    ScorecardHalf,
    TokenScope,
    WebhookDelivery,
    Workspace,
    utcnow,
)
from app.notifications.service import notify
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues
from app.opportunities.scoring import RATINGS as OPPORTUNITY_RATINGS
from app.perception import service as perception
from app.perception.schemas import BeliefValues
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.profile import service as profile
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import objectives as scorecard_objectives
from app.scorecard import service as scorecard
from app.scorecard.objectives import ObjectiveValues
from app.scorecard.schemas import AttributeValues
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import (
    CheckedContact,
    CheckedLink,
    CheckedStakeholder,
    CheckedTension,
)
from app.strategy import service as strategy
from app.strategy.schemas import StrategyValues
from app.tokens import new_token, token_hash
from app.web.security import (
    CSRF_COOKIE,
    add_page_headers,
    session_csrf_token,
    unmask_token,
)
from app.webhooks import service as webhooks
from app.webhooks.schemas import EndpointValues
from tests import factories
from tests.conftest import (
    CSRF,
    BuiltWorld,
    RollbackDatabase,
    copy_engine,
    default_settings,
    drop_engine,
    rows_changed,
)
from tests.factories import PASSWORD, World, attach, sign_in
from tests.testclient import TestClient

ROUTES: list[APIRoute] = [
    route
    for router in (*PUBLIC_ROUTERS, *PRIVATE_ROUTERS)
    for route in router.routes
    if isinstance(route, APIRoute)
]
# The one route a signed token in its own URL authorises instead (RFC 8058's one-click
# unsubscribe, posted by mail clients without cookies): ``test_only_one_click_unsubscribe_...``.
EXEMPT = [r.path for r in ROUTES if getattr(r.endpoint, "jp_csrf_exempt", False)]
POSTS = [r.path for r in ROUTES if "POST" in r.methods and r.path not in EXEMPT]
GETS = [
    r.path
    for r in ROUTES
    if "GET" in r.methods and not getattr(r.endpoint, "jp_writes_on_get", False)
]
NEW_PASSWORD = "a brand new passphrase"
# Everything any form could want: without the CSRF check, each POST would change something.
FORM = {
    "email": "newcomer@client.example",
    "password": NEW_PASSWORD,
    "password_confirm": NEW_PASSWORD,
    "current_password": PASSWORD,
    "display_name": "New Comer",
    "role": "mentor",
    "version": "1",
    "client_name": "Fresh client",
    "account_name": "Fresh account",
    "period": "FY2028",
    "lead_email": "fresh-lead@vendor.example",
}


# Cheap argon2 parameters: these tests are about the rules around passwords, not the hash's cost.
pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture(scope="session")
def world_with_links(
    template_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BuiltWorld, dict[str, str]]]:
    """The world and every row the routes with ids act on (``make_links``), built and committed
    once per session (per worker) in a database of their own: each of the several hundred
    tests that fill a route's ids starts from it as built (its transaction rolled back after
    it), instead of making thirty rows again."""
    engine = copy_engine(template_engine, tmp_path_factory.mktemp("links"), "links")
    try:
        with Database(engine).session() as session:
            world = factories.build_world(session)
            session.commit()
            made = make_links(session, world)
        yield BuiltWorld(engine, world), made
    finally:
        drop_engine(engine)


@pytest.fixture
def built_world(world_with_links: tuple[BuiltWorld, dict[str, str]]) -> BuiltWorld:
    """This module's ``world`` (overriding tests/conftest.py's for its tests only, not as a
    second session fixture): the one with the links."""
    return world_with_links[0]


@pytest.fixture
def links(world_with_links: tuple[BuiltWorld, dict[str, str]], world: World) -> dict[str, str]:
    """The ids of real rows the admin may act on, and working tokens for the routes that take
    one (an open invitation and a reset link)."""
    return world_with_links[1]


def make_links(session: Session, world: World) -> dict[str, str]:
    """Make what ``links`` names (committed)."""
    sent = invitations.invite(
        session,
        inviter=world.members["lead"],
        account=world.account,
        email=FORM["email"],
        role=Role.MEMBER,
        days=7,
    )
    reset_token = new_token()
    session.add(
        PasswordReset(
            user_id=world.admin.id,  # type: ignore[arg-type]
            token_hash=token_hash(reset_token),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=PriorityValues(title="Ours"),
    )
    entry = strategy.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=StrategyValues(kind="driver", text="Ours"),
    )
    initiative = initiatives.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=InitiativeValues(title="A draft of ours"),
    )
    action = actions.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        checked=CheckedAction("Joint step", "", None, None, "not_started", Link()),
    )
    strategy_suggestion = strategy.suggest(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=StrategyValues(kind="challenge", text="Theirs?"),
    )
    suggestion = priorities.suggest(
        session, actor=world.members["lead"], plan=plan, values=PriorityValues(title="Theirs?")
    )
    belief = perception.add_belief(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=BeliefValues(title="We think", priority_id=None),
    )
    opportunity = opportunities.add(
        session,
        actor=world.members["lead"],
        account_id=plan.account_id,
        values=OpportunityValues(
            title="A deal of ours",
            description="",
            size=1_000,
            days=5,
            ratings=dict.fromkeys(OPPORTUNITY_RATINGS, 3),
            owner_id=None,
            status="open",
            priority_ids=[],
        ),
    )
    lead = world.members["lead"]
    agreement.submit(session, actor=lead, plan=plan)
    agreement.approve(session, actor=world.members["sponsor"], plan=plan, slot=Slot.SPONSOR)
    version = agreement.approve(session, actor=lead, plan=plan, slot=Slot.LEAD).version
    assert version is not None
    target = comments_repo.find_target(
        session,
        account_id=priority.account_id,
        item_type="priority",
        item_id=priority.id,  # type: ignore[arg-type]
    )
    assert target is not None
    comment = comments.add(
        session,
        actor=world.admin,
        target=target,
        body="Ours too",
        team_only=False,
        people=[world.members["lead"]],
    )
    [note] = notify(
        session,
        account_id=priority.account_id,
        recipient_ids=[world.admin.id, world.members["lead"].id],
        kind="mention",
        message="A mention",
        link="/",
        actor=world.members["sponsor"],
    )
    attribute = scorecard.add_attribute(
        session,
        actor=world.admin,
        workspace_id=world.workspace.id,  # type: ignore[arg-type]
        values=AttributeValues("Ours to score", ScorecardHalf.CURRENT, 2),
    )
    objective = scorecard_objectives.add_objective(
        session,
        actor=world.admin,
        workspace_id=world.workspace.id,  # type: ignore[arg-type]
        values=ObjectiveValues("Ours to pursue"),
    )
    review = reviews.record(
        session,
        actor=lead,
        account=world.account,
        plan=plan,
        checked=CheckedReview(utcnow().date(), "Us", "Much"),
        dimensions=[],
    )
    mentor_request = reviews.ask(
        session, actor=lead, account=world.account, plan=plan, initiative=None, note="Look"
    )
    section = profile.save(
        session,
        actor=lead,
        account_id=priority.account_id,
        kind=ProfileKind.GOALS,
        section=None,
        body="Ours",
        expected_version=0,
    )
    assert section is not None
    stakeholder = stakeholders.add(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,  # type: ignore[arg-type]
        checked=CheckedStakeholder(name="Ours"),
    )
    other_person = stakeholders.add(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,  # type: ignore[arg-type]
        checked=CheckedStakeholder(name="Theirs"),
    )
    team = world.members["team"]
    contact = stakeholders.add_contact(
        session,
        actor=world.members["lead"],
        person=stakeholder,
        user=team,
        checked=CheckedContact(team.id or 0, "good", None),
    )
    link = stakeholders.add_link(
        session,
        actor=world.members["lead"],
        account_id=world.account.id or 0,
        checked=CheckedLink(stakeholder.id or 0, other_person.id or 0, "blocks"),
        names={stakeholder.id or 0: "Ours", other_person.id or 0: "Theirs"},
    )
    tension = stakeholders.add_tension(
        session,
        actor=world.members["lead"],
        account_id=world.account.id or 0,
        checked=CheckedTension("Finance", "Operations"),
    )
    joint = joint_reviews.schedule(
        session,
        actor=lead,
        account=world.account,
        plan=plan,
        checked=CheckedSchedule(
            CheckedTime(utcnow() + timedelta(days=7), "Europe/Madrid", 60),
            (lead.id, world.members["sponsor"].id),  # type: ignore[arg-type]
        ),
    )
    decision = joint_reviews.add_decision(session, actor=lead, review=joint, text="Ours")
    mail = session.exec(
        select(OutboxMessage).where(OutboxMessage.invitation_id == sent.invitation.id)
    ).one()
    api_token, _secret = api_tokens.create(
        session, actor=world.admin, checked=CheckedToken("Ours", TokenScope.WRITE, 30)
    )
    assert world.admin.workspace_id is not None
    endpoint, _secret = webhooks.create(
        session,
        actor=world.admin,
        workspace_id=world.admin.workspace_id,
        values=EndpointValues("https://hooks.example/in", "Ours", ["priority.*"], False, True),
        app_key=default_settings().resolved_secret_key,
    )
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,  # type: ignore[arg-type]
        account_id=world.account.id,  # type: ignore[arg-type]
        verb="priority.created",
        body="{}",
    )
    session.add(delivery)
    attachment = attach(
        session,
        actor=world.members["sponsor"],
        account_id=world.account.id,  # type: ignore[arg-type]
        item_type="priority",
        item_id=priority.id,  # type: ignore[arg-type]
        name="ours.txt",
        data=b"Ours to read",
    )
    session.commit()
    return {
        "joint_review_id": str(joint.id),
        "decision_id": str(decision.id),
        "plan_id": str(plan.id),
        "review_id": str(review.id),
        "request_id": str(mentor_request.id),
        "section_id": str(section.id),
        "action_id": str(action.id),
        "invitation": sent.link.rsplit("/", 1)[1],
        "entry_id": str(entry.id),
        "invitation_id": str(sent.invitation.id),
        "initiative_id": str(initiative.id),
        "priority_id": str(priority.id),
        "suggestion_id": str(suggestion.id),
        "strategy_suggestion_id": str(strategy_suggestion.id),
        "belief_id": str(belief.id),
        "opportunity_id": str(opportunity.id),
        "version_id": str(version.id),
        "item_id": str(priority.id),  # comment threads: the priority's
        "comment_id": str(comment.id),
        "attachment_id": str(attachment.id),
        "notification_id": str(note.id),
        "attribute_id": str(attribute.id),
        "objective_id": str(objective.id),
        "stakeholder_id": str(stakeholder.id),
        "contact_id": str(contact.id),
        "link_id": str(link.id),
        "tension_id": str(tension.id),
        "message_id": str(mail.id),
        "token_id": str(api_token.id),
        "endpoint_id": str(endpoint.id),
        "delivery_id": str(delivery.id),
        "reset": reset_token,
    }


def fill(path: str, world: World, links: dict[str, str]) -> str:
    """A route's path with the ids of real rows the admin may act on."""
    token = links["reset"] if path.startswith("/password/reset") else links["invitation"]
    ids = {name: value for name, value in links.items() if name.endswith("_id")}
    return path.format(
        **ids,
        account_id=world.account.id,
        membership_id=world.memberships["team"].id,
        user_id=world.members["team"].id,
        token=token,
        provider_key="acme",
        target="priority",
        kind="goals",
        section="priorities",
    )


def signed_in_as_admin(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.admin)


def assert_page_expired(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert "Page expired" in response.text
    assert "security token" in response.text


# --- CSRF -------------------------------------------------------------------------------------


def test_only_one_click_unsubscribe_is_exempt_from_the_csrf_check() -> None:
    """Nothing else may skip the check; that route is covered by its signed token (see
    tests/test_notice_preferences.py: a forged or altered token changes nothing)."""
    assert EXEMPT == ["/unsubscribe/{token}"]


def test_the_route_list_covers_the_state_changing_routes() -> None:
    assert "/logout" in POSTS
    assert "/accounts" in POSTS
    assert len(POSTS) >= 10


@pytest.mark.parametrize("path", POSTS)
def test_every_post_without_the_token_is_refused_and_changes_nothing(
    client: TestClient, session: Session, world: World, links: dict[str, str], path: str
) -> None:
    signed_in_as_admin(client, session, world)
    before = rows_changed(session)
    response = client.post(fill(path, world, links), data=FORM)
    assert_page_expired(response)
    assert rows_changed(session) == before


def test_anonymous_posts_without_the_token_are_refused(
    client: TestClient, session: Session, world: World, links: dict[str, str]
) -> None:
    before = rows_changed(session)
    for path in POSTS:
        response = client.post(fill(path, world, links), data=FORM)
        assert response.status_code == 403, path
        assert "Page expired" in response.text, path
    assert rows_changed(session) == before


def test_a_post_with_the_token_goes_through(
    client: TestClient, session: Session, world: World
) -> None:
    """The control for the tests above: the same request with the token is accepted."""
    signed_in_as_admin(client, session, world)
    response = client.post("/logout", data={"csrf_token": CSRF})
    assert response.status_code == 303


def test_the_htmx_header_token_is_accepted(
    client: TestClient, session: Session, world: World
) -> None:
    signed_in_as_admin(client, session, world)
    response = client.post("/logout", headers={"X-CSRF-Token": CSRF, "HX-Request": "true"})
    assert response.status_code == 303


def test_htmx_post_without_the_token_gets_a_toast_retargeted_to_toasts(
    client: TestClient, session: Session, world: World
) -> None:
    signed_in_as_admin(client, session, world)
    response = client.post(
        f"/accounts/{world.account.id}/invitations",
        data={"email": "someone@client.example", "role": "viewer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert response.headers["HX-Reswap"] == "none"
    assert '<div id="toasts" hx-swap-oob="beforeend">' in response.text
    assert 'class="toast toast-error"' in response.text
    assert "security token" in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize(
    ("field", "header"),
    [
        ("x" * 43, None),
        (None, "x" * 43),
        (CSRF[:-1], None),
        (None, CSRF + "t"),
        ("", None),
    ],
    ids=["wrong-field", "wrong-header", "short-field", "long-header", "empty-field"],
)
def test_a_wrong_token_is_refused(
    client: TestClient,
    session: Session,
    world: World,
    field: str | None,
    header: str | None,
) -> None:
    sign_in(client, session, world.members["team"])
    data = {"csrf_token": field} if field is not None else {}
    headers = {"X-CSRF-Token": header} if header is not None else {}
    assert_page_expired(client.post("/logout", data=data, headers=headers))
    assert client.get("/me").status_code == 200  # still signed in: the logout did not happen


def test_the_token_without_its_cookie_is_refused(client: TestClient, world: World) -> None:
    """Without a session the token must match the CSRF cookie (double submit)."""
    client.cookies.delete(CSRF_COOKIE)
    signing_in = {"email": world.admin.email, "password": PASSWORD, "csrf_token": CSRF}
    assert_page_expired(client.post("/login", data=signing_in))
    assert SESSION_COOKIE not in client.cookies


def test_a_signed_in_request_needs_no_csrf_cookie_but_its_sessions_token(
    app: FastAPI, session: Session, world: World
) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        sign_in(browser, session, world.members["team"])
        token = page_token(browser.get("/me"))
        browser.cookies.delete(CSRF_COOKIE)
        assert_page_expired(browser.post("/logout", data={"csrf_token": CSRF}))
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303


def test_the_token_in_the_query_string_is_not_enough(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    assert_page_expired(client.post(f"/logout?csrf_token={CSRF}"))


def test_a_json_body_cannot_carry_the_token(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    assert_page_expired(client.post("/logout", json={"csrf_token": CSRF}))


def page_token(response: httpx.Response) -> str:
    """The CSRF token the page gives its forms and htmx (the meta tag), masked for this page."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', response.text)
    assert match, response.text[:300]
    return match.group(1)


def raw(masked: str) -> str:
    """The token behind a page's masked one (each page masks it afresh)."""
    token = unmask_token(masked)
    assert token, masked
    return token


@pytest.mark.parametrize("source", ["another session", "no session"])
@pytest.mark.parametrize("path", POSTS)
def test_a_token_and_cookie_of_another_session_are_refused_and_change_nothing(
    app: FastAPI,
    client: TestClient,
    session: Session,
    world: World,
    links: dict[str, str],
    path: str,
    source: str,
) -> None:
    """The attacker brings a matching token and CSRF cookie of his own (his own session's, or
    an anonymous pair) beside the victim's session cookie: the token is not the victim's."""
    with TestClient(app, follow_redirects=False) as attacker:
        if source == "another session":
            sign_in(attacker, session, world.other_admin)
        token = page_token(attacker.get("/me" if source == "another session" else "/login"))
    signed_in_as_admin(client, session, world)
    client.cookies.set(CSRF_COOKIE, raw(token))
    before = rows_changed(session)
    url = fill(path, world, links)
    assert_page_expired(client.post(url, data={**FORM, "csrf_token": token}))
    assert_page_expired(client.post(url, data=FORM, headers={"X-CSRF-Token": token}))
    assert rows_changed(session) == before


def sign_in_through_the_form(browser: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in as a person does, with the sign-in page's token; the token of the next page."""
    token = page_token(browser.get("/login"))
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return page_token(browser.get("/"))


def test_the_token_lasts_as_long_as_the_session_and_sign_in_and_out_replace_it(
    app: FastAPI, world: World
) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        before_sign_in = page_token(browser.get("/login"))
        token = sign_in_through_the_form(browser, world.admin.email)
        assert raw(token) != raw(before_sign_in)
        # The same token on every page of the session, and it keeps working.
        assert raw(page_token(browser.get("/me"))) == raw(token)
        assert raw(page_token(browser.get(f"/accounts/{world.account.id}"))) == raw(token)
        for _ in range(2):
            wrong = browser.post(
                "/me/password", data={"current_password": "x", "csrf_token": token}
            )
            assert wrong.status_code == 422
        # The pre-sign-in token (with its cookie) does not pass for the session.
        browser.cookies.set(CSRF_COOKIE, raw(before_sign_in))
        assert_page_expired(browser.post("/logout", data={"csrf_token": before_sign_in}))
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
        after = page_token(browser.get("/login"))
        assert raw(after) not in (raw(token), raw(before_sign_in))
        # Signed out, the session's token is no double-submit token either.
        again = browser.post(
            "/login",
            data={"email": world.admin.email, "password": PASSWORD, "csrf_token": token},
        )
        assert_page_expired(again)


def test_a_password_change_gives_the_session_a_new_token(app: FastAPI, world: World) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        token = sign_in_through_the_form(browser, world.admin.email)
        changed = browser.post(
            "/me/password",
            data={
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
                "csrf_token": token,
            },
        )
        assert changed.status_code == 303
        fresh = page_token(browser.get("/me"))
        assert raw(fresh) != raw(token)
        assert_page_expired(browser.post("/logout", data={"csrf_token": token}))
        assert browser.post("/logout", data={"csrf_token": fresh}).status_code == 303


# --- the token is masked afresh in every page (BREACH) ------------------------------------------


def field_tokens(response: httpx.Response) -> list[str]:
    return re.findall(r'name="csrf_token" value="([^"]+)"', response.text)


def tampered(token: str) -> str:
    """``token`` with one character of its masked half changed (still valid base64url)."""
    i = len(token) * 3 // 4
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_every_page_masks_the_session_token_afresh_and_each_mask_is_accepted(
    app: FastAPI, settings: Settings, world: World
) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        sign_in_through_the_form(browser, world.admin.email)
        pages = [browser.get("/me") for _ in range(2)]
        tokens = [page_token(page) for page in pages]
        assert tokens[0] != tokens[1]
        session_token = browser.cookies.get(SESSION_COOKIE, domain="testserver.local") or ""
        secret = session_csrf_token(settings.resolved_secret_key, session_token)
        for page, token in zip(pages, tokens, strict=True):
            assert secret not in page.text  # the token itself is never in a page
            assert raw(token) == secret
            assert set(field_tokens(page)) == {token}  # the forms carry the page's mask
        # Each page's token passes, as a form field and as htmx's header.
        wrong_password = {"current_password": "x", "password": "y", "password_confirm": "y"}
        for token in tokens:
            answer = browser.post("/me/password", data={**wrong_password, "csrf_token": token})
            assert answer.status_code == 422
            answer = browser.post(
                "/me/password", data=wrong_password, headers={"X-CSRF-Token": token}
            )
            assert answer.status_code == 422
        # The raw token (the way a client that knows it sends it) passes too.
        assert browser.post("/logout", data={"csrf_token": secret}).status_code == 303


def test_a_tampered_masked_token_is_refused(app: FastAPI, world: World) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        token = sign_in_through_the_form(browser, world.admin.email)
        for bad in (tampered(token), token[:-2], token + "A", token[: len(token) // 2]):
            assert_page_expired(browser.post("/logout", data={"csrf_token": bad}))
            assert_page_expired(browser.post("/logout", headers={"X-CSRF-Token": bad}))
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303


def test_signing_in_pages_mask_the_double_submit_token_too(app: FastAPI, world: World) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        first, second = browser.get("/login"), browser.get("/login")
        cookie = browser.cookies.get(CSRF_COOKIE, domain="testserver.local")
        assert cookie
        tokens = [page_token(first), page_token(second)]
        assert tokens[0] != tokens[1]
        assert cookie not in first.text + second.text
        assert {raw(t) for t in tokens} == {cookie}
        signing_in = {"email": world.admin.email, "password": "not it"}
        for token in tokens:
            refused = browser.post("/login", data={**signing_in, "csrf_token": token})
            assert refused.status_code == 401  # past the CSRF check: the password is wrong
        assert_page_expired(
            browser.post("/login", data={**signing_in, "csrf_token": tampered(tokens[0])})
        )


# --- no state change on GET -------------------------------------------------------------------


@pytest.mark.parametrize("path", GETS)
def test_get_routes_never_change_data(
    app: FastAPI, session: Session, world: World, links: dict[str, str], path: str
) -> None:
    url = fill(path, world, links)
    before = rows_changed(session)
    for who in (world.admin, world.members["lead"], world.members["sponsor"], None):
        with TestClient(app, follow_redirects=False) as browser:
            browser.cookies.set(CSRF_COOKIE, CSRF)
            if who is not None:
                sign_in(browser, session, who)
                before = rows_changed(session)
            response = browser.get(url)
            assert response.status_code < 500, (url, who, response.text)
            assert rows_changed(session) == before, (url, who)


def test_a_read_only_session_refuses_to_flush(db: RollbackDatabase) -> None:
    with db.session(writes=False) as read_only:
        read_only.add(Workspace(name="Sneaky"))
        with pytest.raises(ReadOnlySessionError):
            read_only.flush()


def test_a_get_handler_that_tries_to_write_fails_and_writes_nothing(
    settings: Settings, db: RollbackDatabase, session: Session
) -> None:
    app = create_app(settings, db, run_mailer=False)

    @app.get("/test-only/sneaky-write")
    def sneaky_write(db_session: DbSession) -> dict[str, str]:
        db_session.add(Workspace(name="Written on GET"))
        db_session.flush()
        return {"status": "written"}

    before = rows_changed(session)
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as browser:
        response = browser.get("/test-only/sneaky-write")
    assert response.status_code == 500
    assert rows_changed(session) == before


# --- security headers -------------------------------------------------------------------------


def csp(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


PAGES = [
    ("anonymous", "/login"),
    ("anonymous", "/password/forgot"),
    ("anonymous", "/accounts/1"),  # a redirect to the sign-in page
    ("lead", "/"),
    ("lead", "/accounts/{account_id}"),
    ("lead", "/accounts/{account_id}/audit"),
    ("lead", "/accounts/999999"),  # the 404 page
    ("lead", "/me"),
    ("admin", "/admin/users"),
    ("admin", "/accounts/new"),
    ("sponsor", "/accounts/new"),  # the 403 page
]


def fetch(
    client: TestClient, session: Session, world: World, who: str, path: str
) -> httpx.Response:
    if who == "admin":
        sign_in(client, session, world.admin)
    elif who != "anonymous":
        sign_in(client, session, world.members[who])
    return client.get(path.format(account_id=world.account.id))


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_pages_carry_the_security_headers(
    client: TestClient, session: Session, world: World, who: str, path: str
) -> None:
    response = fetch(client, session, world, who, path)
    directives = csp(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert "*" not in scripts
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] in ("DENY", "SAMEORIGIN")
    assert response.headers["referrer-policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_pages_have_no_inline_script(
    client: TestClient, session: Session, world: World, who: str, path: str
) -> None:
    response = fetch(client, session, world, who, path)
    assert not INLINE_SCRIPT.search(response.text)
    assert not INLINE_HANDLER.search(response.text)
    assert "javascript:" not in response.text


# --- caching: no page is stored; a URL that answers htmx with a fragment varies on it --------


def varies_on(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("path", GETS)
def test_every_get_route_is_never_stored_and_varies_on_htmx(
    app: FastAPI, session: Session, world: World, links: dict[str, str], path: str
) -> None:
    url = fill(path, world, links)
    for who in (world.admin, world.members["lead"], world.members["sponsor"], None):
        with TestClient(app, follow_redirects=False) as browser:
            if who is not None:
                sign_in(browser, session, who)
            for headers in ({}, {"HX-Request": "true"}):
                response = browser.get(url, headers=headers)
                where = (url, who and who.email, headers, response.status_code)
                assert response.headers.get("cache-control") == "no-store", where
                assert "hx-request" in varies_on(response), where


def test_the_fragment_urls_answer_both_ways_and_say_so(
    client: TestClient, session: Session, world: World, links: dict[str, str]
) -> None:
    """Found, not listed: every GET route whose answer to htmx is a fragment of the page."""
    signed_in_as_admin(client, session, world)
    fragments = set()
    for path in GETS:
        url = fill(path, world, links)
        page, part = client.get(url), client.get(url, headers={"HX-Request": "true"})
        if page.status_code == part.status_code == 200 and "<html" in page.text:
            if "<html" not in part.text:
                fragments.add(path)
            for response in (page, part):
                assert response.headers["cache-control"] == "no-store", url
                assert "hx-request" in varies_on(response), url
    assert THREAD in fragments, fragments


def test_error_pages_are_not_stored_either(
    client: TestClient, session: Session, world: World
) -> None:
    signed_in_as_admin(client, session, world)
    for response in (
        client.get("/no/such/page"),
        client.get("/accounts/999999"),
        client.post("/logout"),  # 403, page expired
        client.get("/login", headers={"HX-Request": "true"}),
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert "hx-request" in varies_on(response), response.request.url


def test_static_files_keep_their_own_caching(client: TestClient) -> None:
    response = client.get("/static/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert "hx-request" not in varies_on(response)


def test_an_existing_vary_is_kept() -> None:
    headers = MutableHeaders({"vary": "Accept-Encoding"})
    add_page_headers(headers)
    add_page_headers(headers)
    assert headers["vary"] == "Accept-Encoding, HX-Request"
    assert headers["cache-control"] == "no-store"


# --- cookies ----------------------------------------------------------------------------------


def cookies_set(response: httpx.Response) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = morsel
    return found


def test_a_first_visit_gets_an_httponly_samesite_lax_csrf_cookie(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        response = browser.get("/login")
    cookie = cookies_set(response)[CSRF_COOKIE]
    assert len(cookie.value) >= 32
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]


def test_every_cookie_of_a_sign_in_and_sign_out_is_httponly_and_lax(
    client: TestClient, world: World
) -> None:
    signed_in = client.post(
        "/login",
        data={"email": world.admin.email, "password": PASSWORD, "csrf_token": CSRF},
    )
    new_csrf = client.cookies.get(CSRF_COOKIE, domain="testserver.local")
    assert new_csrf
    signed_out = client.post("/logout", data={"csrf_token": new_csrf})
    assert signed_out.status_code == 303
    cookies = {**cookies_set(signed_in), **cookies_set(signed_out)}
    assert {SESSION_COOKIE, CSRF_COOKIE} <= set(cookies)
    for name, cookie in cookies.items():
        assert cookie["httponly"] is True, name
        assert cookie["samesite"].lower() == "lax", name


@pytest.fixture
def https_app(settings: Settings, db: RollbackDatabase) -> FastAPI:
    secure = settings.model_copy(update={"base_url": "https://jointplan.example"})
    return create_app(secure, db, run_mailer=False)


def test_over_https_every_cookie_is_secure_and_the_two_that_matter_are_host_only(
    https_app: FastAPI, session: Session, world: World
) -> None:
    host_csrf, host_session = f"__Host-{CSRF_COOKIE}", f"__Host-{SESSION_COOKIE}"
    with TestClient(
        https_app, base_url="https://jointplan.example", follow_redirects=False
    ) as browser:
        first = browser.get("/login")
        token = cookies_set(first)[host_csrf].value
        assert raw(page_token(first)) == token
        signed_in = browser.post(
            "/login",
            data={"email": world.admin.email, "password": PASSWORD, "csrf_token": token},
        )
        assert signed_in.status_code == 303
        new_csrf = page_token(browser.get("/me"))
        assert raw(new_csrf) == cookies_set(signed_in)[host_csrf].value
        # Cookies without the prefix are not read: a sibling host could have set them.
        impostor = browser.cookies.get(host_session, domain="jointplan.example")
        assert impostor
        with TestClient(https_app, base_url="https://jointplan.example") as other:
            other.cookies.set(SESSION_COOKIE, impostor)
            assert "/login" in other.get("/me", follow_redirects=False).headers["location"]
        signed_out = browser.post("/logout", data={"csrf_token": new_csrf})
        assert signed_out.status_code == 303
        after = browser.get("/login")  # shows (and clears) the flash message
    responses = (first, signed_in, signed_out, after)
    seen = set()
    for response in responses:
        for name, cookie in cookies_set(response).items():
            seen.add(name)
            assert cookie["secure"] is True, (name, response.request.url)
            if name.startswith("__Host-"):
                assert cookie["path"] == "/", name
                assert not cookie["domain"], name
    assert {host_session, host_csrf} <= seen
    assert not {SESSION_COOKIE, CSRF_COOKIE} & seen
