"""The answer that completes a sign-in, whichever way it came (password, invitation, OpenID
Connect): the session cookie, a CSRF token bound to the new session, and where to go next."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from app.auth import sessions
from app.config import Settings
from app.web.security import rotate_csrf


def signed_in_redirect(
    request: Request, token: str, settings: Settings, location: str
) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    sessions.set_cookie(response, token, settings)
    rotate_csrf(request, response, secure=settings.secure_cookies, session_token=token)
    return response
