"""Reading a live event stream (``text/event-stream``) in a thread, for the live-update tests."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Message:
    event: str
    data: str
    id: str | None


@dataclass
class StreamReader:
    """Opens ``url`` with ``cookies`` (and ``Last-Event-ID``) and collects its messages; the
    raw text too, so that a test can see heartbeats and check that nothing else came."""

    url: str
    cookies: dict[str, str]
    last_event_id: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)
    messages: queue.Queue[Message] = field(default_factory=queue.Queue)
    seen: list[Message] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)

    def start(self) -> StreamReader:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        # A safety net against hanging, never a measure of speed (a loaded machine is slow).
        assert self.opened.wait(60), "the stream did not answer"
        return self

    def _run(self) -> None:
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        try:
            with (
                httpx.Client(cookies=self.cookies, timeout=httpx.Timeout(60, read=60)) as client,
                client.stream("GET", self.url, headers=headers) as response,
            ):
                self.status, self.headers = response.status_code, dict(response.headers)
                if response.status_code != 200:
                    self.opened.set()
                event, data, event_id = "message", "", None
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    # The headers go out before the stream follows the account; its first line
                    # (``retry``) only once it does: a change made from then on reaches it.
                    self.opened.set()
                    self.raw.append(line)
                    if line == "":
                        if data or event != "message":
                            self.messages.put(Message(event, data, event_id))
                        event, data, event_id = "message", "", None
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line.startswith("id: "):
                        event_id = line[4:]
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, timeout: float = 10, kind: str = "section") -> Message:
        """The next message of ``kind`` (other kinds are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} message within {timeout}s: {self.seen}")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(message)
            if message.event == kind:
                return message

    def drain(self, wait: float = 0.3) -> list[Message]:
        """Whatever came within ``wait`` seconds."""
        time.sleep(wait)
        found = []
        while not self.messages.empty():
            found.append(self.messages.get())
        self.seen.extend(found)
        return found

    def wait_until(self, check: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("timed out")
            time.sleep(0.02)

    def close(self) -> None:
        self._stop.set()
