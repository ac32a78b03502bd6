"""Issue 11's check of reminders: a simulated week on two app instances over one database
(each with its own engine), with a real SMTP server: every reminder and digest arrives exactly
once, at 08:00 in its recipient's time zone (Paris, New York, Tokyo), and none of a kind after
its recipient unsubscribed with the e-mail's one-click link. Every simulated hour both
instances' schedulers run at the same moment (released together), so each hour is also a race
that exactly one of them must win; halfway through, one instance restarts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import func, select

from app.config import Settings
from app.db import Database, create_db_engine
from app.kit.clock import clock
from app.main import create_app
from app.models import Delivery, JobRun, Notice
from app.notifications.service import choose
from app.reminders import jobs
from tests.live import Mailbox, reset_database
from tests.test_reminders import SUNDAY, add_action, make_scene
from tests.testclient import TestClient

NOTICE = "X-Jointplan-Notice"


def instance(url: str, settings: Settings) -> FastAPI:
    """One app instance: its own engine and pool on the shared database."""
    return create_app(settings, Database(create_db_engine(url)), run_mailer=False)


def close(app: FastAPI) -> None:
    app.state.db.dispose()


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def week_settings(mailbox: Mailbox) -> Settings:
    return Settings(
        environment="test",
        base_url="http://testserver",
        secret_key="w" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
        scheduler_seconds=0,  # the test drives both schedulers
    )


@pytest.fixture
def shared_url(live_engine: sa.Engine) -> Iterator[str]:
    reset_database(live_engine)
    yield live_engine.url.render_as_string(hide_password=False)
    reset_database(live_engine)


def local(when: datetime, zone: str) -> datetime:
    return when.astimezone(ZoneInfo(zone))


def test_a_simulated_week_on_two_instances_sends_each_notice_once_at_eight_local(
    shared_url: str, live_engine: sa.Engine, week_settings: Settings, mailbox: Mailbox
) -> None:
    with Database(live_engine).session() as session:
        scene = make_scene(session)
        add_action(session, scene, scene.lead, "Send the pricing", date(2027, 3, 10))
        add_action(session, scene, scene.sponsor, "Name the pilot sites", date(2027, 3, 9))
        add_action(session, scene, scene.sponsor, "Book the workshop", date(2027, 3, 14))
        add_action(session, scene, scene.mentor, "Review the proposal", date(2027, 3, 11))
        reminders = ("action.due_soon", "action.due_today", "action.overdue")
        choose(session, user=scene.sponsor, wanted=dict.fromkeys(reminders, Delivery.DAILY))
        session.commit()
        zones = {
            scene.lead.email: "Europe/Paris",
            scene.sponsor.email: "America/New_York",
            scene.mentor.email: "Asia/Tokyo",
        }
    a, b = instance(shared_url, week_settings), instance(shared_url, week_settings)
    a.state.mailer.deliver_due()  # the invitation and "made you the owner" e-mails: not ours
    mailbox.messages.clear()

    received: list[tuple[datetime, Message]] = []
    unsubscribed_at: datetime | None = None
    start = SUNDAY + timedelta(hours=5)  # 00:00 Sunday in New York, 06:00 in Paris
    for hour in range(7 * 24):
        now = start + timedelta(hours=hour)
        clock.set(now)
        if hour == 3 * 24:  # Wednesday 05:00 UTC: instance A restarts
            close(a)
            a = instance(shared_url, week_settings)
        ran = together([a.state.scheduler.run_due, b.state.scheduler.run_due])
        assert sum(report is not None for report in ran) == 1, now  # exactly one instance
        (a if hour % 2 else b).state.mailer.deliver_due()
        received += [(now, m) for m in mailbox.messages]
        mailbox.messages.clear()
        if unsubscribed_at is None and _digests(received, scene.sponsor.email) == 3:
            unsubscribed_at = now
            _unsubscribe(b, _last_to(received, scene.sponsor.email))

    sent = {
        person: [
            (local(when, zones[person]), m[NOTICE]) for when, m in received if m["To"] == person
        ]
        for person in zones
    }
    # Every notice e-mail at 08:00 where its recipient lives, exactly once each.
    for person, mails in sent.items():
        assert all(when.hour == 8 and when.minute == 0 for when, _ in mails), (person, mails)
    day = {
        person: [(when.strftime("%a"), kind) for when, kind in mails]
        for person, mails in sent.items()
    }
    assert day[scene.lead.email] == [
        ("Sun", "action.due_soon"),  # due Wednesday
        ("Mon", "digest.weekly"),  # the week ahead
        ("Wed", "action.due_today"),
        ("Thu", "action.overdue"),
    ]
    assert day[scene.mentor.email] == [
        ("Mon", "action.due_soon"),  # due Thursday
        ("Mon", "digest.weekly"),
        ("Thu", "action.due_today"),
        ("Fri", "action.overdue"),
    ]
    # The sponsor wants action reminders in the daily digest, and unsubscribed from it after
    # Wednesday's: nothing after that, though "Book the workshop" became due in 3 days.
    assert day[scene.sponsor.email] == [
        ("Sun", "digest.daily"),  # "Name the pilot sites" due in 2 days
        ("Mon", "digest.weekly"),
        ("Tue", "digest.daily"),  # due today
        ("Wed", "digest.daily"),  # overdue
    ]
    assert unsubscribed_at is not None
    assert local(unsubscribed_at, "America/New_York").strftime("%a %H") == "Wed 08"
    bodies = [Mailbox.body(m) for _, m in received if m["To"] == scene.sponsor.email]
    assert "Name the pilot sites" in bodies[0]
    assert "Book the workshop" in bodies[1]  # Monday's week ahead lists it (due Sunday)
    with Database(live_engine).session() as session:
        # One claimed run per slot that ran, never two.
        runs = session.exec(select(JobRun.slot).where(JobRun.job == "notices")).all()
        assert len(runs) == len(set(runs)) == 7 * 24
        assert not session.exec(
            select(Notice)
            .where(Notice.user_id == scene.sponsor.id)
            .where(
                Notice.message.contains("Book the workshop")  # type: ignore[attr-defined]
            )
        ).all()
    for app in (a, b):
        close(app)


def _digests(received: list[tuple[datetime, Message]], to: str) -> int:
    return sum(1 for _, m in received if m["To"] == to and m[NOTICE] == "digest.daily")


def _last_to(received: list[tuple[datetime, Message]], to: str) -> Message:
    return [m for _, m in received if m["To"] == to][-1]


def _unsubscribe(app: FastAPI, mail: Message) -> None:
    """What a mail client does with RFC 8058's headers: POST to the link, no cookie at all."""
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = re.fullmatch(r"<http://testserver(/unsubscribe/[\w.-]+)>", mail["List-Unsubscribe"])
    assert found
    with TestClient(app, base_url="http://testserver") as bare:
        answer = bare.post(found.group(1), content="List-Unsubscribe=One-Click")
    assert answer.status_code == 200


def test_two_schedulers_racing_give_each_reminder_once(
    shared_url: str, live_engine: sa.Engine, week_settings: Settings
) -> None:
    with Database(live_engine).session() as session:
        scene = make_scene(session)
        for n in range(5):
            add_action(session, scene, scene.lead, f"Action {n}", date(2027, 3, 8 + n % 3))
        session.commit()
    apps = [instance(shared_url, week_settings) for _ in range(2)]
    try:
        for minute in (0, 0, 15, 15, 30):  # two rounds in one slot, then the next slots
            clock.set(SUNDAY + timedelta(hours=9, minutes=minute))
            ran = together([app.state.scheduler.run_due for app in apps])
            assert sum(report is not None for report in ran) <= 1
        with Database(live_engine).session() as session:
            notices = session.exec(
                select(func.count()).select_from(Notice).where(Notice.user_id == scene.lead.id)
            ).one()
            claimed = session.exec(
                select(func.count()).select_from(JobRun).where(JobRun.job == f"day:{scene.lead.id}")
            ).one()
        assert notices == 5  # every action due within 3 days, once
        assert claimed == 1  # the lead's Sunday, handled once
    finally:
        for app in apps:
            close(app)


def test_a_run_that_fails_gives_back_its_claim(
    shared_url: str,
    live_engine: sa.Engine,
    week_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run that fails commits nothing, its claim included: the next tick runs the job."""
    with Database(live_engine).session() as session:
        scene = make_scene(session)
        add_action(session, scene, scene.lead, "Due tomorrow", date(2027, 3, 8))
        session.commit()
    app = instance(shared_url, week_settings)
    clock.set(SUNDAY + timedelta(hours=9))
    real = jobs.send_digests

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the digest broke")

    monkeypatch.setattr(jobs, "send_digests", broken)
    with pytest.raises(RuntimeError):
        app.state.scheduler.run_due()
    monkeypatch.setattr(jobs, "send_digests", real)
    report = app.state.scheduler.run_due()
    assert report is not None
    assert report.reminders == 1
    close(app)
