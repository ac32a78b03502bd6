"""Queries of the scorecard: attributes always of one workspace, scorings always of one
account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.db import for_write
from app.kit import queries
from app.models import AccountScore, ScorecardAttribute, StrategicObjective, TierTreatment, User
from app.workspaces import repository as workspaces_repo

ATTRIBUTE = "scorecard_attribute"
SCORE = "account_score"
OBJECTIVE = "strategic_objective"
TREATMENT = "tier_treatment"


def lock_workspace(session: Session, *, workspace_id: int) -> None:
    """Serialise changes to a workspace's attributes (their number, names and order): a row
    lock on PostgreSQL, taken before any attribute row so that writers never wait in a circle;
    SQLite's writers queue anyway."""
    workspaces_repo.get_for_update(session, workspace_id=workspace_id)


def active_attributes(session: Session, *, workspace_id: int) -> Sequence[ScorecardAttribute]:
    """The workspace's live attributes, in their order: one query."""
    attributes = queries.live(ScorecardAttribute, ScorecardAttribute.workspace_id == workspace_id)
    return session.exec(
        attributes.order_by(col(ScorecardAttribute.position), col(ScorecardAttribute.id))
    ).all()


def get_attribute(
    session: Session, *, workspace_id: int, attribute_id: int
) -> ScorecardAttribute | None:
    """A live attribute of this workspace (another workspace's is not found, like a missing
    one); locked when the request writes."""
    statement = (
        select(ScorecardAttribute)
        .where(ScorecardAttribute.id == attribute_id)
        .where(ScorecardAttribute.workspace_id == workspace_id)
        .where(col(ScorecardAttribute.removed_at).is_(None))
        .execution_options(populate_existing=True)
    )
    return session.exec(for_write(session, statement)).first()


def scorings(session: Session, *, account_id: int) -> Sequence[tuple[AccountScore, str]]:
    """Every scoring of the account, oldest first, each with the name of who scored it ('' if
    that person is gone): one query."""
    rows = session.exec(
        select(AccountScore, User.display_name)
        .outerjoin(User, col(User.id) == AccountScore.scored_by_id)
        .where(AccountScore.account_id == account_id)
        .order_by(col(AccountScore.scored_at), col(AccountScore.id))
    ).all()
    return [(score, name or "") for score, name in rows]


def latest(session: Session, *, account_id: int) -> AccountScore | None:
    return session.exec(
        select(AccountScore)
        .where(AccountScore.account_id == account_id)
        .order_by(col(AccountScore.scored_at).desc(), col(AccountScore.id).desc())
        .limit(1)
    ).first()


def active_objectives(session: Session, *, workspace_id: int) -> Sequence[StrategicObjective]:
    """The workspace's live strategic objectives, in their order: one query."""
    objectives = queries.live(StrategicObjective, StrategicObjective.workspace_id == workspace_id)
    return session.exec(
        objectives.order_by(col(StrategicObjective.position), col(StrategicObjective.id))
    ).all()


def get_objective(
    session: Session, *, workspace_id: int, objective_id: int
) -> StrategicObjective | None:
    """A live objective of this workspace (another workspace's is not found, like a missing
    one); locked when the request writes."""
    statement = (
        select(StrategicObjective)
        .where(StrategicObjective.id == objective_id)
        .where(StrategicObjective.workspace_id == workspace_id)
        .where(col(StrategicObjective.removed_at).is_(None))
        .execution_options(populate_existing=True)
    )
    return session.exec(for_write(session, statement)).first()


def treatments(session: Session, *, workspace_id: int) -> Sequence[TierTreatment]:
    """The tiers' treatments the workspace's admins set (a tier never set has no row)."""
    return session.exec(
        select(TierTreatment)
        .where(TierTreatment.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    ).all()
