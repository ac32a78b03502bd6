"""The account page: its members, open invitations, and where the plan stands.

``account_page`` is the responder the account's routes (members, invitations) answer through.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.accounts import repository
from app.invitations import repository as invitations_repo
from app.invitations.view import invite_form_context
from app.invitations.view import rows as invitation_rows
from app.kit.pages import Page
from app.models import Role, Side
from app.permissions.policy import AccountAccess, Actor, Verb, may
from app.plans import repository as plans_repo


def account_context(db: Session, actor: Actor, access: AccountAccess) -> dict[str, Any]:
    account_id = access.account_id
    members = repository.list_members(db, account_id=account_id)
    can_see_invitations = may(actor, access, Verb.INVITATIONS_VIEW)
    return {
        "access": access,
        "account": access.account,
        "plan": plans_repo.current(db, account_id=account_id),
        "members": members,
        "member_groups": [
            ("Vendor team", [m for m in members if m.role_enum.side is Side.VENDOR]),
            ("Client", [m for m in members if m.role_enum.side is Side.CLIENT]),
        ],
        "invitations": (
            invitation_rows(actor, access, invitations_repo.list_open(db, account_id=account_id))
            if can_see_invitations
            else []
        ),
        "can_manage": may(actor, access, Verb.MEMBERS_MANAGE),
        "can_see_invitations": can_see_invitations,
        "can_verify": may(actor, access, Verb.AUDIT_VERIFY),
        "roles": list(Role),
        # The client's way to what was sent for its check (one query, client side only).
        "waiting_for_check": (
            0 if access.is_vendor else repository.waiting_for_check(db, account_id=account_id)
        ),
    }


def account_page(request: Request, db: Session, actor: Actor, access: AccountAccess) -> Page:
    def context() -> dict[str, Any]:
        shown = account_context(db, actor, access)
        invite = invite_form_context(shown["members"], shown["invitations"])
        return shown | invite | {"member_error": ""}

    return Page(request, "accounts/show.html", context, url=f"/accounts/{access.account_id}")
