"""The benchmark (tests/benchmarks/bench.py, ``make bench``) cannot rot: its smoke run, end to
end on each run's database, in the normal suite. It is the only part of the benchmark the suite runs; the
figures themselves are not checked here (they depend on the machine), only that every step ran,
answered without errors and that the audit trail still verifies after the write run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND, POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]

# It starts servers of its own: kept on one worker, away from other server-starting tests.
pytestmark = pytest.mark.xdist_group("bench")


def test_the_benchmark_runs_end_to_end(template_engine: sa.Engine) -> None:
    """The smoke run on this run's database: on SQLite from the session's migrated template,
    on PostgreSQL in databases of its own on the same server."""
    template = template_engine.url.database
    assert template
    where = (
        ["--only", "sqlite", "--sqlite-template", template]
        if BACKEND == "sqlite"
        else ["--only", "postgresql", "--postgres-url", POSTGRES_URL]
    )
    # Its own process group, so that on a timeout its servers are stopped with it.
    bench = subprocess.Popen(  # noqa: S603
        [sys.executable, "tests/benchmarks/bench.py", "--quick", *where],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = bench.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(bench.pid, signal.SIGTERM)  # it stops its servers and drops its files
        try:
            bench.communicate(timeout=60)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(bench.pid, signal.SIGKILL)
        raise
    assert bench.returncode == 0, out[-3000:] + err[-3000:]
    headings = ["Plan page against the floor at the same bytes", "Audited writes", "Server memory"]
    # The growth step runs on SQLite (files of each size); the 50-user mix on PostgreSQL.
    headings.append("Plan page one at a time by plan size" if BACKEND == "sqlite" else "-user mix")
    for heading in headings:
        assert heading in out, out
    rows = [line for line in out.splitlines() if line.startswith(f"| {BACKEND} |")]
    pages = [line for line in rows if "| plan, " in line]
    assert len(pages) == 2, out  # the lead's and the sponsor's plan page
    assert all(line.endswith("| 0 |") for line in pages), out  # no errors
    writes = [line.strip("| ").split(" | ") for line in rows if line.endswith("| passes |")]
    assert [w[1] for w in writes] == [
        "one instance, 8 connections",
        "two instances, 16 connections",
    ], out
    for write in writes:
        assert int(write[2]) > 0, out  # comments were posted
        assert write[7:] == ["0", "0", "passes"], out  # no errors, not one "database is locked"
    # The floors under the same loads, on the same database: one insert, and the least an
    # audited write can be (on PostgreSQL also in two statements), whose hash chain holds every
    # one of its writes (all of them so far, after each run: wrk counts the answers that came
    # within its time, and the writes still in flight then are chained too).
    floors = [line.strip("| ").split(" | ") for line in rows if "| bare floor, " in line]
    expected = [
        f"bare floor, {what}: {how}"
        for what in ("one insert", "an audited write")
        for how in ("one instance, 8 connections", "two instances, 16 connections")
    ]
    if BACKEND == "postgresql":
        expected.append(
            "bare floor, an audited write in two statements: two instances, 16 connections"
        )
    assert [f[1] for f in floors] == expected, out
    for row in floors:
        assert int(row[2]) > 0, out
        assert row[7] == "0", out

    def chained(row: list[str]) -> int:
        found = re.fullmatch(r"([\d,]+) events chained", row[9])
        assert found, out
        return int(found[1].replace(",", ""))

    assert [row[9] for row in floors[:2]] == ["-", "-"], out
    assert chained(floors[3]) >= chained(floors[2]) + int(floors[3][2]), out
    assert chained(floors[2]) >= int(floors[2][2]), out
    if BACKEND == "postgresql":
        assert chained(floors[4]) >= int(floors[4][2]), out
    if BACKEND == "sqlite":
        for factor in ("| 1x |", "| 2x |", "| 4x |"):
            assert any(line.startswith(factor) for line in out.splitlines()), out
    else:
        assert "errors: 0;" in out, out  # the mix answered every request
        # and so did the floor under the same mix, its writes all in its chain
        floor_mix = out.split("The same mix on two instances of the bare floor")
        assert len(floor_mix) == 2, out
        assert re.search(r"\nerrors: 0; audit chain: [\d,]+ events chained\n", floor_mix[1]), out
