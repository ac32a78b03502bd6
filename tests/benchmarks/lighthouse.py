"""Lighthouse on the plan page (a script, not a test): ``make lighthouse``.

The demo loaded into a fresh SQLite database, the app served by a process of its own, and
Lighthouse (installed by the make target, pinned) run on a phone against the plan page of
Harbor Logistics as its client sponsor, and on a laptop as its vendor lead. It prints the
performance, accessibility and best-practices scores and every audit that lost points; with
``--check`` it exits 1 when a phone score is below issue 12's targets (95 / 100 / 100).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

from sqlmodel import select

from app import demo, migrations
from app.auth import sessions
from app.config import Settings
from app.db import Database, create_db_engine
from app.models import Account, User
from tests.benchmarks.live_bench import start_server

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
RUNS = (
    ("phone", "sponsor@harbor.example", "mobile"),
    ("laptop", "lead@brightwell.example", "desktop"),
)


def demo_database(directory: Path) -> tuple[str, int, dict[str, str]]:
    """The demo's database, Harbor's id and a signed-in session token per e-mail address."""
    url = f"sqlite:///{directory / 'lighthouse.sqlite3'}"
    engine = create_db_engine(url)
    migrations.upgrade(engine, "head")
    settings = Settings(environment="test", database_url=url, secret_key="h" * 64)
    with Database(engine).session() as session:
        demo.load(session)
        harbor = session.exec(select(Account).where(Account.name == "Harbor Logistics")).one()
        tokens = {}
        for _, email, _ in RUNS:
            user = session.exec(select(User).where(User.email == email)).one()
            tokens[email] = sessions.start(
                session, user=user, ip="lighthouse", user_agent="lighthouse", settings=settings
            )
        session.commit()
    engine.dispose()
    assert harbor.id is not None
    return url, harbor.id, tokens


def lighthouse(url: str, token: str, form_factor: str) -> dict[str, object]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--extra-headers={json.dumps({'Cookie': f'{sessions.SESSION_COOKIE}={token}'})}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603
    report: dict[str, object] = json.loads(done.stdout)
    return report


def summary(report: dict[str, object]) -> tuple[dict[str, int], list[str]]:
    categories = report["categories"]
    audits = report["audits"]
    assert isinstance(categories, dict)
    assert isinstance(audits, dict)
    scores = {name: round(categories[name]["score"] * 100) for name in CATEGORIES}
    lost = []
    for name in CATEGORIES:
        for ref in categories[name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue", "")
                lost.append(f"  {name}: {audit['title']} ({audit['score']:.2f}) {shown}".rstrip())
    return scores, lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 below the phone targets")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: run `make lighthouse`")
    failed = False
    with tempfile.TemporaryDirectory() as directory:
        url, harbor, tokens = demo_database(Path(directory))
        process, port = start_server(url)
        try:
            for label, email, form_factor in RUNS:
                page = f"http://127.0.0.1:{port}/accounts/{harbor}/plan"
                scores, lost = summary(lighthouse(page, tokens[email], form_factor))
                print(
                    f"plan page, {label}, {email}: "
                    + ", ".join(f"{k} {v}" for k, v in scores.items())
                )
                print("\n".join(lost) or "  nothing lost points")
                if label == "phone":
                    failed = any(scores[k] < target for k, target in TARGETS.items())
        finally:
            process.terminate()
            process.wait()
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
