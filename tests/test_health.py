"""``/healthz`` and ``/readyz`` (issue 9, point 14): liveness answers without the database;
readiness answers 200 only when the database answers and its schema is at head (the schema's
side is in test_schema_behind.py). Both are public, tiny and never cached."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.db import Database, create_db_engine
from app.main import create_app
from tests import factories
from tests.conftest import QueryCounter, unreachable_url
from tests.testclient import TestClient


def _unreachable_app(tmp_path: Path) -> TestClient:
    url = unreachable_url(tmp_path)
    settings = Settings(
        environment="test", base_url="http://testserver", secret_key="h" * 64, smtp_host=""
    )
    return TestClient(create_app(settings, Database(create_db_engine(url)), run_mailer=False))


def test_healthz_answers_without_the_database(
    client: TestClient, count_queries: QueryCounter
) -> None:
    count_queries.statements.clear()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/plain")
    assert count_queries.count == 0


def test_healthz_is_alive_while_the_database_is_not(tmp_path: Path) -> None:
    with _unreachable_app(tmp_path) as client:
        assert client.get("/healthz").status_code == 200


def test_readyz_answers_ready_when_the_database_answers_at_head(
    client: TestClient, count_queries: QueryCounter
) -> None:
    count_queries.statements.clear()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.text == "ready\n"
    assert response.headers["cache-control"] == "no-store"
    assert count_queries.count > 0  # it really asked the database


def test_readyz_reports_an_unreachable_database_without_its_address(tmp_path: Path) -> None:
    with _unreachable_app(tmp_path) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.text == "database unreachable\n"
    assert response.headers["cache-control"] == "no-store"


def test_both_answer_signed_in_people_the_same(
    client: TestClient, world: factories.World, session: object
) -> None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    factories.sign_in(client, session, world.members["viewer"])
    assert client.get("/healthz").text == "ok\n"
    assert client.get("/readyz").text == "ready\n"
