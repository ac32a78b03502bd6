"""Webhooks (issue 14 §2): endpoints of a workspace get its accounts' audited changes as signed
JSON, through the outbox after commit, retried with backoff.

The receiver is a real HTTP server on 127.0.0.1 started by the test (``tests/webhook_receiver``);
the dispatcher is driven one round at a time (``deliver_due``) and the retry delays are passed
by moving the app's clock."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, col, select

from app.auth import sessions
from app.config import Settings
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.kit.clock import clock
from app.models import AuditEvent, OutboxStatus, User, WebhookDelivery, WebhookEndpoint, utcnow
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from app.webhooks import addresses, service, signing
from app.webhooks.dispatcher import MAX_ATTEMPTS, WebhookDispatcher
from app.webhooks.kinds import KINDS
from app.webhooks.schemas import EndpointValues
from tests.conftest import CSRF, QueryCounter, RollbackDatabase, default_settings, send_session_csrf
from tests.factories import World, make_account, make_user, make_workspace, sign_in
from tests.live import LiveServer, Mailbox, free_port
from tests.test_concurrent_edits import race
from tests.testclient import TestClient
from tests.webhook_receiver import Receiver, receiver

SHARED_KINDS = [kind.key for kind in KINDS if not kind.internal_only]
ALL_KINDS = [kind.key for kind in KINDS]


def local_settings() -> Settings:
    settings = default_settings()
    settings.webhook_allow_local = True
    settings.webhook_timeout_seconds = 5
    return settings


@pytest.fixture
def settings() -> Settings:
    return local_settings()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as got:
        yield got


def make_endpoint(
    session: Session,
    world: World,
    url: str,
    *,
    kinds: list[str] | None = None,
    internal: bool = False,
    owner: User | None = None,
) -> tuple[WebhookEndpoint, str]:
    owner = owner or world.admin
    assert owner.workspace_id is not None
    values = EndpointValues(url, "test", kinds or SHARED_KINDS, internal, True)
    return service.create(
        session,
        actor=owner,
        workspace_id=owner.workspace_id,
        values=values,
        app_key=local_settings().resolved_secret_key,
    )


def add_priority(session: Session, world: World, title: str) -> int:
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    made = priorities.create(
        session, actor=world.admin, plan=plan, values=PriorityValues(title=title)
    )
    session.commit()
    assert made.id is not None
    return made.id


def add_draft(session: Session, world: World, title: str) -> int:
    plan = plans_repo.current(session, account_id=world.account.id or 0)
    assert plan is not None
    made = initiatives.create(
        session, actor=world.admin, plan=plan, values=InitiativeValues(title=title)
    )
    session.commit()
    assert made.id is not None
    return made.id


def test_a_receiver_gets_each_event_once_signed_and_again_after_a_500(
    session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    endpoint, secret = make_endpoint(session, world, hook.url)
    session.commit()
    dispatcher = WebhookDispatcher(db, local_settings())

    priority_id = add_priority(session, world, "Grow in Spain")
    assert dispatcher.deliver_due() == 1
    assert dispatcher.deliver_due() == 0  # once
    [got] = hook.received
    assert signing.verify(secret, got.headers["jointplan-signature"], got.body)
    assert not signing.verify(secret, got.headers["jointplan-signature"], got.body + " ")
    assert not signing.verify("whsec_other", got.headers["jointplan-signature"], got.body)
    event = json.loads(got.body)
    assert event["verb"] == "priority.created"
    assert event["kind"] == "priority.*"
    assert event["item_type"] == "priority"
    assert event["item_id"] == str(priority_id)
    assert event["account"] == {"id": world.account.id, "name": world.account.name}
    assert event["changes"]["title"] == [None, "Grow in Spain"]
    assert event["id"] == got.headers["jointplan-delivery"]
    assert got.headers["content-type"] == "application/json"

    # The receiver is down: the event is tried again after a minute, not before.
    hook.status = 500
    add_priority(session, world, "Cut onboarding time")
    assert dispatcher.deliver_due() == 0
    failed = hook.received[-1]
    delivery = session.get(WebhookDelivery, int(json.loads(failed.body)["id"]))
    assert delivery is not None
    session.refresh(delivery)
    assert delivery.status == OutboxStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status == 500
    assert delivery.last_error == "HTTP 500"  # what the receiver said is never read or kept
    assert delivery.last_duration_ms is not None
    assert dispatcher.deliver_due() == 0
    assert len(hook.received) == 2
    hook.status = 200
    clock.set(utcnow() + timedelta(seconds=61))
    assert dispatcher.deliver_due() == 1
    again = hook.received[-1]
    assert len(hook.received) == 3
    assert again.body == failed.body  # the same event, same delivery id
    assert again.headers["jointplan-delivery"] == failed.headers["jointplan-delivery"]
    assert signing.verify(secret, again.headers["jointplan-signature"], again.body)
    session.refresh(delivery)
    assert delivery.status == OutboxStatus.SENT
    assert delivery.attempts == 2
    assert endpoint.id == delivery.endpoint_id


def test_a_delivery_is_given_up_after_its_last_attempt(
    session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    make_endpoint(session, world, hook.url, kinds=["priority.*"])
    session.commit()
    hook.status = 503
    dispatcher = WebhookDispatcher(db, local_settings())
    add_priority(session, world, "Grow in Spain")
    for _ in range(MAX_ATTEMPTS):
        dispatcher.deliver_due()
        clock.set(utcnow() + timedelta(hours=13))
    assert len(hook.received) == MAX_ATTEMPTS
    [delivery] = session.exec(select(WebhookDelivery)).all()
    session.refresh(delivery)
    assert delivery.status == OutboxStatus.FAILED
    assert delivery.failed_at is not None
    assert dispatcher.deliver_due() == 0
    assert len(hook.received) == MAX_ATTEMPTS


def test_internal_events_reach_only_endpoints_marked_internal(
    session: Session, world: World, db: RollbackDatabase
) -> None:
    with receiver() as shared, receiver() as internal:
        make_endpoint(session, world, shared.url, kinds=SHARED_KINDS)
        make_endpoint(session, world, internal.url, kinds=ALL_KINDS, internal=True)
        session.commit()
        add_draft(session, world, "INTERNAL draft idea")
        add_priority(session, world, "Grow in Spain")
        WebhookDispatcher(db, local_settings()).deliver_due()
    assert [json.loads(b)["verb"] for b in shared.bodies()] == ["priority.created"]
    verbs = sorted(json.loads(b)["verb"] for b in internal.bodies())
    assert verbs == ["initiative.created", "priority.created"]
    assert all("INTERNAL" not in body for body in shared.bodies())


def test_an_internal_event_queued_for_an_endpoint_no_longer_internal_is_not_sent(
    session: Session, world: World, db: RollbackDatabase
) -> None:
    """Whether the endpoint may have the event is asked again when it is sent: an endpoint
    unmarked internal after the event was queued does not get it (nor does "Send again")."""
    with receiver() as hook:
        endpoint, _secret = make_endpoint(session, world, hook.url, kinds=ALL_KINDS, internal=True)
        session.commit()
        add_draft(session, world, "INTERNAL draft idea")
        endpoint.internal = False
        session.add(endpoint)
        session.commit()
        WebhookDispatcher(db, local_settings()).deliver_due()
        assert hook.bodies() == []
    [delivery] = session.exec(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    ).all()
    session.refresh(delivery)
    assert delivery.internal
    assert delivery.status == OutboxStatus.CANCELLED
    assert delivery.last_error == "The endpoint no longer takes internal events."


@pytest.mark.parametrize(
    ("url", "address", "expected", "host", "sni"),
    [
        ("https://hooks.example/in?x=1", "93.184.216.34", "https://93.184.216.34/in?x=1", "hooks.example", "hooks.example"),
        ("https://hooks.example:8443/in", "2606:2800::1", "https://[2606:2800::1]:8443/in", "hooks.example:8443", "hooks.example"),
        ("http://localhost:9000/in", "127.0.0.1", "http://127.0.0.1:9000/in", "localhost:9000", None),
    ],
)  # fmt: skip
def test_a_delivery_connects_to_the_address_that_was_checked(
    url: str, address: str, expected: str, host: str, sni: str | None
) -> None:
    """DNS rebinding: the name is resolved and checked once per attempt, and the connection is
    made to that address, the name kept for the Host header and TLS's server name."""
    pinned, headers, extensions = addresses.pinned(url, address)
    assert pinned == expected
    assert headers == {"Host": host}
    assert extensions.get("sni_hostname") == sni


def test_only_the_kinds_asked_for_and_only_while_the_owner_is_an_admin(
    session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    make_endpoint(session, world, hook.url, kinds=["action.*"])
    session.commit()
    add_priority(session, world, "Not asked for")
    assert session.exec(select(WebhookDelivery)).all() == []
    endpoint, _ = make_endpoint(session, world, hook.url, kinds=["priority.*"])
    session.commit()
    world.admin.is_disabled = True
    session.add(world.admin)
    session.commit()
    add_priority(session, world, "The owner is disabled")
    assert session.exec(select(WebhookDelivery)).all() == []
    # Another workspace's admin's endpoints never hear of this workspace's accounts.
    make_endpoint(session, world, hook.url, kinds=["priority.*"], owner=world.other_admin)
    world.admin.is_disabled = False
    session.add(world.admin)
    session.commit()
    add_priority(session, world, "Own workspace only")
    deliveries = session.exec(select(WebhookDelivery)).all()
    assert [d.endpoint_id for d in deliveries] == [endpoint.id]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_and_plain_http_addresses_are_refused(url: str) -> None:
    with pytest.raises(addresses.AddressRefused):
        addresses.resolve(url, allow_local=False)


def test_the_machine_itself_only_when_allowed_and_never_other_private_addresses() -> None:
    assert addresses.resolve("http://127.0.0.1:9/hook", allow_local=True) == ["127.0.0.1"]
    with pytest.raises(addresses.AddressRefused):
        addresses.resolve("http://10.0.0.5/hook", allow_local=True)
    with pytest.raises(addresses.AddressRefused):
        addresses.resolve("https://10.0.0.5/hook", allow_local=True)


def test_the_address_is_checked_again_at_delivery_time(
    session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    make_endpoint(session, world, hook.url, kinds=["priority.*"])
    session.commit()
    add_priority(session, world, "Grow in Spain")
    strict = local_settings()
    strict.webhook_allow_local = False
    assert WebhookDispatcher(db, strict).deliver_due() == 0
    assert hook.received == []
    [delivery] = session.exec(select(WebhookDelivery)).all()
    session.refresh(delivery)
    assert delivery.attempts == 1
    assert "https://" in delivery.last_error


def test_the_secret_is_kept_sealed_and_renewed(session: Session, world: World) -> None:
    endpoint, secret = make_endpoint(session, world, "https://crm.example.com/hook")
    key = local_settings().resolved_secret_key
    assert secret.startswith("whsec_")
    assert secret not in endpoint.secret_sealed
    assert signing.unseal(endpoint.secret_sealed, key) == secret
    with pytest.raises(signing.SecretUnreadable):
        signing.unseal(endpoint.secret_sealed, "another key" * 8)
    renewed = service.renew_secret(session, actor=world.admin, endpoint=endpoint, app_key=key)
    assert renewed != secret
    assert signing.unseal(endpoint.secret_sealed, key) == renewed


def _events(session: Session, verb: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.verb == verb)).all())


def test_admins_make_change_and_remove_endpoints_through_the_pages_audited(
    client: TestClient, session: Session, world: World, hook: Receiver
) -> None:
    sign_in(client, session, world.admin)
    assert "No webhooks yet" in client.get("/admin/webhooks").text
    form = {"url": hook.url, "description": "CRM", "kinds": ["priority.*", "action.*"]}
    refused = client.post(
        "/admin/webhooks", data={**form, "url": "https://10.1.2.3/x", "csrf_token": CSRF}
    )
    assert refused.status_code == 422
    assert "https://10.1.2.3/x" in refused.text
    made = client.post("/admin/webhooks", data={**form, "active": "yes", "csrf_token": CSRF})
    assert made.status_code == 200
    assert "shown only this once" in made.text
    endpoint = session.exec(select(WebhookEndpoint)).one()
    secret = signing.unseal(endpoint.secret_sealed, local_settings().resolved_secret_key)
    assert secret in made.text
    [created] = _events(session, "webhook_endpoint.created")
    assert created.account_id is None
    assert secret not in json.dumps(created.changes)
    assert created.changes["url"] == [None, hook.url]
    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert page.status_code == 200
    assert secret not in page.text
    assert "Nothing was sent" in page.text

    edit = {**form, "kinds": ["action.*"], "version": "1", "csrf_token": CSRF}
    assert client.post(f"/admin/webhooks/{endpoint.id}", data=edit).status_code == 303
    [updated] = _events(session, "webhook_endpoint.updated")
    assert updated.changes["kinds"] == [["priority.*", "action.*"], ["action.*"]]
    assert updated.changes["active"] == [True, False]
    stale = client.post(f"/admin/webhooks/{endpoint.id}", data=edit)
    assert stale.status_code == 409
    assert "changed this endpoint meanwhile" in stale.text

    asked = client.post(f"/admin/webhooks/{endpoint.id}/remove", data={"csrf_token": CSRF})
    assert asked.status_code == 200
    assert _events(session, "webhook_endpoint.removed") == []
    removed = client.post(
        f"/admin/webhooks/{endpoint.id}/remove", data={**CONFIRMATION, "csrf_token": CSRF}
    )
    assert removed.status_code == 303
    assert len(_events(session, "webhook_endpoint.removed")) == 1
    assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 404


def test_send_again_asks_first_then_queues_the_same_delivery(
    client: TestClient, session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    endpoint, _ = make_endpoint(session, world, hook.url, kinds=["priority.*"])
    session.commit()
    add_priority(session, world, "Grow in Spain")
    WebhookDispatcher(db, local_settings()).deliver_due()
    [delivery] = session.exec(select(WebhookDelivery)).all()
    sign_in(client, session, world.admin)
    url = f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/send-again"
    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert url in page.text
    assert "HTTP 200" in page.text
    assert client.post(url, data={"csrf_token": CSRF}).status_code == 200  # the question
    assert client.post(url, data={**CONFIRMATION, "csrf_token": CSRF}).status_code == 303
    assert len(_events(session, "webhook_endpoint.delivery_sent_again")) == 1
    WebhookDispatcher(db, local_settings()).deliver_due()
    assert len(hook.received) == 2
    assert hook.received[0].body == hook.received[1].body


def test_the_endpoint_page_costs_the_same_queries_whatever_its_log(
    client: TestClient,
    session: Session,
    world: World,
    db: RollbackDatabase,
    count_queries: QueryCounter,
) -> None:
    endpoint, _ = make_endpoint(session, world, "https://crm.example.com/hook")
    session.commit()
    sign_in(client, session, world.admin)

    def cost() -> int:
        before = count_queries.count
        assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 200
        assert client.get("/admin/webhooks").status_code == 200
        return count_queries.count - before

    add_priority(session, world, "One")
    one = cost()
    for n in range(15):
        add_priority(session, world, f"More {n}")
    assert session.exec(select(WebhookDelivery).where(col(WebhookDelivery.id) > 0)).all()
    assert cost() == one


def test_events_arrive_in_the_order_they_happened(
    session: Session, world: World, db: RollbackDatabase, hook: Receiver
) -> None:
    make_endpoint(session, world, hook.url, kinds=["priority.*"])
    session.commit()
    titles = [f"Priority {n}" for n in range(8)]
    for title in titles:
        add_priority(session, world, title)
    assert WebhookDispatcher(db, local_settings()).deliver_due() == len(titles)
    got = [json.loads(body)["changes"]["title"][1] for body in hook.bodies()]
    assert got == titles


# --------------------------------------------------------------------------------------------
# Through a running server: its dispatcher thread sends after commit; "Send again" at once
# --------------------------------------------------------------------------------------------


@pytest.fixture
def live_settings(mailbox: Mailbox) -> Settings:
    return Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{free_port()}",
        secret_key="l" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
        webhook_allow_local=True,
    )


def _browser(live: LiveServer, user_id: int) -> httpx.Client:
    with live.db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        token = sessions.start(
            s, user=user, ip="127.0.0.1", user_agent="pytest", settings=live.settings
        )
        s.commit()
    http = httpx.Client(base_url=live.url, follow_redirects=False, timeout=60)
    http.cookies.set(sessions.SESSION_COOKIE, token)
    http.cookies.set("jp_csrf", CSRF)
    send_session_csrf(http, live.settings)
    return http


def _wait_for(what: str, check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_a_running_server_sends_after_commit_and_a_simultaneous_send_again_queues_once(
    live_server: LiveServer, hook: Receiver
) -> None:
    with live_server.db.session() as s:
        workspace = make_workspace(s, "Live vendor")
        admin = make_user(s, email="admin@live.example", workspace=workspace, admin=True)
        account = make_account(s, admin=admin, name="Live account")
        s.commit()
        admin_id, account_id = admin.id or 0, account.id or 0
    admins = [_browser(live_server, admin_id) for _ in range(4)]
    try:
        _send_and_race(live_server, hook, admins, account_id)
    finally:
        for browser in admins:
            browser.close()


def _send_and_race(
    live_server: LiveServer, hook: Receiver, admins: list[httpx.Client], account_id: int
) -> None:
    form = {"url": hook.url, "kinds": ["action.*"], "active": "yes", "csrf_token": CSRF}
    made = admins[0].post("/admin/webhooks", data=form)
    assert made.status_code == 200
    found = re.search(r'value="(whsec_[\w-]+)"', made.text)
    assert found is not None
    action = {"title": "Ship the pilot", "outcome": "Live", "status": "in_progress"}
    added = admins[0].post(f"/accounts/{account_id}/actions", data={**action, "csrf_token": CSRF})
    assert added.status_code == 303
    # Woken after the change committed: well before the dispatcher's 30 s poll.
    _wait_for("the event", lambda: len(hook.received) == 1, seconds=10)
    first = hook.received[0]
    assert signing.verify(found.group(1), first.headers["jointplan-signature"], first.body)
    assert json.loads(first.body)["verb"] == "action.created"

    # Read, then let go, before waiting: an open writing session would hold SQLite's write lock
    # that the dispatcher needs to record the delivery.
    with live_server.db.session(writes=False) as s:
        endpoint = s.exec(select(WebhookEndpoint)).one()
        delivery = s.exec(select(WebhookDelivery)).one()
    _wait_for("its record", lambda: _status(live_server, delivery.id) == "sent")
    hook.status = 500  # so that the winner's delivery stays waiting for its retry
    path = f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/send-again"
    answers = race(
        [(lambda b=b: b.post(path, data={**CONFIRMATION, "csrf_token": CSRF})) for b in admins]
    )
    assert [a.status_code for a in answers] == [303] * 4
    with live_server.db.session() as s:
        verbs = s.exec(select(AuditEvent.verb)).all()
    assert verbs.count("webhook_endpoint.delivery_sent_again") == 1
    _wait_for("the event again", lambda: len(hook.received) == 2, seconds=10)
    time.sleep(0.5)
    assert len(hook.received) == 2
    assert hook.received[1].body == first.body


def _status(live: LiveServer, delivery_id: int | None) -> str:
    with live.db.session(writes=False) as s:
        delivery = s.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        return delivery.status
