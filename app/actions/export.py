"""The actions as CSV: of a plan (what the plan page lists to the reader) and "my actions"
(the rows of /my/actions). Rows come from the pages' own queries and view rows; dates are ISO
dates, never "due in 2 days"."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.actions import repository, view
from app.initiatives import repository as initiatives_repo
from app.kit.downloads import file_name
from app.models import Plan, PriorityStatus
from app.permissions.policy import AccountAccess, Actor
from app.priorities import repository as priorities_repo

PLAN_HEADER = (
    "Action",
    "Outcome and measure",
    "Owner",
    "Owner's organisation",
    "Due",
    "Status",
    "Overdue days",
    "Serves",
)
MINE_HEADER = (
    "Account",
    "Action",
    "Outcome and measure",
    "Due",
    "Status",
    "Overdue days",
    "Serves",
)


def plan_rows(db: Session, actor: Actor, access: AccountAccess, plan: Plan) -> list[list[object]]:
    """The plan's live actions as the plan page lists them to the reader, open ones first
    (overdue leading), then the closed ones: four queries, whatever the number of actions.
    An initiative the reader may not see is named only "An initiative", as on the page."""
    assert plan.id is not None
    actions = repository.for_plan(db, account_id=access.account_id, plan_id=plan.id)
    members = accounts_repo.list_members(db, account_id=access.account_id)
    priorities = [
        row
        for row in priorities_repo.for_plan(db, plan_id=plan.id)
        if row[0].status == PriorityStatus.ACTIVE
    ]
    initiatives = initiatives_repo.for_plan(
        db, account_id=access.account_id, plan_id=plan.id, visibilities=access.visibilities
    )
    section = view.section(actions, members, priorities, initiatives, access, on=actor.today())
    return [_plan_row(section.row(action)) for action in [*section.open, *section.closed]]


def _plan_row(row: view.ActionRow) -> list[object]:
    action = row.action
    return [
        action.title,
        action.outcome,
        row.owner_name + (" (no longer on the account)" if row.owner_left else ""),
        row.owner_side,
        action.due_on,
        row.status_label,
        row.overdue_days or None,
        row.link_label,
    ]


def mine_rows(groups: Iterable[view.MyGroup]) -> list[list[object]]:
    """The rows of "my actions", in the page's order."""
    return [
        [
            group.account_name,
            row.action.title,
            row.action.outcome,
            row.action.due_on,
            row.status_label,
            row.overdue_days or None,
            row.link_label,
        ]
        for group in groups
        for row in group.rows
    ]


def plan_file_name(access: AccountAccess, plan: Plan, on: date) -> str:
    return file_name(access.account.name, plan.period, "actions", on.isoformat(), suffix=".csv")
