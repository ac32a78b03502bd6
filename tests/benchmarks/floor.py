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

Run by the benchmark (tests/benchmarks/bench.py) as its own server process:

    python tests/benchmarks/floor.py DATABASE_URL PORT
"""

from __future__ import annotations

import sys
from itertools import cycle, islice
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Form, Query
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

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


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_floor(url: str) -> FastAPI:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)
    if url.startswith("postgresql"):
        ddl = str(WRITE_TABLE).replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
    else:  # SQLite as the app runs it: WAL, and a wait for the write lock, not an error
        ddl = str(WRITE_TABLE)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    with engine.begin() as connection:
        connection.execute(sa.text(ddl))
    template = Environment(autoescape=True).from_string(PAGE)
    shapes: dict[int, tuple[int, int]] = {}  # bytes -> (rows, filler length)
    app = FastAPI()

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
