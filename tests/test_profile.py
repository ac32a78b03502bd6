"""The account profile (internal to the vendor) and the client's validation page.

The vendor writes eight sections about the client; the lead sends a section for validation,
which shares the text *as sent* (``shared_body``), never the working text (``body``), which the
team may keep editing. The client's sponsor and members confirm or correct it; the vendor may
use the correction. The marker test proves that no client role ever sees the working text.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session, col, select

from app.models import (
    AuditEvent,
    Notification,
    OutboxMessage,
    ProfileKind,
    ProfileSection,
    Validation,
)
from app.profile import repository, service
from app.profile.service import StaleEdit
from app.web.confirm import CONFIRMATION
from tests.conftest import CSRF, QueryCounter
from tests.factories import World, make_account, sign_in
from tests.masking import unmasked
from tests.testclient import TestClient

HTMX = {"HX-Request": "true", "X-CSRF-Token": CSRF}
FORM = {"X-CSRF-Token": CSRF}
MARKER = "zq-profile-internal-5c1e"
CLIENT_ROLES = ("sponsor", "member", "viewer")
KIND_ROUTES = ("", "/share", "/withdraw", "/adopt")


def url(world: World, tail: str = "") -> str:
    return f"/accounts/{world.account.id}{tail}"


def account_id(world: World) -> int:
    assert world.account.id is not None
    return world.account.id


def section_of(session: Session, world: World, kind: str) -> ProfileSection | None:
    session.expire_all()
    return repository.get_for_write(session, account_id=account_id(world), kind=kind)


def write(
    session: Session, world: World, kind: str, body: str, *, by: str = "lead"
) -> ProfileSection:
    """Save a section's text as ``by`` would (through the service)."""
    current = section_of(session, world, kind)
    saved = service.save(
        session,
        actor=world.members[by],
        account_id=account_id(world),
        kind=ProfileKind(kind),
        section=current,
        body=body,
        expected_version=current.version if current else 0,
    )
    session.commit()
    assert saved is not None
    return saved


def send(session: Session, world: World, kind: str, *, by: str = "lead") -> ProfileSection:
    section = section_of(session, world, kind)
    assert section is not None
    service.share(
        session, actor=world.members[by], section=section, expected_version=section.version
    )
    session.commit()
    return section


def reply(
    session: Session, world: World, kind: str, correction: str = "", *, by: str = "sponsor"
) -> ProfileSection:
    section = section_of(session, world, kind)
    assert section is not None
    service.answer(
        session,
        actor=world.members[by],
        section=section,
        decision=Validation.CORRECTED if correction else Validation.CONFIRMED,
        correction=correction,
        expected_version=service.answer_version(section),
    )
    session.commit()
    return section


def events(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.item_type) == service.ITEM)
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def text_of(page: str) -> str:
    """The page's words, tags removed and white space folded (for phrases across tags)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- The profile page (vendor side) -------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "team", "mentor"])
def test_the_vendor_side_reads_all_eight_sections_in_order(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    write(session, world, "swot", "Strong brand.\n\nOld IT.", by="team")
    user = world.admin if role == "admin" else world.members[role]
    sign_in(client, session, user)
    page = client.get(url(world, "/profile"))
    assert page.status_code == 200
    positions = [page.text.index(f'id="profile-{kind.value}"') for kind in ProfileKind]
    assert positions == sorted(positions)
    words = text_of(page.text)
    assert "0 of 8 sections validated by the client" in words
    assert 'aria-current="page">Profile<' in page.text  # the internal tabs
    # The empty states say what belongs there; a written one shows its paragraphs and author.
    assert "Nothing written yet. What belongs here: where the company wants to be" in words
    assert "<p>Strong brand.</p>" in page.text
    assert "<p>Old IT.</p>" in page.text
    assert "Last edited by Team member just now" in words
    assert words.count("Not sent to the client") == 8
    writes = role != "mentor"
    assert ('action="/accounts/' in page.text) is writes
    assert ("Send to the client for validation" in words) is (role in ("admin", "lead"))


def test_the_swot_empty_state_names_its_four_parts(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    words = text_of(client.get(url(world, "/profile")).text)
    assert "its strengths, weaknesses, opportunities and threats" in words


def test_user_text_is_escaped(client: TestClient, session: Session, world: World) -> None:
    write(session, world, "goals", '<script>alert("x")</script> & <b>bold</b>')
    sign_in(client, session, world.members["lead"])
    page = client.get(url(world, "/profile")).text
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_roles_are_refused_on_every_profile_route(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    write(session, world, "goals", MARKER)
    sign_in(client, session, world.members[role])
    page = client.get(url(world, "/profile"))
    assert page.status_code == 403
    assert MARKER not in page.text
    for tail in KIND_ROUTES:
        for kind in ("goals", "nonsense"):
            response = client.post(
                url(world, f"/profile/{kind}{tail}"),
                data={"body": "client text", "version": "1"},
                headers=HTMX,
            )
            assert response.status_code == 403, tail
            assert MARKER not in response.text
    section = section_of(session, world, "goals")
    assert section is not None
    assert section.body == MARKER


def test_an_unknown_kind_is_not_found(client: TestClient, session: Session, world: World) -> None:
    sign_in(client, session, world.members["lead"])
    for tail in KIND_ROUTES:
        response = client.post(
            url(world, f"/profile/leadership{tail}"),
            data={**CONFIRMATION, "body": "x", "version": "0"},
            headers=FORM,
        )
        assert response.status_code == 404, tail


# --- Writing ------------------------------------------------------------------------------------


def test_the_first_save_makes_the_row_and_edits_are_versioned(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["team"])
    first = client.post(
        url(world, "/profile/goals"),
        data={"body": "  Grow services to 30%.  ", "version": "0", "csrf_token": CSRF},
    )
    assert first.status_code == 303
    assert first.headers["location"] == url(world, "/profile#profile-goals")
    section = section_of(session, world, "goals")
    assert section is not None
    assert (section.body, section.version, section.validation) == (
        "Grow services to 30%.",
        1,
        "none",
    )
    assert section.updated_by_id == world.members["team"].id

    second = client.post(
        url(world, "/profile/goals"),
        data={"body": "Grow services to 40%.", "version": "1"},
        headers=HTMX,
    )
    assert second.status_code == 200
    # Only that section comes back, with the summary out of band.
    assert "<html" not in second.text
    assert second.text.count('class="panel profile-section') == 1
    assert 'id="profile-summary" hx-swap-oob="true"' in second.text
    assert "Saved “Company goals”." in second.text
    section = section_of(session, world, "goals")
    assert section is not None
    assert (section.body, section.version) == ("Grow services to 40%.", 2)

    written, updated = events(session)
    assert (written.verb, written.visibility) == ("profile.written", "internal")
    assert written.changes == {"kind": [None, "goals"], "body": [None, "Grow services to 30%."]}
    assert (updated.verb, updated.visibility) == ("profile.updated", "internal")
    assert updated.changes == {"body": ["Grow services to 30%.", "Grow services to 40%."]}
    # An empty first save makes nothing.
    empty = client.post(
        url(world, "/profile/trends"), data={"body": " ", "version": "0"}, headers=HTMX
    )
    assert empty.status_code == 200
    assert section_of(session, world, "trends") is None


@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_is_refused_with_the_text_kept(
    client: TestClient, session: Session, world: World, htmx: bool
) -> None:
    write(session, world, "markets", "Saved words")
    sign_in(client, session, world.members["lead"])
    headers = HTMX if htmx else FORM
    for body, message in (
        ("Typed words " + "x" * 8000, "Keep the text under 8000 characters."),
        ("Typed words \x00 here", "Remove the invisible control characters from the text."),
    ):
        response = client.post(
            url(world, "/profile/markets"), data={"body": body, "version": "1"}, headers=headers
        )
        assert response.status_code == 422
        assert message in response.text
        assert html.escape(body[:40], quote=False) in response.text
        assert 'aria-invalid="true"' in response.text
        assert ("<html" in response.text) is not htmx
    section = section_of(session, world, "markets")
    assert section is not None
    assert (section.body, section.version) == ("Saved words", 1)


def test_a_stale_edit_is_refused_naming_who_with_both_texts(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "competitors", "First words")
    write(session, world, "competitors", "Lead's words")  # version 2 now
    sign_in(client, session, world.members["team"])
    stale = client.post(
        url(world, "/profile/competitors"),
        data={"body": "Team's words", "version": "1", "csrf_token": CSRF},
    )
    assert stale.status_code == 409
    words = text_of(stale.text)
    assert f"{world.members['lead'].email} changed this section meanwhile" in words
    assert "Team&#39;s words</textarea>" in stale.text  # typed text kept
    assert "<p>Lead&#39;s words</p>" in stale.text  # what is saved now
    assert 'name="version" value="2"' in stale.text
    section = section_of(session, world, "competitors")
    assert section is not None
    assert section.body == "Lead's words"


def test_two_first_saves_racing_make_the_loser_stale_not_a_500(
    client: TestClient, session: Session, world: World
) -> None:
    # The winner's first save commits while the loser still believes there is no row.
    write(session, world, "structure", "Winner's words", by="lead")
    with pytest.raises(StaleEdit) as raised:
        service.save(
            session,
            actor=world.members["team"],
            account_id=account_id(world),
            kind=ProfileKind.STRUCTURE,
            section=None,
            body="Loser's words",
            expected_version=0,
        )
    assert raised.value.who == world.members["lead"].email
    assert raised.value.current.body == "Winner's words"
    session.commit()
    rows = session.exec(select(ProfileSection).where(ProfileSection.kind == "structure")).all()
    assert [row.body for row in rows] == ["Winner's words"]
    assert [e.verb for e in events(session)] == ["profile.written"]
    # Through the page, a first save made after someone else's is the same 409.
    sign_in(client, session, world.members["team"])
    response = client.post(
        url(world, "/profile/structure"),
        data={"body": "Loser's words", "version": "0"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "Loser&#39;s words</textarea>" in response.text


# --- Sending for validation ----------------------------------------------------------------------


def test_sending_shares_the_text_as_it_is_and_tells_the_client(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "goals", "Words as sent")
    sign_in(client, session, world.members["lead"])
    response = client.post(url(world, "/profile/goals/share"), data={"version": "1"}, headers=HTMX)
    assert response.status_code == 200
    words = text_of(response.text)
    assert "Waiting for the client, sent just now" in words
    assert "1 waiting for the client's answer" in words
    section = section_of(session, world, "goals")
    assert section is not None
    assert (section.validation, section.shared_body, section.version) == (
        "pending",
        "Words as sent",
        1,
    )
    assert section.shared_by_id == world.members["lead"].id

    (event,) = [e for e in events(session) if e.verb == "profile.sent"]
    assert event.visibility == "shared"
    assert event.changes == {
        "shared_body": ["", "Words as sent"],
        "validation": ["none", "pending"],
    }

    notes = session.exec(
        select(Notification).where(Notification.kind == "validation.requested")
    ).all()
    assert sorted(n.user_id for n in notes) == sorted(
        [world.members["sponsor"].id, world.members["member"].id]  # type: ignore[list-item]
    )
    for note in notes:
        assert note.link == url(world, f"/validation#validation-profile-{section.id}")
        assert "“Company goals”" in note.message
        assert "Words as sent" not in note.message
    mails = [m for m in session.exec(select(OutboxMessage)).all() if "check" in m.subject]
    assert {m.to_address for m in mails} == {"sponsor@client.example", "member@client.example"}
    assert all("Words as sent" not in m.body_text + m.subject for m in mails)


def test_sending_again_replaces_the_answer_and_a_changed_text_says_so(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "trends", "Old view")
    send(session, world, "trends")
    reply(session, world, "trends", "The client's view")
    write(session, world, "trends", "New view")
    sign_in(client, session, world.members["lead"])
    words = text_of(client.get(url(world, "/profile")).text)
    assert "Corrected by Client sponsor: The client's view" in words
    assert "Edited since it was sent — send again to ask about the new text" in words
    assert "Send the new text to the client" in words
    assert "Their earlier answer will be replaced." in words
    response = client.post(url(world, "/profile/trends/share"), data={"version": "2"}, headers=FORM)
    assert response.status_code == 303
    section = section_of(session, world, "trends")
    assert section is not None
    assert (section.validation, section.shared_body) == ("pending", "New view")
    assert (section.client_correction, section.answered_at, section.answered_by_id) == (
        "",
        None,
        None,
    )
    sent_again = [e for e in events(session) if e.verb == "profile.sent"][-1]
    assert set(sent_again.changes) == {"shared_body", "validation"}


def test_sending_refuses_an_empty_an_unchanged_or_an_unread_text(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    never = client.post(
        url(world, "/profile/financials/share"), data={"version": "0"}, headers=HTMX
    )
    assert never.status_code == 409
    assert "Write this section before you send it" in never.text
    write(session, world, "financials", "Revenue up")
    write(session, world, "financials", "")  # emptied: version 2
    emptied = client.post(
        url(world, "/profile/financials/share"), data={"version": "2"}, headers=FORM
    )
    assert emptied.status_code == 409
    assert "Write this section before you send it" in emptied.text
    write(session, world, "financials", "Revenue down")  # version 3
    unread = client.post(
        url(world, "/profile/financials/share"), data={"version": "2"}, headers=HTMX
    )
    assert unread.status_code == 409
    assert "changed this section meanwhile, so nothing was sent" in text_of(unread.text)
    assert (
        client.post(
            url(world, "/profile/financials/share"), data={"version": "3"}, headers=HTMX
        ).status_code
        == 200
    )
    again = client.post(
        url(world, "/profile/financials/share"), data={"version": "3"}, headers=HTMX
    )
    assert again.status_code == 409
    assert "already waiting for the client" in text_of(again.text)
    assert [e.verb for e in events(session) if e.visibility == "shared"] == ["profile.sent"]
    told = session.exec(select(Notification)).all()
    assert {n.kind for n in told} == {"validation.requested"}
    assert len(told) == 2  # sent once: the sponsor and the member


def test_withdrawing_makes_the_section_internal_again(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "structure", "Org chart words")
    section = send(session, world, "structure")
    reply(session, world, "structure", "Fixed words")
    sign_in(client, session, world.admin)
    response = client.post(
        url(world, "/profile/structure/withdraw"), data=CONFIRMATION, headers=HTMX
    )
    assert response.status_code == 200
    assert "Not sent to the client" in text_of(response.text)
    section = section_of(session, world, "structure")
    assert section is not None
    assert (section.validation, section.shared_body, section.client_correction) == ("none", "", "")
    assert section.body == "Org chart words"
    (event,) = [e for e in events(session) if e.verb == "profile.withdrawn"]
    assert event.visibility == "shared"
    assert event.changes == {"validation": ["corrected", "none"]}
    again = client.post(url(world, "/profile/structure/withdraw"), data=CONFIRMATION, headers=HTMX)
    assert again.status_code == 409
    assert "not with the client" in again.text
    # The client no longer sees it nor reaches it.
    sign_in(client, session, world.members["sponsor"])
    assert "Org chart words" not in client.get(url(world, "/validation")).text
    answer = client.post(
        url(world, f"/validation/profile/{section.id}"),
        data={**CONFIRMATION, "decision": "confirm"},
        headers=HTMX,
    )
    assert answer.status_code == 404
    # A correction typed while the lead withdrew it is not lost: the page gives it back, the
    # same page a missing id gives (so nothing tells an unsent section from no section).
    typed = {"decision": "correct", "correction": "Our structure, in my words", "version": "x"}
    late = client.post(
        url(world, f"/validation/profile/{section.id}"),
        data={**CONFIRMATION, **typed},
        headers=FORM,
    )
    missing = client.post(
        url(world, "/validation/profile/999999"), data={**CONFIRMATION, **typed}, headers=FORM
    )
    assert late.status_code == missing.status_code == 404
    assert "Our structure, in my words</textarea>" in late.text
    assert "not waiting for your answer any more" in late.text
    assert unmasked(late.text) == unmasked(missing.text)


def test_the_team_uses_the_clients_correction(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "value_chain", "Our guess")
    sign_in(client, session, world.members["team"])
    nothing = client.post(
        url(world, "/profile/value_chain/adopt"),
        data={**CONFIRMATION, "version": "1"},
        headers=HTMX,
    )
    assert nothing.status_code == 409
    assert "has not corrected this section" in nothing.text
    send(session, world, "value_chain")
    reply(session, world, "value_chain", "What really happens")
    page = text_of(client.get(url(world, "/profile")).text)
    assert "Use the client's correction" in page
    write(session, world, "value_chain", "Our second guess")  # version 2
    stale = client.post(
        url(world, "/profile/value_chain/adopt"),
        data={**CONFIRMATION, "version": "1"},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert "changed this section meanwhile" in text_of(stale.text)
    done = client.post(
        url(world, "/profile/value_chain/adopt"),
        data={**CONFIRMATION, "version": "2"},
        headers=FORM,
    )
    assert done.status_code == 303
    section = section_of(session, world, "value_chain")
    assert section is not None
    assert (section.body, section.version) == ("What really happens", 3)
    assert section.validation == "corrected"
    # The text is the client's own now: nothing to send again, still validated.
    page = text_of(client.get(url(world, "/profile")).text)
    assert "Edited since it was sent" not in page
    assert "Send the new text to the client" not in page
    assert "Use the client's correction" not in page
    assert "1 of 8 sections validated by the client." in page
    adopted = [e for e in events(session) if e.verb == "profile.correction_adopted"]
    assert [(e.visibility, e.changes) for e in adopted] == [
        ("internal", {"body": ["Our second guess", "What really happens"]})
    ]


# --- The client's validation page ----------------------------------------------------------------


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_the_client_sees_only_what_was_sent_as_it_was_sent(
    client: TestClient, session: Session, world: World, role: str
) -> None:
    write(session, world, "goals", "Goals as sent")
    send(session, world, "goals")
    write(session, world, "goals", "Goals edited afterwards")
    write(session, world, "markets", "Markets never sent")
    sign_in(client, session, world.members[role])
    page = client.get(url(world, "/validation"))
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Is this right about" in words
    assert "your account team at vendor wrote this about your company" in words.lower()
    assert "Goals as sent" in words
    assert "Goals edited afterwards" not in words
    assert "Markets never sent" not in words
    assert "Markets and positioning" not in words
    answers = role in ("sponsor", "member")
    waiting = "your answer" if answers else "an answer from your colleagues"
    assert f"Waiting for {waiting}, sent just now" in words
    assert ("Yes, this is right" in words) is answers
    assert ("Correct it" in words) is answers
    if answers:  # the correction box starts from the text as sent
        assert "Goals as sent</textarea>" in page.text


def test_the_empty_state_and_the_vendor_preview(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["sponsor"])
    assert "Nothing is waiting for your check" in text_of(
        client.get(url(world, "/validation")).text
    )
    sign_in(client, session, world.members["mentor"])
    preview = text_of(client.get(url(world, "/validation")).text)
    assert "sees: sent for their check" in preview
    assert "Nothing is sent to the client yet" in preview
    write(session, world, "swot", "SWOT as sent")
    send(session, world, "swot")
    preview = text_of(client.get(url(world, "/validation")).text)
    assert "SWOT as sent" in preview
    assert "Waiting for the client's answer, sent just now" in preview
    assert "Yes, this is right" not in preview


def test_the_client_confirms_and_the_vendor_is_told(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "goals", "Goals as sent", by="team")
    section = send(session, world, "goals")
    version = service.answer_version(section)
    sign_in(client, session, world.members["member"])
    response = client.post(
        url(world, f"/validation/profile/{section.id}"),
        data={"decision": "confirm", "version": version, "csrf_token": CSRF},
    )
    assert response.status_code == 303
    assert response.headers["location"] == url(
        world, f"/validation#validation-profile-{section.id}"
    )
    section = section_of(session, world, "goals")
    assert section is not None
    assert (section.validation, section.answered_by_id) == ("confirmed", world.members["member"].id)
    (event,) = [e for e in events(session) if e.verb == "profile.confirmed"]
    assert event.visibility == "shared"
    assert event.changes == {"validation": ["pending", "confirmed"]}
    notes = session.exec(
        select(Notification).where(Notification.kind == "validation.answered")
    ).all()
    assert [n.user_id for n in notes] == [world.members["lead"].id]
    assert notes[0].link == url(world, "/profile#profile-goals")
    assert "Client member confirmed “Company goals”" in notes[0].message
    # The profile shows it; the summary counts it.
    sign_in(client, session, world.members["team"])
    words = text_of(client.get(url(world, "/profile")).text)
    assert "1 of 8 sections validated by the client" in words
    assert "Confirmed by Client member just now" in words


def test_the_client_corrects_with_htmx_and_bad_input_keeps_the_text(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "competitors", "Competitors as sent")
    section = send(session, world, "competitors")
    version = service.answer_version(section)
    path = url(world, f"/validation/profile/{section.id}")
    sign_in(client, session, world.members["sponsor"])
    for data, message in (
        ({"decision": "correct", "correction": "  "}, "Enter your correction."),
        (
            {"decision": "correct", "correction": "Typed correction " + "y" * 8000},
            "Keep your correction under 8000 characters.",
        ),
        ({"decision": "maybe", "correction": ""}, "Choose whether the text is right"),
    ):
        response = client.post(path, data=data | {"version": version}, headers=HTMX)
        assert response.status_code == 422, data
        assert message in html.unescape(response.text)
        if data["correction"].strip():
            assert "Typed correction yyy" in response.text
            assert '<details class="correct-step" open>' in response.text
    full = client.post(
        path, data={"decision": "correct", "correction": "", "version": version}, headers=FORM
    )
    assert full.status_code == 422
    assert "<html" in full.text
    done = client.post(
        path,
        data={"decision": "correct", "correction": "Their real rivals", "version": version},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert "<html" not in done.text
    assert 'id="validation-summary" role="status" hx-swap-oob="true"' in done.text
    words = text_of(done.text)
    assert "Corrected by Client sponsor just now" in words
    assert "Their real rivals" in words
    section = section_of(session, world, "competitors")
    assert section is not None
    assert (section.validation, section.client_correction) == ("corrected", "Their real rivals")
    (event,) = [e for e in events(session) if e.verb == "profile.corrected"]
    assert event.visibility == "shared"
    assert event.changes == {
        "validation": ["pending", "corrected"],
        "client_correction": ["", "Their real rivals"],
    }


def test_a_stale_answer_is_refused_but_internal_edits_do_not_make_it_stale(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "markets", "Markets as sent")
    section = send(session, world, "markets")
    loaded = service.answer_version(section)
    path = url(world, f"/validation/profile/{section.id}")
    # The team keeps editing its own text: nothing the client sees changed.
    write(session, world, "markets", f"Internal rework {MARKER}")
    sign_in(client, session, world.members["member"])
    first = client.post(
        path,
        data={"decision": "correct", "correction": "Member's view", "version": loaded},
        headers=HTMX,
    )
    assert first.status_code == 200
    # The sponsor answers from the page loaded before the member's answer.
    sign_in(client, session, world.members["sponsor"])
    stale = client.post(
        path,
        data={"decision": "correct", "correction": "Sponsor's view", "version": loaded},
        headers=HTMX,
    )
    assert stale.status_code == 409
    words = text_of(stale.text)
    assert "Client member changed this meanwhile" in words
    assert "Sponsor's view" in words  # typed text kept
    assert "Member's view" in words  # what is there now
    assert MARKER not in stale.text
    section = section_of(session, world, "markets")
    assert section is not None
    assert section.client_correction == "Member's view"
    confirm = client.post(path, data={"decision": "confirm", "version": "0"}, headers=FORM)
    assert confirm.status_code == 409
    assert MARKER not in confirm.text


def test_answers_to_unsent_or_other_accounts_sections_are_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    unsent = write(session, world, "financials", MARKER)
    other = make_account(session, admin=world.admin)
    assert other.id is not None
    theirs = service.save(
        session,
        actor=world.admin,
        account_id=other.id,
        kind=ProfileKind.GOALS,
        section=None,
        body="Theirs",
        expected_version=0,
    )
    assert theirs is not None
    service.share(session, actor=world.admin, section=theirs, expected_version=1)
    session.commit()
    sign_in(client, session, world.members["sponsor"])
    for section_id in (unsent.id, theirs.id, 999_999):
        response = client.post(
            url(world, f"/validation/profile/{section_id}"),
            data={"decision": "confirm", "version": "0"},
            headers=HTMX,
        )
        assert response.status_code == 404
        assert MARKER not in response.text
    sign_in(client, session, world.members["viewer"])
    write(session, world, "goals", "Sent")
    sent = send(session, world, "goals")
    refused = client.post(
        url(world, f"/validation/profile/{sent.id}"),
        data={"decision": "confirm", "version": service.answer_version(sent)},
        headers=HTMX,
    )
    assert refused.status_code == 403


# --- The account page, the focus metric, query counts ----------------------------------------------


def test_the_account_page_shows_the_client_the_way_in(
    client: TestClient, session: Session, world: World
) -> None:
    write(session, world, "goals", "Goals")
    write(session, world, "swot", "SWOT")
    sign_in(client, session, world.members["viewer"])
    assert "for your check" not in client.get(url(world)).text
    send(session, world, "goals")
    send(session, world, "swot")
    page = client.get(url(world))
    assert "2 items about your company wait for your check" in text_of(page.text)
    assert f'href="{url(world, "/validation")}"' in page.text
    reply(session, world, "swot")
    assert "1 item about your company waits for your check" in text_of(client.get(url(world)).text)
    sign_in(client, session, world.members["lead"])
    assert "for your check" not in client.get(url(world)).text


def queries_for(client: TestClient, counter: QueryCounter, path: str) -> int:
    client.get(path)  # warm-up
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200
    return counter.count


def test_the_account_page_runs_as_many_queries_for_the_client_whatever_waits(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.members["sponsor"])
    none = queries_for(client, count_queries, url(world))
    for kind in ProfileKind:
        write(session, world, kind.value, f"{kind.label} text")
        send(session, world, kind.value)
    assert queries_for(client, count_queries, url(world)) == none


def fill_profile(session: Session, world: World, kinds: list[ProfileKind]) -> None:
    """Sections written by different people, sent, answered in every way."""
    writers = ["lead", "team"]
    for n, kind in enumerate(kinds):
        write(session, world, kind.value, f"{kind.label} text", by=writers[n % 2])
        if n % 4 == 3:
            continue  # one in four stays internal
        send(session, world, kind.value)
        if n % 4 == 1:
            reply(session, world, kind.value, by="sponsor")
        elif n % 4 == 2:
            reply(session, world, kind.value, "A correction", by="member")
            write(session, world, kind.value, f"{kind.label} edited", by=writers[(n + 1) % 2])


@pytest.mark.parametrize("who", ["lead", "sponsor"])
def test_the_pages_run_a_constant_number_of_queries(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter, who: str
) -> None:
    paths = [url(world, "/validation")] + ([url(world, "/profile")] if who == "lead" else [])
    sign_in(client, session, world.members[who])
    fill_profile(session, world, [ProfileKind.GOALS])
    one = [queries_for(client, count_queries, path) for path in paths]
    fill_profile(session, world, list(ProfileKind)[1:])
    assert len(repository.sections(session, account_id=account_id(world))) == 8
    assert [queries_for(client, count_queries, path) for path in paths] == one


def test_validated_counts_for_the_portfolio_in_one_query(
    session: Session, world: World, count_queries: QueryCounter
) -> None:
    fill_profile(session, world, list(ProfileKind))  # 6 sent: 2 confirmed, 2 corrected
    other = make_account(session, admin=world.admin)
    session.commit()
    assert other.id is not None
    count_queries.statements.clear()
    counts = repository.validated_counts(session, [account_id(world), other.id, other.id])
    assert count_queries.count == 1
    assert counts == {account_id(world): (4, 6), other.id: (0, 0)}
    assert repository.validated_counts(session, []) == {}


# --- The marker: the working text never reaches the client ---------------------------------------


def test_no_client_role_ever_sees_the_working_text(
    client: TestClient, session: Session, world: World
) -> None:
    # Goals: sent, then edited (the edit carries the marker).
    write(session, world, "goals", "SHARED-GOALS as sent")
    goals = send(session, world, "goals")
    write(session, world, "goals", f"Goals reworked {MARKER}-after-send")
    # Markets: never sent.
    unsent = write(session, world, "markets", f"{MARKER}-unsent")
    # Trends: sent, corrected by the client, then edited by the team.
    write(session, world, "trends", "SHARED-TRENDS as sent")
    trends = send(session, world, "trends")
    reply(session, world, "trends", "CLIENT-TRENDS in their words")
    write(session, world, "trends", f"{MARKER}-after-correction")
    # Competitors: sent, withdrawn, then edited.
    write(session, world, "competitors", "SHARED-COMP as sent")
    send(session, world, "competitors")
    withdrawn = section_of(session, world, "competitors")
    assert withdrawn is not None
    service.withdraw(session, actor=world.members["lead"], section=withdrawn)
    session.commit()
    write(session, world, "competitors", f"{MARKER}-after-withdraw")
    # The vendor's failed requests carry the marker too (their responses are the vendor's).
    sign_in(client, session, world.members["team"])
    client.post(
        url(world, "/profile/goals"), data={"body": f"{MARKER} stale", "version": "1"}, headers=HTMX
    )
    # Answers by the vendor side would be refused; the client's are the client's.

    seen: list[tuple[str, int, str]] = []
    for role in CLIENT_ROLES:
        sign_in(client, session, world.members[role])
        pages = {
            "validation": client.get(url(world, "/validation")),
            "validation htmx": client.get(url(world, "/validation"), headers=HTMX),
            "account": client.get(url(world)),
            "audit": client.get(url(world, "/audit")),
            "inbox": client.get("/inbox"),
            "profile": client.get(url(world, "/profile")),
        }
        for tail in KIND_ROUTES:
            pages[f"profile{tail}"] = client.post(
                url(world, f"/profile/goals{tail}"),
                data={"body": "x", "version": "9"},
                headers=HTMX,
            )
        for section_id in (goals.id, trends.id, unsent.id, withdrawn.id):
            for data in (
                {"decision": "maybe"},  # 422 (or 403 for the viewer, 404 for unsent)
                {"decision": "correct", "correction": "", "version": "0"},
                {"decision": "correct", "correction": "stale", "version": "0"},  # 409
            ):
                for headers in (HTMX, FORM):
                    response = client.post(
                        url(world, f"/validation/profile/{section_id}"), data=data, headers=headers
                    )
                    pages[f"answer {section_id} {data} {headers}"] = response
        for name, response in pages.items():
            seen.append((role, response.status_code, name))
            assert MARKER not in response.text, (role, name)
            assert MARKER not in str(response.headers), (role, name)
        shown = pages["validation"].text
        assert "SHARED-GOALS as sent" in shown
        assert "SHARED-TRENDS as sent" in shown
        assert "CLIENT-TRENDS in their words" in shown
        assert "SHARED-COMP" not in shown  # withdrawn
        assert "SHARED-GOALS as sent" in pages["validation htmx"].text
        audit = pages["audit"].text
        assert "SHARED-GOALS as sent" in audit  # the sending event is shared, with the text sent
        assert "profile.updated" not in audit
        assert "profile.written" not in audit
    statuses = {status for _, status, _ in seen}
    assert {200, 403, 404, 409, 422} <= statuses  # every kind of answer was looked at

    session.expire_all()
    clients = [world.members[role] for role in CLIENT_ROLES]
    for user in clients:
        for note in session.exec(select(Notification).where(Notification.user_id == user.id)).all():
            assert MARKER not in note.message + note.link
    for mail in session.exec(select(OutboxMessage)).all():
        if mail.to_address in {u.email for u in clients}:
            assert MARKER not in mail.subject + mail.body_text
    # The shared events never carry the working text, whatever happened after sending.
    for event in events(session):
        if event.visibility == "shared":
            assert MARKER not in str(event.changes)
            assert set(event.changes) <= {"shared_body", "validation", "client_correction"}


def test_clients_are_told_nothing_about_internal_changes(session: Session, world: World) -> None:
    write(session, world, "goals", MARKER)
    write(session, world, "goals", f"{MARKER} again")
    assert session.exec(select(Notification)).all() == []
    assert all(e.visibility == "internal" for e in events(session))


def test_the_same_answer_again_changes_nothing_and_tells_nobody(
    session: Session, world: World
) -> None:
    write(session, world, "goals", "Grow in the Nordics")
    send(session, world, "goals")
    reply(session, world, "goals", "Grow in the Baltics too")
    before = len(events(session))
    told = session.exec(select(Notification).where(Notification.kind == "validation.answered"))
    count = len(told.all())
    reply(session, world, "goals", "Grow in the Baltics too")
    assert len(events(session)) == before
    again = session.exec(select(Notification).where(Notification.kind == "validation.answered"))
    assert len(again.all()) == count
    reply(session, world, "goals")  # a different answer is a change
    assert len(events(session)) == before + 1
