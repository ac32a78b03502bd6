"""The bare floor of this stack: a FastAPI handler that runs one query and renders a Jinja table
(the "Fortunes" shape), as a page of exactly the byte count it is asked for; and the bare floor
of a write.

    GET /floor?bytes=N
    POST /floor/write   (a form with ``body``)

reads the first 300 actions of the database (one query, through a pooled SQLAlchemy engine, in
a sync handler on the thread pool, like the app's routes), repeats them as table rows until the
page nears N bytes and fills the rest with one paragraph, so the floor renders the same amount
of HTML as the page it is compared with. The row count and the filler for each N are worked
out once (the first request); every request queries and renders again.

``POST /floor/write`` reads the form and inserts its text as one row of a table of its own
(``floor_write``, made at start) in a transaction it commits, and answers 204: the least a
write can cost on this stack, one statement and a commit, with none of the app's session,
access check, audit chain or rendering. It is what the app's audited writes a second are
compared with (bench.py step 4).

``POST /floor/audited`` is the least an audited write by a signed-in person can be: what no such
change can do without, in plain SQL on tables of the floor's own (``floor_session``,
``floor_member``, ``floor_chain``, ``floor_event``, made and filled at start). Before the writing
transaction, as the app reads them: the session, found by the SHA-256 of the cookie's token
(``floor=bench``, else 403), and the person's membership of the account. In it: the chain's
head, locked (``FOR UPDATE`` on PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` serialises the
writers), the row written (``floor_write``), the event with the next link of the hash chain
(SHA-256 of the previous hash and the event) and the head moved on; then the commit, and 204.
Not done here and done by the app: the CSRF check, the period's lock and the item's look-up,
the thread's count, the live event, the answer's HTML. ``verify_chain`` checks afterwards that
the events form one unbroken chain (the writers were serialised).

``POST /floor/audited/fused`` (PostgreSQL only) is the same write in the fewest round trips: the
session and the membership in one query, then one statement that moves the chain's head with
the next link computed by PostgreSQL (``sha256``, on the head's row, locked by the update
itself), writes the row and the event, and the commit. Its chain (chain 2) is checked the
same way, by the same ``link``.

Run by the benchmark (tests/benchmarks/bench.py) as its own server process:

    python tests/benchmarks/floor.py DATABASE_URL PORT
"""

from __future__ import annotations

import hashlib
import sys
from itertools import cycle, islice
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.middleware.gzip import GZipMiddleware

from app.web.security import COMPRESS_ABOVE_BYTES, COMPRESSION_LEVEL

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>
<body><main><h1>Actions</h1>
<table><thead><tr><th>#</th><th>Action</th><th>Status</th><th>Version</th></tr></thead>
<tbody>
{%- for row in rows %}
<tr><td>{{ row.id }}</td><td>{{ row.title }}</td><td>{{ row.status }}</td><td>{{ row.version }}</td></tr>
{%- endfor %}
</tbody></table>
<p>{{ filler }}</p></main></body></html>
"""
QUERY = sa.text("SELECT id, title, status, version FROM action ORDER BY id LIMIT 300")
WRITE_TABLE = sa.text(
    "CREATE TABLE IF NOT EXISTS floor_write (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
)
WRITE = sa.text("INSERT INTO floor_write (body) VALUES (:body)")

# The audited write's tables, filled once (``ON CONFLICT DO NOTHING``: a second instance on the
# same database finds them made). ``{serial}``: the dialect's auto-numbered key.
COOKIE = ("floor", "bench")  # the cookie the load generator sends to POST /floor/audited
AUDITED_TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_session (token_hash VARCHAR(64) PRIMARY KEY,"
    " user_id INTEGER NOT NULL, expires_at TIMESTAMP NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_member (account_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL, role VARCHAR(20) NOT NULL, PRIMARY KEY (account_id, user_id))",
    "CREATE TABLE IF NOT EXISTS floor_chain (chain INTEGER PRIMARY KEY, seq INTEGER NOT NULL,"
    " hash VARCHAR(64) NOT NULL, prev VARCHAR(64) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_event (id {serial}, chain INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, actor_id INTEGER NOT NULL, body TEXT NOT NULL,"
    " prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL, UNIQUE (chain, seq))",
)
GENESIS = "0" * 64  # the hash before the chain's first event
AUDITED_ROWS = (
    (
        "INSERT INTO floor_session VALUES (:token, 1, '9999-12-31 00:00:00')"
        " ON CONFLICT DO NOTHING",
        {"token": hashlib.sha256(COOKIE[1].encode()).hexdigest()},
    ),
    ("INSERT INTO floor_member VALUES (1, 1, 'lead') ON CONFLICT DO NOTHING", {}),
    (
        "INSERT INTO floor_chain VALUES (1, 0, :genesis, ''), (2, 0, :genesis, '')"
        " ON CONFLICT DO NOTHING",
        {"genesis": GENESIS},
    ),
)
SESSION = sa.text(
    "SELECT user_id FROM floor_session WHERE token_hash = :token AND expires_at > CURRENT_TIMESTAMP"
)
MEMBER = sa.text("SELECT role FROM floor_member WHERE account_id = 1 AND user_id = :user")
HEAD = "SELECT seq, hash FROM floor_chain WHERE chain = :chain"
MOVE_HEAD = sa.text("UPDATE floor_chain SET seq = :seq, hash = :hash WHERE chain = 1")
EVENT = sa.text(
    "INSERT INTO floor_event (chain, seq, actor_id, body, prev_hash, hash)"
    " VALUES (1, :seq, :actor, :body, :prev, :hash)"
)
FUSED = 2  # the chain of POST /floor/audited/fused
WHO = sa.text(
    "SELECT s.user_id FROM floor_session s JOIN floor_member m ON m.user_id = s.user_id"
    " AND m.account_id = 1 WHERE s.token_hash = :token AND s.expires_at > CURRENT_TIMESTAMP"
)
# ``link`` in SQL: in SET, the head's columns are the row before the update (PostgreSQL's
# READ COMMITTED reads the row again once its lock is granted), so ``prev`` keeps the old hash.
WRITE_FUSED = sa.text(
    "WITH moved AS (UPDATE floor_chain SET seq = seq + 1, prev = hash,"
    " hash = encode(sha256(convert_to("
    "hash || '|' || (seq + 1) || '|' || CAST(:actor AS INTEGER) || '|' || CAST(:body AS TEXT),"
    " 'UTF8')), 'hex') WHERE chain = 2 RETURNING seq, prev, hash),"
    " written AS (INSERT INTO floor_write (body) VALUES (:body))"
    " INSERT INTO floor_event (chain, seq, actor_id, body, prev_hash, hash)"
    " SELECT 2, seq, :actor, :body, prev, hash FROM moved"
)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _driver_autocommit(connection: Any, record: Any) -> None:
    _sqlite_pragmas(connection, record)
    connection.isolation_level = None  # BEGIN is ours (``_begin_immediate``), not the driver's


def link(prev_hash: str, seq: int, actor: int, body: str) -> str:
    """The hash of the audited write's event: SHA-256 of the previous hash and the event."""
    return hashlib.sha256(f"{prev_hash}|{seq}|{actor}|{body}".encode()).hexdigest()


def _token_hash(request: Request) -> str:
    """The SHA-256 of the floor's session cookie, as ``floor_session`` keeps it."""
    return hashlib.sha256(request.cookies.get(COOKIE[0], "").encode()).hexdigest()


def _engine_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class BrokenChain(Exception):
    """The audited writes' events are not one chain (``verify_chain``)."""


def verify_chain(url: str, chain: int = 1) -> int:
    """The number of audited writes' events (of ``chain``: 1, or ``FUSED``), after checking that
    they form one chain: seq 1, 2, ... each linked to the one before it and ending at the head.
    Raises ``BrokenChain``."""
    engine = sa.create_engine(_engine_url(url))
    try:
        with engine.connect() as connection:
            events = connection.execute(
                sa.text(
                    "SELECT seq, actor_id, body, prev_hash, hash FROM floor_event"
                    " WHERE chain = :chain ORDER BY seq"
                ),
                {"chain": chain},
            ).all()
            head = connection.execute(sa.text(HEAD), {"chain": chain}).one()
    finally:
        engine.dispose()
    prev = GENESIS
    for expected, (seq, actor, body, prev_hash, digest) in enumerate(events, start=1):
        if seq != expected:
            raise BrokenChain(f"event {expected} missing (found {seq})")
        if prev_hash != prev or digest != link(prev, seq, actor, body):
            raise BrokenChain(f"the chain breaks at event {seq}")
        prev = digest
    if (head.seq, head.hash) != (len(events), prev):
        raise BrokenChain("the head is not the last event")
    return len(events)


def create_floor(url: str) -> FastAPI:
    url = _engine_url(url)
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)
    postgres = url.startswith("postgresql")
    if postgres:
        ddl = str(WRITE_TABLE).replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
        serial, head = "SERIAL PRIMARY KEY", sa.text(HEAD + " FOR UPDATE")
        writer = engine
    else:  # SQLite as the app runs it: WAL, and a wait for the write lock, not an error
        ddl = str(WRITE_TABLE)
        serial, head = "INTEGER PRIMARY KEY", sa.text(HEAD)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # The audited write's transaction takes the write lock at its BEGIN, as the app's do:
        # a deferred one would read the head, then fail to upgrade ("database is locked").
        writer = sa.create_engine(url, pool_size=10, max_overflow=20)
        sa.event.listen(writer, "connect", _driver_autocommit)
        sa.event.listen(writer, "begin", _begin_immediate)
    with engine.begin() as connection:
        connection.execute(sa.text(ddl))
        for statement in AUDITED_TABLES:
            connection.execute(sa.text(statement.format(serial=serial)))
        for statement, values in AUDITED_ROWS:
            connection.execute(sa.text(statement), values)
    template = Environment(autoescape=True).from_string(PAGE)
    shapes: dict[int, tuple[int, int]] = {}  # bytes -> (rows, filler length)
    app = FastAPI()
    # Compressed as the app's answers are, for a client that asks (the mix's httpx; wrk does not).
    app.add_middleware(
        GZipMiddleware, minimum_size=COMPRESS_ABOVE_BYTES, compresslevel=COMPRESSION_LEVEL
    )

    def render(rows: list[Any], count: int, filler: int) -> bytes:
        return template.render(rows=islice(cycle(rows), count), filler="x" * filler).encode()

    def shape(rows: list[Any], size: int) -> tuple[int, int]:
        """As many rows (cycling) as fit in ``size`` bytes, and the filler that makes it exact."""
        empty = len(render(rows, 0, 0))
        widths = [len(render([row], 1, 0)) - empty for row in rows]
        count, used = 0, empty
        while widths and used + widths[count % len(widths)] <= size:
            used += widths[count % len(widths)]
            count += 1
        return count, max(0, size - used)

    @app.get("/floor")
    def floor(
        size: int = Query(alias="bytes", default=70_000, ge=0, le=50_000_000),
    ) -> HTMLResponse:
        with engine.connect() as connection:
            rows = list(connection.execute(QUERY))
        if size not in shapes:
            shapes[size] = shape(rows, size)
        count, filler = shapes[size]
        return HTMLResponse(render(rows, count, filler))

    @app.post("/floor/write")
    def write(body: str = Form(max_length=10_000)) -> Response:
        with engine.begin() as connection:
            connection.execute(WRITE, {"body": body})
        return Response(status_code=204)

    @app.post("/floor/audited")
    def audited(request: Request, body: str = Form(max_length=10_000)) -> Response:
        token = _token_hash(request)
        with engine.connect() as connection:  # before the writing transaction, as the app's
            user = connection.execute(SESSION, {"token": token}).scalar()
            role = user and connection.execute(MEMBER, {"user": user}).scalar()
        if not role:
            return Response(status_code=403)
        with writer.begin() as connection:
            seq, prev = connection.execute(head, {"chain": 1}).one()
            connection.execute(WRITE, {"body": body})
            digest = link(prev, seq + 1, user, body)
            connection.execute(
                EVENT, {"seq": seq + 1, "actor": user, "body": body, "prev": prev, "hash": digest}
            )
            connection.execute(MOVE_HEAD, {"seq": seq + 1, "hash": digest})
        return Response(status_code=204)

    if postgres:

        @app.post("/floor/audited/fused")
        def audited_fused(request: Request, body: str = Form(max_length=10_000)) -> Response:
            token = _token_hash(request)
            with engine.connect() as connection:
                user = connection.execute(WHO, {"token": token}).scalar()
            if user is None:
                return Response(status_code=403)
            with engine.begin() as connection:
                connection.execute(WRITE_FUSED, {"actor": user, "body": body})
            return Response(status_code=204)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    uvicorn.run(
        create_floor(sys.argv[1]),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        log_level="warning",
        access_log=False,
    )
