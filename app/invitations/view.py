"""What the invitation list on the account page shows of each invitation's e-mail, worked out
from rows already loaded (no queries here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.mail.service import can_send_again, short_error
from app.models import Invitation, OutboxMessage, OutboxStatus
from app.permissions.policy import AccountAccess, Actor, Verb, may


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
