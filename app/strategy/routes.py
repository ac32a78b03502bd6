"""Writing the client's strategy: add an entry to a section, edit it, move it up or down within
its section, remove it. Only client contributors (``StrategyWriter``) get here. And the vendor's
suggested entries (``StrategySuggester``) with the client's answers: accept, reword and accept,
reject with a reason (``SUGGESTIONS_ANSWER``, as for suggested priorities)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import EditPage, Fragment, Page, edit_page
from app.models import Horizon, StrategyEntry, StrategyKind, StrategySuggestion, SuggestionStatus
from app.permissions.guards import (
    ItemAccess,
    StrategySuggester,
    StrategyWriter,
    item_action,
    item_guard,
    item_move,
)
from app.permissions.policy import Actor, Verb
from app.plans.page import current_plan, plan_page, plan_url
from app.strategy import repository, service
from app.strategy.schemas import STRATEGY_KINDS, Section, StrategyForm, check_reason, section_of
from app.web.errors import AppError, NotFoundError
from app.web.forms import FormErrors, Text, Version

router = APIRouter()
Form_ = Annotated[StrategyForm, FormOf(StrategyForm)]

# A live entry of the account's current plan, for its client contributors.
WrittenEntry = Annotated[
    ItemAccess[StrategyEntry],
    # An entry of a closed period is refused by the guard (409: the period is read-only).
    item_guard(Verb.STRATEGY_WRITE, StrategyEntry, "entry_id"),
]
# A vendor's suggested entry of the account, whatever the client answered (an answer that
# comes too late is told who answered first, not that the suggestion does not exist).
AnsweredSuggestion = Annotated[
    ItemAccess[StrategySuggestion],
    item_guard(Verb.SUGGESTIONS_ANSWER, StrategySuggestion, "strategy_suggestion_id"),
]
STRATEGY = Fragment("strategy/_section.html")


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


# --- Vendor suggestions and the client's answers ---------------------------------------------

SUGGESTIONS = "/accounts/{account_id}/strategy-suggestions"
SUGGESTION = SUGGESTIONS + "/{strategy_suggestion_id}"


def _suggestable(kind: str) -> Section:
    """A section the vendor may suggest for: the strategy's five (the client's advice to the
    vendor is the client's alone to give)."""
    section = section_of(kind)
    if section.kind not in STRATEGY_KINDS:
        raise AppError("Choose a section of the strategy to suggest for.")
    return section


def _answered_meanwhile(stale: service.StaleEdit) -> str:
    current = stale.current
    if current.status == SuggestionStatus.ACCEPTED:
        return f"{stale.who} already accepted “{current.text}”. Nothing was changed."
    if current.status == SuggestionStatus.REJECTED:
        return f"{stale.who} already rejected “{current.text}”. Nothing was changed."
    return f"{stale.who} changed this suggestion meanwhile. Read it again before you answer."


@router.post(SUGGESTIONS)
def suggest_entry(
    request: Request, actor: CurrentActor, access: StrategySuggester, db: DbSession, form: Form_
) -> Response:
    section = _suggestable(form.kind)
    plan = current_plan(db, access)
    page = plan_page(request, db, actor, access)
    values = form.check(section)
    if isinstance(values, FormErrors):
        errors = {"strategy_suggestion_form": form, "strategy_suggestion_errors": values}
        return page.refused(422, STRATEGY, **errors)
    service.suggest(db, actor=actor.user, plan=plan, values=values)
    notice = (
        f"Suggested {_quote(values.text)} for {section.heading.lower()}. The client decides "
        "whether it becomes part of their strategy."
    )
    return page.done(notice, STRATEGY, anchor=section.anchor, notice_as="strategy_notice")


@router.post(SUGGESTION + "/accept")
def accept_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    version: Version = 0,
) -> Response:
    suggestion, access = checked.item, checked.access
    page = plan_page(request, db, actor, access)
    try:
        entry = service.accept(
            db,
            actor=actor.user,
            plan=current_plan(db, access),
            suggestion=suggestion,
            expected_version=version,
        )
    except service.StaleEdit as stale:
        return page.refused(409, STRATEGY, strategy_answer_error=_answered_meanwhile(stale))
    section = section_of(entry.kind)
    notice = f"Added {_quote(entry.text)} to {section.heading.lower()}."
    return page.done(notice, STRATEGY, anchor=section.anchor, notice_as="strategy_notice")


@router.post(SUGGESTION + "/reject")
def reject_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    reason: Text = "",
    version: Version = 0,
) -> Response:
    suggestion, page = checked.item, plan_page(request, db, actor, checked.access)
    section = section_of(suggestion.kind)
    errors = FormErrors()
    reason = check_reason(reason, errors, section)
    if errors:
        return page.refused(
            422,
            STRATEGY,
            strategy_reject_errors={suggestion.id: errors["reason"]},
            strategy_reject_reasons={suggestion.id: reason},
        )
    try:
        service.reject(
            db, actor=actor.user, suggestion=suggestion, reason=reason, expected_version=version
        )
    except service.StaleEdit as stale:
        return page.refused(409, STRATEGY, strategy_answer_error=_answered_meanwhile(stale))
    notice = f"Rejected {_quote(suggestion.text)}. The vendor sees your reason."
    return page.done(notice, STRATEGY, anchor=section.anchor, notice_as="strategy_notice")


def _reword_page(
    request: Request, db: DbSession, checked: ItemAccess[StrategySuggestion]
) -> EditPage:
    suggestion, access = checked.item, checked.access
    return edit_page(
        request,
        "strategy/reword.html",
        access,
        url=plan_url(access),
        more=lambda: {"suggester": repository.person(db, user_id=suggestion.suggested_by_id)},
        suggestion=suggestion,
        section=section_of(suggestion.kind),
        horizons=list(Horizon),
        stale_message="",
    )


@router.get(SUGGESTION + "/reword")
def reword_suggestion_form(
    request: Request, db: DbSession, checked: AnsweredSuggestion
) -> Response:
    suggestion = checked.item
    if suggestion.status != SuggestionStatus.SUGGESTED:
        raise NotFoundError()
    return _reword_page(request, db, checked).show(StrategyForm.of(suggestion), suggestion)


@router.post(SUGGESTION + "/reword")
def reword_suggestion(
    request: Request,
    actor: CurrentActor,
    db: DbSession,
    checked: AnsweredSuggestion,
    form: Form_,
    version: Version = 0,
) -> Response:
    """Accept the suggestion in the client's own words (the vendor's stay on the audit trail)."""
    suggestion, access = checked.item, checked.access
    page, section = _reword_page(request, db, checked), section_of(suggestion.kind)
    return page.save(
        form,
        form.check(section),
        version=version,
        item=suggestion,
        save=lambda values: service.accept(
            db,
            actor=actor.user,
            plan=current_plan(db, access),
            suggestion=suggestion,
            expected_version=version,
            values=values,
        ),
        after=lambda: _back_to_section(
            plan_page(request, db, actor, access), section, f"Accepted {_quote(suggestion.text)}."
        ),
        on_stale=lambda stale: {"stale_message": _answered_meanwhile(stale)},
    )
