"""The schema is made only by the migrations, and they match the models exactly."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from app import migrations
from app.db import Database
from tests import factories
from tests.conftest import drop_engine, fresh_engine


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
