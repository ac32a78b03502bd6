"""CSV downloads (issue 14 §3): a plan's actions, "my actions" and the portfolio, each the
rows its page shows, through one writer that neutralises spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import Session

from app.actions import service
from app.actions.schemas import CheckedAction, Link
from app.kit.clock import DEFAULT_ZONE, local_today, zone_named
from app.kit.downloads import cell, csv_text, file_name
from app.models import Action, ActionStatus, Initiative, InitiativeStatus, User, Visibility
from app.plans import repository as plans_repo
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

TODAY = local_today(zone_named(DEFAULT_ZONE))


def read(response: object) -> list[list[str]]:
    text = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff"), "a byte order mark for spreadsheets"
    return list(csv.reader(io.StringIO(text[1:])))


def add(
    session: Session,
    world: World,
    title: str,
    *,
    owner: User | None = None,
    due_days: int | None = None,
    status: ActionStatus = ActionStatus.NOT_STARTED,
    link: Link | None = None,
    outcome: str = "",
) -> Action:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    due = TODAY + timedelta(days=due_days) if due_days is not None else None
    action = service.create(
        session,
        actor=world.admin,
        plan=plan,
        checked=CheckedAction(
            title, outcome, owner.id if owner else None, due, status.value, link or Link()
        ),
    )
    session.commit()
    return action


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        (-5, "-5"),
        (None, ""),
        (TODAY, TODAY.isoformat()),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(value: object, written: str) -> None:
    assert cell(value) == written


def test_the_writer_quotes_and_neutralises_every_text_cell() -> None:
    text = csv_text(["=Header"], [['=HYPERLINK("http://x","y")'], ["line\nbreak, comma"]])
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["'=Header"], ['\'=HYPERLINK("http://x","y")'], ["line\nbreak, comma"]]
    assert file_name("Harbor Logistics", "FY 2027", "actions", suffix=".csv") == (
        "harbor-logistics-fy-2027-actions.csv"
    )
    assert file_name("«»", suffix=".csv") == "export.csv"


def test_the_plan_csv_lists_what_the_page_shows_with_iso_dates_and_no_formula(
    client: TestClient, session: Session, world: World
) -> None:
    add(session, world, "Later", owner=world.members["sponsor"], due_days=10, outcome="-1 cost")
    add(session, world, '=HYPERLINK("http://evil","x")', due_days=-3)
    add(session, world, "Finished", status=ActionStatus.DONE)
    sign_in(client, session, world.members["member"])
    response = client.get(f"/accounts/{world.account.id}/plan/actions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="own-account-')
    assert disposition.endswith(f'-actions-{TODAY.isoformat()}.csv"')
    header, *rows = read(response)
    assert header[0] == "Action"
    assert [r[0] for r in rows] == ['\'=HYPERLINK("http://evil","x")', "Later", "Finished"]
    overdue, later, done = rows
    assert overdue[4] == (TODAY - timedelta(days=3)).isoformat()
    assert overdue[6] == "3"  # overdue days, a number
    assert later[1] == "'-1 cost"
    assert later[2] == "Client sponsor"
    assert later[3]  # the client organisation
    assert later[4] == (TODAY + timedelta(days=10)).isoformat()
    assert done[5] == "Done"
    page = client.get(f"/accounts/{world.account.id}/plan")
    assert f'href="/accounts/{world.account.id}/plan/actions.csv"' in page.text


def test_a_client_reads_an_internal_initiative_only_as_an_initiative(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    proposed = Initiative(
        account_id=world.account.id,
        plan_id=plan.id,
        title="Pilot",
        status=InitiativeStatus.PROPOSED,
        visibility=Visibility.SHARED,
    )
    session.add(proposed)
    session.commit()
    action = add(session, world, "Linked", link=Link(initiative_id=proposed.id))
    # Taken back to a draft later (internal), the action still links it.
    proposed.visibility = Visibility.INTERNAL
    proposed.status = InitiativeStatus.DRAFT
    proposed.title = "Secret draft"
    session.add(proposed)
    session.commit()
    assert action.initiative_id == proposed.id
    for who, label in (("lead", "Initiative: Secret draft"), ("viewer", "An initiative")):
        sign_in(client, session, world.members[who])
        _, linked = read(client.get(f"/accounts/{world.account.id}/plan/actions.csv"))
        assert linked[7] == label, who


def test_the_plan_csv_runs_the_same_queries_however_many_actions(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    add(session, world, "One", owner=world.members["lead"], due_days=1)
    sign_in(client, session, world.members["sponsor"])
    path = f"/accounts/{world.account.id}/plan/actions.csv"
    client.get(path)
    count_queries.statements.clear()
    assert len(read(client.get(path))) == 2
    few = count_queries.count
    for i in range(30):
        add(session, world, f"Action {i}", owner=world.members["sponsor"], due_days=i - 15)
    count_queries.statements.clear()
    assert len(read(client.get(path))) == 32
    assert count_queries.count == few


def test_my_actions_csv_has_the_rows_of_my_actions_in_constant_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    me = world.members["member"]
    add(session, world, "@mine", owner=me, due_days=2)
    add(session, world, "Someone else's", owner=world.members["lead"])
    add(session, world, "Closed", owner=me, status=ActionStatus.DONE)
    sign_in(client, session, me)
    response = client.get("/my/actions.csv")
    assert response.status_code == 200
    assert (
        f'filename="my-actions-{TODAY.isoformat()}.csv"' in response.headers["content-disposition"]
    )
    header, *rows = read(response)
    assert header[:2] == ["Account", "Action"]
    assert rows == [
        [
            "Own account",
            "'@mine",
            "",
            (TODAY + timedelta(days=2)).isoformat(),
            "Not started",
            "",
            "",
        ]
    ]
    assert 'href="/my/actions.csv"' in client.get("/my/actions").text
    count_queries.statements.clear()
    client.get("/my/actions.csv")
    few = count_queries.count
    for i in range(20):
        add(session, world, f"Mine {i}", owner=me, due_days=i)
    count_queries.statements.clear()
    assert len(read(client.get("/my/actions.csv"))) == 22
    assert count_queries.count == few


def test_the_portfolio_csv_has_the_page_s_rows_filters_and_order(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.admin)
    response = client.get("/portfolio.csv?sort=name&dir=desc")
    assert response.status_code == 200
    header, *rows = read(response)
    assert header[:3] == ["Account", "Client", "Tier"]
    assert [r[0] for r in rows] == ["Own account", "Other account"]
    assert rows[0][2] == "Not scored"
    page = client.get("/portfolio?sort=name&dir=desc")
    assert 'href="/portfolio.csv?sort=name&amp;dir=desc"' in page.text
    _, *only = read(client.get("/portfolio.csv?q=Other"))
    assert [r[0] for r in only] == ["Other account"]
    count_queries.statements.clear()
    client.get("/portfolio.csv")
    few = count_queries.count
    for i in range(10):
        add(session, world, f"Action {i}", due_days=i - 5)
    count_queries.statements.clear()
    _, own, _other = read(client.get("/portfolio.csv?sort=name&dir=desc"))
    assert count_queries.count == few
    assert own[header.index("Overdue actions")] == "5"
    assert own[header.index("Open actions")] == "10"


def test_a_client_may_not_download_the_portfolio(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    assert client.get("/portfolio.csv").status_code == 403
