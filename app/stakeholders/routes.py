"""The relationship map (vendor only) and the client's answer about the facts sent to it.

Every route that loads a stakeholder checks it with ``enforce_item``: until sent for
confirmation a stakeholder is internal, so for the client side it is 404, exactly like a
missing id; the vendor routes refuse the client side (403) before anything is looked up.
Writes that change the map take the map's lock first (``repository.lock_map``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.kit.versioned import StaleEdit
from app.models import Stakeholder, utcnow
from app.permissions.guards import (
    InsightReader,
    InsightWriter,
    ValidationAnswerer,
    ValidationRequester,
    enforce_item,
)
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.stakeholders import chart, repository, schemas, service
from app.stakeholders.schemas import AnswerForm, StakeholderForm
from app.stakeholders.view import read_map
from app.validation.page import validation_context
from app.web.errors import ANSWER_GONE, AppError, ConflictError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]
Texts = Annotated[list[str] | None, Form()]
Version = Annotated[int, Form()]

PAGE = "stakeholders/show.html"
BLOCK = "relationships"
VALIDATION_PAGE = "validation/show.html"
CONFIRM_BLOCK = "confirm_section"
LABELS = {
    "attitude_labels": schemas.ATTITUDE_LABELS,
    "influence_labels": schemas.INFLUENCE_LABELS,
    "strength_labels": schemas.STRENGTH_LABELS,
    "buying_role_labels": schemas.BUYING_ROLE_LABELS,
    "buying_role_hints": schemas.BUYING_ROLE_HINTS,
    "decision_label": schemas.decision_label,
}


def _map_url(access: AccountAccess) -> str:
    return f"/accounts/{access.account_id}/relationships"


def map_context(db: DbSession, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the page shows: a fixed number of queries whatever the size of the map."""
    rows = repository.on_map(db, account_id=access.account_id)
    team = list(repository.vendor_people(db, account_id=access.account_id))
    view = read_map(rows, team)
    return {
        "access": access,
        "account": access.account,
        "view": view,
        "chart": chart.build(view.chart_people()),
        "team": team,
        "can_write": may(actor, access, Verb.INSIGHT_WRITE),
        "can_send": may(actor, access, Verb.VALIDATION_REQUEST),
        "form": StakeholderForm(),
        "errors": FormErrors(),
        "notice": "",
        **LABELS,
    }


def render_map(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    block: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = map_context(db, actor, access) | extra
    return get_templates(request).render(
        request, PAGE, context, block=block, status_code=status_code
    )


def _done(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    notice: str,
    anchor: str,
) -> Response:
    """The map's block for htmx; otherwise back to the page (a flash says what happened)."""
    if is_htmx(request):
        return render_map(request, db, actor, access, block=BLOCK, notice=notice)
    response = RedirectResponse(f"{_map_url(access)}#{anchor}", status_code=303)
    get_templates(request).flash(response, notice)
    return response


def _person(
    db: DbSession, actor: Actor, access: AccountAccess, stakeholder_id: int, verb: Verb
) -> Stakeholder:
    person = repository.get_live(db, account_id=access.account_id, stakeholder_id=stakeholder_id)
    if person is None:
        raise NotFoundError()
    enforce_item(actor, access, verb, person)  # internal until sent: never the client side's
    return person


def _team_ids(db: DbSession, access: AccountAccess) -> set[int]:
    people = repository.vendor_people(db, account_id=access.account_id)
    return {user.id for user in people if user.id is not None}


def typed_form(
    name: Text = "",
    title: Text = "",
    department: Text = "",
    reports_to_id: Text = "",
    roles: Texts = None,
    decision: Text = "",
    influence: Text = "medium",
    attitude: Text = "unknown",
    motivations: Text = "",
    owner_id: Text = "",
    strength: Text = "none",
    last_contact_on: Text = "",
) -> StakeholderForm:
    """The stakeholder form's fields, as typed."""
    return StakeholderForm(
        name=name,
        title=title,
        department=department,
        reports_to_id=reports_to_id,
        roles=list(roles or []),
        decision=decision,
        influence=influence,
        attitude=attitude,
        motivations=motivations,
        owner_id=owner_id,
        strength=strength,
        last_contact_on=last_contact_on,
    )


TypedForm = Annotated[StakeholderForm, Depends(typed_form)]


@router.get("/accounts/{account_id}/relationships")
def show_map(
    request: Request, actor: CurrentActor, access: InsightReader, db: DbSession
) -> Response:
    return render_map(request, db, actor, access)


# Declared before the routes with ``{stakeholder_id}``, whose path would also match it.
@router.post("/accounts/{account_id}/stakeholders/send")
def send_selected(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    settings: SettingsDep,
    ids: Texts = None,
    versions: Texts = None,
) -> Response:
    """Send the ticked people's facts to the client at once; ``versions`` holds an
    ``<id>:<version>`` pair per person, as the page showed them."""
    selected, seen = schemas.parse_selected(ids or [], versions or [])
    if not selected:
        raise AppError(
            "Tick the people whose name, title and reporting line the client should confirm."
        )
    people = list(repository.get_many(db, account_id=access.account_id, stakeholder_ids=selected))
    if len(people) != len(set(selected)):
        raise NotFoundError()
    for person in people:
        enforce_item(actor, access, Verb.VALIDATION_REQUEST, person)
    for person in people:
        try:
            service.check_version(db, person=person, expected_version=seen.get(person.id or 0, 0))
        except StaleEdit as stale:
            raise ConflictError(
                f"{stale.who} changed {person.name} meanwhile, so nothing was sent. Look at the "
                "map again, then send."
            ) from None
    service.send(
        db,
        actor=actor.user,
        account_id=access.account_id,
        people=people,
        base_url=settings.base_url,
    )
    count = len(people)
    notice = (
        f"Asked the client to confirm {people[0].name}'s name, title and reporting line."
        if count == 1
        else f"Asked the client to confirm the names, titles and reporting lines of {count} people."
    )
    return _done(request, db, actor, access, notice, "stakeholders")


@router.post("/accounts/{account_id}/stakeholders")
def add_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    form: TypedForm,
) -> Response:
    repository.lock_map(db, account_id=access.account_id)
    errors, checked = form.check(
        people=repository.live(db, account_id=access.account_id),
        owners=_team_ids(db, access),
        editing=None,
        today=utcnow().date(),
    )
    if checked is not None:
        try:
            person = service.add(
                db, actor=actor.user, account_id=access.account_id, checked=checked
            )
        except service.EconomicBuyerTaken as taken:
            errors.add("roles", str(taken))
        else:
            notice = f"Added {person.name} to the map."
            return _done(request, db, actor, access, notice, f"stakeholder-{person.id}")
    block = BLOCK if is_htmx(request) else None
    return render_map(
        request, db, actor, access, block=block, form=form, errors=errors, status_code=422
    )


def _render_edit(
    request: Request,
    db: DbSession,
    access: AccountAccess,
    person: Stakeholder,
    form: StakeholderForm,
    *,
    version: int,
    errors: FormErrors | None = None,
    stale: StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    people = list(repository.live(db, account_id=access.account_id))
    assert person.id is not None
    managers = [
        p
        for p in sorted(people, key=lambda p: (p.name.casefold(), p.id or 0))
        if p.id != person.id and not schemas.manages(people, p.id or 0, person.id)
    ]
    team = list(repository.vendor_people(db, account_id=access.account_id))
    names = sorted({p.decision for p in people if p.decision}, key=str.casefold)
    return get_templates(request).render(
        request,
        "stakeholders/edit.html",
        {
            "access": access,
            "account": access.account,
            "person": person,
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "managers": managers,
            "team": team,
            "decision_names": names,
            "by_id": {p.id: p for p in people},
            **LABELS,
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/stakeholders/{stakeholder_id}/edit")
def edit_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    stakeholder_id: int,
) -> Response:
    person = _person(db, actor, access, stakeholder_id, Verb.INSIGHT_WRITE)
    return _render_edit(
        request, db, access, person, StakeholderForm.of(person), version=person.version
    )


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}")
def update_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    stakeholder_id: int,
    form: TypedForm,
    version: Version = 0,
) -> Response:
    repository.lock_map(db, account_id=access.account_id)
    person = _person(db, actor, access, stakeholder_id, Verb.INSIGHT_WRITE)
    errors, checked = form.check(
        people=repository.live(db, account_id=access.account_id),
        owners=_team_ids(db, access),
        editing=person.id,
        today=utcnow().date(),
    )
    if checked is not None:
        try:
            service.update(
                db, actor=actor.user, person=person, checked=checked, expected_version=version
            )
        except StaleEdit as stale:
            # Nothing was saved; the person's text stays in the form, next to what is saved now.
            return _render_edit(
                request,
                db,
                access,
                person,
                form,
                version=person.version,
                stale=stale,
                status_code=409,
            )
        except service.EconomicBuyerTaken as taken:
            errors.add("roles", str(taken))
        else:
            response = RedirectResponse(
                f"{_map_url(access)}#stakeholder-{person.id}", status_code=303
            )
            get_templates(request).flash(response, f"Saved {person.name}.")
            return response
    return _render_edit(
        request, db, access, person, form, version=version, errors=errors, status_code=422
    )


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}/remove")
def remove_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: InsightWriter,
    db: DbSession,
    stakeholder_id: int,
) -> Response:
    repository.lock_map(db, account_id=access.account_id)
    person = _person(db, actor, access, stakeholder_id, Verb.INSIGHT_WRITE)
    manager = (
        repository.get_live(db, account_id=access.account_id, stakeholder_id=person.reports_to_id)
        if person.reports_to_id is not None
        else None
    )
    moved = service.remove(db, actor=actor.user, person=person)
    notice = f"Removed {person.name} from the map."
    if moved:
        who = moved[0].name if len(moved) == 1 else f"{len(moved)} people"
        verb = "reports" if len(moved) == 1 else "report"
        notice += (
            f" {who} who reported to them now {verb} to {manager.name}."
            if manager is not None
            else f" {who} who reported to them now {verb} to nobody on the map."
        )
    return _done(request, db, actor, access, notice, "stakeholders")


@router.post("/accounts/{account_id}/stakeholders/{stakeholder_id}/send")
def send_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: ValidationRequester,
    db: DbSession,
    settings: SettingsDep,
    stakeholder_id: int,
    version: Version = 0,
) -> Response:
    person = _person(db, actor, access, stakeholder_id, Verb.VALIDATION_REQUEST)
    try:
        service.check_version(db, person=person, expected_version=version)
    except StaleEdit as stale:
        raise ConflictError(
            f"{stale.who} changed {person.name} meanwhile, so nothing was sent. Look at the map "
            "again, then send."
        ) from None
    service.send(
        db,
        actor=actor.user,
        account_id=access.account_id,
        people=[person],
        base_url=settings.base_url,
    )
    notice = f"Asked the client to confirm {person.name}'s name, title and reporting line."
    return _done(request, db, actor, access, notice, f"stakeholder-{person.id}")


# --- The client's answer -----------------------------------------------------------------------


def render_confirm(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """After an answer: the account's validation page, or for htmx its people section alone
    (with what still waits, out of band)."""
    context = validation_context(db, actor, access) | extra
    if is_htmx(request):
        context["oob"] = True
        return get_templates(request).render(
            request, VALIDATION_PAGE, context, block=CONFIRM_BLOCK, status_code=status_code
        )
    return get_templates(request).render(request, VALIDATION_PAGE, context, status_code=status_code)


@router.post("/accounts/{account_id}/validation/stakeholders/{stakeholder_id}")
def answer_stakeholder(
    request: Request,
    actor: CurrentActor,
    access: ValidationAnswerer,
    db: DbSession,
    settings: SettingsDep,
    stakeholder_id: int,
    decision: Text = "",
    correction: Text = "",
    version: Text = "",
) -> Response:
    try:
        person = _person(db, actor, access, stakeholder_id, Verb.VALIDATION_ANSWER)
    except NotFoundError:
        # No longer asked (removed from the map), or never there: keep the text.
        raise NotFoundError(ANSWER_GONE, kept=correction) from None
    form = AnswerForm(decision, correction)
    errors, confirmed = form.check()
    if errors:
        return render_confirm(
            request,
            db,
            actor,
            access,
            status_code=422,
            confirm_forms={person.id: form},
            confirm_errors={person.id: errors},
        )
    try:
        service.answer(
            db,
            actor=actor.user,
            person=person,
            confirmed=confirmed,
            correction=form.correction,
            expected=version,
            base_url=settings.base_url,
        )
    except StaleEdit as stale:
        # Nothing was saved: the client's text stays in the form, above what is current now.
        return render_confirm(
            request,
            db,
            actor,
            access,
            status_code=409,
            confirm_forms={person.id: form},
            confirm_stale={
                person.id: f"{stale.who} changed this meanwhile. Read it again, then answer."
            },
        )
    said = "confirmed" if confirmed else "sent your correction of"
    notice = f"Thank you: you {said} {person.sent_name}."
    if is_htmx(request):
        return render_confirm(request, db, actor, access, confirm_notice=notice)
    response = RedirectResponse(f"/accounts/{access.account_id}/validation", status_code=303)
    get_templates(request).flash(response, notice)
    return response
