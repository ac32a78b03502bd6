"""Plays Harbor's joint reviews (app/demo/joint_reviews.py) through the joint review service.

The meeting held a month ago is scheduled, minuted and closed through the services; only its
time and the rating's date are set in the past afterwards (a review is scheduled in the
future), like the other ratings' dates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.actions.schemas import CheckedAction, Link
from app.demo import joint_reviews as story
from app.demo.stage import Stage, dimensions
from app.jointreviews import service
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.models import Account, ActionStatus, JointReview, Plan, utcnow
from app.priorities import repository as priorities_repo
from app.value.schemas import RatingValues


def _at(days_from_now: int) -> datetime:
    day = (utcnow() + timedelta(days=days_from_now)).date()
    return datetime.combine(day, time(story.AT_HOUR), ZoneInfo(story.ZONE))


def _schedule(stage: Stage, *, account: Account, plan: Plan, days: int) -> JointReview:
    return service.schedule(
        stage.session,
        actor=stage[story.RUN_BY],
        account=account,
        plan=plan,
        checked=CheckedSchedule(
            CheckedTime(_at(days), story.ZONE, story.DURATION),
            tuple(stage[key].id for key in story.ATTENDEES),  # type: ignore[misc]
        ),
    )


def play(stage: Stage, *, account: Account, plan: Plan) -> None:
    session = stage.session
    assert plan.id is not None
    held = _schedule(stage, account=account, plan=plan, days=1)
    held.starts_at = _at(-story.HELD_DAYS_AGO)
    session.add(held)
    for who, text in story.DECISIONS:
        service.add_decision(session, actor=stage[who], review=held, text=text)
    who, title, outcome, owner, due_in = story.ACTION
    service.add_action(
        session,
        actor=stage[who],
        plan=plan,
        review=held,
        checked=CheckedAction(
            title,
            outcome,
            stage[owner].id,
            (utcnow() + timedelta(days=due_in)).date(),
            ActionStatus.IN_PROGRESS,
            Link(),
        ),
    )
    overall, scores, comment = story.RATING
    rating = service.rate(
        session,
        actor=stage[story.RATED_BY],
        account=account,
        plan=plan,
        review=held,
        values=RatingValues(
            overall, dict(zip(dimensions(session, account), scores, strict=False)), comment
        ),
    )
    rating.rated_at = held.starts_at + timedelta(minutes=45)
    session.add(rating)
    ranked = [p.id for p in priorities_repo.active(session, plan_id=plan.id)]
    service.confirm_ranking(
        session,
        actor=stage[story.RATED_BY],
        plan=plan,
        review=held,
        ids=ranked,  # type: ignore[arg-type]
    )
    service.close(session, actor=stage[story.RUN_BY], review=held, expected_version=held.version)
    _schedule(stage, account=account, plan=plan, days=story.NEXT_IN_DAYS)
    session.flush()
