"""Security and caching headers, the CSRF cookie, and the CSRF check every state change goes
through.

The page renders its CSRF token into forms (``csrf_token``) and a meta tag that ``app.js`` sends
as the ``X-CSRF-Token`` header on every htmx request; another site can read neither the page nor
the cookies, so it cannot supply the token.

Pages are compressed, so a secret repeated in every page could be guessed a character at a time
from the compressed sizes (BREACH) by someone who can both inject text into a page and watch its
size. Each rendered page therefore carries the token masked afresh (``mask_token``: a random
mask and the token XOR the mask): the same token never appears twice in a page's bytes. The
check unmasks what it receives (``token_matches``); the raw token, as a test or a client that
read it from the cookie sends it, is accepted as well.

- A request that carries a session cookie must bring the token bound to that session: an HMAC
  of the session's secret token with the app's secret key. A token (and CSRF cookie) taken from
  any other session, the attacker's own included, is refused. A new session (sign-in, password
  change) has a new token; signing out ends it.
- A request without a session (signing in, a password reset, accepting an invitation) uses a
  double-submit token: a random ``jp_csrf`` cookie (HttpOnly, SameSite=Lax) whose value the page
  renders.

Over https the cookies carry the ``__Host-`` prefix, so no other host (a sibling sub-domain)
can set them for this one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import SAFE_METHODS
from app.tokens import new_token, same
from app.web.assets import static_versions
from app.web.errors import CsrfError
from app.web.forms import FORM_TYPES, undecodable_form

CSRF_COOKIE = "jp_csrf"
# The session cookie's name, here so that this module does not import the auth package.
SESSION_COOKIE = "jp_session"
HOST_PREFIX = "__Host-"
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


# Pages are never stored by the browser or a proxy: they show one person's data, and after
# signing out the back button must not bring it back. /static keeps its own caching.
NO_STORE = "no-store"
# The same URL answers a whole page or, to htmx, a fragment of it (``is_htmx``).
VARY_ON = "HX-Request"
STATIC_PREFIX = "/static/"
API_PREFIX = "/api/"


def _current_version(scope: Scope) -> bool:
    """Whether a static file is asked for under its current content hash (``?v=``), the only
    address that may be cached for good: an old instance during a deploy, or a file without a
    hash, must not pin a stale file in browsers for a year."""
    path = str(scope.get("path", ""))[len(STATIC_PREFIX) :]
    current = static_versions().get(path)
    query = scope.get("query_string", b"").split(b"&")
    return current is not None and f"v={current}".encode() in query


# A static URL the templates write (``static_url``) names its content's hash (``?v=``): what it
# answers never changes, so browsers keep it for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
# Compression (``app.main``): answers smaller than this go out as they are. Level 1 takes less
# than half of level 6's CPU on a large plan page (1.8 against 3.9 ms for 298 KB) for a fifth
# more bytes (32 against 26 KB: still a ninth of the page).
COMPRESS_ABOVE_BYTES = 512
COMPRESSION_LEVEL = 1


def cookie_name(name: str, *, secure: bool) -> str:
    """``name`` with the ``__Host-`` prefix over https (Secure, Path=/, no Domain)."""
    return HOST_PREFIX + name if secure else name


def csrf_cookie_header(value: str, *, secure: bool) -> str:
    name = cookie_name(CSRF_COOKIE, secure=secure)
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_csrf_token(secret_key: str, session_token: str) -> str:
    """The CSRF token bound to a session: only the server (its key) and the page shown to the
    session's owner know it, and it changes with the session."""
    digest = hmac.new(
        secret_key.encode(), b"jointplan csrf\x00" + session_token.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def mask_token(token: str) -> str:
    """``token`` as one page shows it: a fresh random mask, then the token XOR the mask, in
    base64url. Two pages never show the same string for the same token."""
    raw = token.encode()
    mask = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(raw, mask, strict=True))
    return base64.urlsafe_b64encode(mask + masked).rstrip(b"=").decode()


def unmask_token(supplied: str) -> str:
    """The token a ``mask_token`` string carries, or "" if ``supplied`` is not one."""
    try:
        data = base64.urlsafe_b64decode(supplied + "=" * (-len(supplied) % 4))
    except (binascii.Error, ValueError):
        return ""
    half = len(data) // 2
    if not data or len(data) % 2:
        return ""
    raw = bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True))
    return raw.decode("latin-1")


def token_matches(expected: str, supplied: str) -> bool:
    """Whether ``supplied`` is ``expected``, masked (from a page) or raw; in constant time."""
    if not expected or not supplied:
        return False
    masked = same(expected, unmask_token(supplied))
    raw = same(expected, supplied)
    return masked or raw


def add_page_headers(headers: MutableHeaders) -> None:
    """``Cache-Control: no-store`` and ``Vary: HX-Request`` (merged with any other Vary)."""
    headers["cache-control"] = NO_STORE
    varies = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if VARY_ON.lower() not in (v.lower() for v in varies):
        headers["vary"] = ", ".join([*varies, VARY_ON])


class SecurityMiddleware:
    """Adds the security and caching headers and makes sure every visitor has a CSRF token."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool, secret_key: str) -> None:
        self.app = app
        self.secure_cookies = secure_cookies
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.secure_cookies
        session_token = _cookie(scope, cookie_name(SESSION_COOKIE, secure=secure))
        issue = False
        if session_token:
            token = session_csrf_token(self.secret_key, session_token)
        else:
            token = _cookie(scope, cookie_name(CSRF_COOKIE, secure=secure))
            # The JSON API takes no cookies (it answers bearer tokens only): none is issued.
            issue = (not token or len(token) < 32) and not _is_api(scope)
            if issue:
                token = new_token()
        state = scope.setdefault("state", {})
        state["csrf_token"] = token
        is_page = not str(scope.get("path", "")).startswith(STATIC_PREFIX)
        versioned = not is_page and _current_version(scope)
        content_type = _header(scope, b"content-type")
        if (
            scope["method"] not in SAFE_METHODS
            and content_type.lower().startswith(FORM_TYPES)
            and not streamed_form(scope)
        ):
            body, receive = await _buffered(receive)
            kept = undecodable_form(body, content_type)
            if kept is not None:
                state["undecodable_form"] = kept

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if is_page:
                    add_page_headers(headers)
                elif versioned and message["status"] == 200:
                    headers["cache-control"] = IMMUTABLE
                if issue and not state.get("csrf_rotated"):
                    headers.append("set-cookie", csrf_cookie_header(token, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The routes that read their multipart body as it streams in (an upload: its size is limited
# while it arrives, and a file is not UTF-8 text): their body is never buffered here nor read
# as a form by the CSRF check (``csrf_protect``), which the route does itself
# (``check_streamed_csrf``) before it keeps any byte of a file.
STREAMED_FORMS = (re.compile(r"^/accounts/[^/]+/files/[^/]+/[^/]+$"),)


def streamed_form(scope: Scope) -> bool:
    if scope.get("method") != "POST":
        return False
    path = str(scope.get("path", ""))
    return any(pattern.match(path) for pattern in STREAMED_FORMS)


def check_streamed_csrf(request: Request, fields: dict[str, str]) -> None:
    """For a route whose form streams in: unless its CSRF header was checked already, the form
    must bring the page's token in a field before its file (``ui.form`` writes it first)."""
    if getattr(request.state, "csrf_checked", False):
        return
    if not token_matches(expected_csrf_token(request), fields.get(CSRF_FIELD, "")):
        raise CsrfError()


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it to the app again."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _is_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith(API_PREFIX)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


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


def rotate_csrf(
    request: Request, response: Response, *, secure: bool, session_token: str = ""
) -> None:
    """The session changed (sign-in, password change, sign-out): the token of the new session,
    or a fresh random one without a session, replaces the old token. The cookie gets the same
    value, so the page and the cookie agree whichever check the next request goes through."""
    token = session_csrf_token(_secret_key(request), session_token) if session_token else ""
    token = token or new_token()
    request.state.csrf_rotated = True
    request.state.csrf_token = token
    response.headers.append("set-cookie", csrf_cookie_header(token, secure=secure))


def _secret_key(request: Request) -> str:
    key: str = request.app.state.settings.resolved_secret_key
    return key


def expected_csrf_token(request: Request) -> str:
    """The token this request must carry: its session's, or the double-submit cookie's."""
    secure: bool = request.app.state.settings.secure_cookies
    session_token = request.cookies.get(cookie_name(SESSION_COOKIE, secure=secure), "")
    if session_token:
        return session_csrf_token(_secret_key(request), session_token)
    return request.cookies.get(cookie_name(CSRF_COOKIE, secure=secure), "")


def csrf_exempt(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark the one kind of route that changes state without the CSRF token: a POST that a
    signed token in its own URL authorises (RFC 8058's one-click unsubscribe, posted by a mail
    client that has neither the session nor the CSRF cookie). A forged cross-site request can
    do there only what the token's bearer may do anyway, so CSRF protection adds nothing."""
    endpoint.jp_csrf_exempt = True  # type: ignore[attr-defined]
    return endpoint


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: a state-changing request must carry the page's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if getattr(request.scope.get("endpoint"), "jp_csrf_exempt", False):
        return
    expected = expected_csrf_token(request)
    supplied = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if streamed_form(request.scope) and content_type.startswith("multipart/form-data"):
        # Its body is read by the route as it streams in; the route checks the form's token
        # (``check_streamed_csrf``) unless the header brought it.
        if supplied:
            if not token_matches(expected, supplied):
                raise CsrfError()
            request.state.csrf_checked = True
        return
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # The whole body is read here, before any dependency opens a transaction: a client that
        # sends its body slowly must not hold a database connection (or SQLite's writer turn)
        # while it does. Starlette keeps the parsed form for the handler.
        form = await request.form()
        if not supplied:
            value = form.get(CSRF_FIELD)
            supplied = value if isinstance(value, str) else ""
    if not token_matches(expected, supplied):
        raise CsrfError()
