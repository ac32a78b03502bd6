"""Writing the client's strategy: add an entry to a section, edit it, move it up or down within
its section, remove it. Only client contributors (``StrategyWriter``) get here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Fragment, Page, edit_page
from app.models import Horizon, StrategyEntry, StrategyKind
from app.permissions.guards import ItemAccess, StrategyWriter, item_action, item_guard, item_move
from app.permissions.policy import Actor, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.strategy import service
from app.strategy.schemas import Section, StrategyForm, section_of
from app.web.forms import FormErrors, Version

router = APIRouter()
Form_ = Annotated[StrategyForm, FormOf(StrategyForm)]

# A live entry of the account's current plan, for its client contributors.
WrittenEntry = Annotated[
    ItemAccess[StrategyEntry],
    # An entry of a closed period is refused by the guard (409: the period is read-only).
    item_guard(Verb.STRATEGY_WRITE, StrategyEntry, "entry_id"),
]


def _fragment(section: Section) -> Fragment:
    """Advice is shown in the value section; every other kind in the strategy section."""
    if section.kind is StrategyKind.ADVICE:
        return Fragment("value/_section.html")
    return Fragment("strategy/_section.html")


def _back_to_section(page: Page, section: Section, notice: str, *, focus: str = "") -> Response:
    """After a change: the section again for htmx, else back to the plan with a flash."""
    notice_as = "value_notice" if section.kind is StrategyKind.ADVICE else "strategy_notice"
    return page.done(
        notice,
        _fragment(section),
        anchor=section.anchor,
        notice_as=notice_as,
        strategy_focus=focus,
    )


def _quote(text: str, limit: int = 60) -> str:
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


@router.post("/accounts/{account_id}/strategy")
def add_entry(
    request: Request, actor: CurrentActor, access: StrategyWriter, db: DbSession, form: Form_
) -> Response:
    section = section_of(form.kind)
    plan = current_plan(db, access)
    values = form.check(section)
    if isinstance(values, FormErrors):
        page = plan_page(request, db, actor, access)
        return page.refused(422, _fragment(section), strategy_form=form, strategy_errors=values)
    entry = service.create(db, actor=actor.user, plan=plan, values=values)
    notice = f"Added {_quote(entry.text)} to {section.heading.lower()}."
    # Keep the keyboard in the form: people often add several entries in a row.
    return _back_to_section(
        plan_page(request, db, actor, access),
        section,
        notice,
        focus=f"f-strategy-{section.kind}-text",
    )


def _edit_page(request: Request, checked: ItemAccess[StrategyEntry]) -> EditPage:
    """The page that edits one entry."""
    access, entry = checked.access, checked.item
    return edit_page(
        request,
        "strategy/edit.html",
        access,
        url=plan_url(access),
        entry=entry,
        section=section_of(entry.kind),
        horizons=list(Horizon),
    )


@router.get("/accounts/{account_id}/strategy/{entry_id}/edit")
def edit_entry(request: Request, checked: WrittenEntry) -> Response:
    return _edit_page(request, checked).show(StrategyForm.of(checked.item), checked.item)


@router.post("/accounts/{account_id}/strategy/{entry_id}")
def update_entry(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: WrittenEntry,
    form: Form_,
    version: Version = 0,
) -> Response:
    entry, page = checked.item, _edit_page(request, checked)
    section = section_of(entry.kind)
    return page.save(
        form,
        form.check(section),
        version=version,
        item=entry,
        save=lambda values: service.update(
            db, actor=actor.user, entry=entry, values=values, expected_version=version
        ),
        after=lambda: _back_to_section(
            plan_page(request, db, actor, checked.access), section, f"Saved {_quote(entry.text)}."
        ),
    )


def move_entry(
    page: Page, db: DbSession, actor: Actor, entry: StrategyEntry, direction: str
) -> Response:
    moved = service.move(db, actor=actor.user, entry=entry, up=direction == "up")
    notice = (
        f"Moved {_quote(entry.text)} {direction}."
        if moved
        else f"{_quote(entry.text)} is already {'first' if direction == 'up' else 'last'}."
    )
    focus = f"move-{direction}-strategy-{entry.id}"
    return _back_to_section(page, section_of(entry.kind), notice, focus=focus)


def remove_entry(page: Page, db: DbSession, actor: Actor, entry: StrategyEntry) -> Response:
    service.remove(db, actor=actor.user, entry=entry)
    return _back_to_section(page, section_of(entry.kind), f"Removed {_quote(entry.text)}.")


ENTRY = "/accounts/{account_id}/strategy/{entry_id}"
item_move(router, f"{ENTRY}/move", WrittenEntry, plan_page, move_entry, what="an entry")
item_action(router, f"{ENTRY}/remove", WrittenEntry, plan_page, remove_entry, asks="Remove")
