"""The vendor drafts, revises, proposes and removes initiatives; the client answers them.

Every route that loads an initiative checks it through its guard: a draft is internal, so for
the client side it is 404 whatever the route, exactly like a missing id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.initiatives import repository, service
from app.initiatives.schemas import AnswerForm, InitiativeForm
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Fragment, Page, edit_page
from app.models import Initiative, InitiativeStatus, Plan, Priority, User
from app.permissions.guards import InitiativeWriter, ItemAccess, item_action, item_guard
from app.permissions.policy import AccountAccess, Actor, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.web.confirm import asks_first
from app.web.errors import ConflictError
from app.web.forms import FormErrors, Version
from app.web.templating import is_htmx

router = APIRouter()
ITEM = "/accounts/{account_id}/initiatives/{initiative_id}"
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
        notice,
        SECTION,
        anchor=f"initiative-{initiative.id}",
        notice_as=NOTICE,
        initiative_reveal=initiative.id,
        **_partial(request),
    )


def _edit_page(
    request: Request, db: DbSession, checked: ItemAccess[Initiative]
) -> tuple[EditPage, set[int], set[int]]:
    """The page that edits one initiative (back to the plan after saving), and the ids of the
    owners and priorities the form may choose."""
    access, initiative = checked.access, checked.item
    if initiative.status not in service.EDITABLE:
        raise ConflictError("The client accepted this initiative; it can no longer be changed.")
    owners, ranked = _choices(db, access, current_plan(db, access))
    page = edit_page(
        request,
        "initiatives/edit.html",
        access,
        url=plan_url(access),
        initiative=initiative,
        saved_links=[],
        initiative_owners=owners,
        link_choices=ranked,
    )
    return page, _ids(owners), _ids(ranked)


def _links(db: DbSession, initiative: Initiative) -> list[int]:
    assert initiative.id is not None
    return repository.linked_priority_ids(
        db, account_id=initiative.account_id, initiative_id=initiative.id
    )


@router.get(f"{ITEM}/edit")
def edit_initiative(request: Request, db: DbSession, checked: WrittenInitiative) -> Response:
    initiative, (page, _, _) = checked.item, _edit_page(request, db, checked)
    return page.show(InitiativeForm.of(initiative, _links(db, initiative)), initiative)


@router.post(f"{ITEM}")
def update_initiative(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenInitiative,
    form: Form_,
    version: Version = 0,
) -> Response:
    initiative, (page, owners, ranked) = checked.item, _edit_page(request, db, checked)
    return page.save(
        form,
        form.check(owners, ranked),
        version=version,
        item=initiative,
        save=lambda values: service.update(
            db, actor=actor.user, initiative=initiative, values=values, expected_version=version
        ),
        after=lambda: page.leave(f"Saved “{initiative.title}”.", f"initiative-{initiative.id}"),
        on_stale=lambda _: {"saved_links": _links(db, initiative)},
    )


@router.post(f"{ITEM}/propose")
@asks_first("Propose to the client", danger=False)
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
        initiative_reveal=initiative.id,
        **_partial(request),
    )


def remove_initiative(page: Page, db: DbSession, actor: Actor, initiative: Initiative) -> Response:
    """Only a draft is removed; another status is a conflict (409)."""
    try:
        service.remove(db, actor=actor.user, initiative=initiative)
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    notice = f"Removed the draft “{initiative.title}”."
    partial = _partial(page.request)
    return page.done(notice, SECTION, anchor="initiatives", notice_as=NOTICE, **partial)


item_action(
    router, f"{ITEM}/remove", WrittenInitiative, plan_page, remove_initiative, asks="Remove"
)


@router.post(f"{ITEM}/answer")
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
            422,
            SECTION,
            answer_form=form,
            answer_errors=answer,
            initiative_reveal=initiative.id,
            **_partial(request),
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
            409,
            SECTION,
            answer_form=form,
            answer_errors=errors,
            initiative_reveal=initiative.id,
            **_partial(request),
        )
    return page.done(
        f"{VERB_DONE[answer.status]} “{initiative.title}”. The team is told.",
        SECTION,
        anchor=f"initiative-{initiative.id}",
        notice_as=NOTICE,
        initiative_reveal=initiative.id,
        **_partial(request),
    )
