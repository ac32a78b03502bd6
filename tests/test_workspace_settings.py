"""Workspace settings: the workspace's admins change the dimensions clients rate the
relationship on (DESIGN.md §3.3). Every change is on the global audit chain; a save based on an
outdated list is refused with who changed it, keeping what the admin typed; ratings already given
keep the names they were given under."""

from __future__ import annotations

import html

import pytest
from markupsafe import escape
from sqlmodel import Session, col, select

from app.audit.chain import GLOBAL_CHAIN
from app.audit.service import verify_chain
from app.models import DEFAULT_VALUE_DIMENSIONS, AuditEvent, User, ValueRating, Workspace
from app.plans import repository as plans_repo
from app.value import service as value
from app.workspaces import service
from tests.conftest import CSRF
from tests.factories import World, make_user, sign_in
from tests.testclient import TestClient

PAGE = "/admin/value-dimensions"
DEFAULTS = list(DEFAULT_VALUE_DIMENSIONS)
NEW = ["Candour", "Speed of delivery", "Commercial fairness", "Industry insight"]
VERB = "workspace.value_dimensions_changed"


def post(client: TestClient, text: str, based_on: list[str] | None = None) -> object:
    return client.post(
        PAGE,
        data={
            "dimensions": text,
            "current": DEFAULTS if based_on is None else based_on,
            "csrf_token": CSRF,
        },
    )


def stored(session: Session, workspace_id: int | None) -> list[str]:
    session.expire_all()  # the requests changed rows through their own sessions
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    return list(workspace.value_dimensions)


def events(session: Session) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.verb == VERB).order_by(col(AuditEvent.seq))
        ).all()
    )


def test_the_admin_changes_the_dimensions_on_the_global_chain(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="dimensions" rows="10"' in page.text
    assert ">Understanding of our business\nQuality of delivery\n" in page.text
    for name in DEFAULTS:
        assert f'<input type="hidden" name="current" value="{name}">' in page.text
    assert "Ratings already given keep the dimension names they were given under" in page.text
    assert "style=" not in page.text  # the Content-Security-Policy forbids inline styles

    # Blank lines are skipped, spaces tidied, the typed order kept.
    typed = "  Candour \r\n\r\nSpeed   of delivery\nCommercial fairness\n\nIndustry insight\n"
    response = post(client, typed)
    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    assert stored(session, world.workspace.id) == NEW

    [event] = events(session)
    assert event.chain == GLOBAL_CHAIN
    assert event.account_id is None
    assert event.actor_id == world.admin.id
    assert (event.item_type, event.item_id) == ("workspace", str(world.workspace.id))
    assert event.changes == {"value_dimensions": [DEFAULTS, NEW]}
    assert event.visibility == "internal"
    assert verify_chain(session, GLOBAL_CHAIN).ok

    after = client.get(PAGE)
    assert "Saved the value dimensions." in after.text
    assert '<input type="hidden" name="current" value="Candour">' in after.text
    assert "Value for money" not in after.text


def test_saving_the_same_list_writes_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    response = post(client, "\n".join(DEFAULTS))
    assert response.status_code == 303
    assert "The value dimensions are unchanged." in client.get(PAGE).text
    assert events(session) == []


def test_the_people_page_links_to_the_settings(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    assert f'href="{PAGE}"' in client.get("/admin/users").text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter 3 to 10 dimensions, one per line (there are 0)."),
        ("Candour & co\n\nSpeed\n", "Enter 3 to 10 dimensions, one per line (there are 2)."),
        (
            "\n".join(f"Dimension {n}" for n in range(11)),
            "Enter 3 to 10 dimensions, one per line (there are 11).",
        ),
        (
            "Candour\nSpeed\n" + "x" * 61,
            "(line 3) has 61 characters; keep each dimension to 60 characters or fewer.",
        ),
        ("Candour\nSpeed\nCANDOUR\n", "“CANDOUR” (line 3) repeats line 1. Each dimension once."),
        ("Candour\nSpeed\nCan dour\nSpeed  ", "“Speed” (line 4) repeats line 2."),
        ("Candour\nSp\x00eed\nFairness", "Line 2 contains invisible control characters."),
        ("Candour\nSpeed\tof delivery\nFairness", "Line 2 contains invisible control characters."),
        ("Candour\nSpeed\u2028Fairness\nInsight", "Line 2 contains invisible control characters."),
    ],
    ids=[
        "empty",
        "too-few",
        "too-many",
        "too-long",
        "duplicate-case",
        "duplicate-spaces",
        "nul",
        "tab",
        "line-separator",
    ],
)
def test_bad_input_is_refused_keeping_the_typed_text(
    client: TestClient, session: Session, world: World, typed: str, message: str
) -> None:
    sign_in(client, session, world.admin)
    response = post(client, typed)
    assert response.status_code == 422
    assert html.escape(message, quote=False) in response.text
    assert f"{escape(typed)}</textarea>" in response.text
    assert 'aria-invalid="true"' in response.text
    assert stored(session, world.workspace.id) == DEFAULTS
    assert events(session) == []


def test_sixty_characters_and_ten_dimensions_are_fine(
    client: TestClient, session: Session, world: World
) -> None:
    names = ["y" * 60, *(f"Dimension {n}" for n in range(9))]
    sign_in(client, session, world.admin)
    assert post(client, "\n".join(names)).status_code == 303
    assert stored(session, world.workspace.id) == names


def test_a_save_based_on_an_outdated_list_is_refused_naming_who_changed_it(
    client: TestClient, session: Session, world: World
) -> None:
    colleague = make_user(
        session, name="Chris Colleague", workspace=world.workspace, admin=True, password=None
    )
    session.commit()
    sign_in(client, session, colleague)
    assert post(client, "\n".join(NEW)).status_code == 303

    sign_in(client, session, world.admin)  # their form was loaded before the colleague's save
    mine = "Mine one\nMine two\nMine three"
    response = post(client, mine, based_on=DEFAULTS)
    assert response.status_code == 409
    assert "Changed meanwhile by Chris Colleague" in response.text
    assert f"{mine}</textarea>" in response.text
    assert "<li>Speed of delivery</li>" in response.text  # what is saved now
    # The form is now based on what is saved now: saving again replaces it on purpose.
    assert '<input type="hidden" name="current" value="Industry insight">' in response.text
    assert stored(session, world.workspace.id) == NEW
    assert len(events(session)) == 1

    again = post(client, mine, based_on=NEW)
    assert again.status_code == 303
    assert stored(session, world.workspace.id) == ["Mine one", "Mine two", "Mine three"]
    assert [e.actor_id for e in events(session)] == [colleague.id, world.admin.id]


def test_a_change_nobody_recorded_is_still_refused(
    client: TestClient, session: Session, world: World
) -> None:
    workspace = session.get(Workspace, world.workspace.id)
    assert workspace is not None
    workspace.value_dimensions = ["Speed", "Candour", "Fairness"]
    session.add(workspace)
    session.commit()
    sign_in(client, session, world.admin)
    response = post(client, "\n".join(NEW), based_on=DEFAULTS)
    assert response.status_code == 409
    assert "Changed meanwhile by Someone" in response.text
    missing = post(client, "\n".join(NEW), based_on=[])  # a form without the hidden list
    assert missing.status_code == 409
    assert stored(session, world.workspace.id) == ["Speed", "Candour", "Fairness"]


def test_the_service_refuses_a_stale_list_without_writing(session: Session, world: World) -> None:
    assert world.workspace.id is not None
    with pytest.raises(service.StaleEdit):
        service.set_value_dimensions(
            session,
            actor=world.admin,
            workspace_id=world.workspace.id,
            names=NEW,
            based_on=NEW,
        )
    assert stored(session, world.workspace.id) == DEFAULTS


@pytest.mark.parametrize(
    "role", ["lead", "team", "mentor", "sponsor", "member", "viewer", "removed", "outsider"]
)
def test_nobody_but_the_workspaces_admins_may_change_them(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    person = getattr(world, role) if role in ("removed", "outsider") else world.members[role]
    assert isinstance(person, User)
    sign_in(client, session, person)
    assert client.get(PAGE).status_code == 403
    assert post(client, "\n".join(NEW)).status_code == 403
    assert stored(session, world.workspace.id) == DEFAULTS
    assert events(session) == []


def test_anonymous_people_are_sent_to_sign_in(client: TestClient, world: World) -> None:
    assert client.get(PAGE).status_code == 303
    assert post(client, "\n".join(NEW)).status_code == 401


def test_another_workspaces_admin_changes_only_their_own_workspace(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.other_admin)
    assert post(client, "\n".join(NEW)).status_code == 303
    assert stored(session, world.other_workspace.id) == NEW
    assert stored(session, world.workspace.id) == DEFAULTS
    [event] = events(session)
    assert event.item_id == str(world.other_workspace.id)
    # Their settings page is theirs too; ours is unchanged for our admin.
    sign_in(client, session, world.admin)
    assert "Value for money" in client.get(PAGE).text


def test_the_rating_form_asks_about_the_new_dimensions_and_old_ratings_keep_theirs(
    client: TestClient, session: Session, world: World
) -> None:
    plan = plans_repo.current(session, account_id=world.account.id)  # type: ignore[arg-type]
    assert plan is not None
    value.rate(
        session,
        actor=world.members["sponsor"],
        account=world.account,
        plan=plan,
        overall=7,
        scores={"Value for money": 6},
        comment="",
    )
    session.commit()
    sign_in(client, session, world.admin)
    assert post(client, "\n".join(NEW)).status_code == 303

    sign_in(client, session, world.members["sponsor"])
    page = client.get(f"/accounts/{world.account.id}/plan").text
    for name in NEW:
        assert f'<input type="hidden" name="dimension" value="{name}">' in page
    assert '<input type="hidden" name="dimension" value="Value for money">' not in page
    rated = client.post(
        f"/accounts/{world.account.id}/ratings",
        data={"overall": "8", "dimension": NEW, "score": ["9", "", "", ""], "csrf_token": CSRF},
    )
    assert rated.status_code == 303
    session.expire_all()
    scores = [
        r.scores
        for r in session.exec(
            select(ValueRating)
            .where(ValueRating.account_id == world.account.id)
            .order_by(col(ValueRating.rated_at), col(ValueRating.id))
        ).all()
    ]
    assert scores == [{"Value for money": 6}, {"Candour": 9}]
