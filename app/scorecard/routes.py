"""The strategic account scorecard (DESIGN.md §4.1), internal to the vendor.

- ``/admin/scorecard``: the workspace's admins choose the 5 to 10 attributes accounts are scored
  on, each in one half (current performance, future potential and fit) with a weight, and see
  whether the halves are balanced. An attribute of another workspace is not found, exactly like
  a missing id.
- ``/accounts/{id}/scorecard``: the vendor side reads the account's latest score, its tier and
  its history; the lead and admins score it. Client roles are refused by the guards (403)
  before anything is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.keyaccount import repository as keyaccount_repo
from app.kit import numbers
from app.kit.forms import FormOf
from app.kit.items import moved_notice, moving_up
from app.kit.moments import local
from app.kit.pages import Page, account_page_of
from app.models import (
    DEFAULT_SCORECARD,
    SCORE_MAX,
    SCORE_MIN,
    TIER_THRESHOLD,
    KeyAccountWish,
    Role,
    ScorecardAttribute,
    Side,
    StrategicObjective,
    Tier,
)
from app.permissions.guards import AccountScorer, HoursPlanner, SettingsManager, account_page
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.scorecard import chart, hours, objectives, repository, scoring, service, treatment
from app.scorecard.objectives import ObjectiveForm
from app.scorecard.schemas import (
    HALF_CHOICES,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    MAX_WEIGHT,
    MIN_WEIGHT,
    AttributeForm,
    ScoringForm,
)
from app.scorecard.treatment import TreatmentForm
from app.web.confirm import asks_first
from app.web.errors import or_404
from app.web.forms import FormErrors, Text, as_int

router = APIRouter()
ADMIN = "/admin/scorecard"
ADMIN_BLOCK = "scorecard_admin"
ACCOUNT_BLOCK = "scorecard"

LIMITS = {
    "min_attributes": scoring.MIN_ATTRIBUTES,
    "max_attributes": scoring.MAX_ATTRIBUTES,
    "max_name": MAX_NAME,
    "max_description": MAX_DESCRIPTION,
    "max_note": MAX_NOTE,
    "weights": range(MIN_WEIGHT, MAX_WEIGHT + 1),
    "score_choices": range(SCORE_MIN, SCORE_MAX + 1),
    "half_choices": HALF_CHOICES,
    "threshold": TIER_THRESHOLD,
}


# --- The workspace admin page --------------------------------------------------------------


def _workspace_id(actor: Actor) -> int:
    assert actor.workspace_id is not None, "the guard lets only workspace admins through"
    return actor.workspace_id


def admin_context(db: Session, workspace_id: int) -> dict[str, Any]:
    """Everything the admin page shows: three queries (attributes, objectives, treatments)."""
    attributes = repository.active_attributes(db, workspace_id=workspace_id)
    stated = repository.active_objectives(db, workspace_id=workspace_id)
    served, orphans = objectives.serving(attributes, stated)
    treatment_rows = repository.treatments(db, workspace_id=workspace_id)
    treatments = treatment.of_rows(treatment_rows)
    return LIMITS | {
        "objectives": stated,
        "served": served,
        "serving_nothing": orphans,
        "objective_form": ObjectiveForm(),
        "objective_errors": FormErrors(),
        "editing_objective": None,
        "edit_objective_form": ObjectiveForm(),
        "edit_objective_errors": FormErrors(),
        "objective_stale": "",
        "max_objectives": objectives.MAX_OBJECTIVES,
        "max_title": objectives.MAX_TITLE,
        "tiers": list(Tier),
        "treatments": treatments,
        "treatment_form": TreatmentForm.of(treatments, treatment.versions_of(treatment_rows)),
        "treatment_errors": FormErrors(),
        "treatment_stale": None,
        "month_choices": range(treatment.MIN_MONTHS, treatment.MAX_MONTHS + 1),
        "attributes": attributes,
        "balance": scoring.balance(attributes),
        "defaults": DEFAULT_SCORECARD,
        "form": AttributeForm(weight="1"),
        "errors": FormErrors(),
        "page_errors": FormErrors(),
        "notice": "",
    }


def _admin_page(request: Request, db: Session, actor: Actor) -> Page:
    """The admin page's responder; its context is built only when something is rendered."""
    return Page(
        request,
        "scorecard/admin.html",
        lambda: admin_context(db, _workspace_id(actor)),
        url=ADMIN,
    )


def _attribute(db: Session, actor: Actor, attribute_id: int, *, write: bool) -> ScorecardAttribute:
    """A live attribute of the admin's own workspace, or 404 (another workspace's attribute is
    not found, exactly like a missing one). A writing request locks the workspace first, then
    the attribute, like every other change to the scorecard."""
    workspace_id = _workspace_id(actor)
    if write:
        repository.lock_workspace(db, workspace_id=workspace_id)
    return or_404(
        repository.get_attribute(db, workspace_id=workspace_id, attribute_id=attribute_id)
    )


@router.get(ADMIN)
def show_admin(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    return _admin_page(request, db, actor).render()


@router.post(f"{ADMIN}/attributes")
def add_attribute(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[AttributeForm, FormOf(AttributeForm)],
) -> Response:
    page = _admin_page(request, db, actor)
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, ADMIN_BLOCK, form=form, errors=values)
    try:
        attribute = service.add_attribute(
            db, actor=actor.user, workspace_id=_workspace_id(actor), values=values
        )
    except service.Refused as refused:
        return page.refused(422, ADMIN_BLOCK, form=form.tidied(values), errors=refused.errors)
    return page.done(
        f"Added “{attribute.name}” to the scorecard. Accounts scored before need a new scoring "
        "to include it.",
        ADMIN_BLOCK,
        anchor=f"attribute-{attribute.id}",
    )


def _edit_page(request: Request, db: Session, attribute: ScorecardAttribute) -> Page:
    """The page that edits one attribute; after saving, back to the admin page."""
    return Page(
        request,
        "scorecard/edit_attribute.html",
        lambda: (
            LIMITS
            | {
                "attribute": attribute,
                "errors": FormErrors(),
                "stale": None,
                "objectives": repository.active_objectives(db, workspace_id=attribute.workspace_id),
            }
        ),
        url=ADMIN,
    )


@router.get(ADMIN + "/attributes/{attribute_id}/edit")
def edit_attribute(
    request: Request, actor: SettingsManager, db: DbSession, attribute_id: int
) -> Response:
    attribute = _attribute(db, actor, attribute_id, write=False)
    return _edit_page(request, db, attribute).render(
        form=AttributeForm.of(attribute), version=attribute.version
    )


@router.post(ADMIN + "/attributes/{attribute_id}")
def update_attribute(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    attribute_id: int,
    form: Annotated[AttributeForm, FormOf(AttributeForm)],
    version: Text = "",
) -> Response:
    attribute = _attribute(db, actor, attribute_id, write=True)
    page, based_on = _edit_page(request, db, attribute), as_int(version) or 0
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, form=form, version=based_on, errors=values)
    try:
        changed = service.update_attribute(
            db, actor=actor.user, attribute=attribute, values=values, expected_version=based_on
        )
    except service.StaleEdit as stale:
        # The form is now based on the saved version: saving again replaces it on purpose.
        return page.refused(409, form=form, version=attribute.version, stale=stale)
    except service.Refused as refused:
        return page.refused(422, form=form.tidied(values), version=based_on, errors=refused.errors)
    return page.leave(
        f"Saved “{attribute.name}”. New scorings use it; scorings already made keep the "
        "attribute as it was scored."
        if changed
        else f"“{attribute.name}” is unchanged.",
        f"attribute-{attribute.id}",
    )


@router.post(ADMIN + "/attributes/{attribute_id}/remove")
@asks_first("Remove")
def remove_attribute(
    request: Request, actor: SettingsManager, db: DbSession, attribute_id: int
) -> Response:
    attribute = _attribute(db, actor, attribute_id, write=True)
    service.remove_attribute(db, actor=actor.user, attribute=attribute)
    return _admin_page(request, db, actor).done(
        f"Removed “{attribute.name}” from the scorecard. Scorings already made keep it.",
        ADMIN_BLOCK,
        anchor="attributes",
    )


@router.post(ADMIN + "/attributes/{attribute_id}/move")
def move_attribute(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    attribute_id: int,
    direction: Text = "",
) -> Response:
    attribute = _attribute(db, actor, attribute_id, write=True)
    up = moving_up(direction, "an attribute")
    moved = service.move_attribute(db, actor=actor.user, attribute=attribute, up=up)
    return _admin_page(request, db, actor).done(
        moved_notice(attribute.name, direction, moved=moved),
        ADMIN_BLOCK,
        anchor=f"attribute-{attribute.id}",
        focus=f"move-{direction}-attribute-{attribute.id}",
    )


@router.post(ADMIN + "/defaults")
def create_defaults(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    page = _admin_page(request, db, actor)
    try:
        made = service.create_defaults(db, actor=actor.user, workspace_id=_workspace_id(actor))
    except service.Refused as refused:
        return page.refused(409, ADMIN_BLOCK, page_errors=refused.errors)
    return page.done(
        f"Added the {len(made)} recommended attributes. Adjust their weights and wording to "
        "your business.",
        ADMIN_BLOCK,
        anchor="attributes",
    )


# --- The workspace's strategic objectives and each tier's treatment --------------------------

OBJECTIVES = f"{ADMIN}/objectives"


def _objective(db: Session, actor: Actor, objective_id: int, *, write: bool) -> StrategicObjective:
    """A live objective of the admin's own workspace, or 404 (another workspace's is not found,
    exactly like a missing one). A writing request locks the workspace first."""
    workspace_id = _workspace_id(actor)
    if write:
        repository.lock_workspace(db, workspace_id=workspace_id)
    return or_404(
        repository.get_objective(db, workspace_id=workspace_id, objective_id=objective_id)
    )


@router.post(OBJECTIVES)
def add_objective(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[ObjectiveForm, FormOf(ObjectiveForm)],
) -> Response:
    page = _admin_page(request, db, actor)
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, ADMIN_BLOCK, objective_form=form, objective_errors=values)
    try:
        objective = objectives.add_objective(
            db, actor=actor.user, workspace_id=_workspace_id(actor), values=values
        )
    except objectives.Refused as refused:
        return page.refused(
            422, ADMIN_BLOCK, objective_form=form.tidied(values), objective_errors=refused.errors
        )
    return page.done(
        f"Added the objective “{objective.title}”. Name it on the attributes that serve it.",
        ADMIN_BLOCK,
        anchor=f"objective-{objective.id}",
    )


@router.post(OBJECTIVES + "/{objective_id}")
def update_objective(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    objective_id: int,
    form: Annotated[ObjectiveForm, FormOf(ObjectiveForm)],
    version: Text = "",
) -> Response:
    objective = _objective(db, actor, objective_id, write=True)
    page, based_on = _admin_page(request, db, actor), as_int(version) or 0
    editing = {"editing_objective": objective.id, "edit_objective_form": form}
    values = form.check()
    if isinstance(values, FormErrors):
        return page.refused(422, ADMIN_BLOCK, **editing, edit_objective_errors=values)
    try:
        changed = objectives.update_objective(
            db, actor=actor.user, objective=objective, values=values, expected_version=based_on
        )
    except service.StaleEdit as stale:
        return page.refused(409, ADMIN_BLOCK, **editing, objective_stale=stale.who)
    except objectives.Refused as refused:
        return page.refused(422, ADMIN_BLOCK, **editing, edit_objective_errors=refused.errors)
    return page.done(
        f"Saved the objective “{objective.title}”."
        if changed
        else f"“{objective.title}” is unchanged.",
        ADMIN_BLOCK,
        anchor=f"objective-{objective.id}",
    )


@router.post(OBJECTIVES + "/{objective_id}/remove")
@asks_first("Remove")
def remove_objective(
    request: Request, actor: SettingsManager, db: DbSession, objective_id: int
) -> Response:
    objective = _objective(db, actor, objective_id, write=True)
    objectives.remove_objective(db, actor=actor.user, objective=objective)
    return _admin_page(request, db, actor).done(
        f"Removed the objective “{objective.title}”. The attributes that served it now serve "
        "none: name another objective on them.",
        ADMIN_BLOCK,
        anchor="objectives",
    )


@router.post(OBJECTIVES + "/{objective_id}/move")
def move_objective(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    objective_id: int,
    direction: Text = "",
) -> Response:
    objective = _objective(db, actor, objective_id, write=True)
    up = moving_up(direction, "an objective")
    moved = objectives.move_objective(db, actor=actor.user, objective=objective, up=up)
    return _admin_page(request, db, actor).done(
        moved_notice(objective.title, direction, moved=moved),
        ADMIN_BLOCK,
        anchor=f"objective-{objective.id}",
        focus=f"move-{direction}-objective-{objective.id}",
    )


@router.post(ADMIN + "/treatment")
def save_treatment(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[TreatmentForm, FormOf(TreatmentForm)],
) -> Response:
    page = _admin_page(request, db, actor)
    wanted = form.check()
    if isinstance(wanted, FormErrors):
        return page.refused(422, ADMIN_BLOCK, treatment_form=form, treatment_errors=wanted)
    try:
        changed = treatment.save(
            db,
            actor=actor.user,
            workspace_id=_workspace_id(actor),
            wanted=wanted,
            expected=form.versions(),
        )
    except service.StaleEdit as stale:
        # The form is now based on the saved versions: saving again replaces them on purpose.
        kept = form.based_on(stale.current.versions)
        return page.refused(409, ADMIN_BLOCK, treatment_form=kept, treatment_stale=stale)
    return page.done(
        f"Saved the treatment of {changed} tier{'s' if changed != 1 else ''}."
        if changed
        else "The treatment of every tier is unchanged.",
        ADMIN_BLOCK,
        anchor="treatment",
    )


# --- An account's scorecard ------------------------------------------------------------------


def account_context(db: Session, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    """Everything the account page shows, in a fixed number of queries whatever the number of
    attributes and scorings."""
    account = access.account
    attributes = repository.active_attributes(db, workspace_id=account.workspace_id)
    rows = repository.scorings(db, account_id=access.account_id)
    latest, latest_by = rows[-1] if rows else (None, "")
    scored_ids = {e.get("attribute_id") for e in latest.entries} if latest else set()
    live_ids = {a.id for a in attributes}
    return (
        LIMITS
        | {
            "access": access,
            "account": account,
            "attributes": attributes,
            "balance": scoring.balance(attributes),
            "missing": scoring.missing_halves(attributes),
            "not_enough": service.not_enough_message(scoring.missing_halves(attributes)),
            "latest": latest,
            "latest_by": latest_by,
            "latest_halves": [
                (half, [e for e in latest.entries if e.get("half") == half.value])
                for half in scoring.HALVES
            ]
            if latest
            else [],
            "added_since": [a for a in attributes if latest and a.id not in scored_ids],
            "removed_since": [
                e
                for e in (latest.entries if latest else [])
                if e.get("attribute_id") not in live_ids
            ],
            "history": list(reversed(rows)),
            "chart": chart.build(
                [
                    chart.Scoring(local(s.scored_at, actor.zone), s.current, s.future)
                    for s, _ in rows
                ],
                actor.locale,
            )
            if len(rows) >= 2
            else None,
            "tier_label": scoring.tier_label,
            "tier_meaning": scoring.tier_meaning,
            "day": chart.day,
            "can_score": may(actor, access, Verb.ACCOUNT_SCORE),
            "is_admin": actor.is_admin_of(account.workspace_id),
            "form": ScoringForm.prefilled(latest.entries) if latest else ScoringForm(),
            "errors": FormErrors(),
            "notice": "",
        }
        | _selection(db, actor, access, Tier(latest.tier) if latest else None)
    )


def _selection(
    db: Session, actor: Actor, access: AccountAccess, tier: Tier | None
) -> dict[str, Any]:
    """What the account's tier asks (its treatment) against what the account has: a mentor,
    client people on the plan, the client's answer; and the team's planned hours. Four
    queries."""
    account = access.account
    members = accounts_repo.list_members(db, account_id=access.account_id)
    answer = keyaccount_repo.of_account(db, account_id=access.account_id)
    treatments = treatment.of_workspace(db, workspace_id=account.workspace_id)
    quarters = hours.quarters_from(actor.today())
    planned = hours.of_account(db, account_id=access.account_id)
    return {
        "treatment": treatments[tier] if tier else None,
        "has_mentor": any(m.role_enum is Role.MENTOR for m in members),
        "has_client_people": any(m.role_enum.side is Side.CLIENT for m in members),
        "client_answer": KeyAccountWish(answer[0].answer) if answer else None,
        "client_words": answer[0].words if answer else "",
        "is_strategic": tier is Tier.STRATEGIC,
        "planned": planned,
        "quarters": quarters,
        "hours_form": hours.HoursForm(
            quarter=quarters[0], versions=hours.versions_of(planned, quarters)
        ),
        "hours_errors": FormErrors(),
        "hours_stale": None,
        "can_plan_hours": may(actor, access, Verb.HOURS_PLAN),
        "can_manage_members": may(actor, access, Verb.MEMBERS_MANAGE),
        "max_hours": hours.MAX_HOURS,
    }


_account_page = account_page_of(
    "scorecard/account.html",
    account_context,
    lambda access: f"/accounts/{access.account_id}/scorecard",
)


def _not_ready(attributes: Sequence[ScorecardAttribute]) -> str:
    """Why no account can be scored on these attributes yet ('' when it can)."""
    if not attributes:
        return (
            "The scorecard is not set up yet: a workspace admin must choose the attributes "
            "accounts are scored on."
        )
    if missing := scoring.missing_halves(attributes):
        return service.not_enough_message(missing)
    return ""


account_page(
    router,
    "/accounts/{account_id}/scorecard",
    Verb.INSIGHT_VIEW,
    _account_page,
    name="show_account_scorecard",
)


@router.post("/accounts/{account_id}/scorecard")
def score_account(
    request: Request,
    actor: CurrentActor,
    access: AccountScorer,
    db: DbSession,
    form: Annotated[ScoringForm, FormOf(ScoringForm)],
) -> Response:
    """``attribute`` (hidden ids), ``score`` and ``attribute_note`` come in threes, in the
    order of the form."""
    page = _account_page(request, db, actor, access)
    attributes = repository.active_attributes(db, workspace_id=access.account.workspace_id)
    values = form.check(attributes)
    errors = values if isinstance(values, FormErrors) else FormErrors()
    if problem := _not_ready(attributes):
        errors.add("_form", problem)
    if errors or isinstance(values, FormErrors):
        return page.refused(422, ACCOUNT_BLOCK, form=form, errors=errors)
    try:
        made = service.score_account(
            db,
            actor=actor.user,
            account_id=access.account_id,
            entries=values.entries,
            note=values.note,
        )
    except service.Refused as refused:
        return page.refused(422, ACCOUNT_BLOCK, form=form, errors=refused.errors)
    return page.done(
        f"Scored {access.account.name}: current performance "
        f"{numbers.decimal(made.current, actor.locale)}, future potential "
        f"{numbers.decimal(made.future, actor.locale)}, tier {scoring.tier_label(made.tier)}.",
        ACCOUNT_BLOCK,
        anchor="latest",
    )


@router.post("/accounts/{account_id}/scorecard/hours")
def plan_hours(
    request: Request,
    actor: CurrentActor,
    access: HoursPlanner,
    db: DbSession,
    form: Annotated[hours.HoursForm, FormOf(hours.HoursForm)],
) -> Response:
    """The team's planned hours on the account for one quarter (made or replaced), based on
    the version of that quarter the form showed: a stale save is refused (409) with what is
    saved now, the typed figures kept and the form now based on the saved version."""
    page = _account_page(request, db, actor, access)
    values = form.check(hours.quarters_from(actor.today()))
    if isinstance(values, FormErrors):
        return page.refused(422, ACCOUNT_BLOCK, hours_form=form, hours_errors=values)
    try:
        changed = hours.record(
            db,
            actor=actor.user,
            account_id=access.account_id,
            values=values,
            expected_version=form.expected_version(values.quarter),
        )
    except service.StaleEdit as stale:
        kept = form.based_on(values.quarter, stale.current.version)
        return page.refused(409, ACCOUNT_BLOCK, hours_form=kept, hours_stale=stale)
    quarter = values.quarter.replace("-", " ")
    return page.done(
        f"Planned {numbers.number(values.hours, actor.locale)} hours on "
        f"{access.account.name} in {quarter}."
        if changed
        else f"The hours planned for {quarter} are unchanged.",
        ACCOUNT_BLOCK,
        anchor="hours",
    )
