"""A joint review's minutes as the page shows them: from the live rows while the review is
open, from the frozen snapshot once it is closed. One shape for both, plain data."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.jointreviews import repository
from app.models import ActionStatus, JointReview, JointReviewStatus


def live_minutes(session: Session, *, review: JointReview) -> dict[str, Any]:
    """The minutes as they stand (a fixed number of queries): attendees, agenda, decisions,
    new actions, the client's rating and ranking in the review."""
    assert review.id is not None
    decisions = repository.decisions(session, review_id=review.id)
    actions = repository.actions(session, review_id=review.id, plan_id=review.plan_id)
    rating = repository.rating(session, review_id=review.id)
    ids = [
        *review.attendee_ids,
        *(d.created_by_id or 0 for d in decisions),
        *(a.owner_id or 0 for a in actions),
        rating.rated_by_id or 0 if rating else 0,
        review.ranking_by_id or 0,
    ]
    people = repository.people(session, user_ids=ids)

    def name(user_id: int | None) -> str:
        person = people.get(user_id or 0)
        return person.display_name if person else ""

    return {
        "attendees": [name(i) for i in review.attendee_ids if i in people],
        "agenda": review.agenda,
        "decisions": [
            {"id": d.id, "version": d.version, "text": d.text, "by": name(d.created_by_id)}
            for d in decisions
        ],
        "actions": [
            {
                "id": a.id,
                "title": a.title,
                "owner": name(a.owner_id),
                "due_on": a.due_on.isoformat() if a.due_on else "",
                "status": ActionStatus(a.status).label,
            }
            for a in actions
        ],
        "rating": None
        if rating is None
        else {
            "overall": rating.overall,
            "scores": dict(rating.scores),
            "future_overall": rating.future_overall,
            "comment": rating.comment,
            "by": name(rating.rated_by_id),
        },
        "ranking": list(review.ranking),
        "ranking_by": name(review.ranking_by_id),
    }


def minutes_of(session: Session, *, review: JointReview) -> dict[str, Any]:
    """Frozen once closed; live before."""
    if review.status == JointReviewStatus.CLOSED:
        return dict(review.minutes)
    return live_minutes(session, review=review)
