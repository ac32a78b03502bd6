"""Workspace admin: the dimensions clients rate the relationship on (DESIGN.md §3.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import DbSession
from app.kit import moments, numbers
from app.kit.clock import now, zone_named, zone_names
from app.kit.forms import FormOf
from app.kit.pages import Page, redirect
from app.models import Workspace
from app.permissions.guards import SettingsManager
from app.permissions.policy import Actor
from app.users.schemas import TimeZoneForm
from app.web.errors import or_404
from app.web.forms import FormErrors
from app.workspaces import repository, service
from app.workspaces.schemas import (
    MAX_DIMENSIONS,
    MAX_NAME,
    MIN_DIMENSIONS,
    CurrencyForm,
    ValueDimensionsForm,
)

router = APIRouter()
PAGE = "/admin/value-dimensions"
ZONE_PAGE = "/admin/time-zone"
CURRENCY_PAGE = "/admin/currency"


def _workspace_id(actor: Actor) -> int:
    assert actor.workspace_id is not None, "the guard lets only workspace admins through"
    return actor.workspace_id


def _workspace(db: DbSession, actor: Actor) -> Workspace:
    """The admin's own workspace (the only one these pages show)."""
    return or_404(repository.get(db, workspace_id=_workspace_id(actor)))


def _page(request: Request, based_on: list[str]) -> Page:
    """The settings page; ``based_on`` is the hidden list the save is checked against."""

    def context() -> dict[str, Any]:
        return {
            "based_on": based_on,
            "errors": {},
            "stale": None,
            "min_dimensions": MIN_DIMENSIONS,
            "max_dimensions": MAX_DIMENSIONS,
            "max_name": MAX_NAME,
        }

    return Page(request, "admin/value_dimensions.html", context, url=PAGE)


@router.get(PAGE)
def edit_value_dimensions(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    saved = list(_workspace(db, actor).value_dimensions)
    return _page(request, saved).render(form=ValueDimensionsForm.of(saved))


@router.post(PAGE)
def update_value_dimensions(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[ValueDimensionsForm, FormOf(ValueDimensionsForm)],
    current: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """``current``: the list the form was based on (hidden fields, one per name, in order)."""
    workspace_id = _workspace_id(actor)
    based_on = current or []
    values = form.check()
    if isinstance(values, FormErrors):
        # Keep the list the form was based on, so a later save is still checked against it.
        return _page(request, based_on).refused(422, form=form, errors=values)
    try:
        changed = service.set_value_dimensions(
            db,
            actor=actor.user,
            workspace_id=workspace_id,
            names=list(values.names),
            based_on=based_on,
        )
    except service.StaleEdit as stale:
        # The form is now based on what is saved: saving again replaces it on purpose.
        return _page(request, stale.current).refused(409, form=form, stale=stale)
    return _page(request, based_on).leave(
        "Saved the value dimensions. New ratings use them; ratings already given keep theirs."
        if changed
        else "The value dimensions are unchanged."
    )


def _zone_page(request: Request, saved: Workspace) -> Page:
    def context() -> dict[str, Any]:
        return {
            "errors": {},
            "zone_names": zone_names(),
            "saved": saved,
            "now_there": moments.exact(now(), zone_named(saved.time_zone)),
        }

    return Page(request, "admin/time_zone.html", context, url=ZONE_PAGE)


@router.get(ZONE_PAGE)
def edit_time_zone(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    workspace = _workspace(db, actor)
    return _zone_page(request, workspace).render(form=TimeZoneForm(workspace.time_zone))


@router.post(ZONE_PAGE)
def update_time_zone(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[TimeZoneForm, FormOf(TimeZoneForm)],
) -> Response:
    """The zone of the workspace's people who chose none of their own."""
    workspace_id = _workspace_id(actor)
    checked = form.check(default_allowed=False)
    if isinstance(checked, FormErrors):
        return _zone_page(request, _workspace(db, actor)).refused(422, form=form, errors=checked)
    changed = service.set_time_zone(
        db, actor=actor.user, workspace_id=workspace_id, time_zone=checked.name
    )
    return redirect(
        request,
        ZONE_PAGE,
        f"The workspace's time zone is now {checked.name}. People who chose none of their own "
        "see times and “today” in it."
        if changed
        else f"The workspace's time zone was {checked.name} already.",
    )


def _currency_page(request: Request, saved: Workspace) -> Page:
    def context() -> dict[str, Any]:
        return {
            "errors": {},
            "currencies": [(code, numbers.currency_name(code)) for code in numbers.CURRENCIES],
            "saved": saved,
            "saved_name": numbers.currency_name(saved.currency),
        }

    return Page(request, "admin/currency.html", context, url=CURRENCY_PAGE)


@router.get(CURRENCY_PAGE)
def edit_currency(request: Request, actor: SettingsManager, db: DbSession) -> Response:
    workspace = _workspace(db, actor)
    return _currency_page(request, workspace).render(form=CurrencyForm(workspace.currency))


@router.post(CURRENCY_PAGE)
def update_currency(
    request: Request,
    actor: SettingsManager,
    db: DbSession,
    form: Annotated[CurrencyForm, FormOf(CurrencyForm)],
) -> Response:
    """The currency every money figure of the workspace's accounts is shown in."""
    checked = form.check()
    if isinstance(checked, FormErrors):
        page = _currency_page(request, _workspace(db, actor))
        return page.refused(422, form=form, errors=checked)
    changed = service.set_currency(
        db, actor=actor.user, workspace_id=_workspace_id(actor), currency=checked.code
    )
    name = f"{numbers.currency_name(checked.code)} ({checked.code})"
    return redirect(
        request,
        CURRENCY_PAGE,
        f"The workspace's currency is now {name}: every money figure of its accounts shows it."
        if changed
        else f"The workspace's currency was {name} already.",
    )
