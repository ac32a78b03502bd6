"""The inbox: a person's own notifications, newest first, only from accounts they still belong
to; opening one marks it read; the unread badge rides on the session lookup's query. (Its
grouping by account and day, its times and "mark all read": tests/test_notifications_inbox.py.)"""

from __future__ import annotations

import re
from email.header import decode_header, make_header

from sqlmodel import Session

from app.accounts import service as accounts
from app.config import Settings
from app.mail.dispatcher import MailDispatcher
from app.models import Notification
from app.notifications.service import notify
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests.conftest import CSRF, QueryCounter, RollbackDatabase
from tests.factories import World, sign_in
from tests.live import Mailbox
from tests.masking import unmasked
from tests.testclient import TestClient

FORM = {"X-CSRF-Token": CSRF}


def tell(
    session: Session, world: World, who: str, message: str, *, account: bool = True
) -> Notification:
    """A notification for ``who`` (a role of the world's account), from the sponsor."""
    recipient = world.members[who]
    if account:
        [note] = notify(
            session,
            account_id=world.account.id,  # type: ignore[arg-type]
            recipient_ids=[recipient.id],
            kind="mention",
            message=message,
            link=f"/accounts/{world.account.id}/plan#priorities",
            actor=world.members["sponsor"] if who != "sponsor" else world.members["member"],
        )
    else:  # about no account (e.g. the person's own sign-in)
        note = Notification(user_id=recipient.id, kind="system", message=message, link="/me")  # type: ignore[arg-type]
        session.add(note)
    session.commit()
    return note


def read_at(session: Session, note: Notification) -> object:
    session.expire_all()
    found = session.get(Notification, note.id)
    assert found is not None
    return found.read_at


def badge(html: str) -> str | None:
    found = re.search(r'class="badge badge-count">(\w+)<', html)
    return found.group(1) if found else None


def test_the_inbox_lists_ones_own_notifications_newest_first(
    client: TestClient, session: Session, world: World
) -> None:
    tell(session, world, "lead", "First news")
    tell(session, world, "lead", "Second news")
    tell(session, world, "team", "Not for the lead")
    tell(session, world, "lead", "About your sign-in", account=False)
    sign_in(client, session, world.members["lead"])
    page = client.get("/inbox")
    assert page.status_code == 200
    text = page.text
    assert text.index("About your sign-in") < text.index("Second news") < text.index("First news")
    assert "Not for the lead" not in text
    assert world.account.name in text
    assert badge(text) == "3"
    assert "Mark all read" in text


def test_an_empty_inbox_says_what_will_arrive(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["viewer"])
    page = client.get("/inbox")
    assert "Nothing here yet" in page.text
    assert badge(page.text) is None
    assert "Mark all read" not in page.text
    assert "grouped here by day" in page.text


def test_news_of_an_account_one_left_is_gone_from_the_inbox_and_the_badge(
    client: TestClient, session: Session, world: World
) -> None:
    note = tell(session, world, "member", "Before you left")
    tell(session, world, "member", "Account-less news", account=False)
    accounts.remove(session, actor=world.admin, membership=world.memberships["member"])
    session.commit()
    sign_in(client, session, world.members["member"])
    page = client.get("/inbox")
    assert "Before you left" not in page.text
    assert "Account-less news" in page.text
    assert badge(page.text) == "1"
    refused = client.post(f"/inbox/{note.id}/read", data={"open": "1"}, headers=FORM)
    assert refused.status_code == 404
    assert read_at(session, note) is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(
    client: TestClient, session: Session, world: World
) -> None:
    note = tell(session, world, "sponsor", "Look at this")
    other = tell(session, world, "sponsor", "And this")
    sign_in(client, session, world.members["sponsor"])
    assert badge(client.get("/").text) == "2"
    page = client.get("/inbox")
    assert f'action="/inbox/{note.id}/read"' in page.text
    opened = client.post(f"/inbox/{note.id}/read", data={"open": "1"}, headers=FORM)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/accounts/{world.account.id}/plan#priorities"
    assert read_at(session, note) is not None
    assert read_at(session, other) is None
    assert badge(client.get("/").text) == "1"
    marked = client.post(f"/inbox/{other.id}/read", headers=FORM)  # "Mark read": stay
    assert marked.status_code == 303
    assert marked.headers["location"] == f"/inbox#notification-{other.id}"
    assert badge(client.get("/inbox").text) is None


def test_another_persons_notification_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    theirs = tell(session, world, "team", "For the team member")
    sign_in(client, session, world.members["lead"])
    missing = client.post("/inbox/999999/read", data={"open": "1"}, headers=FORM)
    refused = client.post(f"/inbox/{theirs.id}/read", data={"open": "1"}, headers=FORM)
    assert refused.status_code == missing.status_code == 404
    assert unmasked(refused.text) == unmasked(missing.text)
    assert read_at(session, theirs) is None


def test_read_all_marks_only_ones_own(client: TestClient, session: Session, world: World) -> None:
    mine = [tell(session, world, "mentor", f"News {i}") for i in range(3)]
    theirs = tell(session, world, "lead", "The lead's")
    sign_in(client, session, world.members["mentor"])
    response = client.post("/inbox/read-all", headers=FORM)
    assert response.status_code == 303
    assert all(read_at(session, note) is not None for note in mine)
    assert read_at(session, theirs) is None
    page = client.get("/inbox")
    assert "Everything in your inbox is marked read." in page.text
    assert badge(page.text) is None


def test_the_inbox_pages_by_fifty(client: TestClient, session: Session, world: World) -> None:
    for i in range(55):
        tell(session, world, "team", f"Item {i:02d}.")
    sign_in(client, session, world.members["team"])
    first = client.get("/inbox")
    assert first.text.count('class="inbox-entry') == 50
    assert "Item 54." in first.text
    assert "Item 04." not in first.text
    older = re.search(r'href="(/inbox\?before=\d+)"', first.text)
    assert older is not None
    second = client.get(older.group(1))
    assert second.text.count('class="inbox-entry') == 5
    assert "Item 04." in second.text
    assert "Item 05." not in second.text
    assert "/inbox?before=" not in second.text
    assert client.get("/inbox?before=0").status_code == 422
    assert client.get("/inbox?before=abc").status_code == 422


def test_a_team_only_mention_never_reaches_a_client_inbox(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=PriorityValues(title="P"),
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    body = "@Client sponsor @Client member @Client viewer @Mentor: their budget is frozen"
    client.post(path, data={"body": body, "team_only": "1"}, headers=FORM)
    for role in ("sponsor", "member", "viewer"):
        sign_in(client, session, world.members[role])
        page = client.get("/inbox")
        assert "mentioned you" not in page.text
        assert badge(page.text) is None
    sign_in(client, session, world.members["mentor"])
    page = client.get("/inbox")
    assert "Account lead mentioned you in a team-only comment on the priority “P”" in page.text
    assert badge(page.text) == "1"


# --- the badge costs no query ----------------------------------------------------------------


def test_the_unread_badge_rides_on_the_session_lookup(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    plan_url = f"/accounts/{world.account.id}/plan"
    sign_in(client, session, world.members["lead"])
    client.get(plan_url)  # warm up (session touch)
    count_queries.statements.clear()
    page = client.get(plan_url)
    without = count_queries.count
    assert badge(page.text) is None
    for i in range(7):
        tell(session, world, "lead", f"News {i}")
    count_queries.statements.clear()
    page = client.get(plan_url)
    assert badge(page.text) == "7"
    assert count_queries.count == without, count_queries.statements
    assert without <= 10
    about_notifications = [s for s in count_queries.statements if "notification" in s]
    lookups = [s for s in about_notifications if "FROM user_session" in s]
    assert len(lookups) == 1  # the badge: the one session lookup
    # Besides it, only the plan's own first statement reads notifications (the summary's unread
    # mentions on this account, as a column of it): no statement of the badge's own.
    others = [s for s in about_notifications if s not in lookups]
    assert all(re.search(r'\nFROM "?plan"? \n', s) for s in others), others


# --- end to end: a mention arrives by e-mail -------------------------------------------------


def test_a_mention_arrives_by_email_over_smtp(
    client: TestClient,
    session: Session,
    world: World,
    db: RollbackDatabase,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=PriorityValues(title="Q"),
    )
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    added = client.post(path, data={"body": "@Account lead please confirm"}, headers=FORM)
    assert added.status_code == 303
    smtp = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port}  # type: ignore[attr-defined]
    )
    MailDispatcher(db, smtp).deliver_due()
    mail = mailbox.wait_for("lead@vendor.example")
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "Jointplan: Client sponsor mentioned you in a comment on the priority “Q”"
    assert f"http://testserver{path}?at=" in Mailbox.body(mail)  # the page holding it
    assert "please confirm" not in Mailbox.body(mail)  # the e-mail points to it, never quotes it
