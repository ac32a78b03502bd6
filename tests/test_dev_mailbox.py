"""Without SMTP, development keeps sent mail on /dev/mailbox so the demo works end to end."""

import re

from fastapi import FastAPI
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.config import Settings
from app.mail.dispatcher import MailDispatcher
from app.main import create_app
from app.models import OutboxMessage, OutboxStatus
from tests.conftest import RollbackDatabase
from tests.factories import World


def _dev_app(db: RollbackDatabase) -> tuple[FastAPI, Settings]:
    settings = Settings(
        environment="development", base_url="http://testserver", secret_key="d" * 64, smtp_host=""
    )
    return create_app(settings, db, run_mailer=False), settings


def test_sent_mail_shows_with_its_link(
    db: RollbackDatabase, session: Session, world: World
) -> None:
    app, settings = _dev_app(db)
    assert MailDispatcher(db, settings).deliver_due() >= 1
    with TestClient(app) as client:
        page = client.get("/dev/mailbox")
    assert page.status_code == 200
    links = re.findall(r'<a href="(http://testserver/invitations/[^"]+)">', page.text)
    assert links, "the invitation link is clickable"
    sent = session.exec(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
    ).all()
    assert {m.transport for m in sent} == {"dev-mailbox"}


def test_the_mailbox_does_not_exist_outside_development(client: TestClient, world: World) -> None:
    assert client.get("/dev/mailbox").status_code == 404


def test_the_mailbox_does_not_exist_when_smtp_is_configured(db: RollbackDatabase) -> None:
    settings = Settings(
        environment="development", secret_key="d" * 64, smtp_host="127.0.0.1", smtp_port=2525
    )
    with TestClient(create_app(settings, db, run_mailer=False)) as client:
        assert client.get("/dev/mailbox").status_code == 404
