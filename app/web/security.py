"""Security headers, the CSRF cookie, and the CSRF check every state change goes through.

CSRF uses a double-submit token: a random ``jp_csrf`` cookie (HttpOnly, SameSite=Lax) whose
value the page renders into forms (``csrf_token``) and a meta tag that ``app.js`` sends as the
``X-CSRF-Token`` header on every htmx request. Another site can neither read the cookie nor
the page, so it cannot supply the matching token. The token is replaced at sign-in.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import SAFE_METHODS
from app.tokens import new_token, same
from app.web.errors import CsrfError

CSRF_COOKIE = "jp_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def csrf_cookie_header(value: str, *, secure: bool) -> str:
    parts = [f"{CSRF_COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class SecurityMiddleware:
    """Adds the security headers and makes sure every visitor has a CSRF token."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope, CSRF_COOKIE)
        issue = not token or len(token) < 32
        if issue:
            token = new_token()
        state = scope.setdefault("state", {})
        state["csrf_token"] = token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if issue and not state.get("csrf_rotated"):
                    headers.append(
                        "set-cookie", csrf_cookie_header(token, secure=self.secure_cookies)
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookie(scope: Scope, name: str) -> str:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is treated as absent
                continue
            if name in jar:
                return jar[name].value
    return ""


def rotate_csrf(request: Request, response: Response, *, secure: bool) -> None:
    """Give the browser a fresh CSRF token (at sign-in), replacing the pre-sign-in one."""
    token = new_token()
    request.state.csrf_rotated = True
    request.state.csrf_token = token
    response.headers.append("set-cookie", csrf_cookie_header(token, secure=secure))


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: a state-changing request must carry the page's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            supplied = value if isinstance(value, str) else ""
    if not expected or not supplied or not same(expected, supplied):
        raise CsrfError()
