"""Live updates (app/live): the durable event table and its numbering per audience, the event
stream (replay, too-old events, the cap, revocation at the heartbeat), presence, and the section
route the page fetches. Streams are read from a real server on a committed database."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
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
from app.live import stream as live_stream
from app.live.broker import Broker, Subscriber
from app.live.repository import Sent
from app.models import LiveEvent, Membership, Plan, User, UserSession, utcnow
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.tokens import token_hash
from tests import factories
from tests.conftest import BACKEND
from tests.factories import World
from tests.live import LiveServer, reset_database
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
    # Recorded via constants.
    found |= {"scorecard_attribute", "account_score", "workspace", "attachment"}
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
        "attachments",  # resolved, like comments, to the section of the item the file is on
        "agreement",
        "key-account",
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
    # Every stream a test opened, closed when it ends (an open one keeps the server's shutdown
    # waiting for its next heartbeat).
    opened: list[StreamReader] = field(default_factory=list)

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
        return self.stream_with(self.cookies(role), last_event_id)

    def stream_with(
        self, cookies: dict[str, str], last_event_id: str | None = None
    ) -> StreamReader:
        url = f"{self.server.url}/accounts/{self.account_id}/events"
        reader = StreamReader(url, cookies, last_event_id).start()
        self.opened.append(reader)
        return reader

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
        scene = Scene(live_server, world.account.id, dict(world.members) | {"admin": world.admin})
        yield scene
    for reader in scene.opened:
        reader.close()


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
    other = scene.stream("lead", last_event_id="c1")
    assert other.next(kind="reload").id.startswith("v")  # type: ignore[union-attr]
    stream.close()
    other.close()


def test_a_persons_own_change_is_marked_as_theirs(scene: Scene) -> None:
    own, other = scene.stream("sponsor"), scene.stream("lead")
    scene.change(add_priority("Mine", by="sponsor"))
    seen_by_other, seen_by_self = json.loads(other.next().data), json.loads(own.next().data)
    assert seen_by_other["by"] == seen_by_self["by"] == scene.people["sponsor"].display_name
    assert (seen_by_other["mine"], seen_by_self["mine"]) == (False, True)
    own.close()
    other.close()


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


# --- Resuming from the page, the session's idleness, failing closed, the slot, the broker ------


def _rendered_stream_url(scene: Scene, cookies: dict[str, str]) -> str:
    page = httpx.get(f"{scene.server.url}/accounts/{scene.account_id}/plan", cookies=cookies)
    assert page.status_code == 200
    found = re.search(r'sse-connect="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("role", "side"), [("sponsor", "c"), ("lead", "v")])
def test_a_change_committed_between_the_page_and_its_stream_is_replayed(
    scene: Scene, role: str, side: str
) -> None:
    scene.change(add_priority("Before the page"))
    cookies = scene.cookies(role)
    path = _rendered_stream_url(scene, cookies)
    rendered = path.rsplit("after=", 1)[1]
    assert rendered.startswith(side)
    scene.change(add_priority("While the stream connects"))
    stream = StreamReader(f"{scene.server.url}{path}", cookies).start()
    replayed = stream.next()
    assert replayed.id == f"{side}{int(rendered[1:]) + 1}"
    assert json.loads(replayed.data)["section"] == "priorities"
    assert [m for m in stream.drain() if m.event == "section"] == []  # once
    stream.close()


def _last_seen(scene: Scene, cookies: dict[str, str]) -> datetime:
    with scene.server.db.session() as session:
        found = session.get(UserSession, token_hash(cookies[sessions.SESSION_COOKIE]))
        assert found is not None
        return found.last_seen_at


def test_live_requests_do_not_count_as_the_persons_activity(scene: Scene) -> None:
    cookies = scene.cookies("sponsor")
    idle_since = utcnow() - timedelta(minutes=5)
    with scene.server.db.session() as session:
        session.execute(
            sa.update(UserSession)
            .where(col(UserSession.id) == token_hash(cookies[sessions.SESSION_COOKIE]))
            .values(last_seen_at=idle_since)
        )
        session.commit()
    stream = scene.stream_with(cookies)
    presence = f"{scene.server.url}/accounts/{scene.account_id}/presence"
    assert httpx.get(presence, cookies=cookies).status_code == 200
    section = f"{scene.server.url}/accounts/{scene.account_id}/plan/sections/priorities"
    assert httpx.get(section, cookies=cookies, headers={"HX-Request": "true"}).status_code == 200
    stream.wait_until(lambda: any(line.startswith(": heartbeat") for line in stream.raw))
    stream.close()
    assert _last_seen(scene, cookies) == idle_since
    # A page the person opens does count (the same touch, so the check above can fail).
    httpx.get(f"{scene.server.url}/accounts/{scene.account_id}/plan", cookies=cookies)
    stream.wait_until(lambda: _last_seen(scene, cookies) > idle_since)


def test_a_stream_whose_check_cannot_be_made_ends(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = scene.stream("sponsor")
    assert stream.status == 200

    def broken(*args: object) -> bool:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("the database is away"))

    monkeypatch.setattr(live_stream, "still_allowed", broken)
    assert stream.ended.wait(HEARTBEAT * 2 + 2), "the stream outlived a failed check"


def _stream_scope(scene: Scene, cookies: dict[str, str]) -> dict[str, object]:
    path = f"/accounts/{scene.account_id}/events"
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


def test_a_stream_slot_is_given_back_when_the_answer_fails_before_its_body(
    scene: Scene,
) -> None:
    broker: Broker = scene.server.app.state.live
    stream = scene.stream("lead")
    stream.close()
    stream.wait_until(lambda: broker.open_streams == 0)  # a stream that ran gives it back
    sent: list[str] = []

    async def receive() -> dict[str, object]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(str(message["type"]))
        if message["type"] == "http.response.start":
            raise OSError("the client is gone")

    app = scene.server.app
    with contextlib.suppress(Exception):
        asyncio.run(app(_stream_scope(scene, scene.cookies("sponsor")), receive, send))  # type: ignore[arg-type]
    assert sent[:1] == ["http.response.start"]
    assert broker.open_streams == 0


def test_a_read_started_while_a_stream_subscribes_goes_on_from_where_the_numbering_stood(
    scene: Scene,
) -> None:
    for title in ("One", "Two"):
        scene.change(add_priority(title))
    broker = Broker(scene.server.db, scene.server.settings)
    read = broker.run_db

    async def heard_meanwhile(work: Any, *, writes: bool = False) -> Any:
        broker.wake(scene.account_id)  # a notice arrives while the numbering is read
        return await read(work, writes=writes)

    async def subscribe() -> Subscriber:
        broker.run_db = heard_meanwhile  # type: ignore[method-assign]
        subscriber = await broker.subscribe(scene.account_id, vendor=True)
        broker.run_db = read  # type: ignore[method-assign]
        await asyncio.sleep(0.5)  # any read the notice started is done
        await broker.stop()
        return subscriber

    subscriber = asyncio.run(subscribe())
    queued = [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]
    assert [item for item in queued if isinstance(item, Sent)] == []  # not from the first event


def test_presence_changes_waiting_in_a_streams_queue_are_told_once(scene: Scene) -> None:
    """A page opened by many at once: each stream is told "look again" once, not once each."""
    broker = Broker(scene.server.db, scene.server.settings)

    async def hear() -> list[int]:
        subscriber = await broker.subscribe(scene.account_id, vendor=False)
        sizes = []
        for _ in range(3):
            broker.hear_presence(scene.account_id, "plan")
        sizes.append(subscriber.queue.qsize())
        subscriber.took(subscriber.queue.get_nowait())
        broker.hear_presence(scene.account_id, "plan")  # after it took the first: told again
        sizes.append(subscriber.queue.qsize())
        await broker.stop()
        return sizes

    assert asyncio.run(hear()) == [1, 1]


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's NOTIFY")
def test_an_event_is_announced_by_its_own_insert_on_commit(live_engine: sa.Engine) -> None:
    """The notice rides on the event's INSERT (no statement of its own): ``e:<account>:<seq>``
    for each event, delivered when the transaction commits, not before."""
    import psycopg

    reset_database(live_engine)
    url = live_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {events.CHANNEL}")
        with Database(live_engine).session() as session:
            admin = factories.make_user(
                session, workspace=factories.make_workspace(session), admin=True
            )
            account = factories.make_account(session, admin=admin)
            assert account.id is not None
            plan = plans_repo.current(session, account_id=account.id)
            assert plan is not None
            for title in ("First", "Second"):
                priorities.create(session, actor=admin, plan=plan, values=PriorityValues(title))
            assert list(listener.notifies(timeout=0.2)) == []  # not before the commit
            session.commit()
            seqs = [r.seq for r in _live_events(session, account.id)]
        heard = [n.payload for n in listener.notifies(timeout=2, stop_after=len(seqs))]
    assert len(seqs) >= 2  # the account's own creation may have some too
    assert heard == [events.notice(account.id, seq) for seq in seqs]


@pytest.mark.parametrize(
    ("value", "vendor", "expected"),
    [
        (None, True, None),
        ("v12", True, 12),
        ("c12", False, 12),
        ("c12", True, -1),  # a client's numbering, asked by a vendor stream: not its id
        ("v", True, -1),
        ("v\u00b2", True, -1),  # a digit to str.isdigit, not to int: it was a 500
        ("vx1", True, -1),
    ],
)
def test_a_last_event_id_is_read_as_one_of_the_audiences_ids_or_refused(
    value: str | None, vendor: bool, expected: int | None
) -> None:
    watcher = live_stream.Watcher("t", 1, 2, vendor)
    assert live_stream.parse_last_id(value, watcher) == expected
