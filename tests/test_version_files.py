"""An agreed version keeps its files: the snapshot lists the shared files of its items, the
version refers to their bytes (the blob's count), so deleting a file later keeps the bytes
while the version refers to them, and the version serves them with its page's guard."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from app.agreement import snapshot
from app.attachments import service as attachments
from app.attachments.storage import LocalStore
from app.db import Database
from app.models import Attachment, AttachmentBlob
from app.plans import repository as plans_repo
from app.web.confirm import CONFIRMATION
from tests import test_attachments
from tests.conftest import CSRF
from tests.factories import World, sign_in
from tests.test_agreement import agree
from tests.test_attachments import (
    PDF,
    add_action,
    add_comment,
    add_initiative,
    files_path,
    post_file,
)
from tests.testclient import TestClient

HEADERS = {"X-CSRF-Token": CSRF}
AGREED = b"%PDF-1.4\n% the deck both sides agreed\n%%EOF\n"


# The attachments' tests' settings (files in the test's own directory) and store.
settings = test_attachments.settings
store = test_attachments.store


def refs(session: Session, data: bytes) -> int | None:
    session.expire_all()
    blob = session.get(AttachmentBlob, hashlib.sha256(data).hexdigest())
    return None if blob is None else blob.refs


def only_file(session: Session, name: str) -> Attachment:
    session.expire_all()
    return session.exec(select(Attachment).where(Attachment.file_name == name)).one()


def test_a_deleted_file_stays_downloadable_from_the_version_that_agreed_it(
    client: TestClient, session: Session, world: World, store: LocalStore
) -> None:
    action_id = add_action(session, world)
    sign_in(client, session, world.members["member"])
    path = files_path(world, "action", action_id)
    assert post_file(client, path, "Agreed deck.pdf", AGREED).status_code == 303  # type: ignore[attr-defined]
    assert post_file(client, path, "Scratch.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    agreed, scratch = only_file(session, "Agreed deck.pdf"), only_file(session, "Scratch.pdf")
    version = agree(session, world)
    digest = hashlib.sha256(AGREED).hexdigest()
    assert [f["name"] for f in version.snapshot["files"][f"action:{action_id}"]] == [
        "Agreed deck.pdf",
        "Scratch.pdf",
    ]
    assert version.snapshot["files"][f"action:{action_id}"][0]["sha256"] == digest
    assert refs(session, AGREED) == 2  # the attachment and the version

    removed = f"/accounts/{world.account.id}/attachments/{agreed.id}/delete"
    assert client.post(removed, data=CONFIRMATION, headers=HEADERS).status_code == 303
    assert refs(session, AGREED) == 1  # the version still refers to the bytes
    assert store.exists(digest)
    assert client.get(f"/accounts/{world.account.id}/attachments/{agreed.id}").status_code == 404

    version_url = f"/accounts/{world.account.id}/plan/versions/{version.id}"
    for role in ("sponsor", "viewer", "lead"):
        sign_in(client, session, world.members[role])
        page = client.get(version_url)
        assert "Agreed deck.pdf" in page.text
        assert f"{version_url}/files/{agreed.id}" in page.text
        download = client.get(f"{version_url}/files/{agreed.id}")
        assert download.status_code == 200
        assert download.content == AGREED
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-security-policy"] == "sandbox; default-src 'none'"
        assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get(f"{version_url}/files/{scratch.id + 1}").status_code == 404  # type: ignore[operator]

    # Deleting the second file too: the version still holds its bytes; nothing is swept.
    sign_in(client, session, world.members["member"])
    removed = f"/accounts/{world.account.id}/attachments/{scratch.id}/delete"
    assert client.post(removed, data=CONFIRMATION, headers=HEADERS).status_code == 303
    assert refs(session, PDF) == 1
    assert store.exists(hashlib.sha256(PDF).hexdigest())


def test_the_bytes_go_only_when_nothing_refers_to_them(
    client: TestClient, session: Session, world: World, store: LocalStore, db: Database
) -> None:
    action_id = add_action(session, world)
    sign_in(client, session, world.members["member"])
    path = files_path(world, "action", action_id)
    assert post_file(client, path, "Agreed deck.pdf", AGREED).status_code == 303  # type: ignore[attr-defined]
    agree(session, world)
    assert post_file(client, path, "Later.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    later = only_file(session, "Later.pdf")
    removed = f"/accounts/{world.account.id}/attachments/{later.id}/delete"
    assert client.post(removed, data=CONFIRMATION, headers=HEADERS).status_code == 303
    # No version refers to the later file: its bytes are gone with it.
    assert refs(session, PDF) is None
    assert not store.exists(hashlib.sha256(PDF).hexdigest())
    # The agreed file's bytes are held by its version even when no attachment refers to them.
    agreed = only_file(session, "Agreed deck.pdf")
    removed = f"/accounts/{world.account.id}/attachments/{agreed.id}/delete"
    assert client.post(removed, data=CONFIRMATION, headers=HEADERS).status_code == 303
    digest = hashlib.sha256(AGREED).hexdigest()
    assert attachments.sweep(db, digest, store) is False
    assert store.exists(digest)
    assert refs(session, AGREED) == 1


def test_a_version_lists_no_file_of_a_comment_or_of_a_draft(
    client: TestClient, session: Session, world: World
) -> None:
    comment_id = add_comment(session, world, team_only=False)
    draft_id = add_initiative(session, world, draft=True)
    sign_in(client, session, world.members["member"])  # the comment's author
    said = post_file(client, files_path(world, "comment", comment_id), "said.pdf", PDF)
    assert said.status_code == 303  # type: ignore[attr-defined]
    sign_in(client, session, world.members["lead"])
    draft = post_file(client, files_path(world, "initiative", draft_id), "draft.pdf", AGREED)
    assert draft.status_code == 303  # type: ignore[attr-defined]
    assert len(session.exec(select(Attachment)).all()) == 2
    version = agree(session, world)
    assert "files" not in version.snapshot
    assert snapshot.files_of(version.snapshot) == []
    assert refs(session, PDF) == 1
    assert refs(session, AGREED) == 1


def test_a_plan_without_files_hashes_as_before(session: Session, world: World) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    assert set(snapshot.build(session, plan=plan)) == {"format", "period", "sections"}
