"""A person's choices of what they are told (``/me/notifications``), and the one-click
unsubscribe every notice e-mail carries: its signed link, its confirm page, the RFC 8058 POST a
mail client sends without any cookie, and the headers that reach the SMTP server."""

from __future__ import annotations

import ast
import re
from functools import partial
from pathlib import Path

import httpx
from sqlmodel import Session, select

from app.auth import sessions
from app.config import Settings
from app.mail import unsubscribe
from app.mail.dispatcher import MailDispatcher
from app.models import AuditEvent, Delivery, NoticePreference, Role, User
from app.notifications import preferences
from app.notifications.service import notify
from tests import factories
from tests.conftest import CSRF, QueryCounter, RollbackDatabase, send_session_csrf
from tests.factories import World, sign_in
from tests.live import LiveServer, Mailbox
from tests.test_concurrent_edits import race
from tests.testclient import TestClient

FORM = {"X-CSRF-Token": CSRF}
SECRET = "s" * 64  # the test settings' secret key


def all_kinds(person_kinds: list[preferences.Kind], **changes: str) -> dict[str, str]:
    return {k.name: changes.get(k.name.replace(".", "_"), k.default.value) for k in person_kinds}


def saved(session: Session, user_id: int | None) -> dict[str, str]:
    rows = session.exec(select(NoticePreference).where(NoticePreference.user_id == user_id))
    return {row.kind: row.delivery for row in rows}


def test_the_page_lists_the_persons_kinds_with_their_defaults(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    me = client.get("/me")
    assert 'href="/me/notifications"' in me.text
    page = client.get("/me/notifications")
    assert page.status_code == 200
    assert "An action of yours is due in 3 days" in page.text
    assert "A plan review" not in page.text  # the vendor's own kinds are not a client's
    assert re.search(r'name="action.due_soon" value="immediate" checked', page.text)
    assert re.search(r'name="summary.weekly" value="weekly" checked', page.text)
    sign_in(client, session, world.members["lead"])
    assert "A plan review is due in 14 days" in client.get("/me/notifications").text


def test_saving_choices_stores_and_audits_only_what_changed(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    sign_in(client, session, sponsor)
    form = all_kinds(preferences.kinds_for(sponsor), action_due_soon="off", mention="daily")
    answer = client.post("/me/notifications", data=form | {"csrf_token": CSRF})
    assert answer.status_code == 303
    assert saved(session, sponsor.id) == {"action.due_soon": "off", "mention": "daily"}
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "notices.chosen")).one()
    assert event.changes == {
        "action.due_soon": ["immediate", "off"],
        "mention": ["immediate", "daily"],
    }
    assert event.actor_id == sponsor.id
    again = client.post("/me/notifications", data=form | {"csrf_token": CSRF})
    assert again.status_code == 303
    assert (
        len(session.exec(select(AuditEvent).where(AuditEvent.verb == "notices.chosen")).all()) == 1
    )


def test_a_missing_or_unknown_choice_is_refused_with_the_choices_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    sign_in(client, session, sponsor)
    form = all_kinds(preferences.kinds_for(sponsor), mention="daily")
    form["summary.weekly"] = "daily"  # not offered for the weekly summary
    del form["action.overdue"]
    answer = client.post("/me/notifications", data=form | {"csrf_token": CSRF})
    assert answer.status_code == 422
    assert "Choose one of the options." in answer.text
    assert re.search(r'name="mention" value="daily" checked', answer.text)  # kept
    assert saved(session, sponsor.id) == {}
    refused = client.post("/me/notifications", data=form)  # no CSRF token
    assert refused.status_code == 403


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_cookie(
    app: object, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    token = unsubscribe.token(SECRET, kind="action.due_soon", user_id=sponsor.id or 0)
    with TestClient(app, base_url="http://testserver") as bare:  # type: ignore[arg-type]
        page = bare.get(f"/unsubscribe/{token}")
        assert page.status_code == 200
        assert sponsor.email in page.text
        assert "An action of yours is due in 3 days" in page.text
        assert saved(session, sponsor.id) == {}  # looking is not unsubscribing
        done = bare.post(
            f"/unsubscribe/{token}",
            content=unsubscribe.ONE_CLICK,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200
        assert "You are unsubscribed" in done.text
        assert saved(session, sponsor.id) == {"action.due_soon": "off"}
        event = session.exec(
            select(AuditEvent).where(AuditEvent.verb == "notices.unsubscribed")
        ).one()
        assert event.actor_label == f"{sponsor.email} (unsubscribe link)"
        # A forged or altered token is the ordinary 404, and changes nothing.
        for bad in (token[:-2] + "xx", "nonsense"):
            assert bare.get(f"/unsubscribe/{bad}").status_code == 404
            assert (
                bare.post(f"/unsubscribe/{bad}", content=unsubscribe.ONE_CLICK).status_code == 404
            )


def test_a_digest_link_turns_off_every_kind_that_digest_carries(
    app: object, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    preferences.save(
        session,
        user_id=sponsor.id or 0,
        wanted={
            "mention": Delivery.DAILY,
            "plan.agreed": Delivery.DAILY,
            "value.rated": Delivery.WEEKLY,
        },
    )
    token = unsubscribe.token(SECRET, kind=preferences.DAILY_DIGEST, user_id=sponsor.id or 0)
    with TestClient(app, base_url="http://testserver") as bare:  # type: ignore[arg-type]
        assert bare.post(f"/unsubscribe/{token}", content=unsubscribe.ONE_CLICK).status_code == 200
    assert saved(session, sponsor.id) == {
        "mention": "off",
        "plan.agreed": "off",
        "value.rated": "weekly",
    }


def test_a_notice_email_reaches_smtp_with_its_unsubscribe_headers_and_link(
    app: object,
    session: Session,
    world: World,
    db: RollbackDatabase,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    lead = world.members["lead"]
    notify(
        session,
        account_id=world.account.id or 0,
        recipient_ids=[lead.id],
        kind="mention",
        message="Sam mentioned you",
        link="/inbox",
        actor=world.members["sponsor"],
    )
    session.commit()
    smtp = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port}  # type: ignore[attr-defined]
    )
    MailDispatcher(db, smtp).deliver_due()
    mail = mailbox.wait_for(lead.email)
    match = re.fullmatch(r"<(http://testserver/unsubscribe/[\w.-]+)>", mail["List-Unsubscribe"])
    assert match
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["X-Jointplan-Notice"] == "mention"
    assert match.group(1) in Mailbox.body(mail)
    # What a mail client does with it: POST, no cookie, the RFC 8058 body.
    with TestClient(app, base_url="http://testserver") as bare:  # type: ignore[arg-type]
        path = match.group(1).removeprefix("http://testserver")
        assert bare.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert saved(session, lead.id) == {"mention": "off"}
    # From now on a mention puts it in the inbox only: no e-mail.
    notify(
        session,
        account_id=world.account.id or 0,
        recipient_ids=[lead.id],
        kind="mention",
        message="Sam mentioned you again",
        link="/inbox",
        actor=world.members["sponsor"],
    )
    session.commit()
    assert MailDispatcher(db, smtp).deliver_due() == 0


def test_simultaneous_saves_of_one_person_queue_instead_of_failing(
    live_server: LiveServer,
) -> None:
    """Two tabs save the person's choices while an unsubscribe link is followed, all at once:
    every request succeeds (the person's row lock queues them; without it two would insert the
    same (person, kind) row and one would fail), and one row per kind remains."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session)
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        person = factories.make_user(session, password=None)
        factories.add_member(session, account=account, user=person, role=Role.SPONSOR, by=admin)
        session.commit()
    kinds = preferences.kinds_for(person)
    forms = [
        all_kinds(kinds, mention="daily", plan_agreed="weekly") | {"csrf_token": CSRF},
        all_kinds(kinds, mention="weekly", plan_agreed="off") | {"csrf_token": CSRF},
    ]
    tabs = [client_of(live_server, person) for _ in forms]
    token = unsubscribe.token(
        live_server.settings.resolved_secret_key, kind="mention", user_id=person.id or 0
    )
    bare = httpx.Client(base_url=live_server.url, timeout=30)
    answers = race(
        [
            *(
                partial(tab.post, "/me/notifications", data=form)
                for tab, form in zip(tabs, forms, strict=True)
            ),
            partial(bare.post, f"/unsubscribe/{token}", content=unsubscribe.ONE_CLICK),
        ]
    )
    assert [a.status_code for a in answers] == [303, 303, 200]
    with live_server.db.session() as session:
        rows = session.exec(
            select(NoticePreference.kind).where(NoticePreference.user_id == person.id)
        ).all()
        assert sorted(rows) == ["mention", "plan.agreed"]
        events = session.exec(
            select(AuditEvent.verb).where(AuditEvent.item_type == "notice_preference")
        ).all()
        assert sorted(events)[:2] == ["notices.chosen", "notices.chosen"]
    for c in (*tabs, bare):
        c.close()


def client_of(server: LiveServer, person: User) -> httpx.Client:
    with server.db.session() as session:
        token = sessions.start(
            session, user=person, ip="127.0.0.1", user_agent="pytest", settings=server.settings
        )
        session.commit()
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    client.cookies.set(sessions.SESSION_COOKIE, token)
    client.cookies.set("jp_csrf", CSRF)
    return send_session_csrf(client, server.settings)


def test_the_page_costs_one_query_beyond_the_session(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sponsor = world.members["sponsor"]
    sign_in(client, session, sponsor)
    assert client.get("/inbox").status_code == 200  # the session's own queries, for comparison
    start = count_queries.count
    client.get("/me")
    baseline = count_queries.count - start
    preferences.save(session, user_id=sponsor.id or 0, wanted={"mention": Delivery.DAILY})
    start = count_queries.count
    assert client.get("/me/notifications").status_code == 200
    assert count_queries.count - start <= baseline + 1, count_queries.statements[start:]


def test_every_kind_of_notice_the_app_sends_can_be_chosen_and_unsubscribed_from() -> None:
    """A kind sent through ``notify`` but missing from the preferences would be sent with an
    unsubscribe link that answers 404, and nobody could choose how to get it."""
    root = Path(__file__).resolve().parents[1] / "app"
    calls = [
        (ast.unparse(call.func).split(".")[-1], call)
        for path in root.rglob("*.py")
        for call in ast.walk(ast.parse(path.read_text()))
        if isinstance(call, ast.Call)
    ]
    # ``notify(kind=...)``, and the kit's suggestions, which notify with the kind handed in:
    # ``tell_the_client(kind=...)`` and ``answered(..., verb, ...)`` (its fifth argument).
    sent = {
        keyword.value.value
        for name, call in calls
        if name in ("notify", "tell_the_client")
        for keyword in call.keywords
        if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant)
    } | {
        call.args[4].value
        for name, call in calls
        if name == "answered" and len(call.args) > 4 and isinstance(call.args[4], ast.Constant)
    }
    assert {"mention", "plan.period_started", "value.rated"} <= sent  # the scan finds them
    assert "strategy.suggestion_accepted" in sent  # and the kit's callers' kinds
    assert sorted(sent - set(preferences.BY_NAME)) == []


def test_the_unsubscribe_link_is_signed_with_sha_256_and_a_link_sent_before_still_works() -> None:
    import hashlib

    from itsdangerous import URLSafeSerializer

    token = unsubscribe.token(SECRET, kind="action.due_soon", user_id=7)
    sha256 = URLSafeSerializer(
        SECRET, salt=unsubscribe.SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )
    assert sha256.loads(token) == ["action.due_soon", 7]
    assert unsubscribe.read(SECRET, token) == ("action.due_soon", 7)
    old = URLSafeSerializer(
        SECRET, salt=unsubscribe.SALT, signer_kwargs={"digest_method": hashlib.sha1}
    ).dumps(["action.due_soon", 7])
    # A link in an e-mail sent before (signed with SHA-1) still unsubscribes; a forged one not.
    assert unsubscribe.read(SECRET, old) == ("action.due_soon", 7)
    assert unsubscribe.read(SECRET, old[:-2] + ("AA" if old[-2:] != "AA" else "BB")) is None
