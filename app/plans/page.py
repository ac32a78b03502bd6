"""The plan page: the shared plan of an account, assembled from its sections' loaders.

``plan_page`` is the responder every plan section's routes answer through (``app.kit.pages``):
the whole page, one section for htmx, back to the page with a notice after a change.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from fastapi import Request

from app.accounts import repository as accounts_repo
from app.actions import sections as actions_sections
from app.agreement import sections as agreement_sections
from app.attachments import sections as attachments_sections
from app.initiatives import sections as initiatives_sections
from app.keyaccount import repository as keyaccount_repo
from app.keyaccount import sections as keyaccount_sections
from app.kit.pages import Page
from app.kit.window import Windows
from app.live import events as live_events
from app.models import Horizon, Importance, Plan, PriorityStatus, Side
from app.permissions.policy import AccountAccess, Actor, Can, Verb, may
from app.plans import metrics, repository, summary
from app.plans.sections import SectionLoader
from app.priorities import repository as priorities_repo
from app.priorities import sections as priorities_sections
from app.priorities.schemas import PriorityForm
from app.strategy import sections as strategy_sections
from app.value import sections as value_sections
from app.waiting import repository as waiting_repo
from app.web.errors import NotFoundError
from app.web.forms import FormErrors
from app.web.templating import is_htmx
from app.welcome import progress

TEMPLATE = "plans/show.html"

# The plan page's sections, in the order their loaders run (each a fixed number of queries).
LOADERS: tuple[SectionLoader, ...] = (
    strategy_sections.load,
    value_sections.load,
    initiatives_sections.load,
    actions_sections.load,
    priorities_sections.load,
    agreement_sections.load,
    attachments_sections.load,  # the threads' comment counts and the items' files
)


def current_plan(db: Any, access: AccountAccess) -> Plan:
    """The account's current plan; 404 when it has none. A writing request locks its row
    (``plans.repository.current``): whatever it writes goes to the current period."""
    plan = repository.current(db, account_id=access.account_id, lock=True)
    if plan is None:
        raise NotFoundError()
    return plan


def period_plan(db: Any, access: AccountAccess, period: int | None) -> Plan:
    """The plan of the period ``period`` (a plan id of the account, current or closed), or
    the current plan when None; 404 when the account has no such plan."""
    if period is None:
        return current_plan(db, access)
    plan = repository.of_account(db, account_id=access.account_id, plan_id=period)
    if plan is None:
        raise NotFoundError()
    return plan


def _periods(db: Any, actor: Actor, access: AccountAccess, period: int | None) -> dict[str, Any]:
    """The account's periods (one query: the page's plan is one of them, so it costs nothing
    more) and the one shown: ``period`` (a plan id of the account), else the current one."""
    statement, names = _periods_statement(
        access.is_vendor, may(actor, access, Verb.VALIDATION_ANSWER)
    )
    periods, live, columns = repository.periods_and_live_event(
        db, statement, names, {"account_id": access.account_id, "user_id": actor.id}
    )
    current = next((p for p in periods if p.is_current), None)
    plan = current if period is None else next((p for p in periods if p.id == period), None)
    if plan is None:
        raise NotFoundError()
    return {
        "plan": plan,
        "periods": periods,
        "current_period": current,
        "previous_period": next((p for p in periods if p.id == plan.previous_id), None),
        "closed": not plan.is_current,
        # The last live event the reader may see, read before every section: the page's event
        # stream starts after it.
        "live_event": live_events.event_id(access.is_vendor, live),
        "summary_columns": columns.get(plan.id or 0, {}),
    }


@functools.cache
def _periods_statement(vendor: bool, check: bool) -> tuple[Any, tuple[str, ...]]:
    """The page's first statement for a reader of one side who may (``check``) or may not
    answer the client's checks, and the names of its extra columns: built once, over the bind
    parameters ``account_id`` and ``user_id``. The summary's columns come along in it: no
    query of their own."""
    extra = (
        repository.review_columns()
        | repository.confirmation_columns()
        | keyaccount_repo.plan_columns()
        | waiting_repo.here_columns(
            sa.bindparam("account_id"), user_id=sa.bindparam("user_id"), check=check
        )
    )
    return repository.periods_statement(extra, vendor=vendor), tuple(extra)


def plan_context(
    db: Any, actor: Actor, access: AccountAccess, period: int | None = None
) -> dict[str, Any]:
    """Everything the plan page and its partials show, in a fixed number of queries: of the
    current plan, or of the period ``period`` (a plan id of the account; a closed period is
    read-only: nothing on it may change)."""
    shown = _periods(db, actor, access, period)
    plan, closed = shown["plan"], shown["closed"]
    assert plan.id is not None
    members = accounts_repo.list_members(db, account_id=access.account_id)
    rows = priorities_repo.for_plan(db, plan_id=plan.id)
    context: dict[str, Any] = {
        "access": access,
        "account": access.account,
        "actor": actor,
        # What the actor may do here, for showing buttons (the routes check again).
        "can": Can(actor, access, closed=closed),
        **shown,
        "members": members,
        "people": {m.user_id: m.user for m in members},
        "owners": [m.user for m in members if m.role_enum.side is Side.CLIENT],
        "priorities": [row for row in rows if row[0].status == PriorityStatus.ACTIVE],
        "suggestions": [row for row in rows if row[0].status == PriorityStatus.SUGGESTED],
        "rejected_suggestions": [row for row in rows if row[0].status == PriorityStatus.REJECTED],
        "importances": list(Importance),
        "horizons": list(Horizon),
        "form": PriorityForm(),
        "errors": FormErrors(),
        "notice": "",
        # "Finish setting up your plan" while the first visit's short path is open.
        "resume_url": progress.resume_url(actor, access) if not closed else None,
    }
    for loader in LOADERS:
        context.update(loader(db, actor, access, plan))
    context.update(keyaccount_sections.load(shown["summary_columns"]))
    initiatives_sections.link_priorities(
        context["initiatives"], [row[0] for row in context["priorities"]]
    )
    # What the client confirmed of the vendor's profile and map (read with the periods), then
    # the figures, computed from what the loaders brought, without a query (DESIGN.md §3.9).
    context["confirmations"] = repository.confirmations(shown["summary_columns"])
    context["focus_metrics"] = metrics.for_plan(context)
    context["plan_summary"] = summary.build(context, actor, shown["summary_columns"])
    return context


def plan_url(access: AccountAccess, period: int | None = None) -> str:
    """The plan page: the current plan's, or the page of the period ``period``."""
    if period is not None:
        return f"/accounts/{access.account_id}/plans/{period}"
    return f"/accounts/{access.account_id}/plan"


def plan_page(
    request: Request, db: Any, actor: Actor, access: AccountAccess, period: int | None = None
) -> Page:
    """The plan page's responder (the current plan's, or the period ``period``'s); its
    context is built only when something is rendered."""
    folding = fold_of(request)
    # A change answers with its section: the summary comes along, out of band.
    oob = is_htmx(request) and request.method == "POST"
    # Done and cancelled actions are rendered when asked for (templates/actions/_section.html),
    # open ones a page at a time (app/kit/window.py).
    shown = {
        "closed_actions": request.query_params.get("closed") == "1",
        "windows": Windows(request.query_params),
        "page_url": plan_url(access, period),
    }
    return Page(
        request,
        TEMPLATE,
        lambda: (
            plan_context(db, actor, access, period) | {"fold": folding, "summary_oob": oob} | shown
        ),
        url=plan_url(access, period),
    )


def fold_of(request: Request) -> dict[str, Any]:
    """How the page's sections are folded: ``?fold=all`` closes them all, but the one named
    by ``open`` (a section's id; the section nav links there when the page is folded)."""
    return {
        "all": request.query_params.get("fold") == "all",
        "open": request.query_params.get("open", ""),
    }
