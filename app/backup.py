"""Backup and restore of the configured database, each verifying every audit chain.

A backup is a consistent copy taken while the app keeps running: SQLite copies the file through
its backup API in one step (one read transaction, so one moment; WAL lets writers go on);
PostgreSQL runs ``pg_dump --format=custom`` on a snapshot this module exports and reads in the
same transaction, so the chains verified are exactly the ones dumped.

A restore replaces the configured database with a backup; the app must be stopped. It refuses a
database that holds anything (a table with rows, or a schema version) unless forced.

The PostgreSQL tools get the connection from the URL's parts in their environment (the password
too, never on a command line), and never through a shell.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from app.audit import service as audit
from app.db import create_db_engine
from app.migrations import SchemaStatus, schema_status

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
# URL query parameters libpq also reads from the environment.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    """Refused or failed; nothing was changed. The message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What a backup holds or a restore brought back: its size, how long it took, where its
    schema stands against this version's migrations, and its audit chains verified."""

    path: Path
    size: int
    seconds: float
    schema: SchemaStatus
    reports: list[audit.ChainReport]


def _verify(connection: sa.Connection) -> tuple[SchemaStatus, list[audit.ChainReport]]:
    schema = schema_status(connection)
    if not schema.revisions:
        return schema, []
    with Session(bind=connection) as session:
        return schema, audit.verify_all(session)


def _is_postgresql(url: URL) -> bool:
    return url.get_backend_name() == "postgresql"


def _sqlite_path(url: URL) -> Path:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(f"cannot back up or restore {url.render_as_string()}: not a file")
    return Path(url.database)


def _new_file(target: Path) -> Path:
    """A temporary file next to ``target``, renamed over it once complete."""
    if target.exists():
        raise BackupError(f"{target} already exists: choose another name, or remove it first")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def _publish(partial: Path, target: Path) -> None:
    """Give the complete file its name, never over a file that appeared meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{target} appeared meanwhile: it was left as it is") from exc
    except OSError:  # a file system without hard links
        partial.replace(target)
    else:
        partial.unlink(missing_ok=True)


def _has_schema_or_rows(engine: sa.Engine) -> bool:
    """Non-empty: any table with a row, or a schema version (even of empty tables)."""
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        if "alembic_version" in tables:
            return True
        one_row = sa.select(sa.literal(1)).limit(1)
        return any(conn.execute(one_row.select_from(sa.table(t))).first() for t in tables)


# --------------------------------------------------------------------------------------------
# Backup


def backup(database_url: str, target: Path) -> Outcome:
    url = make_url(database_url)
    started = time.monotonic()
    if _is_postgresql(url):
        schema, reports = _pg_backup(url, database_url, target)
    else:
        schema, reports = _sqlite_backup(_sqlite_path(url), target)
    return Outcome(target, target.stat().st_size, time.monotonic() - started, schema, reports)


def _sqlite_backup(source: Path, target: Path) -> tuple[SchemaStatus, list[audit.ChainReport]]:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    partial = _new_file(target)
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            # One step: the copy is read in one transaction, so it is one moment of the database.
            src.backup(dst)
            # A backup is one self-contained file (the live database runs in WAL mode).
            dst.execute("PRAGMA journal_mode=DELETE")
        _publish(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    engine = sa.create_engine(f"sqlite:///{target.resolve().as_uri()}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return _verify(conn)
    finally:
        engine.dispose()


def _pg_backup(
    url: URL, database_url: str, target: Path
) -> tuple[SchemaStatus, list[audit.ChainReport]]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as probe:
            tool = _pg_tool("pg_dump", _server_major(probe))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # The first statement fixes this transaction's snapshot; pg_dump dumps the same.
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                partial = _new_file(target)
                try:
                    _run(
                        [
                            tool,
                            "--format=custom",
                            f"--file={partial}",
                            f"--snapshot={snapshot}",
                            "--no-password",
                            f"--dbname={_conninfo(url)}",
                        ],
                        url,
                    )
                    _publish(partial, target)
                except BaseException:
                    partial.unlink(missing_ok=True)
                    raise
                return _verify(conn)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# Restore


def restore(database_url: str, source: Path, *, force: bool) -> Outcome:
    url = make_url(database_url)
    try:
        with source.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from exc
    started = time.monotonic()
    if _is_postgresql(url):
        if not header.startswith(PG_DUMP_HEADER):
            raise BackupError(f"{source} is not a PostgreSQL backup (pg_dump custom format)")
        _pg_restore(url, database_url, source, force=force)
    else:
        if header != SQLITE_HEADER:
            raise BackupError(f"{source} is not a SQLite backup")
        _sqlite_restore(_sqlite_path(url), source, force=force)
    seconds = time.monotonic() - started
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn, conn.begin():
            schema, reports = _verify(conn)
    finally:
        engine.dispose()
    return Outcome(source, source.stat().st_size, seconds, schema, reports)


def _refuse_unless_empty(engine: sa.Engine, where: str, *, force: bool) -> None:
    if not force and _has_schema_or_rows(engine):
        raise BackupError(
            f"{where} is not empty: restoring would replace it. Nothing was changed; "
            "add --force to replace it with the backup"
        )


def _sqlite_restore(target: Path, source: Path, *, force: bool) -> None:
    if target.exists():
        engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.NullPool)
        try:
            _refuse_unless_empty(engine, f"the database {target}", force=force)
        finally:
            engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        src.backup(dst)  # replaces every page of the target, in one transaction


def _pg_restore(url: URL, database_url: str, source: Path, *, force: bool) -> None:
    engine = create_db_engine(database_url)
    try:
        _refuse_unless_empty(engine, f"the database {url.database!r}", force=force)
        with engine.connect() as conn:
            tool = _pg_tool("pg_restore", _server_major(conn))
    finally:
        engine.dispose()
    command = [
        tool,
        "--single-transaction",  # all of it or, on any error, nothing
        "--exit-on-error",
        "--no-owner",  # the restoring role owns what it creates
        "--no-privileges",
        "--no-password",
        f"--dbname={_conninfo(url)}",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], url)


# --------------------------------------------------------------------------------------------
# The PostgreSQL client tools


def _server_major(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000


def _pg_tool(name: str, server_major: int) -> str:
    """The tool, if it is at least the server's major version (an older pg_dump refuses a newer
    server, and an older pg_restore cannot read a newer pg_dump's archive)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL {server_major} client tools"
        )
    found = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", found.stdout)
    major = int(match.group(1)) if match else 0
    if major < server_major:
        raise BackupError(
            f"{name} is version {major} but the server is PostgreSQL {server_major}: install "
            f"the PostgreSQL {server_major} client tools (or newer)"
        )
    return path


def _conninfo(url: URL) -> str:
    """Only the database name, quoted as libpq reads it; the rest goes in the environment."""
    name = (url.database or "").replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{name}'"


def _environment(url: URL) -> dict[str, str]:
    """The URL as libpq environment variables; inherited PG* variables cannot redirect it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for key, value in url.query.items():
        if key not in _LIBPQ_ENV:
            raise BackupError(f"the database URL's parameter {key!r} is not supported here")
        env[_LIBPQ_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def _run(command: list[str], url: URL) -> None:
    # A list, no shell; the arguments are our own and the connection is in the environment.
    env = _environment(url)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()}")
