"""The benchmark's load generators: wrk for throughput (a Python generator when wrk is not
installed), a sequential client for one-at-a-time times, the 50-user mix, and the audited-write
run. Times are seconds; ``pct`` turns them into percentiles."""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from app.auth.sessions import SESSION_COOKIE
from tests.benchmarks.benchdata import Built, Person, action_version
from tests.benchmarks.floor import COOKIE as FLOOR_COOKIE

WRK = shutil.which("wrk")
GENERATOR = "wrk (2 threads, 10 connections)" if WRK else "Python generator (10 connections)"
STATUSES = ("not_started", "in_progress", "blocked")
HTMX = {"HX-Request": "true"}


def pct(times: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), in ms; 0 for no times."""
    if not times:
        return 0.0
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] * 1000


@dataclass
class Throughput:
    rps: float
    errors: int  # non-2xx answers and socket errors


def throughput(url: str, token: str, seconds: float) -> Throughput:
    """Requests a second with 10 connections for ``seconds``."""
    if WRK:
        return _wrk(url, token, seconds)
    return asyncio.run(_generate(url, token, seconds))


def _wrk(url: str, token: str, seconds: float) -> Throughput:
    command = [WRK, "-t2", "-c10", f"-d{max(1, round(seconds))}s", "--timeout", "30s", url]
    if token:
        command[1:1] = ["-H", f"Cookie: {SESSION_COOKIE}={token}"]
    run = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed ({run.returncode}): {run.stderr or run.stdout}")
    out = run.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Throughput(float(rps.group(1)) if rps else 0.0, errors)


async def _generate(url: str, token: str, seconds: float) -> Throughput:
    done, errors = 0, 0
    cookies = {SESSION_COOKIE: token} if token else {}
    async with httpx.AsyncClient(cookies=cookies, timeout=30) as client:
        end = time.monotonic() + seconds

        async def connection() -> None:
            nonlocal done, errors
            while time.monotonic() < end:
                response = await client.get(url)
                done += 1
                errors += response.status_code != 200

        started = time.monotonic()
        await asyncio.gather(*(connection() for _ in range(10)))
        return Throughput(done / (time.monotonic() - started), errors)


def sequential(targets: dict[str, tuple[str, str]], count: int) -> dict[str, list[float]]:
    """GET each target in turn (label -> (url, session token)), ``count`` rounds, one request
    at a time; the times per label. The first round warms up and is not counted."""
    times: dict[str, list[float]] = {label: [] for label in targets}
    clients = {
        label: httpx.Client(cookies={SESSION_COOKIE: token} if token else {}, timeout=60)
        for label, (_, token) in targets.items()
    }
    try:
        for turn in range(count + 1):
            for label, (url, _) in targets.items():
                started = time.perf_counter()
                try:
                    response = clients[label].get(url)
                except httpx.HTTPError as exc:
                    raise SystemExit(f"{label}: {url} did not answer: {exc!r}") from exc
                took = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{label}: {url} answered {response.status_code}")
                if turn:
                    times[label].append(took)
    finally:
        for client in clients.values():
            client.close()
    return times


def page_bytes(url: str, token: str) -> int:
    response = httpx.get(url, cookies={SESSION_COOKIE: token}, timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(response.content)


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    locked: int = 0
    ok_writes: int = 0
    seconds: float = 0.0
    # The same times by what was asked ("plan page", "comment", ...), when the caller names it.
    by_name: dict[str, list[float]] = field(default_factory=dict)
    # The mix's reads' sizes (HTML bytes, uncompressed) by the reader's side (vendor?) and
    # name, from its warm-up: the pages the floor's mix draws (``floor_mix``).
    sizes: dict[tuple[bool, str], int] = field(default_factory=dict)


def _client(base: str, person: Person, connections: int = 1) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        cookies={SESSION_COOKIE: person.token},
        headers={"X-CSRF-Token": person.csrf},
        limits=httpx.Limits(max_connections=connections),
        timeout=60,
    )


async def _timed(
    tally: Tally, kind: str, request: Callable[[], object], name: str = ""
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response: httpx.Response = await request()  # type: ignore[misc]
    except httpx.HTTPError as exc:
        tally.errors[type(exc).__name__] += 1
        return None
    took = time.perf_counter() - started
    (tally.writes if kind == "write" else tally.reads).append(took)
    if name:
        tally.by_name.setdefault(name, []).append(took)
    if kind == "write" and response.status_code < 400:
        tally.ok_writes += 1
    if response.status_code >= 400:
        tally.errors[f"{kind} {response.status_code}"] += 1
        tally.locked += "database is locked" in response.text
    return response


class Writer:
    """Posts comments and changes action statuses on the large plan."""

    def __init__(self, built: Built, tally: Tally) -> None:
        self.built, self.tally = built, tally
        self.targets = [("priority", p) for p in built.priorities] + [
            ("action", a) for a in built.actions
        ]
        self.posted = 0

    async def comment(self, client: httpx.AsyncClient) -> None:
        self.posted += 1
        kind, item = self.targets[self.posted % len(self.targets)]
        path = f"/accounts/{self.built.account_id}/threads/{kind}/{item}"
        # As the form under a thread's latest page posts it (htmx gets the comment alone).
        body = {
            "body": f"Benchmark comment {self.posted}: on track, next step agreed.",
            "shown": "latest",
        }
        post = lambda: client.post(path, data=body, headers=HTMX)  # noqa: E731
        await _timed(self.tally, "write", post, "comment")

    async def status(self, client: httpx.AsyncClient, action: int) -> None:
        version = self.built.actions[action]
        path = f"/accounts/{self.built.account_id}/actions/{action}/status"
        # A status it does not have: setting the same one saves nothing (no new version).
        status = random.choice([s for s in STATUSES if s != self.built.statuses.get(action)])
        data = {"status": status, "version": str(version)}
        response = await _timed(
            self.tally, "write", lambda: client.post(path, data=data, headers=HTMX), "status"
        )
        if response is not None and response.status_code == 200:
            self.built.actions[action] = version + 1
            self.built.statuses[action] = status
        elif response is not None and response.status_code == 409:
            self.built.actions[action] = action_version(self.built.url, action)


@dataclass
class WriteRun:
    """An audited-write run: writes answered 2xx, how long, percentiles (ms), what failed."""

    writes: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: str  # "0", or how many and what
    locked: int = 0  # "database is locked" in the answers (the server's log is added after)


def audited_writes(bases: list[str], built: Built, clients: int, seconds: float) -> WriteRun:
    """``clients`` concurrent connections posting comments as the lead for ``seconds``, shared
    out evenly over the instances at ``bases`` (as a load balancer would): with wrk when
    installed (a C client: the load generator's own CPU would otherwise be a large share of
    two cores at hundreds of writes a second), one per instance, else with Python clients."""
    if WRK:
        return _wrk_writes(bases, built, clients, seconds)
    return _run_of(asyncio.run(_audited_writes(bases, built, clients, seconds)))


def floor_writes(bases: list[str], clients: int, seconds: float, path: str) -> WriteRun:
    """A floor of a write (floor.py's ``POST /floor/write``: one insert and a commit;
    ``/floor/audited`` and ``/floor/audited/fused``: the least an audited write can be) under
    the same load as the app's audited writes: ``clients`` connections shared out over the
    floor's instances at ``bases``, as fast as they are answered."""
    cookie = "=".join(FLOOR_COOKIE) if path.startswith("/floor/audited") else ""
    if WRK:
        return _wrk_posts(bases, [f'"{path}"'], (cookie, ""), clients, seconds)
    return _run_of(asyncio.run(_floor_posts(bases, path, cookie, clients, seconds)))


def _run_of(tally: Tally) -> WriteRun:
    count = sum(tally.errors.values())
    described = ", ".join(f"{n} x {e}" for e, n in tally.errors.items())
    return WriteRun(
        tally.ok_writes,
        tally.seconds,
        pct(tally.writes, 50),
        pct(tally.writes, 95),
        pct(tally.writes, 99),
        f"{count} ({described})" if count else "0",
        tally.locked,
    )


# wrk's script for the write run: each request posts a comment (htmx) on the next thread of
# the plan; at the end it prints one line of figures the run reads back.
WRITES_LUA = """
local paths = {%(paths)s}
local n = 0
wrk.method = "POST"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["X-CSRF-Token"] = "%(csrf)s"
wrk.headers["HX-Request"] = "true"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  n = n + 1
  local body = "shown=latest&body=Benchmark+comment+" .. n .. "%%3A+on+track%%2C+next+step+agreed."
  return wrk.format(nil, paths[(n %% #paths) + 1], nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JP-WRITES %%d %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _wrk_writes(bases: list[str], built: Built, clients: int, seconds: float) -> WriteRun:
    lead = next(p for p in built.people if p.vendor)
    targets = Writer(built, Tally()).targets
    paths = [f'"/accounts/{built.account_id}/threads/{kind}/{item}"' for kind, item in targets]
    for base in bases:
        asyncio.run(_warm_up(base, built, lead))
    signed_in = (f"{SESSION_COOKIE}={lead.token}", lead.csrf)
    return _wrk_posts(bases, paths, signed_in, clients, seconds)


def _wrk_posts(
    bases: list[str], paths: list[str], signed_in: tuple[str, str], clients: int, seconds: float
) -> WriteRun:
    """One wrk per instance, at once, each posting to ``paths`` in turn with the cookie and
    CSRF token of ``signed_in``; their counts add up, and the run's percentiles are the
    worst of theirs (wrk reports percentiles, not the times themselves)."""
    cookie, csrf = signed_in
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRITES_LUA % {"paths": ", ".join(paths), "cookie": cookie, "csrf": csrf})
    each = max(1, clients // len(bases))
    threads = "-t1" if len(bases) > 1 else "-t2"
    options = [threads, f"-c{each}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    try:
        runs = [
            subprocess.Popen(  # noqa: S603
                [WRK or "wrk", *options, "-s", script.name, base], stdout=subprocess.PIPE, text=True
            )
            for base in bases
        ]
        outs = [run.communicate()[0] for run in runs]
    finally:
        os.unlink(script.name)
    found = [
        re.search(r"JP-WRITES (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
        for out in outs
    ]
    if not all(found):
        raise SystemExit("wrk printed no figures:\n" + "\n".join(outs))
    rows = [[float(f.group(i)) for i in range(1, 8)] for f in found if f is not None]
    done, sockets, bad = (int(sum(row[i] for row in rows)) for i in (0, 2, 3))
    failed = {"socket errors": sockets, "non-2xx answers": bad}
    described = ", ".join(f"{n} x {e}" for e, n in failed.items() if n)
    return WriteRun(
        done - bad,
        max(row[1] for row in rows) / 1e6,
        *(max(row[i] for row in rows) for i in (4, 5, 6)),
        f"{sockets + bad} ({described})" if sockets + bad else "0",
    )


async def _warm_up(base: str, built: Built, person: Person) -> None:
    async with _client(base, person) as client:  # not counted
        await Writer(built, Tally()).comment(client)


async def _audited_writes(bases: list[str], built: Built, clients: int, seconds: float) -> Tally:
    tally = Tally()
    writer = Writer(built, tally)
    leads = [p for p in built.people if p.vendor]
    for base in bases:
        await _warm_up(base, built, leads[0])
    end = time.monotonic() + seconds

    async def one(n: int) -> None:
        async with _client(bases[n % len(bases)], leads[n % len(leads)]) as client:
            while time.monotonic() < end:
                await writer.comment(client)

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(clients)))
    tally.seconds = time.monotonic() - started
    return tally


async def _floor_posts(
    bases: list[str], path: str, cookie: str, clients: int, seconds: float
) -> Tally:
    tally = Tally()
    end = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    async def one(n: int) -> None:
        base = bases[n % len(bases)]
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
            posted = 0
            while time.monotonic() < end:
                posted += 1
                body = {"body": f"Benchmark comment {n}.{posted}: on track, next step agreed."}
                await _timed(tally, "write", lambda body=body: client.post(path, data=body))

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(clients)))
    tally.seconds = time.monotonic() - started
    return tally


def user_mix(bases: list[str], built: Built, users: int, seconds: float) -> Tally:
    """``users`` signed-in people (lead and sponsor sessions alternating), each waiting 0.5-1.5 s
    between requests: 80 % reads (the plan page, my actions, the portfolio for the vendor or a
    thread for the client, a thread), 20 % writes (a comment, or for the vendor half the time an
    action status change on actions of its own, so two users never race for one)."""
    return asyncio.run(_user_mix(bases, built, users, seconds))


def floor_mix(
    bases: list[str], built: Built, sizes: dict[tuple[bool, str], int], users: int, seconds: float
) -> Tally:
    """The same mix on the floor's instances at ``bases`` (floor.py): the same users, waits
    and shares of reads and writes, each read a floor page of the byte count the app's answer
    to it had (``sizes``, ``Tally.sizes`` of the app's mix), each write the floor's audited
    write. What the stack itself takes under this load, at these page sizes."""
    return asyncio.run(_user_mix(bases, built, users, seconds, floor_sizes=sizes))


def _mix_reads(built: Built, person: Person) -> list[str]:
    account = built.account_id
    reads = [f"/accounts/{account}/plan", "/my/actions"]
    reads.append("/portfolio" if person.vendor else f"/accounts/{account}/plan")
    return reads


def _read_name(path: str) -> str:
    """What a read of the mix asks for, by its path."""
    for part, name in (("/threads/", "thread"), ("/plan", "plan page"), ("/my/", "my actions")):
        if part in path:
            return name
    return "portfolio"


async def _warm_mix(base: str, built: Built, tally: Tally) -> None:
    """Each kind of request of the mix once on an instance, as the lead and as the sponsor,
    not counted (but their sizes kept in ``tally.sizes``): the timed run measures a server in
    service, not its first requests (templates compiled, statements cached), which took up to
    1.4 s each when 50 users arrived at once on instances just started."""
    writer = Writer(built, Tally())
    action = min(built.actions)
    kind, item = writer.targets[0]
    thread = f"/accounts/{built.account_id}/threads/{kind}/{item}"
    for person in (built.person("lead"), built.person("sponsor")):
        async with _client(base, person) as client:
            for path in _mix_reads(built, person):
                page = await client.get(path)
                tally.sizes[person.vendor, _read_name(path)] = len(page.content)
            page = await client.get(thread, headers=HTMX)
            tally.sizes[person.vendor, "thread"] = len(page.content)
            await writer.comment(client)
            if person.vendor:
                await writer.status(client, action)


async def _user_mix(
    bases: list[str],
    built: Built,
    users: int,
    seconds: float,
    floor_sizes: dict[tuple[bool, str], int] | None = None,
) -> Tally:
    tally = Tally()
    writer = Writer(built, tally)
    account = built.account_id
    actions = sorted(built.actions)
    if floor_sizes is None:
        for base in bases:
            await _warm_mix(base, built, tally)
    else:  # the floor's first pages work out their shapes: not counted either
        for base in bases:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                for size in set(floor_sizes.values()):
                    await client.get(f"/floor?bytes={size}")
    end = time.monotonic() + seconds

    async def one(n: int, person: Person) -> None:
        rng = random.Random(n)
        mine = actions[n::users] or actions
        reads = _mix_reads(built, person)
        # Users are shared out over the instances in turn, as a load balancer would.
        async with _client(bases[n % len(bases)], person) as client:
            if floor_sizes is not None:
                client.cookies.set(*FLOOR_COOKIE)  # for the floor's audited write
            await asyncio.sleep(rng.uniform(0, 1.5))
            while time.monotonic() < end:
                roll = rng.random()
                if roll < 0.8:
                    # pages as a browser opens them; a thread as the plan page loads it
                    kind, item = writer.targets[rng.randrange(len(writer.targets))]
                    path = rng.choice([*reads, f"/accounts/{account}/threads/{kind}/{item}"])
                    name = _read_name(path)
                    headers = HTMX if "/threads/" in path else {}
                    if floor_sizes is not None:
                        path, headers = f"/floor?bytes={floor_sizes[person.vendor, name]}", {}
                    get = lambda p=path, h=headers: client.get(p, headers=h)  # noqa: E731
                    await _timed(tally, "read", get, name)
                elif floor_sizes is not None:
                    body = {"body": f"Benchmark comment {n}: on track, next step agreed."}
                    post = lambda b=body: client.post("/floor/audited", data=b)  # noqa: E731
                    await _timed(tally, "write", post, "audited write")
                elif person.vendor and roll < 0.9:
                    await writer.status(client, rng.choice(mine))
                else:
                    await writer.comment(client)
                await asyncio.sleep(rng.uniform(0.5, 1.5))

    started = time.monotonic()
    await asyncio.gather(*(one(n, built.people[n % len(built.people)]) for n in range(users)))
    tally.seconds = time.monotonic() - started
    return tally
