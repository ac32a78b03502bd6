"""Running Alembic from code (the CLI and the tests use this, never ``create_all``), and the one
check that the database's schema is the one this code was written for."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from alembic import command
from app.web.templating import ROOT

MIGRATE_HINT = "run `jointplan migrate`"


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Each migration commits on its own (``alembic/env.py``): a whole upgrade in one transaction
    holds a lock on every table and index it touches until the end (about 3,000 from an empty
    database), and two of them at once overflow PostgreSQL's shared lock table."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """All or nothing: a step that refuses (ids that no longer fit) leaves the schema untouched."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@cache
def _script() -> ScriptDirectory:
    # Reading the migration scripts takes a few milliseconds; they do not change while we run.
    return ScriptDirectory.from_config(alembic_config())


def head_revisions() -> frozenset[str]:
    return frozenset(_script().get_heads())


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database's schema stands against this code's migrations."""

    revisions: frozenset[str]  # what the database's alembic_version holds (empty: never migrated)
    heads: frozenset[str]

    @property
    def current(self) -> bool:
        return self.revisions == self.heads

    @property
    def behind(self) -> bool:
        """Not at head, and ``jointplan migrate`` would bring it there."""
        return not self.current and all(self._known(r) for r in self.revisions)

    def _known(self, revision: str) -> bool:
        try:
            return _script().get_revision(revision) is not None
        except (RevisionError, CommandError):  # a revision of newer code than this
            return False

    @property
    def problem(self) -> str:
        """One line for a person: empty when the schema is current."""
        if self.current:
            return ""
        where = ", ".join(sorted(self.revisions)) or "an empty database"
        needs = ", ".join(sorted(self.heads))
        if self.behind:
            return f"The database schema is behind (at {where}; needs {needs}): {MIGRATE_HINT}"
        return (
            f"The database schema ({where}) is newer than this version of Jointplan "
            f"(needs {needs}): run the Jointplan version that migrated it"
        )


def schema_status(connection: sa.Connection) -> SchemaStatus:
    """Read the database's revision (two small queries; the caller's transaction is reused)."""
    context = MigrationContext.configure(connection)
    return SchemaStatus(revisions=frozenset(context.get_current_heads()), heads=head_revisions())


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not the one this code needs; ``str()`` says what to do."""


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` with a one-line explanation unless the schema is at head."""
    with engine.connect() as connection:
        status = schema_status(connection)
    if not status.current:
        raise SchemaNotCurrent(status.problem)
