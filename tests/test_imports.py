"""Importing accounts (a workspace admin) and stakeholders (the account's lead) from a CSV or
XLSX file: the preview shows every row's problems in place and saves nothing; the confirmation
makes every row through the services, audited, in one transaction, from the draft kept
between the two (its uploader's alone, used once)."""

from __future__ import annotations

import csv
import html as html_text
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

import pytest
from openpyxl import Workbook
from sqlmodel import Session, col, func, select

from app.imports import reading
from app.imports.reading import Column, TableProblem
from app.models import (
    Account,
    AuditEvent,
    ImportDraft,
    Membership,
    Plan,
    Role,
    Stakeholder,
    utcnow,
)
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import CheckedStakeholder
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, make_user, sign_in
from tests.live import LiveServer
from tests.test_concurrent_edits import _client, race
from tests.testclient import TestClient

POST = {"X-CSRF-Token": CSRF}
ACCOUNTS = "/admin/accounts/import"
ACCOUNT_HEADER = ("Account name", "Client organisation", "Lead's e-mail")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(header: Sequence[str], rows: Sequence[Sequence[str]], *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_file(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_file(
    kind: str, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> tuple[str, bytes, str]:
    if kind == "xlsx":
        return ("rows.xlsx", xlsx_file(header, rows), XLSX)
    return ("rows.csv", csv_file(header, rows), "text/csv")


def upload(client: TestClient, url: str, file: tuple[str, bytes, str], **fields: str) -> object:
    return client.post(url, data=fields, files={"file": file}, headers=POST)


def problems(html: str) -> list[str]:
    """The problems listed above the preview: "Row N, Column: message"."""
    listed = re.search(r'<ul class="import-problem-list">(.*?)</ul>', html, re.S)
    if listed is None:
        return []
    items = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)
    return [html_text.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def draft_id(html: str) -> str:
    found = re.search(r'name="draft" value="(\d+)"', html)
    assert found is not None, "no confirmation form"
    return found.group(1)


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def verbs(session: Session, verb: str) -> int:
    return count(session, AuditEvent, AuditEvent.verb == verb)


# --- Accounts ----------------------------------------------------------------------------------


def account_rows(world: World, n: int = 200) -> list[list[str]]:
    leads = [world.members["lead"].email, world.members["team"].email, world.admin.email]
    return [[f"Imported {i:03}", f"Client {i % 7}", leads[i % 3]] for i in range(n)]


def five_bad(world: World, rows: list[list[str]]) -> list[list[str]]:
    bad = [list(row) for row in rows]
    bad[3][2] = "nobody@vendor.example"  # row 5: no such login
    bad[10][2] = world.members["sponsor"].email  # row 12: a client person, not the workspace's
    bad[20][0] = "   "  # row 22: no name
    bad[30][0] = bad[29][0]  # row 32: the same name as row 31
    bad[40][0] = "own ACCOUNT"  # row 42: the workspace has "Own account" already
    return bad


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_hundred_accounts_five_bad_rows_then_fixed(
    client: TestClient, session: Session, world: World, kind: str
) -> None:
    sign_in(client, session, world.admin)
    good = account_rows(world)
    before = count(session, Account)

    response = upload(
        client, ACCOUNTS, as_file(kind, ACCOUNT_HEADER, five_bad(world, good)), period="FY2027"
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    listed = problems(html)
    assert len(listed) == 5, listed
    assert listed[0].startswith("Row 5, Lead's e-mail: Nobody signs in with nobody@vendor.example")
    assert listed[1].startswith("Row 12, Lead's e-mail: sponsor@client.example is not one of")
    assert listed[2] == "Row 22, Account name: Enter an account name."
    assert listed[3].startswith("Row 32, Account name: Row 31 has this account name too")
    assert listed[4].startswith("Row 42, Account name: Your workspace already has an account")
    assert 'name="draft"' not in html  # no confirmation while a row has a problem
    assert html.count('class="import-row-bad"') == 5
    assert count(session, Account) == before
    assert count(session, ImportDraft) == 0

    response = upload(client, ACCOUNTS, as_file(kind, ACCOUNT_HEADER, good), period="FY2027")
    assert response.status_code == 200, problems(response.text)  # type: ignore[attr-defined]
    assert count(session, Account) == before  # a preview saves nothing but its draft
    draft = draft_id(response.text)  # type: ignore[attr-defined]

    confirmed = client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
    assert confirmed.status_code == 303, confirmed.text
    assert count(session, Account) == before + 200
    made = session.exec(select(Account).where(col(Account.name).startswith("Imported "))).all()
    assert len(made) == 200
    lead_of = {
        m.account_id: m.user_id
        for m in session.exec(select(Membership).where(Membership.role == Role.LEAD)).all()
    }
    expected = {f"Imported {i:03}": row[2] for i, row in enumerate(good)}
    emails = {u.id: u.email for u in (world.members["lead"], world.members["team"], world.admin)}
    assert all(emails[lead_of[a.id]] == expected[a.name] for a in made)  # type: ignore[index]
    assert count(session, Plan, col(Plan.account_id).in_([a.id for a in made])) == 200
    assert verbs(session, "account.created") >= 200
    assert verbs(session, "accounts.imported") == 1
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "accounts.imported")).one()
    assert event.changes["rows"] == [None, 200]
    assert event.actor_id == world.admin.id


def test_a_draft_is_confirmed_once_and_only_by_its_uploader(
    client: TestClient, session: Session, world: World
) -> None:
    other_admin = make_user(
        session, email="admin2@vendor.example", workspace=world.workspace, admin=True
    )
    sign_in(client, session, world.admin)
    response = upload(
        client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, account_rows(world, 3)), period="FY2027"
    )
    draft = draft_id(response.text)  # type: ignore[attr-defined]

    sign_in(client, session, other_admin)  # another admin of the same workspace
    assert (
        client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST).status_code == 404
    )
    sign_in(client, session, world.admin)
    assert (
        client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST).status_code == 303
    )
    session.commit()
    changed_before = verbs(session, "account.created")
    again = client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
    assert again.status_code == 409
    assert "imported already" in again.text
    assert verbs(session, "account.created") == changed_before


def test_an_expired_draft_is_not_found(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.admin)
    response = upload(
        client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, account_rows(world, 2)), period="FY2027"
    )
    draft = session.get(ImportDraft, int(draft_id(response.text)))  # type: ignore[attr-defined]
    assert draft is not None
    draft.created_at = utcnow() - timedelta(days=1, minutes=1)
    session.add(draft)
    session.commit()
    assert (
        client.post(f"{ACCOUNTS}/confirm", data={"draft": str(draft.id)}, headers=POST).status_code
        == 404
    )


def test_a_name_taken_between_preview_and_confirm_refuses_every_row(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    response = upload(
        client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, account_rows(world, 3)), period="FY2027"
    )
    draft = draft_id(response.text)  # type: ignore[attr-defined]
    created = client.post(
        "/accounts",
        data={
            "client_name": "X",
            "account_name": "Imported 001",
            "period": "FY1",
            "lead_email": "x@y.example",
        },
        headers=POST,
    )
    assert created.status_code == 303
    before = count(session, Account)
    refused = client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
    assert refused.status_code == 409
    assert problems(refused.text) == [
        "Row 3, Account name: Your workspace already has an account of this name."
    ]
    assert count(session, Account) == before


def test_file_problems_are_clear_and_keep_the_period(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    before = count(session, Account)
    cases = [
        (("a.csv", b"", "text/csv"), 422, "The file is empty"),
        (("a.csv", b"Name;Client\n", "text/csv"), 422, "has no column “Account name”"),
        (
            ("a.csv", b"Account name,Client organisation,Lead's e-mail\n", "text/csv"),
            422,
            "no rows to import",
        ),
        (
            (
                "a.csv",
                "Account name,Client organisation,Lead's e-mail\nÄ,B,c@d.e\n".encode("latin-1"),
                "text/csv",
            ),
            422,
            "not UTF-8",
        ),
        (
            ("a.xlsx", b"PK\x03\x04 not really a zip", XLSX),
            422,
            "cannot be read as an Excel workbook",
        ),
        (("a.csv", b"x" * (reading.MAX_BYTES + 1), "text/csv"), 413, "at most 2 MB"),
    ]
    for file, status, message in cases:
        response = upload(client, ACCOUNTS, file, period="FY2031")
        assert response.status_code == status, (file[0], response.text[:200])  # type: ignore[attr-defined]
        assert message in response.text, message  # type: ignore[attr-defined]
        assert 'value="FY2031"' in response.text  # type: ignore[attr-defined]
    no_file = client.post(ACCOUNTS, data={"period": "FY2031"}, headers=POST)
    assert no_file.status_code == 422
    assert "Choose a file to import" in no_file.text
    too_many = account_rows(world, reading.MAX_ROWS + 1)
    response = upload(client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, too_many), period="FY1")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "more than 2,000 rows" in response.text  # type: ignore[attr-defined]
    assert count(session, Account) == before
    assert count(session, ImportDraft) == 0


def test_the_period_is_checked(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.admin)
    response = upload(
        client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, account_rows(world, 2)), period=""
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Enter the first plan period." in response.text  # type: ignore[attr-defined]


COLUMNS = (Column("name", "Name"), Column("title", "Title", required=False))


def test_headers_match_whatever_their_case_and_a_bom_and_semicolons_are_read() -> None:
    data = "\ufeffNAME;title\n=SUM(A1:A3);+1 555\n\n;\nAda;\n".encode()
    table = reading.read_table(data, "people.csv", COLUMNS)
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"name": "=SUM(A1:A3)", "title": "+1 555"}),
        (5, {"name": "Ada", "title": ""}),
    ]


def test_xlsx_formulas_are_text_as_written() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Title"])
    sheet.append(["=1+1", 42])
    out = io.BytesIO()
    book.save(out)
    table = reading.read_table(out.getvalue(), "p.xlsx", COLUMNS)
    assert table.rows[0].values == {"name": "=1+1", "title": "42"}


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(TableProblem, match="twice"):
        reading.read_table(b"Name,name\na,b\n", "p.csv", COLUMNS)


def test_the_template_downloads_with_the_headers(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    response = client.get(f"{ACCOUNTS}/template.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "Account name,Client organisation,Lead's e-mail"
    page = client.get(ACCOUNTS)
    assert page.status_code == 200
    assert f'href="{ACCOUNTS}/template.csv"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    home = client.get("/")
    assert f'href="{ACCOUNTS}"' in home.text


# --- Stakeholders ------------------------------------------------------------------------------

PEOPLE_HEADER = ("Name", "TITLE", "reports to", "Buying Role", "attitude")
ROLES = ("User", "Technical; Influencer", "coach", "", "GATEKEEPER")
ATTITUDES = ("Supporter", "neutral", "DETRACTOR", "")


def people_url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}/relationships/import{tail}"


def people_rows(n: int = 200) -> list[list[str]]:
    """Person 000 reports to the map's "Existing Boss"; person i to person (i - 1) // 2."""
    rows = []
    for i in range(n):
        manager = "existing boss" if i == 0 else f"Person {(i - 1) // 2:03}"
        role = "Economic buyer" if i == 0 else ROLES[i % len(ROLES)]
        rows.append([f"Person {i:03}", f"Title {i}", manager, role, ATTITUDES[i % len(ATTITUDES)]])
    return rows


def five_bad_people(rows: list[list[str]]) -> list[list[str]]:
    bad = [list(row) for row in rows]
    bad[10][2] = "Person 011"  # rows 12 and 13 report to each other: a circle
    bad[11][2] = "Person 010"
    bad[60][3] = "Decider"  # row 62: no such buying role
    bad[70][2] = "Ghost Person"  # row 72: nobody of that name
    bad[150][0] = ""  # row 152 (nobody reports to them): no name
    return bad


def existing_boss(session: Session, world: World) -> Stakeholder:
    boss = stakeholders.add(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,  # type: ignore[arg-type]
        checked=CheckedStakeholder(name="Existing Boss", title="CEO"),
    )
    session.commit()
    return boss


def test_people_bring_their_level_and_location(
    client: TestClient, session: Session, world: World
) -> None:
    """The file's Level and Location columns fill the coverage grid; an unknown level is a
    problem of its row, the level's words in any case."""
    sign_in(client, session, world.members["lead"])
    header = (*PEOPLE_HEADER, "Level", "Site")
    rows = [
        ["Ada Exec", "CEO", "", "", "", "EXECUTIVE", "Oslo"],
        ["Bo Ops", "Planner", "Ada Exec", "", "", "operational", "Bergen"],
        ["Cy None", "", "", "", "", "", ""],
    ]
    bad = [list(row) for row in rows]
    bad[2][5] = "Middle"
    refused = upload(client, people_url(world), as_file("csv", header, bad))
    listed = problems(refused.text)  # type: ignore[attr-defined]
    assert listed == [
        "Row 4, Level: Unknown level “Middle”: use Executive, Management, Operational, or "
        "leave it empty."
    ], listed
    response = upload(client, people_url(world), as_file("csv", header, rows))
    assert response.status_code == 200, problems(response.text)  # type: ignore[attr-defined]
    confirmed = client.post(
        people_url(world, "/confirm"),
        data={"draft": draft_id(response.text)},  # type: ignore[attr-defined]
        headers=POST,
    )
    assert confirmed.status_code == 303
    made = {
        p.name: (p.level, p.location)
        for p in session.exec(
            select(Stakeholder).where(Stakeholder.account_id == world.account.id)
        ).all()
    }
    assert made == {
        "Ada Exec": ("executive", "Oslo"),
        "Bo Ops": ("operational", "Bergen"),
        "Cy None": ("", ""),
    }


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_hundred_people_five_bad_rows_then_fixed(
    client: TestClient, session: Session, world: World, kind: str
) -> None:
    boss = existing_boss(session, world)
    sign_in(client, session, world.members["lead"])
    good = people_rows()
    live = Stakeholder.account_id == world.account.id
    before = count(session, Stakeholder, live)

    response = upload(
        client, people_url(world), as_file(kind, PEOPLE_HEADER, five_bad_people(good))
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    listed = problems(response.text)  # type: ignore[attr-defined]
    assert [item.split(":")[0] for item in listed] == [
        "Row 12, Reports to",
        "Row 13, Reports to",
        "Row 62, Buying role",
        "Row 72, Reports to",
        "Row 152, Name",
    ], listed
    assert "make a circle: Person 010 → Person 011 → Person 010" in listed[0]
    assert "Unknown buying role “Decider”" in listed[2]
    assert "Nobody called “Ghost Person” is in the file or on the map." in listed[3]
    assert listed[4] == "Row 152, Name: Enter the person's name."
    assert count(session, Stakeholder, live) == before
    assert count(session, ImportDraft) == 0

    response = upload(client, people_url(world), as_file(kind, PEOPLE_HEADER, good))
    assert response.status_code == 200, problems(response.text)  # type: ignore[attr-defined]
    assert count(session, Stakeholder, live) == before
    added_before = verbs(session, "stakeholder.added")
    confirmed = client.post(
        people_url(world, "/confirm"),
        data={"draft": draft_id(response.text)},
        headers=POST,  # type: ignore[attr-defined]
    )
    assert confirmed.status_code == 303, confirmed.text
    assert confirmed.headers["location"].endswith("/relationships#stakeholders")
    people = {
        p.name: p
        for p in session.exec(
            select(Stakeholder).where(live, col(Stakeholder.name).startswith("Person "))
        ).all()
    }
    assert len(people) == 200
    assert people["Person 000"].reports_to_id == boss.id
    assert people["Person 000"].roles == ["economic_buyer"]
    assert all(
        people[f"Person {i:03}"].reports_to_id == people[f"Person {(i - 1) // 2:03}"].id
        for i in range(1, 200)
    )
    assert people["Person 001"].roles == ["technical", "influencer"]
    assert people["Person 002"].roles == ["coach"]
    assert people["Person 002"].attitude == "detractor"
    assert people["Person 003"].attitude == "unknown"
    assert verbs(session, "stakeholder.added") == added_before + 200
    event = session.exec(select(AuditEvent).where(AuditEvent.verb == "stakeholders.imported")).one()
    assert event.account_id == world.account.id
    assert event.visibility == "internal"
    assert event.changes["rows"] == [None, 200]


def test_people_rows_are_checked_against_the_map_and_each_other(
    client: TestClient, session: Session, world: World
) -> None:
    existing_boss(session, world)
    sign_in(client, session, world.members["lead"])
    rows = [
        ["Existing Boss", "", "", "", ""],  # row 2: on the map already
        ["Ann", "", "", "Economic buyer", ""],  # row 3
        ["Bob", "", "", "economic_buyer", ""],  # row 4: a second economic buyer
        ["ann", "", "", "", ""],  # row 5: Ann again
        ["Cy", "", "Cy", "", "Grumpy"],  # row 6: reports to himself, unknown attitude
    ]
    response = upload(client, people_url(world), as_file("csv", PEOPLE_HEADER, rows))
    assert response.status_code == 422  # type: ignore[attr-defined]
    listed = problems(response.text)  # type: ignore[attr-defined]
    assert listed == [
        "Row 2, Name: This person is on the map already: take the row out of the file.",
        "Row 4, Buying role: Row 3 is the economic buyer already: a decision has one economic buyer.",
        "Row 5, Name: Row 3 has this name too: each person once.",
        "Row 6, Reports to: Nobody reports to themselves: name their manager, or nobody.",
        "Row 6, Attitude: Unknown attitude “Grumpy”: use Supporter, Neutral, Detractor, Unknown.",
    ]


def test_only_the_lead_and_admins_import_people_and_the_map_links_there(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    assert client.get(people_url(world)).status_code == 403
    page = client.get(f"/accounts/{world.account.id}/relationships")
    assert people_url(world) not in page.text
    sign_in(client, session, world.members["lead"])
    page = client.get(f"/accounts/{world.account.id}/relationships")
    assert f'href="{people_url(world)}"' in page.text
    form = client.get(people_url(world))
    assert form.status_code == 200
    assert 'id="account-nav"' in form.text
    template = client.get(people_url(world, "/template.csv"))
    rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Name",
        "Title",
        "Reports to",
        "Buying role",
        "Attitude",
        "Level",
        "Location",
    ]
    assert rows[2][2] == rows[1][0]  # the example's second person reports to the first


def test_a_stakeholder_draft_is_for_its_account_only(
    client: TestClient, session: Session, world: World
) -> None:
    existing_boss(session, world)
    sign_in(client, session, world.admin)
    response = upload(client, people_url(world), as_file("csv", PEOPLE_HEADER, people_rows(2)))
    draft = draft_id(response.text)  # type: ignore[attr-defined]
    other = f"/accounts/{world.other_account.id}/relationships/import/confirm"
    assert client.post(other, data={"draft": draft}, headers=POST).status_code == 404
    assert (
        client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST).status_code == 404
    )
    assert (
        client.post(people_url(world, "/confirm"), data={"draft": draft}, headers=POST).status_code
        == 303
    )


# --- A draft confirmed at the same moment ------------------------------------------------------

CONFIRMERS = 4


def test_simultaneous_confirmations_import_once(live_server: LiveServer) -> None:
    """The uploader confirms the same preview from several tabs at once: the accounts are made
    once and audited once; every other confirmation is told the file was imported already. On
    PostgreSQL this proves the draft's row lock (without it, each confirmation made the
    accounts again); SQLite queues its writers anyway."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        lead = factories.make_user(session, workspace=workspace, password=None)
        session.commit()
        rows = [[f"Raced {i}", "Raced client", lead.email] for i in range(5)]
    clients = [_client(live_server, admin) for _ in range(CONFIRMERS)]
    try:
        preview = clients[0].post(
            ACCOUNTS,
            data={"period": "FY2027"},
            files={"file": as_file("csv", ACCOUNT_HEADER, rows)},
            headers=POST,
        )
        assert preview.status_code == 200, preview.text
        draft = draft_id(preview.text)
        responses = race(
            [
                partial(c.post, f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
                for c in clients
            ]
        )
    finally:
        for c in clients:
            c.close()
    assert sorted(r.status_code for r in responses) == [303] + [409] * (CONFIRMERS - 1)
    assert all("imported already" in r.text for r in responses if r.status_code == 409)
    with Session(live_server.db.engine) as session:
        made = session.exec(select(Account).where(col(Account.name).startswith("Raced "))).all()
        assert len(made) == 5
        assert verbs(session, "accounts.imported") == 1
        assert verbs(session, "account.created") == 5


def test_a_preview_takes_as_many_queries_for_200_rows_as_for_5(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    existing_boss(session, world)
    sign_in(client, session, world.admin)
    cases = [
        (ACCOUNTS, ACCOUNT_HEADER, lambda n: account_rows(world, n), {"period": "FY2027"}),
        (people_url(world), PEOPLE_HEADER, people_rows, {}),
    ]
    for url, header, rows, fields in cases:
        counted = []
        for n in (5, 200):
            count_queries.statements.clear()
            response = upload(client, url, as_file("csv", header, rows(n)), **fields)
            assert response.status_code == 200, problems(response.text)  # type: ignore[attr-defined]
            assert response.text.count('<tr id="row-') == n  # type: ignore[attr-defined]
            counted.append(count_queries.count)
        assert counted[0] == counted[1], (url, count_queries.statements)
        print(f"{url}: {counted[0]} queries for a preview of 5 rows and of 200")


def test_a_file_part_may_be_binary_but_a_text_field_beside_it_may_not(
    client: TestClient, session: Session, world: World
) -> None:
    """The check that a form is UTF-8 reads its text fields only: an uploaded file's bytes are
    the file's (an XLSX is a zip), while a text field that is not UTF-8 is still refused."""
    sign_in(client, session, world.admin)
    boundary = "jpBoundary9"
    binary = xlsx_file(ACCOUNT_HEADER, account_rows(world, 1))
    with pytest.raises(UnicodeDecodeError):
        binary.decode()

    def body(period: bytes) -> bytes:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="period"\r\n\r\n'.encode()
        file_head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="file"; filename="a.xlsx"\r\nContent-Type: {XLSX}\r\n\r\n'
        ).encode()
        return head + period + b"\r\n" + file_head + binary + f"\r\n--{boundary}--\r\n".encode()

    kind = {"Content-Type": f"multipart/form-data; boundary={boundary}", **POST}
    fine = client.post(ACCOUNTS, content=body(b"FY2027"), headers=kind)
    assert fine.status_code == 200, fine.text[:300]
    refused = client.post(ACCOUNTS, content=body(b"FY\xff2027"), headers=kind)
    assert refused.status_code == 400
    assert "FY\ufffd2027" in refused.text


def test_an_import_that_fails_midway_leaves_nothing(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: when the third account cannot be made, neither are the first two, nor
    their audit events, and the draft can still be confirmed."""
    from app.accounts import service as accounts

    sign_in(client, session, world.admin)
    response = upload(
        client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, account_rows(world, 5)), period="FY1"
    )
    draft = draft_id(response.text)  # type: ignore[attr-defined]
    before = (count(session, Account), verbs(session, "account.created"))
    real, calls = accounts.add_member, []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "add_member", failing)
    with pytest.raises(RuntimeError):
        client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
    assert (count(session, Account), verbs(session, "account.created")) == before
    monkeypatch.setattr(accounts, "add_member", real)
    done = client.post(f"{ACCOUNTS}/confirm", data={"draft": draft}, headers=POST)
    assert done.status_code == 303
    assert count(session, Account) == before[0] + 5


def test_blank_lines_and_unpacked_size_are_limited_too(monkeypatch: pytest.MonkeyPatch) -> None:
    blank = b"Name\n" + b"\n" * reading.MAX_LINES + b"Ada\n"
    with pytest.raises(TableProblem, match="more than 20,000 lines"):
        reading.read_table(blank, "p.csv", COLUMNS)
    workbook = xlsx_file(["Name"], [["Ada"]])
    assert reading.read_table(workbook, "p.xlsx", COLUMNS).rows[0].values == {"name": "Ada"}
    monkeypatch.setattr(reading, "MAX_UNPACKED", 1000)
    with pytest.raises(TableProblem, match="too large once unpacked"):
        reading.read_table(workbook, "p.xlsx", COLUMNS)


def test_a_row_shows_every_problem_it_has(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    rows = [["", "Contoso", world.members["sponsor"].email], ["Own account", "", "not-an-address"]]
    response = upload(client, ACCOUNTS, as_file("csv", ACCOUNT_HEADER, rows), period="FY1")
    assert [item.split(":")[0] for item in problems(response.text)] == [  # type: ignore[attr-defined]
        "Row 2, Account name",
        "Row 2, Lead's e-mail",
        "Row 3, Account name",
        "Row 3, Client organisation",
        "Row 3, Lead's e-mail",
    ]


def test_simultaneous_confirmations_of_people_add_them_once(live_server: LiveServer) -> None:
    """As above, for an account's people (the map's lock, then the draft's)."""
    with live_server.db.session() as session:
        workspace = factories.make_workspace(session, "Vendor")
        admin = factories.make_user(session, workspace=workspace, admin=True, password=None)
        account = factories.make_account(session, admin=admin)
        session.commit()
        url = f"/accounts/{account.id}/relationships/import"
    rows = [[f"Raced {i}", "", "Raced 0" if i else "", "", ""] for i in range(5)]
    clients = [_client(live_server, admin) for _ in range(CONFIRMERS)]
    try:
        preview = clients[0].post(
            url, files={"file": as_file("csv", PEOPLE_HEADER, rows)}, headers=POST
        )
        assert preview.status_code == 200, preview.text
        draft = draft_id(preview.text)
        responses = race(
            [
                partial(c.post, f"{url}/confirm", data={"draft": draft}, headers=POST)
                for c in clients
            ]
        )
    finally:
        for c in clients:
            c.close()
    assert sorted(r.status_code for r in responses) == [303] + [409] * (CONFIRMERS - 1)
    with Session(live_server.db.engine) as session:
        live = Stakeholder.account_id == account.id
        assert count(session, Stakeholder, live) == 5
        assert verbs(session, "stakeholders.imported") == 1


# --- XML that is never read: defusedxml ----------------------------------------------------------

BOMB = (
    '<!DOCTYPE sheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)
XXE = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_doctype(workbook: bytes, part: str, doctype: str, entity: str) -> bytes:
    """``workbook`` with ``doctype`` declared in its ``part`` and ``entity`` used in place of
    the text "Ada" (where the part has it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        assert part in source.namelist()
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                text = data.decode()
                declaration, mark, body = text.rpartition("?>")
                text = f"{declaration}{mark}{doctype}{body}".replace(">Ada<", f">{entity}<", 1)
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


def test_openpyxl_parses_through_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml is a dependency: openpyxl then parses every part with it"


@pytest.mark.parametrize(
    ("part", "doctype", "entity"),
    [
        ("xl/workbook.xml", BOMB, ""),  # billion laughs, in a part read when the book opens
        ("xl/worksheets/sheet1.xml", BOMB, "&lol9;"),  # the sheet is read row by row
        ("xl/worksheets/sheet1.xml", XXE, "&xxe;"),  # an external entity in a cell
    ],
    ids=["bomb-workbook", "bomb-sheet", "external-entity"],
)
def test_an_xlsx_with_a_dtd_is_refused_cleanly(part: str, doctype: str, entity: str) -> None:
    workbook = _with_doctype(xlsx_file(["Name"], [["Ada"]]), part, doctype, entity)
    with pytest.raises(TableProblem, match="Save it again from Excel"):
        reading.read_table(workbook, "p.xlsx", COLUMNS)


def test_an_upload_with_an_xml_bomb_is_answered_with_the_message(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    workbook = xlsx_file(ACCOUNT_HEADER, [["Ada", "Ada Ltd", "ada@example.com"]])
    bomb = _with_doctype(workbook, "xl/worksheets/sheet1.xml", BOMB, "&lol9;")
    response = upload(client, ACCOUNTS, ("a.xlsx", bomb, XLSX), period="FY2031")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "document type or entity" in response.text  # type: ignore[attr-defined]
    assert count(session, ImportDraft) == 0
