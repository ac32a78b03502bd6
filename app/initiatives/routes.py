"""The vendor drafts, revises, proposes and removes initiatives; the client answers them.

Every route that loads an initiative checks it with ``enforce_item``: a draft is internal, so
for the client side it is 404 whatever the route, exactly like a missing id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.initiatives import repository, service
from app.initiatives.schemas import AnswerForm, InitiativeForm
from app.models import Initiative, InitiativeStatus, Plan, Priority, User
from app.permissions.guards import InitiativeAnswerer, InitiativeWriter, enforce_item
from app.permissions.policy import AccountAccess, Actor, Verb
from app.plans import repository as plans_repo
from app.plans.page import back_to_plan, plan_context, render_plan
from app.web.errors import ConflictError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]
Version = Annotated[int, Form()]

SECTION = "initiatives/_section.html"
VERB_DONE = {
    InitiativeStatus.ACCEPTED: "Accepted",
    InitiativeStatus.DECLINED: "Declined",
    InitiativeStatus.PARKED: "Parked",
}


def _initiative(
    db: DbSession, actor: Actor, access: AccountAccess, verb: Verb, initiative_id: int
) -> Initiative:
    initiative = repository.get_live(db, account_id=access.account_id, initiative_id=initiative_id)
    if initiative is None:
        raise NotFoundError()
    enforce_item(actor, access, verb, initiative)
    return initiative


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


def _choices(db: DbSession, access: AccountAccess, plan: Plan) -> tuple[list[User], list[Priority]]:
    """Who may own an initiative, and which priorities it may answer."""
    assert plan.id is not None
    owners = list(repository.vendor_people(db, account_id=access.account_id))
    ranked = list(repository.ranked_priorities(db, account_id=access.account_id, plan_id=plan.id))
    return owners, ranked


def _ids(items: list[User] | list[Priority]) -> set[int]:
    return {item.id for item in items if item.id is not None}


def _section(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The section as an htmx partial (the focus figures come along out of band), or the whole
    plan page for a browser without JS."""
    if not is_htmx(request):
        return render_plan(request, db, actor, access, status_code=status_code, **extra)
    # ``flashes``: a partial shows none, so it must not consume the next page's flash either.
    context = plan_context(db, actor, access) | extra | {"focus_oob": True, "flashes": []}
    return get_templates(request).render(request, SECTION, context, status_code=status_code)


def _done(
    request: Request, db: DbSession, actor: Actor, access: AccountAccess, notice: str, anchor: str
) -> Response:
    if is_htmx(request):
        return _section(request, db, actor, access, initiative_notice=notice)
    return back_to_plan(request, access, notice, anchor)


@router.post("/accounts/{account_id}/initiatives")
def create_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeWriter,
    db: DbSession,
    title: Text = "",
    description: Text = "",
    value_for_client: Text = "",
    value_for_vendor: Text = "",
    owner_id: Text = "",
    priority_ids: Ids = None,
) -> Response:
    plan = _plan(db, access)
    owners, ranked = _choices(db, access, plan)
    form = InitiativeForm(
        title, description, value_for_client, value_for_vendor, owner_id, priority_ids or []
    )
    errors, owner, links = form.check(_ids(owners), _ids(ranked))
    if errors:
        return _section(
            request,
            db,
            actor,
            access,
            status_code=422,
            initiative_form=form,
            initiative_errors=errors,
        )
    initiative = service.create(
        db, actor=actor.user, plan=plan, form=form, owner_id=owner, priority_ids=links
    )
    notice = f"Saved the draft “{initiative.title}”. Only your team sees it until you propose it."
    return _done(request, db, actor, access, notice, f"initiative-{initiative.id}")


def _render_edit(
    request: Request,
    access: AccountAccess,
    initiative: Initiative,
    form: InitiativeForm,
    *,
    version: int,
    owners: list[User],
    ranked: list[Priority],
    errors: FormErrors | None = None,
    stale: service.StaleEdit | None = None,
    saved_links: list[int] | None = None,
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "initiatives/edit.html",
        {
            "access": access,
            "account": access.account,
            "initiative": initiative,
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "saved_links": saved_links or [],
            "initiative_owners": owners,
            "link_choices": ranked,
        },
        status_code=status_code,
    )


def _editable(initiative: Initiative) -> None:
    if initiative.status not in service.EDITABLE:
        raise ConflictError("The client accepted this initiative; it can no longer be changed.")


@router.get("/accounts/{account_id}/initiatives/{initiative_id}/edit")
def edit_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeWriter,
    db: DbSession,
    initiative_id: int,
) -> Response:
    initiative = _initiative(db, actor, access, Verb.INITIATIVES_WRITE, initiative_id)
    _editable(initiative)
    owners, ranked = _choices(db, access, _plan(db, access))
    links = repository.linked_priority_ids(
        db, account_id=access.account_id, initiative_id=initiative_id
    )
    return _render_edit(
        request,
        access,
        initiative,
        InitiativeForm.of(initiative, links),
        version=initiative.version,
        owners=owners,
        ranked=ranked,
    )


@router.post("/accounts/{account_id}/initiatives/{initiative_id}")
def update_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeWriter,
    db: DbSession,
    initiative_id: int,
    title: Text = "",
    description: Text = "",
    value_for_client: Text = "",
    value_for_vendor: Text = "",
    owner_id: Text = "",
    priority_ids: Ids = None,
    version: Version = 0,
) -> Response:
    initiative = _initiative(db, actor, access, Verb.INITIATIVES_WRITE, initiative_id)
    _editable(initiative)
    owners, ranked = _choices(db, access, _plan(db, access))
    form = InitiativeForm(
        title, description, value_for_client, value_for_vendor, owner_id, priority_ids or []
    )
    errors, owner, links = form.check(_ids(owners), _ids(ranked))
    if errors:
        return _render_edit(
            request,
            access,
            initiative,
            form,
            version=version,
            owners=owners,
            ranked=ranked,
            errors=errors,
            status_code=422,
        )
    try:
        service.update(
            db,
            actor=actor.user,
            initiative=initiative,
            form=form,
            owner_id=owner,
            priority_ids=links,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        saved = repository.linked_priority_ids(
            db, account_id=access.account_id, initiative_id=initiative_id
        )
        return _render_edit(
            request,
            access,
            initiative,
            form,
            version=initiative.version,
            owners=owners,
            ranked=ranked,
            stale=stale,
            saved_links=saved,
            status_code=409,
        )
    notice = f"Saved “{initiative.title}”."
    return back_to_plan(request, access, notice, f"initiative-{initiative.id}")


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/propose")
def propose_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeWriter,
    db: DbSession,
    settings: SettingsDep,
    initiative_id: int,
    version: Version = 0,
) -> Response:
    initiative = _initiative(db, actor, access, Verb.INITIATIVES_WRITE, initiative_id)
    try:
        service.propose(
            db,
            actor=actor.user,
            initiative=initiative,
            expected_version=version,
            base_url=settings.base_url,
        )
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    except service.StaleEdit as stale:
        raise ConflictError(
            f"{stale.who} changed this initiative meanwhile. Look at it again before proposing it."
        ) from None
    notice = f"Proposed “{initiative.title}” to the client."
    return _done(request, db, actor, access, notice, f"initiative-{initiative.id}")


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/remove")
def remove_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeWriter,
    db: DbSession,
    initiative_id: int,
) -> Response:
    initiative = _initiative(db, actor, access, Verb.INITIATIVES_WRITE, initiative_id)
    try:
        service.remove(db, actor=actor.user, initiative=initiative)
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    return _done(
        request, db, actor, access, f"Removed the draft “{initiative.title}”.", "initiatives"
    )


@router.post("/accounts/{account_id}/initiatives/{initiative_id}/answer")
def answer_initiative(
    request: Request,
    actor: CurrentActor,
    access: InitiativeAnswerer,
    db: DbSession,
    settings: SettingsDep,
    initiative_id: int,
    decision: Text = "",
    reason: Text = "",
    version: Version = 0,
) -> Response:
    initiative = _initiative(db, actor, access, Verb.INITIATIVES_ANSWER, initiative_id)
    form = AnswerForm(initiative_id, decision, reason)
    errors, status = form.check()
    if errors or status is None:
        return _section(
            request, db, actor, access, status_code=422, answer_form=form, answer_errors=errors
        )
    try:
        service.answer(
            db,
            actor=actor.user,
            initiative=initiative,
            status=status,
            reason=form.reason,
            expected_version=version,
            base_url=settings.base_url,
        )
    except service.WrongStatus as wrong:
        raise ConflictError(str(wrong)) from None
    except service.StaleEdit as stale:
        # Nothing was saved: the reason stays in the form, above what the vendor changed.
        message = f"{stale.who} changed this initiative meanwhile. Read it again, then answer."
        return _section(
            request,
            db,
            actor,
            access,
            status_code=409,
            answer_form=form,
            answer_errors=FormErrors({"_form": message}),
        )
    notice = f"{VERB_DONE[status]} “{initiative.title}”. The team is told."
    return _done(request, db, actor, access, notice, f"initiative-{initiative.id}")
