"""The tests' client (tests/testclient.py) answers as Starlette's would, in one call into the
app's event loop a request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.testclient import TestClient


class Boom(Exception):
    pass


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
    yield {"started": "yes"}


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "client": list(request.client or ()),
            "body": body.decode(),
            "state": request.state.started,
            "cookie": request.cookies.get("c", ""),
        }
    )


async def pieces(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for n in range(3):
            await anyio.sleep(0.01)  # a client that left early would be noticed meanwhile
            yield f"piece {n};".encode()

    return StreamingResponse(chunks(), media_type="text/plain")


async def fails(request: Request) -> Response:
    raise Boom("the app failed")


async def teapot(request: Request) -> Response:
    return PlainTextResponse("short and stout", status_code=418, headers={"X-Kind": "teapot"})


APP = Starlette(
    routes=[
        Route("/echo/{rest:path}", echo, methods=["GET", "POST"]),
        Route("/pieces", pieces),
        Route("/fails", fails),
        Route("/teapot", teapot),
    ],
    lifespan=lifespan,
)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(APP, client=("127.0.0.1", 4321)) as c:
        yield c


def test_a_request_is_one_call_into_the_apps_loop(client: TestClient) -> None:
    portal = client.portal
    assert portal is not None
    calls: list[object] = []
    call = portal.call

    def counted(func: Any, *args: Any) -> Any:
        calls.append(func)
        return call(func, *args)

    portal.call = counted  # type: ignore[method-assign]
    assert client.get("/teapot").status_code == 418
    assert len(calls) == 1


def test_the_app_sees_the_request_as_sent(client: TestClient) -> None:
    client.cookies.set("c", "jar")
    answer = client.post("/echo/a%20b/c", params={"q": "1 2"}, content=b"the body")
    assert answer.json() == {
        "method": "POST",
        "path": "/echo/a b/c",
        "query": "q=1+2",
        "client": ["127.0.0.1", 4321],
        "body": "the body",
        "state": "yes",
        "cookie": "jar",
    }


def test_the_answer_comes_back_as_sent(client: TestClient) -> None:
    answer = client.get("/teapot")
    assert (answer.status_code, answer.text) == (418, "short and stout")
    assert answer.headers["x-kind"] == "teapot"
    assert answer.request.url.path == "/teapot"


def test_a_streamed_answer_comes_back_whole(client: TestClient) -> None:
    """The app is told the client left only once it sent everything: a streamed answer that
    listens for it is not cut short."""
    assert client.get("/pieces").text == "piece 0;piece 1;piece 2;"


def test_an_error_of_the_app_reaches_the_test(client: TestClient) -> None:
    with pytest.raises(Boom, match="the app failed"):
        client.get("/fails")


def test_without_raising_the_app_s_500_page_is_the_answer() -> None:
    with TestClient(APP, raise_server_exceptions=False) as client:
        answer = client.get("/fails")
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"  # what the app's error middleware sent


def test_an_app_that_answers_nothing_is_a_failure() -> None:
    async def silent(scope: Any, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(AssertionError, match="did not receive any response"):
        TestClient(silent).get("/")
    assert TestClient(silent, raise_server_exceptions=False).get("/").status_code == 500


def test_a_web_socket_is_refused_plainly(client: TestClient) -> None:
    with pytest.raises(NotImplementedError, match="not ws"):
        client.websocket_connect("/echo/socket")
