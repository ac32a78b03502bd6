"""``jointplan serve`` as a self-hoster runs it: a real process with two workers, in production
mode, on a migrated database. It serves; every request is one JSON access line; a server error
is one JSON line with its traceback folded in; X-Forwarded-For is believed only from a trusted
proxy address; SIGTERM lets the request in flight finish and the process exits 0. Production
refuses to start without its settings, naming them on one line.

One server is started for the module (starting workers costs seconds on a busy machine); the
SIGTERM test runs last and ends it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app import cli
from app.config import ConfigError, Settings
from app.db import Database, create_db_engine
from app.main import create_app, freeze_after_start
from app.web import collector
from tests.conftest import drop_engine, fresh_engine
from tests.live import free_port
from tests.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
WAIT = 120.0  # a safety net against hanging, never a measure of speed
# The served app (``served``, two worker processes) starts once per xdist worker that runs these
# tests: one group, so it starts once.
pytestmark = pytest.mark.xdist_group("serve")
TRUSTED_PROXY = "127.0.0.2"  # a loopback address the test connects from, configured as a proxy
# Test-side only: the served app gets one route that fails, so a real server error can be forced.
SITECUSTOMIZE = """
import app.main

_create_app = app.main.create_app


def create_app(*args, **kwargs):
    served = _create_app(*args, **kwargs)

    @served.get("/test/fail")
    def fail():
        raise RuntimeError("forced failure for the test")

    return served


app.main.create_app = create_app
"""
PRODUCTION = {
    "JP_ENVIRONMENT": "production",
    "JP_SECRET_KEY": "p" * 64,
    "JP_BASE_URL": "http://127.0.0.1",
    "JP_SMTP_HOST": "127.0.0.1",
    "JP_MAIL_FROM": "Jointplan <jointplan@vendor.example>",
}


def _environment(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JP_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), str(ROOT)])
    env.update(extra)
    return env


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:  # kept, so that the test says which line it was
                line = {"logger": "", "level": "", "message": raw, "not_json": True}
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, found: Callable[[list[dict[str, Any]]], bool], what: str) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: found(self.lines), timeout=WAIT):
                raise AssertionError(f"the server never logged {what}: {self.lines[-5:]}")

    def access(self, request_id: str) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines
            if line["logger"] == "jointplan.access" and line.get("request_id") == request_id
        ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve")
    (tmp / "sitecustomize.py").write_text(SITECUSTOMIZE)
    engine = fresh_engine(tmp, "serve")
    port = free_port()
    env = _environment(
        tmp,
        **PRODUCTION,
        JP_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        JP_FORWARDED_ALLOW_IPS=TRUSTED_PROXY,
    )
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        command,
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the workers too are ended at the end
    )
    served = Served(process, port)
    reader = threading.Thread(target=served.read, daemon=True)
    reader.start()
    try:
        served.wait_for(
            lambda lines: (
                sum(line["message"] == "Application startup complete." for line in lines) == 2
            ),
            "two workers started",
        )
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group is gone when SIGTERM worked
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        reader.join(timeout=WAIT)
        if not reader.is_alive():
            assert process.stderr is not None
            process.stderr.close()
        drop_engine(engine)


def test_each_request_is_one_json_access_line(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        ids = [f"req-{n:04d}-abcdef" for n in range(6)]
        answers = [client.get("/login", headers={"X-Request-ID": i}) for i in ids]
        unknown = client.get("/no/such/page")
        reset = client.get("/password/reset/a-secret-reset-token")
    assert [a.status_code for a in answers] == [200] * 6
    assert [a.headers["x-request-id"] for a in answers] == ids
    served.wait_for(lambda _: all(served.access(i) for i in ids), "the access lines")
    for request_id in ids:
        [line] = served.access(request_id)  # exactly one line per request
        assert line["method"] == "GET"
        assert line["path"] == "/login"
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], float)
        assert line["level"] == "INFO"
    unknown_id = unknown.headers["x-request-id"]
    served.wait_for(lambda _: bool(served.access(unknown_id)), "the 404's access line")
    [line] = served.access(unknown_id)
    assert (line["path"], line["status"]) == ("/no/such/page", 404)
    # One-time tokens in links never reach the log.
    reset_id = reset.headers["x-request-id"]
    served.wait_for(lambda _: bool(served.access(reset_id)), "the reset link's access line")
    assert "a-secret-reset-token" not in json.dumps(served.lines)
    # Every line the server wrote so far (start-up included) is one JSON record.
    assert not [line["message"] for line in served.lines if line.get("not_json")]


def test_a_health_probe_is_one_line_and_nothing_else(served: Served) -> None:
    """Load balancers probe every few seconds: each probe logs its access line, no chatter
    (the readiness check reads the schema's revision through Alembic, which talks at INFO)."""
    with httpx.Client(base_url=served.url) as client:
        probes = [client.get(path) for path in ("/healthz", "/readyz")]
    assert [p.status_code for p in probes] == [200, 200]
    for probe in probes:
        request_id = probe.headers["x-request-id"]
        served.wait_for(lambda _, r=request_id: bool(served.access(r)), "the probe's line")
        assert [
            line["logger"] for line in served.lines if line.get("request_id") == request_id
        ] == ["jointplan.access"]


def test_a_server_error_is_one_line_with_its_traceback(served: Served) -> None:
    with httpx.Client(base_url=served.url) as client:
        answer = client.get("/test/fail", headers={"X-Request-ID": "failing-request-1"})
    # (A connection of its own: whether the failed request's connection is kept is point 10's.)
    with httpx.Client(base_url=served.url) as client:
        after = client.get("/login")
    assert answer.status_code == 500
    assert "unexpected problem" in answer.text
    assert after.status_code == 200
    served.wait_for(lambda _: bool(served.access(after.headers["x-request-id"])), "the next line")
    errors = [line for line in served.lines if line["level"] == "ERROR"]
    assert len(errors) == 1, errors  # once, not again by the server it travelled on to
    [error] = errors
    assert error["request_id"] == "failing-request-1"
    assert error["error"] == "RuntimeError"
    assert error["error_message"] == "forced failure for the test"
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert "forced failure for the test" in error["traceback"]
    [access] = served.access("failing-request-1")
    assert (access["path"], access["status"]) == ("/test/fail", 500)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(served: Served) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    proxy = httpx.HTTPTransport(local_address=TRUSTED_PROXY)
    with httpx.Client(base_url=served.url, transport=proxy) as via_proxy:
        trusted = via_proxy.get("/login", headers=forwarded)
    with httpx.Client(base_url=served.url) as direct:
        untrusted = direct.get("/login", headers=forwarded)
        plain = direct.get("/login")
    ids = [r.headers["x-request-id"] for r in (trusted, untrusted, plain)]
    served.wait_for(lambda _: all(served.access(i) for i in ids), "the access lines")
    clients = [served.access(i)[0]["client"] for i in ids]
    assert clients == ["203.0.113.7", "127.0.0.1", "127.0.0.1"]


def _csrf(client: httpx.Client) -> str:
    page = client.get("/password/forgot")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert match, page.text
    return match.group(1)


def test_sigterm_lets_the_request_in_flight_finish(served: Served) -> None:
    """Runs last: it stops the module's server."""
    with httpx.Client(base_url=served.url) as client:
        token = _csrf(client)
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    body = f"csrf_token={token}&email=nobody%40client.example".encode()
    head = (
        "POST /password/forgot HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{served.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Cookie: {cookies}\r\n"
        "X-Request-ID: in-flight-request\r\n"
        "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=WAIT) as conn:
        conn.sendall(head + body[:10])  # the request has begun; the app waits for its body
        served.process.send_signal(signal.SIGTERM)
        served.wait_for(
            lambda lines: any(
                line["message"].startswith("Waiting for connections to close") for line in lines
            ),
            "that it waits for the request in flight",
        )
        conn.sendall(body[10:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]  # answered, then closed
    assert b"a link to choose a new password is on its way" in answer
    assert served.process.wait(timeout=WAIT) == 0
    [line] = served.access("in-flight-request")
    assert line["status"] == 200


# --------------------------------------------------------------------------------------------
# Production settings and serve's defaults (no server started)
# --------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_its_settings(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=tmp_path,
        env=_environment(tmp_path, JP_ENVIRONMENT="production"),
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert run.returncode == 2
    [line] = run.stderr.splitlines()
    assert line == (
        "Jointplan cannot start in production: missing JP_SECRET_KEY, JP_BASE_URL, "
        "JP_SMTP_HOST, JP_MAIL_FROM (see the README, section Serving in production)."
    )
    assert not (tmp_path / "data").exists()  # nothing was made, not even a key


def test_production_settings_are_checked_by_the_app_itself(tmp_path: Path) -> None:
    db = Database(create_db_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    given = {k[3:].lower(): v for k, v in PRODUCTION.items()}
    try:
        create_app(Settings(**given), db, run_mailer=False)  # complete: starts
        for name in ("smtp_host", "secret_key"):
            with pytest.raises(ConfigError, match=f"missing JP_{name.upper()} "):
                create_app(Settings(**(given | {name: ""})), db, run_mailer=False)
        with pytest.raises(ConfigError, match="JP_DEV_MAILBOX is for development only"):
            create_app(Settings(**given, dev_mailbox=True), db, run_mailer=False)
    finally:
        db.dispose()


def _served_with(monkeypatch: pytest.MonkeyPatch, *argv: str, **env: str) -> dict[str, Any]:
    for name in list(os.environ):
        if name.startswith("JP_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT / "tests")  # no .env here
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: given.update(options, app=app))
    monkeypatch.setenv("JP_SECRET_KEY", "k" * 64)
    assert cli.main(["serve", *argv]) == 0
    return given


def test_serve_defaults_and_their_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = _served_with(monkeypatch)
    assert defaults["app"] == "app.main:serve_app"
    assert defaults["workers"] == 2
    assert defaults["proxy_headers"] is True
    assert defaults["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert defaults["timeout_worker_healthcheck"] == 60
    assert defaults["timeout_graceful_shutdown"] == 30
    assert defaults["access_log"] is False
    handler = defaults["log_config"]["handlers"]["stderr"]
    assert defaults["log_config"]["formatters"][handler["formatter"]]["()"].endswith(
        "JsonFormatter"
    )

    configured = _served_with(
        monkeypatch,
        "--workers",
        "3",
        JP_WORKERS="5",
        JP_FORWARDED_ALLOW_IPS="",
        JP_WORKER_HEALTHCHECK_SECONDS="90",
        JP_GRACEFUL_SHUTDOWN_SECONDS="10",
    )
    assert configured["workers"] == 3  # the flag wins over the setting
    assert configured["proxy_headers"] is False  # "" trusts no proxy at all
    assert configured["timeout_worker_healthcheck"] == 90
    assert configured["timeout_graceful_shutdown"] == 10


def test_a_served_app_freezes_what_it_loaded_once_started() -> None:
    """``serve_app``'s start ends with ``gc.freeze``: what the process loaded is out of the
    collector's way (not done for the apps the tests build: it would outlive them)."""
    app = freeze_after_start(FastAPI())
    before = gc.get_freeze_count()
    try:
        with TestClient(app):
            assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


@pytest.fixture
def collector_settings() -> Iterator[None]:
    """The process's collector as the test found it, afterwards."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if enabled else gc.disable)()


class Node:
    """A container the collector tracks, for building reference cycles."""

    other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    """Two objects that hold each other and nothing else: only the collector frees them."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_the_due_collection_is_the_one_the_interpreter_would_make(
    collector_settings: None,
) -> None:
    young = 1000  # far above what the process's other threads allocate meanwhile
    gc.disable()
    gc.set_threshold(young, 2, 2)
    gc.collect()  # every count back to 0
    assert collector.due_generation() is None
    kept: list[Node] = []
    seen = []
    for _ in range(12):
        kept += [Node() for _ in range(young + 100)]  # the young count passes its threshold
        seen.append(collector.collect_due())
    # Young ones until the middle count passes 2 (three young collections), then the middle
    # one; once the old count passes 2 (three middle ones), the oldest.
    assert seen == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    kept += [Node() for _ in range(young + 100)]
    assert collector.due_generation() == 2
    assert collector.collect_due() == 2
    assert gc.get_count()[1:] == (0, 0)
    gc.set_threshold(0)  # the collector switched off by its threshold: nothing is ever due
    kept += [Node() for _ in range(young + 100)]
    assert collector.due_generation() is None


def test_a_served_app_collects_in_its_event_loop_and_nowhere_else(
    collector_settings: None,
) -> None:
    """While the served app runs, no allocation starts a collection (automatic collection is
    off, in every thread), and cycles are still freed: by the loop, once the young generation
    passes its threshold (``YOUNG_THRESHOLD``). Once it stops, automatic collection and the
    thresholds are back."""
    gc.set_threshold(10, 10, 10)
    app = freeze_after_start(FastAPI())
    try:
        with TestClient(app):
            assert not gc.isenabled()
            assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, 10, 10)
            cycle = _cycle()
            kept = [Node() for _ in range(collector.YOUNG_THRESHOLD + 100)]  # past it
            deadline = time.monotonic() + 10
            while cycle() is not None and time.monotonic() < deadline:
                time.sleep(collector.POLL_SECONDS)
            assert cycle() is None, "the loop did not collect the cycle"
            assert kept
        assert gc.isenabled()
        assert gc.get_threshold() == (10, 10, 10)
    finally:
        gc.unfreeze()
