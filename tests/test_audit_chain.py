"""The audit trail is a SHA-256 hash chain per account: any edit, removal or reordering of a
stored event is caught, and the command names the first broken event."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app import cli
from app.audit import service as audit
from app.audit.chain import GLOBAL_CHAIN, chain_for, link_hash
from app.db import Database
from app.models import Account, AuditChainHead, AuditEvent
from tests import factories
from tests.conftest import drop_engine, fresh_engine


def _events(session: Session, account: Account) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account.id)
            .order_by(col(AuditEvent.seq))
        )
    )


def test_an_untouched_chain_verifies(session: Session) -> None:
    account = factories.make_account_with_events(session)
    report = audit.verify_chain(session, chain_for(account.id))
    assert report.ok
    assert report.checked == len(_events(session, account))


def test_events_link_to_their_predecessor(session: Session) -> None:
    account = factories.make_account_with_events(session)
    events = _events(session, account)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash


def test_an_edited_event_is_caught_at_that_event(session: Session) -> None:
    account = factories.make_account_with_events(session)
    target = _events(session, account)[3]
    session.execute(
        sa.update(AuditEvent)
        .where(col(AuditEvent.id) == target.id)
        .values(changes={"title": ["old 1", "forged"]})
    )
    session.expire_all()
    report = audit.verify_chain(session, chain_for(account.id))
    assert not report.ok
    assert report.broken_event_id == target.id
    assert report.broken_seq == target.seq
    assert "changed" in report.reason


def test_an_overwritten_hash_is_caught_at_that_event(session: Session) -> None:
    account = factories.make_account_with_events(session)
    target = _events(session, account)[2]
    session.execute(
        sa.update(AuditEvent).where(col(AuditEvent.id) == target.id).values(hash="f" * 64)
    )
    session.expire_all()
    report = audit.verify_chain(session, chain_for(account.id))
    assert not report.ok
    assert (report.broken_event_id, report.broken_seq) == (target.id, target.seq)
    assert "changed" in report.reason


def test_a_rehashed_edit_breaks_the_next_link(session: Session) -> None:
    """The forger edits an event and recomputes its own hash, so the event itself holds; the
    first broken event is the next one, whose link still names the old hash."""
    account = factories.make_account_with_events(session)
    events = _events(session, account)
    target, following = events[2], events[3]
    forged = {"title": ["old 2", "forged"]}
    session.expunge(target)
    target.changes = forged
    rehashed = link_hash(target.prev_hash, target)
    session.execute(
        sa.update(AuditEvent)
        .where(col(AuditEvent.id) == target.id)
        .values(changes=forged, hash=rehashed)
    )
    session.expire_all()
    report = audit.verify_chain(session, chain_for(account.id))
    assert not report.ok
    assert (report.broken_event_id, report.broken_seq) == (following.id, following.seq)
    assert "link to the previous event does not match" in report.reason


def test_a_removed_event_is_caught(session: Session) -> None:
    account = factories.make_account_with_events(session)
    events = _events(session, account)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.id) == events[2].id))
    session.expire_all()
    report = audit.verify_chain(session, chain_for(account.id))
    assert report.broken_seq == events[3].seq
    assert "missing" in report.reason


def test_removing_the_newest_events_is_caught(session: Session) -> None:
    account = factories.make_account_with_events(session)
    events = _events(session, account)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.id) == events[-1].id))
    session.expire_all()
    report = audit.verify_chain(session, chain_for(account.id))
    assert not report.ok
    assert "missing" in report.reason


@pytest.fixture
def committed_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A database of its own whose changes commit, with the CLI pointed at it."""
    engine = fresh_engine(tmp_path, name="audit_cli")
    monkeypatch.setenv("JP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    try:
        yield Database(engine)
    finally:
        drop_engine(engine)


def test_the_verify_command_names_the_first_broken_event(
    committed_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with committed_db.session() as session:
        account = factories.make_account_with_events(session)
        session.commit()
        target = _events(session, account)[4]

    assert cli.main(["audit", "verify"]) == 0
    assert f"ok      account:{account.id}" in capsys.readouterr().out

    with committed_db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent).where(col(AuditEvent.id) == target.id).values(verb="forged")
        )
    assert cli.main(["audit", "verify", "--account", str(account.id)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN  account:{account.id} at event id {target.id} (#{target.seq})" in out


def test_concurrent_writers_keep_one_unbroken_chain(committed_db: Database) -> None:
    """Writers queue on the chain head (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite):
    no fork, no gap, no 'database is locked'."""
    with committed_db.session() as session:
        account = factories.make_account_with_events(session, events=0)
        session.commit()
        account_id = account.id
    errors: list[BaseException] = []
    threads_n, per_thread = 6, 15

    def write() -> None:
        try:
            for i in range(per_thread):
                with committed_db.session() as s:
                    audit.record(
                        s,
                        actor=None,
                        verb="test.concurrent",
                        item_type="thing",
                        item_id=i,
                        account_id=account_id,
                    )
                    s.commit()
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with committed_db.session(writes=False) as session:
        report = audit.verify_chain(session, chain_for(account_id))
        assert report.ok
        concurrent = session.exec(
            select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.verb == "test.concurrent")
        ).one()
    assert concurrent == threads_n * per_thread


def _delete_chain(session: Session, account: Account) -> None:
    """What someone with write access to the database does to hide an account's history."""
    chain = chain_for(account.id)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.chain) == chain))
    session.execute(sa.delete(AuditChainHead).where(col(AuditChainHead.chain) == chain))
    session.expire_all()


def test_an_accounts_deleted_chain_is_caught(session: Session) -> None:
    account = factories.make_account_with_events(session)
    _delete_chain(session, account)
    report = audit.verify_chain(session, chain_for(account.id))
    assert not report.ok
    assert f"account {account.id} exists" in report.reason
    assert "deleted" in report.reason
    broken = [r for r in audit.verify_all(session) if not r.ok]
    assert [r.chain for r in broken] == [chain_for(account.id)]


def test_events_without_their_head_row_are_caught(session: Session) -> None:
    account = factories.make_account_with_events(session)
    chain = chain_for(account.id)
    session.execute(sa.delete(AuditChainHead).where(col(AuditChainHead.chain) == chain))
    session.expire_all()
    reports = {r.chain: r for r in audit.verify_all(session)}
    assert not reports[chain].ok
    assert "head row is missing" in reports[chain].reason


def test_a_head_row_without_events_is_caught(session: Session) -> None:
    account = factories.make_account_with_events(session)
    chain = chain_for(account.id)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.chain) == chain))
    session.expire_all()
    report = audit.verify_chain(session, chain)
    assert not report.ok
    assert "events are missing" in report.reason


def test_a_deleted_global_chain_is_caught(session: Session) -> None:
    factories.make_account_with_events(session)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.chain) == GLOBAL_CHAIN))
    session.execute(sa.delete(AuditChainHead).where(col(AuditChainHead.chain) == GLOBAL_CHAIN))
    session.expire_all()
    reports = {r.chain: r for r in audit.verify_all(session)}
    assert not reports[GLOBAL_CHAIN].ok
    assert "global chain" in reports[GLOBAL_CHAIN].reason


def test_the_verify_command_names_a_deleted_chain(
    committed_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with committed_db.session() as session:
        kept = factories.make_account_with_events(session)
        gone = factories.make_account_with_events(session)
        session.commit()
        kept_id, gone_id = kept.id, gone.id
        assert cli.main(["audit", "verify"]) == 0
        capsys.readouterr()
        _delete_chain(session, gone)
        session.commit()

    assert cli.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN  account:{gone_id}: account {gone_id} exists but has no audit events" in out
    assert f"ok      account:{kept_id}" in out

    assert cli.main(["audit", "verify", "--account", str(gone_id)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN  account:{gone_id}" in out
    assert "0 events" not in out


def test_the_verify_command_refuses_an_unknown_account(
    committed_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "verify", "--account", "999999"]) == 2
    assert "There is no account 999999." in capsys.readouterr().err


def test_a_verify_while_a_writer_appends_reports_no_false_break(
    committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account page's verify reads in a request's transaction (READ COMMITTED on PostgreSQL)
    while the app keeps appending: an event committed mid-walk must not read as 'missing'."""
    with committed_db.session() as session:
        account = factories.make_account_with_events(session)
        session.commit()
        account_id = account.id
    chain = chain_for(account_id)
    appended: list[int] = []
    started = threading.Event()
    real_link_hash = audit.link_hash

    def link_hash_then_append(prev_hash: str, event: AuditEvent) -> str:
        if not started.is_set():  # once, while the walk is under way (record hashes too)
            started.set()
            with committed_db.session() as writer:
                new = audit.record(
                    writer,
                    actor=None,
                    verb="test.meanwhile",
                    item_type="thing",
                    account_id=account_id,
                )
                writer.commit()
                appended.append(new.seq)
        return real_link_hash(prev_hash, event)

    monkeypatch.setattr(audit, "link_hash", link_hash_then_append)
    with committed_db.session(writes=False) as session:
        report = audit.verify_chain(session, chain)
    assert appended
    assert report.ok, report.reason
    assert report.checked in (appended[0] - 1, appended[0])
    monkeypatch.undo()
    with committed_db.session(writes=False) as session:
        assert audit.verify_chain(session, chain).checked == appended[0]


def test_an_accounts_chain_emptied_with_its_head_rewound_to_the_start_is_caught(
    session: Session,
) -> None:
    account = factories.make_account_with_events(session)
    chain = chain_for(account.id)
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.chain) == chain))
    session.execute(
        sa.update(AuditChainHead)
        .where(col(AuditChainHead.chain) == chain)
        .values(seq=0, hash="0" * 64)
    )
    session.expire_all()
    report = audit.verify_chain(session, chain)
    assert not report.ok
    assert report.reason == (
        f"account {account.id} has no audit events, though its creation is always recorded"
    )
