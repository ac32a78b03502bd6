"""The schema is made only by the migrations, and they match the models exactly."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, col, select

from app import migrations
from app.comments import repository as comments_repo
from app.comments import service as comments
from app.db import Database
from app.models import CommentTally, Role, Stakeholder, StakeholderContact, utcnow
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests import factories
from tests.conftest import WHOLE_SCHEMA, drop_engine, fresh_engine

pytestmark = WHOLE_SCHEMA


def test_migrations_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = fresh_engine(tmp_path, name="updown")
    try:
        migrations.downgrade(engine, "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert "audit_event" in sa.inspect(engine).get_table_names()
    finally:
        drop_engine(engine)


def test_a_downgrade_below_random_ids_refuses_with_a_reason_once_one_is_stored(
    tmp_path: Path,
) -> None:
    """PostgreSQL's old ids are INTEGER; a stored random id cannot go back into one. SQLite's
    integers are 64-bit at every revision, so there the downgrade goes through."""
    engine = fresh_engine(tmp_path, name="random_down")
    try:
        with Database(engine).session() as session:
            factories.make_user(session, password=None)
            session.commit()
        if engine.dialect.name == "postgresql":
            with pytest.raises(RuntimeError, match="app_user holds ids beyond INTEGER"):
                migrations.downgrade(engine, "fe0a60023e38")
            with engine.connect() as conn:
                assert migrations.schema_status(conn).current
        else:
            migrations.downgrade(engine, "fe0a60023e38")
    finally:
        drop_engine(engine)


def test_an_upgrade_commits_each_migration_and_holds_few_locks_at_once(tmp_path: Path) -> None:
    """CI once failed with "out of shared memory" while two workers migrated empty databases at
    the same time: one transaction for the whole upgrade held about 3,000 locks until its end.
    Each migration now commits on its own, and on PostgreSQL the most locks held at any moment
    leave room for three upgrades at once in the shared lock table."""
    engine = fresh_engine(tmp_path, name="locks", revision=None)
    commits: list[int] = []
    most = [0]
    watch = None
    if engine.dialect.name == "postgresql":
        watcher = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        watch = watcher.connect()
        room = watch.exec_driver_sql(
            "SELECT current_setting('max_locks_per_transaction')::int"
            " * current_setting('max_connections')::int"
        ).scalar_one()

    def counted(conn: sa.Connection, *_: object) -> None:
        if watch is None:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        held = watch.execute(
            sa.text("SELECT count(*) FROM pg_locks WHERE pid = :pid"), {"pid": pid}
        )
        most[0] = max(most[0], held.scalar_one())

    sa.event.listen(engine, "after_cursor_execute", counted)
    sa.event.listen(engine, "commit", lambda _conn: commits.append(1))
    try:
        migrations.upgrade(engine)
        revisions = list(migrations._script().walk_revisions())
        assert len(commits) >= len(revisions)
        if watch is not None:
            assert 0 < most[0] <= room // 3, (most[0], room)
    finally:
        if watch is not None:
            watch.close()
        drop_engine(engine)


def test_the_comment_tally_counts_the_comments_there_are_and_goes_away_on_downgrade(
    tmp_path: Path,
) -> None:
    """The tally's migration counts the comments already written (not the deleted ones), as
    the comments' service would have; its downgrade drops the table and nothing else."""
    engine = fresh_engine(tmp_path, name="tally")
    try:
        with Database(engine).session() as session:
            made = _comments_of_every_kind(session)
            session.commit()
            before = _tally(session)
        assert sum(before.values()) == made > 0
        migrations.downgrade(engine, "e5a1c9d3f720")
        assert "comment_tally" not in sa.inspect(engine).get_table_names()
        migrations.upgrade(engine)
        with Database(engine).session() as session:
            assert _tally(session) == before
    finally:
        drop_engine(engine)


def _comments_of_every_kind(session: Session) -> int:
    """Comments on a priority and a strategy section, shared and team-only, one deleted:
    the number of live ones."""
    workspace = factories.make_workspace(session, "Vendor")
    lead = factories.make_user(session, workspace=workspace, admin=True, password=None)
    account = factories.make_account(session, admin=lead)
    factories.add_member(session, account=account, user=lead, role=Role.LEAD, by=lead)
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    assert plan.id is not None
    priority = priorities.create(session, actor=lead, plan=plan, values=PriorityValues("Grow"))
    assert priority.id is not None
    made = []
    for kind, item_id, section in [("priority", priority.id, ""), ("strategy", plan.id, "goal")]:
        target = comments_repo.find_target(
            session, account_id=account.id, item_type=kind, item_id=item_id, section=section
        )
        assert target is not None
        for team_only in (False, False, True):
            made.append(
                comments.add(
                    session, actor=lead, target=target, body="Hi", team_only=team_only, people=[]
                )
            )
    comments.delete(session, actor=lead, comment=made[0])
    return len(made) - 1


def _tally(session: Session) -> dict[tuple[int, str, str], int]:
    rows = session.exec(select(CommentTally)).all()
    return {(row.plan_id, row.thread, row.visibility): row.count for row in rows if row.count}


BEFORE_CONTACTS = "a7d2c5e9f104"


def _old_stakeholder(
    conn: sa.Connection, *, pid: int, account_id: int, owner: int | None, strength: str
) -> None:
    """A stakeholder as the schema before contacts kept it: one owner, strength, last contact."""
    now = utcnow()
    conn.execute(
        sa.text(
            "INSERT INTO stakeholder (id, account_id, name, title, department, roles, decision,"
            " decision_key, is_economic_buyer, influence, attitude, motivations, owner_id,"
            " strength, last_contact_on, created_at, updated_at, version, validation,"
            " sent_name, sent_title, sent_reports_to, client_correction) VALUES (:id, :account,"
            " :name, '', '', '[]', '', '', false, 'high', 'unknown', '', :owner, :strength,"
            " :last, :now, :now, 1, 'none', '', '', '', '')"
        ),
        {
            "id": pid,
            "account": account_id,
            "name": f"Person {pid}",
            "owner": owner,
            "strength": strength,
            "last": date(2026, 3, 1) if owner else None,
            "now": now,
        },
    )


def test_each_owner_becomes_a_contact_and_the_downgrade_puts_the_strongest_back(
    tmp_path: Path,
) -> None:
    """The one owner, strength and last contact of a stakeholder become a contact of that
    owner (no owner: no contact; a strength without an owner said nobody knew them); the
    downgrade puts back each person's strongest contact as the owner."""
    engine = fresh_engine(tmp_path, name="contacts", revision=BEFORE_CONTACTS)
    try:
        with Database(engine).session() as session:
            workspace = factories.make_workspace(session, "Vendor")
            lead = factories.make_user(session, workspace=workspace, admin=True, password=None)
            team = factories.make_user(session, workspace=workspace, password=None)
            account = factories.make_account(session, admin=lead)
            session.commit()
            ids = (lead.id, team.id, account.id)
        assert None not in ids
        lead_id, team_id, account_id = (int(i or 0) for i in ids)
        with engine.begin() as conn:
            _old_stakeholder(conn, pid=11, account_id=account_id, owner=lead_id, strength="weak")
            _old_stakeholder(conn, pid=12, account_id=account_id, owner=team_id, strength="strong")
            _old_stakeholder(conn, pid=13, account_id=account_id, owner=None, strength="good")
        migrations.upgrade(engine)
        with Database(engine).session() as session:
            contacts = session.exec(select(StakeholderContact)).all()
            assert sorted(
                (c.stakeholder_id, c.user_id, c.strength, c.last_contact_on) for c in contacts
            ) == [
                (11, lead_id, "weak", date(2026, 3, 1)),
                (12, team_id, "strong", date(2026, 3, 1)),
            ]
            assert all(c.account_id == account_id and c.id and c.id > 2**32 for c in contacts)
            people = session.exec(select(Stakeholder).order_by(col(Stakeholder.id))).all()
            assert [(p.level, p.location) for p in people] == [("", "")] * 3
            # A second, stronger contact of person 11: the downgrade keeps that one.
            session.add(
                StakeholderContact(
                    account_id=account_id, stakeholder_id=11, user_id=team_id, strength="good"
                )
            )
            session.commit()
        migrations.downgrade(engine, BEFORE_CONTACTS)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, owner_id, strength FROM stakeholder ORDER BY id")
            ).all()
            assert [tuple(r) for r in rows] == [
                (11, team_id, "good"),
                (12, team_id, "strong"),
                (13, None, "none"),
            ]
        assert "stakeholder_contact" not in sa.inspect(engine).get_table_names()
        migrations.upgrade(engine)  # and up again
    finally:
        drop_engine(engine)
