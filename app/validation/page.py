"""The client's validation page and its responder: what the vendor sent for the client's check
(profile sections, stakeholder facts), each part of it a fragment the answer routes send back
alone for htmx, with the count of what still waits out of band."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request

from app.kit.items import AccountItem, get_or_404
from app.kit.pages import Fragment, Page
from app.permissions.guards import enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.profile import repository as profile_repo
from app.profile.view import SentView
from app.stakeholders import repository as stakeholders_repo
from app.stakeholders.view import SentPerson, shared_names
from app.web.errors import ANSWER_GONE, NotFoundError
from app.web.templating import is_htmx

T = TypeVar("T", bound=AccountItem)

TEMPLATE = "validation/show.html"
PROFILE_SECTION = Fragment("validation/_profile_section.html")
CONFIRM_SECTION = "confirm_section"


def validation_context(db: Any, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of queries. Each part of the page is one
    key (``sent_sections`` for the profile; the stakeholder facts sent for confirmation join
    as ``sent_stakeholders``); none of them carries a field that was not sent."""
    sent = [
        SentView.of(row) for row in profile_repo.sent_sections(db, account_id=access.account_id)
    ]
    rows = stakeholders_repo.sent_for_confirmation(db, account_id=access.account_id)
    names = shared_names(rows)
    people = [SentPerson.of(row, names) for row in rows]
    return {
        "access": access,
        "account": access.account,
        "is_preview": access.is_vendor,
        "can_answer": may(actor, access, Verb.VALIDATION_ANSWER),
        "sent_sections": sent,
        "sent_stakeholders": people,
        "waiting": sum(s.is_pending for s in sent) + sum(p.is_pending for p in people),
        "oob": False,
    }


def validation_url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/validation"


def validation_page(
    request: Request,
    db: Any,
    actor: Actor,
    access: AccountAccess,
    *,
    answering: bool = False,
    section_id: int | None = None,
    **changes: Any,
) -> Page:
    """The page. ``answering``: after an answer, htmx gets one part alone with the summary
    out of band. ``section_id``: that profile section is the part (``PROFILE_SECTION``), and
    ``changes`` set what its answer form shows (typed text, errors, a notice...)."""

    def context() -> dict[str, Any]:
        context = validation_context(db, actor, access)
        if answering and is_htmx(request):
            context["oob"] = True
        if section_id is not None:
            current = next((s for s in context["sent_sections"] if s.id == section_id), None)
            if current is None:
                raise NotFoundError()
            for name, value in changes.items():
                setattr(current, name, value)
            if is_htmx(request):
                context["item"] = current
        return context

    return Page(request, TEMPLATE, context, url=validation_url(access))


def answered_item(
    db: Any, actor: Actor, access: AccountAccess, model: type[T], item_id: int, *, kept: str
) -> T:
    """The item the client answers about. What was not sent is internal: not found for the
    client side, like a missing id. Withdrawn meanwhile or never there, the answer is told so
    with the text it typed (``kept``)."""
    try:
        item = get_or_404(db, model, account_id=access.account_id, item_id=item_id)
        enforce_item(actor, access, Verb.VALIDATION_ANSWER, item)  # type: ignore[arg-type]
    except NotFoundError:
        raise NotFoundError(ANSWER_GONE, kept=kept) from None
    return item
