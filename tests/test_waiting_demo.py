"""The demo sponsor's "Waiting for you" (issue 12: "The demo sponsor's home lists every item
waiting for him, with counts equal to what the pages show"): each count is compared with the
page or section it links to, and every item's link lands on that item."""

from __future__ import annotations

import html
import re
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from app import demo
from app.models import Account, User
from tests import factories
from tests.testclient import TestClient

pytestmark = pytest.mark.usefixtures("fast_hashing")

KIND = re.compile(
    r'<li class="waiting-kind[^"]*" data-kind="([a-z_]+)" data-count="(\d+)">(.*?)</ul>\s*</li>',
    re.S,
)
WAITS = re.compile(r"(\d+) items? (?:about your company )?waits? for")


def waiting_kinds(page: str) -> dict[str, tuple[int, list[str]]]:
    """Kind -> (its count, the links of its items) of the home's one account."""
    return {
        key: (int(count), re.findall(r'<a href="([^"]+)"', body))
        for key, count, body in KIND.findall(page)
    }


@pytest.fixture
def sponsor_home(session: Session, client: TestClient) -> tuple[Account, str]:
    demo.load(session)
    session.commit()
    sponsor = session.exec(select(User).where(User.email == "sponsor@harbor.example")).one()
    account = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
    factories.sign_in(client, session, sponsor)
    page = client.get("/")
    assert page.status_code == 200
    return account, page.text


def test_the_demo_sponsor_sees_every_item_waiting_for_him(
    client: TestClient, sponsor_home: tuple[Account, str]
) -> None:
    account, home = sponsor_home
    found = waiting_kinds(home)
    # What the issue counted on his home (two profile items to check, one vendor suggestion,
    # one proposal), the vendor's suggested challenge of his strategy, and his action due in
    # two days (README, "Reminders and digests").
    assert {key: count for key, (count, _) in found.items()} == {
        "suggestions": 1,
        "strategy_suggestions": 1,
        "proposals": 1,
        "check": 2,
        "actions": 1,
    }
    plan = client.get(f"/accounts/{account.id}/plan").text
    # The plan page's suggestions waiting for his answer, and the proposals he may answer.
    assert found["suggestions"][0] == len(re.findall(r'<li class="suggestion" id="sugg', plan))
    strategy = re.findall(r'<li class="suggestion" id="strategy-suggestion-', plan)
    assert found["strategy_suggestions"][0] == len(strategy)
    assert found["proposals"][0] == len(set(re.findall(r'id="answer-reason-(\d+)"', plan)))
    # The validation page's own count of what waits for his check.
    validation = html.unescape(client.get(f"/accounts/{account.id}/validation").text)
    counted = WAITS.search(validation)
    assert counted is not None
    assert found["check"][0] == int(counted.group(1))
    # "My actions" for this account.
    mine = client.get("/my/actions").text
    section = mine.split(f'id="my-account-{account.id}"', 1)[1]
    shown = re.search(r'class="actions-summary">(\d+) open', section)
    assert shown is not None
    assert found["actions"][0] == int(shown.group(1))


def test_every_item_links_to_where_it_is_answered(
    client: TestClient, sponsor_home: tuple[Account, str]
) -> None:
    _, home = sponsor_home
    pages: dict[str, str] = {}
    anchors: dict[str, list[str]] = defaultdict(list)
    for count, links in waiting_kinds(home).values():
        assert len(links) == count  # one entry per item counted
        for link in links:
            path, _, anchor = link.partition("#")
            anchors[path].append(anchor)
    for path, wanted in anchors.items():
        page = pages.setdefault(path, client.get(path).text)
        for anchor in wanted:
            assert f'id="{anchor}"' in page, (path, anchor)
