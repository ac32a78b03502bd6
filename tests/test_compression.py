"""Answers go out gzip-compressed when the browser accepts it and they are worth it: pages,
fragments, stylesheets, scripts, icons. The live event stream never is (compressing would hold
its events back until a buffer fills), and static files keep their caching."""

from __future__ import annotations

import gzip

import httpx
from sqlmodel import Session

from app.auth import sessions
from tests import factories
from tests.factories import World, sign_in
from tests.live import LiveServer
from tests.testclient import TestClient

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def varies_on(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


def test_pages_and_fragments_are_compressed_and_still_never_stored(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, session, world.members["lead"])
    plan = f"/accounts/{world.account.id}/plan"
    for headers in (GZIP, {**GZIP, "HX-Request": "true"}):
        response = client.get(plan, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert {"accept-encoding", "hx-request"} <= varies_on(response)
        assert response.headers["cache-control"] == "no-store"
        assert int(response.headers["content-length"]) < len(response.content) / 3
    plain = client.get(plan, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content)


def test_small_answers_go_out_as_they_are(client: TestClient) -> None:
    response = client.get("/healthz", headers=GZIP)
    assert response.text == "ok\n"
    assert "content-encoding" not in response.headers


def test_static_files_are_compressed_and_cached_by_their_hashed_url(client: TestClient) -> None:
    from app.web.templating import static_versions

    for path, kind in (("app.css", "text/css"), ("app.js", "text/javascript")):
        raw = client.get(f"/static/{path}", headers=IDENTITY)
        assert "content-encoding" not in raw.headers
        # Only the current hash is cached for good: another (an old instance's, a typo) is not.
        other = client.get(f"/static/{path}?v=abc", headers=GZIP)
        assert other.status_code == 200
        assert "immutable" not in other.headers.get("cache-control", "")
        packed = client.get(f"/static/{path}?v={static_versions()[path]}", headers=GZIP)
        assert packed.status_code == 200
        assert packed.headers["content-type"].startswith(kind)
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == raw.content  # httpx unpacked it: the same file
        assert "accept-encoding" in varies_on(packed)
        assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"
        for validator in ("etag", "last-modified"):
            assert packed.headers[validator] == raw.headers[validator]
        # Without the hash the browser asks again (the validators answer it).
        assert "immutable" not in raw.headers.get("cache-control", "")


def test_the_wire_carries_gzip_bytes(client: TestClient) -> None:
    """The check above trusts httpx's decoding; here the bytes themselves are gzip."""
    with client.stream("GET", "/static/app.css", headers=GZIP) as response:
        wire = b"".join(response.iter_raw())
    assert wire[:2] == b"\x1f\x8b"
    assert gzip.decompress(wire) == client.get("/static/app.css", headers=IDENTITY).content


def test_the_live_event_stream_is_not_compressed_and_not_held_back(
    live_server: LiveServer,
) -> None:
    with live_server.db.session() as session:
        world = factories.build_world(session)
        session.commit()
        token = sessions.start(
            session,
            user=world.members["lead"],
            ip="127.0.0.1",
            user_agent="pytest",
            settings=live_server.settings,
        )
        session.commit()
    url = f"{live_server.url}/accounts/{world.account.id}/events"
    cookies = {sessions.SESSION_COOKIE: token}
    timeout = httpx.Timeout(10, read=5)
    with (
        httpx.Client(cookies=cookies, timeout=timeout) as http,
        http.stream("GET", url, headers=GZIP) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        # Its first line arrives at once, long before the stream ends: nothing buffers it.
        first = next(response.iter_lines())
        assert first.startswith("retry:")
