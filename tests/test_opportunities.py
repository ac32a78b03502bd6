"""Opportunity targeting: the scoring (fit, expected value, return on time invested, the A/B/C
Pareto classes) and the internal page where the vendor's team records opportunities. Nothing of
it ever reaches the client side."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction

import pytest
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.models import (
    AuditEvent,
    Notification,
    Opportunity,
    OpportunityPriority,
    Priority,
)
from app.opportunities import scoring, service
from app.opportunities.schemas import OpportunityForm, OpportunityValues, parse_size
from app.opportunities.scoring import Klass
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.web.confirm import CONFIRMATION
from app.web.forms import FormErrors
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.test_priorities import add
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
POST = {"X-CSRF-Token": CSRF}
MARKER = "zq-opportunity-9c1e"
CLIENT_ROLES = ("sponsor", "member", "viewer")
WRITERS = ("lead", "team")
RATING_NAMES = scoring.RATINGS


# --------------------------------------------------------------------------------------------
# Scoring (pure)
# --------------------------------------------------------------------------------------------


@dataclass
class Opp:
    id: int
    size: int
    days: int = 1
    status: str = "open"
    profitability: int = 5
    need: int = 5
    growth: int = 5
    importance: int = 5
    history: int = 5
    relationship: int = 5


def classes(items: list[Opp]) -> list[tuple[int, str]]:
    return [(r.item.id, r.klass.value if r.klass else "") for r in scoring.classify(items)]


def test_fit_expected_value_and_return_on_time() -> None:
    ratings = dict(zip(RATING_NAMES, (5, 4, 3, 2, 1, 3), strict=True))
    item = Opp(1, size=1000, days=4, **ratings)
    score = scoring.score(item)
    assert score.fit == 3  # (5 + 4 + 3 + 2 + 1 + 3) / 6
    assert score.expected_value == 600  # 1000 * 3 / 5
    assert score.roti == 150  # 600 / 4 days
    perfect = scoring.score(Opp(2, size=250_000, days=10))
    assert (perfect.fit, perfect.expected_value, perfect.roti) == (5, 250_000, 25_000)
    poorest = Opp(3, size=500, days=3, **dict.fromkeys(RATING_NAMES, 1))
    assert scoring.score(poorest).expected_value == 100
    assert scoring.score(poorest).roti == Fraction(100, 3)


def test_fit_is_exact_not_rounded() -> None:
    item = Opp(1, size=30, days=7, profitability=4)  # ratings sum to 29
    score = scoring.score(item)
    assert score.fit == Fraction(29, 6)
    assert score.expected_value == 29  # 30 * 29/6 / 5
    assert score.roti == Fraction(29, 7)


def test_one_opportunity_is_class_a() -> None:
    assert classes([Opp(1, size=10)]) == [(1, "A")]
    (ranked,) = scoring.classify([Opp(1, size=10)])
    assert ranked.share == 1


def test_the_first_is_always_a_even_when_it_holds_more_than_70_percent() -> None:
    assert classes([Opp(1, size=95), Opp(2, size=3), Opp(3, size=2)]) == [
        (1, "A"),  # 95%
        (2, "C"),  # 98%: beyond 90%
        (3, "C"),
    ]
    assert classes([Opp(1, size=80), Opp(2, size=10), Opp(3, size=10)]) == [
        (1, "A"),
        (2, "B"),  # 90% exactly
        (3, "C"),
    ]


def test_boundaries_are_inclusive_at_70_and_90_percent() -> None:
    # Same days and fit, so the return order is the size order.
    assert classes([Opp(1, size=50), Opp(2, size=20), Opp(3, size=20), Opp(4, size=10)]) == [
        (1, "A"),
        (2, "A"),  # 70% exactly
        (3, "B"),  # 90% exactly
        (4, "C"),
    ]
    assert classes([Opp(1, size=50), Opp(2, size=21), Opp(3, size=19), Opp(4, size=10)]) == [
        (1, "A"),
        (2, "B"),  # 71%
        (3, "B"),  # 90%
        (4, "C"),
    ]
    assert classes([Opp(1, size=50), Opp(2, size=20), Opp(3, size=21), Opp(4, size=9)]) == [
        (1, "A"),
        (3, "B"),  # the larger goes first: 71%
        (2, "C"),  # 91%
        (4, "C"),
    ]


def test_boundaries_hold_exactly_with_fractional_fits() -> None:
    """A fit of 29/6 makes shares that floating point gets wrong (0.7000000000000001)."""
    low = {"profitability": 4}
    items = [Opp(1, size=70, **low), Opp(2, size=20, **low), Opp(3, size=10, **low)]
    as_float = (70 * 29 / 6 / 5) / sum(size * 29 / 6 / 5 for size in (70, 20, 10))
    assert as_float != 0.7  # what a float implementation would compare
    ranked = scoring.classify(items)
    assert [r.share for r in ranked] == [Fraction(7, 10), Fraction(9, 10), 1]
    assert [r.klass for r in ranked] == [Klass.A, Klass.B, Klass.C]


def test_sorted_by_return_on_time_not_by_size() -> None:
    slow_giant = Opp(1, size=1_000_000, days=1000)  # 1,000 a day
    quick_win = Opp(2, size=50_000, days=5)  # 10,000 a day
    middling = Opp(3, size=200_000, days=100)  # 2,000 a day
    ranked = scoring.classify([slow_giant, quick_win, middling])
    assert [r.item.id for r in ranked] == [2, 3, 1]
    # The quick win is A (always the first); it holds 4% of the value, the middling one takes
    # it to 20% (A), the giant to 100% (C).
    assert [r.klass for r in ranked] == [Klass.A, Klass.A, Klass.C]


def test_ties_break_by_larger_expected_value_then_older_first_whatever_the_input_order() -> None:
    items = [
        Opp(5, size=100, days=1),  # 100 a day, value 100
        Opp(2, size=300, days=3),  # 100 a day, value 300: first of the ties
        Opp(9, size=200, days=2),  # 100 a day, value 200
        Opp(3, size=200, days=2),  # same return and value as 9: older (lower id) first
        Opp(7, size=50, days=1),  # 50 a day
    ]
    expected = [2, 3, 9, 5, 7]
    for seed in range(10):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert [r.item.id for r in scoring.classify(shuffled)] == expected
    # Tied items can fall in different classes: the boundary is the cumulative value.
    # 300 of 850 (35%), 500 (59%), 700 (82%), 800 (94%), 850.
    assert classes(items) == [(2, "A"), (3, "A"), (9, "B"), (5, "C"), (7, "C")]


def test_zero_sizes() -> None:
    assert classes([Opp(1, size=0), Opp(2, size=0)]) == [(1, "C"), (2, "C")]
    assert classes([Opp(1, size=0)]) == [(1, "C")]
    # A worthless one among others goes last, and is C (the cumulative is already 100%).
    assert classes([Opp(1, size=0), Opp(2, size=10, days=9), Opp(3, size=5)]) == [
        (3, "A"),
        (2, "C"),  # 5 a day vs 1.1 a day; 15 of 15 = 100%
        (1, "C"),
    ]
    assert scoring.score(Opp(4, size=0, days=3)).roti == 0


def test_no_open_opportunity() -> None:
    assert scoring.classify([]) == []
    targeting = scoring.target([Opp(1, size=10, status="won")])
    assert targeting.open == []
    assert targeting.total_expected_value == 0
    assert [(c.klass, c.count) for c in targeting.classes] == [("A", 0), ("B", 0), ("C", 0)]


def test_closed_ones_are_scored_but_not_classed_nor_counted() -> None:
    items = [
        Opp(1, size=100, status="won"),
        Opp(2, size=50),
        Opp(3, size=1_000, status="lost"),
        Opp(4, size=30),
        Opp(5, size=20, status="dropped"),
        Opp(6, size=20),
    ]
    targeting = scoring.target(items)
    assert [(r.item.id, r.klass) for r in targeting.open] == [
        (2, Klass.A),  # 50%
        (4, Klass.B),  # 80%
        (6, Klass.C),
    ]
    assert [(r.item.id, r.klass) for r in targeting.closed] == [(1, None), (3, None), (5, None)]
    assert targeting.closed[1].score.expected_value == 1_000
    assert targeting.total_expected_value == 100
    assert targeting.total_days == 3
    assert [(c.klass, c.count, c.expected_value) for c in targeting.classes] == [
        (Klass.A, 1, 50),
        (Klass.B, 1, 30),
        (Klass.C, 1, 20),
    ]


# --------------------------------------------------------------------------------------------
# The form (pure)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("120000", 120_000),
        ("120,000", 120_000),
        ("120 000", 120_000),
        ("1\u00a0250\u00a0000", 1_250_000),
        ("1\u202f250\u202f000", 1_250_000),
        ("120'000", 120_000),
        (" 0 ", 0),
        ("999,999,999,999", 999_999_999_999),
        ("1,2,3", None),
        ("12,00", None),
        ("120.000", None),
        ("12.5", None),
        ("-5", None),
        ("1e6", None),
        ("€100", None),
        ("²", None),
        ("1,000,000,000,000", None),  # 13 digits
        ("", None),
    ],
)
def test_sizes_allow_thousands_separators(typed: str, value: int | None) -> None:
    assert parse_size(typed) == value


def _form(**fields: object) -> OpportunityForm:
    base: dict[str, object] = {
        "title": "Fleet telematics",
        "size": "120,000",
        "days": "20",
        **dict.fromkeys(RATING_NAMES, "4"),
    }
    return OpportunityForm(**(base | fields))  # type: ignore[arg-type]


def test_form_values_and_messages() -> None:
    values = _form(priority_ids=("7", "7", "3"), owner_id="11").check({11}, {3, 7})
    assert isinstance(values, OpportunityValues)
    assert (values.size, values.days, values.owner_id) == (120_000, 20, 11)
    assert values.priority_ids == [3, 7]
    assert values.status == "open"
    errors = _form(
        title="",
        size="lots",
        days="0",
        **(dict.fromkeys(RATING_NAMES, "") | {"need": "6", "growth": "x"}),
        owner_id="12",
        status="pending",
        priority_ids=("8",),
    ).check({11}, {3, 7})
    assert isinstance(errors, FormErrors)
    assert set(errors) == {
        "title",
        "size",
        "days",
        *RATING_NAMES,
        "owner_id",
        "status",
        "priority_ids",
    }
    assert errors["need"] == "Choose 1 to 5 for “The client's need for our offer”."
    too_long = _form(days="3651").check(set(), set())
    assert isinstance(too_long, FormErrors)
    assert too_long["days"].startswith("Enter a whole number")
    assert isinstance(_form(days="3650").check(set(), set()), OpportunityValues)


# --------------------------------------------------------------------------------------------
# Pages and writes
# --------------------------------------------------------------------------------------------


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}/opportunities{tail}"


def make(
    session: Session,
    world: World,
    title: str,
    *,
    size: int = 100_000,
    days: int = 10,
    rating: int = 4,
    status: str = "open",
    links: list[int] | None = None,
    owner: str | None = None,
    description: str = "",
    account_id: int | None = None,
) -> Opportunity:
    made = service.add(
        session,
        actor=world.members["lead"],
        account_id=account_id or world.account.id,  # type: ignore[arg-type]
        values=OpportunityValues(
            title=title,
            description=description,
            size=size,
            days=days,
            ratings=dict.fromkeys(RATING_NAMES, rating),
            owner_id=world.members[owner].id if owner else None,
            status=status,
            priority_ids=sorted(links or []),
        ),
    )
    session.commit()
    return made


def form_data(**fields: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "title": "Fleet telematics",
        "description": "",
        "size": "120,000",
        "days": "20",
        **dict.fromkeys(RATING_NAMES, "4"),
        "status": "open",
    }
    return data | fields


def events(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.item_type) == "opportunity")
            .order_by(col(AuditEvent.id))
        ).all()
    )


def live(session: Session, world: World) -> list[Opportunity]:
    session.expire_all()
    return list(
        session.exec(
            select(Opportunity)
            .where(Opportunity.account_id == world.account.id)
            .where(col(Opportunity.removed_at).is_(None))
            .order_by(col(Opportunity.id))
        ).all()
    )


def row_of(page: str, title: str) -> str:
    """The table row of the opportunity with this title."""
    (row,) = [
        row.split("</tr>")[0]
        for row in page.split('<tr id="opportunity-')[1:]
        if f'<strong class="opportunity-title">{title}</strong>' in row
    ]
    return row


def open_rows(page: str) -> list[str]:
    """The titles in the open table, in page order."""
    table = page.split('id="open-opportunities"')[1].split("</table>")[0]
    return re.findall(r'<strong class="opportunity-title">([^<]*)</strong>', table)


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "admin"])
def test_the_vendor_side_reads_the_page(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    make(session, world, "Route optimisation", description=MARKER)
    sign_in(client, session, world.admin if role == "admin" else world.members[role])
    page = client.get(url(world))
    assert page.status_code == 200
    assert MARKER in page.text
    assert 'class="account-nav"' in page.text
    current = f'href="/accounts/{world.account.id}/opportunities" aria-current="page"'
    assert current in page.text
    assert "How the score works" in page.text
    assert ("Add an opportunity" in page.text) is (role != "mentor")
    assert ("/remove" in page.text) is (role != "mentor")


def test_the_page_sorts_by_return_on_time_classes_and_formats_numbers(
    client: TestClient, session: Session, world: World
) -> None:
    first = add(session, world, "Cut fuel costs")
    second = add(session, world, "Expand to Poland")
    make(session, world, "Slow giant", size=1_000_000, days=1000, rating=5, owner="team")
    make(session, world, "Quick win", size=50_000, days=5, rating=5, links=[second.id or 0])
    make(
        session,
        world,
        "Middling",
        size=200_000,
        days=100,
        rating=5,
        links=[first.id or 0, second.id or 0],
    )
    make(session, world, "Won already", size=7_000, status="won")
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world)).text
    assert open_rows(page) == ["Quick win", "Middling", "Slow giant"]
    quick = row_of(page, "Quick win")
    assert '<span class="visually-hidden">Class </span>A</span>' in quick
    assert "50,000" in quick
    assert "10,000" in quick  # return per day
    assert "Expand to Poland" in quick
    assert "Answers no client priority" not in quick
    giant = row_of(page, "Slow giant")
    assert "1,000,000" in giant
    assert "Answers no client priority" in giant
    assert world.members["team"].display_name in giant
    assert '<span class="visually-hidden">Class </span>C</span>' in giant
    middling = row_of(page, "Middling")
    assert middling.index("Cut fuel costs") < middling.index("Expand to Poland")
    summary = page.split('id="opportunity-summary"')[1].split("</section>")[0]
    assert "1,250,000" in summary  # total expected value of the open ones
    assert "1,105" in summary  # days of effort
    assert re.search(r"Class A</dt>\s*<dd class=\"figure\">2</dd>", summary)
    assert re.search(r"Class C</dt>\s*<dd class=\"figure\">1</dd>", summary)
    closed = page.split('id="closed-opportunities"')[1].split("</section>")[0]
    assert "Won already" in closed
    assert "Won already" not in page.split('id="open-opportunities"')[1].split("</section>")[0]
    assert "7,000" in closed
    assert "opportunity-class" not in closed


def test_empty_states(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world)).text
    assert "No opportunities yet. Add the first one below" in page
    sign_in(client, session, world.members["mentor"])
    assert "The team has not recorded any opportunities yet." in client.get(url(world)).text
    make(session, world, "Lost one", status="lost")
    assert "every one recorded is won, lost or dropped" in client.get(url(world)).text


@pytest.mark.parametrize("role", WRITERS)
def test_adding_with_htmx_swaps_the_section(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    priority = add(session, world, "Cut fuel costs")
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world),
        data=form_data(
            title="Fleet telematics",
            size="1 250 000",
            description=MARKER,
            owner_id=str(world.members["team"].id),
            priority_ids=[str(priority.id)],
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="opportunities">')
    assert "<html" not in response.text
    assert "Added “Fleet telematics”." in response.text
    (made,) = live(session, world)
    assert (made.size, made.days, made.need, made.owner_id) == (
        1_250_000,
        20,
        4,
        world.members["team"].id,
    )
    assert f'data-focus="opportunity-{made.id}"' in response.text
    (event,) = events(session)
    assert event.verb == "opportunity.added"
    assert event.visibility == "internal"
    assert event.changes["priority_ids"] == [None, [priority.id]]
    assert event.changes["size"] == [None, 1_250_000]
    assert event.changes["description"] == [None, MARKER]


def test_adding_without_javascript_redirects_with_a_flash(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world), data=form_data(csrf_token=CSRF))
    assert response.status_code == 303
    (made,) = live(session, world)
    assert response.headers["location"] == url(world, f"#opportunity-{made.id}")
    page = client.get(response.headers["location"])
    assert "Added “Fleet telematics”." in page.text


def test_a_new_opportunity_without_a_status_is_open_but_an_edit_must_name_one(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    data = form_data(csrf_token=CSRF)
    del data["status"]
    assert client.post(url(world), data=data).status_code == 303
    (made,) = live(session, world)
    assert made.status == "open"
    edited = client.post(
        url(world, f"/{made.id}"),
        data=data | {"version": str(made.version)},
        headers={"X-CSRF-Token": CSRF},
    )
    assert edited.status_code == 422
    assert "Choose open, won, lost or dropped." in edited.text


def test_bad_input_is_422_with_every_value_kept_and_a_message_per_field(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    data = form_data(
        title="",
        description="Typed description",
        size="12.5",
        days="0",
        need="",
        growth="6",
        owner_id=str(world.members["sponsor"].id),  # a client person cannot own it
        status="pending",
    )
    for headers in (HTMX, POST):
        response = client.post(url(world), data=data, headers=headers)
        assert response.status_code == 422
        text = response.text
        assert ("<html" in text) is (headers is POST)
        assert "Enter a title." in text
        assert "Typed description" in text
        assert 'value="12.5"' in text
        assert "without decimals" in text
        assert 'value="0"' in text
        assert "Enter a whole number of days from 1 to 3,650." in text
        assert "Choose 1 to 5 for “The client&#39;s need for our offer”." in text
        assert "Choose 1 to 5 for “Growth of that part of the client&#39;s business”." in text
        assert 'name="profitability" value="4" checked' in text
        assert "Choose an owner from your team in this account, or nobody." in text
        assert "Choose open, won, lost or dropped." in text
    long = client.post(
        url(world),
        data=form_data(title="x" * 201, description="y" * 4001, size="1" * 13, days="3651"),
        headers=HTMX,
    )
    assert long.status_code == 422
    assert "Keep a title under 200 characters." in long.text
    assert "Keep the description under 4000 characters." in long.text
    assert "up to 12 digits" in long.text
    assert live(session, world) == []
    assert events(session) == []


def test_links_only_to_the_current_active_priorities_of_the_own_account(
    client: TestClient, session: Session, world: World
) -> None:
    kept = add(session, world, "Kept")
    gone = add(session, world, "Gone")
    priorities.remove(session, actor=world.members["sponsor"], priority=gone)
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    suggested = priorities.suggest(
        session, actor=world.members["lead"], plan=plan, values=PriorityValues(title="Assumed")
    )
    other_plan = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    foreign_plan = plans_repo.current(session, account_id=world.foreign_account.id)  # type: ignore[arg-type]
    assert other_plan is not None
    assert foreign_plan is not None
    others = [
        priorities.create(
            session,
            actor=world.admin,
            plan=p,
            values=PriorityValues(title="Someone else's"),
        )
        for p in (other_plan, foreign_plan)
    ]
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world)).text
    assert f'name="priority_ids" value="{kept.id}"' in page
    for refused in (gone, suggested, *others):
        assert f'name="priority_ids" value="{refused.id}"' not in page
        response = client.post(
            url(world),
            data=form_data(title="Sneaky", priority_ids=[str(kept.id), str(refused.id)]),
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "Choose priorities from the client&#39;s current ranked list." in response.text
        assert 'value="Sneaky"' in response.text
    for nonsense in ("", "x", "-1", "99999999999999999999999", "²"):
        response = client.post(
            url(world), data=form_data(title="Kept 7421", priority_ids=[nonsense]), headers=HTMX
        )
        assert response.status_code == 422, nonsense
        assert "Choose priorities from the client&#39;s current ranked list." in response.text
        assert 'value="Kept 7421"' in response.text, nonsense
    assert live(session, world) == []
    assert session.exec(select(OpportunityPriority)).all() == []


def test_editing_changes_fields_status_and_links_and_audits_the_diff(
    client: TestClient, session: Session, world: World
) -> None:
    first = add(session, world, "First")
    second = add(session, world, "Second")
    made = make(session, world, "Telematics", size=120_000, links=[first.id or 0])
    sign_in(client, session, world.members["team"])
    form = client.get(url(world, f"/{made.id}/edit"))
    assert form.status_code == 200
    assert 'value="120,000"' in form.text
    assert 'name="version" value="1"' in form.text
    assert f'name="priority_ids" value="{first.id}" checked' in form.text
    response = client.post(
        url(world, f"/{made.id}"),
        data=form_data(
            title="Telematics, phase 1",
            size="150,000",
            days="10",
            history="2",
            status="won",
            bid_reason="offer",
            bid_note="They liked the pilot",
            owner_id=str(world.members["lead"].id),
            priority_ids=[str(second.id)],
            version="1",
            csrf_token=CSRF,
        ),
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(world, f"#opportunity-{made.id}")
    (saved,) = live(session, world)
    assert (saved.title, saved.size, saved.status, saved.history, saved.version) == (
        "Telematics, phase 1",
        150_000,
        "won",
        2,
        2,
    )
    page = client.get(response.headers["location"]).text
    assert "Saved “Telematics, phase 1”." in page
    assert "Telematics, phase 1" in page.split('id="closed-opportunities"')[1]
    _, updated = events(session)
    assert updated.verb == "opportunity.updated"
    assert updated.visibility == "internal"
    assert updated.changes == {
        "title": ["Telematics", "Telematics, phase 1"],
        "size": [120_000, 150_000],
        "history": [4, 2],
        "owner_id": [None, world.members["lead"].id],
        "status": ["open", "won"],
        "bid_reason": ["", "offer"],
        "bid_note": ["", "They liked the pilot"],
        "closed_on": [None, saved.closed_on.isoformat() if saved.closed_on else "not closed"],
        "priority_ids": [[first.id], [second.id]],
    }
    assert saved.closed_on is not None
    # Saving what is saved writes nothing.
    again = client.post(
        url(world, f"/{made.id}"),
        data=form_data(
            title="Telematics, phase 1",
            size="150000",
            days="10",
            history="2",
            status="won",
            bid_reason="offer",
            bid_note="They liked the pilot",
            owner_id=str(world.members["lead"].id),
            priority_ids=[str(second.id)],
            version="2",
            csrf_token=CSRF,
        ),
    )
    assert again.status_code == 303
    assert len(events(session)) == 2
    assert live(session, world)[0].version == 2


def test_a_stale_edit_is_409_naming_who_and_keeping_the_values(
    client: TestClient, session: Session, world: World
) -> None:
    made = make(session, world, "Original", size=5_000)
    sign_in(client, session, world.members["lead"])
    first = client.post(
        url(world, f"/{made.id}"),
        data=form_data(title="Lead's version", version="1", csrf_token=CSRF),
    )
    assert first.status_code == 303
    sign_in(client, session, world.members["team"])
    stale = client.post(
        url(world, f"/{made.id}"),
        data=form_data(
            title="Team's version", size="9 999", description="Typed", version="1", csrf_token=CSRF
        ),
    )
    assert stale.status_code == 409
    assert f"{world.members['lead'].email} changed this opportunity meanwhile" in stale.text
    assert 'value="Team&#39;s version"' in stale.text
    assert 'value="9 999"' in stale.text
    assert ">Typed</textarea>" in stale.text
    assert "<dd>Lead&#39;s version</dd>" in stale.text
    assert "<dd>€120,000</dd>" in stale.text  # the saved size, in the workspace's currency
    assert 'name="version" value="2"' in stale.text
    (saved,) = live(session, world)
    assert saved.title == "Lead's version"
    assert [e.verb for e in events(session)] == ["opportunity.added", "opportunity.updated"]
    bad = client.post(
        url(world, f"/{made.id}"),
        data=form_data(title="", description="Kept", version="2", csrf_token=CSRF),
    )
    assert bad.status_code == 422
    assert ">Kept</textarea>" in bad.text
    assert 'name="version" value="2"' in bad.text


def test_removing_asks_first_soft_deletes_and_audits(
    client: TestClient, session: Session, world: World
) -> None:
    made = make(session, world, "To go")
    kept = make(session, world, "To stay")
    sign_in(client, session, world.members["team"])
    page = client.get(url(world)).text
    assert 'data-confirm="Remove the opportunity “To go”? It stays on the audit trail."' in page
    assert 'hx-confirm="Remove the opportunity “To go”?' in page
    response = client.post(url(world, f"/{made.id}/remove"), data=CONFIRMATION, headers=HTMX)
    assert response.status_code == 200
    assert "Removed “To go”." in response.text
    assert "To go</strong>" not in response.text
    assert [o.id for o in live(session, world)] == [kept.id]
    session.expire_all()
    gone = session.get(Opportunity, made.id)
    assert gone is not None
    assert gone.removed_at is not None
    assert client.get(url(world, f"/{made.id}/edit")).status_code == 404
    assert (
        client.post(url(world, f"/{made.id}/remove"), data=CONFIRMATION, headers=HTMX).status_code
        == 404
    )
    plain = client.post(url(world, f"/{kept.id}/remove"), data={**CONFIRMATION, "csrf_token": CSRF})
    assert plain.status_code == 303
    assert plain.headers["location"] == url(world, "#opportunities")
    removed = [e for e in events(session) if e.verb == "opportunity.removed"]
    assert len(removed) == 2
    assert all(e.visibility == "internal" for e in removed)
    assert removed[0].changes == {"title": ["To go", None], "status": ["open", None]}


def test_an_owner_who_left_can_stay_and_a_dropped_priority_link_shows(
    client: TestClient, session: Session, world: World
) -> None:
    gone = add(session, world, "Dropped by the client")
    made = make(session, world, "Orphan", owner="team", links=[gone.id or 0])
    priorities.remove(session, actor=world.members["sponsor"], priority=gone)
    accounts_service.remove(session, actor=world.admin, membership=world.memberships["team"])
    session.commit()
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world)).text
    row = row_of(page, "Orphan")
    assert "Answers no client priority" in row
    assert "Was linked to “Dropped by the client”, no longer one of the client" in row
    assert world.members["team"].display_name in row
    form = client.get(url(world, f"/{made.id}/edit")).text
    assert "(no longer on this account)" in form
    assert "Saving drops that link." in form
    response = client.post(
        url(world, f"/{made.id}"),
        data=form_data(
            title="Orphan",
            size="100,000",
            days="10",
            owner_id=str(world.members["team"].id),
            version="1",
            csrf_token=CSRF,
        ),
    )
    assert response.status_code == 303
    updated = events(session)[-1]
    assert updated.changes == {"priority_ids": [[gone.id], []]}  # the owner stayed
    # A new opportunity cannot be given to someone who left.
    refused = client.post(
        url(world), data=form_data(owner_id=str(world.members["team"].id)), headers=HTMX
    )
    assert refused.status_code == 422


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------


def routes(opportunity_id: int | None) -> list[tuple[str, str]]:
    return [
        ("GET", ""),
        ("POST", ""),
        ("GET", f"/{opportunity_id}/edit"),
        ("POST", f"/{opportunity_id}"),
        ("POST", f"/{opportunity_id}/remove"),
    ]


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_roles_are_refused_everywhere_and_see_no_trace(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    made = make(session, world, f"Secret {MARKER}", description=MARKER)
    sign_in(client, session, world.members[role])
    for method, tail in routes(made.id):
        response = client.request(method, url(world, tail), data=form_data(), headers=HTMX)
        assert response.status_code == 403, (method, tail)
        assert MARKER not in response.text
        assert response.headers.get("HX-Reswap") == "none"
        assert '<div id="toasts" hx-swap-oob="beforeend">' in response.text
    assert [o.title for o in live(session, world)] == [f"Secret {MARKER}"]
    assert len(events(session)) == 1


def test_the_mentor_reads_but_does_not_write(
    client: TestClient, session: Session, world: World
) -> None:
    made = make(session, world, "A")
    sign_in(client, session, world.members["mentor"])
    assert client.get(url(world)).status_code == 200
    for method, tail in routes(made.id)[1:]:
        assert (
            client.request(method, url(world, tail), data=form_data(), headers=HTMX).status_code
            == 403
        )


def test_other_accounts_opportunities_are_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    theirs = make(session, world, "Theirs", account_id=world.other_account.id)
    foreign = make(session, world, "Foreign", account_id=world.foreign_account.id)
    for person in (world.members["lead"], world.admin):
        sign_in(client, session, person)
        for made in (theirs, foreign):
            for method, tail in routes(made.id)[2:]:
                response = client.request(
                    method, url(world, tail), data=form_data(version="1"), headers=HTMX
                )
                assert response.status_code == 404, (method, tail)
                assert made.title not in response.text
        assert "Theirs" not in client.get(url(world)).text
    sign_in(client, session, world.members["lead"])
    other = f"/accounts/{world.other_account.id}/opportunities"
    assert client.get(other).status_code == 404
    assert client.get(f"{other}/{theirs.id}/edit").status_code == 404
    session.expire_all()
    assert session.get(Opportunity, theirs.id).title == "Theirs"  # type: ignore[union-attr]
    assert len(events(session)) == 2


def test_internal_fields_never_reach_the_client_side(
    client: TestClient, session: Session, world: World
) -> None:
    """A marker in every internal text field (title, description) of an open, a won and a
    removed opportunity linked to a client priority, edited once: the client side's pages
    (the plan, the audit trail, the inbox) never show it, nor an opportunity's id."""
    priority = add(session, world, "Shared priority")
    items = [
        make(
            session,
            world,
            f"{MARKER}-title-{status}",
            description=f"{MARKER}-description-{status}",
            status=status,
            links=[priority.id or 0],
            owner="team",
        )
        for status in ("open", "won", "dropped")
    ]
    sign_in(client, session, world.members["lead"])
    edited = client.post(
        url(world, f"/{items[0].id}"),
        data={
            **CONFIRMATION,
            **form_data(
                title=f"{MARKER}-title-edited",
                description=f"{MARKER}-description-edited",
                priority_ids=[str(priority.id)],
                version="1",
                csrf_token=CSRF,
            ),
        },
    )
    assert edited.status_code == 303
    assert (
        client.post(
            url(world, f"/{items[2].id}/remove"), data=CONFIRMATION, headers=HTMX
        ).status_code
        == 200
    )
    assert MARKER in client.get(f"/accounts/{world.account.id}/audit").text  # vendor sees it
    ids = {str(item.id) for item in items}
    for role in CLIENT_ROLES:
        sign_in(client, session, world.members[role])
        for path in (
            f"/accounts/{world.account.id}/plan",
            f"/accounts/{world.account.id}/audit",
            f"/accounts/{world.account.id}",
            "/inbox",
            "/",
        ):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (role, path)
                assert MARKER not in response.text, (role, path)
                assert "opportunit" not in response.text.lower(), (role, path)
                for found in re.findall(r"opportunit\w*[-/=](\d+)", response.text):
                    assert found not in ids
    assert all(e.visibility == "internal" for e in events(session))
    assert len(events(session)) == 5
    assert session.exec(select(Notification)).all() == []


# --------------------------------------------------------------------------------------------
# Query count
# --------------------------------------------------------------------------------------------


def _bulk(session: Session, world: World, numbers: range, priorities_: list[Priority]) -> None:
    """Opportunities numbered ``numbers``, owned, each linked to two priorities; every fourth
    is won."""
    people = [world.members["lead"].id, world.members["team"].id, None]
    rows = [
        Opportunity(
            account_id=world.account.id,  # type: ignore[arg-type]
            title=f"Bulk {i}",
            size=1_000 * (i + 1),
            days=1 + i % 30,
            need=1 + i % 5,
            status="won" if i % 4 == 0 else "open",
            owner_id=people[i % 3],
        )
        for i in numbers
    ]
    session.add_all(rows)
    session.flush()
    for i, row in zip(numbers, rows, strict=True):
        for priority in (
            priorities_[i % len(priorities_)],
            priorities_[(i + 1) % len(priorities_)],
        ):
            session.add(
                OpportunityPriority(
                    opportunity_id=row.id,  # type: ignore[arg-type]
                    priority_id=priority.id,  # type: ignore[arg-type]
                    account_id=world.account.id,  # type: ignore[arg-type]
                )
            )
    session.commit()


def test_the_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    ranked = [add(session, world, f"Priority {i}") for i in range(5)]
    _bulk(session, world, range(2), ranked)
    sign_in(client, session, world.members["lead"])
    client.get(url(world))
    count_queries.statements.clear()
    small = client.get(url(world))
    assert small.status_code == 200
    few = count_queries.count
    _bulk(session, world, range(2, 200), ranked)
    count_queries.statements.clear()
    large = client.get(url(world))
    assert large.text.count('class="opportunity class-') == 150  # 200, a quarter won
    assert large.text.count('<tr id="opportunity-') == 200
    assert count_queries.count == few, count_queries.statements
    print(f"opportunities page: {few} queries for 2 and for 200 opportunities")
    assert few <= 10


def test_a_size_beyond_32_bits_is_stored(
    client: TestClient, session: Session, world: World
) -> None:
    """Money outgrows 32-bit integers: three billion is a plausible deal (PostgreSQL's
    ``integer`` would refuse it)."""
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world), data=form_data(size="3,000,000,000", csrf_token=CSRF))
    assert response.status_code == 303
    (made,) = live(session, world)
    assert made.size == 3_000_000_000
    assert "3,000,000,000" in client.get(url(world)).text
