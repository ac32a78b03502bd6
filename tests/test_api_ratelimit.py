"""The API's rate limit per token (``app.api.ratelimit``): beyond the limit a 429 problem with
Retry-After; another token is not affected; a new minute starts again; the count lives in the
database, so two app instances, and two engines writing at the same moment, share it."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.api import ratelimit
from app.config import Settings
from app.db import Database, create_db_engine
from app.kit.clock import clock
from app.main import create_app
from app.models import ApiRateWindow
from app.tokens import token_hash
from tests.conftest import RollbackDatabase, default_settings
from tests.factories import World
from tests.test_api import API, bearer, is_problem, token_of
from tests.testclient import TestClient

LIMIT = 3


@pytest.fixture
def settings() -> Settings:
    return default_settings().model_copy(update={"api_requests_per_minute": LIMIT})


def at_start_of_a_minute() -> None:
    """Stop the clock two seconds into a minute, so that no test crosses into the next."""
    clock.set(datetime(2027, 1, 5, 10, 0, 2, tzinfo=UTC))


def test_beyond_the_limit_429_with_retry_after(client: TestClient, session: Session, world: World):
    at_start_of_a_minute()
    lead = token_of(session, world.members["lead"])
    sponsor = token_of(session, world.members["sponsor"])
    url = f"{API}/accounts"
    for _ in range(LIMIT):
        assert client.get(url, headers=bearer(lead)).status_code == 200
    refused = client.get(url, headers=bearer(lead))
    body = is_problem(refused, 429)
    assert "Retry-After" in body["detail"]
    assert refused.headers["retry-after"] == "58"
    # a write is refused alike, before anything is looked up
    is_problem(client.post(f"{url}/1/actions/1/comments", json={}, headers=bearer(lead)), 429)
    # another token is not affected
    assert client.get(url, headers=bearer(sponsor)).status_code == 200
    # the next minute starts again
    clock.advance(timedelta(seconds=58))
    assert client.get(url, headers=bearer(lead)).status_code == 200


def test_two_instances_share_the_count(
    settings: Settings, db: RollbackDatabase, session: Session, world: World
):
    at_start_of_a_minute()
    secret = token_of(session, world.members["lead"])
    first: FastAPI = create_app(settings, db, run_mailer=False)
    second: FastAPI = create_app(settings, db, run_mailer=False)
    with TestClient(first) as one, TestClient(second) as two:
        assert one.get(f"{API}/accounts", headers=bearer(secret)).status_code == 200
        assert two.get(f"{API}/accounts", headers=bearer(secret)).status_code == 200
        assert one.get(f"{API}/accounts", headers=bearer(secret)).status_code == 200
        is_problem(two.get(f"{API}/accounts", headers=bearer(secret)), 429)
        is_problem(one.get(f"{API}/accounts", headers=bearer(secret)), 429)


@pytest.fixture
def two_engines(engine: sa.Engine) -> Iterator[tuple[Database, Database]]:
    """Two engines on the tests' database, as two processes have: their own pools and locks."""
    url = engine.url.render_as_string(hide_password=False)
    made = [Database(create_db_engine(url)), Database(create_db_engine(url))]
    yield made[0], made[1]
    for each in made:
        each.dispose()


def test_requests_at_the_same_moment_each_get_their_own_number(
    two_engines: tuple[Database, Database],
):
    at_start_of_a_minute()
    key = secrets.token_hex(32)  # a token of its own: the table is shared with other tests
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def request(db: Database) -> None:
        try:
            start.wait()
            for _ in range(5):
                numbers.append(ratelimit.count(db, key)[0])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(two_engines[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == list(range(1, 41))  # none lost, none counted twice


def test_a_made_up_token_is_refused_and_counted_nowhere(client: TestClient, session: Session):
    """Guesses write nothing: the window table does not grow with made-up tokens."""
    guesses = [f"jp_guess_{secrets.token_urlsafe(8)}" for _ in range(5)]
    for guess in guesses:
        response = client.get(f"{API}/accounts", headers={"Authorization": f"Bearer {guess}"})
        assert response.status_code == 401
    hashes = [token_hash(guess) for guess in guesses]
    rows = session.exec(select(ApiRateWindow).where(col(ApiRateWindow.token_hash).in_(hashes)))
    assert rows.all() == []
