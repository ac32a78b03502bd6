"""Recording the client sponsor's answer. Keyword-only; flushes, never commits.

Answering checks for the account's answer and then writes: the account row is locked first
(PostgreSQL; SQLite's writers queue) and the form carries the version it was based on (0: no
answer yet), so of two sponsors answering at once one saves and the other is shown the saved
answer (``StaleEdit``), never a lost or a second row (a unique constraint stands behind it).
The answer is the client's: audited as shared on the account's chain.
"""

from __future__ import annotations

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.audit import repository as audit_repo
from app.audit import service as audit
from app.keyaccount import repository
from app.keyaccount.schemas import AnswerValues
from app.kit import versioned
from app.kit.versioned import StaleEdit as StaleEdit
from app.models import KeyAccountAnswer, User, Visibility, utcnow

TRAIL = versioned.Trail(repository.ITEM, Visibility.SHARED)
VERB = "key_account.answered"


def answer(
    session: Session, *, actor: User, account_id: int, values: AnswerValues, based_on: int
) -> bool:
    """Save the sponsor's answer; False when it is the answer already given. ``StaleEdit``
    when someone answered since the form was shown (``based_on``: the version it showed)."""
    accounts_repo.lock_account(session, account_id=account_id)
    current = repository.locked(session, account_id=account_id)
    if (current.version if current else 0) != based_on:
        who = (
            audit_repo.last_actor_label(
                session, account_id=account_id, item_type=repository.ITEM, item_id=current.id
            )
            if current is not None and current.id is not None
            else ""
        )
        raise StaleEdit(who, current)
    after = {"answer": values.answer.value, "words": values.words}
    if current is None:
        made = KeyAccountAnswer(
            account_id=account_id,
            answered_by_id=actor.id,
            answer=values.answer.value,
            words=values.words,
        )
        TRAIL.created(session, actor, made, after, verb=VERB)
        return True
    changes = audit.diff({"answer": current.answer, "words": current.words}, after)
    if not changes:
        return False
    current.answer, current.words = values.answer.value, values.words
    current.answered_by_id, current.answered_at = actor.id, utcnow()
    TRAIL.change(session, actor, current, VERB, changes)
    return True
