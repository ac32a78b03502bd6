"""How the agreement's changes are answered, for every route that makes them (the plan page's
and the home's "Waiting for you"): the service's refusals as HTTP errors, and what an approval
says it did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.agreement.service import Approval, PlanGone, Refused
from app.web.errors import ConflictError, NotFoundError


@contextmanager
def refusals() -> Iterator[None]:
    """The service's refusals as answers: a plan not in a state for this is a conflict (409,
    the message says why); a plan that is not the account's is not found."""
    try:
        yield
    except Refused as refused:
        raise ConflictError(str(refused)) from None
    except PlanGone:
        raise NotFoundError() from None


def approved(approval: Approval) -> str:
    """The notice after an approval."""
    if approval.version is not None:
        return (
            f"Approved. Both sides agreed: the plan is frozen as version {approval.version.number}."
        )
    if approval.recorded:
        return f"Approved as {approval.slot.label}. Waiting for the other approval."
    return f"You had already approved as {approval.slot.label}; nothing changed."
