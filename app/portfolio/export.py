"""The portfolio as CSV: the rows the page shows (same accounts, filters and order), with
their figures as numbers and ISO dates."""

from __future__ import annotations

from collections.abc import Iterable

from app.plans.metrics import Figure
from app.portfolio.service import PortfolioRow

HEADER = (
    "Account",
    "Client",
    "Tier",
    "Current score",
    "Future score",
    "Scored on",
    "Plan",
    "Plan state",
    "Agreed version",
    "Client focus (%)",
    "Coverage (%)",
    "Client value (of 10)",
    "Rated on",
    "Perception gap",
    "Rating your side expects",
    "Client's rating",
    "Client priorities missed",
    "Open actions",
    "Overdue actions",
    "Next review",
    "Review state",
    "Last review held on",
)


def _percent(figure: Figure) -> int | None:
    return None if figure.value is None else round(figure.value * 100)


def _row(row: PortfolioRow) -> list[object]:
    score, f = row.score, row.figures
    scored: list[object] = (
        [score.tier.label, score.current, score.future, score.scored_on]
        if score
        else ["Not scored", None, None, None]
    )
    if f is None:
        return [row.name, row.client_name, *scored, None, "No current plan"] + [None] * 13
    return [
        row.name,
        row.client_name,
        *scored,
        f.plan.period,
        f.state_label,
        f.plan.agreed_version,
        _percent(f.client_focus),
        _percent(f.coverage),
        f.value.latest if f.value else None,
        f.value.rated_on if f.value else None,
        f.gap.difference,
        f.gap.believed,
        f.gap.stated,
        f.gap.missed,
        f.open_actions,
        f.overdue_actions,
        f.review.on,
        f.review.state.label,
        f.review.last_held_on,
    ]


def rows(shown: Iterable[PortfolioRow]) -> list[list[object]]:
    return [_row(row) for row in shown]
