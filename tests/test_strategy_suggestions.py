"""The vendor suggests entries for the client's strategy (a goal, a challenge, ...), not only
priorities; the client accepts them as worded, rewords them or rejects them with a reason, the
same way as suggested priorities (``app.kit.suggestions``). Until answered, a suggestion is
shown to both sides as the vendor's words, apart from the client's own entries."""

from __future__ import annotations

from functools import partial

from sqlmodel import Session, col, select

from app.models import (
    Account,
    AuditEvent,
    Notification,
    Role,
    StrategyEntry,
    StrategySuggestion,
    SuggestionStatus,
)
from app.plans import repository as plans_repo
from app.strategy import service
from app.strategy.schemas import StrategyValues
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import WRITERS, _client, _scene, race
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
FORM = {"X-CSRF-Token": CSRF}
GOAL = "Halve the time to onboard a new depot"


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def suggest(session: Session, world: World, text: str = GOAL) -> StrategySuggestion:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    made = service.suggest(
        session,
        actor=world.members["lead"],
        plan=plan,
        values=StrategyValues("goal", text, "By the end of next year", "next"),
    )
    session.commit()
    return made


def events(session: Session, verb: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.seq))
        ).all()
    )


def entries(session: Session) -> list[StrategyEntry]:
    session.expire_all()
    return list(session.exec(select(StrategyEntry)).all())


def news(session: Session, world: World, role: str) -> list[str]:
    rows = session.exec(
        select(Notification).where(Notification.user_id == world.members[role].id)
    ).all()
    return [n.message for n in rows]


def test_the_vendor_suggests_a_goal_and_the_client_sees_it_as_the_vendors_words(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    form = {"kind": "goal", "text": GOAL, "detail": "", "horizon": "next"}
    answer = client.post(url(world, "/strategy-suggestions"), data=form, headers=HTMX)
    assert answer.status_code == 200
    assert "The client decides whether it becomes part of their strategy" in answer.text
    [suggestion] = session.exec(select(StrategySuggestion)).all()
    assert (suggestion.kind, suggestion.text, suggestion.status) == ("goal", GOAL, "suggested")
    [event] = events(session, "strategy.suggested")
    assert event.changes["text"] == [None, GOAL]
    assert event.visibility == "shared"
    assert entries(session) == []  # not the client's until accepted
    for role in ("sponsor", "member"):
        assert any(GOAL in m for m in news(session, world, role))
    assert not any(GOAL in m for m in news(session, world, "viewer"))

    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    shown = page.split(f'id="strategy-suggestion-{suggestion.id}"')[1].split("</li>")[0]
    assert "Suggestion</span>" in shown
    assert "suggests, in their words" in shown
    assert "it is not part of your strategy unless you accept it" in shown
    assert "Accept as worded" in shown
    assert "Reword and accept" in shown
    assert "strategy-entry-" not in page.split('id="strategy-goal"')[1].split("</ol>")[0]
    sign_in(client, session, world.members["viewer"])
    seen = client.get(url(world, "/plan")).text
    assert GOAL in seen
    assert "Accept as worded" not in seen
    # Bad input keeps what was typed; the client's advice to the vendor is not the vendor's.
    sign_in(client, session, world.members["lead"])
    bad = client.post(
        url(world, "/strategy-suggestions"), data=form | {"horizon": ""}, headers=HTMX
    )
    assert bad.status_code == 422
    assert "Choose by when" in bad.text
    assert GOAL in bad.text
    advice = form | {"kind": "advice"}
    refused = client.post(url(world, "/strategy-suggestions"), data=advice, headers=FORM)
    assert refused.status_code == 400
    assert len(session.exec(select(StrategySuggestion)).all()) == 1


def test_the_client_accepts_a_suggestion_as_worded(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world)
    sign_in(client, session, world.members["member"])
    path = url(world, f"/strategy-suggestions/{suggestion.id}/accept")
    answer = client.post(path, data={"version": "1"}, headers=HTMX)
    assert answer.status_code == 200
    [entry] = entries(session)
    assert (entry.kind, entry.text, entry.horizon) == ("goal", GOAL, "next")
    session.refresh(suggestion)
    assert (suggestion.status, suggestion.entry_id) == (SuggestionStatus.ACCEPTED, entry.id)
    [accepted] = events(session, "strategy.suggestion_accepted")
    assert accepted.changes["status"] == ["suggested", "accepted"]
    assert "text" not in accepted.changes  # as worded
    assert len(events(session, "strategy.added")) == 1
    assert any("as you worded it" in m for m in news(session, world, "lead"))
    # Answered twice: told who answered first, nothing written.
    again = client.post(path, data={"version": "1"}, headers=HTMX)
    assert again.status_code == 409
    assert "already accepted" in again.text
    assert len(entries(session)) == 1


def test_the_client_rewords_a_suggestion_and_the_vendors_words_stay_on_the_trail(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world)
    sign_in(client, session, world.members["sponsor"])
    path = url(world, f"/strategy-suggestions/{suggestion.id}/reword")
    page = client.get(path)
    assert page.status_code == 200
    assert GOAL in page.text
    mine = {"kind": "goal", "text": "Onboard a depot in a week", "horizon": "now", "version": "1"}
    assert client.post(path, data=mine, headers=FORM).status_code == 303
    [entry] = entries(session)
    assert (entry.text, entry.horizon) == ("Onboard a depot in a week", "now")
    [accepted] = events(session, "strategy.suggestion_accepted")
    assert accepted.changes["text"] == [GOAL, "Onboard a depot in a week"]
    assert any("in their own words" in m for m in news(session, world, "lead"))
    assert client.get(path).status_code == 404  # answered: nothing left to reword


def test_the_client_rejects_a_suggestion_with_a_reason(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world)
    sign_in(client, session, world.members["sponsor"])
    path = url(world, f"/strategy-suggestions/{suggestion.id}/reject")
    empty = client.post(path, data={"reason": " ", "version": "1"}, headers=HTMX)
    assert empty.status_code == 422
    assert "not part of your strategy" in empty.text
    said = {"reason": "Onboarding is not where we compete", "version": "1"}
    assert client.post(path, data=said, headers=HTMX).status_code == 200
    session.refresh(suggestion)
    assert suggestion.status == SuggestionStatus.REJECTED
    assert suggestion.answer_reason == "Onboarding is not where we compete"
    [rejected] = events(session, "strategy.suggestion_rejected")
    assert rejected.changes["reason"] == [None, "Onboarding is not where we compete"]
    assert entries(session) == []
    assert any("Onboarding is not where we compete" in m for m in news(session, world, "lead"))
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert "Rejected suggestions (1)" in page
    assert "Onboarding is not where we compete" in page


def test_only_the_client_answers_and_only_the_vendor_suggests(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world)
    accept = url(world, f"/strategy-suggestions/{suggestion.id}/accept")
    for role in ("lead", "team", "mentor", "viewer"):
        sign_in(client, session, world.members[role])
        assert client.post(accept, data={"version": "1"}, headers=FORM).status_code == 403
    for role in ("sponsor", "member", "viewer", "mentor"):
        sign_in(client, session, world.members[role])
        form = {"kind": "challenge", "text": "Driver turnover"}
        refused = client.post(url(world, "/strategy-suggestions"), data=form, headers=FORM)
        assert refused.status_code == 403
    assert entries(session) == []
    assert len(session.exec(select(StrategySuggestion)).all()) == 1


def test_the_plan_page_reads_the_suggestions_in_one_query_whatever_their_number(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    suggest(session, world)
    sign_in(client, session, world.members["sponsor"])
    client.get(url(world, "/plan"))
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    for i in range(15):
        made = suggest(session, world, f"Goal {i}")
        if i % 3 == 0:
            made.status, made.answer_reason = SuggestionStatus.REJECTED, f"Not {i}"
            session.add(made)
    session.commit()
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert page.text.count('class="suggestion" id="strategy-suggestion-') == 11
    assert count_queries.count == few
    queried = [s for s in count_queries.statements if "FROM strategy_suggestion" in s]
    assert len(queried) == 1


def test_the_waiting_line_names_the_suggested_entries_to_answer(
    client: TestClient, session: Session, world: World
) -> None:
    suggestion = suggest(session, world)
    sign_in(client, session, world.members["sponsor"])
    home = client.get("/").text
    assert "1 suggested strategy entry to answer" in home
    assert f"/accounts/{world.account.id}/plan#strategy-suggestion-{suggestion.id}" in home
    sign_in(client, session, world.members["viewer"])
    assert "suggested strategy entry" not in client.get("/").text


def test_simultaneous_answers_to_one_suggestion_one_wins(live_server: LiveServer) -> None:
    scene = _scene(live_server, Role.MEMBER)
    with live_server.db.session() as session:
        lead = factories.make_user(session, name="Lead", password=None)
        account = session.get(Account, scene.account_id)
        assert account is not None
        factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=lead)
        plan = plans_repo.current(session, account_id=scene.account_id)
        assert plan is not None
        values = StrategyValues("challenge", "Driver turnover")
        suggestion = service.suggest(session, actor=lead, plan=plan, values=values)
        session.commit()
        base = f"/accounts/{scene.account_id}/strategy-suggestions/{suggestion.id}"
    clients = [_client(live_server, person) for person in scene.people]
    answers = [
        partial(c.post, f"{base}/accept", data={"version": "1", "csrf_token": CSRF})
        if i % 2
        else partial(
            c.post, f"{base}/reject", data={"reason": f"No {i}", "version": "1", "csrf_token": CSRF}
        )
        for i, c in enumerate(clients)
    ]
    try:
        responses = race(answers)
    finally:
        for c in clients:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    with live_server.db.session() as session:
        made = session.exec(select(StrategyEntry)).all()
        answered = session.get(StrategySuggestion, suggestion.id)
        assert answered is not None
        assert len(made) == (1 if answered.status == SuggestionStatus.ACCEPTED else 0)
        verbs = [
            e.verb
            for e in session.exec(select(AuditEvent)).all()
            if e.verb.startswith("strategy.suggestion_")
        ]
        assert len(verbs) == 1, verbs
