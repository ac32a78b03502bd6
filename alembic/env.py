"""Alembic environment: the schema of ``app.models`` on the configured database.

The connection may be handed in by the caller (``config.attributes["connection"]``) so that the
app and its tests migrate through the same engine setup; otherwise the settings' URL is used.
"""

from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from alembic import context
from app.config import Settings
from app.db import create_db_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(Settings().resolved_database_url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # One transaction per migration, unless the caller holds one (a downgrade does).
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations_online()
