"""The account's own goals and results (issue 15 §6), internal to the vendor: yearly goals and
quarterly actuals on the account's Results page, the bid record from closed opportunities (the
reason required for lost and dropped), the win rate and main loss reasons, the chart of goal
against actual, the portfolio's per-account figures and totals; audited, versioned, in a fixed
number of queries. (The client side is refused everywhere: tests/test_authorization_matrix.py
and tests/test_internal_never_leaks.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from functools import partial

import pytest
from sqlmodel import Session, col, select

from app.kit.clock import clock
from app.models import (
    Account,
    AccountActual,
    AccountGoal,
    AuditEvent,
    Opportunity,
    OpportunityStatus,
    Role,
)
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityForm, OpportunityValues
from app.opportunities.scoring import RATINGS
from app.results import chart, figures
from app.results.schemas import ActualForm, GoalForm
from app.web.forms import FormErrors
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.test_api import API, bearer, token_of
from tests.test_concurrent_edits import WRITERS, _client, _scene, race
from tests.test_portfolio import grow, queries_for
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
NOW = datetime(2026, 8, 14, 12, tzinfo=UTC)  # in Q3 2026


@pytest.fixture(autouse=True)
def _in_q3() -> None:
    clock.set(NOW)


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}/results{tail}"


def goals(year: str = "2026", **fields: str) -> dict[str, str]:
    data = {"year": year, "revenue": "1,200,000", "margin": "300,000", "share_of_wallet": "40"}
    return data | {"csrf_token": CSRF, "version": "0"} | fields


def actuals(quarter: int, revenue: str, **fields: str) -> dict[str, str]:
    data = {
        "year": "2026",
        "quarter": str(quarter),
        "revenue": revenue,
        "margin": "70,000",
        "share_of_wallet": "35",
    }
    return data | {"csrf_token": CSRF, "version": "0"} | fields


def bid(
    session: Session,
    world: World,
    title: str,
    status: OpportunityStatus,
    reason: str = "",
    note: str = "",
    account_id: int | None = None,
) -> Opportunity:
    made = opportunities.add(
        session,
        actor=world.members["lead"],
        account_id=account_id or world.account.id,  # type: ignore[arg-type]
        values=OpportunityValues(
            title=title,
            description="",
            size=80_000,
            days=10,
            ratings=dict.fromkeys(RATINGS, 3),
            owner_id=None,
            status=status.value,
            priority_ids=[],
            bid_reason=reason,
            bid_note=note,
        ),
    )
    session.commit()
    return made


def events(session: Session, item_type: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.item_type == item_type)
            .order_by(col(AuditEvent.seq))
        ).all()
    )


# --------------------------------------------------------------------------------------------
# Forms and figures (pure)
# --------------------------------------------------------------------------------------------


def test_the_bid_reason_is_required_for_lost_and_dropped_only() -> None:
    base = {"title": "Telematics", "size": "10", "days": "1", **dict.fromkeys(RATINGS, "3")}
    for status in ("lost", "dropped"):
        errors = OpportunityForm(**base, status=status).check(set(), set())
        assert isinstance(errors, FormErrors)
        assert set(errors) == {"bid_reason"}
        assert f"Choose why it was {status}" in errors["bid_reason"]
    won = OpportunityForm(**base, status="won", bid_note="  Pilot went well ").check(set(), set())
    assert isinstance(won, OpportunityValues)
    assert (won.bid_reason, won.bid_note) == ("", "Pilot went well")
    lost = OpportunityForm(**base, status="lost", bid_reason="price").check(set(), set())
    assert isinstance(lost, OpportunityValues)
    assert lost.bid_reason == "price"
    wrong = OpportunityForm(**base, status="lost", bid_reason="luck").check(set(), set())
    assert isinstance(wrong, FormErrors)
    assert "from the list" in wrong["bid_reason"]
    # An open one keeps no reason (what was typed stays in the form).
    form = OpportunityForm(**base, status="open", bid_reason="price", bid_note="Typed")
    still_open = form.check(set(), set())
    assert isinstance(still_open, OpportunityValues)
    assert (still_open.bid_reason, still_open.bid_note) == ("", "")
    assert (form.bid_reason, form.bid_note) == ("price", "Typed")


def test_goal_and_actual_forms_check_every_field() -> None:
    ok = GoalForm("2026", "1 200 000", "300,000", "40%").check()
    assert not isinstance(ok, FormErrors)
    assert (ok.year, ok.revenue, ok.margin, ok.share_of_wallet) == (2026, 1_200_000, 300_000, 40)
    bad = GoalForm("26", "1.5", "", "140").check()
    assert isinstance(bad, FormErrors)
    assert set(bad) == {"year", "revenue", "margin", "share_of_wallet"}
    today = NOW.date()
    assert isinstance(ActualForm("0", "1", "1", "1", quarter="1").check(today), FormErrors)
    future = ActualForm("2026", "1", "1", "1", quarter="4").check(today)
    assert isinstance(future, FormErrors)
    assert "has not begun" in future["quarter"]
    past = ActualForm("2025", "1", "1", "1", quarter="4").check(today)
    assert not isinstance(past, FormErrors)
    assert past.quarter == 4
    assert isinstance(ActualForm("2026", "1", "1", "1", quarter="5").check(today), FormErrors)


def test_goal_to_date_win_rate_and_main_loss_reasons() -> None:
    goal = AccountGoal(
        account_id=1, year=2026, revenue=1_000_000, margin=200_000, share_of_wallet=40
    )
    quarters = [
        AccountActual(
            account_id=1, year=2026, quarter=q, revenue=r, margin=50_000, share_of_wallet=s
        )
        for q, r, s in ((1, 200_000, 30), (2, 300_000, 33))
    ]
    year = figures.year_results(2026, goal, quarters)
    assert year.revenue_to_date == 500_000
    assert year.revenue_goal_to_date == 500_000  # two quarters of the year's goal
    assert year.on_pace == 1
    assert year.of_year_goal == Fraction(1, 2)
    assert year.latest_share == 33
    assert year.quarters[0].revenue_share == Fraction(4, 5)
    assert year.quarters[2].actual is None
    record = figures.bid_record(
        {
            ("won", ""): 3,
            ("lost", "price"): 2,
            ("dropped", "timing"): 1,
            ("lost", "competitor"): 2,
            ("dropped", "price"): 1,
            ("lost", "capacity"): 1,
        }
    )
    assert (record.won, record.lost, record.dropped) == (3, 5, 2)
    assert record.win_rate == Fraction(3, 8)  # won against decided; dropped apart
    assert [(r.key, r.count) for r in record.main_reasons] == [
        ("price", 3),
        ("competitor", 2),
        ("timing", 1),  # ties in the order of the list of reasons
    ]
    assert figures.bid_record({}).win_rate is None


def test_the_chart_says_every_figure_and_marks_missing_quarters() -> None:
    goal = AccountGoal(account_id=1, year=2026, revenue=1_000_000, margin=0, share_of_wallet=0)
    q1 = AccountActual(account_id=1, year=2026, quarter=1, revenue=310_000, margin=0)
    drawn = chart.goal_chart(figures.year_results(2026, goal, [q1]), "EUR", "en-GB")
    assert drawn is not None
    assert drawn.description == (
        "Revenue per quarter of 2026 against a goal of €250,000 a quarter: Q1 €310,000; "
        "Q2 not recorded; Q3 not recorded; Q4 not recorded."
    )
    assert [g.goal is not None for g in drawn.groups] == [True] * 4
    assert [g.actual is not None for g in drawn.groups] == [True, False, False, False]
    assert [g.missing is not None for g in drawn.groups] == [False, True, True, True]
    first = drawn.groups[0]
    assert first.actual
    assert first.goal
    assert first.actual.height > first.goal.height
    assert drawn.ticks[-1].text == "€400,000"  # the round value above the highest bar
    assert chart.goal_chart(figures.year_results(2026, None, []), "EUR", "en-GB") is None
    german = chart.goal_chart(figures.year_results(2026, goal, [q1]), "EUR", "de-DE")
    assert german is not None
    assert "310.000" in german.description


# --------------------------------------------------------------------------------------------
# The bid record through the opportunities page
# --------------------------------------------------------------------------------------------


def test_closing_an_opportunity_as_lost_needs_its_reason_and_records_the_day(
    client: TestClient, session: Session, world: World
) -> None:
    made = bid(session, world, "Cold chain", OpportunityStatus.OPEN)
    sign_in(client, session, world.members["team"])
    form = {
        "title": "Cold chain",
        "size": "80,000",
        "days": "10",
        **dict.fromkeys(RATINGS, "3"),
        "status": "lost",
        "bid_note": "They went with the incumbent",
        "version": "1",
        "csrf_token": CSRF,
    }
    base = f"/accounts/{world.account.id}/opportunities/{made.id}"
    refused = client.post(base, data=form)
    assert refused.status_code == 422
    assert "Choose why it was lost" in refused.text
    assert ">They went with the incumbent</textarea>" in refused.text
    saved = client.post(base, data=form | {"bid_reason": "competitor"})
    assert saved.status_code == 303
    session.expire_all()
    row = session.get(Opportunity, made.id)
    assert row is not None
    assert (row.status, row.bid_reason, row.closed_on) == ("lost", "competitor", NOW.date())
    updated = events(session, "opportunity")[-1]
    assert updated.visibility == "internal"
    assert updated.changes["bid_reason"] == ["", "competitor"]
    assert updated.changes["closed_on"] == [None, "2026-08-14"]
    listed = client.get(f"/accounts/{world.account.id}/opportunities").text
    assert "A competitor&#39;s offer" in listed.split('id="closed-opportunities"')[1]
    # Reopened: no longer closed, no reason.
    reopened = client.post(base, data=form | {"status": "open", "version": "2"})
    assert reopened.status_code == 303
    session.expire_all()
    row = session.get(Opportunity, made.id)
    assert row is not None
    assert (row.bid_reason, row.bid_note, row.closed_on) == ("", "", None)


# --------------------------------------------------------------------------------------------
# The results page
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "admin"])
def test_the_vendor_side_reads_the_page_and_the_writers_get_the_forms(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    page = client.get(url(world))
    assert page.status_code == 200
    assert f'href="/accounts/{world.account.id}/results" aria-current="page"' in page.text
    assert "badge-internal" in page.text
    assert "2026: goals against actuals to date" in page.text  # the reader's year
    writer = role != "mentor"
    assert ("Goals for 2026" in page.text) is writer
    assert ('action="' + url(world, "/actuals") + '"' in page.text) is writer
    # Q1 to Q3 have begun; Q4 has not.
    assert ("Q3 2026: record the actuals" in page.text) is writer
    assert "Q4 2026: record" not in page.text
    assert "Nothing recorded for 2026 yet" in page.text or not writer
    assert "No bid closed yet" in page.text
    assert client.get(url(world, "?year=2025")).text.count("record the actuals") == (
        4 if writer else 0
    )
    assert "2027 has not begun" in client.get(url(world, "?year=2027")).text or not writer
    assert "2026: goals against" in client.get(url(world, "?year=nonsense")).text


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_the_client_side_is_refused_and_has_no_tab(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    assert client.get(url(world)).status_code == 403
    assert client.post(url(world, "/goals"), data=goals()).status_code == 403
    assert client.post(url(world, "/actuals"), data=actuals(1, "1")).status_code == 403
    plan = client.get(f"/accounts/{world.account.id}/plan").text
    assert "/results" not in plan


def test_setting_goals_and_recording_actuals_shows_them_and_audits(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    set_ = client.post(url(world, "/goals"), data=goals())
    assert set_.status_code == 303
    assert set_.headers["location"] == url(world, "?year=2026#goals")
    for quarter, revenue in ((1, "250,000"), (2, "320 000"), (3, "200000")):
        done = client.post(url(world, "/actuals"), data=actuals(quarter, revenue), headers=HTMX)
        assert done.status_code == 200
        assert f"Saved the actuals of Q{quarter} 2026." in done.text
    page = client.get(url(world)).text
    assert "€770,000" in page  # revenue to date
    assert "€900,000" in page  # three quarters of the year's €1,200,000
    assert "64%" in page  # of the year's goal
    assert "€210,000" in page  # margin to date
    assert "35%" in page
    assert "40%" in page
    assert '<svg viewBox="0 0 480' in page
    assert 'role="img" aria-labelledby="results-chart-title"' in page
    assert (
        '<desc id="results-chart-desc">Revenue per quarter of 2026 against a goal of €300,000 a quarter: Q1 €250,000; Q2 €320,000; Q3 €200,000; Q4 not recorded.</desc>'
        in page
    )
    assert "Q4 2026" not in page.split('id="actuals"')[1]
    goal_events = events(session, "account_goal")
    assert [(e.verb, e.visibility) for e in goal_events] == [("account_goal.set", "internal")]
    assert goal_events[0].changes == {
        "year": [None, 2026],
        "revenue": [None, 1_200_000],
        "margin": [None, 300_000],
        "share_of_wallet": [None, 40],
    }
    assert [e.verb for e in events(session, "account_actual")] == ["account_actual.recorded"] * 3
    # Editing the goals: from the version shown; the same figures again write nothing.
    again = client.post(url(world, "/goals"), data=goals(revenue="1,500,000", version="1"))
    assert again.status_code == 303
    same = client.post(url(world, "/goals"), data=goals(revenue="1,500,000", version="2"))
    assert same.status_code == 303
    updated = events(session, "account_goal")
    assert [e.verb for e in updated] == ["account_goal.set", "account_goal.updated"]
    assert updated[-1].changes == {"revenue": [1_200_000, 1_500_000]}
    # Correcting a quarter.
    fixed = client.post(url(world, "/actuals"), data=actuals(2, "330,000", version="1"))
    assert fixed.status_code == 303
    assert fixed.headers["location"].endswith("#q2")
    assert events(session, "account_actual")[-1].changes == {"revenue": [320_000, 330_000]}


def test_bad_input_is_422_with_what_was_typed_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    bad = client.post(url(world, "/goals"), data=goals(revenue="12.5k", share_of_wallet="140"))
    assert bad.status_code == 422
    assert 'value="12.5k"' in bad.text
    assert 'value="140"' in bad.text
    assert "Enter the revenue as a whole amount" in bad.text
    assert "from 0 to 100" in bad.text
    quarter = client.post(url(world, "/actuals"), data=actuals(2, "", margin="lots"), headers=HTMX)
    assert quarter.status_code == 422
    assert '<details class="results-quarter" id="q2" open>' in quarter.text
    assert 'id="q2-margin" name="margin" type="text" value="lots"' in quarter.text
    assert "Enter the revenue, a whole amount" in quarter.text
    future = client.post(url(world, "/actuals"), data=actuals(4, "1"))
    assert future.status_code == 422
    assert "That quarter has not begun" in future.text
    session.expire_all()
    assert session.exec(select(AccountGoal)).all() == []
    assert session.exec(select(AccountActual)).all() == []


def test_a_stale_save_is_409_naming_who_and_keeping_the_figures(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    assert client.post(url(world, "/goals"), data=goals()).status_code == 303
    sign_in(client, session, world.members["team"])
    # Both opened the empty form (version 0): the second save does not overwrite the first.
    stale = client.post(url(world, "/goals"), data=goals(revenue="2,000,000"))
    assert stale.status_code == 409
    lead = world.members["lead"].email
    assert f"{lead} changed the goals for 2026 meanwhile" in stale.text
    assert 'value="2,000,000"' in stale.text
    assert "<dd>€1,200,000</dd>" in stale.text
    assert 'name="version" value="1"' in stale.text
    assert client.post(url(world, "/actuals"), data=actuals(1, "100")).status_code == 303
    late = client.post(url(world, "/actuals"), data=actuals(1, "999"))
    assert late.status_code == 409
    assert "changed Q1 2026 meanwhile" in late.text
    assert 'value="999"' in late.text
    session.expire_all()
    (goal,) = session.exec(select(AccountGoal)).all()
    (actual,) = session.exec(select(AccountActual)).all()
    assert (goal.revenue, goal.version, actual.revenue) == (1_200_000, 1, 100)


def test_the_bid_record_shows_win_rate_reasons_and_notes(
    client: TestClient, session: Session, world: World
) -> None:
    bid(session, world, "Won one", OpportunityStatus.WON, "relationship")
    bid(session, world, "Lost on price", OpportunityStatus.LOST, "price", "Undercut by 12%")
    bid(session, world, "Lost again", OpportunityStatus.LOST, "price")
    bid(session, world, "Dropped", OpportunityStatus.DROPPED, "capacity")
    bid(session, world, "Still open", OpportunityStatus.OPEN)
    bid(session, world, "Elsewhere", OpportunityStatus.WON, account_id=world.other_account.id)
    sign_in(client, session, world.members["mentor"])
    page = client.get(url(world)).text
    section = page.split('id="bids"')[1]
    assert "33%" in section  # 1 won of 3 decided
    assert "1 won of 3 decided; 1 dropped" in section
    assert "<dd>Price: 2 bids</dd>" in section
    assert "<dd>Our capacity to deliver: 1 bid</dd>" in section
    assert "Undercut by 12%" in section
    assert section.count('<tr id="bid-') == 4
    assert "Still open" not in section
    assert "Elsewhere" not in section


def test_the_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.members["lead"])
    bid(session, world, "One", OpportunityStatus.LOST, "price")
    session.add(AccountActual(account_id=world.account.id, year=2026, quarter=1, revenue=1))  # type: ignore[arg-type]
    session.commit()
    client.get(url(world))
    count_queries.statements.clear()
    assert client.get(url(world)).status_code == 200
    few = count_queries.count
    session.add(AccountGoal(account_id=world.account.id, year=2026, revenue=10))  # type: ignore[arg-type]
    session.add_all(
        AccountActual(account_id=world.account.id, year=2026, quarter=q, revenue=q)  # type: ignore[arg-type]
        for q in (2, 3)
    )
    for n in range(60):
        status = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)[n % 3]
        session.add(
            Opportunity(
                account_id=world.account.id,  # type: ignore[arg-type]
                title=f"Bid {n}",
                status=status,
                bid_reason="" if status == "won" else "timing",
                closed_on=NOW.date(),
            )
        )
    session.commit()
    count_queries.statements.clear()
    large = client.get(url(world))
    assert large.text.count('<tr id="bid-') == 61
    assert count_queries.count == few, count_queries.statements
    assert few <= 8
    print(f"results page: {few} queries for 1 or 61 bids and 1 or 3 quarters")


# --------------------------------------------------------------------------------------------
# The portfolio
# --------------------------------------------------------------------------------------------


def test_the_portfolio_shows_each_account_and_the_totals(
    client: TestClient, session: Session, world: World
) -> None:
    own, other = world.account.id, world.other_account.id
    session.add(AccountGoal(account_id=own, year=2026, revenue=1_200_000, margin=1))  # type: ignore[arg-type]
    session.add(AccountGoal(account_id=other, year=2026, revenue=400_000, margin=1))  # type: ignore[arg-type]
    session.add(AccountGoal(account_id=other, year=2025, revenue=9_999_999))  # type: ignore[arg-type]
    for q, revenue in ((1, 250_000), (2, 320_000), (3, 200_000)):
        session.add(AccountActual(account_id=own, year=2026, quarter=q, revenue=revenue))  # type: ignore[arg-type]
    session.add(AccountActual(account_id=other, year=2026, quarter=1, revenue=50_000))  # type: ignore[arg-type]
    session.commit()
    bid(session, world, "Won", OpportunityStatus.WON, "price")
    bid(session, world, "Lost", OpportunityStatus.LOST, "price")
    bid(session, world, "Lost too", OpportunityStatus.LOST, "competitor", account_id=other)
    sign_in(client, session, world.admin)
    page = client.get("/portfolio").text
    section = page.split('id="results"')[1].split("</section>")[0]
    own_row = section.split(f'<tr id="results-{own}">')[1].split("</tr>")[0]
    assert "€1,200,000" in own_row
    assert "€900,000" in own_row
    assert "€770,000" in own_row
    assert "86%" in own_row  # 770 of 900
    assert "50%" in own_row
    assert "1 won of 2 decided" in own_row
    other_row = section.split(f'<tr id="results-{other}">')[1].split("</tr>")[0]
    assert "€100,000" in other_row
    assert "€50,000" in other_row
    assert "0%" in other_row
    assert "0 won of 1 decided" in other_row
    totals = section.split('<tr id="results-totals">')[1].split("</tr>")[0]
    assert "€1,600,000" in totals
    assert "€1,000,000" in totals
    assert "€820,000" in totals
    assert "82%" in totals
    assert "33%" in totals
    assert "1 won of 3 decided" in totals
    assert "Price (1); A competitor&#39;s offer (1)" in section
    assert 'aria-labelledby="portfolio-results-chart-title"' in section
    assert "Q1 €300,000" in section  # both accounts' first quarter together
    # Filtered: the results follow the rows shown.
    filtered = client.get("/portfolio?q=Other").text.split('id="results"')[1]
    assert f'<tr id="results-{own}">' not in filtered.split("</section>")[0]


def test_the_portfolio_results_cost_one_query_for_any_number_of_accounts(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.admin)
    small = queries_for(client, count_queries, "/portfolio")
    grow(session, world, 40)
    session.expire_all()
    accounts = session.exec(select(Account).where(Account.workspace_id == world.workspace.id)).all()
    for account in accounts:
        session.add(AccountGoal(account_id=account.id, year=2026, revenue=100))  # type: ignore[arg-type]
        session.add_all(
            AccountActual(account_id=account.id, year=2026, quarter=q, revenue=q)  # type: ignore[arg-type]
            for q in (1, 2, 3)
        )
        session.add(
            Opportunity(account_id=account.id, title="B", status="lost", bid_reason="price")
        )  # type: ignore[arg-type]
    session.commit()
    large = queries_for(client, count_queries, "/portfolio")
    assert large == small, "\n".join(count_queries.statements)
    assert client.get("/portfolio").text.count('<tr id="results-') == len(accounts) + 1


# --------------------------------------------------------------------------------------------
# Simultaneous saves (both databases)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["goals", "actuals"])
def test_simultaneous_first_saves_one_wins(live_server: LiveServer, what: str) -> None:
    """Six team members save the year's goals (or Q1's actuals) at once, each from the empty
    form: one is written, the others are told who saved first, nothing is overwritten."""
    scene = _scene(live_server, Role.TEAM)
    clients = [_client(live_server, person) for person in scene.people]
    path = f"/accounts/{scene.account_id}/results/{what}"
    form = goals if what == "goals" else partial(actuals, 1)
    try:
        responses = race(
            [
                partial(c.post, path, data=form(revenue=f"{i + 1},000,000"))  # type: ignore[operator]
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            c.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (WRITERS - 1), codes
    winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
    for response in responses:
        if response.status_code == 409:
            assert "meanwhile" in response.text
    model = AccountGoal if what == "goals" else AccountActual
    with Session(live_server.db.engine) as session:
        (row,) = session.exec(select(model).where(model.account_id == scene.account_id)).all()
        assert (row.revenue, row.version) == ((winner + 1) * 1_000_000, 1)
        verbs = session.exec(
            select(AuditEvent.verb)
            .where(AuditEvent.account_id == scene.account_id)
            .where(col(AuditEvent.item_type).startswith("account_"))
        ).all()
        assert len(verbs) == 1, verbs


# --------------------------------------------------------------------------------------------
# The API's vendor resources
# --------------------------------------------------------------------------------------------


def test_the_api_lists_each_opportunity_with_its_bid_outcome(
    client: TestClient, session: Session, world: World
) -> None:
    bid(session, world, "Lost on price", OpportunityStatus.LOST, "price", "Undercut")
    bid(session, world, "Open one", OpportunityStatus.OPEN)
    token = token_of(session, world.members["mentor"])
    answer = client.get(f"{API}/accounts/{world.account.id}/opportunities", headers=bearer(token))
    assert answer.status_code == 200
    items = {i["title"]: i for i in answer.json()["items"]}
    lost = items["Lost on price"]
    assert (lost["status"], lost["bid_reason"], lost["bid_note"]) == ("lost", "price", "Undercut")
    assert lost["closed_on"] == "2026-08-14"
    assert (items["Open one"]["bid_reason"], items["Open one"]["closed_on"]) == ("", None)
