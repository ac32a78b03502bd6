"""Agreement: submit, approve, withdraw (plan section), and the read-only pages of versions:
what changed since the last agreed version, the versions list, one version, compare two."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.agreement import diff, repository, service, snapshot
from app.agreement.schemas import CURRENT, CompareQuery
from app.auth.deps import CurrentActor, SettingsDep
from app.db import DbSession
from app.models import STRATEGY_LABELS, Plan, PlanStatus, PlanVersion
from app.permissions.guards import PlanApprover, PlanReader, PlanSubmitter
from app.permissions.policy import AccountAccess, Actor
from app.plans import repository as plans_repo
from app.plans.page import back_to_plan, plan_context
from app.web.errors import ForbiddenError, NotFoundError
from app.web.templating import get_templates, is_htmx

router = APIRouter()
SECTION = "agreement/_section.html"


def _plan(db: DbSession, access: AccountAccess) -> Plan:
    plan = plans_repo.current(db, account_id=access.account_id)
    if plan is None:
        raise NotFoundError()
    return plan


def _after_change(
    request: Request, db: DbSession, actor: Actor, access: AccountAccess, notice: str
) -> Response:
    """The section again for htmx; otherwise back to the plan with a flash."""
    if is_htmx(request):
        context = plan_context(db, actor, access) | {"agreement_notice": notice}
        return get_templates(request).render(request, SECTION, context)
    return back_to_plan(request, access, notice, "agreement")


@router.post("/accounts/{account_id}/plan/submit")
def submit_plan(
    request: Request,
    actor: CurrentActor,
    access: PlanSubmitter,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    plan = service.submit(db, actor=actor.user, plan=_plan(db, access), base_url=settings.base_url)
    notice = (
        f"Submitted the plan {plan.period} for agreement: "
        "the client sponsor and the account lead can now approve it."
    )
    return _after_change(request, db, actor, access, notice)


@router.post("/accounts/{account_id}/plan/approve")
def approve_plan(
    request: Request,
    actor: CurrentActor,
    access: PlanApprover,
    db: DbSession,
    settings: SettingsDep,
) -> Response:
    slot = service.slot_for(access.role)
    if slot is None:  # the guard admits only the sponsor and the lead; never guess a slot
        raise ForbiddenError()
    approval = service.approve(
        db, actor=actor.user, plan=_plan(db, access), slot=slot, base_url=settings.base_url
    )
    if approval.version is not None:
        notice = (
            f"Approved. Both sides agreed: the plan is frozen as version {approval.version.number}."
        )
    elif approval.recorded:
        notice = f"Approved as {slot.label}. Waiting for the other approval."
    else:
        notice = f"You had already approved as {slot.label}; nothing changed."
    return _after_change(request, db, actor, access, notice)


@router.post("/accounts/{account_id}/plan/withdraw")
def withdraw_plan(
    request: Request, actor: CurrentActor, access: PlanSubmitter, db: DbSession
) -> Response:
    service.withdraw(db, actor=actor.user, plan=_plan(db, access))
    notice = "Withdrew the submission: the plan is a draft again and approvals were cleared."
    return _after_change(request, db, actor, access, notice)


# --- read-only pages (shared content only: every role of both sides) --------------------------


def _page(
    request: Request,
    name: str,
    access: AccountAccess,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    context = {"access": access, "account": access.account} | context
    return get_templates(request).render(request, name, context, status_code=status_code)


@router.get("/accounts/{account_id}/plan/changes")
def changes(
    request: Request,
    access: PlanReader,
    db: DbSession,
    summary: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    plan = _plan(db, access)
    assert plan.id is not None
    last = repository.last_version(db, account_id=access.account_id, plan_id=plan.id)
    current = snapshot.build(db, plan=plan)
    changed = diff.compare(last.snapshot, current) if last is not None else None
    stale_submission = (
        plan.status == PlanStatus.SUBMITTED
        and snapshot.content_hash(current) != plan.submitted_hash
    )
    submitter = ""
    if stale_submission:
        names = repository.user_names(db, user_ids=[plan.submitted_by_id])
        submitter = names.get(plan.submitted_by_id or 0, "the account lead")
    context = {
        "plan": plan,
        "last": last,
        "diff": changed,
        "stale_submission": stale_submission,
        "submitter": submitter,
    }
    if summary:
        return get_templates(request).render(
            request, "agreement/_summary.html", {"account": access.account, **context}
        )
    return _page(request, "agreement/changes.html", access, context)


@router.get("/accounts/{account_id}/plan/versions")
def versions(request: Request, access: PlanReader, db: DbSession) -> Response:
    plan = _plan(db, access)
    assert plan.id is not None
    rows = repository.list_versions(db, account_id=access.account_id, plan_id=plan.id)
    return _page(request, "agreement/versions.html", access, {"plan": plan, "rows": rows})


@router.get("/accounts/{account_id}/plan/versions/{version_id}")
def show_version(request: Request, access: PlanReader, db: DbSession, version_id: int) -> Response:
    version = repository.get_version(db, account_id=access.account_id, version_id=version_id)
    if version is None:
        raise NotFoundError()
    names = repository.user_names(
        db,
        user_ids=[
            version.submitted_by_id,
            version.sponsor_approved_by_id,
            version.lead_approved_by_id,
        ],
    )
    context = {
        "version": version,
        "names": names,
        "titles": diff.SECTION_TITLES,
        "strategy_labels": {kind.value: label for kind, label in STRATEGY_LABELS.items()},
        "show": diff.show,
    }
    return _page(request, "agreement/version.html", access, context)


def _version_choices(db: DbSession, access: AccountAccess, plan: Plan) -> list[PlanVersion]:
    assert plan.id is not None
    rows = repository.list_versions(db, account_id=access.account_id, plan_id=plan.id)
    return [version for version, *_ in rows]


@router.get("/accounts/{account_id}/plan/compare")
def compare(
    request: Request,
    access: PlanReader,
    db: DbSession,
    from_: Annotated[str, Query(alias="from", max_length=40)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    plan = _plan(db, access)
    choices = _version_choices(db, access, plan)
    query = CompareQuery(from_, to)
    if not from_ and not to and choices:
        # No choice made yet: the last agreed version against the plan as it stands.
        query = CompareQuery(str(choices[0].id), CURRENT)
    page: dict[str, Any] = {"plan": plan, "choices": choices, "query": query, "diff": None}
    if not choices:
        return _page(request, "agreement/compare.html", access, page | {"error": ""})
    error, from_id, to_id = query.check()
    found = repository.get_versions(
        db, account_id=access.account_id, version_ids=[i for i in (from_id, to_id) if i]
    )
    older = found.get(from_id or 0)
    newer = found.get(to_id) if to_id is not None else None
    if not error and older is None:
        error = "There is no agreed version with that id in this account. Choose one from the list."
    if not error and to_id is not None and newer is None:
        error = "There is no agreed version with that id to compare with. Choose one from the list."
    if error:
        page["error"] = error
        return _page(request, "agreement/compare.html", access, page, status_code=422)
    assert older is not None
    new_content = newer.snapshot if newer is not None else snapshot.build(db, plan=plan)
    page |= {
        "diff": diff.compare(older.snapshot, new_content),
        "older": older,
        "newer": newer,
    }
    return _page(request, "agreement/compare.html", access, page | {"error": ""})
