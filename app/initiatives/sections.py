"""The initiatives section of the plan page: one query, whatever the number of initiatives.

Context it adds:
- ``initiatives``: a list of ``InitiativeView`` (``.initiative``, ``.priority_ids``: the ids of
  the priorities it is linked to, ascending; ``.linked``: those of them that are active, in the
  client's order, once the page calls ``link_priorities``), oldest first, only what the reader
  may see (``access.visibilities``: drafts are for the vendor side only);
- ``initiative_form`` / ``initiative_errors``: the "new initiative" form (empty, or as typed);
- ``answer_form`` / ``answer_errors``: a client's answer being corrected (None: none);
- ``initiative_notice``: the confirmation shown in the section after an htmx change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.initiatives import repository
from app.initiatives.schemas import InitiativeForm
from app.models import Plan, Priority
from app.permissions.policy import AccountAccess, Actor
from app.web.forms import FormErrors


def load(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> dict[str, Any]:
    assert plan.id is not None
    views = repository.for_plan(
        db, account_id=access.account_id, plan_id=plan.id, visibilities=access.visibilities
    )
    own = actor.id if access.is_vendor and access.membership else None
    return {
        "initiatives": views,
        "initiative_form": InitiativeForm(owner_id=str(own or "")),
        "initiative_errors": FormErrors(),
        "answer_form": None,
        "answer_errors": FormErrors(),
        "initiative_notice": "",
    }


def link_priorities(views: Sequence[repository.InitiativeView], ranked: Sequence[Priority]) -> None:
    """Give each initiative the active priorities it answers, in the order of ``ranked`` (the
    client's): once per page, by id, where matching them in the template cost initiatives x
    priorities (a quarter of the large plan's page at four times its size)."""
    place = {priority.id: n for n, priority in enumerate(ranked)}
    for view in views:
        linked = sorted((i for i in view.priority_ids if i in place), key=place.__getitem__)
        view.linked = [ranked[place[i]] for i in linked]
