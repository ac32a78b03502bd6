"""Keeping an upload's rows as a draft, and using a draft once.

The preview shows a draft's rows; the confirmation applies the rows of that draft, read back
from the database (never uploaded again), inside the request's one transaction: the domain's
services make each item, then ``finish`` marks the draft used and audits the import itself. A
draft is the uploader's alone and is used at most once: its row is locked while it is applied,
so a second confirmation (even at the same moment) finds it used and changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session

from app.audit import service as audit
from app.imports import repository
from app.imports.reading import Row
from app.models import ImportDraft, ImportKind, User, Visibility, utcnow

ITEM = "import"
USED = "This file was imported already (its preview can be confirmed once). Nothing was done again."


class DraftUsed(Exception):
    """The draft was confirmed already: nothing is done again."""


def keep(
    session: Session,
    *,
    uploader: User,
    kind: ImportKind,
    workspace_id: int,
    account_id: int | None,
    file_name: str,
    rows: list[Row],
) -> ImportDraft:
    """A new draft of ``rows`` (the uploader's expired drafts are deleted)."""
    assert uploader.id is not None
    repository.forget_old(session, uploader_id=uploader.id)
    draft = ImportDraft(
        kind=kind,
        workspace_id=workspace_id,
        account_id=account_id,
        uploader_id=uploader.id,
        file_name=file_name[:200],
        rows=[asdict(row) for row in rows],
    )
    session.add(draft)
    session.flush()
    return draft


def rows_of(draft: ImportDraft) -> list[Row]:
    return [Row(int(row["number"]), dict(row["values"])) for row in draft.rows]


def claim(
    session: Session,
    *,
    draft_id: int,
    uploader: User,
    kind: ImportKind,
    workspace_id: int,
    account_id: int | None,
) -> ImportDraft | None:
    """The uploader's live draft of this workspace (and account), locked (None: not theirs,
    expired or missing). Raises ``DraftUsed`` when it was confirmed already."""
    assert uploader.id is not None
    draft = repository.claim(
        session,
        draft_id=draft_id,
        uploader_id=uploader.id,
        kind=kind,
        workspace_id=workspace_id,
        account_id=account_id,
    )
    if draft is not None and draft.used_at is not None:
        raise DraftUsed()
    return draft


def finish(
    session: Session, *, actor: User, draft: ImportDraft, made: list[str], account_id: int | None
) -> None:
    """The draft is used; the import is audited (on the account's chain for stakeholders,
    the global one for accounts), naming the file and what was made."""
    draft.used_at = utcnow()
    session.add(draft)
    audit.record(
        session,
        actor=actor,
        verb=f"{draft.kind}.imported",
        item_type=ITEM,
        item_id=draft.id,
        account_id=account_id,
        changes={"file": [None, draft.file_name], "rows": [None, len(made)], "made": [None, made]},
        visibility=Visibility.INTERNAL,
    )
