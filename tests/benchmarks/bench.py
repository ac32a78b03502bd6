"""The plan page's benchmark (a script, not a test): ``make bench``, or

    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench.py [--quick] [--only sqlite|postgresql]
        [--steps page,growth,mix,writes]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

On SQLite (a fresh file) and on PostgreSQL (fresh ``jp_bench_*`` databases, dropped after; the
step is left out when PostgreSQL does not answer), with the demo loaded and the standard large
plan on Harbor Logistics (30 priorities, 60 initiatives, 300 actions, 2,000 comments):

1. the plan page as the demo's lead and sponsor against the bare floor (tests/benchmarks/floor.py)
   rendering the same byte count, measured alternately (floor, app, floor, app, ...): req/s
   with 10 connections (wrk, or a Python generator without it) and p50/p95 one at a time;
2. SQLite: the plan page one at a time at 1x, 2x and 4x the large plan (each its own database);
3. PostgreSQL: 50 signed-in users on two instances of one worker (``start_instances``), 0.5-1.5 s between requests, 80 % reads
   and 20 % writes: p50/p95/p99 of each, errors (each kind of request is made once on each
   instance first, not counted); then the same mix on two instances of the floor, each read a
   floor page as large as the app's answer to it, each write the floor's audited write;
4. audited writes: comments posted as fast as they are answered (wrk with a script, or Python
   clients without it), on one instance with 8 connections and on two with 16: writes a
   second, p50/p95/p99, errors, "database is locked"; then ``jointplan audit verify`` (must
   pass); then, under the same loads (one instance and two), the bare floor of a write (one
   insert and a commit in a FastAPI handler: the most this stack can write a second on this
   machine) and the floor of an audited write (the session and the membership read, the chain's
   head locked, the row and its hash-chained event written: the least any audited change by a
   signed-in person costs), whose chain is checked after;
5. the app's resident memory throughout.

The app is ``jointplan serve`` (uvicorn, ``--workers 1`` unless a step says two), served as
in production (``benchdata.server_env``) with a fixed secret key; people are signed in by sessions made directly
(``app.auth.sessions``). ``--quick`` is the smoke run the test suite makes
(tests/test_bench.py): the test world instead of the demo, a tenth of the plan, a second or two
per step. Results go in tests/benchmarks/NOTES.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import benchdata, load
from tests.benchmarks.benchdata import Backend, Built
from tests.benchmarks.floor import FUSED, BrokenChain, verify_chain
from tests.benchmarks.load import pct
from tests.live import free_port

FLOOR = str(Path(__file__).with_name("floor.py"))


STEPS = frozenset({"page", "growth", "mix", "writes"})


@dataclass
class Options:
    quick: bool
    seconds: float  # each wrk run
    rounds: int  # floor/app alternations of wrk runs
    requests: int  # one at a time, per page
    users: int
    mix_seconds: float
    write_seconds: float
    scale: float
    steps: frozenset[str] = STEPS  # which of STEPS to run (--steps)


def options(args: argparse.Namespace) -> Options:
    steps = frozenset(args.steps.split(",")) if args.steps else STEPS
    if steps - STEPS:
        raise SystemExit(f"--steps: one or more of {', '.join(sorted(STEPS))}")
    if args.quick:
        return Options(True, 1, 1, 5, 10, 3, 1.5, 0.1, steps)
    return Options(
        False, args.seconds, args.rounds, args.requests, 50, args.mix_seconds, 20, 1, steps
    )


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the server and its workers."""
        total, pids = 0, [self.process.pid]
        while pids:
            pid = pids.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            pids += [int(c) for c in children]
        return total / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def locked_in_log(self) -> int:
        return self.log.read_text(errors="replace").count("database is locked")


def start(command: list[str], url: str, workdir: Path, name: str, port: int) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command, env=benchdata.server_env(url, port), stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} did not start:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=30).status_code == 200:
                return Server(process, base, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{name} did not answer within 300 s:\n{log.read_text()[-2000:]}")


def start_app(built: Built, workdir: Path, workers: int = 1) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    name = f"app-{built.backend}-{built.factor}x-{workers}w-{port}"
    return start(command, built.url, workdir, name, port)


def start_floor(built: Built, workdir: Path) -> Server:
    port = free_port()
    command = [sys.executable, FLOOR, built.url, str(port)]
    return start(command, built.url, workdir, f"floor-{built.backend}-{port}", port)


@dataclass
class PageRow:
    backend: str
    role: str
    size: int
    app_rps: list[float] = field(default_factory=list)
    floor_rps: list[float] = field(default_factory=list)
    app_times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class Results:
    pages: list[PageRow] = field(default_factory=list)
    growth: list[tuple[int, int, list[float]]] = field(default_factory=list)
    mix: load.Tally | None = None
    floor_mix: load.Tally | None = None
    floor_mix_chain: str = ""  # the floor's audit chain after its mix (``verify_chain``)
    writes: list[tuple[str, str, load.WriteRun, str]] = field(default_factory=list)
    memory: list[tuple[str, str, float]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def reachable(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def errors(tally: load.Tally) -> str:
    """How many failed, and what they were when any did."""
    count = sum(tally.errors.values())
    return f"{count} ({', '.join(f'{n} x {e}' for e, n in tally.errors.items())})" if count else "0"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def plan_against_floor(built: Built, workdir: Path, opts: Options, results: Results) -> Server:
    """Step 1 (and the 1x point of step 2); the app is left running for the next steps."""
    app, floor = start_app(built, workdir), start_floor(built, workdir)
    results.memory.append((built.backend, "started, one worker", app.rss_mb()))
    plan = f"{app.base}/accounts/{built.account_id}/plan"
    try:
        targets: dict[str, tuple[str, str]] = {}
        for role in ("lead", "sponsor"):
            token = built.person(role).token
            row = PageRow(built.backend, role, load.page_bytes(plan, token))
            results.pages.append(row)
            targets[f"floor {role}"] = (f"{floor.base}/floor?bytes={row.size}", "")
            targets[f"app {role}"] = (plan, token)
        rows = results.pages[-2:]
        load.sequential(targets, 0)  # warm-up: templates compiled, the floor's shape worked out
        for _ in range(opts.rounds):
            for row in rows:
                floor_run = load.throughput(targets[f"floor {row.role}"][0], "", opts.seconds)
                app_run = load.throughput(plan, built.person(row.role).token, opts.seconds)
                row.floor_rps.append(floor_run.rps)
                row.app_rps.append(app_run.rps)
                row.errors += floor_run.errors + app_run.errors
        results.memory.append((built.backend, "after the plan page runs", app.rss_mb()))
        times = load.sequential(targets, opts.requests)
        for row in rows:
            row.app_times, row.floor_times = times[f"app {row.role}"], times[f"floor {row.role}"]
    except BaseException:
        app.stop()
        raise
    finally:
        floor.stop()
    return app


def growth(
    sizes: list[Built], first: list[float], workdir: Path, opts: Options, results: Results
) -> None:
    """Step 2: the lead's plan page one at a time at each size (1x measured in step 1, when it
    ran)."""
    for built in sizes:
        if built.factor == 1 and first:
            size = next(
                r.size for r in results.pages if r.backend == built.backend and r.role == "lead"
            )
            results.growth.append((1, size, first))
            continue
        app = start_app(built, workdir)
        try:
            plan = f"{app.base}/accounts/{built.account_id}/plan"
            token = built.person("lead").token
            size = load.page_bytes(plan, token)
            times = load.sequential({"app": (plan, token)}, opts.requests)["app"]
            results.growth.append((built.factor, size, times))
            results.memory.append(
                (built.backend, f"{built.factor}x plan, one at a time", app.rss_mb())
            )
        finally:
            app.stop()


def start_instances(
    built: Built,
    workdir: Path,
    count: int,
    starter: Callable[[Built, Path], Server] = start_app,
) -> list[Server]:
    """``count`` instances of one worker each (of the app, or of what ``starter`` starts) on
    ports of their own, which the load generators
    share the load over in turn, as a load balancer would. (One ``jointplan serve --workers 2``
    leaves that to its processes racing for the shared socket's connections: the one that
    wakes first takes all waiting connections, and wrk's 16 kept one worker at 92 % CPU and
    the other at 13 %.)"""
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(starter(built, workdir))
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def user_mix(built: Built, workdir: Path, opts: Options, results: Results) -> None:
    """Step 3, with two workers (two instances of one)."""
    apps = start_instances(built, workdir, 2)
    try:
        results.mix = load.user_mix([a.base for a in apps], built, opts.users, opts.mix_seconds)
        results.mix.locked += sum(a.locked_in_log() for a in apps)
        memory = sum(a.rss_mb() for a in apps)
        results.memory.append((built.backend, "50-user mix, two instances", memory))
    finally:
        for app in apps:
            app.stop()
    # The same mix on two instances of the floor, its pages as large as the app's answers.
    floors = start_instances(built, workdir, 2, start_floor)
    try:
        bases = [server.base for server in floors]
        sizes = results.mix.sizes
        results.floor_mix = load.floor_mix(bases, built, sizes, opts.users, opts.mix_seconds)
    finally:
        for server in floors:
            server.stop()
    results.floor_mix_chain = chained(built, 1, results)


def audited_writes(
    app: Server, built: Built, workdir: Path, opts: Options, results: Results
) -> None:
    """Step 4: on the running one-worker app with 8 connections, then on two instances with 16
    (8 each); then ``jointplan audit verify``; then the same on the floors of a write (floor.py:
    one insert and a commit; the least an audited write can be, its chain verified after),
    against the same database."""
    runs: list[tuple[str, load.WriteRun]] = []
    try:
        run = load.audited_writes([app.base], built, 8, opts.write_seconds)
        run.locked += app.locked_in_log()
        runs.append(("one instance, 8 connections", run))
        results.memory.append((built.backend, "after the write run", app.rss_mb()))
    finally:
        app.stop()
    two = start_instances(built, workdir, 2)
    try:
        run = load.audited_writes([a.base for a in two], built, 16, opts.write_seconds)
        run.locked += sum(a.locked_in_log() for a in two)
        runs.append(("two instances, 16 connections", run))
    finally:
        for server in two:
            server.stop()
    verify = subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify"],
        env=benchdata.server_env(built.url, 0),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = (verify.stdout + verify.stderr).strip().splitlines()
    verdict = "passes" if verify.returncode == 0 else f"FAILS: {lines[-1] if lines else ''}"
    if verify.returncode:
        results.failed.append(f"audit verify on {built.backend}: {verdict}")
    results.writes += [(built.backend, how, run, verdict) for how, run in runs]
    one, two = "one instance, 8 connections", "two instances, 16 connections"
    floors = [("one insert", "/floor/write", 1, one), ("one insert", "/floor/write", 2, two)]
    floors += [("an audited write", "/floor/audited", 1, one)]
    floors += [("an audited write", "/floor/audited", 2, two)]
    if built.backend == "postgresql":  # the link computed in SQL (SQLite has no sha256)
        floors += [("an audited write in two statements", "/floor/audited/fused", 2, two)]
    # The floors of one instance, then of two, each started once for all its writes (a start
    # costs a second of CPU); the rows keep the order above.
    runs_of: dict[tuple[str, int], load.WriteRun] = {}
    verdicts: dict[tuple[str, int], str] = {}
    for count in (1, 2):
        paths = [path for _, path, n, _ in floors if n == count]
        servers = start_instances(built, workdir, count, start_floor)
        try:
            bases = [server.base for server in servers]
            for path in paths:
                runs_of[path, count] = load.floor_writes(bases, 8 * count, opts.write_seconds, path)
        finally:
            for server in servers:
                server.stop()
        for path in paths:  # once stopped: the writes still in flight when a run ended are in
            verdicts[path, count] = (  # every event of the chain so far, checked
                chained(built, FUSED if path.endswith("/fused") else 1, results)
                if path.startswith("/floor/audited")
                else "-"
            )
    results.writes += [
        (built.backend, f"bare floor, {what}: {how}", runs_of[path, n], verdicts[path, n])
        for what, path, n, how in floors
    ]


def chained(built: Built, chain: int, results: Results) -> str:
    """The floor's audit chain ``chain`` checked (``verify_chain``): "N events chained", or
    what is wrong with it (the run then fails)."""
    try:
        return f"{verify_chain(built.url, chain):,} events chained"
    except BrokenChain as broken:
        results.failed.append(f"the floor's audit chain on {built.backend}: {broken}")
        return f"FAILS: {broken}"


STARTED = time.monotonic()


def say(kind: str, what: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] [{kind}] {what}", flush=True)


def run_backend(backend: Backend, opts: Options, results: Results, template: str) -> None:
    demo = not opts.quick
    label = f"jp_bench_{os.getpid()}"
    say(backend.kind, "building the demo and the large plan ...")
    benchdata.build_base(backend, f"{label}_base", demo=demo, template_file=template)
    factors = [1, 2, 4] if backend.kind == "sqlite" and "growth" in opts.steps else [1]
    sizes = [
        benchdata.fill(
            backend, f"{label}_{f}x", f"{label}_base", factor=f, demo=demo, scale=opts.scale
        )
        for f in factors
    ]
    one = sizes[0]
    lead_times: list[float] = []
    if "page" in opts.steps:
        say(backend.kind, "the plan page against the floor ...")
        plan_against_floor(one, backend.workdir, opts, results).stop()
        lead_times = results.pages[-2].app_times
    if backend.kind == "postgresql" and "mix" in opts.steps:
        say(backend.kind, f"{opts.users}-user mix, two instances ...")
        user_mix(one, backend.workdir, opts, results)
    if "writes" in opts.steps:
        say(backend.kind, "audited writes ...")
        audited_writes(start_app(one, backend.workdir), one, backend.workdir, opts, results)
    if backend.kind == "sqlite" and "growth" in opts.steps:
        say(backend.kind, "the plan at 1x, 2x, 4x ...")
        growth(sizes, lead_times, backend.workdir, opts, results)


def report(results: Results, opts: Options, kinds: list[str]) -> str:
    out: list[str] = []
    if results.pages:
        out += _page_table(results, opts)
    return "\n".join(out + _other_tables(results, opts, kinds))


def _page_table(results: Results, opts: Options) -> list[str]:
    out = [
        "",
        f"Plan page against the floor at the same bytes ({load.GENERATOR}, {opts.seconds:g} s "
        f"x {opts.rounds} alternating; one at a time: {opts.requests} each, alternating)",
        "| database | page | bytes | req/s app | req/s floor | ratio | p50/p95 app ms "
        "| p50/p95 floor ms | p50 ratio | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results.pages:
        app_rps, floor_rps = median(row.app_rps), median(row.floor_rps)
        app50, floor50 = pct(row.app_times, 50), pct(row.floor_times, 50)
        out.append(
            f"| {row.backend} | plan, {row.role} | {row.size:,} | {app_rps:.1f} | {floor_rps:.1f} "
            f"| {app_rps / floor_rps if floor_rps else 0:.2f} | {app50:.1f} / "
            f"{pct(row.app_times, 95):.1f} | {floor50:.1f} / {pct(row.floor_times, 95):.1f} "
            f"| {floor50 / app50 if app50 else 0:.2f} | {row.errors} |"
        )
    return out


def _mix_rows(mix: load.Tally) -> list[str]:
    """The mix's table: its reads and writes, then each kind of request, the slowest first."""
    out = ["| requests | n | per s | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|---|"]
    named = sorted(mix.by_name.items(), key=lambda item: -pct(item[1], 95))
    for name, times in [("reads", mix.reads), ("writes", mix.writes), *named]:
        out.append(
            f"| {name} | {len(times)} | {len(times) / mix.seconds:.1f} | {pct(times, 50):.1f}"
            f" | {pct(times, 95):.1f} | {pct(times, 99):.1f} |"
        )
    return out


def _other_tables(results: Results, opts: Options, kinds: list[str]) -> list[str]:
    out: list[str] = []
    if results.growth:
        first = pct(results.growth[0][2], 50)
        out += [
            "",
            "Plan page one at a time by plan size (SQLite, the lead)",
            "| size | bytes | p50 ms | p95 ms | p50 / 1x |",
            "|---|---|---|---|---|",
        ]
        for factor, size, times in results.growth:
            p50 = pct(times, 50)
            out.append(
                f"| {factor}x | {size:,} | {p50:.1f} | {pct(times, 95):.1f} | {p50 / first if first else 0:.2f} |"
            )
    if results.mix is not None:
        out += [
            "",
            f"{opts.users}-user mix on PostgreSQL, two instances of one worker, {opts.mix_seconds:g} s",
            *_mix_rows(results.mix),
            f"errors: {errors(results.mix)}; database is locked: {results.mix.locked}",
        ]
        sides = {True: "vendor", False: "client"}
        sizes = "; ".join(
            f"{sides[vendor]} {name} {size:,}"
            for (vendor, name), size in sorted(results.mix.sizes.items())
        )
        out.append(f"the reads' sizes (bytes of HTML): {sizes}")
    if results.floor_mix is not None:
        out += [
            "",
            f"The same mix on two instances of the bare floor, {opts.mix_seconds:g} s: each read a"
            " floor page as large as the app's answer to it, each write the floor's audited write",
            *_mix_rows(results.floor_mix),
            f"errors: {errors(results.floor_mix)}; audit chain: {results.floor_mix_chain}",
        ]
    if results.writes:
        out += [
            "",
            f"Audited writes: comment posts (htmx) as fast as they are answered, {opts.write_seconds:g} s"
            f" each ({'wrk' if load.WRK else 'Python clients'}); audit verify after both",
            "| database | server, connections | writes | per s | p50 ms | p95 ms | p99 ms | errors "
            "| database is locked | audit verify |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for backend, how, run, verdict in results.writes:
            out.append(
                f"| {backend} | {how} | {run.writes} | {run.writes / run.seconds:.1f} "
                f"| {run.p50:.1f} | {run.p95:.1f} | {run.p99:.1f} | {run.errors} | {run.locked} "
                f"| {verdict} |"
            )
    out += [
        "",
        "Server memory (RSS of the app, all its processes)",
        "| database | when | MB |",
        "|---|---|---|",
    ]
    out += [f"| {backend} | {when} | {mb:.0f} |" for backend, when, mb in results.memory]
    if "postgresql" not in kinds:
        out.append("\nPostgreSQL was not measured (not reachable, or --only sqlite).")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds a step")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default="")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10, help="each wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="floor/app alternations (3)")
    parser.add_argument("--requests", type=int, default=40, help="one at a time, per page (40)")
    parser.add_argument("--mix-seconds", type=float, default=60, help="the 50-user mix (60)")
    parser.add_argument(
        "--steps", default="", help="only these, comma-separated: page,growth,mix,writes (all)"
    )
    parser.add_argument("--keep", default="", help="write the servers' logs into this folder")
    parser.add_argument("--sqlite-template", default="", help=argparse.SUPPRESS)  # the test's
    args = parser.parse_args(argv)
    # A stop (the test's timeout, a terminal closed) runs the cleanups: servers, databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    opts = options(args)
    kinds = [args.only] if args.only else ["sqlite"]
    if not args.only and reachable(args.postgres_url):
        kinds.append("postgresql")
    results = Results()
    with tempfile.TemporaryDirectory(prefix="jp-bench-") as temporary:
        workdir = args.keep or temporary
        Path(workdir).mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            backend = Backend(kind, workdir=Path(workdir), admin_url=args.postgres_url)
            try:
                run_backend(
                    backend, opts, results, args.sqlite_template if kind == "sqlite" else ""
                )
            finally:
                backend.drop_all()
    print(report(results, opts, kinds))
    for problem in results.failed:
        print(problem, file=sys.stderr)
    return 1 if results.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
