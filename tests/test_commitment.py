"""The team's agreement and commitment (issue 15, part 3): before the lead submits the plan to
the client, they ask the account team and the mentor to commit; each commits or raises a
concern with a comment and may change it until the plan is submitted. The lead sees who
committed, who raised what, who has not answered (vendor side only); the asked people find it
in "Waiting for you" and their inbox. Submitting with open concerns shows them first. A new
round sets the answers aside; the audit trail keeps them."""

from __future__ import annotations

import html
from functools import partial

import httpx
from sqlmodel import Session, col, select

from app.agreement import commitment
from app.agreement.commitment import CheckedAnswer
from app.auth import sessions
from app.models import (
    AuditEvent,
    Commitment,
    CommitmentAnswer,
    Notification,
    Plan,
    PlanStatus,
    Role,
    Visibility,
)
from app.plans import repository as plans_repo
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter, send_session_csrf
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import race
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
CONCERN = "The Q3 hiring plan does not leave anyone for the onboarding."


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def plan_of(session: Session, world: World) -> Plan:
    session.expire_all()
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def rows(session: Session, world: World, *, current: bool = True) -> dict[int, Commitment]:
    session.expire_all()
    found = session.exec(
        select(Commitment)
        .where(Commitment.account_id == world.account.id)
        .where(col(Commitment.current) == current)
    ).all()
    return {row.member_id: row for row in found}


def events(session: Session, verb: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
        )
    )


def ask(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/commitment/ask"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200, response.text


def answer(
    client: TestClient, session: Session, world: World, who: str, choice: str, comment: str = ""
) -> httpx.Response:
    sign_in(client, session, world.members[who])
    mine = rows(session, world)[world.members[who].id]  # type: ignore[index]
    form = {"answer": choice, "comment": comment, "version": str(mine.version)}
    return client.post(url(world, "/plan/commitment/answer"), data=form, headers=HTMX)


def test_the_lead_asks_the_team_and_the_mentor(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    asked = rows(session, world)
    team, mentor = world.members["team"], world.members["mentor"]
    assert set(asked) == {team.id, mentor.id}
    assert all(row.answer == CommitmentAnswer.NONE for row in asked.values())
    (event,) = events(session, "commitment.asked")
    assert event.visibility == Visibility.INTERNAL
    assert event.changes["round"] == [None, 1]
    told = session.exec(
        select(Notification.user_id).where(Notification.kind == "commitment.requested")
    ).all()
    assert sorted(told) == sorted([team.id, mentor.id])


def test_each_commits_or_raises_a_concern_and_the_lead_sees_who(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    assert answer(client, session, world, "team", "committed").status_code == 200
    response = answer(client, session, world, "mentor", "concern", CONCERN)
    assert response.status_code == 200
    assert "Your concern is recorded" in html.unescape(response.text)
    asked = rows(session, world)
    assert asked[world.members["team"].id].answer == CommitmentAnswer.COMMITTED  # type: ignore[index]
    concern = asked[world.members["mentor"].id]  # type: ignore[index]
    assert (concern.answer, concern.comment) == (CommitmentAnswer.CONCERN, CONCERN)
    answered = events(session, "commitment.answered")
    assert [e.changes["answer"] for e in answered] == [["", "committed"], ["", "concern"]]
    assert all(e.visibility == Visibility.INTERNAL for e in answered)
    lead_told = session.exec(
        select(Notification).where(Notification.kind == "commitment.answered")
    ).all()
    assert {n.user_id for n in lead_told} == {world.members["lead"].id}
    sign_in(client, session, world.members["lead"])
    page = html.unescape(client.get(url(world, "/plan/commitment"), headers=HTMX).text)
    assert "Committed" in page
    assert CONCERN in page
    assert "1 concern is open" in page


def test_who_has_not_answered_is_named(client: TestClient, session: Session, world: World) -> None:
    ask(client, session, world)
    answer(client, session, world, "team", "committed")
    sign_in(client, session, world.members["lead"])
    page = html.unescape(client.get(url(world, "/plan/commitment"), headers=HTMX).text)
    assert f"waiting for {world.members['mentor'].display_name}" in page


def test_a_concern_needs_its_comment_and_the_answer_is_kept(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    response = answer(client, session, world, "team", "concern", "")
    assert response.status_code == 422
    assert 'value="concern" checked' in response.text
    response = answer(client, session, world, "team", "maybe", "Some words kept")
    assert response.status_code == 422
    assert "Some words kept" in response.text
    assert rows(session, world)[world.members["team"].id].answer == ""  # type: ignore[index]


def test_answers_change_until_the_plan_is_submitted(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    answer(client, session, world, "team", "concern", CONCERN)
    assert answer(client, session, world, "team", "committed").status_code == 200
    mine = rows(session, world)[world.members["team"].id]  # type: ignore[index]
    assert (mine.answer, mine.comment, mine.version) == ("committed", "", 3)
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/submit"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200
    assert plan_of(session, world).status == PlanStatus.SUBMITTED
    response = answer(client, session, world, "team", "concern", CONCERN)
    assert response.status_code == 409
    assert "answers are closed" in html.unescape(response.text)
    assert rows(session, world)[world.members["team"].id].answer == "committed"  # type: ignore[index]


def test_someone_not_asked_cannot_answer(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    form = {"answer": "committed", "version": "1"}
    response = client.post(url(world, "/plan/commitment/answer"), data=form, headers=HTMX)
    assert response.status_code == 409
    assert "has not asked you" in response.text
    assert events(session, "commitment.answered") == []


def test_submitting_with_open_concerns_shows_them_first(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    answer(client, session, world, "mentor", "concern", CONCERN)
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/plan/submit"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "1 concern of the team is still open" in page
    assert f"{world.members['mentor'].display_name}: {CONCERN}" in page
    assert plan_of(session, world).status == PlanStatus.DRAFT  # nothing changed yet
    concerns = commitment.open_concerns(
        [(row, "") for row in rows(session, world).values()]  # the key of what was shown
    )
    key = commitment.concerns_key(concerns)
    assert f'name="concerns_seen" value="{key}"' in response.text
    seen = CONFIRMATION | {"concerns_seen": key}
    response = client.post(url(world, "/plan/submit"), data=seen, headers=HTMX)
    assert response.status_code == 200
    assert plan_of(session, world).status == PlanStatus.SUBMITTED


def test_a_new_round_sets_the_answers_aside_and_the_trail_keeps_them(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    answer(client, session, world, "team", "committed")
    answer(client, session, world, "mentor", "concern", CONCERN)
    ask(client, session, world)
    current = rows(session, world)
    assert {row.answer for row in current.values()} == {""}
    assert {row.round for row in current.values()} == {2}
    earlier = rows(session, world, current=False)
    assert earlier[world.members["mentor"].id].comment == CONCERN  # type: ignore[index]
    assert [e.changes["round"] for e in events(session, "commitment.asked")] == [
        [None, 1],
        [1, 2],
    ]
    assert len(events(session, "commitment.answered")) == 2


def test_a_round_asked_while_submitted_closes_at_the_next_submission(
    client: TestClient, session: Session, world: World
) -> None:
    """The plan was submitted, then changed: the lead asks the team again before submitting it
    again; the round is open until that submission."""
    sign_in(client, session, world.members["lead"])
    client.post(url(world, "/plan/submit"), data=CONFIRMATION, headers=HTMX)
    ask(client, session, world)
    assert answer(client, session, world, "team", "committed").status_code == 200
    sign_in(client, session, world.members["mentor"])
    assert "asks you to commit" in client.get("/").text  # the mentor's is still open
    sign_in(client, session, world.members["lead"])
    client.post(url(world, "/plan/withdraw"), data=CONFIRMATION, headers=HTMX)
    client.post(url(world, "/plan/submit"), data=CONFIRMATION, headers=HTMX)
    assert plan_of(session, world).status == PlanStatus.SUBMITTED
    assert answer(client, session, world, "mentor", "committed").status_code == 409
    sign_in(client, session, world.members["mentor"])
    assert "asks you to commit" not in client.get("/").text


def test_the_client_never_sees_it(client: TestClient, session: Session, world: World) -> None:
    ask(client, session, world)
    answer(client, session, world, "mentor", "concern", CONCERN)
    for role in ("sponsor", "member", "viewer"):
        sign_in(client, session, world.members[role])
        page = client.get(url(world, "/plan")).text
        assert "/plan/commitment" not in page
        assert CONCERN not in page
        assert client.get(url(world, "/plan/commitment")).status_code == 403
    sign_in(client, session, world.members["lead"])
    assert 'hx-get="/accounts/' in client.get(url(world, "/plan")).text
    assert "/plan/commitment" in client.get(url(world, "/plan")).text


def test_waiting_for_you_asks_and_answers_in_place(
    client: TestClient, session: Session, world: World
) -> None:
    ask(client, session, world)
    sign_in(client, session, world.members["team"])
    home = html.unescape(client.get("/").text)
    assert "The account lead asks you to commit to the plan" in home
    mine = rows(session, world)[world.members["team"].id]  # type: ignore[index]
    form = {"answer": "concern", "comment": "", "version": str(mine.version)}
    response = client.post(url(world, "/waiting/plan/commitment"), data=form, headers=HTMX)
    assert response.status_code == 422
    form["comment"] = CONCERN
    response = client.post(url(world, "/waiting/plan/commitment"), data=form, headers=HTMX)
    assert response.status_code == 200, response.text
    assert "asks you to commit" not in response.text
    assert rows(session, world)[world.members["team"].id].comment == CONCERN  # type: ignore[index]
    sign_in(client, session, world.members["sponsor"])
    assert "asks you to commit" not in client.get("/").text


def test_the_commitment_area_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    path = url(world, "/plan/commitment")
    ask(client, session, world)
    client.get(path, headers=HTMX)
    count_queries.statements.clear()
    client.get(path, headers=HTMX)
    few = count_queries.count
    for n in range(6):
        person = factories.make_user(
            session, name=f"Extra {n}", password=None, workspace=world.workspace
        )
        factories.add_member(
            session, account=world.account, user=person, role=Role.TEAM, by=world.admin
        )
    session.commit()
    ask(client, session, world)
    answer(client, session, world, "mentor", "concern", CONCERN)
    sign_in(client, session, world.members["lead"])
    client.get(path, headers=HTMX)
    count_queries.statements.clear()
    client.get(path, headers=HTMX)
    assert count_queries.count == few, count_queries.statements
    assert len(rows(session, world)) == 8


def test_the_service_refuses_an_answer_from_an_older_page(session: Session, world: World) -> None:
    plan = plan_of(session, world)
    commitment.ask(session, actor=world.members["lead"], plan=plan)
    team = world.members["team"]
    checked = CheckedAnswer(CommitmentAnswer.COMMITTED, "", 1)
    commitment.answer(session, actor=team, plan=plan, checked=checked)
    try:
        commitment.answer(session, actor=team, plan=plan, checked=checked)
    except commitment.versioned.StaleEdit:
        pass
    else:
        raise AssertionError("an answer based on version 1 was saved over version 2")


# --- two answers at once (both databases) -------------------------------------------------


def _client(server: LiveServer, person_id: int) -> httpx.Client:
    with server.db.session() as session:
        person = session.get(factories.User, person_id)
        assert person is not None
        token = sessions.start(
            session, user=person, ip="127.0.0.1", user_agent="pytest", settings=server.settings
        )
        session.commit()
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    client.cookies.set(sessions.SESSION_COOKIE, token)
    client.cookies.set("jp_csrf", CSRF)
    return send_session_csrf(client, server.settings)


def test_two_answers_at_once_one_wins(live_server: LiveServer) -> None:
    """The same person answers from two tabs at once, both based on the same version: the row
    is read under its lock, so exactly one answer is saved and the other is refused (409)."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        lead = factories.make_user(session, name="Lead", password=None, workspace=workspace)
        team = factories.make_user(session, name="Team", password=None, workspace=workspace)
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=admin)
        factories.add_member(session, account=account, user=team, role=Role.TEAM, by=admin)
        plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
        assert plan is not None
        commitment.ask(session, actor=lead, plan=plan)
        session.commit()
        account_id, team_id = account.id, team.id
    assert team_id is not None
    tabs = [_client(live_server, team_id) for _ in range(4)]
    path = f"/accounts/{account_id}/plan/commitment/answer"
    forms = [
        {"answer": "concern", "comment": f"Concern {i}", "version": "1", "csrf_token": CSRF}
        for i in range(len(tabs))
    ]
    try:
        responses = race([partial(c.post, path, data=f) for c, f in zip(tabs, forms, strict=True)])
    finally:
        for c in tabs:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303, 409, 409, 409], codes
    with Session(live_server.db.engine) as session:
        row = session.exec(select(Commitment).where(Commitment.member_id == team_id)).one()
        assert row.version == 2
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        assert row.comment == f"Concern {winner}"
        answered = session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id)
            .where(AuditEvent.verb == "commitment.answered")
        ).all()
        assert len(answered) == 1


def test_the_home_runs_the_same_queries_for_one_request_or_five(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    """ "Waiting for you" reads every commitment request of the person in one query."""
    team = world.members["team"]

    def home() -> str:
        client.get("/")
        count_queries.statements.clear()
        return client.get("/").text

    ask(client, session, world)
    sign_in(client, session, team)
    page = home()
    one = count_queries.count
    assert page.count('data-kind="commitment"') == 1
    for n in range(4):
        account = factories.make_account(session, admin=world.admin, name=f"Committing {n}")
        lead = world.members["lead"]
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=world.admin)
        factories.add_member(session, account=account, user=team, role=Role.TEAM, by=world.admin)
        plan = plans_repo.current(session, account_id=account.id)  # type: ignore[arg-type]
        assert plan is not None
        commitment.ask(session, actor=lead, plan=plan)
    session.commit()
    page = home()
    assert page.count('data-kind="commitment"') == 5
    assert count_queries.count == one, count_queries.statements
    assert one <= 10, count_queries.statements
