"""Adding and deleting files. Every change is audited with its item's visibility (a file on an
internal item is an internal event): an upload with the file's name, size, hash and item, a
deletion with who, which file and which item. Deleting keeps the row; the bytes are kept while
any attachment (of any item, any period) or any agreed version (which lists its files, and
holds one reference per file: ``app.agreement.service``) refers to the same content, and
removed after the last reference went (``sweep``), under the blob row's lock."""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session

from app.attachments import repository
from app.attachments.repository import FileTarget
from app.attachments.storage import BlobStore
from app.attachments.upload import Received
from app.audit.service import record
from app.db import Database, after_commit, one_line
from app.models import Attachment, User, Visibility, utcnow

log = logging.getLogger(__name__)
ITEM_TYPE = "attachment"


def add(
    session: Session,
    *,
    actor: User,
    target: FileTarget,
    received: Received,
    file_name: str,
    content_type: str,
    store: BlobStore,
) -> Attachment:
    """A new file on ``target``: its blob referenced (the row locked until commit, so a sweep
    of the same content waits), its bytes stored if they are not there yet, the row and the
    audit event written."""
    assert actor.id is not None
    repository.reference(session, sha256=received.sha256, size=received.size)
    store.put(received.sha256, received.path)
    attachment = Attachment(
        account_id=target.account_id,
        plan_id=target.plan_id,
        file_name=file_name,
        content_type=content_type,
        size=received.size,
        sha256=received.sha256,
        uploaded_by_id=actor.id,
    )
    setattr(attachment, target.column.value, target.value)
    session.add(attachment)
    session.flush()
    record(
        session,
        actor=actor,
        verb="attachment.added",
        item_type=ITEM_TYPE,
        item_id=attachment.id,
        account_id=target.account_id,
        changes=_facts(attachment, target, added=True),
        visibility=Visibility(target.visibility),
    )
    return attachment


def remove(
    session: Session,
    *,
    actor: User,
    attachment: Attachment,
    target: FileTarget,
    store: BlobStore,
) -> None:
    """Mark the file deleted (the caller holds its row's lock), lower its blob's count, audit;
    once committed, remove the bytes if nothing refers to them any more."""
    assert actor.id is not None
    attachment.deleted_at = utcnow()
    attachment.deleted_by_id = actor.id
    session.add(attachment)
    session.flush()
    repository.release(session, sha256=attachment.sha256)
    record(
        session,
        actor=actor,
        verb="attachment.deleted",
        item_type=ITEM_TYPE,
        item_id=attachment.id,
        account_id=target.account_id,
        changes=_facts(attachment, target, added=False),
        visibility=Visibility(target.visibility),
    )
    database = session.info.get("db")
    if isinstance(database, Database):
        after_commit(session, partial(sweep_logged, database, attachment.sha256, store))


def _facts(attachment: Attachment, target: FileTarget, *, added: bool) -> dict[str, list[object]]:
    facts = {
        "file_name": attachment.file_name,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "item": target.key,
    }
    return {name: [None, value] if added else [value, None] for name, value in facts.items()}


def sweep(database: Database, sha256: str, store: BlobStore) -> bool:
    """Remove the blob ``sha256`` if no attachment refers to it: in a transaction of its own
    that locks the blob's row, so an upload of the same content (which raises the count under
    the same lock, then stores the bytes) either comes first and keeps the bytes, or after and
    stores them again. True when the bytes were removed."""
    with database.session() as session:
        blob = repository.unreferenced(session, sha256=sha256)
        if blob is None:
            return False
        store.delete(sha256)
        session.delete(blob)
        session.commit()
        return True


def sweep_logged(database: Database, sha256: str, store: BlobStore) -> None:
    """``sweep`` after a deletion's commit: a store that does not answer leaves the bytes (and
    the blob's row at 0 references, so a later sweep or upload settles it); logged."""
    try:
        sweep(database, sha256, store)
    except Exception as exc:
        log.warning("attachment blob %s not swept: %s", sha256, one_line(exc))
