"""Errors a person can understand. Pages get a friendly page; htmx requests get a toast."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class AppError(Exception):
    status_code = 400
    title = "Something is not right"
    message = "The request could not be completed."
    kept = ""  # text the person typed, shown back on the error page so that it is not lost

    def __init__(self, message: str | None = None, *, kept: str = "") -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.kept = kept


class NotFoundError(AppError):
    status_code = 404
    title = "Not found"
    message = "There is nothing here, or you do not have access to it."


def or_404(value: T | None) -> T:
    """``value``, or the 404 that a missing thing and one the person may not see both give."""
    if value is None:
        raise NotFoundError()
    return value


ANSWER_GONE = (
    "This is not waiting for your answer any more: your account team may have withdrawn it, "
    "or it does not exist. What you wrote is below, so that you can keep it."
)


class ForbiddenError(AppError):
    status_code = 403
    title = "Not allowed"
    message = "Your role in this account does not allow this."


class GoneError(AppError):
    status_code = 410
    title = "Link no longer valid"


class CsrfError(AppError):
    status_code = 403
    title = "Page expired"
    message = (
        "This form could not be accepted because its security token is missing or out of date. "
        "Reload the page and try again."
    )


class UndecodableFormError(AppError):
    status_code = 400
    title = "Not understood"
    message = (
        "Some of what was sent is not readable text (it is not UTF-8), so nothing was saved. "
        "What you wrote is below, as far as it could be read: copy it, reload the page and "
        "send it again."
    )


class ConflictError(AppError):
    status_code = 409
    title = "Changed meanwhile"


class PeriodClosedError(ConflictError):
    """A change to a closed period of a plan: it stays as it was, read-only."""

    title = "This period is closed"
    message = (
        "This period of the plan is closed: it stays as it was, for both sides to read. "
        "Nothing was saved. Changes go to the current period; open the plan to find it."
    )


class SignInRequired(AppError):
    status_code = 401
    title = "Please sign in"
    message = "Sign in to continue."


class UnavailableError(AppError):
    """The app cannot serve now for a reason outside the request; answered with Retry-After."""

    status_code = 503
    title = "Not available right now"
    retry_after = 5  # seconds


class DatabaseUnavailableError(UnavailableError):
    title = "Not saved: the database is not answering"
    message = (
        "Jointplan cannot reach its database at the moment. Nothing you sent was saved. "
        "Please try again in a few seconds."
    )
    # The connection broke while the change was being committed: it may have been saved.
    at_commit = (
        "Jointplan lost its database connection while saving, so it cannot tell whether your "
        "change was saved. Reload the page in a few seconds to check before trying again."
    )


class SchemaBehindError(UnavailableError):
    title = "The database needs upgrading"
    message = "The database schema is behind: run `jointplan migrate`."
    retry_after = 30
