"""Perceived value: client contributors rate the relationship 0 to 10 overall and per dimension;
ratings are never edited, each is kept; the plan shows the latest with its change, a trend
chart (accessible SVG) and the history as a table; the account's leads are told."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from app.kit import svg
from app.models import AuditEvent, Notification, OutboxMessage, ValueRating, Workspace
from app.plans import repository as plans_repo
from app.value import chart, service
from app.value.sections import summarise
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
DIMENSIONS = [
    "Understanding of our business",
    "Quality of delivery",
    "Responsiveness",
    "Insight and innovation",
    "Value for money",
]


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def rating_form(overall: str, scores: dict[str, str] | None = None, comment: str = "") -> dict:
    """What the browser sends: the dimension names and their scores as pairs, in order."""
    scores = scores or {}
    return {
        "overall": overall,
        "comment": comment,
        "dimension": DIMENSIONS,
        "score": [scores.get(name, "") for name in DIMENSIONS],
    }


def rate(session: Session, world: World, overall: int, days_ago: int = 0, **scores: int) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    rating = service.rate(
        session,
        actor=world.members["sponsor"],
        account=world.account,
        plan=plan,
        overall=overall,
        scores={DIMENSIONS[int(k[1:])]: v for k, v in scores.items()},
        comment="",
    )
    rating.rated_at = datetime.now(UTC) - timedelta(days=days_ago)
    session.add(rating)
    session.commit()


def ratings(session: Session) -> list[ValueRating]:
    session.expire_all()
    return list(
        session.exec(
            select(ValueRating).order_by(col(ValueRating.rated_at), col(ValueRating.id))
        ).all()
    )


def test_a_plan_of_another_account_is_refused_and_nothing_is_written(
    session: Session, world: World
) -> None:
    elsewhere = plans_repo.current(session, account_id=world.other_account.id)  # type: ignore[arg-type]
    assert elsewhere is not None
    with pytest.raises(service.NotThisAccount):
        service.rate(
            session,
            actor=world.members["sponsor"],
            account=world.account,
            plan=elsewhere,
            overall=7,
            scores={},
            comment="",
        )
    assert ratings(session) == []
    assert session.exec(select(AuditEvent).where(AuditEvent.verb == "value.rated")).all() == []


@pytest.mark.parametrize("role", ["sponsor", "member"])
def test_client_contributors_rate_the_relationship_and_the_lead_is_told(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    sign_in(client, session, world.members[role])
    response = client.post(
        url(world, "/ratings"),
        data=rating_form("7", {"Responsiveness": "9"}, comment="Quick answers"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="value"' in response.text
    assert "<html" not in response.text
    assert "your rating of 7 out of 10 is saved" in response.text
    (saved,) = ratings(session)
    assert (saved.overall, saved.scores, saved.comment) == (
        7,
        {"Responsiveness": 9},
        "Quick answers",
    )
    assert saved.rated_by_id == world.members[role].id
    (event,) = session.exec(select(AuditEvent).where(AuditEvent.verb == "value.rated")).all()
    assert event.visibility == "shared"
    assert event.item_type == "value_rating"
    assert event.changes == {
        "overall": [None, 7],
        "scores": [None, {"Responsiveness": 9}],
        "comment": [None, "Quick answers"],
    }
    notes = session.exec(select(Notification).where(Notification.kind == "value.rated")).all()
    assert [n.user_id for n in notes] == [world.members["lead"].id]  # the lead only
    assert notes[0].message == (
        f"{world.members[role].display_name} rated the value of working together on "
        f"{world.account.name}: 7 out of 10."
    )
    assert notes[0].link == url(world, "/plan#value")
    assert session.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == world.members["lead"].email)
    ).first()


def test_without_javascript_rating_redirects_back_to_the_section(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    response = client.post(url(world, "/ratings"), data=rating_form("8") | {"csrf_token": CSRF})
    assert response.status_code == 303
    assert response.headers["location"] == url(world, "/plan#value")
    assert "your rating of 8 out of 10 is saved" in client.get(url(world, "/plan")).text


def test_ratings_are_kept_and_the_latest_shows_its_change_and_the_trend(
    client: TestClient, session: Session, world: World
) -> None:
    rate(session, world, 5, days_ago=90, d0=6, d2=4)
    sign_in(client, session, world.members["member"])
    one = client.get(url(world, "/plan")).text
    assert "The trend appears here after the second rating." in one
    assert "<svg viewBox" not in one
    client.post(url(world, "/ratings"), data=rating_form("7", {DIMENSIONS[0]: "5"}), headers=HTMX)
    assert [r.overall for r in ratings(session)] == [5, 7]  # nothing overwritten
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    value = page[page.index('id="value"') :]
    assert '<span class="value-number">7</span>' in value
    assert "up 2" in value  # overall 5 -> 7
    assert "down 1" in value  # understanding 6 -> 5
    assert "not rated" in value
    assert 'role="img"' in value
    assert '<title id="value-chart-title">' in value
    assert "from 5 out of 10" in value  # the <desc>
    assert "to 7 on" in value
    assert 'aria-describedby="value-chart-desc"' in value
    assert "All 2 ratings as a table" in value
    assert value.count("<tr>") == 3  # head + 2 ratings
    assert "Rate the relationship" not in value  # the vendor does not rate


def test_bad_input_is_answered_at_the_field_with_what_was_typed_kept(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    missing = client.post(
        url(world, "/ratings"),
        data=rating_form("", {"Quality of delivery": "6"}, comment="Mostly good"),
        headers=HTMX,
    )
    assert missing.status_code == 422
    assert "Choose an overall rating from 0 to 10." in missing.text
    assert "Mostly good" in missing.text
    assert '<option value="6" selected>' in missing.text
    for overall in ("11", "-1", "seven", "07x", "²", "9" * 40):
        response = client.post(
            url(world, "/ratings"), data=rating_form(overall, comment="Kept 7421"), headers=HTMX
        )
        assert response.status_code == 422, overall
        assert "Choose an overall rating from 0 to 10." in response.text, overall
        assert "Kept 7421" in response.text, overall
    bad_score = client.post(
        url(world, "/ratings"), data=rating_form("5", {"Responsiveness": "12"}), headers=HTMX
    )
    assert bad_score.status_code == 422
    assert "Choose a score from 0 to 10, or leave it unrated." in bad_score.text
    long_comment = client.post(
        url(world, "/ratings"), data=rating_form("5", comment="x" * 4001), headers=HTMX
    )
    assert long_comment.status_code == 422
    no_js = client.post(
        url(world, "/ratings"), data=rating_form("", comment="Typed") | {"csrf_token": CSRF}
    )
    assert no_js.status_code == 422
    assert "<html" in no_js.text
    assert "Typed" in no_js.text
    assert ratings(session) == []


def test_the_form_asks_about_the_workspaces_dimensions_and_refuses_outdated_ones(
    client: TestClient, session: Session, world: World
) -> None:
    workspace = session.get(Workspace, world.workspace.id)
    assert workspace is not None
    workspace.value_dimensions = ["Speed", "Candour"]
    session.add(workspace)
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert '<input type="hidden" name="dimension" value="Candour">' in page
    assert "Value for money" not in page
    outdated = client.post(url(world, "/ratings"), data=rating_form("6"), headers=HTMX)
    assert outdated.status_code == 422
    assert "The dimensions to rate changed while you were rating." in outdated.text
    current = client.post(
        url(world, "/ratings"),
        data={"overall": "6", "dimension": ["Speed", "Candour"], "score": ["", "8"]},
        headers=HTMX,
    )
    assert current.status_code == 200
    assert [r.scores for r in ratings(session)] == [{"Candour": 8}]


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "viewer"])
def test_nobody_else_rates(client: TestClient, session: Session, world: World, role: str) -> None:
    sign_in(client, session, world.members[role])
    assert (
        client.post(url(world, "/ratings"), data=rating_form("9"), headers=HTMX).status_code == 403
    )
    assert ratings(session) == []
    assert "Save rating" not in client.get(url(world, "/plan")).text


def test_empty_states_for_both_sides(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    assert "The client has not rated the relationship yet." in client.get(url(world, "/plan")).text
    sign_in(client, session, world.members["viewer"])
    assert (
        "Your organisation has not rated the relationship yet."
        in client.get(url(world, "/plan")).text
    )
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert "Nobody has rated the relationship yet." in page
    assert "Save rating" in page


def test_the_plan_page_loads_the_ratings_in_one_query_whatever_their_number(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    rate(session, world, 6, days_ago=400)
    sign_in(client, session, world.members["sponsor"])
    client.get(url(world, "/plan"))  # warm up (session touch, caches)
    count_queries.statements.clear()
    assert client.get(url(world, "/plan")).status_code == 200
    few = count_queries.count
    # One statement loads the ratings' rows (the page's first statement also reads, as a column,
    # when the account was last rated: the summary's "a rating is due").
    assert sum(s.lstrip().startswith("SELECT value_rating.") for s in count_queries.statements) == 1
    assert not any("FROM workspace" in s for s in count_queries.statements[1:])
    for i in range(40):
        rate(session, world, i % 11, days_ago=399 - i, d0=i % 11, d1=(i + 3) % 11)
    count_queries.statements.clear()
    page = client.get(url(world, "/plan"))
    assert page.text.count('<td data-label="Overall">') == 41
    assert count_queries.count == few
    assert few <= 10


# The chart's geometry ---------------------------------------------------------------------


def test_points_are_placed_by_date_and_scaled_from_0_at_the_bottom_to_10_at_the_top() -> None:
    f = chart.FRAME
    assert chart.x_positions([]) == []
    assert chart.x_positions([chart.Rated(at(3), 5, {})]) == [(f.left + f.right) / 2]
    days = [1, 2, 11, 21, 31]
    xs = chart.x_positions([chart.Rated(at(d), 5, {}) for d in days])
    assert xs[0] == f.left
    assert xs[-1] == f.right
    # By date, not evenly: the 11th is a third of the way, the 21st two thirds ...
    assert xs[2] == pytest.approx(f.left + (f.right - f.left) / 3, abs=0.1)
    assert xs[3] == pytest.approx(f.left + (f.right - f.left) * 2 / 3, abs=0.1)
    # ... and two ratings a day apart sit a day apart: a thirtieth of the plot, no more.
    assert xs[1] - xs[0] == pytest.approx((f.right - f.left) / 30, abs=0.1)
    assert chart.y_of(0) == f.bottom
    assert chart.y_of(10) == f.top
    assert chart.y_of(5) == (f.top + f.bottom) / 2
    assert chart.y_of(15) == f.top  # clamped


@pytest.mark.parametrize("count", [2, 5, 6, 10, 40])
def test_date_labels_keep_first_and_last_and_never_overlap(count: int) -> None:
    rated = [
        chart.Rated(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i), 5, {})
        for i in range(count)
    ]
    labels = chart.build(rated, []).x_labels
    f = chart.FRAME
    assert labels[0].text == "1 Jan 2026"
    assert labels[-1].text == chart.day(rated[-1].at)
    spans = [svg.extent(label, f.font) for label in labels]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert spans[0][0] >= f.left
    assert spans[-1][1] <= f.right
    assert min(count, 3) <= len(labels) <= 4  # no more than four 11-character dates fit


def test_a_dimension_left_unrated_breaks_its_line() -> None:
    rated = [
        chart.Rated(at(1), 5, {"Care": 4}),
        chart.Rated(at(2), 6, {}),
        chart.Rated(at(3), 7, {"Care": 5}),
        chart.Rated(at(4), 8, {"Care": 6}),
    ]
    (care,) = chart.build(rated, ["Care"]).dimensions
    a, _, c, d = chart.x_positions(rated)
    y = chart.y_of
    assert care.path == f"M{a:g} {y(4):g} M{c:g} {y(5):g} L{d:g} {y(6):g}"


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_the_chart_describes_itself_and_draws_dimensions_rated_twice() -> None:
    rated = [
        chart.Rated(at(3), 4, {"Speed": 5, "Care": 7}),
        chart.Rated(at(10), 8, {"Speed": 6}),
        chart.Rated(at(20), 6, {"Speed": 9, "Care": 8}),
    ]
    drawn = chart.build(rated, ["Speed", "Care", "Never rated"])
    assert drawn.description == (
        "Overall rating across 3 ratings, from 4 out of 10 on 3 Jan 2026 to 6 on "
        "20 Jan 2026; lowest 4, highest 8."
    )
    assert [p.value for p in drawn.overall.points] == [4, 8, 6]
    assert [s.name for s in drawn.dimensions] == ["Speed", "Care"]
    care = drawn.dimensions[1]
    assert care.path.count("M") == 2  # a gap where it was not rated
    assert [t.value for t in drawn.ticks] == [0, 2, 4, 6, 8, 10]
    assert [label.anchor for label in drawn.x_labels] == ["start", "middle", "end"]
    assert all(p.show_value for p in drawn.overall.points)  # three values, far apart
    too_many = [f"D{i}" for i in range(chart.MAX_DIMENSION_LINES + 1)]
    crowded = [chart.Rated(at(1), 5, dict.fromkeys(too_many, 5))] * 2
    assert chart.build(crowded, too_many).dimensions == ()


def test_the_latest_rating_is_compared_with_the_one_before() -> None:
    first = ValueRating(account_id=1, plan_id=1, overall=6, scores={"Speed": 7, "Old": 3})
    second = ValueRating(account_id=1, plan_id=1, overall=4, scores={"Speed": 9, "Old": 3})
    assert summarise([], ["Speed"]) is None
    only = summarise([first], ["Speed", "Care"])
    assert only is not None
    assert only.change is None
    assert [(d.name, d.score, d.change) for d in only.dimensions] == [
        ("Speed", 7, None),
        ("Care", None, None),
        ("Old", 3, None),
    ]
    latest = summarise([first, second], ["Speed", "Care"])
    assert latest is not None
    assert latest.change == -2
    assert [(d.name, d.score, d.change) for d in latest.dimensions] == [
        ("Speed", 9, 2),
        ("Care", None, None),
        ("Old", 3, 0),
    ]


def test_the_chart_dates_ratings_where_the_reader_lives(
    client: TestClient, session: Session, world: World
) -> None:
    """20:00 UTC on 14 and 15 January is already the 15th and the 16th in Tokyo."""
    rate(session, world, 6)
    rate(session, world, 8)
    for rating, day in zip(ratings(session), (14, 15), strict=True):
        rating.rated_at = datetime(2027, 1, day, 20, 0, tzinfo=UTC)
        session.add(rating)
    reader = world.members["lead"]
    reader.time_zone = "Asia/Tokyo"
    session.add(reader)
    session.commit()
    sign_in(client, session, reader)
    page = client.get(url(world, "/plan")).text
    described = page.split('id="value-chart-desc"', 1)[1].split("</desc>", 1)[0]
    assert "15 Jan 2027" in described
    assert "16 Jan 2027" in described
    assert "14 Jan 2027" not in described


# The value expected in the future ---------------------------------------------------------


def test_a_client_rates_today_and_the_future_and_both_show_with_the_room_for_the_vendor_only(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    form = rating_form("6", {DIMENSIONS[0]: "5"}) | {
        "future_overall": "9",
        "future_score": ["8"] + [""] * (len(DIMENSIONS) - 1),
    }
    assert client.post(url(world, "/ratings"), data=form, headers=HTMX).status_code == 200
    [rating] = ratings(session)
    assert (rating.overall, rating.future_overall) == (6, 9)
    assert (rating.scores, rating.future_scores) == ({DIMENSIONS[0]: 5}, {DIMENSIONS[0]: 8})
    [event] = session.exec(select(AuditEvent).where(AuditEvent.verb == "value.rated")).all()
    assert event.changes["future_overall"] == [None, 9]
    assert event.changes["future_scores"] == [None, {DIMENSIONS[0]: 8}]
    lead_news = session.exec(
        select(Notification).where(Notification.user_id == world.members["lead"].id)
    ).all()
    assert any("6 out of 10; they expect 9" in n.message for n in lead_news)

    page = client.get(url(world, "/plan")).text
    assert "Expected in the future" in page
    assert '<span class="value-number">9</span>' in page
    assert "expected 8" in page
    assert "You expect <strong>9</strong> out of 10 in the future." in page  # the summary
    assert "room the client believes" not in page.lower()  # the vendor's framing only

    sign_in(client, session, world.members["lead"])
    plan = client.get(url(world, "/plan")).text
    assert "The room the client believes there is: 3 more to come" in plan
    perception = client.get(url(world, "/perception")).text
    room = perception.split('id="room"')[1].split("</section>")[0]
    assert '<td data-label="Room">3 more to come</td>' in room
    assert '<td data-label="Room">3 more to come</td>' in room.split(DIMENSIONS[0])[1]


def test_an_expected_value_is_optional_and_checked(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["member"])
    expected_scores_alone = rating_form("6") | {
        "future_score": ["8"] + [""] * (len(DIMENSIONS) - 1)
    }
    refused = client.post(url(world, "/ratings"), data=expected_scores_alone, headers=HTMX)
    assert refused.status_code == 422
    assert "Choose the overall value you expect too" in refused.text
    bad = client.post(
        url(world, "/ratings"), data=rating_form("6") | {"future_overall": "12"}, headers=HTMX
    )
    assert bad.status_code == 422
    assert "Choose the value you expect from 0 to 10" in bad.text
    assert 'value="6" checked' in bad.text  # what was typed comes back
    assert ratings(session) == []
    # A form that does not ask for the future (an older page, the API without it) still rates.
    assert (
        client.post(url(world, "/ratings"), data=rating_form("7"), headers=HTMX).status_code == 200
    )
    [rating] = ratings(session)
    assert (rating.future_overall, rating.future_scores) == (None, {})
    sign_in(client, session, world.members["lead"])
    perception = client.get(url(world, "/perception")).text
    assert "does not say what value it expects" in perception


def test_the_chart_draws_the_expected_value_beside_todays_with_a_legend_in_words() -> None:
    days = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=30 * i) for i in range(3)]
    rated = [
        chart.Rated(days[0], 5, {}, 8),
        chart.Rated(days[1], 6, {}, None),  # this rating did not say: the line breaks
        chart.Rated(days[2], 7, {}, 9),
    ]
    built = chart.build(rated, [])
    assert built.future is not None
    assert [p.value for p in built.future.points] == [8, 9]
    assert built.future.path.count("M") == 2  # two pieces: the gap where it was not said
    assert built.future.points[-1].show_value
    assert "expected in the future: 9 out of 10" in built.description
    assert chart.build(rated[1:2] * 2, []).future is None


def test_the_plan_page_draws_both_trends_with_a_legend_readable_without_colour(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    for days_ago, today, future in ((60, 5, 8), (0, 7, 9)):
        rating = service.rate(
            session,
            actor=world.members["sponsor"],
            account=world.account,
            plan=plan,
            overall=today,
            scores={},
            comment="",
            future_overall=future,
        )
        rating.rated_at = datetime.now(UTC) - timedelta(days=days_ago)
        session.add(rating)
    session.commit()
    sign_in(client, session, world.members["viewer"])
    page = client.get(url(world, "/plan")).text
    figure = page.split('<figure class="value-chart">')[1].split("</figure>")[0]
    assert "Overall today (solid line, dots)" in figure
    assert "Overall expected in the future (dashed line, squares)" in figure
    assert figure.count('<rect class="chart-paper" x=') == 3  # 2 points, 1 in the legend
    assert "expected in the future: 9 out of 10" in figure  # the description says it too
    assert page.count('<td data-label="Expected">') == 2
