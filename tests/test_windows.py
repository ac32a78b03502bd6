"""Long lists a page at a time (app/kit/window.py): the plan page renders the first page of open
actions, "Show more" brings the next page alone, ``?actions=all`` all of them without
JavaScript, and an answer to a change always shows the action it was about."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.initiatives import service as initiatives_service
from app.kit.window import PAGE, Window
from app.models import Action, Initiative, InitiativeStatus
from app.periods import service as periods
from app.periods.schemas import NextPeriod
from app.plans import repository as plans_repo
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.test_actions import HTMX, TODAY, add, url
from tests.test_initiatives import draft, proposed
from tests.testclient import TestClient

ROW = re.compile(r'<li class="action[ "][^>]*id="action-(\d+)"')


def rows(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


def close_period(session: Session, world: World) -> int:
    """Start the next period: the current plan becomes a closed one, whose id this returns."""
    old = plans_repo.current(session, account_id=world.account.id)
    assert old is not None
    assert old.id is not None
    periods.start_next(
        session,
        actor=world.members["lead"],
        current=old,
        values=NextPeriod("FY2099", date(2099, 1, 1), date(2099, 12, 31), old.id, frozenset()),
    )
    session.commit()
    return old.id


def many(session: Session, world: World, count: int) -> list[Action]:
    """``count`` open actions due one day apart: the list's order is theirs."""
    return [
        add(session, world, f"Step {i:02}", due=TODAY + timedelta(days=i + 1)) for i in range(count)
    ]


# --- the window itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "start", "size"),
    [
        ({}, 0, PAGE),
        ({"actions": "all"}, 0, None),
        ({"actions_from": "40"}, 40, PAGE),
        ({"actions_from": "-3"}, 0, PAGE),
        ({"actions_from": "x"}, 0, PAGE),
        ({"actions_from": "99999999999"}, 0, PAGE),
        ({"actions_from": "\u00b2"}, 0, PAGE),
        ({"actions_upto": "\u0661\u0662"}, 0, PAGE),
        ({"other_from": "40"}, 0, PAGE),
        ({"actions_upto": "57"}, 0, 57),
        ({"actions_upto": "3"}, 0, PAGE),
        ({"actions_upto": "x"}, 0, PAGE),
    ],
)
def test_a_window_is_read_from_the_query_string_and_ignores_nonsense(
    query: dict[str, str], start: int, size: int | None
) -> None:
    window = Window.of("actions", query)
    assert (window.start, window.size) == (start, size)


def test_a_window_slices_and_widens_to_the_row_it_must_reveal() -> None:
    numbers = list(range(50))
    first = Window("n").slice(numbers)
    assert (first.rows, first.end, first.rest) == (list(range(PAGE)), PAGE, 50 - PAGE)
    assert first.more_query() == f"n_from={PAGE}"
    assert first.all_query() == "n=all"
    later = Window("n", 40).slice(numbers)
    assert (later.rows, later.rest, later.next_size) == (list(range(40, 50)), 0, 0)
    widened = Window("n").slice(numbers, lambda n: n == 33)
    assert widened.rows == list(range(34))
    assert widened.rest == 16
    assert Window("n", 0, None).slice(numbers).rows == numbers
    assert Window("n", 80).slice(numbers).rows == []


# --- the plan page -----------------------------------------------------------------------------


def test_the_plan_shows_the_first_page_of_open_actions_and_a_way_to_the_rest(
    client: TestClient, session: Session, world: World
) -> None:
    actions = many(session, world, PAGE + 7)
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert rows(page) == [a.id for a in actions[:PAGE]]
    assert "Show 7 more" in page
    assert "(7 open actions not shown)" in page
    section = url(world, "/plan/sections/actions")
    assert f'hx-get="{section}?actions_from={PAGE}"' in page
    assert f'href="{url(world, "/plan")}?actions=all#actions"' in page
    every = client.get(url(world, "/plan?actions=all")).text
    assert rows(every) == [a.id for a in actions]
    assert "Show 7 more" not in every


def test_show_more_brings_the_next_page_in_place_of_its_button(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    actions = many(session, world, 2 * PAGE + 3)
    sign_in(client, session, world.members["lead"])
    section = url(world, "/plan/sections/actions")
    client.get(f"{section}?actions_from={PAGE}", headers=HTMX)
    count_queries.statements.clear()
    second = client.get(f"{section}?actions_from={PAGE}", headers=HTMX)
    assert second.status_code == 200
    assert rows(second.text) == [a.id for a in actions[PAGE : 2 * PAGE]]
    assert f"?actions_from={2 * PAGE}" in second.text
    assert "Show 3 more" in second.text
    # The first row of the page takes the keyboard once swapped in (static/app.js).
    assert f'data-focus="action-{actions[PAGE].id}"' in second.text
    queries = count_queries.count
    last = client.get(f"{section}?actions_from={2 * PAGE}", headers=HTMX).text
    assert rows(last) == [a.id for a in actions[2 * PAGE :]]
    assert "Show " not in last.split('id="actions-open-list"')[1].split("</ul>")[0]
    first = client.get(url(world, "/plan")).text
    assert "data-focus" not in first.split('id="actions-open-list"')[1].split("</ul>")[0]
    assert queries <= 10


def test_a_short_list_has_no_show_more(client: TestClient, session: Session, world: World) -> None:
    many(session, world, PAGE)
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert len(rows(page)) == PAGE
    assert "actions_from=" not in page
    assert 'class="list-more"' not in page


def test_an_action_added_beyond_the_first_page_is_in_the_answer(
    client: TestClient, session: Session, world: World
) -> None:
    many(session, world, PAGE + 5)
    sign_in(client, session, world.members["lead"])
    due = (TODAY + timedelta(days=400)).isoformat()
    sent = {"title": "Much later", "due_on": due, "status": "not_started"}
    answer = client.post(url(world, "/actions"), data=sent, headers=HTMX)
    assert answer.status_code == 200
    shown = rows(answer.text)
    assert len(shown) == PAGE + 6  # every row down to the new one, the last
    assert "Much later" in answer.text


def test_a_status_change_beyond_the_first_page_answers_with_that_action(
    client: TestClient, session: Session, world: World
) -> None:
    actions = many(session, world, PAGE + 10)
    target = actions[PAGE + 4]
    sign_in(client, session, world.members["sponsor"])
    answer = client.post(
        url(world, f"/actions/{target.id}/status"),
        data={"status": "blocked", "version": str(target.version)},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert rows(answer.text)[-1] == target.id
    assert f'data-focus="action-status-{target.id}"' in answer.text
    stale = client.post(
        url(world, f"/actions/{target.id}/status"),
        data={"status": "done", "version": str(target.version)},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert target.id in rows(stale.text)


def test_a_closed_period_links_its_whole_list_without_a_fragment(
    client: TestClient, session: Session, world: World
) -> None:
    """The section route serves the current plan only: a closed period's page loads them all."""
    actions = many(session, world, PAGE + 2)
    old = close_period(session, world)
    sign_in(client, session, world.members["lead"])
    period = url(world, f"/plans/{old}")
    page = client.get(period).text
    assert rows(page) == [a.id for a in actions[:PAGE]]
    more = page.split('id="actions-open-list-more"')[1].split("</li>")[0]
    assert f'href="{period}?actions=all#actions"' in more
    assert "hx-get" not in more
    assert rows(client.get(f"{period}?actions=all").text) == [a.id for a in actions]


# --- initiatives, a page per group --------------------------------------------------------------

INITIATIVE = re.compile(r'<li class="initiative" id="initiative-(\d+)"')


def initiative_rows(html: str, status: str) -> list[int]:
    """The initiatives rendered in the group ``status``."""
    group = html.split(f'id="initiatives-{status}"')[1].split("</ul>")[0]
    return [int(found) for found in INITIATIVE.findall(group)]


def test_each_initiative_group_shows_a_page_and_brings_the_next_one_on_demand(
    client: TestClient, session: Session, world: World
) -> None:
    made = [proposed(session, world, f"Offer {i:02}") for i in range(PAGE + 3)]
    drafts = [draft(session, world, f"Idea {i:02}") for i in range(2)]
    sign_in(client, session, world.members["sponsor"])
    page = client.get(url(world, "/plan")).text
    assert initiative_rows(page, "proposed") == [i.id for i in made[:PAGE]]
    assert "Show 3 more" in page
    assert 'id="initiatives-draft"' not in page  # a client never gets the drafts' group
    section = url(world, "/plan/sections/initiatives")
    more = client.get(f"{section}?initiatives_proposed_from={PAGE}", headers=HTMX).text
    assert initiative_rows(more, "proposed") == [i.id for i in made[PAGE:]]
    assert f'data-focus="initiative-{made[PAGE].id}"' in more
    every = client.get(url(world, "/plan?initiatives_proposed=all")).text
    assert initiative_rows(every, "proposed") == [i.id for i in made]
    sign_in(client, session, world.members["lead"])
    assert initiative_rows(client.get(url(world, "/plan")).text, "draft") == [i.id for i in drafts]


def test_an_answer_to_an_initiative_beyond_the_first_page_shows_it(
    client: TestClient, session: Session, world: World
) -> None:
    made = [proposed(session, world, f"Offer {i:02}") for i in range(PAGE + 4)]
    last = made[-1]
    sign_in(client, session, world.members["sponsor"])
    # Declining needs a reason: the refusal shows the form of that initiative, with the error.
    refused = client.post(
        url(world, f"/initiatives/{last.id}/answer"),
        data={"decision": "decline", "reason": "", "version": str(last.version)},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert last.id in initiative_rows(refused.text, "proposed")
    assert f'id="answer-reason-{last.id}"' in refused.text
    # Answered, it moves to its new group and the answer shows it there.
    for other in made[:PAGE]:
        client.post(
            url(world, f"/initiatives/{other.id}/answer"),
            data={"decision": "accept", "reason": "", "version": str(other.version)},
            headers=HTMX,
        )
    accepted = client.post(
        url(world, f"/initiatives/{last.id}/answer"),
        data={"decision": "accept", "reason": "", "version": str(last.version)},
        headers=HTMX,
    )
    assert accepted.status_code == 200
    assert initiative_rows(accepted.text, "accepted")[-1] == last.id
    assert len(initiative_rows(accepted.text, "accepted")) == PAGE + 1


# --- parked and declined initiatives, on demand --------------------------------------------------


def answered(session: Session, world: World, title: str, status: InitiativeStatus) -> Initiative:
    """A proposal the client answered with ``status``."""
    made = proposed(session, world, title)
    initiatives_service.answer(
        session,
        actor=world.members["sponsor"],
        initiative=made,
        status=status,
        reason="Not this year",
        expected_version=made.version,
    )
    session.commit()
    return made


def test_parked_and_declined_initiatives_come_folded_and_their_rows_on_demand(
    client: TestClient, session: Session, world: World
) -> None:
    offer = proposed(session, world, "Open offer")
    parked = [answered(session, world, f"Parked {i}", InitiativeStatus.PARKED) for i in range(2)]
    declined = answered(session, world, "Declined one", InitiativeStatus.DECLINED)
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/plan")).text
    assert initiative_rows(page, "proposed") == [offer.id]
    for made in [*parked, declined]:
        assert f'id="initiative-{made.id}"' not in page
    group = page.split('id="initiatives-parked-group"')[1].split("</details>")[0]
    assert group.startswith(">")  # closed: no ``open``
    assert 'Parked <span class="muted">(2)</span>' in group
    section = url(world, "/plan/sections/initiatives")
    assert f'hx-get="{section}?initiatives_parked_upto=0"' in group
    assert 'hx-trigger="toggle from:closest details once"' in group
    # Without JavaScript the link loads the page with the whole list, the group open.
    assert f'href="{url(world, "/plan")}?initiatives_parked=all#initiatives-parked-group"' in group
    every = client.get(url(world, "/plan?initiatives_parked=all")).text
    assert initiative_rows(every, "parked") == [made.id for made in parked]
    assert 'id="initiatives-parked-group" open' in every
    assert f'id="initiative-{declined.id}"' not in every
    # Opening the group asks the section for its first page; a live update that keeps the
    # rows the person opened (``_upto``) brings them again, and the other group stays folded.
    for query in ("initiatives_parked_upto=0", "initiatives_parked_upto=2"):
        fetched = client.get(f"{section}?{query}", headers=HTMX).text
        assert initiative_rows(fetched, "parked") == [made.id for made in parked]
        assert f'id="initiative-{declined.id}"' not in fetched
    assert initiative_rows(
        client.get(url(world, "/plan?initiatives_declined=all")).text, "declined"
    ) == [declined.id]


def test_an_answer_that_parks_an_initiative_shows_it_in_its_group_open(
    client: TestClient, session: Session, world: World
) -> None:
    answered(session, world, "Parked before", InitiativeStatus.PARKED)
    offer = proposed(session, world, "To park")
    sign_in(client, session, world.members["sponsor"])
    answer = client.post(
        url(world, f"/initiatives/{offer.id}/answer"),
        data={"decision": "park", "reason": "After the merger", "version": str(offer.version)},
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert 'id="initiatives-parked-group" open' in answer.text
    assert offer.id in initiative_rows(answer.text, "parked")
    # The page as loaded afterwards folds the group again.
    page = client.get(url(world, "/plan")).text
    assert f'id="initiative-{offer.id}"' not in page


def test_a_closed_period_shows_its_parked_initiatives_with_the_others(
    client: TestClient, session: Session, world: World
) -> None:
    parked = answered(session, world, "Parked then", InitiativeStatus.PARKED)
    old = close_period(session, world)
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, f"/plans/{old}")).text
    assert initiative_rows(page, "parked") == [parked.id]
    assert 'id="initiatives-parked-group"' not in page  # a plain group, no disclosure
