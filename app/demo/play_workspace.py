"""Plays Brightwell's internal strategy workspace (app/demo/workspace.py) through the services.

Only the dates the story needs in the past (``scored_at``, ``recorded_at``, ``created_at`` of
Harbor's plan) are set afterwards, like the value ratings' dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, select

from app.demo import workspace as story
from app.demo.stage import Stage, days_ago, dimensions, today
from app.models import (
    Account,
    Initiative,
    InitiativeStatus,
    JointReview,
    JointReviewStatus,
    Plan,
    Priority,
    PriorityStatus,
    ProfileKind,
    ProfileSection,
    ScorecardAttribute,
    Stakeholder,
    Workspace,
)
from app.notifications import service as notifications
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues as CheckedOpportunity
from app.perception import service as perception
from app.profile import repository as profile_repo
from app.profile import service as profile
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import service as scorecard
from app.scorecard.schemas import CheckedEntry
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import CheckedStakeholder


def play(stage: Stage, *, workspace: Workspace, accounts: dict[str, tuple[Account, Plan]]) -> None:
    """``accounts``: every Brightwell account and its current plan, by name."""
    assert workspace.id is not None
    session = stage.session
    attributes = scorecard.create_defaults(
        session, actor=stage[story.SCORECARD_BY], workspace_id=workspace.id
    )
    for name, scorings in story.SCORINGS.items():
        _score(stage, account=accounts[name][0], attributes=attributes, scorings=scorings)
    harbor, plan = accounts[story.HARBOR]
    _profile(stage, account=harbor)
    _people(stage, account=harbor)
    # Sam read those requests when he answered them; one section and one person still wait.
    notifications.mark_all_read(session, user=stage[story.CLIENT])
    _share(stage, account=harbor, kind=story.PROFILE_SHARED_LATER)
    _opportunities(stage, account=harbor, plan=plan)
    _reviews(stage, account=harbor, plan=plan)
    _mentor_requests(stage, account=harbor, plan=plan)
    for name, days, participants, what_changed in story.OTHER_REVIEWS:
        account, other_plan = accounts[name]
        reviews.record(
            session,
            actor=stage[story.BY],
            account=account,
            plan=other_plan,
            checked=CheckedReview(today() - timedelta(days=days), participants, what_changed),
            dimensions=dimensions(session, account),
        )
    session.flush()


def _score(
    stage: Stage,
    *,
    account: Account,
    attributes: Sequence[ScorecardAttribute],
    scorings: list[tuple[int, tuple[int, ...], str]],
) -> None:
    assert account.id is not None
    for days, scores, note in scorings:
        entries = [
            CheckedEntry(attribute=attribute, score=score, note=note if i == 0 else "")
            for i, (attribute, score) in enumerate(zip(attributes, scores, strict=True))
        ]
        made = scorecard.score_account(
            stage.session, actor=stage[story.BY], account_id=account.id, entries=entries, note=""
        )
        made.scored_at = days_ago(days)
        stage.session.add(made)


def _profile(stage: Stage, *, account: Account) -> None:
    """Every section written, some sent to the client, and the client's answers."""
    assert account.id is not None
    session, lead = stage.session, stage[story.BY]
    sections: dict[ProfileKind, ProfileSection] = {}
    for kind, body in story.PROFILE.items():
        section = profile.save(
            session,
            actor=lead,
            account_id=account.id,
            kind=kind,
            section=None,
            body=body,
            expected_version=0,
        )
        assert section is not None
        sections[kind] = section
    for kind in story.PROFILE_SHARED:
        section = sections[kind]
        profile.share(
            session,
            actor=lead,
            section=section,
            expected_version=section.version,
        )
    for kind, decision, correction in story.PROFILE_ANSWERS:
        section = sections[kind]
        profile.answer(
            session,
            actor=stage[story.CLIENT],
            section=section,
            decision=decision,
            correction=correction,
            expected_version=profile.answer_version(section),
        )


def _share(stage: Stage, *, account: Account, kind: ProfileKind) -> None:
    """Send one more section to the client, as the lead would from the profile page."""
    assert account.id is not None
    section = profile_repo.get_for_write(stage.session, account_id=account.id, kind=kind)
    assert section is not None
    profile.share(
        stage.session,
        actor=stage[story.BY],
        section=section,
        expected_version=section.version,
    )


def _people(stage: Stage, *, account: Account) -> None:
    """The map of the decision-making group; some sent to the client, and the answers."""
    assert account.id is not None
    session, lead = stage.session, stage[story.BY]
    made: dict[str, Stakeholder] = {}
    for contact in story.CONTACTS:
        days = contact.contact_days_ago
        made[contact.key] = stakeholders.add(
            session,
            actor=lead,
            account_id=account.id,
            checked=CheckedStakeholder(
                name=contact.name,
                title=contact.title,
                department=contact.department,
                reports_to_id=made[contact.manager].id if contact.manager else None,
                roles=list(contact.roles),
                decision=contact.decision,
                influence=contact.influence,
                attitude=contact.attitude,
                motivations=contact.motivations,
                owner_id=stage[contact.owner].id if contact.owner else None,
                strength=contact.strength,
                last_contact_on=today() - timedelta(days=days) if days else None,
            ),
        )
    sent = [made[key] for key in story.SENT_FOR_CONFIRMATION]
    stakeholders.send(session, actor=lead, account_id=account.id, people=sent)
    for key, correction in story.CONFIRMATIONS:
        person = made[key]
        stakeholders.answer(
            session,
            actor=stage[story.CLIENT],
            person=person,
            confirmed=not correction,
            correction=correction,
            expected=stakeholders.shared_version(person),
        )


def _opportunities(stage: Stage, *, account: Account, plan: Plan) -> None:
    assert account.id is not None
    ranked = stage.session.exec(
        select(Priority)
        .where(Priority.plan_id == plan.id)
        .where(Priority.status == PriorityStatus.ACTIVE)
        .where(col(Priority.removed_at).is_(None))
        .order_by(col(Priority.rank), col(Priority.id))
    ).all()

    def answering(fragment: str) -> list[int]:
        return [
            p.id for p in ranked if fragment and fragment in p.title.lower() and p.id is not None
        ][:1]

    lead = stage[story.BY]
    for title, size, days, ratings, status, fragment in story.OPPORTUNITIES:
        opportunities.add(
            stage.session,
            actor=lead,
            account_id=account.id,
            values=CheckedOpportunity(
                title=title,
                description="",
                size=size,
                days=days,
                ratings=dict(zip(story.OPPORTUNITY_RATINGS, ratings, strict=True)),
                owner_id=lead.id,
                status=status.value,
                priority_ids=answering(fragment),
            ),
        )


def _reviews(stage: Stage, *, account: Account, plan: Plan) -> None:
    """What Brightwell believed before each review, then the quarterly reviews over the plan's
    months, signed off by the mentor where the data gives her comment."""
    session, lead = stage.session, stage[story.BY]
    names = dimensions(session, account)
    plan.created_at = days_ago(story.PLAN_STARTED_DAYS_AGO)
    session.add(plan)
    for days, overall in story.BELIEVED_BEFORE:
        believed = perception.record_rating(
            session,
            actor=lead,
            plan=plan,
            overall=overall,
            scores=dict.fromkeys(names, overall),
            note="",
        )
        believed.recorded_at = days_ago(days)
        session.add(believed)
    session.flush()
    # The last quarterly review is the joint one held with Harbor a month ago: its record
    # links to it.
    joint = session.exec(
        select(JointReview)
        .where(JointReview.plan_id == plan.id)
        .where(JointReview.status == JointReviewStatus.CLOSED)
    ).first()
    for meeting in story.REVIEWS:
        linked = joint is not None and joint.held_on == today() - timedelta(days=meeting.days_ago)
        review = reviews.record(
            session,
            actor=lead,
            account=account,
            plan=plan,
            checked=CheckedReview(
                today() - timedelta(days=meeting.days_ago),
                meeting.participants,
                meeting.what_changed,
            ),
            dimensions=names,
            joint_review_id=joint.id if linked and joint else None,
        )
        if meeting.mentor_comment:
            reviews.sign_off(
                session,
                actor=stage[story.MENTOR],
                account=account,
                review=review,
                comment=meeting.mentor_comment,
                expected_version=review.version,
            )


def _mentor_requests(stage: Stage, *, account: Account, plan: Plan) -> None:
    """The lead's requests to the mentor (on the plan or on its draft initiative), and her
    answers."""
    session = stage.session
    draft = session.exec(
        select(Initiative)
        .where(Initiative.plan_id == plan.id)
        .where(Initiative.status == InitiativeStatus.DRAFT)
        .order_by(col(Initiative.created_at), col(Initiative.id))
    ).first()
    for request in story.MENTOR_REQUESTS:
        asked = reviews.ask(
            session,
            actor=stage[story.BY],
            account=account,
            plan=plan,
            initiative=draft if request.on_draft else None,
            note=request.note,
        )
        if request.answer:
            reviews.answer(
                session,
                actor=stage[story.MENTOR],
                account=account,
                request=asked,
                initiative=None,
                text=request.answer,
                expected_version=asked.version,
            )
