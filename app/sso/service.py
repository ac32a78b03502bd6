"""Turning a verified ID token into a Jointplan sign-in.

An (issuer, subject) pair already linked signs its user in. A new pair is linked to a user only
through an e-mail address the provider marks verified, and only to someone Jointplan knows:
the invitee of the link they came from, or an existing user of that address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.invitations import service as invitations
from app.invitations.service import InvitationProblem
from app.models import Account, IdentityKind, Invitation, SignInIdentity, User
from app.users import repository as users_repo
from app.users import service as users
from app.web.forms import normalize_email


@dataclass(frozen=True)
class IdTokenFacts:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


@dataclass(frozen=True)
class OidcOutcome:
    user: User | None = None
    account: Account | None = None
    error: str = ""


def resolve_user(
    session: Session,
    *,
    facts: IdTokenFacts,
    provider_name: str,
    invitation: tuple[Invitation, Account] | None,
) -> OidcOutcome:
    email = normalize_email(facts.email)
    linked = users_repo.identity(session, issuer=facts.issuer, subject=facts.subject)
    if linked is not None:
        identity, user = linked
        users.mark_identity_used(session, identity)
    else:
        if not email or not facts.email_verified:
            return OidcOutcome(
                error=f"{provider_name} did not confirm your e-mail address, so your login there "
                "cannot be linked to Jointplan. Ask your IT team, or sign in with a password."
            )
        if invitation is not None and invitation[0].email != email:
            return OidcOutcome(
                error=f"This invitation is for {invitation[0].email}, but you signed in at "
                f"{provider_name} as {email}. Sign in there with the invited address."
            )
        user_or_none = users_repo.by_email(session, email=email)
        if user_or_none is None and invitation is None:
            return OidcOutcome(
                error=f"There is no Jointplan login for {email}. Open the link in your invitation "
                "e-mail to join."
            )
        user = user_or_none or users.create(
            session, email=email, display_name=facts.name or email.split("@")[0]
        )
        _link(session, user=user, facts=facts)
    if user.is_disabled:
        return OidcOutcome(error="This login is disabled. Ask your workspace admin.")
    if invitation is None:
        return OidcOutcome(user=user)
    invite, account = invitation
    try:
        invitations.accept(session, invitation=invite, account=account, user=user)
    except InvitationProblem as problem:
        return OidcOutcome(error=problem.message)
    return OidcOutcome(user=user, account=account)


def _link(session: Session, *, user: User, facts: IdTokenFacts) -> None:
    assert user.id is not None
    session.add(
        SignInIdentity(
            user_id=user.id, kind=IdentityKind.OIDC, issuer=facts.issuer, subject=facts.subject
        )
    )
    session.flush()
    changes = {"issuer": [None, facts.issuer], "subject": [None, facts.subject]}
    users.TRAIL.event(session, user, user, "auth.identity_linked", changes)
