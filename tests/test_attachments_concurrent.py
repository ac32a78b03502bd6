"""Simultaneous requests about files that share their bytes (content-addressed blobs), on the
app served on a real port, on a database whose transactions really commit: the last two
references deleted at once leave neither an orphan blob nor a removed blob still referred to;
an upload racing the deletion of the last reference keeps its bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from app.agreement import service as agreement
from app.agreement import snapshot
from app.attachments.storage import LocalStore
from app.config import Settings
from app.models import Action, Attachment, AttachmentBlob, Plan, PlanVersion, Role, User
from app.plans import repository as plans_repo
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, _scene, race

pytestmark = pytest.mark.usefixtures("fast_hashing")
PDF = b"%PDF-1.4\nshared deck\n%%EOF\n"
ROUNDS = 3


@pytest.fixture
def live_settings(live_settings: Settings, tmp_path: Path) -> Settings:
    live_settings.attachments_dir = str(tmp_path / "files")
    return live_settings


def _actions(server: LiveServer, account_id: int, count: int) -> list[int]:
    with server.db.session() as session:
        plan: Plan | None = plans_repo.current(session, account_id=account_id)
        assert plan is not None
        assert plan.id is not None
        made = [
            Action(account_id=account_id, plan_id=plan.id, title=f"Action {i}")
            for i in range(count)
        ]
        session.add_all(made)
        session.commit()
        return [a.id for a in made if a.id is not None]


def _upload(client: httpx.Client, account_id: int, action_id: int) -> httpx.Response:
    return client.post(
        f"/accounts/{account_id}/files/action/{action_id}",
        data={"csrf_token": CSRF},
        files={"file": ("deck.pdf", PDF, "application/pdf")},
    )


def _delete(client: httpx.Client, account_id: int, attachment_id: int) -> httpx.Response:
    return client.post(
        f"/accounts/{account_id}/attachments/{attachment_id}/delete",
        data={**CONFIRMATION, "csrf_token": CSRF},
    )


def _live_files(server: LiveServer) -> list[Attachment]:
    with Session(server.db.engine) as session:
        return list(
            session.exec(select(Attachment).where(col(Attachment.deleted_at).is_(None))).all()
        )


def _blob(server: LiveServer, digest: str) -> AttachmentBlob | None:
    with Session(server.db.engine) as session:
        return session.get(AttachmentBlob, digest)


def test_the_last_two_references_deleted_at_once_remove_the_bytes_once(
    live_server: LiveServer,
) -> None:
    scene = _scene(live_server, Role.MEMBER)
    store = LocalStore(live_server.settings.resolved_attachments_dir)
    digest = hashlib.sha256(PDF).hexdigest()
    clients = [_client(live_server, person) for person in scene.people[:2]]
    try:
        for _round in range(ROUNDS):
            actions = _actions(live_server, scene.account_id, 2)
            for client, action_id in zip(clients, actions, strict=True):
                assert _upload(client, scene.account_id, action_id).status_code == 303
            files = [f.id for f in _live_files(live_server) if f.id is not None]
            assert len(files) == 2
            blob = _blob(live_server, digest)
            assert blob is not None
            assert blob.refs == 2
            assert store.exists(digest)

            responses = race(
                [
                    partial(_delete, client, scene.account_id, file_id)
                    for client, file_id in zip(clients, files, strict=True)
                ]
            )

            assert [r.status_code for r in responses] == [303, 303]
            assert _live_files(live_server) == []
            assert _blob(live_server, digest) is None  # no orphan row
            assert not store.exists(digest)  # no orphan bytes
    finally:
        for client in clients:
            client.close()


def test_an_upload_racing_the_last_deletion_keeps_its_bytes(live_server: LiveServer) -> None:
    scene = _scene(live_server, Role.MEMBER)
    store = LocalStore(live_server.settings.resolved_attachments_dir)
    digest = hashlib.sha256(PDF).hexdigest()
    clients = [_client(live_server, person) for person in scene.people[:2]]
    try:
        for _round in range(ROUNDS):
            first, second = _actions(live_server, scene.account_id, 2)
            assert _upload(clients[0], scene.account_id, first).status_code == 303
            [old] = _live_files(live_server)
            assert old.id is not None

            responses = race(
                [
                    partial(_delete, clients[0], scene.account_id, old.id),
                    partial(_upload, clients[1], scene.account_id, second),
                ]
            )

            assert [r.status_code for r in responses] == [303, 303]
            [new] = _live_files(live_server)
            blob = _blob(live_server, digest)
            assert blob is not None
            assert blob.refs == 1
            assert store.exists(digest), "a referenced blob was removed"
            assert new.id is not None
            assert _delete(clients[1], scene.account_id, new.id).status_code == 303
            assert not store.exists(digest)
    finally:
        for client in clients:
            client.close()


@dataclass(frozen=True)
class Agreeing:
    account_id: int
    plan_id: int
    lead: User
    sponsor: User
    member: User


def _agreeing_scene(server: LiveServer) -> Agreeing:
    """An account with a lead, a client sponsor and a client member (who uploads)."""
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        lead = factories.make_user(session, workspace=workspace, password=None)
        sponsor = factories.make_user(session, password=None)
        member = factories.make_user(session, password=None)
        for person, role in ((lead, Role.LEAD), (sponsor, Role.SPONSOR), (member, Role.MEMBER)):
            factories.add_member(session, account=account, user=person, role=role, by=admin)
        session.commit()
        assert account.id is not None
        plan = plans_repo.current(session, account_id=account.id)
        assert plan is not None
        assert plan.id is not None
        return Agreeing(account.id, plan.id, lead, sponsor, member)


def _submitted_with_sponsor(server: LiveServer, scene: Agreeing) -> None:
    with server.db.session() as session:
        plan = session.get(Plan, scene.plan_id)
        assert plan is not None
        lead, sponsor = session.merge(scene.lead), session.merge(scene.sponsor)
        agreement.submit(session, actor=lead, plan=plan)
        agreement.approve(session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR)
        session.commit()


def _listed_in_versions(server: LiveServer, plan_id: int, digest: str) -> int:
    with Session(server.db.engine) as session:
        versions = session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan_id)).all()
        return sum(
            1 for v in versions for f in snapshot.files_of(v.snapshot) if f["sha256"] == digest
        )


def test_an_agreement_racing_the_deletion_of_its_file_keeps_the_bytes_it_lists(
    live_server: LiveServer,
) -> None:
    """Either the version froze first (it lists the file and holds its bytes), or the deletion
    came first (the approval is refused: the plan changed; the bytes are gone): never a
    version listing bytes that were removed, never bytes nothing refers to."""
    scene = _agreeing_scene(live_server)
    store = LocalStore(live_server.settings.resolved_attachments_dir)
    lead, member = _client(live_server, scene.lead), _client(live_server, scene.member)
    try:
        for n in range(ROUNDS):
            data = PDF + f"round {n}".encode()
            digest = hashlib.sha256(data).hexdigest()
            [action_id] = _actions(live_server, scene.account_id, 1)
            uploaded = member.post(
                f"/accounts/{scene.account_id}/files/action/{action_id}",
                data={"csrf_token": CSRF},
                files={"file": ("deck.pdf", data, "application/pdf")},
            )
            assert uploaded.status_code == 303
            [file] = _live_files(live_server)
            assert file.id is not None
            _submitted_with_sponsor(live_server, scene)

            race(
                [
                    partial(lead.post, f"/accounts/{scene.account_id}/plan/approve"),
                    partial(_delete, member, scene.account_id, file.id),
                ]
            )

            listed = _listed_in_versions(live_server, scene.plan_id, digest)
            blob = _blob(live_server, digest)
            assert (blob.refs if blob else 0) == listed
            assert store.exists(digest) == bool(listed), "bytes removed under a version"
    finally:
        lead.close()
        member.close()
