"""Comment threads: one on every kind of item, @mentions that notify, team-only comments that
never reach the client side, edits and deletions on the audit trail, author-only changes."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from app.comments import mentions, service
from app.comments import repository as comments_repo
from app.models import (
    Action,
    AuditEvent,
    Comment,
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
)
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from tests.conftest import BACKEND, CSRF, QueryCounter
from tests.factories import World, add_member, make_user, sign_in
from tests.masking import unmasked

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


def test_the_viewer_reads_threads_but_cannot_comment(
    client: TestClient, session: Session, world: World
) -> None:
    path = thread_path(session, world, "priority")
    sign_in(client, session, world.members["viewer"])
    page = client.get(path)
    assert page.status_code == 200
    assert "Add a comment" not in page.text
    assert post(client, path, "Let me in").status_code == 403
    assert comments(session) == []


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
        expected = 403 if role == "viewer" else 404
        assert post(client, path, "Let me see").status_code == expected
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
            assert refused.status_code == (403 if role == "viewer" else 404)

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
        assert note.link == f"{path}#comment-{comment.id}"
        assert note.account_id == world.account.id
    mails = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.subject).contains("mentioned"))
    ).all()
    assert {m.to_address for m in mails} == {"sponsor@client.example", "team@vendor.example"}
    assert all(f"http://testserver{path}#comment-{comment.id}" in m.body_text for m in mails)

    page = client.get(path)
    assert '<span class="mention">@client sponsor</span>' in page.text
    assert '<span class="mention">@team@vendor.example</span>' in page.text
    assert "@Nobody" in page.text
    assert '<span class="mention">@Nobody' not in page.text
    assert "Mention someone with @" in page.text  # the hint under the box


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
        comment_as(
            session, world, who, priority, f"Comment {i} for @Client sponsor", team_only=False
        )
    count_queries.statements.clear()
    page = client.get(path, headers={"HX-Request": "true"})
    assert len(re.findall(r'<li class="comment', page.text)) == 200
    assert count_queries.count == few, count_queries.statements
    assert few <= 6


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
# PostgreSQL the head moves in the event's INSERT, and the live event's INSERT announces it.
APPEND = 3 if BACKEND == "postgresql" else 4


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
    account and the actor's side (one), the current plan locked, the item, the comment, and
    the audit append (``APPEND``: head locked, head moved, event, live event; on PostgreSQL
    the head moves in the event's statement). Members
    are read only for a text that can mention someone."""
    priority = add_priority(session, world)
    path = f"/accounts/{world.account.id}/threads/priority/{priority.id}"
    sign_in(client, session, world.members["lead"])
    client.post(path, data={"body": "Warm-up"}, headers=FORM)  # the session's last-seen touch
    plain = _statements_of_a_post(client, path, "Agreed, next week.", count_queries)
    assert len(plain) == 5 + APPEND, "\n".join(plain)
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
