"""The tests' client of the app in process: Starlette's ``TestClient``, each request of it one
call into the app's event loop.

Starlette's transport streams the answer back: every request makes eight round trips between the
test's thread and the thread of the app's event loop (two events, a stream, a cancel scope, the
app's task, waiting for the start, then each piece of the body), which cost more than the app
itself on a small answer (``/healthz``: 2.0 ms a request against 0.7 ms with one call; a cell of
the authorization matrix 9 ms against 5). ``OneCall`` runs the app, the request body given at
once, the answer gathered whole, in a single call. The event loop, the lifespan and everything
else of ``TestClient`` are unchanged.

What it answers is what Starlette's would: the same ASGI scope (the client's address, the
lifespan's state, the root path), the body of a streamed answer whole, ``http.disconnect`` only
once the answer is complete (a streamed answer listens for it), and an exception of the app
raised to the test, or with ``raise_server_exceptions=False`` the 500 page the app sent (an empty
500 if it sent nothing). Not kept: reading an endless stream piece by piece (no test reads one
from this client: the live streams end once sent in tests, and a real server serves the ones
that stay open) and web sockets (the app has none).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import anyio
import httpx2
from starlette import testclient
from starlette.types import Message

DEFAULT_PORTS = {"http": 80, "https": 443}


class OneCall(httpx2.BaseTransport):
    """Each request one call into the app's event loop (the portal of ``TestClient``), in
    place of Starlette's transport, whose settings it takes."""

    def __init__(self, streaming: testclient._TestClientTransport) -> None:
        self.app = streaming.app
        self.portal_factory = streaming.portal_factory
        self.raise_server_exceptions = streaming.raise_server_exceptions
        self.root_path = streaming.root_path
        self.client = streaming.client
        self.app_state = streaming.app_state

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        if url.scheme not in DEFAULT_PORTS:
            raise NotImplementedError(f"OneCall sends HTTP requests only, not {url.scheme}")
        headers = [
            (key.lower().encode(), value.encode()) for key, value in request.headers.multi_items()
        ]
        if "host" not in request.headers:
            headers.insert(0, (b"host", url.netloc))
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "root_path": self.root_path,
            "scheme": url.scheme,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": [url.raw_host.decode("ascii"), url.port or DEFAULT_PORTS[url.scheme]],
            "extensions": {"http.response.debug": {}, "http.response.trailers": {}},
            "state": self.app_state.copy(),
        }
        with self.portal_factory() as portal:
            status, raw_headers, body = portal.call(self._answer, scope, request.read())
        return httpx2.Response(
            status,
            headers=[(key.decode(), value.decode()) for key, value in raw_headers],
            stream=httpx2.ByteStream(body),  # read as sent, raw bytes too (``iter_raw``)
            request=request,
        )

    async def _answer(
        self, scope: dict[str, Any], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        complete = anyio.Event()
        asked = False
        start: Message = {}
        pieces: list[bytes] = []

        async def receive() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": body}
            await complete.wait()  # as a client that stays until the answer is whole
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                assert not start, 'Received multiple "http.response.start" messages.'
                start.update(message)
            elif message["type"] == "http.response.body":
                assert start, 'Received "http.response.body" without "http.response.start".'
                pieces.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(scope, receive, send)
        except Exception:
            if self.raise_server_exceptions:
                raise
        finally:
            complete.set()
        if not start:
            if self.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            return 500, [], b""
        return start["status"], list(start.get("headers", [])), b"".join(pieces)


class TestClient(testclient.TestClient):
    """Starlette's ``TestClient``, its requests sent by ``OneCall``."""

    __test__ = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        streaming = self._transport
        assert isinstance(streaming, testclient._TestClientTransport), streaming
        self._transport = OneCall(streaming)
