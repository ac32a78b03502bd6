"""The client's strategy: only client contributors write it (goals need a horizon; focus entries
say how they land on the vendor's departments); every change is audited; a stale edit is
refused naming who changed it, keeping what the person typed; both sides get clear empty
states; the plan page loads it in one query whatever its size."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from app.models import AuditEvent, StrategyEntry, StrategyKind
from app.plans import repository as plans_repo
from app.strategy import service
from app.strategy.schemas import StrategyValues
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def add(
    session: Session, world: World, text: str, kind: str = "driver", horizon: str = ""
) -> StrategyEntry:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    entry = service.create(
        session,
        actor=world.members["sponsor"],
        plan=plan,
        values=StrategyValues(kind=kind, text=text, horizon=horizon or None),
    )
    session.commit()
    return entry


def texts(session: Session, world: World, kind: str) -> list[str]:
    session.expire_all()  # the requests changed rows through their own sessions
    rows = session.exec(
        select(StrategyEntry)
        .where(StrategyEntry.account_id == world.account.id)
        .where(StrategyEntry.kind == kind)
        .where(col(StrategyEntry.removed_at).is_(None))
        .order_by(col(StrategyEntry.position))
    ).all()
    return [e.text for e in rows]


def events(session: Session, verb: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == verb).order_by(col(AuditEvent.id))
        ).all()
    )


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


@pytest.mark.parametrize("role", ["sponsor", "member"])
def test_client_contributors_add_a_goal_with_a_horizon(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/strategy"),
        data={"kind": "goal", "text": "Double online revenue", "detail": "", "horizon": "next"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="strategy"' in response.text  # the strategy section alone, as the partial
    assert "<html" not in response.text
    assert "Added “Double online revenue” to goals." in response.text
    assert 'data-focus="f-strategy-goal-text"' in response.text  # ready for the next one
    assert texts(session, world, "goal") == ["Double online revenue"]
    session.expire_all()
    entry = session.exec(select(StrategyEntry)).one()
    assert entry.horizon == "next"
    assert entry.created_by_id == world.members[role].id
    (event,) = events(session, "strategy.added")
    assert event.visibility == "shared"
    assert event.item_type == "strategy_entry"
    assert event.changes["text"] == [None, "Double online revenue"]
    assert event.changes["kind"] == [None, "goal"]


def test_without_javascript_adding_redirects_back_to_the_section(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/strategy"),
        data={"kind": "challenge", "text": "Too few engineers", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/plan#strategy-challenge")
    page = client.get(url(world, "/plan"))
    assert "Added “Too few engineers” to challenges." in page.text
    assert texts(session, world, "challenge") == ["Too few engineers"]


def test_a_goal_needs_a_horizon_and_other_kinds_keep_none(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/strategy"),
        data={"kind": "goal", "text": "Enter Asia", "detail": "Two markets first"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Choose by when this goal should be reached." in response.text
    assert 'value="Enter Asia"' in response.text  # what was typed stays
    assert "Two markets first" in response.text
    assert texts(session, world, "goal") == []
    client.post(
        url(world, "/strategy"),
        data={"kind": "driver", "text": "Regulation", "horizon": "now"},
        headers=HTMX,
    )
    session.expire_all()
    assert session.exec(select(StrategyEntry.horizon)).one() is None


def test_focus_entries_say_how_they_land_on_our_departments(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    client.post(
        url(world, "/strategy"),
        data={
            "kind": "focus",
            "text": "Cash before growth",
            "detail": "Procurement cuts suppliers by a third",
        },
        headers=HTMX,
    )
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert "Cash before growth" in page
    assert "How this lands on the departments we work with:" in page
    assert "Procurement cuts suppliers by a third" in page


def test_bad_input_is_answered_at_the_field_with_the_text_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/strategy"),
        data={"kind": "success", "text": "", "detail": "Measured by NPS"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter the picture of success." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Measured by NPS" in response.text
    too_long = client.post(
        url(world, "/strategy"), data={"kind": "driver", "text": "x" * 501}, headers=HTMX
    )
    assert too_long.status_code == 422
    assert "Keep the strategic driver under 500 characters." in too_long.text
    control = client.post(
        url(world, "/strategy"), data={"kind": "driver", "text": "a\x00b"}, headers=HTMX
    )
    assert control.status_code == 422
    bogus = client.post(url(world, "/strategy"), data={"kind": "wish", "text": "x"}, headers=HTMX)
    assert bogus.status_code == 400
    # Without JavaScript, the whole plan page comes back with the form filled in.
    page = client.post(
        url(world, "/strategy"),
        data={"kind": "goal", "text": "Typed without JS", "csrf_token": CSRF},
    )
    assert page.status_code == 422
    assert "<html" in page.text
    assert 'value="Typed without JS"' in page.text
    assert texts(session, world, "success") == texts(session, world, "driver") == []


def test_moving_up_and_down_stays_within_the_section_and_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "A")
    add(session, world, "Other kind", kind="challenge")
    add(session, world, "B")
    c = add(session, world, "C")
    sign_in(client, session, world.members["member"])
    move = url(world, f"/strategy/{c.id}/move")
    response = client.post(move, data={"direction": "up"}, headers=HTMX)
    assert response.status_code == 200
    assert f'data-focus="move-up-strategy-{c.id}"' in response.text
    assert texts(session, world, "driver") == ["A", "C", "B"]
    client.post(move, data={"direction": "up"}, headers=HTMX)
    last = client.post(move, data={"direction": "up"}, headers=HTMX)
    assert "“C” is already first." in last.text
    assert texts(session, world, "driver") == ["C", "A", "B"]
    assert texts(session, world, "challenge") == ["Other kind"]
    moved = events(session, "strategy.moved")
    assert [e.changes["position"] for e in moved] == [[3, 2], [2, 1]]  # positions per section
    assert client.post(move, data={"direction": "sideways"}, headers=HTMX).status_code == 400


def test_removing_asks_first_and_keeps_the_row(
    client: TestClient, session: Session, world: World
) -> None:
    a = add(session, world, "A")
    add(session, world, "B")
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert 'hx-confirm="Remove “A” from strategic drivers?"' in page
    assert 'data-confirm="Remove “A” from strategic drivers?"' in page
    response = client.post(url(world, f"/strategy/{a.id}/remove"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200
    assert "Removed “A”." in response.text
    assert texts(session, world, "driver") == ["B"]
    session.expire_all()
    removed = session.get(StrategyEntry, a.id)
    assert removed is not None
    assert removed.removed_at is not None
    assert events(session, "strategy.removed")[0].changes["text"] == ["A", None]
    assert client.get(url(world, f"/strategy/{a.id}/edit")).status_code == 404
    assert (
        client.post(
            url(world, f"/strategy/{a.id}/remove"), data=CONFIRMATION, headers=HTMX
        ).status_code
        == 404
    )


def test_editing_saves_and_is_audited(client: TestClient, session: Session, world: World) -> None:
    goal = add(session, world, "Grow", kind="goal", horizon="now")
    sign_in(client, session, world.members["sponsor"])
    form = client.get(url(world, f"/strategy/{goal.id}/edit"))
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.text
    assert "Edit goal" in form.text
    response = client.post(
        url(world, f"/strategy/{goal.id}"),
        data={"text": "Grow by 20%", "horizon": "later", "version": "1", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/plan#strategy-goal")
    session.expire_all()
    saved = session.get(StrategyEntry, goal.id)
    assert saved is not None
    assert (saved.text, saved.horizon, saved.version) == ("Grow by 20%", "later", 2)
    (event,) = events(session, "strategy.updated")
    assert event.changes == {"text": ["Grow", "Grow by 20%"], "horizon": ["now", "later"]}
    assert event.visibility == "shared"
    bad = client.post(
        url(world, f"/strategy/{goal.id}"),
        data={"text": "Keep this", "horizon": "someday", "version": "2", "csrf_token": CSRF},
    )
    assert bad.status_code == 422
    assert 'value="Keep this"' in bad.text
    assert "Choose by when this goal should be reached." in bad.text


def test_a_stale_edit_is_refused_naming_who_changed_it_and_keeps_the_typed_text(
    client: TestClient, session: Session, world: World
) -> None:
    entry = add(session, world, "Original", kind="challenge")
    sign_in(client, session, world.members["sponsor"])
    first = client.post(
        url(world, f"/strategy/{entry.id}"),
        data={"text": "Sponsor's wording", "version": "1", "csrf_token": CSRF},
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["member"])
    stale = client.post(
        url(world, f"/strategy/{entry.id}"),
        data={"text": "Member's wording", "version": "1", "csrf_token": CSRF},
    )
    assert stale.status_code == 409
    assert f"{world.members['sponsor'].email} changed this meanwhile" in stale.text
    assert 'value="Member&#39;s wording"' in stale.text  # what they typed is still in the form
    assert "Sponsor&#39;s wording" in stale.text  # next to what is saved now
    assert 'name="version" value="2"' in stale.text
    assert texts(session, world, "challenge") == ["Sponsor's wording"]


def test_a_move_does_not_make_an_open_edit_stale(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "A")
    b = add(session, world, "B")
    sign_in(client, session, world.members["sponsor"])
    client.post(url(world, f"/strategy/{b.id}/move"), data={"direction": "up"}, headers=HTMX)
    response = client.post(
        url(world, f"/strategy/{b.id}"),
        data={"text": "B, reworded", "version": "1", "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert texts(session, world, "driver") == ["B, reworded", "A"]


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_nobody_else_writes_the_clients_strategy(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    entry = add(session, world, "The client's own words")
    sign_in(client, session, world.members[role])
    data = {"kind": "driver", "text": "Rewritten", "version": "1", "direction": "down"}
    assert client.get(url(world, f"/strategy/{entry.id}/edit")).status_code == 403
    for path in (
        "/strategy",
        f"/strategy/{entry.id}",
        f"/strategy/{entry.id}/move",
        f"/strategy/{entry.id}/remove",
    ):
        assert client.post(url(world, path), data=data, headers=HTMX).status_code == 403, path
    assert texts(session, world, "driver") == ["The client's own words"]
    assert len(events(session, "strategy.added")) == 1


def test_another_accounts_entry_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert plan is not None
    elsewhere = service.create(
        session, actor=world.admin, plan=plan, values=StrategyValues(kind="driver", text="Theirs")
    )
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    for path in (f"/strategy/{elsewhere.id}/move", f"/strategy/{elsewhere.id}/remove"):
        assert (
            client.post(url(world, path), data={"direction": "up"}, headers=HTMX).status_code == 404
        )
    assert client.get(url(world, f"/strategy/{elsewhere.id}/edit")).status_code == 404


def test_empty_states_tell_each_side_what_is_going_on(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    vendor = client.get(url(world, "/plan")).text
    assert "The client has not described its goals yet." in vendor
    assert "The client has not described what top management is focused on yet." in vendor
    assert "The client has not said yet what you need to do to succeed with them." in vendor
    assert "Add a goal" not in vendor
    sign_in(client, session, world.members["viewer"])
    viewer = client.get(url(world, "/plan")).text
    assert "Your organisation has not described its goals yet." in viewer
    assert "Add a goal" not in viewer
    sign_in(client, session, world.members["sponsor"])
    writer = client.get(url(world, "/plan")).text
    assert "No goals yet." in writer
    for label in (
        "Add a goal",
        "Add a strategic driver",
        "Add what top management is focused on",
        "Add a challenge",
        "Add what success looks like",
        "Add what the vendor needs to do",
    ):
        assert label in writer


def test_advice_is_written_here_and_shown_with_the_value(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(
        url(world, "/strategy"),
        data={"kind": "advice", "text": "Bring ideas before we ask"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="value"' in response.text  # the value section is what changed
    assert 'id="strategy"' not in response.text
    assert "Bring ideas before we ask" in response.text
    no_js = client.post(
        url(world, "/strategy"),
        data={"kind": "advice", "text": "Answer within a day", "csrf_token": CSRF},
    )
    assert no_js.headers["location"] == url(world, "/plan#value-advice")
    sign_in(client, session, world.members["team"])
    page = client.get(url(world, "/plan")).text
    value = page[page.index('id="value"') :]
    assert "What you need to do to succeed with us" in value
    assert "Bring ideas before we ask" in value
    assert "Answer within a day" in value


def test_the_plan_page_loads_the_strategy_in_one_query_whatever_its_size(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add(session, world, "Only one")
    sign_in(client, session, world.members["sponsor"])
    client.get(url(world, "/plan"))  # warm up (session touch, caches)
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    assert sum("strategy_entry" in s for s in count_queries.statements) == 1
    for kind in StrategyKind:
        for i in range(8):
            add(session, world, f"{kind.value} {i}", kind=kind.value, horizon="now")
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert len(re.findall(r'class="strategy-entry"', page.text)) == 1 + 8 * len(StrategyKind)
    assert count_queries.count == few
    assert few <= 10


def test_a_section_swapped_alone_leaves_a_waiting_notice_for_the_next_page(
    client: TestClient, session: Session, world: World
) -> None:
    """A flash waits for the next whole page; a partial file htmx swaps in shows none and must
    not take it (``app.kit.pages.render``)."""
    sign_in(client, session, world.members["sponsor"])
    plain = {"kind": "challenge", "text": "Too few engineers", "csrf_token": CSRF}
    assert client.post(url(world, "/strategy"), data=plain).status_code == 303
    swapped = client.post(
        url(world, "/strategy"),
        data={"kind": "goal", "text": "Double online revenue", "horizon": "next"},
        headers=HTMX,
    )
    assert swapped.status_code == 200
    assert "set-cookie" not in swapped.headers
    assert "Added “Too few engineers” to challenges." in client.get(url(world, "/plan")).text
