"""Live events: one row per change to an account's plan item, in the change's transaction.

``derive`` is called by ``app.audit.service.record`` for every audited change of an account, so
every shared item (and whatever later features audit) publishes without touching its service.
``SECTIONS`` maps each item type the services record to the section of the plan page that shows
it (``None``: nothing on the plan page; ``WORKSPACE``: the vendor's internal workspace). An item
type not listed there makes open plan pages reload every section.

Numbering: ``seq`` counts every event of the account, ``shared_seq`` only shared ones; both are
taken as ``max + 1`` while the account's audit chain head is locked by ``record`` (the unique
constraints back it up), so they have no gaps. On PostgreSQL the event is announced with
``pg_notify`` in the same transaction (delivered only if it commits: ids only, never content); on
SQLite the database's ``on_live_event`` callback is called after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, col, func, select

from app.db import Database, after_commit
from app.models import (
    Attachment,
    AttachmentTarget,
    Comment,
    CommentTarget,
    LiveEvent,
    Visibility,
    utcnow,
)

CHANNEL = "jointplan_live"
RELOAD = "plan"  # every section of the plan page
WORKSPACE = "workspace"  # the vendor's internal strategy workspace (no section of the plan page)

SECTIONS: dict[str, str | None] = {
    # The joint plan.
    "strategy_entry": "strategy",
    "strategy": "strategy",  # a strategy section's thread
    "priority": "priorities",
    "strategy_suggestion": "strategy",  # the vendor's suggested entry, shown in its section
    "value_rating": "value",
    "initiative": "initiatives",
    "action": "actions",
    "comment": "comments",  # resolved to the section its thread is in (``_comment_section``)
    "attachment": "attachments",  # resolved to its item's section (``_attachment_section``)
    "plan": "agreement",
    "key_account_answer": "key-account",  # the client sponsor's answer (shared)
    # The joint review's meeting and minutes have pages of their own; the plan page only links
    # to them.
    "joint_review": None,
    "review_decision": None,
    # The vendor's internal workspace: events for the vendor side only, even the shared ones
    # (what was sent for validation): the client's plan page has nothing to fetch for them.
    "perceived_priority": WORKSPACE,
    "perceived_rating": WORKSPACE,
    "scorecard_attribute": WORKSPACE,
    "account_score": WORKSPACE,
    "profile_section": WORKSPACE,
    "stakeholder": WORKSPACE,
    "stakeholder_contact": WORKSPACE,
    "stakeholder_link": WORKSPACE,
    "department_tension": WORKSPACE,
    "opportunity": WORKSPACE,
    "account_goal": WORKSPACE,
    "account_actual": WORKSPACE,
    "review": WORKSPACE,
    "review_cadence": WORKSPACE,
    "mentor_request": WORKSPACE,
    "commitment": "agreement",  # the team's commitment (internal: the vendor side's streams only)
    "planned_hours": WORKSPACE,
    # The workspace's objectives and tiers' treatments are on the global chain: no account.
    "strategic_objective": None,
    "tier_treatment": None,
    "import": WORKSPACE,  # an import of stakeholders (an import of accounts is on no account)
    # Not shown on any plan page: no event.
    "account": None,
    "membership": None,
    "invitation": None,
    "user": None,
    "api_token": None,  # a person's own, on the global chain
    "workspace": None,
    "outbox_message": None,
    "webhook_endpoint": None,  # a workspace's, on the global chain
    "webhook_delivery": None,
}
# A verb recorded against another item type than the section it changes.
VERB_SECTIONS = {
    "priority.reordered": "priorities",
    "plan.period_started": RELOAD,  # a new period: every section is another plan's now
}

_THREAD_SECTIONS = {
    CommentTarget.PRIORITY: "priorities",
    CommentTarget.INITIATIVE: "initiatives",
    CommentTarget.ACTION: "actions",
    CommentTarget.RATING: "value",
    CommentTarget.STRATEGY: "strategy",
}


def section_of(session: Session, verb: str, item_type: str, item_id: str) -> str | None:
    if verb in VERB_SECTIONS:
        return VERB_SECTIONS[verb]
    section = SECTIONS.get(item_type, RELOAD)
    if section == "comments":
        return _comment_section(session, item_id)
    if section == "attachments":
        return _attachment_section(session, item_id)
    return section


def _comment_section(session: Session, item_id: str) -> str:
    """The section a comment's thread hangs in (the comment is in the session already)."""
    comment = session.get(Comment, int(item_id)) if item_id.isdigit() else None
    if comment is None:
        return RELOAD
    for target, section in _THREAD_SECTIONS.items():
        if getattr(comment, target.value) is not None:
            return section
    return RELOAD


_FILE_SECTIONS = {
    AttachmentTarget.PRIORITY: "priorities",
    AttachmentTarget.INITIATIVE: "initiatives",
    AttachmentTarget.ACTION: "actions",
    AttachmentTarget.STRATEGY: "strategy",
}


def _attachment_section(session: Session, item_id: str) -> str:
    """The section a file's item is in (a comment's file: its thread's section)."""
    attachment = session.get(Attachment, int(item_id)) if item_id.isdigit() else None
    if attachment is None:
        return RELOAD
    if attachment.comment_id is not None:
        return _comment_section(session, str(attachment.comment_id))
    for target, section in _FILE_SECTIONS.items():
        if getattr(attachment, target.value) is not None:
            return section
    return RELOAD


_LIVE = LiveEvent.__table__  # type: ignore[attr-defined]
# What an event is given; its numbers are taken in the INSERT itself (``_numbered``).
_GIVEN = ("section", "item_type", "item_id", "visibility", "actor_name", "actor_id", "occurred_at")


def _numbered(shared: bool, notify: bool) -> ReturningInsert[Any]:
    """One statement, built once: the account's next event numbered ``max + 1`` (and for a
    ``shared`` event the next shared number) and inserted, its ``seq`` returned; with
    ``notify`` (PostgreSQL) announced in the same statement (``notice``), not in one more."""
    following = sa.select(
        sa.bindparam("account_id", type_=_LIVE.c.account_id.type),
        sa.func.coalesce(sa.func.max(_LIVE.c.seq), 0) + 1,
        sa.func.coalesce(sa.func.max(_LIVE.c.shared_seq), 0) + 1 if shared else sa.null(),
        *(sa.bindparam(name, type_=_LIVE.c[name].type) for name in _GIVEN),
    ).where(_LIVE.c.account_id == sa.bindparam("account_id"))
    columns = ("account_id", "seq", "shared_seq", *_GIVEN)
    returned: list[sa.ColumnElement[Any]] = [_LIVE.c.seq]
    if notify:
        text = sa.func.concat("e:", _LIVE.c.account_id, ":", _LIVE.c.seq)  # ``notice``
        returned.append(func.pg_notify(CHANNEL, text))
    return sa.insert(_LIVE).from_select(columns, following).returning(*returned)


_INSERT = {
    (shared, notify): _numbered(shared, notify)
    for shared in (True, False)
    for notify in (True, False)
}


@dataclass(frozen=True)
class LiveChange:
    """The live event of one audited change, before it is numbered: whether both sides see it
    (``shared``) and the values its insert (``numbered_insert``) is given."""

    shared: bool
    values: dict[str, Any]


def change_of(
    session: Session,
    *,
    account_id: int,
    verb: str,
    item_type: str,
    item_id: str,
    visibility: str,
    actor_name: str,
    actor_id: int | None = None,
) -> LiveChange | None:
    """The live event of one audited change, to be numbered (None when no plan page shows
    it)."""
    section = section_of(session, verb, item_type, item_id)
    if section is None:
        return None
    # The vendor's workspace is the vendor's (what it sends the client has a page of its own).
    shared = visibility == Visibility.SHARED and section != WORKSPACE
    values = {
        "account_id": account_id,
        "section": section,
        "item_type": item_type,
        "item_id": item_id,
        "visibility": str(visibility),
        "actor_name": actor_name[:200],
        "actor_id": actor_id,
        "occurred_at": utcnow(),
    }
    return LiveChange(shared, values)


def numbered_insert(shared: bool, *, notify: bool) -> ReturningInsert[Any]:
    """The statement that numbers and inserts a change's live event (its parameters: the
    ``LiveChange``'s values; ``shared``: its ``shared``), built once; with ``notify``
    (PostgreSQL) it also announces it. The caller holds the account's audit chain head lock,
    which serialises the numbering: the statement must start after the lock was taken (its
    ``max + 1`` is read from the statement's snapshot)."""
    return _INSERT[shared, notify]


def derive(session: Session, change: LiveChange) -> int:
    """Number and insert ``change`` in a statement of its own: its ``seq``. The caller holds
    the account's audit chain head lock."""
    connection = session.connection()  # a plain statement: the ORM's execute only costs
    notify = connection.dialect.name == "postgresql"
    seq = int(
        connection.execute(
            numbered_insert(change.shared, notify=notify), change.values
        ).scalar_one()
    )
    if not notify:
        _tell_after_commit(session, change.values["account_id"])
    return seq


def event_id(vendor: bool, number: int) -> str:
    """An event's id for one side: ``v<n>`` in the vendor side's numbering, ``c<n>`` in the
    client side's (shared events only)."""
    return f"{'v' if vendor else 'c'}{number}"


def notice(account_id: int, seq: int) -> str:
    """What travels between instances: ids only."""
    return f"e:{account_id}:{seq}"


def _tell_after_commit(session: Session, account_id: int) -> None:
    """SQLite: this instance's streams hear of the account's event once it committed."""
    db: Database | None = session.info.get("db")
    if db is not None:
        after_commit(session, partial(_tell, db, account_id), only_wakes=True)


def _tell(db: Database, account_id: int) -> None:
    if db.on_live_event is not None:
        db.on_live_event(account_id)


def prune(session: Session, *, keep_hours: float) -> int:
    """Forget events older than ``keep_hours``, except each account's latest (and latest shared)
    one, which the numberings go on from. A page asking for older ones is told to reload."""
    cutoff = utcnow() - timedelta(hours=keep_hours)
    newest = select(LiveEvent.id).where(
        sa.or_(
            sa.tuple_(LiveEvent.account_id, LiveEvent.seq).in_(
                select(LiveEvent.account_id, func.max(LiveEvent.seq)).group_by(
                    col(LiveEvent.account_id)
                )
            ),
            sa.tuple_(LiveEvent.account_id, LiveEvent.shared_seq).in_(
                select(LiveEvent.account_id, func.max(LiveEvent.shared_seq)).group_by(
                    col(LiveEvent.account_id)
                )
            ),
        )
    )
    result = session.execute(
        sa.delete(LiveEvent).where(
            col(LiveEvent.occurred_at) < cutoff, col(LiveEvent.id).not_in(newest)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
