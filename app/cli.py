"""``jointplan``: serve, migrate, load the demo, create an admin, verify audit chains."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.config import ConfigError, Settings
from app.db import Database, create_db_engine


@contextmanager
def _db(settings: Settings) -> Iterator[Database]:
    db = Database(create_db_engine(settings.resolved_database_url))
    try:
        yield db
    finally:
        db.dispose()


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
        "app.main:create_app",
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


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from app.audit import service
    from app.audit.chain import chain_for

    with _db(settings) as db, db.session(writes=False) as session:
        reports = (
            [service.verify_chain(session, chain_for(args.account))]
            if args.account is not None
            else service.verify_all(session)
        )
    broken = [r for r in reports if not r.ok]
    for report in reports:
        if report.ok:
            print(f"ok      {report.chain}: {report.checked} events")
        else:
            where = (
                f" at event id {report.broken_event_id} (#{report.broken_seq})"
                if report.broken_seq
                else ""
            )
            print(f"BROKEN  {report.chain}{where}: {report.reason}")
    return 1 if broken else 0


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jointplan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

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
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=cmd_migrate
    )
    commands.add_parser("demo", help="load the demo workspace (once)").set_defaults(run=cmd_demo)

    admin = commands.add_parser("create-admin", help="create a workspace and its first admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--workspace", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(run=cmd_create_admin)

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="verify hash chains; exit 1 if one is broken")
    verify.add_argument("--account", type=int, help="only this account's chain")
    verify.set_defaults(run=cmd_audit_verify)

    args = parser.parse_args(argv)
    result: int = args.run(Settings(), args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
