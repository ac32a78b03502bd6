"""``jointplan``: serve, migrate, load the demo, create an admin, verify audit chains."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.config import Settings
from app.db import Database, create_db_engine


@contextmanager
def _db(settings: Settings) -> Iterator[Database]:
    db = Database(create_db_engine(settings.resolved_database_url))
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


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers
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
    print(demo.sign_in_text(settings.base_url))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jointplan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve, needs_schema=False)  # the server checks and says itself

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

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="verify hash chains; exit 1 if one is broken")
    verify.add_argument("--account", type=int, help="only this account's chain")
    verify.set_defaults(run=cmd_audit_verify)

    args = parser.parse_args(argv)
    settings = Settings()
    # Every command needs the schema at head unless it says otherwise (``needs_schema=False``).
    if getattr(args, "needs_schema", True) and (problem := database_problem(settings)):
        print(problem, file=sys.stderr)
        return EXIT_DATABASE
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
