"""Plays the vendor's other accounts (story/portfolio.toml): each case's sponsor is made (one
who does not sign in), its account opened, and its plan's story played like Harbor's.

Only when each plan began is set afterwards, like the ratings' dates.
"""

from __future__ import annotations

from app.demo import play_plan
from app.demo.entries import Portfolio
from app.demo.stage import Stage, days_ago, open_account
from app.models import Account, Plan
from app.users import service as users


def play(stage: Stage, portfolio: Portfolio) -> dict[str, tuple[Account, Plan]]:
    """Every case's account and current plan, by name."""
    opened: dict[str, tuple[Account, Plan]] = {}
    for case in portfolio.cases:
        sponsor = case.sponsor
        stage.cast[sponsor.key] = users.create(
            stage.session, email=sponsor.email, display_name=sponsor.name, password=None
        )
        account, plan = open_account(stage, case.account)
        plan.created_at = days_ago(case.started_days_ago)
        stage.session.add(plan)
        play_plan.play(stage, account=account, plan=plan, story=case.plan, order=portfolio.order)
        stage.session.flush()
        opened[case.account.name] = (account, plan)
    return opened
