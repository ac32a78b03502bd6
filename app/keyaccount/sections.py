"""The plan page's key-account question: the account's answer, in one query."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.keyaccount import repository
from app.keyaccount.schemas import CHOICES, AnswerForm
from app.models import KeyAccountWish, Plan
from app.permissions.policy import AccountAccess, Actor
from app.web.forms import FormErrors


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    found = repository.of_account(db, account_id=access.account_id)
    saved = found[0] if found else None
    return {
        "key_account": saved,
        "key_account_wish": KeyAccountWish(saved.answer) if saved else None,
        "key_account_by": found[1] if found else "",
        "key_account_form": AnswerForm.of(saved),
        "key_account_choices": CHOICES,
        "key_account_errors": FormErrors(),
        "key_account_notice": "",
        "key_account_stale": "",
    }
