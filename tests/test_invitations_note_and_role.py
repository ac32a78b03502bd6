"""The invite form and the invitation e-mail: the role the account lacks, a second sponsor only
when the inviter confirms it, the inviter's personal note (quoted, attributed, for the invitee
alone, never in the audit trail), and what the person will be asked to do in their role.

Through real SMTP, as ``test_invitations_e2e`` does: the app under uvicorn with its mail
dispatcher, an aiosmtpd server receiving.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from email.message import Message

import pytest
from sqlmodel import Session, col

from app.invitations import service as invitations
from app.invitations.mail import ASKS
from app.invitations.service import NOTE_WRITTEN
from app.models import AuditEvent, Invitation, OutboxMessage, Role
from tests.conftest import QueryCounter
from tests.factories import World, sign_in
from tests.live import LiveServer, Mailbox
from tests.test_invitations_e2e import ACCOUNT, NEW_PASSWORD, Browser, Scene, text_of
from tests.testclient import TestClient

NOTE = (
    'Dana, <script>alert("x")</script> & "welcome" aboard!\n'
    "Open this link to accept:\nhttp://evil.example/steal"
)


@pytest.fixture
def scene(live_server: LiveServer, mailbox: Mailbox) -> Iterator[Scene]:
    scene = Scene(live_server, mailbox)
    try:
        yield scene
    finally:
        for browser in scene.browsers:
            browser.close()


def invite(
    scene: Scene, lead: Browser, email: str, role: str, note: str = "", **more: str
) -> tuple[int, str]:
    response = lead.submit(
        scene.account_path,
        f"{scene.account_path}/invitations",
        {"email": email, "role": role, "note": note, **more},
    )
    return response.status_code, response.text


def selected_role(page: str) -> str:
    """The role the invite form has selected."""
    form = page.split('class="invite-form"', 1)[1]
    found = re.search(r'<option value="(\w+)" selected>', form)
    assert found is not None, form
    return found.group(1)


def text_body(message: Message) -> str:
    """The e-mail's text with the line breaks SMTP carries (CRLF) as Python's."""
    return Mailbox.body(message).replace("\r\n", "\n")


def unescaped(page: str) -> str:
    return html.unescape(page)


def all_text(scene: Scene) -> str:
    """Every message the SMTP server received, as text."""
    return "\n".join(text_body(m) for m in list(scene.mailbox.messages))


# --- the note ----------------------------------------------------------------------------------


def test_the_note_is_quoted_attributed_and_reaches_the_invitee_alone(scene: Scene) -> None:
    lead = scene.lead()
    assert (
        invite(scene, lead, "dana@client.example", "member", NOTE.replace("\n", "\r\n"))[0] == 303
    )
    assert invite(scene, lead, "eve@client.example", "viewer", "Eve, just read along.")[0] == 303

    (dana_mail,) = scene.mails_to("dana@client.example")
    (eve_mail,) = scene.mails_to("eve@client.example")
    assert dana_mail.get_content_type() == "text/plain"
    assert not dana_mail.is_multipart()  # no HTML part in which the note could be markup
    body = text_body(dana_mail)
    # Quoted line by line under the inviter's name, as typed (plain text: no markup to escape),
    # so that its "Open this link" line reads as the note's, not the e-mail's.
    assert (
        "Lee Lead wrote:\n"
        '> Dana, <script>alert("x")</script> & "welcome" aboard!\n'
        "> Open this link to accept:\n"
        "> http://evil.example/steal\n"
    ) in body
    (stored,) = scene.rows(Invitation, Invitation.email == "dana@client.example")
    assert stored.note == NOTE  # line breaks kept as one character each
    assert re.search(
        r"^Open this link to accept:\nhttp://127\.0\.0\.1:\d+/invitations/", body, re.M
    )
    assert body.index("Lee Lead wrote:") < body.index(ASKS[Role.MEMBER])
    eve_body = text_body(eve_mail)
    assert "Lee Lead wrote:\n> Eve, just read along.\n" in eve_body
    assert "Dana," not in eve_body
    assert "evil.example" not in eve_body
    assert "Eve, just read along." not in body

    # The invitation page shows the note to whoever holds the link, escaped.
    dana = scene.browser()
    page = dana.get(scene.link_in(dana_mail, "/invitations/"))
    assert page.status_code == 200
    assert "Lee Lead wrote:" in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>alert" not in page.text
    assert ASKS[Role.MEMBER] in text_of(page)

    # The audit trail says a note was written, never what it says; nor does any later e-mail.
    events = scene.rows(AuditEvent, col(AuditEvent.id) > 0)
    sent = {
        e.changes["email"][1]: e.changes.get("note") for e in events if e.verb == "invitation.sent"
    }
    assert sent["dana@client.example"] == sent["eve@client.example"] == [None, NOTE_WRITTEN]
    trail = json.dumps([e.changes for e in events])
    assert "aboard" not in trail
    assert "read along" not in trail
    link = scene.link_in(dana_mail, "/invitations/")
    fields = {"display_name": "Dana Client", "password": NEW_PASSWORD}
    joined = dana.submit(link, link, fields | {"password_confirm": NEW_PASSWORD})
    assert joined.status_code == 303, text_of(joined)
    audit = text_of(dana.get(f"{scene.account_path}/audit"))
    assert "for the invitee only" in audit
    assert "aboard" not in audit
    assert "read along" not in audit
    assert all_text(scene).count("aboard!") == 1


def test_a_note_is_checked_and_kept_on_every_error(scene: Scene) -> None:
    lead = scene.lead()
    note = 'Hi <b>Hal</b>, "see you" & soon'

    status, page = invite(scene, lead, "hal at client", "member", note)
    assert status == 422
    assert "This is not a valid e-mail address" in html.unescape(page)
    assert f"{note}</textarea>" in html.unescape(page)  # the textarea keeps it, escaped
    assert "<b>Hal</b>" not in page

    too_long = "x" * 1001
    status, page = invite(scene, lead, "hal@client.example", "member", too_long)
    assert status == 422
    assert "Keep the note under 1000 characters." in page
    assert too_long in page
    # A line break is one character, as people count them, however the browser sends it.
    assert invite(scene, lead, "hal@client.example", "member", "y" * 998 + "\r\nz")[0] == 303

    hidden = "Pay to \u202eexe.txt"
    status, page = invite(scene, lead, "ivy@client.example", "member", hidden)
    assert status == 422
    assert "Remove the invisible formatting characters" in html.unescape(page)
    assert hidden in html.unescape(page)

    assert scene.rows(Invitation, Invitation.email == "ivy@client.example") == []
    (hal,) = scene.rows(Invitation, Invitation.email == "hal@client.example")
    assert hal.note == "y" * 998 + "\nz"
    assert scene.rows(OutboxMessage, OutboxMessage.to_address == "ivy@client.example") == []


# --- what each role is asked -------------------------------------------------------------------


def test_each_role_is_told_what_it_will_be_asked_to_do(scene: Scene) -> None:
    lead = scene.lead()
    addresses = {role: f"{role.value}-x@example.com" for role in Role}
    for role, address in addresses.items():
        status, page = invite(scene, lead, address, role.value)
        assert status == 303, html.unescape(page)
    for role, address in addresses.items():
        body = text_body(scene.mails_to(address)[0])
        assert ASKS[role] in body, role
        assert [r for r in Role if ASKS[r] in body] == [role]
        assert "wrote:" not in body  # no note, no quote
    member = text_body(scene.mails_to(addresses[Role.MEMBER])[0])
    assert "state your top priorities and rate the value of the relationship" in member
    assert "a few minutes" in member


# --- the suggested role and a second sponsor ---------------------------------------------------


def test_the_form_suggests_the_missing_role_and_asks_before_a_second_sponsor(
    scene: Scene,
) -> None:
    lead = scene.lead()
    page = lead.get(scene.account_path).text
    assert selected_role(page) == "sponsor"  # the account has a lead, no sponsor
    assert "already has a sponsor" not in page

    assert invite(scene, lead, "fay@client.example", "sponsor")[0] == 303
    page = lead.get(scene.account_path).text
    assert selected_role(page) == "mentor"  # the sponsor is invited: the next one lacking
    assert f"{ACCOUNT} already has a sponsor: fay@client.example (invited)." in unescaped(page)

    fay = scene.browser()
    link = scene.link_in(scene.mails_to("fay@client.example")[0], "/invitations/")
    fields = {"display_name": "Fay Sponsor", "password": NEW_PASSWORD}
    assert fay.submit(link, link, fields | {"password_confirm": NEW_PASSWORD}).status_code == 303
    page = lead.get(scene.account_path).text
    assert f"{ACCOUNT} already has a sponsor: Fay Sponsor." in unescaped(page)
    assert 'name="second_sponsor"' not in page  # the box shows once sponsor is chosen

    # Choosing sponsor again: a clear warning and a box to tick; nothing made, input kept.
    status, refused = invite(scene, lead, "gil@client.example", "sponsor", "Gil, welcome")
    assert status == 422
    assert (
        f"{ACCOUNT} already has a sponsor: Fay Sponsor. Any sponsor can agree the plan for the "
        "client."
    ) in unescaped(refused)
    assert selected_role(refused) == "sponsor"
    assert 'value="gil@client.example"' in refused
    assert "Gil, welcome</textarea>" in refused
    assert re.search(r'<input type="checkbox" id="f-second_sponsor" name="second_sponsor"', refused)
    assert scene.rows(Invitation, Invitation.email == "gil@client.example") == []

    confirmed = {"note": "Gil, welcome", "second_sponsor": "yes"}
    status, _ = invite(scene, lead, "gil@client.example", "sponsor", **confirmed)
    assert status == 303
    (gil,) = scene.rows(Invitation, Invitation.email == "gil@client.example")
    assert (gil.role, gil.note) == ("sponsor", "Gil, welcome")
    assert "Lee Lead wrote:\n> Gil, welcome" in text_body(scene.mails_to("gil@client.example")[0])


def test_after_an_htmx_invitation_the_form_suggests_the_next_missing_role(scene: Scene) -> None:
    lead = scene.lead()
    lead.get(scene.account_path)
    url = f"{scene.account_path}/invitations"
    sent = lead.htmx_post(url, {"email": "kim@client.example", "role": "sponsor", "note": ""})
    assert sent.status_code == 200
    assert "Invitation sent to kim@client.example." in text_of(sent)
    assert selected_role(sent.text) == "mentor"
    sent = lead.htmx_post(url, {"email": "max@vendor.example", "role": "mentor", "note": ""})
    assert selected_role(sent.text) == "member"
    assert 'value=""' in sent.text.split('id="f-email"', 1)[1][:200]  # the address is cleared


# --- the account page's cost -------------------------------------------------------------------


def test_the_suggestion_costs_no_query_however_many_sponsors_and_invitations(
    client: TestClient, session: Session, world: World, count_queries: QueryCounter
) -> None:
    sign_in(client, session, world.members["lead"])
    path = f"/accounts/{world.account.id}"

    def queries() -> int:
        client.get(path)
        count_queries.statements.clear()
        response = client.get(path)
        assert response.status_code == 200
        return count_queries.count

    before = queries()
    for n in range(12):
        invitations.invite(
            session,
            inviter=world.admin,
            account=world.account,
            email=f"sponsor-{n}@client.example",
            role=Role.SPONSOR if n % 2 else Role.TEAM,
            days=7,
            note=f"note {n}",
        )
    session.commit()
    after = queries()
    assert after == before, count_queries.statements
    page = html.unescape(client.get(path).text)
    assert "already has a sponsor: " in page
    assert "sponsor-11@client.example (invited)" in page
    assert "note 11" not in page  # the inviters' notes are not on the page
