""" "Waiting for you" on the home (issue 12, point 1): what waits for this person's answer or
action, by account, with exact counts, each with a direct link; nothing a client may not see;
a friendly empty state; the same number of queries for one account or five."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app.actions import service as actions
from app.actions.schemas import CheckedAction
from app.agreement import service as agreement
from app.agreement.service import Slot
from app.initiatives import service as initiatives
from app.initiatives.schemas import InitiativeValues
from app.kit.clock import clock
from app.models import Account, Plan, ProfileKind, Role, User, Visibility
from app.notifications.service import notify
from app.plans import repository as plans_repo
from app.priorities import service as priorities
from app.priorities.schemas import PriorityValues
from app.profile import service as profile
from app.value import service as value
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, add_member, make_account, sign_in
from tests.testclient import TestClient

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
KIND = re.compile(r'data-kind="([a-z]+)" data-count="(\d+)"')


@dataclass
class Planted:
    suggestion: int
    proposal: int
    draft: int
    section: int
    action: int
    late_action: int


def plan_of(session: Session, account: Account) -> Plan:
    assert account.id is not None
    plan = plans_repo.current(session, account_id=account.id)
    assert plan is not None
    return plan


def plant(session: Session, world: World, account: Account) -> Planted:
    """One of everything that waits for the client sponsor, and a vendor-internal draft."""
    lead, sponsor = world.members["lead"], world.members["sponsor"]
    plan = plan_of(session, account)
    suggestion = priorities.suggest(
        session, actor=lead, plan=plan, values=PriorityValues(title="Suggested: faster depots")
    )
    proposal = initiatives.create(
        session, actor=lead, plan=plan, values=InitiativeValues(title="Proposed: tracking page")
    )
    initiatives.propose(session, actor=lead, initiative=proposal, expected_version=1)
    draft = initiatives.create(
        session, actor=lead, plan=plan, values=InitiativeValues(title="DRAFT-INTERNAL idea")
    )
    assert account.id is not None
    section = profile.save(
        session,
        actor=lead,
        account_id=account.id,
        kind=ProfileKind.MARKETS,
        section=None,
        body="Nordic road freight.",
        expected_version=0,
    )
    assert section is not None
    profile.share(session, actor=lead, section=section, expected_version=section.version)
    today = NOW.date()
    action = actions.create(
        session,
        actor=lead,
        plan=plan,
        checked=CheckedAction("Send the depot hours", "", sponsor.id, today, "not_started"),
    )
    late = actions.create(
        session,
        actor=lead,
        plan=plan,
        checked=CheckedAction("Late one", "", sponsor.id, today - timedelta(2), "in_progress"),
    )
    agreement.submit(session, actor=lead, plan=plan)
    notify(
        session,
        account_id=account.id,
        recipient_ids=[sponsor.id],
        kind="mention",
        message="Lead mentioned you in a comment on a priority",
        link=f"/accounts/{account.id}/plan#priority-1",
        actor=lead,
    )
    session.commit()
    ids = (suggestion.id, proposal.id, draft.id, section.id, action.id, late.id)
    return Planted(*(int(i or 0) for i in ids))


def kinds(text: str) -> dict[str, int]:
    return {key: int(n) for key, n in KIND.findall(text)}


@pytest.fixture(autouse=True)
def _fixed_clock() -> None:
    clock.set(NOW)


def test_the_sponsor_sees_everything_waiting_with_exact_counts_and_direct_links(
    client: TestClient, session: Session, world: World
) -> None:
    planted = plant(session, world, world.account)
    sign_in(client, session, world.members["sponsor"])
    page = client.get("/")
    assert page.status_code == 200
    aid = world.account.id
    assert kinds(page.text) == {
        "approval": 1,
        "suggestions": 1,
        "proposals": 1,
        "check": 1,
        "rating": 1,
        "actions": 2,
        "mentions": 1,
    }
    assert 'data-count="8"' in page.text  # the total
    for link in (
        f"/accounts/{aid}/plan#agreement",
        f"/accounts/{aid}/plan#suggestion-{planted.suggestion}",
        f"/accounts/{aid}/plan#initiative-{planted.proposal}",
        f"/accounts/{aid}/validation#validation-profile-{planted.section}",
        f"/accounts/{aid}/plan#value",
        f"/accounts/{aid}/plan#action-{planted.action}",
        f"/accounts/{aid}/plan#action-{planted.late_action}",
    ):
        assert f'href="{link}"' in page.text, link
    assert "1 item about your company waits for your check" in page.text
    assert "2 open actions of yours, 1 overdue" in page.text
    assert "overdue since 1 Dec 2026" in page.text
    assert "due today" in page.text
    # Nothing internal, not even counted: the draft is the vendor's.
    assert "DRAFT-INTERNAL" not in page.text
    assert f"initiative-{planted.draft}" not in page.text


def test_answering_takes_an_item_off_and_a_mention_is_read_as_it_opens(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world, world.account)
    sponsor = world.members["sponsor"]
    plan = plan_of(session, world.account)
    agreement.approve(session, actor=sponsor, plan=plan, slot=Slot.SPONSOR)
    value.rate(
        session, actor=sponsor, account=world.account, plan=plan, overall=8, scores={}, comment=""
    )
    session.commit()
    sign_in(client, session, sponsor)
    page = client.get("/")
    found = kinds(page.text)
    assert "approval" not in found
    assert "rating" not in found
    opens = re.search(r'action="(/inbox/(\d+)/read)"', page.text)
    assert opens is not None
    went = client.post(opens.group(1), data={"open": "1", "csrf_token": CSRF})
    assert went.status_code == 303
    assert went.headers["location"] == f"/accounts/{world.account.id}/plan#priority-1"
    assert "mentions" not in kinds(client.get("/").text)


def test_each_person_sees_only_what_waits_for_them(
    client: TestClient, session: Session, world: World
) -> None:
    plant(session, world, world.account)
    # The viewer answers nothing; the lead approves the plan too; the team has nothing.
    sign_in(client, session, world.members["viewer"])
    assert kinds(client.get("/").text) == {}
    sign_in(client, session, world.members["lead"])
    assert kinds(client.get("/").text) == {"approval": 1}
    sign_in(client, session, world.members["member"])
    assert kinds(client.get("/").text) == {
        "suggestions": 1,
        "proposals": 1,
        "check": 1,
        "rating": 1,
    }


def test_an_internal_mention_reaches_only_the_vendor_side(
    client: TestClient, session: Session, world: World
) -> None:
    lead = world.members["lead"]
    notify(
        session,
        account_id=world.account.id or 0,
        recipient_ids=[world.members["team"].id, world.members["sponsor"].id],
        kind="mention",
        message="Lead mentioned you in a team-only comment INTERNAL-NOTE",
        link="/accounts/1/plan",
        actor=lead,
        visibility=Visibility.INTERNAL,
    )
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    page = client.get("/").text
    assert "INTERNAL-NOTE" not in page
    assert "mentions" not in kinds(page)
    sign_in(client, session, world.members["team"])
    assert kinds(client.get("/").text) == {"mentions": 1}


def test_overdue_is_where_the_person_lives(
    client: TestClient, session: Session, world: World
) -> None:
    sponsor = world.members["sponsor"]
    plan = plan_of(session, world.account)
    actions.create(
        session,
        actor=world.members["lead"],
        plan=plan,
        checked=CheckedAction("Due on the 3rd", "", sponsor.id, NOW.date(), "not_started"),
    )
    session.commit()
    clock.set(datetime(2026, 12, 3, 20, 0, tzinfo=UTC))  # 4 Dec in Auckland, 3 Dec in UTC
    sign_in(client, session, sponsor)
    assert "due today" in client.get("/").text
    sponsor.time_zone = "Pacific/Auckland"
    session.add(sponsor)
    session.commit()
    page = client.get("/").text
    assert "1 open action of yours, 1 overdue" in page
    assert "overdue since 3 Dec 2026" in page


def test_nothing_waiting_says_so_kindly(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["team"])
    page = client.get("/")
    assert page.status_code == 200
    assert "Nothing is waiting for you." in page.text
    assert 'data-kind="' not in page.text


def _sponsor_on_accounts(session: Session, world: World, count: int) -> User:
    sponsor = world.members["sponsor"]
    for n in range(count):
        account = make_account(session, admin=world.admin, name=f"Waiting {n}")
        add_member(
            session, account=account, user=world.members["lead"], role=Role.LEAD, by=world.admin
        )
        add_member(session, account=account, user=sponsor, role=Role.SPONSOR, by=world.admin)
        session.flush()
        plant(session, world, account)
    session.commit()
    return sponsor


def queries_of_home(client: TestClient, counter: QueryCounter) -> int:
    client.get("/")  # warm-up: the session's last-seen touch, template compilation
    counter.statements.clear()
    page = client.get("/")
    assert page.status_code == 200
    return counter.count


def test_the_home_runs_the_same_queries_for_one_account_or_five(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    plant(session, world, world.account)
    sign_in(client, session, world.members["sponsor"])
    one = queries_of_home(client, count_queries)
    assert len(re.findall(r'class="waiting-account"', client.get("/").text)) == 1
    _sponsor_on_accounts(session, world, 4)
    five = queries_of_home(client, count_queries)
    page = client.get("/").text
    assert len(re.findall(r'class="waiting-account"', page)) == 5
    assert 'data-count="40"' in page  # 8 waiting in each of the five accounts
    assert five == one, count_queries.statements
    assert five <= 10, count_queries.statements
