"""Writing the client's strategy: add an entry to a section, edit it, move it up or down within
its section, remove it. Only client contributors (``StrategyWriter``) get here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.models import Horizon, StrategyEntry, StrategyKind
from app.permissions.guards import StrategyWriter
from app.permissions.policy import AccountAccess, Actor
from app.plans import repository as plans_repo
from app.plans.page import back_to_plan, plan_context, render_plan
from app.strategy import repository, service
from app.strategy.schemas import Section, StrategyForm, section_of
from app.web.errors import AppError, NotFoundError
from app.web.forms import FormErrors
from app.web.templating import get_templates, is_htmx

router = APIRouter()
Text = Annotated[str, Form()]


def render_section(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    template: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """One section of the plan page alone (the htmx partial), from the plan page's context."""
    context = plan_context(db, actor, access) | extra
    return get_templates(request).render(request, template, context, status_code=status_code)


def _template(section: Section) -> str:
    """Advice is shown in the value section; every other kind in the strategy section."""
    return (
        "value/_section.html" if section.kind is StrategyKind.ADVICE else "strategy/_section.html"
    )


def _notice(section: Section, notice: str) -> dict[str, Any]:
    key = "value_notice" if section.kind is StrategyKind.ADVICE else "strategy_notice"
    return {key: notice}


def _answer(
    request: Request,
    db: DbSession,
    actor: Actor,
    access: AccountAccess,
    section: Section,
    notice: str,
    *,
    focus: str = "",
) -> Response:
    """After a change: the section again for htmx, else back to the plan with a flash."""
    if is_htmx(request):
        return render_section(
            request,
            db,
            actor,
            access,
            _template(section),
            strategy_focus=focus,
            **_notice(section, notice),
        )
    return back_to_plan(request, access, notice, section.anchor)


def _entry(db: DbSession, access: AccountAccess, entry_id: int) -> StrategyEntry:
    entry = repository.get_live(db, account_id=access.account_id, entry_id=entry_id)
    if entry is None:
        raise NotFoundError()
    return entry


def _quote(text: str, limit: int = 60) -> str:
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


@router.post("/accounts/{account_id}/strategy")
def add_entry(
    request: Request,
    actor: CurrentActor,
    access: StrategyWriter,
    db: DbSession,
    kind: Text = "",
    text: Text = "",
    detail: Text = "",
    horizon: Text = "",
) -> Response:
    section = section_of(kind)
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    form = StrategyForm(kind, text, detail, horizon)
    errors = form.check(section)
    if errors:
        typed: dict[str, Any] = {"strategy_form": form, "strategy_errors": errors}
        if is_htmx(request):
            return render_section(
                request, db, actor, access, _template(section), status_code=422, **typed
            )
        return render_plan(request, db, actor, access, status_code=422, **typed)
    entry = service.create(db, actor=actor.user, plan=plan, form=form)
    notice = f"Added {_quote(entry.text)} to {section.heading.lower()}."
    # Keep the keyboard in the form: people often add several entries in a row.
    return _answer(
        request, db, actor, access, section, notice, focus=f"f-strategy-{section.kind}-text"
    )


def _render_edit(
    request: Request,
    access: AccountAccess,
    entry: StrategyEntry,
    form: StrategyForm,
    *,
    version: int,
    errors: FormErrors | None = None,
    stale: service.StaleEdit | None = None,
    status_code: int = 200,
) -> Response:
    return get_templates(request).render(
        request,
        "strategy/edit.html",
        {
            "access": access,
            "account": access.account,
            "entry": entry,
            "section": section_of(entry.kind),
            "form": form,
            "version": version,
            "errors": errors or FormErrors(),
            "stale": stale,
            "horizons": list(Horizon),
        },
        status_code=status_code,
    )


@router.get("/accounts/{account_id}/strategy/{entry_id}/edit")
def edit_entry(request: Request, access: StrategyWriter, db: DbSession, entry_id: int) -> Response:
    entry = _entry(db, access, entry_id)
    return _render_edit(request, access, entry, StrategyForm.of(entry), version=entry.version)


@router.post("/accounts/{account_id}/strategy/{entry_id}")
def update_entry(
    request: Request,
    actor: CurrentActor,
    access: StrategyWriter,
    db: DbSession,
    entry_id: int,
    text: Text = "",
    detail: Text = "",
    horizon: Text = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    entry = _entry(db, access, entry_id)
    section = section_of(entry.kind)
    form = StrategyForm(entry.kind, text, detail, horizon)
    errors = form.check(section)
    if errors:
        return _render_edit(
            request, access, entry, form, version=version, errors=errors, status_code=422
        )
    try:
        service.update(db, actor=actor.user, entry=entry, form=form, expected_version=version)
    except service.StaleEdit as stale:
        # Nothing was saved; the person's text stays in the form, next to what is saved now.
        return _render_edit(
            request, access, entry, form, version=entry.version, stale=stale, status_code=409
        )
    return _answer(request, db, actor, access, section, f"Saved {_quote(entry.text)}.")


@router.post("/accounts/{account_id}/strategy/{entry_id}/move")
def move_entry(
    request: Request,
    actor: CurrentActor,
    access: StrategyWriter,
    db: DbSession,
    entry_id: int,
    direction: Text = "",
) -> Response:
    entry = _entry(db, access, entry_id)
    if direction not in ("up", "down"):
        raise AppError("Move an entry up or down.")
    section = section_of(entry.kind)
    moved = service.move(db, actor=actor.user, entry=entry, up=direction == "up")
    where = "up" if direction == "up" else "down"
    notice = (
        f"Moved {_quote(entry.text)} {where}."
        if moved
        else f"{_quote(entry.text)} is already {'first' if where == 'up' else 'last'}."
    )
    return _answer(
        request, db, actor, access, section, notice, focus=f"move-{direction}-strategy-{entry.id}"
    )


@router.post("/accounts/{account_id}/strategy/{entry_id}/remove")
def remove_entry(
    request: Request, actor: CurrentActor, access: StrategyWriter, db: DbSession, entry_id: int
) -> Response:
    entry = _entry(db, access, entry_id)
    service.remove(db, actor=actor.user, entry=entry)
    section = section_of(entry.kind)
    return _answer(request, db, actor, access, section, f"Removed {_quote(entry.text)}.")
