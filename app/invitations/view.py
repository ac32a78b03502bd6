"""What the invitation panel of the account page shows, worked out from rows already loaded
(no queries here): each invitation's e-mail, and the invite form's suggested role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.mail.service import can_send_again, short_error
from app.models import Invitation, Membership, OutboxMessage, OutboxStatus, Role
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.web.forms import FormErrors


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    mail: OutboxMessage | None
    may_send_again: bool

    @property
    def not_delivered(self) -> bool:
        """Given up after its last attempt: the link never reached the invitee."""
        return self.mail is not None and self.mail.status == OutboxStatus.FAILED

    @property
    def retrying(self) -> bool:
        return (
            self.mail is not None
            and self.mail.status == OutboxStatus.PENDING
            and self.mail.attempts > 0
        )

    @property
    def error(self) -> str:
        return short_error(self.mail) if self.mail is not None else ""


def rows(
    actor: Actor, access: AccountAccess, found: Sequence[tuple[Invitation, OutboxMessage | None]]
) -> list[InvitationRow]:
    """The button "Send again" is offered to whoever may press it (the route checks again)."""
    return [
        InvitationRow(
            invitation=invitation,
            mail=mail,
            may_send_again=(
                mail is not None
                and can_send_again(mail)
                and may(actor, access, Verb.MAIL_SEND_AGAIN, mail)
            ),
        )
        for invitation, mail in found
    ]


# Which role the invite form suggests: the first the account lacks, in this order. The
# client's sponsor first (no plan is agreed without one: DESIGN.md §3.7), then the lead who
# drafts and approves it, the mentor who signs its reviews off (§1), then contributors: the
# client's own people before more of the vendor's (the plan is made *with* the client).
# Viewers are never lacking. With every one of these in place: another client member.
SUGGESTION_ORDER = (Role.SPONSOR, Role.LEAD, Role.MENTOR, Role.MEMBER, Role.TEAM)


def suggested_role(members: Sequence[Membership], invitations: Sequence[InvitationRow]) -> Role:
    """The first role of ``SUGGESTION_ORDER`` that no member holds and no open invitation
    offers."""
    held = {m.role_enum for m in members} | {row.invitation.role_enum for row in invitations}
    return next((role for role in SUGGESTION_ORDER if role not in held), Role.MEMBER)


def sponsors_in_place(
    members: Sequence[Membership], invitations: Sequence[InvitationRow]
) -> list[str]:
    """Who is the account's sponsor already, or invited to be: names, then addresses."""
    joined = [m.user.display_name for m in members if m.role_enum is Role.SPONSOR]
    invited = [
        f"{row.invitation.email} (invited)"
        for row in invitations
        if row.invitation.role_enum is Role.SPONSOR
    ]
    return joined + invited


def invite_form_context(
    members: Sequence[Membership], invitations: Sequence[InvitationRow]
) -> dict[str, Any]:
    """The invite form as it first shows (no queries: from the rows the page loaded)."""
    return {
        "invite": {
            "email": "",
            "role": suggested_role(members, invitations).value,
            "note": "",
            "second_sponsor": "",
        },
        "invite_errors": FormErrors(),
        "sponsors": sponsors_in_place(members, invitations),
    }
