"""The repositories' shared query shapes (``app.kit.queries``) and the kit's removal and setting
changes (``Trail.removed``, ``Trail.setting``): each reads or moves only the live rows of the
scope it is given, and records what it changed."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.kit import queries
from app.kit.versioned import Trail
from app.models import AuditEvent, Plan, StrategyEntry, Visibility, Workspace, utcnow
from app.plans import repository as plans_repo
from tests.factories import World


def _plan(session: Session, account_id: int | None) -> Plan:
    assert account_id is not None
    plan = plans_repo.current(session, account_id=account_id)
    assert plan is not None
    return plan


def _entry(session: Session, plan: Plan, position: int, *, removed: bool = False) -> StrategyEntry:
    assert plan.id is not None
    entry = StrategyEntry(
        account_id=plan.account_id,
        plan_id=plan.id,
        kind="driver",
        position=position,
        text=f"entry {position}",
        removed_at=utcnow() if removed else None,
    )
    session.add(entry)
    session.flush()
    return entry


def test_a_list_ends_and_closes_up_among_its_own_live_rows(session: Session, world: World) -> None:
    plan = _plan(session, world.account.id)
    other = _plan(session, world.other_account.id)
    first, second, third = (_entry(session, plan, n) for n in (1, 2, 3))
    _entry(session, plan, 9, removed=True)  # removed: neither the end nor moved
    elsewhere = _entry(session, other, 7)
    in_plan = StrategyEntry.plan_id == plan.id

    assert queries.last_place(session, StrategyEntry.position, in_plan) == 3
    assert queries.last_place(session, StrategyEntry.position, StrategyEntry.plan_id == -1) == 0

    first.removed_at = utcnow()
    session.flush()
    queries.close_gap(session, StrategyEntry.position, in_plan, after=first.position)
    session.expire_all()
    assert (second.position, third.position) == (1, 2)
    assert elsewhere.position == 7  # another plan's list is not touched
    assert first.position == 1  # the removed row keeps its place for the record


def test_in_plan_reads_the_live_rows_of_that_account_and_plan_only(
    session: Session, world: World
) -> None:
    plan = _plan(session, world.account.id)
    live = _entry(session, plan, 1)
    _entry(session, plan, 2, removed=True)
    _entry(session, _plan(session, world.other_account.id), 1)
    assert plan.id is not None

    found = session.exec(
        select(StrategyEntry).where(
            queries.in_plan(StrategyEntry, account_id=plan.account_id, plan_id=plan.id)
        )
    ).all()
    assert [entry.id for entry in found] == [live.id]
    assert world.other_account.id is not None
    assert not session.exec(
        select(StrategyEntry).where(
            queries.in_plan(StrategyEntry, account_id=world.other_account.id, plan_id=plan.id)
        )
    ).all()


def _events(session: Session, item_type: str, item_id: int | None) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.item_type == item_type)
            .where(AuditEvent.item_id == str(item_id))
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def test_removing_keeps_the_row_and_records_the_fields_going(
    session: Session, world: World
) -> None:
    entry = _entry(session, _plan(session, world.account.id), 4)
    actor = world.members["sponsor"]

    Trail("strategy_entry").removed(session, actor, entry, ("kind", "text"))
    session.flush()

    assert entry.removed_at is not None
    assert entry.version == 2
    [event] = _events(session, "strategy_entry", entry.id)
    assert event.verb == "strategy_entry.removed"
    assert event.changes == {"kind": ["driver", None], "text": ["entry 4", None]}
    assert event.account_id == entry.account_id


def test_a_setting_is_audited_once_on_the_global_chain_and_only_when_it_changes(
    session: Session, world: World
) -> None:
    workspace = queries.locked(session, Workspace, world.workspace.id or 0)
    assert workspace is not None
    trail = Trail("workspace", Visibility.INTERNAL)
    old = workspace.time_zone
    new = "Pacific/Auckland" if old != "Pacific/Auckland" else "Europe/Berlin"

    assert trail.setting(session, world.admin, workspace, "time_zone", new, "zone.set")
    assert not trail.setting(session, world.admin, workspace, "time_zone", new, "zone.set")

    assert workspace.time_zone == new
    [event] = _events(session, "workspace", workspace.id)
    assert (event.verb, event.changes) == ("zone.set", {"time_zone": [old, new]})
    assert event.account_id is None
    assert event.visibility == Visibility.INTERNAL
