"""Number fields of the joint plan's forms: whatever is typed into them (digits that are not
ASCII such as '²', numbers longer than any id, signs, spaces) gets the form again (422, never a
500) with the field's message and everything else the person typed."""

from __future__ import annotations

import html
from typing import Any

import pytest
from sqlmodel import Session

from app.agreement import service as agreement
from app.models import DEFAULT_VALUE_DIMENSIONS
from app.plans import repository as plans_repo
from app.web.forms import as_int
from tests.conftest import CSRF
from tests.factories import World, sign_in
from tests.testclient import TestClient

ODD = ["²", "١٢", "7²", "9" * 40, "-1", " ", "1e3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), (" 12 ", 12), ("²", None), ("١", None), ("9" * 19, None), ("-1", None), ("", None)],
)
def test_as_int_takes_only_short_ascii_digits(text: str, expected: int | None) -> None:
    assert as_int(text) == expected


# What the person typed besides the number: the re-shown form must still hold it.
KEPT = "Words the person typed 7421"
RATED = {
    "dimension": list(DEFAULT_VALUE_DIMENSIONS),
    "score": ["7"] * len(DEFAULT_VALUE_DIMENSIONS),
}
PRIORITY = {"title": KEPT, "importance": "high", "horizon": "next"}
ACTION = {"title": KEPT, "status": "not_started"}


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    ("role", "path", "field", "extra", "message"),
    [
        (
            "sponsor",
            "/ratings",
            "overall",
            RATED | {"comment": KEPT},
            "Choose an overall rating from 0 to 10.",
        ),
        (
            "sponsor",
            "/priorities",
            "owner_id",
            PRIORITY,
            "Choose an owner from your organisation's members.",
        ),
        # Drag and drop sends only ids: there is no text of the person's to keep.
        (
            "sponsor",
            "/priorities/order",
            "ids",
            {},
            "The new order is not readable. Reload the page and try again.",
        ),
        (
            "sponsor",
            "/actions",
            "owner_id",
            ACTION,
            "Choose an owner from the people on this account.",
        ),
        (
            "sponsor",
            "/actions",
            "link",
            ACTION,
            "Choose a priority or an initiative of this plan, or nothing.",
        ),
        (
            "lead",
            "/initiatives",
            "owner_id",
            {"title": KEPT},
            "Choose an owner from your team in this account.",
        ),
        (
            "lead",
            "/initiatives",
            "priority_ids",
            {"title": KEPT},
            "Choose priorities from the client's current list.",
        ),
        (
            "lead",
            "/perception/beliefs",
            "priority_id",
            {"title": KEPT},
            "Choose one of the client's current priorities, or none.",
        ),
        ("lead", "/perception/rating", "overall", {"note": KEPT}, "Choose a score from 0 to 10."),
    ],
)
def test_odd_numbers_in_forms_are_refused_with_the_message_keeping_the_text(
    client: TestClient,
    session: Session,
    world: World,
    role: str,
    path: str,
    field: str,
    extra: dict[str, Any],
    message: str,
    value: str,
) -> None:
    sign_in(client, session, world.members[role])
    typed = f"priority:{value}" if field == "link" else value
    response = client.post(
        f"/accounts/{world.account.id}{path}",
        data=extra | {field: typed, "csrf_token": CSRF},
    )
    assert response.status_code == 422, (response.status_code, response.text[:300])
    shown = html.unescape(response.text)
    assert message in shown
    if extra:
        assert KEPT in shown


@pytest.mark.parametrize("value", ODD)
def test_odd_version_numbers_to_compare_are_422(
    client: TestClient, session: Session, world: World, value: str
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    lead, sponsor = world.members["lead"], world.members["sponsor"]
    agreement.submit(session, actor=lead, plan=plan)
    agreement.approve(session, actor=sponsor, plan=plan, slot=agreement.Slot.SPONSOR)
    agreement.approve(session, actor=lead, plan=plan, slot=agreement.Slot.LEAD)
    sign_in(client, session, world.members["viewer"])
    response = client.get(
        f"/accounts/{world.account.id}/plan/compare", params={"from": value, "to": "current"}
    )
    assert response.status_code == 422
