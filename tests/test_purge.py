"""The purge: spent idempotency keys (older than a day), settled webhook deliveries older than
the retention (never a pending one), spent API rate windows and expired import drafts go; what
is still of use stays. Daily through the scheduler (once across instances) and on demand
through ``jointplan purge``."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from app import cli
from app.config import Settings
from app.db import Database
from app.models import (
    ApiRateWindow,
    ApiToken,
    IdempotencyKey,
    ImportDraft,
    ImportKind,
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from app.purge import service as purge
from app.reminders.scheduler import Scheduler
from tests.factories import World

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _rows(session: Session, world: World, now: datetime) -> dict[str, list[Any]]:
    """Of each kind, one row past its retention and one still of use (by name)."""
    lead = world.members["lead"]
    admin = world.admin
    assert lead.id is not None
    assert admin.id is not None
    token = ApiToken(user_id=lead.id, name="t", token_hash="a" * 64, prefix="jp_a")
    token.expires_at = now + DAY
    endpoint = WebhookEndpoint(
        workspace_id=world.workspace.id,  # type: ignore[arg-type]
        owner_id=admin.id,
        url="https://hooks.example/in",
        secret_sealed="sealed",
    )
    session.add_all([token, endpoint])
    session.flush()
    assert token.id is not None
    assert endpoint.id is not None

    def key(name: str, age: timedelta) -> IdempotencyKey:
        return IdempotencyKey(
            token_id=token.id,  # type: ignore[arg-type]
            key=name,
            request_hash="h",
            status_code=201,
            created_at=now - age,
        )

    def delivery(verb: str, status: str, age: timedelta) -> WebhookDelivery:
        return WebhookDelivery(
            endpoint_id=endpoint.id,  # type: ignore[arg-type]
            account_id=world.account.id,  # type: ignore[arg-type]
            verb=verb,
            body="{}",
            status=status,
            created_at=now - age,
        )

    def draft(name: str, age: timedelta) -> ImportDraft:
        return ImportDraft(
            kind=ImportKind.ACCOUNTS,
            workspace_id=world.workspace.id,  # type: ignore[arg-type]
            uploader_id=admin.id,  # type: ignore[arg-type]
            file_name=name,
            created_at=now - age,
        )

    minute = int(now.timestamp() // 60)
    rows: dict[str, list[Any]] = {
        "gone": [
            key("old", DAY + HOUR),
            delivery("sent", OutboxStatus.SENT, timedelta(days=31)),
            delivery("failed", OutboxStatus.FAILED, timedelta(days=31)),
            ApiRateWindow(token_hash="b" * 64, minute=minute - 2, count=9),
            draft("old.csv", DAY + HOUR),
        ],
        "kept": [
            key("fresh", DAY - HOUR),
            delivery("recent", OutboxStatus.SENT, timedelta(days=29)),
            delivery("pending", OutboxStatus.PENDING, timedelta(days=31)),
            ApiRateWindow(token_hash="c" * 64, minute=minute, count=3),
            draft("fresh.csv", DAY - HOUR),
        ],
    }
    session.add_all(rows["gone"] + rows["kept"])
    session.commit()
    return rows


def _left(session: Session) -> set[str]:
    session.expire_all()
    kinds: list[tuple[type[SQLModel], str]] = [
        (IdempotencyKey, "key"),
        (WebhookDelivery, "verb"),
        (ApiRateWindow, "count"),
        (ImportDraft, "file_name"),
    ]
    return {
        f"{model.__name__}:{getattr(row, field)}"
        for model, field in kinds
        for row in session.exec(select(model)).all()
    }


KEPT = {
    "IdempotencyKey:fresh",
    "WebhookDelivery:recent",
    "WebhookDelivery:pending",
    "ApiRateWindow:3",
    "ImportDraft:fresh.csv",
}
GONE = {
    "IdempotencyKey:old",
    "WebhookDelivery:sent",
    "WebhookDelivery:failed",
    "ApiRateWindow:9",
    "ImportDraft:old.csv",
}


def test_a_purge_deletes_what_is_past_its_retention_and_keeps_the_rest(
    session: Session, world: World
) -> None:
    now = utcnow()
    _rows(session, world, now)
    before = _left(session)
    assert before > KEPT

    report = purge.run(session, now=now, settings=Settings())
    session.commit()

    after = _left(session)
    assert after >= KEPT
    assert not after & GONE
    assert before >= GONE
    assert (report.idempotency_keys, report.webhook_deliveries) == (1, 2)
    assert (report.rate_windows, report.import_drafts) == (1, 1)
    assert purge.run(session, now=now, settings=Settings()).total == 0  # nothing left to do


def test_the_retention_of_webhook_deliveries_is_a_setting(session: Session, world: World) -> None:
    now = utcnow()
    _rows(session, world, now)
    purge.run(session, now=now, settings=Settings(webhook_retention_days=7))
    session.commit()
    assert "WebhookDelivery:recent" not in _left(session)
    assert "WebhookDelivery:pending" in _left(session)


def test_the_scheduler_purges_once_a_day_across_instances(
    session: Session, world: World, db: Database
) -> None:
    now = utcnow()
    _rows(session, world, now)
    daily = {"purge": purge.run_job}
    first, second = Scheduler(db, Settings(), daily), Scheduler(db, Settings(), daily)

    ran = first.run_daily()
    assert isinstance(ran["purge"], purge.Report)
    assert ran["purge"].total == 5
    assert _left(session) & KEPT == KEPT
    assert second.run_daily() == {}  # today's purge is done, on whichever instance ran it


def test_jointplan_purge_runs_it_now(
    session: Session,
    world: World,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _rows(session, world, utcnow())
    monkeypatch.setattr(cli, "_db", lambda settings: nullcontext(db))
    monkeypatch.setattr(cli, "database_problem", lambda settings: "")

    assert cli.main(["purge"]) == 0

    assert "Purged 1 idempotency key(s), 2 webhook deliveries" in capsys.readouterr().out
    assert _left(session) & KEPT == KEPT
    assert "IdempotencyKey:old" not in _left(session)
