"""Selection that acts under simultaneous requests: each check-then-write holds a row lock (the
account's or the workspace's) on PostgreSQL, SQLite's writers queue, and a unique constraint
stands behind each, so nothing is lost or doubled.

- several team members plan the same quarter's hours at once, each on the form that showed no
  hours for it: one saves, the others are shown the saved figure (409), one row, one event; then
  all save again on the form showing that version: one saves, the others are refused;
- several client sponsors answer the key-account question at once, each on the form that showed
  no answer: one saves, the others are shown the saved answer (409), one row;
- two admins add the same objective at once: one is added, the other refused as taken;
- several admins save the tiers' treatment at once on the same form: one saves, the others are
  shown the saved treatment (409), one row per tier.
"""

from __future__ import annotations

from functools import partial

from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    KeyAccountAnswer,
    PlannedHours,
    Role,
    Side,
    StrategicObjective,
    TierTreatment,
    User,
    utcnow,
)
from app.scorecard.hours import quarter_of
from tests import factories
from tests.conftest import CSRF
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race

WRITERS = 4


def _people(server: LiveServer, role: Role | None) -> tuple[int, int, list[User]]:
    """An account with WRITERS people in ``role`` (None: workspace admins): (workspace id,
    account id, the people)."""
    with server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        people = []
        for i in range(WRITERS):
            vendor = role is None or role.side is Side.VENDOR
            person = factories.make_user(
                session,
                name=f"Writer {i}",
                password=None,
                workspace=workspace if vendor else None,
                admin=role is None,
            )
            if role is not None:
                factories.add_member(session, account=account, user=person, role=role, by=admin)
            people.append(person)
        session.commit()
        assert workspace.id is not None
        assert account.id is not None
        return workspace.id, account.id, people


def _race(
    server: LiveServer, people: list[User], url: str, forms: list[dict[str, str]]
) -> list[int]:
    clients = [_client(server, person) for person in people]
    try:
        responses = race(
            [
                partial(c.post, url, data=form | {"csrf_token": CSRF})
                for c, form in zip(clients, forms, strict=True)
            ]
        )
    finally:
        for c in clients:
            c.close()
    return sorted(r.status_code for r in responses)


def _hours_events(session: Session, account_id: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id)
            .where(AuditEvent.verb == "hours.planned")
            .order_by(col(AuditEvent.id))
        ).all()
    )


def test_simultaneous_hours_for_one_quarter_one_wins(live_server: LiveServer) -> None:
    _, account_id, people = _people(live_server, Role.TEAM)
    quarter = quarter_of(utcnow().date())
    url = f"/accounts/{account_id}/scorecard/hours"
    forms = [
        {"quarter": quarter, "hours": str(100 + i), "versions": f"{quarter}:0"}
        for i in range(WRITERS)
    ]
    codes = _race(live_server, people, url, forms)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    with Session(live_server.db.engine) as session:
        [row] = session.exec(
            select(PlannedHours).where(PlannedHours.account_id == account_id)
        ).all()
        [event] = _hours_events(session, account_id)
    assert (row.version, event.changes["hours"]) == (1, [None, row.hours])

    again = [
        form | {"hours": str(200 + i), "versions": f"{quarter}:1"} for i, form in enumerate(forms)
    ]
    codes = _race(live_server, people, url, again)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    with Session(live_server.db.engine) as session:
        [row] = session.exec(
            select(PlannedHours).where(PlannedHours.account_id == account_id)
        ).all()
        events = _hours_events(session, account_id)
    assert len(events) == 2
    assert events[1].changes["hours"][0] == events[0].changes["hours"][1], "no save is lost"
    assert (row.version, row.hours) == (2, events[1].changes["hours"][1])


def test_simultaneous_answers_of_the_sponsors_one_wins(live_server: LiveServer) -> None:
    _, account_id, people = _people(live_server, Role.SPONSOR)
    forms = [
        {"answer": "yes", "words": f"Words of sponsor {i}", "based_on": "0"} for i in range(WRITERS)
    ]
    codes = _race(live_server, people, f"/accounts/{account_id}/plan/key-account", forms)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    with Session(live_server.db.engine) as session:
        rows = session.exec(
            select(KeyAccountAnswer).where(KeyAccountAnswer.account_id == account_id)
        ).all()
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id)
            .where(AuditEvent.verb == "key_account.answered")
        ).all()
    assert len(rows) == 1
    assert len(events) == 1
    assert events[0].changes["words"][1] == rows[0].words


def test_simultaneous_objectives_of_one_title_add_one(live_server: LiveServer) -> None:
    workspace_id, _, admins = _people(live_server, None)
    forms = [{"title": "Grow in logistics"} for _ in range(WRITERS)]
    codes = _race(live_server, admins, "/admin/scorecard/objectives", forms)
    assert codes == [303] + [422] * (WRITERS - 1), codes
    with Session(live_server.db.engine) as session:
        rows = session.exec(
            select(StrategicObjective).where(StrategicObjective.workspace_id == workspace_id)
        ).all()
    assert [(r.title, r.position) for r in rows] == [("Grow in logistics", 1)]


def test_simultaneous_treatments_one_wins(live_server: LiveServer) -> None:
    workspace_id, _, admins = _people(live_server, None)
    forms = [
        {
            "months_strategic": str(5 + i),  # each a change (3, the default, would be none)
            "mentor_strategic": "on",
            "months_develop": "3",
            "months_maintain": "6",
            "months_opportunistic": "12",
        }
        | {f"version_{tier}": "0" for tier in ("strategic", "develop", "maintain", "opportunistic")}
        for i in range(WRITERS)
    ]
    codes = _race(live_server, admins, "/admin/scorecard/treatment", forms)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    with Session(live_server.db.engine) as session:
        rows = session.exec(
            select(TierTreatment).where(TierTreatment.workspace_id == workspace_id)
        ).all()
        events = session.exec(
            select(AuditEvent).where(AuditEvent.verb == "scorecard.treatment_changed")
        ).all()
    assert [(r.tier, r.version) for r in rows] == [("strategic", 1)]
    [event] = [e for e in events if e.item_id == str(rows[0].id)]
    assert event.changes["review_months"] == [3, rows[0].review_months]
