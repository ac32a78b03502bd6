"""The portfolio dashboard (vendor side only): ``GET /portfolio``.

The guard (``PortfolioReader``) lets in every vendor person of a workspace and refuses client
people (403); which accounts each one sees is the repository's business (a workspace admin: all
of the workspace; anyone else: the accounts they are on as lead, team member or mentor).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.db import DbSession
from app.kit.downloads import csv_download, file_name
from app.kit.pages import Page
from app.permissions.guards import PortfolioReader
from app.permissions.policy import Actor
from app.portfolio import chart, export, selection, service
from app.portfolio.schemas import (
    COLUMNS,
    REVIEW_CHOICES,
    STATE_CHOICES,
    TIER_CHOICES,
    PortfolioQuery,
)
from app.results import portfolio as results

router = APIRouter()
Param = Annotated[str, Query()]


async def portfolio_query(  # only the query string: no hop to a worker thread (app.auth.deps)
    sort: Param = "",
    direction: Annotated[str, Query(alias="dir")] = "",
    tier: Param = "",
    state: Param = "",
    review: Param = "",
    q: Param = "",
) -> PortfolioQuery:
    """The page's sort and filters, from its query string (the CSV takes the same)."""
    return PortfolioQuery.parse(
        sort=sort, direction=direction, tier=tier, state=state, review=review, q=q
    )


Asked = Annotated[PortfolioQuery, Depends(portfolio_query)]


@router.get("/portfolio")
def show_portfolio(
    request: Request, actor: PortfolioReader, db: DbSession, query: Asked
) -> Response:
    page = Page(
        request,
        "portfolio/show.html",
        lambda: portfolio_context(db, actor, query),
        url="/portfolio",
    )
    return page.render()


@router.get("/portfolio.csv")
def portfolio_csv(actor: PortfolioReader, db: DbSession, query: Asked) -> Response:
    """The accounts the page shows, filtered and sorted as it is, with their figures."""
    today = actor.today()
    every = service.portfolio_rows(db, actor=actor, today=today)
    shown = service.sort_rows(service.filter_rows(every, query), query)
    name = file_name("portfolio", today.isoformat(), suffix=".csv")
    return csv_download(export.HEADER, export.rows(shown), filename=name)


def portfolio_context(db: DbSession, actor: Actor, query: PortfolioQuery) -> dict[str, Any]:
    """The accounts the person sees, as the query asks, with their summary and charts."""
    today = actor.today()
    every = service.portfolio_rows(db, actor=actor, today=today)
    shown = service.sort_rows(service.filter_rows(every, query), query)
    scored = service.scored(every)
    quadrant = chart.quadrant(scored)
    large, promising = chart.misfits(scored)
    return {
        "query": query,
        "columns": COLUMNS,
        "tier_choices": TIER_CHOICES,
        "state_choices": STATE_CHOICES,
        "review_choices": REVIEW_CHOICES,
        "every_account": actor.is_workspace_admin,
        "rows": shown,
        "total": len(every),
        "summary": service.summarise(every),
        "unscored": sorted(
            (row for row in every if row.score is None), key=lambda r: r.name.casefold()
        ),
        "quadrant": quadrant,
        "tier_groups": chart.by_tier(quadrant.points),
        "large_low_fit": large,
        "small_high_potential": promising,
        "notable": chart.NOTABLE,
        "today": today,
        "time": selection.report(every, today=today),
        # The accounts shown: their goals against actuals this year, their win rates, totals.
        "results": results.for_portfolio(
            db,
            [(row.account_id, row.name) for row in shown],
            year=today.year,
            currency=actor.currency,
            locale=actor.locale,
        ),
    }
