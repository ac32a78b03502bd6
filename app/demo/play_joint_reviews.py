"""Plays Harbor's joint reviews (story/joint_reviews.toml) through the joint review service.

The meeting held a month ago is scheduled, minuted and closed through the services; only its
time and the rating's date are set in the past afterwards (a review is scheduled in the
future), like the other ratings' dates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.actions.schemas import CheckedAction, Link
from app.demo.entries import JointReviews
from app.demo.stage import Stage, dimensions
from app.jointreviews import service
from app.jointreviews.schemas import CheckedSchedule, CheckedTime
from app.models import Account, JointReview, Plan, utcnow
from app.priorities import repository as priorities_repo
from app.value.schemas import RatingValues


def _at(story: JointReviews, days_from_now: int) -> datetime:
    day = (utcnow() + timedelta(days=days_from_now)).date()
    return datetime.combine(day, time(story.at_hour), ZoneInfo(story.zone))


def _schedule(
    stage: Stage, story: JointReviews, *, account: Account, plan: Plan, days: int
) -> JointReview:
    return service.schedule(
        stage.session,
        actor=stage[story.run_by],
        account=account,
        plan=plan,
        checked=CheckedSchedule(
            CheckedTime(_at(story, days), story.zone, story.duration),
            tuple(stage[key].id for key in story.attendees),  # type: ignore[misc]
        ),
    )


def play(stage: Stage, story: JointReviews, *, account: Account, plan: Plan) -> None:
    session = stage.session
    assert plan.id is not None
    held = _schedule(stage, story, account=account, plan=plan, days=1)
    held.starts_at = _at(story, -story.held_days_ago)
    session.add(held)
    for decision in story.decisions:
        service.add_decision(session, actor=stage[decision.by], review=held, text=decision.text)
    step = story.action
    service.add_action(
        session,
        actor=stage[step.by],
        plan=plan,
        review=held,
        checked=CheckedAction(
            step.title,
            step.outcome,
            stage[step.owner].id if step.owner else None,
            (utcnow() + timedelta(days=step.due_in_days or 0)).date(),
            step.status,
            Link(),
        ),
    )
    given = story.rating
    names = dimensions(session, account)
    scores = dict(zip(names, given.scores, strict=False))
    future = dict(zip(names, given.future_scores, strict=False))
    rating = service.rate(
        session,
        actor=stage[given.by],
        account=account,
        plan=plan,
        review=held,
        values=RatingValues(given.overall, scores, given.comment, given.future, future),
    )
    rating.rated_at = held.starts_at + timedelta(minutes=45)
    session.add(rating)
    ranked = [p.id for p in priorities_repo.active(session, plan_id=plan.id)]
    service.confirm_ranking(
        session,
        actor=stage[given.by],
        plan=plan,
        review=held,
        ids=ranked,  # type: ignore[arg-type]
    )
    service.close(session, actor=stage[story.run_by], review=held, expected_version=held.version)
    _schedule(stage, story, account=account, plan=plan, days=story.next_in_days)
    session.flush()
