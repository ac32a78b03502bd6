"""Workspace admin: the dimensions clients rate the relationship on (DESIGN.md §3.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import DbSession
from app.permissions.guards import SettingsManager
from app.permissions.policy import Actor
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates
from app.workspaces import repository, service
from app.workspaces.schemas import MAX_DIMENSIONS, MAX_NAME, MIN_DIMENSIONS, ValueDimensionsForm

router = APIRouter()
PAGE = "/admin/value-dimensions"


def _workspace_id(actor: Actor) -> int:
    assert actor.workspace_id is not None, "the guard lets only workspace admins through"
    return actor.workspace_id


def _render(
    request: Request,
    *,
    form: ValueDimensionsForm,
    based_on: list[str],
    errors: FormErrors | None = None,
    stale: service.StaleSettings | None = None,
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "admin/value_dimensions.html",
        {
            "form": form,
            "based_on": based_on,  # the hidden list the save is checked against
            "errors": errors or {},
            "stale": stale,
            "min_dimensions": MIN_DIMENSIONS,
            "max_dimensions": MAX_DIMENSIONS,
            "max_name": MAX_NAME,
        },
        status_code=status_code,
    )


@router.get(PAGE)
def edit_value_dimensions(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    workspace = repository.get(db, workspace_id=_workspace_id(actor))
    if workspace is None:
        raise NotFoundError()
    saved = list(workspace.value_dimensions)
    return _render(request, form=ValueDimensionsForm.of(saved), based_on=saved)


@router.post(PAGE)
def update_value_dimensions(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    dimensions: Annotated[str, Form()] = "",
    current: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """``current``: the list the form was based on (hidden fields, one per name, in order)."""
    workspace_id = _workspace_id(actor)
    based_on = current or []
    form = ValueDimensionsForm(dimensions)
    errors, names = form.check()
    if errors:
        # Keep the list the form was based on, so a later save is still checked against it.
        return _render(request, form=form, based_on=based_on, errors=errors, status_code=422)
    try:
        changed = service.set_value_dimensions(
            db, actor=actor.user, workspace_id=workspace_id, names=names, based_on=based_on
        )
    except service.StaleSettings as stale:
        # Nothing was saved; the admin's text stays in the form, next to what is saved now,
        # and the form is now based on that (saving again replaces it on purpose).
        return _render(request, form=form, based_on=stale.current, stale=stale, status_code=409)
    response = RedirectResponse(PAGE, status_code=303)
    notice = (
        "Saved the value dimensions. New ratings use them; ratings already given keep theirs."
        if changed
        else "The value dimensions are unchanged."
    )
    get_templates(request).flash(response, notice)
    return response
