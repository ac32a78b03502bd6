"""The vendor drafts, revises, proposes and removes initiatives; the client answers them.

Every route that loads an initiative checks it through its guard: a draft is internal, so for
the client side it is 404 whatever the route, exactly like a missing id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.initiatives import repository, service
from app.initiatives.schemas import AnswerForm, InitiativeForm
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page
from app.models import Initiative, InitiativeStatus, Plan, Priority, User
from app.permissions.guards import InitiativeWriter, ItemAccess, item_guard
from app.permissions.policy import AccountAccess, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.web.errors import ConflictError
from app.web.forms import FormErrors
from app.web.templating import is_htmx

router = APIRouter()
Version = Annotated[int, Form()]
Form_ = Annotated[InitiativeForm, FormOf(InitiativeForm)]
Answer_ = Annotated[AnswerForm, FormOf(AnswerForm)]
WrittenInitiative = Annotated[
    ItemAccess[Initiative], item_guard(Verb.INITIATIVES_WRITE, Initiative, "initiative_id")
]
AnsweredInitiative = Annotated[
    ItemAccess[Initiative], item_guard(Verb.INITIATIVES_ANSWER, Initiative, "initiative_id")
]

SECTION = Fragment("initiatives/_section.html")
NOTICE = "initiative_notice"
VERB_DONE = {
    InitiativeStatus.ACCEPTED: "Accepted",
    InitiativeStatus.DECLINED: "Declined",
    InitiativeStatus.PARKED: "Parked",
}


def _partial(request: Request) -> dict[str, Any]:
    """What the section needs when htmx swaps it alone: the focus figures come along out of
    band."""
    return {"focus_oob": True} if is_htmx(request) else {}


def _choices(db: DbSession, access: AccountAccess, plan: Plan) -> tuple[list[User], list[Priority]]:
    """Who may own an initiative, and which priorities it may answer."""
    assert plan.id is not None
    owners = list(repository.vendor_people(db, account_id=access.account_id))
    ranked = list(repository.ranked_priorities(db, account_id=access.account_id, plan_id=plan.id))
    return owners, ranked


def _ids(items: list[User] | list[Priority]) -> set[int]:
    return {item.id for item in items if item.id is not None}


@router.post("/accounts/{account_id}/initiatives")
def create_initiative(
    request: Request, actor: CurrentActor, access: InitiativeWriter, db: DbSession, form: Form_
) -> Response:
    plan = current_plan(db, access)
    owners, ranked = _choices(db, access, plan)
    page = plan_page(request, db, actor, access)
    values = form.check(_ids(owners), _ids(ranked))
    if isinstance(values, FormErrors):
        return page.refused(
            422, SECTION, initiative_form=form, initiative_errors=values, **_partial(request)
        )
    initiative = service.create(db, actor=actor.user, plan=plan, values=values)
    notice = f"Saved the draft “{initiative.title}”. Only your team sees it until you propose it."
    return page.done(
        notice, SECTION, anchor=f"initiative-{initiative.id}", notice_as=NOTICE, **_partial(request)
    )


def _edit_page(
    request: Request, db: DbSession, checked: ItemAccess[Initiative]
) -> tuple[Page, set[int], set[int]]:
    """The page that edits one initiative (back to the plan after saving), and the ids of the
    owners and priorities the form may choose."""
    access, initiative = checked.access, checked.item
    if initiative.status not in service.EDITABLE:
        raise ConflictError("The client accepted this initiative; it can no longer be changed.")
    owners, ranked = _choices(db, access, current_plan(db, access))

    def context() -> dict[str, object]:
        return {
            "access": access,
            "account": access.account,
            "initiative": initiative,
            "errors": FormErrors(),
            "stale": None,
            "saved_links": [],
            "initiative_owners": owners,
            "link_choices": ranked,
        }

    page = Page(request, "initiatives/edit.html", context, url=plan_url(access))
    return page, _ids(owners), _ids(ranked)


def _links(db: DbSession, initiative: Initiative) -> list[int]:
    assert initiative.id is not None
    return repository.linked_priority_ids(
        db, account_id=initiative.account_id, initiative_id=initiative.id
    )


@router.get("/accounts/{account_id}/initiatives/{initiative_id}/edit")
def edit_initiative(request: Request, db: DbSession, checked: WrittenInitiative) -> Response:
    initiative, (page, _, _) = checked.item, _edit_page(request, db, checked)
    form = InitiativeForm.of(initiative, _links(db, initiative))
    return page.render(form=form, version=initiative.version)


@router.post("/accounts/{account_id}/initiatives/{initiative_id}")
def update_initiative(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenInitiative,
    form: Form_,
    version: Version = 0,
) -> Response:
    initiative, (page, owners, ranked) = checked.item, _edit_page(request, db, checked)
    values = form.check(owners, ranked)
    if isinstance(values, FormErrors):
        return page.refused(422, form=form, version=version, errors=values)
    try:
        service.update(
            db, actor=actor.user, initiative=initiative, values=values, expected_version=version
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        saved = _links(db, initiative)
        return page.refused(
            409, form=form, version=initiative.version, stale=stale, saved_links=saved
        )
    return page.leave(f"Saved “{initiative.title}”.", f"initiative-{initiative.id}")


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/propose")
def propose_initiative(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenInitiative,
    version: Version = 0,
) -> Response:
    initiative = checked.item
    try:
        service.propose(
            db,
            actor=actor.user,
            initiative=initiative,
            expected_version=version,
        )
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    except service.StaleEdit as stale:
        raise ConflictError(
            f"{stale.who} changed this initiative meanwhile. Look at it again before proposing it."
        ) from None
    return plan_page(request, db, actor, checked.access).done(
        f"Proposed “{initiative.title}” to the client.",
        SECTION,
        anchor=f"initiative-{initiative.id}",
        notice_as=NOTICE,
        **_partial(request),
    )


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/remove")
def remove_initiative(
    request: Request, actor: CurrentActor, db: DbSession, checked: WrittenInitiative
) -> Response:
    initiative = checked.item
    try:
        service.remove(db, actor=actor.user, initiative=initiative)
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    return plan_page(request, db, actor, checked.access).done(
        f"Removed the draft “{initiative.title}”.",
        SECTION,
        anchor="initiatives",
        notice_as=NOTICE,
        **_partial(request),
    )


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/answer")
def answer_initiative(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredInitiative,
    form: Answer_,
    version: Version = 0,
) -> Response:
    initiative, page = checked.item, plan_page(request, db, actor, checked.access)
    assert initiative.id is not None
    form.initiative_id = initiative.id
    answer = form.check()
    if isinstance(answer, FormErrors):
        return page.refused(
            422, SECTION, answer_form=form, answer_errors=answer, **_partial(request)
        )
    try:
        service.answer(
            db,
            actor=actor.user,
            initiative=initiative,
            status=answer.status,
            reason=answer.reason,
            expected_version=version,
        )
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    except service.StaleEdit as stale:
        # Nothing was saved: the reason stays in the form, above what the vendor changed.
        message = f"{stale.who} changed this initiative meanwhile. Read it again, then answer."
        errors = FormErrors({"_form": message})
        return page.refused(
            409, SECTION, answer_form=form, answer_errors=errors, **_partial(request)
        )
    return page.done(
        f"{VERB_DONE[answer.status]} “{initiative.title}”. The team is told.",
        SECTION,
        anchor=f"initiative-{initiative.id}",
        notice_as=NOTICE,
        **_partial(request),
    )
