"""``jointplan``: serve, migrate, load the demo, create an admin, check the audit trail,
back up and restore."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.config import ConfigError, Settings
from app.db import Database, create_db_engine

if TYPE_CHECKING:
    from app.audit.service import Anchor, ChainReport
    from app.backup import Outcome


@contextmanager
def _db(settings: Settings) -> Iterator[Database]:
    db = Database(create_db_engine(settings.resolved_database_url), base_url=settings.base_url)
    try:
        yield db
    finally:
        db.dispose()


# Exit status of a command refused because the database cannot serve it (1 and 2 already mean
# "a broken audit chain" and "bad input").
EXIT_DATABASE = 3


def database_problem(settings: Settings) -> str:
    """One line saying why the database cannot serve a command (empty when it can)."""
    from app import migrations
    from app.db import database_unreachable, one_line

    with _db(settings) as db:
        try:
            migrations.require_current_schema(db.engine)
        except migrations.SchemaNotCurrent as exc:
            return str(exc)
        except Exception as exc:
            if not database_unreachable(exc):
                raise
            return f"Cannot reach the database: {one_line(exc)}"
    return ""


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from app import migrations

    with _db(settings) as db:
        migrations.upgrade(db.engine)
    print("Database is at the latest schema.")
    return 0


SERVE_OPTIONS = (
    "host",
    "port",
    "workers",
    "forwarded_allow_ips",
    "worker_healthcheck_seconds",
    "graceful_shutdown_seconds",
    "log_level",
)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """uvicorn with production defaults; every flag falls back to its ``JP_`` setting."""
    import uvicorn

    from app.web.logs import logging_config

    try:
        settings.check_production()
    except ConfigError as problem:
        print(problem, file=sys.stderr)
        return 2
    # Made here, once, so that the workers starting together share one development key.
    settings.resolved_secret_key  # noqa: B018
    option = {
        name: getattr(settings, name) if getattr(args, name) is None else getattr(args, name)
        for name in SERVE_OPTIONS
    }
    trusted = option["forwarded_allow_ips"].strip()
    uvicorn.run(
        "app.main:serve_app",
        factory=True,
        host=option["host"],
        port=option["port"],
        workers=option["workers"],
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or "",
        timeout_worker_healthcheck=option["worker_healthcheck_seconds"],
        timeout_graceful_shutdown=option["graceful_shutdown_seconds"],
        log_config=logging_config(option["log_level"]),
        access_log=False,  # the app writes its own access line (app.web.logs)
        server_header=False,
    )
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from app import demo

    with _db(settings) as db, db.session() as session:
        if demo.already_loaded(session):
            print("Demo data is already loaded.")
        else:
            demo.load(session)
            session.commit()
            print("Demo data loaded.")
    print(demo.sign_in_text(settings.base_url, dev_mailbox=settings.dev_mailbox_enabled))
    return 0


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from app.auth.passwords import password_problem
    from app.models import Workspace, WorkspaceRole
    from app.users import repository as users_repo
    from app.users import service as users
    from app.web.forms import FormErrors, check_email

    errors = FormErrors()
    email = check_email(args.email, errors)
    if errors:
        print(errors["email"], file=sys.stderr)
        return 2
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )
    problem = password_problem(password, email=email)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with _db(settings) as db, db.session() as session:
        if users_repo.by_email(session, email=email):
            print(f"{email} already has a login.", file=sys.stderr)
            return 1
        workspace = Workspace(name=args.workspace)
        session.add(workspace)
        session.flush()
        users.create(
            session,
            email=email,
            display_name=args.name,
            password=password,
            workspace_id=workspace.id,
            workspace_role=WorkspaceRole.ADMIN,
        )
        session.commit()
    print(f"Workspace {args.workspace!r} created with admin {email}.")
    return 0


@contextmanager
def _snapshot(db: Database) -> Iterator[Session]:
    """A read-only session whose queries all see one moment of the database, while the app
    keeps writing (SQLite in WAL mode gives a read transaction its snapshot by itself)."""
    if db.is_sqlite:
        with db.session(writes=False) as session:
            yield session
        return
    bind = db.engine.execution_options(jp_writes=False, isolation_level="REPEATABLE READ")
    with Session(bind=bind, expire_on_commit=False) as session:
        session.info["writes"] = False
        yield session


def _print_reports(reports: list[ChainReport], anchors: dict[str, Anchor] | None = None) -> int:
    """One line per chain; 1 if any is broken."""
    for report in reports:
        if report.ok:
            anchor = (anchors or {}).get(report.chain)
            held = f", the checkpoint's #{anchor.seq} holds" if anchor is not None else ""
            print(f"ok      {report.chain}: {report.checked} events{held}")
        else:
            where = (
                f" at event id {report.broken_event_id} (#{report.broken_seq})"
                if report.broken_seq
                else ""
            )
            print(f"BROKEN  {report.chain}{where}: {report.reason}")
    return 1 if any(not r.ok for r in reports) else 0


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from app.audit import checkpoint, repository, service
    from app.audit.chain import chain_for

    if args.file is not None:
        return verify_export(settings, args)
    anchors: dict[str, Anchor] | None = None
    if args.checkpoint is not None:
        try:
            key = checkpoint.verifying_key(settings, args.public_key)
            point = checkpoint.read(_read_text(args.checkpoint), key)
        except (checkpoint.CheckpointError, OSError, UnicodeDecodeError) as exc:
            label = "BAD SIGNATURE  " if isinstance(exc, checkpoint.BadSignature) else ""
            print(f"{label}{args.checkpoint}: {exc}", file=sys.stderr)
            return 2
        anchors = point.anchors
        print(
            f"checkpoint of {point.created_at}, signed with key {point.key_id}: signature good, "
            f"{len(anchors)} chains"
        )
    with _db(settings) as db, _snapshot(db) as session:
        if args.account is None:
            reports = service.verify_all(session, anchors)
        else:
            chain = chain_for(args.account)
            anchor = (anchors or {}).get(chain)
            report = service.verify_chain(session, chain, anchor=anchor)
            if (
                report.ok
                and not report.checked
                and not repository.account_exists(session, args.account)
            ):
                print(f"There is no account {args.account}.", file=sys.stderr)
                return 2
            reports = [report]
    return _print_reports(reports, anchors)


def verify_export(settings: Settings, args: argparse.Namespace) -> int:
    """``audit verify --file EXPORT``: an exported trail, offline (no database). 0 when every
    line, link and the head hold (and the signature, with ``--public-key``; and the events a
    ``--checkpoint`` anchors), 1 at the first line that does not, 2 for unusable input."""
    from app.audit import checkpoint, export

    if args.account is not None:
        print("--account does not go with --file: the file names its account.", file=sys.stderr)
        return 2
    try:
        text = _read_text(args.file)
        key = (
            checkpoint.verifying_key(settings, args.public_key)
            if args.public_key or args.checkpoint
            else None
        )
        point = (
            checkpoint.read(_read_text(args.checkpoint), key)
            if args.checkpoint and key is not None
            else None
        )
    except (checkpoint.CheckpointError, OSError, UnicodeDecodeError) as exc:
        print(f"{args.checkpoint or args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        verified = export.verify(text, key if args.public_key else None)
        if point is not None:
            export.check_anchor(verified, point.anchors.get(verified.chain))
    except export.ExportBroken as broken:
        print(f"BROKEN  {args.file} {broken}")
        return 1
    print(f"ok      {args.file}: {export.summary(verified, anchored=point is not None)}")
    return 0


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def cmd_audit_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    from app.audit import checkpoint, service
    from app.models import utcnow

    try:
        key = checkpoint.signing_key(settings)
    except checkpoint.CheckpointError as exc:
        print(exc, file=sys.stderr)
        return 2
    with _db(settings) as db:
        with _snapshot(db) as session:
            reports = service.verify_all(session)
        if any(not r.ok for r in reports):
            _print_reports(reports)
            print("Not signed: a checkpoint must not vouch for a broken chain.", file=sys.stderr)
            return 1
        now = utcnow()
        text = checkpoint.create(reports, key=key, created_at=now)
        events = sum(r.checked for r in reports)
        summary = (
            f"{len(reports)} chains, {events} events, key {checkpoint.key_id(key.public_key())}"
        )
        if args.output:
            _write_atomically(args.output, text)
            print(f"Checkpoint of {summary} written to {args.output}.")
        elif not args.email:
            sys.stdout.write(text)
        if args.email:
            with db.session() as session:
                queued = checkpoint.email_admins(
                    session, reports, key=key, created_at=now, base_url=settings.base_url
                )
                session.commit()
            if not queued:
                print("There is no workspace admin to e-mail the checkpoint to.", file=sys.stderr)
                return 1
            print(
                f"Checkpoint of {summary} queued to {queued} workspace admins "
                "(the running server's mail dispatcher sends it)."
            )
    return 0


def _write_atomically(path: str, text: str) -> None:
    """The whole file or none of it (a reader never finds half a checkpoint)."""
    target = os.path.abspath(path)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".jointplan-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _print_outcome(outcome: Outcome) -> int:
    """The schema and every audit chain of what was backed up or restored; 1 if broken."""
    if not outcome.schema.revisions:
        print("It has no schema: it is not a Jointplan database.")
        return 1
    if outcome.schema.behind:
        print(f"{outcome.schema.problem} before starting the app.")
    elif problem := outcome.schema.problem:
        print(f"{problem}.")
    status = _print_reports(outcome.reports)
    print("Every audit chain verifies." if status == 0 else "An audit chain is BROKEN (above).")
    return status


def _refused(what: str, exc: Exception) -> int:
    """Say why a backup or restore did not happen (2): refused, or the database's answer."""
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.DBAPIError):
        print(f"{what} failed: the database answered: {exc.orig}", file=sys.stderr)
    else:
        print(f"{what} refused: {exc}", file=sys.stderr)
    return 2


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from app import backup

    try:
        outcome = backup.backup(settings.resolved_database_url, Path(args.file))
    except (backup.BackupError, sa.exc.DBAPIError) as exc:
        return _refused("Backup", exc)
    print(
        f"Backed up to {outcome.path} ({outcome.size / 1_000_000:.1f} MB in "
        f"{outcome.seconds:.1f} s), while the app kept running."
    )
    return _print_outcome(outcome)


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from app import backup

    try:
        outcome = backup.restore(settings.resolved_database_url, Path(args.file), force=args.force)
    except (backup.BackupError, sa.exc.DBAPIError) as exc:
        return _refused("Restore", exc)
    print(f"Restored {outcome.path} in {outcome.seconds:.1f} s.")
    return _print_outcome(outcome)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def cmd_purge(settings: Settings, _args: argparse.Namespace) -> int:
    """What the scheduler purges once a day, now (``app.purge``)."""
    from app.kit.clock import now
    from app.purge import service as purge

    with _db(settings) as db, db.session() as session:
        report = purge.run(session, now=now(), settings=settings)
        session.commit()
    print(f"Purged {report}.")
    return 0


def _serve_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the web server", description="Each flag defaults to its JP_ setting."
    )
    serve.add_argument("--host", help="address to listen on (JP_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (JP_PORT, default 8000)")
    serve.add_argument(
        "--workers", type=_at_least_one, help="worker processes (JP_WORKERS, default 2)"
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRESSES",
        help="comma-separated proxy addresses or networks whose X-Forwarded-For/-Proto are "
        'believed; "" for none (JP_FORWARDED_ALLOW_IPS, default 127.0.0.1,::1)',
    )
    serve.add_argument(
        "--worker-healthcheck-seconds",
        type=_at_least_one,
        metavar="S",
        help="how long a worker may take to start or answer before it is replaced "
        "(JP_WORKER_HEALTHCHECK_SECONDS, default 60)",
    )
    serve.add_argument(
        "--graceful-shutdown-seconds",
        type=int,
        metavar="S",
        help="on SIGTERM, how long requests in flight may take to finish "
        "(JP_GRACEFUL_SHUTDOWN_SECONDS, default 30)",
    )
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="JP_LOG_LEVEL, default info",
    )
    serve.set_defaults(run=cmd_serve, needs_schema=False)  # the server checks and says itself


def _audit_parser(commands: Any) -> None:
    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="verify every hash chain (and a signed checkpoint); exit 1 if one is broken, "
        "2 if the checkpoint cannot be used",
    )
    verify.add_argument("--account", type=int, help="only this account's chain")
    verify.add_argument(
        "--file",
        metavar="EXPORT",
        help="verify an exported trail (an account's audit export.jsonl) offline, without the "
        "database; with --public-key also its signature, with --checkpoint its anchored event",
    )
    verify.add_argument(
        "--checkpoint", metavar="FILE", help="also prove nothing before this checkpoint changed"
    )
    verify.add_argument(
        "--public-key",
        metavar="FILE",
        help="check the checkpoint with this public key instead of the configured signing key",
    )
    # An exported file is verified offline: no database is asked for anything.
    verify.set_defaults(run=cmd_audit_verify, needs_schema=lambda args: args.file is None)
    checkpoint = audit_commands.add_parser(
        "checkpoint", help="sign where every chain stands now (printed unless --output/--email)"
    )
    checkpoint.add_argument("--output", metavar="FILE", help="write the signed checkpoint here")
    checkpoint.add_argument(
        "--email", action="store_true", help="e-mail it to every workspace admin (their own part)"
    )
    checkpoint.set_defaults(run=cmd_audit_checkpoint)


def _backup_parsers(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to FILE while the app runs, then verify the copy"
    )
    backup.add_argument("file", metavar="FILE", help="a new file (never overwritten)")
    # An older schema is still worth a copy; restore's target is often empty.
    backup.set_defaults(run=cmd_backup, needs_schema=False)
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (stop the app first), then verify"
    )
    restore.add_argument("file", metavar="FILE", help="a file made by `jointplan backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that is not empty"
    )
    restore.set_defaults(run=cmd_restore, needs_schema=False)


def parser() -> argparse.ArgumentParser:
    """The ``jointplan`` command and its subcommands, each with the function that runs it."""
    root = argparse.ArgumentParser(prog="jointplan", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    _serve_parser(commands)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=cmd_migrate, needs_schema=False
    )
    commands.add_parser("demo", help="load the demo workspace (once)").set_defaults(run=cmd_demo)
    admin = commands.add_parser("create-admin", help="create a workspace and its first admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--workspace", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(run=cmd_create_admin)
    _audit_parser(commands)
    _backup_parsers(commands)
    commands.add_parser(
        "purge",
        help="delete spent idempotency keys, old webhook deliveries, spent API rate windows "
        "and expired import drafts (the scheduler does it daily)",
    ).set_defaults(run=cmd_purge)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    # Every command needs the schema at head unless it says otherwise (``needs_schema=False``,
    # or a function of the arguments).
    needs_schema = getattr(args, "needs_schema", True)
    if callable(needs_schema):
        needs_schema = needs_schema(args)
    if needs_schema and (problem := database_problem(settings)):
        print(problem, file=sys.stderr)
        return EXIT_DATABASE
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
