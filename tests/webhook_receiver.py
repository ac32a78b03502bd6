"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 in a thread, which keeps
every request it gets and answers with the status it is told to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    received: list[Received] = field(default_factory=list)

    def bodies(self) -> list[str]:
        return [r.body for r in self.received]


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A receiver listening until the block ends; its ``url`` is ``http://127.0.0.1:<port>/hook``."""
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            headers = {name.lower(): value for name, value in self.headers.items()}
            got.received.append(Received(self.path, headers, body))
            self.send_response(got.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if got.status < 300 else b"receiver is down")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
