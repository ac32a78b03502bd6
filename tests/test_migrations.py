"""The schema is made only by the migrations, and they match the models exactly."""

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from app import migrations
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
