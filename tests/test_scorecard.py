"""The strategic account scorecard (DESIGN.md §4.1): the workspace's admins choose 5 to 10
attributes in two halves with weights; the lead (and admins) score each account, every scoring is
kept, and the latest places the account in a tier. All of it is internal to the vendor: client
roles are refused, and every change is an internal audit event (attribute changes on the global
chain, scorings on the account's)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from app.audit.chain import GLOBAL_CHAIN, chain_for
from app.audit.service import verify_chain
from app.models import (
    DEFAULT_SCORECARD,
    AccountScore,
    AuditEvent,
    ScorecardAttribute,
    ScorecardHalf,
    Tier,
    Workspace,
    utcnow,
)
from app.scorecard import chart, scoring, service
from app.scorecard.schemas import CheckedEntry
from app.scorecard.scoring import Scored
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, make_user, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

ADMIN = "/admin/scorecard"
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
POST = {"X-CSRF-Token": CSRF}
MARKER = "SCORECARD-MARKER-41c9"
CURRENT, FUTURE = ScorecardHalf.CURRENT, ScorecardHalf.FUTURE


# --- Helpers -------------------------------------------------------------------------------


def page(world: World) -> str:
    return f"/accounts/{world.account.id}/scorecard"


def make_attributes(
    session: Session,
    workspace: Workspace,
    specs: list[tuple[str, ScorecardHalf, int]],
    *,
    description: str = "",
) -> list[ScorecardAttribute]:
    """Attributes straight into the table (what the admin page would make), in order."""
    made = []
    for position, (name, half, weight) in enumerate(specs, start=1):
        attribute = ScorecardAttribute(
            workspace_id=workspace.id,  # type: ignore[arg-type]
            name=name,
            half=half.value,
            weight=weight,
            position=position,
            description=description or f"What a 5 means for {name}",
        )
        session.add(attribute)
        made.append(attribute)
    session.commit()
    return made


def defaults(session: Session, world: World) -> list[ScorecardAttribute]:
    made = service.create_defaults(
        session,
        actor=world.admin,
        workspace_id=world.workspace.id,  # type: ignore[arg-type]
    )
    session.commit()
    return made


def score(
    session: Session,
    world: World,
    attributes: list[ScorecardAttribute],
    values: list[int],
    *,
    note: str = "",
    notes: list[str] | None = None,
    at: timedelta | None = None,
) -> AccountScore:
    entries = [
        CheckedEntry(a, v, (notes or [""] * len(values))[i])
        for i, (a, v) in enumerate(zip(attributes, values, strict=True))
    ]
    made = service.score_account(
        session,
        actor=world.members["lead"],
        account_id=world.account.id,  # type: ignore[arg-type]
        entries=entries,
        note=note,
    )
    if at is not None:
        made.scored_at = utcnow() - at
        session.add(made)
    session.commit()
    return made


def form_data(
    attributes: list[ScorecardAttribute], scores: list[str], notes: list[str] | None = None
) -> dict[str, object]:
    return {
        "attribute": [str(a.id) for a in attributes],
        "score": scores,
        "attribute_note": notes or [""] * len(attributes),
    }


def live(session: Session, workspace: Workspace) -> list[ScorecardAttribute]:
    session.expire_all()
    return list(
        session.exec(
            select(ScorecardAttribute)
            .where(ScorecardAttribute.workspace_id == workspace.id)
            .where(col(ScorecardAttribute.removed_at).is_(None))
            .order_by(col(ScorecardAttribute.position), col(ScorecardAttribute.id))
        ).all()
    )


def events(session: Session, prefix: str = "scorecard.") -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith(prefix))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def scorings(session: Session, world: World) -> list[AccountScore]:
    session.expire_all()
    return list(
        session.exec(
            select(AccountScore)
            .where(AccountScore.account_id == world.account.id)
            .order_by(col(AccountScore.scored_at), col(AccountScore.id))
        ).all()
    )


def text(response: object) -> str:
    """The page's text with HTML entities decoded (quotes and apostrophes)."""
    return html.unescape(response.text)  # type: ignore[attr-defined]


# --- The arithmetic --------------------------------------------------------------------------


def test_weighted_means_use_the_weights() -> None:
    result = scoring.compute(
        [
            Scored("current", 3, 5),
            Scored("current", 1, 1),  # (15 + 1) / 4 = 4.0; the plain mean would be 3.0
            Scored("future", 2, 2),
            Scored("future", 3, 4),  # (4 + 12) / 5 = 3.2; the plain mean would be 3.0
        ]
    )
    assert (result.current, result.future) == (4.0, 3.2)
    assert result.tier is Tier.STRATEGIC
    # Rounded half up to one decimal: 59 / 20 = 2.95 shows (and counts) as 3.0.
    assert scoring.weighted_mean([(19, 3), (1, 2)]) == 3.0
    assert scoring.weighted_mean([(2, 4), (1, 1)]) == 3.0
    assert scoring.weighted_mean([(3, 4), (4, 1)]) == 2.3  # 16 / 7 = 2.2857…


def test_a_half_without_attributes_has_no_score_and_no_tier() -> None:
    assert scoring.weighted_mean([]) is None
    result = scoring.compute([Scored("current", 2, 4)])
    assert (result.current, result.future) == (4.0, None)
    assert result.tier is None
    assert result.missing_halves == (FUTURE,)
    empty = scoring.compute([])
    assert empty.tier is None
    assert empty.missing_halves == (CURRENT, FUTURE)


@pytest.mark.parametrize(
    ("current", "future", "tier"),
    [
        (3.0, 3.0, Tier.STRATEGIC),
        (3.0, 2.9, Tier.MAINTAIN),
        (2.9, 3.0, Tier.DEVELOP),
        (2.9, 2.9, Tier.OPPORTUNISTIC),
        (5.0, 1.0, Tier.MAINTAIN),
        (1.0, 5.0, Tier.DEVELOP),
    ],
)
def test_tier_boundaries_at_three(current: float, future: float, tier: Tier) -> None:
    assert scoring.Result(current, future).tier is tier


def test_the_tier_is_placed_on_the_rounded_score() -> None:
    # 2.95 rounds to 3.0: the account shown at 3.0 is high, as the page says.
    result = scoring.compute(
        [Scored("current", 19, 3), Scored("current", 1, 2), Scored("future", 1, 2)]
    )
    assert result.current == 3.0
    assert result.tier is Tier.MAINTAIN


def test_balance_counts_and_shares() -> None:
    attributes = [Scored(half.value, weight, 0) for _, half, weight, _ in DEFAULT_SCORECARD]
    balanced = scoring.balance(attributes)
    assert not balanced.unbalanced
    assert not balanced.too_few
    assert [(h.count, h.weight, h.share) for h in balanced.halves] == [(3, 7, 50), (4, 7, 50)]
    assert balanced.warnings == []

    # 40 % exactly is enough; less is light, and the warning says which half and why.
    light = scoring.balance(
        [
            Scored("current", 4, 0),
            Scored("current", 4, 0),
            Scored("future", 2, 0),
            Scored("future", 2, 0),
        ]
    )
    assert not light.halves[0].light
    assert light.halves[1].light  # 4 of 12 = 33 %
    [warning] = light.warnings
    assert warning.startswith("Future potential and fit is light")
    assert "33 % of the total weight" in warning
    assert "largest is not the same as strategic" in warning
    forty = scoring.balance([Scored("current", 3, 0)] * 2 + [Scored("future", 2, 0)] * 2)
    assert forty.halves[1].share == 40
    assert not forty.unbalanced

    one = scoring.balance([Scored("current", 5, 0), Scored("future", 5, 0)])
    assert all(h.light for h in one.halves)  # one attribute a half is too few
    assert "1 attribute (at least 2)" in one.warnings[0]
    assert one.too_few
    assert scoring.balance([]).warnings == []  # an empty scorecard is set up first


def test_the_chart_geometry() -> None:
    now = utcnow()
    built = chart.build(
        [
            chart.Scoring(now - timedelta(days=90), 2.0, 4.0),
            chart.Scoring(now, 3.5, 3.0),
        ]
    )
    current, future = built.series
    assert (current.key, current.marker, current.dash) == ("current", "circle", "")
    assert (future.key, future.marker) == ("future", "square")
    assert future.dash  # told apart by dash and marker, not colour alone
    assert current.points[0].y == chart.y_of(2.0)
    assert chart.y_of(1) == chart.FRAME.bottom
    assert chart.y_of(5) == chart.FRAME.top
    assert built.threshold_y == chart.y_of(3.0)
    assert current.path.startswith("M")
    assert " L" in current.path
    assert "2 scorings" in built.description
    # The value of the lower line is written under its point, the higher one's above.
    assert current.points[0].label_y > current.points[0].y
    assert future.points[0].label_y < future.points[0].y


# --- The admin page --------------------------------------------------------------------------


def test_the_admin_sets_up_the_recommended_scorecard(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    empty = client.get(ADMIN)
    assert empty.status_code == 200
    assert "No attributes yet" in empty.text
    assert "Use the recommended set" in empty.text
    assert "style=" not in empty.text

    response = client.post(f"{ADMIN}/defaults", headers=POST)
    assert response.status_code == 303
    assert [a.name for a in live(session, world.workspace)] == [d[0] for d in DEFAULT_SCORECARD]
    added = events(session)
    assert [e.verb for e in added] == ["scorecard.attribute_added"] * len(DEFAULT_SCORECARD)
    assert all(e.chain == GLOBAL_CHAIN and e.account_id is None for e in added)
    assert all(e.visibility == "internal" for e in added)
    assert verify_chain(session, GLOBAL_CHAIN).ok

    listed = client.get(ADMIN)
    assert "Use the recommended set" not in listed.text
    assert "Balance of the two halves" in listed.text
    assert "The scorecard is unbalanced" not in listed.text

    again = client.post(f"{ADMIN}/defaults", headers=POST)
    assert again.status_code == 409
    assert "already has attributes" in again.text
    assert len(live(session, world.workspace)) == len(DEFAULT_SCORECARD)


def test_adding_an_attribute_is_audited_on_the_global_chain(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    response = client.post(
        f"{ADMIN}/attributes",
        data={
            "name": "  Access   to executives ",
            "half": "future",
            "weight": "4",
            "description": "Its board takes our calls",
        },
        headers=POST,
    )
    assert response.status_code == 303
    [attribute] = live(session, world.workspace)
    assert response.headers["location"] == f"{ADMIN}#attribute-{attribute.id}"
    assert (attribute.name, attribute.half, attribute.weight) == (
        "Access to executives",
        "future",
        4,
    )
    [event] = events(session)
    assert event.verb == "scorecard.attribute_added"
    assert (event.chain, event.account_id, event.visibility) == (GLOBAL_CHAIN, None, "internal")
    assert (event.item_type, event.item_id) == ("scorecard_attribute", str(attribute.id))
    assert event.changes["name"] == [None, "Access to executives"]
    assert event.changes["weight"] == [None, 4]

    # With htmx: the list comes back with the notice, and the new attribute in it.
    partial = client.post(
        f"{ADMIN}/attributes",
        data={"name": "Share of wallet", "half": "current", "weight": "2"},
        headers=HTMX,
    )
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div id="scorecard-admin">')
    assert "Added “Share of wallet” to the scorecard." in partial.text
    # Two attributes: the page says a scorecard needs 5 to 10.
    assert "A scorecard needs 5 to 10 attributes; this one has 2." in partial.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "half": "current", "weight": "3"}, "name", "Enter the attribute's name."),
        ({"name": "X" * 61, "half": "current", "weight": "3"}, "name", "under 60 characters"),
        ({"name": "Fit", "half": "", "weight": "3"}, "half", "Choose the half"),
        ({"name": "Fit", "half": "past", "weight": "3"}, "half", "Choose the half"),
        ({"name": "Fit", "half": "future", "weight": "0"}, "weight", "from 1 to 10"),
        ({"name": "Fit", "half": "future", "weight": "11"}, "weight", "from 1 to 10"),
        ({"name": "Fit", "half": "future", "weight": "²"}, "weight", "from 1 to 10"),
        ({"name": "Fit", "half": "future", "weight": "abc"}, "weight", "from 1 to 10"),
        ({"name": "Fit", "half": "future", "weight": ""}, "weight", "from 1 to 10"),
        (
            {"name": "Fit", "half": "future", "weight": "2", "description": "d" * 501},
            "description",
            "under 500 characters",
        ),
    ],
)
def test_bad_attributes_are_refused_keeping_the_text(
    client: TestClient,
    session: Session,
    world: World,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    sign_in(client, session, world.admin)
    typed = data | {"description": data.get("description", MARKER)}
    for headers in (POST, HTMX):
        response = client.post(f"{ADMIN}/attributes", data=typed, headers=headers)
        assert response.status_code == 422
        body = text(response)
        assert message in body
        assert f'id="a-{field}-error"' in body
        assert typed["description"] in body  # what was typed comes back
        if data["name"]:
            assert f'value="{data["name"]}"' in body
        if data["weight"] and field == "weight":
            assert f'<option value="{data["weight"]}" selected>' in body
    assert live(session, world.workspace) == []
    assert events(session) == []


def test_names_are_unique_whatever_their_case(
    client: TestClient, session: Session, world: World
) -> None:
    defaults(session, world)
    sign_in(client, session, world.admin)
    response = client.post(
        f"{ADMIN}/attributes",
        data={
            **CONFIRMATION,
            "name": "current  SALES",
            "half": "future",
            "weight": "2",
            "description": MARKER,
        },
        headers=POST,
    )
    assert response.status_code == 422
    assert "The scorecard already has “Current sales”." in text(response)
    assert MARKER in response.text
    assert 'value="current SALES"' in response.text
    assert len(live(session, world.workspace)) == len(DEFAULT_SCORECARD)

    # Once removed, the name is free again.
    removed = live(session, world.workspace)[0]
    assert (
        client.post(
            f"{ADMIN}/attributes/{removed.id}/remove", data=CONFIRMATION, headers=POST
        ).status_code
        == 303
    )
    again = client.post(
        f"{ADMIN}/attributes",
        data={**CONFIRMATION, "name": "Current SALES", "half": "current", "weight": "2"},
        headers=POST,
    )
    assert again.status_code == 303

    # An edit may not take another attribute's name either.
    first, second = live(session, world.workspace)[:2]
    clash = client.post(
        f"{ADMIN}/attributes/{first.id}",
        data={
            **CONFIRMATION,
            "name": second.name.upper(),
            "half": first.half,
            "weight": str(first.weight),
            "version": str(first.version),
        },
        headers=POST,
    )
    assert clash.status_code == 422
    assert f"The scorecard already has “{second.name}”." in text(clash)


def test_an_eleventh_attribute_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    make_attributes(
        session,
        world.workspace,
        [(f"Attribute {i}", CURRENT if i % 2 else FUTURE, 1) for i in range(10)],
    )
    sign_in(client, session, world.admin)
    full = client.get(ADMIN)
    assert "The scorecard has its 10 attributes, the most it can have" in full.text
    assert 'action="/admin/scorecard/attributes"' not in full.text
    response = client.post(
        f"{ADMIN}/attributes",
        data={"name": "Eleventh", "half": "future", "weight": "3", "description": MARKER},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "The scorecard already has 10 attributes, the most it can have" in response.text
    assert MARKER in response.text  # the typed text comes back with the message
    assert 'value="Eleventh"' in response.text
    assert len(live(session, world.workspace)) == 10
    assert events(session) == []


def test_editing_an_attribute(client: TestClient, session: Session, world: World) -> None:
    attribute = defaults(session, world)[0]
    sign_in(client, session, world.admin)
    form = client.get(f"{ADMIN}/attributes/{attribute.id}/edit")
    assert form.status_code == 200
    assert f'name="version" value="{attribute.version}"' in form.text
    assert 'value="Current sales"' in form.text
    response = client.post(
        f"{ADMIN}/attributes/{attribute.id}",
        data={
            "name": "Revenue today",
            "half": "current",
            "weight": "5",
            "description": "Over a million a year",
            "version": str(attribute.version),
        },
        headers=POST,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{ADMIN}#attribute-{attribute.id}"
    session.refresh(attribute)
    assert (attribute.name, attribute.weight, attribute.version) == ("Revenue today", 5, 2)
    event = events(session)[-1]
    assert event.verb == "scorecard.attribute_updated"
    assert event.changes == {
        "name": ["Current sales", "Revenue today"],
        "weight": [3, 5],
        "description": ["What the account buys from us today", "Over a million a year"],
    }
    assert (event.chain, event.visibility) == (GLOBAL_CHAIN, "internal")
    # Saving it unchanged writes nothing.
    same = client.post(
        f"{ADMIN}/attributes/{attribute.id}",
        data={
            "name": "Revenue today",
            "half": "current",
            "weight": "5",
            "description": "Over a million a year",
            "version": "2",
        },
        headers=POST,
    )
    assert same.status_code == 303
    assert len(events(session)) == len(DEFAULT_SCORECARD) + 1


def test_a_stale_edit_is_refused_naming_who_changed_it(
    client: TestClient, session: Session, world: World
) -> None:
    attribute = defaults(session, world)[0]
    colleague = make_user(
        session,
        email="admin2@vendor.example",
        name="Ada Admin",
        workspace=world.workspace,
        admin=True,
    )
    session.commit()
    sign_in(client, session, colleague)
    first = client.post(
        f"{ADMIN}/attributes/{attribute.id}",
        data={"name": "Sales now", "half": "current", "weight": "3", "version": "1"},
        headers=POST,
    )
    assert first.status_code == 303

    sign_in(client, session, world.admin)
    stale = client.post(
        f"{ADMIN}/attributes/{attribute.id}",
        data={
            "name": "Turnover",
            "half": "current",
            "weight": "4",
            "description": MARKER,
            "version": "1",
        },
        headers=POST,
    )
    assert stale.status_code == 409
    body = text(stale)
    assert "Ada Admin changed this attribute meanwhile" in body
    assert 'value="Turnover"' in body
    assert MARKER in body
    assert "<dd>Sales now</dd>" in body  # what is saved now
    assert 'name="version" value="2"' in body  # saving again replaces it on purpose
    session.refresh(attribute)
    assert attribute.name == "Sales now"


def test_removing_and_moving_attributes(client: TestClient, session: Session, world: World) -> None:
    made = defaults(session, world)
    sign_in(client, session, world.admin)
    listed = client.get(ADMIN)
    # Removing asks first, with and without htmx.
    assert 'data-confirm="Remove “Share of wallet” from the scorecard?' in listed.text
    assert 'hx-confirm="Remove “Share of wallet” from the scorecard?' in listed.text

    moved = client.post(
        f"{ADMIN}/attributes/{made[2].id}/move",
        data={**CONFIRMATION, "direction": "up"},
        headers=HTMX,
    )
    assert moved.status_code == 200
    assert f'data-focus="move-up-attribute-{made[2].id}"' in moved.text
    names = [a.name for a in live(session, world.workspace)]
    assert names[:3] == ["Current sales", "Profitability", "Share of wallet"]
    event = events(session)[-1]
    assert event.verb == "scorecard.attribute_moved"
    assert event.changes == {
        "position": [3, 2],
        "neighbour": [None, {"id": made[1].id, "position": [2, 3]}],
    }
    session.refresh(made[2])
    assert made[2].version == 1  # a move is not an edit of the wording

    # Already first: nothing moves, nothing is written.
    top = client.post(
        f"{ADMIN}/attributes/{made[0].id}/move",
        data={**CONFIRMATION, "direction": "up"},
        headers=POST,
    )
    assert top.status_code == 303
    assert len(events(session)) == len(DEFAULT_SCORECARD) + 1
    bad = client.post(
        f"{ADMIN}/attributes/{made[0].id}/move",
        data={**CONFIRMATION, "direction": "sideways"},
        headers=POST,
    )
    assert bad.status_code == 400

    removed = client.post(
        f"{ADMIN}/attributes/{made[1].id}/remove", data=CONFIRMATION, headers=POST
    )
    assert removed.status_code == 303
    session.refresh(made[1])
    assert made[1].removed_at is not None
    assert "Share of wallet" not in [a.name for a in live(session, world.workspace)]
    event = events(session)[-1]
    assert event.verb == "scorecard.attribute_removed"
    assert event.changes["name"] == ["Share of wallet", None]
    assert (event.chain, event.visibility) == (GLOBAL_CHAIN, "internal")
    # A removed attribute is gone for its routes.
    assert client.get(f"{ADMIN}/attributes/{made[1].id}/edit").status_code == 404
    assert (
        client.post(
            f"{ADMIN}/attributes/{made[1].id}/remove", data=CONFIRMATION, headers=POST
        ).status_code
        == 404
    )


def test_another_workspaces_attribute_is_not_found_like_a_missing_one(
    client: TestClient, session: Session, world: World
) -> None:
    [theirs] = make_attributes(session, world.other_workspace, [("Theirs", CURRENT, 2)])
    sign_in(client, session, world.admin)
    for method, tail, data in (
        ("GET", "/edit", {}),
        ("POST", "", {"name": "Mine now", "half": "current", "weight": "2", "version": "1"}),
        ("POST", "/remove", dict(CONFIRMATION)),
        ("POST", "/move", {"direction": "down"}),
    ):
        found = client.request(
            method, f"{ADMIN}/attributes/{theirs.id}{tail}", data=data, headers=POST
        )
        missing = client.request(
            method, f"{ADMIN}/attributes/999999{tail}", data=data, headers=POST
        )
        assert found.status_code == missing.status_code == 404, tail
        assert unmasked(found.text) == unmasked(missing.text)
    session.refresh(theirs)
    assert (theirs.name, theirs.removed_at) == ("Theirs", None)
    assert events(session) == []


@pytest.mark.parametrize("role", ["lead", "team", "mentor", "sponsor", "viewer"])
def test_only_workspace_admins_manage_the_scorecard(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    [attribute] = make_attributes(session, world.workspace, [("Fit", FUTURE, 2)])
    sign_in(client, session, world.members[role])
    assert client.get(ADMIN).status_code == 403
    assert client.get(f"{ADMIN}/attributes/{attribute.id}/edit").status_code == 403
    assert (
        client.post(
            f"{ADMIN}/attributes",
            data={"name": "X", "half": "current", "weight": "1"},
            headers=POST,
        ).status_code
        == 403
    )
    assert client.post(f"{ADMIN}/defaults", headers=POST).status_code == 403
    assert client.post(f"{ADMIN}/attributes/{attribute.id}/remove", headers=POST).status_code == 403
    assert events(session) == []


def test_the_people_page_links_to_the_scorecard(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    people = client.get("/admin/users")
    assert 'href="/admin/value-dimensions"' in people.text
    assert 'href="/admin/scorecard"' in people.text


def test_an_unbalanced_scorecard_is_called_out_on_both_pages(
    client: TestClient, session: Session, world: World
) -> None:
    make_attributes(
        session,
        world.workspace,
        [
            ("Current sales", CURRENT, 5),
            ("Share of wallet", CURRENT, 4),
            ("Profitability", CURRENT, 3),
            ("Growth potential", FUTURE, 2),
        ],
    )
    sign_in(client, session, world.admin)
    admin_page = text(client.get(ADMIN))
    assert "The scorecard is unbalanced." in admin_page
    assert "Future potential and fit is light: it has 1 attribute (at least 2)" in admin_page
    assert "14 % of the total weight (at least 40 %)" in admin_page
    assert "largest is not the same as strategic" in admin_page
    assert "A scorecard needs 5 to 10 attributes; this one has 4." in admin_page
    assert "12 of 14" in admin_page
    assert "86 %" in admin_page

    sign_in(client, session, world.members["lead"])
    account_page = text(client.get(page(world)))
    assert "Future potential and fit is light" in account_page
    assert "largest is not the same as strategic" in account_page
    assert 'href="/admin/scorecard"' not in account_page  # the lead is no admin
    sign_in(client, session, world.admin)
    assert "Rebalance the scorecard" in client.get(page(world)).text


# --- An account's scorecard ------------------------------------------------------------------


def test_no_attributes_yet_shows_what_to_do(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    lead_page = client.get(page(world))
    assert lead_page.status_code == 200
    assert "a workspace admin must choose the attributes accounts are scored on" in lead_page.text
    assert 'href="/admin/scorecard"' not in lead_page.text
    assert 'aria-current="page">Scorecard</a>' in lead_page.text  # the internal tabs
    refused = client.post(page(world), data={"note": MARKER}, headers=POST)
    assert refused.status_code == 422
    assert "The scorecard is not set up yet" in refused.text
    sign_in(client, session, world.admin)
    assert "Set up the scorecard" in client.get(page(world)).text


def test_the_lead_scores_the_account(client: TestClient, session: Session, world: World) -> None:
    attributes = make_attributes(
        session,
        world.workspace,
        [
            ("Current sales", CURRENT, 3),
            ("Share of wallet", CURRENT, 1),
            ("Profitability", CURRENT, 1),
            ("Growth potential", FUTURE, 2),
            ("Cultural fit", FUTURE, 3),
        ],
    )
    sign_in(client, session, world.members["lead"])
    form = client.get(page(world))
    assert "Not scored yet. Score it below" in form.text
    for a in attributes:
        assert f'<label for="s-score-{a.id}">{a.name}' in form.text
        assert f'id="s-score-{a.id}-hint">5 means: What a 5 means for {a.name}' in form.text
    response = client.post(
        page(world),
        data=form_data(attributes, ["5", "1", "2", "2", "4"], ["", MARKER, "", "", ""])
        | {"note": "After the QBR"},
        headers=POST,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{page(world)}#latest"
    [made] = scorings(session, world)
    # current: (3*5 + 1*1 + 1*2) / 5 = 3.6; future: (2*2 + 3*4) / 5 = 3.2
    assert (made.current, made.future, made.tier) == (3.6, 3.2, "strategic")
    assert made.scored_by_id == world.members["lead"].id
    assert made.note == "After the QBR"
    assert made.entries[1] == {
        "attribute_id": attributes[1].id,
        "name": "Share of wallet",
        "half": "current",
        "weight": 1,
        "score": 1,
        "note": MARKER,
    }
    [event] = events(session)
    assert event.verb == "scorecard.account_scored"
    assert (event.chain, event.account_id) == (chain_for(world.account.id), world.account.id)
    assert event.visibility == "internal"
    assert (event.item_type, event.item_id) == ("account_score", str(made.id))
    # Numbers that are not whole are kept as text on the audit trail (a stable hash).
    assert event.changes["current"] == [None, "3.6"]
    assert event.changes["future"] == [None, "3.2"]
    assert event.changes["tier"] == [None, "strategic"]
    assert event.changes["scores"][1]["Current sales"] == 5
    assert verify_chain(session, chain_for(world.account.id)).ok

    shown = text(client.get(page(world)))
    assert '<span class="score-number">3.6</span>' in shown
    assert '<span class="score-number">3.2</span>' in shown
    assert '<span class="tier tier-strategic">Strategic</span>' in shown
    assert "Key-account treatment" in shown
    assert MARKER in shown  # the note as scored
    assert f"by {world.members['lead'].display_name}." in shown  # by whom

    # Editing an attribute later does not change the scoring as scored.
    attributes[1].name, attributes[1].weight = "Wallet share", 9
    session.add(attributes[1])
    session.commit()
    assert scorings(session, world)[0].entries[1]["name"] == "Share of wallet"


def test_history_is_kept_in_order_with_a_chart(
    client: TestClient, session: Session, world: World
) -> None:
    attributes = make_attributes(
        session,
        world.workspace,
        [("Sales", CURRENT, 1), ("Wallet", CURRENT, 1), ("Growth", FUTURE, 1), ("Fit", FUTURE, 1)],
    )
    sign_in(client, session, world.members["lead"])
    score(session, world, attributes, [2, 2, 4, 4], at=timedelta(days=200))
    one = client.get(page(world))
    assert "The chart of the scores over time appears after the second scoring." in one.text
    assert "<svg" not in one.text.split('id="history"')[1].split("</section>")[0]
    score(session, world, attributes, [3, 3, 4, 4], at=timedelta(days=100))
    for values in ([4, 4, 2, 2], [3, 4, 1, 2]):
        response = client.post(
            page(world), data=form_data(attributes, [str(v) for v in values]), headers=HTMX
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="scorecard">')
    rows = scorings(session, world)
    assert [(s.current, s.future, s.tier) for s in rows] == [
        (2.0, 4.0, "develop"),
        (3.0, 4.0, "strategic"),
        (4.0, 2.0, "maintain"),
        (3.5, 1.5, "maintain"),
    ]
    assert "future potential 1.5, tier Maintain." in response.text

    shown = client.get(page(world)).text
    history = shown.split('id="history"')[1]
    assert 'role="img"' in history
    assert '<title id="scorecard-chart-title">' in history
    assert "4 scorings from" in history  # the desc
    assert history.count("<circle") == 4 + 1  # the current line's markers (+ the legend's)
    assert history.count("<rect") == 4 + 1  # the future line's markers (+ the legend's)
    assert "Future potential and fit (dashed line, squares)" in history
    # The table: newest first.
    cells = [row.split("</td>")[2] for row in history.split("<tr>")[2:6]]
    assert [c.rsplit(">", 1)[1] for c in cells] == ["3.5", "4.0", "3.0", "2.0"]


def test_the_form_starts_from_the_latest_scoring(
    client: TestClient, session: Session, world: World
) -> None:
    attributes = make_attributes(
        session,
        world.workspace,
        [("Sales", CURRENT, 2), ("Wallet", CURRENT, 1), ("Growth", FUTURE, 1), ("Fit", FUTURE, 1)],
    )
    score(session, world, attributes, [1, 1, 1, 1], at=timedelta(days=9))
    score(session, world, attributes, [4, 2, 5, 3], notes=["", "", MARKER, ""])
    sign_in(client, session, world.members["lead"])
    shown = client.get(page(world)).text
    form = shown.split('class="scoring-form"')[1]
    for a, v in zip(attributes, ["4", "2", "5", "3"], strict=True):
        select_html = form.split(f'id="s-score-{a.id}"')[1].split("</select>")[0]
        assert f'<option value="{v}" selected>' in select_html
    assert f">{MARKER}</textarea>" in form
    assert "incomplete" not in shown

    # An attribute added since: the score is incomplete until re-scored; its choice is blank.
    [added] = make_attributes(session, world.workspace, [("Access", FUTURE, 1)])
    added.position = 9
    session.add(added)
    session.commit()
    shown = text(client.get(page(world)))
    assert "This score is incomplete until the account is scored again:" in shown
    assert "Access was added to the scorecard after this scoring." in shown
    select_html = shown.split(f'id="s-score-{added.id}"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a score…</option>' in select_html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "from 1 to 5: every attribute needs a score"),
        ("0", "with a whole number from 1 to 5"),
        ("6", "with a whole number from 1 to 5"),
        ("²", "with a whole number from 1 to 5"),
        ("abc", "with a whole number from 1 to 5"),
        ("3.5", "with a whole number from 1 to 5"),
    ],
)
def test_bad_scores_are_refused_keeping_everything_typed(
    client: TestClient, session: Session, world: World, typed: str, message: str
) -> None:
    attributes = make_attributes(
        session, world.workspace, [("Sales", CURRENT, 1), ("Growth", FUTURE, 1)]
    )
    sign_in(client, session, world.members["lead"])
    for headers in (POST, HTMX):
        response = client.post(
            page(world),
            data=form_data(attributes, ["4", typed], [MARKER + "-a", MARKER + "-b"])
            | {"note": MARKER + "-overall"},
            headers=headers,
        )
        assert response.status_code == 422
        body = text(response)
        assert f"Score “Growth” {message}" in body
        assert f'id="s-score-{attributes[1].id}-error"' in body
        assert f'id="s-score-{attributes[0].id}-error"' not in body
        for suffix in ("-a", "-b", "-overall"):
            assert MARKER + suffix in body
        first = body.split(f'id="s-score-{attributes[0].id}"')[1].split("</select>")[0]
        assert '<option value="4" selected>' in first
        if typed:
            second = body.split(f'id="s-score-{attributes[1].id}"')[1].split("</select>")[0]
            assert f'<option value="{typed}" selected>' in second
    assert scorings(session, world) == []
    assert events(session) == []


def test_missing_scores_and_long_notes_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    attributes = make_attributes(
        session,
        world.workspace,
        [("Sales", CURRENT, 1), ("Wallet", CURRENT, 1), ("Growth", FUTURE, 1)],
    )
    sign_in(client, session, world.members["lead"])
    # Only the first attribute is in the form at all (e.g. the page was older than the others).
    response = client.post(
        page(world),
        data={"attribute": [str(attributes[0].id)], "score": ["3"], "attribute_note": ["x" * 1001]},
        headers=POST,
    )
    assert response.status_code == 422
    body = text(response)
    assert "Score “Wallet” from 1 to 5: every attribute needs a score." in body
    assert "Score “Growth” from 1 to 5: every attribute needs a score." in body
    assert "Keep the note on “Sales” under 1000 characters." in body
    assert "x" * 1001 in body
    long_overall = client.post(
        page(world),
        data=form_data(attributes, ["3", "3", "3"]) | {"note": "y" * 4001},
        headers=POST,
    )
    assert long_overall.status_code == 422
    assert "Keep the overall note under 4000 characters." in long_overall.text
    fits = client.post(
        page(world),
        data=form_data(attributes, ["3", "3", "3"], ["x" * 1000, "", ""]),
        headers=POST,
    )
    assert fits.status_code == 303
    assert len(scorings(session, world)) == 1


def test_a_half_without_attributes_cannot_place_the_account(
    client: TestClient, session: Session, world: World
) -> None:
    attributes = make_attributes(
        session, world.workspace, [("Sales", CURRENT, 2), ("Wallet", CURRENT, 1)]
    )
    sign_in(client, session, world.admin)
    shown = text(client.get(page(world)))
    assert "not enough attributes to place the account" in shown.lower()
    assert "Complete the scorecard" in shown
    response = client.post(page(world), data=form_data(attributes, ["4", "4"]), headers=POST)
    assert response.status_code == 422
    assert "Not enough attributes to place the account" in text(response)
    assert scorings(session, world) == []
    with pytest.raises(service.Refused):
        score(session, world, attributes, [4, 4])


@pytest.mark.parametrize("role", ["sponsor", "member", "viewer"])
def test_client_roles_are_refused(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    attributes = make_attributes(
        session, world.workspace, [(f"{MARKER} sales", CURRENT, 1), ("Growth", FUTURE, 1)]
    )
    score(session, world, attributes, [4, 4], note=MARKER)
    sign_in(client, session, world.members[role])
    shown = client.get(page(world))
    assert shown.status_code == 403
    assert MARKER not in shown.text
    for headers in (POST, HTMX):
        posted = client.post(page(world), data=form_data(attributes, ["1", "1"]), headers=headers)
        assert posted.status_code == 403
        assert MARKER not in posted.text
    assert len(scorings(session, world)) == 1
    audit_page = client.get(f"/accounts/{world.account.id}/audit")
    assert audit_page.status_code == 200
    assert MARKER not in audit_page.text
    assert "scorecard." not in audit_page.text
    plan_page = client.get(f"/accounts/{world.account.id}/plan")
    assert MARKER not in plan_page.text


@pytest.mark.parametrize("role", ["team", "mentor"])
def test_the_team_and_the_mentor_read_but_do_not_score(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    attributes = make_attributes(
        session, world.workspace, [("Sales", CURRENT, 1), ("Growth", FUTURE, 1)]
    )
    score(session, world, attributes, [4, 2], note=MARKER)
    sign_in(client, session, world.members[role])
    shown = client.get(page(world))
    assert shown.status_code == 200
    assert MARKER in shown.text
    assert 'class="scoring-form"' not in shown.text
    posted = client.post(page(world), data=form_data(attributes, ["1", "1"]), headers=POST)
    assert posted.status_code == 403
    assert len(scorings(session, world)) == 1


def test_other_accounts_are_not_found(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    assert client.get(f"/accounts/{world.foreign_account.id}/scorecard").status_code == 404
    assert client.get(f"/accounts/{world.other_account.id}/scorecard").status_code == 404
    assert (
        client.post(f"/accounts/{world.other_account.id}/scorecard", headers=POST).status_code
        == 404
    )
    sign_in(client, session, world.other_admin)
    assert client.get(page(world)).status_code == 404


def _scored_world(session: Session, world: World, attributes: int, scored: int) -> None:
    specs = [(f"Attribute {i}", CURRENT if i % 2 else FUTURE, 1 + i % 3) for i in range(attributes)]
    made = make_attributes(session, world.workspace, specs)
    for i in range(scored):
        score(
            session,
            world,
            made,
            [1 + (i + j) % 5 for j in range(attributes)],
            at=timedelta(days=scored - i),
        )


@pytest.mark.parametrize(("small", "large"), [((5, 2), (5, 40)), ((5, 2), (10, 2))])
def test_the_account_page_runs_a_constant_number_of_queries(
    client: TestClient,
    session: Session,
    world: World,
    count_queries: QueryCounter,
    small: tuple[int, int],
    large: tuple[int, int],
) -> None:
    sign_in(client, session, world.members["lead"])
    _scored_world(session, world, *small)
    client.get(page(world))
    count_queries.statements.clear()
    assert client.get(page(world)).status_code == 200
    few = count_queries.count

    for attribute in live(session, world.workspace):
        session.delete(attribute)
    for row in scorings(session, world):
        session.delete(row)
    session.commit()
    _scored_world(session, world, *large)
    count_queries.statements.clear()
    shown = client.get(page(world))
    assert shown.status_code == 200
    assert shown.text.count('name="attribute"') == large[0]
    assert shown.text.split('id="history"')[1].count("<tr>") == large[1] + 1
    assert count_queries.count == few
    assert few <= 8


def test_the_admin_page_runs_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.admin)
    make_attributes(session, world.workspace, [("A", CURRENT, 1), ("B", FUTURE, 1)])
    client.get(ADMIN)
    count_queries.statements.clear()
    client.get(ADMIN)
    few = count_queries.count
    make_attributes(
        session, world.workspace, [(f"More {i}", CURRENT if i % 2 else FUTURE, 2) for i in range(8)]
    )
    count_queries.statements.clear()
    assert client.get(ADMIN).text.count('class="button small danger"') == 10
    assert count_queries.count == few
