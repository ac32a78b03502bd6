"""Plays the vendor's internal strategy workspace (story/workspace.toml) through the services.

Only the dates the story needs in the past (``scored_at``, ``recorded_at``, ``created_at`` of
Harbor's plan) are set afterwards, like the value ratings' dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select

from app.agreement import commitment
from app.agreement.commitment import CheckedAnswer
from app.demo.entries import Meeting, Sharing, StrategyWorkspace
from app.demo.play_plan import Made, believe
from app.demo.stage import Stage, days_ago, dimensions, today
from app.keyaccount import service as keyaccount
from app.keyaccount.schemas import AnswerValues
from app.models import (
    Account,
    CommitmentAnswer,
    JointReview,
    JointReviewStatus,
    Plan,
    ProfileSection,
    ScorecardAttribute,
    ScorecardHalf,
    Stakeholder,
    Workspace,
)
from app.notifications import service as notifications
from app.opportunities import service as opportunities
from app.opportunities.schemas import OpportunityValues
from app.profile import service as profile
from app.results import service as results
from app.results.schemas import ActualValues, GoalValues, quarter_of
from app.reviews import service as reviews
from app.reviews.schemas import CheckedReview
from app.scorecard import hours, objectives
from app.scorecard import service as scorecard
from app.scorecard.objectives import ObjectiveValues
from app.scorecard.schemas import AttributeValues, CheckedEntry
from app.stakeholders import service as stakeholders
from app.stakeholders.schemas import CheckedContact, CheckedLink, CheckedStakeholder, TensionForm
from app.web.forms import FormErrors


@dataclass
class Scene:
    stage: Stage
    story: StrategyWorkspace
    accounts: dict[str, tuple[Account, Plan]]  # every account of the workspace and its plan
    harbor: Made  # what the story of the account told in full made

    @property
    def account(self) -> Account:
        return self.accounts[self.story.account][0]

    @property
    def account_id(self) -> int:
        assert self.account.id is not None
        return self.account.id


def play(
    stage: Stage,
    story: StrategyWorkspace,
    *,
    workspace: Workspace,
    accounts: dict[str, tuple[Account, Plan]],
    harbor: Made,
) -> None:
    assert workspace.id is not None
    scene = Scene(stage, story, accounts, harbor)
    attributes = scorecard.create_defaults(
        stage.session, actor=stage[story.scorecard_by], workspace_id=workspace.id
    )
    _objectives(scene, workspace.id, attributes)
    _score(scene, attributes)
    _hours_and_answer(scene)
    sections = _profile(scene)
    _people(scene)
    # The client read those requests when answering them; one section and one person wait.
    notifications.mark_all_read(stage.session, user=stage[story.client])
    _share(scene, sections, Sharing.LATER)
    _opportunities(scene)
    _results(scene)
    _reviews(scene)
    _mentor_requests(scene)
    _commitment(scene)
    for meeting in story.other_reviews:
        _record(scene, meeting)
    stage.session.flush()


def _objectives(scene: Scene, workspace_id: int, attributes: Sequence[ScorecardAttribute]) -> None:
    """The workspace's strategic objectives, each recommended attribute tied to the one it
    serves (through the attribute's edit, as the admin page does)."""
    session, admin = scene.stage.session, scene.stage[scene.story.scorecard_by]
    by_name = {a.name: a for a in attributes}
    for stated in scene.story.objectives:
        made = objectives.add_objective(
            session,
            actor=admin,
            workspace_id=workspace_id,
            values=ObjectiveValues(stated.title, stated.description),
        )
        for name in stated.attributes:
            attribute = by_name[name]
            scorecard.update_attribute(
                session,
                actor=admin,
                attribute=attribute,
                values=AttributeValues(
                    attribute.name,
                    ScorecardHalf(attribute.half),
                    attribute.weight,
                    attribute.description,
                    made.id,
                ),
                expected_version=attribute.version,
            )


def _hours_and_answer(scene: Scene) -> None:
    """The team's hours of this quarter, and the sponsor's key-account answer in the plan."""
    session, lead = scene.stage.session, scene.stage[scene.story.by]
    quarter = hours.quarter_of(today())
    for planned in scene.story.planned_hours:
        account_id = scene.accounts[planned.account][0].id
        assert account_id is not None
        hours.record(
            session,
            actor=lead,
            account_id=account_id,
            values=hours.HoursValues(quarter, planned.hours, planned.note),
            expected_version=0,
        )
    if (reply := scene.story.key_account) is not None:
        keyaccount.answer(
            session,
            actor=scene.stage[scene.story.client],
            account_id=scene.account_id,
            values=AnswerValues(reply.answer, reply.words),
            based_on=0,
        )


def _score(scene: Scene, attributes: Sequence[ScorecardAttribute]) -> None:
    """Each scoring, dated in the past; its note on the first attribute."""
    for scoring in scene.story.scorings:
        account_id = scene.accounts[scoring.account][0].id
        assert account_id is not None
        entries = [
            CheckedEntry(attribute=attribute, score=score, note=scoring.note if i == 0 else "")
            for i, (attribute, score) in enumerate(zip(attributes, scoring.scores, strict=True))
        ]
        made = scorecard.score_account(
            scene.stage.session,
            actor=scene.stage[scene.story.by],
            account_id=account_id,
            entries=entries,
            note="",
        )
        made.scored_at = days_ago(scoring.days_ago)
        scene.stage.session.add(made)


def _profile(scene: Scene) -> dict[str, ProfileSection]:
    """Every section written, those shared at once sent to the client, and its answers."""
    session, lead = scene.stage.session, scene.stage[scene.story.by]
    sections = {}
    for written in scene.story.profile:
        section = profile.save(
            session,
            actor=lead,
            account_id=scene.account_id,
            kind=written.kind,
            section=None,
            body=written.body,
            expected_version=0,
        )
        assert section is not None
        sections[written.kind.value] = section
    _share(scene, sections, Sharing.NOW)
    for written in scene.story.profile:
        if written.answer is not None:
            section = sections[written.kind.value]
            profile.answer(
                session,
                actor=scene.stage[scene.story.client],
                section=section,
                decision=written.answer.decision,
                correction=written.answer.correction,
                expected_version=profile.answer_version(section),
            )
    return sections


def _share(scene: Scene, sections: dict[str, ProfileSection], when: Sharing) -> None:
    """Send the sections the story shares ``when`` to the client, as the lead would."""
    for written in scene.story.profile:
        if written.shared == when:
            section = sections[written.kind.value]
            profile.share(
                scene.stage.session,
                actor=scene.stage[scene.story.by],
                section=section,
                expected_version=section.version,
            )


def _people(scene: Scene) -> None:
    """The map of the decision-making group; some sent to the client, and the answers."""
    stage, story = scene.stage, scene.story
    made: dict[str, Stakeholder] = {}
    for contact in story.contacts:
        made[contact.key] = stakeholders.add(
            stage.session,
            actor=stage[story.by],
            account_id=scene.account_id,
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
                level=contact.level.value,
                location=contact.location,
            ),
        )
        for known in contact.known_by:
            days = known.days_ago
            stakeholders.add_contact(
                stage.session,
                actor=stage[story.by],
                person=made[contact.key],
                user=stage[known.who],
                checked=CheckedContact(
                    user_id=stage[known.who].id or 0,
                    strength=known.strength,
                    last_contact_on=today() - timedelta(days=days) if days else None,
                ),
            )
    _links(scene, made)
    sent = [made[key] for key in story.sent_for_confirmation]
    stakeholders.send(
        stage.session, actor=stage[story.by], account_id=scene.account_id, people=sent
    )
    for answer in story.confirmations:
        person = made[answer.who]
        stakeholders.answer(
            stage.session,
            actor=stage[story.client],
            person=person,
            confirmed=not answer.correction,
            correction=answer.correction,
            expected=stakeholders.shared_version(person),
        )


def _links(scene: Scene, made: dict[str, Stakeholder]) -> None:
    """The links between people beyond the reporting lines, and tensions between departments."""
    stage, story = scene.stage, scene.story
    names = {person.id or 0: person.name for person in made.values()}
    for link in story.links:
        stakeholders.add_link(
            stage.session,
            actor=stage[story.by],
            account_id=scene.account_id,
            checked=CheckedLink(
                from_id=made[link.who].id or 0,
                to_id=made[link.whom].id or 0,
                kind=link.kind.value,
                note=link.note,
            ),
            names=names,
        )
    for tension in story.tensions:
        checked = TensionForm(tension.first, tension.second, tension.note).check()
        assert not isinstance(checked, FormErrors), checked
        stakeholders.add_tension(
            stage.session, actor=stage[story.by], account_id=scene.account_id, checked=checked
        )


def _opportunities(scene: Scene) -> None:
    lead = scene.stage[scene.story.by]
    for found in scene.story.opportunities:
        answers = scene.harbor.priorities[found.priority].id if found.priority else None
        opportunities.add(
            scene.stage.session,
            actor=lead,
            account_id=scene.account_id,
            values=OpportunityValues(
                title=found.title,
                description="",
                size=found.size,
                days=found.days,
                ratings=dict(found.ratings),
                owner_id=lead.id,
                status=found.status.value,
                priority_ids=[answers] if answers is not None else [],
                bid_reason=found.reason.value if found.reason else "",
                bid_note=found.note,
            ),
            today=today(),
        )


def _results(scene: Scene) -> None:
    """The account's own goals by year and its actuals by quarter, counted back from today."""
    stage, story, lead = scene.stage, scene.story, scene.stage[scene.story.by]
    now = today()
    for goal in story.goals:
        values = GoalValues(
            revenue=goal.revenue,
            margin=goal.margin,
            share_of_wallet=goal.share_of_wallet,
            year=now.year - goal.years_ago,
        )
        results.set_goals(
            stage.session,
            actor=lead,
            account_id=scene.account_id,
            values=values,
            expected_version=0,
        )
    current = now.year * 4 + quarter_of(now) - 1
    for actual in story.actuals:
        year, quarter = divmod(current - actual.quarters_ago, 4)
        figures = ActualValues(
            revenue=actual.revenue,
            margin=actual.margin,
            share_of_wallet=actual.share_of_wallet,
            year=year,
            quarter=quarter + 1,
        )
        results.record_actuals(
            stage.session,
            actor=lead,
            account_id=scene.account_id,
            values=figures,
            expected_version=0,
        )


def _reviews(scene: Scene) -> None:
    """What the vendor believed before each review, then the quarterly reviews over the plan's
    months."""
    stage, story = scene.stage, scene.story
    account, plan = scene.accounts[story.account]
    plan.created_at = days_ago(story.plan_started_days_ago)
    stage.session.add(plan)
    for believed in story.believed_before:
        believe(stage, account=account, plan=plan, by=story.by, believed=believed)
    stage.session.flush()
    for meeting in story.reviews:
        _record(scene, meeting)


def _record(scene: Scene, meeting: Meeting) -> None:
    """One review recorded, linked to the joint review held with the client that day if there
    is one, and signed off by the mentor where the story gives her comment."""
    session, story = scene.stage.session, scene.story
    account, plan = scene.accounts[meeting.account]
    held_on = today() - timedelta(days=meeting.days_ago)
    joint = session.exec(
        select(JointReview)
        .where(JointReview.plan_id == plan.id)
        .where(JointReview.status == JointReviewStatus.CLOSED)
    ).first()
    review = reviews.record(
        session,
        actor=scene.stage[story.by],
        account=account,
        plan=plan,
        checked=CheckedReview(held_on, meeting.participants, meeting.what_changed),
        dimensions=dimensions(session, account),
        joint_review_id=joint.id if joint is not None and joint.held_on == held_on else None,
    )
    if meeting.mentor_comment:
        reviews.sign_off(
            session,
            actor=scene.stage[story.mentor],
            account=account,
            review=review,
            comment=meeting.mentor_comment,
            expected_version=review.version,
        )


def _mentor_requests(scene: Scene) -> None:
    """The lead's requests to the mentor (on the plan or on an initiative), and her answers."""
    session, story = scene.stage.session, scene.story
    account, plan = scene.accounts[story.account]
    for request in story.mentor_requests:
        asked = reviews.ask(
            session,
            actor=scene.stage[story.by],
            account=account,
            plan=plan,
            initiative=scene.harbor.initiatives[request.initiative] if request.initiative else None,
            note=request.note,
        )
        if request.answer:
            reviews.answer(
                session,
                actor=scene.stage[story.mentor],
                account=account,
                request=asked,
                initiative=None,
                text=request.answer,
                expected_version=asked.version,
            )


def _commitment(scene: Scene) -> None:
    """The lead asks the team and the mentor to commit to the plan; each answers."""
    session, story = scene.stage.session, scene.story
    if not story.commitment:
        return
    _, plan = scene.accounts[story.account]
    commitment.ask(session, actor=scene.stage[story.by], plan=plan)
    for reply in story.commitment:
        answer = CommitmentAnswer.CONCERN if reply.concern else CommitmentAnswer.COMMITTED
        commitment.answer(
            session,
            actor=scene.stage[reply.who],
            plan=plan,
            checked=CheckedAnswer(answer, reply.concern, 1),
        )
