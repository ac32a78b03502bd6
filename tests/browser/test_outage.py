"""A person adds an entry to the plan while the database is away (issue 9, point 10): the toast
says nothing was saved and to try again, what they typed is still in the form, and once the
database is back the same click saves it. PostgreSQL is taken away by cutting a relay in front
of it; SQLite by holding its write lock past the (shortened) busy timeout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from app import db as app_db
from app.auth import sessions
from tests.browser.support import DESKTOP
from tests.conftest import BACKEND, drop_engine, fresh_engine
from tests.live import Mailbox, TcpProxy
from tests.test_outage import NOT_SAVED, _people, live_app


@contextmanager
def switchable_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """The app's database URL, and how to take the database away and give it back."""
    if BACKEND == "postgresql":
        engine = fresh_engine(tmp_path, name="browser_outage")
        proxy = TcpProxy(target_port=engine.url.port or 5432, target_host=engine.url.host or "")
        proxy.start()
        try:
            yield (
                engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
                proxy.cut,
                proxy.restore,
            )
        finally:
            proxy.cut()
            drop_engine(engine)
        return
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 500)
    engine = fresh_engine(tmp_path, name="browser_outage")
    url = engine.url.render_as_string(False)
    locker = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    held: list[sa.Connection] = []

    def cut() -> None:
        held.append(locker.connect())
        held[-1].exec_driver_sql("BEGIN IMMEDIATE")

    def restore() -> None:
        conn = held.pop()
        conn.exec_driver_sql("ROLLBACK")
        conn.close()

    try:
        yield url, cut, restore
    finally:
        for conn in held:
            conn.close()
        locker.dispose()
        drop_engine(engine)


def test_adding_an_entry_while_the_database_is_away_keeps_the_text_and_says_to_retry(
    browser: Browser, mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        switchable_database(tmp_path, monkeypatch) as (url, cut, restore),
        live_app(url, mailbox) as server,
    ):
        account_id, tokens = _people(server.db, server.settings)
        context = browser.new_context(base_url=server.url, viewport=DESKTOP)
        try:
            context.add_cookies(
                [{"name": sessions.SESSION_COOKIE, "value": tokens[0], "url": server.url}]
            )
            page = context.new_page()
            page.goto(f"/accounts/{account_id}/plan")
            page.get_by_text("Add a strategic driver").click()
            field = page.locator("#f-strategy-driver-text")
            field.fill("Halve the empty kilometres by 2028")

            cut()
            page.get_by_role("button", name="Add").first.click()
            # The form's answer (the live updates' own requests may fail meanwhile as well).
            toast = page.locator("#toasts .toast-error", has_text=NOT_SAVED).first
            expect(toast).to_contain_text("cannot reach its database")
            expect(toast).to_contain_text(NOT_SAVED)
            expect(toast).to_contain_text("try again")
            expect(field).to_have_value("Halve the empty kilometres by 2028")

            restore()
            page.get_by_role("button", name="Add").first.click()
            expect(page.locator("main")).to_contain_text(
                "Added “Halve the empty kilometres by 2028”"
            )
        finally:
            context.close()
