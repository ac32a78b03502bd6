"""The portfolio dashboard: every account a vendor person may see, with the figures of its current
plan (each the figure of the page it links to), sortable and filterable without JavaScript, and
the scorecard quadrant. Client people are refused; the query count does not grow with the number
of accounts.

Rows are made with plain inserts: the services that write them are tested in their own packages;
here only the reading side matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app.kit import numbers
from app.kit.dates import add_months, next_review_on
from app.models import (
    Account,
    AccountScore,
    Action,
    ActionStatus,
    ClientOrganisation,
    Initiative,
    InitiativePriority,
    InitiativeStatus,
    Membership,
    PerceivedPriority,
    PerceivedRating,
    Plan,
    PlanStatus,
    Priority,
    PriorityStatus,
    Review,
    Role,
    Tier,
    ValueRating,
    Visibility,
    tier_of,
    utcnow,
)
from app.permissions.policy import Actor
from app.plans import repository as plans_repo
from app.portfolio import chart, service
from app.portfolio.schemas import PortfolioQuery
from app.reviews.schedule import ReviewState, review_state
from tests import factories
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

TODAY = utcnow().date()
NOW = utcnow()


# --- Reading the page ---------------------------------------------------------------------------


@dataclass
class Cell:
    text: str = ""
    links: list[str] = field(default_factory=list)


class PortfolioTable(HTMLParser):
    """The table's rows: account id -> cell label (``data-label``) -> text and links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[int, dict[str, Cell]] = {}
        self.order: list[int] = []
        self.headings: dict[str, str] = {}  # column heading -> its aria-sort
        self._row: int | None = None
        self._cell: Cell | None = None
        self._cell_tag = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("account-"):
            self._row = int((a["id"] or "").removeprefix("account-"))
            self.rows[self._row] = {}
            self.order.append(self._row)
        elif tag in ("td", "th") and self._row is not None and a.get("data-label"):
            self._cell, self._cell_tag = Cell(), tag
            self.rows[self._row][a["data-label"] or ""] = self._cell
        elif tag == "a" and self._cell is not None:
            self._cell.links.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._cell_tag and self._cell is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data


def page(client: TestClient, query: str = "") -> str:
    response = client.get(f"/portfolio{query}")
    assert response.status_code == 200, response.text[:1000]
    return response.text


def table(client: TestClient, query: str = "") -> PortfolioTable:
    return PortfolioTable(page(client, query))


def names(client: TestClient, session: Session, query: str = "") -> list[str]:
    parsed = table(client, query)
    found = []
    for account_id in parsed.order:
        account = session.get(Account, account_id)
        assert account is not None
        found.append(account.name)
    return found


# --- Making data --------------------------------------------------------------------------------


def current_plan(session: Session, account: Account) -> Plan:
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    assert plan.id is not None
    return plan


def score(session: Session, account: Account, current: float, future: float, *, days_ago: int = 0):
    session.add(
        AccountScore(
            account_id=account.id,  # type: ignore[arg-type]
            current=current,
            future=future,
            tier=tier_of(current, future),
            scored_at=NOW - timedelta(days=days_ago),
        )
    )
    session.flush()


def rate(session: Session, plan: Plan, *overalls: int) -> None:
    """Client value ratings, oldest first, a week apart, the last one today."""
    for weeks_ago, overall in zip(range(len(overalls) - 1, -1, -1), overalls, strict=True):
        session.add(
            ValueRating(
                account_id=plan.account_id,
                plan_id=plan.id,  # type: ignore[arg-type]
                overall=overall,
                scores={"Responsiveness": overall},
                rated_at=NOW - timedelta(weeks=weeks_ago),
            )
        )
    session.flush()


def new_account(session: Session, world: World, name: str) -> Account:
    return factories.make_account(session, admin=world.admin, name=name)


@dataclass
class HandBuilt:
    account: Account
    plan: Plan
    last_review: date


def hand_built(session: Session, world: World) -> HandBuilt:
    """The own account with one of everything, figures worked out by hand below:

    - ranked priorities P1..P4, a pending suggestion (never counts), a removed priority;
    - initiatives: I1 accepted → P1, I2 proposed → P3, I3 proposed → nothing (us-focused),
      I4 draft → P2 (drafts never count), I5 accepted → P4 but removed;
      client focus = mean(1.0, 0.5, 0) = 50% ("2 of 3 shared initiatives answer …");
    - actions: A1 open → P2 overdue, A2 done → P4, A3 open → I1, A4 open due later,
      A5 open → P3 two days overdue, A6 cancelled and overdue, A7 removed and overdue;
      and one due today (not overdue yet); coverage = P1 (I1 accepted), P2 (A1), P3 (A5) of 4
      = 75%; overdue = A1, A5: 2 of the 5 open;
    - client value ratings 5, 8, 6: latest 6, down 2;
    - believed ratings 9 then 8: gap = 8 - 6 = +2; beliefs B1 → P1, B2 unlinked: P2, P3, P4
      missed = 3;
    - reviews 200 and 80 days ago, every 3 months: next = 80 days ago + 3 months (due soon);
    - scored Strategic long ago, then current 4.0 / future 2.0 today: Maintain.
    """
    account = world.account
    plan = current_plan(session, account)
    assert plan.id is not None
    sponsor = world.members["sponsor"]

    def priority(title: str, rank: int | None, **extra: object) -> Priority:
        row = Priority(
            account_id=plan.account_id,
            plan_id=plan.id,
            rank=rank,
            title=title,
            created_by_id=sponsor.id,
            **extra,  # type: ignore[arg-type]
        )
        session.add(row)
        session.flush()
        return row

    p1, p2, p3, p4 = (priority(f"P{n}", n) for n in range(1, 5))
    priority("Suggested", None, status=PriorityStatus.SUGGESTED)
    priority("Removed", 5, removed_at=NOW)

    def initiative(title: str, status: InitiativeStatus, *links: Priority, **extra: object):
        row = Initiative(
            account_id=plan.account_id,
            plan_id=plan.id,
            title=title,
            status=status,
            visibility=Visibility.INTERNAL
            if status is InitiativeStatus.DRAFT
            else Visibility.SHARED,
            **extra,  # type: ignore[arg-type]
        )
        session.add(row)
        session.flush()
        for linked in links:
            session.add(
                InitiativePriority(
                    initiative_id=row.id,  # type: ignore[arg-type]
                    priority_id=linked.id,  # type: ignore[arg-type]
                    account_id=plan.account_id,
                )
            )
        session.flush()
        return row

    i1 = initiative("I1", InitiativeStatus.ACCEPTED, p1)
    initiative("I2", InitiativeStatus.PROPOSED, p3)
    initiative("I3", InitiativeStatus.PROPOSED)
    initiative("I4", InitiativeStatus.DRAFT, p2)
    initiative("I5", InitiativeStatus.ACCEPTED, p4, removed_at=NOW)

    def action(title: str, status: ActionStatus, due: int | None, **extra: object) -> None:
        session.add(
            Action(
                account_id=plan.account_id,
                plan_id=plan.id,
                title=title,
                status=status,
                due_on=TODAY + timedelta(days=due) if due is not None else None,
                **extra,  # type: ignore[arg-type]
            )
        )

    action("A1", ActionStatus.IN_PROGRESS, -5, priority_id=p2.id)
    action("A2", ActionStatus.DONE, -5, priority_id=p4.id)
    action("A3", ActionStatus.NOT_STARTED, None, initiative_id=i1.id)
    action("A4", ActionStatus.BLOCKED, 10)
    action("A5", ActionStatus.NOT_STARTED, -2, priority_id=p3.id)
    action("A6", ActionStatus.CANCELLED, -9, priority_id=p4.id)
    action("A7", ActionStatus.NOT_STARTED, -9, priority_id=p4.id, removed_at=NOW)
    action("Due today", ActionStatus.NOT_STARTED, 0)  # not overdue yet
    rate(session, plan, 5, 8, 6)
    for days_ago, overall in ((30, 9), (1, 8)):
        session.add(
            PerceivedRating(
                account_id=plan.account_id,
                plan_id=plan.id,
                overall=overall,
                recorded_at=NOW - timedelta(days=days_ago),
            )
        )
    for rank, (title, linked_id) in enumerate((("B1", p1.id), ("B2", None)), start=1):
        session.add(
            PerceivedPriority(
                account_id=plan.account_id,
                plan_id=plan.id,
                rank=rank,
                title=title,
                priority_id=linked_id,
            )
        )
    last_review = TODAY - timedelta(days=80)
    for held_on in (TODAY - timedelta(days=200), last_review):
        session.add(Review(account_id=plan.account_id, plan_id=plan.id, held_on=held_on))
    score(session, account, 4.5, 4.5, days_ago=300)
    score(session, account, 4.0, 2.0)
    session.commit()
    return HandBuilt(account, plan, last_review)


# --- The figures --------------------------------------------------------------------------------


def test_the_figures_of_a_hand_built_account(
    client: TestClient, session: Session, world: World
) -> None:
    built = hand_built(session, world)
    sign_in(client, session, world.members["lead"])
    row = table(client).rows[built.account.id]  # type: ignore[index]

    assert "Maintain" in row["Tier"].text
    assert "current 4.0 · future 2.0" in row["Tier"].text
    assert "Draft" in row["Plan"].text
    assert row["Client focus"].text.startswith("50%")
    assert "2 of 3 shared initiatives answer a client priority" in row["Client focus"].text
    assert row["Coverage"].text.startswith("75%")
    assert "3 of 4 top priorities" in row["Coverage"].text
    assert row["Client value"].text.startswith("6 / 10")
    assert "down 2" in row["Client value"].text
    assert "Client value ratings, oldest to newest: 5, 8, 6" in row["Client value"].text
    assert row["Perception gap"].text.startswith("+2")
    assert "you expect 8, the client gives 6" in row["Perception gap"].text
    assert "3 client priorities missed" in row["Perception gap"].text
    assert row["Overdue actions"].text.startswith("2")
    assert "overdue, of 5 open" in row["Overdue actions"].text

    expected = add_months(built.last_review, 3)
    assert expected == next_review_on(
        built.plan, last_held_on=built.last_review, zone=ZoneInfo("UTC")
    )
    assert review_state(expected, TODAY) is ReviewState.DUE
    review = row["Next review"].text
    assert f"{numbers.date(expected)}" in review
    assert f"Due in {(expected - TODAY).days} days" in review
    assert f"last review {numbers.date(built.last_review)}" in review
    assert "Review due" in row["Plan"].text


def test_focus_figures_are_the_plan_pages(
    client: TestClient, session: Session, world: World
) -> None:
    """The portfolio and the plan page agree (the same functions over the same rows)."""
    built = hand_built(session, world)
    sign_in(client, session, world.members["lead"])
    plan_page = client.get(f"/accounts/{built.account.id}/plan").text
    focus = plan_page[
        plan_page.index('id="focus"') : plan_page.index("</section>", plan_page.index('id="focus"'))
    ]
    figures = re.findall(r'<dd class="figure">([^<]+)</dd>', focus)
    row = table(client).rows[built.account.id]  # type: ignore[index]
    assert figures[:2] == [row["Client focus"].text.split()[0], row["Coverage"].text.split()[0]]


def test_every_figure_links_where_it_comes_from(
    client: TestClient, session: Session, world: World
) -> None:
    built = hand_built(session, world)
    sign_in(client, session, world.admin)
    row = table(client).rows[built.account.id]  # type: ignore[index]
    base = f"/accounts/{built.account.id}"
    assert row["Account"].links == [base]
    assert row["Tier"].links == [f"{base}/scorecard"]
    assert row["Plan"].links == [f"{base}/plan#agreement", f"{base}/reviews"]
    assert row["Client focus"].links == [f"{base}/plan#focus"]
    assert row["Coverage"].links == [f"{base}/plan#focus"]
    assert row["Client value"].links == [f"{base}/plan#value"]
    assert row["Perception gap"].links == [f"{base}/perception"]
    assert row["Overdue actions"].links == [f"{base}/plan#actions"]
    assert row["Next review"].links == [f"{base}/reviews"]


def test_an_account_with_no_data_yet_explains_every_dash(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    row = table(client).rows[world.account.id]  # type: ignore[index]
    assert "Not scored" in row["Tier"].text
    assert "Draft" in row["Plan"].text
    assert "— no initiative proposed to the client yet" in row["Client focus"].text
    assert "— the client has not ranked any priority yet" in row["Coverage"].text
    assert "— The client has not rated the relationship yet" in row["Client value"].text
    assert "— Neither side has rated the relationship yet" in row["Perception gap"].text
    assert "no believed priorities recorded" in row["Perception gap"].text
    assert "0 no open action" in row["Overdue actions"].text
    assert "no review yet; every 3 months" in row["Next review"].text


def test_one_sided_ratings_say_which_side_is_missing(session: Session, world: World) -> None:
    plan = current_plan(session, world.account)
    rate(session, plan, 7)
    session.commit()
    rows = service.portfolio_rows(session, actor=Actor.of(world.admin), today=TODAY)
    own = next(r for r in rows if r.account_id == world.account.id)
    assert own.figures is not None
    assert own.figures.value is not None
    assert own.figures.value.change is None  # the first rating: nothing to compare with
    assert own.figures.gap.difference is None
    assert own.figures.gap.why_no_difference == "your side has not recorded the rating it expects"


def test_an_account_without_a_current_plan_shows_dashes(
    client: TestClient, session: Session, world: World
) -> None:
    plan = current_plan(session, world.account)
    plan.is_current = False
    session.add(plan)
    score(session, world.account, 2.0, 4.0)
    session.commit()
    sign_in(client, session, world.admin)
    row = table(client).rows[world.account.id]  # type: ignore[index]
    assert "Develop" in row["Tier"].text
    assert "— No current plan" in row["Plan"].text
    for label in ("Client focus", "Coverage", "Client value", "Perception gap", "Next review"):
        assert row[label].text == "— no current plan", label
    # Still sorted and filtered without trouble.
    for query in ("?sort=review", "?sort=gap&dir=desc", "?review=overdue", "?state=none"):
        page(client, query)
    assert names(client, session, "?state=none") == ["Own account"]


def test_plan_states_and_an_overdue_review(
    client: TestClient, session: Session, world: World
) -> None:
    plan = current_plan(session, world.account)
    plan.status, plan.agreed_version = PlanStatus.AGREED, 2
    plan.created_at = NOW - timedelta(days=200)  # no review since: overdue
    other = current_plan(session, world.other_account)
    other.status = PlanStatus.SUBMITTED
    session.add_all([plan, other])
    session.commit()
    sign_in(client, session, world.admin)
    rows = table(client).rows
    own = rows[world.account.id]  # type: ignore[index]
    assert "Agreed version 2" in own["Plan"].text
    assert "Review overdue" in own["Plan"].text
    due = add_months(plan.created_at.date(), 3)
    assert f"Overdue by {(TODAY - due).days} days" in own["Next review"].text
    assert "Submitted for agreement" in rows[world.other_account.id]["Plan"].text  # type: ignore[index]


# --- Who sees which accounts ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team", "mentor"])
def test_a_team_member_sees_only_their_accounts(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    html = page(client)
    assert names(client, session) == ["Own account"]
    assert "Other account" not in html
    assert "Foreign account" not in html
    assert "The accounts you are on" in html


def test_a_removed_team_member_no_longer_sees_the_account(
    client: TestClient, session: Session, world: World
) -> None:
    team = world.members["team"]
    membership = factories.add_member(
        session, account=world.other_account, user=team, role=Role.TEAM, by=world.admin
    )
    session.commit()
    sign_in(client, session, team)
    assert names(client, session) == ["Other account", "Own account"]
    from app.accounts import service as accounts

    accounts.remove(session, actor=world.admin, membership=membership)
    session.commit()
    assert names(client, session) == ["Own account"]


def test_the_admin_sees_every_account_of_the_workspace(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    html = page(client)
    assert names(client, session) == ["Other account", "Own account"]
    assert "Foreign account" not in html
    assert "Every account of your workspace" in html


def test_another_workspaces_admin_sees_none_of_ours(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.other_admin)
    html = page(client)
    assert names(client, session) == ["Foreign account"]
    assert "Own account" not in html
    assert "Other account" not in html


def test_a_vendor_person_on_no_account_gets_the_empty_state(
    client: TestClient, session: Session, world: World
) -> None:
    loner = factories.make_user(session, workspace=world.workspace)
    session.commit()
    sign_in(client, session, loner)
    html = page(client)
    assert "You are not on any account's team yet" in html
    assert "<table" not in html


def test_a_workspace_without_accounts_gets_the_empty_state(
    client: TestClient, session: Session
) -> None:
    workspace = factories.make_workspace(session, "Brand new")
    admin = factories.make_user(session, workspace=workspace, admin=True)
    session.commit()
    sign_in(client, session, admin)
    html = page(client)
    assert "Your workspace has no account yet" in html
    assert 'href="/accounts/new"' in html


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_client_people_are_refused(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    response = client.get("/portfolio")
    assert response.status_code == 403
    assert "Own account" not in response.text
    assert 'href="/portfolio"' not in client.get("/").text  # no link in the navigation


def test_anonymous_people_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/portfolio?sort=name")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fportfolio%3Fsort%3Dname"


def test_vendor_people_find_it_in_the_navigation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["mentor"])
    nav = client.get("/").text
    nav = nav[nav.index('<nav aria-label="Main">') : nav.index("</nav>")]
    assert nav.index('href="/my/actions"') < nav.index('href="/portfolio"')


# --- Sorting and filtering --------------------------------------------------------------------------


@pytest.fixture
def portfolio(session: Session, world: World) -> dict[str, Account]:
    """Five accounts of the workspace besides the two of the world, in every tier and state."""
    made = {
        "Own account": world.account,
        "Other account": world.other_account,
    }
    for name in ("Alder", "birch", "Cedar", "Damson", "Elm"):
        made[name] = new_account(session, world, name)
    score(session, made["Alder"], 4.5, 4.0)  # Strategic
    score(session, made["birch"], 2.0, 4.2)  # Develop, high potential
    score(session, made["Cedar"], 4.2, 2.0)  # Maintain, large
    score(session, made["Damson"], 1.5, 1.5)  # Opportunistic
    score(session, made["Own account"], 3.5, 3.5)  # Strategic
    # Other account and Elm: not scored
    rate(session, current_plan(session, made["Alder"]), 4, 9)
    rate(session, current_plan(session, made["Cedar"]), 7)
    rate(session, current_plan(session, made["Elm"]), 2)
    agreed = current_plan(session, made["Cedar"])
    agreed.status, agreed.agreed_version = PlanStatus.AGREED, 1
    overdue = current_plan(session, made["Damson"])
    overdue.created_at = NOW - timedelta(days=120)
    due = current_plan(session, made["Elm"])
    due.created_at = datetime.combine(add_months(TODAY, -3) + timedelta(days=5), NOW.timetz())
    session.add_all([agreed, overdue, due])
    session.add(
        Action(
            account_id=overdue.account_id,
            plan_id=overdue.id,  # type: ignore[arg-type]
            title="Late",
            due_on=TODAY - timedelta(days=3),
        )
    )
    session.commit()
    return made


def test_the_default_order_is_tier_then_name(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    assert names(client, session) == [
        "Alder",
        "Own account",
        "birch",
        "Cedar",
        "Damson",
        "Elm",
        "Other account",
    ]
    parsed = table(client)
    assert parsed.rows  # the tier heading says how it is sorted
    assert 'aria-sort="ascending"' in page(client)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "?sort=name",
            ["Alder", "birch", "Cedar", "Damson", "Elm", "Other account", "Own account"],
        ),
        (
            "?sort=name&dir=desc",
            ["Own account", "Other account", "Elm", "Damson", "Cedar", "birch", "Alder"],
        ),
        # Unscored accounts last, whichever the direction.
        (
            "?sort=tier&dir=desc",
            ["Damson", "Cedar", "birch", "Alder", "Own account", "Elm", "Other account"],
        ),
        # Rated ones by their latest rating; the unrated after them, in the default order.
        (
            "?sort=value",
            ["Elm", "Cedar", "Alder", "Own account", "birch", "Damson", "Other account"],
        ),
        (
            "?sort=value&dir=desc",
            ["Alder", "Cedar", "Elm", "Own account", "birch", "Damson", "Other account"],
        ),
        (
            "?sort=plan&dir=desc",
            ["Cedar", "Alder", "Own account", "birch", "Damson", "Elm", "Other account"],
        ),
        (
            "?sort=overdue&dir=asc",
            ["Alder", "Own account", "birch", "Cedar", "Elm", "Other account", "Damson"],
        ),
        (
            "?sort=overdue",  # the most overdue first when first clicked
            ["Damson", "Alder", "Own account", "birch", "Cedar", "Elm", "Other account"],
        ),
    ],
)
def test_sorting(
    client: TestClient,
    session: Session,
    world: World,
    portfolio: dict[str, Account],
    query: str,
    expected: list[str],
) -> None:
    sign_in(client, session, world.admin)
    assert names(client, session, query) == expected


def test_the_summary_counts_and_links_to_the_accounts_behind_them(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    rows = service.portfolio_rows(session, actor=Actor.of(world.admin), today=TODAY)
    summary = service.summarise(rows)
    assert (
        summary.accounts,
        summary.reviews_overdue,
        summary.reviews_due,
        summary.overdue_actions,
        summary.agreed,
        summary.unscored,
    ) == (7, 1, 1, 1, 1, 2)
    sign_in(client, session, world.admin)
    html = page(client)
    for link in (
        "/portfolio?review=overdue",
        "/portfolio?review=due",
        "/portfolio?sort=overdue&amp;dir=desc",
        "/portfolio?state=agreed",
        "/portfolio?tier=unscored",
    ):
        assert f'href="{link}"' in html, link


def test_sorting_by_next_review_puts_the_most_urgent_first(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    assert names(client, session, "?sort=review")[:2] == ["Damson", "Elm"]
    html = page(client, "?sort=review")
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="[^"]*">Next review', html)
    assert html.count("aria-sort=") == 1


@pytest.mark.parametrize("column", ["focus", "coverage", "gap"])
def test_every_column_sorts_without_trouble(
    client: TestClient,
    session: Session,
    world: World,
    portfolio: dict[str, Account],
    column: str,
) -> None:
    sign_in(client, session, world.admin)
    hand_built(session, world)
    for direction in ("asc", "desc"):
        found = names(client, session, f"?sort={column}&dir={direction}")
        # Only the hand-built account has this figure; the others follow it, whatever the way.
        assert found[0] == "Own account"
        assert sorted(found) == sorted(portfolio)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?tier=strategic", ["Alder", "Own account"]),
        ("?tier=maintain", ["Cedar"]),
        ("?tier=unscored", ["Elm", "Other account"]),
        ("?state=agreed", ["Cedar"]),
        ("?state=draft&tier=strategic", ["Alder", "Own account"]),
        ("?review=overdue", ["Damson"]),
        ("?review=due", ["Elm"]),
        ("?review=attention", ["Damson", "Elm"]),
        ("?q=BIRCH", ["birch"]),
        ("?q=account", ["Own account", "Other account"]),
        ("?q=Cedar%20client&sort=name", []),
    ],
)
def test_filtering(
    client: TestClient,
    session: Session,
    world: World,
    portfolio: dict[str, Account],
    query: str,
    expected: list[str],
) -> None:
    sign_in(client, session, world.admin)
    assert names(client, session, query) == expected


def test_the_search_reads_the_client_name_too(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    org = session.get(ClientOrganisation, portfolio["Elm"].client_org_id)
    assert org is not None
    org.name = "Northwind Traders"
    session.add(org)
    session.commit()
    sign_in(client, session, world.admin)
    assert names(client, session, "?q=northwind") == ["Elm"]
    assert "Northwind Traders" in table(client).rows[portfolio["Elm"].id]["Account"].text  # type: ignore[index]


def test_filters_and_sort_survive_each_other(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    html = page(client, "?tier=strategic&q=a&sort=name&dir=desc")
    # Column headings keep the filters (and turn the current sort round).
    assert 'href="/portfolio?sort=name&amp;dir=asc&amp;tier=strategic&amp;q=a"' in html
    assert 'href="/portfolio?sort=value&amp;dir=asc&amp;tier=strategic&amp;q=a"' in html
    # The form keeps the sort and shows the filters as chosen.
    assert '<option value="name" selected>' in html
    assert '<option value="desc" selected>' in html
    assert '<option value="strategic" selected>' in html
    assert 'name="q" type="search" value="a"' in html
    # Clearing the filters keeps the order.
    assert 'href="/portfolio?sort=name&amp;dir=desc">Clear filters' in html
    assert names(client, session, "?tier=strategic&q=a&sort=name&dir=desc") == [
        "Own account",
        "Alder",
    ]


def test_no_match_offers_to_clear_the_filters(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    html = page(client, "?q=nothing-like-this&sort=value")
    assert "No account matches these filters." in html
    assert '<a href="/portfolio?sort=value&amp;dir=asc">Clear filters</a>' in html
    assert "<table" not in html
    assert 'id="quadrant"' in html  # the portfolio itself is still there


def test_values_the_page_does_not_know_are_ignored_not_fatal(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    html = page(client, "?sort=bogus&dir=sideways&tier=gold&state=x&review=%00&q=" + "x" * 300)
    assert "Ignored what this page does not know" in html
    assert "tier filter" in html
    assert "sort order" in html
    assert "search text" in html
    # Multiple values and odd characters in the search: still a page.
    page(client, "?tier=strategic&tier=develop&q=%3Cscript%3E")
    assert "&lt;script&gt;" in page(client, "?q=%3Cscript%3E")


def test_query_parsing_and_links() -> None:
    query = PortfolioQuery.parse(
        sort="", direction="", tier="Maintain", state="", review="", q="  big   fish "
    )
    assert (query.sort, query.direction, query.tier, query.q) == (
        "tier",
        "asc",
        "maintain",
        "big fish",
    )
    assert query.url() == "/portfolio?tier=maintain&q=big+fish"
    assert query.sorted_by("tier") == "/portfolio?sort=tier&dir=desc&tier=maintain&q=big+fish"
    assert query.sorted_by("overdue") == "/portfolio?sort=overdue&dir=desc&tier=maintain&q=big+fish"
    assert query.cleared() == "/portfolio"
    assert query.aria_sort("tier") == "ascending"
    assert query.aria_sort("name") == ""


# --- The scorecard quadrant -----------------------------------------------------------------------


def test_the_quadrant_plots_every_scored_account(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    html = page(client, "?tier=maintain")  # the filters apply to the table, not the quadrant
    svg = html[
        html.index('<svg viewBox="0 0 400 400"') : html.index(
            "</svg>", html.index('<svg viewBox="0 0 400 400"')
        )
    ]
    assert 'role="group"' in svg  # its points are links: a group, not a picture
    assert '<title id="quadrant-svg-title">' in svg
    assert "5 scored accounts plotted" in svg
    for name in ("Alder", "birch", "Cedar", "Damson", "Own account"):
        account = portfolio[name]
        assert f'<a href="/accounts/{account.id}/scorecard" aria-label="' in svg
    for tier in Tier:
        assert f">{tier.label}</text>" in svg
    # The numbered legend, grouped by tier, and the accounts nobody scored.
    legend = html[html.index("Accounts by tier") :]
    assert re.search(
        r'<ol class="tier-list" start="1">\s*<li><a href="/accounts/\d+/scorecard">Alder</a>',
        legend,
    )
    assert '<ol class="tier-list" start="3">' in legend  # Develop: birch
    assert "current 4.2 · future 2.0" in legend
    unscored = legend[legend.index('id="tier-unscored"') :]
    assert unscored.index(">Elm<") < unscored.index(">Other account<")


def test_largest_is_not_the_same_as_strategic(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    small = new_account(session, world, "Sapling")
    score(session, small, 1.0, 3.2)  # Develop, but not high enough to call out
    session.commit()
    sign_in(client, session, world.admin)
    html = page(client)
    callout = html[html.index("Largest is not the same as strategic") : html.index("</aside>")]
    large = callout[
        callout.index("Large but low future fit") : callout.index("Small but high potential")
    ]
    promising = callout[callout.index("Small but high potential") :]
    assert ">Cedar</a>" in large
    assert ">birch</a>" in promising
    assert "Sapling" not in callout


def test_the_quadrant_without_scores_says_what_to_do(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    html = page(client)
    assert "No account is scored yet" in html
    assert "Largest is not the same as strategic" not in html


def test_quadrant_geometry() -> None:
    f = chart.FRAME
    assert chart.x_of(1) == f.left
    assert chart.x_of(5) == f.right
    assert chart.y_of(5) == f.top
    assert chart.y_of(1) == f.bottom
    assert chart.x_of(9) == f.right  # clamped
    same = [
        chart.Scored(1, "A", 4.0, 4.0, Tier.STRATEGIC),
        chart.Scored(2, "B", 4.0, 4.0, Tier.STRATEGIC),
        chart.Scored(3, "C", 1.0, 5.0, Tier.DEVELOP),
    ]
    q = chart.quadrant(same)
    assert [p.number for p in q.points] == [1, 2, 3]
    assert sorted(label.text for label in q.labels) == ["1, 2", "3"]
    assert q.threshold_x == chart.x_of(3.0)
    regions = {r.tier: r for r in q.regions}
    assert regions[Tier.STRATEGIC].x == q.threshold_x
    assert regions[Tier.DEVELOP].y == f.top
    assert [g.tier for g in chart.by_tier(q.points)] == [Tier.STRATEGIC, Tier.DEVELOP]
    many = [
        chart.Scored(i, f"N{i}", 3.0, 3.0, Tier.STRATEGIC) for i in range(chart.MAX_NUMBERED + 1)
    ]
    crowded = chart.quadrant(many)
    assert not crowded.numbered
    assert crowded.labels == ()
    assert "not numbered" in crowded.description


def test_sparkline_geometry() -> None:
    assert chart.sparkline([7]) is None
    line = chart.sparkline([0, 10])
    assert line is not None
    f = chart.SPARK
    assert line.path == f"M{f.left:g} {f.bottom:g} L{f.right:g} {f.top:g}"
    assert (line.last.x, line.last.y) == (f.right, f.top)


def test_the_page_is_printable_and_fits_a_phone(
    client: TestClient, session: Session, world: World, portfolio: dict[str, Account]
) -> None:
    sign_in(client, session, world.admin)
    html = page(client)
    for cell in (
        "Tier",
        "Plan",
        "Client focus",
        "Coverage",
        "Client value",
        "Perception gap",
        "Overdue actions",
        "Next review",
    ):
        assert f'data-label="{cell}"' in html
    css = client.get("/static/app.css").text
    block = css[css.index("The portfolio dashboard") :]
    assert "@media print" in block
    assert "@media (max-width: 47.99rem)" in block


# --- Query count ------------------------------------------------------------------------------------


def grow(session: Session, world: World, count: int) -> None:
    """``count`` more accounts of the workspace, each with a plan full of everything the page
    reads (priorities, initiatives with links, actions some of them overdue, ratings, a belief
    and a believed rating, two scorings, a review), and the team member on each."""
    workspace_id, team_id = world.workspace.id, world.members["team"].id
    assert workspace_id is not None
    assert team_id is not None
    orgs = [
        ClientOrganisation(workspace_id=workspace_id, name=f"Grown client {n}")
        for n in range(count)
    ]
    session.add_all(orgs)
    session.flush()
    accounts = [
        Account(workspace_id=workspace_id, client_org_id=org.id, name=f"Grown {n:03}")  # type: ignore[arg-type]
        for n, org in enumerate(orgs)
    ]
    session.add_all(accounts)
    session.flush()
    plans = [
        Plan(account_id=a.id, period="FY2027", created_at=NOW - timedelta(days=n))  # type: ignore[arg-type]
        for n, a in enumerate(accounts)
    ]
    session.add_all(plans)
    session.add_all(Membership(account_id=a.id, user_id=team_id, role=Role.TEAM) for a in accounts)  # type: ignore[arg-type]
    session.flush()
    ids = [{"account_id": p.account_id, "plan_id": p.id} for p in plans]
    prios = [[Priority(**i, rank=r, title=f"P{r}") for r in range(1, 7)] for i in ids]  # type: ignore[arg-type]
    inits = [
        [
            Initiative(**i, title=f"I{k}", status=status, visibility=Visibility.SHARED)  # type: ignore[arg-type]
            for k, status in enumerate((InitiativeStatus.ACCEPTED, InitiativeStatus.PROPOSED))
        ]
        for i in ids
    ]
    session.add_all(row for rows in (*prios, *inits) for row in rows)
    session.flush()
    for n, i in enumerate(ids):
        session.add_all(
            InitiativePriority(initiative_id=init.id, priority_id=p.id, account_id=i["account_id"])  # type: ignore[arg-type]
            for init, p in zip(inits[n], prios[n], strict=False)
        )
        session.add_all(
            Action(
                **i, title=f"A{a}", due_on=TODAY + timedelta(days=a - 2), priority_id=prios[n][a].id
            )  # type: ignore[arg-type]
            for a in range(4)
        )
        session.add_all(
            ValueRating(**i, overall=(n + r) % 11, rated_at=NOW - timedelta(days=r))  # type: ignore[arg-type]
            for r in range(3)
        )
        session.add(PerceivedRating(**i, overall=7))  # type: ignore[arg-type]
        session.add(PerceivedPriority(**i, rank=1, title="B", priority_id=prios[n][0].id))  # type: ignore[arg-type]
        session.add(Review(**i, held_on=TODAY - timedelta(days=n % 120)))  # type: ignore[arg-type]
        for days_ago, (current, future) in ((90, (3, 3)), (0, (1 + n % 5, 1 + (n * 3) % 5))):
            session.add(
                AccountScore(
                    account_id=i["account_id"],  # type: ignore[arg-type]
                    current=current,
                    future=future,
                    tier=tier_of(current, future),
                    scored_at=NOW - timedelta(days=days_ago),
                )
            )
    session.commit()


def queries_for(client: TestClient, counter: QueryCounter, path: str) -> int:
    client.get(path)  # warm-up: the session's last-seen touch, template compilation
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return counter.count


@pytest.mark.parametrize("who", ["admin", "team"])
def test_the_query_count_does_not_grow_with_the_accounts(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    who: str,
) -> None:
    user = world.admin if who == "admin" else world.members["team"]
    sign_in(client, session, user)
    hand_built(session, world)
    path = "/portfolio?sort=gap&dir=desc&review=attention"
    small = queries_for(client, count_queries, path)
    grow(session, world, 200)
    large = queries_for(client, count_queries, path)
    assert large == small, "\n".join(count_queries.statements)
    # The plan page's budget of 10, and one query more for the accounts' goals and results
    # (goals, actuals and bids of every account shown, together: app/results/repository.py).
    assert large <= 11, "the plan page's budget, and the results' one query"
    assert len(table(client, "?q=grown").rows) == 200
    print(f"portfolio page: {large} queries for 2 or 202 accounts")
