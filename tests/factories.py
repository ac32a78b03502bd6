"""Plain factory functions for tests: each makes rows through the services where one exists."""

from __future__ import annotations

import functools
import hashlib
import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from app.accounts import service as accounts
from app.attachments import repository as attachments_repo
from app.attachments import service as attachments
from app.attachments.kinds import TextCheck
from app.attachments.storage import store_for
from app.attachments.upload import Received
from app.audit import service as audit
from app.auth import sessions
from app.auth.passwords import hash_password
from app.config import Settings
from app.models import (
    Account,
    Attachment,
    IdentityKind,
    Membership,
    Role,
    SignInIdentity,
    User,
    Workspace,
    WorkspaceRole,
)
from app.users import service as users
from app.users.repository import PASSWORD_ISSUER
from tests.testclient import TestClient

PASSWORD = "correct horse battery"
_Row = TypeVar("_Row", Workspace, User, Account, Membership)
_seq = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return hash_password(PASSWORD)


def make_workspace(session: Session, name: str = "") -> Workspace:
    workspace = Workspace(name=name or f"Workspace {next(_seq)}")
    session.add(workspace)
    session.flush()
    return workspace


def make_user(
    session: Session,
    *,
    email: str = "",
    name: str = "",
    workspace: Workspace | None = None,
    admin: bool = False,
    password: str | None = PASSWORD,
) -> User:
    n = next(_seq)
    user = users.create(
        session,
        email=email or f"person{n}@example.com",
        display_name=name or f"Person {n}",
        password=password if password != PASSWORD else None,
        workspace_id=workspace.id if workspace else None,
        workspace_role=(WorkspaceRole.ADMIN if admin else WorkspaceRole.MEMBER)
        if workspace
        else None,
    )
    if password == PASSWORD:
        session.add(
            SignInIdentity(
                user_id=user.id,  # type: ignore[arg-type]
                kind=IdentityKind.PASSWORD,
                issuer=PASSWORD_ISSUER,
                subject=str(user.id),
                password_hash=_password_hash(),
            )
        )
        session.flush()
    return user


def make_account(session: Session, *, admin: User, name: str = "", lead_email: str = "") -> Account:
    n = next(_seq)
    account, _ = accounts.create_account(
        session,
        actor=admin,
        client_name=f"Client {n}",
        account_name=name or f"Account {n}",
        period="FY2027",
        lead_email=lead_email or f"lead-invite{n}@example.com",
        invitation_days=7,
    )
    return account


def add_member(
    session: Session, *, account: Account, user: User, role: Role, by: User
) -> Membership:
    return accounts.add_member(session, actor=by, account=account, user=user, role=role)


@functools.cache
def _sign_in_settings() -> Settings:
    """What a sign-in reads of the settings (the session's lifetimes), built once: a test signs
    in several people, and building settings takes 1.5 ms."""
    return Settings(environment="test", secret_key="s" * 64)


def sign_in(client: TestClient, session: Session, user: User) -> str:
    """Give ``client`` a live session of ``user`` (as a successful sign-in would)."""
    token = sessions.start(
        session, user=user, ip="testclient", user_agent="pytest", settings=_sign_in_settings()
    )
    session.commit()
    client.cookies.set(sessions.SESSION_COOKIE, token)
    return token


@dataclass
class World:
    workspace: Workspace
    other_workspace: Workspace
    admin: User
    other_admin: User
    account: Account
    other_account: Account
    foreign_account: Account
    members: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    removed: User | None = None
    outsider: User | None = None


def build_world(session: Session) -> World:
    workspace = make_workspace(session, "Vendor")
    other_workspace = make_workspace(session, "Other vendor")
    admin = make_user(session, email="admin@vendor.example", workspace=workspace, admin=True)
    other_admin = make_user(
        session, email="admin@other.example", workspace=other_workspace, admin=True
    )
    account = make_account(session, admin=admin, name="Own account")
    other_account = make_account(session, admin=admin, name="Other account")
    foreign_account = make_account(session, admin=other_admin, name="Foreign account")
    world = World(
        workspace, other_workspace, admin, other_admin, account, other_account, foreign_account
    )
    for role in Role:
        vendor = role.side.value == "vendor"
        user = make_user(
            session,
            email=f"{role.value}@{'vendor' if vendor else 'client'}.example",
            name=role.label,
            workspace=workspace if vendor else None,
        )
        world.members[role.value] = user
        world.memberships[role.value] = add_member(
            session, account=account, user=user, role=role, by=admin
        )
    removed = make_user(session, email="removed@client.example")
    membership = add_member(session, account=account, user=removed, role=Role.MEMBER, by=admin)
    accounts.remove(session, actor=admin, membership=membership)
    world.removed = removed
    world.outsider = make_user(session, email="outsider@client.example")
    return world


def reload_world(session: Session, built: World) -> World:
    """``built`` (made by ``build_world`` in another session) as fresh objects of ``session``:
    the same ids, every attribute as stored, nothing a previous test changed. One query a kind
    of row (four), not one a row (21): every test that uses the world pays for it."""
    places = ("workspace", "other_workspace", "admin", "other_admin", "account")
    places += ("other_account", "foreign_account")
    rows = [getattr(built, name) for name in places]
    rows += [*built.members.values(), *built.memberships.values(), built.removed, built.outsider]
    wanted: dict[type[SQLModel], set[int]] = {}
    for row in rows:
        if row is not None:
            wanted.setdefault(type(row), set()).add(row.id)
    loaded: dict[tuple[type[SQLModel], int], SQLModel] = {}
    for model, ids in wanted.items():
        query = select(model).where(col(model.id).in_(ids))  # type: ignore[attr-defined]
        for found in session.exec(query.execution_options(populate_existing=True)):
            loaded[model, found.id] = found  # type: ignore[attr-defined]

    def again(row: _Row) -> _Row:
        found = loaded.get((type(row), row.id))  # type: ignore[attr-defined]
        assert found is not None, f"{type(row).__name__} {row.id} is gone"  # type: ignore[attr-defined]
        return found  # type: ignore[return-value]

    world = World(*(again(getattr(built, name)) for name in places))
    world.members = {role: again(user) for role, user in built.members.items()}
    world.memberships = {role: again(m) for role, m in built.memberships.items()}
    world.removed = again(built.removed) if built.removed else None
    world.outsider = again(built.outsider) if built.outsider else None
    return world


def make_account_with_events(
    session: Session, events: int = 5, admin: User | None = None
) -> Account:
    """An account (with a new workspace and admin unless ``admin`` is given) whose audit chain
    holds its creation and ``events`` more changes."""
    if admin is None:
        workspace = make_workspace(session)
        admin = make_user(session, workspace=workspace, admin=True, password=None)
    account = make_account(session, admin=admin)
    for i in range(events):
        audit.record(
            session,
            actor=admin,
            verb="test.changed",
            item_type="thing",
            item_id=i,
            account_id=account.id,
            changes={"title": [f"old {i}", f"new {i}"]},
        )
    return account


def attach(
    session: Session,
    *,
    actor: User,
    account_id: int,
    item_type: str,
    item_id: int,
    name: str,
    data: bytes,
    settings: Settings | None = None,
) -> Attachment:
    """A text file on an item of the account, through the service (audited), its bytes in the
    store ``settings`` name (by default the one every test app uses)."""
    target = attachments_repo.find_target(
        session, account_id=account_id, item_type=item_type, item_id=item_id
    )
    assert target is not None, (item_type, item_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        received = Received(
            path, name, len(data), digest, data[:8192], TextCheck(utf8=True, nul=False)
        )
        return attachments.add(
            session,
            actor=actor,
            target=target,
            received=received,
            file_name=name,
            content_type="text/plain",
            store=store_for(settings or Settings()),
        )
