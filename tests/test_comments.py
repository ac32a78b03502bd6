"""Comment threads: one on every kind of item, @mentions that notify, team-only comments that
never reach the client side, edits and deletions on the audit trail, author-only changes."""

from __future__ import annotations

import random
import re

import pytest
from sqlmodel import Session, col, select

from app.comments import mentions, service
from app.comments import repository as comments_repo
from app.models import (
    Action,
    Attachment,
    AuditEvent,
    Comment,
    CommentTally,
    Initiative,
    InitiativeStatus,
    Notification,
    OutboxMessage,
    Plan,
    Priority,
    Role,
    User,
    ValueRating,
    Visibility,
    utcnow,
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests.conftest import BACKEND, CSRF, QueryCounter
from tests.factories import World, add_member, attach, make_user, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
FORM = {"X-CSRF-Token": CSRF}
CLIENTS = ("sponsor", "member", "viewer")


# --- arranging -------------------------------------------------------------------------------


def plan_of(session: Session, world: World) -> Plan:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def add_priority(session: Session, world: World, title: str = "Grow in Spain") -> Priority:
    priority = priorities.create(
        session,
        actor=world.members["sponsor"],
        plan=plan_of(session, world),
        values=PriorityValues(title=title),
    )
    session.commit()
    return priority


def add_initiative(session: Session, world: World, *, draft: bool) -> Initiative:
    # Initiatives belong to another package; a row is all a thread needs.
    plan = plan_of(session, world)
    assert plan.id is not None
    initiative = Initiative(
        account_id=plan.account_id,
        plan_id=plan.id,
        title="Draft pilot" if draft else "Shared pilot",
        status=InitiativeStatus.DRAFT if draft else InitiativeStatus.PROPOSED,
        visibility=Visibility.INTERNAL if draft else Visibility.SHARED,
        created_by_id=world.members["lead"].id,
    )
    session.add(initiative)
    session.commit()
    return initiative


def add_action(session: Session, world: World) -> Action:
    plan = plan_of(session, world)
    assert plan.id is not None
    action = Action(account_id=plan.account_id, plan_id=plan.id, title="Run the workshop")
    session.add(action)
    session.commit()
    return action


def add_rating(session: Session, world: World) -> ValueRating:
    plan = plan_of(session, world)
    assert plan.id is not None
    rating = ValueRating(account_id=plan.account_id, plan_id=plan.id, overall=7)
    session.add(rating)
    session.commit()
    return rating


def thread_path(session: Session, world: World, item_type: str) -> str:
    """The thread URL of a fresh item of ``item_type`` in the world's account."""
    base = f"/accounts/{world.account.id}/threads"
    if item_type == "priority":
        return f"{base}/priority/{add_priority(session, world).id}"
    if item_type == "initiative":
        return f"{base}/initiative/{add_initiative(session, world, draft=False).id}"
    if item_type == "action":
        return f"{base}/action/{add_action(session, world).id}"
    if item_type == "rating":
        return f"{base}/rating/{add_rating(session, world).id}"
    return f"{base}/strategy/{plan_of(session, world).id}?section=goal"


def comments(session: Session) -> list[Comment]:
    session.expire_all()  # the requests changed rows through their own sessions
    return list(
        session.exec(select(Comment).order_by(col(Comment.created_at), col(Comment.id))).all()
    )


def events(session: Session, verb: str) -> list[AuditEvent]:
    session.expire_all()
    statement = select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
    return list(session.exec(statement).all())


def post(client: TestClient, path: str, body: str, *, htmx: bool = False, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"body": body, **extra}, headers=HTMX if htmx else FORM)


def comment_as(
    session: Session,
    world: World,
    who: str,
    priority: Priority,
    body: str,
    *,
    team_only: bool = False,
) -> Comment:
    """A comment made through the service, as ``who`` (a role of the world's account)."""
    target = comments_repo.find_target(
        session,
        account_id=priority.account_id,
        item_type="priority",
        item_id=priority.id,  # type: ignore[arg-type]
    )
    assert target is not None
    comment = service.add(
        session,
        actor=world.members[who],
        target=target,
        body=body,
        team_only=team_only,
        people=list(world.members.values()),
    )
    session.commit()
    return comment


# --- threads on every kind of item -----------------------------------------------------------


@pytest.mark.parametrize("item_type", ["priority", "initiative", "action", "rating", "strategy"])
def test_a_thread_on_every_kind_of_item(
    client: TestClient, session: Session, world: World, item_type: str
) -> None:
    path = thread_path(session, world, item_type)
    sign_in(client, session, world.members["member"])
    added = post(client, path, "Who owns this on your side?")
    assert added.status_code == 303
    [comment] = comments(session)
    assert added.headers["location"] == f"{path}#comment-{comment.id}"
    assert comment.visibility == Visibility.SHARED
    assert comment.author_id == world.members["member"].id

    sign_in(client, session, world.members["lead"])
    page = client.get(path)  # without htmx: a page of its own (the no-JS fallback)
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Who owns this on your side?" in page.text
    partial = client.get(path, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert f'id="comment-{comment.id}"' in partial.text
    assert 'hx-swap-oob="true">1</span>' in partial.text  # the count beside "Comments"
    reply = post(client, path, "Our delivery lead, from March.", htmx=True)
    assert reply.status_code == 200
    assert "Our delivery lead, from March." in reply.text
    assert "Who owns this on your side?" in reply.text
    assert 'hx-swap-oob="true">2</span>' in reply.text


def test_the_plan_page_shows_a_thread_under_each_priority_with_its_count(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment_as(session, world, "sponsor", priority, "One")
    deleted = comment_as(session, world, "sponsor", priority, "Two")
    service.delete(session, actor=world.members["sponsor"], comment=deleted)
    session.commit()
    sign_in(client, session, world.members["viewer"])
    page = client.get(f"/accounts/{world.account.id}/plan")
    assert page.status_code == 200
    assert f'id="thread-priority-{priority.id}"' in page.text
    assert f'hx-get="/accounts/{world.account.id}/threads/priority/{priority.id}"' in page.text
    assert 'hx-trigger="toggle once"' in page.text
    assert f'id="comment-count-priority-{priority.id}">1</span>' in page.text  # not the deleted


@pytest.mark.parametrize(
    "tail",
    [
        "/threads/priority/999999",
        "/threads/initiative/999999",
        "/threads/action/999999",
        "/threads/rating/999999",
        "/threads/strategy/999999?section=goal",
        "/threads/strategy/{plan}?section=nonsense",
        "/threads/strategy/{plan}",
        "/threads/perception/{priority}",
    ],
)
def test_a_thread_on_nothing_is_not_found(
    client: TestClient, session: Session, world: World, tail: str
) -> None:
    priority = add_priority(session, world)
    tail = tail.format(plan=plan_of(session, world).id, priority=priority.id)
    sign_in(client, session, world.members["lead"])
    assert client.get(f"/accounts/{world.account.id}{tail}").status_code == 404
    assert post(client, f"/accounts/{world.account.id}{tail}", "Hello").status_code == 404
    assert comments(session) == []


def test_an_item_of_another_account_has_no_thread_here(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert plan is not None
    theirs = priorities.create(
        session, actor=world.admin, plan=plan, values=PriorityValues(title="Theirs")
    )
    session.commit()
    sign_in(client, session, world.members["lead"])
    for account in (world.account, world.other_account):
        path = f"/accounts/{account.id}/threads/priority/{theirs.id}"
        assert client.get(path).status_code == 404
        assert post(client, path, "Sneaky").status_code == 404
    assert comments(session) == []


def test_bad_input_is_answered_in_the_thread_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    path = thread_path(session, world, "priority")
    sign_in(client, session, world.members["sponsor"])
    empty = post(client, path, "   ", htmx=True)
    assert empty.status_code == 422
    assert "Enter your comment." in empty.text
    too_long = post(client, path, "Long story. " * 1000, htmx=True)
    assert too_long.status_code == 422
    assert "Keep your comment under 8000 characters." in too_long.text
    assert "Long story. Long story." in too_long.text  # what they typed is still there
    control = post(client, path, "Hidden\x00text")
    assert control.status_code == 422
    assert "<html" in control.text  # without htmx: the thread page, with the message
    assert comments(session) == []


def test_the_viewer_comments_on_a_shared_priority_but_cannot_edit_it(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["viewer"])
    page = client.get(path)
    assert page.status_code == 200
    assert "Add a comment" in page.text
    assert "Team only" not in page.text  # a client person never marks a comment internal
    added = post(client, path, "Who on your side owns the Spanish rollout?")
    assert added.status_code == 303
    [comment] = comments(session)
    assert comment.author_id == world.members["viewer"].id
    assert comment.visibility == Visibility.SHARED
    [event] = events(session, "comment.added")
    assert event.actor_id == world.members["viewer"].id
    # Their own comment they may reword; the priority itself stays the client writers'.
    edit = client.post(
        f"/accounts/{world.account.id}/comments/{comment.id}/edit",
        data={"body": "Who owns the Spanish rollout?", "version": str(comment.version)},
        headers=FORM,
    )
    assert edit.status_code == 303
    item = f"/accounts/{world.account.id}/priorities/{priority.id}"
    assert client.get(f"{item}/edit").status_code == 403
    refused = client.post(item, data={"title": "Shrink in Spain", "version": "1"}, headers=FORM)
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Priority, priority.id).title == "Grow in Spain"  # type: ignore[union-attr]
    assert events(session, "priority.updated") == []
    # Team-only is the vendor's: the viewer cannot mark a comment internal.
    assert post(client, path, "Psst", team_only="1").status_code == 403


# --- internal items and team-only comments ---------------------------------------------------


def test_a_draft_initiatives_thread_is_internal_and_hidden_from_the_client(
    client: TestClient, session: Session, world: World
) -> None:
    draft = add_initiative(session, world, draft=True)
    path = f"/accounts/{world.account.id}/threads/initiative/{draft.id}"
    sign_in(client, session, world.members["team"])
    page = client.get(path)
    assert "visible to your team only" in page.text
    assert "Team only (not visible to the client)" not in page.text  # nothing to choose
    assert post(client, path, "Price it before we show them").status_code == 303
    [comment] = comments(session)
    assert comment.visibility == Visibility.INTERNAL
    [event] = events(session, "comment.added")
    assert event.visibility == Visibility.INTERNAL
    client.cookies.delete("jp_flash")  # "Comment added." was for the team member's next page

    for role in CLIENTS:
        sign_in(client, session, world.members[role])
        missing = client.get(f"/accounts/{world.account.id}/threads/initiative/999999")
        hidden = client.get(path)
        assert hidden.status_code == 404
        assert unmasked(hidden.text) == unmasked(missing.text)
        assert post(client, path, "Let me see").status_code == 404
    assert len(comments(session)) == 1


def test_team_only_comments_never_reach_the_client_side(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    comment_as(session, world, "sponsor", priority, "Shared words")
    sign_in(client, session, world.members["lead"])
    form = client.get(path)
    assert "Team only (not visible to the client)" in form.text
    secret = "Their budget is frozen, @Team member and @Client sponsor"
    added = post(client, path, secret, team_only="1")
    assert added.status_code == 303
    session.expire_all()
    team_only = session.exec(select(Comment).where(Comment.body == secret)).one()
    assert team_only.visibility == Visibility.INTERNAL
    [_, event] = events(session, "comment.added")
    assert event.visibility == Visibility.INTERNAL
    assert event.changes == {"body": [None, secret]}

    # The vendor side sees it, marked.
    vendor_view = client.get(path)
    assert "Their budget is frozen" in vendor_view.text
    assert "Team only</span>" in vendor_view.text

    # Notifications: the team member is told, the client sponsor is not (inbox nor e-mail).
    notes = session.exec(select(Notification)).all()
    assert [n.user_id for n in notes] == [world.members["team"].id]
    mails = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).contains("mentioned"))
    ).all()
    assert {m.to_address for m in mails} == {world.members["team"].email}
    assert not any("budget" in m.body_text for m in mails)  # the e-mail names no content

    for role in CLIENTS:
        sign_in(client, session, world.members[role])
        for page in (client.get(path), client.get(path, headers={"HX-Request": "true"})):
            assert page.status_code == 200
            assert "Shared words" in page.text
            assert "budget" not in page.text
            assert "Team only" not in page.text
            assert f"comment-{team_only.id}" not in page.text
        plan = client.get(f"/accounts/{world.account.id}/plan")
        assert f'id="comment-count-priority-{priority.id}">1</span>' in plan.text
        audit = client.get(f"/accounts/{world.account.id}/audit")
        assert audit.status_code == 200
        assert "budget" not in audit.text
        assert audit.text.count("comment.added") == 1
        inbox = client.get("/inbox")
        assert "mentioned you" not in inbox.text
        # The comment itself is out of reach, exactly like one that does not exist.
        for verb in ("edit", "delete"):
            url = f"/accounts/{world.account.id}/comments/{team_only.id}/{verb}"
            refused = client.post(url, data={"body": "x", "version": "1"}, headers=FORM)
            assert refused.status_code == 404

    sign_in(client, session, world.members["mentor"])
    plan = client.get(f"/accounts/{world.account.id}/plan")
    assert f'id="comment-count-priority-{priority.id}">2</span>' in plan.text


def test_a_client_person_cannot_write_team_only(
    client: TestClient, session: Session, world: World
) -> None:
    path = thread_path(session, world, "priority")
    sign_in(client, session, world.members["sponsor"])
    assert "Team only" not in client.get(path).text
    assert post(client, path, "Psst", team_only="1").status_code == 403
    assert comments(session) == []


# --- edits and deletions ---------------------------------------------------------------------


def edit_url(world: World, comment: Comment, verb: str = "edit") -> str:
    return f"/accounts/{world.account.id}/comments/{comment.id}/{verb}"


def test_the_author_edits_a_comment_and_the_audit_trail_keeps_both_versions(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "member", priority, "First thoughts")
    sign_in(client, session, world.members["member"])
    page = client.get(f"/accounts/{world.account.id}/threads/priority/{priority.id}")
    assert f'action="{edit_url(world, comment)}"' in page.text
    response = client.post(
        edit_url(world, comment),
        data={"body": "Second thoughts", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Second thoughts" in response.text
    assert "edited" in response.text
    [saved] = comments(session)
    assert (saved.body, saved.version) == ("Second thoughts", 2)
    assert saved.edited_at is not None
    [event] = events(session, "comment.edited")
    assert event.changes == {"body": ["First thoughts", "Second thoughts"]}
    assert event.visibility == Visibility.SHARED
    assert event.actor_id == world.members["member"].id


@pytest.mark.parametrize("who", ["sponsor", "lead", "team", "mentor"])
def test_only_the_author_edits_or_deletes(
    client: TestClient, session: Session, world: World, who: str
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "member", priority, "Mine")
    sign_in(client, session, world.members[who])
    page = client.get(f"/accounts/{world.account.id}/threads/priority/{priority.id}")
    assert edit_url(world, comment) not in page.text
    edit = client.post(
        edit_url(world, comment), data={"body": "Yours", "version": "1"}, headers=FORM
    )
    assert edit.status_code == 403
    assert client.post(edit_url(world, comment, "delete"), headers=FORM).status_code == 403
    [unchanged] = comments(session)
    assert (unchanged.body, unchanged.deleted_at) == ("Mine", None)
    assert events(session, "comment.edited") == events(session, "comment.deleted") == []


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeps_the_typed_text(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "sponsor", priority, "Draft wording")
    sign_in(client, session, world.members["sponsor"])
    first = client.post(
        edit_url(world, comment),
        data={"body": "Wording from the laptop", "version": "1"},
        headers=FORM,
    )
    assert first.status_code == 303
    stale = client.post(
        edit_url(world, comment),
        data={"body": "Wording from the phone", "version": "1"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert f"{world.members['sponsor'].email} changed this comment meanwhile" in stale.text
    assert "Wording from the phone</textarea>" in stale.text  # what they typed
    assert "Wording from the laptop" in stale.text  # next to what is saved now
    assert 'name="version" value="2"' in stale.text
    [saved] = comments(session)
    assert saved.body == "Wording from the laptop"


def test_an_empty_edit_is_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "sponsor", priority, "Keep me")
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        edit_url(world, comment), data={"body": "  ", "version": "1"}, headers=FORM
    )
    assert response.status_code == 422
    assert "Enter your comment." in response.text
    assert comments(session)[0].body == "Keep me"


def test_deleting_keeps_the_row_and_the_words_only_on_the_audit_trail(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "lead", priority, "Oops, wrong thread", team_only=True)
    sign_in(client, session, world.members["lead"])
    page = client.get(f"/accounts/{world.account.id}/threads/priority/{priority.id}")
    assert 'hx-confirm="Delete your comment?' in page.text
    assert 'data-confirm="Delete your comment?' in page.text
    response = client.post(edit_url(world, comment, "delete"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200
    assert "Comment deleted" in response.text
    assert "Oops, wrong thread" not in response.text
    [deleted] = comments(session)
    assert deleted.deleted_at is not None
    assert deleted.body == ""
    [event] = events(session, "comment.deleted")
    assert event.changes == {"body": ["Oops, wrong thread", None]}
    assert event.visibility == Visibility.INTERNAL  # a team-only comment's events stay internal
    again = client.post(edit_url(world, comment, "delete"), data=CONFIRMATION, headers=FORM)
    assert again.status_code == 404
    edit = client.post(
        edit_url(world, comment),
        data={**CONFIRMATION, "body": "Back", "version": "2"},
        headers=FORM,
    )
    assert edit.status_code == 404


# --- long threads: pages, and answers that stay the same size --------------------------------


def thread_of(
    session: Session, world: World, count: int, *, same_moment: bool = False
) -> tuple[Priority, list[Comment]]:
    """A priority with ``count`` comments of the member's, oldest first; ``same_moment``: all
    written at the same instant (their order is then their ids')."""
    priority = add_priority(session, world)
    made = [comment_as(session, world, "member", priority, f"Note {i:02}") for i in range(count)]
    if same_moment:
        for comment in made:
            comment.created_at = made[0].created_at
        session.commit()
        made.sort(key=lambda comment: comment.id or 0)
    return priority, made


def shown(text: str) -> list[int]:
    """The ids of the comments a page or fragment shows, in its order."""
    return [int(i) for i in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', text)]


def ids(made: list[Comment]) -> list[int]:
    return [comment.id for comment in made if comment.id is not None]


@pytest.mark.parametrize("same_moment", [False, True])
def test_a_long_thread_opens_at_its_latest_page_and_loads_earlier_ones(
    client: TestClient, session: Session, world: World, same_moment: bool
) -> None:
    priority, made = thread_of(session, world, 45, same_moment=same_moment)
    order = ids(made)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["viewer"])
    latest = client.get(path, headers={"HX-Request": "true"})
    assert shown(latest.text) == order[-20:]
    assert 'hx-swap-oob="true">45</span>' in latest.text  # the thread's count, not the page's
    earlier = f"{path}?before={order[25]}"
    assert f'href="{earlier}" hx-get="{earlier}"' in latest.text

    # htmx: the earlier comments alone, with a further "earlier" item while there are more
    second = client.get(earlier, headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert shown(second.text) == order[5:25]
    assert f'hx-get="{path}?before={order[5]}"' in second.text
    assert 'class="thread"' not in second.text
    assert "hx-swap-oob" not in second.text
    first = client.get(f"{path}?before={order[5]}", headers={"HX-Request": "true"})
    assert shown(first.text) == order[:5]
    assert "Show earlier comments" not in first.text

    # Without JavaScript: a page of its own, with the way back to the latest comments.
    page = client.get(earlier)
    assert "<html" in page.text
    assert shown(page.text) == order[5:25]
    assert f'href="{path}?before={order[5]}"' in page.text
    assert f'<a href="{path}">Show the latest comments</a>' in page.text


def test_a_comment_added_under_the_latest_page_is_answered_alone(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    """The form under a thread's latest page says so (``shown=latest``); htmx then gets the new
    comment alone, to go at the end of the list, with the notice, an empty form and the count
    out of band, in the same statements however long the thread. Without it (an empty thread,
    an earlier page, no JavaScript) the answer is the thread's latest page, as before."""
    priority, made = thread_of(session, world, 3)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["member"])
    page = client.get(path, headers={"HX-Request": "true"}).text
    assert '<input type="hidden" name="shown" value="latest">' in page
    assert f'id="comment-list-priority-{priority.id}"' in page
    assert 'name="shown"' not in client.get(f"{path}?before={made[1].id}").text

    def add(body: str) -> tuple[list[str], str, dict[str, str]]:
        count_queries.statements.clear()
        answer = post(client, path, body, htmx=True, shown="latest")
        assert answer.status_code == 200, answer.text
        return list(count_queries.statements), answer.text, dict(answer.headers)

    statements, text, headers = add("A fourth note")
    # A comment just posted has no files yet (they are added to it once it exists), and its
    # thread is in the current period (its guard locked that plan): the answer reads neither.
    assert not any("FROM attachment" in s for s in statements), "\n".join(statements)
    assert sum(bool(re.search(r'FROM "?plan"?\s', s)) for s in statements) == 1
    [added] = [c for c in comments(session) if c.body == "A fourth note"]
    assert shown(text) == [added.id]  # not the thread's page again
    assert headers["hx-reswap"] == "none"
    assert "hx-retarget" not in headers
    assert f'<ol hx-swap-oob="beforeend:#comment-list-priority-{priority.id}">' in text
    assert f'<div id="thread-notice-priority-{priority.id}" hx-swap-oob="true">' in text
    assert "Comment added." in text
    assert f'<div id="comment-form-priority-{priority.id}" hx-swap-oob="true">' in text
    assert (
        "A fourth note</textarea>" not in text.split(f'id="comment-form-priority-{priority.id}"')[1]
    )
    assert 'hx-swap-oob="true">4</span>' in text
    for i in range(25):
        comment_as(session, world, "member", priority, f"More {i}")
    longer, text, _headers = add("A thirtieth note")
    assert len(longer) == len(statements), "\n".join(longer)
    assert len(shown(text)) == 1
    assert 'hx-swap-oob="true">30</span>' in text

    # Without "shown": the thread's latest page (twenty comments, the new one last).
    whole = post(client, path, "Back to the page", htmx=True)
    assert len(shown(whole.text)) == comments_repo.PAGE
    assert "hx-reswap" not in whole.headers


def test_a_strategy_threads_earlier_page_keeps_its_section(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plan_of(session, world)
    target = comments_repo.find_target(
        session, account_id=plan.account_id, item_type="strategy", item_id=plan.id, section="goal"
    )
    assert target is not None
    for i in range(comments_repo.PAGE + 1):
        service.add(
            session,
            actor=world.members["sponsor"],
            target=target,
            body=f"Goal {i}",
            team_only=False,
            people=[],
        )
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(target.path)
    [cursor] = re.findall(r"section=goal&amp;before=(\d+)", page.text)[:1]
    earlier = client.get(f"{target.path}&before={cursor}", headers={"HX-Request": "true"})
    assert len(shown(earlier.text)) == 1
    assert "Goal 0" in earlier.text


def test_a_client_pages_through_a_thread_and_never_meets_a_team_only_comment(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    made = [
        comment_as(session, world, "lead", priority, f"Secret {i:02}", team_only=True)
        if i % 3 == 0
        else comment_as(session, world, "member", priority, f"Open {i:02}")
        for i in range(45)
    ]
    shared = [c.id for c in made if c.visibility == Visibility.SHARED]
    internal = [c.id for c in made if c.visibility == Visibility.INTERNAL]
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    for role in CLIENTS:
        sign_in(client, session, world.members[role])
        latest = client.get(path, headers={"HX-Request": "true"})
        assert shown(latest.text) == shared[-20:]
        assert 'hx-swap-oob="true">30</span>' in latest.text
        earlier = client.get(f"{path}?before={shared[-20]}", headers={"HX-Request": "true"})
        assert shown(earlier.text) == shared[:10]
        # A team-only comment's id is no cursor for them: nothing before it, nothing of it.
        probe = client.get(f"{path}?before={internal[-1]}", headers={"HX-Request": "true"})
        assert probe.status_code == 200
        assert shown(probe.text) == []
        for text in (latest.text, earlier.text, probe.text):
            assert "Secret" not in text
            assert "Team only" not in text
        plan = client.get(f"/accounts/{world.account.id}/plan")
        assert f'id="comment-count-priority-{priority.id}">30</span>' in plan.text
    sign_in(client, session, world.members["lead"])
    assert 'hx-swap-oob="true">45</span>' in client.get(path, headers={"HX-Request": "true"}).text


def test_editing_or_deleting_an_earlier_comment_answers_with_that_comment(
    client: TestClient, session: Session, world: World
) -> None:
    priority, made = thread_of(session, world, 30)
    order = ids(made)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["member"])

    # htmx: the comment alone replaces itself, wherever it is, with the thread's count.
    edited = client.post(
        edit_url(world, made[2]), data={"body": "Changed words", "version": "1"}, headers=HTMX
    )
    assert edited.status_code == 200
    assert shown(edited.text) == [order[2]]
    assert "Changed words" in edited.text
    assert "Comment saved." in edited.text
    assert f'hx-target="#comment-{order[2]}"' in edited.text
    assert 'hx-swap-oob="true">30</span>' in edited.text
    deleted = client.post(edit_url(world, made[1], "delete"), data=CONFIRMATION, headers=HTMX)
    assert shown(deleted.text) == [order[1]]
    assert "Comment deleted" in deleted.text
    assert 'hx-swap-oob="true">29</span>' in deleted.text

    # Without JavaScript: back to the page that holds it; a recent one is on the latest page.
    plain = client.post(
        edit_url(world, made[3]), data={"body": "Changed again", "version": "1"}, headers=FORM
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == f"{path}?at={order[3]}#comment-{order[3]}"
    holding = client.get(plain.headers["location"].split("#")[0])
    assert shown(holding.text) == order[:4]
    assert "Changed again" in holding.text
    assert f'<a href="{path}">Show the latest comments</a>' in holding.text
    recent = client.post(
        edit_url(world, made[10]), data={"body": "Recent", "version": "1"}, headers=FORM
    )
    assert recent.headers["location"] == f"{path}?at={order[10]}#comment-{order[10]}"
    assert shown(client.get(f"{path}?at={order[10]}").text) == order[-20:]  # the latest page

    # A stale edit of an earlier comment: the page that holds it, the typed text kept.
    stale = client.post(
        edit_url(world, made[3]), data={"body": "From the phone", "version": "1"}, headers=FORM
    )
    assert stale.status_code == 409
    assert "<html" in stale.text
    assert "From the phone</textarea>" in stale.text
    assert "Changed again" in stale.text
    assert order[3] in shown(stale.text)


# --- the tally the counts come from ----------------------------------------------------------


def tally_rows(session: Session, plan_id: int) -> dict[tuple[str, str], int]:
    """The plan's tally, its rows at zero left out (a thread whose comments were all deleted)."""
    session.expire_all()
    rows = session.exec(select(CommentTally).where(CommentTally.plan_id == plan_id)).all()
    return {(row.thread, row.visibility): row.count for row in rows if row.count}


def counted_afresh(session: Session, plan_id: int) -> dict[tuple[str, str], int]:
    """Every live comment of the plan counted one by one, without the tally."""
    session.expire_all()
    counts: dict[tuple[str, str], int] = {}
    for comment in session.exec(select(Comment).where(Comment.plan_id == plan_id)).all():
        if comment.deleted_at is None:
            key = (comments_repo.thread_key(comment), comment.visibility)
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_tally_equals_a_fresh_count_after_any_adds_and_deletes(
    session: Session, world: World
) -> None:
    plan = plan_of(session, world)
    assert plan.id is not None
    draft = add_initiative(session, world, draft=True)
    targets = [
        comments_repo.find_target(
            session, account_id=plan.account_id, item_type=kind, item_id=item_id, section=part
        )
        for kind, item_id, part in [
            ("priority", add_priority(session, world).id, ""),
            ("priority", add_priority(session, world, "Second").id, ""),
            ("initiative", draft.id, ""),
            ("strategy", plan.id, "goal"),
        ]
    ]
    chance = random.Random(13)
    live: list[Comment] = []
    for _step in range(120):
        if live and chance.random() < 0.35:
            gone = live.pop(chance.randrange(len(live)))
            service.delete(session, actor=world.members["lead"], comment=gone)
        else:
            target = chance.choice(targets)
            assert target is not None
            live.append(
                service.add(
                    session,
                    actor=world.members["lead"],
                    target=target,
                    body="A note",
                    team_only=chance.random() < 0.3,
                    people=[],
                )
            )
        if chance.random() < 0.2:
            session.commit()
    session.commit()
    assert tally_rows(session, plan.id) == counted_afresh(session, plan.id)
    assert sum(counted_afresh(session, plan.id).values()) == len(live)
    # The readers' sums: the client side only the shared comments, the vendor side all of them.
    fresh = counted_afresh(session, plan.id)
    for visibilities in ([Visibility.SHARED], [Visibility.SHARED, Visibility.INTERNAL]):
        expected: dict[str, int] = {}
        for (thread, visibility), n in fresh.items():
            if visibility in visibilities:
                expected[thread] = expected.get(thread, 0) + n
        counts = comments_repo.counts_for_plan(
            session, account_id=plan.account_id, plan_id=plan.id, visibilities=visibilities
        )
        assert {thread: n for thread, n in counts.items() if n} == expected
    # Made again from the comments, the tally is the same.
    comments_repo.recount(session, plan_id=plan.id)
    session.commit()
    assert tally_rows(session, plan.id) == counted_afresh(session, plan.id)


# --- mentions --------------------------------------------------------------------------------


def test_mentions_notify_the_people_named_with_an_inbox_entry_and_an_email(
    client: TestClient, session: Session, world: World
) -> None:
    path = thread_path(session, world, "priority")
    sign_in(client, session, world.members["member"])
    body = "@client sponsor, can you ask @team@vendor.example? cc @Nobody, me@Client member"
    assert post(client, path, body).status_code == 303
    session.expire_all()
    notes = session.exec(select(Notification).order_by(col(Notification.user_id))).all()
    assert {n.user_id for n in notes} == {world.members["sponsor"].id, world.members["team"].id}
    [comment] = comments(session)
    for note in notes:
        assert note.kind == "mention"
        assert (
            note.message
            == "Client member mentioned you in a comment on the priority “Grow in Spain”"
        )
        assert note.link == f"{path}?at={comment.id}#comment-{comment.id}"
        assert note.account_id == world.account.id
    mails = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).contains("mentioned"))
    ).all()
    assert {m.to_address for m in mails} == {"sponsor@client.example", "team@vendor.example"}
    assert all(f"http://testserver{note.link}" in m.body_text for m in mails)

    page = client.get(path)
    assert '<span class="mention">@client sponsor</span>' in page.text
    assert '<span class="mention">@team@vendor.example</span>' in page.text
    assert "@Nobody" in page.text
    assert '<span class="mention">@Nobody' not in page.text
    assert "Mention someone with @" in page.text  # the hint under the box


def test_a_mentions_link_opens_the_page_that_holds_the_comment_however_long_the_thread(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    named = comment_as(session, world, "lead", priority, "Over to @Client sponsor")
    secret = comment_as(session, world, "lead", priority, "Between us", team_only=True)
    for i in range(comments_repo.PAGE + 5):
        comment_as(session, world, "member", priority, f"Later {i}")
    session.expire_all()
    [note] = session.exec(
        select(Notification).where(Notification.user_id == world.members["sponsor"].id)
    ).all()
    sign_in(client, session, world.members["sponsor"])
    page = client.get(note.link.split("#")[0])
    assert page.status_code == 200
    assert shown(page.text)[-1] == named.id
    assert "Between us" not in page.text
    # A team-only comment's id leads the client side nowhere but to the latest page.
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    probe = client.get(f"{path}?at={secret.id}")
    assert "Between us" not in probe.text
    assert shown(probe.text) == shown(client.get(path).text)


def test_an_edit_notifies_only_the_newly_mentioned(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    comment = comment_as(session, world, "lead", priority, "Over to @Client sponsor")
    sign_in(client, session, world.members["lead"])
    response = client.post(
        edit_url(world, comment),
        data={"body": "Over to @Client sponsor and @Mentor", "version": "1"},
        headers=FORM,
    )
    assert response.status_code == 303
    session.expire_all()
    notes = session.exec(
        select(Notification).order_by(col(Notification.created_at), col(Notification.id))
    ).all()
    assert [n.user_id for n in notes] == [world.members["sponsor"].id, world.members["mentor"].id]


def test_comment_text_is_escaped_mentions_included(
    client: TestClient, session: Session, world: World
) -> None:
    sneaky = make_user(session, name="<b>Bold</b>", email="bold@client.example", password=None)
    add_member(session, account=world.account, user=sneaky, role=Role.MEMBER, by=world.admin)
    session.commit()
    path = thread_path(session, world, "priority")
    sign_in(client, session, world.members["sponsor"])
    post(client, path, "<script>alert(1)</script> ping @<b>Bold</b>")
    page = client.get(path)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert '<span class="mention">@&lt;b&gt;Bold&lt;/b&gt;</span>' in page.text


def people(*names: tuple[int, str, str]) -> list[User]:
    return [User(id=i, display_name=name, email=email) for i, name, email in names]


def test_mentions_match_the_longest_name_at_a_word_boundary() -> None:
    folks = people((1, "Ann", "ann@x.example"), (2, "Ann Lee", "lee@x.example"))
    assert mentions.mentioned("Hi @Ann Lee!", folks) == {2}
    assert mentions.mentioned("Hi @ann, and @ANN LEE.", folks) == {1, 2}
    assert mentions.mentioned("Hi @Annabel", folks) == set()
    assert mentions.mentioned("mail ann@x.example or lee@x.example", folks) == set()
    assert mentions.mentioned("(@lee@x.example)", folks) == {2}
    assert mentions.split("a @Ann b", folks) == [
        mentions.Segment("a "),
        mentions.Segment("@Ann", 1),
        mentions.Segment(" b"),
    ]
    assert mentions.split("", folks) == []


# --- query counts ----------------------------------------------------------------------------


def test_a_thread_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    priority = add_priority(session, world)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    comment_as(session, world, "sponsor", priority, "First, @Account lead")
    sign_in(client, session, world.members["lead"])
    client.get(path, headers={"HX-Request": "true"})  # warm up (session touch)
    count_queries.statements.clear()
    assert client.get(path, headers={"HX-Request": "true"}).status_code == 200
    few = count_queries.count
    for i in range(199):
        who = ("sponsor", "lead", "member", "team")[i % 4]
        made = comment_as(
            session, world, who, priority, f"Comment {i} for @Client sponsor", team_only=False
        )
        if i >= 199 - comments_repo.PAGE:  # files on every comment of the latest page
            attach_to(session, world, who, made, f"notes-{i}.txt")
    count_queries.statements.clear()
    page = client.get(path, headers={"HX-Request": "true"})
    assert len(re.findall(r'<li class="comment', page.text)) == comments_repo.PAGE
    assert 'hx-swap-oob="true">200</span>' in page.text  # the count is of the whole thread
    assert page.text.count('<li id="comment-file-') == comments_repo.PAGE
    assert count_queries.count == few, count_queries.statements
    assert few <= 7


def attach_to(session: Session, world: World, who: str, comment: Comment, name: str) -> int:
    """A file on ``comment``, added by ``who`` (its author), through the service."""
    assert comment.id is not None
    made = attach(
        session,
        actor=world.members[who],
        account_id=world.account.id,  # type: ignore[arg-type]
        item_type="comment",
        item_id=comment.id,
        name=name,
        data=name.encode(),
    )
    session.commit()
    assert made.id is not None
    return made.id


def test_a_thread_lists_each_comment_s_files_and_only_live_ones(
    client: TestClient, session: Session, world: World
) -> None:
    priority = add_priority(session, world)
    said = comment_as(session, world, "sponsor", priority, "The deck is attached")
    hidden = comment_as(session, world, "lead", priority, "Our margin", team_only=True)
    kept = attach_to(session, world, "sponsor", said, "deck.txt")
    gone = attach_to(session, world, "sponsor", said, "draft.txt")
    attach_to(session, world, "lead", hidden, "margin.txt")
    session.exec(select(Attachment).where(Attachment.id == gone)).one().deleted_at = utcnow()
    session.commit()
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"

    sign_in(client, session, world.members["member"])
    page = client.get(path).text
    assert f'href="/accounts/{world.account.id}/attachments/{kept}"' in page
    assert "deck.txt" in page
    assert "draft.txt" not in page  # deleted
    assert "margin.txt" not in page  # on a team-only comment
    sign_in(client, session, world.members["team"])
    assert "margin.txt" in client.get(path).text


def test_the_plan_page_counts_comments_in_one_query(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    priority = add_priority(session, world, "First")
    sign_in(client, session, world.members["sponsor"])
    client.get(f"/accounts/{world.account.id}/plan")
    count_queries.statements.clear()
    assert client.get(f"/accounts/{world.account.id}/plan").status_code == 200
    few = count_queries.count
    comment_statements = [s for s in count_queries.statements if "FROM comment" in s]
    assert len(comment_statements) == 1
    for i in range(20):
        other = add_priority(session, world, f"Priority {i}")
        for j in range(5):
            comment_as(session, world, "sponsor", other, f"Note {j}")
    comment_as(session, world, "lead", priority, "Team eyes only", team_only=True)
    count_queries.statements.clear()
    page = client.get(f"/accounts/{world.account.id}/plan")
    assert count_queries.count == few
    assert few <= 10
    assert page.text.count(">5</span>)") == 20
    assert f'id="comment-count-priority-{priority.id}">0</span>' in page.text


# The audit append: the chain's head locked, the head moved, the event, the live event. On
# PostgreSQL the head moves, and the live event is numbered, inserted and announced, in the
# event's INSERT: the head's lock is held for two statements and the commit.
APPEND = 2 if BACKEND == "postgresql" else 4


def _statements_of_a_post(
    client: TestClient, path: str, body: str, counter: QueryCounter
) -> list[str]:
    counter.statements.clear()
    assert client.post(path, data={"body": body}, headers=FORM).status_code == 303
    return list(counter.statements)


def test_a_comment_post_costs_a_fixed_few_statements(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    """The fixed cost of a write (issue 13): the session and its person (one query), the
    account and the actor's side (one), the current plan locked, the item, the comment, its
    thread's tally (one upsert), and the audit append (``APPEND``: head locked, head moved,
    event, live event; on PostgreSQL the head moves in the event's statement). Members
    are read only for a text that can mention someone."""
    priority = add_priority(session, world)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["lead"])
    client.post(path, data={"body": "Warm-up"}, headers=FORM)  # the session's last-seen touch
    plain = _statements_of_a_post(client, path, "Agreed, next week.", count_queries)
    assert len(plain) == 6 + APPEND, "\n".join(plain)
    assert not any("membership.removed_at" in s and "app_user.email" in s for s in plain[2:])
    naming = _statements_of_a_post(client, path, "Over to @Client sponsor", count_queries)
    # + the members who may be named, + the notification and its e-mail's outbox row
    assert len(naming) > len(plain)
    mention = session.exec(
        select(Notification).where(Notification.user_id == world.members["sponsor"].id)
    ).all()
    assert [n.kind for n in mention] == ["mention"]


def test_an_action_status_change_costs_a_fixed_few_statements(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    action = Action(
        account_id=world.account.id,  # type: ignore[arg-type]
        plan_id=plan_of(session, world).id,  # type: ignore[arg-type]
        title="Send the draft",
        owner_id=world.members["lead"].id,
    )
    session.add(action)
    session.commit()
    path = f"/accounts/{world.account.id}/actions/{action.id}/status"
    sign_in(client, session, world.members["lead"])
    for version, status in enumerate(["in_progress", "blocked"], start=action.version):
        count_queries.statements.clear()
        sent = {"status": status, "version": str(version)}
        assert client.post(path, data=sent, headers=FORM).status_code == 303
    # session, access, plan locked, action locked, its update, the audit append
    assert count_queries.count == 5 + APPEND, "\n".join(count_queries.statements)
