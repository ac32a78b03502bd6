"""Agreement: submit, approve, withdraw (plan section), and the read-only pages of versions:
what changed since the last agreed version, the versions list, one version, compare two."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.agreement import answers, commitment, diff, repository, sections, service, snapshot
from app.agreement.schemas import CURRENT, CommitmentForm, CompareQuery
from app.attachments.download import streamed
from app.attachments.storage import store_for
from app.attachments.upload import file_size
from app.auth.deps import CurrentActor
from app.db import DbSession
from app.kit.forms import FormOf
from app.kit.pages import Fragment, Page, render
from app.kit.versioned import StaleEdit
from app.kit.words import plural
from app.models import STRATEGY_LABELS, CommitmentAnswer, Plan, PlanStatus, PlanVersion
from app.permissions.guards import (
    CommitmentAnswerer,
    CommitmentAsker,
    CommitmentReader,
    ItemAccess,
    PlanApprover,
    PlanReader,
    PlanSubmitter,
    item_guard,
)
from app.permissions.policy import AccountAccess, Actor, Verb
from app.plans.page import current_plan, period_plan, plan_page
from app.web.confirm import Asking, ConfirmationNeeded, asks_first, back_to
from app.web.errors import ForbiddenError, NotFoundError
from app.web.forms import FormErrors

router = APIRouter()
# The period whose agreement is shown: a plan id of the account (a closed period), or none for
# the current plan.
Period = Annotated[int | None, Query(ge=0)]
SECTION = Fragment("agreement/_section.html")
ReadVersion = Annotated[
    ItemAccess[PlanVersion], item_guard(Verb.PLAN_VIEW, PlanVersion, "version_id")
]


@router.post("/accounts/{account_id}/plan/submit")
@asks_first("Submit for agreement", danger=False)
def submit_plan(
    request: Request,
    actor: CurrentActor,
    access: PlanSubmitter,
    db: DbSession,
    concerns_seen: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with answers.refusals():
        # Locked first: a concern raised meanwhile waits, then shows on the confirmation.
        plan = service.lock(db, current_plan(db, access))
        _concerns_first(request, db, access, plan, concerns_seen)
        plan = service.submit(db, actor=actor.user, plan=plan)
    notice = (
        f"Submitted the plan {plan.period} for agreement: "
        "the client sponsor and the account lead can now approve it."
    )
    page = plan_page(request, db, actor, access)
    return page.done(notice, SECTION, anchor="agreement", notice_as="agreement_notice")


def _concerns_first(
    request: Request, db: DbSession, access: AccountAccess, plan: Plan, seen: str
) -> None:
    """Submitting with the team's concerns open is allowed, but the lead is shown them first:
    a confirmation listing them, unless the request says these very concerns were seen."""
    assert plan.id is not None
    rows = repository.commitment_round(db, account_id=access.account_id, plan_id=plan.id)
    concerns = commitment.open_concerns(rows)
    key = commitment.concerns_key(concerns)
    if not concerns or seen == key:
        return
    count = len(concerns)
    question = (
        f"{plural(count, 'concern', 'concerns')} of the team {'is' if count == 1 else 'are'} "
        f"still open. Submit the plan {plan.period} to the client anyway?"
    )
    raise ConfirmationNeeded(
        Asking(
            "Submit anyway",
            False,
            question,
            request.url.path,
            (("concerns_seen", key),),
            back_to(request),
            details=tuple(f"{name}: {row.comment}" for row, name in concerns),
        )
    )


@router.post("/accounts/{account_id}/plan/approve")
def approve_plan(
    request: Request,
    actor: CurrentActor,
    access: PlanApprover,
    db: DbSession,
) -> Response:
    slot = service.slot_for(access.role)
    if slot is None:  # the guard admits only the sponsor and the lead; never guess a slot
        raise ForbiddenError()
    with answers.refusals():
        approval = service.approve(
            db,
            actor=actor.user,
            plan=current_plan(db, access),
            slot=slot,
        )
    notice = answers.approved(approval)
    page = plan_page(request, db, actor, access)
    return page.done(notice, SECTION, anchor="agreement", notice_as="agreement_notice")


@router.post("/accounts/{account_id}/plan/withdraw")
@asks_first("Withdraw")
def withdraw_plan(
    request: Request, actor: CurrentActor, access: PlanSubmitter, db: DbSession
) -> Response:
    with answers.refusals():
        service.withdraw(db, actor=actor.user, plan=current_plan(db, access))
    notice = "Withdrew the submission: the plan is a draft again and approvals were cleared."
    page = plan_page(request, db, actor, access)
    return page.done(notice, SECTION, anchor="agreement", notice_as="agreement_notice")


# --- read-only pages (shared content only: every role of both sides) --------------------------


def _page(request: Request, template: str, access: AccountAccess, context: dict[str, Any]) -> Page:
    """A read-only page of the account's plan; ``context`` is what it shows."""
    base = {"access": access, "account": access.account}
    return Page(request, template, lambda: base | context, url=request.url.path)


@router.get("/accounts/{account_id}/plan/changes")
def changes(
    request: Request,
    access: PlanReader,
    db: DbSession,
    summary: Annotated[str, Query(max_length=10)] = "",
    period: Period = None,
) -> Response:
    plan = period_plan(db, access, period)
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
    if summary:  # the line the plan page's agreement section fetches
        return render(request, "agreement/_summary.html", {"account": access.account, **context})
    return _page(request, "agreement/changes.html", access, context).render()


@router.get("/accounts/{account_id}/plan/versions")
def versions(
    request: Request, access: PlanReader, db: DbSession, period: Period = None
) -> Response:
    plan = period_plan(db, access, period)
    assert plan.id is not None
    rows = repository.list_versions(db, account_id=access.account_id, plan_id=plan.id)
    return _page(request, "agreement/versions.html", access, {"plan": plan, "rows": rows}).render()


@router.get("/accounts/{account_id}/plan/versions/{version_id}")
def show_version(request: Request, db: DbSession, checked: ReadVersion) -> Response:
    version = checked.item
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
        "file_size": file_size,
    }
    return _page(request, "agreement/version.html", checked.access, context).render()


@router.get("/accounts/{account_id}/plan/versions/{version_id}/files/{attachment_id}")
def version_file(request: Request, checked: ReadVersion, attachment_id: int) -> Response:
    """A file the version lists, from the version, with the version page's guard: still
    served after the file was deleted from its item (the version keeps its bytes)."""
    listed = [f for f in snapshot.files_of(checked.item.snapshot) if f.get("id") == attachment_id]
    if not listed:
        raise NotFoundError()
    file = listed[0]
    return streamed(
        store_for(request.app.state.settings),
        sha256=file["sha256"],
        file_name=file["name"],
        content_type=file["content_type"],
        size=int(file["size"]),
    )


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
    period: Period = None,
) -> Response:
    plan = period_plan(db, access, period)
    choices = _version_choices(db, access, plan)
    query = CompareQuery(from_, to)
    if not from_ and not to and choices:
        # No choice made yet: the last agreed version against the plan as it stands.
        query = CompareQuery(str(choices[0].id), CURRENT)
    shown: dict[str, Any] = {"plan": plan, "choices": choices, "query": query, "diff": None}
    page = _page(request, "agreement/compare.html", access, shown)
    if not choices:
        return page.render(error="")
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
        return page.refused(422, error=error)
    assert older is not None
    new_content = newer.snapshot if newer is not None else snapshot.build(db, plan=plan)
    return page.render(
        error="", diff=diff.compare(older.snapshot, new_content), older=older, newer=newer
    )


# --- the team's commitment (internal: the vendor side only) -----------------------------------

COMMITMENT = Fragment("agreement/_commitment.html")


def _commitment_page(
    request: Request, db: DbSession, actor: Actor, access: AccountAccess, plan: Plan
) -> Page:
    """The team's commitment: its own page without JavaScript, the plan page's agreement area
    fetches it as a fragment; a change goes back to the plan's agreement area."""
    return Page(
        request,
        "agreement/commitment.html",
        lambda: sections.commitment_context(db, actor, access, plan),
        url=f"/accounts/{access.account_id}/plan",
    )


@router.get("/accounts/{account_id}/plan/commitment")
def show_commitment(
    request: Request, actor: CurrentActor, access: CommitmentReader, db: DbSession
) -> Response:
    plan = period_plan(db, access, None)
    return _commitment_page(request, db, actor, access, plan).render(COMMITMENT)


@router.post("/accounts/{account_id}/plan/commitment/ask")
@asks_first("Ask the team", danger=False)
def ask_commitment(
    request: Request, actor: CurrentActor, access: CommitmentAsker, db: DbSession
) -> Response:
    plan = current_plan(db, access)
    with answers.refusals():
        asked = commitment.ask(db, actor=actor.user, plan=plan)
    notice = f"Asked {plural(len(asked), 'person', 'people')} of the team to commit to the plan."
    page = _commitment_page(request, db, actor, access, plan)
    return page.done(notice, COMMITMENT, anchor="commitment", notice_as="commitment_notice")


@router.post("/accounts/{account_id}/plan/commitment/answer")
def answer_commitment(
    request: Request,
    actor: CurrentActor,
    access: CommitmentAnswerer,
    db: DbSession,
    form: Annotated[CommitmentForm, FormOf(CommitmentForm)],
) -> Response:
    plan = current_plan(db, access)
    page = _commitment_page(request, db, actor, access, plan)
    checked = form.check()
    if isinstance(checked, FormErrors):
        return page.refused(422, COMMITMENT, commitment_form=form, commitment_errors=checked)
    try:
        with answers.refusals():
            row = commitment.answer(db, actor=actor.user, plan=plan, checked=checked)
    except StaleEdit as stale:
        return page.refused(409, COMMITMENT, commitment_form=form, commitment_stale=stale)
    notice = (
        "You committed to the plan."
        if row.answer == CommitmentAnswer.COMMITTED
        else "Your concern is recorded; the account lead sees it."
    )
    return page.done(notice, COMMITMENT, anchor="commitment", notice_as="commitment_notice")
