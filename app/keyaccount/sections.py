"""The plan page's key-account question: the account's answer, read with the plan page's
periods (``repository.plan_columns``), so it costs no query of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.keyaccount.schemas import CHOICES, AnswerForm
from app.models import KeyAccountWish
from app.web.forms import FormErrors


@dataclass(frozen=True)
class Answer:
    wish: KeyAccountWish
    words: str
    answered_at: datetime
    version: int
    by: str  # '' when that person is gone


def answer_of(columns: dict[str, Any]) -> Answer | None:
    if not columns.get("key_account_answer"):
        return None
    return Answer(
        KeyAccountWish(columns["key_account_answer"]),
        columns.get("key_account_words") or "",
        columns["key_account_at"],
        int(columns.get("key_account_version") or 1),
        columns.get("key_account_by") or "",
    )


def load(columns: dict[str, Any]) -> dict[str, Any]:
    """The section's context from the periods statement's columns of the plan shown."""
    saved = answer_of(columns)
    return {
        "key_account": saved,
        "key_account_form": AnswerForm(
            saved.wish.value if saved else "",
            saved.words if saved else "",
            str(saved.version if saved else 0),
        ),
        "key_account_choices": CHOICES,
        "key_account_errors": FormErrors(),
        "key_account_notice": "",
        "key_account_stale": "",
    }
