"""Focus metrics (DESIGN.md §3.9): pure functions, then the figures on the plan page."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session

from app.initiatives import service as initiatives
from app.initiatives.repository import InitiativeView
from app.initiatives.schemas import InitiativeValues
from app.models import Action, Initiative, InitiativeStatus, Plan, Priority, PriorityStatus
from app.plans import metrics, page
from app.plans import repository as plans_repo
from app.plans.metrics import Figure, LinkedInitiative
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from tests.factories import World, sign_in
from tests.testclient import TestClient

P, A, D, X = "proposed", "accepted", "declined", "parked"
RANKS = {10: 1, 20: 2, 30: 3, 40: 4}  # priority id -> rank, n = 4


def initiative(status: str, *links: int) -> LinkedInitiative:
    return LinkedInitiative(status, list(links))


@dataclass
class Linked:
    """An action as ``metrics.LinkedAction`` reads it."""

    status: str
    priority_id: int | None = None
    initiative_id: int | None = None


def action(status: str, priority_id: int | None = None, initiative_id: int | None = None) -> Any:
    return Linked(status, priority_id, initiative_id)


# -- client-focus index ------------------------------------------------------------------------


def test_an_initiative_answering_the_top_priority_scores_one_and_an_unlinked_one_zero() -> None:
    assert metrics.client_focus_index([initiative(P, 10)], RANKS).value == 1.0
    assert metrics.client_focus_index([initiative(P)], RANKS).value == 0.0


def test_the_score_follows_the_best_linked_rank_and_the_index_is_the_mean() -> None:
    # (4 + 1 - 3) / 4 = 0.5 for rank 3 (best of 3 and 4); 0.25 for rank 4; 0 unlinked.
    figure = metrics.client_focus_index(
        [initiative(A, 40, 30), initiative(D, 40), initiative(X)], RANKS
    )
    assert figure.value == pytest.approx((0.5 + 0.25 + 0) / 3)
    assert figure.percent == "25%"
    assert figure.basis == "2 of 3 shared initiatives answer a client priority"


def test_drafts_do_not_count_and_links_to_unranked_priorities_score_nothing() -> None:
    figure = metrics.client_focus_index(
        [initiative("draft", 10), initiative(P, 99), initiative(P, 20)], RANKS
    )
    assert figure.value == pytest.approx((0 + 0.75) / 2)


def test_nothing_to_measure_shows_a_dash() -> None:
    assert metrics.client_focus_index([initiative("draft", 10)], RANKS).percent == "—"
    assert metrics.client_focus_index([], RANKS).value is None
    assert metrics.client_focus_index([initiative(P)], {}).value is None


# -- coverage ----------------------------------------------------------------------------------


def test_coverage_counts_top_priorities_addressed_by_accepted_initiatives_or_open_actions() -> None:
    top = [10, 20, 30, 40]
    found = {
        1: initiative(A, 10),
        2: initiative(P, 20),  # proposed only: does not cover
        3: initiative(A, 30),
    }
    figure = metrics.coverage(
        top,
        found,
        [
            action("in_progress", priority_id=40),
            action("done", priority_id=20),  # done: no longer addresses anything
            action("not_started", initiative_id=2),  # through a non-accepted initiative: no
        ],
    )
    assert figure.value == 0.75
    assert figure.basis == "3 of 4 top priorities"


def test_an_open_action_on_an_accepted_initiative_covers_its_priorities() -> None:
    found = {7: initiative(A, 20)}
    figure = metrics.coverage([10, 20], found, [action("blocked", initiative_id=7)])
    assert figure.value == 0.5
    none = metrics.coverage([10], {}, [action("cancelled", priority_id=10)])
    assert (none.value, none.percent) == (0.0, "0%")


def test_coverage_without_priorities_shows_a_dash() -> None:
    assert metrics.coverage([], {}, []).percent == "—"


# -- validation --------------------------------------------------------------------------------


def test_validation_is_the_share_of_the_list_the_client_stated() -> None:
    figure = metrics.validation(3, 1)
    assert figure.value == 0.75
    assert (
        figure.basis
        == "3 of 4 priorities stated by the client (1 vendor suggestion waiting for an answer)"
    )
    assert metrics.validation(1, 0).basis == "1 of 1 priority stated by the client"
    assert metrics.validation(0, 0).value is None


def test_validation_counts_the_profile_sections_and_people_the_client_confirmed() -> None:
    """Sections and people sent for validation count: confirmed ones for, the others (waiting
    or corrected) against; the figure says what it counts."""
    figure = metrics.validation(3, 1, sections=(2, 3), people=(1, 4))
    assert (figure.part, figure.whole) == (6, 11)
    assert figure.value == 6 / 11
    assert figure.basis == (
        "3 of 4 priorities stated by the client (1 vendor suggestion waiting for an answer); "
        "2 of 3 profile sections confirmed; 1 of 4 people of the map confirmed"
    )
    only_people = metrics.validation(0, 0, people=(1, 1))
    assert (only_people.value, only_people.basis) == (1.0, "1 of 1 person of the map confirmed")


def test_a_closed_periods_validation_counts_its_own_priorities_only() -> None:
    """The profile and the map are the account's as they are today, not what a closed period
    rested on: its figure leaves them out, and says so."""
    figure = metrics.validation(3, 1, sections=(2, 3), people=(1, 4), closed=True)
    assert (figure.part, figure.whole, figure.value) == (3, 4, 0.75)
    assert figure.basis == (
        "3 of 4 priorities stated by the client (1 vendor suggestion waiting for an answer); "
        "the profile and the map count in the current period only"
    )
    nothing = metrics.validation(0, 0, people=(1, 1), closed=True)
    assert nothing.value is None
    assert nothing.basis == (
        "no priority stated or suggested; the profile and the map count in the current period only"
    )
    confirmed = {"sections": (2, 3), "people": (1, 4)}
    context: dict[str, Any] = {"priorities": [(_priority(1, 1), None)], "confirmations": confirmed}
    assert metrics.for_plan(context).validation.whole == 8
    assert metrics.for_plan(context | {"closed": True}).validation.whole == 1


def test_percent_rounds_to_whole_numbers() -> None:
    assert Figure(2 / 3, "").percent == "67%"
    assert Figure(0.0, "").percent == "0%"


# -- from the plan page's context --------------------------------------------------------------


def _priority(pid: int, rank: int) -> Priority:
    return Priority(id=pid, account_id=1, plan_id=1, rank=rank, title=f"P{rank}")


def test_for_plan_reads_the_context_and_takes_the_top_five() -> None:
    ranked = [(_priority(100 + r, r), None) for r in range(1, 8)]
    accepted = Initiative(id=1, account_id=1, plan_id=1, title="x", status=A, visibility="shared")
    context: dict[str, Any] = {
        "priorities": ranked,
        "suggestions": [
            (
                Priority(id=9, account_id=1, plan_id=1, title="s", status=PriorityStatus.SUGGESTED),
                None,
            )
        ],
        "initiatives": [InitiativeView(accepted, [106, 101])],  # rank 6 is outside the top 5
        "actions": [
            SimpleNamespace(
                status="in_progress", priority_id=102, initiative_id=None, removed_at=None
            ),
            (
                SimpleNamespace(
                    status="in_progress", priority_id=103, initiative_id=None, removed_at=None
                ),
                None,
            ),
            SimpleNamespace(
                status="in_progress", priority_id=104, initiative_id=None, removed_at="x"
            ),
        ],
    }
    found = metrics.for_plan(context)
    assert found.coverage.basis == "3 of 5 top priorities"
    assert found.client_focus.value == 1.0
    assert found.validation.basis.startswith("7 of 8 priorities")
    assert metrics.for_plan({}).coverage.percent == "—"  # no section loaded anything


# -- on the plan page --------------------------------------------------------------------------


def _plan(session: Session, world: World) -> Plan:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def _initiative(
    session: Session, world: World, title: str, links: list[int], status: str | None
) -> Initiative:
    made = initiatives.create(
        session,
        actor=world.members["lead"],
        plan=_plan(session, world),
        values=InitiativeValues(title=title, owner_id=world.members["lead"].id, priority_ids=links),
    )
    if status is not None:
        initiatives.propose(
            session, actor=world.members["lead"], initiative=made, expected_version=1
        )
    if status == A:
        initiatives.answer(
            session,
            actor=world.members["sponsor"],
            initiative=made,
            status=InitiativeStatus.ACCEPTED,
            reason="",
            expected_version=2,
        )
    return made


@pytest.mark.parametrize("role", ["lead", "sponsor", "viewer"])
def test_both_sides_see_the_same_figures_with_what_they_are_measured_on(
    client: TestClient,
    session: Session,
    world: World,
    role: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ranked = [
        priorities.create(
            session,
            actor=world.members["sponsor"],
            plan=_plan(session, world),
            values=PriorityValues(title=f"P{i}"),
        )
        for i in range(1, 7)
    ]
    ids = [p.id for p in ranked]
    assert all(ids)
    _initiative(session, world, "Top", [ids[0]], A)  # type: ignore[list-item]
    _initiative(session, world, "Us only", [], "proposed")
    _initiative(session, world, "Secret draft", [ids[1]], None)  # type: ignore[list-item]
    session.commit()
    sign_in(client, session, world.members[role])
    text = client.get(f"/accounts/{world.account.id}/plan").text
    focus = text[text.index('id="focus"') : text.index("</section>", text.index('id="focus"'))]
    assert "50%" in focus  # (1.0 + 0) / 2: the draft does not count
    assert "1 of 2 shared initiatives answer a client priority" in focus
    assert "1 of 5 top priorities" in focus
    assert "6 of 6 priorities stated by the client" in focus

    # Once the actions section loads actions, open ones count towards coverage.
    plan = _plan(session, world)
    assert plan.id is not None
    rows = [
        Action(account_id=plan.account_id, plan_id=plan.id, title="Open", priority_id=ids[2]),
        Action(
            account_id=plan.account_id,
            plan_id=plan.id,
            title="Done",
            priority_id=ids[3],
            status="done",
        ),
    ]
    monkeypatch.setattr(page, "LOADERS", (*page.LOADERS, lambda *_: {"actions": rows}))
    text = client.get(f"/accounts/{world.account.id}/plan").text
    assert "2 of 5 top priorities" in text
