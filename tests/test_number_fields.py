"""Number fields of the joint plan's forms: whatever is typed into them (digits that are not
ASCII such as '²', numbers longer than any id, signs, spaces) gets a 4xx, never a 500."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from app.agreement import service as agreement
from app.plans import repository as plans_repo
from app.web.forms import as_int
from tests.conftest import CSRF
from tests.factories import World, sign_in

ODD = ["²", "١٢", "7²", "9" * 40, "-1", " ", "1e3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), (" 12 ", 12), ("²", None), ("١", None), ("9" * 19, None), ("-1", None), ("", None)],
)
def test_as_int_takes_only_short_ascii_digits(text: str, expected: int | None) -> None:
    assert as_int(text) == expected


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    ("role", "path", "field", "extra"),
    [
        ("sponsor", "/ratings", "overall", {}),
        ("sponsor", "/priorities", "owner_id", {"title": "T"}),
        ("sponsor", "/priorities/order", "ids", {}),
        ("sponsor", "/actions", "owner_id", {"title": "T", "status": "not_started"}),
        ("sponsor", "/actions", "link", {"title": "T", "status": "not_started"}),
        ("lead", "/initiatives", "owner_id", {"title": "T"}),
        ("lead", "/initiatives", "priority_ids", {"title": "T"}),
        ("lead", "/perception/beliefs", "priority_id", {"title": "T"}),
        ("lead", "/perception/rating", "overall", {}),
    ],
)
def test_odd_numbers_in_forms_are_refused_without_an_error_page(
    client: TestClient,
    session: Session,
    world: World,
    role: str,
    path: str,
    field: str,
    extra: dict[str, str],
    value: str,
) -> None:
    sign_in(client, session, world.members[role])
    typed = f"priority:{value}" if field == "link" else value
    response = client.post(
        f"/accounts/{world.account.id}{path}",
        data=extra | {field: typed, "csrf_token": CSRF},
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


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
