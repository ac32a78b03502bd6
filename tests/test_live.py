"""Live updates (app/live): the durable event table and its numbering per audience, the event
stream (replay, too-old events, the cap, revocation at the heartbeat), presence, and the section
route the page fetches. Streams are read from a real server on a committed database."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

import app
from app.accounts import service as accounts
from app.auth import sessions
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.config import Settings
from app.db import Database, run_after_commit
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.kit.clock import clock
from app.kit.versioned import Trail
from app.live import events
from app.models import LiveEvent, Membership, Plan, User
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests import factories
from tests.factories import World
from tests.live import LiveServer
from tests.livestreams import StreamReader

HEARTBEAT = 0.3


# --- The event table ------------------------------------------------------------------------


def _recorded_item_types() -> set[str]:
    """Every item type the app's services record: their trails, and literal ``item_type=``."""
    found: set[str] = set()
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        module = importlib.import_module(module_info.name)
        found |= {v.item_type for v in vars(module).values() if isinstance(v, Trail)}
    for path in Path(app.__path__[0]).rglob("*.py"):
        found |= set(re.findall(r'item_type="([a-z_]+)"', path.read_text()))
    found |= {"scorecard_attribute", "account_score", "workspace"}  # recorded via constants
    return found


def test_every_recorded_item_type_has_its_section() -> None:
    recorded = _recorded_item_types()
    assert {"priority", "comment", "initiative", "action", "plan", "value_rating"} <= recorded
    assert recorded - set(events.SECTIONS) == set()
    assert set(events.SECTIONS.values()) - {None} <= {
        "strategy",
        "priorities",
        "value",
        "initiatives",
        "actions",
        "comments",
        "agreement",
        events.WORKSPACE,
    }


def _plan(session: Session, account_id: int) -> Plan:
    plan = plans_repo.current(session, account_id=account_id)
    assert plan is not None
    return plan


def _live_events(session: Session, account_id: int) -> list[LiveEvent]:
    return list(
        session.exec(
            select(LiveEvent).where(LiveEvent.account_id == account_id).order_by(LiveEvent.seq)
        ).all()
    )


def _changes(session: Session, world: World) -> None:
    """A shared priority, a draft initiative, a team-only comment and a shared comment."""
    assert world.account.id is not None
    plan = _plan(session, world.account.id)
    sponsor, lead = world.members["sponsor"], world.members["lead"]
    priority = priorities.create(
        session, actor=sponsor, plan=plan, values=PriorityValues(title="Grow in Asia")
    )
    initiatives.create(session, actor=lead, plan=plan, values=InitiativeValues(title="Draft"))
    assert priority.id is not None
    target = comments_repo.find_target(
        session, account_id=world.account.id, item_type="priority", item_id=priority.id
    )
    assert target is not None
    for team_only, body in ((True, "Between us"), (False, "For everyone")):
        comments.add(session, actor=lead, target=target, body=body, team_only=team_only, people=[])


def test_events_are_numbered_per_audience_and_internal_ones_have_no_shared_number(
    session: Session, world: World
) -> None:
    assert world.account.id is not None
    before = _live_events(session, world.account.id)
    _changes(session, world)
    rows = _live_events(session, world.account.id)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    shared = [r.shared_seq for r in rows if r.shared_seq is not None]
    assert shared == list(range(1, len(shared) + 1))  # no gap where an internal event is
    new = rows[len(before) :]
    assert [(r.section, r.visibility, r.shared_seq is None) for r in new] == [
        ("priorities", "shared", False),
        ("initiatives", "internal", True),
        ("priorities", "internal", True),
        ("priorities", "shared", False),
    ]
    assert new[0].actor_name == world.members["sponsor"].display_name
    other = _live_events(session, world.other_account.id or 0)
    assert all(r.account_id == world.other_account.id for r in other)


def test_prune_keeps_each_accounts_latest_events(session: Session, world: World) -> None:
    assert world.account.id is not None
    _changes(session, world)
    clock.set(clock.now() + timedelta(days=3))
    events.prune(session, keep_hours=24)
    rows = _live_events(session, world.account.id)
    # The latest event (internal: no shared number) and the latest shared one stay.
    assert [(r.seq, r.shared_seq is not None) for r in rows][-1][0] == max(r.seq for r in rows)
    assert any(r.shared_seq is not None for r in rows)
    assert len(rows) == 1 or len(rows) == 2


# --- Streams from a real server ---------------------------------------------------------------


@pytest.fixture
def live_settings(live_settings: Settings) -> Settings:
    live_settings.live_heartbeat_seconds = HEARTBEAT
    return live_settings


@dataclass
class Scene:
    server: LiveServer
    account_id: int
    people: dict[str, User]

    def cookies(self, role: str) -> dict[str, str]:
        with self.server.db.session() as session:
            token = sessions.start(
                session,
                user=self.people[role],
                ip="127.0.0.1",
                user_agent="pytest",
                settings=self.server.settings,
            )
            session.commit()
        return {sessions.SESSION_COOKIE: token}

    def stream(self, role: str, last_event_id: str | None = None) -> StreamReader:
        url = f"{self.server.url}/accounts/{self.account_id}/events"
        return StreamReader(url, self.cookies(role), last_event_id).start()

    def change(self, work: object) -> None:
        """Make a change through the services and commit it as a request would."""
        db: Database = self.server.db
        with db.session() as session:
            work(session, self)  # type: ignore[operator]
            session.commit()
        run_after_commit(session)


@pytest.fixture
def scene(live_server: LiveServer) -> Iterator[Scene]:
    with live_server.db.session() as session:
        world = factories.build_world(session)
        session.commit()
        assert world.account.id is not None
        yield Scene(live_server, world.account.id, dict(world.members) | {"admin": world.admin})


def add_priority(title: str, by: str = "member") -> object:
    """A client contributor adds a priority (the member: the streams watched are other
    people's, since a person's own change is not announced back to them)."""

    def work(session: Session, scene: Scene) -> None:
        plan = _plan(session, scene.account_id)
        person = session.get(User, scene.people[by].id)
        assert person is not None
        priorities.create(session, actor=person, plan=plan, values=PriorityValues(title=title))

    return work


def internal_changes(session: Session, scene: Scene) -> None:
    """A draft initiative and a team-only comment on it (both internal)."""
    plan = _plan(session, scene.account_id)
    lead = session.get(User, scene.people["lead"].id)
    assert lead is not None
    draft = initiatives.create(
        session, actor=lead, plan=plan, values=InitiativeValues(title="Secret draft")
    )
    assert draft.id is not None
    target = comments_repo.find_target(
        session, account_id=scene.account_id, item_type="initiative", item_id=draft.id
    )
    assert target is not None
    comments.add(session, actor=lead, target=target, body="Team only", team_only=True, people=[])


def test_a_client_stream_gets_shared_events_only_without_gaps(scene: Scene) -> None:
    client, vendor = scene.stream("sponsor"), scene.stream("lead")
    assert client.status == 200
    assert client.headers["content-type"].startswith("text/event-stream")
    scene.change(add_priority("First"))
    first = client.next()
    data = json.loads(first.data)
    assert set(data) == {"section", "item", "event", "by", "mine"}
    assert data["mine"] is False
    assert data["section"] == "priorities"
    assert data["by"] == scene.people["member"].display_name
    assert first.id is not None
    assert first.id.startswith("c")
    scene.change(internal_changes)
    scene.change(add_priority("Second"))
    second = client.next()
    assert int(second.id[1:]) == int(first.id[1:]) + 1  # type: ignore[index]
    assert [m for m in client.drain() if m.event == "section"] == []
    assert "Secret draft" not in "\n".join(client.raw)
    assert [m.event for m in client.seen if m.event == "section"] == ["section", "section"]
    # The vendor side was told of all four (every event, its own numbering).
    got = [vendor.next() for _ in range(4)]
    assert [json.loads(m.data)["section"] for m in got] == [
        "priorities",
        "initiatives",
        "initiatives",
        "priorities",
    ]
    assert [m.id for m in got] == [f"v{int(got[0].id[1:]) + i}" for i in range(4)]  # type: ignore[index]
    client.close()
    vendor.close()


def test_events_committed_by_another_process_arrive_too(scene: Scene) -> None:
    """Another worker process (or instance) committed: nothing in this process was called."""
    stream = scene.stream("sponsor")
    elsewhere = Database(scene.server.db.engine)  # its own ``on_live_event``: none
    with elsewhere.session() as session:
        add_priority("From elsewhere")(session, scene)  # type: ignore[operator]
        session.commit()
    assert json.loads(stream.next().data)["section"] == "priorities"
    stream.close()


def test_a_reconnecting_stream_gets_what_it_missed_once(scene: Scene) -> None:
    first = scene.stream("sponsor")
    scene.change(add_priority("Seen"))
    seen = first.next()
    first.close()
    scene.change(add_priority("Missed one"))
    scene.change(internal_changes)
    scene.change(add_priority("Missed two"))
    again = scene.stream("sponsor", last_event_id=seen.id)
    replayed = [again.next(), again.next()]
    number = int(seen.id[1:])  # type: ignore[index]
    assert [m.id for m in replayed] == [f"c{number + 1}", f"c{number + 2}"]
    scene.change(add_priority("Live again"))
    assert again.next().id == f"c{number + 3}"  # once: not again from the broker
    assert [m for m in again.drain() if m.event == "section"] == []
    again.close()


def test_a_stream_asking_for_events_no_longer_kept_is_told_to_reload(scene: Scene) -> None:
    for title in ("One", "Two", "Three"):
        scene.change(add_priority(title))
    clock.set(clock.now() + timedelta(days=3))
    scene.change(add_priority("Four"))
    with scene.server.db.session() as session:
        events.prune(session, keep_hours=24)
        session.commit()
    stream = scene.stream("sponsor", last_event_id="c1")
    reload = stream.next(kind="reload")
    assert reload.id is not None
    assert reload.id.startswith("c")
    # An id of the other side's numbering (or a made-up one) is not replayed either.
    assert scene.stream("lead", last_event_id="c1").next(kind="reload").id.startswith("v")  # type: ignore[union-attr]
    stream.close()


def test_a_persons_own_change_is_marked_as_theirs(scene: Scene) -> None:
    own, other = scene.stream("sponsor"), scene.stream("lead")
    scene.change(add_priority("Mine", by="sponsor"))
    seen_by_other, seen_by_self = json.loads(other.next().data), json.loads(own.next().data)
    assert seen_by_other["by"] == seen_by_self["by"] == scene.people["sponsor"].display_name
    assert (seen_by_other["mine"], seen_by_self["mine"]) == (False, True)


def test_beyond_the_cap_streams_are_refused_with_retry_after(scene: Scene) -> None:
    scene.server.settings.live_max_streams = 1
    first = scene.stream("sponsor")
    assert first.status == 200
    refused = httpx.get(
        f"{scene.server.url}/accounts/{scene.account_id}/events", cookies=scene.cookies("lead")
    )
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) > 0
    first.close()
    first.ended.wait(5)
    scene.server.settings.live_max_streams = 5000


def _revoke_session(scene: Scene, cookies: dict[str, str]) -> None:
    with scene.server.db.session() as session:
        sessions.end(session, token=cookies[sessions.SESSION_COOKIE])
        session.commit()


def _remove_member(scene: Scene, cookies: dict[str, str]) -> None:
    with scene.server.db.session() as session:
        membership = session.exec(
            select(Membership).where(
                Membership.account_id == scene.account_id,
                Membership.user_id == scene.people["sponsor"].id,
                col(Membership.removed_at).is_(None),
            )
        ).one()
        admin = session.get(User, scene.people["admin"].id)
        assert admin is not None
        accounts.remove(session, actor=admin, membership=membership)
        session.commit()


def _disable(scene: Scene, cookies: dict[str, str]) -> None:
    with scene.server.db.session() as session:
        user = session.get(User, scene.people["sponsor"].id)
        assert user is not None
        user.is_disabled = True
        session.add(user)
        session.commit()


@pytest.mark.parametrize("revoke", [_revoke_session, _remove_member, _disable])
def test_a_revoked_stream_closes_within_a_heartbeat(scene: Scene, revoke: object) -> None:
    url = f"{scene.server.url}/accounts/{scene.account_id}/events"
    cookies = scene.cookies("sponsor")
    stream = StreamReader(url, cookies).start()
    assert stream.status == 200
    stream.wait_until(lambda: any(line.startswith(": heartbeat") for line in stream.raw))
    assert not stream.ended.is_set()  # heartbeats keep it open
    revoke(scene, cookies)  # type: ignore[operator]
    assert stream.ended.wait(HEARTBEAT * 2 + 2), "the stream outlived its session"


def test_presence_names_who_else_has_the_plan_open(scene: Scene) -> None:
    lead = scene.stream("lead")
    page = f"{scene.server.url}/accounts/{scene.account_id}/presence"
    cookies = scene.cookies("sponsor")
    assert "Also here" not in httpx.get(page, cookies=scene.cookies("lead")).text
    sponsor = StreamReader(f"{scene.server.url}/accounts/{scene.account_id}/events", cookies)
    sponsor.start()
    lead.next(kind="presence")  # the lead's page is told to look again
    shown = httpx.get(page, cookies=scene.cookies("lead"))
    assert shown.status_code == 200
    sponsor_name, lead_name = (scene.people[r].display_name for r in ("sponsor", "lead"))
    assert f"Also here: {sponsor_name}" in shown.text
    assert f"Also here: {lead_name}" in httpx.get(page, cookies=cookies).text
    sponsor.close()
    sponsor.ended.wait(5)
    lead.wait_until(lambda: sponsor_name not in httpx.get(page, cookies=scene.cookies("lead")).text)
    lead.close()


def test_the_page_fetches_a_section_through_its_route(scene: Scene) -> None:
    scene.change(add_priority("Shown alone"))
    cookies = scene.cookies("viewer")
    url = f"{scene.server.url}/accounts/{scene.account_id}/plan/sections/priorities"
    answer = httpx.get(url, cookies=cookies, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'id="priorities"' in answer.text
    assert "Shown alone" in answer.text
    assert "<html" not in answer.text
    missing = httpx.get(url.replace("priorities", "nothing"), cookies=cookies)
    assert missing.status_code == 404
