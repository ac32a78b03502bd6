"""OpenID Connect sign-in, end to end: the live app against a real (mock) provider.

The provider is ``oidc-provider-mock`` served over HTTP on a loopback port. In front of it sits
``ProviderSpy``, a WSGI middleware that records what Jointplan sends to the token endpoint,
enforces PKCE (S256) the way a strict provider does (the mock itself does not), and can make the
provider misbehave: answer as another host (so the ID token names another issuer) or issue the
token for another client (so the ID token names another audience). The test plays the browser:
it follows every redirect by hand, so it can also tamper with what a browser would carry.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import werkzeug.serving
from sqlmodel import col, select

from app.config import OidcProvider, Settings
from app.invitations import service as invitations
from app.models import (
    Account,
    AuditEvent,
    IdentityKind,
    Invitation,
    Membership,
    Role,
    SignInIdentity,
    User,
    UserSession,
)
from tests import factories
from tests.live import LiveServer, Mailbox, free_port

with warnings.catch_warnings():
    # The mock provider imports Authlib modules that Authlib itself marks deprecated (and
    # Authlib installs an "always" filter for them on import, so it is imported first).
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

# The mock provider, running in a thread of this process, uses a deprecated Authlib hook.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:get_jwt_config\(self, grant\) is deprecated:DeprecationWarning"
)

CLIENT_ID = "jointplan"
CLIENT_SECRET = "jointplan-secret"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


class ProviderSpy:
    """Middleware in front of the mock provider (see the module docstring)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.challenges: dict[str, tuple[str, str]] = {}  # code -> (challenge, method)
        self.token_requests: list[dict[str, str]] = []
        self.id_tokens: list[dict[str, Any]] = []
        self.answer_as_host: str | None = None
        self.issue_for_client: str | None = None
        self.drop_code_verifier = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "POST" and path == "/oauth2/authorize":
            return self._authorize(environ, start_response)
        if method == "POST" and path == "/oauth2/token":
            return self._token(environ, start_response)
        return self.app(environ, start_response)

    def _authorize(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Remember the PKCE challenge of each code the provider issues."""
        query = parse_qs(environ.get("QUERY_STRING", ""))

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            location = next((v for k, v in headers if k.lower() == "location"), "")
            code = parse_qs(urlsplit(location).query).get("code")
            if code:
                with self.lock:
                    self.challenges[code[0]] = (
                        query.get("code_challenge", [""])[0],
                        query.get("code_challenge_method", [""])[0],
                    )
            return start_response(status, headers, exc_info)

        return self.app(environ, capture)

    def _token(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
        with self.lock:
            self.token_requests.append(
                {**form, "authorization": environ.get("HTTP_AUTHORIZATION", "")}
            )
            challenge, method = self.challenges.get(form.get("code", ""), ("", ""))
        if self.drop_code_verifier:
            form.pop("code_verifier", None)
        verifier = form.get("code_verifier", "")
        if method != "S256" or not verifier or s256(verifier) != challenge:
            body = json.dumps(
                {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            ).encode()
            start_response(
                "400 BAD REQUEST",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if self.issue_for_client:
            form["client_id"] = self.issue_for_client
            basic = base64.b64encode(f"{self.issue_for_client}:{CLIENT_SECRET}".encode()).decode()
            environ["HTTP_AUTHORIZATION"] = f"Basic {basic}"
        if self.answer_as_host:
            environ["HTTP_HOST"] = self.answer_as_host
        raw = urlencode(form).encode()
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))

        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["start"] = (status, headers, exc_info)
            return lambda _data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if answer["start"][0].startswith("200"):
            with self.lock:
                self.id_tokens.append(jwt_claims(json.loads(body)["id_token"]))
        start_response(*answer["start"])
        return [body]


@dataclass
class Provider:
    url: str
    port: int
    spy: ProviderSpy

    @property
    def issuer(self) -> str:
        return self.url

    def set_user(self, sub: str, **claims: Any) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    spy = ProviderSpy(oidc_provider_mock.app(require_nonce=True))
    server = werkzeug.serving.make_server("localhost", 0, spy, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        port = server.server_port
        yield Provider(url=f"http://localhost:{port}", port=port, spy=spy)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_settings(mailbox: Mailbox, provider: Provider) -> Settings:
    provider.spy.reset()
    port = free_port()
    return Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="o" * 64,
        database_url="sqlite://",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
        oidc_providers=[
            OidcProvider(
                key="acme",
                name="Acme SSO",
                issuer=provider.issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            ),
            # Discovery is fetched from the mock, but the issuer Jointplan was told to trust is
            # another one (as when a tenant-wide discovery document is shared by many issuers).
            OidcProvider(
                key="lookalike",
                name="Lookalike SSO",
                issuer="https://sso.acme.example",
                metadata_url=f"{provider.url}/.well-known/openid-configuration",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            ),
        ],
    )


@dataclass
class Scene:
    live: LiveServer
    provider: Provider
    account_id: int
    admin_id: int
    account_name: str
    browsers: list[httpx.Client] = field(default_factory=list)

    def browser(self) -> httpx.Client:
        client = httpx.Client(base_url=self.live.url, follow_redirects=False, timeout=60)
        self.browsers.append(client)
        return client

    def invite(self, email: str, role: Role = Role.MEMBER) -> str:
        """An invitation made by the workspace admin; returns its token."""
        with self.live.db.session() as s:
            account = s.get(Account, self.account_id)
            admin = s.get(User, self.admin_id)
            assert account is not None
            assert admin is not None
            sent = invitations.invite(
                s,
                inviter=admin,
                account=account,
                email=email,
                role=role,
                days=7,
            )
            s.commit()
        return sent.link.rsplit("/", 1)[1]

    def start(self, browser: httpx.Client, path: str) -> str:
        """Open a Jointplan start URL; returns the provider's authorization URL."""
        response = browser.get(path)
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert location.startswith(f"{self.provider.url}/oauth2/authorize?")
        return location

    def authorize(self, browser: httpx.Client, authorization_url: str, sub: str) -> str:
        """Sign in at the provider as ``sub``; returns the callback URL it sends the browser to."""
        response = browser.post(authorization_url, data={"sub": sub})
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(f"{self.live.url}/auth/oidc/")
        return location

    def sign_in(self, browser: httpx.Client, path: str, sub: str) -> httpx.Response:
        """The whole round trip; returns Jointplan's answer to the callback."""
        callback = self.authorize(browser, self.start(browser, path), sub)
        return browser.get(callback)

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.live.db.session(writes=False) as s:
            return list(s.exec(select(model).where(*where)).all())

    def verbs(self) -> list[str]:
        return [e.verb for e in self.rows(AuditEvent, col(AuditEvent.id) > 0)]


@pytest.fixture
def scene(live_server: LiveServer, provider: Provider) -> Iterator[Scene]:
    with live_server.db.session() as s:
        workspace = factories.make_workspace(s, "Vendor Ltd")
        admin = factories.make_user(
            s, email="admin@vendor.example", workspace=workspace, admin=True
        )
        account = factories.make_account(s, admin=admin, name="Northwind")
        s.commit()
        assert account.id is not None
        assert admin.id is not None
        scene = Scene(live_server, provider, account.id, admin.id, account.name)
    try:
        yield scene
    finally:
        for browser in scene.browsers:
            browser.close()


def page_text(response: httpx.Response) -> str:
    return html.unescape(response.text)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def assert_refused(response: httpx.Response, message: str) -> None:
    """A clear 400 page, and nobody signed in."""
    assert response.status_code == 400, response.text
    text = page_text(response)
    assert "Single sign-on did not work" in text
    assert message in text
    assert "jp_session" not in response.headers.get("set-cookie", "")


# --- (a) an invited client person joins with their company login ---------------------------


def test_invitee_joins_with_sso_and_signs_in_again_without_invitation(scene: Scene) -> None:
    email = "alice@client.example"
    scene.provider.set_user("alice-sub", email=email, email_verified=True, name="Alice Client")
    token = scene.invite(email, Role.MEMBER)

    browser = scene.browser()
    invite_page = browser.get(f"/invitations/{token}")
    assert invite_page.status_code == 200
    button = re.search(r'href="([^"]+)">Continue with Acme SSO<', invite_page.text)
    assert button is not None
    start_path = html.unescape(button.group(1))
    assert start_path == f"/auth/oidc/acme/start?invitation={token}"

    authorization_url = scene.start(browser, start_path)
    request = query_of(authorization_url)
    assert request["response_type"] == "code"
    assert request["client_id"] == CLIENT_ID
    assert request["redirect_uri"] == f"{scene.live.url}/auth/oidc/acme/callback"
    assert set(request["scope"].split()) >= {"openid", "email"}
    assert request["state"]
    assert request["nonce"]
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert "code_verifier" not in request  # the verifier never leaves Jointplan's side

    response = browser.get(scene.authorize(browser, authorization_url, "alice-sub"))
    assert response.status_code == 303, page_text(response)
    assert response.headers["location"] == f"/accounts/{scene.account_id}"
    assert "jp_session" in browser.cookies

    account_page = browser.get(f"/accounts/{scene.account_id}")
    assert account_page.status_code == 200
    assert f"Welcome to the {scene.account_name} account plan." in page_text(account_page)
    assert 'your role: <span class="badge badge-member">Client member</span>' in account_page.text

    (user,) = scene.rows(User, User.email == email)
    assert user.display_name == "Alice Client"
    assert user.workspace_id is None  # a client person belongs to no workspace
    (membership,) = scene.rows(Membership, Membership.user_id == user.id)
    assert (membership.account_id, membership.role) == (scene.account_id, Role.MEMBER.value)
    (invitation,) = scene.rows(Invitation, Invitation.email == email)
    assert invitation.accepted_at is not None
    assert invitation.accepted_user_id == user.id
    (identity,) = scene.rows(SignInIdentity, SignInIdentity.user_id == user.id)
    assert identity.kind == IdentityKind.OIDC
    assert (identity.issuer, identity.subject) == (scene.provider.issuer, "alice-sub")

    # PKCE: the token request carried the verifier whose S256 is the challenge sent earlier.
    (token_request,) = scene.provider.spy.token_requests
    assert token_request["grant_type"] == "authorization_code"
    assert s256(token_request["code_verifier"]) == request["code_challenge"]
    assert token_request["redirect_uri"] == request["redirect_uri"]
    (id_token,) = scene.provider.spy.id_tokens
    assert id_token["nonce"] == request["nonce"]
    assert id_token["aud"] == [CLIENT_ID]

    # Later, on another device, the same person signs in with the provider alone.
    again = scene.browser()
    second_request_url = scene.start(
        again, f"/auth/oidc/acme/start?next=/accounts/{scene.account_id}"
    )
    second = query_of(second_request_url)
    for key in ("state", "nonce", "code_challenge"):
        assert second[key] != request[key]  # fresh for every sign-in
    response = again.get(scene.authorize(again, second_request_url, "alice-sub"))
    assert response.status_code == 303, page_text(response)
    assert response.headers["location"] == f"/accounts/{scene.account_id}"
    assert again.get(f"/accounts/{scene.account_id}").status_code == 200
    assert scene.rows(User, User.email == email) == [user]
    assert len(scene.rows(SignInIdentity, SignInIdentity.user_id == user.id)) == 1
    assert len(scene.rows(UserSession, UserSession.user_id == user.id)) == 2

    events = scene.rows(AuditEvent, AuditEvent.actor_id == user.id)
    verbs = [e.verb for e in events]
    assert verbs.count("auth.identity_linked") == 1
    assert verbs.count("invitation.accepted") == 1
    assert verbs.count("membership.joined") == 1
    sign_ins = [e for e in events if e.verb == "auth.signed_in"]
    assert [e.changes["method"] for e in sign_ins] == [[None, "oidc:acme"]] * 2
    linked = next(e for e in events if e.verb == "auth.identity_linked")
    assert linked.changes["issuer"] == [None, scene.provider.issuer]
    assert linked.changes["subject"] == [None, "alice-sub"]
    accepted = next(e for e in events if e.verb == "invitation.accepted")
    assert accepted.account_id == scene.account_id


# --- (b) (c) (g) who may be linked --------------------------------------------------------


def test_unverified_email_is_not_linked(scene: Scene) -> None:
    email = "bob@client.example"
    scene.provider.set_user("bob-sub", email=email, email_verified=False, name="Bob")
    token = scene.invite(email)

    response = scene.sign_in(
        scene.browser(), f"/auth/oidc/acme/start?invitation={token}", "bob-sub"
    )

    assert_refused(response, "Acme SSO did not confirm your e-mail address")
    assert scene.rows(User, User.email == email) == []
    assert scene.rows(SignInIdentity, SignInIdentity.subject == "bob-sub") == []
    (invitation,) = scene.rows(Invitation, Invitation.email == email)
    assert invitation.accepted_at is None  # still open for a proper acceptance
    assert "auth.signed_in" not in scene.verbs()


def test_sso_address_other_than_the_invited_one_is_refused(scene: Scene) -> None:
    invited = "carol@client.example"
    token = scene.invite(invited)
    scene.provider.set_user(
        "mallory-sub", email="mallory@client.example", email_verified=True, name="Mallory"
    )

    response = scene.sign_in(
        scene.browser(), f"/auth/oidc/acme/start?invitation={token}", "mallory-sub"
    )

    assert_refused(
        response,
        f"This invitation is for {invited}, but you signed in at Acme SSO as "
        "mallory@client.example.",
    )
    assert scene.rows(User, User.email == "mallory@client.example") == []
    assert scene.rows(SignInIdentity, SignInIdentity.subject == "mallory-sub") == []
    (invitation,) = scene.rows(Invitation, Invitation.email == invited)
    assert invitation.accepted_at is None

    # An identity already linked to one person cannot take another person's invitation either.
    scene.provider.set_user("dave-sub", email="dave@client.example", email_verified=True)
    dave_token = scene.invite("dave@client.example")
    joined = scene.sign_in(
        scene.browser(), f"/auth/oidc/acme/start?invitation={dave_token}", "dave-sub"
    )
    assert joined.status_code == 303
    response = scene.sign_in(
        scene.browser(), f"/auth/oidc/acme/start?invitation={token}", "dave-sub"
    )
    assert_refused(
        response, f"This invitation is for {invited}; you are signed in as dave@client.example."
    )
    (invitation,) = scene.rows(Invitation, Invitation.email == invited)
    assert invitation.accepted_at is None


def test_sign_in_without_invitation_or_login_is_refused(scene: Scene) -> None:
    scene.provider.set_user(
        "stranger-sub", email="stranger@elsewhere.example", email_verified=True, name="Stranger"
    )

    response = scene.sign_in(scene.browser(), "/auth/oidc/acme/start", "stranger-sub")

    assert_refused(
        response,
        "There is no Jointplan login for stranger@elsewhere.example. Open the link in your "
        "invitation e-mail to join.",
    )
    assert scene.rows(User, User.email == "stranger@elsewhere.example") == []
    assert scene.rows(SignInIdentity, SignInIdentity.subject == "stranger-sub") == []

    # Someone Jointplan knows (here the admin, who has a password) is linked by verified address.
    scene.provider.set_user("admin-sub", email="Admin@Vendor.example", email_verified=True)
    response = scene.sign_in(scene.browser(), "/auth/oidc/acme/start", "admin-sub")
    assert response.status_code == 303, page_text(response)
    assert response.headers["location"] == "/"
    (identity,) = scene.rows(SignInIdentity, SignInIdentity.subject == "admin-sub")
    assert identity.user_id == scene.admin_id


# --- (d) state ------------------------------------------------------------------------------


def test_tampered_missing_or_foreign_state_is_refused(scene: Scene) -> None:
    email = "erin@client.example"
    scene.provider.set_user("erin-sub", email=email, email_verified=True, name="Erin")
    token = scene.invite(email)
    browser = scene.browser()
    callback = scene.authorize(
        browser, scene.start(browser, f"/auth/oidc/acme/start?invitation={token}"), "erin-sub"
    )
    state = query_of(callback)["state"]
    started_elsewhere = "This sign-in took too long or was started elsewhere. Please start again."

    tampered = with_query(callback, state=("A" if state[0] != "A" else "B") + state[1:])
    assert_refused(browser.get(tampered), started_elsewhere)
    assert_refused(browser.get(with_query(callback, state=None)), started_elsewhere)
    assert_refused(browser.get(with_query(callback, state="")), started_elsewhere)
    # The right callback in a browser that did not start the sign-in (login CSRF).
    assert_refused(scene.browser().get(callback), started_elsewhere)
    # A forged flow cookie is not accepted either.
    forged = scene.browser()
    forged.cookies.set("jp_oidc", browser.cookies["jp_oidc"][:-2] + "xx", path="/auth/oidc")
    assert_refused(forged.get(callback), started_elsewhere)

    # None of that spent the code or changed anything; the genuine callback still works once.
    assert scene.provider.spy.token_requests == []
    assert scene.rows(User, User.email == email) == []
    response = browser.get(callback)
    assert response.status_code == 303, page_text(response)
    assert response.headers["location"] == f"/accounts/{scene.account_id}"
    assert_refused(browser.get(callback), started_elsewhere)  # the flow cookie is spent

    # A sign-in the person cancels at the provider says so. (The mock leaves the state out of
    # its error redirect; RFC 6749 section 4.1.2.1 requires it, so it is added here.)
    other = scene.browser()
    authorization_url = scene.start(other, "/auth/oidc/acme/start")
    denied = other.post(authorization_url, data={"action": "deny"})
    assert denied.status_code == 302
    error_callback = with_query(
        denied.headers["location"], state=query_of(authorization_url)["state"]
    )
    assert query_of(error_callback)["error"] == "access_denied"
    assert_refused(other.get(error_callback), "Acme SSO did not sign you in (access_denied).")
    assert scene.provider.spy.token_requests == [scene.provider.spy.token_requests[0]]


# --- (e) nonce, issuer, audience ------------------------------------------------------------

NOT_VERIFIED = "Acme SSO's answer could not be verified. Please start again."


def _flow_with(scene: Scene, sub: str, email: str, **authorize_changes: str) -> httpx.Response:
    scene.provider.set_user(sub, email=email, email_verified=True, name=sub)
    token = scene.invite(email)
    browser = scene.browser()
    authorization_url = scene.start(browser, f"/auth/oidc/acme/start?invitation={token}")
    authorization_url = with_query(authorization_url, **authorize_changes)
    return browser.get(scene.authorize(browser, authorization_url, sub))


def _nothing_signed_in(scene: Scene, email: str) -> None:
    assert scene.rows(User, User.email == email) == []
    (invitation,) = scene.rows(Invitation, Invitation.email == email)
    assert invitation.accepted_at is None
    assert "auth.signed_in" not in scene.verbs()


def test_id_token_with_another_nonce_is_refused(scene: Scene) -> None:
    # The ID token answers an authorization request with another nonce (a replayed token).
    response = _flow_with(scene, "nina-sub", "nina@client.example", nonce="replayed-nonce")

    assert_refused(response, NOT_VERIFIED)
    (id_token,) = scene.provider.spy.id_tokens
    assert id_token["nonce"] == "replayed-nonce"  # valid signature, issuer and audience
    _nothing_signed_in(scene, "nina@client.example")


def test_id_token_from_another_issuer_is_refused(scene: Scene) -> None:
    # The token endpoint answers as another host: the ID token names another issuer.
    scene.provider.spy.answer_as_host = f"127.0.0.1:{scene.provider.port}"

    response = _flow_with(scene, "ivan-sub", "ivan@client.example")

    assert_refused(response, NOT_VERIFIED)
    (id_token,) = scene.provider.spy.id_tokens
    assert id_token["iss"] == f"http://127.0.0.1:{scene.provider.port}"
    _nothing_signed_in(scene, "ivan@client.example")


def test_id_token_for_another_client_is_refused(scene: Scene) -> None:
    # The code and the ID token are issued to another application of the same provider.
    scene.provider.spy.issue_for_client = "another-app"

    response = _flow_with(scene, "olga-sub", "olga@client.example", client_id="another-app")

    assert_refused(response, NOT_VERIFIED)
    (id_token,) = scene.provider.spy.id_tokens
    assert id_token["aud"] == ["another-app"]
    assert id_token["iss"] == scene.provider.issuer
    _nothing_signed_in(scene, "olga@client.example")


def test_provider_whose_tokens_name_another_issuer_than_configured_is_refused(
    scene: Scene,
) -> None:
    # Discovery and tokens agree with each other, but not with the issuer Jointplan trusts.
    email = "lena@client.example"
    scene.provider.set_user("lena-sub", email=email, email_verified=True)
    token = scene.invite(email)

    response = scene.sign_in(
        scene.browser(), f"/auth/oidc/lookalike/start?invitation={token}", "lena-sub"
    )

    assert_refused(response, "Lookalike SSO's answer could not be verified.")
    (id_token,) = scene.provider.spy.id_tokens
    assert id_token["iss"] == scene.provider.issuer != "https://sso.acme.example"
    _nothing_signed_in(scene, email)
    assert scene.rows(SignInIdentity, SignInIdentity.subject == "lena-sub") == []


# --- (f) PKCE -------------------------------------------------------------------------------


def test_code_exchange_without_the_pkce_verifier_fails_cleanly(scene: Scene) -> None:
    # The provider enforces PKCE: without the verifier it refuses the code, and Jointplan
    # answers with a clear page instead of an error.
    scene.provider.spy.drop_code_verifier = True

    response = _flow_with(scene, "pia-sub", "pia@client.example")

    assert_refused(response, NOT_VERIFIED)
    (token_request,) = scene.provider.spy.token_requests
    assert token_request["code_verifier"]  # Jointplan sent it; the spy dropped it
    assert scene.provider.spy.id_tokens == []
    _nothing_signed_in(scene, "pia@client.example")
