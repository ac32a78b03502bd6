"""Selection that acts (issue 15, part 2), all of it internal to the vendor but the question
asked of the client sponsor:

- the workspace states its strategic objectives (a workspace admin adds, edits, orders and
  removes them) and each scorecard attribute names the objective it serves; the admin page
  warns about attributes serving none;
- each tier's treatment (review cadence, mentor required) set by the admin, shown on a
  Strategic account's page with what the account lacks of it;
- the account team's planned hours per account and quarter;
- the client sponsor's answer to whether the client wants a key-account relationship, in the
  plan, audited; the vendor reads it;
- the portfolio's time by tier and the Strategic accounts' mismatches, in a constant number of
  queries.
"""

from __future__ import annotations

import html
from datetime import timedelta

from sqlmodel import Session, col, select

from app.audit.chain import GLOBAL_CHAIN
from app.models import (
    Account,
    AccountScore,
    AuditEvent,
    Invitation,
    KeyAccountAnswer,
    Membership,
    PlannedHours,
    Role,
    ScorecardAttribute,
    StrategicObjective,
    Tier,
    TierTreatment,
    utcnow,
)
from app.portfolio.selection import OPPORTUNISTIC_SHARE_LIMIT
from app.scorecard import objectives
from app.scorecard.hours import quarter_of, quarters_from
from app.scorecard.objectives import ObjectiveValues
from app.web.confirm import CONFIRMATION
from tests import factories
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, sign_in
from tests.testclient import TestClient

ADMIN = "/admin/scorecard"
POST = {"X-CSRF-Token": CSRF}
HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}


def text(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def events(session: Session, prefix: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.verb).startswith(prefix))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def live_objectives(session: Session, world: World) -> list[StrategicObjective]:
    session.expire_all()
    return list(
        session.exec(
            select(StrategicObjective)
            .where(StrategicObjective.workspace_id == world.workspace.id)
            .where(col(StrategicObjective.removed_at).is_(None))
            .order_by(col(StrategicObjective.position))
        ).all()
    )


def objective(session: Session, world: World, title: str, *, other: bool = False) -> int:
    admin = world.other_admin if other else world.admin
    made = objectives.add_objective(
        session,
        actor=admin,
        workspace_id=admin.workspace_id,  # type: ignore[arg-type]
        values=ObjectiveValues(title, f"What “{title}” means"),
    )
    session.commit()
    assert made.id is not None
    return made.id


def make_tier(session: Session, account: Account, tier: Tier) -> None:
    current, future = {
        Tier.STRATEGIC: (4.0, 4.0),
        Tier.DEVELOP: (2.0, 4.0),
        Tier.MAINTAIN: (4.0, 2.0),
        Tier.OPPORTUNISTIC: (2.0, 2.0),
    }[tier]
    session.add(
        AccountScore(account_id=account.id, current=current, future=future, tier=tier.value)  # type: ignore[arg-type]
    )
    session.commit()


# --- Objectives ------------------------------------------------------------------------------


def test_the_admin_states_objectives_edits_orders_and_removes_them(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    empty = client.get(ADMIN)
    assert "No objectives yet" in text(empty)
    for title in ("Grow recurring revenue", "Win in logistics"):
        added = client.post(f"{ADMIN}/objectives", data={"title": f"  {title} "}, headers=POST)
        assert added.status_code == 303
    first, second = live_objectives(session, world)
    assert (first.title, second.title) == ("Grow recurring revenue", "Win in logistics")

    edited = client.post(
        f"{ADMIN}/objectives/{first.id}",
        data={"title": "Grow recurring revenue by 20 %", "description": "By 2028", "version": "1"},
        headers=POST,
    )
    assert edited.status_code == 303
    stale = client.post(
        f"{ADMIN}/objectives/{first.id}",
        data={"title": "An older idea", "version": "1"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "changed this objective meanwhile" in text(stale)
    assert "An older idea" in text(stale), "what was typed comes back"

    moved = client.post(
        f"{ADMIN}/objectives/{second.id}/move", data={"direction": "up"}, headers=POST
    )
    assert moved.status_code == 303
    assert [o.title for o in live_objectives(session, world)] == [
        "Win in logistics",
        "Grow recurring revenue by 20 %",
    ]
    asked = client.post(f"{ADMIN}/objectives/{second.id}/remove", headers=POST)
    assert asked.status_code == 200
    assert not asked.headers.get("location")
    assert len(live_objectives(session, world)) == 2, "nothing is removed without asking"
    removed = client.post(f"{ADMIN}/objectives/{second.id}/remove", data=CONFIRMATION, headers=POST)
    assert removed.status_code == 303
    assert [o.title for o in live_objectives(session, world)] == ["Grow recurring revenue by 20 %"]

    trail = events(session, "objective.")
    assert [e.verb for e in trail] == [
        "objective.added",
        "objective.added",
        "objective.updated",
        "objective.moved",
        "objective.removed",
    ]
    assert all(e.chain == GLOBAL_CHAIN and e.visibility == "internal" for e in trail)
    assert trail[2].changes["title"] == ["Grow recurring revenue", "Grow recurring revenue by 20 %"]


def test_bad_and_duplicate_objectives_are_refused_keeping_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    objective(session, world, "Win in logistics")
    sign_in(client, session, world.admin)
    blank = client.post(f"{ADMIN}/objectives", data={"description": "kept"}, headers=HTMX)
    assert blank.status_code == 422
    assert "kept" in text(blank)
    taken = client.post(f"{ADMIN}/objectives", data={"title": "WIN in  logistics"}, headers=HTMX)
    assert taken.status_code == 422
    assert "already has the objective" in text(taken)
    assert len(live_objectives(session, world)) == 1


def test_attributes_name_the_objective_they_serve_and_the_page_warns_about_the_others(
    client: TestClient, session: Session, world: World
) -> None:
    served = objective(session, world, "Win in logistics")
    foreign = objective(session, world, "Their objective", other=True)
    sign_in(client, session, world.admin)
    added = client.post(
        f"{ADMIN}/attributes",
        data={
            "name": "Share of wallet",
            "half": "current",
            "weight": "3",
            "objective_id": str(served),
        },
        headers=POST,
    )
    assert added.status_code == 303
    refused = client.post(
        f"{ADMIN}/attributes",
        data={"name": "Growth", "half": "future", "weight": "3", "objective_id": str(foreign)},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert "no longer one of the workspace's" in text(refused)
    client.post(
        f"{ADMIN}/attributes",
        data={"name": "Growth", "half": "future", "weight": "3"},
        headers=POST,
    )
    session.expire_all()
    wallet = session.exec(
        select(ScorecardAttribute).where(ScorecardAttribute.name == "Share of wallet")
    ).one()
    assert wallet.objective_id == served
    [event] = [
        e for e in events(session, "scorecard.attribute_added") if e.item_id == str(wallet.id)
    ]
    assert event.changes["objective_id"] == [None, served]

    page = text(client.get(ADMIN))
    assert "1 attribute serves no objective:" in page
    assert "Growth" in page.split("serves no objective:")[1][:200]
    edit = client.get(f"{ADMIN}/attributes/{wallet.id}/edit")
    assert f'value="{served}" selected' in edit.text


def test_another_workspaces_objective_is_not_found_and_clients_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    foreign = objective(session, world, "Their objective", other=True)
    sign_in(client, session, world.admin)
    data = {"title": "Taken over", "version": "1"}
    assert client.post(f"{ADMIN}/objectives/{foreign}", data=data, headers=POST).status_code == 404
    sign_in(client, session, world.members["lead"])
    assert client.post(f"{ADMIN}/objectives", data=data, headers=POST).status_code == 403
    assert events(session, "objective.updated") == []


# --- Treatment -------------------------------------------------------------------------------


def treatment_form(**changes: str) -> dict[str, str]:
    form = {f"months_{t.value}": m for t, m in zip(Tier, ("3", "3", "6", "12"), strict=True)}
    form["mentor_strategic"] = "on"
    return form | changes


def test_the_admin_sets_each_tiers_treatment_and_a_strategic_account_shows_it(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    saved = client.post(f"{ADMIN}/treatment", data=treatment_form(months_develop="2"), headers=POST)
    assert saved.status_code == 303
    session.expire_all()
    rows = session.exec(select(TierTreatment)).all()
    assert [(r.tier, r.review_months) for r in rows] == [("develop", 2)]
    [event] = events(session, "scorecard.treatment_changed")
    assert event.changes["review_months"] == [3, 2]
    assert event.visibility == "internal"
    page = client.get(ADMIN).text
    assert 'name="version_develop" value="1"' in page
    assert 'name="version_maintain" value="0"' in page
    same = client.post(
        f"{ADMIN}/treatment",
        data=treatment_form(months_develop="2", version_develop="1"),
        headers=POST,
    )
    assert same.status_code == 303
    assert len(events(session, "scorecard.treatment")) == 1
    bad = client.post(f"{ADMIN}/treatment", data=treatment_form(months_maintain="13"), headers=HTMX)
    assert bad.status_code == 422
    assert "every 1 to 12 months" in text(bad)

    make_tier(session, world.account, Tier.STRATEGIC)
    page = text(client.get(f"/accounts/{world.account.id}/scorecard"))
    assert "Strategic — treatment: quarterly review, mentor required." in page
    assert "A mentor is on the account." in page
    assert "The client's people are on the joint plan." in page
    assert "has not said yet whether it wants a key-account relationship" in page


def test_a_stale_save_of_the_treatment_is_refused_with_what_is_saved_now(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.admin)
    first = client.post(f"{ADMIN}/treatment", data=treatment_form(months_develop="2"), headers=POST)
    assert first.status_code == 303
    # Another admin's form, shown before that save: it would put Develop back to 3 months.
    stale = treatment_form(months_maintain="4")
    refused = client.post(f"{ADMIN}/treatment", data=stale, headers=HTMX)
    assert refused.status_code == 409
    body = text(refused)
    assert f"{world.admin.display_name} changed the tiers' treatment meanwhile" in body
    assert "review every 2 months, no mentor required" in body, "what is saved now is shown"
    assert 'name="version_develop" value="1"' in body, "now based on the saved version"
    assert '<option value="4" selected' in body, "the choices made are kept"
    session.expire_all()
    rows = session.exec(select(TierTreatment)).all()
    assert [(r.tier, r.review_months, r.version) for r in rows] == [("develop", 2, 1)]
    assert len(events(session, "scorecard.treatment")) == 1

    again = treatment_form(months_develop="5", version_develop="1")
    assert client.post(f"{ADMIN}/treatment", data=again, headers=POST).status_code == 303
    session.expire_all()
    [row] = session.exec(select(TierTreatment)).all()
    assert (row.review_months, row.version) == (5, 2)
    assert events(session, "scorecard.treatment")[-1].changes["review_months"] == [2, 5]


def test_a_strategic_account_without_client_people_suggests_inviting_them(
    client: TestClient, session: Session, world: World
) -> None:
    make_tier(session, world.other_account, Tier.STRATEGIC)
    sign_in(client, session, world.admin)
    page = text(client.get(f"/accounts/{world.other_account.id}/scorecard"))
    assert "No mentor yet" in page
    assert "invite the client's sponsor to the joint plan" in page
    assert f'href="/accounts/{world.other_account.id}#invite-panel"' in page


def test_the_reviews_page_offers_the_tiers_cadence(
    client: TestClient, session: Session, world: World
) -> None:
    make_tier(session, world.account, Tier.MAINTAIN)
    sign_in(client, session, world.members["lead"])
    page = text(client.get(f"/accounts/{world.account.id}/reviews"))
    assert "Maintain accounts are reviewed every 6 months" in page


# --- Planned hours ---------------------------------------------------------------------------


def test_the_team_plans_hours_per_quarter(
    client: TestClient, session: Session, world: World
) -> None:
    this_quarter = quarter_of(utcnow().date())
    url = f"/accounts/{world.account.id}/scorecard/hours"
    sign_in(client, session, world.members["team"])
    made = client.post(url, data={"quarter": this_quarter, "hours": "1,200"}, headers=POST)
    assert made.status_code == 303
    page = client.get(f"/accounts/{world.account.id}/scorecard").text
    assert f'name="versions" value="{this_quarter}:1 ' in page
    based_on = {"versions": f"{this_quarter}:1"}
    again = client.post(
        url,
        data={"quarter": this_quarter, "hours": "80", "note": "workshops"} | based_on,
        headers=POST,
    )
    assert again.status_code == 303
    session.expire_all()
    [row] = session.exec(select(PlannedHours)).all()
    assert (row.quarter, row.hours, row.note) == (this_quarter, 80, "workshops")
    trail = events(session, "hours.")
    assert [e.changes.get("hours") for e in trail] == [[None, 1200], [1200, 80]]
    assert all(e.visibility == "internal" and e.account_id == world.account.id for e in trail)

    bad = client.post(url, data={"quarter": "1999-Q1", "hours": "lots"}, headers=HTMX)
    assert bad.status_code == 422
    assert "Choose the quarter" in text(bad)
    assert "whole number" in text(bad)
    assert "lots" in text(bad)
    page = text(client.get(f"/accounts/{world.account.id}/scorecard"))
    assert this_quarter in page
    assert "workshops" in page

    sign_in(client, session, world.members["mentor"])
    assert (
        client.post(url, data={"quarter": this_quarter, "hours": "1"}, headers=POST).status_code
        == 403
    )
    sign_in(client, session, world.members["sponsor"])
    assert (
        client.post(url, data={"quarter": this_quarter, "hours": "1"}, headers=POST).status_code
        == 403
    )


def test_a_stale_save_of_a_quarters_hours_is_refused_with_what_is_saved_now(
    client: TestClient, session: Session, world: World
) -> None:
    this_quarter, next_quarter = quarters_from(utcnow().date())[:2]
    url = f"/accounts/{world.account.id}/scorecard/hours"
    sign_in(client, session, world.members["team"])
    shown = f"{this_quarter}:0 {next_quarter}:0"
    first = {"quarter": this_quarter, "hours": "300", "note": "kick-off", "versions": shown}
    assert client.post(url, data=first, headers=POST).status_code == 303
    sign_in(client, session, world.members["lead"])
    late = {"quarter": this_quarter, "hours": "45", "note": "my plan", "versions": shown}
    refused = client.post(url, data=late, headers=HTMX)
    assert refused.status_code == 409
    body = text(refused)
    team = world.members["team"]
    assert f"{team.email} changed the hours planned for {this_quarter}" in body or (
        f"{team.display_name} changed the hours planned for {this_quarter}" in body
    )
    assert "<dd>300</dd>" in body, "what is saved now is shown"
    assert "<dd>kick-off</dd>" in body
    assert 'name="hours" type="text" value="45"' in body, "nothing typed is lost"
    assert ">my plan</textarea>" in body
    assert f"{this_quarter}:1" in body, "the form is now based on the saved version"
    assert [e.changes["hours"] for e in events(session, "hours.")] == [[None, 300]]
    session.expire_all()
    [row] = session.exec(select(PlannedHours)).all()
    assert (row.hours, row.version) == (300, 1)

    other_quarter = {"quarter": next_quarter, "hours": "20", "versions": shown}
    assert client.post(url, data=other_quarter, headers=POST).status_code == 303
    on_purpose = late | {"versions": f"{this_quarter}:1"}
    assert client.post(url, data=on_purpose, headers=POST).status_code == 303
    stale_again = late | {"hours": "46", "versions": f"{this_quarter}:1"}
    assert client.post(url, data=stale_again, headers=HTMX).status_code == 409
    session.expire_all()
    saved = {r.quarter: (r.hours, r.version) for r in session.exec(select(PlannedHours)).all()}
    assert saved == {this_quarter: (45, 2), next_quarter: (20, 1)}


def test_quarters() -> None:
    from datetime import date

    assert quarter_of(date(2026, 12, 4)) == "2026-Q4"
    assert quarters_from(date(2026, 12, 4)) == ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3"]


# --- The client's key-account answer ---------------------------------------------------------


def test_the_sponsor_answers_in_their_own_words_and_the_vendor_reads_it(
    client: TestClient, session: Session, world: World
) -> None:
    url = f"/accounts/{world.account.id}/plan/key-account"
    plan = f"/accounts/{world.account.id}/plan"
    sign_in(client, session, world.members["sponsor"])
    assert "You have not answered yet." in text(client.get(plan))
    answered = client.post(
        url,
        data={"answer": "yes", "words": "We want to plan together", "based_on": "0"},
        headers=POST,
    )
    assert answered.status_code == 303
    stale = client.post(url, data={"answer": "no", "based_on": "0"}, headers=HTMX)
    assert stale.status_code == 409
    assert "answered meanwhile" in text(stale)
    changed = client.post(
        url, data={"answer": "not_now", "words": "After the merger", "based_on": "1"}, headers=POST
    )
    assert changed.status_code == 303
    bad = client.post(
        url, data={"answer": "maybe", "words": "kept words", "based_on": "2"}, headers=HTMX
    )
    assert bad.status_code == 422
    assert "kept words" in text(bad)

    session.expire_all()
    [row] = session.exec(select(KeyAccountAnswer)).all()
    assert (row.answer, row.words, row.version) == ("not_now", "After the merger", 2)
    trail = events(session, "key_account.")
    assert [e.changes["answer"] for e in trail] == [[None, "yes"], ["yes", "not_now"]]
    assert all(e.visibility == "shared" for e in trail)

    for role in ("lead", "member"):
        sign_in(client, session, world.members[role])
        page = text(client.get(plan))
        assert "Not now" in page
        assert "After the merger" in page
        assert "key-account-form" not in page
        refused = client.post(url, data={"answer": "yes", "based_on": "2"}, headers=POST)
        assert refused.status_code == 403
    make_tier(session, world.account, Tier.STRATEGIC)
    sign_in(client, session, world.admin)
    scorecard = text(client.get(f"/accounts/{world.account.id}/scorecard"))
    assert "key-account relationship: <strong>Not now</strong> — “After the merger”" in scorecard


# --- The portfolio ---------------------------------------------------------------------------


def test_the_portfolio_shows_time_by_tier_and_flags_mismatches(
    client: TestClient, session: Session, world: World
) -> None:
    quarter = quarter_of(utcnow().date())
    bare = factories.make_account(session, admin=world.admin, name="Bare strategic")
    make_tier(session, world.account, Tier.STRATEGIC)
    make_tier(session, bare, Tier.STRATEGIC)
    make_tier(session, world.other_account, Tier.OPPORTUNISTIC)
    session.add(KeyAccountAnswer(account_id=world.account.id, answer="yes"))  # type: ignore[arg-type]
    for account, hours in ((world.account, 60), (bare, 10), (world.other_account, 30)):
        session.add(PlannedHours(account_id=account.id, quarter=quarter, hours=hours))  # type: ignore[arg-type]
    session.add(PlannedHours(account_id=bare.id, quarter="1999-Q1", hours=999))  # type: ignore[arg-type]
    session.commit()
    sign_in(client, session, world.admin)
    page = text(client.get("/portfolio"))
    time = page.split('id="time"')[1]
    assert f"({quarter})" in time
    assert "Bare strategic</a>: no mentor" in time
    assert "Bare strategic</a>: no joint plan" in time
    assert "Bare strategic</a>: the client has not answered" in time
    assert "Own account</a>" not in time, "the own account has its mentor, client people and yes"
    assert "30% of the planned hours go to Opportunistic accounts" in time
    assert OPPORTUNISTIC_SHARE_LIMIT == 0.25
    assert "more than 25%" in time
    assert ">100<" in time, "the total of the quarter, not the old quarter's 999"

    # A mentor and an open invitation to the client's sponsor clear two of the flags (an
    # expired invitation did not).
    mentor = factories.make_user(session, workspace=world.workspace, name="Mentor two")
    factories.add_member(session, account=bare, user=mentor, role=Role.MENTOR, by=world.admin)
    for days, token in ((-1, "e"), (None, "o")):
        session.add(
            Invitation(
                account_id=bare.id,  # type: ignore[arg-type]
                email=f"{token}@client.example",
                role=Role.SPONSOR.value,
                token_hash=token * 64,
                expires_at=utcnow() + timedelta(days=days or 7),
            )
        )
        session.commit()
        time = text(client.get("/portfolio")).split('id="time"')[1]
        assert ("no joint plan" in time) is (days is not None)
    time = text(client.get("/portfolio")).split('id="time"')[1]
    assert "no mentor" not in time
    assert "no joint plan" not in time
    assert "Bare strategic</a>: the client has not answered" in time


def test_the_portfolio_query_count_does_not_grow_with_the_accounts(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    quarter = quarter_of(utcnow().date())
    sign_in(client, session, world.admin)

    def grow(n: int, start: int) -> None:
        for i in range(start, start + n):
            account = factories.make_account(session, admin=world.admin, name=f"Grown {i}")
            make_tier(session, account, list(Tier)[i % 4])
            session.add(PlannedHours(account_id=account.id, quarter=quarter, hours=i))  # type: ignore[arg-type]
            session.add(KeyAccountAnswer(account_id=account.id, answer="no", words="x"))  # type: ignore[arg-type]
            session.add(
                Membership(
                    account_id=account.id, user_id=world.members["mentor"].id, role=Role.MENTOR
                )  # type: ignore[arg-type]
            )
        session.commit()

    def count() -> int:
        client.get("/portfolio")
        count_queries.statements.clear()
        assert client.get("/portfolio").status_code == 200
        return count_queries.count

    grow(2, 0)
    few = count()
    grow(60, 2)
    many = count()
    assert many == few, "\n".join(count_queries.statements)
    # The selection facts come with the accounts (no query of their own); the portfolio's 11
    # are the plan page's 10 and the accounts' goals and results (tests/test_portfolio.py).
    assert many <= 11, "the portfolio's budget: the selection facts come with the accounts"


def test_client_pages_do_not_show_the_internal_selection(
    client: TestClient, session: Session, world: World
) -> None:
    make_tier(session, world.account, Tier.STRATEGIC)
    sign_in(client, session, world.members["sponsor"])
    assert client.get(f"/accounts/{world.account.id}/scorecard").status_code == 403
    assert client.get("/portfolio").status_code == 403
    plan = text(client.get(f"/accounts/{world.account.id}/plan"))
    assert "treatment" not in plan.lower()
    assert "planned hours" not in plan.lower()
